/* SPDX-License-Identifier: MIT */
/*
 * calltree.c - self time and the call tree, on the collector thread.
 *
 * A thread's measured calls arrive in the order they end, each with its
 * start, duration and nesting depth modulo 64 (hotpath.h's HP__DEPTH_TAG).
 * The calls that ended but whose caller is still open are kept per thread
 * as a stack of levels: all the calls of one level are siblings (children
 * of the same open call), and levels go deeper from bottom to top, because
 * the open calls of a thread form one chain.  A new call pops the top level
 * when that level started at or after the call's start: those are exactly
 * its direct callees (any deeper call was already taken by its own
 * caller), so self = duration - the level's summed durations, from the
 * times alone.  The depth only says whether a call with no callee is a
 * sibling of the top level or deeper; it is checked against the times
 * (depth_errors counts disagreements, which only a jump of 64 levels or
 * more between two consecutive returns can cause).
 *
 * Each level holds its calls merged by function into small aggregated
 * subtrees (nodes: function, calls, total, self, callees), so memory grows
 * with distinct call paths, never with calls: the thousands of calls a
 * long-running main makes are one node each per distinct path.  Bounds:
 * subtrees deeper than HPI_CT_MAX_HEIGHT are folded into the frame at that
 * height (their time becomes its self time; counted as folded), and past
 * HPI_CT_MAX_NODES nodes new calls are left out of the tree (counted as
 * dropped).  The Functions table's self times never depend on either.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "calltree.h"
#include "hpi.h"

/* Full depths are kept relative to this, so that a thread's first call,
 * whatever its depth, leaves room below it for its callers. */
#define CT_BASE (1u << 24)

typedef struct ct_node {
	uint32_t fn;     /* function index */
	uint32_t kids;   /* first callee node, 0 = none */
	uint32_t next;   /* next sibling, 0 = none */
	uint32_t height; /* of the subtree: 1 for a call with no callee */
	uint64_t calls, total, self;
} ct_node;

/* Siblings: the ended calls of one open caller. */
typedef struct ct_level {
	uint64_t start;  /* of its first call */
	uint64_t sum;    /* ns: its calls' durations, its caller's callee time */
	uint32_t depth;  /* full depth (CT_BASE-relative) */
	uint32_t kids;   /* node list, one node per function */
	uint32_t height; /* highest subtree of kids */
	uint32_t unused;
} ct_level;

struct hpi_ct_thread {
	uint64_t tid;
	ct_level *lv;
	uint32_t n, cap;
	uint32_t orphans;  /* node list: calls whose caller never returned */
	uint32_t last;     /* node of the last call, 0 = none */
	uint32_t lastlv;   /* its level */
	int last_kind;     /* 0 placed, 1 left out (HPI_CT_NONE), 2 dropped */
};

struct hpi_ctree {
	ct_node *nodes;    /* [0] unused: index 0 is "none" */
	uint32_t used, cap, freelist, max;
	hpi_ct_thread **th; /* open addressing by tid; (void *)1 = removed */
	size_t thcap, thused;
	hpi_ct_thread *cache;
	uint32_t done;     /* node list: the calls of threads that exited */
	hpi_ct_stats st;
};

#define CT_GONE ((hpi_ct_thread *)1)
#define N(t, i) ((t)->nodes[i])

static hpi_ctree *ctree_new_max(uint32_t max)
{
	hpi_ctree *t = calloc(1, sizeof(*t));

	if (t != NULL)
		t->max = max;
	return t;
}

hpi_ctree *hpi_ctree_new(void)
{
	return ctree_new_max(HPI_CT_MAX_NODES);
}

/* Frees one thread's state. */
static void ctree_thread_free(hpi_ct_thread *th)
{
	free(th->lv);
	free(th);
}

void hpi_ctree_free(hpi_ctree *t)
{
	if (t == NULL)
		return;
	for (size_t i = 0; i < t->thcap; i++)
		if (t->th[i] != NULL && t->th[i] != CT_GONE)
			ctree_thread_free(t->th[i]);
	free(t->th);
	free(t->nodes);
	free(t);
}

hpi_ct_stats hpi_ctree_stats(const hpi_ctree *t)
{
	hpi_ct_stats z = {0};

	return t ? t->st : z;
}

/* ---- nodes ---------------------------------------------------------------- */

/* A fresh node, or 0 at the limit or out of memory. */
static uint32_t ctree_alloc(hpi_ctree *t)
{
	uint32_t i = t->freelist;

	if (i != 0) {
		t->freelist = N(t, i).next;
		return i;
	}
	if (t->used + 1 >= t->cap) {
		uint32_t cap = t->cap ? t->cap * 2 : 256;
		ct_node *p;
		if (cap > t->max + 1)
			cap = t->max + 1;
		if (t->used + 1 >= cap || (p = realloc(t->nodes, cap * sizeof(*p))) == NULL)
			return 0;
		t->nodes = p;
		t->cap = cap;
		if (t->used == 0)
			t->used = 1;
	}
	return t->used++;
}

