/* SPDX-License-Identifier: MIT */
/*
 * ctree_nodes.c - the call tree's nodes: the hash of (holder, function),
 * making, freeing, merging and cutting them (what the module's other files
 * use of them is in calltree_impl.h).
 */
#include <stdlib.h>
#include <string.h>

#include "calltree_impl.h"

/* ---- nodes ---------------------------------------------------------------- */

/* Doubles the hash table (keeps the old one, longer chains, when out of
 * memory). */
static void ctree_rehash(hpi_ctree *t)
{
	uint32_t nb = t->nbucket * 2, *b = calloc(nb, sizeof(*b));

	if (b == NULL)
		return;
	free(t->bucket);
	t->bucket = b;
	t->nbucket = nb;
	t->shift--;
	for (uint32_t i = 1; i < t->used; i++) {
		if (N(t, i).fn >= CT_DROP)
			continue; /* a holder or free: not hashed */
		uint32_t h = ctree_hash(t, N(t, i).owner, N(t, i).fn);
		N(t, i).hnext = b[h];
		b[h] = i;
	}
}

/* Hashes node i under its owner and fn. */
static void ctree_hash_add(hpi_ctree *t, uint32_t i)
{
	uint32_t h = ctree_hash(t, N(t, i).owner, N(t, i).fn);

	N(t, i).hnext = t->bucket[h];
	t->bucket[h] = i;
	if (++t->hashed > t->nbucket)
		ctree_rehash(t);
}

/* Unhashes node i. */
static void ctree_hash_del(hpi_ctree *t, uint32_t i)
{
	uint32_t *p = &t->bucket[ctree_hash(t, N(t, i).owner, N(t, i).fn)];

	while (*p != i)
		p = &N(t, *p).hnext;
	*p = N(t, i).hnext;
	t->hashed--;
}

/* A fresh node, zeroed, or 0 at the limit or out of memory. */
static uint32_t ctree_alloc(hpi_ctree *t)
{
	uint32_t i = t->freelist;

	if (i != 0) {
		t->freelist = N(t, i).next;
	} else {
		if (t->used + 1 >= t->cap) {
			uint32_t cap = t->cap ? t->cap * 2 : 256;
			ct_node *p;
			if (cap > t->max + 1)
				cap = t->max + 1;
			if (t->used + 1 >= cap ||
			    (p = realloc(t->b.nodes, cap * sizeof(*p))) == NULL)
				return 0;
			t->b.nodes = p;
			t->cap = cap;
			if (t->used == 0)
				t->used = 1;
		}
		i = t->used++;
	}
	memset(&N(t, i), 0, sizeof(N(t, i)));
	return i;
}

/* A new, empty holder, or 0. */
uint32_t ctree_holder_new(hpi_ctree *t)
{
	uint32_t i = ctree_alloc(t);

	if (i != 0)
		N(t, i).fn = CT_HOLDER;
	return i;
}

/* Gives node i back (unhashed first if it is a callee). */
static void ctree_release(hpi_ctree *t, uint32_t i)
{
	if (N(t, i).fn < CT_DROP)
		ctree_hash_del(t, i);
	N(t, i).fn = CT_FREE;
	N(t, i).next = t->freelist;
	t->freelist = i;
}

/* The node of function fn under holder h, created (with no call) on first
 * use; 0 at the limit. */
uint32_t ctree_get(hpi_ctree *t, uint32_t h, uint32_t fn)
{
	uint32_t i = ctree_find(t, h, fn);

	if (i != 0 || (i = ctree_alloc(t)) == 0)
		return i;
	N(t, i).fn = fn;
	N(t, i).owner = h;
	N(t, i).next = N(t, h).kids;
	N(t, h).kids = i;
	ctree_hash_add(t, i);
	return i;
}

static uint64_t ctree_free_node(hpi_ctree *t, uint32_t n);

/* Gives holder h's callees back, h too unless it is a node of its own;
 * returns the calls they held. */
uint64_t ctree_free_kids(hpi_ctree *t, uint32_t h)
{
	uint64_t calls = 0;

	for (uint32_t k = N(t, h).kids, next; k != 0; k = next) {
		next = N(t, k).next;
		calls += ctree_free_node(t, k);
	}
	N(t, h).kids = 0;
	if (N(t, h).fn == CT_HOLDER)
		ctree_release(t, h);
	return calls;
}

