/* SPDX-License-Identifier: MIT */
/*
 * section.c - one section of the console's model: its rows loaded by the
 * same code as `hotpath report` loads a report's (report_load.c, from the
 * library's JSON reader, core/json.c) into the snapshot model, and what
 * the console adds, which is view state only: the unit each column is
 * shown in, widths, the shown columns, sort, selection and the display
 * order.
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
#include "report_load.h"

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

/* The cell of row (the program's order) and column c, or NULL when it
 * has no value. */
static const hpi_cell *section_cell(const hpc_section *s, size_t row, size_t c)
{
	const hpi_row *r;

	if (s->data == NULL || row >= s->data->nrows || c >= s->data->ncols)
		return NULL;
	r = &s->data->rows[row];
	return c < r->ncells && r->cells[c].set ? &r->cells[c] : NULL;
}

/* Whether column c holds text (as loaded: a column of unknown unit holds
 * numbers when its first value is one). */
static bool section_is_text(const hpc_section *s, size_t c)
{
	return s->data != NULL && c < s->data->ncols && s->data->cols[c].unit == HP_UNIT_TEXT;
}

bool hpc_section_has(const hpc_section *s, size_t row, size_t c)
{
	return section_cell(s, row, c) != NULL;
}

const char *hpc_section_str(const hpc_section *s, size_t row, size_t c)
{
	const hpi_cell *cell = section_cell(s, row, c);

	return cell != NULL && section_is_text(s, c) ? cell->v.s : NULL;
}

bool hpc_section_is_int(const hpc_section *s, size_t c)
{
	return s->data != NULL && c < s->data->ncols && hpi_unit_is_int(s->data->cols[c].unit);
}

int64_t hpc_section_int(const hpc_section *s, size_t row, size_t c)
{
	const hpi_cell *cell = section_cell(s, row, c);

	if (cell == NULL || section_is_text(s, c))
		return 0;
	return hpc_section_is_int(s, c) ? cell->v.i : (int64_t)llround(cell->v.d);
}

double hpc_section_num(const hpc_section *s, size_t row, size_t c)
{
	const hpi_cell *cell = section_cell(s, row, c);

	if (cell == NULL || section_is_text(s, c))
		return -INFINITY;
	return hpc_section_is_int(s, c) ? (double)cell->v.i : cell->v.d;
}

/* Reads the columns: titles, the unit as the console shows it (one this
 * version does not know reads as text, whatever the loader guessed for
 * the values), widths of the titles, and the column that names rows. */
static void section_columns(hpc_section *s, const hpi_jv *cols)
{
	const hpi_jv *c = hpi_json_first(cols);

	s->ncols = s->data->ncols;
	s->cols = xcalloc(s->ncols + 1, sizeof(*s->cols));
	s->name_col = -1;
	for (size_t i = 0; i < s->ncols; i++) {
		s->cols[i].key = xstrdup(s->data->cols[i].key);
		s->cols[i].title = xstrdup(s->data->cols[i].title);
		s->cols[i].unit = cols == NULL ? s->data->cols[i].unit
				  : hpc_unit_parse(hpi_json_str(hpi_json_get(c, "unit")));
		s->cols[i].width = hpc_text_width(s->cols[i].title);
		if (strcmp(s->cols[i].key, "name") == 0)
			s->name_col = (int)i;
		if (c != NULL)
			c = hpi_json_next(cols, c);
	}
	for (size_t i = 0; s->name_col < 0 && i < s->ncols; i++)
		if (s->cols[i].unit == HP_UNIT_TEXT)
			s->name_col = (int)i;
}

/* Text cells with control characters as spaces, and the widths of the
 * text cells and of "-" where a cell has no value.  Numbers are formatted
 * when shown (hpc_section_text): a frame formats the rows on screen, not
 * 10,000 of them. */
static void section_texts(hpc_section *s)
{
	size_t w;

	for (size_t c = 0; c < s->ncols; c++) {
		bool text = section_is_text(s, c), dash = false;

		for (size_t r = 0; r < s->nrows; r++) {
			const hpi_cell *cell = section_cell(s, r, c);

			if (cell == NULL) {
				dash = true;
				continue;
			}
			if (!text)
				continue;
			for (char *p = cell->v.s; *p != '\0'; p++)
				if ((unsigned char)*p < 0x20 || *p == 0x7f)
					*p = ' ';
			if ((w = hpc_text_width(cell->v.s)) > s->cols[c].width)
				s->cols[c].width = w;
		}
		if (dash && s->cols[c].width < 1)
			s->cols[c].width = 1;
	}
}

