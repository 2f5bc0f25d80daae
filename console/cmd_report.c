/* SPDX-License-Identifier: MIT */
/*
 * cmd_report.c - `hotpath report FILE.json`: a saved JSON report rendered
 * again, as a table or JSON, by the library's own renderers.  Rendering a
 * report with the limit it was written with gives back its bytes exactly
 * (report_load.c keeps everything the renderers read).
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "console.h"
#include "report_load.h"

/* One way to write a loaded report: 0, or a negative hp_err (the flame
 * graph formats, when the report has no stacks to draw). */
typedef struct report_emitter {
	const char *name; /* --format value */
	int (*emit)(hpi_buf *out, const hp_snapshot *s, const hpi_render_opts *o);
} report_emitter;

/* The box table of docs/report-format.md. */
static int report_table(hpi_buf *out, const hp_snapshot *s, const hpi_render_opts *o)
{
	hpi_render_table(out, s, o);
	return 0;
}

/* One-line JSON. */
static int report_json(hpi_buf *out, const hp_snapshot *s, const hpi_render_opts *o)
{
	hpi_render_json(out, s, o, false);
	return 0;
}

/* Indented JSON. */
static int report_json_pretty(hpi_buf *out, const hp_snapshot *s, const hpi_render_opts *o)
{
	hpi_render_json(out, s, o, true);
	return 0;
}

/* Collapsed stacks for flamegraph.pl, inferno, speedscope. */
static int report_folded(hpi_buf *out, const hp_snapshot *s, const hpi_render_opts *o)
{
	return hpi_render_folded(out, s, o->stacks);
}

/* hotpath's own flame graph, a self-contained SVG. */
static int report_svg(hpi_buf *out, const hp_snapshot *s, const hpi_render_opts *o)
{
	return hpi_render_flame_svg(out, s, o->stacks, true);
}

/* The HTML report: tables, flame graph, threads' CPU. */
static int report_html(hpi_buf *out, const hp_snapshot *s, const hpi_render_opts *o)
{
	hpi_render_html(out, s, o);
	return 0;
}

/* The built-in formats; Lua reporters (--script) run after them. */
static const report_emitter report_emitters[] = {
	{"table", report_table},
	{"json", report_json},
	{"json-pretty", report_json_pretty},
	{"folded", report_folded},
	{"svg", report_svg},
	{"html", report_html},
};

#define REPORT_MAX_SCRIPTS 16

typedef struct report_opts {
	const report_emitter *fmt;
	bool has_fmt;
	const char *scripts[REPORT_MAX_SCRIPTS];
	size_t nscripts;
	const char *options; /* JSON object text for the scripts, or NULL */
	bool has_limit;
	size_t limit;
	const char *output; /* NULL: stdout */
	const char *stacks; /* --stacks: NULL = "stacks" */
	const char *file;
} report_opts;

/* `hotpath report --help`. */
static void report_usage(FILE *f)
{
	fputs("Usage: hotpath report [OPTIONS] FILE.json\n"
	      "\n"
	      "Renders a JSON report that a profiled program saved (report.format:\n"
	      "json or json-pretty) again, with the renderers the program uses.\n"
	      "FILE.json may be '-' for stdin.\n"
	      "\n"
	      "Options:\n"
	      "  -f, --format FMT    table (default), json, json-pretty, folded (collapsed\n"
	      "                      stacks), svg (flame graph) or html\n"
	      "      --stacks NAME   the stacks folded, svg and html draw: stacks (the\n"
	      "                      call tree's self time, default), cpu (the CPU\n"
	      "                      sampler's cpu_stacks) or a section id\n"
	      "  -n, --limit N       rows per section, 0 = all; default: as the file was\n"
	      "                      written (a file cut by report.limit has no more)\n"
	      "  -o, --output FILE   write to FILE instead of stdout\n"
	      "  -s, --script FILE   run a Lua reporter on it (repeatable); the table\n"
	      "                      is then left out unless --format asks for it\n"
	      "      --options JSON  options for the scripts, a JSON object\n"
	      "  -h, --help          show this help\n"
	      "\n"
	      "Exit status: 0 ok, 1 output not written or a script failed (budget.lua\n"
	      "over budget), 2 usage or unusable FILE.json.\n",
	      f);
}

/* The emitter called name, or NULL. */
static const report_emitter *report_find(const char *name)
{
	size_t i;

	for (i = 0; i < sizeof(report_emitters) / sizeof(report_emitters[0]); i++)
		if (strcmp(report_emitters[i].name, name) == 0)
			return &report_emitters[i];
	return NULL;
}

