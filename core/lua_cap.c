/* SPDX-License-Identifier: MIT */
/*
 * lua_cap.c - the caps that must hold where Lua's hooks never fire.
 *
 * A count hook stops a runaway Lua loop, but not C code: a pattern match
 * (string.find on ".-.-.-.-b") backtracks in C for hours, and a __gc
 * metamethod runs with hooks turned off.  So, in every state that runs a
 * reporter or a console panel:
 *   - string.find, match, gmatch and gsub refuse a pattern whose worst case
 *     on this subject exceeds a budget (repetitions multiply);
 *   - setmetatable refuses a metatable with __gc;
 *   - load reads text chunks only (no bytecode, which can crash Lua).
 * The wall-clock deadline itself is checked by the callers' hooks and
 * allocators (lua.c, console/panel.c), which covers C functions that
 * allocate as they go.
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <math.h>
#include <stdio.h>
#include <string.h>

#include <lauxlib.h>
#include <lua.h>

#include "hpi.h"

#define CAP_BUDGET 1e9 /* steps a pattern may take in its worst case */

/* Counts the repetitions of a Lua pattern: *unbounded for '*', '+' and '-'
 * after a single-character class, *opt for '?'; sets *anchored for '^'. */
static void cap_scan(const char *p, size_t n, unsigned *unbounded, unsigned *opt,
		     bool *anchored)
{
	size_t i = 0;

	*unbounded = *opt = 0;
	*anchored = n > 0 && p[0] == '^';
	if (*anchored)
		i = 1;
	while (i < n) {
		size_t end = i;

		/* one single-character class: %x, [set], or any character */
		if (p[i] == '%' && i + 1 < n) {
			if (p[i + 1] == 'b') { /* %bxy: balanced, no repetition */
				i += 4;
				continue;
			}
			if (p[i + 1] == 'f') { /* %f[set]: a frontier, then its set */
				i += 2;
				continue;
			}
			end = i + 2;
		} else if (p[i] == '[') {
			end = i + 1;
			if (end < n && p[end] == '^')
				end++;
			do { /* the first ']' is literal */
				if (end < n && p[end] == '%')
					end++;
				end++;
			} while (end < n && p[end] != ']');
			end++;
		} else if (p[i] == '(' || p[i] == ')') {
			i++;
			continue;
		} else {
			end = i + 1;
		}
		if (end < n && (p[end] == '*' || p[end] == '+' || p[end] == '-')) {
			(*unbounded)++;
			end++;
		} else if (end < n && p[end] == '?') {
			(*opt)++;
			end++;
		}
		i = end;
	}
}

/* Whether matching pattern p (pn bytes) against a subject of n bytes is
 * within the budget in its worst case: each unbounded repetition may try
 * every length, an unanchored pattern every start. */
static bool cap_pattern_ok(const char *p, size_t pn, size_t n, double *steps)
{
	unsigned unbounded, opt;
	bool anchored;
	double e;

	cap_scan(p, pn, &unbounded, &opt, &anchored);
	if (unbounded <= 2 && opt <= 8) { /* the usual patterns: never refused */
		*steps = 0;
		return true;
	}
	e = (double)unbounded + (anchored ? 0 : 1);
	*steps = pow((double)n + 1, e) * pow(2, opt);
	return *steps <= CAP_BUDGET;
}

/* string.find/match/gmatch/gsub: upvalue 1 the original, upvalue 2 true
 * for find (whose 4th argument asks for a plain search). */
static int cap_string(lua_State *L)
{
	size_t n, pn;
	const char *s, *p;
	double steps;

	if (lua_type(L, 1) == LUA_TSTRING && lua_type(L, 2) == LUA_TSTRING &&
	    !(lua_toboolean(L, lua_upvalueindex(2)) && lua_toboolean(L, 4))) {
		s = lua_tolstring(L, 1, &n);
		p = lua_tolstring(L, 2, &pn);
		(void)s;
		if (!cap_pattern_ok(p, pn, n, &steps)) {
			char why[200];

			snprintf(why, sizeof why, "pattern too costly: its worst case on %zu bytes "
				 "is about %.0e steps, past the cap of %.0e (a match runs in C, "
				 "where no time cap can stop it; docs/lua.md)", n, steps,
				 CAP_BUDGET);
			return luaL_error(L, "%s", why);
		}
	}
	lua_pushvalue(L, lua_upvalueindex(1));
	lua_insert(L, 1);
	lua_call(L, lua_gettop(L) - 1, LUA_MULTRET);
	return lua_gettop(L);
}

/* setmetatable that refuses __gc: upvalue 1 the original. */
static int cap_setmetatable(lua_State *L)
{
	if (lua_type(L, 2) == LUA_TTABLE && (lua_pushliteral(L, "__gc"), lua_rawget(L, 2)) != LUA_TNIL)
		return luaL_error(L, "setmetatable: a __gc metamethod is not allowed (a "
				  "finalizer runs where no cap can stop it)");
	lua_settop(L, 2);
	lua_pushvalue(L, lua_upvalueindex(1));
	lua_insert(L, 1);
	lua_call(L, 2, 1);
	return 1;
}

/* load that reads text only: upvalue 1 the original. */
static int cap_load(lua_State *L)
{
	lua_settop(L, 4);
	lua_pushliteral(L, "t");
	lua_replace(L, 3);
	lua_pushvalue(L, lua_upvalueindex(1));
	lua_insert(L, 1);
	lua_call(L, 4, LUA_MULTRET);
	return lua_gettop(L);
}

/* Replaces t[name] (t at the top of the stack) by f with the original as
 * upvalue 1 and flag as upvalue 2. */
static void cap_wrap(lua_State *L, const char *name, lua_CFunction f, bool flag)
{
	if (lua_getfield(L, -1, name) != LUA_TFUNCTION) {
		lua_pop(L, 1);
		return;
	}
	lua_pushboolean(L, flag);
	lua_pushcclosure(L, f, 2);
	lua_setfield(L, -2, name);
}

/* See hpi.h. */
void hpi_lua_cap_install(lua_State *L)
{
	if (lua_getglobal(L, "string") == LUA_TTABLE) {
		cap_wrap(L, "find", cap_string, true);
		cap_wrap(L, "match", cap_string, false);
		cap_wrap(L, "gmatch", cap_string, false);
		cap_wrap(L, "gsub", cap_string, false);
	}
	lua_pop(L, 1);
	lua_pushglobaltable(L);
	cap_wrap(L, "setmetatable", cap_setmetatable, false);
	cap_wrap(L, "load", cap_load, false);
	lua_pop(L, 1);
}
