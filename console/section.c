/* SPDX-License-Identifier: MIT */
/*
 * section.c - one section of the console's model, read from its JSON
 * object (docs/report-format.md), as the library's JSON reader (core/json.c)
 * gives it: the column metadata, each cell's display text formatted once
 * (the report table's units) and its sort value, widths for the view, and
 * the display order.
 *
 * Nothing here knows any plugin: a third-party section is read the same
 * way as the built-in ones.
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <fnmatch.h>
#include <inttypes.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <wchar.h>

#include "console.h"
#include "model.h"

/* Unit by name; an unknown one is shown as text. */
hp_unit hpc_unit_parse(const char *name)
{
	int u = hpi_unit_parse(name);

	return u < 0 ? HP_UNIT_TEXT : (hp_unit)u;
}

/* Screen columns of s: wide characters count 2, combining ones 0. */
size_t hpc_text_width(const char *s)
{
	mbstate_t st;
	size_t n = 0, len, k;
	wchar_t wc;
	int w;

	while (*s != '\0' && (unsigned char)*s < 0x80) { /* ASCII: one column each */
		s++;
		n++;
	}
	len = strlen(s);
	memset(&st, 0, sizeof(st));
	while (len > 0) {
		k = mbrtowc(&wc, s, len, &st);
		if (k == (size_t)-1 || k == (size_t)-2 || k == 0) {
			memset(&st, 0, sizeof(st));
			n++;
			s++;
			len--;
			continue;
		}
		w = wcwidth(wc);
		n += w < 0 ? 1 : (size_t)w;
		s += k;
		len -= k;
	}
	return n;
}

/* The table's look of a number of unit u (is_int: it came as a JSON
 * integer) into buf (>= 64 bytes). */
static const char *section_fmt_num(double d, bool is_int, hp_unit u, char *buf, size_t len)
{
	/* past what an int64 holds (INT64_MAX ns is 292 years): say so, never
	 * a wrapped negative number */
	if ((u == HP_UNIT_NS || u == HP_UNIT_BYTES || (u == HP_UNIT_COUNT && is_int)) &&
	    !(d > -9.2e18 && d < 9.2e18)) {
		snprintf(buf, len, "%s", isnan(d) ? "-" : d < 0 ? "-overflow" : "overflow");
		return buf;
	}
	/* the library's formatter (unit.c): the console shows what the
	 * report shows */
	is_int = is_int && !hpi_unit_is_real(u) && d > -9.2e18 && d < 9.2e18;
	return hpi_unit_format(buf, len, u, is_int, is_int ? (int64_t)d : 0, d);
}

/* The table's look of a value (render.c): 1.25µs, 1.50KiB, 12.50%, 3.0/s. */
const char *hpc_format(const hpi_jv *v, hp_unit u, char *buf, size_t len)
{
	switch (hpi_json_typeof(v)) {
	case HPI_JSON_NULL:
		return "-";
	case HPI_JSON_STRING:
		return v->v.s;
	case HPI_JSON_TRUE:
		return "true";
	case HPI_JSON_FALSE:
		return "false";
	case HPI_JSON_OBJECT:
		return "{...}";
	case HPI_JSON_ARRAY:
		return "[...]";
	case HPI_JSON_INT:
		return section_fmt_num((double)v->v.i, true, u, buf, len);
	default:
		return section_fmt_num(v->v.d, false, u, buf, len);
	}
}

/* Appends text to the pool with control characters as spaces; returns
 * its offset. */
static uint32_t section_intern(hpc_section *s, const char *text)
{
	size_t off = s->pool.len;

	for (const char *p = text; *p != '\0'; p++)
		hpi_buf_putc(&s->pool, (unsigned char)*p < 0x20 || *p == 0x7f ? ' ' : *p);
	hpi_buf_putn(&s->pool, "", 1); /* the NUL is part of the pool */
	if (s->pool.failed)
		fatal("out of memory");
	return (uint32_t)off;
}

/* FNV-1a of a column key, for the key index. */
static size_t section_hash(const char *key)
{
	uint32_t h = 2166136261u;

	for (; *key; key++)
		h = (h ^ (unsigned char)*key) * 16777619u;
	return h;
}

