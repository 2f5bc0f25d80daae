/* SPDX-License-Identifier: MIT */
/*
 * merge.c - several reports as one (hotpath merge, the console's merged
 * tab).  Rows are matched by their text columns (a function's name, a
 * caller and callee); each column is merged by what it is: counts, totals,
 * bytes and rates add up, min and max are the min and max, percentiles
 * come from the merged histograms ("hist" column), averages and shares are
 * worked out again.  Sections about one process (threads, process, ...)
 * are listed per pid instead.  docs/report-format.md, "Merged reports".
 * This file: the columns' rules, a section's merge, the facts; the rows
 * and their cells are merge_rows.c's (merge_impl.h).
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "console.h"
#include "merge_impl.h"

/* Sections about one process, listed per pid. */
static bool merge_per_pid(const hp_section *sec)
{
	static const char *const ids[] = {"threads", "process", "cpu_threads", "trace"};
	const char *m = hp_section_meta(sec, "merge");

	if (m != NULL)
		return strcmp(m, "pid") == 0;
	for (size_t i = 0; i < sizeof(ids) / sizeof(ids[0]); i++)
		if (strcmp(sec->id, ids[i]) == 0)
			return true;
	return false;
}

static bool ends_with(const char *s, const char *suf)
{
	size_t n = strlen(s), m = strlen(suf);

	return n >= m && strcmp(s + n - m, suf) == 0;
}

/* "p99.9" -> 99.9; false for other keys. */
static bool merge_pkey(const char *k, double *p)
{
	char *end;

	if (k[0] != 'p' || k[1] < '0' || k[1] > '9')
		return false;
	*p = strtod(k + 1, &end);
	return *end == '\0';
}

/* The rule for a column by its key and unit. */
static enum merge_rule merge_rule_of(const char *k, hp_unit u, double *p)
{
	static const char *const nonkey[] = {"hist", "state", "overflow", "polls_per_call",
					     "file", "buckets"};
	static const char *const first[] = {"line", "tid", "capacity", "buffer", "holder",
					    "last", "pid", "sampled"};

	if (u == HP_UNIT_TEXT) {
		if (strcmp(k, "hist") == 0)
			return M_HIST;
		for (size_t i = 0; i < sizeof(nonkey) / sizeof(nonkey[0]); i++)
			if (strcmp(k, nonkey[i]) == 0)
				return M_TEXT;
		return M_KEY;
	}
	for (size_t i = 0; i < sizeof(first) / sizeof(first[0]); i++)
		if (strcmp(k, first[i]) == 0)
			return M_FIRST;
	if (u == HP_UNIT_PERCENT)
		return M_PERCENT;
	if (merge_pkey(k, p))
		return M_PCT;
	if (strcmp(k, "min") == 0 || ends_with(k, "_min"))
		return M_MIN;
	if (strcmp(k, "max") == 0 || ends_with(k, "_max"))
		return M_MAX;
	if (strcmp(k, "avg") == 0 || ends_with(k, "_avg"))
		return M_AVG;
	return M_SUM;
}

/* Output column of key, or -1. */
int merge_col_find(const merge_sec *ms, const char *key)
{
	for (size_t i = 0; i < ms->ncols; i++)
		if (strcmp(ms->cols[i].key, key) == 0)
			return (int)i;
	return -1;
}

/* Adds sec's columns that ms does not have yet. */
static void merge_cols_add(merge_sec *ms, const hp_section *sec)
{
	for (size_t c = 0; c < sec->ncols; c++) {
		merge_col *mc;
		if (merge_col_find(ms, sec->cols[c].key) >= 0)
			continue;
		ms->cols = xreallocarray(ms->cols, ms->ncols + 1, sizeof(*ms->cols));
		mc = &ms->cols[ms->ncols++];
		memset(mc, 0, sizeof(*mc));
		mc->key = xstrdup(sec->cols[c].key);
		mc->title = xstrdup(sec->cols[c].title);
		mc->unit = sec->cols[c].unit;
		mc->rule = merge_rule_of(mc->key, mc->unit, &mc->p);
		mc->base = -1;
	}
}

