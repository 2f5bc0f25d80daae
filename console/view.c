/* SPDX-License-Identifier: MIT */
/*
 * view.c - draws the console's model with ncurses (wide-character API for
 * UTF-8 labels): targets, tabs, the table of the current section laid out
 * from its column metadata, the details pane, a panel's drawing and the
 * status line (the popups over them: view_popup.c).  Only the rows on
 * screen are drawn, and the caller refreshes once per frame, so ncurses
 * sends only what changed: no flicker.
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <langinfo.h>
#include <stdlib.h>
#include <string.h>
#include <wchar.h>

#include "console.h"
#include "view_impl.h"

#define VIEW_GAP 2          /* spaces between two columns */
#define VIEW_TEXT_MAX 48    /* widest a text column gets (but the name column) */
#define VIEW_NAME_MIN 16    /* narrowest the name column gets before columns go */
#define VIEW_MSG_NS (10 * 1000000000ull) /* a warning stays this long */

/* Colours unless NO_COLOR; UTF-8 drawing when the locale is UTF-8. */
void hpc_view_init(hpc_view *v, WINDOW *w)
{
	const char *nc = getenv("NO_COLOR");

	memset(v, 0, sizeof(*v));
	v->win = w;
	v->utf8 = strcmp(nl_langinfo(CODESET), "UTF-8") == 0;
	v->color = (nc == NULL || *nc == '\0') && has_colors();
	if (v->color && start_color() == OK) {
		use_default_colors();
		init_pair(C_HEAD, COLOR_CYAN, -1);
		init_pair(C_TAB, COLOR_BLACK, COLOR_CYAN);
		init_pair(C_LIVE, COLOR_GREEN, -1);
		init_pair(C_STALE, COLOR_YELLOW, -1);
		init_pair(C_BAD, COLOR_RED, -1);
		init_pair(C_BORDER, COLOR_BLUE, -1);
	} else {
		v->color = false;
	}
}

/* The attribute of a kind of text: colour, or without colour a plain
 * attribute that still tells it apart. */
attr_t view_attr(const hpc_view *v, int kind)
{
	if (v->color)
		return COLOR_PAIR(kind) | (kind == C_HEAD || kind == C_TAB ? A_BOLD : 0);
	return kind == C_HEAD ? A_BOLD | A_UNDERLINE : kind == C_TAB ? A_REVERSE | A_BOLD
	       : kind == C_BAD ? A_BOLD : A_NORMAL;
}

/* Draws s at y, x in at most maxw screen columns; characters that are not
 * printable (or not valid in the locale) as '?'.  Returns the columns used. */
int view_put(WINDOW *w, int y, int x, const char *s, int maxw)
{
	wchar_t buf[256];
	size_t len = strlen(s), k;
	int used = 0, n = 0, cw;
	mbstate_t st;
	wchar_t wc;

	memset(&st, 0, sizeof(st));
	wmove(w, y, x);
	while (len > 0 && used < maxw) {
		k = mbrtowc(&wc, s, len, &st);
		if (k == (size_t)-1 || k == (size_t)-2 || k == 0) {
			memset(&st, 0, sizeof(st));
			wc = L'?';
			k = 1;
		}
		if ((cw = wcwidth(wc)) < 0) {
			wc = L'?';
			cw = 1;
		}
		if (used + cw > maxw)
			break;
		buf[n++] = wc;
		used += cw;
		s += k;
		len -= k;
		if (n == (int)(sizeof(buf) / sizeof(buf[0]))) {
			waddnwstr(w, buf, n);
			n = 0;
		}
	}
	if (n > 0)
		waddnwstr(w, buf, n);
	return used;
}

/* s right-aligned in a field of width cols at y, x. */
static void view_put_right(WINDOW *w, int y, int x, const char *s, int width)
{
	int sw = (int)hpc_text_width(s);

	view_put(w, y, x + (sw < width ? width - sw : 0), s, width);
}

/* A horizontal rule with a title, "── Log of x ──────". */
static void view_rule(const hpc_view *v, int y, int width, const char *title)
{
	WINDOW *w = v->win;
	int x;

	wattron(w, view_attr(v, C_BORDER));
	mvwhline(w, y, 0, 0, width);
	wattroff(w, view_attr(v, C_BORDER));
	wattron(w, view_attr(v, C_HEAD));
	x = view_put(w, y, 2, " ", width - 2);
	x += view_put(w, y, 2 + x, title, width - 4 - x);
	view_put(w, y, 2 + x, " ", 1);
	wattroff(w, view_attr(v, C_HEAD));
}

