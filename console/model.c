/* SPDX-License-Identifier: MIT */
/*
 * model.c - the console's state: targets and their sections, fed with the
 * publisher's messages (docs/wire.md); navigation, sorting, pause, the
 * details pane's log and whether each target is Live, Stale, Connecting,
 * has nothing listening or speaks an unknown schema.  No terminal here.
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

/* Replaces *dst with a copy of s (NULL: unchanged). */
static void model_set_str(char **dst, const char *s)
{
	if (s == NULL)
		return;
	free(*dst);
	*dst = xstrdup(s);
}

/* FNV-1a of a section id. */
static size_t model_hash(const char *id)
{
	uint64_t h = 0xcbf29ce484222325ull;

	for (; *id; id++)
		h = (h ^ (unsigned char)*id) * 0x100000001b3ull;
	return (size_t)(h ^ h >> 32);
}

/* Files element i of v (not NULL) in x, which has room. */
static void model_index_put(hpc_index *x, hpc_section *const *v, size_t i)
{
	size_t h = model_hash(v[i]->id) & (x->cap - 1);

	while (x->slot[h] != 0)
		h = (h + 1) & (x->cap - 1);
	x->slot[h] = i + 1;
}

/* Makes x index the n elements of v anew (after a reorder, or to grow). */
static void model_index_build(hpc_index *x, hpc_section *const *v, size_t n)
{
	size_t cap = 16;

	while (cap < 2 * n + 2)
		cap *= 2;
	if (cap != x->cap) {
		free(x->slot);
		x->slot = xcalloc(cap, sizeof(*x->slot));
		x->cap = cap;
	} else {
		memset(x->slot, 0, cap * sizeof(*x->slot));
	}
	for (size_t i = 0; i < n; i++)
		if (v[i] != NULL)
			model_index_put(x, v, i);
}

/* Files element n - 1 of v, just appended. */
static void model_index_add(hpc_index *x, hpc_section *const *v, size_t n)
{
	if (2 * n + 2 > x->cap || v[n - 1] == NULL)
		model_index_build(x, v, n);
	else
		model_index_put(x, v, n - 1);
}

/* The index of id among the n elements of v that x indexes, or n. */
static size_t model_index_find(const hpc_index *x, hpc_section *const *v, size_t n,
			       const char *id)
{
	if (x->cap == 0)
		return n;
	for (size_t h = model_hash(id) & (x->cap - 1); x->slot[h] != 0; h = (h + 1) & (x->cap - 1))
		if (v[x->slot[h] - 1] != NULL && strcmp(v[x->slot[h] - 1]->id, id) == 0)
			return x->slot[h] - 1;
	return n;
}

/* The index of section id in t, or t->nsecs. */
static size_t model_find(const hpc_target *t, const char *id)
{
	return model_index_find(&t->secs_ix, t->secs, t->nsecs, id);
}

void hpc_target_reindex(hpc_target *t)
{
	model_index_build(&t->secs_ix, t->secs, t->nsecs);
	model_index_build(&t->hidden_ix, t->hidden, t->nhidden);
}

hpc_section *hpc_target_section(const hpc_target *t, const char *id)
{
	size_t i = model_find(t, id);

	return i < t->nsecs ? t->secs[i] : NULL;
}

/* Appends an empty section (announced, no rows yet). */
static void model_announce(hpc_target *t, const char *id, const char *title)
{
	hpc_section *s = xcalloc(1, sizeof(*s));

	s->id = xstrdup(id);
	s->title = xstrdup(title ? title : id);
	s->sort_col = -1;
	s->name_col = -1;
	t->secs = xreallocarray(t->secs, t->nsecs + 1, sizeof(*t->secs));
	t->secs[t->nsecs++] = s;
	model_index_add(&t->secs_ix, t->secs, t->nsecs);
	t->changed = true;
}

/* The query URL of hello, with a wildcard host (0.0.0.0, [::]) replaced by
 * the host the console dialed, so a remote program's query is reachable. */
