/* SPDX-License-Identifier: MIT */
/*
 * compare_out.c - a comparison written for people (the box table, the
 * markdown of a pull-request comment) and for programs (JSON).  Table and
 * markdown show the columns of the report's own table plus the deciding
 * ones, each "before → after (+x.x%)"; the markdown's <details> block and
 * the JSON have every numeric column with exact values.
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "console.h"
#include "compare.h"
#include "grid.h"

#define OUT_CELL 256
#define OUT_MD_MAX 60000 /* bytes; GitHub takes comments up to 65536 characters */
#define OUT_ARROW " \xe2\x86\x92 " /* " → " */

/* A value in the unit's human form ("1.16ms", "12.50%"); "-" when unset. */
static void out_value(char *buf, size_t len, hp_unit u, const hpc_val *v)
{
	if (!v->set)
		snprintf(buf, len, "-");
	else
		hpi_unit_format(buf, len, u, !hpi_unit_is_real(u), v->i, v->d);
}

/* An exact value: integers as they are, reals with at most 4 decimals. */
static void out_raw(char *buf, size_t len, hp_unit u, const hpc_val *v)
{
	size_t n;

	if (!v->set) {
		snprintf(buf, len, "-");
		return;
	}
	if (hpi_unit_is_int(u) || u == HP_UNIT_TEXT) {
		snprintf(buf, len, "%" PRId64, v->i);
		return;
	}
	n = (size_t)snprintf(buf, len, "%.4f", v->d);
	while (n > 0 && n < len && buf[n - 1] == '0')
		buf[--n] = '\0';
	if (n > 0 && n < len && buf[n - 1] == '.')
		buf[--n] = '\0';
	if (strcmp(buf, "-0") == 0)
		snprintf(buf, len, "0");
}

/* "+20.6%" with decimals digits; "+∞%" from zero; "" when not known. */
static void out_change(char *buf, size_t len, double change, int decimals)
{
	if (isnan(change))
		snprintf(buf, len, "%s", "");
	else if (isinf(change))
		snprintf(buf, len, "%s\xe2\x88\x9e%%", change > 0 ? "+" : "-");
	else if (snprintf(buf, len, "%+.*f%%", decimals, change) > 0 && buf[0] == '-' &&
		 strspn(buf + 1, "0.") + 2 == strlen(buf))
		buf[0] = '+'; /* -0.0% */
}

/* How far the farthest run of a median is from it, in percent of it: 0
 * for one report or runs that agree, INFINITY around a median of 0. */
static double out_spread(const hpc_val *v)
{
	double far;

	if (!v->set || v->runs < 2)
		return 0;
	far = v->hi - v->d > v->d - v->lo ? v->hi - v->d : v->d - v->lo;
	if (v->d == 0)
		return far == 0 ? 0 : INFINITY;
	return far * 100.0 / fabs(v->d);
}

/* A value as out_value, then " ±x.x%" when it is the median of runs
 * that differ. */
static void out_value_spread(char *buf, size_t len, hp_unit u, const hpc_val *v)
{
	double sp = out_spread(v);
	size_t n;

	out_value(buf, len, u, v);
	n = strlen(buf);
	if (isinf(sp))
		snprintf(buf + n, len - n, " \xc2\xb1\xe2\x88\x9e%%"); /* ±∞% */
	else if (sp >= 0.05)
		snprintf(buf + n, len - n, " \xc2\xb1%.1f%%", sp); /* ± */
}

/* "before → after (+x.x%)"; one value when both are the same or the row
 * exists on one side only.  md: the change in bold when it decides.  A
 * median of several runs says its spread, "1.20ms ±3.1%". */
