/* SPDX-License-Identifier: MIT */
/*
 * report_load.h - a saved JSON report (docs/report-format.md, version 1)
 * read back into the snapshot model, so `hotpath report` can render it with
 * the library's own renderers and `hotpath compare` can read two of them.
 */
#ifndef HPC_REPORT_LOAD_H
#define HPC_REPORT_LOAD_H

#include <stddef.h>

#include "hpi.h"
#include "json.h"

/* The one report format version this hotpath reads. */
#define HPC_REPORT_VERSION 1

typedef struct hpc_report {
	char *name;        /* the file as messages name it; "<stdin>" for "-" */
	hp_snapshot *snap; /* facts and sections, in file order */
	double *pcts;      /* the report's "percentiles" */
	size_t npcts;
	/* Rows of each section (by index) the file holds.  A section written
	 * under report.limit has total_rows > rows: the snapshot then has
	 * total_rows rows, the ones past loaded[i] empty, so that rendering
	 * with the same limit writes the same total_rows and notes. */
	size_t *loaded;
	/* The row limit the file was written with when it cut a section
	 * (the fewest rows of a cut section), else 0. */
	size_t limit;
} hpc_report;

/*
 * Reads and checks the report at path ("-" = stdin).  Returns 0 with a new
 * report in *out (caller frees with hpc_report_free), or a negative hp_err
 * with a message in *cause (caller frees) that names the file and says
 * what is wrong:
 *   HP_EIO      cannot read the file           "r.json: cannot read: ..."
 *   HP_ESYNTAX  not JSON, truncated JSON       "r.json:1:245: truncated JSON: ..."
 *   HP_EINVAL   JSON, but not a hotpath report "r.json: not a hotpath report (...)"
 *   HP_ENOTSUP  another format version         "r.json: report format version 2 ..."
 *   HP_ETYPE    a key of the wrong type        "r.json: .sections[0].rows[2].calls: ..."
 *   HP_ENOMEM   out of memory
 */
int hpc_report_load(const char *path, hpc_report **out, char **cause);
/* The same from len bytes at data; name (copied) is the file in messages. */
int hpc_report_parse(const char *name, const char *data, size_t len,
		     hpc_report **out, char **cause);
/*
 * One section object of a live message (the console's sections, log
 * replies and panels), read by the same code as a report's sections, more
 * leniently (report_load.c, "live"): rows may be arrays of values in
 * column order, a value that does not fit its column is left out.  0 with
 * a new snapshot holding just that section in *out (caller frees with
 * hpi_snapshot_free) and its total_rows (its rows when it says none), or
 * a negative hp_err with *cause (caller frees; may be NULL).
 */
int hpc_report_section(const hpi_jv *js, hp_snapshot **out, size_t *total_rows, char **cause);
/* Frees r and its snapshot; NULL is a no-op. */
void hpc_report_free(hpc_report *r);

#endif /* HPC_REPORT_LOAD_H */
