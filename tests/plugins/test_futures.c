/* SPDX-License-Identifier: MIT */
/*
 * test_futures.c - the futures and streams plugins through their probes:
 * exact counts when 4 threads create calls and 4 other threads poll and
 * finish them, time to ready, the log capped with result text, and a
 * stream yielded from 4 threads.
 */
#include "config.h"

#include <check.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "hpi.h"
#include "../testlib.h"

#define THREADS 4
#define CALLS 2500

typedef struct row {
	const char *section, *label;
	int found;
	int64_t v[8];
	const char *keys[8];
	char text[8][48];
	size_t log_rows;
	char log_text0[48];
	const char *log_key;
} row;

/* C reporter: the named cells of one label's row, and its log. */
static int capture(const hp_snapshot *snap, void *data, char **cause)
{
	row *w = data;
	const hp_section *s = hp_snapshot_find(snap, w->section), *log;

	(void)cause;
	for (size_t r = 0; s && r < hp_section_nrows(s); r++) {
		if (strcmp(hp_section_text(s, r, 0), w->label) != 0)
			continue;
		w->found = 1;
		for (int i = 0; i < 8 && w->keys[i]; i++) {
			int c = hpi_section_col(s, w->keys[i]);
			if (c < 0)
				continue;
			if (hp_section_column_unit(s, (size_t)c) == HP_UNIT_TEXT)
				snprintf(w->text[i], sizeof(w->text[i]), "%s",
					 hp_section_text(s, r, (size_t)c));
			else
				w->v[i] = hp_section_has(s, r, (size_t)c)
					      ? hp_section_int(s, r, (size_t)c) : -1;
		}
		if ((log = hpi_section_log(s, r)) != NULL) {
			int c = hpi_section_col(log, w->log_key);
			const char *t = c < 0 ? NULL : hp_section_text(log, 0, (size_t)c);
			w->log_rows = hp_section_nrows(log);
			snprintf(w->log_text0, sizeof(w->log_text0), "%s", t ? t : "");
		}
	}
	return 0;
}

static const hp_reporter capture_reporter = {"capture", capture};

static hp_guard *start(row *w)
{
	hp_guard_builder *b = hp_guard_builder_new("test_futures");

	setenv("HOTPATH_CONFIG", "/dev/null", 1);
	setenv("HOTPATH_PUB", "off", 1); /* tests run side by side: no ports */
	setenv("HOTPATH_QUERY", "off", 1);
	hp_guard_builder_format(b, HP_FORMAT_NONE);
	hp_guard_builder_reporter(b, &capture_reporter, w);
	return hp_guard_builder_build(b);
}

static int fmt_long(const void *v, char *buf, size_t len)
{
	return snprintf(buf, len, "result %ld", *(const long *)v);
}

static hp_future_probe fetch = HP_FUTURE_PROBE_INITIALIZER("t::fetch", fmt_long);
static hp_chan *handoff;

static void *creator(void *arg)
{
	(void)arg;
	for (int i = 0; i < CALLS; i++) {
		hp_future f = hp_future_begin(&fetch);
		ck_assert_int_eq(hp_chan_send(handoff, &f), 0);
	}
	return NULL;
}

/* Polls each call twice; every tenth is cancelled, the rest complete. */
static void *poller(void *arg)
{
	hp_future f;

	(void)arg;
	while (hp_chan_recv(handoff, &f) == 0) {
		for (int k = 0; k < 2; k++) {
			uint64_t t = hp_future_poll_begin(&f);
			hp_future_poll_end(&f, t);
		}
		if (f.call % 10 == 0) {
			hp_future_cancelled(&f);
		} else {
			long v = (long)f.call;
			hp_future_ready(&f, &v);
		}
	}
	return NULL;
}

START_TEST(futures_across_threads_exact)
{
	row w = {.section = "futures", .label = "t::fetch", .log_key = "result",
		 .keys = {"calls", "pending", "ready", "cancelled", "polls", "ready_avg",
			  "polls_per_call", NULL}};
	hp_guard *g = start(&w);
	pthread_t c[THREADS], p[THREADS];
	int total = THREADS * CALLS;

	handoff = hp_chan_new(HP_CHAN_BOUNDED, sizeof(hp_future), 32, "t::handoff");
	for (int i = 0; i < THREADS; i++) {
		pthread_create(&p[i], NULL, poller, NULL);
		pthread_create(&c[i], NULL, creator, NULL);
	}
	for (int i = 0; i < THREADS; i++)
		pthread_join(c[i], NULL);
	hp_chan_close(handoff);
	for (int i = 0; i < THREADS; i++)
		pthread_join(p[i], NULL);
	hp_guard_end(g);
	hp_chan_free(handoff);
	ck_assert_int_eq(w.found, 1);
	ck_assert_int_eq(w.v[0], total);
	ck_assert_int_eq(w.v[1], 0);
	ck_assert_int_eq(w.v[2], total - total / 10);
	ck_assert_int_eq(w.v[3], total / 10);
	ck_assert_int_eq(w.v[4], 2 * total);
	ck_assert_int_ge(w.v[5], 0);
	ck_assert_str_eq(w.text[6], "2.00");
	ck_assert_uint_eq(w.log_rows, 50);
}
END_TEST

