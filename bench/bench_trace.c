/* SPDX-License-Identifier: MIT */
/*
 * bench_trace.c - what the trace timeline (collectors.trace) costs.
 *
 * In one run:
 *   calling thread  HP_MEASURE with trace off and with trace on, against
 *                   a plain call and a call reading the clock twice (the
 *                   floor), interleaved, best of several rounds;
 *   collector       the process CPU per call less the calling thread's,
 *                   trace off and on (trace turns the timing plugin's
 *                   record shortcut off: every call becomes an event);
 *   memory          resident memory at report time with trace on less
 *                   with trace off, per call, each in a fresh child
 *                   process (the buffer's bytes a call);
 *   file            trace.json's size per event, and the time to write it
 *                   (on the thread that ends the guard, at report time).
 */
#define _GNU_SOURCE
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <hotpath.h>

#define ROUNDS 7

static volatile uint64_t sink;

static __attribute__((noinline)) void f_plain(uint64_t x)
{
	sink = x;
}

static __attribute__((noinline)) void f_rdtsc(uint64_t x)
{
	uint64_t a = hp__now();
	sink = x;
	sink = hp__now() - a;
}

static __attribute__((noinline)) void f_measured(uint64_t x)
{
	HP_MEASURE();
	sink = x;
}

static double clock_ns(clockid_t id)
{
	struct timespec ts;

	clock_gettime(id, &ts);
	return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

/* ns per call of f over n calls: the calling thread's CPU time, which a
 * shared machine's other work does not inflate as it does wall time. */
static double run(void (*f)(uint64_t), long n)
{
	double t0 = clock_ns(CLOCK_THREAD_CPUTIME_ID);

	for (long i = 0; i < n; i++)
		f((uint64_t)i);
	return (clock_ns(CLOCK_THREAD_CPUTIME_ID) - t0) / (double)n;
}

/* Resident bytes (/proc/self/statm). */
static double rss_bytes(void)
{
	unsigned long size = 0, res = 0;
	FILE *f = fopen("/proc/self/statm", "r");

	if (f != NULL) {
		if (fscanf(f, "%lu %lu", &size, &res) != 2)
			res = 0;
		fclose(f);
	}
	return (double)res * (double)sysconf(_SC_PAGESIZE);
}

/* What a child measures at report time, while the buffer is still held
 * (the plugin frees it after the report). */
typedef struct child_mem {
	double rss;    /* resident bytes of the process */
	double buffer; /* resident bytes of the trace buffer (its section) */
	double events; /* events it keeps */
} child_mem;

static int rss_reporter(const hp_snapshot *snap, void *data, char **cause)
{
	child_mem *m = data;
	const hp_section *s = hp_snapshot_find(snap, "trace");

	(void)cause;
	m->rss = rss_bytes();
	if (s != NULL && hp_section_nrows(s) == 1) {
		m->events = (double)hp_section_int(s, 0, 2);
		m->buffer = (double)hp_section_int(s, 0, 6);
	}
	return 0;
}

static const hp_reporter rss_rep = {"rss", rss_reporter};

/* A guard with trace on or off; heap gets the report-time heap bytes. */
static hp_guard *start(int trace, child_mem *heap)
{
	hp_guard_builder *b = hp_guard_builder_new("bench_trace");

	setenv("HOTPATH_TRACE", trace ? "1" : "0", 1);
	hp_guard_builder_format(b, HP_FORMAT_NONE);
	if (heap != NULL)
		hp_guard_builder_reporter(b, &rss_rep, heap);
	return hp_guard_builder_build(b);
}

/* Best ns per call of the three variants over ROUNDS interleaved rounds
 * of n calls under one guard. */
static void rounds(int trace, long n, double *plain, double *tsc, double *meas)
{
	hp_guard *g = start(trace, NULL);

	for (int r = 0; r < ROUNDS; r++) {
		double a = run(f_plain, n), b = run(f_rdtsc, n), c = run(f_measured, n);
		*plain = a < *plain ? a : *plain;
		*tsc = b < *tsc ? b : *tsc;
		*meas = c < *meas ? c : *meas;
	}
	hp_guard_end(g);
}

/* n measured calls under one guard: the collector's CPU per call and
 * the wall time of hp_guard_end (the report). */
static void share(int trace, long n, double *collector, double *end_ms)
{
	hp_guard *g = start(trace, NULL);
	double cpu = clock_ns(CLOCK_PROCESS_CPUTIME_ID), own = clock_ns(CLOCK_THREAD_CPUTIME_ID);
	double t;

	run(f_measured, n);
	t = clock_ns(CLOCK_MONOTONIC);
	hp_guard_end(g);
	*end_ms = (clock_ns(CLOCK_MONOTONIC) - t) / 1e6;
	cpu = clock_ns(CLOCK_PROCESS_CPUTIME_ID) - cpu;
	own = clock_ns(CLOCK_THREAD_CPUTIME_ID) - own;
	*collector = (cpu - own) / (double)n;
}

/* Resident bytes at report time after n measured calls, in a child that
 * starts as this process did (so the two children differ only by trace). */
static child_mem child_rss(int trace, long n)
{
	int fd[2];
	child_mem rss = {0, 0, 0};
	pid_t pid;

	if (pipe(fd) != 0)
		return rss;
	if ((pid = fork()) == 0) {
		hp_guard *g = start(trace, &rss);
		run(f_measured, n);
		hp_guard_end(g);
		if (write(fd[1], &rss, sizeof(rss)) != (ssize_t)sizeof(rss))
			_exit(1);
		_exit(0);
	}
	close(fd[1]);
	if (pid < 0 || read(fd[0], &rss, sizeof(rss)) != (ssize_t)sizeof(rss))
		memset(&rss, 0, sizeof(rss));
	close(fd[0]);
	if (pid > 0)
		waitpid(pid, NULL, 0);
	return rss;
}

int main(int argc, char **argv)
{
	long n = argc > 1 ? atol(argv[1]) : 1000000L;
	double p0 = 1e9, t0 = 1e9, m0 = 1e9, p1 = 1e9, t1 = 1e9, m1 = 1e9;
	double floor_p, floor_t, c_off, c_on, e_off, e_on;
	child_mem h_off, h_on;
	char dir[] = "/tmp/bench_trace.XXXXXX", path[64], bufn[32];
	struct stat sb;

	if (n < 1000)
		n = 1000;
	if (mkdtemp(dir) == NULL) {
		perror("bench_trace: mkdtemp");
		return 1;
	}
	snprintf(path, sizeof(path), "%s/trace.json", dir);
	snprintf(bufn, sizeof(bufn), "%ld", n);
	setenv("HOTPATH_CONFIG", "/dev/null", 1);
	setenv("HOTPATH_PUB", "off", 1);
	setenv("HOTPATH_QUERY", "off", 1);
	setenv("HOTPATH_TRACE_OUTPUT", path, 1);
	setenv("HOTPATH_TRACE_BUFFER", bufn, 1); /* every call of share() kept */

	/* the children first: they start from a process that ran no guard */
	h_off = child_rss(0, n);
	h_on = child_rss(1, n);
	/* ROUNDS x n / ROUNDS calls: the buffer keeps all of them */
	rounds(0, n / ROUNDS, &p0, &t0, &m0);
	rounds(1, n / ROUNDS, &p1, &t1, &m1);
	floor_p = p0 < p1 ? p0 : p1;
	floor_t = t0 < t1 ? t0 : t1;
	share(0, n, &c_off, &e_off);
	share(1, n, &c_on, &e_on);
	if (stat(path, &sb) != 0)
		sb.st_size = 0;
	unlink(path);
	rmdir(dir);

	printf("bench_trace: %ld calls per variant, best of %d rounds; %ld calls for the rest\n",
	       n / ROUNDS, ROUNDS, n);
	printf("  baseline (plain call)     %7.2f ns/call\n", floor_p);
	printf("  two clock reads           %7.2f ns/call   added %6.2f ns\n", floor_t,
	       floor_t - floor_p);
	printf("  HP_MEASURE, trace off     %7.2f ns/call   added %6.2f ns  (%.2fx two clock reads)\n",
	       m0, m0 - floor_p, (m0 - floor_p) / (floor_t - floor_p));
	printf("  HP_MEASURE, trace on      %7.2f ns/call   added %6.2f ns  (%.2fx two clock reads; "
	       "budget 1.3x)\n", m1, m1 - floor_p, (m1 - floor_p) / (floor_t - floor_p));
	printf("  collector per call        %7.2f ns trace off, %.2f ns trace on  (process CPU less "
	       "the calling thread's, %ld calls)\n", c_off, c_on, n);
	printf("  trace buffer per call     %7.2f bytes  (its resident pages over the %.0f calls kept; "
	       "budget 32)\n", h_on.events > 0 ? h_on.buffer / h_on.events : 0.0, h_on.events);
	printf("  process memory per call   %7.2f bytes  (resident at report time, trace on less off: "
	       "the buffer and a longer backlog in the calling thread's)\n",
	       (h_on.rss - h_off.rss) / (double)n);
	printf("  trace.json                %7.2f bytes per event  (%.1f MiB for %ld calls), "
	       "report %.0f ms against %.1f ms without trace\n",
	       (double)sb.st_size / (double)n, (double)sb.st_size / 1048576.0, n, e_on, e_off);
	return 0;
}
