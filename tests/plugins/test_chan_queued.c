/* SPDX-License-Identifier: MIT */
/*
 * test_chan_queued.c - Queued never passes a bounded hp_chan's capacity
 * (issue 20: "Queued 9" on a channel of capacity 8).  hp_chan records a
 * receive under the channel's lock, as it records a send, so no drain can
 * see a send into a slot whose receive is not recorded yet.
 *
 * The moment that went wrong is made to happen every time: this program
 * puts its own pthread_mutex_unlock in front of libc's, which holds the
 * receiving thread right after hp_chan_recv unlocks the channel, before
 * it returns.  Meanwhile a sender fills the freed slot and the guard ends
 * (its final drain is the report).  With the receive recorded after the
 * unlock the report said 9 sent, 0 received, 9 queued.
 */
#define _GNU_SOURCE
#include "config.h"

#include <check.h>
#include <dlfcn.h>
#include <pthread.h>
#include <semaphore.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hpi.h"
#include "../testlib.h"

#define CAP 8

static int (*real_unlock)(pthread_mutex_t *);
static pthread_mutex_t *hold_mutex;  /* the channel's lock ... */
static pthread_t hold_thread;        /* ... unlocked by this thread */
static int hold_armed;
static sem_t held, go;

/* libc's unlock; once armed, the receiver then waits until main says go. */
int pthread_mutex_unlock(pthread_mutex_t *m)
{
	int rv;

	if (real_unlock == NULL)
		real_unlock = (int (*)(pthread_mutex_t *))dlsym(RTLD_NEXT, "pthread_mutex_unlock");
	rv = real_unlock(m);
	if (__atomic_load_n(&hold_armed, __ATOMIC_ACQUIRE) && m == hold_mutex &&
	    pthread_equal(pthread_self(), hold_thread) &&
	    __atomic_exchange_n(&hold_armed, 0, __ATOMIC_ACQ_REL)) {
		sem_post(&held);
		sem_wait(&go);
	}
	return rv;
}

typedef struct counts {
	int found;
	int64_t capacity, sent, received, queued, queued_bytes;
	char state[16];
} counts;

static int64_t cell(const hp_section *s, size_t r, const char *key)
{
	int c = hpi_section_col(s, key);

	return c < 0 ? -1 : hp_section_int(s, r, (size_t)c);
}

/* C reporter: the row of t::queued. */
static int capture(const hp_snapshot *snap, void *data, char **cause)
{
	const hp_section *s = hp_snapshot_find(snap, "channels");
	counts *w = data;

	(void)cause;
	for (size_t r = 0; s != NULL && r < hp_section_nrows(s); r++) {
		if (strcmp(hp_section_text(s, r, 0), "t::queued") != 0)
			continue;
		w->found = 1;
		w->capacity = cell(s, r, "capacity");
		w->sent = cell(s, r, "sent");
		w->received = cell(s, r, "received");
		w->queued = cell(s, r, "queued");
		w->queued_bytes = cell(s, r, "queued_bytes");
		snprintf(w->state, sizeof(w->state), "%s",
			 hp_section_text(s, r, (size_t)hpi_section_col(s, "state")));
	}
	return 0;
}

static const hp_reporter capture_reporter = {"capture", capture};
static hp_chan *chan;
static sem_t start_recv;

/* Receives one message (held after the unlock by the wrapper above). */
static void *receiver(void *arg)
{
	int v = -1;

	(void)arg;
	sem_wait(&start_recv);
	ck_assert_int_eq(hp_chan_recv(chan, &v), 0);
	ck_assert_int_eq(v, 0);
	return NULL;
}

/* Full channel, one receive held right after its unlock, one more send
 * into the freed slot: 9 sent, 1 received, 8 queued, full. */
START_TEST(queued_never_passes_capacity)
{
	hp_guard_builder *b;
	hp_guard *g;
	counts w = {0};
	pthread_t r;
	int v;

	setenv("HOTPATH_CONFIG", "/dev/null", 1);
	setenv("HOTPATH_PUB", "off", 1);
	setenv("HOTPATH_QUERY", "off", 1);
	b = hp_guard_builder_new("test_chan_queued");
	hp_guard_builder_format(b, HP_FORMAT_NONE);
	hp_guard_builder_reporter(b, &capture_reporter, &w);
	g = hp_guard_builder_build(b);
	ck_assert_ptr_nonnull(g);
	sem_init(&held, 0, 0);
	sem_init(&go, 0, 0);
	sem_init(&start_recv, 0, 0);
	chan = hp_chan_new(HP_CHAN_BOUNDED, sizeof(int), CAP, "t::queued");
	for (v = 0; v < CAP; v++)
		ck_assert_int_eq(hp_chan_try_send(chan, &v), 0);
	ck_assert_int_eq(hp_chan_try_send(chan, &v), HP_EFULL);
	ck_assert_int_eq(pthread_create(&r, NULL, receiver, NULL), 0);
	hold_mutex = &chan->mu;
	hold_thread = r;
	__atomic_store_n(&hold_armed, 1, __ATOMIC_RELEASE);
	sem_post(&start_recv);
	sem_wait(&held);            /* message 0 is out, hp_chan_recv not returned */
	v = CAP;
	ck_assert_int_eq(hp_chan_try_send(chan, &v), 0); /* into the freed slot */
	ck_assert_int_eq(hp_chan_try_send(chan, &v), HP_EFULL);
	hp_guard_end(g);            /* the final drain: the report */
	sem_post(&go);
	pthread_join(r, NULL);
	hp_chan_free(chan);
	ck_assert_int_eq(w.found, 1);
	ck_assert_int_eq(w.capacity, CAP);
	ck_assert_int_eq(w.sent, CAP + 1);
	ck_assert_int_eq(w.received, 1);
	ck_assert_int_eq(w.queued, CAP);
	ck_assert_int_eq(w.queued_bytes, CAP * (int64_t)sizeof(int));
	ck_assert_str_eq(w.state, "full");
}
END_TEST

static Suite *chan_queued_suite(void)
{
	Suite *s = suite_create("chan_queued");
	TCase *tc = tcase_create("queued");

	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, queued_never_passes_capacity);
	suite_add_tcase(s, tc);
	return s;
}

HP_TEST_MAIN(chan_queued_suite)