/* The amount a share is of ("percent_total" -> "total", "percent_self" ->
 * "self_total", "cpu_percent" -> "cpu"), or -1. */
static int merge_percent_base(const merge_sec *ms, const char *k)
{
	char name[128];
	int c;

	if (strncmp(k, "percent_", 8) == 0) {
		if ((c = merge_col_find(ms, k + 8)) >= 0)
			return c;
		snprintf(name, sizeof name, "%s_total", k + 8);
		return merge_col_find(ms, name);
	}
	if (ends_with(k, "_percent") && strlen(k) - 8 < sizeof name) {
		snprintf(name, sizeof name, "%.*s", (int)(strlen(k) - 8), k);
		if ((c = merge_col_find(ms, name)) >= 0)
			return c;
		snprintf(name + strlen(name), sizeof name - strlen(name), "_time");
		return merge_col_find(ms, name);
	}
	return -1;
}

/* The weight of an average: "X_avg" by "Xs" or "X", "avg" by "calls",
 * else the first count column; -1 when there is none. */
static int merge_avg_weight(const merge_sec *ms, const char *k)
{
	char name[128];
	int c;

	if (strcmp(k, "avg") != 0 && strlen(k) - 4 < sizeof name - 2) {
		snprintf(name, sizeof name, "%.*ss", (int)(strlen(k) - 4), k);
		if ((c = merge_col_find(ms, name)) >= 0)
			return c;
		name[strlen(name) - 1] = '\0';
		if ((c = merge_col_find(ms, name)) >= 0 && ms->cols[c].unit == HP_UNIT_COUNT)
			return c;
	}
	if ((c = merge_col_find(ms, "calls")) >= 0)
		return c;
	for (size_t i = 0; i < ms->ncols; i++)
		if (ms->cols[i].unit == HP_UNIT_COUNT && ms->cols[i].rule == M_SUM)
			return (int)i;
	return -1;
}


/* Adds a line to what could not be merged exactly. */
void merge_note(hpc_merged *m, const char *fmt, ...)
{
	char buf[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof buf, fmt, ap);
	va_end(ap);
	m->notes = xreallocarray(m->notes, m->nnotes + 1, sizeof(*m->notes));
	m->notes[m->nnotes++] = xstrdup(buf);
}
static const merge_sec *merge_sort_ms;
static int merge_sort_col;

/* Biggest first, then in order of first appearance. */
static int merge_order_cmp(const void *a, const void *b)
{
	size_t x = *(const size_t *)a, y = *(const size_t *)b;
	const hp_section *o = merge_sort_ms->out;
	long double vx = merge_num(o, x, (size_t)merge_sort_col);
	long double vy = merge_num(o, y, (size_t)merge_sort_col);

	if (vx != vy)
		return vx > vy ? -1 : 1;
	return x < y ? -1 : 1;
}

/* The column the first report's rows are sorted by, biggest first (meta
 * "sort", else "total"), or -1 when they are not. */
static int merge_sorted_by(const merge_sec *ms, const hp_section *first, size_t nrows)
{
	const char *k = hp_section_meta(first, "sort");
	int c = merge_col_find(ms, k ? k : "total"), ic;

	if (c < 0 || ms->cols[c].unit == HP_UNIT_TEXT ||
	    (ic = hpi_section_col(first, ms->cols[c].key)) < 0)
		return -1;
	for (size_t r = 1; r < nrows; r++)
		if (merge_num(first, r - 1, (size_t)ic) < merge_num(first, r, (size_t)ic))
			return -1;
	return c;
}

/* Copies section out (rows in order ord) into a new section of snap. */
static void merge_emit(hp_snapshot *snap, const hp_section *o, const size_t *ord, size_t n)
{
	hp_section *s = hpi_section_add(snap, o->id, o->title);

	if (s == NULL)
		fatal("out of memory");
	for (size_t c = 0; c < o->ncols; c++)
		hpi_column_add(s, o->cols[c].key, o->cols[c].title, o->cols[c].unit);
	for (size_t i = 0; i < o->meta.n; i++)
		hpi_section_meta_set(s, o->meta.v[i].key, o->meta.v[i].value);
	if (s->caprows < n) {
		s->rows = xreallocarray(s->rows, n ? n : 1, sizeof(*s->rows));
		s->caprows = n ? n : 1;
	}
	for (size_t i = 0; i < n; i++) {
		s->rows[i] = o->rows[ord[i]];
		o->rows[ord[i]].cells = NULL; /* moved */
		o->rows[ord[i]].ncells = 0;
		o->rows[ord[i]].log = NULL;
	}
	s->nrows = n;
}

