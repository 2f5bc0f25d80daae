/* SPDX-License-Identifier: MIT */
/*
 * alloc.h - what libhotpath and libhotpath-alloc share for allocation
 * tracking (docs/alloc.md).  Private: not installed.
 *
 * libhotpath owns the per-thread counters (hp__atls), the measured-scope
 * bookkeeping (hp__alloc_enter/leave) and the allocation contexts (which
 * measured functions were open when a block was allocated).  libhotpath-alloc
 * interposes malloc and friends, keeps the table of live blocks and hands
 * libhotpath a table of operations when it is loaded.  A program that does
 * not load libhotpath-alloc pays nothing but the flag tests.
 */
#ifndef HOTPATH_CORE_ALLOC_H
#define HOTPATH_CORE_ALLOC_H

#include <stdbool.h>
#include <stdint.h>

#include <hotpath.h>
#include <hotpath/plugin.h>

#define HPI_ASTACK 64           /* measured frames kept per thread */
#define HPI_ACACHE 16           /* contexts cached per thread */
#define HPI_CTX_DIRTY 0xffffffffu /* the innermost frame has no context yet */
#define HPI_CTX_MAX (1u << 24)  /* contexts fit 24 bits of a table entry */

/* What an open measured frame remembers (hp__alloc_enter). */
typedef struct hpi_aframe {
	uint64_t bytes, count;             /* the thread's totals at entry */
	uint64_t child_bytes, child_count; /* the enclosing frame's, saved */
	uint64_t hash;                     /* the enclosing frame's stack hash */
	uint32_t ctx;                      /* the enclosing frame's context */
	uint32_t site;
} hpi_aframe;

/* Per-thread allocation state.  Written by its thread only (the collector
 * reads the four totals with relaxed loads). */
struct hp__atls {
	uint64_t bytes, count;             /* allocated while tracking */
	uint64_t freed_bytes, freed_count; /* freed by this thread while tracking */
	uint64_t child_bytes, child_count; /* closed children of the innermost frame */
	uint64_t hash;    /* hash of the open frames' sites, 0 = none open */
	uint32_t ctx;     /* context of hash, or HPI_CTX_DIRTY */
	uint32_t depth;   /* open measured frames in frames[] */
	int internal;     /* > 0: hotpath's own work, nothing is counted */
	int state;        /* libhotpath-alloc's: 0 new, 1 tracked, 2 gone,
			   * 3 never tracked, 4 table of an earlier guard */
	void *table;      /* libhotpath-alloc's: this thread's live blocks */
	void *rec;        /* libhotpath-alloc's: this thread's record */
	struct { uint64_t hash; uint32_t ctx; } cache[HPI_ACACHE];
	hpi_aframe frames[HPI_ASTACK];      /* open frames, innermost last */
};

HP_API extern __thread struct hp__atls hp__atls __attribute__((tls_model("initial-exec")));

/* Marks the rest of the enclosing block as hotpath's own work: allocations
 * made in it (by this thread) are neither counted nor tracked. */
static inline void hpi_internal_leave(int *unused)
{
	(void)unused;
	hp__atls.internal--;
}
#define HPI_INTERNAL_CAT2(a, b) a##b
#define HPI_INTERNAL_CAT(a, b) HPI_INTERNAL_CAT2(a, b)
#define HPI_INTERNAL()                                                        \
	int HPI_INTERNAL_CAT(hpi_internal_, __LINE__)                         \
	    __attribute__((cleanup(hpi_internal_leave), unused)) = hp__atls.internal++

/* One thread's figures, for the threads section. */
typedef struct hpi_alloc_thread {
	uint64_t tid;
	char name[16];
	uint64_t bytes, count, freed_bytes, freed_count;
	bool exited;
} hpi_alloc_thread;

/* What libhotpath-alloc offers libhotpath.  Every function may be called
 * from the collector thread while the program allocates. */
typedef struct hpi_alloc_ops {
	/* Forgets every live block (a new guard starts counting afresh). */
	void (*reset)(void);
	/* Calls fn once per context with the bytes and blocks still live. */
	void (*live)(void (*fn)(void *u, uint32_t ctx, uint64_t bytes, uint64_t count),
		     void *u);
	/* Calls fn once per thread that allocated while tracking. */
	void (*threads)(void (*fn)(void *u, const hpi_alloc_thread *t), void *u);
	/* Bytes hotpath itself could not get for its tables (then not counted). */
	uint64_t (*lost)(void);
} hpi_alloc_ops;

/* libhotpath-alloc's constructor. */
HP_API void hp__alloc_attach(const hpi_alloc_ops *ops);
/* The context of the calling thread's open frames (interned on first use);
 * 0 when none is open.  Called by libhotpath-alloc when hp__atls.ctx is
 * HPI_CTX_DIRTY. */
HP_API uint32_t hp__alloc_ctx(void);
/* Allocation tracking's mode, set by the guard: true = exclusive (self). */
HP_API extern int hp__alloc_self;
/* One [hotpath] line from libhotpath-alloc. */
HP_API void hp__alloc_warn(const char *msg);

/* libhotpath's side (core/alloc.c). */
const hpi_alloc_ops *hpi_alloc_ops_get(void);
/* The open sites of context ctx (innermost last), or NULL. */
const uint32_t *hpi_alloc_ctx_sites(uint32_t ctx, uint32_t *n);
/* The host's allocation services (hp_host.alloc_*, include/hotpath/plugin.h). */
unsigned hpi_alloc_status(void);
int hpi_alloc_live(void (*fn)(void *u, const uint32_t *sites, uint32_t n, uint64_t bytes,
			      uint64_t blocks),
		   void *u);
int hpi_alloc_threads(void (*fn)(void *u, const hp_alloc_thread *t), void *u);
/* Marks the calling thread as hotpath's own for good. */
void hpi_alloc_thread_internal(void);

/* ---- core/alloc.c, for the rest of libhotpath ---- */

struct hpi_config;
/* Turns collectors.alloc on when libhotpath-alloc is loaded (unless
 * HOTPATH_ALLOC says otherwise); warns when it is on and the library is not. */
void hpi_alloc_configure(struct hpi_config *c);
/* Starts counting for a new guard: HP__ON_ALLOC, or 0 when not tracking. */
int hpi_alloc_start(const struct hpi_config *c);
/* The current (or last) guard tracks allocations. */
bool hpi_alloc_tracking(void);

#endif
