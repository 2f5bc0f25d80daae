/* SPDX-License-Identifier: MIT */
/*
 * panel.c - Lua panels (docs/console.md).  A panel script returns a
 * function update(snap, ui), or a table {title = ..., update = ...}.  The
 * console calls update with the current target's snapshot whenever its
 * data changes; update either returns {columns = ..., rows = ...}, shown
 * as a table like any section, or draws with ui.text, ui.bar and
 * ui.sparkline and returns nothing.
 *
 * Each panel has its own Lua 5.4 state for the console's life, with a
 * memory cap (a counting allocator), an instruction cap per update (a
 * count hook) and only the base, string, table, math and utf8 libraries:
 * a runaway or broken panel shows its error and the console runs on.
 * Sections reach Lua lazily (snap.sections.functions is built when first
 * read), so a panel pays only for what it reads.
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <lauxlib.h>
#include <lua.h>
#include <lualib.h>

#include "console.h"
#include "json.h"
#include "panel.h"

#define PANEL_MEMORY (32u << 20)       /* bytes one panel's state may hold */
#define PANEL_STEPS 20000000ull        /* instructions in one update, at most */
#define PANEL_HOOK 1000                /* instructions between two hooks */
#define PANEL_TIME_MS 10000            /* wall-clock time of one update, at most */

static unsigned panel_time_ms = PANEL_TIME_MS; /* hpc_panels_time_cap */

/* See panel.h. */
void hpc_panels_time_cap(unsigned ms)
{
	panel_time_ms = ms;
}
#define PANEL_MAX_OPS 4096             /* drawing operations per update */

typedef struct panel {
	char *name;             /* as shown in messages: "top_alloc.lua" */
	size_t tab;             /* its index in the model's panels */
	lua_State *L;           /* NULL when the script could not be loaded */
	int update;             /* registry ref of update(), or LUA_NOREF */
	size_t used;            /* bytes the state holds */
	bool over_memory;
	unsigned long long steps;
	uint64_t deadline;      /* CLOCK_MONOTONIC ns: the update's time cap, 0 = none */
	bool late;              /* the update ran past it */
	unsigned nalloc;        /* allocations since the last clock read */
	const hpc_target *t;    /* the target of the update running */
	bool running;           /* an update runs: ui and snap may be used */
	hpc_draw *ops;          /* drawn by the update running */
	size_t nops;
	int width, height;
} panel;

struct hpc_panels {
	panel *v;
	size_t n;
};

/* lua_Alloc with the panel's memory cap. */
static void *panel_alloc(void *ud, void *ptr, size_t osize, size_t nsize)
{
	panel *p = ud;
	size_t old = ptr != NULL ? osize : 0;
	void *q;

	if (nsize == 0) {
		free(ptr);
		p->used -= old;
		return NULL;
	}
	if (nsize > old && nsize - old > PANEL_MEMORY - p->used) {
		p->over_memory = true;
		return NULL;
	}
	/* past the time cap growing fails: that stops C functions that
	 * allocate as they go (the hook stops Lua code) */
	if (nsize > old && p->deadline != 0 && (p->late || ((++p->nalloc & 63) == 0 &&
							    hpi_mono_ns() >= p->deadline))) {
		p->late = true;
		return NULL;
	}
	if ((q = realloc(ptr, nsize)) == NULL)
		return NULL;
	p->used = p->used - old + nsize;
	return q;
}

/* The panel a state belongs to. */
static panel *panel_of(lua_State *L)
{
	void *ud;

	lua_getallocf(L, &ud);
	return ud;
}

/* Count hook: stops an update past its instruction cap (and keeps
 * stopping it, so that no pcall inside can go on). */
static void panel_hook(lua_State *L, lua_Debug *ar)
{
	panel *p = panel_of(L);

	(void)ar;
	p->steps += PANEL_HOOK;
	if (p->deadline != 0 && (p->late || hpi_mono_ns() >= p->deadline)) {
		p->late = false; /* the allocator lets the message be made */
		luaL_where(L, 0);
		lua_pushfstring(L, "%sstopped: ran longer than %d ms in one update",
				lua_tostring(L, -1), (int)panel_time_ms);
		p->late = true;
		lua_error(L);
	}
	if (p->steps < PANEL_STEPS)
		return;
	luaL_where(L, 0);
	lua_pushfstring(L, "%sstopped: more than %d instructions in one update",
			lua_tostring(L, -1), (int)PANEL_STEPS);
	lua_error(L);
}

