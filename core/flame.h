/* SPDX-License-Identifier: MIT */
/*
 * flame.h - folded stacks and the flame graph (flame.c).
 */
#ifndef HPI_FLAME_H
#define HPI_FLAME_H

#include <stdbool.h>

#include "strbuf.h"
#include "snapshot.h"

/* The section that `--stacks NAME` draws: "stacks" for NULL or "",
 * "cpu_stacks" for "cpu", else NAME itself.  Borrowed. */
const char *hpi_flame_section(const char *name);
/*
 * Collapsed stacks (docs/flamegraph.md) of section id (see
 * hpi_flame_section) of s: one "a;b;c SELF_NS" line per call path whose
 * self time is above 0, depth first, frames in byte order.  Returns 0,
 * HP_ENOENT when s has no such section, HP_EINVAL when it has no text
 * "stack" or integer "self" column, or HP_ENOMEM.
 */
int hpi_render_folded(hpi_buf *out, const hp_snapshot *s, const char *id);
/*
 * The flame graph of the same section as SVG: a self-contained document
 * (standalone: XML prolog, its own script) or an <svg> element for the
 * HTML report, which runs hpi_flame_js itself.  Returns as
 * hpi_render_folded.
 */
int hpi_render_flame_svg(hpi_buf *out, const hp_snapshot *s, const char *id,
			 bool standalone);
/* The flame graph's script: defines hpFlame(svgElement). */
extern const char hpi_flame_js[];

#endif
