/* SPDX-License-Identifier: MIT */
/*
 * test_report_load.c - a saved report read back: the snapshot it makes
 * (facts, units, cells, logs, placeholder rows), the renderers writing the
 * same bytes again, and the exact message for each kind of bad input.
 */
#include <check.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "hpi.h"
#include "report_load.h"

/* A report as the renderer writes it: facts of both kinds, two
 * percentiles, every unit, an empty cell, escapes, a log, section meta. */
static const char report_json[] =
	"{\"type\":\"hotpath_report\",\"version\":1,\"generator\":\"hotpath " HP_VERSION_STRING "\","
	"\"caller\":\"basic::main\",\"program\":\"basic\",\"pid\":1234,"
	"\"start_unix_ns\":1700000000123456789,\"elapsed_ns\":126860000,\"dropped\":0,"
	"\"clock\":\"tsc\",\"percentiles\":[50,99.9],\"sections\":["
	"{\"id\":\"functions\",\"title\":\"Functions\",\"columns\":["
	"{\"key\":\"name\",\"title\":\"Function\",\"unit\":\"text\"},"
	"{\"key\":\"calls\",\"title\":\"Calls\",\"unit\":\"count\"},"
	"{\"key\":\"avg\",\"title\":\"Avg\",\"unit\":\"ns\"},"
	"{\"key\":\"p99.9\",\"title\":\"P99.9\",\"unit\":\"ns\"},"
	"{\"key\":\"percent_total\",\"title\":\"% Total\",\"unit\":\"percent\"}],"
	"\"total_rows\":2,\"rows\":["
	"{\"name\":\"tab\\there \\\"q\\\" r\xc3\xa9sum\xc3\xa9\",\"calls\":100,\"avg\":1160300,"
	"\"p99.9\":1200000,\"percent_total\":91.46,\"log\":["
	"{\"duration\":1200000,\"tid\":4242,\"time\":5000},"
	"{\"duration\":17,\"tid\":4243,\"time\":9000}]},"
	"{\"name\":\"custom_block\",\"calls\":100,\"avg\":17,\"p99.9\":null,\"percent_total\":0.0013}],"
	"\"log_columns\":[{\"key\":\"duration\",\"title\":\"Duration\",\"unit\":\"ns\"},"
	"{\"key\":\"tid\",\"title\":\"Thread\",\"unit\":\"count\"},"
	"{\"key\":\"time\",\"title\":\"Time\",\"unit\":\"ns\"}],"
	"\"meta\":{\"table.columns\":\"name,calls,avg,p99.9,percent_total\"}},"
	"{\"id\":\"alloc\",\"title\":\"Allocations\",\"columns\":["
	"{\"key\":\"bytes\",\"title\":\"Bytes\",\"unit\":\"bytes\"},"
	"{\"key\":\"rate\",\"title\":\"Rate\",\"unit\":\"rate\"}],"
	"\"total_rows\":1,\"rows\":[{\"bytes\":1536,\"rate\":12.25}]}]}\n";

/* Parses json as "t.json"; fails the test on an error. */
static hpc_report *parse_ok(const char *json)
{
	hpc_report *r = NULL;
	char *cause = NULL;
	int rv = hpc_report_parse("t.json", json, strlen(json), &r, &cause);

	ck_assert_msg(rv == 0, "parse failed: %s", cause ? cause : "?");
	ck_assert_ptr_nonnull(r);
	return r;
}

/* The JSON the library renders for r, with its percentiles and limit. */
static char *render(const hpc_report *r, bool pretty)
{
	hpi_render_opts o = {.limit = r->limit, .pcts = r->pcts, .npcts = r->npcts};
	hpi_buf b;

	hpi_buf_init(&b);
	hpi_render_json(&b, r->snap, &o, pretty);
	ck_assert(!b.failed);
	return b.data;
}

START_TEST(test_roundtrip)
{
	hpc_report *r = parse_ok(report_json), *r2;
	char *j = render(r, false), *p = render(r, true), *p2;

	ck_assert_str_eq(j, report_json);
	r2 = parse_ok(p);
	p2 = render(r2, true);
	ck_assert_str_eq(p2, p);
	free(j);
	free(p);
	free(p2);
	hpc_report_free(r);
	hpc_report_free(r2);
}
END_TEST

