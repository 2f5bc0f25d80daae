/* SPDX-License-Identifier: MIT */
/*
 * values.c - the built-in values plugin: the program's own numbers.
 * HP_GAUGE(name, v) / HP_GAUGE_ADD(name, d): a gauge per name, with its
 * last value, min, max, average over its updates and the last `series`
 * points (the console draws them as a sparkline); HP_VAL(name, v): the
 * last `logs` values of each name with thread and time; HP_DBG: per call
 * site, its count and last `debug` messages with thread and time
 * (docs/values.md).  A gauge or value is one record on the calling thread
 * (two past 32 bits); a message, one record plus one per argument
 * (include/hotpath.h).
 */
#define _POSIX_C_SOURCE 200809L /* strdup */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <hotpath/plugin.h> /* all it uses: it could be an external plugin */

typedef struct value_point {
	int64_t v;
	uint64_t time, tid;
} value_point;

typedef struct value_entry {
	const char *label;   /* borrowed from the site registry */
	uint64_t updates;
	int64_t last, min, max;
	uint64_t last_time;  /* ns: when last was set */
	__int128 sum;        /* of the values it took, for the average */
	hp_ring ring;        /* the last `series` or `logs` points (value_point) */
} value_entry;

/* One HP_DBG message. */
typedef struct debug_msg {
	char *text;
	uint64_t time, tid;
} debug_msg;

/* An HP_DBG call site: its last messages. */
typedef struct debug_entry {
	const hp_site_info *info;
	uint64_t count;
	hp_ring ring;        /* the last `debug` messages (debug_msg) */
} debug_entry;

/* A table of entries by label: the gauges, or the values. */
typedef struct value_table {
	value_entry **v;
	size_t n, cap;
} value_table;

typedef struct values_state {
	const hp_host *host;
	size_t series, logs, debug;
	void **by_site;      /* site id -> value_entry or debug_entry */
	size_t nsites;
	value_table gauges, vals;
	debug_entry **dbg;   /* in the order first seen */
	size_t ndbg, dbgcap;
} values_state;

/* The entry of a label in t, created on first sight. */
static value_entry *values_label(value_table *t, const char *label, size_t cap)
{
	value_entry *e;

	if ((e = hp_plugin_label_find((void *const *)t->v, t->n, label)) != NULL)
		return e;
	if ((e = calloc(1, sizeof(*e))) == NULL)
		return NULL;
	if (hp_ring_init(&e->ring, cap, sizeof(value_point)) != 0) {
		free(e);
		return NULL;
	}
	e->label = label;
	if (!hp_plugin_push((void ***)&t->v, &t->n, &t->cap, e)) {
		hp_ring_free(&e->ring);
		free(e);
		return NULL;
	}
	return e;
}

/* A new HP_DBG call site's entry. */
static debug_entry *debug_site(values_state *st, const hp_site_info *info)
{
	debug_entry *e = calloc(1, sizeof(*e));

	if (e == NULL)
		return NULL;
	if (hp_ring_init(&e->ring, st->debug, sizeof(debug_msg)) != 0) {
		free(e);
		return NULL;
	}
	e->info = info;
	if (!hp_plugin_push((void ***)&st->dbg, &st->ndbg, &st->dbgcap, e)) {
		hp_ring_free(&e->ring);
		free(e);
		return NULL;
	}
	return e;
}

/* The entry of a site: a gauge's, a value's or a debug call's, by the
 * site's kind. */
static value_entry *values_site(values_state *st, uint32_t id)
{
	const hp_site_info *info;
	void **slot = hp_plugin_site_slot(&st->by_site, &st->nsites, id);

	if (slot == NULL)
		return NULL;
	if (*slot == NULL && (info = st->host->site(id)) != NULL) {
		if (info->kind == HP_SITE_GAUGE)
			*slot = values_label(&st->gauges, info->label, st->series);
		else if (info->kind == HP_SITE_VALUE)
			*slot = values_label(&st->vals, info->label, st->logs);
		else if (info->kind == HP_SITE_DEBUG)
			*slot = debug_site(st, info);
	}
	return *slot;
}

static int values_init(const hp_host *host, const hp_options *opts, void **state,
		       char **cause)
{
	values_state *st = calloc(1, sizeof(*st));

	(void)cause;
	if (st == NULL)
		return HP_ENOMEM;
	st->host = host;
	st->series = (size_t)host->option_int(opts, "series", 120);
	st->logs = (size_t)host->option_int(opts, "logs", 50);
	st->debug = (size_t)host->option_int(opts, "debug", 50);
	*state = st;
	return 0;
}

/* One value taken by an entry: figures and ring.  The collector reads the
 * threads one after another: last is the value set latest in time. */
