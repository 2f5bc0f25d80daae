/* SPDX-License-Identifier: MIT */
/*
 * term_impl.h - the one sanitiser for text bound for a terminal (term.c).
 * Not term.h: curses has a header of that name.
 */
#ifndef HPI_TERM_IMPL_H
#define HPI_TERM_IMPL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "strbuf.h"

#define HPI_TERM_NEWLINE 1u /* keep '\n' */
#define HPI_TERM_TAB 2u     /* keep '\t' */
/* Appends s[0..n) made safe for a terminal: C0 controls, DEL and bytes that
 * are not well-formed UTF-8 as "\x1b", C1 and bidi controls (RTLO, ...) and
 * U+2028/9 as "<U+202E>"; the rest as is.  s NULL appends nothing. */
void hpi_buf_term(hpi_buf *b, const char *s, size_t n, unsigned flags);
/* Whether hpi_buf_term would copy s[0..n) unchanged (flags 0). */
bool hpi_term_clean(const char *s, size_t n);
/* hpi_buf_term of s[0..n) into dst (len bytes, NUL included), cut before
 * the first character that does not fit; allocates nothing.  Returns the
 * length written. */
size_t hpi_term_copy(char *dst, size_t len, const char *s, size_t n, unsigned flags);
/* For JSON text from elsewhere (the wire): every character hpi_buf_term
 * would escape becomes a JSON escape ("\u001b", "\u202e"; a byte that is
 * not UTF-8 "\ufffd"), which inside a string means the same JSON value and
 * outside one was not JSON anyway.  Appends s[0..n) so to b. */
void hpi_buf_term_json(hpi_buf *b, const char *s, size_t n);
/* Writes s[0..n) to f as hpi_buf_term_json makes it (as is when clean). */
void hpi_term_json_print(FILE *f, const char *s, size_t n);
/* hpi_term_copy of the string s ("(null)" for NULL); returns dst. */
const char *hpi_term_str(char *dst, size_t len, const char *s);

#endif
