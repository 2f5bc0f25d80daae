/* SPDX-License-Identifier: MIT */
/*
 * site.h - the registry of measured sites (site.c).
 */
#ifndef HPI_SITE_H
#define HPI_SITE_H

#include <stdint.h>

#include <hotpath.h>
#include <hotpath/plugin.h>

/* hp__site_register with hp_site_info.arg set before the id is published. */
uint32_t hpi_site_register_arg(hp_site *site, const char *func, uint64_t arg);
/* Site info by id (NULL when unknown); lock-free. */
const hp_site_info *hpi_site_get(uint32_t id);
uint32_t hpi_site_count(void);
/* "<file stem>::<func>" into a new string. */
char *hpi_default_label(const char *file, const char *func);
/* A nameless site for the auto-instrumented function at fn (core/auto.c);
 * hpi_site_get names it.  Its id, or 0 when there are no more. */
uint32_t hpi_site_register_auto(uintptr_t fn);
/* The function address of an auto site (core/auto.c), 0 for any other. */
uintptr_t hpi_site_addr(uint32_t id);
/* fork(): the registry lock is held across it and fresh in the child. */
void hpi_site_atfork_prepare(void);
void hpi_site_atfork_parent(void);
void hpi_site_atfork_child(void);

#endif
