/* SPDX-License-Identifier: MIT */
/*
 * panel.h - Lua panels of `hotpath console` (docs/console.md): a script
 * listed in console.panels gets each snapshot of the current target and
 * returns rows and columns, or draws with a small API (text, bar,
 * sparkline).  Each panel keeps one Lua state for the console's life, so
 * it can remember earlier snapshots (a sparkline's history).  An error of
 * any kind ends up as text inside the panel; the console runs on.
 */
#ifndef HPC_PANEL_H
#define HPC_PANEL_H

#include <stddef.h>

#include "model.h"

typedef struct hpc_panels hpc_panels;

/* Loads each script of names (hpi_lua_find: as given, the bundled
 * scripts/panels/, $HOTPATH_SCRIPT_PATH) and adds one panel tab per script
 * to m.  A script that cannot be found or loaded still gets its tab, which
 * shows why.  Free with hpc_panels_free. */
hpc_panels *hpc_panels_load(hpc_model *m, char *const *names, size_t n);
void hpc_panels_free(hpc_panels *p);
/* Runs every panel on t's sections (t may be NULL: nothing to show),
 * filling m->panels; width and height are the panel area's size. */
void hpc_panels_update(hpc_panels *p, hpc_model *m, const hpc_target *t, int width,
		       int height);

/* The wall-clock cap of one update (default 10000 ms); tests that check
 * the other caps raise it, so that a loaded machine stops nothing early. */
void hpc_panels_time_cap(unsigned ms);

#endif /* HPC_PANEL_H */