static void out_cell(char *buf, size_t len, const hpc_cmp_col *col,
		     const hpc_cmp_cell *cell, hpc_status st, bool md)
{
	char b[64], a[64], ch[48];

	out_value_spread(b, sizeof(b), col->unit, &cell->before);
	out_value_spread(a, sizeof(a), col->unit, &cell->after);
	if (st == HPC_NEW || (cell->before.set && cell->after.set && strcmp(a, b) == 0 &&
			      cell->mark == 0)) {
		snprintf(buf, len, "%s", a);
		return;
	}
	if (st == HPC_REMOVED) {
		snprintf(buf, len, "%s", b);
		return;
	}
	out_change(ch, sizeof(ch), cell->change, 1);
	if (ch[0] == '\0')
		snprintf(buf, len, "%s" OUT_ARROW "%s", b, a);
	else if (md && cell->mark != 0)
		snprintf(buf, len, "%s" OUT_ARROW "%s (**%s**)", b, a, ch);
	else
		snprintf(buf, len, "%s" OUT_ARROW "%s (%s)", b, a, ch);
}

/* The status column: words for the terminal, a coloured dot too in md. */
static void out_status(char *buf, size_t len, const hpc_cmp *c, hpc_status st, bool md)
{
	switch (st) {
	case HPC_REGRESSION:
		snprintf(buf, len, "%sregression", md ? "\xf0\x9f\x94\xb4 " : ""); /* 🔴 */
		break;
	case HPC_IMPROVEMENT:
		snprintf(buf, len, "%simprovement", md ? "\xf0\x9f\x9f\xa2 " : ""); /* 🟢 */
		break;
	case HPC_NEW:
		snprintf(buf, len, "%snew", md ? "\xf0\x9f\x86\x95 " : ""); /* 🆕 */
		break;
	case HPC_FEW_CALLS:
		snprintf(buf, len, "ignored: calls < %" PRIu64, c->o.min_calls);
		break;
	case HPC_SMALL:
		snprintf(buf, len, "ignored: %% total < %g%%", c->o.min_pct_total);
		break;
	default:
		snprintf(buf, len, "%s", hpc_status_name(st));
		break;
	}
}

/* A value from a report in a markdown table cell. */
static void out_md_code(hpi_buf *b, const char *s)
{
	hpi_md_code(b, s, true);
}

/* A title or key from a report in running text: escaped in markdown, else
 * made safe for the terminal. */
static void out_text(hpi_buf *b, const char *s, bool md)
{
	if (md)
		hpi_md_text(b, s);
	else
		hpi_buf_term(b, s, strlen(s), 0);
}

/* A file's or row's name: a code span in markdown, else made safe for the
 * terminal. */
static void out_name(hpi_buf *b, const char *s, bool md)
{
	if (md)
		hpi_md_code(b, s, false);
	else
		hpi_buf_term(b, s, strlen(s), 0);
}

/* A row's name: its key ("#2" after a repeated one), or its position. */
static void out_key(hpi_buf *b, const hpc_cmp_row *row, bool md)
{
	hpi_buf tmp;

	hpi_buf_init(&tmp);
	if (row->key != NULL)
		hpi_buf_puts(&tmp, row->key);
	else
		hpi_buf_printf(&tmp, "#%zu", row->index + 1);
	if (row->key != NULL && row->nth > 1)
		hpi_buf_printf(&tmp, " #%zu", row->nth);
	if (md)
		out_md_code(b, tmp.data ? tmp.data : "");
	else
		hpi_buf_puts(b, tmp.data ? tmp.data : "");
	hpi_buf_fini(&tmp);
}

/* A header cell from a report: a code span in markdown. */
static void out_grid_head(hpc_grid *g, size_t col, const char *title, bool md)
{
	hpi_buf b;

	if (!md) {
		hpc_grid_set(g, 0, col, title);
		return;
	}
	hpi_buf_init(&b);
	hpi_md_text(&b, title ? title : "");
	hpc_grid_set(g, 0, col, b.data);
	hpi_buf_fini(&b);
}

