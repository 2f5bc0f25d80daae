/* SPDX-License-Identifier: MIT */
/*
 * json_write.c - the JSON writer of json.h: compact text built piece by
 * piece, and values read by json.c written back, without recursion (a
 * value may nest HPI_JSON_MAX_DEPTH deep).
 */
#include "config.h"

#include <locale.h>
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "json.h"

/* The comma before a value, unless it follows its key or opens its
 * container. */
static void jw_sep(hpi_jw *w)
{
	if (!w->keyed && !w->first)
		hpi_buf_putc(w->out, ',');
	w->keyed = false;
	w->first = false;
}

void hpi_jw_open(hpi_jw *w, char c)
{
	jw_sep(w);
	hpi_buf_putc(w->out, c);
	w->first = true;
}

void hpi_jw_close(hpi_jw *w, char c)
{
	hpi_buf_putc(w->out, c);
	w->first = false;
	w->keyed = false;
}

void hpi_jw_key(hpi_jw *w, const char *key)
{
	jw_sep(w);
	hpi_buf_json_str(w->out, key);
	hpi_buf_putc(w->out, ':');
	w->keyed = true;
}

void hpi_jw_str(hpi_jw *w, const char *s)
{
	jw_sep(w);
	hpi_buf_json_str(w->out, s);
}

void hpi_jw_int(hpi_jw *w, int64_t i)
{
	jw_sep(w);
	hpi_buf_i64(w->out, i);
}

static pthread_once_t jw_c_once = PTHREAD_ONCE_INIT;
static locale_t jw_c_locale;

/* The "C" locale for %g: the console runs in the user's, which may write
 * a decimal comma. */
static void jw_c_init(void)
{
	jw_c_locale = newlocale(LC_ALL_MASK, "C", (locale_t)0);
}

void hpi_jw_real(hpi_jw *w, double d)
{
	char tmp[64], *e, *p;
	locale_t old = (locale_t)0;
	size_t n;

	jw_sep(w);
	if (!isfinite(d)) {
		hpi_buf_puts(w->out, "null");
		return;
	}
	pthread_once(&jw_c_once, jw_c_init);
	if (jw_c_locale != (locale_t)0)
		old = uselocale(jw_c_locale);
	snprintf(tmp, sizeof(tmp) - 2, "%.*g", w->prec > 0 ? w->prec : 17, d);
	if (old != (locale_t)0)
		uselocale(old);
	/* jansson's form: a real reads back as a real */
	if (strchr(tmp, '.') == NULL && strchr(tmp, 'e') == NULL)
		strcat(tmp, ".0");
	if ((e = strchr(tmp, 'e')) != NULL) {
		p = ++e;
		if (*p == '-')
			e = ++p;
		else if (*p == '+')
			p++;
		while (*p == '0' && p[1] != '\0')
			p++;
		n = strlen(p);
		memmove(e, p, n + 1);
	}
	hpi_buf_puts(w->out, tmp);
}

void hpi_jw_bool(hpi_jw *w, bool b)
{
	jw_sep(w);
	hpi_buf_puts(w->out, b ? "true" : "false");
}

void hpi_jw_null(hpi_jw *w)
{
	jw_sep(w);
	hpi_buf_puts(w->out, "null");
}

void hpi_jw_raw(hpi_jw *w, const char *json, size_t n)
{
	jw_sep(w);
	hpi_buf_putn(w->out, json, n);
}

/* Whether key is one of omit's. */
static bool jw_omitted(const char *key, const char *const *omit)
{
	for (; omit != NULL && *omit != NULL; omit++)
		if (strcmp(key, *omit) == 0)
			return true;
	return false;
}

/* One scalar, or a container's opening. */
static void jw_one(hpi_jw *w, const hpi_jv *v)
{
	switch (v->type) {
	case HPI_JSON_NULL:
		hpi_jw_null(w);
		break;
	case HPI_JSON_FALSE:
	case HPI_JSON_TRUE:
		hpi_jw_bool(w, v->type == HPI_JSON_TRUE);
		break;
	case HPI_JSON_INT:
		hpi_jw_int(w, v->v.i);
		break;
	case HPI_JSON_REAL:
		hpi_jw_real(w, v->v.d);
		break;
	case HPI_JSON_STRING:
		hpi_jw_str(w, v->v.s);
		break;
	default:
		hpi_jw_open(w, v->type == HPI_JSON_ARRAY ? '[' : '{');
	}
}

void hpi_jw_value(hpi_jw *w, const hpi_jv *v, const char *const *omit)
{
	const hpi_jv **open = NULL, *p, *end;
	size_t depth = 0, cap = 0;

	if (v == NULL) {
		hpi_jw_null(w);
		return;
	}
	end = v + v->skip;
	for (p = v; p < end;) {
		/* close what ends before p */
		while (depth > 0 && p >= open[depth - 1] + open[depth - 1]->skip)
			hpi_jw_close(w, open[--depth]->type == HPI_JSON_ARRAY ? ']' : '}');
		if (depth == 1 && open[0] == v && p->key != NULL && jw_omitted(p->key, omit)) {
			p += p->skip;
			continue;
		}
		if (p->key != NULL && depth > 0)
			hpi_jw_key(w, p->key);
		jw_one(w, p);
		if (p->type == HPI_JSON_ARRAY || p->type == HPI_JSON_OBJECT) {
			if (depth == cap) {
				const hpi_jv **grown;

				cap = cap ? cap * 2 : 16;
				if ((grown = realloc(open, cap * sizeof(*open))) == NULL) {
					w->out->failed = true; /* the text is cut: say so */
					free(open);
					return;
				}
				open = grown;
			}
			open[depth++] = p;
		}
		p++;
	}
	while (depth > 0)
		hpi_jw_close(w, open[--depth]->type == HPI_JSON_ARRAY ? ']' : '}');
	free(open);
}