/* print(): one line on stderr, which the console shows in its status line. */
static int panel_print(lua_State *L)
{
	panel *p = panel_of(L);
	luaL_Buffer b;
	int n = lua_gettop(L);

	luaL_buffinit(L, &b);
	for (int i = 1; i <= n; i++) {
		if (i > 1)
			luaL_addchar(&b, '\t');
		luaL_tolstring(L, i, NULL);
		luaL_addvalue(&b);
	}
	luaL_pushresult(&b);
	fprintf(stderr, "%s: %s\n", p->name, lua_tostring(L, -1));
	return 0;
}

/* ---- the ui table ------------------------------------------------------------ */

/* A new operation of the update running, or a Lua error past the cap. */
static hpc_draw *panel_op(lua_State *L, hpc_draw_kind kind)
{
	panel *p = lua_touserdata(L, lua_upvalueindex(1));
	hpc_draw *d;

	if (!p->running)
		luaL_error(L, "ui is only for drawing during update");
	if (p->nops >= PANEL_MAX_OPS)
		luaL_error(L, "more than %d drawing operations in one update", PANEL_MAX_OPS);
	p->ops = xreallocarray(p->ops, p->nops + 1, sizeof(*p->ops));
	d = &p->ops[p->nops++];
	memset(d, 0, sizeof(*d));
	d->kind = kind;
	d->x = (int)luaL_checkinteger(L, 1) - 1;
	d->y = (int)luaL_checkinteger(L, 2) - 1;
	return d;
}

/* ui.text(x, y, s): s at column x, line y (1-based). */
static int panel_text(lua_State *L)
{
	const char *s = luaL_tolstring(L, 3, NULL);
	hpc_draw *d = panel_op(L, HPC_DRAW_TEXT);

	d->text = xstrdup(s);
	return 0;
}

/* ui.bar(x, y, width, fraction [, label]). */
static int panel_bar(lua_State *L)
{
	lua_Integer w = luaL_checkinteger(L, 3);
	double f = luaL_checknumber(L, 4);
	const char *label = luaL_optstring(L, 5, NULL);
	hpc_draw *d = panel_op(L, HPC_DRAW_BAR);

	d->w = w < 0 ? 0 : w > 1000 ? 1000 : (int)w;
	d->frac = isfinite(f) ? f : 0;
	d->text = label ? xstrdup(label) : NULL;
	return 0;
}

/* ui.sparkline(x, y, width, values): the last width values, scaled to
 * the largest. */
static int panel_spark(lua_State *L)
{
	lua_Integer w = luaL_checkinteger(L, 3);
	size_t n, i;
	hpc_draw *d;

	luaL_checktype(L, 4, LUA_TTABLE);
	n = (size_t)luaL_len(L, 4);
	if (n > 10000)
		n = 10000;
	d = panel_op(L, HPC_DRAW_SPARK);
	d->w = w < 0 ? 0 : w > 1000 ? 1000 : (int)w;
	d->vals = xcalloc(n + 1, sizeof(*d->vals));
	for (i = 0; i < n; i++) {
		lua_geti(L, 4, (lua_Integer)i + 1);
		d->vals[i] = lua_isnumber(L, -1) ? lua_tonumber(L, -1) : 0;
		lua_pop(L, 1);
	}
	d->nvals = n;
	return 0;
}

/* ---- the snapshot table --------------------------------------------------------- */

/* Pushes section s as {id, title, columns = {{key, title, unit}...},
 * rows = {{key = value}...}}: numbers as numbers, text as strings, and
 * cells without a value left out. */
