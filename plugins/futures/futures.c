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

#define WIN_MIN 256
#define WIN_MAX (1u << 16) /* calls in flight followed at once per label */
#define TEXT_MAX 32

enum { F_CREATED = 1, F_READY = 2, F_CANCELLED = 4 };

typedef struct fut_call {
	uint32_t call;
	uint32_t flags;     /* 0: free slot */
	uint32_t polls;
	uint64_t created, done, tid, poll_ns;
	char text[TEXT_MAX + 1];
} fut_call;

typedef struct fut_entry {
	const char *label;  /* borrowed from the site registry */
	uint64_t calls, ready, cancelled, polls;
	hp_hist *poll, *to_ready;
	uint64_t ready_sum; /* for sorting, set by the snapshot */
	fut_call *win;
	size_t wcap;
	fut_call *log;      /* ring of the last finished calls */
	size_t log_head, log_n;
	char *text_to;      /* where this thread's next TEXT_CHUNK bytes go */
	uint64_t text_tid;
	int text_fill;
} fut_entry;

typedef struct futures_state {
	const hp_host *host;
	size_t log_cap;
	fut_entry **by_site;
	size_t nsites;
	fut_entry **v;
	size_t n, cap;
} futures_state;

/* The entry of a label, created on first sight. */
static fut_entry *futures_label(futures_state *st, const char *label)
{
	fut_entry *e;

	if ((e = hp_plugin_label_find((void *const *)st->v, st->n, label)) != NULL)
		return e;
	if ((e = calloc(1, sizeof(*e))) == NULL)
		return NULL;
	if (st->log_cap && (e->log = calloc(st->log_cap, sizeof(*e->log))) == NULL) {
		free(e);
		return NULL;
	}
	e->label = label;
	e->poll = st->host->hist_new();
	e->to_ready = st->host->hist_new();
	if (e->poll == NULL || e->to_ready == NULL ||
	    !hp_plugin_push((void ***)&st->v, &st->n, &st->cap, e)) {
		st->host->hist_free(e->poll);
		st->host->hist_free(e->to_ready);
		free(e->log);
		free(e);
		return NULL;
	}
	return e;
}

static fut_entry *futures_site(futures_state *st, uint32_t id)
{
	const hp_site_info *info;

	if (!hp_plugin_grow(&st->by_site, &st->nsites, sizeof(*st->by_site), id))
		return NULL;
	if (st->by_site[id] == NULL && (info = st->host->site(id)) != NULL &&
	    info->kind == HP_SITE_FUTURE)
		st->by_site[id] = futures_label(st, info->label);
	return st->by_site[id];
}

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
	free(e->win);
	e->win = w;
	e->wcap = cap;
	e->text_to = NULL; /* it may have pointed into the old window */
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
static void futures_finish(futures_state *st, fut_entry *e, fut_call *c)
{
	fut_call *l;

	if (c->flags & F_READY)
		st->host->hist_add(e->to_ready, c->done > c->created ? c->done - c->created : 0);
	if (st->log_cap != 0) {
		l = &e->log[e->log_head];
		*l = *c;
		if (e->text_to == c->text)
			e->text_to = l->text;
		if (++e->log_head == st->log_cap)
			e->log_head = 0;
		if (e->log_n < st->log_cap)
			e->log_n++;
	}
	if (e->text_to == c->text)
		e->text_to = NULL;
	c->flags = 0;
}

static void futures_event(void *state, const hp_event *ev)
{
	futures_state *st = state;
	fut_entry *e = futures_site(st, ev->site);
	uint32_t call = ev->call.id;
	fut_call *c;

	if (e == NULL)
		return;
	if (ev->kind == HP_EV_TEXT_CHUNK) { /* 8 more bytes of a result */
		if (e->text_to == NULL || e->text_tid != ev->tid)
			return;
		for (int k = 0; k < 8 && e->text_fill < TEXT_MAX; k++)
			e->text_to[e->text_fill++] = ev->text[k];
		return;
	}
	if (ev->kind == HP_EV_FUTURE_POLL) {
		uint64_t ns = st->host->ticks_ns(ev->call.ticks);
		e->polls++;
		st->host->hist_add(e->poll, ns);
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
		e->text_to = c->text;
		e->text_tid = ev->tid;
		e->text_fill = 0;
	}
	if ((c->flags & F_CREATED) && (c->flags & (F_READY | F_CANCELLED)))
		futures_finish(st, e, c);
}

