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

/* ---- the report's compact form (docs/report-format.md, "hist") ----------- */

/* An unsigned 128-bit number in decimal, then the character after (0:
 * none), in one append. */
static void hist_put_u128(hpi_buf *out, unsigned __int128 v, char after)
{
	char d[48], *p = d + sizeof(d);

	if (after != 0)
		*--p = after;
	do {
		*--p = (char)('0' + (int)(v % 10));
		v /= 10;
	} while (v != 0);
	hpi_buf_putn(out, p, (size_t)(d + sizeof(d) - p));
}

/* The same for 64 bits (no 128-bit division: a snapshot writes one per
 * non-empty bucket of every function), after the character before (0:
 * none). */
static void hist_put_u64(hpi_buf *out, char before, uint64_t v)
{
	char d[24], *p = d + sizeof(d);

	do {
		*--p = (char)('0' + (int)(v % 10));
		v /= 10;
	} while (v != 0);
	if (before != 0)
		*--p = before;
	hpi_buf_putn(out, p, (size_t)(d + sizeof(d) - p));
}

/* "1;COUNT;SUM;MIN;MAX;BUCKETS": BUCKETS lists every bucket from the first
 * to the last non-empty one, "+K" for K empty buckets in a row and the
 * count for a non-empty one, comma-separated.  Octaves never allocated
 * are skipped whole: a snapshot encodes every function's histogram (issue
 * 18: at 10,000 functions, a bucket-by-bucket walk of all 58 octaves with
 * a printf per number was the collector's largest cost). */
void hpi_hist_encode(const hpi_hist *h, hpi_buf *out)
{
	uint64_t gap = 0;
	bool first = true;

	hpi_buf_putc(out, '1');
	hist_put_u64(out, ';', h->count);
	hpi_buf_putc(out, ';');
	hist_put_u128(out, h->sum, ';');
	hist_put_u64(out, 0, h->count ? h->min : 0);
	hist_put_u64(out, ';', h->max);
	hpi_buf_putc(out, ';');
	for (unsigned o = 0; o <= HPI_HIST_OCTAVES; o++) {
		const uint64_t *oct = h->oct[o];
		if (oct == NULL) {
			gap += HPI_HIST_SUB;
			continue;
		}
		for (unsigned s = 0; s < HPI_HIST_SUB; s++) {
			uint64_t c = oct[s];
			if (c == 0) {
				gap++;
				continue;
			}
			if (gap > 0) {
				if (!first)
					hpi_buf_putc(out, ',');
				hist_put_u64(out, '+', gap);
				first = false;
			}
			hist_put_u64(out, first ? 0 : ',', c);
			first = false;
			gap = 0;
		}
	}
}

/* A decimal number at *p, advancing it; false when there is none or it
 * does not fit. */
static bool hist_num(const char **p, unsigned __int128 *v, unsigned __int128 cap)
{
	const char *s = *p;
	unsigned __int128 r = 0;

	if (*s < '0' || *s > '9')
		return false;
	for (; *s >= '0' && *s <= '9'; s++) {
		if (r > (cap - (unsigned)(*s - '0')) / 10)
			return false;
		r = r * 10 + (unsigned)(*s - '0');
	}
	*p = s;
	*v = r;
	return true;
}

/* Reads hpi_hist_encode's form into h (initialised here; free with
 * hpi_hist_fini).  0, or HP_ESYNTAX (malformed, or its buckets do not add
 * up to its count) or HP_ENOMEM. */
int hpi_hist_decode(hpi_hist *h, const char *s)
{
	unsigned __int128 v, f[4];
	uint64_t idx = 0, total = 0;
	const unsigned __int128 u64 = UINT64_MAX;

	hpi_hist_init(h);
	if (strncmp(s, "1;", 2) != 0)
		return HP_ESYNTAX;
	s += 2;
	for (int i = 0; i < 4; i++) {
		if (!hist_num(&s, &f[i], i == 1 ? ~(unsigned __int128)0 : u64) || *s++ != ';')
			goto bad;
	}
	h->count = (uint64_t)f[0];
	h->sum = f[1];
	h->min = h->count ? (uint64_t)f[2] : UINT64_MAX;
	h->max = (uint64_t)f[3];
	while (*s != '\0') {
		bool skip = *s == '+';
		unsigned o, sub;
		if (skip)
			s++;
		if (!hist_num(&s, &v, u64) || (*s != ',' && *s != '\0'))
			goto bad;
		if (*s == ',' && *++s == '\0')
			goto bad; /* a trailing comma */
		if (skip) {
			idx += (uint64_t)v;
			if (idx > (uint64_t)(HPI_HIST_OCTAVES + 1) * HPI_HIST_SUB)
				goto bad;
			continue;
		}
		if (idx >= (uint64_t)(HPI_HIST_OCTAVES + 1) * HPI_HIST_SUB || v == 0 ||
		    total + (uint64_t)v < total)
			goto bad;
		o = (unsigned)(idx / HPI_HIST_SUB);
		sub = (unsigned)(idx % HPI_HIST_SUB);
		if (h->oct[o] == NULL && (h->oct[o] = calloc(HPI_HIST_SUB, sizeof(uint64_t))) == NULL) {
			hpi_hist_fini(h);
			return HP_ENOMEM;
		}
		h->oct[o][sub] = (uint64_t)v;
		total += (uint64_t)v;
		idx++;
	}
	if (total != h->count || (h->count && h->min > h->max))
		goto bad;
	return 0;
bad:
	hpi_hist_fini(h);
	hpi_hist_init(h);
	return HP_ESYNTAX;
}

/* Adds src's values to dst: counts and sums add, min and max are the min
 * and max.  0, or HP_ENOMEM (dst then misses src's buckets of the octave
 * that could not be allocated, and says so in oom). */
int hpi_hist_merge(hpi_hist *dst, const hpi_hist *src)
{
	int rv = 0;

	if (src->count == 0)
		return 0;
	dst->count += src->count;
	dst->sum += src->sum;
	if (src->min < dst->min)
		dst->min = src->min;
	if (src->max > dst->max)
		dst->max = src->max;
	dst->oom |= src->oom;
	for (unsigned o = 0; o <= HPI_HIST_OCTAVES; o++) {
		if (src->oct[o] == NULL)
			continue;
		if (dst->oct[o] == NULL &&
		    (dst->oct[o] = calloc(HPI_HIST_SUB, sizeof(uint64_t))) == NULL) {
			dst->oom = true;
			rv = HP_ENOMEM;
			continue;
		}
		for (unsigned s = 0; s < HPI_HIST_SUB; s++)
			dst->oct[o][s] += src->oct[o][s];
	}
	return rv;
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
