/* SPDX-License-Identifier: MIT */
/*
 * model.c - the console's state: targets and their sections, fed with the
 * publisher's messages (docs/wire.md); navigation, sorting, pause, the
 * details pane's log and whether each target is Live, Stale, Connecting,
 * has nothing listening or speaks an unknown schema.  No terminal here.
 * The messages themselves (decoding, applying, pause) are model_msg.c's.
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <stdlib.h>
#include <string.h>

#include "console.h"
#include "model.h"

/* An empty model: no targets, no panels. */
void hpc_model_init(hpc_model *m)
{
	memset(m, 0, sizeof(*m));
}

/* Frees a target and everything it holds. */
void hpc_target_free(hpc_target *t)
{
	if (t == NULL)
		return;
	for (size_t i = 0; i < t->nsecs; i++)
		hpc_section_free(t->secs[i]);
	free(t->secs);
	for (size_t i = 0; i < t->nhidden; i++)
		hpc_section_free(t->hidden[i]);
	free(t->hidden);
	free(t->secs_ix.slot);
	free(t->hidden_ix.slot);
	free(t->url);
	free(t->query);
	free(t->program);
	free(t->caller);
	free(t->host);
	free(t->problem);
	for (size_t i = 0; i < t->npending; i++)
		hpc_msg_free(t->pending[i]);
	free(t->pending);
	free(t);
}

/* How many targets run program (the merged view, merged.c). */
size_t hpc_model_count_program(const hpc_model *m, const char *program)
{
	size_t n = 0;

	for (size_t i = 0; program != NULL && i < m->ntargets; i++)
		if (m->targets[i]->program != NULL && strcmp(m->targets[i]->program, program) == 0)
			n++;
	return n;
}

/* Forgets the details pane's log. */
static void model_log_clear(hpc_log *l)
{
	free(l->section);
	free(l->row);
	hpc_section_free(l->sec);
	free(l->status);
	memset(l, 0, sizeof(*l));
}

/* Frees every target, panel and the log; m can be initialised again. */
void hpc_model_fini(hpc_model *m)
{
	for (size_t i = 0; i < m->ntargets; i++)
		hpc_target_free(m->targets[i]);
	free(m->targets);
	for (size_t i = 0; i < m->npanels; i++) {
		hpc_panel_view_clear(&m->panels[i]);
		free(m->panels[i].title);
	}
	free(m->panels);
	model_log_clear(&m->log);
	free(m->message);
	hpc_target_free(m->merged);
	free(m->merged_program);
	memset(m, 0, sizeof(*m));
}

/* A new target watching url, Connecting until its first message. */
hpc_target *hpc_model_add(hpc_model *m, const char *url, uint64_t now)
{
	hpc_target *t = xcalloc(1, sizeof(*t));

	t->url = xstrdup(url);
	t->schema = HPC_SCHEMA;
	t->start_ns = now;
	t->pid = -1;
	m->targets = xreallocarray(m->targets, m->ntargets + 1, sizeof(*m->targets));
	m->targets[m->ntargets++] = t;
	return t;
}

void hpc_model_remove(hpc_model *m, size_t i)
{
	if (i >= m->ntargets)
		return;
	hpc_target_free(m->targets[i]);
	memmove(&m->targets[i], &m->targets[i + 1],
		(m->ntargets - i - 1) * sizeof(*m->targets));
	m->ntargets--;
	if (m->cur == i)
		model_log_clear(&m->log); /* the pane asked the program that went */
	if (m->cur > i || (m->cur == i && m->cur == m->ntargets && m->cur > 0))
		m->cur--;
}

/* A new panel tab, empty until the panel first runs. */
size_t hpc_model_add_panel(hpc_model *m, const char *title)
{
	m->panels = xreallocarray(m->panels, m->npanels + 1, sizeof(*m->panels));
	memset(&m->panels[m->npanels], 0, sizeof(*m->panels));
	m->panels[m->npanels].title = xstrdup(title);
	return m->npanels++;
}

/* Frees what the panel showed; its title stays. */
void hpc_panel_view_clear(hpc_panel_view *v)
{
	for (size_t i = 0; i < v->nops; i++) {
		free(v->ops[i].text);
		free(v->ops[i].vals);
	}
	free(v->ops);
	v->ops = NULL;
	v->nops = 0;
	hpc_section_free(v->table);
	v->table = NULL;
	free(v->error);
	v->error = NULL;
}