static char *model_query_url(const char *query, const char *url)
{
	const char *any[] = {"tcp://0.0.0.0:", "tcp://[::]:", "tls+tcp://0.0.0.0:"};
	const char *h, *e;

	for (size_t i = 0; i < sizeof(any) / sizeof(any[0]); i++) {
		size_t n = strlen(any[i]);

		if (strncmp(query, any[i], n) != 0 || (h = strstr(url, "://")) == NULL)
			continue;
		h += 3;
		if ((e = strrchr(h, ':')) == NULL)
			break;
		return xasprintf("%.*s%.*s%s", (int)(strstr(any[i], "://") + 3 - any[i]), any[i],
				 (int)(e - h), h, query + n - 1);
	}
	return xstrdup(query);
}

static bool model_any_query_host; /* --any-query-host */

/* See model.h. */
void hpc_model_any_query_host(bool on)
{
	model_any_query_host = on;
}

/* The host part of a tcp:// or tls+tcp:// URL (brackets kept), into buf;
 * "" for ipc:// and other local transports. */
static void model_host(const char *url, char *buf, size_t len)
{
	const char *h = strstr(url, "://"), *e;

	buf[0] = '\0';
	if (h == NULL || (strncmp(url, "tcp", 3) != 0 && strncmp(url, "tls+tcp", 7) != 0))
		return;
	h += 3;
	if ((e = strrchr(h, ':')) == NULL || (size_t)(e - h) >= len)
		return;
	memcpy(buf, h, (size_t)(e - h));
	buf[e - h] = '\0';
}

/* Whether the console may dial query: a publisher may only point it at its
 * own host (same host as url, or both local), unless --any-query-host. */
static bool model_query_ok(const char *query, const char *url)
{
	char qh[256], uh[256];

	if (model_any_query_host)
		return true;
	model_host(query, qh, sizeof qh);
	model_host(url, uh, sizeof uh);
	return strcmp(qh, uh) == 0;
}

/* Tabs in the order hello lists the sections (a section message may come
 * before the first hello), then any others as they came; the tab shown
 * stays the same section. */
static void model_order(hpc_target *t, const hpi_jv *secs)
{
	hpc_section **v = xcalloc(t->nsecs + 1, sizeof(*v));
	const char *shown = t->tab < t->nsecs ? t->secs[t->tab]->id : NULL;
	size_t n = 0, i = 0, k;

	HPI_JSON_FOREACH(secs, s) {
		const char *id = hpi_json_str(hpi_json_get(s, "id"));

		if (i++ >= HPC_MAX_SECTIONS)
			break; /* the rest was cut (counted in t->cut) */

		/* a section taken already is NULL here: an id twice counts once */
		if (id != NULL && (k = model_find(t, id)) < t->nsecs) {
			v[n++] = t->secs[k];
			t->secs[k] = NULL;
		}
	}
	for (k = 0; k < t->nsecs; k++)
		if (t->secs[k] != NULL)
			v[n++] = t->secs[k];
	memcpy(t->secs, v, n * sizeof(*v));
	free(v);
	model_index_build(&t->secs_ix, t->secs, t->nsecs);
	for (k = 0; shown != NULL && k < t->nsecs; k++)
		if (t->secs[k]->id == shown)
			t->tab = k;
}

/* hello: who is talking, and which sections exist now (new ones are
 * appended; ones that went away stay, with their last rows). */
