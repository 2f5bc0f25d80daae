/* SPDX-License-Identifier: MIT */
/*
 * publish.c - live metrics over nng (docs/wire.md): a PUB socket that sends
 * each changed section every publish.interval_ms and a hello every second,
 * and a REP socket that answers JSON queries.
 *
 * Everything here runs on the collector thread (hpi_publish_tick after each
 * pass), the only thread that may touch plugin state, so snapshots need no
 * lock.  Sends never block: a message that cannot be queued is dropped and
 * counted.  The query socket is polled without blocking on every tick.
 */
#include "config.h"

#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <dirent.h>
#include <sys/resource.h>
#include <unistd.h>

#include <nng/nng.h>
#include <nng/protocol/pubsub0/pub.h>
#include <nng/protocol/reqrep0/rep.h>
#include <nng/supplemental/tls/tls.h>

#include "collector.h"
#include "discover.h"
#include "metrics.h"
#include "registry.h"
#include "tbuf.h"

#define PUBLISH_HELLO_NS 1000000000ull   /* a hello every second */
#define PUBLISH_REFRESH_NS 5000000000ull /* unchanged sections resent */
#define PUBLISH_DESCRIBE_NS 5000000000ull /* no subscriber: the description's
					   * sections checked this often */
#define PUBLISH_QUERIES_PER_TICK 8
#define PUBLISH_RECV_MAX (64 * 1024)     /* nng drops bigger messages */
#define PUBLISH_SLOTS 64                 /* requests read at once (nng contexts):
					  * more than publish.max_connections */
#define PUBLISH_CLIENTS 64               /* clients' buckets kept (idle longest go) */
#define PUBLISH_SEND_MS 5000             /* a reply the peer does not read: lost */
#define PUBLISH_CREDIT_MAX 100000000     /* ns of query time saved up at most */

/* Sockets being closed by publish_close_main: a new publisher on the same
 * endpoint waits for them rather than find it in use. */
static int publish_closing_n;
/* When the last of them finished (CLOCK_MONOTONIC ns): nng releases the
 * address a little after nng_close returns, on its reaper thread. */
static uint64_t publish_closed_ns;

/* Whether an "address in use" may be our own sockets still closing. */
static bool publish_ours_closing(void)
{
	uint64_t done = __atomic_load_n(&publish_closed_ns, __ATOMIC_ACQUIRE);

	return __atomic_load_n(&publish_closing_n, __ATOMIC_ACQUIRE) > 0 ||
	       (done != 0 && hpi_mono_ns() - done < 2000000000u);
}

/* publish.tls, kept to listen again (owned copies). */
typedef struct publish_tls {
	char *tls_cert, *tls_key, *tls_ca;
} publish_tls;

/* What was last sent of one section, to send only what changed. */
typedef struct publish_seen {
	char *id;
	uint64_t hash;
} publish_seen;

/* The connections of one endpoint, capped: a pipe past the cap is closed
 * as it comes (nng's ADD_PRE event), so idle peers cannot take the
 * program's file descriptors. */
typedef struct publish_cap {
	pthread_mutex_t mu;
	uint32_t *ids;           /* pipes admitted */
	size_t n, max;
	uint64_t refused;
} publish_cap;

/* One request at a time, from receipt to its reply sent: an nng context
 * of the REP socket.  state goes RECEIVING -> READY (nng's thread: a
 * request came) -> SENDING (collector: the reply is queued; nng holds it
 * while the peer's connection is busy with an earlier reply) -> RECEIVING
 * (nng's thread), or CLOSED with the socket. */
enum { SLOT_RECEIVING = 1, SLOT_READY, SLOT_SENDING, SLOT_CLOSED };
typedef struct publish_queries publish_queries;
typedef struct publish_slot {
	nng_ctx ctx;
	nng_aio *aio;
	int state;               /* atomic */
	uint32_t pipe;           /* whose reply is SENDING, or who waits */
	bool waiting;            /* READY behind its client's reply in flight */
	publish_queries *qs;
} publish_slot;

/* The slots, allocated apart: nng's threads call back until the socket
 * is closed and the aios freed. */
struct publish_queries {
	publish_slot slots[PUBLISH_SLOTS];
	size_t n;                /* slots set up */
	uint64_t lost;           /* replies not delivered (atomic) */
};

/* A client's query budget, by nng pipe (one connection). */
typedef struct publish_client {
	uint32_t pipe;           /* 0: free */
	hpi_rate rate;
} publish_client;

