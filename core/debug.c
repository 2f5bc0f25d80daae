/* SPDX-License-Identifier: MIT */
/*
 * debug.c - HP_DBG: the calling thread copies the arguments, the collector
 * formats the message (docs/values.md).
 *
 * A message is one group of records in the thread's buffer, never split
 * across chunks:
 *   {t, id | HP__EV_DEBUG << 24, nrec | nargs << 8 | kinds << 12}
 * then nrec records {word, 0, 0} (site 0: the drain loop passes over
 * them): one per integer, double or pointer argument, and for a string
 * its length then its bytes, 8 per record, low byte first.  kinds holds
 * each argument's HP__DBG_* in 2 bits.  The calling thread reads the clock
 * once and copies; no format is parsed there.
 */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "hpi.h"
#include "debug.h"
#include "tbuf.h"

/* A string argument's length, when it is NULL. */
#define DBG_NULL UINT64_MAX

/* Records a string argument takes. */
static size_t debug_str_recs(const char *s, size_t *len)
{
	*len = s != NULL ? strnlen(s, HPI_DBG_STR_MAX) : 0;
	return 1 + (*len + 7) / 8;
}

void hp__dbg(hp_site *site, uint32_t kinds, uint32_t n, const uint64_t *w)
{
	struct hp__rec recs[1 + HP__DBG_MAXARGS * (1 + HPI_DBG_STR_MAX / 8)];
	uint32_t id = __atomic_load_n(&site->id, __ATOMIC_ACQUIRE);
	size_t k = 1;

	if (id == 0 && (id = hp__probe_register(site)) == 0)
		return;
	if (n > HP__DBG_MAXARGS)
		n = HP__DBG_MAXARGS;
	for (uint32_t i = 0; i < n; i++) {
		uint32_t kind = kinds >> (2 * i) & 3;

		if (kind != HP__DBG_STR) {
			recs[k++] = (struct hp__rec){w[i], 0, 0};
			continue;
		}
		const char *s = (const char *)(uintptr_t)w[i];
		size_t len;
		size_t nr = debug_str_recs(s, &len);

		recs[k] = (struct hp__rec){s != NULL ? len : DBG_NULL, 0, 0};
		for (size_t j = 1; j < nr; j++) {
			uint64_t word = 0;
			for (size_t b = 0; b < 8 && (j - 1) * 8 + b < len; b++)
				word |= (uint64_t)(unsigned char)s[(j - 1) * 8 + b] << (8 * b);
			recs[k + j] = (struct hp__rec){word, 0, 0};
		}
		k += nr;
	}
	recs[0].t = hp__now();
	recs[0].site = id | (uint32_t)HP__EV_DEBUG << HP__KIND_SHIFT;
	recs[0].dt = (uint32_t)(k - 1) | n << 8 | (kinds & 0xffffu) << 12;
	hpi_emit_group(recs, k);
}

/* ---- formatting, on the collector ---------------------------------------- */

typedef struct dbg_out {
	char *buf;
	size_t len, pos; /* pos stops at len - 1: the rest is cut */
} dbg_out;

static void dbg_put(dbg_out *o, const char *s, size_t n)
{
	size_t room = o->len - 1 - o->pos;

	if (n > room)
		n = room;
	memcpy(o->buf + o->pos, s, n);
	o->pos += n;
	o->buf[o->pos] = '\0';
}

__attribute__((format(printf, 2, 3)))
static void dbg_printf(dbg_out *o, const char *fmt, ...)
{
	char tmp[512];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(tmp, sizeof(tmp), fmt, ap);
	va_end(ap);
	if (n > 0)
		dbg_put(o, tmp, (size_t)n < sizeof(tmp) ? (size_t)n : sizeof(tmp) - 1);
}

/* The arguments as the records hold them, read in order. */
typedef struct dbg_args {
	const struct hp__rec *r, *end;
	uint32_t kinds, n, i;
	char str[HPI_DBG_STR_MAX + 1];
} dbg_args;

/* The next argument: its kind and word (a string is copied to a->str and
 * its word is 1, or 0 for NULL); -1 when there is none. */
static int dbg_next(dbg_args *a, uint64_t *w)
{
	int kind;

	if (a->i >= a->n || a->r >= a->end)
		return -1;
	kind = (int)(a->kinds >> (2 * a->i++) & 3);
	*w = (a->r++)->t;
	if (kind == HP__DBG_STR) {
		uint64_t len = *w;

		*w = len != DBG_NULL;
		if (len == DBG_NULL)
			len = 0;
		if (len > HPI_DBG_STR_MAX)
			len = HPI_DBG_STR_MAX;
		for (uint64_t b = 0; b < len; b++) {
			if (b % 8 == 0 && b > 0)
				a->r++;
			if (a->r >= a->end)
				return -1;
			a->str[b] = (char)(a->r->t >> (8 * (b % 8)));
		}
		if (len > 0)
			a->r++;
		a->str[len] = '\0';
	}
	return kind;
}

/* An integer conversion's value as printf would have taken it, given the
 * length modifier (lm: 'H' hh, 'h', 'l' and longer all 'L', 0 none). */