static void values_take(value_entry *e, int64_t v, const hp_event *ev)
{
	value_point *p;

	if (e->updates == 0 || v < e->min)
		e->min = v;
	if (e->updates == 0 || v > e->max)
		e->max = v;
	if (e->updates == 0 || ev->time_ns >= e->last_time) {
		e->last = v;
		e->last_time = ev->time_ns;
	}
	e->updates++;
	e->sum += v;
	if ((p = HP_RING_PUSH(&e->ring, value_point)) != NULL)
		*p = (value_point){v, ev->time_ns, ev->tid};
}

/* One HP_DBG message: counted, and kept in its site's ring. */
static void debug_take(debug_entry *e, const hp_event *ev)
{
	debug_msg *m;
	char *text;

	e->count++;
	if (e->ring.cap == 0 || (text = strdup(ev->data != NULL ? ev->data : "")) == NULL)
		return;
	m = HP_RING_PUSH(&e->ring, debug_msg); /* the oldest when full: its text freed */
	free(m->text);
	*m = (debug_msg){text, ev->time_ns, ev->tid};
}

static void values_event(void *state, const hp_event *ev)
{
	values_state *st = state;
	value_entry *e = values_site(st, ev->site);

	if (e == NULL)
		return;
	if (ev->kind == HP_EV_DEBUG) {
		debug_take((debug_entry *)(void *)e, ev);
		return;
	}
	if (ev->kind == HP_EV_GAUGE_ADD) { /* wraps as int64 arithmetic would */
		e->last_time = 0; /* the running sum is the last value */
		values_take(e, (int64_t)((uint64_t)e->last + (uint64_t)ev->value), ev);
	} else
		values_take(e, ev->value, ev);
}

/* A point's cells in its row's log. */
static void values_log_cells(const hp_host *h, hp_section *log, size_t k, const void *rec,
			     void *u)
{
	const value_point *p = rec;

	(void)u;
	h->cell_int(log, k, 0, p->v);
	h->cell_int(log, k, 1, (int64_t)p->tid);
	h->cell_int(log, k, 2, (int64_t)p->time);
}

/* The row's ring, oldest first: the series a sparkline draws, or the log. */
static void values_log(const hp_host *h, hp_section *sec, size_t r, const value_entry *e)
{
	static const hp_ring_col cols[] = {
		{ "value", "Value", HP_UNIT_COUNT }, { "tid", "Thread", HP_UNIT_COUNT },
		{ "time", "Time", HP_UNIT_NS }, { NULL, NULL, 0 },
	};

	hp_ring_log(h, sec, r, &e->ring, sizeof(value_point), cols, HP_RING_OLDEST, 0,
		    values_log_cells, NULL);
}

/* One section of a table's entries, in the order first seen. */
static int values_section(values_state *st, hp_snapshot *snap, const value_table *t,
			  const char *id, const char *title, const char *what)
{
	const hp_host *h = st->host;
	hp_section *sec;

	if (t->n == 0)
		return 0; /* a program without any gets no empty table */
	if ((sec = h->section_add(snap, id, title)) == NULL)
		return HP_ENOMEM;
	h->column_add(sec, "name", what, HP_UNIT_TEXT);
	h->column_add(sec, "last", "Last", HP_UNIT_COUNT);
	h->column_add(sec, "min", "Min", HP_UNIT_COUNT);
	h->column_add(sec, "max", "Max", HP_UNIT_COUNT);
	h->column_add(sec, "avg", "Avg", HP_UNIT_COUNT);
	h->column_add(sec, "updates", "Updates", HP_UNIT_COUNT);
	for (size_t i = 0; i < t->n; i++) {
		const value_entry *e = t->v[i];
		size_t r = h->row_add(sec);

		h->cell_text(sec, r, 0, e->label);
		h->cell_int(sec, r, 1, e->last);
		h->cell_int(sec, r, 2, e->min);
		h->cell_int(sec, r, 3, e->max);
		h->cell_int(sec, r, 4, (int64_t)(e->sum / (__int128)e->updates));
		h->cell_int(sec, r, 5, (int64_t)e->updates);
		values_log(h, sec, r, e);
	}
	return 0;
}

/* Call sites by file, then line. */
static int debug_cmp(const void *a, const void *b)
{
	const hp_site_info *x = (*(debug_entry *const *)a)->info;
	const hp_site_info *y = (*(debug_entry *const *)b)->info;
	int c = strcmp(x->file, y->file);

	return c != 0 ? c : (x->line > y->line) - (x->line < y->line);
}

/* A message's cells in its call site's log. */
static void debug_log_cells(const hp_host *h, hp_section *log, size_t lr, const void *rec,
			    void *u)
{
	const debug_msg *m = rec;

	(void)u;
	h->cell_text(log, lr, 0, m->text);
	h->cell_int(log, lr, 1, (int64_t)m->tid);
	h->cell_int(log, lr, 2, (int64_t)m->time);
}

