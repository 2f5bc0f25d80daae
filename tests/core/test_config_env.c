/* SPDX-License-Identifier: MIT */
/*
 * test_config_env.c - HOTPATH_* over hotpath.yaml (core/config.c): the
 * variables, their aliases, bad values, lists, timing filters, strict mode.
 *
 * Each test writes its YAML to a temporary file, loads it, and checks the
 * exact values and the exact warning lines (with line and column).
 */
#include <check.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config_fixture.h"

/* ---- environment ----------------------------------------------------------- */

START_TEST(test_env_overrides_file)
{
	hpi_config c;

	setenv("HOTPATH_REPORT_LIMIT", "30", 1);
	setenv("HOTPATH_FORMAT", "json-pretty", 1);
	setenv("HOTPATH_REPORT_PERCENTILES", "50,99.9", 1);
	setenv("HOTPATH_COLLECTORS_TIMING_RECENT_LOGS", "0", 1);
	setenv("HOTPATH_COLLECTOR_DRAIN_INTERVAL_MS", "20", 1);
	setenv("HOTPATH_PUBLISH_ENDPOINT", "off", 1);
	setenv("HOTPATH_COLLECTORS_THREADS_ENABLED", "no", 1);
	ck_assert_int_eq(load(&c, "report: { limit: 20, format: json, output: r.txt }\n"
			      "collectors: { threads: { enabled: true } }\n", NULL), 0);
	ck_assert_int_eq(nwarn, 0);
	ck_assert_int_eq(c.limit, 30);
	ck_assert_int_eq(c.format, HP_FORMAT_JSON_PRETTY);
	ck_assert_str_eq(c.output, "r.txt");
	ck_assert_uint_eq(c.npcts, 2);
	ck_assert(c.pcts[0] == 50 && c.pcts[1] == 99.9);
	ck_assert_int_eq(HP_TEST_OPT(&c, "timing", "recent_logs")->i, 0);
	ck_assert_int_eq(c.drain_interval_ms, 20);
	ck_assert_str_eq(c.endpoint, "off");
	ck_assert(!HP_TEST_OPT(&c, "threads", "enabled")->b);
	hpi_config_fini(&c);
}
END_TEST

START_TEST(test_env_aliases)
{
	hpi_config c;

	enter_tmpdir();
	setenv("HOTPATH_FORMAT", "json", 1);
	setenv("HOTPATH_PERCENTILES", "10", 1);
	setenv("HOTPATH_LIMIT", "3", 1);
	setenv("HOTPATH_OUTPUT", "stdout", 1);
	setenv("HOTPATH_RECENT_LOGS", "7", 1);
	setenv("HOTPATH_LOGS_LIMIT", "8", 1);
	setenv("HOTPATH_ALLOC", "1", 1);
	setenv("HOTPATH_ALLOC_SELF", "true", 1);
	setenv("HOTPATH_PUB", "tcp://0.0.0.0:1", 1);
	setenv("HOTPATH_QUERY", "tcp://0.0.0.0:2", 1);
	setenv("HOTPATH_ON_SIGNAL", "yes", 1);
	setenv("HOTPATH_STRICT", "on", 1);
	ck_assert_int_eq(hpi_config_load(&c, NULL), 0);
	ck_assert_int_eq(nwarn, 0);
	ck_assert_int_eq(c.format, HP_FORMAT_JSON);
	ck_assert(c.npcts == 1 && c.pcts[0] == 10);
	ck_assert_int_eq(c.limit, 3);
	ck_assert_str_eq(c.output, "stdout");
	ck_assert_int_eq(HP_TEST_OPT(&c, "timing", "recent_logs")->i, 7);
	ck_assert_int_eq(HP_TEST_OPT(&c, "channels", "logs_limit")->i, 8);
	ck_assert(HP_TEST_OPT(&c, "alloc", "enabled")->b && HP_TEST_OPT(&c, "alloc", "self")->b && c.on_signal && c.strict);
	ck_assert_str_eq(c.endpoint, "tcp://0.0.0.0:1");
	ck_assert_str_eq(c.query, "tcp://0.0.0.0:2");
	hpi_config_fini(&c);
}
END_TEST

