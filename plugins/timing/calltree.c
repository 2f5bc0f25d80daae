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
 */
#define _POSIX_C_SOURCE 200809L /* strdup */
#include <stdlib.h>
#include <string.h>

#include "calltree.h" /* hotpath/plugin.h: all it uses of hotpath */

/* Full depths are kept relative to this, so that a thread's first call,
 * whatever its depth, leaves room below it for its callers. */
#define CT_BASE (1u << 24)
/* Calls placed per backward pass. */
#define CT_BATCH 4096u
/* Node and call markers, above any function index. */
#define CT_HOLDER (UINT32_MAX - 1) /* a node that only holds callees */
#define CT_FREE (UINT32_MAX - 2)   /* on the free list */
#define CT_DROP (UINT32_MAX - 3)   /* a call with no room for its level */
#define CT_ALL UINT32_MAX          /* a budget: every level kept */
#define CT_ORPHAN UINT32_MAX       /* a level owner: the caller never returned */

typedef hpi_ct_node ct_node; /* calltree.h */

/* fn and owner as the word they make in memory */
#if __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
#define CT_KEY(owner, fn) (((uint64_t)(fn) << 32) | (owner))
#else
#define CT_KEY(owner, fn) (((uint64_t)(owner) << 32) | (fn))
#endif


/* A call of the batch. */
typedef struct ct_call {
	uint32_t fn;     /* function, HPI_CT_NONE or CT_DROP */
	uint32_t lv;     /* its level's entry in the batch's level table */
	uint32_t absorb; /* holder of its callees from earlier batches, or 0 */
	uint32_t cut;    /* levels kept from it down, CT_ALL: all */
	uint64_t self;
	union {
		struct {
			uint64_t calls, total;
		};
		/* once placed by the backward pass, for its callees: */
		struct {
			uint32_t mode;   /* CT_M_* */
			uint32_t node;   /* CT_M_NODE: a node; CT_M_HOLDER: a holder */
			uint32_t budget; /* levels they may still take, CT_ALL: all */
			uint32_t fold;   /* the node their time goes to when none is left */
		};
	};
} ct_call;

enum { CT_M_NODE, CT_M_HOLDER, CT_M_FOLD, CT_M_DROP };


_Static_assert(sizeof(hpi_ct_scall) <= sizeof(ct_call), "a simple batch fits in the batch");

/* A path entry: level k's holder, made on first use. */
#define CT_LVTAG 0x80000000u

/* A level as the batch sees it. */
typedef struct ct_li {
	uint32_t owner;  /* 0 open, CT_ORPHAN, else the owning call's index + 1 */
	uint32_t lvk;    /* its index in the thread's level stack */
} ct_li;


struct hpi_ctree {
	hpi_ct_batch b;    /* first: the inline path's */
	uint32_t used, cap, freelist, max;
	uint32_t *bucket;  /* hash of (owner, fn) -> node chain */
	uint32_t nbucket, hashed;
	unsigned shift;    /* 64 - log2(nbucket) */
	hpi_ct_thread **th; /* open addressing by tid; (void *)1 = removed */
	size_t thcap, thused;
	hpi_ct_thread *cache;
	uint32_t done;     /* holder: the calls of threads that exited */
	ct_call *calls;    /* the batch, of thread b.pend (b.scalls's memory) */
	ct_li *lis;
	uint32_t nli;
	uint32_t *path;    /* HPI_CT_SPAN + 1: by depth less dmin - 1, the
			    * holder a call's callees are keyed by */
	uint64_t gen;      /* the batch's number */
	bool replay;       /* patterns are learnt and replayed */
	hpi_ct_stats st;
};

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

static uint64_t ctree_counts[4]; /* hpi_ctree_test_counts */

void hpi_ctree_test_counts(uint64_t out[4])
{
	memcpy(out, ctree_counts, sizeof(ctree_counts));
}

#define CT_GONE ((hpi_ct_thread *)1)

static void ctree_replay_rebase(hpi_ctree *t);
#define N(t, i) ((t)->b.nodes[i])

static hpi_ctree *ctree_new_max(uint32_t max, bool batch)
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

/* ---- nodes ---------------------------------------------------------------- */

