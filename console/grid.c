/* SPDX-License-Identifier: MIT */
/*
 * grid.c - tables of strings, as boxes (drawn by the library's box writer,
 * core/box.c, as the report's table) or as markdown.
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <stdlib.h>
#include <string.h>

#include "console.h"
#include "grid.h"

/* An empty grid. */
void hpc_grid_init(hpc_grid *g, size_t ncols)
{
	memset(g, 0, sizeof(*g));
	g->ncols = ncols;
	g->right = xcalloc(ncols + 1, sizeof(*g->right));
}

/* Frees every cell. */
void hpc_grid_fini(hpc_grid *g)
{
	size_t i;

	for (i = 0; i < g->nrows * g->ncols; i++)
		free(g->cells[i]);
	free(g->cells);
	free(g->right);
	memset(g, 0, sizeof(*g));
}

/* Appends a row of empty cells. */
size_t hpc_grid_row(hpc_grid *g)
{
	size_t i;

	g->cells = xreallocarray(g->cells, (g->nrows + 1) * g->ncols + 1, sizeof(char *));
	for (i = 0; i < g->ncols; i++)
		g->cells[g->nrows * g->ncols + i] = xstrdup("");
	return g->nrows++;
}

/* Sets a cell to a copy of s. */
void hpc_grid_set(hpc_grid *g, size_t row, size_t col, const char *s)
{
	char **cell;

	if (row >= g->nrows || col >= g->ncols)
		return;
	cell = &g->cells[row * g->ncols + col];
	free(*cell);
	*cell = NULL;
	if (s != NULL && !hpi_term_clean(s, strlen(s))) {
		/* a value from a report: no escape sequence reaches the terminal,
		 * and the width counts what is shown (term.c) */
		hpi_buf b;
		hpi_buf_init(&b);
		hpi_buf_term(&b, s, strlen(s), 0);
		if (b.data != NULL && !b.failed)
			*cell = b.data;
		else
			hpi_buf_fini(&b);
	}
	if (*cell == NULL)
		*cell = xstrdup(s != NULL && hpi_term_clean(s, strlen(s)) ? s : "");
}

/* hpi_box's cell: the grid's copy. */
static const char *grid_cell(const void *arg, size_t row, size_t col, char *tmp, size_t len)
{
	const hpc_grid *g = arg;

	(void)tmp;
	(void)len;
	return g->cells[row * g->ncols + col];
}

/* The box: the library's writer (core/box.c), as the table report draws. */
void hpc_grid_box(const hpc_grid *g, hpi_buf *out)
{
	hpi_box(out, g->nrows, g->ncols, grid_cell, g);
}

/* The markdown table: the library's writer (core/box.c), as markdown.lua's. */
void hpc_grid_markdown(const hpc_grid *g, hpi_buf *out)
{
	hpi_md_table(out, g->nrows, g->ncols, grid_cell, g, g->right);
}
