/* SPDX-License-Identifier: MIT */
/*
 * trace.h - the trace plugin with explicit settings, for its tests: as
 * its init builds it from collectors.trace and report.trace_output.
 */
#ifndef HOTPATH_PLUGINS_TRACE_H
#define HOTPATH_PLUGINS_TRACE_H

#include <stdbool.h>
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

#endif
