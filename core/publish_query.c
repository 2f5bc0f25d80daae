/* SPDX-License-Identifier: MIT */
/*
 * publish_query.c - the publisher's query socket (docs/wire.md, "Queries"):
 * requests read at once in nng contexts and answered on a thread of their
 * own ("hp-query"), never on the collector: from the last snapshot the
 * collector published, each reply rendered once per snapshot and its bytes
 * served again to every client that asks the same; each client's budget
 * (publish.query_rate), and a client that does not read its replies held
 * to one in flight.  Only the metrics and cpu_* commands, which read the
 * plugins, are handed to the collector, within an eighth of its time.
 */
#include "config.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include <nng/nng.h>

#include "alloc.h"
#include "hpi.h"
#include "collector.h"
#include "metrics.h"
#include "publish.h"
#include "registry.h"

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

uint64_t hpi_budget_pause(hpi_budget *b, uint64_t wall, uint64_t cpu, unsigned share)
{
	uint64_t used, spent;

	if (b->wall0 == 0 || wall < b->wall0 || cpu < b->cpu0) {
		b->wall0 = wall;
		b->cpu0 = cpu;
		return 0;
	}
	used = (cpu - b->cpu0) * share;
	spent = wall - b->wall0;
	if (used > spent)
		return used - spent;
	if (spent > 1000000000u) {
		b->wall0 = wall;
		b->cpu0 = cpu;
	}
	return 0;
}

/* This thread's CPU time (ns). */
static uint64_t thread_cpu_ns(void)
{
	struct timespec t;

	if (clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t) != 0)
		return 0;
	return (uint64_t)t.tv_sec * 1000000000u + (uint64_t)t.tv_nsec;
}

/* ---- what the query thread serves from ----------------------------------- */

/* Frees a chain of snapshots held for queries (query thread, or the last
 * owner once the thread is gone). */
static void held_free(hpi_pub_held *h)
{
	while (h != NULL) {
		hpi_pub_held *next = h->next;
		for (size_t i = 0; i < h->nreplies; i++) {
			free(h->replies[i].key);
			free(h->replies[i].data);
		}
		free(h->replies);
		if (h->owned)
			hpi_snapshot_free(h->s);
		free(h);
		h = next;
	}
}

/* Wakes the query thread (any thread). */
static void query_wake(hpi_pub_queries *qs)
{
	pthread_mutex_lock(&qs->mu);
	qs->wake = true;
	pthread_cond_signal(&qs->cv);
	pthread_mutex_unlock(&qs->mu);
}

bool hpi_pub_offer(hpi_pub_queries *qs, hp_snapshot *s, bool owned, const hpi_publish_info *info)
{
	hpi_pub_held *h;

	if (qs == NULL || !qs->running || (h = calloc(1, sizeof(*h))) == NULL)
		return false;
	h->s = s;
	h->owned = owned;
	h->info = *info;
	h->info.pcts = h->info.pctbuf;
	pthread_mutex_lock(&qs->mu);
	h->next = qs->offered; /* the query thread takes the first, frees the rest */
	qs->offered = h;
	__atomic_store_n(&qs->fresh_at, hpi_mono_ns(), __ATOMIC_RELEASE);
	__atomic_store_n(&qs->want, 0, __ATOMIC_RELAXED);
	__atomic_add_fetch(&qs->snapshots, 1, __ATOMIC_RELAXED);
	qs->wake = true;
	pthread_cond_signal(&qs->cv);
	pthread_mutex_unlock(&qs->mu);
	return true;
}

void hpi_pub_fresh(hpi_pub_queries *qs)
{
	if (qs == NULL)
		return;
	__atomic_store_n(&qs->fresh_at, hpi_mono_ns(), __ATOMIC_RELEASE);
	__atomic_store_n(&qs->want, 0, __ATOMIC_RELAXED);
	query_wake(qs);
}

/* ---- requests ------------------------------------------------------------ */

