/* SPDX-License-Identifier: MIT */
/* test_hist.c - the histogram behind every percentile in a report. */
#include "config.h"

#include <check.h>
#include <math.h>
#include <stdlib.h>

#include "hpi.h"
#include "../testlib.h"

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

/* The exact percentile by the same rank rule: ceil(p/100 * n). */
static uint64_t exact(const uint64_t *sorted, size_t n, double p)
{
	size_t rank = (size_t)ceil(p / 100.0 * (double)n);

	if (rank < 1)
		rank = 1;
	return sorted[rank - 1];
}

START_TEST(empty_is_zero)
{
	hpi_hist h;

	hpi_hist_init(&h);
	ck_assert_uint_eq(h.count, 0);
	ck_assert_uint_eq(hpi_hist_percentile(&h, 50), 0);
	ck_assert_uint_eq(hpi_hist_percentile(&h, 0), 0);
	ck_assert_uint_eq(hpi_hist_sum(&h), 0);
	hpi_hist_fini(&h);
}
END_TEST

START_TEST(small_values_are_exact)
{
	hpi_hist h;

	hpi_hist_init(&h);
	for (uint64_t v = 1; v <= 100; v++)
		hpi_hist_add(&h, v);
	ck_assert_uint_eq(h.count, 100);
	ck_assert_uint_eq(hpi_hist_sum(&h), 5050);
	ck_assert_uint_eq(hpi_hist_percentile(&h, 50), 50);
	ck_assert_uint_eq(hpi_hist_percentile(&h, 99), 99);
	ck_assert_uint_eq(hpi_hist_percentile(&h, 99.5), 100);
	ck_assert_uint_eq(hpi_hist_percentile(&h, 1), 1);
	hpi_hist_fini(&h);
}
END_TEST

START_TEST(p0_and_p100_are_exact_min_and_max)
{
	hpi_hist h;

	hpi_hist_init(&h);
	hpi_hist_add(&h, 123457);
	hpi_hist_add(&h, 987654321);
	hpi_hist_add(&h, 5555555);
	ck_assert_uint_eq(hpi_hist_percentile(&h, 0), 123457);
	ck_assert_uint_eq(hpi_hist_percentile(&h, 100), 987654321);
	ck_assert_uint_eq(h.min, 123457);
	ck_assert_uint_eq(h.max, 987654321);
	hpi_hist_fini(&h);
}
END_TEST

/* Any percentile of a wide random spread is within 1 % of the exact one. */
START_TEST(percentiles_within_one_percent)
{
	const size_t n = 200000;
	const double ps[] = {0.1, 1, 10, 25, 50, 75, 90, 95, 99, 99.9, 99.99};
	uint64_t *v = malloc(n * sizeof(*v));
	hpi_hist h;

	ck_assert_ptr_nonnull(v);
	srand(42);
	hpi_hist_init(&h);
	for (size_t i = 0; i < n; i++) {
		/* log-uniform over 10 ns .. 10 s */
		double e = 1.0 + 8.0 * ((double)rand() / RAND_MAX);
		v[i] = (uint64_t)pow(10.0, e);
		hpi_hist_add(&h, v[i]);
	}
	qsort(v, n, sizeof(*v), cmp_u64);
	for (size_t i = 0; i < sizeof(ps) / sizeof(ps[0]); i++) {
		double want = (double)exact(v, n, ps[i]);
		double got = (double)hpi_hist_percentile(&h, ps[i]);
		ck_assert_msg(fabs(got - want) / want <= 0.01, "p%g: got %.0f, exact %.0f", ps[i],
			      got, want);
	}
	ck_assert_uint_eq(hpi_hist_percentile(&h, 0), v[0]);
	ck_assert_uint_eq(hpi_hist_percentile(&h, 100), v[n - 1]);
	hpi_hist_fini(&h);
	free(v);
}
END_TEST

START_TEST(huge_values_and_sum_saturate)
{
	hpi_hist h;

	hpi_hist_init(&h);
	hpi_hist_add(&h, UINT64_MAX / 2);
	hpi_hist_add(&h, UINT64_MAX / 2);
	hpi_hist_add(&h, UINT64_MAX);
	ck_assert_uint_eq(h.count, 3);
	ck_assert_uint_eq(hpi_hist_sum(&h), UINT64_MAX);
	ck_assert_uint_eq(hpi_hist_percentile(&h, 100), UINT64_MAX);
	ck_assert(hpi_hist_percentile(&h, 50) >= UINT64_MAX / 2 - UINT64_MAX / 200);
	hpi_hist_fini(&h);
}
END_TEST

START_TEST(zero_duration_counts)
{
	hpi_hist h;

	hpi_hist_init(&h);
	hpi_hist_add(&h, 0);
	hpi_hist_add(&h, 0);
	ck_assert_uint_eq(h.count, 2);
	ck_assert_uint_eq(h.min, 0);
	ck_assert_uint_eq(hpi_hist_percentile(&h, 50), 0);
	hpi_hist_fini(&h);
}
END_TEST

static Suite *hist_suite(void)
{
	Suite *s = suite_create("hist");
	TCase *tc = tcase_create("core");

	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, empty_is_zero);
	tcase_add_test(tc, small_values_are_exact);
	tcase_add_test(tc, p0_and_p100_are_exact_min_and_max);
	tcase_add_test(tc, percentiles_within_one_percent);
	tcase_add_test(tc, huge_values_and_sum_saturate);
	tcase_add_test(tc, zero_duration_counts);
	suite_add_tcase(s, tc);
	return s;
}

HP_TEST_MAIN(hist_suite)
