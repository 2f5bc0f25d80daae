/* SPDX-License-Identifier: MIT */
/*
 * snapshot.c - the data model every consumer reads.  A snapshot is a list
 * of sections plus report-wide facts; a section is columns (key, title,
 * unit), rows of cells whose type follows the column unit, and facts of its
 * own.  Writers are what plugins get through hp_host; readers are the
 * public hp_snapshot_* / hp_section_* functions.  Nothing here crashes on
 * NULL, on an index out of range, or when memory runs out: the write is
 * simply left out.
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hpi.h"
#include "tbuf.h"

#define SNAP_MIN_CAP 4
/* Rows between two pulses: a few milliseconds of a snapshot's work. */
#define SNAP_PULSE_ROWS 512

/* Array arr (capacity *cap elements of size sz) grown to hold need
 * elements; the new array, or NULL (arr untouched) on ENOMEM. */
static void *snap_grow(void *arr, size_t *cap, size_t need, size_t sz)
{
	size_t ncap = *cap ? *cap : SNAP_MIN_CAP;
	void *p;

	if (need <= *cap)
		return arr;
	while (ncap < need) {
		if (ncap > SIZE_MAX / 2)
			return NULL;
		ncap *= 2;
	}
	if (ncap > SIZE_MAX / sz || (p = realloc(arr, ncap * sz)) == NULL)
		return NULL;
	*cap = ncap;
	return p;
}

/* Index of key in kvs, or -1. */
static long snap_kv_find(const hpi_kvs *kvs, const char *key)
{
	size_t i;

	for (i = 0; i < kvs->n; i++)
		if (strcmp(kvs->v[i].key, key) == 0)
			return (long)i;
	return -1;
}

/* Removes entry i, keeping the order of the others. */
static void snap_kv_remove(hpi_kvs *kvs, size_t i)
{
	free(kvs->v[i].key);
	free(kvs->v[i].value);
	memmove(&kvs->v[i], &kvs->v[i + 1], (kvs->n - i - 1) * sizeof(hpi_kv));
	kvs->n--;
}

/* Sets key to a copy of value (in place when present); NULL removes it. */
static void snap_kv_set(hpi_kvs *kvs, const char *key, const char *value)
{
	long i;
	char *k, *v;
	hpi_kv *p;

	if (key == NULL)
		return;
	i = snap_kv_find(kvs, key);
	if (value == NULL) {
		if (i >= 0)
			snap_kv_remove(kvs, (size_t)i);
		return;
	}
	if ((v = strdup(value)) == NULL)
		return;
	if (i >= 0) {
		free(kvs->v[i].value);
		kvs->v[i].value = v;
		return;
	}
	p = snap_grow(kvs->v, &kvs->cap, kvs->n + 1, sizeof(*p));
	if (p == NULL || (k = strdup(key)) == NULL) {
		if (p != NULL)
			kvs->v = p;
		free(v);
		return;
	}
	kvs->v = p;
	kvs->v[kvs->n].key = k;
	kvs->v[kvs->n].value = v;
	kvs->n++;
}

/* Value of key, borrowed, or NULL. */
static const char *snap_kv_get(const hpi_kvs *kvs, const char *key)
{
	long i;

	if (key == NULL || (i = snap_kv_find(kvs, key)) < 0)
		return NULL;
	return kvs->v[i].value;
}

/* Frees every entry. */
static void snap_kv_free(hpi_kvs *kvs)
{
	size_t i;

	for (i = 0; i < kvs->n; i++) {
		free(kvs->v[i].key);
		free(kvs->v[i].value);
	}
	free(kvs->v);
	memset(kvs, 0, sizeof(*kvs));
}


/* New section with copies of id and title (title NULL: the id). */
static hp_section *section_new(const char *id, const char *title)
{
	hp_section *sec;

	if (id == NULL || (sec = calloc(1, sizeof(*sec))) == NULL)
		return NULL;
	sec->id = strdup(id);
	sec->title = strdup(title ? title : id);
	if (sec->id == NULL || sec->title == NULL) {
		free(sec->id);
		free(sec->title);
		free(sec);
		return NULL;
	}
	return sec;
}

