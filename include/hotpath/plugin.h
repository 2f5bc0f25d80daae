/* SPDX-License-Identifier: MIT */
/*
 * hotpath/plugin.h - the plugin ABI.
 *
 * A plugin is a static const hp_plugin_ops table.  Built-in plugins hand it
 * to the registry directly; an external plugin is a shared object exporting
 * one symbol, hp_plugin_entry, that returns it:
 *
 *   static const hp_plugin_ops slowest_ops = {
 *       .abi = HP_PLUGIN_ABI, .size = sizeof(hp_plugin_ops),
 *       .name = "slowest", .events = HP_EV_BIT(HP_EV_SCOPE),
 *       .init = slowest_init, .on_event = slowest_event,
 *       .snapshot = slowest_snapshot, .fini = slowest_fini,
 *   };
 *   HP_PLUGIN_EXPORT const hp_plugin_ops *hp_plugin_entry(void)
 *   { return &slowest_ops; }
 *
 * A plugin never links against libhotpath: everything it may call is in the
 * hp_host table it receives in init.  The host reads only the first `size`
 * bytes of the ops table, so a plugin built against an older, shorter table
 * keeps working; `abi` changes only when the meaning of a field changes.
 */
#ifndef HOTPATH_PLUGIN_H
#define HOTPATH_PLUGIN_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <hotpath.h>

