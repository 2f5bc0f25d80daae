/* SPDX-License-Identifier: MIT */
/*
 * test_tbuf.c - per-thread buffers and the collector, through the real
 * guard: every call counted exactly, or counted as dropped.
 */
#include "config.h"

#include <check.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "hpi.h"
#include "../testlib.h"
#include "tbuf.h"

typedef struct seen {
	const char *label;
	int64_t calls, max;
	long long dropped;
	int found;
} seen;

/* C reporter: reads one label's calls and the dropped count. */
static int capture(const hp_snapshot *s, void *data, char **cause)
{
	seen *w = data;
	const hp_section *f = hp_snapshot_find(s, "functions");
	const char *d = hp_snapshot_meta(s, "dropped");

	(void)cause;
	w->dropped = d ? atoll(d) : -1;
	for (size_t r = 0; f && r < hp_section_nrows(f); r++) {
		if (strcmp(hp_section_text(f, r, 0), w->label) == 0) {
			w->calls = hp_section_int(f, r, 1);
			w->max = hp_section_int(f, r, 4);
			w->found = 1;
		}
	}
	return 0;
}

static const hp_reporter capture_reporter = {"capture", capture};

static hp_guard *start(seen *w)
{
	hp_guard_builder *b = hp_guard_builder_new("test_tbuf");

	hp_guard_builder_format(b, HP_FORMAT_NONE);
	hp_guard_builder_reporter(b, &capture_reporter, w);
	return hp_guard_builder_build(b);
}

static void isolate(void)
{
	setenv("HOTPATH_CONFIG", "/dev/null", 1);
	unsetenv("HOTPATH_FORMAT");
}

static void __attribute__((noinline)) measured(void)
{
	HP_MEASURE_NAMED("tbuf::measured");
	__asm__ __volatile__("" ::: "memory");
}

static void *worker(void *arg)
{
	long n = (long)(size_t)arg;

	for (long i = 0; i < n; i++)
		measured();
	return NULL;
}

static void run_threads(int nt, long calls)
{
	pthread_t t[16];

	for (int i = 0; i < nt; i++)
		ck_assert_int_eq(pthread_create(&t[i], NULL, worker, (void *)(size_t)calls), 0);
	for (int i = 0; i < nt; i++)
		pthread_join(t[i], NULL);
}

START_TEST(eight_threads_a_million_calls_each)
{
	seen w = {.label = "tbuf::measured"};
	hp_guard *g;

	isolate();
	ck_assert_ptr_nonnull(g = start(&w));
	run_threads(8, 1000000);
	hp_guard_end(g);
	ck_assert_int_eq(w.found, 1);
	ck_assert_int_eq(w.calls + w.dropped, 8000000);
	ck_assert_int_eq(w.dropped, 0);
}
END_TEST

/* With 1 MiB per thread and no drain until the end, the overflow is counted:
 * 16 chunks of 4092 records per thread are kept, the rest is dropped. */
START_TEST(full_buffers_count_drops)
{
	seen w = {.label = "tbuf::measured"};
	hp_guard *g;

	isolate();
	setenv("HOTPATH_COLLECTOR_BUFFER_MAX_MB", "1", 1);
	setenv("HOTPATH_COLLECTOR_DRAIN_INTERVAL_MS", "10000", 1);
	ck_assert_ptr_nonnull(g = start(&w));
	/* few enough calls to end within the 10 s drain interval even under
	 * valgrind on a busy machine, enough to overflow 16 chunks */
	run_threads(4, 100000);
	hp_guard_end(g);
	ck_assert_int_eq(w.calls, 4 * 16 * (int64_t)HPI_CHUNK_RECS);
	ck_assert_int_eq(w.calls + w.dropped, 400000);
}
END_TEST

START_TEST(exited_thread_keeps_its_calls)
{
	seen w = {.label = "tbuf::measured"};
	hp_guard *g;
	struct timespec ts = {0, 50000000};

	isolate();
	ck_assert_ptr_nonnull(g = start(&w));
	run_threads(3, 1234);
	nanosleep(&ts, NULL); /* the collector drains and reaps them */
	run_threads(1, 1);
	hp_guard_end(g);
	ck_assert_int_eq(w.calls, 3 * 1234 + 1);
	ck_assert_int_eq(w.dropped, 0);
}
END_TEST

START_TEST(chunk_boundaries_lose_nothing)
{
	seen w = {.label = "tbuf::measured"};
	hp_guard *g;

	isolate();
	ck_assert_ptr_nonnull(g = start(&w));
	worker((void *)(size_t)(10 * HPI_CHUNK_RECS + 7));
	hp_guard_end(g);
	ck_assert_int_eq(w.calls, 10 * (int64_t)HPI_CHUNK_RECS + 7);
}
END_TEST

