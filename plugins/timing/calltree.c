/* SPDX-License-Identifier: MIT */
/*
 * calltree.c - self time and the call tree, on the collector thread.
 *
 * A thread's measured calls arrive in the order they end, each with its
 * start, duration and nesting depth modulo 64 (hotpath.h's HP__DEPTH_TAG).
 * Two passes place them.
 *
 * Forward, as each call arrives: the calls that ended but whose caller is
 * still open are kept per thread as a stack of levels: all the calls of
 * one level are siblings (callees of the same open call), and levels go
 * deeper from bottom to top, because the open calls of a thread form one
 * chain.  A new call pops the top level when that level started at or
 * after the call's start: those are exactly its direct callees (any deeper
 * call was already taken by its own caller), so self = duration - the
 * level's summed durations, from the times alone.  The depth only says
 * whether a call with no callee is a sibling of the top level or deeper;
 * it is checked against the times (depth_errors counts disagreements,
 * which only a jump of 64 levels or more between two consecutive returns
 * can cause).  The call is appended to a batch (CT_BATCH calls of one
 * thread), noting its level; a level popped by a call is owned by it.
 *
 * Backward, when the batch is full, the collector turns to another thread,
 * the thread exits or a snapshot is taken: from the last call to the
 * first, so that every caller is placed before its callees.  A call whose
 * level is owned by a call of the batch goes straight into its caller's
 * node: the node of function fn under holder h (a node's callees, or a
 * level's) is found in one hash table keyed by (h, fn), and only its
 * counters change.  Nothing is merged, whatever the depth.  A call whose
 * caller is still open at the end of the batch goes under its level's
 * holder; when that caller ends in a later batch, the holder becomes its
 * node's callees (or, when the node has callees already, is merged into
 * them: once per open level per batch, not per call).
 *
 * Batches come in two kinds.  A simple batch (the common case: a sibling
 * of the top level, the first callee of a deeper level, the caller of the
 * top level alone) holds only the calls, filled by hpi_ctree_call inline
 * in the timing plugin's record loop; backward, a call's caller is the
 * last call placed one level up (the calls in between are all deeper), or
 * its level's holder when its caller is still open, so one table indexed
 * by depth (t->path) replaces the levels' owners.  Any other call ends the
 * simple batch and goes into a general batch (ct_call, with a table of the
 * levels it involves and their owners), placed before the next call.
 * Every batching gives the same tree, so the kinds mix freely.
 *
 * Memory grows with distinct call paths, never with calls: the thousands
 * of calls a long-running main makes are one node each per distinct path.
 * Bounds: subtrees deeper than HPI_CT_MAX_HEIGHT are folded into the frame
 * at that height (their time becomes its self time; counted as folded),
 * and past HPI_CT_MAX_NODES nodes (holders included) new calls are left
 * out of the tree (counted as dropped).  The Functions table's self times
 * never depend on either.
 *
 * The module's other files: ctree_nodes.c (the nodes), ctree_replay.c
 * (the replay of repeated patterns) and ctree_snap.c (the sections); what
 * they share is in calltree_impl.h.
 */
#include <stdlib.h>
#include <string.h>

#include "calltree_impl.h"

static uint32_t ctree_batch = CT_BATCH; /* tests: smaller batches, for trees made after */
static bool ctree_replay = true;         /* tests: replay off, for trees made after */

void hpi_ctree_test_batch(uint32_t n)
{
	ctree_batch = n >= 1 && n <= CT_BATCH ? n : CT_BATCH;
}

void hpi_ctree_test_replay(bool on)
{
	ctree_replay = on;
}

uint64_t ctree_counts[4]; /* hpi_ctree_test_counts */

void hpi_ctree_test_counts(uint64_t out[4])
{
	memcpy(out, ctree_counts, sizeof(ctree_counts));
}

hpi_ctree *ctree_new_max(uint32_t max, bool batch)
{
	hpi_ctree *t = calloc(1, sizeof(*t));

	if (t == NULL)
		return NULL;
	t->max = max;
	t->gen = 1;
	t->nbucket = 256;
	t->shift = 64 - 8;
	t->bucket = calloc(t->nbucket, sizeof(*t->bucket));
	if (batch) {
		t->calls = malloc(CT_BATCH * sizeof(*t->calls));
		t->b.scalls = (hpi_ct_scall *)t->calls;
		t->lis = malloc(CT_BATCH * sizeof(*t->lis));
		t->path = malloc((HPI_CT_SPAN + 1) * sizeof(*t->path));
	}
	t->b.limit = ctree_batch;
	t->b.rs = &ctree_nostep;
	t->b.rth = &t->nothread;
	t->replay = ctree_replay;
	if (t->bucket == NULL ||
	    (batch && (t->calls == NULL || t->lis == NULL || t->path == NULL))) {
		hpi_ctree_free(t);
		return NULL;
	}
	return t;
}

