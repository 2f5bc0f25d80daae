/* SPDX-License-Identifier: MIT */
/*
 * test_collector_tree.c - self time and the call tree from the collector's
 * records: nested and recursive calls on two threads, deep stacks folded
 * into the deepest kept frame, the same tree whatever the batches the
 * calls come in, random trees, and the replay of repeated call patterns.
 * Each through the direct path (timing alone) and the event path (with
 * the real examples/plugin/slowest.so).
 */
#include "config.h"

#include <check.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "hpi.h"
#include "../testlib.h"
#include "collector.h"
#include "registry.h"
#include "tbuf.h"
#include "../plugins/timing/calltree.h"
#include "collector_fixture.h"

/* ---- self time and the call tree ------------------------------------------ */

/* One measured call of sites[s] at depth d (recursive if rec), start and
 * duration in ns (the clock at 1 GHz). */
static void rec_call(int s, unsigned d, bool rec, uint64_t start, uint64_t dur)
{
	uint32_t tag = sites[s].id | HP__DEPTH_TAG(d);

	if (rec)
		tag |= HP__SCOPE_REC << HP__KIND_SHIFT;
	hp__record(tag, T0 + start, T0 + start + dur);
}

/* Thread 1: outer a spins 10 ms itself around inner b's 20 ms; c calls
 * itself twice (auto-instrumented recursion); 5000 calls of d, each
 * around one b, all inside a call that is still open. */
static void nested_thread1(void)
{
	rec_call(1, 1, false, 5000100, 20000000);
	rec_call(0, 0, false, 100, 30000000);
	rec_call(2, 2, true, 40000200, 200);
	rec_call(2, 1, true, 40000100, 600);
	rec_call(2, 0, false, 40000000, 900);
	for (uint64_t i = 0; i < 5000; i++) {
		rec_call(1, 2, false, 50000000 + i * 100 + 3, 4);
		rec_call(3, 1, false, 50000000 + i * 100, 10);
	}
}

/* Thread 2: a around b once more, 63 measured calls deep (b's depth,
 * 64, is 0 modulo 64); the thread exits before the drain. */
static void *nested_thread2(void *arg)
{
	(void)arg;
	rec_call(1, 64, false, 2000000, 20000000);
	rec_call(0, 63, false, 0, 30000000);
	return NULL;
}

/* Row r of sec: text of column 0, then three integer columns. */
static void check_row(const hp_section *sec, size_t r, const char *a, const char *b,
		      int64_t calls, int64_t total, int64_t self)
{
	ck_assert_str_eq(hp_section_text(sec, r, 0), a);
	if (b != NULL)
		ck_assert_str_eq(hp_section_text(sec, r, 1), b);
	ck_assert_int_eq(cell(sec, r, "calls"), calls);
	ck_assert_int_eq(cell(sec, r, "total"), total);
	ck_assert_int_eq(cell(sec, r, "self"), self);
}

/* The nested calls through one registry: exact self times, edges and
 * stacks. */
