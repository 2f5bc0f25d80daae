/* SPDX-License-Identifier: MIT */
/*
 * test_json.c - the one JSON reader (core/json.c): values and how to walk
 * them, strings and escapes, numbers at and past their limits, the exact
 * reason and byte of each kind of bad text, the report loaders' jansson
 * wording, and the bounds that keep network input harmless.
 */
#include "config.h"

#include <check.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hpi.h"
#include "json.h"

/* Parses a C string with flags; asserts it is read. */
static hpi_json *parse_ok(const char *text, unsigned flags)
{
	hpi_json_err e;
	hpi_json *d = hpi_json_parse(text, strlen(text), flags, 0, &e);

	ck_assert_msg(d != NULL, "%s: %s", text, e.text);
	ck_assert_int_eq(e.code, HPI_JSON_OK);
	return d;
}

/* Asserts that text is refused with code and "<message> at byte N". */
static void parse_bad(const char *text, size_t len, unsigned flags, hpi_json_code code,
		      const char *want)
{
	hpi_json_err e;

	ck_assert_ptr_null(hpi_json_parse(text, len, flags, 0, &e));
	ck_assert_msg(e.code == code, "%s: code %d, not %d (%s)", text, e.code, code, e.text);
	ck_assert_str_eq(e.text, want);
}

/* Asserts the report loaders' message for text. */
static void context(const char *text, unsigned flags, const char *want)
{
	hpi_json_err e;
	char *got;

	ck_assert_ptr_null(hpi_json_parse(text, strlen(text), flags, 0, &e));
	got = hpi_json_err_context(text, strlen(text), &e);
	ck_assert_str_eq(got, want);
	free(got);
}

START_TEST(values)
{
	hpi_json *d = parse_ok(" {\"a\": 1, \"b\": [true, false, null, \"x\", {}], \"c\": {\"d\": -2.5},"
			       " \"e\": []} ", 0);
	const hpi_jv *r = hpi_json_root(d), *b, *v;
	size_t n = 0;

	ck_assert_int_eq(hpi_json_typeof(r), HPI_JSON_OBJECT);
	ck_assert_uint_eq(hpi_json_size(r), 4);
	ck_assert_int_eq(hpi_json_get(r, "a")->type, HPI_JSON_INT);
	ck_assert_int_eq(hpi_json_get(r, "a")->v.i, 1);
	b = hpi_json_get(r, "b");
	ck_assert_uint_eq(hpi_json_size(b), 5);
	ck_assert_int_eq(hpi_json_at(b, 0)->type, HPI_JSON_TRUE);
	ck_assert_int_eq(hpi_json_at(b, 1)->type, HPI_JSON_FALSE);
	ck_assert_int_eq(hpi_json_at(b, 2)->type, HPI_JSON_NULL);
	ck_assert_str_eq(hpi_json_str(hpi_json_at(b, 3)), "x");
	ck_assert_int_eq(hpi_json_at(b, 4)->type, HPI_JSON_OBJECT);
	ck_assert_ptr_null(hpi_json_at(b, 5));
	ck_assert_ptr_null(hpi_json_first(hpi_json_at(b, 4)));
	ck_assert(hpi_json_num(hpi_json_get(hpi_json_get(r, "c"), "d")) == -2.5);
	ck_assert_int_eq(hpi_json_get(r, "e")->type, HPI_JSON_ARRAY);
	ck_assert_ptr_null(hpi_json_get(r, "zz"));
	ck_assert_ptr_null(hpi_json_get(b, "a")); /* not an object */
	/* members in order, keys kept, siblings past nested values */
	HPI_JSON_FOREACH(r, m) {
		static const char *const keys[] = {"a", "b", "c", "e"};

		ck_assert_str_eq(m->key, keys[n]);
		n++;
	}
	ck_assert_uint_eq(n, 4);
	n = 0;
	HPI_JSON_FOREACH(b, m) {
		ck_assert_ptr_null(m->key);
		n++;
	}
	ck_assert_uint_eq(n, 5);
	hpi_json_free(d);

	/* a key twice: the last one wins, as in jansson and Lua */
	d = parse_ok("{\"k\": 1, \"k\": 2}", 0);
	ck_assert_int_eq(hpi_json_get(hpi_json_root(d), "k")->v.i, 2);
	hpi_json_free(d);
	/* any value at the top unless the caller asks for a container */
	d = parse_ok("\"s\"", 0);
	ck_assert_str_eq(hpi_json_str(hpi_json_root(d)), "s");
	hpi_json_free(d);
	d = parse_ok("null", 0);
	v = hpi_json_root(d);
	ck_assert_int_eq(v->type, HPI_JSON_NULL);
	hpi_json_free(d);
	hpi_json_free(NULL);
}
END_TEST

