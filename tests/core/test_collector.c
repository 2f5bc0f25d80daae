/* SPDX-License-Identifier: MIT */
/*
 * test_collector.c - the collector's two ways of feeding the timing plugin:
 * runs of records handed over as they are, when timing is the only plugin
 * that wants HP_EV_SCOPE, and an event per call, when another (the real
 * examples/plugin/slowest.so) wants them too.  The same records, written
 * with hotpath.h's own writers, must give the same Functions table, recent
 * logs included, and the figures a model of the records predicts.  Self
 * time and the call tree: test_collector_tree.c.
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

#define CHUNK HPI_CHUNK_RECS
#define NSCOPE 6               /* sites[0..NSCOPE) take measured calls */
#define RUN_MAX 1024           /* the timing plugin's on_records' longest run */

/* One write: hp__record(tag, t, v), or hp__record_pay(tag, t, v) if pay. */
typedef struct op {
	uint32_t tag;
	bool pay;
	uint64_t t, v;
} op;

/* The record sequence, and where it leaves the thread's chunk. */
typedef struct gen {
	op *ops;
	size_t n, cap;
	uint64_t rng, now;
	size_t slot;    /* records in the current chunk, as tbuf.c fills it */
	size_t nrec;    /* records written, padding not counted */
	int npad;       /* pairs that had to move to a new chunk */
	size_t run, longest; /* plain records of one site in a row */
} gen;

/* What the timing plugin should report for one label. */
typedef struct want {
	uint64_t calls, sum, nested, min, max;
	int site;       /* of its first call: the row's file and line */
} want;

typedef struct call {
	int label;
	uint64_t dur, time;
} call;

typedef struct model {
	want w[NLABELS];
	call *calls;    /* every measured call, in order */
	size_t n;
	uint64_t max;   /* the longest call of all */
	size_t next, nnested, nold;
} model;

/* A run of the test: the clock's multiplier, the recent log's length and
 * the sequence's seed. */
typedef struct variant {
	uint64_t mult;
	int logs;
	uint64_t seed;
} variant;

static const variant variants[] = {
	{UINT64_C(0x4d2f8c1b), 50, UINT64_C(0x9e3779b97f4a7c15)},  /* 3.3 GHz TSC */
	{UINT64_C(0x1b3a51f07), 50, UINT64_C(0x2545f4914f6cdd1d)}, /* 1.7 ns a tick */
	{UINT64_C(1) << 32, 0, UINT64_C(0x5851f42d4c957f2d)},      /* monotonic, no log */
	{UINT64_C(0x2aaaaaab), 3000, UINT64_C(0x14057b7ef767814f)},/* log > a run */
};

/* ---- the record sequence ------------------------------------------------- */

/* xorshift64: the same sequence on every machine. */
static uint64_t gen_rnd(gen *g)
{
	uint64_t x = g->rng;

	x ^= x << 13;
	x ^= x >> 7;
	x ^= x << 17;
	return g->rng = x;
}

/* Records one write takes: payload pairs and durations of 2^32 - 1 ticks
 * or more take two (a negative span is written as 0, in one). */
static size_t op_nrec(const op *o)
{
	uint64_t dt = o->v - o->t;

	return o->pay || (dt >= 0xffffffffu && (int64_t)dt >= 0) ? 2 : 1;
}

/* Appends a write; follows the chunk as tbuf.c fills it. */
static void gen_put(gen *g, uint32_t tag, uint64_t t, uint64_t v, bool pay)
{
	op o;
	size_t k;

	if (tag >> HP__KIND_SHIFT == 0 || tag >> HP__KIND_SHIFT == HP__SCOPE_REC)
		tag |= HP__DEPTH_TAG(0);
	o = (op){tag, pay, t, v};
	k = op_nrec(&o);

	if (g->n == g->cap) {
		g->cap = g->cap ? 2 * g->cap : 4096;
		ck_assert_ptr_nonnull(g->ops = realloc(g->ops, g->cap * sizeof(*g->ops)));
	}
	g->ops[g->n++] = o;
	if (CHUNK - g->slot < k) {
		g->npad += g->slot < CHUNK; /* site-0 padding, then a new chunk */
		g->slot = 0;
	}
	g->slot += k;
	g->nrec += k;
	if (k == 1 && tag >> HP__KIND_SHIFT == HP__SCOPE_KIND && t >= T0 && g->n > 1 &&
	    g->ops[g->n - 2].tag == tag && op_nrec(&g->ops[g->n - 2]) == 1 &&
	    g->ops[g->n - 2].t >= T0)
		g->run++;
	else
		g->run = 1;
	if (g->run > g->longest)
		g->longest = g->run;
}

