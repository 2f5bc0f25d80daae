/* SPDX-License-Identifier: MIT */
/*
 * test_lua.c - the Lua host (core/lua.c): finding a script, the exact
 * message of each way a script can go wrong (syntax error, runtime error,
 * instruction cap, memory cap, failure, bad return value, bad options), the
 * sandbox, and the guard's list of scripts.  Scripts are in
 * tests/lua/fixtures, which each test makes the current directory.
 */
#include "config.h"

#include <check.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fixture.h"

#ifndef HP_SCRIPTDIR
#define HP_SCRIPTDIR "?"
#endif

static char oldcwd[PATH_MAX];
static char warned[8192];

/* Warning sink: one line each. */
static void sink(const char *line, void *data)
{
	(void)data;
	strncat(warned, line, sizeof(warned) - strlen(warned) - 2);
	strcat(warned, "\n");
}

/* Per test: in the fixtures folder, no HOTPATH_* variable, warnings kept. */
static void setup(void)
{
	ck_assert_ptr_nonnull(getcwd(oldcwd, sizeof(oldcwd)));
	ck_assert_int_eq(chdir(fixture_dir()), 0);
	unsetenv("HOTPATH_SCRIPT_PATH");
	warned[0] = '\0';
	hpi_warn_set_sink(sink, NULL);
}

static void teardown(void)
{
	hpi_warn_set_sink(NULL, NULL);
	ck_assert_int_eq(chdir(oldcwd), 0);
}

/* Runs script on the fixture with lo (out replaced by a temporary file);
 * returns the hp_err, the cause in *cause and what the script printed in
 * *out (both malloc'ed; NULL when none). */
static int run(const char *script, hpi_lua_opts lo, char **cause, char **out)
{
	hp_snapshot *s = fixture_report();
	hpi_render_opts o = fixture_opts(0);
	FILE *f = tmpfile();
	long n;
	int rv;

	ck_assert_ptr_nonnull(f);
	lo.out = f;
	rv = hpi_lua_report(s, &o, script, &lo, cause);
	n = ftell(f);
	rewind(f);
	*out = calloc(1, (size_t)n + 1);
	ck_assert_uint_eq(fread(*out, 1, (size_t)n, f), (size_t)n);
	fclose(f);
	hpi_snapshot_free(s);
	return rv;
}

/* Asserts script ends with rv and exactly this cause. */
static void check_cause(const char *script, hpi_lua_opts lo, int rv, const char *want)
{
	char *cause = NULL, *out = NULL;

	ck_assert_int_eq(run(script, lo, &cause, &out), rv);
	ck_assert_ptr_nonnull(cause);
	ck_assert_str_eq(cause, want);
	free(cause);
	free(out);
}

START_TEST(syntax_error)
{
	check_cause("syntax.lua", (hpi_lua_opts){0}, HP_ESYNTAX,
		    "syntax error: syntax.lua:3: unexpected symbol near '='");
}
END_TEST

START_TEST(runtime_error_with_traceback)
{
	check_cause("runtime.lua", (hpi_lua_opts){0}, HP_ESCRIPT,
		    "error: runtime.lua:3: attempt to perform arithmetic on a nil value "
		    "(field 'missing')\n"
		    "  runtime.lua:3: in upvalue 'total'\n"
		    "  runtime.lua:7: in function <runtime.lua:6>");
}
END_TEST

START_TEST(instruction_cap)
{
	hpi_lua_opts lo = {.instructions = 100000};

	check_cause("loop.lua", lo, HP_ESCRIPT,
		    "stopped: loop.lua:3: more than 100000 instructions "
		    "(report.script_instructions)\n"
		    "  loop.lua:3: in function <loop.lua:2>");
	/* a pcall in the script cannot catch it for good */
	check_cause("catch.lua", lo, HP_ESCRIPT,
		    "stopped: catch.lua:4: more than 100000 instructions "
		    "(report.script_instructions)\n"
		    "  catch.lua:4: in function <catch.lua:2>");
}
END_TEST

START_TEST(memory_cap)
{
	hpi_lua_opts lo = {.memory_mb = 16};

	check_cause("huge.lua", lo, HP_ENOMEM,
		    "stopped: huge.lua:3: more than 16 MiB of memory (report.script_memory_mb)");
	check_cause("grow.lua", lo, HP_ENOMEM,
		    "stopped: grow.lua:4: more than 16 MiB of memory (report.script_memory_mb)");
}
END_TEST

