/* SPDX-License-Identifier: MIT */
/*
 * uv_loop.c - a libuv loop watched by hotpath (docs/uv.md): a timer fires
 * TICKS times 5 ms apart, then one callback blocks the loop for 200 ms
 * (the lag probe, every 10 ms, sees it) and a last timer fires 30 ms
 * later, while two timers that never fire, a pipe and a signal handler
 * stay active (unreferenced: they do not keep the loop running).  Each
 * tick also stats the current folder (uv_fs_stat) and hands the
 * threadpool a small job (uv_queue_work): requests, counted by type.
 *
 *   ./uv_loop [TICKS]         (default 50)
 *
 * The report's "libuv loops" table has the loop "main": TICKS + 2 timer
 * callbacks ran, each in an iteration of its own, so at least TICKS + 2
 * iterations; a lag of 200 ms or more at most; and, sampled when the
 * watch ends, the handles "pipe 1, timer 2, signal 1"; and in "libuv
 * requests", fs and work each started and completed TICKS times.
 */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>
#include <uv.h>

#include <hotpath.h>
#include <hotpath/uv.h>

static int ticks = 50, fired;
static uv_timer_t tick, block, tail, idle1, idle2;

static void on_tail(uv_timer_t *t)
{
	(void)t;
	fired++;
}

/* Blocks the loop's thread for 200 ms: what the lag probe measures; the
 * loop then lives 30 ms more, so that the probe fires (late). */
static void on_block(uv_timer_t *t)
{
	struct timespec ts = {0, 200 * 1000000L};

	(void)t;
	fired++;
	nanosleep(&ts, NULL);
	uv_timer_start(&tail, on_tail, 30, 0);
}

static void on_alloc(uv_handle_t *h, size_t n, uv_buf_t *buf)
{
	static char space[64];

	(void)h, (void)n;
	*buf = uv_buf_init(space, sizeof(space));
}

static void on_read(uv_stream_t *s, ssize_t n, const uv_buf_t *buf)
{
	(void)s, (void)n, (void)buf;
}

static void on_stat(uv_fs_t *req)
{
	uv_fs_req_cleanup(req);
	free(req);
}

static void on_job(uv_work_t *req)
{
	(void)req; /* on a threadpool thread */
}

static void on_job_done(uv_work_t *req, int status)
{
	(void)status;
	free(req);
}

static void on_tick(uv_timer_t *t)
{
	uv_fs_t *stat = malloc(sizeof(*stat));
	uv_work_t *job = malloc(sizeof(*job));

	if (stat != NULL && uv_fs_stat(t->loop, stat, ".", on_stat) != 0)
		free(stat);
	if (job != NULL && uv_queue_work(t->loop, job, on_job, on_job_done) != 0)
		free(job);
	if (++fired == ticks) {
		uv_timer_stop(t);
		uv_timer_start(&block, on_block, 5, 0);
	}
}

static void on_signal(uv_signal_t *s, int sig)
{
	(void)s, (void)sig;
}

int main(int argc, char **argv)
{
	HP_MAIN();
	uv_loop_t *loop = uv_default_loop();
	hp_uv_watch w;
	uv_pipe_t pipe_h;
	uv_signal_t sig;
	int fds[2];

	if (argc > 1)
		ticks = atoi(argv[1]);
	if (ticks < 1 || pipe(fds) != 0)
		return 2;
	hp_uv_loop_watch(&w, loop, "main", 10);
	uv_timer_init(loop, &tick);
	uv_timer_init(loop, &block);
	uv_timer_init(loop, &tail);
	uv_timer_init(loop, &idle1);
	uv_timer_init(loop, &idle2);
	uv_timer_start(&idle1, on_tick, 3600 * 1000, 0); /* never fires */
	uv_timer_start(&idle2, on_tick, 3600 * 1000, 0);
	uv_pipe_init(loop, &pipe_h, 0);
	uv_pipe_open(&pipe_h, fds[0]);
	uv_read_start((uv_stream_t *)&pipe_h, on_alloc, on_read); /* never readable */
	uv_signal_init(loop, &sig);
	uv_signal_start(&sig, on_signal, SIGUSR1);
	/* active, but they do not keep the loop running */
	uv_unref((uv_handle_t *)&pipe_h);
	uv_unref((uv_handle_t *)&sig);
	uv_unref((uv_handle_t *)&idle1);
	uv_unref((uv_handle_t *)&idle2);
	uv_timer_start(&tick, on_tick, 5, 5);
	uv_run(loop, UV_RUN_DEFAULT);
	hp_uv_loop_unwatch(&w);
	uv_close((uv_handle_t *)&pipe_h, NULL);
	uv_close((uv_handle_t *)&sig, NULL);
	uv_close((uv_handle_t *)&tick, NULL);
	uv_close((uv_handle_t *)&block, NULL);
	uv_close((uv_handle_t *)&tail, NULL);
	uv_close((uv_handle_t *)&idle1, NULL);
	uv_close((uv_handle_t *)&idle2, NULL);
	uv_run(loop, UV_RUN_DEFAULT);
	close(fds[1]);
	printf("uv_loop: %d callbacks\n", fired);
	return uv_loop_close(loop) == 0 ? 0 : 1;
}
