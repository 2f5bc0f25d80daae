/* SPDX-License-Identifier: MIT */
/*
 * guard.h - the guard: one profiling session of the process.  guard.c
 * (its life: build, process hooks, watcher, end), guard_builder.c (its
 * settings: the builder, and how they go over hotpath.yaml) and
 * guard_report.c (its report: render and write).  Its first part is what
 * the rest of libhotpath calls; the second is shared by those three files
 * only.
 */
#ifndef HPI_GUARD_H
#define HPI_GUARD_H

#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include <hotpath.h>

#include "config_impl.h"
#include "collector.h"

/* ---- for the rest of libhotpath ------------------------------------------ */

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

/* ---- the guard's own files ------------------------------------------------ */

/* A C reporter (hp_guard_builder_reporter): borrowed, the program's. */
typedef struct hpi_guard_reporter {
	const hp_reporter *r;
	void *data;
} hpi_guard_reporter;

struct hp_guard_builder {
	char *caller;
	double pcts[HPI_MAX_PCTS];
	size_t npcts;           /* 0 = not set */
	hp_format format;       /* DEFAULT = not set */
	long limit;             /* -1 = not set */
	char *output;           /* NULL = not set */
	hpi_guard_reporter *reps;
	size_t nreps;
	char **scripts;         /* Lua reporters (hp_guard_builder_script) */
	size_t nscripts;
	int rec_format;         /* the program's HP__REC_FORMAT */
};

struct hp_guard {
	hp_guard_builder *b;    /* the settings it was built with */
	hpi_config cfg;
	hpi_registry *reg;
	hpi_collector *col;
	hpi_publisher *pub;     /* live metrics (publish.c), or NULL */
	hpi_metrics *met;       /* publish.metrics (metrics_server.c), or NULL */
	pid_t pid;
	uint64_t t0;            /* start tick */
	uint64_t mono0;         /* start, CLOCK_MONOTONIC ns */
	uint64_t unix0;         /* start, CLOCK_REALTIME ns */
	pthread_mutex_t finish_lock;
	bool finished;
	/* watcher: timeout and signals */
	bool watching;
	pthread_t watcher;
	bool stopping;
	uint64_t deadline;      /* CLOCK_MONOTONIC ns, 0 = none */
	struct sigaction old_int, old_term;
	bool hooked_int, hooked_term;
	/* report.fork: child: the guard the program holds (its own, or the
	 * first ancestor's), which hp_guard_end in this child names */
	hp_guard *root;
};

/* ---- guard_builder.c ------------------------------------------------------ */

/* A copy of o's settings (a fork child's guard is built from its parent's);
 * caller frees with hp_guard_builder_free; NULL when memory runs out. */
hp_guard_builder *hpi_guard_builder_copy(const hp_guard_builder *o);
/* The program's settings (b) go over hotpath.yaml's in c, under HOTPATH_*. */
void hpi_guard_apply_builder(hpi_config *c, const hp_guard_builder *b);
/* A fork child's report and trace paths in c get ".<pid>" (files of their own). */
void hpi_guard_apply_fork(hpi_config *c, long pid);

/* ---- guard_report.c ------------------------------------------------------- */

/* The program's short name, without libtool's "lt-" (borrowed, static). */
const char *hpi_guard_program(void);
/* Final snapshot of g, its built-in format written where report.output
 * says, then every C reporter and the Lua ones; called once, by guard.c's
 * finish, with g's finish_lock held. */
void hpi_guard_report(hp_guard *g, uint64_t elapsed);

#endif
