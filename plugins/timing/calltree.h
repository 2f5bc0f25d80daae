/* SPDX-License-Identifier: MIT */
/*
 * calltree.h - self time and the call tree, rebuilt on the collector from
 * the measured calls each thread records as they end (docs/calls.md).
 */
#ifndef HPI_CALLTREE_H
#define HPI_CALLTREE_H

#include <stdbool.h>
#include <stdint.h>

#include <hotpath/plugin.h>

/* A function the tree does not show (a label the filters leave out): its
 * callees become its caller's, its own time its caller's self time. */
#define HPI_CT_NONE UINT32_MAX
/* Deepest call path kept: deeper calls' time goes to the frame at this
 * depth (its self time), and is counted as folded. */
#define HPI_CT_MAX_HEIGHT 255
/* Most call-tree nodes (distinct call paths per open level, and the
 * holders of open levels' calls) kept. */
#define HPI_CT_MAX_NODES (1u << 20)

typedef struct hpi_ctree hpi_ctree;
typedef struct hpi_ct_thread hpi_ct_thread;

/* What the tree could not place, for the sections' meta. */
typedef struct hpi_ct_stats {
	uint64_t folded;   /* calls deeper than HPI_CT_MAX_HEIGHT: in their
			    * ancestor's self time */
	uint64_t dropped;  /* calls left out: the node limit was reached */
	uint64_t orphans;  /* calls whose caller never returned (longjmp) */
	uint64_t depth_errors; /* records whose depth disagreed with their time */
	uint64_t threads;  /* threads that made measured calls */
} hpi_ct_stats;

/* A new, empty tree; NULL when out of memory.  Collector thread only. */
hpi_ctree *hpi_ctree_new(void);
void hpi_ctree_free(hpi_ctree *t);

/* The state of thread tid, created on first use; NULL when out of memory. */
hpi_ct_thread *hpi_ctree_thread(hpi_ctree *t, uint64_t tid);

/* n more calls of the function of the last hpi_ctree_call on th, right
 * after it and at its depth, with no call inside them (a run of the same
 * record tag): sum is their durations in ns, and their self time. */
void hpi_ctree_leaves(hpi_ctree *t, hpi_ct_thread *th, uint64_t n, uint64_t sum);

/* Thread tid exited: its calls join the finished tree. */
void hpi_ctree_thread_exit(hpi_ctree *t, uint64_t tid);

/* Writes the "calls" and "stacks" sections into snap; labels[fn] names
 * function fn (n of them).  Returns 0 or HP_ENOMEM. */
int hpi_ctree_snapshot(hpi_ctree *t, const hp_host *h, hp_snapshot *snap,
		       const char *const *labels, uint32_t n);

/* Replayed calls' counters go into their nodes, their self times to
 * their functions (hpi_ctree_run's selfp): before those are read. */
void hpi_ctree_sync(hpi_ctree *t);

/* What was not placed so far. */
hpi_ct_stats hpi_ctree_stats(const hpi_ctree *t);

/* Tests: calls are placed in batches of n (1 to 4096; 0 restores 4096), so
 * that a few calls cross batches as a long run's do; for trees made after. */
void hpi_ctree_test_batch(uint32_t n);

/* Tests: replay (hpi_ctree_run) on (the default) or off, for trees made
 * after. */
void hpi_ctree_test_replay(bool on);

/* Tests: since the start, out[0] patterns learnt, out[1] times round a
 * pattern (roots of its last step replayed), out[2] replays stopped in
 * the middle of a root's subtree (its records undone), out[3] misses. */
void hpi_ctree_test_counts(uint64_t out[4]);

/* Depths a simple batch may span (its path table's size). */
#define HPI_CT_SPAN 1024u

/* ---- what hpi_ctree_call, inline, reads and writes ----------------------- */

/* Siblings: the ended calls of one open caller. */
typedef struct hpi_ct_level {
	uint64_t start;  /* of its first call */
	uint64_t sum;    /* ns: its calls' durations, its caller's callee time */
	uint64_t gen;    /* the general batch its li belongs to (0: none) */
	uint32_t depth;  /* full depth (1 << 24-relative) */
	uint32_t height; /* of the highest subtree among its calls */
	uint32_t holder; /* its calls of earlier batches, placed; 0 none */
	uint32_t li;     /* its entry in the general batch's level table */
} hpi_ct_level;

