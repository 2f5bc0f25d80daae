/* SPDX-License-Identifier: MIT */
/*
 * test_panel.c - Lua panels of the console without a terminal: the two
 * bundled panels on snapshots made of publisher messages, and every kind
 * of broken panel showing its error (with file:line) inside its tab while
 * the others, and later updates, run on.
 */
#include <check.h>
#include <locale.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "console.h"
#include "model.h"
#include "panel.h"
#include "../testlib.h"

static const char hello[] =
	"hello {\"type\":\"hotpath_hello\",\"schema\":1,\"topic\":\"hello\",\"pid\":42,"
	"\"program\":\"pipe\",\"sections\":[{\"id\":\"functions\",\"title\":\"Functions\"}]}";

/* A channels section with one channel of capacity 8 holding queued. */
static const char *chan_msg(int queued)
{
	static char buf[1024];

	snprintf(buf, sizeof(buf),
		 "channels {\"type\":\"hotpath_section\",\"schema\":1,\"topic\":\"channels\","
		 "\"report\":{\"sections\":[{\"id\":\"channels\",\"title\":\"Channels\",\"columns\":["
		 "{\"key\":\"name\",\"title\":\"Channel\",\"unit\":\"text\"},"
		 "{\"key\":\"capacity\",\"title\":\"Capacity\",\"unit\":\"count\"},"
		 "{\"key\":\"queued\",\"title\":\"Queued\",\"unit\":\"count\"}],"
		 "\"rows\":[{\"name\":\"jobs\",\"capacity\":8,\"queued\":%d},"
		 "{\"name\":\"results\",\"queued\":1}]}]}}", queued);
	return buf;
}

static const char alloc_msg[] =
	"alloc_bytes {\"type\":\"hotpath_section\",\"schema\":1,\"topic\":\"alloc_bytes\","
	"\"report\":{\"sections\":[{\"id\":\"alloc_bytes\",\"title\":\"Allocated bytes\",\"columns\":["
	"{\"key\":\"name\",\"title\":\"Function\",\"unit\":\"text\"},"
	"{\"key\":\"calls\",\"title\":\"Calls\",\"unit\":\"count\"},"
	"{\"key\":\"total\",\"title\":\"Total\",\"unit\":\"bytes\"},"
	"{\"key\":\"percent_total\",\"title\":\"% Total\",\"unit\":\"percent\"},"
	"{\"key\":\"live\",\"title\":\"Live\",\"unit\":\"bytes\"}],"
	"\"rows\":[{\"name\":\"small\",\"calls\":10,\"total\":100,\"percent_total\":3.2,\"live\":0},"
	"{\"name\":\"big\",\"calls\":2,\"total\":3072,\"percent_total\":96.8,\"live\":1024}]}]}}";

static char dir[64];

/* Writes a panel script into the test's folder; returns its path (static). */
static const char *script(const char *name, const char *text)
{
	static char path[128];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "w");
	ck_assert_ptr_nonnull(f);
	fputs(text, f);
	fclose(f);
	return path;
}

