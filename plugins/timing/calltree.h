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

/*
 * One measured call of thread th, in the order the calls ended: function
 * fn (a dense index, or HPI_CT_NONE), start in any unit that only grows on
 * the thread (ticks or ns), dur in ns, depth the record's 6-bit nesting
 * depth.  Returns the call's self time in ns: dur less the durations of
 * the measured calls directly inside it.
 */
uint64_t hpi_ctree_call(hpi_ctree *t, hpi_ct_thread *th, uint32_t fn, uint64_t start,
			uint64_t dur, unsigned depth);

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

/* What was not placed so far. */
hpi_ct_stats hpi_ctree_stats(const hpi_ctree *t);

/* Tests: calls are placed in batches of n (1 to 4096; 0 restores 4096), so
 * that a few calls cross batches as a long run's do. */
void hpi_ctree_test_batch(uint32_t n);

#endif
