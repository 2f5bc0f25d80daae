/* SPDX-License-Identifier: MIT */
/*
 * test_scripts.c - the bundled reporters in scripts/, each one's exact
 * output on the fixed report: csv.lua, json_file.lua, markdown.lua,
 * log.lua and budget.lua, found by bare name through $HOTPATH_SCRIPT_PATH
 * as an uninstalled build finds them.
 */
#include "config.h"

#include <check.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fixture.h"

static char tmpdir[64];

/* Per test: bundled scripts on the search path, a fresh folder for files. */
static void setup(void)
{
	setenv("HOTPATH_SCRIPT_PATH", HP_SRCDIR "/scripts", 1);
	strcpy(tmpdir, "/tmp/hp_scripts_XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(tmpdir));
}

/* Removes the folder and the files the scripts wrote. */
static void teardown(void)
{
	static const char *const names[] = {"functions.csv", "alloc.csv", "slowest.csv",
					    "r.json", "r.md", "r.log"};
	char path[128];

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		snprintf(path, sizeof(path), "%s/%s", tmpdir, names[i]);
		unlink(path);
	}
	rmdir(tmpdir);
}

/* Runs script on the fixture; returns the hp_err, with what it printed in
 * *out and its cause in *cause (both malloc'ed or NULL). */
static int run(const char *script, size_t limit, const char *options, char **out, char **cause)
{
	hp_snapshot *s = fixture_report();
	hpi_render_opts o = fixture_opts(limit);
	hpi_lua_opts lo = {.options = options, .out = tmpfile()};
	long n;
	int rv;

	ck_assert_ptr_nonnull(lo.out);
	*cause = NULL;
	rv = hpi_lua_report(s, &o, script, &lo, cause);
	n = ftell(lo.out);
	rewind(lo.out);
	*out = calloc(1, (size_t)n + 1);
	ck_assert_uint_eq(fread(*out, 1, (size_t)n, lo.out), (size_t)n);
	fclose(lo.out);
	hpi_snapshot_free(s);
	return rv;
}

/* Runs script, which must succeed; returns what it printed (caller frees). */
static char *ok(const char *script, size_t limit, const char *options)
{
	char *out, *cause;

	if (run(script, limit, options, &out, &cause) != 0)
		ck_abort_msg("%s: %s", script, cause);
	return out;
}

/* The file tmpdir/name (caller frees). */
static char *written(const char *name)
{
	char path[128], *s;

	snprintf(path, sizeof(path), "%s/%s", tmpdir, name);
	s = fixture_slurp(path);
	ck_assert_msg(s != NULL, "%s was not written", path);
	return s;
}

/* Asserts that got is tests/lua/expected/<name>. */
static void check_expected(const char *got, const char *name)
{
	char path[PATH_MAX], *want;

	snprintf(path, sizeof(path), "%s/tests/lua/expected/%s", HP_SRCDIR, name);
	want = fixture_slurp(path);
	ck_assert_msg(want != NULL, "cannot read %s", path);
	ck_assert_str_eq(got, want);
	free(want);
}

/* Options JSON with the temporary folder in it. */
static const char *opts(const char *fmt)
{
	static char buf[256];

	snprintf(buf, sizeof(buf), fmt, tmpdir);
	return buf;
}

START_TEST(csv)
{
	static const char *const files[] = {"functions.csv", "alloc.csv", "slowest.csv"};
	char *out = ok("csv", 0, opts("{\"dir\": \"%s\"}")), *got;

	ck_assert_str_eq(out, "");
	free(out);
	for (size_t i = 0; i < 3; i++) {
		got = written(files[i]);
		check_expected(got, files[i]);
		free(got);
	}
}
END_TEST

START_TEST(csv_cannot_write)
{
	char *out, *cause;

	ck_assert_int_eq(run("csv.lua", 0, "{\"dir\": \"/nonexistent\"}", &out, &cause),
			 HP_ESCRIPT);
	ck_assert_str_eq(cause, "failed: cannot write /nonexistent/functions.csv: "
			 "No such file or directory");
	free(out);
	free(cause);
}
END_TEST

/* json_file writes the JSON report byte for byte, compact or pretty. */
START_TEST(json_file)
{
	hp_snapshot *s = fixture_report();
	hpi_render_opts o = fixture_opts(2);
	hpi_buf want;
	char *out, *got;

	for (int pretty = 0; pretty < 2; pretty++) {
		out = ok("json_file", 2, opts(pretty ? "{\"path\": \"%s/r.json\", \"pretty\": true}"
					      : "{\"path\": \"%s/r.json\"}"));
		ck_assert_str_eq(out, "");
		hpi_buf_init(&want);
		hpi_render_json(&want, s, &o, pretty);
		got = written("r.json");
		ck_assert_str_eq(got, want.data);
		free(got);
		free(out);
		hpi_buf_fini(&want);
	}
	hpi_snapshot_free(s);
}
END_TEST