START_TEST(strings)
{
	hpi_json *d = parse_ok("[\"a\\\"b\\\\c\\/d\\b\\f\\n\\r\\t\", \"\\u00b5 \\u20AC \\ud83d\\ude00\","
			       " \"r\xc3\xa9sum\xc3\xa9 \xf0\x9f\x98\x80\", \"\"]", 0);
	const hpi_jv *r = hpi_json_root(d);

	ck_assert_str_eq(hpi_json_str(hpi_json_at(r, 0)), "a\"b\\c/d\b\f\n\r\t");
	ck_assert_str_eq(hpi_json_str(hpi_json_at(r, 1)), "\xc2\xb5 \xe2\x82\xac \xf0\x9f\x98\x80");
	ck_assert_uint_eq(hpi_json_at(r, 1)->n, 2 + 1 + 3 + 1 + 4);
	ck_assert_str_eq(hpi_json_str(hpi_json_at(r, 2)), "r\xc3\xa9sum\xc3\xa9 \xf0\x9f\x98\x80");
	ck_assert_str_eq(hpi_json_str(hpi_json_at(r, 3)), "");
	hpi_json_free(d);

	/* surrogates: a pair is one code point; alone, refused or U+FFFD */
	d = parse_ok("\"\\uD834\\uDD1E\"", 0);
	ck_assert_str_eq(hpi_json_str(hpi_json_root(d)), "\xf0\x9d\x84\x9e");
	hpi_json_free(d);
	parse_bad("\"ab\\ud83d alone\"", 16, 0, HPI_JSON_E_SURROGATE,
		  "lone surrogate in a \\u escape at byte 5");
	parse_bad("\"\\ude00\"", 8, 0, HPI_JSON_E_SURROGATE,
		  "lone surrogate in a \\u escape at byte 3");
	parse_bad("\"\\ud83d\\u0041\"", 14, 0, HPI_JSON_E_SURROGATE,
		  "lone surrogate in a \\u escape at byte 3");
	d = parse_ok("[\"\\ud83d alone\", \"\\ude00\", \"\\ud83d\\u0041\"]", HPI_JSON_LOOSE);
	ck_assert_str_eq(hpi_json_str(hpi_json_at(hpi_json_root(d), 0)), "\xef\xbf\xbd alone");
	ck_assert_str_eq(hpi_json_str(hpi_json_at(hpi_json_root(d), 1)), "\xef\xbf\xbd");
	ck_assert_str_eq(hpi_json_str(hpi_json_at(hpi_json_root(d), 2)), "\xef\xbf\xbd" "A");
	hpi_json_free(d);

	/* \u0000: refused, except by Lua's reading (not in a key) */
	parse_bad("\"a\\u0000b\"", 10, 0, HPI_JSON_E_NUL, "\\u0000 in a string at byte 4");
	d = parse_ok("\"a\\u0000b\"", HPI_JSON_LOOSE);
	ck_assert_uint_eq(hpi_json_root(d)->n, 3);
	ck_assert_int_eq(memcmp(hpi_json_str(hpi_json_root(d)), "a\0b", 4), 0);
	hpi_json_free(d);
	parse_bad("{\"a\\u0000\": 1}", 14, HPI_JSON_LOOSE, HPI_JSON_E_KEY_NUL,
		  "\\u0000 in an object key at byte 2");

	/* UTF-8 is checked: overlong, surrogate, past U+10FFFF, cut short */
	parse_bad("\"ab\xc0\x80\"", 6, 0, HPI_JSON_E_UTF8, "invalid UTF-8 at byte 4");
	parse_bad("\"\xed\xa0\x80\"", 5, 0, HPI_JSON_E_UTF8, "invalid UTF-8 at byte 2");
	parse_bad("\"\xf4\x90\x80\x80\"", 6, 0, HPI_JSON_E_UTF8, "invalid UTF-8 at byte 2");
	parse_bad("\"\xf5\x80\x80\x80\"", 6, 0, HPI_JSON_E_UTF8, "invalid UTF-8 at byte 2");
	parse_bad("\"\xe2\x82\"", 4, 0, HPI_JSON_E_UTF8, "invalid UTF-8 at byte 2");
	parse_bad("\"\xe2\x82", 3, 0, HPI_JSON_E_UTF8, "invalid UTF-8 at byte 2");
	parse_bad("\"\x80\"", 3, 0, HPI_JSON_E_UTF8, "invalid UTF-8 at byte 2");
	parse_bad("\xc3\xa9", 2, 0, HPI_JSON_E_CHAR, "unexpected character at byte 1");
	d = parse_ok("\"\x80\xff\"", HPI_JSON_LOOSE); /* Lua's strings are bytes */
	ck_assert_str_eq(hpi_json_str(hpi_json_root(d)), "\x80\xff");
	hpi_json_free(d);

	/* a NUL byte inside the text is a control character, not its end */
	parse_bad("{\"cmd\":\"a\0b\"}", 13, 0, HPI_JSON_E_CONTROL,
		  "control character in a string at byte 10");
	parse_bad("[1]\0", 4, 0, HPI_JSON_E_TRAILING, "unexpected text after the value at byte 4");
}
END_TEST

