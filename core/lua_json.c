/* SPDX-License-Identifier: MIT */
/*
 * lua_json.c - JSON text to Lua values, for a reporter's options (kept as
 * JSON by config.c, given as JSON to `hotpath report`) and for
 * hotpath.json_decode.  RFC 8259: objects become tables with string keys,
 * arrays sequences, numbers integers when they have no fraction or
 * exponent and fit, null leaves the member out.
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <stdio.h>
#include <string.h>

#include <lauxlib.h>
#include <lua.h>

#include "hpi.h"

#define JSON_MAX_DEPTH 64 /* deeper nesting is refused */

typedef struct json_rd {
	const char *p, *start;
	char *why;
	size_t len;
	int depth;
} json_rd;

static bool json_value(lua_State *L, json_rd *j);

/* Notes what is wrong and where; returns false. */
static bool json_fail(json_rd *j, const char *what)
{
	snprintf(j->why, j->len, "%s at byte %zu", what, (size_t)(j->p - j->start) + 1);
	return false;
}

/* The value of 4 hex digits at p, or -1. */
static long json_hex4(const char *p)
{
	long v = 0;

	for (int i = 0; i < 4; i++) {
		int c = p[i];

		if (c >= '0' && c <= '9')
			v = v * 16 + (c - '0');
		else if ((c | 0x20) >= 'a' && (c | 0x20) <= 'f')
			v = v * 16 + ((c | 0x20) - 'a' + 10);
		else
			return -1;
	}
	return v;
}

/* Adds code point cp as UTF-8; a lone surrogate becomes U+FFFD. */
static void json_utf8(luaL_Buffer *b, long cp)
{
	if (cp >= 0xd800 && cp <= 0xdfff)
		cp = 0xfffd;
	if (cp < 0x80) {
		luaL_addchar(b, (char)cp);
	} else if (cp < 0x800) {
		luaL_addchar(b, (char)(0xc0 | (cp >> 6)));
		luaL_addchar(b, (char)(0x80 | (cp & 0x3f)));
	} else if (cp < 0x10000) {
		luaL_addchar(b, (char)(0xe0 | (cp >> 12)));
		luaL_addchar(b, (char)(0x80 | ((cp >> 6) & 0x3f)));
		luaL_addchar(b, (char)(0x80 | (cp & 0x3f)));
	} else {
		luaL_addchar(b, (char)(0xf0 | (cp >> 18)));
		luaL_addchar(b, (char)(0x80 | ((cp >> 12) & 0x3f)));
		luaL_addchar(b, (char)(0x80 | ((cp >> 6) & 0x3f)));
		luaL_addchar(b, (char)(0x80 | (cp & 0x3f)));
	}
}

/* One escape after a backslash (j->p at the letter). */
static bool json_escape(luaL_Buffer *b, json_rd *j)
{
	static const char from[] = "\"\\/bfnrt", to[] = "\"\\/\b\f\n\r\t";
	const char *e = *j->p ? strchr(from, *j->p) : NULL;
	long cp, lo;

	if (e != NULL) {
		luaL_addchar(b, to[e - from]);
		j->p++;
		return true;
	}
	if (*j->p != 'u' || (cp = json_hex4(j->p + 1)) < 0)
		return json_fail(j, "bad escape");
	j->p += 5;
	if (cp >= 0xd800 && cp <= 0xdbff && j->p[0] == '\\' && j->p[1] == 'u' &&
	    (lo = json_hex4(j->p + 2)) >= 0xdc00 && lo <= 0xdfff) {
		cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
		j->p += 6;
	}
	json_utf8(b, cp);
	return true;
}

/* A string literal (j->p at the quote) as a Lua string. */
static bool json_string(lua_State *L, json_rd *j)
{
	luaL_Buffer b;
	const char *run;

	j->p++;
	luaL_buffinit(L, &b);
	for (;;) {
		for (run = j->p; (unsigned char)*j->p >= 0x20 && *j->p != '"' && *j->p != '\\';)
			j->p++;
		luaL_addlstring(&b, run, (size_t)(j->p - run));
		if (*j->p == '"')
			break;
		if (*j->p != '\\')
			return json_fail(j, *j->p ? "control character in a string" :
					 "unterminated string");
		j->p++;
		if (!json_escape(&b, j))
			return false;
	}
	j->p++;
	luaL_pushresult(&b);
	return true;
}

