/* SPDX-License-Identifier: MIT */
/*
 * bench_uv.c - what watching a libuv loop (hp_uv_loop_watch, docs/uv.md)
 * adds to one iteration: a loop with one idle handle run UV_RUN_NOWAIT
 * (one iteration each), unwatched and watched, side by side with two
 * clock reads in the same run, best of several interleaved rounds, in
 * the thread's CPU time (the loop's system call included).  And what
 * counting a request by type adds: a one-byte uv_write on a pipe and the
 * UV_RUN_NOWAIT that runs its callback, the plain call ((uv_write) in
 * parentheses) and the counted one (hotpath/uv.h's wrapper).
 *
 *   bench/bench_uv [ITERATIONS]
 */
#define _POSIX_C_SOURCE 200809L
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>
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

static long written;

static void on_written(uv_write_t *req, int status)
{
	(void)req;
	written += status == 0;
}

/* ns per one-byte write request on a pipe, started and completed (its
 * callback run by a UV_RUN_NOWAIT), counted by type or plain; the pipe
 * is drained every 1024 writes (in both). */
static double write_ns(long n, int counted)
{
	static char byte = 'x', drain[4096];
	uv_buf_t buf = uv_buf_init(&byte, 1);
	uv_loop_t loop;
	uv_pipe_t p;
	uv_write_t req;
	int fds[2];
	double t0, t;

	if (pipe(fds) != 0 || fcntl(fds[0], F_SETFL, O_NONBLOCK) != 0)
		return 0;
	uv_loop_init(&loop);
	uv_pipe_init(&loop, &p, 0);
	uv_pipe_open(&p, fds[1]);
	t0 = now_ns();
	for (long i = 0; i < n; i++) {
		if (counted)
			uv_write(&req, (uv_stream_t *)&p, &buf, 1, on_written);
		else
			(uv_write)(&req, (uv_stream_t *)&p, &buf, 1, on_written);
		uv_run(&loop, UV_RUN_NOWAIT);
		if ((i & 1023) == 1023)
			while (read(fds[0], drain, sizeof(drain)) > 0)
				;
	}
	t = (now_ns() - t0) / (double)n;
	uv_close((uv_handle_t *)&p, NULL); /* and fds[1] */
	uv_run(&loop, UV_RUN_DEFAULT);
	uv_loop_close(&loop);
	close(fds[0]);
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
	double plain = 1e9, watched = 1e9, clk = 1e9, wplain = 1e9, wcounted = 1e9;
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
		double wp = write_ns(n / 4, 0), wc = write_ns(n / 4, 1);
		plain = p < plain ? p : plain;
		watched = w < watched ? w : watched;
		clk = c < clk ? c : clk;
		wplain = wp < wplain ? wp : wplain;
		wcounted = wc < wcounted ? wc : wcounted;
	}
	hp_guard_end(g);
	printf("bench_uv: libuv loop iterations (UV_RUN_NOWAIT, one idle handle), %ld per round, "
	       "best of %d rounds\n", n, ROUNDS);
	printf("  two clock reads             %7.2f ns\n", clk);
	printf("  iteration, not watched      %7.2f ns\n", plain);
	printf("  iteration, watched          %7.2f ns   added %6.2f ns  (%.2fx two clock reads)\n",
	       watched, watched - plain, (watched - plain) / clk);
	printf("  write request, plain        %7.2f ns   (uv_write of 1 byte on a pipe + the run of its callback)\n",
	       wplain);
	printf("  write request, counted      %7.2f ns   added %6.2f ns  (%.2fx two clock reads, %.1f%% of the request)\n",
	       wcounted, wcounted - wplain, (wcounted - wplain) / clk, 100.0 * (wcounted - wplain) / wplain);
	if (written != (long)ROUNDS * 2 * (n / 4))
		printf("  (only %ld of %ld writes succeeded)\n", written, (long)ROUNDS * 2 * (n / 4));
	return 0;
}
