/* SPDX-License-Identifier: MIT */
/*
 * host.h - the host services handed to plugins (host.c,
 * include/hotpath/plugin.h's hp_host).
 */
#ifndef HPI_HOST_H
#define HPI_HOST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <hotpath/plugin.h>

#include "config_impl.h"

/* A plugin's options as the host's option services read them (core/host.c). */
struct hp_options {
	const hpi_config *config;
	const char *prefix;   /* the plugin's name */
	const hp_option *rows; /* its option rows, or NULL */
	const hpi_optval *vals; /* rows' values: the config's for a built-in,
				 * own for an external plugin */
	hpi_optval own[HPI_MAX_OPTIONS];
	bool builtin;
};

/* The configuration behind a built-in plugin's options (borrowed), or NULL
 * for an external plugin: for keys outside collectors.<name> (trace reads
 * report.trace_output). */
const hpi_config *hpi_options_config(const hp_options *o);
/* A LIST option's items with their origins (borrowed, valid as long as
 * the configuration), or NULL when key has no LIST row. */
const hpi_strv *hpi_options_strv(const hp_options *o, const char *key);
/* The name of an event kind ("CHAN_SEND"), or NULL for an unknown one. */
const char *hpi_event_name(uint32_t kind);
/* The host table handed to plugins. */
const hp_host *hpi_host(void);
/* Percentiles and elapsed time the host table reports. */
void hpi_host_set_report(const double *pcts, size_t n, uint64_t start_mono_ns);
/* Freezes elapsed_ns() at the final report's wall time. */
void hpi_host_freeze(uint64_t elapsed_ns);
/* Whether the snapshot being taken is the final report's (frozen). */
bool hpi_host_final(void);

#endif