/* Gives a list of subtrees back; returns the calls they held. */
static uint64_t ctree_free_list(hpi_ctree *t, uint32_t i)
{
	uint64_t calls = 0;

	while (i != 0) {
		uint32_t next = N(t, i).next;
		calls += N(t, i).calls + ctree_free_list(t, N(t, i).kids);
		N(t, i).next = t->freelist;
		t->freelist = i;
		i = next;
	}
	return calls;
}

/* The node of function fn in list head, or 0. */
static inline uint32_t ctree_find(const hpi_ctree *t, uint32_t head, uint32_t fn)
{
	for (uint32_t i = head; i != 0; i = N(t, i).next)
		if (N(t, i).fn == fn)
			return i;
	return 0;
}

static void ctree_merge_list(hpi_ctree *t, uint32_t *dst, uint32_t src);

/* Adds node s into the list *dst (merged into its function's node there, or
 * linked in); returns the node that holds it now. */
static uint32_t ctree_merge_node(hpi_ctree *t, uint32_t *dst, uint32_t s)
{
	uint32_t d = ctree_find(t, *dst, N(t, s).fn);

	if (d == 0) {
		N(t, s).next = *dst;
		*dst = s;
		return s;
	}
	N(t, d).calls += N(t, s).calls;
	N(t, d).total += N(t, s).total;
	N(t, d).self += N(t, s).self;
	if (N(t, s).height > N(t, d).height)
		N(t, d).height = N(t, s).height;
	ctree_merge_list(t, &N(t, d).kids, N(t, s).kids);
	N(t, s).next = t->freelist;
	t->freelist = s;
	return d;
}

/* Moves every subtree of list src into list *dst, merged by function. */
static void ctree_merge_list(hpi_ctree *t, uint32_t *dst, uint32_t src)
{
	if (*dst == 0) { /* src's functions are distinct already */
		*dst = src;
		return;
	}
	while (src != 0) {
		uint32_t next = N(t, src).next;
		ctree_merge_node(t, dst, src);
		src = next;
	}
}

/* ---- threads -------------------------------------------------------------- */

/* Slot of tid in the thread table (or the empty slot where it would go). */
static size_t ctree_slot(const hpi_ctree *t, uint64_t tid, bool for_insert)
{
	size_t h = (size_t)(tid * UINT64_C(0x9e3779b97f4a7c15)) & (t->thcap - 1);

	for (;; h = (h + 1) & (t->thcap - 1)) {
		hpi_ct_thread *p = t->th[h];
		if (p == NULL || (for_insert && p == CT_GONE))
			return h;
		if (p != CT_GONE && p->tid == tid)
			return h;
	}
}

/* Doubles (or rebuilds) the thread table. */
static bool ctree_threads_grow(hpi_ctree *t)
{
	size_t cap = t->thcap ? t->thcap * 2 : 16, old = t->thcap;
	hpi_ct_thread **o = t->th;

	if ((t->th = calloc(cap, sizeof(*t->th))) == NULL) {
		t->th = o;
		return false;
	}
	t->thcap = cap;
	t->thused = 0;
	for (size_t i = 0; i < old; i++)
		if (o[i] != NULL && o[i] != CT_GONE) {
			t->th[ctree_slot(t, o[i]->tid, true)] = o[i];
			t->thused++;
		}
	free(o);
	return true;
}

hpi_ct_thread *hpi_ctree_thread(hpi_ctree *t, uint64_t tid)
{
	hpi_ct_thread *th;
	size_t h;

	if (t->cache != NULL && t->cache->tid == tid)
		return t->cache;
	if ((t->thused + 1) * 2 > t->thcap && !ctree_threads_grow(t))
		return NULL;
	h = ctree_slot(t, tid, false);
	if (t->th[h] == NULL) {
		if ((th = calloc(1, sizeof(*th))) == NULL)
			return NULL;
		th->tid = tid;
		t->st.threads++;
		h = ctree_slot(t, tid, true);
		t->th[h] = th;
		t->thused++;
	}
	return t->cache = t->th[h];
}

void hpi_ctree_thread_exit(hpi_ctree *t, uint64_t tid)
{
	hpi_ct_thread *th;
	size_t h;

	if (t->thcap == 0)
		return;
	h = ctree_slot(t, tid, false);
	if ((th = t->th[h]) == NULL)
		return;
	for (uint32_t i = 0; i < th->n; i++)
		ctree_merge_list(t, &t->done, th->lv[i].kids);
	ctree_merge_list(t, &t->done, th->orphans);
	t->th[h] = CT_GONE; /* thused still counts it: the table stays sparse */
	if (t->cache == th)
		t->cache = NULL;
	ctree_thread_free(th);
}

