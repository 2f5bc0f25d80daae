/* SPDX-License-Identifier: MIT */
/*
 * fixture.c - the fixed report of the Lua tests: a small program's
 * functions, allocations and slowest calls, with every unit, empty cells,
 * a row log, section facts, and text that CSV, Markdown and logfmt must
 * quote or escape.
 */
#include <stdio.h>
#include <stdlib.h>

#include "fixture.h"

#ifndef HP_SRCDIR
#define HP_SRCDIR "."
#endif

const double fixture_pcts[2] = {50, 99.9};

/* One functions row: name, calls, then avg, min, max, p50, p99.9, total in ns. */
static void fixture_fn(hp_section *sec, const char *name, int64_t calls, const int64_t *ns,
		       double pct)
{
	size_t r = hpi_row_add(sec);

	hpi_cell_text(sec, r, 0, name);
	hpi_cell_int(sec, r, 1, calls);
	for (size_t c = 0; c < 6; c++)
		hpi_cell_int(sec, r, c + 2, ns[c]);
	hpi_cell_real(sec, r, 8, pct);
}

/* The functions section, as the timing plugin writes it. */
static void fixture_functions(hp_snapshot *s)
{
	static const int64_t parse[] = {1160300, 950000, 2500000, 1100000, 2480000, 116030000};
	static const int64_t block[] = {17, 12, 40, 16, 39, 1700};
	static const int64_t io[] = {5400, 800, 90000, 2100, 88000, 10800000};
	hp_section *sec = hpi_section_add(s, "functions", "Functions"), *log;

	hpi_column_add(sec, "name", "Function", HP_UNIT_TEXT);
	hpi_column_add(sec, "calls", "Calls", HP_UNIT_COUNT);
	hpi_column_add(sec, "avg", "Avg", HP_UNIT_NS);
	hpi_column_add(sec, "min", "Min", HP_UNIT_NS);
	hpi_column_add(sec, "max", "Max", HP_UNIT_NS);
	hpi_column_add(sec, "p50", "P50", HP_UNIT_NS);
	hpi_column_add(sec, "p99.9", "P99.9", HP_UNIT_NS);
	hpi_column_add(sec, "total", "Total", HP_UNIT_NS);
	hpi_column_add(sec, "percent_total", "% Total", HP_UNIT_PERCENT);
	hpi_section_meta_set(sec, "table.columns", "name,calls,avg,p50,p99.9,total,percent_total");
	fixture_fn(sec, "demo::parse", 100, parse, 91.46);
	fixture_fn(sec, "demo::io | \"slow\", really", 2000, io, 8.513);
	fixture_fn(sec, "custom_block", 100, block, 0.0013);
	log = hpi_row_log(sec, 0);
	hpi_column_add(log, "duration", "Duration", HP_UNIT_NS);
	hpi_column_add(log, "tid", "Thread", HP_UNIT_COUNT);
	hpi_column_add(log, "time", "Time", HP_UNIT_NS);
	for (int i = 0; i < 2; i++) {
		size_t r = hpi_row_add(log);
		hpi_cell_int(log, r, 0, 1200000 - 100000 * i);
		hpi_cell_int(log, r, 1, 4242);
		hpi_cell_int(log, r, 2, 5000 + 1000000 * i);
	}
}

/* Allocations: bytes, rate, percent, empty cells, UTF-8, a tab. */
static void fixture_alloc(hp_snapshot *s)
{
	hp_section *sec = hpi_section_add(s, "alloc", "Allocations");

	hpi_column_add(sec, "site", "Site", HP_UNIT_TEXT);
	hpi_column_add(sec, "bytes", "Bytes", HP_UNIT_BYTES);
	hpi_column_add(sec, "rate", "Rate", HP_UNIT_RATE);
	hpi_column_add(sec, "share", "Share", HP_UNIT_PERCENT);
	hpi_row_add(sec);
	hpi_cell_text(sec, 0, 0, "r\xc3\xa9sum\xc3\xa9 <b>*bold*</b>");
	hpi_cell_int(sec, 0, 1, 1536);
	hpi_cell_real(sec, 0, 2, 12.25);
	hpi_cell_real(sec, 0, 3, 12.5);
	hpi_row_add(sec);
	hpi_cell_text(sec, 1, 0, "tab\there");
	hpi_cell_int(sec, 1, 1, 3);
	hpi_row_add(sec);
	hpi_cell_int(sec, 2, 1, 5 * 1048576);
	hpi_cell_real(sec, 2, 3, 3);
}

/* The example plugin's section, with a fact of its own. */
static void fixture_slowest(hp_snapshot *s)
{
	hp_section *sec = hpi_section_add(s, "slowest", "Slowest single calls");

	hpi_column_add(sec, "function", "Function", HP_UNIT_TEXT);
	hpi_column_add(sec, "duration", "Duration", HP_UNIT_NS);
	hpi_column_add(sec, "tid", "Thread", HP_UNIT_COUNT);
	hpi_column_add(sec, "time", "At", HP_UNIT_NS);
	hpi_section_meta_set(sec, "calls_seen", "2200");
	hpi_row_add(sec);
	hpi_cell_text(sec, 0, 0, "demo::parse");
	hpi_cell_int(sec, 0, 1, 2500000);
	hpi_cell_int(sec, 0, 2, 4242);
	hpi_cell_int(sec, 0, 3, 73000000);
}

/* The whole fixed report. */
hp_snapshot *fixture_report(void)
{
	hp_snapshot *s = hpi_snapshot_new();

	hpi_snapshot_meta_set(s, "caller", "demo::main");
	hpi_snapshot_meta_set(s, "program", "demo");
	hpi_snapshot_meta_set(s, "pid", "4242");
	hpi_snapshot_meta_set(s, "start_unix_ns", "1700000000000000000");
	hpi_snapshot_meta_set(s, "elapsed_ns", "126860000");
	hpi_snapshot_meta_set(s, "dropped", "42");
	hpi_snapshot_meta_set(s, "clock", "tsc");
	hpi_snapshot_meta_set(s, "build", "v1, \"rc\"");
	fixture_functions(s);
	fixture_alloc(s);
	fixture_slowest(s);
	return s;
}

/* Render options with the fixture's percentiles. */
hpi_render_opts fixture_opts(size_t limit)
{
	return (hpi_render_opts){.limit = limit, .pcts = fixture_pcts, .npcts = 2};
}

/* tests/lua/fixtures in the source tree. */
const char *fixture_dir(void)
{
	return HP_SRCDIR "/tests/lua/fixtures";
}

/* Reads a whole file. */
char *fixture_slurp(const char *path)
{
	FILE *f = fopen(path, "rb");
	char *buf = NULL;
	size_t len = 0, cap = 0, n;

	if (f == NULL)
		return NULL;
	do {
		if (len + 4096 + 1 > cap) {
			char *nb = realloc(buf, cap = len + 8192);
			if (nb == NULL) {
				free(buf);
				fclose(f);
				return NULL;
			}
			buf = nb;
		}
		n = fread(buf + len, 1, cap - len - 1, f);
		len += n;
	} while (n > 0);
	buf[len] = '\0';
	fclose(f);
	return buf;
}