/* The columns drawn in width: the shown ones, the name column kept and
 * the hscroll (< >) first others skipped; the name column gives up room
 * first, then columns on the right are left out.  col[k] is drawn cw[k]
 * wide; *left and *right count the shown columns left out each side. */
static size_t view_layout(hpc_section *s, int width, size_t *col, int *cw, size_t *left,
			  size_t *right)
{
	size_t k, n = 0, others = 0, skip;
	int total = 0, nk = -1, rest = 0;

	for (k = 0; k < s->nshow; k++)
		others += (int)s->show[k] != s->name_col;
	if (s->hscroll >= others)
		s->hscroll = others ? others - 1 : 0;
	for (k = 0, skip = s->hscroll; k < s->nshow; k++) {
		size_t c = s->show[k];

		if ((int)c != s->name_col && skip > 0) {
			skip--;
			continue;
		}
		col[n] = c;
		cw[n] = (int)s->cols[c].width + (s->sort_col == (int)c ? 1 : 0);
		if ((int)c == s->name_col)
			nk = (int)n;
		else if (s->cols[c].unit == HP_UNIT_TEXT && cw[n] > VIEW_TEXT_MAX)
			cw[n] = VIEW_TEXT_MAX;
		total += cw[n] + (n ? VIEW_GAP : 0);
		n++;
	}
	if (total > width && nk >= 0) {
		rest = total - cw[nk];
		cw[nk] = width - rest > VIEW_NAME_MIN ? width - rest
			 : cw[nk] < VIEW_NAME_MIN ? cw[nk] : VIEW_NAME_MIN;
	}
	for (total = 0, k = 0; k < n; k++) {
		int need = cw[k] + (k ? VIEW_GAP : 0);
		if (total + need > width) {
			if (k == 0)
				cw[k] = width;
			else
				break;
		}
		total += need;
	}
	k = k ? k : n ? 1 : 0;
	*left = s->hscroll;
	*right = n - k;
	return k;
}

/* One cell (or title) in its field: text left, numbers right; text that
 * does not fit ends in an ellipsis (i shows it whole). */
static void view_cell(const hpc_view *v, int y, int x, const hpc_section *s, size_t c,
		      const char *text, int width)
{
	WINDOW *w = v->win;

	if (s->cols[c].unit != HP_UNIT_TEXT) {
		view_put_right(w, y, x, text, width);
	} else if (width > 1 && hpc_text_width(text) > (size_t)width) {
		x += view_put(w, y, x, text, width - 1);
		view_put(w, y, x, v->utf8 ? "…" : "~", 1);
	} else {
		view_put(w, y, x, text, width);
	}
}

/* A section's table in rows y .. y+h-1; sel: highlight the selection.
 * Columns left out either side are marked at the header's ends. */
