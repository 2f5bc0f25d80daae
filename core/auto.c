/* SPDX-License-Identifier: MIT */
/*
 * auto.c - auto-instrumentation: the entry and exit hooks that GCC and
 * clang call in code built with -finstrument-functions (docs/auto.md).
 *
 * The hooks feed the same per-thread buffers as HP_MEASURE.  A function's
 * address becomes a site id through one global open-addressing table that
 * the hot path only reads; a function seen for the first time registers a
 * nameless site under a lock (once per function), and the collector names
 * it later from the symbol tables and DWARF (core/symbols.c).
 *
 * Each thread keeps a shadow stack of open frames: (function, the entry
 * hook's frame address, entry tick).  An exit pops the frame it closes;
 * frames above it were left without their exit (longjmp) and are dropped
 * unmeasured, and an exit that closes nothing is ignored, so later
 * measurements stay exact.  Frame addresses tell the activations of a
 * recursive function apart.  The exit hook is either called from the body
 * (its frame address is then the entry hook's: the frame it closes is the
 * topmost frame of the function at that address, which functions inlined
 * into it share), or, at -O2, jumped to after the epilogue (call_site ==
 * our return address gives it away; its frame address is then below its
 * caller's frames and above the function's own: the frame it closes is the
 * outermost of the frames below that address).  A per-thread count of open
 * activations per site marks the inner ones, whose time the timing plugin
 * does not add to the function's total a second time.
 *
 * Nothing here may be instrumented itself (libhotpath is not built with
 * -finstrument-functions, and the hooks say no_instrument_function).
 */
#include "config.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "hpi.h"

#define AUTO_NOINST __attribute__((no_instrument_function))
#define AUTO_OFF 0x80000000u       /* table id bit: not measured (filtered) */
#define AUTO_STACK0 256u           /* first shadow stack, frames */
#define AUTO_STACK_MAX (1u << 20)  /* deeper frames are not measured */
#define AUTO_TABLE0 1024u          /* first address table, slots */
#define AUTO_HASH 0x9e3779b97f4a7c15u

/* The hooks' fast paths read the TSC themselves (hp__rt.tsc checked). */
#if defined(__x86_64__) || defined(__i386__)
#define AUTO_TICK() __builtin_ia32_rdtsc()
#else
#define AUTO_TICK() hp__now()
#endif

/* One open frame of the shadow stack. */
typedef struct auto_frame {
	uintptr_t fn;   /* the function */
	uintptr_t sp;   /* the hook's canonical frame address: one per activation */
	uint64_t t0;    /* entry tick */
	uint32_t site;  /* the exit record's site word (id, depth tag, HP__SCOPE_REC),
			 * 0 = not measured */
	uint16_t alloc; /* allocation tracking's frame + 1, or 0 */
	uint16_t slow;  /* 1: entered by the general case, so is its exit (not
			 * measured, allocations, or t0 from hp__now()) */
} auto_frame;

#define AUTO_ID(site) ((site) & ((1u << HP__KIND_SHIFT) - 1u))
/* The hooks' frame address: the CFA needs no frame pointer, and both hooks
 * see the same one when the exit is called from the function's body. */
#define AUTO_SP() ((uintptr_t)__builtin_dwarf_cfa())

/* A thread's shadow stack; written by its thread only. */
struct auto_tls {
	auto_frame *frames;
	uint32_t depth, cap;
	uint32_t lim;       /* cap while over is 0, else 0: the fast paths' one test */
	uint32_t over;      /* frames past AUTO_STACK_MAX: entered, not kept */
	uint32_t nactive;
	uint32_t *active;   /* site id -> open activations on this thread */
	int dead;           /* the thread is leaving: nothing more is kept */
};

typedef struct auto_slot {
	uintptr_t fn;       /* 0 = empty */
	uint32_t id;        /* site id | AUTO_OFF */
	uint32_t unused;
} auto_slot;

/* A function's first slot (Fibonacci hashing: the modules' functions,
 * laid out one after the other, spread over the whole table). */