static void panel_push_section(lua_State *L, const hpc_section *s)
{
	lua_createtable(L, 0, 5);
	lua_pushstring(L, s->id);
	lua_setfield(L, -2, "id");
	lua_pushstring(L, s->title);
	lua_setfield(L, -2, "title");
	lua_pushinteger(L, (lua_Integer)s->total_rows);
	lua_setfield(L, -2, "total_rows");
	lua_createtable(L, (int)s->ncols, 0);
	for (size_t c = 0; c < s->ncols; c++) {
		lua_createtable(L, 0, 3);
		lua_pushstring(L, s->cols[c].key);
		lua_setfield(L, -2, "key");
		lua_pushstring(L, s->cols[c].title);
		lua_setfield(L, -2, "title");
		lua_pushstring(L, hpi_unit_name(s->cols[c].unit));
		lua_setfield(L, -2, "unit");
		lua_rawseti(L, -2, (lua_Integer)c + 1);
	}
	lua_setfield(L, -2, "columns");
	lua_createtable(L, (int)s->nrows, 0);
	for (size_t r = 0; r < s->nrows; r++) {
		lua_createtable(L, 0, (int)s->ncols);
		for (size_t c = 0; c < s->ncols; c++) {
			double num = hpc_section_num(s, r, c);

			if (!hpc_section_has(s, r, c))
				continue;
			if (hpc_section_str(s, r, c) != NULL)
				lua_pushstring(L, hpc_section_str(s, r, c));
			else if (hpc_section_is_int(s, c) && fabs(num) < 9e15)
				lua_pushinteger(L, (lua_Integer)num);
			else
				lua_pushnumber(L, num);
			lua_setfield(L, -2, s->cols[c].key);
		}
		lua_rawseti(L, -2, (lua_Integer)r + 1);
	}
	lua_setfield(L, -2, "rows");
}

/* __index of snap.sections: builds the section on first use. */
static int panel_section_index(lua_State *L)
{
	panel *p = lua_touserdata(L, lua_upvalueindex(1));
	const char *id = lua_tostring(L, 2);
	hpc_section *sec;

	if (!p->running || p->t == NULL || id == NULL)
		return 0;
	if ((sec = hpc_target_section(p->t, id)) != NULL && sec->has_data) {
		panel_push_section(L, sec);
		lua_pushvalue(L, 2);
		lua_pushvalue(L, -2);
		lua_rawset(L, 1);   /* t[id] = section: built once per update */
		return 1;
	}
	return 0;
}

/* Pushes the snapshot table of t. */
static void panel_push_snap(lua_State *L, panel *p, const hpc_target *t, uint64_t now)
{
	lua_createtable(L, 0, 8);
	if (t != NULL) {
		lua_pushstring(L, t->program ? t->program : "");
		lua_setfield(L, -2, "program");
		lua_pushinteger(L, t->pid);
		lua_setfield(L, -2, "pid");
		lua_pushstring(L, t->url);
		lua_setfield(L, -2, "url");
		lua_pushstring(L, hpc_state_name(hpc_target_state(t, now)));
		lua_setfield(L, -2, "state");
		lua_createtable(L, (int)t->nsecs, 0);
		for (size_t i = 0; i < t->nsecs; i++) {
			lua_pushstring(L, t->secs[i]->id);
			lua_rawseti(L, -2, (lua_Integer)i + 1);
		}
		lua_setfield(L, -2, "order");
	}
	lua_pushnumber(L, (double)now / 1e9);
	lua_setfield(L, -2, "time");
	lua_newtable(L);               /* sections */
	lua_createtable(L, 0, 1);      /* its metatable */
	lua_pushlightuserdata(L, p);
	lua_pushcclosure(L, panel_section_index, 1);
	lua_setfield(L, -2, "__index");
	lua_setmetatable(L, -2);
	lua_setfield(L, -2, "sections");
}

/* Pushes the ui table of p. */
static void panel_push_ui(lua_State *L, panel *p)
{
	static const luaL_Reg fns[] = {
		{"text", panel_text}, {"bar", panel_bar}, {"sparkline", panel_spark},
		{NULL, NULL}
	};

	lua_createtable(L, 0, 5);
	lua_pushlightuserdata(L, p);
	luaL_setfuncs(L, fns, 1);
	lua_pushinteger(L, p->width);
	lua_setfield(L, -2, "width");
	lua_pushinteger(L, p->height);
	lua_setfield(L, -2, "height");
}

