/* SPDX-License-Identifier: MIT */
/*
 * compare_runs.c - several runs on one side of `hotpath compare`: their
 * median report, cell by cell, so that one noisy run does not decide
 * (docs/compare.md, "Several runs per side").  Sections are matched by id,
 * rows by their first text column and nth (as compare.c matches them),
 * columns by key and unit.
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "console.h"
#include "compare.h"

#define RUNS_NONE ((size_t)-1)

/* A row of the median section: its key, and its row in each run. */
typedef struct runs_row {
	const char *key;  /* borrowed from a run; NULL without a text column */
	size_t nth;       /* with a key: 1 for its first row, 2 for the next... */
	size_t *in;       /* per run: its row, or RUNS_NONE */
} runs_row;

/* Index of the first text column of sec, or -1. */
static int runs_key_col(const hp_section *sec)
{
	for (size_t c = 0; c < hp_section_ncolumns(sec); c++)
		if (hp_section_column_unit(sec, c) == HP_UNIT_TEXT)
			return (int)c;
	return -1;
}

/* Key of row r of sec (key column kc), or NULL. */
static const char *runs_key(const hp_section *sec, int kc, size_t r)
{
	if (kc < 0 || !hp_section_has(sec, r, (size_t)kc))
		return NULL;
	return hp_section_text(sec, r, (size_t)kc);
}

/* True when two keys (either may be NULL) are the same. */
static bool runs_same(const char *a, const char *b)
{
	return a == b || (a != NULL && b != NULL && strcmp(a, b) == 0);
}

static int runs_cmp_i64(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;

	return (x > y) - (x < y);
}

