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
 */
#ifndef HOTPATH_H
#define HOTPATH_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define HP_VERSION_MAJOR 0
#define HP_VERSION_MINOR 1
#define HP_VERSION_PATCH 0
#define HP_VERSION_STRING "0.1.0"

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
	X(ESTATE, -11, "wrong state")

#define HP__ERR_ENUM(name, val, text) HP_##name = val,
enum hp_err { HP_ERR_MAP(HP__ERR_ENUM) HP__ERR_END = -1000 };
#undef HP__ERR_ENUM

/* Report formats.  HP_FORMAT_DEFAULT means "whatever hotpath.yaml says". */
typedef enum hp_format {
	HP_FORMAT_DEFAULT = 0,
	HP_FORMAT_TABLE,
	HP_FORMAT_JSON,
	HP_FORMAT_JSON_PRETTY,
	HP_FORMAT_NONE
} hp_format;

/* Units of a snapshot column; they decide how every consumer shows a cell. */
typedef enum hp_unit {
	HP_UNIT_COUNT = 0, /* integer */
	HP_UNIT_NS,        /* integer nanoseconds */
	HP_UNIT_BYTES,     /* integer bytes */
	HP_UNIT_PERCENT,   /* double, 12.5 means 12.5 % */
	HP_UNIT_RATE,      /* double, per second */
	HP_UNIT_TEXT       /* string */
} hp_unit;

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

enum hp_site_kind { HP_SITE_FUNCTION = 1, HP_SITE_BLOCK = 2 };

/* Options of HP_MAIN; every field may be left out. */
typedef struct hp_main_options {
	const char *percentiles; /* "50,95,99" */
	hp_format format;
	int limit;               /* -1 = hotpath.yaml's; 0 = all rows */
	unsigned long timeout_ms;/* 0 = none */
	const char *output;      /* NULL = hotpath.yaml's (default stderr) */
	const char *caller;      /* NULL = <file stem>::main */
} hp_main_options;

#ifdef HOTPATH

/* ---- guard API (all in libhotpath) ------------------------------------ */

/* New builder; caller is the name printed in the report header.  Freed by
 * _build (always) or hp_guard_builder_free. */
HP_API hp_guard_builder *hp_guard_builder_new(const char *caller);
/* Percentiles to report, each in 0..100.  Returns 0 or HP_EINVAL. */
HP_API int hp_guard_builder_percentiles(hp_guard_builder *b, const double *p, size_t n);
HP_API int hp_guard_builder_format(hp_guard_builder *b, hp_format fmt);
/* Rows per section in the report; 0 = all. */
HP_API int hp_guard_builder_limit(hp_guard_builder *b, size_t limit);
/* Report destination: a path, "stderr" or "stdout"; copied. */
HP_API int hp_guard_builder_output(hp_guard_builder *b, const char *path);
/* Adds a C reporter; r must stay valid until the guard ends. */
HP_API int hp_guard_builder_reporter(hp_guard_builder *b, const hp_reporter *r, void *data);
/* Adds a Lua reporter script; returns HP_ENOTSUP until Lua support lands. */
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
	uint32_t site; /* site id */
	uint32_t dt;   /* duration in ticks, 0xffffffff = extended */
};

struct hp__tls {
	struct hp__rec *pos; /* next free record; published to the collector */
	struct hp__rec *end; /* end of the current chunk */
};

struct hp__rt {
	int on;  /* a guard is profiling */
	int tsc; /* hp__now() may read the TSC directly */
};

HP_API extern __thread struct hp__tls hp__tls __attribute__((tls_model("initial-exec")));
HP_API extern struct hp__rt hp__rt;
HP_API uint32_t hp__site_register(hp_site *site, const char *func);
HP_API uint64_t hp__now_slow(void);
HP_API void hp__emit_slow(uint32_t site, uint64_t t0, uint64_t t1);
HP_API hp_guard *hp__main_start(const hp_main_options *o, const char *file, const char *func);
HP_API void hp__main_end(hp_guard **g);

typedef struct hp__scope {
	uint64_t t0;
	uint32_t id;
} hp__scope;

/* Current tick of hotpath's clock. */
static inline uint64_t hp__now(void)
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

/* Opens a measured scope. */
static inline hp__scope hp__scope_begin(hp_site *site, const char *func)
{
	hp__scope sc;
	uint32_t id = __atomic_load_n(&site->id, __ATOMIC_ACQUIRE);

	if (__builtin_expect(id == 0, 0))
		id = hp__site_register(site, func);
	sc.id = 0;
	sc.t0 = 0;
	if (__builtin_expect(__atomic_load_n(&hp__rt.on, __ATOMIC_RELAXED), 1)) {
		sc.id = id;
		sc.t0 = hp__now();
	}
	return sc;
}

/* Closes a measured scope: one clock read and one 16-byte store. */
static inline void hp__scope_end(hp__scope *sc)
{
	if (__builtin_expect(sc->id != 0, 1)) {
		uint64_t t1 = hp__now();
		uint64_t dt = t1 - sc->t0;
		struct hp__rec *p = hp__tls.pos;

		/* a full chunk, or a duration that needs the two-record form
		 * (0xffffffff itself marks that form) */
		if (__builtin_expect(p == hp__tls.end || dt >= 0xffffffffu, 0)) {
			hp__emit_slow(sc->id, sc->t0, t1);
			return;
		}
		p->t = sc->t0;
		p->site = sc->id;
		p->dt = (uint32_t)dt;
		__atomic_store_n(&hp__tls.pos, p + 1, __ATOMIC_RELEASE);
	}
}

