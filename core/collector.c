/* SPDX-License-Identifier: MIT */
/*
 * collector.c - drains the per-thread buffers and at the end, turns
 * records into bus events and dispatches them.  Plugin state is only
 * touched here, so plugins need no locks.
 *
 * Wakeups follow the records (docs/threads-and-fork.md): a pass that
 * drained a chunk's worth or more, or an untimed record (a stream item,
 * stamped with the pass's time), is followed by the next after
 * drain_interval_ms; quieter passes double the sleep up to
 * COLLECTOR_IDLE_MS.  A thread that fills HPI_NUDGE_CHUNKS chunks
 * nudges the collector awake (no sooner than drain_interval_ms after the
 * last pass), and so does a query arriving at the publisher.  The waits
 * are a poll() on an eventfd.
 */
#include "config.h"

#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <time.h>
#include <unistd.h>

#include "hpi.h"
#include "collector.h"
#include "debug.h"
#include "io.h"
#include "tbuf.h"


/* The longest sleep while few or no records come: at most 10 wakeups a
 * second for an idle program (issue 21's budget is 20). */
#define COLLECTOR_IDLE_MS 100
/* A pass that drained this many records means "busy": the next comes
 * after drain_interval_ms. */
#define COLLECTOR_BUSY_RECS HPI_CHUNK_RECS

/* The running collector's eventfd (-1: none), and its state: a nudge
 * writes to the eventfd only while it sleeps in poll(), so a busy
 * collector costs the profiled threads no system call; a nudge while it
 * is awake is kept for its next sleep. */
static int collector_wake_fd = -1;
enum { COLLECTOR_AWAKE, COLLECTOR_ASLEEP, COLLECTOR_NUDGED };
static int collector_asleep;
/* A descriptor whose readiness nudges the collector too (the CPU
 * sampler's epoll over its rings: hpi_collector_watch), or -1. */
static int collector_watch_fd = -1;

/* Events handed to the plugins at once: small enough that the batch stays
 * in L1 between its writing and its reading. */
#define DRAIN_BATCH 256

/* Each kind's payload type, from the one event map (hotpath.h), which
 * also makes both the records' kinds and hp_event_kind. */
enum { PAY_NONE, PAY_DUR, PAY_MSG, PAY_CALL, PAY_TEXT, PAY_BYTES, PAY_VALUE, PAY_DATA, PAY_IO,
       PAY_WORDS };
#define COLLECTOR_PAY(name, value, payload, doc) [value] = PAY_##payload,
static const unsigned char collector_pay[HP_EV__COUNT] = { HP_EV_MAP(COLLECTOR_PAY) };
#undef COLLECTOR_PAY

/* HP_EV_SCOPE's data per kind byte from HP__SCOPE_KIND: the depth, and
 * whether the call is recursive (HP__SCOPE_REC). */
#define SF(k) (HP_SCOPE_HAS_DEPTH | ((k) & HP__DEPTH_MASK) << 8 | \
	       ((k) & HP__SCOPE_REC ? HP_SCOPE_RECURSIVE : 0))
#define SF4(k) SF(k), SF((k) + 1), SF((k) + 2), SF((k) + 3)
#define SF16(k) SF4(k), SF4((k) + 4), SF4((k) + 8), SF4((k) + 12)
const uint32_t hpi_scope_flags[128] = {
	SF16(0), SF16(16), SF16(32), SF16(48), SF16(64), SF16(80), SF16(96), SF16(112),
};
#undef SF16
#undef SF4
#undef SF

