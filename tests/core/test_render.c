/* SPDX-License-Identifier: MIT */
/*
 * test_render.c - the table and JSON formats, byte for byte, on small fixed
 * snapshots; and the JSON read back by the library's reader (core/json.c,
 * tested on its own in test_json.c) for strings that need every
 * kind of escape.
 */
#include <check.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "hpi.h"

/* The snapshot of the Rust hotpath's README example. */
static hp_snapshot *fixture_basic(void)
{
	hp_snapshot *s = hpi_snapshot_new();
	hp_section *sec, *log;

	hpi_snapshot_meta_set(s, "caller", "basic::main");
	hpi_snapshot_meta_set(s, "program", "basic");
	hpi_snapshot_meta_set(s, "pid", "1234");
	hpi_snapshot_meta_set(s, "elapsed_ns", "126860000");
	hpi_snapshot_meta_set(s, "dropped", "0");
	sec = hpi_section_add(s, "functions", "Functions");
	hpi_column_add(sec, "name", "Function", HP_UNIT_TEXT);
	hpi_column_add(sec, "calls", "Calls", HP_UNIT_COUNT);
	hpi_column_add(sec, "avg", "Avg", HP_UNIT_NS);
	hpi_column_add(sec, "p99", "P99", HP_UNIT_NS);
	hpi_column_add(sec, "total", "Total", HP_UNIT_NS);
	hpi_column_add(sec, "percent_total", "% Total", HP_UNIT_PERCENT);
	hpi_section_meta_set(sec, "table.columns",
			     "name,calls,avg,p99,total,percent_total");
	hpi_row_add(sec);
	hpi_cell_text(sec, 0, 0, "basic::async_function");
	hpi_cell_int(sec, 0, 1, 100);
	hpi_cell_int(sec, 0, 2, 1160300);
	hpi_cell_int(sec, 0, 3, 1200000);
	hpi_cell_int(sec, 0, 4, 116030000);
	hpi_cell_real(sec, 0, 5, 91.46);
	hpi_row_add(sec);
	hpi_cell_text(sec, 1, 0, "custom_block");
	hpi_cell_int(sec, 1, 1, 100);
	hpi_cell_int(sec, 1, 2, 17);
	hpi_cell_int(sec, 1, 3, 25);
	hpi_cell_int(sec, 1, 4, 1700);
	hpi_cell_real(sec, 1, 5, 0.0013);
	log = hpi_row_log(sec, 0);
	hpi_column_add(log, "duration", "Duration", HP_UNIT_NS);
	hpi_column_add(log, "tid", "Thread", HP_UNIT_COUNT);
	hpi_column_add(log, "time", "Time", HP_UNIT_NS);
	hpi_row_add(log);
	hpi_cell_int(log, 0, 0, 1200000);
	hpi_cell_int(log, 0, 1, 4242);
	hpi_cell_int(log, 0, 2, 5000);
	return s;
}

/* A second section with every unit, empty cells and three rows. */
static void fixture_add_alloc(hp_snapshot *s)
{
	hp_section *sec = hpi_section_add(s, "alloc", "Allocations");

	hpi_column_add(sec, "name", "Site", HP_UNIT_TEXT);
	hpi_column_add(sec, "bytes", "Bytes", HP_UNIT_BYTES);
	hpi_column_add(sec, "rate", "Rate", HP_UNIT_RATE);
	hpi_column_add(sec, "share", "Share", HP_UNIT_PERCENT);
	hpi_row_add(sec);
	hpi_cell_text(sec, 0, 0, "r\xc3\xa9sum\xc3\xa9");
	hpi_cell_int(sec, 0, 1, 1536);
	hpi_cell_real(sec, 0, 2, 12.25);
	hpi_cell_real(sec, 0, 3, 12.5);
	hpi_row_add(sec);
	hpi_cell_text(sec, 1, 0, "tab\there");
	hpi_cell_int(sec, 1, 1, 3);
	hpi_row_add(sec);
	hpi_cell_int(sec, 2, 1, 5 * 1048576);
	hpi_cell_real(sec, 2, 3, 3);
}

