/* SPDX-License-Identifier: MIT */
/*
 * model_msg.c - the console's model fed with the publisher's messages
 * (docs/wire.md): decoding them, the hello's sections and their order,
 * the query URLs, sections replacing their rows (or held while paused)
 * and a process's relations.  model.c holds the rest (model.h).
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "console.h"
#include "model.h"

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
	if (n > 0) /* a target with no section yet has no array */
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