typedef struct drain_ctx {
	hpi_registry *reg;
	uint64_t t0;
	uint64_t pass_ns;          /* this pass's time, for untimed records */
	uint64_t records;
	bool untimed;              /* an untimed record was drained: it is
				    * stamped with the pass, so passes stay
				    * drain_interval_ms apart */
	uint64_t kinds;            /* HP_EV_BIT()s of the waiting events */
	void *direct;              /* hpi_registry_direct()'s plugin state, */
	/* and its ops (NULL: none, events for every plugin) */
	size_t (*on_records)(void *state, const hp_record *p, const hp_record *end,
			     uint64_t tid, uint64_t t0, uint64_t mult);
	void (*on_scope)(void *state, const hp_event *ev, uint64_t tick);
	size_t n;                  /* events waiting in evs */
	hp_event evs[DRAIN_BATCH];
	uint64_t aux[DRAIN_BATCH]; /* HP_EV_ALLOC: the count data points to */
	char dbg[HPI_DBG_MSG_MAX]; /* HP_EV_DEBUG's message, flushed at once */
	hp_event_io io[DRAIN_BATCH]; /* HP_EV_IO: the call data points to */
	hp_event_words words[DRAIN_BATCH]; /* WORDS kinds: what data points to */
} drain_ctx;

struct hpi_collector {
	pthread_t thread;
	pthread_mutex_t lock;
	pthread_cond_t cond;
	bool stop;        /* atomic */
	bool ready;       /* the thread is set up: its start-up allocations are done */
	int interval_ms;  /* drain_interval_ms: the sleep while busy, the least
			   * time between nudged passes */
	int idle_ms;      /* the longest sleep */
	int efd;          /* eventfd: stop and nudges */
	hpi_registry *reg;
	uint64_t t0;      /* guard start tick */
	uint64_t records; /* processed, for the benchmark */
	hpi_publisher *pub; /* atomic; ticked after each pass, or NULL */
	hpi_metrics *met;   /* atomic; ticked after each pass, or NULL */
	drain_ctx drain;  /* collector thread only */
};

/* Hands the waiting events to the plugins. */
static void collector_flush(drain_ctx *d)
{
	if (d->n == 0)
		return;
	hpi_registry_dispatch_batch(d->reg, d->evs, d->n, d->kinds);
	d->records += d->n;
	d->n = 0;
	d->kinds = 0;
}

/* Sends a thread lifecycle event. */
static void collector_thread_event(drain_ctx *d, hpi_thread *t, hp_event_kind k)
{
	hp_event ev = {.kind = k, .tid = t->tid};

	if (k == HP_EV_THREAD_EXIT)
		ev.data = &t->at_exit; /* written before exited, under the lock */
	collector_flush(d);
	hpi_registry_dispatch(d->reg, &ev);
}

/* Ticks to ns (32.32 fixed point). */
static inline uint64_t collector_ns(uint64_t ticks, uint64_t mult)
{
	return (uint64_t)(((unsigned __int128)ticks * mult) >> 32);
}

/* Fills the typed payload of ev (a payload pair's kind) from the pair's
 * second record. */
static void collector_payload(hp_event *ev, uint64_t pay)
{
	switch (collector_pay[ev->kind]) {
	case PAY_MSG:
		ev->msg.seq = (uint32_t)pay;
		ev->msg.bytes = (uint32_t)(pay >> 32);
		break;
	case PAY_CALL:
		ev->call.id = (uint32_t)pay;
		ev->call.ticks = (uint32_t)(pay >> 32);
		break;
	case PAY_TEXT: /* written low byte first */
		for (int i = 0; i < 8; i++)
			ev->text[i] = (char)(pay >> (8 * i));
		break;
	case PAY_VALUE:
		ev->value = (int64_t)pay;
		break;
	case PAY_IO: /* the call's ticks: collector_push_other converts */
		ev->dur_ns = pay;
		break;
	case PAY_WORDS: /* collector_push_other fills data */
		ev->dur_ns = 0;
		break;
	default: /* PAY_BYTES */
		ev->bytes = pay;
		break;
	}
}

/* Any record but a plain measured call: extended durations, recursive
 * calls, untimed records and payload pairs. */
