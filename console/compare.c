/* SPDX-License-Identifier: MIT */
/*
 * compare.c - the comparison of two reports, independent of how it is
 * shown.  Sections are matched by id, rows by their first text column (the
 * n-th row with a key in head matches the n-th with that key in base),
 * columns by key.  Each numeric column gets before -> after and the change
 * in percent; the deciding columns (see cmp_decide) mark a row as a
 * regression or an improvement when a change passes the threshold.
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "console.h"
#include "compare.h"

#define CMP_NONE ((size_t)-1)

/* Status names for the JSON output. */
const char *hpc_status_name(hpc_status s)
{
#define HPC__STATUS_NAME(name, text) [HPC_##name] = text,
	static const char *const names[] = {HPC_STATUS_MAP(HPC__STATUS_NAME)};
#undef HPC__STATUS_NAME

	return (unsigned)s < HPC_NSTATUS ? names[s] : "?";
}

/* Index of the first text column of sec, or -1. */
static int cmp_key_col(const hp_section *sec)
{
	size_t c;

	for (c = 0; sec != NULL && c < hp_section_ncolumns(sec); c++)
		if (hp_section_column_unit(sec, c) == HP_UNIT_TEXT)
			return (int)c;
	return -1;
}

/* True when key is one of the comma-separated names in list. */
static bool cmp_in_list(const char *list, const char *key, bool *minus)
{
	size_t klen = strlen(key), n;
	const char *p = list;

	while (p != NULL && *p != '\0') {
		while (*p == ' ')
			p++;
		n = strcspn(p, ",");
		*minus = *p == '-';
		if (n - *minus == klen && strncmp(p + *minus, key, klen) == 0)
			return true;
		p += n + (p[n] == ',');
	}
	return false;
}

/*
 * Does a column decide regressions, and which way?  The section's own
 * "compare.columns" fact ("avg,p99,-rate": '-' when bigger is better; ""
 * for none) wins.  Otherwise the ns and bytes columns that the section's
 * table shows (all of them without "table.columns") decide, bigger being
 * worse, except min and max (single calls, noise) and time (a moment, not
 * a cost).
 */
static int cmp_decide(const char *spec, const char *table, const char *key, hp_unit unit)
{
	bool minus = false;

	if (spec != NULL)
		return cmp_in_list(spec, key, &minus) ? (minus ? -1 : 1) : 0;
	if (unit != HP_UNIT_NS && unit != HP_UNIT_BYTES)
		return 0;
	if (table != NULL && !cmp_in_list(table, key, &minus))
		return 0;
	if (strcmp(key, "min") == 0 || strcmp(key, "max") == 0 || strcmp(key, "time") == 0)
		return 0;
	return 1;
}

/* Appends one numeric column of either side (head first) to sc. */
static void cmp_add_col(hpc_cmp_sec *sc, const hp_section *from, size_t c,
			const hpc_cmp_opts *o)
{
	const hp_section *ref = sc->head ? sc->head : sc->base;
	const char *key = hp_section_column_key(from, c);
	const char *spec = hp_section_meta(ref, "compare.columns");
	const char *shown = hp_section_meta(ref, "table.columns");
	hp_unit u = hp_section_column_unit(from, c);
	hpc_cmp_col *col;
	bool minus;
	int b, h;

	b = hpi_section_col(sc->base, key);
	h = hpi_section_col(sc->head, key);
	if (b >= 0 && hp_section_column_unit(sc->base, (size_t)b) != u)
		b = -1;
	if (h >= 0 && hp_section_column_unit(sc->head, (size_t)h) != u)
		h = -1;
	sc->cols = xreallocarray(sc->cols, sc->ncols + 1, sizeof(*sc->cols));
	col = &sc->cols[sc->ncols++];
	*col = (hpc_cmp_col){.key = key, .title = hp_section_column_title(from, c),
			     .unit = u, .bcol = b, .hcol = h};
	col->decide = cmp_decide(spec, shown, key, u);
	col->shown = o->all_columns || shown == NULL || col->decide != 0 ||
		     cmp_in_list(shown, key, &minus);
}

