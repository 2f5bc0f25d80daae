/* SPDX-License-Identifier: MIT */
/*
 * test_config_problems.c - hotpath.yaml (core/config.c): malformed YAML
 * and bad values, each a warning line with its line and column, and what
 * is kept instead.
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

/* ---- malformed YAML -------------------------------------------------------- */

START_TEST(test_syntax_error)
{
	const char *p;
	hpi_config c;

	ck_assert_int_eq(load(&c, "report:\n  limit: 3\n  format: [json\n", &p), 0);
	ck_assert_int_eq(nwarn, 1);
	check_warn(0, "%s:4:1: syntax error: did not find expected ',' or ']'; "
		   "using built-in defaults", p);
	check_defaults(&c); /* limit: 3 came before the error, but is not kept */
	ck_assert_str_eq(c.path, p);
	hpi_config_fini(&c);
	ck_assert_int_eq(load(&c, "report:\n  limit: 3\n    format: json\n", &p), 0);
	check_warn(1, "%s:3:11: syntax error: mapping values are not allowed in this "
		   "context; using built-in defaults", p);
	hpi_config_fini(&c);
}
END_TEST

START_TEST(test_not_utf8)
{
	const char *p;
	hpi_config c;

	p = fixture("report:\n  limit: 3\n  output: caf\xe9\n");
	ck_assert_int_eq(hpi_config_load(&c, p), 0);
	ck_assert_int_eq(nwarn, 1);
	check_warn(0, "%s:3:14: syntax error: incomplete UTF-8 octet sequence; "
		   "using built-in defaults", p);
	check_defaults(&c);
	hpi_config_fini(&c);
}
END_TEST

START_TEST(test_deep_nesting)
{
	char yaml[1000] = "a: ";
	const char *p;
	hpi_config c;

	for (int i = 0; i < 300; i++)
		strcat(yaml, "[");
	for (int i = 0; i < 300; i++)
		strcat(yaml, "]");
	strcat(yaml, "\n");
	ck_assert_int_eq(load(&c, yaml, &p), 0);
	ck_assert_int_eq(nwarn, 1);
	/* The map is level 1, so the 64th "[" (column 67) is one too many. */
	check_warn(0, "%s:1:67: nested deeper than 64 levels; using built-in defaults", p);
	check_defaults(&c);
	hpi_config_fini(&c);
}
END_TEST

START_TEST(test_second_document)
{
	const char *p;
	hpi_config c;

	ck_assert_int_eq(load(&c, "report: { limit: 3 }\n---\nreport: { limit: 4 }\n", &p), 0);
	ck_assert_int_eq(c.limit, 3);
	ck_assert_int_eq(nwarn, 1);
	check_warn(0, "%s:2:1: only the first YAML document is read, the rest is ignored", p);
	hpi_config_fini(&c);
}
END_TEST

START_TEST(test_aliases)
{
	const char *p;
	hpi_config c;

	ck_assert_int_eq(load(&c, "report:\n  limit: &n 5\n  output: *n\n"
			      "plugins: { load: [*n, x] }\n", &p), 0);
	ck_assert_int_eq(c.limit, 5); /* an anchor alone is fine */
	ck_assert_str_eq(c.output, "stderr");
	ck_assert_uint_eq(c.plugin_load.n, 1);
	ck_assert_str_eq(c.plugin_load.v[0], "x");
	ck_assert_int_eq(nwarn, 2);
	check_warn(0, "%s:3:11: report.output: aliases are not supported; using stderr", p);
	check_warn(1, "%s:4:19: plugins.load[0]: aliases are not supported; ignored", p);
	hpi_config_fini(&c);
}
END_TEST

/* ---- bad values ------------------------------------------------------------ */

START_TEST(test_wrong_type_keeps_default)
{
	const char *p;
	hpi_config c;

	ck_assert_int_eq(load(&c, "report:\n  format: json\n  limit: abc\n  output: x.txt\n", &p), 0);
	ck_assert_int_eq(nwarn, 1);
	check_warn(0, "%s:3:10: report.limit: expected a non-negative integer, got \"abc\"; "
		   "using 15", p);
	ck_assert_int_eq(c.limit, 15);
	ck_assert_int_eq(c.format, HP_FORMAT_JSON); /* the other keys still apply */
	ck_assert_str_eq(c.output, "x.txt");
	hpi_config_fini(&c);
}
END_TEST

