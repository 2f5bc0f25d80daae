/* SPDX-License-Identifier: MIT */
/*
 * snapshot.h - the data model every consumer reads (snapshot.c).
 */
#ifndef HPI_SNAPSHOT_H
#define HPI_SNAPSHOT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <hotpath.h>
#include <hotpath/plugin.h>

/* One cell; which member is live follows the column unit (hpi_unit_is_*). */
typedef struct hpi_cell {
	bool set;
	union {
		int64_t i; /* COUNT, NS, BYTES */
		double d;  /* PERCENT, RATE */
		char *s;   /* TEXT, owned */
	} v;
} hpi_cell;

typedef struct hpi_kv {
	char *key, *value;
} hpi_kv;

/* Key/value list in insertion order. */
typedef struct hpi_kvs {
	hpi_kv *v;
	size_t n, cap;
} hpi_kvs;

typedef struct hpi_col {
	char *key, *title;
	hp_unit unit;
} hpi_col;

typedef struct hpi_row {
	hpi_cell *cells;  /* ncells <= ncols: cells past ncells read as unset */
	size_t ncells;
	hp_section *log;  /* child section made by hpi_row_log, or NULL */
} hpi_row;

struct hp_section {
	char *id, *title;
	hpi_col *cols;
	size_t ncols, capcols;
	hpi_row *rows;
	size_t nrows, caprows;
	hpi_kvs meta;
};

struct hp_snapshot {
	hp_section **secs;
	size_t nsecs, capsecs;
	hpi_kvs meta;
};

/* New empty snapshot; free with hpi_snapshot_free. NULL on ENOMEM. */
hp_snapshot *hpi_snapshot_new(void);
void hpi_snapshot_free(hp_snapshot *s);
/* Report-wide fact; value copied (replaces an earlier one in place; NULL
 * removes the key). */
void hpi_snapshot_meta_set(hp_snapshot *s, const char *key, const char *value);
/*
 * Writers (the same functions the hp_host table hands to plugins).  All are
 * NULL-safe and ignore out-of-range rows and columns.  Cell writers follow
 * the column unit: int into PERCENT/RATE and real into COUNT/NS/BYTES are
 * converted (NaN leaves an integer cell as it was), a number into TEXT or
 * text into a numeric column is ignored; NULL text empties the cell.
 */
/* New section owned by snap, or NULL (NULL id, ENOMEM).  NULL title = id. */
hp_section *hpi_section_add(hp_snapshot *snap, const char *id, const char *title);
/* Column index (>= 0), or HP_EINVAL (NULL or duplicate key, bad unit) or
 * HP_ENOMEM.  May be called after rows exist; their new cells are unset. */
int hpi_column_add(hp_section *sec, const char *key, const char *title, hp_unit unit);
/* Index of the new row, or (size_t)-1 on ENOMEM (writers ignore it). */
size_t hpi_row_add(hp_section *sec);
/* From now on, this thread's hpi_row_add calls fn every 512 rows (NULL:
 * never): the collector keeps the program's buffers from filling while it
 * builds a long snapshot (hpi_collector_aside). */
void hpi_snapshot_pulse(void (*fn)(void));
void hpi_cell_int(hp_section *sec, size_t row, size_t col, int64_t v);
void hpi_cell_real(hp_section *sec, size_t row, size_t col, double v);
void hpi_cell_text(hp_section *sec, size_t row, size_t col, const char *v);
/* Section fact (e.g. "table.columns"); as hpi_snapshot_meta_set. */
void hpi_section_meta_set(hp_section *sec, const char *key, const char *value);
/* The row's log, created (with no columns) on first call; owned by sec. */
hp_section *hpi_row_log(hp_section *sec, size_t row);
/* Borrowed child section of a row, or NULL. */
const hp_section *hpi_section_log(const hp_section *sec, size_t row);
/* Column index of key, or -1. */
int hpi_section_col(const hp_section *sec, const char *key);
/* Sets the report-wide facts that the report at exit and every snapshot
 * the publisher takes carry, in this order: caller, program, pid,
 * start_unix_ns, elapsed_ns, dropped (events, read here) and clock. */
typedef struct hpi_facts {
	const char *caller, *program; /* borrowed; caller may be NULL */
	long pid;
	uint64_t start_unix_ns, elapsed_ns;
} hpi_facts;
void hpi_snapshot_facts(hp_snapshot *s, const hpi_facts *f);

#endif
