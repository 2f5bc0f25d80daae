/* SPDX-License-Identifier: MIT */
/*
 * timing.c - the built-in timing plugin: per label, calls, avg, min, max,
 * total, share of the guard's wall time, percentiles, and a log of the most
 * recent calls.  It uses only hotpath/plugin.h, as an external plugin
 * would: the host's histogram (embedded, values added inline) and filter
 * (collectors.timing.include / exclude, checked once per site), and
 * measured calls as records (hp_plugin_ops.on_records) when it is the only
 * plugin that wants them.
 *
 * A recursive auto-instrumented call (HP_SCOPE_RECURSIVE) counts as a call
 * with its own duration in avg, min, max and the percentiles, but its time
 * is not added to Total again: it is already in the outermost call's.
 *
 * This file: sites, the record loop, init and fini; timing_snap.c builds the
 * sections from timing.h's state.
 *
 * Self time and the call tree (calltree.c) are rebuilt from every thread's
 * calls in the order they ended: the "calls" and "stacks" sections.
 *
 * A sampled site (hp_host.sample_rate, docs/sampling.md) times 1 in N calls and
 * counts them all: its timed calls go to the histogram and the log as any
 * other, and are also summed apart, so that at snapshot time its total and
 * self time are scaled by calls / timed calls; the count is exact.
 */
#define _POSIX_C_SOURCE 200809L /* strdup */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <hotpath/plugin.h> /* all it uses of hotpath */
#include "timing.h"

timing_entry hpi_timing_skip;

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
	if (hp_ring_init(&e->log, st->log_cap, sizeof(timing_call)) != 0) {
		free(e);
		return NULL;
	}
	e->label = label;
	e->idx = (uint32_t)st->n;
	e->file = info->file;
	e->line = info->line;
	st->host->hist_init(&e->hist);
	st->entries[st->n++] = e;
	st->table[h] = e;
	return e;
}

timing_entry *hpi_timing_site(timing_state *st, uint32_t id)
{
	const hp_site_info *info;
	void **slot = hp_plugin_site_slot(&st->by_site, &st->nsites, id);

	if (slot == NULL)
		return NULL;
	if (*slot == NULL && (info = st->host->site(id)) != NULL) {
		if (st->host->filter_pass(st->filter, info->label)) {
			uint32_t r = st->host->sample_rate(id);
			*slot = timing_entry_get(st, info);
			if (*slot != NULL && r != 0 && r != 2 &&
			    hp_plugin_grow(&st->ssamp, &st->nssamp, 1, id)) {
				st->ssamp[id] = 1;
				((timing_entry *)*slot)->sampled = true;
				((timing_entry *)*slot)->s_rate = r - 1;
			}
		} else {
			*slot = &hpi_timing_skip;
			st->host->site_off(id); /* an auto site: no longer measured */
		}
	}
	return *slot;
}

/* Whether site id is sampled (its calls are added up apart too). */
static inline bool timing_sampled(const timing_state *st, uint32_t id)
{
	return __builtin_expect(id < st->nssamp, 0) && st->ssamp[id];
}

static int timing_init(const hp_host *host, const hp_options *opts, void **state,
		       char **cause)
{
	timing_state *st = calloc(1, sizeof(*st));
	long long cap = host->option_int(opts, "recent_logs", 50);
	const char *sort;

	if (host->size < offsetof(hp_host, snapshot_get) + sizeof(host->snapshot_get)) {
		free(st);
		*cause = strdup("the host is older than the plugin (no inline histograms)");
		return HP_EINVAL;
	}
	if (st == NULL)
		return HP_ENOMEM;
	st->host = host;
	st->filter = host->filter_new(opts, "include", "exclude");
	if (host->option_int(opts, "call_tree", 1) && (st->tree = hpi_ctree_new()) == NULL) {
		host->filter_free(st->filter);
		free(st);
		return HP_ENOMEM;
	}
	if ((sort = host->setting(opts, "report.sort")) != NULL) {
		if (strcmp(sort, "self") == 0)
			st->sort_self = st->tree != NULL;
		else if (strcmp(sort, "total") != 0)
			host->warn("timing", "report.sort: \"%s\" is neither total nor self; "
				   "sorting by total", sort);
	}
	st->log_cap = cap > 0 ? (size_t)cap : 0;
	*state = st;
	return 0;
}

/* The call tree's state of thread tid (the last one's kept at hand); NULL
 * when out of memory. */
