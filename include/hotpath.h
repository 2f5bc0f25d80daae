/* SPDX-License-Identifier: MIT */
/*
 * hotpath.h - the one header a profiled program includes.
 *
 * Compile with -DHOTPATH to enable profiling.  Without it every macro below
 * expands to nothing (its arguments are not evaluated), every hp_ function is
 * a static inline no-op that the compiler removes, and the object file is
 * the one you would get with the instrumentation lines deleted.
 *
 *   #include <hotpath.h>
 *   void work(void) { HP_MEASURE(); ... }
 *   int main(void) { HP_MAIN(.percentiles = "50,95,99"); work(); }
 *
 * The header is C99, C11 and C++11 clean (-Wall -Wextra -pedantic).
 *
 * Where things are: the error codes and the types every build sees first;
 * then, under `#ifdef HOTPATH`, each API in a part of its own (the guard,
 * snapshot reading, the hot path's internals, locks, channels, streams and
 * futures, values and gauges, debug messages, the measuring macros).  The
 * disabled twins of them all, what each macro and hp_ function is without
 * -DHOTPATH, are together at the end, in the part that starts at the
 * line "#else" marked "!HOTPATH: everything vanishes".
 */
#ifndef HOTPATH_H
#define HOTPATH_H

#include <errno.h>
#include <pthread.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define HP_VERSION_MAJOR 0
#define HP_VERSION_MINOR 2
#define HP_VERSION_PATCH 0
#define HP_VERSION_STRING "0.2.0"

#if defined(HOTPATH_BUILDING) && defined(__GNUC__)
#define HP_API __attribute__((visibility("default")))
#else
#define HP_API
#endif

/*
 * Error codes: 0 is success, negative is failure.  One table makes the enum,
 * hp_strerror() and hp_err_name().
 */
#define HP_ERR_MAP(X)                                              \
	X(OK, 0, "success")                                        \
	X(EINVAL, -1, "invalid argument")                          \
	X(ENOMEM, -2, "out of memory")                             \
	X(EBUSY, -3, "another guard is alive")                     \
	X(ENOTSUP, -4, "not available yet")                        \
	X(ENOENT, -5, "not found")                                 \
	X(EIO, -6, "input/output error")                           \
	X(ESYNTAX, -7, "syntax error")                             \
	X(ETYPE, -8, "wrong type")                                 \
	X(ERANGE, -9, "value out of range")                        \
	X(EABI, -10, "plugin ABI mismatch")                        \
	X(ESTATE, -11, "wrong state")                              \
	X(ESCRIPT, -12, "Lua script failed")                       \
	X(EFULL, -13, "channel full")                              \
	X(EEMPTY, -14, "channel empty")                            \
	X(ECLOSED, -15, "channel closed")                          \
	X(ETIMEDOUT, -16, "timed out")

#define HP__ERR_ENUM(name, val, text) HP_##name = val,
enum hp_err { HP_ERR_MAP(HP__ERR_ENUM) HP__ERR_END = -1000 };
#undef HP__ERR_ENUM

/* Report formats.  HP_FORMAT_DEFAULT means "whatever hotpath.yaml says". */
typedef enum hp_format {
	HP_FORMAT_DEFAULT = 0,
	HP_FORMAT_TABLE,
	HP_FORMAT_JSON,
	HP_FORMAT_JSON_PRETTY,
	HP_FORMAT_NONE,
	HP_FORMAT_HTML  /* one self-contained page: tables, flame graph (docs/flamegraph.md) */
} hp_format;

/*
 * Units of a snapshot column; they decide how every consumer shows a cell.
 * One table makes the enum and, in the library, the unit names, what a
 * cell holds (INT: int64, REAL: double, TEXT: a string) and the one
 * formatter of the table's look ("1.25us", "1.50KiB", "12.50%", "3.0/s")
 * that the reports, `hotpath compare` and the console share.
 */
#define HP_UNIT_MAP(X)                                           \
	X(COUNT, 0, "count", INT, "integer")                     \
	X(NS, 1, "ns", INT, "integer nanoseconds")               \
	X(BYTES, 2, "bytes", INT, "integer bytes")               \
	X(PERCENT, 3, "percent", REAL, "double, 12.5 means 12.5 %") \
	X(RATE, 4, "rate", REAL, "double, per second")           \
	X(TEXT, 5, "text", TEXT, "string")