START_TEST(test_model)
{
	hpc_report *r = parse_ok(report_json);
	const hp_section *fn, *log, *al;

	ck_assert_str_eq(r->name, "t.json");
	ck_assert_uint_eq(r->npcts, 2);
	ck_assert_double_eq(r->pcts[1], 99.9);
	ck_assert_str_eq(hp_snapshot_meta(r->snap, "pid"), "1234");
	ck_assert_str_eq(hp_snapshot_meta(r->snap, "start_unix_ns"), "1700000000123456789");
	ck_assert_str_eq(hp_snapshot_meta(r->snap, "clock"), "tsc");
	ck_assert_ptr_null(hp_snapshot_meta(r->snap, "type"));
	ck_assert_ptr_null(hp_snapshot_meta(r->snap, "generator"));
	ck_assert_uint_eq(hp_snapshot_count(r->snap), 2);
	fn = hp_snapshot_find(r->snap, "functions");
	ck_assert_int_eq(hp_section_column_unit(fn, 3), HP_UNIT_NS);
	ck_assert_str_eq(hp_section_text(fn, 0, 0), "tab\there \"q\" r\xc3\xa9sum\xc3\xa9");
	ck_assert_int_eq(hp_section_int(fn, 0, 2), 1160300);
	ck_assert_double_eq_tol(hp_section_real(fn, 0, 4), 91.46, 1e-9);
	ck_assert_int_eq(hp_section_has(fn, 1, 3), 0);
	ck_assert_str_eq(hp_section_meta(fn, "table.columns"), "name,calls,avg,p99.9,percent_total");
	log = hpi_section_log(fn, 0);
	ck_assert_ptr_nonnull(log);
	ck_assert_ptr_null(hpi_section_log(fn, 1));
	ck_assert_uint_eq(hp_section_ncolumns(log), 3);
	ck_assert_str_eq(hp_section_column_title(log, 0), "Duration");
	ck_assert_int_eq(hp_section_column_unit(log, 0), HP_UNIT_NS);
	ck_assert_str_eq(hp_section_column_title(log, 1), "Thread");
	ck_assert_int_eq(hp_section_column_unit(log, 1), HP_UNIT_COUNT);
	ck_assert_int_eq(hp_section_column_unit(log, 2), HP_UNIT_NS);
	ck_assert_int_eq(hp_section_int(log, 1, 1), 4243);
	al = hp_snapshot_section(r->snap, 1);
	ck_assert_int_eq(hp_section_int(al, 0, 0), 1536);
	ck_assert_double_eq(hp_section_real(al, 0, 1), 12.25);
	ck_assert_uint_eq(r->limit, 0);
	hpc_report_free(r);
}
END_TEST

#define HEAD "{\"type\":\"hotpath_report\",\"version\":1,"
#define COLS "\"columns\":[{\"key\":\"name\",\"unit\":\"text\"},{\"key\":\"n\",\"unit\":\"count\"}]"

START_TEST(test_total_rows)
{
	hpc_report *r = parse_ok(HEAD "\"sections\":["
		"{\"id\":\"a\"," COLS ",\"total_rows\":5,\"rows\":[{\"name\":\"x\",\"n\":1},{\"name\":\"y\",\"n\":2}]},"
		"{\"id\":\"b\"," COLS ",\"total_rows\":9,\"rows\":[{\"name\":\"z\",\"n\":3}],"
		"\"meta\":{\"report.limit\":\"1\"}},"
		"{\"id\":\"c\"," COLS ",\"rows\":[{\"name\":\"w\",\"n\":4},{\"name\":\"v\",\"n\":5},{\"name\":\"u\",\"n\":6}]}]}");
	const hp_section *a = hp_snapshot_section(r->snap, 0);

	ck_assert_uint_eq(hp_section_nrows(a), 5);
	ck_assert_uint_eq(r->loaded[0], 2);
	ck_assert_int_eq(hp_section_has(a, 2, 0), 0);
	ck_assert_int_eq(hp_section_has(a, 4, 1), 0);
	ck_assert_uint_eq(hp_section_nrows(hp_snapshot_section(r->snap, 1)), 9);
	ck_assert_uint_eq(r->loaded[1], 1);
	ck_assert_uint_eq(r->loaded[2], 3);
	ck_assert_uint_eq(r->limit, 2); /* b was cut by its own limit, a by the report's */
	hpc_report_free(r);
}
END_TEST