/* Sets the status line's warning (shown for VIEW_MSG_NS). */
void hpc_model_message(hpc_model *m, const char *msg, uint64_t now)
{
	free(m->message);
	m->message = xstrdup(msg);
	m->message_ns = now;
}

/* Live, Stale, Connecting, Not listening or Unknown schema, at now. */
hpc_state hpc_target_state(const hpc_target *t, uint64_t now)
{
	if (t->schema != HPC_SCHEMA)
		return HPC_BAD_SCHEMA;
	if (t->last_ns == 0)
		return !t->connected && t->problem != NULL ? HPC_NOTHING : HPC_CONNECTING;
	if (now - t->last_ns > HPC_STALE_NS)
		return HPC_STALE;
	return HPC_LIVE;
}

/* The state as the status line says it. */
const char *hpc_state_name(hpc_state s)
{
	static const char *const names[] = {
		[HPC_CONNECTING] = "Connecting", [HPC_LIVE] = "Live", [HPC_STALE] = "Stale",
		[HPC_NOTHING] = "Not listening", [HPC_BAD_SCHEMA] = "Unknown schema",
	};
	return names[s];
}

/* The target shown, or NULL when there is none. */
hpc_target *hpc_model_target(const hpc_model *m)
{
	if (m->show_merged && m->merged != NULL)
		return m->merged;
	return m->cur < m->ntargets ? m->targets[m->cur] : NULL;
}

/* The section (or panel table) of the current tab, or NULL. */
hpc_section *hpc_model_section(const hpc_model *m)
{
	hpc_target *t = hpc_model_target(m);

	if (t == NULL)
		return NULL;
	if (t->tab < t->nsecs)
		return t->secs[t->tab];
	return t->tab - t->nsecs < m->npanels ? m->panels[t->tab - t->nsecs].table : NULL;
}

/* Tabs of t: its sections, then the panels. */
size_t hpc_model_ntabs(const hpc_model *m, const hpc_target *t)
{
	return (t ? t->nsecs : 0) + m->npanels;
}

/* Whether t changed since the last call; clears the flag. */
bool hpc_model_take_changed(hpc_target *t)
{
	bool c = t->changed;

	t->changed = false;
	return c;
}

/* Shows tab number tab (0-based); ignored past the last. */
void hpc_model_tab(hpc_model *m, size_t tab)
{
	hpc_target *t = hpc_model_target(m);

	if (t != NULL && tab < hpc_model_ntabs(m, t))
		t->tab = tab;
}

/* The next (dir > 0) or previous tab, wrapping. */
void hpc_model_tab_step(hpc_model *m, int dir)
{
	hpc_target *t = hpc_model_target(m);
	size_t n = hpc_model_ntabs(m, t);

	if (t == NULL || n == 0)
		return;
	t->tab = (t->tab + n + (size_t)(dir < 0 ? n - 1 : 1)) % n;
}

/* The next (dir > 0) or previous target, wrapping. */
void hpc_model_target_step(hpc_model *m, int dir)
{
	if (m->show_merged) { /* back to the processes, from the one shown before */
		m->show_merged = false;
		return;
	}
	if (m->ntargets == 0)
		return;
	m->cur = (m->cur + (dir < 0 ? m->ntargets - 1 : 1)) % m->ntargets;
}

/* Remembers the selected row by name, so it stays selected when rows move. */
static void model_keep_sel(hpc_section *s)
{
	const char *name = hpc_section_sel_name(s);

	free(s->sel_name);
	s->sel_name = name ? xstrdup(name) : NULL;
}

/* Moves the selection by delta rows, clamped to the rows. */
void hpc_model_move(hpc_model *m, long delta)
{
	hpc_section *s = hpc_model_section(m);
	long sel;

	if (s == NULL || hpc_section_rows(s) == 0)
		return;
	sel = (long)s->sel + delta;
	if (sel < 0)
		sel = 0;
	if (sel >= (long)hpc_section_rows(s))
		sel = (long)hpc_section_rows(s) - 1;
	s->sel = (size_t)sel;
	model_keep_sel(s);
}

/* Selects the first row, or the last one (end). */
void hpc_model_home(hpc_model *m, bool end)
{
	hpc_section *s = hpc_model_section(m);

	if (s == NULL || hpc_section_rows(s) == 0)
		return;
	s->sel = end ? hpc_section_rows(s) - 1 : 0;
	model_keep_sel(s);
}

