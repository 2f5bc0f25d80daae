/* SPDX-License-Identifier: MIT */
/*
 * timing_snap.c - the timing plugin's sections: "functions" (per label,
 * calls, avg, percentiles, total, self time, the recent calls' log and the
 * histogram's buckets), sorted by total or self time, with sampled labels'
 * time figures scaled by calls / timed calls; and through calltree.c, the
 * "calls" and "stacks" sections.
 */
#define _POSIX_C_SOURCE 200809L
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <hotpath/plugin.h> /* all it uses of hotpath */
#include "timing.h"

/* A label's figures with its sampled sites' scaled by calls / timed
 * calls: the count is exact, time and self time are estimates. */
typedef struct timing_est {
	uint64_t calls;
	uint64_t sum;   /* every call's time */
	uint64_t self;
	bool timed;     /* some call was timed: time figures exist */
} timing_est;

/* The histogram's sum, saturated at UINT64_MAX (hp_host.hist_sum's). */
static uint64_t timing_sum(const hp_hist *h)
{
	return h->sum > UINT64_MAX ? UINT64_MAX : (uint64_t)h->sum;
}

static timing_est timing_estimate(const timing_entry *e)
{
	timing_est x;
	uint64_t sum = timing_sum(&e->hist);

	x.calls = e->hist.count - e->s_timed + e->s_calls;
	x.sum = sum;
	x.self = e->self;
	x.timed = e->hist.count > 0;
	if (e->s_timed > 0 && e->s_calls > e->s_timed) {
		double k = (double)e->s_calls / (double)e->s_timed;
		x.sum = sum - e->s_sum + (uint64_t)((double)e->s_sum * k + 0.5);
		x.self = e->self - e->s_self + (uint64_t)((double)e->s_self * k + 0.5);
	}
	return x;
}

/* Total: every call's time, less recursive calls' (already counted). */
static uint64_t timing_total(const timing_entry *e)
{
	uint64_t sum = timing_estimate(e).sum;

	return sum > e->nested ? sum - e->nested : 0;
}

/* Sort: biggest total first, then label for a stable order. */
static int timing_cmp(const void *a, const void *b)
{
	const timing_entry *x = *(timing_entry *const *)a, *y = *(timing_entry *const *)b;
	uint64_t tx = timing_total(x), ty = timing_total(y);

	if (tx != ty)
		return tx > ty ? -1 : 1;
	return strcmp(x->label, y->label);
}

/* Sort by self time (report.sort: self), then as timing_cmp. */
static int timing_cmp_self(const void *a, const void *b)
{
	const timing_entry *x = *(timing_entry *const *)a, *y = *(timing_entry *const *)b;

	uint64_t sx = timing_estimate(x).self, sy = timing_estimate(y).self;

	if (sx != sy)
		return sx > sy ? -1 : 1;
	return timing_cmp(a, b);
}

/* Percentile column key: p99, p99.9, p0. */
static void timing_pkey(char *buf, size_t len, double p, bool title)
{
	snprintf(buf, len, title ? "P%g" : "p%g", p);
}

/* A recent call's cells: duration, thread, time. */
static void timing_log_cells(const hp_host *h, hp_section *log, size_t r, const void *rec,
			     void *u)
{
	const timing_call *c = rec;

	(void)u;
	h->cell_int(log, r, 0, (int64_t)c->dur);
	h->cell_int(log, r, 1, (int64_t)c->tid);
	h->cell_int(log, r, 2, (int64_t)c->time);
}

/* The row's recent calls, newest first. */
static void timing_log(timing_state *st, const timing_entry *e, hp_section *sec, size_t row)
{
	static const hp_ring_col cols[] = {
		{ "duration", "Duration", HP_UNIT_NS }, { "tid", "Thread", HP_UNIT_COUNT },
		{ "time", "Time", HP_UNIT_NS }, { NULL, NULL, 0 },
	};

	hp_ring_log(st->host, sec, row, &e->log, sizeof(timing_call), cols, HP_RING_NEWEST, 0,
		    timing_log_cells, NULL);
}

/* The "buckets" cell an OpenMetrics snapshot asks for (core/metrics.c):
 * "SUM COUNT C1 C2 ... Cn": the sum of the durations in ns, the calls timed
 * (all of them unless sampled), then those at or below each bound,
 * cumulative. */