START_TEST(test_bad_enum)
{
	const char *p;
	hpi_config c;

	ck_assert_int_eq(load(&c, "report: { limit: 3, format: xml }\n", &p), 0);
	ck_assert_int_eq(nwarn, 1);
	check_warn(0, "%s:1:29: report.format: expected table, json, json-pretty, html or none, "
		   "got \"xml\"; using table", p);
	ck_assert_int_eq(c.format, HP_FORMAT_TABLE);
	ck_assert_int_eq(c.limit, 3);
	hpi_config_fini(&c);
	ck_assert_int_eq(load(&c, "report: { format: NONE }\n", &p), 0);
	ck_assert_int_eq(c.format, HP_FORMAT_NONE);
	ck_assert_int_eq(nwarn, 1);
	hpi_config_fini(&c);
}
END_TEST

START_TEST(test_percentile_out_of_range)
{
	const char *p;
	hpi_config c;

	ck_assert_int_eq(load(&c, "report:\n  percentiles: [50, 150, 99]\n  limit: 4\n", &p), 0);
	ck_assert_int_eq(nwarn, 1);
	check_warn(0, "%s:2:21: report.percentiles[1]: 150 is outside 0..100; using [95]", p);
	ck_assert_uint_eq(c.npcts, 1); /* the whole list falls back */
	ck_assert(c.pcts[0] == 95);
	ck_assert_int_eq(c.limit, 4);
	hpi_config_fini(&c);
}
END_TEST

START_TEST(test_percentile_forms)
{
	const char *p;
	hpi_config c;

	ck_assert_int_eq(load(&c, "report: { percentiles: \"50, 99.9\" }\n", &p), 0);
	ck_assert_uint_eq(c.npcts, 2);
	ck_assert(c.pcts[0] == 50 && c.pcts[1] == 99.9);
	hpi_config_fini(&c);
	ck_assert_int_eq(nwarn, 0);
	ck_assert_int_eq(load(&c, "report: { percentiles: \"50,x\" }\n", &p), 0);
	check_warn(0, "%s:1:24: report.percentiles: bad number \"x\"; using [95]", p);
	hpi_config_fini(&c);
	ck_assert_int_eq(load(&c, "report: { percentiles: [50, {a: 1}] }\n", &p), 0);
	check_warn(1, "%s:1:29: report.percentiles[1]: expected a number, got a map; "
		   "using [95]", p);
	hpi_config_fini(&c);
	ck_assert_int_eq(load(&c, "report: { percentiles: [50, abc] }\n", &p), 0);
	check_warn(2, "%s:1:29: report.percentiles[1]: expected a number, got \"abc\"; "
		   "using [95]", p);
	hpi_config_fini(&c);
	ck_assert_int_eq(load(&c, "report: { percentiles: [] }\n", &p), 0);
	check_warn(3, "%s:1:24: report.percentiles: no percentiles given; using [95]", p);
	hpi_config_fini(&c);
	ck_assert_int_eq(load(&c, "report: { percentiles: [1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,"
			      "1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1] }\n", &p), 0);
	check_warn(4, "%s:1:24: report.percentiles: too many percentiles (max 32); "
		   "using [95]", p);
	ck_assert_uint_eq(c.npcts, 1);
	hpi_config_fini(&c);
	ck_assert_int_eq(nwarn, 5);
}
END_TEST

START_TEST(test_unknown_keys)
{
	const char *p;
	hpi_config c;

	ck_assert_int_eq(load(&c, "colectors: {}\nreport:\n  formt: json\n  limit: 2\n"
			      "collectors:\n  gpu: { enabled: true }\n", &p), 0);
	ck_assert_int_eq(nwarn, 3);
	check_warn(0, "%s:1:1: colectors: unknown key, ignored", p);
	check_warn(1, "%s:3:3: report.formt: unknown key, ignored", p);
	check_warn(2, "%s:6:3: collectors.gpu: unknown key, ignored", p);
	ck_assert_int_eq(c.limit, 2);
	ck_assert_int_eq(c.format, HP_FORMAT_TABLE);
	hpi_config_fini(&c);
}
END_TEST