START_TEST(markdown)
{
	char *out = ok("markdown", 0, NULL), *got;

	check_expected(out, "report.md");
	free(ok("markdown.lua", 0, opts("{\"path\": \"%s/r.md\"}")));
	got = written("r.md");
	ck_assert_str_eq(got, out);
	free(got);
	free(out);
	out = ok("markdown", 2, "{\"title\": \"PR #12\", \"columns\": \"all\"}");
	ck_assert_ptr_nonnull(strstr(out, "### PR \\#12: `demo::main`\n"));
	ck_assert_ptr_nonnull(strstr(out, "| Function | Calls | Avg | Min | Max | P50 | P99\\.9 |"
				     " Total | % Total |\n"));
	ck_assert_ptr_nonnull(strstr(out, "\n\n_2 of 3 rows._\n"));
	free(out);
}
END_TEST

/* log.lua appends one logfmt line per row. */
START_TEST(logfmt)
{
	const char *o = opts("{\"path\": \"%s/r.log\", \"fields\": {\"env\": \"ci\", "
			     "\"run id\": \"a b\"}}");
	char *got, *twice, *want;

	free(ok("log", 0, o));
	got = written("r.log");
	check_expected(got, "report.logfmt");
	free(ok("log", 0, o));
	twice = written("r.log");
	want = hpi_asprintf("%s%s", got, got);
	ck_assert_str_eq(twice, want);
	free(want);
	free(twice);
	free(got);
}
END_TEST

START_TEST(budget_met)
{
	char *out = ok("budget", 0, "{\"budgets\": {\"demo::parse\": \"2.5ms\", "
		       "\"custom_block\": 40}}");

	ck_assert_str_eq(out, "budget: all 2 budgets met (p99.9)\n");
	free(out);
	out = ok("budget", 0, "{\"budgets\": {\"demo::parse\": \"2ms\"}, \"percentile\": 50, "
		 "\"quiet\": true}");
	ck_assert_str_eq(out, "");
	free(out);
}
END_TEST

/* Each kind of failure: over budget, missing, bad duration, bad options. */
START_TEST(budget_failed)
{
	static const struct {
		const char *options, *cause;
	} cases[] = {
		{"{\"budgets\": {\"demo::parse\": \"2ms\", \"custom_block\": \"1us\", "
		 "\"nosuch\": \"1s\", \"demo::io | \\\"slow\\\", really\": \"fast\"}}",
		 "failed: 3 of 4 budgets failed (p99.9)\n"
		 "  demo::io | \"slow\", really: bad duration \"fast\" (use e.g. 500us, 2ms, 1.5s)\n"
		 "  demo::parse: p99.9 2.48ms is over its budget of 2.00ms\n"
		 "  nosuch: not in the report (not called, or left out by report.limit)"},
		{"{\"budgets\": {\"custom_block\": \"10ns\"}, \"percentile\": \"avg\"}",
		 "failed: 1 of 1 budgets failed (avg)\n"
		 "  custom_block: avg 17ns is over its budget of 10ns"},
		{"{}", "failed: no budgets given (options.budgets)"},
		{"{\"budgets\": {\"x\": 1}, \"percentile\": \"p95\"}",
		 "failed: the functions section has no p95 column (report.percentiles decides "
		 "the p<N> columns)"},
		{"{\"budgets\": {\"x\": 1}, \"section\": \"locks\"}",
		 "failed: the report has no locks section"},
	};
	char *out, *cause;

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		ck_assert_int_eq(run("budget", 0, cases[i].options, &out, &cause), HP_ESCRIPT);
		ck_assert_str_eq(cause, cases[i].cause);
		ck_assert_str_eq(out, "");
		free(out);
		free(cause);
	}
}
END_TEST

static Suite *scripts_suite(void)
{
	Suite *s = suite_create("scripts");
	TCase *tc = tcase_create("bundled");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, csv);
	tcase_add_test(tc, csv_cannot_write);
	tcase_add_test(tc, json_file);
	tcase_add_test(tc, markdown);
	tcase_add_test(tc, logfmt);
	tcase_add_test(tc, budget_met);
	tcase_add_test(tc, budget_failed);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(scripts_suite());
	int nf;

	srunner_run_all(sr, CK_ENV);
	nf = srunner_ntests_failed(sr);
	srunner_free(sr);
	return nf == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