START_TEST(test_lenient)
{
	hpc_report *r = parse_ok(HEAD "\"future\":{\"x\":[1]},\"ratio\":0.5,\"sections\":["
		"{\"id\":\"s\",\"extra\":true,\"columns\":["
		"{\"key\":\"label\",\"unit\":\"glyph\"},{\"key\":\"w\",\"unit\":\"widgets\",\"x\":1},"
		"{\"key\":\"nounit\"}],"
		"\"rows\":[{\"label\":null,\"w\":null},{\"label\":\"q\",\"w\":2.75,\"nounit\":3,\"other\":[]}]}]}");
	const hp_section *s = hp_snapshot_section(r->snap, 0);

	ck_assert_str_eq(hp_snapshot_meta(r->snap, "ratio"), "0.5");
	ck_assert_ptr_null(hp_snapshot_meta(r->snap, "future"));
	ck_assert_int_eq(hp_section_column_unit(s, 0), HP_UNIT_TEXT);
	ck_assert_int_eq(hp_section_column_unit(s, 1), HP_UNIT_COUNT);
	ck_assert_int_eq(hp_section_column_unit(s, 2), HP_UNIT_COUNT);
	ck_assert_str_eq(hp_section_text(s, 1, 0), "q");
	ck_assert_int_eq(hp_section_int(s, 1, 1), 2);
	ck_assert_int_eq(hp_section_int(s, 1, 2), 3);
	ck_assert_int_eq(hp_section_has(s, 0, 1), 0);
	hpc_report_free(r);
}
END_TEST

START_TEST(test_nested_log)
{
	hpc_report *r = parse_ok(HEAD "\"sections\":[{\"id\":\"s\"," COLS ",\"rows\":[{\"name\":\"a\",\"n\":1,"
		"\"log\":[{\"what\":\"x\",\"log\":[{\"k\":1.5}]},{\"what\":\"y\",\"extra\":7}]}]}]}");
	const hp_section *log = hpi_section_log(hp_snapshot_section(r->snap, 0), 0);
	const hp_section *sub = hpi_section_log(log, 0);
	char *j = render(r, false);

	ck_assert_uint_eq(hp_section_ncolumns(log), 2);
	ck_assert_int_eq(hp_section_column_unit(log, 0), HP_UNIT_TEXT);
	ck_assert_str_eq(hp_section_column_key(log, 1), "extra");
	ck_assert_ptr_nonnull(sub);
	ck_assert_int_eq(hp_section_column_unit(sub, 0), HP_UNIT_RATE);
	ck_assert_ptr_nonnull(strstr(j, "\"log\":[{\"what\":\"x\",\"extra\":null,\"log\":[{\"k\":1.5}]},"
				     "{\"what\":\"y\",\"extra\":7}]"));
	free(j);
	hpc_report_free(r);
}
END_TEST

/* A plugin's own log columns (the channels plugin's kind: count, bytes,
 * ns, percent, text) come back from "log_columns" with their titles and
 * units, an empty log keeps them, and the JSON is written again byte for
 * byte; a report without "log_columns" reads them as before (the timing
 * plugin's titles for its keys, count or text or rate by value). */
#define LOGCOLS "\"log_columns\":[{\"key\":\"seq\",\"title\":\"Seq\",\"unit\":\"count\"}," \
	"{\"key\":\"bytes\",\"title\":\"Bytes\",\"unit\":\"bytes\"}," \
	"{\"key\":\"delay\",\"title\":\"Delay\",\"unit\":\"ns\"}," \
	"{\"key\":\"share\",\"title\":\"% Share\",\"unit\":\"percent\"}," \
	"{\"key\":\"message\",\"title\":\"Message\",\"unit\":\"text\"}]"
#define LOGROWS "\"total_rows\":2,\"rows\":[{\"name\":\"a\",\"n\":1,\"log\":[" \
	"{\"seq\":7,\"bytes\":1536,\"delay\":2500,\"share\":12.5,\"message\":\"hi\"}]}," \
	"{\"name\":\"b\",\"n\":2,\"log\":[]}]"

