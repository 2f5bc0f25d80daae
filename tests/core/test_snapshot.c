/* SPDX-License-Identifier: MIT */
/*
 * test_snapshot.c - the snapshot model: what plugins write is what
 * reporters read, cell types follow units, columns may come after rows,
 * and no NULL or index out of range crashes anything.
 */
#include <check.h>
#include <pthread.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "hpi.h"

/* Section "s" with columns text, count, ns, bytes, percent, rate. */
static hp_section *fixture_units(hp_snapshot *s)
{
	hp_section *sec = hpi_section_add(s, "s", "S");

	ck_assert_int_eq(hpi_column_add(sec, "t", "Text", HP_UNIT_TEXT), 0);
	ck_assert_int_eq(hpi_column_add(sec, "c", "Count", HP_UNIT_COUNT), 1);
	ck_assert_int_eq(hpi_column_add(sec, "n", "Ns", HP_UNIT_NS), 2);
	ck_assert_int_eq(hpi_column_add(sec, "b", "Bytes", HP_UNIT_BYTES), 3);
	ck_assert_int_eq(hpi_column_add(sec, "p", "Pct", HP_UNIT_PERCENT), 4);
	ck_assert_int_eq(hpi_column_add(sec, "r", "Rate", HP_UNIT_RATE), 5);
	return sec;
}

START_TEST(test_sections)
{
	hp_snapshot *s = hpi_snapshot_new();
	hp_section *a, *b, *a2;

	ck_assert_uint_eq(hp_snapshot_count(s), 0);
	a = hpi_section_add(s, "timing", "Functions");
	b = hpi_section_add(s, "alloc", NULL);
	a2 = hpi_section_add(s, "timing", "Again");
	ck_assert_ptr_null(hpi_section_add(s, NULL, "x"));
	ck_assert_uint_eq(hp_snapshot_count(s), 3);
	ck_assert_ptr_eq(hp_snapshot_section(s, 0), a);
	ck_assert_ptr_eq(hp_snapshot_section(s, 1), b);
	ck_assert_ptr_eq(hp_snapshot_section(s, 2), a2);
	ck_assert_ptr_null(hp_snapshot_section(s, 3));
	ck_assert_ptr_eq(hp_snapshot_find(s, "timing"), a);
	ck_assert_ptr_eq(hp_snapshot_find(s, "alloc"), b);
	ck_assert_ptr_null(hp_snapshot_find(s, "nope"));
	ck_assert_ptr_null(hp_snapshot_find(s, NULL));
	ck_assert_str_eq(hp_section_id(a), "timing");
	ck_assert_str_eq(hp_section_title(a), "Functions");
	ck_assert_str_eq(hp_section_title(b), "alloc");
	hpi_snapshot_free(s);
}
END_TEST

START_TEST(test_columns)
{
	hp_snapshot *s = hpi_snapshot_new();
	hp_section *sec = fixture_units(s);

	ck_assert_uint_eq(hp_section_ncolumns(sec), 6);
	ck_assert_int_eq(hpi_column_add(sec, "c", "Dup", HP_UNIT_COUNT), HP_EINVAL);
	ck_assert_int_eq(hpi_column_add(sec, NULL, "K", HP_UNIT_COUNT), HP_EINVAL);
	ck_assert_int_eq(hpi_column_add(sec, "u", "U", (hp_unit)6), HP_EINVAL);
	ck_assert_int_eq(hpi_column_add(sec, "u", "U", (hp_unit)-1), HP_EINVAL);
	ck_assert_int_eq(hpi_column_add(sec, "k", NULL, HP_UNIT_COUNT), 6);
	ck_assert_uint_eq(hp_section_ncolumns(sec), 7);
	ck_assert_str_eq(hp_section_column_key(sec, 1), "c");
	ck_assert_str_eq(hp_section_column_title(sec, 1), "Count");
	ck_assert_str_eq(hp_section_column_title(sec, 6), "k");
	ck_assert_int_eq(hp_section_column_unit(sec, 4), HP_UNIT_PERCENT);
	ck_assert_int_eq(hp_section_column_unit(sec, 0), HP_UNIT_TEXT);
	ck_assert_int_eq(hpi_section_col(sec, "r"), 5);
	ck_assert_int_eq(hpi_section_col(sec, "zz"), -1);
	ck_assert_ptr_null(hp_section_column_key(sec, 7));
	ck_assert_ptr_null(hp_section_column_title(sec, 7));
	ck_assert_int_eq(hp_section_column_unit(sec, 7), 0);
	hpi_snapshot_free(s);
}
END_TEST

