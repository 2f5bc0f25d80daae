/* SPDX-License-Identifier: MIT */
/*
 * cmd_console.c - `hotpath console [URL...]`: the live ncurses dashboard.
 *
 * One loop: it applies the messages each target's reader thread decoded
 * (net.c) to the model, asks the query endpoint for the details pane, runs the
 * Lua panels when data changed, reads keys (100 ms at most between two
 * turns) and redraws when something changed or a second passed.  stderr is
 * a pipe while the screen is ours, so nothing (nng, Lua, hotpath's own
 * warnings) writes over it: each line goes to the status line instead, and
 * everything captured is printed after the screen is given back.
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <locale.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <wchar.h>

#include "console.h"
#include "model.h"
#include "net.h"
#include "discover.h"
#include "panel.h"
#include "save.h"
#include "view.h"

#define CONSOLE_MAX_URLS 16
#define CONSOLE_MAX_TARGETS 64        /* followed local programs, at most */
#define CONSOLE_DISCOVER_NS 500000000ull /* how often the folder is read */
#define CONSOLE_KEY_MS 100            /* longest wait for a key */
#define CONSOLE_PANEL_NS 500000000ull /* panels run at most twice a second */
#define CONSOLE_MERGED_NS 500000000ull /* the merged view is built again this often */
#define CONSOLE_DRAIN 256             /* messages per target per turn, at most */
#define CONSOLE_ERR_MAX (64u << 10)   /* stderr kept for after the screen */

typedef struct console {
	hpc_model m;
	hpc_view v;
	hpc_conn *conns[CONSOLE_MAX_TARGETS];
	long pids[CONSOLE_MAX_TARGETS]; /* the described program of each target */
	char *dir;             /* following the local programs: their folder */
	const hpc_tls *tls;
	uint64_t discovered_ns;
	hpc_panels *panels;
	bool quit, dirty;
	uint64_t drawn_ns, panels_ns;
	size_t panel_target;   /* the target the panels last ran on */
	int err_fd, saved_fd;  /* the stderr pipe's read end; the real stderr */
	hpi_buf errtext;       /* everything written to stderr meanwhile */
	size_t errline;        /* start of the line being read */
} console;

/* CLOCK_MONOTONIC in ns. */
static uint64_t console_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/* `hotpath console --help`. */
static void console_usage(FILE *f)
{
	fputs("Usage: hotpath console [OPTIONS] [URL...]\n"
	      "\n"
	      "A live dashboard of one or more profiled programs (docs/console.md).\n"
	      "Each URL is a program's publish.endpoint. Without one: every profiled\n"
	      "program running here (hotpath ls), followed as they start and end\n"
	      "(t switches), or publish.endpoint of hotpath.yaml or HOTPATH_PUB when\n"
	      "it is a URL.\n"
	      "\n"
	      "Options:\n"
	      "  -P, --panel NAME    also show the Lua panel NAME (scripts/panels/NAME.lua\n"
	      "                      or a path); repeatable; adds to console.panels\n"
	      "      --no-panels     show none of console.panels\n"
	      "      --any-query-host  follow a query URL that a program announces on\n"
	      "                      another host than its publisher (default: not dialed)\n"
	      "  -w, --timeout MS    quit, saying why, when no program has answered for\n"
	      "                      MS milliseconds since the start (default 0: keep\n"
	      "                      waiting; the status line says why nothing answers)\n"
	      HPC_TLS_HELP
	      "  -h, --help          this text\n"
	      "\n"
	      "Keys: ? shows them all; q quits.\n"
	      "Exit status: 0 ok, 1 failure (no terminal, --timeout), 2 usage.\n", f);
}

typedef struct console_opts {
	const char *urls[CONSOLE_MAX_URLS];
	size_t nurls;
	const char *panels[CONSOLE_MAX_URLS];
	size_t npanels;
	bool no_panels;
	uint64_t timeout_ms;   /* 0: wait for ever */
	hpc_tls tls;
} console_opts;

