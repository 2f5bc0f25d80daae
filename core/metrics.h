/* SPDX-License-Identifier: MIT */
/*
 * metrics.h - OpenMetrics for Prometheus (docs/metrics.md): the text of a
 * snapshot, the HTTP endpoint that serves it (publish.metrics) and the
 * pieces `hotpath exporter` shares with it.  Never installed.
 */
#ifndef HPI_METRICS_H
#define HPI_METRICS_H

#include "config_impl.h"
#include "snapshot.h"
#include "strbuf.h"
#include "warn.h"
#include "wire.h"

struct hpi_registry;

/* The bounds of hotpath_function_duration_seconds, in ns, ascending. */
extern const uint64_t hpi_metrics_bounds[];
extern const size_t hpi_metrics_nbounds;

/* A snapshot of every plugin for rendering: facts program, pid and
 * start_unix_ns, and "metrics.buckets" so that the timing plugin adds its
 * histogram's cumulative counts.  Collector thread.  NULL on ENOMEM; free
 * with hpi_snapshot_free. */
hp_snapshot *hpi_metrics_snapshot(struct hpi_registry *r, const char *program, long pid,
				  uint64_t unix0_ns);
/* Appends the OpenMetrics text of s (families, then "# EOF" when eof). */
void hpi_metrics_render(hpi_buf *out, const hp_snapshot *s, bool eof);
/* Appends OpenMetrics text om (len bytes, as hpi_metrics_render writes it)
 * converted to the Prometheus text format 0.0.4: no UNIT lines nor "# EOF",
 * counters' TYPE and HELP named with their _total sample name. */
void hpi_metrics_text004(hpi_buf *out, const char *om, size_t len);
/* Appends the families of n OpenMetrics texts merged: each family once, its
 * metadata from the first text that has it and its samples from each text
 * in turn, then "# EOF".  What the exporter serves. */
void hpi_metrics_merge(hpi_buf *out, const char *const *txt, const size_t *len, size_t n);
/* Appends s escaped as a label value (backslash, double quote, newline;
 * ill-formed UTF-8 as U+FFFD), without the quotes. */
void hpi_metrics_label(hpi_buf *out, const char *s);

/*
 * The HTTP endpoint (one per process): nng's HTTP server at url
 * ("http://127.0.0.1:9464/metrics"; the path is the handler's).  A scrape
 * asks for a fresh text (hpi_mserver_wanted), waits up to wait_ms for the
 * producer to hand one over (hpi_mserver_put) and serves it, else the last
 * one; it never waits for the producer's lock, only for this short one.
 * OpenMetrics when the scraper accepts it, else text 0.0.4.  0, or an nng
 * error with a static reason in *why.
 */
int hpi_mserver_start(const char *url, int wait_ms, const char **why);
/* Whether a scrape waits for a text (then the producer renders one). */
bool hpi_mserver_wanted(void);
/* Blocks until a scrape waits (true) or timeout_ms pass (false): the
 * exporter's loop, which has nothing else to do. */
bool hpi_mserver_wait(int timeout_ms);
/* Hands a text over; takes b's data (b is left empty). */
void hpi_mserver_put(hpi_buf *b);
/* The port listened on (useful with port 0), or 0. */
int hpi_mserver_port(void);
/* Stops serving: waiting scrapes get the last text, the server closes. */
void hpi_mserver_stop(void);

/* The guard's endpoint: publish.metrics, rendered on the collector. */
typedef struct hpi_metrics hpi_metrics;
/* NULL when publish.metrics is off, or after one hpi_warn line when it
 * cannot listen (the program runs on).  Free with hpi_metrics_stop. */
hpi_metrics *hpi_metrics_start(const hpi_config *c, struct hpi_registry *r,
			       const hpi_publish_info *in);
/* Collector thread, after a pass: renders once when a scrape waits.
 * NULL is a no-op. */
void hpi_metrics_tick(hpi_metrics *m);
/* The last tick's render: the snapshot's ns, the text's ns (snapshot
 * freed included) and its bytes.  For bench/bench_metrics. */
void hpi_metrics_last(uint64_t *snap_ns, uint64_t *render_ns, size_t *bytes);
/* Once the collector has stopped.  NULL is a no-op. */
void hpi_metrics_stop(hpi_metrics *m);
/* The text a query {"cmd":"metrics"} answers (publish.c): a fresh snapshot
 * rendered, "# EOF" included.  Collector thread. */
void hpi_metrics_answer(hpi_buf *out, struct hpi_registry *r, const hpi_publish_info *in);

#endif