START_TEST(test_log_columns)
{
	static const char *const keys[] = {"seq", "bytes", "delay", "share", "message"};
	static const char *const titles[] = {"Seq", "Bytes", "Delay", "% Share", "Message"};
	static const hp_unit units[] = {HP_UNIT_COUNT, HP_UNIT_BYTES, HP_UNIT_NS,
					HP_UNIT_PERCENT, HP_UNIT_TEXT};
	static const char json[] = HEAD "\"generator\":\"hotpath " HP_VERSION_STRING "\","
		"\"percentiles\":[],\"sections\":[{\"id\":\"s\",\"title\":\"S\","
		"\"columns\":[{\"key\":\"name\",\"title\":\"Name\",\"unit\":\"text\"},"
		"{\"key\":\"n\",\"title\":\"N\",\"unit\":\"count\"}]," LOGROWS "," LOGCOLS "}]}\n";
	hpc_report *r = parse_ok(json);
	const hp_section *sec = hp_snapshot_section(r->snap, 0);
	const hp_section *log = hpi_section_log(sec, 0), *empty = hpi_section_log(sec, 1);
	char tmp[64], *j = render(r, false);

	ck_assert_uint_eq(hp_section_ncolumns(log), 5);
	ck_assert_uint_eq(hp_section_ncolumns(empty), 5);
	for (size_t c = 0; c < 5; c++) {
		ck_assert_str_eq(hp_section_column_key(log, c), keys[c]);
		ck_assert_str_eq(hp_section_column_title(log, c), titles[c]);
		ck_assert_int_eq(hp_section_column_unit(log, c), units[c]);
		ck_assert_str_eq(hp_section_column_title(empty, c), titles[c]);
	}
	ck_assert_str_eq(hpi_render_cell(log, 0, 1, tmp, sizeof(tmp)), "1.50KiB");
	ck_assert_str_eq(hpi_render_cell(log, 0, 2, tmp, sizeof(tmp)), "2.50µs");
	ck_assert_str_eq(hpi_render_cell(log, 0, 3, tmp, sizeof(tmp)), "12.50%");
	ck_assert_str_eq(j, json);
	free(j);
	hpc_report_free(r);

	/* written before "log_columns": the values decide, keys are titles */
	r = parse_ok(HEAD "\"sections\":[{\"id\":\"s\"," COLS "," LOGROWS "}]}");
	log = hpi_section_log(hp_snapshot_section(r->snap, 0), 0);
	ck_assert_str_eq(hp_section_column_title(log, 1), "bytes");
	ck_assert_int_eq(hp_section_column_unit(log, 1), HP_UNIT_COUNT);
	ck_assert_int_eq(hp_section_column_unit(log, 3), HP_UNIT_RATE);
	ck_assert_int_eq(hp_section_column_unit(log, 4), HP_UNIT_TEXT);
	ck_assert_uint_eq(hp_section_ncolumns(hpi_section_log(hp_snapshot_section(r->snap, 0), 1)), 0);
	hpc_report_free(r);

	/* a unit this version does not know, a key it does not list: as before */
	r = parse_ok(HEAD "\"sections\":[{\"id\":\"s\"," COLS ",\"rows\":[{\"name\":\"a\",\"log\":["
		     "{\"duration\":5,\"lat\":7}]}],\"log_columns\":[{\"key\":\"lat\",\"title\":\"Latency\","
		     "\"unit\":\"fortnights\"}]}]}");
	log = hpi_section_log(hp_snapshot_section(r->snap, 0), 0);
	ck_assert_str_eq(hp_section_column_title(log, 0), "Duration");
	ck_assert_int_eq(hp_section_column_unit(log, 0), HP_UNIT_NS);
	ck_assert_str_eq(hp_section_column_title(log, 1), "lat");
	ck_assert_int_eq(hp_section_column_unit(log, 1), HP_UNIT_COUNT);
	hpc_report_free(r);
}
END_TEST

