/* SPDX-License-Identifier: MIT */
/*
 * uv.c - the built-in uv plugin: libuv loops watched with
 * hp_uv_loop_watch (hotpath/uv.h): per loop, iterations, events, idle
 * time, time per iteration (percentiles), lag, and the active handles by
 * type and requests of the last sample (docs/uv.md).  It needs no libuv:
 * the loop's thread measures, this only adds up.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <hotpath/plugin.h> /* all it uses: it could be an external plugin */

/* libuv's uv_handle_type values (UV_HANDLE_TYPE_MAP: stable in libuv 1.x). */
static const char *const uv_types[] = {
	"unknown", "async", "check", "fs_event", "fs_poll", "handle", "idle", "pipe",
	"poll", "prepare", "process", "stream", "tcp", "timer", "tty", "udp", "signal",
};
#define UV_NTYPES (sizeof(uv_types) / sizeof(uv_types[0]))
#define UV_REQS 255u /* hotpath/uv.h HP__UV_REQS */
/* libuv's uv_req_type values (UV_REQ_TYPE_MAP: stable in libuv 1.x). */
static const char *const uv_req_types[] = {
	"unknown", "req", "connect", "write", "shutdown", "udp_send",
	"fs", "work", "getaddrinfo", "getnameinfo", "random",
};
#define UV_NREQTYPES 16u /* hotpath/uv.h HP__UV_REQ_TYPES */
#define UV_REQ_ACTIVE 0x100u /* hotpath/uv.h HP__UV_REQ_*: + uv_req_type */
#define UV_REQ_STARTED 0x200u
#define UV_REQ_COMPLETED 0x300u

static const char *uv_req_name(size_t t)
{
	return t < sizeof(uv_req_types) / sizeof(uv_req_types[0]) ? uv_req_types[t] : "other";
}

/* One watched loop (all watches of one name). */
typedef struct uv_entry {
	const char *label;
	uint64_t iterations, events, idle_ns, wall_ns;
	int events_known;
	hp_hist *iter, *lag;
	uint64_t lag_max, iter_max;
	uint32_t seq;              /* the handle sample being filled */
	uint64_t handles[UV_NTYPES], reqs;
	/* requests by type (hotpath/uv.h's wrappers): active now, started
	 * and completed while watched */
	uint64_t req_active[UV_NREQTYPES], req_started[UV_NREQTYPES], req_completed[UV_NREQTYPES];
	int any_req;               /* some type's counts are not all 0 */
} uv_entry;

typedef struct uv_state {
	const hp_host *host;
	void **by_site;
	size_t nsites;
	uv_entry **v;
	size_t n, cap;
} uv_state;

static int uv_init(const hp_host *host, const hp_options *opts, void **state, char **cause)
{
	uv_state *st;

	(void)opts, (void)cause;
	if (host->size <= offsetof(hp_host, want_text)) /* needs the histograms */
		return HP_ENOTSUP;
	if ((st = calloc(1, sizeof(*st))) == NULL)
		return HP_ENOMEM;
	st->host = host;
	*state = st;
	return 0;
}

/* The loop of site id, made on first sight. */
static uv_entry *uv_loop(uv_state *st, uint32_t id)
{
	void **slot = hp_plugin_site_slot(&st->by_site, &st->nsites, id);
	const hp_site_info *si;
	uv_entry *e;

	if (slot == NULL)
		return NULL;
	if (*slot != NULL || (si = st->host->site(id)) == NULL)
		return *slot;
	if ((e = hp_plugin_label_find((void *const *)st->v, st->n, si->label)) == NULL) {
		if ((e = calloc(1, sizeof(*e))) == NULL)
			return NULL;
		e->label = si->label;
		e->events_known = 1;
		if ((e->iter = st->host->hist_new()) == NULL || (e->lag = st->host->hist_new()) == NULL ||
		    !hp_plugin_push((void ***)&st->v, &st->n, &st->cap, e)) {
			st->host->hist_free(e->iter);
			st->host->hist_free(e->lag);
			free(e);
			return NULL;
		}
	}
	return *slot = e;
}

