/* SPDX-License-Identifier: MIT */
/*
 * lua_report.c - what a Lua reporter reads: the report table, built from
 * the snapshot exactly as render.c writes the JSON report (same keys, same
 * row limit, integers as Lua integers, percent and rate rounded to the
 * JSON's 4 decimals, empty cells absent), and the C half of the hotpath
 * module.
 *
 * Lua tables forget the order of their keys, so the order of every object
 * of the report goes into a weak table (object -> key list) that
 * hotpath.json and hotpath.keys read: the JSON a script writes is then
 * byte for byte the built-in one.
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <stdlib.h>
#include <string.h>

#include <lauxlib.h>
#include <lua.h>

#include "hpi.h"

#define REPORT_MAX_DEPTH 32 /* as render.c: row logs nest no deeper than in JSON */

/* Pushes the registry's order table, made (with weak keys) on first use. */
static void report_order_table(lua_State *L)
{
	if (lua_getfield(L, LUA_REGISTRYINDEX, HPI_LUA_ORDER) == LUA_TTABLE)
		return;
	lua_pop(L, 1);
	lua_newtable(L);
	lua_createtable(L, 0, 1);
	lua_pushliteral(L, "k");
	lua_setfield(L, -2, "__mode");
	lua_setmetatable(L, -2);
	lua_pushvalue(L, -1);
	lua_setfield(L, LUA_REGISTRYINDEX, HPI_LUA_ORDER);
}

/* order[table at t] = key list at keys. */
static void report_order(lua_State *L, int order, int t, int keys)
{
	t = lua_absindex(L, t);
	keys = lua_absindex(L, keys);
	lua_pushvalue(L, t);
	lua_pushvalue(L, keys);
	lua_rawset(L, order);
}

/* Pushes a key list of n strings; the first nulls are written as null by
 * hotpath.json when absent, the others are left out. */
static void report_keys(lua_State *L, const char *const *keys, size_t n, size_t nulls)
{
	lua_createtable(L, (int)n, 1);
	for (size_t i = 0; i < n; i++) {
		lua_pushstring(L, keys[i]);
		lua_rawseti(L, -2, (lua_Integer)i + 1);
	}
	lua_pushinteger(L, (lua_Integer)nulls);
	lua_setfield(L, -2, "nulls");
}

/* Sets t[key] (t at the top) for a cell that holds a value. */
static void report_cell(lua_State *L, const hp_section *sec, size_t row, size_t col)
{
	hp_unit u = hp_section_column_unit(sec, col);
	char num[400];

	if (!hp_section_has(sec, row, col))
		return;
	if (hpi_unit_is_int(u)) {
		lua_pushinteger(L, hp_section_int(sec, row, col));
	} else if (hpi_unit_is_real(u)) {
		if (!hpi_render_real(num, sizeof(num), hp_section_real(sec, row, col)))
			return;
		lua_pushnumber(L, strtod(num, NULL));
	} else {
		lua_pushstring(L, hp_section_text(sec, row, col));
	}
	lua_setfield(L, -2, hp_section_column_key(sec, col));
}

/* Pushes the key list of sec's rows: the column keys, then "log" unless a
 * column took it. */
static void report_row_keys(lua_State *L, const hp_section *sec, bool log)
{
	size_t c, n = hp_section_ncolumns(sec);

	lua_createtable(L, (int)n + 1, 1);
	for (c = 0; c < n; c++) {
		lua_pushstring(L, hp_section_column_key(sec, c));
		lua_rawseti(L, -2, (lua_Integer)c + 1);
	}
	if (log) {
		lua_pushliteral(L, "log");
		lua_rawseti(L, -2, (lua_Integer)n + 1);
	}
	lua_pushinteger(L, (lua_Integer)n);
	lua_setfield(L, -2, "nulls");
}

/* Pushes the array of the first shown rows of sec; depth is a row's
 * nesting in the JSON report (5 for a section's rows). */