static void timing_buckets(timing_state *st, const timing_entry *e, hp_section *sec,
			   size_t r, size_t c)
{
	uint64_t cum[HP_HIST_MAX_BOUNDS];
	hp_text b = {0};

	st->host->hist_cumulative(&e->hist, st->bounds, st->nbounds, cum);
	hp_text_printf(&b, "%lld %lld", (long long)timing_sum(&e->hist),
		       (long long)e->hist.count);
	for (size_t i = 0; i < st->nbounds; i++)
		hp_text_printf(&b, " %lld", (long long)cum[i]);
	if (!b.failed)
		st->host->cell_text(sec, r, c, b.data);
	hp_text_free(&b);
}

/* Reads the snapshot's "metrics.buckets" (ascending bounds in ns, comma
 * separated) into st->bounds; none when absent or malformed. */
static void timing_bounds(timing_state *st, const hp_snapshot *snap)
{
	const char *v = st->host->snapshot_get(snap, "metrics.buckets");
	char *end;

	st->nbounds = 0;
	while (v != NULL && *v != '\0' && st->nbounds < HP_HIST_MAX_BOUNDS) {
		unsigned long long b = strtoull(v, &end, 10);
		if (end == v || (st->nbounds > 0 && b <= st->bounds[st->nbounds - 1])) {
			st->nbounds = 0;
			return;
		}
		st->bounds[st->nbounds++] = b;
		v = *end == ',' ? end + 1 : end;
	}
}

/* One row per label; tspan is the guard's time the self percents are of
 * (its wall time times the threads that made measured calls). */
static void timing_row(timing_state *st, const timing_entry *e, hp_section *sec,
		       const double *p, size_t np, uint64_t elapsed, double tspan)
{
	const hp_host *h = st->host;
	size_t r = h->row_add(sec), c = 0;
	timing_est x = timing_estimate(e);
	uint64_t total = timing_total(e);

	h->cell_text(sec, r, c++, e->label);
	h->cell_int(sec, r, c++, (int64_t)x.calls);
	if (!x.timed) { /* counted, never timed: no time figures */
		c += 5 + np + (st->tree != NULL ? 3 : 0);
		goto where;
	}
	h->cell_int(sec, r, c++, (int64_t)(x.calls ? x.sum / x.calls : 0));
	h->cell_int(sec, r, c++, (int64_t)e->hist.min);
	h->cell_int(sec, r, c++, (int64_t)e->hist.max);
	for (size_t i = 0; i < np; i++)
		h->cell_int(sec, r, c++, (int64_t)h->hist_percentile(&e->hist, p[i]));
	h->cell_int(sec, r, c++, (int64_t)total);
	h->cell_real(sec, r, c++, elapsed ? 100.0 * (double)total / (double)elapsed : 0.0);
	if (st->tree != NULL) {
		h->cell_int(sec, r, c++, (int64_t)x.self);
		h->cell_int(sec, r, c++, (int64_t)(x.calls ? x.self / x.calls : 0));
		h->cell_real(sec, r, c++, tspan > 0 ? 100.0 * (double)x.self / tspan : 0.0);
	}
where:
	h->cell_text(sec, r, c++, e->file);
	if (e->line > 0)
		h->cell_int(sec, r, c, e->line);
	c++;
	if (e->sampled && st->cols_sampled) {
		h->cell_int(sec, r, c, (int64_t)e->s_rate);
		h->cell_int(sec, r, c + 1, (int64_t)e->s_timed);
	}
	if (st->cols_sampled)
		c += 2;
	if (st->nbounds == 0) /* hotpath merge adds these up (metrics: not read) */
		h->cell_hist(sec, r, c, &e->hist); /* none when it lost values */
	c++;
	if (st->nbounds > 0)
		timing_buckets(st, e, sec, r, c); /* metrics read no logs */
	else
		timing_log(st, e, sec, r);
}

/* The rows, sorted (entries keep their order: it numbers the tree's
 * functions), then the call tree's sections. */
static int timing_rows(timing_state *st, hp_snapshot *snap, hp_section *sec,
		       const double *p, size_t np)
{
	const hp_host *h = st->host;
	timing_entry **order = malloc((st->n ? st->n : 1) * sizeof(*order));
	const char **labels = malloc((st->n ? st->n : 1) * sizeof(*labels));
	uint64_t elapsed = h->elapsed_ns();
	double tspan = 0;
	int rv = 0;

	if (order == NULL || labels == NULL) {
		free(order);
		free(labels);
		return HP_ENOMEM;
	}
	if (st->tree != NULL) {
		hpi_ct_stats cs;

		hpi_ctree_sync(st->tree); /* replayed calls' self times */
		cs = hpi_ctree_stats(st->tree);
		tspan = (double)elapsed * (double)(cs.threads ? cs.threads : 1);
	}
	for (size_t i = 0; i < st->n; i++) {
		order[i] = st->entries[i];
		labels[i] = st->entries[i]->label;
	}
	if (st->n > 1)
		qsort(order, st->n, sizeof(*order), st->sort_self ? timing_cmp_self : timing_cmp);
	for (size_t i = 0; i < st->n; i++)
		timing_row(st, order[i], sec, p, np, elapsed, tspan);
	if (st->tree != NULL)
		rv = hpi_ctree_snapshot(st->tree, h, snap, labels, (uint32_t)st->n);
	free(order);
	free(labels);
	return rv;
}

