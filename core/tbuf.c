/* SPDX-License-Identifier: MIT */
/*
 * tbuf.c - the slow half of the hot path: a thread's first record, chunk
 * refills, long durations, and thread exit.  The fast half is inline in
 * hotpath.h: one 16-byte store and one release store of hp__tls.pos.
 *
 * A thread writes records into 64 KiB chunks.  When a chunk is full it
 * links the next one (from the chunks the collector handed back, else a new
 * allocation up to collector.buffer_max_mb) and moves on; if it may not
 * grow, the record is counted as dropped.  The collector reads each
 * thread's published position under the list lock, which is also what a
 * thread takes when it exits, so the collector never reads a dead thread's
 * TLS.
 */
#include "config.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <time.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "hpi.h"
#include "collector.h"
#include "tbuf.h"

#if defined(__x86_64__)
#include <cpuid.h>
#endif

__thread struct hp__tls hp__tls __attribute__((tls_model("initial-exec")));
static __thread hpi_thread *tbuf_self;
static __thread int tbuf_dead; /* our TLS destructor ran: the thread is leaving */

static pthread_mutex_t tbuf_lock = PTHREAD_MUTEX_INITIALIZER;
static hpi_thread *tbuf_head;
static pthread_key_t tbuf_key;
static pthread_once_t tbuf_once = PTHREAD_ONCE_INIT;
static int tbuf_key_made;
static size_t tbuf_maxchunks = 64u * 1024 * 1024 / HPI_CHUNK_BYTES;
static uint64_t tbuf_reaped_dropped;
static uint64_t *tbuf_samp_gone;  /* sampled calls of exited threads, by site */
static size_t tbuf_samp_ngone;

static void tbuf_exit(void *arg);

/* Creates the key whose destructor tells us a thread is leaving. */
static void tbuf_key_init(void)
{
	tbuf_key_made = pthread_key_create(&tbuf_key, tbuf_exit) == 0;
}

/* Sets the per-thread chunk cap. */
void hpi_tbuf_set_max_mb(int mb)
{
	size_t n = (size_t)(mb > 0 ? mb : 1) * 1024 * 1024 / HPI_CHUNK_BYTES;

	__atomic_store_n(&tbuf_maxchunks, n ? n : 1, __ATOMIC_RELAXED);
}

/* A new chunk: one the collector handed back, else a new one within the cap. */
static hpi_chunk *tbuf_chunk_get(hpi_thread *t)
{
	hpi_chunk *c;

	if (t->spare == NULL && __atomic_load_n(&t->free, __ATOMIC_RELAXED) != NULL)
		t->spare = __atomic_exchange_n(&t->free, NULL, __ATOMIC_ACQUIRE);
	if ((c = t->spare) != NULL) {
		t->spare = c->free_next;
	} else {
		if (t->nchunks >= t->maxchunks || (c = aligned_alloc(64, sizeof(*c))) == NULL)
			return NULL;
		t->nchunks++;
	}
	c->next = NULL;
	c->free_next = NULL;
	return c;
}

/* Registers the calling thread with the collector. */
static hpi_thread *tbuf_register(void)
{
	hpi_thread *t;
	hpi_chunk *c;

	pthread_once(&tbuf_once, tbuf_key_init);
	if ((t = calloc(1, sizeof(*t))) == NULL)
		return NULL;
	t->tls = &hp__tls;
	t->tid = (uint64_t)syscall(SYS_gettid);
	prctl(PR_GET_NAME, t->name, 0, 0, 0);
	t->maxchunks = __atomic_load_n(&tbuf_maxchunks, __ATOMIC_RELAXED);
	if ((c = tbuf_chunk_get(t)) == NULL) {
		free(t);
		return NULL;
	}
	t->cur = c;
	t->rd_chunk = c;
	t->rd = c->recs;
	hp__tls.pos = c->recs;
	hp__tls.end = c->recs + HPI_CHUNK_RECS;
	pthread_mutex_lock(&tbuf_lock);
	t->next = tbuf_head;
	tbuf_head = t;
	pthread_mutex_unlock(&tbuf_lock);
	pthread_setspecific(tbuf_key, t);
	tbuf_self = t;
	return t;
}

