/* SPDX-License-Identifier: MIT */
/*
 * strbuf.c - a growable string for renderers.  Running out of memory never
 * crashes and never leaves a hole: the buffer keeps the prefix that fit,
 * sets `failed`, and ignores every later append.
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <stdlib.h>
#include <string.h>

#include "hpi.h"

#define BUF_MIN 64

/* Empty buffer; data stays NULL until the first append. */
void hpi_buf_init(hpi_buf *b)
{
	if (b == NULL)
		return;
	b->data = NULL;
	b->len = 0;
	b->cap = 0;
	b->failed = false;
}

/* Frees the data and leaves an empty buffer behind. */
void hpi_buf_fini(hpi_buf *b)
{
	if (b == NULL)
		return;
	free(b->data);
	hpi_buf_init(b);
}

static size_t buf_fail_above = SIZE_MAX; /* tests: a bigger buffer "fails" */

/* Tests: every buffer that would grow past max bytes fails as if realloc
 * had; SIZE_MAX restores. */
void hpi_buf_test_fail_above(size_t max)
{
	buf_fail_above = max;
}

/* Makes room for n more bytes plus the NUL; false (and failed set) when
 * that is impossible. */
static bool buf_reserve(hpi_buf *b, size_t n)
{
	size_t need, cap;
	char *p;

	if (b->failed)
		return false;
	if (n <= SIZE_MAX - 1 - b->len && b->len + n + 1 <= b->cap)
		return true;
	if (n > SIZE_MAX - 1 - b->len) {
		b->failed = true;
		return false;
	}
	need = b->len + n + 1;
	cap = b->cap < BUF_MIN ? BUF_MIN : b->cap;
	while (cap < need)
		cap = cap > SIZE_MAX / 2 ? need : cap * 2;
	if (cap > buf_fail_above || (p = realloc(b->data, cap)) == NULL) {
		b->failed = true;
		return false;
	}
	b->data = p;
	b->cap = cap;
	return true;
}

/* Appends n bytes of s; on failure appends the part that fits. */
void hpi_buf_putn_slow(hpi_buf *b, const char *s, size_t n)
{
	if (b == NULL || s == NULL || n == 0 || b->failed)
		return;
	if (!buf_reserve(b, n)) {
		if (b->cap == 0)
			return;
		n = b->cap - 1 - b->len; /* what still fits before the NUL */
	}
	memcpy(b->data + b->len, s, n);
	b->len += n;
	b->data[b->len] = '\0';
}

/* Appends one byte. */
void hpi_buf_i64(hpi_buf *b, int64_t v)
{
	char tmp[24], *p = tmp + sizeof(tmp);
	uint64_t u = v < 0 ? -(uint64_t)v : (uint64_t)v;

	do {
		*--p = (char)('0' + u % 10);
		u /= 10;
	} while (u != 0);
	if (v < 0)
		*--p = '-';
	hpi_buf_putn(b, p, (size_t)(tmp + sizeof(tmp) - p));
}


/* Appends printf output; on failure keeps the part that fit. */
void hpi_buf_printf(hpi_buf *b, const char *fmt, ...)
{
	va_list ap;
	size_t room;
	int n;

	if (b == NULL || fmt == NULL || b->failed)
		return;
	if (b->cap == 0 && !buf_reserve(b, BUF_MIN - 1))
		return;
	room = b->cap - b->len;
	va_start(ap, fmt);
	n = vsnprintf(b->data + b->len, room, fmt, ap);
	va_end(ap);
	if (n < 0) {
		b->data[b->len] = '\0';
		return;
	}
	if ((size_t)n < room) {
		b->len += (size_t)n;
		return;
	}
	if (!buf_reserve(b, (size_t)n)) {
		b->len = b->cap - 1; /* vsnprintf wrote the prefix that fits */
		return;
	}
	va_start(ap, fmt);
	vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
	va_end(ap);
	b->len += (size_t)n;
}

/* Length of the well-formed UTF-8 sequence at s (Unicode table 3-7), or,
 * when ill-formed, minus the length of its maximal subpart (at least 1). */
static int buf_utf8_len(const unsigned char *s)
{
	unsigned char lo = 0x80, hi = 0xbf;
	int need, i;

	if (s[0] < 0x80)
		return 1;
	if (s[0] >= 0xc2 && s[0] <= 0xdf)
		need = 2;
	else if (s[0] >= 0xe0 && s[0] <= 0xef)
		need = 3;
	else if (s[0] >= 0xf0 && s[0] <= 0xf4)
		need = 4;
	else
		return -1;
	if (s[0] == 0xe0)
		lo = 0xa0; /* no overlongs */
	else if (s[0] == 0xed)
		hi = 0x9f; /* no surrogates */
	else if (s[0] == 0xf0)
		lo = 0x90; /* no overlongs */
	else if (s[0] == 0xf4)
		hi = 0x8f; /* nothing above U+10FFFF */
	for (i = 1; i < need; i++) {
		if (s[i] < lo || s[i] > hi)
			return -i;
		lo = 0x80;
		hi = 0xbf;
	}
	return need;
}

/* Length of the UTF-8 sequence at s, or minus the length of its ill-formed
 * maximal subpart (the renderers that cut names to a width use it). */
int hpi_utf8_len(const char *s)
{
	return buf_utf8_len((const unsigned char *)s);
}