/* Reads the command line; -1 after --help. */
static int console_args(int argc, char **argv, console_opts *o)
{
	static const struct option longs[] = {
		{"panel", required_argument, NULL, 'P'},
		{"no-panels", no_argument, NULL, 'N'},
		{"any-query-host", no_argument, NULL, 'A'},
		{"timeout", required_argument, NULL, 'w'},
		HPC_TLS_LONGS,
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0}
	};
	int c;

	opterr = 0;
	optind = 0;
	while ((c = getopt_long(argc, argv, ":P:w:kh", longs, NULL)) != -1) {
		if (hpc_tls_option(c, optarg, &o->tls))
			continue;
		switch (c) {
		case 'P':
			if (o->npanels == CONSOLE_MAX_URLS)
				return hpc_usage_error("console", "at most %d panels", CONSOLE_MAX_URLS);
			o->panels[o->npanels++] = optarg;
			break;
		case 'N':
			o->no_panels = true;
			break;
		case 'A':
			hpc_model_any_query_host(true);
			break;
		case 'w':
			if (!hpc_parse_count(optarg, &o->timeout_ms) || o->timeout_ms > 86400000)
				return hpc_usage_error("console", "--timeout needs 0..86400000 ms, not '%s'",
						       optarg);
			break;
		case 'h':
			console_usage(stdout);
			return -1;
		default:
			return hpc_bad_option("console", argv, c);
		}
	}
	if (argc - optind > CONSOLE_MAX_URLS)
		return hpc_usage_error("console", "at most %d URLs", CONSOLE_MAX_URLS);
	for (; optind < argc; optind++)
		o->urls[o->nurls++] = argv[optind];
	return hpc_tls_check("console", &o->tls);
}

/* ---- stderr into the status line ----------------------------------------- */

/* Makes fd 2 a pipe that console_read_err drains; false if it cannot. */
static bool console_capture_err(console *c)
{
	int fds[2];

	c->err_fd = c->saved_fd = -1;
	hpi_buf_init(&c->errtext);
	if (pipe(fds) != 0)
		return false;
	/* A full pipe drops lines rather than block the writer: the writer may
	 * be this very loop (a panel's print) */
	fcntl(fds[1], F_SETFL, fcntl(fds[1], F_GETFL) | O_NONBLOCK);
	fflush(stderr);
	if ((c->saved_fd = dup(2)) < 0 || dup2(fds[1], 2) < 0) {
		close(fds[0]);
		close(fds[1]);
		return false;
	}
	close(fds[1]);
	fcntl(fds[0], F_SETFL, fcntl(fds[0], F_GETFL) | O_NONBLOCK);
	fcntl(fds[0], F_SETFD, FD_CLOEXEC);
	c->err_fd = fds[0];
	return true;
}

/* What was written to stderr since the last turn: each complete line
 * becomes the status line's message. */
static void console_read_err(console *c, uint64_t now)
{
	char buf[4096], *nl, *line;
	ssize_t n;

	if (c->err_fd < 0)
		return;
	while ((n = read(c->err_fd, buf, sizeof(buf))) > 0) {
		if (c->errtext.len < CONSOLE_ERR_MAX)
			hpi_buf_putn(&c->errtext, buf, (size_t)n);
	}
	while (c->errtext.data != NULL &&
	       (nl = memchr(c->errtext.data + c->errline, '\n',
			    c->errtext.len - c->errline)) != NULL) {
		line = c->errtext.data + c->errline;
		*nl = '\0';
		if (*line != '\0')
			hpc_model_message(&c->m, line, now);
		*nl = '\n';
		c->errline = (size_t)(nl + 1 - c->errtext.data);
		c->dirty = true;
	}
}

/* Gives stderr back and prints what it got meanwhile. */
static void console_restore_err(console *c)
{
	if (c->saved_fd < 0)
		return;
	console_read_err(c, 0);
	fflush(stderr);
	dup2(c->saved_fd, 2);
	close(c->saved_fd);
	if (c->err_fd >= 0)
		close(c->err_fd);
	if (c->errtext.data != NULL)
		fwrite(c->errtext.data, 1, c->errtext.len, stderr);
	hpi_buf_fini(&c->errtext);
}

/* ---- one turn of the loop --------------------------------------------------- */

