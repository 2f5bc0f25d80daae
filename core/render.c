/* SPDX-License-Identifier: MIT */
/*
 * render.c - the built-in report formats: the box table of the Rust
 * hotpath and the JSON report.  Both read only the snapshot model, so a
 * third-party plugin's section shows up with no change here.  The formats
 * are specified in docs/report-format.md; tests pin them byte for byte.
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <errno.h>
#include <fnmatch.h>
#include <inttypes.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "hpi.h"

#define RENDER_CELL_MAX 64   /* a formatted number always fits */
#define JSON_MAX_DEPTH 32    /* nesting of row logs stops well before */

static const char *const render_reserved[] = {
	"type", "version", "generator", "percentiles", "sections",
};

/* ---- table ------------------------------------------------------------ */

/* Whether a cell is an estimate: its row has a "sampled" cell and its
 * column's key matches one glob of the section's meta "estimated"
 * (docs/sampling.md). */
static bool table_estimated(const hp_section *sec, size_t row, size_t col)
{
	const char *spec = hp_section_meta(sec, "estimated"), *p, *end;
	const char *key = hp_section_column_key(sec, col);
	int sc;
	char pat[64];

	if (spec == NULL || key == NULL || (sc = hpi_section_col(sec, "sampled")) < 0 ||
	    !hp_section_has(sec, row, (size_t)sc))
		return false;
	for (p = spec; *p != '\0'; p = *end ? end + 1 : end) {
		end = p + strcspn(p, ",");
		if ((size_t)(end - p) < sizeof(pat)) {
			memcpy(pat, p, (size_t)(end - p));
			pat[end - p] = '\0';
			if (fnmatch(pat, key, 0) == 0)
				return true;
		}
	}
	return false;
}

static const char *table_cell_plain(const hp_section *sec, size_t row, size_t col,
				    char *tmp, size_t len);

/* Text of a cell as the table shows it; "-" when empty, "~" before an
 * estimate.  Returns tmp or a string borrowed from the section. */
static const char *table_cell(const hp_section *sec, size_t row, size_t col,
			      char *tmp, size_t len)
{
	const char *s = table_cell_plain(sec, row, col, tmp, len);

	if (s == tmp && len > 1 && table_estimated(sec, row, col)) {
		memmove(tmp + 1, tmp, strnlen(tmp, len - 2) + 1);
		tmp[len - 1] = '\0';
		tmp[0] = '~';
	}
	return s;
}

/* table_cell without the estimate's mark. */
static const char *table_cell_plain(const hp_section *sec, size_t row, size_t col,
				    char *tmp, size_t len)
{
	hp_unit u = hp_section_column_unit(sec, col);

	if (!hp_section_has(sec, row, col))
		return "-";
	if (u == HP_UNIT_TEXT)
		return hp_section_text(sec, row, col);
	if (hpi_unit_is_real(u))
		return hpi_unit_format(tmp, len, u, false, 0, hp_section_real(sec, row, col));
	return hpi_unit_format(tmp, len, u, true, hp_section_int(sec, row, col), 0);
}

/* A cell's text as the table shows it (the HTML report uses it too). */
const char *hpi_render_cell(const hp_section *sec, size_t row, size_t col, char *tmp,
			    size_t len)
{
	return table_cell(sec, row, col, tmp, len);
}

/* Columns to show: section meta "table.columns" (unknown keys skipped),
 * else all.  Returns how many, indexes in a new *cols (caller frees). */