#define AUTO_SLOT(t, fn) ((size_t)(((uint64_t)(fn) * AUTO_HASH) >> (t)->shift))

/* Function address -> site id.  Readers never lock; a full table is
 * copied into one twice its size, and the old one stays allocated (a
 * reader may be probing it) and reachable through `old`. */
typedef struct auto_table {
	struct auto_table *old;
	size_t mask, used;
	unsigned shift;
	auto_slot slots[];
} auto_table;

static __thread struct auto_tls auto_tls __attribute__((tls_model("initial-exec")));
static auto_table *auto_tab;
static pthread_mutex_t auto_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_key_t auto_key;
static pthread_once_t auto_once = PTHREAD_ONCE_INIT;
static int auto_key_made;

HP_API void __cyg_profile_func_enter(void *fn, void *call_site) AUTO_NOINST;
HP_API void __cyg_profile_func_exit(void *fn, void *call_site) AUTO_NOINST;

/* The slot of fn's id in t, or NULL (lock-free). */
static inline AUTO_NOINST uint32_t auto_find(const auto_table *t, uintptr_t fn)
{
	size_t h = AUTO_SLOT(t, fn);

	for (;;) {
		uintptr_t k = __atomic_load_n(&t->slots[h].fn, __ATOMIC_ACQUIRE);
		if (k == fn)
			return __atomic_load_n(&t->slots[h].id, __ATOMIC_RELAXED);
		if (k == 0)
			return 0;
		h = (h + 1) & t->mask;
	}
}

/* Puts fn -> id into t (auto_lock held, room checked). */
static AUTO_NOINST void auto_put(auto_table *t, uintptr_t fn, uint32_t id)
{
	size_t h = AUTO_SLOT(t, fn);

	while (t->slots[h].fn != 0)
		h = (h + 1) & t->mask;
	t->slots[h].id = id;
	__atomic_store_n(&t->slots[h].fn, fn, __ATOMIC_RELEASE);
	t->used++;
}

/* A table twice the size of old (or the first one), published; NULL when
 * out of memory.  auto_lock held. */
static AUTO_NOINST auto_table *auto_grow(auto_table *old)
{
	size_t n = old ? (old->mask + 1) * 2 : AUTO_TABLE0;
	auto_table *t = calloc(1, sizeof(*t) + n * sizeof(t->slots[0]));

	if (t == NULL)
		return NULL;
	t->old = old;
	t->mask = n - 1;
	t->shift = 64u - (unsigned)__builtin_ctzll((unsigned long long)n);
	for (size_t i = 0; old != NULL && i <= old->mask; i++)
		if (old->slots[i].fn != 0)
			auto_put(t, old->slots[i].fn, old->slots[i].id);
	__atomic_store_n(&auto_tab, t, __ATOMIC_RELEASE);
	return t;
}

/* First sight of fn anywhere: a new nameless site (named later by the
 * collector).  Returns its id, or AUTO_OFF when it cannot be had. */
static AUTO_NOINST __attribute__((noinline)) uint32_t auto_register(uintptr_t fn)
{
	HPI_INTERNAL(); /* hotpath's own allocations are not counted */
	auto_table *t;
	uint32_t id;

	pthread_mutex_lock(&auto_lock);
	t = auto_tab;
	if (t != NULL && (id = auto_find(t, fn)) != 0)
		goto out;
	id = AUTO_OFF;
	if ((t == NULL || (t->used + 1) * 2 > t->mask + 1) && (t = auto_grow(t)) == NULL)
		goto out;
	id = hpi_site_register_auto(fn);
	if (id == 0)
		id = AUTO_OFF; /* no more ids: never measured, never asked again */
	auto_put(t, fn, id);
out:
	pthread_mutex_unlock(&auto_lock);
	return id;
}

/* Site id of fn: the table, else registration. */
static inline AUTO_NOINST uint32_t auto_id(uintptr_t fn)
{
	const auto_table *t = __atomic_load_n(&auto_tab, __ATOMIC_ACQUIRE);
	uint32_t id = t ? auto_find(t, fn) : 0;

	return __builtin_expect(id != 0, 1) ? id : auto_register(fn);
}

