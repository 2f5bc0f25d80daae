/* SPDX-License-Identifier: MIT */
/*
 * test_flame.c - folded stacks byte for byte, and the SVG flame graph's
 * frames (positions, nesting, names cut to width, escapes) on small fixed
 * snapshots; the XML escape they share.
 */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "hpi.h"
#include "../testlib.h"

/* A stacks section: one row per {stack, self} pair; NULL stack = unset. */
static hp_snapshot *fixture(const char *id, const char *const *stacks, const long *self,
			    size_t n)
{
	hp_snapshot *s = hpi_snapshot_new();
	hp_section *sec = hpi_section_add(s, id, "Call paths");

	hpi_snapshot_meta_set(s, "caller", "calc::main");
	hpi_column_add(sec, "stack", "Stack", HP_UNIT_TEXT);
	hpi_column_add(sec, "calls", "Calls", HP_UNIT_COUNT);
	hpi_column_add(sec, "self", "Self", HP_UNIT_NS);
	for (size_t i = 0; i < n; i++) {
		size_t r = hpi_row_add(sec);
		if (stacks[i] != NULL)
			hpi_cell_text(sec, r, 0, stacks[i]);
		hpi_cell_int(sec, r, 1, 1);
		hpi_cell_int(sec, r, 2, self[i]);
	}
	return s;
}

/* The folded text of s (section id), asserting success. */
static char *folded(const hp_snapshot *s, const char *id)
{
	hpi_buf b;

	hpi_buf_init(&b);
	ck_assert_int_eq(hpi_render_folded(&b, s, id), 0);
	return b.data != NULL ? b.data : strdup("");
}

static const char *const calc[] = {
	"main;run_one;parse;parse_expr",
	"main;run_one;parse",
	"main",
	"main;run_one;eval",
	"main;run_one;parse;parse_expr;parse_expr",
	"main;run_one;zero",
	"worker",
};
static const long calc_self[] = {40000, 3000, 1000, 20000, 5000, 0, 7000};

START_TEST(test_folded_order_and_values)
{
	hp_snapshot *s = fixture("stacks", calc, calc_self, 7);
	char *f = folded(s, NULL);

	/* depth first, frames in byte order, self 0 left out */
	ck_assert_str_eq(f, "main 1000\n"
			    "main;run_one;eval 20000\n"
			    "main;run_one;parse 3000\n"
			    "main;run_one;parse;parse_expr 40000\n"
			    "main;run_one;parse;parse_expr;parse_expr 5000\n"
			    "worker 7000\n");
	free(f);
	hpi_snapshot_free(s);
}
END_TEST

START_TEST(test_folded_unsafe_labels)
{
	static const char *const st[] = {
		"main;read\nline", "main;tab\there x", "main;;gap", "main;", NULL, "",
	};
	static const long self[] = {5, 6, 7, 8, 9, 10};
	hp_snapshot *s = fixture("stacks", st, self, 6);
	char *f = folded(s, "stacks");

	/* control characters become spaces; empty frames are [unknown]; rows
	 * without a stack are left out */
	ck_assert_str_eq(f, "main;[unknown] 8\n"
			    "main;[unknown];gap 7\n"
			    "main;read line 5\n"
			    "main;tab here x 6\n");
	free(f);
	hpi_snapshot_free(s);
}
END_TEST

START_TEST(test_folded_merges_and_caps_depth)
{
	hpi_buf deep;
	const char *st[3];
	long self[] = {1, 2, 4};
	hp_snapshot *s;
	char *f, *line;

	hpi_buf_init(&deep);
	hpi_buf_puts(&deep, "r");
	for (int i = 0; i < 1100; i++)
		hpi_buf_puts(&deep, ";f");
	st[0] = "a;b";
	st[1] = "a;b";
	st[2] = deep.data;
	s = fixture("stacks", st, self, 3);
	f = folded(s, NULL);
	/* one line for a repeated path; a path past 1024 frames is cut there */
	ck_assert_int_eq(strncmp(f, "a;b 3\nr;f;f;", 12), 0);
	line = strchr(f, '\n') + 1;
	ck_assert_uint_eq(strlen(line), 1 + 2 * 1023 + strlen(" 4\n"));
	free(f);
	hpi_snapshot_free(s);
	hpi_buf_fini(&deep);
}
END_TEST

