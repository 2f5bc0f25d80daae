/* SPDX-License-Identifier: MIT */
/*
 * trace.c - the built-in trace plugin: every measured call, lock wait and
 * hold, channel send and receive and future poll, with its thread, start
 * and duration, kept in a bounded buffer on the collector thread and
 * written at report time as a Chrome Trace Event file (trace.json) that
 * Perfetto and chrome://tracing open: one track per thread, channel sends
 * joined to their receives by flow arrows.  docs/trace.md.
 *
 * The calling thread does nothing more than it does without trace: the
 * events are the ones the collector already builds.  Each takes 24 bytes
 * here (trace_rec); past collectors.trace.buffer events the buffer either
 * keeps the newest (ring) or stops (stop), and counts what it dropped.
 * What the reporting thread writes (the file, the report's timeline) is
 * trace_write.c's.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE /* program_invocation_short_name, MAP_ANONYMOUS when built alone */
#endif

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <hotpath/plugin.h> /* all it uses: it could be an external plugin */

#include "trace.h"

#define TRACE_HUGE (2u << 20) /* the buffer's mapping is rounded to huge pages */

/* ---- recording (collector thread) ----------------------------------------- */

/* Maps the whole bound at the first event: address space only, the
 * memory comes as records fill it (no copy as it grows, and with huge
 * pages where the system allows them, one page fault per 87,381 records
 * instead of one per 170: the faults were most of the collector's cost). */
static bool trace_map(hpi_trace_state *st)
{
	size_t len = st->max * sizeof(hpi_trace_rec);
	void *p;

	if (st->nomem)
		return false;
	if (len / sizeof(hpi_trace_rec) != st->max || len > SIZE_MAX - TRACE_HUGE) {
		st->nomem = true;
		return false;
	}
	len = (len + TRACE_HUGE - 1) & ~(size_t)(TRACE_HUGE - 1);
	p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE,
		 -1, 0);
	if (p == MAP_FAILED) {
		st->nomem = true;
		return false;
	}
#ifdef MADV_HUGEPAGE
	madvise(p, len, MADV_HUGEPAGE); /* a hint: without it, small pages */
#endif
	st->buf = p;
	st->maplen = len;
	return true;
}

/* Keeps one event, or counts it dropped. */
static void trace_keep(hpi_trace_state *st, const hp_event *ev)
{
	hpi_trace_rec *r;

	if (st->n == st->max) {
		st->dropped++;
		if (!st->ring)
			return;
		r = &st->buf[st->head];
		if (++st->head == st->max)
			st->head = 0;
	} else {
		if (st->buf == NULL && !trace_map(st)) {
			st->dropped++;
			return;
		}
		r = &st->buf[st->n++];
	}
	r->ts = ev->time_ns;
	r->dur = ev->dur_ns;
	r->tag = ev->site | ev->kind << TRACE_SHIFT;
	r->tid = (uint32_t)ev->tid;
}

/* Remembers an exiting thread's name for its track. */
static void trace_thread_exit(hpi_trace_state *st, const hp_event *ev)
{
	const hp_thread_exit *x = ev->data;
	hpi_trace_name *nm;

	if (x == NULL || x->name[0] == '\0')
		return;
	if (st->nnames == st->capnames) {
		size_t cap = st->capnames ? st->capnames * 2 : 16;
		hpi_trace_name *p = realloc(st->names, cap * sizeof(*p));
		if (p == NULL)
			return; /* the track is named "thread <tid>" instead */
		st->names = p;
		st->capnames = cap;
	}
	nm = &st->names[st->nnames++];
	nm->tid = (uint32_t)ev->tid;
	snprintf(nm->name, sizeof(nm->name), "%s", x->name);
}

