/* SPDX-License-Identifier: MIT */
/*
 * timing.c - the built-in timing plugin: per label, calls, avg, min, max,
 * total, share of the guard's wall time, percentiles, and a log of the most
 * recent calls.  It is registered through the same ops table an external
 * plugin uses; being built in, it also uses libhotpath's histogram and
 * filter (collectors.timing.include / exclude, checked once per site).
 *
 * A recursive auto-instrumented call (HP_SCOPE_RECURSIVE) counts as a call
 * with its own duration in avg, min, max and the percentiles, but its time
 * is not added to Total again: it is already in the outermost call's.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "hpi.h"
#include "registry.h"
#include "tbuf.h"

typedef struct timing_call {
	uint64_t dur, tid, time;
} timing_call;

typedef struct timing_entry {
	const char *label;   /* borrowed from the site registry */
	const char *file;    /* of the first site with this label (borrowed) */
	int line;
	hpi_hist hist;
	uint64_t nested;     /* ns of recursive calls: in hist, not in Total */
	timing_call *log;    /* ring of the last `cap` calls */
	size_t log_head, log_n;
} timing_entry;

typedef struct timing_state {
	const hp_host *host;
	size_t log_cap;
	void **by_site;          /* index: site id -> timing_entry */
	size_t nsites;
	timing_entry **entries;  /* one per label */
	size_t n, cap;
	timing_entry **table;    /* open addressing, label -> entry */
	size_t tcap;
	hpi_filter *filter;      /* NULL: every label */
} timing_state;

/* by_site's entry for a site the filters leave out. */
static timing_entry timing_skip;

/* FNV-1a of a label. */
static size_t timing_hash(const char *s)
{
	size_t h = 1469598103934665603u;

	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 1099511628211u;
	return h;
}

/* Doubles the label table. */
static bool timing_rehash(timing_state *st)
{
	size_t cap = st->tcap ? st->tcap * 2 : 64;
	timing_entry **t = calloc(cap, sizeof(*t));

	if (t == NULL)
		return false;
	for (size_t i = 0; i < st->n; i++) {
		size_t h = timing_hash(st->entries[i]->label) & (cap - 1);
		while (t[h] != NULL)
			h = (h + 1) & (cap - 1);
		t[h] = st->entries[i];
	}
	free(st->table);
	st->table = t;
	st->tcap = cap;
	return true;
}

/* The entry of a site's label, created on first sight. */
static timing_entry *timing_entry_get(timing_state *st, const hp_site_info *info)
{
	const char *label = info->label;
	size_t h;
	timing_entry *e;

	if ((st->n + 1) * 2 > st->tcap && !timing_rehash(st))
		return NULL;
	for (h = timing_hash(label) & (st->tcap - 1); st->table[h] != NULL;
	     h = (h + 1) & (st->tcap - 1))
		if (strcmp(st->table[h]->label, label) == 0)
			return st->table[h];
	if (st->n == st->cap) {
		size_t cap = st->cap ? st->cap * 2 : 32;
		timing_entry **p = realloc(st->entries, cap * sizeof(*p));
		if (p == NULL)
			return NULL;
		st->entries = p;
		st->cap = cap;
	}
	if ((e = calloc(1, sizeof(*e))) == NULL)
		return NULL;
	if (st->log_cap && (e->log = calloc(st->log_cap, sizeof(*e->log))) == NULL) {
		free(e);
		return NULL;
	}
	e->label = label;
	e->file = info->file;
	e->line = info->line;
	hpi_hist_init(&e->hist);
	st->entries[st->n++] = e;
	st->table[h] = e;
	return e;
}

/* The entry of a site id: an array lookup after the first event. */
static timing_entry *timing_site(timing_state *st, uint32_t id)
{
	const hp_site_info *info;
	void **slot = hpi_sitemap_slot(&st->by_site, &st->nsites, id);

	if (slot == NULL)
		return NULL;
	if (*slot == NULL && (info = st->host->site(id)) != NULL) {
		if (hpi_filter_pass(st->filter, info->label)) {
			*slot = timing_entry_get(st, info);
		} else {
			*slot = &timing_skip;
			hpi_auto_site_off(id); /* an auto site: no longer measured */
		}
	}
	return *slot;
}