/* Section meta: the first report's, with numbers (in every report that has
 * the key) added up. */
static void merge_meta(hp_section *o, const hpc_merge_src *src, size_t n, const char *id)
{
	const hp_section *first = NULL;

	for (size_t i = 0; i < n && first == NULL; i++)
		first = hp_snapshot_find(src[i].snap, id);
	for (size_t k = 0; first && k < first->meta.n; k++) {
		const char *key = first->meta.v[k].key;
		unsigned long long sum = 0;
		bool num = true;
		char buf[32];
		for (size_t i = 0; i < n && num; i++) {
			const hp_section *s = hp_snapshot_find(src[i].snap, id);
			const char *v = s ? hp_section_meta(s, key) : NULL;
			char *end;
			if (s == NULL || v == NULL)
				continue;
			sum += strtoull(v, &end, 10);
			num = *v >= '0' && *v <= '9' && *end == '\0';
		}
		if (num) {
			snprintf(buf, sizeof buf, "%llu", sum);
			hpi_section_meta_set(o, key, buf);
		} else {
			hpi_section_meta_set(o, key, first->meta.v[k].value);
		}
	}
}

/* Rows held by section index k of source i. */
static size_t merge_loaded(const hpc_merge_src *s, size_t k)
{
	const hp_section *sec = hp_snapshot_section(s->snap, k);

	return s->loaded != NULL && s->loaded[k] < sec->nrows ? s->loaded[k] : sec->nrows;
}