/* A node of the tree: one call path's calls. */
typedef struct hpi_ct_node {
	uint32_t fn;     /* function index, or a marker (holder, free); first, then */
	uint32_t owner;  /* the holder it is a callee of: with fn, its key */
	uint32_t kh;     /* its callees' holder: 0 none, itself, or a holder */
	uint32_t kids;   /* as a holder: its first callee */
	uint32_t next;   /* the next callee of the same holder; the free list */
	uint32_t hnext;  /* the next node of the same hash bucket */
	uint64_t calls, total, self;
} hpi_ct_node;

/* Replay (ctree_replay.c): most records in a pattern, and most levels it
 * spans. */
#define HPI_CT_RSTEPS 64u
#define HPI_CT_RSLOTS 32u
/* The key of no step (no record's site word has all bits set). */
#define HPI_CT_NOKEY UINT32_MAX

/* One record of a pattern: what the replay reads and writes, then the
 * rest.  Its counters are its node's since the last commit (its self time
 * then derived: ctree_replay.c); its round's record (start, n, its sum,
 * cum less *prev, and a caller's v0) is kept until the pattern's next
 * root, to undo it when a record disagrees (a leaf's v0 does not matter:
 * only its run's sum does). */
typedef struct hpi_ct_step {
	uint32_t key;          /* the record's key (it determines fn and depth) */
	uint8_t r;             /* its level: its depth less the anchor's */
	uint8_t root;          /* it is a call of the anchor level: a round ends */
	uint8_t depth;         /* the record's depth (mod 64) */
	uint8_t callee;        /* it has callees (b is not NULL) */
	const uint64_t *a, *b; /* the times agree: *a < its start <= *b (b
				* NULL: no callee; a caller's last callee
				* is the step before it) */
	const uint64_t *prev;  /* its level's before it (a zero: it begins it) */
	uint64_t start;        /* this round's start */
	struct hpi_ct_step *next;
	uint64_t cum;          /* *prev + this round's durations: its level's sum */
	uint64_t calls;        /* not yet in its node, */
	uint64_t n;            /* this round's calls, */
	uint64_t total;        /* not yet in its node, */
	uint64_t v0;           /* a caller's first call's duration this round
				* (fields that are written, apart: stored
				* one by one, not merged into one vector) */
	uint64_t fix;          /* what its callees' sums exceeded its first
				* call's duration by (its self time is not
				* negative), not yet in its node */
	uint64_t *selfp;       /* its function's self time */
	uint32_t fn, node;
	uint8_t caller;        /* the step of its caller (none: a root) */
} hpi_ct_step;

/* A thread's pattern: the records from a call of its anchor level (the
 * lowest level its calls join) to the next (or the next few), which went
 * into known nodes and left that level alone on top. */
typedef struct hpi_ct_replay {
	hpi_ct_step step[HPI_CT_RSTEPS];
	uint64_t start0;   /* the anchor level's first start */
	uint64_t zero;     /* 0: a level's first call's *prev */
	uint32_t nsteps;
	uint64_t good;     /* its last step's calls since learnt, committed */
	/* learning a pattern */
	uint32_t learning, lcount, lroots, lwant, fails;
	uint32_t watch;    /* records to watch for the lowest level first */
	uint32_t lw;       /* the fewest levels seen meanwhile */
	uint32_t armwait;  /* records since, waiting to be back there */
	uint32_t n0;       /* the anchor: the thread's level n0 - 1 */
	uint32_t ldepth;   /* the anchor level's full depth */
	uint64_t lstart;   /* and its start */
} hpi_ct_replay;

/* A thread's open levels, the deepest last. */
struct hpi_ct_thread {
	uint64_t tid;
	hpi_ct_level *lv;
	uint32_t n, cap;
	uint32_t orphans;  /* holder: calls whose caller never returned */
	uint32_t rwait;    /* records before the next try at a pattern */
	hpi_ct_step *rs;   /* replaying: the next step, else NULL (the batch's
			    * rs instead while it is the batch's rth) */
	hpi_ct_replay *rp; /* its pattern, NULL: none yet */
};

