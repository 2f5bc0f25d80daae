/* SPDX-License-Identifier: MIT */
/*
 * service.c - a small service to watch in Prometheus (docs/metrics.md):
 * it handles exactly REQUESTS requests (argument 1, default 1000), each
 * measured, sent over a channel to a worker thread that counts it under a
 * lock, then ticks every 10 ms for SECONDS (argument 2, default 60) so a
 * rate has something to show.  Serve its metrics with
 * HOTPATH_METRICS=http://127.0.0.1:9464/metrics.
 */
#define _POSIX_C_SOURCE 200809L
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <hotpath.h>

static hp_chan *jobs;
static hp_mutex stats_lock = HP_MUTEX_INITIALIZER("service::stats");
static long handled;

/* One request: a little parsing work, then the job goes to the worker. */
static void handle_request(long id)
{
	HP_MEASURE();
	char *buf = malloc(256);
	long sum = 0;

	if (buf == NULL)
		return;
	memset(buf, (int)(id & 0x7f), 256);
	for (int i = 0; i < 256; i++)
		sum += buf[i];
	free(buf);
	hp_chan_send(jobs, &sum);
}

/* The worker: counts what the requests sent. */
static void *worker(void *arg)
{
	long v;

	(void)arg;
	while (hp_chan_recv(jobs, &v) == 0) {
		hp_mutex_lock(&stats_lock);
		handled++;
		hp_mutex_unlock(&stats_lock);
	}
	return NULL;
}

/* The heartbeat: sleeps 10 ms. */
static void tick(void)
{
	HP_MEASURE();
	nanosleep(&(struct timespec){0, 10000000L}, NULL);
}

int main(int argc, char **argv)
{
	HP_MAIN(.percentiles = "50,99");
	long requests = argc > 1 ? strtol(argv[1], NULL, 10) : 1000;
	long seconds = argc > 2 ? strtol(argv[2], NULL, 10) : 60;
	struct timespec t0, t;
	pthread_t w;

	jobs = hp_chan_new(HP_CHAN_BOUNDED, sizeof(long), 64, "service::jobs");
	pthread_create(&w, NULL, worker, NULL);
	for (long i = 0; i < requests; i++)
		handle_request(i);
	hp_chan_close(jobs);
	pthread_join(w, NULL);
	hp_chan_free(jobs);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	do {
		tick();
		clock_gettime(CLOCK_MONOTONIC, &t);
	} while (t.tv_sec - t0.tv_sec < seconds);
	return handled != requests;
}