/* Reads the "columns" array; false when it is not one of {key, ...}. */
static bool section_columns(hpc_section *s, const hpi_jv *cols)
{
	size_t i = 0;

	if (!hpi_json_is(cols, HPI_JSON_ARRAY) || hpi_json_size(cols) > HPC_MAX_COLUMNS)
		return false;
	s->ncols = hpi_json_size(cols);
	s->cols = xcalloc(s->ncols, sizeof(*s->cols));
	s->name_col = -1;
	HPI_JSON_FOREACH(cols, c) {
		const char *key = hpi_json_str(hpi_json_get(c, "key"));
		const char *title = hpi_json_str(hpi_json_get(c, "title"));

		if (key == NULL)
			return false;
		s->cols[i].key = xstrdup(key);
		s->cols[i].title = xstrdup(title ? title : key);
		s->cols[i].unit = hpc_unit_parse(hpi_json_str(hpi_json_get(c, "unit")));
		s->cols[i].width = hpc_text_width(s->cols[i].title);
		if (strcmp(key, "name") == 0)
			s->name_col = (int)i;
		i++;
	}
	for (i = 0; s->name_col < 0 && i < s->ncols; i++)
		if (s->cols[i].unit == HP_UNIT_TEXT)
			s->name_col = (int)i;
	return true;
}

/* The index of column keys: slot i + 1 for column i (a key twice: the
 * first), HPC_KEY_SLOTS slots, more than twice HPC_MAX_COLUMNS. */
#define HPC_KEY_SLOTS 1024
static void section_key_index(const hpc_section *s, uint16_t *slot)
{
	memset(slot, 0, HPC_KEY_SLOTS * sizeof(*slot));
	for (size_t c = 0; c < s->ncols; c++) {
		size_t h = section_hash(s->cols[c].key) & (HPC_KEY_SLOTS - 1);

		while (slot[h] != 0 && strcmp(s->cols[slot[h] - 1].key, s->cols[c].key) != 0)
			h = (h + 1) & (HPC_KEY_SLOTS - 1);
		if (slot[h] == 0)
			slot[h] = (uint16_t)(c + 1);
	}
}

/* The column of key (k: the member's position, the usual column), or -1. */
static int section_key_col(const hpc_section *s, const uint16_t *slot, const char *key, size_t k)
{
	size_t h;

	if (k < s->ncols && strcmp(s->cols[k].key, key) == 0)
		return (int)k;
	for (h = section_hash(key) & (HPC_KEY_SLOTS - 1); slot[h] != 0; h = (h + 1) & (HPC_KEY_SLOTS - 1))
		if (strcmp(s->cols[slot[h] - 1].key, key) == 0)
			return slot[h] - 1;
	return -1;
}

/* The shown columns: the keys of meta "table.columns" that exist, else all. */
static void section_show(hpc_section *s, const hpi_jv *meta)
{
	const char *spec = hpi_json_str(hpi_json_get(meta, "table.columns")), *e;

	s->show = xcalloc(s->ncols + 1, sizeof(*s->show));
	for (; spec != NULL && *spec != '\0'; spec = *e ? e + 1 : e) {
		e = spec + strcspn(spec, ",");
		for (size_t c = 0; c < s->ncols && s->nshow < s->ncols; c++) {
			if (strlen(s->cols[c].key) == (size_t)(e - spec) &&
			    strncmp(s->cols[c].key, spec, (size_t)(e - spec)) == 0) {
				s->show[s->nshow++] = c;
				break;
			}
		}
	}
	if (s->nshow == 0)
		for (size_t c = 0; c < s->ncols; c++)
			s->show[s->nshow++] = c;
}

/* Meta "estimated" (globs of column keys): which cells of a row with a
 * "sampled" cell are estimates. */
static void section_estimated(hpc_section *s, const hpi_jv *meta)
{
	const char *spec = hpi_json_str(hpi_json_get(meta, "estimated")), *e;
	char pat[64];

	s->sampled_col = -1;
	if (spec == NULL)
		return;
	for (size_t c = 0; c < s->ncols; c++)
		if (strcmp(s->cols[c].key, "sampled") == 0)
			s->sampled_col = (int)c;
	for (; *spec != '\0'; spec = *e ? e + 1 : e) {
		e = spec + strcspn(spec, ",");
		if ((size_t)(e - spec) >= sizeof(pat))
			continue;
		memcpy(pat, spec, (size_t)(e - spec));
		pat[e - spec] = '\0';
		for (size_t c = 0; c < s->ncols; c++)
			if (fnmatch(pat, s->cols[c].key, 0) == 0)
				s->cols[c].estimated = true;
	}
}

