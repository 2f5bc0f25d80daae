/* SPDX-License-Identifier: MIT */
/*
 * merge.h - several reports (processes, runs) as one report of the same
 * schema: `hotpath merge` and the console's merged tab.  The rules, per
 * column, are in docs/report-format.md ("Merged reports").
 */
#ifndef HPC_MERGE_H
#define HPC_MERGE_H

#include <stddef.h>

#include "hpi.h"

/* One report to merge. */
typedef struct hpc_merge_src {
	const hp_snapshot *snap;
	const char *name;      /* the file (messages, the processes section) */
	const double *pcts;    /* its "percentiles" */
	size_t npcts;
	const size_t *loaded;  /* rows held per section index, or NULL: all */
} hpc_merge_src;

/* The result: a snapshot and the union of the percentiles. */
typedef struct hpc_merged {
	hp_snapshot *snap;
	double pcts[HPI_MAX_PCTS];
	size_t npcts;
	char **notes;          /* what could not be merged exactly, one line each */
	size_t nnotes;
} hpc_merged;

/* Merges src[0..n) (n >= 1) into *out; 0, or HP_ENOMEM.  The caller frees
 * with hpc_merged_fini. */
int hpc_merge(const hpc_merge_src *src, size_t n, hpc_merged *out);
void hpc_merged_fini(hpc_merged *m);

#endif /* HPC_MERGE_H */
