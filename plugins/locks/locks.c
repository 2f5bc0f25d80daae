/* SPDX-License-Identifier: MIT */
/*
 * locks.c - the built-in locks plugin: per lock label, acquisitions, how
 * many had to wait, wait time (over the waits) and hold time (avg,
 * percentiles, max, total), and the thread holding it now.  Fed by
 * hp_mutex_*, hp_rwlock_* and the hp_lock_* probe (include/hotpath.h).
 * It uses only the plugin ABI (hotpath/plugin.h), as an external plugin
 * would: its histograms are the host's.
 *
 * A read-write lock's readers come as RLOCK_* events, its writers as
 * LOCK_*: the Locks table adds both up, the "rwlocks" section has a row
 * per lock and mode.
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <hotpath/plugin.h>

typedef struct lock_entry {
	const char *label;    /* borrowed from the site registry */
	uint64_t acquisitions, contended;
	hp_hist *wait, *hold;
	uint64_t wait_sum, hold_sum; /* for sorting, set by the snapshot */
	uint64_t holder;      /* tid, 0 when free (as far as drained records tell) */
	uint64_t holder_since; /* ns since start */
	struct lock_mode *mode; /* read-write locks: [0] readers, [1] writers */
} lock_entry;

/* One mode of a read-write lock. */
typedef struct lock_mode {
	uint64_t acquisitions, contended;
	hp_hist *wait, *hold;
} lock_mode;

typedef struct locks_state {
	const hp_host *host;
	void **by_site;       /* index: site id; entries shared by label */
	size_t nsites;
	lock_entry **v;
	size_t n, cap;
} locks_state;

/* The entry of a label, created on first sight (a linear search: labels
 * are looked up once per site). */
static lock_entry *locks_label(locks_state *st, const char *label)
{
	lock_entry *e;

	if ((e = hp_plugin_label_find((void *const *)st->v, st->n, label)) != NULL)
		return e;
	if ((e = calloc(1, sizeof(*e))) == NULL)
		return NULL;
	e->label = label;
	e->wait = st->host->hist_new();
	e->hold = st->host->hist_new();
	if (e->wait == NULL || e->hold == NULL ||
	    !hp_plugin_push((void ***)&st->v, &st->n, &st->cap, e)) {
		st->host->hist_free(e->wait);
		st->host->hist_free(e->hold);
		free(e);
		return NULL;
	}
	return e;
}

/* The entry of a site id. */
static lock_entry *locks_site(locks_state *st, uint32_t id)
{
	const hp_site_info *info;
	void **slot = hp_plugin_site_slot(&st->by_site, &st->nsites, id);

	if (slot == NULL)
		return NULL;
	if (*slot == NULL && (info = st->host->site(id)) != NULL) {
		lock_entry *e = locks_label(st, info->label);

		if (e != NULL && e->mode == NULL && info->kind == HP_SITE_RWLOCK &&
		    (e->mode = calloc(2, sizeof(*e->mode))) != NULL) {
			for (int m = 0; m < 2; m++) {
				e->mode[m].wait = st->host->hist_new();
				e->mode[m].hold = st->host->hist_new();
			}
		}
		*slot = e;
	}
	return *slot;
}

static int locks_init(const hp_host *host, const hp_options *opts, void **state,
		      char **cause)
{
	locks_state *st = calloc(1, sizeof(*st));

	(void)opts;
	(void)cause;
	if (st == NULL)
		return HP_ENOMEM;
	if (host->size <= offsetof(hp_host, hist_free)) { /* hist_* came later */
		free(st);
		return HP_ENOTSUP;
	}
	st->host = host;
	*state = st;
	return 0;
}

