/* SPDX-License-Identifier: MIT */
/*
 * profile.c - what the CPU samples add up to.  Samples are kept by stack
 * (the raw addresses, leaf first) with their count and CPU time, and by
 * thread; names are looked up only when a snapshot is written, once per
 * address (unwind.c caches them).  From the stacks a snapshot makes:
 *
 *   cpu          per function: self and total samples, their share of all
 *                samples, the CPU time they stand for, the hottest line
 *   cpu_threads  per thread: samples, share, CPU time
 *   cpu_stacks   per distinct stack of names, root first, ";"-joined: the
 *                folded stacks `hotpath report --stacks cpu` draws
 *   cpu_scopes   per measured function: the CPU time of the samples taken
 *                inside its calls against their wall time ("on CPU %")
 *
 * Memory is bounded: at most PROF_MAX_STACKS distinct stacks (more are
 * counted under their leaf alone), PROF_RING sample times per thread for
 * the scope match (a call longer than that many of its thread's samples
 * counts only the latest).
 */
#define _GNU_SOURCE 1 /* as the build's config.h: POSIX and Linux calls */
#ifdef HAVE_CONFIG_H
#include "config.h" /* the build's HAVE_LIBDW; none outside the tree */
#endif

#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cpu.h"
#include "profile.h"

char *hpi_cpu_asprintf(const char *fmt, ...)
{
	va_list ap;
	char *s;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0 || (s = malloc((size_t)n + 1)) == NULL)
		return NULL;
	va_start(ap, fmt);
	vsnprintf(s, (size_t)n + 1, fmt, ap);
	va_end(ap);
	return s;
}

/* ---- a string-keyed index, for the snapshot's functions and stacks ----- */

uint64_t hpi_prof_hash_bytes(const void *p, size_t len, uint64_t h)
{
	const unsigned char *b = p;

	for (size_t i = 0; i < len; i++)
		h = (h ^ b[i]) * 0x100000001b3ull;
	return h;
}

size_t hpi_prof_index_get(prof_index *x, const char *key, size_t next_row, bool *added)
{
	size_t mask, i;

	*added = false;
	if ((x->n + 1) * 2 > x->cap) {
		size_t cap = x->cap ? x->cap * 2 : 256;
		prof_key *v = calloc(cap, sizeof(*v));
		if (v == NULL)
			return SIZE_MAX;
		for (size_t j = 0; j < x->cap; j++) {
			if (x->v[j].key == NULL)
				continue;
			i = hpi_prof_hash_bytes(x->v[j].key, strlen(x->v[j].key), 0xcbf29ce484222325ull) &
			    (cap - 1);
			while (v[i].key != NULL)
				i = (i + 1) & (cap - 1);
			v[i] = x->v[j];
		}
		free(x->v);
		x->v = v;
		x->cap = cap;
	}
	mask = x->cap - 1;
	i = hpi_prof_hash_bytes(key, strlen(key), 0xcbf29ce484222325ull) & mask;
	while (x->v[i].key != NULL) {
		if (strcmp(x->v[i].key, key) == 0)
			return x->v[i].row;
		i = (i + 1) & mask;
	}
	if ((x->v[i].key = strdup(key)) == NULL)
		return SIZE_MAX;
	x->v[i].row = next_row;
	x->n++;
	*added = true;
	return next_row;
}

void hpi_prof_index_free(prof_index *x)
{
	for (size_t i = 0; i < x->cap; i++)
		free(x->v[i].key);
	free(x->v);
}

/* ---- adding samples -------------------------------------------------------- */

hpi_cpu_profile *hpi_cpu_profile_new(const hpi_cpu_profile_opts *o)
{
	hpi_cpu_profile *p = calloc(1, sizeof(*p));

	if (p == NULL)
		return NULL;
	p->o = *o;
	snprintf(p->method, sizeof(p->method), "%s", o->method ? o->method : "");
	snprintf(p->unwind, sizeof(p->unwind), "%s", o->unwind ? o->unwind : "");
	snprintf(p->kernel, sizeof(p->kernel), "%s", o->kernel ? o->kernel : "");
	p->o.kernel = NULL;
	p->o.method = p->method;
	p->o.unwind = p->unwind;
	return p;
}

