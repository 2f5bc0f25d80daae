/* SPDX-License-Identifier: MIT */
/*
 * test_io_raw.c - libhotpath-io's raw path (docs/io.md, Cost): on glibc
 * 2.36 (x86-64) a tracked read, write, send, ... makes the system call
 * itself where the next definition is glibc's own, and must behave as
 * glibc's function does: a thread blocked in a tracked read is cancelled
 * by pthread_cancel and its cleanup handler runs, a thread that cancelled
 * itself is cancelled at its next tracked write, errno (EBADF, EAGAIN) is
 * set and left alone on success, and every call's bytes are counted
 * exactly.  Linked with tests/io/ionext.c, another interposer of writev
 * between libhotpath-io and glibc, which must still be called.  The
 * cancellation and errno checks run on any C library (where the raw path
 * is not taken they check glibc's own functions through the wrappers).
 */
#define _GNU_SOURCE
#include "config.h"

#include <check.h>
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>
#ifdef __GLIBC__
#include <gnu/libc-version.h>
#endif

#include <hotpath.h>
#include "../testlib.h"

#include "io_report.h"

int hp__io_raw(const char *name);  /* libhotpath-io, for tests */
extern int ionext_writev_calls;    /* tests/io/ionext.c */

/* ---- reading the report --------------------------------------------------- */

/* Asks for the row of function label (test_io_raw::label, or "(no function)")
 * on descriptors of kind. */
static void want(iocap *w, const char *label, const char *kind)
{
	io_want(w, "test_io_raw", label, kind);
}

static hp_guard *start(iocap *w)
{
	return io_start(w, "test_io_raw");
}

/* Whether this C library is the one the raw path is made for. */
static int raw_expected(void)
{
#if defined(__x86_64__) && defined(__GLIBC__)
	return strcmp(gnu_get_libc_version(), "2.36") == 0 && getenv("HOTPATH_IO_RAW") == NULL;
#else
	return 0;
#endif
}

/* ---- which calls take it -------------------------------------------------- */

START_TEST(raw_where_glibc_is_next)
{
	static const char *const raw[] = {"read", "write", "pread", "pwrite", "pread64",
					  "pwrite64", "readv", "send", "recv", "sendto",
					  "recvfrom", "sendmsg"};
	int want_raw = raw_expected();

	for (size_t i = 0; i < sizeof(raw) / sizeof(raw[0]); i++)
		ck_assert_msg(hp__io_raw(raw[i]) == want_raw, "%s: %d", raw[i], hp__io_raw(raw[i]));
	/* ionext.c's writev is next: it is called, never bypassed */
	ck_assert_int_eq(hp__io_raw("writev"), 0);
	/* glibc converts recvmsg's result: always its own */
	ck_assert_int_eq(hp__io_raw("recvmsg"), -1);
	ck_assert_int_eq(hp__io_raw("fwrite"), -1);
}
END_TEST

/* ---- every call's bytes ----------------------------------------------------- */

static int bad;

static void each_call(int fd, int s0, int s1)
{
	HP_MEASURE();
	char buf[64], in[64];
	struct iovec iov[2] = {{buf, 3}, {buf + 3, 3}}, iin[2] = {{in, 4}, {in + 4, 4}};
	struct msghdr m = {0};

	memset(buf, 'x', sizeof(buf));
	/* a file: 8 + 6 bytes written, 8 + 8 read */
	bad += pwrite(fd, buf, 8, 0) != 8;
	bad += pread(fd, in, 8, 0) != 8;
	bad += writev(fd, iov, 2) != 6; /* through ionext.c */
	bad += lseek(fd, 0, SEEK_SET) != 0;
	bad += readv(fd, iin, 2) != 8;
	/* a socketpair: 5 + 6 + 7 bytes each way */
	bad += send(s0, buf, 5, 0) != 5;
	bad += recv(s1, in, sizeof(in), 0) != 5;
	bad += sendto(s0, buf, 6, 0, NULL, 0) != 6;
	bad += recvfrom(s1, in, sizeof(in), 0, NULL, NULL) != 6;
	m.msg_iov = iov;
	m.msg_iovlen = 2;
	iov[1].iov_len = 4;
	bad += sendmsg(s0, &m, 0) != 7;
	bad += read(s1, in, sizeof(in)) != 7;
	bad += write(s1, buf, 9) != 9;
	bad += recv(s0, in, sizeof(in), MSG_DONTWAIT) != 9;
}