/* Parses the command line into o; -1 after --help, else an exit code. */
static int report_args(int argc, char **argv, report_opts *o)
{
	static const struct option longs[] = {
		{"format", required_argument, NULL, 'f'},
		{"limit", required_argument, NULL, 'n'},
		{"output", required_argument, NULL, 'o'},
		{"script", required_argument, NULL, 's'},
		{"options", required_argument, NULL, 'O'},
		{"stacks", required_argument, NULL, 'S'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	uint64_t n;
	int c;

	o->fmt = &report_emitters[0];
	opterr = 0;
	optind = 0;
	while ((c = getopt_long(argc, argv, ":f:n:o:s:h", longs, NULL)) != -1) {
		switch (c) {
		case 's':
			if (o->nscripts == REPORT_MAX_SCRIPTS)
				return hpc_usage_error("report", "--script: at most %d scripts",
						       REPORT_MAX_SCRIPTS);
			o->scripts[o->nscripts++] = optarg;
			break;
		case 'O':
			o->options = optarg;
			break;
		case 'S':
			o->stacks = optarg;
			break;
		case 'f':
			o->has_fmt = true;
			if ((o->fmt = report_find(optarg)) == NULL)
				return hpc_usage_error("report", "--format: expected table, "
						       "json, json-pretty, folded, svg or html, "
						       "got '%s'", optarg);
			break;
		case 'n':
			if (!hpc_parse_count(optarg, &n) || n > SIZE_MAX / 2)
				return hpc_usage_error("report", "--limit: expected a "
						       "number of rows, got '%s'", optarg);
			o->has_limit = true;
			o->limit = (size_t)n;
			break;
		case 'o':
			o->output = optarg;
			break;
		case 'h':
			report_usage(stdout);
			return -1;
		default:
			return hpc_bad_option("report", argv, c);
		}
	}
	if (optind + 1 != argc)
		return hpc_usage_error("report", optind == argc ? "no report file given" :
				       "one report file at a time");
	o->file = argv[optind];
	return HPC_EXIT_OK;
}

/* The limit to render with: the asked one, but never past the rows the
 * file holds (the rest are placeholders for total_rows). */
static size_t report_limit(const report_opts *o, const hpc_report *r)
{
	if (!o->has_limit)
		return r->limit;
	if (r->limit != 0 && (o->limit == 0 || o->limit > r->limit)) {
		hpc_error("%s: the report was written with report.limit %zu and holds "
			  "no more rows; showing %zu", r->name, r->limit, r->limit);
		return r->limit;
	}
	return o->limit;
}

/* Runs every --script on the report; the number that failed.  print() in
 * a script writes to stdout: the command's output is what the user asked. */
static int report_scripts(const report_opts *o, const hpc_report *r, const hpi_render_opts *ro)
{
	hpi_lua_opts lo = {.options = o->options, .instructions = -1, .out = stdout};
	hpi_config cfg;
	int failed = 0;

	/* the caps of hotpath.yaml and HOTPATH_REPORT_SCRIPT_INSTRUCTIONS /
	 * _MEMORY_MB, as in a profiled program */
	hpi_config_load(&cfg, NULL);
	lo.instructions = cfg.script_instructions;
	lo.memory_mb = (size_t)cfg.script_memory_mb;
	hpi_config_fini(&cfg);

	for (size_t i = 0; i < o->nscripts; i++) {
		char *cause = NULL;
		if (hpi_lua_report(r->snap, ro, o->scripts[i], &lo, &cause) != 0) {
			hpi_lua_warn(o->scripts[i], cause ? cause : "failed");
			failed++;
		}
		free(cause);
	}
	fflush(stdout);
	return failed;
}

/* Says why the flame graph formats cannot draw r; the exit code. */
static int report_no_stacks(const hpc_report *r, const hpi_render_opts *ro, int err)
{
	const char *id = hpi_flame_section(ro->stacks);

	if (err == HP_ENOENT)
		hpc_error("%s: no section \"%s\" to draw (a report has one when it was "
			  "written by a hotpath with the call tree%s)", r->name, id,
			  strcmp(id, "cpu_stacks") == 0 ? " and the CPU sampler on" : "");
	else if (err == HP_EINVAL)
		hpc_error("%s: section \"%s\" has no text column \"stack\" and integer "
			  "column \"self\"", r->name, id);
	else
		hpc_error("%s: %s", r->name, hp_strerror(err));
	return err == HP_ENOMEM ? HPC_EXIT_FAIL : HPC_EXIT_USAGE;
}

/* hotpath report [OPTIONS] FILE.json */
int hpc_cmd_report(int argc, char **argv)
{
	report_opts o = {0};
	hpc_report *r;
	hpi_render_opts ro;
	hpi_buf out;
	char *cause;
	int rv, err;

	if ((rv = report_args(argc, argv, &o)) != HPC_EXIT_OK)
		return rv < 0 ? HPC_EXIT_OK : rv;
	if (hpc_report_load(o.file, &r, &cause) != 0) {
		hpc_error("%s", cause ? cause : "out of memory");
		free(cause);
		return HPC_EXIT_USAGE;
	}
	ro = (hpi_render_opts){.limit = report_limit(&o, r), .pcts = r->pcts,
			       .npcts = r->npcts, .stacks = o.stacks};
	rv = HPC_EXIT_OK;
	if (o.has_fmt || o.nscripts == 0) {
		hpi_buf_init(&out);
		if ((err = o.fmt->emit(&out, r->snap, &ro)) != 0)
			rv = report_no_stacks(r, &ro, err);
		else
			rv = hpc_write_out(o.output, &out);
		hpi_buf_fini(&out);
	}
	if (report_scripts(&o, r, &ro) != 0 && rv == HPC_EXIT_OK)
		rv = HPC_EXIT_FAIL;
	hpc_report_free(r);
	return rv;
}