START_TEST(numbers)
{
	hpi_json *d = parse_ok("[0, -0, 9223372036854775807, -9223372036854775808, 1e3, 1.5E-2,"
			       " 0.1, -2.5e-3, 123456789012345678901234567890.5, 1e308, 5e-324,"
			       " 1E+2, 0.30000000000000004]", 0);
	const hpi_jv *r = hpi_json_root(d);

	ck_assert_int_eq(hpi_json_at(r, 0)->type, HPI_JSON_INT);
	ck_assert_int_eq(hpi_json_at(r, 1)->type, HPI_JSON_INT);
	ck_assert_int_eq(hpi_json_at(r, 1)->v.i, 0);
	ck_assert(hpi_json_at(r, 2)->v.i == INT64_MAX);
	ck_assert(hpi_json_at(r, 3)->v.i == INT64_MIN);
	ck_assert_int_eq(hpi_json_at(r, 4)->type, HPI_JSON_REAL);
	ck_assert(hpi_json_at(r, 4)->v.d == 1000.0);
	ck_assert(hpi_json_at(r, 5)->v.d == 0.015);
	ck_assert(hpi_json_at(r, 6)->v.d == 0.1);
	ck_assert(hpi_json_at(r, 7)->v.d == -2.5e-3);
	ck_assert(hpi_json_at(r, 8)->v.d == 123456789012345678901234567890.5);
	ck_assert(hpi_json_at(r, 9)->v.d == 1e308);
	ck_assert(hpi_json_at(r, 10)->v.d == 5e-324);
	ck_assert(hpi_json_at(r, 11)->v.d == 100.0);
	ck_assert(hpi_json_at(r, 12)->v.d == 0.30000000000000004);
	hpi_json_free(d);

	/* past int64 and double: refused, or (Lua) a real and infinity */
	parse_bad("[9223372036854775808]", 21, 0, HPI_JSON_E_BIG_INT,
		  "integer out of range at byte 2");
	parse_bad("-9223372036854775809", 20, 0, HPI_JSON_E_BIG_INT,
		  "integer out of range at byte 1");
	parse_bad("99999999999999999999999", 23, 0, HPI_JSON_E_BIG_INT,
		  "integer out of range at byte 1");
	parse_bad("[1, 1e309]", 10, 0, HPI_JSON_E_BIG_REAL, "number out of range at byte 5");
	d = parse_ok("[9223372036854775808, -1e309, 18446744073709551616]", HPI_JSON_LOOSE);
	r = hpi_json_root(d);
	ck_assert_int_eq(hpi_json_at(r, 0)->type, HPI_JSON_REAL);
	ck_assert(hpi_json_at(r, 0)->v.d == 9223372036854775808.0);
	ck_assert(isinf(hpi_json_at(r, 1)->v.d) && hpi_json_at(r, 1)->v.d < 0);
	ck_assert(hpi_json_at(r, 2)->v.d == 18446744073709551616.0);
	hpi_json_free(d);

	/* what is no JSON number */
	parse_bad("-", 1, 0, HPI_JSON_E_NUMBER, "bad number at byte 1");
	parse_bad("[-a]", 4, 0, HPI_JSON_E_NUMBER, "bad number at byte 2");
	parse_bad("+1", 2, 0, HPI_JSON_E_CHAR, "unexpected character at byte 1");
	parse_bad("01", 2, 0, HPI_JSON_E_TRAILING, "unexpected text after the value at byte 2");
	parse_bad("1.", 2, 0, HPI_JSON_E_TRAILING, "unexpected text after the value at byte 2");
	parse_bad("[1e]", 4, 0, HPI_JSON_E_ARR_END, "expected ',' or a closing bracket at byte 3");
	parse_bad(".5", 2, 0, HPI_JSON_E_CHAR, "unexpected character at byte 1");
}
END_TEST

