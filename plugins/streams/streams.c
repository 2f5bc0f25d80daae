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

#define TEXT_MAX 32

typedef struct stream_item {
	uint64_t n, time, tid;
	char text[TEXT_MAX + 1];
} stream_item;

typedef struct stream_entry {
	const char *label;   /* borrowed from the site registry */
	uint64_t streams, closed, items;
	uint64_t first, last; /* ns of the first and last item */
	stream_item *log;    /* ring of the last log_cap items */
	size_t log_head, log_n;
	uint64_t text_tid;   /* the thread whose last item takes text */
	stream_item *text_to;
	int text_fill;
} stream_entry;

typedef struct stream_site {
	stream_entry *e;
	int closed;
} stream_site;

typedef struct streams_state {
	const hp_host *host;
	size_t log_cap;
	stream_site *by_site;
	size_t nsites;
	stream_entry **v;
	size_t n, cap;
} streams_state;

/* The entry of a label, created on first sight. */
static stream_entry *streams_label(streams_state *st, const char *label)
{
	stream_entry *e;

	if ((e = hp_plugin_label_find((void *const *)st->v, st->n, label)) != NULL)
		return e;
	if ((e = calloc(1, sizeof(*e))) == NULL)
		return NULL;
	if (st->log_cap && (e->log = calloc(st->log_cap, sizeof(*e->log))) == NULL) {
		free(e);
		return NULL;
	}
	e->label = label;
	if (!hp_plugin_push((void ***)&st->v, &st->n, &st->cap, e)) {
		free(e->log);
		free(e);
		return NULL;
	}
	return e;
}

/* The site record of an id; a new site is one more stream of its label. */
static stream_site *streams_site(streams_state *st, uint32_t id)
{
	const hp_site_info *info;

	if (!hp_plugin_grow(&st->by_site, &st->nsites, sizeof(*st->by_site), id))
		return NULL;
	if (st->by_site[id].e == NULL && (info = st->host->site(id)) != NULL &&
	    info->kind == HP_SITE_STREAM) {
		st->by_site[id].e = streams_label(st, info->label);
		if (st->by_site[id].e != NULL)
			st->by_site[id].e->streams++;
	}
	return st->by_site[id].e ? &st->by_site[id] : NULL;
}

/* One item: counts, and a log line whose text may follow. */
static void streams_item(streams_state *st, stream_entry *e, const hp_event *ev)
{
	stream_item *it;

	if (e->items++ == 0 || ev->time_ns < e->first)
		e->first = ev->time_ns;
	if (ev->time_ns > e->last)
		e->last = ev->time_ns;
	if (st->log_cap == 0)
		return;
	it = &e->log[e->log_head];
	memset(it, 0, sizeof(*it));
	it->n = e->items;
	it->time = ev->time_ns;
	it->tid = ev->tid;
	if (++e->log_head == st->log_cap)
		e->log_head = 0;
	if (e->log_n < st->log_cap)
		e->log_n++;
	e->text_tid = ev->tid;
	e->text_to = it;
	e->text_fill = 0;
}

static void streams_event(void *state, const hp_event *ev)
{
	streams_state *st = state;
	stream_site *s = streams_site(st, ev->site);
	stream_entry *e;

	if (s == NULL)
		return;
	e = s->e;
	switch (ev->kind) {
	case HP_EV_STREAM_ITEM:
		streams_item(st, e, ev);
		break;
	case HP_EV_STREAM_CLOSE:
		if (!s->closed) {
			s->closed = 1;
			e->closed++;
		}
		break;
	case HP_EV_TEXT_CHUNK: /* 8 more bytes of this thread's last item */
		if (e->text_to == NULL || e->text_tid != ev->tid)
			break;
		for (int k = 0; k < 8 && e->text_fill < TEXT_MAX; k++)
			e->text_to->text[e->text_fill++] = ev->text[k];
		break;
	default:
		break;
	}
}

static int streams_init(const hp_host *host, const hp_options *opts, void **state,
			char **cause)
{
	streams_state *st = calloc(1, sizeof(*st));
	long long cap = host->option_int(opts, "channels.logs_limit", 50);

	(void)cause;
	if (st == NULL)
		return HP_ENOMEM;
	st->host = host;
	st->log_cap = cap > 0 ? (size_t)cap : 0;
	if (st->log_cap)
		host->want_text(1);
	*state = st;
	return 0;
}