#define HP__CAT2(a, b) a##b
#define HP__CAT(a, b) HP__CAT2(a, b)
#define HP__UNIQ(p) HP__CAT(p, __LINE__)

#ifdef __cplusplus
} /* extern "C" */

/* C++: the same scope, closed by a destructor. */
struct hp__scope_raii {
	hp__scope sc;
	hp__scope_raii(hp_site *s, const char *f) : sc(hp__scope_begin(s, f)) {}
	~hp__scope_raii() { hp__scope_end(&sc); }
	hp__scope_raii(const hp__scope_raii &) = delete;
	hp__scope_raii &operator=(const hp__scope_raii &) = delete;
};
struct hp__main_raii {
	hp_guard *g;
	explicit hp__main_raii(hp_guard *x) : g(x) {}
	~hp__main_raii() { hp__main_end(&g); }
	hp__main_raii(const hp__main_raii &) = delete;
	hp__main_raii &operator=(const hp__main_raii &) = delete;
};
#define HP__SCOPE(label_, kind_)                                            \
	static hp_site HP__UNIQ(hp__site_) = {label_, __FILE__, __LINE__, kind_, 0}; \
	hp__scope_raii HP__UNIQ(hp__scope_)(&HP__UNIQ(hp__site_), __func__)
/* C++20 takes HP_MAIN(.limit = 5); C++11 takes HP_MAIN(). */
struct hp__main_cxx {
	const char *percentiles = nullptr;
	hp_format format = HP_FORMAT_DEFAULT;
	int limit = -1;
	unsigned long timeout_ms = 0;
	const char *output = nullptr;
	const char *caller = nullptr;
};
static inline hp_guard *hp__main_start_cxx(const hp__main_cxx &c, const char *file,
					   const char *func)
{
	hp_main_options o;
	o.percentiles = c.percentiles;
	o.format = c.format;
	o.limit = c.limit;
	o.timeout_ms = c.timeout_ms;
	o.output = c.output;
	o.caller = c.caller;
	return hp__main_start(&o, file, func);
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
#define HP_MAIN(...)                                                        \
	_Pragma("GCC diagnostic push")                                      \
	_Pragma("GCC diagnostic ignored \"-Woverride-init\"")               \
	hp_guard *hp__main_guard __attribute__((cleanup(hp__main_end), unused)) =   \
	    hp__main_start(&(const hp_main_options){.limit = -1, __VA_ARGS__}, \
			   __FILE__, __func__);                             \
	_Pragma("GCC diagnostic pop")                                       \
	extern int hp__main_decl __attribute__((unused))
#endif

/* Measures the enclosing function until the end of the current scope. */
#define HP_MEASURE() HP__SCOPE(NULL, HP_SITE_FUNCTION)
/* Same, with an explicit label. */
#define HP_MEASURE_NAMED(label) HP__SCOPE(label, HP_SITE_FUNCTION)
/* Measures a block; return, break, continue and goto leave it as usual. */
#define HP_MEASURE_BLOCK(label, ...)                                        \
	{                                                                   \
		HP__SCOPE(label, HP_SITE_BLOCK);                            \
		__VA_ARGS__                                                 \
	}

#else /* !HOTPATH: everything vanishes */

#define HP_MEASURE()
#define HP_MEASURE_NAMED(label)
#define HP_MEASURE_BLOCK(label, ...) __VA_ARGS__
#define HP_MAIN(...)

static inline hp_guard_builder *hp_guard_builder_new(const char *c) { (void)c; return NULL; }
static inline int hp_guard_builder_percentiles(hp_guard_builder *b, const double *p, size_t n) { (void)b; (void)p; (void)n; return 0; }
static inline int hp_guard_builder_format(hp_guard_builder *b, hp_format f) { (void)b; (void)f; return 0; }
static inline int hp_guard_builder_limit(hp_guard_builder *b, size_t l) { (void)b; (void)l; return 0; }
static inline int hp_guard_builder_output(hp_guard_builder *b, const char *p) { (void)b; (void)p; return 0; }
static inline int hp_guard_builder_reporter(hp_guard_builder *b, const hp_reporter *r, void *d) { (void)b; (void)r; (void)d; return 0; }
static inline int hp_guard_builder_script(hp_guard_builder *b, const char *p) { (void)b; (void)p; return 0; }
static inline hp_guard *hp_guard_builder_build(hp_guard_builder *b) { (void)b; return NULL; }
static inline hp_guard *hp_guard_builder_build_with_timeout(hp_guard_builder *b, unsigned long ms) { (void)b; (void)ms; return NULL; }
static inline void hp_guard_builder_free(hp_guard_builder *b) { (void)b; }
static inline void hp_guard_end(hp_guard *g) { (void)g; }

#endif /* HOTPATH */

#ifdef __cplusplus
}
#endif

#endif /* HOTPATH_H */
