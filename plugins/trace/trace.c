/* SPDX-License-Identifier: MIT */
/*
 * trace.c - the built-in trace plugin: every measured call, lock wait and
 * hold, channel send and receive and future poll, with its thread, start
 * and duration, kept in a bounded buffer on the collector thread and
 * written at report time as a Chrome Trace Event file (trace.json) that
 * Perfetto and chrome://tracing open: one track per thread, channel sends
 * joined to their receives by flow arrows.  docs/trace.md.
 *
 * The calling thread does nothing more than it does without trace: the
 * events are the ones the collector already builds.  Each takes 24 bytes
 * here (trace_rec); past collectors.trace.buffer events the buffer either
 * keeps the newest (ring) or stops (stop), and counts what it dropped.
 */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "hpi.h"
#include "registry.h"

#define TRACE_FIRST 4096     /* records allocated at first, doubled up to the bound */
#define TRACE_NEST_SLACK 2   /* ns a call may overrun its caller by rounding */
#define TRACE_FLUSH (1 << 16) /* JSON bytes gathered before each fwrite */

/* One kept event.  kind and site share a word as in the per-thread
 * records; dur holds the raw payload for channel events (seq | bytes << 32)
 * and future polls (call | ticks << 32). */
typedef struct trace_rec {
	uint64_t ts;   /* ns since the guard started */
	uint64_t dur;  /* ns, or the raw payload */
	uint32_t tag;  /* site | kind << 24 */
	uint32_t tid;  /* gettid() fits 32 bits (pid_max <= 2^22) */
} trace_rec;

_Static_assert(sizeof(trace_rec) == 24, "a call takes 24 bytes of trace buffer");

#define TRACE_SHIFT 24
#define TRACE_SITE(tag) ((tag) & ((1u << TRACE_SHIFT) - 1))
#define TRACE_KIND(tag) ((tag) >> TRACE_SHIFT)

/* A thread's name as it said when it exited. */
typedef struct trace_name {
	uint32_t tid;
	char name[16];
} trace_name;

typedef struct trace_state {
	const hp_host *host;
	trace_rec *buf;
	size_t cap;       /* allocated records */
	size_t max;       /* the bound: collectors.trace.buffer */
	size_t n;         /* records kept */
	size_t head;      /* ring: the oldest record once n == max */
	bool ring;        /* past the bound keep the newest (else the oldest) */
	bool nomem;       /* the buffer could not grow to the bound */
	uint64_t dropped;
	char *path;       /* report.trace_output */
	int written;      /* 0 not yet, 1 written, -1 failed */
	trace_name *names;
	size_t nnames, capnames;
} trace_state;

/* ---- recording (collector thread) ----------------------------------------- */

/* Room for one more record: grows the buffer up to the bound. */
static bool trace_grow(trace_state *st)
{
	size_t cap = st->cap ? st->cap * 2 : TRACE_FIRST;
	trace_rec *p;

	if (cap > st->max)
		cap = st->max;
	if ((p = realloc(st->buf, cap * sizeof(*p))) == NULL) {
		st->nomem = true;
		return false;
	}
	st->buf = p;
	st->cap = cap;
	return true;
}

/* Keeps one event, or counts it dropped. */
static void trace_keep(trace_state *st, const hp_event *ev)
{
	trace_rec *r;

	if (st->n == st->max) {
		st->dropped++;
		if (!st->ring)
			return;
		r = &st->buf[st->head];
		if (++st->head == st->max)
			st->head = 0;
	} else {
		if (st->n == st->cap && !trace_grow(st)) {
			st->dropped++;
			return;
		}
		r = &st->buf[st->n++];
	}
	r->ts = ev->time_ns;
	r->dur = ev->dur_ns;
	r->tag = ev->site | ev->kind << TRACE_SHIFT;
	r->tid = (uint32_t)ev->tid;
}

