/* SPDX-License-Identifier: MIT */
/*
 * test_sp.c - core/sp.c, the PUB and REP listeners a fork child publishes
 * with, against nng's own SUB and REQ sockets (the console's and the CLI's)
 * and raw sockets: messages byte for byte and in order to every
 * subscriber, a request's reply to its own client, the connection cap
 * refused and counted, a wrong protocol, a bad handshake and an oversized
 * request closed, the socket file removed at close.  Every wait is bounded.
 */
#include <check.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include <nng/nng.h>
#include <nng/protocol/pubsub0/sub.h>
#include <nng/protocol/reqrep0/req.h>

#include "hpi.h"
#include "sp.h"

static char dir[64], url[160], path[128];

static void setup(void)
{
	snprintf(dir, sizeof(dir), "/tmp/test_sp.XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/1.sock", dir);
	snprintf(url, sizeof(url), "ipc://%s", path);
}

static void teardown(void)
{
	unlink(path);
	rmdir(dir);
}

static void nap(void)
{
	nanosleep(&(struct timespec){0, 10000000L}, NULL);
}

/* Waits (at most 10 s) until s has n peers past their handshake. */
static bool wait_peers(hpi_sp *s, size_t n)
{
	for (int i = 0; i < 1000; i++) {
		if (hpi_sp_peers(s) == n)
			return true;
		nap();
	}
	return false;
}

static nng_socket sub_dial(void)
{
	nng_socket s;

	ck_assert_int_eq(nng_sub0_open(&s), 0);
	ck_assert_int_eq(nng_socket_set(s, NNG_OPT_SUB_SUBSCRIBE, "", 0), 0);
	ck_assert_int_eq(nng_socket_set_ms(s, NNG_OPT_RECVTIMEO, 10000), 0);
	ck_assert_int_eq(nng_dial(s, url, NULL, NNG_FLAG_NONBLOCK), 0);
	return s;
}