#define HP__UNIT_ENUM(NAME, val, name, kind, doc) HP_UNIT_##NAME = val,
typedef enum hp_unit { HP_UNIT_MAP(HP__UNIT_ENUM) } hp_unit;
#undef HP__UNIT_ENUM

/* Opaque types.  A snapshot is owned by whoever made it; reporters borrow it. */
typedef struct hp_guard hp_guard;
typedef struct hp_guard_builder hp_guard_builder;
typedef struct hp_snapshot hp_snapshot;
typedef struct hp_section hp_section;

/*
 * A C reporter: called once at report time on the thread that ends the
 * guard, after the built-in format.  Returns 0, or a negative hp_err with a
 * malloc'ed message in *cause (hotpath frees it and prints it).
 */
typedef struct hp_reporter {
	const char *name;
	int (*report)(const hp_snapshot *snap, void *data, char **cause);
} hp_reporter;

/* Site descriptor: one static instance per instrumented place. */
typedef struct hp_site {
	const char *label;  /* explicit label, or NULL for <file stem>::<func> */
	const char *file;   /* __FILE__ */
	int line;           /* __LINE__ */
	int kind;           /* hp_site_kind */
	uint32_t id;        /* 0 until registered on first use */
} hp_site;

enum hp_site_kind { HP_SITE_FUNCTION = 1, HP_SITE_BLOCK = 2, HP_SITE_LOCK = 3,
		   HP_SITE_CHANNEL = 4, HP_SITE_STREAM = 5, HP_SITE_FUTURE = 6,
		   HP_SITE_RWLOCK = 7 /* an hp_rwlock's probe */,
		   HP_SITE_GAUGE = 8, HP_SITE_VALUE = 9 /* HP_GAUGE*, HP_VAL */,
		   HP_SITE_DEBUG = 10 /* an HP_DBG call: its label is the format */,
		   HP_SITE_UV_LOOP = 11 /* a libuv loop watched by hp_uv_loop_watch */ };

/* Channel types, for probes and hp_chan. */
enum hp_chan_type { HP_CHAN_BOUNDED = 1, HP_CHAN_UNBOUNDED = 2, HP_CHAN_ONESHOT = 3 };

/* Message formatter of a channel probe: writes at most len bytes of text
 * (NUL included) about msg into buf, snprintf-like.  Called on the sending
 * thread, only while profiling with channel logs on (docs/channels.md). */
typedef int (*hp_msg_fmt)(const void *msg, char *buf, size_t len);

/* Options of HP_MAIN; every field may be left out. */
typedef struct hp_main_options {
	const char *percentiles; /* "50,95,99" */
	hp_format format;
	int limit;               /* -1 = hotpath.yaml's; 0 = all rows */
	unsigned long timeout_ms;/* 0 = none */
	const char *output;      /* NULL = hotpath.yaml's (default stderr) */
	const char *caller;      /* NULL = <file stem>::main */
} hp_main_options;

/*
 * Leaves a function out of auto-instrumentation: code built with
 * -finstrument-functions calls hotpath's entry and exit hooks in every
 * function but those marked HP_SKIP (docs/auto.md).  The same with or
 * without -DHOTPATH.
 */
#ifndef HP_SKIP
#if defined(__GNUC__)
#define HP_SKIP __attribute__((no_instrument_function))
#else
#define HP_SKIP
#endif
#endif

/*
 * The event kinds, once: X(NAME, value, payload, doc).  They are the
 * records' kinds here and hp_event_kind (HP_EV_<NAME>) in hotpath/plugin.h.
 * payload says what an event carries besides site, tid and time:
 *   NONE   nothing more
 *   DUR    dur_ns, a duration
 *   MSG    msg: seq and bytes            } written as a payload pair:
 *   CALL   call: id and ticks            } a record {t, tag, 0} and a
 *   TEXT   text: 8 bytes                 } record {payload, 0, 0}
 *   BYTES  bytes (= dur_ns) and data     }
 *   VALUE  value: an int64_t             }
 *   DATA   data: what the doc says (never a pair)
 *   IO     dur and data (hp_event_io)    }
 *   WORDS  data (hp_event_words)         }
 * New kinds are only ever appended; a value never changes.
 */