/* Renders the table; caller frees. */
static char *table_of(const hp_snapshot *s, size_t limit)
{
	hpi_render_opts o = {.limit = limit};
	hpi_buf b;

	hpi_buf_init(&b);
	hpi_render_table(&b, s, &o);
	ck_assert(!b.failed);
	return b.data;
}

/* Renders JSON with percentiles 99; caller frees. */
static char *json_of(const hp_snapshot *s, size_t limit, bool pretty)
{
	static const double pcts[] = {99};
	hpi_render_opts o = {.limit = limit, .pcts = pcts, .npcts = 1};
	hpi_buf b;

	hpi_buf_init(&b);
	hpi_render_json(&b, s, &o, pretty);
	ck_assert(!b.failed);
	return b.data;
}

START_TEST(test_fmt_ns)
{
	static const struct {
		int64_t ns;
		const char *want;
	} cases[] = {
		{0, "0ns"}, {17, "17ns"}, {999, "999ns"},
		{1000, "1.00\xc2\xb5s"}, {1250, "1.25\xc2\xb5s"},
		{1700, "1.70\xc2\xb5s"}, {999994, "999.99\xc2\xb5s"},
		{1000000, "1.00ms"}, {126860000, "126.86ms"},
		{999994999, "999.99ms"}, {1000000000, "1.00s"},
		{1020000000, "1.02s"}, {3600000000000, "3600.00s"},
		{-17, "-17ns"}, {-1500, "-1.50\xc2\xb5s"}, {-2000000, "-2.00ms"},
		{INT64_MAX, "9223372036.85s"}, {INT64_MIN, "-9223372036.85s"},
	};
	char buf[32];
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		hpi_fmt_ns(buf, sizeof(buf), cases[i].ns);
		ck_assert_str_eq(buf, cases[i].want);
	}
	hpi_fmt_ns(buf, 4, 123456);
	ck_assert_str_eq(buf, "123");
	hpi_fmt_ns(NULL, 0, 1);
}
END_TEST

START_TEST(test_fmt_bytes)
{
	static const struct {
		int64_t b;
		const char *want;
	} cases[] = {
		{0, "0B"}, {1023, "1023B"}, {1024, "1.00KiB"}, {1536, "1.50KiB"},
		{1048575, "1024.00KiB"}, {1048576, "1.00MiB"},
		{3489660928, "3.25GiB"}, {1099511627776, "1.00TiB"},
		{INT64_C(2048) << 40, "2048.00TiB"}, {-2048, "-2.00KiB"},
		{-5, "-5B"},
	};
	char buf[32];
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		hpi_fmt_bytes(buf, sizeof(buf), cases[i].b);
		ck_assert_str_eq(buf, cases[i].want);
	}
}
END_TEST

START_TEST(test_table_basic)
{
	hp_snapshot *s = fixture_basic();
	char *t = table_of(s, 0);

	ck_assert_str_eq(t,
		"[hotpath] Performance summary from basic::main (Total time: 126.86ms):\n"
		"+-----------------------+-------+--------+--------+----------+---------+\n"
		"| Function              | Calls | Avg    | P99    | Total    | % Total |\n"
		"+-----------------------+-------+--------+--------+----------+---------+\n"
		"| basic::async_function | 100   | 1.16ms | 1.20ms | 116.03ms | 91.46%  |\n"
		"| custom_block          | 100   | 17ns   | 25ns   | 1.70\xc2\xb5s   | 0.00%   |\n"
		"+-----------------------+-------+--------+--------+----------+---------+\n");
	free(t);
	hpi_snapshot_free(s);
}
END_TEST

