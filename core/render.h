/* SPDX-License-Identifier: MIT */
/*
 * render.h - the built-in formats: table and JSON (render.c).
 */
#ifndef HPI_RENDER_H
#define HPI_RENDER_H

#include <stdbool.h>
#include <stddef.h>

#include "strbuf.h"
#include "snapshot.h"

typedef struct hpi_render_opts {
	size_t limit;             /* rows per section; 0 = all */
	const double *pcts;       /* percentiles of the report */
	size_t npcts;
	bool no_logs;             /* JSON: leave out rows' logs (the smaller
				   * report written when memory runs out) */
	const char *stacks;       /* the flame graph's section: NULL = "stacks" */
	bool all_rows;            /* JSON: every row, sections' own limits too
				   * (the wire: docs/wire.md promises all) */
} hpi_render_opts;

/* Summary line, then one box table per section (docs/report-format.md).
 * o may be NULL (all rows). */
void hpi_render_table(hpi_buf *out, const hp_snapshot *s, const hpi_render_opts *o);
/* JSON report ("type": "hotpath_report"); pretty adds 2-space indents.
 * o may be NULL (all rows, no percentiles). */
void hpi_render_json(hpi_buf *out, const hp_snapshot *s, const hpi_render_opts *o,
		     bool pretty);

/* Report-wide facts in the JSON report (and the Lua report table): false
 * for the keys the report writes itself (type, version, ...), which no fact
 * may replace.  Else true, and *v is set with *is_int true when the value is
 * written as an integer (key "pid", "dropped" or "*_ns" and a value that is
 * exactly a decimal integer). */
bool hpi_render_fact(const char *key, const char *value, long long *v, bool *is_int);
/* JSON number text of a percent or rate cell (up to 4 decimals, trailing
 * zeros stripped) into buf (>= 400 bytes); false when d is not finite
 * (written as null). */
bool hpi_render_real(char *buf, size_t len, double d);
/* The columns of the logs of sec's first shown rows, as the JSON's
 * "log_columns" lists them: each key once, in order of first use, with the
 * first log's title and unit (borrowed from sec).  Returns how many, with
 * the list in *cols (caller frees; NULL when none), or (size_t)-1 when out
 * of memory.  None when a column of sec has the key "log". */
size_t hpi_render_log_columns(const hp_section *sec, size_t shown, const hpi_col ***cols);
/* Text of a cell as the table shows it ("1.25ms", "3.40%", "-" when
 * unset): tmp (len >= 64) or a string borrowed from sec. */
const char *hpi_render_cell(const hp_section *sec, size_t row, size_t col, char *tmp,
			    size_t len);
/* Rows of sec that a report with this limit (0 = all) shows: sections may
 * set a smaller one of their own (meta "report.limit"). */
size_t hpi_render_limit(const hp_section *sec, size_t limit);

#endif