/* The facts with a text value, kept for a saved snapshot (w). */
static void section_meta(hpc_section *s, const hpi_jv *meta)
{
	if (!hpi_json_is(meta, HPI_JSON_OBJECT))
		return;
	HPI_JSON_FOREACH(meta, v) {
		if (v->type != HPI_JSON_STRING)
			continue;
		s->meta = xreallocarray(s->meta, 2 * s->nmeta + 2, sizeof(*s->meta));
		s->meta[2 * s->nmeta] = xstrdup(v->key);
		s->meta[2 * s->nmeta + 1] = xstrdup(hpi_json_str(v));
		s->nmeta++;
	}
}

/* One value into cell c of row r. */
static void section_cell(hpc_section *s, size_t r, size_t c, const hpi_jv *v)
{
	hpc_cell *cell = &s->cells[r * s->ncols + c];
	char buf[64];
	size_t w;

	if (v->type == HPI_JSON_NULL)
		return; /* unset, "-" */
	cell->set = true;
	if (v->type == HPI_JSON_INT || v->type == HPI_JSON_REAL) {
		cell->num = hpi_json_num(v);
		cell->lazy = true;
		cell->is_int = v->type == HPI_JSON_INT;
		return;
	}
	cell->lazy = false;
	cell->num = -INFINITY;
	cell->text = section_intern(s, hpc_format(v, s->cols[c].unit, buf, sizeof(buf)));
	if ((w = hpc_text_width(s->pool.data + cell->text)) > s->cols[c].width)
		s->cols[c].width = w;
}

/* One row (an object by key, or an array by position) into row r of the
 * cells; cells it leaves out read "-".  Numbers are kept as numbers and
 * formatted when shown (hpc_section_text): a frame formats the rows on
 * screen, not 10,000 of them. */
static void section_row(hpc_section *s, size_t r, const hpi_jv *row, const uint16_t *slot)
{
	size_t k = 0;
	int c;

	for (size_t i = 0; i < s->ncols; i++) {
		s->cells[r * s->ncols + i].num = -INFINITY;
		s->cells[r * s->ncols + i].text = s->dash;
	}
	if (row->type == HPI_JSON_ARRAY) {
		HPI_JSON_FOREACH(row, v) {
			if (k >= s->ncols)
				break;
			section_cell(s, r, k++, v);
		}
		return;
	}
	if (row->type != HPI_JSON_OBJECT)
		return;
	HPI_JSON_FOREACH(row, v) { /* a key twice: the last one, as jansson did */
		if ((c = section_key_col(s, slot, v->key, k++)) >= 0)
			section_cell(s, r, (size_t)c, v);
	}
}

/* Reads a section object; see model.h. */
hpc_section *hpc_section_parse(const hpi_jv *j, const char **why)
{
	const hpi_jv *rows = hpi_json_get(j, "rows"), *tot, *meta = hpi_json_get(j, "meta");
	uint16_t slot[HPC_KEY_SLOTS];
	hpc_section *s;
	size_t i = 0;

	if (!hpi_json_is(j, HPI_JSON_OBJECT) || !hpi_json_is(hpi_json_get(j, "id"), HPI_JSON_STRING)) {
		*why = "a section without an id";
		return NULL;
	}
	if (rows != NULL && !hpi_json_is(rows, HPI_JSON_ARRAY)) {
		*why = "rows is not an array";
		return NULL;
	}
	s = xcalloc(1, sizeof(*s));
	s->sort_col = -1;
	s->id = xstrdup(hpi_json_str(hpi_json_get(j, "id")));
	s->title = xstrdup(hpi_json_str(hpi_json_get(j, "title")) ?: s->id);
	if (!section_columns(s, hpi_json_get(j, "columns"))) {
		*why = "columns is not an array of at most " HPC_STR(HPC_MAX_COLUMNS)
		       " {key, title, unit}";
		hpc_section_free(s);
		return NULL;
	}
	if (hpi_json_size(rows) > HPC_MAX_ROWS) {
		*why = "more than " HPC_STR(HPC_MAX_ROWS) " rows";
		hpc_section_free(s);
		return NULL;
	}
	section_show(s, meta);
	section_estimated(s, meta);
	section_meta(s, meta);
	s->hidden = hpi_json_get(meta, "console.hide") != NULL;
	s->nrows = hpi_json_size(rows);
	s->cells = xcalloc(s->nrows * s->ncols + 1, sizeof(*s->cells));
	s->order = xcalloc(s->nrows + 1, sizeof(*s->order));
	s->dash = section_intern(s, "-");
	section_key_index(s, slot);
	HPI_JSON_FOREACH(rows, row) {
		section_row(s, i, row, slot);
		s->order[i] = i;
		i++;
	}
	tot = hpi_json_get(j, "total_rows");
	s->total_rows = hpi_json_is(tot, HPI_JSON_INT) && tot->v.i >= 0 ? (size_t)tot->v.i : s->nrows;
	s->has_data = true;
	return s;
}