/* Reals read with the quick path and with strtod agree, bit for bit. */
START_TEST(reals_exact)
{
	char text[64];
	unsigned seed = 12345;

	for (int i = 0; i < 20000; i++) {
		hpi_json *d;
		unsigned long long m;
		int e;

		seed = seed * 1103515245u + 12345u;
		m = ((unsigned long long)seed << 20 ^ (unsigned long long)(seed >> 3)) % 1000000000000000ull;
		seed = seed * 1103515245u + 12345u;
		e = (int)(seed >> 16) % 60 - 30;
		snprintf(text, sizeof(text), "%s%llu.%03de%d", i % 3 ? "" : "-", m, i % 1000, e);
		d = parse_ok(text, 0);
		ck_assert_msg(hpi_json_root(d)->v.d == strtod(text, NULL), "%s", text);
		hpi_json_free(d);
	}
}
END_TEST

START_TEST(errors)
{
	parse_bad("", 0, 0, HPI_JSON_E_END, "unexpected end at byte 1");
	parse_bad("  ", 2, 0, HPI_JSON_E_END, "unexpected end at byte 3");
	parse_bad("[1,", 3, 0, HPI_JSON_E_ARR_EOF, "unexpected end at byte 4");
	parse_bad("{\"a\":", 5, 0, HPI_JSON_E_END, "unexpected end at byte 6");
	parse_bad("{", 1, 0, HPI_JSON_E_KEY, "expected a string key at byte 2");
	parse_bad("{\"a\" 1}", 7, 0, HPI_JSON_E_COLON, "expected ':' at byte 6");
	parse_bad("{\"a\":1 \"b\":2}", 13, 0, HPI_JSON_E_OBJ_END,
		  "expected ',' or a closing bracket at byte 8");
	parse_bad("[1 2]", 5, 0, HPI_JSON_E_ARR_END, "expected ',' or a closing bracket at byte 4");
	parse_bad("[1,]", 4, 0, HPI_JSON_E_TOKEN, "unexpected character at byte 4");
	parse_bad("{\"a\":1,}", 8, 0, HPI_JSON_E_KEY, "expected a string key at byte 8");
	parse_bad("{1:2}", 5, 0, HPI_JSON_E_KEY, "expected a string key at byte 2");
	parse_bad("\"abc", 4, 0, HPI_JSON_E_UNTERMINATED, "unterminated string at byte 5");
	parse_bad("\"abc\\", 5, 0, HPI_JSON_E_UNTERMINATED, "unterminated string at byte 6");
	parse_bad("\"a\nb\"", 5, 0, HPI_JSON_E_CONTROL, "control character in a string at byte 3");
	parse_bad("\"\\x\"", 4, 0, HPI_JSON_E_ESCAPE, "bad escape at byte 3");
	parse_bad("\"\\u12g4\"", 8, 0, HPI_JSON_E_ESCAPE, "bad escape at byte 3");
	parse_bad("\"\\u12", 5, 0, HPI_JSON_E_ESCAPE, "bad escape at byte 3");
	parse_bad("nul", 3, 0, HPI_JSON_E_CHAR, "unexpected character at byte 1");
	parse_bad("[truth]", 7, 0, HPI_JSON_E_CHAR, "unexpected character at byte 2");
	parse_bad("{} {}", 5, 0, HPI_JSON_E_TRAILING, "unexpected text after the value at byte 4");
	parse_bad("]", 1, 0, HPI_JSON_E_TOKEN, "unexpected character at byte 1");
	parse_bad("\"s\"", 3, HPI_JSON_TOP_CONTAINER, HPI_JSON_E_TOP,
		  "expected an object or an array at byte 1");
	parse_bad("{\"a\":1,\"b\":{\"a\":2},\"a\":3}", 25, HPI_JSON_NO_DUP_KEYS,
		  HPI_JSON_E_DUP_KEY, "duplicate object key at byte 20");
}
END_TEST

