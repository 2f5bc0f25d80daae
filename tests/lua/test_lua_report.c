/* SPDX-License-Identifier: MIT */
/*
 * test_lua_report.c - what a reporter reads (core/lua_report.c and the
 * built-in hotpath module): the report table's every value and type, and
 * the module's helpers, which write the table and JSON reports byte for
 * byte as render.c does.
 */
#include "config.h"

#include <check.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fixture.h"

static char oldcwd[PATH_MAX];

/* Per test: in the fixtures folder. */
static void setup(void)
{
	ck_assert_ptr_nonnull(getcwd(oldcwd, sizeof(oldcwd)));
	ck_assert_int_eq(chdir(fixture_dir()), 0);
}

static void teardown(void)
{
	ck_assert_int_eq(chdir(oldcwd), 0);
}

/* What script prints on the fixture (rows limited to limit), with options;
 * the script must succeed.  Caller frees. */
static char *output(const char *script, size_t limit, const char *options)
{
	hp_snapshot *s = fixture_report();
	hpi_render_opts o = fixture_opts(limit);
	hpi_lua_opts lo = {.options = options, .out = tmpfile()};
	char *cause = NULL, *out;
	long n;

	ck_assert_ptr_nonnull(lo.out);
	if (hpi_lua_report(s, &o, script, &lo, &cause) != 0)
		ck_abort_msg("%s: %s", script, cause);
	n = ftell(lo.out);
	rewind(lo.out);
	out = calloc(1, (size_t)n + 1);
	ck_assert_uint_eq(fread(out, 1, (size_t)n, lo.out), (size_t)n);
	fclose(lo.out);
	hpi_snapshot_free(s);
	return out;
}

/* Asserts that got equals the file tests/lua/expected/<name>. */
static void check_expected(const char *got, const char *name)
{
	char path[PATH_MAX];
	char *want;

	snprintf(path, sizeof(path), "%s/../expected/%s", fixture_dir(), name);
	want = fixture_slurp(path);
	ck_assert_msg(want != NULL, "cannot read %s", path);
	ck_assert_str_eq(got, want);
	free(want);
}

/* Every value of the report table with its type, in the JSON's order. */
START_TEST(report_table_shape)
{
	char *out = output("shape.lua", 0, NULL);

	check_expected(out, "shape.txt");
	free(out);
}
END_TEST

/* hotpath.json and hotpath.render give the built-in reports, byte for
 * byte, with and without a row limit. */
START_TEST(same_bytes_as_the_built_in_reports)
{
	static const char *const fmts[] = {"json", "json-pretty", "table"};
	hp_snapshot *s = fixture_report();
	char opts[64], *out;
	hpi_buf want;

	for (size_t limit = 0; limit < 3; limit += 2) {
		hpi_render_opts o = fixture_opts(limit);

		for (size_t f = 0; f < 3; f++) {
			hpi_buf_init(&want);
			if (f < 2)
				hpi_render_json(&want, s, &o, f == 1);
			else
				hpi_render_table(&want, s, &o);
			snprintf(opts, sizeof(opts), "{\"format\": \"%s\"}", fmts[f]);
			out = output("render.lua", limit, opts);
			ck_assert_str_eq(out, want.data);
			free(out);
			hpi_buf_fini(&want);
		}
	}
	hpi_snapshot_free(s);
}
END_TEST

/* A section's own smaller limit (meta "report.limit") holds in Lua too. */
START_TEST(section_limit)
{
	hp_snapshot *s = fixture_report();
	hpi_render_opts o = fixture_opts(0);
	hpi_lua_opts lo = {.options = "{\"format\": \"json\"}", .out = tmpfile()};
	hpi_buf want;
	char got[8192];
	size_t n;

	hpi_section_meta_set((hp_section *)hp_snapshot_find(s, "functions"), "report.limit", "1");
	hpi_buf_init(&want);
	hpi_render_json(&want, s, &o, false);
	ck_assert_int_eq(hpi_lua_report(s, &o, "render.lua", &lo, NULL), 0);
	rewind(lo.out);
	n = fread(got, 1, sizeof(got) - 1, lo.out);
	got[n] = '\0';
	ck_assert_str_eq(got, want.data);
	ck_assert_ptr_nonnull(strstr(got, "\"total_rows\":3,\"rows\":[{\"name\":\"demo::parse\""));
	fclose(lo.out);
	hpi_buf_fini(&want);
	hpi_snapshot_free(s);
}
END_TEST

/* The helpers, value by value. */
START_TEST(helpers)
{
	char *out = output("helpers.lua", 0, NULL);

	check_expected(out, "helpers.txt");
	free(out);
}
END_TEST

static Suite *lua_report_suite(void)
{
	Suite *s = suite_create("lua_report");
	TCase *tc = tcase_create("report");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, report_table_shape);
	tcase_add_test(tc, same_bytes_as_the_built_in_reports);
	tcase_add_test(tc, section_limit);
	tcase_add_test(tc, helpers);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(lua_report_suite());
	int nf;

	srunner_run_all(sr, CK_ENV);
	nf = srunner_ntests_failed(sr);
	srunner_free(sr);
	return nf == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