/* Drains every target's messages, and notes who is connected. */
static void console_poll_net(console *c, uint64_t now)
{
	HPC_MEASURE();
	for (size_t i = 0; i < c->m.ntargets; i++) {
		hpc_target *t = c->m.targets[i];
		hpc_conn *conn = c->conns[i];
		const char *why;
		hpc_msg *d;
		bool was = t->connected;

		if (conn == NULL)
			continue;
		t->connected = hpc_conn_connected(conn);
		why = hpc_conn_problem(conn, now);
		if (t->schema == HPC_SCHEMA && why != NULL &&
		    (t->problem == NULL || strcmp(why, t->problem) != 0)) {
			free(t->problem);
			t->problem = xstrdup(why);
			c->dirty = true;
		} else if (t->schema == HPC_SCHEMA && why == NULL && t->problem != NULL) {
			free(t->problem);
			t->problem = NULL;
			c->dirty = true;
		}
		c->dirty |= was != t->connected;
		t->bad += hpc_conn_take_bad(conn);
		for (int k = 0; k < CONSOLE_DRAIN && (d = hpc_conn_recv(conn)) != NULL; k++) {
			hpc_model_apply(&c->m, i, d, now);
			c->dirty = true;
		}
	}
}

/* Following the local programs: adds a target for each program that
 * started, drops the targets of those that ended.  Every half second. */
static void console_discover(console *c, uint64_t now)
{
	hpi_program *v = NULL;
	size_t n = 0;
	char *cause = NULL, *err = NULL;

	if (c->dir == NULL || (c->discovered_ns != 0 && now - c->discovered_ns < CONSOLE_DISCOVER_NS))
		return;
	c->discovered_ns = now;
	if (hpi_discover_list(c->dir, 0, &v, &n, NULL, &cause) != 0) {
		hpc_model_message(&c->m, cause, now);
		free(cause);
		c->dirty = true;
		return;
	}
	for (size_t i = c->m.ntargets; i-- > 0;) {
		bool live = false;
		for (size_t k = 0; k < n && !live; k++)
			live = v[k].pid == c->pids[i];
		if (live)
			continue;
		hpc_conn_free(c->conns[i]);
		memmove(&c->conns[i], &c->conns[i + 1], (c->m.ntargets - i - 1) * sizeof(c->conns[0]));
		memmove(&c->pids[i], &c->pids[i + 1], (c->m.ntargets - i - 1) * sizeof(c->pids[0]));
		hpc_model_remove(&c->m, i);
		c->dirty = true;
	}
	for (size_t k = 0; k < n && c->m.ntargets < CONSOLE_MAX_TARGETS; k++) {
		bool known = false;
		size_t i = c->m.ntargets;
		for (size_t j = 0; j < i && !known; j++)
			known = c->pids[j] == v[k].pid;
		if (known || (c->conns[i] = hpc_conn_open(v[k].endpoint, c->tls, &err)) == NULL) {
			if (err != NULL)
				hpc_model_message(&c->m, err, now);
			free(err);
			err = NULL;
			continue;
		}
		hpc_model_add(&c->m, v[k].endpoint, now);
		c->pids[i] = v[k].pid;
		c->dirty = true;
	}
	hpi_discover_free(v, n);
}

/* The details pane's request and reply. */
static void console_poll_log(console *c, uint64_t now)
{
	hpc_target *t = hpc_model_target(&c->m);
	char *req, *rep, why[512];
	size_t len;
	int rv;

	if (t == NULL)
		return;
	for (size_t i = 0; i < c->m.ntargets; i++) {
		if (c->conns[i] == NULL || (rv = hpc_conn_reply(c->conns[i], &rep, &len)) == 0)
			continue;
		if (i != c->m.cur) {
			if (rv > 0)
				free(rep);
			continue;
		}
		if (rv > 0) {
			hpc_model_log_reply(&c->m, rep, len);
			free(rep);
		} else {
			snprintf(why, sizeof(why), "no reply from %s: %s", t->query ? t->query : "?",
				 nng_strerror(-rv));
			hpc_model_log_fail(&c->m, why);
		}
		c->dirty = true;
	}
	if ((req = hpc_model_log_request(&c->m, now)) == NULL)
		return;
	if (t->query == NULL && t->query_refused > 0)
		hpc_model_log_fail(&c->m, "the program's query endpoint is on another host than its "
				   "publisher: not dialed (--any-query-host allows it)");
	else if (t->query == NULL)
		hpc_model_log_fail(&c->m, "the program announced no query endpoint (publish.query: off)");
	else if ((rv = hpc_conn_ask(c->conns[c->m.cur], t->query, req)) != 0) {
		snprintf(why, sizeof(why), "cannot ask %s: %s", t->query, nng_strerror(rv));
		hpc_model_log_fail(&c->m, why);
	}
	free(req);
	c->dirty = true;
}

