/* SPDX-License-Identifier: MIT */
/*
 * term.c - the one sanitiser for text that reaches a terminal.
 *
 * Names, titles and values come from programs, plugins, configuration
 * files, saved reports and the network; printed raw, an escape sequence in
 * one of them can retitle the terminal, clear the screen, or (bidi
 * controls) make text read other than it is.  Every such text goes through
 * hpi_buf_term: C0 controls, DEL and bytes that are not UTF-8 become
 * "\x1b"-style escapes, C1 controls and bidi controls become "<U+202E>".
 * JSON output never goes through it: it stays byte-exact.
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "hpi.h"

/* Length of the well-formed UTF-8 sequence at s (n bytes left) and its code
 * point, or 0 when s does not start one. */
static size_t term_utf8(const unsigned char *s, size_t n, uint32_t *cp)
{
	size_t len, i;
	uint32_t c;

	if (s[0] < 0x80) {
		*cp = s[0];
		return 1;
	}
	if (s[0] >= 0xc2 && s[0] <= 0xdf)
		len = 2, c = s[0] & 0x1f;
	else if (s[0] >= 0xe0 && s[0] <= 0xef)
		len = 3, c = s[0] & 0x0f;
	else if (s[0] >= 0xf0 && s[0] <= 0xf4)
		len = 4, c = s[0] & 0x07;
	else
		return 0;
	if (len > n)
		return 0;
	for (i = 1; i < len; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		c = c << 6 | (s[i] & 0x3f);
	}
	if ((len == 3 && (c < 0x800 || (c >= 0xd800 && c <= 0xdfff))) ||
	    (len == 4 && (c < 0x10000 || c > 0x10ffff)))
		return 0;
	*cp = c;
	return len;
}

/* Whether cp is a bidirectional formatting control (Unicode UAX #9) or a
 * line or paragraph separator. */
static bool term_bidi(uint32_t cp)
{
	return cp == 0x061c || cp == 0x200e || cp == 0x200f ||
	       (cp >= 0x202a && cp <= 0x202e) || (cp >= 0x2066 && cp <= 0x2069) ||
	       cp == 0x2028 || cp == 0x2029;
}

/* The character at p (n bytes left): returns its length, with esc[0] set
 * to '\0' when it may be printed as is, else its escape in esc. */
static size_t term_step(const unsigned char *p, size_t n, unsigned flags, char esc[16])
{
	uint32_t cp = 0;
	size_t len = term_utf8(p, n, &cp);
	esc[0] = '\0';
	if (len > 0 && cp >= 0x20 && cp != 0x7f && !(cp >= 0x80 && cp <= 0x9f) && !term_bidi(cp))
		return len;
	if (len == 1 && ((cp == '\n' && (flags & HPI_TERM_NEWLINE)) ||
			 (cp == '\t' && (flags & HPI_TERM_TAB))))
		return 1;
	if (len == 0)
		snprintf(esc, 16, "\\x%02x", p[0]), len = 1;
	else if (cp < 0x80)
		snprintf(esc, 16, "\\x%02x", (unsigned)cp);
	else
		snprintf(esc, 16, "<U+%04X>", (unsigned)cp);
	return len;
}

/* See hpi.h. */
void hpi_buf_term(hpi_buf *b, const char *s, size_t n, unsigned flags)
{
	const unsigned char *p = (const unsigned char *)s;
	char esc[16];
	size_t i = 0, run = 0, len;

	if (s == NULL)
		return;
	while (i < n) {
		len = term_step(p + i, n - i, flags, esc);
		if (esc[0] == '\0') {
			i += len;
			run += len;
			continue;
		}
		hpi_buf_putn(b, (const char *)p + i - run, run);
		run = 0;
		hpi_buf_puts(b, esc);
		i += len;
	}
	hpi_buf_putn(b, (const char *)p + i - run, run);
}

/* See hpi.h. */
size_t hpi_term_copy(char *dst, size_t len, const char *s, size_t n, unsigned flags)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t i = 0, o = 0, k, e;
	char esc[16];

	if (len == 0)
		return 0;
	while (i < n) {
		k = term_step(p + i, n - i, flags, esc);
		e = esc[0] ? strlen(esc) : k;
		if (o + e >= len)
			break;
		memcpy(dst + o, esc[0] ? esc : (const char *)p + i, e);
		o += e;
		i += k;
	}
	dst[o] = '\0';
	return o;
}

/* See hpi.h. */
bool hpi_term_clean(const char *s, size_t n)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t i = 0, len;
	uint32_t cp;

	while (i < n) {
		if ((len = term_utf8(p + i, n - i, &cp)) == 0 || cp < 0x20 || cp == 0x7f ||
		    (cp >= 0x80 && cp <= 0x9f) || term_bidi(cp))
			return false;
		i += len;
	}
	return true;
}

/* See hpi.h. */
const char *hpi_term_str(char *dst, size_t len, const char *s)
{
	if (s == NULL)
		s = "(null)";
	hpi_term_copy(dst, len, s, strlen(s), 0);
	return dst;
}

/* See hpi.h. */
void hpi_buf_term_json(hpi_buf *b, const char *s, size_t n)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t i = 0, run = 0, len;
	char esc[16];
	uint32_t cp;

	if (s == NULL)
		return;
	while (i < n) {
		len = term_utf8(p + i, n - i, &cp);
		if (len > 0 && cp >= 0x20 && cp != 0x7f && !(cp >= 0x80 && cp <= 0x9f) &&
		    !term_bidi(cp)) {
			i += len;
			run += len;
			continue;
		}
		hpi_buf_putn(b, (const char *)p + i - run, run);
		run = 0;
		if (len == 0)
			cp = 0xfffd, len = 1; /* as hpi_buf_json_str writes ill-formed UTF-8 */
		snprintf(esc, sizeof esc, "\\u%04x", (unsigned)cp);
		hpi_buf_puts(b, esc);
		i += len;
	}
	hpi_buf_putn(b, (const char *)p + i - run, run);
}

/* See hpi.h. */
void hpi_term_json_print(FILE *f, const char *s, size_t n)
{
	hpi_buf b;

	if (hpi_term_clean(s, n)) {
		fwrite(s, 1, n, f);
		return;
	}
	hpi_buf_init(&b);
	hpi_buf_term_json(&b, s, n);
	if (b.data != NULL)
		fwrite(b.data, 1, b.len, f);
	hpi_buf_fini(&b);
}