static int timing_init(const hp_host *host, const hp_options *opts, void **state,
		       char **cause)
{
	timing_state *st = calloc(1, sizeof(*st));
	long long cap = host->option_int(opts, "recent_logs", 50);
	const hpi_strv *inc = hpi_options_strv(opts, "include");
	const hpi_strv *exc = hpi_options_strv(opts, "exclude");

	(void)cause;
	if (st == NULL)
		return HP_ENOMEM;
	if (inc != NULL && exc != NULL)
		st->filter = hpi_filter_new(inc, exc);
	st->host = host;
	st->log_cap = cap > 0 ? (size_t)cap : 0;
	*state = st;
	return 0;
}

/* One scope event: histogram and recent-calls ring. */
static inline void timing_one(timing_state *st, const hp_event *ev)
{
	timing_entry *e;
	timing_call *c;

	if (__builtin_expect(ev->site < st->nsites && st->by_site[ev->site] != NULL, 1))
		e = st->by_site[ev->site];
	else if ((e = timing_site(st, ev->site)) == NULL)
		return;
	if (e == &timing_skip)
		return;
	hpi_hist_add(&e->hist, ev->dur_ns);
	if (__builtin_expect(ev->data != NULL, 0) &&
	    (*(const uint32_t *)ev->data & HP_SCOPE_RECURSIVE))
		e->nested += ev->dur_ns;
	if (st->log_cap == 0)
		return;
	c = &e->log[e->log_head];
	c->dur = ev->dur_ns;
	c->tid = ev->tid;
	c->time = ev->time_ns;
	if (++e->log_head == st->log_cap) /* no division on the per-event path */
		e->log_head = 0;
	if (e->log_n < st->log_cap)
		e->log_n++;
}

static void timing_event(void *state, const hp_event *ev)
{
	timing_one(state, ev);
}

/* The run of events of one site at evs (at most n, at most 1024): buckets
 * per event, the totals once, and only the calls the recent log will keep.
 * Returns the run's length. */
static size_t timing_run(timing_state *st, timing_entry *e, const hp_event *evs, size_t n)
{
	hpi_hist *h = &e->hist;
	uint64_t mn = h->min, mx = h->max, sum = 0, nested = 0;
	uint32_t site = evs[0].site;
	size_t i;

	if (n > 1024) /* keep the 64-bit partial sum far from overflow */
		n = 1024;
	for (i = 0; i < n && evs[i].site == site; i++) {
		uint64_t v = evs[i].dur_ns;

		sum += v; /* <= 1024 values: no overflow below 2^54 ns each */
		mn = v < mn ? v : mn;
		mx = v > mx ? v : mx;
		if (__builtin_expect(evs[i].data != NULL, 0) &&
		    (*(const uint32_t *)evs[i].data & HP_SCOPE_RECURSIVE))
			nested += v;
		hpi_hist_bump(h, v);
	}
	n = i;
	h->count += n;
	h->sum += sum;
	h->min = mn;
	h->max = mx;
	e->nested += nested;
	for (i = n > st->log_cap ? n - st->log_cap : 0; i < n; i++) {
		timing_call *c = &e->log[e->log_head];
		c->dur = evs[i].dur_ns;
		c->tid = evs[i].tid;
		c->time = evs[i].time_ns;
		if (++e->log_head == st->log_cap)
			e->log_head = 0;
		if (e->log_n < st->log_cap)
			e->log_n++;
	}
	return n;
}

/* The histogram side of the run of plain records of p's site that starts
 * at p (at most n long): buckets, count, sum, min and max in one pass over
 * the records.  p is a plain record, so the same tag is a plain call's tag.
 * mh is the multiplier's high half, a constant 0 for a clock of 1 GHz or
 * more.  Returns the run's length. */
static inline __attribute__((always_inline)) size_t
timing_recs_hist(hpi_hist *h, const struct hp__rec *p, size_t n, uint64_t t0,
		 uint64_t mh, uint64_t ml)
{
	uint64_t mn = h->min, mx = h->max, sum = 0;
	uint32_t site = p->site;
	size_t i;

	for (i = 0; i < n; i++) {
		uint64_t v;

		if (p[i].site != site || p[i].dt == HPI_DT_EXT || p[i].t < t0)
			break;
		v = hpi_ticks32_ns(p[i].dt, mh, ml);
		sum += v;
		mn = v < mn ? v : mn;
		mx = v > mx ? v : mx;
		hpi_hist_bump(h, v);
	}
	h->count += i;
	h->sum += sum;
	h->min = mn;
	h->max = mx;
	return i;
}