static void check_nested(bool slowest)
{
	static const char *const metas[] = {"folded_calls", "dropped_calls", "orphan_calls",
					    "depth_errors"};
	static const struct { int label; int64_t calls, total, self; } fns[] = {
		{0, 2, 60000000, 20000000}, {1, 5002, 40020000, 40020000},
		{2, 3, 900, 900}, {3, 5000, 50000, 30000},
	};
	hpi_config c;
	hpi_registry *r;
	hp_snapshot *snap;
	const hp_section *fn, *calls, *stacks;
	pthread_t th;

	__atomic_store_n(&hpi_clock_mult, UINT64_C(1) << 32, __ATOMIC_RELAXED);
	r = reg_new(&c, slowest, 50, NULL);
	nested_thread1();
	ck_assert_int_eq(pthread_create(&th, NULL, nested_thread2, NULL), 0);
	ck_assert_int_eq(pthread_join(th, NULL), 0);
	hpi_collector_drain_now(r, T0);
	ck_assert_ptr_nonnull(snap = hpi_snapshot_new());
	hpi_registry_snapshot(r, snap);
	ck_assert_ptr_nonnull(fn = hp_snapshot_find(snap, "functions"));
	ck_assert_uint_eq(hp_section_nrows(fn), 4);
	for (size_t i = 0; i < 4; i++) {
		int row = row_of(fn, labels[fns[i].label]);
		ck_assert_int_ge(row, 0);
		ck_assert_int_eq(cell(fn, (size_t)row, "calls"), fns[i].calls);
		ck_assert_int_eq(cell(fn, (size_t)row, "total"), fns[i].total);
		ck_assert_int_eq(cell(fn, (size_t)row, "self_total"), fns[i].self);
		ck_assert_int_eq(cell(fn, (size_t)row, "self_avg"), fns[i].self / fns[i].calls);
		/* of the guard's time on the two threads that made calls */
		ck_assert(hp_section_real(fn, (size_t)row, (size_t)hpi_section_col(fn, "percent_self")) ==
			  100.0 * (double)fns[i].self / (2.0 * 1e12));
	}
	ck_assert_ptr_nonnull(stacks = hp_snapshot_find(snap, "stacks"));
	ck_assert_uint_eq(hp_section_nrows(stacks), 7);
	check_row(stacks, 0, "coll::a", NULL, 2, 60000000, 20000000);
	check_row(stacks, 1, "coll::a;coll::b", NULL, 2, 40000000, 40000000);
	check_row(stacks, 2, "coll::c", NULL, 1, 900, 300);
	check_row(stacks, 3, "coll::c;coll::c", NULL, 1, 600, 400);
	check_row(stacks, 4, "coll::c;coll::c;coll::c", NULL, 1, 200, 200);
	check_row(stacks, 5, "coll::d", NULL, 5000, 50000, 30000);
	check_row(stacks, 6, "coll::d;coll::b", NULL, 5000, 20000, 20000);
	ck_assert_ptr_nonnull(calls = hp_snapshot_find(snap, "calls"));
	ck_assert_uint_eq(hp_section_nrows(calls), 6);
	check_row(calls, 0, "", "coll::a", 2, 60000000, 20000000);
	check_row(calls, 1, "coll::a", "coll::b", 2, 40000000, 40000000);
	check_row(calls, 2, "", "coll::d", 5000, 50000, 30000);
	check_row(calls, 3, "coll::d", "coll::b", 5000, 20000, 20000);
	check_row(calls, 4, "", "coll::c", 1, 900, 300);
	/* the inner c -> c call is inside the outer one: its time once */
	check_row(calls, 5, "coll::c", "coll::c", 2, 600, 600);
	for (size_t i = 0; i < 4; i++) {
		ck_assert_str_eq(hp_section_meta(calls, metas[i]), "0");
		ck_assert_str_eq(hp_section_meta(stacks, metas[i]), "0");
	}
	hpi_snapshot_free(snap);
	hpi_registry_free(r);
	hpi_config_fini(&c);
}

/* Calls inside calls, recursion, two threads (one exited), a caller still
 * open: the same exact figures from records and from events. */
START_TEST(self_time_and_call_tree_are_exact)
{
	check_nested(_i == 1);
}
END_TEST

/* 300 nested calls: the tree keeps the top 171 levels (cut to half the
 * limit of 255 when a caller would pass it, then 44 more callers), the 129
 * deeper calls' time is the self time of the deepest frame kept, and the
 * Functions table's self time is whole. */
