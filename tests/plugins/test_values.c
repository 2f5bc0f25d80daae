/* SPDX-License-Identifier: MIT */
/*
 * test_values.c - HP_GAUGE, HP_GAUGE_ADD and HP_VAL through a real guard:
 * exact last, min, max, avg and updates, gauges added to from threads, and
 * the values' log (plugins/values/values.c, docs/values.md).
 */
#include "config.h"

#include <check.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hpi.h"
#include "../testlib.h"

typedef struct vrow {
	int found;
	int64_t last, min, max, avg, updates, logs, first_logged, last_logged;
} vrow;

static vrow depth, conns, sizes, wide;

/* The debug section's messages, one string per row: "location|count|last"
 * and the log's first and last message. */
#define DBG_ROWS 16
static char dbg_rows[DBG_ROWS][300];
static char dbg_first[DBG_ROWS][160], dbg_lastlog[DBG_ROWS][160];
static int64_t dbg_logs[DBG_ROWS], dbg_tid[DBG_ROWS];
static size_t dbg_n;

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
	grab(snap, "gauges", "wide", &wide);
	const hp_section *s = hp_snapshot_find(snap, "debug");
	dbg_n = 0;
	for (size_t r = 0; s != NULL && r < hp_section_nrows(s) && r < DBG_ROWS; r++) {
		const hp_section *log = hpi_section_log(s, r);
		size_t n = log != NULL ? hp_section_nrows(log) : 0;

		snprintf(dbg_rows[r], sizeof(dbg_rows[r]), "%s|%lld|%s", hp_section_text(s, r, 0),
			 (long long)hp_section_int(s, r, 1), hp_section_text(s, r, 2));
		dbg_logs[r] = (int64_t)n;
		dbg_first[r][0] = dbg_lastlog[r][0] = '\0';
		if (n > 0) {
			snprintf(dbg_first[r], sizeof(dbg_first[r]), "%s", hp_section_text(log, 0, 0));
			snprintf(dbg_lastlog[r], sizeof(dbg_lastlog[r]), "%s",
				 hp_section_text(log, n - 1, 0));
			dbg_tid[r] = hp_section_int(log, n - 1, 1);
		}
		dbg_n++;
	}
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

/* Records the calling thread wrote for one statement (the chunk has room
 * for all of them, so none is padding). */
#define RECORDS(stmt, out)                                                  \
	do {                                                                \
		if (hp__tls.end - hp__tls.pos < 128)                        \
			for (int k_ = 0; k_ < 128; k_++)                    \
				HP_GAUGE("filler", k_);                     \
		struct hp__rec *p0_ = hp__tls.pos;                          \
		stmt;                                                       \
		(out) = hp__tls.pos - p0_;                                  \
	} while (0)

START_TEST(values_take_one_record_up_to_32_bits)
{
	hp_guard_builder *b;
	hp_guard *g;
	long n1, n2, n3, n4, n5;
	static const int64_t seq[] = {7, -1, INT32_MAX, INT32_MIN, (int64_t)INT32_MAX + 1,
				      INT64_MIN, INT64_MAX, -2};

	setenv("HOTPATH_CONFIG", "/dev/null", 1);
	setenv("HOTPATH_PUBLISH_ENDPOINT", "off", 1);
	b = hp_guard_builder_new("test_values");
	hp_guard_builder_format(b, HP_FORMAT_NONE);
	hp_guard_builder_reporter(b, &reporter, NULL);
	ck_assert_ptr_nonnull(g = hp_guard_builder_build(b));
	HP_GAUGE("filler", 0); /* the thread's buffer exists */
	RECORDS(HP_GAUGE("one", 5), n1);
	RECORDS(HP_VAL("one_val", -70000), n2);
	RECORDS(HP_GAUGE_ADD("one", (int64_t)1 << 40), n3);
	RECORDS(HP_DBG("plain"), n4);
	RECORDS(HP_DBG("two %d %s", 1, "abcdefghi"), n5);
	for (size_t i = 0; i < sizeof(seq) / sizeof(seq[0]); i++)
		HP_GAUGE("wide", seq[i]);
	hp_guard_end(g);

	ck_assert_int_eq(n1, 1);
	ck_assert_int_eq(n2, 1);
	ck_assert_int_eq(n3, 2); /* past 32 bits: a payload pair */
	ck_assert_int_eq(n4, 1);
	ck_assert_int_eq(n5, 5); /* head, 1, the string's length and 2 x 8 bytes */
	/* every value read back exactly, on both forms */
	ck_assert(wide.found);
	ck_assert_int_eq(wide.updates, 8);
	ck_assert_int_eq(wide.last, -2);
	ck_assert_int_eq(wide.min, INT64_MIN);
	ck_assert_int_eq(wide.max, INT64_MAX);
	ck_assert_int_eq(wide.first_logged, 7);
}
END_TEST