START_TEST(test_table_sections)
{
	hp_snapshot *s = fixture_basic();
	hp_section *sec;
	char *t;

	hpi_section_meta_set(s->secs[0], "table.columns",
			     "name, calls ,nope,percent_total");
	fixture_add_alloc(s);
	sec = hpi_section_add(s, "empty", "Nothing yet");
	hpi_column_add(sec, "what", "What", HP_UNIT_TEXT);
	hpi_column_add(sec, "n", "N", HP_UNIT_COUNT);
	t = table_of(s, 0);
	ck_assert_str_eq(t,
		"[hotpath] Performance summary from basic::main (Total time: 126.86ms):\n"
		"+-----------------------+-------+---------+\n"
		"| Function              | Calls | % Total |\n"
		"+-----------------------+-------+---------+\n"
		"| basic::async_function | 100   | 91.46%  |\n"
		"| custom_block          | 100   | 0.00%   |\n"
		"+-----------------------+-------+---------+\n"
		"\n"
		"Allocations:\n"
		"+-------------+---------+--------+--------+\n"
		"| Site        | Bytes   | Rate   | Share  |\n"
		"+-------------+---------+--------+--------+\n"
		"| r\xc3\xa9sum\xc3\xa9      | 1.50KiB | 12.2/s | 12.50% |\n"
		"| tab\\x09here | 3B      | -      | -      |\n"   /* term.c */
		"| -           | 5.00MiB | -      | 3.00%  |\n"
		"+-------------+---------+--------+--------+\n"
		"\n"
		"Nothing yet:\n"
		"+------+---+\n"
		"| What | N |\n"
		"+------+---+\n");
	free(t);
	hpi_snapshot_free(s);
}
END_TEST

START_TEST(test_table_limit)
{
	hp_snapshot *s = hpi_snapshot_new();
	char *t;

	hpi_snapshot_meta_set(s, "caller", "x::main");
	hpi_snapshot_meta_set(s, "elapsed_ns", "1500");
	fixture_add_alloc(s);
	t = table_of(s, 1);
	ck_assert_str_eq(t,
		"[hotpath] Performance summary from x::main (Total time: 1.50\xc2\xb5s):\n"
		"+--------+---------+--------+--------+\n"
		"| Site   | Bytes   | Rate   | Share  |\n"
		"+--------+---------+--------+--------+\n"
		"| r\xc3\xa9sum\xc3\xa9 | 1.50KiB | 12.2/s | 12.50% |\n"
		"+--------+---------+--------+--------+\n"
		"(1 of 3 rows; report.limit: 0 shows all)\n");
	free(t);
	t = table_of(s, 3);
	ck_assert_ptr_null(strstr(t, "rows; report.limit"));
	free(t);
	hpi_snapshot_free(s);
}
END_TEST

START_TEST(test_table_columns_fallback)
{
	hp_snapshot *s = hpi_snapshot_new();
	hp_section *sec = hpi_section_add(s, "x", "X");
	char *t;

	hpi_snapshot_meta_set(s, "caller", "c");
	hpi_column_add(sec, "a", "A", HP_UNIT_COUNT);
	hpi_column_add(sec, "b", "B\xc2\xb5", HP_UNIT_NS);
	hpi_section_meta_set(sec, "table.columns", "nope,,zz");
	hpi_row_add(sec);
	hpi_cell_int(sec, 0, 0, -3);
	t = table_of(s, 0);
	ck_assert_str_eq(t,
		"[hotpath] Performance summary from c (Total time: 0ns):\n"
		"+----+----+\n"
		"| A  | B\xc2\xb5 |\n"
		"+----+----+\n"
		"| -3 | -  |\n"
		"+----+----+\n");
	free(t);
	hpi_snapshot_free(s);
}
END_TEST

START_TEST(test_table_dropped)
{
	hp_snapshot *s = hpi_snapshot_new();
	char *t;

	hpi_snapshot_meta_set(s, "program", "prog");
	hpi_snapshot_meta_set(s, "dropped", "42");
	t = table_of(s, 0);
	ck_assert_str_eq(t,
		"[hotpath] Performance summary from prog (Total time: 0ns):\n"
		"[hotpath] 42 events dropped: per-thread buffers were full; "
		"counts above are low by that much\n");
	free(t);
	hpi_snapshot_free(s);
}
END_TEST

START_TEST(test_table_null)
{
	hpi_buf b;

	hpi_buf_init(&b);
	hpi_render_table(&b, NULL, NULL);
	ck_assert_str_eq(b.data,
		"[hotpath] Performance summary from unknown (Total time: 0ns):\n");
	hpi_buf_fini(&b);
	hpi_render_table(NULL, NULL, NULL);
}
END_TEST

