/* SPDX-License-Identifier: MIT */
/*
 * sample.h - sampled timing (sample.c, docs/sampling.md).
 */
#ifndef HPI_SAMPLE_H
#define HPI_SAMPLE_H

#include <stdbool.h>
#include <stdint.h>

#include "config_impl.h"

/* A guard starts: reads collectors.timing.sample and .sample_sites and,
 * with reset, starts every countdown and count over.  Returns
 * HP__ON_SAMPLE when some site may be sampled by configuration, else 0. */
int hpi_sample_start(const hpi_config *c, bool reset);
/* Site id's rate this guard, plus 1: 0 when the site is timed on every
 * call (or has not been called), 1 when it is counted without timing,
 * N + 1 when 1 in N calls is timed. */
uint32_t hpi_sample_rate(uint32_t id);
/* Site ids below this may have a rate. */
uint32_t hpi_sample_nsites(void);
void hpi_sample_atfork_prepare(void);
void hpi_sample_atfork_parent(void);
void hpi_sample_atfork_child(void);

#endif