static void trace_events(void *state, const hp_event *evs, size_t n)
{
	hpi_trace_state *st = state;

	for (size_t i = 0; i < n; i++) {
		const hp_event *ev = &evs[i];
		switch (ev->kind) {
		case HP_EV_SCOPE:
		case HP_EV_LOCK_WAIT:
		case HP_EV_LOCK_HOLD:
		case HP_EV_RLOCK_WAIT:
		case HP_EV_RLOCK_HOLD:
		case HP_EV_CHAN_SEND:
		case HP_EV_CHAN_RECV:
		case HP_EV_FUTURE_POLL:
			if (ev->site != 0 && ev->site == TRACE_SITE(ev->site))
				trace_keep(st, ev);
			break;
		case HP_EV_THREAD_EXIT:
			trace_thread_exit(st, ev);
			break;
		default:
			break;
		}
	}
}

static void trace_event(void *state, const hp_event *ev)
{
	trace_events(state, ev, 1);
}

/* ---- the plugin ------------------------------------------------------------ */

void *hpi_trace_new(const hp_host *host, size_t max_events, bool ring, const char *path)
{
	hpi_trace_state *st = calloc(1, sizeof(*st));

	if (st == NULL)
		return NULL;
	st->host = host;
	st->max = max_events > 0 ? max_events : 1;
	st->ring = ring;
	if ((st->path = strdup(path && *path ? path : "trace.json")) == NULL) {
		free(st);
		return NULL;
	}
	return st;
}

static int trace_init(const hp_host *host, const hp_options *opts, void **state,
		      char **cause)
{
	/* checked against trace_options: 1..100000000, ring (0) or stop (1) */
	bool ring = host->option_int(opts, "overflow", 0) == 0;
	const char *path = host->setting(opts, "report.trace_output");

	/* the program's stdout is its own, and a trace is no terminal text */
	if (path != NULL && (strcmp(path, "stdout") == 0 || strcmp(path, "stderr") == 0 ||
			     strcmp(path, "-") == 0)) {
		host->warn("report.trace_output", "the trace is a file, not \"%s\"; "
			   "writing trace.json", path);
		path = NULL;
	}
	*state = hpi_trace_new(host, (size_t)host->option_int(opts, "buffer", 1000000), ring,
			       path);
	if (*state == NULL) {
		*cause = strdup("out of memory");
		return HP_ENOMEM;
	}
	return 0;
}

/* The report-wide facts of a written trace, for readers of a saved report
 * (the HTML report links the timeline): trace_output (absolute path),
 * trace_events, trace_dropped. */
static void trace_facts(const hpi_trace_state *st, hp_snapshot *snap)
{
	char num[32], *abs = realpath(st->path, NULL);

	st->host->snapshot_meta(snap, "trace_output", abs ? abs : st->path);
	free(abs);
	snprintf(num, sizeof(num), "%zu", st->n);
	st->host->snapshot_meta(snap, "trace_events", num);
	snprintf(num, sizeof(num), "%llu", (unsigned long long)st->dropped);
	st->host->snapshot_meta(snap, "trace_dropped", num);
}

/* Resident bytes of the buffer's mapping (mincore), 0 when unknown. */
static uint64_t trace_resident(const hpi_trace_state *st)
{
	long pg = sysconf(_SC_PAGESIZE);
	size_t npages, k, chunk = 4096;
	unsigned char vec[4096];
	uint64_t res = 0;

	if (st->buf == NULL || pg <= 0)
		return 0;
	npages = (st->maplen + (size_t)pg - 1) / (size_t)pg;
	for (size_t i = 0; i < npages; i += k) {
		k = npages - i < chunk ? npages - i : chunk;
		if (mincore((char *)st->buf + i * (size_t)pg, k * (size_t)pg, vec) != 0)
			return 0;
		for (size_t j = 0; j < k; j++)
			res += vec[j] & 1;
	}
	return res * (uint64_t)pg;
}

/* The "trace" section: where the file goes, events kept and dropped.  The
 * final snapshot (the report's) writes the file first. */
