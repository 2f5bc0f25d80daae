/* SPDX-License-Identifier: MIT */
/*
 * alloc.c - the built-in alloc plugin: per measured function, the bytes and
 * the number of allocations of each call (avg, percentiles, total, share of
 * everything allocated) and what is still live (docs/alloc.md).  Two
 * sections, alloc_bytes and alloc_count, like the Rust original's two
 * allocation tables.  Runs only while libhotpath-alloc is loaded.
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <hotpath/plugin.h> /* all it uses: it could be an external plugin */

typedef struct alloc_entry {
	const char *label;      /* borrowed from the site registry */
	hp_hist *bytes, *count; /* per call */
	uint64_t live_bytes, live_count; /* this snapshot's */
	uint64_t sum, live;     /* the section being written: its total, live */
} alloc_entry;

typedef struct alloc_state {
	const hp_host *host;
	bool self;
	void **by_site;         /* site id -> alloc_entry */
	size_t nsites;
	alloc_entry **entries;
	size_t n, cap;
	uint64_t all_bytes, all_count; /* every thread's, this guard */
	uint64_t live_at;       /* elapsed ns of the last walk; 0 = never */
} alloc_state;

/* While the program runs, live blocks are walked at most once a second:
 * the walk holds libhotpath-alloc's lock, which a thread freeing another
 * thread's block waits for.  The report's snapshot always walks. */
#define ALLOC_LIVE_EVERY_NS 1000000000u

/* The entry of a label (site ids with one label share it). */
static alloc_entry *alloc_label(alloc_state *st, const char *label)
{
	const hp_host *h = st->host;
	alloc_entry *e;

	if ((e = hp_plugin_label_find((void *const *)st->entries, st->n, label)) != NULL)
		return e;
	if ((e = calloc(1, sizeof(*e))) == NULL)
		return NULL;
	e->label = label;
	e->bytes = h->hist_new();
	e->count = h->hist_new();
	if (e->bytes == NULL || e->count == NULL ||
	    !hp_plugin_push((void ***)&st->entries, &st->n, &st->cap, e)) {
		h->hist_free(e->bytes);
		h->hist_free(e->count);
		free(e);
		return NULL;
	}
	return e;
}

static alloc_entry *alloc_site(alloc_state *st, uint32_t id)
{
	const hp_site_info *info;
	void **slot;

	if (id < st->nsites && st->by_site[id] != NULL)
		return st->by_site[id];
	if ((slot = hp_plugin_site_slot(&st->by_site, &st->nsites, id)) == NULL)
		return NULL;
	if (*slot == NULL && (info = st->host->site(id)) != NULL)
		*slot = alloc_label(st, info->label);
	return *slot;
}

static int alloc_init(const hp_host *host, const hp_options *opts, void **state, char **cause)
{
	alloc_state *st = calloc(1, sizeof(*st));

	(void)cause;
	if (st == NULL)
		return HP_ENOMEM;
	st->host = host;
	st->self = host->option_int(opts, "self", 0) != 0;
	*state = st;
	return 0;
}

static void alloc_events(void *state, const hp_event *evs, size_t n)
{
	alloc_state *st = state;
	const hp_host *h = st->host;

	for (size_t i = 0; i < n; i++) {
		alloc_entry *e = alloc_site(st, evs[i].site);
		if (e == NULL)
			continue;
		h->hist_add(e->bytes, evs[i].bytes);
		h->hist_add(e->count, evs[i].data ? *(const uint64_t *)evs[i].data : 0);
	}
}

static void alloc_event(void *state, const hp_event *ev)
{
	alloc_events(state, ev, 1);
}

/* ---- the live view -------------------------------------------------------- */

/* One context's live blocks: to its innermost site (self), or to every
 * distinct site of it (cumulative). */
static void alloc_live_one(void *u, const uint32_t *sites, uint32_t n, uint64_t bytes,
			   uint64_t blocks)
{
	alloc_state *st = u;
	uint32_t first = st->self ? n - 1 : 0;

	for (uint32_t k = first; k < n; k++) {
		alloc_entry *e = alloc_site(st, sites[k]);
		bool seen = false;
		if (e == NULL)
			continue;
		for (uint32_t j = first; j < k && !seen; j++)
			seen = alloc_site(st, sites[j]) == e; /* recursion: once */
		if (seen)
			continue;
		e->live_bytes += bytes;
		e->live_count += blocks;
	}
}

static void alloc_thread_one(void *u, const hp_alloc_thread *t)
{
	alloc_state *st = u;

	st->all_bytes += t->bytes;
	st->all_count += t->count;
}

/* Live bytes per entry, and every thread's totals. */
static void alloc_live(alloc_state *st)
{
	const hp_host *h = st->host;
	uint64_t now = h->elapsed_ns();
	bool running = (h->alloc_status() & HP_ALLOC_RUNNING) != 0;

	if (running && st->live_at != 0 && now - st->live_at < ALLOC_LIVE_EVERY_NS)
		return; /* the last walk's figures stand */
	st->live_at = now ? now : 1;

	for (size_t i = 0; i < st->n; i++)
		st->entries[i]->live_bytes = st->entries[i]->live_count = 0;
	st->all_bytes = st->all_count = 0;
	if (h->alloc_live(alloc_live_one, st) == 0)
		h->alloc_threads(alloc_thread_one, st);
}

/* ---- sections ------------------------------------------------------------- */

/* Most first (sum: this section's total), then most live, then label. */
static int alloc_cmp(const void *a, const void *b)
{
	const alloc_entry *x = *(alloc_entry *const *)a, *y = *(alloc_entry *const *)b;

	if (x->sum != y->sum)
		return x->sum > y->sum ? -1 : 1;
	if (x->live != y->live)
		return x->live > y->live ? -1 : 1;
	return strcmp(x->label, y->label);
}

