/* SPDX-License-Identifier: MIT */
/*
 * test_lua_json.c - JSON text to Lua values (core/lua_json.c): every kind
 * of value, escapes, integers against floats, and the exact reason and
 * byte of each kind of bad JSON.
 */
#include "config.h"

#include <check.h>
#include <stdlib.h>
#include <string.h>

#include <lauxlib.h>
#include <lua.h>
#include <lualib.h>

#include "hpi.h"

/* Writes a decoded value as "type:value", tables with sorted keys. */
static const char dump_lua[] =
	"local function dump(v)\n"
	"  if type(v) ~= 'table' then\n"
	"    return (math.type(v) or type(v)) .. ':' .. tostring(v)\n"
	"  end\n"
	"  local keys, out = {}, {}\n"
	"  for k in pairs(v) do keys[#keys + 1] = k end\n"
	"  table.sort(keys, function(a, b)\n"
	"    if type(a) ~= type(b) then return type(a) < type(b) end\n"
	"    return a < b\n"
	"  end)\n"
	"  for _, k in ipairs(keys) do\n"
	"    out[#out + 1] = (type(k) == 'string' and k or '[' .. k .. ']') .. '=' .. dump(v[k])\n"
	"  end\n"
	"  return '{' .. table.concat(out, ',') .. '}'\n"
	"end\n"
	"return dump(...)\n";

/* Decodes json and dumps the value, or returns "error: <why>"; caller frees. */
static char *decode(const char *json)
{
	lua_State *L = luaL_newstate();
	char why[160], *s;

	luaL_openlibs(L);
	ck_assert_int_eq(luaL_loadstring(L, dump_lua), LUA_OK);
	if (!hpi_lua_push_json(L, json, why, sizeof(why))) {
		ck_assert_int_eq(lua_gettop(L), 1); /* nothing left behind */
		lua_close(L);
		return hpi_asprintf("error: %s", why);
	}
	ck_assert_int_eq(lua_pcall(L, 1, 1, 0), LUA_OK);
	s = strdup(lua_tostring(L, -1));
	lua_close(L);
	return s;
}

/* Asserts the dump (or error) of json. */
static void check(const char *json, const char *want)
{
	char *got = decode(json);

	ck_assert_str_eq(got, want);
	free(got);
}

START_TEST(values)
{
	check("{}", "{}");
	check(" [ ] ", "{}");
	check("{\"a\": 1, \"b\": [true, false, null, \"x\"], \"c\": {\"d\": -2.5}}",
	      "{a=integer:1,b={[1]=boolean:true,[2]=boolean:false,[4]=string:x},"
	      "c={d=float:-2.5}}");
	check("{\"n\": null}", "{}");
	check("{\"k\": 1, \"k\": 2}", "{k=integer:2}");
	check("0", "integer:0");
	check("-0", "integer:0");
	check("9223372036854775807", "integer:9223372036854775807");
	check("9223372036854775808", "float:9.2233720368548e+18");
	check("1e3", "float:1000.0");
	check("1.5E-2", "float:0.015");
	check("true", "boolean:true");
	check("null", "nil:nil");
}
END_TEST

START_TEST(strings)
{
	check("\"a\\\"b\\\\c\\/d\\b\\f\\n\\r\\t\"", "string:a\"b\\c/d\b\f\n\r\t");
	check("\"\\u00b5 \\u20ac \\ud83d\\ude00\"", "string:\xc2\xb5 \xe2\x82\xac \xf0\x9f\x98\x80");
	check("\"\\ud83d alone\"", "string:\xef\xbf\xbd alone");
	check("\"\\u0041\"", "string:A");
	check("\"r\xc3\xa9sum\xc3\xa9\"", "string:r\xc3\xa9sum\xc3\xa9");
}
END_TEST

START_TEST(errors)
{
	check("", "error: unexpected end at byte 1");
	check("{", "error: expected a string key at byte 2");
	check("{\"a\" 1}", "error: expected ':' at byte 6");
	check("[1 2]", "error: expected ',' or a closing bracket at byte 4");
	check("[1,]", "error: unexpected character at byte 4");
	check("{\"a\":1,}", "error: expected a string key at byte 8");
	check("\"abc", "error: unterminated string at byte 5");
	check("\"a\nb\"", "error: control character in a string at byte 3");
	check("\"\\x\"", "error: bad escape at byte 3");
	check("\"\\u12g4\"", "error: bad escape at byte 3");
	check("01", "error: unexpected text after the value at byte 2");
	check("-", "error: bad number at byte 1");
	check("+1", "error: unexpected character at byte 1");
	check("1.", "error: unexpected text after the value at byte 2");
	check("nul", "error: unexpected character at byte 1");
	check("{} {}", "error: unexpected text after the value at byte 4");
}
END_TEST

/* Deeper than 64 levels is refused, not a stack overflow. */
START_TEST(depth)
{
	char deep[200], want[1200];
	size_t n = 0;

	memset(deep, '[', 65);
	memset(deep + 65, ']', 65);
	deep[130] = '\0';
	check(deep, "error: nested too deep at byte 65");
	deep[64] = '1'; /* 64 levels around a 1 */
	deep[129] = '\0';
	for (int i = 0; i < 64; i++)
		n += (size_t)snprintf(want + n, sizeof(want) - n, "{[1]=");
	n += (size_t)snprintf(want + n, sizeof(want) - n, "integer:1");
	for (int i = 0; i < 64; i++)
		want[n++] = '}';
	want[n] = '\0';
	check(deep, want);
}
END_TEST

static Suite *lua_json_suite(void)
{
	Suite *s = suite_create("lua_json");
	TCase *tc = tcase_create("decode");

	tcase_set_timeout(tc, 10);
	tcase_add_test(tc, values);
	tcase_add_test(tc, strings);
	tcase_add_test(tc, errors);
	tcase_add_test(tc, depth);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(lua_json_suite());
	int nf;

	srunner_run_all(sr, CK_ENV);
	nf = srunner_ntests_failed(sr);
	srunner_free(sr);
	return nf == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