static void locks_event(void *state, const hp_event *ev)
{
	locks_state *st = state;
	lock_entry *e = locks_site(st, ev->site);

	if (e == NULL)
		return;
	if (e->mode != NULL) { /* the mode's own figures, then the lock's */
		bool rd = ev->kind >= HP_EV_RLOCK_ACQUIRE;
		lock_mode *m = &e->mode[rd ? 0 : 1];
		uint32_t k = rd ? ev->kind - HP_EV_RLOCK_ACQUIRE + HP_EV_LOCK_ACQUIRE : ev->kind;

		if (k == HP_EV_LOCK_WAIT) {
			m->contended++;
			st->host->hist_add(m->wait, ev->dur_ns);
		}
		if (k == HP_EV_LOCK_WAIT || k == HP_EV_LOCK_ACQUIRE)
			m->acquisitions++;
		else if (k == HP_EV_LOCK_HOLD)
			st->host->hist_add(m->hold, ev->dur_ns);
	}
	switch (ev->kind) {
	case HP_EV_RLOCK_WAIT:
	case HP_EV_LOCK_WAIT:
		e->contended++;
		st->host->hist_add(e->wait, ev->dur_ns);
		if (ev->kind == HP_EV_RLOCK_WAIT) {
			e->acquisitions++; /* readers hold together: no holder */
			break;
		}
		__attribute__((fallthrough)); /* a wait ends in an acquisition */
	case HP_EV_LOCK_ACQUIRE:
		e->acquisitions++;
		if (ev->time_ns + ev->dur_ns >= e->holder_since) {
			e->holder = ev->tid;
			e->holder_since = ev->time_ns + ev->dur_ns;
		}
		break;
	case HP_EV_RLOCK_ACQUIRE:
		e->acquisitions++;
		break;
	case HP_EV_RLOCK_HOLD:
		st->host->hist_add(e->hold, ev->dur_ns);
		break;
	case HP_EV_LOCK_HOLD:
		st->host->hist_add(e->hold, ev->dur_ns);
		/* released by the holder we know of: free (the next acquisition
		 * may already be in another thread's undrained buffer) */
		if (e->holder == ev->tid && ev->time_ns + 1 >= e->holder_since)
			e->holder = 0;
		break;
	default:
		break;
	}
}

/* Most time waited first, then most time held. */
static int locks_cmp(const void *a, const void *b)
{
	const lock_entry *x = *(lock_entry *const *)a, *y = *(lock_entry *const *)b;

	if (x->wait_sum != y->wait_sum)
		return x->wait_sum > y->wait_sum ? -1 : 1;
	if (x->hold_sum != y->hold_sum)
		return x->hold_sum > y->hold_sum ? -1 : 1;
	return strcmp(x->label, y->label);
}

/* avg, p<N>..., max, total of one histogram, from column c on. */
static size_t locks_stats(const hp_host *h, hp_section *sec, size_t r, size_t c,
			  const hp_hist *hist, const double *p, size_t np)
{
	uint64_t total = h->hist_sum(hist), n = h->hist_count(hist);

	h->cell_int(sec, r, c++, (int64_t)(n ? total / n : 0));
	for (size_t i = 0; i < np; i++)
		h->cell_int(sec, r, c++, (int64_t)h->hist_percentile(hist, p[i]));
	h->cell_int(sec, r, c++, (int64_t)h->hist_percentile(hist, 100));
	h->cell_int(sec, r, c++, (int64_t)total);
	return c;
}

/* The columns: name, counts, then avg/p<N>/max/total for wait and hold. */
static void locks_columns(const hp_host *h, hp_section *sec, const double *p, size_t np)
{
	static const char *const what[] = {"wait", "hold"}, *const title[] = {"Wait", "Hold"};
	char key[40], t[40];

	h->column_add(sec, "name", "Lock", HP_UNIT_TEXT);
	h->column_add(sec, "acquisitions", "Acquired", HP_UNIT_COUNT);
	h->column_add(sec, "contended", "Waited", HP_UNIT_COUNT);
	for (int k = 0; k < 2; k++) {
		snprintf(key, sizeof(key), "%s_avg", what[k]);
		snprintf(t, sizeof(t), "%s avg", title[k]);
		h->column_add(sec, key, t, HP_UNIT_NS);
		for (size_t i = 0; i < np; i++) {
			snprintf(key, sizeof(key), "%s_p%g", what[k], p[i]);
			snprintf(t, sizeof(t), "%s P%g", title[k], p[i]);
			h->column_add(sec, key, t, HP_UNIT_NS);
		}
		snprintf(key, sizeof(key), "%s_max", what[k]);
		snprintf(t, sizeof(t), "%s max", title[k]);
		h->column_add(sec, key, t, HP_UNIT_NS);
		snprintf(key, sizeof(key), "%s_total", what[k]);
		snprintf(t, sizeof(t), "%s total", title[k]);
		h->column_add(sec, key, t, HP_UNIT_NS);
	}
	h->column_add(sec, "holder", "Held by", HP_UNIT_COUNT);
}

/* The "rwlocks" section: per read-write lock, a row for its readers and
 * one for its writers, in the Locks table's order. */
