/* SPDX-License-Identifier: MIT */
/*
 * threads.c - many threads measuring the same functions; the report counts
 * every call of every thread, including threads that ended long before it.
 *
 *   ./threads [THREADS] [CALLS_PER_THREAD]     (default 4 x 100000)
 */
#define _POSIX_C_SOURCE 200809L
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>

#include <hotpath.h>

static long calls = 100000;

static unsigned long mix(unsigned long x)
{
	HP_MEASURE();
	x ^= x >> 33;
	x *= 0xff51afd7ed558ccdUL;
	x ^= x >> 33;
	return x;
}

static void *worker(void *arg)
{
	unsigned long acc = (unsigned long)(size_t)arg;

	HP_MEASURE_BLOCK("threads::worker", {
		for (long i = 0; i < calls; i++)
			acc += mix(acc + (unsigned long)i);
	});
	return (void *)(size_t)acc;
}

int main(int argc, char **argv)
{
	int n = argc > 1 ? atoi(argv[1]) : 4;
	pthread_t *t;
	unsigned long total = 0;

	if (argc > 2)
		calls = atol(argv[2]);
	if (n < 1 || n > 4096 || calls < 0) {
		fprintf(stderr, "usage: threads [THREADS] [CALLS_PER_THREAD]\n");
		return 2;
	}
	HP_MAIN(.percentiles = "50,99", .limit = 0);
	if ((t = calloc((size_t)n, sizeof(*t))) == NULL)
		return 1;
	for (int i = 0; i < n; i++)
		pthread_create(&t[i], NULL, worker, (void *)(size_t)i);
	for (int i = 0; i < n; i++) {
		void *r;
		pthread_join(t[i], &r);
		total += (unsigned long)(size_t)r;
	}
	free(t);
	printf("%lu\n", total & 0xff);
	return 0;
}