/* A report too big for the cap stops before the script runs. */
START_TEST(memory_cap_while_building_the_report)
{
	hp_snapshot *s = fixture_report();
	hp_section *sec = hpi_section_add(s, "big", "Big");
	hpi_lua_opts lo = {.memory_mb = 1};
	char *cause = NULL;

	hpi_column_add(sec, "n", "N", HP_UNIT_COUNT);
	for (int i = 0; i < 40000; i++)
		hpi_cell_int(sec, hpi_row_add(sec), 0, i);
	ck_assert_int_eq(hpi_lua_report(s, NULL, "fail.lua", &lo, &cause), HP_ENOMEM);
	ck_assert_str_eq(cause, "stopped: more than 1 MiB of memory while building the "
			 "report table (report.script_memory_mb)");
	free(cause);
	hpi_snapshot_free(s);
}
END_TEST

START_TEST(failure_and_bad_return)
{
	check_cause("fail.lua", (hpi_lua_opts){0}, HP_ESCRIPT,
		    "failed: 2 checks failed\n  first: too slow");
	check_cause("badreturn.lua", (hpi_lua_opts){0}, HP_ESCRIPT,
		    "error: badreturn.lua returned number, not a function or a table with "
		    "a report function");
}
END_TEST

START_TEST(not_found)
{
	check_cause("nosuch.lua", (hpi_lua_opts){0}, HP_ENOENT,
		    "not found: searched as given, in " HP_SCRIPTDIR
		    " and in $HOTPATH_SCRIPT_PATH");
	check_cause("/nonexistent/x.lua", (hpi_lua_opts){0}, HP_ENOENT,
		    "not found: no such file");
}
END_TEST

START_TEST(bad_options)
{
	check_cause("options.lua", (hpi_lua_opts){.options = "{\"a\" 1}"}, HP_EINVAL,
		    "bad options: expected ':' at byte 6");
	check_cause("options.lua", (hpi_lua_opts){.options = "[1, 2]"}, HP_EINVAL,
		    "bad options: expected a JSON object");
	check_cause("options.lua", (hpi_lua_opts){.options = "{} x"}, HP_EINVAL,
		    "bad options: unexpected text after the value at byte 4");
}
END_TEST

/* hpi_lua_warn: the name on the first line, the rest as they are. */
START_TEST(warn_lines)
{
	hpi_lua_warn("runtime.lua", "error: runtime.lua:3: boom\n  runtime.lua:3: in upvalue 'f'");
	ck_assert_str_eq(warned, "runtime.lua: error: runtime.lua:3: boom\n"
			 "  runtime.lua:3: in upvalue 'f'\n");
}
END_TEST

/* The options object as the script sees it: every JSON type. */
START_TEST(options_types)
{
	char *cause = NULL, *out = NULL;
	hpi_lua_opts lo = {.options = "{\"n\": 3, \"x\": 2.5, \"big\": 1e300, \"s\": \"a\\u00b5\\n\","
			   " \"t\": true, \"f\": false, \"none\": null, \"list\": [1, \"two\"],"
			   " \"map\": {\"k\": -7}}"};

	ck_assert_int_eq(run("options.lua", lo, &cause, &out), 0);
	ck_assert_ptr_null(cause);
	ck_assert_str_eq(out, "big\tfloat\t1e+300\n"
			 "f\tboolean\tfalse\n"
			 "list\ttable\t[1,\"two\"]\n"
			 "map\ttable\t{\"k\":-7}\n"
			 "n\tinteger\t3\n"
			 "s\tstring\ta\xc2\xb5\n\n"
			 "t\tboolean\ttrue\n"
			 "x\tfloat\t2.5\n");
	free(out);
}
END_TEST

/* A table with a report function; no options is an empty table. */
START_TEST(table_with_report)
{
	char *cause = NULL, *out = NULL;

	ck_assert_int_eq(run("table_report.lua", (hpi_lua_opts){0}, &cause, &out), 0);
	ck_assert_str_eq(out, "demo::main\t[]\n");
	free(out);
	ck_assert_int_eq(run("table_report.lua", (hpi_lua_opts){.options = "{\"a\":[1]}"},
			     &cause, &out), 0);
	ck_assert_str_eq(out, "demo::main\t{\"a\":[1]}\n");
	free(out);
}
END_TEST

