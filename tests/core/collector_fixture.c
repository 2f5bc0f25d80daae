/* SPDX-License-Identifier: MIT */
/*
 * collector_fixture.c - the sites, labels, setup, registries and section
 * checks of the collector's tests (collector_fixture.h).
 */
#include "config.h"

#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "hpi.h"
#include "../testlib.h"
#include "collector_fixture.h"

#define SLOWEST_SO HP_BUILDDIR "/examples/plugin/.libs/slowest.so"

/* Two sites share label a; "old" only ever starts before t0; "chan" only
 * writes records of other kinds. */
hp_site sites[] = {
	{"coll::a", "src/coll.c", 10, HP_SITE_FUNCTION, 0},
	{"coll::b", "src/coll.c", 20, HP_SITE_FUNCTION, 0},
	{"coll::c", "src/coll.c", 30, HP_SITE_FUNCTION, 0},
	{"coll::d", "src/coll.c", 40, HP_SITE_BLOCK, 0},
	{"coll::a", "src/coll2.c", 50, HP_SITE_BLOCK, 0},
	{"coll::excluded", "src/coll.c", 60, HP_SITE_FUNCTION, 0},
	{"coll::old", "src/coll.c", 70, HP_SITE_FUNCTION, 0},
	{"coll::chan", "src/coll.c", 80, HP_SITE_CHANNEL, 0},
};
const int site_label[NSITES] = {0, 1, 2, 3, 0, 4, 5, -1};
const char *const labels[NLABELS] = {
	"coll::a", "coll::b", "coll::c", "coll::d", "coll::excluded", "coll::old",
};

/* every whole percentile and p99.9: a bucket counted wrong on one path
 * moves one of them (set up by setup()) */
static double pcts[102];
int nwarn;

/* Warning sink: counts the lines. */
static void sink(const char *line, void *data)
{
	(void)line;
	(void)data;
	nwarn++;
}

/* Per test: every site registered, percentiles set, a guard of 1000 s. */
void setup(void)
{
	nwarn = 0;
	hpi_warn_set_sink(sink, NULL);
	for (int i = 0; i <= 100; i++)
		pcts[i] = i;
	pcts[101] = 99.9;
	hpi_host_set_report(pcts, sizeof(pcts) / sizeof(pcts[0]), hpi_mono_ns());
	hpi_host_freeze(UINT64_C(1000000000000));
	for (size_t i = 0; i < NSITES; i++)
		if (sites[i].id == 0)
			ck_assert_uint_ne(hp__site_register(&sites[i], "coll_fn"), 0);
}

void teardown(void)
{
	hpi_warn_set_sink(NULL, NULL);
}

/* ---- registries and snapshots -------------------------------------------- */

/* Appends a copy of s to v, as hotpath.yaml would. */
static void strv_push(hpi_strv *v, const char *s)
{
	char **nv = realloc(v->v, (v->n + 1) * sizeof(*nv));
	hpi_origin *no;

	ck_assert_ptr_nonnull(nv);
	v->v = nv;
	ck_assert_ptr_nonnull(no = realloc(v->origin, (v->n + 1) * sizeof(*no)));
	v->origin = no;
	ck_assert_ptr_nonnull(v->v[v->n] = strdup(s));
	ck_assert_ptr_nonnull(no[v->n].file = strdup("hotpath.yaml"));
	no[v->n].line = 3;
	no[v->n].col = 9;
	no[v->n].env = NULL;
	v->n++;
}

/* Timing as the only built-in, slowest.so next to it if asked. */
hpi_registry *reg_new(hpi_config *c, bool slowest, int logs, const char *exclude)
{
	hpi_registry *r;
	int fails = -1;

	hp_test_timing_only(c);
	HP_TEST_OPT(c, "timing", "recent_logs")->i = logs;
	if (exclude != NULL)
		strv_push(&HP_TEST_OPT(c, "timing", "exclude")->v, exclude);
	if (slowest)
		strv_push(&c->plugin_load, SLOWEST_SO);
	ck_assert_ptr_nonnull(r = hpi_registry_new(c, &fails));
	ck_assert_int_eq(fails, 0);
	return r;
}

/* Two sections alike: columns, rows, every cell, and the rows' logs. */
void section_eq(const hp_section *a, const hp_section *b)
{
	ck_assert_str_eq(hp_section_id(a), hp_section_id(b));
	ck_assert_uint_eq(hp_section_ncolumns(a), hp_section_ncolumns(b));
	ck_assert_uint_eq(hp_section_nrows(a), hp_section_nrows(b));
	for (size_t c = 0; c < hp_section_ncolumns(a); c++) {
		ck_assert_str_eq(hp_section_column_key(a, c), hp_section_column_key(b, c));
		ck_assert_int_eq(hp_section_column_unit(a, c), hp_section_column_unit(b, c));
	}
	for (size_t r = 0; r < hp_section_nrows(a); r++) {
		const hp_section *la = hpi_section_log(a, r), *lb = hpi_section_log(b, r);

		for (size_t c = 0; c < hp_section_ncolumns(a); c++) {
			hp_unit u = hp_section_column_unit(a, c);

			ck_assert_msg(hp_section_has(a, r, c) == hp_section_has(b, r, c),
				      "%s row %zu column %s: set on one path only",
				      hp_section_id(a), r, hp_section_column_key(a, c));
			if (!hp_section_has(a, r, c))
				continue;
			if (u == HP_UNIT_TEXT)
				ck_assert_str_eq(hp_section_text(a, r, c), hp_section_text(b, r, c));
			else if (hpi_unit_is_int(u))
				ck_assert_msg(hp_section_int(a, r, c) == hp_section_int(b, r, c),
					      "%s row %zu %s: direct %lld, events %lld",
					      hp_section_id(a), r, hp_section_column_key(a, c),
					      (long long)hp_section_int(a, r, c),
					      (long long)hp_section_int(b, r, c));
			else
				ck_assert(hp_section_real(a, r, c) == hp_section_real(b, r, c));
		}
		ck_assert_msg((la == NULL) == (lb == NULL), "row %zu: a log on one path only", r);
		if (la != NULL)
			section_eq(la, lb);
	}
}

/* The cell of row r under column key. */
int64_t cell(const hp_section *sec, size_t r, const char *key)
{
	int c = hpi_section_col(sec, key);

	ck_assert_msg(c >= 0, "no column %s", key);
	ck_assert(hp_section_has(sec, (size_t)r, (size_t)c));
	return hp_section_int(sec, r, (size_t)c);
}

/* Row of label, or -1. */
int row_of(const hp_section *sec, const char *label)
{
	for (size_t r = 0; r < hp_section_nrows(sec); r++)
		if (strcmp(hp_section_text(sec, r, 0), label) == 0)
			return (int)r;
	return -1;
}

/* Label l's recent log: its last calls, newest first, on this thread. */