/* A call of a simple batch: no level table, its caller found by depth. */
typedef struct hpi_ct_scall {
	uint32_t fn;     /* function */
	uint32_t depth;  /* full depth */
	uint32_t absorb; /* holder of its callees from earlier batches, or 0 */
	uint32_t pad;
	uint64_t calls, total, self;
} hpi_ct_scall;

/* The batch being filled: the first member of hpi_ctree. */
typedef struct hpi_ct_batch {
	hpi_ct_node *nodes;    /* the tree's nodes ([0] unused: "none") */
	hpi_ct_thread *pend;   /* its thread, NULL: none */
	hpi_ct_thread *spend;  /* pend when it is a simple batch, else NULL */
	hpi_ct_scall *scalls;  /* as a simple batch */
	uint32_t ncalls, limit;
	uint32_t dmin, dmax;   /* a simple batch's depths */
	/* the thread hpi_ctree_run saw last (rtid; the tree's nothread when
	 * none) and its replay's next step (a step of key HPI_CT_NOKEY when
	 * it is not replaying) */
	hpi_ct_step *rs;
	hpi_ct_thread *rth;
	uint64_t rtid;
} hpi_ct_batch;

/* hpi_ctree_call's other cases: a new batch, or a call the simple batch
 * cannot take (placed through the general batch). */
uint64_t hpi_ctree_call_slow(hpi_ctree *t, hpi_ct_thread *th, uint32_t fn, uint64_t start,
			     uint64_t dur, unsigned depth);
uint64_t hpi_ctree_run_slow(hpi_ctree *t, uint64_t tid, uint32_t key, uint32_t fn,
			    uint64_t *selfp, uint64_t start, uint64_t v0, unsigned depth,
			    uint64_t n, uint64_t sum);
uint64_t hpi_ctree_call_general(hpi_ctree *t, hpi_ct_thread *th, uint32_t fn, uint64_t start,
				uint64_t dur, unsigned depth);

/*
 * One measured call of thread th, in the order the calls ended: function
 * fn (a dense index, or HPI_CT_NONE), start in any unit that only grows on
 * the thread (ticks or ns), dur in ns, depth the record's 6-bit nesting
 * depth.  Returns the call's self time in ns: dur less the durations of
 * the measured calls directly inside it.
 *
 * Inline, into the simple batch: the common cases, decided as
 * ctree_call_any decides them (a sibling of the top level, the first
 * callee of a deeper level, the caller of the top level alone, whose
 * callees of earlier batches it absorbs), with no depth error, no cut, no
 * call left out, room for one more level and depths within HPI_CT_SPAN; the
 * rest goes to hpi_ctree_call_general.  Nothing but the call is written: the
 * backward pass finds its caller by depth.
 */
