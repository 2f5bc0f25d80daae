/* SPDX-License-Identifier: MIT */
/*
 * profile.h - profile.c's state, shared with sections.c, which writes it
 * into a snapshot.  Private to plugins/cpu.
 */
#ifndef HPI_CPU_PROFILE_H
#define HPI_CPU_PROFILE_H

#include "cpu.h"

#define PROF_MAX_STACKS 65536
#define PROF_RING 16384 /* sample times kept per thread, a power of two */

typedef struct prof_stack {
	uint64_t hash;
	uint64_t *pcs; /* leaf first */
	uint32_t n;
	uint64_t samples, weight;
} prof_stack;

typedef struct prof_thread {
	uint32_t tid;
	char name[32];
	uint64_t samples, weight;
	uint64_t *times, *weights; /* the last PROF_RING samples, for scopes */
	uint64_t count;            /* samples ever added to the ring */
	uint8_t name_reads;        /* snapshots that read its name again */
} prof_thread;

typedef struct prof_scope {
	uint32_t site;
	uint64_t calls, wall, cpu;
} prof_scope;

struct hpi_cpu_profile {
	hpi_cpu_profile_opts o;
	prof_stack *stacks;  /* open addressing by hash; pcs NULL = empty */
	size_t nstacks, capstacks;
	prof_thread *threads;
	size_t nthreads, capthreads;
	prof_scope *scopes;  /* indexed by site id; calls 0 = none */
	size_t nscopes, capscopes;
	prof_thread *last;   /* the thread of the last scope */
	uint64_t samples, weight, lost, folded;
	char method[64], unwind[16];
	char state[16];
	char kernel[160];    /* cpu.kernel's text; "" to leave out */      /* "running" or "stopped" (cpu_stop); "" to leave out */
};

/* A string-keyed index: key -> row of the caller's array. */
typedef struct prof_key {
	char *key;
	size_t row;
} prof_key;

typedef struct prof_index {
	prof_key *v;
	size_t n, cap;
} prof_index;

/* FNV-1a over len bytes, from h. */
uint64_t hpi_prof_hash_bytes(const void *p, size_t len, uint64_t h);
/* The row of key, or next_row for a new key (*added set; the key is
 * copied).  SIZE_MAX when out of memory. */
size_t hpi_prof_index_get(prof_index *x, const char *key, size_t next_row, bool *added);
void hpi_prof_index_free(prof_index *x);

#endif
