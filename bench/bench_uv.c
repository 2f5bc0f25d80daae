/* SPDX-License-Identifier: MIT */
/*
 * bench_uv.c - what watching a libuv loop (hp_uv_loop_watch, docs/uv.md)
 * adds to one iteration: a loop with one idle handle run UV_RUN_NOWAIT
 * (one iteration each), unwatched and watched, side by side with two
 * clock reads in the same run, best of several interleaved rounds, in
 * the thread's CPU time (the loop's system call included).
 *
 *   bench/bench_uv [ITERATIONS]
 */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <uv.h>

#include <hotpath.h>
#include <hotpath/uv.h>

#define ROUNDS 7

static volatile uint64_t sink;

/* The thread's CPU time: a busy machine's preemptions drop out. */
static double now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

static void noop(uv_idle_t *h)
{
	(void)h;
}

/* ns per iteration of a loop with one idle handle, watched or not. */
static double loop_ns(long n, int watched)
{
	uv_loop_t loop;
	uv_idle_t idle;
	hp_uv_watch w;
	double t0, t;

	uv_loop_init(&loop);
	uv_idle_init(&loop, &idle);
	uv_idle_start(&idle, noop);
	if (watched)
		hp_uv_loop_watch(&w, &loop, "bench", 0);
	t0 = now_ns();
	for (long i = 0; i < n; i++)
		uv_run(&loop, UV_RUN_NOWAIT);
	t = (now_ns() - t0) / (double)n;
	if (watched)
		hp_uv_loop_unwatch(&w);
	uv_close((uv_handle_t *)&idle, NULL);
	uv_run(&loop, UV_RUN_DEFAULT);
	uv_loop_close(&loop);
	return t;
}

/* ns per pair of clock reads. */
static double clocks_ns(long n)
{
	double t0 = now_ns();

	for (long i = 0; i < n; i++) {
		uint64_t a = hp__now();
		sink = hp__now() - a;
	}
	return (now_ns() - t0) / (double)n;
}

int main(int argc, char **argv)
{
	long n = argc > 1 ? atol(argv[1]) : 200000L;
	double plain = 1e9, watched = 1e9, clk = 1e9;
	hp_guard_builder *b;
	hp_guard *g;

	setenv("HOTPATH_CONFIG", "/dev/null", 1);
	setenv("HOTPATH_PUB", "off", 1);
	b = hp_guard_builder_new("bench_uv");
	hp_guard_builder_format(b, HP_FORMAT_NONE);
	if ((g = hp_guard_builder_build(b)) == NULL)
		return 1;
	for (int r = 0; r < ROUNDS; r++) {
		double p = loop_ns(n, 0), w = loop_ns(n, 1), c = clocks_ns(n);
		plain = p < plain ? p : plain;
		watched = w < watched ? w : watched;
		clk = c < clk ? c : clk;
	}
	hp_guard_end(g);
	printf("bench_uv: libuv loop iterations (UV_RUN_NOWAIT, one idle handle), %ld per round, "
	       "best of %d rounds\n", n, ROUNDS);
	printf("  two clock reads             %7.2f ns\n", clk);
	printf("  iteration, not watched      %7.2f ns\n", plain);
	printf("  iteration, watched          %7.2f ns   added %6.2f ns  (%.2fx two clock reads)\n",
	       watched, watched - plain, (watched - plain) / clk);
	return 0;
}
