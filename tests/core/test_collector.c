/* SPDX-License-Identifier: MIT */
/*
 * test_collector.c - the collector's two ways of feeding the timing plugin:
 * runs of records handed over as they are, when timing is the only plugin
 * that wants HP_EV_SCOPE, and an event per call, when another (the real
 * examples/plugin/slowest.so) wants them too.  The same records, written
 * with hotpath.h's own writers, must give the same Functions table, recent
 * logs included, and the figures a model of the records predicts.
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

#define SLOWEST_SO HP_BUILDDIR "/examples/plugin/.libs/slowest.so"

#define T0 (UINT64_C(1) << 40) /* the guard's start tick */
#define CHUNK HPI_CHUNK_RECS
#define NLABELS 6
#define NSCOPE 6               /* sites[0..NSCOPE) take measured calls */
#define RUN_MAX 1024           /* the timing plugin's on_records' longest run */

/* Two sites share label a; "old" only ever starts before t0; "chan" only
 * writes records of other kinds. */
static hp_site sites[] = {
	{"coll::a", "src/coll.c", 10, HP_SITE_FUNCTION, 0},
	{"coll::b", "src/coll.c", 20, HP_SITE_FUNCTION, 0},
	{"coll::c", "src/coll.c", 30, HP_SITE_FUNCTION, 0},
	{"coll::d", "src/coll.c", 40, HP_SITE_BLOCK, 0},
	{"coll::a", "src/coll2.c", 50, HP_SITE_BLOCK, 0},
	{"coll::excluded", "src/coll.c", 60, HP_SITE_FUNCTION, 0},
	{"coll::old", "src/coll.c", 70, HP_SITE_FUNCTION, 0},
	{"coll::chan", "src/coll.c", 80, HP_SITE_CHANNEL, 0},
};
#define SITE_OLD 6
#define SITE_CHAN 7
#define NSITES (sizeof(sites) / sizeof(sites[0]))
/* The kind byte of a recursive call at depth 0 (gen_put gives plain
 * site ids theirs: a call at depth 0). */
#define REC ((HP__SCOPE_KIND | HP__SCOPE_REC) << HP__KIND_SHIFT)
static const int site_label[NSITES] = {0, 1, 2, 3, 0, 4, 5, -1};
static const char *const labels[NLABELS] = {
	"coll::a", "coll::b", "coll::c", "coll::d", "coll::excluded", "coll::old",
};
#define LABEL_EXCLUDED 4

/* every whole percentile and p99.9: a bucket counted wrong on one path
 * moves one of them (set up by setup()) */
static double pcts[102];
static int nwarn;

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

/* Warning sink: counts the lines. */
static void sink(const char *line, void *data)
{
	(void)line;
	(void)data;
	nwarn++;
}

/* Per test: every site registered, percentiles set, a guard of 1000 s. */
static void setup(void)
{
	nwarn = 0;
	hpi_warn_set_sink(sink, NULL);
	for (int i = 0; i <= 100; i++)
		pcts[i] = i;
	pcts[101] = 99.9;
	hpi_host_set_report(pcts, sizeof(pcts) / sizeof(pcts[0]), hpi_mono_ns());
	hpi_host_freeze(UINT64_C(1000000000000));
	for (size_t i = 0; i < NSITES; i++)
		if (sites[i].id == 0)
			ck_assert_uint_ne(hp__site_register(&sites[i], "coll_fn"), 0);
}

static void teardown(void)
{
	hpi_warn_set_sink(NULL, NULL);
}

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

/* ---- registries and snapshots -------------------------------------------- */

/* Appends a copy of s to v, as hotpath.yaml would. */
static void strv_push(hpi_strv *v, const char *s)
{
	char **nv = realloc(v->v, (v->n + 1) * sizeof(*nv));
	hpi_origin *no;

	ck_assert_ptr_nonnull(nv);
	v->v = nv;
	ck_assert_ptr_nonnull(no = realloc(v->origin, (v->n + 1) * sizeof(*no)));
	v->origin = no;
	ck_assert_ptr_nonnull(v->v[v->n] = strdup(s));
	ck_assert_ptr_nonnull(no[v->n].file = strdup("hotpath.yaml"));
	no[v->n].line = 3;
	no[v->n].col = 9;
	no[v->n].env = NULL;
	v->n++;
}