/* Gives node n and its subtree back; returns the calls they held. */
static uint64_t ctree_free_node(hpi_ctree *t, uint32_t n)
{
	uint64_t calls = N(t, n).calls;

	if (N(t, n).kh != 0 && N(t, n).kh != n)
		calls += ctree_free_kids(t, N(t, n).kh);
	else if (N(t, n).kh == n)
		calls += ctree_free_kids(t, n);
	ctree_release(t, n);
	return calls;
}

static void ctree_merge_kids(hpi_ctree *t, uint32_t dst, uint32_t src);

/* Moves node s (a callee of another holder, unlinked from its list) under
 * holder dst, merged into the node of its function there if any. */
static void ctree_merge_node(hpi_ctree *t, uint32_t dst, uint32_t s)
{
	uint32_t d = ctree_find(t, dst, N(t, s).fn), sk = N(t, s).kh;

	if (d == 0) { /* re-keyed; its own callees stay keyed by its holder */
		ctree_hash_del(t, s);
		N(t, s).owner = dst;
		N(t, s).next = N(t, dst).kids;
		N(t, dst).kids = s;
		ctree_hash_add(t, s);
		return;
	}
	N(t, d).calls += N(t, s).calls;
	N(t, d).total += N(t, s).total;
	N(t, d).self += N(t, s).self;
	if (sk != 0 && N(t, d).kh == 0) {
		if (sk == s) { /* s stays, as the holder of d's callees */
			ctree_hash_del(t, s);
			N(t, s).fn = CT_HOLDER;
			N(t, s).owner = 0;
			N(t, d).kh = s;
			return;
		}
		N(t, d).kh = sk;
	} else if (sk != 0) {
		ctree_merge_kids(t, N(t, d).kh, sk);
		if (sk != s)
			ctree_release(t, sk);
	}
	ctree_release(t, s);
}

/* Moves every callee of holder src under holder dst, merged by function;
 * src is left empty. */
static void ctree_merge_kids(hpi_ctree *t, uint32_t dst, uint32_t src)
{
	for (uint32_t k = N(t, src).kids, next; k != 0; k = next) {
		next = N(t, k).next;
		ctree_merge_node(t, dst, k);
	}
	N(t, src).kids = 0;
}

/* Holder src joins the holder at *dst (becomes it when there is none). */
void ctree_give(hpi_ctree *t, uint32_t *dst, uint32_t src)
{
	if (*dst == 0) {
		*dst = src;
		return;
	}
	ctree_merge_kids(t, *dst, src);
	ctree_release(t, src);
}

/* Keeps the top keep levels of n's subtree: the callees below them are
 * folded into their caller at the last kept level (their time becomes its
 * self time). */
static void ctree_cut(hpi_ctree *t, uint32_t n, uint32_t keep)
{
	uint32_t h = N(t, n).kh;

	if (h == 0)
		return;
	if (keep <= 1) {
		for (uint32_t k = N(t, h).kids; k != 0; k = N(t, k).next)
			N(t, n).self += N(t, k).total;
		t->st.folded += ctree_free_kids(t, h);
		N(t, n).kh = 0;
		return;
	}
	for (uint32_t k = N(t, h).kids; k != 0; k = N(t, k).next)
		ctree_cut(t, k, keep - 1);
}

/* Holder src's calls (from earlier batches) become callees with budget
 * levels left: folded into node fold when there is none, else cut to the
 * budget; then joined to the holder at *dst (which they become when there
 * is none).  dst may point into the nodes: nothing here allocates. */
void ctree_attach(hpi_ctree *t, uint32_t *dst, uint32_t src, uint32_t budget,
		  uint32_t fold)
{
	if (budget == 0) {
		for (uint32_t k = N(t, src).kids; k != 0; k = N(t, k).next)
			N(t, fold).self += N(t, k).total;
		t->st.folded += ctree_free_kids(t, src);
		return;
	}
	if (budget != CT_ALL)
		for (uint32_t k = N(t, src).kids; k != 0; k = N(t, k).next)
			ctree_cut(t, k, budget);
	ctree_give(t, dst, src);
}
