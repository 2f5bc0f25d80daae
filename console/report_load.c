/* SPDX-License-Identifier: MIT */
/*
 * report_load.c - a saved JSON report read back into a snapshot, read with
 * the library's JSON reader (core/json.c).
 *
 * Rebuilt so that the library's renderers write the same bytes again:
 * facts in file order, columns and units, cells typed by unit, row logs
 * (their columns are the union of the entries' keys, titled and typed by
 * the section's "log_columns" when it has them), and empty rows up to
 * total_rows where a row limit cut a section.  What does not fit
 * docs/report-format.md is an error naming the file and, jq-style, the key
 * (".sections[0].rows[2].calls"); unknown keys are ignored.
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "json.h"
#include "report_load.h"

#define LOAD_MAX_PAD (16u << 20)   /* placeholder rows per section, at most */
#define LOAD_MAX_LOG_DEPTH 8       /* logs of log rows, as deep as this */
#define LOAD_PATH_MAX 512
#define LOAD_GUESS_ROWS 64         /* rows a live section's unknown unit is guessed from */

typedef struct load_ctx {
	hpc_report *r;
	char *cause;               /* the first error, "NAME: ..." */
	int rv;                    /* and its code; 0 while there is none */
	char path[LOAD_PATH_MAX];  /* where we are: ".sections[0].rows[2]" */
	size_t plen;
	/* a live section (hpc_report_section): rows may be arrays (a value
	 * per column in order) or missing, a value that does not fit its
	 * column's unit is left out, as are facts and titles that are no
	 * strings, and total_rows adds no placeholder rows */
	bool live;
	const hpi_jv *log_cols;    /* the section's "log_columns", or NULL */
} load_ctx;

/* Column keys of a section by hash, for rows of up to LOAD_KEYS / 4
 * columns (wider ones look keys up one by one): slot i + 1 for column i. */
#define LOAD_KEYS 1024
typedef struct load_keys {
	const hp_section *sec;
	bool on;
	uint16_t slot[LOAD_KEYS];
} load_keys;

/* Records the first error as "NAME: PATH: msg" (PATH when inside the
 * document) and returns rv. */
static __attribute__((format(printf, 3, 4)))
int load_fail(load_ctx *x, int rv, const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	if (x->rv != 0)
		return rv;
	x->rv = rv;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	x->cause = hpi_asprintf("%s: %s%s%s", x->r->name, x->path, x->plen ? ": " : "", msg);
	return rv;
}

/* Appends "[i]" (key NULL) or ".key" to the path; returns the old length
 * for path_pop. */
static size_t path_push(load_ctx *x, const char *key, size_t i)
{
	size_t old = x->plen, room = sizeof(x->path) - old;
	bool plain = key != NULL && *key != '\0' && (*key < '0' || *key > '9') &&
		     strspn(key, "_abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
			    "0123456789") == strlen(key);
	int n;

	if (key == NULL)
		n = snprintf(x->path + old, room, "[%zu]", i);
	else if (plain)
		n = snprintf(x->path + old, room, ".%s", key);
	else
		n = snprintf(x->path + old, room, "[\"%s\"]", key);
	x->plen = n < 0 ? old : (size_t)n >= room ? sizeof(x->path) - 1 : old + (size_t)n;
	return old;
}

/* Back to an earlier path length. */
static void path_pop(load_ctx *x, size_t old)
{
	x->plen = old;
	x->path[old] = '\0';
}

/* JSON types as messages name them. */
static const char *const load_types[] = {
	[HPI_JSON_OBJECT] = "an object", [HPI_JSON_ARRAY] = "an array",
	[HPI_JSON_STRING] = "a string", [HPI_JSON_INT] = "an integer",
	[HPI_JSON_REAL] = "a number with a fraction", [HPI_JSON_TRUE] = "true",
	[HPI_JSON_FALSE] = "false", [HPI_JSON_NULL] = "null",
};

