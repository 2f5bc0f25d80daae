/* SPDX-License-Identifier: MIT */
/*
 * view_impl.h - what view.c (the screen: targets, tabs, table, panel,
 * details, status line) and view_popup.c (the popups drawn over it) share;
 * the rest of the console calls view.h.
 */
#ifndef HPC_VIEW_IMPL_H
#define HPC_VIEW_IMPL_H

#include "view.h"


enum { C_HEAD = 1, C_TAB, C_LIVE, C_STALE, C_BAD, C_BORDER };

/* The attribute of a kind of text (C_*): colour, or without colour a plain
 * attribute that still tells it apart. */
attr_t view_attr(const hpc_view *v, int kind);
/* Draws s at y, x in at most maxw screen columns; returns the columns used. */
int view_put(WINDOW *w, int y, int x, const char *s, int maxw);
/* Text wrapped into rows y.. of the area; returns the rows used. */
int view_wrap(WINDOW *w, int y, int x, int h, const char *text, int width);

/* The popups (view_popup.c), drawn over the frame. */
void view_help_popup(hpc_view *v);
void view_sort_popup(hpc_view *v, hpc_model *m);
void view_inspect(hpc_view *v, hpc_model *m);

#endif /* HPC_VIEW_IMPL_H */