/* Reruns the panels when the current target's data changed. */
static void console_run_panels(console *c, uint64_t now)
{
	hpc_target *t = hpc_model_target(&c->m);
	bool changed = t != NULL && t->changed;

	HPC_MEASURE();
	if (c->panels == NULL || c->m.npanels == 0)
		return;
	if (c->panel_target != c->m.cur)
		changed = true;
	if (!changed || now - c->panels_ns < CONSOLE_PANEL_NS)
		return;
	if (t != NULL)
		hpc_model_take_changed(t);
	c->panel_target = c->m.cur;
	c->panels_ns = now;
	hpc_panels_update(c->panels, &c->m, t, getmaxx(stdscr) - 2, getmaxy(stdscr) - 5);
	c->dirty = true;
}

/* w: the current program's snapshot into a JSON report here; the message
 * line says where. */
static void console_save(console *c, uint64_t now)
{
	hpc_target *t = hpc_model_target(&c->m);
	char *path = NULL, *msg;
	size_t n;
	int rv;

	if (t == NULL || t->nsecs == 0) {
		hpc_model_message(&c->m, "nothing to save yet", now);
		return;
	}
	if ((rv = hpc_save_snapshot(t, ".", &path, &n)) != 0)
		msg = xasprintf("cannot save the snapshot here: %s", strerror(rv));
	else
		msg = xasprintf("saved %s (%zu sections): hotpath report and compare read it",
				path, n);
	hpc_model_message(&c->m, msg, now);
	free(msg);
	free(path);
}

/* A key while the filter is typed (/): Enter keeps it, Esc clears it;
 * the rows follow each key. */
static void console_key_filter(console *c, wint_t k, bool fn)
{
	hpc_section *s = hpc_model_section(&c->m);
	size_t len = strlen(c->v.input);

	if ((fn && k == KEY_ENTER) || (!fn && (k == '\n' || k == '\r'))) {
		c->v.typing = false;
		return;
	}
	if (!fn && k == 27) {
		c->v.typing = false;
		c->v.input[0] = '\0';
	} else if ((fn && k == KEY_BACKSPACE) || (!fn && (k == 127 || k == 8))) {
		while (len > 0 && ((unsigned char)c->v.input[len - 1] & 0xc0) == 0x80)
			len--; /* a whole UTF-8 character */
		c->v.input[len ? len - 1 : 0] = '\0';
	} else if (!fn && k == 21) { /* Ctrl-U */
		c->v.input[0] = '\0';
	} else if (!fn && k >= ' ' && k != 127) {
		char mb[MB_LEN_MAX];
		mbstate_t st;
		size_t n;

		memset(&st, 0, sizeof(st));
		n = wcrtomb(mb, (wchar_t)k, &st);
		if (n != (size_t)-1 && len + n < sizeof(c->v.input)) {
			memcpy(c->v.input + len, mb, n);
			c->v.input[len + n] = '\0';
		}
	}
	if (s != NULL)
		hpc_section_filter(s, c->v.input);
}

/* A key in the sort picker (O): up and down, Enter picks (numbers biggest
 * first, names A to Z; the sort column again: the other way). */
