/* SPDX-License-Identifier: MIT */
/*
 * test_ipc.c - the channel adapters of hotpath/ipc.h: length-prefixed
 * messages over a socketpair and a POSIX message queue, counted exactly,
 * matched in FIFO order for the delay, closed at end of file.
 */
#include "config.h"

#include <check.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "hpi.h"
#include <hotpath/ipc.h>
#include "../testlib.h"

#define MSGS 1000

typedef struct ipcrow {
	const char *label;
	int found;
	int64_t sent, received, sent_bytes, queued;
	int delay_set;
	char state[16];
} ipcrow;

static int64_t cell(const hp_section *s, size_t r, const char *key)
{
	int c = hpi_section_col(s, key);

	return c < 0 ? -1 : hp_section_int(s, r, (size_t)c);
}

static int capture(const hp_snapshot *snap, void *data, char **cause)
{
	ipcrow *w = data;
	const hp_section *s = hp_snapshot_find(snap, "channels");

	(void)cause;
	for (size_t r = 0; s && r < hp_section_nrows(s); r++) {
		if (strcmp(hp_section_text(s, r, 0), w->label) != 0)
			continue;
		w->found = 1;
		w->sent = cell(s, r, "sent");
		w->received = cell(s, r, "received");
		w->sent_bytes = cell(s, r, "sent_bytes");
		w->queued = cell(s, r, "queued");
		w->delay_set = hp_section_has(s, r, (size_t)hpi_section_col(s, "delay_avg"));
		snprintf(w->state, sizeof(w->state), "%s",
			 hp_section_text(s, r, (size_t)hpi_section_col(s, "state")));
	}
	return 0;
}

static const hp_reporter capture_reporter = {"capture", capture};

static hp_guard *start(ipcrow *w)
{
	hp_guard_builder *b = hp_guard_builder_new("test_ipc");

	setenv("HOTPATH_CONFIG", "/dev/null", 1);
	setenv("HOTPATH_PUB", "off", 1); /* tests run side by side: no ports */
	setenv("HOTPATH_QUERY", "off", 1);
	hp_guard_builder_format(b, HP_FORMAT_NONE);
	hp_guard_builder_reporter(b, &capture_reporter, w);
	return hp_guard_builder_build(b);
}

static hp_channel_probe pipe_probe =
	HP_CHANNEL_PROBE_INITIALIZER("t::pipe", HP_CHAN_UNBOUNDED, 0, NULL);
static int fds[2];

static void *writer(void *arg)
{
	char msg[100];

	(void)arg;
	memset(msg, 'x', sizeof(msg));
	for (int i = 0; i < MSGS; i++)
		ck_assert_int_eq(hp_msg_write(&pipe_probe, fds[0], msg, (size_t)(i % 100)), 0);
	close(fds[0]);
	return NULL;
}

START_TEST(length_prefixed_over_a_socketpair)
{
	ipcrow w = {.label = "t::pipe"};
	hp_guard *g = start(&w);
	pthread_t t;
	char buf[64];
	size_t len;
	int n = 0, rv, toolong = 0;
	int64_t bytes = 0;

	ck_assert_int_eq(socketpair(AF_UNIX, SOCK_STREAM, 0, fds), 0);
	pthread_create(&t, NULL, writer, NULL);
	while ((rv = hp_msg_read(&pipe_probe, fds[1], buf, sizeof(buf), &len)) != 1) {
		if (rv < 0) {
			ck_assert_int_eq(errno, EMSGSIZE); /* longer than buf: skipped */
			toolong++;
		} else {
			ck_assert_uint_eq(len, (size_t)(n % 100));
		}
		n++;
	}
	pthread_join(t, NULL);
	close(fds[1]);
	hp_guard_end(g);
	for (int i = 0; i < MSGS; i++)
		bytes += i % 100;
	ck_assert_int_eq(n, MSGS);
	ck_assert_int_eq(toolong, MSGS / 100 * 35); /* lengths 65..99 */
	ck_assert_int_eq(w.sent, MSGS);
	ck_assert_int_eq(w.received, MSGS);
	ck_assert_int_eq(w.sent_bytes, bytes);
	ck_assert_int_eq(w.queued, 0);
	ck_assert_int_eq(w.delay_set, 1);
	ck_assert_str_eq(w.state, "closed");
}
END_TEST

START_TEST(posix_message_queue)
{
	static hp_channel_probe mq_probe =
		HP_CHANNEL_PROBE_INITIALIZER("t::mq", HP_CHAN_BOUNDED, 10, NULL);
	struct mq_attr attr = {.mq_maxmsg = 10, .mq_msgsize = 32};
	ipcrow w = {.label = "t::mq"};
	char name[64], buf[32];
	hp_guard *g;
	mqd_t q;

	snprintf(name, sizeof(name), "/hp_test_ipc_%d", (int)getpid());
	q = mq_open(name, O_CREAT | O_EXCL | O_RDWR, 0600, &attr);
	if (q == (mqd_t)-1) {
		printf("test_ipc: no POSIX message queues here (%s): skipped\n", strerror(errno));
		return;
	}
	mq_unlink(name);
	g = start(&w);
	for (int round = 0; round < 30; round++) {
		for (int i = 0; i < 10; i++)
			ck_assert_int_eq(hp_mq_send(&mq_probe, q, "0123456789", 10, 0), 0);
		for (int i = 0; i < 7; i++)
			ck_assert_int_eq(hp_mq_receive(&mq_probe, q, buf, sizeof(buf), NULL), 10);
		for (int i = 0; i < 3; i++) {
			struct timespec ts = {0, 0};
			ck_assert_int_eq(hp_mq_timedreceive(&mq_probe, q, buf, sizeof(buf), NULL, &ts),
					 10);
		}
	}
	ck_assert_int_eq(hp_mq_send(&mq_probe, q, "tail", 4, 0), 0);
	hp_guard_end(g);
	mq_close(q);
	ck_assert_int_eq(w.sent, 301);
	ck_assert_int_eq(w.received, 300);
	ck_assert_int_eq(w.queued, 1);
	ck_assert_int_eq(w.sent_bytes, 3004);
	ck_assert_int_eq(w.delay_set, 1);
	ck_assert_str_eq(w.state, "active");
}
END_TEST

static Suite *ipc_suite(void)
{
	Suite *s = suite_create("ipc");
	TCase *tc = tcase_create("core");

	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, length_prefixed_over_a_socketpair);
	tcase_add_test(tc, posix_message_queue);
	suite_add_tcase(s, tc);
	return s;
}

HP_TEST_MAIN(ipc_suite)