struct hpi_publisher {
	hpi_publish_info info;   /* strings owned */
	struct hpi_registry *reg;
	nng_socket pub, rep;
	bool have_rep;
	uint64_t interval_ns;
	uint64_t next_pub, next_hello, next_refresh; /* CLOCK_MONOTONIC ns */
	uint64_t seq;            /* messages sent */
	uint64_t dropped;        /* messages that could not be queued */
	publish_seen *seen;
	size_t nseen;
	publish_cap *caps[2];    /* PUB, REP; allocated apart: nng's threads may
				  * call back until the sockets are closed */
	hp_snapshot *last;       /* the last snapshot published: queries read it */
	publish_queries *qs;     /* when have_rep */
	size_t next_slot;        /* where the next pass starts looking */
	publish_client clients[PUBLISH_CLIENTS];
	int query_rate, query_burst;
	int64_t credit;          /* ns the collector may still spend on queries */
	uint64_t credit_at;      /* when credit was last given */
	uint64_t query_ns;       /* spent on queries since the last sections */
	char *dir;               /* the discovery folder holding our description,
				  * or NULL when not described */
	char *pub_url, *rep_url; /* the URLs bound (publish.endpoint "auto": ipc) */
	uint64_t sections_hash;  /* of the section ids last described */
	size_t subs;             /* subscribers at the last tick */
	uint64_t last_ns;        /* when last was taken */
	uint64_t next_valve;     /* the next publish_fd_valve (once a second) */
	publish_tls tls;
	nng_listener lst[2];     /* PUB, REP */
	bool bound[2];
	uint64_t restarts;       /* listeners closed and opened again */
	hpi_buf msg;             /* the section message being written, kept */
};

static uint64_t publish_refused(hpi_publisher *p);
static size_t publish_subscribers(hpi_publisher *p);
static void publish_fd_valve(hpi_publisher *p);
static void publish_describe(hpi_publisher *p, const hp_snapshot *s);

/* The counts a hello or a reply carries, brought up to date. */
static void publish_info_counts(hpi_publisher *p)
{
	p->info.sent = p->seq;
	p->info.dropped = p->dropped +
		(p->qs != NULL ? __atomic_load_n(&p->qs->lost, __ATOMIC_RELAXED) : 0);
	p->info.refused = publish_refused(p);
}

/* ---- the publisher ------------------------------------------------------- */

/* FNV-1a, to see whether a section changed. */
static uint64_t publish_hash(const char *s, size_t n)
{
	uint64_t h = 0xcbf29ce484222325ull, w;
	size_t i;

	/* eight bytes a step: a tick hashes every section it renders */
	for (i = 0; i + 8 <= n; i += 8) {
		memcpy(&w, s + i, 8);
		h = (h ^ w) * 0x100000001b3ull;
		h ^= h >> 32;
	}
	for (; i < n; i++)
		h = (h ^ (unsigned char)s[i]) * 0x100000001b3ull;
	return h;
}

/* The snapshot every consumer reads, with the report-wide facts. */
static hp_snapshot *publish_snapshot(hpi_publisher *p)
{
	hp_snapshot *s = hpi_snapshot_new();
	hpi_facts f = {.caller = p->info.caller, .program = p->info.program,
		       .pid = p->info.pid, .start_unix_ns = p->info.unix0_ns,
		       .elapsed_ns = hpi_mono_ns() - p->info.mono0_ns};

	if (s == NULL)
		return NULL;
	hpi_snapshot_facts(s, &f);
	if (p->reg != NULL) /* a test's or benchmark's publisher: none */
		hpi_registry_snapshot(p->reg, s);
	return s;
}

/* Sends "<topic> <body>" without blocking; a message that cannot be
 * queued is counted as dropped. */
static void publish_send(hpi_publisher *p, const char *topic, const hpi_buf *body)
{
	size_t tl = strlen(topic);
	char *msg;

	if (body->failed || body->data == NULL || (msg = malloc(tl + 1 + body->len)) == NULL) {
		p->dropped++;
		return;
	}
	memcpy(msg, topic, tl);
	msg[tl] = ' ';
	memcpy(msg + tl + 1, body->data, body->len);
	if (nng_send(p->pub, msg, tl + 1 + body->len, NNG_FLAG_NONBLOCK) == 0)
		p->seq++;
	else
		p->dropped++;
	free(msg);
}

/* The remembered hash of section id (added when new); NULL on ENOMEM. */
static publish_seen *publish_seen_get(hpi_publisher *p, const char *id)
{
	publish_seen *v;

	for (size_t i = 0; i < p->nseen; i++)
		if (strcmp(p->seen[i].id, id) == 0)
			return &p->seen[i];
	if ((v = realloc(p->seen, (p->nseen + 1) * sizeof(*v))) == NULL)
		return NULL;
	p->seen = v;
	v = &p->seen[p->nseen];
	if ((v->id = strdup(id)) == NULL)
		return NULL;
	v->hash = 0;
	p->nseen++;
	return v;
}

/* Queues msg[0..len) (topic, space, body) without blocking; a message
 * that cannot be queued is counted as dropped. */
static void publish_queue(hpi_publisher *p, const char *msg, size_t len)
{
	nng_msg *m;

	if (nng_msg_alloc(&m, len) != 0) {
		p->dropped++;
		return;
	}
	memcpy(nng_msg_body(m), msg, len);
	if (nng_sendmsg(p->pub, m, NNG_FLAG_NONBLOCK) == 0) {
		p->seq++;
	} else {
		nng_msg_free(m);
		p->dropped++;
	}
}

/* One section's message, "<id> {...,\"report\":...}", written whole into
 * the publisher's buffer (kept from tick to tick: a 10,000-row section is
 * megabytes, and a fresh buffer would fault every page in again), and
 * queued when its report changed or refresh is set. */
