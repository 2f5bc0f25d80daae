/* SPDX-License-Identifier: MIT */
/*
 * box.c - the box table, drawn in one place for every output that shows
 * one: the table report (render.c), Lua's hp.table (hotpath.lua) and
 * `hotpath compare` (console/grid.c).  The look is specified in
 * docs/report-format.md and pinned byte for byte by the tests.  The
 * markdown table too: `hotpath compare --format markdown` and the
 * markdown.lua reporter write their tables here.
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <stdlib.h>
#include <string.h>

#include "hpi.h"

#define BOX_CELL_MAX 64 /* a formatted number always fits */

/* Width of s in UTF-8 code points (every byte but continuation bytes), as
 * the box shows it: made safe for the terminal (term.c). */
size_t hpi_box_width(const char *s)
{
	size_t n = 0, len = strlen(s);
	hpi_buf b;

	if (!hpi_term_clean(s, len)) {
		hpi_buf_init(&b);
		hpi_buf_term(&b, s, len, 0);
		n = b.data != NULL ? hpi_box_width(b.data) : 0;
		hpi_buf_fini(&b);
		return n;
	}
	for (; *s != '\0'; s++)
		if (((unsigned char)*s & 0xc0) != 0x80)
			n++;
	return n;
}

/* "+------+-----+" for the given widths. */
static void box_rule(hpi_buf *out, const size_t *widths, size_t n)
{
	size_t i, j;

	hpi_buf_putc(out, '+');
	for (i = 0; i < n; i++) {
		for (j = 0; j < widths[i] + 2; j++)
			hpi_buf_putc(out, '-');
		hpi_buf_putc(out, '+');
	}
	hpi_buf_putc(out, '\n');
}

/* " text<pad> |"; control characters, invalid UTF-8 and bidi controls are
 * shown escaped (term.c), which also keeps the box. */
static void box_put(hpi_buf *out, const char *s, size_t width)
{
	size_t w = hpi_box_width(s);

	hpi_buf_putc(out, ' ');
	hpi_buf_term(out, s, strlen(s), 0);
	for (; w < width; w++)
		hpi_buf_putc(out, ' ');
	hpi_buf_puts(out, " |");
}

/* One "| a | b |" line. */
static void box_line(hpi_buf *out, size_t row, size_t ncols, const size_t *widths,
		     hpi_box_cell cell, const void *arg)
{
	char tmp[BOX_CELL_MAX];
	size_t c;

	hpi_buf_putc(out, '|');
	for (c = 0; c < ncols; c++)
		box_put(out, cell(arg, row, c, tmp, sizeof(tmp)), widths[c]);
	hpi_buf_putc(out, '\n');
}

/* Header between two rules, the rows, a closing rule when there are rows. */
void hpi_box(hpi_buf *out, size_t nrows, size_t ncols, hpi_box_cell cell, const void *arg)
{
	char tmp[BOX_CELL_MAX];
	size_t *widths, r, c, w;

	if (nrows == 0 || ncols == 0)
		return;
	if ((widths = calloc(ncols, sizeof(*widths))) == NULL) {
		out->failed = true;
		return;
	}
	for (r = 0; r < nrows; r++)
		for (c = 0; c < ncols; c++)
			if ((w = hpi_box_width(cell(arg, r, c, tmp, sizeof(tmp)))) > widths[c])
				widths[c] = w;
	box_rule(out, widths, ncols);
	box_line(out, 0, ncols, widths, cell, arg);
	box_rule(out, widths, ncols);
	for (r = 1; r < nrows; r++)
		box_line(out, r, ncols, widths, cell, arg);
	if (nrows > 1)
		box_rule(out, widths, ncols);
	free(widths);
}

/* "| a | b |" for one markdown row, cells as they are. */
static void md_line(hpi_buf *out, size_t row, size_t ncols, hpi_box_cell cell,
		    const void *arg)
{
	char tmp[BOX_CELL_MAX];
	size_t c;

	hpi_buf_putc(out, '|');
	for (c = 0; c < ncols; c++) {
		hpi_buf_putc(out, ' ');
		hpi_buf_puts(out, cell(arg, row, c, tmp, sizeof(tmp)));
		hpi_buf_puts(out, " |");
	}
	hpi_buf_putc(out, '\n');
}

/* Header, the alignment row, then the rows. */
void hpi_md_table(hpi_buf *out, size_t nrows, size_t ncols, hpi_box_cell cell,
		  const void *arg, const bool *right)
{
	size_t r, c;

	if (nrows == 0 || ncols == 0)
		return;
	md_line(out, 0, ncols, cell, arg);
	hpi_buf_putc(out, '|');
	for (c = 0; c < ncols; c++)
		hpi_buf_puts(out, right != NULL && right[c] ? "---:|" : ":---|");
	hpi_buf_putc(out, '\n');
	for (r = 1; r < nrows; r++)
		md_line(out, r, ncols, cell, arg);
}

/* Appends s as a markdown code span, whatever it holds: made safe for a
 * terminal first (term.c: a newline or control shows as "\x0a", so no value
 * can end a table row or a line), fenced with one backtick more than its
 * longest run of them, and with | escaped in a table cell.  Inside a code
 * span "**", "<!--" and the like are literal text. */
void hpi_md_code(hpi_buf *b, const char *s, bool cell)
{
	size_t run = 0, max = 0, i, n;
	const char *p;
	hpi_buf t;

	hpi_buf_init(&t);
	hpi_buf_term(&t, s, s != NULL ? strlen(s) : 0, 0);
	p = t.data != NULL ? t.data : "";
	n = t.data != NULL ? t.len : 0;
	for (i = 0; i < n; i++) {
		run = p[i] == '`' ? run + 1 : 0;
		if (run > max)
			max = run;
	}
	for (i = 0; i <= max; i++)
		hpi_buf_putc(b, '`');
	if (max > 0 || n == 0)
		hpi_buf_putc(b, ' ');
	for (i = 0; i < n; i++) {
		if (p[i] == '|' && cell)
			hpi_buf_puts(b, "\\|");
		else
			hpi_buf_putc(b, p[i]);
	}
	if (max > 0 || n == 0)
		hpi_buf_putc(b, ' ');
	for (i = 0; i <= max; i++)
		hpi_buf_putc(b, '`');
	hpi_buf_fini(&t);
}

/* A title or key from a report in markdown, shown as plain text: made safe
 * for a terminal (term.c), then every ASCII punctuation character that
 * markdown could read as syntax escaped with a backslash, so that no value
 * can start a heading, an HTML comment, emphasis or a new table cell. */
void hpi_md_text(hpi_buf *b, const char *s)
{
	hpi_buf t;

	hpi_buf_init(&t);
	hpi_buf_term(&t, s, s != NULL ? strlen(s) : 0, 0);
	for (size_t i = 0; t.data != NULL && i < t.len; i++) {
		if (t.data[i] != '\0' && strchr("\\`*_{}[]()#+-.!|<>~&:\"'=", t.data[i]) != NULL)
			hpi_buf_putc(b, '\\');
		hpi_buf_putc(b, t.data[i]);
	}
	hpi_buf_fini(&t);
}
