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
 * then, under `#ifdef HOTPATH`, each API in a part of its own: the guard and
 * snapshot reading here, the hot path's internals (the record writer, the
 * thread's buffer, the clock) in <hotpath/record.h>, locks, channels,
 * streams and futures, values and gauges and debug messages in
 * <hotpath/probes.h> (both included from here, never on their own), and
 * the measuring macros here.  The disabled twins of them all, what each
 * macro and hp_ function is without -DHOTPATH, are together at the end of
 * this file, in the part that starts at the line "#else" marked "!HOTPATH:
 * everything vanishes".
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

/* ---- the hot path's internals: hotpath/record.h ------------------------- */
#include <hotpath/record.h>

/* ---- locks, channels, streams, futures, values, debug: hotpath/probes.h -- */
#include <hotpath/probes.h>

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