static void view_table(hpc_view *v, hpc_section *s, int y, int h, bool sel)
{
	WINDOW *w = v->win;
	int width = getmaxx(w), *cw, x, rows = h - 1;
	size_t ncols, k, r, *col, left, right, n = hpc_section_rows(s);
	char title[256];

	if (h <= 0)
		return;
	if (!s->has_data || s->ncols == 0) {
		view_put(w, y, 1, s->has_data ? "(no columns)" : "waiting for this section's rows...",
			 width - 1);
		return;
	}
	if (rows > 0) {
		if (s->sel < s->top)
			s->top = s->sel;
		if (s->sel >= s->top + (size_t)rows)
			s->top = s->sel - (size_t)rows + 1;
		if (s->top + (size_t)rows > n)
			s->top = n > (size_t)rows ? n - (size_t)rows : 0;
	}
	hpc_section_widen(s, s->top, rows > 0 ? (size_t)rows : 0);
	cw = xcalloc(s->nshow + 1, sizeof(*cw));
	col = xcalloc(s->nshow + 1, sizeof(*col));
	ncols = view_layout(s, width - 1, col, cw, &left, &right);
	if (right > 0) /* room for the › that says so */
		ncols = view_layout(s, width - 2, col, cw, &left, &right);
	wattron(w, view_attr(v, C_HEAD));
	for (k = 0, x = 1; k < ncols; k++) {
		size_t c = col[k];

		snprintf(title, sizeof(title), "%s%s", s->cols[c].title,
			 s->sort_col != (int)c ? "" : v->utf8 ? (s->sort_desc ? "▼" : "▲")
			 : (s->sort_desc ? "v" : "^"));
		view_cell(v, y, x, s, c, title, cw[k]);
		x += cw[k] + VIEW_GAP;
	}
	wattroff(w, view_attr(v, C_HEAD));
	wattron(w, A_BOLD);
	if (left > 0) /* columns scrolled away on the left (<) */
		view_put(w, y, 0, v->utf8 ? "‹" : "<", 1);
	if (right > 0) /* and left out on the right (>) */
		view_put(w, y, width - 1, v->utf8 ? "›" : ">", 1);
	wattroff(w, A_BOLD);
	for (r = s->top; r < n && (int)(r - s->top) < rows; r++) {
		int yy = y + 1 + (int)(r - s->top);
		bool on = sel && r == s->sel;

		if (on) {
			wattron(w, A_REVERSE);
			mvwhline(w, yy, 0, ' ', width);
		}
		for (k = 0, x = 1; k < ncols; k++) {
			view_cell(v, yy, x, s, col[k], hpc_section_text(s, r, col[k]), cw[k]);
			x += cw[k] + VIEW_GAP;
		}
		if (on)
			wattroff(w, A_REVERSE);
	}
	if (n == 0)
		view_put(w, y + 1, 1, s->filter ? "(no row matches the filter; / changes it)"
			 : "(no rows)", width - 1);
	free(col);
	free(cw);
}

/* Shown columns of s that the table leaves out at this width (for the
 * status line): *left scrolled away, *right past the edge. */
static void view_hidden(hpc_view *v, hpc_section *s, size_t *left, size_t *right)
{
	int *cw = xcalloc(s->nshow + 1, sizeof(*cw));
	size_t *col = xcalloc(s->nshow + 1, sizeof(*col));

	*left = *right = 0;
	if (s->has_data && s->ncols > 0 &&
	    (view_layout(s, getmaxx(v->win) - 1, col, cw, left, right), *right > 0))
		view_layout(s, getmaxx(v->win) - 2, col, cw, left, right);
	free(col);
	free(cw);
}

/* Line 0 with several targets: each with its number, the current one marked. */
static void view_targets(hpc_view *v, const hpc_model *m, uint64_t now)
{
	WINDOW *w = v->win;
	int x = view_put(w, 0, 0, "Targets (t): ", getmaxx(w));
	char buf[256];

	for (size_t i = 0; i < m->ntargets && x < getmaxx(w); i++) {
		const hpc_target *t = m->targets[i];

		if (t->program != NULL)
			snprintf(buf, sizeof(buf), " %zu %s:%ld (%s) ", i + 1, t->program, t->pid,
				 hpc_state_name(hpc_target_state(t, now)));
		else
			snprintf(buf, sizeof(buf), " %zu %s (%s) ", i + 1, t->url,
				 hpc_state_name(hpc_target_state(t, now)));
		if (i == m->cur && !m->show_merged)
			wattron(w, view_attr(v, C_TAB));
		x += view_put(w, 0, x, buf, getmaxx(w) - x);
		if (i == m->cur && !m->show_merged)
			wattroff(w, view_attr(v, C_TAB));
		x += view_put(w, 0, x, " ", getmaxx(w) - x);
	}
	if (m->show_merged && m->merged != NULL && x < getmaxx(w)) {
		/* the merged view (a) */
		snprintf(buf, sizeof(buf), " a %s: all %zu ", m->merged->program,
			 hpc_model_count_program(m, m->merged->program));
		wattron(w, view_attr(v, C_TAB));
		view_put(w, 0, x, buf, getmaxx(w) - x);
		wattroff(w, view_attr(v, C_TAB));
	}
}

/* Title of tab i of t. */
static const char *view_tab_title(const hpc_model *m, const hpc_target *t, size_t i)
{
	return i < t->nsecs ? t->secs[i]->title : m->panels[i - t->nsecs].title;
}