/* Room for one more level. */
static bool ctree_level_room(hpi_ct_thread *th)
{
	uint32_t cap = th->cap ? th->cap * 2 : 16;
	ct_level *p;

	if (th->n < th->cap)
		return true;
	if ((p = realloc(th->lv, cap * sizeof(*p))) == NULL)
		return false;
	th->lv = p;
	th->cap = cap;
	return true;
}

/* ---- calls ---------------------------------------------------------------- */

/* Keeps the top keep levels of n's subtree: the callees below them are
 * folded into their caller at the last kept level (their time becomes its
 * self time). */
static void ctree_cut(hpi_ctree *t, uint32_t n, uint32_t keep)
{
	uint32_t h = 0;

	if (keep <= 1) {
		for (uint32_t k = N(t, n).kids; k != 0; k = N(t, k).next)
			N(t, n).self += N(t, k).total;
		t->st.folded += ctree_free_list(t, N(t, n).kids);
		N(t, n).kids = 0;
		N(t, n).height = 1;
		return;
	}
	for (uint32_t k = N(t, n).kids; k != 0; k = N(t, k).next) {
		if (N(t, k).height > keep - 1)
			ctree_cut(t, k, keep - 1);
		h = N(t, k).height > h ? N(t, k).height : h;
	}
	N(t, n).height = h + 1;
}

/* The node of a call of fn with callees kids (of height h): 0 when left out
 * (counted), else the node, its subtree cut at the height limit. */
static uint32_t ctree_call_node(hpi_ctree *t, uint32_t fn, uint64_t dur, uint64_t self,
				uint32_t kids, uint32_t h)
{
	uint32_t n = ctree_alloc(t);

	if (n == 0) {
		t->st.dropped += 1 + ctree_free_list(t, kids);
		return 0;
	}
	N(t, n).fn = fn;
	N(t, n).kids = kids;
	N(t, n).next = 0;
	N(t, n).height = h + 1;
	N(t, n).calls = 1;
	N(t, n).total = dur;
	N(t, n).self = self;
	/* half the limit: the next callers up add levels for free again,
	 * so a deep recursion costs O(depth) in all */
	if (h + 1 > HPI_CT_MAX_HEIGHT)
		ctree_cut(t, n, HPI_CT_MAX_HEIGHT / 2);
	return n;
}

/* Levels above full depth whose caller never returned (longjmp): their
 * calls become roots of the thread's orphans. */
static void ctree_orphans(hpi_ctree *t, hpi_ct_thread *th, uint32_t full)
{
	while (th->n > 0 && th->lv[th->n - 1].depth > full) {
		ct_level *l = &th->lv[--th->n];
		for (uint32_t k = l->kids; k != 0; k = N(t, k).next)
			t->st.orphans += N(t, k).calls;
		ctree_merge_list(t, &th->orphans, l->kids);
	}
}

uint64_t hpi_ctree_call(hpi_ctree *t, hpi_ct_thread *th, uint32_t fn, uint64_t start,
			uint64_t dur, unsigned depth)
{
	ct_level *top = th->n ? &th->lv[th->n - 1] : NULL;
	uint64_t csum = 0, self, sum;
	uint32_t kids = 0, h = 0, full, list, d;

	if (top != NULL && top->start >= start) {
		/* the top level began within this call: its direct callees */
		kids = top->kids;
		csum = top->sum;
		h = top->height;
		full = top->depth - 1;
		if ((full & HP__DEPTH_MASK) != depth)
			t->st.depth_errors++;
		th->n--;
		/* more levels within it: their depths were wrong, and they
		 * are direct callees too (a callee's callees went with it) */
		while (th->n > 0 && (top = &th->lv[th->n - 1])->start >= start) {
			t->st.depth_errors++;
			ctree_merge_list(t, &kids, top->kids);
			csum += top->sum;
			h = top->height > h ? top->height : h;
			th->n--;
		}
		top = th->n ? &th->lv[th->n - 1] : NULL;
	} else {
		full = top ? top->depth + ((depth - top->depth) & HP__DEPTH_MASK)
			   : CT_BASE + depth;
	}
	self = dur > csum ? dur - csum : 0;
	if (top != NULL && top->depth > full) {
		ctree_orphans(t, th, full);
		top = th->n ? &th->lv[th->n - 1] : NULL;
	}
	/* most calls: their function has a node among their siblings already */
	if (fn != HPI_CT_NONE && top != NULL && top->depth == full && h < HPI_CT_MAX_HEIGHT &&
	    (d = ctree_find(t, top->kids, fn)) != 0) {
		N(t, d).calls++;
		N(t, d).total += dur;
		N(t, d).self += self;
		if (h + 1 > N(t, d).height)
			N(t, d).height = h + 1;
		ctree_merge_list(t, &N(t, d).kids, kids);
		top->sum += dur;
		if (N(t, d).height > top->height)
			top->height = N(t, d).height;
		th->last = d;
		th->lastlv = th->n - 1;
		th->last_kind = 0;
		return self;
	}
	if (fn == HPI_CT_NONE) {
		/* left out: its callees take its place */
		list = kids;
		sum = csum;
		th->last_kind = 1;
	} else {
		list = ctree_call_node(t, fn, dur, self, kids, h);
		sum = dur;
		th->last_kind = list ? 0 : 2;
		h = list ? N(t, list).height : 0;
	}
	if (top == NULL || top->depth != full) {
		if (!ctree_level_room(th)) {
			t->st.dropped += ctree_free_list(t, list);
			th->last = 0;
			th->last_kind = 2;
			return self;
		}
		top = &th->lv[th->n++];
		top->start = start;
		top->sum = 0;
		top->depth = full;
		top->kids = 0;
		top->height = 0;
	}
	top->sum += sum;
	if (h > top->height)
		top->height = h;
	th->lastlv = th->n - 1;
	th->last = 0;
	if (fn == HPI_CT_NONE)
		ctree_merge_list(t, &top->kids, list);
	else if (list != 0)
		th->last = ctree_merge_node(t, &top->kids, list);
	return self;
}