START_TEST(test_wrong_node_kind)
{
	const char *p;
	hpi_config c;

	ck_assert_int_eq(load(&c, "plugins:\n  load: { a: 1 }\n  path: /opt\n"
			      "report: [1]\ncollector:\n  drain_interval_ms: [5]\n"
			      "? [complex]\n: 1\n", &p), 0);
	ck_assert_int_eq(nwarn, 5);
	check_warn(0, "%s:2:9: plugins.load: expected a list; ignored", p);
	check_warn(1, "%s:3:9: plugins.path: expected a list; ignored", p);
	check_warn(2, "%s:4:9: report: expected a map; ignored", p);
	check_warn(3, "%s:6:22: collector.drain_interval_ms: expected an integer in 1..10000, "
		   "got a list; using 10", p);
	check_warn(4, "%s:7:3: expected a scalar key, got a list; ignored", p);
	check_defaults(&c);
	hpi_config_fini(&c);
}
END_TEST

START_TEST(test_booleans)
{
	const char *p;
	hpi_config c;

	ck_assert_int_eq(load(&c, "strict: No\ncollectors:\n  alloc: { enabled: YES, self: On }\n"
			      "  timing: { enabled: off }\n  futures: { enabled: 0 }\n"
			      "  threads: { enabled: maybe }\nreport: { on_signal: TRUE }\n", &p), 0);
	ck_assert(!c.strict);
	ck_assert(HP_TEST_OPT(&c, "alloc", "enabled")->b && HP_TEST_OPT(&c, "alloc", "self")->b && c.on_signal);
	ck_assert(!HP_TEST_OPT(&c, "timing", "enabled")->b && !HP_TEST_OPT(&c, "futures", "enabled")->b);
	ck_assert(HP_TEST_OPT(&c, "threads", "enabled")->b);
	ck_assert_int_eq(nwarn, 1);
	check_warn(0, "%s:6:23: collectors.threads.enabled: expected true or false, "
		   "got \"maybe\"; using true", p);
	hpi_config_fini(&c);
}
END_TEST

START_TEST(test_integers)
{
	const char *p;
	hpi_config c;

	ck_assert_int_eq(load(&c, "collector:\n  drain_interval_ms: 0\n"
			      "  buffer_max_mb: 99999999999999999999999\n"
			      "collectors:\n  timing: { recent_logs: 10ms }\n"
			      "  threads: { interval_ms: 0x10 }\n"
			      "  channels: { logs_limit: 100000 }\n"
			      "report: { limit: -1 }\n", &p), 0);
	ck_assert_int_eq(nwarn, 5);
	check_warn(0, "%s:2:22: collector.drain_interval_ms: 0 is outside 1..10000; using 10", p);
	check_warn(1, "%s:3:18: collector.buffer_max_mb: 99999999999999999999999 is outside "
		   "1..65536; using 64", p);
	check_warn(2, "%s:5:26: collectors.timing.recent_logs: expected an integer in "
		   "0..100000, got \"10ms\"; using 50", p);
	check_warn(3, "%s:6:27: collectors.threads.interval_ms: expected an integer in "
		   "10..60000, got \"0x10\"; using 250", p);
	check_warn(4, "%s:8:18: report.limit: expected a non-negative integer, got \"-1\"; "
		   "using 15", p);
	ck_assert_int_eq(HP_TEST_OPT(&c, "channels", "logs_limit")->i, 100000);
	hpi_config_fini(&c);
	ck_assert_int_eq(load(&c, "report: { limit: 99999999999999999999 }\n", &p), 0);
	check_warn(5, "%s:1:18: report.limit: 99999999999999999999 is too large; using 15", p);
	hpi_config_fini(&c);
	ck_assert_int_eq(load(&c, "report: { limit: 9223372036854775807 }\n", &p), 0);
	ck_assert_int_eq(c.limit, LONG_MAX);
	ck_assert_int_eq(nwarn, 6);
	hpi_config_fini(&c);
}
END_TEST

START_TEST(test_null_values)
{
	const char *p;
	hpi_config c;

	ck_assert_int_eq(load(&c, "report:\n  scripts: [a.lua]\n  scripts:\n"
			      "  on_signal:\n  output: ~\nplugins:\n  options:\n"
			      "collectors:\n", &p), 0);
	ck_assert_uint_eq(c.scripts.n, 0); /* null empties a list */
	ck_assert_int_eq(nwarn, 2);
	check_warn(0, "%s:4:13: report.on_signal: expected true or false, got null; "
		   "using true", p);
	check_warn(1, "%s:5:11: report.output: expected a non-empty string, got null; "
		   "using stderr", p);
	hpi_config_fini(&c);
}
END_TEST