size_t hpi_timing_records(void *state, const struct hp__rec *p, const struct hp__rec *end,
			  uint64_t tid, uint64_t t0, uint64_t mult)
{
	timing_state *st = state;
	uint32_t site = p->site;
	uint64_t mh = mult >> 32, ml = (uint32_t)mult;
	size_t n = (size_t)(end - p);
	timing_entry *e;

	if (n > 1024) /* keep the 64-bit partial sum far from overflow */
		n = 1024;
	if (__builtin_expect(site < st->nsites && st->by_site[site] != NULL, 1))
		e = st->by_site[site];
	else
		e = timing_site(st, site);
	if (e == NULL || e == &timing_skip) {
		size_t i = 1;

		while (i < n && p[i].site == site && p[i].dt != HPI_DT_EXT && p[i].t >= t0)
			i++;
		return i;
	}
	if (mh == 0)
		n = timing_recs_hist(&e->hist, p, n, t0, 0, ml);
	else
		n = timing_recs_hist(&e->hist, p, n, t0, mh, ml);
	/* the recent log: only the calls it keeps get a start time */
	for (size_t i = n > st->log_cap ? n - st->log_cap : 0; i < n; i++) {
		timing_call *c = &e->log[e->log_head];
		c->dur = hpi_ticks32_ns(p[i].dt, mh, ml);
		c->tid = tid;
		c->time = (uint64_t)(((unsigned __int128)(p[i].t - t0) * mult) >> 32);
		if (++e->log_head == st->log_cap)
			e->log_head = 0;
		if (e->log_n < st->log_cap)
			e->log_n++;
	}
	return n;
}

/* Skips the run of events of one site at evs (a site left out). */
static size_t timing_skip_run(const hp_event *evs, size_t n)
{
	size_t i = 1;

	while (i < n && evs[i].site == evs[0].site)
		i++;
	return i;
}

static void timing_events(void *state, const hp_event *evs, size_t n)
{
	timing_state *st = state;

	for (size_t i = 0; i < n;) {
		uint32_t site = evs[i].site;
		timing_entry *e;

		if (site < st->nsites && st->by_site[site] != NULL)
			e = st->by_site[site];
		else
			e = timing_site(st, site);
		if (e == NULL || e == &timing_skip)
			i += timing_skip_run(evs + i, n - i);
		else
			i += timing_run(st, e, evs + i, n - i);
	}
}

