/* SPDX-License-Identifier: MIT */
/*
 * interpose.c - libhotpath-alloc: malloc and friends, counted per thread
 * and per measured function (docs/alloc.md).
 *
 * Linked into a program (-lhotpath-alloc) or preloaded (`hotpath run
 * --alloc`), these definitions come before glibc's, and each one calls
 * glibc's own entry point (__libc_malloc, ...), so the allocator, its
 * errors and its checks are exactly glibc's: a double free or a foreign
 * pointer reaches glibc's free as it would without hotpath.
 *
 * While a guard tracks allocations, every block allocated is entered in its
 * thread's table of live blocks (address -> size and context).  Only the
 * owner thread inserts, and it removes its own blocks with plain stores, so
 * the usual malloc/free pair costs a hash and two stores on top of glibc.  A
 * block freed by another thread is removed under a_lock ("remote" free);
 * tables grow under the same lock, and a thread's table moves to the orphan
 * table when the thread exits, so its blocks can still be freed and counted.
 */
#include "config.h"

#include <errno.h>
#include <malloc.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "../../core/alloc.h"

extern void *__libc_malloc(size_t n);
extern void __libc_free(void *p);
extern void *__libc_calloc(size_t n, size_t m);
extern void *__libc_realloc(void *p, size_t n);
extern void *__libc_memalign(size_t align, size_t n);
extern void *__libc_valloc(size_t n);
extern void *__libc_pvalloc(size_t n);

#define A_API __attribute__((visibility("default")))
#define A_TOMB ((uintptr_t)1)
#define A_CTX_BITS 24
#define A_SIZE_MAX ((UINT64_C(1) << (64 - A_CTX_BITS)) - 1)
#define A_MIN_CAP 1024

/* Makes -DHOTPATH_ALLOC programs fail to link without this library. */
A_API const int hp_alloc_linked = 1;

typedef struct a_slot {
	uintptr_t key;  /* block address; 0 empty, A_TOMB removed */
	uint64_t val;   /* size << A_CTX_BITS | context */
} a_slot;

typedef struct a_table {
	size_t mask;
	size_t used;    /* slots not empty (live or removed): owner only */
	unsigned epoch; /* a_epoch when the table was last emptied */
	a_slot s[];
} a_table;

/* One thread that allocated while tracking. */
typedef struct a_rec {
	struct a_rec *next;
	struct hp__atls *a;   /* the thread's counters; NULL once it exited */
	a_table *tab;         /* NULL once it exited */
	hpi_alloc_thread last; /* figures when it exited; tid, name always */
	uint64_t base[4];     /* counters when the current guard started */
} a_rec;

static pthread_mutex_t a_lock = PTHREAD_MUTEX_INITIALIZER;
static a_rec *a_recs;         /* a_lock */
static a_table *a_orphan;     /* a_lock: blocks of threads that exited */
static unsigned a_epoch = 1;  /* bumped by a_reset: tables empty themselves */
static uint64_t a_lost;       /* allocations not tracked: no memory */
static int a_warned;
static pthread_key_t a_key;
static pthread_once_t a_once = PTHREAD_ONCE_INIT;

static inline size_t a_hash(uintptr_t p)
{
	uint64_t h = (uint64_t)p * 0x9e3779b97f4a7c15u;
	return (size_t)(h >> 20);
}

static a_table *a_table_new(size_t cap)
{
	a_table *t = __libc_calloc(1, sizeof(*t) + cap * sizeof(a_slot));

	if (t == NULL)
		return NULL;
	t->mask = cap - 1;
	t->epoch = __atomic_load_n(&a_epoch, __ATOMIC_RELAXED);
	return t;
}

/* Adds a block to a table that has room.  The value first, then the key,
 * so a reader that sees the key sees its value. */
static inline void a_put(a_table *t, uintptr_t p, uint64_t v)
{
	size_t i = a_hash(p) & t->mask;
	uintptr_t k;

	while ((k = __atomic_load_n(&t->s[i].key, __ATOMIC_RELAXED)) > A_TOMB)
		i = (i + 1) & t->mask;
	if (k == 0)
		t->used++;
	__atomic_store_n(&t->s[i].val, v, __ATOMIC_RELAXED);
	__atomic_store_n(&t->s[i].key, p, __ATOMIC_RELEASE);
}

