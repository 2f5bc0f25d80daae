/* SPDX-License-Identifier: MIT */
/*
 * hist.h - log-linear histogram, < 0.4 % relative error (hist.c).
 */
#ifndef HPI_HIST_H
#define HPI_HIST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "strbuf.h"

#include <hotpath/plugin.h>

/* The layout is the plugin ABI's (hp_hist in hotpath/plugin.h): the
 * timing plugin and third-party ones embed it and add values inline. */
#define HPI_HIST_SUB_BITS HP_HIST_SUB_BITS /* 128 sub-buckets per power of two */
#define HPI_HIST_SUB HP_HIST_SUB
#define HPI_HIST_OCTAVES HP_HIST_OCTAVES
typedef hp_hist hpi_hist;

void hpi_hist_init(hpi_hist *h);
void hpi_hist_fini(hpi_hist *h);
/* Allocates the octave of a first value (the slow half of hpi_hist_add). */
void hpi_hist_add_slow(hpi_hist *h, unsigned oct, unsigned sub);
/* Counts v in its bucket only (count, sum, min and max are the caller's):
 * plugin.h's hp_hist_bump with the slow half called directly. */
static inline void hpi_hist_bump(hpi_hist *h, uint64_t v)
{
	unsigned o, sub;

	hp_hist_index(v, &o, &sub);
	if (__builtin_expect(h->oct[o] != NULL, 1))
		h->oct[o][sub]++;
	else
		hpi_hist_add_slow(h, o, sub);
}

/* Records one value. */
static inline void hpi_hist_add(hpi_hist *h, uint64_t v)
{
	hp_hist_note(h, v);
	hpi_hist_bump(h, v);
}

/* Value at percentile p (0..100): 0 gives the exact min, 100 the exact max. */
uint64_t hpi_hist_percentile(const hpi_hist *h, double p);
/* Sum as a double and truncated to uint64 (saturating). */
uint64_t hpi_hist_sum(const hpi_hist *h);
/* The report's compact text form "1;COUNT;SUM;MIN;MAX;BUCKETS" (the "hist"
 * column, docs/report-format.md), appended to out. */
void hpi_hist_encode(const hpi_hist *h, hpi_buf *out);
/* Parses that form into h (initialised here; free with hpi_hist_fini):
 * 0, HP_ESYNTAX (malformed, or buckets that do not add up to the count) or
 * HP_ENOMEM. */
int hpi_hist_decode(hpi_hist *h, const char *s);
/* dst += src (buckets, count, sum; min and max).  0 or HP_ENOMEM. */
int hpi_hist_merge(hpi_hist *dst, const hpi_hist *src);
/* The values at or below each of n ascending bounds into out (n counts),
 * to within a bucket: a bucket whose lower edge is at or below a bound
 * counts there whole (values up to 0.8 % above it).  For OpenMetrics
 * histograms (core/metrics.c). */
#define HPI_METRICS_MAX_BOUNDS HP_HIST_MAX_BOUNDS
void hpi_hist_cumulative(const hpi_hist *h, const uint64_t *bounds, size_t n, uint64_t *out);

#endif
