/* SPDX-License-Identifier: MIT */
/*
 * futures.c - the built-in futures plugin: per future label, calls, calls
 * pending, ready and cancelled, polls (total and per call), time inside
 * polls, time from creation to ready (avg, percentiles, max), and a log of
 * the last finished calls with their result text.  Fed by the hp_future_*
 * probe (include/hotpath.h).
 *
 * A call's events may come from several threads, which the collector
 * drains one by one: a call waits in a window indexed by its number until
 * both its creation and its end are seen.
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <hotpath/plugin.h> /* all it uses: it could be an external plugin */

#include "../flow.h" /* shared with channels and streams, plugin.h only */

#define WIN_MIN 256
#define WIN_MAX (1u << 16) /* calls in flight followed at once per label */

enum { F_CREATED = 1, F_READY = 2, F_CANCELLED = 4 };

typedef struct fut_call {
	uint32_t call;
	uint32_t flags;     /* 0: free slot */
	uint32_t polls;
	uint64_t created, done, tid, poll_ns;
	char text[HPI_FLOW_TEXT_MAX + 1];
} fut_call;

/* A label: its log holds the last finished calls (fut_call); only the
 * label's last ended call takes text, in the window until it finishes. */
typedef struct fut_entry {
	hpi_flow_entry f;
	uint64_t calls, ready, cancelled, polls;
	hp_hist *poll, *to_ready;
	uint64_t ready_sum; /* for sorting, set by the snapshot */
	fut_call *win;
	size_t wcap;
} fut_entry;

/* A new label's histograms. */
static int futures_entry_new(const hp_host *host, hpi_flow_entry *fe, const hp_site_info *info)
{
	fut_entry *e = (fut_entry *)fe;

	(void)info;
	e->poll = host->hist_new();
	e->to_ready = host->hist_new();
	return e->poll == NULL || e->to_ready == NULL;
}

static void futures_entry_free(const hp_host *host, hpi_flow_entry *fe)
{
	fut_entry *e = (fut_entry *)fe;

	host->hist_free(e->poll);
	host->hist_free(e->to_ready);
	free(e->win);
}

static const hpi_flow_kind futures_flow = {
	.site_kind = HP_SITE_FUTURE,
	.logs_key = "channels.logs_limit",
	.entry_size = sizeof(fut_entry),
	.rec_size = sizeof(fut_call),
	.text_wait = 1,
	.entry_new = futures_entry_new,
	.entry_free = futures_entry_free,
};

/* Doubles the window (live calls differ modulo the old size). */
static bool futures_grow(fut_entry *e)
{
	size_t cap = e->wcap ? e->wcap * 2 : WIN_MIN;
	fut_call *w;

	if (cap > WIN_MAX || (w = calloc(cap, sizeof(*w))) == NULL)
		return false;
	for (size_t i = 0; i < e->wcap; i++)
		if (e->win[i].flags != 0)
			w[e->win[i].call & (cap - 1)] = e->win[i];
	hpi_flow_text_forget(&e->f, e->win, e->wcap * sizeof(*e->win));
	free(e->win);
	e->win = w;
	e->wcap = cap;
	return true;
}

/* The call's slot, new or already there; NULL when it cannot be followed. */
static fut_call *futures_call(fut_entry *e, uint32_t call)
{
	fut_call *c;

	for (;;) {
		if (e->wcap == 0 && !futures_grow(e))
			return NULL;
		c = &e->win[call & (e->wcap - 1)];
		if (c->flags == 0) {
			memset(c, 0, sizeof(*c));
			c->call = call;
			return c;
		}
		if (c->call == call)
			return c;
		if (!futures_grow(e))
			return NULL;
	}
}

/* Both ends of a call are known: its time to ready and its log line. */
static void futures_finish(hpi_flow *f, fut_entry *e, fut_call *c)
{
	fut_call *l;

	if (c->flags & F_READY)
		f->host->hist_add(e->to_ready, c->done > c->created ? c->done - c->created : 0);
	if ((l = hpi_flow_log_add(f, &e->f)) != NULL)
		*l = *c;
	hpi_flow_text_move(&e->f, c->text, l != NULL ? l->text : NULL);
	c->flags = 0;
}

