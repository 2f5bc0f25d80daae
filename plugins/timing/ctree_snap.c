/* SPDX-License-Identifier: MIT */
/*
 * ctree_snap.c - the call tree's sections: every thread's tree merged,
 * then walked into the Call tree (edges) and Stacks tables.
 */
#define _POSIX_C_SOURCE 200809L /* strdup */
#include <stdlib.h>
#include <string.h>

#include "calltree_impl.h"

/* ---- the sections --------------------------------------------------------- */

/* Copies the callees of holder src (of tree s) under holder dst of tree
 * o, merged by function. */
static bool ctree_copy(hpi_ctree *o, uint32_t dst, const hpi_ctree *s, uint32_t src)
{
	for (uint32_t k = N(s, src).kids; k != 0; k = N(s, k).next) {
		uint32_t d = ctree_get(o, dst, N(s, k).fn);
		if (d == 0)
			return false;
		N(o, d).calls += N(s, k).calls;
		N(o, d).total += N(s, k).total;
		N(o, d).self += N(s, k).self;
		if (N(s, k).kh != 0 && !ctree_copy(o, ctree_kids(o, d), s, N(s, k).kh))
			return false;
	}
	return true;
}

/* One call-tree edge: caller -> callee. */
typedef struct ct_edge {
	uint32_t caller; /* function + 1, 0 for a root */
	uint32_t callee;
	uint64_t calls, total, self;
} ct_edge;

/* One stack row. */
typedef struct ct_stack {
	char *text;
	uint64_t calls, total, self;
} ct_stack;

/* What the walk of the merged tree builds. */
typedef struct ct_out {
	const char *const *labels;
	uint32_t nlabels;
	uint32_t *path;     /* functions from the root */
	ct_edge *edges;     /* open addressing by (caller, callee) */
	size_t ecap, en;
	ct_stack *stacks;
	size_t sn, scap;
	hp_text text;       /* the current path's text */
	bool failed;
} ct_out;

/* A label as a stack frame (';' would split it). */
static void ctree_frame(hp_text *b, const char *label)
{
	for (const char *c = label; *c; c++)
		hp_text_putc(b, *c == ';' ? ':' : *c);
}

/* The edge (caller, callee), created empty on first use. */
static ct_edge *ctree_edge(ct_out *w, uint32_t caller, uint32_t callee)
{
	size_t h;

	if ((w->en + 1) * 2 > w->ecap) {
		size_t cap = w->ecap ? w->ecap * 2 : 64;
		ct_edge *e = calloc(cap, sizeof(*e));
		if (e == NULL)
			return NULL;
		for (size_t i = 0; i < w->ecap; i++) {
			if (w->edges[i].calls == 0)
				continue;
			h = ((size_t)w->edges[i].caller * 0x9e3779b1u ^ w->edges[i].callee) & (cap - 1);
			while (e[h].calls != 0)
				h = (h + 1) & (cap - 1);
			e[h] = w->edges[i];
		}
		free(w->edges);
		w->edges = e;
		w->ecap = cap;
	}
	h = ((size_t)caller * 0x9e3779b1u ^ callee) & (w->ecap - 1);
	while (w->edges[h].calls != 0 &&
	       (w->edges[h].caller != caller || w->edges[h].callee != callee))
		h = (h + 1) & (w->ecap - 1);
	if (w->edges[h].calls == 0) {
		w->edges[h].caller = caller;
		w->edges[h].callee = callee;
		w->en++;
	}
	return &w->edges[h];
}

/* Whether the edge path[d - 1] -> fn is on path[0..d) already. */
static bool ctree_edge_open(const ct_out *w, uint32_t d, uint32_t fn)
{
	for (uint32_t i = d; i-- > 1;)
		if (w->path[i] == fn && w->path[i - 1] == w->path[d - 1])
			return true;
	return false;
}

