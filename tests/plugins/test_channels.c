/* SPDX-License-Identifier: MIT */
/*
 * test_channels.c - the channels plugin through hp_chan and the probe:
 * exact counts under 4 producers and 4 consumers, every message's delay
 * matched, full and closed transitions, the log capped at logs_limit with
 * the formatter's text, and hp_chan's semantics with profiling on and off.
 */
#include "config.h"

#include <check.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hpi.h"
#include "../testlib.h"

#define PRODUCERS 4
#define CONSUMERS 4
#define PER_PRODUCER 25000

typedef struct chanrow {
	const char *label;
	int found;
	const char *type, *state;
	int64_t capacity, channels, sent, received, queued, queued_bytes, sent_bytes;
	int capacity_set, delay_set;
	int64_t delay_avg, delay_max;
	size_t log_rows;
	int64_t log_seq0;          /* newest logged message */
	char log_text0[64];
	char type_buf[16], state_buf[16];
} chanrow;

static int64_t cell(const hp_section *s, size_t r, const char *key)
{
	int c = hpi_section_col(s, key);

	return c < 0 ? -1 : hp_section_int(s, r, (size_t)c);
}

static int has(const hp_section *s, size_t r, const char *key)
{
	int c = hpi_section_col(s, key);

	return c >= 0 && hp_section_has(s, r, (size_t)c);
}

/* C reporter: one label's row of the channels section and its log. */
static int capture(const hp_snapshot *snap, void *data, char **cause)
{
	chanrow *w = data;
	const hp_section *s = hp_snapshot_find(snap, "channels"), *log;

	(void)cause;
	for (size_t r = 0; s && r < hp_section_nrows(s); r++) {
		if (strcmp(hp_section_text(s, r, 0), w->label) != 0)
			continue;
		w->found = 1;
		snprintf(w->type_buf, sizeof(w->type_buf), "%s",
			 hp_section_text(s, r, (size_t)hpi_section_col(s, "type")));
		snprintf(w->state_buf, sizeof(w->state_buf), "%s",
			 hp_section_text(s, r, (size_t)hpi_section_col(s, "state")));
		w->type = w->type_buf;
		w->state = w->state_buf;
		w->capacity_set = has(s, r, "capacity");
		w->capacity = cell(s, r, "capacity");
		w->channels = cell(s, r, "channels");
		w->sent = cell(s, r, "sent");
		w->received = cell(s, r, "received");
		w->queued = cell(s, r, "queued");
		w->queued_bytes = cell(s, r, "queued_bytes");
		w->sent_bytes = cell(s, r, "sent_bytes");
		w->delay_set = has(s, r, "delay_avg");
		w->delay_avg = cell(s, r, "delay_avg");
		w->delay_max = cell(s, r, "delay_max");
		if ((log = hpi_section_log(s, r)) != NULL) {
			const char *t;
			w->log_rows = hp_section_nrows(log);
			w->log_seq0 = cell(log, 0, "seq");
			t = hp_section_text(log, 0, (size_t)hpi_section_col(log, "message"));
			snprintf(w->log_text0, sizeof(w->log_text0), "%s", t ? t : "");
		}
	}
	return 0;
}

static const hp_reporter capture_reporter = {"capture", capture};

static hp_guard *start(chanrow *w)
{
	hp_guard_builder *b = hp_guard_builder_new("test_channels");

	setenv("HOTPATH_CONFIG", "/dev/null", 1);
	setenv("HOTPATH_PUB", "off", 1); /* tests run side by side: no ports */
	setenv("HOTPATH_QUERY", "off", 1);
	hp_guard_builder_format(b, HP_FORMAT_NONE);
	hp_guard_builder_reporter(b, &capture_reporter, w);
	return hp_guard_builder_build(b);
}

static hp_chan *shared;
static long long consumed_sum[CONSUMERS];
static long consumed_n[CONSUMERS];

static void *producer(void *arg)
{
	long base = (long)(intptr_t)arg * PER_PRODUCER;

	for (long i = 0; i < PER_PRODUCER; i++) {
		long v = base + i;
		ck_assert_int_eq(hp_chan_send(shared, &v), 0);
	}
	return NULL;
}

static void *consumer(void *arg)
{
	int k = (int)(intptr_t)arg;
	long v;

	while (hp_chan_recv(shared, &v) == 0) {
		consumed_sum[k] += v;
		consumed_n[k]++;
	}
	return NULL;
}