/* The debug section: a row per HP_DBG call site in file and line order,
 * its messages as the row's log, oldest first. */
static int debug_section(values_state *st, hp_snapshot *snap)
{
	static const hp_ring_col cols[] = {
		{ "message", "Message", HP_UNIT_TEXT }, { "tid", "Thread", HP_UNIT_COUNT },
		{ "time", "Time", HP_UNIT_NS }, { NULL, NULL, 0 },
	};
	const hp_host *h = st->host;
	hp_section *sec;

	if (st->ndbg == 0)
		return 0;
	qsort(st->dbg, st->ndbg, sizeof(*st->dbg), debug_cmp);
	if ((sec = h->section_add(snap, "debug", "Debug")) == NULL)
		return HP_ENOMEM;
	h->column_add(sec, "name", "Location", HP_UNIT_TEXT);
	h->column_add(sec, "count", "Count", HP_UNIT_COUNT);
	h->column_add(sec, "last", "Last message", HP_UNIT_TEXT);
	for (size_t i = 0; i < st->ndbg; i++) {
		const debug_entry *e = st->dbg[i];
		size_t r = h->row_add(sec);
		char where[256];

		snprintf(where, sizeof(where), "%s:%d", e->info->file, e->info->line);
		h->cell_text(sec, r, 0, where);
		h->cell_int(sec, r, 1, (int64_t)e->count);
		if (e->ring.n > 0) {
			const debug_msg *last = hp_ring_at(&e->ring, 0, sizeof(debug_msg));

			h->cell_text(sec, r, 2, last->text);
		}
		hp_ring_log(h, sec, r, &e->ring, sizeof(debug_msg), cols, HP_RING_OLDEST, 0,
			    debug_log_cells, NULL);
	}
	return 0;
}

static int values_snapshot(void *state, hp_snapshot *snap)
{
	values_state *st = state;
	int rv;

	if ((rv = values_section(st, snap, &st->gauges, "gauges", "Gauges", "Gauge")) != 0)
		return rv;
	if ((rv = values_section(st, snap, &st->vals, "values", "Values", "Value")) != 0)
		return rv;
	return debug_section(st, snap);
}

/* Frees a table's entries. */
static void values_table_free(value_table *t)
{
	for (size_t i = 0; i < t->n; i++) {
		hp_ring_free(&t->v[i]->ring);
		free(t->v[i]);
	}
	free(t->v);
}

static void values_fini(void *state)
{
	values_state *st = state;

	if (st == NULL)
		return;
	values_table_free(&st->gauges);
	values_table_free(&st->vals);
	for (size_t i = 0; i < st->ndbg; i++) {
		hp_ring *ring = &st->dbg[i]->ring;

		for (size_t k = 0; k < ring->n; k++)
			free(((debug_msg *)hp_ring_at(ring, k, sizeof(debug_msg)))->text);
		hp_ring_free(ring);
		free(st->dbg[i]);
	}
	free(st->dbg);
	free(st->by_site);
	free(st);
}

/* collectors.values.* */
static const hp_option values_options[] = {
	{ .key = "enabled", .type = HP_OPT_BOOL, .dflt = "true",
	  .help = "`HP_GAUGE`, `HP_GAUGE_ADD`, `HP_VAL` and `HP_DBG` ([values.md](values.md))." },
	{ .key = "series", .type = HP_OPT_INT, .min = 0, .max = 100000, .dflt = "120",
	  .help = "Last points kept per gauge (the console's sparkline)." },
	{ .key = "logs", .type = HP_OPT_INT, .min = 0, .max = 100000, .dflt = "50",
	  .help = "Last values kept per `HP_VAL` name, with thread and time." },
	{ .key = "debug", .type = HP_OPT_INT, .min = 0, .max = 100000, .dflt = "50",
	  .help = "Last messages kept per `HP_DBG` call, with thread and time." },
	{ .key = NULL },
};

const hp_plugin_ops hpi_values_plugin = {
	.abi = HP_PLUGIN_ABI,
	.size = sizeof(hp_plugin_ops),
	.name = "values",
	.description = "the program's gauges, values and debug messages",
	.events = HP_EV_BIT(HP_EV_GAUGE_SET) | HP_EV_BIT(HP_EV_GAUGE_ADD) |
		  HP_EV_BIT(HP_EV_VALUE) | HP_EV_BIT(HP_EV_DEBUG),
	.init = values_init,
	.on_event = values_event,
	.snapshot = values_snapshot,
	.fini = values_fini,
	.options = values_options,
};
