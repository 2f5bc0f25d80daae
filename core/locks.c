/* SPDX-License-Identifier: MIT */
/*
 * locks.c - the out-of-line half of the lock probes: probe set-up and the
 * read-write lock wrappers, whose readers hold together and so keep their
 * acquisition ticks per thread instead of in the lock.
 */
#include "config.h"

#include <string.h>

#include "hpi.h"

#define RD_SLOTS 16 /* read locks one thread may hold at once and be timed */

typedef struct rd_hold {
	const hp_rwlock *rw;
	uint64_t acq;
} rd_hold;

static __thread rd_hold rd_holds[RD_SLOTS];

/* Sets up a probe; its site registers on the first acquisition. */
void hp__lock_probe_init(hp_lock_probe *p, const char *label, const char *file, int line)
{
	memset(p, 0, sizeof(*p));
	p->site.label = label;
	p->site.file = file;
	p->site.line = line;
	p->site.kind = HP_SITE_LOCK;
}

/* Remembers a reader's acquisition (untimed when 16 are already held). */
static void rd_push(const hp_rwlock *rw, uint64_t acq)
{
	for (int i = 0; i < RD_SLOTS; i++) {
		if (rd_holds[i].rw == NULL) {
			rd_holds[i].rw = rw;
			rd_holds[i].acq = acq;
			return;
		}
	}
}

/* Takes back a reader's acquisition tick, 0 when none was kept. */
static uint64_t rd_pop(const hp_rwlock *rw)
{
	for (int i = RD_SLOTS - 1; i >= 0; i--) {
		if (rd_holds[i].rw == rw) {
			uint64_t acq = rd_holds[i].acq;
			rd_holds[i].rw = NULL;
			return acq;
		}
	}
	return 0;
}

/* Records a reader's acquisition (RLOCK_WAIT or RLOCK_ACQUIRE: the
 * writers' are LOCK_*); the tick goes to this thread's table. */
static void rd_acquired(hp_rwlock *rw, uint64_t w, int waited)
{
	uint32_t id = hp__lock_id(&rw->probe);
	uint64_t t;

	if (id == 0)
		return;
	t = hp__now();
	if (waited && w)
		hp__record(id | ((uint32_t)HP__EV_RLOCK_WAIT << HP__KIND_SHIFT), w, t);
	else
		hp__record(id | ((uint32_t)HP__EV_RLOCK_ACQUIRE << HP__KIND_SHIFT), t, t);
	rd_push(rw, t);
}

int hp_rwlock_rdlock(hp_rwlock *rw)
{
	uint64_t w;
	int rv;

	if (!hp__lock_id(&rw->probe))
		return pthread_rwlock_rdlock(&rw->rw);
	if ((rv = pthread_rwlock_tryrdlock(&rw->rw)) == 0) {
		rd_acquired(rw, 0, 0);
		return 0;
	}
	if (rv != EBUSY)
		return rv;
	w = hp__now();
	if ((rv = pthread_rwlock_rdlock(&rw->rw)) == 0)
		rd_acquired(rw, w, 1);
	return rv;
}

int hp_rwlock_tryrdlock(hp_rwlock *rw)
{
	int rv = pthread_rwlock_tryrdlock(&rw->rw);

	if (rv == 0 && hp__lock_id(&rw->probe))
		rd_acquired(rw, 0, 0);
	return rv;
}

int hp_rwlock_wrlock(hp_rwlock *rw)
{
	uint64_t w;
	int rv;

	if (!hp__lock_id(&rw->probe))
		return pthread_rwlock_wrlock(&rw->rw);
	if ((rv = pthread_rwlock_trywrlock(&rw->rw)) == 0) {
		hp_lock_acquired(&rw->probe, 0, 0);
		return 0;
	}
	if (rv != EBUSY)
		return rv;
	w = hp__now();
	if ((rv = pthread_rwlock_wrlock(&rw->rw)) == 0)
		hp_lock_acquired(&rw->probe, w, 1);
	return rv;
}

int hp_rwlock_trywrlock(hp_rwlock *rw)
{
	int rv = pthread_rwlock_trywrlock(&rw->rw);

	if (rv == 0)
		hp_lock_acquired(&rw->probe, 0, 0);
	return rv;
}

/* A reader's hold is in this thread's table; otherwise it is the writer's. */
int hp_rwlock_unlock(hp_rwlock *rw)
{
	uint64_t acq = rd_pop(rw);

	uint32_t id = __atomic_load_n(&rw->probe.site.id, __ATOMIC_RELAXED);

	if (acq != 0) {
		if (id != 0 && __atomic_load_n(&hp__rt.on, __ATOMIC_RELAXED))
			hp__record(id | ((uint32_t)HP__EV_RLOCK_HOLD << HP__KIND_SHIFT), acq,
				   hp__now());
	} else
		hp_lock_released(&rw->probe);
	return pthread_rwlock_unlock(&rw->rw);
}