START_TEST(test_cells)
{
	hp_snapshot *s = hpi_snapshot_new();
	hp_section *sec = fixture_units(s);
	char name[] = "basic::work";

	ck_assert_uint_eq(hpi_row_add(sec), 0);
	ck_assert_uint_eq(hpi_row_add(sec), 1);
	ck_assert_uint_eq(hp_section_nrows(sec), 2);
	hpi_cell_text(sec, 0, 0, name);
	name[0] = 'X'; /* the cell holds a copy */
	hpi_cell_int(sec, 0, 1, INT64_MAX);
	hpi_cell_int(sec, 0, 2, -5);
	hpi_cell_int(sec, 0, 3, 1 << 20);
	hpi_cell_real(sec, 0, 4, 12.5);
	hpi_cell_real(sec, 0, 5, 0.25);
	ck_assert_str_eq(hp_section_text(sec, 0, 0), "basic::work");
	ck_assert(hp_section_int(sec, 0, 1) == INT64_MAX);
	ck_assert(hp_section_int(sec, 0, 2) == -5);
	ck_assert(hp_section_int(sec, 0, 3) == 1 << 20);
	ck_assert_double_eq(hp_section_real(sec, 0, 4), 12.5);
	ck_assert_double_eq(hp_section_real(sec, 0, 5), 0.25);
	for (size_t c = 0; c < 6; c++) {
		ck_assert_int_eq(hp_section_has(sec, 0, c), 1);
		ck_assert_int_eq(hp_section_has(sec, 1, c), 0);
	}
	ck_assert_ptr_null(hp_section_text(sec, 1, 0));
	ck_assert(hp_section_int(sec, 1, 1) == 0);
	ck_assert_double_eq(hp_section_real(sec, 1, 4), 0);
	hpi_cell_text(sec, 0, 0, "second");
	ck_assert_str_eq(hp_section_text(sec, 0, 0), "second");
	hpi_cell_text(sec, 0, 0, NULL);
	ck_assert_int_eq(hp_section_has(sec, 0, 0), 0);
	ck_assert_ptr_null(hp_section_text(sec, 0, 0));
	hpi_cell_text(sec, 1, 0, "kept until free");
	hpi_snapshot_free(s);
}
END_TEST

START_TEST(test_cell_conversions)
{
	hp_snapshot *s = hpi_snapshot_new();
	hp_section *sec = fixture_units(s);

	hpi_row_add(sec);
	hpi_cell_int(sec, 0, 4, 3);          /* int into PERCENT */
	hpi_cell_real(sec, 0, 1, 2.9);       /* real into COUNT: truncated */
	hpi_cell_real(sec, 0, 2, 1e300);     /* saturates */
	hpi_cell_real(sec, 0, 3, NAN);       /* left empty */
	hpi_cell_int(sec, 0, 0, 7);          /* number into TEXT: ignored */
	hpi_cell_text(sec, 0, 5, "7");       /* text into RATE: ignored */
	ck_assert_double_eq(hp_section_real(sec, 0, 4), 3.0);
	ck_assert(hp_section_int(sec, 0, 4) == 3);
	ck_assert(hp_section_int(sec, 0, 1) == 2);
	ck_assert_double_eq(hp_section_real(sec, 0, 1), 2.0);
	ck_assert(hp_section_int(sec, 0, 2) == INT64_MAX);
	ck_assert_int_eq(hp_section_has(sec, 0, 3), 0);
	ck_assert_int_eq(hp_section_has(sec, 0, 0), 0);
	ck_assert_int_eq(hp_section_has(sec, 0, 5), 0);
	ck_assert_ptr_null(hp_section_text(sec, 0, 1)); /* not a TEXT column */
	hpi_cell_real(sec, 0, 5, -INFINITY);
	ck_assert(hp_section_int(sec, 0, 5) == INT64_MIN);
	hpi_cell_real(sec, 0, 5, NAN);
	ck_assert_int_eq(hp_section_has(sec, 0, 5), 1);
	ck_assert(isnan(hp_section_real(sec, 0, 5)));
	ck_assert(hp_section_int(sec, 0, 5) == 0);
	hpi_snapshot_free(s);
}
END_TEST