/* A duration past 2^32 ticks takes two records and comes out whole. */
START_TEST(long_durations_are_whole)
{
	static hp_site site = {"tbuf::long", __FILE__, __LINE__, HP_SITE_FUNCTION, 0};
	seen w = {.label = "tbuf::long"};
	uint32_t id;
	hp_guard *g;

	isolate();
	ck_assert_ptr_nonnull(g = start(&w));
	id = hp__site_register(&site, __func__);
	ck_assert_uint_ne(id, 0);
	/* fill to one slot short of a chunk end, so the pair must move */
	worker((void *)(size_t)(HPI_CHUNK_RECS - 1));
	uint64_t t0 = hp__now();
	hp__emit_slow(id, t0, t0 + (UINT64_C(1) << 33));
	hp__emit_slow(id, t0, t0 + 5);
	hp_guard_end(g);
	ck_assert_int_eq(w.calls, 2);
	ck_assert_int_eq(w.max, (int64_t)hpi_ticks_to_ns(UINT64_C(1) << 33));
}
END_TEST

/* 0xffffffff ticks is itself the two-record marker's value; a negative
 * span (two cores' clocks) counts as 0, not as 2^64 ticks. */
START_TEST(marker_and_negative_durations)
{
	static hp_site a = {"tbuf::marker", __FILE__, __LINE__, HP_SITE_FUNCTION, 0};
	static hp_site b = {"tbuf::negative", __FILE__, __LINE__, HP_SITE_FUNCTION, 0};
	seen wa = {.label = "tbuf::marker"}, wb = {.label = "tbuf::negative"};
	hp_guard *g;
	uint64_t t0;

	isolate();
	ck_assert_ptr_nonnull(g = start(&wa));
	t0 = hp__now();
	hp__emit_slow(hp__site_register(&a, __func__), t0, t0 + 0xffffffffu);
	hp__emit_slow(a.id, t0 + 5, t0 + 10);
	hp__emit_slow(hp__site_register(&b, __func__), t0 + 10, t0 + 9);
	hp_guard_end(g);
	ck_assert_int_eq(wa.calls, 2);
	ck_assert_int_eq(wa.max, (int64_t)hpi_ticks_to_ns(0xffffffffu));
	ck_assert_ptr_nonnull(g = start(&wb));
	t0 = hp__now();
	hp__emit_slow(b.id, t0 + 10, t0 + 9);
	hp_guard_end(g);
	ck_assert_int_eq(wb.calls, 1);
	ck_assert_int_eq(wb.max, 0);
}
END_TEST

/* A call that began under one guard and ended under the next belongs to
 * neither report. */
START_TEST(a_call_spanning_two_guards_is_not_counted)
{
	static hp_site s = {"tbuf::span", __FILE__, __LINE__, HP_SITE_FUNCTION, 0};
	seen w1 = {.label = "tbuf::span"}, w2 = {.label = "tbuf::span"};
	hp_guard *g;
	hp__scope sc;

	isolate();
	ck_assert_ptr_nonnull(g = start(&w1));
	sc = hp__scope_begin(&s, __func__);
	hp_guard_end(g);
	ck_assert_ptr_nonnull(g = start(&w2));
	hp__scope_end(&sc);
	hp_guard_end(g);
	ck_assert_int_eq(w1.found, 0);
	ck_assert_int_eq(w2.found, 0);
}
END_TEST

START_TEST(calls_outside_a_guard_are_not_counted)
{
	seen w = {.label = "tbuf::measured"};
	seen w2 = {.label = "tbuf::measured"};
	hp_guard *g;

	isolate();
	worker((void *)(size_t)100); /* no guard yet */
	ck_assert_ptr_nonnull(g = start(&w));
	worker((void *)(size_t)5);
	hp_guard_end(g);
	worker((void *)(size_t)100); /* between guards */
	ck_assert_ptr_nonnull(g = start(&w2));
	worker((void *)(size_t)7);
	hp_guard_end(g);
	ck_assert_int_eq(w.calls, 5);
	ck_assert_int_eq(w2.calls, 7);
}
END_TEST

static Suite *tbuf_suite(void)
{
	Suite *s = suite_create("tbuf");
	TCase *tc = tcase_create("core");

	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, eight_threads_a_million_calls_each);
	tcase_add_test(tc, full_buffers_count_drops);
	tcase_add_test(tc, exited_thread_keeps_its_calls);
	tcase_add_test(tc, chunk_boundaries_lose_nothing);
	tcase_add_test(tc, long_durations_are_whole);
	tcase_add_test(tc, calls_outside_a_guard_are_not_counted);
	tcase_add_test(tc, marker_and_negative_durations);
	tcase_add_test(tc, a_call_spanning_two_guards_is_not_counted);
	suite_add_tcase(s, tc);
	return s;
}

HP_TEST_MAIN(tbuf_suite)
