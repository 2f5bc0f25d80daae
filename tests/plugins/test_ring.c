/* SPDX-License-Identifier: MIT */
/*
 * test_ring.c - a row's recent log (hp_ring in include/hotpath/plugin.h):
 * what push keeps and hands back, both orders, wrap-around, capacity 0,
 * the log's exact columns and cells through the host's snapshot writers,
 * and a ring longer than the log it writes.
 */
#include "config.h"

#include <check.h>
#include <stdint.h>
#include <stdlib.h>

#include "hpi.h"
#include "../testlib.h"

typedef struct rec {
	uint64_t seq, tid;
	char text[8];
} rec;

/* Pushes seq from..to (tid = seq * 10, text "m<seq>" for odd seq). */
static void push_range(hp_ring *r, uint64_t from, uint64_t to)
{
	for (uint64_t s = from; s <= to; s++) {
		rec *p = HP_RING_PUSH(r, rec);

		ck_assert_ptr_nonnull(p);
		*p = (rec){ .seq = s, .tid = s * 10 };
		if (s % 2)
			snprintf(p->text, sizeof(p->text), "m%llu", (unsigned long long)s);
	}
}

/* The seq of record i, newest (0) first. */
static uint64_t newest(const hp_ring *r, size_t i)
{
	return ((const rec *)hp_ring_at(r, i, sizeof(rec)))->seq;
}

/* The seq of record i, oldest (0) first. */
static uint64_t oldest(const hp_ring *r, size_t i)
{
	return ((const rec *)hp_ring_oldest(r, i, sizeof(rec)))->seq;
}

START_TEST(part_full_in_both_orders)
{
	hp_ring r;

	ck_assert_int_eq(hp_ring_init(&r, 5, sizeof(rec)), 0);
	ck_assert_uint_eq(r.cap, 5);
	ck_assert_uint_eq(r.n, 0);
	push_range(&r, 1, 3);
	ck_assert_uint_eq(r.n, 3);
	ck_assert_uint_eq(r.head, 3);
	ck_assert_uint_eq(newest(&r, 0), 3);
	ck_assert_uint_eq(newest(&r, 1), 2);
	ck_assert_uint_eq(newest(&r, 2), 1);
	ck_assert_uint_eq(oldest(&r, 0), 1);
	ck_assert_uint_eq(oldest(&r, 1), 2);
	ck_assert_uint_eq(oldest(&r, 2), 3);
	/* the slots not yet used are zero */
	ck_assert_uint_eq(((const rec *)r.rec)[3].seq, 0);
	ck_assert_uint_eq(((const rec *)r.rec)[4].tid, 0);
	hp_ring_free(&r);
	ck_assert_ptr_null(r.rec);
	ck_assert_uint_eq(r.cap, 0);
	ck_assert_uint_eq(r.n, 0);
}
END_TEST

START_TEST(wraps_around_keeping_the_last_cap)
{
	hp_ring r;
	rec *p;

	ck_assert_int_eq(hp_ring_init(&r, 4, sizeof(rec)), 0);
	push_range(&r, 1, 10);
	ck_assert_uint_eq(r.n, 4);
	ck_assert_uint_eq(r.head, 10 % 4);
	for (size_t i = 0; i < 4; i++) {
		ck_assert_uint_eq(newest(&r, i), 10 - i);
		ck_assert_uint_eq(oldest(&r, i), 7 + i);
	}
	/* a push on a full ring hands back the oldest record as it was */
	p = HP_RING_PUSH(&r, rec);
	ck_assert_uint_eq(p->seq, 7);
	ck_assert_uint_eq(p->tid, 70);
	ck_assert_str_eq(p->text, "m7");
	p->seq = 11;
	ck_assert_uint_eq(r.n, 4);
	ck_assert_uint_eq(newest(&r, 0), 11);
	ck_assert_uint_eq(oldest(&r, 0), 8);
	/* of 10 records pushed in a row, a ring of 4 keeps those from 6 on */
	ck_assert_uint_eq(hp_ring_skip(&r, 10), 6);
	ck_assert_uint_eq(hp_ring_skip(&r, 4), 0);
	ck_assert_uint_eq(hp_ring_skip(&r, 3), 0);
	hp_ring_free(&r);
}
END_TEST

