/* SPDX-License-Identifier: MIT */
/*
 * config_fixture.h - what the tests of hotpath.yaml and HOTPATH_*
 * (test_config.c, test_config_problems.c, test_config_env.c) share
 * (config_fixture.c): each test writes its YAML to a temporary file, loads
 * it, and checks the exact values and the exact warning lines.
 */
#ifndef TESTS_CORE_CONFIG_FIXTURE_H
#define TESTS_CORE_CONFIG_FIXTURE_H

#include <check.h>

#include "hpi.h"

/* A built-in collector's option collectors.<plugin>.<key> in config c. */
#define HP_TEST_OPT(c, plugin, key) (hpi_config_opt((c), (plugin), (key)))

/* Warning lines seen in this test (the sink keeps the first 32). */
extern int nwarn;

/* Per test: clean environment, capture warnings. */
void setup(void);
/* Per test: drop warnings and temporary files, restore cwd. */
void teardown(void);
/* Base folder for temporary files. */
const char *tmpbase(void);
/* Writes n bytes of text to a new temporary file; returns its path. */
const char *fixture_n(const char *text, size_t n);
/* Writes text to a new temporary file; returns its path. */
const char *fixture(const char *text);
/* Moves into a new empty temporary folder (undone in teardown). */
void enter_tmpdir(void);
/* Asserts warning i is exactly the printf-formatted text. */
void check_warn(int i, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Loads yaml text from a fixture into c; returns hpi_config_load's value. */
int load(hpi_config *c, const char *yaml, const char **path);
/* Asserts c holds exactly the built-in defaults (c->path aside). */
void check_defaults(const hpi_config *c);
/* Asserts item i of v is s with origin o ("FILE:L:C" or a variable). */
void check_item(const hpi_strv *v, size_t i, const char *s, const char *o);

#endif