#define HP__EV_MAP(X)                                                                   \
	X(SCOPE, 0, DUR, "a measured scope ended: site, tid, time, dur; data NULL, "    \
	  "or a const uint32_t * of HP_SCOPE_* flags; a thread's scopes come in the "   \
	  "order they ended")                                                           \
	X(THREAD_START, 1, NONE, "first event of a thread: tid")                        \
	X(THREAD_EXIT, 2, NONE, "a thread exited and its buffer is drained: tid; "      \
	  "data: hp_thread_exit")                                                       \
	X(TICK, 3, NONE, "the collector finished a pass: time_ns = now")                \
	X(LOCK_ACQUIRE, 4, NONE, "a lock taken at once: site, tid, time")               \
	X(LOCK_WAIT, 5, DUR, "a lock taken after waiting: time = wait start, dur = wait") \
	X(LOCK_HOLD, 6, DUR, "a lock released: time = acquisition, dur = held")         \
	X(CHAN_SEND, 7, MSG, "a message sent: time; msg.seq, msg.bytes")                \
	X(CHAN_RECV, 8, MSG, "a message received: as CHAN_SEND; msg.seq 0 = unknown")   \
	X(CHAN_CLOSE, 9, NONE, "a channel closed: site, time")                          \
	X(TEXT_CHUNK, 10, TEXT, "8 more bytes of the text of the thread's last "        \
	  "message sent, stream item or future result: text[]")                         \
	X(STREAM_ITEM, 11, NONE, "a stream yielded an item: site, time")                \
	X(STREAM_CLOSE, 12, NONE, "a stream ended: site, time")                         \
	X(FUTURE_CREATE, 13, CALL, "a future call began: time; call.id")                \
	X(FUTURE_POLL, 14, CALL, "a poll: time = start; call.id, call.ticks = the "     \
	  "poll's duration in clock ticks (hp_host.ticks_ns)")                          \
	X(FUTURE_READY, 15, CALL, "a call completed: time; call.id")                    \
	X(FUTURE_CANCEL, 16, CALL, "a call was cancelled: as FUTURE_READY")             \
	X(ALLOC, 17, BYTES, "a measured call ended while allocations were tracked: "    \
	  "site, tid, time = end; bytes = bytes allocated; data = (const uint64_t *) "  \
	  "the number of allocations (docs/alloc.md: cumulative or self)")              \
	X(RLOCK_ACQUIRE, 18, NONE, "a read-write lock taken for reading at once: as "   \
	  "LOCK_ACQUIRE (LOCK_* of a read-write lock are its writers')")                \
	X(RLOCK_WAIT, 19, DUR, "a read-write lock taken for reading after waiting: "    \
	  "as LOCK_WAIT")                                                               \
	X(RLOCK_HOLD, 20, DUR, "a reader released a read-write lock: as LOCK_HOLD")    \
	X(GAUGE_SET, 21, VALUE, "HP_GAUGE: the gauge (site) is now value")             \
	X(GAUGE_ADD, 22, VALUE, "HP_GAUGE_ADD: the gauge (site) goes up by value")     \
	X(VALUE, 23, VALUE, "HP_VAL: one more value of the site's name")               \
	X(DEBUG, 24, DATA, "HP_DBG: a debug message: site (the call's; its label is "  \
	  "the format), tid, time; data = the message (const char *, NUL-ended), "     \
	  "formatted on the collector")                                                  \
	X(IO, 25, IO, "a read, write, send, recv or stdio call ended (libhotpath-io): " \
	  "site = the innermost measured function open on the thread (0: none), "      \
	  "time = start, dur = the call's time; data = (const hp_event_io *)")          \
	X(UV_ITER, 26, WORDS, "a watched libuv loop ended an iteration (hotpath/uv.h): " \
	  "site = the loop; data = (const hp_event_words *): w0 = events (~0: not "    \
	  "known), pay = idle ns, w1 = the iteration's ns (bit 31: in us)")            \
	X(UV_LAG, 27, WORDS, "a watched loop's lag probe fired: pay = how late, ns")   \
	X(UV_HANDLES, 28, WORDS, "a watched loop's active handles of one type: w0 = "  \
	  "uv_handle_type (255: the active requests; 0x100, 0x200, 0x300 + "          \
	  "uv_req_type: that type's requests active, started and completed), pay = " \
	  "how many, w1 = the sample's number")

