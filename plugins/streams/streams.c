/* SPDX-License-Identifier: MIT */
/*
 * streams.c - the built-in streams plugin: per stream label, items
 * yielded, state (active, closed), rate, and a log of the last items with
 * the formatter's text.  Fed by the hp_stream_* probe (include/hotpath.h).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <hotpath/plugin.h> /* all it uses: it could be an external plugin */

#include "../flow.h" /* shared with channels and futures, plugin.h only */

typedef struct stream_item {
	uint64_t n, time, tid;
	char text[HPI_FLOW_TEXT_MAX + 1];
} stream_item;

/* A label: its log holds stream_item, its streams are its sites; only
 * the label's last item takes text. */
typedef struct stream_entry {
	hpi_flow_entry f;
	uint64_t items;
	uint64_t first, last; /* ns of the first and last item */
} stream_entry;

static const hpi_flow_kind streams_flow = {
	.site_kind = HP_SITE_STREAM,
	.logs_key = "channels.logs_limit",
	.entry_size = sizeof(stream_entry),
	.rec_size = sizeof(stream_item),
	.text_wait = 1,
};

/* One item: counts, and a log line whose text may follow. */
static void streams_item(hpi_flow *f, stream_entry *e, const hp_event *ev)
{
	stream_item *it;

	if (e->items++ == 0 || ev->time_ns < e->first)
		e->first = ev->time_ns;
	if (ev->time_ns > e->last)
		e->last = ev->time_ns;
	if ((it = hpi_flow_log_add(f, &e->f)) == NULL)
		return;
	it->n = e->items;
	it->time = ev->time_ns;
	it->tid = ev->tid;
	hpi_flow_text_wait(f, &e->f, ev->tid, it->text);
}

static void streams_event(void *state, const hp_event *ev)
{
	hpi_flow *f = state;
	hpi_flow_site *s = hpi_flow_site_get(f, ev->site);

	if (s == NULL)
		return;
	switch (ev->kind) {
	case HP_EV_STREAM_ITEM:
		streams_item(f, (stream_entry *)s->e, ev);
		break;
	case HP_EV_STREAM_CLOSE:
		hpi_flow_close(s);
		break;
	case HP_EV_TEXT_CHUNK: /* 8 more bytes of this thread's last item */
		hpi_flow_text_add(s->e, ev);
		break;
	default:
		break;
	}
}

static int streams_init(const hp_host *host, const hp_options *opts, void **state,
			char **cause)
{
	(void)cause;
	return hpi_flow_new(&streams_flow, host, opts, state);
}

/* Most items first, then label. */
static int streams_cmp(const void *a, const void *b)
{
	const stream_entry *x = *(stream_entry *const *)a, *y = *(stream_entry *const *)b;

	if (x->items != y->items)
		return x->items > y->items ? -1 : 1;
	return strcmp(x->f.label, y->f.label);
}

/* Newest first. */
static int streams_item_cmp(const void *a, const void *b)
{
	const stream_item *x = a, *y = b;

	if (x->time != y->time)
		return x->time > y->time ? -1 : 1;
	return x->n > y->n ? -1 : x->n < y->n;
}

/* An item's cells in its label's log. */
static void streams_log_cells(const hp_host *h, hp_section *log, size_t r, const void *rec,
			      void *u)
{
	const stream_item *it = rec;

	(void)u;
	h->cell_int(log, r, 0, (int64_t)it->n);
	h->cell_int(log, r, 1, (int64_t)it->time);
	h->cell_int(log, r, 2, (int64_t)it->tid);
	if (it->text[0] != '\0')
		h->cell_text(log, r, 3, it->text);
}

/* The label's last items (as drained), newest first: a copy of the ring
 * sorted by time, written as a full ring of its own, in order. */
static void streams_log(const hpi_flow *f, const stream_entry *e, hp_section *sec, size_t row)
{
	static const hp_ring_col cols[] = {
		{ "item", "Item", HP_UNIT_COUNT }, { "time", "Time", HP_UNIT_NS },
		{ "tid", "Thread", HP_UNIT_COUNT }, { "value", "Value", HP_UNIT_TEXT },
		{ NULL, NULL, 0 },
	};
	size_t n = e->f.log.n;
	hp_ring sorted = { NULL, n, 0, n };
	stream_item *v;

	if (n == 0 || (v = malloc(n * sizeof(*v))) == NULL)
		return;
	for (size_t i = 0; i < n; i++)
		v[i] = *(const stream_item *)hp_ring_at(&e->f.log, i, sizeof(*v));
	qsort(v, n, sizeof(*v), streams_item_cmp);
	sorted.rec = v;
	hp_ring_log(f->host, sec, row, &sorted, sizeof(*v), cols, HP_RING_OLDEST, 0,
		    streams_log_cells, NULL);
	free(v);
}

static int streams_snapshot(void *state, hp_snapshot *snap)
{
	hpi_flow *f = state;
	const hp_host *h = f->host;
	double secs = (double)h->elapsed_ns() / 1e9;
	hp_section *sec;

	if (f->n == 0)
		return 0;
	if ((sec = h->section_add(snap, "streams", "Streams")) == NULL)
		return HP_ENOMEM;
	h->column_add(sec, "name", "Stream", HP_UNIT_TEXT);
	h->column_add(sec, "state", "State", HP_UNIT_TEXT);
	h->column_add(sec, "streams", "Streams", HP_UNIT_COUNT);
	h->column_add(sec, "items", "Items", HP_UNIT_COUNT);
	h->column_add(sec, "rate", "Rate", HP_UNIT_RATE);
	h->column_add(sec, "last", "Last item", HP_UNIT_NS);
	hpi_flow_sort(f, streams_cmp);
	for (size_t i = 0; i < f->n; i++) {
		const stream_entry *e = (const stream_entry *)f->v[i];
		size_t r = h->row_add(sec);
		h->cell_text(sec, r, 0, e->f.label);
		h->cell_text(sec, r, 1, e->f.closed == e->f.sites ? "closed" : "active");
		h->cell_int(sec, r, 2, (int64_t)e->f.sites);
		h->cell_int(sec, r, 3, (int64_t)e->items);
		h->cell_real(sec, r, 4, secs > 0 ? (double)e->items / secs : 0.0);
		if (e->items)
			h->cell_int(sec, r, 5, (int64_t)e->last);
		streams_log(f, e, sec, r);
	}
	return 0;
}

/* collectors.streams.* (its logs follow collectors.channels.logs_limit) */
static const hp_option streams_options[] = {
	{ .key = "enabled", .type = HP_OPT_BOOL, .dflt = "true",
	  .help = "Stream statistics ([streams-futures.md](streams-futures.md))." },
	{ .key = NULL },
};

const hp_plugin_ops hpi_streams_plugin = {
	.abi = HP_PLUGIN_ABI,
	.size = sizeof(hp_plugin_ops),
	.name = "streams",
	.description = "per stream: items yielded, state, rate, last items",
	.events = HP_EV_BIT(HP_EV_STREAM_ITEM) | HP_EV_BIT(HP_EV_STREAM_CLOSE) |
		  HP_EV_BIT(HP_EV_TEXT_CHUNK),
	.init = streams_init,
	.on_event = streams_event,
	.snapshot = streams_snapshot,
	.fini = hpi_flow_free,
	.options = streams_options,
};