/* The grid of one section: key, shown columns, status. */
static void out_grid(hpc_grid *g, const hpc_cmp *c, const hpc_cmp_sec *sc, bool md)
{
	char buf[OUT_CELL];
	size_t i, r, row, col, n = 2;
	hpi_buf key;

	for (i = 0; i < sc->ncols; i++)
		n += sc->cols[i].shown;
	hpc_grid_init(g, n);
	hpc_grid_row(g);
	out_grid_head(g, 0, sc->key_title, md);
	for (i = 0, col = 1; i < sc->ncols; i++)
		if (sc->cols[i].shown) {
			g->right[col] = true;
			out_grid_head(g, col++, sc->cols[i].title, md);
		}
	hpc_grid_set(g, 0, col, "Status");
	for (r = 0; r < sc->nrows; r++) {
		const hpc_cmp_row *rw = &sc->rows[r];
		row = hpc_grid_row(g);
		hpi_buf_init(&key);
		out_key(&key, rw, md);
		hpc_grid_set(g, row, 0, key.data);
		hpi_buf_fini(&key);
		for (i = 0, col = 1; i < sc->ncols; i++) {
			if (!sc->cols[i].shown)
				continue;
			out_cell(buf, sizeof(buf), &sc->cols[i], &rw->cells[i], rw->status, md);
			hpc_grid_set(g, row, col++, buf);
		}
		out_status(buf, sizeof(buf), c, rw->status, md);
		hpc_grid_set(g, row, col, buf);
	}
}

/* "1 regression, 2 unchanged, ..."; counts that are 0 are left out. */
static void out_summary(hpi_buf *b, const hpc_cmp *c)
{
	static const struct { hpc_status s; const char *one, *many; } parts[] = {
		{HPC_REGRESSION, "regression", "regressions"},
		{HPC_IMPROVEMENT, "improvement", "improvements"},
		{HPC_UNCHANGED, "unchanged", "unchanged"},
		{HPC_NEW, "new", "new"},
		{HPC_REMOVED, "removed", "removed"},
		{HPC_FEW_CALLS, "ignored", "ignored"},
	};
	bool first = c->count[HPC_REGRESSION] != 0;
	size_t i, n;

	if (!first)
		hpi_buf_puts(b, "no regressions");
	for (i = 0; i < sizeof(parts) / sizeof(parts[0]); i++) {
		n = c->count[parts[i].s];
		if (parts[i].s == HPC_FEW_CALLS)
			n += c->count[HPC_SMALL];
		if (n == 0)
			continue;
		hpi_buf_printf(b, "%s%zu %s", first ? "" : ", ", n,
			       n == 1 ? parts[i].one : parts[i].many);
		first = false;
	}
}

/* "Functions: avg, p99, total; Slowest: duration": what decides; false
 * when no column does. */
static bool out_deciders(hpi_buf *b, const hpc_cmp *c, bool md)
{
	bool any = false, first;
	size_t i, k;

	for (i = 0; i < c->nsecs; i++) {
		const hpc_cmp_sec *sc = &c->secs[i];
		for (k = 0, first = true; k < sc->ncols; k++) {
			if (sc->cols[k].decide == 0)
				continue;
			if (first) {
				hpi_buf_puts(b, any ? "; " : "");
				out_text(b, sc->title, md);
				hpi_buf_puts(b, ": ");
			}
			hpi_buf_printf(b, "%s%s", first ? "" : ", ",
				       sc->cols[k].decide < 0 ? "-" : "");
			out_text(b, sc->cols[k].key, md);
			first = false;
			any = true;
		}
	}
	return any;
}

/* A side's files: its report, or "median of a.json, b.json, c.json". */
static void out_side(hpi_buf *b, const hpc_report *const *runs, size_t n, bool md)
{
	if (n > 1)
		hpi_buf_puts(b, "median of ");
	for (size_t k = 0; k < n; k++) {
		hpi_buf_puts(b, k ? ", " : "");
		out_name(b, runs[k]->name, md);
	}
}

