/* SPDX-License-Identifier: MIT */
/*
 * hotpath/probes.h - locks (pthread wrappers and a probe for any
 * other lock), channels, streams and futures probes, values and gauges,
 * and HP_DBG's debug messages.
 * Part of hotpath.h, which includes it inside its `#ifdef HOTPATH` and
 * `extern "C"`; include <hotpath.h>.  The disabled twins are at the end
 * of hotpath.h.
 */
#ifndef HOTPATH_PROBES_H
#define HOTPATH_PROBES_H

#ifndef HOTPATH_H
#error "include <hotpath.h>, not <hotpath/probes.h>"
#endif

/* ---- locks: pthread wrappers and a probe for any other lock ------------- */

/* A probe: the timing state of one lock.  The wrappers embed one. */
typedef struct hp_lock_probe {
	hp_site site;
	uint64_t acq; /* tick of the current (exclusive) holder's acquisition */
} hp_lock_probe;

HP_API void hp__lock_probe_init(hp_lock_probe *p, const char *label, const char *file,
				int line);

/* The probe's site id, registering it on first use; 0 when not profiling. */
static inline HP_SKIP uint32_t hp__lock_id(hp_lock_probe *p)
{
	uint32_t id;

	if (!__builtin_expect(__atomic_load_n(&hp__rt.on, __ATOMIC_RELAXED), 1))
		return 0;
	id = __atomic_load_n(&p->site.id, __ATOMIC_ACQUIRE);
	return id ? id : hp__site_register(&p->site, NULL);
}

/* Tick before a blocking acquisition (0 when not profiling). */
static inline HP_SKIP uint64_t hp_lock_wait_begin(hp_lock_probe *p)
{
	return hp__lock_id(p) ? hp__now() : 0;
}

/* Records an acquisition; returns its tick (0 when not profiling). */
static inline HP_SKIP uint64_t hp__lock_note(hp_lock_probe *p, uint64_t wait_begin, int waited)
{
	uint32_t id = hp__lock_id(p);
	uint64_t t;

	if (id == 0)
		return 0;
	t = hp__now();
	if (waited && wait_begin)
		hp__record(id | ((uint32_t)HP__EV_LOCK_WAIT << HP__KIND_SHIFT), wait_begin, t);
	else
		hp__record(id | ((uint32_t)HP__EV_LOCK_ACQUIRE << HP__KIND_SHIFT), t, t);
	return t;
}

/* The lock was taken (exclusively); waited != 0 when the caller had to
 * wait since wait_begin.  Returns the acquisition tick. */
static inline HP_SKIP uint64_t hp_lock_acquired(hp_lock_probe *p, uint64_t wait_begin, int waited)
{
	return p->acq = hp__lock_note(p, wait_begin, waited);
}

/* The lock is about to be released by the holder whose acquisition tick is
 * acq (p->acq for exclusive locks). */
static inline HP_SKIP void hp_lock_released_at(hp_lock_probe *p, uint64_t acq)
{
	uint32_t id = __atomic_load_n(&p->site.id, __ATOMIC_RELAXED);

	if (id != 0 && acq != 0 && __atomic_load_n(&hp__rt.on, __ATOMIC_RELAXED))
		hp__record(id | ((uint32_t)HP__EV_LOCK_HOLD << HP__KIND_SHIFT), acq, hp__now());
}

/* Exclusive release: the hold started at p->acq. */
static inline HP_SKIP void hp_lock_released(hp_lock_probe *p)
{
	uint64_t acq = p->acq;

	p->acq = 0;
	hp_lock_released_at(p, acq);
}

typedef struct hp_mutex {
	pthread_mutex_t mu;
	hp_lock_probe probe;
} hp_mutex;

#ifdef PTHREAD_RWLOCK_INITIALIZER /* strict -std=c99 has no rwlocks */
typedef struct hp_rwlock {
	pthread_rwlock_t rw;
	hp_lock_probe probe;
} hp_rwlock;
#endif