static void model_hello(hpc_target *t, const hpi_jv *j)
{
	const hpi_jv *secs = hpi_json_get(j, "sections"), *q = hpi_json_get(j, "query"), *v;
	size_t i = 0;

	model_set_str(&t->program, hpi_json_str(hpi_json_get(j, "program")));
	model_set_str(&t->caller, hpi_json_str(hpi_json_get(j, "caller")));
	model_set_str(&t->host, hpi_json_str(hpi_json_get(j, "host")));
	if (hpi_json_is(v = hpi_json_get(j, "pid"), HPI_JSON_INT))
		t->pid = (long)v->v.i;
	if (hpi_json_is(v = hpi_json_get(j, "interval_ms"), HPI_JSON_INT))
		t->interval_ms = (int)v->v.i;
	if (hpi_json_is(v = hpi_json_get(j, "dropped"), HPI_JSON_INT))
		t->dropped = (uint64_t)v->v.i;
	if (hpi_json_is(v = hpi_json_get(j, "events_dropped"), HPI_JSON_INT))
		t->events_dropped = (uint64_t)v->v.i;
	free(t->query);
	t->query = hpi_json_str(q) ? model_query_url(hpi_json_str(q), t->url) : NULL;
	if (t->query != NULL && !model_query_ok(t->query, t->url)) {
		t->query_refused++; /* the details pane says so */
		free(t->query);
		t->query = NULL;
	}
	HPI_JSON_FOREACH(secs, s) {
		const char *id = hpi_json_str(hpi_json_get(s, "id"));

		if (i++ >= HPC_MAX_SECTIONS)
			break; /* the rest was cut (counted in t->cut) */
		if (hpi_json_is(hpi_json_get(s, "tab"), HPI_JSON_FALSE))
			continue;
		if (id != NULL && t->nsecs < HPC_MAX_SECTIONS && model_find(t, id) == t->nsecs)
			model_announce(t, id, hpi_json_str(hpi_json_get(s, "title")));
	}
	model_order(t, secs);
}

/* A decoded message: what the loop applies.  Decoding (JSON parse, cell
 * formatting) touches no model, so it can run on another thread. */
struct hpc_msg {
	enum { MSG_HELLO, MSG_SECTION, MSG_OTHER } kind;
	long schema;
	hpi_json *hello;     /* MSG_HELLO: the body; sections past HPC_MAX_SECTIONS
			      * are not read */
	bool cut;            /* MSG_HELLO: it announced more */
	hpc_section *sec;    /* MSG_SECTION: its one section */
};

/* Parses and reads one message; see model.h. */
hpc_msg *hpc_msg_decode(const char *msg, size_t len, int *rv)
{
	const char *sp = msg ? memchr(msg, ' ', len) : NULL, *type;
	const hpi_jv *j, *schema;
	hpi_json *doc;
	hpc_msg *d;
	const char *why;

	HPC_MEASURE();
	*rv = HP_EINVAL;
	if (sp == NULL)
		return NULL;
	doc = hpi_json_parse(sp + 1, len - (size_t)(sp + 1 - msg), HPI_JSON_TOP_CONTAINER, 0, NULL);
	if (!hpi_json_is(j = hpi_json_root(doc), HPI_JSON_OBJECT)) {
		hpi_json_free(doc);
		return NULL;
	}
	d = xcalloc(1, sizeof(*d));
	schema = hpi_json_get(j, "schema");
	d->schema = hpi_json_is(schema, HPI_JSON_INT) ? (long)schema->v.i : -1;
	type = hpi_json_str(hpi_json_get(j, "type"));
	*rv = 0;
	if (d->schema != HPC_SCHEMA || type == NULL) {
		d->kind = MSG_OTHER;
		*rv = d->schema != HPC_SCHEMA ? HP_ENOTSUP : HP_EINVAL;
	} else if (strcmp(type, "hotpath_hello") == 0) {
		const hpi_jv *secs = hpi_json_get(j, "sections");

		d->kind = MSG_HELLO;
		d->cut = hpi_json_is(secs, HPI_JSON_ARRAY) && hpi_json_size(secs) > HPC_MAX_SECTIONS;
		d->hello = doc; /* kept: model_hello reads it */
		doc = NULL;
	} else if (strcmp(type, "hotpath_section") == 0) {
		d->kind = MSG_SECTION;
		d->sec = hpc_section_parse(hpi_json_at(hpi_json_get(
			hpi_json_get(j, "report"), "sections"), 0), &why);
		if (d->sec == NULL)
			*rv = HP_EINVAL;
	} else {
		d->kind = MSG_OTHER; /* a type of a later version: ignored */
	}
	hpi_json_free(doc);
	return d;
}