#ifdef __cplusplus
extern "C" {
#endif

#define HP_PLUGIN_ABI 1

#if defined(__GNUC__)
#define HP_PLUGIN_EXPORT __attribute__((visibility("default")))
#else
#define HP_PLUGIN_EXPORT
#endif

/* Kinds of bus events: HP_EV_<NAME> for every row of HP_EV_MAP (in
 * hotpath.h: name, value, payload type, what the event says).  New kinds
 * are only ever appended.  A plugin may expand the map itself, e.g. for a
 * name table:
 *   #define NAME(name, value, payload, doc) [value] = #name,
 *   static const char *const names[] = { HP_EV_MAP(NAME) };
 */
#define HP_EV_MAP(X) HP__EV_MAP(X)
#define HP__EV_KIND(name, value, payload, doc) HP_EV_##name = value,
typedef enum hp_event_kind {
	HP_EV_MAP(HP__EV_KIND)
	HP_EV__COUNT
} hp_event_kind;
#undef HP__EV_KIND

/* The name HP_EV_TEXT_CHUNK had before it carried stream and future text
 * too; kept for plugins written against it. */
#define HP_EV_CHAN_TEXT HP_EV_TEXT_CHUNK

#define HP_EV_BIT(k) (UINT64_C(1) << (k))

/* HP_EV_SCOPE flags.  RECURSIVE: an auto-instrumented call made while the
 * same function was already open on its thread; its time is already in
 * the outer call's (docs/auto.md). */
#define HP_SCOPE_RECURSIVE 1u
/* HAS_DEPTH: bits 8-13 hold the call's nesting depth among measured calls
 * on its thread, modulo 64 (HP_SCOPE_DEPTH); the timing plugin rebuilds
 * the call tree from it (docs/calls.md). */
#define HP_SCOPE_HAS_DEPTH 2u
#define HP_SCOPE_DEPTH(flags) (((flags) >> 8) & 0x3fu)

/* An anonymous union, which C99 lacks but GCC and Clang take in any mode. */
#if defined(__GNUC__) && !defined(__cplusplus)
#define HP__ANON_UNION __extension__
#else
#define HP__ANON_UNION
#endif

#if defined(__GNUC__)
#define HP__EXTENSION __extension__
#else
#define HP__EXTENSION
#endif

/* HP_EV_CHAN_SEND, HP_EV_CHAN_RECV. */
typedef struct hp_event_msg {
	uint32_t seq;   /* the message's number on its channel, 0 = unknown */
	uint32_t bytes; /* its size as the sender gave it */
} hp_event_msg;

/* HP_EV_FUTURE_*. */
typedef struct hp_event_call {
	uint32_t id;    /* the call's number on its future's site */
	uint32_t ticks; /* FUTURE_POLL: the poll's duration in clock ticks
			 * (hp_host.ticks_ns converts) */
} hp_event_call;

/* The calls libhotpath-io records (docs/io.md): X(NAME, value, "name",
 * output).  New ones are only ever appended. */
#define HP_IO_OP_MAP(X)                                                   \
	X(READ, 0, "read", 0) X(WRITE, 1, "write", 1)                     \
	X(PREAD, 2, "pread", 0) X(PWRITE, 3, "pwrite", 1)                 \
	X(READV, 4, "readv", 0) X(WRITEV, 5, "writev", 1)                 \
	X(SEND, 6, "send", 1) X(RECV, 7, "recv", 0)                       \
	X(SENDTO, 8, "sendto", 1) X(RECVFROM, 9, "recvfrom", 0)           \
	X(SENDMSG, 10, "sendmsg", 1) X(RECVMSG, 11, "recvmsg", 0)         \
	X(FREAD, 12, "fread", 0) X(FWRITE, 13, "fwrite", 1)               \
	X(FGETS, 14, "fgets", 0) X(FPUTS, 15, "fputs", 1)                 \
	X(FGETC, 16, "fgetc", 0) X(FPUTC, 17, "fputc", 1)                 \
	X(FPRINTF, 18, "fprintf", 1) X(GETLINE, 19, "getline", 0)
#define HP__IO_OP_ENUM(name, value, str, out) HP_IO_##name = value,
typedef enum hp_io_op { HP_IO_OP_MAP(HP__IO_OP_ENUM) HP_IO__OPS } hp_io_op;
#undef HP__IO_OP_ENUM

/* What a descriptor is (fstat once per descriptor, docs/io.md). */
#define HP_IO_KIND_MAP(X) \
	X(OTHER, 0, "other") X(FILE, 1, "file") X(PIPE, 2, "pipe") \
	X(SOCKET, 3, "socket") X(TTY, 4, "tty")
#define HP__IO_KIND_ENUM(name, value, str) HP_IO_KIND_##name = value,
typedef enum hp_io_kind { HP_IO_KIND_MAP(HP__IO_KIND_ENUM) HP_IO__KINDS } hp_io_kind;
#undef HP__IO_KIND_ENUM

/* HP_EV_IO's data: one call. */
typedef struct hp_event_io {
	uint64_t bytes;   /* moved by the call; 0 when it failed */
	const char *name; /* the file, pipe, tty or peer ("/tmp/x", "pipe:[1234]",
			   * "tcp 127.0.0.1:80"); borrowed, valid until exit */
	uint8_t op;       /* hp_io_op */
	uint8_t kind;     /* hp_io_kind */
	uint8_t out;      /* 1: the call wrote or sent, 0: it read */
	uint8_t pad;
	int32_t err;      /* errno of a failed call, 0 when it succeeded */
} hp_event_io;

/* HP_EV_UV_*'s data: the payload pair's free words as written. */
typedef struct hp_event_words {
	uint32_t w0;  /* the first record's third word */
	uint32_t w1;  /* the second record's third word */
	uint64_t pay; /* the second record's first word */
} hp_event_words;

/*
 * One bus event; borrowed for the duration of on_event.  What it carries
 * beyond site, tid and time depends on its kind's payload type (HP_EV_MAP):
 * DUR: dur_ns; MSG: msg; CALL: call; TEXT: text; BYTES: bytes and data;
 * VALUE: value; IO: dur_ns and data (hp_event_io); WORDS: data
 * (hp_event_words).
 * These share dur_ns's 8 bytes; on a little-endian machine dur_ns is what
 * ABI-1 plugins read, "seq | bytes << 32", "id | ticks << 32" or the text
 * low byte first, so the layout and the ABI are unchanged.
 */
typedef struct hp_event {
	uint32_t kind;    /* hp_event_kind */
	uint32_t site;    /* site id, 0 when the kind has none */
	uint64_t tid;     /* OS thread id (gettid) */
	uint64_t time_ns; /* start, ns since the guard started */
	HP__ANON_UNION union {
		uint64_t dur_ns; /* DUR: duration in ns */
		uint64_t bytes;  /* BYTES: bytes allocated */
		hp_event_msg msg;   /* MSG */
		hp_event_call call; /* CALL */
		char text[8];    /* TEXT: the next 8 bytes, NUL-padded at the end */
		int64_t value;   /* VALUE: HP_GAUGE, HP_GAUGE_ADD, HP_VAL */
	};
	const void *data; /* kind-specific (THREAD_EXIT: hp_thread_exit) */
} hp_event;

/* What a thread had used when it exited, read by the thread itself. */
typedef struct hp_thread_exit {
	char name[16];
	uint64_t cpu_ns;   /* CLOCK_THREAD_CPUTIME_ID */
	uint64_t user_ns, sys_ns; /* getrusage(RUSAGE_THREAD) */
	uint64_t vcsw, ivcsw;     /* voluntary, involuntary context switches */
} hp_thread_exit;

/* What is known of a site.  Borrowed; valid until the process exits. */
typedef struct hp_site_info {
	const char *label; /* "basic::sync_function" or the explicit label */
	const char *file;  /* as the compiler saw it */
	const char *func;  /* enclosing function */
	int line;
	int kind;          /* HP_SITE_FUNCTION, HP_SITE_BLOCK, ... */
	uint64_t arg;      /* HP_SITE_CHANNEL: hp_chan_type | capacity << 8 */
} hp_site_info;

typedef struct hp_options hp_options;
/* A histogram of non-negative values (hp_host.hist_*): values below 128 are
 * exact, above that each power of two has 128 buckets, so a percentile
 * other than 0 and 100 is within HP_HIST_ERROR of the true value,
 * relatively; 0 and 100 are the exact min and max.
 *
 * Either the host allocates it (hist_new, hist_free) or the plugin embeds
 * one in its own struct (hist_init, hist_fini): its layout is part of the
 * ABI so that hp_hist_add, inline below, counts a value without a call.
 * Read it through the host's functions; count, sum, min and max may be
 * read directly (min is UINT64_MAX while count is 0). */
#define HP_HIST_SUB_BITS 7 /* 128 sub-buckets per power of two */
#define HP_HIST_SUB (1u << HP_HIST_SUB_BITS)
#define HP_HIST_OCTAVES (64 - HP_HIST_SUB_BITS)
typedef struct hp_hist {
	uint64_t count;
	uint64_t min, max;
	HP__EXTENSION unsigned __int128 sum; /* never overflows */
	/* oct[0]: the values below HP_HIST_SUB, oct[k]: those of bit length
	 * k + HP_HIST_SUB_BITS - 1, HP_HIST_SUB counts each; allocated by the
	 * host on an octave's first value */
	uint64_t *oct[HP_HIST_OCTAVES + 1];
	unsigned char oom; /* an octave could not be allocated: its values are
			    * in count, sum, min and max only */
} hp_hist;
#define HP_HIST_ERROR 0.004
/* The most bounds hp_host.hist_cumulative takes. */
#define HP_HIST_MAX_BOUNDS 64
/* Label patterns (hp_host.filter_*): globs and /regular expressions/. */
typedef struct hp_filter hp_filter;

/* hp_host.alloc_status bits. */
#define HP_ALLOC_LOADED 1u  /* libhotpath-alloc is in the process */
#define HP_ALLOC_TRACKED 2u /* the guard tracks allocations (collectors.alloc) */
#define HP_ALLOC_RUNNING 4u /* and is still counting them (not yet ended) */

/* One thread's allocations while they were tracked (hp_host.alloc_threads). */
typedef struct hp_alloc_thread {
	uint64_t tid;
	char name[16];
	uint64_t bytes, count;             /* allocated */
	uint64_t freed_bytes, freed_count; /* freed by this thread */
	int exited;
} hp_alloc_thread;

/* Types of a plugin option (hp_option.type). */
typedef enum hp_option_type {
	HP_OPT_INT = 1, /* a decimal integer in min..max */
	HP_OPT_BOOL,    /* true/false, yes/no, on/off, 1/0, any case */
	HP_OPT_TEXT,    /* a non-empty string */
	HP_OPT_LIST,    /* a YAML list of non-empty strings; in a variable,
			 * items separated by `sep` (',' when 0) */
	HP_OPT_ENUM     /* one of `values`, any case */
} hp_option_type;

/*
 * One option of a plugin: a row of the static const table that
 * hp_plugin_ops.options points to, ended by a row whose key is NULL.  The
 * host checks every value against its row, with the same
 * FILE:LINE:COLUMN messages as hotpath's own keys (docs/config.md), so a
 * plugin gets only values its rows allow:
 *
 *   static const hp_option slowest_options[] = {
 *       { .key = "count", .type = HP_OPT_INT, .min = 1, .max = 100000,
 *         .dflt = "10", .help = "Calls kept, slowest first." },
 *       { .key = NULL },
 *   };
 *
 * A built-in collector's values come from collectors.<name>.<key> and from
 * HOTPATH_COLLECTORS_<NAME>_<KEY>; an external plugin's from
 * plugins.options.<name>.<key> and HOTPATH_PLUGINS_OPTIONS_<NAME>_<KEY>;
 * `env` adds a short alias (the canonical name wins when both are set).
 */
typedef struct hp_option {
	const char *key;    /* [a-z0-9_]+ */
	int type;           /* hp_option_type */
	long long min, max; /* HP_OPT_INT: the range, both included */
	const char *values; /* HP_OPT_ENUM: the choices, "a|b|c" */
	const char *dflt;   /* the default as text ("50", "true", "a,b" for a
			     * list); NULL: 0, false, unset or empty */
	const char *env;    /* short variable name ("HOTPATH_LOGS_LIMIT"), or NULL */
	const char *help;   /* one line for docs/config.md */
	char sep;           /* HP_OPT_LIST: separator in a variable, 0 = ',' */
} hp_option;

/*
 * Services of the host.  Every function may be called from init, on_event,
 * snapshot and fini.  Strings passed in are copied.
 *
 * New services are only ever appended.  A plugin that calls one added
 * after the first hotpath it supports must check `host->size` first, e.g.
 *   if (host->size > offsetof(hp_host, option_list)) ... host->option_list()
 * since an older hotpath hands it a shorter table.
 */
typedef struct hp_host {
	uint32_t abi;
	uint32_t size;
	/* Site by id, or NULL for an unknown id. */
	const hp_site_info *(*site)(uint32_t id);
	/* This plugin's options.  For a key of its hp_option rows the value is
	 * already checked: option_int answers an INT, a BOOL (1 or 0) or an
	 * ENUM (the index of the choice), option_text a TEXT or an ENUM, and
	 * dflt is not used.  A key without a row (a plugin without rows)
	 * reads plugins.options.<name>.<key> as it is.  "other.key" reads a
	 * built-in collector's option (collectors.other.key).  Borrowed
	 * strings, valid until fini. */
	long long (*option_int)(const hp_options *o, const char *key, long long dflt);
	const char *(*option_text)(const hp_options *o, const char *key, const char *dflt);
	/* One "[hotpath] <plugin>: <message>" line on stderr. */
	void (*warn)(const char *plugin, const char *fmt, ...)
#if defined(__GNUC__)
	    __attribute__((format(printf, 2, 3)))
#endif
	    ;
	/* The report's percentiles (borrowed) and the guard's wall time so far. */
	const double *(*percentiles)(size_t *n);
	uint64_t (*elapsed_ns)(void);
	/* Snapshot writing.  Cell types follow the column unit: COUNT, NS and
	 * BYTES take int, PERCENT and RATE take real, TEXT takes text. */
	hp_section *(*section_add)(hp_snapshot *snap, const char *id, const char *title);
	int (*column_add)(hp_section *sec, const char *key, const char *title, hp_unit unit);
	size_t (*row_add)(hp_section *sec);
	void (*cell_int)(hp_section *sec, size_t row, size_t col, int64_t v);
	void (*cell_real)(hp_section *sec, size_t row, size_t col, double v);
	void (*cell_text)(hp_section *sec, size_t row, size_t col, const char *v);
	void (*meta_set)(hp_section *sec, const char *key, const char *value);
	/* The row's log (e.g. recent calls): a child section, created on first
	 * call; add columns and rows to it like to any section (hp_ring_log,
	 * below, writes a ring of recent records this way). */
	hp_section *(*row_log)(hp_section *sec, size_t row);

	/* ---- added after the first ABI-1 hotpath: check host->size ---- */

	/* An HP_OPT_LIST option's items (borrowed, valid until fini) and
	 * their number in *n; NULL with *n = 0 for an empty list or a key
	 * without a LIST row. */
	const char *const *(*option_list)(const hp_options *o, const char *key, size_t *n);
	/* Clock ticks (hp_event.call.ticks) to nanoseconds. */
	uint64_t (*ticks_ns)(uint64_t ticks);

	/* Histograms (hp_hist): new returns NULL when out of memory; free(NULL)
	 * is a no-op.  sum saturates at UINT64_MAX.  Not thread-safe: a plugin
	 * keeps its histograms to its own (collector) thread. */
	hp_hist *(*hist_new)(void);
	void (*hist_add)(hp_hist *h, uint64_t v);
	uint64_t (*hist_count)(const hp_hist *h);
	uint64_t (*hist_sum)(const hp_hist *h);
	uint64_t (*hist_percentile)(const hp_hist *h, double p);
	void (*hist_free)(hp_hist *h);

	/* A label filter from two of the plugin's HP_OPT_LIST options (keys, or
	 * NULL for none): a label passes when it matches an item of the first
	 * (or the first is empty) and no item of the second.  An item is a
	 * glob ("parser::*", fnmatch) or a POSIX extended regex between slashes
	 * ("/^eval::/"); a bad regex is one warning with the item's
	 * FILE:LINE:COL and is left out.  NULL (pass everything) when both are
	 * empty.  filter_pass(NULL, ...) is 1; filter_free(NULL) a no-op. */
	hp_filter *(*filter_new)(const hp_options *o, const char *include_key,
				 const char *exclude_key);
	int (*filter_pass)(const hp_filter *f, const char *label);
	void (*filter_free)(hp_filter *f);

	/* Asks the program's message formatters (hp_chan_*, stream and future
	 * text) to run, on = 1, or says the plugin no longer needs them, on =
	 * 0: they run while any plugin wants them.  Their text comes as
	 * HP_EV_TEXT_CHUNK events. */
	void (*want_text)(int on);

	/* Allocation tracking (libhotpath-alloc, docs/alloc.md).
	 * alloc_status: HP_ALLOC_* bits.  alloc_live calls fn once per
	 * allocation context that still holds blocks, with the measured sites
	 * that were open when they were allocated (outermost first; borrowed,
	 * valid until the process exits), their bytes and their number; it
	 * holds libhotpath-alloc's lock while it counts, which a thread freeing
	 * another thread's block waits for, so a plugin calls it seldom while
	 * the program runs.  alloc_threads calls fn once per thread that
	 * allocated while tracking (t borrowed for the call).  Both return 0,
	 * or HP_ENOENT without calling fn when libhotpath-alloc is not loaded. */
	unsigned (*alloc_status)(void);
	int (*alloc_live)(void (*fn)(void *u, const uint32_t *sites, uint32_t n,
				     uint64_t bytes, uint64_t blocks),
			  void *u);
	int (*alloc_threads)(void (*fn)(void *u, const hp_alloc_thread *t), void *u);
	/* The histogram as a text cell in the form that `hotpath merge` reads
	 * back (docs/report-format.md); no cell when the histogram lost values
	 * for want of memory. */
	void (*cell_hist)(hp_section *sec, size_t row, size_t col, const hp_hist *h);

	/* A fact of the whole report (JSON "meta"), e.g. where a file the
	 * plugin wrote is; strings are copied. */
	void (*snapshot_meta)(hp_snapshot *snap, const char *key, const char *value);
	/* 1 while the final report's snapshot is taken (the collector has
	 * stopped: the time to write a file once), else 0. */
	int (*final)(void);
	/* hotpath's own text setting at key, e.g. "report.trace_output"
	 * (borrowed, valid until fini); NULL for an unset or unknown one. */
	const char *(*setting)(const hp_options *o, const char *key);
	/* The clock behind event times: "tsc" or "monotonic". */
	const char *(*clock_name)(void);
	/* s as a JSON string, quoted and escaped as hotpath's reports do
	 * (bytes that are not UTF-8 become U+FFFD), into dst with snprintf's
	 * contract: returns the length it needs, the NUL left out, and writes
	 * at most cap bytes; dst may be NULL when cap is 0. */
	size_t (*json_str)(char *dst, size_t cap, const char *s);

	/* A histogram embedded in the plugin's own memory (hp_hist): init
	 * before the first value, fini frees its buckets (not h).  hist_bump
	 * counts v in its bucket only (count, sum, min and max are the
	 * caller's): hp_hist_add's slow half, when v's octave has no buckets
	 * yet.  hist_cumulative writes, for each of n ascending bounds (n <=
	 * HP_HIST_MAX_BOUNDS), the values at or below it into out[i], to within
	 * a bucket: a bucket whose lower edge is at or below a bound counts
	 * there whole (OpenMetrics histograms, as the timing plugin's "buckets"
	 * column). */
	void (*hist_init)(hp_hist *h);
	void (*hist_fini)(hp_hist *h);
	void (*hist_bump)(hp_hist *h, uint64_t v);
	void (*hist_cumulative)(const hp_hist *h, const uint64_t *bounds, size_t n,
				uint64_t *out);

	/* Sampled timing (docs/sampling.md).  sample_rate: site id's rate this
	 * guard plus 1: 0 when every call is timed (or the site has not been
	 * called), 1 when its calls are counted without timing, N + 1 when 1
	 * in N is timed; timed calls come as HP_EV_SCOPE events as any other.
	 * sample_calls: every call of a sampled site so far, counted on the
	 * program's threads.  Site ids below sample_nsites() may be sampled. */
	uint32_t (*sample_rate)(uint32_t id);
	uint64_t (*sample_calls)(uint32_t id);
	uint32_t (*sample_nsites)(void);
	/* Stops measuring site id when it is an auto-instrumented function
	 * (docs/auto.md): for a site the plugin's filter leaves out, whose
	 * calls would cost the program for nothing.  Every plugin that wants
	 * HP_EV_SCOPE then stops seeing its calls; a no-op for other sites. */
	void (*site_off)(uint32_t id);
	/* A fact of the report set before the plugins' snapshots (borrowed,
	 * valid during snapshot), or NULL: "metrics.buckets", the ascending
	 * bounds in ns an OpenMetrics scrape wants, comma separated. */
	const char *(*snapshot_get)(const hp_snapshot *snap, const char *key);
	/* A descriptor whose readiness wakes the collector thread besides its
	 * ticks (e.g. an epoll set over ring buffers that fill), so that a
	 * plugin reading them on HP_EV_TICK is called early; -1 forgets it.
	 * One for the whole process: the last call wins. */
	void (*watch_fd)(int fd);
	/* A function's symbol as a user writes it: C++ demangled, without
	 * GCC's clone suffixes (".constprop.0", ".cold"); malloc'ed (the
	 * plugin frees), NULL when out of memory. */
	char *(*symbol_name)(const char *raw);
} hp_host;

/* A growing text, NUL-terminated whenever data is not NULL: start from
 * `hp_text t = {0};`, end with hp_text_free.  Once an allocation fails,
 * failed is set and further text is dropped. */
typedef struct hp_text {
	char *data;
	size_t len, cap;
	int failed;
} hp_text;

/*
 * A measured call as the program's thread wrote it (hp_plugin_ops.on_records):
 * t, its start in clock ticks; site, the site id in the low 24 bits
 * (HP_REC_SITE) and in the top 8 the kind, here a measured call's with its
 * nesting depth (HP_REC_DEPTH, as HP_SCOPE_DEPTH); dt, its duration in
 * ticks (HP_REC_DT_EXT: longer, never in a run).
 */
typedef struct hp_record {
	uint64_t t;    /* start tick */
	uint32_t site; /* site id in the low 24 bits, kind in the top 8 */
	uint32_t dt;   /* duration in ticks */
} hp_record;
#define HP_REC_KIND_SHIFT 24
#define HP_REC_SCOPE_KIND 0x80u /* a measured call's kind bit */
#define HP_REC_SCOPE_REC 0x40u  /* a recursive call's (never plain) */
#define HP_REC_DEPTH_MASK 0x3fu /* the kind's low bits: the depth */
#define HP_REC_DT_EXT UINT32_MAX
#define HP_REC_SITE(r) ((r)->site & ((1u << HP_REC_KIND_SHIFT) - 1))
#define HP_REC_DEPTH(r) (((r)->site >> HP_REC_KIND_SHIFT) & HP_REC_DEPTH_MASK)
/* Whether r is a plain measured call begun since tick t0 (what on_records
 * takes): a measured call's kind with its depth, not recursive, a site,
 * a 32-bit duration.  The xor maps exactly those site words to
 * 1 .. 2^30 - 1: one compare. */
#define HP_REC_PLAIN(r, t0)                                                          \
	(((r)->site ^ (HP_REC_SCOPE_KIND << HP_REC_KIND_SHIFT)) - 1 <                \
		 (HP_REC_SCOPE_REC << HP_REC_KIND_SHIFT) - 1 &&                      \
	 (r)->dt != HP_REC_DT_EXT && (r)->t >= (t0))

/* Ticks to ns with the clock's 32.32 multiplier (on_records' mult). */
static inline uint64_t hp_ticks_ns(uint64_t ticks, uint64_t mult)
{
	return (uint64_t)(HP__EXTENSION((unsigned __int128)ticks * mult) >> 32);
}

/* The same for 32 bits of ticks with mult split in halves, mh = mult >> 32
 * and ml = (uint32_t)mult: two 64-bit products, exact, where a 128-bit one
 * costs a double shift (mh is 0 for a clock of 1 GHz or more). */
static inline uint64_t hp_ticks32_ns(uint32_t ticks, uint64_t mh, uint64_t ml)
{
	return (uint64_t)ticks * mh + (((uint64_t)ticks * ml) >> 32);
}

/*
 * The ops table.  Which thread calls each operation:
 */
typedef struct hp_plugin_ops {
	uint32_t abi;            /* HP_PLUGIN_ABI */
	uint32_t size;           /* sizeof(hp_plugin_ops) */
	const char *name;        /* short id: [a-z0-9_]+ */
	const char *description; /* one line */
	uint64_t events;         /* HP_EV_BIT() mask of kinds to receive */

	/* Guard-building thread, before the collector starts; may block and
	 * allocate.  Stores the plugin's state in *state.  Returns 0, or a
	 * negative hp_err with a malloc'ed message in *cause (host frees);
	 * the plugin is then left out of this run. */
	int (*init)(const hp_host *host, const hp_options *opts, void **state,
		    char **cause);

	/* Collector thread only, so state needs no lock.  Must not block:
	 * every other event waits for it. */
	void (*on_event)(void *state, const hp_event *ev);

	/* Collector thread, or the reporting thread once the collector has
	 * stopped; never both at once.  Adds zero or more sections. */
	int (*snapshot)(void *state, hp_snapshot *snap);

	/* Thread that ends the guard, after the last snapshot; frees state. */
	void (*fini)(void *state);

	/* Optional, collector thread: n events at once, in order (the host
	 * calls on_event for each when this is NULL).  Events of all the
	 * subscribed kinds are mixed; check ev->kind. */
	void (*on_events)(void *state, const hp_event *evs, size_t n);

	/* Optional: the plugin's options, a static const table of rows ended
	 * by a NULL key (hp_option).  Read by the host before init; a plugin
	 * with rows gets a warning for every key that has no row. */
	const hp_option *options;

	/* ---- added after the first ABI-1 hotpath (the host checks size) ---- */

	/* Optional, collector thread, both or neither: measured calls as the
	 * program's threads wrote them (hp_record), with no event built for
	 * each: the timing plugin's way, 2-3 times cheaper per call than
	 * on_events.  The host uses them only while this plugin is the only
	 * one that wants HP_EV_SCOPE (else every plugin gets events).
	 *
	 * on_records: p is a plain measured call of thread tid (HP_REC_PLAIN);
	 * the plugin takes the run of records from p on, before end, that are
	 * plain calls of the same site word (p->site), and returns how many it
	 * took, at least 1 (it may take fewer: the host calls again from
	 * there).  A call's duration is hp_ticks_ns(r->dt, mult), its start
	 * in ns since the guard began hp_ticks_ns(r->t - t0, mult); r->t alone
	 * orders the thread's calls.
	 *
	 * on_scope: any other HP_EV_SCOPE event of a thread in that mode (a
	 * recursive call, one too long for 32 bits of ticks), in its place
	 * among the records' calls; tick is its r->t, for that order. */
	size_t (*on_records)(void *state, const hp_record *p, const hp_record *end,
			     uint64_t tid, uint64_t t0, uint64_t mult);
	void (*on_scope)(void *state, const hp_event *ev, uint64_t tick);

	/* Optional: requests the plugin answers on hotpath's query socket
	 * (docs/wire.md), a NULL-ended list of "cmd" values, e.g.
	 * {"cpu_start", "cpu_stop", NULL}; they must not be hotpath's own.
	 * query, on the collector thread, gets one whose cmd is in the list
	 * (req: the whole request, JSON, len bytes) and either writes into
	 * out the reply's members after "cmd" ("\"cpu\":{...}": the host
	 * adds {"type":"hotpath_reply","schema":1,"cmd":...,} around them) and
	 * returns 0, or returns a negative hp_err with a static error code in
	 * *code ("cpu_refused") and the message in out (a "hotpath_error"
	 * reply).  query_off: a built-in plugin's message when a query of its
	 * list comes while it is off (error "no_collector"), how to turn it
	 * on. */
	const char *const *queries;
	const char *query_off;
	int (*query)(void *state, const char *cmd, const char *req, size_t len, hp_text *out,
		     const char **code);
} hp_plugin_ops;

/* The inline helpers: histograms, texts, per-site tables, rings. */
#include <hotpath/plugin_util.h>

/* The one symbol an external plugin exports. */
HP_PLUGIN_EXPORT const hp_plugin_ops *hp_plugin_entry(void);
typedef const hp_plugin_ops *(*hp_plugin_entry_fn)(void);
#define HP_PLUGIN_ENTRY "hp_plugin_entry"

#ifdef __cplusplus
}
#endif

#endif /* HOTPATH_PLUGIN_H */
