/* SPDX-License-Identifier: MIT */
/*
 * test_sample.c - sampled timing (core/sample.c, docs/sampling.md): which
 * calls are timed, exact counts over threads, the rates that configuration
 * gives, and the row a report shows.
 */
#include "config.h"

#include <check.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "hpi.h"
#include "tbuf.h"
#include "../testlib.h"

/* The n-th, 2n-th, ... call of a site on a thread is timed; 0 times none,
 * 1 every call; every call is counted. */
START_TEST(the_nth_calls_are_timed)
{
	static hp_site s4 = {"four", "t.c", 1, HP_SITE_FUNCTION, 0};
	static hp_site s0 = {"none", "t.c", 2, HP_SITE_FUNCTION, 0};
	static hp_site s1 = {"all", "t.c", 3, HP_SITE_FUNCTION, 0};
	uint32_t a = hp__site_register(&s4, NULL), b = hp__site_register(&s0, NULL);
	uint32_t c = hp__site_register(&s1, NULL);
	char got[32] = "", none[32] = "", all[32] = "";

	for (int i = 0; i < 12; i++) {
		got[i] = hp__sample(a, 4) ? 'T' : '.';
		none[i] = hp__sample(b, 0) ? 'T' : '.';
		all[i] = hp__sample(c, 1) ? 'T' : '.';
	}
	ck_assert_str_eq(got, "...T...T...T");
	ck_assert_str_eq(none, "............");
	ck_assert_str_eq(all, "TTTTTTTTTTTT");
	ck_assert_uint_eq(hpi_tbuf_samp_calls(a), 12);
	ck_assert_uint_eq(hpi_tbuf_samp_calls(b), 12);
	ck_assert_uint_eq(hpi_tbuf_samp_calls(c), 0); /* its records count it */
	ck_assert_uint_eq(hpi_sample_rate(a), 5);
	ck_assert_uint_eq(hpi_sample_rate(b), 1);
	ck_assert_uint_eq(hpi_sample_rate(c), 2);
}
END_TEST

/* What one report row of a label holds. */
typedef struct row {
	int64_t calls, sampled, timed, min, logs;
	bool has_sampled, has_avg, has_total;
} row;

static row rows[4];
static const char *const names[4] = {"slow_tenth", "counted", "exact", "plain"};

static int capture(const hp_snapshot *snap, void *data, char **cause)
{
	const hp_section *sec = hp_snapshot_find(snap, "functions");

	(void)data;
	(void)cause;
	memset(rows, 0, sizeof(rows));
	for (size_t r = 0; sec != NULL && r < hp_section_nrows(sec); r++) {
		for (int k = 0; k < 4; k++) {
			row *w = &rows[k];
			const hp_section *log = hpi_section_log(sec, r);

			if (strcmp(hp_section_text(sec, r, 0), names[k]) != 0)
				continue;
			w->calls = hp_section_int(sec, r, 1);
			w->has_avg = hp_section_has(sec, r, 2);
			w->min = hp_section_int(sec, r, 3);
			w->has_total = hp_section_has(sec, r, (size_t)hpi_section_col(sec, "total"));
			w->has_sampled = hp_section_has(sec, r,
							(size_t)hpi_section_col(sec, "sampled"));
			w->sampled = hp_section_int(sec, r, (size_t)hpi_section_col(sec, "sampled"));
			w->timed = hp_section_int(sec, r, (size_t)hpi_section_col(sec, "timed"));
			w->logs = log != NULL ? (int64_t)hp_section_nrows(log) : 0;
		}
	}
	return 0;
}

static const hp_reporter reporter = {"capture", capture};

/* Each tenth call sleeps 50 µs: if only those are timed, none is shorter. */
static void slow_tenth(int i)
{
	HP_MEASURE_NAMED_SAMPLED("slow_tenth", 10);
	if (i % 10 == 9) {
		struct timespec ts = {0, 50000};
		nanosleep(&ts, NULL);
	}
}

static void counted(void)
{
	HP_MEASURE_NAMED_SAMPLED("counted", 0);
}

static void exact(void)
{
	HP_MEASURE_NAMED_SAMPLED("exact", 7);
}

static void plain(void)
{
	HP_MEASURE_NAMED("plain");
}