/* The sampled sites' calls, counted on their threads: read now, and the
 * entries of sites counted but never timed made. */
static bool timing_counts(timing_state *st)
{
	uint32_t n = st->host->sample_nsites();
	bool any = false;

	for (size_t i = 0; i < st->n; i++)
		st->entries[i]->s_calls = 0;
	for (uint32_t id = 1; id < n; id++) {
		uint32_t r = st->host->sample_rate(id);
		timing_entry *e;

		if (r == 0 || r == 2)
			continue;
		if (id < st->nsites && st->by_site[id] != NULL)
			e = st->by_site[id];
		else
			e = hpi_timing_site(st, id);
		if (e == NULL || e == &hpi_timing_skip)
			continue;
		e->s_calls += st->host->sample_calls(id);
		any = true;
	}
	for (size_t i = 0; i < st->n && !any; i++)
		any = st->entries[i]->sampled;
	return any;
}

int hpi_timing_snapshot(void *state, hp_snapshot *snap)
{
	timing_state *st = state;
	const hp_host *h = st->host;
	bool sampled = timing_counts(st);
	size_t np;
	const double *p = h->percentiles(&np);
	hp_section *sec = h->section_add(snap, "functions", "Functions");
	hp_text cols = {0};
	char key[32], title[32];

	if (sec == NULL)
		return HP_ENOMEM;
	h->column_add(sec, "name", "Function", HP_UNIT_TEXT);
	h->column_add(sec, "calls", "Calls", HP_UNIT_COUNT);
	h->column_add(sec, "avg", "Avg", HP_UNIT_NS);
	h->column_add(sec, "min", "Min", HP_UNIT_NS);
	h->column_add(sec, "max", "Max", HP_UNIT_NS);
	/* a sampled row says its rate; its estimates are marked (docs/sampling.md) */
	hp_text_puts(&cols, sampled ? "name,calls,sampled,avg" : "name,calls,avg");
	for (size_t i = 0; i < np; i++) {
		timing_pkey(key, sizeof(key), p[i], false);
		timing_pkey(title, sizeof(title), p[i], true);
		h->column_add(sec, key, title, HP_UNIT_NS);
		hp_text_printf(&cols, ",%s", key);
	}
	hp_text_puts(&cols, ",total,percent_total");
	h->column_add(sec, "total", "Total", HP_UNIT_NS);
	h->column_add(sec, "percent_total", "% Total", HP_UNIT_PERCENT);
	if (st->tree != NULL) {
		hp_text_puts(&cols, ",self_total,percent_self");
		h->column_add(sec, "self_total", "Self", HP_UNIT_NS);
		h->column_add(sec, "self_avg", "Self Avg", HP_UNIT_NS);
		h->column_add(sec, "percent_self", "% Self", HP_UNIT_PERCENT);
		h->meta_set(sec, "sort", st->sort_self ? "self_total" : "total");
	}
	/* in JSON and for consoles, not in the table (table.columns) */
	h->column_add(sec, "file", "File", HP_UNIT_TEXT);
	h->column_add(sec, "line", "Line", HP_UNIT_COUNT);
	/* only when some row is sampled: a report without is as it always was */
	st->cols_sampled = sampled;
	if (sampled) {
		h->column_add(sec, "sampled", "Sampled", HP_UNIT_COUNT);
		h->column_add(sec, "timed", "Timed", HP_UNIT_COUNT);
		h->meta_set(sec, "estimated", "avg,p*,total,percent_total,self_total,self_avg,"
			    "percent_self");
	}
	/* the durations' histogram, for hotpath merge (docs/report-format.md) */
	h->column_add(sec, "hist", "Histogram", HP_UNIT_TEXT);
	timing_bounds(st, snap);
	if (st->nbounds > 0)
		h->column_add(sec, "buckets", "Buckets", HP_UNIT_TEXT);
	h->meta_set(sec, "table.columns", cols.data && !cols.failed ? cols.data : "");
	hp_text_free(&cols);
	return timing_rows(st, snap, sec, p, np);
}
