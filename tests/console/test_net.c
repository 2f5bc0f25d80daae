/* SPDX-License-Identifier: MIT */
/*
 * test_net.c - the console's connections (console/net.c) against a real
 * nng PUB socket on ipc://: messages reach the loop decoded, and a
 * connection dropped (its program gone from the discovery folder while
 * its socket still closes) stops dialing and leaves nothing for nng's
 * threads to write into once it is freed; hellos that wait for the loop
 * are merged into the last.  Bounded polling loops only.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <nng/nng.h>
#include <nng/protocol/pubsub0/pub.h>

#include "console.h"
#include "model.h"
#include "net.h"
#include "../testlib.h"

static char dir[] = "/tmp/test_net.XXXXXX";
static char url[128];
static int up;   /* the PUB side's pipes up */
static int seen; /* pipes it ever had */

static void pub_event(nng_pipe p, nng_pipe_ev ev, void *arg)
{
	(void)p;
	(void)arg;
	if (ev == NNG_PIPE_EV_ADD_POST) {
		__atomic_add_fetch(&up, 1, __ATOMIC_RELAXED);
		__atomic_add_fetch(&seen, 1, __ATOMIC_RELAXED);
	} else {
		__atomic_sub_fetch(&up, 1, __ATOMIC_RELAXED);
	}
}

static nng_socket pub_open(void)
{
	nng_socket s;

	ck_assert_int_eq(nng_pub0_open(&s), 0);
	ck_assert_int_eq(nng_pipe_notify(s, NNG_PIPE_EV_ADD_POST, pub_event, NULL), 0);
	ck_assert_int_eq(nng_pipe_notify(s, NNG_PIPE_EV_REM_POST, pub_event, NULL), 0);
	ck_assert_int_eq(nng_listen(s, url, NULL, 0), 0);
	return s;
}

static void nap(void)
{
	struct timespec ts = {0, 20 * 1000 * 1000};

	nanosleep(&ts, NULL);
}

/* Polls until *v == want, at most 10 s; the value last seen. */
static int wait_eq(const int *v, int want)
{
	int got = 0;

	for (int i = 0; i < 500 && (got = __atomic_load_n(v, __ATOMIC_RELAXED)) != want; i++)
		nap();
	return got;
}

static void setup(void)
{
	ck_assert_ptr_nonnull(mkdtemp(dir));
	snprintf(url, sizeof(url), "ipc://%s/p.pub", dir);
	up = seen = 0;
}

static void teardown(void)
{
	char path[160];

	snprintf(path, sizeof(path), "%s/p.pub", dir);
	unlink(path);
	rmdir(dir);
	strcpy(dir, "/tmp/test_net.XXXXXX");
}

START_TEST(hello_reaches_the_loop_decoded)
{
	static const char hello[] =
		"hello {\"type\":\"hotpath_hello\",\"schema\":1,\"topic\":\"hello\",\"pid\":77,"
		"\"program\":\"p\",\"caller\":\"p::main\",\"host\":\"h\",\"elapsed_ns\":5,"
		"\"interval_ms\":250,\"sent\":0,\"dropped\":0,\"sections\":[]}";
	nng_socket s = pub_open();
	char *err = NULL;
	hpc_conn *c = hpc_conn_open(url, NULL, &err);
	hpc_msg *m = NULL;

	ck_assert_ptr_nonnull(c);
	ck_assert_int_eq(wait_eq(&up, 1), 1);
	for (int i = 0; i < 500 && !hpc_conn_connected(c); i++)
		nap();
	ck_assert(hpc_conn_connected(c));
	/* a SUB may miss what is sent before its subscription arrives:
	 * sent until one is read */
	for (int i = 0; i < 500 && m == NULL; i++) {
		ck_assert_int_eq(nng_send(s, (void *)hello, sizeof(hello) - 1, 0), 0);
		nap();
		m = hpc_conn_recv(c);
	}
	ck_assert_ptr_nonnull(m);
	ck_assert(hpc_msg_is_hello(m));
	ck_assert_uint_eq(hpc_conn_take_bad(c), 0);
	hpc_msg_free(m);
	hpc_conn_free(c);
	nng_close(s);
}
END_TEST

