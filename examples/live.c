/* SPDX-License-Identifier: MIT */
/*
 * live.c - a program to watch while it runs: it calls two measured
 * functions for a while (argument 1, in ms; default 10000) and publishes
 * its metrics on publish.endpoint meanwhile.  Watch it with
 * `hotpath dump` or ask it with `hotpath query` (docs/wire.md).
 *
 *   live [MS] [CALLS]   with CALLS: exactly CALLS calls of each, then idle
 *                       (still publishing) until MS have passed
 */
#define _POSIX_C_SOURCE 200809L
#include <stdlib.h>
#include <time.h>

#include <hotpath.h>

/* Milliseconds on CLOCK_MONOTONIC. */
static long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void tick(long ns)
{
	HP_MEASURE();
	struct timespec ts = {0, ns};

	nanosleep(&ts, NULL);
}

static long crunch(long n)
{
	HP_MEASURE();
	volatile long acc = 0;

	for (long i = 0; i < n; i++)
		acc += i;
	return acc;
}

int main(int argc, char **argv)
{
	HP_MAIN(.percentiles = "50,99");
	long ms = argc > 1 ? strtol(argv[1], NULL, 10) : 10000;
	long calls = argc > 2 ? strtol(argv[2], NULL, 10) : -1;
	long end = now_ms() + ms, sum = 0;

	for (long i = 0; now_ms() < end; i++) {
		if (calls >= 0 && i >= calls) {
			struct timespec idle = {0, 10000000};
			nanosleep(&idle, NULL); /* no more measured calls */
			continue;
		}
		tick(1000000);
		sum += crunch(10000);
	}
	return sum < 0;
}
