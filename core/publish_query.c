/* SPDX-License-Identifier: MIT */
/*
 * publish_query.c - the publisher's query socket (docs/wire.md): requests
 * read at once in nng contexts, each client's budget (publish.query_rate),
 * the replies rendered from the last snapshot within a share of the
 * collector's time, and a client that does not read its replies held to
 * one in flight.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <nng/nng.h>

#include "hpi.h"
#include "collector.h"
#include "metrics.h"
#include "publish.h"
#include "registry.h"

/* Whether req asks for {"cmd":"metrics"}: its reply is the OpenMetrics
 * text itself, not JSON (docs/metrics.md, `hotpath exporter`). */
static bool publish_is_metrics(const char *req, size_t len)
{
	hpi_query q;
	const char *why;
	bool yes = hpi_query_parse(req, len, &q, &why) == 0 && strcmp(q.cmd, "metrics") == 0;

	hpi_query_fini(&q);
	return yes;
}

bool hpi_rate_take(hpi_rate *b, uint64_t now, unsigned rate, unsigned burst)
{
	uint64_t cap = (uint64_t)burst * 1000000000u, dt;

	if (rate == 0)
		return true;
	if (b->at == 0) {
		b->credit = cap;
	} else if (now > b->at) {
		dt = now - b->at;
		if (dt > 100000000000000ull / rate) /* past full anyway; no overflow */
			dt = 100000000000000ull / rate;
		b->credit += dt * rate;
	}
	b->at = now;
	if (b->credit > cap)
		b->credit = cap;
	if (b->credit < 1000000000u)
		return false;
	b->credit -= 1000000000u;
	return true;
}

/* The bucket of the client on pipe id: the one it had, else a free one,
 * else the one idle longest (its client starts anew). */
static hpi_pub_client *publish_client_get(hpi_publisher *p, uint32_t id)
{
	hpi_pub_client *old = &p->clients[0];

	for (size_t i = 0; i < PUBLISH_CLIENTS; i++) {
		hpi_pub_client *c = &p->clients[i];
		if (c->pipe == id)
			return c;
		if (c->pipe == 0 || c->rate.at < old->rate.at)
			old = c;
	}
	memset(old, 0, sizeof(*old));
	old->pipe = id;
	return old;
}

/* Replies of pipe id queued behind one its connection is still writing (a
 * client with one gets no more: a REQ peer never has two requests out, so
 * one that sends without reading holds one slot, not all of them). */
static int publish_in_flight(const hpi_pub_queries *qs, uint32_t id)
{
	int n = 0;

	for (size_t i = 0; i < PUBLISH_SLOTS; i++)
		if (__atomic_load_n(&qs->slots[i].state, __ATOMIC_ACQUIRE) == SLOT_SENDING &&
		    qs->slots[i].pipe == id)
			n++;
	return n;
}

/* Hands a slot back to receiving. */
static void publish_slot_recv(hpi_pub_slot *sl)
{
	__atomic_store_n(&sl->state, SLOT_RECEIVING, __ATOMIC_RELEASE);
	nng_aio_set_timeout(sl->aio, NNG_DURATION_INFINITE);
	nng_ctx_recv(sl->ctx, sl->aio);
}

/* A slot's receive or send finished (nng's threads): a request is ready
 * for the collector, or the slot receives again. */
static void publish_slot_done(void *arg)
{
	hpi_pub_slot *sl = arg;
	int rv = nng_aio_result(sl->aio);

	if (__atomic_load_n(&sl->state, __ATOMIC_ACQUIRE) == SLOT_RECEIVING) {
		if (rv == 0) {
			__atomic_store_n(&sl->state, SLOT_READY, __ATOMIC_RELEASE);
			/* a sleeping collector answers within drain_interval_ms */
			hpi_collector_nudge();
			return;
		}
	} else if (rv != 0) {
		/* not sent: the peer went away (its pipe is gone: nng counts
		 * that a success), or it did not read for PUBLISH_SEND_MS */
		nng_msg_free(nng_aio_get_msg(sl->aio));
		nng_aio_set_msg(sl->aio, NULL);
		__atomic_add_fetch(&sl->qs->lost, 1, __ATOMIC_RELAXED);
	}
	if (rv == NNG_ECLOSED || rv == NNG_ECANCELED) {
		__atomic_store_n(&sl->state, SLOT_CLOSED, __ATOMIC_RELEASE);
		return;
	}
	publish_slot_recv(sl);
}