static void futures_event(void *state, const hp_event *ev)
{
	hpi_flow *f = state;
	hpi_flow_site *s = hpi_flow_site_get(f, ev->site);
	uint32_t call = ev->call.id;
	fut_entry *e;
	fut_call *c;

	if (s == NULL)
		return;
	e = (fut_entry *)s->e;
	if (ev->kind == HP_EV_TEXT_CHUNK) { /* 8 more bytes of a result */
		hpi_flow_text_add(&e->f, ev);
		return;
	}
	if (ev->kind == HP_EV_FUTURE_POLL) {
		uint64_t ns = f->host->ticks_ns(ev->call.ticks);
		e->polls++;
		f->host->hist_add(e->poll, ns);
		if ((c = futures_call(e, call)) != NULL) {
			c->polls++;
			c->poll_ns += ns;
		}
		return;
	}
	if (ev->kind == HP_EV_FUTURE_CREATE)
		e->calls++;
	else if (ev->kind == HP_EV_FUTURE_READY)
		e->ready++;
	else if (ev->kind == HP_EV_FUTURE_CANCEL)
		e->cancelled++;
	else
		return;
	if ((c = futures_call(e, call)) == NULL)
		return;
	if (ev->kind == HP_EV_FUTURE_CREATE) {
		c->flags |= F_CREATED;
		c->created = ev->time_ns;
	} else {
		c->flags |= ev->kind == HP_EV_FUTURE_READY ? F_READY : F_CANCELLED;
		c->done = ev->time_ns;
		c->tid = ev->tid;
		hpi_flow_text_wait(f, &e->f, ev->tid, c->text);
	}
	if ((c->flags & F_CREATED) && (c->flags & (F_READY | F_CANCELLED)))
		futures_finish(f, e, c);
}

static int futures_init(const hp_host *host, const hp_options *opts, void **state,
			char **cause)
{
	(void)cause;
	return hpi_flow_new(&futures_flow, host, opts, state);
}

/* Most time to ready first, then label. */
static int futures_cmp(const void *a, const void *b)
{
	const fut_entry *x = *(fut_entry *const *)a, *y = *(fut_entry *const *)b;

	if (x->ready_sum != y->ready_sum)
		return x->ready_sum > y->ready_sum ? -1 : 1;
	return strcmp(x->f.label, y->f.label);
}

/* A finished call's cells in its label's log. */
static void futures_log_cells(const hp_host *h, hp_section *log, size_t r, const void *rec,
			      void *u)
{
	const fut_call *c = rec;

	(void)u;
	h->cell_int(log, r, 0, (int64_t)c->call);
	h->cell_text(log, r, 1, (c->flags & F_READY) ? "ready" : "cancelled");
	h->cell_int(log, r, 2, (int64_t)c->created);
	h->cell_int(log, r, 3, (int64_t)c->tid);
	h->cell_int(log, r, 4, (int64_t)(c->done > c->created ? c->done - c->created : 0));
	h->cell_int(log, r, 5, (int64_t)c->polls);
	h->cell_int(log, r, 6, (int64_t)c->poll_ns);
	if (c->text[0] != '\0')
		h->cell_text(log, r, 7, c->text);
}

/* The label's last finished calls, newest first. */
static void futures_log(const hpi_flow *f, const fut_entry *e, hp_section *sec, size_t row)
{
	static const hp_ring_col cols[] = {
		{ "call", "Call", HP_UNIT_COUNT }, { "state", "State", HP_UNIT_TEXT },
		{ "time", "Created", HP_UNIT_NS }, { "tid", "Thread", HP_UNIT_COUNT },
		{ "to_ready", "To ready", HP_UNIT_NS }, { "polls", "Polls", HP_UNIT_COUNT },
		{ "poll_time", "In polls", HP_UNIT_NS }, { "result", "Result", HP_UNIT_TEXT },
		{ NULL, NULL, 0 },
	};

	hp_ring_log(f->host, sec, row, &e->f.log, sizeof(fut_call), cols, HP_RING_NEWEST, 0,
		    futures_log_cells, NULL);
}