/* Every message sent is received once, and every delay is matched. */
START_TEST(four_producers_four_consumers_exact)
{
	chanrow w = {.label = "t::mpmc"};
	hp_guard *g = start(&w);
	pthread_t p[PRODUCERS], c[CONSUMERS];
	long long sum = 0, n = 0, total = (long long)PRODUCERS * PER_PRODUCER;

	shared = hp_chan_new(HP_CHAN_BOUNDED, sizeof(long), 64, "t::mpmc");
	for (int i = 0; i < CONSUMERS; i++)
		pthread_create(&c[i], NULL, consumer, (void *)(intptr_t)i);
	for (int i = 0; i < PRODUCERS; i++)
		pthread_create(&p[i], NULL, producer, (void *)(intptr_t)i);
	for (int i = 0; i < PRODUCERS; i++)
		pthread_join(p[i], NULL);
	ck_assert_int_eq(hp_chan_close(shared), 0);
	ck_assert_int_eq(hp_chan_close(shared), HP_ECLOSED);
	for (int i = 0; i < CONSUMERS; i++)
		pthread_join(c[i], NULL);
	hp_guard_end(g);
	hp_chan_free(shared);
	for (int i = 0; i < CONSUMERS; i++) {
		sum += consumed_sum[i];
		n += consumed_n[i];
	}
	ck_assert_int_eq(n, total);
	ck_assert_int_eq(sum, total * (total - 1) / 2);
	ck_assert_int_eq(w.found, 1);
	ck_assert_str_eq(w.type, "bounded");
	ck_assert_int_eq(w.capacity, 64);
	ck_assert_int_eq(w.channels, 1);
	ck_assert_int_eq(w.sent, total);
	ck_assert_int_eq(w.received, total);
	ck_assert_int_eq(w.queued, 0);
	ck_assert_int_eq(w.queued_bytes, 0);
	ck_assert_int_eq(w.sent_bytes, total * (int64_t)sizeof(long));
	ck_assert_str_eq(w.state, "closed");
	ck_assert_int_eq(w.delay_set, 1);
	ck_assert_int_le(w.delay_avg, w.delay_max);
	ck_assert_uint_eq(w.log_rows, 50);
	/* the last drained sends: threads are drained one by one */
	ck_assert_int_gt(w.log_seq0, total - PER_PRODUCER);
	ck_assert_int_le(w.log_seq0, total);
}
END_TEST

/* The probe on a queue of one's own: active, full, closed; bytes. */
START_TEST(probe_full_then_closed)
{
	static hp_channel_probe pr = HP_CHANNEL_PROBE_INITIALIZER("t::probe", HP_CHAN_BOUNDED, 3, NULL);
	chanrow w = {.label = "t::probe"};
	hp_guard *g = start(&w);
	uint32_t seq[3];

	for (int i = 0; i < 3; i++)
		seq[i] = hp_channel_sent(&pr, NULL, 100);
	ck_assert_uint_eq(seq[0], 1);
	ck_assert_uint_eq(seq[2], 3);
	hp_guard_end(g);
	ck_assert_str_eq(w.state, "full");
	ck_assert_int_eq(w.queued, 3);
	ck_assert_int_eq(w.queued_bytes, 300);
	ck_assert_int_eq(w.delay_set, 0);

	memset(&w, 0, sizeof(w));
	w.label = "t::probe";
	g = start(&w);
	hp_channel_sent(&pr, NULL, 100);
	hp_channel_received(&pr, 100, 4);
	hp_channel_received(&pr, 100, 0); /* unknown message: counted, no delay */
	hp_guard_end(g);
	ck_assert_str_eq(w.state, "active");
	ck_assert_int_eq(w.sent, 1);
	ck_assert_int_eq(w.received, 2);
	ck_assert_int_eq(w.delay_set, 1);

	memset(&w, 0, sizeof(w));
	w.label = "t::probe";
	g = start(&w);
	hp_channel_sent(&pr, NULL, 7);
	hp_channel_closed(&pr);
	hp_guard_end(g);
	ck_assert_str_eq(w.state, "closed");
	ck_assert_int_eq(w.queued_bytes, 7);
}
END_TEST

static int fmt_int(const void *msg, char *buf, size_t len)
{
	return snprintf(buf, len, "msg %d", *(const int *)msg);
}

/* 120 messages: the log keeps the last 50, newest first, with text. */
START_TEST(log_is_capped_and_formatted)
{
	chanrow w = {.label = "t::log"};
	hp_guard *g = start(&w);
	hp_chan *c = hp_chan_new(HP_CHAN_UNBOUNDED, sizeof(int), 0, "t::log");
	int v;

	hp_chan_set_formatter(c, fmt_int);
	for (int i = 0; i < 120; i++)
		ck_assert_int_eq(hp_chan_send(c, &i), 0);
	for (int i = 0; i < 100; i++) {
		ck_assert_int_eq(hp_chan_recv(c, &v), 0);
		ck_assert_int_eq(v, i);
	}
	hp_guard_end(g);
	hp_chan_free(c);
	ck_assert_str_eq(w.type, "unbounded");
	ck_assert_int_eq(w.capacity_set, 0);
	ck_assert_int_eq(w.sent, 120);
	ck_assert_int_eq(w.received, 100);
	ck_assert_int_eq(w.queued, 20);
	ck_assert_str_eq(w.state, "active");
	ck_assert_uint_eq(w.log_rows, 50);
	ck_assert_int_eq(w.log_seq0, 120);
	ck_assert_str_eq(w.log_text0, "msg 119");
}
END_TEST