static size_t table_columns(const hp_section *sec, size_t **cols)
{
	const char *spec = hp_section_meta(sec, "table.columns");
	size_t n = 0, max = hp_section_ncolumns(sec), len;
	const char *p, *end;
	char key[256];
	int c;

	for (p = spec; p != NULL && (p = strchr(p, ',')) != NULL; p++)
		max++;
	if ((*cols = calloc(max + 1, sizeof(**cols))) == NULL)
		return 0;
	for (p = spec; p != NULL && *p != '\0'; p = *end ? end + 1 : end) {
		end = p + strcspn(p, ",");
		while (p < end && *p == ' ')
			p++;
		for (len = (size_t)(end - p); len > 0 && p[len - 1] == ' '; len--)
			;
		if (len >= sizeof(key))
			continue;
		memcpy(key, p, len);
		key[len] = '\0';
		if ((c = hpi_section_col(sec, key)) >= 0)
			(*cols)[n++] = (size_t)c;
	}
	if (n == 0)
		for (; n < hp_section_ncolumns(sec); n++)
			(*cols)[n] = n;
	return n;
}

/* Rows a section shows: the report's limit, or the section's own smaller
 * one (meta "report.limit", e.g. the threads table's top 5; meta
 * "report.limit.key" names the setting that changes it). */
static size_t render_limit(const hp_section *sec, size_t limit)
{
	const char *own = hp_section_meta(sec, "report.limit");
	char *end;
	unsigned long n;

	if (own == NULL)
		return limit;
	n = strtoul(own, &end, 10);
	if (end == own || *end != '\0' || n == 0)
		return limit;
	return limit == 0 || n < limit ? (size_t)n : limit;
}

/* Rows of sec a report shows (the Lua report table uses it too). */
size_t hpi_render_limit(const hp_section *sec, size_t limit)
{
	return render_limit(sec, limit);
}

/* The shown columns of a section, for hpi_box. */
typedef struct table_box {
	const hp_section *sec;
	const size_t *cols;
} table_box;

/* hpi_box's cell: row 0 the titles, then the section's rows. */
static const char *table_box_cell(const void *arg, size_t row, size_t col, char *tmp,
				  size_t len)
{
	const table_box *t = arg;

	if (row == 0)
		return hp_section_column_title(t->sec, t->cols[col]);
	return table_cell(t->sec, row - 1, t->cols[col], tmp, len);
}

/* The box of one section, then the "(shown of total rows...)" note when
 * rows were left out. */
static void table_section(hpi_buf *out, const hp_section *sec, size_t limit)
{
	size_t *cols, n, total = hp_section_nrows(sec);
	size_t shown = limit != 0 && limit < total ? limit : total;
	table_box t = {.sec = sec};

	if ((n = table_columns(sec, &cols)) == 0) {
		free(cols);
		return;
	}
	t.cols = cols;
	hpi_box(out, shown + 1, n, table_box_cell, &t);
	if (shown < total && hp_section_meta(sec, "report.limit.key") != NULL)
		hpi_buf_printf(out, "(%zu of %zu rows; %s: 0 shows all)\n", shown, total,
			       hp_section_meta(sec, "report.limit.key"));
	else if (shown < total)
		hpi_buf_printf(out, "(%zu of %zu rows; report.limit: 0 shows all)\n",
			       shown, total);
	free(cols);
}

/* Summary line, every section's table, and the drop warning. */
void hpi_render_table(hpi_buf *out, const hp_snapshot *s, const hpi_render_opts *o)
{
	const char *caller = hp_snapshot_meta(s, "caller");
	const char *elapsed = hp_snapshot_meta(s, "elapsed_ns");
	const char *dropped = hp_snapshot_meta(s, "dropped");
	const hp_section *sec;
	char t[RENDER_CELL_MAX];
	size_t i;

	if (out == NULL)
		return;
	if (caller == NULL && (caller = hp_snapshot_meta(s, "program")) == NULL)
		caller = "unknown";
	hpi_fmt_ns(t, sizeof(t), elapsed ? strtoll(elapsed, NULL, 10) : 0);
	hpi_buf_puts(out, "[hotpath] Performance summary from ");
	hpi_buf_term(out, caller, strlen(caller), 0);
	hpi_buf_printf(out, " (Total time: %s):\n", t);
	for (i = 0; i < hp_snapshot_count(s); i++) {
		sec = hp_snapshot_section(s, i);
		/* meta "table.hide": a section for JSON readers (the stacks) */
		if (hp_section_meta(sec, "table.hide") != NULL)
			continue;
		if (i > 0) {
			hpi_buf_putc(out, '\n');
			hpi_buf_term(out, hp_section_title(sec), strlen(hp_section_title(sec)), 0);
			hpi_buf_puts(out, ":\n");
		}
		table_section(out, sec, render_limit(sec, o ? o->limit : 0));
	}
	if (dropped != NULL && strcmp(dropped, "0") != 0)
		hpi_buf_printf(out, "[hotpath] %s events dropped: per-thread buffers "
			       "were full; counts above are low by that much\n",
			       dropped);
}

