/* SPDX-License-Identifier: MIT */
/*
 * alloc_plain.c - a malloc(64)+free loop with nothing of hotpath in it:
 * what bench_alloc runs alone and under heaptrack.  Prints "alloc_plain: N ns/pair".
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

static void *volatile sink;

int main(int argc, char **argv)
{
	long n = argc > 1 ? atol(argv[1]) : 1000000L;
	struct timespec a, b;

	clock_gettime(CLOCK_MONOTONIC, &a);
	for (long i = 0; i < n; i++) {
		sink = malloc(64);
		free(sink);
	}
	clock_gettime(CLOCK_MONOTONIC, &b);
	printf("alloc_plain: %.2f ns/pair\n", ((double)(b.tv_sec - a.tv_sec) * 1e9 + (double)(b.tv_nsec - a.tv_nsec)) / (double)n);
	return 0;
}