/* Makes room for n records; false when the thread may not grow. */
static bool tbuf_room(hpi_thread *t, size_t n)
{
	hpi_chunk *c;
	struct hp__rec *p = hp__tls.pos;

	if ((size_t)(hp__tls.end - p) >= n)
		return true;
	if ((c = tbuf_chunk_get(t)) == NULL)
		return false;
	/* pad the old chunk so the collector never splits a pair */
	for (; p < hp__tls.end; p++) {
		p->site = 0;
		p->dt = 0;
		p->t = 0;
	}
	__atomic_store_n(&t->cur->next, c, __ATOMIC_RELEASE);
	t->cur = c;
	hp__tls.end = c->recs + HPI_CHUNK_RECS;
	__atomic_store_n(&hp__tls.pos, c->recs, __ATOMIC_RELEASE);
	/* a sleeping collector drains before the buffer grows much (it
	 * sleeps up to 100 ms while records are few) */
	if (++t->filled % HPI_NUDGE_CHUNKS == 0)
		hpi_collector_nudge();
	return true;
}

/* The hot path's slow half: first record, full chunk, or long duration. */
void hp__emit_slow(uint32_t site, uint64_t t0, uint64_t t1)
{
	hpi_thread *t = tbuf_self;
	uint64_t dt = t1 - t0;
	size_t need;
	struct hp__rec *p;

	HPI_INTERNAL(); /* a new buffer or chunk is hotpath's, not the caller's */
	if ((int64_t)dt < 0)
		dt = 0; /* the end read before the start: clocks of two cores */
	need = dt >= HPI_DT_EXT ? 2 : 1;
	/* a TLS destructor that runs after ours: the collector may no longer
	 * read this thread's position, so its calls are not recorded */
	if (t == NULL && hpi_guard_fork_pending)
		hpi_guard_fork_start(); /* report.fork: child: its first record */
	if (t == NULL && (tbuf_dead || (t = tbuf_register()) == NULL))
		return;
	if (!tbuf_room(t, need)) {
		__atomic_store_n(&t->dropped, t->dropped + 1, __ATOMIC_RELAXED);
		return;
	}
	p = hp__tls.pos;
	p->t = t0;
	p->site = site;
	if (need == 2) {
		p->dt = HPI_DT_EXT;
		p[1].t = dt;
		p[1].site = 0;
		p[1].dt = 0;
	} else {
		p->dt = (uint32_t)dt;
	}
	__atomic_store_n(&hp__tls.pos, p + need, __ATOMIC_RELEASE);
}

/* A payload pair: {t0, site, dt0} then {payload, 0, 0}.  The record's
 * third word dt0 is 0 for hotpath.h's payload kinds; HP_EV_ALLOC keeps the
 * call's allocation count there. */
void hpi_emit_pair(uint32_t site, uint64_t t0, uint64_t payload, uint32_t dt0)
{
	hpi_emit_pair2(site, t0, dt0, payload, 0);
}

/* A payload pair with both third words: {t0, site, dt0}, {payload, 0, dt1}
 * (HP_EV_IO's, core/io.h). */
void hpi_emit_pair2(uint32_t site, uint64_t t0, uint32_t dt0, uint64_t payload, uint32_t dt1)
{
	hpi_thread *t = tbuf_self;
	struct hp__rec *p;

	HPI_INTERNAL(); /* a new buffer or chunk is hotpath's, not the caller's */
	if (t == NULL && hpi_guard_fork_pending)
		hpi_guard_fork_start(); /* report.fork: child: its first record */
	if (t == NULL && (tbuf_dead || (t = tbuf_register()) == NULL))
		return;
	if (!tbuf_room(t, 2)) {
		__atomic_store_n(&t->dropped, t->dropped + 1, __ATOMIC_RELAXED);
		return;
	}
	p = hp__tls.pos;
	p[0].t = t0;
	p[0].site = site;
	p[0].dt = dt0;
	p[1].t = payload;
	p[1].site = 0;
	p[1].dt = dt1;
	__atomic_store_n(&hp__tls.pos, p + 2, __ATOMIC_RELEASE);
}

/* n records that stay together in one chunk (an HP_DBG message); dropped
 * (counted) when there is no room. */
void hpi_emit_group(const struct hp__rec *recs, size_t n)
{
	hpi_thread *t = tbuf_self;

	HPI_INTERNAL();
	if (t == NULL && hpi_guard_fork_pending)
		hpi_guard_fork_start();
	if (t == NULL && (tbuf_dead || (t = tbuf_register()) == NULL))
		return;
	if (n > HPI_CHUNK_RECS || !tbuf_room(t, n)) {
		__atomic_store_n(&t->dropped, t->dropped + 1, __ATOMIC_RELAXED);
		return;
	}
	memcpy(hp__tls.pos, recs, n * sizeof(*recs));
	__atomic_store_n(&hp__tls.pos, hp__tls.pos + n, __ATOMIC_RELEASE);
}