/* Frees a decoded message; NULL is a no-op. */
void hpc_msg_free(hpc_msg *d)
{
	if (d == NULL)
		return;
	hpi_json_free(d->hello);
	hpc_section_free(d->sec);
	free(d);
}

/* Whether d is a hello (a newer one supersedes it). */
bool hpc_msg_is_hello(const hpc_msg *d)
{
	return d != NULL && d->kind == MSG_HELLO;
}

/* The section id of a section message, else NULL. */
const char *hpc_msg_topic(const hpc_msg *d)
{
	return d->kind == MSG_SECTION && d->sec != NULL ? d->sec->id : NULL;
}

/* A section that is no tab replaces its old rows; past HPC_MAX_SECTIONS of
 * them a new one is refused and counted. */
static void model_keep_hidden(hpc_target *t, hpc_section *s, uint64_t now)
{
	size_t i = model_index_find(&t->hidden_ix, t->hidden, t->nhidden, s->id);

	if (i == t->nhidden && t->nhidden >= HPC_MAX_SECTIONS) {
		t->bad++;
		hpc_section_free(s);
		return;
	}
	if (i == t->nhidden) {
		t->hidden = xreallocarray(t->hidden, t->nhidden + 1, sizeof(*t->hidden));
		t->hidden[t->nhidden++] = s;
		model_index_add(&t->hidden_ix, t->hidden, t->nhidden);
	} else {
		hpc_section_free(t->hidden[i]);
		t->hidden[i] = s; /* the same id: the index holds */
	}
	s->updated_ns = now;
	t->changed = true;
}

const hpc_section *hpc_target_hidden(const hpc_target *t, const char *id)
{
	size_t i = model_index_find(&t->hidden_ix, t->hidden, t->nhidden, id);

	return i < t->nhidden ? t->hidden[i] : NULL;
}

/* Column c of s by key, or -1. */
static int model_col(const hpc_section *s, const char *key)
{
	for (size_t c = 0; c < s->ncols; c++)
		if (strcmp(s->cols[c].key, key) == 0)
			return (int)c;
	return -1;
}

char **hpc_target_relations(const hpc_target *t, const char *name, size_t *n)
{
	const hpc_section *s = hpc_target_hidden(t, "calls");
	int cr, ce, cc, ct, cs;
	char **v;

	*n = 0;
	if (s == NULL || name == NULL || (cr = model_col(s, "caller")) < 0 ||
	    (ce = model_col(s, "callee")) < 0 || (cc = model_col(s, "calls")) < 0 ||
	    (ct = model_col(s, "total")) < 0 || (cs = model_col(s, "self")) < 0)
		return NULL;
	v = xcalloc(2 * s->nrows + 1, sizeof(*v));
	/* rows come most time first; callers, then callees */
	for (int pass = 0; pass < 2; pass++) {
		for (size_t r = 0; r < s->nrows; r++) {
			const char *me = hpc_section_text(s, r, (size_t)(pass ? cr : ce));
			const char *other = hpc_section_text(s, r, (size_t)(pass ? ce : cr));
			char line[512];

			if (strcmp(me, name) != 0)
				continue;
			snprintf(line, sizeof(line), "%s %-28s %8s calls %10s total %10s self",
				 pass ? "->" : "<-", *other ? other : "(root)",
				 hpc_section_text(s, r, (size_t)cc), hpc_section_text(s, r, (size_t)ct),
				 hpc_section_text(s, r, (size_t)cs));
			v[(*n)++] = xstrdup(line);
		}
	}
	return v;
}

