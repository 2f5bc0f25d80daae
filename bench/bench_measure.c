/* SPDX-License-Identifier: MIT */
/*
 * bench_measure.c - what one HP_MEASURE call adds.
 *
 * In one run, interleaved, best of several rounds:
 *   baseline   the same function with no instrumentation
 *   2x rdtsc   the same function reading the clock twice (the floor)
 *   measured   the function with HP_MEASURE(), a guard alive
 *   untimed    HP_MEASURE_SAMPLED(2^30): a call counted, not timed
 *   sampled    HP_MEASURE_SAMPLED(64): 1 in 64 timed, the mean cost
 * and, with sampling configured for another site, HP_MEASURE's cost when
 * its calls go through the sampled-site test (docs/sampling.md);
 * then the process's total CPU per measured call (the collector thread
 * included, final drain included), that less the two-read call, and peak
 * RSS after 1 M and 10 M calls; then the collector's CPU per record with
 * the call tree (self time, calls, stacks) on and off, for flat calls and
 * for calls nested three deep (docs/calls.md).
 */
#define _GNU_SOURCE
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

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

static __attribute__((noinline)) void f_untimed(uint64_t x)
{
	HP_MEASURE_SAMPLED(1u << 30);
	sink = x;
}

static __attribute__((noinline)) void f_sampled(uint64_t x)
{
	HP_MEASURE_SAMPLED(64);
	sink = x;
}

/* Nested: 6 measured calls in 3 levels per call of f_nested. */
static __attribute__((noinline)) void n_leaf(uint64_t x)
{
	HP_MEASURE();
	sink = x;
}

static __attribute__((noinline)) void n_mid(uint64_t x)
{
	HP_MEASURE();
	n_leaf(x);
	sink = x;
}

static __attribute__((noinline)) void f_nested(uint64_t x)
{
	HP_MEASURE();
	n_mid(x);
	n_leaf(x + 1);
	n_mid(x + 2);
}

static double now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