/* The bucket of (owner, fn). */
static inline uint32_t ctree_hash(const hpi_ctree *t, uint32_t owner, uint32_t fn)
{
	return (uint32_t)(((((uint64_t)owner << 32) | fn) * UINT64_C(0x9e3779b97f4a7c15)) >>
			  t->shift);
}

/* The node of function fn under holder owner, or 0. */
static inline uint32_t ctree_find(const hpi_ctree *t, uint32_t owner, uint32_t fn)
{
	for (uint32_t i = t->bucket[ctree_hash(t, owner, fn)]; i != 0; i = N(t, i).hnext)
		if (N(t, i).fn == fn && N(t, i).owner == owner)
			return i;
	return 0;
}

/* Doubles the hash table (keeps the old one, longer chains, when out of
 * memory). */
static void ctree_rehash(hpi_ctree *t)
{
	uint32_t nb = t->nbucket * 2, *b = calloc(nb, sizeof(*b));

	if (b == NULL)
		return;
	free(t->bucket);
	t->bucket = b;
	t->nbucket = nb;
	t->shift--;
	for (uint32_t i = 1; i < t->used; i++) {
		if (N(t, i).fn >= CT_DROP)
			continue; /* a holder or free: not hashed */
		uint32_t h = ctree_hash(t, N(t, i).owner, N(t, i).fn);
		N(t, i).hnext = b[h];
		b[h] = i;
	}
}

/* Hashes node i under its owner and fn. */
static void ctree_hash_add(hpi_ctree *t, uint32_t i)
{
	uint32_t h = ctree_hash(t, N(t, i).owner, N(t, i).fn);

	N(t, i).hnext = t->bucket[h];
	t->bucket[h] = i;
	if (++t->hashed > t->nbucket)
		ctree_rehash(t);
}

/* Unhashes node i. */
static void ctree_hash_del(hpi_ctree *t, uint32_t i)
{
	uint32_t *p = &t->bucket[ctree_hash(t, N(t, i).owner, N(t, i).fn)];

	while (*p != i)
		p = &N(t, *p).hnext;
	*p = N(t, i).hnext;
	t->hashed--;
}

/* A fresh node, zeroed, or 0 at the limit or out of memory. */
static uint32_t ctree_alloc(hpi_ctree *t)
{
	uint32_t i = t->freelist;

	if (i != 0) {
		t->freelist = N(t, i).next;
	} else {
		if (t->used + 1 >= t->cap) {
			uint32_t cap = t->cap ? t->cap * 2 : 256;
			ct_node *p;
			if (cap > t->max + 1)
				cap = t->max + 1;
			if (t->used + 1 >= cap ||
			    (p = realloc(t->b.nodes, cap * sizeof(*p))) == NULL)
				return 0;
			t->b.nodes = p;
			t->cap = cap;
			ctree_replay_rebase(t);
			if (t->used == 0)
				t->used = 1;
		}
		i = t->used++;
	}
	memset(&N(t, i), 0, sizeof(N(t, i)));
	return i;
}

/* A new, empty holder, or 0. */
static uint32_t ctree_holder_new(hpi_ctree *t)
{
	uint32_t i = ctree_alloc(t);

	if (i != 0)
		N(t, i).fn = CT_HOLDER;
	return i;
}

/* Gives node i back (unhashed first if it is a callee). */
static void ctree_release(hpi_ctree *t, uint32_t i)
{
	if (N(t, i).fn < CT_DROP)
		ctree_hash_del(t, i);
	N(t, i).fn = CT_FREE;
	N(t, i).next = t->freelist;
	t->freelist = i;
}

/* The holder of node n's callees, n itself when it had none. */
static inline uint32_t ctree_kids(hpi_ctree *t, uint32_t n)
{
	if (N(t, n).kh == 0)
		N(t, n).kh = n;
	return N(t, n).kh;
}

/* The node of function fn under holder h, created (with no call) on first
 * use; 0 at the limit. */
static uint32_t ctree_get(hpi_ctree *t, uint32_t h, uint32_t fn)
{
	uint32_t i = ctree_find(t, h, fn);

	if (i != 0 || (i = ctree_alloc(t)) == 0)
		return i;
	N(t, i).fn = fn;
	N(t, i).owner = h;
	N(t, i).next = N(t, h).kids;
	N(t, h).kids = i;
	ctree_hash_add(t, i);
	return i;
}

static uint64_t ctree_free_node(hpi_ctree *t, uint32_t n);