static void check_deep(bool slowest)
{
	hpi_config c;
	hpi_registry *r;
	hp_snapshot *snap;
	const hp_section *fn, *stacks;
	int64_t self = 0;
	size_t n;

	__atomic_store_n(&hpi_clock_mult, UINT64_C(1) << 32, __ATOMIC_RELAXED);
	r = reg_new(&c, slowest, 50, NULL);
	for (unsigned i = 300; i-- > 0;)
		rec_call(3, i, false, i, 1000 - 2 * i);
	hpi_collector_drain_now(r, T0);
	ck_assert_ptr_nonnull(snap = hpi_snapshot_new());
	hpi_registry_snapshot(r, snap);
	ck_assert_ptr_nonnull(fn = hp_snapshot_find(snap, "functions"));
	ck_assert_int_eq(cell(fn, 0, "calls"), 300);
	ck_assert_int_eq(cell(fn, 0, "self_total"), 1000);
	ck_assert_ptr_nonnull(stacks = hp_snapshot_find(snap, "stacks"));
	ck_assert_uint_eq(n = hp_section_nrows(stacks), 171);
	for (size_t i = 0; i < n; i++)
		self += cell(stacks, i, "self");
	ck_assert_int_eq(self, 1000);
	/* sorted by text: the deepest frame, the longest stack, is last */
	ck_assert_int_eq(cell(stacks, n - 1, "self"), 2 + (1000 - 2 * 171));
	ck_assert_int_eq(cell(stacks, n - 1, "total"), 1000 - 2 * 170);
	ck_assert_str_eq(hp_section_meta(stacks, "folded_calls"), "129");
	ck_assert_str_eq(hp_section_meta(stacks, "depth_errors"), "0");
	hpi_snapshot_free(snap);
	hpi_registry_free(r);
	hpi_config_fini(&c);
}

START_TEST(deep_calls_fold_into_the_deepest_kept_frame)
{
	check_deep(_i == 1);
}
END_TEST

/* Batch sizes for the call tree's backward pass: every call alone, a few,
 * and batches that end inside the 300-deep chain at, above and below the
 * call where it is cut. */
static const uint32_t batches[] = {1, 2, 3, 7, 64, 100, 157, 256, 299};

/* The same figures when the calls are placed in small batches: callers
 * still open at the end of a batch get their callees from a holder, cut
 * and folded as in one batch. */
START_TEST(call_tree_is_the_same_across_batches)
{
	hpi_ctree_test_batch(batches[_i / 2]);
	check_nested(_i % 2 == 1);
	check_deep(_i % 2 == 1);
	hpi_ctree_test_batch(0);
}
END_TEST