/* Most items first, then label. */
static int streams_cmp(const void *a, const void *b)
{
	const stream_entry *x = *(stream_entry *const *)a, *y = *(stream_entry *const *)b;

	if (x->items != y->items)
		return x->items > y->items ? -1 : 1;
	return strcmp(x->label, y->label);
}

/* Newest first. */
static int streams_item_cmp(const void *a, const void *b)
{
	const stream_item *x = a, *y = b;

	if (x->time != y->time)
		return x->time > y->time ? -1 : 1;
	return x->n > y->n ? -1 : x->n < y->n;
}

/* The label's last items (as drained), newest first. */
static void streams_log(streams_state *st, const stream_entry *e, hp_section *sec, size_t row)
{
	const hp_host *h = st->host;
	hp_section *log;
	stream_item *v;

	if (e->log_n == 0 || (log = h->row_log(sec, row)) == NULL)
		return;
	if ((v = malloc(e->log_n * sizeof(*v))) == NULL)
		return;
	for (size_t i = 0; i < e->log_n; i++)
		v[i] = e->log[(e->log_head + st->log_cap - 1 - i) % st->log_cap];
	qsort(v, e->log_n, sizeof(*v), streams_item_cmp);
	h->column_add(log, "item", "Item", HP_UNIT_COUNT);
	h->column_add(log, "time", "Time", HP_UNIT_NS);
	h->column_add(log, "tid", "Thread", HP_UNIT_COUNT);
	h->column_add(log, "value", "Value", HP_UNIT_TEXT);
	for (size_t i = 0; i < e->log_n; i++) {
		size_t r = h->row_add(log);
		h->cell_int(log, r, 0, (int64_t)v[i].n);
		h->cell_int(log, r, 1, (int64_t)v[i].time);
		h->cell_int(log, r, 2, (int64_t)v[i].tid);
		if (v[i].text[0] != '\0')
			h->cell_text(log, r, 3, v[i].text);
	}
	free(v);
}

static int streams_snapshot(void *state, hp_snapshot *snap)
{
	streams_state *st = state;
	const hp_host *h = st->host;
	double secs = (double)h->elapsed_ns() / 1e9;
	hp_section *sec;

	if (st->n == 0)
		return 0;
	if ((sec = h->section_add(snap, "streams", "Streams")) == NULL)
		return HP_ENOMEM;
	h->column_add(sec, "name", "Stream", HP_UNIT_TEXT);
	h->column_add(sec, "state", "State", HP_UNIT_TEXT);
	h->column_add(sec, "streams", "Streams", HP_UNIT_COUNT);
	h->column_add(sec, "items", "Items", HP_UNIT_COUNT);
	h->column_add(sec, "rate", "Rate", HP_UNIT_RATE);
	h->column_add(sec, "last", "Last item", HP_UNIT_NS);
	if (st->n > 1)
		qsort(st->v, st->n, sizeof(*st->v), streams_cmp);
	for (size_t i = 0; i < st->n; i++) {
		const stream_entry *e = st->v[i];
		size_t r = h->row_add(sec);
		h->cell_text(sec, r, 0, e->label);
		h->cell_text(sec, r, 1, e->closed == e->streams ? "closed" : "active");
		h->cell_int(sec, r, 2, (int64_t)e->streams);
		h->cell_int(sec, r, 3, (int64_t)e->items);
		h->cell_real(sec, r, 4, secs > 0 ? (double)e->items / secs : 0.0);
		if (e->items)
			h->cell_int(sec, r, 5, (int64_t)e->last);
		streams_log(st, e, sec, r);
	}
	return 0;
}

static void streams_fini(void *state)
{
	streams_state *st = state;

	if (st == NULL)
		return;
	if (st->log_cap)
		st->host->want_text(0);
	for (size_t i = 0; i < st->n; i++) {
		free(st->v[i]->log);
		free(st->v[i]);
	}
	free(st->v);
	free(st->by_site);
	free(st);
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
	.fini = streams_fini,
	.options = streams_options,
};