static void collector_other(drain_ctx *d, hp_event *ev, const struct hp__rec *p,
			    const struct hp__rec *end, uint64_t mult)
{
	uint64_t dt = p->dt;

	if (dt == HPI_DT_EXT && p + 1 < end)
		dt = p[1].t;
	ev->kind = p->site >> HP__KIND_SHIFT;
	ev->site = p->site & HPI_SITE_MASK;
	ev->time_ns = p->t > d->t0 ? collector_ns(p->t - d->t0, mult) : 0;
	if (p->t == HP__T_UNTIMED) {
		ev->time_ns = d->pass_ns;
		d->untimed = true;
	}
	ev->dur_ns = collector_ns(dt, mult);
	ev->data = NULL;
	if (ev->kind >= HP__SCOPE_KIND) {
		ev->data = &hpi_scope_flags[ev->kind - HP__SCOPE_KIND];
		ev->kind = HP_EV_SCOPE;
	} else if (ev->kind & HP__VAL_SHORT) {
		/* a value in dt's 32 bits, sign-extended */
		ev->kind &= ~HP__VAL_SHORT;
		ev->value = (int32_t)(uint32_t)dt;
	} else if (ev->kind < 64 && ((HP__EV_PAYLOAD_KINDS >> ev->kind) & 1))
		collector_payload(ev, p + 1 < end ? p[1].t : 0);
}

/* An HP_DBG group: the message, formatted from the records after p into
 * d->dbg.  False when the group is cut short (never, as written). */
static bool collector_debug(drain_ctx *d, hp_event *ev, const struct hp__rec *p,
			    const struct hp__rec *end)
{
	const hp_site_info *si = hpi_site_get(ev->site);
	size_t nrec = p->dt & 0xff;

	if ((size_t)(end - p) <= nrec || si == NULL)
		return false;
	hpi_debug_format(d->dbg, sizeof(d->dbg), si->label, p + 1, p + 1 + nrec, p->dt);
	ev->data = d->dbg;
	return true;
}

/* Queues any record but a plain measured call (p is neither padding nor
 * older than t0).  With a plugin fed records directly, a SCOPE event goes
 * to it at once, so its recent log keeps the order of the calls. */
static void collector_push_other(drain_ctx *d, uint64_t tid, const struct hp__rec *p,
				 const struct hp__rec *end, uint64_t mult)
{
	hp_event *ev = &d->evs[d->n];

	collector_other(d, ev, p, end, mult);
	ev->tid = tid;
	if (ev->kind == HP_EV_SCOPE && d->on_records != NULL) {
		d->on_scope(d->direct, ev, p->t);
		d->records++;
		return;
	}
	if (ev->kind == HP_EV_ALLOC) {
		d->aux[d->n] = p->dt;
		ev->data = &d->aux[d->n];
	} else if (ev->kind == HP_EV_IO) { /* core/io.h */
		ev->dur_ns = collector_ns(ev->dur_ns, mult);
		hpi_io_decode(&d->io[d->n], p->dt, p + 1 < end ? p[1].dt : 0);
		ev->data = &d->io[d->n];
	} else if (ev->kind < HP_EV__COUNT && collector_pay[ev->kind] == PAY_WORDS) {
		d->words[d->n] = (hp_event_words){.w0 = p->dt, .w1 = p + 1 < end ? p[1].dt : 0,
						  .pay = p + 1 < end ? p[1].t : 0};
		ev->data = &d->words[d->n];
	}
	if (ev->kind == HP_EV_DEBUG && !collector_debug(d, ev, p, end))
		return;
	d->kinds |= HP_EV_BIT(ev->kind & 63);
	/* a message's text is d->dbg's until the next one */
	if (++d->n == DRAIN_BATCH || ev->kind == HP_EV_DEBUG)
		collector_flush(d);
}

