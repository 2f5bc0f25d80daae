/* SPDX-License-Identifier: MIT */
/*
 * cmd_compare.c - `hotpath compare BASE.json HEAD.json`: the regression
 * table for pull requests; with several reports per side
 * (`A1 A2 A3 -- B1 B2 B3`, or --base and --head), their medians.  The
 * rules (what matches, what decides, what is noise) live in compare.c,
 * the medians in compare_runs.c, the output formats in compare_out.c.
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "console.h"
#include "compare.h"
#include "report_load.h"

#define COMPARE_THRESHOLD 20.0 /* percent, when --threshold is not given */

/* The output formats. */
static const struct compare_fmt {
	const char *name;
	void (*emit)(hpi_buf *out, const hpc_cmp *c);
} compare_fmts[] = {
	{"table", hpc_compare_table},
	{"markdown", hpc_compare_markdown},
	{"json", hpc_compare_json},
};

typedef struct compare_opts {
	const struct compare_fmt *fmt;
	hpc_cmp_opts cmp;
	bool fail_on_regression;
	const char *output; /* NULL: stdout */
	const char **base, **head; /* the files of each side */
	size_t nbase, nhead;
	const char **pos;          /* files before "--" or any --base/--head */
	size_t npos;
} compare_opts;

enum { OPT_FAIL = 256, OPT_MIN_CALLS, OPT_MIN_PCT, OPT_ALL, OPT_BASE, OPT_HEAD };

/* `hotpath compare --help`. */
static void compare_usage(FILE *f)
{
	fputs("Usage: hotpath compare [OPTIONS] BASE.json HEAD.json\n"
	      "       hotpath compare [OPTIONS] BASE1.json BASE2.json ... -- HEAD1.json ...\n"
	      "       hotpath compare [OPTIONS] --base FILE... --head FILE...\n"
	      "\n"
	      "Compares two JSON reports of the same program, before (BASE) and after\n"
	      "(HEAD) a change: per section and row, each numeric column before -> after\n"
	      "and the change in %, regressions and improvements beyond the threshold,\n"
	      "new and removed rows, and the total time.  Rows are matched by their\n"
	      "first text column (a function's name).  Regressions are decided by the\n"
	      "ns and bytes columns of the report's table but min, max and time (for\n"
	      "functions: avg, the percentiles and total); bigger is worse.  With\n"
	      "several reports on a side, each value is the median of its runs and\n"
	      "\"+-x%\" says how far the farthest run was from it.  See\n"
	      "docs/compare.md.\n"
	      "\n"
	      "Options:\n"
	      "      --base FILE...           the reports before the change (repeatable;\n"
	      "                               the files that follow belong to it too)\n"
	      "      --head FILE...           the reports after the change\n"
	      "  -f, --format FMT             table (default), markdown (for a pull-request\n"
	      "                               comment) or json\n"
	      "  -t, --threshold PCT          a change of more than PCT % counts (default 20)\n"
	      "      --fail-on-regression     exit 1 when a row is a regression\n"
	      "      --min-calls N            ignore rows with fewer than N calls in both\n"
	      "      --min-percent-total PCT  ignore rows under PCT % of the total time in both\n"
	      "      --all-columns            show every numeric column, not only the\n"
	      "                               report table's\n"
	      "  -o, --output FILE            write to FILE instead of stdout\n"
	      "  -h, --help                   show this help\n"
	      "\n"
	      "Exit status: 0 ok (also with regressions, unless --fail-on-regression),\n"
	      "1 a regression with --fail-on-regression or output not written,\n"
	      "2 usage or an unusable report file.\n", f);
}

/* The format called name, or NULL. */
static const struct compare_fmt *compare_find(const char *name)
{
	size_t i;

	for (i = 0; i < sizeof(compare_fmts) / sizeof(compare_fmts[0]); i++)
		if (strcmp(compare_fmts[i].name, name) == 0)
			return &compare_fmts[i];
	return NULL;
}

/* One option with a value; an exit code (HPC_EXIT_OK when it fits). */
static int compare_opt(compare_opts *o, int c, const char *arg)
{
	switch (c) {
	case 'f':
		if ((o->fmt = compare_find(arg)) == NULL)
			return hpc_usage_error("compare", "--format: expected table, "
					       "markdown or json, got '%s'", arg);
		break;
	case 't':
		if (!hpc_parse_number(arg, &o->cmp.threshold))
			return hpc_usage_error("compare", "--threshold: expected a "
					       "percentage such as 20 or 7.5, got '%s'", arg);
		break;
	case OPT_MIN_CALLS:
		if (!hpc_parse_count(arg, &o->cmp.min_calls))
			return hpc_usage_error("compare", "--min-calls: expected a "
					       "number of calls, got '%s'", arg);
		break;
	case OPT_MIN_PCT:
		if (!hpc_parse_number(arg, &o->cmp.min_pct_total))
			return hpc_usage_error("compare", "--min-percent-total: expected "
					       "a percentage such as 1 or 0.5, got '%s'", arg);
		break;
	case 'o':
		o->output = arg;
		break;
	}
	return HPC_EXIT_OK;
}

/* Gives each side its files: --base and --head, or the files before and
 * after "--", or BASE HEAD.  An exit code. */
