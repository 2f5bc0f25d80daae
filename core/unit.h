/* SPDX-License-Identifier: MIT */
/*
 * unit.h - the column units, defined once (unit.c, HP_UNIT_MAP).
 */
#ifndef HPI_UNIT_H
#define HPI_UNIT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <hotpath.h>

/* What a cell of a unit holds, from the map's kind column. */
enum { HPI_UNIT_KIND_INT, HPI_UNIT_KIND_REAL, HPI_UNIT_KIND_TEXT };
#define HPI__UNIT_BIT(want, NAME, val, kind) \
	| (HPI_UNIT_KIND_##kind == (want) ? 1u << (val) : 0u)
#define HPI__UNIT_INT(NAME, val, name, kind, doc) HPI__UNIT_BIT(HPI_UNIT_KIND_INT, NAME, val, kind)
#define HPI__UNIT_REAL(NAME, val, name, kind, doc) HPI__UNIT_BIT(HPI_UNIT_KIND_REAL, NAME, val, kind)

/* Whether a cell of unit u holds an int64 (count, ns, bytes).  Inline: the
 * renderers ask for every cell. */
static inline bool hpi_unit_is_int(hp_unit u)
{
	return (unsigned)u < 32 && ((0u HP_UNIT_MAP(HPI__UNIT_INT)) >> (unsigned)u & 1u);
}

/* Whether a cell of unit u holds a double (percent, rate). */
static inline bool hpi_unit_is_real(hp_unit u)
{
	return (unsigned)u < 32 && ((0u HP_UNIT_MAP(HPI__UNIT_REAL)) >> (unsigned)u & 1u);
}

/* Unit name as in the JSON report: "count", "ns", ...; "?" when invalid. */
const char *hpi_unit_name(hp_unit u);
/* The unit with this name, or -1 when none has it. */
int hpi_unit_parse(const char *name);
/* A number as the table shows a cell of unit u: is_int says whether i or
 * d holds it ("42", "1.25\xc2\xb5s", "1.50KiB", "12.50%", "3.0/s"; a
 * real count or a number in a text column "%g").  buf >= 64 bytes;
 * returns buf. */
const char *hpi_unit_format(char *buf, size_t len, hp_unit u, bool is_int, int64_t i, double d);
/* Human units: "12ns", "1.25µs", "3.40ms", "1.02s"; buf >= 32 bytes. */
void hpi_fmt_ns(char *buf, size_t len, int64_t ns);
/* "512B", "1.50KiB", "2.00MiB", "3.25GiB", "1.00TiB"; buf >= 32 bytes. */
void hpi_fmt_bytes(char *buf, size_t len, int64_t bytes);

#endif
