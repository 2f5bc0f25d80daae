/* SPDX-License-Identifier: MIT */
/*
 * clock.h - the clock: ticks, their calibration, CLOCK_MONOTONIC (clock.c).
 */
#ifndef HPI_CLOCK_H
#define HPI_CLOCK_H

#include <stdbool.h>
#include <stdint.h>

void hpi_clock_init(void);
/* ns per tick in 32.32 fixed point; written once per calibration. */
extern uint64_t hpi_clock_mult;
/* ticks -> ns using the current calibration. */
static inline uint64_t hpi_ticks_to_ns(uint64_t ticks)
{
	return (uint64_t)(((unsigned __int128)ticks *
			   __atomic_load_n(&hpi_clock_mult, __ATOMIC_RELAXED)) >> 32);
}
/* CLOCK_MONOTONIC in ns. */
uint64_t hpi_mono_ns(void);
/* Refines the calibration against CLOCK_MONOTONIC since init. */
void hpi_clock_recalibrate(void);
bool hpi_clock_is_tsc(void);
double hpi_clock_ghz(void);

#endif