/* Turns records [p, end) of thread t into events. */
static void collector_records(drain_ctx *d, hpi_thread *t, const struct hp__rec *p,
			      const struct hp__rec *end)
{
	uint64_t t0 = d->t0, tid = t->tid;
	uint64_t mult = __atomic_load_n(&hpi_clock_mult, __ATOMIC_RELAXED);
	uint64_t mh = mult >> 32, ml = (uint32_t)mult;
	hp_event *evs = d->evs;
	size_t n = d->n; /* in a register: the event stores cannot touch it */
	uint64_t kinds = d->kinds;

	for (; p < end; p++) {
		hp_event *ev = &evs[n];

		/* the lines were written on another core: ask early */
		if (((uintptr_t)p & 63) == 0)
			__builtin_prefetch(p + 32);
		if (__builtin_expect(hpi_rec_plain(p, t0), 1)) {
			uint64_t at = p->t;
			uint32_t dt = p->dt;

			/* only stream items (kind 11) are ever untimed */
			ev->kind = HP_EV_SCOPE;
			ev->site = p->site & HPI_SITE_MASK;
			ev->tid = tid;
			/* no vector stores: GCC would pair tid with time_ns
			 * through the stack, a store-to-load round trip that
			 * costs more than the store it saves */
			__asm__("" ::: "memory");
			ev->time_ns = collector_ns(at - t0, mult);
			ev->dur_ns = hpi_ticks32_ns(dt, mh, ml);
			ev->data = &hpi_scope_flags[(p->site >> HP__KIND_SHIFT) - HP__SCOPE_KIND];
			kinds |= HP_EV_BIT(HP_EV_SCOPE);
			if (__builtin_expect(++n == DRAIN_BATCH, 0)) {
				d->n = n;
				d->kinds = kinds;
				collector_flush(d);
				n = 0;
				kinds = 0;
			}
		} else if (p->site != 0 && p->t >= t0) {
			/* not padding, the tail of an extended record, or a
			 * call that began under an earlier guard */
			d->n = n;
			d->kinds = kinds;
			collector_push_other(d, tid, p, end, mult);
			n = d->n;
			kinds = d->kinds;
		}
	}
	d->n = n;
	d->kinds = kinds;
}

/* on_records' hp_record (hotpath/plugin.h) is the program's struct hp__rec. */
_Static_assert(sizeof(hp_record) == sizeof(struct hp__rec) &&
		       offsetof(hp_record, t) == offsetof(struct hp__rec, t) &&
		       offsetof(hp_record, site) == offsetof(struct hp__rec, site) &&
		       offsetof(hp_record, dt) == offsetof(struct hp__rec, dt),
	       "hp_record is struct hp__rec");
_Static_assert(HP_REC_KIND_SHIFT == HP__KIND_SHIFT && HP_REC_SCOPE_KIND == HP__SCOPE_KIND &&
		       HP_REC_SCOPE_REC == HP__SCOPE_REC && HP_REC_DEPTH_MASK == HP__DEPTH_MASK &&
		       HP_REC_DT_EXT == HPI_DT_EXT,
	       "hp_record's constants are the record format's");

/* The same with a plugin fed records directly (hpi_registry_direct):
 * runs of measured calls go to it as records, with no event built. */
static void collector_records_direct(drain_ctx *d, hpi_thread *t, const struct hp__rec *p,
				     const struct hp__rec *end)
{
	uint64_t t0 = d->t0, tid = t->tid;
	uint64_t mult = __atomic_load_n(&hpi_clock_mult, __ATOMIC_RELAXED);
	size_t (*on_records)(void *, const hp_record *, const hp_record *, uint64_t, uint64_t,
			     uint64_t) = d->on_records;
	void *state = d->direct;

	while (p < end) {
		if (__builtin_expect(hpi_rec_plain(p, t0), 1)) {
			size_t k = on_records(state, (const hp_record *)p, (const hp_record *)end,
					      tid, t0, mult);

			d->records += k;
			p += k;
			continue;
		}
		if (p->site != 0 && p->t >= t0)
			collector_push_other(d, tid, p, end, mult);
		p++;
	}
}