/* ---- JSON ------------------------------------------------------------- */

typedef struct json_w {
	hpi_buf *out;
	bool pretty;
	bool no_logs; /* hpi_render_opts.no_logs */
	int depth;
	bool nonempty[JSON_MAX_DEPTH + 1]; /* the container at depth has items */
} json_w;

/* Separator before an item of the current container: comma, newline,
 * indentation. */
static void json_sep(json_w *w)
{
	int i;

	if (w->nonempty[w->depth])
		hpi_buf_putc(w->out, ',');
	w->nonempty[w->depth] = true;
	if (!w->pretty)
		return;
	hpi_buf_putc(w->out, '\n');
	for (i = 0; i < w->depth; i++)
		hpi_buf_puts(w->out, "  ");
}

/* Opens an object or array ('{' or '['). */
static void json_open(json_w *w, char c)
{
	hpi_buf_putc(w->out, c);
	if (w->depth < JSON_MAX_DEPTH)
		w->nonempty[++w->depth] = false;
}

/* Closes the current container; empty ones stay on one line. */
static void json_close(json_w *w, char c)
{
	int i;

	if (w->pretty && w->nonempty[w->depth]) {
		hpi_buf_putc(w->out, '\n');
		for (i = 1; i < w->depth; i++)
			hpi_buf_puts(w->out, "  ");
	}
	if (w->depth > 0)
		w->depth--;
	hpi_buf_putc(w->out, c);
}

/* "key": in the current object. */
static void json_key(json_w *w, const char *key)
{
	json_sep(w);
	hpi_buf_json_str(w->out, key);
	hpi_buf_puts(w->out, w->pretty ? ": " : ":");
}

/* A double with up to 4 decimals, trailing zeros stripped; false when not
 * finite. */
bool hpi_render_real(char *buf, size_t len, double d)
{
	size_t n;
	double s;

	if (!isfinite(d) || len < 400) /* %.4f of DBL_MAX is 316 bytes */
		return false;
	/* The common case without printf (a report or a publish tick writes
	 * thousands of these): below 1e6, d * 1e4 is off by less than 2e-6 of
	 * a unit, so away from a half it rounds as %.4f does. */
	s = d * 10000.0;
	if (fabs(d) < 1e6 && fabs(fabs(s - trunc(s)) - 0.5) > 1e-4) {
		int64_t q = (int64_t)llround(s);
		uint64_t u = q < 0 ? (uint64_t)-q : (uint64_t)q;
		unsigned frac = (unsigned)(u % 10000);
		char *p = buf;
		if (q < 0)
			*p++ = '-';
		{
			char tmp[24], *t = tmp + sizeof(tmp);
			uint64_t ip = u / 10000;
			do {
				*--t = (char)('0' + ip % 10);
				ip /= 10;
			} while (ip != 0);
			memcpy(p, t, (size_t)(tmp + sizeof(tmp) - t));
			p += tmp + sizeof(tmp) - t;
		}
		if (frac != 0) {
			*p++ = '.';
			for (unsigned div = 1000; frac != 0; div /= 10) {
				*p++ = (char)('0' + frac / div);
				frac %= div;
			}
		}
		*p = '\0';
		return true;
	}
	n = (size_t)snprintf(buf, len, "%.4f", d);
	while (n > 0 && buf[n - 1] == '0')
		n--;
	if (n > 0 && buf[n - 1] == '.')
		n--;
	buf[n] = '\0';
	if (strcmp(buf, "-0") == 0)
		strcpy(buf, "0");
	return true;
}

