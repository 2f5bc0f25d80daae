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

/* A section message for section id with one row (a tab, or with
 * console.hide no tab). */
static char *section_id(const char *id, bool hidden)
{
	hpi_buf b;

	hpi_buf_init(&b);
	hpi_buf_printf(&b, "%s {\"type\":\"hotpath_section\",\"schema\":1,\"report\":{\"sections\":"
		       "[{\"id\":\"%s\",\"title\":\"T\",\"columns\":[{\"key\":\"name\",\"title\":"
		       "\"Name\",\"unit\":\"text\"}],\"rows\":[{\"name\":\"%s\"}]%s}]}}", id, id, id,
		       hidden ? ",\"meta\":{\"console.hide\":\"1\"}" : "");
	ck_assert(!b.failed);
	return b.data;
}

/* A hello announcing sections s<from> to s<to> (either way round). */
static char *hello_range(int from, int to)
{
	hpi_buf b;
	int step = from <= to ? 1 : -1;

	hpi_buf_init(&b);
	hpi_buf_puts(&b, "hello {\"type\":\"hotpath_hello\",\"schema\":1,\"pid\":1,"
		     "\"program\":\"p\",\"sections\":[");
	for (int i = from;; i += step) {
		hpi_buf_printf(&b, "%s{\"id\":\"s%d\",\"title\":\"S\"}", i == from ? "" : ",", i);
		if (i == to)
			break;
	}
	hpi_buf_puts(&b, "]}");
	ck_assert(!b.failed);
	return b.data;
}

/* Sections are found by id through a hash (no scan of every tab per
 * message): each message lands on its own tab whatever the order hello
 * gave them, after a reorder too, and the sections that are no tab are
 * capped like tabs. */
START_TEST(sections_found_by_id)
{
	hpc_model m;
	hpc_target *t;
	char *h, id[32], *msg;

	hpc_model_init(&m);
	t = hpc_model_add(&m, "tcp://127.0.0.1:6770", 1);
	ck_assert_int_eq(feed(&m, h = hello_range(0, 255)), 0);
	free(h);
	ck_assert_uint_eq(t->nsecs, 256);
	t->tab = 3; /* s3 shown */
	ck_assert_int_eq(feed(&m, h = hello_range(255, 0)), 0);
	free(h);
	ck_assert_uint_eq(t->nsecs, 256);
	ck_assert_str_eq(t->secs[0]->id, "s255");
	ck_assert_str_eq(t->secs[255]->id, "s0");
	ck_assert_uint_eq(t->tab, 252); /* still s3 */
	for (int i = 0; i < 256; i++) {
		snprintf(id, sizeof(id), "s%d", i);
		ck_assert_int_eq(feed(&m, msg = section_id(id, false)), 0);
		free(msg);
	}
	ck_assert_uint_eq(t->nsecs, 256);
	ck_assert_uint_eq(t->bad, 0);
	for (int i = 0; i < 256; i++) {
		snprintf(id, sizeof(id), "s%d", i);
		ck_assert_ptr_eq(hpc_target_section(t, id), t->secs[255 - i]);
		ck_assert_str_eq(t->secs[255 - i]->id, id);
		ck_assert(t->secs[255 - i]->has_data);
		ck_assert_str_eq(hpc_section_text(t->secs[255 - i], 0, 0), id);
	}
	ck_assert_ptr_null(hpc_target_section(t, "s256"));
	ck_assert_ptr_null(hpc_target_section(t, ""));
	/* a tab past 256: refused and counted */
	ck_assert_int_eq(feed(&m, msg = section_id("s256", false)), 0);
	free(msg);
	ck_assert_uint_eq(t->nsecs, 256);
	ck_assert_uint_eq(t->bad, 1);
	/* an id twice in hello is one tab */
	ck_assert_int_eq(feed(&m, h = hello_range(7, 7)), 0);
	free(h);
	ck_assert_str_eq(t->secs[0]->id, "s7");
	ck_assert_ptr_eq(hpc_target_section(t, "s7"), t->secs[0]);
	ck_assert_ptr_eq(hpc_target_section(t, "s255"), t->secs[1]);
	/* no-tab sections: 300 ids, 256 kept, 44 counted; one sent again
	 * replaces its rows in place */
	for (int i = 0; i < 300; i++) {
		snprintf(id, sizeof(id), "h%d", i);
		ck_assert_int_eq(feed(&m, msg = section_id(id, true)), 0);
		free(msg);
	}
	ck_assert_uint_eq(t->nhidden, 256);
	ck_assert_uint_eq(t->bad, 1 + 44);
	ck_assert_int_eq(feed(&m, msg = section_id("h5", true)), 0);
	free(msg);
	ck_assert_uint_eq(t->nhidden, 256);
	ck_assert_ptr_nonnull(hpc_target_hidden(t, "h5"));
	ck_assert_str_eq(hpc_target_hidden(t, "h255")->id, "h255");
	ck_assert_ptr_null(hpc_target_hidden(t, "h256"));
	ck_assert_ptr_null(hpc_target_hidden(t, "s5"));
	hpc_model_fini(&m);
}
END_TEST

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

/* A section object of one count column c0 with n rows {"c0":1} (as text,
 * or wrapped as a section message when msg). */
static char *rows_of(size_t n, bool msg)
{
	hpi_buf b;

	hpi_buf_init(&b);
	if (msg)
		hpi_buf_puts(&b, "x {\"type\":\"hotpath_section\",\"schema\":1,\"report\":"
			     "{\"sections\":[");
	hpi_buf_puts(&b, "{\"id\":\"x\",\"title\":\"X\",\"columns\":[{\"key\":\"c0\","
		     "\"title\":\"C\",\"unit\":\"count\"}],\"rows\":[");
	for (size_t i = 0; i < n; i++)
		hpi_buf_puts(&b, i ? ",{\"c0\":1}" : "{\"c0\":1}");
	hpi_buf_puts(&b, msg ? "]}]}}" : "]}");
	ck_assert(!b.failed);
	return b.data;
}

/* Rows per message are bounded too (HPC_MAX_ROWS, docs/console.md): one
 * row past the bound refuses the section with a message that says so, and
 * the console counts it; a section within the bound keeps every row. */
START_TEST(rows_past_the_bound_are_refused)
{
	char *over = rows_of(HPC_MAX_ROWS + 1, false), *over_msg = rows_of(HPC_MAX_ROWS + 1, true);
	char *three = rows_of(3, false);
	const char *why = NULL;
	hpc_section *sec;
	hpc_model m;
	hpc_target *t;

	ck_assert_ptr_null(hpc_section_parse_text(over, strlen(over), &why));
	ck_assert_str_eq(why, "more than 1000000 rows");
	sec = hpc_section_parse_text(three, strlen(three), &why);
	ck_assert_ptr_nonnull(sec);
	ck_assert_uint_eq(sec->nrows, 3);
	hpc_section_free(sec);

	hpc_model_init(&m);
	t = hpc_model_add(&m, "tcp://127.0.0.1:6770", 1);
	ck_assert_int_eq(feed(&m, over_msg), HP_EINVAL);
	ck_assert_uint_eq(t->nsecs, 0);
	ck_assert_uint_eq(t->bad, 1);
	hpc_model_fini(&m);
	free(over);
	free(over_msg);
	free(three);
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
	tcase_add_test(tc, sections_found_by_id);
	tcase_add_test(tc, rows_past_the_bound_are_refused);
	suite_add_tcase(s, tc);
	return s;
}

HP_TEST_MAIN(limits_suite)