#ifdef HOTPATH

/* ---- guard API (all in libhotpath) ------------------------------------ */

/* New builder; caller is the name printed in the report header.  Freed by
 * _build (always) or hp_guard_builder_free. */
HP_API hp_guard_builder *hp_guard_builder_new(const char *caller);
/* What hp_guard_builder_new() calls: with this header's record format. */
HP_API hp_guard_builder *hp__guard_builder_new_fmt(const char *caller, int rec_format);
#define hp_guard_builder_new(caller) hp__guard_builder_new_fmt((caller), HP__REC_FORMAT)
/* Percentiles to report, each in 0..100.  Returns 0 or HP_EINVAL. */
HP_API int hp_guard_builder_percentiles(hp_guard_builder *b, const double *p, size_t n);
HP_API int hp_guard_builder_format(hp_guard_builder *b, hp_format fmt);
/* Rows per section in the report; 0 = all. */
HP_API int hp_guard_builder_limit(hp_guard_builder *b, size_t limit);
/* Report destination: a path, "stderr" or "stdout"; copied. */
HP_API int hp_guard_builder_output(hp_guard_builder *b, const char *path);
/* Adds a C reporter; r must stay valid until the guard ends. */
HP_API int hp_guard_builder_reporter(hp_guard_builder *b, const hp_reporter *r, void *data);
/* Adds a Lua reporter script (a path, or a bundled name such as "csv"),
 * run at report time after report.scripts; copied.  docs/lua.md. */
HP_API int hp_guard_builder_script(hp_guard_builder *b, const char *path);
/* Starts profiling.  Consumes b.  Returns NULL (with one [hotpath] line on
 * stderr) when another guard is alive or profiling cannot start. */
HP_API hp_guard *hp_guard_builder_build(hp_guard_builder *b);
/* Same; after ms milliseconds hotpath reports and exits the process with 0. */
HP_API hp_guard *hp_guard_builder_build_with_timeout(hp_guard_builder *b, unsigned long ms);
HP_API void hp_guard_builder_free(hp_guard_builder *b);
/* Drains, reports and frees.  NULL is a no-op. */
HP_API void hp_guard_end(hp_guard *g);

/* ---- snapshot reading, for C reporters ---------------------------------- */
/* All strings and sections are borrowed from the snapshot. */
HP_API size_t hp_snapshot_count(const hp_snapshot *s);
HP_API const hp_section *hp_snapshot_section(const hp_snapshot *s, size_t i);
HP_API const hp_section *hp_snapshot_find(const hp_snapshot *s, const char *id);
/* Report-wide facts: "caller", "program", "elapsed_ns", "pid", ... or NULL. */
HP_API const char *hp_snapshot_meta(const hp_snapshot *s, const char *key);
HP_API const char *hp_section_id(const hp_section *sec);
HP_API const char *hp_section_title(const hp_section *sec);
HP_API size_t hp_section_ncolumns(const hp_section *sec);
HP_API const char *hp_section_column_key(const hp_section *sec, size_t col);
HP_API const char *hp_section_column_title(const hp_section *sec, size_t col);
HP_API hp_unit hp_section_column_unit(const hp_section *sec, size_t col);
HP_API size_t hp_section_nrows(const hp_section *sec);
/* 1 when the cell holds a value, 0 when it is empty. */
HP_API int hp_section_has(const hp_section *sec, size_t row, size_t col);
HP_API int64_t hp_section_int(const hp_section *sec, size_t row, size_t col);
HP_API double hp_section_real(const hp_section *sec, size_t row, size_t col);
HP_API const char *hp_section_text(const hp_section *sec, size_t row, size_t col);
HP_API const char *hp_section_meta(const hp_section *sec, const char *key);

/* Error text and enum name ("HP_EINVAL") of an hp_err code; never NULL. */
HP_API const char *hp_strerror(int err);
HP_API const char *hp_err_name(int err);

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