/* Appends a write; near a chunk's end, first fills it to one free slot
 * and writes a pair, which must go whole to the next chunk. */
static void gen_push(gen *g, uint32_t tag, uint64_t t, uint64_t v, bool pay)
{
	uint32_t chan = sites[SITE_CHAN].id;

	if (g->slot >= CHUNK - 8 && g->slot < CHUNK - 1) {
		while (g->slot < CHUNK - 1)
			gen_put(g, sites[1].id, g->now, g->now + 3, false);
		switch (g->npad % 4) {
		case 0: /* an extended call */
			gen_put(g, sites[2].id, g->now, g->now + (UINT64_C(5) << 32), false);
			break;
		case 1:
			gen_put(g, chan | (HP__EV_CHAN_SEND << HP__KIND_SHIFT), g->now, 42, true);
			break;
		case 2: /* an extended recursive call */
			gen_put(g, sites[3].id | REC, g->now,
				g->now + (UINT64_C(1) << 33) + 7, false);
			break;
		default:
			gen_put(g, chan | (HP__EV_ALLOC << HP__KIND_SHIFT), g->now, 4096, true);
			break;
		}
		g->now += UINT64_C(1) << 34;
	}
	gen_put(g, tag, t, v, pay);
}

/* A duration in ticks: exact small values, large ones, the edges of the
 * one-record form and, when ext, the two-record form. */
static uint64_t gen_dur(gen *g, bool ext)
{
	static const uint64_t edge[] = {
		0, 1, 2, 127, 128, 129, 255, 256, 1000, 0xfffffffeu,
		0xffffffffu, UINT64_C(1) << 32, (UINT64_C(1) << 32) + 1, UINT64_C(1) << 40,
	};
	uint64_t r = gen_rnd(g);
	unsigned k = (unsigned)(r % 16);

	r >>= 8;
	if (k < 5)
		return r % 128;
	if (k < 10)
		return 128 + r % 100000;
	if (k < 12)
		return r % 0xffffffffu;
	if (k < 15)
		return edge[r % (ext ? 14 : 10)];
	return ext ? (UINT64_C(1) << 32) + r % (UINT64_C(1) << 38) : r % 1000000;
}

/* A measured call of tag that lasts dt ticks, starting now.  Label d's
 * calls last 200 ticks more: its min is no bucket edge nor 0. */
static void gen_call(gen *g, uint32_t tag, uint64_t dt)
{
	if ((tag & HPI_SITE_MASK) == sites[3].id)
		dt += 200;
	gen_push(g, tag, g->now, g->now + dt, false);
	g->now += dt + 1 + gen_rnd(g) % 16;
}

/* One record of any kind. */
static void gen_mixed(gen *g)
{
	uint64_t r = gen_rnd(g);
	uint32_t s = sites[(r >> 8) % NSCOPE].id, chan = sites[SITE_CHAN].id;
	uint64_t old = T0 - 1 - (r >> 16) % 100000;

	switch (r % 12) {
	case 0: gen_call(g, s, gen_dur(g, true)); break;
	case 1: gen_call(g, s | REC, gen_dur(g, true)); break;
	case 2: gen_call(g, s, (UINT64_C(1) << 32) + r % (UINT64_C(1) << 36)); break;
	case 3: /* began before t0: skipped, in both forms */
		gen_push(g, s, old, old + r % 1000, false);
		break;
	case 4:
		gen_push(g, sites[SITE_OLD].id, old, old + (UINT64_C(3) << 32), false);
		break;
	case 5: /* a stream item with no time */
		gen_push(g, chan | (HP__EV_STREAM_ITEM << HP__KIND_SHIFT), HP__T_UNTIMED,
			 HP__T_UNTIMED, false);
		break;
	case 6: gen_push(g, chan | (HP__EV_CHAN_SEND << HP__KIND_SHIFT), g->now, r, true); break;
	case 7: gen_push(g, chan | (HP__EV_ALLOC << HP__KIND_SHIFT), g->now, r >> 40, true); break;
	case 8: gen_call(g, chan | (HP__EV_LOCK_HOLD << HP__KIND_SHIFT), gen_dur(g, true)); break;
	case 9: gen_call(g, chan | (HP__EV_CHAN_CLOSE << HP__KIND_SHIFT), 0); break;
	case 10: /* the end read before the start: 0 ticks (not for d) */
		s = s == sites[3].id ? sites[2].id : s;
		gen_push(g, s, g->now, g->now - 1 - r % 100, false);
		break;
	default: gen_call(g, s, 0xffffffffu); break;
	}
}

