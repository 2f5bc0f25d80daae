/* SPDX-License-Identifier: MIT */
/*
 * alloc.c - libhotpath's half of allocation tracking (docs/alloc.md).
 *
 * A measured scope opened while allocations are tracked remembers the
 * thread's allocation totals (hp__alloc_enter); when it closes, the
 * difference is what the call allocated, callees included (cumulative), or
 * without what its measured callees allocated (self: each closing frame adds
 * its cumulative figures to its parent's "children" sum, so recursion is
 * exact).  The figures go to the collector as one HP_EV_ALLOC record.
 *
 * For the leak view, every block libhotpath-alloc tracks carries a context:
 * the list of measured sites open when it was allocated, interned here once
 * per distinct list.  Interning happens on the first allocation inside a
 * frame, through a small per-thread cache, so a loop of mallocs in one
 * function costs one hash compare each.
 */
#include "config.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "alloc.h"
#include "hpi.h"

__thread struct hp__atls hp__atls __attribute__((tls_model("initial-exec")));
int hp__alloc_self;

static const hpi_alloc_ops *alloc_ops;
static bool alloc_tracking; /* the last guard tracked allocations */

bool hpi_alloc_tracking(void)
{
	return __atomic_load_n(&alloc_tracking, __ATOMIC_RELAXED);
}

/* Interned contexts: ctx id -> sites.  Id 0 is "no frame open". */
typedef struct alloc_ctx {
	uint64_t hash;
	uint32_t n;
	uint32_t *sites;
} alloc_ctx;

static pthread_mutex_t ctx_lock = PTHREAD_MUTEX_INITIALIZER;
static alloc_ctx *ctx_v;        /* [1..ctx_n) used */
static uint32_t ctx_n = 1, ctx_cap;
static uint32_t *ctx_table;     /* open addressing: hash -> id, 0 = empty */
static uint32_t ctx_tcap;

void hp__alloc_attach(const hpi_alloc_ops *ops)
{
	__atomic_store_n(&alloc_ops, ops, __ATOMIC_RELEASE);
}

const hpi_alloc_ops *hpi_alloc_ops_get(void)
{
	return __atomic_load_n(&alloc_ops, __ATOMIC_ACQUIRE);
}

void hpi_alloc_thread_internal(void)
{
	hp__atls.internal = 1 << 20; /* never comes back to 0 */
}

/* A step of the stack hash: never 0, which means "no frame". */
static inline uint64_t alloc_mix(uint64_t h, uint32_t site)
{
	h = (h ^ site) * 0x9e3779b97f4a7c15u;
	h ^= h >> 29;
	return h ? h : 1;
}

void hp__alloc_enter(hp__scope *sc)
{
	struct hp__atls *a = &hp__atls;
	hpi_aframe *f;

	/* deeper frames are not tracked: their allocations count for the
	 * nearest frame that is */
	if (a->internal || a->depth >= HPI_ASTACK)
		return;
	f = &a->frames[a->depth++];
	sc->alloc = a->depth;
	f->bytes = a->bytes;
	f->count = a->count;
	f->child_bytes = a->child_bytes;
	f->child_count = a->child_count;
	f->hash = a->hash;
	f->ctx = a->ctx;
	f->site = sc->id;
	a->child_bytes = 0;
	a->child_count = 0;
	a->hash = alloc_mix(a->hash, sc->id);
	a->ctx = HPI_CTX_DIRTY;
}

void hp__alloc_leave(hp__scope *sc, uint64_t t1)
{
	struct hp__atls *a = &hp__atls;
	hpi_aframe *f;
	uint64_t db, dc, b, c;

	/* frame sc->alloc - 1 is ours; frames above it were left by longjmp */
	if (sc->alloc > a->depth)
		return; /* a longjmp took us past it already */
	f = &a->frames[sc->alloc - 1];
	db = a->bytes - f->bytes;
	dc = a->count - f->count;
	b = db;
	c = dc;
	if (__atomic_load_n(&hp__alloc_self, __ATOMIC_RELAXED)) {
		b -= a->child_bytes;
		c -= a->child_count;
	}
	a->child_bytes = f->child_bytes + db;
	a->child_count = f->child_count + dc;
	a->hash = f->hash;
	a->ctx = f->ctx;
	a->depth = sc->alloc - 1;
	if (__atomic_load_n(&hp__rt.on, __ATOMIC_RELAXED) & HP__ON_NOALLOC)
		return; /* frames kept for I/O only (core/io.c) */
	hpi_emit_pair(sc->id | ((uint32_t)HP__EV_ALLOC << HP__KIND_SHIFT), t1, b,
		      c > 0xfffffffeu ? 0xfffffffeu : (uint32_t)c);
}

