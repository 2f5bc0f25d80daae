/* SPDX-License-Identifier: MIT */
/*
 * test_publish.c - the wire protocol's query side (docs/wire.md): what a
 * request may look like, the exact replies, that no input bytes crash the
 * handler or make it answer anything but one JSON object, and that an
 * endpoint in use is one warning.  Its limits and the replies that must
 * not be lost: test_publish_limits.c.
 */
#include <check.h>
#include <poll.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include <nng/nng.h>
#include <nng/protocol/reqrep0/req.h>

#include "hpi.h"
#include "registry.h"
#include "publish_fixture.h"

static const hpi_publish_info fixture_info = {
	.program = "basic", .caller = "basic::main", .host = "box",
	.endpoint = "ipc:///tmp/p", .query = NULL, .pid = 42,
	.unix0_ns = 1000, .mono0_ns = 0, .interval_ms = 250,
};

/* The reply to req, as a new string. */
static char *answer(const hp_snapshot *s, const char *req, size_t len)
{
	hpi_buf b;

	hpi_buf_init(&b);
	hpi_query_answer(&b, s, &fixture_info, req, len);
	ck_assert_ptr_nonnull(b.data);
	return b.data;
}

#define ANSWER(s, req) answer((s), (req), strlen(req))

START_TEST(test_parse_ok)
{
	hpi_query q;
	const char *why = NULL;
	const char *req = " {\"row\" : \"a\\\"b\\u00e9\\ud83d\\ude00\", \"x\":\"y\",\n"
			  "\"cmd\":\"log\",\"section\":\"functions\"} ";

	ck_assert_int_eq(hpi_query_parse(req, strlen(req), &q, &why), 0);
	ck_assert_str_eq(q.cmd, "log");
	ck_assert_str_eq(q.section, "functions");
	ck_assert_str_eq(q.row, "a\"b\xc3\xa9\xf0\x9f\x98\x80");
	hpi_query_fini(&q);
	ck_assert_ptr_null(q.cmd);
	hpi_query_fini(&q); /* twice is harmless */
}
END_TEST

START_TEST(test_parse_bad)
{
	static const char *const bad[] = {
		"", " ", "{", "}", "[]", "null", "{}", "{\"cmd\":1}", "{\"cmd\":\"a\",}",
		"{\"cmd\":\"a\"} x", "{\"cmd\":\"a\"}{}", "{\"cmd\" \"a\"}", "{cmd:\"a\"}",
		"{\"cmd\":\"a", "{\"cmd\":\"\\ud800\"}", "{\"cmd\":\"\\udc00\"}",
		"{\"cmd\":\"\\u0000\"}", "{\"cmd\":\"\\x\"}", "{\"cmd\":\"\\u12\"}",
		"{\"cmd\":\"a\tb\"}", "{\"cmd\":\"a\",\"cmd\":\"b\"}", "{\"section\":\"s\"}",
	};
	hpi_query q;
	const char *why;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		why = NULL;
		ck_assert_msg(hpi_query_parse(bad[i], strlen(bad[i]), &q, &why) == HP_EINVAL,
			      "accepted: %s", bad[i]);
		ck_assert_ptr_nonnull(why);
		ck_assert_ptr_null(q.cmd);
	}
	/* a NUL byte inside a string */
	ck_assert_int_eq(hpi_query_parse("{\"cmd\":\"a\0b\"}", 13, &q, &why), HP_EINVAL);
}
END_TEST

START_TEST(test_replies_exact)
{
	hp_snapshot *s = fixture();
	char *r;

	r = ANSWER(s, "{\"cmd\":\"sections\"}");
	ck_assert_str_eq(r, "{\"type\":\"hotpath_reply\",\"schema\":1,\"cmd\":\"sections\","
		"\"sections\":[{\"id\":\"functions\",\"title\":\"Functions\",\"rows\":2},"
		"{\"id\":\"process\",\"title\":\"Process\",\"rows\":0}]}");
	free(r);
	r = ANSWER(s, "{\"cmd\":\"nope\"}");
	ck_assert_str_eq(r, "{\"type\":\"hotpath_error\",\"schema\":1,\"error\":\"unknown_cmd\","
		"\"message\":\"cmd is one of hello, sections, snapshot, section, log, metrics, "
		"cpu_start, cpu_stop, cpu_status\"}");
	free(r);
	r = ANSWER(s, "{\"cmd\":\"log\",\"section\":\"functions\",\"row\":\"basic::main\"}");
	ck_assert_str_eq(r, "{\"type\":\"hotpath_reply\",\"schema\":1,\"cmd\":\"log\","
		"\"section\":\"functions\",\"row\":\"basic::main\",\"report\":"
		"{\"type\":\"hotpath_report\",\"version\":1,\"generator\":\"hotpath " HP_VERSION_STRING "\","
		"\"percentiles\":[],\"sections\":[{\"id\":\"functions.log\",\"title\":\"Log\","
		"\"columns\":[{\"key\":\"duration\",\"title\":\"Duration\",\"unit\":\"ns\"}],"
		"\"total_rows\":1,\"rows\":[{\"duration\":1500}]}]}}");
	free(r);
	hpi_snapshot_free(s);
}
END_TEST

