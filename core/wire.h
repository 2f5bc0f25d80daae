/* SPDX-License-Identifier: MIT */
/*
 * wire.h - the wire format: messages, requests and replies (wire.c,
 * docs/wire.md).
 */
#ifndef HPI_WIRE_H
#define HPI_WIRE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "config_impl.h"
#include "snapshot.h"
#include "strbuf.h"

#define HPI_WIRE_SCHEMA 1   /* "schema" of every message and reply */
#define HPI_QUERY_MAX 4096  /* bytes in a request; longer ones get an error */

/* Every "cmd" the query socket answers (docs/wire.md), in the order the
 * unknown_cmd error lists them: X(name, who answers it).  Add a command
 * here and where it is answered; the error message follows. */
#define HPI_WIRE_CMDS(X)                                   \
	X(hello, "wire.c")                                 \
	X(sections, "wire.c")                              \
	X(snapshot, "wire.c")                              \
	X(section, "wire.c")                               \
	X(log, "wire.c")                                   \
	X(metrics, "metrics_server.c, publish_query.c")    \
	X(cpu_start, "the cpu collector (hpi_registry_query)")  \
	X(cpu_stop, "the cpu collector (hpi_registry_query)")   \
	X(cpu_status, "the cpu collector (hpi_registry_query)")

/* Facts about the profiled program that every message carries.  Strings
 * are borrowed by hpi_publish_start, which copies them. */
typedef struct hpi_publish_info {
	const char *program, *caller, *host; /* host: set by the publisher */
	const char *endpoint, *query;        /* set by the publisher from the config */
	long pid;
	uint64_t unix0_ns, mono0_ns;         /* start: CLOCK_REALTIME, CLOCK_MONOTONIC */
	int interval_ms;                     /* set by the publisher */
	uint64_t sent, dropped;              /* messages so far, kept by the publisher */
	uint64_t refused;                    /* connections refused past the cap */
	uint64_t refused_queries;            /* queries refused past publish.query_rate */
	const double *pcts;                  /* the report's percentiles */
	size_t npcts;
	double pctbuf[HPI_MAX_PCTS];         /* the publisher's copy */
} hpi_publish_info;

/* A parsed request: owned strings, NULL when absent. */
typedef struct hpi_query {
	char *cmd, *section, *row;
} hpi_query;
/* Parses a request (one JSON object whose values are strings; unknown keys
 * are ignored).  0, or HP_EINVAL with a static reason in *why.  Free with
 * hpi_query_fini (also after a failure, a no-op then). */
int hpi_query_parse(const char *req, size_t len, hpi_query *q, const char **why);
void hpi_query_fini(hpi_query *q);
/* The reply to request req (any bytes, len of them) from snapshot s, as
 * one line of JSON into out, which must start empty (docs/wire.md). */
void hpi_query_answer(hpi_buf *out, const hp_snapshot *s, const hpi_publish_info *in,
		      const char *req, size_t len);
/* The body of a hello message (docs/wire.md) appended to out. */
void hpi_publish_hello(hpi_buf *out, const hp_snapshot *s, const hpi_publish_info *in);
/* The "report" of a section message appended to out: a one-line JSON
 * report of sec alone, every row, without the rows' logs. */
void hpi_wire_section(hpi_buf *out, const hp_section *sec, const hpi_publish_info *in);
/* Replaces what out holds with the error reply {"type":"hotpath_error",...}. */
void hpi_wire_error(hpi_buf *out, const char *code, const char *message);

#endif