/* A payload pair (hotpath.h hp__record_pay) that did not fit the chunk. */
void hp__emit_pay_slow(uint32_t site, uint64_t t0, uint64_t payload)
{
	hpi_emit_pair(site, t0, payload, 0);
}

/* The thread's own last figures, for the threads plugin. */
static void tbuf_usage(hpi_thread *t)
{
	struct rusage ru;
	struct timespec ts;

	memcpy(t->at_exit.name, t->name, sizeof(t->at_exit.name));
	prctl(PR_GET_NAME, t->at_exit.name, 0, 0, 0);
	if (clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts) == 0)
		t->at_exit.cpu_ns = (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
	if (getrusage(RUSAGE_THREAD, &ru) == 0) {
		t->at_exit.user_ns = (uint64_t)ru.ru_utime.tv_sec * 1000000000u +
				     (uint64_t)ru.ru_utime.tv_usec * 1000u;
		t->at_exit.sys_ns = (uint64_t)ru.ru_stime.tv_sec * 1000000000u +
				    (uint64_t)ru.ru_stime.tv_usec * 1000u;
		t->at_exit.vcsw = (uint64_t)ru.ru_nvcsw;
		t->at_exit.ivcsw = (uint64_t)ru.ru_nivcsw;
	}
}

/* Adds the calling thread's sampled-call counters to those of exited
 * threads and frees them.  Under tbuf_lock. */
static void tbuf_samp_retire(void)
{
	struct hp__samp *s = hp__tls.samp;
	uint32_t n = hp__tls.nsamp;

	if (n > 0 && hpi_grow(&tbuf_samp_gone, &tbuf_samp_ngone, sizeof(*tbuf_samp_gone),
			      n - 1))
		for (uint32_t i = 0; i < n; i++)
			tbuf_samp_gone[i] += s[i].calls;
	hp__tls.nsamp = 0;
	hp__tls.samp = NULL;
	free(s);
}

/* Thread exit: freeze the final position so the collector stops reading TLS. */
static void tbuf_exit(void *arg)
{
	hpi_thread *t = arg;

	tbuf_usage(t);
	pthread_mutex_lock(&tbuf_lock);
	t->final_pos = hp__tls.pos;
	t->exited = 1;
	tbuf_samp_retire();
	pthread_mutex_unlock(&tbuf_lock);
	tbuf_self = NULL;
	tbuf_dead = 1;
	hp__tls.pos = NULL;
	hp__tls.end = NULL;
}

/* Makes the calling thread's sampled-site counters reach site id: a new
 * zeroed table (the old one's counters copied), swapped under the lock the
 * collector reads them under.  False when it cannot (the thread is leaving,
 * or no memory). */
bool hpi_tbuf_samp_grow(uint32_t id)
{
	hpi_thread *t = tbuf_self;
	struct hp__samp *s, *old = hp__tls.samp;
	size_t n = hp__tls.nsamp, cap = n ? n : 64;

	HPI_INTERNAL();
	if (t == NULL && (tbuf_dead || (t = tbuf_register()) == NULL))
		return false;
	while (cap <= id)
		cap *= 2;
	if ((s = calloc(cap, sizeof(*s))) == NULL)
		return false;
	if (n > 0)
		memcpy(s, old, n * sizeof(*s));
	pthread_mutex_lock(&tbuf_lock);
	hp__tls.samp = s;
	hp__tls.nsamp = (uint32_t)cap;
	pthread_mutex_unlock(&tbuf_lock);
	free(old);
	return true;
}

/* A guard starts: every live thread's counters and countdowns go back to
 * zero (no thread writes them now: profiling is off), and so do those of
 * exited threads. */
void hpi_tbuf_samp_reset(void)
{
	hpi_thread *t;

	pthread_mutex_lock(&tbuf_lock);
	for (t = tbuf_head; t != NULL; t = t->next) {
		if (t->exited || t->tls->samp == NULL)
			continue;
		for (uint32_t i = 0; i < t->tls->nsamp; i++) {
			struct hp__samp *s = &t->tls->samp[i];
			__atomic_store_n(&s->calls, 0, __ATOMIC_RELAXED);
			__atomic_store_n(&s->left, 0, __ATOMIC_RELAXED);
		}
	}
	if (tbuf_samp_ngone > 0)
		memset(tbuf_samp_gone, 0, tbuf_samp_ngone * sizeof(*tbuf_samp_gone));
	pthread_mutex_unlock(&tbuf_lock);
}

