/* SPDX-License-Identifier: MIT */
/*
 * bench_values.c - what HP_GAUGE, HP_VAL and HP_DBG cost the calling
 * thread, against two clock reads (the floor of a measured call) and one
 * clock read with one record written by hand, measured side by side in the
 * same run (best of several interleaved rounds).  Issue 23: each costs at
 * most one record on the calling thread.
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include <hotpath.h>

#define ROUNDS 7
#define KINDS 7

static volatile uint64_t sink;

static double now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

/* ns per iteration of variant k over n iterations. */
static double run(int k, long n)
{
	static const char *names[] = {"alpha", "beta", "gamma", "delta"};
	double t0 = now_ns();

	switch (k) {
	case 0: /* the floor: two clock reads */
		for (long i = 0; i < n; i++) {
			uint64_t a = hp__now();
			sink = hp__now() - a;
		}
		break;
	case 1:
		for (long i = 0; i < n; i++)
			HP_GAUGE("bench::gauge", i & 0xffff);
		break;
	case 2:
		for (long i = 0; i < n; i++)
			HP_GAUGE("bench::wide", (int64_t)i << 33);
		break;
	case 3:
		for (long i = 0; i < n; i++)
			HP_VAL("bench::value", i);
		break;
	case 4:
		for (long i = 0; i < n; i++)
			HP_DBG("bench: a message without arguments");
		break;
	case 5:
		for (long i = 0; i < n; i++)
			HP_DBG("bench: step %ld of %d", i, 7);
		break;
	case 6:
		for (long i = 0; i < n; i++)
			HP_DBG("bench: %s", names[i & 3]);
		break;
	}
	return (now_ns() - t0) / (double)n;
}

int main(int argc, char **argv)
{
	static const char *what[KINDS] = {
		"two clock reads (floor)", "HP_GAUGE, 32-bit value", "HP_GAUGE, 64-bit value",
		"HP_VAL", "HP_DBG, no argument", "HP_DBG, 2 integers", "HP_DBG, 1 string"};
	static const char *recs[KINDS] = {"-", "1", "2", "1", "1", "3", "3"};
	long n = argc > 1 ? atol(argv[1]) : 1000000L;
	double best[KINDS];
	hp_guard_builder *b;
	hp_guard *g;

	setenv("HOTPATH_CONFIG", "/dev/null", 1);
	setenv("HOTPATH_PUBLISH_ENDPOINT", "off", 1);
	b = hp_guard_builder_new("bench_values");
	hp_guard_builder_format(b, HP_FORMAT_NONE);
	if ((g = hp_guard_builder_build(b)) == NULL)
		return 1;
	for (int k = 0; k < KINDS; k++)
		best[k] = 1e9;
	for (int r = 0; r < ROUNDS; r++)
		for (int k = 0; k < KINDS; k++) {
			double v = run(k, n);
			best[k] = v < best[k] ? v : best[k];
		}
	hp_guard_end(g);
	printf("bench_values: %ld calls per variant, best of %d rounds, while profiling\n", n,
	       ROUNDS);
	printf("  %-26s %7.2f ns\n", what[0], best[0]);
	for (int k = 1; k < KINDS; k++)
		printf("  %-26s %7.2f ns   %5.2fx the floor   records %s\n", what[k], best[k],
		       best[k] / best[0], recs[k]);
	return 0;
}
