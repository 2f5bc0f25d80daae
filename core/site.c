/* SPDX-License-Identifier: MIT */
/*
 * site.c - the registry of instrumented places.  A site gets its id on
 * first use (under a mutex, once per site); the collector then maps ids to
 * site info lock-free through pages that never move.  Sites of
 * auto-instrumented functions (core/auto.c) are registered with only an
 * address; the first hpi_site_get names them (core/symbols.c).
 */
#include "config.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "hpi.h"

#define SITE_PAGE_BITS 10
#define SITE_PAGE (1u << SITE_PAGE_BITS)
#define SITE_PAGES 4096 /* 4 Mi sites */

/* A site: what plugins read, and the address of an auto site. */
typedef struct site_slot {
	hp_site_info info; /* info.label NULL: unnamed (yet) */
	uintptr_t addr;    /* auto-instrumented function, or 0 */
} site_slot;

static pthread_mutex_t site_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_mutex_t site_name_lock = PTHREAD_MUTEX_INITIALIZER;
static site_slot *site_pages[SITE_PAGES];
static uint32_t site_next = 1; /* 0 means "unregistered" */
/* sites first used while no guard had been tried (site_unguarded_atexit) */
static uint32_t site_unguarded, site_unguarded_first;
static pid_t site_unguarded_pid;

/* "<file stem>::<func>": basic.c + sync_function -> basic::sync_function. */
char *hpi_default_label(const char *file, const char *func)
{
	const char *base, *dot;
	size_t n;

	if (file == NULL)
		file = "?";
	base = strrchr(file, '/');
	base = base ? base + 1 : file;
	dot = strrchr(base, '.');
	n = dot && dot != base ? (size_t)(dot - base) : strlen(base);
	return hpi_asprintf("%.*s::%s", (int)n, base, func ? func : "?");
}

/* Fills the info of a new site; false when out of memory. */
static bool site_fill(hp_site_info *info, const hp_site *site, const char *func)
{
	if (site->label != NULL)
		info->label = strdup(site->label);
	else if (site->kind >= HP_SITE_LOCK && site->kind <= HP_SITE_RWLOCK)
		/* locks, channels, streams, futures: named where they are made */
		info->label = hpi_asprintf("%s:%d", hpi_basename(site->file), site->line);
	else
		info->label = hpi_default_label(site->file, func);
	info->file = site->file ? site->file : "?";
	info->func = func ? strdup(func) : NULL;
	info->line = site->line;
	info->kind = site->kind;
	if (info->label == NULL || (func && info->func == NULL)) {
		free((char *)info->label);
		free((char *)info->func);
		return false;
	}
	return true;
}

/* The slot of the next id, its page allocated; NULL when there is none
 * (site_lock held). */
static site_slot *site_slot_next(void)
{
	site_slot **page;

	if (site_next >= SITE_PAGE * SITE_PAGES)
		return NULL;
	page = &site_pages[site_next >> SITE_PAGE_BITS];
	if (*page == NULL) {
		site_slot *p = calloc(SITE_PAGE, sizeof(*p));
		if (p == NULL)
			return NULL;
		__atomic_store_n(page, p, __ATOMIC_RELEASE);
	}
	return &(*page)[site_next & (SITE_PAGE - 1)];
}

/* At exit: measured sites ran but no guard was ever built to report them
 * (HP_MEASURE without HP_MAIN or the builder); one line, not silence. */
static void site_unguarded_atexit(void)
{
	uint32_t n = site_unguarded;
	const hp_site_info *first;

	if (hpi_guard_tried || n == 0 || getpid() != site_unguarded_pid)
		return;
	first = hpi_site_get(site_unguarded_first);
	hpi_warn("%u measured site%s ran (first: %s) but no guard reported %s: add "
		 "HP_MAIN() at the top of main(), or build a guard with "
		 "hp_guard_builder_new()", n, n == 1 ? "" : "s",
		 first && first->label ? first->label : "?", n == 1 ? "it" : "them");
}

/* Registers a site on its first use; returns its id, 0 on failure. */
uint32_t hp__site_register(hp_site *site, const char *func)
{
	HPI_INTERNAL(); /* hotpath's own allocations are not counted */
	uint32_t id = hpi_site_register_arg(site, func, 0);

	if (id != 0 && !hpi_guard_tried && !__atomic_load_n(&hp__rt.on, __ATOMIC_RELAXED)) {
		pthread_mutex_lock(&site_lock);
		if (site_unguarded++ == 0) {
			site_unguarded_first = id;
			/* a fork child with a guard-less parent: the parent says it */
			site_unguarded_pid = getpid();
			atexit(site_unguarded_atexit);
		}
		pthread_mutex_unlock(&site_lock);
	}
	return id;
}