/* The columns, and the subset the table shows. */
static void alloc_columns(const hp_host *h, hp_section *sec, hp_unit u, const double *p,
			  size_t np)
{
	char cols[1024] = "name,calls,avg", key[32], title[32];
	size_t o = strlen(cols);

	h->column_add(sec, "name", "Function", HP_UNIT_TEXT);
	h->column_add(sec, "calls", "Calls", HP_UNIT_COUNT);
	h->column_add(sec, "avg", "Avg", u);
	for (size_t i = 0; i < np; i++) {
		snprintf(key, sizeof(key), "p%g", p[i]);
		snprintf(title, sizeof(title), "P%g", p[i]);
		h->column_add(sec, key, title, u);
		if (o < sizeof(cols))
			o += (size_t)snprintf(cols + o, sizeof(cols) - o, ",%s", key);
	}
	if (o < sizeof(cols))
		snprintf(cols + o, sizeof(cols) - o, ",total,percent_total,live");
	h->column_add(sec, "total", "Total", u);
	h->column_add(sec, "percent_total", "% Total", HP_UNIT_PERCENT);
	h->column_add(sec, "live", "Live", u);
	/* per call, for hotpath merge (docs/report-format.md) */
	h->column_add(sec, "hist", "Histogram", HP_UNIT_TEXT);
	h->meta_set(sec, "table.columns", cols);
	h->meta_set(sec, "merge.avg", "nearest"); /* avg is rounded to nearest */
}

/* One of the two sections: the same columns over bytes or counts. */
static int alloc_section(alloc_state *st, hp_snapshot *snap, bool bytes)
{
	const hp_host *h = st->host;
	size_t np;
	const double *p = h->percentiles(&np);
	hp_section *sec = bytes ? h->section_add(snap, "alloc_bytes", "Allocated bytes")
				: h->section_add(snap, "alloc_count", "Allocations");
	uint64_t all = bytes ? st->all_bytes : st->all_count;
	char num[32];

	if (sec == NULL)
		return HP_ENOMEM;
	alloc_columns(h, sec, bytes ? HP_UNIT_BYTES : HP_UNIT_COUNT, p, np);
	h->meta_set(sec, "alloc.mode", st->self ? "self" : "cumulative");
	snprintf(num, sizeof(num), "%llu", (unsigned long long)all);
	h->meta_set(sec, "alloc.all", num);
	for (size_t i = 0; i < st->n; i++) {
		alloc_entry *e = st->entries[i];
		e->sum = h->hist_sum(bytes ? e->bytes : e->count);
		e->live = bytes ? e->live_bytes : e->live_count;
	}
	if (st->n > 1)
		qsort(st->entries, st->n, sizeof(*st->entries), alloc_cmp);
	for (size_t i = 0; i < st->n; i++) {
		const alloc_entry *e = st->entries[i];
		const hp_hist *hh = bytes ? e->bytes : e->count;
		uint64_t total = e->sum, calls = h->hist_count(hh);
		size_t r = h->row_add(sec), c = 0;

		h->cell_text(sec, r, c++, e->label);
		h->cell_int(sec, r, c++, (int64_t)calls);
		h->cell_int(sec, r, c++, (int64_t)(calls ? (total + calls / 2) / calls : 0));
		for (size_t k = 0; k < np; k++)
			h->cell_int(sec, r, c++, calls ? (int64_t)h->hist_percentile(hh, p[k]) : 0);
		h->cell_int(sec, r, c++, (int64_t)total);
		h->cell_real(sec, r, c++, all ? 100.0 * (double)total / (double)all : 0.0);
		h->cell_int(sec, r, c++, (int64_t)e->live);
		h->cell_hist(sec, r, c, hh);
	}
	return 0;
}

static int alloc_snapshot(void *state, hp_snapshot *snap)
{
	alloc_state *st = state;
	int rv;

	alloc_live(st);
	if ((rv = alloc_section(st, snap, true)) != 0)
		return rv;
	return alloc_section(st, snap, false);
}

static void alloc_fini(void *state)
{
	alloc_state *st = state;

	if (st == NULL)
		return;
	for (size_t i = 0; i < st->n; i++) {
		st->host->hist_free(st->entries[i]->bytes);
		st->host->hist_free(st->entries[i]->count);
		free(st->entries[i]);
	}
	free(st->entries);
	free(st->by_site);
	free(st);
}

/* collectors.alloc.* */
static const hp_option alloc_options[] = {
	{ .key = "enabled", .type = HP_OPT_BOOL, .dflt = "false", .env = "HOTPATH_ALLOC",
	  .help = "Per-function allocations ([alloc.md](alloc.md)); needs libhotpath-alloc, and loading it "
		  "turns this on." },
	{ .key = "self", .type = HP_OPT_BOOL, .dflt = "false", .env = "HOTPATH_ALLOC_SELF",
	  .help = "Count only a function's own allocations, not those of the measured "
		  "functions it calls." },
	{ .key = NULL },
};

const hp_plugin_ops hpi_alloc_plugin = {
	.abi = HP_PLUGIN_ABI,
	.size = sizeof(hp_plugin_ops),
	.name = "alloc",
	.description = "per-function allocations: bytes, counts, live bytes",
	.events = HP_EV_BIT(HP_EV_ALLOC),
	.init = alloc_init,
	.on_event = alloc_event,
	.snapshot = alloc_snapshot,
	.fini = alloc_fini,
	.on_events = alloc_events,
	.options = alloc_options,
};