/* Gives holder h's callees back, h too unless it is a node of its own;
 * returns the calls they held. */
static uint64_t ctree_free_kids(hpi_ctree *t, uint32_t h)
{
	uint64_t calls = 0;

	for (uint32_t k = N(t, h).kids, next; k != 0; k = next) {
		next = N(t, k).next;
		calls += ctree_free_node(t, k);
	}
	N(t, h).kids = 0;
	if (N(t, h).fn == CT_HOLDER)
		ctree_release(t, h);
	return calls;
}

/* Gives node n and its subtree back; returns the calls they held. */
static uint64_t ctree_free_node(hpi_ctree *t, uint32_t n)
{
	uint64_t calls = N(t, n).calls;

	if (N(t, n).kh != 0 && N(t, n).kh != n)
		calls += ctree_free_kids(t, N(t, n).kh);
	else if (N(t, n).kh == n)
		calls += ctree_free_kids(t, n);
	ctree_release(t, n);
	return calls;
}

static void ctree_merge_kids(hpi_ctree *t, uint32_t dst, uint32_t src);

/* Moves node s (a callee of another holder, unlinked from its list) under
 * holder dst, merged into the node of its function there if any. */
static void ctree_merge_node(hpi_ctree *t, uint32_t dst, uint32_t s)
{
	uint32_t d = ctree_find(t, dst, N(t, s).fn), sk = N(t, s).kh;

	if (d == 0) { /* re-keyed; its own callees stay keyed by its holder */
		ctree_hash_del(t, s);
		N(t, s).owner = dst;
		N(t, s).next = N(t, dst).kids;
		N(t, dst).kids = s;
		ctree_hash_add(t, s);
		return;
	}
	N(t, d).calls += N(t, s).calls;
	N(t, d).total += N(t, s).total;
	N(t, d).self += N(t, s).self;
	if (sk != 0 && N(t, d).kh == 0) {
		if (sk == s) { /* s stays, as the holder of d's callees */
			ctree_hash_del(t, s);
			N(t, s).fn = CT_HOLDER;
			N(t, s).owner = 0;
			N(t, d).kh = s;
			return;
		}
		N(t, d).kh = sk;
	} else if (sk != 0) {
		ctree_merge_kids(t, N(t, d).kh, sk);
		if (sk != s)
			ctree_release(t, sk);
	}
	ctree_release(t, s);
}

/* Moves every callee of holder src under holder dst, merged by function;
 * src is left empty. */
static void ctree_merge_kids(hpi_ctree *t, uint32_t dst, uint32_t src)
{
	for (uint32_t k = N(t, src).kids, next; k != 0; k = next) {
		next = N(t, k).next;
		ctree_merge_node(t, dst, k);
	}
	N(t, src).kids = 0;
}

/* Holder src joins the holder at *dst (becomes it when there is none). */
static void ctree_give(hpi_ctree *t, uint32_t *dst, uint32_t src)
{
	if (*dst == 0) {
		*dst = src;
		return;
	}
	ctree_merge_kids(t, *dst, src);
	ctree_release(t, src);
}

/* Keeps the top keep levels of n's subtree: the callees below them are
 * folded into their caller at the last kept level (their time becomes its
 * self time). */
static void ctree_cut(hpi_ctree *t, uint32_t n, uint32_t keep)
{
	uint32_t h = N(t, n).kh;

	if (h == 0)
		return;
	if (keep <= 1) {
		for (uint32_t k = N(t, h).kids; k != 0; k = N(t, k).next)
			N(t, n).self += N(t, k).total;
		t->st.folded += ctree_free_kids(t, h);
		N(t, n).kh = 0;
		return;
	}
	for (uint32_t k = N(t, h).kids; k != 0; k = N(t, k).next)
		ctree_cut(t, k, keep - 1);
}

/* Holder src's calls (from earlier batches) become callees with budget
 * levels left: folded into node fold when there is none, else cut to the
 * budget; then joined to the holder at *dst (which they become when there
 * is none).  dst may point into the nodes: nothing here allocates. */