/* Remembers an exiting thread's name for its track. */
static void trace_thread_exit(trace_state *st, const hp_event *ev)
{
	const hp_thread_exit *x = ev->data;
	trace_name *nm;

	if (x == NULL || x->name[0] == '\0')
		return;
	if (st->nnames == st->capnames) {
		size_t cap = st->capnames ? st->capnames * 2 : 16;
		trace_name *p = realloc(st->names, cap * sizeof(*p));
		if (p == NULL)
			return; /* the track is named "thread <tid>" instead */
		st->names = p;
		st->capnames = cap;
	}
	nm = &st->names[st->nnames++];
	nm->tid = (uint32_t)ev->tid;
	snprintf(nm->name, sizeof(nm->name), "%s", x->name);
}

static void trace_events(void *state, const hp_event *evs, size_t n)
{
	trace_state *st = state;

	for (size_t i = 0; i < n; i++) {
		const hp_event *ev = &evs[i];
		switch (ev->kind) {
		case HP_EV_SCOPE:
		case HP_EV_LOCK_WAIT:
		case HP_EV_LOCK_HOLD:
		case HP_EV_CHAN_SEND:
		case HP_EV_CHAN_RECV:
		case HP_EV_FUTURE_POLL:
			if (ev->site != 0 && ev->site == TRACE_SITE(ev->site))
				trace_keep(st, ev);
			break;
		case HP_EV_THREAD_EXIT:
			trace_thread_exit(st, ev);
			break;
		default:
			break;
		}
	}
}

static void trace_event(void *state, const hp_event *ev)
{
	trace_events(state, ev, 1);
}

/* ---- the JSON file (reporting thread) ------------------------------------- */

/* The i-th kept record, oldest first. */
static const trace_rec *trace_at(const trace_state *st, size_t i)
{
	size_t k = st->n == st->max && st->ring ? (st->head + i) % st->max : i;

	return &st->buf[k];
}

/* A record's span: channel events have none. */
static uint64_t trace_span(const trace_rec *r)
{
	uint32_t k = TRACE_KIND(r->tag);

	if (k == HP_EV_CHAN_SEND || k == HP_EV_CHAN_RECV)
		return 0;
	if (k == HP_EV_FUTURE_POLL)
		return hpi_ticks_to_ns(r->dur >> 32);
	return r->dur;
}

/* Sorting context: qsort has no argument, and the report is written by
 * one thread at a time (guard_finish holds its lock). */
static const trace_state *trace_sorting;

/* Thread, then start, then the longer first (a caller before its callees),
 * then the order kept: a deterministic file. */
static int trace_cmp(const void *a, const void *b)
{
	uint32_t i = *(const uint32_t *)a, j = *(const uint32_t *)b;
	const trace_rec *x = trace_at(trace_sorting, i), *y = trace_at(trace_sorting, j);
	uint64_t dx, dy;

	if (x->tid != y->tid)
		return x->tid < y->tid ? -1 : 1;
	if (x->ts != y->ts)
		return x->ts < y->ts ? -1 : 1;
	dx = trace_span(x);
	dy = trace_span(y);
	if (dx != dy)
		return dx > dy ? -1 : 1;
	return i < j ? -1 : i > j;
}

/* A channel message end for flow matching. */
typedef struct trace_end {
	uint32_t site, seq, pos; /* pos: index in the sorted order */
} trace_end;

static int trace_end_cmp(const void *a, const void *b)
{
	const trace_end *x = a, *y = b;

	if (x->site != y->site)
		return x->site < y->site ? -1 : 1;
	if (x->seq != y->seq)
		return x->seq < y->seq ? -1 : 1;
	return x->pos < y->pos ? -1 : x->pos > y->pos;
}

/* Flow ids (1, 2, ...) of the sends and receives that both are kept,
 * paired by channel site and sequence; flow[pos] = 0 elsewhere.  Returns
 * the number of flows, or -1 when out of memory. */
