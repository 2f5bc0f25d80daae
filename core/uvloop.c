/* SPDX-License-Identifier: MIT */
/*
 * uvloop.c - libhotpath's half of libuv loop metrics (hotpath/uv.h,
 * docs/uv.md): the header's loop-thread callbacks hand their figures here,
 * one payload pair each (HP_EV_UV_*), so that libhotpath itself never
 * links libuv; and the table of the requests the header's wrappers
 * started, for requests by type.
 */
#include "config.h"

#include <pthread.h>
#include <stdlib.h>

#include "alloc.h"
#include "hpi.h"

/* One UV_* record from a watched loop's thread; nothing when not profiling. */
HP_API void hp__uv_record(uint32_t site, uint32_t kind, uint32_t w0, uint64_t pay, uint32_t w1);

void hp__uv_record(uint32_t site, uint32_t kind, uint32_t w0, uint64_t pay, uint32_t w1)
{
	if (!__atomic_load_n(&hp__rt.on, __ATOMIC_RELAXED) || site == 0 ||
	    (kind != HP__EV_UV_ITER && kind != HP__EV_UV_LAG && kind != HP__EV_UV_HANDLES))
		return;
	hpi_emit_pair2(site | kind << HP__KIND_SHIFT, hp__now(), w0, pay, w1);
}

/* ---- requests by type (hotpath/uv.h's request wrappers) ------------------
 *
 * A wrapped request (one started with a callback while profiling) has an
 * entry here from its start to its callback: the program's callback, its
 * loop and its type; libuv calls the header's callback, which takes the
 * entry out (hp__uv_req_end) and calls the program's.  Nothing of the
 * request itself is touched but the callback libuv keeps.  One table for
 * the process, under a mutex: libuv starts and completes requests on the
 * loop's thread, and a request costs a system call or a trip to the
 * threadpool, next to which a lock and a probe are small.  The table
 * outlives every guard: a request started while profiling completes
 * through it whenever its callback comes.
 */
#define UVL_TYPES 16u    /* hotpath/uv.h HP__UV_REQ_TYPES: uv_req_type values counted */
#define UVL_LOOPS 64u    /* loops counted; requests of more still complete */
#define UVL_NOLOOP 0xffu

typedef void (*uvl_fn)(void);

typedef struct uvl_entry {
	const void *req;       /* NULL: a free slot */
	uvl_fn cb;             /* the program's callback (may be NULL) */
	uint8_t loop, type;
} uvl_entry;

typedef struct uvl_loop {
	const void *loop;
	uint64_t started[UVL_TYPES], completed[UVL_TYPES];
} uvl_loop;

static pthread_mutex_t uvl_mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_once_t uvl_once = PTHREAD_ONCE_INIT;
static uvl_entry *uvl_v;   /* open addressing, linear probes, cap a power of 2 */
static size_t uvl_cap, uvl_n;
static uvl_loop uvl_loops[UVL_LOOPS];
static unsigned uvl_nloops;

/* A fork while another thread holds the table leaves the child a usable
 * one. */
static void uvl_prepare(void)
{
	pthread_mutex_lock(&uvl_mu);
}

static void uvl_release(void)
{
	pthread_mutex_unlock(&uvl_mu);
}

static void uvl_init(void)
{
	pthread_atfork(uvl_prepare, uvl_release, uvl_release);
}

static size_t uvl_hash(const void *req, size_t cap)
{
	return (size_t)(((uint64_t)(uintptr_t)req * UINT64_C(0x9e3779b97f4a7c15)) >> 32) & (cap - 1);
}

/* The slot of req, or the free slot where it would go. */
static size_t uvl_find(const void *req)
{
	size_t i = uvl_hash(req, uvl_cap);

	while (uvl_v[i].req != NULL && uvl_v[i].req != req)
		i = (i + 1) & (uvl_cap - 1);
	return i;
}

/* Room for one more entry (at most half full); false without memory. */
static bool uvl_room(void)
{
	HPI_INTERNAL(); /* hotpath's own allocations are not counted */
	uvl_entry *old = uvl_v, *v;
	size_t ocap = uvl_cap, cap = ocap ? ocap * 2 : 256;

	if (2 * (uvl_n + 1) <= ocap)
		return true;
	if ((v = calloc(cap, sizeof(*v))) == NULL)
		return false;
	uvl_v = v;
	uvl_cap = cap;
	for (size_t i = 0; i < ocap; i++)
		if (old[i].req != NULL)
			uvl_v[uvl_find(old[i].req)] = old[i];
	free(old);
	return true;
}

/* The counters of loop (made on first sight), or UVL_NOLOOP. */
static unsigned uvl_loop_of(const void *loop)
{
	for (unsigned i = 0; i < uvl_nloops; i++)
		if (uvl_loops[i].loop == loop)
			return i;
	if (uvl_nloops == UVL_LOOPS)
		return UVL_NOLOOP;
	uvl_loops[uvl_nloops].loop = loop;
	return uvl_nloops++;
}