static void report_rows(lua_State *L, const hp_section *sec, size_t shown, int order, int depth)
{
	bool log = hpi_section_col(sec, "log") < 0;
	const hp_section *child;
	int keys;

	luaL_checkstack(L, 8, NULL);
	report_row_keys(L, sec, log);
	keys = lua_gettop(L);
	lua_createtable(L, (int)shown, 0);
	for (size_t r = 0; r < shown; r++) {
		lua_createtable(L, 0, (int)hp_section_ncolumns(sec) + 1);
		for (size_t c = 0; c < hp_section_ncolumns(sec); c++)
			report_cell(L, sec, r, c);
		child = hpi_section_log(sec, r);
		if (child != NULL && log && depth + 2 < REPORT_MAX_DEPTH) {
			report_rows(L, child, hp_section_nrows(child), order, depth + 2);
			lua_setfield(L, -2, "log");
		}
		report_order(L, order, -1, keys);
		lua_rawseti(L, -2, (lua_Integer)r + 1);
	}
	lua_remove(L, keys);
}

/* Pushes a list of columns: {key, title, unit} each. */
static void report_column_list(lua_State *L, const hpi_col *const *cols, size_t n, int order,
			       int keys)
{
	lua_createtable(L, (int)n, 0);
	for (size_t c = 0; c < n; c++) {
		lua_createtable(L, 0, 3);
		lua_pushstring(L, cols[c]->key);
		lua_setfield(L, -2, "key");
		lua_pushstring(L, cols[c]->title);
		lua_setfield(L, -2, "title");
		lua_pushstring(L, hpi_unit_name(cols[c]->unit));
		lua_setfield(L, -2, "unit");
		report_order(L, order, -1, keys);
		lua_rawseti(L, -2, (lua_Integer)c + 1);
	}
}

/* Pushes a section's columns. */
static void report_columns(lua_State *L, const hp_section *sec, int order, int keys)
{
	const hpi_col **cols = malloc((sec->ncols + 1) * sizeof(*cols));

	if (cols == NULL)
		luaL_error(L, "out of memory");
	for (size_t c = 0; c < sec->ncols; c++)
		cols[c] = &sec->cols[c];
	report_column_list(L, cols, sec->ncols, order, keys);
	free(cols);
}

/* Sets the section's "log_columns" (the table at the top), as the JSON
 * has it: the columns of its shown rows' logs, when they have any. */
static void report_log_columns(lua_State *L, const hp_section *sec, size_t shown, int order,
			       int keys)
{
	const hpi_col **cols;
	size_t n = hpi_render_log_columns(sec, shown, &cols);

	if (n == (size_t)-1)
		luaL_error(L, "out of memory");
	if (n > 0) {
		report_column_list(L, cols, n, order, keys);
		lua_setfield(L, -2, "log_columns");
	}
	free(cols);
}

/* Pushes a string map in insertion order. */
static void report_kvs(lua_State *L, const hpi_kvs *kvs, int order)
{
	lua_createtable(L, 0, (int)kvs->n);
	lua_createtable(L, (int)kvs->n, 1);
	for (size_t i = 0; i < kvs->n; i++) {
		lua_pushstring(L, kvs->v[i].value);
		lua_setfield(L, -3, kvs->v[i].key);
		lua_pushstring(L, kvs->v[i].key);
		lua_rawseti(L, -2, (lua_Integer)i + 1);
	}
	report_order(L, order, -2, -1);
	lua_pop(L, 1);
}

/* Pushes one section; keys holds the section and column key lists. */
static void report_section(lua_State *L, const hp_section *sec, size_t limit, int order,
			   int seckeys, int colkeys)
{
	size_t total = hp_section_nrows(sec);
	size_t shown = limit != 0 && limit < total ? limit : total;

	lua_createtable(L, 0, 7);
	lua_pushstring(L, hp_section_id(sec));
	lua_setfield(L, -2, "id");
	lua_pushstring(L, hp_section_title(sec));
	lua_setfield(L, -2, "title");
	report_columns(L, sec, order, colkeys);
	lua_setfield(L, -2, "columns");
	lua_pushinteger(L, (lua_Integer)total);
	lua_setfield(L, -2, "total_rows");
	report_rows(L, sec, shown, order, 5);
	lua_setfield(L, -2, "rows");
	report_log_columns(L, sec, shown, order, colkeys);
	if (sec->meta.n > 0) {
		report_kvs(L, &sec->meta, order);
		lua_setfield(L, -2, "meta");
	}
	report_order(L, order, -1, seckeys);
}