/* Frees a section, its cells and its row logs. */
static void section_free(hp_section *sec)
{
	size_t r, c;
	hpi_row *row;

	if (sec == NULL)
		return;
	for (r = 0; r < sec->nrows; r++) {
		row = &sec->rows[r];
		for (c = 0; c < row->ncells; c++)
			if (sec->cols[c].unit == HP_UNIT_TEXT && row->cells[c].set)
				free(row->cells[c].v.s);
		free(row->cells);
		section_free(row->log);
	}
	for (c = 0; c < sec->ncols; c++) {
		free(sec->cols[c].key);
		free(sec->cols[c].title);
	}
	snap_kv_free(&sec->meta);
	free(sec->rows);
	free(sec->cols);
	free(sec->id);
	free(sec->title);
	free(sec);
}

/* New empty snapshot; NULL on ENOMEM. */
hp_snapshot *hpi_snapshot_new(void)
{
	return calloc(1, sizeof(hp_snapshot));
}

/* Frees the snapshot and every section in it; NULL is a no-op. */
void hpi_snapshot_free(hp_snapshot *s)
{
	size_t i;

	if (s == NULL)
		return;
	for (i = 0; i < s->nsecs; i++)
		section_free(s->secs[i]);
	free(s->secs);
	snap_kv_free(&s->meta);
	free(s);
}

/* Sets a report-wide fact. */
void hpi_snapshot_meta_set(hp_snapshot *s, const char *key, const char *value)
{
	if (s != NULL)
		snap_kv_set(&s->meta, key, value);
}

/* Appends a new section to snap. */
hp_section *hpi_section_add(hp_snapshot *snap, const char *id, const char *title)
{
	hp_section *sec, **p;

	if (snap == NULL)
		return NULL;
	p = snap_grow(snap->secs, &snap->capsecs, snap->nsecs + 1, sizeof(*p));
	if (p == NULL)
		return NULL;
	snap->secs = p;
	if ((sec = section_new(id, title)) == NULL)
		return NULL;
	snap->secs[snap->nsecs++] = sec;
	return sec;
}

/* Appends a column; its index, or a negative hp_err. */
int hpi_column_add(hp_section *sec, const char *key, const char *title, hp_unit unit)
{
	hpi_col *p, col;

	if (sec == NULL || key == NULL || (unsigned)unit > HP_UNIT_TEXT ||
	    hpi_section_col(sec, key) >= 0 || sec->ncols >= INT32_MAX)
		return HP_EINVAL;
	p = snap_grow(sec->cols, &sec->capcols, sec->ncols + 1, sizeof(*p));
	if (p == NULL)
		return HP_ENOMEM;
	sec->cols = p;
	col.key = strdup(key);
	col.title = strdup(title ? title : key);
	col.unit = unit;
	if (col.key == NULL || col.title == NULL) {
		free(col.key);
		free(col.title);
		return HP_ENOMEM;
	}
	sec->cols[sec->ncols] = col;
	return (int)sec->ncols++;
}

/* What this thread calls every SNAP_PULSE_ROWS rows it adds, and the
 * rows added since (the collector's: hpi_snapshot_pulse). */
static __thread void (*snap_pulse)(void);
static __thread unsigned snap_pulse_rows;

void hpi_snapshot_pulse(void (*fn)(void))
{
	snap_pulse = fn;
	snap_pulse_rows = 0;
}

/* Appends an empty row; cells are allocated on first write. */
size_t hpi_row_add(hp_section *sec)
{
	hpi_row *p;

	if (sec == NULL)
		return (size_t)-1;
	if (snap_pulse != NULL && ++snap_pulse_rows % SNAP_PULSE_ROWS == 0)
		snap_pulse();
	p = snap_grow(sec->rows, &sec->caprows, sec->nrows + 1, sizeof(*p));
	if (p == NULL)
		return (size_t)-1;
	sec->rows = p;
	memset(&sec->rows[sec->nrows], 0, sizeof(hpi_row));
	return sec->nrows++;
}

/* Cell (row, col) for writing, grown to the current columns; NULL when out
 * of range or out of memory. */
static hpi_cell *section_cell(hp_section *sec, size_t row, size_t col)
{
	hpi_row *r;
	hpi_cell *p;

	if (sec == NULL || row >= sec->nrows || col >= sec->ncols)
		return NULL;
	r = &sec->rows[row];
	if (col >= r->ncells) {
		p = realloc(r->cells, sec->ncols * sizeof(*p));
		if (p == NULL)
			return NULL;
		memset(&p[r->ncells], 0, (sec->ncols - r->ncells) * sizeof(*p));
		r->cells = p;
		r->ncells = sec->ncols;
	}
	return &r->cells[col];
}