#define HP_LOCK_PROBE_INITIALIZER(label) {{label, __FILE__, __LINE__, HP_SITE_LOCK, 0}, 0}
#define HP_MUTEX_INITIALIZER(label) {PTHREAD_MUTEX_INITIALIZER, HP_LOCK_PROBE_INITIALIZER(label)}
#define HP_RWLOCK_INITIALIZER(label) \
	{PTHREAD_RWLOCK_INITIALIZER, {{label, __FILE__, __LINE__, HP_SITE_RWLOCK, 0}, 0}}
#define hp_lock_probe_init(p, label) hp__lock_probe_init((p), (label), __FILE__, __LINE__)

/* Labels default to "<file>:<line>" of the init. */
#define hp_mutex_init(m, attr, label) hp__mutex_init((m), (attr), (label), __FILE__, __LINE__)
static inline HP_SKIP int hp__mutex_init(hp_mutex *m, const pthread_mutexattr_t *attr,
				 const char *label, const char *file, int line)
{
	hp__lock_probe_init(&m->probe, label, file, line);
	return pthread_mutex_init(&m->mu, attr);
}

/* Tries first: an uncontended lock costs one clock read more than plain. */
static inline HP_SKIP int hp_mutex_lock(hp_mutex *m)
{
	uint64_t w;
	int rv;

	if (!hp__lock_id(&m->probe))
		return pthread_mutex_lock(&m->mu);
	if ((rv = pthread_mutex_trylock(&m->mu)) == 0) {
		hp_lock_acquired(&m->probe, 0, 0);
		return 0;
	}
	if (rv != EBUSY)
		return rv;
	w = hp__now();
	if ((rv = pthread_mutex_lock(&m->mu)) == 0)
		hp_lock_acquired(&m->probe, w, 1);
	return rv;
}

static inline HP_SKIP int hp_mutex_trylock(hp_mutex *m)
{
	int rv = pthread_mutex_trylock(&m->mu);

	if (rv == 0)
		hp_lock_acquired(&m->probe, 0, 0);
	return rv;
}

static inline HP_SKIP int hp_mutex_unlock(hp_mutex *m)
{
	hp_lock_released(&m->probe);
	return pthread_mutex_unlock(&m->mu);
}

static inline HP_SKIP int hp_mutex_destroy(hp_mutex *m)
{
	return pthread_mutex_destroy(&m->mu);
}

#ifdef PTHREAD_RWLOCK_INITIALIZER
/* Read-write locks: writers as mutexes; readers, who hold together, keep
 * their acquisition tick in a small per-thread table (libhotpath). */
#define hp_rwlock_init(rw, attr, label) hp__rwlock_init((rw), (attr), (label), __FILE__, __LINE__)
static inline HP_SKIP int hp__rwlock_init(hp_rwlock *rw, const pthread_rwlockattr_t *attr,
				  const char *label, const char *file, int line)
{
	hp__lock_probe_init(&rw->probe, label, file, line);
	rw->probe.site.kind = HP_SITE_RWLOCK;
	return pthread_rwlock_init(&rw->rw, attr);
}
HP_API int hp_rwlock_rdlock(hp_rwlock *rw);
HP_API int hp_rwlock_tryrdlock(hp_rwlock *rw);
HP_API int hp_rwlock_wrlock(hp_rwlock *rw);
HP_API int hp_rwlock_trywrlock(hp_rwlock *rw);
HP_API int hp_rwlock_unlock(hp_rwlock *rw);
static inline HP_SKIP int hp_rwlock_destroy(hp_rwlock *rw)
{
	return pthread_rwlock_destroy(&rw->rw);
}
#endif

/* ---- channels: a probe for any queue (docs/channels.md) ------------------- */

/* The profiling state of one channel.  seq is written by every sender (one
 * shared cache line, like the channel's own state). */
typedef struct hp_channel_probe {
	hp_site site;
	int type;          /* hp_chan_type */
	size_t capacity;   /* 0 when unbounded */
	hp_msg_fmt fmt;    /* NULL: no message text in the log */
	uint32_t seq;      /* last message sequence number handed out */
	uint32_t rseq;     /* receives counted by hp_channel_received_fifo */
} hp_channel_probe;

HP_API void hp__channel_probe_init(hp_channel_probe *p, const char *label, int type,
				   size_t capacity, hp_msg_fmt fmt, const char *file,
				   int line);