/* The lines above the tables: total time, runs, threshold, filters. */
static void out_intro(hpi_buf *b, const hpc_cmp *c, const char *bullet)
{
	const hpc_cmp_col ns = {.unit = HP_UNIT_NS};
	char buf[OUT_CELL];
	hpi_buf dec;

	out_cell(buf, sizeof(buf), &ns, &c->elapsed, HPC_UNCHANGED, false);
	hpi_buf_printf(b, "%sTotal time: %s\n", bullet, buf);
	if (c->nbruns > 1 || c->nhruns > 1)
		hpi_buf_printf(b, "%sRuns: %zu base, %zu head; each value is the median of "
			       "a side's runs, \xc2\xb1 how far its farthest run is from it\n",
			       bullet, c->nbruns, c->nhruns);
	hpi_buf_init(&dec);
	if (out_deciders(&dec, c, bullet[0] != '\0'))
		hpi_buf_printf(b, "%sThreshold: %g%% on %s\n", bullet, c->o.threshold, dec.data);
	else
		hpi_buf_printf(b, "%sThreshold: %g%% (no column decides)\n", bullet,
			       c->o.threshold);
	hpi_buf_fini(&dec);
	if (c->o.min_calls > 0 || c->o.min_pct_total > 0) {
		hpi_buf_printf(b, "%sIgnored: rows ", bullet);
		if (c->o.min_calls > 0)
			hpi_buf_printf(b, "under %" PRIu64 " calls%s", c->o.min_calls,
				       c->o.min_pct_total > 0 ? " or " : "");
		if (c->o.min_pct_total > 0)
			hpi_buf_printf(b, "under %g%% of total time", c->o.min_pct_total);
		hpi_buf_puts(b, " in both reports\n");
	}
}

/* Notes under a section cut by a row limit in either file; md: after a
 * blank line, which ends the markdown table. */
static void out_cut(hpi_buf *b, const hpc_cmp *c, const hpc_cmp_sec *sc, bool md)
{
	const char *key = hp_section_meta(sc->head ? sc->head : sc->base, "report.limit.key");

	if (key == NULL)
		key = "report.limit";
	if (md && (sc->base_total > sc->base_rows || sc->head_total > sc->head_rows))
		hpi_buf_putc(b, '\n');
	if (sc->base_total > sc->base_rows) {
		hpi_buf_putc(b, '(');
		out_name(b, c->base->name, md);
		hpi_buf_printf(b, " holds %zu of %zu rows: a row past its ", sc->base_rows,
			       sc->base_total);
		out_text(b, key, md);
		hpi_buf_puts(b, " shows as new)\n");
	}
	if (sc->head_total > sc->head_rows) {
		hpi_buf_putc(b, '(');
		out_name(b, c->head->name, md);
		hpi_buf_printf(b, " holds %zu of %zu rows: a row past its ", sc->head_rows,
			       sc->head_total);
		out_text(b, key, md);
		hpi_buf_puts(b, " shows as removed)\n");
	}
}

/* The terminal form. */
void hpc_compare_table(hpi_buf *out, const hpc_cmp *c)
{
	hpc_grid g;
	size_t i;

	hpi_buf_puts(out, "hotpath compare: ");
	out_side(out, c->bruns, c->nbruns, false);
	hpi_buf_puts(out, OUT_ARROW);
	out_side(out, c->hruns, c->nhruns, false);
	hpi_buf_putc(out, '\n');
	out_intro(out, c, "");
	for (i = 0; i < c->nsecs; i++) {
		hpi_buf_putc(out, '\n');
		out_text(out, c->secs[i].title, false);
		hpi_buf_puts(out, ":\n");
		out_grid(&g, c, &c->secs[i], false);
		hpc_grid_box(&g, out);
		hpc_grid_fini(&g);
		out_cut(out, c, &c->secs[i], false);
	}
	hpi_buf_puts(out, "\nResult: ");
	out_summary(out, c);
	hpi_buf_putc(out, '\n');
}