/* More than three chunks of records: long runs of one site (past the run
 * bound), two sites in turn (label a's two sites among them), recursive
 * calls inside their outermost one, and every other kind mixed in. */
static void gen_build(gen *g, uint64_t seed)
{
	memset(g, 0, sizeof(*g));
	g->rng = seed;
	g->now = T0 + 5;
	g->slot = CHUNK; /* write_ops starts a fresh chunk */
	/* a run split three times, then one of the label the filter tests
	 * leave out, split once */
	for (size_t i = 0; i < 2 * RUN_MAX + 300; i++)
		gen_call(g, sites[(seed >> 3) % (NSCOPE - 1)].id, gen_dur(g, false));
	for (size_t i = 0; i < RUN_MAX + 100; i++)
		gen_call(g, sites[5].id, gen_dur(g, false));
	while (g->nrec < 3 * CHUNK + 700) {
		uint64_t r = gen_rnd(g);
		size_t len;
		uint32_t a = sites[(r >> 8) % NSCOPE].id, b = sites[(r >> 16) % NSCOPE].id;

		switch (r % 8) {
		case 0: case 1: case 2:
			len = 1 + (r >> 24) % 2500;
			for (size_t i = 0; i < len; i++)
				gen_call(g, a, gen_dur(g, (r >> 40) & 1));
			break;
		case 3:
			a = sites[0].id;
			b = sites[4].id; /* the same label */
			/* fall through */
		case 4:
			len = 2 + (r >> 24) % 400;
			for (size_t i = 0; i < len; i++)
				gen_call(g, i & 1 ? b : a, gen_dur(g, false));
			break;
		case 5: case 6:
			len = 1 + (r >> 24) % 200;
			for (size_t i = 0; i < len; i++)
				gen_mixed(g);
			break;
		default: /* recursion: the inner calls first, each its own record */
			len = 1 + (r >> 24) % 40;
			for (size_t i = 0; i < len; i++)
				gen_call(g, a | REC, gen_dur(g, i == 0));
			gen_call(g, a, gen_dur(g, true));
			break;
		}
	}
}

/* Writes the sequence into this thread's buffer, from a chunk's start. */
static void write_ops(const gen *g)
{
	/* fill the chunk with calls from before t0, which both paths skip */
	do
		hp__record(sites[SITE_OLD].id, 1, 2);
	while (hp__tls.pos != hp__tls.end);
	for (size_t i = 0; i < g->n; i++) {
		const op *o = &g->ops[i];

		if (o->pay)
			hp__record_pay(o->tag, o->t, o->v);
		else
			hp__record(o->tag, o->t, o->v);
	}
	/* where gen_put said the records would end */
	ck_assert_ptr_eq(hp__tls.pos, hp__tls.end - CHUNK + g->slot);
}

/* ---- the model ------------------------------------------------------------ */

/* Ticks to ns: 32.32 fixed point, as the clock defines it. */
static uint64_t model_ns(uint64_t ticks, uint64_t mult)
{
	return (uint64_t)(((unsigned __int128)ticks * mult) >> 32);
}

/* Index in sites[] of a site id. */
static int site_index(uint32_t id)
{
	for (size_t i = 0; i < NSITES; i++)
		if (sites[i].id == id)
			return (int)i;
	ck_abort_msg("unknown site %u", id);
	return -1;
}

/* The measured calls of the sequence: SCOPE and recursive records begun
 * at t0 or later; the durations as written (a negative span is 0). */