START_TEST(bytes_of_each_call)
{
	iocap w = {0};
	char path[] = "/tmp/hotpath-io-raw-XXXXXX";
	int fd = mkstemp(path), sv[2];
	hp_guard *g;

	ck_assert_int_ge(fd, 0);
	unlink(path);
	ck_assert_int_eq(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	want(&w, "each_call", "file");
	want(&w, "each_call", "socket");
	g = start(&w);
	each_call(fd, sv[0], sv[1]);
	hp_guard_end(g);
	ck_assert_int_eq(bad, 0);
	ck_assert_int_eq(ionext_writev_calls, 1);
	ROW_IS(&w, 0, 4, 16, 14, 0);
	ROW_IS(&w, 1, 8, 27, 27, 0);
	close(fd);
	close(sv[0]);
	close(sv[1]);
}
END_TEST

/* ---- errno ------------------------------------------------------------------ */

static void closed(int fd)
{
	HP_MEASURE();
	char c = 'x';

	errno = 0;
	bad += write(fd, &c, 1) != -1 || errno != EBADF;
	errno = 0;
	bad += read(fd, &c, 1) != -1 || errno != EBADF;
	errno = 0;
	bad += send(fd, &c, 1, 0) != -1 || errno != EBADF;
}

/* Fills a non-blocking pipe: writes until EAGAIN; returns the bytes. */
static int64_t full_pipe(int fd, int *writes)
{
	HP_MEASURE();
	static char block[4096];
	int64_t total = 0;
	ssize_t r = 0;

	for (int i = 0; i < 4096 && (r = write(fd, block, sizeof(block))) > 0; i++) {
		total += r;
		++*writes;
	}
	bad += r != -1 || errno != EAGAIN;
	errno = 4242; /* a successful call leaves errno alone */
	return total;
}

static void drained(int fd, int64_t total)
{
	HP_MEASURE();
	static char block[4096];
	int64_t got = 0;
	ssize_t r;

	while ((r = read(fd, block, sizeof(block))) > 0)
		got += r;
	bad += r != -1 || errno != EAGAIN || got != total;
}

START_TEST(errno_through_the_raw_path)
{
	iocap w = {0};
	int p[2], fd, writes = 0;
	int64_t total;
	hp_guard *g;
	char c = 'y';

	ck_assert_int_eq(pipe2(p, O_NONBLOCK), 0);
	fd = dup2(p[0], 900); /* high: no other thread's descriptor takes it */
	ck_assert_int_eq(fd, 900);
	close(fd); /* a closed descriptor: EBADF */
	want(&w, "closed", "other");
	want(&w, "full_pipe", "pipe");
	want(&w, "drained", "pipe");
	g = start(&w);
	closed(fd);
	total = full_pipe(p[1], &writes);
	ck_assert_int_eq(errno, 4242);
	ck_assert_int_eq(write(p[1], &c, 0), 0); /* no function: (no function) */
	ck_assert_int_eq(errno, 4242);
	drained(p[0], total);
	hp_guard_end(g);
	ck_assert_int_eq(bad, 0);
	ck_assert_int_gt(writes, 0);
	ROW_IS(&w, 0, 3, 0, 0, 3);
	ROW_IS(&w, 1, writes + 1, 0, total, 1);
	ROW_IS(&w, 2, (total + 4095) / 4096 + 1, total, 0, 1);
	ck_assert_msg(strstr(w.errs, "test_io_raw::closed write EBADF 1;") != NULL, "%s", w.errs);
	ck_assert_msg(strstr(w.errs, "test_io_raw::closed read EBADF 1;") != NULL, "%s", w.errs);
	ck_assert_msg(strstr(w.errs, "test_io_raw::closed send EBADF 1;") != NULL, "%s", w.errs);
	ck_assert_msg(strstr(w.errs, "test_io_raw::full_pipe write EAGAIN 1;") != NULL, "%s",
		      w.errs);
	ck_assert_msg(strstr(w.errs, "test_io_raw::drained read EAGAIN 1;") != NULL, "%s", w.errs);
	close(p[0]);
	close(p[1]);
}
END_TEST

/* ---- cancellation ----------------------------------------------------------- */

typedef struct blocked {
	ssize_t (*rd)(int, void *, size_t); /* read: tracked, or glibc's own */
	int fd, out;
	int ready, cleaned, returned;
} blocked;

static void cleanup(void *arg)
{
	__atomic_store_n(&((blocked *)arg)->cleaned, 1, __ATOMIC_RELEASE);
}

/* Writes one byte, then blocks in a read on an empty pipe until cancelled. */
static void *reader(void *arg)
{
	blocked *b = arg;
	char c = 'r';

	pthread_cleanup_push(cleanup, b);
	bad += write(b->out, &c, 1) != 1;
	__atomic_store_n(&b->ready, 1, __ATOMIC_RELEASE);
	(void)b->rd(b->fd, &c, 1);
	__atomic_store_n(&b->returned, 1, __ATOMIC_RELEASE);
	pthread_cleanup_pop(0);
	return NULL;
}

/* Cancels a thread blocked in rd; its cleanup handler must run and the read
 * never return. */
static void cancel_blocked(ssize_t (*rd)(int, void *, size_t), int out)
{
	int p[2];
	blocked b = {rd, -1, out, 0, 0, 0};
	pthread_t t;
	void *ret = NULL;
	struct timespec until;
	int e;

	ck_assert_int_eq(pipe(p), 0);
	b.fd = p[0];
	ck_assert_int_eq(pthread_create(&t, NULL, reader, &b), 0);
	for (int i = 0; i < 10000 && !__atomic_load_n(&b.ready, __ATOMIC_ACQUIRE); i++)
		usleep(1000);
	ck_assert_int_eq(__atomic_load_n(&b.ready, __ATOMIC_ACQUIRE), 1);
	usleep(20000); /* most likely in the read by now; a request before it acts at its start */
	ck_assert_int_eq(pthread_cancel(t), 0);
	clock_gettime(CLOCK_REALTIME, &until);
	until.tv_sec += 10;
	if ((e = pthread_timedjoin_np(t, &ret, &until)) != 0) {
		/* not cancelled: the read is still blocked; let it return */
		bad += write(p[1], "x", 1) != 1;
		pthread_join(t, &ret);
	}
	ck_assert_msg(e == 0, "the blocked read was not cancelled");
	ck_assert_ptr_eq(ret, PTHREAD_CANCELED);
	ck_assert_int_eq(b.cleaned, 1);
	ck_assert_int_eq(b.returned, 0);
	close(p[0]);
	close(p[1]);
}

START_TEST(cancel_in_a_blocked_read)
{
	iocap w = {0};
	int out[2];
	void *libc = dlopen("libc.so.6", RTLD_LAZY | RTLD_NOLOAD);
	ssize_t (*glibc_read)(int, void *, size_t);
	hp_guard *g;

	ck_assert_ptr_nonnull(libc);
	glibc_read = (ssize_t(*)(int, void *, size_t))dlsym(libc, "read");
	ck_assert_ptr_nonnull(glibc_read);
	ck_assert_int_eq(pipe(out), 0);
	want(&w, "(no function)", "pipe");
	/* without hotpath: glibc's own read */
	cancel_blocked(glibc_read, out[1]);
	/* tracked: the same */
	g = start(&w);
	cancel_blocked(read, out[1]);
	hp_guard_end(g);
	ck_assert_int_eq(bad, 0);
	/* the reader's write is counted, its cancelled read is not */
	ROW_IS(&w, 0, 1, 0, 1, 0);
	close(out[0]);
	close(out[1]);
	dlclose(libc);
}
END_TEST

/* A thread that cancelled itself: its next tracked write is where it ends
 * (glibc's write is a cancellation point); with cancellation disabled the
 * write is made and the request waits. */
static void *self_cancel(void *arg)
{
	blocked *b = arg;
	char c = 's';
	int old;

	pthread_cleanup_push(cleanup, b);
	pthread_setcancelstate(PTHREAD_CANCEL_DISABLE, &old);
	pthread_cancel(pthread_self());
	bad += write(b->out, &c, 1) != 1; /* disabled: made */
	pthread_setcancelstate(old, NULL);
	__atomic_store_n(&b->ready, 1, __ATOMIC_RELEASE);
	(void)write(b->out, &c, 1); /* cancelled here, before the call */
	__atomic_store_n(&b->returned, 1, __ATOMIC_RELEASE);
	pthread_cleanup_pop(0);
	return NULL;
}

START_TEST(cancelled_by_itself)
{
	iocap w = {0};
	int out[2];
	blocked b = {NULL, -1, -1, 0, 0, 0};
	pthread_t t;
	void *ret = NULL;
	char buf[8];
	hp_guard *g;

	ck_assert_int_eq(pipe2(out, O_NONBLOCK), 0);
	b.out = out[1];
	want(&w, "(no function)", "pipe");
	g = start(&w);
	ck_assert_int_eq(pthread_create(&t, NULL, self_cancel, &b), 0);
	ck_assert_int_eq(pthread_join(t, &ret), 0);
	hp_guard_end(g);
	ck_assert_ptr_eq(ret, PTHREAD_CANCELED);
	ck_assert_int_eq(b.ready, 1);
	ck_assert_int_eq(b.cleaned, 1);
	ck_assert_int_eq(b.returned, 0);
	ck_assert_int_eq(bad, 0);
	/* one byte went through: the second write was never made */
	ROW_IS(&w, 0, 1, 0, 1, 0);
	ck_assert_int_eq(read(out[0], buf, sizeof(buf)), 1);
	close(out[0]);
	close(out[1]);
}
END_TEST

static Suite *io_raw_suite(void)
{
	Suite *s = suite_create("io_raw");
	TCase *tc = tcase_create("io_raw");

	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, raw_where_glibc_is_next);
	tcase_add_test(tc, bytes_of_each_call);
	tcase_add_test(tc, errno_through_the_raw_path);
	tcase_add_test(tc, cancel_in_a_blocked_read);
	tcase_add_test(tc, cancelled_by_itself);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return hp_test_run(io_raw_suite());
}
