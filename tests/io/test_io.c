/* SPDX-License-Identifier: MIT */
/*
 * test_io.c - I/O tracking through the real interposer (libhotpath-io):
 * exact calls and bytes per function and kind of descriptor on eight
 * threads at once, the innermost measured function, descriptors whose
 * numbers are reused (close, dup2), errors by errno, stdio (and
 * collectors.io.stdio off), UDP datagrams per peer address, and I/O
 * tracking turned off.
 */
#include "config.h"

#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

#include <hotpath.h>
#include "../testlib.h"

#include "io_report.h"

/* ---- reading the report --------------------------------------------------- */

/* Asks for the row of function label (test_io::label, or "(no function)")
 * on descriptors of kind. */
static void want(iocap *w, const char *label, const char *kind)
{
	io_want(w, "test_io", label, kind);
}

/* The io_files row of name, or NULL. */
static const iofile *file(const iocap *w, const char *name)
{
	for (size_t i = 0; i < w->nfiles; i++)
		if (strcmp(w->files[i].name, name) == 0)
			return &w->files[i];
	return NULL;
}

#define FILE_IS(w, name, calls_, read_, written_)                               \
	do {                                                                    \
		const iofile *f_ = file(w, name);                               \
		ck_assert_msg(f_ != NULL, "no row for %s", name);               \
		ck_assert_int_eq(f_->calls, calls_);                            \
		ck_assert_int_eq(f_->read, read_);                              \
		ck_assert_int_eq(f_->written, written_);                        \
	} while (0)

static hp_guard *start(iocap *w)
{
	return io_start(w, "test_io");
}

/* ---- workloads ------------------------------------------------------------ */

#define PER_THREAD 3000

/* PER_THREAD messages of 1..7 x 10 bytes through a pipe of its own. */
static void pump(int k)
{
	HP_MEASURE();
	char buf[80];
	int p[2];

	ck_assert_int_eq(pipe(p), 0);
	memset(buf, 'x', sizeof(buf));
	for (int i = 0; i < PER_THREAD; i++) {
		size_t n = (size_t)((i + k) % 7 + 1) * 10;
		ck_assert_int_eq(write(p[1], buf, n), (ssize_t)n);
		ck_assert_int_eq(read(p[0], buf, n), (ssize_t)n);
	}
	close(p[0]);
	close(p[1]);
}

static void *pump_thread(void *arg)
{
	pump((int)(intptr_t)arg);
	return NULL;
}

START_TEST(eight_threads_exact)
{
	iocap w = {0};
	hp_guard *g;
	pthread_t t[8];
	int64_t bytes = 0;

	want(&w, "pump", "pipe");
	g = start(&w);
	for (int k = 0; k < 8; k++)
		pthread_create(&t[k], NULL, pump_thread, (void *)(intptr_t)k);
	for (int k = 0; k < 8; k++)
		pthread_join(t[k], NULL);
	hp_guard_end(g);
	for (int k = 0; k < 8; k++)
		for (int i = 0; i < PER_THREAD; i++)
			bytes += ((i + k) % 7 + 1) * 10;
	ROW_IS(&w, 0, 8 * PER_THREAD * 2, bytes, bytes, 0);
}
END_TEST

static int tmpfd(void)
{
	char path[] = "/tmp/test_io.XXXXXX";
	int fd = mkstemp(path);

	ck_assert_int_ge(fd, 0);
	unlink(path);
	return fd;
}

/* Check's assertions write to its own files in fork mode: measured
 * functions here only count what they did, the test asserts afterwards. */
static int bad;

static void inner(int fd)
{
	HP_MEASURE();
	bad += write(fd, "0123456789abcdefghij", 20) != 20;
}

static void outer(int fd)
{
	HP_MEASURE();
	bad += write(fd, "0123456789", 10) != 10;
	inner(fd);
	inner(fd);
	bad += pwrite(fd, "xyz", 3, 0) != 3;
}

START_TEST(innermost_function)
{
	iocap w = {0};
	hp_guard *g;
	int fd = tmpfd();
	char buf[64];

	want(&w, "outer", "file");
	want(&w, "inner", "file");
	want(&w, "(no function)", "file");
	g = start(&w);
	outer(fd);
	bad += pread(fd, buf, sizeof(buf), 0) != 50;
	hp_guard_end(g);
	close(fd);
	ck_assert_int_eq(bad, 0);
	ROW_IS(&w, 0, 2, 0, 13, 0);
	ROW_IS(&w, 1, 2, 0, 40, 0);
	ROW_IS(&w, 2, 1, 50, 0, 0);
}
END_TEST

