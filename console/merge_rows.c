/* SPDX-License-Identifier: MIT */
/*
 * merge_rows.c - the rows of a merged section: matched by their key
 * columns, each input cell folded into its merged cell by its column's
 * rule, then the derived cells (averages, percentiles, shares, logs)
 * worked out (merge.c's comment; merge_impl.h).
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "merge_impl.h"

static uint64_t merge_hash(const char *s)
{
	uint64_t h = 1469598103934665603ull;

	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 1099511628211ull;
	return h;
}

/* The merged row named key: found, or added. */
size_t merge_row_get(merge_sec *ms, const char *key, bool *added)
{
	size_t i;

	if (2 * (ms->nrows + 1) > ms->nslots) {
		size_t n = ms->nslots ? ms->nslots * 2 : 64;
		size_t *s = xcalloc(n, sizeof(*s));
		for (size_t r = 0; r < ms->nrows; r++) {
			for (i = merge_hash(ms->keys[r]) & (n - 1); s[i] != 0; i = (i + 1) & (n - 1))
				;
			s[i] = r + 1;
		}
		free(ms->slots);
		ms->slots = s;
		ms->nslots = n;
	}
	for (i = merge_hash(key) & (ms->nslots - 1); ms->slots[i] != 0;
	     i = (i + 1) & (ms->nslots - 1)) {
		if (strcmp(ms->keys[ms->slots[i] - 1], key) == 0) {
			*added = false;
			return ms->slots[i] - 1;
		}
	}
	if (ms->nrows == ms->cap) {
		ms->cap = ms->cap ? ms->cap * 2 : 16;
		ms->rows = xreallocarray(ms->rows, ms->cap, sizeof(*ms->rows));
		ms->keys = xreallocarray(ms->keys, ms->cap, sizeof(*ms->keys));
	}
	ms->slots[i] = ms->nrows + 1;
	ms->keys[ms->nrows] = xstrdup(key);
	memset(&ms->rows[ms->nrows], 0, sizeof(ms->rows[0]));
	hpi_hist_init(&ms->rows[ms->nrows].hist);
	ms->rows[ms->nrows].hist_all = true;
	ms->rows[ms->nrows].first = ms->nrows;
	ms->rows[ms->nrows].wsum = xcalloc(ms->ncols + 1, sizeof(long double));
	ms->rows[ms->nrows].wcnt = xcalloc(ms->ncols + 1, sizeof(long double));
	*added = true;
	return ms->nrows++;
}

/* A cell as a number (ints and reals alike). */
long double merge_num(const hp_section *sec, size_t r, size_t c)
{
	return hpi_unit_is_int(sec->cols[c].unit) ? (long double)hp_section_int(sec, r, c)
						  : (long double)hp_section_real(sec, r, c);
}

/* The row key of input row r: its key columns' text, 0x1f-separated. */
void merge_key(const merge_sec *ms, const hp_section *sec, size_t r, hpi_buf *key)
{
	hpi_buf_init(key);
	hpi_buf_puts(key, "");
	for (size_t c = 0; c < ms->ncols; c++) {
		int ic;
		const char *t;
		if (ms->cols[c].rule != M_KEY)
			continue;
		ic = hpi_section_col(sec, ms->cols[c].key);
		t = ic >= 0 ? hp_section_text(sec, r, (size_t)ic) : NULL;
		hpi_buf_printf(key, "%s\x1f", t ? t : "");
	}
}

/* Folds cell (sec, r, ic) into output cell (row, c). */
void merge_cell(merge_sec *ms, size_t row, size_t c, const hp_section *sec, size_t r,
		size_t ic, bool first)
{
	hp_section *o = ms->out;
	const merge_col *mc = &ms->cols[c];
	bool have = hp_section_has(o, row, c);
	bool isint = hpi_unit_is_int(mc->unit);
	int64_t vi, oi;
	double vd, od;

	if (!hp_section_has(sec, r, ic) || sec->cols[ic].unit != mc->unit)
		return;
	if (mc->unit == HP_UNIT_TEXT) {
		if (!have)
			hpi_cell_text(o, row, c, hp_section_text(sec, r, ic));
		return;
	}
	vi = isint ? hp_section_int(sec, r, ic) : 0;
	vd = isint ? 0 : hp_section_real(sec, r, ic);
	oi = have && isint ? hp_section_int(o, row, c) : 0;
	od = have && !isint ? hp_section_real(o, row, c) : 0;
	switch (mc->rule) {
	case M_SUM:
		if (isint)
			hpi_cell_int(o, row, c, oi + vi);
		else
			hpi_cell_real(o, row, c, od + vd);
		return;
	case M_MIN:
	case M_MAX:
		if (!have || (isint && (mc->rule == M_MIN ? vi < oi : vi > oi)))
			hpi_cell_int(o, row, c, vi);
		if (!isint && (!have || (mc->rule == M_MIN ? vd < od : vd > od)))
			hpi_cell_real(o, row, c, vd);
		return;
	default: /* the first report's; worked out again at the end if needed */
		(void)first;
		if (!have) {
			if (isint)
				hpi_cell_int(o, row, c, vi);
			else
				hpi_cell_real(o, row, c, vd);
		}
		return;
	}
}

