/* SPDX-License-Identifier: MIT */
/*
 * clock.c - hotpath's clock: the TSC where it is invariant (x86-64) or the
 * generic timer (arm64), CLOCK_MONOTONIC otherwise.  Ticks are converted to
 * nanoseconds off the hot path with a 32.32 fixed-point multiplier
 * calibrated against CLOCK_MONOTONIC.
 */
#include "config.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#if defined(__x86_64__) || defined(__i386__)
#include <cpuid.h>
#endif

#include "hpi.h"

struct hp__rt hp__rt __attribute__((aligned(64)));

static pthread_once_t clock_once = PTHREAD_ONCE_INIT;
uint64_t hpi_clock_mult; /* ns per tick, 32.32 fixed point */
static uint64_t clock_tick0, clock_mono0; /* calibration origin */

/* CLOCK_MONOTONIC in nanoseconds. */
uint64_t hpi_mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* The hot path's fallback clock: ticks are nanoseconds. */
uint64_t hp__now_slow(void)
{
	return hpi_mono_ns();
}

/* Whether the CPU promises a TSC that runs at a constant rate in all states. */
static bool clock_tsc_invariant(void)
{
#if defined(__x86_64__) || defined(__i386__)
	unsigned a, b, c, d;

	if (!__get_cpuid(0x80000000u, &a, &b, &c, &d) || a < 0x80000007u)
		return false;
	__get_cpuid(0x80000007u, &a, &b, &c, &d);
	return (d & (1u << 8)) != 0;
#elif defined(__aarch64__)
	return true;
#else
	return false;
#endif
}

/* Raw tick without the hp__rt.tsc test. */
static uint64_t clock_raw(void)
{
#if defined(__x86_64__) || defined(__i386__)
	return __builtin_ia32_rdtsc();
#elif defined(__aarch64__)
	uint64_t v;
	__asm__ __volatile__("isb; mrs %0, cntvct_el0" : "=r"(v));
	return v;
#else
	return hpi_mono_ns();
#endif
}

/* A (CLOCK_MONOTONIC, tick) pair read as close together as possible: the
 * tick is read between two CLOCK_MONOTONIC reads, the tightest of 8 tries,
 * so a preemption between reads cannot skew the calibration. */
static void clock_pair(uint64_t *mono, uint64_t *tick)
{
	uint64_t best = UINT64_MAX;

	for (int i = 0; i < 8; i++) {
		uint64_t a = hpi_mono_ns(), t = clock_raw(), b = hpi_mono_ns();

		if (b - a < best) {
			best = b - a;
			*mono = a + (b - a) / 2;
			*tick = t;
		}
	}
}

/* Measures ticks per ns over a busy wait of CLOCK_CALIBRATE_NS: every
 * profiled program pays it once at start (it was 5 ms).  Each end is a
 * pair read within tens of ns (clock_pair), so 1 ms gives the rate to a
 * few parts in 100,000: far inside the histograms' error bound. */
#define CLOCK_CALIBRATE_NS 1000000u
static void clock_calibrate(void)
{
	uint64_t m0 = 0, m1 = 0, t0 = 0, t1 = 0;

	clock_pair(&m0, &t0);
	do
		clock_pair(&m1, &t1);
	while (m1 - m0 < CLOCK_CALIBRATE_NS);
	clock_tick0 = t0;
	clock_mono0 = m0;
	if (t1 <= t0)
		t1 = t0 + 1;
	hpi_clock_mult = (uint64_t)(((unsigned __int128)(m1 - m0) << 32) / (t1 - t0));
}

/* Chooses the clock once per process. */
static void clock_setup(void)
{
	const char *force = hpi_getenv("HOTPATH_CLOCK");
	bool tsc = clock_tsc_invariant();

	if (force != NULL && strcmp(force, "monotonic") == 0)
		tsc = false;
	if (tsc) {
		clock_calibrate();
		__atomic_store_n(&hp__rt.tsc, 1, __ATOMIC_RELEASE);
	} else {
		hpi_clock_mult = UINT64_C(1) << 32;
		__atomic_store_n(&hp__rt.tsc, 0, __ATOMIC_RELEASE);
	}
}

/* Sets up the clock; cheap after the first call. */
void hpi_clock_init(void)
{
	pthread_once(&clock_once, clock_setup);
}

/* Refines the multiplier over the whole time since calibration. */
void hpi_clock_recalibrate(void)
{
	uint64_t m, t;

	if (!hp__rt.tsc)
		return;
	m = hpi_mono_ns();
	t = clock_raw();
	if (m - clock_mono0 < 100000000u || t <= clock_tick0)
		return;
	__atomic_store_n(&hpi_clock_mult,
	    (uint64_t)(((unsigned __int128)(m - clock_mono0) << 32) / (t - clock_tick0)),
	    __ATOMIC_RELAXED);
}

/* Whether the hot path reads the TSC. */
bool hpi_clock_is_tsc(void)
{
	return hp__rt.tsc != 0;
}

/* Tick rate in GHz, for the benchmark's report. */
double hpi_clock_ghz(void)
{
	return hpi_clock_mult ? 4294967296.0 / (double)hpi_clock_mult : 0.0;
}
