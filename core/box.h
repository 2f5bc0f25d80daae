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
/* Appends s as a markdown code span, whatever it holds (docs/ci.md: values
 * taken from a report): made safe for a terminal first (term.c: a newline
 * shows as "\x0a"), fenced with one backtick more than its longest run of
 * them, | escaped when cell (a table cell).  NULL is the empty span. */
void hpi_md_code(hpi_buf *b, const char *s, bool cell);
/* Appends s as markdown text (titles): made safe for a terminal, then every
 * ASCII punctuation character markdown could read as syntax escaped with a
 * backslash, so no value starts a heading, an HTML comment, emphasis or a
 * table cell.  NULL appends nothing. */
void hpi_md_text(hpi_buf *b, const char *s);
/* Width of s in the box: UTF-8 characters once made safe for the terminal. */
size_t hpi_box_width(const char *s);

#endif