#define BASIC_COLUMNS                                                        \
	"\"columns\":[{\"key\":\"name\",\"title\":\"Function\",\"unit\":\"text\"}," \
	"{\"key\":\"calls\",\"title\":\"Calls\",\"unit\":\"count\"},"          \
	"{\"key\":\"avg\",\"title\":\"Avg\",\"unit\":\"ns\"},"                 \
	"{\"key\":\"p99\",\"title\":\"P99\",\"unit\":\"ns\"},"                 \
	"{\"key\":\"total\",\"title\":\"Total\",\"unit\":\"ns\"},"             \
	"{\"key\":\"percent_total\",\"title\":\"% Total\",\"unit\":\"percent\"}]"

START_TEST(test_json_basic)
{
	hp_snapshot *s = fixture_basic();
	char *j = json_of(s, 0, false);

	ck_assert_str_eq(j,
		"{\"type\":\"hotpath_report\",\"version\":1,"
		"\"generator\":\"hotpath 0.2.0\",\"caller\":\"basic::main\","
		"\"program\":\"basic\",\"pid\":1234,\"elapsed_ns\":126860000,"
		"\"dropped\":0,\"percentiles\":[99],\"sections\":["
		"{\"id\":\"functions\",\"title\":\"Functions\"," BASIC_COLUMNS ","
		"\"total_rows\":2,\"rows\":["
		"{\"name\":\"basic::async_function\",\"calls\":100,\"avg\":1160300,"
		"\"p99\":1200000,\"total\":116030000,\"percent_total\":91.46,"
		"\"log\":[{\"duration\":1200000,\"tid\":4242,\"time\":5000}]},"
		"{\"name\":\"custom_block\",\"calls\":100,\"avg\":17,\"p99\":25,"
		"\"total\":1700,\"percent_total\":0.0013}],"
		"\"log_columns\":[{\"key\":\"duration\",\"title\":\"Duration\",\"unit\":\"ns\"},"
		"{\"key\":\"tid\",\"title\":\"Thread\",\"unit\":\"count\"},"
		"{\"key\":\"time\",\"title\":\"Time\",\"unit\":\"ns\"}],"
		"\"meta\":{\"table.columns\":\"name,calls,avg,p99,total,percent_total\"}}"
		"]}\n");
	free(j);
	hpi_snapshot_free(s);
}
END_TEST

START_TEST(test_json_limit)
{
	hp_snapshot *s = fixture_basic();
	char *j = json_of(s, 1, false);

	ck_assert_ptr_nonnull(strstr(j,
		"\"total_rows\":2,\"rows\":[{\"name\":\"basic::async_function\""));
	ck_assert_ptr_nonnull(strstr(j, "\"log\":[{\"duration\":1200000"));
	ck_assert_ptr_null(strstr(j, "custom_block"));
	free(j);
	hpi_snapshot_free(s);
}
END_TEST

