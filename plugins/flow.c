/* SPDX-License-Identifier: MIT */
/*
 * flow.c - what the channels, streams and futures plugins share (flow.h).
 * It uses only the plugin ABI: it could be part of an external plugin.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "flow.h"

/* init: the state, with logs as long as the kind's option says. */
int hpi_flow_new(const hpi_flow_kind *kind, const hp_host *host, const hp_options *opts,
		 void **state)
{
	hpi_flow *f = calloc(1, sizeof(*f));
	long long cap = host->option_int(opts, kind->logs_key, 50);

	if (f == NULL)
		return HP_ENOMEM;
	f->kind = kind;
	f->host = host;
	f->log_cap = cap > 0 ? (size_t)cap : 0;
	if (f->log_cap > 0)
		host->want_text(1);
	*state = f;
	return 0;
}

/* Frees e and what it owns. */
static void flow_entry_free(hpi_flow *f, hpi_flow_entry *e)
{
	if (f->kind->entry_free != NULL)
		f->kind->entry_free(f->host, e);
	hp_ring_free(&e->log);
	free(e);
}

/* fini: every entry, then the state. */
void hpi_flow_free(void *state)
{
	hpi_flow *f = state;

	if (f == NULL)
		return;
	if (f->log_cap > 0)
		f->host->want_text(0);
	for (size_t i = 0; i < f->n; i++)
		flow_entry_free(f, f->v[i]);
	free(f->v);
	free(f->by_site);
	free(f);
}

/* The entry of a site's label, made on first sight; NULL when out of memory. */
static hpi_flow_entry *flow_label(hpi_flow *f, const hp_site_info *info)
{
	const hpi_flow_kind *k = f->kind;
	hpi_flow_entry *e;

	if ((e = hp_plugin_label_find((void *const *)f->v, f->n, info->label)) != NULL)
		return e;
	if ((e = calloc(1, k->entry_size)) == NULL)
		return NULL;
	if (hp_ring_init(&e->log, f->log_cap, k->rec_size) != 0) {
		free(e);
		return NULL;
	}
	e->label = info->label;
	if ((k->entry_new != NULL && k->entry_new(f->host, e, info) != 0) ||
	    !hp_plugin_push((void ***)&f->v, &f->n, &f->cap, e)) {
		flow_entry_free(f, e);
		return NULL;
	}
	return e;
}

/* Site id's record; a new site is one more of its label. */
hpi_flow_site *hpi_flow_site_get(hpi_flow *f, uint32_t id)
{
	const hp_site_info *info;
	hpi_flow_site *s;

	if (!hp_plugin_grow(&f->by_site, &f->nsites, sizeof(*f->by_site), id))
		return NULL;
	s = &f->by_site[id];
	if (s->e == NULL && (info = f->host->site(id)) != NULL &&
	    info->kind == f->kind->site_kind && (s->e = flow_label(f, info)) != NULL)
		s->e->sites++;
	return s->e != NULL ? s : NULL;
}

/* A site closed: counted once for its label. */
void hpi_flow_close(hpi_flow_site *s)
{
	if (!s->closed) {
		s->closed = 1;
		s->e->closed++;
	}
}

/* The next record of e's ring, zeroed; its awaited texts forgotten. */
void *hpi_flow_log_add(hpi_flow *f, hpi_flow_entry *e)
{
	size_t size = f->kind->rec_size;
	char *r = hp_ring_push(&e->log, size);

	if (r == NULL)
		return NULL;
	hpi_flow_text_forget(e, r, size);
	memset(r, 0, size);
	return r;
}

/* The thread's text goes to `to`: its own slot, else the next one. */
void hpi_flow_text_wait(hpi_flow *f, hpi_flow_entry *e, uint64_t tid, char *to)
{
	unsigned n = f->kind->text_wait;
	hpi_flow_text *t = NULL;

	if (n == 0 || n > HPI_FLOW_TEXT_WAIT)
		n = n == 0 ? 1 : HPI_FLOW_TEXT_WAIT;
	for (unsigned i = 0; i < n; i++)
		if (e->text[i].tid == tid)
			t = &e->text[i];
	if (t == NULL)
		t = &e->text[e->text_next++ % n];
	t->tid = tid;
	t->to = to;
	t->fill = 0;
}

/* 8 more bytes of the text the event's thread awaits. */
void hpi_flow_text_add(hpi_flow_entry *e, const hp_event *ev)
{
	hpi_flow_text *t = NULL;

	for (int i = 0; i < HPI_FLOW_TEXT_WAIT; i++)
		if (e->text[i].tid == ev->tid)
			t = &e->text[i];
	if (t == NULL || t->to == NULL)
		return; /* not logged, or the log moved on */
	for (int k = 0; k < 8 && t->fill < HPI_FLOW_TEXT_MAX; k++)
		t->to[t->fill++] = ev->text[k];
}

/* Texts awaited inside p[0..n) are dropped. */
void hpi_flow_text_forget(hpi_flow_entry *e, const void *p, size_t n)
{
	const char *lo = p;

	for (int i = 0; i < HPI_FLOW_TEXT_WAIT; i++)
		if (e->text[i].to != NULL && e->text[i].to >= lo && e->text[i].to < lo + n)
			e->text[i].to = NULL;
}

/* The text awaited in `from` goes on in `to`. */
void hpi_flow_text_move(hpi_flow_entry *e, const char *from, char *to)
{
	for (int i = 0; i < HPI_FLOW_TEXT_WAIT; i++)
		if (e->text[i].to == from)
			e->text[i].to = to;
}

/* The labels in cmp's order. */
void hpi_flow_sort(hpi_flow *f, int (*cmp)(const void *, const void *))
{
	if (f->n > 1)
		qsort(f->v, f->n, sizeof(*f->v), cmp);
}

/* A histogram's columns: avg, each percentile, max. */
void hpi_flow_hist_columns(const hp_host *h, hp_section *sec, const char *key,
			   const char *title, const double *p, size_t np, char *cols, size_t len)
{
	char k[64], t[64];
	size_t o = strlen(cols);

	snprintf(k, sizeof(k), "%s_avg", key);
	snprintf(t, sizeof(t), "%s avg", title);
	h->column_add(sec, k, t, HP_UNIT_NS);
	if (o < len)
		o += (size_t)snprintf(cols + o, len - o, ",%s", k);
	for (size_t i = 0; i < np; i++) {
		snprintf(k, sizeof(k), "%s_p%g", key, p[i]);
		snprintf(t, sizeof(t), "%s P%g", title, p[i]);
		h->column_add(sec, k, t, HP_UNIT_NS);
		if (o < len)
			o += (size_t)snprintf(cols + o, len - o, ",%s", k);
	}
	snprintf(k, sizeof(k), "%s_max", key);
	snprintf(t, sizeof(t), "%s max", title);
	h->column_add(sec, k, t, HP_UNIT_NS);
}

/* A histogram's cells, when it has values. */
void hpi_flow_hist_cells(const hp_host *h, hp_section *sec, size_t r, size_t c,
			 const hp_hist *hist, const double *p, size_t np)
{
	uint64_t n = h->hist_count(hist);

	if (n == 0)
		return;
	h->cell_int(sec, r, c, (int64_t)(h->hist_sum(hist) / n));
	for (size_t i = 0; i < np; i++)
		h->cell_int(sec, r, c + 1 + i, (int64_t)h->hist_percentile(hist, p[i]));
	h->cell_int(sec, r, c + 1 + np, (int64_t)h->hist_percentile(hist, 100));
}
