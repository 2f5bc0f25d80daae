/* SPDX-License-Identifier: MIT */
/*
 * compare.h - two reports side by side: the model that `hotpath compare`
 * builds (compare.c) and writes as a table, markdown or JSON
 * (compare_out.c).  docs/compare.md is the user's view of the same rules.
 */
#ifndef HPC_COMPARE_H
#define HPC_COMPARE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "hpi.h"
#include "report_load.h"

/* What a row is, from worst to least interesting; one per row. */
#define HPC_STATUS_MAP(X)                                                  \
	X(REGRESSION, "regression")   /* a deciding column got worse */  \
	X(IMPROVEMENT, "improvement") /* one got better, none worse */   \
	X(NEW, "new")                 /* only in head */                 \
	X(REMOVED, "removed")         /* only in base */                 \
	X(UNCHANGED, "unchanged")     /* within the threshold */         \
	X(FEW_CALLS, "ignored_calls") /* under --min-calls in both */    \
	X(SMALL, "ignored_percent_total") /* under --min-percent-total */

#define HPC__STATUS_ENUM(name, text) HPC_##name,
typedef enum hpc_status { HPC_STATUS_MAP(HPC__STATUS_ENUM) HPC_NSTATUS } hpc_status;
#undef HPC__STATUS_ENUM

/* Name of a status as the JSON output writes it ("ignored_calls"). */
const char *hpc_status_name(hpc_status s);

typedef struct hpc_cmp_opts {
	double threshold;         /* percent; a change beyond it counts */
	uint64_t min_calls;       /* 0 = off */
	double min_pct_total;     /* 0 = off */
	bool all_columns;         /* show every numeric column, not the table's */
} hpc_cmp_opts;

/* One numeric value of one side; i is exact for integer units.  A side of
 * several runs has their median here, and lo .. hi is the range of the
 * runs that have the value (runs of them). */
typedef struct hpc_val {
	bool set;
	int64_t i;
	double d;
	size_t runs;      /* 0: a side of one report */
	double lo, hi;
} hpc_val;

/* One column of a compared section. */
typedef struct hpc_cmp_col {
	const char *key, *title; /* borrowed from a report */
	hp_unit unit;
	int bcol, hcol;          /* index in the base / head section; -1 if absent */
	int decide;              /* 1: bigger is worse, -1: bigger is better, 0: shown */
	bool shown;              /* in the table and markdown (else raw data only) */
} hpc_cmp_col;

/* One column of one row: before -> after. */
typedef struct hpc_cmp_cell {
	hpc_val before, after;
	double change; /* percent; NAN when a side is missing, INFINITY from 0 */
	int mark;      /* 1 worse beyond the threshold, -1 better, 0 neither */
} hpc_cmp_cell;

typedef struct hpc_cmp_row {
	const char *key;   /* the first text column's value (borrowed) or NULL */
	size_t nth;        /* 1 for the first row with this key, 2 for the next... */
	size_t index;      /* position when the section has no text column */
	hpc_status status;
	hpc_cmp_cell *cells; /* one per section column */
} hpc_cmp_row;

typedef struct hpc_cmp_sec {
	const char *id, *title;  /* borrowed from a report */
	const char *key;         /* the key column's key ("name"), or NULL */
	const char *key_title;   /* its title, "Row" without one */
	const hp_section *base, *head; /* either may be NULL */
	size_t base_rows, head_rows;   /* rows the files hold */
	size_t base_total, head_total; /* total_rows: more when report.limit cut */
	hpc_cmp_col *cols;
	size_t ncols;
	hpc_cmp_row *rows;       /* head's order, then rows only in base */
	size_t nrows;
} hpc_cmp_sec;

/*
 * One side of a comparison: one report, or several runs of the same
 * program compared by their median per cell (compare_runs.c), so that one
 * noisy run does not decide.
 */
typedef struct hpc_side {
	hpc_report **runs;     /* owned */
	size_t n;
	hpc_report *median;    /* runs[0] when n == 1, else built and owned */
} hpc_side;

/* Loads the reports at paths[0..n) (n >= 1) into s; each file that cannot
 * be read is said on stderr.  0, or -1 when one could not (s is then
 * empty).  Free with hpc_side_fini. */
int hpc_side_load(hpc_side *s, const char *const *paths, size_t n);
void hpc_side_fini(hpc_side *s);
/* The report whose every numeric cell is the median of the runs r[0..n)
 * that have it: sections matched by id, rows by key and nth as compare
 * matches them, text and facts from the first run that has them,
 * elapsed_ns the median too.  name: "median of A, B, C".  Never NULL
 * (out of memory is fatal); caller frees with hpc_report_free. */
hpc_report *hpc_report_median(hpc_report *const *r, size_t n);
/* Rows r's section sec holds (its total_rows may say more); 0 when sec is
 * not one of r's. */
size_t hpc_report_rows_held(const hpc_report *r, const hp_section *sec);

typedef struct hpc_cmp {
	const hpc_report *base, *head; /* a side's report, or its median */
	const hpc_report *const *bruns, *const *hruns; /* the runs of each side */
	size_t nbruns, nhruns;
	hpc_cmp_opts o;
	hpc_cmp_cell elapsed;    /* elapsed_ns */
	hpc_cmp_sec *secs;       /* head's order, then sections only in base */
	size_t nsecs;
	size_t count[HPC_NSTATUS];
} hpc_cmp;

/* Compares head against base; never NULL (out of memory is fatal).  The
 * result borrows from both reports: free it first. */
hpc_cmp *hpc_compare(const hpc_report *base, const hpc_report *head,
		     const hpc_cmp_opts *o);
/* The same with sides of several runs: their medians are compared, and
 * each value says the range of its runs.  The result borrows from both. */
hpc_cmp *hpc_compare_sides(const hpc_side *base, const hpc_side *head,
			   const hpc_cmp_opts *o);
void hpc_compare_free(hpc_cmp *c);

/* compare_out.c: the three output formats. */
void hpc_compare_table(hpi_buf *out, const hpc_cmp *c);
void hpc_compare_markdown(hpi_buf *out, const hpc_cmp *c);
void hpc_compare_json(hpi_buf *out, const hpc_cmp *c);

#endif /* HPC_COMPARE_H */
