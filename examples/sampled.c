/* SPDX-License-Identifier: MIT */
/*
 * sampled.c - sampled timing (docs/sampling.md): a hash whose mixing step
 * runs 64 times per key.  mix is a leaf called millions of times: timing
 * each call would cost more than the call itself, so HP_MEASURE_SAMPLED(100)
 * counts every call and times 1 in 100; hash_key stays exact.
 *
 *   ./sampled [KEYS]          (default 100000: 6,400,000 calls of mix)
 *
 * The report's mix row has the exact count, "Sampled 100", and its time
 * figures marked "~" (estimated from the timed calls).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include <hotpath.h>

static __attribute__((noinline)) uint64_t mix(uint64_t h, uint64_t k)
{
	HP_MEASURE_SAMPLED(100);
	h ^= k + 0x9e3779b97f4a7c15u + (h << 6) + (h >> 2);
	return h * 0xff51afd7ed558ccdu;
}

static uint64_t hash_key(uint64_t key)
{
	HP_MEASURE();
	uint64_t h = key;

	for (int i = 0; i < 64; i++)
		h = mix(h, key + (uint64_t)i);
	return h;
}

int main(int argc, char **argv)
{
	HP_MAIN(.percentiles = "50,99");
	long keys = argc > 1 ? atol(argv[1]) : 100000;
	uint64_t acc = 0;

	for (long k = 0; k < keys; k++)
		acc ^= hash_key((uint64_t)k);
	printf("%016llx\n", (unsigned long long)acc);
	return 0;
}