/* HP_MEASURE_SAMPLED's n as the hot path takes it: HP__SAMP_DEFAULT is
 * kept for "none", so n is capped below it. */
static inline HP_SKIP uint32_t hp__sample_rate_arg(unsigned long long n)
{
	return n >= HP__SAMP_DEFAULT ? HP__SAMP_DEFAULT - 1 : (uint32_t)n;
}

#define HP__CAT2(a, b) a##b
#define HP__CAT(a, b) HP__CAT2(a, b)
#define HP__UNIQ(p) HP__CAT(p, __LINE__)

#ifdef __cplusplus
} /* extern "C" */

/* C++: the same scope, closed by a destructor. */
struct hp__scope_raii {
	hp__scope sc;
	HP_SKIP hp__scope_raii(hp_site *s, const char *f) : sc(hp__scope_begin(s, f)) {}
	HP_SKIP hp__scope_raii(hp_site *s, const char *f, uint32_t n)
		: sc(hp__scope_begin_n(s, f, n)) {}
	HP_SKIP ~hp__scope_raii() { hp__scope_end(&sc); }
	hp__scope_raii(const hp__scope_raii &) = delete;
	hp__scope_raii &operator=(const hp__scope_raii &) = delete;
};
struct hp__main_raii {
	hp_guard *g;
	HP_SKIP explicit hp__main_raii(hp_guard *x) : g(x) {}
	HP_SKIP ~hp__main_raii() { hp__main_end(&g); }
	hp__main_raii(const hp__main_raii &) = delete;
	hp__main_raii &operator=(const hp__main_raii &) = delete;
};
#define HP__SCOPE(label_, kind_)                                            \
	static hp_site HP__UNIQ(hp__site_) = {label_, __FILE__, __LINE__, kind_, 0}; \
	hp__scope_raii HP__UNIQ(hp__scope_)(&HP__UNIQ(hp__site_), __func__)
#define HP__SCOPE_N(label_, kind_, n_)                                      \
	static hp_site HP__UNIQ(hp__site_) = {label_, __FILE__, __LINE__, kind_, 0}; \
	hp__scope_raii HP__UNIQ(hp__scope_)(&HP__UNIQ(hp__site_), __func__, \
					    hp__sample_rate_arg(n_))
/* C++20 takes HP_MAIN(.limit = 5); C++11 takes HP_MAIN(). */
struct hp__main_cxx {
	const char *percentiles = nullptr;
	hp_format format = HP_FORMAT_DEFAULT;
	int limit = -1;
	unsigned long timeout_ms = 0;
	const char *output = nullptr;
	const char *caller = nullptr;
};
static inline HP_SKIP hp_guard *hp__main_start_cxx(const hp__main_cxx &c, const char *file,
					   const char *func)
{
	hp_main_options o;
	o.percentiles = c.percentiles;
	o.format = c.format;
	o.limit = c.limit;
	o.timeout_ms = c.timeout_ms;
	o.output = c.output;
	o.caller = c.caller;
	return hp__main_start_fmt(&o, file, func, HP__REC_FORMAT);
}
#define HP_MAIN(...)                                                        \
	hp__main_raii hp__main_guard(                                       \
	    hp__main_start_cxx(hp__main_cxx{__VA_ARGS__}, __FILE__, __func__))