static void model_build(model *m, const gen *g, uint64_t mult)
{
	memset(m, 0, sizeof(*m));
	ck_assert_ptr_nonnull(m->calls = calloc(g->n, sizeof(*m->calls)));
	for (int l = 0; l < NLABELS; l++)
		m->w[l].min = UINT64_MAX;
	for (size_t i = 0; i < g->n; i++) {
		const op *o = &g->ops[i];
		uint32_t kind = o->tag >> HP__KIND_SHIFT;
		uint64_t dt = o->v - o->t;
		int s = site_index(o->tag & HPI_SITE_MASK);
		want *w;
		call *c;

		if (o->pay || kind < HP__SCOPE_KIND)
			continue;
		if (o->t < T0) {
			m->nold++;
			continue;
		}
		dt = (int64_t)dt < 0 ? 0 : dt;
		m->next += dt >= 0xffffffffu;
		c = &m->calls[m->n++];
		c->label = site_label[s];
		c->dur = model_ns(dt, mult);
		c->time = model_ns(o->t - T0, mult);
		w = &m->w[c->label];
		if (w->calls++ == 0)
			w->site = s;
		w->sum += c->dur;
		w->min = c->dur < w->min ? c->dur : w->min;
		w->max = c->dur > w->max ? c->dur : w->max;
		if (kind & HP__SCOPE_REC) {
			w->nested += c->dur;
			m->nnested++;
		}
		m->max = c->dur > m->max ? c->dur : m->max;
	}
}

/* The sequence holds every case the test is about. */
static void model_covers(const model *m, const gen *g)
{
	for (int l = 0; l < NLABELS - 1; l++)
		ck_assert_uint_gt(m->w[l].calls, 0);
	ck_assert_uint_eq(m->w[5].calls, 0);
	ck_assert_uint_gt(m->w[3].min, 0);
	ck_assert_uint_gt(m->next, 10);
	ck_assert_uint_gt(m->nnested, 10);
	ck_assert_uint_gt(m->nold, 10);
	ck_assert_uint_gt(g->longest, 2 * RUN_MAX);
	ck_assert_int_ge(g->npad, 3);
	ck_assert_uint_gt(g->nrec, 3 * CHUNK);
}

static void check_log(const hp_section *fn, size_t r, const model *m, int l, int logs)
{
	const hp_section *log = hpi_section_log(fn, r);
	uint64_t tid = (uint64_t)syscall(SYS_gettid);
	size_t nlog = m->w[l].calls < (uint64_t)logs ? m->w[l].calls : (size_t)logs, k = 0;

	if (logs == 0) {
		ck_assert_ptr_null(log);
		return;
	}
	ck_assert_ptr_nonnull(log);
	ck_assert_uint_eq(hp_section_nrows(log), nlog);
	for (size_t i = m->n; i-- > 0 && k < nlog;) {
		if (m->calls[i].label != l)
			continue;
		ck_assert_int_eq(hp_section_int(log, k, 0), (int64_t)m->calls[i].dur);
		ck_assert_int_eq(hp_section_int(log, k, 1), (int64_t)tid);
		ck_assert_int_eq(hp_section_int(log, k, 2), (int64_t)m->calls[i].time);
		k++;
	}
	ck_assert_uint_eq(k, nlog);
}

/* The Functions table holds what the model says, label by label. */
static void check_model(const hp_section *fn, const model *m, bool excluded, int logs)
{
	size_t rows = 0;

	for (int l = 0; l < NLABELS; l++) {
		const want *w = &m->w[l];
		int r = row_of(fn, labels[l]);

		if (w->calls == 0 || (excluded && l == LABEL_EXCLUDED)) {
			ck_assert_msg(r < 0, "%s has a row", labels[l]);
			continue;
		}
		rows++;
		ck_assert_msg(r >= 0, "%s has no row", labels[l]);
		ck_assert_int_eq(cell(fn, (size_t)r, "calls"), (int64_t)w->calls);
		ck_assert_int_eq(cell(fn, (size_t)r, "avg"), (int64_t)(w->sum / w->calls));
		ck_assert_int_eq(cell(fn, (size_t)r, "min"), (int64_t)w->min);
		ck_assert_int_eq(cell(fn, (size_t)r, "max"), (int64_t)w->max);
		ck_assert_int_eq(cell(fn, (size_t)r, "p0"), (int64_t)w->min);
		ck_assert_int_eq(cell(fn, (size_t)r, "p100"), (int64_t)w->max);
		ck_assert_int_eq(cell(fn, (size_t)r, "total"), (int64_t)(w->sum - w->nested));
		/* one after the other, none inside another: self is all */
		ck_assert_int_eq(cell(fn, (size_t)r, "self_total"), (int64_t)w->sum);
		ck_assert_str_eq(hp_section_text(fn, (size_t)r, (size_t)hpi_section_col(fn, "file")),
				 sites[w->site].file);
		ck_assert_int_eq(cell(fn, (size_t)r, "line"), sites[w->site].line);
		check_log(fn, (size_t)r, m, l, logs);
	}
	ck_assert_uint_eq(hp_section_nrows(fn), rows);
}