HP_API uint32_t hp__channel_register(hp_channel_probe *p);
HP_API void hp__channel_text(hp_channel_probe *p, uint32_t id, uint32_t seq,
			     const void *msg);

/* The probe's site id, registering it on first use; 0 when not profiling. */
static inline HP_SKIP uint32_t hp__channel_id(hp_channel_probe *p)
{
	uint32_t id;

	if (!__builtin_expect(__atomic_load_n(&hp__rt.on, __ATOMIC_RELAXED), 1))
		return 0;
	id = __atomic_load_n(&p->site.id, __ATOMIC_ACQUIRE);
	return id ? id : hp__channel_register(p);
}

/* Payload of a send or receive: sequence in the low 32 bits, bytes
 * (saturated) in the high 32. */
static inline HP_SKIP uint64_t hp__channel_pay(uint32_t seq, size_t bytes)
{
	uint64_t b = bytes > 0xffffffffu ? 0xffffffffu : (uint64_t)bytes;

	return (uint64_t)seq | b << 32;
}

/* A message of `bytes` bytes was put into the channel; msg (may be NULL)
 * goes to the formatter.  Returns the message's sequence number, which a
 * receiver hands back to hp_channel_received for the send-to-receive delay
 * (0 when not profiling). */
static inline HP_SKIP uint32_t hp_channel_sent(hp_channel_probe *p, const void *msg, size_t bytes)
{
	uint32_t id = hp__channel_id(p), seq;

	if (id == 0)
		return 0;
	seq = __atomic_add_fetch(&p->seq, 1, __ATOMIC_RELAXED);
	hp__record_pay(id | ((uint32_t)HP__EV_CHAN_SEND << HP__KIND_SHIFT), hp__now(),
		       hp__channel_pay(seq, bytes));
	if (p->fmt != NULL && msg != NULL)
		hp__channel_text(p, id, seq, msg);
	return seq;
}

/* A message was taken out; seq is what hp_channel_sent returned for it, or
 * 0 when unknown (counted, no delay). */
static inline HP_SKIP void hp_channel_received(hp_channel_probe *p, size_t bytes, uint32_t seq)
{
	uint32_t id = hp__channel_id(p);

	if (id != 0)
		hp__record_pay(id | ((uint32_t)HP__EV_CHAN_RECV << HP__KIND_SHIFT), hp__now(),
			       hp__channel_pay(seq, bytes));
}

/* A message was taken out of a FIFO queue that carries no sequence
 * number (a pipe, a POSIX message queue of one priority): the n-th receive
 * is matched to the n-th send.  Exact with one producer; with several, a
 * send's number and its place in the queue may differ slightly. */
static inline HP_SKIP void hp_channel_received_fifo(hp_channel_probe *p, size_t bytes)
{
	uint32_t id = hp__channel_id(p);

	if (id != 0)
		hp__record_pay(id | ((uint32_t)HP__EV_CHAN_RECV << HP__KIND_SHIFT), hp__now(),
			       hp__channel_pay(__atomic_add_fetch(&p->rseq, 1, __ATOMIC_RELAXED),
					       bytes));
}

/* The channel was closed. */
static inline HP_SKIP void hp_channel_closed(hp_channel_probe *p)
{
	uint32_t id = hp__channel_id(p);

	if (id != 0) {
		uint64_t t = hp__now();
		hp__record(id | ((uint32_t)HP__EV_CHAN_CLOSE << HP__KIND_SHIFT), t, t);
	}
}

#define HP_CHANNEL_PROBE_INITIALIZER(label, type, capacity, fmt) \
	{{label, __FILE__, __LINE__, HP_SITE_CHANNEL, 0}, type, capacity, fmt, 0, 0}
/* Label NULL: "<file>:<line>" of the init. */
#define hp_channel_probe_init(p, label, type, capacity, fmt) \
	hp__channel_probe_init((p), (label), (type), (capacity), (fmt), __FILE__, __LINE__)

/* ---- streams and futures: probes (docs/streams-futures.md) -------------- */

typedef struct hp_stream_probe {
	hp_site site;
	hp_msg_fmt fmt;    /* NULL: no item text in the log */
} hp_stream_probe;