static void console_key_sort(console *c, wint_t k, bool fn)
{
	hpc_section *s = hpc_model_section(&c->m);
	int col;

	if (s == NULL) {
		c->v.popup = HPC_POP_NONE;
		return;
	}
	if ((fn && k == KEY_DOWN) || (!fn && k == 'j'))
		c->v.pick += c->v.pick < s->nshow;
	else if ((fn && k == KEY_UP) || (!fn && k == 'k'))
		c->v.pick -= c->v.pick > 0;
	else if ((fn && k == KEY_HOME) || (!fn && k == 'g'))
		c->v.pick = 0;
	else if ((fn && k == KEY_END) || (!fn && k == 'G'))
		c->v.pick = s->nshow;
	else if ((fn && k == KEY_ENTER) || (!fn && (k == '\n' || k == '\r'))) {
		col = c->v.pick == 0 || c->v.pick > s->nshow ? -1 : (int)s->show[c->v.pick - 1];
		hpc_model_sort_by(&c->m, col, col < 0 ? false : col == s->sort_col
				  ? !s->sort_desc : s->cols[col].unit != HP_UNIT_TEXT);
		c->v.popup = HPC_POP_NONE;
	} else {
		c->v.popup = HPC_POP_NONE; /* Esc, or any other key, closes it */
		c->quit = !fn && (k == 'q' || k == 'Q');
	}
}

/* O: opens the sort picker on the current sort. */
static void console_sort_picker(console *c)
{
	hpc_section *s = hpc_model_section(&c->m);

	if (s == NULL)
		return;
	c->v.pick = 0;
	for (size_t k = 0; k < s->nshow; k++)
		if ((int)s->show[k] == s->sort_col)
			c->v.pick = k + 1;
	c->v.popup = HPC_POP_SORT;
}

/* < and >: the columns one to the side. */
static void console_scroll(console *c, int dir)
{
	hpc_section *s = hpc_model_section(&c->m);

	if (s != NULL && (dir > 0 || s->hscroll > 0))
		s->hscroll = dir > 0 ? s->hscroll + 1 : s->hscroll - 1; /* view.c clamps */
}

/* One key. */
static void console_key(console *c, wint_t k, bool fn, uint64_t now)
{
	hpc_model *m = &c->m;

	if (c->v.typing) {
		console_key_filter(c, k, fn);
		return;
	}
	if (c->v.popup == HPC_POP_SORT) {
		console_key_sort(c, k, fn);
		return;
	}
	if (c->v.popup != HPC_POP_NONE) {
		/* a popup takes the next key: q still quits, any other closes it */
		c->v.popup = HPC_POP_NONE;
		c->quit = !fn && (k == 'q' || k == 'Q');
		return;
	}
	if (fn) {
		switch (k) {
		case KEY_DOWN: hpc_model_move(m, 1); break;
		case KEY_UP: hpc_model_move(m, -1); break;
		case KEY_NPAGE: hpc_model_move(m, c->v.page); break;
		case KEY_PPAGE: hpc_model_move(m, -c->v.page); break;
		case KEY_HOME: hpc_model_home(m, false); break;
		case KEY_END: hpc_model_home(m, true); break;
		case KEY_RIGHT: hpc_model_tab_step(m, 1); break;
		case KEY_LEFT: case KEY_BTAB: hpc_model_tab_step(m, -1); break;
		case KEY_SRIGHT: console_scroll(c, 1); break;
		case KEY_SLEFT: console_scroll(c, -1); break;
		case KEY_ENTER: m->details = !m->details; break;
		default: break;
		}
		return;
	}
	switch (k) {
	case 'q': case 'Q': c->quit = true; break;
	case 27: m->details = false; break; /* never quits: a slow link splits arrow keys */
	case 'j': hpc_model_move(m, 1); break;
	case 'k': hpc_model_move(m, -1); break;
	case ' ': hpc_model_move(m, c->v.page); break;
	case 'g': hpc_model_home(m, false); break;
	case 'G': hpc_model_home(m, true); break;
	case '\t': case 'l': hpc_model_tab_step(m, 1); break;
	case 's': hpc_model_sort_next(m); break;
	case 'S': hpc_model_sort_flip(m); break;
	case 'p': hpc_model_pause(m, !m->paused, now); break;
	case '\n': case '\r': case 'o': m->details = !m->details; break;
	case 'i': c->v.popup = HPC_POP_INSPECT; break;
	case '?': case 'h': c->v.popup = HPC_POP_HELP; break;
	case 'a': hpc_model_merged_toggle(m, now); break;
	case '/':
		if (hpc_model_section(m) != NULL) {
			const char *f = hpc_model_section(m)->filter;
			snprintf(c->v.input, sizeof(c->v.input), "%s", f ? f : "");
			c->v.typing = true;
		}
		break;
	case 'O': console_sort_picker(c); break;
	case '>': console_scroll(c, 1); break;
	case '<': console_scroll(c, -1); break;
	case 'w': console_save(c, now); break;
	case 't': hpc_model_target_step(m, 1); break;
	case 'T': hpc_model_target_step(m, -1); break;
	case 12: clearok(curscr, TRUE); break; /* Ctrl-L */
	default:
		if (k >= '1' && k <= '9')
			hpc_model_tab(m, (size_t)(k - '1'));
		break;
	}
}