hpi_ctree *hpi_ctree_new(void)
{
	return ctree_new_max(HPI_CT_MAX_NODES, true);
}

/* Frees one thread's state. */
static void ctree_thread_free(hpi_ct_thread *th)
{
	free(th->rp);
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
	free(t->b.nodes);
	free(t->bucket);
	free(t->calls);
	free(t->lis);
	free(t->path);
	free(t);
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
	if (ctree_cursor(t, th) != NULL)
		ctree_replay_stop(t, th, false);
	ctree_replay_forget(t, th);
	if (t->b.pend == th)
		ctree_flush(t);
	/* its open callers' calls and its orphans: roots */
	for (uint32_t i = 0; i < th->n; i++)
		if (th->lv[i].holder != 0)
			ctree_give(t, &t->done, th->lv[i].holder);
	if (th->orphans != 0)
		ctree_give(t, &t->done, th->orphans);
	t->th[h] = CT_GONE; /* thused still counts it: the table stays sparse */
	if (t->cache == th)
		t->cache = NULL;
	ctree_thread_free(th);
}

/* Room for one more level. */
static bool ctree_level_room(hpi_ct_thread *th)
{
	uint32_t cap = th->cap ? th->cap * 2 : 16;
	hpi_ct_level *p;

	if (th->n < th->cap)
		return true;
	if ((p = realloc(th->lv, cap * sizeof(*p))) == NULL)
		return false;
	th->lv = p;
	th->cap = cap;
	return true;
}

/* ---- calls, forward ------------------------------------------------------- */

/* Level l, popped: owned by call i of the batch (or CT_ORPHAN - 1); its
 * holder (calls of earlier batches) joins *absorb. */
static void ctree_own(hpi_ctree *t, hpi_ct_level *l, uint32_t i, uint32_t *absorb)
{
	if (l->gen == t->gen)
		t->lis[l->li].owner = i + 1;
	if (l->holder != 0)
		ctree_give(t, absorb, l->holder);
	l->holder = 0;
}

/* Levels above full depth whose caller never returned (longjmp): their
 * calls become roots of the thread's orphans. */
static void ctree_orphans(hpi_ctree *t, hpi_ct_thread *th, uint32_t full)
{
	while (th->n > 0 && th->lv[th->n - 1].depth > full) {
		hpi_ct_level *l = &th->lv[--th->n];
		/* its calls of earlier batches now; this batch's when placed */
		if (l->holder != 0)
			for (uint32_t k = N(t, l->holder).kids; k != 0; k = N(t, k).next)
				t->st.orphans += N(t, k).calls;
		ctree_own(t, l, CT_ORPHAN - 1, &th->orphans);
	}
}

/* The batch's entry of level k of th, made on first use in the batch. */
static inline uint32_t ctree_li(hpi_ctree *t, hpi_ct_thread *th, uint32_t k)
{
	hpi_ct_level *l = &th->lv[k];

	if (l->gen != t->gen) {
		l->gen = t->gen;
		l->li = t->nli++;
		t->lis[l->li].owner = 0;
		t->lis[l->li].lvk = k;
	}
	return l->li;
}

