/* SPDX-License-Identifier: MIT */
/*
 * test_strbuf.c - the growable string: appends, growth, printf, what is
 * kept when memory runs out, and JSON string escaping byte for byte.
 */
#include <check.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "hpi.h"

#define FFFD "\xef\xbf\xbd"

START_TEST(test_init_fini)
{
	hpi_buf b;

	hpi_buf_init(&b);
	ck_assert_ptr_null(b.data);
	ck_assert_uint_eq(b.len, 0);
	ck_assert(!b.failed);
	hpi_buf_puts(&b, "abc");
	hpi_buf_fini(&b);
	ck_assert_ptr_null(b.data);
	ck_assert_uint_eq(b.len, 0);
	ck_assert_uint_eq(b.cap, 0);
	hpi_buf_fini(&b);
	hpi_buf_init(NULL);
	hpi_buf_fini(NULL);
	hpi_buf_puts(NULL, "x");
	hpi_buf_putc(NULL, 'x');
	hpi_buf_putn(NULL, "x", 1);
	hpi_buf_printf(NULL, "%d", 1);
	hpi_buf_json_str(NULL, "x");
}
END_TEST

START_TEST(test_append)
{
	hpi_buf b;

	hpi_buf_init(&b);
	hpi_buf_puts(&b, "hello");
	hpi_buf_putc(&b, ',');
	hpi_buf_putn(&b, " world!!!", 6);
	hpi_buf_puts(&b, NULL);
	hpi_buf_putn(&b, "", 0);
	ck_assert_str_eq(b.data, "hello, world");
	ck_assert_uint_eq(b.len, 12);
	hpi_buf_putc(&b, '\0'); /* bytes, not only text */
	ck_assert_uint_eq(b.len, 13);
	ck_assert_int_eq(memcmp(b.data, "hello, world\0", 14), 0);
	hpi_buf_fini(&b);
}
END_TEST

START_TEST(test_growth)
{
	hpi_buf b;
	size_t i;

	hpi_buf_init(&b);
	for (i = 0; i < 100000; i++)
		hpi_buf_putc(&b, (char)('a' + i % 26));
	ck_assert_uint_eq(b.len, 100000);
	ck_assert(b.cap > b.len);
	ck_assert_int_eq(b.data[b.len], '\0');
	for (i = 0; i < 100000; i++)
		ck_assert_int_eq(b.data[i], 'a' + i % 26);
	ck_assert(!b.failed);
	hpi_buf_fini(&b);
}
END_TEST