static long trace_flows(const trace_state *st, const uint32_t *order, uint32_t *flow)
{
	trace_end *s = malloc((st->n + 1) * sizeof(*s)), *r = malloc((st->n + 1) * sizeof(*r));
	size_t ns = 0, nr = 0, i = 0, j = 0;
	long id = 0;

	if (s == NULL || r == NULL) {
		free(s);
		free(r);
		return -1;
	}
	for (size_t p = 0; p < st->n; p++) {
		const trace_rec *x = trace_at(st, order[p]);
		uint32_t k = TRACE_KIND(x->tag), seq = (uint32_t)x->dur;
		trace_end e = {TRACE_SITE(x->tag), seq, (uint32_t)p};
		flow[p] = 0;
		if (seq != 0 && k == HP_EV_CHAN_SEND)
			s[ns++] = e;
		else if (seq != 0 && k == HP_EV_CHAN_RECV)
			r[nr++] = e;
	}
	qsort(s, ns, sizeof(*s), trace_end_cmp);
	qsort(r, nr, sizeof(*r), trace_end_cmp);
	while (i < ns && j < nr) {
		int c = s[i].site != r[j].site ? (s[i].site < r[j].site ? -1 : 1)
		      : s[i].seq != r[j].seq ? (s[i].seq < r[j].seq ? -1 : 1) : 0;
		if (c < 0) {
			i++;
		} else if (c > 0) {
			j++;
		} else {
			flow[s[i++].pos] = flow[r[j++].pos] = (uint32_t)++id;
		}
	}
	free(s);
	free(r);
	return id;
}

/* ns as µs with up to three decimals: 1234567 -> 1234.567, 1500 -> 1.5. */
static void trace_us(hpi_buf *b, uint64_t ns)
{
	char frac[8];
	unsigned f = (unsigned)(ns % 1000);
	int len = 3;

	hpi_buf_i64(b, (int64_t)(ns / 1000));
	if (f == 0)
		return;
	snprintf(frac, sizeof(frac), ".%03u", f);
	while (frac[len] == '0')
		len--;
	hpi_buf_putn(b, frac, (size_t)len + 1);
}

/* A thread's track name: as it exited, else as it is now, else its tid. */
static void trace_thread_name(const trace_state *st, uint32_t tid, char *out, size_t len)
{
	char path[64];
	FILE *f;

	for (size_t i = st->nnames; i-- > 0;)
		if (st->names[i].tid == tid) {
			snprintf(out, len, "%s", st->names[i].name);
			return;
		}
	snprintf(path, sizeof(path), "/proc/self/task/%u/comm", tid);
	if ((f = fopen(path, "r")) != NULL) {
		if (fgets(out, (int)len, f) != NULL) {
			out[strcspn(out, "\n")] = '\0';
			fclose(f);
			if (out[0] != '\0')
				return;
		} else {
			fclose(f);
		}
	}
	snprintf(out, len, "thread %u", tid);
}

/* Writes b to f once it holds TRACE_FLUSH bytes (or always with force). */
static void trace_flush(hpi_buf *b, FILE *f, bool force)
{
	if (b->len == 0 || (!force && b->len < TRACE_FLUSH))
		return;
	fwrite(b->data, 1, b->len, f);
	b->len = 0;
	b->data[0] = '\0';
}

/* {"ph":"M",...} naming the process or a thread.  Every event but the
 * first (the process's name) starts with its separator. */
static void trace_meta(hpi_buf *b, long pid, uint32_t tid, const char *what, const char *name)
{
	hpi_buf_printf(b, "%s{\"ph\":\"M\",\"pid\":%ld,\"tid\":%u,\"name\":\"%s\","
			   "\"args\":{\"name\":", strcmp(what, "process_name") ? ",\n" : "",
		       pid, tid, what);
	hpi_buf_json_str(b, name);
	hpi_buf_puts(b, "}}");
}

/* The part of an event every kind has: ph, cat, name, pid, tid, ts. */
static void trace_head(hpi_buf *b, const char *ph, const char *cat, const char *verb,
		       const char *label, long pid, const trace_rec *r)
{
	char name[320];

	snprintf(name, sizeof(name), "%s%s", verb, label);
	hpi_buf_printf(b, ",\n{\"ph\":\"%s\",\"cat\":\"%s\",\"name\":", ph, cat);
	hpi_buf_json_str(b, name);
	hpi_buf_printf(b, ",\"pid\":%ld,\"tid\":%u,\"ts\":", pid, r->tid);
	trace_us(b, r->ts);
}

/* Per thread: the end times of the open calls, to trim a callee that
 * overruns its caller by a rounding nanosecond. */
