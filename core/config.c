/* SPDX-License-Identifier: MIT */
/*
 * config.c - hotpath.yaml and the HOTPATH_* environment.
 *
 * The file is read with libyaml's event API into a small tree of nodes,
 * which is then walked against one table of keys; the same table names the
 * environment variables.  Every problem is one hpi_warn line, and the key
 * concerned keeps the value it had: a bad configuration never stops the
 * profiled program (strict mode only makes hpi_config_load say so).
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include <yaml.h>

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

/* Schema tables, leaves first.  B/I/S/L: bool, int (min..max), string,
 * list; a NOFIELD key is accepted and checked but not stored (yet). */
#define B(n, f, a) { .name = n, .type = CT_BOOL, .off = CONFIG_F(f), .alias = a }
#define I(n, f, lo, hi, a) \
	{ .name = n, .type = CT_INT, .off = CONFIG_F(f), .min = lo, .max = hi, .alias = a }
#define S(n, f, a) { .name = n, .type = CT_STR, .off = CONFIG_F(f), .alias = a }
#define L(n, f, sp, a) { .name = n, .type = CT_STRV, .off = CONFIG_F(f), .sep = sp, .alias = a }
#define M(n, tab) { .name = n, .type = CT_MAP, .sub = tab }
#define END { .name = NULL }

static const config_key config_collector[] = {
	I("drain_interval_ms", drain_interval_ms, 1, 10000, NULL),
	I("buffer_max_mb", buffer_max_mb, 1, 65536, NULL),
	END
};
static const config_key config_report[] = {
	{ .name = "format", .type = CT_FORMAT, .off = CONFIG_F(format), .alias = "HOTPATH_FORMAT" },
	{ .name = "percentiles", .type = CT_PCTS, .off = CONFIG_F(pcts),
	  .alias = "HOTPATH_PERCENTILES" },
	{ .name = "limit", .type = CT_LONG, .off = CONFIG_F(limit), .min = 0, .max = LONG_MAX,
	  .alias = "HOTPATH_LIMIT" },
	S("output", output, "HOTPATH_OUTPUT"),
	{ .name = "scripts", .type = CT_SCRIPTS, .off = CONFIG_F(scripts), .sep = ',',
	  .alias = "HOTPATH_SCRIPTS" },
	I("script_memory_mb", script_memory_mb, 1, 65536, NULL),
	{ .name = "script_instructions", .type = CT_LONG, .off = CONFIG_F(script_instructions),
	  .min = 0, .max = LONG_MAX },
	B("on_signal", on_signal, "HOTPATH_ON_SIGNAL"),
	S("sort", report_sort, "HOTPATH_SORT"),
	S("trace_output", trace_output, "HOTPATH_TRACE_OUTPUT"),
	{ .name = "fork", .type = CT_ENUM, .off = CONFIG_F(fork.i), .values = "off|child",
	  .alias = "HOTPATH_FORK" },
	END
};
static const config_key config_tls[] = {
	S("cert", tls_cert, NULL),
	S("key", tls_key, NULL),
	S("ca", tls_ca, NULL),
	END
};
static const config_key config_publish[] = {
	S("endpoint", endpoint, "HOTPATH_PUB"),
	S("query", query, "HOTPATH_QUERY"),
	I("interval_ms", publish_interval_ms, 10, 60000, NULL),
	I("max_connections", publish_max_connections, 1, 4096, NULL),
	I("query_rate", publish_query_rate, 0, 1000000, NULL),
	I("query_burst", publish_query_burst, 1, 1000000, NULL),
	S("metrics", metrics, "HOTPATH_METRICS"),
	M("tls", config_tls),
	END
};
static const config_key config_plugins[] = {
	L("path", plugin_path, ':', "HOTPATH_PLUGIN_PATH"),
	L("load", plugin_load, ',', "HOTPATH_PLUGINS"),
	{ .name = "options", .type = CT_OPTIONS },
	END
};
static const config_key config_console[] = {
	L("panels", console_panels, ',', NULL),
	END
};
static const config_key config_top[] = {
	B("strict", strict, NULL), /* HOTPATH_STRICT is also its canonical name */
	M("collector", config_collector),
	{ .name = "collectors", .type = CT_COLLECTORS }, /* the plugins' rows */
	M("report", config_report), M("publish", config_publish),
	M("plugins", config_plugins), M("console", config_console),
	END
};

#undef B
#undef I
#undef S
#undef L
#undef M
#undef END

static const char *const config_formats[] = {
	[HP_FORMAT_DEFAULT] = "default",
	[HP_FORMAT_TABLE] = "table",
	[HP_FORMAT_JSON] = "json",
	[HP_FORMAT_JSON_PRETTY] = "json-pretty",
	[HP_FORMAT_NONE] = "none",
	[HP_FORMAT_HTML] = "html",
};

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

/* Builds the tree from events; containers are open on a bounded stack. */
typedef struct config_tree {
	config_node *root;
	config_node *open[CONFIG_MAX_DEPTH];
	int depth;
} config_tree;

/* State of one hpi_config_load. */
typedef struct config_ctx {
	hpi_config *c;
	const char *file; /* file being applied, for messages */
	int problems;
	void *base;       /* where keys' offsets point: c, or option values */
} config_ctx;

/* What the keys being applied are offsets into. */
static void *config_base(const config_ctx *x)
{
	return x->base != NULL ? x->base : (void *)x->c;
}