/* A double with up to 4 decimals; null when not finite. */
static void json_real(json_w *w, double d)
{
	char tmp[400];

	hpi_buf_puts(w->out, hpi_render_real(tmp, sizeof(tmp), d) ? tmp : "null");
}

/* The shortest form that reads back as d (99, 99.9, 0.5); integers stay
 * out of exponent notation; null when not finite. */
static void json_shortest(json_w *w, double d)
{
	char tmp[32];
	int prec;

	if (!isfinite(d)) {
		hpi_buf_puts(w->out, "null");
		return;
	}
	if (d == trunc(d) && fabs(d) < 1e15) {
		hpi_buf_printf(w->out, "%.0f", d == 0 ? 0.0 : d);
		return;
	}
	for (prec = 1; prec < 17; prec++) {
		snprintf(tmp, sizeof(tmp), "%.*g", prec, d);
		if (strtod(tmp, NULL) == d)
			break;
	}
	snprintf(tmp, sizeof(tmp), "%.*g", prec, d);
	hpi_buf_puts(w->out, tmp);
}

/* One cell as a JSON value: integer, real, string or null.  Reads the
 * cell once, not through hp_section_has and a getter: a publish tick
 * writes 60,000 of these. */
static void json_cell(json_w *w, const hp_section *sec, size_t row, size_t col)
{
	const hpi_row *r = &sec->rows[row];
	const hpi_cell *c = col < r->ncells && r->cells[col].set ? &r->cells[col] : NULL;
	hp_unit u = sec->cols[col].unit;

	if (c == NULL)
		hpi_buf_puts(w->out, "null");
	else if (hpi_unit_is_int(u))
		hpi_buf_i64(w->out, c->v.i);
	else if (hpi_unit_is_real(u))
		json_real(w, c->v.d);
	else
		hpi_buf_json_str(w->out, c->v.s);
}

static void json_rows(json_w *w, const hp_section *sec, size_t shown);

/* One row object: a key per column, then "log" when the row has one (and
 * no column already took the key).  keys[c] is column c's key, quoted and
 * with its colon (and, on one line, the comma before it), or NULL. */
static void json_row(json_w *w, const hp_section *sec, size_t row, const hpi_buf *keys)
{
	const hp_section *log = sec->rows[row].log;
	size_t c, nc = sec->ncols;

	json_open(w, '{');
	if (keys != NULL && !w->pretty) {
		/* one line: the keys hold their separators */
		for (c = 0; c < nc; c++) {
			hpi_buf_putn(w->out, keys[c].data, keys[c].len);
			json_cell(w, sec, row, c);
		}
		w->nonempty[w->depth] = nc > 0;
	} else {
		for (c = 0; c < nc; c++) {
			if (keys != NULL) {
				json_sep(w);
				hpi_buf_putn(w->out, keys[c].data, keys[c].len);
			} else {
				json_key(w, hp_section_column_key(sec, c));
			}
			json_cell(w, sec, row, c);
		}
	}
	if (log != NULL && !w->no_logs && hpi_section_col(sec, "log") < 0 &&
	    w->depth + 2 < JSON_MAX_DEPTH) {
		json_key(w, "log");
		json_rows(w, log, hp_section_nrows(log));
	}
	json_close(w, '}');
}

