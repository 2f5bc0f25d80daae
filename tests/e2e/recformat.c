/* SPDX-License-Identifier: MIT */
/*
 * recformat.c - a program built against a hotpath whose records have
 * another layout (HP__REC_FORMAT=99 on the command line): HP_MAIN and
 * hp_guard_builder_new() hand that number to the library, which must say so
 * once and leave the program unprofiled (tests/e2e/recformat.sh).
 */
#include <stdio.h>

#include <hotpath.h>

static int work(int i)
{
	HP_MEASURE();
	return i * 2;
}

int main(int argc, char **argv)
{
	int s = 0;

	if (argc > 1) { /* the builder's path */
		hp_guard_builder *b = hp_guard_builder_new("builder");
		hp_guard *g = hp_guard_builder_build(b);

		for (int i = 0; i < 100; i++)
			s += work(i);
		hp_guard_end(g);
		printf("builder %d %s\n", s, g == NULL ? "unprofiled" : "profiled");
		return 0;
	}
	HP_MAIN();
	for (int i = 0; i < 100; i++)
		s += work(i);
	printf("main %d\n", s);
	return 0;
}