/* The log columns of the timing plugin, for reports written before the
 * JSON kept the titles and units of log columns ("log_columns"). */
static const struct load_known {
	const char *key, *title;
	hp_unit unit;
} load_known[] = {
	{"duration", "Duration", HP_UNIT_NS},
	{"tid", "Thread", HP_UNIT_COUNT},
	{"time", "Time", HP_UNIT_NS},
};

/* "an integer", "a string", ... for messages. */
static const char *load_type(const hpi_jv *v)
{
	return load_types[hpi_json_typeof(v)];
}

/* "KEY: expected WHAT, got TYPE" at the current path plus key. */
static int load_wrong(load_ctx *x, const char *key, const char *what, const hpi_jv *v)
{
	size_t old = path_push(x, key, 0);
	int rv = load_fail(x, HP_ETYPE, "expected %s, got %s", what, load_type(v));

	path_pop(x, old);
	return rv;
}

/* FNV-1a of a key. */
static size_t load_hash(const char *key)
{
	uint32_t h = 2166136261u;

	for (; *key; key++)
		h = (h ^ (unsigned char)*key) * 16777619u;
	return h & (LOAD_KEYS - 1);
}

/* Indexes the column keys of sec (a key twice: the first). */
static void load_keys_init(load_keys *k, const hp_section *sec)
{
	size_t n = hp_section_ncolumns(sec), h;

	k->sec = sec;
	k->on = n <= LOAD_KEYS / 4;
	if (!k->on)
		return;
	memset(k->slot, 0, sizeof(k->slot));
	for (size_t c = 0; c < n; c++) {
		for (h = load_hash(hp_section_column_key(sec, c)); k->slot[h] != 0;
		     h = (h + 1) & (LOAD_KEYS - 1))
			if (strcmp(hp_section_column_key(sec, k->slot[h] - 1),
				   hp_section_column_key(sec, c)) == 0)
				break;
		if (k->slot[h] == 0)
			k->slot[h] = (uint16_t)(c + 1);
	}
}

/* The column of key, or -1; i: the member's position, the usual column. */
static int load_key_col(const load_keys *k, const char *key, size_t i)
{
	if (i < hp_section_ncolumns(k->sec) && strcmp(hp_section_column_key(k->sec, i), key) == 0)
		return (int)i;
	if (!k->on)
		return hpi_section_col(k->sec, key);
	for (size_t h = load_hash(key); k->slot[h] != 0; h = (h + 1) & (LOAD_KEYS - 1))
		if (strcmp(hp_section_column_key(k->sec, k->slot[h] - 1), key) == 0)
			return k->slot[h] - 1;
	return -1;
}

/* Writes one cell.  loose: a column of unknown unit, which takes any
 * number (read like count, as the format asks). */
static int load_cell(load_ctx *x, hp_section *sec, size_t row, size_t col,
		     const hpi_jv *v, bool loose)
{
	hp_unit u = hp_section_column_unit(sec, col);
	const char *key = hp_section_column_key(sec, col);
	char what[64];

	if (v == NULL || v->type == HPI_JSON_NULL)
		return 0;
	if (hpi_unit_is_int(u) && v->type == HPI_JSON_INT) {
		hpi_cell_int(sec, row, col, v->v.i);
	} else if ((hpi_unit_is_real(u) || loose) && hpi_json_is_number(v)) {
		hpi_cell_real(sec, row, col, hpi_json_num(v));
	} else if (u == HP_UNIT_TEXT && v->type == HPI_JSON_STRING) {
		hpi_cell_text(sec, row, col, v->v.s);
	} else if (x->live) {
		return 0; /* shown as "-" */
	} else {
		snprintf(what, sizeof(what), "%s (unit %s)",
			 u == HP_UNIT_TEXT ? "a string" :
			 hpi_unit_is_int(u) ? "an integer" : "a number", hpi_unit_name(u));
		return load_wrong(x, key, what, v);
	}
	return 0;
}