static int locks_rw_section(locks_state *st, hp_snapshot *snap, const double *p, size_t np)
{
	static const char *const mode[] = {"read", "write"};
	const hp_host *h = st->host;
	hp_section *sec = NULL;

	for (size_t i = 0; i < st->n; i++) {
		const lock_entry *e = st->v[i];

		if (e->mode == NULL)
			continue;
		if (sec == NULL) {
			if ((sec = h->section_add(snap, "rwlocks", "Read-write locks")) == NULL)
				return HP_ENOMEM;
			locks_columns(h, sec, p, np);
			h->column_add(sec, "mode", "Mode", HP_UNIT_TEXT);
			h->meta_set(sec, "table.columns",
				    "name,mode,acquisitions,contended,wait_avg,wait_max,wait_total,"
				    "hold_avg,hold_max,hold_total");
		}
		for (int m = 0; m < 2; m++) {
			size_t r = h->row_add(sec), c = 0;

			h->cell_text(sec, r, c++, e->label);
			h->cell_int(sec, r, c++, (int64_t)e->mode[m].acquisitions);
			h->cell_int(sec, r, c++, (int64_t)e->mode[m].contended);
			c = locks_stats(h, sec, r, c, e->mode[m].wait, p, np);
			c = locks_stats(h, sec, r, c, e->mode[m].hold, p, np);
			h->cell_text(sec, r, c + 1, mode[m]); /* past "holder" */
		}
	}
	return 0;
}

static int locks_snapshot(void *state, hp_snapshot *snap)
{
	locks_state *st = state;
	const hp_host *h = st->host;
	size_t np;
	const double *p = h->percentiles(&np);
	hp_section *sec;

	if (st->n == 0)
		return 0; /* a program without locks gets no empty table */
	if ((sec = h->section_add(snap, "locks", "Locks")) == NULL)
		return HP_ENOMEM;
	locks_columns(h, sec, p, np);
	h->meta_set(sec, "table.columns",
		    "name,acquisitions,contended,wait_avg,wait_max,wait_total,hold_avg,"
		    "hold_max,hold_total,holder");
	for (size_t i = 0; i < st->n; i++) {
		st->v[i]->wait_sum = h->hist_sum(st->v[i]->wait);
		st->v[i]->hold_sum = h->hist_sum(st->v[i]->hold);
	}
	if (st->n > 1)
		qsort(st->v, st->n, sizeof(*st->v), locks_cmp);
	for (size_t i = 0; i < st->n; i++) {
		const lock_entry *e = st->v[i];
		size_t r = h->row_add(sec), c = 0;

		h->cell_text(sec, r, c++, e->label);
		h->cell_int(sec, r, c++, (int64_t)e->acquisitions);
		h->cell_int(sec, r, c++, (int64_t)e->contended);
		c = locks_stats(h, sec, r, c, e->wait, p, np);
		c = locks_stats(h, sec, r, c, e->hold, p, np);
		if (e->holder != 0)
			h->cell_int(sec, r, c, (int64_t)e->holder);
	}
	return locks_rw_section(st, snap, p, np);
}

static void locks_fini(void *state)
{
	locks_state *st = state;

	if (st == NULL)
		return;
	for (size_t i = 0; i < st->n; i++) {
		st->host->hist_free(st->v[i]->wait);
		st->host->hist_free(st->v[i]->hold);
		for (int m = 0; st->v[i]->mode != NULL && m < 2; m++) {
			st->host->hist_free(st->v[i]->mode[m].wait);
			st->host->hist_free(st->v[i]->mode[m].hold);
		}
		free(st->v[i]->mode);
		free(st->v[i]);
	}
	free(st->v);
	free(st->by_site);
	free(st);
}

/* collectors.locks.* */
static const hp_option locks_options[] = {
	{ .key = "enabled", .type = HP_OPT_BOOL, .dflt = "true",
	  .help = "Lock waits and holds ([locks.md](locks.md))." },
	{ .key = NULL },
};

const hp_plugin_ops hpi_locks_plugin = {
	.abi = HP_PLUGIN_ABI,
	.size = sizeof(hp_plugin_ops),
	.name = "locks",
	.description = "per lock: acquisitions, waits, wait and hold times, holder",
	.events = HP_EV_BIT(HP_EV_LOCK_ACQUIRE) | HP_EV_BIT(HP_EV_LOCK_WAIT) |
		  HP_EV_BIT(HP_EV_LOCK_HOLD) | HP_EV_BIT(HP_EV_RLOCK_ACQUIRE) |
		  HP_EV_BIT(HP_EV_RLOCK_WAIT) | HP_EV_BIT(HP_EV_RLOCK_HOLD),
	.init = locks_init,
	.on_event = locks_event,
	.snapshot = locks_snapshot,
	.fini = locks_fini,
	.options = locks_options,
};