/* A raw connection to the listener that has sent hs[0..8). */
static int raw_dial(const unsigned char *hs)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	int fd = socket(AF_UNIX, SOCK_STREAM, 0);
	struct timeval tv = {10, 0};

	strcpy(sa.sun_path, path);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(connect(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	ck_assert_int_eq(write(fd, hs, 8), 8);
	return fd;
}

/* Reads fd until its end (true) or 10 s without one (false); the listener's
 * greeting comes first. */
static bool raw_closed(int fd, const unsigned char *greeting)
{
	unsigned char buf[64];
	size_t got = 0;
	ssize_t n;

	while ((n = read(fd, buf + got, sizeof(buf) - got)) > 0 && (got += (size_t)n) < sizeof(buf))
		;
	ck_assert_uint_eq(got, 8); /* the greeting, nothing more */
	ck_assert_mem_eq(buf, greeting, 8);
	return n == 0 || (n < 0 && errno == ECONNRESET);
}

START_TEST(pub_reaches_every_subscriber_byte_for_byte)
{
	const char *why = NULL;
	hpi_sp *s = hpi_sp_listen(url, HPI_SP_PUB, 8, &why);
	nng_socket a, b;
	size_t big = 3u << 20;
	char *msg = malloc(big);

	ck_assert_msg(s != NULL, "listen: %s", why);
	a = sub_dial();
	b = sub_dial();
	ck_assert(wait_peers(s, 2));
	for (size_t i = 0; i < big; i++)
		msg[i] = (char)(i * 7 + i / 251);
	ck_assert_int_eq(hpi_sp_send(s, "functions {\"a\":1}", 17), 0);
	ck_assert_int_eq(hpi_sp_send(s, msg, big), 0);
	ck_assert_int_eq(hpi_sp_send(s, "", 0), 0);
	for (int k = 0; k < 2; k++) {
		nng_socket c = k ? b : a;
		char *got = NULL;
		size_t len = 0;
		ck_assert_int_eq(nng_recv(c, &got, &len, NNG_FLAG_ALLOC), 0);
		ck_assert_uint_eq(len, 17);
		ck_assert_mem_eq(got, "functions {\"a\":1}", 17);
		nng_free(got, len);
		ck_assert_int_eq(nng_recv(c, &got, &len, NNG_FLAG_ALLOC), 0);
		ck_assert_uint_eq(len, big);
		ck_assert(memcmp(got, msg, big) == 0);
		nng_free(got, len);
		ck_assert_int_eq(nng_recv(c, &got, &len, NNG_FLAG_ALLOC), 0);
		ck_assert_uint_eq(len, 0);
		nng_free(got, len);
	}
	nng_close(a);
	ck_assert(wait_peers(s, 1));
	nng_close(b);
	ck_assert(wait_peers(s, 0));
	ck_assert_uint_eq(hpi_sp_refused(s), 0);
	hpi_sp_close(s);
	ck_assert_int_eq(access(path, F_OK), -1); /* the socket file is gone */
	free(msg);
}
END_TEST

/* Waits (at most 10 s) for a request on s. */
static bool wait_request(hpi_sp *s, uint64_t *tok, hpi_buf *req)
{
	for (int i = 0; i < 1000; i++) {
		if (hpi_sp_recv(s, tok, req))
			return true;
		nap();
	}
	return false;
}

START_TEST(rep_answers_each_client)
{
	const char *why = NULL;
	hpi_sp *s = hpi_sp_listen(url, HPI_SP_REP, 8, &why);
	nng_socket q[2];
	uint64_t tok[2];
	char *got;
	size_t len;

	ck_assert_msg(s != NULL, "listen: %s", why);
	for (int k = 0; k < 2; k++) {
		ck_assert_int_eq(nng_req0_open(&q[k]), 0);
		ck_assert_int_eq(nng_socket_set_ms(q[k], NNG_OPT_RECVTIMEO, 10000), 0);
		ck_assert_int_eq(nng_dial(q[k], url, NULL, 0), 0);
	}
	ck_assert(wait_peers(s, 2));
	ck_assert(!hpi_sp_pending(s));
	for (int k = 0; k < 2; k++) {
		char m[16];
		hpi_buf req;
		snprintf(m, sizeof(m), "ask %d", k);
		ck_assert_int_eq(nng_send(q[k], m, strlen(m), 0), 0);
		hpi_buf_init(&req);
		ck_assert(wait_request(s, &tok[k], &req));
		ck_assert_uint_eq(req.len, strlen(m));
		ck_assert_mem_eq(req.data, m, req.len);
		hpi_buf_fini(&req);
	}
	ck_assert_uint_ne(hpi_sp_tok_peer(tok[0]), hpi_sp_tok_peer(tok[1]));
	/* answered in the other order: each reply reaches its own client */
	ck_assert_int_eq(hpi_sp_reply(s, tok[1], "reply one", 9), 0);
	ck_assert_int_eq(hpi_sp_reply(s, tok[0], "reply zero", 10), 0);
	ck_assert_int_eq(nng_recv(q[0], &got, &len, NNG_FLAG_ALLOC), 0);
	ck_assert_uint_eq(len, 10);
	ck_assert_mem_eq(got, "reply zero", 10);
	nng_free(got, len);
	ck_assert_int_eq(nng_recv(q[1], &got, &len, NNG_FLAG_ALLOC), 0);
	ck_assert_uint_eq(len, 9);
	ck_assert_mem_eq(got, "reply one", 9);
	nng_free(got, len);
	/* a client gone: its reply is dropped, nothing else happens */
	ck_assert_int_eq(nng_send(q[0], (char[]){"again"}, 5, 0), 0);
	{
		hpi_buf req;
		uint64_t t;
		hpi_buf_init(&req);
		ck_assert(wait_request(s, &t, &req));
		hpi_buf_fini(&req);
		nng_close(q[0]);
		ck_assert(wait_peers(s, 1));
		ck_assert_int_eq(hpi_sp_reply(s, t, "late", 4), 0);
	}
	nng_close(q[1]);
	hpi_sp_close(s);
}
END_TEST

START_TEST(cap_refuses_and_counts)
{
	const char *why = NULL;
	hpi_sp *s = hpi_sp_listen(url, HPI_SP_PUB, 1, &why);
	nng_socket a, b;
	int i;

	ck_assert_msg(s != NULL, "listen: %s", why);
	a = sub_dial();
	ck_assert(wait_peers(s, 1));
	b = sub_dial();
	for (i = 0; i < 1000 && hpi_sp_refused(s) == 0; i++)
		nap();
	ck_assert_uint_ge(hpi_sp_refused(s), 1);
	ck_assert_uint_eq(hpi_sp_peers(s), 1);
	nng_close(b);
	nng_close(a);
	hpi_sp_close(s);
}
END_TEST

START_TEST(bad_peers_are_closed)
{
	const char *why = NULL;
	hpi_sp *pub = hpi_sp_listen(url, HPI_SP_PUB, 8, &why), *rep;
	static const unsigned char pub_hs[8] = {0, 'S', 'P', 0, 0, 0x20, 0, 0},
				   rep_hs[8] = {0, 'S', 'P', 0, 0, 0x31, 0, 0},
				   req_hs[8] = {0, 'S', 'P', 0, 0, 0x30, 0, 0},
				   http[8] = {'G', 'E', 'T', ' ', '/', ' ', 'H', 'T'};
	unsigned char big[9] = {1, 0, 0, 0, 0, 0, 1, 0, 1}; /* 65,537 bytes */
	int fd;

	ck_assert_msg(pub != NULL, "listen: %s", why);
	/* a REQ is not a subscriber */
	fd = raw_dial(req_hs);
	ck_assert(raw_closed(fd, pub_hs));
	close(fd);
	/* nor is HTTP */
	fd = raw_dial(http);
	ck_assert(raw_closed(fd, pub_hs));
	close(fd);
	ck_assert_uint_eq(hpi_sp_peers(pub), 0);
	hpi_sp_close(pub);

	rep = hpi_sp_listen(url, HPI_SP_REP, 8, &why);
	ck_assert_msg(rep != NULL, "listen: %s", why);
	/* a request past 64 KiB closes its connection */
	fd = raw_dial(req_hs);
	ck_assert_int_eq(write(fd, big, sizeof(big)), (ssize_t)sizeof(big));
	ck_assert(raw_closed(fd, rep_hs));
	close(fd);
	/* a message type other than 1 likewise */
	fd = raw_dial(req_hs);
	big[0] = 2;
	big[7] = 0;
	big[8] = 4;
	ck_assert_int_eq(write(fd, big, sizeof(big)), (ssize_t)sizeof(big));
	ck_assert(raw_closed(fd, rep_hs));
	close(fd);
	ck_assert(!hpi_sp_pending(rep));
	hpi_sp_close(rep);
}
END_TEST

START_TEST(only_ipc)
{
	const char *why = NULL;

	ck_assert_ptr_null(hpi_sp_listen("tcp://127.0.0.1:0", HPI_SP_PUB, 8, &why));
	ck_assert_str_eq(why, "only ipc:// endpoints in a fork child");
}
END_TEST

static Suite *sp_suite(void)
{
	Suite *s = suite_create("sp");
	TCase *tc = tcase_create("core");

	tcase_set_timeout(tc, 60);
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, pub_reaches_every_subscriber_byte_for_byte);
	tcase_add_test(tc, rep_answers_each_client);
	tcase_add_test(tc, cap_refuses_and_counts);
	tcase_add_test(tc, bad_peers_are_closed);
	tcase_add_test(tc, only_ipc);
	suite_add_tcase(s, tc);
	return s;
}

/* Runs the suite (CK_FORK=no to debug); nonzero exit on failure. */
int main(void)
{
	SRunner *sr = srunner_create(sp_suite());
	int nf;

	srunner_run_all(sr, CK_ENV);
	nf = srunner_ntests_failed(sr);
	srunner_free(sr);
	return nf == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
