/* SPDX-License-Identifier: MIT */
/*
 * basic.c - the seed's example: a measured function, a measured block and
 * the 99th percentile.  Build with -DHOTPATH for a report at the end of
 * main; without it this is a plain program.
 */
#define _POSIX_C_SOURCE 200809L
#include <time.h>

#include <hotpath.h>

/* Sleeps for ns nanoseconds. */
static void nap(long ns)
{
	struct timespec ts = {0, ns};

	nanosleep(&ts, NULL);
}

static void sync_function(long sleep_ns)
{
	HP_MEASURE();
	nap(sleep_ns);
}

static long busy_function(long n)
{
	HP_MEASURE();
	volatile long acc = 0;

	for (long i = 0; i < n; i++)
		acc += i;
	return acc;
}

int main(void)
{
	HP_MAIN(.percentiles = "99");
	long sum = 0;

	for (long i = 0; i < 100; i++) {
		sync_function(i * 1000);
		sum += busy_function(i * 100);
		HP_MEASURE_BLOCK("custom_block", {
			nap(i * 3);
		});
	}
	return sum == 0;
}