/* Reads every key waiting (the first wait at most CONSOLE_KEY_MS). */
static void console_keys(console *c)
{
	wint_t k;
	int rv;

	timeout(CONSOLE_KEY_MS);
	while ((rv = get_wch(&k)) != ERR) {
		if (rv == KEY_CODE_YES && k == KEY_RESIZE) {
			c->dirty = true;
			c->panels_ns = 0;
			if (hpc_model_target(&c->m) != NULL)
				hpc_model_target(&c->m)->changed = true;
		} else {
			console_key(c, k, rv == KEY_CODE_YES, console_now());
			c->dirty = true;
		}
		if (c->quit)
			break;
		timeout(0);
	}
}

/* Draws a frame. */
static void console_draw(console *c, uint64_t now)
{
	HPC_MEASURE();
	hpc_view_draw(&c->v, &c->m, now);
	wnoutrefresh(stdscr);
	doupdate();
	c->drawn_ns = now;
	c->dirty = false;
}

/* ---- set-up ------------------------------------------------------------------------ */

/* Opens a connection per URL; a URL nng refuses is a usage error.  With
 * none and no configured URL (dflt NULL), follows the local programs. */
static int console_connect(console *c, const console_opts *o, const char *dflt)
{
	uint64_t now = console_now();
	char *err;

	c->tls = &o->tls;
	if (o->nurls == 0 && dflt == NULL) {
		if ((c->dir = hpi_discover_dir()) == NULL)
			fatal("out of memory");
		console_discover(c, now);
		return 0;
	}
	for (size_t i = 0; i < (o->nurls ? o->nurls : 1); i++) {
		const char *url = o->nurls ? o->urls[i] : dflt;

		c->pids[i] = -1;
		hpc_model_add(&c->m, url, now);
		if ((c->conns[i] = hpc_conn_open(url, &o->tls, &err)) == NULL) {
			console_restore_err(c);
			hpc_usage_error("console", "%s", err);
			free(err);
			return HPC_EXIT_USAGE;
		}
	}
	return 0;
}

/* Loads the panels of console.panels (unless --no-panels) and --panel. */
static void console_load_panels(console *c, const console_opts *o, const hpi_config *cfg)
{
	char *names[2 * CONSOLE_MAX_URLS + 64];
	size_t n = 0, i;

	for (i = 0; !o->no_panels && i < cfg->console_panels.n && n < 64; i++)
		names[n++] = cfg->console_panels.v[i];
	for (i = 0; i < o->npanels; i++)
		names[n++] = (char *)o->panels[i];
	if (n > 0)
		c->panels = hpc_panels_load(&c->m, names, n);
}

#ifdef HPC_SELF_PROFILE
/* --enable-self-profile: the console measures itself and publishes on
 * publish.endpoint, like any profiled program. */
static hp_guard *console_self_profile(void)
{
	hp_guard_builder *b = hp_guard_builder_new("hotpath::console");

	hp_guard_builder_format(b, HP_FORMAT_NONE);
	return hp_guard_builder_build(b);
}
#endif

/* --timeout: true (and *why, caller frees) when no target has ever
 * answered and the time is up. */