/* A section message: its section replaces the old rows (taken from d). */
static void model_section(hpc_target *t, hpc_msg *d, uint64_t now)
{
	hpc_section *s = d->sec;
	size_t i = model_find(t, s->id);

	HPC_MEASURE();
	d->sec = NULL;
	if (s->hidden) {
		model_keep_hidden(t, s, now);
		return;
	}
	if (i == t->nsecs && t->nsecs >= HPC_MAX_SECTIONS) {
		t->bad++; /* one tab too many: refused, counted */
		hpc_section_free(s);
		return;
	}
	if (i == t->nsecs) {
		t->secs = xreallocarray(t->secs, t->nsecs + 1, sizeof(*t->secs));
		t->secs[t->nsecs++] = s;
		model_index_add(&t->secs_ix, t->secs, t->nsecs);
	} else {
		hpc_section_carry(s, t->secs[i]);
		hpc_section_free(t->secs[i]);
		t->secs[i] = s; /* the same id: the index holds */
	}
	s->updated_ns = now;
	t->changed = true;
}

/* Keeps d while paused, replacing an earlier message of its topic. */
static void model_hold(hpc_target *t, hpc_msg *d)
{
	for (size_t i = 0; i < t->npending; i++) {
		if (strcmp(hpc_msg_topic(t->pending[i]), hpc_msg_topic(d)) == 0) {
			hpc_msg_free(t->pending[i]);
			t->pending[i] = d;
			return;
		}
	}
	t->pending = xreallocarray(t->pending, t->npending + 1, sizeof(*t->pending));
	t->pending[t->npending++] = d;
}

/* Applies a decoded message to its target (held back while paused). */
int hpc_model_apply(hpc_model *m, size_t ti, hpc_msg *d, uint64_t now)
{
	hpc_target *t = ti < m->ntargets ? m->targets[ti] : NULL;

	if (t == NULL || d == NULL) {
		hpc_msg_free(d);
		return HP_EINVAL;
	}
	t->last_ns = now;
	t->schema = d->schema;
	if (t->schema != HPC_SCHEMA) {
		free(t->problem);
		t->problem = xasprintf("%s speaks wire schema %ld; this console reads schema %d "
				       "(docs/wire.md)", t->url, t->schema, HPC_SCHEMA);
		hpc_msg_free(d);
		return HP_ENOTSUP;
	}
	free(t->problem);
	t->problem = NULL;
	if (d->kind == MSG_SECTION && d->sec == NULL)
		t->bad++; /* a section past a limit, or not one */
	t->cut += d->cut;
	if (d->kind == MSG_HELLO)
		model_hello(t, hpi_json_root(d->hello));
	else if (d->kind == MSG_SECTION && d->sec != NULL && m->paused) {
		model_hold(t, d);
		return 0;
	} else if (d->kind == MSG_SECTION && d->sec != NULL)
		model_section(t, d, now);
	hpc_msg_free(d);
	return 0;
}

/* Decode and apply in one step (tests, and anyone without a reader thread). */
int hpc_model_feed(hpc_model *m, size_t ti, const char *msg, size_t len, uint64_t now)
{
	int rv;
	hpc_msg *d;

	if (ti >= m->ntargets)
		return HP_EINVAL;
	if ((d = hpc_msg_decode(msg, len, &rv)) == NULL) {
		m->targets[ti]->bad++; /* not JSON: a \u0000, bad UTF-8, ... */
		return rv;
	}
	if (rv == HP_EINVAL) {
		m->targets[ti]->bad++; /* a section past a limit, or not one */
		hpc_msg_free(d);
		return rv;
	}
	return hpc_model_apply(m, ti, d, now) ?: rv;
}

/* Pause on or off; resuming applies the newest held message per topic. */
void hpc_model_pause(hpc_model *m, bool on, uint64_t now)
{
	m->paused = on;
	if (on)
		return;
	for (size_t i = 0; i < m->ntargets; i++) {
		hpc_target *t = m->targets[i];

		for (size_t k = 0; k < t->npending; k++) {
			model_section(t, t->pending[k], now);
			hpc_msg_free(t->pending[k]);
		}
		free(t->pending);
		t->pending = NULL;
		t->npending = 0;
	}
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
