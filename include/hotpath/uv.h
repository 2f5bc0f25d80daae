/* SPDX-License-Identifier: MIT */
/*
 * hotpath/uv.h - libuv work requests and one-shot timers tracked as
 * futures (docs/streams-futures.md), with one wrapper call each and no
 * change to their callbacks:
 *
 *   hp_uv_queue_work(&probe, loop, req, work_cb, after_cb);
 *   hp_uv_timer_start(&probe, timer, timer_cb, timeout_ms);
 *   hp_uv_timer_stop(timer);
 *
 * A work request is a future begun when queued; its work callback is its
 * one poll; it is ready when the after callback runs (cancelled when libuv
 * says UV_ECANCELED).  A one-shot timer is begun when started, polled by
 * its callback and then ready; hp_uv_timer_stop before it fires cancels it.
 *
 * While a request or timer is pending, its ->data holds the adapter's
 * record (the program's own value is kept there and put back before each
 * of its callbacks runs): read ->data only inside the callbacks.  Without
 * -DHOTPATH these are the plain libuv calls.  Not included by hotpath.h.
 *
 * Loop metrics (docs/uv.md): a watched loop reports its iterations, events
 * (libuv 1.45 and later), idle time (uv_metrics_idle_time), time per
 * iteration, its active handles by type and requests, and its lag, in the
 * report's uv_loops section:
 *
 *   static hp_uv_watch w;                       (storage of the program's)
 *   hp_uv_loop_watch(&w, loop, "main", 100);    before uv_run; lag probed
 *                                                every 100 ms (0: no probe)
 *   uv_run(loop, UV_RUN_DEFAULT);
 *   hp_uv_loop_unwatch(&w);                     closes its two handles:
 *                                                run the loop once more
 *                                                before uv_loop_close
 */
#ifndef HOTPATH_UV_H
#define HOTPATH_UV_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <uv.h>

#include <hotpath.h>

