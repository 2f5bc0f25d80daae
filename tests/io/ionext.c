/* SPDX-License-Identifier: MIT */
/*
 * ionext.c - another interposer of writev, linked after libhotpath-io and
 * before glibc (tests/io/test_io_raw.c): libhotpath-io's writev must call
 * it, not make the system call itself.  Counts its calls.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <stddef.h>
#include <sys/uio.h>

int ionext_writev_calls;

ssize_t writev(int fd, const struct iovec *iov, int n)
{
	static ssize_t (*next)(int, const struct iovec *, int);

	if (next == NULL)
		next = (ssize_t(*)(int, const struct iovec *, int))dlsym(RTLD_NEXT, "writev");
	__atomic_fetch_add(&ionext_writev_calls, 1, __ATOMIC_RELAXED);
	return next(fd, iov, n);
}
