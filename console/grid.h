/* SPDX-License-Identifier: MIT */
/*
 * grid.h - a table of strings written as the report's box table or as a
 * GitHub-flavoured markdown table; for outputs of the `hotpath` command
 * that are not a snapshot (compare).
 */
#ifndef HPC_GRID_H
#define HPC_GRID_H

#include <stdbool.h>
#include <stddef.h>

#include "hpi.h"

typedef struct hpc_grid {
	size_t ncols, nrows;
	char **cells;  /* nrows * ncols copies, row 0 the header; owned */
	bool *right;   /* per column: right-aligned in markdown */
} hpc_grid;

/* An empty grid of ncols columns; free with hpc_grid_fini. */
void hpc_grid_init(hpc_grid *g, size_t ncols);
void hpc_grid_fini(hpc_grid *g);
/* Appends a row of empty cells; returns its index (0 is the header). */
size_t hpc_grid_row(hpc_grid *g);
/* Cell text, copied; out-of-range cells are ignored. */
void hpc_grid_set(hpc_grid *g, size_t row, size_t col, const char *s);
/* Box table as in docs/report-format.md, by hpi_box (core/box.c): +---+
 * rules, "| cell |" lines, left-aligned, widths in UTF-8 characters. */
void hpc_grid_box(const hpc_grid *g, hpi_buf *out);
/* Markdown table; cells are written as they are (the caller escapes). */
void hpc_grid_markdown(const hpc_grid *g, hpi_buf *out);

#endif /* HPC_GRID_H */
