/* SPDX-License-Identifier: MIT */
/*
 * tbuf.h - per-thread record buffers: written by their thread with no lock,
 * drained by the collector.
 */
#ifndef HPI_TBUF_H
#define HPI_TBUF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <hotpath.h>
#include <hotpath/plugin.h>

#define HPI_CHUNK_BYTES 65536
#define HPI_CHUNK_RECS ((HPI_CHUNK_BYTES - 64) / sizeof(struct hp__rec))

/* A fixed block of records; `next` is set by the producer once it is full.
 * Allocated on a cache line (64 bytes), so records never straddle one. */
typedef struct hpi_chunk {
	struct hpi_chunk *next;
	struct hpi_chunk *free_next; /* link in the free list */
	char pad[48];
	struct hp__rec recs[HPI_CHUNK_RECS];
} hpi_chunk;
_Static_assert(sizeof(hpi_chunk) % 64 == 0, "aligned_alloc needs a size of whole lines");

/* Chunks a thread fills between nudges of the collector (256 KiB). */
#define HPI_NUDGE_CHUNKS 4

/* One profiled thread, as the collector sees it. */
typedef struct hpi_thread {
	struct hpi_thread *next;    /* global list, newest first */
	struct hp__tls *tls;        /* the thread's hot-path cursor */
	uint64_t tid;
	char name[16];
	struct hp__rec *final_pos;  /* tls->pos when the thread exited */
	int exited;                 /* set under the list lock */
	int seen;                   /* collector: THREAD_START sent */
	struct hp__rec *snap;       /* collector: limit read under the lock */
	int snap_exited;            /* collector: exited, read under the lock */
	hpi_chunk *rd_chunk;        /* collector's cursor */
	struct hp__rec *rd;
	hpi_chunk *free;            /* chunks handed back by the collector */
	hpi_chunk *cur;             /* producer: chunk being written */
	hpi_chunk *spare;           /* producer: taken from free, not yet used */
	size_t nchunks, maxchunks;  /* producer */
	unsigned filled;            /* producer: chunks filled, for the nudge */
	uint64_t dropped;           /* producer writes, collector reads */
	hp_thread_exit at_exit;     /* filled by the thread as it exits */
	struct hp__rec *aside;      /* collector: records copied out of the
				     * chunks while a snapshot was being built
				     * (hpi_collector_aside), drained first */
	size_t naside, capaside;    /* collector */
} hpi_thread;

/* Writes n records that stay together in one chunk (core/tbuf.c). */
void hpi_emit_group(const struct hp__rec *recs, size_t n);

/* Marks an extended record: the next record's t holds the duration.
 * The record format's helpers are plugin.h's (hp_record, for on_records):
 * one definition for the collector and the plugins. */
#define HPI_DT_EXT HP_REC_DT_EXT
#define HPI_SITE_MASK ((1u << HP__KIND_SHIFT) - 1)

/* 32-bit ticks to ns with the 32.32 multiplier split in halves (mh =
 * mult >> 32, ml = its low 32 bits): hp_ticks32_ns. */
static inline uint64_t hpi_ticks32_ns(uint32_t ticks, uint64_t mh, uint64_t ml)
{
	return hp_ticks32_ns(ticks, mh, ml);
}

/* A plain measured call (HP__SCOPE_KIND with its depth, not recursive, a
 * site, a 32-bit duration) begun since tick t0: most records
 * (HP_REC_PLAIN: the xor maps exactly those tags to 1 .. 2^30 - 1). */
static inline bool hpi_rec_plain(const struct hp__rec *p, uint64_t t0)
{
	return HP_REC_PLAIN(p, t0);
}

/* Sets the per-thread cap (MiB) for threads registered from now on. */
void hpi_tbuf_set_max_mb(int mb);
/* Under the list lock: fills every thread's snap and returns the list head. */
hpi_thread *hpi_tbuf_snapshot(void);
/* Moves every cursor to the current end, throwing pending records away. */
void hpi_tbuf_discard_all(void);
/* Gives a drained chunk back to its thread (or frees it if the thread is gone). */
void hpi_tbuf_recycle(hpi_thread *t, hpi_chunk *c);
/* Unlinks and frees exited threads whose records are all drained. */
void hpi_tbuf_reap(void);
/* With no collector running: frees exited, drained threads. */
void hpi_tbuf_trim(void);
/* Total dropped records over all threads, alive or reaped. */
uint64_t hpi_tbuf_dropped(void);
/* Sampled timing's per-thread counters (core/sample.c, docs/sampling.md):
 * the calling thread's table grown to reach site id (false when it cannot);
 * every thread's zeroed for a new guard; a site's calls over all threads,
 * exited ones included. */
bool hpi_tbuf_samp_grow(uint32_t id);
void hpi_tbuf_samp_reset(void);
uint64_t hpi_tbuf_samp_calls(uint32_t id);
void hpi_tbuf_atfork_prepare(void);
void hpi_tbuf_atfork_parent(void);
void hpi_tbuf_atfork_child(void);
/* A payload pair of records: {t0, site, dt0} then {payload, 0, 0}
 * (core/alloc.c's HP_EV_ALLOC keeps the call's allocation count in dt0). */
void hpi_emit_pair(uint32_t site, uint64_t t0, uint64_t payload, uint32_t dt0);
/* A payload pair whose first record carries dt0 and second dt1 (io.c,
 * uvloop.c). */
void hpi_emit_pair2(uint32_t site, uint64_t t0, uint32_t dt0, uint64_t payload, uint32_t dt1);

#endif