/* The shown columns: the keys of meta "table.columns" that exist, else all. */
static void section_show(hpc_section *s)
{
	const char *spec = hp_section_meta(s->data, "table.columns"), *e;

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
static void section_estimated(hpc_section *s)
{
	const char *spec = hp_section_meta(s->data, "estimated"), *e;
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
static void section_meta(hpc_section *s)
{
	const hpi_kvs *kv = &s->data->meta;

	if (kv->n == 0)
		return;
	s->meta = xcalloc(2 * kv->n, sizeof(*s->meta));
	for (size_t i = 0; i < kv->n; i++) {
		s->meta[2 * i] = xstrdup(kv->v[i].key);
		s->meta[2 * i + 1] = xstrdup(kv->v[i].value);
	}
	s->nmeta = kv->n;
}

/* The view of a loaded section (takes snap, which holds it alone). */
static hpc_section *section_wrap(hp_snapshot *snap, size_t total_rows, const hpi_jv *cols)
{
	hpc_section *s = xcalloc(1, sizeof(*s));

	s->snap = snap;
	s->data = snap->secs[0];
	s->id = xstrdup(s->data->id);
	s->title = xstrdup(s->data->title);
	s->sort_col = -1;
	s->nrows = s->data->nrows;
	s->total_rows = total_rows;
	section_columns(s, cols);
	section_texts(s);
	section_show(s);
	section_estimated(s);
	section_meta(s);
	s->hidden = hp_section_meta(s->data, "console.hide") != NULL;
	s->order = xcalloc(s->nrows + 1, sizeof(*s->order));
	for (size_t i = 0; i < s->nrows; i++)
		s->order[i] = i;
	s->has_data = true;
	return s;
}

/* Reads a section object with the report loader (report_load.c); see
 * model.h.  The loader's message, if any, is kept per thread. */
hpc_section *hpc_section_parse(const hpi_jv *j, const char **why)
{
	static __thread char msg[256];
	const hpi_jv *rows = hpi_json_get(j, "rows"), *cols = hpi_json_get(j, "columns");
	hp_snapshot *snap;
	size_t total;
	char *cause;
	int rv;

	if (!hpi_json_is(j, HPI_JSON_OBJECT) || !hpi_json_is(hpi_json_get(j, "id"), HPI_JSON_STRING)) {
		*why = "a section without an id";
		return NULL;
	}
	if (rows != NULL && !hpi_json_is(rows, HPI_JSON_ARRAY)) {
		*why = "rows is not an array";
		return NULL;
	}
	if (!hpi_json_is(cols, HPI_JSON_ARRAY) || hpi_json_size(cols) > HPC_MAX_COLUMNS) {
		*why = "columns is not an array of at most " HPC_STR(HPC_MAX_COLUMNS)
		       " {key, title, unit}";
		return NULL;
	}
	if (hpi_json_size(rows) > HPC_MAX_ROWS) {
		*why = "more than " HPC_STR(HPC_MAX_ROWS) " rows";
		return NULL;
	}
	if ((rv = hpc_report_section(j, &snap, &total, &cause)) != 0) {
		snprintf(msg, sizeof(msg), "%s", cause ? cause : hp_strerror(rv));
		free(cause);
		*why = msg;
		return NULL;
	}
	return section_wrap(snap, total, cols);
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
	free(s->order);
	hpi_snapshot_free(s->snap);
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
	const hpi_cell *cell;
	size_t row;
	bool is_int;
	double d;
	char *buf;

	if (pos >= s->nrows || c >= s->ncols)
		return "";
	row = s->order[pos];
	if ((cell = section_cell(s, row, c)) == NULL)
		return "-";
	if (section_is_text(s, c))
		return cell->v.s;
	is_int = hpc_section_is_int(s, c);
	d = is_int ? (double)cell->v.i : cell->v.d;
	buf = ring[next++ % 16];
	if (s->cols[c].estimated && s->sampled_col >= 0 &&
	    section_cell(s, row, (size_t)s->sampled_col) != NULL) {
		buf[0] = '~'; /* an estimate of a sampled row */
		section_fmt_num(d, is_int, s->cols[c].unit, buf + 1, sizeof(ring[0]) - 1);
		return buf;
	}
	return section_fmt_num(d, is_int, s->cols[c].unit, buf, sizeof(ring[0]));
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

/* A row's sort key: its value in the sort column, read once per sort. */
typedef struct section_key {
	size_t row;
	const char *text; /* a text column's value */
	double num;       /* a number column's */
	bool set;
} section_key;

/* qsort's context: the direction (sorting is single-threaded). */
static bool section_sorting_desc;

/* Display order: the sort column, ties (and the program's order) by index. */
static int section_cmp(const void *a, const void *b)
{
	const section_key *ka = a, *kb = b;
	int r = 0;

	if (ka->set != kb->set)
		return ka->set ? -1 : 1; /* rows without a value last either way */
	if (!ka->set)
		r = 0;
	else if (ka->text != NULL && kb->text != NULL)
		r = strcmp(ka->text, kb->text);
	else
		r = ka->num < kb->num ? -1 : ka->num > kb->num;
	if (section_sorting_desc)
		r = -r;
	return r != 0 ? r : ka->row < kb->row ? -1 : ka->row > kb->row;
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
		const char *text = hpc_section_str(s, i, c);

		if ((s->name_col >= 0 ? (int)c == s->name_col : s->cols[c].unit == HP_UNIT_TEXT) &&
		    text != NULL && section_holds(text, s->filter))
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
		size_t c = (size_t)s->sort_col;
		section_key *k = xcalloc(s->nrows, sizeof(*k));

		for (i = 0; i < s->nrows; i++) {
			const hpi_cell *cell = section_cell(s, i, c);

			k[i].row = i;
			k[i].set = cell != NULL;
			k[i].text = hpc_section_str(s, i, c);
			k[i].num = hpc_section_num(s, i, c);
		}
		section_sorting_desc = s->sort_desc;
		qsort(k, s->nrows, sizeof(*k), section_cmp);
		for (i = 0; i < s->nrows; i++)
			s->order[i] = k[i].row;
		free(k);
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