/* Member key of obj if it has type t, else NULL: missing (an error when
 * need) or of another type (an error).  x->rv says whether it was one. */
static const hpi_jv *load_get(load_ctx *x, const hpi_jv *obj, const char *key,
			      hpi_json_type t, bool need)
{
	const hpi_jv *v = hpi_json_get(obj, key);

	if (v == NULL && need)
		load_fail(x, HP_EINVAL, "no \"%s\"", key);
	else if (v != NULL && v->type != t && (need || !x->live))
		load_wrong(x, key, load_types[t], v);
	return v != NULL && v->type == t ? v : NULL;
}

/* The unit named name, or -1 for a name this version does not know. */
static int load_unit(const char *name)
{
	int u;

	for (u = HP_UNIT_TEXT; name != NULL && u >= 0; u--)
		if (strcmp(name, hpi_unit_name((hp_unit)u)) == 0)
			return u;
	return -1;
}

/* The entry of the section's "log_columns" with key (and a unit this
 * version knows), or NULL. */
static const hpi_jv *load_log_meta(const load_ctx *x, const char *key)
{
	HPI_JSON_FOREACH(x->log_cols, c) {
		const char *k = hpi_json_str(hpi_json_get(c, "key"));

		if (k != NULL && strcmp(k, key) == 0)
			return load_unit(hpi_json_str(hpi_json_get(c, "unit"))) >= 0 ? c : NULL;
	}
	return NULL;
}

/* Column of a log: its title and unit from the section's "log_columns";
 * a key it does not describe (or a report written before it) is text
 * for strings, a real unit for fractions, else the timing plugin's unit
 * for its keys and count for the rest, with the timing plugin's titles. */
static int load_log_column(const load_ctx *x, hp_section *log, const hpi_jv *entries,
			   const char *key)
{
	const hpi_jv *meta = load_log_meta(x, key);
	const char *title = key;
	hp_unit unit = HP_UNIT_COUNT;
	bool real = false;
	const hpi_jv *v;

	if (meta != NULL)
		return hpi_column_add(log, key, hpi_json_str(hpi_json_get(meta, "title")) ?: key,
				      (hp_unit)load_unit(hpi_json_str(hpi_json_get(meta, "unit"))));
	for (size_t i = 0; i < sizeof(load_known) / sizeof(load_known[0]); i++)
		if (strcmp(key, load_known[i].key) == 0) {
			title = load_known[i].title;
			unit = load_known[i].unit;
		}
	HPI_JSON_FOREACH(entries, e) {
		if ((v = hpi_json_get(e, key)) == NULL)
			continue;
		if (v->type == HPI_JSON_STRING)
			return hpi_column_add(log, key, title, HP_UNIT_TEXT);
		real = real || v->type == HPI_JSON_REAL;
	}
	return hpi_column_add(log, key, title, real ? HP_UNIT_RATE : unit);
}

/* Columns of a log: every key of its entries, in order of first use; a
 * "log" key holding an array is the entry's own log. */
static int load_log_columns(load_ctx *x, hp_section *log, const hpi_jv *entries)
{
	size_t i = 0;

	/* an empty log has the columns "log_columns" lists, so that it is
	 * written back the same */
	HPI_JSON_FOREACH(hpi_json_size(entries) == 0 ? x->log_cols : NULL, c) {
		const char *k = hpi_json_str(hpi_json_get(c, "key"));

		if (k != NULL && load_log_meta(x, k) != NULL && load_log_column(x, log, entries, k) < 0)
			return load_fail(x, HP_ENOMEM, "out of memory");
	}

	HPI_JSON_FOREACH(entries, e) {
		if (e->type != HPI_JSON_OBJECT) {
			path_push(x, NULL, i);
			return load_fail(x, HP_ETYPE, "expected an object, got %s",
					 load_type(e));
		}
		HPI_JSON_FOREACH(e, v) {
			if ((strcmp(v->key, "log") == 0 && v->type == HPI_JSON_ARRAY) ||
			    hpi_section_col(log, v->key) >= 0)
				continue;
			if (load_log_column(x, log, entries, v->key) < 0)
				return load_fail(x, HP_ENOMEM, "out of memory");
		}
		i++;
	}
	return 0;
}