static void reuse(int fd)
{
	HP_MEASURE();
	int s[2], p[2];

	bad += write(fd, "abcd", 4) != 4;
	close(fd);
	/* the same number, now a socket */
	bad += socketpair(AF_UNIX, SOCK_STREAM, 0, s) != 0 || s[0] != fd;
	bad += send(s[0], "hello", 5, 0) != 5;
	bad += recv(s[1], (char[8]){0}, 8, 0) != 5;
	/* and a pipe's end, through dup2 */
	bad += pipe(p) != 0 || dup2(p[1], s[0]) != s[0];
	bad += write(s[0], "pp", 2) != 2;
	close(s[0]);
	close(s[1]);
	close(p[0]);
	close(p[1]);
}

START_TEST(reused_descriptors)
{
	iocap w = {0};
	hp_guard *g;

	want(&w, "reuse", "file");
	want(&w, "reuse", "socket");
	want(&w, "reuse", "pipe");
	g = start(&w);
	reuse(tmpfd());
	hp_guard_end(g);
	ck_assert_int_eq(bad, 0);
	ROW_IS(&w, 0, 1, 0, 4, 0);
	ROW_IS(&w, 1, 2, 5, 5, 0);
	ROW_IS(&w, 2, 1, 0, 2, 0);
}
END_TEST

static void failing(int fd)
{
	HP_MEASURE();
	char c;

	for (int i = 0; i < 3; i++)
		bad += read(-1, &c, 1) != -1;
	bad += errno != EBADF; /* errno is glibc's */
	bad += recv(fd, &c, 1, 0) != -1;
	bad += errno != ENOTSOCK;
}

START_TEST(errors_by_errno)
{
	iocap w = {0};
	hp_guard *g;

	want(&w, "failing", "other");
	want(&w, "failing", "file");
	int fd = tmpfd();

	g = start(&w);
	failing(fd);
	hp_guard_end(g);
	close(fd);
	ck_assert_int_eq(bad, 0);
	ROW_IS(&w, 0, 3, 0, 0, 3);
	ROW_IS(&w, 1, 1, 0, 0, 1);
	ck_assert_str_eq(w.errs, "test_io::failing read EBADF 3;test_io::failing recv ENOTSOCK 1;");
}
END_TEST

static void stdio(FILE *f)
{
	HP_MEASURE();
	char line[64], digits[100];

	for (int i = 0; i < 100; i++)
		digits[i] = (char)('0' + i % 10);
	for (int i = 0; i < 3; i++)
		bad += fwrite(digits, 10, 10, f) != 10;
	bad += fprintf(f, "%d\n", 12345) != 6;
	bad += fputs("abc\n", f) < 0;
	bad += fputc('!', f) != '!';
	rewind(f);
	bad += fread(line, 1, 50, f) != 50;
	bad += fgets(line, sizeof(line), f) == NULL;
	bad += fgetc(f) != '3';
}

START_TEST(stdio_counted)
{
	iocap w = {0};
	hp_guard *g;
	FILE *f = tmpfile();

	ck_assert_ptr_nonnull(f);
	want(&w, "stdio", "file");
	g = start(&w);
	stdio(f);
	hp_guard_end(g);
	fclose(f);
	ck_assert_int_eq(bad, 0);
	/* written: 300 + 6 + 4 + 1; read: 50 by fread, 63 by fgets (the
	 * line goes on to byte 305: it stops at its buffer), then one */
	ROW_IS(&w, 0, 9, 50 + 63 + 1, 311, 0);
}
END_TEST

/* stdio and a write(2) on one file. */
static void mixed(FILE *f)
{
	HP_MEASURE();

	bad += fwrite("0123456789", 1, 10, f) != 10;
	bad += fprintf(f, "%d\n", 42) != 3;
	bad += fflush(f) != 0;
	bad += write(fileno(f), "abcdefg", 7) != 7;
}

START_TEST(stdio_left_out)
{
	iocap w = {0}, on = {0};
	hp_guard *g;
	FILE *f = tmpfile();

	ck_assert_ptr_nonnull(f);
	want(&w, "mixed", "file");
	setenv("HOTPATH_COLLECTORS_IO_STDIO", "false", 1);
	g = start(&w);
	mixed(f);
	hp_guard_end(g);
	unsetenv("HOTPATH_COLLECTORS_IO_STDIO");
	/* only the write(2): glibc's own write behind fflush is never seen */
	ROW_IS(&w, 0, 1, 0, 7, 0);
	/* the next guard, with the default: all three */
	want(&on, "mixed", "file");
	g = start(&on);
	mixed(f);
	hp_guard_end(g);
	fclose(f);
	ck_assert_int_eq(bad, 0);
	ROW_IS(&on, 0, 3, 0, 10 + 3 + 7, 0);
}
END_TEST

