/* SPDX-License-Identifier: MIT */
/*
 * test_view.c - the console's view drawn into an off-screen ncurses
 * terminal (newterm on /dev/null) and read back line by line: the layout
 * at 80x24 and in a narrow terminal, the selection, popups, a panel's
 * error, a terminal too small, and NO_COLOR.
 */
#include <check.h>
#include <locale.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <wchar.h>

#include "console.h"
#include "model.h"
#include "view.h"
#include "../testlib.h"

static const char hello[] =
	"hello {\"type\":\"hotpath_hello\",\"schema\":1,\"topic\":\"hello\",\"pid\":4242,"
	"\"program\":\"live\",\"host\":\"box\",\"sections\":[{\"id\":\"functions\",\"title\":\"Functions\"},"
	"{\"id\":\"threads\",\"title\":\"Threads\"}]}";
static const char fns[] =
	"functions {\"type\":\"hotpath_section\",\"schema\":1,\"topic\":\"functions\",\"report\":"
	"{\"sections\":[{\"id\":\"functions\",\"title\":\"Functions\",\"columns\":["
	"{\"key\":\"name\",\"title\":\"Function\",\"unit\":\"text\"},"
	"{\"key\":\"calls\",\"title\":\"Calls\",\"unit\":\"count\"},"
	"{\"key\":\"avg\",\"title\":\"Avg\",\"unit\":\"ns\"},"
	"{\"key\":\"p99\",\"title\":\"P99\",\"unit\":\"ns\"},"
	"{\"key\":\"total\",\"title\":\"Total\",\"unit\":\"ns\"},"
	"{\"key\":\"pct\",\"title\":\"% Total\",\"unit\":\"percent\"}],"
	"\"rows\":[{\"name\":\"live::a_rather_long_function_name_indeed\",\"calls\":100,"
	"\"avg\":1160300,\"p99\":1200000,\"total\":116030000,\"pct\":91.46},"
	"{\"name\":\"live::b\",\"calls\":7,\"avg\":17,\"p99\":25,\"total\":119,\"pct\":0.01}]}]}}";

static SCREEN *scr;
static FILE *out, *in;
static hpc_model m;
static hpc_view v;

/* A model with hello and the functions section, drawn on a W x H screen. */
static void setup_screen(int w, int h)
{
	setlocale(LC_ALL, "C.UTF-8");
	out = fopen("/dev/null", "w");
	in = fopen("/dev/null", "r");
	scr = newterm("xterm-256color", out, in);
	ck_assert_ptr_nonnull(scr);
	resizeterm(h, w);
	hpc_model_init(&m);
	hpc_model_add(&m, "ipc:///x", 0);
	ck_assert_int_eq(hpc_model_feed(&m, 0, hello, strlen(hello), 1000), 0);
	ck_assert_int_eq(hpc_model_feed(&m, 0, fns, strlen(fns), 1000), 0);
	hpc_view_init(&v, stdscr);
}

static void teardown_screen(void)
{
	endwin();
	delscreen(scr);
	fclose(out);
	fclose(in);
	hpc_model_fini(&m);
}

/* Line y of the screen as UTF-8, trailing spaces cut (static). */
static const char *line(int y)
{
	static char buf[1024];
	wchar_t w[512];
	size_t n;
	int k = mvwinnwstr(stdscr, y, 0, w, (int)(sizeof(w) / sizeof(w[0])) - 1);

	ck_assert_int_ge(k, 0);
	w[k] = L'\0';
	n = wcstombs(buf, w, sizeof(buf) - 1);
	ck_assert_uint_ne(n, (size_t)-1);
	buf[n] = '\0';
	while (n > 0 && buf[n - 1] == ' ')
		buf[--n] = '\0';
	return buf;
}

/* Whether some line of the screen contains s. */
static bool screen_has(const char *s)
{
	for (int y = 0; y < getmaxy(stdscr); y++)
		if (strstr(line(y), s) != NULL)
			return true;
	return false;
}