typedef struct hp_future_probe {
	hp_site site;
	hp_msg_fmt fmt;    /* NULL: no result text in the log */
	uint32_t seq;      /* last call number handed out */
} hp_future_probe;

/* One call of a future: a value the caller keeps until ready or cancel. */
typedef struct hp_future {
	hp_future_probe *p;
	uint32_t id;       /* site id, 0 when not profiled */
	uint32_t call;
} hp_future;

HP_API uint32_t hp__probe_register(hp_site *site);
HP_API void hp__text(hp_msg_fmt fmt, uint32_t id, const void *msg);

/* The site id of a stream or future probe; 0 when not profiling. */
static inline HP_SKIP uint32_t hp__probe_id(hp_site *site)
{
	uint32_t id;

	if (!__builtin_expect(__atomic_load_n(&hp__rt.on, __ATOMIC_RELAXED), 1))
		return 0;
	id = __atomic_load_n(&site->id, __ATOMIC_ACQUIRE);
	return id ? id : hp__probe_register(site);
}

/* A record time meaning "stamp me when drained" (untimed stream items). */
#define HP__T_UNTIMED UINT64_MAX

/* The stream yielded an item (item may be NULL; it goes to the formatter). */
static inline HP_SKIP void hp_stream_yield(hp_stream_probe *p, const void *item)
{
	uint32_t id = hp__probe_id(&p->site);

	if (id != 0) {
		uint32_t tag = id | ((uint32_t)HP__EV_STREAM_ITEM << HP__KIND_SHIFT);
		if (p->fmt != NULL && item != NULL) {
			uint64_t t = hp__now();
			hp__record(tag, t, t);
			hp__text(p->fmt, id, item);
		} else {
			/* no text to place in time: the collector stamps the item
			 * with the pass that drains it, and no clock is read here */
			hp__record(tag, HP__T_UNTIMED, HP__T_UNTIMED);
		}
	}
}

/* The stream ended. */
static inline HP_SKIP void hp_stream_closed(hp_stream_probe *p)
{
	uint32_t id = hp__probe_id(&p->site);

	if (id != 0) {
		uint64_t t = hp__now();
		hp__record(id | ((uint32_t)HP__EV_STREAM_CLOSE << HP__KIND_SHIFT), t, t);
	}
}

/* A new call of the future (an asynchronous operation starts). */
static inline HP_SKIP hp_future hp_future_begin(hp_future_probe *p)
{
	hp_future f;

	f.p = p;
	f.call = 0;
	if ((f.id = hp__probe_id(&p->site)) != 0) {
		f.call = __atomic_add_fetch(&p->seq, 1, __ATOMIC_RELAXED);
		hp__record_pay(f.id | ((uint32_t)HP__EV_FUTURE_CREATE << HP__KIND_SHIFT),
			       hp__now(), f.call);
	}
	return f;
}

/* A poll (or resumption) starts; returns its tick for hp_future_poll_end. */
static inline HP_SKIP uint64_t hp_future_poll_begin(const hp_future *f)
{
	return f->id ? hp__now() : 0;
}

/* The poll that began at t0 returned.  Its duration travels in ticks,
 * saturated at 2^32 - 1. */
static inline HP_SKIP void hp_future_poll_end(const hp_future *f, uint64_t t0)
{
	if (f->id != 0 && t0 != 0 && __atomic_load_n(&hp__rt.on, __ATOMIC_RELAXED)) {
		uint64_t dt = hp__now() - t0;
		if (dt > 0xffffffffu)
			dt = 0xffffffffu;
		hp__record_pay(f->id | ((uint32_t)HP__EV_FUTURE_POLL << HP__KIND_SHIFT), t0,
			       (uint64_t)f->call | dt << 32);
	}
}

/* The call completed; result (may be NULL) goes to the formatter. */
static inline HP_SKIP void hp_future_ready(const hp_future *f, const void *result)
{
	if (f->id != 0 && __atomic_load_n(&hp__rt.on, __ATOMIC_RELAXED)) {
		hp__record_pay(f->id | ((uint32_t)HP__EV_FUTURE_READY << HP__KIND_SHIFT),
			       hp__now(), f->call);
		if (f->p->fmt != NULL && result != NULL)
			hp__text(f->p->fmt, f->id, result);
	}
}