/* The tab bar: " 1 Functions  2 Threads ", scrolled so the current shows. */
static void view_tabs(hpc_view *v, const hpc_model *m, const hpc_target *t, int y)
{
	WINDOW *w = v->win;
	size_t n = hpc_model_ntabs(m, t), first = 0, i;
	int width = getmaxx(w), x = 0, total;
	char buf[160];

	for (;;) {
		for (i = first, total = 0; i <= t->tab && i < n; i++)
			total += snprintf(buf, sizeof(buf), " %zu %s ", i + 1, view_tab_title(m, t, i)) + 1;
		if (total <= width || first >= t->tab)
			break;
		first++;
	}
	if (n == 0) {
		view_put(w, y, 1, "no sections yet", width - 1);
		return;
	}
	for (i = first; i < n && x < width; i++) {
		snprintf(buf, sizeof(buf), " %zu %s ", i + 1, view_tab_title(m, t, i));
		if (i == t->tab)
			wattron(w, view_attr(v, C_TAB));
		x += view_put(w, y, x, buf, width - x);
		if (i == t->tab)
			wattroff(w, view_attr(v, C_TAB));
		x += view_put(w, y, x, " ", width - x);
	}
}

/* Blocks of a sparkline, lowest first. */
static const char *const view_blocks[] = {"▁", "▂", "▃", "▄", "▅", "▆", "▇", "█"};
static const char view_ascii_blocks[] = "_.-=+*#@";

/* One drawing operation of a panel, clipped to the area at y0 of height h. */
static void view_draw_op(hpc_view *v, const hpc_draw *d, int y0, int h)
{
	WINDOW *w = v->win;
	int width = getmaxx(w), x = d->x, y = y0 + d->y, n, i, fill;
	size_t start;
	double max = 0;

	if (d->y < 0 || d->y >= h || x < 0 || x >= width)
		return;
	switch (d->kind) {
	case HPC_DRAW_TEXT:
		view_put(w, y, x, d->text ? d->text : "", width - x);
		break;
	case HPC_DRAW_BAR:
		n = d->w < width - x ? d->w : width - x;
		fill = (int)(d->frac * n + 0.5);
		fill = fill < 0 ? 0 : fill > n ? n : fill;
		wattron(w, view_attr(v, C_LIVE));
		for (i = 0; i < n; i++)
			view_put(w, y, x + i, i < fill ? (v->utf8 ? "█" : "#") : (v->utf8 ? "░" : "."), 1);
		wattroff(w, view_attr(v, C_LIVE));
		if (d->text != NULL && x + n + 1 < width)
			view_put(w, y, x + n + 1, d->text, width - x - n - 1);
		break;
	case HPC_DRAW_SPARK:
		n = d->w < width - x ? d->w : width - x;
		for (size_t k = 0; k < d->nvals; k++)
			if (d->vals[k] > max)
				max = d->vals[k];
		start = d->nvals > (size_t)n ? d->nvals - (size_t)n : 0;
		for (i = 0; start + (size_t)i < d->nvals; i++) {
			double val = d->vals[start + (size_t)i];
			int lvl = max > 0 && val > 0 ? (int)(val / max * 7 + 0.5) : 0;
			char a[2] = {0, 0};

			lvl = lvl > 7 ? 7 : lvl;
			a[0] = view_ascii_blocks[lvl];
			view_put(w, y, x + i, v->utf8 ? view_blocks[lvl] : a, 1);
		}
		break;
	}
}

/* Text wrapped into rows y.. of the area (for errors and messages). */
int view_wrap(WINDOW *w, int y, int x, int h, const char *text, int width)
{
	int lines = 0;
	char line[512];

	while (*text != '\0' && lines < h) {
		size_t n = strcspn(text, "\n"), cut = n;

		if (cut > sizeof(line) - 1)
			cut = sizeof(line) - 1;
		memcpy(line, text, cut);
		line[cut] = '\0';
		/* cut at the screen width, on a character boundary */
		while (hpc_text_width(line) > (size_t)width && cut > 0) {
			do
				cut--;
			while (cut > 0 && ((unsigned char)line[cut] & 0xc0) == 0x80);
			line[cut] = '\0';
		}
		if (cut == 0)
			break;
		view_put(w, y + lines++, x, line, width);
		text += cut;
		if (*text == '\n')
			text++;
	}
	return lines;
}