/* HOTPATH_LOGS_LIMIT=7: seven messages kept, the newest first. */
START_TEST(logs_limit_from_the_environment)
{
	chanrow w = {.label = "t::log7"};
	hp_guard *g;
	hp_chan *c = hp_chan_new(HP_CHAN_BOUNDED, sizeof(int), 100, "t::log7");

	setenv("HOTPATH_LOGS_LIMIT", "7", 1);
	g = start(&w);
	unsetenv("HOTPATH_LOGS_LIMIT");
	for (int i = 0; i < 30; i++)
		ck_assert_int_eq(hp_chan_try_send(c, &i), 0);
	hp_guard_end(g);
	hp_chan_free(c);
	ck_assert_int_eq(w.sent, 30);
	ck_assert_uint_eq(w.log_rows, 7);
	ck_assert_int_eq(w.log_seq0, 30);
	ck_assert_str_eq(w.log_text0, ""); /* no formatter, no text */
}
END_TEST

/* try_send, recv and close behave the same with profiling on and off. */
static void chan_semantics(void)
{
	hp_chan *c = hp_chan_new(HP_CHAN_BOUNDED, sizeof(int), 4, NULL);
	hp_chan *o = hp_chan_new(HP_CHAN_ONESHOT, sizeof(int), 0, NULL);
	int v = 0;

	for (int i = 0; i < 4; i++)
		ck_assert_int_eq(hp_chan_try_send(c, &i), 0);
	ck_assert_int_eq(hp_chan_try_send(c, &v), HP_EFULL);
	ck_assert_uint_eq(hp_chan_len(c), 4);
	ck_assert_int_eq(hp_chan_try_recv(c, &v), 0);
	ck_assert_int_eq(v, 0);
	ck_assert_int_eq(hp_chan_try_send(c, &v), 0);
	ck_assert_int_eq(hp_chan_try_send(c, &v), HP_EFULL);
	ck_assert_int_eq(hp_chan_close(c), 0);
	ck_assert_int_eq(hp_chan_send(c, &v), HP_ECLOSED);
	ck_assert_int_eq(hp_chan_try_send(c, &v), HP_ECLOSED);
	for (int i = 1; i < 4; i++) {
		ck_assert_int_eq(hp_chan_recv(c, &v), 0);
		ck_assert_int_eq(v, i);
	}
	ck_assert_int_eq(hp_chan_recv_timeout(c, &v, 10), 0);
	ck_assert_int_eq(hp_chan_recv(c, &v), HP_ECLOSED);
	ck_assert_int_eq(hp_chan_try_recv(c, &v), HP_ECLOSED);
	hp_chan_free(c);

	ck_assert_int_eq(hp_chan_recv_timeout(o, &v, 5), HP_ETIMEDOUT);
	ck_assert_int_eq(hp_chan_try_recv(o, &v), HP_EEMPTY);
	v = 42;
	ck_assert_int_eq(hp_chan_send(o, &v), 0);
	ck_assert_int_eq(hp_chan_try_send(o, &v), HP_ECLOSED);
	v = 0;
	ck_assert_int_eq(hp_chan_recv(o, &v), 0);
	ck_assert_int_eq(v, 42);
	ck_assert_int_eq(hp_chan_recv(o, &v), HP_ECLOSED);
	hp_chan_free(o);
}

START_TEST(semantics_profiling_off)
{
	chan_semantics();
}
END_TEST

START_TEST(semantics_profiling_on)
{
	chanrow w = {.label = "?"};
	hp_guard *g = start(&w);

	chan_semantics();
	hp_guard_end(g);
}
END_TEST

START_TEST(default_label_is_file_and_line)
{
	chanrow w = {.label = NULL};
	char want[64];
	hp_guard *g;
	int line = __LINE__ + 3, v = 1;
	hp_chan *c;

	c = hp_chan_new(HP_CHAN_ONESHOT, sizeof(int), 0, NULL);
	snprintf(want, sizeof(want), "test_channels.c:%d", line);
	w.label = want;
	g = start(&w);
	hp_chan_send(c, &v);
	hp_guard_end(g);
	hp_chan_free(c);
	ck_assert_int_eq(w.found, 1);
	ck_assert_str_eq(w.type, "oneshot");
	ck_assert_int_eq(w.capacity, 1);
	ck_assert_str_eq(w.state, "closed");
}
END_TEST

static Suite *channels_suite(void)
{
	Suite *s = suite_create("channels");
	TCase *tc = tcase_create("core");

	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, four_producers_four_consumers_exact);
	tcase_add_test(tc, probe_full_then_closed);
	tcase_add_test(tc, log_is_capped_and_formatted);
	tcase_add_test(tc, logs_limit_from_the_environment);
	tcase_add_test(tc, semantics_profiling_off);
	tcase_add_test(tc, semantics_profiling_on);
	tcase_add_test(tc, default_label_is_file_and_line);
	suite_add_tcase(s, tc);
	return s;
}

HP_TEST_MAIN(channels_suite)
