/* SPDX-License-Identifier: MIT */
/*
 * calltree_impl.h - what the call tree's files share, below calltree.h
 * (which is what the timing plugin calls): calltree.c (the tree, its
 * threads, the forward and backward passes), ctree_nodes.c (nodes, their
 * hash and their moves), ctree_replay.c (the replay of repeated patterns)
 * and ctree_snap.c (the sections a snapshot shows).  See calltree.c's
 * comment for how it works.
 */
#ifndef HPI_CALLTREE_IMPL_H
#define HPI_CALLTREE_IMPL_H

#include <stdbool.h>
#include <stdint.h>

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
	hpi_ct_thread nothread; /* b.rth when none: never replaying, rwait 0 */
};

#define CT_GONE ((hpi_ct_thread *)1) /* a removed slot of the thread table */
#define N(t, i) ((t)->b.nodes[i])

extern uint64_t ctree_counts[4]; /* hpi_ctree_test_counts */

/* ---- calltree.c ----------------------------------------------------------- */

/* A new, empty tree of at most max nodes, with a batch when batch. */
hpi_ctree *ctree_new_max(uint32_t max, bool batch);
/* Places the batch of thread pend, if any; the next batch is a simple one. */
void ctree_flush(hpi_ctree *t);

/* ---- ctree_nodes.c -------------------------------------------------------- */

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

/* The holder of node n's callees, n itself when it had none. */
static inline uint32_t ctree_kids(hpi_ctree *t, uint32_t n)
{
	if (N(t, n).kh == 0)
		N(t, n).kh = n;
	return N(t, n).kh;
}

/* A new, empty holder, or 0. */
uint32_t ctree_holder_new(hpi_ctree *t);
/* The node of function fn under holder h, made (with no call) on first
 * use; 0 at the limit. */
uint32_t ctree_get(hpi_ctree *t, uint32_t h, uint32_t fn);
/* Gives holder h's callees back (h too unless a node); returns their calls. */
uint64_t ctree_free_kids(hpi_ctree *t, uint32_t h);
/* Holder src joins the holder at *dst (becomes it when there is none). */
void ctree_give(hpi_ctree *t, uint32_t *dst, uint32_t src);
/* Holder src's calls become callees with budget levels left (folded
 * into node fold when none is left), joined to the holder at *dst. */
void ctree_attach(hpi_ctree *t, uint32_t *dst, uint32_t src, uint32_t budget,
		  uint32_t fold);

/* ---- ctree_replay.c ------------------------------------------------------- */

/* The batch's rs when its thread is not replaying: no record has key 0. */
extern hpi_ct_step ctree_nostep;

/* th's replay: its next step, or NULL. */
static inline hpi_ct_step *ctree_cursor(const hpi_ctree *t, const hpi_ct_thread *th)
{
	hpi_ct_step *s = th == t->b.rth ? t->b.rs : th->rs;

	return s == &ctree_nostep ? NULL : s;
}

/* th's replay goes on at step s (NULL: stops). */
static inline void ctree_set_cursor(hpi_ctree *t, hpi_ct_thread *th, hpi_ct_step *s)
{
	if (th == t->b.rth)
		t->b.rs = s != NULL ? s : &ctree_nostep;
	else
		th->rs = s;
}

/* The replay of th stops (missed: a record disagreed). */
void ctree_replay_stop(hpi_ctree *t, hpi_ct_thread *th, bool missed);
/* The counters of th's pattern's steps go into their nodes (th replays,
 * at a root). */
void ctree_replay_commit(hpi_ctree *t, hpi_ct_thread *th);
/* The batch's rth is no longer th (which exits). */
void ctree_replay_forget(hpi_ctree *t, hpi_ct_thread *th);

#endif