/* t's name from /proc (left as it is when the thread has gone). */
static void prof_thread_name(const hpi_cpu_profile *p, prof_thread *t)
{
	char path[64], name[sizeof(t->name)];
	int fd;
	ssize_t n;

	snprintf(path, sizeof(path), "/proc/%d/task/%u/comm", (int)p->o.pid, t->tid);
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
		return;
	n = read(fd, name, sizeof(name) - 1);
	close(fd);
	if (n <= 0)
		return;
	name[n] = '\0';
	name[strcspn(name, "\n")] = '\0';
	memcpy(t->name, name, sizeof(name));
}
/* The thread record of tid, added (and named) on first sight. */
static prof_thread *prof_thread_get(hpi_cpu_profile *p, uint32_t tid)
{
	prof_thread *t;

	for (size_t i = 0; i < p->nthreads; i++)
		if (p->threads[i].tid == tid)
			return &p->threads[i];
	if (p->nthreads == p->capthreads) {
		size_t cap = p->capthreads ? p->capthreads * 2 : 8;
		prof_thread *v = realloc(p->threads, cap * sizeof(*v));
		if (v == NULL)
			return NULL;
		p->threads = v;
		p->last = NULL;
		p->capthreads = cap;
	}
	t = &p->threads[p->nthreads];
	memset(t, 0, sizeof(*t));
	t->tid = tid;
	prof_thread_name(p, t);
	p->nthreads++;
	return t;
}

/* Threads' names read again at their first PROF_NAME_READS snapshots: a
 * thread's first sample may come before the program names it
 * (pthread_setname_np right after pthread_create).  Bounded, since a read
 * of /proc costs the collector about 8 us a thread: a name changed later
 * than that is not seen; a thread that has exited keeps the last read. */
#define PROF_NAME_READS 3
void hpi_cpu_profile_names(hpi_cpu_profile *p)
{
	for (size_t i = 0; i < p->nthreads; i++)
		if (p->threads[i].name_reads < PROF_NAME_READS) {
			p->threads[i].name_reads++;
			prof_thread_name(p, &p->threads[i]);
		}
}

/* Slot of a stack in the table (its entry, or the empty slot for it). */
static prof_stack *prof_slot(prof_stack *v, size_t cap, uint64_t h, const uint64_t *pcs,
			     size_t n)
{
	size_t i = (size_t)h & (cap - 1);

	while (v[i].pcs != NULL &&
	       !(v[i].hash == h && v[i].n == n && memcmp(v[i].pcs, pcs, n * 8) == 0))
		i = (i + 1) & (cap - 1);
	return &v[i];
}

/* Doubles the stack table. */
static bool prof_grow(hpi_cpu_profile *p)
{
	size_t cap = p->capstacks ? p->capstacks * 2 : 1024;
	prof_stack *v = calloc(cap, sizeof(*v));

	if (v == NULL)
		return false;
	for (size_t i = 0; i < p->capstacks; i++)
		if (p->stacks[i].pcs != NULL)
			*prof_slot(v, cap, p->stacks[i].hash, p->stacks[i].pcs, p->stacks[i].n) =
			    p->stacks[i];
	free(p->stacks);
	p->stacks = v;
	p->capstacks = cap;
	return true;
}

/* Keeps the sample's time for the scope match. */
static void prof_ring_add(prof_thread *t, uint64_t time_ns, uint64_t weight_ns)
{
	size_t i;

	if (t->times == NULL) {
		t->times = malloc(PROF_RING * sizeof(uint64_t));
		t->weights = malloc(PROF_RING * sizeof(uint64_t));
		if (t->times == NULL || t->weights == NULL) {
			free(t->times);
			free(t->weights);
			t->times = t->weights = NULL;
			return;
		}
	}
	/* a thread's samples come in time order; one out of order (two
	 * sources) is clamped so the ring stays sorted */
	if (t->count > 0 && time_ns < t->times[(t->count - 1) & (PROF_RING - 1)])
		time_ns = t->times[(t->count - 1) & (PROF_RING - 1)];
	i = (size_t)(t->count & (PROF_RING - 1));
	t->times[i] = time_ns;
	t->weights[i] = weight_ns;
	t->count++;
}

