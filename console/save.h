/* SPDX-License-Identifier: MIT */
/*
 * save.h - the console's w key: a program's sections as a JSON report.
 */
#ifndef HPC_SAVE_H
#define HPC_SAVE_H

#include <stddef.h>

#include "model.h"

/*
 * Writes every section of t that has rows (tabs and hidden ones) as a JSON
 * report (docs/report-format.md; facts program, caller, pid, host and
 * saved_by; the sections' own row limits apply, as in the program's
 * report, so hotpath report gives back its bytes) to a new file in dir, hotpath-PROGRAM-PID-YYYYmmdd-HHMMSS.json
 * (with -2, -3, ... when that exists: never over a file).  Returns 0 with
 * the file's name in *path (caller frees) and the sections in *nsecs, or
 * an errno value (*path NULL).
 */
int hpc_save_snapshot(const hpc_target *t, const char *dir, char **path, size_t *nsecs);

#endif /* HPC_SAVE_H */