/* The call was cancelled. */
static inline HP_SKIP void hp_future_cancelled(const hp_future *f)
{
	if (f->id != 0 && __atomic_load_n(&hp__rt.on, __ATOMIC_RELAXED))
		hp__record_pay(f->id | ((uint32_t)HP__EV_FUTURE_CANCEL << HP__KIND_SHIFT),
			       hp__now(), f->call);
}

#define HP_STREAM_PROBE_INITIALIZER(label, fmt) \
	{{label, __FILE__, __LINE__, HP_SITE_STREAM, 0}, fmt}
#define HP_FUTURE_PROBE_INITIALIZER(label, fmt) \
	{{label, __FILE__, __LINE__, HP_SITE_FUTURE, 0}, fmt, 0}

/* ---- values and gauges: the program's own numbers (docs/values.md) ----- */

/* A gauge or value record: one record when the value fits 32 bits
 * (HP__VAL_SHORT), else a payload pair with its 64 bits as they are.  Not
 * profiling: nothing. */
static inline HP_SKIP void hp__value(hp_site *site, uint32_t kind, int64_t v)
{
	uint32_t id;
	uint64_t t;

	if (!__builtin_expect(__atomic_load_n(&hp__rt.on, __ATOMIC_RELAXED), 1))
		return;
	id = __atomic_load_n(&site->id, __ATOMIC_ACQUIRE);
	if (__builtin_expect(id == 0, 0) && (id = hp__probe_register(site)) == 0)
		return;
	t = hp__now();
	if (__builtin_expect(v == (int32_t)v, 1))
		/* dt = (uint32_t)v; 0xffffffff (-1) takes hp__record's
		 * extended form, which reads back the same */
		hp__record(id | (kind | HP__VAL_SHORT) << HP__KIND_SHIFT, t,
			   t + (uint32_t)v);
	else
		hp__record_pay(id | kind << HP__KIND_SHIFT, t, (uint64_t)v);
}

#define HP__VALUE(name, kind_, skind, v)                                          \
	do {                                                                      \
		static hp_site hp__vsite_ = {name, __FILE__, __LINE__, skind, 0}; \
		hp__value(&hp__vsite_, (uint32_t)(kind_), (int64_t)(v));          \
	} while (0)
/* The gauge name (a string constant) is now v (an integer). */
#define HP_GAUGE(name, v) HP__VALUE(name, HP__EV_GAUGE_SET, HP_SITE_GAUGE, v)
/* The gauge name goes up by d (down when negative). */
#define HP_GAUGE_ADD(name, d) HP__VALUE(name, HP__EV_GAUGE_ADD, HP_SITE_GAUGE, d)
/* One more value of name: its last ones are kept with thread and time. */
#define HP_VAL(name, v) HP__VALUE(name, HP__EV_VALUE, HP_SITE_VALUE, v)

/* ---- debug messages: HP_DBG (docs/values.md) --------------------------- */

/* What an HP_DBG argument is to the collector, which formats the message:
 * its 64 bits and one of these. */
enum { HP__DBG_INT = 0, HP__DBG_DBL = 1, HP__DBG_STR = 2, HP__DBG_PTR = 3 };
#define HP__DBG_MAXARGS 8
/* Copies the arguments (strings: their first 64 bytes) into the thread's
 * buffer as one group of records (core/debug.c). */
HP_API void hp__dbg(hp_site *site, uint32_t kinds, uint32_t n, const uint64_t *w);
static inline HP_SKIP __attribute__((format(printf, 1, 2))) void hp__dbg_check(const char *f, ...)
{
	(void)f;
}
static inline HP_SKIP uint64_t hp__dbg_i(long long v) { return (uint64_t)v; }
static inline HP_SKIP uint64_t hp__dbg_u(unsigned long long v) { return (uint64_t)v; }
static inline HP_SKIP uint64_t hp__dbg_d(double v)
{
	uint64_t w;

	__builtin_memcpy(&w, &v, sizeof(w));
	return w;
}
static inline HP_SKIP uint64_t hp__dbg_s(const char *s) { return (uint64_t)(uintptr_t)s; }
static inline HP_SKIP uint64_t hp__dbg_p(const volatile void *p) { return (uint64_t)(uintptr_t)p; }

