/* SPDX-License-Identifier: MIT */
/*
 * futures_uv.c - libuv work requests and timers as futures: 8 requests
 * hash a buffer on the threadpool, one timer fires, one is stopped before
 * it fires.  The report's Futures table shows calls, polls, time in polls
 * and time to ready; the callbacks are the program's own, unchanged.
 *
 *   ./futures_uv [REQUESTS]   (default 8)
 */
#define _POSIX_C_SOURCE 200809L /* uv.h needs POSIX declarations */
#include <stdio.h>
#include <stdlib.h>
#include <uv.h>

#include <hotpath.h>
#include <hotpath/uv.h>

static hp_future_probe hashing = HP_FUTURE_PROBE_INITIALIZER("uv::hash", NULL);
static hp_future_probe timers = HP_FUTURE_PROBE_INITIALIZER("uv::timer", NULL);

typedef struct job {
	int n;
	unsigned long hash;
} job;

static unsigned long total;
static int fired;

static void hash_work(uv_work_t *req)
{
	job *j = req->data;
	unsigned long h = 5381;

	for (int i = 0; i < 200000 + j->n; i++)
		h = h * 33 + (unsigned long)(i ^ j->n);
	j->hash = h;
}

static void hash_done(uv_work_t *req, int status)
{
	job *j = req->data;

	if (status == 0)
		total += j->hash & 0xff;
}

static void on_timer(uv_timer_t *t)
{
	(void)t;
	fired++;
}

int main(int argc, char **argv)
{
	HP_MAIN(.percentiles = "50,99");
	int n = argc > 1 ? atoi(argv[1]) : 8;
	uv_loop_t *loop = uv_default_loop();
	uv_work_t *reqs = calloc((size_t)n, sizeof(*reqs));
	job *jobs = calloc((size_t)n, sizeof(*jobs));
	uv_timer_t t1, t2;

	if (reqs == NULL || jobs == NULL)
		return 1;
	for (int i = 0; i < n; i++) {
		jobs[i].n = i;
		reqs[i].data = &jobs[i];
		hp_uv_queue_work(&hashing, loop, &reqs[i], hash_work, hash_done);
	}
	uv_timer_init(loop, &t1);
	uv_timer_init(loop, &t2);
	hp_uv_timer_start(&timers, &t1, on_timer, 5);
	hp_uv_timer_start(&timers, &t2, on_timer, 60000);
	hp_uv_timer_stop(&t2); /* cancelled before it fires */
	uv_run(loop, UV_RUN_DEFAULT);
	uv_close((uv_handle_t *)&t1, NULL);
	uv_close((uv_handle_t *)&t2, NULL);
	uv_run(loop, UV_RUN_DEFAULT);
	uv_loop_close(loop);
	printf("requests %d, timers fired %d, checksum %lu\n", n, fired, total);
	free(reqs);
	free(jobs);
	return 0;
}