static double cpu_ns(clockid_t id)
{
	struct timespec ts;

	clock_gettime(id, &ts);
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

static double peak_rss_mib(void)
{
	struct rusage ru;

	getrusage(RUSAGE_SELF, &ru);
	return (double)ru.ru_maxrss / 1024.0;
}

static hp_guard *start(void);

/* The collector's CPU per record (process CPU less this thread's) over n
 * calls of f writing k records each, with the call tree on or off; best of
 * three runs. */
static double collector_share(void (*f)(uint64_t), long n, int k, bool tree)
{
	double best = 1e9;

	setenv("HOTPATH_CALL_TREE", tree ? "true" : "false", 1);
	for (int r = 0; r < 3; r++) {
		hp_guard *g = start();
		double cpu = cpu_ns(CLOCK_PROCESS_CPUTIME_ID), own = cpu_ns(CLOCK_THREAD_CPUTIME_ID);

		run(f, n);
		hp_guard_end(g);
		cpu = (cpu_ns(CLOCK_PROCESS_CPUTIME_ID) - cpu) - (cpu_ns(CLOCK_THREAD_CPUTIME_ID) - own);
		cpu /= (double)n * k;
		best = cpu < best ? cpu : best;
	}
	unsetenv("HOTPATH_CALL_TREE");
	return best;
}

static hp_guard *start(void)
{
	hp_guard_builder *b = hp_guard_builder_new("bench_measure");

	hp_guard_builder_format(b, HP_FORMAT_NONE);
	return hp_guard_builder_build(b);
}

/* The collector's share per record with the call tree on and off. */
static void tree_lines(long n)
{
	double fon = collector_share(f_measured, n / 2, 1, true);
	double foff = collector_share(f_measured, n / 2, 1, false);
	double non = collector_share(f_nested, n / 10, 6, true);
	double noff = collector_share(f_nested, n / 10, 6, false);

	printf("  collector per record, call tree on / off (best of 3):\n");
	printf("    flat calls              %7.2f / %.2f ns  (+%.2f ns)\n", fon, foff, fon - foff);
	printf("    nested 3 deep           %7.2f / %.2f ns  (+%.2f ns)\n", non, noff, non - noff);
}

/* bench_measure [CALLS [tree]]: "tree", the call tree's lines alone. */
int main(int argc, char **argv)
{
	long n = argc > 1 ? atol(argv[1]) : 10000000L;
	double best_plain = 1e9, best_tsc = 1e9, best_meas = 1e9, best_unt = 1e9, best_s64 = 1e9;
	double best_exact = 1e9;
	double cpu, own, rss1, rss10;
	hp_guard *g;

	setenv("HOTPATH_CONFIG", "/dev/null", 1);
	if (argc > 2 && strcmp(argv[2], "tree") == 0) {
		tree_lines(n);
		return 0;
	}
	if ((g = start()) == NULL)
		return 1;
	/* interleaved rounds: each variant sees the same machine state */
	for (int r = 0; r < ROUNDS; r++) {
		double a = run(f_plain, n / 10), b = run(f_rdtsc, n / 10);
		double c = run(f_measured, n / 10);
		double d = run(f_untimed, n / 10), e = run(f_sampled, n / 10);
		best_plain = a < best_plain ? a : best_plain;
		best_tsc = b < best_tsc ? b : best_tsc;
		best_meas = c < best_meas ? c : best_meas;
		best_unt = d < best_unt ? d : best_unt;
		best_s64 = e < best_s64 ? e : best_s64;
	}
	hp_guard_end(g);
	/* a rule for some other site: HP_MEASURE's calls take the sampled
	 * test and find their site timed on every call */
	setenv("HOTPATH_TIMING_SAMPLE_SITES", "no_such_function=10", 1);
	if ((g = start()) == NULL)
		return 1;
	for (int r = 0; r < ROUNDS; r++) {
		double a = run(f_plain, n / 10), c = run(f_measured, n / 10);
		best_plain = a < best_plain ? a : best_plain;
		best_exact = c < best_exact ? c : best_exact;
	}
	hp_guard_end(g);
	unsetenv("HOTPATH_TIMING_SAMPLE_SITES");

	/* total process CPU per call, collector and final drain included */
	g = start();
	cpu = cpu_ns(CLOCK_PROCESS_CPUTIME_ID);
	own = cpu_ns(CLOCK_THREAD_CPUTIME_ID);
	run(f_measured, n / 10);
	rss1 = peak_rss_mib();
	run(f_measured, n - n / 10);
	hp_guard_end(g);
	cpu = (cpu_ns(CLOCK_PROCESS_CPUTIME_ID) - cpu) / (double)n;
	own = (cpu_ns(CLOCK_THREAD_CPUTIME_ID) - own) / (double)n;
	rss10 = peak_rss_mib();

	printf("bench_measure: %ld calls per variant, best of %d rounds\n", n / 10, ROUNDS);
	printf("  baseline (plain call)     %7.2f ns/call\n", best_plain);
	printf("  two clock reads           %7.2f ns/call   added %6.2f ns\n", best_tsc,
	       best_tsc - best_plain);
	printf("  HP_MEASURE                %7.2f ns/call   added %6.2f ns  (%.2fx two clock reads)\n",
	       best_meas, best_meas - best_plain,
	       (best_meas - best_plain) / (best_tsc - best_plain));
	printf("  HP_MEASURE_SAMPLED, untimed %5.2f ns/call   added %6.2f ns  (counted, no clock read)\n",
	       best_unt, best_unt - best_plain);
	printf("  HP_MEASURE_SAMPLED(64)    %7.2f ns/call   added %6.2f ns  (%.2fx two clock reads, mean)\n",
	       best_s64, best_s64 - best_plain, (best_s64 - best_plain) / (best_tsc - best_plain));
	printf("  HP_MEASURE, sampling on   %7.2f ns/call   added %6.2f ns  (%.2fx two clock reads; "
	       "another site sampled)\n", best_exact, best_exact - best_plain,
	       (best_exact - best_plain) / (best_tsc - best_plain));
	printf("  process CPU per call      %7.2f ns  (collector included, %ld calls)\n", cpu, n);
	printf("  of which hotpath's threads %6.2f ns  (the collector: process CPU less the calling thread's)\n",
	       cpu - own);
	/* the floor of the figure above: what a call reading the clock twice
	 * costs with no hotpath at all (its wall time: it is CPU bound) */
	printf("  beyond the two-read call  %7.2f ns  (process CPU less the two-clock-read call's %.2f)\n",
	       cpu - best_tsc, best_tsc);
	printf("  peak RSS                  %7.1f MiB after %ld calls, %.1f MiB after %ld\n",
	       rss1, n / 10, rss10, n);
	tree_lines(n);
	return 0;
}