/* Removes block p from t; true with its value in *v. */
static inline bool a_del(a_table *t, uintptr_t p, uint64_t *v)
{
	size_t i = a_hash(p) & t->mask;
	uintptr_t k;

	while ((k = __atomic_load_n(&t->s[i].key, __ATOMIC_ACQUIRE)) != 0) {
		if (k == p) {
			*v = __atomic_load_n(&t->s[i].val, __ATOMIC_RELAXED);
			__atomic_store_n(&t->s[i].key, A_TOMB, __ATOMIC_RELAXED);
			return true;
		}
		i = (i + 1) & t->mask;
	}
	return false;
}

/* Live slots of t. */
static size_t a_live(const a_table *t)
{
	size_t n = 0;

	for (size_t i = 0; i <= t->mask; i++)
		n += __atomic_load_n(&t->s[i].key, __ATOMIC_RELAXED) > A_TOMB;
	return n;
}

/* A copy of t without its removed slots, big enough for `extra` more
 * blocks at a load under 1/2 (a_lock held).  NULL without memory. */
static a_table *a_rebuild(a_table *t, size_t extra)
{
	size_t live = t ? a_live(t) : 0, cap = A_MIN_CAP;
	a_table *n;

	while (cap < (live + extra) * 2)
		cap *= 2;
	if ((n = a_table_new(cap)) == NULL)
		return NULL;
	for (size_t i = 0; t != NULL && i <= t->mask; i++) {
		uintptr_t k = __atomic_load_n(&t->s[i].key, __ATOMIC_RELAXED);
		if (k > A_TOMB)
			a_put(n, k, __atomic_load_n(&t->s[i].val, __ATOMIC_RELAXED));
	}
	n->epoch = t ? t->epoch : n->epoch;
	return n;
}

/* Says once that hotpath ran out of memory for its tables. */
static void a_no_memory(void)
{
	if (__atomic_exchange_n(&a_warned, 1, __ATOMIC_RELAXED) == 0)
		hp__alloc_warn("collectors.alloc: no memory for the table of live blocks; "
			       "some allocations are not counted");
}

/* ---- threads ------------------------------------------------------------ */

/* Reads a thread's four counters. */
static void a_counters(const struct hp__atls *a, uint64_t c[4])
{
	c[0] = __atomic_load_n(&a->bytes, __ATOMIC_RELAXED);
	c[1] = __atomic_load_n(&a->count, __ATOMIC_RELAXED);
	c[2] = __atomic_load_n(&a->freed_bytes, __ATOMIC_RELAXED);
	c[3] = __atomic_load_n(&a->freed_count, __ATOMIC_RELAXED);
}

/* Thread exit: its live blocks go to the orphan table. */
static void a_thread_exit(void *arg)
{
	a_rec *r = arg;
	struct hp__atls *a = &hp__atls;
	uint64_t c[4];

	a->internal++;
	pthread_mutex_lock(&a_lock);
	a_counters(a, c);
	r->last.bytes = c[0] - r->base[0];
	r->last.count = c[1] - r->base[1];
	r->last.freed_bytes = c[2] - r->base[2];
	r->last.freed_count = c[3] - r->base[3];
	r->last.exited = true;
	if (r->tab != NULL && r->tab->epoch == a_epoch) {
		size_t live = a_live(r->tab);
		if (a_orphan == NULL || (a_orphan->used + live + 1) * 2 > a_orphan->mask + 1) {
			a_table *n = a_rebuild(a_orphan, live + 1);
			if (n != NULL) {
				__libc_free(a_orphan);
				a_orphan = n;
			}
		}
		for (size_t i = 0; a_orphan != NULL && i <= r->tab->mask; i++) {
			uintptr_t k = r->tab->s[i].key;
			if (k > A_TOMB && (a_orphan->used + 1) * 2 <= a_orphan->mask + 1)
				a_put(a_orphan, k, r->tab->s[i].val);
		}
	}
	__libc_free(r->tab);
	r->tab = NULL;
	r->a = NULL;
	pthread_mutex_unlock(&a_lock);
	a->table = NULL;
	a->state = 2;
	a->internal--;
}