/* rec's cells: seq, tid, and the text only when there is one; u counts
 * the calls. */
static void rec_cells(const hp_host *h, hp_section *log, size_t row, const void *p, void *u)
{
	const rec *x = p;

	h->cell_int(log, row, 0, (int64_t)x->seq);
	h->cell_int(log, row, 1, (int64_t)x->tid);
	if (x->text[0] != '\0')
		h->cell_text(log, row, 2, x->text);
	++*(int *)u;
}

static const hp_ring_col cols[] = {
	{ "seq", "Seq", HP_UNIT_COUNT },
	{ "tid", "Thread", HP_UNIT_COUNT },
	{ "message", "Message", HP_UNIT_TEXT },
	{ NULL, NULL, 0 },
};

/* A section "s" of one column and rows rows, in a new snapshot. */
static hp_section *section(const hp_host *h, hp_snapshot **snap, size_t rows)
{
	hp_section *sec;

	*snap = hpi_snapshot_new();
	ck_assert_ptr_nonnull(*snap);
	sec = h->section_add(*snap, "s", "S");
	ck_assert_ptr_nonnull(sec);
	h->column_add(sec, "name", "Name", HP_UNIT_TEXT);
	for (size_t i = 0; i < rows; i++)
		h->row_add(sec);
	return sec;
}

START_TEST(capacity_zero_keeps_and_writes_nothing)
{
	const hp_host *h = hpi_host();
	hp_ring r, z = {0};
	hp_snapshot *snap;
	hp_section *sec = section(h, &snap, 2);
	int calls = 0;

	ck_assert_int_eq(hp_ring_init(&r, 0, sizeof(rec)), 0);
	ck_assert_ptr_null(r.rec);
	ck_assert_ptr_null(HP_RING_PUSH(&r, rec));
	ck_assert_ptr_null(HP_RING_PUSH(&z, rec)); /* a zeroed ring is one too */
	ck_assert_uint_eq(r.n, 0);
	ck_assert_uint_eq(r.head, 0);
	ck_assert_uint_eq(hp_ring_skip(&r, 5), 5);
	ck_assert_ptr_null(hp_ring_log(h, sec, 0, &r, sizeof(rec), cols, HP_RING_NEWEST, 0,
				       rec_cells, &calls));
	ck_assert_ptr_null(hpi_section_log(sec, 0));
	/* a ring that kept nothing yet writes no log either */
	ck_assert_int_eq(hp_ring_init(&r, 3, sizeof(rec)), 0);
	ck_assert_ptr_null(hp_ring_log(h, sec, 1, &r, sizeof(rec), cols, HP_RING_OLDEST, 0,
				       rec_cells, &calls));
	ck_assert_ptr_null(hpi_section_log(sec, 1));
	ck_assert_int_eq(calls, 0);
	hp_ring_free(&r);
	hp_ring_free(&z);
	hpi_snapshot_free(snap);
}
END_TEST

/* The log of sec's row: exactly cols' columns, and n rows whose seq are
 * first, first + step, ...; odd ones with their text. */
static void check_log(const hp_section *sec, size_t row, size_t n, uint64_t first, int step)
{
	const hp_section *log = hpi_section_log(sec, row);

	ck_assert_ptr_nonnull(log);
	ck_assert_str_eq(hp_section_id(log), "s.log");
	ck_assert_uint_eq(hp_section_ncolumns(log), 3);
	for (size_t c = 0; c < 3; c++) {
		ck_assert_str_eq(hp_section_column_key(log, c), cols[c].key);
		ck_assert_str_eq(hp_section_column_title(log, c), cols[c].title);
		ck_assert_int_eq(hp_section_column_unit(log, c), cols[c].unit);
	}
	ck_assert_uint_eq(hp_section_nrows(log), n);
	for (size_t i = 0; i < n; i++) {
		uint64_t s = first + (uint64_t)((int64_t)i * step);
		char text[24];

		ck_assert_int_eq(hp_section_int(log, i, 0), (int64_t)s);
		ck_assert_int_eq(hp_section_int(log, i, 1), (int64_t)s * 10);
		if (s % 2) {
			snprintf(text, sizeof(text), "m%llu", (unsigned long long)s);
			ck_assert_str_eq(hp_section_text(log, i, 2), text);
		} else
			ck_assert_int_eq(hp_section_has(log, i, 2), 0);
	}
}