/* Any call: hpi_ctree_call's general case. */
static __attribute__((noinline)) uint64_t ctree_call_any(hpi_ctree *t, hpi_ct_thread *th,
							 uint32_t fn, uint64_t start,
							 uint64_t dur, unsigned depth)
{
	hpi_ct_level *top;
	ct_call *c;
	uint64_t csum = 0, self;
	uint32_t h = 0, full, absorb = 0, i, height, cut = CT_ALL;

	if (t->b.pend != th || t->b.ncalls >= t->b.limit) {
		ctree_flush(t);
		t->b.pend = th;
	}
	i = t->b.ncalls;
	top = th->n ? &th->lv[th->n - 1] : NULL;
	if (top != NULL && top->start >= start) {
		/* the top level began within this call: its direct callees */
		full = top->depth - 1;
		if ((full & HP_REC_DEPTH_MASK) != depth)
			t->st.depth_errors++;
		for (;;) {
			ctree_own(t, top, i, &absorb);
			csum += top->sum;
			h = top->height > h ? top->height : h;
			th->n--;
			/* more levels within it: their depths were wrong, and
			 * they are direct callees too (a callee's callees went
			 * with it) */
			if (th->n == 0 || (top = &th->lv[th->n - 1])->start < start)
				break;
			t->st.depth_errors++;
		}
		top = th->n ? &th->lv[th->n - 1] : NULL;
	} else {
		full = top ? top->depth + ((depth - top->depth) & HP_REC_DEPTH_MASK)
			   : CT_BASE + depth;
	}
	self = dur > csum ? dur - csum : 0;
	if (top != NULL && top->depth > full) {
		ctree_orphans(t, th, full);
		top = th->n ? &th->lv[th->n - 1] : NULL;
	}
	if (fn == HPI_CT_NONE) {
		/* left out: its callees take its place */
		height = h;
	} else {
		height = h + 1;
		csum = dur;
		/* half the limit: the next callers up add levels for free
		 * again, so a deep recursion costs O(depth) in all */
		if (height > HPI_CT_MAX_HEIGHT)
			height = cut = HPI_CT_MAX_HEIGHT / 2;
	}
	c = &t->calls[t->b.ncalls++];
	c->absorb = absorb;
	c->cut = cut;
	c->calls = fn == HPI_CT_NONE ? 0 : 1;
	c->total = dur;
	c->self = self;
	c->fn = fn;
	if (top == NULL || top->depth != full) {
		if (!ctree_level_room(th)) {
			c->fn = CT_DROP;
			return self;
		}
		top = &th->lv[th->n++];
		memset(top, 0, sizeof(*top));
		top->start = start;
		top->depth = full;
	}
	top->sum += csum;
	if (height > top->height)
		top->height = height;
	c->lv = ctree_li(t, th, th->n - 1);
	return self;
}

/* Any call, when the simple batch cannot take it: the simple batch is
 * placed, and the call goes into a batch of the general kind, placed
 * before the next call. */
uint64_t hpi_ctree_call_general(hpi_ctree *t, hpi_ct_thread *th, uint32_t fn, uint64_t start,
				uint64_t dur, unsigned depth)
{
	ctree_flush(t);
	t->b.pend = th; /* not spend: a general batch */
	return ctree_call_any(t, th, fn, start, dur, depth);
}

/* hpi_ctree_call when the simple batch cannot take the call as it is: a
 * new batch begins (then the call is taken as usual), or the call goes to
 * ctree_call_general. */
uint64_t hpi_ctree_call_slow(hpi_ctree *t, hpi_ct_thread *th, uint32_t fn, uint64_t start,
			     uint64_t dur, unsigned depth)
{
	if (ctree_cursor(t, th) != NULL)
		ctree_replay_stop(t, th, false);
	if (th->n == 0 || fn == HPI_CT_NONE || th->n == th->cap)
		return hpi_ctree_call_general(t, th, fn, start, dur, depth);
	ctree_flush(t);
	t->b.pend = t->b.spend = th;
	t->b.dmin = t->b.dmax = th->lv[th->n - 1].depth;
	return hpi_ctree_call(t, th, fn, start, dur, depth);
}

void hpi_ctree_leaves(hpi_ctree *t, hpi_ct_thread *th, uint64_t n, uint64_t sum)
{
	ct_call *c;

	if (t->b.pend != th || t->b.ncalls == 0)
		return;
	if (t->b.spend == th) {
		/* the call's level is the top one: no call came after it */
		hpi_ct_scall *s = &t->b.scalls[t->b.ncalls - 1];
		s->calls += n;
		s->total += sum;
		s->self += sum;
		th->lv[th->n - 1].sum += sum;
		return;
	}
	if ((c = &t->calls[t->b.ncalls - 1])->fn == HPI_CT_NONE)
		return;
	c->calls += n;
	c->total += sum;
	c->self += sum;
	if (c->fn != CT_DROP) /* its level is open: no call came after it */
		th->lv[t->lis[c->lv].lvk].sum += sum;
}

/* ---- calls, backward ------------------------------------------------------ */

/* Call c goes nowhere: its calls, and those of its callees from earlier
 * batches, are counted in *count; its callees of this batch follow it. */
static void ctree_count(hpi_ctree *t, ct_call *c, uint64_t *count, uint32_t mode)
{
	*count += c->calls;
	if (c->absorb != 0)
		*count += ctree_free_kids(t, c->absorb);
	c->mode = mode;
}

/* The holder a call with context (mode, node) goes under; 0 at the limit. */
static uint32_t ctree_ctx_holder(hpi_ctree *t, uint32_t mode, uint32_t node)
{
	return mode == CT_M_NODE ? ctree_kids(t, node) : node;
}

/* The holder for the calls of an open level: the level's, made on first
 * use (0 at the limit). */