#ifdef __cplusplus
/* The same by overloads: integers, floating, strings, other pointers. */
extern "C++" {
#define HP__DBG_OVL(T, w, k) \
	static inline HP_SKIP uint64_t hp__dbg_w(T v) { return w; } \
	static inline HP_SKIP uint32_t hp__dbg_k(T) { return k; }
HP__DBG_OVL(bool, v, HP__DBG_INT)
HP__DBG_OVL(char, hp__dbg_i(v), HP__DBG_INT)
HP__DBG_OVL(signed char, hp__dbg_i(v), HP__DBG_INT)
HP__DBG_OVL(unsigned char, v, HP__DBG_INT)
HP__DBG_OVL(short, hp__dbg_i(v), HP__DBG_INT)
HP__DBG_OVL(unsigned short, v, HP__DBG_INT)
HP__DBG_OVL(int, hp__dbg_i(v), HP__DBG_INT)
HP__DBG_OVL(unsigned, v, HP__DBG_INT)
HP__DBG_OVL(long, hp__dbg_i(v), HP__DBG_INT)
HP__DBG_OVL(unsigned long, v, HP__DBG_INT)
HP__DBG_OVL(long long, hp__dbg_i(v), HP__DBG_INT)
HP__DBG_OVL(unsigned long long, v, HP__DBG_INT)
HP__DBG_OVL(float, hp__dbg_d(v), HP__DBG_DBL)
HP__DBG_OVL(double, hp__dbg_d(v), HP__DBG_DBL)
HP__DBG_OVL(long double, hp__dbg_d((double)v), HP__DBG_DBL)
HP__DBG_OVL(const char *, hp__dbg_s(v), HP__DBG_STR)
HP__DBG_OVL(const volatile void *, hp__dbg_p(v), HP__DBG_PTR)
#undef HP__DBG_OVL
}
#define HP__DBG_W(x) hp__dbg_w(x)
#define HP__DBG_K(x) hp__dbg_k(x)
#else
/* An argument's 64 bits, by its type; a string is its pointer here, and
 * hp__dbg copies its bytes. */
#define HP__DBG_W(x)                                                                   \
	__extension__ _Generic((x), float: hp__dbg_d, double: hp__dbg_d, long double: hp__dbg_d,      \
		 char *: hp__dbg_s, const char *: hp__dbg_s, _Bool: hp__dbg_u,           \
		 char: hp__dbg_i, signed char: hp__dbg_i, unsigned char: hp__dbg_u,      \
		 short: hp__dbg_i, unsigned short: hp__dbg_u, int: hp__dbg_i,            \
		 unsigned: hp__dbg_u, long: hp__dbg_i, unsigned long: hp__dbg_u,         \
		 long long: hp__dbg_i, unsigned long long: hp__dbg_u,                    \
		 default: hp__dbg_p)(x)
/* Its HP__DBG_* (x is not evaluated). */
#define HP__DBG_K(x)                                                                   \
	(__extension__ _Generic((x), float: HP__DBG_DBL, double: HP__DBG_DBL, long double: HP__DBG_DBL, \
		 char *: HP__DBG_STR, const char *: HP__DBG_STR, _Bool: HP__DBG_INT,     \
		 char: HP__DBG_INT, signed char: HP__DBG_INT, unsigned char: HP__DBG_INT, \
		 short: HP__DBG_INT, unsigned short: HP__DBG_INT, int: HP__DBG_INT,      \
		 unsigned: HP__DBG_INT, long: HP__DBG_INT, unsigned long: HP__DBG_INT,   \
		 long long: HP__DBG_INT, unsigned long long: HP__DBG_INT,                \
		 default: HP__DBG_PTR))
#endif

/* The number of HP_DBG arguments after the format: 0 to 8 (9 to 24 name
 * the mistake in the compiler's error).  Plain C99 variadic macros: the
 * format is the first of __VA_ARGS__. */