typedef struct trace_stack {
	uint64_t *end;
	size_t n, cap;
	uint32_t tid;
} trace_stack;

/* The duration to write for a call starting at ts. */
static uint64_t trace_nest(trace_stack *sk, uint32_t tid, uint64_t ts, uint64_t dur)
{
	if (sk->tid != tid)
		sk->n = 0;
	sk->tid = tid;
	while (sk->n > 0 && sk->end[sk->n - 1] <= ts)
		sk->n--;
	if (sk->n > 0 && ts + dur > sk->end[sk->n - 1] &&
	    ts + dur - sk->end[sk->n - 1] <= TRACE_NEST_SLACK)
		dur = sk->end[sk->n - 1] - ts;
	if (sk->n == sk->cap) {
		size_t cap = sk->cap ? sk->cap * 2 : 64;
		uint64_t *p = realloc(sk->end, cap * sizeof(*p));
		if (p == NULL)
			return dur; /* deeper calls are written as measured */
		sk->end = p;
		sk->cap = cap;
	}
	sk->end[sk->n++] = ts + dur;
	return dur;
}

/* One kept record as a complete event, plus its flow end if any. */
static void trace_one(hpi_buf *b, const trace_rec *r, long pid, uint32_t flow,
		      trace_stack *sk)
{
	const hp_site_info *si = hpi_site_get(TRACE_SITE(r->tag));
	const char *label = si && si->label ? si->label : "?";
	uint32_t k = TRACE_KIND(r->tag);

	switch (k) {
	case HP_EV_SCOPE:
		trace_head(b, "X", "function", "", label, pid, r);
		hpi_buf_puts(b, ",\"dur\":");
		trace_us(b, trace_nest(sk, r->tid, r->ts, r->dur));
		break;
	case HP_EV_LOCK_WAIT:
	case HP_EV_LOCK_HOLD:
		trace_head(b, "X", "lock", k == HP_EV_LOCK_WAIT ? "wait: " : "hold: ", label,
			   pid, r);
		hpi_buf_puts(b, ",\"dur\":");
		trace_us(b, trace_nest(sk, r->tid, r->ts, r->dur));
		break;
	case HP_EV_FUTURE_POLL:
		trace_head(b, "X", "future", "poll: ", label, pid, r);
		hpi_buf_puts(b, ",\"dur\":");
		trace_us(b, trace_nest(sk, r->tid, r->ts, trace_span(r)));
		hpi_buf_printf(b, ",\"args\":{\"call\":%u}", (uint32_t)r->dur);
		break;
	default: /* HP_EV_CHAN_SEND, HP_EV_CHAN_RECV */
		trace_head(b, "X", "channel", k == HP_EV_CHAN_SEND ? "send: " : "recv: ", label,
			   pid, r);
		hpi_buf_printf(b, ",\"dur\":0,\"args\":{\"seq\":%u,\"bytes\":%llu}",
			       (uint32_t)r->dur, (unsigned long long)(r->dur >> 32));
		break;
	}
	hpi_buf_putc(b, '}');
	if (flow == 0)
		return;
	trace_head(b, k == HP_EV_CHAN_SEND ? "s" : "f", "channel", "", label, pid, r);
	hpi_buf_printf(b, ",\"id\":%u%s}", flow, k == HP_EV_CHAN_SEND ? "" : ",\"bp\":\"e\"");
}

/* The thread tracks' names, one per thread that has events (order is
 * sorted by thread). */
static void trace_tracks(hpi_buf *b, const trace_state *st, const uint32_t *order, long pid)
{
	char name[64];

	for (size_t p = 0; p < st->n; p++) {
		uint32_t tid = trace_at(st, order[p])->tid;
		if (p > 0 && trace_at(st, order[p - 1])->tid == tid)
			continue;
		trace_thread_name(st, tid, name, sizeof(name));
		trace_meta(b, pid, tid, "thread_name", name);
	}
}