/* A panel tab: its error, its table or what it drew. */
static void view_panel(hpc_view *v, hpc_panel_view *p, int y, int h)
{
	WINDOW *w = v->win;

	if (p->error != NULL) {
		wattron(w, view_attr(v, C_BAD));
		view_put(w, y, 1, "panel error:", getmaxx(w) - 1);
		wattroff(w, view_attr(v, C_BAD));
		view_wrap(w, y + 1, 1, h - 1, p->error, getmaxx(w) - 2);
		return;
	}
	if (p->table != NULL) {
		view_table(v, p->table, y, h, true);
		return;
	}
	if (p->nops == 0)
		view_put(w, y, 1, "(the panel drew nothing yet)", getmaxx(w) - 1);
	for (size_t i = 0; i < p->nops; i++)
		view_draw_op(v, &p->ops[i], y, h);
}

/* A gauge's log (column "value", oldest first) as a sparkline on row y,
 * from its lowest point to its highest; false when there is nothing to
 * draw (docs/values.md). */
static bool view_gauge_spark(hpc_view *v, const hpc_section *log, int y)
{
	hpc_draw d = {.kind = HPC_DRAW_SPARK, .x = 1, .y = 0};
	double mn = 0;
	int vc = -1;

	for (size_t c = 0; c < log->ncols; c++)
		if (strcmp(log->cols[c].key, "value") == 0)
			vc = (int)c;
	if (vc < 0 || log->nrows == 0 || (d.vals = calloc(log->nrows, sizeof(*d.vals))) == NULL)
		return false;
	for (size_t r = 0; r < log->nrows; r++) {
		d.vals[r] = hpc_section_num(log, r, (size_t)vc);
		if (r == 0 || d.vals[r] < mn)
			mn = d.vals[r];
	}
	for (size_t r = 0; r < log->nrows; r++) /* the lowest point is the floor */
		d.vals[r] -= mn;
	d.nvals = log->nrows;
	d.w = getmaxx(v->win) - 2;
	view_draw_op(v, &d, y, 1);
	free(d.vals);
	return true;
}

/* The details pane: the selected row's log. */
static void view_details(hpc_view *v, hpc_model *m, int y, int h)
{
	const hpc_log *l = &m->log;
	const hpc_target *t = hpc_model_target(m);
	char title[512];

	if (t == NULL || t->tab >= t->nsecs) {
		view_rule(v, y, getmaxx(v->win), "Details");
		view_put(v->win, y + 1, 1, "no log for panels", getmaxx(v->win) - 1);
		return;
	}
	if (strcmp(t->secs[t->tab]->id, "functions") == 0 && h > 4) {
		/* the call tree: who calls the selected function, whom it calls */
		const char *name = hpc_section_sel_name(t->secs[t->tab]);
		size_t n = 0, shown;
		char **rel = hpc_target_relations(t, name, &n);

		if (rel != NULL) {
			shown = n < (size_t)(h / 2 - 1) ? n : (size_t)(h / 2 - 1);
			snprintf(title, sizeof(title), "Callers and callees of %s", name);
			view_rule(v, y, getmaxx(v->win), title);
			for (size_t i = 0; i < shown; i++)
				view_put(v->win, y + 1 + (int)i, 1, rel[i], getmaxx(v->win) - 1);
			if (n == 0)
				view_put(v->win, y + 1, 1, "no measured caller or callee", getmaxx(v->win) - 1);
			for (size_t i = 0; i < n; i++)
				free(rel[i]);
			free(rel);
			shown = shown ? shown : 1;
			y += (int)shown + 1;
			h -= (int)shown + 1;
		}
	}
	if (l->row != NULL)
		snprintf(title, sizeof(title), "Log of %s (%s)", l->row, l->section);
	else
		snprintf(title, sizeof(title), "Log");
	view_rule(v, y, getmaxx(v->win), title);
	if (l->sec != NULL && l->section != NULL && strcmp(l->section, "gauges") == 0 &&
	    h > 3 && view_gauge_spark(v, l->sec, y + 1)) {
		y++; /* a gauge's points as a sparkline above them */
		h--;
	}
	if (l->sec != NULL)
		view_table(v, l->sec, y + 1, h - 1 - (l->status != NULL), false);
	if (l->status != NULL)
		view_put(v->win, y + h - 1 > y + 1 && l->sec ? y + h - 1 : y + 1, 1, l->status,
			 getmaxx(v->win) - 1);
	else if (l->row == NULL)
		view_put(v->win, y + 1, 1, t->query ? "select a row" : "no query endpoint yet",
			 getmaxx(v->win) - 1);
}