START_TEST(test_json_values)
{
	static const double pcts[] = {50, 99.9, 99.99, 0.5, 100};
	hpi_render_opts o = {.pcts = pcts, .npcts = 5};
	hp_snapshot *s = hpi_snapshot_new();
	hp_section *sec = hpi_section_add(s, "v", NULL);
	hpi_buf b;

	hpi_snapshot_meta_set(s, "pid", "12x");
	hpi_snapshot_meta_set(s, "start_ns", "-007");
	hpi_snapshot_meta_set(s, "dropped", "99999999999999999999");
	hpi_snapshot_meta_set(s, "count", "5");
	hpi_snapshot_meta_set(s, "version", "7");
	hpi_column_add(sec, "p", "P", HP_UNIT_PERCENT);
	hpi_column_add(sec, "r", "R", HP_UNIT_RATE);
	hpi_column_add(sec, "t", "T", HP_UNIT_TEXT);
	hpi_row_add(sec);
	hpi_cell_real(sec, 0, 0, 12.5);
	hpi_cell_real(sec, 0, 1, 3);
	hpi_row_add(sec);
	hpi_cell_real(sec, 1, 0, NAN);
	hpi_cell_real(sec, 1, 1, -INFINITY);
	hpi_row_add(sec);
	hpi_cell_real(sec, 2, 0, 1.23456);
	hpi_cell_real(sec, 2, 1, -0.00001);
	hpi_buf_init(&b);
	hpi_render_json(&b, s, &o, false);
	ck_assert_str_eq(b.data,
		"{\"type\":\"hotpath_report\",\"version\":1,"
		"\"generator\":\"hotpath 0.2.0\",\"pid\":\"12x\",\"start_ns\":-7,"
		"\"dropped\":\"99999999999999999999\",\"count\":\"5\","
		"\"percentiles\":[50,99.9,99.99,0.5,100],\"sections\":["
		"{\"id\":\"v\",\"title\":\"v\",\"columns\":["
		"{\"key\":\"p\",\"title\":\"P\",\"unit\":\"percent\"},"
		"{\"key\":\"r\",\"title\":\"R\",\"unit\":\"rate\"},"
		"{\"key\":\"t\",\"title\":\"T\",\"unit\":\"text\"}],"
		"\"total_rows\":3,\"rows\":["
		"{\"p\":12.5,\"r\":3,\"t\":null},"
		"{\"p\":null,\"r\":null,\"t\":null},"
		"{\"p\":1.2346,\"r\":0,\"t\":null}]}]}\n");
	hpi_buf_fini(&b);
	hpi_snapshot_free(s);
}
END_TEST

START_TEST(test_json_pretty)
{
	hp_snapshot *s = hpi_snapshot_new();
	hp_section *sec, *log;
	char *j;

	hpi_snapshot_meta_set(s, "caller", "m");
	hpi_snapshot_meta_set(s, "elapsed_ns", "5");
	sec = hpi_section_add(s, "f", "F");
	hpi_column_add(sec, "n", "N", HP_UNIT_COUNT);
	hpi_row_add(sec);
	hpi_cell_int(sec, 0, 0, 1);
	log = hpi_row_log(sec, 0);
	hpi_column_add(log, "d", "D", HP_UNIT_NS);
	hpi_row_add(sec);
	hpi_section_meta_set(sec, "k", "v");
	hpi_section_add(s, "e", "E");
	j = json_of(s, 0, true);
	ck_assert_str_eq(j,
		"{\n"
		"  \"type\": \"hotpath_report\",\n"
		"  \"version\": 1,\n"
		"  \"generator\": \"hotpath 0.2.0\",\n"
		"  \"caller\": \"m\",\n"
		"  \"elapsed_ns\": 5,\n"
		"  \"percentiles\": [\n"
		"    99\n"
		"  ],\n"
		"  \"sections\": [\n"
		"    {\n"
		"      \"id\": \"f\",\n"
		"      \"title\": \"F\",\n"
		"      \"columns\": [\n"
		"        {\n"
		"          \"key\": \"n\",\n"
		"          \"title\": \"N\",\n"
		"          \"unit\": \"count\"\n"
		"        }\n"
		"      ],\n"
		"      \"total_rows\": 2,\n"
		"      \"rows\": [\n"
		"        {\n"
		"          \"n\": 1,\n"
		"          \"log\": []\n"
		"        },\n"
		"        {\n"
		"          \"n\": null\n"
		"        }\n"
		"      ],\n"
		"      \"log_columns\": [\n"
		"        {\n"
		"          \"key\": \"d\",\n"
		"          \"title\": \"D\",\n"
		"          \"unit\": \"ns\"\n"
		"        }\n"
		"      ],\n"
		"      \"meta\": {\n"
		"        \"k\": \"v\"\n"
		"      }\n"
		"    },\n"
		"    {\n"
		"      \"id\": \"e\",\n"
		"      \"title\": \"E\",\n"
		"      \"columns\": [],\n"
		"      \"total_rows\": 0,\n"
		"      \"rows\": []\n"
		"    }\n"
		"  ]\n"
		"}\n");
	free(j);
	hpi_snapshot_free(s);
}
END_TEST