static int load_log(load_ctx *x, hp_section *sec, size_t row, const hpi_jv *entries,
		    int depth);

/* One row object: a new row of sec, a cell per column, then its "log"
 * (unless a column has that key).  loose: NULL, or a flag per column. */
static int load_row(load_ctx *x, hp_section *sec, const hpi_jv *row, const bool *loose,
		    const load_keys *keys, int depth)
{
	const hpi_jv *log = NULL;
	size_t r, i = 0;
	int rv = 0, c;

	if (x->live && hpi_json_is(row, HPI_JSON_ARRAY)) { /* a value per column */
		if ((r = hpi_row_add(sec)) == (size_t)-1)
			return load_fail(x, HP_ENOMEM, "out of memory");
		HPI_JSON_FOREACH(row, v) {
			if (i >= hp_section_ncolumns(sec))
				break;
			load_cell(x, sec, r, i, v, loose != NULL && loose[i]);
			i++;
		}
		return 0;
	}
	if (!hpi_json_is(row, HPI_JSON_OBJECT) && !x->live)
		return load_fail(x, HP_ETYPE, "expected an object, got %s", load_type(row));
	if ((r = hpi_row_add(sec)) == (size_t)-1)
		return load_fail(x, HP_ENOMEM, "out of memory");
	if (!hpi_json_is(row, HPI_JSON_OBJECT))
		return 0; /* live: a row of no values */
	/* one walk over the members: the values come in column order */
	HPI_JSON_FOREACH(row, v) {
		if ((c = load_key_col(keys, v->key, i++)) >= 0)
			rv = load_cell(x, sec, r, (size_t)c, v, loose != NULL && loose[c]);
		else if (strcmp(v->key, "log") == 0)
			log = v;
		if (rv != 0)
			return rv;
	}
	if (log != NULL && log->type != HPI_JSON_NULL) {
		path_push(x, "log", 0);
		rv = load_log(x, sec, r, log, depth + 1);
	}
	return rv;
}

/* A row's "log": its own small section, whose rows may have logs too. */
static int load_log(load_ctx *x, hp_section *sec, size_t row, const hpi_jv *entries,
		    int depth)
{
	const hpi_jv *meta;
	hp_section *log;
	load_keys *keys;
	size_t i = 0, old;
	int rv;

	if (!hpi_json_is(entries, HPI_JSON_ARRAY))
		return load_fail(x, HP_ETYPE, "expected an array, got %s",
				 load_type(entries));
	if (depth > LOAD_MAX_LOG_DEPTH)
		return load_fail(x, HP_EINVAL, "logs nested more than %d deep",
				 LOAD_MAX_LOG_DEPTH);
	if ((log = hpi_row_log(sec, row)) == NULL)
		return load_fail(x, HP_ENOMEM, "out of memory");
	/* "log_columns" describes the section's rows' logs, not the logs of
	 * their log rows */
	meta = x->log_cols;
	if (depth > 1)
		x->log_cols = NULL;
	rv = load_log_columns(x, log, entries);
	x->log_cols = meta;
	if (rv != 0)
		return rv;
	keys = malloc(sizeof(*keys));
	if (keys == NULL)
		return load_fail(x, HP_ENOMEM, "out of memory");
	load_keys_init(keys, log);
	HPI_JSON_FOREACH(entries, e) {
		old = path_push(x, NULL, i++);
		if ((rv = load_row(x, log, e, NULL, keys, depth)) != 0) {
			free(keys);
			return rv;
		}
		path_pop(x, old);
	}
	free(keys);
	return 0;
}

/* Unit of a column whose unit this version does not know: text when its
 * first value is a string, else count. */
