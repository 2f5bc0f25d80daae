/* SPDX-License-Identifier: MIT */
/*
 * auto_work.c - the function bench_auto calls, built twice: as work_plain
 * (no instrumentation) and as work_inst (-finstrument-functions), from
 * this one source (bench/Makemodule.am).
 */
#include <stdint.h>

void WORK_FN(uint64_t x);

volatile uint64_t WORK_SINK;

__attribute__((noinline)) void WORK_FN(uint64_t x)
{
	WORK_SINK = x;
}
