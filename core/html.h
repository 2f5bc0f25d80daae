/* SPDX-License-Identifier: MIT */
/*
 * html.h - the HTML report (html.c).
 */
#ifndef HPI_HTML_H
#define HPI_HTML_H

#include "strbuf.h"
#include "snapshot.h"
#include "render.h"

/* The HTML report's script: defines hpReport(document) (after hpi_flame_js). */
extern const char hpi_html_js[];
/* The HTML report (docs/flamegraph.md): every section as a sortable
 * table, the flame graph of o->stacks, the threads' CPU.  o may be NULL. */
void hpi_render_html(hpi_buf *out, const hp_snapshot *s, const hpi_render_opts *o);

#endif
