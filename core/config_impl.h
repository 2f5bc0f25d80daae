/* SPDX-License-Identifier: MIT */
/*
 * config_impl.h - the config module's header (hotpath.yaml + HOTPATH_*):
 * config.c (the schema and its walk, the
 * environment, the entry points), config_yaml.c (the YAML tree),
 * config_value.c (checking and storing one value, messages) and
 * config_rows.c (plugins' option rows).  Its first part is what the rest
 * of libhotpath calls; the second is shared by those four files only.
 * Not config.h: autoconf's header has that name.
 */
#ifndef HOTPATH_CONFIG_IMPL_H
#define HOTPATH_CONFIG_IMPL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include <hotpath.h>
#include <hotpath/plugin.h>

#include "strbuf.h"

/* ---- for the rest of libhotpath ------------------------------------------ */

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

/* ---- the config module's own files ---------------------------------------- */

#define CONFIG_MAX_DEPTH 64         /* deeper YAML is refused */
#define CONFIG_NOFIELD ((size_t)-1) /* accepted and checked, not stored (yet) */
#define CONFIG_F(f) offsetof(hpi_config, f)
#define CONFIG_AT(x, k, T) ((T *)(void *)((char *)config_base(x) + (k)->off))

typedef enum config_type {
	CT_MAP, CT_BOOL, CT_INT, CT_LONG, CT_STR, CT_FORMAT, CT_PCTS,
	CT_STRV, CT_SCRIPTS, CT_OPTIONS, CT_ENUM, CT_COLLECTORS
} config_type;

/* One key of the schema; a table ends with a NULL name. */
typedef struct config_key {
	const char *name;
	config_type type;
	size_t off;                   /* in hpi_config, or CONFIG_NOFIELD */
	long min, max;                /* CT_INT, CT_LONG */
	const char *alias;            /* short environment name, or NULL */
	const struct config_key *sub; /* CT_MAP */
	const char *dflt;             /* shown in messages of unstored keys */
	char sep;                     /* list separator in the environment */
	const char *values;           /* CT_ENUM: the choices, "a|b|c" */
} config_key;

enum { CN_SCALAR, CN_SEQ, CN_MAP, CN_ALIAS };

/* A parsed YAML node; maps hold key, value, key, value, ... in kid. */
typedef struct config_node {
	int kind;
	int line, col;            /* 1-based start of the node */
	bool null;                /* plain "", "~" or "null" */
	bool plain;               /* a plain (unquoted) scalar */
	char *text;               /* scalars only */
	struct config_node **kid;
	size_t nkid, capkid;
} config_node;

/* State of one hpi_config_load. */
typedef struct config_ctx {
	hpi_config *c;
	const char *file; /* file being applied, for messages */
	int problems;
	void *base;       /* where keys' offsets point: c, or option values */
} config_ctx;

/* What the keys being applied are offsets into. */
static inline void *config_base(const config_ctx *x)
{
	return x->base != NULL ? x->base : (void *)x->c;
}

/* ---- config_value.c: messages, one value ---------------------------------- */

/* Reports one problem: one hpi_warn line, counted for strict mode. */
void hpi_config_warn(config_ctx *x, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* vsnprintf for message text, where truncation is harmless. */
void hpi_config_fmt(char *buf, size_t len, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* Copies s[0..n) into dst for a message: escaped, at most ~60 bytes. */
void hpi_config_esc(char *dst, size_t len, const char *s, size_t n);
/* "prefix.name" (or "name" at the top level), name escaped. */
void hpi_config_join(char *buf, size_t len, const char *prefix, const char *name);
/* "FILE:LINE:COL: path" for a message about node n. */
void hpi_config_who(const config_ctx *x, const config_node *n, const char *path,
		    char *buf, size_t len);
/* True when key (of a map under path) is a scalar; warns otherwise. */
bool hpi_config_key_ok(config_ctx *x, const config_node *key, const char *path);
/* What k expects, for "expected ...". */
void hpi_config_desc(const config_key *k, char *buf, size_t len);
/* What k keeps after a problem: "using 15", "using [95]" or "ignored". */
void hpi_config_tail(const config_ctx *x, const config_key *k, char *buf, size_t len);
/* One percentile s[0..n), spaces around it allowed; 0, HP_EINVAL or
 * HP_ERANGE with the reason in why. */
int hpi_config_pct(const char *s, size_t n, double *out, char *why, size_t len);
/* Checks and stores one scalar text for k; who starts any message. */
void hpi_config_scalar(config_ctx *x, const config_key *k, const char *who, const char *s);
/* Lists: free the items, origins and arrays of v and empty it; append a
 * copy of s[0..n) with a copy of origin o; replace k's list by nv (which
 * is consumed). */
void hpi_config_strv_free(hpi_strv *v);
void hpi_config_strv_push(config_ctx *x, hpi_strv *v, const char *s, size_t n,
			  const hpi_origin *o);
void hpi_config_strv_set(config_ctx *x, const config_key *k, hpi_strv *nv);
/* k's list from one text split at k->sep, each item's origin o (text_list)
 * or variable var (env_list; NULL: a default). */
void hpi_config_text_list(config_ctx *x, const config_key *k, const hpi_origin *o,
			  const char *s);
void hpi_config_env_list(config_ctx *x, const config_key *k, const char *var, const char *s);

/* ---- config_yaml.c: the YAML tree ----------------------------------------- */

/* Parses the first document of f into *root (NULL when empty); -1 after
 * reporting a syntax error.  Free the tree with hpi_config_node_free. */
int hpi_config_parse(config_ctx *x, FILE *f, config_node **root);
void hpi_config_node_free(config_node *n);
/* What a node is, for "got ...": "abc" (quoted), null, a map, a list, an alias. */
void hpi_config_got(const config_node *n, char *buf, size_t len);
/* Appends node n (at path, for messages) to b as JSON (hpi.h says how
 * scalars are typed). */
void hpi_config_json(config_ctx *x, hpi_buf *b, const config_node *n, const char *path);

/* ---- config_rows.c: plugins' option rows ---------------------------------- */

/* The schema of an option table (at most HPI_MAX_OPTIONS rows), ended by a
 * NULL name: tab has room for HPI_MAX_OPTIONS + 1 keys. */
void hpi_config_rows_tab(const hp_option *rows, config_key *tab);
/* Sets every value of rows to its row's default (vals is zeroed first). */
void hpi_config_rows_defaults(config_ctx *x, const hp_option *rows, hpi_optval *vals);
/* Frees what the values of rows own. */
void hpi_config_rows_fini(const hp_option *rows, hpi_optval *vals);

/* ---- config.c ------------------------------------------------------------- */

/* Applies HOTPATH_* for every key of tab (prefix_KEY, upper case). */
void hpi_config_env_walk(config_ctx *x, const config_key *tab, const char *prefix);

#endif /* HOTPATH_CONFIG_IMPL_H */