START_TEST(test_late_columns)
{
	hp_snapshot *s = hpi_snapshot_new();
	hp_section *sec = hpi_section_add(s, "late", "Late");
	size_t r;

	hpi_column_add(sec, "name", "Name", HP_UNIT_TEXT);
	for (r = 0; r < 100; r++) {
		ck_assert_uint_eq(hpi_row_add(sec), r);
		hpi_cell_text(sec, r, 0, "row");
	}
	ck_assert_int_eq(hpi_column_add(sec, "n", "N", HP_UNIT_COUNT), 1);
	ck_assert_int_eq(hpi_column_add(sec, "who", "Who", HP_UNIT_TEXT), 2);
	for (r = 0; r < 100; r++) {
		ck_assert_int_eq(hp_section_has(sec, r, 1), 0);
		ck_assert_ptr_null(hp_section_text(sec, r, 2));
		ck_assert_str_eq(hp_section_text(sec, r, 0), "row");
	}
	hpi_cell_int(sec, 50, 1, 50);
	hpi_cell_text(sec, 99, 2, "last");
	ck_assert(hp_section_int(sec, 50, 1) == 50);
	ck_assert_int_eq(hp_section_has(sec, 50, 2), 0);
	ck_assert_str_eq(hp_section_text(sec, 99, 2), "last");
	ck_assert_int_eq(hp_section_has(sec, 49, 1), 0);
	hpi_snapshot_free(s);
}
END_TEST

START_TEST(test_out_of_range)
{
	hp_snapshot *s = hpi_snapshot_new();
	hp_section *sec = fixture_units(s);

	hpi_row_add(sec);
	hpi_cell_int(sec, 1, 1, 5);
	hpi_cell_int(sec, 0, 6, 5);
	hpi_cell_text(sec, (size_t)-1, 0, "x");
	hpi_cell_real(sec, 9, 4, 1);
	ck_assert_uint_eq(hp_section_nrows(sec), 1);
	ck_assert_uint_eq(hp_section_ncolumns(sec), 6);
	ck_assert_int_eq(hp_section_has(sec, 1, 1), 0);
	ck_assert_int_eq(hp_section_has(sec, 0, 6), 0);
	ck_assert(hp_section_int(sec, 0, 99) == 0);
	ck_assert(hp_section_int(sec, 99, 0) == 0);
	ck_assert_double_eq(hp_section_real(sec, 5, 5), 0);
	ck_assert_ptr_null(hp_section_text(sec, (size_t)-1, (size_t)-1));
	ck_assert_ptr_null(hpi_row_log(sec, 1));
	ck_assert_ptr_null(hpi_section_log(sec, 0));
	ck_assert_ptr_null(hpi_section_log(sec, 1));
	hpi_snapshot_free(s);
}
END_TEST

START_TEST(test_null_safe)
{
	ck_assert_uint_eq(hp_snapshot_count(NULL), 0);
	ck_assert_ptr_null(hp_snapshot_section(NULL, 0));
	ck_assert_ptr_null(hp_snapshot_find(NULL, "x"));
	ck_assert_ptr_null(hp_snapshot_meta(NULL, "caller"));
	ck_assert_ptr_null(hp_section_id(NULL));
	ck_assert_ptr_null(hp_section_title(NULL));
	ck_assert_uint_eq(hp_section_ncolumns(NULL), 0);
	ck_assert_ptr_null(hp_section_column_key(NULL, 0));
	ck_assert_ptr_null(hp_section_column_title(NULL, 0));
	ck_assert_int_eq(hp_section_column_unit(NULL, 0), 0);
	ck_assert_uint_eq(hp_section_nrows(NULL), 0);
	ck_assert_int_eq(hp_section_has(NULL, 0, 0), 0);
	ck_assert(hp_section_int(NULL, 0, 0) == 0);
	ck_assert_double_eq(hp_section_real(NULL, 0, 0), 0);
	ck_assert_ptr_null(hp_section_text(NULL, 0, 0));
	ck_assert_ptr_null(hp_section_meta(NULL, "k"));
	hpi_snapshot_free(NULL);
	hpi_snapshot_meta_set(NULL, "k", "v");
	ck_assert_ptr_null(hpi_section_add(NULL, "id", "t"));
	ck_assert_int_eq(hpi_column_add(NULL, "k", "t", HP_UNIT_COUNT), HP_EINVAL);
	ck_assert_uint_eq(hpi_row_add(NULL), (size_t)-1);
	hpi_cell_int(NULL, 0, 0, 1);
	hpi_cell_real(NULL, 0, 0, 1);
	hpi_cell_text(NULL, 0, 0, "x");
	hpi_section_meta_set(NULL, "k", "v");
	ck_assert_ptr_null(hpi_row_log(NULL, 0));
	ck_assert_ptr_null(hpi_section_log(NULL, 0));
	ck_assert_int_eq(hpi_section_col(NULL, "k"), -1);
}
END_TEST

