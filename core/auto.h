/* SPDX-License-Identifier: MIT */
/*
 * auto.h - -finstrument-functions (auto.c, docs/auto.md).
 */
#ifndef HPI_AUTO_H
#define HPI_AUTO_H

#include <stdint.h>

/* An auto-instrumented call made while the same function was already
 * open on its thread carries HP__SCOPE_REC in its kind byte: the collector
 * turns it into HP_EV_SCOPE with the HP_SCOPE_RECURSIVE flag. */

/* The hot path stops measuring the auto site id (filtered out) until the
 * next guard starts. */
void hpi_auto_site_off(uint32_t id);
/* A guard starts: every auto site is measured again. */
void hpi_auto_guard_start(void);
void hpi_auto_atfork_prepare(void);
void hpi_auto_atfork_parent(void);
void hpi_auto_atfork_child(void);

#endif