static void a_key_init(void)
{
	pthread_key_create(&a_key, a_thread_exit);
}

/* The calling thread's first tracked call, or its first since a new guard
 * started: a table and a record.  False when the thread is not tracked. */
static bool a_thread(struct hp__atls *a)
{
	int e = errno;
	a_rec *r;
	a_table *t;

	if (a->state == 2 || a->state == 3)
		return false;
	a->internal++;
	if (a->state == 0) {
		char name[16] = "";
		prctl(PR_GET_NAME, name, 0, 0, 0);
		/* nng's threads are hotpath's too (the publisher's) */
		if (strncmp(name, "hp-", 3) == 0 || strncmp(name, "nng:", 4) == 0) {
			a->state = 3;
			goto out;
		}
		pthread_once(&a_once, a_key_init);
		r = __libc_calloc(1, sizeof(*r));
		t = a_table_new(A_MIN_CAP);
		if (r == NULL || t == NULL) {
			__libc_free(r);
			__libc_free(t);
			a_no_memory();
			a->state = 3;
			goto out;
		}
		r->a = a;
		r->tab = t;
		r->last.tid = (uint64_t)syscall(SYS_gettid);
		memcpy(r->last.name, name, sizeof(name));
		pthread_mutex_lock(&a_lock);
		r->next = a_recs;
		a_recs = r;
		pthread_mutex_unlock(&a_lock);
		pthread_setspecific(a_key, r);
		a->table = t;
		a->rec = r;
		a->state = 1;
	}
	if (a->state == 4) {
		/* a new guard: forget the last one's blocks */
		pthread_mutex_lock(&a_lock);
		t = a->table;
		memset(t->s, 0, (t->mask + 1) * sizeof(a_slot));
		t->used = 0;
		t->epoch = a_epoch;
		a->state = 1;
		pthread_mutex_unlock(&a_lock);
	}
out:
	a->internal--;
	errno = e;
	return a->state == 1;
}

/* ---- the two halves of every entry point -------------------------------- */

static inline bool a_tracking(void)
{
	/* HP__ON_NOALLOC: the frames are kept for I/O tracking only */
	return __builtin_expect((__atomic_load_n(&hp__rt.on, __ATOMIC_RELAXED) &
				 (HP__ON_ALLOC | HP__ON_NOALLOC)) == HP__ON_ALLOC, 0);
}

/* Grows the caller's table (a_lock); false without memory. */
static bool a_grow(struct hp__atls *a)
{
	a_table *t = a->table, *n;

	a->internal++;
	pthread_mutex_lock(&a_lock);
	n = a_rebuild(t, 1);
	if (n != NULL) {
		((a_rec *)a->rec)->tab = n;
		a->table = n;
	}
	pthread_mutex_unlock(&a_lock);
	a->internal--;
	if (n == NULL) {
		a_no_memory();
		return false;
	}
	__libc_free(t);
	return true;
}

/* A block of n bytes was allocated at p. */
static inline void a_note(void *p, size_t n)
{
	struct hp__atls *a = &hp__atls;
	a_table *t = a->table;
	uint32_t ctx;

	if (__builtin_expect(a->internal != 0, 0))
		return;
	if (__builtin_expect(a->state != 1, 0)) {
		if (!a_thread(a))
			return;
		t = a->table;
	}
	if (__builtin_expect((t->used + 1) * 4 > (t->mask + 1) * 3, 0)) {
		if (!a_grow(a)) {
			__atomic_add_fetch(&a_lost, 1, __ATOMIC_RELAXED);
			return;
		}
		t = a->table;
	}
	if (__builtin_expect((ctx = a->ctx) == HPI_CTX_DIRTY, 0))
		ctx = hp__alloc_ctx();
	__atomic_store_n(&a->bytes, a->bytes + n, __ATOMIC_RELAXED);
	__atomic_store_n(&a->count, a->count + 1, __ATOMIC_RELAXED);
	a_put(t, (uintptr_t)p, ((uint64_t)n > A_SIZE_MAX ? A_SIZE_MAX : (uint64_t)n) << A_CTX_BITS | ctx);
}

