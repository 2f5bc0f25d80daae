/* SPDX-License-Identifier: MIT */
/*
 * config_impl.h - the config module's own header, shared by its files and
 * included by no other: config.c (the schema and its walk, the
 * environment, the entry points), config_yaml.c (the YAML tree),
 * config_value.c (checking and storing one value, messages) and
 * config_rows.c (plugins' option rows).  What the rest of libhotpath
 * calls is in hpi.h.
 */
#ifndef HOTPATH_CONFIG_IMPL_H
#define HOTPATH_CONFIG_IMPL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "hpi.h"

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