#define HP__DBG_9 _more_than_8_arguments_to_HP_DBG
#define HP__DBG_NARG(...) HP__DBG_NARG_(__VA_ARGS__, HP__DBG_9, HP__DBG_9, HP__DBG_9,      \
	HP__DBG_9, HP__DBG_9, HP__DBG_9, HP__DBG_9, HP__DBG_9, HP__DBG_9, HP__DBG_9,      \
	HP__DBG_9, HP__DBG_9, HP__DBG_9, HP__DBG_9, HP__DBG_9, HP__DBG_9, 8, 7, 6, 5, 4, \
	3, 2, 1, 0, ~)
#define HP__DBG_NARG_(f, a1, a2, a3, a4, a5, a6, a7, a8, a9, a10, a11, a12, a13, a14,     \
	a15, a16, a17, a18, a19, a20, a21, a22, a23, a24, n, ...) n
#define HP__DBG_FMT(...) HP__DBG_FMT_(__VA_ARGS__, ~)
#define HP__DBG_FMT_(f, ...) f
#define HP__DBG_KW0(k, w, f)
#define HP__DBG_KW1(k, w, f, a) k |= HP__DBG_K(a); w[0] = HP__DBG_W(a);
#define HP__DBG_KW2(k, w, f, a, b) HP__DBG_KW1(k, w, f, a) k |= HP__DBG_K(b) << 2; \
	w[1] = HP__DBG_W(b);
#define HP__DBG_KW3(k, w, f, a, b, c) HP__DBG_KW2(k, w, f, a, b) k |= HP__DBG_K(c) << 4; \
	w[2] = HP__DBG_W(c);
#define HP__DBG_KW4(k, w, f, a, b, c, d) HP__DBG_KW3(k, w, f, a, b, c)                \
	k |= HP__DBG_K(d) << 6; w[3] = HP__DBG_W(d);
#define HP__DBG_KW5(k, w, f, a, b, c, d, e) HP__DBG_KW4(k, w, f, a, b, c, d)          \
	k |= HP__DBG_K(e) << 8; w[4] = HP__DBG_W(e);
#define HP__DBG_KW6(k, w, f, a, b, c, d, e, g) HP__DBG_KW5(k, w, f, a, b, c, d, e)    \
	k |= HP__DBG_K(g) << 10; w[5] = HP__DBG_W(g);
#define HP__DBG_KW7(k, w, f, a, b, c, d, e, g, h) HP__DBG_KW6(k, w, f, a, b, c, d, e, g) \
	k |= HP__DBG_K(h) << 12; w[6] = HP__DBG_W(h);
#define HP__DBG_KW8(k, w, f, a, b, c, d, e, g, h, i)                                  \
	HP__DBG_KW7(k, w, f, a, b, c, d, e, g, h) k |= HP__DBG_K(i) << 14;             \
	w[7] = HP__DBG_W(i);
#define HP__DBG_KW(n, ...) HP__CAT(HP__DBG_KW, n)(__VA_ARGS__)
#define HP__DBG(n, ...)                                                                \
	do {                                                                           \
		static hp_site hp__dsite_ = {HP__DBG_FMT(__VA_ARGS__), __FILE__, __LINE__, \
					     HP_SITE_DEBUG, 0};                        \
		if (0)                                                                 \
			hp__dbg_check(__VA_ARGS__);                                    \
		if (__builtin_expect(__atomic_load_n(&hp__rt.on, __ATOMIC_RELAXED), 0)) { \
			uint32_t hp__dk_ = 0;                                          \
			uint64_t hp__dw_[(n) + 1];                                     \
			HP__DBG_KW(n, hp__dk_, hp__dw_, __VA_ARGS__)                   \
			hp__dbg(&hp__dsite_, hp__dk_, (n), hp__dw_);                   \
		}                                                                      \
	} while (0)
/* A debug message: HP_DBG(fmt, ...), fmt a printf format string literal
 * with at most 8 arguments; the calling thread only copies them (strings:
 * their first 64 bytes), the collector formats.  %n is never obeyed. */
#define HP_DBG(...) HP__DBG(HP__DBG_NARG(__VA_ARGS__), __VA_ARGS__)

#endif /* HOTPATH_PROBES_H */