static int trace_snapshot(void *state, hp_snapshot *snap)
{
	hpi_trace_state *st = state;
	const hp_host *h = st->host;
	hp_section *sec;
	size_t r;

	if (h->final() && st->written == 0) {
		st->written = hpi_trace_write(st) == 0 ? 1 : -1;
		if (st->written > 0)
			trace_facts(st, snap);
		if (hpi_trace_timeline(st, snap) != 0)
			h->warn("trace", "out of memory: the report has no timeline");
		if (st->dropped > 0)
			h->warn("trace", "%llu events dropped past collectors.trace.buffer "
				"(%zu events): %s", (unsigned long long)st->dropped, st->max,
				st->nomem ? "out of memory" : st->ring ? "the newest were kept"
								     : "the oldest were kept");
	}
	if ((sec = h->section_add(snap, "trace", "Trace")) == NULL)
		return HP_ENOMEM;
	h->column_add(sec, "file", "File", HP_UNIT_TEXT);
	h->column_add(sec, "state", "State", HP_UNIT_TEXT);
	h->column_add(sec, "events", "Events", HP_UNIT_COUNT);
	h->column_add(sec, "dropped", "Dropped", HP_UNIT_COUNT);
	h->column_add(sec, "buffer", "Buffer", HP_UNIT_COUNT);
	h->column_add(sec, "overflow", "Overflow", HP_UNIT_TEXT);
	h->column_add(sec, "memory", "Memory", HP_UNIT_BYTES);
	r = h->row_add(sec);
	h->cell_text(sec, r, 0, st->path);
	h->cell_text(sec, r, 1, st->written > 0 ? "written" : st->written < 0 ? "failed"
									  : "recording");
	h->cell_int(sec, r, 2, (int64_t)st->n);
	h->cell_int(sec, r, 3, (int64_t)st->dropped);
	h->cell_int(sec, r, 4, (int64_t)st->max);
	h->cell_text(sec, r, 5, st->ring ? "ring" : "stop");
	h->cell_int(sec, r, 6, (int64_t)trace_resident(st));
	return 0;
}

static void trace_fini(void *state)
{
	hpi_trace_state *st = state;

	if (st == NULL)
		return;
	if (st->buf != NULL)
		munmap(st->buf, st->maplen);
	free(st->names);
	free(st->path);
	free(st);
}

/* collectors.trace.* (the file is report.trace_output) */
static const hp_option trace_options[] = {
	{ .key = "enabled", .type = HP_OPT_BOOL, .dflt = "false", .env = "HOTPATH_TRACE",
	  .help = "The trace timeline: every measured call, lock wait and hold, channel message and future poll, written at report time as a Chrome Trace Event file for Perfetto ([trace.md](trace.md)); `hotpath run --trace`." },
	{ .key = "buffer", .type = HP_OPT_INT, .min = 1, .max = 100000000, .dflt = "1000000",
	  .env = "HOTPATH_TRACE_BUFFER", .help = "Events kept, 24 bytes each; the dropped count is in the file and one stderr line." },
	{ .key = "overflow", .type = HP_OPT_ENUM, .values = "ring|stop", .dflt = "ring",
	  .env = "HOTPATH_TRACE_OVERFLOW",
	  .help = "When the buffer is full: `ring` keeps the newest events, `stop` the oldest." },
	{ .key = NULL },
};

const hp_plugin_ops hpi_trace_plugin = {
	.abi = HP_PLUGIN_ABI,
	.size = sizeof(hp_plugin_ops),
	.name = "trace",
	.description = "timeline of calls, locks, channel messages and polls (trace.json)",
	.events = HP_EV_BIT(HP_EV_SCOPE) | HP_EV_BIT(HP_EV_LOCK_WAIT) |
		  HP_EV_BIT(HP_EV_LOCK_HOLD) | HP_EV_BIT(HP_EV_RLOCK_WAIT) |
		  HP_EV_BIT(HP_EV_RLOCK_HOLD) | HP_EV_BIT(HP_EV_CHAN_SEND) |
		  HP_EV_BIT(HP_EV_CHAN_RECV) | HP_EV_BIT(HP_EV_FUTURE_POLL) |
		  HP_EV_BIT(HP_EV_THREAD_EXIT),
	.init = trace_init,
	.on_event = trace_event,
	.snapshot = trace_snapshot,
	.fini = trace_fini,
	.on_events = trace_events,
	.options = trace_options,
};