void hpi_ctree_leaves(hpi_ctree *t, hpi_ct_thread *th, uint64_t n, uint64_t sum)
{
	if (th->last_kind == 1 || th->lastlv >= th->n)
		return;
	th->lv[th->lastlv].sum += sum;
	if (th->last != 0) {
		N(t, th->last).calls += n;
		N(t, th->last).total += sum;
		N(t, th->last).self += sum;
	} else {
		t->st.dropped += n;
	}
}

/* ---- the sections --------------------------------------------------------- */

/* Copies the subtrees of list src (of tree s) into list *dst of tree o,
 * merged by function. */
static bool ctree_copy(hpi_ctree *o, uint32_t *dst, const hpi_ctree *s, uint32_t src)
{
	for (; src != 0; src = N(s, src).next) {
		uint32_t d = ctree_find(o, *dst, N(s, src).fn);
		if (d == 0) {
			if ((d = ctree_alloc(o)) == 0)
				return false;
			memset(&N(o, d), 0, sizeof(N(o, d)));
			N(o, d).fn = N(s, src).fn;
			N(o, d).next = *dst;
			*dst = d;
		}
		N(o, d).calls += N(s, src).calls;
		N(o, d).total += N(s, src).total;
		N(o, d).self += N(s, src).self;
		if (!ctree_copy(o, &N(o, d).kids, s, N(s, src).kids))
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
	hpi_buf text;       /* the current path's text */
	bool failed;
} ct_out;

/* A label as a stack frame (';' would split it). */
static void ctree_frame(hpi_buf *b, const char *label)
{
	for (const char *c = label; *c; c++)
		hpi_buf_putc(b, *c == ';' ? ':' : *c);
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

/* Rows for the subtrees of list i at depth d (path[0..d) above them). */
static void ctree_walk(ct_out *w, const hpi_ctree *o, uint32_t i, uint32_t d)
{
	for (; i != 0 && !w->failed; i = N(o, i).next) {
		const ct_node *n = &N(o, i);
		size_t len = w->text.len;
		ct_edge *e;

		if (n->fn >= w->nlabels)
			continue;
		if (d > 0)
			hpi_buf_putc(&w->text, ';');
		ctree_frame(&w->text, w->labels[n->fn]);
		if (w->sn == w->scap && !hpi_grow(&w->stacks, &w->scap, sizeof(*w->stacks), w->sn)) {
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
		ctree_walk(w, o, n->kids, d + 1);
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
	hpi_ctree *o = ctree_new_max(UINT32_MAX - 1);
	uint32_t roots = 0;
	ct_out w = {.labels = labels, .nlabels = n};
	bool ok = o != NULL;
	int rv = HP_ENOMEM;

	/* every thread's tree, the open callers' ended calls as roots */
	ok = ok && ctree_copy(o, &roots, t, t->done);
	for (size_t i = 0; ok && i < t->thcap; i++) {
		const hpi_ct_thread *th = t->th[i];
		if (th == NULL || th == CT_GONE)
			continue;
		for (uint32_t l = 0; ok && l < th->n; l++)
			ok = ctree_copy(o, &roots, t, th->lv[l].kids);
		ok = ok && ctree_copy(o, &roots, t, th->orphans);
	}
	hpi_buf_init(&w.text);
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
	hpi_buf_fini(&w.text);
	hpi_ctree_free(o);
	return rv;
}