static void *dbg_thread(void *arg)
{
	(void)arg;
	HP_DBG("from a thread: %s", "hi");
	return NULL;
}

START_TEST(debug_messages_are_formatted_on_the_collector)
{
	hp_guard_builder *b;
	hp_guard *g;
	pthread_t th;
	char buf[16] = "before";
	int line0;

	setenv("HOTPATH_CONFIG", "/dev/null", 1);
	setenv("HOTPATH_PUBLISH_ENDPOINT", "off", 1);
	HP_DBG("no guard: %d", 1); /* nothing */
	b = hp_guard_builder_new("test_values");
	hp_guard_builder_format(b, HP_FORMAT_NONE);
	hp_guard_builder_reporter(b, &reporter, NULL);
	ck_assert_ptr_nonnull(g = hp_guard_builder_build(b));
	line0 = __LINE__ + 1;
	HP_DBG("ints %d %u %x %ld %hhd %c %05i", -1, -1, 255u, 1L << 40, 300, 'A', 42);
	HP_DBG("|%5.2f|%-6s|%%|%.*s|%e", 3.14159, buf, 2, "hello", 0.5);
	strcpy(buf, "after"); /* the message keeps what the call saw */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat"
	HP_DBG("mismatch %d %s; missing %d", 2.5, 7); /* what -Wformat warns of */
#pragma GCC diagnostic pop
	HP_DBG("null %s, cut %s", (char *)NULL,
	       "0123456789012345678901234567890123456789012345678901234567890123456789");
	for (int i = 0; i < 60; i++)
		HP_DBG("i=%d", i);
	ck_assert_int_eq(pthread_create(&th, NULL, dbg_thread, NULL), 0);
	pthread_join(th, NULL);
	hp_guard_end(g);

	ck_assert_uint_ge(dbg_n, 6);
	/* rows by file and line: the thread's first */
	ck_assert_str_eq(strchr(dbg_rows[0], '|'), "|1|from a thread: hi");
	char want[300];
	snprintf(want, sizeof(want), "%s:%d|1|ints -1 4294967295 ff 1099511627776 44 A 00042",
		 __FILE__, line0);
	ck_assert_str_eq(dbg_rows[1], want);
	ck_assert_str_eq(strchr(dbg_rows[2], '|'), "|1|| 3.14|before|%|he|5.000000e-01");
	ck_assert_str_eq(strchr(dbg_rows[3], '|'), "|1|mismatch (?) (?); missing (missing)");
	ck_assert_str_eq(strchr(dbg_rows[4], '|'),
			 "|1|null (null), cut 0123456789012345678901234567890123456789012345678901234567890123");
	/* 60 calls of one site: counted, the last 50 kept, oldest first */
	ck_assert_str_eq(strchr(dbg_rows[5], '|'), "|60|i=59");
	ck_assert_int_eq(dbg_logs[5], 50);
	ck_assert_str_eq(dbg_first[5], "i=10");
	ck_assert_str_eq(dbg_lastlog[5], "i=59");
	ck_assert_int_ne(dbg_tid[0], dbg_tid[5]);
	ck_assert_uint_eq(dbg_n, 6);
}
END_TEST

static Suite *values_suite(void)
{
	Suite *s = suite_create("values");
	TCase *t = tcase_create("guard");

	tcase_set_timeout(t, 30);
	tcase_add_test(t, gauges_and_values_are_exact);
	tcase_add_test(t, values_take_one_record_up_to_32_bits);
	tcase_add_test(t, debug_messages_are_formatted_on_the_collector);
	suite_add_tcase(s, t);
	return s;
}

HP_TEST_MAIN(values_suite)