START_TEST(log_has_exact_columns_in_either_order)
{
	const hp_host *h = hpi_host();
	hp_snapshot *snap;
	hp_section *sec = section(h, &snap, 2), *log;
	hp_ring r;
	int calls = 0;

	ck_assert_int_eq(hp_ring_init(&r, 4, sizeof(rec)), 0);
	push_range(&r, 1, 6); /* keeps 3..6, wrapped */
	log = hp_ring_log(h, sec, 0, &r, sizeof(rec), cols, HP_RING_NEWEST, 0, rec_cells, &calls);
	ck_assert_ptr_eq(log, hpi_section_log(sec, 0));
	check_log(sec, 0, 4, 6, -1);
	ck_assert_int_eq(calls, 4);
	hp_ring_log(h, sec, 1, &r, sizeof(rec), cols, HP_RING_OLDEST, 0, rec_cells, &calls);
	check_log(sec, 1, 4, 3, 1);
	ck_assert_int_eq(calls, 8);
	/* the main section is untouched: one column, two rows */
	ck_assert_uint_eq(hp_section_ncolumns(sec), 1);
	ck_assert_uint_eq(hp_section_nrows(sec), 2);
	/* a row that is not there gets no log */
	ck_assert_ptr_null(hp_ring_log(h, sec, 2, &r, sizeof(rec), cols, HP_RING_NEWEST, 0,
				       rec_cells, &calls));
	ck_assert_int_eq(calls, 8);
	hp_ring_free(&r);
	hpi_snapshot_free(snap);
}
END_TEST

/* A ring kept longer than its log (the log's length lowered by an option
 * after the ring was made) writes only the newest max records. */
START_TEST(ring_longer_than_the_log_writes_the_newest)
{
	const hp_host *h = hpi_host();
	hp_snapshot *snap;
	hp_section *sec = section(h, &snap, 4);
	hp_ring r;
	int calls = 0;

	ck_assert_int_eq(hp_ring_init(&r, 8, sizeof(rec)), 0);
	push_range(&r, 1, 13); /* keeps 6..13 */
	hp_ring_log(h, sec, 0, &r, sizeof(rec), cols, HP_RING_NEWEST, 3, rec_cells, &calls);
	check_log(sec, 0, 3, 13, -1);
	hp_ring_log(h, sec, 1, &r, sizeof(rec), cols, HP_RING_OLDEST, 3, rec_cells, &calls);
	check_log(sec, 1, 3, 11, 1);
	/* a max above what the ring holds writes all of it */
	hp_ring_log(h, sec, 2, &r, sizeof(rec), cols, HP_RING_OLDEST, 20, rec_cells, &calls);
	check_log(sec, 2, 8, 6, 1);
	hp_ring_log(h, sec, 3, &r, sizeof(rec), cols, HP_RING_NEWEST, 8, rec_cells, &calls);
	check_log(sec, 3, 8, 13, -1);
	ck_assert_int_eq(calls, 3 + 3 + 8 + 8);
	hp_ring_free(&r);
	hpi_snapshot_free(snap);
}
END_TEST

static Suite *ring_suite(void)
{
	Suite *s = suite_create("ring");
	TCase *t = tcase_create("ring");

	tcase_set_timeout(t, 30);
	tcase_add_test(t, part_full_in_both_orders);
	tcase_add_test(t, wraps_around_keeping_the_last_cap);
	tcase_add_test(t, capacity_zero_keeps_and_writes_nothing);
	tcase_add_test(t, log_has_exact_columns_in_either_order);
	tcase_add_test(t, ring_longer_than_the_log_writes_the_newest);
	suite_add_tcase(s, t);
	return s;
}

HP_TEST_MAIN(ring_suite)