START_TEST(layout_80x24)
{
	setup_screen(80, 24);
	hpc_view_draw(&v, &m, 2000);
	ck_assert_str_eq(line(0), "hotpath console · live (pid 4242 on box) ipc:///x");
	ck_assert_str_eq(line(1), " 1 Functions   2 Threads");
	ck_assert_str_eq(line(2), " Function                               Calls     Avg     P99     Total"
			 "  % Total");
	/* 2 columns too wide: the name column gives them up, with an ellipsis */
	ck_assert_str_eq(line(3), " live::a_rather_long_function_name_in…    100  1.16ms  1.20ms  116.03ms"
			 "   91.46%");
	ck_assert_str_eq(line(4), " live::b                                    7    17ns    25ns     119ns"
			 "    0.01%");
	ck_assert_str_eq(line(5), "");
	/* the selection is reversed, across the whole line */
	ck_assert(mvwinch(stdscr, 3, 0) & A_REVERSE);
	ck_assert(!(mvwinch(stdscr, 4, 0) & A_REVERSE));
	ck_assert_str_eq(line(23), "● Live │ refreshed 0s ago │ live pid 4242 │ row 1/2"
			 "             │ ? help  q quit");
	/* the second tab, announced but without rows yet */
	hpc_model_tab(&m, 1);
	hpc_view_draw(&v, &m, 2000);
	ck_assert_str_eq(line(2), " waiting for this section's rows...");
	teardown_screen();
}
END_TEST

START_TEST(narrow_terminal)
{
	setup_screen(40, 10);
	hpc_view_draw(&v, &m, 2000);
	/* the name column gives up room first, then columns on the right go,
	 * and the header's last column says so (issue 20) */
	ck_assert_str_eq(line(2), " Function          Calls     Avg       \xe2\x80\xba");
	ck_assert_str_eq(line(3), " live::a_rather_…    100  1.16ms");
	for (int y = 0; y < 10; y++)
		ck_assert_uint_le(hpc_text_width(line(y)), 40);
	teardown_screen();
}
END_TEST

/* Issue 20: the filter (rows that match, the count on the status line),
 * columns scrolled sideways (‹ ›; keys.sh reads the status line's count of
 * hidden ones on a wider screen), and the sort picker. */
START_TEST(filter_scroll_and_sort_picker)
{
	hpc_section *s;

	setup_screen(80, 24);
	s = hpc_model_section(&m);
	hpc_section_filter(s, "B");
	hpc_view_draw(&v, &m, 2000);
	ck_assert_uint_eq(hpc_section_rows(s), 1);
	ck_assert_str_eq(line(3), " live::b                                    7    17ns    25ns     119ns"
			 "    0.01%");
	ck_assert_str_eq(line(4), "");
	ck_assert_str_eq(line(23), "● Live │ refreshed 0s ago │ live pid 4242 │ /B: row 1/1 of 2"
			 "    │ ? help  q quit");
	hpc_model_move(&m, 5); /* the selection stays within the filtered rows */
	ck_assert_uint_eq(s->sel, 0);
	ck_assert_str_eq(hpc_section_sel_name(s), "live::b");
	hpc_section_filter(s, "nothing");
	hpc_view_draw(&v, &m, 2000);
	ck_assert_str_eq(line(3), " (no row matches the filter; / changes it)");
	ck_assert_ptr_null(hpc_section_sel_name(s));
	hpc_section_filter(s, "");
	ck_assert_ptr_null(s->filter);
	ck_assert_uint_eq(hpc_section_rows(s), 2);
	teardown_screen();

	setup_screen(50, 24);
	s = hpc_model_section(&m);
	hpc_view_draw(&v, &m, 2000);
	ck_assert_str_eq(line(2), " Function          Calls     Avg     P99         \xe2\x80\xba");
	s->hscroll = 2; /* > > : Calls and Avg scrolled away, the name stays */
	hpc_view_draw(&v, &m, 2000);
	ck_assert_str_eq(line(2), "\xe2\x80\xb9" "Function                   P99     Total  % Total");
	s->hscroll = 99; /* clamped: one column besides the name stays */
	hpc_view_draw(&v, &m, 2000);
	ck_assert_uint_eq(s->hscroll, 4);
	teardown_screen();

	setup_screen(80, 24);
	v.popup = HPC_POP_SORT;
	v.pick = 2;
	hpc_view_draw(&v, &m, 2000);
	ck_assert(screen_has("Sort by (Enter picks, Esc)"));
	ck_assert(screen_has(" * (the program's order)"));
	ck_assert(screen_has("   % Total"));
	hpc_model_sort_by(&m, 1, true);
	hpc_view_draw(&v, &m, 2000);
	ck_assert(screen_has(" ▼ Calls"));
	ck_assert_str_eq(hpc_section_text(hpc_model_section(&m), 0, 0),
			 "live::a_rather_long_function_name_indeed");
	hpc_model_sort_by(&m, 1, false);
	ck_assert_str_eq(hpc_section_text(hpc_model_section(&m), 0, 0), "live::b");
	teardown_screen();
}
END_TEST

