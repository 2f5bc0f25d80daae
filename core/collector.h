/* SPDX-License-Identifier: MIT */
/*
 * collector.h - the one background thread that drains every thread's
 * buffer and feeds the event bus.
 */
#ifndef HPI_COLLECTOR_H
#define HPI_COLLECTOR_H

#include "registry.h"
#include "metrics.h"
#include "publish.h"

typedef struct hpi_collector hpi_collector;

/* HP_EV_SCOPE's flags (HP_SCOPE_*) for a record's kind byte, which is
 * HP__SCOPE_KIND or more. */
extern const uint32_t hpi_scope_flags[128];

/* Starts the "hp-collector" thread; NULL with a malloc'ed *cause on
 * failure.  interval_ms: the sleep while records keep coming (and the
 * least time between passes that a nudge brings forward); idle_ms: the
 * longest sleep, reached while few or none come (at least interval_ms). */
hpi_collector *hpi_collector_start(hpi_registry *r, uint64_t t0_ticks,
				   int interval_ms, int idle_ms, char **cause);
/* Wakes the running collector early: a profiled thread whose buffer filled
 * HPI_NUDGE_CHUNKS chunks (tbuf.h).  Any thread; a system call only when
 * the collector sleeps; nothing when none runs. */
void hpi_collector_nudge(void);
/* Wakes the collector also when fd is readable (as a nudge: no sooner
 * than interval_ms after the last pass), or no more (-1).  The CPU
 * sampler's epoll over its rings; set and cleared on the collector's
 * thread (a plugin's init, event or query) or before it starts. */
void hpi_collector_watch(int fd);
/* Stops the thread after a final drain and frees c.  NULL is a no-op. */
void hpi_collector_stop(hpi_collector *c);
/* Drains every buffer once on the calling thread (collector not running). */
void hpi_collector_drain_now(hpi_registry *r, uint64_t t0_ticks);
/* Copies every thread's pending records out of its chunks into memory of
 * the collector's (at most the thread's collector.buffer_max_mb again) and
 * hands the chunks back to the thread; the next drain takes them first, in
 * order.  The collector thread while it builds a snapshot (every 512 rows,
 * hpi_snapshot_pulse), or a test with no collector running. */
void hpi_collector_aside(void);
/* The longest time (ns) the program's records waited between two drains
 * (or asides) since the last call, which starts the count again: how
 * close the buffers came to filling (bench_publish). */
uint64_t hpi_collector_longest_wait(void);
/* Publishes through p after every pass (collector thread); p must outlive
 * the collector (stop the collector first).  NULL stops publishing. */
void hpi_collector_publish(hpi_collector *c, hpi_publisher *p);
/* Renders publish.metrics after each pass when a scrape waits (NULL: none). */
void hpi_collector_metrics(hpi_collector *c, hpi_metrics *m);
/* fork(): a pass in progress ends first; the child's lock is fresh. */
void hpi_collector_atfork_prepare(void);
void hpi_collector_atfork_parent(void);
void hpi_collector_atfork_child(void);
/* Records processed so far (all threads). */
uint64_t hpi_collector_records(const hpi_collector *c);

#endif