static void *worker(void *arg)
{
	(void)arg;
	for (int i = 0; i < 1003; i++) {
		slow_tenth(i);
		counted();
		exact();
		plain();
	}
	return NULL;
}

/* Three threads, one guard: counts are exact, the timed calls the tenth
 * ones of each thread. */
static void run_threads(void)
{
	hp_guard_builder *b = hp_guard_builder_new("test_sample");
	pthread_t th[3];
	hp_guard *g;

	hp_guard_builder_format(b, HP_FORMAT_NONE);
	hp_guard_builder_reporter(b, &reporter, NULL);
	ck_assert_ptr_nonnull(g = hp_guard_builder_build(b));
	for (int i = 0; i < 3; i++)
		ck_assert_int_eq(pthread_create(&th[i], NULL, worker, NULL), 0);
	for (int i = 0; i < 3; i++)
		pthread_join(th[i], NULL);
	hp_guard_end(g);
}

START_TEST(threads_count_exactly_and_time_the_nth)
{
	setenv("HOTPATH_CONFIG", "/dev/null", 1);
	setenv("HOTPATH_PUBLISH_ENDPOINT", "off", 1);
	setenv("HOTPATH_TIMING_SAMPLE_SITES", "exa*=1", 1);
	run_threads();
	/* 1003 calls a thread: the 10th, ..., 1000th are timed */
	ck_assert_int_eq(rows[0].calls, 3009);
	ck_assert(rows[0].has_sampled);
	ck_assert_int_eq(rows[0].sampled, 10);
	ck_assert_int_eq(rows[0].timed, 300);
	ck_assert_int_ge(rows[0].min, 50000);
	ck_assert_int_eq(rows[0].logs, 50); /* timed calls only */
	ck_assert(rows[0].has_avg && rows[0].has_total);
	/* counted, never timed: no time figures, no log */
	ck_assert_int_eq(rows[1].calls, 3009);
	ck_assert_int_eq(rows[1].sampled, 0);
	ck_assert_int_eq(rows[1].timed, 0);
	ck_assert(!rows[1].has_avg && !rows[1].has_total);
	ck_assert_int_eq(rows[1].logs, 0);
	/* sample_sites beats HP_MEASURE_SAMPLED(7): every call timed */
	ck_assert_int_eq(rows[2].calls, 3009);
	ck_assert(!rows[2].has_sampled);
	ck_assert(rows[3].has_avg && !rows[3].has_sampled);
	ck_assert_int_eq(rows[3].calls, 3009);

	/* HOTPATH_TIME_SAMPLING_RATE samples plain HP_MEASURE too; a second
	 * guard starts every countdown over */
	setenv("HOTPATH_TIME_SAMPLING_RATE", "100", 1);
	unsetenv("HOTPATH_TIMING_SAMPLE_SITES");
	run_threads();
	ck_assert_int_eq(rows[3].calls, 3009);
	ck_assert_int_eq(rows[3].sampled, 100);
	ck_assert_int_eq(rows[3].timed, 30);
	ck_assert_int_eq(rows[0].timed, 300); /* its own n wins over the rate */
	ck_assert_int_eq(rows[2].sampled, 7);
	ck_assert_int_eq(rows[2].timed, 3 * 143);
	unsetenv("HOTPATH_TIME_SAMPLING_RATE");
}
END_TEST

/* Self time of a sampled leaf among calls the call tree replays (a
 * repeated pattern, docs/calls.md): the leaf's self time is its total, as
 * any leaf's, both estimated from the same timed calls. */
static int64_t tree_rows[4][3]; /* calls, total, self_total */
static const char *const tree_names[4] = {"s_top", "s_mid", "s_leaf", "p_leaf"};

static int tree_capture(const hp_snapshot *snap, void *data, char **cause)
{
	const hp_section *sec = hp_snapshot_find(snap, "functions");

	(void)data;
	(void)cause;
	memset(tree_rows, 0, sizeof(tree_rows));
	for (size_t r = 0; sec != NULL && r < hp_section_nrows(sec); r++)
		for (int k = 0; k < 4; k++)
			if (strcmp(hp_section_text(sec, r, 0), tree_names[k]) == 0) {
				tree_rows[k][0] = hp_section_int(sec, r, 1);
				tree_rows[k][1] = hp_section_int(sec, r,
					(size_t)hpi_section_col(sec, "total"));
				tree_rows[k][2] = hp_section_int(sec, r,
					(size_t)hpi_section_col(sec, "self_total"));
			}
	return 0;
}