START_TEST(test_meta)
{
	hp_snapshot *s = hpi_snapshot_new();
	hp_section *sec = hpi_section_add(s, "x", "X");

	hpi_snapshot_meta_set(s, "caller", "basic::main");
	hpi_snapshot_meta_set(s, "pid", "1");
	hpi_snapshot_meta_set(s, "elapsed_ns", "10");
	hpi_snapshot_meta_set(s, "caller", "other::main"); /* keeps its place */
	hpi_snapshot_meta_set(s, "pid", NULL);             /* removed */
	hpi_snapshot_meta_set(s, NULL, "v");
	ck_assert_str_eq(hp_snapshot_meta(s, "caller"), "other::main");
	ck_assert_ptr_null(hp_snapshot_meta(s, "pid"));
	ck_assert_ptr_null(hp_snapshot_meta(s, NULL));
	ck_assert_uint_eq(s->meta.n, 2);
	ck_assert_str_eq(s->meta.v[0].key, "caller");
	ck_assert_str_eq(s->meta.v[1].key, "elapsed_ns");
	hpi_section_meta_set(sec, "table.columns", "a,b");
	ck_assert_str_eq(hp_section_meta(sec, "table.columns"), "a,b");
	ck_assert_ptr_null(hp_section_meta(sec, "nope"));
	hpi_snapshot_free(s);
}
END_TEST

START_TEST(test_row_log)
{
	hp_snapshot *s = hpi_snapshot_new();
	hp_section *sec = hpi_section_add(s, "timing", "Functions");
	hp_section *log;

	hpi_column_add(sec, "name", "Function", HP_UNIT_TEXT);
	hpi_row_add(sec);
	hpi_row_add(sec);
	ck_assert_ptr_null(hpi_section_log(sec, 0));
	log = hpi_row_log(sec, 0);
	ck_assert_ptr_nonnull(log);
	ck_assert_ptr_eq(hpi_row_log(sec, 0), log);
	ck_assert_ptr_eq(hpi_section_log(sec, 0), log);
	ck_assert_ptr_null(hpi_section_log(sec, 1));
	ck_assert_str_eq(hp_section_id(log), "timing.log");
	ck_assert_uint_eq(hp_section_ncolumns(log), 0);
	hpi_column_add(log, "duration", "Duration", HP_UNIT_NS);
	hpi_column_add(log, "who", "Who", HP_UNIT_TEXT);
	hpi_row_add(log);
	hpi_cell_int(log, 0, 0, 1200);
	hpi_cell_text(log, 0, 1, "worker");
	ck_assert(hp_section_int(hpi_section_log(sec, 0), 0, 0) == 1200);
	ck_assert_uint_eq(hp_snapshot_count(s), 1); /* not a top-level section */
	ck_assert_ptr_nonnull(hpi_row_log(log, 0)); /* logs nest; freed with sec */
	hpi_snapshot_free(s);
}
END_TEST