extern "C" {
#else /* C */
#define HP__SCOPE(label_, kind_)                                            \
	static hp_site HP__UNIQ(hp__site_) = {label_, __FILE__, __LINE__, kind_, 0}; \
	hp__scope HP__UNIQ(hp__scope_) __attribute__((cleanup(hp__scope_end), unused)) = \
	    hp__scope_begin(&HP__UNIQ(hp__site_), __func__)
#define HP__SCOPE_N(label_, kind_, n_)                                      \
	static hp_site HP__UNIQ(hp__site_) = {label_, __FILE__, __LINE__, kind_, 0}; \
	hp__scope HP__UNIQ(hp__scope_) __attribute__((cleanup(hp__scope_end), unused)) = \
	    hp__scope_begin_n(&HP__UNIQ(hp__site_), __func__, hp__sample_rate_arg(n_))
#define HP_MAIN(...)                                                        \
	_Pragma("GCC diagnostic push")                                      \
	_Pragma("GCC diagnostic ignored \"-Woverride-init\"")               \
	hp_guard *hp__main_guard __attribute__((cleanup(hp__main_end), unused)) =   \
	    hp__main_start_fmt(&(const hp_main_options){.limit = -1, __VA_ARGS__}, \
			       __FILE__, __func__, HP__REC_FORMAT);             \
	_Pragma("GCC diagnostic pop")                                       \
	extern int hp__main_decl __attribute__((unused))
#endif

/* Measures the enclosing function until the end of the current scope. */
#define HP_MEASURE() HP__SCOPE(NULL, HP_SITE_FUNCTION)
/* Same, with an explicit label. */
#define HP_MEASURE_NAMED(label) HP__SCOPE(label, HP_SITE_FUNCTION)
/* HP_MEASURE, counting every call but timing only 1 in n on each thread
 * (the n-th, 2n-th, ...); n 0 counts without timing, 1 times every call.
 * collectors.timing.sample_sites overrides n (docs/sampling.md). */
#define HP_MEASURE_SAMPLED(n) HP__SCOPE_N(NULL, HP_SITE_FUNCTION, n)
#define HP_MEASURE_NAMED_SAMPLED(label, n) HP__SCOPE_N(label, HP_SITE_FUNCTION, n)
/* Measures a block; return, break, continue and goto leave it as usual. */
#define HP_MEASURE_BLOCK(label, ...)                                        \
	{                                                                   \
		HP__SCOPE(label, HP_SITE_BLOCK);                            \
		__VA_ARGS__                                                 \
	}

/* -DHOTPATH_ALLOC: allocation tracking, from libhotpath-alloc (pkg-config
 * hotpath-alloc).  The reference makes forgetting -lhotpath-alloc a link
 * error rather than a report without allocations (docs/alloc.md). */
#if defined(HOTPATH_ALLOC) && !defined(HOTPATH_BUILDING)
HP_API extern const int hp_alloc_linked;
static const int *const hp__alloc_linked_ref __attribute__((used)) = &hp_alloc_linked;
#endif
/* -DHOTPATH_IO: the same for I/O tracking and libhotpath-io (docs/io.md). */
#if defined(HOTPATH_IO) && !defined(HOTPATH_BUILDING)
HP_API extern const int hp_io_linked;
static const int *const hp__io_linked_ref __attribute__((used)) = &hp_io_linked;
#endif

#else /* !HOTPATH: everything vanishes */

#define HP_MEASURE()
#define HP_MEASURE_NAMED(label)
#define HP_MEASURE_SAMPLED(n)
#define HP_MEASURE_NAMED_SAMPLED(label, n)
#define HP_GAUGE(name, v) ((void)0)
#define HP_GAUGE_ADD(name, d) ((void)0)
#define HP_VAL(name, v) ((void)0)
#define HP_DBG(...) ((void)0)
#define HP_MEASURE_BLOCK(label, ...) __VA_ARGS__
#define HP_MAIN(...)

/* Locks are the plain pthread ones; probes do nothing. */
typedef pthread_mutex_t hp_mutex;
#ifdef PTHREAD_RWLOCK_INITIALIZER
typedef pthread_rwlock_t hp_rwlock;
#endif
typedef struct hp_lock_probe { char unused; } hp_lock_probe;
#define HP_MUTEX_INITIALIZER(label) PTHREAD_MUTEX_INITIALIZER
#define HP_RWLOCK_INITIALIZER(label) PTHREAD_RWLOCK_INITIALIZER
#define HP_LOCK_PROBE_INITIALIZER(label) {0}
#define hp_mutex_init(m, attr, label) pthread_mutex_init((m), (attr))
#define hp_mutex_lock(m) pthread_mutex_lock(m)
#define hp_mutex_trylock(m) pthread_mutex_trylock(m)
#define hp_mutex_unlock(m) pthread_mutex_unlock(m)
#define hp_mutex_destroy(m) pthread_mutex_destroy(m)
#define hp_rwlock_init(rw, attr, label) pthread_rwlock_init((rw), (attr))
#define hp_rwlock_rdlock(rw) pthread_rwlock_rdlock(rw)
#define hp_rwlock_tryrdlock(rw) pthread_rwlock_tryrdlock(rw)
#define hp_rwlock_wrlock(rw) pthread_rwlock_wrlock(rw)
#define hp_rwlock_trywrlock(rw) pthread_rwlock_trywrlock(rw)
#define hp_rwlock_unlock(rw) pthread_rwlock_unlock(rw)
#define hp_rwlock_destroy(rw) pthread_rwlock_destroy(rw)
#define hp_lock_probe_init(p, label) ((void)0)
#define hp_lock_wait_begin(p) ((uint64_t)0)
#define hp_lock_acquired(p, wait_begin, waited) ((uint64_t)0)
#define hp_lock_released(p) ((void)0)
#define hp_lock_released_at(p, acq) ((void)0)

/* Channel probes do nothing. */
typedef struct hp_channel_probe { char unused; } hp_channel_probe;
#define HP_CHANNEL_PROBE_INITIALIZER(label, type, capacity, fmt) {0}
#define hp_channel_probe_init(p, label, type, capacity, fmt) ((void)sizeof(p))
/* sizeof(p): a probe used only here still counts as used, and is not
 * evaluated.  A call, not a value: a statement of it draws no warning. */
static inline HP_SKIP uint32_t hp__chan_nop(size_t unused) { (void)unused; return 0; }
#define hp_channel_sent(p, msg, bytes) hp__chan_nop(sizeof(p))
#define hp_channel_received(p, bytes, seq) ((void)sizeof(p))
#define hp_channel_received_fifo(p, bytes) ((void)sizeof(p))
#define hp_channel_closed(p) ((void)sizeof(p))

/* Stream and future probes do nothing. */
typedef struct hp_stream_probe { char unused; } hp_stream_probe;
typedef struct hp_future_probe { char unused; } hp_future_probe;
typedef struct hp_future { char unused; } hp_future;
#define HP_STREAM_PROBE_INITIALIZER(label, fmt) {0}
#define HP_FUTURE_PROBE_INITIALIZER(label, fmt) {0}
#define hp_stream_yield(p, item) ((void)sizeof(p))
#define hp_stream_closed(p) ((void)sizeof(p))
static inline HP_SKIP hp_future hp_future_begin(hp_future_probe *p) { hp_future f = {0}; (void)p; return f; }
#define hp_future_poll_begin(f) ((uint64_t)0 * sizeof(f))
#define hp_future_poll_end(f, t0) ((void)sizeof(f), (void)sizeof(t0))
#define hp_future_ready(f, result) ((void)sizeof(f))
#define hp_future_cancelled(f) ((void)sizeof(f))

static inline HP_SKIP hp_guard_builder *hp_guard_builder_new(const char *c) { (void)c; return NULL; }
static inline HP_SKIP int hp_guard_builder_percentiles(hp_guard_builder *b, const double *p, size_t n) { (void)b; (void)p; (void)n; return 0; }
static inline HP_SKIP int hp_guard_builder_format(hp_guard_builder *b, hp_format f) { (void)b; (void)f; return 0; }
static inline HP_SKIP int hp_guard_builder_limit(hp_guard_builder *b, size_t l) { (void)b; (void)l; return 0; }
static inline HP_SKIP int hp_guard_builder_output(hp_guard_builder *b, const char *p) { (void)b; (void)p; return 0; }
static inline HP_SKIP int hp_guard_builder_reporter(hp_guard_builder *b, const hp_reporter *r, void *d) { (void)b; (void)r; (void)d; return 0; }
static inline HP_SKIP int hp_guard_builder_script(hp_guard_builder *b, const char *p) { (void)b; (void)p; return 0; }
static inline HP_SKIP hp_guard *hp_guard_builder_build(hp_guard_builder *b) { (void)b; return NULL; }
static inline HP_SKIP hp_guard *hp_guard_builder_build_with_timeout(hp_guard_builder *b, unsigned long ms) { (void)b; (void)ms; return NULL; }
static inline HP_SKIP void hp_guard_builder_free(hp_guard_builder *b) { (void)b; }
static inline HP_SKIP void hp_guard_end(hp_guard *g) { (void)g; }

#endif /* HOTPATH */

#ifdef __cplusplus
}
#endif

#include <hotpath/chan.h>

#endif /* HOTPATH_H */