static long long dbg_signed(uint64_t w, char lm)
{
	switch (lm) {
	case 'H': return (signed char)w;
	case 'h': return (short)w;
	case 'L': return (long long)w;
	default: return (int)(uint32_t)w;
	}
}

static unsigned long long dbg_unsigned(uint64_t w, char lm)
{
	switch (lm) {
	case 'H': return (unsigned char)w;
	case 'h': return (unsigned short)w;
	case 'L': return w;
	default: return (uint32_t)w;
	}
}

/* One conversion; spec holds its flags, width and precision (with '*'
 * already replaced by numbers). */
static void dbg_conv(dbg_out *o, dbg_args *a, char *spec, size_t sl, char lm, char c)
{
	uint64_t w;
	int kind = dbg_next(a, &w);
	double d;

	if (kind < 0) {
		dbg_put(o, "(missing)", 9);
		return;
	}
	switch (c) {
	case 'd': case 'i': case 'u': case 'o': case 'x': case 'X': case 'c':
		if (kind == HP__DBG_DBL || kind == HP__DBG_STR)
			break;
		if (c == 'c') {
			memcpy(spec + sl, "c", 2);
			dbg_printf(o, spec, (int)(unsigned char)w);
		} else if (c == 'd' || c == 'i') {
			memcpy(spec + sl, "lld", 4);
			dbg_printf(o, spec, dbg_signed(w, lm));
		} else {
			spec[sl] = 'l';
			spec[sl + 1] = 'l';
			spec[sl + 2] = c;
			spec[sl + 3] = '\0';
			dbg_printf(o, spec, dbg_unsigned(w, lm));
		}
		return;
	case 'f': case 'F': case 'e': case 'E': case 'g': case 'G': case 'a': case 'A':
		if (kind == HP__DBG_DBL)
			memcpy(&d, &w, sizeof(d));
		else if (kind == HP__DBG_INT)
			d = (double)(long long)w;
		else
			break;
		spec[sl] = c;
		spec[sl + 1] = '\0';
		dbg_printf(o, spec, d);
		return;
	case 's':
		if (kind != HP__DBG_STR)
			break;
		memcpy(spec + sl, "s", 2);
		dbg_printf(o, spec, w ? a->str : "(null)");
		return;
	case 'p':
		if (kind == HP__DBG_DBL)
			break;
		memcpy(spec + sl, "p", 2);
		dbg_printf(o, spec, (void *)(uintptr_t)w);
		return;
	}
	dbg_put(o, "(?)", 3); /* the argument does not fit the conversion */
}

size_t hpi_debug_format(char *buf, size_t len, const char *fmt, const struct hp__rec *args,
			const struct hp__rec *end, uint32_t dt)
{
	dbg_out o = {buf, len, 0};
	dbg_args a = {.r = args, .end = end, .kinds = dt >> 12, .n = dt >> 8 & 0xf};

	buf[0] = '\0';
	if (fmt == NULL)
		fmt = "";
	while (*fmt != '\0' && o.pos < len - 1) {
		const char *pct = strchr(fmt, '%');
		char spec[64], lm = 0;
		size_t sl = 1;
		uint64_t w;

		if (pct == NULL) {
			dbg_put(&o, fmt, strlen(fmt));
			break;
		}
		dbg_put(&o, fmt, (size_t)(pct - fmt));
		fmt = pct + 1;
		if (*fmt == '%') {
			dbg_put(&o, "%", 1);
			fmt++;
			continue;
		}
		spec[0] = '%';
		while (*fmt != '\0' && strchr("-+ #0'", *fmt) != NULL && sl < 8)
			spec[sl++] = *fmt++;
		for (int part = 0; part < 2; part++) { /* width, then .precision */
			if (part == 1) {
				if (*fmt != '.')
					break;
				spec[sl++] = *fmt++;
			}
			if (*fmt == '*') {
				int kind = dbg_next(&a, &w), v;
				fmt++;
				v = kind == HP__DBG_INT ? (int)dbg_signed(w, 0) : 0;
				if (v > 4096 || v < -4096) /* our buffer is smaller */
					v = v < 0 ? -4096 : 4096;
				sl += (size_t)snprintf(spec + sl, 16, "%d", v);
			} else {
				int digits = 0;
				while (*fmt >= '0' && *fmt <= '9') {
					if (digits++ < 4)
						spec[sl++] = *fmt;
					fmt++;
				}
			}
		}
		if (*fmt == 'h') {
			lm = 'h';
			if (*++fmt == 'h') {
				lm = 'H';
				fmt++;
			}
		} else if (*fmt != '\0' && strchr("ljztqL", *fmt) != NULL) {
			lm = 'L';
			if (*fmt++ == 'l' && *fmt == 'l')
				fmt++;
		}
		if (*fmt == '\0')
			break;
		if (strchr("diuoxXcfFeEgGaAsp", *fmt) != NULL) {
			dbg_conv(&o, &a, spec, sl, lm, *fmt);
		} else { /* %n and the unknown: shown, never obeyed */
			dbg_put(&o, "%", 1);
			dbg_put(&o, fmt, 1);
		}
		fmt++;
	}
	return o.pos;
}
