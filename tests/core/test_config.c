/* SPDX-License-Identifier: MIT */
/*
 * test_config.c - hotpath.yaml and HOTPATH_* (core/config.c): the values,
 * finding the file, whole files, origins; malformed YAML and bad values are
 * test_config_problems.c's, the environment and strict mode
 * test_config_env.c's.
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

#ifndef HP_SRCDIR
#define HP_SRCDIR "."
#endif

/* ---- defaults and percentiles ------------------------------------------- */

START_TEST(test_defaults)
{
	hpi_config c;

	hpi_config_defaults(&c);
	check_defaults(&c);
	ck_assert_ptr_null(c.path);
	hpi_config_fini(&c);
	ck_assert_ptr_null(c.output);
	hpi_config_fini(&c); /* a second fini is harmless */
	ck_assert_int_eq(nwarn, 0);
}
END_TEST

START_TEST(test_pct_parse_ok)
{
	double p[HPI_MAX_PCTS];
	size_t n = 99;
	char *cause = (char *)"unchanged";

	ck_assert_int_eq(hpi_parse_percentiles("50, 95,99.9", p, HPI_MAX_PCTS, &n, &cause), 0);
	ck_assert_ptr_null(cause);
	ck_assert_uint_eq(n, 3);
	ck_assert(p[0] == 50 && p[1] == 95 && p[2] == 99.9);
	ck_assert_int_eq(hpi_parse_percentiles(" 0 ,\t100 ", p, 2, &n, NULL), 0);
	ck_assert_uint_eq(n, 2);
	ck_assert(p[0] == 0 && p[1] == 100);
}
END_TEST

/* Asserts hpi_parse_percentiles(s, max) fails with rv and exactly cause. */
static void check_pct_error(const char *s, size_t max, int rv, const char *why)
{
	double p[40];
	size_t n = 99;
	char *cause = NULL;

	ck_assert_int_eq(hpi_parse_percentiles(s, p, max, &n, &cause), rv);
	ck_assert_uint_eq(n, 0);
	ck_assert_ptr_nonnull(cause);
	ck_assert_str_eq(cause, why);
	free(cause);
}

START_TEST(test_pct_parse_errors)
{
	char many[200] = "1";

	for (int i = 0; i < 32; i++)
		strcat(many, ",1");
	check_pct_error("50,x", 32, HP_EINVAL, "bad number \"x\"");
	check_pct_error("50, 150", 32, HP_ERANGE, "150 is outside 0..100");
	check_pct_error("-1", 32, HP_ERANGE, "-1 is outside 0..100");
	check_pct_error("1e3", 32, HP_ERANGE, "1e3 is outside 0..100");
	check_pct_error("nan", 32, HP_EINVAL, "bad number \"nan\"");
	check_pct_error("0x10", 32, HP_EINVAL, "bad number \"0x10\"");
	check_pct_error("50,,95", 32, HP_EINVAL, "bad number \"\"");
	check_pct_error(many, 32, HP_EINVAL, "too many percentiles (max 32)");
	check_pct_error("1,2,3", 2, HP_EINVAL, "too many percentiles (max 2)");
	check_pct_error("", 32, HP_EINVAL, "no percentiles given");
	check_pct_error("  ", 32, HP_EINVAL, "no percentiles given");
}
END_TEST

/* ---- finding the file ---------------------------------------------------- */

START_TEST(test_no_file_is_silent)
{
	hpi_config c;

	enter_tmpdir();
	ck_assert_int_eq(hpi_config_load(&c, NULL), 0);
	check_defaults(&c);
	ck_assert_ptr_null(c.path);
	ck_assert_int_eq(nwarn, 0);
	hpi_config_fini(&c);
}
END_TEST

