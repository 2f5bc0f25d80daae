/* SPDX-License-Identifier: MIT */
/*
 * cmd_merge.c - `hotpath merge A.json B.json ...`: the reports of several
 * processes (a server's workers, report.fork: child) or runs as one report
 * of the same schema, which `hotpath report` and `hotpath compare` read
 * like any other.  The rules are merge.c's.
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "console.h"
#include "merge.h"
#include "report_load.h"

/* `hotpath merge --help`. */
static void merge_usage(FILE *f)
{
	fputs("Usage: hotpath merge [OPTIONS] A.json B.json ...\n"
	      "\n"
	      "Merges the JSON reports of several processes or runs into one report of\n"
	      "the same format: rows with the same name add up (calls, totals, self\n"
	      "times, bytes, channel counts), min and max are the min and max, the\n"
	      "percentiles come from the merged histograms, and the threads and process\n"
	      "sections list each report's rows under its pid.  Write the reports with\n"
	      "HOTPATH_LIMIT=0 (a report cut by report.limit merges the rows it has).\n"
	      "See docs/report-format.md, \"Merged reports\".\n"
	      "\n"
	      "Options:\n"
	      "  -f, --format FMT    json (default), json-pretty or table\n"
	      "  -o, --output FILE   write to FILE instead of stdout\n"
	      "  -h, --help          show this help\n"
	      "\n"
	      "Exit status: 0 ok, 1 output not written, 2 usage or an unusable report.\n",
	      f);
}

/* hotpath merge [OPTIONS] A.json B.json ... */
int hpc_cmd_merge(int argc, char **argv)
{
	static const struct option longs[] = {
		{"format", required_argument, NULL, 'f'},
		{"output", required_argument, NULL, 'o'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	const char *fmt = "json", *output = NULL;
	hpc_report **r;
	hpc_merge_src *src;
	hpc_merged m;
	hpi_render_opts ro;
	hpi_buf out;
	size_t n;
	int c, rv = HPC_EXIT_OK;

	opterr = 0;
	optind = 0;
	while ((c = getopt_long(argc, argv, ":f:o:h", longs, NULL)) != -1) {
		switch (c) {
		case 'f':
			if (strcmp(optarg, "json") != 0 && strcmp(optarg, "json-pretty") != 0 &&
			    strcmp(optarg, "table") != 0)
				return hpc_usage_error("merge", "--format: expected json, json-pretty "
						       "or table, got '%s'", optarg);
			fmt = optarg;
			break;
		case 'o':
			output = optarg;
			break;
		case 'h':
			merge_usage(stdout);
			return HPC_EXIT_OK;
		default:
			return hpc_bad_option("merge", argv, c);
		}
	}
	if (optind >= argc)
		return hpc_usage_error("merge", "no report files given");
	n = (size_t)(argc - optind);
	r = xcalloc(n, sizeof(*r));
	src = xcalloc(n, sizeof(*src));
	for (size_t i = 0; i < n; i++) {
		char *cause = NULL;
		if (hpc_report_load(argv[optind + (int)i], &r[i], &cause) != 0) {
			hpc_error("%s", cause ? cause : "out of memory");
			free(cause);
			rv = HPC_EXIT_USAGE;
			break;
		}
		src[i] = (hpc_merge_src){.snap = r[i]->snap, .name = r[i]->name,
					 .pcts = r[i]->pcts, .npcts = r[i]->npcts,
					 .loaded = r[i]->loaded};
	}
	if (rv == HPC_EXIT_OK) {
		if (hpc_merge(src, n, &m) != 0)
			fatal("out of memory");
		for (size_t i = 0; i < m.nnotes; i++)
			hpc_error("%s", m.notes[i]);
		ro = (hpi_render_opts){.limit = 0, .pcts = m.pcts, .npcts = m.npcts};
		hpi_buf_init(&out);
		if (strcmp(fmt, "table") == 0)
			hpi_render_table(&out, m.snap, &ro);
		else
			hpi_render_json(&out, m.snap, &ro, strcmp(fmt, "json-pretty") == 0);
		rv = hpc_write_out(output, &out);
		hpi_buf_fini(&out);
		hpc_merged_fini(&m);
	}
	for (size_t i = 0; i < n; i++)
		hpc_report_free(r[i]);
	free(r);
	free(src);
	return rv;
}