START_TEST(test_json_empty)
{
	hpi_buf b;

	hpi_buf_init(&b);
	hpi_render_json(&b, NULL, NULL, false);
	ck_assert_str_eq(b.data,
		"{\"type\":\"hotpath_report\",\"version\":1,"
		"\"generator\":\"hotpath 0.2.0\",\"percentiles\":[],\"sections\":[]}\n");
	hpi_buf_fini(&b);
	hpi_buf_init(&b);
	hpi_render_json(&b, NULL, NULL, true);
	ck_assert_str_eq(b.data,
		"{\n  \"type\": \"hotpath_report\",\n  \"version\": 1,\n"
		"  \"generator\": \"hotpath 0.2.0\",\n  \"percentiles\": [],\n"
		"  \"sections\": []\n}\n");
	hpi_buf_fini(&b);
	hpi_render_json(NULL, NULL, NULL, true);
}
END_TEST

/* Strings that need every escape; [i][0] goes in, [i][1] must come out. */
static const char *const nasty[][2] = {
	{"say \"hi\"", "say \"hi\""},
	{"C:\\path\\", "C:\\path\\"},
	{"ctl \x01\x02\x1f\x7f end", "ctl \x01\x02\x1f\x7f end"},
	{"nl\n tab\t cr\r bs\b ff\f", "nl\n tab\t cr\r bs\b ff\f"},
	{"utf8 \xc2\xb5 \xe2\x82\xac \xf0\x9f\x98\x80 </script>",
	 "utf8 \xc2\xb5 \xe2\x82\xac \xf0\x9f\x98\x80 </script>"},
	{"bad \xff\xc0\xaf \xed\xa0\x80 \xe2\x82", "bad \xef\xbf\xbd\xef\xbf\xbd"
	 "\xef\xbf\xbd \xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd \xef\xbf\xbd"},
};
#define NNASTY (sizeof(nasty) / sizeof(nasty[0]))

/* A snapshot with a nasty string in every place a string can go. */
static hp_snapshot *fixture_nasty(void)
{
	hp_snapshot *s = hpi_snapshot_new();
	hp_section *sec;
	size_t i;

	hpi_snapshot_meta_set(s, "caller", nasty[0][0]);
	for (i = 0; i < NNASTY; i++)
		hpi_snapshot_meta_set(s, nasty[i][0], nasty[i][0]);
	sec = hpi_section_add(s, nasty[1][0], nasty[2][0]);
	for (i = 0; i < NNASTY; i++) {
		hpi_column_add(sec, nasty[i][0], nasty[i][0], HP_UNIT_TEXT);
		hpi_section_meta_set(sec, nasty[i][0], nasty[i][0]);
	}
	hpi_row_add(sec);
	for (i = 0; i < NNASTY; i++)
		hpi_cell_text(sec, 0, i, nasty[i][0]);
	return s;
}

/* The JSON text read with the library's reader (duplicate keys are an
 * error), failing the test with the reader's message when it is not. */
static hpi_json *read_json(const char *text)
{
	hpi_json_err err;
	hpi_json *doc = hpi_json_parse(text, strlen(text),
				       HPI_JSON_TOP_CONTAINER | HPI_JSON_NO_DUP_KEYS, 0, &err);

	ck_assert_msg(doc != NULL, "JSON: %s", err.text);
	return doc;
}

