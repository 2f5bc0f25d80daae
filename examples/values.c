/* SPDX-License-Identifier: MIT */
/*
 * values.c - the program's own numbers (docs/values.md): a producer fills
 * a queue that two consumers drain.  HP_GAUGE follows the queue's depth,
 * HP_GAUGE_ADD the consumers at work, HP_VAL the size of each item, HP_DBG
 * what each consumer took.
 *
 *   ./values [ITEMS]          (default 2000)
 *
 * The report's Gauges table has queue_depth and busy_consumers (each ends
 * at 0), its Values table item_bytes (ITEMS updates), its Debug table the
 * consumers' messages (ITEMS) and the last one (1).
 */
#define _POSIX_C_SOURCE 200809L
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>

#include <hotpath.h>

#define CAP 64

static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t cv = PTHREAD_COND_INITIALIZER;
static int queue[CAP], head, len, done;

static void *consumer(void *arg)
{
	long *sum = arg;

	for (;;) {
		pthread_mutex_lock(&mu);
		while (len == 0 && !done)
			pthread_cond_wait(&cv, &mu);
		if (len == 0 && done) {
			pthread_mutex_unlock(&mu);
			return NULL;
		}
		int item = queue[head], left;
		head = (head + 1) % CAP;
		left = --len;
		HP_GAUGE("queue_depth", len);
		pthread_cond_broadcast(&cv);
		pthread_mutex_unlock(&mu);
		HP_DBG("took %d bytes, %d left", item, left);
		HP_GAUGE_ADD("busy_consumers", 1);
		*sum += item;
		HP_GAUGE_ADD("busy_consumers", -1);
	}
}

int main(int argc, char **argv)
{
	HP_MAIN();
	int items = argc > 1 ? atoi(argv[1]) : 2000;
	long sums[2] = {0, 0};
	pthread_t th[2];

	for (int i = 0; i < 2; i++)
		pthread_create(&th[i], NULL, consumer, &sums[i]);
	for (int i = 0; i < items; i++) {
		int bytes = 16 + (i * 37) % 200;

		HP_VAL("item_bytes", bytes);
		pthread_mutex_lock(&mu);
		while (len == CAP)
			pthread_cond_wait(&cv, &mu);
		queue[(head + len) % CAP] = bytes;
		len++;
		HP_GAUGE("queue_depth", len);
		pthread_cond_broadcast(&cv);
		pthread_mutex_unlock(&mu);
	}
	pthread_mutex_lock(&mu);
	done = 1;
	pthread_cond_broadcast(&cv);
	pthread_mutex_unlock(&mu);
	for (int i = 0; i < 2; i++)
		pthread_join(th[i], NULL);
	HP_DBG("done: %d items, sum %ld", items, sums[0] + sums[1]);
	printf("%ld\n", sums[0] + sums[1]);
	return 0;
}
