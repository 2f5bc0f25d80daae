/* SPDX-License-Identifier: MIT */
/*
 * test_clock.c - hotpath's clock: ticks convert to the nanoseconds
 * CLOCK_MONOTONIC counts, HOTPATH_CLOCK=monotonic forces clock_gettime, and
 * the hot path's reads never go backwards.
 *
 * The clock is chosen once per process, so each test relies on the fork
 * mode (the default) to start with no choice made.  Under CK_FORK=no the
 * tests that check the choice itself say so on stderr and check only what
 * does not depend on it; run one case at a time with CK_RUN_CASE=default or
 * CK_RUN_CASE=monotonic to check everything without fork.
 */
#include "config.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "hpi.h"

/* CLOCK_MONOTONIC in ns, read here rather than through hpi_mono_ns. */
static uint64_t mono(void)
{
	struct timespec ts;

	ck_assert_int_eq(clock_gettime(CLOCK_MONOTONIC, &ts), 0);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* Whether this process has not chosen its clock yet (always so in fork
 * mode; hpi_clock_mult is 0 until the first hpi_clock_init). */
static bool clock_fresh(const char *test)
{
	if (hpi_clock_mult == 0)
		return true;
	fprintf(stderr, "test_clock: %s: clock already chosen in this process "
		"(CK_FORK=no); its choice is not checked\n", test);
	return false;
}

/* Whether /proc/cpuinfo lists flag as a whole word on a "flags" line. */
static bool cpu_flag(const char *flag)
{
	FILE *f = fopen("/proc/cpuinfo", "r");
	char line[8192];
	bool found = false;

	if (f == NULL)
		return false;
	while (!found && fgets(line, sizeof(line), f) != NULL) {
		char *p;

		if (strncmp(line, "flags", 5) != 0 || (p = strchr(line, ':')) == NULL)
			continue;
		for (p = strtok(p + 1, " \t\n"); p != NULL; p = strtok(NULL, " \t\n"))
			if (strcmp(p, flag) == 0)
				found = true;
		break; /* the first CPU speaks for all */
	}
	fclose(f);
	return found;
}

/*
 * Over a 50 ms sleep, the ticks converted to ns agree with CLOCK_MONOTONIC
 * within 0.5 %.  Each tick read is bracketed by two CLOCK_MONOTONIC reads,
 * so a preemption between reads widens the window instead of failing.
 */
START_TEST(ticks_to_ns_agrees_with_monotonic)
{
	struct timespec nap = {0, 50000000};
	uint64_t a0, b0, t0, a1, b1, t1, lo, hi, got;

	unsetenv("HOTPATH_CLOCK");
	hpi_clock_init();
	ck_assert_uint_ne(hpi_clock_mult, 0);
	a0 = mono();
	t0 = hp__now();
	b0 = mono();
	nanosleep(&nap, NULL);
	a1 = mono();
	t1 = hp__now();
	b1 = mono();
	lo = a1 - b0;
	hi = b1 - a0;
	ck_assert_uint_ge(lo, 50000000);
	got = hpi_ticks_to_ns(t1 - t0);
	ck_assert_msg(got >= lo - lo / 200 && got <= hi + hi / 200,
		      "%llu ticks -> %llu ns; CLOCK_MONOTONIC says %llu..%llu ns (tsc=%d)",
		      (unsigned long long)(t1 - t0), (unsigned long long)got,
		      (unsigned long long)lo, (unsigned long long)hi, (int)hpi_clock_is_tsc());
}
END_TEST

/* 1e6 consecutive reads of the hot-path clock never go backwards. */
START_TEST(now_never_goes_backwards)
{
	uint64_t prev, cur;
	long back = 0;

	unsetenv("HOTPATH_CLOCK");
	hpi_clock_init();
	prev = hp__now();
	for (long i = 0; i < 1000000; i++) {
		cur = hp__now();
		if (cur < prev)
			back++;
		prev = cur;
	}
	ck_assert_int_eq(back, 0);
}
END_TEST

/* An invariant TSC (constant_tsc and nonstop_tsc) is used by default. */
START_TEST(invariant_tsc_is_the_default)
{
	bool fresh = clock_fresh("invariant_tsc_is_the_default");

	unsetenv("HOTPATH_CLOCK");
	hpi_clock_init();
#if defined(__x86_64__)
	if (fresh && cpu_flag("constant_tsc") && cpu_flag("nonstop_tsc")) {
		ck_assert(hpi_clock_is_tsc());
		ck_assert_int_eq(hp__rt.tsc, 1);
		/* a real tick rate, not the identity of the fallback */
		ck_assert(hpi_clock_ghz() > 0.1 && hpi_clock_ghz() < 20.0);
		return;
	}
#else
	(void)cpu_flag;
#endif
	/* otherwise, whichever clock was chosen, hp__rt agrees with it */
	ck_assert_int_eq(hp__rt.tsc, hpi_clock_is_tsc() ? 1 : 0);
	(void)fresh;
}
END_TEST

/* HOTPATH_CLOCK=monotonic: the hot path reads CLOCK_MONOTONIC, in ns. */
START_TEST(monotonic_env_forces_clock_gettime)
{
	uint64_t a, t, b;

	if (!clock_fresh("monotonic_env_forces_clock_gettime"))
		return;
	setenv("HOTPATH_CLOCK", "monotonic", 1);
	hpi_clock_init();
	ck_assert(!hpi_clock_is_tsc());
	ck_assert_int_eq(hp__rt.tsc, 0);
	ck_assert_uint_eq(hpi_clock_mult, UINT64_C(1) << 32);
	ck_assert_uint_eq(hpi_ticks_to_ns(12345), 12345);
	ck_assert_uint_eq(hpi_ticks_to_ns(UINT64_C(1) << 40), UINT64_C(1) << 40);
	ck_assert(hpi_clock_ghz() == 1.0);
	/* a tick read lies between the CLOCK_MONOTONIC reads around it */
	for (int i = 0; i < 1000; i++) {
		a = mono();
		t = hp__now();
		b = mono();
		ck_assert_uint_le(a, t);
		ck_assert_uint_le(t, b);
	}
	/* recalibration leaves the identity alone */
	hpi_clock_recalibrate();
	ck_assert_uint_eq(hpi_ticks_to_ns(12345), 12345);
	/* a second init keeps the first choice */
	unsetenv("HOTPATH_CLOCK");
	hpi_clock_init();
	ck_assert(!hpi_clock_is_tsc());
}
END_TEST

/* Any other value of HOTPATH_CLOCK leaves the default choice. */
START_TEST(other_env_values_keep_the_default)
{
	bool fresh = clock_fresh("other_env_values_keep_the_default");

	setenv("HOTPATH_CLOCK", "Monotonic", 1);
	hpi_clock_init();
	unsetenv("HOTPATH_CLOCK");
#if defined(__x86_64__)
	if (fresh && cpu_flag("constant_tsc") && cpu_flag("nonstop_tsc"))
		ck_assert(hpi_clock_is_tsc());
#endif
	ck_assert_uint_ne(hpi_clock_mult, 0);
}
END_TEST

static Suite *clock_suite(void)
{
	Suite *s = suite_create("clock");
	TCase *tc = tcase_create("default");
	TCase *tm = tcase_create("monotonic");

	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, invariant_tsc_is_the_default);
	tcase_add_test(tc, ticks_to_ns_agrees_with_monotonic);
	tcase_add_test(tc, now_never_goes_backwards);
	tcase_add_test(tc, other_env_values_keep_the_default);
	suite_add_tcase(s, tc);
	tcase_set_timeout(tm, 30);
	tcase_add_test(tm, monotonic_env_forces_clock_gettime);
	suite_add_tcase(s, tm);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(clock_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
