/* SPDX-License-Identifier: MIT */
/* subject.c - a tiny profiled program for the trust tests: a few measured
 * calls and a report at the end of main (setuid.sh makes a setuid copy). */
#include <hotpath.h>

static volatile unsigned long sink;

/* Measured: a little work, so the report has a row. */
static void subject_work(int i)
{
	HP_MEASURE();
	sink += (unsigned long)i * 2654435761u;
}

int main(void)
{
	HP_MAIN();
	for (int i = 0; i < 10; i++)
		subject_work(i);
	return 0;
}