int hpi_trace_json(void *state, FILE *f, long pid, const char *process)
{
	trace_state *st = state;
	uint32_t *order = malloc((st->n + 1) * sizeof(*order));
	uint32_t *flow = malloc((st->n + 1) * sizeof(*flow));
	trace_stack sk = {0};
	hpi_buf b;
	long flows;

	if (order == NULL || flow == NULL) {
		free(order);
		free(flow);
		return HP_ENOMEM;
	}
	for (size_t i = 0; i < st->n; i++)
		order[i] = (uint32_t)i;
	trace_sorting = st;
	qsort(order, st->n, sizeof(*order), trace_cmp);
	trace_sorting = NULL;
	if ((flows = trace_flows(st, order, flow)) < 0) {
		free(order);
		free(flow);
		return HP_ENOMEM;
	}
	hpi_buf_init(&b);
	hpi_buf_puts(&b, "{\"traceEvents\":[\n");
	trace_meta(&b, pid, (uint32_t)pid, "process_name", process);
	trace_tracks(&b, st, order, pid);
	for (size_t p = 0; p < st->n; p++) {
		trace_one(&b, trace_at(st, order[p]), pid, flow[p], &sk);
		trace_flush(&b, f, false);
	}
	hpi_buf_puts(&b, "\n],\n");
	hpi_buf_printf(&b, "\"displayTimeUnit\":\"ns\",\n\"otherData\":{\"generator\":"
			   "\"hotpath %s\",\"clock\":\"%s\",\"events\":%zu,\"dropped\":%llu,"
			   "\"buffer\":%zu,\"overflow\":\"%s\",\"flows\":%ld}}\n",
		       PACKAGE_VERSION, hpi_clock_is_tsc() ? "tsc" : "monotonic", st->n,
		       (unsigned long long)st->dropped, st->max, st->ring ? "ring" : "stop",
		       flows);
	trace_flush(&b, f, true);
	free(sk.end);
	free(order);
	free(flow);
	if (b.failed) {
		hpi_buf_fini(&b);
		return HP_ENOMEM;
	}
	hpi_buf_fini(&b);
	return 0;
}

/* The program's short name, without libtool's "lt-". */
static const char *trace_program(void)
{
	const char *p = program_invocation_short_name;

	return strncmp(p, "lt-", 3) == 0 ? p + 3 : p;
}

/* Writes the file whole under a temporary name, then renames it, so a
 * reader sees the old file or the new one, never half of one. */
static int trace_write(trace_state *st)
{
	char *tmp = hpi_asprintf("%s.%ld.tmp", st->path, (long)getpid());
	FILE *f;
	int rv, err = 0;

	if (tmp == NULL)
		return HP_ENOMEM;
	if ((f = fopen(tmp, "w")) == NULL) {
		hpi_warn("trace: cannot write \"%s\": %s", st->path, strerror(errno));
		free(tmp);
		return -1;
	}
	rv = hpi_trace_json(st, f, (long)getpid(), trace_program());
	if (ferror(f))
		err = errno ? errno : EIO;
	if (fclose(f) != 0 && err == 0)
		err = errno;
	if (rv == 0 && err == 0 && rename(tmp, st->path) != 0)
		err = errno;
	if (rv != 0 || err != 0) {
		hpi_warn("trace: cannot write \"%s\": %s", st->path,
			 rv != 0 ? hp_strerror(rv) : strerror(err));
		unlink(tmp);
		free(tmp);
		return -1;
	}
	free(tmp);
	return 0;
}

/* ---- the plugin ------------------------------------------------------------ */

void *hpi_trace_new(size_t max_events, bool ring, const char *path)
{
	trace_state *st = calloc(1, sizeof(*st));

	if (st == NULL)
		return NULL;
	st->host = hpi_host();
	st->max = max_events > 0 ? max_events : 1;
	st->ring = ring;
	if ((st->path = strdup(path && *path ? path : "trace.json")) == NULL) {
		free(st);
		return NULL;
	}
	return st;
}

static int trace_init(const hp_host *host, const hp_options *opts, void **state,
		      char **cause)
{
	const hpi_config *c = hpi_options_config(opts);
	/* checked against trace_options: 1..100000000, ring (0) or stop (1) */
	bool ring = host->option_int(opts, "overflow", 0) == 0;

	*state = hpi_trace_new((size_t)host->option_int(opts, "buffer", 1000000), ring,
			       c ? c->trace_output : NULL);
	if (*state == NULL) {
		*cause = hpi_asprintf("out of memory");
		return HP_ENOMEM;
	}
	return 0;
}

