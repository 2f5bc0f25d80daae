/* SPDX-License-Identifier: MIT */
/*
 * slowest.c - an external hotpath plugin: the N longest single calls of the
 * run, with the function, thread and time of each (a view the aggregate
 * table hides: one 80 ms stall among a million 1 µs calls).
 *
 * Build as a shared object and name it in hotpath.yaml:
 *   plugins:
 *     path: [examples/plugin/.libs]
 *     load: [slowest]
 *     options: { slowest: { count: 5, min_ns: 1000 } }
 *
 * It links nothing from libhotpath: all it calls comes in the hp_host table.
 * Its options are declared once, in slowest_options: hotpath checks the
 * values against those rows (with the file:line:column of a bad one), so
 * init reads them without checking again.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <hotpath/plugin.h>

typedef struct slow_call {
	uint64_t dur, tid, time;
	uint32_t site;
} slow_call;

typedef struct slowest {
	const hp_host *host;
	slow_call *heap; /* min-heap on dur: heap[0] is the fastest kept */
	size_t n, cap;
	uint64_t seen;
	uint64_t min_ns; /* shorter calls are not kept */
} slowest;

/* plugins.options.slowest.* (and HOTPATH_PLUGINS_OPTIONS_SLOWEST_*). */
static const hp_option slowest_options[] = {
	{ .key = "count", .type = HP_OPT_INT, .min = 1, .max = 100000, .dflt = "10",
	  .help = "Calls kept, slowest first." },
	{ .key = "min_ns", .type = HP_OPT_INT, .min = 0, .max = 3600000000000LL, .dflt = "0",
	  .help = "Calls shorter than this many nanoseconds are not kept." },
	{ .key = NULL },
};

static int slowest_init(const hp_host *host, const hp_options *opts, void **state,
			char **cause)
{
	slowest *s = calloc(1, sizeof(*s));
	(void)cause;
	if (s == NULL)
		return HP_ENOMEM;
	/* checked against slowest_options by the host: 1..100000, 0..1 h */
	s->cap = (size_t)host->option_int(opts, "count", 10);
	s->min_ns = (uint64_t)host->option_int(opts, "min_ns", 0);
	s->host = host;
	if ((s->heap = calloc(s->cap, sizeof(*s->heap))) == NULL) {
		free(s);
		return HP_ENOMEM;
	}
	*state = s;
	return 0;
}

/* Restores the heap below slot i. */
static void slowest_sift(slowest *s, size_t i)
{
	for (;;) {
		size_t l = 2 * i + 1, r = l + 1, m = i;
		slow_call tmp;
		if (l < s->n && s->heap[l].dur < s->heap[m].dur)
			m = l;
		if (r < s->n && s->heap[r].dur < s->heap[m].dur)
			m = r;
		if (m == i)
			return;
		tmp = s->heap[i];
		s->heap[i] = s->heap[m];
		s->heap[m] = tmp;
		i = m;
	}
}

static void slowest_event(void *state, const hp_event *ev)
{
	slowest *s = state;
	slow_call c = {ev->dur_ns, ev->tid, ev->time_ns, ev->site};

	s->seen++;
	if (c.dur < s->min_ns)
		return;
	if (s->n < s->cap) {
		size_t i = s->n++;
		s->heap[i] = c;
		while (i > 0 && s->heap[(i - 1) / 2].dur > s->heap[i].dur) {
			slow_call tmp = s->heap[i];
			s->heap[i] = s->heap[(i - 1) / 2];
			s->heap[(i - 1) / 2] = tmp;
			i = (i - 1) / 2;
		}
	} else if (c.dur > s->heap[0].dur) {
		s->heap[0] = c;
		slowest_sift(s, 0);
	}
}

static int slowest_cmp(const void *a, const void *b)
{
	const slow_call *x = a, *y = b;

	return x->dur < y->dur ? 1 : x->dur > y->dur ? -1 : 0;
}

static int slowest_snapshot(void *state, hp_snapshot *snap)
{
	slowest *s = state;
	const hp_host *h = s->host;
	slow_call *sorted = malloc((s->n ? s->n : 1) * sizeof(*sorted));
	hp_section *sec = h->section_add(snap, "slowest", "Slowest single calls");
	char seen[32];

	if (sorted == NULL || sec == NULL) {
		free(sorted);
		return HP_ENOMEM;
	}
	memcpy(sorted, s->heap, s->n * sizeof(*sorted));
	qsort(sorted, s->n, sizeof(*sorted), slowest_cmp);
	h->column_add(sec, "function", "Function", HP_UNIT_TEXT);
	h->column_add(sec, "duration", "Duration", HP_UNIT_NS);
	h->column_add(sec, "tid", "Thread", HP_UNIT_COUNT);
	h->column_add(sec, "time", "At", HP_UNIT_NS);
	for (size_t i = 0; i < s->n; i++) {
		const hp_site_info *info = h->site(sorted[i].site);
		size_t r = h->row_add(sec);
		h->cell_text(sec, r, 0, info ? info->label : "?");
		h->cell_int(sec, r, 1, (int64_t)sorted[i].dur);
		h->cell_int(sec, r, 2, (int64_t)sorted[i].tid);
		h->cell_int(sec, r, 3, (int64_t)sorted[i].time);
	}
	snprintf(seen, sizeof(seen), "%llu", (unsigned long long)s->seen);
	h->meta_set(sec, "calls_seen", seen);
	free(sorted);
	return 0;
}

static void slowest_fini(void *state)
{
	slowest *s = state;

	free(s->heap);
	free(s);
}

static const hp_plugin_ops slowest_ops = {
	.abi = HP_PLUGIN_ABI,
	.size = sizeof(hp_plugin_ops),
	.name = "slowest",
	.description = "the N longest single calls, with thread and time",
	.events = HP_EV_BIT(HP_EV_SCOPE),
	.init = slowest_init,
	.on_event = slowest_event,
	.snapshot = slowest_snapshot,
	.fini = slowest_fini,
	.options = slowest_options,
};

HP_PLUGIN_EXPORT const hp_plugin_ops *hp_plugin_entry(void)
{
	return &slowest_ops;
}
