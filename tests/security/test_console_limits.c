/* SPDX-License-Identifier: MIT */
/*
 * test_console_limits.c - the console against a hostile publisher
 * (docs/console.md, "Limits"): what one message may announce is bounded
 * and counted, messages that are not JSON are counted, a query URL on
 * another host is not followed, INT64_MAX ns shows as overflow.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "console.h"
#include "model.h"
#include "../testlib.h"

#define S 1000000000ull

/* A hello announcing n sections, with query URL q. */
static char *hello_of(size_t n, const char *q)
{
	hpi_buf b;

	hpi_buf_init(&b);
	hpi_buf_printf(&b, "hello {\"type\":\"hotpath_hello\",\"schema\":1,\"pid\":1,"
		       "\"program\":\"evil\",\"query\":\"%s\",\"sections\":[", q);
	for (size_t i = 0; i < n; i++)
		hpi_buf_printf(&b, "%s{\"id\":\"s%zu\",\"title\":\"S%zu\"}", i ? "," : "", i, i);
	hpi_buf_puts(&b, "]}");
	ck_assert(!b.failed);
	return b.data;
}

/* A section message of one column of unit, one row holding value. */
static char *section_of(size_t ncols, const char *unit, const char *value)
{
	hpi_buf b;

	hpi_buf_init(&b);
	hpi_buf_puts(&b, "x {\"type\":\"hotpath_section\",\"schema\":1,\"report\":{\"sections\":"
		     "[{\"id\":\"x\",\"title\":\"X\",\"columns\":[");
	for (size_t i = 0; i < ncols; i++)
		hpi_buf_printf(&b, "%s{\"key\":\"c%zu\",\"title\":\"C\",\"unit\":\"%s\"}",
			       i ? "," : "", i, unit);
	hpi_buf_printf(&b, "],\"rows\":[{\"c0\":%s}]}]}}", value);
	ck_assert(!b.failed);
	return b.data;
}

static int feed(hpc_model *m, const char *msg)
{
	return hpc_model_feed(m, 0, msg, strlen(msg), 2 * S);
}

START_TEST(hello_of_30000_sections_is_cut)
{
	char *h = hello_of(30000, "tcp://127.0.0.1:6771");
	hpc_model m;
	hpc_target *t;

	hpc_model_init(&m);
	t = hpc_model_add(&m, "tcp://127.0.0.1:6770", 1);
	for (int i = 0; i < 3; i++)
		ck_assert_int_eq(feed(&m, h), 0);
	ck_assert_uint_eq(t->nsecs, HPC_MAX_SECTIONS);
	ck_assert_uint_eq(t->cut, 3);
	ck_assert_str_eq(t->secs[255]->id, "s255");
	free(h);
	hpc_model_fini(&m);
}
END_TEST

START_TEST(messages_past_a_limit_or_not_json_are_counted)
{
	char *wide = section_of(30000, "count", "1");
	hpc_model m;
	hpc_target *t;
	static const char nul[] = "x {\"type\":\"hotpath_section\",\"schema\":1,\"a\":\"\\u0000\"}";
	static const char bad_utf8[] = "x {\"type\":\"hotpath_section\",\"schema\":1,\"a\":\"\xff\"}";

	hpc_model_init(&m);
	t = hpc_model_add(&m, "tcp://127.0.0.1:6770", 1);
	ck_assert_int_eq(feed(&m, wide), HP_EINVAL);
	ck_assert_uint_eq(t->nsecs, 0);
	ck_assert_int_ne(feed(&m, nul), 0);
	ck_assert_int_ne(feed(&m, bad_utf8), 0);
	ck_assert_uint_eq(t->bad, 3);
	free(wide);
	hpc_model_fini(&m);
}
END_TEST

START_TEST(int64_max_ns_is_overflow)
{
	char *msg = section_of(1, "ns", "9223372036854775807");
	hpc_model m;
	hpc_target *t;

	hpc_model_init(&m);
	t = hpc_model_add(&m, "tcp://127.0.0.1:6770", 1);
	ck_assert_int_eq(feed(&m, msg), 0);
	ck_assert_uint_eq(t->nsecs, 1);
	ck_assert_str_eq(hpc_section_text(t->secs[0], 0, 0), "overflow");
	free(msg);
	hpc_model_fini(&m);
}
END_TEST

START_TEST(query_on_another_host_is_not_dialed)
{
	char *elsewhere = hello_of(1, "tcp://203.0.113.9:6771");
	char *same = hello_of(1, "tcp://127.0.0.1:7000");
	char *wild = hello_of(1, "tcp://0.0.0.0:6771");
	hpc_model m;
	hpc_target *t;

	hpc_model_init(&m);
	t = hpc_model_add(&m, "tcp://127.0.0.1:6770", 1);
	ck_assert_int_eq(feed(&m, elsewhere), 0);
	ck_assert_ptr_null(t->query);
	ck_assert_uint_eq(t->query_refused, 1);
	ck_assert_int_eq(feed(&m, same), 0);
	ck_assert_str_eq(t->query, "tcp://127.0.0.1:7000");
	ck_assert_int_eq(feed(&m, wild), 0);
	ck_assert_str_eq(t->query, "tcp://127.0.0.1:6771");
	hpc_model_any_query_host(true);
	ck_assert_int_eq(feed(&m, elsewhere), 0);
	ck_assert_str_eq(t->query, "tcp://203.0.113.9:6771");
	hpc_model_any_query_host(false);
	free(elsewhere);
	free(same);
	free(wild);
	hpc_model_fini(&m);
}
END_TEST

static Suite *limits_suite(void)
{
	Suite *s = suite_create("console_limits");
	TCase *tc = tcase_create("limits");

	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, hello_of_30000_sections_is_cut);
	tcase_add_test(tc, messages_past_a_limit_or_not_json_are_counted);
	tcase_add_test(tc, int64_max_ns_is_overflow);
	tcase_add_test(tc, query_on_another_host_is_not_dialed);
	suite_add_tcase(s, tc);
	return s;
}

HP_TEST_MAIN(limits_suite)