/* The console drops a target when its program leaves the discovery
 * folder, which a program does before it closes its sockets: the
 * connection is freed while its pipe is up.  The pipe must close with
 * it (no socket left subscribed to a program, costing it a copy of
 * every message), nothing may be redialed later, and the pipe's event,
 * which nng delivers on its own threads after the free, must not write
 * into freed memory (valgrind and AddressSanitizer builds of this test
 * catch that). */
START_TEST(dropped_connection_stops_dialing)
{
	nng_socket s = pub_open();
	char *err = NULL;
	hpc_conn *c = hpc_conn_open(url, NULL, &err);

	ck_assert_ptr_nonnull(c);
	ck_assert_int_eq(wait_eq(&up, 1), 1);
	for (int i = 0; i < 500 && !hpc_conn_connected(c); i++)
		nap();
	ck_assert(hpc_conn_connected(c));
	hpc_conn_free(c);
	ck_assert_int_eq(wait_eq(&up, 0), 0);
	ck_assert_int_eq(seen, 1);
	nng_close(s);
	/* a program at the same address later: the dropped connection
	 * redialed every second (NNG_OPT_RECONNMAXT) before */
	s = pub_open();
	for (int i = 0; i < 125; i++) /* 2.5 s */
		nap();
	ck_assert_int_eq(__atomic_load_n(&seen, __ATOMIC_RELAXED), 1);
	nng_close(s);
}
END_TEST

/* A hello replaces a hello that still waits for the loop: 50 hellos sent
 * while the loop reads nothing reach it as one, the last (issue 18: a
 * publisher's hellos, queued, froze the console).  The reader handles
 * messages in order, so once it has counted the not-JSON message sent
 * after them, every hello has been queued. */
START_TEST(waiting_hellos_are_merged)
{
	static const char probe[] = "hello {\"type\":\"hotpath_hello\",\"schema\":1,\"pid\":1,"
		"\"program\":\"probe\",\"sections\":[]}";
	nng_socket s = pub_open();
	char *err = NULL, msg[256];
	hpc_conn *c = hpc_conn_open(url, NULL, &err);
	hpc_msg *m = NULL;
	hpc_model mod;
	hpc_target *t;
	int n;

	ck_assert_ptr_nonnull(c);
	/* the queue a PUB keeps per pipe: more than is sent below */
	ck_assert_int_eq(nng_socket_set_int(s, NNG_OPT_SENDBUF, 1024), 0);
	ck_assert_int_eq(wait_eq(&up, 1), 1);
	for (int i = 0; i < 500 && m == NULL; i++) { /* subscribed once one comes */
		ck_assert_int_eq(nng_send(s, (void *)probe, sizeof(probe) - 1, 0), 0);
		nap();
		m = hpc_conn_recv(c);
	}
	ck_assert_ptr_nonnull(m);
	hpc_msg_free(m);
	for (int i = 0; i < 500 && (m = hpc_conn_recv(c)) != NULL; i++) /* more probes */
		hpc_msg_free(m);
	(void)hpc_conn_take_bad(c);
	for (int i = 0; i < 50; i++) {
		n = snprintf(msg, sizeof(msg), "hello {\"type\":\"hotpath_hello\",\"schema\":1,"
			     "\"pid\":%d,\"program\":\"p%d\",\"sections\":[]}", 100 + i, i);
		ck_assert_int_eq(nng_send(s, msg, (size_t)n, 0), 0);
	}
	ck_assert_int_eq(nng_send(s, (void *)"x {", 3, 0), 0);
	for (int i = 0; i < 500 && hpc_conn_take_bad(c) == 0; i++)
		nap();
	hpc_model_init(&mod);
	t = hpc_model_add(&mod, url, 1);
	ck_assert_ptr_nonnull(m = hpc_conn_recv(c));
	ck_assert(hpc_msg_is_hello(m));
	hpc_model_apply(&mod, 0, m, 2);
	ck_assert_str_eq(t->program, "p49");
	ck_assert_ptr_null(hpc_conn_recv(c)); /* the other 49: replaced */
	hpc_model_fini(&mod);
	hpc_conn_free(c);
	nng_close(s);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("net");
	TCase *tc = tcase_create("conn");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, hello_reaches_the_loop_decoded);
	tcase_add_test(tc, dropped_connection_stops_dialing);
	tcase_add_test(tc, waiting_hellos_are_merged);
	suite_add_tcase(s, tc);
	return hp_test_run(s);
}