/* The same sequence through both paths; both tables alike and as modelled.
 * exclude: collectors.timing.exclude, or NULL. */
static void run_both(const variant *v, const char *exclude)
{
	hpi_config ca, cb;
	hpi_registry *ra, *rb;
	void *st;
	hp_snapshot *sa, *sb;
	const hp_section *fa, *fb, *slow;
	gen g;
	model m;
	char seen[32];

	__atomic_store_n(&hpi_clock_mult, v->mult, __ATOMIC_RELAXED);
	gen_build(&g, v->seed);
	model_build(&m, &g, v->mult);
	model_covers(&m, &g);
	ra = reg_new(&ca, false, v->logs, exclude);
	rb = reg_new(&cb, true, v->logs, exclude);
	ck_assert_ptr_eq(hpi_registry_direct(ra, &st)->on_records, hpi_timing_plugin.on_records);
	ck_assert_ptr_nonnull(st);
	ck_assert_ptr_null(hpi_registry_direct(rb, &st));
	ck_assert_ptr_null(st);
	write_ops(&g);
	hpi_collector_drain_now(ra, T0);
	write_ops(&g);
	hpi_collector_drain_now(rb, T0);
	ck_assert_ptr_nonnull(sa = hpi_snapshot_new());
	ck_assert_ptr_nonnull(sb = hpi_snapshot_new());
	hpi_registry_snapshot(ra, sa);
	hpi_registry_snapshot(rb, sb);
	ck_assert_ptr_nonnull(fa = hp_snapshot_find(sa, "functions"));
	ck_assert_ptr_nonnull(fb = hp_snapshot_find(sb, "functions"));
	section_eq(fa, fb);
	section_eq(hp_snapshot_find(sa, "calls"), hp_snapshot_find(sb, "calls"));
	section_eq(hp_snapshot_find(sa, "stacks"), hp_snapshot_find(sb, "stacks"));
	check_model(fa, &m, exclude != NULL, v->logs);
	/* slowest.so saw every measured call as an event, excluded ones too */
	ck_assert_ptr_nonnull(slow = hp_snapshot_find(sb, "slowest"));
	snprintf(seen, sizeof(seen), "%zu", m.n);
	ck_assert_str_eq(hp_section_meta(slow, "calls_seen"), seen);
	ck_assert_int_eq(cell(slow, 0, "duration"), (int64_t)m.max);
	ck_assert_int_eq(nwarn, 0);
	hpi_snapshot_free(sa);
	hpi_snapshot_free(sb);
	hpi_registry_free(ra);
	hpi_registry_free(rb);
	hpi_config_fini(&ca);
	hpi_config_fini(&cb);
	free(m.calls);
	free(g.ops);
}

/* ---- tests ----------------------------------------------------------------- */

/* Loop over variants: the clock's multiplier above and below 1 ns a tick
 * (both halves of timing.c's split product), recent logs off, short and
 * longer than a run. */
START_TEST(direct_and_event_paths_agree)
{
	run_both(&variants[_i], NULL);
}
END_TEST

/* A label left out by collectors.timing.exclude: no row on either path,
 * and the rest as before. */
START_TEST(excluded_label_is_skipped_on_both_paths)
{
	run_both(&variants[0], "coll::excl*");
	run_both(&variants[1], "/^coll::exclu/");
}
END_TEST

/* ---- records set aside while a snapshot is built ---------------------- */

/* A writer thread (collector.buffer_max_mb 1: 16 chunks of HPI_CHUNK_RECS)
 * writing n[k] calls of coll::b in phase k; the main thread sets its
 * records aside asides[k] times after phase k, as the collector does while
 * it builds a snapshot. */