#ifdef __cplusplus
extern "C" {
#endif

#ifdef HOTPATH

typedef struct hp__uv_rec {
	void *cb;          /* uv_work_cb or uv_timer_cb */
	uv_after_work_cb after;
	void *data;        /* the program's ->data */
	hp_future f;
} hp__uv_rec;

/* Work callback (a threadpool thread): the future's one poll. */
static void hp__uv_work(uv_work_t *req)
{
	hp__uv_rec *r = (hp__uv_rec *)req->data;
	uint64_t t;

	req->data = r->data;
	t = hp_future_poll_begin(&r->f);
	((uv_work_cb)r->cb)(req);
	hp_future_poll_end(&r->f, t);
	r->data = req->data;
	req->data = r;
}

/* After callback (the loop thread): ready or cancelled, then the program's. */
static void hp__uv_after(uv_work_t *req, int status)
{
	hp__uv_rec *r = (hp__uv_rec *)req->data;
	uv_after_work_cb after = r->after;

	req->data = r->data;
	if (status == UV_ECANCELED)
		hp_future_cancelled(&r->f);
	else
		hp_future_ready(&r->f, NULL);
	free(r);
	if (after != NULL)
		after(req, status);
}

/* uv_queue_work, tracked as a call of probe p. */
static inline HP_SKIP int hp_uv_queue_work(hp_future_probe *p, uv_loop_t *loop, uv_work_t *req,
				   uv_work_cb work, uv_after_work_cb after)
{
	hp__uv_rec *r = (hp__uv_rec *)malloc(sizeof(*r));
	int rv;

	if (r == NULL)
		return UV_ENOMEM;
	r->cb = (void *)work;
	r->after = after;
	r->data = req->data;
	r->f = hp_future_begin(p);
	req->data = r;
	if ((rv = uv_queue_work(loop, req, hp__uv_work, hp__uv_after)) != 0) {
		req->data = r->data;
		hp_future_cancelled(&r->f);
		free(r);
	}
	return rv;
}

/* Timer callback: the poll, then ready (one-shot). */
static void hp__uv_timer(uv_timer_t *timer)
{
	hp__uv_rec *r = (hp__uv_rec *)timer->data;
	uv_timer_cb cb = (uv_timer_cb)r->cb;
	hp_future f = r->f;
	uint64_t t;

	timer->data = r->data;
	free(r);
	t = hp_future_poll_begin(&f);
	cb(timer);
	hp_future_poll_end(&f, t);
	hp_future_ready(&f, NULL);
}

/* uv_timer_start of a one-shot timer, tracked as a call of probe p. */
static inline HP_SKIP int hp_uv_timer_start(hp_future_probe *p, uv_timer_t *timer, uv_timer_cb cb,
				    uint64_t timeout)
{
	hp__uv_rec *r = (hp__uv_rec *)malloc(sizeof(*r));
	int rv;

	if (r == NULL)
		return UV_ENOMEM;
	r->cb = (void *)cb;
	r->after = NULL;
	r->data = timer->data;
	r->f = hp_future_begin(p);
	timer->data = r;
	if ((rv = uv_timer_start(timer, hp__uv_timer, timeout, 0)) != 0) {
		timer->data = r->data;
		hp_future_cancelled(&r->f);
		free(r);
	}
	return rv;
}

/* uv_timer_stop of a timer started with hp_uv_timer_start: one that has
 * not fired is cancelled. */
static inline HP_SKIP int hp_uv_timer_stop(uv_timer_t *timer)
{
	if (uv_is_active((uv_handle_t *)timer)) {
		hp__uv_rec *r = (hp__uv_rec *)timer->data;
		timer->data = r->data;
		hp_future_cancelled(&r->f);
		free(r);
	}
	return uv_timer_stop(timer);
}

/* ---- loop metrics -------------------------------------------------------- */

/* A watched loop; the program's storage, valid until hp_uv_loop_unwatch's
 * handles are closed (the loop's next run). */
typedef struct hp_uv_watch {
	uv_loop_t *loop;
	uv_check_t check;      /* after each poll: the iteration ends */
	uv_timer_t lag;        /* the lag probe, when lag_ms > 0 */
	hp_site site;
	char name[64];
	uint64_t last;         /* uv_hrtime() at the last iteration's end */
	uint64_t idle;         /* uv_metrics_idle_time() then */
	uint64_t events;       /* uv_metrics_info()'s events then (1.45+) */
	uint64_t walked;       /* uv_hrtime() of the last handle sample */
	uint64_t lag_at;       /* uv_hrtime() when the probe was started */
	uint32_t samples;      /* handle samples taken */
	unsigned lag_ms;
} hp_uv_watch;

/* Handles sampled at most this often (ns), and at unwatch. */
#define HP__UV_WALK_NS 100000000u
#define HP__UV_REQS 255u /* the w0 of the active requests' record */

HP_API void hp__uv_record(uint32_t site, uint32_t kind, uint32_t w0, uint64_t pay, uint32_t w1);

/* The watch's site id, registering it on first use. */
static inline HP_SKIP uint32_t hp__uv_site(hp_uv_watch *w)
{
	uint32_t id = __atomic_load_n(&w->site.id, __ATOMIC_ACQUIRE);

	return id ? id : hp__site_register(&w->site, NULL);
}

typedef struct hp__uv_count {
	hp_uv_watch *w;
	uint32_t n[UV_HANDLE_TYPE_MAX];
} hp__uv_count;

/* uv_walk's callback: the active handles of the program, by type. */
static void hp__uv_count_one(uv_handle_t *h, void *arg)
{
	hp__uv_count *c = (hp__uv_count *)arg;

	if (h == (uv_handle_t *)&c->w->check || h == (uv_handle_t *)&c->w->lag || !uv_is_active(h) || uv_is_closing(h))
		return;
	if ((unsigned)h->type < UV_HANDLE_TYPE_MAX)
		c->n[h->type]++;
}

/* One sample of the loop's active handles by type and active requests. */
static void hp__uv_sample(hp_uv_watch *w, uint64_t now)
{
	hp__uv_count c;
	uint32_t site, seq;

	if (!__atomic_load_n(&hp__rt.on, __ATOMIC_RELAXED))
		return;
	site = hp__uv_site(w);
	seq = ++w->samples;
	memset(&c, 0, sizeof(c));
	c.w = w;
	w->walked = now;
	uv_walk(w->loop, hp__uv_count_one, &c);
	for (unsigned t = 0; t < UV_HANDLE_TYPE_MAX; t++)
		if (c.n[t] != 0)
			hp__uv_record(site, HP__EV_UV_HANDLES, t, c.n[t], seq);
	hp__uv_record(site, HP__EV_UV_HANDLES, HP__UV_REQS, w->loop->active_reqs.count, seq);
}

/* The loop's events so far, or ~0 when libuv cannot say (before 1.45). */
static inline uint64_t hp__uv_events(uv_loop_t *loop)
{
#if UV_VERSION_HEX >= 0x012d00
	uv_metrics_t m;

	if (uv_metrics_info(loop, &m) == 0)
		return m.events;
#else
	(void)loop;
#endif
	return UINT64_MAX;
}

/* After each poll: one iteration ended (time since the last one's end). */
static void hp__uv_check(uv_check_t *h)
{
	hp_uv_watch *w = (hp_uv_watch *)h->data;
	uint64_t now = uv_hrtime(), idle = uv_metrics_idle_time(w->loop);
	uint64_t ev = hp__uv_events(w->loop), dur = now - w->last;
	uint32_t d = dur < 0x80000000u ? (uint32_t)dur
				       : 0x80000000u | (uint32_t)(dur / 1000 > 0x7fffffff ? 0x7fffffff : dur / 1000);
	uint32_t e = ev == UINT64_MAX || w->events == UINT64_MAX ? UINT32_MAX
		     : (uint32_t)(ev - w->events > 0xfffffffe ? 0xfffffffe : ev - w->events);

	if (__atomic_load_n(&hp__rt.on, __ATOMIC_RELAXED))
		hp__uv_record(hp__uv_site(w), HP__EV_UV_ITER, e, idle - w->idle, d);
	w->last = now;
	w->idle = idle;
	w->events = ev;
	if (now - w->walked >= HP__UV_WALK_NS)
		hp__uv_sample(w, now);
}

/* The lag probe: how late it fired, then again. */
static void hp__uv_lag(uv_timer_t *h)
{
	hp_uv_watch *w = (hp_uv_watch *)h->data;
	uint64_t now = uv_hrtime(), due = w->lag_at + (uint64_t)w->lag_ms * 1000000u;

	if (__atomic_load_n(&hp__rt.on, __ATOMIC_RELAXED))
		hp__uv_record(hp__uv_site(w), HP__EV_UV_LAG, 0, now > due ? now - due : 0, 0);
	w->lag_at = now;
	uv_timer_start(h, hp__uv_lag, w->lag_ms, 0);
}

/* Starts watching loop (call it on the loop's thread, before uv_run),
 * reported as name; lag_ms > 0 probes the loop's lag that often.  The
 * watch's handles do not keep the loop alive.  0, or a libuv error. */
#define hp_uv_loop_watch(w, loop, name, lag_ms) hp__uv_loop_watch((w), (loop), (name), (lag_ms), __FILE__, __LINE__)
static inline HP_SKIP int hp__uv_loop_watch(hp_uv_watch *w, uv_loop_t *loop, const char *name,
					    unsigned lag_ms, const char *file, int line)
{
	int rv;

	memset(w, 0, sizeof(*w));
	w->loop = loop;
	snprintf(w->name, sizeof(w->name), "%s", name);
	w->site.label = w->name;
	w->site.file = file;
	w->site.line = line;
	w->site.kind = HP_SITE_UV_LOOP;
	w->lag_ms = lag_ms;
	if ((rv = uv_loop_configure(loop, UV_METRICS_IDLE_TIME)) != 0 ||
	    (rv = uv_check_init(loop, &w->check)) != 0)
		return rv;
	w->check.data = w;
	uv_check_start(&w->check, hp__uv_check);
	uv_unref((uv_handle_t *)&w->check);
	uv_timer_init(loop, &w->lag);
	w->lag.data = w;
	uv_unref((uv_handle_t *)&w->lag);
	w->last = uv_hrtime();
	w->idle = uv_metrics_idle_time(loop);
	w->events = hp__uv_events(loop);
	w->walked = w->last;
	if (lag_ms > 0) {
		w->lag_at = w->last;
		uv_timer_start(&w->lag, hp__uv_lag, lag_ms, 0);
	}
	return 0;
}

/* Stops watching: a last sample of the handles, and the watch's handles
 * closed (they are gone after the loop's next run). */
static inline HP_SKIP void hp_uv_loop_unwatch(hp_uv_watch *w)
{
	hp__uv_sample(w, uv_hrtime());
	uv_close((uv_handle_t *)&w->check, NULL);
	uv_close((uv_handle_t *)&w->lag, NULL);
}

#else /* !HOTPATH: the plain calls */

#define hp_uv_queue_work(p, loop, req, work, after) \
	((void)sizeof(p), uv_queue_work((loop), (req), (work), (after)))
#define hp_uv_timer_start(p, timer, cb, timeout) \
	((void)sizeof(p), uv_timer_start((timer), (cb), (timeout), 0))
#define hp_uv_timer_stop(timer) uv_timer_stop(timer)

typedef struct hp_uv_watch {
	char unused;
} hp_uv_watch;
static inline int hp__uv_watch_off(void)
{
	return 0;
}
#define hp_uv_loop_watch(w, loop, name, lag_ms) \
	((void)sizeof(w), (void)sizeof(loop), (void)sizeof(name), (void)sizeof(lag_ms), \
	 hp__uv_watch_off())
#define hp_uv_loop_unwatch(w) ((void)sizeof(w))

#endif /* HOTPATH */

#ifdef __cplusplus
}
#endif

#endif /* HOTPATH_UV_H */