static inline hpi_ct_thread *timing_ct_thread(timing_state *st, uint64_t tid)
{
	if (st->ct_th == NULL || st->ct_tid != tid) {
		st->ct_th = hpi_ctree_thread(st->tree, tid);
		st->ct_tid = tid;
	}
	return st->ct_th;
}

/* One call of entry e (NULL or hpi_timing_skip: left out) for the call tree:
 * its self time, added to e->self and returned (the call may stop a
 * replay, whose calls' self times go to their functions then: not
 * e->self - its value before).  start orders the thread's calls (ticks or
 * ns). */
static inline uint64_t timing_tree(timing_state *st, timing_entry *e, uint64_t tid,
				   uint64_t start, uint64_t dur, unsigned depth)
{
	hpi_ct_thread *th;
	uint64_t self;

	if (st->tree == NULL || (th = timing_ct_thread(st, tid)) == NULL)
		return 0;
	self = hpi_ctree_call(st->tree, th, e == NULL || e == &hpi_timing_skip ? HPI_CT_NONE : e->idx,
			      start, dur, depth);
	if (e == NULL || e == &hpi_timing_skip)
		return 0;
	e->self += self;
	return self;
}

/* The 6-bit depth of a SCOPE event (0 when it has none). */
static inline unsigned timing_depth(const hp_event *ev)
{
	uint32_t f = ev->data != NULL ? *(const uint32_t *)ev->data : 0;

	return f & HP_SCOPE_HAS_DEPTH ? HP_SCOPE_DEPTH(f) : 0;
}

/* One scope event begun at start (ticks or ns, as the thread's other
 * calls): histogram, recent-calls ring, call tree. */
static inline void timing_one(timing_state *st, const hp_event *ev, uint64_t start)
{
	timing_entry *e;
	timing_call *c;

	if (__builtin_expect(ev->site < st->nsites && st->by_site[ev->site] != NULL, 1))
		e = st->by_site[ev->site];
	else
		e = hpi_timing_site(st, ev->site);
	uint64_t self = timing_tree(st, e, ev->tid, start, ev->dur_ns, timing_depth(ev));

	if (e == NULL || e == &hpi_timing_skip)
		return;
	hp_hist_add(st->host, &e->hist, ev->dur_ns);
	if (timing_sampled(st, ev->site)) {
		e->s_timed++;
		e->s_sum += ev->dur_ns;
		e->s_self += self;
	}
	if (__builtin_expect(ev->data != NULL, 0) &&
	    (*(const uint32_t *)ev->data & HP_SCOPE_RECURSIVE))
		e->nested += ev->dur_ns;
	if ((c = HP_RING_PUSH(&e->log, timing_call)) == NULL)
		return;
	c->dur = ev->dur_ns;
	c->tid = ev->tid;
	c->time = ev->time_ns;
}

static void timing_event(void *state, const hp_event *ev)
{
	timing_state *st = state;

	if (ev->kind == HP_EV_SCOPE)
		timing_one(st, ev, ev->time_ns);
	else if (ev->kind == HP_EV_THREAD_EXIT && st->tree != NULL) {
		st->ct_th = NULL;
		hpi_ctree_thread_exit(st->tree, ev->tid);
	}
}

/* on_scope: a SCOPE event among on_records' calls, tick its start. */
static void timing_scope(void *state, const hp_event *ev, uint64_t tick)
{
	timing_one(state, ev, tick);
}

/* The run of events of one site at evs (at most n, at most 1024): buckets
 * per event, the totals once, and only the calls the recent log will keep.
 * Returns the run's length. */
static size_t timing_run(timing_state *st, timing_entry *e, const hp_event *evs, size_t n)
{
	hp_hist *h = &e->hist;
	uint64_t mn = h->min, mx = h->max, sum = 0, nested = 0, self = 0;
	uint32_t site = evs[0].site;
	size_t i;

	if (n > 1024) /* keep the 64-bit partial sum far from overflow */
		n = 1024;
	for (i = 0; i < n && evs[i].site == site && evs[i].kind == HP_EV_SCOPE; i++) {
		uint64_t v = evs[i].dur_ns;

		self += timing_tree(st, e, evs[i].tid, evs[i].time_ns, v, timing_depth(&evs[i]));
		sum += v; /* <= 1024 values: no overflow below 2^54 ns each */
		mn = v < mn ? v : mn;
		mx = v > mx ? v : mx;
		if (__builtin_expect(evs[i].data != NULL, 0) &&
		    (*(const uint32_t *)evs[i].data & HP_SCOPE_RECURSIVE))
			nested += v;
		hp_hist_bump(st->host, h, v);
	}
	n = i;
	h->count += n;
	h->sum += sum;
	h->min = mn;
	h->max = mx;
	e->nested += nested;
	if (timing_sampled(st, site)) {
		e->s_timed += n;
		e->s_sum += sum;
		e->s_self += self;
	}
	for (i = hp_ring_skip(&e->log, n); i < n; i++) {
		timing_call *c = HP_RING_PUSH(&e->log, timing_call);
		c->dur = evs[i].dur_ns;
		c->tid = evs[i].tid;
		c->time = evs[i].time_ns;
	}
	return n;
}