/* ---- returned tables --------------------------------------------------------------- */

/* Whether the table at idx is written as a list: it has a first element
 * (an empty table is a map). */
static bool panel_is_list(lua_State *L, int idx)
{
	bool list = lua_rawgeti(L, idx, 1) != LUA_TNIL;

	lua_pop(L, 1);
	return list;
}

/* Writes the Lua value at idx as JSON (strings, numbers, booleans; tables
 * with a first element as lists, other tables as maps of their string
 * keys; anything else, tables nested deeper than 8 and those the Lua
 * stack has no room for, as null). */
static void panel_json(hpi_jw *w, lua_State *L, int idx, int depth)
{
	idx = lua_absindex(L, idx);
	switch (lua_type(L, idx)) {
	case LUA_TNUMBER:
		if (lua_isinteger(L, idx))
			hpi_jw_int(w, lua_tointeger(L, idx));
		else
			hpi_jw_real(w, lua_tonumber(L, idx));
		break;
	case LUA_TSTRING:
		hpi_jw_str(w, lua_tostring(L, idx));
		break;
	case LUA_TBOOLEAN:
		hpi_jw_bool(w, lua_toboolean(L, idx));
		break;
	case LUA_TTABLE:
		if (depth > 8 || !lua_checkstack(L, 4)) {
			hpi_jw_null(w);
		} else if (panel_is_list(L, idx)) {
			hpi_jw_open(w, '[');
			for (lua_Integer i = 1; lua_rawgeti(L, idx, i) != LUA_TNIL; i++) {
				panel_json(w, L, -1, depth + 1);
				lua_pop(L, 1);
			}
			lua_pop(L, 1);
			hpi_jw_close(w, ']');
		} else {
			hpi_jw_open(w, '{');
			lua_pushnil(L);
			while (lua_next(L, idx) != 0) {
				if (lua_type(L, -2) == LUA_TSTRING) {
					hpi_jw_key(w, lua_tostring(L, -2));
					panel_json(w, L, -1, depth + 1);
				}
				lua_pop(L, 1);
			}
			hpi_jw_close(w, '}');
		}
		break;
	default:
		hpi_jw_null(w);
	}
}

/* Whether column col (0-based), whose key is the string at key_idx, holds
 * a number in the first row of the list rows at idx (its member key, or
 * its element col + 1).  Pushes no new string: the state may be at its
 * memory cap, and this runs outside a protected call. */
static bool panel_first_is_number(lua_State *L, int idx, int key_idx, lua_Integer col)
{
	bool num = false;

	if (lua_rawgeti(L, idx, 1) == LUA_TTABLE) {
		int row = lua_gettop(L);

		if (!panel_is_list(L, row)) {
			lua_pushvalue(L, key_idx);
			num = lua_rawget(L, row) == LUA_TNUMBER;
			lua_pop(L, 1);
		} else {
			/* the list as written stops at its first nil */
			for (lua_Integer i = 1; i <= col + 1; i++) {
				int t = lua_rawgeti(L, row, i);

				lua_pop(L, 1);
				if (t == LUA_TNIL)
					break;
				num = i == col + 1 && t == LUA_TNUMBER;
			}
		}
	}
	lua_pop(L, 1);
	return num;
}

/* Writes the list of columns at idx: plain keys become {key, title =
 * key, unit} with the unit guessed from the first row of the list rows
 * at rows_idx (0: none): numbers count, anything else text. */
