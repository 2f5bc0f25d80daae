/* SPDX-License-Identifier: MIT */
/*
 * config_rows.c - plugins' option rows (hp_option) as schema keys: their
 * defaults, their values from plugins.options and HOTPATH_PLUGINS_OPTIONS_*,
 * and what the values own.
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <ctype.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "hpi.h"
#include "config_impl.h"

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
void hpi_config_rows_tab(const hp_option *rows, config_key *tab)
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

/* Sets every value of rows to its row's default (vals is zeroed first). */
void hpi_config_rows_defaults(config_ctx *x, const hp_option *rows, hpi_optval *vals)
{
	config_key tab[HPI_MAX_OPTIONS + 1];

	memset(vals, 0, config_nrows(rows) * sizeof *vals);
	hpi_config_rows_tab(rows, tab);
	x->base = vals;
	for (const config_key *k = tab; k->name != NULL; k++) {
		const char *d = rows[k - tab].dflt;

		if (d == NULL)
			continue;
		if (k->type == CT_STRV)
			hpi_config_env_list(x, k, NULL, d);
		else
			hpi_config_scalar(x, k, k->name, d);
	}
	x->base = NULL;
}

/* Frees what the values of rows own. */
void hpi_config_rows_fini(const hp_option *rows, hpi_optval *vals)
{
	for (size_t i = 0; i < config_nrows(rows); i++) {
		free(vals[i].s);
		hpi_config_strv_free(&vals[i].v);
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
	hpi_config_fmt(buf, len, "HOTPATH_%s_%s", a, b);
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

	hpi_config_rows_defaults(&x, rows, vals);
	hpi_config_rows_tab(rows, tab);
	x.base = vals;
	for (size_t i = 0; i < c->noptions; i++) {
		const hpi_optnode *n = &c->options[i];
		const config_key *k;

		if (strncmp(n->key, plugin, plen) != 0 || n->key[plen] != '.')
			continue;
		for (k = tab; k->name != NULL && strcmp(k->name, n->key + plen + 1) != 0; k++)
			;
		/* like the file's own keys: an unknown key's place, else the value's */
		hpi_config_fmt(path, sizeof path, "plugins.options.%s", n->key);
		if (n->line > 0)
			hpi_config_fmt(who, sizeof who, "%s:%d:%d: %s", c->path ? c->path : "?",
				       k->name ? n->line : n->kline, k->name ? n->col : n->kcol, path);
		else
			hpi_config_fmt(who, sizeof who, "%s", path);
		if (k->name == NULL)
			hpi_config_warn(&x, "%s: unknown key, ignored", who);
		else if (k->type == CT_STRV)
			hpi_config_text_list(&x, k,
					     &(hpi_origin){ .file = n->line > 0 ? c->path : NULL,
							.line = n->line, .col = n->col },
					 n->value);
		else
			hpi_config_scalar(&x, k, who, n->value);
	}
	config_env_name(var, sizeof var, "PLUGINS_OPTIONS", plugin);
	hpi_config_env_walk(&x, tab, var);
}

void hpi_optvals_fini(const hp_option *rows, hpi_optval *vals)
{
	hpi_config_rows_fini(rows, vals);
}