/* Saturating double -> int64; NaN gives 0. */
static int64_t snap_clamp(double d)
{
	if (isnan(d))
		return 0;
	if (d >= 9223372036854775808.0)
		return INT64_MAX;
	if (d <= -9223372036854775808.0)
		return INT64_MIN;
	return (int64_t)d;
}

/* Writes an integer; converted for PERCENT/RATE, ignored for TEXT. */
void hpi_cell_int(hp_section *sec, size_t row, size_t col, int64_t v)
{
	hpi_cell *c = section_cell(sec, row, col);

	if (c == NULL)
		return;
	if (hpi_unit_is_int(sec->cols[col].unit)) {
		c->v.i = v;
		c->set = true;
	} else if (hpi_unit_is_real(sec->cols[col].unit)) {
		c->v.d = (double)v;
		c->set = true;
	}
}

/* Writes a double; converted for COUNT/NS/BYTES, ignored for TEXT. */
void hpi_cell_real(hp_section *sec, size_t row, size_t col, double v)
{
	hpi_cell *c = section_cell(sec, row, col);

	if (c == NULL)
		return;
	if (hpi_unit_is_real(sec->cols[col].unit)) {
		c->v.d = v;
		c->set = true;
	} else if (hpi_unit_is_int(sec->cols[col].unit) && !isnan(v)) {
		c->v.i = snap_clamp(v);
		c->set = true;
	}
}

/* Writes a copy of v into a TEXT cell; NULL empties it. */
void hpi_cell_text(hp_section *sec, size_t row, size_t col, const char *v)
{
	hpi_cell *c = section_cell(sec, row, col);
	char *s = NULL;

	if (c == NULL || sec->cols[col].unit != HP_UNIT_TEXT)
		return;
	if (v != NULL && (s = strdup(v)) == NULL)
		return; /* keep the old value rather than lose both */
	if (c->set)
		free(c->v.s);
	c->v.s = s;
	c->set = s != NULL;
}

/* The report-wide facts, set in one place for the report at exit and the
 * publisher's snapshots. */
void hpi_snapshot_facts(hp_snapshot *s, const hpi_facts *f)
{
	char num[32];

	if (s == NULL || f == NULL)
		return;
	hpi_snapshot_meta_set(s, "caller", f->caller);
	hpi_snapshot_meta_set(s, "program", f->program);
	snprintf(num, sizeof(num), "%ld", f->pid);
	hpi_snapshot_meta_set(s, "pid", num);
	snprintf(num, sizeof(num), "%llu", (unsigned long long)f->start_unix_ns);
	hpi_snapshot_meta_set(s, "start_unix_ns", num);
	snprintf(num, sizeof(num), "%llu", (unsigned long long)f->elapsed_ns);
	hpi_snapshot_meta_set(s, "elapsed_ns", num);
	snprintf(num, sizeof(num), "%llu", (unsigned long long)hpi_tbuf_dropped());
	hpi_snapshot_meta_set(s, "dropped", num);
	hpi_snapshot_meta_set(s, "clock", hpi_clock_is_tsc() ? "tsc" : "monotonic");
}

/* Sets a section fact. */
void hpi_section_meta_set(hp_section *sec, const char *key, const char *value)
{
	if (sec != NULL)
		snap_kv_set(&sec->meta, key, value);
}

/* The row's log section, made on first call: id "<id>.log", title "Log". */
hp_section *hpi_row_log(hp_section *sec, size_t row)
{
	hpi_row *r;
	char *id;

	if (sec == NULL || row >= sec->nrows)
		return NULL;
	r = &sec->rows[row];
	if (r->log == NULL && (id = hpi_asprintf("%s.log", sec->id)) != NULL) {
		r->log = section_new(id, "Log");
		free(id);
	}
	return r->log;
}

/* Borrowed log of a row, or NULL. */
const hp_section *hpi_section_log(const hp_section *sec, size_t row)
{
	if (sec == NULL || row >= sec->nrows)
		return NULL;
	return sec->rows[row].log;
}

/* Column index of key, or -1. */
int hpi_section_col(const hp_section *sec, const char *key)
{
	size_t i;

	if (sec == NULL || key == NULL)
		return -1;
	for (i = 0; i < sec->ncols; i++)
		if (strcmp(sec->cols[i].key, key) == 0)
			return (int)i;
	return -1;
}

