/* SPDX-License-Identifier: MIT */
/*
 * guard.h - the guard: one profiling session of the process (guard.c).
 */
#ifndef HPI_GUARD_H
#define HPI_GUARD_H



/* Set by the first attempt to build a guard in this process (or in the
 * parent it was forked from); read at exit by site.c, which says so when
 * measured sites ran and no guard was ever asked to report them. */
extern volatile int hpi_guard_tried;
/* report.fork: child: set in a fork child until its own guard starts
 * (guard.c); the first record of the child's (tbuf.c) calls
 * hpi_guard_fork_start, from the program's thread, never from the atfork
 * handler. */
extern volatile int hpi_guard_fork_pending;
void hpi_guard_fork_start(void);
/* path with ".<pid>" before its extension; caller frees (NULL: no memory). */
char *hpi_guard_pid_path(const char *path, long pid);

#endif
