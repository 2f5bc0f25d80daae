/* SPDX-License-Identifier: MIT */
/*
 * hpi.h - names shared between the files of libhotpath (never installed).
 */
#ifndef HPI_H
#define HPI_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <hotpath.h>
#include <hotpath/plugin.h>

#include "alloc.h"

#define HPI_HIDDEN __attribute__((visibility("hidden")))

/* ---- warn.c: the one way hotpath talks to the user at run time ---------- */

/* Prints one "[hotpath] ..." line on stderr (or to the test sink). */
void hpi_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void hpi_vwarn(const char *fmt, va_list ap);
/* Tests capture warnings: sink gets each line without "[hotpath] " and
 * without the newline.  NULL restores stderr. */
typedef void (*hpi_warn_sink)(const char *line, void *data);
void hpi_warn_set_sink(hpi_warn_sink sink, void *data);
/* printf into a new malloc'ed string; NULL when out of memory. */
char *hpi_asprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* ---- trust.c: what hotpath believes (docs/security.md) ------------------ */

/* Whether this is a secure-execution process (getauxval(AT_SECURE):
 * setuid, setgid, file capabilities). */
bool hpi_secure(void);
/* Tests: 1 or 0 forces hpi_secure's answer, -1 asks the kernel again. */
void hpi_secure_force(int on);
/* In a secure-execution process, says once why settings are ignored. */
void hpi_secure_note(void);
/* getenv, except NULL for HOTPATH_* in a secure-execution process (said
 * once).  Every HOTPATH_* variable is read through it. */
const char *hpi_getenv(const char *name);
#define HPI_TRUST_NO_GROUP 1u /* the file's group may not write it either */
/* 0 when hotpath may obey or run the file at path: owned by the user (the
 * effective user in secure execution) or root, not writable by others (nor
 * by its group with HPI_TRUST_NO_GROUP or in secure execution), nor is its
 * folder (every folder up to / in secure execution, where relative paths
 * are refused too).  Else HP_ENOENT or HP_EINVAL with a malloc'ed *why
 * (caller frees). */
int hpi_trust_file(const char *path, unsigned flags, char **why);
/* 0 when path is an ELF shared object of this word size whose dynamic
 * symbol table defines sym; read without loading it (no constructor runs).
 * Else HP_ENOENT or HP_EINVAL with a malloc'ed *why. */
int hpi_trust_elf(const char *path, const char *sym, char **why);
/* open(2) that never blocks on a FIFO: a regular file, /dev/null (*is_null
 * set), for writing any character device or the program's own stdout or
 * stderr; anything else fails with errno EINVAL (EISDIR for a folder).
 * Returns a blocking close-on-exec descriptor, or -1 with errno. */
int hpi_open_regular(const char *path, int flags, bool *is_null);

/* ---- strbuf.c: growable string ------------------------------------------ */

/* data is NUL-terminated, or NULL while nothing has been appended; the
 * owner frees it with hpi_buf_fini.  Once an allocation fails, data holds
 * the prefix that fit, failed is set, and later appends do nothing. */
typedef struct hpi_buf {
	char *data;
	size_t len, cap;
	bool failed; /* an allocation failed; data holds what fit */
} hpi_buf;

void hpi_buf_init(hpi_buf *b);
void hpi_buf_fini(hpi_buf *b);
/* Tests: a buffer that would grow past max bytes fails as if realloc had
 * (an injected allocation failure); SIZE_MAX restores. */
void hpi_buf_test_fail_above(size_t max);
/* A decimal integer, as printf's PRId64 writes it, without printf. */
void hpi_buf_i64(hpi_buf *b, int64_t v);
void hpi_buf_putn_slow(hpi_buf *b, const char *s, size_t n);

/* Appends n bytes.  Inline: a report writes hundreds of thousands of
 * small pieces, and most fit without growing. */
static inline void hpi_buf_putn(hpi_buf *b, const char *s, size_t n)
{
	if (__builtin_expect(b != NULL && s != NULL && n < b->cap - b->len && !b->failed, 1)) {
		memcpy(b->data + b->len, s, n);
		b->len += n;
		b->data[b->len] = '\0';
		return;
	}
	hpi_buf_putn_slow(b, s, n);
}

static inline void hpi_buf_putc(hpi_buf *b, char c)
{
	hpi_buf_putn(b, &c, 1);
}