static void panel_columns(hpi_jw *w, lua_State *L, int idx, int rows_idx)
{
	if (!lua_checkstack(L, 6)) {
		hpi_jw_null(w);
		return;
	}
	hpi_jw_open(w, '[');
	for (lua_Integer i = 1; lua_rawgeti(L, idx, i) != LUA_TNIL; i++) {
		if (lua_type(L, -1) == LUA_TSTRING) {
			const char *key = lua_tostring(L, -1);
			bool num = rows_idx != 0 &&
				   panel_first_is_number(L, rows_idx, lua_gettop(L), i - 1);

			hpi_jw_open(w, '{');
			hpi_jw_kstr(w, "key", key);
			hpi_jw_kstr(w, "title", key);
			hpi_jw_kstr(w, "unit", num ? "count" : "text");
			hpi_jw_close(w, '}');
		} else {
			panel_json(w, L, -1, 2);
		}
		lua_pop(L, 1);
	}
	lua_pop(L, 1);
	hpi_jw_close(w, ']');
}

/* Writes the table update returned (at idx, a map) as a section: id
 * "panel", its title or the view's, columns and rows as lists (an empty
 * Lua table reads as a map: no rows is an empty list). */
static void panel_table_json(hpi_jw *w, lua_State *L, int idx, const char *title)
{
	int rows_idx = 0;
	bool titled = false;

	if (!lua_checkstack(L, 6)) {
		hpi_jw_null(w);
		return;
	}
	lua_pushliteral(L, "rows");
	if (lua_rawget(L, idx) == LUA_TTABLE && panel_is_list(L, -1))
		rows_idx = lua_gettop(L);
	hpi_jw_open(w, '{');
	hpi_jw_kstr(w, "id", "panel");
	lua_pushnil(L);
	while (lua_next(L, idx) != 0) {
		const char *k = lua_type(L, -2) == LUA_TSTRING ? lua_tostring(L, -2) : NULL;
		bool list = lua_type(L, -1) == LUA_TTABLE && panel_is_list(L, -1);

		if (k == NULL || strcmp(k, "id") == 0 ||
		    (strcmp(k, "title") == 0 && lua_type(L, -1) != LUA_TSTRING)) {
			lua_pop(L, 1);
			continue;
		}
		titled |= strcmp(k, "title") == 0;
		hpi_jw_key(w, k);
		if ((strcmp(k, "rows") == 0 || strcmp(k, "columns") == 0) &&
		    lua_type(L, -1) == LUA_TTABLE && !list) {
			hpi_jw_open(w, '[');
			hpi_jw_close(w, ']');
		} else if (strcmp(k, "columns") == 0 && list) {
			panel_columns(w, L, lua_gettop(L), rows_idx);
		} else {
			panel_json(w, L, -1, 1);
		}
		lua_pop(L, 1);
	}
	if (!titled && title != NULL)
		hpi_jw_kstr(w, "title", title);
	hpi_jw_close(w, '}');
	lua_pop(L, 1); /* rows */
}

/* What update returned, at the top of the stack: a table of rows and
 * columns, or nothing.  Sets the view's table or error. */
static void panel_result(lua_State *L, panel *p, hpc_panel_view *v)
{
	const char *why;
	hpi_buf text;
	hpi_jw w;

	if (lua_isnoneornil(L, -1))
		return;
	if (!lua_istable(L, -1)) {
		v->error = xasprintf("%s: update returned a %s; expected nothing (after drawing) "
				     "or a table with columns and rows", p->name, luaL_typename(L, -1));
		return;
	}
	lua_getfield(L, -1, "columns");
	lua_getfield(L, -2, "rows");
	if (!lua_istable(L, -2) || !(lua_istable(L, -1) || lua_isnil(L, -1))) {
		v->error = xasprintf("%s: update returned a table without columns (a list) and "
				     "rows (a list)", p->name);
		lua_pop(L, 2);
		return;
	}
	lua_pop(L, 2);
	if (panel_is_list(L, -1)) {
		v->error = xasprintf("%s: update returned a table of rows that is not a map", p->name);
		return;
	}
	hpi_buf_init(&text);
	w = hpi_jw_make(&text, 0);
	panel_table_json(&w, L, lua_gettop(L), v->title);
	if (text.failed)
		fatal("out of memory");
	/* read back as the console reads every section (core/json.c) */
	if ((v->table = hpc_section_parse_text(text.data, text.len, &why)) == NULL)
		v->error = xasprintf("%s: bad table: %s", p->name, why);
	hpi_buf_fini(&text);
}