/* Array of the first shown rows. */
static void json_rows(json_w *w, const hp_section *sec, size_t shown)
{
	size_t r, c, nc = hp_section_ncolumns(sec);
	hpi_buf *keys = shown > 1 && nc > 0 ? calloc(nc, sizeof(*keys)) : NULL;
	bool ok = keys != NULL;

	/* every row repeats the keys: escape them once */
	for (c = 0; keys != NULL && c < nc; c++) {
		if (c > 0 && !w->pretty)
			hpi_buf_putc(&keys[c], ',');
		hpi_buf_json_str(&keys[c], hp_section_column_key(sec, c));
		hpi_buf_puts(&keys[c], w->pretty ? ": " : ":");
		ok = ok && !keys[c].failed && keys[c].data != NULL;
	}
	json_open(w, '[');
	for (r = 0; r < shown; r++) {
		json_sep(w);
		json_row(w, sec, r, ok ? keys : NULL);
	}
	json_close(w, ']');
	for (c = 0; keys != NULL && c < nc; c++)
		hpi_buf_fini(&keys[c]);
	free(keys);
}

/* Object of string pairs. */
static void json_kvs(json_w *w, const hpi_kvs *kvs)
{
	size_t i;

	json_open(w, '{');
	for (i = 0; i < kvs->n; i++) {
		json_key(w, kvs->v[i].key);
		hpi_buf_json_str(w->out, kvs->v[i].value);
	}
	json_close(w, '}');
}

/* One {"key", "title", "unit"} object. */
static void json_column(json_w *w, const hpi_col *col)
{
	json_sep(w);
	json_open(w, '{');
	json_key(w, "key");
	hpi_buf_json_str(w->out, col->key);
	json_key(w, "title");
	hpi_buf_json_str(w->out, col->title);
	json_key(w, "unit");
	hpi_buf_json_str(w->out, hpi_unit_name(col->unit));
	json_close(w, '}');
}

/* The "columns" array of a section. */
static void json_columns(json_w *w, const hp_section *sec)
{
	size_t c;

	json_open(w, '[');
	for (c = 0; c < sec->ncols; c++)
		json_column(w, &sec->cols[c]);
	json_close(w, ']');
}

/* See render.h. */
size_t hpi_render_log_columns(const hp_section *sec, size_t shown, const hpi_col ***cols)
{
	const hpi_col **seen = NULL, **grown;
	size_t n = 0, cap = 0, k;

	*cols = NULL;
	if (hpi_section_col(sec, "log") >= 0)
		return 0; /* a column took the key: no log is written */
	for (size_t r = 0; r < shown && r < sec->nrows; r++) {
		const hp_section *log = sec->rows[r].log;

		for (size_t c = 0; log != NULL && c < log->ncols; c++) {
			const hpi_col *col = &log->cols[c];

			/* most logs of a section have the same columns: the
			 * same position matches at once */
			if (c < n && strcmp(seen[c]->key, col->key) == 0)
				continue;
			for (k = 0; k < n && strcmp(seen[k]->key, col->key) != 0; k++)
				;
			if (k < n)
				continue;
			if (n == cap) {
				cap = cap ? cap * 2 : 8;
				if ((grown = realloc(seen, cap * sizeof(*seen))) == NULL) {
					free(seen);
					return (size_t)-1;
				}
				seen = grown;
			}
			seen[n++] = col;
		}
	}
	*cols = seen;
	return n;
}

/* The "log_columns" array of a section whose first shown rows have logs
 * (docs/report-format.md): left out when they have none, or when logs are
 * not written. */
static void json_log_columns(json_w *w, const hp_section *sec, size_t shown)
{
	const hpi_col **cols;
	size_t n;

	if (w->no_logs)
		return;
	if ((n = hpi_render_log_columns(sec, shown, &cols)) == (size_t)-1) {
		w->out->failed = true; /* a report cut short says so */
		return;
	}
	if (n > 0) {
		json_key(w, "log_columns");
		json_open(w, '[');
		for (size_t i = 0; i < n; i++)
			json_column(w, cols[i]);
		json_close(w, ']');
	}
	free(cols);
}