/* One input row into the merged section. */
void merge_row_in(merge_sec *ms, const hp_section *sec, size_t r, size_t src)
{
	hpi_buf key;
	bool added;
	size_t row;
	merge_row *mr;

	merge_key(ms, sec, r, &key);
	row = merge_row_get(ms, key.data ? key.data : "", &added);
	hpi_buf_fini(&key);
	if (added && hpi_row_add(ms->out) != row)
		fatal("out of memory");
	mr = &ms->rows[row];
	mr->nsrc++;
	for (size_t c = 0; c < ms->ncols; c++) {
		const merge_col *mc = &ms->cols[c];
		int ic = hpi_section_col(sec, mc->key);
		if (mc->rule == M_HIST) {
			hpi_hist h;
			const char *t = ic >= 0 ? hp_section_text(sec, r, (size_t)ic) : NULL;
			if (t == NULL || hpi_hist_decode(&h, t) != 0) {
				mr->hist_all = false;
				continue;
			}
			if (hpi_hist_merge(&mr->hist, &h) != 0)
				mr->hist_all = false;
			hpi_hist_fini(&h);
			continue;
		}
		if (ic < 0)
			continue;
		if (mc->rule == M_AVG && mc->base >= 0) {
			int wc = hpi_section_col(sec, ms->cols[mc->base].key);
			if (wc >= 0 && hp_section_has(sec, r, (size_t)ic)) {
				long double w = merge_num(sec, r, (size_t)wc);
				mr->wsum[c] += merge_num(sec, r, (size_t)ic) * w;
				mr->wcnt[c] += w;
			}
		}
		merge_cell(ms, row, c, sec, r, (size_t)ic, mr->nsrc == 1);
	}
	if (hpi_section_log(sec, r) != NULL) {
		mr->logs = xreallocarray(mr->logs, mr->nlogs + 1, sizeof(*mr->logs));
		mr->logs[mr->nlogs].src = src;
		mr->logs[mr->nlogs++].log = hpi_section_log(sec, r);
	}
}

/* M_PERCENT: what this report's shares were of, from its biggest amount. */
void merge_denoms(merge_sec *ms, const hp_section *sec, size_t nrows)
{
	for (size_t c = 0; c < ms->ncols; c++) {
		merge_col *mc = &ms->cols[c];
		int ic, bc;
		long double best = 0, d = 0;
		if (mc->rule != M_PERCENT || mc->base < 0)
			continue;
		ic = hpi_section_col(sec, mc->key);
		bc = hpi_section_col(sec, ms->cols[mc->base].key);
		if (ic < 0 || bc < 0)
			continue;
		for (size_t r = 0; r < nrows; r++) {
			long double x = merge_num(sec, r, (size_t)bc);
			double p = hp_section_real(sec, r, (size_t)ic);
			if (hp_section_has(sec, r, (size_t)ic) && p > 0 && x > best) {
				best = x;
				d = 100.0L * x / (long double)p;
			}
		}
		mc->denom += d;
	}
}

/* Log rows' absolute start: the report's start plus the row's "time". */
typedef struct merge_logrow {
	size_t src, row;
	const hp_section *log;
	long double at;
} merge_logrow;

static int merge_logrow_cmp(const void *a, const void *b)
{
	const merge_logrow *x = a, *y = b;

	if (x->at != y->at)
		return x->at > y->at ? -1 : 1; /* newest first */
	if (x->src != y->src)
		return x->src < y->src ? -1 : 1;
	return x->row < y->row ? -1 : x->row > y->row;
}

/* A merged row's log: every report's rows with their pid, newest first
 * ("time" from the merged start), as many as the longest log had. */