/* One bad document, what parse returns and the exact message. */
static const struct bad_case {
	const char *json;
	int rv;
	const char *cause;
} bad_cases[] = {
	{"", HP_ESYNTAX, "t.json: empty file (not a hotpath report)"},
	{" \n\t", HP_ESYNTAX, "t.json: empty file (not a hotpath report)"},
	{HEAD "\n\"sections\": [", HP_ESYNTAX,
	 "t.json:2:13: truncated JSON: ']' expected near end of file"},
	{"{\"a\": tru}", HP_ESYNTAX, "t.json:1:9: invalid JSON: invalid token near 'tru'"},
	{"{\"a\":1,\"a\":2}", HP_ESYNTAX, "t.json:1:10: invalid JSON: duplicate object key near '\"a\"'"},
	{"{}\n{}", HP_ESYNTAX, "t.json:2:1: invalid JSON: end of file expected near '{'"},
	{"[]", HP_EINVAL, "t.json: not a hotpath report (the top level is an array, not an object)"},
	{"{\"type\":7}", HP_EINVAL, "t.json: not a hotpath report (no \"type\": \"hotpath_report\")"},
	{"{\"type\":\"x\"}", HP_EINVAL, "t.json: not a hotpath report (\"type\" is \"x\", not \"hotpath_report\")"},
	{"{\"type\":\"hotpath_report\"}", HP_EINVAL,
	 "t.json: no \"version\": cannot tell the report format version"},
	{"{\"type\":\"hotpath_report\",\"version\":\"1\"}", HP_ETYPE,
	 "t.json: .version: expected an integer, got a string"},
	{"{\"type\":\"hotpath_report\",\"version\":0}", HP_ENOTSUP,
	 "t.json: report format version 0 is not supported (this hotpath reads version 1)"},
	{HEAD "\"percentiles\":[99]}", HP_EINVAL, "t.json: no \"sections\""},
	{HEAD "\"sections\":{}}", HP_ETYPE, "t.json: .sections: expected an array, got an object"},
	{HEAD "\"percentiles\":[99,\"50\"],\"sections\":[]}", HP_ETYPE,
	 "t.json: .percentiles[1]: expected a number, got a string"},
	{HEAD "\"sections\":[3]}", HP_ETYPE, "t.json: .sections[0]: expected an object, got an integer"},
	{HEAD "\"sections\":[{\"columns\":[],\"rows\":[]}]}", HP_EINVAL, "t.json: .sections[0]: no \"id\""},
	{HEAD "\"sections\":[{\"id\":\"s\",\"rows\":[]}]}", HP_EINVAL, "t.json: .sections[0]: no \"columns\""},
	{HEAD "\"sections\":[{\"id\":\"s\",\"columns\":[],\"rows\":null}]}", HP_ETYPE,
	 "t.json: .sections[0].rows: expected an array, got null"},
	{HEAD "\"sections\":[{\"id\":\"s\",\"columns\":[{\"key\":\"a\"},{\"title\":\"B\"}],\"rows\":[]}]}",
	 HP_EINVAL, "t.json: .sections[0].columns[1]: no \"key\""},
	{HEAD "\"sections\":[{\"id\":\"s\",\"columns\":[{\"key\":\"a\",\"unit\":4}],\"rows\":[]}]}",
	 HP_ETYPE, "t.json: .sections[0].columns[0].unit: expected a string, got an integer"},
	{HEAD "\"sections\":[{\"id\":\"s\",\"columns\":[{\"key\":\"a\"},{\"key\":\"a\"}],\"rows\":[]}]}",
	 HP_EINVAL, "t.json: .sections[0].columns[1]: duplicate column key \"a\""},
	{HEAD "\"sections\":[{\"id\":\"s\"," COLS ",\"rows\":[{\"name\":1}]}]}", HP_ETYPE,
	 "t.json: .sections[0].rows[0].name: expected a string (unit text), got an integer"},
	{HEAD "\"sections\":[{\"id\":\"s\",\"columns\":[{\"key\":\"p99.9\",\"unit\":\"ns\"}],"
	 "\"rows\":[{\"p99.9\":1.5}]}]}", HP_ETYPE,
	 "t.json: .sections[0].rows[0][\"p99.9\"]: expected an integer (unit ns), got a number with a fraction"},
	{HEAD "\"sections\":[{\"id\":\"s\",\"columns\":[{\"key\":\"r\",\"unit\":\"rate\"}],"
	 "\"rows\":[{\"r\":\"fast\"}]}]}", HP_ETYPE,
	 "t.json: .sections[0].rows[0].r: expected a number (unit rate), got a string"},
	{HEAD "\"sections\":[{\"id\":\"s\"," COLS ",\"rows\":[[]]}]}", HP_ETYPE,
	 "t.json: .sections[0].rows[0]: expected an object, got an array"},
	{HEAD "\"sections\":[{\"id\":\"s\"," COLS ",\"total_rows\":1,\"rows\":[{},{}]}]}", HP_EINVAL,
	 "t.json: .sections[0]: \"total_rows\" is 1 but \"rows\" has 2"},
	{HEAD "\"sections\":[{\"id\":\"s\"," COLS ",\"total_rows\":3,\"rows\":[]}]}", HP_EINVAL,
	 "t.json: .sections[0]: \"total_rows\" is 3 but \"rows\" has 0"},
	{HEAD "\"sections\":[{\"id\":\"s\"," COLS ",\"total_rows\":\"2\",\"rows\":[]}]}", HP_ETYPE,
	 "t.json: .sections[0].total_rows: expected an integer, got a string"},
	{HEAD "\"sections\":[{\"id\":\"s\"," COLS ",\"rows\":[],\"meta\":{\"k\":1}}]}", HP_ETYPE,
	 "t.json: .sections[0].meta.k: expected a string, got an integer"},
	{HEAD "\"sections\":[{\"id\":\"s\"," COLS ",\"rows\":[{\"log\":{}}]}]}", HP_ETYPE,
	 "t.json: .sections[0].rows[0].log: expected an array, got an object"},
	{HEAD "\"sections\":[{\"id\":\"s\"," COLS ",\"rows\":[{\"log\":[{\"d\":1},5]}]}]}", HP_ETYPE,
	 "t.json: .sections[0].rows[0].log[1]: expected an object, got an integer"},
	{HEAD "\"sections\":[{\"id\":\"s\"," COLS ",\"rows\":[{\"log\":[{\"d\":1},{\"d\":\"x\"}]}]}]}", HP_ETYPE,
	 "t.json: .sections[0].rows[0].log[0].d: expected a string (unit text), got an integer"},
	{HEAD "\"sections\":[{\"id\":\"s\"," COLS ",\"rows\":[],\"log_columns\":{}}]}", HP_ETYPE,
	 "t.json: .sections[0].log_columns: expected an array, got an object"},
	{HEAD "\"sections\":[{\"id\":\"s\"," COLS ",\"rows\":[],\"log_columns\":[{\"key\":\"d\"},"
	 "{\"title\":\"D\"}]}]}", HP_EINVAL, "t.json: .sections[0].log_columns[1]: no \"key\""},
	{HEAD "\"sections\":[{\"id\":\"s\"," COLS ",\"rows\":[],\"log_columns\":[{\"key\":\"d\","
	 "\"unit\":1}]}]}", HP_ETYPE, "t.json: .sections[0].log_columns[0].unit: expected a string, got an integer"},
	{HEAD "\"sections\":[{\"id\":\"s\"," COLS ",\"rows\":[{\"log\":[{\"d\":\"x\"}]}],"
	 "\"log_columns\":[{\"key\":\"d\",\"unit\":\"ns\"}]}]}", HP_ETYPE,
	 "t.json: .sections[0].rows[0].log[0].d: expected an integer (unit ns), got a string"},
};

