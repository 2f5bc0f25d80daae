/* SPDX-License-Identifier: MIT */
/*
 * model.h - what `hotpath console` shows, without a terminal: the
 * programs it watches (targets), their sections keyed by id with rows read
 * from the publisher's JSON (core/json.c), sorting, selection, the details
 * pane's log, pause and staleness (model.c; the messages: model_msg.c).
 * The ncurses view (view.c) only reads it; the Check tests in
 * tests/console/test_model.c drive it directly.
 *
 * Times are CLOCK_MONOTONIC nanoseconds passed in by the caller, so tests
 * can play with the clock.
 */
#ifndef HPC_MODEL_H
#define HPC_MODEL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "hpi.h"
#include "json.h"

/* The wire schema this console reads (docs/wire.md). */
#define HPC_SCHEMA 1
/* A target with no message for this long is Stale (hello comes every s). */
#define HPC_STALE_NS (3000000000ull)

/* One column, from the section's column metadata. */
typedef struct hpc_col {
	char *key, *title;
	hp_unit unit;
	size_t width; /* widest of the title, the text cells and the numbers
		       * shown so far (hpc_section_widen), in screen columns */
	bool estimated; /* its key matches meta "estimated": a sampled row's
			 * cell is shown with "~" (docs/sampling.md) */
} hpc_col;

/* A section as the console keeps it; also a row's log and a panel's
 * table.  The rows are the snapshot model's, loaded as `hotpath report`
 * loads a report's; the rest is view state. */
typedef struct hpc_section {
	char *id, *title;
	hpc_col *cols;      /* the data's columns as shown: the unit one of this
			     * version does not know is shown as text */
	size_t ncols;
	hp_snapshot *snap;  /* holds data alone (owned); NULL before rows came */
	hp_section *data;   /* the rows, read with hpc_section_str/num */
	size_t nrows, total_rows;
	size_t *order;      /* row indexes in display order */
	size_t *show;       /* the columns the table shows, in order: those of
			     * meta "table.columns" (as the report's table), else
			     * all; inspect (i) shows every one */
	size_t nshow;
	int name_col;       /* the column that names a row ("name", else the
			     * first text column), or -1 */
	int sort_col;       /* -1: the order the program sent */
	bool sort_desc;
	size_t sel, top;    /* selected position in order; first shown */
	char *sel_name;     /* the selected row's name, kept across updates */
	bool has_data;      /* rows came (not just announced in hello) */
	bool hidden;        /* meta "console.hide": no tab of its own */
	int sampled_col;    /* "sampled" when meta "estimated" is set, else -1 */
	char *filter;       /* / (cmd_console.c): only rows whose name holds it
			     * (any case) are in the first nvis of order */
	size_t nvis;        /* rows shown: see hpc_section_rows */
	size_t hscroll;     /* < and >: shown columns but the name one skipped
			     * from the left (view.c) */
	char **meta;        /* the section's facts with a text value: key,
			     * value, key, value... (a saved snapshot, w) */
	size_t nmeta;
	uint64_t updated_ns; /* when they came */
} hpc_section;

typedef enum hpc_state {
	HPC_CONNECTING,  /* no connection yet, or connected with no message */
	HPC_LIVE,        /* messages keep coming */
	HPC_STALE,       /* connected (or was) but nothing for HPC_STALE_NS */
	HPC_NOTHING,     /* nothing listening at the URL */
	HPC_BAD_SCHEMA   /* the program speaks a schema this console does not */
} hpc_state;

/* What one message may announce (docs/console.md, "Limits"): more is
 * refused (a section) or cut (a hello's list of sections), and counted. */
#define HPC_MAX_SECTIONS 256     /* tabs per program */

/* Sections by id: an open-addressing table whose slots hold i + 1 for
 * element i of the array it indexes (0: empty); its size is a power of two
 * past twice the elements, so a lookup is a probe or two. */
typedef struct hpc_index {
	size_t *slot;
	size_t cap;
} hpc_index;
#define HPC_MAX_COLUMNS 256      /* columns per section */
#define HPC_MAX_ROWS 1000000     /* rows per section message */
#define HPC_MAX_MESSAGE (64u << 20) /* bytes per message (nng drops more) */
#define HPC_STR_(x) #x
#define HPC_STR(x) HPC_STR_(x)