static hp_unit load_guess_unit(const hpi_jv *rows, const char *key, size_t col, size_t limit)
{
	const hpi_jv *v;

	HPI_JSON_FOREACH(rows, row) {
		if (limit-- == 0)
			break;
		v = hpi_json_is(row, HPI_JSON_ARRAY) ? hpi_json_at(row, col) : hpi_json_get(row, key);
		if (v != NULL && v->type != HPI_JSON_NULL)
			return v->type == HPI_JSON_STRING ? HP_UNIT_TEXT : HP_UNIT_COUNT;
	}
	return HP_UNIT_COUNT;
}

/* One {"key", "title", "unit"} object; sets loose[c] for unknown units. */
static int load_column(load_ctx *x, hp_section *sec, const hpi_jv *col,
		       const hpi_jv *rows, bool *loose)
{
	const hpi_jv *key, *title, *unit;
	int u, c;

	if (!hpi_json_is(col, HPI_JSON_OBJECT))
		return load_fail(x, HP_ETYPE, "expected an object, got %s", load_type(col));
	key = load_get(x, col, "key", HPI_JSON_STRING, true);
	title = load_get(x, col, "title", HPI_JSON_STRING, false);
	unit = load_get(x, col, "unit", HPI_JSON_STRING, false);
	if (x->rv != 0)
		return x->rv;
	if ((u = load_unit(unit ? unit->v.s : NULL)) < 0) { /* a unit this version does not know */
		*loose = true;
		/* a live message is read in bounded time: its first rows */
		u = (int)load_guess_unit(rows, key->v.s, hp_section_ncolumns(sec),
					 x->live ? LOAD_GUESS_ROWS : SIZE_MAX);
	}
	c = hpi_column_add(sec, key->v.s, title ? title->v.s : NULL, (hp_unit)u);
	if (c == HP_ENOMEM)
		return load_fail(x, HP_ENOMEM, "out of memory");
	if (c < 0)
		return load_fail(x, HP_EINVAL, "duplicate column key \"%s\"", key->v.s);
	return 0;
}

/* The section's "log_columns" (docs/report-format.md): checked in a saved
 * report, then kept for its rows' logs. */
static int load_log_columns_meta(load_ctx *x, const hpi_jv *lc)
{
	size_t i = 0, old;

	x->log_cols = lc;
	HPI_JSON_FOREACH(x->live ? NULL : lc, c) {
		old = path_push(x, "log_columns", 0);
		path_push(x, NULL, i++);
		if (!hpi_json_is(c, HPI_JSON_OBJECT)) {
			load_fail(x, HP_ETYPE, "expected an object, got %s", load_type(c));
		} else {
			load_get(x, c, "key", HPI_JSON_STRING, true);
			load_get(x, c, "title", HPI_JSON_STRING, false);
			load_get(x, c, "unit", HPI_JSON_STRING, false);
		}
		path_pop(x, old); /* the message, if any, is made already */
		if (x->rv != 0)
			return x->rv;
	}
	return 0;
}

/* Every row of a section. */
static int load_rows(load_ctx *x, hp_section *sec, const hpi_jv *rows,
		     const bool *loose)
{
	size_t i = 0, old, o2;
	load_keys *keys = malloc(sizeof(*keys));
	int rv;

	if (keys == NULL)
		return load_fail(x, HP_ENOMEM, "out of memory");
	load_keys_init(keys, sec);
	old = path_push(x, "rows", 0);
	HPI_JSON_FOREACH(rows, row) {
		o2 = path_push(x, NULL, i++);
		if ((rv = load_row(x, sec, row, loose, keys, 0)) != 0) {
			free(keys);
			return rv;
		}
		path_pop(x, o2);
	}
	path_pop(x, old);
	free(keys);
	return 0;
}

/* "total_rows": placeholder rows past the loaded ones, and the limit the
 * file was written with (unless the section's own limit, its fact
 * "report.limit" that the renderers apply, explains the cut). */