static int compare_sides(compare_opts *o, int argc, char **argv)
{
	const char **pos = o->pos;
	size_t npos = o->npos;

	bool dashes = optind > 0 && optind <= argc && strcmp(argv[optind - 1], "--") == 0;

	if (o->nbase > 0 || o->nhead > 0) {
		if (npos > 0 || optind < argc)
			return hpc_usage_error("compare", "with --base and --head, every file "
					       "follows one of them ('%s' does not)",
					       npos > 0 ? pos[0] : argv[optind]);
		if (o->nbase == 0 || o->nhead == 0)
			return hpc_usage_error("compare", "no report %s", o->nbase == 0
					       ? "for --base" : "for --head");
		return HPC_EXIT_OK;
	}
	if (dashes) {
		if (npos == 0 || optind == argc)
			return hpc_usage_error("compare", "expected BASE reports before -- and "
					       "HEAD reports after it, got %zu and %d", npos,
					       argc - optind);
		for (; optind < argc; optind++)
			o->head[o->nhead++] = argv[optind];
		for (size_t i = 0; i < npos; i++)
			o->base[o->nbase++] = pos[i];
		return HPC_EXIT_OK;
	}
	if (npos != 2)
		return hpc_usage_error("compare", "expected two report files, BASE.json "
				       "and HEAD.json, got %zu (several per side: "
				       "BASE... -- HEAD...)", npos);
	o->base[o->nbase++] = pos[0];
	o->head[o->nhead++] = pos[1];
	return HPC_EXIT_OK;
}

/* Parses the command line into o; -1 after --help, else an exit code. */
static int compare_args(int argc, char **argv, compare_opts *o)
{
	static const struct option longs[] = {
		{"format", required_argument, NULL, 'f'},
		{"threshold", required_argument, NULL, 't'},
		{"fail-on-regression", no_argument, NULL, OPT_FAIL},
		{"min-calls", required_argument, NULL, OPT_MIN_CALLS},
		{"min-percent-total", required_argument, NULL, OPT_MIN_PCT},
		{"all-columns", no_argument, NULL, OPT_ALL},
		{"output", required_argument, NULL, 'o'},
		{"base", required_argument, NULL, OPT_BASE},
		{"head", required_argument, NULL, OPT_HEAD},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	int c, rv, side = -1; /* -1 none yet, 0 --base, 1 --head */

	o->fmt = &compare_fmts[0];
	o->cmp.threshold = COMPARE_THRESHOLD;
	o->base = xcalloc((size_t)argc + 1, sizeof(*o->base));
	o->head = xcalloc((size_t)argc + 1, sizeof(*o->head));
	o->pos = xcalloc((size_t)argc + 1, sizeof(*o->pos));
	opterr = 0;
	optind = 0;
	/* "-": files come back in order (as option 1), so "--base A B --head C"
	 * gives each side its files */
	while ((c = getopt_long(argc, argv, "-:f:t:o:h", longs, NULL)) != -1) {
		if (c == 1 && side < 0) {
			o->pos[o->npos++] = optarg;
		} else if (c == 1 || c == OPT_BASE || c == OPT_HEAD) {
			side = c == 1 ? side : c == OPT_HEAD;
			if (side)
				o->head[o->nhead++] = optarg;
			else
				o->base[o->nbase++] = optarg;
		} else if (c == 'h') {
			compare_usage(stdout);
			return -1;
		} else if (c == OPT_FAIL) {
			o->fail_on_regression = true;
		} else if (c == OPT_ALL) {
			o->cmp.all_columns = true;
		} else if (c == '?' || c == ':') {
			return hpc_bad_option("compare", argv, c);
		} else if ((rv = compare_opt(o, c, optarg)) != HPC_EXIT_OK) {
			return rv;
		}
	}
	return compare_sides(o, argc, argv);
}

/* hotpath compare [OPTIONS] BASE.json HEAD.json */
int hpc_cmd_compare(int argc, char **argv)
{
	compare_opts o = {0};
	hpc_side base, head;
	hpc_cmp *c;
	hpi_buf out;
	int rv, bb, hb;

	rv = compare_args(argc, argv, &o);
	if (rv == HPC_EXIT_OK) {
		bb = hpc_side_load(&base, o.base, o.nbase);
		hb = hpc_side_load(&head, o.head, o.nhead);
	}
	free(o.base);
	free(o.head);
	free(o.pos);
	if (rv != HPC_EXIT_OK)
		return rv < 0 ? HPC_EXIT_OK : rv;
	if (bb != 0 || hb != 0) {
		hpc_side_fini(&base);
		hpc_side_fini(&head);
		return HPC_EXIT_USAGE;
	}
	c = hpc_compare_sides(&base, &head, &o.cmp);
	hpi_buf_init(&out);
	o.fmt->emit(&out, c);
	rv = hpc_write_out(o.output, &out);
	if (rv == HPC_EXIT_OK && o.fail_on_regression && c->count[HPC_REGRESSION] > 0) {
		hpc_error("%zu regression%s beyond the %g%% threshold", c->count[HPC_REGRESSION],
			  c->count[HPC_REGRESSION] == 1 ? "" : "s", o.cmp.threshold);
		rv = HPC_EXIT_FAIL;
	}
	hpi_buf_fini(&out);
	hpc_compare_free(c);
	hpc_side_fini(&base);
	hpc_side_fini(&head);
	return rv;
}