/* The histogram side of the run of plain records of p's site that starts
 * at p (at most n long): buckets, count, sum, min and max in one pass over
 * the records.  p is a plain record, so the same tag is a plain call's tag.
 * mh is the multiplier's high half, a constant 0 for a clock of 1 GHz or
 * more.  *v0p is the first call's duration.  Returns the run's length. */
static inline __attribute__((always_inline)) size_t
timing_recs_hist(const hp_host *host, hp_hist *h, const hp_record *p, size_t n, uint64_t t0,
		 uint64_t mh, uint64_t ml, uint64_t *sump, uint64_t *v0p)
{
	uint64_t v0 = hp_ticks32_ns(p->dt, mh, ml);
	uint64_t mn = v0 < h->min ? v0 : h->min, mx = v0 > h->max ? v0 : h->max, sum = v0;
	uint32_t site = p->site;
	size_t i;

	/* the first is plain (n >= 1): its duration is the call tree's too */
	hp_hist_bump(host, h, v0);
	*v0p = v0;
	for (i = 1; i < n; i++) {
		uint64_t v;

		if (p[i].site != site || p[i].dt == HP_REC_DT_EXT || p[i].t < t0)
			break;
		v = hp_ticks32_ns(p[i].dt, mh, ml);
		sum += v;
		mn = v < mn ? v : mn;
		mx = v > mx ? v : mx;
		hp_hist_bump(host, h, v);
	}
	h->count += i;
	h->sum += sum;
	h->min = mn;
	h->max = mx;
	*sump = sum;
	return i;
}

/* on_records: the run of plain records of p's site from p (the collector
 * hands them over as they are when timing is the only plugin that wants
 * HP_EV_SCOPE). */
static size_t timing_records(void *state, const hp_record *p, const hp_record *end,
			     uint64_t tid, uint64_t t0, uint64_t mult)
{
	timing_state *st = state;
	uint32_t site = p->site, id = HP_REC_SITE(p);
	unsigned depth = HP_REC_DEPTH(p);
	uint64_t mh = mult >> 32, ml = (uint32_t)mult, sum, v0;
	size_t n = (size_t)(end - p);
	timing_entry *e;

	if (n > 1024) /* keep the 64-bit partial sum far from overflow */
		n = 1024;
	if (__builtin_expect(id < st->nsites && st->by_site[id] != NULL, 1))
		e = st->by_site[id];
	else
		e = hpi_timing_site(st, id);
	if (e == NULL || e == &hpi_timing_skip) {
		size_t i = 1;

		/* the tree sees the first (its callees become its caller's);
		 * the others have no callee and nothing to give */
		timing_tree(st, NULL, tid, p->t, hp_ticks32_ns(p->dt, mh, ml), depth);
		while (i < n && p[i].site == site && p[i].dt != HP_REC_DT_EXT && p[i].t >= t0)
			i++;
		return i;
	}
	if (__builtin_expect(!timing_sampled(st, id) && (n == 1 || p[1].site != site), 1)) {
		timing_call *c;

		/* a run of one call (nested calls' runs are): the call tree
		 * first, while the record's values are at hand, then the
		 * histogram with no loop, the recent log with no loop */
		v0 = hp_ticks32_ns(p->dt, mh, ml);
		if (st->tree != NULL)
			hpi_ctree_run(st->tree, tid, site, &e->idx, &e->self, p->t, v0, depth, 1,
				      v0);
		timing_recs_hist(st->host, &e->hist, p, 1, t0, mh, ml, &sum, &v0);
		if ((c = HP_RING_PUSH(&e->log, timing_call)) != NULL) {
			c->dur = v0;
			c->tid = tid;
			c->time = hp_ticks_ns(p->t - t0, mult);
		}
		return 1;
	}
	if (mh == 0)
		n = timing_recs_hist(st->host, &e->hist, p, n, t0, 0, ml, &sum, &v0);
	else
		n = timing_recs_hist(st->host, &e->hist, p, n, t0, mh, ml, &sum, &v0);
	/* the call tree: only the run's first call can have callees (theirs
	 * would come between), the others are leaves of the same level; the
	 * self time goes to e->self (replayed: at the tree's next sync), a
	 * sampled site's at once (key 0: never replayed) */
	if (__builtin_expect(timing_sampled(st, id), 0)) {
		e->s_timed += n;
		e->s_sum += sum;
		if (st->tree != NULL)
			e->s_self += hpi_ctree_run(st->tree, tid, 0, &e->idx, &e->self, p->t, v0,
						   depth, n, sum);
	} else if (st->tree != NULL) {
		hpi_ctree_run(st->tree, tid, site, &e->idx, &e->self, p->t, v0, depth, n, sum);
	}
	/* the recent log: only the calls it keeps get a start time */
	for (size_t i = hp_ring_skip(&e->log, n); i < n; i++) {
		timing_call *c = HP_RING_PUSH(&e->log, timing_call);
		c->dur = hp_ticks32_ns(p[i].dt, mh, ml);
		c->tid = tid;
		c->time = hp_ticks_ns(p[i].t - t0, mult);
	}
	return n;
}