static int load_total(load_ctx *x, hp_section *sec, const hpi_jv *total, size_t i)
{
	const char *own = hp_section_meta(sec, "report.limit");
	size_t n = hp_section_nrows(sec);
	int64_t t;

	x->r->loaded[i] = n;
	if (total == NULL || x->live)
		return 0;
	t = total->v.i;
	if (t < (int64_t)n || (n == 0 && t > 0) || (uint64_t)t - n > LOAD_MAX_PAD)
		return load_fail(x, HP_EINVAL, "\"total_rows\" is %" PRId64
				 " but \"rows\" has %zu", t, n);
	for (; n < (size_t)t; n++)
		if (hpi_row_add(sec) == (size_t)-1)
			return load_fail(x, HP_ENOMEM, "out of memory");
	n = x->r->loaded[i];
	if ((size_t)t > n && (own == NULL || strtoull(own, NULL, 10) != n) &&
	    (x->r->limit == 0 || n < x->r->limit))
		x->r->limit = n;
	return 0;
}

/* A section's "meta": string facts. */
static int load_section_meta(load_ctx *x, hp_section *sec, const hpi_jv *meta)
{
	size_t old;
	int rv = 0;

	if (meta == NULL)
		return 0;
	old = path_push(x, "meta", 0);
	HPI_JSON_FOREACH(meta, v) {
		if (v->type != HPI_JSON_STRING && x->live)
			continue;
		if (v->type != HPI_JSON_STRING) {
			rv = load_wrong(x, v->key, "a string", v);
			break;
		}
		hpi_section_meta_set(sec, v->key, v->v.s);
	}
	path_pop(x, old);
	return rv;
}

/* One section object. */
static int load_section(load_ctx *x, const hpi_jv *js, size_t i)
{
	const hpi_jv *id, *title, *cols, *rows, *total, *meta, *logc;
	hp_section *sec;
	bool *loose;
	size_t c = 0, old;
	int rv = 0;

	if (!hpi_json_is(js, HPI_JSON_OBJECT))
		return load_fail(x, HP_ETYPE, "expected an object, got %s", load_type(js));
	id = load_get(x, js, "id", HPI_JSON_STRING, true);
	title = load_get(x, js, "title", HPI_JSON_STRING, false);
	cols = load_get(x, js, "columns", HPI_JSON_ARRAY, true);
	rows = load_get(x, js, "rows", HPI_JSON_ARRAY, !x->live || hpi_json_get(js, "rows") != NULL);
	total = load_get(x, js, "total_rows", HPI_JSON_INT, false);
	meta = load_get(x, js, "meta", HPI_JSON_OBJECT, false);
	logc = load_get(x, js, "log_columns", HPI_JSON_ARRAY, false);
	if (x->rv != 0)
		return x->rv;
	sec = hpi_section_add(x->r->snap, id->v.s, title ? title->v.s : NULL);
	loose = calloc(hpi_json_size(cols) + 1, sizeof(*loose));
	if (sec == NULL || loose == NULL) {
		free(loose);
		return load_fail(x, HP_ENOMEM, "out of memory");
	}
	HPI_JSON_FOREACH(cols, col) {
		old = path_push(x, "columns", 0);
		path_push(x, NULL, c);
		rv = load_column(x, sec, col, rows, &loose[c]);
		c++;
		path_pop(x, old); /* the message, if any, is made already */
		if (rv != 0)
			break;
	}
	if (rv == 0 && (rv = load_log_columns_meta(x, logc)) == 0 &&
	    (rv = load_rows(x, sec, rows, loose)) == 0 &&
	    (rv = load_section_meta(x, sec, meta)) == 0)
		rv = load_total(x, sec, total, i);
	x->log_cols = NULL;
	free(loose);
	return rv;
}