static void futures_columns(const hp_host *h, hp_section *sec, const double *p, size_t np)
{
	char cols[1024] = "name,calls,pending,ready,cancelled,polls,polls_per_call,poll_avg";

	h->column_add(sec, "name", "Future", HP_UNIT_TEXT);
	h->column_add(sec, "calls", "Calls", HP_UNIT_COUNT);
	h->column_add(sec, "pending", "Pending", HP_UNIT_COUNT);
	h->column_add(sec, "ready", "Ready", HP_UNIT_COUNT);
	h->column_add(sec, "cancelled", "Cancelled", HP_UNIT_COUNT);
	h->column_add(sec, "polls", "Polls", HP_UNIT_COUNT);
	h->column_add(sec, "polls_per_call", "Polls/call", HP_UNIT_TEXT);
	h->column_add(sec, "poll_avg", "Poll avg", HP_UNIT_NS);
	h->column_add(sec, "poll_total", "In polls", HP_UNIT_NS);
	hpi_flow_hist_columns(h, sec, "ready", "To ready", p, np, cols, sizeof(cols));
	h->meta_set(sec, "table.columns", cols);
}

/* One row per label. */
static void futures_row(const hpi_flow *f, const fut_entry *e, hp_section *sec,
			const double *p, size_t np)
{
	const hp_host *h = f->host;
	uint64_t done = e->ready + e->cancelled;
	size_t r = h->row_add(sec), c = 0;
	char ppc[32];

	h->cell_text(sec, r, c++, e->f.label);
	h->cell_int(sec, r, c++, (int64_t)e->calls);
	h->cell_int(sec, r, c++, (int64_t)(e->calls > done ? e->calls - done : 0));
	h->cell_int(sec, r, c++, (int64_t)e->ready);
	h->cell_int(sec, r, c++, (int64_t)e->cancelled);
	h->cell_int(sec, r, c++, (int64_t)e->polls);
	snprintf(ppc, sizeof(ppc), "%.2f", e->calls ? (double)e->polls / (double)e->calls : 0.0);
	h->cell_text(sec, r, c++, ppc);
	if (h->hist_count(e->poll))
		h->cell_int(sec, r, c, (int64_t)(h->hist_sum(e->poll) / h->hist_count(e->poll)));
	c++;
	h->cell_int(sec, r, c++, (int64_t)h->hist_sum(e->poll));
	hpi_flow_hist_cells(h, sec, r, c, e->to_ready, p, np);
	futures_log(f, e, sec, r);
}

static int futures_snapshot(void *state, hp_snapshot *snap)
{
	hpi_flow *f = state;
	const hp_host *h = f->host;
	size_t np;
	const double *p = h->percentiles(&np);
	hp_section *sec;

	if (f->n == 0)
		return 0;
	if ((sec = h->section_add(snap, "futures", "Futures")) == NULL)
		return HP_ENOMEM;
	futures_columns(h, sec, p, np);
	for (size_t i = 0; i < f->n; i++) {
		fut_entry *e = (fut_entry *)f->v[i];
		e->ready_sum = h->hist_sum(e->to_ready);
	}
	hpi_flow_sort(f, futures_cmp);
	for (size_t i = 0; i < f->n; i++)
		futures_row(f, (const fut_entry *)f->v[i], sec, p, np);
	return 0;
}

/* collectors.futures.* (its logs follow collectors.channels.logs_limit) */
static const hp_option futures_options[] = {
	{ .key = "enabled", .type = HP_OPT_BOOL, .dflt = "true",
	  .help = "Future statistics." },
	{ .key = NULL },
};

const hp_plugin_ops hpi_futures_plugin = {
	.abi = HP_PLUGIN_ABI,
	.size = sizeof(hp_plugin_ops),
	.name = "futures",
	.description = "per future: calls, polls, time in polls, time to ready, results",
	.events = HP_EV_BIT(HP_EV_FUTURE_CREATE) | HP_EV_BIT(HP_EV_FUTURE_POLL) |
		  HP_EV_BIT(HP_EV_FUTURE_READY) | HP_EV_BIT(HP_EV_FUTURE_CANCEL) |
		  HP_EV_BIT(HP_EV_TEXT_CHUNK),
	.init = futures_init,
	.on_event = futures_event,
	.snapshot = futures_snapshot,
	.fini = hpi_flow_free,
	.options = futures_options,
};
