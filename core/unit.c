/* SPDX-License-Identifier: MIT */
/*
 * unit.c - the column units, defined once (HP_UNIT_MAP in hotpath.h): their
 * names, what a cell of each holds, and the one cell formatter that the
 * table, HTML and Lua reports, `hotpath compare` and the console share, so
 * that a value reads the same wherever it is shown (docs/report-format.md).
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "hpi.h"

typedef struct unit_desc {
	const char *name;
	/* the table's look of a value: is_int says whether i or d holds it */
	void (*show)(char *buf, size_t len, bool is_int, int64_t i, double d);
} unit_desc;

/* "<sign><mag/div with 2 decimals><unit>". */
static void fmt_scaled(char *buf, size_t len, bool neg, uint64_t mag,
		       double div, const char *unit)
{
	snprintf(buf, len, "%s%.2f%s", neg ? "-" : "", (double)mag / div, unit);
}

/* Nanoseconds in the largest unit below the value: ns, µs, ms, s. */
void hpi_fmt_ns(char *buf, size_t len, int64_t ns)
{
	bool neg = ns < 0;
	uint64_t mag = neg ? -(uint64_t)ns : (uint64_t)ns;

	if (buf == NULL || len == 0)
		return;
	if (mag < 1000)
		snprintf(buf, len, "%s%" PRIu64 "ns", neg ? "-" : "", mag);
	else if (mag < 1000000)
		fmt_scaled(buf, len, neg, mag, 1e3, "\xc2\xb5s"); /* µs */
	else if (mag < 1000000000)
		fmt_scaled(buf, len, neg, mag, 1e6, "ms");
	else
		fmt_scaled(buf, len, neg, mag, 1e9, "s");
}

/* Bytes in binary units: B, KiB, MiB, GiB, TiB. */
void hpi_fmt_bytes(char *buf, size_t len, int64_t bytes)
{
	static const char *const units[] = {"KiB", "MiB", "GiB", "TiB"};
	bool neg = bytes < 0;
	uint64_t mag = neg ? -(uint64_t)bytes : (uint64_t)bytes;
	double div = 1024;
	size_t u = 0;

	if (buf == NULL || len == 0)
		return;
	if (mag < 1024) {
		snprintf(buf, len, "%s%" PRIu64 "B", neg ? "-" : "", mag);
		return;
	}
	while (u + 1 < sizeof(units) / sizeof(units[0]) && mag >= div * 1024) {
		div *= 1024;
		u++;
	}
	fmt_scaled(buf, len, neg, mag, div, units[u]);
}

/* An integer as it is; a real as %g (a count that came as 2.5). */
static void unit_show_count(char *buf, size_t len, bool is_int, int64_t i, double d)
{
	if (is_int)
		snprintf(buf, len, "%" PRId64, i);
	else
		snprintf(buf, len, "%g", d);
}

/* "12ns", "1.25µs", "3.40ms", "1.02s". */
static void unit_show_ns(char *buf, size_t len, bool is_int, int64_t i, double d)
{
	hpi_fmt_ns(buf, len, is_int ? i : llround(d));
}

/* "512B", "1.50KiB". */
static void unit_show_bytes(char *buf, size_t len, bool is_int, int64_t i, double d)
{
	hpi_fmt_bytes(buf, len, is_int ? i : llround(d));
}

/* "12.50%". */
static void unit_show_percent(char *buf, size_t len, bool is_int, int64_t i, double d)
{
	snprintf(buf, len, "%.2f%%", is_int ? (double)i : d);
}

/* "3.0/s". */
static void unit_show_rate(char *buf, size_t len, bool is_int, int64_t i, double d)
{
	snprintf(buf, len, "%.1f/s", is_int ? (double)i : d);
}

/* The map's NAME column picks the formatter; a number in a text column
 * reads as a count. */
#define unit_show_COUNT unit_show_count
#define unit_show_NS unit_show_ns
#define unit_show_BYTES unit_show_bytes
#define unit_show_PERCENT unit_show_percent
#define unit_show_RATE unit_show_rate
#define unit_show_TEXT unit_show_count

static const unit_desc unit_table[] = {
#define UNIT_ROW(NAME, val, name, kind, doc) [val] = {name, unit_show_##NAME},
	HP_UNIT_MAP(UNIT_ROW)
#undef UNIT_ROW
};

#define UNIT_N (sizeof(unit_table) / sizeof(unit_table[0]))

/* The unit's name in JSON and Lua ("ns"); "?" out of range. */
const char *hpi_unit_name(hp_unit u)
{
	return (unsigned)u < UNIT_N ? unit_table[u].name : "?";
}

/* The unit of a name, or -1 when no unit has it. */
int hpi_unit_parse(const char *name)
{
	for (size_t i = 0; name != NULL && i < UNIT_N; i++)
		if (strcmp(name, unit_table[i].name) == 0)
			return (int)i;
	return -1;
}

/* A number as the table shows a cell of unit u. */
const char *hpi_unit_format(char *buf, size_t len, hp_unit u, bool is_int, int64_t i, double d)
{
	if (buf == NULL || len == 0)
		return "";
	unit_table[(unsigned)u < UNIT_N ? u : 0].show(buf, len, is_int, i, d);
	return buf;
}