/* Appends n bytes of s escaped for XML and HTML text and attribute values:
 * & < > " ' as entities, tab, CR and LF as spaces, other control characters
 * and ill-formed UTF-8 as U+FFFD (XML 1.0 allows neither, even escaped). */
void hpi_buf_xmln(hpi_buf *b, const char *s, size_t n)
{
	const unsigned char *p = (const unsigned char *)s, *end = p + n, *run;
	int len;

	if (s == NULL)
		return;
	while (p < end) {
		for (run = p; p < end && *p >= 0x20 && *p < 0x7f && *p != '&' && *p != '<' &&
		     *p != '>' && *p != '"' && *p != '\'' ; p++)
			;
		hpi_buf_putn(b, (const char *)run, (size_t)(p - run));
		if (p >= end)
			break;
		switch (*p) {
		case '&': hpi_buf_puts(b, "&amp;"); p++; continue;
		case '<': hpi_buf_puts(b, "&lt;"); p++; continue;
		case '>': hpi_buf_puts(b, "&gt;"); p++; continue;
		case '"': hpi_buf_puts(b, "&quot;"); p++; continue;
		case '\'': hpi_buf_puts(b, "&#39;"); p++; continue;
		case '\t': case '\n': case '\r': hpi_buf_putc(b, ' '); p++; continue;
		default: break;
		}
		if (*p < 0x20 || *p == 0x7f) {
			hpi_buf_puts(b, "\xef\xbf\xbd");
			p++;
		} else if ((len = buf_utf8_len(p)) > 0 && p + len <= end) {
			hpi_buf_putn(b, (const char *)p, (size_t)len);
			p += len;
		} else {
			hpi_buf_puts(b, "\xef\xbf\xbd"); /* U+FFFD */
			p += len < 0 ? -len : 1;
		}
	}
}

/* hpi_buf_xmln of the whole string; NULL appends nothing. */
void hpi_buf_xml(hpi_buf *b, const char *s)
{
	if (s != NULL)
		hpi_buf_xmln(b, s, strlen(s));
}

/* Appends one control character in its JSON escape: the short form where
 * RFC 8259 has one, else \u00XX. */
static void buf_json_ctrl(hpi_buf *b, unsigned char c)
{
	static const char ctrl[] = "\b\f\n\r\t", letter[] = "bfnrt";
	static const char hex[] = "0123456789abcdef";
	char esc[6] = {'\\', 'u', '0', '0', 0, 0};
	const char *p = memchr(ctrl, c, sizeof(ctrl) - 1);

	if (p != NULL) {
		esc[1] = letter[p - ctrl];
		hpi_buf_putn(b, esc, 2);
		return;
	}
	esc[4] = hex[c >> 4];
	esc[5] = hex[c & 0xf];
	hpi_buf_putn(b, esc, 6);
}

/* Appends s as a JSON string literal (RFC 8259) with quotes; ill-formed
 * UTF-8 becomes U+FFFD, one per maximal subpart.  NULL appends null. */
void hpi_buf_json_str(hpi_buf *b, const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	const unsigned char *run;
	int n;

	size_t len;

	if (s == NULL) {
		hpi_buf_puts(b, "null");
		return;
	}
	/* the usual string needs no escape: one copy */
	for (len = 0; p[len] >= 0x20 && p[len] < 0x80 && p[len] != '"' && p[len] != '\\'; len++)
		;
	if (p[len] == '\0' && b != NULL && !b->failed && len + 2 < b->cap - b->len) {
		char *d = b->data + b->len;
		d[0] = '"';
		memcpy(d + 1, s, len);
		d[len + 1] = '"';
		d[len + 2] = '\0';
		b->len += len + 2;
		return;
	}
	hpi_buf_putc(b, '"');
	while (*p != '\0') {
		for (run = p; *p >= 0x20 && *p < 0x80 && *p != '"' && *p != '\\'; p++)
			;
		hpi_buf_putn(b, (const char *)run, (size_t)(p - run));
		if (*p == '\0')
			break;
		if (*p == '"' || *p == '\\') {
			hpi_buf_putc(b, '\\');
			hpi_buf_putc(b, (char)*p++);
		} else if (*p < 0x20) {
			buf_json_ctrl(b, *p++);
		} else if ((n = buf_utf8_len(p)) > 0) {
			hpi_buf_putn(b, (const char *)p, (size_t)n);
			p += n;
		} else {
			hpi_buf_puts(b, "\xef\xbf\xbd"); /* U+FFFD */
			p += -n;
		}
	}
	hpi_buf_putc(b, '"');
}

/* ---- small helpers -------------------------------------------------------- */

/* The file name without its folders. */
const char *hpi_basename(const char *path)
{
	const char *b;

	if (path == NULL)
		return "?";
	b = strrchr(path, '/');
	return b ? b + 1 : path;
}

/* The growing half of hpi_grow: doubles from 64 until id fits. */
bool hpi_grow_slow(void *arr, size_t *n, size_t elem, uint32_t id)
{
	char **a = arr, *p;
	size_t cap = *n ? *n : 64;

	if (id < *n)
		return true;
	while (cap <= id)
		cap *= 2;
	if ((p = realloc(*a, cap * elem)) == NULL)
		return false;
	memset(p + *n * elem, 0, (cap - *n) * elem);
	*a = p;
	*n = cap;
	return true;
}