static int runs_cmp_dbl(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

/* Median of v[0..n) (n >= 1, sorted here): the middle value, or the mean
 * of the two middle ones (rounded towards the lower for integers). */
static int64_t runs_median_i64(int64_t *v, size_t n)
{
	qsort(v, n, sizeof(*v), runs_cmp_i64);
	if (n % 2)
		return v[n / 2];
	return v[n / 2 - 1] + (v[n / 2] - v[n / 2 - 1]) / 2;
}

static double runs_median_dbl(double *v, size_t n)
{
	qsort(v, n, sizeof(*v), runs_cmp_dbl);
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

/* The rows of every run's section, matched: each run's rows in order, a
 * row not seen in an earlier run appended.  *nrows set; caller frees. */
static runs_row *runs_rows(const hp_section *const *secs, const size_t *held, size_t n,
			   size_t *nrows)
{
	runs_row *rows = NULL;
	size_t nr = 0, k, r, j, nth;

	for (k = 0; k < n; k++) {
		int kc = secs[k] ? runs_key_col(secs[k]) : -1;

		for (r = 0; secs[k] != NULL && r < held[k]; r++) {
			const char *key = runs_key(secs[k], kc, r);

			for (j = 0, nth = 1; j < r; j++)
				nth += runs_same(runs_key(secs[k], kc, j), key);
			for (j = 0; j < nr; j++)
				if (kc >= 0 ? runs_same(rows[j].key, key) && rows[j].nth == nth
					    : rows[j].key == NULL && rows[j].nth == r + 1)
					break;
			if (j == nr) {
				rows = xreallocarray(rows, nr + 1, sizeof(*rows));
				rows[nr].key = kc >= 0 ? key : NULL;
				rows[nr].nth = kc >= 0 ? nth : r + 1;
				rows[nr].in = xmalloc(n * sizeof(size_t));
				for (size_t i = 0; i < n; i++)
					rows[nr].in[i] = RUNS_NONE;
				nr++;
			}
			if (rows[j].in[k] == RUNS_NONE)
				rows[j].in[k] = r;
		}
	}
	*nrows = nr;
	return rows;
}

/* Cell (row, col) of out: text from the first run with it, a number as
 * the median of the runs with it. */
static void runs_cell(hp_section *out, size_t row, size_t col, const runs_row *rr,
		      const hp_section *const *secs, size_t n, void *scratch)
{
	const char *key = hp_section_column_key(out, col);
	hp_unit u = hp_section_column_unit(out, col);
	int64_t *iv = scratch;
	double *dv = scratch;
	size_t k, m = 0;

	for (k = 0; k < n; k++) {
		int c = secs[k] ? hpi_section_col(secs[k], key) : -1;
		size_t r = rr->in[k];

		if (r == RUNS_NONE || c < 0 || hp_section_column_unit(secs[k], (size_t)c) != u ||
		    !hp_section_has(secs[k], r, (size_t)c))
			continue;
		if (u == HP_UNIT_TEXT) {
			hpi_cell_text(out, row, col, hp_section_text(secs[k], r, (size_t)c));
			return;
		}
		if (hpi_unit_is_int(u))
			iv[m++] = hp_section_int(secs[k], r, (size_t)c);
		else
			dv[m++] = hp_section_real(secs[k], r, (size_t)c);
	}
	if (m > 0 && hpi_unit_is_int(u))
		hpi_cell_int(out, row, col, runs_median_i64(iv, m));
	else if (m > 0)
		hpi_cell_real(out, row, col, runs_median_dbl(dv, m));
}

/* Section id of the median: facts and title from the first run with it,
 * the columns of every run, the matched rows.  Returns the rows it has. */
static size_t runs_section(hp_snapshot *snap, hpc_report *const *r, size_t n, const char *id)
{
	const hp_section **secs = xcalloc(n, sizeof(*secs)), *ref = NULL;
	size_t *held = xcalloc(n, sizeof(*held)), nrows, k, c, i;
	void *scratch = xcalloc(n, sizeof(int64_t) > sizeof(double) ? sizeof(int64_t)
							       : sizeof(double));
	hp_section *out;
	runs_row *rows;

	for (k = 0; k < n; k++) {
		secs[k] = hp_snapshot_find(r[k]->snap, id);
		held[k] = secs[k] ? hpc_report_rows_held(r[k], secs[k]) : 0;
		ref = ref ? ref : secs[k];
	}
	if ((out = hpi_section_add(snap, id, hp_section_title(ref))) == NULL)
		fatal("out of memory");
	for (i = 0; i < ref->meta.n; i++)
		hpi_section_meta_set(out, ref->meta.v[i].key, ref->meta.v[i].value);
	for (k = 0; k < n; k++)
		for (c = 0; secs[k] != NULL && c < hp_section_ncolumns(secs[k]); c++)
			if (hpi_section_col(out, hp_section_column_key(secs[k], c)) < 0)
				hpi_column_add(out, hp_section_column_key(secs[k], c),
					       hp_section_column_title(secs[k], c),
					       hp_section_column_unit(secs[k], c));
	rows = runs_rows(secs, held, n, &nrows);
	for (i = 0; i < nrows; i++) {
		size_t row = hpi_row_add(out);

		for (c = 0; c < hp_section_ncolumns(out); c++)
			runs_cell(out, row, c, &rows[i], secs, n, scratch);
		free(rows[i].in);
	}
	free(rows);
	free(scratch);
	free(held);
	free(secs);
	return nrows;
}

/* The median report of r[0..n). */
hpc_report *hpc_report_median(hpc_report *const *r, size_t n)
{
	hpc_report *m = xcalloc(1, sizeof(*m));
	int64_t *el = xcalloc(n, sizeof(*el));
	size_t k, i, nel = 0;
	hpi_buf name;
	char buf[32];

	hpi_buf_init(&name);
	hpi_buf_puts(&name, "median of ");
	for (k = 0; k < n; k++)
		hpi_buf_printf(&name, "%s%s", k ? ", " : "", r[k]->name);
	m->name = xstrdup(name.data);
	hpi_buf_fini(&name);
	if ((m->snap = hpi_snapshot_new()) == NULL)
		fatal("out of memory");
	for (i = 0; i < r[0]->snap->meta.n; i++)
		hpi_snapshot_meta_set(m->snap, r[0]->snap->meta.v[i].key,
				      r[0]->snap->meta.v[i].value);
	for (k = 0; k < n; k++) {
		const char *s = hp_snapshot_meta(r[k]->snap, "elapsed_ns");
		char *end;

		if (s != NULL && (el[nel] = strtoll(s, &end, 10), end != s && *end == '\0'))
			nel++;
	}
	if (nel > 0) {
		snprintf(buf, sizeof(buf), "%" PRId64, runs_median_i64(el, nel));
		hpi_snapshot_meta_set(m->snap, "elapsed_ns", buf);
	}
	free(el);
	m->npcts = r[0]->npcts;
	m->pcts = xcalloc(m->npcts + 1, sizeof(*m->pcts));
	memcpy(m->pcts, r[0]->pcts, m->npcts * sizeof(*m->pcts));
	for (k = 0; k < n; k++)
		for (i = 0; i < hp_snapshot_count(r[k]->snap); i++) {
			const char *id = hp_section_id(hp_snapshot_section(r[k]->snap, i));
			size_t rows;

			if (hp_snapshot_find(m->snap, id) != NULL)
				continue; /* done, from an earlier run or section */
			rows = runs_section(m->snap, r, n, id);
			m->loaded = xreallocarray(m->loaded, hp_snapshot_count(m->snap),
						  sizeof(*m->loaded));
			m->loaded[hp_snapshot_count(m->snap) - 1] = rows;
		}
	return m;
}

/* Loads a side's reports; says what is wrong with each that cannot be. */
int hpc_side_load(hpc_side *s, const char *const *paths, size_t n)
{
	bool bad = false;
	char *cause;

	memset(s, 0, sizeof(*s));
	s->runs = xcalloc(n, sizeof(*s->runs));
	for (s->n = 0; s->n < n; s->n++) {
		if (hpc_report_load(paths[s->n], &s->runs[s->n], &cause) == 0)
			continue;
		hpc_error("%s", cause ? cause : "out of memory");
		free(cause);
		s->runs[s->n] = NULL;
		bad = true;
	}
	if (bad) {
		hpc_side_fini(s);
		return -1;
	}
	s->median = n == 1 ? s->runs[0] : hpc_report_median(s->runs, n);
	return 0;
}

/* Frees a side's reports and median; s can be loaded again. */
void hpc_side_fini(hpc_side *s)
{
	if (s->median != NULL && s->n > 1)
		hpc_report_free(s->median);
	for (size_t k = 0; k < s->n; k++)
		hpc_report_free(s->runs[k]);
	free(s->runs);
	memset(s, 0, sizeof(*s));
}