static int futures_init(const hp_host *host, const hp_options *opts, void **state,
			char **cause)
{
	futures_state *st = calloc(1, sizeof(*st));
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

/* Most time to ready first, then label. */
static int futures_cmp(const void *a, const void *b)
{
	const fut_entry *x = *(fut_entry *const *)a, *y = *(fut_entry *const *)b;

	if (x->ready_sum != y->ready_sum)
		return x->ready_sum > y->ready_sum ? -1 : 1;
	return strcmp(x->label, y->label);
}

/* The label's last finished calls, newest first. */
static void futures_log(futures_state *st, const fut_entry *e, hp_section *sec, size_t row)
{
	const hp_host *h = st->host;
	hp_section *log;

	if (e->log_n == 0 || (log = h->row_log(sec, row)) == NULL)
		return;
	h->column_add(log, "call", "Call", HP_UNIT_COUNT);
	h->column_add(log, "state", "State", HP_UNIT_TEXT);
	h->column_add(log, "time", "Created", HP_UNIT_NS);
	h->column_add(log, "tid", "Thread", HP_UNIT_COUNT);
	h->column_add(log, "to_ready", "To ready", HP_UNIT_NS);
	h->column_add(log, "polls", "Polls", HP_UNIT_COUNT);
	h->column_add(log, "poll_time", "In polls", HP_UNIT_NS);
	h->column_add(log, "result", "Result", HP_UNIT_TEXT);
	for (size_t i = 0; i < e->log_n; i++) {
		const fut_call *c = &e->log[(e->log_head + st->log_cap - 1 - i) % st->log_cap];
		size_t r = h->row_add(log);
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
}

static void futures_columns(const hp_host *h, hp_section *sec, const double *p, size_t np)
{
	char key[40], t[40];
	char cols[1024];
	size_t o;

	h->column_add(sec, "name", "Future", HP_UNIT_TEXT);
	h->column_add(sec, "calls", "Calls", HP_UNIT_COUNT);
	h->column_add(sec, "pending", "Pending", HP_UNIT_COUNT);
	h->column_add(sec, "ready", "Ready", HP_UNIT_COUNT);
	h->column_add(sec, "cancelled", "Cancelled", HP_UNIT_COUNT);
	h->column_add(sec, "polls", "Polls", HP_UNIT_COUNT);
	h->column_add(sec, "polls_per_call", "Polls/call", HP_UNIT_TEXT);
	h->column_add(sec, "poll_avg", "Poll avg", HP_UNIT_NS);
	h->column_add(sec, "poll_total", "In polls", HP_UNIT_NS);
	h->column_add(sec, "ready_avg", "To ready avg", HP_UNIT_NS);
	o = (size_t)snprintf(cols, sizeof(cols), "name,calls,pending,ready,cancelled,polls,"
			     "polls_per_call,poll_avg,ready_avg");
	for (size_t i = 0; i < np; i++) {
		snprintf(key, sizeof(key), "ready_p%g", p[i]);
		snprintf(t, sizeof(t), "To ready P%g", p[i]);
		h->column_add(sec, key, t, HP_UNIT_NS);
		if (o < sizeof(cols))
			o += (size_t)snprintf(cols + o, sizeof(cols) - o, ",%s", key);
	}
	h->column_add(sec, "ready_max", "To ready max", HP_UNIT_NS);
	h->meta_set(sec, "table.columns", cols);
}

static int futures_snapshot(void *state, hp_snapshot *snap)
{
	futures_state *st = state;
	const hp_host *h = st->host;
	size_t np;
	const double *p = h->percentiles(&np);
	hp_section *sec;
	char ppc[32];

	if (st->n == 0)
		return 0;
	if ((sec = h->section_add(snap, "futures", "Futures")) == NULL)
		return HP_ENOMEM;
	futures_columns(h, sec, p, np);
	for (size_t i = 0; i < st->n; i++)
		st->v[i]->ready_sum = h->hist_sum(st->v[i]->to_ready);
	if (st->n > 1)
		qsort(st->v, st->n, sizeof(*st->v), futures_cmp);
	for (size_t i = 0; i < st->n; i++) {
		const fut_entry *e = st->v[i];
		uint64_t done = e->ready + e->cancelled;
		size_t r = h->row_add(sec), c = 0;
		h->cell_text(sec, r, c++, e->label);
		h->cell_int(sec, r, c++, (int64_t)e->calls);
		h->cell_int(sec, r, c++, (int64_t)(e->calls > done ? e->calls - done : 0));
		h->cell_int(sec, r, c++, (int64_t)e->ready);
		h->cell_int(sec, r, c++, (int64_t)e->cancelled);
		h->cell_int(sec, r, c++, (int64_t)e->polls);
		snprintf(ppc, sizeof(ppc), "%.2f",
			 e->calls ? (double)e->polls / (double)e->calls : 0.0);
		h->cell_text(sec, r, c++, ppc);
		if (h->hist_count(e->poll))
			h->cell_int(sec, r, c, (int64_t)(h->hist_sum(e->poll) / h->hist_count(e->poll)));
		c++;
		h->cell_int(sec, r, c++, (int64_t)h->hist_sum(e->poll));
		if (h->hist_count(e->to_ready)) {
			h->cell_int(sec, r, c, (int64_t)(h->hist_sum(e->to_ready) /
							 h->hist_count(e->to_ready)));
			for (size_t k = 0; k < np; k++)
				h->cell_int(sec, r, c + 1 + k,
					    (int64_t)h->hist_percentile(e->to_ready, p[k]));
			h->cell_int(sec, r, c + 1 + np, (int64_t)h->hist_percentile(e->to_ready, 100));
		}
		futures_log(st, e, sec, r);
	}
	return 0;
}

static void futures_fini(void *state)
{
	futures_state *st = state;

	if (st == NULL)
		return;
	if (st->log_cap)
		st->host->want_text(0);
	for (size_t i = 0; i < st->n; i++) {
		st->host->hist_free(st->v[i]->poll);
		st->host->hist_free(st->v[i]->to_ready);
		free(st->v[i]->win);
		free(st->v[i]->log);
		free(st->v[i]);
	}
	free(st->v);
	free(st->by_site);
	free(st);
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
	.fini = futures_fini,
	.options = futures_options,
};