/* Reads a section from its JSON text; see model.h. */
hpc_section *hpc_section_parse_text(const char *json, size_t len, const char **why)
{
	hpi_json *doc = hpi_json_parse(json, len, HPI_JSON_TOP_CONTAINER, 0, NULL);
	hpc_section *s;

	if (doc == NULL) {
		*why = "not JSON";
		return NULL;
	}
	s = hpc_section_parse(hpi_json_root(doc), why);
	hpi_json_free(doc);
	return s;
}

/* Frees s; NULL is a no-op. */
void hpc_section_free(hpc_section *s)
{
	if (s == NULL)
		return;
	for (size_t i = 0; i < s->ncols; i++) {
		free(s->cols[i].key);
		free(s->cols[i].title);
	}
	free(s->cols);
	free(s->show);
	free(s->cells);
	free(s->order);
	hpi_buf_fini(&s->pool);
	free(s->sel_name);
	free(s->id);
	free(s->title);
	free(s->filter);
	for (size_t i = 0; i < 2 * s->nmeta; i++)
		free(s->meta[i]);
	free(s->meta);
	free(s);
}

/* A cell's display text: kept text, or the number formatted now. */
const char *hpc_section_text(const hpc_section *s, size_t pos, size_t c)
{
	static __thread char ring[16][64];
	static __thread unsigned next;
	const hpc_cell *cell;
	char *buf;

	if (pos >= s->nrows || c >= s->ncols)
		return "";
	cell = &s->cells[s->order[pos] * s->ncols + c];
	if (!cell->lazy)
		return s->pool.data + cell->text;
	buf = ring[next++ % 16];
	if (s->cols[c].estimated && s->sampled_col >= 0 &&
	    s->cells[s->order[pos] * s->ncols + (size_t)s->sampled_col].set) {
		buf[0] = '~'; /* an estimate of a sampled row */
		section_fmt_num(cell->num, cell->is_int, s->cols[c].unit, buf + 1,
				sizeof(ring[0]) - 1);
		return buf;
	}
	return section_fmt_num(cell->num, cell->is_int, s->cols[c].unit, buf, sizeof(ring[0]));
}

/* Widens columns to the texts of rows on screen (widths only grow). */
void hpc_section_widen(hpc_section *s, size_t from, size_t n)
{
	size_t w;

	for (size_t r = from; r < s->nrows && r < from + n; r++)
		for (size_t c = 0; c < s->ncols; c++)
			if ((w = hpc_text_width(hpc_section_text(s, r, c))) > s->cols[c].width)
				s->cols[c].width = w;
}

/* The name of the selected row, or NULL. */
const char *hpc_section_sel_name(const hpc_section *s)
{
	if (s == NULL || s->name_col < 0 || s->sel >= hpc_section_rows(s))
		return NULL;
	return hpc_section_text(s, s->sel, (size_t)s->name_col);
}

/* qsort's context: the section being sorted (sorting is single-threaded). */
static const hpc_section *section_sorting;

/* Display order: the sort column, ties (and the program's order) by index. */
static int section_cmp(const void *a, const void *b)
{
	const hpc_section *s = section_sorting;
	size_t ia = *(const size_t *)a, ib = *(const size_t *)b;
	const hpc_cell *ca = &s->cells[ia * s->ncols + (size_t)s->sort_col];
	const hpc_cell *cb = &s->cells[ib * s->ncols + (size_t)s->sort_col];
	int r = 0;

	if (ca->set != cb->set)
		return ca->set ? -1 : 1; /* rows without a value last either way */
	if (ca->lazy != cb->lazy)
		r = ca->lazy ? -1 : 1; /* numbers before text */
	else if (!ca->lazy)
		r = strcmp(s->pool.data + ca->text, s->pool.data + cb->text);
	else
		r = ca->num < cb->num ? -1 : ca->num > cb->num;
	if (s->sort_desc)
		r = -r;
	return r != 0 ? r : ia < ib ? -1 : ia > ib;
}