static void publish_section(hpi_publisher *p, const hp_section *sec, publish_seen *seen,
			    bool refresh)
{
	hpi_buf *b = &p->msg;
	size_t at;
	uint64_t h;

	b->len = 0;
	b->failed = false;
	hpi_buf_puts(b, sec->id);
	hpi_buf_printf(b, " {\"type\":\"hotpath_section\",\"schema\":%d,\"topic\":",
		       HPI_WIRE_SCHEMA);
	hpi_buf_json_str(b, sec->id);
	hpi_buf_printf(b, ",\"pid\":%ld,\"seq\":%llu,\"elapsed_ns\":%llu,\"report\":",
		       p->info.pid, (unsigned long long)p->seq,
		       (unsigned long long)(hpi_mono_ns() - p->info.mono0_ns));
	at = b->len;
	hpi_wire_section(b, sec, &p->info);
	hpi_buf_putc(b, '}');
	if (b->failed || b->data == NULL) {
		p->dropped++;
		hpi_buf_fini(b); /* memory is short: give it back */
		return;
	}
	/* the report alone: seq and elapsed_ns change every time */
	h = publish_hash(b->data + at, b->len - 1 - at);
	if (h == seen->hash && !refresh)
		return;
	seen->hash = h;
	publish_queue(p, b->data, b->len);
}

