/* SPDX-License-Identifier: MIT */
/*
 * hist.c - log-linear histogram of durations (HDR-histogram style): values
 * below 128 are exact, above that each power of two is split into 128
 * buckets, so a percentile read off a bucket's midpoint is within 0.4 % of
 * the true value.  Octaves are allocated on first use: a function whose
 * calls span 10 µs..1 ms costs about 7 KiB.
 */
#include "config.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "hpi.h"

/* Empty histogram. */
void hpi_hist_init(hpi_hist *h)
{
	memset(h, 0, sizeof(*h));
	h->min = UINT64_MAX;
}

/* Frees the octaves. */
void hpi_hist_fini(hpi_hist *h)
{
	for (size_t i = 0; i <= HPI_HIST_OCTAVES; i++)
		free(h->oct[i]);
	memset(h, 0, sizeof(*h));
}

/* First value in an octave: allocate it, or count the value as lost. */
void hpi_hist_add_slow(hpi_hist *h, unsigned oct, unsigned sub)
{
	uint64_t *b = calloc(HPI_HIST_SUB, sizeof(*b));

	if (b == NULL) {
		h->oom = true;
		return;
	}
	h->oct[oct] = b;
	b[sub]++;
}

/* Midpoint of a bucket. */
static uint64_t hist_value(unsigned o, unsigned s)
{
	unsigned shift;
	uint64_t lo;

	if (o == 0)
		return s;
	shift = o - 1;
	lo = (uint64_t)(HPI_HIST_SUB + s) << shift;
	return lo + ((UINT64_C(1) << shift) >> 1);
}

/* Value at percentile p; 0 is the exact min and 100 the exact max. */
uint64_t hpi_hist_percentile(const hpi_hist *h, double p)
{
	uint64_t rank, seen = 0, v;

	if (h->count == 0)
		return 0;
	if (!(p > 0.0))
		return h->min;
	if (p >= 100.0)
		return h->max;
	rank = (uint64_t)ceil(p / 100.0 * (double)h->count);
	if (rank < 1)
		rank = 1;
	for (unsigned o = 0; o <= HPI_HIST_OCTAVES; o++) {
		if (h->oct[o] == NULL)
			continue;
		for (unsigned s = 0; s < HPI_HIST_SUB; s++) {
			seen += h->oct[o][s];
			if (seen >= rank) {
				v = hist_value(o, s);
				return v < h->min ? h->min : v > h->max ? h->max : v;
			}
		}
	}
	return h->max; /* buckets lost to an allocation failure */
}

/* Sum, saturated to 64 bits. */
uint64_t hpi_hist_sum(const hpi_hist *h)
{
	return h->sum > UINT64_MAX ? UINT64_MAX : (uint64_t)h->sum;
}

/* Cumulative counts at bounds: a bucket is counted at the first bound at
 * or above its lower edge, so out[j] may include values up to 1/128 above
 * bounds[j] (the bucket's width).  One pass over the allocated octaves. */
void hpi_hist_cumulative(const hpi_hist *h, const uint64_t *bounds, size_t n, uint64_t *out)
{
	size_t j = 0;

	memset(out, 0, n * sizeof(*out));
	for (unsigned o = 0; o <= HPI_HIST_OCTAVES && j < n; o++) {
		if (h->oct[o] == NULL)
			continue;
		for (unsigned s = 0; s < HPI_HIST_SUB; s++) {
			uint64_t lo = o == 0 ? s : (uint64_t)(HPI_HIST_SUB + s) << (o - 1);
			while (j < n && bounds[j] < lo)
				j++;
			if (j == n)
				break;
			out[j] += h->oct[o][s];
		}
	}
	for (size_t i = 1; i < n; i++)
		out[i] += out[i - 1];
}