/* The report loaders print what jansson printed for the same text. */
START_TEST(jansson_wording)
{
	char trunc[300];

	context("this is not JSON\n", HPI_JSON_TOP_CONTAINER,
		"1:4: invalid JSON: '[' or '{' expected near 'this'");
	snprintf(trunc, sizeof(trunc), "{\"type\":\"hotpath_report\",\"sections\":[{\"id\":\"functio");
	context(trunc, HPI_JSON_TOP_CONTAINER,
		"1:51: truncated JSON: premature end of input near '\"functio'");
	context("[1,", 0, "1:3: truncated JSON: ']' expected near end of file");
	context("{\"a\":", 0, "1:5: truncated JSON: unexpected token near end of file");
	context("{\"a\":1", 0, "1:6: truncated JSON: '}' expected near end of file");
	context("{\"type\":1,\n\"sections\": [", 0,
		"2:13: truncated JSON: ']' expected near end of file");
	context("{\"a\": tru}", 0, "1:9: invalid JSON: invalid token near 'tru'");
	context("{}\n{}", 0, "2:1: invalid JSON: end of file expected near '{'");
	context("{\n  \"a\": 1\n  \"b\": 2\n}", 0, "3:5: invalid JSON: '}' expected near '\"b\"'");
	context("{\"a\" 1}", 0, "1:6: invalid JSON: ':' expected near '1'");
	context("[1, nope]", 0, "1:8: invalid JSON: invalid token near 'nope'");
	context("[1, ]", 0, "1:5: invalid JSON: unexpected token near ']'");
	context("{\"a\":1,\"a\":2}", HPI_JSON_NO_DUP_KEYS,
		"1:10: invalid JSON: duplicate object key near '\"a\"'");
	context("[\"\\q\"]", 0, "1:4: invalid JSON: invalid escape near '\"\\q'");
	context("[\"a\nb\"]", 0, "1:3: invalid JSON: unexpected newline near '\"a'");
	context("[\"\xc3\xa9\", 99999999999999999999]", 0,
		"1:26: invalid JSON: too big integer near '99999999999999999999'");
	context("[-99999999999999999999]", 0,
		"1:22: invalid JSON: too big negative integer");
	context("{} x", 0, "1:4: invalid JSON: end of file expected near 'x'");
}
END_TEST

/* Nesting is bounded and never uses the C stack. */
START_TEST(depth)
{
	size_t n = 200000;
	char *deep = malloc(2 * n + 1);
	hpi_json_err e;
	hpi_json *d;

	memset(deep, '[', 65);
	memset(deep + 65, ']', 65);
	ck_assert_ptr_null(hpi_json_parse(deep, 130, 0, 64, &e));
	ck_assert_str_eq(e.text, "nested too deep at byte 65");
	d = hpi_json_parse(deep + 1, 128, 0, 64, &e);
	ck_assert_ptr_nonnull(d);
	ck_assert_uint_eq(hpi_json_root(d)->skip, 64);
	hpi_json_free(d);

	memset(deep, '[', n);
	memset(deep + n, ']', n);
	ck_assert_ptr_null(hpi_json_parse(deep, 2 * n, 0, 0, &e));
	ck_assert_int_eq(e.code, HPI_JSON_E_DEEP);
	ck_assert_uint_eq(e.at, HPI_JSON_MAX_DEPTH);
	d = hpi_json_parse(deep + n - HPI_JSON_MAX_DEPTH, 2 * HPI_JSON_MAX_DEPTH, 0, 0, &e);
	ck_assert_ptr_nonnull(d);
	hpi_json_free(d);
	for (size_t i = 0; i < 150; i++) /* objects too: {"a":{"a":...1}} */
		memcpy(deep + 5 * i, "{\"a\":", 5);
	deep[750] = '1';
	memset(deep + 751, '}', 150);
	ck_assert_ptr_null(hpi_json_parse(deep, 901, 0, 100, &e));
	ck_assert_int_eq(e.code, HPI_JSON_E_DEEP);
	ck_assert_uint_eq(e.at, 500);
	d = hpi_json_parse(deep, 901, 0, 150, &e);
	ck_assert_ptr_nonnull(d);
	ck_assert_uint_eq(hpi_json_root(d)->skip, 151);
	hpi_json_free(d);
	free(deep);
}
END_TEST