/* Reports one problem: one hpi_warn line, counted for strict mode. */
static void config_warn(config_ctx *x, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
static void config_warn(config_ctx *x, const char *fmt, ...)
{
	va_list ap;

	x->problems++;
	va_start(ap, fmt);
	hpi_vwarn(fmt, ap);
	va_end(ap);
}

/* vsnprintf for message text, where truncation is harmless (and which
 * -Wformat-truncation does not second-guess). */
static void config_fmt(char *buf, size_t len, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static void config_fmt(char *buf, size_t len, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, len, fmt, ap);
	va_end(ap);
}

/* Copies s[0..n) into dst for a message: escaped, at most ~60 bytes. */
static void config_esc(char *dst, size_t len, const char *s, size_t n)
{
	size_t o = 0, i;
	char e[8];

	for (i = 0; i < n && o + 8 < len; i++) {
		unsigned char ch = (unsigned char)s[i];

		if (i >= 60 && (ch & 0xc0) != 0x80) {
			memcpy(dst + o, "...", 3);
			o += 3;
			break;
		}
		if (ch == '"' || ch == '\\')
			snprintf(e, sizeof e, "\\%c", ch);
		else if (ch == '\n')
			snprintf(e, sizeof e, "\\n");
		else if (ch == '\t')
			snprintf(e, sizeof e, "\\t");
		else if (ch < 0x20 || ch == 0x7f)
			snprintf(e, sizeof e, "\\x%02x", ch);
		else
			snprintf(e, sizeof e, "%c", ch);
		memcpy(dst + o, e, strlen(e));
		o += strlen(e);
	}
	dst[o] = '\0';
}

/* What a node is, for "got ...": "abc" (quoted), null, a map, a list, an alias. */
static void config_got(const config_node *n, char *buf, size_t len)
{
	char q[128];

	switch (n->kind) {
	case CN_SCALAR:
		if (n->null) {
			snprintf(buf, len, "null");
			break;
		}
		config_esc(q, sizeof q, n->text, strlen(n->text));
		snprintf(buf, len, "\"%s\"", q);
		break;
	case CN_MAP:
		snprintf(buf, len, "a map");
		break;
	case CN_SEQ:
		snprintf(buf, len, "a list");
		break;
	default:
		snprintf(buf, len, "an alias");
		break;
	}
}

/* "prefix.name" (or "name" at the top level), name escaped. */
static void config_join(char *buf, size_t len, const char *prefix, const char *name)
{
	char q[128];

	config_esc(q, sizeof q, name, strlen(name));
	config_fmt(buf, len, "%s%s%s", prefix, *prefix ? "." : "", q);
}

/* Renders a percentile list as "[50, 95, 99.9]". */
static void config_pcts_str(const double *p, size_t n, char *buf, size_t len)
{
	size_t o, i;

	o = (size_t)snprintf(buf, len, "[");
	for (i = 0; i < n && o < len; i++)
		o += (size_t)snprintf(buf + o, len - o, "%s%g", i ? ", " : "", p[i]);
	if (o < len)
		snprintf(buf + o, len - o, "]");
}

/* Choice i of "a|b|c" into buf; false when there are fewer. */
static bool config_choice(const char *values, long i, char *buf, size_t len)
{
	const char *p = values ? values : "", *e;

	for (; i > 0 && (p = strchr(p, '|')) != NULL; i--)
		p++;
	if (p == NULL || len == 0)
		return false;
	e = strchr(p, '|');
	config_fmt(buf, len, "%.*s", (int)(e ? (size_t)(e - p) : strlen(p)), p);
	return true;
}

/* "a, b or c" from "a|b|c". */
static void config_choices(const char *values, char *buf, size_t len)
{
	char one[64];
	size_t o = 0;
	long i, n = 1;

	for (const char *p = values ? values : ""; *p; p++)
		n += *p == '|';
	buf[0] = '\0';
	for (i = 0; i < n && o < len && config_choice(values, i, one, sizeof one); i++)
		o += (size_t)snprintf(buf + o, len - o, "%s%s",
				      i == 0 ? "" : i == n - 1 ? " or " : ", ", one);
}

/* What k expects, for "expected ...". */
static void config_desc(const config_key *k, char *buf, size_t len)
{
	switch (k->type) {
	case CT_BOOL:
		snprintf(buf, len, "true or false");
		break;
	case CT_INT:
	case CT_LONG:
		if (k->max == LONG_MAX && k->min == 0)
			snprintf(buf, len, "a non-negative integer");
		else
			snprintf(buf, len, "an integer in %ld..%ld", k->min, k->max);
		break;
	case CT_STR:
		snprintf(buf, len, "a non-empty string");
		break;
	case CT_FORMAT:
		snprintf(buf, len, "table, json, json-pretty or none");
		break;
	case CT_ENUM:
		config_choices(k->values, buf, len);
		break;
	case CT_PCTS:
		snprintf(buf, len, "a list of percentiles");
		break;
	default:
		snprintf(buf, len, k->type == CT_MAP ? "a map" : "a list");
		break;
	}
}

/* What k keeps after a problem: "using 15", "using [95]" or "ignored". */
static void config_tail(const config_ctx *x, const config_key *k, char *buf, size_t len)
{
	const hpi_config *c = x->c;
	const char *s;
	char one[64];

	if (k->off == CONFIG_NOFIELD) {
		snprintf(buf, len, "%s%s", k->dflt ? "using " : "ignored",
			 k->dflt ? k->dflt : "");
		return;
	}
	switch (k->type) {
	case CT_BOOL:
		snprintf(buf, len, "using %s", *CONFIG_AT(x, k, bool) ? "true" : "false");
		break;
	case CT_INT:
		snprintf(buf, len, "using %d", *CONFIG_AT(x, k, int));
		break;
	case CT_LONG:
		snprintf(buf, len, "using %ld", *CONFIG_AT(x, k, long));
		break;
	case CT_ENUM:
		if (!config_choice(k->values, *CONFIG_AT(x, k, long), one, sizeof one))
			snprintf(one, sizeof one, "?");
		snprintf(buf, len, "using %s", one);
		break;
	case CT_STR:
		s = *CONFIG_AT(x, k, char *);
		snprintf(buf, len, "using %s", s ? s : "nothing");
		break;
	case CT_FORMAT:
		snprintf(buf, len, "using %s", config_formats[c->format]);
		break;
	case CT_PCTS:
		snprintf(buf, len, "using ");
		config_pcts_str(c->pcts, c->npcts, buf + 6, len - 6);
		break;
	default:
		snprintf(buf, len, "ignored");
		break;
	}
}

/* ---- values -------------------------------------------------------------- */

/* One percentile s[0..n), spaces around it allowed; 0, HP_EINVAL or HP_ERANGE. */
static int config_pct(const char *s, size_t n, double *out, char *why, size_t len)
{
	char tok[64], q[128], *end;

	while (n > 0 && (*s == ' ' || *s == '\t'))
		s++, n--;
	while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\t'))
		n--;
	config_esc(q, sizeof q, s, n);
	if (n == 0 || n >= sizeof tok || strspn(s, "0123456789.+-eE") < n) {
		snprintf(why, len, "bad number \"%s\"", q);
		return HP_EINVAL;
	}
	memcpy(tok, s, n);
	tok[n] = '\0';
	*out = strtod(tok, &end);
	if (end != tok + n) {
		snprintf(why, len, "bad number \"%s\"", q);
		return HP_EINVAL;
	}
	if (!(*out >= 0 && *out <= 100)) {
		snprintf(why, len, "%s is outside 0..100", q);
		return HP_ERANGE;
	}
	return 0;
}

/* hpi_parse_percentiles with the reason in why instead of a malloc'ed cause. */
static int config_pcts_parse(const char *s, double *p, size_t max, size_t *n,
			     char *why, size_t len)
{
	const char *e;
	size_t cnt = 0;
	int rv;

	*n = 0;
	if (s == NULL || s[strspn(s, " \t")] == '\0') {
		snprintf(why, len, "no percentiles given");
		return HP_EINVAL;
	}
	for (;;) {
		e = strchr(s, ',');
		if (cnt == max) {
			snprintf(why, len, "too many percentiles (max %zu)", max);
			return HP_EINVAL;
		}
		rv = config_pct(s, e ? (size_t)(e - s) : strlen(s), &p[cnt], why, len);
		if (rv != 0)
			return rv;
		cnt++;
		if (e == NULL)
			break;
		s = e + 1;
	}
	*n = cnt;
	return 0;
}

/* Parses "50,95,99.9"; on error *n is 0 and *cause says why. */
int hpi_parse_percentiles(const char *s, double *p, size_t max, size_t *n, char **cause)
{
	char why[256];
	int rv;

	if (cause != NULL)
		*cause = NULL;
	rv = config_pcts_parse(s, p, max, n, why, sizeof why);
	if (rv != 0 && cause != NULL)
		*cause = hpi_asprintf("%s", why);
	return rv;
}

/* true/false/yes/no/on/off/1/0, any case. */
static int config_set_bool(config_ctx *x, const config_key *k, const char *s,
			   char *why, size_t len)
{
	static const char *const yes[] = { "true", "yes", "on", "1" };
	static const char *const no[] = { "false", "no", "off", "0" };
	char q[128];
	size_t i;

	for (i = 0; i < sizeof yes / sizeof yes[0]; i++) {
		if (strcasecmp(s, yes[i]) == 0 || strcasecmp(s, no[i]) == 0) {
			if (k->off != CONFIG_NOFIELD)
				*CONFIG_AT(x, k, bool) = strcasecmp(s, yes[i]) == 0;
			return 0;
		}
	}
	config_esc(q, sizeof q, s, strlen(s));
	snprintf(why, len, "expected true or false, got \"%s\"", q);
	return -1;
}

/* A decimal integer in k's range, nothing around it. */
static int config_set_int(config_ctx *x, const config_key *k, const char *s,
			  char *why, size_t len)
{
	const char *p = s + (*s == '-' || *s == '+');
	char q[128], d[64];
	long long v;

	config_esc(q, sizeof q, s, strlen(s));
	config_desc(k, d, sizeof d);
	if (*p == '\0' || strspn(p, "0123456789") != strlen(p)) {
		snprintf(why, len, "expected %s, got \"%s\"", d, q);
		return -1;
	}
	errno = 0;
	v = strtoll(s, NULL, 10);
	if (errno == ERANGE || v < k->min || v > k->max) {
		if (k->max != LONG_MAX)
			snprintf(why, len, "%s is outside %ld..%ld", q, k->min, k->max);
		else if (*s == '-')
			snprintf(why, len, "expected %s, got \"%s\"", d, q);
		else
			snprintf(why, len, "%s is too large", q);
		return -1;
	}
	if (k->off == CONFIG_NOFIELD)
		return 0;
	if (k->type == CT_INT)
		*CONFIG_AT(x, k, int) = (int)v;
	else
		*CONFIG_AT(x, k, long) = (long)v;
	return 0;
}

/* A non-empty string, copied. */
static int config_set_str(config_ctx *x, const config_key *k, const char *s,
			  char *why, size_t len)
{
	char *copy, **f;

	if (*s == '\0') {
		snprintf(why, len, "expected a non-empty string, got \"\"");
		return -1;
	}
	if (k->off == CONFIG_NOFIELD)
		return 0;
	if ((copy = strdup(s)) == NULL) {
		snprintf(why, len, "out of memory");
		return -1;
	}
	f = CONFIG_AT(x, k, char *);
	free(*f);
	*f = copy;
	return 0;
}

/* table | json | json-pretty | none | html, any case. */
static int config_set_format(config_ctx *x, const char *s, char *why, size_t len)
{
	char q[128];
	int f;

	for (f = HP_FORMAT_TABLE; f <= HP_FORMAT_HTML; f++) {
		if (strcasecmp(s, config_formats[f]) == 0) {
			x->c->format = (hp_format)f;
			return 0;
		}
	}
	config_esc(q, sizeof q, s, strlen(s));
	snprintf(why, len, "expected table, json, json-pretty, html or none, got \"%s\"", q);
	return -1;
}

/* One of k's choices, any case; stored as its index. */
static int config_set_enum(config_ctx *x, const config_key *k, const char *s,
			   char *why, size_t len)
{
	char q[128], one[64], d[256];
	long i;

	for (i = 0; config_choice(k->values, i, one, sizeof one); i++) {
		/* an enum is a row's: its index in .i, its name in .s */
		hpi_optval *v = (hpi_optval *)(void *)((char *)config_base(x) + k->off -
						       offsetof(hpi_optval, i));
		char *name;

		if (strcasecmp(s, one) != 0)
			continue;
		if ((name = strdup(one)) == NULL) {
			snprintf(why, len, "out of memory");
			return -1;
		}
		free(v->s);
		v->s = name;
		v->i = i;
		return 0;
	}
	config_esc(q, sizeof q, s, strlen(s));
	config_choices(k->values, d, sizeof d);
	config_fmt(why, len, "expected %s, got \"%s\"", d, q);
	return -1;
}

/* Percentiles as one string, "50,95,99.9". */
static int config_set_pcts(config_ctx *x, const char *s, char *why, size_t len)
{
	double p[HPI_MAX_PCTS];
	size_t n;

	if (config_pcts_parse(s, p, HPI_MAX_PCTS, &n, why, len) != 0)
		return -1;
	memcpy(x->c->pcts, p, n * sizeof p[0]);
	x->c->npcts = n;
	return 0;
}

/* Checks and stores one scalar text for k; who starts any message. */
static void config_scalar(config_ctx *x, const config_key *k, const char *who, const char *s)
{
	char why[256], tail[600];
	int rv;

	switch (k->type) {
	case CT_BOOL:
		rv = config_set_bool(x, k, s, why, sizeof why);
		break;
	case CT_INT:
	case CT_LONG:
		rv = config_set_int(x, k, s, why, sizeof why);
		break;
	case CT_STR:
		rv = config_set_str(x, k, s, why, sizeof why);
		break;
	case CT_FORMAT:
		rv = config_set_format(x, s, why, sizeof why);
		break;
	case CT_ENUM:
		rv = config_set_enum(x, k, s, why, sizeof why);
		break;
	case CT_PCTS:
		rv = config_set_pcts(x, s, why, sizeof why);
		break;
	default:
		return;
	}
	if (rv == 0)
		return;
	config_tail(x, k, tail, sizeof tail);
	config_warn(x, "%s: %s; %s", who, why, tail);
}

/* ---- lists and plugin options -------------------------------------------- */

/* Frees the items, origins and arrays of v and empties it. */
static void config_strv_free(hpi_strv *v)
{
	size_t i;

	for (i = 0; i < v->n; i++) {
		free(v->v[i]);
		free(v->origin[i].file);
		free(v->origin[i].env);
		if (v->opts != NULL)
			free(v->opts[i]);
	}
	free(v->v);
	free(v->origin);
	free(v->opts);
	memset(v, 0, sizeof *v);
}

/* Appends a copy of s[0..n) with a copy of origin o (capacity doubles at
 * powers of two); one warning on ENOMEM. */
static void config_strv_push(config_ctx *x, hpi_strv *v, const char *s, size_t n,
			     const hpi_origin *o)
{
	char *item, *file, *env;

	if (v->n == 0 || (v->n & (v->n - 1)) == 0) {
		size_t cap = v->n ? v->n * 2 : 1;
		char **nv = realloc(v->v, cap * sizeof *nv), **nopt;
		hpi_origin *no;

		if (nv == NULL)
			goto oom;
		v->v = nv;
		if ((no = realloc(v->origin, cap * sizeof *no)) == NULL)
			goto oom;
		v->origin = no;
		if ((nopt = realloc(v->opts, cap * sizeof *nopt)) == NULL)
			goto oom;
		v->opts = nopt;
	}
	item = strndup(s, n);
	file = o->file ? strdup(o->file) : NULL;
	env = o->env ? strdup(o->env) : NULL;
	if (item == NULL || (o->file && !file) || (o->env && !env)) {
		free(item);
		free(file);
		free(env);
		goto oom;
	}
	v->v[v->n] = item;
	v->origin[v->n] = (hpi_origin){ .file = file, .line = o->line, .col = o->col, .env = env };
	v->opts[v->n] = NULL;
	v->n++;
	return;
oom:
	config_warn(x, "out of memory: list item \"%.*s\" ignored", (int)(n > 60 ? 60 : n), s);
}

/* Replaces k's list by nv (which is consumed). */
static void config_strv_set(config_ctx *x, const config_key *k, hpi_strv *nv)
{
	hpi_strv *f;

	if (k->off == CONFIG_NOFIELD) {
		config_strv_free(nv);
		return;
	}
	f = CONFIG_AT(x, k, hpi_strv);
	config_strv_free(f);
	*f = *nv;
}

/* Sets plugins.options "plugin.key" to value (last one wins). */
static void config_option_set(config_ctx *x, const char *plugin, const config_node *knode,
			      const config_node *val)
{
	const char *key = knode->text, *value = val->text;
	hpi_config *c = x->c;
	char *k = hpi_asprintf("%s.%s", plugin, key), *v = strdup(value);
	size_t i;

	if (k == NULL || v == NULL)
		goto oom;
	for (i = 0; i < c->noptions; i++) {
		if (strcmp(c->options[i].key, k) == 0) {
			free(c->options[i].value);
			c->options[i].value = v;
			c->options[i].line = val->line;
			c->options[i].col = val->col;
			c->options[i].kline = knode->line;
			c->options[i].kcol = knode->col;
			free(k);
			return;
		}
	}
	if (c->noptions == 0 || (c->noptions & (c->noptions - 1)) == 0) {
		size_t cap = c->noptions ? c->noptions * 2 : 1;
		hpi_optnode *no = realloc(c->options, cap * sizeof *no);

		if (no == NULL)
			goto oom;
		c->options = no;
	}
	c->options[c->noptions++] =
	    (hpi_optnode){ .key = k, .value = v, .line = val->line, .col = val->col,
			   .kline = knode->line, .kcol = knode->col };
	return;
oom:
	free(k);
	free(v);
	config_warn(x, "out of memory: plugins.options.%s.%s ignored", plugin, key);
}

/* ---- YAML tree --------------------------------------------------------- */

/* Frees n and its children; depth is capped, so recursion is bounded. */
static void config_node_free(config_node *n)
{
	size_t i;

	if (n == NULL)
		return;
	for (i = 0; i < n->nkid; i++)
		config_node_free(n->kid[i]);
	free(n->kid);
	free(n->text);
	free(n);
}

/* New node for event ev; NULL on ENOMEM. */
static config_node *config_node_new(int kind, const yaml_event_t *ev)
{
	config_node *n = calloc(1, sizeof *n);
	size_t len;
	const char *s;

	if (n == NULL)
		return NULL;
	n->kind = kind;
	n->line = (int)ev->start_mark.line + 1;
	n->col = (int)ev->start_mark.column + 1;
	if (kind != CN_SCALAR)
		return n;
	s = (const char *)ev->data.scalar.value;
	len = ev->data.scalar.length;
	if ((n->text = malloc(len + 1)) == NULL) {
		free(n);
		return NULL;
	}
	memcpy(n->text, s, len);
	n->text[len] = '\0';
	n->plain = ev->data.scalar.style == YAML_PLAIN_SCALAR_STYLE;
	n->null = n->plain &&
		  (len == 0 || strcmp(n->text, "~") == 0 || strcmp(n->text, "null") == 0 ||
		   strcmp(n->text, "Null") == 0 || strcmp(n->text, "NULL") == 0);
	return n;
}

/* Appends kid to container p; -1 (kid freed) on ENOMEM. */
static int config_node_add(config_node *p, config_node *kid)
{
	if (p->nkid == p->capkid) {
		size_t cap = p->capkid ? p->capkid * 2 : 4;
		config_node **nk = realloc(p->kid, cap * sizeof *nk);

		if (nk == NULL) {
			config_node_free(kid);
			return -1;
		}
		p->kid = nk;
		p->capkid = cap;
	}
	p->kid[p->nkid++] = kid;
	return 0;
}

/* Adds one event of the document to the tree; -1 on ENOMEM, 1 when the
 * event would nest deeper than CONFIG_MAX_DEPTH. */
static int config_tree_event(config_tree *t, const yaml_event_t *ev)
{
	bool start = ev->type == YAML_MAPPING_START_EVENT || ev->type == YAML_SEQUENCE_START_EVENT;
	config_node *n;
	int kind;

	if (ev->type == YAML_MAPPING_END_EVENT || ev->type == YAML_SEQUENCE_END_EVENT) {
		if (t->depth > 0)
			t->depth--;
		return 0;
	}
	if (ev->type == YAML_MAPPING_START_EVENT)
		kind = CN_MAP;
	else if (ev->type == YAML_SEQUENCE_START_EVENT)
		kind = CN_SEQ;
	else if (ev->type == YAML_SCALAR_EVENT)
		kind = CN_SCALAR;
	else if (ev->type == YAML_ALIAS_EVENT)
		kind = CN_ALIAS;
	else
		return 0;
	if (start && t->depth == CONFIG_MAX_DEPTH)
		return 1;
	if ((n = config_node_new(kind, ev)) == NULL)
		return -1;
	if (t->depth == 0) {
		if (t->root != NULL) {
			config_node_free(n);
			return 0;
		}
		t->root = n;
	} else if (config_node_add(t->open[t->depth - 1], n) != 0) {
		return -1;
	}
	if (start)
		t->open[t->depth++] = n;
	return 0;
}

/* Line and column of byte offset off in f, for reader errors (which carry
 * an offset, not a mark). */
static void config_offset_mark(FILE *f, size_t off, int *line, int *col)
{
	size_t i;
	int ch;

	*line = 1;
	*col = 1;
	if (fseek(f, 0, SEEK_SET) != 0)
		return;
	for (i = 0; i < off && (ch = getc(f)) != EOF; i++) {
		if (ch == '\n') {
			(*line)++;
			*col = 1;
		} else if ((ch & 0xc0) != 0x80) {
			(*col)++;
		}
	}
}

/* Reports the parser's error: one line, the whole file is dropped. */
static void config_syntax_error(config_ctx *x, yaml_parser_t *p, FILE *f)
{
	int line = (int)p->problem_mark.line + 1, col = (int)p->problem_mark.column + 1;

	if (p->error == YAML_MEMORY_ERROR) {
		config_warn(x, "%s: out of memory while reading; using built-in defaults", x->file);
		return;
	}
	if (p->error == YAML_READER_ERROR)
		config_offset_mark(f, p->problem_offset, &line, &col);
	config_warn(x, "%s:%d:%d: syntax error: %s; using built-in defaults", x->file,
		    line, col, p->problem ? p->problem : "unknown error");
}

/* Parses the first document of f into *root (NULL when empty); -1 after
 * reporting a syntax error. */
static int config_parse(config_ctx *x, FILE *f, config_node **root)
{
	config_tree t = { .root = NULL };
	yaml_parser_t p;
	yaml_event_t ev;
	int docs = 0, rv = 0;
	bool done = false;

	if (!yaml_parser_initialize(&p)) {
		config_warn(x, "%s: out of memory while reading; using built-in defaults", x->file);
		return -1;
	}
	yaml_parser_set_input_file(&p, f);
	while (!done) {
		if (!yaml_parser_parse(&p, &ev)) {
			config_syntax_error(x, &p, f);
			rv = -1;
			break;
		}
		if (ev.type == YAML_STREAM_END_EVENT) {
			done = true;
		} else if (ev.type == YAML_DOCUMENT_START_EVENT && docs++ > 0) {
			config_warn(x, "%s:%d:%d: only the first YAML document is read, the rest is ignored",
				    x->file, (int)ev.start_mark.line + 1, (int)ev.start_mark.column + 1);
			done = true;
		} else if ((rv = config_tree_event(&t, &ev)) != 0) {
			/* Stop early: libyaml slows down quadratically with depth. */
			if (rv > 0)
				config_warn(x, "%s:%d:%d: nested deeper than %d levels; "
					    "using built-in defaults", x->file,
					    (int)ev.start_mark.line + 1,
					    (int)ev.start_mark.column + 1, CONFIG_MAX_DEPTH);
			else
				config_warn(x, "%s: out of memory while reading; "
					    "using built-in defaults", x->file);
			done = true;
		}
		yaml_event_delete(&ev);
	}
	yaml_parser_delete(&p);
	if (rv != 0) {
		config_node_free(t.root);
		return rv;
	}
	*root = t.root;
	return 0;
}

/* ---- applying the tree --------------------------------------------------- */

static void config_walk(config_ctx *x, const config_node *map, const config_key *tab,
			const char *prefix);
static void config_value(config_ctx *x, const config_key *k, const config_node *v,
			 const char *path);
static void config_env_list(config_ctx *x, const config_key *k, const char *var,
			    const char *s);
static void config_text_list(config_ctx *x, const config_key *k, const hpi_origin *o,
			     const char *s);
static void config_env_walk(config_ctx *x, const config_key *tab, const char *prefix);
static void config_env_collectors(config_ctx *x, const char *prefix);

/* "FILE:LINE:COL: path" for a message about node n. */
static void config_who(const config_ctx *x, const config_node *n, const char *path,
		       char *buf, size_t len)
{
	config_fmt(buf, len, "%s:%d:%d%s%s", x->file, n->line, n->col, *path ? ": " : "", path);
}

/* True when key (of a map under path) is a scalar; warns otherwise. */
static bool config_key_ok(config_ctx *x, const config_node *key, const char *path)
{
	char who[1024], got[160];

	if (key->kind == CN_SCALAR)
		return true;
	config_who(x, key, path, who, sizeof who);
	config_got(key, got, sizeof got);
	config_warn(x, "%s: expected a scalar key, got %s; ignored", who, got);
	return false;
}

/* One string item of a list (item is at path); bad items are dropped. */
static void config_list_item(config_ctx *x, hpi_strv *nv, const config_node *it,
			     const char *path)
{
	char who[1024], got[160];
	hpi_origin o = { .file = (char *)x->file, .line = it->line, .col = it->col };

	config_who(x, it, path, who, sizeof who);
	if (it->kind == CN_ALIAS) {
		config_warn(x, "%s: aliases are not supported; ignored", who);
	} else if (it->kind != CN_SCALAR || it->null || it->text[0] == '\0') {
		config_got(it, got, sizeof got);
		config_warn(x, "%s: expected a non-empty string, got %s; ignored", who, got);
	} else {
		config_strv_push(x, nv, it->text, strlen(it->text), &o);
	}
}

/* Appends plain scalar s to b as a JSON number, in its shortest exact form,
 * when it is a decimal number of YAML 1.2's core schema; false otherwise. */
static bool config_json_number(hpi_buf *b, const char *s)
{
	const char *p = s + (*s == '-' || *s == '+'), *q;
	size_t digits = strspn(p, "0123456789"), frac = 0;
	char tmp[40];
	long long i;
	double d;
	int prec;

	q = p + digits;
	if (*q == '.') {
		frac = strspn(q + 1, "0123456789");
		q += 1 + frac;
	}
	if (digits == 0 && frac == 0)
		return false;
	if (*q == 'e' || *q == 'E') {
		q += 1 + (q[1] == '+' || q[1] == '-');
		if (strspn(q, "0123456789") == 0)
			return false;
		q += strspn(q, "0123456789");
	}
	if (*q != '\0')
		return false;
	errno = 0;
	if (frac == 0 && p[digits] == '\0' && (i = strtoll(s, NULL, 10), errno == 0)) {
		hpi_buf_printf(b, "%lld", i);
		return true;
	}
	if (!isfinite(d = strtod(s, NULL)))
		return false;
	for (prec = 1; prec < 17; prec++) {
		snprintf(tmp, sizeof tmp, "%.*g", prec, d);
		if (strtod(tmp, NULL) == d)
			break;
	}
	hpi_buf_printf(b, "%.*g", prec, d);
	return true;
}

/* Appends YAML node n (at path, for messages) to b as JSON; see hpi.h for
 * how scalars are typed.  An alias becomes null, with a warning. */
static void config_json(config_ctx *x, hpi_buf *b, const config_node *n, const char *path)
{
	static const char *const bools[] = { "true", "True", "TRUE", "false", "False", "FALSE" };
	char sub[320], who[1024];
	size_t i, k;
	bool first = true;

	if (n->kind == CN_MAP || n->kind == CN_SEQ) {
		hpi_buf_putc(b, n->kind == CN_MAP ? '{' : '[');
		for (i = 0; i < n->nkid; i += n->kind == CN_MAP ? 2 : 1) {
			if (n->kind == CN_SEQ) {
				config_fmt(sub, sizeof sub, "%s[%zu]", path, i);
			} else if (i + 1 >= n->nkid || !config_key_ok(x, n->kid[i], path)) {
				continue;
			}
			if (!first)
				hpi_buf_putc(b, ',');
			first = false;
			if (n->kind == CN_MAP) {
				hpi_buf_json_str(b, n->kid[i]->text);
				hpi_buf_putc(b, ':');
				config_join(sub, sizeof sub, path, n->kid[i]->text);
			}
			config_json(x, b, n->kid[i + (n->kind == CN_MAP)], sub);
		}
		hpi_buf_putc(b, n->kind == CN_MAP ? '}' : ']');
		return;
	}
	if (n->kind == CN_ALIAS) {
		config_who(x, n, path, who, sizeof who);
		config_warn(x, "%s: aliases are not supported; using null", who);
	}
	if (n->kind == CN_ALIAS || n->null) {
		hpi_buf_puts(b, "null");
		return;
	}
	for (k = 0; n->plain && k < sizeof bools / sizeof bools[0]; k++) {
		if (strcmp(n->text, bools[k]) == 0) {
			hpi_buf_puts(b, k < 3 ? "true" : "false");
			return;
		}
	}
	if (!n->plain || !config_json_number(b, n->text))
		hpi_buf_json_str(b, n->text);
}

/* Keeps the options map of the last item of v as JSON text. */
static void config_script_opts(config_ctx *x, hpi_strv *v, const config_node *map,
			       const char *path)
{
	hpi_buf b;

	hpi_buf_init(&b);
	config_json(x, &b, map, path);
	if (b.failed) {
		hpi_buf_fini(&b);
		config_warn(x, "out of memory: %s ignored", path);
		return;
	}
	v->opts[v->n - 1] = b.data;
}

/* One report.scripts item: "x.lua" or {path: x.lua, options: {...}}. */
static void config_script(config_ctx *x, hpi_strv *nv, const config_node *it, const char *path)
{
	const config_node *p = NULL, *opts = NULL;
	char sub[320], who[1024], opath[320] = "";
	size_t i, n = nv->n;

	if (it->kind != CN_MAP) {
		config_list_item(x, nv, it, path);
		return;
	}
	for (i = 0; i + 1 < it->nkid; i += 2) {
		const config_node *key = it->kid[i], *val = it->kid[i + 1];

		if (!config_key_ok(x, key, path))
			continue;
		config_join(sub, sizeof sub, path, key->text);
		if (strcmp(key->text, "path") == 0) {
			p = val;
			continue;
		}
		if (strcmp(key->text, "options") == 0) {
			opts = NULL;
			if (!val->null && val->kind != CN_MAP) {
				config_who(x, val, sub, who, sizeof who);
				config_warn(x, "%s: expected a map; ignored", who);
			} else if (!val->null) {
				opts = val;
				memcpy(opath, sub, sizeof opath);
			}
			continue;
		}
		config_who(x, key, sub, who, sizeof who);
		config_warn(x, "%s: unknown key, ignored", who);
	}
	if (p == NULL) {
		config_who(x, it, path, who, sizeof who);
		config_warn(x, "%s: missing key \"path\"; ignored", who);
		return;
	}
	config_join(sub, sizeof sub, path, "path");
	config_list_item(x, nv, p, sub);
	if (nv->n > n && opts != NULL)
		config_script_opts(x, nv, opts, opath);
}

/* A list of strings (or scripts) for k: replaces the old list; null empties it. */
static void config_list(config_ctx *x, const config_key *k, const config_node *v,
			const char *who, const char *path)
{
	hpi_strv nv = { .n = 0 };
	char ipath[320];
	size_t i;

	if (!v->null && v->kind != CN_SEQ) {
		config_warn(x, "%s: expected a list; ignored", who);
		return;
	}
	for (i = 0; v->kind == CN_SEQ && i < v->nkid; i++) {
		config_fmt(ipath, sizeof ipath, "%s[%zu]", path, i);
		if (k->type == CT_SCRIPTS)
			config_script(x, &nv, v->kid[i], ipath);
		else
			config_list_item(x, &nv, v->kid[i], ipath);
	}
	config_strv_set(x, k, &nv);
}

/* report.percentiles as a YAML list; one bad item keeps the old list. */
static void config_pct_list(config_ctx *x, const config_key *k, const config_node *v,
			    const char *who, const char *path)
{
	double p[HPI_MAX_PCTS];
	char tail[600], ipath[320], iwho[1024], why[256], got[160];
	size_t i;
	int rv;

	config_tail(x, k, tail, sizeof tail);
	if (v->nkid == 0 || v->nkid > HPI_MAX_PCTS) {
		if (v->nkid == 0)
			config_warn(x, "%s: no percentiles given; %s", who, tail);
		else
			config_warn(x, "%s: too many percentiles (max %d); %s", who, HPI_MAX_PCTS, tail);
		return;
	}
	for (i = 0; i < v->nkid; i++) {
		const config_node *it = v->kid[i];

		config_fmt(ipath, sizeof ipath, "%s[%zu]", path, i);
		config_who(x, it, ipath, iwho, sizeof iwho);
		rv = HP_EINVAL;
		if (it->kind == CN_SCALAR)
			rv = config_pct(it->text, strlen(it->text), &p[i], why, sizeof why);
		if (rv == HP_EINVAL) {
			config_got(it, got, sizeof got);
			config_warn(x, "%s: expected a number, got %s; %s", iwho, got, tail);
			return;
		}
		if (rv != 0) {
			config_warn(x, "%s: %s; %s", iwho, why, tail);
			return;
		}
	}
	memcpy(x->c->pcts, p, v->nkid * sizeof p[0]);
	x->c->npcts = v->nkid;
}

/* plugins.options: {plugin: {key: scalar}}, stored as "plugin.key". */
static void config_options(config_ctx *x, const config_node *map, const char *path)
{
	char npath[320], kpath[480], who[1024], got[160];
	size_t i, j;

	for (i = 0; i + 1 < map->nkid; i += 2) {
		const config_node *name = map->kid[i], *sub = map->kid[i + 1];

		if (!config_key_ok(x, name, path) || sub->null)
			continue;
		config_join(npath, sizeof npath, path, name->text);
		if (sub->kind != CN_MAP) {
			config_who(x, sub, npath, who, sizeof who);
			config_warn(x, "%s: expected a map; ignored", who);
			continue;
		}
		for (j = 0; j + 1 < sub->nkid; j += 2) {
			const config_node *key = sub->kid[j], *val = sub->kid[j + 1];

			if (!config_key_ok(x, key, npath))
				continue;
			if (val->kind == CN_SCALAR) {
				config_option_set(x, name->text, key, val);
				continue;
			}
			config_join(kpath, sizeof kpath, npath, key->text);
			config_who(x, val, kpath, who, sizeof who);
			config_got(val, got, sizeof got);
			config_warn(x, "%s: expected a scalar, got %s; ignored", who, got);
		}
	}
}

/* ---- plugins' option rows ------------------------------------------------ */

/* The schema key of option row r, whose value is vals[i] when the keys'
 * base is vals. */
static void config_row_key(const hp_option *r, size_t i, config_key *k)
{
	size_t at = i * sizeof(hpi_optval);

	memset(k, 0, sizeof *k);
	k->name = r->key;
	k->alias = r->env;
	switch (r->type) {
	case HP_OPT_INT:
		k->type = CT_LONG;
		k->off = at + offsetof(hpi_optval, i);
		k->min = r->min < LONG_MIN ? LONG_MIN : (long)r->min;
		k->max = r->max > LONG_MAX ? LONG_MAX : (long)r->max;
		break;
	case HP_OPT_BOOL:
		k->type = CT_BOOL;
		k->off = at + offsetof(hpi_optval, b);
		break;
	case HP_OPT_LIST:
		k->type = CT_STRV;
		k->off = at + offsetof(hpi_optval, v);
		k->sep = r->sep ? r->sep : ',';
		break;
	case HP_OPT_ENUM:
		k->type = CT_ENUM;
		k->off = at + offsetof(hpi_optval, i);
		k->values = r->values;
		break;
	default: /* HP_OPT_TEXT; the registry refuses other types */
		k->type = CT_STR;
		k->off = at + offsetof(hpi_optval, s);
		break;
	}
}

/* The schema of an option table (at most HPI_MAX_OPTIONS rows), ended by a
 * NULL name: tab has room for HPI_MAX_OPTIONS + 1 keys. */
static void config_rows_tab(const hp_option *rows, config_key *tab)
{
	size_t i;

	for (i = 0; rows != NULL && rows[i].key != NULL && i < HPI_MAX_OPTIONS; i++)
		config_row_key(&rows[i], i, &tab[i]);
	tab[i] = (config_key){ .name = NULL };
}

size_t hpi_option_count(const hp_option *rows)
{
	size_t n = 0;

	while (rows != NULL && rows[n].key != NULL)
		n++;
	return n;
}

/* Rows that have values: at most HPI_MAX_OPTIONS. */
static size_t config_nrows(const hp_option *rows)
{
	size_t n = hpi_option_count(rows);

	return n < HPI_MAX_OPTIONS ? n : HPI_MAX_OPTIONS;
}

/* collectors: {name: {key: value}}, each name a built-in collector whose
 * rows are the schema of its map. */
static void config_collectors(config_ctx *x, const config_node *map, const char *prefix)
{
	config_key tab[HPI_MAX_OPTIONS + 1], sub;
	char path[320], who[1024];
	size_t i;
	int b;

	for (i = 0; i + 1 < map->nkid; i += 2) {
		const config_node *key = map->kid[i], *val = map->kid[i + 1];

		if (!config_key_ok(x, key, prefix))
			continue;
		config_join(path, sizeof path, prefix, key->text);
		if ((b = hpi_builtin_find(key->text)) < 0) {
			config_who(x, key, path, who, sizeof who);
			config_warn(x, "%s: unknown key, ignored", who);
			continue;
		}
		config_rows_tab(hpi_builtins[b]->options, tab);
		sub = (config_key){ .name = key->text, .type = CT_MAP, .sub = tab };
		x->base = x->c->copts[b];
		config_value(x, &sub, val, path);
		x->base = NULL;
	}
}

/* Sets every value of rows to its row's default (vals is zeroed first). */
static void config_rows_defaults(config_ctx *x, const hp_option *rows, hpi_optval *vals)
{
	config_key tab[HPI_MAX_OPTIONS + 1];

	memset(vals, 0, config_nrows(rows) * sizeof *vals);
	config_rows_tab(rows, tab);
	x->base = vals;
	for (const config_key *k = tab; k->name != NULL; k++) {
		const char *d = rows[k - tab].dflt;

		if (d == NULL)
			continue;
		if (k->type == CT_STRV)
			config_env_list(x, k, NULL, d);
		else
			config_scalar(x, k, k->name, d);
	}
	x->base = NULL;
}

/* Frees what the values of rows own. */
static void config_rows_fini(const hp_option *rows, hpi_optval *vals)
{
	for (size_t i = 0; i < config_nrows(rows); i++) {
		free(vals[i].s);
		config_strv_free(&vals[i].v);
	}
	memset(vals, 0, config_nrows(rows) * sizeof *vals);
}

hpi_optval *hpi_config_opt(const hpi_config *c, const char *plugin, const char *key)
{
	int b = hpi_builtin_find(plugin);
	const hp_option *rows;

	if (b < 0 || (rows = hpi_builtins[b]->options) == NULL)
		return NULL;
	for (size_t i = 0; rows[i].key != NULL && i < HPI_MAX_OPTIONS; i++)
		if (strcmp(rows[i].key, key) == 0)
			return (hpi_optval *)&c->copts[b][i];
	return NULL;
}

/* "HOTPATH_<A>_<B>" in upper case into buf. */
static void config_env_name(char *buf, size_t len, const char *a, const char *b)
{
	config_fmt(buf, len, "HOTPATH_%s_%s", a, b);
	for (char *p = buf; *p; p++)
		*p = (char)toupper((unsigned char)*p);
}

void hpi_optvals_load(const hpi_config *c, const char *plugin, const hp_option *rows,
		      hpi_optval *vals)
{
	config_ctx x = { .c = (hpi_config *)c, .file = c->path };
	config_key tab[HPI_MAX_OPTIONS + 1];
	size_t plen = strlen(plugin);
	char path[320], who[1024], var[160];

	config_rows_defaults(&x, rows, vals);
	config_rows_tab(rows, tab);
	x.base = vals;
	for (size_t i = 0; i < c->noptions; i++) {
		const hpi_optnode *n = &c->options[i];
		const config_key *k;

		if (strncmp(n->key, plugin, plen) != 0 || n->key[plen] != '.')
			continue;
		for (k = tab; k->name != NULL && strcmp(k->name, n->key + plen + 1) != 0; k++)
			;
		/* like the file's own keys: an unknown key's place, else the value's */
		config_fmt(path, sizeof path, "plugins.options.%s", n->key);
		if (n->line > 0)
			config_fmt(who, sizeof who, "%s:%d:%d: %s", c->path ? c->path : "?",
				   k->name ? n->line : n->kline, k->name ? n->col : n->kcol, path);
		else
			config_fmt(who, sizeof who, "%s", path);
		if (k->name == NULL)
			config_warn(&x, "%s: unknown key, ignored", who);
		else if (k->type == CT_STRV)
			config_text_list(&x, k,
					 &(hpi_origin){ .file = n->line > 0 ? c->path : NULL,
							.line = n->line, .col = n->col },
					 n->value);
		else
			config_scalar(&x, k, who, n->value);
	}
	config_env_name(var, sizeof var, "PLUGINS_OPTIONS", plugin);
	config_env_walk(&x, tab, var);
}

void hpi_optvals_fini(const hp_option *rows, hpi_optval *vals)
{
	config_rows_fini(rows, vals);
}

/* Applies value node v to key k (path names it in messages). */
static void config_value(config_ctx *x, const config_key *k, const config_node *v,
			 const char *path)
{
	char who[1024], tail[600], got[160], desc[64];

	config_who(x, v, path, who, sizeof who);
	config_tail(x, k, tail, sizeof tail);
	if (v->kind == CN_ALIAS) {
		config_warn(x, "%s: aliases are not supported; %s", who, tail);
		return;
	}
	switch (k->type) {
	case CT_MAP:
	case CT_OPTIONS:
	case CT_COLLECTORS:
		if (v->null)
			return;
		if (v->kind != CN_MAP)
			config_warn(x, "%s: expected a map; ignored", who);
		else if (k->type == CT_MAP)
			config_walk(x, v, k->sub, path);
		else if (k->type == CT_COLLECTORS)
			config_collectors(x, v, path);
		else
			config_options(x, v, path);
		return;
	case CT_STRV:
	case CT_SCRIPTS:
		config_list(x, k, v, who, path);
		return;
	case CT_PCTS:
		if (v->kind == CN_SEQ) {
			config_pct_list(x, k, v, who, path);
			return;
		}
		break;
	default:
		break;
	}
	if (v->kind != CN_SCALAR || v->null) {
		config_desc(k, desc, sizeof desc);
		config_got(v, got, sizeof got);
		config_warn(x, "%s: expected %s, got %s; %s", who, desc, got, tail);
		return;
	}
	config_scalar(x, k, who, v->text);
}

/* Applies every key: value pair of map against the keys of tab. */
static void config_walk(config_ctx *x, const config_node *map, const config_key *tab,
			const char *prefix)
{
	char path[320], who[1024];
	const config_key *k;
	size_t i;

	for (i = 0; i + 1 < map->nkid; i += 2) {
		const config_node *key = map->kid[i], *val = map->kid[i + 1];

		if (!config_key_ok(x, key, prefix))
			continue;
		config_join(path, sizeof path, prefix, key->text);
		for (k = tab; k->name != NULL && strcmp(k->name, key->text) != 0; k++)
			;
		if (k->name != NULL) {
			config_value(x, k, val, path);
			continue;
		}
		config_who(x, key, path, who, sizeof who);
		config_warn(x, "%s: unknown key, ignored", who);
	}
}

/* Reads file path into x->c; explicit=false makes a missing file silent.
 * Never blocks: a FIFO or a device other than /dev/null is refused. */
static void config_read(config_ctx *x, const char *path, bool explicit)
{
	config_node *root = NULL;
	char got[160], *real, *slash;
	bool is_null;
	FILE *f;
	int fd;

	if ((fd = hpi_open_regular(path, O_RDONLY, &is_null)) < 0) {
		if (explicit || errno != ENOENT)
			config_warn(x, "%s: cannot open: %s; using built-in defaults", path,
				    errno == EINVAL ? "not a regular file" : strerror(errno));
		return;
	}
	if ((f = fdopen(fd, "rb")) == NULL) {
		config_warn(x, "%s: cannot open: %s; using built-in defaults", path,
			    strerror(errno));
		close(fd);
		return;
	}
	x->file = path;
	x->c->path = strdup(path);
	/* plugins and scripts the file names by a relative path are found
	 * next to it, wherever the program runs */
	if ((real = realpath(path, NULL)) != NULL && (slash = strrchr(real, '/')) != NULL) {
		*(slash == real ? slash + 1 : slash) = '\0';
		x->c->dir = real;
	} else {
		free(real);
	}
	if (config_parse(x, f, &root) == 0 && root != NULL && !root->null) {
		if (root->kind == CN_MAP) {
			config_walk(x, root, config_top, "");
		} else {
			config_got(root, got, sizeof got);
			config_warn(x, "%s:%d:%d: expected a map at the top level, got %s; "
				    "using built-in defaults", path, root->line, root->col, got);
		}
	}
	config_node_free(root);
	fclose(f);
}

/* The per-user file: $XDG_CONFIG_HOME/hotpath/hotpath.yaml, else
 * ~/.config/hotpath/hotpath.yaml; malloc'ed, or NULL. */
static char *config_user_file(void)
{
	const char *xdg = getenv("XDG_CONFIG_HOME"), *home = getenv("HOME");

	if (xdg != NULL && xdg[0] == '/')
		return hpi_asprintf("%s/hotpath/hotpath.yaml", xdg);
	if (home != NULL && home[0] == '/')
		return hpi_asprintf("%s/.config/hotpath/hotpath.yaml", home);
	return NULL;
}

/* Reads a file found by default (not named by the user) if it exists and
 * is trusted (docs/config.md); true when it was read. */
static bool config_read_found(config_ctx *x, const char *path)
{
	char *why = NULL;
	int rv;

	if (access(path, F_OK) != 0)
		return false;
	if ((rv = hpi_trust_file(path, HPI_TRUST_NO_GROUP, &why)) != 0) {
		if (rv != HP_ENOENT)
			hpi_warn("%s: ignored, %s (docs/config.md, \"Which file\")", path,
				 why ? why : "not trusted");
		free(why);
		return false;
	}
	config_read(x, path, false);
	return true;
}

/* ---- environment --------------------------------------------------------- */

/* A list from one variable: items split at k->sep, spaces trimmed, empty
 * items skipped; each item's origin is the variable. */
static void config_env_list(config_ctx *x, const config_key *k, const char *var, const char *s)
{
	config_text_list(x, k, &(hpi_origin){ .env = (char *)var }, s); /* var NULL: a default */
}

/* A list from one text (a variable's, a default, a plugin option's):
 * items split at k->sep, spaces trimmed, empty items skipped; each item's
 * origin is o. */
static void config_text_list(config_ctx *x, const config_key *k, const hpi_origin *o,
			     const char *s)
{
	hpi_strv nv = { .n = 0 };
	const char *e;
	size_t n;

	for (;;) {
		e = strchr(s, k->sep);
		n = e ? (size_t)(e - s) : strlen(s);
		while (n > 0 && (*s == ' ' || *s == '\t'))
			s++, n--;
		while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\t'))
			n--;
		if (n > 0)
			config_strv_push(x, &nv, s, n, o);
		if (e == NULL)
			break;
		s = e + 1;
	}
	config_strv_set(x, k, &nv);
}

/* Applies variable var to k when it is set and not empty. */
static void config_env_key(config_ctx *x, const config_key *k, const char *var)
{
	const char *s = hpi_getenv(var);

	if (s == NULL || *s == '\0')
		return;
	if (k->type == CT_STRV || k->type == CT_SCRIPTS)
		config_env_list(x, k, var, s);
	else
		config_scalar(x, k, var, s);
}

/* Applies HOTPATH_* for every key of tab: the alias first, so that the
 * canonical name (prefix_KEY, upper case) wins when both are set. */
static void config_env_walk(config_ctx *x, const config_key *tab, const char *prefix)
{
	const config_key *k;
	char var[128], *p;

	for (k = tab; k->name != NULL; k++) {
		snprintf(var, sizeof var, "%s_%s", prefix, k->name);
		for (p = var + strlen(prefix); *p; p++)
			*p = (char)toupper((unsigned char)*p);
		if (k->type == CT_MAP) {
			config_env_walk(x, k->sub, var);
			continue;
		}
		if (k->type == CT_OPTIONS)
			continue;
		if (k->type == CT_COLLECTORS) {
			config_env_collectors(x, var);
			continue;
		}
		if (k->alias != NULL)
			config_env_key(x, k, k->alias);
		config_env_key(x, k, var);
	}
}

/* HOTPATH_COLLECTORS_<NAME>_<KEY> (and the rows' aliases) of every
 * built-in collector; prefix is "HOTPATH_COLLECTORS". */
static void config_env_collectors(config_ctx *x, const char *prefix)
{
	config_key tab[HPI_MAX_OPTIONS + 1], map[2];

	for (int b = 0; b < HPI_NBUILTINS; b++) {
		config_rows_tab(hpi_builtins[b]->options, tab);
		map[0] = (config_key){ .name = hpi_builtins[b]->name, .type = CT_MAP, .sub = tab };
		map[1] = (config_key){ .name = NULL };
		x->base = x->c->copts[b];
		config_env_walk(x, map, prefix);
		x->base = NULL;
	}
}

/* ---- entry points -------------------------------------------------------- */

/* Built-in defaults; strings are allocated (free with hpi_config_fini). */
void hpi_config_defaults(hpi_config *c)
{
	config_ctx x = { .c = c };

	memset(c, 0, sizeof *c);
	c->drain_interval_ms = 10;
	c->buffer_max_mb = 64;
	for (int b = 0; b < HPI_NBUILTINS; b++)
		config_rows_defaults(&x, hpi_builtins[b]->options, c->copts[b]);
	c->trace_output = strdup("trace.json");
	c->format = HP_FORMAT_TABLE;
	c->pcts[0] = 95;
	c->npcts = 1;
	c->limit = 15;
	c->output = strdup("stderr");
	c->script_memory_mb = 64;
	c->script_instructions = 1000000000;
	c->on_signal = true;
	c->endpoint = strdup("auto");
	c->query = strdup("auto");
	c->publish_interval_ms = 250;
	c->publish_max_connections = 32;
	c->publish_query_rate = 20;
	c->publish_query_burst = 40;
	c->metrics = strdup("off");
}

/* Defaults, then the file, then the environment; see hpi.h. */
int hpi_config_load(hpi_config *c, const char *path)
{
	config_ctx x = { .c = c };
	const char *env = hpi_getenv("HOTPATH_CONFIG");
	char *user;

	hpi_config_defaults(c);
	if (path == NULL && env != NULL && *env != '\0')
		path = env;
	if (path != NULL) {
		config_read(&x, path, true);
	} else if (hpi_secure()) {
		hpi_secure_note(); /* no file the user could have written */
	} else if (!config_read_found(&x, "hotpath.yaml")) {
		if ((user = config_user_file()) != NULL)
			config_read_found(&x, user);
		free(user);
	}
	x.file = NULL;
	config_env_walk(&x, config_top, "HOTPATH");
	return x.problems > 0 && c->strict ? HP_EINVAL : 0;
}

/* Frees everything c owns and zeroes it; NULL is a no-op. */
void hpi_config_fini(hpi_config *c)
{
	size_t i;

	if (c == NULL)
		return;
	free(c->path);
	free(c->dir);
	free(c->output);
	free(c->report_sort);
	free(c->fork.s);
	free(c->trace_output);
	free(c->endpoint);
	free(c->query);
	free(c->metrics);
	free(c->tls_cert);
	free(c->tls_key);
	free(c->tls_ca);
	config_strv_free(&c->scripts);
	for (int b = 0; b < HPI_NBUILTINS; b++)
		config_rows_fini(hpi_builtins[b]->options, c->copts[b]);
	config_strv_free(&c->plugin_path);
	config_strv_free(&c->plugin_load);
	config_strv_free(&c->console_panels);
	for (i = 0; i < c->noptions; i++) {
		free(c->options[i].key);
		free(c->options[i].value);
	}
	free(c->options);
	memset(c, 0, sizeof *c);
}

/* "FILE:LINE:COL", the variable's name, or "default"; returns buf. */
const char *hpi_origin_str(const hpi_origin *o, char *buf, size_t len)
{
	if (len == 0)
		return "";
	if (o != NULL && o->file != NULL)
		snprintf(buf, len, "%s:%d:%d", o->file, o->line, o->col);
	else if (o != NULL && o->env != NULL)
		snprintf(buf, len, "%s", o->env);
	else
		snprintf(buf, len, "default");
	return buf;
}
