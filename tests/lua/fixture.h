/* SPDX-License-Identifier: MIT */
/*
 * fixture.h - the fixed report the Lua tests run scripts on (fixture.c).
 */
#ifndef TESTS_LUA_FIXTURE_H
#define TESTS_LUA_FIXTURE_H

#include "hpi.h"

/* The report's percentiles, for hpi_render_opts. */
extern const double fixture_pcts[2];

/* A snapshot with three sections: functions (with logs), alloc (every
 * unit, empty cells, text that needs quoting and escaping) and slowest.
 * Caller frees with hpi_snapshot_free. */
hp_snapshot *fixture_report(void);
/* Render options of the fixture: its percentiles and this row limit. */
hpi_render_opts fixture_opts(size_t limit);
/* Folder of the test's Lua scripts (tests/lua/fixtures in the source tree). */
const char *fixture_dir(void);
/* A whole file into a new string (caller frees), or NULL. */
char *fixture_slurp(const char *path);

#endif