/* One section id merged across the reports. */
static void merge_section(hpc_merged *m, const hpc_merge_src *src, size_t n, const char *id,
			  const long double *start, long double start0)
{
	merge_sec ms;
	const hp_section *first = NULL;
	size_t firstn = 0, *ord;
	int sc;
	bool per_pid;
	hp_snapshot *scratch;

	memset(&ms, 0, sizeof ms);
	for (size_t i = 0; i < n; i++) {
		const hp_section *s = hp_snapshot_find(src[i].snap, id);
		if (s == NULL)
			continue;
		if (first == NULL)
			first = s;
		merge_cols_add(&ms, s);
	}
	per_pid = merge_per_pid(first);
	if (per_pid && merge_col_find(&ms, "pid") < 0) {
		/* "pid" first: the rows of each process, as they were */
		ms.cols = xreallocarray(ms.cols, ms.ncols + 1, sizeof(*ms.cols));
		memmove(ms.cols + 1, ms.cols, ms.ncols * sizeof(*ms.cols));
		memset(&ms.cols[0], 0, sizeof(ms.cols[0]));
		ms.cols[0].key = xstrdup("pid");
		ms.cols[0].title = xstrdup("Pid");
		ms.cols[0].unit = HP_UNIT_COUNT;
		ms.ncols++;
	}
	for (size_t c = 0; c < ms.ncols; c++) {
		if (per_pid) /* nothing is added up: each row is one process's */
			ms.cols[c].rule = ms.cols[c].unit == HP_UNIT_TEXT ? M_KEY : M_FIRST;
		if (strcmp(ms.cols[c].key, "pid") == 0 && per_pid)
			ms.cols[c].rule = M_KEY;
		if (ms.cols[c].rule == M_PERCENT)
			ms.cols[c].base = merge_percent_base(&ms, ms.cols[c].key);
		else if (ms.cols[c].rule == M_AVG)
			ms.cols[c].base = merge_avg_weight(&ms, ms.cols[c].key);
	}
	if ((scratch = hpi_snapshot_new()) == NULL ||
	    (ms.out = hpi_section_add(scratch, id, first->title)) == NULL)
		fatal("out of memory");
	for (size_t c = 0; c < ms.ncols; c++)
		hpi_column_add(ms.out, ms.cols[c].key, ms.cols[c].title, ms.cols[c].unit);
	for (size_t i = 0; i < n; i++) {
		size_t k, rows;
		const hp_section *s = NULL;
		for (k = 0; k < hp_snapshot_count(src[i].snap); k++)
			if (strcmp((s = hp_snapshot_section(src[i].snap, k))->id, id) == 0)
				break;
		if (k == hp_snapshot_count(src[i].snap))
			continue;
		rows = merge_loaded(&src[i], k);
		if (s == first)
			firstn = rows;
		if (rows < s->nrows)
			merge_note(m, "%s: %s has %zu of its %zu rows (written under report.limit): "
				   "the merged one adds up those only", src[i].name, id, rows, s->nrows);
		merge_denoms(&ms, s, rows);
		for (size_t r = 0; r < rows; r++) {
			if (per_pid) {
				/* a row per process: its pid in the key */
				const char *pid = hp_snapshot_meta(src[i].snap, "pid");
				hpi_buf key;
				bool added;
				size_t row;
				if (hpi_section_col(s, "pid") >= 0) {
					merge_row_in(&ms, s, r, i);
					continue;
				}
				merge_key(&ms, s, r, &key);
				hpi_buf_printf(&key, "%zu\x1f%zu", i, r);
				row = merge_row_get(&ms, key.data, &added);
				hpi_buf_fini(&key);
				if (hpi_row_add(ms.out) != row)
					fatal("out of memory");
				ms.rows[row].nsrc = 1;
				if (pid != NULL)
					hpi_cell_int(ms.out, row, 0, strtoll(pid, NULL, 10));
				for (size_t c = 1; c < ms.ncols; c++) {
					int ic = hpi_section_col(s, ms.cols[c].key);
					if (ic >= 0)
						merge_cell(&ms, row, c, s, r, (size_t)ic, true);
				}
				if (hpi_section_log(s, r) != NULL) {
					ms.rows[row].logs = xcalloc(1, sizeof(merge_log));
					ms.rows[row].logs[0].src = i;
					ms.rows[row].logs[0].log = hpi_section_log(s, r);
					ms.rows[row].nlogs = 1;
				}
			} else {
				merge_row_in(&ms, s, r, i);
			}
		}
	}
	merge_finish_rows(&ms, first, m);
	for (size_t r = 0; r < ms.nrows; r++)
		merge_row_log(ms.out, r, &ms.rows[r], src, start, start0);
	merge_meta(ms.out, src, n, id);
	if (per_pid && hp_section_meta(ms.out, "table.columns") != NULL &&
	    hpi_section_col(first, "pid") < 0) {
		/* the table shows whose row it is */
		hpi_buf tc;
		hpi_buf_init(&tc);
		hpi_buf_printf(&tc, "pid,%s", hp_section_meta(ms.out, "table.columns"));
		hpi_section_meta_set(ms.out, "table.columns", tc.data);
		hpi_buf_fini(&tc);
	}
	ord = xcalloc(ms.nrows ? ms.nrows : 1, sizeof(*ord));
	for (size_t r = 0; r < ms.nrows; r++)
		ord[r] = r;
	if (!per_pid && (sc = merge_sorted_by(&ms, first, firstn)) >= 0) {
		merge_sort_ms = &ms;
		merge_sort_col = sc;
		qsort(ord, ms.nrows, sizeof(*ord), merge_order_cmp);
	}
	merge_emit(m->snap, ms.out, ord, ms.nrows);
	free(ord);
	hpi_snapshot_free(scratch); /* the rows moved out */
	for (size_t r = 0; r < ms.nrows; r++) {
		hpi_hist_fini(&ms.rows[r].hist);
		free(ms.rows[r].wsum);
		free(ms.rows[r].wcnt);
		free(ms.rows[r].logs);
		free(ms.keys[r]);
	}
	for (size_t c = 0; c < ms.ncols; c++) {
		free(ms.cols[c].key);
		free(ms.cols[c].title);
	}
	free(ms.cols);
	free(ms.rows);
	free(ms.keys);
	free(ms.slots);
}