/* "percentiles": an array of numbers. */
static int load_pcts(load_ctx *x, const hpi_jv *a)
{
	if (a == NULL)
		return 0;
	if ((x->r->pcts = calloc(hpi_json_size(a) + 1, sizeof(double))) == NULL)
		return load_fail(x, HP_ENOMEM, "out of memory");
	HPI_JSON_FOREACH(a, v) {
		if (!hpi_json_is_number(v)) {
			path_push(x, "percentiles", 0);
			path_push(x, NULL, x->r->npcts);
			return load_fail(x, HP_ETYPE, "expected a number, got %s",
					 load_type(v));
		}
		x->r->pcts[x->r->npcts++] = hpi_json_num(v);
	}
	return 0;
}

/* True for the top-level keys that are not facts: the renderer writes
 * them itself. */
static bool load_reserved(const char *key)
{
	static const char *const keys[] = {
		"type", "version", "generator", "percentiles", "sections",
	};

	for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
		if (strcmp(key, keys[i]) == 0)
			return true;
	return false;
}

/* The report-wide facts: every other top-level string or number. */
static void load_facts(load_ctx *x, const hpi_jv *root)
{
	char num[64];

	HPI_JSON_FOREACH(root, v) {
		if (load_reserved(v->key))
			continue;
		if (v->type == HPI_JSON_STRING) {
			hpi_snapshot_meta_set(x->r->snap, v->key, v->v.s);
		} else if (v->type == HPI_JSON_INT) {
			snprintf(num, sizeof(num), "%" PRId64, v->v.i);
			hpi_snapshot_meta_set(x->r->snap, v->key, num);
		} else if (v->type == HPI_JSON_REAL) {
			snprintf(num, sizeof(num), "%.17g", v->v.d);
			hpi_snapshot_meta_set(x->r->snap, v->key, num);
		}
	}
}

/* The top-level object: type and version first, then everything else. */
static int load_top(load_ctx *x, const hpi_jv *root)
{
	const hpi_jv *type = hpi_json_get(root, "type");
	const hpi_jv *ver = hpi_json_get(root, "version"), *secs, *pcts;
	size_t i = 0, old;
	int rv;

	if (!hpi_json_is(root, HPI_JSON_OBJECT))
		return load_fail(x, HP_EINVAL, "not a hotpath report (the top level is "
				 "%s, not an object)", load_type(root));
	if (!hpi_json_is(type, HPI_JSON_STRING))
		return load_fail(x, HP_EINVAL, "not a hotpath report (no \"type\": \"hotpath_report\")");
	if (strcmp(type->v.s, "hotpath_report") != 0)
		return load_fail(x, HP_EINVAL, "not a hotpath report (\"type\" is \"%s\", "
				 "not \"hotpath_report\")", type->v.s);
	if (ver == NULL)
		return load_fail(x, HP_EINVAL, "no \"version\": cannot tell the report format version");
	if (ver->type != HPI_JSON_INT)
		return load_wrong(x, "version", "an integer", ver);
	if (ver->v.i != HPC_REPORT_VERSION)
		return load_fail(x, HP_ENOTSUP, "report format version %" PRId64
				 " is not supported (this hotpath reads version %d)",
				 ver->v.i, HPC_REPORT_VERSION);
	secs = load_get(x, root, "sections", HPI_JSON_ARRAY, true);
	pcts = load_get(x, root, "percentiles", HPI_JSON_ARRAY, false);
	if (x->rv != 0 || (rv = load_pcts(x, pcts)) != 0)
		return x->rv;
	load_facts(x, root);
	if ((x->r->loaded = calloc(hpi_json_size(secs) + 1, sizeof(size_t))) == NULL)
		return load_fail(x, HP_ENOMEM, "out of memory");
	HPI_JSON_FOREACH(secs, s) {
		old = path_push(x, "sections", 0);
		path_push(x, NULL, i);
		if ((rv = load_section(x, s, i)) != 0)
			return rv;
		path_pop(x, old);
		i++;
	}
	return 0;
}

/* Parses the bytes; syntax errors name the line and column, in the
 * words jansson, the reader before it, used (hpi_json_err_context). */
