/* SPDX-License-Identifier: MIT */
/*
 * discover.h - local discovery (docs/discovery.md): every profiled program
 * that publishes leaves a description file in a private folder, and
 * anything on the machine (hotpath ls, the console, an exporter) lists the
 * live ones from there.
 *
 * The folder is $XDG_RUNTIME_DIR/hotpath, else /tmp/hotpath-UID; it must be
 * a folder owned by the user with mode 0700.  Program PID leaves:
 *   PID.json    its description (written to .PID.json.tmp, then renamed)
 *   PID.pub     its PUB socket (ipc://), when publishing by default
 *   PID.query   its REP socket (ipc://)
 * All three go when it ends; what a dead program left is removed by the
 * next hpi_discover_list with HPI_DISCOVER_PRUNE.
 */
#ifndef HOTPATH_DISCOVER_H
#define HOTPATH_DISCOVER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define HPI_DISCOVER_SCHEMA 1

/* One program's description. */
typedef struct hpi_program {
	long pid;
	char *program;           /* short name, e.g. "live" */
	char *caller;            /* the guard's label, e.g. "live::main"; may be NULL */
	uint64_t start_unix_ns;  /* when profiling started */
	uint64_t proc_start;     /* starttime of /proc/PID/stat (clock ticks after
				  * boot): tells a reused pid apart; 0 = unknown */
	char *endpoint;          /* PUB URL, e.g. "ipc:///run/user/1000/hotpath/42.pub" */
	char *query;             /* REP URL, or NULL when queries are off */
	char **sections;         /* section ids when last written */
	size_t nsections;
	int schema;              /* HPI_DISCOVER_SCHEMA of the writer */
	char *path;              /* the description file (set by hpi_discover_list) */
} hpi_program;

/* The private folder for this user: "$XDG_RUNTIME_DIR/hotpath", else
 * "/tmp/hotpath-EUID" (always the latter in a secure-execution process).
 * Caller frees; NULL when out of memory. */
char *hpi_discover_dir(void);

/* Checks that dir is a folder (not a link) owned by the effective user
 * with mode 0700, creating it (0700) first when create is set and it does
 * not exist.  0, or -1 with *cause (caller frees): "DIR is owned by uid N,
 * not by uid M", "DIR has mode 0777, not 0700", ... */
int hpi_discover_prepare(const char *dir, bool create, char **cause);

#define HPI_DISCOVER_PRUNE 1u /* remove what dead programs left behind */

/* The live programs described in dir, sorted by pid, in *out (caller frees
 * with hpi_discover_free) and their number in *n.  A folder that does not
 * exist holds none (0); one that hpi_discover_prepare refuses is -1 with
 * *cause.  With HPI_DISCOVER_PRUNE, the files of dead programs (and a
 * description whose pid now belongs to another process) are removed and
 * counted in *pruned (may be NULL). */
int hpi_discover_list(const char *dir, unsigned flags, hpi_program **out, size_t *n,
		      size_t *pruned, char **cause);

/* Frees n entries and the array; NULL is a no-op. */
void hpi_discover_free(hpi_program *v, size_t n);

/* Frees one entry's strings (not the entry itself). */
void hpi_program_fini(hpi_program *p);

/* Parses one description (JSON text); 0, or -1 when it is not one.  The
 * caller frees p's strings with hpi_program_fini. */
int hpi_discover_parse(const char *text, size_t len, hpi_program *p);

/* Writes p's description as dir/PID.json atomically (a temporary file,
 * then rename): 0, or -1 with *cause (caller frees). */
int hpi_discover_write(const char *dir, const hpi_program *p, char **cause);

/* Removes dir/PID.json, PID.pub, PID.query and .PID.json.tmp. */
void hpi_discover_remove(const char *dir, long pid);

/* starttime of /proc/PID/stat, or 0 when unknown. */
uint64_t hpi_discover_proc_start(long pid);

/* Whether process pid runs and (when proc_start is not 0) is the one that
 * started at proc_start, not a later process that reused the pid. */
bool hpi_discover_alive(long pid, uint64_t proc_start);

/* The entry that `what` names: a pid ("4242") or a program name.  Its
 * index, -1 when none matches, -2 when the name matches several. */
long hpi_discover_find(const hpi_program *v, size_t n, const char *what);

#endif