/* Sets the report-wide facts on the table at the top and appends their
 * keys to the key list at keys, from index *n on. */
static void report_facts(lua_State *L, const hp_snapshot *s, int keys, lua_Integer *n)
{
	long long v;
	bool is_int;

	for (size_t i = 0; i < s->meta.n; i++) {
		const hpi_kv *kv = &s->meta.v[i];

		if (!hpi_render_fact(kv->key, kv->value, &v, &is_int))
			continue;
		if (is_int)
			lua_pushinteger(L, (lua_Integer)v);
		else
			lua_pushstring(L, kv->value);
		lua_setfield(L, -2, kv->key);
		lua_pushstring(L, kv->key);
		lua_rawseti(L, keys, ++*n);
	}
}

/* Pushes the percentiles: integers when whole (as the JSON's 99), else floats. */
static void report_pcts(lua_State *L, const hpi_render_opts *o)
{
	size_t n = o != NULL && o->pcts != NULL ? o->npcts : 0;

	lua_createtable(L, (int)n, 0);
	for (size_t i = 0; i < n; i++) {
		double d = o->pcts[i];

		if (d > -1e15 && d < 1e15 && d == (double)(lua_Integer)d)
			lua_pushinteger(L, (lua_Integer)d);
		else
			lua_pushnumber(L, d);
		lua_rawseti(L, -2, (lua_Integer)i + 1);
	}
}

/* The report table; see hpi.h and docs/lua.md. */
void hpi_lua_push_report(lua_State *L, const hp_snapshot *s, const hpi_render_opts *o)
{
	static const char *const sec_keys[] = {"id", "title", "columns", "total_rows", "rows",
					       "log_columns", "meta"};
	static const char *const col_keys[] = {"key", "title", "unit"};
	static const char *const head[] = {"type", "version", "generator"};
	int order, seckeys, colkeys, keys;
	lua_Integer n = 3;
	size_t i;

	luaL_checkstack(L, 16, NULL);
	report_order_table(L);
	order = lua_gettop(L);
	report_keys(L, sec_keys, 7, 0);
	seckeys = lua_gettop(L);
	report_keys(L, col_keys, 3, 0);
	colkeys = lua_gettop(L);
	report_keys(L, head, 3, 0);
	keys = lua_gettop(L);
	lua_createtable(L, 0, 12);
	lua_pushliteral(L, "hotpath_report");
	lua_setfield(L, -2, "type");
	lua_pushinteger(L, 1);
	lua_setfield(L, -2, "version");
	lua_pushliteral(L, "hotpath " HP_VERSION_STRING);
	lua_setfield(L, -2, "generator");
	report_facts(L, s, keys, &n);
	report_pcts(L, o);
	lua_setfield(L, -2, "percentiles");
	lua_createtable(L, (int)hp_snapshot_count(s), 0);
	for (i = 0; i < hp_snapshot_count(s); i++) {
		report_section(L, hp_snapshot_section(s, i),
			       hpi_render_limit(hp_snapshot_section(s, i), o ? o->limit : 0),
			       order, seckeys, colkeys);
		lua_rawseti(L, -2, (lua_Integer)i + 1);
	}
	lua_setfield(L, -2, "sections");
	lua_pushliteral(L, "percentiles");
	lua_rawseti(L, keys, ++n);
	lua_pushliteral(L, "sections");
	lua_rawseti(L, keys, ++n);
	report_order(L, order, -1, keys);
	lua_replace(L, order);
	lua_settop(L, order);
}

/* ---- the C half of the hotpath module --------------------------------- */

/* Argument i as an int64: integers as they are, other numbers rounded. */
static int64_t core_int(lua_State *L, int i)
{
	int exact;
	lua_Integer v = lua_tointegerx(L, i, &exact);
	double d;

	if (exact)
		return v;
	d = luaL_checknumber(L, i);
	luaL_argcheck(L, d > -9.2e18 && d < 9.2e18, i, "number out of range");
	return (int64_t)(d < 0 ? d - 0.5 : d + 0.5); /* rounded half away from zero */
}

/* core.ns(n): hpi_fmt_ns, as the table shows durations. */
static int core_ns(lua_State *L)
{
	char buf[64];

	hpi_fmt_ns(buf, sizeof(buf), core_int(L, 1));
	lua_pushstring(L, buf);
	return 1;
}

