/* SPDX-License-Identifier: MIT */
/*
 * hotpath/record.h - the hot path's internals: the record a
 * measured call writes, the thread's buffer, the clock, the scope macros'
 * inline halves (names may change; use hotpath.h's macros).
 * Part of hotpath.h, which includes it inside its `#ifdef HOTPATH` and
 * `extern "C"`; include <hotpath.h>.  The disabled twins are at the end
 * of hotpath.h.
 */
#ifndef HOTPATH_RECORD_H
#define HOTPATH_RECORD_H

#ifndef HOTPATH_H
#error "include <hotpath.h>, not <hotpath/record.h>"
#endif

/* ---- hot path internals (names may change; use the macros) ---------- */

struct hp__rec {
	uint64_t t;    /* start tick */
	uint32_t site; /* site id in the low 24 bits, event kind in the top 8 */
	uint32_t dt;   /* duration in ticks, 0xffffffff = extended */
};
#define HP__KIND_SHIFT 24
/* A measured call's kind byte: HP__SCOPE_KIND, HP__SCOPE_REC for an
 * auto-instrumented call made while its function was already open on the
 * thread, and the call's nesting depth among measured calls on its thread
 * modulo 64 (the collector rebuilds the call tree from it; docs/calls.md). */
#define HP__SCOPE_KIND 0x80u
#define HP__SCOPE_REC 0x40u
#define HP__DEPTH_MASK 0x3fu
/* The tag bits of a measured call at depth d. */
#define HP__DEPTH_TAG(d) ((HP__SCOPE_KIND | ((uint32_t)(d) & HP__DEPTH_MASK)) << HP__KIND_SHIFT)
#define HP__EV_ENUM(name, value, payload, doc) HP__EV_##name = value,
enum { HP__EV_MAP(HP__EV_ENUM) HP__EV_END };
#undef HP__EV_ENUM
/* Whether a payload type is written as a payload pair. */
#define HP__EV_PAIR_NONE 0
#define HP__EV_PAIR_DUR 0
#define HP__EV_PAIR_MSG 1
#define HP__EV_PAIR_CALL 1
#define HP__EV_PAIR_TEXT 1
#define HP__EV_PAIR_BYTES 1
#define HP__EV_PAIR_VALUE 1
#define HP__EV_PAIR_DATA 0
#define HP__EV_PAIR_IO 1
#define HP__EV_PAIR_WORDS 1
#define HP__EV_PAIRBIT(name, value, payload, doc) \
	| (HP__EV_PAIR_##payload ? UINT64_C(1) << (value) : 0)
/* The kinds written in the payload form. */
#define HP__EV_PAYLOAD_KINDS (UINT64_C(0) HP__EV_MAP(HP__EV_PAIRBIT))

/* A VALUE kind's record whose value fits 32 bits: one record
 * {t, tag | HP__VAL_SHORT << HP__KIND_SHIFT, (uint32_t)value}, the value
 * sign-extended from dt, instead of a payload pair (record format 2). */
#define HP__VAL_SHORT 0x40u

/* The layout of the records this header writes (struct hp__rec, the kinds
 * above and their payload forms).  HP_MAIN and hp_guard_builder_new() hand
 * it to the library, which profiles nothing when it reads another one.
 * Format 2 added HP__VAL_SHORT; the library still reads format 1, which
 * is format 2 without it. */
#ifndef HP__REC_FORMAT
#define HP__REC_FORMAT 2
#endif

/* A sampled site's state on one thread (docs/sampling.md).  Written by
 * its thread only; the collector reads calls under the thread list lock. */
struct hp__samp {
	uint64_t calls; /* calls counted while profiling, timed ones included */
	uint32_t left;  /* calls until the next timed one; 0 = not set up yet,
			 * HP__SAMP_EXACT = every call is timed */
	uint32_t rate;  /* 1 in rate is timed; 0 = none */
};
#define HP__SAMP_EXACT UINT32_MAX
/* HP_MEASURE_SAMPLED's n when there is none: the configured rate. */
#define HP__SAMP_DEFAULT UINT32_MAX

struct hp__tls {
	struct hp__rec *pos; /* next free record; published to the collector */
	struct hp__rec *end; /* end of the current chunk */
	uint32_t depth;      /* measured calls open on this thread */
	uint32_t nsamp;      /* entries of samp: site ids below it have one */
	struct hp__samp *samp; /* by site id; owned by libhotpath */
};

struct hp__rt {
	int on;  /* a guard is profiling: HP__ON, | HP__ON_ALLOC when it also
		  * tracks allocations */
	int tsc; /* hp__now() may read the TSC directly */
};
#define HP__ON 1
#define HP__ON_ALLOC 2
#define HP__ON_SAMPLE 4 /* collectors.timing.sample or .sample_sites is set */
#define HP__ON_IO 8      /* libhotpath-io records I/O calls (docs/io.md); it
			  * needs the open frames, so HP__ON_ALLOC is set too */
#define HP__ON_NOALLOC 16 /* HP__ON_ALLOC only keeps frames: no allocation is
			   * counted */

HP_API extern __thread struct hp__tls hp__tls __attribute__((tls_model("initial-exec")));
HP_API extern struct hp__rt hp__rt;
HP_API uint32_t hp__site_register(hp_site *site, const char *func);
HP_API uint64_t hp__now_slow(void);
HP_API void hp__emit_slow(uint32_t site, uint64_t t0, uint64_t t1);
HP_API void hp__emit_pay_slow(uint32_t site, uint64_t t, uint64_t payload);
HP_API hp_guard *hp__main_start(const hp_main_options *o, const char *file, const char *func);
HP_API hp_guard *hp__main_start_fmt(const hp_main_options *o, const char *file,
				    const char *func, int rec_format);
HP_API void hp__main_end(hp_guard **g);

typedef struct hp__scope {
	uint64_t t0;
	uint32_t id;
	uint32_t alloc;  /* allocation tracking's frame (core/alloc.c) + 1, or 0 */
} hp__scope;

/* A sampled site's call that the inline test leaves to the library: the
 * site's first on this thread, or the one that is timed.  Returns 1 when
 * this call is timed (counted too), 0 when only counted (core/sample.c). */
HP_API int hp__sample_slow(uint32_t id, uint32_t n);

/* Allocation tracking's half of a scope (core/alloc.c). */
HP_API void hp__alloc_enter(hp__scope *sc);
HP_API void hp__alloc_leave(hp__scope *sc, uint64_t t1);

/* Current tick of hotpath's clock. */
static inline HP_SKIP uint64_t hp__now(void)
{
#if defined(__x86_64__) || defined(__i386__)
	if (__builtin_expect(hp__rt.tsc, 1))
		return __builtin_ia32_rdtsc();
#elif defined(__aarch64__)
	if (__builtin_expect(hp__rt.tsc, 1)) {
		uint64_t v;
		__asm__ __volatile__("mrs %0, cntvct_el0" : "=r"(v));
		return v;
	}
#endif
	return hp__now_slow();
}

/* Whether a call of sampled site id is timed (1) or only counted (0):
 * for the untimed ones an increment and a test, no clock read. */
static inline HP_SKIP __attribute__((always_inline)) int hp__sample(uint32_t id, uint32_t n)
{
	struct hp__samp *s = hp__tls.samp;

	if (__builtin_expect(id < hp__tls.nsamp, 1)) {
		uint32_t left = s[id].left;

		if (__builtin_expect(left - 2u < HP__SAMP_EXACT - 2u, 1)) {
			s[id].left = left - 1;
			__atomic_store_n(&s[id].calls, s[id].calls + 1, __ATOMIC_RELAXED);
			return 0;
		}
		if (left == HP__SAMP_EXACT)
			return 1;
	}
	return hp__sample_slow(id, n);
}

/* Opens a measured scope; n is HP_MEASURE_SAMPLED's rate (a constant), or
 * HP__SAMP_DEFAULT. */
static inline HP_SKIP __attribute__((always_inline)) hp__scope
hp__scope_begin_n(hp_site *site, const char *func, uint32_t n)
{
	hp__scope sc;
	uint32_t id = __atomic_load_n(&site->id, __ATOMIC_ACQUIRE);

	if (__builtin_expect(id == 0, 0))
		id = hp__site_register(site, func);
	int on = __atomic_load_n(&hp__rt.on, __ATOMIC_RELAXED);

	sc.id = 0;
	sc.t0 = 0;
	sc.alloc = 0;
	if (__builtin_expect(on != 0, 1)) {
		/* one test on the common path: sampling and allocation
		 * tracking both take the rare branch */
		if (__builtin_expect((on & (HP__ON_SAMPLE | HP__ON_ALLOC)) != 0 ||
				     n != HP__SAMP_DEFAULT, 0)) {
			if ((on & HP__ON_SAMPLE) || n != HP__SAMP_DEFAULT) {
				if (!hp__sample(id, n))
					return sc; /* counted, not timed */
				/* read again rather than kept across the call */
				on = __atomic_load_n(&hp__rt.on, __ATOMIC_RELAXED);
				id = __atomic_load_n(&site->id, __ATOMIC_RELAXED);
			}
			sc.id = id;
			if (on & HP__ON_ALLOC)
				hp__alloc_enter(&sc); /* before t0: not part of the time */
		} else {
			sc.id = id;
		}
		hp__tls.depth++;
		sc.t0 = hp__now();
	}
	return sc;
}

/* Opens a measured scope. */
static inline HP_SKIP __attribute__((always_inline)) hp__scope
hp__scope_begin(hp_site *site, const char *func)
{
	return hp__scope_begin_n(site, func, HP__SAMP_DEFAULT);
}

/* Appends one record (tag = site id | kind << 24): one 16-byte store and a
 * release store of the position. */
static inline HP_SKIP void hp__record(uint32_t tag, uint64_t t0, uint64_t t1)
{
	uint64_t dt = t1 - t0;
	struct hp__rec *p = hp__tls.pos;

	/* a full chunk, or a duration that needs the two-record form
	 * (0xffffffff itself marks that form) */
	if (__builtin_expect(p == hp__tls.end || dt >= 0xffffffffu, 0)) {
		hp__emit_slow(tag, t0, t1);
		return;
	}
	p->t = t0;
	p->site = tag;
	p->dt = (uint32_t)dt;
	__atomic_store_n(&hp__tls.pos, p + 1, __ATOMIC_RELEASE);
}

/* Appends a payload pair (HP__EV_PAYLOAD_KINDS): two 16-byte stores. */
static inline HP_SKIP void hp__record_pay(uint32_t tag, uint64_t t, uint64_t payload)
{
	struct hp__rec *p = hp__tls.pos;

	if (__builtin_expect(hp__tls.end - p < 2, 0)) {
		hp__emit_pay_slow(tag, t, payload);
		return;
	}
	p[0].t = t;
	p[0].site = tag;
	p[0].dt = 0;
	p[1].t = payload;
	p[1].site = 0;
	p[1].dt = 0;
	__atomic_store_n(&hp__tls.pos, p + 2, __ATOMIC_RELEASE);
}

/* Closes a measured scope: one clock read and one record. */
static inline HP_SKIP void hp__scope_end(hp__scope *sc)
{
	if (__builtin_expect(sc->id != 0, 1)) {
		uint64_t t1 = hp__now();
		hp__record(sc->id | HP__DEPTH_TAG(--hp__tls.depth), sc->t0, t1);
		if (__builtin_expect(sc->alloc != 0, 0))
			hp__alloc_leave(sc, t1);
	}
}

#endif /* HOTPATH_RECORD_H */