START_TEST(test_env_canonical_wins)
{
	hpi_config c;

	enter_tmpdir();
	setenv("HOTPATH_LIMIT", "5", 1);
	setenv("HOTPATH_REPORT_LIMIT", "6", 1);
	setenv("HOTPATH_PLUGINS", "a", 1);
	setenv("HOTPATH_PLUGINS_LOAD", "b", 1);
	setenv("HOTPATH_OUTPUT", "", 1); /* empty = unset */
	ck_assert_int_eq(hpi_config_load(&c, NULL), 0);
	ck_assert_int_eq(c.limit, 6);
	check_item(&c.plugin_load, 0, "b", "HOTPATH_PLUGINS_LOAD");
	ck_assert_uint_eq(c.plugin_load.n, 1);
	ck_assert_str_eq(c.output, "stderr");
	ck_assert_int_eq(nwarn, 0);
	hpi_config_fini(&c);
}
END_TEST

START_TEST(test_env_bad_values)
{
	hpi_config c;

	setenv("HOTPATH_LIMIT", "x", 1);
	setenv("HOTPATH_FORMAT", "xml", 1);
	setenv("HOTPATH_PERCENTILES", "50,150", 1);
	setenv("HOTPATH_ALLOC", "maybe", 1);
	setenv("HOTPATH_COLLECTORS_THREADS_INTERVAL_MS", "5", 1);
	setenv("HOTPATH_PUB", "", 1);
	ck_assert_int_eq(load(&c, "report: { limit: 20, percentiles: [99] }\n", NULL), 0);
	ck_assert_int_eq(nwarn, 5);
	check_warn(0, "HOTPATH_ALLOC: expected true or false, got \"maybe\"; using false");
	check_warn(1, "HOTPATH_COLLECTORS_THREADS_INTERVAL_MS: 5 is outside 10..60000; "
		   "using 250");
	check_warn(2, "HOTPATH_FORMAT: expected table, json, json-pretty, html or none, got \"xml\"; "
		   "using table");
	check_warn(3, "HOTPATH_PERCENTILES: 150 is outside 0..100; using [99]");
	check_warn(4, "HOTPATH_LIMIT: expected a non-negative integer, got \"x\"; using 20");
	ck_assert_int_eq(c.limit, 20); /* the file's value stays */
	ck_assert(c.npcts == 1 && c.pcts[0] == 99);
	hpi_config_fini(&c);
}
END_TEST

START_TEST(test_env_lists)
{
	const char *p;
	hpi_config c;

	setenv("HOTPATH_SCRIPTS", " a.lua , b.lua", 1);
	setenv("HOTPATH_PLUGINS", "x,,y,", 1);
	setenv("HOTPATH_PLUGIN_PATH", "/a:/b c", 1);
	ck_assert_int_eq(load(&c, "report: { scripts: [f.lua] }\nplugins: { load: [z] }\n", &p),
			 0);
	ck_assert_int_eq(nwarn, 0);
	ck_assert_uint_eq(c.scripts.n, 2); /* the variable replaces the file's list */
	check_item(&c.scripts, 0, "a.lua", "HOTPATH_SCRIPTS");
	check_item(&c.scripts, 1, "b.lua", "HOTPATH_SCRIPTS");
	ck_assert_uint_eq(c.plugin_load.n, 2);
	check_item(&c.plugin_load, 0, "x", "HOTPATH_PLUGINS");
	check_item(&c.plugin_load, 1, "y", "HOTPATH_PLUGINS");
	ck_assert_uint_eq(c.plugin_path.n, 2);
	check_item(&c.plugin_path, 0, "/a", "HOTPATH_PLUGIN_PATH");
	check_item(&c.plugin_path, 1, "/b c", "HOTPATH_PLUGIN_PATH");
	hpi_config_fini(&c);
}
END_TEST

/* collectors.timing.include / exclude: kept with their origins (the
 * filters name them in messages); the short variables work. */