/* Rows for the callees of holder hd at depth d (path[0..d) above them). */
static void ctree_walk(ct_out *w, const hpi_ctree *o, uint32_t hd, uint32_t d)
{
	for (uint32_t i = N(o, hd).kids; i != 0 && !w->failed; i = N(o, i).next) {
		const ct_node *n = &N(o, i);
		size_t len = w->text.len;
		ct_edge *e;

		if (n->fn >= w->nlabels)
			continue;
		if (d > 0)
			hp_text_putc(&w->text, ';');
		ctree_frame(&w->text, w->labels[n->fn]);
		if (w->sn == w->scap && !hp_plugin_grow(&w->stacks, &w->scap, sizeof(*w->stacks), (uint32_t)w->sn)) {
			w->failed = true;
			return;
		}
		w->stacks[w->sn].text = strdup(w->text.data ? w->text.data : "");
		w->stacks[w->sn].calls = n->calls;
		w->stacks[w->sn].total = n->total;
		w->stacks[w->sn].self = n->self;
		if (w->stacks[w->sn++].text == NULL || w->text.failed) {
			w->failed = true;
			return;
		}
		if ((e = ctree_edge(w, d ? w->path[d - 1] + 1 : 0, n->fn)) == NULL) {
			w->failed = true;
			return;
		}
		e->calls += n->calls;
		e->self += n->self;
		/* the same edge further up the path: this time is already in
		 * that call's (recursion) */
		if (!ctree_edge_open(w, d, n->fn))
			e->total += n->total;
		w->path[d] = n->fn;
		if (n->kh != 0 && d < HPI_CT_MAX_HEIGHT) /* always: cut at the limit */
			ctree_walk(w, o, n->kh, d + 1);
		w->text.len = len;
		if (w->text.data != NULL)
			w->text.data[len] = '\0';
	}
}

static int ctree_stack_cmp(const void *a, const void *b)
{
	return strcmp(((const ct_stack *)a)->text, ((const ct_stack *)b)->text);
}

/* Edges: the most time first, then by names. */
static const char *const *ctree_cmp_labels;
static int ctree_edge_cmp(const void *a, const void *b)
{
	const ct_edge *x = a, *y = b;
	int c;

	if (x->total != y->total)
		return x->total > y->total ? -1 : 1;
	if (x->caller != y->caller) {
		if (x->caller == 0 || y->caller == 0)
			return x->caller == 0 ? -1 : 1;
		if ((c = strcmp(ctree_cmp_labels[x->caller - 1], ctree_cmp_labels[y->caller - 1])))
			return c;
	}
	return strcmp(ctree_cmp_labels[x->callee], ctree_cmp_labels[y->callee]);
}

/* The meta every call-tree section carries: what could not be placed. */
static void ctree_meta(const hpi_ctree *t, const hp_host *h, hp_section *sec)
{
	char v[32];

	snprintf(v, sizeof(v), "%llu", (unsigned long long)t->st.folded);
	h->meta_set(sec, "folded_calls", v);
	snprintf(v, sizeof(v), "%llu", (unsigned long long)t->st.dropped);
	h->meta_set(sec, "dropped_calls", v);
	snprintf(v, sizeof(v), "%llu", (unsigned long long)t->st.orphans);
	h->meta_set(sec, "orphan_calls", v);
	snprintf(v, sizeof(v), "%llu", (unsigned long long)t->st.depth_errors);
	h->meta_set(sec, "depth_errors", v);
}