void hpi_cpu_profile_add(hpi_cpu_profile *p, uint32_t tid, uint64_t time_ns,
			 uint64_t weight_ns, const uint64_t *pcs, size_t n)
{
	prof_thread *t = prof_thread_get(p, tid);
	prof_stack *s;
	uint64_t h;

	if (n == 0)
		return;
	p->samples++;
	p->weight += weight_ns;
	if (t != NULL) {
		t->samples++;
		t->weight += weight_ns;
		prof_ring_add(t, time_ns, weight_ns);
	}
	if (p->nstacks >= PROF_MAX_STACKS) { /* full: the leaf alone */
		n = 1;
		p->folded++;
	}
	h = hpi_prof_hash_bytes(pcs, n * 8, 0xcbf29ce484222325ull);
	if ((p->nstacks + 1) * 2 > p->capstacks && !prof_grow(p))
		return;
	s = prof_slot(p->stacks, p->capstacks, h, pcs, n);
	if (s->pcs == NULL) {
		if ((s->pcs = malloc(n * 8)) == NULL)
			return;
		memcpy(s->pcs, pcs, n * 8);
		s->hash = h;
		s->n = (uint32_t)n;
		p->nstacks++;
	}
	s->samples++;
	s->weight += weight_ns;
}

/* The ring index of the first sample at or after time, from lo (the
 * oldest kept) to count. */
static uint64_t prof_ring_find(const prof_thread *t, uint64_t lo, uint64_t time)
{
	uint64_t hi = t->count;

	while (lo < hi) {
		uint64_t mid = lo + (hi - lo) / 2;
		if (t->times[mid & (PROF_RING - 1)] < time)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/* The scope record of site: an array indexed by site id (ids are small
 * and dense), so a measured call costs no search. */
static prof_scope *prof_scope_get(hpi_cpu_profile *p, uint32_t site)
{
	if (site >= p->capscopes) {
		size_t cap = p->capscopes ? p->capscopes : 64;
		prof_scope *v;

		while (cap <= site)
			cap *= 2;
		if ((v = realloc(p->scopes, cap * sizeof(*v))) == NULL)
			return NULL;
		memset(v + p->capscopes, 0, (cap - p->capscopes) * sizeof(*v));
		p->scopes = v;
		p->capscopes = cap;
	}
	if (site >= p->nscopes)
		p->nscopes = site + 1;
	p->scopes[site].site = site;
	return &p->scopes[site];
}

void hpi_cpu_profile_scope(hpi_cpu_profile *p, uint32_t site, uint64_t tid,
			   uint64_t start_ns, uint64_t dur_ns)
{
	prof_thread *t = p->last;
	prof_scope *sc = prof_scope_get(p, site);
	uint64_t cpu = 0;

	if (sc == NULL)
		return;
	if (t == NULL || t->tid != (uint32_t)tid) {
		t = NULL;
		for (size_t i = 0; i < p->nthreads; i++)
			if (p->threads[i].tid == (uint32_t)tid)
				t = p->last = &p->threads[i];
	}
	if (t != NULL && t->times != NULL && t->count > 0) {
		uint64_t oldest = t->count > PROF_RING ? t->count - PROF_RING : 0;
		uint64_t a = prof_ring_find(t, oldest, start_ns);
		uint64_t b = prof_ring_find(t, a, start_ns + dur_ns);
		for (uint64_t i = a; i < b; i++)
			cpu += t->weights[i & (PROF_RING - 1)];
	}
	sc->calls++;
	sc->wall += dur_ns;
	sc->cpu += cpu;
}

void hpi_cpu_profile_state(hpi_cpu_profile *p, const char *state)
{
	snprintf(p->state, sizeof(p->state), "%s", state ? state : "");
}

void hpi_cpu_profile_lost(hpi_cpu_profile *p, uint64_t lost)
{
	p->lost = lost;
}

uint64_t hpi_cpu_profile_samples(const hpi_cpu_profile *p)
{
	return p->samples;
}

void hpi_cpu_profile_free(hpi_cpu_profile *p)
{
	if (p == NULL)
		return;
	for (size_t i = 0; i < p->capstacks; i++)
		free(p->stacks[i].pcs);
	free(p->stacks);
	for (size_t i = 0; i < p->nthreads; i++) {
		free(p->threads[i].times);
		free(p->threads[i].weights);
	}
	free(p->threads);
	free(p->scopes);
	free(p);
}