static inline void hpi_buf_puts(hpi_buf *b, const char *s)
{
	if (s != NULL)
		hpi_buf_putn(b, s, strlen(s));
}
void hpi_buf_printf(hpi_buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Appends s as a JSON string literal with quotes (RFC 8259 escapes,
 * ill-formed UTF-8 as U+FFFD); NULL appends null. */
void hpi_buf_json_str(hpi_buf *b, const char *s);
/* Appends s (n bytes) escaped for XML/HTML text and attributes: & < > " '
 * as entities, tab/CR/LF as spaces, other control characters and
 * ill-formed UTF-8 as U+FFFD.  NULL appends nothing. */
void hpi_buf_xmln(hpi_buf *b, const char *s, size_t n);
void hpi_buf_xml(hpi_buf *b, const char *s);
/* Length (1-4) of the well-formed UTF-8 sequence at s, or minus the length
 * of its ill-formed maximal subpart. */
int hpi_utf8_len(const char *s);

/* ---- strbuf.c: small helpers --------------------------------------------- */

/* The growing half of hpi_grow. */
bool hpi_grow_slow(void *arr, size_t *n, size_t elem, uint32_t id);
/* Grows *arr (n items of elem bytes, zero-filled) so index id fits;
 * false when out of memory (*arr and *n unchanged).  Inline: callers
 * call it for every event. */
static inline bool hpi_grow(void *arr, size_t *n, size_t elem, uint32_t id)
{
	return id < *n || hpi_grow_slow(arr, n, elem, id);
}
/* A per-site table (site id -> its entry): the slot of id, the table
 * grown (zero-filled) as needed; NULL when out of memory. */
static inline void **hpi_sitemap_slot(void ***map, size_t *n, uint32_t id)
{
	return hpi_grow(map, n, sizeof(**map), id) ? &(*map)[id] : NULL;
}
/* The file name without its folders (borrowed from path). */
const char *hpi_basename(const char *path);

/* ---- term.c: the one sanitiser for text bound for a terminal ----------- */

#define HPI_TERM_NEWLINE 1u /* keep '\n' */
#define HPI_TERM_TAB 2u     /* keep '\t' */
/* Appends s[0..n) made safe for a terminal: C0 controls, DEL and bytes that
 * are not well-formed UTF-8 as "\x1b", C1 and bidi controls (RTLO, ...) and
 * U+2028/9 as "<U+202E>"; the rest as is.  s NULL appends nothing. */
void hpi_buf_term(hpi_buf *b, const char *s, size_t n, unsigned flags);
/* Whether hpi_buf_term would copy s[0..n) unchanged (flags 0). */
bool hpi_term_clean(const char *s, size_t n);
/* hpi_buf_term of s[0..n) into dst (len bytes, NUL included), cut before
 * the first character that does not fit; allocates nothing.  Returns the
 * length written. */
size_t hpi_term_copy(char *dst, size_t len, const char *s, size_t n, unsigned flags);
/* For JSON text from elsewhere (the wire): every character hpi_buf_term
 * would escape becomes a JSON escape ("\u001b", "\u202e"; a byte that is
 * not UTF-8 "\ufffd"), which inside a string means the same JSON value and
 * outside one was not JSON anyway.  Appends s[0..n) so to b. */
void hpi_buf_term_json(hpi_buf *b, const char *s, size_t n);
/* Writes s[0..n) to f as hpi_buf_term_json makes it (as is when clean). */
void hpi_term_json_print(FILE *f, const char *s, size_t n);
/* hpi_term_copy of the string s ("(null)" for NULL); returns dst. */
const char *hpi_term_str(char *dst, size_t len, const char *s);

/* ---- snapshot.c: the data model every consumer reads --------------------- */

/* One cell; which member is live follows the column unit (hpi_unit_is_*). */
typedef struct hpi_cell {
	bool set;
	union {
		int64_t i; /* COUNT, NS, BYTES */
		double d;  /* PERCENT, RATE */
		char *s;   /* TEXT, owned */
	} v;
} hpi_cell;

typedef struct hpi_kv {
	char *key, *value;
} hpi_kv;

/* Key/value list in insertion order. */
typedef struct hpi_kvs {
	hpi_kv *v;
	size_t n, cap;
} hpi_kvs;

typedef struct hpi_col {
	char *key, *title;
	hp_unit unit;
} hpi_col;

typedef struct hpi_row {
	hpi_cell *cells;  /* ncells <= ncols: cells past ncells read as unset */
	size_t ncells;
	hp_section *log;  /* child section made by hpi_row_log, or NULL */
} hpi_row;

struct hp_section {
	char *id, *title;
	hpi_col *cols;
	size_t ncols, capcols;
	hpi_row *rows;
	size_t nrows, caprows;
	hpi_kvs meta;
};

struct hp_snapshot {
	hp_section **secs;
	size_t nsecs, capsecs;
	hpi_kvs meta;
};

/* New empty snapshot; free with hpi_snapshot_free. NULL on ENOMEM. */
hp_snapshot *hpi_snapshot_new(void);
void hpi_snapshot_free(hp_snapshot *s);
/* Report-wide fact; value copied (replaces an earlier one in place; NULL
 * removes the key). */
void hpi_snapshot_meta_set(hp_snapshot *s, const char *key, const char *value);
/*
 * Writers (the same functions the hp_host table hands to plugins).  All are
 * NULL-safe and ignore out-of-range rows and columns.  Cell writers follow
 * the column unit: int into PERCENT/RATE and real into COUNT/NS/BYTES are
 * converted (NaN leaves an integer cell as it was), a number into TEXT or
 * text into a numeric column is ignored; NULL text empties the cell.
 */
/* New section owned by snap, or NULL (NULL id, ENOMEM).  NULL title = id. */
hp_section *hpi_section_add(hp_snapshot *snap, const char *id, const char *title);
/* Column index (>= 0), or HP_EINVAL (NULL or duplicate key, bad unit) or
 * HP_ENOMEM.  May be called after rows exist; their new cells are unset. */
int hpi_column_add(hp_section *sec, const char *key, const char *title, hp_unit unit);
/* Index of the new row, or (size_t)-1 on ENOMEM (writers ignore it). */
size_t hpi_row_add(hp_section *sec);
void hpi_cell_int(hp_section *sec, size_t row, size_t col, int64_t v);
void hpi_cell_real(hp_section *sec, size_t row, size_t col, double v);
void hpi_cell_text(hp_section *sec, size_t row, size_t col, const char *v);
/* Section fact (e.g. "table.columns"); as hpi_snapshot_meta_set. */
void hpi_section_meta_set(hp_section *sec, const char *key, const char *value);
/* The row's log, created (with no columns) on first call; owned by sec. */
hp_section *hpi_row_log(hp_section *sec, size_t row);
/* Borrowed child section of a row, or NULL. */
const hp_section *hpi_section_log(const hp_section *sec, size_t row);
/* Column index of key, or -1. */
int hpi_section_col(const hp_section *sec, const char *key);
/* Sets the report-wide facts that the report at exit and every snapshot
 * the publisher takes carry, in this order: caller, program, pid,
 * start_unix_ns, elapsed_ns, dropped (events, read here) and clock. */
typedef struct hpi_facts {
	const char *caller, *program; /* borrowed; caller may be NULL */
	long pid;
	uint64_t start_unix_ns, elapsed_ns;
} hpi_facts;
void hpi_snapshot_facts(hp_snapshot *s, const hpi_facts *f);

/* ---- unit.c: the column units, defined once (HP_UNIT_MAP) ----------------- */

/* What a cell of a unit holds, from the map's kind column. */
enum { HPI_UNIT_KIND_INT, HPI_UNIT_KIND_REAL, HPI_UNIT_KIND_TEXT };
#define HPI__UNIT_BIT(want, NAME, val, kind) \
	| (HPI_UNIT_KIND_##kind == (want) ? 1u << (val) : 0u)
#define HPI__UNIT_INT(NAME, val, name, kind, doc) HPI__UNIT_BIT(HPI_UNIT_KIND_INT, NAME, val, kind)
#define HPI__UNIT_REAL(NAME, val, name, kind, doc) HPI__UNIT_BIT(HPI_UNIT_KIND_REAL, NAME, val, kind)

/* Whether a cell of unit u holds an int64 (count, ns, bytes).  Inline: the
 * renderers ask for every cell. */
static inline bool hpi_unit_is_int(hp_unit u)
{
	return (unsigned)u < 32 && ((0u HP_UNIT_MAP(HPI__UNIT_INT)) >> (unsigned)u & 1u);
}

/* Whether a cell of unit u holds a double (percent, rate). */
static inline bool hpi_unit_is_real(hp_unit u)
{
	return (unsigned)u < 32 && ((0u HP_UNIT_MAP(HPI__UNIT_REAL)) >> (unsigned)u & 1u);
}

/* Unit name as in the JSON report: "count", "ns", ...; "?" when invalid. */
const char *hpi_unit_name(hp_unit u);
/* The unit with this name, or -1 when none has it. */
int hpi_unit_parse(const char *name);
/* A number as the table shows a cell of unit u: is_int says whether i or
 * d holds it ("42", "1.25\xc2\xb5s", "1.50KiB", "12.50%", "3.0/s"; a
 * real count or a number in a text column "%g").  buf >= 64 bytes;
 * returns buf. */
const char *hpi_unit_format(char *buf, size_t len, hp_unit u, bool is_int, int64_t i, double d);
/* Human units: "12ns", "1.25µs", "3.40ms", "1.02s"; buf >= 32 bytes. */
void hpi_fmt_ns(char *buf, size_t len, int64_t ns);
/* "512B", "1.50KiB", "2.00MiB", "3.25GiB", "1.00TiB"; buf >= 32 bytes. */
void hpi_fmt_bytes(char *buf, size_t len, int64_t bytes);

/* ---- render.c: built-in formats ------------------------------------------ */

typedef struct hpi_render_opts {
	size_t limit;             /* rows per section; 0 = all */
	const double *pcts;       /* percentiles of the report */
	size_t npcts;
	bool no_logs;             /* JSON: leave out rows' logs (the smaller
				   * report written when memory runs out) */
	const char *stacks;       /* the flame graph's section: NULL = "stacks" */
	bool all_rows;            /* JSON: every row, sections' own limits too
				   * (the wire: docs/wire.md promises all) */
} hpi_render_opts;

/* box.c: one box table as every table output draws it (docs/report-format.md):
 * +---+ rules, "| cell |" lines left-aligned to each column's widest cell in
 * UTF-8 characters, row 0 (the header) between two rules, a closing rule
 * when there are more rows.  cell(arg, row, col, tmp, len) returns a
 * cell's text, borrowed or written into tmp (len 64); it is shown made
 * safe for the terminal (term.c). */
typedef const char *(*hpi_box_cell)(const void *arg, size_t row, size_t col, char *tmp,
				    size_t len);
void hpi_box(hpi_buf *out, size_t nrows, size_t ncols, hpi_box_cell cell, const void *arg);
/* A GitHub-flavoured markdown table of the same cells: row 0 the header,
 * the alignment row (right[c]: "---:", else ":---"; right may be NULL),
 * then the rows, each "| a | b |"; cells are written as they are (the
 * caller escapes them). */
void hpi_md_table(hpi_buf *out, size_t nrows, size_t ncols, hpi_box_cell cell,
		  const void *arg, const bool *right);
/* Width of s in the box: UTF-8 characters once made safe for the terminal. */
size_t hpi_box_width(const char *s);
/* Summary line, then one box table per section (docs/report-format.md).
 * o may be NULL (all rows). */
void hpi_render_table(hpi_buf *out, const hp_snapshot *s, const hpi_render_opts *o);
/* JSON report ("type": "hotpath_report"); pretty adds 2-space indents.
 * o may be NULL (all rows, no percentiles). */
void hpi_render_json(hpi_buf *out, const hp_snapshot *s, const hpi_render_opts *o,
		     bool pretty);

/* Report-wide facts in the JSON report (and the Lua report table): false
 * for the keys the report writes itself (type, version, ...), which no fact
 * may replace.  Else true, and *v is set with *is_int true when the value is
 * written as an integer (key "pid", "dropped" or "*_ns" and a value that is
 * exactly a decimal integer). */
bool hpi_render_fact(const char *key, const char *value, long long *v, bool *is_int);
/* JSON number text of a percent or rate cell (up to 4 decimals, trailing
 * zeros stripped) into buf (>= 400 bytes); false when d is not finite
 * (written as null). */
bool hpi_render_real(char *buf, size_t len, double d);
/* Text of a cell as the table shows it ("1.25ms", "3.40%", "-" when
 * unset): tmp (len >= 64) or a string borrowed from sec. */
const char *hpi_render_cell(const hp_section *sec, size_t row, size_t col, char *tmp,
			    size_t len);
/* Rows of sec that a report with this limit (0 = all) shows: sections may
 * set a smaller one of their own (meta "report.limit"). */
size_t hpi_render_limit(const hp_section *sec, size_t limit);

/* ---- flame.c, html.c: folded stacks, flame graph, HTML report ------------ */

/* The section that `--stacks NAME` draws: "stacks" for NULL or "",
 * "cpu_stacks" for "cpu", else NAME itself.  Borrowed. */
const char *hpi_flame_section(const char *name);
/*
 * Collapsed stacks (docs/flamegraph.md) of section id (see
 * hpi_flame_section) of s: one "a;b;c SELF_NS" line per call path whose
 * self time is above 0, depth first, frames in byte order.  Returns 0,
 * HP_ENOENT when s has no such section, HP_EINVAL when it has no text
 * "stack" or integer "self" column, or HP_ENOMEM.
 */
int hpi_render_folded(hpi_buf *out, const hp_snapshot *s, const char *id);
/*
 * The flame graph of the same section as SVG: a self-contained document
 * (standalone: XML prolog, its own script) or an <svg> element for the
 * HTML report, which runs hpi_flame_js itself.  Returns as
 * hpi_render_folded.
 */
int hpi_render_flame_svg(hpi_buf *out, const hp_snapshot *s, const char *id,
			 bool standalone);
/* The flame graph's script: defines hpFlame(svgElement). */
extern const char hpi_flame_js[];
/* The HTML report's script: defines hpReport(document) (after hpi_flame_js). */
extern const char hpi_html_js[];
/* The HTML report (docs/flamegraph.md): every section as a sortable
 * table, the flame graph of o->stacks, the threads' CPU.  o may be NULL. */
void hpi_render_html(hpi_buf *out, const hp_snapshot *s, const hpi_render_opts *o);

/* ---- hist.c: log-linear histogram, < 0.4 % relative error ---------------- */

#define HPI_HIST_SUB_BITS 7 /* 128 sub-buckets per power of two */
#define HPI_HIST_SUB (1u << HPI_HIST_SUB_BITS)
#define HPI_HIST_OCTAVES (64 - HPI_HIST_SUB_BITS)

typedef struct hpi_hist {
	uint64_t count;
	uint64_t min, max;
	unsigned __int128 sum;   /* never overflows */
	uint64_t *oct[HPI_HIST_OCTAVES + 1]; /* oct[0]: values < SUB; lazily allocated */
	bool oom; /* an octave could not be allocated; its values are counted in min/max/sum only */
} hpi_hist;

void hpi_hist_init(hpi_hist *h);
void hpi_hist_fini(hpi_hist *h);
/* Allocates the octave of a first value (the slow half of hpi_hist_add). */
void hpi_hist_add_slow(hpi_hist *h, unsigned oct, unsigned sub);
/* The octave and sub-bucket of v. */
static inline void hpi_hist_index(uint64_t v, unsigned *oct, unsigned *sub)
{
	unsigned e;

	if (v < HPI_HIST_SUB) {
		*oct = 0;
		*sub = (unsigned)v;
	} else {
		e = 63u - (unsigned)__builtin_clzll(v);
		*oct = e - HPI_HIST_SUB_BITS + 1;
		*sub = (unsigned)(v >> (e - HPI_HIST_SUB_BITS)) - HPI_HIST_SUB;
	}
}

/* Counts v in its bucket only (count, sum, min and max are the caller's). */
static inline void hpi_hist_bump(hpi_hist *h, uint64_t v)
{
	unsigned o, sub;

	hpi_hist_index(v, &o, &sub);
	if (__builtin_expect(h->oct[o] != NULL, 1))
		h->oct[o][sub]++;
	else
		hpi_hist_add_slow(h, o, sub);
}

/* Records one value. */
static inline void hpi_hist_add(hpi_hist *h, uint64_t v)
{
	h->count++;
	h->sum += v;
	if (v < h->min)
		h->min = v;
	if (v > h->max)
		h->max = v;
	hpi_hist_bump(h, v);
}

/* Value at percentile p (0..100): 0 gives the exact min, 100 the exact max. */
uint64_t hpi_hist_percentile(const hpi_hist *h, double p);
/* Sum as a double and truncated to uint64 (saturating). */
uint64_t hpi_hist_sum(const hpi_hist *h);
/* The report's compact text form "1;COUNT;SUM;MIN;MAX;BUCKETS" (the "hist"
 * column, docs/report-format.md), appended to out. */
void hpi_hist_encode(const hpi_hist *h, hpi_buf *out);
/* Parses that form into h (initialised here; free with hpi_hist_fini):
 * 0, HP_ESYNTAX (malformed, or buckets that do not add up to the count) or
 * HP_ENOMEM. */
int hpi_hist_decode(hpi_hist *h, const char *s);
/* dst += src (buckets, count, sum; min and max).  0 or HP_ENOMEM. */
int hpi_hist_merge(hpi_hist *dst, const hpi_hist *src);
/* The values at or below each of n ascending bounds into out (n counts),
 * to within a bucket: a bucket whose lower edge is at or below a bound
 * counts there whole (values up to 0.8 % above it).  For OpenMetrics
 * histograms (core/metrics.c). */
#define HPI_METRICS_MAX_BOUNDS 64
void hpi_hist_cumulative(const hpi_hist *h, const uint64_t *bounds, size_t n, uint64_t *out);

/* ---- config.c: hotpath.yaml + HOTPATH_* ---------------------------------- */

#define HPI_MAX_PCTS 32

/* Where a value came from, for messages: "hotpath.yaml:3:14" or "HOTPATH_LIMIT". */
typedef struct hpi_origin {
	char *file; /* NULL for built-in defaults */
	int line, col; /* 1-based; 0 when from the environment */
	char *env;  /* environment variable name, or NULL */
} hpi_origin;

typedef struct hpi_strv {
	char **v;
	hpi_origin *origin;
	size_t n;
	char **opts; /* NULL, or n items: report.scripts' options as JSON
		      * object text, else NULL (always NULL in other lists) */
} hpi_strv;

/* plugins.options: a tiny tree of scalars, per plugin name. */
typedef struct hpi_optnode {
	char *key;    /* "slowest.count" (dotted path under plugins.options) */
	char *value;  /* scalar text */
	int line, col; /* the value's place in the file (c->path), 0 when not
			* from a file */
	int kline, kcol; /* the key's */
} hpi_optnode;

/*
 * The built-in collectors, in the order they are registered: hp_builtins.h
 * (generated from HP_BUILTINS, to which every plugins/<name>/Makemodule.am
 * adds its name) has one HPI_BUILTIN(name) line each, and the plugin's ops
 * table is hpi_<name>_plugin.
 */
enum {
#define HPI_BUILTIN(name) HPI_BUILTIN_##name,
#include "hp_builtins.h"
#undef HPI_BUILTIN
	HPI_NBUILTINS
};
#define HPI_MAX_OPTIONS 16 /* rows of one built-in collector */

/* The value of one option row; which field depends on the row's type. */
typedef struct hpi_optval {
	bool b;     /* HP_OPT_BOOL */
	long i;     /* HP_OPT_INT; HP_OPT_ENUM: index of the choice */
	char *s;    /* HP_OPT_TEXT (owned), NULL = unset */
	hpi_strv v; /* HP_OPT_LIST */
} hpi_optval;

typedef struct hpi_config {
	char *path;            /* the file read, or NULL */
	char *dir;             /* its folder, absolute: relative plugins and
				* scripts it names are found there; or NULL */
	bool strict;
	/* collector */
	int drain_interval_ms; /* collector.drain_interval_ms, default 10 */
	int buffer_max_mb;     /* collector.buffer_max_mb per thread, default 64 */
	/* collectors.<name>.<key>: built-in collector b's option i (its
	 * ops' options[i]) is copts[b][i]; hpi_config_opt() finds one by name */
	hpi_optval copts[HPI_NBUILTINS][HPI_MAX_OPTIONS];
	/* report */
	hp_format format;      /* HP_FORMAT_TABLE */
	double pcts[HPI_MAX_PCTS];
	size_t npcts;          /* default 1: {95} */
	long limit;            /* 15; 0 = all */
	char *output;          /* "stderr" */
	hpi_strv scripts;      /* with .opts from {path: ..., options: {...}} */
	int script_memory_mb;  /* report.script_memory_mb, default 64 */
	long script_instructions; /* report.script_instructions, 1e9; 0 = no cap */
	bool on_signal;
	char *report_sort;     /* report.sort: "total" (NULL) or "self" */
	char *trace_output;    /* report.trace_output, "trace.json" */
	hpi_optval fork;       /* report.fork: .i HPI_FORK_OFF or HPI_FORK_CHILD */
	/* publish */
	char *endpoint;        /* "auto": ipc in the discovery folder (discover.h) */
	char *query;           /* "auto": ipc beside the endpoint */
	int publish_interval_ms; /* 250 */
	int publish_max_connections; /* per endpoint, 32: more are refused, counted */
	int publish_query_rate;  /* queries a client may make a second, 20; 0 = any */
	int publish_query_burst; /* ... and at once before the rate applies, 40 */
	char *tls_cert, *tls_key, *tls_ca; /* publish.tls.*: PEM files, NULL = unset */
	char *metrics;         /* publish.metrics: OpenMetrics over HTTP, "off" */
	/* plugins */
	hpi_strv plugin_path;
	hpi_strv plugin_load;  /* with origins: messages name the yaml line */
	hpi_optnode *options;
	size_t noptions;
	/* console */
	hpi_strv console_panels; /* console.panels: Lua panel scripts */
} hpi_config;

enum { HPI_FORK_OFF, HPI_FORK_CHILD };

/* Defaults only. */
void hpi_config_defaults(hpi_config *c);
/* The built-in collectors' ops tables, in registration order (registry.c). */
extern const hp_plugin_ops *const hpi_builtins[HPI_NBUILTINS];
/* Index of built-in collector name in hpi_builtins, or -1. */
int hpi_builtin_find(const char *name);
/* Built-in collector plugin's option key (borrowed from c), or NULL when
 * it has no such row. */
hpi_optval *hpi_config_opt(const hpi_config *c, const char *plugin, const char *key);
/* hotpath's own text setting at path ("report.trace_output"), borrowed
 * from c; NULL when unset or when path names no text key (hp_host.setting). */
const char *hpi_config_text(const hpi_config *c, const char *path);
/* Number of rows of an option table (up to its NULL key). */
size_t hpi_option_count(const hp_option *rows);
/*
 * An external plugin's options: vals[i] gets rows[i]'s default, then its
 * plugins.options.<plugin>.<key> from c, then its variables (the row's env,
 * then HOTPATH_PLUGINS_OPTIONS_<PLUGIN>_<KEY>).  Each problem is one
 * hpi_warn line like the file's own ("FILE:LINE:COL: plugins.options.
 * slowest.count: ..."), an unknown key too.  Free with hpi_optvals_fini.
 */
void hpi_optvals_load(const hpi_config *c, const char *plugin, const hp_option *rows,
		      hpi_optval *vals);
void hpi_optvals_fini(const hp_option *rows, hpi_optval *vals);
/*
 * Loads configuration: defaults, then the file (path, else $HOTPATH_CONFIG,
 * else ./hotpath.yaml if it exists and is trusted, else the per-user
 * $XDG_CONFIG_HOME/hotpath/hotpath.yaml; none in secure execution), then
 * HOTPATH_* variables (docs/config.md).  Every
 * problem is one hpi_warn line "FILE:LINE:COL: KEY: what is wrong" and the
 * key keeps its default.  Returns 0, or HP_EINVAL when there were problems
 * and c->strict is true (c is still filled).
 */
int hpi_config_load(hpi_config *c, const char *path);
void hpi_config_fini(hpi_config *c);
/* Parses "50,95,99.9" into p (at most max); 0 or HP_EINVAL/HP_ERANGE with
 * a malloc'ed cause. */
int hpi_parse_percentiles(const char *s, double *p, size_t max, size_t *n, char **cause);
/* Where o came from: "FILE:LINE:COL", the variable's name ("HOTPATH_PLUGINS")
 * or "default", written into buf (len > 0); returns buf. */
const char *hpi_origin_str(const hpi_origin *o, char *buf, size_t len);
/* Notes on the above: hpi_config_load starts from hpi_config_defaults and
 * overwrites all of *c (it need not be initialised; do not call defaults
 * first, that would leak).  Everything in *c is owned by it: free with
 * hpi_config_fini, which also zeroes it.  NULL strv origins' file/env are
 * owned copies.
 * report.scripts[].options is kept as JSON text in scripts.opts: maps are
 * objects, lists arrays; plain scalars follow YAML 1.2's core schema (null,
 * true/false, decimal numbers), every other scalar is a string. */

/* ---- lua.c, lua_report.c, lua_json.c: Lua reporters (docs/lua.md) ------ */

#define HPI_LUA_MEMORY_MB 64
#define HPI_LUA_INSTRUCTIONS 1000000000L
#define HPI_LUA_TIME_MS 10000 /* a reporter's wall-clock cap */

/* How one script runs; a NULL hpi_lua_opts means all defaults. */
typedef struct hpi_lua_opts {
	const char *options; /* the script's options, JSON object text; NULL = {} */
	size_t memory_mb;    /* memory cap in MiB; 0 = HPI_LUA_MEMORY_MB */
	long instructions;   /* instruction cap; 0 = none, < 0 = HPI_LUA_INSTRUCTIONS */
	FILE *out;           /* where print() and io.write() go; NULL = stderr */
	const char *base;    /* folder a relative script path is found in (the
			      * configuration file's); NULL = working directory */
	unsigned long time_ms; /* wall-clock cap; 0 = HPI_LUA_TIME_MS */
} hpi_lua_opts;

/*
 * Runs one Lua reporter on s, in a fresh Lua state with the caps of lo:
 * finds script (hpi_lua_find), runs it, and calls the function it returns
 * (or its table's report) with the report table, shaped like the JSON
 * report of s with o (NULL: all rows, no percentiles), and the options.
 * Independent of any guard (`hotpath report --script` uses it too).
 * Returns 0, or HP_ENOENT (not found), HP_EIO (unreadable), HP_ESYNTAX,
 * HP_EINVAL (options not a JSON object), HP_ENOMEM (no memory for Lua, or
 * the memory cap) or HP_ESCRIPT (error, instruction cap, bad return value,
 * or the script reported a failure), with *cause set (caller frees): the
 * first line is "<kind>: <message>", traceback lines follow, each starting
 * with two spaces.  The messages are listed in docs/lua.md.
 */
int hpi_lua_report(const hp_snapshot *s, const hpi_render_opts *o, const char *script,
		   const hpi_lua_opts *lo, char **cause);
/* Prints a cause of hpi_lua_report as [hotpath] lines: "<name>: <first
 * line>", then each further line. */
void hpi_lua_warn(const char *name, const char *cause);
/* Where script is: the path as given, then HP_SCRIPTDIR, then each folder of
 * $HOTPATH_SCRIPT_PATH (colon-separated); a name without ".lua" also tries
 * name.lua; an absolute path is only tried as given.  New string (caller
 * frees), or NULL when no regular file matches.  In secure execution a
 * relative path is never tried as given. */
char *hpi_lua_find(const char *script);
/* hpi_lua_find, with a relative path tried in folder base (NULL: the
 * working directory) instead of as given. */
char *hpi_lua_find_in(const char *base, const char *script);
/* The guard's reporters: c->scripts with their options, then extra (the
 * builder's); every failure is reported with hpi_lua_warn, never more.
 * print() goes to stdout when c->output is "stdout", else to stderr.
 * Returns how many scripts failed. */
int hpi_lua_run_scripts(const hp_snapshot *s, const hpi_render_opts *o, const hpi_config *c,
			char *const *extra, size_t nextra);

/* lua_report.c and lua_json.c, for lua.c; each may raise a Lua error. */
struct lua_State;
/* Pushes the report table of s (docs/lua.md), and records the key order
 * of each of its objects in the registry's weak table HPI_LUA_ORDER. */
void hpi_lua_push_report(struct lua_State *L, const hp_snapshot *s,
			 const hpi_render_opts *o);
#define HPI_LUA_ORDER "hotpath.order"

/* Pushes the value of the JSON text json; on bad JSON pushes nothing and
 * returns false with the reason in why. */
bool hpi_lua_push_json(struct lua_State *L, const char *json, char *why, size_t len);
/* Installs the caps that hold inside C code (lua_cap.c): string.find,
 * match, gmatch and gsub refuse a pattern too costly for the subject,
 * setmetatable refuses __gc, load reads text only.  After the libraries are
 * open; every reporter and console panel state gets them. */
void hpi_lua_cap_install(struct lua_State *L);
/* lua_CFunction: pushes the table of C helpers the hotpath module uses. */
int hpi_lua_open_core(struct lua_State *L);
/* The text of scripts/hotpath.lua, built in. */
extern const char hpi_lua_hotpath[];

/* ---- publish.c, wire.c: live metrics over nng (docs/wire.md) ------------- */

#define HPI_WIRE_SCHEMA 1   /* "schema" of every message and reply */
#define HPI_QUERY_MAX 4096  /* bytes in a request; longer ones get an error */

/* Facts about the profiled program that every message carries.  Strings
 * are borrowed by hpi_publish_start, which copies them. */
typedef struct hpi_publish_info {
	const char *program, *caller, *host; /* host: set by the publisher */
	const char *endpoint, *query;        /* set by the publisher from the config */
	long pid;
	uint64_t unix0_ns, mono0_ns;         /* start: CLOCK_REALTIME, CLOCK_MONOTONIC */
	int interval_ms;                     /* set by the publisher */
	uint64_t sent, dropped;              /* messages so far, kept by the publisher */
	uint64_t refused;                    /* connections refused past the cap */
	uint64_t refused_queries;            /* queries refused past publish.query_rate */
	const double *pcts;                  /* the report's percentiles */
	size_t npcts;
	double pctbuf[HPI_MAX_PCTS];         /* the publisher's copy */
} hpi_publish_info;

typedef struct hpi_publisher hpi_publisher;
struct hpi_registry;

/* Binds publish.endpoint (PUB) and publish.query (REP).  NULL when the
 * endpoint is "off", or after one hpi_warn line when it cannot be bound (the
 * program runs on without publishing).  Free with hpi_publish_stop. */
hpi_publisher *hpi_publish_start(const hpi_config *c, struct hpi_registry *r,
				 const hpi_publish_info *info);
/* Collector thread only, after a pass: answers waiting queries, sends the
 * sections that changed when publish.interval_ms has passed and a hello
 * every second.  Never blocks.  NULL is a no-op. */
void hpi_publish_tick(hpi_publisher *p);
/* Closes the sockets and frees p (once the collector has stopped).  NULL is
 * a no-op. */
void hpi_publish_stop(hpi_publisher *p);
/* Waits up to max_ms for stopped publishers' sockets to finish closing
 * (they close on a thread of their own); called at exit. */
void hpi_publish_settle(int max_ms);
/* fork(): what the publisher holds is held across it (sp.c); in the
 * child, the parent's sockets are not the child's. */
void hpi_publish_atfork_prepare(void);
void hpi_publish_atfork_parent(void);
void hpi_publish_atfork_child(void);
/* Whether this process may use nng: false in a fork child of a process
 * that published (nng's threads are not in the child). */
bool hpi_publish_usable(void);

/* Answers the queries waiting on p's query socket from snapshot s (instead
 * of the last one published), as a tick does: for tests and benchmarks with
 * no collector.  Collector thread only when p is a guard's. */
void hpi_publish_serve(hpi_publisher *p, const hp_snapshot *s);

/* One client's token bucket (publish.query_rate): zeroed = full. */
typedef struct hpi_rate {
	uint64_t at;      /* CLOCK_MONOTONIC ns of the last refill; 0 = never */
	uint64_t credit;  /* queries left, times 1e9 */
} hpi_rate;
/* Whether one more query may be answered at now (ns): burst at once, then
 * rate a second; rate 0 = always.  Takes it when so. */
bool hpi_rate_take(hpi_rate *b, uint64_t now, unsigned rate, unsigned burst);

/* The section messages of one tick: one per section of s that changed since
 * it was last sent (every section when refresh).  Collector thread (or a
 * benchmark with no collector). */
void hpi_publish_sections(hpi_publisher *p, const hp_snapshot *s, bool refresh);

/* A parsed request: owned strings, NULL when absent. */
typedef struct hpi_query {
	char *cmd, *section, *row;
} hpi_query;
/* Parses a request (one JSON object whose values are strings; unknown keys
 * are ignored).  0, or HP_EINVAL with a static reason in *why.  Free with
 * hpi_query_fini (also after a failure, a no-op then). */
int hpi_query_parse(const char *req, size_t len, hpi_query *q, const char **why);
void hpi_query_fini(hpi_query *q);
/* The reply to request req (any bytes, len of them) from snapshot s, as
 * one line of JSON into out, which must start empty (docs/wire.md). */
void hpi_query_answer(hpi_buf *out, const hp_snapshot *s, const hpi_publish_info *in,
		      const char *req, size_t len);
/* The body of a hello message (docs/wire.md) appended to out. */
void hpi_publish_hello(hpi_buf *out, const hp_snapshot *s, const hpi_publish_info *in);
/* The "report" of a section message appended to out: a one-line JSON
 * report of sec alone, every row, without the rows' logs. */
void hpi_wire_section(hpi_buf *out, const hp_section *sec, const hpi_publish_info *in);
/* Replaces what out holds with the error reply {"type":"hotpath_error",...}. */
void hpi_wire_error(hpi_buf *out, const char *code, const char *message);

/* ---- clock.c ------------------------------------------------------------- */

void hpi_clock_init(void);
/* ns per tick in 32.32 fixed point; written once per calibration. */
extern uint64_t hpi_clock_mult;
/* ticks -> ns using the current calibration. */
static inline uint64_t hpi_ticks_to_ns(uint64_t ticks)
{
	return (uint64_t)(((unsigned __int128)ticks *
			   __atomic_load_n(&hpi_clock_mult, __ATOMIC_RELAXED)) >> 32);
}
/* CLOCK_MONOTONIC in ns. */
uint64_t hpi_mono_ns(void);
/* Refines the calibration against CLOCK_MONOTONIC since init. */
void hpi_clock_recalibrate(void);
bool hpi_clock_is_tsc(void);
double hpi_clock_ghz(void);

/* ---- channels.c ------------------------------------------------------------ */

/* Non-zero while the channels plugin keeps message logs: probe formatters
 * run only then. */
extern int hpi_channel_logs; /* the number of plugins that want text */

/* ---- guard.c ------------------------------------------------------------- */

/* Set by the first attempt to build a guard in this process (or in the
 * parent it was forked from); read at exit by site.c, which says so when
 * measured sites ran and no guard was ever asked to report them. */
extern volatile int hpi_guard_tried;
/* report.fork: child: set in a fork child until its own guard starts
 * (guard.c); the first record of the child's (tbuf.c) calls
 * hpi_guard_fork_start, from the program's thread, never from the atfork
 * handler. */
extern volatile int hpi_guard_fork_pending;
void hpi_guard_fork_start(void);
/* path with ".<pid>" before its extension; caller frees (NULL: no memory). */
char *hpi_guard_pid_path(const char *path, long pid);

/* ---- site.c --------------------------------------------------------------- */

/* hp__site_register with hp_site_info.arg set before the id is published. */
uint32_t hpi_site_register_arg(hp_site *site, const char *func, uint64_t arg);
/* Site info by id (NULL when unknown); lock-free. */
const hp_site_info *hpi_site_get(uint32_t id);
uint32_t hpi_site_count(void);
/* "<file stem>::<func>" into a new string. */
char *hpi_default_label(const char *file, const char *func);
/* A nameless site for the auto-instrumented function at fn (core/auto.c);
 * hpi_site_get names it.  Its id, or 0 when there are no more. */
uint32_t hpi_site_register_auto(uintptr_t fn);
/* The function address of an auto site (core/auto.c), 0 for any other. */
uintptr_t hpi_site_addr(uint32_t id);
/* fork(): the registry lock is held across it and fresh in the child. */
void hpi_site_atfork_prepare(void);
void hpi_site_atfork_parent(void);
void hpi_site_atfork_child(void);

/* ---- auto.c, symbols.c: -finstrument-functions (docs/auto.md) ----------- */

/* An auto-instrumented call made while the same function was already
 * open on its thread carries HP__SCOPE_REC in its kind byte: the collector
 * turns it into HP_EV_SCOPE with the HP_SCOPE_RECURSIVE flag. */

/* The hot path stops measuring the auto site id (filtered out) until the
 * next guard starts. */
void hpi_auto_site_off(uint32_t id);
/* A guard starts: every auto site is measured again. */
void hpi_auto_guard_start(void);
void hpi_auto_atfork_prepare(void);
void hpi_auto_atfork_parent(void);
void hpi_auto_atfork_child(void);

/* What the symbol tables and DWARF say of a function's address.  Every
 * string is malloc'ed and owned by the caller (sites keep them for good). */
typedef struct hpi_symbol {
	char *label; /* "<file stem>::<function>" (C++ demangled) */
	char *func;  /* the function's name */
	char *file;  /* its source file (DWARF), else the module's path */
	int line;    /* its line (DWARF), else 0 */
} hpi_symbol;

/* Names the function at addr in this process (the program, its shared
 * libraries, dlopen'ed ones included).  Never fails but for memory: a
 * function without a symbol is "<module stem>::0x<offset>".  Returns 0 or
 * HP_ENOMEM.  Not thread-safe: site.c calls it under its naming lock. */
int hpi_symbol_resolve(uintptr_t addr, hpi_symbol *out);
/* A symbol's name as a user writes it: C++ demangled, GCC's clone suffixes
 * (".constprop.0", ".cold", ...) cut.  Malloc'ed (caller frees), or NULL. */
char *hpi_symbol_pretty(const char *raw);

/* ---- filter.c: collectors.timing.include / exclude ------------------------ */

typedef struct hpi_filter hpi_filter;
/* Compiles the lists (globs, or /regex/ as POSIX extended); a bad regex is
 * one hpi_warn line naming its origin, and is left out.  NULL when both
 * lists are empty (everything passes) or out of memory.  Caller frees with
 * hpi_filter_free. */
hpi_filter *hpi_filter_new(const hpi_strv *include, const hpi_strv *exclude,
			   const char *prefix, const char *ikey, const char *ekey);
/* Whether a label is reported: it matches include (or include is empty)
 * and matches no exclude.  A NULL filter passes everything. */
bool hpi_filter_pass(const hpi_filter *f, const char *label);
void hpi_filter_free(hpi_filter *f);

/* ---- sample.c: sampled timing (docs/sampling.md) -------------------------- */

/* A guard starts: reads collectors.timing.sample and .sample_sites and,
 * with reset, starts every countdown and count over.  Returns
 * HP__ON_SAMPLE when some site may be sampled by configuration, else 0. */
int hpi_sample_start(const hpi_config *c, bool reset);
/* Site id's rate this guard, plus 1: 0 when the site is timed on every
 * call (or has not been called), 1 when it is counted without timing,
 * N + 1 when 1 in N calls is timed. */
uint32_t hpi_sample_rate(uint32_t id);
/* Site ids below this may have a rate. */
uint32_t hpi_sample_nsites(void);
void hpi_sample_atfork_prepare(void);
void hpi_sample_atfork_parent(void);
void hpi_sample_atfork_child(void);

/* ---- allocation tracking (core/alloc.c) ---------------------------------- */

/* Turns collectors.alloc on when libhotpath-alloc is loaded (unless
 * HOTPATH_ALLOC says otherwise); warns when it is on and the library is not. */
void hpi_alloc_configure(hpi_config *c);
/* Starts counting for a new guard: HP__ON_ALLOC, or 0 when not tracking. */
int hpi_alloc_start(const hpi_config *c);
/* The current (or last) guard tracks allocations. */
bool hpi_alloc_tracking(void);

/* ---- I/O tracking (core/io.c) -------------------------------------------- */

/* Turns collectors.io on when libhotpath-io is loaded (unless HOTPATH_IO
 * says otherwise); warns when it is on and the library is not. */
void hpi_io_configure(hpi_config *c);
/* hp__rt.on for a new guard: on, with HP__ON_IO (and the frames it needs)
 * when I/O is tracked. */
int hpi_io_start(const hpi_config *c, int on);

#endif /* HPI_H */