/* Writes both sections from the walk. */
static int ctree_write(const hpi_ctree *t, const hp_host *h, hp_snapshot *snap, ct_out *w)
{
	hp_section *calls, *stacks;
	size_t ne = 0;

	if (w->sn == 0)
		return 0; /* no call measured: no empty tables */
	calls = h->section_add(snap, "calls", "Calls");
	stacks = h->section_add(snap, "stacks", "Stacks");
	if (calls == NULL || stacks == NULL)
		return HP_ENOMEM;
	h->column_add(calls, "caller", "Caller", HP_UNIT_TEXT);
	h->column_add(calls, "callee", "Callee", HP_UNIT_TEXT);
	h->column_add(calls, "calls", "Calls", HP_UNIT_COUNT);
	h->column_add(calls, "total", "Total", HP_UNIT_NS);
	h->column_add(calls, "self", "Self", HP_UNIT_NS);
	ctree_meta(t, h, calls);
	h->meta_set(calls, "json.all", "1");
	for (size_t i = 0; i < w->ecap; i++)
		if (w->edges[i].calls != 0)
			w->edges[ne++] = w->edges[i];
	ctree_cmp_labels = w->labels;
	qsort(w->edges, ne, sizeof(*w->edges), ctree_edge_cmp);
	for (size_t i = 0; i < ne; i++) {
		size_t r = h->row_add(calls);
		const ct_edge *e = &w->edges[i];
		h->cell_text(calls, r, 0, e->caller ? w->labels[e->caller - 1] : "");
		h->cell_text(calls, r, 1, w->labels[e->callee]);
		h->cell_int(calls, r, 2, (int64_t)e->calls);
		h->cell_int(calls, r, 3, (int64_t)e->total);
		h->cell_int(calls, r, 4, (int64_t)e->self);
	}
	h->column_add(stacks, "stack", "Stack", HP_UNIT_TEXT);
	h->column_add(stacks, "calls", "Calls", HP_UNIT_COUNT);
	h->column_add(stacks, "total", "Total", HP_UNIT_NS);
	h->column_add(stacks, "self", "Self", HP_UNIT_NS);
	ctree_meta(t, h, stacks);
	/* every path in JSON, so a saved report draws its flame graph whole;
	 * too wide for a table */
	h->meta_set(stacks, "json.all", "1");
	h->meta_set(stacks, "table.hide", "1");
	/* the console shows callers and callees in the details pane */
	h->meta_set(calls, "console.hide", "1");
	h->meta_set(stacks, "console.hide", "1");
	h->meta_set(calls, "compare.hide", "1");
	h->meta_set(stacks, "compare.hide", "1");
	qsort(w->stacks, w->sn, sizeof(*w->stacks), ctree_stack_cmp);
	for (size_t i = 0; i < w->sn; i++) {
		size_t r = h->row_add(stacks);
		h->cell_text(stacks, r, 0, w->stacks[i].text);
		h->cell_int(stacks, r, 1, (int64_t)w->stacks[i].calls);
		h->cell_int(stacks, r, 2, (int64_t)w->stacks[i].total);
		h->cell_int(stacks, r, 3, (int64_t)w->stacks[i].self);
	}
	return 0;
}

int hpi_ctree_snapshot(hpi_ctree *t, const hp_host *h, hp_snapshot *snap,
		       const char *const *labels, uint32_t n)
{
	hpi_ctree *o = ctree_new_max(CT_DROP - 1, false);
	uint32_t roots = o != NULL ? ctree_holder_new(o) : 0;
	ct_out w = {.labels = labels, .nlabels = n};
	bool ok = roots != 0;
	int rv = HP_ENOMEM;

	hpi_ctree_sync(t);
	ctree_flush(t);
	/* every thread's tree, the open callers' ended calls as roots */
	if (ok && t->done != 0)
		ok = ctree_copy(o, roots, t, t->done);
	for (size_t i = 0; ok && i < t->thcap; i++) {
		const hpi_ct_thread *th = t->th[i];
		if (th == NULL || th == CT_GONE)
			continue;
		for (uint32_t l = 0; ok && l < th->n; l++)
			if (th->lv[l].holder != 0)
				ok = ctree_copy(o, roots, t, th->lv[l].holder);
		if (ok && th->orphans != 0)
			ok = ctree_copy(o, roots, t, th->orphans);
	}
	w.path = calloc(HPI_CT_MAX_HEIGHT + 2, sizeof(*w.path));
	if (ok && w.path != NULL) {
		ctree_walk(&w, o, roots, 0);
		if (!w.failed)
			rv = ctree_write(t, h, snap, &w);
	}
	for (size_t i = 0; i < w.sn; i++)
		free(w.stacks[i].text);
	free(w.stacks);
	free(w.edges);
	free(w.path);
	hp_text_free(&w.text);
	hpi_ctree_free(o);
	return rv;
}
