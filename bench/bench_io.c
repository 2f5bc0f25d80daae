/* SPDX-License-Identifier: MIT */
/*
 * bench_io.c - what I/O tracking (libhotpath-io) adds to a call, against
 * the same call made straight to glibc, and against the floor: a wrapper
 * function that reads the clock twice around glibc's call, all side by
 * side in one run, interleaved batches: the fastest batch of each (so a
 * busy machine's interruptions drop out), and the median over rounds of
 * what each variant added to glibc's own call in the same round (a system
 * call's time moves by more than the 20-30 ns compared, and the fastest
 * batches of two variants are seldom from the same moment: paired
 * differences are steadier).  fputc to a buffered stream makes no system
 * call, so what tracking adds to it is the wrapper's own cost: the figure
 * that the 1.2x target is about; write(2) of 1 byte to /dev/null and send
 * of 1 byte on a socketpair show the same around real system calls.
 *
 *   bench/bench_io [BATCHES]
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <stdint.h>
#include <time.h>
#include <unistd.h>

#include <hotpath.h>

#define BATCH 32     /* calls per timed batch */

static ssize_t (*libc_write)(int, const void *, size_t);
static ssize_t (*libc_send)(int, const void *, size_t, int);
static int (*libc_fputc)(int, FILE *);
static volatile uint64_t sink;
static int fd_null, sv[2];
static FILE *f_null;

enum { PLAIN, FLOOR, TRACKED, NVAR };
enum { FPUTC, WRITE, SEND, NCALLS };

/* The floor: a wrapper that reads the clock twice around glibc's call,
 * as an interposer must be (a function of its own between the program and
 * glibc), and as bench_measure's floor is a function reading it twice. */
static __attribute__((noinline)) int floor_fputc(int c, FILE *f)
{
	uint64_t a = hp__now();
	int r = libc_fputc(c, f);

	sink = hp__now() - a;
	return r;
}

static __attribute__((noinline)) ssize_t floor_write(int fd, const void *b, size_t n)
{
	uint64_t a = hp__now();
	ssize_t r = libc_write(fd, b, n);

	sink = hp__now() - a;
	return r;
}

static __attribute__((noinline)) ssize_t floor_send(int fd, const void *b, size_t n, int fl)
{
	uint64_t a = hp__now();
	ssize_t r = libc_send(fd, b, n, fl);

	sink = hp__now() - a;
	return r;
}

/* Called through pointers, as the program calls write through the PLT. */
static int (*volatile p_floor_fputc)(int, FILE *) = floor_fputc;
static ssize_t (*volatile p_floor_write)(int, const void *, size_t) = floor_write;
static ssize_t (*volatile p_floor_send)(int, const void *, size_t, int) = floor_send;

/* One call of kind k, variant v. */
static inline __attribute__((always_inline)) void call(int k, int v)
{
	char c = 'x';

	switch (k * NVAR + v) {
	case FPUTC * NVAR + PLAIN: sink = (uint64_t)libc_fputc(c, f_null); break;
	case FPUTC * NVAR + FLOOR: sink = (uint64_t)p_floor_fputc(c, f_null); break;
	case FPUTC * NVAR + TRACKED: sink = (uint64_t)fputc(c, f_null); break;
	case WRITE * NVAR + PLAIN: sink = (uint64_t)libc_write(fd_null, &c, 1); break;
	case WRITE * NVAR + FLOOR: sink = (uint64_t)p_floor_write(fd_null, &c, 1); break;
	case WRITE * NVAR + TRACKED: sink = (uint64_t)write(fd_null, &c, 1); break;
	case SEND * NVAR + PLAIN: sink = (uint64_t)libc_send(sv[0], &c, 1, MSG_DONTWAIT); break;
	case SEND * NVAR + FLOOR: sink = (uint64_t)p_floor_send(sv[0], &c, 1, MSG_DONTWAIT); break;
	default: sink = (uint64_t)send(sv[0], &c, 1, MSG_DONTWAIT); break;
	}
}

/* Ticks of the fastest batch of BATCH calls of kind k, variant v. */
static __attribute__((noinline)) uint64_t batch(int k, int v)
{
	HP_MEASURE(); /* the calls are made in a measured function */
	uint64_t t0 = hp__now();

	for (int i = 0; i < BATCH; i++)
		call(k, v);
	return hp__now() - t0;
}