/* Another thread's block, or one of an exited thread (a_lock taken). */
static bool a_del_remote(uintptr_t p, uint64_t *v)
{
	bool found = false;

	pthread_mutex_lock(&a_lock);
	for (a_rec *r = a_recs; r != NULL && !found; r = r->next)
		if (r->tab != NULL && r->tab->epoch == a_epoch)
			found = a_del(r->tab, p, v);
	if (!found && a_orphan != NULL && a_orphan->epoch == a_epoch)
		found = a_del(a_orphan, p, v);
	pthread_mutex_unlock(&a_lock);
	return found;
}

/* Block p is about to be freed: forget it, count it.  True with its size
 * in *size when it was tracked. */
static inline bool a_forget(void *p, uint64_t *size)
{
	struct hp__atls *a = &hp__atls;
	a_table *t = a->table;
	uint64_t v;

	if (__builtin_expect(a->internal != 0, 0))
		return false;
	if (__builtin_expect(a->state != 1, 0)) {
		if (!a_thread(a))
			return false;
		t = a->table;
	}
	if (!a_del(t, (uintptr_t)p, &v) && !a_del_remote((uintptr_t)p, &v))
		return false; /* allocated before tracking, or not by malloc */
	*size = v >> A_CTX_BITS;
	__atomic_store_n(&a->freed_bytes, a->freed_bytes + *size, __ATOMIC_RELAXED);
	__atomic_store_n(&a->freed_count, a->freed_count + 1, __ATOMIC_RELAXED);
	return true;
}

/* ---- the interposed entry points ---------------------------------------- */

A_API void *malloc(size_t n)
{
	void *p = __libc_malloc(n);

	if (a_tracking() && p != NULL)
		a_note(p, n);
	return p;
}

A_API void free(void *p)
{
	uint64_t size;

	if (a_tracking() && p != NULL)
		a_forget(p, &size); /* before glibc may hand p out again */
	__libc_free(p);
}

A_API void *calloc(size_t n, size_t m)
{
	void *p = __libc_calloc(n, m);

	if (a_tracking() && p != NULL)
		a_note(p, n * m); /* glibc checked n * m */
	return p;
}

A_API void *realloc(void *p, size_t n)
{
	uint64_t old = 0;
	bool had;
	void *q;

	if (!a_tracking() || hp__atls.internal)
		return __libc_realloc(p, n);
	if (p == NULL)
		return malloc(n);
	had = a_forget(p, &old);
	q = __libc_realloc(p, n);
	if (q == NULL && n != 0 && had) {
		/* p is unchanged: it is live again, and was not freed */
		struct hp__atls *a = &hp__atls;
		__atomic_store_n(&a->freed_bytes, a->freed_bytes - old, __ATOMIC_RELAXED);
		__atomic_store_n(&a->freed_count, a->freed_count - 1, __ATOMIC_RELAXED);
		__atomic_store_n(&a->bytes, a->bytes - old, __ATOMIC_RELAXED);
		__atomic_store_n(&a->count, a->count - 1, __ATOMIC_RELAXED);
		a_note(p, old);
	} else if (q != NULL) {
		a_note(q, n);
	}
	return q;
}

A_API void *reallocarray(void *p, size_t n, size_t m)
{
	size_t bytes;

	if (__builtin_mul_overflow(n, m, &bytes)) {
		errno = ENOMEM;
		return NULL;
	}
	return realloc(p, bytes);
}

/* memalign and friends: glibc's __libc_memalign is what they all call. */
static inline void *a_aligned(size_t align, size_t n)
{
	void *p = __libc_memalign(align, n);

	if (a_tracking() && p != NULL)
		a_note(p, n);
	return p;
}

A_API void *memalign(size_t align, size_t n)
{
	return a_aligned(align, n);
}

A_API void *aligned_alloc(size_t align, size_t n)
{
	return a_aligned(align, n);
}