/* Calls of sampled site id since the guard started, over every thread. */
uint64_t hpi_tbuf_samp_calls(uint32_t id)
{
	hpi_thread *t;
	uint64_t n;

	pthread_mutex_lock(&tbuf_lock);
	n = id < tbuf_samp_ngone ? tbuf_samp_gone[id] : 0;
	for (t = tbuf_head; t != NULL; t = t->next)
		if (!t->exited && id < t->tls->nsamp)
			n += __atomic_load_n(&t->tls->samp[id].calls, __ATOMIC_RELAXED);
	pthread_mutex_unlock(&tbuf_lock);
	return n;
}

/* Reads every thread's published position under the lock. */
hpi_thread *hpi_tbuf_snapshot(void)
{
	hpi_thread *t, *head;

	pthread_mutex_lock(&tbuf_lock);
	head = tbuf_head;
	for (t = head; t != NULL; t = t->next) {
		t->snap_exited = t->exited;
		t->snap = t->exited ? t->final_pos
				    : __atomic_load_n(&t->tls->pos, __ATOMIC_ACQUIRE);
	}
	pthread_mutex_unlock(&tbuf_lock);
	return head;
}

/* Drops a drained chunk's lines from every cache.  The collector has just
 * read them, so they sit in its core's cache; when the producer writes
 * the chunk again, each of its stores would first have to take the line
 * back from that core, and an atomic on the producer's path (a mutex, a
 * probe's sequence number) waits for those stores.  Fetched from memory
 * instead, the lines come in the order the producer writes them, which the
 * hardware prefetches: on the development VM this halves what a channel
 * event or a lock pair adds.  It only moves data: a line flushed while
 * still in use is read back, never lost. */
#if defined(__x86_64__)
/* clflushopt: the flushes of a chunk overlap (clflush runs them in turn). */
__attribute__((target("clflushopt")))
static void tbuf_evict_opt(uintptr_t l, uintptr_t end)
{
	for (; l < end; l += 64)
		__builtin_ia32_clflushopt((const void *)l);
}

static void tbuf_evict_plain(uintptr_t l, uintptr_t end)
{
	for (; l < end; l += 64)
		__builtin_ia32_clflush((const void *)l);
}

/* 1 when the CPU has clflushopt (CPUID.7.0:EBX bit 23), 0 when not. */
static int tbuf_flushopt = -1;
#endif

static void tbuf_chunk_evict(hpi_chunk *c)
{
#if defined(__x86_64__)
	uintptr_t l = (uintptr_t)c->recs & ~(uintptr_t)63, end = (uintptr_t)(c + 1);
	int opt = __atomic_load_n(&tbuf_flushopt, __ATOMIC_RELAXED);

	if (opt < 0) {
		unsigned a, b, cx, d;
		opt = __get_cpuid_count(7, 0, &a, &b, &cx, &d) && (b & (1u << 23));
		__atomic_store_n(&tbuf_flushopt, opt, __ATOMIC_RELAXED);
	}
	if (opt)
		tbuf_evict_opt(l, end);
	else
		tbuf_evict_plain(l, end);
#else
	(void)c;
#endif
}

/* Hands a drained chunk back to its producer. */
void hpi_tbuf_recycle(hpi_thread *t, hpi_chunk *c)
{
	hpi_chunk *old;

	if (t->snap_exited) { /* read under the list lock by the collector */
		free(c);
		return;
	}
	tbuf_chunk_evict(c);
	old = __atomic_load_n(&t->free, __ATOMIC_RELAXED);
	do
		c->free_next = old;
	while (!__atomic_compare_exchange_n(&t->free, &old, c, true,
	    __ATOMIC_RELEASE, __ATOMIC_RELAXED));
}

/* Frees a thread record and its chunks; the thread is gone. */
static void tbuf_free_thread(hpi_thread *t)
{
	hpi_chunk *c, *n;

	for (c = t->free; c != NULL; c = n) {
		n = c->free_next;
		free(c);
	}
	for (c = t->spare; c != NULL; c = n) {
		n = c->free_next;
		free(c);
	}
	for (c = t->rd_chunk; c != NULL; c = n) {
		n = c->next;
		free(c);
	}
	free(t->aside);
	free(t);
}