/* Empties the socketpair so sends never block (not timed). */
static void drain(void)
{
	char buf[65536];

	while (recv(sv[1], buf, sizeof(buf), MSG_DONTWAIT) > 0)
		;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/* The median of v[0..n), sorted in place. */
static double median(double *v, size_t n)
{
	if (n == 0)
		return 0;
	qsort(v, n, sizeof(*v), cmp_double);
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

/* Prints one call's figures: the variants' best batches, in ns per call,
 * and the medians of what the floor and tracking added in each round. */
static void report(const char *what, const double best[NVAR], double med_floor, double med_added)
{
	double floor = best[FLOOR] - best[PLAIN], added = best[TRACKED] - best[PLAIN];

	printf("  %s\n", what);
	printf("    plain (glibc's own)      %8.2f ns/call\n", best[PLAIN]);
	printf("    a wrapper, 2 clock reads %8.2f ns/call   added %6.2f ns  (the floor)\n",
	       best[FLOOR], floor);
	if (floor > 0)
		printf("    tracked (libhotpath-io)  %8.2f ns/call   added %6.2f ns  (%.2fx two clock "
		       "reads; target <= 1.2x)\n", best[TRACKED], added, added / floor);
	else
		printf("    tracked (libhotpath-io)  %8.2f ns/call   added %6.2f ns  (the floor was lost "
		       "in this run's noise)\n", best[TRACKED], added);
	if (med_floor > 0)
		printf("    median of the rounds: the floor added %6.2f ns, tracking %6.2f ns (%.2fx; "
		       "target <= 1.2x)\n", med_floor, med_added, med_added / med_floor);
}

int main(int argc, char **argv)
{
	long batches = argc > 1 ? atol(argv[1]) : 20000L;
	uint64_t best[NCALLS][NVAR];
	double ns[NCALLS][NVAR], t_ns, *dfloor[NCALLS], *dadded[NCALLS];
	size_t nr[NCALLS] = {0};
	void *libc = dlopen("libc.so.6", RTLD_LAZY | RTLD_NOLOAD);
	hp_guard_builder *b;
	hp_guard *g;
	uint64_t c0, c1;
	double m0, m1;
	static char fbuf[1 << 16];

	/* glibc's own, past the interposer */
	if (libc == NULL ||
	    (libc_write = (ssize_t(*)(int, const void *, size_t))dlsym(libc, "write")) == NULL ||
	    (libc_send = (ssize_t(*)(int, const void *, size_t, int))dlsym(libc, "send")) == NULL ||
	    (libc_fputc = (int (*)(int, FILE *))dlsym(libc, "fputc")) == NULL) {
		fprintf(stderr, "bench_io: glibc's functions not found\n");
		return 1;
	}
	if ((fd_null = open("/dev/null", O_WRONLY)) < 0 || (f_null = fopen("/dev/null", "w")) == NULL ||
	    socketpair(AF_UNIX, SOCK_STREAM, 0, sv) != 0)
		return 1;
	setvbuf(f_null, fbuf, _IOFBF, sizeof(fbuf));
	setenv("HOTPATH_CONFIG", "/dev/null", 1);
	setenv("HOTPATH_PUB", "off", 1);
	b = hp_guard_builder_new("bench_io");
	hp_guard_builder_format(b, HP_FORMAT_NONE);
	if ((g = hp_guard_builder_build(b)) == NULL)
		return 1;
	for (int k = 0; k < NCALLS; k++) {
		for (int v = 0; v < NVAR; v++)
			best[k][v] = UINT64_MAX;
		dfloor[k] = calloc((size_t)batches, sizeof(double));
		dadded[k] = calloc((size_t)batches, sizeof(double));
		if (dfloor[k] == NULL || dadded[k] == NULL)
			return 1;
	}
	{
		struct timespec ts;
		clock_gettime(CLOCK_MONOTONIC, &ts);
		m0 = (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
		c0 = hp__now();
	}
	/* interleaved: a noisy moment costs every variant alike, and the
	 * fastest batch of each is the one nothing interrupted */
	for (long i = 0; i < batches; i++) {
		for (int k = 0; k < NCALLS; k++) {
			if (k != FPUTC && i % 8 != 0)
				continue; /* system calls: fewer batches, each is long */
			uint64_t t[NVAR];
			for (int v = 0; v < NVAR; v++) {
				if (k == SEND)
					drain(); /* each variant sends to an empty socket */
				t[v] = batch(k, v);
				best[k][v] = t[v] < best[k][v] ? t[v] : best[k][v];
			}
			dfloor[k][nr[k]] = (double)t[FLOOR] - (double)t[PLAIN];
			dadded[k][nr[k]++] = (double)t[TRACKED] - (double)t[PLAIN];
		}
	}
	{
		struct timespec ts;
		clock_gettime(CLOCK_MONOTONIC, &ts);
		m1 = (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
		c1 = hp__now();
	}
	hp_guard_end(g);
	t_ns = (m1 - m0) / (double)(c1 - c0); /* ns per tick */
	for (int k = 0; k < NCALLS; k++)
		for (int v = 0; v < NVAR; v++)
			ns[k][v] = (double)best[k][v] * t_ns / BATCH;
	printf("bench_io: I/O tracking, fastest of %ld batches of %d calls (1 in 8 for system calls)\n",
	       batches, BATCH);
	{
		static const char *const what[NCALLS] = {
			"fputc to a buffered stream (no system call: the wrapper's own cost)",
			"write(2) of 1 byte to /dev/null",
			"send of 1 byte on a socketpair",
		};
		double per = t_ns / BATCH;
		for (int k = 0; k < NCALLS; k++) {
			report(what[k], ns[k], median(dfloor[k], nr[k]) * per,
			       median(dadded[k], nr[k]) * per);
			free(dfloor[k]);
			free(dadded[k]);
		}
	}
	return 0;
}