/* An exact value, and for the median of several runs their range:
 * "1200 (1150–1320)". */
static void out_raw_runs(char *buf, size_t len, hp_unit u, const hpc_val *v)
{
	hpc_val lo = {.set = true, .d = v->lo, .i = (int64_t)v->lo};
	hpc_val hi = {.set = true, .d = v->hi, .i = (int64_t)v->hi};
	char l[64], h[64];
	size_t n;

	out_raw(buf, len, u, v);
	if (!v->set || v->runs < 2)
		return;
	out_raw(l, sizeof(l), u, &lo);
	out_raw(h, sizeof(h), u, &hi);
	n = strlen(buf);
	snprintf(buf + n, len - n, " (%s\xe2\x80\x93%s)", l, h); /* – */
}

/* Exact values of every numeric column, one line per row and column. */
static void out_md_raw(hpi_buf *out, const hpc_cmp_sec *sc)
{
	char b[160], a[160], ch[64];
	hpc_grid g;
	size_t r, k, row;
	hpi_buf key;

	hpc_grid_init(&g, 5);
	hpc_grid_row(&g);
	out_grid_head(&g, 0, sc->key_title, true);
	hpc_grid_set(&g, 0, 1, "Column");
	hpc_grid_set(&g, 0, 2, "Before");
	hpc_grid_set(&g, 0, 3, "After");
	hpc_grid_set(&g, 0, 4, "Change");
	g.right[2] = g.right[3] = g.right[4] = true;
	for (r = 0; r < sc->nrows; r++)
		for (k = 0; k < sc->ncols; k++) {
			const hpc_cmp_cell *cell = &sc->rows[r].cells[k];
			row = hpc_grid_row(&g);
			hpi_buf_init(&key);
			out_key(&key, &sc->rows[r], true);
			hpc_grid_set(&g, row, 0, key.data);
			hpi_buf_fini(&key);
			hpi_buf_init(&key);
			hpi_md_text(&key, sc->cols[k].key);
			hpc_grid_set(&g, row, 1, key.data);
			hpi_buf_fini(&key);
			out_raw_runs(b, sizeof(b), sc->cols[k].unit, &cell->before);
			out_raw_runs(a, sizeof(a), sc->cols[k].unit, &cell->after);
			out_change(ch, sizeof(ch), cell->change, 2);
			hpc_grid_set(&g, row, 2, b);
			hpc_grid_set(&g, row, 3, a);
			hpc_grid_set(&g, row, 4, ch[0] ? ch : "-");
		}
	out_text(out, sc->title, true);
	hpi_buf_puts(out, " (");
	out_name(out, sc->id, true);
	hpi_buf_puts(out, "):\n\n");
	hpc_grid_markdown(&g, out);
	hpi_buf_putc(out, '\n');
	hpc_grid_fini(&g);
}

/* The form for a pull-request comment: a marker the CI finds the comment
 * by, a headline, the tables, and the raw data folded away. */
void hpc_compare_markdown(hpi_buf *out, const hpc_cmp *c)
{
	hpi_buf raw;
	hpc_grid g;
	size_t i;

	hpi_buf_puts(out, "<!-- hotpath-compare -->\n### ");
	hpi_buf_puts(out, c->count[HPC_REGRESSION] ? "\xf0\x9f\x94\xb4" : "\xe2\x9c\x85");
	hpi_buf_puts(out, " hotpath: ");
	out_summary(out, c);
	hpi_buf_puts(out, "\n\n");
	out_intro(out, c, "- ");
	hpi_buf_puts(out, "- Base: ");
	out_side(out, c->bruns, c->nbruns, true);
	hpi_buf_puts(out, c->nbruns > 1 ? "; head: " : ", head: ");
	out_side(out, c->hruns, c->nhruns, true);
	hpi_buf_puts(out, "\n");
	for (i = 0; i < c->nsecs; i++) {
		hpi_buf_puts(out, "\n#### ");
		out_text(out, c->secs[i].title, true);
		hpi_buf_puts(out, "\n\n");
		out_grid(&g, c, &c->secs[i], true);
		hpc_grid_markdown(&g, out);
		hpc_grid_fini(&g);
		out_cut(out, c, &c->secs[i], true);
	}
	hpi_buf_init(&raw);
	for (i = 0; i < c->nsecs; i++)
		out_md_raw(&raw, &c->secs[i]);
	hpi_buf_puts(out, "\n<details>\n<summary>Raw data</summary>\n\n");
	if (raw.data != NULL && out->len + raw.len < OUT_MD_MAX)
		hpi_buf_puts(out, raw.data);
	else
		hpi_buf_puts(out, "Left out: with it this comment would pass GitHub's "
			     "limit of 65536 characters.\n`hotpath compare --format json` "
			     "has every value.\n\n");
	hpi_buf_puts(out, "</details>\n");
	hpi_buf_fini(&raw);
}