static void setup(void)
{
	hpc_panels_time_cap(600000); /* the instruction and memory caps, not the clock */
	snprintf(dir, sizeof(dir), "/tmp/hp_panel.XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(dir));
	setenv("HOTPATH_SCRIPT_PATH", HP_SRCDIR "/scripts", 1);
}

static void teardown(void)
{
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	ck_assert_int_eq(system(cmd), 0);
}

/* A model with one target fed with msgs. */
static void model_with(hpc_model *m, const char *const *msgs, size_t n)
{
	hpc_model_init(m);
	hpc_model_add(m, "ipc:///x", 0);
	hpc_model_feed(m, 0, hello, strlen(hello), 1);
	for (size_t i = 0; i < n; i++)
		ck_assert_int_eq(hpc_model_feed(m, 0, msgs[i], strlen(msgs[i]), 1), 0);
}

START_TEST(top_alloc_table)
{
	const char *msgs[] = {alloc_msg};
	char *names[] = {(char *)"top_alloc"};
	hpc_model m;
	hpc_panels *p;
	hpc_section *t;

	model_with(&m, msgs, 1);
	p = hpc_panels_load(&m, names, 1);
	ck_assert_uint_eq(m.npanels, 1);
	ck_assert_str_eq(m.panels[0].title, "Top allocators");
	hpc_panels_update(p, &m, m.targets[0], 80, 20);
	ck_assert_msg(m.panels[0].error == NULL, "%s", m.panels[0].error);
	t = m.panels[0].table;
	ck_assert_ptr_nonnull(t);
	ck_assert_uint_eq(t->ncols, 6);
	ck_assert_str_eq(t->cols[1].title, "Allocated");
	ck_assert_uint_eq(t->nrows, 2);
	/* most bytes first, in the units of the metadata */
	ck_assert_str_eq(hpc_section_text(t, 0, 0), "big");
	ck_assert_str_eq(hpc_section_text(t, 0, 1), "3.00KiB");
	ck_assert_str_eq(hpc_section_text(t, 0, 2), "1.00KiB");
	ck_assert_str_eq(hpc_section_text(t, 0, 4), "1.50KiB");
	ck_assert_str_eq(hpc_section_text(t, 0, 5), "96.80%");
	ck_assert_str_eq(hpc_section_text(t, 1, 0), "small");
	/* the panel's table is navigated like a section */
	m.targets[0]->tab = m.targets[0]->nsecs;
	ck_assert_ptr_eq(hpc_model_section(&m), t);
	hpc_panels_free(p);
	hpc_model_fini(&m);
}
END_TEST

START_TEST(top_alloc_without_data)
{
	char *names[] = {(char *)"top_alloc.lua"};
	hpc_model m;
	hpc_panels *p;

	model_with(&m, NULL, 0);
	p = hpc_panels_load(&m, names, 1);
	hpc_panels_update(p, &m, m.targets[0], 80, 20);
	ck_assert_msg(m.panels[0].error == NULL, "%s", m.panels[0].error);
	ck_assert_ptr_null(m.panels[0].table);
	ck_assert_uint_eq(m.panels[0].nops, 2);
	ck_assert_int_eq(m.panels[0].ops[0].kind, HPC_DRAW_TEXT);
	ck_assert_str_eq(m.panels[0].ops[0].text, "No allocation data from pipe.");
	hpc_panels_free(p);
	hpc_model_fini(&m);
}
END_TEST

/* The first op of kind k in panel view v, or NULL. */
static const hpc_draw *op_of(const hpc_panel_view *v, hpc_draw_kind k, int y)
{
	for (size_t i = 0; i < v->nops; i++)
		if (v->ops[i].kind == k && v->ops[i].y == y)
			return &v->ops[i];
	return NULL;
}

START_TEST(channel_backlog_history)
{
	char *names[] = {(char *)"channel_backlog"};
	const hpc_draw *d;
	hpc_model m;
	hpc_panels *p;

	model_with(&m, NULL, 0);
	p = hpc_panels_load(&m, names, 1);
	ck_assert_str_eq(m.panels[0].title, "Channel backlog");
	for (int q = 2; q <= 6; q += 2) {
		hpc_model_feed(&m, 0, chan_msg(q), strlen(chan_msg(q)), 2);
		hpc_panels_update(p, &m, m.targets[0], 100, 20);
	}
	ck_assert_msg(m.panels[0].error == NULL, "%s", m.panels[0].error);
	d = op_of(&m.panels[0], HPC_DRAW_TEXT, 0);
	ck_assert_ptr_nonnull(d);
	ck_assert_ptr_nonnull(strstr(d->text, "Queued over time"));
	/* one sparkline per channel, with the values of every update */
	d = op_of(&m.panels[0], HPC_DRAW_SPARK, 1);
	ck_assert_ptr_nonnull(d);
	ck_assert_uint_eq(d->nvals, 3);
	ck_assert(d->vals[0] == 2 && d->vals[1] == 4 && d->vals[2] == 6);
	d = op_of(&m.panels[0], HPC_DRAW_BAR, 1);
	ck_assert_ptr_nonnull(d);
	ck_assert(d->frac == 0.75);
	ck_assert_str_eq(d->text, "6/8");
	ck_assert_int_eq(d->w, 12);
	/* no capacity: unbounded, no bar */
	ck_assert_ptr_null(op_of(&m.panels[0], HPC_DRAW_BAR, 2));
	ck_assert_ptr_nonnull(op_of(&m.panels[0], HPC_DRAW_SPARK, 2));
	hpc_panels_free(p);
	hpc_model_fini(&m);
}
END_TEST

/* Loads the script text as NAME and runs one update; returns the view. */
static const hpc_panel_view *run_one(hpc_model *m, hpc_panels **p, const char *name,
				     const char *text)
{
	char *names[1];

	names[0] = (char *)script(name, text);
	model_with(m, NULL, 0);
	*p = hpc_panels_load(m, names, 1);
	hpc_panels_update(*p, m, m->targets[0], 80, 20);
	return &m->panels[0];
}

/* A table of plain keys: each becomes {key, title = key, unit} with the
 * unit guessed from the first row (a number counts, anything else is
 * text; a first row as a list is read by position); an empty Lua table
 * is no rows; reals, booleans, a title of the panel's own. */
START_TEST(plain_key_columns)
{
	static const char *const text =
		"return function()\n"
		"  return {title = 'Mine', columns = {'name', 'n', 'share', 'ok'},\n"
		"          rows = {{name = 'a', n = 3, share = 0.25, ok = true},\n"
		"                  {name = 'b\\t\\\"', n = -7, share = 1e300, ok = false}}}\n"
		"end";
	hpc_model m;
	hpc_panels *p;
	const hpc_panel_view *v = run_one(&m, &p, "plain.lua", text);
	const hpc_section *t = v->table;

	ck_assert_msg(v->error == NULL, "%s", v->error);
	ck_assert_ptr_nonnull(t);
	ck_assert_str_eq(t->title, "Mine");
	ck_assert_uint_eq(t->ncols, 4);
	ck_assert_str_eq(t->cols[0].key, "name");
	ck_assert_str_eq(t->cols[0].title, "name");
	ck_assert_int_eq(t->cols[0].unit, HP_UNIT_TEXT);
	ck_assert_str_eq(t->cols[1].title, "n");
	ck_assert_int_eq(t->cols[1].unit, HP_UNIT_COUNT);
	ck_assert_int_eq(t->cols[2].unit, HP_UNIT_COUNT);
	ck_assert_int_eq(t->cols[3].unit, HP_UNIT_TEXT);
	ck_assert_uint_eq(t->nrows, 2);
	ck_assert_str_eq(hpc_section_text(t, 0, 0), "a");
	ck_assert_str_eq(hpc_section_text(t, 0, 1), "3");
	ck_assert_str_eq(hpc_section_text(t, 1, 0), "b \""); /* a tab shows as a space */
	ck_assert_str_eq(hpc_section_text(t, 1, 1), "-7");
	hpc_panels_free(p);
	hpc_model_fini(&m);

	v = run_one(&m, &p, "list.lua", "return function() return {columns = {'x', 'y'}, "
		    "rows = {{'one', 2}}} end");
	ck_assert_msg(v->error == NULL, "%s", v->error);
	ck_assert_int_eq(v->table->cols[0].unit, HP_UNIT_TEXT);
	ck_assert_int_eq(v->table->cols[1].unit, HP_UNIT_COUNT);
	ck_assert_str_eq(v->table->title, v->title);
	hpc_panels_free(p);
	hpc_model_fini(&m);

	v = run_one(&m, &p, "empty.lua", "return function() return {columns = {}, rows = {}} end");
	ck_assert_msg(v->error == NULL, "%s", v->error);
	ck_assert_uint_eq(v->table->ncols, 0);
	ck_assert_uint_eq(v->table->nrows, 0);
	hpc_panels_free(p);
	hpc_model_fini(&m);

	v = run_one(&m, &p, "list_top.lua", "return function() return {{1}, columns = {}} end");
	ck_assert_str_eq(v->error, "list_top.lua: update returned a table of rows that is not "
			 "a map");
	hpc_panels_free(p);
	hpc_model_fini(&m);
}
END_TEST

START_TEST(errors_inside_the_panel)
{
	static const struct {
		const char *name, *text, *error;
	} cases[] = {
		{"syntax.lua", "local x = \n return function( end", "syntax.lua:2: "},
		{"runtime.lua", "return function(snap, ui)\n  local t = nil\n  return t.x\nend",
		 "runtime.lua:3: attempt to index a nil value (local 't')"},
		{"number.lua", "return function() return 42 end",
		 "number.lua: update returned a number; expected nothing (after drawing) or a "
		 "table with columns and rows"},
		{"nocols.lua", "return function() return {rows = {}} end",
		 "nocols.lua: update returned a table without columns (a list) and rows (a list)"},
		{"notfn.lua", "return 7",
		 "notfn.lua: the script returned a number; expected a function update(snap, ui) "
		 "or a table with one"},
		{"loop.lua", "return function()\n  while true do end\nend",
		 "loop.lua:2: stopped: more than 20000000 instructions in one update"},
		/* caps that hold inside C code (core/lua_cap.c) */
		{"pattern.lua", "return function()\n  string.find(('a'):rep(3000), "
		 "'.-.-.-.-.-.-.-.-.-.-b')\nend", "pattern.lua:2: pattern too costly: "},
		{"gc.lua", "return function()\n  setmetatable({}, {__gc = function() "
		 "while true do end end})\nend",
		 "gc.lua:2: setmetatable: a __gc metamethod is not allowed"},
		{"bytecode.lua", "return function()\n  assert(load(string.dump(function() "
		 "end)))\nend", "bytecode.lua:2: attempt to load a binary chunk (mode is 't')"},
		/* a precompiled panel (luac's output starts with ESC "Lua") */
		{"compiled.lua", "\x1bLuaT\x00\x19\x93\r\n\x1a\n",
		 "attempt to load a binary chunk (mode is 't')"},
		{"memory.lua", "return function()\n  local t = {}\n  for i = 1, 1e8 do t[i] = "
		 "string.rep('x', 1000) .. i end\nend",
		 "memory.lua: stopped: more than 32 MiB of memory"},
		{"badui.lua", "return function(snap, ui) ui.bar(1, 1, 'wide') end",
		 "badui.lua:1: bad argument #3 to 'bar' (number expected, got string)"},
		{"noio.lua", "return function() io.write('x') end",
		 "noio.lua:1: attempt to index a nil value (global 'io')"},
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		hpc_model m;
		hpc_panels *p;
		const hpc_panel_view *v = run_one(&m, &p, cases[i].name, cases[i].text);

		ck_assert_msg(v->error != NULL, "%s: no error", cases[i].name);
		ck_assert_msg(strncmp(v->error, cases[i].error, strlen(cases[i].error)) == 0,
			      "%s: got \"%s\"", cases[i].name, v->error);
		hpc_panels_free(p);
		hpc_model_fini(&m);
	}
}
END_TEST

START_TEST(error_then_recovers)
{
	static const char text[] =
		"local n = 0\n"
		"return { title = 'Flaky', update = function(snap, ui)\n"
		"  n = n + 1\n"
		"  if n == 1 then error('first time') end\n"
		"  ui.text(1, 1, 'update ' .. n .. ' of ' .. snap.program)\n"
		"end }\n";
	char *names[3];
	hpc_model m;
	hpc_panels *p;

	names[0] = (char *)"nosuch_panel";
	names[1] = xstrdup(script("flaky.lua", text));
	names[2] = (char *)"top_alloc";
	model_with(&m, NULL, 0);
	p = hpc_panels_load(&m, names, 3);
	ck_assert_uint_eq(m.npanels, 3);
	ck_assert_str_eq(m.panels[0].title, "nosuch_panel");
	ck_assert_ptr_nonnull(strstr(m.panels[0].error, "nosuch_panel: not found"));
	ck_assert_str_eq(m.panels[1].title, "Flaky");
	hpc_panels_update(p, &m, m.targets[0], 80, 20);
	ck_assert_str_eq(m.panels[1].error, "flaky.lua:4: first time");
	ck_assert_ptr_null(m.panels[2].error); /* the others run on */
	hpc_panels_update(p, &m, m.targets[0], 80, 20);
	ck_assert_ptr_null(m.panels[1].error);
	ck_assert_str_eq(m.panels[1].ops[0].text, "update 2 of pipe");
	ck_assert_ptr_nonnull(strstr(m.panels[0].error, "not found")); /* stays */
	free(names[1]);
	hpc_panels_free(p);
	hpc_model_fini(&m);
}
END_TEST

START_TEST(snapshot_table)
{
	static const char text[] =
		"return function(snap, ui)\n"
		"  local s = snap.sections.channels\n"
		"  local r = s.rows[1]\n"
		"  ui.text(1, 1, table.concat(snap.order, ',') .. ' ' .. snap.pid .. ' ' ..\n"
		"    s.title .. ' ' .. s.columns[3].unit .. ' ' .. r.name .. ' ' ..\n"
		"    math.type(r.queued) .. ' ' .. tostring(s.rows[2].capacity) .. ' ' ..\n"
		"    tostring(snap.sections.nosuch) .. ' ' .. ui.width .. 'x' .. ui.height)\n"
		"end\n";
	char *names[1];
	hpc_model m;
	hpc_panels *p;

	names[0] = xstrdup(script("snap.lua", text));
	model_with(&m, NULL, 0);
	hpc_model_feed(&m, 0, chan_msg(3), strlen(chan_msg(3)), 2);
	p = hpc_panels_load(&m, names, 1);
	hpc_panels_update(p, &m, m.targets[0], 77, 19);
	ck_assert_msg(m.panels[0].error == NULL, "%s", m.panels[0].error);
	ck_assert_str_eq(m.panels[0].ops[0].text,
			 "functions,channels 42 Channels count jobs integer nil nil 77x19");
	free(names[0]);
	hpc_panels_free(p);
	hpc_model_fini(&m);
}
END_TEST

static Suite *panel_suite(void)
{
	Suite *s = suite_create("panel");
	TCase *tc = tcase_create("panel");

	tcase_set_timeout(tc, 60);
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, top_alloc_table);
	tcase_add_test(tc, top_alloc_without_data);
	tcase_add_test(tc, channel_backlog_history);
	tcase_add_test(tc, plain_key_columns);
	tcase_add_test(tc, errors_inside_the_panel);
	tcase_add_test(tc, error_then_recovers);
	tcase_add_test(tc, snapshot_table);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	setlocale(LC_ALL, "C.UTF-8");
	return hp_test_run(panel_suite());
}