/* Drains one thread up to the limit read under the list lock: first the
 * records set aside while a snapshot was built, then its chunks. */
static void collector_drain_thread(drain_ctx *d, hpi_thread *t)
{
	struct hp__rec *lim = t->snap;

	if (lim == NULL && t->naside == 0)
		return;
	if (t->seen == 0) {
		collector_thread_event(d, t, HP_EV_THREAD_START);
		t->seen = 1;
	}
	if (t->naside > 0) {
		if (d->on_records != NULL)
			collector_records_direct(d, t, t->aside, t->aside + t->naside);
		else
			collector_records(d, t, t->aside, t->aside + t->naside);
		/* rare (a snapshot's): not kept, it may be megabytes */
		free(t->aside);
		t->aside = NULL;
		t->naside = t->capaside = 0;
	}
	if (lim == NULL)
		return;
	for (;;) {
		hpi_chunk *c = t->rd_chunk;
		struct hp__rec *end = c->recs + HPI_CHUNK_RECS;
		bool here = lim >= c->recs && lim <= end;
		struct hp__rec *stop = here ? lim : end;

		if (d->on_records != NULL)
			collector_records_direct(d, t, t->rd, stop);
		else
			collector_records(d, t, t->rd, stop);
		t->rd = stop;
		if (here)
			break;
		t->rd_chunk = __atomic_load_n(&c->next, __ATOMIC_ACQUIRE);
		t->rd = t->rd_chunk->recs;
		hpi_tbuf_recycle(t, c);
	}
	if (t->snap_exited && t->rd == lim && t->seen == 1) {
		collector_thread_event(d, t, HP_EV_THREAD_EXIT);
		t->seen = 2;
	}
}

/* Room in t->aside for n more records, within cap; false when none. */
static bool collector_aside_room(hpi_thread *t, size_t n, size_t cap)
{
	size_t ncap = t->capaside ? t->capaside : HPI_CHUNK_RECS;
	struct hp__rec *a;

	if (t->naside + n <= t->capaside)
		return true;
	if (t->naside + n > cap)
		return false;
	while (ncap < t->naside + n)
		ncap *= 2;
	if (ncap > cap)
		ncap = cap;
	if ((a = realloc(t->aside, ncap * sizeof(*a))) == NULL)
		return false;
	t->aside = a;
	t->capaside = ncap;
	return true;
}

/* Copies thread t's records up to the limit read under the list lock out
 * of its chunks into t->aside (at most as many as its chunks hold: the
 * buffer's size again), handing the chunks back to it. */
static void collector_aside_thread(hpi_thread *t)
{
	struct hp__rec *lim = t->snap;
	size_t cap = t->maxchunks * HPI_CHUNK_RECS;

	if (lim == NULL)
		return;
	for (;;) {
		hpi_chunk *c = t->rd_chunk;
		struct hp__rec *end = c->recs + HPI_CHUNK_RECS;
		bool here = lim >= c->recs && lim <= end;
		struct hp__rec *stop = here ? lim : end;
		size_t n = (size_t)(stop - t->rd);

		if (n > 0) {
			if (!collector_aside_room(t, n, cap))
				return; /* the rest stays in the chunks */
			memcpy(t->aside + t->naside, t->rd, n * sizeof(*t->rd));
			t->naside += n;
		}
		t->rd = stop;
		if (here)
			break;
		t->rd_chunk = __atomic_load_n(&c->next, __ATOMIC_ACQUIRE);
		t->rd = t->rd_chunk->recs;
		hpi_tbuf_recycle(t, c);
	}
}

/* When the program's records were last drained or set aside, and the
 * longest time between two such moments since hpi_collector_longest_wait
 * last read it (ns; collector thread, the longest atomic). */
static uint64_t collector_drained_at, collector_longest;