void merge_row_log(hp_section *out, size_t row, const merge_row *mr,
		   const hpc_merge_src *src, const long double *start, long double start0)
{
	hp_section *log;
	merge_logrow *all;
	size_t n = 0, cap = 0, keep = 0;
	bool timed = true;

	if (mr->nlogs == 0)
		return;
	for (size_t i = 0; i < mr->nlogs; i++) {
		cap += mr->logs[i].log->nrows;
		if (mr->logs[i].log->nrows > keep)
			keep = mr->logs[i].log->nrows;
		if (hpi_section_col(mr->logs[i].log, "time") < 0)
			timed = false;
	}
	if ((log = hpi_row_log(out, row)) == NULL)
		return;
	all = xcalloc(cap ? cap : 1, sizeof(*all));
	hpi_column_add(log, "pid", "Pid", HP_UNIT_COUNT);
	for (size_t i = 0; i < mr->nlogs; i++) {
		const hp_section *l = mr->logs[i].log;
		int tc = hpi_section_col(l, "time");
		for (size_t c = 0; c < l->ncols; c++)
			hpi_column_add(log, l->cols[c].key, l->cols[c].title, l->cols[c].unit);
		for (size_t r = 0; r < l->nrows; r++) {
			all[n].src = mr->logs[i].src;
			all[n].row = r;
			all[n].log = l;
			all[n].at = timed ? start[all[n].src] + (long double)hp_section_int(l, r, (size_t)tc)
					  : 0;
			n++;
		}
	}
	if (timed)
		qsort(all, n, sizeof(*all), merge_logrow_cmp);
	for (size_t i = 0; i < n && i < keep; i++) {
		const hp_section *l = all[i].log;
		size_t r = hpi_row_add(log);
		const char *pid = hp_snapshot_meta(src[all[i].src].snap, "pid");
		if (pid != NULL)
			hpi_cell_int(log, r, 0, strtoll(pid, NULL, 10));
		for (size_t c = 0; c < l->ncols; c++) {
			int oc = hpi_section_col(log, l->cols[c].key);
			if (oc < 0 || !hp_section_has(l, all[i].row, c))
				continue;
			if (timed && strcmp(l->cols[c].key, "time") == 0)
				hpi_cell_int(log, r, (size_t)oc, (int64_t)(all[i].at - start0));
			else if (l->cols[c].unit == HP_UNIT_TEXT)
				hpi_cell_text(log, r, (size_t)oc, hp_section_text(l, all[i].row, c));
			else if (hpi_unit_is_int(l->cols[c].unit))
				hpi_cell_int(log, r, (size_t)oc, hp_section_int(l, all[i].row, c));
			else
				hpi_cell_real(log, r, (size_t)oc, hp_section_real(l, all[i].row, c));
		}
	}
	free(all);
}

/* Works out the derived cells of every merged row. */
void merge_finish_rows(merge_sec *ms, const hp_section *first, hpc_merged *m)
{
	hp_section *o = ms->out;
	const char *round = hp_section_meta(first, "merge.avg");
	bool nearest = round != NULL && strcmp(round, "nearest") == 0;
	int calls = merge_col_find(ms, "calls"), self = merge_col_find(ms, "self_total");

	for (size_t r = 0; r < ms->nrows; r++) {
		merge_row *mr = &ms->rows[r];
		bool hist = mr->hist_all && mr->nsrc > 0 && merge_col_find(ms, "hist") >= 0;
		for (size_t c = 0; c < ms->ncols; c++) {
			merge_col *mc = &ms->cols[c];
			if (strcmp(mc->key, "buckets") == 0 && mr->nsrc > 1) {
				/* the metrics' cumulative counts: not added up here */
				if (c < o->rows[r].ncells)
					o->rows[r].cells[c].set = false;
			} else if (mc->rule == M_HIST) {
				hpi_buf hb;
				if (!hist)
					continue;
				hpi_buf_init(&hb);
				hpi_hist_encode(&mr->hist, &hb);
				hpi_cell_text(o, r, c, hb.data);
				hpi_buf_fini(&hb);
			} else if (mc->rule == M_PCT && mr->nsrc > 1) {
				if (hist && mr->hist.count > 0) {
					hpi_cell_int(o, r, c, (int64_t)hpi_hist_percentile(&mr->hist, mc->p));
				} else {
					if (c < o->rows[r].ncells)
						o->rows[r].cells[c].set = false;
					if (!ms->noted_pct)
						merge_note(m, "%s: rows without a histogram (\"hist\"): their "
							   "percentiles are left out", o->id);
					ms->noted_pct = true;
				}
			} else if (mc->rule == M_AVG && mr->nsrc > 1) {
				if (strcmp(mc->key, "avg") == 0 && hist && mr->hist.count > 0) {
					unsigned __int128 q = mr->hist.sum / mr->hist.count;
					if (nearest)
						q = (mr->hist.sum + mr->hist.count / 2) / mr->hist.count;
					hpi_cell_int(o, r, c, (int64_t)q);
				} else if (strcmp(mc->key, "self_avg") == 0 && calls >= 0 && self >= 0) {
					int64_t n = hp_section_int(o, r, (size_t)calls);
					hpi_cell_int(o, r, c, n > 0 ? hp_section_int(o, r, (size_t)self) / n : 0);
				} else if (mr->wcnt[c] > 0) {
					long double v = mr->wsum[c] / mr->wcnt[c];
					if (hpi_unit_is_int(mc->unit))
						hpi_cell_int(o, r, c, (int64_t)llroundl(v));
					else
						hpi_cell_real(o, r, c, (double)v);
				}
			} else if (mc->rule == M_PERCENT && mr->nsrc > 1 && mc->base >= 0 &&
				   mc->denom > 0) {
				long double x = hpi_unit_is_int(ms->cols[mc->base].unit)
					? (long double)hp_section_int(o, r, (size_t)mc->base)
					: (long double)hp_section_real(o, r, (size_t)mc->base);
				hpi_cell_real(o, r, c, (double)(100.0L * x / mc->denom));
			}
		}
	}
}