/* What the sandbox leaves out; a fresh state per run. */
START_TEST(sandbox)
{
	const char *want =
		"os.execute\tnil\tos.exit\tnil\tos.setlocale\tnil\n"
		"io.popen\tnil\tpackage.loadlib\tnil\n"
		"package.cpath\ttrue\n"
		"binary chunk\tnil\tattempt to load a binary chunk (mode is 't')\n"
		"text chunk\t2\n"
		"debug\t[\"traceback\"]\n"
		"helper\t42\n"
		"global seen before\tnil\n"
		"io.write goes to the same place\n"
		"true\tnil\tcannot close the report output\n";
	char *cause = NULL, *out = NULL;

	for (int i = 0; i < 2; i++) {
		ck_assert_int_eq(run("sandbox.lua", (hpi_lua_opts){0}, &cause, &out), 0);
		ck_assert_ptr_null(cause);
		ck_assert_str_eq(out, want);
		free(out);
	}
}
END_TEST

/* As given, with ".lua" added, in $HOTPATH_SCRIPT_PATH; never a folder. */
START_TEST(find)
{
	char *p, path[PATH_MAX + 64];

	p = hpi_lua_find("loop.lua");
	ck_assert_str_eq(p, "loop.lua");
	free(p);
	p = hpi_lua_find("loop");
	ck_assert_str_eq(p, "loop.lua");
	free(p);
	ck_assert_ptr_null(hpi_lua_find("."));
	ck_assert_ptr_null(hpi_lua_find(""));
	ck_assert_ptr_null(hpi_lua_find(NULL));
	ck_assert_int_eq(chdir("/"), 0);
	ck_assert_ptr_null(hpi_lua_find("loop"));
	setenv("HOTPATH_SCRIPT_PATH", "::/nonexistent:" HP_SRCDIR "/tests/lua/fixtures:", 1);
	p = hpi_lua_find("loop");
	snprintf(path, sizeof(path), "%s/loop.lua", fixture_dir());
	ck_assert_str_eq(p, path);
	free(p);
	p = hpi_lua_find(path); /* absolute: as given only */
	ck_assert_str_eq(p, path);
	free(p);
	ck_assert_ptr_null(hpi_lua_find("/loop.lua"));
}
END_TEST

/* The guard's runner: report.scripts with options, then the builder's;
 * each failure is reported, the count returned. */
START_TEST(run_scripts)
{
	hp_snapshot *s = fixture_report();
	hpi_render_opts o = fixture_opts(0);
	static char a[] = "fail.lua", b[] = "table_report.lua", bad[] = "{\"a\": x}";
	static char e1[] = "nosuch.lua", e2[] = "options.lua";
	char *v[] = {a, b}, *opts[] = {NULL, bad}, *extra[] = {e1, e2};
	hpi_config c;

	hpi_config_defaults(&c);
	c.scripts.v = v;
	c.scripts.opts = opts;
	c.scripts.n = 2;
	ck_assert_int_eq(hpi_lua_run_scripts(s, &o, &c, extra, 2), 3);
	ck_assert_str_eq(warned,
			 "fail.lua: failed: 2 checks failed\n"
			 "  first: too slow\n"
			 "table_report.lua: bad options: unexpected character at byte 7\n"
			 "nosuch.lua: not found: searched as given, in " HP_SCRIPTDIR
			 " and in $HOTPATH_SCRIPT_PATH\n");
	c.scripts.opts = NULL; /* a list made by hand may have no options at all */
	c.scripts.n = 1;
	ck_assert_int_eq(hpi_lua_run_scripts(s, &o, &c, NULL, 0), 1);
	memset(&c.scripts, 0, sizeof(c.scripts));
	hpi_config_fini(&c);
	hpi_snapshot_free(s);
}
END_TEST

static Suite *lua_suite(void)
{
	Suite *s = suite_create("lua");
	TCase *tc = tcase_create("errors");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, syntax_error);
	tcase_add_test(tc, runtime_error_with_traceback);
	tcase_add_test(tc, instruction_cap);
	tcase_add_test(tc, memory_cap);
	tcase_add_test(tc, memory_cap_while_building_the_report);
	tcase_add_test(tc, failure_and_bad_return);
	tcase_add_test(tc, not_found);
	tcase_add_test(tc, bad_options);
	tcase_add_test(tc, warn_lines);
	suite_add_tcase(s, tc);
	tc = tcase_create("host");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, options_types);
	tcase_add_test(tc, table_with_report);
	tcase_add_test(tc, sandbox);
	tcase_add_test(tc, find);
	tcase_add_test(tc, run_scripts);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(lua_suite());
	int nf;

	srunner_run_all(sr, CK_ENV);
	nf = srunner_ntests_failed(sr);
	srunner_free(sr);
	return nf == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