static void uv_event(void *state, const hp_event *ev)
{
	uv_state *st = state;
	const hp_event_words *w = ev->data;
	uv_entry *e = uv_loop(st, ev->site);
	uint64_t d;

	if (e == NULL || w == NULL)
		return;
	switch (ev->kind) {
	case HP_EV_UV_ITER:
		/* the iteration's ns, or its us with bit 31 */
		d = w->w1 & 0x80000000u ? (uint64_t)(w->w1 & 0x7fffffffu) * 1000u : w->w1;
		e->iterations++;
		e->wall_ns += d;
		e->idle_ns += w->pay;
		if (d > e->iter_max)
			e->iter_max = d;
		st->host->hist_add(e->iter, d);
		if (w->w0 == UINT32_MAX)
			e->events_known = 0;
		else
			e->events += w->w0;
		break;
	case HP_EV_UV_LAG:
		st->host->hist_add(e->lag, w->pay);
		if (w->pay > e->lag_max)
			e->lag_max = w->pay;
		break;
	case HP_EV_UV_HANDLES:
		if (w->w1 != e->seq) { /* a new sample */
			memset(e->handles, 0, sizeof(e->handles));
			memset(e->req_active, 0, sizeof(e->req_active));
			memset(e->req_started, 0, sizeof(e->req_started));
			memset(e->req_completed, 0, sizeof(e->req_completed));
			e->reqs = 0;
			e->any_req = 0;
			e->seq = w->w1;
		}
		if (w->w0 == UV_REQS)
			e->reqs = w->pay;
		else if (w->w0 < UV_NTYPES)
			e->handles[w->w0] = w->pay;
		else if (w->w0 >= UV_REQ_ACTIVE && w->w0 < UV_REQ_COMPLETED + UV_NREQTYPES &&
			 (w->w0 & 0xffu) < UV_NREQTYPES) {
			uint64_t *v = w->w0 < UV_REQ_STARTED ? e->req_active
				      : w->w0 < UV_REQ_COMPLETED ? e->req_started : e->req_completed;
			v[w->w0 & 0xffu] = w->pay;
			e->any_req = 1;
		}
		break;
	default:
		break;
	}
}

/* "fs 3, write 2": the sample's active requests by type. */
static void uv_reqs_by_type(const uv_entry *e, char *buf, size_t n)
{
	size_t len = 0;

	buf[0] = '\0';
	for (size_t t = 0; t < UV_NREQTYPES; t++)
		if (e->req_active[t] != 0 && len < n)
			len += (size_t)snprintf(buf + len, n - len, "%s%s %llu", len ? ", " : "",
						uv_req_name(t), (unsigned long long)e->req_active[t]);
}

/* "tcp 3, timer 2": the sample's active handles by type. */
static void uv_by_type(const uv_entry *e, char *buf, size_t n, uint64_t *total)
{
	size_t len = 0;

	buf[0] = '\0';
	*total = 0;
	for (size_t t = 0; t < UV_NTYPES; t++) {
		if (e->handles[t] == 0)
			continue;
		*total += e->handles[t];
		if (len < n)
			len += (size_t)snprintf(buf + len, n - len, "%s%s %llu", len ? ", " : "",
						uv_types[t], (unsigned long long)e->handles[t]);
	}
}