/* Another request of client id waits in a slot other than sl. */
static bool publish_other_waits(const hpi_pub_queries *qs, const hpi_pub_slot *sl, uint32_t id)
{
	for (size_t i = 0; i < PUBLISH_SLOTS; i++) {
		const hpi_pub_slot *o = &qs->slots[i];
		if (o != sl && o->waiting && o->pipe == id &&
		    __atomic_load_n(&o->state, __ATOMIC_ACQUIRE) == SLOT_READY)
			return true;
	}
	return false;
}

/* The reply to req[0..len) from client id (its connection), into *out:
 * rate_limited past publish.query_rate, else the answer from s. */
static void publish_reply(hpi_publisher *p, uint32_t id, const char *req, size_t len,
			  const hp_snapshot *s, hpi_buf *out)
{
	hpi_pub_client *c = publish_client_get(p, id);

	if (!hpi_rate_take(&c->rate, hpi_mono_ns(), (unsigned)p->query_rate,
			   (unsigned)p->query_burst)) {
		char why[160];
		p->info.refused_queries++;
		snprintf(why, sizeof(why), "more than %d queries a second from this client "
			 "(publish.query_rate); try again later", p->query_rate);
		hpi_wire_error(out, "rate_limited", why);
		return;
	}
	hpi_pub_info_counts(p);
	if (publish_is_metrics(req, len))
		hpi_metrics_answer(out, p->reg, &p->info); /* a snapshot of its own */
	else if (hpi_cpu_query(p->reg, req, len, out))
		; /* cpu_start, cpu_stop, cpu_status: the cpu collector's */
	else if (s != NULL)
		hpi_query_answer(out, s, &p->info, req, len);
	else
		hpi_wire_error(out, "no_memory", "out of memory");
}

/* The reply to the request in slot sl, sent (true); or, while the client's
 * previous reply is in flight, its first request kept waiting (false: a
 * REQ client may ask again before nng's thread has seen that reply go)
 * and any more forgotten (a client that does not read its replies). */
static bool publish_answer(hpi_publisher *p, hpi_pub_slot *sl, const hp_snapshot *s)
{
	nng_msg *req = nng_aio_get_msg(sl->aio), *rep = NULL;
	uint32_t id = nng_pipe_id(nng_msg_get_pipe(req));
	hpi_buf out;

	if (publish_in_flight(p->qs, id) >= 1) {
		if (sl->waiting || !publish_other_waits(p->qs, sl, id)) {
			sl->waiting = true;
			sl->pipe = id;
			return false;
		}
		sl->waiting = false;
		nng_aio_set_msg(sl->aio, NULL);
		p->info.refused_queries++;
		nng_msg_free(req);
		publish_slot_recv(sl);
		return true;
	}
	sl->waiting = false;
	nng_aio_set_msg(sl->aio, NULL);
	hpi_buf_init(&out);
	publish_reply(p, id, nng_msg_body(req), nng_msg_len(req), s, &out);
	nng_msg_free(req);
	if (out.data == NULL || out.failed || nng_msg_alloc(&rep, 0) != 0 ||
	    nng_msg_append(rep, out.data, out.len) != 0) {
		nng_msg_free(rep);
		p->dropped++;
		hpi_buf_fini(&out);
		publish_slot_recv(sl);
		return true;
	}
	hpi_buf_fini(&out);
	sl->pipe = id;
	nng_aio_set_msg(sl->aio, rep);
	nng_aio_set_timeout(sl->aio, PUBLISH_SEND_MS);
	__atomic_store_n(&sl->state, SLOT_SENDING, __ATOMIC_RELEASE);
	nng_ctx_send(sl->ctx, sl->aio);
	return true;
}

/* Answers the requests that arrived, from s, at most PUBLISH_QUERIES_PER_TICK
 * and while the queries' budget lasts: an eighth of the collector's time,
 * which also stretches the publishing interval (publishing and queries
 * together take at most a quarter).  A flood of queries costs the collector
 * the rendering of replies only, within that share, never a snapshot of the
 * plugins per query. */