static uint32_t ctree_open_holder(hpi_ctree *t, uint32_t *holder)
{
	if (*holder == 0)
		*holder = ctree_holder_new(t);
	return *holder;
}

/* Places call i of the batch of thread th: every call after it is placed. */
static void ctree_place(hpi_ctree *t, hpi_ct_thread *th, uint32_t i)
{
	ct_call *c = &t->calls[i];
	uint32_t mode = CT_M_DROP, node = 0, budget = CT_ALL, fold = 0, owner, n;

	if (c->fn != CT_DROP) {
		owner = t->lis[c->lv].owner;
		if (owner == 0)
			node = ctree_open_holder(t, &th->lv[t->lis[c->lv].lvk].holder);
		else if (owner == CT_ORPHAN)
			node = ctree_open_holder(t, &th->orphans);
		else {
			const ct_call *p = &t->calls[owner - 1];
			mode = p->mode;
			node = p->node;
			budget = p->budget;
			fold = p->fold;
		}
		if (owner == 0 || owner == CT_ORPHAN)
			mode = node != 0 ? CT_M_HOLDER : CT_M_DROP;
	}
	if (c->cut < budget)
		budget = c->cut;
	if (mode == CT_M_DROP) {
		ctree_count(t, c, &t->st.dropped, CT_M_DROP);
		return;
	}
	if (mode == CT_M_FOLD) {
		ctree_count(t, c, &t->st.folded, CT_M_FOLD);
		return;
	}
	if (budget == 0 && c->fn != HPI_CT_NONE) {
		/* below the kept levels: its time is fold's self time */
		N(t, fold).self += c->total;
		ctree_count(t, c, &t->st.folded, CT_M_FOLD);
		return;
	}
	if (c->fn == HPI_CT_NONE) {
		/* left out: its callees take its place */
		c->mode = mode;
		c->node = node;
		c->budget = budget;
		c->fold = fold;
		if (c->absorb != 0) {
			uint32_t h = ctree_ctx_holder(t, mode, node);
			if (h == th->orphans) /* they take its place: orphans */
				for (uint32_t k = N(t, c->absorb).kids; k != 0; k = N(t, k).next)
					t->st.orphans += N(t, k).calls;
			ctree_attach(t, &h, c->absorb, budget, fold);
		}
		return;
	}
	if ((n = ctree_get(t, ctree_ctx_holder(t, mode, node), c->fn)) == 0) {
		ctree_count(t, c, &t->st.dropped, CT_M_DROP);
		return;
	}
	N(t, n).calls += c->calls;
	N(t, n).total += c->total;
	N(t, n).self += c->self;
	if (mode == CT_M_HOLDER && node == th->orphans)
		t->st.orphans += c->calls;
	if (budget != CT_ALL)
		budget--;
	if (c->absorb != 0)
		ctree_attach(t, &N(t, n).kh, c->absorb, budget, n);
	c->mode = CT_M_NODE;
	c->node = n;
	c->budget = budget;
	c->fold = n;
}

/* Node n takes call c; c's callees go under it. */
static inline void ctree_bump(hpi_ctree *t, ct_call *c, uint32_t n, uint32_t budget)
{
	uint64_t calls = c->calls, total = c->total;

	N(t, n).calls += calls;
	N(t, n).total += total;
	N(t, n).self += c->self;
	c->mode = CT_M_NODE;
	c->node = n;
	c->budget = budget;
	c->fold = n;
}

/* Places the batch, last call first.  The common case inline: a call with
 * no callee from an earlier batch and no cut, whose node exists, under a
 * caller placed in full or under an open level's holder. */
static void ctree_flush_general(hpi_ctree *t)
{
	hpi_ct_thread *th = t->b.pend;
	ct_call *calls = t->calls;

	for (uint32_t i = t->b.ncalls; th != NULL && i-- > 0;) {
		ct_call *c = &calls[i];
		uint32_t owner, h, n;

		if (c->fn >= CT_DROP || c->absorb != 0 || c->cut != CT_ALL)
			goto any;
		owner = t->lis[c->lv].owner;
		if (owner - 1u < CT_ORPHAN - 1u) {
			const ct_call *p = &calls[owner - 1];
			if (p->mode != CT_M_NODE || p->budget == 0)
				goto any;
			if ((h = N(t, p->node).kh) == 0)
				h = N(t, p->node).kh = p->node;
			if ((n = ctree_find(t, h, c->fn)) == 0)
				goto any;
			ctree_bump(t, c, n, p->budget - (p->budget != CT_ALL));
			continue;
		} else if (owner == 0) {
			h = th->lv[t->lis[c->lv].lvk].holder;
			if (h == 0 || (n = ctree_find(t, h, c->fn)) == 0)
				goto any;
			ctree_bump(t, c, n, CT_ALL);
			continue;
		}
	any:
		ctree_place(t, th, i);
	}
}