START_TEST(test_cpu_section_and_errors)
{
	static const char *const st[] = {"main;compute"};
	static const long self[] = {30};
	hp_snapshot *s = fixture("cpu_stacks", st, self, 1);
	hp_section *bad;
	hpi_buf b;
	char *f;

	ck_assert_str_eq(hpi_flame_section(NULL), "stacks");
	ck_assert_str_eq(hpi_flame_section("cpu"), "cpu_stacks");
	ck_assert_str_eq(hpi_flame_section("mine"), "mine");
	f = folded(s, "cpu");
	ck_assert_str_eq(f, "main;compute 30\n");
	free(f);
	hpi_buf_init(&b);
	ck_assert_int_eq(hpi_render_folded(&b, s, NULL), HP_ENOENT);
	ck_assert_int_eq(hpi_render_flame_svg(&b, s, "stacks", true), HP_ENOENT);
	bad = hpi_section_add(s, "stacks", "Bad");
	hpi_column_add(bad, "stack", "Stack", HP_UNIT_TEXT);
	hpi_column_add(bad, "self", "Self", HP_UNIT_PERCENT);
	ck_assert_int_eq(hpi_render_folded(&b, s, NULL), HP_EINVAL);
	ck_assert_ptr_null(b.data);
	hpi_buf_fini(&b);
	hpi_snapshot_free(s);
}
END_TEST

/* The attribute attr="..." of the first frame named name at depth d. */
static double frame_attr(const char *svg, const char *name, int d, const char *attr)
{
	char key[256];
	const char *p, *end;

	snprintf(key, sizeof(key), "data-n=\"%s\" data-d=\"%d\"", name, d);
	p = strstr(svg, key);
	ck_assert_msg(p != NULL, "no frame %s at depth %d", name, d);
	end = strstr(p, "</g>");
	snprintf(key, sizeof(key), " %s=\"", attr);
	p = strstr(p, key);
	ck_assert(p != NULL && p < end);
	return strtod(p + strlen(key), NULL);
}

START_TEST(test_svg_layout)
{
	hp_snapshot *s = fixture("stacks", calc, calc_self, 7);
	hpi_buf b;
	double px, pw, ex, ew;

	hpi_buf_init(&b);
	ck_assert_int_eq(hpi_render_flame_svg(&b, s, NULL, true), 0);
	/* total 76000 ns over 1180 px from x = 10; 6 levels of 16 px */
	ck_assert_ptr_nonnull(strstr(b.data, "height=\"154\" viewBox=\"0 0 1200 154\""));
	ck_assert_ptr_nonnull(strstr(b.data, "data-total=\"76000\""));
	ck_assert_double_eq_tol(frame_attr(b.data, "all", 0, "width"), 1180, 0.001);
	ck_assert_double_eq(frame_attr(b.data, "all", 0, "y"), 114);
	px = frame_attr(b.data, "parse", 3, "x");
	pw = frame_attr(b.data, "parse", 3, "width");
	ex = frame_attr(b.data, "parse_expr", 4, "x");
	ew = frame_attr(b.data, "parse_expr", 4, "width");
	/* eval (20000) is left of parse (48000), whose first child is
	 * parse_expr (45000) */
	ck_assert_double_eq_tol(px, 10 + 1180.0 * 20000 / 76000, 0.006);
	ck_assert_double_eq_tol(pw, 1180.0 * 48000 / 76000, 0.006);
	ck_assert_double_eq_tol(ex, px, 0.006);
	ck_assert_double_eq_tol(ew, 1180.0 * 45000 / 76000, 0.006);
	ck_assert(ex >= px && ex + ew <= px + pw + 0.01);
	ck_assert_double_eq(frame_attr(b.data, "parse_expr", 4, "y"),
			    frame_attr(b.data, "parse", 3, "y") - 16);
	ck_assert_ptr_nonnull(strstr(b.data, "<title>parse_expr: 45.00\xc2\xb5s, 59.21% "
					     "(self 40.00\xc2\xb5s, 52.63%; 1 call)</title>"));
	/* the zero-self path is not drawn; the script is inline, no network */
	ck_assert_ptr_null(strstr(b.data, "data-n=\"zero\""));
	ck_assert_ptr_nonnull(strstr(b.data, "<script><![CDATA[\n// SPDX-License-Identifier: MIT\n// flame.js"));
	ck_assert_ptr_nonnull(strstr(b.data, "\nhpFlame(document.documentElement);\n]]></script>\n"
					     "</svg>\n"));
	ck_assert_ptr_null(strstr(b.data, "href"));
	ck_assert_ptr_null(strstr(b.data, "src="));
	hpi_buf_fini(&b);
	hpi_buf_init(&b);
	ck_assert_int_eq(hpi_render_flame_svg(&b, s, NULL, false), 0);
	ck_assert_int_eq(strncmp(b.data, "<svg ", 5), 0);
	ck_assert_ptr_null(strstr(b.data, "<script"));
	hpi_buf_fini(&b);
	hpi_snapshot_free(s);
}
END_TEST