START_TEST(test_printf)
{
	char big[5000];
	hpi_buf b;

	memset(big, 'x', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	hpi_buf_init(&b);
	hpi_buf_printf(&b, "%d-%s", 42, "a");
	ck_assert_str_eq(b.data, "42-a");
	hpi_buf_printf(&b, "[%s]", big);
	ck_assert_uint_eq(b.len, 4 + 2 + 4999);
	ck_assert_int_eq(b.data[4], '[');
	ck_assert_int_eq(b.data[b.len - 1], ']');
	ck_assert_int_eq(b.data[b.len], '\0');
	hpi_buf_printf(&b, "%s", "");
	ck_assert_uint_eq(b.len, 5005);
	hpi_buf_printf(&b, "%.3f|%zu", 1.5, (size_t)7);
	ck_assert_str_eq(b.data + 5005, "1.500|7");
	hpi_buf_fini(&b);
}
END_TEST

START_TEST(test_failed_keeps_prefix)
{
	char src[200];
	/* volatile: GCC would otherwise warn of the memcpy on the branch the
	 * length rules out */
	volatile size_t huge = SIZE_MAX - 2;
	hpi_buf b;

	memset(src, 'y', sizeof(src));
	hpi_buf_init(&b);
	hpi_buf_puts(&b, "abc");
	ck_assert_uint_eq(b.cap, 64);
	/* an append no allocation can hold: the part that fits is kept */
	hpi_buf_putn(&b, src, huge);
	ck_assert(b.failed);
	ck_assert_uint_eq(b.len, 63);
	ck_assert_int_eq(memcmp(b.data, "abc", 3), 0);
	ck_assert_int_eq(b.data[62], 'y');
	ck_assert_int_eq(b.data[63], '\0');
	/* later appends change nothing: no hole in the output */
	hpi_buf_puts(&b, "zzz");
	hpi_buf_putc(&b, 'z');
	hpi_buf_printf(&b, "%d", 1);
	hpi_buf_json_str(&b, "q");
	ck_assert_uint_eq(b.len, 63);
	ck_assert_ptr_null(strchr(b.data, 'z'));
	hpi_buf_fini(&b);
	ck_assert(!b.failed);
}
END_TEST

/* s as a JSON literal; caller frees. */
static char *json_of(const char *s)
{
	hpi_buf b;

	hpi_buf_init(&b);
	hpi_buf_json_str(&b, s);
	return b.data;
}

/* Asserts that s escapes to exactly want. */
static void check_json(const char *s, const char *want)
{
	char *got = json_of(s);

	ck_assert_str_eq(got, want);
	free(got);
}

START_TEST(test_json_escapes)
{
	check_json("", "\"\"");
	check_json(NULL, "null");
	check_json("plain text/with slash", "\"plain text/with slash\"");
	check_json("q\"b\\", "\"q\\\"b\\\\\"");
	check_json("\n\t\r\b\f", "\"\\n\\t\\r\\b\\f\"");
	check_json("\x01\x1f\x0b\x1b", "\"\\u0001\\u001f\\u000b\\u001b\"");
	check_json("del\x7f", "\"del\x7f\"");
	check_json("a\"\x01z", "\"a\\\"\\u0001z\"");
}
END_TEST

START_TEST(test_json_utf8_valid)
{
	check_json("\xc2\xb5s", "\"\xc2\xb5s\"");                 /* U+00B5 */
	check_json("\xe2\x82\xac", "\"\xe2\x82\xac\"");           /* U+20AC */
	check_json("\xf0\x9f\x98\x80", "\"\xf0\x9f\x98\x80\"");   /* U+1F600 */
	check_json("\xed\x9f\xbf", "\"\xed\x9f\xbf\"");           /* U+D7FF */
	check_json("\xee\x80\x80", "\"\xee\x80\x80\"");           /* U+E000 */
	check_json("\xf4\x8f\xbf\xbf", "\"\xf4\x8f\xbf\xbf\"");   /* U+10FFFF */
	check_json("\xc2\x80", "\"\xc2\x80\"");                   /* U+0080 */
}
END_TEST

START_TEST(test_json_utf8_invalid)
{
	check_json("\x80", "\"" FFFD "\"");                       /* lone continuation */
	check_json("a\xff" "b", "\"a" FFFD "b\"");
	check_json("\xc0\xaf", "\"" FFFD FFFD "\"");              /* overlong '/' */
	check_json("\xe0\x80\xaf", "\"" FFFD FFFD FFFD "\"");     /* overlong */
	check_json("\xed\xa0\x80", "\"" FFFD FFFD FFFD "\"");     /* surrogate */
	check_json("\xf4\x90\x80\x80", "\"" FFFD FFFD FFFD FFFD "\""); /* > U+10FFFF */
	check_json("\xf5\x80", "\"" FFFD FFFD "\"");
	check_json("\xe2\x82", "\"" FFFD "\"");                   /* truncated at end */
	check_json("\xe2\x82" "A", "\"" FFFD "A\"");              /* truncated */
	check_json("\xf0\x9f\x98" "\"", "\"" FFFD "\\\"\"");
	check_json("\xc2\n", "\"" FFFD "\\n\"");
}
END_TEST

/* The strbuf suite. */
static Suite *strbuf_suite(void)
{
	Suite *s = suite_create("strbuf");
	TCase *tc;

	tc = tcase_create("buffer");
	tcase_set_timeout(tc, 10);
	tcase_add_test(tc, test_init_fini);
	tcase_add_test(tc, test_append);
	tcase_add_test(tc, test_growth);
	tcase_add_test(tc, test_printf);
	tcase_add_test(tc, test_failed_keeps_prefix);
	suite_add_tcase(s, tc);

	tc = tcase_create("json");
	tcase_set_timeout(tc, 10);
	tcase_add_test(tc, test_json_escapes);
	tcase_add_test(tc, test_json_utf8_valid);
	tcase_add_test(tc, test_json_utf8_invalid);
	suite_add_tcase(s, tc);
	return s;
}

/* Runs the suite (CK_FORK=no to debug); nonzero exit on failure. */
int main(void)
{
	SRunner *sr = srunner_create(strbuf_suite());
	int nf;

	srunner_run_all(sr, CK_ENV);
	nf = srunner_ntests_failed(sr);
	srunner_free(sr);
	return nf == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
