/* SPDX-License-Identifier: MIT */
/*
 * registry.h - plugins: the built-in table, the loader for external .so
 * plugins and the event bus that feeds them (registry.c; the host
 * services they get are in host.h).
 */
#ifndef HPI_REGISTRY_H
#define HPI_REGISTRY_H

#include "config_impl.h"
#include "snapshot.h"
#include "strbuf.h"

/* Built-in plugins, registered through the same ops table as external
 * ones: hpi_<name>_plugin for every line of hp_builtins.h (config_impl.h). */
#define HPI_BUILTIN(name) extern const hp_plugin_ops hpi_##name##_plugin;
#include "hp_builtins.h"
#undef HPI_BUILTIN

typedef struct hpi_registry hpi_registry;

/* The built-in collectors' ops tables, in registration order (registry.c). */
extern const hp_plugin_ops *const hpi_builtins[HPI_NBUILTINS];

/* Index of built-in collector name in hpi_builtins, or -1. */
int hpi_builtin_find(const char *name);


/*
 * Loads the built-in plugins enabled in c (those without an "enabled"
 * option row always are), then c->plugin_load, and calls
 * every init.  Each failure is one hpi_warn line naming where the plugin was
 * asked for; the plugin is left out and the rest run.  *failures counts
 * them.  Caller frees with hpi_registry_free().
 */
hpi_registry *hpi_registry_new(const hpi_config *c, int *failures);
/* Calls every fini and dlcloses external plugins.  NULL is a no-op. */
void hpi_registry_free(hpi_registry *r);
/* Dispatches one event to the plugins subscribed to its kind. */
void hpi_registry_dispatch(hpi_registry *r, const hp_event *ev);
/* Dispatches n events, each plugin getting the run of events it subscribed
 * to (a batch per plugin: one indirect call for many events).  kinds is
 * the OR of HP_EV_BIT() of the events' kinds: a plugin that wants none of
 * them is skipped, one that wants all of them gets the batch whole. */
void hpi_registry_dispatch_batch(hpi_registry *r, const hp_event *evs, size_t n,
				 uint64_t kinds);
/* Whether any plugin wants this kind. */
bool hpi_registry_wants(const hpi_registry *r, hp_event_kind kind);
/*
 * The plugin fed measured calls as records (hp_plugin_ops.on_records and
 * on_scope, the timing plugin's way) when it is the only plugin that wants
 * HP_EV_SCOPE and has both ops, else NULL; its state in *state.  The
 * collector then hands it runs of plain measured-call records as they are
 * and its other SCOPE events one at a time through on_scope, in their
 * order: the same results without building an event per call.
 */
const hp_plugin_ops *hpi_registry_direct(const hpi_registry *r, void **state);
/* A registry of one plugin whose init the caller ran (state given): what
 * `hotpath attach` publishes through.  hpi_registry_free calls its fini. */
hpi_registry *hpi_registry_of(const hp_plugin_ops *ops, void *state);
/*
 * A query some plugin answers (hp_plugin_ops.queries: cpu_start, cpu_stop,
 * cpu_status, docs/wire.md): false when req's cmd is none of them, else
 * the reply is in out (which must start empty): the plugin's, or the
 * no_collector error of a built-in plugin that is off.  Collector thread,
 * like every query.
 */
bool hpi_registry_query(hpi_registry *r, const char *req, size_t len, hpi_buf *out);
/* Every plugin adds its sections to snap. */
void hpi_registry_snapshot(hpi_registry *r, hp_snapshot *snap);
#endif
