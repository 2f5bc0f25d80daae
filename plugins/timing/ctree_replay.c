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
 * that of the level below those).  The forward pass's decisions then are
 * the pattern's, so its node, its self time and its level's sums are
 * known: the record adds to its node, its duration to its level's sum in
 * a slot per level, and is kept.  The thread's levels are left as they
 * were at the pattern's start, the anchor's sum growing in slot 0.
 *
 * Exactly what the usual path gives: a root's subtree is placed when the
 * root is, into the nodes the usual path would use (its caller is open,
 * so its node is in the anchor's holder, which stays while the anchor is
 * open).  A record that disagrees (a new call, another order, a depth or
 * start the usual path would take another way, a caller that never
 * returned), a snapshot in the middle of a root's subtree, the thread's
 * exit or any call through hpi_ctree_call stops the replay: the records
 * since the last root are taken out of their nodes and go through the
 * usual path, as if never replayed, before that record.  A thread whose
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

/* The pattern's records all went through the usual path: its levels'
 * slots from their depths, then, once placed, their nodes. */
static void ctree_learn_end(hpi_ctree *t, hpi_ct_thread *th, hpi_ct_replay *r)
{
	uint32_t hold[HPI_CT_RSLOTS + 1] = {0}, ns = r->lcount;
	uint64_t open = 1; /* slot 0: the anchor */

	for (uint32_t j = 0; j < ns; j++) {
		hpi_ct_step *s = &r->step[j];
		uint32_t rr = s->r, top = ctree_top(open);

		if (open >> (rr + 1) & 1) {
			/* its callees' level, on top: it takes them */
			if (top != rr + 1)
				goto fail;
			open &= ~(UINT64_C(1) << (rr + 1));
			s->in_slot = (uint8_t)(rr + 1);
			s->b = &r->start[rr + 1];
			s->a = &r->start[ctree_top(open & ((UINT64_C(2) << rr) - 1))];
		} else {
			if (top > rr) /* a deeper level left open: not a pattern */
				goto fail;
			s->in_slot = HPI_CT_RZ;
			s->b = &r->start[HPI_CT_RZ];
			s->a = &r->start[top];
		}
		s->in = &r->acc[s->in_slot];
		s->acc = &r->acc[rr];
		if (open >> rr & 1) {
			s->st = &r->start[HPI_CT_RSPARE];
		} else {
			s->st = &r->start[rr];
			open |= UINT64_C(1) << rr;
		}
		s->c = &r->cur[j];
		s->next = j + 1 < ns ? s + 1 : r->step;
		s->root = rr == 0;
		if (s->root && open != 1)
			goto fail;
	}
	if (ns == 0 || !r->step[ns - 1].root)
		goto fail;
	ctree_flush(t);
	hold[0] = th->lv[r->n0 - 1].holder;
	for (uint32_t j = ns; j-- > 0;) {
		hpi_ct_step *s = &r->step[j];
		uint32_t h = hold[s->r], nd;

		if (h == 0 || (nd = ctree_find(t, h, s->fn)) == 0)
			goto fail; /* dropped: the node limit */
		s->node = nd;
		s->np = &N(t, nd);
		hold[s->r + 1] = N(t, nd).kh != 0 ? N(t, nd).kh : nd;
	}
	memset(r->acc, 0, sizeof(r->acc));
	r->start[0] = th->lv[r->n0 - 1].start;
	r->start[HPI_CT_RZ] = UINT64_MAX;
	r->nsteps = ns;
	r->good = N(t, r->step[ns - 1].node).calls;
	r->learning = 0;
	th->rs = r->step;
	ctree_counts[0]++;
	return;
fail:
	ctree_learn_fail(th, r);
}

/* After a run placed by the usual path: the pattern being learnt takes it,
 * or one begins at a call of the bottom level. */
static void ctree_learn(hpi_ctree *t, hpi_ct_thread *th, uint32_t key, uint32_t fn,
			unsigned depth, uint64_t start, uint32_t nb)
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
	    r->lcount == HPI_CT_RSTEPS) {
		ctree_learn_fail(th, r);
		return;
	}
	s = &r->step[r->lcount++];
	s->key = key;
	s->fn = fn;
	s->depth = (uint8_t)depth;
	s->r = (uint8_t)rel;
	if (rel == 0 && ++r->lroots == r->lwant)
		ctree_learn_end(t, th, r);
}

/* The replay of th stops (missed: a record disagreed): the anchor's sum
 * is brought up to date, and the records since the last root are taken
 * out of their nodes and go through the usual path. */
void ctree_replay_stop(hpi_ctree *t, hpi_ct_thread *th, bool missed)
{
	hpi_ct_replay *r = th->rp;
	uint64_t acc[HPI_CT_RSLOTS + 2] = {0}, good;
	uint32_t k = (uint32_t)(th->rs - r->step), k0 = k;

	/* the records since the last root: k0 to k */
	while (k0 > 0 && !r->step[k0 - 1].root)
		k0--;
	th->rs = NULL;
	th->lv[r->n0 - 1].sum += r->acc[0];
	for (uint32_t j = k0; j < k; j++) {
		const hpi_ct_step *s = &r->step[j];
		const hpi_ct_rec *c = &r->cur[j];
		uint64_t x = acc[s->in_slot], self = (c->v0 > x ? c->v0 - x : 0) + (c->sum - c->v0);

		acc[s->in_slot] = 0;
		acc[s->r] += c->sum;
		s->np->calls -= c->n;
		s->np->total -= c->sum;
		s->np->self -= self;
	}
	/* how many times round: the last root's calls since */
	good = r->step[r->nsteps - 1].np->calls - r->good;
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
		const hpi_ct_rec *c = &r->cur[j];

		hpi_ctree_call(t, th, s->fn, c->start, c->v0, s->depth);
		if (c->n > 1)
			hpi_ctree_leaves(t, th, c->n - 1, c->sum - c->v0);
	}
}

/* The nodes moved: the patterns' pointers to them follow. */
void ctree_replay_rebase(hpi_ctree *t)
{
	for (size_t i = 0; i < t->thcap; i++) {
		hpi_ct_thread *th = t->th[i];
		if (th == NULL || th == CT_GONE || th->rs == NULL)
			continue;
		for (uint32_t j = 0; j < th->rp->nsteps; j++)
			th->rp->step[j].np = &N(t, th->rp->step[j].node);
	}
}

uint64_t hpi_ctree_run_slow(hpi_ctree *t, hpi_ct_thread *th, uint32_t key, uint32_t fn,
			    uint64_t start, uint64_t v0, unsigned depth, uint64_t n, uint64_t sum)
{
	uint64_t self;
	uint32_t nb;

	if (th->rs != NULL)
		ctree_replay_stop(t, th, true);
	nb = th->n;
	self = hpi_ctree_call(t, th, fn, start, v0, depth);
	if (n > 1) {
		hpi_ctree_leaves(t, th, n - 1, sum - v0);
		self += sum - v0;
	}
	if (!t->replay)
		th->rwait = UINT32_MAX;
	else if (th->rwait == 0)
		ctree_learn(t, th, key, fn, depth, start, nb);
	return self;
}