/* Same, with the kind-specific hp_site_info.arg set before the id is seen. */
uint32_t hpi_site_register_arg(hp_site *site, const char *func, uint64_t arg)
{
	HPI_INTERNAL(); /* hotpath's own allocations are not counted */
	uint32_t id;
	site_slot *slot;

	pthread_mutex_lock(&site_lock);
	id = site->id;
	if (id != 0 || (slot = site_slot_next()) == NULL)
		goto out;
	if (!site_fill(&slot->info, site, func))
		goto out;
	slot->info.arg = arg;
	id = site_next;
	__atomic_store_n(&site_next, id + 1, __ATOMIC_RELEASE);
	__atomic_store_n(&site->id, id, __ATOMIC_RELEASE);
out:
	pthread_mutex_unlock(&site_lock);
	return id;
}

/* An auto-instrumented function's site: named on first hpi_site_get. */
uint32_t hpi_site_register_auto(uintptr_t fn)
{
	HPI_INTERNAL(); /* hotpath's own allocations are not counted */
	uint32_t id = 0;
	site_slot *slot;

	pthread_mutex_lock(&site_lock);
	if ((slot = site_slot_next()) != NULL) {
		slot->info.kind = HP_SITE_FUNCTION;
		slot->addr = fn;
		id = site_next;
	__atomic_store_n(&site_next, id + 1, __ATOMIC_RELEASE);
	}
	pthread_mutex_unlock(&site_lock);
	return id;
}

/* The slot of a handed-out id, or NULL. */
static site_slot *site_slot_get(uint32_t id)
{
	site_slot *page;

	if (id == 0 || id >= __atomic_load_n(&site_next, __ATOMIC_ACQUIRE))
		return NULL;
	page = __atomic_load_n(&site_pages[id >> SITE_PAGE_BITS], __ATOMIC_ACQUIRE);
	return page ? &page[id & (SITE_PAGE - 1)] : NULL;
}

/* Names an auto site from the symbol tables and DWARF, once. */
static void site_name(site_slot *slot)
{
	HPI_INTERNAL(); /* hotpath's own allocations are not counted */
	hpi_symbol sym;

	pthread_mutex_lock(&site_name_lock);
	if (slot->info.label == NULL && hpi_symbol_resolve(slot->addr, &sym) == 0) {
		slot->info.file = sym.file;
		slot->info.func = sym.func;
		slot->info.line = sym.line;
		__atomic_store_n(&slot->info.label, sym.label, __ATOMIC_RELEASE);
	}
	pthread_mutex_unlock(&site_name_lock);
}

/* Site info by id, or NULL; an auto site is named on first sight. */
const hp_site_info *hpi_site_get(uint32_t id)
{
	site_slot *slot = site_slot_get(id);

	if (slot == NULL)
		return NULL;
	if (__atomic_load_n(&slot->info.label, __ATOMIC_ACQUIRE) == NULL) {
		if (slot->addr == 0)
			return NULL;
		site_name(slot);
		if (__atomic_load_n(&slot->info.label, __ATOMIC_ACQUIRE) == NULL)
			return NULL;
	}
	return &slot->info;
}

/* The function address of an auto site, 0 for any other. */
uintptr_t hpi_site_addr(uint32_t id)
{
	site_slot *slot = site_slot_get(id);

	return slot ? slot->addr : 0;
}

/* Number of ids handed out so far plus one. */
uint32_t hpi_site_count(void)
{
	return __atomic_load_n(&site_next, __ATOMIC_ACQUIRE);
}

/* After fork, the child's lock may be held by a thread that is gone. */
void hpi_site_atfork_child(void)
{
	pthread_mutex_init(&site_lock, NULL);
	pthread_mutex_init(&site_name_lock, NULL);
}

/* The naming lock first: naming never takes site_lock, registering may
 * come after it in core/auto.c's order. */
void hpi_site_atfork_prepare(void)
{
	pthread_mutex_lock(&site_name_lock);
	pthread_mutex_lock(&site_lock);
}

void hpi_site_atfork_parent(void)
{
	pthread_mutex_unlock(&site_lock);
	pthread_mutex_unlock(&site_name_lock);
}