/* A document as big as a console message: 10,000 rows of 9 members. */
START_TEST(big)
{
	hpi_buf b;
	hpi_json *d;
	hpi_json_err e;
	const hpi_jv *rows;
	size_t n = 0;

	hpi_buf_init(&b);
	hpi_buf_puts(&b, "{\"rows\":[");
	for (int i = 0; i < 10000; i++)
		hpi_buf_printf(&b, "%s{\"name\":\"f_%05d\",\"a\":%d,\"b\":%d.5,\"c\":null,\"d\":true,"
			       "\"e\":[1,2],\"f\":{},\"g\":\"\\u00b5s\",\"h\":-%d}", i ? "," : "",
			       i, i, i, i);
	hpi_buf_puts(&b, "],\"after\":1}");
	d = hpi_json_parse(b.data, b.len, HPI_JSON_NO_DUP_KEYS, 0, &e);
	ck_assert_msg(d != NULL, "%s", e.text);
	rows = hpi_json_get(hpi_json_root(d), "rows");
	ck_assert_uint_eq(hpi_json_size(rows), 10000);
	HPI_JSON_FOREACH(rows, r) {
		char want[16];

		snprintf(want, sizeof(want), "f_%05zu", n);
		ck_assert_str_eq(hpi_json_str(hpi_json_get(r, "name")), want);
		ck_assert_int_eq(hpi_json_get(r, "h")->v.i, -(int64_t)n);
		ck_assert(hpi_json_num(hpi_json_get(r, "b")) == (double)n + 0.5);
		ck_assert_str_eq(hpi_json_str(hpi_json_get(r, "g")), "\xc2\xb5s");
		n++;
	}
	ck_assert_uint_eq(n, 10000);
	ck_assert_int_eq(hpi_json_get(hpi_json_root(d), "after")->v.i, 1);
	hpi_json_free(d);
	hpi_buf_fini(&b);
}
END_TEST

/* Every prefix of a valid text is refused cleanly (the fuzz corpus's
 * first lesson: truncated messages), and every one-byte change is read or
 * refused without a fault. */
START_TEST(prefixes)
{
	static const char text[] = "{\"a\":[1,-2.5e3,\"x\\u00e9\\ud83d\\ude00\",true,null],"
				   "\"b\":{\"c\":\"\xc3\xa9\"},\"d\":false}";
	size_t len = strlen(text);
	char copy[sizeof(text)];
	hpi_json_err e;
	hpi_json *d;

	for (size_t i = 0; i < len; i++) {
		ck_assert_ptr_null(hpi_json_parse(text, i, 0, 0, &e));
		ck_assert_msg(e.at <= i, "prefix %zu: fault at %zu", i, e.at);
	}
	for (size_t i = 0; i < len; i++) {
		for (int c = 0; c < 256; c += 7) {
			memcpy(copy, text, sizeof(text));
			copy[i] = (char)c;
			hpi_json_free(hpi_json_parse(copy, len, 0, 0, &e));
			hpi_json_free(hpi_json_parse(copy, len, HPI_JSON_LOOSE | HPI_JSON_NO_DUP_KEYS,
						     3, &e));
		}
	}
	d = hpi_json_parse(text, len, 0, 0, &e);
	ck_assert_ptr_nonnull(d);
	hpi_json_free(d);
}
END_TEST

/* ---- writing (json_write.c) ------------------------------------------- */

/* text read and written back compactly (omit: the root's members left out). */
static char *rewrite(const char *text, int prec, const char *const *omit)
{
	hpi_json *d = parse_ok(text, 0);
	hpi_buf b;
	hpi_jw w = hpi_jw_make(&b, prec);
	char *out;

	hpi_buf_init(&b);
	hpi_jw_value(&w, hpi_json_root(d), omit);
	ck_assert(!b.failed);
	out = strdup(b.data ? b.data : "");
	hpi_buf_fini(&b);
	hpi_json_free(d);
	return out;
}

#define REWRITES(text, prec, want)                          \
	do {                                                \
		char *got_ = rewrite((text), (prec), NULL); \
		ck_assert_str_eq(got_, (want));             \
		free(got_);                                 \
	} while (0)

/* Values read come back in document order, compact, with the escapes of
 * hpi_buf_json_str and reals as jansson wrote them (hotpath mcp's replies
 * kept their bytes when it moved off jansson). */
