/* SPDX-License-Identifier: MIT */
/*
 * hotpath/chan.h - hp_chan, a ready-made channel: bounded, unbounded and
 * oneshot; blocking send and recv, try_send, try_recv, recv with a timeout;
 * Go-like close; many producers and consumers.  Messages are copied in and
 * out (elem_size bytes each).
 *
 * Included by hotpath.h.  The implementation is inline, so a program built
 * without -DHOTPATH gets a plain channel and needs no libhotpath; with
 * -DHOTPATH it reports to the channels table (docs/channels.md).  Profiling
 * adds no buffering: try_send is full at the same moment either way.
 *
 * Needs POSIX 2001 (pthread_condattr_setclock, clock_gettime): not declared
 * under a strict -std=c99 without _POSIX_C_SOURCE.
 */
#ifndef HOTPATH_CHAN_H
#define HOTPATH_CHAN_H

#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#ifndef HP_SKIP /* as in hotpath.h: this header may come first */
#if defined(__GNUC__)
#define HP_SKIP __attribute__((no_instrument_function))
#else
#define HP_SKIP
#endif
#endif

#ifdef PTHREAD_RWLOCK_INITIALIZER /* stands for "POSIX 2001 is declared" */

#ifdef __cplusplus
extern "C" {
#endif

typedef struct hp_chan {
	pthread_mutex_t mu;
	pthread_cond_t can_recv, can_send;
	unsigned char *buf;  /* cap messages of elem bytes, a ring */
	uint32_t *seqs;      /* each message's probe sequence (0 unprofiled) */
	size_t elem, cap, head, len;
	int type;            /* hp_chan_type */
	int closed;
	hp_channel_probe probe;
} hp_chan;

/* New channel of type (hp_chan_type) for messages of elem bytes; capacity
 * is used by HP_CHAN_BOUNDED only (>= 1).  label NULL: "<file>:<line>" of
 * the call.  NULL on a bad argument or out of memory.  Free with
 * hp_chan_free. */
#define hp_chan_new(type, elem, capacity, label) \
	hp__chan_new((type), (elem), (capacity), (label), __FILE__, __LINE__)

static inline HP_SKIP hp_chan *hp__chan_new(int type, size_t elem, size_t capacity,
				    const char *label, const char *file, int line)
{
	hp_chan *c;
	pthread_condattr_t ca;
	size_t cap = type == HP_CHAN_BOUNDED ? capacity : type == HP_CHAN_ONESHOT ? 1 : 16;

	if (elem == 0 || cap == 0 || (type < HP_CHAN_BOUNDED || type > HP_CHAN_ONESHOT))
		return NULL;
	if ((c = (hp_chan *)calloc(1, sizeof(*c))) == NULL)
		return NULL;
	c->buf = (unsigned char *)malloc(cap * elem);
	c->seqs = (uint32_t *)calloc(cap, sizeof(uint32_t));
	if (c->buf == NULL || c->seqs == NULL) {
		free(c->buf);
		free(c->seqs);
		free(c);
		return NULL;
	}
	c->elem = elem;
	c->cap = cap;
	c->type = type;
	pthread_mutex_init(&c->mu, NULL);
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&c->can_recv, &ca);
	pthread_cond_init(&c->can_send, &ca);
	pthread_condattr_destroy(&ca);
#ifdef HOTPATH
	hp__channel_probe_init(&c->probe, label, type, capacity, NULL, file, line);
#else
	(void)label;
	(void)file;
	(void)line;
#endif
	return c;
}

/* Same, with a formatter for the message log (hotpath.h hp_msg_fmt). */
#ifdef HOTPATH
#define hp_chan_set_formatter(c, f) ((c)->probe.fmt = (f))
#else
#define hp_chan_set_formatter(c, f) ((void)sizeof(&(f))) /* f counts as used */
#endif

/* Frees c; no thread may be using it.  NULL is a no-op. */
static inline HP_SKIP void hp_chan_free(hp_chan *c)
{
	if (c == NULL)
		return;
	pthread_cond_destroy(&c->can_recv);
	pthread_cond_destroy(&c->can_send);
	pthread_mutex_destroy(&c->mu);
	free(c->buf);
	free(c->seqs);
	free(c);
}

/* Doubles an unbounded channel's ring (lock held); 0 or HP_ENOMEM. */
static inline HP_SKIP int hp__chan_grow(hp_chan *c)
{
	size_t cap = c->cap * 2;
	unsigned char *b = (unsigned char *)malloc(cap * c->elem);
	uint32_t *s = (uint32_t *)malloc(cap * sizeof(uint32_t));

	if (b == NULL || s == NULL) {
		free(b);
		free(s);
		return HP_ENOMEM;
	}
	for (size_t i = 0; i < c->len; i++) {
		size_t k = (c->head + i) % c->cap;
		memcpy(b + i * c->elem, c->buf + k * c->elem, c->elem);
		s[i] = c->seqs[k];
	}
	free(c->buf);
	free(c->seqs);
	c->buf = b;
	c->seqs = s;
	c->cap = cap;
	c->head = 0;
	return 0;
}

/* Puts msg in (lock held, room checked). */
static inline HP_SKIP void hp__chan_put(hp_chan *c, const void *msg)
{
	size_t k = (c->head + c->len) % c->cap;

	memcpy(c->buf + k * c->elem, msg, c->elem);
	c->seqs[k] = hp_channel_sent(&c->probe, msg, c->elem);
	c->len++;
	if (c->type == HP_CHAN_ONESHOT) { /* its one message: closed to senders */
		c->closed = 1;
		hp_channel_closed(&c->probe);
	}
	pthread_cond_signal(&c->can_recv);
}