/* The error code of the reply to req. */
static void assert_error(const hp_snapshot *s, const char *req, size_t len, const char *code)
{
	char *r = answer(s, req, len);
	hpi_json *doc = reply_json(r);
	const hpi_jv *j = hpi_json_root(doc);

	ck_assert_msg(doc != NULL, "not JSON: %s", r);
	ck_assert_str_eq(hpi_json_str(hpi_json_get(j, "type")), "hotpath_error");
	ck_assert_int_eq(reply_int(j, "schema"), 1);
	ck_assert_str_eq(hpi_json_str(hpi_json_get(j, "error")), code);
	ck_assert(hpi_json_is(hpi_json_get(j, "message"), HPI_JSON_STRING));
	hpi_json_free(doc);
	free(r);
}

#define ERROR_IS(s, req, code) assert_error((s), (req), strlen(req), (code))

START_TEST(test_errors)
{
	hp_snapshot *s = fixture();
	char big[HPI_QUERY_MAX + 2];

	memset(big, ' ', sizeof(big));
	memcpy(big, "{\"cmd\":\"sections\"}", 18);
	assert_error(s, big, sizeof(big), "too_large");
	ERROR_IS(s, "garbage", "bad_request");
	ERROR_IS(s, "{\"cmd\":\"log\"}", "missing_field");
	ERROR_IS(s, "{\"cmd\":\"section\"}", "missing_field");
	ERROR_IS(s, "{\"cmd\":\"section\",\"section\":\"x\"}", "no_section");
	ERROR_IS(s, "{\"cmd\":\"log\",\"section\":\"x\",\"row\":\"y\"}", "no_section");
	ERROR_IS(s, "{\"cmd\":\"log\",\"section\":\"functions\",\"row\":\"y\"}", "no_row");
	ERROR_IS(s, "{\"cmd\":\"log\",\"section\":\"functions\",\"row\":\"nolog\"}", "no_log");
	hpi_snapshot_free(s);
}
END_TEST

START_TEST(test_snapshot_and_hello)
{
	hp_snapshot *s = fixture();
	char *r = ANSWER(s, "{\"cmd\":\"snapshot\"}");
	hpi_json *doc = reply_json(r);
	const hpi_jv *j = hpi_json_root(doc);

	ck_assert_ptr_nonnull(doc);
	ck_assert_str_eq(hpi_json_str(hpi_json_get(j, "cmd")), "snapshot");
	ck_assert_str_eq(hpi_json_str(hpi_json_get(hpi_json_get(j, "report"), "type")),
			 "hotpath_report");
	ck_assert_uint_eq(hpi_json_size(hpi_json_get(hpi_json_get(j, "report"), "sections")), 2);
	hpi_json_free(doc);
	free(r);
	r = ANSWER(s, "{\"cmd\":\"hello\"}");
	doc = reply_json(r);
	j = hpi_json_root(doc);
	ck_assert_ptr_nonnull(doc);
	ck_assert_str_eq(hpi_json_str(hpi_json_get(j, "type")), "hotpath_hello");
	ck_assert_int_eq(reply_int(j, "pid"), 42);
	ck_assert_str_eq(hpi_json_str(hpi_json_get(j, "host")), "box");
	ck_assert_str_eq(hpi_json_str(hpi_json_get(j, "program")), "basic");
	ck_assert(hpi_json_is(hpi_json_get(j, "query"), HPI_JSON_NULL));
	ck_assert_uint_eq(hpi_json_size(hpi_json_get(j, "sections")), 2);
	ck_assert(hpi_json_is(hpi_json_get(j, "events_dropped"), HPI_JSON_INT));
	ck_assert_int_eq(reply_int(j, "events_dropped"), 0);
	hpi_json_free(doc);
	free(r);
	/* the snapshot's "dropped" fact: events lost in per-thread buffers */
	hpi_snapshot_meta_set(s, "dropped", "17");
	r = ANSWER(s, "{\"cmd\":\"hello\"}");
	doc = reply_json(r);
	ck_assert_int_eq(reply_int(hpi_json_root(doc), "events_dropped"), 17);
	hpi_json_free(doc);
	free(r);
	hpi_snapshot_free(s);
}
END_TEST