/* A program the console subscribes to. */
typedef struct hpc_target {
	char *url;            /* publish endpoint */
	char *query;          /* query endpoint from hello (host fixed up), or NULL */
	char *program, *caller, *host;
	long pid;
	int interval_ms;
	uint64_t dropped;        /* messages the publisher could not send */
	uint64_t events_dropped; /* events its buffers could not take */
	uint64_t bad;            /* messages refused: not JSON (a \u0000, bad UTF-8),
				  * past a limit, or not a section */
	uint64_t cut;            /* hellos that announced more than HPC_MAX_SECTIONS */
	uint64_t query_refused;  /* hellos whose query URL was on another host */
	hpc_section **secs;   /* in the order hello announces them */
	size_t nsecs;
	hpc_section **hidden; /* sections that are no tab (meta "console.hide",
			       * hello's "tab": false): the call tree's; at most
			       * HPC_MAX_SECTIONS, more are counted in bad */
	size_t nhidden;
	hpc_index secs_ix, hidden_ix; /* secs and hidden by id: O(1) lookups */
	size_t tab;           /* shown tab: a section, or a panel past nsecs */
	bool connected;       /* a pipe is up (set by the network side) */
	char *problem;        /* why it is not Live, for the screen, or NULL */
	long schema;          /* last schema seen; != HPC_SCHEMA is a problem */
	uint64_t start_ns;    /* when the console started watching */
	uint64_t last_ns;     /* last message, 0 = none yet */
	bool changed;         /* data changed since hpc_model_take_changed */
	struct hpc_msg **pending; /* paused: the latest section message per topic */
	size_t npending;
} hpc_target;

/* The details pane: the selected row's log, asked for on the query endpoint. */
typedef struct hpc_log {
	char *section, *row;  /* what was asked for, or NULL */
	const hpc_target *target; /* of which program (never dereferenced) */
	hpc_section *sec;     /* the reply's rows, or NULL */
	char *status;         /* "loading", an error, or NULL when sec is set */
	uint64_t asked_ns;
} hpc_log;

/* What a Lua panel drew (panel.c fills it, view.c shows it). */
typedef enum hpc_draw_kind { HPC_DRAW_TEXT, HPC_DRAW_BAR, HPC_DRAW_SPARK } hpc_draw_kind;

typedef struct hpc_draw {
	hpc_draw_kind kind;
	int x, y, w;          /* in the panel's area, 0-based; w: BAR, SPARK */
	char *text;           /* TEXT: the text; BAR: its label (or NULL) */
	double frac;          /* BAR: filled part, 0..1 */
	double *vals;         /* SPARK: the values, oldest first */
	size_t nvals;
} hpc_draw;

/* One panel tab: rows and columns, or drawing, or the error it raised. */
typedef struct hpc_panel_view {
	char *title;
	hpc_section *table;   /* returned rows and columns, or NULL */
	hpc_draw *ops;        /* what it drew, in order */
	size_t nops;
	char *error;          /* "file:line: message", shown in the panel */
} hpc_panel_view;

typedef struct hpc_model {
	hpc_target **targets;
	size_t ntargets, cur;
	hpc_panel_view *panels; /* tabs after the sections of every target */
	size_t npanels;
	bool paused;
	bool details;         /* details pane shown */
	hpc_log log;
	char *message;        /* last warning for the status line, or NULL */
	uint64_t message_ns;
	/* the merged view (a): the targets running merged_program as one
	 * target (merged.c), shown instead of the current one while
	 * show_merged; t and T go back to each process */
	hpc_target *merged;
	char *merged_program;
	bool show_merged;
	uint64_t merged_ns;   /* when it was last built */
} hpc_model;

/* ---- model.c ------------------------------------------------------------- */

void hpc_model_init(hpc_model *m);
void hpc_model_fini(hpc_model *m);
/* Adds a target watching url; returns it (owned by m). */
hpc_target *hpc_model_add(hpc_model *m, const char *url, uint64_t now);
/* Forgets target i (a program that ended); the one shown stays shown when
 * it is another, else the next takes its place. */