/* Notes a drain or an aside: the records waited since the last one. */
static void collector_drained(void)
{
	uint64_t now = hpi_mono_ns();

	if (collector_drained_at != 0 && now - collector_drained_at >
	    __atomic_load_n(&collector_longest, __ATOMIC_RELAXED))
		__atomic_store_n(&collector_longest, now - collector_drained_at, __ATOMIC_RELAXED);
	collector_drained_at = now;
}

uint64_t hpi_collector_longest_wait(void)
{
	return __atomic_exchange_n(&collector_longest, 0, __ATOMIC_RELAXED);
}

void hpi_collector_aside(void)
{
	collector_drained();
	for (hpi_thread *t = hpi_tbuf_snapshot(); t != NULL; t = t->next)
		collector_aside_thread(t);
}

/* When the last aside was (collector thread only). */
static uint64_t collector_aside_at;

/* The snapshot pulse (hpi_snapshot_pulse), on the collector while it
 * builds a snapshot: the program's records set aside at most once a
 * millisecond, so that a snapshot that takes long (10,000 functions on a
 * loaded machine: a second) does not fill the program's buffers. */
static void collector_pulse(void)
{
	uint64_t now = hpi_mono_ns();

	if (now - collector_aside_at < 1000000u)
		return;
	collector_aside_at = now;
	hpi_collector_aside();
}

/* One pass over every thread. */
static void collector_pass(drain_ctx *d)
{
	hpi_thread *list = hpi_tbuf_snapshot();
	/* read after the snapshot: every record drained now was written
	 * before it, so untimed ones get an upper bound of their time */
	uint64_t now = hp__now();
	hp_event tick = {.kind = HP_EV_TICK};

	d->pass_ns = now > d->t0 ? hpi_ticks_to_ns(now - d->t0) : 0;
	collector_drained();
	for (hpi_thread *t = list; t != NULL; t = t->next)
		collector_drain_thread(d, t);
	collector_flush(d);
	hpi_tbuf_reap();
	/* periodic plugins (threads) sample on this */
	tick.time_ns = d->pass_ns;
	hpi_registry_dispatch(d->reg, &tick);
}

/* Whether a plugin takes measured calls as records (hpi_registry_direct). */
static void collector_direct(drain_ctx *d, const hpi_registry *r)
{
	const hp_plugin_ops *ops = hpi_registry_direct(r, &d->direct);

	d->on_records = ops != NULL ? ops->on_records : NULL;
	d->on_scope = ops != NULL ? ops->on_scope : NULL;
}

void hpi_collector_drain_now(hpi_registry *r, uint64_t t0_ticks)
{
	drain_ctx *d = calloc(1, sizeof(*d));

	if (d == NULL)
		return;
	d->reg = r;
	collector_direct(d, r);
	d->t0 = t0_ticks;
	collector_pass(d);
	free(d);
}

void hpi_collector_nudge(void)
{
	int fd = __atomic_load_n(&collector_wake_fd, __ATOMIC_ACQUIRE);
	uint64_t one = 1;

	if (fd >= 0 && __atomic_exchange_n(&collector_asleep, COLLECTOR_NUDGED,
					   __ATOMIC_ACQ_REL) == COLLECTOR_ASLEEP)
		(void)!write(fd, &one, sizeof(one));
}

/* Sleeps until deadline (CLOCK_MONOTONIC ns), a stop, or a nudge, which
 * brings the deadline to soonest. */