/* ---- JSON ------------------------------------------------------------- */

/* A real with at most 4 decimals, or null when not finite. */
static void out_json_real(hpi_buf *out, double d)
{
	char buf[400];
	hpc_val v = {.set = true, .d = d};

	if (!isfinite(d)) {
		hpi_buf_puts(out, "null");
		return;
	}
	out_raw(buf, sizeof(buf), HP_UNIT_RATE, &v);
	hpi_buf_puts(out, buf);
}

/* One value: exact integer, real, or null. */
static void out_json_val(hpi_buf *out, hp_unit u, const hpc_val *v)
{
	if (!v->set)
		hpi_buf_puts(out, "null");
	else if (hpi_unit_is_int(u))
		hpi_buf_printf(out, "%" PRId64, v->i);
	else
		out_json_real(out, v->d);
}

/* A median's runs: ,"before_min":..,"before_max":..,"before_runs":..,
 * "before_spread":.. (side "before" or "after"); nothing for one report. */
static void out_json_runs(hpi_buf *out, hp_unit u, const hpc_val *v, const char *side)
{
	hpc_val lo = {.set = true, .d = v->lo, .i = (int64_t)v->lo};
	hpc_val hi = {.set = true, .d = v->hi, .i = (int64_t)v->hi};

	if (!v->set || v->runs == 0)
		return;
	hpi_buf_printf(out, ",\"%s_min\":", side);
	out_json_val(out, u, &lo);
	hpi_buf_printf(out, ",\"%s_max\":", side);
	out_json_val(out, u, &hi);
	hpi_buf_printf(out, ",\"%s_runs\":%zu,\"%s_spread\":", side, v->runs, side);
	out_json_real(out, out_spread(v));
}

/* {"before": .., "after": .., "change": .., "mark": ..} */
static void out_json_cell(hpi_buf *out, hp_unit u, const hpc_cmp_cell *cell)
{
	hpi_buf_puts(out, "{\"before\":");
	out_json_val(out, u, &cell->before);
	hpi_buf_puts(out, ",\"after\":");
	out_json_val(out, u, &cell->after);
	out_json_runs(out, u, &cell->before, "before");
	out_json_runs(out, u, &cell->after, "after");
	hpi_buf_puts(out, ",\"change\":");
	out_json_real(out, cell->change);
	if (cell->mark != 0)
		hpi_buf_printf(out, ",\"mark\":\"%s\"", cell->mark > 0 ? "worse" : "better");
	hpi_buf_putc(out, '}');
}