START_TEST(write_back)
{
	static const char *const omit[] = {"hist", "log", NULL};
	char *got;

	REWRITES("{ \"b\" : [1, -2, {}, [], [[]], {\"x\": null}], \"a\": true, \"c\": false }", 0,
		 "{\"b\":[1,-2,{},[],[[]],{\"x\":null}],\"a\":true,\"c\":false}");
	REWRITES("[\"q\\\"b\\\\s\\/\\n\\u0001\\u00e9\\ud83d\\ude00\"]", 0,
		 "[\"q\\\"b\\\\s/\\n\\u0001\xc3\xa9\xf0\x9f\x98\x80\"]");
	/* reals: a ".0" when they read as an integer, no '+' nor leading
	 * zeros in exponents; 17 digits by default, fewer when asked */
	REWRITES("[1.0, 0.5, -2.5e-7, 1e20, 1.5e300, 0.1, 123456789.123]", 0,
		 "[1.0,0.5,-2.4999999999999999e-7,1e20,1.5000000000000001e300,0.10000000000000001,"
		 "123456789.123]");
	REWRITES("[1.0, 0.1, 2.5e-7, 1e20, 123456789012.5, 99.9]", 10,
		 "[1.0,0.1,2.5e-7,1e20,1.23456789e11,99.9]");
	REWRITES("[9223372036854775807, -9223372036854775808]", 0,
		 "[9223372036854775807,-9223372036854775808]");
	/* the root's own members left out, not those of nested objects */
	got = rewrite("{\"hist\":[1],\"name\":\"f\",\"log\":{\"hist\":2},\"row\":{\"log\":[]}}", 0,
		      omit);
	ck_assert_str_eq(got, "{\"name\":\"f\",\"row\":{\"log\":[]}}");
	free(got);
}
END_TEST

/* Pieces: commas go between values and members only, keys take theirs;
 * NULL strings and values are null, and so are reals that are not finite. */
START_TEST(write_pieces)
{
	hpi_buf b;
	hpi_jw w = hpi_jw_make(&b, 10);

	hpi_buf_init(&b);
	hpi_jw_open(&w, '{');
	hpi_jw_kstr(&w, "s", "x");
	hpi_jw_kint(&w, "i", -7);
	hpi_jw_key(&w, "a");
	hpi_jw_open(&w, '[');
	hpi_jw_real(&w, NAN);
	hpi_jw_real(&w, INFINITY);
	hpi_jw_real(&w, 2.0);
	hpi_jw_str(&w, NULL);
	hpi_jw_bool(&w, true);
	hpi_jw_open(&w, '{');
	hpi_jw_close(&w, '}');
	hpi_jw_raw(&w, "[1]", 3);
	hpi_jw_close(&w, ']');
	hpi_jw_kvalue(&w, "v", NULL);
	hpi_jw_key(&w, "e");
	hpi_jw_open(&w, '[');
	hpi_jw_close(&w, ']');
	hpi_jw_close(&w, '}');
	ck_assert_str_eq(b.data, "{\"s\":\"x\",\"i\":-7,\"a\":[null,null,2.0,null,true,{},[1]],"
			 "\"v\":null,\"e\":[]}");
	hpi_buf_fini(&b);
}
END_TEST

/* As deep as the reader goes, written back without recursion. */
START_TEST(write_deep)
{
	size_t n = HPI_JSON_MAX_DEPTH;
	char *text = malloc(2 * n + 1), *got;

	ck_assert_ptr_nonnull(text);
	memset(text, '[', n);
	memset(text + n, ']', n);
	text[2 * n] = '\0';
	got = rewrite(text, 0, NULL);
	ck_assert_str_eq(got, text);
	free(got);
	free(text);
}
END_TEST

static Suite *json_suite(void)
{
	Suite *s = suite_create("json");
	TCase *tc = tcase_create("read");

	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, values);
	tcase_add_test(tc, strings);
	tcase_add_test(tc, numbers);
	tcase_add_test(tc, reals_exact);
	tcase_add_test(tc, errors);
	tcase_add_test(tc, jansson_wording);
	tcase_add_test(tc, depth);
	tcase_add_test(tc, big);
	tcase_add_test(tc, prefixes);
	suite_add_tcase(s, tc);
	tc = tcase_create("write");
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, write_back);
	tcase_add_test(tc, write_pieces);
	tcase_add_test(tc, write_deep);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(json_suite());
	int nf;

	srunner_run_all(sr, CK_ENV);
	nf = srunner_ntests_failed(sr);
	srunner_free(sr);
	return nf == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