START_TEST(test_svg_names_cut_and_escaped)
{
	static const char *const st[] = {
		"m;<b>&\"x\" y'z</script>",
		"m;\xc3\xbcn\xc3\xaf" "code::na\xc3\xafve_long_name_here",
		"m;bad\xff",
		"m;wide",
	};
	/* 1180 px * 100 / 1000 = 118 px: (118 - 6) / 7.2 = 15 characters */
	static const long self[] = {100, 100, 100, 700};
	hp_snapshot *s = fixture("stacks", st, self, 4);
	hpi_buf b;

	hpi_buf_init(&b);
	ck_assert_int_eq(hpi_render_flame_svg(&b, s, NULL, true), 0);
	ck_assert_ptr_nonnull(strstr(b.data, "data-n=\"&lt;b&gt;&amp;&quot;x&quot; "
					     "y&#39;z&lt;/script&gt;\""));
	ck_assert_ptr_nonnull(strstr(b.data, ">&lt;b&gt;&amp;&quot;x&quot; y&#39;z&lt;/s\xe2\x80\xa6</text>"));
	ck_assert_ptr_null(strstr(b.data, "<b>"));
	ck_assert_ptr_nonnull(strstr(b.data, ">\xc3\xbcn\xc3\xaf" "code::na\xc3\xafve\xe2\x80\xa6</text>"));
	ck_assert_ptr_nonnull(strstr(b.data, "data-n=\"bad\xef\xbf\xbd\""));
	ck_assert_ptr_nonnull(strstr(b.data, ">wide</text>"));
	hpi_buf_fini(&b);
	hpi_snapshot_free(s);
}
END_TEST

START_TEST(test_xml_escape)
{
	hpi_buf b;

	hpi_buf_init(&b);
	hpi_buf_xml(&b, "a<b>&\"c'\n\t\x01\x7f\xc3\xa9\xe2\x82\xff");
	ck_assert_str_eq(b.data, "a&lt;b&gt;&amp;&quot;c&#39;  \xef\xbf\xbd\xef\xbf\xbd"
				 "\xc3\xa9\xef\xbf\xbd\xef\xbf\xbd");
	hpi_buf_xml(&b, NULL);
	hpi_buf_xmln(&b, "xyz", 2);
	ck_assert_str_eq(b.data + b.len - 2, "xy");
	hpi_buf_fini(&b);
}
END_TEST

/* How many times needle occurs in hay. */
static int count(const char *hay, const char *needle)
{
	int n = 0;

	for (const char *p = hay; (p = strstr(p, needle)) != NULL; p += strlen(needle))
		n++;
	return n;
}