static void collector_wait(hpi_collector *c, uint64_t deadline, uint64_t soonest)
{
	for (;;) {
		struct pollfd pf[2] = {{.fd = c->efd, .events = POLLIN},
				       {.fd = __atomic_load_n(&collector_watch_fd, __ATOMIC_ACQUIRE),
					.events = POLLIN}};
		uint64_t now = hpi_mono_ns(), v;
		int ms, was;
		if (now >= deadline || __atomic_load_n(&c->stop, __ATOMIC_ACQUIRE))
			return;
		ms = (int)((deadline - now + 999999) / 1000000);
		was = __atomic_exchange_n(&collector_asleep, COLLECTOR_ASLEEP, __ATOMIC_ACQ_REL);
		if (was == COLLECTOR_NUDGED || poll(pf, pf[1].fd >= 0 ? 2 : 1, ms) < 0)
			pf[0].revents = pf[1].revents = 0;
		was = __atomic_exchange_n(&collector_asleep, COLLECTOR_AWAKE, __ATOMIC_ACQ_REL) ==
			      COLLECTOR_NUDGED || was == COLLECTOR_NUDGED;
		if (pf[0].revents & POLLIN)
			(void)!read(c->efd, &v, sizeof(v));
		/* the watched descriptor needs no reading: a perf ring's
		 * readiness is cleared by the poll that reports it */
		if ((was || ((pf[0].revents | pf[1].revents) & POLLIN)) && soonest < deadline)
			deadline = soonest;
	}
}

void hpi_collector_watch(int fd)
{
	__atomic_store_n(&collector_watch_fd, fd, __ATOMIC_RELEASE);
}

/* Held for the whole of a pass (and publish tick); see the atfork hooks. */
static pthread_mutex_t collector_pass_lock = PTHREAD_MUTEX_INITIALIZER;

/* The collector thread. */
static void *collector_main(void *arg)
{
	hpi_collector *c = arg;
	drain_ctx *d = &c->drain;
	uint64_t sleep_ns = (uint64_t)c->interval_ms * 1000000u, last = hpi_mono_ns();
	uint64_t busy_ns = sleep_ns, idle_ns = (uint64_t)c->idle_ms * 1000000u;

	/* named here too: the creator's pthread_setname_np may come after our
	 * first pass, whose thread sample would keep the program's name */
	pthread_setname_np(pthread_self(), "hp-collector");
	hpi_alloc_thread_internal();

	d->reg = c->reg;
	collector_direct(d, c->reg);
	d->t0 = c->t0;
	collector_drained_at = 0; /* no wait counted from an earlier guard's */

	pthread_mutex_lock(&c->lock);
	c->ready = true;
	pthread_cond_broadcast(&c->cond);
	pthread_mutex_unlock(&c->lock);
	for (;;) {
		hpi_publisher *pub = __atomic_load_n(&c->pub, __ATOMIC_ACQUIRE);
		uint64_t before = d->records;

		collector_wait(c, last + sleep_ns, last + busy_ns);
		if (__atomic_load_n(&c->stop, __ATOMIC_ACQUIRE))
			break;
		pthread_mutex_lock(&collector_pass_lock);
		collector_pass(d);
		__atomic_store_n(&c->records, d->records, __ATOMIC_RELAXED);
		/* snapshots built here set the program's records aside as
		 * they go (collector_pulse) */
		hpi_snapshot_pulse(collector_pulse);
		hpi_publish_tick(pub);
		hpi_metrics_tick(__atomic_load_n(&c->met, __ATOMIC_ACQUIRE));
		hpi_snapshot_pulse(NULL);
		pthread_mutex_unlock(&collector_pass_lock);
		last = hpi_mono_ns();
		/* busy: every drain_interval_ms so buffers stay small (flat
		 * RSS); quieter: back off to the idle sleep */
		if (d->records - before >= COLLECTOR_BUSY_RECS || d->untimed)
			sleep_ns = busy_ns;
		else if ((sleep_ns *= 2) > idle_ns)
			sleep_ns = idle_ns;
		d->untimed = false;
	}
	/* the final drain: everything written before the stop */
	pthread_mutex_lock(&collector_pass_lock);
	collector_pass(d);
	__atomic_store_n(&c->records, d->records, __ATOMIC_RELAXED);
	pthread_mutex_unlock(&collector_pass_lock);
	return NULL;
}