A_API int posix_memalign(void **out, size_t align, size_t n)
{
	void *p;

	/* glibc's own checks, in its order */
	if (align % sizeof(void *) != 0 || (align & (align - 1)) != 0 || align == 0)
		return EINVAL;
	if ((p = a_aligned(align, n)) == NULL)
		return ENOMEM;
	*out = p;
	return 0;
}

A_API void *valloc(size_t n)
{
	void *p = __libc_valloc(n);

	if (a_tracking() && p != NULL)
		a_note(p, n);
	return p;
}

A_API void *pvalloc(size_t n)
{
	void *p = __libc_pvalloc(n);

	if (a_tracking() && p != NULL)
		a_note(p, n);
	return p;
}

/* ---- what libhotpath asks ----------------------------------------------- */

static void a_reset(void)
{
	pthread_mutex_lock(&a_lock);
	__atomic_store_n(&a_epoch, a_epoch + 1, __ATOMIC_RELEASE);
	if (a_orphan != NULL) {
		memset(a_orphan->s, 0, (a_orphan->mask + 1) * sizeof(a_slot));
		a_orphan->used = 0;
		a_orphan->epoch = a_epoch;
	}
	/* exited threads belong to the last guard; live ones start at 0 */
	for (a_rec **pp = &a_recs; *pp != NULL;) {
		a_rec *r = *pp;
		if (r->a == NULL) {
			*pp = r->next;
			__libc_free(r);
			continue;
		}
		a_counters(r->a, r->base);
		/* its table is the last guard's: it empties it on its next call
		 * (until then walkers skip it: its epoch is old) */
		__atomic_store_n(&r->a->state, 4, __ATOMIC_RELAXED);
		pp = &r->next;
	}
	__atomic_store_n(&a_lost, 0, __ATOMIC_RELAXED);
	pthread_mutex_unlock(&a_lock);
}

static void a_walk(const a_table *t, void (*fn)(void *, uint32_t, uint64_t, uint64_t), void *u)
{
	if (t == NULL || t->epoch != a_epoch)
		return;
	for (size_t i = 0; i <= t->mask; i++) {
		if (__atomic_load_n(&t->s[i].key, __ATOMIC_ACQUIRE) > A_TOMB) {
			uint64_t v = __atomic_load_n(&t->s[i].val, __ATOMIC_RELAXED);
			fn(u, (uint32_t)(v & ((1u << A_CTX_BITS) - 1)), v >> A_CTX_BITS, 1);
		}
	}
}

static void a_live_all(void (*fn)(void *, uint32_t, uint64_t, uint64_t), void *u)
{
	pthread_mutex_lock(&a_lock);
	for (a_rec *r = a_recs; r != NULL; r = r->next)
		a_walk(r->tab, fn, u);
	a_walk(a_orphan, fn, u);
	pthread_mutex_unlock(&a_lock);
}

static void a_threads(void (*fn)(void *, const hpi_alloc_thread *), void *u)
{
	pthread_mutex_lock(&a_lock);
	for (a_rec *r = a_recs; r != NULL; r = r->next) {
		hpi_alloc_thread t = r->last;
		if (r->a != NULL) {
			uint64_t c[4];
			a_counters(r->a, c);
			t.bytes = c[0] - r->base[0];
			t.count = c[1] - r->base[1];
			t.freed_bytes = c[2] - r->base[2];
			t.freed_count = c[3] - r->base[3];
		}
		fn(u, &t);
	}
	pthread_mutex_unlock(&a_lock);
}

static uint64_t a_lost_get(void)
{
	return __atomic_load_n(&a_lost, __ATOMIC_RELAXED);
}

static const hpi_alloc_ops a_ops = {
	.reset = a_reset,
	.live = a_live_all,
	.threads = a_threads,
	.lost = a_lost_get,
};

static void a_fork_prepare(void)
{
	pthread_mutex_lock(&a_lock);
}

static void a_fork_release(void)
{
	pthread_mutex_unlock(&a_lock);
}

__attribute__((constructor)) static void a_init(void)
{
	pthread_atfork(a_fork_prepare, a_fork_release, a_fork_release);
	hp__alloc_attach(&a_ops);
}