/* Thread exit: the shadow stack goes; later hooks on this thread do nothing. */
static AUTO_NOINST void auto_exit(void *arg)
{
	struct auto_tls *a = &auto_tls;

	(void)arg;
	free(a->frames);
	free(a->active);
	memset(a, 0, sizeof(*a));
	a->dead = 1;
}

/* The key whose destructor frees a leaving thread's shadow stack. */
static AUTO_NOINST void auto_key_init(void)
{
	auto_key_made = pthread_key_create(&auto_key, auto_exit) == 0;
}

/* Room for one more frame: a thread's first frame, or a deeper stack.
 * false when the frame is not kept (counted in over). */
static AUTO_NOINST __attribute__((noinline)) bool auto_room(struct auto_tls *a)
{
	HPI_INTERNAL(); /* hotpath's own allocations are not counted */
	uint32_t cap = a->cap ? a->cap * 2 : AUTO_STACK0;
	auto_frame *f;

	if (a->dead)
		return false;
	if (a->cap >= AUTO_STACK_MAX || (f = realloc(a->frames, cap * sizeof(*f))) == NULL) {
		a->over++;
		a->lim = 0;
		return false;
	}
	if (a->cap == 0) {
		pthread_once(&auto_once, auto_key_init);
		if (auto_key_made)
			pthread_setspecific(auto_key, a);
	}
	a->frames = f;
	a->cap = a->lim = cap;
	return true;
}

/* Room in the thread's open-activation counts for site id. */
static AUTO_NOINST __attribute__((noinline)) bool auto_active_grow(struct auto_tls *a,
								   uint32_t id)
{
	HPI_INTERNAL(); /* hotpath's own allocations are not counted */
	size_t n = a->nactive;

	if (!hpi_grow(&a->active, &n, sizeof(*a->active), id) || n > UINT32_MAX)
		return false;
	a->nactive = (uint32_t)n;
	return true;
}

/* The entry hook's general case: a thread's first frame, a deeper stack,
 * profiling off, allocation tracking, no TSC, a function not yet in the
 * table. */
static AUTO_NOINST __attribute__((noinline)) void auto_enter(struct auto_tls *a, uintptr_t fn,
							    uintptr_t sp)
{
	uint32_t d = a->depth, id;
	auto_frame *f;
	int on;

	if (__builtin_expect(d >= a->cap || a->over != 0, 0)) {
		if (a->over != 0) {
			a->over++;
			return;
		}
		if (!auto_room(a))
			return;
	}
	f = &a->frames[d];
	a->depth = d + 1;
	/* a signal handler's frames go above this one, never over it */
	__atomic_signal_fence(__ATOMIC_SEQ_CST);
	f->fn = fn;
	f->sp = sp;
	f->site = 0;
	f->alloc = 0;
	f->slow = 1;
	on = __atomic_load_n(&hp__rt.on, __ATOMIC_RELAXED);
	if (__builtin_expect(on == 0, 0))
		return;
	id = auto_id(fn);
	if (__builtin_expect(id & AUTO_OFF, 0))
		return;
	if (__builtin_expect(id >= a->nactive, 0) && !auto_active_grow(a, id))
		return;
	f->site = id | HP__DEPTH_TAG(hp__tls.depth++) |
		  (a->active[id]++ != 0 ? HP__SCOPE_REC << HP__KIND_SHIFT : 0);
	if (__builtin_expect(on & HP__ON_ALLOC, 0)) {
		hp__scope sc = {.t0 = 0, .id = id, .alloc = 0};
		hp__alloc_enter(&sc); /* before t0: not part of the time */
		f->alloc = (uint16_t)sc.alloc;
	}
	f->t0 = hp__now();
}

/* The entry hook.  Its fast path (profiling with the TSC, room on the
 * stack, the function in the table's first probed slot) calls nothing and
 * keeps everything in scratch registers; the rest is auto_enter's. */
