/* SPDX-License-Identifier: MIT */
/*
 * main.c - examples/auto/calc: evaluates a few expressions ROUNDS times
 * (default 1000) and prints their sum.  Built with -finstrument-functions
 * -g and linked with libhotpath: every function of every file is in the
 * report, named <file stem>::<function>, with its file and line in JSON.
 *
 *   ./examples/auto/calc 1000
 */
#include <stdio.h>
#include <stdlib.h>

#include <hotpath.h>

#include "calc.h"

static const char *const exprs[] = {
	"1 + 2 * 3",
	"(4 - 1) * (2 + 5) / 7",
	"10 / (5 - 3) - 2",
	"((((2))))",
};

static double run_one(const char *src)
{
	struct node *n = parse(src);
	double v;

	if (n == NULL) {
		fprintf(stderr, "calc: syntax error in \"%s\"\n", src);
		return 0;
	}
	v = eval(n);
	node_free(n);
	return v;
}

int main(int argc, char **argv)
{
	HP_MAIN(.percentiles = "50,99");
	long rounds = argc > 1 ? atol(argv[1]) : 1000;
	double sum = 0;

	for (long r = 0; r < rounds; r++)
		for (size_t i = 0; i < sizeof(exprs) / sizeof(exprs[0]); i++)
			sum += run_one(exprs[i]);
	printf("%.1f\n", sum);
	return 0;
}