/* core.bytes(n): hpi_fmt_bytes. */
static int core_bytes(lua_State *L)
{
	char buf[64];

	hpi_fmt_bytes(buf, sizeof(buf), core_int(L, 1));
	lua_pushstring(L, buf);
	return 1;
}

/* core.unit(x, unit): number x as the table shows a cell of the unit
 * named (unit.c's formatter, the one the reports and the console use). */
static int core_unit(lua_State *L)
{
	int u = hpi_unit_parse(luaL_checkstring(L, 2));
	char buf[64];
	int exact;
	lua_Integer i = lua_tointegerx(L, 1, &exact);

	luaL_argcheck(L, u >= 0 && u != HP_UNIT_TEXT, 2, "not a unit of numbers");
	if (!exact || lua_type(L, 1) != LUA_TNUMBER || !lua_isinteger(L, 1))
		hpi_unit_format(buf, sizeof(buf), (hp_unit)u, false, 0, luaL_checknumber(L, 1));
	else
		hpi_unit_format(buf, sizeof(buf), (hp_unit)u, true, (int64_t)i, 0);
	lua_pushstring(L, buf);
	return 1;
}

/* hpi_box's cell for core.box: rows[row + 1][col + 1] of the table at
 * stack index 1, "" when missing. */
static const char *core_box_cell(const void *arg, size_t row, size_t col, char *tmp,
				 size_t len)
{
	lua_State *L = (lua_State *)arg;
	const char *s = "";

	if (lua_rawgeti(L, 1, (lua_Integer)row + 1) == LUA_TTABLE) {
		int t = lua_rawgeti(L, -1, (lua_Integer)col + 1);
		if (t == LUA_TSTRING) /* kept alive by the rows table */
			s = lua_tostring(L, -1);
		else if (t == LUA_TNUMBER)
			s = hpi_term_str(tmp, len, lua_tostring(L, -1));
		lua_pop(L, 1);
	}
	lua_pop(L, 1);
	return s;
}

/* Pushes b's bytes as one Lua string and frees b; an error (out of
 * memory) when b failed to grow. */
static int core_push_buf(lua_State *L, hpi_buf *b)
{
	if (b->failed) {
		hpi_buf_fini(b);
		return luaL_error(L, "out of memory");
	}
	lua_pushlstring(L, b->data != NULL ? b->data : "", b->data != NULL ? b->len : 0);
	hpi_buf_fini(b);
	return 1;
}

/* core.box(rows, ncols): the box table of rows (rows[1] the header, each
 * a list of ncols strings), drawn by box.c as the table report draws. */
static int core_box(lua_State *L)
{
	lua_Integer ncols = luaL_checkinteger(L, 2);
	size_t nrows;
	hpi_buf b;

	luaL_checktype(L, 1, LUA_TTABLE);
	nrows = (size_t)lua_rawlen(L, 1);
	luaL_argcheck(L, ncols >= 0 && ncols < 100000, 2, "out of range");
	luaL_checkstack(L, 4, NULL);
	hpi_buf_init(&b);
	hpi_box(&b, nrows, (size_t)ncols, core_box_cell, L);
	return core_push_buf(L, &b);
}

/* core.md_text(s): s as markdown text, punctuation escaped (box.c). */
static int core_md_text(lua_State *L)
{
	const char *s = luaL_checkstring(L, 1);
	hpi_buf b;

	hpi_buf_init(&b);
	hpi_md_text(&b, s);
	return core_push_buf(L, &b);
}

/* core.md_code(s, cell): s as a markdown code span, | escaped when cell
 * (box.c). */
static int core_md_code(lua_State *L)
{
	const char *s = luaL_checkstring(L, 1);
	hpi_buf b;

	hpi_buf_init(&b);
	hpi_md_code(&b, s, lua_toboolean(L, 2));
	return core_push_buf(L, &b);
}

/* core.md_table(rows, ncols, right): the markdown table of rows (rows[1]
 * the header, each a list of ncols strings, written as they are),
 * right[i] true for a right-aligned column; by box.c, as compare's. */