/* One section object. */
static void json_section(json_w *w, const hp_section *sec, size_t limit)
{
	size_t total = hp_section_nrows(sec);
	size_t shown = limit != 0 && limit < total ? limit : total;

	json_open(w, '{');
	json_key(w, "id");
	hpi_buf_json_str(w->out, hp_section_id(sec));
	json_key(w, "title");
	hpi_buf_json_str(w->out, hp_section_title(sec));
	json_key(w, "columns");
	json_columns(w, sec);
	json_key(w, "total_rows");
	hpi_buf_printf(w->out, "%zu", total);
	json_key(w, "rows");
	json_rows(w, sec, shown);
	json_log_columns(w, sec, shown);
	if (sec->meta.n > 0) {
		json_key(w, "meta");
		json_kvs(w, &sec->meta);
	}
	json_close(w, '}');
}

/* True when a report-wide fact is written as a number: key "pid",
 * "dropped" or "*_ns" and a value that is exactly a decimal integer. */
static bool json_meta_number(const char *key, const char *value, long long *v)
{
	size_t klen = strlen(key);
	const char *p = value + (value[0] == '-');
	char *end;

	if (strcmp(key, "pid") != 0 && strcmp(key, "dropped") != 0 &&
	    (klen < 3 || strcmp(key + klen - 3, "_ns") != 0))
		return false;
	if (*p < '0' || *p > '9')
		return false;
	errno = 0;
	*v = strtoll(value, &end, 10);
	return *end == '\0' && errno == 0;
}

/* True for the keys the report writes itself. */
static bool json_reserved(const char *key)
{
	size_t i;

	for (i = 0; i < sizeof(render_reserved) / sizeof(render_reserved[0]); i++)
		if (strcmp(key, render_reserved[i]) == 0)
			return true;
	return false;
}

/* Whether a fact is written, and as an integer or a string. */
bool hpi_render_fact(const char *key, const char *value, long long *v, bool *is_int)
{
	if (json_reserved(key))
		return false;
	*is_int = json_meta_number(key, value, v);
	return true;
}

/* type, version, generator, then the snapshot facts in insertion order. */
static void json_head(json_w *w, const hp_snapshot *s)
{
	const hpi_kv *kv;
	long long v;
	bool is_int;
	size_t i;

	json_key(w, "type");
	hpi_buf_json_str(w->out, "hotpath_report");
	json_key(w, "version");
	hpi_buf_putc(w->out, '1');
	json_key(w, "generator");
	hpi_buf_json_str(w->out, "hotpath " HP_VERSION_STRING);
	for (i = 0; s != NULL && i < s->meta.n; i++) {
		kv = &s->meta.v[i];
		if (!hpi_render_fact(kv->key, kv->value, &v, &is_int))
			continue;
		json_key(w, kv->key);
		if (is_int)
			hpi_buf_printf(w->out, "%lld", v);
		else
			hpi_buf_json_str(w->out, kv->value);
	}
}

/* The whole report as one JSON object and a newline. */
void hpi_render_json(hpi_buf *out, const hp_snapshot *s, const hpi_render_opts *o,
		     bool pretty)
{
	json_w w = {.out = out, .pretty = pretty, .no_logs = o != NULL && o->no_logs};
	size_t i;

	if (out == NULL)
		return;
	json_open(&w, '{');
	json_head(&w, s);
	json_key(&w, "percentiles");
	json_open(&w, '[');
	for (i = 0; o != NULL && o->pcts != NULL && i < o->npcts; i++) {
		json_sep(&w);
		json_shortest(&w, o->pcts[i]);
	}
	json_close(&w, ']');
	json_key(&w, "sections");
	json_open(&w, '[');
	for (i = 0; i < hp_snapshot_count(s); i++) {
		json_sep(&w);
		json_section(&w, hp_snapshot_section(s, i),
			     (o != NULL && o->all_rows) ||
			     hp_section_meta(hp_snapshot_section(s, i), "json.all") != NULL ? 0 :
			     render_limit(hp_snapshot_section(s, i), o ? o->limit : 0));
	}
	json_close(&w, ']');
	json_close(&w, '}');
	hpi_buf_putc(out, '\n');
}