/* Runs p's update on t into view v. */
static void panel_run(panel *p, hpc_panel_view *v, const hpc_target *t, uint64_t now)
{
	lua_State *L = p->L;
	hpc_section *old = v->table;
	int st;

	if (L == NULL)
		return; /* load failed: the error stays */
	v->table = NULL;
	hpc_panel_view_clear(v);
	p->t = t;
	p->running = true;
	p->steps = 0;
	p->late = false;
	p->deadline = hpi_mono_ns() + panel_time_ms * 1000000ull;
	p->ops = NULL;
	p->nops = 0;
	lua_settop(L, 0);
	lua_rawgeti(L, LUA_REGISTRYINDEX, p->update);
	panel_push_snap(L, p, t, now);
	panel_push_ui(L, p);
	st = lua_pcall(L, 2, 1, 0);
	p->deadline = 0;
	p->t = NULL;
	p->running = false;
	v->ops = p->ops;
	v->nops = p->nops;
	p->ops = NULL;
	p->nops = 0;
	if (st != LUA_OK) {
		const char *msg = lua_tostring(L, -1);

		if (p->over_memory)
			v->error = xasprintf("%s: stopped: more than %u MiB of memory", p->name,
					     PANEL_MEMORY >> 20);
		else if (p->late && msg != NULL && strstr(msg, "stopped: ran longer") != NULL)
			v->error = xstrdup(msg); /* the hook's, with the line */
		else if (p->late)
			v->error = xasprintf("%s: stopped: ran longer than %u ms in one update",
					     p->name, panel_time_ms);
		else if (st == LUA_ERRMEM)
			v->error = xasprintf("%s: stopped: more than %u MiB of memory", p->name,
					     PANEL_MEMORY >> 20);
		else
			v->error = xstrdup(msg ? msg : "error (not a string)");
		p->over_memory = false;
	} else {
		panel_result(L, p, v);
		if (v->table != NULL)
			hpc_section_carry(v->table, old);
	}
	hpc_section_free(old);
	lua_settop(L, 0);
	lua_gc(L, LUA_GCSTEP, 0);
}

/* ---- loading --------------------------------------------------------------------- */

/* Where panel name is: a path as given, or scripts/panels/NAME(.lua) in
 * HP_SCRIPTDIR or $HOTPATH_SCRIPT_PATH; new string or NULL. */
static char *panel_find(const char *name)
{
	char *p, *sub;

	if (strchr(name, '/') != NULL)
		return hpi_lua_find(name);
	sub = xasprintf("panels/%s", name);
	p = hpi_lua_find(sub);
	free(sub);
	return p ? p : hpi_lua_find(name);
}

/* Opens the libraries a panel gets. */
static int panel_open(lua_State *L)
{
	static const luaL_Reg libs[] = {
		{LUA_GNAME, luaopen_base}, {LUA_TABLIBNAME, luaopen_table},
		{LUA_STRLIBNAME, luaopen_string}, {LUA_MATHLIBNAME, luaopen_math},
		{LUA_UTF8LIBNAME, luaopen_utf8}, {NULL, NULL}
	};

	for (const luaL_Reg *l = libs; l->name != NULL; l++) {
		luaL_requiref(L, l->name, l->func, 1);
		lua_pop(L, 1);
	}
	lua_register(L, "print", panel_print);
	hpi_lua_cap_install(L); /* patterns, __gc, text-only load (core/lua_cap.c) */
	lua_pushnil(L);
	lua_setglobal(L, "dofile");
	lua_pushnil(L);
	lua_setglobal(L, "loadfile");
	return 0;
}

/* Reads the file at path; false when it cannot. */
static bool panel_read(const char *path, hpi_buf *b)
{
	FILE *f = fopen(path, "r");
	char buf[4096];
	size_t n;

	if (f == NULL)
		return false;
	while ((n = fread(buf, 1, sizeof(buf), f)) > 0)
		hpi_buf_putn(b, buf, n);
	fclose(f);
	return !b->failed;
}

/* Loads and runs the script (named p->name in messages, not by its whole
 * path); its update function goes into the registry. */
