/* SPDX-License-Identifier: MIT */
/*
 * config_value.c - checking and storing one configuration value (a
 * scalar, a percentile list, a list of strings), and the text of every
 * message about one.
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "hpi.h"
#include "config_impl.h"

static const char *const config_formats[] = {
	[HP_FORMAT_DEFAULT] = "default",
	[HP_FORMAT_TABLE] = "table",
	[HP_FORMAT_JSON] = "json",
	[HP_FORMAT_JSON_PRETTY] = "json-pretty",
	[HP_FORMAT_NONE] = "none",
	[HP_FORMAT_HTML] = "html",
};

/* Reports one problem: one hpi_warn line, counted for strict mode. */
void hpi_config_warn(config_ctx *x, const char *fmt, ...)
{
	va_list ap;

	x->problems++;
	va_start(ap, fmt);
	hpi_vwarn(fmt, ap);
	va_end(ap);
}

/* vsnprintf for message text, where truncation is harmless (and which
 * -Wformat-truncation does not second-guess). */
void hpi_config_fmt(char *buf, size_t len, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, len, fmt, ap);
	va_end(ap);
}

/* Copies s[0..n) into dst for a message: escaped, at most ~60 bytes. */
void hpi_config_esc(char *dst, size_t len, const char *s, size_t n)
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

/* "prefix.name" (or "name" at the top level), name escaped. */
void hpi_config_join(char *buf, size_t len, const char *prefix, const char *name)
{
	char q[128];

	hpi_config_esc(q, sizeof q, name, strlen(name));
	hpi_config_fmt(buf, len, "%s%s%s", prefix, *prefix ? "." : "", q);
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
	hpi_config_fmt(buf, len, "%.*s", (int)(e ? (size_t)(e - p) : strlen(p)), p);
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
void hpi_config_desc(const config_key *k, char *buf, size_t len)
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
void hpi_config_tail(const config_ctx *x, const config_key *k, char *buf, size_t len)
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

/* "FILE:LINE:COL: path" for a message about node n. */
void hpi_config_who(const config_ctx *x, const config_node *n, const char *path,
		    char *buf, size_t len)
{
	hpi_config_fmt(buf, len, "%s:%d:%d%s%s", x->file, n->line, n->col, *path ? ": " : "", path);
}

/* True when key (of a map under path) is a scalar; warns otherwise. */
bool hpi_config_key_ok(config_ctx *x, const config_node *key, const char *path)
{
	char who[1024], got[160];

	if (key->kind == CN_SCALAR)
		return true;
	hpi_config_who(x, key, path, who, sizeof who);
	hpi_config_got(key, got, sizeof got);
	hpi_config_warn(x, "%s: expected a scalar key, got %s; ignored", who, got);
	return false;
}

/* ---- values -------------------------------------------------------------- */

/* One percentile s[0..n), spaces around it allowed; 0, HP_EINVAL or HP_ERANGE. */
int hpi_config_pct(const char *s, size_t n, double *out, char *why, size_t len)
{
	char tok[64], q[128], *end;

	while (n > 0 && (*s == ' ' || *s == '\t'))
		s++, n--;
	while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\t'))
		n--;
	hpi_config_esc(q, sizeof q, s, n);
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
		rv = hpi_config_pct(s, e ? (size_t)(e - s) : strlen(s), &p[cnt], why, len);
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
	hpi_config_esc(q, sizeof q, s, strlen(s));
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

	hpi_config_esc(q, sizeof q, s, strlen(s));
	hpi_config_desc(k, d, sizeof d);
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
	hpi_config_esc(q, sizeof q, s, strlen(s));
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
	hpi_config_esc(q, sizeof q, s, strlen(s));
	config_choices(k->values, d, sizeof d);
	hpi_config_fmt(why, len, "expected %s, got \"%s\"", d, q);
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
void hpi_config_scalar(config_ctx *x, const config_key *k, const char *who, const char *s)
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
	hpi_config_tail(x, k, tail, sizeof tail);
	hpi_config_warn(x, "%s: %s; %s", who, why, tail);
}

/* ---- lists ---------------------------------------------------------------- */

/* Frees the items, origins and arrays of v and empties it. */
void hpi_config_strv_free(hpi_strv *v)
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
void hpi_config_strv_push(config_ctx *x, hpi_strv *v, const char *s, size_t n,
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
	hpi_config_warn(x, "out of memory: list item \"%.*s\" ignored", (int)(n > 60 ? 60 : n), s);
}

/* Replaces k's list by nv (which is consumed). */
void hpi_config_strv_set(config_ctx *x, const config_key *k, hpi_strv *nv)
{
	hpi_strv *f;

	if (k->off == CONFIG_NOFIELD) {
		hpi_config_strv_free(nv);
		return;
	}
	f = CONFIG_AT(x, k, hpi_strv);
	hpi_config_strv_free(f);
	*f = *nv;
}

/* A list from one variable: items split at k->sep, spaces trimmed, empty
 * items skipped; each item's origin is the variable. */
void hpi_config_env_list(config_ctx *x, const config_key *k, const char *var, const char *s)
{
	/* var NULL: a default */
	hpi_config_text_list(x, k, &(hpi_origin){ .env = (char *)var }, s);
}

/* A list from one text (a variable's, a default, a plugin option's):
 * items split at k->sep, spaces trimmed, empty items skipped; each item's
 * origin is o. */
void hpi_config_text_list(config_ctx *x, const config_key *k, const hpi_origin *o,
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
			hpi_config_strv_push(x, &nv, s, n, o);
		if (e == NULL)
			break;
		s = e + 1;
	}
	hpi_config_strv_set(x, k, &nv);
}