/* Whether column key identifies a row rather than measures it (a thread
 * id, a source line): listed in the section's "compare.ids" fact, or, in a
 * report without that fact, named tid, pid or line.  Never compared. */
static bool cmp_is_id(const hpc_cmp_sec *sc, const char *key)
{
	const char *ids = hp_section_meta(sc->head ? sc->head : sc->base, "compare.ids");
	bool minus;

	if (ids != NULL)
		return cmp_in_list(ids, key, &minus);
	return strcmp(key, "tid") == 0 || strcmp(key, "pid") == 0 || strcmp(key, "line") == 0;
}

/* The numeric columns but identifiers: head's in order, then those only
 * base has. */
static void cmp_columns(hpc_cmp_sec *sc, const hpc_cmp_opts *o)
{
	size_t c;

	for (c = 0; sc->head != NULL && c < hp_section_ncolumns(sc->head); c++)
		if (hp_section_column_unit(sc->head, c) != HP_UNIT_TEXT &&
		    !cmp_is_id(sc, hp_section_column_key(sc->head, c)))
			cmp_add_col(sc, sc->head, c, o);
	for (c = 0; sc->base != NULL && c < hp_section_ncolumns(sc->base); c++) {
		const char *key = hp_section_column_key(sc->base, c);
		int h = hpi_section_col(sc->head, key);

		if (hp_section_column_unit(sc->base, c) == HP_UNIT_TEXT || cmp_is_id(sc, key))
			continue;
		if (h < 0 || hp_section_column_unit(sc->head, (size_t)h) !=
			     hp_section_column_unit(sc->base, c))
			cmp_add_col(sc, sc->base, c, o);
	}
}

/* Key of a row: its first text cell, or NULL. */
static const char *cmp_row_key(const hp_section *sec, int kc, size_t r)
{
	if (kc < 0 || !hp_section_has(sec, r, (size_t)kc))
		return NULL;
	return hp_section_text(sec, r, (size_t)kc);
}

/* True when two keys (either may be NULL) are the same. */
static bool cmp_same(const char *a, const char *b)
{
	return a == b || (a != NULL && b != NULL && strcmp(a, b) == 0);
}

/* How many rows before r in sec have r's key, plus one. */
static size_t cmp_nth(const hp_section *sec, int kc, size_t r)
{
	const char *key = cmp_row_key(sec, kc, r);
	size_t i, n = 1;

	for (i = 0; i < r; i++)
		n += cmp_same(cmp_row_key(sec, kc, i), key);
	return n;
}

/* Row of sec (first nrows) with this key as its nth, or CMP_NONE. */
static size_t cmp_find(const hp_section *sec, int kc, size_t nrows, const char *key,
		       size_t nth)
{
	size_t i, n = 0;

	for (i = 0; sec != NULL && i < nrows; i++)
		if (cmp_same(cmp_row_key(sec, kc, i), key) && ++n == nth)
			return i;
	return CMP_NONE;
}

/* One side's value of a column in a row. */
static hpc_val cmp_val(const hp_section *sec, size_t row, int col)
{
	hpc_val v = {0};

	if (sec == NULL || row == CMP_NONE || col < 0 || !hp_section_has(sec, row, (size_t)col))
		return v;
	v.set = true;
	if (hpi_unit_is_int(hp_section_column_unit(sec, (size_t)col))) {
		v.i = hp_section_int(sec, row, (size_t)col);
		v.d = (double)v.i;
	} else {
		v.d = hp_section_real(sec, row, (size_t)col);
		v.i = isfinite(v.d) && fabs(v.d) < 9e18 ? (int64_t)v.d : 0;
	}
	return v;
}