/* Checks the nasty report read back. */
static void check_nasty(const char *text)
{
	hpi_json *doc = read_json(text);
	const hpi_jv *root = hpi_json_root(doc), *sec, *row, *meta, *col;
	size_t i;

	ck_assert_str_eq(hpi_json_str(hpi_json_get(root, "caller")), nasty[0][1]);
	sec = hpi_json_at(hpi_json_get(root, "sections"), 0);
	ck_assert_str_eq(hpi_json_str(hpi_json_get(sec, "id")), nasty[1][1]);
	ck_assert_str_eq(hpi_json_str(hpi_json_get(sec, "title")), nasty[2][1]);
	row = hpi_json_at(hpi_json_get(sec, "rows"), 0);
	meta = hpi_json_get(sec, "meta");
	for (i = 0; i < NNASTY; i++) {
		col = hpi_json_at(hpi_json_get(sec, "columns"), i);
		ck_assert_str_eq(hpi_json_str(hpi_json_get(col, "key")), nasty[i][1]);
		ck_assert_str_eq(hpi_json_str(hpi_json_get(col, "title")), nasty[i][1]);
		ck_assert_str_eq(hpi_json_str(hpi_json_get(row, nasty[i][1])), nasty[i][1]);
		ck_assert_str_eq(hpi_json_str(hpi_json_get(meta, nasty[i][1])), nasty[i][1]);
		ck_assert_str_eq(hpi_json_str(hpi_json_get(root, nasty[i][1])), nasty[i][1]);
	}
	hpi_json_free(doc);
}

START_TEST(test_json_nasty_roundtrip)
{
	hp_snapshot *s = fixture_nasty();
	char *j;

	j = json_of(s, 0, false);
	ck_assert_ptr_eq(strchr(j, '\n'), j + strlen(j) - 1); /* one line */
	check_nasty(j);
	free(j);
	j = json_of(s, 0, true);
	check_nasty(j);
	free(j);
	hpi_snapshot_free(s);
}
END_TEST

START_TEST(test_json_types_roundtrip)
{
	hp_snapshot *s = fixture_basic();
	char *j = json_of(s, 0, true);
	hpi_json *doc = read_json(j);
	const hpi_jv *root = hpi_json_root(doc), *row, *el;

	ck_assert(hpi_json_is(hpi_json_get(root, "pid"), HPI_JSON_INT));
	el = hpi_json_get(root, "elapsed_ns");
	ck_assert(hpi_json_is(el, HPI_JSON_INT));
	ck_assert_int_eq(el->v.i, 126860000);
	row = hpi_json_at(hpi_json_get(hpi_json_at(hpi_json_get(root, "sections"), 0), "rows"), 0);
	ck_assert(hpi_json_is(hpi_json_get(row, "percent_total"), HPI_JSON_REAL));
	ck_assert_double_eq(hpi_json_num(hpi_json_get(row, "percent_total")), 91.46);
	ck_assert_int_eq(hpi_json_size(hpi_json_get(row, "log")), 1);
	hpi_json_free(doc);
	free(j);
	hpi_snapshot_free(s);
}
END_TEST

/* The render suite. */
static Suite *render_suite(void)
{
	Suite *s = suite_create("render");
	TCase *tc;

	tc = tcase_create("units");
	tcase_set_timeout(tc, 10);
	tcase_add_test(tc, test_fmt_ns);
	tcase_add_test(tc, test_fmt_bytes);
	suite_add_tcase(s, tc);

	tc = tcase_create("table");
	tcase_set_timeout(tc, 10);
	tcase_add_test(tc, test_table_basic);
	tcase_add_test(tc, test_table_sections);
	tcase_add_test(tc, test_table_limit);
	tcase_add_test(tc, test_table_columns_fallback);
	tcase_add_test(tc, test_table_dropped);
	tcase_add_test(tc, test_table_null);
	suite_add_tcase(s, tc);

	tc = tcase_create("json");
	tcase_set_timeout(tc, 10);
	tcase_add_test(tc, test_json_basic);
	tcase_add_test(tc, test_json_limit);
	tcase_add_test(tc, test_json_values);
	tcase_add_test(tc, test_json_pretty);
	tcase_add_test(tc, test_json_empty);
	tcase_add_test(tc, test_json_nasty_roundtrip);
	tcase_add_test(tc, test_json_types_roundtrip);
	suite_add_tcase(s, tc);
	return s;
}

/* Runs the suite (CK_FORK=no to debug); nonzero exit on failure. */
int main(void)
{
	SRunner *sr = srunner_create(render_suite());
	int nf;

	srunner_run_all(sr, CK_ENV);
	nf = srunner_ntests_failed(sr);
	srunner_free(sr);
	return nf == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