static int core_md_table(lua_State *L)
{
	lua_Integer ncols = luaL_checkinteger(L, 2);
	size_t nrows;
	bool *right;
	hpi_buf b;

	luaL_checktype(L, 1, LUA_TTABLE);
	luaL_checktype(L, 3, LUA_TTABLE);
	nrows = (size_t)lua_rawlen(L, 1);
	luaL_argcheck(L, ncols >= 0 && ncols < 100000, 2, "out of range");
	luaL_checkstack(L, 4, NULL);
	right = lua_newuserdatauv(L, (size_t)ncols + 1, 0); /* freed by the GC */
	for (lua_Integer c = 0; c < ncols; c++) {
		lua_rawgeti(L, 3, c + 1);
		right[c] = lua_toboolean(L, -1);
		lua_pop(L, 1);
	}
	hpi_buf_init(&b);
	hpi_md_table(&b, nrows, (size_t)ncols, core_box_cell, L, right);
	return core_push_buf(L, &b);
}

/* core.json_string(s): s as a JSON string literal, as the JSON report
 * writes strings (a NUL byte becomes \u0000). */
static int core_json_string(lua_State *L)
{
	size_t len, n;
	const char *s = luaL_checklstring(L, 1, &len), *end = s + len;
	hpi_buf b, part;

	hpi_buf_init(&b);
	hpi_buf_putc(&b, '"');
	for (;;) {
		n = strlen(s);
		hpi_buf_init(&part);
		hpi_buf_json_str(&part, s);
		if (part.len >= 2)
			hpi_buf_putn(&b, part.data + 1, part.len - 2);
		b.failed |= part.failed;
		hpi_buf_fini(&part);
		if ((s += n) >= end)
			break;
		hpi_buf_puts(&b, "\\u0000");
		s++;
	}
	hpi_buf_putc(&b, '"');
	if (b.failed) {
		hpi_buf_fini(&b);
		return luaL_error(L, "not enough memory");
	}
	lua_pushlstring(L, b.data, b.len);
	hpi_buf_fini(&b);
	return 1;
}

/* core.json_real(x): a percent or rate as the JSON writes it, or nil. */
static int core_json_real(lua_State *L)
{
	char buf[400];

	if (!hpi_render_real(buf, sizeof(buf), luaL_checknumber(L, 1)))
		return 0;
	lua_pushstring(L, buf);
	return 1;
}

/* core.json_decode(text): the value, or nil and why. */
static int core_json_decode(lua_State *L)
{
	const char *s = luaL_checkstring(L, 1);
	char why[160];

	if (hpi_lua_push_json(L, s, why, sizeof(why)))
		return 1;
	luaL_pushfail(L);
	lua_pushstring(L, why);
	return 2;
}

/* core.term(s): s made safe for a terminal as the table report shows it
 * (term.c); s itself when nothing needs escaping. */
static int core_term(lua_State *L)
{
	size_t n;
	const char *s = luaL_checklstring(L, 1, &n);
	luaL_Buffer lb;
	hpi_buf b;

	if (hpi_term_clean(s, n)) {
		lua_settop(L, 1);
		return 1;
	}
	hpi_buf_init(&b);
	hpi_buf_term(&b, s, n, 0);
	if (b.failed) {
		hpi_buf_fini(&b);
		return luaL_error(L, "not enough memory");
	}
	luaL_buffinit(L, &lb);
	luaL_addlstring(&lb, b.data != NULL ? b.data : "", b.data != NULL ? b.len : 0);
	hpi_buf_fini(&b);
	luaL_pushresult(&lb);
	return 1;
}

/* Pushes the C helpers of scripts/hotpath.lua. */
int hpi_lua_open_core(lua_State *L)
{
	static const luaL_Reg fns[] = {
		{"ns", core_ns},
		{"bytes", core_bytes},
		{"unit", core_unit},
		{"box", core_box},
		{"md_table", core_md_table},
		{"md_text", core_md_text},
		{"md_code", core_md_code},
		{"json_string", core_json_string},
		{"json_real", core_json_real},
		{"json_decode", core_json_decode},
		{"term", core_term},
		{NULL, NULL}
	};

	luaL_newlib(L, fns);
	lua_pushliteral(L, HP_VERSION_STRING);
	lua_setfield(L, -2, "version");
	report_order_table(L);
	lua_setfield(L, -2, "order");
	return 1;
}
