/* SPDX-License-Identifier: MIT */
/*
 * test_values.c - HP_GAUGE, HP_GAUGE_ADD and HP_VAL through a real guard:
 * exact last, min, max, avg and updates, gauges added to from threads, and
 * the values' log (plugins/values/values.c, docs/values.md).
 */
#include "config.h"

#include <check.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "hpi.h"
#include "../testlib.h"

typedef struct vrow {
	int found;
	int64_t last, min, max, avg, updates, logs, first_logged, last_logged;
} vrow;

static vrow depth, conns, sizes;

static int64_t cell(const hp_section *s, size_t r, const char *key)
{
	int c = hpi_section_col(s, key);

	return c < 0 ? -1 : hp_section_int(s, r, (size_t)c);
}

/* The row of name in section id into w. */
static void grab(const hp_snapshot *snap, const char *id, const char *name, vrow *w)
{
	const hp_section *s = hp_snapshot_find(snap, id);

	memset(w, 0, sizeof(*w));
	for (size_t r = 0; s != NULL && r < hp_section_nrows(s); r++) {
		const hp_section *log = hpi_section_log(s, r);

		if (strcmp(hp_section_text(s, r, 0), name) != 0)
			continue;
		w->found = 1;
		w->last = cell(s, r, "last");
		w->min = cell(s, r, "min");
		w->max = cell(s, r, "max");
		w->avg = cell(s, r, "avg");
		w->updates = cell(s, r, "updates");
		if (log != NULL && hp_section_nrows(log) > 0) {
			w->logs = (int64_t)hp_section_nrows(log);
			w->first_logged = hp_section_int(log, 0, 0);
			w->last_logged = hp_section_int(log, hp_section_nrows(log) - 1, 0);
		}
	}
}

static int capture(const hp_snapshot *snap, void *data, char **cause)
{
	(void)data;
	(void)cause;
	grab(snap, "gauges", "depth", &depth);
	grab(snap, "gauges", "conns", &conns);
	grab(snap, "values", "size", &sizes);
	return 0;
}

static const hp_reporter reporter = {"capture", capture};

/* 1000 connections open, 500 close, on each thread. */
static void *churn(void *arg)
{
	(void)arg;
	for (int i = 0; i < 1000; i++)
		HP_GAUGE_ADD("conns", 1);
	for (int i = 0; i < 500; i++)
		HP_GAUGE_ADD("conns", -1);
	return NULL;
}

START_TEST(gauges_and_values_are_exact)
{
	hp_guard_builder *b;
	hp_guard *g;
	pthread_t th[4];

	setenv("HOTPATH_CONFIG", "/dev/null", 1);
	setenv("HOTPATH_PUBLISH_ENDPOINT", "off", 1);
	HP_GAUGE("depth", 12345); /* no guard yet: nothing */
	b = hp_guard_builder_new("test_values");
	hp_guard_builder_format(b, HP_FORMAT_NONE);
	hp_guard_builder_reporter(b, &reporter, NULL);
	ck_assert_ptr_nonnull(g = hp_guard_builder_build(b));
	for (int i = 0; i < 4; i++)
		ck_assert_int_eq(pthread_create(&th[i], NULL, churn, NULL), 0);
	for (int i = 0; i < 100; i++)
		HP_GAUGE("depth", i);
	for (int i = 0; i < 60; i++)
		HP_VAL("size", 3 * i);
	for (int i = 0; i < 4; i++)
		pthread_join(th[i], NULL);
	hp_guard_end(g);

	ck_assert(depth.found);
	ck_assert_int_eq(depth.last, 99);
	ck_assert_int_eq(depth.min, 0);
	ck_assert_int_eq(depth.max, 99);
	ck_assert_int_eq(depth.avg, 49); /* 4950 / 100 */
	ck_assert_int_eq(depth.updates, 100);
	ck_assert_int_eq(depth.logs, 100); /* the series: every point, oldest first */
	ck_assert_int_eq(depth.first_logged, 0);
	ck_assert_int_eq(depth.last_logged, 99);
	/* adds from 4 threads: the sum is exact whatever the order */
	ck_assert_int_eq(conns.last, 4 * 500);
	ck_assert_int_eq(conns.updates, 4 * 1500);
	ck_assert_int_ge(conns.max, 1000);
	ck_assert_int_le(conns.max, 4000);
	/* values: the last 50 of 60 kept */
	ck_assert_int_eq(sizes.updates, 60);
	ck_assert_int_eq(sizes.last, 177);
	ck_assert_int_eq(sizes.min, 0);
	ck_assert_int_eq(sizes.max, 177);
	ck_assert_int_eq(sizes.logs, 50);
	ck_assert_int_eq(sizes.first_logged, 30);
	ck_assert_int_eq(sizes.last_logged, 177);
}
END_TEST

static Suite *values_suite(void)
{
	Suite *s = suite_create("values");
	TCase *t = tcase_create("guard");

	tcase_set_timeout(t, 30);
	tcase_add_test(t, gauges_and_values_are_exact);
	suite_add_tcase(s, t);
	return s;
}

HP_TEST_MAIN(values_suite)