START_TEST(test_file_in_cwd)
{
	hpi_config c;
	FILE *f;

	enter_tmpdir();
	f = fopen("hotpath.yaml", "w");
	ck_assert_ptr_nonnull(f);
	fputs("report:\n  limit: 7\n  format: jsn\n", f);
	fclose(f);
	ck_assert_int_eq(hpi_config_load(&c, NULL), 0);
	unlink("hotpath.yaml");
	ck_assert_str_eq(c.path, "hotpath.yaml");
	ck_assert_int_eq(c.limit, 7);
	ck_assert_int_eq(nwarn, 1);
	check_warn(0, "hotpath.yaml:3:11: report.format: expected table, json, json-pretty, "
		   "html or none, got \"jsn\"; using table");
	hpi_config_fini(&c);
}
END_TEST

START_TEST(test_file_from_env)
{
	const char *a = fixture("report: { limit: 3 }\n");
	const char *b = fixture("report: { limit: 4 }\n");
	hpi_config c;

	enter_tmpdir();
	setenv("HOTPATH_CONFIG", a, 1);
	ck_assert_int_eq(hpi_config_load(&c, NULL), 0);
	ck_assert_str_eq(c.path, a);
	ck_assert_int_eq(c.limit, 3);
	hpi_config_fini(&c);
	/* An explicit path wins over $HOTPATH_CONFIG. */
	ck_assert_int_eq(hpi_config_load(&c, b), 0);
	ck_assert_str_eq(c.path, b);
	ck_assert_int_eq(c.limit, 4);
	hpi_config_fini(&c);
	ck_assert_int_eq(nwarn, 0);
}
END_TEST

START_TEST(test_cannot_open)
{
	hpi_config c;

	ck_assert_int_eq(hpi_config_load(&c, "/nonexistent/hotpath.yaml"), 0);
	check_defaults(&c);
	ck_assert_ptr_null(c.path);
	hpi_config_fini(&c);
	setenv("HOTPATH_CONFIG", "/nonexistent/env.yaml", 1);
	ck_assert_int_eq(hpi_config_load(&c, NULL), 0);
	hpi_config_fini(&c);
	ck_assert_int_eq(hpi_config_load(&c, tmpbase()), 0);
	hpi_config_fini(&c);
	ck_assert_int_eq(nwarn, 3);
	check_warn(0, "/nonexistent/hotpath.yaml: cannot open: No such file or directory; "
		   "using built-in defaults");
	check_warn(1, "/nonexistent/env.yaml: cannot open: No such file or directory; "
		   "using built-in defaults");
	check_warn(2, "%s: cannot open: Is a directory; using built-in defaults", tmpbase());
}
END_TEST

/* ---- whole files ----------------------------------------------------------- */

static const char full_yaml[] =
	"strict: true\n"
	"collector: { drain_interval_ms: 5, buffer_max_mb: 128 }\n"
	"collectors:\n"
	"  timing: { enabled: false, recent_logs: 7, include: [a], exclude: [] }\n"
	"  alloc: { enabled: yes, self: on }\n"
	"  channels: { enabled: off, logs_limit: 0 }\n"
	"  streams: { enabled: false }\n"
	"  futures: { enabled: NO }\n"
	"  threads: { enabled: False, interval_ms: 1000 }\n"
	"  locks: { enabled: true }\n"
	"report:\n"
	"  format: json-pretty\n"
	"  percentiles: [50, 99.9, 100]\n"
	"  limit: 0\n"
	"  output: out.json\n"
	"  scripts:\n"
	"    - csv.lua\n"
	"    - { path: top.lua, options: { n: 3 } }\n"
	"  script_memory_mb: 8\n"
	"  script_instructions: 5000\n"
	"  on_signal: false\n"
	"publish:\n"
	"  endpoint: \"off\"\n"
	"  query: ipc:///tmp/q\n"
	"  interval_ms: 1000\n"
	"  tls: { cert: c.pem, key: k.pem, ca: ca.pem }\n"
	"plugins:\n"
	"  path: [/opt/hp]\n"
	"  load: [slowest, ./my.so]\n"
	"  options:\n"
	"    slowest: { count: 5, label: \"x y\" }\n"
	"console: { panels: [timing, threads] }\n";

