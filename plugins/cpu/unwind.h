/* SPDX-License-Identifier: MIT */
/*
 * unwind.h - the unwinder's state, shared by unwind.c (call stacks) and
 * unwind_names.c (the names of addresses).  Private to plugins/cpu.
 *
 * Its layout depends on HAVE_LIBDW: a file that includes it includes the
 * build's config.h first, as both do.
 */
#ifndef HPI_CPU_UNWIND_H
#define HPI_CPU_UNWIND_H

#ifdef HAVE_LIBDW
#include <elfutils/libdwfl.h>
#endif

#include "cpu.h"

typedef struct name_entry {
	uint64_t pc;          /* 0: empty slot */
	hpi_cpu_frame *frames;
	size_t n;
} name_entry;

struct hpi_cpu_unwind {
	pid_t pid;
	const hp_host *host;
	name_entry *names;    /* open addressing, power of two */
	size_t nnames, capnames;
	char **strings;       /* every string the frames point to */
	size_t nstrings, capstrings;
	uint64_t kscanned;    /* CLOCK_MONOTONIC ns of the last kallsyms read (0: none) */
	hpi_cpu_ksyms *ksyms; /* the kallsyms cache (kallsyms.c), once tried */
	bool ksyms_tried;
#ifdef HAVE_LIBDW
	Dwfl *dwfl;
	hpi_cpu_cfi *cfi;     /* the rules of addresses seen (cfi.c) */
	bool debug_files;     /* lines and inlined calls from separate debug files too */
	bool attached;
	int refreshes;        /* maps re-read for unknown addresses */
	const hpi_cpu_sample *cur; /* the sample being unwound */
	uint64_t sp;
	uint64_t *out;
	size_t nout, max;
#endif
};

#ifdef HAVE_LIBDW
/* Reports the process's modules (again). */
void hpi_cpu_unwind_report(hpi_cpu_unwind *u);
#endif

#endif
