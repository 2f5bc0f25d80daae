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

/* The report's text form: exact bytes for a small case, and every bucket,
 * the count, sum, min and max back after decoding. */
START_TEST(encode_decode_round_trip)
{
	hpi_hist h, d;
	hpi_buf b, b2;
	uint64_t seed = 7;

	hpi_hist_init(&h);
	hpi_hist_add(&h, 3);
	hpi_hist_add(&h, 3);
	hpi_hist_add(&h, 5);
	hpi_hist_add(&h, 128); /* octave 1, sub 0: bucket 128 */
	hpi_buf_init(&b);
	hpi_hist_encode(&h, &b);
	ck_assert_str_eq(b.data, "1;4;139;3;128;+3,2,+1,1,+122,1");
	ck_assert_int_eq(hpi_hist_decode(&d, b.data), 0);
	ck_assert_uint_eq(d.count, 4);
	ck_assert(d.sum == 139);
	ck_assert_uint_eq(d.min, 3);
	ck_assert_uint_eq(d.max, 128);
	ck_assert_uint_eq(hpi_hist_percentile(&d, 50), 3);
	hpi_hist_fini(&d);
	hpi_buf_fini(&b);
	for (int i = 0; i < 100000; i++) {
		seed = seed * 6364136223846793005u + 1442695040888963407u;
		hpi_hist_add(&h, (seed >> 20) % 50000000u);
	}
	hpi_buf_init(&b);
	hpi_hist_encode(&h, &b);
	ck_assert_int_eq(hpi_hist_decode(&d, b.data), 0);
	hpi_buf_init(&b2);
	hpi_hist_encode(&d, &b2);
	ck_assert_str_eq(b.data, b2.data);
	for (double p = 1; p < 100; p += 7)
		ck_assert_uint_eq(hpi_hist_percentile(&d, p), hpi_hist_percentile(&h, p));
	hpi_buf_fini(&b);
	hpi_buf_fini(&b2);
	hpi_hist_fini(&d);
	hpi_hist_fini(&h);
}
END_TEST

/* Malformed text is refused, never half read. */
START_TEST(decode_refuses_bad_text)
{
	static const char *const bad[] = {
		"", "2;1;1;1;1;1", "1;2;4;2;2;1", /* buckets hold 1 of 2 */
		"1;1;1;1;1;x", "1;1;1;1;1;+", "1;1;1;1;1;1,", "1;1;1;1;1;0",
		"1;1;1;1;1;+99999999999,1", "1;1;1;5;1;1", "1;1;1;1",
		"1;18446744073709551616;1;1;1;1",
	};
	hpi_hist h;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		ck_assert_msg(hpi_hist_decode(&h, bad[i]) == HP_ESYNTAX, "accepted \"%s\"", bad[i]);
		ck_assert_uint_eq(h.count, 0);
		hpi_hist_fini(&h);
	}
}
END_TEST

/* Merging histograms gives the histogram of all the values: the same
 * buckets as adding them to one, and percentiles within 0.4 % of the exact
 * ones of the union. */
START_TEST(merge_is_the_union)
{
	enum { N = 4, PER = 20000 };
	static uint64_t all[N * PER];
	hpi_hist part[N], one, merged;
	hpi_buf a, b;
	uint64_t seed = 42;

	hpi_hist_init(&one);
	hpi_hist_init(&merged);
	for (int k = 0; k < N; k++) {
		hpi_hist_init(&part[k]);
		for (int i = 0; i < PER; i++) {
			seed = seed * 6364136223846793005u + 1442695040888963407u;
			/* each part its own range: 1 us.. 4 ms, shifted */
			uint64_t v = 1000 + (seed >> 33) % (1000000u * (uint64_t)(k + 1));
			all[k * PER + i] = v;
			hpi_hist_add(&part[k], v);
			hpi_hist_add(&one, v);
		}
		ck_assert_int_eq(hpi_hist_merge(&merged, &part[k]), 0);
	}
	hpi_buf_init(&a);
	hpi_buf_init(&b);
	hpi_hist_encode(&one, &a);
	hpi_hist_encode(&merged, &b);
	ck_assert_str_eq(a.data, b.data);
	qsort(all, N * PER, sizeof(all[0]), cmp_u64);
	ck_assert_uint_eq(merged.min, all[0]);
	ck_assert_uint_eq(merged.max, all[N * PER - 1]);
	for (double p = 0.5; p < 100; p += 0.5) {
		size_t rank = (size_t)ceil(p / 100.0 * N * PER);
		double exact = (double)all[rank - 1], got = (double)hpi_hist_percentile(&merged, p);
		ck_assert_msg(fabs(got - exact) <= 0.004 * exact, "p%g: %g vs exact %g", p, got, exact);
	}
	for (int k = 0; k < N; k++)
		hpi_hist_fini(&part[k]);
	hpi_hist_fini(&one);
	hpi_hist_fini(&merged);
	hpi_buf_fini(&a);
	hpi_buf_fini(&b);
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
	tcase_add_test(tc, encode_decode_round_trip);
	tcase_add_test(tc, decode_refuses_bad_text);
	tcase_add_test(tc, merge_is_the_union);
	suite_add_tcase(s, tc);
	return s;
}

HP_TEST_MAIN(hist_suite)