/* Skips the run of events of one site at evs (a site left out); the call
 * tree still sees them. */
static size_t timing_skip_run(timing_state *st, const hp_event *evs, size_t n)
{
	size_t i = 0;

	do {
		timing_tree(st, NULL, evs[i].tid, evs[i].time_ns, evs[i].dur_ns,
			    timing_depth(&evs[i]));
	} while (++i < n && evs[i].site == evs[0].site && evs[i].kind == HP_EV_SCOPE);
	return i;
}

static void timing_events(void *state, const hp_event *evs, size_t n)
{
	timing_state *st = state;

	for (size_t i = 0; i < n;) {
		uint32_t site = evs[i].site;
		timing_entry *e;

		if (evs[i].kind != HP_EV_SCOPE) {
			timing_event(st, &evs[i++]);
			continue;
		}
		if (site < st->nsites && st->by_site[site] != NULL)
			e = st->by_site[site];
		else
			e = hpi_timing_site(st, site);
		if (e == NULL || e == &hpi_timing_skip)
			i += timing_skip_run(st, evs + i, n - i);
		else
			i += timing_run(st, e, evs + i, n - i);
	}
}

static void timing_fini(void *state)
{
	timing_state *st = state;

	if (st == NULL)
		return;
	for (size_t i = 0; i < st->n; i++) {
		st->host->hist_fini(&st->entries[i]->hist);
		hp_ring_free(&st->entries[i]->log);
		free(st->entries[i]);
	}
	free(st->entries);
	free(st->table);
	free(st->by_site);
	free(st->ssamp);
	st->host->filter_free(st->filter);
	hpi_ctree_free(st->tree);
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
	{ .key = "call_tree", .type = HP_OPT_BOOL, .dflt = "true", .env = "HOTPATH_CALL_TREE",
	  .help = "Self time per function and the call tree (the `calls` and `stacks` "
		  "sections); see [calls.md](calls.md)." },
	{ .key = "sample", .type = HP_OPT_INT, .min = 0, .max = 1000000000, .dflt = "1",
	  .env = "HOTPATH_TIME_SAMPLING_RATE",
	  .help = "Time 1 in N calls of every `HP_MEASURE` site on each thread (the N-th, "
		  "2N-th, ...) and count them all; 0 counts without timing, 1 times every "
		  "call. Time figures of a sampled function are estimates; see "
		  "[sampling.md](sampling.md)." },
	{ .key = "sample_sites", .type = HP_OPT_LIST, .env = "HOTPATH_TIMING_SAMPLE_SITES",
	  .help = "Per-function rates, `\"PATTERN=N\"` (a glob or `/regex/` on the label, "
		  "as in `include`); the first match wins over `sample` and over "
		  "`HP_MEASURE_SAMPLED(n)`." },
	{ .key = NULL },
};

const hp_plugin_ops hpi_timing_plugin = {
	.abi = HP_PLUGIN_ABI,
	.size = sizeof(hp_plugin_ops),
	.name = "timing",
	.description = "per-function timing: calls, avg, percentiles, total",
	.events = HP_EV_BIT(HP_EV_SCOPE) | HP_EV_BIT(HP_EV_THREAD_EXIT),
	.init = timing_init,
	.on_event = timing_event,
	.snapshot = hpi_timing_snapshot,
	.fini = timing_fini,
	.on_events = timing_events,
	.options = timing_options,
	.on_records = timing_records,
	.on_scope = timing_scope,
};
