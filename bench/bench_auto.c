/* SPDX-License-Identifier: MIT */
/*
 * bench_auto.c - what auto-instrumentation (-finstrument-functions) adds
 * per call, and what uftrace adds recording the same binary.
 *
 * In one run, interleaved, best of several rounds:
 *   baseline      work_plain: the function built without instrumentation
 *   2x rdtsc      the same function reading the clock twice (the floor)
 *   hotpath       work_inst: the same source built with
 *                 -finstrument-functions, a guard alive
 * then, when uftrace is installed, this very binary again under
 * `uftrace record` (its hooks replace hotpath's), timing the same two
 * loops, and both figures side by side.
 *
 *   bench_auto [CALLS]
 */
#define _GNU_SOURCE
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <hotpath.h>

#define ROUNDS 7
#define UFTRACE_ROUNDS 3

void work_plain(uint64_t x);
void work_inst(uint64_t x);

static volatile uint64_t sink;

static __attribute__((noinline)) void work_rdtsc(uint64_t x)
{
	uint64_t a = hp__now();
	sink = x;
	sink = hp__now() - a;
}

static double now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

/* ns per call of f over n calls. */
static double run(void (*f)(uint64_t), long n)
{
	double t0 = now_ns();

	for (long i = 0; i < n; i++)
		f((uint64_t)i);
	return (now_ns() - t0) / (double)n;
}

static double min2(double a, double b)
{
	return a < b ? a : b;
}

/* Under uftrace: the plain and instrumented loops, best of a few rounds;
 * prints "added <ns>" for the parent. */
static int child(long n)
{
	double plain = 1e9, inst = 1e9;

	for (int r = 0; r < UFTRACE_ROUNDS; r++) {
		plain = min2(plain, run(work_plain, n));
		inst = min2(inst, run(work_inst, n));
	}
	printf("added %.2f\n", inst - plain);
	return 0;
}

/* This binary again under `uftrace record`; its ns added per call, or a
 * negative value when it could not run. */
static double uftrace_added(long n, char *why, size_t len)
{
	char exe[4096], dir[] = "/tmp/hp_bench_uftrace.XXXXXX", cmd[9000], line[128];
	double added = -1;
	ssize_t k;
	FILE *p;

	if (system("command -v uftrace >/dev/null 2>&1") != 0) {
		snprintf(why, len, "uftrace is not installed (apt-get install uftrace)");
		return -1;
	}
	if ((k = readlink("/proc/self/exe", exe, sizeof(exe) - 1)) <= 0 || mkdtemp(dir) == NULL) {
		snprintf(why, len, "no path to this binary or no temporary folder");
		return -1;
	}
	exe[k] = '\0';
	snprintf(cmd, sizeof(cmd), "uftrace record -d '%s/data' '%s' --uftrace-child %ld 2>&1",
		 dir, exe, n);
	if ((p = popen(cmd, "r")) != NULL) {
		while (fgets(line, sizeof(line), p) != NULL)
			if (sscanf(line, "added %lf", &added) == 1)
				break;
		while (fgets(line, sizeof(line), p) != NULL)
			;
		pclose(p);
	}
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	if (system(cmd) != 0)
		fprintf(stderr, "bench_auto: could not remove %s\n", dir);
	if (added < 0)
		snprintf(why, len, "`uftrace record` did not run the benchmark");
	return added;
}

int main(int argc, char **argv)
{
	long n = 10000000L;
	double plain = 1e9, tsc = 1e9, inst = 1e9, ut;
	hp_guard_builder *b;
	hp_guard *g;
	char why[256];

	if (argc > 2 && strcmp(argv[1], "--uftrace-child") == 0)
		return child(atol(argv[2]));
	if (argc > 1)
		n = atol(argv[1]);
	setenv("HOTPATH_CONFIG", "/dev/null", 1);
	b = hp_guard_builder_new("bench_auto");
	hp_guard_builder_format(b, HP_FORMAT_NONE);
	if ((g = hp_guard_builder_build(b)) == NULL)
		return 1;
	/* interleaved rounds: each variant sees the same machine state */
	for (int r = 0; r < ROUNDS; r++) {
		plain = min2(plain, run(work_plain, n / 10));
		tsc = min2(tsc, run(work_rdtsc, n / 10));
		inst = min2(inst, run(work_inst, n / 10));
	}
	hp_guard_end(g);
	ut = uftrace_added(n / 10, why, sizeof(why));

	printf("bench_auto: %ld calls per variant, best of %d rounds\n", n / 10, ROUNDS);
	printf("  baseline (built plain)    %7.2f ns/call\n", plain);
	printf("  two clock reads           %7.2f ns/call   added %6.2f ns\n", tsc, tsc - plain);
	printf("  hotpath auto (-finstrument-functions)\n");
	printf("                            %7.2f ns/call   added %6.2f ns  (%.2fx two clock reads)\n",
	       inst, inst - plain, (inst - plain) / (tsc - plain));
	if (ut >= 0)
		printf("  uftrace record, same binary            added %6.2f ns  (best of %d)\n",
		       ut, UFTRACE_ROUNDS);
	else
		printf("  uftrace: skipped: %s\n", why);
	return 0;
}