/* Timing as the only built-in, slowest.so next to it if asked. */
static hpi_registry *reg_new(hpi_config *c, bool slowest, int logs, const char *exclude)
{
	hpi_registry *r;
	int fails = -1;

	hp_test_timing_only(c);
	HP_TEST_OPT(c, "timing", "recent_logs")->i = logs;
	if (exclude != NULL)
		strv_push(&HP_TEST_OPT(c, "timing", "exclude")->v, exclude);
	if (slowest)
		strv_push(&c->plugin_load, SLOWEST_SO);
	ck_assert_ptr_nonnull(r = hpi_registry_new(c, &fails));
	ck_assert_int_eq(fails, 0);
	return r;
}

/* Two sections alike: columns, rows, every cell, and the rows' logs. */
static void section_eq(const hp_section *a, const hp_section *b)
{
	ck_assert_str_eq(hp_section_id(a), hp_section_id(b));
	ck_assert_uint_eq(hp_section_ncolumns(a), hp_section_ncolumns(b));
	ck_assert_uint_eq(hp_section_nrows(a), hp_section_nrows(b));
	for (size_t c = 0; c < hp_section_ncolumns(a); c++) {
		ck_assert_str_eq(hp_section_column_key(a, c), hp_section_column_key(b, c));
		ck_assert_int_eq(hp_section_column_unit(a, c), hp_section_column_unit(b, c));
	}
	for (size_t r = 0; r < hp_section_nrows(a); r++) {
		const hp_section *la = hpi_section_log(a, r), *lb = hpi_section_log(b, r);

		for (size_t c = 0; c < hp_section_ncolumns(a); c++) {
			hp_unit u = hp_section_column_unit(a, c);

			ck_assert_msg(hp_section_has(a, r, c) == hp_section_has(b, r, c),
				      "%s row %zu column %s: set on one path only",
				      hp_section_id(a), r, hp_section_column_key(a, c));
			if (!hp_section_has(a, r, c))
				continue;
			if (u == HP_UNIT_TEXT)
				ck_assert_str_eq(hp_section_text(a, r, c), hp_section_text(b, r, c));
			else if (hpi_unit_is_int(u))
				ck_assert_msg(hp_section_int(a, r, c) == hp_section_int(b, r, c),
					      "%s row %zu %s: direct %lld, events %lld",
					      hp_section_id(a), r, hp_section_column_key(a, c),
					      (long long)hp_section_int(a, r, c),
					      (long long)hp_section_int(b, r, c));
			else
				ck_assert(hp_section_real(a, r, c) == hp_section_real(b, r, c));
		}
		ck_assert_msg((la == NULL) == (lb == NULL), "row %zu: a log on one path only", r);
		if (la != NULL)
			section_eq(la, lb);
	}
}

/* The cell of row r under column key. */
static int64_t cell(const hp_section *sec, size_t r, const char *key)
{
	int c = hpi_section_col(sec, key);

	ck_assert_msg(c >= 0, "no column %s", key);
	ck_assert(hp_section_has(sec, (size_t)r, (size_t)c));
	return hp_section_int(sec, r, (size_t)c);
}

/* Row of label, or -1. */
static int row_of(const hp_section *sec, const char *label)
{
	for (size_t r = 0; r < hp_section_nrows(sec); r++)
		if (strcmp(hp_section_text(sec, r, 0), label) == 0)
			return (int)r;
	return -1;
}

/* Label l's recent log: its last calls, newest first, on this thread. */
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

static Suite *collector_suite(void)
{
	Suite *s = suite_create("collector");
	TCase *tc = tcase_create("timing_paths");

	tcase_set_timeout(tc, 120);
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_loop_test(tc, direct_and_event_paths_agree, 0,
			    (int)(sizeof(variants) / sizeof(variants[0])));
	tcase_add_test(tc, excluded_label_is_skipped_on_both_paths);
	suite_add_tcase(s, tc);
	tc = tcase_create("call_tree");
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

HP_TEST_MAIN(collector_suite)