START_TEST(test_bad)
{
	const struct bad_case *c = &bad_cases[_i];
	hpc_report *r = (hpc_report *)1;
	char *cause = NULL;
	int rv = hpc_report_parse("t.json", c->json, strlen(c->json), &r, &cause);

	ck_assert_msg(rv == c->rv, "case %d: rv %d, cause %s", _i, rv, cause ? cause : "-");
	ck_assert_ptr_null(r);
	ck_assert_ptr_nonnull(cause);
	ck_assert_str_eq(cause, c->cause);
	free(cause);
}
END_TEST

/* A live section (the console's): array rows, values that do not fit
 * left out, no rows, total_rows kept without placeholder rows; and the
 * same errors as a report's for what is no section. */
START_TEST(test_live_section)
{
	static const char text[] =
		"{\"id\":\"s\",\"title\":\"S\",\"columns\":[{\"key\":\"name\",\"unit\":\"text\"},"
		"{\"key\":\"calls\",\"unit\":\"count\"},{\"key\":\"odd\",\"unit\":\"furlongs\"}],"
		"\"total_rows\":9,\"meta\":{\"k\":1,\"table.columns\":\"name\"},"
		"\"rows\":[[\"a\",3,2.5,\"past the columns\"],{\"calls\":\"x\",\"name\":\"b\"},7]}";
	hpi_json *doc = hpi_json_parse(text, strlen(text), 0, 0, NULL);
	const hp_section *sec;
	hp_snapshot *snap;
	size_t total = 0;
	char *cause = NULL;

	ck_assert_int_eq(hpc_report_section(hpi_json_root(doc), &snap, &total, &cause), 0);
	ck_assert_ptr_null(cause);
	ck_assert_uint_eq(total, 9);
	ck_assert_uint_eq(hp_snapshot_count(snap), 1);
	sec = hp_snapshot_section(snap, 0);
	ck_assert_uint_eq(hp_section_nrows(sec), 3);
	ck_assert_str_eq(sec->rows[0].cells[0].v.s, "a");
	ck_assert_int_eq(sec->rows[0].cells[1].v.i, 3);
	ck_assert_int_eq(hp_section_column_unit(sec, 2), HP_UNIT_COUNT); /* guessed */
	ck_assert_int_eq(sec->rows[0].cells[2].v.i, 2);
	ck_assert_str_eq(sec->rows[1].cells[0].v.s, "b");
	ck_assert(!sec->rows[1].cells[1].set); /* "x" in a count column */
	ck_assert_uint_eq(sec->rows[2].ncells, 0);
	ck_assert_str_eq(hp_section_meta(sec, "table.columns"), "name");
	ck_assert_ptr_null(hp_section_meta(sec, "k"));
	hpi_snapshot_free(snap);
	hpi_json_free(doc);

	doc = hpi_json_parse("{\"id\":\"s\",\"columns\":[]}", 23, 0, 0, NULL);
	ck_assert_int_eq(hpc_report_section(hpi_json_root(doc), &snap, &total, &cause), 0);
	ck_assert_uint_eq(hp_section_nrows(hp_snapshot_section(snap, 0)), 0);
	ck_assert_uint_eq(total, 0);
	hpi_snapshot_free(snap);
	hpi_json_free(doc);

	doc = hpi_json_parse("{\"id\":\"s\",\"columns\":[{\"key\":\"a\"},{\"key\":\"a\"}]}", 46, 0, 0,
			     NULL);
	ck_assert_ptr_nonnull(doc);
	ck_assert_int_eq(hpc_report_section(hpi_json_root(doc), &snap, &total, &cause), HP_EINVAL);
	ck_assert_ptr_null(snap);
	ck_assert_str_eq(cause, "section: .columns[1]: duplicate column key \"a\"");
	free(cause);
	hpi_json_free(doc);
}
END_TEST

