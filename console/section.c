/* SPDX-License-Identifier: MIT */
/*
 * section.c - one section of the console's model, read from its JSON
 * object (docs/report-format.md) with jansson: the column metadata, each
 * cell's display text formatted once (the report table's units) and its
 * sort value, widths for the view, and the display order.
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
#include <wchar.h>

#include "console.h"
#include "model.h"

/* Unit by name; an unknown one is shown as text. */
hp_unit hpc_unit_parse(const char *name)
{
	static const char *const names[] = {"count", "ns", "bytes", "percent", "rate", "text"};

	for (size_t i = 0; name != NULL && i < sizeof(names) / sizeof(names[0]); i++)
		if (strcmp(name, names[i]) == 0)
			return (hp_unit)i;
	return HP_UNIT_TEXT;
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
	switch (u) {
	case HP_UNIT_NS:
		hpi_fmt_ns(buf, len, llround(d));
		break;
	case HP_UNIT_BYTES:
		hpi_fmt_bytes(buf, len, llround(d));
		break;
	case HP_UNIT_PERCENT:
		snprintf(buf, len, "%.2f%%", d);
		break;
	case HP_UNIT_RATE:
		snprintf(buf, len, "%.1f/s", d);
		break;
	default:
		if (is_int)
			snprintf(buf, len, "%lld", (long long)d);
		else
			snprintf(buf, len, "%g", d);
		break;
	}
	return buf;
}

/* The table's look of a value (render.c): 1.25µs, 1.50KiB, 12.50%, 3.0/s. */
const char *hpc_format(const json_t *v, hp_unit u, char *buf, size_t len)
{
	double d;

	if (v == NULL || json_is_null(v))
		return "-";
	if (json_is_string(v))
		return json_string_value(v);
	if (json_is_boolean(v))
		return json_is_true(v) ? "true" : "false";
	if (!json_is_number(v))
		return json_is_object(v) ? "{...}" : "[...]";
	d = json_is_integer(v) ? (double)json_integer_value(v) : json_number_value(v);
	return section_fmt_num(d, json_is_integer(v), u, buf, len);
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

/* Reads the "columns" array; false when it is not one of {key, ...}. */
static bool section_columns(hpc_section *s, const json_t *cols)
{
	size_t i;
	json_t *c;

	if (!json_is_array(cols) || json_array_size(cols) > HPC_MAX_COLUMNS)
		return false;
	s->ncols = json_array_size(cols);
	s->cols = xcalloc(s->ncols, sizeof(*s->cols));
	s->name_col = -1;
	json_array_foreach(cols, i, c) {
		const char *key = json_string_value(json_object_get(c, "key"));
		const char *title = json_string_value(json_object_get(c, "title"));

		if (key == NULL)
			return false;
		s->cols[i].key = xstrdup(key);
		s->cols[i].title = xstrdup(title ? title : key);
		s->cols[i].unit = hpc_unit_parse(json_string_value(json_object_get(c, "unit")));
		s->cols[i].width = hpc_text_width(s->cols[i].title);
		if (strcmp(key, "name") == 0)
			s->name_col = (int)i;
	}
	for (i = 0; s->name_col < 0 && i < s->ncols; i++)
		if (s->cols[i].unit == HP_UNIT_TEXT)
			s->name_col = (int)i;
	return true;
}

/* The shown columns: the keys of meta "table.columns" that exist, else all. */
static void section_show(hpc_section *s, const json_t *meta)
{
	const char *spec = json_string_value(json_object_get(meta, "table.columns")), *e;

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
static void section_estimated(hpc_section *s, const json_t *meta)
{
	const char *spec = json_string_value(json_object_get(meta, "estimated")), *e;
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

/* One row object into row r of the cells.  Numbers are kept as numbers
 * and formatted when shown (hpc_section_text): a frame formats the rows on
 * screen, not 10,000 of them. */
static void section_row(hpc_section *s, size_t r, const json_t *row)
{
	char buf[64];
	size_t c, w;

	for (c = 0; c < s->ncols; c++) {
		hpc_cell *cell = &s->cells[r * s->ncols + c];
		const json_t *v = json_is_object(row) ? json_object_get(row, s->cols[c].key)
						      : json_array_get(row, c);

		cell->set = v != NULL && !json_is_null(v);
		if (json_is_number(v)) {
			cell->num = json_number_value(v);
			cell->lazy = true;
			cell->is_int = json_is_integer(v);
			continue;
		}
		cell->num = -INFINITY;
		cell->text = section_intern(s, hpc_format(v, s->cols[c].unit, buf, sizeof(buf)));
		if ((w = hpc_text_width(s->pool.data + cell->text)) > s->cols[c].width)
			s->cols[c].width = w;
	}
}

/* Reads a section object; see model.h. */
hpc_section *hpc_section_parse(const json_t *j, const char **why)
{
	const json_t *rows = json_object_get(j, "rows"), *row, *tot;
	hpc_section *s;
	size_t i;

	if (!json_is_object(j) || !json_is_string(json_object_get(j, "id"))) {
		*why = "a section without an id";
		return NULL;
	}
	if (rows != NULL && !json_is_array(rows)) {
		*why = "rows is not an array";
		return NULL;
	}
	s = xcalloc(1, sizeof(*s));
	s->sort_col = -1;
	s->id = xstrdup(json_string_value(json_object_get(j, "id")));
	s->title = xstrdup(json_is_string(json_object_get(j, "title"))
			   ? json_string_value(json_object_get(j, "title")) : s->id);
	if (!section_columns(s, json_object_get(j, "columns"))) {
		*why = "columns is not an array of at most " HPC_STR(HPC_MAX_COLUMNS)
		       " {key, title, unit}";
		hpc_section_free(s);
		return NULL;
	}
	if (json_array_size(rows) > HPC_MAX_ROWS) {
		*why = "more than " HPC_STR(HPC_MAX_ROWS) " rows";
		hpc_section_free(s);
		return NULL;
	}
	section_show(s, json_object_get(j, "meta"));
	section_estimated(s, json_object_get(j, "meta"));
	s->hidden = json_object_get(json_object_get(j, "meta"), "console.hide") != NULL;
	s->nrows = json_array_size(rows);
	s->cells = xcalloc(s->nrows * s->ncols + 1, sizeof(*s->cells));
	s->order = xcalloc(s->nrows + 1, sizeof(*s->order));
	json_array_foreach(rows, i, row) {
		section_row(s, i, row);
		s->order[i] = i;
	}
	tot = json_object_get(j, "total_rows");
	s->total_rows = json_is_integer(tot) && json_integer_value(tot) >= 0
			? (size_t)json_integer_value(tot) : s->nrows;
	s->has_data = true;
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
	if (s == NULL || s->name_col < 0 || s->sel >= s->nrows)
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
	if (s->sel_name != NULL && s->name_col >= 0) {
		for (i = 0; i < s->nrows; i++) {
			if (strcmp(hpc_section_text(s, i, (size_t)s->name_col), s->sel_name) == 0) {
				s->sel = i;
				return;
			}
		}
	}
	if (s->sel >= s->nrows)
		s->sel = s->nrows ? s->nrows - 1 : 0;
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
	free(nw->sel_name);
	nw->sel_name = old->sel_name ? xstrdup(old->sel_name) : NULL;
	hpc_section_sort(nw);
}
