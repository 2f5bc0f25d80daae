/* SPDX-License-Identifier: MIT */
/*
 * box.h - box tables and markdown tables (box.c).
 */
#ifndef HPI_BOX_H
#define HPI_BOX_H

#include <stdbool.h>
#include <stddef.h>

#include "strbuf.h"

/* One box table as every table output draws it (docs/report-format.md):
 * +---+ rules, "| cell |" lines left-aligned to each column's widest cell in
 * UTF-8 characters, row 0 (the header) between two rules, a closing rule
 * when there are more rows.  cell(arg, row, col, tmp, len) returns a
 * cell's text, borrowed or written into tmp (len 64); it is shown made
 * safe for the terminal (term.c). */
typedef const char *(*hpi_box_cell)(const void *arg, size_t row, size_t col, char *tmp,
				    size_t len);
void hpi_box(hpi_buf *out, size_t nrows, size_t ncols, hpi_box_cell cell, const void *arg);
/* A GitHub-flavoured markdown table of the same cells: row 0 the header,
 * the alignment row (right[c]: "---:", else ":---"; right may be NULL),
 * then the rows, each "| a | b |"; cells are written as they are (the
 * caller escapes them). */
void hpi_md_table(hpi_buf *out, size_t nrows, size_t ncols, hpi_box_cell cell,
		  const void *arg, const bool *right);
/* Width of s in the box: UTF-8 characters once made safe for the terminal. */
size_t hpi_box_width(const char *s);

#endif
