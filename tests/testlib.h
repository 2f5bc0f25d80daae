/* SPDX-License-Identifier: MIT */
/*
 * testlib.h - what every Check test program of hotpath repeats.
 */
#ifndef HP_TESTLIB_H
#define HP_TESTLIB_H

#include <check.h>
#include <stdlib.h>
#include <string.h>

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
/* A built-in collector's option collectors.<plugin>.<key> in config c. */
#define HP_TEST_OPT(c, plugin, key) (hpi_config_opt((c), (plugin), (key)))

/* Turns every built-in collector but timing off in c. */
static inline void hp_test_only_timing(hpi_config *c)
{
	for (int b = 0; b < HPI_NBUILTINS; b++) {
		hpi_optval *on = hpi_config_opt(c, hpi_builtins[b]->name, "enabled");

		if (on != NULL && strcmp(hpi_builtins[b]->name, "timing") != 0)
			on->b = false;
	}
}

/* Configuration defaults with the timing plugin as the only built-in, so
 * what a test counts is what the plugins under test did (after hpi.h). */
static inline void hp_test_timing_only(hpi_config *c)
{
	hpi_config_defaults(c);
	hp_test_only_timing(c);
}
#endif

#endif