/* The last line: state, freshness, program, pause, keys. */
static void view_status(hpc_view *v, const hpc_model *m, uint64_t now, int y, size_t left,
			size_t right)
{
	WINDOW *w = v->win;
	const hpc_target *t = hpc_model_target(m);
	hpc_state st = t ? hpc_target_state(t, now) : HPC_CONNECTING;
	const hpc_section *s = hpc_model_section(m);
	const char *sep = v->utf8 ? " │ " : " | ";
	int width = getmaxx(w), x = 0, kind;
	char buf[512];

	kind = st == HPC_LIVE ? C_LIVE : st == HPC_STALE || st == HPC_CONNECTING ? C_STALE : C_BAD;
	wattron(w, view_attr(v, kind) | A_BOLD);
	snprintf(buf, sizeof(buf), "%s%s", v->utf8 ? "● " : "* ", hpc_state_name(st));
	x += view_put(w, y, x, buf, width);
	wattroff(w, view_attr(v, kind) | A_BOLD);
	if (m->paused) {
		wattron(w, A_REVERSE | A_BOLD);
		x += view_put(w, y, x, " PAUSED (p) ", width - x);
		wattroff(w, A_REVERSE | A_BOLD);
	}
	if (t != NULL && t->last_ns != 0) {
		snprintf(buf, sizeof(buf), "%srefreshed %llus ago", sep,
			 (unsigned long long)((now - t->last_ns) / 1000000000ull));
		x += view_put(w, y, x, buf, width - x);
	}
	if (t != NULL && t->program != NULL && t == m->merged) { /* the merged view */
		snprintf(buf, sizeof(buf), "%s%s merged: %s", sep, t->program, t->url);
		x += view_put(w, y, x, buf, width - x);
	} else if (t != NULL && t->program != NULL) {
		snprintf(buf, sizeof(buf), "%s%s pid %ld", sep, t->program, t->pid);
		x += view_put(w, y, x, buf, width - x);
	} else if (t != NULL) {
		snprintf(buf, sizeof(buf), "%s%s", sep, t->url);
		x += view_put(w, y, x, buf, width - x);
	}
	if (t != NULL && t->events_dropped != 0) {
		snprintf(buf, sizeof(buf), "%s%llu events dropped", sep,
			 (unsigned long long)t->events_dropped);
		x += view_put(w, y, x, buf, width - x);
	}
	if (t != NULL && t->dropped != 0) {
		snprintf(buf, sizeof(buf), "%s%llu messages dropped", sep,
			 (unsigned long long)t->dropped);
		x += view_put(w, y, x, buf, width - x);
	}
	if (t != NULL && t->bad != 0) {
		snprintf(buf, sizeof(buf), "%s%llu bad messages", sep, (unsigned long long)t->bad);
		x += view_put(w, y, x, buf, width - x);
	}
	if (t != NULL && t->cut != 0) {
		snprintf(buf, sizeof(buf), "%shello cut to %d sections", sep, HPC_MAX_SECTIONS);
		x += view_put(w, y, x, buf, width - x);
	}
	if (s != NULL && s->filter != NULL)
		/* / : the rows that match, of how many */
		snprintf(buf, sizeof(buf), "%s/%s: row %zu/%zu of %zu", sep, s->filter,
			 s->nvis ? s->sel + 1 : 0, s->nvis, s->nrows);
	else if (s != NULL && s->nrows > 0 && s->total_rows > s->nrows)
		/* a program that sends fewer rows than it has: say so */
		snprintf(buf, sizeof(buf), "%srow %zu/%zu of %zu", sep, s->sel + 1, s->nrows,
			 s->total_rows);
	else if (s != NULL && s->nrows > 0)
		snprintf(buf, sizeof(buf), "%srow %zu/%zu", sep, s->sel + 1, s->nrows);
	if (s != NULL && (s->nrows > 0 || s->filter != NULL))
		x += view_put(w, y, x, buf, width - x);
	if (left > 0 || right > 0) { /* columns the table leaves out, each side */
		if (left > 0 && right > 0)
			snprintf(buf, sizeof(buf), "%s< %zu, %zu > columns", sep, left, right);
		else if (left > 0)
			snprintf(buf, sizeof(buf), "%s< %zu column%s", sep, left, left > 1 ? "s" : "");
		else
			snprintf(buf, sizeof(buf), "%s%zu column%s >", sep, right, right > 1 ? "s" : "");
		x += view_put(w, y, x, buf, width - x);
	}
	snprintf(buf, sizeof(buf), "%s? help  q quit", sep);
	if (x + (int)hpc_text_width(buf) > width) /* a full line: the short hint */
		snprintf(buf, sizeof(buf), "%s? help", sep);
	if (x + (int)hpc_text_width(buf) <= width)
		view_put(w, y, width - (int)hpc_text_width(buf), buf, width);
}