START_TEST(test_unit_names)
{
	ck_assert_str_eq(hpi_unit_name(HP_UNIT_COUNT), "count");
	ck_assert_str_eq(hpi_unit_name(HP_UNIT_NS), "ns");
	ck_assert_str_eq(hpi_unit_name(HP_UNIT_BYTES), "bytes");
	ck_assert_str_eq(hpi_unit_name(HP_UNIT_PERCENT), "percent");
	ck_assert_str_eq(hpi_unit_name(HP_UNIT_RATE), "rate");
	ck_assert_str_eq(hpi_unit_name(HP_UNIT_TEXT), "text");
	ck_assert_str_eq(hpi_unit_name((hp_unit)42), "?");
	ck_assert(hpi_unit_is_int(HP_UNIT_BYTES) && !hpi_unit_is_int(HP_UNIT_RATE));
	ck_assert(hpi_unit_is_real(HP_UNIT_PERCENT) && !hpi_unit_is_real(HP_UNIT_TEXT));
}
END_TEST

START_TEST(test_many_rows)
{
	hp_snapshot *s = hpi_snapshot_new();
	hp_section *sec = hpi_section_add(s, "big", "Big");
	size_t r;

	hpi_column_add(sec, "i", "I", HP_UNIT_COUNT);
	for (r = 0; r < 100000; r++)
		hpi_cell_int(sec, hpi_row_add(sec), 0, (int64_t)r * 3);
	ck_assert_uint_eq(hp_section_nrows(sec), 100000);
	ck_assert(hp_section_int(sec, 99999, 0) == 299997);
	ck_assert(hp_section_int(sec, 12345, 0) == 37035);
	hpi_snapshot_free(s);
}
END_TEST

static int pulses;

/* The pulse a test sets: counts its calls. */
static void count_pulse(void)
{
	pulses++;
}

/* The collector's pulse (hpi_snapshot_pulse): once every 512 rows added on
 * this thread, in any section, until cleared; other threads' rows never. */
static void *add_rows(void *arg)
{
	for (int i = 0; i < 2000; i++)
		hpi_row_add(arg);
	return NULL;
}

START_TEST(test_pulse)
{
	hp_snapshot *s = hpi_snapshot_new();
	hp_section *a = hpi_section_add(s, "a", "A"), *b = hpi_section_add(s, "b", "B");
	pthread_t th;

	pulses = 0;
	hpi_snapshot_pulse(count_pulse);
	for (int i = 0; i < 511; i++)
		hpi_row_add(a);
	ck_assert_int_eq(pulses, 0);
	hpi_row_add(b); /* the 512th, in another section */
	ck_assert_int_eq(pulses, 1);
	for (int i = 0; i < 1024; i++)
		hpi_row_add(i & 1 ? a : b);
	ck_assert_int_eq(pulses, 3);
	ck_assert_int_eq(pthread_create(&th, NULL, add_rows, b), 0);
	pthread_join(th, NULL);
	ck_assert_int_eq(pulses, 3);
	hpi_snapshot_pulse(NULL);
	for (int i = 0; i < 2000; i++)
		hpi_row_add(a);
	ck_assert_int_eq(pulses, 3);
	ck_assert_uint_eq(hp_section_nrows(a) + hp_section_nrows(b), 511 + 1 + 1024 + 2000 + 2000);
	hpi_snapshot_free(s);
}
END_TEST

/* The snapshot suite. */
static Suite *snapshot_suite(void)
{
	Suite *s = suite_create("snapshot");
	TCase *tc;

	tc = tcase_create("model");
	tcase_set_timeout(tc, 10);
	tcase_add_test(tc, test_sections);
	tcase_add_test(tc, test_columns);
	tcase_add_test(tc, test_cells);
	tcase_add_test(tc, test_cell_conversions);
	tcase_add_test(tc, test_late_columns);
	tcase_add_test(tc, test_meta);
	tcase_add_test(tc, test_row_log);
	tcase_add_test(tc, test_unit_names);
	tcase_add_test(tc, test_pulse);
	suite_add_tcase(s, tc);

	tc = tcase_create("robustness");
	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, test_out_of_range);
	tcase_add_test(tc, test_null_safe);
	tcase_add_test(tc, test_many_rows);
	suite_add_tcase(s, tc);
	return s;
}

/* Runs the suite (CK_FORK=no to debug); nonzero exit on failure. */
int main(void)
{
	SRunner *sr = srunner_create(snapshot_suite());
	int nf;

	srunner_run_all(sr, CK_ENV);
	nf = srunner_ntests_failed(sr);
	srunner_free(sr);
	return nf == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