START_TEST(test_full_file)
{
	char o[PATH_MAX + 32];
	const char *p;
	hpi_config c;

	ck_assert_int_eq(load(&c, full_yaml, &p), 0);
	ck_assert_int_eq(nwarn, 0);
	ck_assert_str_eq(c.path, p);
	ck_assert(c.strict);
	ck_assert_int_eq(c.drain_interval_ms, 5);
	ck_assert_int_eq(c.buffer_max_mb, 128);
	ck_assert(!HP_TEST_OPT(&c, "timing", "enabled")->b);
	ck_assert_int_eq(HP_TEST_OPT(&c, "timing", "recent_logs")->i, 7);
	ck_assert(HP_TEST_OPT(&c, "alloc", "enabled")->b && HP_TEST_OPT(&c, "alloc", "self")->b);
	ck_assert(!HP_TEST_OPT(&c, "channels", "enabled")->b);
	ck_assert_int_eq(HP_TEST_OPT(&c, "channels", "logs_limit")->i, 0);
	ck_assert(!HP_TEST_OPT(&c, "futures", "enabled")->b && !HP_TEST_OPT(&c, "threads", "enabled")->b);
	ck_assert_int_eq(HP_TEST_OPT(&c, "threads", "interval_ms")->i, 1000);
	ck_assert_int_eq(c.format, HP_FORMAT_JSON_PRETTY);
	ck_assert_uint_eq(c.npcts, 3);
	ck_assert(c.pcts[0] == 50 && c.pcts[1] == 99.9 && c.pcts[2] == 100);
	ck_assert_int_eq(c.limit, 0);
	ck_assert_str_eq(c.output, "out.json");
	ck_assert(!c.on_signal);
	ck_assert_str_eq(c.endpoint, "off");
	ck_assert_str_eq(c.query, "ipc:///tmp/q");
	ck_assert_int_eq(c.publish_interval_ms, 1000);
	ck_assert_uint_eq(c.scripts.n, 2);
	check_item(&c.scripts, 0, "csv.lua", (snprintf(o, sizeof o, "%s:17:7", p), o));
	check_item(&c.scripts, 1, "top.lua", (snprintf(o, sizeof o, "%s:18:15", p), o));
	ck_assert_ptr_null(c.scripts.opts[0]);
	ck_assert_str_eq(c.scripts.opts[1], "{\"n\":3}");
	ck_assert_int_eq(c.script_memory_mb, 8);
	ck_assert_int_eq(c.script_instructions, 5000);
	ck_assert_uint_eq(c.plugin_path.n, 1);
	check_item(&c.plugin_path, 0, "/opt/hp", (snprintf(o, sizeof o, "%s:28:10", p), o));
	ck_assert_uint_eq(c.plugin_load.n, 2);
	check_item(&c.plugin_load, 0, "slowest", (snprintf(o, sizeof o, "%s:29:10", p), o));
	check_item(&c.plugin_load, 1, "./my.so", (snprintf(o, sizeof o, "%s:29:19", p), o));
	ck_assert_uint_eq(c.noptions, 2);
	ck_assert_str_eq(c.options[0].key, "slowest.count");
	ck_assert_str_eq(c.options[0].value, "5");
	ck_assert_str_eq(c.options[1].key, "slowest.label");
	ck_assert_str_eq(c.options[1].value, "x y");
	hpi_config_fini(&c);
}
END_TEST

START_TEST(test_shipped_file_is_defaults)
{
	hpi_config c;

	ck_assert_int_eq(hpi_config_load(&c, HP_SRCDIR "/config/hotpath.yaml"), 0);
	ck_assert_int_eq(nwarn, 0);
	ck_assert_str_eq(c.path, HP_SRCDIR "/config/hotpath.yaml");
	check_defaults(&c);
	hpi_config_fini(&c);
}
END_TEST