static int uv_snapshot(void *state, hp_snapshot *snap)
{
	uv_state *st = state;
	const hp_host *h = st->host;
	size_t np, len;
	const double *p = h->percentiles(&np);
	hp_section *sec, *hs;
	char key[32], title[40], cols[512], types[512], reqs[512];
	int any_req = 0;

	if (st->n == 0)
		return 0; /* a program without a watched loop gets no empty table */
	if ((sec = h->section_add(snap, "uv_loops", "libuv loops")) == NULL)
		return HP_ENOMEM;
	h->column_add(sec, "name", "Loop", HP_UNIT_TEXT);
	h->column_add(sec, "iterations", "Iterations", HP_UNIT_COUNT);
	h->column_add(sec, "events", "Events", HP_UNIT_COUNT);
	h->column_add(sec, "idle", "Idle", HP_UNIT_NS);
	h->column_add(sec, "idle_percent", "% Idle", HP_UNIT_PERCENT);
	h->column_add(sec, "avg", "Iter avg", HP_UNIT_NS);
	len = (size_t)snprintf(cols, sizeof(cols), "name,iterations,events,idle,idle_percent,avg");
	for (size_t i = 0; i < np; i++) {
		snprintf(key, sizeof(key), "p%g", p[i]);
		snprintf(title, sizeof(title), "Iter P%g", p[i]);
		h->column_add(sec, key, title, HP_UNIT_NS);
		if (len < sizeof(cols))
			len += (size_t)snprintf(cols + len, sizeof(cols) - len, ",%s", key);
	}
	h->column_add(sec, "max", "Iter max", HP_UNIT_NS);
	h->column_add(sec, "lag_samples", "Lag probes", HP_UNIT_COUNT);
	h->column_add(sec, "lag_avg", "Lag avg", HP_UNIT_NS);
	h->column_add(sec, "lag_max", "Lag max", HP_UNIT_NS);
	h->column_add(sec, "handles", "Handles", HP_UNIT_COUNT);
	h->column_add(sec, "requests", "Requests", HP_UNIT_COUNT);
	h->column_add(sec, "by_type", "Handles by type", HP_UNIT_TEXT);
	h->column_add(sec, "requests_by_type", "Requests by type", HP_UNIT_TEXT);
	if (len < sizeof(cols))
		snprintf(cols + len, sizeof(cols) - len,
			 ",max,lag_avg,lag_max,handles,requests,by_type,requests_by_type");
	h->meta_set(sec, "table.columns", cols);
	for (size_t i = 0; i < st->n; i++) {
		const uv_entry *e = st->v[i];
		uint64_t total, lags = h->hist_count(e->lag);
		size_t r = h->row_add(sec), c = 0;

		uv_by_type(e, types, sizeof(types), &total);
		uv_reqs_by_type(e, reqs, sizeof(reqs));
		any_req |= e->any_req;
		h->cell_text(sec, r, c++, e->label);
		h->cell_int(sec, r, c++, (int64_t)e->iterations);
		if (e->events_known)
			h->cell_int(sec, r, c, (int64_t)e->events);
		c++; /* empty when libuv cannot count them (before 1.45) */
		h->cell_int(sec, r, c++, (int64_t)e->idle_ns);
		h->cell_real(sec, r, c++, e->wall_ns ? 100.0 * (double)e->idle_ns / (double)e->wall_ns : 0.0);
		h->cell_int(sec, r, c++, (int64_t)(e->iterations ? e->wall_ns / e->iterations : 0));
		for (size_t k = 0; k < np; k++)
			h->cell_int(sec, r, c++, (int64_t)h->hist_percentile(e->iter, p[k]));
		h->cell_int(sec, r, c++, (int64_t)e->iter_max);
		h->cell_int(sec, r, c++, (int64_t)lags);
		if (lags > 0) {
			h->cell_int(sec, r, c, (int64_t)(h->hist_sum(e->lag) / lags));
			h->cell_int(sec, r, c + 1, (int64_t)e->lag_max);
		}
		c += 2;
		h->cell_int(sec, r, c++, (int64_t)total);
		h->cell_int(sec, r, c++, (int64_t)e->reqs);
		h->cell_text(sec, r, c++, types);
		h->cell_text(sec, r, c++, reqs);
	}
	/* the same handles, a row per loop and type */
	if ((hs = h->section_add(snap, "uv_handles", "libuv handles")) == NULL)
		return HP_ENOMEM;
	h->column_add(hs, "name", "Loop", HP_UNIT_TEXT);
	h->column_add(hs, "type", "Type", HP_UNIT_TEXT);
	h->column_add(hs, "active", "Active", HP_UNIT_COUNT);
	for (size_t i = 0; i < st->n; i++) {
		const uv_entry *e = st->v[i];
		for (size_t t = 0; t <= UV_NTYPES; t++) {
			uint64_t v = t == UV_NTYPES ? e->reqs : e->handles[t];
			size_t r;
			if (v == 0)
				continue;
			r = h->row_add(hs);
			h->cell_text(hs, r, 0, e->label);
			h->cell_text(hs, r, 1, t == UV_NTYPES ? "requests" : uv_types[t]);
			h->cell_int(hs, r, 2, (int64_t)v);
		}
	}
	if (!any_req)
		return 0; /* no request was started through hotpath/uv.h's wrappers */
	/* requests by type: a row per loop and type */
	if ((hs = h->section_add(snap, "uv_requests", "libuv requests")) == NULL)
		return HP_ENOMEM;
	h->column_add(hs, "name", "Loop", HP_UNIT_TEXT);
	h->column_add(hs, "type", "Type", HP_UNIT_TEXT);
	h->column_add(hs, "active", "Active", HP_UNIT_COUNT);
	h->column_add(hs, "started", "Started", HP_UNIT_COUNT);
	h->column_add(hs, "completed", "Completed", HP_UNIT_COUNT);
	for (size_t i = 0; i < st->n; i++) {
		const uv_entry *e = st->v[i];
		for (size_t t = 0; t < UV_NREQTYPES; t++) {
			size_t r;
			if (e->req_active[t] == 0 && e->req_started[t] == 0 && e->req_completed[t] == 0)
				continue;
			r = h->row_add(hs);
			h->cell_text(hs, r, 0, e->label);
			h->cell_text(hs, r, 1, uv_req_name(t));
			h->cell_int(hs, r, 2, (int64_t)e->req_active[t]);
			h->cell_int(hs, r, 3, (int64_t)e->req_started[t]);
			h->cell_int(hs, r, 4, (int64_t)e->req_completed[t]);
		}
	}
	return 0;
}

static void uv_fini(void *state)
{
	uv_state *st = state;

	if (st == NULL)
		return;
	for (size_t i = 0; i < st->n; i++) {
		st->host->hist_free(st->v[i]->iter);
		st->host->hist_free(st->v[i]->lag);
		free(st->v[i]);
	}
	free(st->v), free(st->by_site), free(st);
}

/* collectors.uv.* */
static const hp_option uv_options[] = {
	{ .key = "enabled", .type = HP_OPT_BOOL, .dflt = "true",
	  .help = "libuv loops watched with `hp_uv_loop_watch` ([uv.md](uv.md))." },
	{ .key = NULL },
};

const hp_plugin_ops hpi_uv_plugin = {
	.abi = HP_PLUGIN_ABI,
	.size = sizeof(hp_plugin_ops),
	.name = "uv",
	.description = "libuv loops: iterations, idle time, time per iteration, lag, handles, requests",
	.events = HP_EV_BIT(HP_EV_UV_ITER) | HP_EV_BIT(HP_EV_UV_LAG) | HP_EV_BIT(HP_EV_UV_HANDLES),
	.init = uv_init,
	.on_event = uv_event,
	.snapshot = uv_snapshot,
	.fini = uv_fini,
	.options = uv_options,
};