START_TEST(test_duplicate_keys)
{
	const char *p;
	hpi_config c;

	ck_assert_int_eq(load(&c, "report:\n  limit: 3\n  limit: 4\n  scripts: [a, b]\n"
			      "  scripts: [c]\nreport: { format: json }\n", &p), 0);
	ck_assert_int_eq(nwarn, 0);
	ck_assert_int_eq(c.limit, 4);
	ck_assert_int_eq(c.format, HP_FORMAT_JSON);
	ck_assert_uint_eq(c.scripts.n, 1);
	ck_assert_str_eq(c.scripts.v[0], "c");
	hpi_config_fini(&c);
}
END_TEST

START_TEST(test_scripts)
{
	char o[PATH_MAX + 32];
	const char *p;
	hpi_config c;

	ck_assert_int_eq(load(&c, "report:\n  scripts:\n    - a.lua\n"
			      "    - { path: b.lua, options: { top: 3 } }\n"
			      "    - { options: {} }\n    - { path: c.lua, options: 3, x: 1 }\n"
			      "    - \"\"\n    - [d.lua]\n", &p), 0);
	ck_assert_uint_eq(c.scripts.n, 3);
	check_item(&c.scripts, 0, "a.lua", (snprintf(o, sizeof o, "%s:3:7", p), o));
	check_item(&c.scripts, 1, "b.lua", (snprintf(o, sizeof o, "%s:4:15", p), o));
	check_item(&c.scripts, 2, "c.lua", (snprintf(o, sizeof o, "%s:6:15", p), o));
	ck_assert_ptr_null(c.scripts.opts[0]);
	ck_assert_str_eq(c.scripts.opts[1], "{\"top\":3}");
	ck_assert_ptr_null(c.scripts.opts[2]); /* options: 3 is not a map */
	ck_assert_int_eq(nwarn, 5);
	check_warn(0, "%s:5:7: report.scripts[2]: missing key \"path\"; ignored", p);
	check_warn(1, "%s:6:31: report.scripts[3].options: expected a map; ignored", p);
	check_warn(2, "%s:6:34: report.scripts[3].x: unknown key, ignored", p);
	check_warn(3, "%s:7:7: report.scripts[4]: expected a non-empty string, got \"\"; "
		   "ignored", p);
	check_warn(4, "%s:8:7: report.scripts[5]: expected a non-empty string, got a list; "
		   "ignored", p);
	hpi_config_fini(&c);
}
END_TEST

/* A script's options map becomes JSON text: maps, lists, plain scalars
 * typed as YAML 1.2's core schema, quoted ones always strings. */
START_TEST(test_script_options)
{
	const char *p;
	hpi_config c;

	ck_assert_int_eq(load(&c, "report:\n  scripts:\n    - path: a.lua\n      options:\n"
			      "        s: plain text\n        q: \"2\"\n        i: 42\n"
			      "        neg: -7\n        f: 2.50\n        e: 1e3\n"
			      "        big: 99999999999999999999\n        t: true\n"
			      "        F: False\n        y: yes\n        n: ~\n        e2: ''\n"
			      "        l: [1, two, [3]]\n        m: { k: v, \"k 2\": 0x10 }\n"
			      "        a: &x 5\n        b: *x\n        ? [x]\n        : 1\n"
			      "    - { path: b.lua, options: {} }\n    - { path: c.lua, options: }\n",
			      &p), 0);
	ck_assert_uint_eq(c.scripts.n, 3);
	ck_assert_str_eq(c.scripts.opts[0],
			 "{\"s\":\"plain text\",\"q\":\"2\",\"i\":42,\"neg\":-7,\"f\":2.5,"
			 "\"e\":1e+03,\"big\":1e+20,\"t\":true,\"F\":false,\"y\":\"yes\","
			 "\"n\":null,\"e2\":\"\",\"l\":[1,\"two\",[3]],"
			 "\"m\":{\"k\":\"v\",\"k 2\":\"0x10\"},\"a\":5,\"b\":null}");
	ck_assert_str_eq(c.scripts.opts[1], "{}");
	ck_assert_ptr_null(c.scripts.opts[2]);
	ck_assert_int_eq(nwarn, 2);
	check_warn(0, "%s:20:12: report.scripts[0].options.b: aliases are not supported; "
		   "using null", p);
	check_warn(1, "%s:21:11: report.scripts[0].options: expected a scalar key, got a list; "
		   "ignored", p);
	hpi_config_fini(&c);
}
END_TEST