START_TEST(test_empty_inputs)
{
	static const char *const texts[] = { "", "# only a comment\n", "---\n", "--- ~\n",
					     "---\n...\n", "\n\n   \n" };
	hpi_config c;

	for (size_t i = 0; i < sizeof texts / sizeof texts[0]; i++) {
		ck_assert_int_eq(load(&c, texts[i], NULL), 0);
		check_defaults(&c);
		hpi_config_fini(&c);
	}
	ck_assert_int_eq(nwarn, 0);
}
END_TEST

START_TEST(test_not_a_map)
{
	const char *p1, *p2;
	hpi_config c;

	ck_assert_int_eq(load(&c, "hello\n", &p1), 0);
	check_defaults(&c);
	hpi_config_fini(&c);
	ck_assert_int_eq(load(&c, "\n  - 1\n  - 2\n", &p2), 0);
	hpi_config_fini(&c);
	ck_assert_int_eq(nwarn, 2);
	check_warn(0, "%s:1:1: expected a map at the top level, got \"hello\"; "
		   "using built-in defaults", p1);
	check_warn(1, "%s:2:3: expected a map at the top level, got a list; "
		   "using built-in defaults", p2);
}
END_TEST

/* ---- origins --------------------------------------------------------------- */

START_TEST(test_origin_str)
{
	hpi_origin f = { .file = (char *)"hotpath.yaml", .line = 3, .col = 14 };
	hpi_origin e = { .env = (char *)"HOTPATH_PLUGINS" };
	hpi_origin d = { .file = NULL };
	char buf[64], small[8];

	ck_assert_str_eq(hpi_origin_str(&f, buf, sizeof buf), "hotpath.yaml:3:14");
	ck_assert_str_eq(hpi_origin_str(&e, buf, sizeof buf), "HOTPATH_PLUGINS");
	ck_assert_str_eq(hpi_origin_str(&d, buf, sizeof buf), "default");
	ck_assert_str_eq(hpi_origin_str(NULL, buf, sizeof buf), "default");
	ck_assert_str_eq(hpi_origin_str(&f, small, sizeof small), "hotpath");
	ck_assert_ptr_eq(hpi_origin_str(&f, buf, sizeof buf), buf);
}
END_TEST

START_TEST(test_load_twice)
{
	hpi_config c;

	for (int i = 0; i < 2; i++) {
		ck_assert_int_eq(load(&c, full_yaml, NULL), 0);
		hpi_config_fini(&c);
	}
	hpi_config_fini(&c);
	ck_assert_ptr_null(c.scripts.v);
	ck_assert_int_eq(nwarn, 0);
}
END_TEST

/* The values and the file (malformed YAML and bad values:
 * test_config_problems.c; the environment: test_config_env.c). */
static Suite *config_suite(void)
{
	Suite *s = suite_create("config");
	TCase *t;

	t = tcase_create("values");
	tcase_set_timeout(t, 10);
	tcase_add_checked_fixture(t, setup, teardown);
	tcase_add_test(t, test_defaults);
	tcase_add_test(t, test_pct_parse_ok);
	tcase_add_test(t, test_pct_parse_errors);
	tcase_add_test(t, test_origin_str);
	suite_add_tcase(s, t);

	t = tcase_create("file");
	tcase_set_timeout(t, 10);
	tcase_add_checked_fixture(t, setup, teardown);
	tcase_add_test(t, test_no_file_is_silent);
	tcase_add_test(t, test_file_in_cwd);
	tcase_add_test(t, test_file_from_env);
	tcase_add_test(t, test_cannot_open);
	tcase_add_test(t, test_full_file);
	tcase_add_test(t, test_shipped_file_is_defaults);
	tcase_add_test(t, test_empty_inputs);
	tcase_add_test(t, test_not_a_map);
	tcase_add_test(t, test_load_twice);
	suite_add_tcase(s, t);

	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(config_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed != 0 ? EXIT_FAILURE : EXIT_SUCCESS;
}