HP_API AUTO_NOINST void __cyg_profile_func_enter(void *fn, void *call_site)
{
	struct auto_tls *a = &auto_tls;
	uint32_t d = a->depth, id, n, dep;
	const auto_table *t = __atomic_load_n(&auto_tab, __ATOMIC_ACQUIRE);
	const auto_slot *slot;
	auto_frame *f;

	uint64_t t0;

	(void)call_site;
	if (__builtin_expect(d >= a->lim || t == NULL ||
			     (__atomic_load_n(&hp__rt.on, __ATOMIC_RELAXED) & ~HP__ON_SAMPLE) != HP__ON ||
			     !hp__rt.tsc, 0))
		goto slow;
	/* the tick first: the stores below then need not be done before it */
	t0 = AUTO_TICK();
	slot = &t->slots[AUTO_SLOT(t, (uintptr_t)fn)];
	if (__builtin_expect(__atomic_load_n(&slot->fn, __ATOMIC_ACQUIRE) != (uintptr_t)fn, 0))
		goto slow;
	/* AUTO_OFF ids are never below nactive */
	id = __atomic_load_n(&slot->id, __ATOMIC_RELAXED);
	if (__builtin_expect(id >= a->nactive, 0))
		goto slow;
	n = a->active[id]++;
	dep = hp__tls.depth++;
	f = &a->frames[d];
	a->depth = d + 1;
	__atomic_signal_fence(__ATOMIC_SEQ_CST);
	f->fn = (uintptr_t)fn;
	f->sp = AUTO_SP();
	f->site = id | HP__DEPTH_TAG(dep) | (n != 0 ? HP__SCOPE_REC << HP__KIND_SHIFT : 0);
	f->alloc = 0;
	f->slow = 0; /* site != 0, alloc == 0 */
	f->t0 = t0;
	return;
slow:
	auto_enter(a, (uintptr_t)fn, AUTO_SP());
}

/* The frame an exit of fn at frame address sp closes when it is not simply
 * the top one; the frames above it were left without their exit.  A tail
 * exit closes the outermost frame below sp; any other the topmost frame of
 * fn at or above sp (above: the function moved its stack pointer down, as
 * alloca does).  NULL when fn is not open (entered before the thread kept
 * frames, or already dropped). */
static AUTO_NOINST __attribute__((noinline)) auto_frame *auto_unwind(struct auto_tls *a,
								     uintptr_t fn, uintptr_t sp,
								     bool tail)
{
	uint32_t i = a->depth, j;

	if (tail) {
		while (i > 0 && a->frames[i - 1].sp < sp)
			i--;
		if (i == a->depth || a->frames[i].fn != fn)
			return NULL;
	} else {
		while (i > 0 && (a->frames[i - 1].fn != fn || a->frames[i - 1].sp < sp))
			i--;
		if (i-- == 0)
			return NULL;
	}
	for (j = i + 1; j < a->depth; j++)
		if (a->frames[j].site != 0) {
			a->active[AUTO_ID(a->frames[j].site)]--;
			hp__tls.depth--; /* the call tree's depth: never closed */
		}
	return &a->frames[i];
}

/* The exit hook's general case: frames left by longjmp, frames not
 * measured, allocation tracking, no TSC, a full chunk.  tick: the TSC read
 * at the hook's start (used when the frame's t0 is a TSC tick too). */
static AUTO_NOINST __attribute__((noinline)) void auto_exit_hook(struct auto_tls *a,
								uintptr_t fn, uintptr_t sp,
								bool tail, uint64_t tick)
{
	uint32_t d = a->depth;
	auto_frame *f;
	bool top;

	if (__builtin_expect(a->over != 0, 0)) {
		if (--a->over == 0)
			a->lim = a->cap;
		return;
	}
	if (__builtin_expect(d == 0, 0))
		return;
	f = &a->frames[d - 1];
	if (tail)
		top = f->fn == fn && f->sp < sp && (d == 1 || f[-1].sp >= sp);
	else
		top = f->fn == fn && f->sp == sp;
	if (!top && (f = auto_unwind(a, fn, sp, tail)) == NULL)
		return;
	if (__builtin_expect(f->site != 0, 1)) {
		uint64_t t1 = f->slow ? hp__now() : tick;
		a->active[AUTO_ID(f->site)]--;
		hp__tls.depth--;
		hp__record(f->site, f->t0, t1);
		if (__builtin_expect(f->alloc != 0, 0)) {
			hp__scope sc = {.t0 = f->t0, .id = AUTO_ID(f->site), .alloc = f->alloc};
			hp__alloc_leave(&sc, t1);
		}
	}
	a->depth = (uint32_t)(f - a->frames);
}

