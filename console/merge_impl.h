/* SPDX-License-Identifier: MIT */
/*
 * merge_impl.h - what merge.c (the columns' rules, a section's merge, the
 * facts) and merge_rows.c (the merged rows and their cells) share; the
 * rest of the console calls merge.h.
 */
#ifndef HPC_MERGE_IMPL_H
#define HPC_MERGE_IMPL_H

#include <stdbool.h>
#include <stddef.h>

#include "console.h"
#include "merge.h"

/* How a column is merged. */
enum merge_rule {
	M_KEY,     /* text that names the row */
	M_TEXT,    /* other text: the first report's */
	M_SUM,     /* counts, totals, bytes, rates */
	M_MIN,
	M_MAX,
	M_FIRST,   /* a number about the row, not an amount (line, tid) */
	M_AVG,     /* worked out again: hist sum / count, or weighted */
	M_PCT,     /* p<N>: from the merged histogram */
	M_PERCENT, /* a share: sum of the amounts / sum of what they were of */
	M_HIST
};

typedef struct merge_col {
	char *key, *title;
	hp_unit unit;
	enum merge_rule rule;
	double p;          /* M_PCT */
	int base;          /* M_PERCENT: the amount's column; M_AVG: the weight's */
	long double denom; /* M_PERCENT: sum of the reports' denominators */
} merge_col;

typedef struct merge_log {
	size_t src;
	const hp_section *log;
} merge_log;

/* One merged row's running state. */
typedef struct merge_row {
	size_t nsrc;        /* reports it came from */
	hpi_hist hist;
	bool hist_all;      /* every one of them had a histogram */
	long double *wsum, *wcnt; /* M_AVG: sum of value x weight, of weights */
	merge_log *logs;
	size_t nlogs;
	size_t first;       /* order of first appearance */
} merge_row;

typedef struct merge_sec {
	hp_section *out;
	merge_col *cols;
	size_t ncols;
	merge_row *rows;
	size_t nrows, cap;
	size_t *slots;      /* hash of row keys: row + 1, 0 = empty */
	size_t nslots;
	char **keys;        /* each row's key */
	bool noted_pct;
} merge_sec;

/* ---- merge.c --------------------------------------------------------------- */

/* Output column of key, or -1. */
int merge_col_find(const merge_sec *ms, const char *key);

/* Adds a line to what could not be merged exactly. */
void merge_note(hpc_merged *m, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* ---- merge_rows.c ---------------------------------------------------------- */

/* The merged row named key: found, or added. */
size_t merge_row_get(merge_sec *ms, const char *key, bool *added);

/* A cell as a number (ints and reals alike). */
long double merge_num(const hp_section *sec, size_t r, size_t c);

/* The row key of input row r: its key columns' text, 0x1f-separated. */
void merge_key(const merge_sec *ms, const hp_section *sec, size_t r, hpi_buf *key);

/* Folds cell (sec, r, ic) into output cell (row, c). */
void merge_cell(merge_sec *ms, size_t row, size_t c, const hp_section *sec, size_t r,
		size_t ic, bool first);

/* One input row into the merged section. */
void merge_row_in(merge_sec *ms, const hp_section *sec, size_t r, size_t src);

/* M_PERCENT: what this report's shares were of, from its biggest amount. */
void merge_denoms(merge_sec *ms, const hp_section *sec, size_t nrows);

/* A merged row's log: every report's rows with their pid, newest first
 * ("time" from the merged start), as many as the longest log had. */
void merge_row_log(hp_section *out, size_t row, const merge_row *mr,
		   const hpc_merge_src *src, const long double *start, long double start0);

/* Works out the derived cells of every merged row. */
void merge_finish_rows(merge_sec *ms, const hp_section *first, hpc_merged *m);

#endif