typedef struct aside_run {
	pthread_barrier_t bar;
	long n[3];
	int asides[2];
} aside_run;

static void *aside_writer(void *arg)
{
	aside_run *a = arg;
	uint64_t t = T0 + 1000;

	for (int k = 0; k < 3; k++) {
		for (long i = 0; i < a->n[k]; i++, t += 10)
			hp__record(sites[1].id | HP__DEPTH_TAG(0), t, t + 3);
		if (k < 2) {
			pthread_barrier_wait(&a->bar); /* written */
			pthread_barrier_wait(&a->bar); /* set aside (or not) */
		}
	}
	return NULL;
}

/* coll::b's calls once the run is drained; *dropped: the buffer's drops. */
static int64_t aside_case(aside_run *a, uint64_t *dropped)
{
	hpi_config c;
	hpi_registry *r;
	hp_snapshot *s;
	const hp_section *fn;
	pthread_t th;
	uint64_t d0 = hpi_tbuf_dropped();
	int64_t calls;
	int row;

	hpi_tbuf_set_max_mb(1);
	r = reg_new(&c, false, 0, NULL);
	ck_assert_int_eq(pthread_barrier_init(&a->bar, NULL, 2), 0);
	ck_assert_int_eq(pthread_create(&th, NULL, aside_writer, a), 0);
	for (int k = 0; k < 2; k++) {
		pthread_barrier_wait(&a->bar);
		for (int i = 0; i < a->asides[k]; i++)
			hpi_collector_aside();
		pthread_barrier_wait(&a->bar);
	}
	pthread_join(th, NULL);
	pthread_barrier_destroy(&a->bar);
	*dropped = hpi_tbuf_dropped() - d0;
	hpi_collector_drain_now(r, T0);
	ck_assert_ptr_nonnull(s = hpi_snapshot_new());
	hpi_registry_snapshot(r, s);
	ck_assert_ptr_nonnull(fn = hp_snapshot_find(s, "functions"));
	ck_assert_int_ge(row = row_of(fn, "coll::b"), 0);
	calls = cell(fn, (size_t)row, "calls");
	hpi_snapshot_free(s);
	hpi_registry_free(r);
	hpi_config_fini(&c);
	hpi_tbuf_set_max_mb(64);
	return calls;
}

/* A snapshot that takes long must not cost the program's records: the
 * collector copies them aside as it builds one (hpi_collector_aside) and
 * the buffer takes as many again; every call is counted, in order.  The
 * copies hold at most the buffer's size: past it, drops as before. */
START_TEST(records_set_aside_during_a_snapshot_are_not_dropped)
{
	const int64_t full = 16 * (int64_t)CHUNK; /* 65,472 */
	aside_run none = {.n = {40000, 40000, 0}}, one = {.n = {40000, 40000, 0}, .asides = {1, 0}};
	/* the buffer full, all of it aside; 15 chunks back to the writer (the
	 * 16th holds the cursor) and filled; a second aside finds no room
	 * for them but hands the 16th back: 4,092 more fit, 10 are dropped */
	aside_run cap = {.n = {full, full - (int64_t)CHUNK, (int64_t)CHUNK + 10},
			 .asides = {1, 1}};
	uint64_t dropped;

	/* without: what the buffer holds, the rest dropped */
	ck_assert_int_eq(aside_case(&none, &dropped), full);
	ck_assert_uint_eq(dropped, 80000 - full);
	ck_assert_int_eq(aside_case(&one, &dropped), 80000);
	ck_assert_uint_eq(dropped, 0);
	ck_assert_int_eq(aside_case(&cap, &dropped), 2 * full);
	ck_assert_uint_eq(dropped, 10);
}
END_TEST

static Suite *collector_suite(void)
{
	Suite *s = suite_create("collector");
	TCase *tc = tcase_create("timing_paths");

	tcase_set_timeout(tc, 120);
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_loop_test(tc, direct_and_event_paths_agree, 0,
			    (int)(sizeof(variants) / sizeof(variants[0])));
	tcase_add_test(tc, excluded_label_is_skipped_on_both_paths);
	tcase_add_test(tc, records_set_aside_during_a_snapshot_are_not_dropped);
	suite_add_tcase(s, tc);
	return s;
}

HP_TEST_MAIN(collector_suite)