/* A UDP socket on 127.0.0.1, any port; its port in *port. */
static int udp(unsigned *port)
{
	struct sockaddr_in a = {.sin_family = AF_INET};
	socklen_t len = sizeof(a);
	int s = socket(AF_INET, SOCK_DGRAM, 0);

	ck_assert_int_ge(s, 0);
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	ck_assert_int_eq(bind(s, (struct sockaddr *)&a, sizeof(a)), 0);
	ck_assert_int_eq(getsockname(s, (struct sockaddr *)&a, &len), 0);
	*port = ntohs(a.sin_port);
	return s;
}

/* Unconnected UDP sockets: a and b send to r (sendto and sendmsg), r
 * receives them all (recvfrom and recvmsg); every datagram is on
 * 127.0.0.1, so none is lost. */
static void datagrams(int a, int b, int r, unsigned rport)
{
	HP_MEASURE();
	struct sockaddr_in to = {.sin_family = AF_INET}, from;
	char buf[256] = {0};
	struct iovec iov = {.iov_base = buf, .iov_len = 30};
	struct msghdr m = {.msg_name = &to, .msg_namelen = sizeof(to), .msg_iov = &iov,
			   .msg_iovlen = 1};
	socklen_t len;

	to.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	to.sin_port = htons((uint16_t)rport);
	for (int i = 0; i < 5; i++)
		bad += sendto(a, buf, 100, 0, (struct sockaddr *)&to, sizeof(to)) != 100;
	for (int i = 0; i < 3; i++)
		bad += sendto(b, buf, 40, 0, (struct sockaddr *)&to, sizeof(to)) != 40;
	for (int i = 0; i < 2; i++)
		bad += sendmsg(a, &m, 0) != 30;
	for (int i = 0; i < 8; i++) {
		len = sizeof(from);
		bad += recvfrom(r, buf, sizeof(buf), 0, (struct sockaddr *)&from, &len) <= 0;
	}
	for (int i = 0; i < 2; i++) {
		struct iovec in = {.iov_base = buf, .iov_len = sizeof(buf)};
		struct msghdr rm = {.msg_name = &from, .msg_namelen = sizeof(from),
				    .msg_iov = &in, .msg_iovlen = 1};
		bad += recvmsg(r, &rm, 0) != 30;
	}
}

START_TEST(datagrams_per_peer)
{
	iocap w = {0};
	hp_guard *g;
	unsigned pa, pb, pr;
	int a = udp(&pa), b = udp(&pb), r = udp(&pr);
	char na[64], nb[64], nr[64];

	want(&w, "datagrams", "socket");
	g = start(&w);
	datagrams(a, b, r, pr);
	hp_guard_end(g);
	close(a);
	close(b);
	close(r);
	ck_assert_int_eq(bad, 0);
	/* 5 + 3 + 2 sends, 8 + 2 receives */
	ROW_IS(&w, 0, 20, 5 * 100 + 3 * 40 + 2 * 30, 5 * 100 + 3 * 40 + 2 * 30, 0);
	snprintf(na, sizeof(na), "udp 127.0.0.1:%u", pa);
	snprintf(nb, sizeof(nb), "udp 127.0.0.1:%u", pb);
	snprintf(nr, sizeof(nr), "udp 127.0.0.1:%u", pr);
	/* sent to r by a and b; received from a (5 + 2) and from b (3) */
	FILE_IS(&w, nr, 10, 0, 5 * 100 + 3 * 40 + 2 * 30);
	FILE_IS(&w, na, 7, 5 * 100 + 2 * 30, 0);
	FILE_IS(&w, nb, 3, 3 * 40, 0);
}
END_TEST

START_TEST(turned_off)
{
	iocap w = {0};
	hp_guard *g;
	char c = 'x';
	int p[2];

	setenv("HOTPATH_IO", "0", 1);
	g = start(&w);
	ck_assert_int_eq(pipe(p), 0);
	ck_assert_int_eq(write(p[1], &c, 1), 1);
	hp_guard_end(g);
	unsetenv("HOTPATH_IO");
	close(p[0]);
	close(p[1]);
	ck_assert_int_eq(w.has_io, 0);
}
END_TEST

static Suite *io_suite(void)
{
	Suite *s = suite_create("io");
	TCase *tc = tcase_create("io");

	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, eight_threads_exact);
	tcase_add_test(tc, innermost_function);
	tcase_add_test(tc, reused_descriptors);
	tcase_add_test(tc, errors_by_errno);
	tcase_add_test(tc, stdio_counted);
	tcase_add_test(tc, stdio_left_out);
	tcase_add_test(tc, datagrams_per_peer);
	tcase_add_test(tc, turned_off);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return hp_test_run(io_suite());
}