/* Request req of type on loop starts with callback cb (NULL: none): 1
 * when it is tracked (then start it with the adapter's callback, and call
 * hp__uv_req_forget if libuv refuses it), 0 when it is not (no memory, or
 * a NULL request): start it as the program asked. */
HP_API int hp__uv_req_begin(const void *loop, void *req, uint32_t type, uvl_fn cb);
/* A tracked request libuv refused (its start call failed): no callback
 * will come, and it was not started. */
HP_API void hp__uv_req_forget(void *req);
/* A tracked request's callback came: its entry taken out, its completion
 * counted; the program's callback (NULL: none). */
HP_API uvl_fn hp__uv_req_end(void *req);
/* A request of type on loop ran at once (no callback: libuv's synchronous
 * form): started and completed. */
HP_API void hp__uv_req_sync(const void *loop, uint32_t type);
/* Loop's requests so far, by type: n counters each (those past UVL_TYPES 0). */
HP_API void hp__uv_reqs(const void *loop, uint64_t *started, uint64_t *completed, unsigned n);

int hp__uv_req_begin(const void *loop, void *req, uint32_t type, uvl_fn cb)
{
	size_t i;
	unsigned l;

	if (req == NULL)
		return 0;
	pthread_once(&uvl_once, uvl_init);
	pthread_mutex_lock(&uvl_mu);
	if (!uvl_room()) {
		pthread_mutex_unlock(&uvl_mu);
		return 0;
	}
	i = uvl_find(req);
	if (uvl_v[i].req == NULL) /* else a pending request started again: the program's misuse */
		uvl_n++;
	l = type < UVL_TYPES ? uvl_loop_of(loop) : UVL_NOLOOP;
	uvl_v[i] = (uvl_entry){req, cb, (uint8_t)l, (uint8_t)(type < UVL_TYPES ? type : 0)};
	if (l != UVL_NOLOOP)
		uvl_loops[l].started[type]++;
	pthread_mutex_unlock(&uvl_mu);
	return 1;
}

/* Takes req's entry out (backward shift: no tombstones) and counts it on
 * its loop as completed (done) or as never started; its callback. */
static uvl_fn uvl_take(const void *req, bool done)
{
	uvl_entry e;
	size_t i, j;

	pthread_mutex_lock(&uvl_mu);
	if (uvl_cap == 0 || uvl_v[i = uvl_find(req)].req == NULL) {
		pthread_mutex_unlock(&uvl_mu);
		return NULL;
	}
	e = uvl_v[i];
	uvl_n--;
	for (j = (i + 1) & (uvl_cap - 1); uvl_v[j].req != NULL; j = (j + 1) & (uvl_cap - 1)) {
		size_t h = uvl_hash(uvl_v[j].req, uvl_cap);
		/* entry j moves to the hole unless its home lies in (i, j] */
		if ((j > i && (h <= i || h > j)) || (j < i && h <= i && h > j)) {
			uvl_v[i] = uvl_v[j];
			i = j;
		}
	}
	uvl_v[i].req = NULL;
	if (e.loop != UVL_NOLOOP) {
		if (done)
			uvl_loops[e.loop].completed[e.type]++;
		else
			uvl_loops[e.loop].started[e.type]--;
	}
	pthread_mutex_unlock(&uvl_mu);
	return e.cb;
}

void hp__uv_req_forget(void *req)
{
	(void)uvl_take(req, false);
}

uvl_fn hp__uv_req_end(void *req)
{
	return uvl_take(req, true);
}

void hp__uv_req_sync(const void *loop, uint32_t type)
{
	unsigned l;

	if (type >= UVL_TYPES)
		return;
	pthread_mutex_lock(&uvl_mu);
	if ((l = uvl_loop_of(loop)) != UVL_NOLOOP) {
		uvl_loops[l].started[type]++;
		uvl_loops[l].completed[type]++;
	}
	pthread_mutex_unlock(&uvl_mu);
}

void hp__uv_reqs(const void *loop, uint64_t *started, uint64_t *completed, unsigned n)
{
	memset(started, 0, n * sizeof(*started));
	memset(completed, 0, n * sizeof(*completed));
	if (n > UVL_TYPES)
		n = UVL_TYPES;
	pthread_mutex_lock(&uvl_mu);
	for (unsigned i = 0; i < uvl_nloops; i++)
		if (uvl_loops[i].loop == loop) {
			memcpy(started, uvl_loops[i].started, n * sizeof(*started));
			memcpy(completed, uvl_loops[i].completed, n * sizeof(*completed));
		}
	pthread_mutex_unlock(&uvl_mu);
}
