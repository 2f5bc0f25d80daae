/* SPDX-License-Identifier: MIT */
/*
 * strbuf.h - growable string and small helpers (strbuf.c).
 */
#ifndef HPI_STRBUF_H
#define HPI_STRBUF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

/* data is NUL-terminated, or NULL while nothing has been appended; the
 * owner frees it with hpi_buf_fini.  Once an allocation fails, data holds
 * the prefix that fit, failed is set, and later appends do nothing. */
typedef struct hpi_buf {
	char *data;
	size_t len, cap;
	bool failed; /* an allocation failed; data holds what fit */
} hpi_buf;

void hpi_buf_init(hpi_buf *b);
void hpi_buf_fini(hpi_buf *b);
/* Tests: a buffer that would grow past max bytes fails as if realloc had
 * (an injected allocation failure); SIZE_MAX restores. */
void hpi_buf_test_fail_above(size_t max);
/* A decimal integer, as printf's PRId64 writes it, without printf. */
void hpi_buf_i64(hpi_buf *b, int64_t v);
void hpi_buf_putn_slow(hpi_buf *b, const char *s, size_t n);

/* Appends n bytes.  Inline: a report writes hundreds of thousands of
 * small pieces, and most fit without growing. */
static inline void hpi_buf_putn(hpi_buf *b, const char *s, size_t n)
{
	if (__builtin_expect(b != NULL && s != NULL && n < b->cap - b->len && !b->failed, 1)) {
		memcpy(b->data + b->len, s, n);
		b->len += n;
		b->data[b->len] = '\0';
		return;
	}
	hpi_buf_putn_slow(b, s, n);
}

static inline void hpi_buf_putc(hpi_buf *b, char c)
{
	hpi_buf_putn(b, &c, 1);
}

static inline void hpi_buf_puts(hpi_buf *b, const char *s)
{
	if (s != NULL)
		hpi_buf_putn(b, s, strlen(s));
}
void hpi_buf_printf(hpi_buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Appends s as a JSON string literal with quotes (RFC 8259 escapes,
 * ill-formed UTF-8 as U+FFFD); NULL appends null. */
void hpi_buf_json_str(hpi_buf *b, const char *s);
/* Appends s (n bytes) escaped for XML/HTML text and attributes: & < > " '
 * as entities, tab/CR/LF as spaces, other control characters and
 * ill-formed UTF-8 as U+FFFD.  NULL appends nothing. */
void hpi_buf_xmln(hpi_buf *b, const char *s, size_t n);
void hpi_buf_xml(hpi_buf *b, const char *s);
/* Length (1-4) of the well-formed UTF-8 sequence at s, or minus the length
 * of its ill-formed maximal subpart. */
int hpi_utf8_len(const char *s);

/* Small helpers. */

/* The growing half of hpi_grow. */
bool hpi_grow_slow(void *arr, size_t *n, size_t elem, uint32_t id);
/* Grows *arr (n items of elem bytes, zero-filled) so index id fits;
 * false when out of memory (*arr and *n unchanged).  Inline: callers
 * call it for every event. */
static inline bool hpi_grow(void *arr, size_t *n, size_t elem, uint32_t id)
{
	return id < *n || hpi_grow_slow(arr, n, elem, id);
}
/* A per-site table (site id -> its entry): the slot of id, the table
 * grown (zero-filled) as needed; NULL when out of memory. */
static inline void **hpi_sitemap_slot(void ***map, size_t *n, uint32_t id)
{
	return hpi_grow(map, n, sizeof(**map), id) ? &(*map)[id] : NULL;
}
/* The file name without its folders (borrowed from path). */
const char *hpi_basename(const char *path);

#endif