/* A report-wide fact as an unsigned number, or def. */
static unsigned long long merge_fact(const hp_snapshot *s, const char *key, unsigned long long def)
{
	const char *v = hp_snapshot_meta(s, key);
	char *end;
	unsigned long long n;

	if (v == NULL || *v < '0' || *v > '9')
		return def;
	n = strtoull(v, &end, 10);
	return *end == '\0' ? n : def;
}

/* The "processes" section: one row per report. */
static void merge_processes(hpc_merged *m, const hpc_merge_src *src, size_t n)
{
	hp_section *s = hpi_section_add(m->snap, "processes", "Processes");

	if (s == NULL)
		fatal("out of memory");
	hpi_column_add(s, "pid", "Pid", HP_UNIT_COUNT);
	hpi_column_add(s, "program", "Program", HP_UNIT_TEXT);
	hpi_column_add(s, "caller", "Caller", HP_UNIT_TEXT);
	hpi_column_add(s, "elapsed", "Elapsed", HP_UNIT_NS);
	hpi_column_add(s, "dropped", "Dropped", HP_UNIT_COUNT);
	hpi_column_add(s, "report", "Report", HP_UNIT_TEXT);
	hpi_section_meta_set(s, "compare.hide", "1");
	for (size_t i = 0; i < n; i++) {
		const hp_snapshot *q = src[i].snap;
		const hp_section *was = hp_snapshot_find(q, "processes");
		size_t r;
		if (was != NULL) { /* a merged report: its processes, as they were */
			for (size_t k = 0; k < was->nrows; k++) {
				r = hpi_row_add(s);
				for (size_t c = 0; c < s->ncols; c++) {
					int ic = hpi_section_col(was, s->cols[c].key);
					if (ic < 0 || !hp_section_has(was, k, (size_t)ic))
						continue;
					if (s->cols[c].unit == HP_UNIT_TEXT)
						hpi_cell_text(s, r, c, hp_section_text(was, k, (size_t)ic));
					else
						hpi_cell_int(s, r, c, hp_section_int(was, k, (size_t)ic));
				}
			}
			continue;
		}
		r = hpi_row_add(s);
		if (hp_snapshot_meta(q, "pid"))
			hpi_cell_int(s, r, 0, (int64_t)merge_fact(q, "pid", 0));
		hpi_cell_text(s, r, 1, hp_snapshot_meta(q, "program"));
		hpi_cell_text(s, r, 2, hp_snapshot_meta(q, "caller"));
		hpi_cell_int(s, r, 3, (int64_t)merge_fact(q, "elapsed_ns", 0));
		hpi_cell_int(s, r, 4, (int64_t)merge_fact(q, "dropped", 0));
		hpi_cell_text(s, r, 5, src[i].name);
	}
}

/* A fact every report has with the same value, else the values joined
 * with ",", in report order, each once. */
static void merge_text_fact(hpc_merged *m, const hpc_merge_src *src, size_t n, const char *key)
{
	hpi_buf b;
	bool any = false;

	hpi_buf_init(&b);
	hpi_buf_puts(&b, "");
	for (size_t i = 0; i < n; i++) {
		const char *v = hp_snapshot_meta(src[i].snap, key);
		bool seen = false;
		if (v == NULL)
			continue;
		for (size_t j = 0; j < i && !seen; j++) {
			const char *w = hp_snapshot_meta(src[j].snap, key);
			seen = w != NULL && strcmp(v, w) == 0;
		}
		if (seen)
			continue;
		hpi_buf_printf(&b, "%s%s", any ? "," : "", v);
		any = true;
	}
	if (any)
		hpi_snapshot_meta_set(m->snap, key, b.data);
	hpi_buf_fini(&b);
}