/* One frame: header, tabs, table or panel, details, message, status, popup. */
void hpc_view_draw(hpc_view *v, hpc_model *m, uint64_t now)
{
	WINDOW *w = v->win;
	int H = getmaxy(w), W = getmaxx(w), y = 0, body, det = 0, x;
	hpc_target *t = hpc_model_target(m);
	const char *msg = NULL;
	size_t left = 0, right = 0;
	char head[512];

	werase(w);
	if (H < 4 || W < 20) {
		view_put(w, 0, 0, "terminal too small", W);
		return;
	}
	if (m->ntargets > 1) {
		view_targets(v, m, now);
		y++;
	} else if (t != NULL) {
		if (t->program != NULL)
			snprintf(head, sizeof(head), "hotpath console %s %s (pid %ld%s%s) %s", v->utf8 ? "·" : "-",
				 t->program, t->pid, t->host ? " on " : "", t->host ? t->host : "", t->url);
		else
			snprintf(head, sizeof(head), "hotpath console %s %s", v->utf8 ? "·" : "-", t->url);
		wattron(w, A_BOLD);
		view_put(w, y++, 0, head, W);
		wattroff(w, A_BOLD);
	} else {
		/* following the local programs (discovery), none running yet */
		snprintf(head, sizeof(head), "hotpath console %s waiting for a profiled program "
			 "(none runs here; hotpath ls lists them)", v->utf8 ? "·" : "-");
		view_put(w, y++, 0, head, W);
	}
	if (t != NULL)
		view_tabs(v, m, t, y++);
	if (t != NULL && t->problem != NULL)
		msg = t->problem;
	else if (m->message != NULL && now - m->message_ns < VIEW_MSG_NS)
		msg = m->message;
	body = H - y - (msg != NULL);
	if (m->details && body >= 8) {
		det = body * 2 / 5;
		body -= det;
	}
	v->page = body - 2 > 1 ? body - 2 : 1;
	if (t != NULL && t->tab < t->nsecs)
		view_table(v, t->secs[t->tab], y, body - 1, true);
	else if (t != NULL && t->tab - t->nsecs < m->npanels)
		view_panel(v, &m->panels[t->tab - t->nsecs], y, body - 1);
	if (det > 0)
		view_details(v, m, y + body - 1, det);
	if (msg != NULL) {
		wattron(w, view_attr(v, C_BAD));
		view_put(w, H - 2, 0, msg, W);
		wattroff(w, view_attr(v, C_BAD));
	}
	if (v->typing) { /* / : the filter being typed, on the status line */
		snprintf(head, sizeof(head), "/%s_", v->input);
		wattron(w, A_BOLD);
		x = view_put(w, H - 1, 0, head, W);
		wattroff(w, A_BOLD);
		view_put(w, H - 1, x, "   filter rows by name: Enter keeps it, Esc clears it",
			 W - x);
	} else {
		if (t != NULL && t->tab < t->nsecs)
			view_hidden(v, t->secs[t->tab], &left, &right);
		view_status(v, m, now, H - 1, left, right);
	}
	if (v->popup == HPC_POP_HELP)
		view_help_popup(v);
	else if (v->popup == HPC_POP_INSPECT)
		view_inspect(v, m);
	else if (v->popup == HPC_POP_SORT)
		view_sort_popup(v, m);
}