/* Replies of pipe id queued behind one its connection is still writing, or
 * waiting for the collector (a client with one gets no more: a REQ peer
 * never has two requests out, so one that sends without reading holds one
 * slot, not all of them). */
static int publish_in_flight(const hpi_pub_queries *qs, uint32_t id)
{
	int n = 0;

	for (size_t i = 0; i < PUBLISH_SLOTS; i++) {
		int st = __atomic_load_n(&qs->slots[i].state, __ATOMIC_ACQUIRE);
		if ((st == SLOT_SENDING || st == SLOT_COLLECTOR) && qs->slots[i].pipe == id)
			n++;
	}
	return n;
}

/* Hands a slot back to receiving. */
static void publish_slot_recv(hpi_pub_slot *sl)
{
	sl->stale_since = 0;
	__atomic_store_n(&sl->state, SLOT_RECEIVING, __ATOMIC_RELEASE);
	nng_aio_set_timeout(sl->aio, NNG_DURATION_INFINITE);
	nng_ctx_recv(sl->ctx, sl->aio);
}

/* A slot's receive or send finished (nng's threads): a request is ready
 * for the query thread, or the slot receives again (and a request kept
 * waiting behind this reply may go: the query thread looks again). */
static void publish_slot_done(void *arg)
{
	hpi_pub_slot *sl = arg;
	int rv = nng_aio_result(sl->aio);

	if (__atomic_load_n(&sl->state, __ATOMIC_ACQUIRE) == SLOT_RECEIVING) {
		if (rv == 0) {
			__atomic_store_n(&sl->state, SLOT_READY, __ATOMIC_RELEASE);
			query_wake(sl->qs);
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
	query_wake(sl->qs);
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

/* The bucket of the client on pipe id: the one it had, else a free one,
 * else the one idle longest (its client starts anew). */
static hpi_pub_client *publish_client_get(hpi_pub_queries *qs, uint32_t id)
{
	hpi_pub_client *old = &qs->clients[0];

	for (size_t i = 0; i < PUBLISH_CLIENTS; i++) {
		hpi_pub_client *c = &qs->clients[i];
		if (c->pipe == id)
			return c;
		if (c->pipe == 0 || c->rate.at < old->rate.at)
			old = c;
	}
	memset(old, 0, sizeof(*old));
	old->pipe = id;
	return old;
}

/* Sends data[0..len) as the reply in slot sl; a reply that cannot be made
 * is counted as lost and the slot receives again. */
static void publish_reply(hpi_pub_slot *sl, uint32_t id, const char *data, size_t len)
{
	nng_msg *rep = NULL;

	if (data == NULL || nng_msg_alloc(&rep, len) != 0) {
		__atomic_add_fetch(&sl->qs->lost, 1, __ATOMIC_RELAXED);
		publish_slot_recv(sl);
		return;
	}
	memcpy(nng_msg_body(rep), data, len);
	sl->pipe = id;
	nng_aio_set_msg(sl->aio, rep);
	nng_aio_set_timeout(sl->aio, PUBLISH_SEND_MS);
	__atomic_store_n(&sl->state, SLOT_SENDING, __ATOMIC_RELEASE);
	nng_ctx_send(sl->ctx, sl->aio);
}

/* Whether req asks for {"cmd":"metrics"}: its reply is the OpenMetrics
 * text itself, not JSON (docs/metrics.md, `hotpath exporter`). */
static bool query_is_metrics(const char *req, size_t len)
{
	hpi_query q;
	const char *why;
	bool yes = hpi_query_parse(req, len, &q, &why) == 0 && strcmp(q.cmd, "metrics") == 0;

	hpi_query_fini(&q);
	return yes;
}

/* What a request asks of the query thread. */
enum {
	ASK_COLLECTOR, /* metrics, cpu_*: the plugins' state, on the collector */
	ASK_KEPT,      /* section, snapshot, sections: rendered once a snapshot */
	ASK_NOW        /* hello, log, anything else: rendered each time */
};

/* The kind of request req[0..len); for ASK_KEPT, *key (a new string) names
 * its reply among those kept. */
static int query_kind(const char *req, size_t len, char **key)
{
	hpi_query q;
	const char *why;
	int kind = ASK_NOW;

	*key = NULL;
	if (len > HPI_QUERY_MAX || hpi_query_parse(req, len, &q, &why) != 0)
		return ASK_NOW; /* the error is rendered as ever */
	if (strcmp(q.cmd, "metrics") == 0 || strcmp(q.cmd, "cpu_start") == 0 ||
	    strcmp(q.cmd, "cpu_stop") == 0 || strcmp(q.cmd, "cpu_status") == 0) {
		kind = ASK_COLLECTOR;
	} else if (strcmp(q.cmd, "snapshot") == 0 || strcmp(q.cmd, "sections") == 0) {
		kind = (*key = strdup(q.cmd)) != NULL ? ASK_KEPT : ASK_NOW;
	} else if (strcmp(q.cmd, "section") == 0 && q.section != NULL) {
		/* "section " + the id: no other key has a space */
		kind = (*key = hpi_asprintf("section %s", q.section)) != NULL ? ASK_KEPT : ASK_NOW;
	}
	hpi_query_fini(&q);
	return kind;
}

/* The reply kept for key in h, rendered first when it is not (or NULL when
 * memory is short); *len its length. */
static const char *query_kept(hpi_pub_queries *qs, hpi_pub_held *h, char **key, const char *req,
			      size_t reqlen, size_t *len)
{
	hpi_pub_reply *r;
	hpi_buf out;

	for (size_t i = 0; i < h->nreplies; i++)
		if (strcmp(h->replies[i].key, *key) == 0) {
			*len = h->replies[i].len;
			return h->replies[i].data;
		}
	hpi_buf_init(&out);
	hpi_query_answer(&out, h->s, &h->info, req, reqlen);
	__atomic_add_fetch(&qs->renders, 1, __ATOMIC_RELAXED);
	if (out.failed || out.data == NULL ||
	    (r = realloc(h->replies, (h->nreplies + 1) * sizeof(*r))) == NULL) {
		hpi_buf_fini(&out);
		return NULL;
	}
	h->replies = r;
	r = &h->replies[h->nreplies++];
	r->key = *key;
	*key = NULL;
	r->data = out.data; /* the buffer's bytes, kept */
	r->len = out.len;
	*len = r->len;
	return r->data;
}

/* The request in slot sl answered, refused, handed to the collector
 * (true); or left waiting (false): behind its client's reply in flight (a
 * REQ client may ask again before nng's thread has seen that reply go), or
 * for a snapshot fresher than the one held.  A client's further requests
 * while one is in flight are forgotten (a client that does not read its
 * replies). */
static bool query_handle(hpi_pub_queries *qs, hpi_pub_slot *sl, uint64_t now)
{
	nng_msg *req = nng_aio_get_msg(sl->aio);
	uint32_t id = nng_pipe_id(nng_msg_get_pipe(req));
	const char *body = nng_msg_body(req);
	size_t blen = nng_msg_len(req), len = 0;
	hpi_pub_client *c;
	char *key = NULL;
	const char *data;
	hpi_buf out;
	int kind;

	if (publish_in_flight(qs, id) >= 1) {
		if (sl->waiting || !publish_other_waits(qs, sl, id)) {
			sl->waiting = true;
			sl->pipe = id;
			return false;
		}
		sl->waiting = false;
		nng_aio_set_msg(sl->aio, NULL);
		__atomic_add_fetch(&qs->refused, 1, __ATOMIC_RELAXED);
		nng_msg_free(req);
		publish_slot_recv(sl);
		return true;
	}
	kind = query_kind(body, blen, &key);
	if (kind != ASK_COLLECTOR &&
	    now - __atomic_load_n(&qs->fresh_at, __ATOMIC_ACQUIRE) > qs->fresh_ns) {
		/* older than promised: the collector takes one when its
		 * budget allows, and wakes us; past PUBLISH_QUERY_WAIT_NS
		 * the request has what there is */
		if (!__atomic_exchange_n(&qs->want, 1, __ATOMIC_ACQ_REL))
			hpi_collector_nudge();
		if (sl->stale_since == 0)
			sl->stale_since = now;
		if (qs->cur == NULL || now - sl->stale_since < PUBLISH_QUERY_WAIT_NS) {
			free(key);
			sl->waiting = false;
			sl->pipe = id;
			qs->stale_waits = true;
			return false;
		}
	}
	sl->waiting = false;
	sl->stale_since = 0;
	c = publish_client_get(qs, id);
	hpi_buf_init(&out);
	if (!hpi_rate_take(&c->rate, now, (unsigned)qs->query_rate, (unsigned)qs->query_burst)) {
		char why[160];
		__atomic_add_fetch(&qs->refused, 1, __ATOMIC_RELAXED);
		snprintf(why, sizeof(why), "more than %d queries a second from this client "
			 "(publish.query_rate); try again later", qs->query_rate);
		hpi_wire_error(&out, "rate_limited", why);
		kind = ASK_NOW;
	} else if (kind == ASK_COLLECTOR) {
		free(key);
		sl->pipe = id;
		__atomic_store_n(&sl->state, SLOT_COLLECTOR, __ATOMIC_RELEASE);
		hpi_collector_nudge();
		return true;
	} else if (kind == ASK_NOW) {
		hpi_publish_info in = qs->cur->info;
		in.pcts = qs->cur->info.pctbuf;
		in.refused_queries = __atomic_load_n(&qs->refused, __ATOMIC_RELAXED);
		in.dropped += __atomic_load_n(&qs->lost, __ATOMIC_RELAXED);
		hpi_query_answer(&out, qs->cur->s, &in, body, blen);
		__atomic_add_fetch(&qs->renders, 1, __ATOMIC_RELAXED);
	}
	nng_aio_set_msg(sl->aio, NULL);
	if (kind == ASK_KEPT) {
		data = query_kept(qs, qs->cur, &key, body, blen, &len);
	} else {
		data = out.failed ? NULL : out.data;
		len = out.len;
	}
	nng_msg_free(req);
	__atomic_add_fetch(&qs->served, 1, __ATOMIC_RELAXED); /* before the client has it */
	publish_reply(sl, id, data, len);
	hpi_buf_fini(&out);
	free(key);
	return true;
}

/* One look at every slot; whether a request was handled. */
static bool query_pass(hpi_pub_queries *qs)
{
	bool any = false;

	qs->stale_waits = false;
	for (size_t k = 0; k < qs->n; k++) {
		hpi_pub_slot *sl = &qs->slots[(qs->next_slot + k) % qs->n];
		if (__atomic_load_n(&sl->state, __ATOMIC_ACQUIRE) != SLOT_READY)
			continue;
		if (query_handle(qs, sl, hpi_mono_ns()))
			any = true;
		if (__atomic_load_n(&qs->stop_now, __ATOMIC_ACQUIRE))
			break;
	}
	qs->next_slot = (qs->next_slot + 1) % qs->n; /* no slot first always */
	return any;
}

/* The query thread: takes each snapshot offered (freeing the one before,
 * here rather than on the collector), answers what it can, sleeps until a
 * request, a reply sent or a snapshot wakes it. */
static void *query_main(void *arg)
{
	hpi_pub_queries *qs = arg;
	uint64_t pause;

	hpi_alloc_thread_internal();
	pthread_setname_np(pthread_self(), "hp-query");
	/* behind the collector and the program when the CPUs are busy */
	(void)setpriority(PRIO_PROCESS, (id_t)syscall(SYS_gettid), 10);
	pthread_mutex_lock(&qs->mu);
	while (!qs->stop) {
		hpi_pub_held *got = qs->offered, *old = NULL;
		qs->offered = NULL;
		qs->wake = false;
		pthread_mutex_unlock(&qs->mu);
		if (got != NULL) {
			old = qs->cur;
			qs->cur = got;
			held_free(got->next);
			got->next = NULL;
			held_free(old);
		}
		if (query_pass(qs) &&
		    (pause = hpi_budget_pause(&qs->budget, hpi_mono_ns(), thread_cpu_ns(),
					      PUBLISH_QUERY_SHARE)) > 0) {
			/* past its share of a CPU: requests wait in nng's
			 * contexts (none is lost), snapshots offered meanwhile
			 * are taken after */
			struct timespec t;
			if (pause > 1000000000u)
				pause = 1000000000u;
			__atomic_add_fetch(&qs->paused_ns, pause, __ATOMIC_RELAXED);
			pthread_mutex_lock(&qs->mu);
			clock_gettime(CLOCK_REALTIME, &t);
			t.tv_sec += (time_t)(pause / 1000000000u);
			if ((t.tv_nsec += (long)(pause % 1000000000u)) >= 1000000000) {
				t.tv_sec++;
				t.tv_nsec -= 1000000000;
			}
			while (!qs->stop && pthread_cond_timedwait(&qs->cv, &qs->mu, &t) == 0)
				;
			continue;
		}
		pthread_mutex_lock(&qs->mu);
		if (!qs->wake && !qs->stop && qs->offered == NULL) {
			struct timespec t;
			clock_gettime(CLOCK_REALTIME, &t);
			/* a request waiting for a fresher snapshot has the
			 * last one after PUBLISH_QUERY_WAIT_NS; else a safety
			 * net: every wake-up is signalled */
			if (qs->stale_waits && (t.tv_nsec += 100000000) >= 1000000000) {
				t.tv_sec++;
				t.tv_nsec -= 1000000000;
			} else if (!qs->stale_waits) {
				t.tv_sec += 1;
			}
			pthread_cond_timedwait(&qs->cv, &qs->mu, &t);
		}
	}
	pthread_mutex_unlock(&qs->mu);
	return NULL;
}

/* ---- the collector's part ------------------------------------------------ */

/* Answers the request in slot sl (metrics or cpu_*, admitted by the query
 * thread) on the collector. */
static void publish_answer_collector(hpi_publisher *p, hpi_pub_slot *sl)
{
	nng_msg *req = nng_aio_get_msg(sl->aio);
	const char *body = nng_msg_body(req);
	size_t len = nng_msg_len(req);
	hpi_buf out;

	hpi_buf_init(&out);
	hpi_pub_info_counts(p);
	if (!hpi_registry_query(p->reg, body, len, &out)) /* cpu_start, cpu_stop, cpu_status */
		hpi_metrics_answer(&out, p->reg, &p->info); /* a snapshot of its own */
	__atomic_add_fetch(&p->qs->collector_answers, 1, __ATOMIC_RELAXED);
	nng_aio_set_msg(sl->aio, NULL);
	nng_msg_free(req);
	publish_reply(sl, sl->pipe, out.failed ? NULL : out.data, out.len);
	hpi_buf_fini(&out);
}

/* Answers the requests the query thread handed over, while the budget
 * lasts: an eighth of the collector's time, which also stretches the
 * publishing interval (publishing and these together take at most a
 * quarter).  Every other request is the query thread's. */
static void publish_serve_collector(hpi_publisher *p)
{
	uint64_t now = hpi_mono_ns(), t;
	int served = 0;

	if (p->credit_at != 0) {
		p->credit += (int64_t)((now - p->credit_at) / 8);
		if (p->credit > PUBLISH_CREDIT_MAX)
			p->credit = PUBLISH_CREDIT_MAX;
	}
	p->credit_at = now;
	for (size_t k = 0; k < p->qs->n && served < PUBLISH_QUERIES_PER_TICK && p->credit > 0;
	     k++) {
		hpi_pub_slot *sl = &p->qs->slots[k];
		if (__atomic_load_n(&sl->state, __ATOMIC_ACQUIRE) != SLOT_COLLECTOR)
			continue;
		publish_answer_collector(p, sl);
		served++;
		t = hpi_mono_ns();
		p->credit -= (int64_t)(t - now);
		p->query_ns += t - now;
		now = t;
	}
	p->credit_at = now;
}

/* A fork child's request (sp.c), answered on the collector from the last
 * snapshot: a fork child has no query thread (nng's are the parent's, and
 * sp.c's own thread only moves bytes); false when none waits. */
static bool publish_answer_own(hpi_publisher *p)
{
	uint64_t tok;
	hpi_buf req, out;
	hpi_pub_client *c = NULL;
	uint32_t id;

	hpi_buf_init(&req);
	if (!hpi_sp_recv(p->sp[1], &tok, &req)) {
		hpi_buf_fini(&req);
		return false;
	}
	id = hpi_sp_tok_peer(tok);
	for (size_t i = 0; i < PUBLISH_CLIENTS && c == NULL; i++)
		if (p->own_clients[i].pipe == id)
			c = &p->own_clients[i];
	for (size_t i = 0; c == NULL && i < PUBLISH_CLIENTS; i++)
		if (p->own_clients[i].pipe == 0 || i == PUBLISH_CLIENTS - 1) {
			c = &p->own_clients[i]; /* the last is shared past them */
			memset(c, 0, sizeof(*c));
			c->pipe = id;
		}
	hpi_buf_init(&out);
	if (!hpi_rate_take(&c->rate, hpi_mono_ns(), (unsigned)p->query_rate,
			   (unsigned)p->query_burst)) {
		char why[160];
		p->info.refused_queries++;
		snprintf(why, sizeof(why), "more than %d queries a second from this client "
			 "(publish.query_rate); try again later", p->query_rate);
		hpi_wire_error(&out, "rate_limited", why);
	} else {
		const char *r = req.data ? req.data : "";
		hpi_pub_info_counts(p);
		if (hpi_registry_query(p->reg, r, req.len, &out))
			; /* cpu_start, cpu_stop, cpu_status: the cpu collector's */
		else if (query_is_metrics(r, req.len))
			hpi_metrics_answer(&out, p->reg, &p->info); /* a snapshot of its own */
		else if (p->last != NULL)
			hpi_query_answer(&out, p->last, &p->info, r, req.len);
		else
			hpi_wire_error(&out, "no_memory", "out of memory");
	}
	if (req.failed || out.data == NULL || out.failed ||
	    hpi_sp_reply(p->sp[1], tok, out.data, out.len) != 0)
		p->dropped++;
	hpi_buf_fini(&req);
	hpi_buf_fini(&out);
	return true;
}

void hpi_pub_serve_collector(hpi_publisher *p)
{
	uint64_t now, t;

	if (p == NULL)
		return;
	if (p->qs != NULL) {
		publish_serve_collector(p);
		return;
	}
	if (!p->own || p->sp[1] == NULL)
		return;
	now = hpi_mono_ns();
	if (p->credit_at != 0) {
		p->credit += (int64_t)((now - p->credit_at) / 8);
		if (p->credit > PUBLISH_CREDIT_MAX)
			p->credit = PUBLISH_CREDIT_MAX;
	}
	p->credit_at = now;
	for (int served = 0; served < PUBLISH_QUERIES_PER_TICK && p->credit > 0; served++) {
		if (!publish_answer_own(p))
			break;
		t = hpi_mono_ns();
		p->credit -= (int64_t)(t - now);
		p->query_ns += t - now;
		now = t;
	}
	p->credit_at = now;
}

/* For tests and benchmarks with no collector: s is what queries read (the
 * caller keeps it until hpi_publish_stop), fresh as of now. */
void hpi_publish_serve(hpi_publisher *p, const hp_snapshot *s)
{
	if (p == NULL || p->qs == NULL)
		return;
	if (s != NULL && s != p->offered_s) {
		hpi_pub_info_counts(p);
		if (hpi_pub_offer(p->qs, (hp_snapshot *)s, false, &p->info))
			p->offered_s = s;
	} else if (s != NULL) {
		hpi_pub_fresh(p->qs);
	}
	publish_serve_collector(p);
}

void hpi_publish_query_stats(const hpi_publisher *p, hpi_query_stats *st)
{
	memset(st, 0, sizeof(*st));
	if (p == NULL || p->qs == NULL)
		return;
	st->snapshots = __atomic_load_n(&p->qs->snapshots, __ATOMIC_RELAXED);
	st->renders = __atomic_load_n(&p->qs->renders, __ATOMIC_RELAXED);
	st->served = __atomic_load_n(&p->qs->served, __ATOMIC_RELAXED);
	st->refused = __atomic_load_n(&p->qs->refused, __ATOMIC_RELAXED);
	st->collector_answers = __atomic_load_n(&p->qs->collector_answers, __ATOMIC_RELAXED);
	st->paused_ns = __atomic_load_n(&p->qs->paused_ns, __ATOMIC_RELAXED);
}

/* Whether a request waits for a fresher snapshot. */
bool hpi_pub_asked(const hpi_publisher *p)
{
	if (p->own) /* a fork child's: as fresh as the query thread's */
		return p->sp[1] != NULL && hpi_sp_pending(p->sp[1]) &&
		       (p->last == NULL || hpi_mono_ns() - p->last_ns > PUBLISH_QUERY_FRESH_NS);
	return p->qs != NULL && __atomic_load_n(&p->qs->want, __ATOMIC_ACQUIRE) != 0;
}

/* ---- setting up and tearing down ----------------------------------------- */

hpi_pub_queries *hpi_pub_queries_new(nng_socket rep, int rate, int burst, uint64_t fresh_ns)
{
	hpi_pub_queries *qs = calloc(1, sizeof(*qs));
	sigset_t all, old;

	if (qs == NULL)
		return NULL;
	pthread_mutex_init(&qs->mu, NULL);
	pthread_cond_init(&qs->cv, NULL);
	qs->query_rate = rate;
	qs->query_burst = burst > 0 ? burst : 1;
	qs->fresh_ns = fresh_ns;
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
	/* the program's signals are not ours */
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	qs->running = qs->n > 0 && pthread_create(&qs->th, NULL, query_main, qs) == 0;
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (!qs->running) {
		for (size_t i = 0; i < qs->n; i++) {
			nng_aio_free(qs->slots[i].aio);
			nng_ctx_close(qs->slots[i].ctx);
		}
		pthread_mutex_destroy(&qs->mu);
		pthread_cond_destroy(&qs->cv);
		free(qs);
		return NULL;
	}
	for (size_t i = 0; i < qs->n; i++)
		publish_slot_recv(&qs->slots[i]);
	return qs;
}

void hpi_pub_queries_stop(hpi_pub_queries *qs)
{
	if (qs == NULL || !qs->running)
		return;
	__atomic_store_n(&qs->stop_now, 1, __ATOMIC_RELEASE);
	pthread_mutex_lock(&qs->mu);
	qs->stop = true;
	pthread_cond_signal(&qs->cv);
	pthread_mutex_unlock(&qs->mu);
	pthread_join(qs->th, NULL);
	qs->running = false;
	held_free(qs->cur);
	held_free(qs->offered);
	qs->cur = qs->offered = NULL;
}

/* Frees the slots once their socket is closed; NULL is a no-op. */
void hpi_pub_queries_free(hpi_pub_queries *qs)
{
	if (qs == NULL)
		return;
	hpi_pub_queries_stop(qs);
	for (size_t i = 0; i < qs->n; i++) {
		hpi_pub_slot *sl = &qs->slots[i];
		int st;
		nng_aio_stop(sl->aio);
		st = __atomic_load_n(&sl->state, __ATOMIC_ACQUIRE);
		if (st == SLOT_READY || st == SLOT_COLLECTOR)
			nng_msg_free(nng_aio_get_msg(sl->aio)); /* a request never answered */
		nng_aio_free(sl->aio);
	}
	pthread_mutex_destroy(&qs->mu);
	pthread_cond_destroy(&qs->cv);
	free(qs);
}