void hpc_model_remove(hpc_model *m, size_t i);
/* Adds a panel tab titled title (copied); returns its index. */
size_t hpc_model_add_panel(hpc_model *m, const char *title);
/* Empties what panel view v shows (its title stays). */
void hpc_panel_view_clear(hpc_panel_view *v);
/* One message "TOPIC JSON" of target t (docs/wire.md): hpc_msg_decode
 * then hpc_model_apply.  0, or HP_EINVAL (not a message), HP_ENOTSUP
 * (unknown schema: t->problem says so).  While paused, section messages
 * are kept and applied by hpc_model_pause. */
int hpc_model_feed(hpc_model *m, size_t t, const char *msg, size_t len, uint64_t now);
/* A message decoded (JSON parsed, cells formatted) but not applied.  Any
 * thread: it touches no model.  NULL (and *rv HP_EINVAL) when msg is not
 * a message; else *rv is 0, HP_ENOTSUP (unknown schema) or HP_EINVAL (a
 * section that cannot be read).  Free with hpc_msg_free, or give it to
 * hpc_model_apply, which takes it. */
typedef struct hpc_msg hpc_msg;
hpc_msg *hpc_msg_decode(const char *msg, size_t len, int *rv);
void hpc_msg_free(hpc_msg *d);
/* The section id of a section message, else NULL. */
const char *hpc_msg_topic(const hpc_msg *d);
/* --any-query-host: dial a query URL on another host than the publisher's
 * (by default a hello naming one is not followed). */
void hpc_model_any_query_host(bool on);
/* Whether d is a hello (queued hellos are superseded by a newer one). */
bool hpc_msg_is_hello(const hpc_msg *d);
/* Applies d to target t (and frees it); 0, HP_ENOTSUP or HP_EINVAL. */
int hpc_model_apply(hpc_model *m, size_t t, hpc_msg *d, uint64_t now);
/* Pause on or off; turning it off applies what came meanwhile. */
void hpc_model_pause(hpc_model *m, bool on, uint64_t now);
/* Where target t stands at now. */
hpc_state hpc_target_state(const hpc_target *t, uint64_t now);
/* The section id that is no tab (the call tree's "calls"), or NULL. */
const hpc_section *hpc_target_hidden(const hpc_target *t, const char *id);
/* Indexes t's secs and hidden anew: after filling them by hand (merged.c). */
void hpc_target_reindex(hpc_target *t);
/* The tab section id of t (borrowed), or NULL; a lookup in O(1). */
hpc_section *hpc_target_section(const hpc_target *t, const char *id);
/* The details pane's lines about function name from the call tree's
 * "calls" section: its callers ("<- "), then its callees ("-> "), each
 * with calls, total and self, most time first.  NULL (and *n = 0) when the
 * program sent no call tree; else a malloc'ed array of malloc'ed lines,
 * which the caller frees. */
char **hpc_target_relations(const hpc_target *t, const char *name, size_t *n);
const char *hpc_state_name(hpc_state s);
/* The current target, and the section its tab shows: one of the target's,
 * or a panel's table; NULL on a panel that draws, or when there is none. */
hpc_target *hpc_model_target(const hpc_model *m);
hpc_section *hpc_model_section(const hpc_model *m);
/* Number of tabs of t: its sections and the panels. */
size_t hpc_model_ntabs(const hpc_model *m, const hpc_target *t);
/* True once when t's data changed since the last call (panels rerun). */
bool hpc_model_take_changed(hpc_target *t);
/* A warning for the status line (copied). */
void hpc_model_message(hpc_model *m, const char *msg, uint64_t now);

/* Navigation.  Tabs: absolute (0-based, ignored past the end) or +-1 with
 * wrap; targets likewise; moves of the selection clamp to the rows. */
void hpc_model_tab(hpc_model *m, size_t tab);
void hpc_model_tab_step(hpc_model *m, int dir);
void hpc_model_target_step(hpc_model *m, int dir);
void hpc_model_move(hpc_model *m, long delta);
void hpc_model_home(hpc_model *m, bool end);
/* Sort: by the next shown column (wrapping back to the program's order),
 * or the other direction. */