/* The exit hook.  It reads the clock first (the call's end, before the
 * hook's own work); its fast path (the top frame closes, measured, with
 * the TSC, the record fits the chunk) calls nothing (GCC 12 saves one
 * register); the rest is auto_exit_hook's. */
HP_API AUTO_NOINST void __cyg_profile_func_exit(void *fn, void *call_site)
{
	uint64_t t1 = AUTO_TICK();
	struct auto_tls *a = &auto_tls;
	uint32_t d = a->depth - 1;
	struct hp__rec *p;
	auto_frame *f;
	uintptr_t sp;

	/* d wraps when the stack is empty; lim is 0 while frames are over */
	if (__builtin_expect(d >= a->lim, 0))
		goto slow;
	f = &a->frames[d];
	if (__builtin_expect(f->fn != (uintptr_t)fn || f->slow != 0, 0))
		goto slow;
	/* called from the body: the entry's frame address; jumped to after
	 * the epilogue (-O2): above it, and below the caller's frame */
	sp = AUTO_SP();
	if (f->sp != sp && (__builtin_return_address(0) != call_site || f->sp >= sp ||
			    (d > 0 && f[-1].sp < sp)))
		goto slow;
	p = hp__tls.pos;
	if (__builtin_expect(p == hp__tls.end || (t1 - f->t0) >> 32 != 0, 0))
		goto slow;
	a->active[AUTO_ID(f->site)]--;
	a->depth = d;
	hp__tls.depth--;
	p->t = f->t0;
	p->site = f->site;
	p->dt = (uint32_t)(t1 - f->t0);
	__atomic_store_n(&hp__tls.pos, p + 1, __ATOMIC_RELEASE);
	return;
slow:
	auto_exit_hook(a, (uintptr_t)fn, AUTO_SP(), __builtin_return_address(0) == call_site, t1);
}

void hpi_auto_site_off(uint32_t id)
{
	uintptr_t fn = hpi_site_addr(id);
	auto_table *t;
	size_t h;

	if (fn == 0)
		return;
	pthread_mutex_lock(&auto_lock);
	if ((t = auto_tab) != NULL) {
		for (h = AUTO_SLOT(t, fn); t->slots[h].fn != 0;
		     h = (h + 1) & t->mask) {
			if (t->slots[h].fn == fn) {
				__atomic_store_n(&t->slots[h].id, id | AUTO_OFF, __ATOMIC_RELAXED);
				break;
			}
		}
	}
	pthread_mutex_unlock(&auto_lock);
}

/* A new guard: every function is measured again until its filters say no. */
void hpi_auto_guard_start(void)
{
	auto_table *t;

	pthread_mutex_lock(&auto_lock);
	if ((t = auto_tab) != NULL)
		for (size_t i = 0; i <= t->mask; i++)
			if (t->slots[i].fn != 0 && (t->slots[i].id & ~AUTO_OFF) != 0)
				__atomic_store_n(&t->slots[i].id, t->slots[i].id & ~AUTO_OFF,
						 __ATOMIC_RELAXED);
	pthread_mutex_unlock(&auto_lock);
}

void hpi_auto_atfork_prepare(void)
{
	pthread_mutex_lock(&auto_lock);
}

void hpi_auto_atfork_parent(void)
{
	pthread_mutex_unlock(&auto_lock);
}

/* The child keeps the table and the forking thread's shadow stack. */
void hpi_auto_atfork_child(void)
{
	pthread_mutex_init(&auto_lock, NULL);
}
