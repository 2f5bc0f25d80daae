/* SPDX-License-Identifier: MIT */
/*
 * timing.h - the timing plugin's state, shared by timing.c (sites, the
 * record loop, init and fini) and timing_snap.c (its sections).
 */
#ifndef HPI_TIMING_H
#define HPI_TIMING_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <hotpath/plugin.h> /* all it uses of hotpath */
#include "calltree.h"

typedef struct timing_call {
	uint64_t dur, tid, time;
} timing_call;

typedef struct timing_entry {
	const char *label;   /* borrowed from the site registry */
	const char *file;    /* of the first site with this label (borrowed) */
	int line;
	hp_hist hist;
	uint64_t nested;     /* ns of recursive calls: in hist, not in Total */
	uint64_t self;       /* ns: the calls' time less their measured callees' */
	uint64_t s_timed;    /* of the above, calls of sampled sites: count, */
	uint64_t s_sum;      /* ns of time and */
	uint64_t s_self;     /* ns of self time */
	uint64_t s_calls;    /* calls of its sampled sites (snapshot time) */
	uint32_t s_rate;     /* their rate (the last seen), 0 = timing none */
	bool sampled;        /* some site of the label is sampled */
	uint32_t idx;        /* in entries: the call tree's function number */
	hp_ring log;         /* the last log_cap calls (timing_call) */
} timing_entry;

typedef struct timing_state {
	const hp_host *host;
	size_t log_cap;
	void **by_site;          /* index: site id -> timing_entry */
	size_t nsites;
	uint8_t *ssamp;          /* index: site id -> 1 when sampled */
	size_t nssamp;
	timing_entry **entries;  /* one per label */
	size_t n, cap;
	timing_entry **table;    /* open addressing, label -> entry */
	size_t tcap;
	hp_filter *filter;       /* the host's; NULL: every label */
	hpi_ctree *tree;         /* NULL: collectors.timing.call_tree off */
	hpi_ct_thread *ct_th;    /* the tree's state of thread ct_tid, or NULL */
	uint64_t ct_tid;
	bool sort_self;          /* report.sort: self */
	bool cols_sampled;       /* this snapshot has the sampled, timed columns */
	uint64_t bounds[HP_HIST_MAX_BOUNDS]; /* the snapshot's "metrics.buckets" */
	size_t nbounds;          /* 0: no buckets column */
} timing_state;

/* by_site's entry for a site the filters leave out. */
extern timing_entry hpi_timing_skip;

/* The entry of a site id: an array lookup after the first event; NULL when
 * out of memory, &hpi_timing_skip for a label the filters leave out. */
timing_entry *hpi_timing_site(timing_state *st, uint32_t id);
/* hp_plugin_ops.snapshot: the functions, calls and stacks sections. */
int hpi_timing_snapshot(void *state, hp_snapshot *snap);

#endif