/* Unlinks exited threads whose records are all drained. */
void hpi_tbuf_reap(void)
{
	hpi_thread **pp, *t;

	pthread_mutex_lock(&tbuf_lock);
	for (pp = &tbuf_head; (t = *pp) != NULL;) {
		if (t->exited && t->snap_exited && t->rd == t->final_pos && t->seen != 1 &&
		    t->naside == 0) {
			*pp = t->next;
			tbuf_reaped_dropped += t->dropped;
			tbuf_free_thread(t);
		} else {
			pp = &t->next;
		}
	}
	pthread_mutex_unlock(&tbuf_lock);
}

/* Dropped records so far. */
uint64_t hpi_tbuf_dropped(void)
{
	uint64_t n;
	hpi_thread *t;

	pthread_mutex_lock(&tbuf_lock);
	n = tbuf_reaped_dropped;
	for (t = tbuf_head; t != NULL; t = t->next)
		n += __atomic_load_n(&t->dropped, __ATOMIC_RELAXED);
	pthread_mutex_unlock(&tbuf_lock);
	return n;
}

/* Resets the dropped counters for a new guard. */
static void tbuf_reset_dropped(void)
{
	hpi_thread *t;

	tbuf_reaped_dropped = 0;
	for (t = tbuf_head; t != NULL; t = t->next)
		__atomic_store_n(&t->dropped, 0, __ATOMIC_RELAXED);
}

/* Skips everything pending: a new guard starts from now. */
void hpi_tbuf_discard_all(void)
{
	hpi_thread *t;

	for (t = hpi_tbuf_snapshot(); t != NULL; t = t->next) {
		t->seen = 0; /* the new guard's plugins hear THREAD_START again */
		t->naside = 0;
		while (t->snap != NULL &&
		       !(t->snap >= t->rd_chunk->recs &&
			 t->snap <= t->rd_chunk->recs + HPI_CHUNK_RECS)) {
			hpi_chunk *c = t->rd_chunk;
			t->rd_chunk = __atomic_load_n(&c->next, __ATOMIC_ACQUIRE);
			hpi_tbuf_recycle(t, c);
		}
		t->rd = t->snap ? t->snap : t->rd;
	}
	pthread_mutex_lock(&tbuf_lock);
	tbuf_reset_dropped();
	pthread_mutex_unlock(&tbuf_lock);
	hpi_tbuf_reap();
}

/* With no collector running: frees the threads that exited and are
 * drained, so a program that profiled once keeps no buffers of dead
 * threads.  (Live threads keep their chunks: only they may count them.) */
void hpi_tbuf_trim(void)
{
	hpi_thread **pp, *t;

	pthread_mutex_lock(&tbuf_lock);
	for (pp = &tbuf_head; (t = *pp) != NULL;) {
		if (t->exited && t->rd == t->final_pos && t->naside == 0) {
			*pp = t->next;
			tbuf_reaped_dropped += t->dropped;
			tbuf_free_thread(t);
		} else {
			pp = &t->next;
		}
	}
	pthread_mutex_unlock(&tbuf_lock);
}

void hpi_tbuf_atfork_prepare(void)
{
	pthread_mutex_lock(&tbuf_lock);
}

void hpi_tbuf_atfork_parent(void)
{
	pthread_mutex_unlock(&tbuf_lock);
}

/* The child keeps no thread but the caller and profiles nothing until a
 * guard of its own; the parent's buffers are not the child's to report. */
void hpi_tbuf_atfork_child(void)
{
	hpi_thread *t, *next;

	pthread_mutex_init(&tbuf_lock, NULL);
	if (tbuf_key_made) /* the record it names is freed below */
		pthread_setspecific(tbuf_key, NULL);
	/* the parent's threads are not ours to drain, and none of them runs
	 * here: their buffers go back to malloc */
	for (t = tbuf_head; t != NULL; t = next) {
		next = t->next;
		tbuf_free_thread(t);
	}
	tbuf_head = NULL;
	tbuf_reaped_dropped = 0;
	tbuf_self = NULL;
	hp__tls.pos = NULL;
	hp__tls.end = NULL;
	/* the parent's counters: the child counts its own from its guard on */
	free(hp__tls.samp);
	hp__tls.samp = NULL;
	hp__tls.nsamp = 0;
	free(tbuf_samp_gone);
	tbuf_samp_gone = NULL;
	tbuf_samp_ngone = 0;
}