/* A fork child's requests (sp.c): one reply each, in turn. */
static bool publish_answer_own(hpi_publisher *p, const hp_snapshot *s)
{
	uint64_t tok;
	hpi_buf req, out;

	hpi_buf_init(&req);
	if (!hpi_sp_recv(p->sp[1], &tok, &req)) {
		hpi_buf_fini(&req);
		return false;
	}
	hpi_buf_init(&out);
	publish_reply(p, hpi_sp_tok_peer(tok), req.data ? req.data : "", req.len, s, &out);
	if (req.failed || out.data == NULL || out.failed ||
	    hpi_sp_reply(p->sp[1], tok, out.data, out.len) != 0)
		p->dropped++;
	hpi_buf_fini(&req);
	hpi_buf_fini(&out);
	return true;
}

void hpi_publish_serve(hpi_publisher *p, const hp_snapshot *s)
{
	uint64_t now = hpi_mono_ns(), t;
	int served = 0;

	if (p == NULL || (p->own ? p->sp[1] == NULL : p->qs == NULL))
		return;
	if (p->credit_at != 0) {
		p->credit += (int64_t)((now - p->credit_at) / 8);
		if (p->credit > PUBLISH_CREDIT_MAX)
			p->credit = PUBLISH_CREDIT_MAX;
	}
	p->credit_at = now;
	for (size_t k = 0; k < PUBLISH_SLOTS && served < PUBLISH_QUERIES_PER_TICK &&
			   p->credit > 0; k++) {
		if (p->own) {
			if (!publish_answer_own(p, s))
				break;
		} else {
			hpi_pub_slot *sl = &p->qs->slots[(p->next_slot + k) % PUBLISH_SLOTS];
			if (__atomic_load_n(&sl->state, __ATOMIC_ACQUIRE) != SLOT_READY)
				continue;
			if (!publish_answer(p, sl, s))
				continue; /* waits for its client's reply to go */
		}
		served++;
		t = hpi_mono_ns();
		p->credit -= (int64_t)(t - now);
		p->query_ns += t - now;
		now = t;
	}
	p->credit_at = now;
	p->next_slot = (p->next_slot + 1) % PUBLISH_SLOTS; /* no slot first always */
}

/* Whether a request waits for its answer. */
bool hpi_pub_asked(const hpi_publisher *p)
{
	if (p->own)
		return p->sp[1] != NULL && hpi_sp_pending(p->sp[1]);
	for (size_t i = 0; p->qs != NULL && i < PUBLISH_SLOTS; i++)
		if (__atomic_load_n(&p->qs->slots[i].state, __ATOMIC_ACQUIRE) == SLOT_READY)
			return true;
	return false;
}

/* The request slots of REP socket rep, each receiving; NULL when none
 * could be made (then no query is answered). */
hpi_pub_queries *hpi_pub_queries_new(nng_socket rep)
{
	hpi_pub_queries *qs = calloc(1, sizeof(*qs));

	if (qs == NULL)
		return NULL;
	for (; qs->n < PUBLISH_SLOTS; qs->n++) {
		hpi_pub_slot *sl = &qs->slots[qs->n];
		sl->qs = qs;
		if (nng_ctx_open(&sl->ctx, rep) != 0)
			break;
		if (nng_aio_alloc(&sl->aio, publish_slot_done, sl) != 0) {
			nng_ctx_close(sl->ctx);
			break;
		}
	}
	for (size_t i = 0; i < qs->n; i++)
		publish_slot_recv(&qs->slots[i]);
	if (qs->n == 0) {
		free(qs);
		return NULL;
	}
	return qs;
}

/* Frees the slots once their socket is closed; NULL is a no-op. */
void hpi_pub_queries_free(hpi_pub_queries *qs)
{
	if (qs == NULL)
		return;
	for (size_t i = 0; i < qs->n; i++) {
		hpi_pub_slot *sl = &qs->slots[i];
		nng_aio_stop(sl->aio);
		if (__atomic_load_n(&sl->state, __ATOMIC_ACQUIRE) == SLOT_READY)
			nng_msg_free(nng_aio_get_msg(sl->aio)); /* a request never answered */
		nng_aio_free(sl->aio);
	}
	free(qs);
}
