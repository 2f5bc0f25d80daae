/* SPDX-License-Identifier: MIT */
/*
 * filter.c - collectors.timing.include / exclude: which function labels
 * the timing plugin reports.  A pattern is a glob (fnmatch, no flags), or
 * a POSIX extended regular expression between slashes ("/^parse::/"),
 * which matches anywhere in the label unless anchored.  Each site is
 * checked once, when the timing plugin first sees it, never per call.
 */
#include "config.h"

#include <fnmatch.h>
#include <regex.h>
#include <stdlib.h>
#include <string.h>

#include "hpi.h"

typedef struct filter_pat {
	char *glob;   /* NULL for a regex */
	regex_t re;
} filter_pat;

typedef struct filter_list {
	filter_pat *v;
	size_t n;
} filter_list;

struct hpi_filter {
	filter_list include, exclude;
};

/* Compiles one pattern; false (after one warning) when it is unusable. */
static bool filter_pat_init(filter_pat *p, const char *s, const hpi_origin *o,
			    const char *prefix, const char *key, size_t i)
{
	size_t n = strlen(s);
	char where[256], why[256], *src;
	int rv;

	memset(p, 0, sizeof(*p));
	if (n < 2 || s[0] != '/' || s[n - 1] != '/')
		return (p->glob = strdup(s)) != NULL;
	if ((src = strndup(s + 1, n - 2)) == NULL)
		return false;
	rv = regcomp(&p->re, src, REG_EXTENDED | REG_NOSUB);
	free(src);
	if (rv != 0) {
		regerror(rv, &p->re, why, sizeof(why));
		hpi_warn("%s: %s.%s[%zu]: bad regular expression %s: %s; ignored",
			 hpi_origin_str(o, where, sizeof(where)), prefix, key, i, s, why);
		return false;
	}
	return true;
}

/* Compiles a list; bad patterns are left out. */
static bool filter_list_init(filter_list *l, const hpi_strv *v, const char *prefix,
			     const char *key)
{
	l->n = 0;
	if (v->n == 0)
		return true;
	if ((l->v = calloc(v->n, sizeof(*l->v))) == NULL)
		return false;
	for (size_t i = 0; i < v->n; i++)
		if (filter_pat_init(&l->v[l->n], v->v[i], &v->origin[i], prefix, key, i))
			l->n++;
	return true;
}

/* Frees a list's patterns. */
static void filter_list_fini(filter_list *l)
{
	for (size_t i = 0; i < l->n; i++) {
		if (l->v[i].glob != NULL)
			free(l->v[i].glob);
		else
			regfree(&l->v[i].re);
	}
	free(l->v);
}

/* Whether label matches any pattern of l. */
static bool filter_list_match(const filter_list *l, const char *label)
{
	for (size_t i = 0; i < l->n; i++) {
		const filter_pat *p = &l->v[i];
		if (p->glob != NULL ? fnmatch(p->glob, label, 0) == 0
				    : regexec(&p->re, label, 0, NULL, 0) == 0)
			return true;
	}
	return false;
}

hpi_filter *hpi_filter_new(const hpi_strv *include, const hpi_strv *exclude,
			   const char *prefix, const char *ikey, const char *ekey)
{
	hpi_filter *f;

	if (include->n == 0 && exclude->n == 0)
		return NULL;
	if ((f = calloc(1, sizeof(*f))) == NULL)
		return NULL;
	if (!filter_list_init(&f->include, include, prefix, ikey) ||
	    !filter_list_init(&f->exclude, exclude, prefix, ekey)) {
		hpi_filter_free(f);
		return NULL;
	}
	return f;
}

bool hpi_filter_pass(const hpi_filter *f, const char *label)
{
	if (f == NULL)
		return true;
	/* an include list whose every pattern was bad still includes nothing */
	if (f->include.v != NULL && !filter_list_match(&f->include, label))
		return false;
	return !filter_list_match(&f->exclude, label);
}

void hpi_filter_free(hpi_filter *f)
{
	if (f == NULL)
		return;
	filter_list_fini(&f->include);
	filter_list_fini(&f->exclude);
	free(f);
}