/* Takes the oldest message out (lock held, len > 0).  The receive is
 * recorded here, under the lock like the send: recorded after the unlock,
 * a sender could fill the freed slot first, and a drain between the two
 * would count capacity + 1 queued (docs/channels.md). */
static inline HP_SKIP void hp__chan_take(hp_chan *c, void *out)
{
	uint32_t seq = c->seqs[c->head];

	memcpy(out, c->buf + c->head * c->elem, c->elem);
	c->head = (c->head + 1) % c->cap;
	c->len--;
	hp_channel_received(&c->probe, c->elem, seq);
	(void)seq;
	pthread_cond_signal(&c->can_send);
}

/* Room for one more (lock held): grows an unbounded channel. */
static inline HP_SKIP int hp__chan_room(hp_chan *c)
{
	if (c->len < c->cap)
		return 1;
	return c->type == HP_CHAN_UNBOUNDED && hp__chan_grow(c) == 0;
}

/* Sends a copy of msg, waiting while a bounded channel is full.  0, or
 * HP_ECLOSED (closed, or a oneshot that has sent), or HP_ENOMEM. */
static inline HP_SKIP int hp_chan_send(hp_chan *c, const void *msg)
{
	pthread_mutex_lock(&c->mu);
	while (!c->closed && !hp__chan_room(c)) {
		if (c->type == HP_CHAN_UNBOUNDED) {
			pthread_mutex_unlock(&c->mu);
			return HP_ENOMEM;
		}
		pthread_cond_wait(&c->can_send, &c->mu);
	}
	if (c->closed) {
		pthread_mutex_unlock(&c->mu);
		return HP_ECLOSED;
	}
	hp__chan_put(c, msg);
	pthread_mutex_unlock(&c->mu);
	return 0;
}

/* Sends without waiting: 0, HP_EFULL, HP_ECLOSED or HP_ENOMEM. */
static inline HP_SKIP int hp_chan_try_send(hp_chan *c, const void *msg)
{
	int rv = 0;

	pthread_mutex_lock(&c->mu);
	if (c->closed)
		rv = HP_ECLOSED;
	else if (!hp__chan_room(c))
		rv = c->type == HP_CHAN_UNBOUNDED ? HP_ENOMEM : HP_EFULL;
	else
		hp__chan_put(c, msg);
	pthread_mutex_unlock(&c->mu);
	return rv;
}

/* Receives into out (elem bytes), waiting until ms milliseconds have
 * passed (ms < 0: forever).  0, HP_ETIMEDOUT, or HP_ECLOSED once the
 * channel is closed and drained. */
static inline HP_SKIP int hp__chan_recv(hp_chan *c, void *out, long ms)
{
	struct timespec dl;
	if (ms > 0) {
		clock_gettime(CLOCK_MONOTONIC, &dl);
		dl.tv_sec += ms / 1000;
		dl.tv_nsec += (ms % 1000) * 1000000L;
		if (dl.tv_nsec >= 1000000000L) {
			dl.tv_sec++;
			dl.tv_nsec -= 1000000000L;
		}
	}
	pthread_mutex_lock(&c->mu);
	while (c->len == 0 && !c->closed) {
		if (ms == 0 ||
		    (ms > 0 && pthread_cond_timedwait(&c->can_recv, &c->mu, &dl) != 0 &&
		     c->len == 0 && !c->closed)) {
			pthread_mutex_unlock(&c->mu);
			return ms == 0 ? HP_EEMPTY : HP_ETIMEDOUT;
		}
		if (ms < 0)
			pthread_cond_wait(&c->can_recv, &c->mu);
	}
	if (c->len == 0) {
		pthread_mutex_unlock(&c->mu);
		return HP_ECLOSED;
	}
	hp__chan_take(c, out);
	pthread_mutex_unlock(&c->mu);
	return 0;
}

/* Receives, waiting for a message: 0, or HP_ECLOSED when closed and drained. */
static inline HP_SKIP int hp_chan_recv(hp_chan *c, void *out)
{
	return hp__chan_recv(c, out, -1);
}

/* Receives without waiting: 0, HP_EEMPTY, or HP_ECLOSED. */
static inline HP_SKIP int hp_chan_try_recv(hp_chan *c, void *out)
{
	return hp__chan_recv(c, out, 0);
}

/* Receives, waiting at most ms milliseconds: 0, HP_ETIMEDOUT, HP_ECLOSED. */
static inline HP_SKIP int hp_chan_recv_timeout(hp_chan *c, void *out, unsigned long ms)
{
	int rv = hp__chan_recv(c, out, ms == 0 ? 0 : (long)ms);

	return rv == HP_EEMPTY ? HP_ETIMEDOUT : rv;
}

/* Closes c: senders get HP_ECLOSED, receivers drain what is queued, then
 * get HP_ECLOSED; every waiter wakes.  0, or HP_ECLOSED when it was closed. */
static inline HP_SKIP int hp_chan_close(hp_chan *c)
{
	int was;

	pthread_mutex_lock(&c->mu);
	was = c->closed;
	c->closed = 1;
	if (!was)
		hp_channel_closed(&c->probe);
	pthread_cond_broadcast(&c->can_recv);
	pthread_cond_broadcast(&c->can_send);
	pthread_mutex_unlock(&c->mu);
	return was ? HP_ECLOSED : 0;
}

/* Messages queued now. */
static inline HP_SKIP size_t hp_chan_len(hp_chan *c)
{
	size_t n;

	pthread_mutex_lock(&c->mu);
	n = c->len;
	pthread_mutex_unlock(&c->mu);
	return n;
}

#ifdef __cplusplus
}
#endif

#endif /* PTHREAD_RWLOCK_INITIALIZER */
#endif /* HOTPATH_CHAN_H */