/* Random and mutated requests: every reply is one JSON object. */
START_TEST(test_any_bytes)
{
	static const char *const seeds[] = {
		"{\"cmd\":\"log\",\"section\":\"functions\",\"row\":\"basic::main\"}",
		"{\"cmd\":\"sections\"}", "{\"cmd\":\"section\",\"section\":\"process\"}",
		"{\"cmd\":\"\\ud83d\\ude00\"}",
	};
	hp_snapshot *s = fixture();
	char buf[128];
	unsigned seed = 12345;

	for (int i = 0; i < 20000; i++) {
		const char *sd = seeds[i % 4];
		size_t n = strlen(sd);
		memcpy(buf, sd, n);
		for (int k = 0; k < 1 + i % 4; k++) {
			seed = seed * 1103515245u + 12345u;
			buf[(seed >> 8) % n] = (char)(seed >> 20);
		}
		if (i % 7 == 0)
			n = (seed >> 4) % (n + 1);
		char *r = answer(s, buf, n);
		hpi_json *j = reply_json(r);
		ck_assert_msg(hpi_json_is(hpi_json_root(j), HPI_JSON_OBJECT), "bad reply %s", r);
		hpi_json_free(j);
		free(r);
	}
	hpi_snapshot_free(s);
}
END_TEST

static int warnings;
static char last_warning[512];

/* Counts the warnings. */
static void sink(const char *line, void *data)
{
	(void)data;
	warnings++;
	snprintf(last_warning, sizeof(last_warning), "%s", line);
}

START_TEST(test_endpoint_in_use)
{
	hpi_config c;
	hpi_publish_info in = {.program = "t", .caller = "t::main", .pid = 1};
	hpi_publisher *a, *b;
	char url[128], q[128];

	hpi_config_defaults(&c);
	snprintf(url, sizeof(url), "ipc:///tmp/hp_test_publish_%ld.pub", (long)getpid());
	snprintf(q, sizeof(q), "ipc:///tmp/hp_test_publish_%ld.q", (long)getpid());
	free(c.endpoint);
	free(c.query);
	c.endpoint = strdup("off");
	c.query = strdup(q);
	hpi_warn_set_sink(sink, NULL);
	ck_assert_ptr_null(hpi_publish_start(&c, NULL, &in));
	ck_assert_int_eq(warnings, 0);
	free(c.endpoint);
	c.endpoint = strdup(url);
	a = hpi_publish_start(&c, NULL, &in);
	ck_assert_ptr_nonnull(a);
	ck_assert_int_eq(warnings, 0);
	b = hpi_publish_start(&c, NULL, &in);
	ck_assert_ptr_null(b);
	ck_assert_int_eq(warnings, 1);
	ck_assert_msg(strstr(last_warning, "publish.endpoint: cannot listen on \"ipc://") == last_warning &&
		      strstr(last_warning, "; running without publishing") != NULL, "%s", last_warning);
	hpi_publish_stop(a);
	hpi_publish_stop(NULL);
	/* the next guard's publisher gets the endpoint while the last one's
	 * sockets are still closing */
	for (int i = 0; i < 5; i++) {
		a = hpi_publish_start(&c, NULL, &in);
		ck_assert_ptr_nonnull(a);
		hpi_publish_stop(a);
	}
	ck_assert_int_eq(warnings, 1);
	hpi_warn_set_sink(NULL, NULL);
	hpi_config_fini(&c);
	unlink(url + 6); /* the sockets close in the background: no files left */
	unlink(q + 6);
}
END_TEST

/* The publish suite. */
static Suite *publish_suite(void)
{
	Suite *s = suite_create("publish");
	TCase *tc;

	tc = tcase_create("query");
	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, test_parse_ok);
	tcase_add_test(tc, test_parse_bad);
	tcase_add_test(tc, test_replies_exact);
	tcase_add_test(tc, test_errors);
	tcase_add_test(tc, test_snapshot_and_hello);
	tcase_add_test(tc, test_any_bytes);
	suite_add_tcase(s, tc);

	tc = tcase_create("publisher");
	tcase_set_timeout(tc, 10);
	tcase_add_test(tc, test_endpoint_in_use);
	suite_add_tcase(s, tc);
	return s;
}

/* Runs the suite (CK_FORK=no to debug); nonzero exit on failure. */
int main(void)
{
	SRunner *sr = srunner_create(publish_suite());
	int nf;

	srunner_run_all(sr, CK_ENV);
	nf = srunner_ntests_failed(sr);
	srunner_free(sr);
	return nf == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