START_TEST(test_timing_filters)
{
	const char *p;
	hpi_config c;

	setenv("HOTPATH_TIMING_EXCLUDE", "lexer::*, /^eval::/", 1);
	ck_assert_int_eq(load(&c, "collectors:\n  timing:\n    include: ['*::parse*', x]\n"
				  "    exclude: [y]\n", &p), 0);
	ck_assert_int_eq(nwarn, 0);
	ck_assert_uint_eq(HP_TEST_OPT(&c, "timing", "include")->v.n, 2);
	ck_assert_str_eq(HP_TEST_OPT(&c, "timing", "include")->v.v[0], "*::parse*");
	ck_assert_int_eq(HP_TEST_OPT(&c, "timing", "include")->v.origin[0].line, 3);
	ck_assert_int_eq(HP_TEST_OPT(&c, "timing", "include")->v.origin[0].col, 15);
	ck_assert_str_eq(HP_TEST_OPT(&c, "timing", "include")->v.v[1], "x");
	ck_assert_uint_eq(HP_TEST_OPT(&c, "timing", "exclude")->v.n, 2); /* the variable replaces the file's */
	check_item(&HP_TEST_OPT(&c, "timing", "exclude")->v, 0, "lexer::*", "HOTPATH_TIMING_EXCLUDE");
	check_item(&HP_TEST_OPT(&c, "timing", "exclude")->v, 1, "/^eval::/", "HOTPATH_TIMING_EXCLUDE");
	hpi_config_fini(&c);
}
END_TEST

/* ---- strict mode ----------------------------------------------------------- */

START_TEST(test_strict_file)
{
	const char *p;
	hpi_config c;

	ck_assert_int_eq(load(&c, "strict: true\nreport: { limit: 3, formt: x }\n", &p),
			 HP_EINVAL);
	ck_assert(c.strict);
	ck_assert_int_eq(c.limit, 3); /* c is still filled */
	check_warn(0, "%s:2:21: report.formt: unknown key, ignored", p);
	hpi_config_fini(&c);
	ck_assert_int_eq(load(&c, "strict: true\nreport: { limit: 3 }\n", NULL), 0);
	hpi_config_fini(&c);
	ck_assert_int_eq(load(&c, "strict: false\nreport: { limit: x }\n", NULL), 0);
	hpi_config_fini(&c);
	ck_assert_int_eq(nwarn, 2);
}
END_TEST

START_TEST(test_strict_env)
{
	hpi_config c;

	setenv("HOTPATH_STRICT", "yes", 1);
	ck_assert_int_eq(load(&c, "report: [\n", NULL), HP_EINVAL);
	ck_assert(c.strict);
	ck_assert_int_eq(c.limit, 15);
	hpi_config_fini(&c);
	ck_assert_int_eq(hpi_config_load(&c, "/nonexistent/h.yaml"), HP_EINVAL);
	hpi_config_fini(&c);
	setenv("HOTPATH_STRICT", "false", 1);
	ck_assert_int_eq(load(&c, "strict: true\nbogus: 1\n", NULL), 0);
	ck_assert(!c.strict);
	hpi_config_fini(&c);
	ck_assert_int_eq(nwarn, 3);
}
END_TEST

/* The environment, strict mode. */
static Suite *config_env_suite(void)
{
	Suite *s = suite_create("config_env");
	TCase *t;

	t = tcase_create("env");
	tcase_set_timeout(t, 10);
	tcase_add_checked_fixture(t, setup, teardown);
	tcase_add_test(t, test_env_overrides_file);
	tcase_add_test(t, test_env_aliases);
	tcase_add_test(t, test_env_canonical_wins);
	tcase_add_test(t, test_env_bad_values);
	tcase_add_test(t, test_env_lists);
	tcase_add_test(t, test_timing_filters);
	tcase_add_test(t, test_strict_file);
	tcase_add_test(t, test_strict_env);
	suite_add_tcase(s, t);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(config_env_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed != 0 ? EXIT_FAILURE : EXIT_SUCCESS;
}