START_TEST(test_plugin_options)
{
	const char *p;
	hpi_config c;

	ck_assert_int_eq(load(&c, "plugins:\n  options:\n    slowest: { count: 5, deep: [1] }\n"
			      "    other: 3\n    net: { port: 9, port: 10 }\n    empty:\n", &p), 0);
	ck_assert_uint_eq(c.noptions, 2);
	ck_assert_str_eq(c.options[0].key, "slowest.count");
	ck_assert_str_eq(c.options[0].value, "5");
	ck_assert_str_eq(c.options[1].key, "net.port");
	ck_assert_str_eq(c.options[1].value, "10");
	ck_assert_int_eq(nwarn, 2);
	check_warn(0, "%s:3:32: plugins.options.slowest.deep: expected a scalar, got a list; "
		   "ignored", p);
	check_warn(1, "%s:4:12: plugins.options.other: expected a map; ignored", p);
	hpi_config_fini(&c);
}
END_TEST

START_TEST(test_reserved_keys)
{
	const char *p;
	hpi_config c;

	ck_assert_int_eq(load(&c, "collectors:\n  streams: { enabled: false }\n"
			      "  locks: { enabled: sometimes }\n"
			      "  timing: { include: [a, b], exclude: [c] }\n"
			      "publish: { tls: { cert: c.pem, key: \"\" } }\n"
			      "console: { panels: [timing] }\n", &p), 0);
	ck_assert_int_eq(nwarn, 2);
	check_warn(0, "%s:3:21: collectors.locks.enabled: expected true or false, "
		   "got \"sometimes\"; using true", p);
	check_warn(1, "%s:5:37: publish.tls.key: expected a non-empty string, got \"\"; "
		   "using nothing", p);
	check_defaults(&c);
	hpi_config_fini(&c);
}
END_TEST

START_TEST(test_message_escapes)
{
	const char *p;
	hpi_config c;

	ck_assert_int_eq(load(&c, "report:\n  limit: \"a\\tb\\\"c\\u0001\"\n"
			      "  format: aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\n",
			      &p), 0);
	ck_assert_int_eq(nwarn, 2);
	check_warn(0, "%s:2:10: report.limit: expected a non-negative integer, "
		   "got \"a\\tb\\\"c\\x01\"; using 15", p);
	check_warn(1, "%s:3:11: report.format: expected table, json, json-pretty, html or none, "
		   "got \"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa...\"; "
		   "using table", p);
	hpi_config_fini(&c);
}
END_TEST

/* Malformed YAML, bad values. */
static Suite *config_problems_suite(void)
{
	Suite *s = suite_create("config_problems");
	TCase *t;

	t = tcase_create("problems");
	tcase_set_timeout(t, 10);
	tcase_add_checked_fixture(t, setup, teardown);
	tcase_add_test(t, test_syntax_error);
	tcase_add_test(t, test_not_utf8);
	tcase_add_test(t, test_deep_nesting);
	tcase_add_test(t, test_second_document);
	tcase_add_test(t, test_aliases);
	tcase_add_test(t, test_wrong_type_keeps_default);
	tcase_add_test(t, test_bad_enum);
	tcase_add_test(t, test_percentile_out_of_range);
	tcase_add_test(t, test_percentile_forms);
	tcase_add_test(t, test_unknown_keys);
	tcase_add_test(t, test_wrong_node_kind);
	tcase_add_test(t, test_booleans);
	tcase_add_test(t, test_integers);
	tcase_add_test(t, test_null_values);
	tcase_add_test(t, test_duplicate_keys);
	tcase_add_test(t, test_scripts);
	tcase_add_test(t, test_script_options);
	tcase_add_test(t, test_plugin_options);
	tcase_add_test(t, test_reserved_keys);
	tcase_add_test(t, test_message_escapes);
	suite_add_tcase(s, t);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(config_problems_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed != 0 ? EXIT_FAILURE : EXIT_SUCCESS;
}
