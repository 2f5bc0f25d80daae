/* SPDX-License-Identifier: MIT */
/*
 * nested.c - measured calls inside measured calls, for self time and the
 * call tree (docs/calls.md).  On each of two threads, ROUNDS times: outer
 * spins 1 ms itself and calls inner, which spins 2 ms; then depth(3), a
 * recursive function that spins 0.1 ms at each of its 4 levels.
 *
 *   ./nested [ROUNDS]          (default 5)
 *
 * outer's self time is about a third of its total; inner's is all of its
 * total; the `stacks` section has nested::outer;nested::inner and
 * nested::depth four levels deep.
 */
#define _POSIX_C_SOURCE 200809L
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include <hotpath.h>

static int rounds = 5;

/* Burns the CPU for ns nanoseconds of wall time. */
static void spin(long ns)
{
	struct timespec a, b;

	clock_gettime(CLOCK_MONOTONIC, &a);
	do
		clock_gettime(CLOCK_MONOTONIC, &b);
	while ((b.tv_sec - a.tv_sec) * 1000000000L + (b.tv_nsec - a.tv_nsec) < ns);
}

static void inner(void)
{
	HP_MEASURE();
	spin(2000000);
}

static void outer(void)
{
	HP_MEASURE();
	spin(1000000);
	inner();
}

static int depth(int n)
{
	HP_MEASURE();
	spin(100000);
	return n > 0 ? 1 + depth(n - 1) : 0;
}

static void *worker(void *arg)
{
	int levels = 0;

	(void)arg;
	for (int i = 0; i < rounds; i++) {
		outer();
		levels += depth(3);
	}
	return (void *)(size_t)levels;
}

int main(int argc, char **argv)
{
	pthread_t t[2];
	size_t levels = 0;

	if (argc > 1)
		rounds = atoi(argv[1]);
	if (rounds < 0 || rounds > 100000) {
		fprintf(stderr, "usage: nested [ROUNDS]\n");
		return 2;
	}
	HP_MAIN(.limit = 0);
	for (int i = 0; i < 2; i++)
		pthread_create(&t[i], NULL, worker, NULL);
	for (int i = 0; i < 2; i++) {
		void *r;
		pthread_join(t[i], &r);
		levels += (size_t)r;
	}
	printf("%zu\n", levels);
	return 0;
}