static int load_json(load_ctx *x, const char *data, size_t len)
{
	hpi_json_err e;
	hpi_json *doc;
	char *where;
	size_t i;
	int rv;

	for (i = 0; i < len && strchr(" \t\r\n", data[i]) != NULL; i++)
		;
	if (i == len)
		return load_fail(x, HP_ESYNTAX, "empty file (not a hotpath report)");
	doc = hpi_json_parse(data, len, HPI_JSON_TOP_CONTAINER | HPI_JSON_NO_DUP_KEYS, 0, &e);
	if (doc == NULL) {
		if (e.code == HPI_JSON_E_NO_MEMORY)
			return load_fail(x, HP_ENOMEM, "out of memory");
		where = hpi_json_err_context(data, len, &e);
		x->cause = where ? hpi_asprintf("%s:%s", x->r->name, where) : NULL;
		free(where);
		return x->cause ? HP_ESYNTAX : HP_ENOMEM;
	}
	rv = load_top(x, hpi_json_root(doc));
	hpi_json_free(doc);
	return rv;
}

/* Loads a report from memory. */
int hpc_report_parse(const char *name, const char *data, size_t len,
		     hpc_report **out, char **cause)
{
	load_ctx x = {0};
	int rv = HP_ENOMEM;

	*out = NULL;
	*cause = NULL;
	if ((x.r = calloc(1, sizeof(*x.r))) != NULL &&
	    (x.r->name = strdup(name)) != NULL && (x.r->snap = hpi_snapshot_new()) != NULL &&
	    (rv = load_json(&x, data, len)) == 0) {
		*out = x.r;
		return 0;
	}
	*cause = x.cause ? x.cause : hpi_asprintf("%s: %s", name, hp_strerror(rv));
	hpc_report_free(x.r);
	return rv;
}

/* Loads a report file; "-" reads stdin. */
int hpc_report_load(const char *path, hpc_report **out, char **cause)
{
	bool std = strcmp(path, "-") == 0;
	const char *name = std ? "<stdin>" : path;
	char *data = NULL;
	size_t cap = 0;
	ssize_t n = -1;
	int rv = HP_EIO;
	FILE *f;

	*out = NULL;
	*cause = NULL;
	errno = 0;
	if ((f = std ? stdin : fopen(path, "r")) != NULL)
		n = getdelim(&data, &cap, '\0', f); /* all of it: JSON text has no NUL */
	if (f == NULL || (n < 0 && ferror(f)))
		*cause = hpi_asprintf("%s: cannot read: %s", name, strerror(errno));
	else
		rv = hpc_report_parse(name, data ? data : "", n < 0 ? 0 : (size_t)n, out, cause);
	if (f != NULL && !std)
		fclose(f);
	free(data);
	return rv;
}

/* Frees a report and everything it owns. */
void hpc_report_free(hpc_report *r)
{
	if (r == NULL)
		return;
	hpi_snapshot_free(r->snap);
	free(r->name);
	free(r->pcts);
	free(r->loaded);
	free(r);
}

/* Loads one live section into a snapshot of its own; see report_load.h. */
int hpc_report_section(const hpi_jv *js, hp_snapshot **out, size_t *total_rows, char **cause)
{
	hpc_report r = {.name = (char *)"section"};
	size_t loaded[1] = {0};
	load_ctx x = {.r = &r, .live = true};
	const hpi_jv *tot = hpi_json_get(js, "total_rows");
	int rv;

	*out = NULL;
	*cause = NULL;
	r.loaded = loaded;
	if ((r.snap = hpi_snapshot_new()) == NULL)
		return HP_ENOMEM;
	if ((rv = load_section(&x, js, 0)) != 0) {
		hpi_snapshot_free(r.snap);
		*cause = x.cause;
		return rv;
	}
	*out = r.snap;
	*total_rows = hpi_json_is(tot, HPI_JSON_INT) && tot->v.i >= 0 ? (size_t)tot->v.i : loaded[0];
	return 0;
}