void hpc_model_sort_next(hpc_model *m);
void hpc_model_sort_flip(hpc_model *m);
/* Sorts by column col (-1: the program's order), desc or not (the sort
 * picker). */
void hpc_model_sort_by(hpc_model *m, int col, bool desc);

/* The log of the selected row: whether a new request is due (selection
 * changed or older than 1 s) and the request to send (caller frees). */
char *hpc_model_log_request(hpc_model *m, uint64_t now);
/* The reply (or error reply) to that request. */
void hpc_model_log_reply(hpc_model *m, const char *reply, size_t len);
/* No reply came: the pane says why. */
void hpc_model_log_fail(hpc_model *m, const char *why);

/* ---- merged.c: the merged view --------------------------------------------- */

/* a: shows the targets that run the current target's program as one
 * (when there are two or more; else a message says why), or goes back to
 * the current target. */
void hpc_model_merged_toggle(hpc_model *m, uint64_t now);
/* Builds the merged target again from its programs' sections (with the
 * same code as hotpath merge), keeping the tab, sort and selection. */
void hpc_model_merged_update(hpc_model *m, uint64_t now);
/* How many targets run program. */
size_t hpc_model_count_program(const hpc_model *m, const char *program);
/* Frees a target (model.c). */
void hpc_target_free(hpc_target *t);

/* ---- section.c: sections from JSON ---------------------------------------- */

/* A section from its JSON object (docs/report-format.md): columns, rows,
 * total_rows, read by the report loader (hpc_report_section).  NULL with
 * *why when it is not one (static text, or the loader's message, valid
 * until the next call on this thread). */
hpc_section *hpc_section_parse(const hpi_jv *j, const char **why);
/* The same from the JSON text of one section object ("not JSON" when it
 * is none). */
hpc_section *hpc_section_parse_text(const char *json, size_t len, const char **why);
void hpc_section_free(hpc_section *s);
/* Takes over what the user chose in old (sort, selection by name, scroll)
 * into new, a fresh parse of the same section. */
void hpc_section_carry(hpc_section *nw, const hpc_section *old);
/* Re-sorts rows by sort_col / sort_desc and finds sel_name again. */
void hpc_section_sort(hpc_section *s);
/* Text of row r (display order position), column c, as the report table
 * writes it: borrowed, valid until 16 more calls on this thread. */
const char *hpc_section_text(const hpc_section *s, size_t pos, size_t c);
/* Widens the columns to fit rows from .. from+n-1 (display order). */
void hpc_section_widen(hpc_section *s, size_t from, size_t n);
/* The selected row's name, or NULL. */
const char *hpc_section_sel_name(const hpc_section *s);
/* Rows shown (display positions 0 .. n-1): those passing the filter. */
static inline size_t hpc_section_rows(const hpc_section *s)
{
	return s->filter != NULL ? s->nvis : s->nrows;
}
/* Filters the rows by name (NULL or "": all), keeping the order. */
void hpc_section_filter(hpc_section *s, const char *text);
/* Screen columns s takes (wcwidth; a byte that is no character counts 1). */
size_t hpc_text_width(const char *s);
/* Cell (row, c) by the program's row order (not the display order):
 * whether it has a value, its text (NULL when it is a number or has
 * none), its number (-INFINITY when it is text or has none), and whether
 * column c holds integers. */
bool hpc_section_has(const hpc_section *s, size_t row, size_t c);
const char *hpc_section_str(const hpc_section *s, size_t row, size_t c);
double hpc_section_num(const hpc_section *s, size_t row, size_t c);
/* The number as an integer (exact for a column of integers; 0 when it is
 * text or has none). */
int64_t hpc_section_int(const hpc_section *s, size_t row, size_t c);
bool hpc_section_is_int(const hpc_section *s, size_t c);
/* Unit by name ("count", "ns", ...); HP_UNIT_TEXT when unknown. */
hp_unit hpc_unit_parse(const char *name);

#endif /* HPC_MODEL_H */
