/* SPDX-License-Identifier: MIT */
/*
 * view.h - the ncurses side of `hotpath console`: draws the model into a
 * window.  It keeps no data of its own beyond what is on screen (popup,
 * page size), so the same model can be drawn into an off-screen window by
 * bench/bench_console.c.
 */
#ifndef HPC_VIEW_H
#define HPC_VIEW_H

#include <stdbool.h>
#include <stdint.h>

#include <curses.h>

#include "model.h"

typedef enum hpc_popup {
	HPC_POP_NONE, HPC_POP_HELP, HPC_POP_INSPECT,
	HPC_POP_SORT       /* the sort picker (O): pick is its selected line */
} hpc_popup;

#define HPC_INPUT_MAX 128

typedef struct hpc_view {
	WINDOW *win;
	bool color;        /* colours: the terminal has them and NO_COLOR is unset */
	bool utf8;         /* the locale is UTF-8: block characters, arrows */
	hpc_popup popup;
	int page;          /* table rows on screen at the last draw */
	size_t pick;       /* the sort picker's line: 0 the program's order,
			    * k the section's k-th shown column */
	bool typing;       /* / : the status line is the filter being typed */
	char input[HPC_INPUT_MAX]; /* what was typed */
} hpc_view;

/* The keys, as the ? popup lists them (docs/console.md has the same). */
extern const char *const hpc_view_help[];
extern const size_t hpc_view_nhelp;

/* Sets up colours (unless NO_COLOR is set) for drawing into w. */
void hpc_view_init(hpc_view *v, WINDOW *w);
/* Draws everything into the window (no refresh: the caller's
 * wnoutrefresh/doupdate sends only what changed). */
void hpc_view_draw(hpc_view *v, hpc_model *m, uint64_t now);

#endif /* HPC_VIEW_H */