/* before -> after: change in percent and the mark for a deciding way. */
static void cmp_cell(hpc_cmp_cell *cell, int decide, double threshold)
{
	double b = cell->before.d, a = cell->after.d, v;

	cell->change = NAN;
	cell->mark = 0;
	if (!cell->before.set || !cell->after.set || !isfinite(a) || !isfinite(b))
		return;
	if (b == 0)
		cell->change = a == 0 ? 0 : a > 0 ? INFINITY : -INFINITY;
	else
		cell->change = (a - b) * 100.0 / fabs(b);
	v = decide * cell->change;
	if (decide != 0 && v > threshold)
		cell->mark = 1;
	else if (decide != 0 && v < -threshold)
		cell->mark = -1;
}

/* The larger of before and after of column key, or -1 when neither is set. */
static double cmp_peak(const hpc_cmp_sec *sc, const hpc_cmp_row *row, const char *key)
{
	double peak = -1;
	size_t c;

	for (c = 0; c < sc->ncols; c++) {
		if (strcmp(sc->cols[c].key, key) != 0)
			continue;
		if (row->cells[c].before.set)
			peak = row->cells[c].before.d;
		if (row->cells[c].after.set && row->cells[c].after.d > peak)
			peak = row->cells[c].after.d;
	}
	return peak;
}

/* The status of a row whose cells are filled in. */
static hpc_status cmp_status(const hpc_cmp_sec *sc, const hpc_cmp_row *row,
			     size_t brow, size_t hrow, const hpc_cmp_opts *o)
{
	bool worse = false, better = false;
	double peak;
	size_t c;

	if (brow == CMP_NONE)
		return HPC_NEW;
	if (hrow == CMP_NONE)
		return HPC_REMOVED;
	if (o->min_calls > 0 && (peak = cmp_peak(sc, row, "calls")) >= 0 &&
	    peak < (double)o->min_calls)
		return HPC_FEW_CALLS;
	if (o->min_pct_total > 0 && (peak = cmp_peak(sc, row, "percent_total")) >= 0 &&
	    peak < o->min_pct_total)
		return HPC_SMALL;
	for (c = 0; c < sc->ncols; c++) {
		worse = worse || row->cells[c].mark > 0;
		better = better || row->cells[c].mark < 0;
	}
	return worse ? HPC_REGRESSION : better ? HPC_IMPROVEMENT : HPC_UNCHANGED;
}

/* Rows a report's section holds: a section loaded from a file may say
 * total_rows is more than the rows it carries. */
size_t hpc_report_rows_held(const hpc_report *r, const hp_section *sec)
{
	size_t i;

	for (i = 0; sec != NULL && i < hp_snapshot_count(r->snap); i++)
		if (hp_snapshot_section(r->snap, i) == sec)
			return r->loaded[i];
	return 0;
}

/* One run's value x widens v's range. */
static void cmp_range_add(hpc_val *v, double x)
{
	v->lo = v->runs == 0 || x < v->lo ? x : v->lo;
	v->hi = v->runs == 0 || x > v->hi ? x : v->hi;
	v->runs++;
}

/* The range of each cell's value over the runs of a side (after: head's),
 * when it has several: the row found in each run as compare matches it. */
static void cmp_spread(const hpc_cmp *c, const hpc_cmp_sec *sc, hpc_cmp_row *row, bool after)
{
	const hpc_report *const *runs = after ? c->hruns : c->bruns;
	size_t n = after ? c->nhruns : c->nbruns, k, i, r;

	for (k = 0; n > 1 && k < n; k++) {
		const hp_section *sec = hp_snapshot_find(runs[k]->snap, sc->id);
		size_t rows = hpc_report_rows_held(runs[k], sec);
		int kc = cmp_key_col(sec);

		if (sec == NULL)
			continue;
		if (kc >= 0)
			r = cmp_find(sec, kc, rows, row->key, row->nth);
		else
			r = row->key == NULL && row->index < rows ? row->index : CMP_NONE;
		for (i = 0; r != CMP_NONE && i < sc->ncols; i++) {
			hpc_val *v = after ? &row->cells[i].after : &row->cells[i].before;
			int col = hpi_section_col(sec, sc->cols[i].key);
			hpc_val x;

			if (!v->set || col < 0 ||
			    hp_section_column_unit(sec, (size_t)col) != sc->cols[i].unit)
				continue;
			x = cmp_val(sec, r, col);
			if (x.set)
				cmp_range_add(v, x.d);
		}
	}
}

