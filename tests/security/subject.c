/* SPDX-License-Identifier: MIT */
/* subject.c - a tiny profiled program for the trust tests: a few measured
 * calls and a report at the end of main (setuid.sh makes a setuid copy). */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include <hotpath.h>

static volatile unsigned long sink;

/* Measured: a little work, so the report has a row. */
static void subject_work(int i)
{
	HP_MEASURE();
	sink += (unsigned long)i * 2654435761u;
}

/* With MS: measures for MS milliseconds (while publishing), then opens
 * /dev/null N times and says how many opens worked (connections.sh). */
int main(int argc, char **argv)
{
	HP_MAIN();
	for (int i = 0; i < 10; i++)
		subject_work(i);
	if (argc > 2) {
		struct timespec t = {0, 10000000};
		int ms = atoi(argv[1]), n = atoi(argv[2]), ok = 0;

		for (int i = 0; i < ms / 10; i++) {
			subject_work(i);
			nanosleep(&t, NULL);
		}
		for (int i = 0; i < n; i++)
			ok += fopen("/dev/null", "r") != NULL;
		fprintf(stderr, "fopen: %d of %d\n", ok, n);
	}
	return 0;
}