/* fork() waits for a pass in progress, so the child inherits no half-built
 * snapshot or batch from a collector thread it does not have. */
void hpi_collector_atfork_prepare(void)
{
	pthread_mutex_lock(&collector_pass_lock);
}

void hpi_collector_atfork_parent(void)
{
	pthread_mutex_unlock(&collector_pass_lock);
}

void hpi_collector_atfork_child(void)
{
	/* the parent's collector is not ours to wake */
	__atomic_store_n(&collector_wake_fd, -1, __ATOMIC_RELAXED);
	__atomic_store_n(&collector_asleep, 0, __ATOMIC_RELAXED);
	__atomic_store_n(&collector_watch_fd, -1, __ATOMIC_RELAXED); /* the parent's sampler's (its events are not inherited) */
	pthread_mutex_init(&collector_pass_lock, NULL);
}

hpi_collector *hpi_collector_start(hpi_registry *r, uint64_t t0_ticks,
				   int interval_ms, int idle_ms, char **cause)
{
	hpi_collector *c = calloc(1, sizeof(*c));
	pthread_condattr_t ca;
	sigset_t all, old;
	int rv;

	if (c == NULL) {
		*cause = hpi_asprintf("out of memory");
		return NULL;
	}
	c->reg = r;
	c->t0 = t0_ticks;
	c->interval_ms = interval_ms > 0 ? interval_ms : 10;
	c->idle_ms = idle_ms > c->interval_ms ? idle_ms : c->interval_ms;
	if ((c->efd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC)) < 0) {
		*cause = hpi_asprintf("cannot make the collector's eventfd: %s", strerror(errno));
		free(c);
		return NULL;
	}
	pthread_mutex_init(&c->lock, NULL);
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&c->cond, &ca);
	pthread_condattr_destroy(&ca);
	/* the program's signals are the program's: none land on our thread */
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	rv = pthread_create(&c->thread, NULL, collector_main, c);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (rv != 0) {
		*cause = hpi_asprintf("cannot start the collector thread: %s", strerror(rv));
		close(c->efd);
		pthread_cond_destroy(&c->cond);
		pthread_mutex_destroy(&c->lock);
		free(c);
		return NULL;
	}
	pthread_setname_np(c->thread, "hp-collector");
	/* back only once the thread is set up: a fork() right after the guard
	 * is built must not catch it inside an allocator lock (glibc's malloc
	 * is fork-safe; AddressSanitizer's, for one, is not) */
	pthread_mutex_lock(&c->lock);
	while (!c->ready)
		pthread_cond_wait(&c->cond, &c->lock);
	pthread_mutex_unlock(&c->lock);
	__atomic_store_n(&collector_wake_fd, c->efd, __ATOMIC_RELEASE);
	return c;
}

void hpi_collector_stop(hpi_collector *c)
{
	uint64_t one = 1;

	if (c == NULL)
		return;
	__atomic_store_n(&collector_wake_fd, -1, __ATOMIC_RELEASE);
	__atomic_store_n(&c->stop, true, __ATOMIC_RELEASE);
	(void)!write(c->efd, &one, sizeof(one));
	pthread_join(c->thread, NULL);
	close(c->efd);
	pthread_cond_destroy(&c->cond);
	pthread_mutex_destroy(&c->lock);
	free(c);
}

void hpi_collector_publish(hpi_collector *c, hpi_publisher *p)
{
	if (c != NULL)
		__atomic_store_n(&c->pub, p, __ATOMIC_RELEASE);
}

uint64_t hpi_collector_records(const hpi_collector *c)
{
	return c ? __atomic_load_n(&c->records, __ATOMIC_RELAXED) : 0;
}

void hpi_collector_metrics(hpi_collector *c, hpi_metrics *m)
{
	if (c != NULL)
		__atomic_store_n(&c->met, m, __ATOMIC_RELEASE);
}