/* Call c of a simple batch goes nowhere (the node limit): its calls, and
 * those of its callees from earlier batches, are dropped. */
static __attribute__((noinline)) void ctree_drop_simple(hpi_ctree *t, const hpi_ct_scall *c)
{
	t->st.dropped += c->calls;
	if (c->absorb != 0)
		t->st.dropped += ctree_free_kids(t, c->absorb);
}

/* The node of fn under holder h, made (with no call) when there is none:
 * ctree_get, h being a node's callees' holder or a level's; 0 at the
 * limit. */
static __attribute__((noinline)) uint32_t ctree_get_simple(hpi_ctree *t, uint32_t h, uint32_t fn)
{
	if (N(t, h).fn < CT_DROP && N(t, h).kh == 0)
		N(t, h).kh = h; /* a node, keyed by itself: its first callee */
	return ctree_get(t, h, fn);
}

/* Places a simple batch, last call first: a call's caller is the last call
 * placed one level up (every call after it, before its caller, is deeper),
 * or, when its caller is still open, its level's holder; path[d - dmin + 1]
 * is the holder the callees of the last call placed at depth d are keyed
 * by (0: dropped; CT_LVTAG | k: level k's, made on first use). */
static void ctree_flush_simple(hpi_ctree *t)
{
	hpi_ct_thread *th = t->b.pend;
	const hpi_ct_scall *calls = t->b.scalls;
	uint32_t *path = t->path, base = t->b.dmin - 1;
	ct_node *nodes = t->b.nodes;
	const uint32_t *bucket = t->bucket;
	unsigned shift = t->shift;

	for (uint32_t k = 0; k < th->n; k++) {
		const hpi_ct_level *l = &th->lv[k];
		if (l->depth >= t->b.dmin && l->depth <= t->b.dmax)
			path[l->depth - 1 - base] = l->holder != 0 ? l->holder : CT_LVTAG | k;
	}
	for (uint32_t i = t->b.ncalls; i-- > 0;) {
		const hpi_ct_scall *c = &calls[i];
		uint32_t *up = &path[c->depth - 1 - base], h = *up, fn = c->fn, n;
		ct_node *p;

		/* the common case inline: ctree_find, fn and owner compared
		 * as one word (their order in ct_node) */
		uint64_t key = CT_KEY(h, fn), k;
		n = bucket[(((uint64_t)h << 32) | fn) * UINT64_C(0x9e3779b97f4a7c15) >> shift];
		while (n != 0 && (memcpy(&k, &nodes[n], sizeof(k)), k != key))
			n = nodes[n].hnext;
		if (__builtin_expect(n == 0 || c->absorb != 0, 0)) {
			/* h a level's holder yet to make, dropped, or n new:
			 * nodes and buckets may move */
			if (h & CT_LVTAG) {
				if ((h = ctree_open_holder(t, &th->lv[h & ~CT_LVTAG].holder)) != 0)
					*up = h;
			}
			if (h == 0 || (n == 0 && (n = ctree_get_simple(t, h, fn)) == 0)) {
				ctree_drop_simple(t, c);
				path[c->depth - base] = 0;
			} else {
				N(t, n).calls += c->calls;
				N(t, n).total += c->total;
				N(t, n).self += c->self;
				if (c->absorb != 0)
					ctree_give(t, &N(t, n).kh, c->absorb);
				path[c->depth - base] = N(t, n).kh != 0 ? N(t, n).kh : n;
			}
			nodes = t->b.nodes;
			bucket = t->bucket;
			shift = t->shift;
			continue;
		}
		p = &nodes[n];
		p->calls += c->calls;
		p->total += c->total;
		p->self += c->self;
		path[c->depth - base] = p->kh != 0 ? p->kh : n;
	}
}

/* Places the batch of thread pend, if any; the next batch is a simple one. */
void ctree_flush(hpi_ctree *t)
{
	if (t->b.pend != NULL && t->b.ncalls != 0) {
		if (t->b.spend != NULL)
			ctree_flush_simple(t);
		else
			ctree_flush_general(t);
	}
	t->b.ncalls = 0;
	t->nli = 0;
	t->gen++;
	t->b.pend = NULL;
	t->b.spend = NULL;
}

hpi_ct_stats hpi_ctree_stats(const hpi_ctree *t)
{
	hpi_ct_stats z = {0};

	return t ? t->st : z;
}