START_TEST(popups_and_details)
{
	setup_screen(80, 24);
	v.popup = HPC_POP_HELP;
	hpc_view_draw(&v, &m, 2000);
	ck_assert(screen_has("hotpath console: keys"));
	ck_assert(screen_has("p                     pause / resume updates"));
	v.popup = HPC_POP_INSPECT;
	hpc_view_draw(&v, &m, 2000);
	ck_assert(screen_has("Function: live::a_rather_long_function_name_indeed"));
	ck_assert(screen_has("% Total: 91.46%"));
	v.popup = HPC_POP_NONE;
	m.details = true;
	m.paused = true;
	free(hpc_model_log_request(&m, 2000)); /* paused: none */
	m.paused = false;
	free(hpc_model_log_request(&m, 2000));
	hpc_view_draw(&v, &m, 2000);
	/* (the rule around it is ACS line drawing: not text) */
	ck_assert(screen_has(" Log of live::a_rather_long_function_name_indeed (functions) "));
	ck_assert(screen_has(" loading..."));
	teardown_screen();
}
END_TEST

START_TEST(panel_error_and_states)
{
	setup_screen(80, 24);
	hpc_model_add_panel(&m, "broken");
	m.panels[0].error = xstrdup("broken.lua:2: attempt to index a nil value");
	hpc_model_tab(&m, 2);
	hpc_view_draw(&v, &m, 2000);
	ck_assert_str_eq(line(1), " 1 Functions   2 Threads   3 broken");
	ck_assert_str_eq(line(2), " panel error:");
	ck_assert_str_eq(line(3), " broken.lua:2: attempt to index a nil value");
	/* no message for 4 s: Stale; a problem goes on the line above the status */
	m.targets[0]->problem = xstrdup("nothing listening at ipc:///x (Connection refused)");
	hpc_view_draw(&v, &m, 1000 + 4000000000ull);
	ck_assert_str_eq(line(22), "nothing listening at ipc:///x (Connection refused)");
	ck_assert_str_eq(line(23), "● Stale │ refreshed 4s ago │ live pid 4242"
			 "                      │ ? help  q quit");
	m.paused = true;
	hpc_view_draw(&v, &m, 1000 + 4000000000ull);
	ck_assert(strstr(line(23), "PAUSED (p)") != NULL);
	teardown_screen();
}
END_TEST

START_TEST(too_small_and_no_color)
{
	setenv("NO_COLOR", "1", 1);
	setup_screen(15, 3);
	ck_assert(!v.color);
	hpc_view_draw(&v, &m, 2000);
	ck_assert_str_eq(line(0), "terminal too sm");
	teardown_screen();
	unsetenv("NO_COLOR");
}
END_TEST

static Suite *view_suite(void)
{
	Suite *s = suite_create("view");
	TCase *tc = tcase_create("view");

	tcase_set_timeout(tc, 10);
	tcase_add_test(tc, layout_80x24);
	tcase_add_test(tc, narrow_terminal);
	tcase_add_test(tc, popups_and_details);
	tcase_add_test(tc, filter_scroll_and_sort_picker);
	tcase_add_test(tc, panel_error_and_states);
	tcase_add_test(tc, too_small_and_no_color);
	suite_add_tcase(s, tc);
	return s;
}

HP_TEST_MAIN(view_suite)