/* ---- public readers -------------------------------------------------- */

/* Number of sections. */
size_t hp_snapshot_count(const hp_snapshot *s)
{
	return s ? s->nsecs : 0;
}

/* Section i, borrowed, or NULL. */
const hp_section *hp_snapshot_section(const hp_snapshot *s, size_t i)
{
	return s && i < s->nsecs ? s->secs[i] : NULL;
}

/* First section whose id is id, or NULL. */
const hp_section *hp_snapshot_find(const hp_snapshot *s, const char *id)
{
	size_t i;

	if (s == NULL || id == NULL)
		return NULL;
	for (i = 0; i < s->nsecs; i++)
		if (strcmp(s->secs[i]->id, id) == 0)
			return s->secs[i];
	return NULL;
}

/* Report-wide fact, borrowed, or NULL. */
const char *hp_snapshot_meta(const hp_snapshot *s, const char *key)
{
	return s ? snap_kv_get(&s->meta, key) : NULL;
}

/* Section id, borrowed. */
const char *hp_section_id(const hp_section *sec)
{
	return sec ? sec->id : NULL;
}

/* Section title, borrowed. */
const char *hp_section_title(const hp_section *sec)
{
	return sec ? sec->title : NULL;
}

/* Number of columns. */
size_t hp_section_ncolumns(const hp_section *sec)
{
	return sec ? sec->ncols : 0;
}

/* Column key, borrowed, or NULL. */
const char *hp_section_column_key(const hp_section *sec, size_t col)
{
	return sec && col < sec->ncols ? sec->cols[col].key : NULL;
}

/* Column title, borrowed, or NULL. */
const char *hp_section_column_title(const hp_section *sec, size_t col)
{
	return sec && col < sec->ncols ? sec->cols[col].title : NULL;
}

/* Column unit; HP_UNIT_COUNT (0) when out of range. */
hp_unit hp_section_column_unit(const hp_section *sec, size_t col)
{
	return sec && col < sec->ncols ? sec->cols[col].unit : HP_UNIT_COUNT;
}

/* Number of rows. */
size_t hp_section_nrows(const hp_section *sec)
{
	return sec ? sec->nrows : 0;
}

/* Cell (row, col) when it holds a value, else NULL. */
static const hpi_cell *section_get(const hp_section *sec, size_t row, size_t col)
{
	const hpi_row *r;

	if (sec == NULL || row >= sec->nrows || col >= sec->ncols)
		return NULL;
	r = &sec->rows[row];
	if (col >= r->ncells || !r->cells[col].set)
		return NULL;
	return &r->cells[col];
}

/* 1 when the cell holds a value. */
int hp_section_has(const hp_section *sec, size_t row, size_t col)
{
	return section_get(sec, row, col) != NULL;
}

/* Integer value (a PERCENT/RATE cell is truncated); 0 when empty or TEXT. */
int64_t hp_section_int(const hp_section *sec, size_t row, size_t col)
{
	const hpi_cell *c = section_get(sec, row, col);

	if (c == NULL)
		return 0;
	if (hpi_unit_is_int(sec->cols[col].unit))
		return c->v.i;
	if (hpi_unit_is_real(sec->cols[col].unit))
		return snap_clamp(c->v.d);
	return 0;
}

/* Real value (a COUNT/NS/BYTES cell is converted); 0 when empty or TEXT. */
double hp_section_real(const hp_section *sec, size_t row, size_t col)
{
	const hpi_cell *c = section_get(sec, row, col);

	if (c == NULL)
		return 0;
	if (hpi_unit_is_real(sec->cols[col].unit))
		return c->v.d;
	if (hpi_unit_is_int(sec->cols[col].unit))
		return (double)c->v.i;
	return 0;
}

/* Text of a TEXT cell, borrowed; NULL when empty or not TEXT. */
const char *hp_section_text(const hp_section *sec, size_t row, size_t col)
{
	const hpi_cell *c = section_get(sec, row, col);

	if (c == NULL || sec->cols[col].unit != HP_UNIT_TEXT)
		return NULL;
	return c->v.s;
}

/* Section fact, borrowed, or NULL. */
const char *hp_section_meta(const hp_section *sec, const char *key)
{
	return sec ? snap_kv_get(&sec->meta, key) : NULL;
}
