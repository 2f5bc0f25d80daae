/* SPDX-License-Identifier: MIT */
/*
 * warn.h - the one way hotpath talks to the user at run time (warn.c).
 */
#ifndef HPI_WARN_H
#define HPI_WARN_H

#include <stdarg.h>

/* Prints one "[hotpath] ..." line on stderr (or to the test sink). */
void hpi_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void hpi_vwarn(const char *fmt, va_list ap);
/* Tests capture warnings: sink gets each line without "[hotpath] " and
 * without the newline.  NULL restores stderr. */
typedef void (*hpi_warn_sink)(const char *line, void *data);
void hpi_warn_set_sink(hpi_warn_sink sink, void *data);
/* printf into a new malloc'ed string; NULL when out of memory. */
char *hpi_asprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif
