/* SPDX-License-Identifier: MIT */
/*
 * ctree_replay.c - the call tree's replay of repeated call patterns,
 * learnt per thread, so that their records skip the forward and backward
 * passes (how: the comment below).
 */
#include <stdlib.h>
#include <string.h>

#include "calltree_impl.h"

/* ---- replay --------------------------------------------------------------- */

/*
 * A thread's records often repeat: the same calls, in the same order, under
 * the same open callers (a loop's body).  When they do, every record goes
 * to the node it went to last time round, and its self time is its
 * duration less its callees', which came just before it.  So, at the
 * lowest level the thread's calls join (the anchor: after a while spent
 * watching, the fewest levels seen when a call joins a level that was
 * there before it, not one it begins), the records from one of its calls
 * (a root) to the next (or the next few) are learnt as a pattern: they go
 * through the usual path, then through a backward pass, and their nodes
 * are looked up.  From then on each record
 * is checked against the pattern's next step (hpi_ctree_run, inline): the
 * same key (site word: function and depth mod 64), and a start that puts it
 * where the usual path would (after the first call of the level it joins
 * or goes above, before that of the level it takes as its callees, after
 * that of the level below those: the starts of the steps that began those
 * levels this round).  The forward pass's decisions then are the
 * pattern's, so its node and its self time are known: the record adds to
 * its step's counters (calls, total), its level's sum is its previous
 * sibling's plus its own (cum: a caller's callees' sum is the cum of the
 * step just before it), and it is kept (its start, calls, a caller's
 * first duration) until the next root.  The steps' counters go into their
 * nodes at a commit (a stop, or hpi_ctree_sync, which timing calls before
 * a snapshot), with their self times: a step's total, less its callees'
 * steps' totals, plus what its callees' sums exceeded its first call's
 * duration by (fix, rare: self time is never negative), to its node and to
 * its function (the selfp timing passed with the record).  The thread's
 * levels are left as they were at the pattern's start, the anchor's sum
 * growing by its roots' totals at each commit.
 *
 * Exactly what the usual path gives: a root's subtree is placed when the
 * root is, into the nodes the usual path would use (its caller is open,
 * so its node is in the anchor's holder, which stays while the anchor is
 * open).  A record that disagrees (a new call, another order, a depth or
 * start the usual path would take another way, a caller that never
 * returned), a snapshot in the middle of a root's subtree, the thread's
 * exit or any call through hpi_ctree_call stops the replay: the records
 * since the last root are taken out of their steps' counters, the rest is
 * committed, and they go through the usual path, as if never replayed,
 * before that record.  A thread whose
 * patterns keep failing tries less often (rwait: 64 records doubling to
 * 16,384), and one that alternates between roots learns 2, 4, 8 of them
 * at a time.  Memory: one pattern per thread (HPI_CT_RSTEPS records, up to
 * HPI_CT_RSLOTS levels deep; longer or deeper ones are not learnt), about
 * 8 KiB, made on the thread's first try.
 */

/* Records to wait before trying again after fails failures. */
static uint32_t ctree_rwait(uint32_t fails)
{
	return fails >= 8 ? 16384u : 64u << fails;
}

/* The next try: after wait records, it watches the thread's levels for a
 * while, then learns from its fewest. */
static void ctree_learn_later(hpi_ct_thread *th, hpi_ct_replay *r, uint32_t wait)
{
	r->learning = 0;
	r->watch = 32;
	r->lw = UINT32_MAX;
	r->armwait = 0;
	th->rwait = wait;
}

/* Learning failed: try later. */
static void ctree_learn_fail(hpi_ct_thread *th, hpi_ct_replay *r)
{
	r->lwant = 1;
	ctree_learn_later(th, r, ctree_rwait(++r->fails));
}

/* The highest set bit of m (m != 0). */
static inline uint32_t ctree_top(uint64_t m)
{
	return 63u - (uint32_t)__builtin_clzll(m);
}

/* The pattern's records all went through the usual path: which earlier
 * step's start and level sum each one's checks and self time read, then,
 * once placed, their nodes. */
static void ctree_learn_end(hpi_ctree *t, hpi_ct_thread *th, hpi_ct_replay *r)
{
	uint32_t hold[HPI_CT_RSLOTS + 1] = {0}, ns = r->lcount;
	uint32_t opener[HPI_CT_RSLOTS + 1], last[HPI_CT_RSLOTS + 1]; /* steps, by level */
	uint64_t open = 1; /* level 0: the anchor */

	for (uint32_t j = 0; j < ns; j++) {
		hpi_ct_step *s = &r->step[j];
		uint32_t rr = s->r, top = ctree_top(open), q;

		if (open >> (rr + 1) & 1) {
			/* its callees' level, on top: it takes them */
			if (top != rr + 1)
				goto fail;
			open &= ~(UINT64_C(1) << (rr + 1));
			s->b = &r->step[opener[rr + 1]].start;
			if (last[rr + 1] != j - 1) /* cannot be: rr + 1 was on top */
				goto fail;
			q = ctree_top(open & ((UINT64_C(2) << rr) - 1));
		} else {
			if (top > rr) /* a deeper level left open: not a pattern */
				goto fail;
			s->b = NULL;
			q = top;
		}
		s->a = q == 0 ? &r->start0 : &r->step[opener[q]].start;
		/* the anchor's sum grows by its steps' totals, at commits */
		s->prev = rr != 0 && (open >> rr & 1) ? &r->step[last[rr]].cum : &r->zero;
		if (!(open >> rr & 1)) {
			opener[rr] = j;
			open |= UINT64_C(1) << rr;
		}
		last[rr] = j;
		s->next = j + 1 < ns ? s + 1 : r->step;
		s->root = rr == 0;
		s->callee = s->b != NULL;
		s->calls = s->total = s->fix = 0;
		if (s->root && open != 1)
			goto fail;
	}
	if (ns == 0 || !r->step[ns - 1].root)
		goto fail;
	/* a step's caller: the next step one level down (there is one: the
	 * round ends with a root) */
	memset(last, 0xff, sizeof(last));
	for (uint32_t j = ns; j-- > 0;) {
		hpi_ct_step *s = &r->step[j];

		s->caller = s->r == 0 ? UINT8_MAX : (uint8_t)last[s->r - 1];
		last[s->r] = j;
	}
	ctree_flush(t);
	hold[0] = th->lv[r->n0 - 1].holder;
	for (uint32_t j = ns; j-- > 0;) {
		hpi_ct_step *s = &r->step[j];
		uint32_t h = hold[s->r], nd;

		if (h == 0 || (nd = ctree_find(t, h, s->fn)) == 0)
			goto fail; /* dropped: the node limit */
		s->node = nd;
		hold[s->r + 1] = N(t, nd).kh != 0 ? N(t, nd).kh : nd;
	}
	r->start0 = th->lv[r->n0 - 1].start;
	r->zero = 0;
	r->nsteps = ns;
	r->good = 0;
	r->learning = 0;
	ctree_set_cursor(t, th, r->step);
	ctree_counts[0]++;
	return;
fail:
	ctree_learn_fail(th, r);
}

/* After a run placed by the usual path: the pattern being learnt takes it,
 * or one begins at a call of the bottom level. */
static void ctree_learn(hpi_ctree *t, hpi_ct_thread *th, uint32_t key, uint32_t fn,
			uint64_t *selfp, unsigned depth, uint64_t start, uint32_t nb)
{
	hpi_ct_replay *r = th->rp;
	uint32_t full, rel;
	hpi_ct_step *s;

	if (r == NULL) {
		if ((r = th->rp = calloc(1, sizeof(*r))) == NULL) {
			th->rwait = UINT32_MAX; /* never: no memory */
			return;
		}
		r->lwant = 1;
		ctree_learn_later(th, r, 0);
	}
	if (t->b.spend != th || th->n == 0) {
		/* through a general batch: not a pattern's */
		if (r->learning)
			ctree_learn_fail(th, r);
		return;
	}
	full = t->b.scalls[t->b.ncalls - 1].depth;
	if (!r->learning) {
		/* the lowest level calls join (not one they begin, or take
		 * the place of): the anchor */
		bool joined = th->n + 1 == nb || (th->n == nb && th->lv[th->n - 1].start != start);

		if (!joined) {
			if (r->watch == 0 && ++r->armwait > 256)
				ctree_learn_later(th, r, 0);
		} else if (r->watch != 0) {
			r->watch--;
			r->lw = th->n < r->lw ? th->n : r->lw;
		} else if (th->n == r->lw) {
			r->learning = 1;
			r->lcount = r->lroots = 0;
			r->n0 = th->n;
			r->ldepth = full;
			r->lstart = th->lv[th->n - 1].start;
		} else if (th->n < r->lw || ++r->armwait > 256) {
			ctree_learn_later(th, r, 0);
		}
		return;
	}
	rel = full - r->ldepth;
	if (th->n < r->n0 || th->lv[r->n0 - 1].depth != r->ldepth ||
	    th->lv[r->n0 - 1].start != r->lstart || rel >= HPI_CT_RSLOTS ||
	    r->lcount == HPI_CT_RSTEPS || key == 0) {
		ctree_learn_fail(th, r);
		return;
	}
	s = &r->step[r->lcount++];
	s->key = key;
	s->fn = fn;
	s->selfp = selfp;
	s->depth = (uint8_t)depth;
	s->r = (uint8_t)rel;
	if (rel == 0 && ++r->lroots == r->lwant)
		ctree_learn_end(t, th, r);
}

hpi_ct_step ctree_nostep = {.key = HPI_CT_NOKEY};

/* Step s's record of this round: its sum, and what its callees' sums
 * exceeded its first call's duration by. */
static inline uint64_t ctree_step_sum(const hpi_ct_step *s)
{
	return s->cum - *s->prev;
}

static inline uint64_t ctree_step_fix(const hpi_ct_step *s)
{
	uint64_t x = s->b != NULL ? s[-1].cum : 0;

	/* a leaf's x is 0: its v0 is not kept */
	return s->b != NULL && x > s->v0 ? x - s->v0 : 0;
}

/*
 * A call's self time is its duration less its callees' (never negative),
 * so, with x its callees' summed durations and v0 its duration (the first
 * of its run), its run's self time is sum - min(x, v0) = sum - x +
 * (x > v0 ? x - v0 : 0).  Summed over a step's records since the last
 * commit, whole rounds only: its total, less its callees' steps' totals,
 * plus its fix.
 */
void ctree_replay_commit(hpi_ctree *t, hpi_ct_thread *th)
{
	hpi_ct_replay *r = th->rp;
	uint64_t anchor = 0, self[HPI_CT_RSTEPS];
	uint32_t ns = r->nsteps;

	r->good += r->step[ns - 1].calls;
	for (uint32_t j = 0; j < ns; j++)
		self[j] = r->step[j].total + r->step[j].fix;
	for (uint32_t j = 0; j < ns; j++)
		if (r->step[j].caller != UINT8_MAX)
			self[r->step[j].caller] -= r->step[j].total;
	for (uint32_t j = 0; j < ns; j++) {
		hpi_ct_step *s = &r->step[j];
		ct_node *nd = &N(t, s->node);

		nd->calls += s->calls;
		nd->total += s->total;
		nd->self += self[j];
		*s->selfp += self[j];
		if (s->root)
			anchor += s->total;
		s->calls = s->total = s->fix = 0;
	}
	th->lv[r->n0 - 1].sum += anchor;
}

/* The replay of th stops (missed: a record disagreed): the records since
 * the last root are taken out of their steps' counters, the counters go
 * into their nodes (the anchor's sum with them), and those records go
 * through the usual path. */
void ctree_replay_stop(hpi_ctree *t, hpi_ct_thread *th, bool missed)
{
	hpi_ct_replay *r = th->rp;
	uint32_t k = (uint32_t)(ctree_cursor(t, th) - r->step), k0 = k;
	uint64_t good;

	/* the records since the last root: k0 to k */
	while (k0 > 0 && !r->step[k0 - 1].root)
		k0--;
	ctree_set_cursor(t, th, NULL);
	for (uint32_t j = k0; j < k; j++) {
		hpi_ct_step *s = &r->step[j];

		s->calls -= s->n;
		s->total -= ctree_step_sum(s);
		s->fix -= ctree_step_fix(s);
	}
	ctree_replay_commit(t, th);
	/* how many times round: the last root's calls since */
	good = r->good;
	ctree_counts[1] += good;
	ctree_counts[2] += k > k0;
	ctree_counts[3] += missed;
	if (!missed) {
		ctree_learn_later(th, r, 0);
	} else if (good >= 4) { /* it held a while: try again at once */
		r->fails = 0;
		r->lwant = 1;
		ctree_learn_later(th, r, 0);
	} else {
		if (good < 2 && r->lwant < 8)
			r->lwant *= 2; /* perhaps it alternates between roots */
		else
			r->lwant = 1;
		ctree_learn_later(th, r, ctree_rwait(++r->fails));
	}
	for (uint32_t j = k0; j < k; j++) {
		const hpi_ct_step *s = &r->step[j];
		uint64_t sum = ctree_step_sum(s);

		/* a run of leaves: as a call of sum and n - 1 of none (the
		 * same self times, total and level's sum) */
		uint64_t v0 = s->b != NULL ? s->v0 : sum;

		*s->selfp += hpi_ctree_call(t, th, s->fn, s->start, v0, s->depth);
		if (s->n > 1) {
			hpi_ctree_leaves(t, th, s->n - 1, sum - v0);
			*s->selfp += sum - v0;
		}
	}
}

/* Every replay's counters into their nodes; one in the middle of a root's
 * subtree stops (those calls' callers are open: they go under their
 * levels' holders). */
void hpi_ctree_sync(hpi_ctree *t)
{
	for (size_t i = 0; i < t->thcap; i++) {
		hpi_ct_thread *th = t->th[i];
		hpi_ct_step *s;

		if (th == NULL || th == CT_GONE || (s = ctree_cursor(t, th)) == NULL)
			continue;
		if (s != th->rp->step && !s[-1].root)
			ctree_replay_stop(t, th, false);
		else
			ctree_replay_commit(t, th);
	}
}

void ctree_replay_forget(hpi_ctree *t, hpi_ct_thread *th)
{
	if (t->b.rth == th) {
		t->b.rth = &t->nothread;
		t->b.rs = &ctree_nostep;
	}
}

uint64_t hpi_ctree_run_slow(hpi_ctree *t, uint64_t tid, uint32_t key, uint32_t fn,
			    uint64_t *selfp, uint64_t start, uint64_t v0, unsigned depth,
			    uint64_t n, uint64_t sum)
{
	hpi_ct_thread *th = t->b.rth;
	uint64_t self;
	uint32_t nb;

	if (t->b.rtid != tid || th == &t->nothread) {
		/* another thread: its replay's step comes to the batch */
		if ((th = hpi_ctree_thread(t, tid)) == NULL)
			return 0; /* no memory: the call is not in the tree */
		if (t->b.rth != &t->nothread)
			t->b.rth->rs = ctree_cursor(t, t->b.rth);
		t->b.rth = th;
		t->b.rtid = tid;
		t->b.rs = th->rs != NULL ? th->rs : &ctree_nostep;
		return hpi_ctree_run(t, tid, key, &fn, selfp, start, v0, depth, n, sum);
	}
	if (ctree_cursor(t, th) != NULL)
		ctree_replay_stop(t, th, true);
	nb = th->n;
	self = hpi_ctree_call(t, th, fn, start, v0, depth);
	if (n > 1) {
		hpi_ctree_leaves(t, th, n - 1, sum - v0);
		self += sum - v0;
	}
	*selfp += self;
	if (!t->replay)
		th->rwait = UINT32_MAX;
	else if (th->rwait == 0)
		ctree_learn(t, th, key, fn, selfp, depth, start, nb);
	return self;
}