START_TEST(future_pending_and_result_text)
{
	static hp_future_probe one = HP_FUTURE_PROBE_INITIALIZER(NULL, fmt_long);
	row w = {.section = "futures", .label = NULL, .log_key = "result",
		 .keys = {"calls", "pending", "ready", NULL}};
	char want[64];
	hp_guard *g;
	hp_future a, b;
	long v = 42;

	snprintf(want, sizeof(want), "test_futures.c:%d", __LINE__ - 8);
	w.label = want;
	g = start(&w);
	a = hp_future_begin(&one);
	b = hp_future_begin(&one);
	hp_future_ready(&a, &v);
	(void)b; /* still pending at report time */
	hp_guard_end(g);
	ck_assert_int_eq(w.found, 1);
	ck_assert_int_eq(w.v[0], 2);
	ck_assert_int_eq(w.v[1], 1);
	ck_assert_int_eq(w.v[2], 1);
	ck_assert_uint_eq(w.log_rows, 1);
	ck_assert_str_eq(w.log_text0, "result 42");
}
END_TEST

static int fmt_int(const void *v, char *buf, size_t len)
{
	return snprintf(buf, len, "item %d", *(const int *)v);
}

static hp_stream_probe ticks = HP_STREAM_PROBE_INITIALIZER("t::ticks", fmt_int);

static void *yielder(void *arg)
{
	(void)arg;
	for (int i = 0; i < 5000; i++)
		hp_stream_yield(&ticks, &i);
	return NULL;
}

START_TEST(stream_from_four_threads)
{
	row w = {.section = "streams", .label = "t::ticks", .log_key = "value",
		 .keys = {"items", "streams", "state", NULL}};
	hp_guard *g = start(&w);
	pthread_t t[THREADS];
	int last = 7;

	for (int i = 0; i < THREADS; i++)
		pthread_create(&t[i], NULL, yielder, NULL);
	for (int i = 0; i < THREADS; i++)
		pthread_join(t[i], NULL);
	/* drained (items are stamped when drained, so the next must come
	 * after: 50 ms was too short for 20,000 items under ASan at load 17) */
	nanosleep(&(struct timespec){0, 500000000L}, NULL);
	hp_stream_yield(&ticks, &last);
	hp_stream_closed(&ticks);
	hp_guard_end(g);
	ck_assert_int_eq(w.found, 1);
	ck_assert_int_eq(w.v[0], THREADS * 5000 + 1);
	ck_assert_int_eq(w.v[1], 1);
	ck_assert_str_eq(w.text[2], "closed");
	ck_assert_uint_eq(w.log_rows, 50);
	ck_assert_str_eq(w.log_text0, "item 7");
}
END_TEST

static hp_stream_probe plain = HP_STREAM_PROBE_INITIALIZER("t::plain", NULL);

static void *plain_yielder(void *arg)
{
	(void)arg;
	for (int i = 0; i < 5000; i++)
		hp_stream_yield(&plain, NULL);
	return NULL;
}

static int64_t ns_since(const struct timespec *a)
{
	struct timespec b;

	clock_gettime(CLOCK_MONOTONIC, &b);
	return (int64_t)(b.tv_sec - a->tv_sec) * 1000000000 + (b.tv_nsec - a->tv_nsec);
}

/* Items without a formatter read no clock: the collector stamps them with
 * the pass that drains them, so the count is exact and the time of the
 * last item lies between when it was yielded and the report. */
START_TEST(stream_untimed_items)
{
	row w = {.section = "streams", .label = "t::plain", .log_key = "value",
		 .keys = {"items", "last", NULL}};
	struct timespec t0;
	hp_guard *g;
	pthread_t t[THREADS];
	int64_t total;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	g = start(&w);
	for (int i = 0; i < THREADS; i++)
		pthread_create(&t[i], NULL, plain_yielder, NULL);
	for (int i = 0; i < THREADS; i++)
		pthread_join(t[i], NULL);
	nanosleep(&(struct timespec){0, 30000000L}, NULL);
	hp_stream_yield(&plain, NULL);
	hp_guard_end(g);
	total = ns_since(&t0);
	ck_assert_int_eq(w.found, 1);
	ck_assert_int_eq(w.v[0], THREADS * 5000 + 1);
	ck_assert_int_ge(w.v[1], 30000000 - 1000000); /* clocks differ by a little */
	ck_assert_int_le(w.v[1], total);
	ck_assert_uint_eq(w.log_rows, 50);
}
END_TEST

static Suite *futures_suite(void)
{
	Suite *s = suite_create("futures");
	TCase *tc = tcase_create("core");

	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, futures_across_threads_exact);
	tcase_add_test(tc, future_pending_and_result_text);
	tcase_add_test(tc, stream_from_four_threads);
	tcase_add_test(tc, stream_untimed_items);
	suite_add_tcase(s, tc);
	return s;
}

HP_TEST_MAIN(futures_suite)
