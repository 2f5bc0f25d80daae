/* SPDX-License-Identifier: MIT */
/*
 * test_timing.c - the timing plugin's section, fed events directly through
 * its ops table as the collector would.
 */
#include "config.h"

#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "hpi.h"
#include "../testlib.h"
#include "registry.h"

static hp_site site_a = {"alpha", "a.c", 1, HP_SITE_FUNCTION, 0};
static hp_site site_b = {NULL, "src/beta.c", 2, HP_SITE_FUNCTION, 0};
static hp_site site_a2 = {"alpha", "a.c", 9, HP_SITE_BLOCK, 0};

static const hp_plugin_ops *ops = &hpi_timing_plugin;

/* A timing plugin with its default 50 recent calls, percentiles 50 and
 * 99.9, and a guard that lasted 10 µs. */
static void *make(void)
{
	static const double pcts[] = {50, 99.9};
	void *st = NULL;
	char *cause = NULL;

	hpi_host_set_report(pcts, 2, hpi_mono_ns());
	hpi_host_freeze(10000);
	ck_assert_int_eq(ops->init(hpi_host(), NULL, &st, &cause), 0);
	return st;
}

static void feed(void *st, hp_site *s, uint64_t dur, uint64_t tid, uint64_t t)
{
	hp_event ev = {.kind = HP_EV_SCOPE, .tid = tid, .time_ns = t, .dur_ns = dur};

	if (s->id == 0)
		hp__site_register(s, "beta_fn");
	ev.site = s->id;
	ops->on_event(st, &ev);
}

START_TEST(rows_aggregate_by_label_sorted_by_total)
{
	void *st = make();
	hp_snapshot *snap = hpi_snapshot_new();
	const hp_section *sec;

	feed(st, &site_a, 100, 1, 10);
	feed(st, &site_a, 300, 1, 20);
	feed(st, &site_a2, 200, 2, 30); /* same label, other site */
	feed(st, &site_b, 5000, 3, 40);
	ck_assert_int_eq(ops->snapshot(st, snap), 0);
	sec = hp_snapshot_find(snap, "functions");
	ck_assert_ptr_nonnull(sec);
	ck_assert_uint_eq(hp_section_nrows(sec), 2);
	ck_assert_uint_eq(hp_section_ncolumns(sec), 15); /* ..., file, line, hist */
	ck_assert_str_eq(hp_section_column_key(sec, 5), "p50");
	ck_assert_str_eq(hp_section_column_key(sec, 6), "p99.9");
	ck_assert_str_eq(hp_section_column_title(sec, 6), "P99.9");
	ck_assert_str_eq(hp_section_meta(sec, "table.columns"),
			 "name,calls,avg,p50,p99.9,total,percent_total,self_total,percent_self");
	/* beta first: biggest total; its label is <file stem>::<function> */
	ck_assert_str_eq(hp_section_text(sec, 0, 0), "beta::beta_fn");
	ck_assert_int_eq(hp_section_int(sec, 0, 1), 1);
	ck_assert_int_eq(hp_section_int(sec, 0, 7), 5000);
	ck_assert(hp_section_real(sec, 0, 8) == 50.0); /* 5000 of 10000 ns */
	ck_assert_str_eq(hp_section_text(sec, 1, 0), "alpha");
	ck_assert_int_eq(hp_section_int(sec, 1, 1), 3);
	ck_assert_int_eq(hp_section_int(sec, 1, 2), 200); /* avg */
	ck_assert_int_eq(hp_section_int(sec, 1, 3), 100); /* min */
	ck_assert_int_eq(hp_section_int(sec, 1, 4), 300); /* max */
	ck_assert_int_eq(hp_section_int(sec, 1, 5), 200); /* p50 */
	ck_assert_int_eq(hp_section_int(sec, 1, 6), 300); /* p99.9 */
	ck_assert_int_eq(hp_section_int(sec, 1, 7), 600);
	/* no call inside another: self is all; of 10 µs on three threads */
	ck_assert_int_eq(hp_section_int(sec, 0, 9), 5000);
	ck_assert_int_eq(hp_section_int(sec, 1, 9), 600);
	ck_assert_int_eq(hp_section_int(sec, 1, 10), 200);
	ck_assert(hp_section_real(sec, 0, 11) == 100.0 * 5000 / 30000.0);
	ck_assert_str_eq(hp_section_column_key(sec, 9), "self_total");
	ck_assert_str_eq(hp_section_column_key(sec, 11), "percent_self");
	hpi_snapshot_free(snap);
	ops->fini(st);
}
END_TEST

START_TEST(recent_log_is_capped_newest_first)
{
	void *st = make();
	hp_snapshot *snap = hpi_snapshot_new();
	const hp_section *sec, *log;

	for (uint64_t i = 1; i <= 120; i++)
		feed(st, &site_a, i, 7, 1000 + i);
	ck_assert_int_eq(ops->snapshot(st, snap), 0);
	sec = hp_snapshot_find(snap, "functions");
	log = hpi_section_log(sec, 0);
	ck_assert_ptr_nonnull(log);
	ck_assert_uint_eq(hp_section_nrows(log), 50);
	ck_assert_str_eq(hp_section_column_key(log, 0), "duration");
	ck_assert_int_eq(hp_section_int(log, 0, 0), 120);
	ck_assert_int_eq(hp_section_int(log, 0, 1), 7);
	ck_assert_int_eq(hp_section_int(log, 0, 2), 1120);
	ck_assert_int_eq(hp_section_int(log, 49, 0), 71);
	hpi_snapshot_free(snap);
	ops->fini(st);
}
END_TEST

static Suite *timing_suite(void)
{
	Suite *s = suite_create("timing");
	TCase *tc = tcase_create("core");

	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, rows_aggregate_by_label_sorted_by_total);
	tcase_add_test(tc, recent_log_is_capped_newest_first);
	suite_add_tcase(s, tc);
	return s;
}

HP_TEST_MAIN(timing_suite)