/* Appends the row matching base row brow and head row hrow. */
static void cmp_add_row(hpc_cmp *c, hpc_cmp_sec *sc, size_t brow, size_t hrow)
{
	int bk = cmp_key_col(sc->base), hk = cmp_key_col(sc->head);
	hpc_cmp_row *row;
	size_t i;

	sc->rows = xreallocarray(sc->rows, sc->nrows + 1, sizeof(*sc->rows));
	row = &sc->rows[sc->nrows++];
	memset(row, 0, sizeof(*row));
	if (hrow != CMP_NONE) {
		row->key = cmp_row_key(sc->head, hk, hrow);
		row->nth = cmp_nth(sc->head, hk, hrow);
		row->index = hrow;
	} else {
		row->key = cmp_row_key(sc->base, bk, brow);
		row->nth = cmp_nth(sc->base, bk, brow);
		row->index = brow;
	}
	row->cells = xcalloc(sc->ncols, sizeof(*row->cells));
	for (i = 0; i < sc->ncols; i++) {
		row->cells[i].before = cmp_val(sc->base, brow, sc->cols[i].bcol);
		row->cells[i].after = cmp_val(sc->head, hrow, sc->cols[i].hcol);
		cmp_cell(&row->cells[i], sc->cols[i].decide, c->o.threshold);
	}
	cmp_spread(c, sc, row, false);
	cmp_spread(c, sc, row, true);
	row->status = cmp_status(sc, row, brow, hrow, &c->o);
	if (row->status == HPC_FEW_CALLS || row->status == HPC_SMALL)
		for (i = 0; i < sc->ncols; i++)
			row->cells[i].mark = 0; /* noise: nothing beyond the threshold */
	c->count[row->status]++;
}

/* Rows: head's, each with its match in base, then base's unmatched. */
static void cmp_rows(hpc_cmp *c, hpc_cmp_sec *sc)
{
	int bk = cmp_key_col(sc->base), hk = cmp_key_col(sc->head);
	bool *used = xcalloc(sc->base_rows + 1, sizeof(*used));
	size_t r, b;

	for (r = 0; r < sc->head_rows; r++) {
		if (hk >= 0 || bk >= 0)
			b = cmp_find(sc->base, bk, sc->base_rows, cmp_row_key(sc->head, hk, r),
				     cmp_nth(sc->head, hk, r));
		else
			b = r < sc->base_rows ? r : CMP_NONE;
		if (b != CMP_NONE)
			used[b] = true;
		cmp_add_row(c, sc, b, r);
	}
	for (b = 0; b < sc->base_rows; b++)
		if (!used[b])
			cmp_add_row(c, sc, b, CMP_NONE);
	free(used);
}

/* Appends the comparison of two sections (either may be NULL). */
static void cmp_section(hpc_cmp *c, const hp_section *base, const hp_section *head)
{
	const hp_section *ref = head ? head : base;
	hpc_cmp_sec *sc;
	int kc = cmp_key_col(ref);

	c->secs = xreallocarray(c->secs, c->nsecs + 1, sizeof(*c->secs));
	sc = &c->secs[c->nsecs++];
	memset(sc, 0, sizeof(*sc));
	sc->id = hp_section_id(ref);
	sc->title = hp_section_title(ref);
	sc->key = kc >= 0 ? hp_section_column_key(ref, (size_t)kc) : NULL;
	sc->key_title = kc >= 0 ? hp_section_column_title(ref, (size_t)kc) : "Row";
	sc->base = base;
	sc->head = head;
	sc->base_rows = hpc_report_rows_held(c->base, base);
	sc->head_rows = hpc_report_rows_held(c->head, head);
	sc->base_total = base ? hp_section_nrows(base) : 0;
	sc->head_total = head ? hp_section_nrows(head) : 0;
	cmp_columns(sc, &c->o);
	cmp_rows(c, sc);
}