/* Sorts by the next shown column; past the last, the program's order. */
void hpc_model_sort_next(hpc_model *m)
{
	hpc_section *s = hpc_model_section(m);
	size_t k = 0;

	if (s == NULL || s->nshow == 0)
		return;
	if (s->sort_col >= 0) /* the position after the sort column's */
		while (k < s->nshow && s->show[k++] != (size_t)s->sort_col)
			;
	if (k >= s->nshow) {
		s->sort_col = -1;
	} else {
		s->sort_col = (int)s->show[k];
		/* numbers: biggest first; names: A to Z */
		s->sort_desc = s->cols[s->sort_col].unit != HP_UNIT_TEXT;
	}
	if (s->sel_name == NULL)
		model_keep_sel(s);
	hpc_section_sort(s);
}

/* Sorts by column col (-1: the program's order): the sort picker. */
void hpc_model_sort_by(hpc_model *m, int col, bool desc)
{
	hpc_section *s = hpc_model_section(m);

	if (s == NULL || col >= (int)s->ncols)
		return;
	s->sort_col = col < 0 ? -1 : col;
	s->sort_desc = desc;
	if (s->sel_name == NULL)
		model_keep_sel(s);
	hpc_section_sort(s);
}

/* Sorts the other way round. */
void hpc_model_sort_flip(hpc_model *m)
{
	hpc_section *s = hpc_model_section(m);

	if (s == NULL || s->sort_col < 0)
		return;
	s->sort_desc = !s->sort_desc;
	if (s->sel_name == NULL)
		model_keep_sel(s);
	hpc_section_sort(s);
}

/* ---- the details pane ------------------------------------------------------ */

/* The log request due for the selected row, or NULL; see model.h. */
char *hpc_model_log_request(hpc_model *m, uint64_t now)
{
	hpc_target *t = hpc_model_target(m);
	hpc_section *s = hpc_model_section(m);
	const char *name = hpc_section_sel_name(s);
	hpc_log *l = &m->log;
	hpi_buf req;

	/* not when closed, with nothing selected, paused, or on a panel */
	if (!m->details || name == NULL || m->paused || t == NULL || t->tab >= t->nsecs)
		return NULL;
	if (l->target == t && l->section != NULL && strcmp(l->section, s->id) == 0 &&
	    l->row != NULL && strcmp(l->row, name) == 0 && now - l->asked_ns < 1000000000ull)
		return NULL;
	if (l->target != t || l->section == NULL || strcmp(l->section, s->id) != 0 ||
	    strcmp(l->row, name) != 0) {
		/* another row, or the same name in another program (t) */
		model_log_clear(l);
		l->target = t;
		l->section = xstrdup(s->id);
		l->row = xstrdup(name);
		l->status = xstrdup("loading...");
	}
	l->asked_ns = now;
	hpi_buf_init(&req);
	hpi_buf_puts(&req, "{\"cmd\":\"log\",\"section\":");
	hpi_buf_json_str(&req, s->id);
	hpi_buf_puts(&req, ",\"row\":");
	hpi_buf_json_str(&req, name);
	hpi_buf_putc(&req, '}');
	if (req.failed)
		fatal("out of memory");
	return req.data;
}

/* Reads the reply to a log request into the details pane. */
void hpc_model_log_reply(hpc_model *m, const char *reply, size_t len)
{
	hpc_log *l = &m->log;
	hpi_json *doc = hpi_json_parse(reply, len, HPI_JSON_TOP_CONTAINER, 0, NULL);
	const hpi_jv *j = hpi_json_root(doc);
	const char *type = hpi_json_str(hpi_json_get(j, "type")), *why = NULL;
	hpc_section *s = NULL;

	free(l->status);
	l->status = NULL;
	if (type != NULL && strcmp(type, "hotpath_error") == 0) {
		const char *code = hpi_json_str(hpi_json_get(j, "error"));
		l->status = xstrdup(code && strcmp(code, "no_log") == 0 ? "this row keeps no log"
				    : hpi_json_str(hpi_json_get(j, "message")) ?: "error reply");
	} else if (type == NULL || strcmp(type, "hotpath_reply") != 0) {
		l->status = xstrdup("not a hotpath reply");
	} else {
		s = hpc_section_parse(hpi_json_at(hpi_json_get(hpi_json_get(j, "report"),
							       "sections"), 0), &why);
		if (s == NULL)
			l->status = xstrdup(why);
	}
	if (s != NULL) {
		hpc_section_carry(s, l->sec);
		hpc_section_free(l->sec);
		l->sec = s;
	}
	hpi_json_free(doc);
}

/* The details pane says why no log came. */
void hpc_model_log_fail(hpc_model *m, const char *why)
{
	free(m->log.status);
	m->log.status = xstrdup(why);
}