void hpi_publish_sections(hpi_publisher *p, const hp_snapshot *s, bool refresh)
{
	for (size_t i = 0; i < s->nsecs; i++) {
		const hp_section *sec = s->secs[i];
		publish_seen *seen;
		if (sec->id == NULL || (seen = publish_seen_get(p, sec->id)) == NULL)
			continue;
		publish_section(p, sec, seen, refresh);
	}
}

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
static publish_client *publish_client_get(hpi_publisher *p, uint32_t id)
{
	publish_client *old = &p->clients[0];

	for (size_t i = 0; i < PUBLISH_CLIENTS; i++) {
		publish_client *c = &p->clients[i];
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
static int publish_in_flight(const publish_queries *qs, uint32_t id)
{
	int n = 0;

	for (size_t i = 0; i < PUBLISH_SLOTS; i++)
		if (__atomic_load_n(&qs->slots[i].state, __ATOMIC_ACQUIRE) == SLOT_SENDING &&
		    qs->slots[i].pipe == id)
			n++;
	return n;
}

/* Hands a slot back to receiving. */
static void publish_slot_recv(publish_slot *sl)
{
	__atomic_store_n(&sl->state, SLOT_RECEIVING, __ATOMIC_RELEASE);
	nng_aio_set_timeout(sl->aio, NNG_DURATION_INFINITE);
	nng_ctx_recv(sl->ctx, sl->aio);
}

/* A slot's receive or send finished (nng's threads): a request is ready
 * for the collector, or the slot receives again. */
static void publish_slot_done(void *arg)
{
	publish_slot *sl = arg;
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
static bool publish_other_waits(const publish_queries *qs, const publish_slot *sl, uint32_t id)
{
	for (size_t i = 0; i < PUBLISH_SLOTS; i++) {
		const publish_slot *o = &qs->slots[i];
		if (o != sl && o->waiting && o->pipe == id &&
		    __atomic_load_n(&o->state, __ATOMIC_ACQUIRE) == SLOT_READY)
			return true;
	}
	return false;
}

/* The reply to the request in slot sl, sent (true); or, while the client's
 * previous reply is in flight, its first request kept waiting (false: a
 * REQ client may ask again before nng's thread has seen that reply go)
 * and any more forgotten (a client that does not read its replies). */
static bool publish_answer(hpi_publisher *p, publish_slot *sl, const hp_snapshot *s)
{
	nng_msg *req = nng_aio_get_msg(sl->aio), *rep = NULL;
	uint32_t id = nng_pipe_id(nng_msg_get_pipe(req));
	publish_client *c;
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
	c = publish_client_get(p, id);
	hpi_buf_init(&out);
	if (!hpi_rate_take(&c->rate, hpi_mono_ns(), (unsigned)p->query_rate,
			   (unsigned)p->query_burst)) {
		char why[160];
		p->info.refused_queries++;
		snprintf(why, sizeof(why), "more than %d queries a second from this client "
			 "(publish.query_rate); try again later", p->query_rate);
		hpi_wire_error(&out, "rate_limited", why);
	} else {
		publish_info_counts(p);
		if (publish_is_metrics(nng_msg_body(req), nng_msg_len(req)))
			hpi_metrics_answer(&out, p->reg, &p->info); /* a snapshot of its own */
		else if (hpi_cpu_query(p->reg, nng_msg_body(req), nng_msg_len(req), &out))
			; /* cpu_start, cpu_stop, cpu_status: the cpu collector's */
		else if (s != NULL)
			hpi_query_answer(&out, s, &p->info, nng_msg_body(req), nng_msg_len(req));
		else
			hpi_wire_error(&out, "no_memory", "out of memory");
	}
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
void hpi_publish_serve(hpi_publisher *p, const hp_snapshot *s)
{
	uint64_t now = hpi_mono_ns(), t;
	int served = 0;

	if (p == NULL || p->qs == NULL)
		return;
	if (p->credit_at != 0) {
		p->credit += (int64_t)((now - p->credit_at) / 8);
		if (p->credit > PUBLISH_CREDIT_MAX)
			p->credit = PUBLISH_CREDIT_MAX;
	}
	p->credit_at = now;
	for (size_t k = 0; k < PUBLISH_SLOTS && served < PUBLISH_QUERIES_PER_TICK &&
			   p->credit > 0; k++) {
		publish_slot *sl = &p->qs->slots[(p->next_slot + k) % PUBLISH_SLOTS];
		if (__atomic_load_n(&sl->state, __ATOMIC_ACQUIRE) != SLOT_READY)
			continue;
		if (!publish_answer(p, sl, s))
			continue; /* waits for its client's reply to go */
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
static bool publish_asked(const hpi_publisher *p)
{
	for (size_t i = 0; p->qs != NULL && i < PUBLISH_SLOTS; i++)
		if (__atomic_load_n(&p->qs->slots[i].state, __ATOMIC_ACQUIRE) == SLOT_READY)
			return true;
	return false;
}

void hpi_publish_tick(hpi_publisher *p)
{
	uint64_t now;
	bool hello, sections, refresh;
	hp_snapshot *s;
	size_t subs;

	if (p == NULL)
		return;
	now = hpi_mono_ns();
	subs = publish_subscribers(p);
	if (subs > p->subs)
		/* a newcomer gets hello and every section at once */
		p->next_hello = p->next_pub = p->next_refresh = now;
	p->subs = subs;
	if (now >= p->next_valve) {
		/* with no subscriber too: connections that never finish their
		 * handshake are no pipes */
		publish_fd_valve(p);
		p->next_valve = now + PUBLISH_HELLO_NS;
	}
	hello = now >= p->next_hello;
	sections = subs > 0 && now >= p->next_pub;
	if (subs == 0 && (hello || (publish_asked(p) &&
				    (p->last == NULL || now - p->last_ns > p->interval_ns)))) {
		/* nobody listens: nothing rendered or sent.  A snapshot every
		 * 5 s brings the description's sections up to date, and one
		 * at most every interval serves the queries */
		if ((s = publish_snapshot(p)) != NULL) {
			publish_describe(p, s);
			hpi_snapshot_free(p->last);
			p->last = s;
			p->last_ns = now;
		}
		if (hello)
			p->next_hello = now + PUBLISH_DESCRIBE_NS;
	} else if ((hello || sections) && (s = publish_snapshot(p)) != NULL) {
		if (hello) {
			hpi_buf b;
			hpi_buf_init(&b);
			publish_info_counts(p);
			hpi_publish_hello(&b, s, &p->info);
			publish_send(p, "hello", &b);
			hpi_buf_fini(&b);
			publish_describe(p, s);
			p->next_hello = now + PUBLISH_HELLO_NS;
		}
		if (sections) {
			uint64_t spent;
			refresh = now >= p->next_refresh;
			hpi_publish_sections(p, s, refresh);
			if (refresh)
				p->next_refresh = now + PUBLISH_REFRESH_NS;
			/* at most a quarter of the collector's time with the
			 * queries answered since the last time: with very many
			 * rows the interval stretches rather than the drain
			 * falling behind */
			spent = hpi_mono_ns() - now + p->query_ns;
			p->next_pub = now + (spent * 4 > p->interval_ns ? spent * 4 : p->interval_ns);
			p->query_ns = 0;
		}
		hpi_snapshot_free(p->last); /* queries now read this one */
		p->last = s;
		p->last_ns = now;
	}
	hpi_publish_serve(p, p->last);
}

/* nng pipe events: admits a pipe while the endpoint has room, else closes
 * it and counts it; forgets it when it goes.  nng's threads. */
static void publish_pipe_event(nng_pipe pp, nng_pipe_ev ev, void *arg)
{
	publish_cap *cap = arg;
	uint32_t id = nng_pipe_id(pp);
	bool refuse = false;

	pthread_mutex_lock(&cap->mu);
	if (ev == NNG_PIPE_EV_ADD_PRE) {
		if (cap->n < cap->max)
			cap->ids[cap->n++] = id;
		else
			refuse = true;
	} else {
		for (size_t i = 0; i < cap->n; i++)
			if (cap->ids[i] == id) {
				cap->ids[i] = cap->ids[--cap->n];
				break;
			}
	}
	if (refuse)
		cap->refused++;
	pthread_mutex_unlock(&cap->mu);
	if (refuse)
		nng_pipe_close(pp);
}

/* A cap of max connections, or NULL (no memory: no cap). */
static publish_cap *publish_cap_new(int max)
{
	publish_cap *cap = calloc(1, sizeof(*cap));

	if (cap == NULL || (cap->ids = calloc((size_t)max, sizeof(*cap->ids))) == NULL) {
		free(cap);
		return NULL;
	}
	cap->max = (size_t)max;
	pthread_mutex_init(&cap->mu, NULL);
	return cap;
}

/* Frees a cap once its socket is closed; NULL is a no-op. */
static void publish_cap_free(publish_cap *cap)
{
	if (cap == NULL)
		return;
	pthread_mutex_destroy(&cap->mu);
	free(cap->ids);
	free(cap);
}

/* Connections refused so far on both endpoints. */
static uint64_t publish_refused(hpi_publisher *p)
{
	uint64_t n = 0;

	for (int i = 0; i < 2; i++) {
		if (p->caps[i] == NULL)
			continue;
		pthread_mutex_lock(&p->caps[i]->mu);
		n += p->caps[i]->refused;
		pthread_mutex_unlock(&p->caps[i]->mu);
	}
	return n;
}

/* The request slots of REP socket rep, each receiving; NULL when none
 * could be made (then no query is answered). */
static publish_queries *publish_queries_new(nng_socket rep)
{
	publish_queries *qs = calloc(1, sizeof(*qs));

	if (qs == NULL)
		return NULL;
	for (; qs->n < PUBLISH_SLOTS; qs->n++) {
		publish_slot *sl = &qs->slots[qs->n];
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
static void publish_queries_free(publish_queries *qs)
{
	if (qs == NULL)
		return;
	for (size_t i = 0; i < qs->n; i++) {
		publish_slot *sl = &qs->slots[i];
		nng_aio_stop(sl->aio);
		if (__atomic_load_n(&sl->state, __ATOMIC_ACQUIRE) == SLOT_READY)
			nng_msg_free(nng_aio_get_msg(sl->aio)); /* a request never answered */
		nng_aio_free(sl->aio);
	}
	free(qs);
}

/* Peers on the PUB socket now (SIZE_MAX when not counted: no memory for
 * the cap). */
static size_t publish_subscribers(hpi_publisher *p)
{
	size_t n;

	if (p->caps[0] == NULL)
		return SIZE_MAX;
	pthread_mutex_lock(&p->caps[0]->mu);
	n = p->caps[0]->n;
	pthread_mutex_unlock(&p->caps[0]->mu);
	return n;
}

/* Whether an endpoint setting means "no socket". */
static bool publish_off(const char *url)
{
	return url == NULL || *url == '\0' || strcmp(url, "off") == 0;
}

/* The whole of a small file as a new string, or NULL. */
static char *publish_slurp(const char *path)
{
	FILE *f = fopen(path, "rb");
	hpi_buf b;
	char chunk[4096];
	size_t n;

	if (f == NULL)
		return NULL;
	hpi_buf_init(&b);
	hpi_buf_puts(&b, "");
	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0 && b.len < (1u << 20))
		hpi_buf_putn(&b, chunk, n);
	fclose(f);
	if (b.failed) {
		hpi_buf_fini(&b);
		return NULL;
	}
	return b.data;
}

/* Listens on a tls+ URL with publish.tls's certificate and key (and, with
 * publish.tls.ca, clients must show a certificate it signed). */
static int publish_listen_tls(nng_socket s, const char *url, const publish_tls *c,
			      nng_listener *lp, const char **why)
{
	nng_tls_config *t = NULL;
	nng_listener l;
	char *cert = NULL, *key = NULL;
	int rv;

	if (c->tls_cert == NULL || c->tls_key == NULL) {
		*why = "a tls+ endpoint needs publish.tls.cert and publish.tls.key";
		return NNG_EINVAL;
	}
	if ((cert = publish_slurp(c->tls_cert)) == NULL || (key = publish_slurp(c->tls_key)) == NULL) {
		*why = "cannot read publish.tls.cert or publish.tls.key";
		rv = NNG_ENOENT;
	} else if ((rv = nng_tls_config_alloc(&t, NNG_TLS_MODE_SERVER)) == 0 &&
		   (rv = nng_tls_config_own_cert(t, cert, key, NULL)) == 0 &&
		   (c->tls_ca == NULL ||
		    ((rv = nng_tls_config_ca_file(t, c->tls_ca)) == 0 &&
		     (rv = nng_tls_config_auth_mode(t, NNG_TLS_AUTH_MODE_REQUIRED)) == 0)) &&
		   (rv = nng_listener_create(&l, s, url)) == 0) {
		if ((rv = nng_listener_set_ptr(l, NNG_OPT_TLS_CONFIG, t)) == 0)
			rv = nng_listener_start(l, 0);
		if (rv != 0)
			nng_listener_close(l);
		else
			*lp = l;
	}
	if (rv != 0 && *why == NULL)
		*why = nng_strerror(rv);
	if (t != NULL)
		nng_tls_config_free(t); /* the listener holds its own reference */
	free(cert);
	free(key);
	return rv;
}

/* Binds url on socket s, its listener in *l; the reason on failure in
 * *why (static).  While an earlier publisher's sockets are closing (or
 * ours, when again), an endpoint in use is tried again for up to 3 s. */
static int publish_bind(nng_socket s, const char *url, const publish_tls *tls, bool again,
			nng_listener *l, const char **why)
{
	int rv;

	*why = NULL;
	if (strncmp(url, "tls+", 4) == 0)
		return publish_listen_tls(s, url, tls, l, why);
	rv = nng_listen(s, url, l, 0);
	for (int i = 0; rv == NNG_EADDRINUSE && i < 300 && (again || publish_ours_closing()); i++) {
		struct timespec ts = {0, 10000000};
		nanosleep(&ts, NULL);
		rv = nng_listen(s, url, l, 0);
	}
	if (rv != 0)
		*why = nng_strerror(rv);
	return rv;
}

/* Opens and binds one socket; the reason on failure in *why (static). */
static int publish_listen(nng_socket *s, bool pub, const char *url, const publish_tls *tls,
			  publish_cap *cap, nng_listener *l, const char **why)
{
	int rv = pub ? nng_pub0_open(s) : nng_rep0_open(s);

	if (rv != 0) {
		*why = nng_strerror(rv);
		return rv;
	}
	if (!pub)
		nng_socket_set_size(*s, NNG_OPT_RECVMAXSZ, PUBLISH_RECV_MAX);
	if (cap != NULL) {
		nng_pipe_notify(*s, NNG_PIPE_EV_ADD_PRE, publish_pipe_event, cap);
		nng_pipe_notify(*s, NNG_PIPE_EV_REM_POST, publish_pipe_event, cap);
	}
	if ((rv = publish_bind(*s, url, tls, false, l, why)) != 0)
		nng_close(*s);
	return rv;
}

/* Descriptors this process has open, or -1 when /proc cannot say. */
static long publish_fds(void)
{
	DIR *d = opendir("/proc/self/fd");
	long n = 0;

	if (d == NULL)
		/* no descriptor left to count them with: all are taken */
		return errno == EMFILE || errno == ENFILE ? LONG_MAX / 4 : -1;
	while (readdir(d) != NULL)
		n++;
	closedir(d);
	return n - 3; /* ".", ".." and the directory's own */
}

/* Once a second: with more than three quarters of RLIMIT_NOFILE open, the
 * listeners are closed and opened again.  Connections that never finish
 * their SP handshake are no pipes, so publish.max_connections cannot count
 * them, and nng (1.5) keeps each for 10 s with no option to cap them;
 * closing a listener closes them all (and the peers it accepted, which
 * dial again), so they cannot take the program's descriptors. */
static void publish_fd_valve(hpi_publisher *p)
{
	struct rlimit rl;
	long n;

	if (getrlimit(RLIMIT_NOFILE, &rl) != 0 || rl.rlim_cur == RLIM_INFINITY ||
	    (n = publish_fds()) < 0 || (rlim_t)n * 4 <= rl.rlim_cur * 3)
		return;
	if ((rlim_t)n > rl.rlim_cur)
		n = (long)rl.rlim_cur; /* none left to count them with */
	p->restarts++;
	if (p->restarts == 1)
		hpi_warn("publish: %ld of %llu file descriptors open: closing the connections to "
			 "publish.endpoint and publish.query (those that never finished their "
			 "handshake too) so that the program keeps its own", n,
			 (unsigned long long)rl.rlim_cur);
	for (int i = 0; i < 2; i++) {
		nng_socket s = i ? p->rep : p->pub;
		const char *url = i ? p->rep_url : p->pub_url, *why;
		if (!p->bound[i])
			continue;
		nng_listener_close(p->lst[i]);
		if ((p->bound[i] = publish_bind(s, url, &p->tls, true, &p->lst[i], &why) == 0))
			continue;
		hpi_warn("publish: cannot listen again on \"%s\": %s; %s", url, why,
			 i ? "no more queries answered" : "no more publishing");
	}
}

/* Copies the caller's facts into p (strings owned by p). */
static bool publish_info_copy(hpi_publish_info *d, const hpi_publish_info *in)
{
	char host[256];

	*d = *in;
	if (gethostname(host, sizeof(host)) != 0)
		strcpy(host, "?");
	host[sizeof(host) - 1] = '\0';
	d->program = strdup(in->program ? in->program : "?");
	d->caller = strdup(in->caller ? in->caller : "?");
	d->host = strdup(host);
	d->endpoint = strdup(in->endpoint ? in->endpoint : "");
	d->query = in->query ? strdup(in->query) : NULL;
	if (in->npcts > HPI_MAX_PCTS)
		d->npcts = HPI_MAX_PCTS;
	if (d->npcts > 0 && in->pcts != NULL)
		memcpy(d->pctbuf, in->pcts, d->npcts * sizeof(double));
	d->pcts = d->pctbuf;
	return d->program && d->caller && d->host && d->endpoint && (in->query == NULL || d->query);
}

/* Frees what publish_info_copy made. */
static void publish_info_free(hpi_publish_info *d)
{
	free((char *)d->program);
	free((char *)d->caller);
	free((char *)d->host);
	free((char *)d->endpoint);
	free((char *)d->query);
}

/* The process that first used nng: nng panics if a fork child uses it. */
static pid_t publish_nng_pid;

/* Whether an endpoint setting means "an ipc socket of our own in the
 * discovery folder" (the default). */
static bool publish_auto(const char *url)
{
	return url != NULL && strcmp(url, "auto") == 0;
}

/* Writes our description (with s's section ids when s is not NULL) when it
 * is new or its sections changed; a failure is said once. */
static void publish_describe(hpi_publisher *p, const hp_snapshot *s)
{
	const char *ids[256];
	hpi_program d = {.pid = p->info.pid, .program = (char *)p->info.program,
			 .caller = (char *)p->info.caller, .start_unix_ns = p->info.unix0_ns,
			 .endpoint = p->pub_url, .query = p->have_rep ? p->rep_url : NULL,
			 .sections = (char **)ids};
	uint64_t h = 0x9e3779b97f4a7c15ull;
	char *cause = NULL;

	if (p->dir == NULL)
		return;
	for (size_t i = 0; s != NULL && i < s->nsecs && d.nsections < 256; i++)
		if (s->secs[i]->id != NULL) {
			ids[d.nsections++] = s->secs[i]->id;
			h = publish_hash(s->secs[i]->id, strlen(s->secs[i]->id)) ^ (h * 31);
		}
	if (h == p->sections_hash)
		return;
	p->sections_hash = h;
	d.proc_start = hpi_discover_proc_start(d.pid);
	if (hpi_discover_write(p->dir, &d, &cause) != 0) {
		hpi_warn("publish: %s; not listed by hotpath ls", cause);
		free(cause);
		free(p->dir);
		p->dir = NULL;
	}
}

/* Frees a publisher that has no sockets open. */
static void publish_free(hpi_publisher *p)
{
	publish_cap_free(p->caps[0]);
	publish_cap_free(p->caps[1]);
	publish_info_free(&p->info);
	free(p->tls.tls_cert);
	free(p->tls.tls_key);
	free(p->tls.tls_ca);
	free(p->dir);
	free(p->pub_url);
	free(p->rep_url);
	hpi_buf_fini(&p->msg);
	free(p);
}

/* The discovery folder (made 0700 when missing) and the URLs to bind:
 * false after one hpi_warn line when nothing can be published. */
static bool publish_urls(hpi_publisher *p, const hpi_config *c)
{
	bool pauto = publish_auto(c->endpoint), qauto = publish_auto(c->query);
	char *cause = NULL;

	if ((p->dir = hpi_discover_dir()) == NULL ||
	    hpi_discover_prepare(p->dir, true, &cause) != 0) {
		hpi_warn("publish: %s; %s", cause ? cause : "out of memory",
			 pauto ? "running without publishing" : "not listed by hotpath ls");
		free(cause);
		free(p->dir);
		p->dir = NULL;
		if (pauto)
			return false;
	}
	p->pub_url = pauto ? hpi_asprintf("ipc://%s/%ld.pub", p->dir, p->info.pid)
			   : strdup(c->endpoint);
	if (publish_off(c->query) || (qauto && p->dir == NULL))
		p->rep_url = NULL;
	else if ((p->rep_url = qauto ? hpi_asprintf("ipc://%s/%ld.query", p->dir, p->info.pid)
				     : strdup(c->query)) == NULL)
		p->pub_url = (free(p->pub_url), NULL);
	if (p->pub_url == NULL) {
		hpi_warn("out of memory; not publishing");
		return false;
	}
	return true;
}

hpi_publisher *hpi_publish_start(const hpi_config *c, struct hpi_registry *r,
				 const hpi_publish_info *info)
{
	hpi_publisher *p;
	hpi_publish_info in = *info;
	const char *why = NULL;

	if (publish_off(c->endpoint))
		return NULL;
	if (publish_nng_pid != 0 && publish_nng_pid != getpid()) {
		hpi_warn("publish.endpoint: nng cannot be used in a child of a process that "
			 "published (fork); running without publishing");
		return NULL;
	}
	if ((p = calloc(1, sizeof(*p))) == NULL)
		return NULL;
	p->info.pid = info->pid;
	if (!publish_urls(p, c)) {
		publish_free(p);
		return NULL;
	}
	publish_nng_pid = getpid();
	in.endpoint = p->pub_url;
	in.query = p->rep_url;
	in.interval_ms = c->publish_interval_ms;
	if (!publish_info_copy(&p->info, &in)) {
		publish_free(p);
		hpi_warn("out of memory; not publishing");
		return NULL;
	}
	p->reg = r;
	p->query_rate = c->publish_query_rate;
	p->query_burst = c->publish_query_burst > 0 ? c->publish_query_burst : 1;
	p->credit = 10000000; /* ns: the first replies */
	p->interval_ns = (uint64_t)(c->publish_interval_ms > 0 ? c->publish_interval_ms : 250) * 1000000u;
	for (int i = 0; i < 2; i++)
		p->caps[i] = publish_cap_new(c->publish_max_connections > 0 ?
					     c->publish_max_connections : 32);
	p->tls.tls_cert = c->tls_cert ? strdup(c->tls_cert) : NULL;
	p->tls.tls_key = c->tls_key ? strdup(c->tls_key) : NULL;
	p->tls.tls_ca = c->tls_ca ? strdup(c->tls_ca) : NULL;
	if (publish_listen(&p->pub, true, p->pub_url, &p->tls, p->caps[0], &p->lst[0], &why) != 0) {
		hpi_warn("publish.endpoint: cannot listen on \"%s\": %s; running without publishing",
			 p->pub_url, why);
		publish_free(p);
		return NULL;
	}
	p->bound[0] = true;
	if (p->rep_url != NULL) {
		if (publish_listen(&p->rep, false, p->rep_url, &p->tls, p->caps[1], &p->lst[1],
				   &why) == 0) {
			p->have_rep = p->bound[1] = true;
			if ((p->qs = publish_queries_new(p->rep)) == NULL)
				hpi_warn("publish.query: out of memory; no queries answered");
		} else
			hpi_warn("publish.query: cannot listen on \"%s\": %s; no queries answered",
				 p->rep_url, why);
	}
	publish_describe(p, NULL);
	return p;
}

/* The sockets to close, handed to the closing thread. */
typedef struct publish_closing {
	nng_socket pub, rep;
	bool have_rep;
	publish_cap *caps[2];    /* freed once the sockets are closed */
	publish_queries *qs;     /* likewise */
} publish_closing;

/* Closes the sockets.  nng 1.5's nng_close can wait for a busy peer's
 * pipe (fixed upstream after 1.5.2), so it runs on a thread of its own:
 * the program never waits for a subscriber. */
static void *publish_close_main(void *arg)
{
	publish_closing *c = arg;

	hpi_alloc_thread_internal();
	nng_close(c->pub);
	if (c->have_rep)
		nng_close(c->rep);
	publish_queries_free(c->qs);
	publish_cap_free(c->caps[0]);
	publish_cap_free(c->caps[1]);
	free(c);
	__atomic_store_n(&publish_closed_ns, hpi_mono_ns(), __ATOMIC_RELEASE);
	__atomic_sub_fetch(&publish_closing_n, 1, __ATOMIC_RELEASE);
	return NULL;
}

/* Closes p's sockets without waiting (inline when no thread can start). */
static void publish_close(hpi_publisher *p)
{
	publish_closing *c = malloc(sizeof(*c));
	pthread_attr_t a;
	pthread_t t;
	sigset_t all, old;
	int rv = -1;

	if (c != NULL) {
		c->pub = p->pub;
		c->rep = p->rep;
		c->have_rep = p->have_rep;
		c->caps[0] = p->caps[0];
		c->caps[1] = p->caps[1];
		c->qs = p->qs;
		sigfillset(&all);
		pthread_sigmask(SIG_SETMASK, &all, &old);
		pthread_attr_init(&a);
		pthread_attr_setdetachstate(&a, PTHREAD_CREATE_DETACHED);
		__atomic_add_fetch(&publish_closing_n, 1, __ATOMIC_ACQUIRE);
		rv = pthread_create(&t, &a, publish_close_main, c);
		if (rv != 0)
			__atomic_sub_fetch(&publish_closing_n, 1, __ATOMIC_RELEASE);
		pthread_attr_destroy(&a);
		pthread_sigmask(SIG_SETMASK, &old, NULL);
	}
	if (rv != 0) {
		free(c);
		nng_close(p->pub);
		if (p->have_rep)
			nng_close(p->rep);
		publish_queries_free(p->qs);
		publish_cap_free(p->caps[0]);
		publish_cap_free(p->caps[1]);
		__atomic_store_n(&publish_closed_ns, hpi_mono_ns(), __ATOMIC_RELEASE);
	}
}

void hpi_publish_settle(int max_ms)
{
	for (int i = 0; i < max_ms && __atomic_load_n(&publish_closing_n, __ATOMIC_ACQUIRE) > 0;
	     i++)
		nanosleep(&(struct timespec){0, 1000000L}, NULL);
}

bool hpi_publish_usable(void)
{
	return publish_nng_pid == 0 || publish_nng_pid == getpid();
}

void hpi_publish_atfork_child(void)
{
	/* the closing threads are the parent's: none runs here */
	__atomic_store_n(&publish_closing_n, 0, __ATOMIC_RELAXED);
}

void hpi_publish_stop(hpi_publisher *p)
{
	uint64_t refused;

	if (p == NULL)
		return;
	if ((refused = publish_refused(p)) > 0)
		hpi_warn("publish: %llu connections refused past publish.max_connections (%zu per "
			 "endpoint)", (unsigned long long)refused,
			 p->caps[0] != NULL ? p->caps[0]->max : (size_t)0);
	/* described and named by our pid: gone before the sockets close, so
	 * nobody dials what is going away */
	if (p->dir != NULL)
		hpi_discover_remove(p->dir, p->info.pid);
	publish_close(p);
	hpi_snapshot_free(p->last);
	for (size_t i = 0; i < p->nseen; i++)
		free(p->seen[i].id);
	free(p->seen);
	p->caps[0] = p->caps[1] = NULL; /* the closing thread frees them */
	publish_free(p);
}
