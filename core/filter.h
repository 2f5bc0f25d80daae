/* SPDX-License-Identifier: MIT */
/*
 * filter.h - label filters: globs and /regex/ (filter.c).
 */
#ifndef HPI_FILTER_H
#define HPI_FILTER_H

#include <stdbool.h>

#include "config_impl.h"

typedef struct hpi_filter hpi_filter;
/* Compiles the lists (globs, or /regex/ as POSIX extended); a bad regex is
 * one hpi_warn line naming its origin, and is left out.  NULL when both
 * lists are empty (everything passes) or out of memory.  Caller frees with
 * hpi_filter_free. */
hpi_filter *hpi_filter_new(const hpi_strv *include, const hpi_strv *exclude,
			   const char *prefix, const char *ikey, const char *ekey);
/* Whether a label is reported: it matches include (or include is empty)
 * and matches no exclude.  A NULL filter passes everything. */
bool hpi_filter_pass(const hpi_filter *f, const char *label);
void hpi_filter_free(hpi_filter *f);

#endif
