/* SPDX-License-Identifier: MIT */
/*
 * debug.h - HP_DBG's records and their formatting on the collector.
 */
#ifndef HPI_DEBUG_H
#define HPI_DEBUG_H

#include <stddef.h>
#include <stdint.h>

#include "hotpath.h"

/* Bytes of a string argument kept (the rest is cut). */
#define HPI_DBG_STR_MAX 64
/* Bytes of a formatted message, NUL included (the rest is cut). */
#define HPI_DBG_MSG_MAX 512

/* Writes the message of an HP_DBG record group into buf (len bytes, NUL
 * included): fmt is its site's label, [args, end) the records after the
 * head, dt the head's third word.  Returns the message's length. */
size_t hpi_debug_format(char *buf, size_t len, const char *fmt, const struct hp__rec *args,
			const struct hp__rec *end, uint32_t dt);

#endif