/* xorshift64 */
static uint64_t rnd(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

/* One call at depth d from *now, with 0 to 3 callees if d < maxd (a chain
 * of chain more calls below it if chain), written in the order the calls
 * end; *now moves past its end. */
static void tree_call(uint64_t *rng, unsigned d, uint64_t *now, unsigned maxd, unsigned chain)
{
	uint64_t start = (*now)++;
	int s = (int)(rnd(rng) % 5);
	unsigned kids = chain ? 1 : d < maxd ? (unsigned)(rnd(rng) % 4) : 0;

	for (unsigned k = 0; k < kids; k++) {
		*now += rnd(rng) % 3;
		tree_call(rng, d + 1, now, maxd, chain ? chain - 1 : 0);
	}
	*now += 1 + rnd(rng) % 5;
	rec_call(s, d, false, start, *now - start);
	(*now)++;
}

/* 400 random call trees up to 7 deep, the first below a chain 280 deep
 * (cut and folded; first, as a deeper call after others would be more
 * than 64 levels deeper than the last return), through a registry: its
 * snapshot. */
static hp_snapshot *random_trees(bool slowest, hpi_registry **r, hpi_config *c)
{
	uint64_t rng = UINT64_C(0x2545f4914f6cdd1d), now = 1000;
	hp_snapshot *snap;

	*r = reg_new(c, slowest, 0, NULL);
	for (int i = 0; i < 400; i++)
		tree_call(&rng, 0, &now, 6, i == 0 ? 280 : 0);
	hpi_collector_drain_now(*r, T0);
	ck_assert_ptr_nonnull(snap = hpi_snapshot_new());
	hpi_registry_snapshot(*r, snap);
	return snap;
}

/* Random trees give the same sections whatever the batches they are
 * placed in: every way a caller and its callees can fall into different
 * batches. */
START_TEST(random_trees_are_the_same_across_batches)
{
	static const uint32_t sizes[] = {1, 2, 5, 64, 333};
	static const char *const metas[] = {"folded_calls", "dropped_calls", "orphan_calls",
					    "depth_errors"};
	hpi_config ca, cb;
	hpi_registry *ra, *rb;
	hp_snapshot *sa, *sb;
	const hp_section *fn, *stacks;
	int64_t self = 0, fself = 0;

	__atomic_store_n(&hpi_clock_mult, UINT64_C(1) << 32, __ATOMIC_RELAXED);
	sa = random_trees(_i == 1, &ra, &ca);
	ck_assert_ptr_nonnull(fn = hp_snapshot_find(sa, "functions"));
	ck_assert_ptr_nonnull(stacks = hp_snapshot_find(sa, "stacks"));
	for (size_t i = 0; i < hp_section_nrows(stacks); i++)
		self += cell(stacks, i, "self");
	for (size_t i = 0; i < hp_section_nrows(fn); i++)
		fself += cell(fn, i, "self_total");
	ck_assert_int_eq(self, fself);
	ck_assert_str_ne(hp_section_meta(stacks, "folded_calls"), "0");
	ck_assert_str_eq(hp_section_meta(stacks, "depth_errors"), "0");
	for (size_t k = 0; k < sizeof(sizes) / sizeof(sizes[0]); k++) {
		hpi_ctree_test_batch(sizes[k]);
		sb = random_trees(_i == 1, &rb, &cb);
		section_eq(fn, hp_snapshot_find(sb, "functions"));
		section_eq(hp_snapshot_find(sa, "calls"), hp_snapshot_find(sb, "calls"));
		section_eq(stacks, hp_snapshot_find(sb, "stacks"));
		for (size_t m = 0; m < 4; m++)
			ck_assert_str_eq(hp_section_meta(stacks, metas[m]),
					 hp_section_meta(hp_snapshot_find(sb, "stacks"), metas[m]));
		hpi_ctree_test_batch(0);
		hpi_snapshot_free(sb);
		hpi_registry_free(rb);
		hpi_config_fini(&cb);
	}
	hpi_snapshot_free(sa);
	hpi_registry_free(ra);
	hpi_config_fini(&ca);
}
END_TEST

/* A repeated call pattern and its variations, for the replay of patterns
 * (calltree.c, "Replay"): shape seeds give the calls' functions and
 * nesting, tm the times. */
typedef struct pat {
	uint64_t tm, now;
	unsigned mutate;  /* the call of the cycle whose site changes, 0: none */
	unsigned stop;    /* records of the cycle written, then none (a longjmp), 0: all */
	unsigned root;    /* with stop: the depth of the one call written after, +1 */
	unsigned early;   /* the call of the cycle that says it began 40 ticks
			   * earlier (its times and depth disagree), 0: none */
	unsigned seen, written;
} pat;

/* One call at depth d of shape *sh with its callees (0 to 3, 1 to 4 at
 * depth 0 and 1, up to 4 deep, a leaf repeated 1 to 3 times in a row; a
 * chain of chain calls first if chain), in the order the calls end. */
static void pat_call(pat *p, uint64_t *sh, unsigned d, unsigned chain)
{
	uint64_t start = p->now++;
	int s = (int)(rnd(sh) % 6); /* 5: coll::excluded, left out */
	unsigned kids = chain ? 1 : d < 4 ? (unsigned)(rnd(sh) % 4) + (d < 2) : 0;
	unsigned reps = kids == 0 && rnd(sh) % 3 == 0 ? 1 + (unsigned)(rnd(&p->tm) % 3) : 1;

	if (s == 5 && rnd(sh) % 16 != 0)
		s = 1;
	if (s == 4) /* label a's other site: which file a shows would depend
		     * on which thread the drain takes first */
		s = 0;
	for (unsigned k = 0; k < kids; k++) {
		p->now += rnd(&p->tm) % 3;
		pat_call(p, sh, d + 1, chain ? chain - 1 : 0);
	}
	for (unsigned i = 0; i < reps; i++) {
		if (i > 0)
			start = p->now++;
		p->now += rnd(&p->tm) % 5;
		if (++p->seen == p->mutate)
			s = (s + 1) % 4;
		if (p->stop == 0 || p->seen <= p->stop || d + 1 == p->root) {
			uint64_t e = p->seen == p->early ? 40 : 0;
			rec_call(s, d, false, start - e, p->now - start + e);
			p->written++;
		}
		p->now++;
	}
}

/* The stream of cycles of one seed: mostly one shape again and again,
 * sometimes another shape, a changed call, a longjmp out of the middle, the
 * roots' caller's end, a call whose start disagrees with its depth; first a chain 300 deep (cut and folded); when
 * mid, a drain and snapshot in the middle of a cycle (*mid). */
static void pat_stream(uint64_t seed, hpi_registry *r, hp_snapshot **mid, unsigned cycles)
{
	uint64_t rng = seed, shapes[4];
	unsigned cur = 0;
	pat p = {.tm = seed ^ 0x9e3779b97f4a7c15u, .now = 1000};
	uint64_t outer = 999; /* the roots' caller's start */

	for (unsigned i = 0; i < 4; i++)
		shapes[i] = rnd(&rng) | 1;
	for (unsigned c = 0; c < cycles; c++) {
		unsigned m = (unsigned)(rnd(&rng) % 100), d0 = 1;
		uint64_t sh;

		if (m < 4)
			cur = (unsigned)(rnd(&rng) % 4);
		sh = shapes[cur];
		p.seen = p.written = 0;
		p.mutate = m >= 4 && m < 7 ? 1 + (unsigned)(rnd(&rng) % 12) : 0;
		p.stop = (m >= 7 && m < 9) || c == 100 ? 1 + (unsigned)(rnd(&rng) % 8) : 0;
		/* the longjmp lands in the root; once, out of it */
		p.root = c == 100 ? 0 : d0 + 1;
		p.early = m == 10 ? 1 + (unsigned)(rnd(&rng) % 12) : 0;
		if (m == 9) {
			/* the roots' caller ends: a new one begins */
			rec_call(0, 0, false, outer, p.now - outer);
			outer = ++p.now;
			p.now++;
		}
		if (mid != NULL && c == cycles / 2) {
			/* the first few records of a cycle, then a snapshot */
			p.stop = 3;
			p.root = 0;
			pat_call(&p, &sh, d0, 0);
			hpi_collector_drain_now(r, T0);
			ck_assert_ptr_nonnull(*mid = hpi_snapshot_new());
			hpi_registry_snapshot(r, *mid);
			continue;
		}
		pat_call(&p, &sh, d0, c == 0 ? 300 : 0);
		p.now += 1 + rnd(&p.tm) % 4;
		if (c % 97 == 0)
			hpi_collector_drain_now(r, T0);
	}
	hpi_collector_drain_now(r, T0);
}

typedef struct pat_thread_arg {
	uint64_t seed;
	hpi_registry *r;
} pat_thread_arg;

/* A second thread: its own stream, ending in the middle of a cycle. */
static void *pat_thread(void *arg)
{
	pat_thread_arg *a = arg;
	uint64_t sh = a->seed | 1;
	pat p = {.tm = a->seed, .now = 500};

	for (unsigned c = 0; c < 300; c++) {
		uint64_t s = sh;
		p.stop = c == 299 ? 4 : 0;
		p.seen = 0;
		pat_call(&p, &s, 2, 0);
	}
	return NULL;
}

/* The snapshots of one seed's streams (the mid one and the last). */
static void pat_run(uint64_t seed, bool replay, uint32_t batch, hp_snapshot **mid,
		    hp_snapshot **last)
{
	hpi_config c;
	hpi_registry *r;
	pthread_t th;
	pat_thread_arg a = {seed * 3 + 1, NULL};

	hpi_ctree_test_replay(replay);
	hpi_ctree_test_batch(batch);
	a.r = r = reg_new(&c, false, 0, "coll::excluded");
	/* the thread's records, then its exit, come first in the first drain
	 * (the snapshot in the middle must not depend on when it ran) */
	ck_assert_int_eq(pthread_create(&th, NULL, pat_thread, &a), 0);
	ck_assert_int_eq(pthread_join(th, NULL), 0);
	pat_stream(seed, r, mid, 1500);
	hpi_collector_drain_now(r, T0);
	ck_assert_ptr_nonnull(*last = hpi_snapshot_new());
	hpi_registry_snapshot(r, *last);
	hpi_ctree_test_replay(true);
	hpi_ctree_test_batch(0);
	hpi_registry_free(r);
	hpi_config_fini(&c);
}

/* Two snapshots alike: functions, calls, stacks and what was not placed. */
static void tree_snap_eq(const hp_snapshot *a, const hp_snapshot *b)
{
	static const char *const metas[] = {"folded_calls", "dropped_calls", "orphan_calls",
					    "depth_errors"};
	const hp_section *sa = hp_snapshot_find(a, "stacks"), *sb = hp_snapshot_find(b, "stacks");

	section_eq(hp_snapshot_find(a, "functions"), hp_snapshot_find(b, "functions"));
	section_eq(hp_snapshot_find(a, "calls"), hp_snapshot_find(b, "calls"));
	ck_assert_ptr_nonnull(sa);
	ck_assert_ptr_nonnull(sb);
	section_eq(sa, sb);
	for (size_t m = 0; m < 4; m++)
		ck_assert_str_eq(hp_section_meta(sa, metas[m]), hp_section_meta(sb, metas[m]));
}

/* Replayed patterns give exactly the usual path's figures, whatever
 * changes in the middle of a pattern: another call, a longjmp, a depth
 * more than 64 levels away, a snapshot, the thread's exit; in any
 * batches. */
START_TEST(replayed_patterns_are_the_usual_paths_tree)
{
	static const uint32_t sizes[] = {0, 1, 7};
	uint64_t seed = UINT64_C(0x1234567) + (uint64_t)_i * 7919u, before[4], after[4];
	hp_snapshot *ma = NULL, *la, *mb = NULL, *lb;

	__atomic_store_n(&hpi_clock_mult, UINT64_C(1) << 32, __ATOMIC_RELAXED);
	pat_run(seed, false, 0, &ma, &la);
	/* the longjmps, and the chain */
	ck_assert_str_ne(hp_section_meta(hp_snapshot_find(la, "stacks"), "depth_errors"), "0");
	ck_assert_str_ne(hp_section_meta(hp_snapshot_find(la, "stacks"), "folded_calls"), "0");
	for (size_t k = 0; k < sizeof(sizes) / sizeof(sizes[0]); k++) {
		hpi_ctree_test_counts(before);
		pat_run(seed, true, sizes[k], &mb, &lb);
		hpi_ctree_test_counts(after);
		tree_snap_eq(ma, mb);
		tree_snap_eq(la, lb);
		/* patterns were learnt, replayed, and left in their middle */
		ck_assert_uint_ge(after[0] - before[0], 10);
		ck_assert_uint_ge(after[1] - before[1], 50);
		ck_assert_uint_ge(after[2] - before[2], 5);
		hpi_snapshot_free(mb);
		hpi_snapshot_free(lb);
	}
	hpi_snapshot_free(ma);
	hpi_snapshot_free(la);
}
END_TEST

static Suite *collector_tree_suite(void)
{
	Suite *s = suite_create("collector_tree");
	TCase *tc = tcase_create("call_tree");

	tcase_set_timeout(tc, 60);
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_loop_test(tc, self_time_and_call_tree_are_exact, 0, 2);
	tcase_add_loop_test(tc, deep_calls_fold_into_the_deepest_kept_frame, 0, 2);
	tcase_add_loop_test(tc, call_tree_is_the_same_across_batches, 0,
			    (int)(2 * sizeof(batches) / sizeof(batches[0])));
	tcase_add_loop_test(tc, random_trees_are_the_same_across_batches, 0, 2);
	tcase_add_loop_test(tc, replayed_patterns_are_the_usual_paths_tree, 0, 4);
	suite_add_tcase(s, tc);
	return s;
}

HP_TEST_MAIN(collector_tree_suite)
