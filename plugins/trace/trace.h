/* SPDX-License-Identifier: MIT */
/*
 * trace.h - the trace plugin's header.  Its first part builds the plugin
 * with explicit settings, for its tests: as its init builds it from
 * collectors.trace and report.trace_output.  Its second part is shared by
 * trace.c (recording, the plugin) and trace_write.c (trace.json and the
 * timeline section) only.
 */
#ifndef HOTPATH_PLUGINS_TRACE_H
#define HOTPATH_PLUGINS_TRACE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <hotpath/plugin.h>

/*
 * The state: at most max_events kept, past that the newest (ring) or the
 * oldest; the file at path (NULL: trace.json); host as init gets it.
 * NULL when out of memory; free with hpi_trace_plugin.fini.
 */
void *hpi_trace_new(const hp_host *host, size_t max_events, bool ring, const char *path);
/*
 * Writes its Chrome Trace Event JSON to f (pid and process name given, so
 * tests get exact bytes).  0, or HP_ENOMEM.  Reporting thread only.
 */
int hpi_trace_json(void *state, FILE *f, long pid, const char *process);

/* ---- the plugin's own files ------------------------------------------------ */

/* One kept event.  kind and site share a word as in the per-thread
 * records; dur holds the raw payload for channel events (seq | bytes << 32)
 * and future polls (call | ticks << 32). */
typedef struct hpi_trace_rec {
	uint64_t ts;   /* ns since the guard started */
	uint64_t dur;  /* ns, or the raw payload */
	uint32_t tag;  /* site | kind << 24 */
	uint32_t tid;  /* gettid() fits 32 bits (pid_max <= 2^22) */
} hpi_trace_rec;

_Static_assert(sizeof(hpi_trace_rec) == 24, "a call takes 24 bytes of trace buffer");

#define TRACE_SHIFT 24
#define TRACE_SITE(tag) ((tag) & ((1u << TRACE_SHIFT) - 1))
#define TRACE_KIND(tag) ((tag) >> TRACE_SHIFT)

/* A thread's name as it said when it exited. */
typedef struct hpi_trace_name {
	uint32_t tid;
	char name[16];
} hpi_trace_name;

/* The plugin's state (hpi_trace_new, freed by its fini). */
typedef struct hpi_trace_state {
	const hp_host *host;
	hpi_trace_rec *buf;   /* max records of address space, touched as they fill */
	size_t maplen;    /* bytes mapped */
	size_t max;       /* the bound: collectors.trace.buffer */
	size_t n;         /* records kept */
	size_t head;      /* ring: the oldest record once n == max */
	bool ring;        /* past the bound keep the newest (else the oldest) */
	bool nomem;       /* the buffer could not grow to the bound */
	uint64_t dropped;
	char *path;       /* report.trace_output */
	int written;      /* 0 not yet, 1 written, -1 failed */
	hpi_trace_name *names;
	size_t nnames, capnames;
	char **labels;    /* site id -> its label as a JSON string, while writing */
	size_t nlabels;
} hpi_trace_state;

/* ---- trace_write.c (reporting thread) ------------------------------------- */

/* Writes st's file (report.trace_output) whole under a temporary name,
 * then renames it; 0, or -1 having said why (h->warn). */
int hpi_trace_write(hpi_trace_state *st);
/* Adds the report's "timeline" section to snap; 0, or HP_ENOMEM. */
int hpi_trace_timeline(hpi_trace_state *st, hp_snapshot *snap);

#endif
