/* SPDX-License-Identifier: MIT */
/*
 * test_options.c - the built-in collectors' option rows are the one source
 * of their keys: their defaults load without a warning, and
 * docs/config.md's collectors.* table rows and config/hotpath.yaml's
 * collectors: blocks say what the rows say.  When a row changes, this test
 * fails and prints the line the documentation should have.
 */
#include "config.h"

#include <check.h>
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hpi.h"
#include "../testlib.h"

#ifndef HP_SRCDIR
#define HP_SRCDIR "."
#endif

static int nwarn;

static void sink(const char *line, void *data)
{
	(void)data;
	fprintf(stderr, "unexpected warning: %s\n", line);
	nwarn++;
}

/* The whole of a source file, NUL-terminated; caller frees. */
static char *slurp(const char *rel)
{
	char path[4096];
	FILE *f;
	char *buf;
	long n;

	snprintf(path, sizeof(path), "%s/%s", HP_SRCDIR, rel);
	ck_assert_ptr_nonnull(f = fopen(path, "rb"));
	ck_assert_int_eq(fseek(f, 0, SEEK_END), 0);
	ck_assert_int_ge(n = ftell(f), 0);
	rewind(f);
	ck_assert_ptr_nonnull(buf = malloc((size_t)n + 1));
	ck_assert_uint_eq(fread(buf, 1, (size_t)n, f), (size_t)n);
	buf[n] = '\0';
	fclose(f);
	return buf;
}

/* "HOTPATH_COLLECTORS_<P>_<K>" into buf. */
static void canonical(char *buf, size_t len, const char *plugin, const char *key)
{
	snprintf(buf, len, "HOTPATH_COLLECTORS_%s_%s", plugin, key);
	for (char *p = buf; *p; p++)
		*p = (char)toupper((unsigned char)*p);
}

/* A row's default as YAML ("50", "true", "[]", "[a, b]", "~"). */
static void yaml_default(const hp_option *r, char *buf, size_t len)
{
	const char *d = r->dflt;

	if (r->type == HP_OPT_LIST) {
		snprintf(buf, len, "[%s]", d ? d : "");
		for (char *p = buf; (p = strchr(p, ',')) != NULL; p++)
			if (p[1] != ' ') { /* "a,b" -> "a, b" */
				memmove(p + 2, p + 1, strlen(p + 1) + 1);
				p[1] = ' ';
			}
	} else if (d == NULL) {
		snprintf(buf, len, "%s", r->type == HP_OPT_BOOL ? "false"
					 : r->type == HP_OPT_INT ? "0" : "~");
	} else {
		snprintf(buf, len, "%s", d);
	}
}

/* docs/config.md's table row for a row of plugin's. */
static void docs_row(const char *plugin, const hp_option *r, char *buf, size_t len)
{
	char type[256], dflt[128], env[256], canon[128];

	switch (r->type) {
	case HP_OPT_INT:
		snprintf(type, sizeof(type), "int %lld..%lld", r->min, r->max);
		break;
	case HP_OPT_BOOL:
		snprintf(type, sizeof(type), "bool");
		break;
	case HP_OPT_LIST:
		snprintf(type, sizeof(type), "list");
		break;
	case HP_OPT_ENUM: {
		size_t o = 0;
		const char *p = r->values;
		int n = 1, i = 0;

		for (const char *q = p; *q; q++)
			n += *q == '|';
		for (; i < n; i++) {
			size_t w = strcspn(p, "|");
			o += (size_t)snprintf(type + o, sizeof(type) - o, "%s`%.*s`",
					      i == 0 ? "" : i == n - 1 ? " or " : ", ", (int)w, p);
			p += w + (p[w] == '|');
		}
		break;
	}
	default:
		snprintf(type, sizeof(type), "string");
		break;
	}
	yaml_default(r, dflt, sizeof(dflt));
	if (r->type == HP_OPT_TEXT && r->dflt == NULL)
		snprintf(dflt, sizeof(dflt), "unset");
	canonical(canon, sizeof(canon), plugin, r->key);
	snprintf(env, sizeof(env), "`%s`%s%s%s", canon, r->env ? ", `" : "", r->env ? r->env : "",
		 r->env ? "`" : "");
	snprintf(buf, len, "| `collectors.%s.%s` | %s | %s%s%s | %s | %s |", plugin, r->key, type,
		 strcmp(dflt, "unset") ? "`" : "", dflt, strcmp(dflt, "unset") ? "`" : "", env,
		 r->help ? r->help : "");
}

/* Every row is well formed and its default is a valid value. */
START_TEST(rows_and_defaults)
{
	hpi_config c;

	nwarn = 0;
	hpi_warn_set_sink(sink, NULL);
	hpi_config_defaults(&c);
	ck_assert_int_eq(nwarn, 0);
	for (int b = 0; b < HPI_NBUILTINS; b++) {
		const hp_plugin_ops *ops = hpi_builtins[b];
		size_t n = hpi_option_count(ops->options);

		ck_assert_int_eq(hpi_builtin_find(ops->name), b);
		ck_assert_uint_le(n, HPI_MAX_OPTIONS);
		for (size_t i = 0; i < n; i++) {
			const hp_option *r = &ops->options[i];

			ck_assert_msg(r->help != NULL && r->help[0] != '\0', "%s.%s has no help",
				      ops->name, r->key);
			ck_assert_ptr_eq(hpi_config_opt(&c, ops->name, r->key), &c.copts[b][i]);
			if (r->type == HP_OPT_INT && r->dflt != NULL)
				ck_assert_int_eq(c.copts[b][i].i, atoll(r->dflt));
		}
	}
	ck_assert_ptr_null(hpi_config_opt(&c, "timing", "nosuch"));
	ck_assert_ptr_null(hpi_config_opt(&c, "nosuch", "enabled"));
	hpi_config_fini(&c);
	hpi_warn_set_sink(NULL, NULL);
}
END_TEST

