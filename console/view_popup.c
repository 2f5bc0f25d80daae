/* SPDX-License-Identifier: MIT */
/*
 * view_popup.c - the console's popups, drawn over the frame view.c drew:
 * the keys (?), the sort picker (O) and the inspect popup (i).
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <stdio.h>
#include <stdlib.h>

#include "console.h"
#include "view_impl.h"

/* A framed box in the middle of the screen; returns its inner area. */
static void view_box(hpc_view *v, int *y, int *x, int *h, int *wd, const char *title)
{
	WINDOW *w = v->win;
	int H = getmaxy(w), W = getmaxx(w), i;

	*h = *h + 2 > H ? H - 2 : *h;
	*wd = *wd + 4 > W ? W - 4 : *wd;
	*y = (H - *h - 2) / 2;
	*x = (W - *wd - 4) / 2;
	for (i = 0; i < *h + 2; i++)
		mvwhline(w, *y + i, *x, ' ', *wd + 4);
	wattron(w, view_attr(v, C_BORDER));
	mvwhline(w, *y, *x, 0, *wd + 4);
	mvwhline(w, *y + *h + 1, *x, 0, *wd + 4);
	mvwvline(w, *y, *x, 0, *h + 2);
	mvwvline(w, *y, *x + *wd + 3, 0, *h + 2);
	mvwaddch(w, *y, *x, ACS_ULCORNER);
	mvwaddch(w, *y, *x + *wd + 3, ACS_URCORNER);
	mvwaddch(w, *y + *h + 1, *x, ACS_LLCORNER);
	mvwaddch(w, *y + *h + 1, *x + *wd + 3, ACS_LRCORNER);
	wattroff(w, view_attr(v, C_BORDER));
	wattron(w, view_attr(v, C_HEAD));
	view_put(w, *y, *x + 2, title, *wd);
	wattroff(w, view_attr(v, C_HEAD));
	*y += 1;
	*x += 2;
}

const char *const hpc_view_help[] = {
	"1-9, Tab, Shift-Tab   switch tabs (sections, then panels)",
	"\xe2\x86\x90 \xe2\x86\x92, l                previous / next tab",
	"j k, \xe2\x86\x93 \xe2\x86\x91             select a row",
	"PgDn PgUp, Space      a page down / up",
	"g G, Home End         first / last row",
	"s / S                 sort by the next column / the other way",
	"O                     sort picker: choose the column",
	"/                     filter rows by name (Enter keeps, Esc clears)",
	"< >, Shift-\xe2\x86\x90 Shift-\xe2\x86\x92  scroll the columns sideways (hidden columns)",
	"Enter, o              details pane: the selected row's log",
	"i                     inspect the selected row (long values)",
	"w                     save the program's snapshot as a JSON report",
	"p                     pause / resume updates",
	"t T                   next / previous program (several programs)",
	"a                     all processes of this program as one (merged)",
	"Ctrl-L                redraw",
	"?, h                  this help",
	"Esc                   close a popup, then the details pane",
	"q                     quit",
	"",
	"Status: Live (data coming), Stale (nothing for 3 s),",
	"Connecting, Not listening, Unknown schema.",
};
const size_t hpc_view_nhelp = sizeof(hpc_view_help) / sizeof(hpc_view_help[0]);

/* The help popup. */
void view_help_popup(hpc_view *v)
{
	int n = (int)hpc_view_nhelp, y, x, h = n, wd = 70, i;

	view_box(v, &y, &x, &h, &wd, " hotpath console: keys ");
	for (i = 0; i < n && i < h; i++)
		view_put(v->win, y + i, x, hpc_view_help[i], wd);
}

/* The sort picker (O): the program's order, then each shown column; the
 * current sort marked with its direction. */
void view_sort_popup(hpc_view *v, hpc_model *m)
{
	hpc_section *s = hpc_model_section(m);
	int y, x, h, wd = 40, i, first;
	char line[256];

	if (s == NULL) {
		v->popup = HPC_POP_NONE;
		return;
	}
	h = (int)s->nshow + 2;
	view_box(v, &y, &x, &h, &wd, " Sort by (Enter picks, Esc) ");
	if (v->pick > s->nshow)
		v->pick = s->nshow;
	first = (int)v->pick >= h - 1 ? (int)v->pick - h + 2 : 0;
	for (i = 0; i < h - 1 && first + i <= (int)s->nshow; i++) {
		size_t k = (size_t)(first + i);
		int c = k == 0 ? -1 : (int)s->show[k - 1];
		const char *mark = s->sort_col != c ? "  "
				   : c < 0 ? "* " : s->sort_desc ? (v->utf8 ? "▼ " : "v ")
				   : (v->utf8 ? "▲ " : "^ ");

		snprintf(line, sizeof(line), "%s%s", mark,
			 c < 0 ? "(the program's order)" : s->cols[c].title);
		if (k == v->pick)
			wattron(v->win, A_REVERSE);
		mvwhline(v->win, y + i, x, ' ', wd);
		view_put(v->win, y + i, x, line, wd);
		if (k == v->pick)
			wattroff(v->win, A_REVERSE);
	}
	view_put(v->win, y + h - 1, x, "again on the sort column: other way", wd);
}

/* The inspect popup: every column of the selected row, values wrapped. */
void view_inspect(hpc_view *v, hpc_model *m)
{
	hpc_section *s = hpc_model_section(m);
	int y, x, h = getmaxy(v->win) - 4, wd = getmaxx(v->win) - 8, line = 0;
	char *text;

	view_box(v, &y, &x, &h, &wd, " Inspect (i or Esc closes) ");
	if (s == NULL || hpc_section_rows(s) == 0) {
		view_put(v->win, y, x, "nothing selected", wd);
		return;
	}
	for (size_t c = 0; c < s->ncols && line < h; c++) {
		text = xasprintf("%s: %s", s->cols[c].title, hpc_section_text(s, s->sel, c));
		line += view_wrap(v->win, y + line, x, h - line, text, wd);
		free(text);
	}
}