static int merge_dbl_cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/* Report-wide facts and percentiles. */
static void merge_facts(hpc_merged *m, const hpc_merge_src *src, size_t n, long double *start,
			long double *start0)
{
	unsigned long long t0 = UINT64_MAX, end = 0, dropped = 0, el;
	bool all_start = true;
	const char *pid;
	hpi_buf pids;
	char num[32];

	hpi_buf_init(&pids);
	hpi_buf_puts(&pids, "");
	for (size_t i = 0; i < n; i++) {
		unsigned long long s = merge_fact(src[i].snap, "start_unix_ns", 0);
		el = merge_fact(src[i].snap, "elapsed_ns", 0);
		if (s == 0)
			all_start = false;
		start[i] = (long double)s;
		if (s != 0 && s < t0)
			t0 = s;
		if (s + el > end)
			end = s + el;
		dropped += merge_fact(src[i].snap, "dropped", 0);
		pid = hp_snapshot_meta(src[i].snap, "pid");
		if (pid == NULL) /* a merged report */
			pid = hp_snapshot_meta(src[i].snap, "pids");
		hpi_buf_printf(&pids, "%s%s", i ? "," : "", pid ? pid : "?");
		for (size_t k = 0; k < src[i].npcts; k++) {
			bool have = false;
			for (size_t j = 0; j < m->npcts && !have; j++)
				have = m->pcts[j] == src[i].pcts[k];
			if (!have && m->npcts < HPI_MAX_PCTS)
				m->pcts[m->npcts++] = src[i].pcts[k];
		}
	}
	qsort(m->pcts, m->npcts, sizeof(double), merge_dbl_cmp);
	merge_text_fact(m, src, n, "caller");
	merge_text_fact(m, src, n, "program");
	hpi_snapshot_meta_set(m->snap, "pids", pids.data);
	hpi_buf_fini(&pids);
	snprintf(num, sizeof num, "%zu", n);
	hpi_snapshot_meta_set(m->snap, "processes", num);
	if (all_start) {
		/* the wall time from the first start to the last end */
		snprintf(num, sizeof num, "%llu", t0);
		hpi_snapshot_meta_set(m->snap, "start_unix_ns", num);
		snprintf(num, sizeof num, "%llu", end - t0);
		*start0 = (long double)t0;
	} else {
		el = 0;
		for (size_t i = 0; i < n; i++)
			if (merge_fact(src[i].snap, "elapsed_ns", 0) > el)
				el = merge_fact(src[i].snap, "elapsed_ns", 0);
		snprintf(num, sizeof num, "%llu", el);
		for (size_t i = 0; i < n; i++)
			start[i] = 0;
		*start0 = 0;
	}
	hpi_snapshot_meta_set(m->snap, "elapsed_ns", num);
	snprintf(num, sizeof num, "%llu", dropped);
	hpi_snapshot_meta_set(m->snap, "dropped", num);
	merge_text_fact(m, src, n, "clock");
}

int hpc_merge(const hpc_merge_src *src, size_t n, hpc_merged *out)
{
	long double *start, start0 = 0;
	char **ids = NULL;
	size_t nids = 0;

	memset(out, 0, sizeof *out);
	if ((out->snap = hpi_snapshot_new()) == NULL)
		return HP_ENOMEM;
	start = xcalloc(n ? n : 1, sizeof(*start));
	merge_facts(out, src, n, start, &start0);
	for (size_t i = 0; i < n; i++) {
		for (size_t k = 0; k < hp_snapshot_count(src[i].snap); k++) {
			const char *id = hp_snapshot_section(src[i].snap, k)->id;
			bool seen = false;
			for (size_t j = 0; j < nids && !seen; j++)
				seen = strcmp(ids[j], id) == 0;
			if (seen || strcmp(id, "processes") == 0)
				continue;
			ids = xreallocarray(ids, nids + 1, sizeof(*ids));
			ids[nids++] = (char *)id;
		}
	}
	for (size_t j = 0; j < nids; j++)
		merge_section(out, src, n, ids[j], start, start0);
	merge_processes(out, src, n);
	free(ids);
	free(start);
	return 0;
}

void hpc_merged_fini(hpc_merged *m)
{
	if (m == NULL)
		return;
	hpi_snapshot_free(m->snap);
	for (size_t i = 0; i < m->nnotes; i++)
		free(m->notes[i]);
	free(m->notes);
	memset(m, 0, sizeof *m);
}
