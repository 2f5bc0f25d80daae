/* SPDX-License-Identifier: MIT */
/*
 * bench_locks.c - what hp_mutex adds to an uncontended lock+unlock, with
 * the plain pthread pair measured side by side in the same run (best of
 * several interleaved rounds), and what an hp_lock_probe pair adds.
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include <hotpath.h>

#define ROUNDS 7

static pthread_mutex_t plain = PTHREAD_MUTEX_INITIALIZER;
static hp_mutex probed = HP_MUTEX_INITIALIZER("bench::mutex");
static hp_lock_probe probe = HP_LOCK_PROBE_INITIALIZER("bench::probe");
static volatile long counter;

static double now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

static double run_plain(long n)
{
	double t0 = now_ns();

	for (long i = 0; i < n; i++) {
		pthread_mutex_lock(&plain);
		counter++;
		pthread_mutex_unlock(&plain);
	}
	return (now_ns() - t0) / (double)n;
}

static double run_hp(long n)
{
	double t0 = now_ns();

	for (long i = 0; i < n; i++) {
		hp_mutex_lock(&probed);
		counter++;
		hp_mutex_unlock(&probed);
	}
	return (now_ns() - t0) / (double)n;
}

static double run_probe(long n)
{
	double t0 = now_ns();

	for (long i = 0; i < n; i++) {
		hp_lock_acquired(&probe, 0, 0);
		counter++;
		hp_lock_released(&probe);
	}
	return (now_ns() - t0) / (double)n;
}

int main(int argc, char **argv)
{
	long n = argc > 1 ? atol(argv[1]) : 1000000L;
	double bp = 1e9, bh = 1e9, bq = 1e9;
	hp_guard_builder *b;
	hp_guard *g;

	setenv("HOTPATH_CONFIG", "/dev/null", 1);
	b = hp_guard_builder_new("bench_locks");
	hp_guard_builder_format(b, HP_FORMAT_NONE);
	if ((g = hp_guard_builder_build(b)) == NULL)
		return 1;
	for (int r = 0; r < ROUNDS; r++) {
		double p = run_plain(n), h = run_hp(n), q = run_probe(n);
		bp = p < bp ? p : bp;
		bh = h < bh ? h : bh;
		bq = q < bq ? q : bq;
	}
	hp_guard_end(g);
	printf("bench_locks: %ld uncontended pairs per variant, best of %d rounds\n", n, ROUNDS);
	printf("  pthread_mutex lock+unlock %7.2f ns/pair\n", bp);
	printf("  hp_mutex lock+unlock      %7.2f ns/pair   added %6.2f ns\n", bh, bh - bp);
	printf("  hp_lock probe pair        %7.2f ns/pair   (no lock: the probe alone)\n", bq);
	return 0;
}