static void panel_load(panel *p, hpc_panel_view *v, const char *path)
{
	char *chunk = xasprintf("@%s", p->name);
	lua_State *L = p->L;
	hpi_buf b;
	int st;

	hpi_buf_init(&b);
	lua_pushcfunction(L, panel_open);
	if (!panel_read(path, &b)) {
		v->error = xasprintf("%s: cannot read %s", p->name, path);
		goto out;
	}
	if ((st = lua_pcall(L, 0, 0, 0)) == LUA_OK &&
	    (st = luaL_loadbufferx(L, b.data ? b.data : "", b.len, chunk, "t")) == LUA_OK)
		st = lua_pcall(L, 0, 1, 0);
	if (st != LUA_OK) {
		v->error = xstrdup(lua_tostring(L, -1) ? lua_tostring(L, -1) : "cannot load");
		goto out;
	}
	if (lua_istable(L, -1)) {
		if (lua_getfield(L, -1, "title") == LUA_TSTRING) {
			free(v->title);
			v->title = xstrdup(lua_tostring(L, -1));
		}
		lua_pop(L, 1);
		lua_getfield(L, -1, "update");
		lua_remove(L, -2);
	}
	if (!lua_isfunction(L, -1)) {
		v->error = xasprintf("%s: the script returned a %s; expected a function "
				     "update(snap, ui) or a table with one", p->name,
				     luaL_typename(L, -1));
		goto out;
	}
	p->update = luaL_ref(L, LUA_REGISTRYINDEX);
	hpi_buf_fini(&b);
	free(chunk);
	return;
out:
	hpi_buf_fini(&b);
	free(chunk);
	lua_close(L);
	p->L = NULL;
}

/* Loads each panel script and adds its tab; see panel.h. */
hpc_panels *hpc_panels_load(hpc_model *m, char *const *names, size_t n)
{
	hpc_panels *ps = xcalloc(1, sizeof(*ps));
	char *path, *stem;

	ps->v = xcalloc(n, sizeof(*ps->v));
	for (size_t i = 0; i < n; i++) {
		panel *p = &ps->v[ps->n++];
		const char *base = hpi_basename(names[i]);
		hpc_panel_view *v;

		stem = xstrdup(base);
		if (strlen(stem) > 4 && strcmp(stem + strlen(stem) - 4, ".lua") == 0)
			stem[strlen(stem) - 4] = '\0';
		p->name = xasprintf("%s.lua", stem);
		p->update = LUA_NOREF;
		p->tab = hpc_model_add_panel(m, stem);
		free(stem);
		v = &m->panels[p->tab];
		if ((path = panel_find(names[i])) == NULL) {
			v->error = xasprintf("%s: not found: searched as given, in scripts/panels "
					     "of " HP_SCRIPTDIR " and of $HOTPATH_SCRIPT_PATH", names[i]);
			continue;
		}
		if ((p->L = lua_newstate(panel_alloc, p)) == NULL) {
			v->error = xasprintf("%s: out of memory: cannot start Lua", p->name);
		} else {
			lua_sethook(p->L, panel_hook, LUA_MASKCOUNT, PANEL_HOOK);
			panel_load(p, v, path);
		}
		free(path);
	}
	return ps;
}

/* Closes every panel's Lua state; NULL is a no-op. */
void hpc_panels_free(hpc_panels *ps)
{
	if (ps == NULL)
		return;
	for (size_t i = 0; i < ps->n; i++) {
		if (ps->v[i].L != NULL)
			lua_close(ps->v[i].L);
		free(ps->v[i].name);
	}
	free(ps->v);
	free(ps);
}

/* Runs every panel on t's sections. */
void hpc_panels_update(hpc_panels *ps, hpc_model *m, const hpc_target *t, int width,
		       int height)
{
	struct timespec ts;
	uint64_t now;

	HPC_MEASURE();
	clock_gettime(CLOCK_MONOTONIC, &ts);
	now = (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
	for (size_t i = 0; ps != NULL && i < ps->n; i++) {
		ps->v[i].width = width;
		ps->v[i].height = height;
		panel_run(&ps->v[i], &m->panels[ps->v[i].tab], t, now);
	}
}