/* Total: every call's time, less recursive calls' (already counted). */
static uint64_t timing_total(const timing_entry *e)
{
	uint64_t sum = hpi_hist_sum(&e->hist);

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

/* Percentile column key: p99, p99.9, p0. */
static void timing_pkey(char *buf, size_t len, double p, bool title)
{
	snprintf(buf, len, title ? "P%g" : "p%g", p);
}

/* The row's recent calls, newest first. */
static void timing_log(timing_state *st, const timing_entry *e, hp_section *sec, size_t row)
{
	const hp_host *h = st->host;
	hp_section *log;

	if (e->log_n == 0 || (log = h->row_log(sec, row)) == NULL)
		return;
	h->column_add(log, "duration", "Duration", HP_UNIT_NS);
	h->column_add(log, "tid", "Thread", HP_UNIT_COUNT);
	h->column_add(log, "time", "Time", HP_UNIT_NS);
	for (size_t i = 0; i < e->log_n; i++) {
		size_t k = (e->log_head + st->log_cap - 1 - i) % st->log_cap;
		size_t r = h->row_add(log);
		h->cell_int(log, r, 0, (int64_t)e->log[k].dur);
		h->cell_int(log, r, 1, (int64_t)e->log[k].tid);
		h->cell_int(log, r, 2, (int64_t)e->log[k].time);
	}
}

/* One row per label. */
static void timing_row(timing_state *st, const timing_entry *e, hp_section *sec,
		       const double *p, size_t np, uint64_t elapsed)
{
	const hp_host *h = st->host;
	size_t r = h->row_add(sec), c = 0;
	uint64_t sum = hpi_hist_sum(&e->hist), total = timing_total(e);

	h->cell_text(sec, r, c++, e->label);
	h->cell_int(sec, r, c++, (int64_t)e->hist.count);
	h->cell_int(sec, r, c++, (int64_t)(e->hist.count ? sum / e->hist.count : 0));
	h->cell_int(sec, r, c++, (int64_t)e->hist.min);
	h->cell_int(sec, r, c++, (int64_t)e->hist.max);
	for (size_t i = 0; i < np; i++)
		h->cell_int(sec, r, c++, (int64_t)hpi_hist_percentile(&e->hist, p[i]));
	h->cell_int(sec, r, c++, (int64_t)total);
	h->cell_real(sec, r, c++, elapsed ? 100.0 * (double)total / (double)elapsed : 0.0);
	h->cell_text(sec, r, c++, e->file);
	if (e->line > 0)
		h->cell_int(sec, r, c, e->line);
	timing_log(st, e, sec, r);
}

static int timing_snapshot(void *state, hp_snapshot *snap)
{
	timing_state *st = state;
	const hp_host *h = st->host;
	size_t np;
	const double *p = h->percentiles(&np);
	hp_section *sec = h->section_add(snap, "functions", "Functions");
	hpi_buf cols;
	char key[32], title[32];

	if (sec == NULL)
		return HP_ENOMEM;
	h->column_add(sec, "name", "Function", HP_UNIT_TEXT);
	h->column_add(sec, "calls", "Calls", HP_UNIT_COUNT);
	h->column_add(sec, "avg", "Avg", HP_UNIT_NS);
	h->column_add(sec, "min", "Min", HP_UNIT_NS);
	h->column_add(sec, "max", "Max", HP_UNIT_NS);
	hpi_buf_init(&cols);
	hpi_buf_puts(&cols, "name,calls,avg");
	for (size_t i = 0; i < np; i++) {
		timing_pkey(key, sizeof(key), p[i], false);
		timing_pkey(title, sizeof(title), p[i], true);
		h->column_add(sec, key, title, HP_UNIT_NS);
		hpi_buf_printf(&cols, ",%s", key);
	}
	hpi_buf_puts(&cols, ",total,percent_total");
	h->column_add(sec, "total", "Total", HP_UNIT_NS);
	h->column_add(sec, "percent_total", "% Total", HP_UNIT_PERCENT);
	/* in JSON and for consoles, not in the table (table.columns) */
	h->column_add(sec, "file", "File", HP_UNIT_TEXT);
	h->column_add(sec, "line", "Line", HP_UNIT_COUNT);
	h->meta_set(sec, "table.columns", cols.data ? cols.data : "");
	hpi_buf_fini(&cols);
	if (st->n > 1)
		qsort(st->entries, st->n, sizeof(*st->entries), timing_cmp);
	for (size_t i = 0; i < st->n; i++)
		timing_row(st, st->entries[i], sec, p, np, h->elapsed_ns());
	return 0;
}

static void timing_fini(void *state)
{
	timing_state *st = state;

	if (st == NULL)
		return;
	for (size_t i = 0; i < st->n; i++) {
		hpi_hist_fini(&st->entries[i]->hist);
		free(st->entries[i]->log);
		free(st->entries[i]);
	}
	free(st->entries);
	free(st->table);
	free(st->by_site);
	hpi_filter_free(st->filter);
	free(st);
}

/* collectors.timing.*: docs/config.md's rows are checked against these. */
static const hp_option timing_options[] = {
	{ .key = "enabled", .type = HP_OPT_BOOL, .dflt = "true",
	  .help = "Per-function timing." },
	{ .key = "recent_logs", .type = HP_OPT_INT, .min = 0, .max = 100000, .dflt = "50",
	  .env = "HOTPATH_RECENT_LOGS", .help = "Recent calls kept per function." },
	{ .key = "include", .type = HP_OPT_LIST, .env = "HOTPATH_TIMING_INCLUDE",
	  .help = "Report only the functions whose label matches one item (empty = all). "
		  "An item is a glob (`\"parser::*\"`, fnmatch) or a POSIX extended regex "
		  "between slashes (`\"/^eval::/\"`); see [auto.md](auto.md#filters)." },
	{ .key = "exclude", .type = HP_OPT_LIST, .env = "HOTPATH_TIMING_EXCLUDE",
	  .help = "Then leave out the functions whose label matches any item. A bad regex "
		  "is one `[hotpath]` line naming its file:line:column and index, and is "
		  "left out." },
	{ .key = NULL },
};

const hp_plugin_ops hpi_timing_plugin = {
	.abi = HP_PLUGIN_ABI,
	.size = sizeof(hp_plugin_ops),
	.name = "timing",
	.description = "per-function timing: calls, avg, percentiles, total",
	.events = HP_EV_BIT(HP_EV_SCOPE),
	.init = timing_init,
	.on_event = timing_event,
	.snapshot = timing_snapshot,
	.fini = timing_fini,
	.on_events = timing_events,
	.options = timing_options,
};