/* Doubles the hash -> id table (ctx_lock held). */
static bool ctx_rehash(void)
{
	uint32_t cap = ctx_tcap ? ctx_tcap * 2 : 256, *t;

	if ((t = calloc(cap, sizeof(*t))) == NULL)
		return false;
	for (uint32_t id = 1; id < ctx_n; id++) {
		uint32_t h = (uint32_t)ctx_v[id].hash & (cap - 1);
		while (t[h] != 0)
			h = (h + 1) & (cap - 1);
		t[h] = id;
	}
	free(ctx_table);
	ctx_table = t;
	ctx_tcap = cap;
	return true;
}

/* The id of the open frames' list; 0 when it cannot be stored. */
static uint32_t ctx_intern(uint64_t hash, const uint32_t *sites, uint32_t n)
{
	uint32_t h, id = 0;

	pthread_mutex_lock(&ctx_lock);
	if ((ctx_n + 1) * 2 > ctx_tcap && !ctx_rehash())
		goto out;
	for (h = (uint32_t)hash & (ctx_tcap - 1); ctx_table[h] != 0; h = (h + 1) & (ctx_tcap - 1)) {
		alloc_ctx *c = &ctx_v[ctx_table[h]];
		if (c->hash == hash && c->n == n && memcmp(c->sites, sites, n * sizeof(*sites)) == 0) {
			id = ctx_table[h];
			goto out;
		}
	}
	if (ctx_n >= HPI_CTX_MAX)
		goto out;
	if (ctx_n >= ctx_cap) {
		uint32_t cap = ctx_cap ? ctx_cap * 2 : 256;
		alloc_ctx *v = realloc(ctx_v, cap * sizeof(*v));
		if (v == NULL)
			goto out;
		ctx_v = v;
		ctx_cap = cap;
	}
	if ((ctx_v[ctx_n].sites = malloc(n * sizeof(*sites))) == NULL)
		goto out;
	memcpy(ctx_v[ctx_n].sites, sites, n * sizeof(*sites));
	ctx_v[ctx_n].hash = hash;
	ctx_v[ctx_n].n = n;
	id = ctx_n++;
	ctx_table[h] = id;
out:
	pthread_mutex_unlock(&ctx_lock);
	return id;
}

uint32_t hp__alloc_ctx(void)
{
	struct hp__atls *a = &hp__atls;
	unsigned slot;
	uint32_t id;

	if (a->hash == 0 || a->depth == 0)
		return a->ctx = 0;
	slot = (unsigned)(a->hash >> 7) & (HPI_ACACHE - 1);
	if (a->cache[slot].hash == a->hash && a->cache[slot].ctx != 0)
		return a->ctx = a->cache[slot].ctx;
	a->internal++;
	{
		uint32_t sites[HPI_ASTACK];
		for (uint32_t i = 0; i < a->depth; i++)
			sites[i] = a->frames[i].site;
		id = ctx_intern(a->hash, sites, a->depth);
	}
	a->internal--;
	if (id != 0) {
		a->cache[slot].hash = a->hash;
		a->cache[slot].ctx = id;
	}
	return a->ctx = id;
}

const uint32_t *hpi_alloc_ctx_sites(uint32_t ctx, uint32_t *n)
{
	const uint32_t *s = NULL;

	pthread_mutex_lock(&ctx_lock);
	if (ctx > 0 && ctx < ctx_n) {
		*n = ctx_v[ctx].n;
		s = ctx_v[ctx].sites; /* never moved nor freed once made */
	}
	pthread_mutex_unlock(&ctx_lock);
	return s;
}

/* HP_ALLOC_* bits: loaded, tracked by the guard, still counting. */
unsigned hpi_alloc_status(void)
{
	unsigned s = 0;

	if (hpi_alloc_ops_get() != NULL)
		s |= HP_ALLOC_LOADED;
	if ((s & HP_ALLOC_LOADED) && hpi_alloc_tracking())
		s |= HP_ALLOC_TRACKED;
	/* HP__ON_NOALLOC: the frames are kept for I/O only (core/io.c) */
	if ((s & HP_ALLOC_LOADED) && (__atomic_load_n(&hp__rt.on, __ATOMIC_RELAXED) &
				      (HP__ON_ALLOC | HP__ON_NOALLOC)) == HP__ON_ALLOC)
		s |= HP_ALLOC_RUNNING;
	return s;
}

