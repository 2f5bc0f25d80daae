/* SPDX-License-Identifier: MIT */
/*
 * lua_json.c - JSON text to Lua values, for a reporter's options (kept as
 * JSON by config.c, given as JSON to `hotpath report`) and for
 * hotpath.json_decode, read with the library's JSON reader (json.c, its
 * Lua reading: bytes as they are, a lone surrogate as U+FFFD).  RFC 8259:
 * objects become tables with string keys, arrays sequences, numbers
 * integers when they have no fraction or exponent and fit, null leaves
 * the member out.
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <stdio.h>
#include <string.h>

#include <lauxlib.h>
#include <lua.h>

#include "hpi.h"
#include "json.h"

#define JSON_MAX_DEPTH 64 /* deeper nesting is refused */

/* Pushes value v (and what it holds) onto L; null pushes nil. */
static void json_push(lua_State *L, const hpi_jv *v)
{
	lua_Integer i = 0;

	switch (v->type) {
	case HPI_JSON_NULL:
		lua_pushnil(L);
		break;
	case HPI_JSON_TRUE:
	case HPI_JSON_FALSE:
		lua_pushboolean(L, v->type == HPI_JSON_TRUE);
		break;
	case HPI_JSON_INT:
		lua_pushinteger(L, (lua_Integer)v->v.i);
		break;
	case HPI_JSON_REAL:
		lua_pushnumber(L, (lua_Number)v->v.d);
		break;
	case HPI_JSON_STRING:
		lua_pushlstring(L, v->v.s, v->n);
		break;
	default: /* nested at most JSON_MAX_DEPTH deep: the C stack holds it */
		luaL_checkstack(L, 6, NULL);
		lua_createtable(L, v->type == HPI_JSON_ARRAY ? (int)v->n : 0,
				v->type == HPI_JSON_OBJECT ? (int)v->n : 0);
		HPI_JSON_FOREACH(v, e) {
			if (v->type == HPI_JSON_OBJECT) {
				lua_pushstring(L, e->key);
				json_push(L, e);
				lua_rawset(L, -3); /* null leaves the member out */
			} else {
				json_push(L, e);
				lua_rawseti(L, -2, ++i);
			}
		}
		break;
	}
}

/* json_push in a protected call: Lua's memory errors must not leave the
 * document behind. */
static int json_push_protected(lua_State *L)
{
	json_push(L, lua_touserdata(L, 1));
	return 1;
}

/* The value of a JSON text; see hpi.h. */
bool hpi_lua_push_json(lua_State *L, const char *json, char *why, size_t len)
{
	hpi_json_err e;
	hpi_json *doc = hpi_json_parse(json, strlen(json), HPI_JSON_LOOSE, JSON_MAX_DEPTH, &e);
	int rc;

	if (len > 0)
		why[0] = '\0';
	if (doc == NULL) {
		snprintf(why, len, "%s", e.text);
		return false;
	}
	lua_pushcfunction(L, json_push_protected);
	lua_pushlightuserdata(L, (void *)hpi_json_root(doc));
	rc = lua_pcall(L, 1, 1, 0);
	hpi_json_free(doc);
	if (rc != LUA_OK) {
		snprintf(why, len, "%s", lua_tostring(L, -1) ? lua_tostring(L, -1) : "out of memory");
		lua_pop(L, 1);
		return false;
	}
	return true;
}