/* One row: its key, status and every numeric column. */
static void out_json_row(hpi_buf *out, const hpc_cmp_sec *sc, const hpc_cmp_row *row)
{
	size_t k;

	hpi_buf_puts(out, "{\"key\":");
	hpi_buf_json_str(out, row->key);
	if (row->key == NULL)
		hpi_buf_printf(out, ",\"index\":%zu", row->index);
	if (row->nth > 1)
		hpi_buf_printf(out, ",\"nth\":%zu", row->nth);
	hpi_buf_printf(out, ",\"status\":\"%s\",\"columns\":{", hpc_status_name(row->status));
	for (k = 0; k < sc->ncols; k++) {
		hpi_buf_puts(out, k ? "," : "");
		hpi_buf_json_str(out, sc->cols[k].key);
		hpi_buf_putc(out, ':');
		out_json_cell(out, sc->cols[k].unit, &row->cells[k]);
	}
	hpi_buf_puts(out, "}}");
}

/* One section: what it is, what decides, how many rows, the rows. */
static void out_json_section(hpi_buf *out, const hpc_cmp_sec *sc)
{
	size_t k, n = 0;

	hpi_buf_puts(out, "{\"id\":");
	hpi_buf_json_str(out, sc->id);
	hpi_buf_puts(out, ",\"title\":");
	hpi_buf_json_str(out, sc->title);
	hpi_buf_puts(out, ",\"key\":");
	hpi_buf_json_str(out, sc->key);
	hpi_buf_puts(out, ",\"decides\":[");
	for (k = 0; k < sc->ncols; k++)
		if (sc->cols[k].decide != 0) {
			hpi_buf_puts(out, n++ ? "," : "");
			hpi_buf_json_str(out, sc->cols[k].key);
		}
	hpi_buf_printf(out, "],\"base_rows\":%zu,\"base_total_rows\":%zu,"
		       "\"head_rows\":%zu,\"head_total_rows\":%zu,\"rows\":[",
		       sc->base_rows, sc->base_total, sc->head_rows, sc->head_total);
	for (k = 0; k < sc->nrows; k++) {
		hpi_buf_puts(out, k ? "," : "");
		out_json_row(out, sc, &sc->rows[k]);
	}
	hpi_buf_puts(out, "]}");
}

/* ,"base_runs":["a.json",...] for a side of several reports. */
static void out_json_files(hpi_buf *out, const char *key, const hpc_report *const *runs,
			   size_t n)
{
	if (n < 2)
		return;
	hpi_buf_printf(out, ",\"%s\":[", key);
	for (size_t k = 0; k < n; k++) {
		hpi_buf_puts(out, k ? "," : "");
		hpi_buf_json_str(out, runs[k]->name);
	}
	hpi_buf_putc(out, ']');
}

/* The whole comparison as one line of JSON (docs/compare.md). */
void hpc_compare_json(hpi_buf *out, const hpc_cmp *c)
{
	size_t i;

	hpi_buf_puts(out, "{\"type\":\"hotpath_compare\",\"version\":1,\"base\":");
	hpi_buf_json_str(out, c->base->name);
	hpi_buf_puts(out, ",\"head\":");
	hpi_buf_json_str(out, c->head->name);
	out_json_files(out, "base_runs", c->bruns, c->nbruns);
	out_json_files(out, "head_runs", c->hruns, c->nhruns);
	hpi_buf_puts(out, ",\"threshold\":");
	out_json_real(out, c->o.threshold);
	hpi_buf_printf(out, ",\"min_calls\":%" PRIu64 ",\"min_percent_total\":",
		       c->o.min_calls);
	out_json_real(out, c->o.min_pct_total);
	hpi_buf_puts(out, ",\"elapsed_ns\":");
	out_json_cell(out, HP_UNIT_NS, &c->elapsed);
	hpi_buf_puts(out, ",\"summary\":{");
	for (i = 0; i < HPC_NSTATUS; i++)
		hpi_buf_printf(out, "%s\"%s\":%zu", i ? "," : "",
			       hpc_status_name((hpc_status)i), c->count[i]);
	hpi_buf_puts(out, "},\"sections\":[");
	for (i = 0; i < c->nsecs; i++) {
		hpi_buf_puts(out, i ? "," : "");
		out_json_section(out, &c->secs[i]);
	}
	hpi_buf_puts(out, "]}\n");
}
