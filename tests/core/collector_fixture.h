/* SPDX-License-Identifier: MIT */
/*
 * collector_fixture.h - what the collector's tests (test_collector.c: the
 * two ways of feeding the timing plugin; test_collector_tree.c: self time
 * and the call tree) share (collector_fixture.c): the sites and labels
 * their records name, the per-test setup, registries and section checks.
 */
#ifndef TESTS_CORE_COLLECTOR_FIXTURE_H
#define TESTS_CORE_COLLECTOR_FIXTURE_H

#include <check.h>
#include <stdint.h>

#include "hpi.h"
#include "registry.h"

#define T0 (UINT64_C(1) << 40) /* the guard's start tick */
#define NLABELS 6

/* Two sites share label a; "old" only ever starts before t0; "chan" only
 * writes records of other kinds. */
extern hp_site sites[8];
#define SITE_OLD 6
#define SITE_CHAN 7
#define NSITES (sizeof(sites) / sizeof(sites[0]))
/* The kind byte of a recursive call at depth 0 (gen_put gives plain
 * site ids theirs: a call at depth 0). */
#define REC ((HP__SCOPE_KIND | HP__SCOPE_REC) << HP__KIND_SHIFT)
extern const int site_label[NSITES];
extern const char *const labels[NLABELS];
#define LABEL_EXCLUDED 4

/* Warning lines seen in this test. */
extern int nwarn;

/* Per test: every site registered, percentiles set, a guard of 1000 s. */
void setup(void);
void teardown(void);
/* Timing as the only built-in, slowest.so next to it if asked. */
hpi_registry *reg_new(hpi_config *c, bool slowest, int logs, const char *exclude);
/* Two sections alike: columns, rows, every cell, and the rows' logs. */
void section_eq(const hp_section *a, const hp_section *b);
/* The cell of row r under column key. */
int64_t cell(const hp_section *sec, size_t r, const char *key);
/* Row of label, or -1. */
int row_of(const hp_section *sec, const char *label);

#endif
