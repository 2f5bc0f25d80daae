/* SPDX-License-Identifier: MIT */
/*
 * cpu_work.c - a fixed amount of CPU work for bench_cpu.sh: two threads,
 * each ROUNDS rounds of a call tree five levels deep (-O2, no frame
 * pointers), so the sampler unwinds real stacks.  Knows nothing of hotpath.
 * Argument: rounds (default 3000).
 */
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

uint64_t leaf(uint64_t x, int n);
uint64_t level(uint64_t x, int depth);

__attribute__((noinline)) uint64_t leaf(uint64_t x, int n)
{
	for (int i = 0; i < n; i++) {
		x = x * 6364136223846793005ull + 1442695040888963407ull;
		__asm__ __volatile__("" : "+r"(x));
	}
	return x;
}

__attribute__((noinline)) uint64_t level(uint64_t x, int depth)
{
	if (depth == 0)
		return leaf(x, 20000);
	x = level(x, depth - 1);
	return level(x ^ (uint64_t)depth, depth - 1) + 1;
}

static void *worker(void *arg)
{
	long rounds = *(const long *)arg;
	uint64_t x = 1;

	for (long r = 0; r < rounds; r++)
		x = level(x, 4);
	return (void *)(uintptr_t)(x & 1);
}

int main(int argc, char **argv)
{
	long rounds = argc > 1 ? atol(argv[1]) : 3000;
	pthread_t t[2];

	for (int i = 0; i < 2; i++)
		pthread_create(&t[i], NULL, worker, &rounds);
	for (int i = 0; i < 2; i++)
		pthread_join(t[i], NULL);
	return 0;
}
