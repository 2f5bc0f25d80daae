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
 */
#ifndef HOTPATH_UV_H
#define HOTPATH_UV_H

#include <stdlib.h>
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

#else /* !HOTPATH: the plain calls */

#define hp_uv_queue_work(p, loop, req, work, after) \
	((void)sizeof(p), uv_queue_work((loop), (req), (work), (after)))
#define hp_uv_timer_start(p, timer, cb, timeout) \
	((void)sizeof(p), uv_timer_start((timer), (cb), (timeout), 0))
#define hp_uv_timer_stop(timer) uv_timer_stop(timer)

#endif /* HOTPATH */

#ifdef __cplusplus
}
#endif

#endif /* HOTPATH_UV_H */