START_TEST(test_load_file)
{
	hpc_report *r;
	char *cause;

	ck_assert_int_eq(hpc_report_load("/nonexistent/r.json", &r, &cause), HP_EIO);
	ck_assert_str_eq(cause, "/nonexistent/r.json: cannot read: No such file or directory");
	ck_assert_ptr_null(r);
	free(cause);
	ck_assert_int_eq(hpc_report_load(HP_SRCDIR "/tests/console/fixtures/base.json", &r, &cause), 0);
	ck_assert_ptr_null(cause);
	ck_assert_str_eq(hp_snapshot_meta(r->snap, "caller"), "bench::main");
	ck_assert_uint_eq(hp_section_nrows(hp_snapshot_section(r->snap, 0)), 6);
	hpc_report_free(r);
	hpc_report_free(NULL);
}
END_TEST

/* The report_load suite. */
static Suite *report_load_suite(void)
{
	Suite *s = suite_create("report_load");
	TCase *tc;

	tc = tcase_create("load");
	tcase_set_timeout(tc, 10);
	tcase_add_test(tc, test_roundtrip);
	tcase_add_test(tc, test_model);
	tcase_add_test(tc, test_total_rows);
	tcase_add_test(tc, test_lenient);
	tcase_add_test(tc, test_nested_log);
	tcase_add_test(tc, test_log_columns);
	tcase_add_test(tc, test_load_file);
	tcase_add_test(tc, test_live_section);
	suite_add_tcase(s, tc);

	tc = tcase_create("errors");
	tcase_set_timeout(tc, 10);
	tcase_add_loop_test(tc, test_bad, 0, (int)(sizeof(bad_cases) / sizeof(bad_cases[0])));
	suite_add_tcase(s, tc);
	return s;
}

/* Runs the suite (CK_FORK=no to debug); nonzero exit on failure. */
int main(void)
{
	SRunner *sr = srunner_create(report_load_suite());
	int nf;

	srunner_run_all(sr, CK_ENV);
	nf = srunner_ntests_failed(sr);
	srunner_free(sr);
	return nf == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
