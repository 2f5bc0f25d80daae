/* SPDX-License-Identifier: MIT */
/*
 * testlib.h - what every Check test program of hotpath repeats.
 */
#ifndef HP_TESTLIB_H
#define HP_TESTLIB_H

#include <check.h>
#include <stdlib.h>

/* Runs one suite in Check's default (fork) mode; nonzero exit on failure. */
static inline int hp_test_run(Suite *s)
{
	SRunner *sr = srunner_create(s);
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}

#define HP_TEST_MAIN(suite_fn) \
	int main(void)         \
	{                      \
		return hp_test_run(suite_fn()); \
	}

#ifdef HPI_H
/* Configuration defaults with the timing plugin as the only built-in, so
 * what a test counts is what the plugins under test did (after hpi.h). */
static inline void hp_test_timing_only(hpi_config *c)
{
	hpi_config_defaults(c);
	c->threads_enabled = false;
	c->locks_enabled = false;
	c->channels_enabled = false;
	c->futures_enabled = false;
	c->streams_enabled = false;
}
#endif

#endif