/* Live bytes and blocks per context, gathered by libhotpath-alloc's walk. */
typedef struct alloc_live_sum {
	uint64_t (*v)[2];
	uint32_t n;
} alloc_live_sum;

static void alloc_live_one(void *u, uint32_t ctx, uint64_t bytes, uint64_t count)
{
	alloc_live_sum *s = u;

	if (ctx == 0)
		return; /* outside every measured function */
	if (ctx >= s->n) {
		uint32_t cap = s->n ? s->n : 64;
		uint64_t (*v)[2];

		while (cap <= ctx)
			cap *= 2;
		if ((v = realloc(s->v, cap * sizeof(*v))) == NULL)
			return;
		memset(v + s->n, 0, (cap - s->n) * sizeof(*v));
		s->v = v;
		s->n = cap;
	}
	s->v[ctx][0] += bytes;
	s->v[ctx][1] += count;
}

/* The walk first, under libhotpath-alloc's lock; fn after, outside it. */
int hpi_alloc_live(void (*fn)(void *u, const uint32_t *sites, uint32_t n, uint64_t bytes,
			      uint64_t blocks),
		   void *u)
{
	const hpi_alloc_ops *ops = hpi_alloc_ops_get();
	alloc_live_sum s = { .v = NULL };

	if (ops == NULL)
		return HP_ENOENT;
	ops->live(alloc_live_one, &s);
	for (uint32_t ctx = 1; ctx < s.n; ctx++) {
		const uint32_t *sites;
		uint32_t n = 0;

		if (s.v[ctx][1] != 0 && (sites = hpi_alloc_ctx_sites(ctx, &n)) != NULL && n != 0)
			fn(u, sites, n, s.v[ctx][0], s.v[ctx][1]);
	}
	free(s.v);
	return 0;
}

/* hpi_alloc_threads' callback and its argument. */
typedef struct alloc_threads_to {
	void (*fn)(void *u, const hp_alloc_thread *t);
	void *u;
} alloc_threads_to;

static void alloc_thread_one(void *u, const hpi_alloc_thread *t)
{
	const alloc_threads_to *to = u;
	hp_alloc_thread o = {
		.tid = t->tid, .bytes = t->bytes, .count = t->count,
		.freed_bytes = t->freed_bytes, .freed_count = t->freed_count, .exited = t->exited,
	};

	memcpy(o.name, t->name, sizeof(o.name));
	to->fn(to->u, &o);
}

int hpi_alloc_threads(void (*fn)(void *u, const hp_alloc_thread *t), void *u)
{
	const hpi_alloc_ops *ops = hpi_alloc_ops_get();
	alloc_threads_to to = { fn, u };

	if (ops == NULL)
		return HP_ENOENT;
	ops->threads(alloc_thread_one, &to);
	return 0;
}

void hp__alloc_warn(const char *msg)
{
	hpi_warn("%s", msg);
}

/* Set in the environment, even to "0"? */
static bool alloc_env(const char *name)
{
	const char *v = hpi_getenv(name);

	return v != NULL && *v != '\0';
}

void hpi_alloc_configure(hpi_config *c)
{
	hpi_optval *on = hpi_config_opt(c, "alloc", "enabled");

	if (on == NULL)
		return;
	/* loading libhotpath-alloc says "track": it counts as the program's
	 * own setting, over hotpath.yaml and under HOTPATH_ALLOC */
	if (hpi_alloc_ops_get() != NULL && !alloc_env("HOTPATH_ALLOC") &&
	    !alloc_env("HOTPATH_COLLECTORS_ALLOC_ENABLED"))
		on->b = true;
	if (on->b && hpi_alloc_ops_get() == NULL) {
		hpi_warn("collectors.alloc: libhotpath-alloc is not loaded (link with "
			 "-lhotpath-alloc, or run under `hotpath run --alloc`); "
			 "allocations are not tracked");
		on->b = false; /* so the registry leaves the plugin out */
	}
}

int hpi_alloc_start(const hpi_config *c)
{
	const hpi_alloc_ops *ops = hpi_alloc_ops_get();
	const hpi_optval *on = hpi_config_opt(c, "alloc", "enabled");
	const hpi_optval *self = hpi_config_opt(c, "alloc", "self");
	bool track = on != NULL && on->b && ops != NULL;

	__atomic_store_n(&alloc_tracking, track, __ATOMIC_RELAXED);
	if (!track)
		return 0;
	__atomic_store_n(&hp__alloc_self, self != NULL && self->b ? 1 : 0, __ATOMIC_RELAXED);
	ops->reset();
	return HP__ON_ALLOC;
}