START_TEST(test_html_tables_and_escapes)
{
	hp_snapshot *s = fixture("stacks", calc, calc_self, 7);
	hp_section *sec = hpi_section_add(s, "functions", "<i>Functions</i></script>");
	hpi_render_opts o = {.limit = 1};
	hpi_buf b;

	hpi_snapshot_meta_set(s, "caller", "</script><script>alert(1)</script>");
	hpi_snapshot_meta_set(s, "elapsed_ns", "2500000");
	hpi_snapshot_meta_set(s, "trace_output", "javascript:alert(1)");
	hpi_column_add(sec, "name", "Function", HP_UNIT_TEXT);
	hpi_column_add(sec, "total", "Total", HP_UNIT_NS);
	hpi_column_add(sec, "percent_total", "% Total", HP_UNIT_PERCENT);
	hpi_row_add(sec);
	hpi_cell_text(sec, 0, 0, "a&b");
	hpi_cell_int(sec, 0, 1, 1250000);
	hpi_cell_real(sec, 0, 2, 12.5);
	hpi_row_add(sec);
	hpi_buf_init(&b);
	hpi_render_html(&b, s, &o);
	ck_assert_int_eq(strncmp(b.data, "<!DOCTYPE html>\n<html lang=\"en\">\n", 31), 0);
	/* one script, closed once: no report string can end it */
	ck_assert_int_eq(count(b.data, "<script"), 1);
	ck_assert_int_eq(count(b.data, "</script>"), 1);
	ck_assert_ptr_nonnull(strstr(b.data, "<title>hotpath: &lt;/script&gt;&lt;script&gt;"
					     "alert(1)&lt;/script&gt;</title>"));
	ck_assert_ptr_nonnull(strstr(b.data, "<h2>&lt;i&gt;Functions&lt;/i&gt;&lt;/script&gt;</h2>"));
	ck_assert_ptr_nonnull(strstr(b.data, "Total time: <b>2.50ms</b>"));
	/* cells as the table writes them, the raw value kept for sorting */
	ck_assert_ptr_nonnull(strstr(b.data, "<tr><td>a&amp;b</td><td class=\"n\" "
					     "data-v=\"1250000\">1.25ms</td><td class=\"n\" "
					     "data-v=\"12.5\">12.50%</td></tr>"));
	ck_assert_ptr_nonnull(strstr(b.data, "<p class=\"note\">(1 of 2 rows; report.limit: "
					     "0 shows all)</p>"));
	ck_assert_ptr_nonnull(strstr(b.data, "<th class=\"n\" data-num=\"1\" data-k=\"total\""));
	/* the flame graph inline, as SVG with no script of its own */
	ck_assert_ptr_nonnull(strstr(b.data, "<div class=\"flame\">\n<svg xmlns="));
	ck_assert_ptr_nonnull(strstr(b.data, "\nhpReport(document);\n</script>\n</body>\n"));
	/* a trace path with a scheme is not a link */
	ck_assert_ptr_nonnull(strstr(b.data, "written to <code>javascript:alert(1)</code>"));
	ck_assert_ptr_null(strstr(b.data, "href=\"javascript"));
	/* nothing fetched (the SVG's xmlns is a name, not a fetch) */
	ck_assert_ptr_null(strstr(b.data, "src="));
	ck_assert_ptr_null(strstr(b.data, "href=\"http"));
	ck_assert_ptr_null(strstr(b.data, "url("));
	hpi_buf_fini(&b);
	hpi_snapshot_free(s);
}
END_TEST

START_TEST(test_html_without_stacks)
{
	hp_snapshot *s = hpi_snapshot_new();
	hpi_buf b;

	hpi_section_add(s, "functions", "Functions");
	hpi_buf_init(&b);
	hpi_render_html(&b, s, NULL);
	ck_assert_ptr_nonnull(strstr(b.data, "<p class=\"note\">No flame graph: this report has "
					     "no section &quot;stacks&quot; (call paths).</p>"));
	ck_assert_ptr_null(strstr(b.data, "<svg"));
	ck_assert_ptr_nonnull(strstr(b.data, "<title>hotpath: unknown</title>"));
	hpi_buf_fini(&b);
	hpi_snapshot_free(s);
}
END_TEST

static Suite *flame_suite(void)
{
	Suite *s = suite_create("flame");
	TCase *tc = tcase_create("folded");

	tcase_set_timeout(tc, 10);
	tcase_add_test(tc, test_folded_order_and_values);
	tcase_add_test(tc, test_folded_unsafe_labels);
	tcase_add_test(tc, test_folded_merges_and_caps_depth);
	tcase_add_test(tc, test_cpu_section_and_errors);
	suite_add_tcase(s, tc);
	tc = tcase_create("svg");
	tcase_set_timeout(tc, 10);
	tcase_add_test(tc, test_svg_layout);
	tcase_add_test(tc, test_svg_names_cut_and_escaped);
	tcase_add_test(tc, test_xml_escape);
	suite_add_tcase(s, tc);
	tc = tcase_create("html");
	tcase_set_timeout(tc, 10);
	tcase_add_test(tc, test_html_tables_and_escapes);
	tcase_add_test(tc, test_html_without_stacks);
	suite_add_tcase(s, tc);
	return s;
}

HP_TEST_MAIN(flame_suite)