static bool console_timed_out(console *c, uint64_t start, uint64_t now, uint64_t timeout_ms,
			      char **why)
{
	hpc_target *t;

	if (timeout_ms == 0 || now - start < timeout_ms * 1000000u)
		return false;
	for (size_t i = 0; i < c->m.ntargets; i++)
		if (c->m.targets[i]->connected || c->m.targets[i]->last_ns != 0)
			return false; /* it answered once: the dashboard shows the rest */
	t = c->m.ntargets > 0 ? c->m.targets[0] : NULL;
	if (t == NULL) {
		*why = xasprintf("console: no profiled program ran here within %llu ms "
				 "(hotpath ls lists them)", (unsigned long long)timeout_ms);
		return true;
	}
	*why = t != NULL && t->problem != NULL
		? xasprintf("console: no program answered within %llu ms: %s",
			    (unsigned long long)timeout_ms, t->problem)
		: xasprintf("console: no program answered at %s within %llu ms (--timeout)",
			    t != NULL ? t->url : "?", (unsigned long long)timeout_ms);
	return true;
}

/* The loop, until q (or --timeout: *why, caller frees). */
static void console_run(console *c, uint64_t timeout_ms, char **why)
{
	uint64_t now, start = console_now();

	while (!c->quit) {
		now = console_now();
		if (console_timed_out(c, start, now, timeout_ms, why))
			break;
		console_read_err(c, now);
		console_discover(c, now);
		console_poll_net(c, now);
		console_poll_log(c, now);
		if (c->m.show_merged && now - c->m.merged_ns >= CONSOLE_MERGED_NS) {
			hpc_model_merged_update(&c->m, now); /* the merged view (a) */
			c->dirty = true;
		}
		console_run_panels(c, now);
		if (c->dirty || now - c->drawn_ns >= 1000000000ull)
			console_draw(c, now);
		console_keys(c);
	}
}

/* `hotpath console`: set-up, the loop, and the screen given back. */
int hpc_cmd_console(int argc, char **argv)
{
	console_opts o = {0};
	console c;
	hpi_config cfg;
	const char *dflt = NULL;
	char *why = NULL;
	SCREEN *scr;
	int rv;
#ifdef HPC_SELF_PROFILE
	hp_guard *g;
#endif

	if ((rv = console_args(argc, argv, &o)) != 0)
		return rv < 0 ? HPC_EXIT_OK : rv;
	if (!isatty(STDIN_FILENO) || !isatty(STDOUT_FILENO)) {
		hpc_error("console: needs a terminal (stdin and stdout)");
		return HPC_EXIT_FAIL;
	}
	memset(&c, 0, sizeof(c));
	setlocale(LC_ALL, "");
	hpc_model_init(&c.m);
	console_capture_err(&c);
	hpi_config_load(&cfg, NULL);
	if (cfg.endpoint != NULL && strcmp(cfg.endpoint, "off") != 0 && *cfg.endpoint != '\0' &&
	    strcmp(cfg.endpoint, "auto") != 0)
		dflt = cfg.endpoint;
#ifdef HPC_SELF_PROFILE
	g = console_self_profile();
#endif
	if ((rv = console_connect(&c, &o, dflt)) != 0) {
		hpi_config_fini(&cfg);
		hpc_model_fini(&c.m);
		return rv;
	}
	console_load_panels(&c, &o, &cfg);
	hpi_config_fini(&cfg);
	if ((scr = newterm(NULL, stdout, stdin)) == NULL) {
		console_restore_err(&c);
		hpc_error("console: cannot use this terminal (TERM=%s)",
			  getenv("TERM") ? getenv("TERM") : "");
		return HPC_EXIT_FAIL;
	}
	set_escdelay(50);
	cbreak();
	noecho();
	nonl();
	keypad(stdscr, TRUE);
	curs_set(0);
	hpc_view_init(&c.v, stdscr);
	console_run(&c, o.timeout_ms, &why);
	endwin();
	delscreen(scr);
#ifdef HPC_SELF_PROFILE
	hp_guard_end(g);
#endif
	for (size_t i = 0; i < c.m.ntargets; i++)
		hpc_conn_free(c.conns[i]);
	hpc_panels_free(c.panels);
	hpc_model_fini(&c.m);
	free(c.dir);
	console_restore_err(&c);
	if (why != NULL) {
		hpc_error("%s", why);
		free(why);
		return HPC_EXIT_FAIL;
	}
	return HPC_EXIT_OK;
}