/* True when hay holds needle, ASCII letters in any case. */
static bool section_holds(const char *hay, const char *needle)
{
	size_t n = strlen(needle);

	for (; *hay != '\0'; hay++)
		if (strncasecmp(hay, needle, n) == 0)
			return true;
	return n == 0;
}

/* Whether the row at index i passes the filter: its name column (else any
 * text column) holds the filter text. */
static bool section_passes(const hpc_section *s, size_t i)
{
	for (size_t c = 0; c < s->ncols; c++) {
		const hpc_cell *cell = &s->cells[i * s->ncols + c];

		if ((s->name_col >= 0 ? (int)c == s->name_col : s->cols[c].unit == HP_UNIT_TEXT) &&
		    cell->set && !cell->lazy && section_holds(s->pool.data + cell->text, s->filter))
			return true;
	}
	return false;
}

/* With a filter: the rows that pass it first, in order (nvis of them),
 * then the others. */
static void section_filter_order(hpc_section *s)
{
	size_t i, n = 0, k;
	size_t *rest;

	s->nvis = s->nrows;
	if (s->filter == NULL)
		return;
	rest = xcalloc(s->nrows + 1, sizeof(*rest));
	for (i = 0, k = 0; i < s->nrows; i++) {
		if (section_passes(s, s->order[i]))
			s->order[n++] = s->order[i];
		else
			rest[k++] = s->order[i];
	}
	memcpy(s->order + n, rest, k * sizeof(*rest));
	free(rest);
	s->nvis = n;
}

/* Sorts and finds the selected row again by its name. */
void hpc_section_sort(hpc_section *s)
{
	size_t i;

	for (i = 0; i < s->nrows; i++)
		s->order[i] = i;
	if (s->sort_col >= 0 && (size_t)s->sort_col < s->ncols && s->nrows > 1) {
		section_sorting = s;
		qsort(s->order, s->nrows, sizeof(*s->order), section_cmp);
		section_sorting = NULL;
	}
	section_filter_order(s);
	if (s->sel_name != NULL && s->name_col >= 0) {
		for (i = 0; i < hpc_section_rows(s); i++) {
			if (strcmp(hpc_section_text(s, i, (size_t)s->name_col), s->sel_name) == 0) {
				s->sel = i;
				return;
			}
		}
	}
	if (s->sel >= hpc_section_rows(s))
		s->sel = hpc_section_rows(s) ? hpc_section_rows(s) - 1 : 0;
}

/* Sets the filter (/) and orders the rows again. */
void hpc_section_filter(hpc_section *s, const char *text)
{
	free(s->filter);
	s->filter = text != NULL && *text != '\0' ? xstrdup(text) : NULL;
	hpc_section_sort(s);
}

/* Sort, selection and scroll of old, applied to its new rows. */
void hpc_section_carry(hpc_section *nw, const hpc_section *old)
{
	if (old == NULL)
		return;
	if (old->sort_col >= 0 && (size_t)old->sort_col < old->ncols) {
		for (size_t c = 0; c < nw->ncols; c++)
			if (strcmp(nw->cols[c].key, old->cols[old->sort_col].key) == 0)
				nw->sort_col = (int)c;
	}
	nw->sort_desc = old->sort_desc;
	for (size_t c = 0; c < nw->ncols; c++) /* widths only grow: no jitter */
		for (size_t k = 0; k < old->ncols; k++)
			if (strcmp(nw->cols[c].key, old->cols[k].key) == 0 &&
			    old->cols[k].width > nw->cols[c].width)
				nw->cols[c].width = old->cols[k].width;
	nw->sel = old->sel;
	nw->top = old->top;
	nw->hscroll = old->hscroll;
	free(nw->filter);
	nw->filter = old->filter ? xstrdup(old->filter) : NULL;
	free(nw->sel_name);
	nw->sel_name = old->sel_name ? xstrdup(old->sel_name) : NULL;
	hpc_section_sort(nw);
}