static const hp_reporter tree_reporter = {"tree_capture", tree_capture};
static volatile uint64_t tree_sink;

static __attribute__((noinline)) void s_leaf(int i)
{
	HP_MEASURE_NAMED_SAMPLED("s_leaf", 4);
	for (int k = 0; k < 20; k++)
		tree_sink += (uint64_t)i;
}

static __attribute__((noinline)) void p_leaf(int i)
{
	HP_MEASURE_NAMED("p_leaf");
	tree_sink = (uint64_t)i;
}

static __attribute__((noinline)) void s_mid(int i)
{
	HP_MEASURE_NAMED("s_mid");
	s_leaf(i);
	p_leaf(i);
}

START_TEST(sampled_leaf_in_a_replayed_pattern)
{
	hp_guard_builder *b;
	hp_guard *g;

	setenv("HOTPATH_CONFIG", "/dev/null", 1);
	setenv("HOTPATH_PUBLISH_ENDPOINT", "off", 1);
	b = hp_guard_builder_new("test_sample_tree");
	hp_guard_builder_format(b, HP_FORMAT_NONE);
	hp_guard_builder_reporter(b, &tree_reporter, NULL);
	ck_assert_ptr_nonnull(g = hp_guard_builder_build(b));
	for (int i = 0; i < 20000; i++) {
		HP_MEASURE_NAMED("s_top");
		s_mid(i);
		p_leaf(i);
	}
	hp_guard_end(g);
	ck_assert_int_eq(tree_rows[0][0], 20000);
	ck_assert_int_eq(tree_rows[1][0], 20000);
	ck_assert_int_eq(tree_rows[2][0], 20000);
	ck_assert_int_eq(tree_rows[3][0], 40000);
	/* leaves: self time is the whole time, the sampled one too */
	ck_assert_int_gt(tree_rows[2][1], 0);
	ck_assert_int_eq(tree_rows[2][2], tree_rows[2][1]);
	ck_assert_int_eq(tree_rows[3][2], tree_rows[3][1]);
	/* callers: less than their total, never below zero */
	ck_assert_int_lt(tree_rows[1][2], tree_rows[1][1]);
	ck_assert_int_ge(tree_rows[1][2], 0);
	ck_assert_int_lt(tree_rows[0][2], tree_rows[0][1]);
}
END_TEST

/* A bad sample_sites item is one warning, and left out. */
static char warned[1024];

static void sink(const char *line, void *data)
{
	(void)data;
	strncat(warned, line, sizeof(warned) - strlen(warned) - 2);
	strcat(warned, "\n");
}

START_TEST(bad_rule_warns)
{
	setenv("HOTPATH_CONFIG", "/dev/null", 1);
	setenv("HOTPATH_PUBLISH_ENDPOINT", "off", 1);
	setenv("HOTPATH_TIMING_SAMPLE_SITES", "plain=x,exact=3", 1);
	hpi_warn_set_sink(sink, NULL);
	run_threads();
	hpi_warn_set_sink(NULL, NULL);
	ck_assert_str_eq(warned, "HOTPATH_TIMING_SAMPLE_SITES: collectors.timing.sample_sites: "
			 "\"plain=x\" is not PATTERN=N (N a rate from 0); ignored\n");
	ck_assert(!rows[3].has_sampled);
	ck_assert_int_eq(rows[2].sampled, 3);
	ck_assert_int_eq(rows[2].timed, 3 * 334);
	unsetenv("HOTPATH_TIMING_SAMPLE_SITES");
}
END_TEST

static Suite *sample_suite(void)
{
	Suite *s = suite_create("sample");
	TCase *t = tcase_create("core");

	tcase_set_timeout(t, 30);
	tcase_add_test(t, the_nth_calls_are_timed);
	tcase_add_test(t, threads_count_exactly_and_time_the_nth);
	tcase_add_test(t, bad_rule_warns);
	tcase_add_test(t, sampled_leaf_in_a_replayed_pattern);
	suite_add_tcase(s, t);
	return s;
}

HP_TEST_MAIN(sample_suite)