/* A number: an integer when it has no fraction or exponent and fits. */
static bool json_number(lua_State *L, json_rd *j)
{
	const char *p = j->p + (*j->p == '-');
	char tok[400];
	size_t n;

	if (*p == '0')
		p++;
	else if (*p >= '1' && *p <= '9')
		p += strspn(p, "0123456789");
	else
		return json_fail(j, "bad number");
	if (*p == '.' && strspn(p + 1, "0123456789") > 0)
		p += 1 + strspn(p + 1, "0123456789");
	if ((*p == 'e' || *p == 'E') && strspn(p + 1 + (p[1] == '+' || p[1] == '-'),
					       "0123456789") > 0) {
		p += 1 + (p[1] == '+' || p[1] == '-');
		p += strspn(p, "0123456789");
	}
	if ((n = (size_t)(p - j->p)) >= sizeof(tok))
		return json_fail(j, "number too long");
	memcpy(tok, j->p, n);
	tok[n] = '\0';
	if (lua_stringtonumber(L, tok) == 0)
		return json_fail(j, "bad number");
	j->p = p;
	return true;
}

/* An object or array (j->p at the bracket); null members are left out. */
static bool json_container(lua_State *L, json_rd *j)
{
	bool obj = *j->p == '{';
	char end = obj ? '}' : ']';
	lua_Integer i = 0;

	if (++j->depth > JSON_MAX_DEPTH)
		return json_fail(j, "nested too deep");
	luaL_checkstack(L, 6, NULL);
	lua_newtable(L);
	j->p++;
	j->p += strspn(j->p, " \t\r\n");
	while (*j->p != end) {
		if (i > 0 && *j->p != ',')
			return json_fail(j, "expected ',' or a closing bracket");
		j->p += i > 0;
		j->p += strspn(j->p, " \t\r\n");
		if (obj) {
			if (*j->p != '"' || !json_string(L, j))
				return *j->why ? false : json_fail(j, "expected a string key");
			j->p += strspn(j->p, " \t\r\n");
			if (*j->p != ':')
				return json_fail(j, "expected ':'");
			j->p++;
		}
		if (!json_value(L, j))
			return false;
		if (obj)
			lua_rawset(L, -3);
		else
			lua_rawseti(L, -2, ++i);
		i += obj;
		j->p += strspn(j->p, " \t\r\n");
	}
	j->p++;
	j->depth--;
	return true;
}

/* Any value, after white space. */
static bool json_value(lua_State *L, json_rd *j)
{
	static const char *const words[] = {"true", "false", "null"};

	j->p += strspn(j->p, " \t\r\n");
	if (*j->p == '{' || *j->p == '[')
		return json_container(L, j);
	if (*j->p == '"')
		return json_string(L, j);
	for (int w = 0; w < 3; w++) {
		if (strncmp(j->p, words[w], strlen(words[w])) == 0) {
			j->p += strlen(words[w]);
			if (w < 2)
				lua_pushboolean(L, w == 0);
			else
				lua_pushnil(L);
			return true;
		}
	}
	return *j->p == '-' || (*j->p >= '0' && *j->p <= '9') ? json_number(L, j) :
	       json_fail(j, *j->p ? "unexpected character" : "unexpected end");
}

/* The value of a JSON text; see hpi.h. */
bool hpi_lua_push_json(lua_State *L, const char *json, char *why, size_t len)
{
	json_rd j = {.p = json, .start = json, .why = why, .len = len};
	int top = lua_gettop(L);

	if (len > 0)
		why[0] = '\0';
	if (json_value(L, &j)) {
		j.p += strspn(j.p, " \t\r\n");
		if (*j.p == '\0')
			return true;
		json_fail(&j, "unexpected text after the value");
	}
	lua_settop(L, top);
	return false;
}