static inline __attribute__((always_inline)) uint64_t
hpi_ctree_call(hpi_ctree *t, hpi_ct_thread *th, uint32_t fn,
				      uint64_t start, uint64_t dur, unsigned depth)
{
	hpi_ct_batch *b = (hpi_ct_batch *)t;
	uint32_t n = th->n, i = b->ncalls, full, absorb = 0;
	hpi_ct_level *top;
	hpi_ct_scall *c;
	uint64_t self = dur;

	/* n - 1 >= cap - 1: no level yet, or no room for one more */
	if (__builtin_expect(b->spend != th || i >= b->limit || n - 1 >= th->cap - 1 ||
			     fn == HPI_CT_NONE, 0))
		return hpi_ctree_call_slow(t, th, fn, start, dur, depth);
	top = &th->lv[n - 1];
	full = top->depth;
	if (top->start < start) {
		if (depth == (full & HP_REC_DEPTH_MASK)) {
			top->sum += dur;
			top->height |= top->height == 0;
		} else {
			full += (depth - full) & HP_REC_DEPTH_MASK;
			if (full - b->dmin >= HPI_CT_SPAN)
				return hpi_ctree_call_general(t, th, fn, start, dur, depth);
			b->dmax = full > b->dmax ? full : b->dmax;
			top++;
			top->start = start;
			top->sum = dur;
			top->gen = 0;
			top->depth = full;
			top->height = 1;
			top->holder = 0;
			th->n = n + 1;
		}
	} else {
		hpi_ct_level *below = top - 1;
		uint32_t height = top->height + 1;

		full--;
		if ((full & HP_REC_DEPTH_MASK) != depth || height > HPI_CT_MAX_HEIGHT ||
		    (n > 1 && below->start >= start) || b->dmax - full >= HPI_CT_SPAN)
			return hpi_ctree_call_general(t, th, fn, start, dur, depth);
		self = dur > top->sum ? dur - top->sum : 0;
		absorb = top->holder;
		if (n > 1 && below->depth == full) {
			below->sum += dur;
			below->height = height > below->height ? height : below->height;
			th->n = n - 1;
		} else { /* the top level's place: its caller's level */
			top->start = start;
			top->sum = dur;
			top->gen = 0;
			top->depth = full;
			top->height = height;
			top->holder = 0;
		}
		b->dmin = full < b->dmin ? full : b->dmin;
	}
	c = &b->scalls[i];
	c->fn = fn;
	c->depth = full;
	c->absorb = absorb;
	c->calls = 1;
	c->total = dur;
	c->self = self;
	b->ncalls = i + 1;
	return self;
}

/*
 * A run of n calls (n >= 1) of one function (*fnp, read only when needed:
 * not for a replayed record) by thread tid, all at one depth, the first
 * call as hpi_ctree_call's (v0 its duration) and the others without
 * callees; sum is the run's durations.  key identifies fn
 * and depth (the record's site word; 0: the run is never replayed).  Its
 * self time (hpi_ctree_call's and hpi_ctree_leaves' in one) is added to
 * *selfp, now or, replayed, later (before hpi_ctree_sync returns); returns
 * what was added now.
 *
 * Inline, the replay of a pattern: when the thread's records repeat the
 * pattern learnt from it (ctree_replay.c), each is checked against the
 * pattern's next step (its key, its start against those of the steps that
 * began its level and its callees') and goes to the step's counters,
 * which go into its node, and its self time to *selfp, at the next commit.
 * The record is kept until the pattern's next root, to undo it when a
 * record disagrees.  Anything else goes to hpi_ctree_run_slow.
 */
static inline __attribute__((always_inline)) uint64_t
hpi_ctree_run(hpi_ctree *t, uint64_t tid, uint32_t key, const uint32_t *fnp, uint64_t *selfp,
	      uint64_t start, uint64_t v0, unsigned depth, uint64_t n, uint64_t sum)
{
	hpi_ct_batch *b = (hpi_ct_batch *)t;
	hpi_ct_step *s = b->rs;

	if (__builtin_expect(b->rtid == tid, 1)) {
		if (__builtin_expect(s->key == key && *s->a < start, 1)) {
			if (s->callee) {
				/* a caller: its last callee is the step before it */
				if (__builtin_expect(*s->b < start, 0))
					goto slow;
				s->v0 = v0;
				if (__builtin_expect(s[-1].cum > v0, 0))
					s->fix += s[-1].cum - v0;
			}
			s->cum = *s->prev + sum;
			s->start = start;
			s->n = n;
			s->calls += n;
			s->total += sum;
			b->rs = s->next;
			return 0;
		}
		if (__builtin_expect(s->key == HPI_CT_NOKEY && b->rth->rwait != 0, 1)) {
			hpi_ct_thread *th = b->rth;
			uint64_t self = hpi_ctree_call(t, th, *fnp, start, v0, depth);

			th->rwait--;
			if (n > 1) {
				hpi_ctree_leaves(t, th, n - 1, sum - v0);
				self += sum - v0;
			}
			*selfp += self;
			return self;
		}
	}
slow:
	return hpi_ctree_run_slow(t, tid, key, *fnp, selfp, start, v0, depth, n, sum);
}

#endif
