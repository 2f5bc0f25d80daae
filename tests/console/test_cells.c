/* SPDX-License-Identifier: MIT */
/*
 * test_cells.c - one report model: the console shows the cells that the
 * library's table shows.  A snapshot with a column of every unit and the
 * edge values of each is rendered to JSON by the library, read back by the
 * console's section loader, and every cell's text compared with the table
 * report's; the `hotpath compare` grid draws the same box as the report.
 */
#include <check.h>
#include <locale.h>
#include <stdio.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "console.h"
#include "grid.h"
#include "model.h"
#include "../testlib.h"

#define ROWS 9

/* A section with a column of every unit, ROWS rows of edge values. */
static hp_snapshot *cells_fixture(void)
{
	static const int64_t ints[ROWS] = {0, 1, 999, 1000, 1536, -2500000, 1048576,
					    INT64_C(3600000000000), INT64_C(5000000000000000)};
	static const double reals[ROWS] = {0, 0.005, 12.5, 91.456, 100, -3.25, 1e6, 0.125, 2.675};
	hp_snapshot *s = hpi_snapshot_new();
	hp_section *sec = hpi_section_add(s, "all", "All units");
	char name[32];

	hpi_column_add(sec, "name", "Name", HP_UNIT_TEXT);
	hpi_column_add(sec, "count", "Count", HP_UNIT_COUNT);
	hpi_column_add(sec, "ns", "Time", HP_UNIT_NS);
	hpi_column_add(sec, "bytes", "Bytes", HP_UNIT_BYTES);
	hpi_column_add(sec, "pct", "% Total", HP_UNIT_PERCENT);
	hpi_column_add(sec, "rate", "Rate", HP_UNIT_RATE);
	for (size_t r = 0; r < ROWS; r++) {
		hpi_row_add(sec);
		snprintf(name, sizeof(name), "row \xc3\xa9%zu", r);
		if (r != 4) /* one row without a name: "-" */
			hpi_cell_text(sec, r, 0, name);
		for (size_t c = 1; c <= 3; c++)
			if (r != 2 || c != 2) /* and an unset time */
				hpi_cell_int(sec, r, c, ints[(r + c) % ROWS]);
		hpi_cell_real(sec, r, 4, reals[r]);
		hpi_cell_real(sec, r, 5, reals[(r + 3) % ROWS] * 10);
	}
	return s;
}

START_TEST(console_shows_the_library_cells)
{
	hp_snapshot *s = cells_fixture();
	const hp_section *lib = hp_snapshot_section(s, 0);
	hpi_render_opts o = {.all_rows = true};
	hpi_buf json;
	const char *why = NULL, *p;
	hpc_section *con;
	char tmp[64];
	size_t checked = 0;

	hpi_buf_init(&json);
	hpi_render_json(&json, s, &o, false);
	/* the section object of the report: the console reads sections */
	p = strstr(json.data, "\"sections\":[") + strlen("\"sections\":[");
	con = hpc_section_parse_text(p, strlen(p) - 3, &why); /* without "]}\n" */
	ck_assert_msg(con != NULL, "%s", why ? why : "?");
	ck_assert_uint_eq(con->nrows, ROWS);
	ck_assert_uint_eq(con->ncols, 6);
	for (size_t r = 0; r < ROWS; r++)
		for (size_t c = 0; c < 6; c++) {
			ck_assert_str_eq(hpc_section_text(con, r, c),
					 hpi_render_cell(lib, r, c, tmp, sizeof(tmp)));
			checked++;
		}
	ck_assert_uint_eq(checked, ROWS * 6);
	/* spot checks, so that both cannot drift together unnoticed */
	ck_assert_str_eq(hpc_section_text(con, 0, 0), "row \xc3\xa9" "0");
	ck_assert_str_eq(hpc_section_text(con, 0, 2), "999ns");
	ck_assert_str_eq(hpc_section_text(con, 0, 3), "1000B");
	ck_assert_str_eq(hpc_section_text(con, 0, 4), "0.00%");
	ck_assert_str_eq(hpc_section_text(con, 0, 5), "914.6/s");
	ck_assert_str_eq(hpc_section_text(con, 1, 2), "1.00\xc2\xb5s");
	ck_assert_str_eq(hpc_section_text(con, 1, 3), "1.50KiB");
	ck_assert_str_eq(hpc_section_text(con, 2, 2), "-");
	ck_assert_str_eq(hpc_section_text(con, 4, 0), "-");
	hpc_section_free(con);
	hpi_buf_fini(&json);
	hpi_snapshot_free(s);
}
END_TEST

START_TEST(compare_grid_draws_the_report_box)
{
	hp_snapshot *s = cells_fixture();
	const hp_section *lib = hp_snapshot_section(s, 0);
	hpi_buf report, box;
	hpc_grid g;
	char tmp[64];
	const char *head = "[hotpath] Performance summary from unknown (Total time: 0ns):\n";

	hpc_grid_init(&g, 6);
	hpc_grid_row(&g);
	for (size_t c = 0; c < 6; c++)
		hpc_grid_set(&g, 0, c, hp_section_column_title(lib, c));
	for (size_t r = 0; r < ROWS; r++) {
		hpc_grid_row(&g);
		for (size_t c = 0; c < 6; c++)
			hpc_grid_set(&g, r + 1, c, hpi_render_cell(lib, r, c, tmp, sizeof(tmp)));
	}
	hpi_buf_init(&report);
	hpi_buf_init(&box);
	hpi_render_table(&report, s, NULL);
	hpi_buf_puts(&box, head);
	hpc_grid_box(&g, &box);
	ck_assert_str_eq(box.data, report.data);
	/* the box itself: 3 rules, the header, ROWS rows */
	{
		size_t lines = 0;
		for (const char *q = report.data + strlen(head); *q != '\0'; q++)
			lines += *q == '\n';
		ck_assert_uint_eq(lines, ROWS + 4);
	}
	hpc_grid_fini(&g);
	hpi_buf_fini(&box);
	hpi_buf_fini(&report);
	hpi_snapshot_free(s);
}
END_TEST

static Suite *cells_suite(void)
{
	Suite *s = suite_create("cells");
	TCase *tc = tcase_create("one model");

	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, console_shows_the_library_cells);
	tcase_add_test(tc, compare_grid_draws_the_report_box);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	setlocale(LC_ALL, "C.UTF-8"); /* as the console runs */
	return hp_test_run(cells_suite());
}