/* docs/config.md's collectors.* rows are the rows, in order, and only them. */
START_TEST(docs_config_md_matches_the_rows)
{
	char *doc = slurp("docs/config.md"), *line, *save = NULL, want[2048];
	const char *got[128];
	size_t ngot = 0, k = 0;

	for (line = strtok_r(doc, "\n", &save); line; line = strtok_r(NULL, "\n", &save))
		if (strncmp(line, "| `collectors.", 14) == 0 && ngot < 128)
			got[ngot++] = line;
	for (int b = 0; b < HPI_NBUILTINS; b++) {
		const hp_plugin_ops *ops = hpi_builtins[b];

		for (size_t i = 0; i < hpi_option_count(ops->options); i++, k++) {
			docs_row(ops->name, &ops->options[i], want, sizeof(want));
			ck_assert_msg(k < ngot, "docs/config.md lacks the row\n%s", want);
			ck_assert_msg(strcmp(got[k], want) == 0,
				      "docs/config.md row %zu is\n%s\nthe option rows say\n%s", k + 1,
				      got[k], want);
		}
	}
	ck_assert_msg(k == ngot, "docs/config.md has a collectors.* row no plugin declares:\n%s",
		      k < ngot ? got[k] : "");
	free(doc);
}
END_TEST

/* The block of config/hotpath.yaml for collector name: the comment lines
 * right above "  name:" and everything indented under it.  *end is set. */
static const char *yaml_block(const char *yaml, const char *name, const char **end)
{
	char head[128];
	const char *p, *start, *q;

	snprintf(head, sizeof(head), "\n  %s:\n", name);
	p = strstr(strstr(yaml, "\ncollectors:\n"), head);
	ck_assert_msg(p != NULL, "config/hotpath.yaml has no collectors.%s block", name);
	for (start = p; start > yaml;) { /* back over "  # ..." lines */
		q = start - 1;
		while (q > yaml && q[-1] != '\n')
			q--;
		if (strncmp(q, "  #", 3) != 0)
			break;
		start = q - 1;
	}
	for (q = p + strlen(head); strncmp(q, "    ", 4) == 0;)
		q = strchr(q, '\n') ? strchr(q, '\n') + 1 : q + strlen(q);
	*end = q;
	return start;
}

/* config/hotpath.yaml shows every row at its default with its variables,
 * and no key that is not a row. */
START_TEST(hotpath_yaml_matches_the_rows)
{
	char *yaml = slurp("config/hotpath.yaml");

	for (int b = 0; b < HPI_NBUILTINS; b++) {
		const hp_plugin_ops *ops = hpi_builtins[b];
		const char *end, *start = yaml_block(yaml, ops->name, &end), *p;
		size_t len = (size_t)(end - start);
		char *blk = strndup(start, len), want[256], canon[128], dflt[128];
		size_t keys = 0;

		ck_assert_ptr_nonnull(blk);
		for (size_t i = 0; i < hpi_option_count(ops->options); i++) {
			const hp_option *r = &ops->options[i];

			yaml_default(r, dflt, sizeof(dflt));
			snprintf(want, sizeof(want), "\n    %s: %s\n", r->key, dflt);
			ck_assert_msg(strstr(blk, want) != NULL,
				      "config/hotpath.yaml: collectors.%s lacks the line\n%s", ops->name,
				      want + 1);
			canonical(canon, sizeof(canon), ops->name, r->key);
			if (strcmp(r->key, "enabled") != 0) /* the file names those once */
				ck_assert_msg(strstr(blk, canon) != NULL,
					      "config/hotpath.yaml: collectors.%s.%s: no %s", ops->name,
					      r->key, canon);
			if (r->env != NULL)
				ck_assert_msg(strstr(blk, r->env) != NULL,
					      "config/hotpath.yaml: collectors.%s.%s: no %s", ops->name,
					      r->key, r->env);
		}
		for (p = blk; (p = strstr(p, "\n    ")) != NULL; p++)
			if (islower((unsigned char)p[5]))
				keys++;
		ck_assert_msg(keys == hpi_option_count(ops->options),
			      "config/hotpath.yaml: collectors.%s has %zu keys, its rows %zu",
			      ops->name, keys, hpi_option_count(ops->options));
		free(blk);
	}
	free(yaml);
}
END_TEST

static Suite *options_suite(void)
{
	Suite *s = suite_create("options");
	TCase *t = tcase_create("rows");

	tcase_set_timeout(t, 10);
	tcase_add_test(t, rows_and_defaults);
	tcase_add_test(t, docs_config_md_matches_the_rows);
	tcase_add_test(t, hotpath_yaml_matches_the_rows);
	suite_add_tcase(s, t);
	return s;
}

HP_TEST_MAIN(options_suite)