/* The "trace" section: where the file goes, events kept and dropped.  The
 * final snapshot (the report's) writes the file first. */
static int trace_snapshot(void *state, hp_snapshot *snap)
{
	trace_state *st = state;
	const hp_host *h = st->host;
	hp_section *sec;
	size_t r;

	if (hpi_host_final() && st->written == 0) {
		st->written = trace_write(st) == 0 ? 1 : -1;
		if (st->dropped > 0)
			hpi_warn("trace: %llu events dropped past collectors.trace.buffer "
				 "(%zu events): %s", (unsigned long long)st->dropped, st->max,
				 st->nomem ? "out of memory" : st->ring ? "the newest were kept"
								      : "the oldest were kept");
	}
	if ((sec = h->section_add(snap, "trace", "Trace")) == NULL)
		return HP_ENOMEM;
	h->column_add(sec, "file", "File", HP_UNIT_TEXT);
	h->column_add(sec, "state", "State", HP_UNIT_TEXT);
	h->column_add(sec, "events", "Events", HP_UNIT_COUNT);
	h->column_add(sec, "dropped", "Dropped", HP_UNIT_COUNT);
	h->column_add(sec, "buffer", "Buffer", HP_UNIT_COUNT);
	h->column_add(sec, "overflow", "Overflow", HP_UNIT_TEXT);
	r = h->row_add(sec);
	h->cell_text(sec, r, 0, st->path);
	h->cell_text(sec, r, 1, st->written > 0 ? "written" : st->written < 0 ? "failed"
									  : "recording");
	h->cell_int(sec, r, 2, (int64_t)st->n);
	h->cell_int(sec, r, 3, (int64_t)st->dropped);
	h->cell_int(sec, r, 4, (int64_t)st->max);
	h->cell_text(sec, r, 5, st->ring ? "ring" : "stop");
	return 0;
}

static void trace_fini(void *state)
{
	trace_state *st = state;

	if (st == NULL)
		return;
	free(st->buf);
	free(st->names);
	free(st->path);
	free(st);
}

/* collectors.trace.* (the file is report.trace_output) */
static const hp_option trace_options[] = {
	{ .key = "enabled", .type = HP_OPT_BOOL, .dflt = "false", .env = "HOTPATH_TRACE",
	  .help = "A Chrome Trace Event file of every call, lock, message and poll, for Perfetto ([trace.md](trace.md))." },
	{ .key = "buffer", .type = HP_OPT_INT, .min = 1, .max = 100000000, .dflt = "1000000",
	  .env = "HOTPATH_TRACE_BUFFER", .help = "Events kept in memory for the trace file." },
	{ .key = "overflow", .type = HP_OPT_ENUM, .values = "ring|stop", .dflt = "ring",
	  .env = "HOTPATH_TRACE_OVERFLOW",
	  .help = "When the buffer is full: `ring` keeps the newest events, `stop` the oldest." },
	{ .key = NULL },
};

const hp_plugin_ops hpi_trace_plugin = {
	.abi = HP_PLUGIN_ABI,
	.size = sizeof(hp_plugin_ops),
	.name = "trace",
	.description = "timeline of calls, locks, channel messages and polls (trace.json)",
	.events = HP_EV_BIT(HP_EV_SCOPE) | HP_EV_BIT(HP_EV_LOCK_WAIT) |
		  HP_EV_BIT(HP_EV_LOCK_HOLD) | HP_EV_BIT(HP_EV_CHAN_SEND) |
		  HP_EV_BIT(HP_EV_CHAN_RECV) | HP_EV_BIT(HP_EV_FUTURE_POLL) |
		  HP_EV_BIT(HP_EV_THREAD_EXIT),
	.init = trace_init,
	.on_event = trace_event,
	.snapshot = trace_snapshot,
	.fini = trace_fini,
	.on_events = trace_events,
	.options = trace_options,
};