static void ctree_attach(hpi_ctree *t, uint32_t *dst, uint32_t src, uint32_t budget,
			 uint32_t fold)
{
	if (budget == 0) {
		for (uint32_t k = N(t, src).kids; k != 0; k = N(t, k).next)
			N(t, fold).self += N(t, k).total;
		t->st.folded += ctree_free_kids(t, src);
		return;
	}
	if (budget != CT_ALL)
		for (uint32_t k = N(t, src).kids; k != 0; k = N(t, k).next)
			ctree_cut(t, k, budget);
	ctree_give(t, dst, src);
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

static void ctree_flush(hpi_ctree *t);
static void ctree_replay_stop(hpi_ctree *t, hpi_ct_thread *th, bool missed);

void hpi_ctree_thread_exit(hpi_ctree *t, uint64_t tid)
{
	hpi_ct_thread *th;
	size_t h;

	if (t->thcap == 0)
		return;
	h = ctree_slot(t, tid, false);
	if ((th = t->th[h]) == NULL)
		return;
	if (th->rs != NULL)
		ctree_replay_stop(t, th, false);
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
	if (th->rs != NULL)
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

/* ---- replay --------------------------------------------------------------- */

/*
 * A thread's records often repeat: the same calls, in the same order, under
 * the same open callers (a loop's body).  When they do, every record goes
 * to the node it went to last time round, and its self time is its
 * duration less its callees', which came just before it.  So, at the
 * lowest level the thread's calls join (the anchor: after a while spent
 * watching, the fewest levels seen when a call joins a level that was
 * there before it, not one it begins), the records from one of its calls
 * (a root) to the next (or the next few) are learnt as a pattern: they go
 * through the usual path, then through a backward pass, and their nodes
 * are looked up.  From then on each record
 * is checked against the pattern's next step (hpi_ctree_run, inline): the
 * same key (site word: function and depth mod 64), and a start that puts it
 * where the usual path would (after the first call of the level it joins
 * or goes above, before that of the level it takes as its callees, after
 * that of the level below those).  The forward pass's decisions then are
 * the pattern's, so its node, its self time and its level's sums are
 * known: the record adds to its node, its duration to its level's sum in
 * a slot per level, and is kept.  The thread's levels are left as they
 * were at the pattern's start, the anchor's sum growing in slot 0.
 *
 * Exactly what the usual path gives: a root's subtree is placed when the
 * root is, into the nodes the usual path would use (its caller is open,
 * so its node is in the anchor's holder, which stays while the anchor is
 * open).  A record that disagrees (a new call, another order, a depth or
 * start the usual path would take another way, a caller that never
 * returned), a snapshot in the middle of a root's subtree, the thread's
 * exit or any call through hpi_ctree_call stops the replay: the records
 * since the last root are taken out of their nodes and go through the
 * usual path, as if never replayed, before that record.  A thread whose
 * patterns keep failing tries less often (rwait: 64 records doubling to
 * 16,384), and one that alternates between roots learns 2, 4, 8 of them
 * at a time.  Memory: one pattern per thread (HPI_CT_RSTEPS records, up to
 * HPI_CT_RSLOTS levels deep; longer or deeper ones are not learnt), about
 * 8 KiB, made on the thread's first try.
 */

/* Records to wait before trying again after fails failures. */
static uint32_t ctree_rwait(uint32_t fails)
{
	return fails >= 8 ? 16384u : 64u << fails;
}

/* The next try: after wait records, it watches the thread's levels for a
 * while, then learns from its fewest. */
static void ctree_learn_later(hpi_ct_thread *th, hpi_ct_replay *r, uint32_t wait)
{
	r->learning = 0;
	r->watch = 32;
	r->lw = UINT32_MAX;
	r->armwait = 0;
	th->rwait = wait;
}

/* Learning failed: try later. */
static void ctree_learn_fail(hpi_ct_thread *th, hpi_ct_replay *r)
{
	r->lwant = 1;
	ctree_learn_later(th, r, ctree_rwait(++r->fails));
}

/* The highest set bit of m (m != 0). */
static inline uint32_t ctree_top(uint64_t m)
{
	return 63u - (uint32_t)__builtin_clzll(m);
}

/* The pattern's records all went through the usual path: its levels'
 * slots from their depths, then, once placed, their nodes. */
static void ctree_learn_end(hpi_ctree *t, hpi_ct_thread *th, hpi_ct_replay *r)
{
	uint32_t hold[HPI_CT_RSLOTS + 1] = {0}, ns = r->lcount;
	uint64_t open = 1; /* slot 0: the anchor */

	for (uint32_t j = 0; j < ns; j++) {
		hpi_ct_step *s = &r->step[j];
		uint32_t rr = s->r, top = ctree_top(open);

		if (open >> (rr + 1) & 1) {
			/* its callees' level, on top: it takes them */
			if (top != rr + 1)
				goto fail;
			open &= ~(UINT64_C(1) << (rr + 1));
			s->in_slot = (uint8_t)(rr + 1);
			s->b = &r->start[rr + 1];
			s->a = &r->start[ctree_top(open & ((UINT64_C(2) << rr) - 1))];
		} else {
			if (top > rr) /* a deeper level left open: not a pattern */
				goto fail;
			s->in_slot = HPI_CT_RZ;
			s->b = &r->start[HPI_CT_RZ];
			s->a = &r->start[top];
		}
		s->in = &r->acc[s->in_slot];
		s->acc = &r->acc[rr];
		if (open >> rr & 1) {
			s->st = &r->start[HPI_CT_RSPARE];
		} else {
			s->st = &r->start[rr];
			open |= UINT64_C(1) << rr;
		}
		s->c = &r->cur[j];
		s->next = j + 1 < ns ? s + 1 : r->step;
		s->root = rr == 0;
		if (s->root && open != 1)
			goto fail;
	}
	if (ns == 0 || !r->step[ns - 1].root)
		goto fail;
	ctree_flush(t);
	hold[0] = th->lv[r->n0 - 1].holder;
	for (uint32_t j = ns; j-- > 0;) {
		hpi_ct_step *s = &r->step[j];
		uint32_t h = hold[s->r], nd;

		if (h == 0 || (nd = ctree_find(t, h, s->fn)) == 0)
			goto fail; /* dropped: the node limit */
		s->node = nd;
		s->np = &N(t, nd);
		hold[s->r + 1] = N(t, nd).kh != 0 ? N(t, nd).kh : nd;
	}
	memset(r->acc, 0, sizeof(r->acc));
	r->start[0] = th->lv[r->n0 - 1].start;
	r->start[HPI_CT_RZ] = UINT64_MAX;
	r->nsteps = ns;
	r->good = N(t, r->step[ns - 1].node).calls;
	r->learning = 0;
	th->rs = r->step;
	ctree_counts[0]++;
	return;
fail:
	ctree_learn_fail(th, r);
}

/* After a run placed by the usual path: the pattern being learnt takes it,
 * or one begins at a call of the bottom level. */
static void ctree_learn(hpi_ctree *t, hpi_ct_thread *th, uint32_t key, uint32_t fn,
			unsigned depth, uint64_t start, uint32_t nb)
{
	hpi_ct_replay *r = th->rp;
	uint32_t full, rel;
	hpi_ct_step *s;

	if (r == NULL) {
		if ((r = th->rp = calloc(1, sizeof(*r))) == NULL) {
			th->rwait = UINT32_MAX; /* never: no memory */
			return;
		}
		r->lwant = 1;
		ctree_learn_later(th, r, 0);
	}
	if (t->b.spend != th || th->n == 0) {
		/* through a general batch: not a pattern's */
		if (r->learning)
			ctree_learn_fail(th, r);
		return;
	}
	full = t->b.scalls[t->b.ncalls - 1].depth;
	if (!r->learning) {
		/* the lowest level calls join (not one they begin, or take
		 * the place of): the anchor */
		bool joined = th->n + 1 == nb || (th->n == nb && th->lv[th->n - 1].start != start);

		if (!joined) {
			if (r->watch == 0 && ++r->armwait > 256)
				ctree_learn_later(th, r, 0);
		} else if (r->watch != 0) {
			r->watch--;
			r->lw = th->n < r->lw ? th->n : r->lw;
		} else if (th->n == r->lw) {
			r->learning = 1;
			r->lcount = r->lroots = 0;
			r->n0 = th->n;
			r->ldepth = full;
			r->lstart = th->lv[th->n - 1].start;
		} else if (th->n < r->lw || ++r->armwait > 256) {
			ctree_learn_later(th, r, 0);
		}
		return;
	}
	rel = full - r->ldepth;
	if (th->n < r->n0 || th->lv[r->n0 - 1].depth != r->ldepth ||
	    th->lv[r->n0 - 1].start != r->lstart || rel >= HPI_CT_RSLOTS ||
	    r->lcount == HPI_CT_RSTEPS) {
		ctree_learn_fail(th, r);
		return;
	}
	s = &r->step[r->lcount++];
	s->key = key;
	s->fn = fn;
	s->depth = (uint8_t)depth;
	s->r = (uint8_t)rel;
	if (rel == 0 && ++r->lroots == r->lwant)
		ctree_learn_end(t, th, r);
}

/* The replay of th stops (missed: a record disagreed): the anchor's sum
 * is brought up to date, and the records since the last root are taken
 * out of their nodes and go through the usual path. */
static void ctree_replay_stop(hpi_ctree *t, hpi_ct_thread *th, bool missed)
{
	hpi_ct_replay *r = th->rp;
	uint64_t acc[HPI_CT_RSLOTS + 2] = {0}, good;
	uint32_t k = (uint32_t)(th->rs - r->step), k0 = k;

	/* the records since the last root: k0 to k */
	while (k0 > 0 && !r->step[k0 - 1].root)
		k0--;
	th->rs = NULL;
	th->lv[r->n0 - 1].sum += r->acc[0];
	for (uint32_t j = k0; j < k; j++) {
		const hpi_ct_step *s = &r->step[j];
		const hpi_ct_rec *c = &r->cur[j];
		uint64_t x = acc[s->in_slot], self = (c->v0 > x ? c->v0 - x : 0) + (c->sum - c->v0);

		acc[s->in_slot] = 0;
		acc[s->r] += c->sum;
		s->np->calls -= c->n;
		s->np->total -= c->sum;
		s->np->self -= self;
	}
	/* how many times round: the last root's calls since */
	good = r->step[r->nsteps - 1].np->calls - r->good;
	ctree_counts[1] += good;
	ctree_counts[2] += k > k0;
	ctree_counts[3] += missed;
	if (!missed) {
		ctree_learn_later(th, r, 0);
	} else if (good >= 4) { /* it held a while: try again at once */
		r->fails = 0;
		r->lwant = 1;
		ctree_learn_later(th, r, 0);
	} else {
		if (good < 2 && r->lwant < 8)
			r->lwant *= 2; /* perhaps it alternates between roots */
		else
			r->lwant = 1;
		ctree_learn_later(th, r, ctree_rwait(++r->fails));
	}
	for (uint32_t j = k0; j < k; j++) {
		const hpi_ct_step *s = &r->step[j];
		const hpi_ct_rec *c = &r->cur[j];

		hpi_ctree_call(t, th, s->fn, c->start, c->v0, s->depth);
		if (c->n > 1)
			hpi_ctree_leaves(t, th, c->n - 1, c->sum - c->v0);
	}
}

/* The nodes moved: the patterns' pointers to them follow. */
static void ctree_replay_rebase(hpi_ctree *t)
{
	for (size_t i = 0; i < t->thcap; i++) {
		hpi_ct_thread *th = t->th[i];
		if (th == NULL || th == CT_GONE || th->rs == NULL)
			continue;
		for (uint32_t j = 0; j < th->rp->nsteps; j++)
			th->rp->step[j].np = &N(t, th->rp->step[j].node);
	}
}

uint64_t hpi_ctree_run_slow(hpi_ctree *t, hpi_ct_thread *th, uint32_t key, uint32_t fn,
			    uint64_t start, uint64_t v0, unsigned depth, uint64_t n, uint64_t sum)
{
	uint64_t self;
	uint32_t nb;

	if (th->rs != NULL)
		ctree_replay_stop(t, th, true);
	nb = th->n;
	self = hpi_ctree_call(t, th, fn, start, v0, depth);
	if (n > 1) {
		hpi_ctree_leaves(t, th, n - 1, sum - v0);
		self += sum - v0;
	}
	if (!t->replay)
		th->rwait = UINT32_MAX;
	else if (th->rwait == 0)
		ctree_learn(t, th, key, fn, depth, start, nb);
	return self;
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
static void ctree_flush(hpi_ctree *t)
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

	/* a replay in the middle of a root's subtree: those calls' callers
	 * are open, they go under their levels' holders */
	for (size_t i = 0; i < t->thcap; i++) {
		hpi_ct_thread *th = t->th[i];
		if (th != NULL && th != CT_GONE && th->rs != NULL && th->rs != th->rp->step &&
		    !th->rs[-1].root)
			ctree_replay_stop(t, th, false);
	}
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