/* elapsed_ns of a report as a value. */
static hpc_val cmp_elapsed(const hpc_report *r)
{
	const char *s = hp_snapshot_meta(r->snap, "elapsed_ns");
	hpc_val v = {0};
	char *end;

	if (s == NULL)
		return v;
	v.i = strtoll(s, &end, 10);
	v.d = (double)v.i;
	v.set = end != s && *end == '\0';
	return v;
}

/* The range of elapsed_ns over a side's runs, when it has several. */
static void cmp_elapsed_spread(hpc_val *v, const hpc_report *const *runs, size_t n)
{
	for (size_t k = 0; n > 1 && v->set && k < n; k++) {
		hpc_val x = cmp_elapsed(runs[k]);

		if (x.set)
			cmp_range_add(v, x.d);
	}
}

/* Compares head against base: c's reports and runs are set. */
static void cmp_build(hpc_cmp *c)
{
	const hpc_report *base = c->base, *head = c->head;
	size_t nb = hp_snapshot_count(base->snap), i, j;
	bool *used = xcalloc(nb + 1, sizeof(*used));
	const hp_section *h, *b;

	c->elapsed.before = cmp_elapsed(base);
	c->elapsed.after = cmp_elapsed(head);
	cmp_elapsed_spread(&c->elapsed.before, c->bruns, c->nbruns);
	cmp_elapsed_spread(&c->elapsed.after, c->hruns, c->nhruns);
	cmp_cell(&c->elapsed, 0, c->o.threshold);
	/* meta "compare.hide": not compared (the call tree's sections: their
	 * self times are the Functions table's, by function) */
	for (j = 0; j < nb; j++)
		used[j] = hp_section_meta(hp_snapshot_section(base->snap, j), "compare.hide") != NULL;
	for (i = 0; i < hp_snapshot_count(head->snap); i++) {
		h = hp_snapshot_section(head->snap, i);
		if (hp_section_meta(h, "compare.hide") != NULL)
			continue;
		for (j = 0, b = NULL; b == NULL && j < nb; j++)
			if (!used[j] && strcmp(hp_section_id(hp_snapshot_section(base->snap, j)),
					       hp_section_id(h)) == 0) {
				used[j] = true;
				b = hp_snapshot_section(base->snap, j);
			}
		cmp_section(c, b, h);
	}
	for (j = 0; j < nb; j++)
		if (!used[j])
			cmp_section(c, hp_snapshot_section(base->snap, j), NULL);
	free(used);
}

/* Compares head against base. */
hpc_cmp *hpc_compare(const hpc_report *base, const hpc_report *head,
		     const hpc_cmp_opts *o)
{
	hpc_cmp *c = xcalloc(1, sizeof(*c));

	c->base = base;
	c->head = head;
	c->bruns = &c->base;
	c->hruns = &c->head;
	c->nbruns = c->nhruns = 1;
	c->o = *o;
	cmp_build(c);
	return c;
}

/* Compares the median of head's runs against base's. */
hpc_cmp *hpc_compare_sides(const hpc_side *base, const hpc_side *head,
			   const hpc_cmp_opts *o)
{
	hpc_cmp *c = xcalloc(1, sizeof(*c));

	c->base = base->median;
	c->head = head->median;
	c->bruns = (const hpc_report *const *)base->runs;
	c->hruns = (const hpc_report *const *)head->runs;
	c->nbruns = base->n;
	c->nhruns = head->n;
	c->o = *o;
	cmp_build(c);
	return c;
}

/* Frees a comparison; NULL is a no-op. */
void hpc_compare_free(hpc_cmp *c)
{
	size_t i, r;

	if (c == NULL)
		return;
	for (i = 0; i < c->nsecs; i++) {
		for (r = 0; r < c->secs[i].nrows; r++)
			free(c->secs[i].rows[r].cells);
		free(c->secs[i].rows);
		free(c->secs[i].cols);
	}
	free(c->secs);
	free(c);
}
