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
#ifndef _GNU_SOURCE
#define _GNU_SOURCE /* program_invocation_short_name, MAP_ANONYMOUS when built alone */
#endif

#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <hotpath/plugin.h> /* all it uses: it could be an external plugin */

#include "trace.h"

#define TRACE_HUGE (2u << 20) /* the buffer's mapping is rounded to huge pages */
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
	trace_rec *buf;   /* max records of address space, touched as they fill */
	size_t maplen;    /* bytes mapped */
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
	char **labels;    /* site id -> its label as a JSON string, while writing */
	size_t nlabels;
} trace_state;

/* ---- the JSON text (reporting thread) -------------------------------------- */

/* A growing text; failed once out of memory (the rest is dropped). */
typedef struct trace_buf {
	char *data;
	size_t len, cap;
	bool failed;
} trace_buf;

/* Room for n more bytes and a NUL; false when out of memory. */
static bool trace_room(trace_buf *b, size_t n)
{
	size_t cap = b->cap ? b->cap : 4096;
	char *p;

	if (b->failed)
		return false;
	if (b->len + n < b->cap)
		return true;
	while (cap <= b->len + n)
		cap *= 2;
	if ((p = realloc(b->data, cap)) == NULL) {
		b->failed = true;
		return false;
	}
	b->data = p;
	b->cap = cap;
	return true;
}

static void trace_putn(trace_buf *b, const char *s, size_t n)
{
	if (!trace_room(b, n))
		return;
	memcpy(b->data + b->len, s, n);
	b->len += n;
	b->data[b->len] = '\0';
}

static void trace_puts(trace_buf *b, const char *s)
{
	trace_putn(b, s, strlen(s));
}

static void trace_putc(trace_buf *b, char c)
{
	trace_putn(b, &c, 1);
}

static void trace_i64(trace_buf *b, int64_t v)
{
	char num[24];

	trace_putn(b, num, (size_t)snprintf(num, sizeof(num), "%lld", (long long)v));
}

static void trace_printf(trace_buf *b, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
static void trace_printf(trace_buf *b, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0 || !trace_room(b, (size_t)n))
		return;
	va_start(ap, fmt);
	vsnprintf(b->data + b->len, b->cap - b->len, fmt, ap);
	va_end(ap);
	b->len += (size_t)n;
}

/* s as a JSON string (the host escapes it). */
static void trace_json_str(const hp_host *h, trace_buf *b, const char *s)
{
	size_t n = h->json_str(NULL, 0, s);

	if (!trace_room(b, n))
		return;
	h->json_str(b->data + b->len, b->cap - b->len, s);
	b->len += n;
}

/* ---- recording (collector thread) ----------------------------------------- */

/* Maps the whole bound at the first event: address space only, the
 * memory comes as records fill it (no copy as it grows, and with huge
 * pages where the system allows them, one page fault per 87,381 records
 * instead of one per 170: the faults were most of the collector's cost). */
static bool trace_map(trace_state *st)
{
	size_t len = st->max * sizeof(trace_rec);
	void *p;

	if (st->nomem)
		return false;
	if (len / sizeof(trace_rec) != st->max || len > SIZE_MAX - TRACE_HUGE) {
		st->nomem = true;
		return false;
	}
	len = (len + TRACE_HUGE - 1) & ~(size_t)(TRACE_HUGE - 1);
	p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE,
		 -1, 0);
	if (p == MAP_FAILED) {
		st->nomem = true;
		return false;
	}
#ifdef MADV_HUGEPAGE
	madvise(p, len, MADV_HUGEPAGE); /* a hint: without it, small pages */
#endif
	st->buf = p;
	st->maplen = len;
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
		if (st->buf == NULL && !trace_map(st)) {
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
		case HP_EV_RLOCK_WAIT:
		case HP_EV_RLOCK_HOLD:
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

/* Site id's label as a JSON string, escaped once per site; "\"?\"" for an
 * unknown site. */
static const char *trace_label(trace_state *st, uint32_t site)
{
	const hp_site_info *si = st->host->site(site);
	const char *label = si && si->label ? si->label : "?";
	char **slot = (char **)hp_plugin_site_slot((void ***)&st->labels, &st->nlabels, site);
	size_t n;

	if (slot == NULL)
		return NULL;
	if (*slot == NULL) {
		n = st->host->json_str(NULL, 0, label);
		if ((*slot = malloc(n + 1)) == NULL)
			return NULL;
		st->host->json_str(*slot, n + 1, label);
	}
	return *slot;
}

/* Forgets the escaped labels (the next write makes them again). */
static void trace_labels_free(trace_state *st)
{
	for (size_t i = 0; i < st->nlabels; i++)
		free(st->labels[i]);
	free(st->labels);
	st->labels = NULL;
	st->nlabels = 0;
}

/* The i-th kept record, oldest first. */
static const trace_rec *trace_at(const trace_state *st, size_t i)
{
	size_t k = st->n == st->max && st->ring ? (st->head + i) % st->max : i;

	return &st->buf[k];
}

/* A record's span: channel events have none. */
static uint64_t trace_span(const trace_state *st, const trace_rec *r)
{
	uint32_t k = TRACE_KIND(r->tag);

	if (k == HP_EV_CHAN_SEND || k == HP_EV_CHAN_RECV)
		return 0;
	if (k == HP_EV_FUTURE_POLL)
		return st->host->ticks_ns(r->dur >> 32);
	return r->dur;
}

/* A kept record's place in the file: sorted by thread, then start, then
 * the longer first (a caller before its callees), then the order kept, so
 * the file is deterministic. */
typedef struct trace_key {
	uint64_t ts, span;
	uint32_t tid, idx; /* idx: trace_at()'s i */
} trace_key;

static int trace_cmp(const void *a, const void *b)
{
	const trace_key *x = a, *y = b;

	if (x->tid != y->tid)
		return x->tid < y->tid ? -1 : 1;
	if (x->ts != y->ts)
		return x->ts < y->ts ? -1 : 1;
	if (x->span != y->span)
		return x->span > y->span ? -1 : 1;
	return x->idx < y->idx ? -1 : x->idx > y->idx;
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
static long trace_flows(const trace_state *st, const trace_key *order, uint32_t *flow)
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
		const trace_rec *x = trace_at(st, order[p].idx);
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
static void trace_us(trace_buf *b, uint64_t ns)
{
	unsigned f = (unsigned)(ns % 1000);
	char frac[4] = {'.', (char)('0' + f / 100), (char)('0' + f / 10 % 10),
			(char)('0' + f % 10)};
	size_t len = 4;

	trace_i64(b, (int64_t)(ns / 1000));
	if (f == 0)
		return;
	while (frac[len - 1] == '0')
		len--;
	trace_putn(b, frac, len);
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
static void trace_flush(trace_buf *b, FILE *f, bool force)
{
	if (b->len == 0 || (!force && b->len < TRACE_FLUSH))
		return;
	fwrite(b->data, 1, b->len, f);
	b->len = 0;
	b->data[0] = '\0';
}

/* {"ph":"M",...} naming the process or a thread.  Every event but the
 * first (the process's name) starts with its separator. */
static void trace_meta(const hp_host *h, trace_buf *b, long pid, uint32_t tid,
		       const char *what, const char *name)
{
	trace_printf(b, "%s{\"ph\":\"M\",\"pid\":%ld,\"tid\":%u,\"name\":\"%s\","
			   "\"args\":{\"name\":", strcmp(what, "process_name") ? ",\n" : "",
		       pid, tid, what);
	trace_json_str(h, b, name);
	trace_puts(b, "}}");
}

/* "verb" "label" as one JSON string: the label already escaped and
 * quoted (trace_label), the verb (plain ASCII) slid in after its opening
 * quote. */
static void trace_name_str(trace_buf *b, const char *verb, const char *label)
{
	trace_putc(b, '"');
	trace_puts(b, verb);
	trace_puts(b, label + 1);
}

/* The part of an event every kind has: ph, cat, name, pid, tid, ts. */
static void trace_head(trace_buf *b, const char *ph, const char *cat, const char *verb,
		       const char *label, long pid, const trace_rec *r)
{
	trace_puts(b, ",\n{\"ph\":\"");
	trace_puts(b, ph);
	trace_puts(b, "\",\"cat\":\"");
	trace_puts(b, cat);
	trace_puts(b, "\",\"name\":");
	trace_name_str(b, verb, label);
	trace_puts(b, ",\"pid\":");
	trace_i64(b, pid);
	trace_puts(b, ",\"tid\":");
	trace_i64(b, r->tid);
	trace_puts(b, ",\"ts\":");
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
static void trace_one(trace_state *st, trace_buf *b, const trace_rec *r, long pid,
		      uint32_t flow, trace_stack *sk)
{
	const char *label = trace_label(st, TRACE_SITE(r->tag));
	uint32_t k = TRACE_KIND(r->tag);

	if (label == NULL) {
		b->failed = true; /* out of memory */
		return;
	}

	switch (k) {
	case HP_EV_SCOPE:
		trace_head(b, "X", "function", "", label, pid, r);
		trace_puts(b, ",\"dur\":");
		trace_us(b, trace_nest(sk, r->tid, r->ts, r->dur));
		break;
	case HP_EV_LOCK_WAIT:
	case HP_EV_LOCK_HOLD:
	case HP_EV_RLOCK_WAIT:
	case HP_EV_RLOCK_HOLD:
		trace_head(b, "X", "lock",
			   k == HP_EV_LOCK_WAIT ? "wait: " : k == HP_EV_LOCK_HOLD ? "hold: " :
			   k == HP_EV_RLOCK_WAIT ? "read wait: " : "read hold: ", label, pid, r);
		trace_puts(b, ",\"dur\":");
		trace_us(b, trace_nest(sk, r->tid, r->ts, r->dur));
		break;
	case HP_EV_FUTURE_POLL:
		trace_head(b, "X", "future", "poll: ", label, pid, r);
		trace_puts(b, ",\"dur\":");
		trace_us(b, trace_nest(sk, r->tid, r->ts, trace_span(st, r)));
		trace_puts(b, ",\"args\":{\"call\":");
		trace_i64(b, (uint32_t)r->dur);
		trace_putc(b, '}');
		break;
	default: /* HP_EV_CHAN_SEND, HP_EV_CHAN_RECV */
		trace_head(b, "X", "channel", k == HP_EV_CHAN_SEND ? "send: " : "recv: ", label,
			   pid, r);
		trace_puts(b, ",\"dur\":0,\"args\":{\"seq\":");
		trace_i64(b, (uint32_t)r->dur);
		trace_puts(b, ",\"bytes\":");
		trace_i64(b, (int64_t)(r->dur >> 32));
		trace_putc(b, '}');
		break;
	}
	trace_putc(b, '}');
	if (flow == 0)
		return;
	trace_head(b, k == HP_EV_CHAN_SEND ? "s" : "f", "channel", "", label, pid, r);
	trace_puts(b, ",\"id\":");
	trace_i64(b, flow);
	trace_puts(b, k == HP_EV_CHAN_SEND ? "}" : ",\"bp\":\"e\"}");
}

/* The thread tracks' names, one per thread that has events (order is
 * sorted by thread). */
static void trace_tracks(trace_buf *b, const trace_state *st, const trace_key *order, long pid)
{
	char name[64];

	for (size_t p = 0; p < st->n; p++) {
		uint32_t tid = order[p].tid;
		if (p > 0 && order[p - 1].tid == tid)
			continue;
		trace_thread_name(st, tid, name, sizeof(name));
		trace_meta(st->host, b, pid, tid, "thread_name", name);
	}
}

int hpi_trace_json(void *state, FILE *f, long pid, const char *process)
{
	trace_state *st = state;
	trace_key *order = malloc((st->n + 1) * sizeof(*order));
	uint32_t *flow = malloc((st->n + 1) * sizeof(*flow));
	trace_stack sk = {0};
	trace_buf b = { .data = NULL };
	long flows;
	int rv = HP_ENOMEM;

	if (order == NULL || flow == NULL)
		goto out;
	for (size_t i = 0; i < st->n; i++) {
		const trace_rec *r = trace_at(st, i);
		order[i] = (trace_key){r->ts, trace_span(st, r), r->tid, (uint32_t)i};
	}
	qsort(order, st->n, sizeof(*order), trace_cmp);
	if ((flows = trace_flows(st, order, flow)) < 0)
		goto out;
	trace_puts(&b, "{\"traceEvents\":[\n");
	trace_meta(st->host, &b, pid, (uint32_t)pid, "process_name", process);
	trace_tracks(&b, st, order, pid);
	for (size_t p = 0; p < st->n; p++) {
		trace_one(st, &b, trace_at(st, order[p].idx), pid, flow[p], &sk);
		trace_flush(&b, f, false);
	}
	trace_puts(&b, "\n],\n");
	trace_printf(&b, "\"displayTimeUnit\":\"ns\",\n\"otherData\":{\"generator\":"
			 "\"hotpath %s\",\"clock\":\"%s\",\"events\":%zu,\"dropped\":%llu,"
			 "\"buffer\":%zu,\"overflow\":\"%s\",\"flows\":%ld}}\n",
		     HP_VERSION_STRING, st->host->clock_name(), st->n,
		     (unsigned long long)st->dropped, st->max, st->ring ? "ring" : "stop",
		     flows);
	trace_flush(&b, f, true);
	rv = b.failed ? HP_ENOMEM : 0;
out:
	trace_labels_free(st);
	free(b.data);
	free(sk.end);
	free(order);
	free(flow);
	return rv;
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
	const hp_host *h = st->host;
	size_t len = strlen(st->path) + 32;
	char *tmp = malloc(len);
	FILE *f;
	int rv, err = 0;

	if (tmp == NULL)
		return HP_ENOMEM;
	snprintf(tmp, len, "%s.%ld.tmp", st->path, (long)getpid());
	if ((f = fopen(tmp, "w")) == NULL) {
		h->warn("trace", "cannot write \"%s\": %s", st->path, strerror(errno));
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
		/* hpi_trace_json fails only for want of memory */
		h->warn("trace", "cannot write \"%s\": %s", st->path,
			rv != 0 ? "out of memory" : strerror(err));
		unlink(tmp);
		free(tmp);
		return -1;
	}
	free(tmp);
	return 0;
}

/* ---- the plugin ------------------------------------------------------------ */

void *hpi_trace_new(const hp_host *host, size_t max_events, bool ring, const char *path)
{
	trace_state *st = calloc(1, sizeof(*st));

	if (st == NULL)
		return NULL;
	st->host = host;
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
	/* checked against trace_options: 1..100000000, ring (0) or stop (1) */
	bool ring = host->option_int(opts, "overflow", 0) == 0;
	const char *path = host->setting(opts, "report.trace_output");

	/* the program's stdout is its own, and a trace is no terminal text */
	if (path != NULL && (strcmp(path, "stdout") == 0 || strcmp(path, "stderr") == 0 ||
			     strcmp(path, "-") == 0)) {
		host->warn("report.trace_output", "the trace is a file, not \"%s\"; "
			   "writing trace.json", path);
		path = NULL;
	}
	*state = hpi_trace_new(host, (size_t)host->option_int(opts, "buffer", 1000000), ring,
			       path);
	if (*state == NULL) {
		*cause = strdup("out of memory");
		return HP_ENOMEM;
	}
	return 0;
}

/* The report-wide facts of a written trace, for readers of a saved report
 * (the HTML report links the timeline): trace_output (absolute path),
 * trace_events, trace_dropped. */
static void trace_facts(const trace_state *st, hp_snapshot *snap)
{
	char num[32], *abs = realpath(st->path, NULL);

	st->host->snapshot_meta(snap, "trace_output", abs ? abs : st->path);
	free(abs);
	snprintf(num, sizeof(num), "%zu", st->n);
	st->host->snapshot_meta(snap, "trace_events", num);
	snprintf(num, sizeof(num), "%llu", (unsigned long long)st->dropped);
	st->host->snapshot_meta(snap, "trace_dropped", num);
}

/* Resident bytes of the buffer's mapping (mincore), 0 when unknown. */
static uint64_t trace_resident(const trace_state *st)
{
	long pg = sysconf(_SC_PAGESIZE);
	size_t npages, k, chunk = 4096;
	unsigned char vec[4096];
	uint64_t res = 0;

	if (st->buf == NULL || pg <= 0)
		return 0;
	npages = (st->maplen + (size_t)pg - 1) / (size_t)pg;
	for (size_t i = 0; i < npages; i += k) {
		k = npages - i < chunk ? npages - i : chunk;
		if (mincore((char *)st->buf + i * (size_t)pg, k * (size_t)pg, vec) != 0)
			return 0;
		for (size_t j = 0; j < k; j++)
			res += vec[j] & 1;
	}
	return res * (uint64_t)pg;
}

/* ---- the timeline section ---------------------------------------------- */

/* The calls, lock waits and holds and polls the report's timeline keeps:
 * the longest, since a shorter one is under a pixel wide at any zoom that
 * shows a longer one (the whole trace stays in the file). */
#define TRACE_TIMELINE_MAX 10000

/* A timeline candidate: a kept record with its nested duration. */
typedef struct trace_span_ev {
	uint64_t ts, dur;
	uint32_t tag, tid;
} trace_span_ev;

static int trace_tl_longest(const void *a, const void *b)
{
	const trace_span_ev *x = a, *y = b;

	if (x->dur != y->dur)
		return x->dur > y->dur ? -1 : 1;
	if (x->tid != y->tid)
		return x->tid < y->tid ? -1 : 1;
	return x->ts < y->ts ? -1 : x->ts > y->ts;
}

static int trace_tl_order(const void *a, const void *b)
{
	const trace_span_ev *x = a, *y = b;

	if (x->tid != y->tid)
		return x->tid < y->tid ? -1 : 1;
	if (x->ts != y->ts)
		return x->ts < y->ts ? -1 : 1;
	return x->dur > y->dur ? -1 : x->dur < y->dur;
}

static const char *trace_kind_name(uint32_t k)
{
	switch (k) {
	case HP_EV_SCOPE:
		return "call";
	case HP_EV_LOCK_WAIT:
		return "lock wait";
	case HP_EV_LOCK_HOLD:
		return "lock hold";
	case HP_EV_RLOCK_WAIT:
		return "read lock wait";
	case HP_EV_RLOCK_HOLD:
		return "read lock hold";
	default:
		return "poll";
	}
}

/* The "timeline" section of the report (the HTML report draws it): one row
 * per kept span, by thread and start, with the durations the file has.
 * Meta timeline.spans: the spans in the buffer; timeline.kept: the rows. */
static int trace_timeline(trace_state *st, hp_snapshot *snap)
{
	const hp_host *h = st->host;
	trace_key *order = malloc((st->n + 1) * sizeof(*order));
	trace_span_ev *ev = malloc((st->n + 1) * sizeof(*ev));
	trace_stack sk = {0};
	size_t n = 0, spans;
	hp_section *sec = NULL;
	char name[64], num[32];
	uint32_t named = 0;
	int rv = HP_ENOMEM;

	if (order == NULL || ev == NULL)
		goto out;
	for (size_t i = 0; i < st->n; i++) {
		const trace_rec *r = trace_at(st, i);
		order[i] = (trace_key){r->ts, trace_span(st, r), r->tid, (uint32_t)i};
	}
	qsort(order, st->n, sizeof(*order), trace_cmp);
	/* the durations trace_one() writes: the same walk in the same order */
	for (size_t p = 0; p < st->n; p++) {
		const trace_rec *r = trace_at(st, order[p].idx);
		uint32_t k = TRACE_KIND(r->tag);
		uint64_t d;

		if (k == HP_EV_CHAN_SEND || k == HP_EV_CHAN_RECV)
			continue;
		d = trace_nest(&sk, r->tid, r->ts, k == HP_EV_FUTURE_POLL ? trace_span(st, r) : r->dur);
		ev[n++] = (trace_span_ev){r->ts, d, r->tag, r->tid};
	}
	spans = n;
	if (n > TRACE_TIMELINE_MAX) {
		qsort(ev, n, sizeof(*ev), trace_tl_longest);
		n = TRACE_TIMELINE_MAX;
	}
	qsort(ev, n, sizeof(*ev), trace_tl_order);
	rv = 0;
	if (n == 0) /* channel messages only: nothing to draw */
		goto out;
	rv = HP_ENOMEM;
	if ((sec = h->section_add(snap, "timeline", "Timeline")) == NULL)
		goto out;
	h->column_add(sec, "thread", "Thread", HP_UNIT_TEXT);
	h->column_add(sec, "tid", "TID", HP_UNIT_COUNT);
	h->column_add(sec, "name", "Name", HP_UNIT_TEXT);
	h->column_add(sec, "kind", "Kind", HP_UNIT_TEXT);
	h->column_add(sec, "start", "Start", HP_UNIT_NS);
	h->column_add(sec, "duration", "Duration", HP_UNIT_NS);
	for (size_t i = 0; i < n; i++) {
		const hp_site_info *si = h->site(TRACE_SITE(ev[i].tag));
		size_t r = h->row_add(sec);

		if (i == 0 || ev[i].tid != named) {
			trace_thread_name(st, ev[i].tid, name, sizeof(name));
			named = ev[i].tid;
		}
		h->cell_text(sec, r, 0, name);
		h->cell_int(sec, r, 1, ev[i].tid);
		h->cell_text(sec, r, 2, si && si->label ? si->label : "?");
		h->cell_text(sec, r, 3, trace_kind_name(TRACE_KIND(ev[i].tag)));
		h->cell_int(sec, r, 4, (int64_t)ev[i].ts);
		h->cell_int(sec, r, 5, (int64_t)ev[i].dur);
	}
	/* for JSON readers and the HTML report only, whole */
	h->meta_set(sec, "json.all", "1");
	h->meta_set(sec, "table.hide", "1");
	h->meta_set(sec, "console.hide", "1");
	h->meta_set(sec, "compare.hide", "1");
	snprintf(num, sizeof(num), "%zu", spans);
	h->meta_set(sec, "timeline.spans", num);
	snprintf(num, sizeof(num), "%zu", n);
	h->meta_set(sec, "timeline.kept", num);
	rv = 0;
out:
	free(sk.end);
	free(order);
	free(ev);
	return rv;
}

/* The "trace" section: where the file goes, events kept and dropped.  The
 * final snapshot (the report's) writes the file first. */
static int trace_snapshot(void *state, hp_snapshot *snap)
{
	trace_state *st = state;
	const hp_host *h = st->host;
	hp_section *sec;
	size_t r;

	if (h->final() && st->written == 0) {
		st->written = trace_write(st) == 0 ? 1 : -1;
		if (st->written > 0)
			trace_facts(st, snap);
		if (trace_timeline(st, snap) != 0)
			h->warn("trace", "out of memory: the report has no timeline");
		if (st->dropped > 0)
			h->warn("trace", "%llu events dropped past collectors.trace.buffer "
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
	h->column_add(sec, "memory", "Memory", HP_UNIT_BYTES);
	r = h->row_add(sec);
	h->cell_text(sec, r, 0, st->path);
	h->cell_text(sec, r, 1, st->written > 0 ? "written" : st->written < 0 ? "failed"
									  : "recording");
	h->cell_int(sec, r, 2, (int64_t)st->n);
	h->cell_int(sec, r, 3, (int64_t)st->dropped);
	h->cell_int(sec, r, 4, (int64_t)st->max);
	h->cell_text(sec, r, 5, st->ring ? "ring" : "stop");
	h->cell_int(sec, r, 6, (int64_t)trace_resident(st));
	return 0;
}

static void trace_fini(void *state)
{
	trace_state *st = state;

	if (st == NULL)
		return;
	if (st->buf != NULL)
		munmap(st->buf, st->maplen);
	free(st->names);
	free(st->path);
	free(st);
}

/* collectors.trace.* (the file is report.trace_output) */
static const hp_option trace_options[] = {
	{ .key = "enabled", .type = HP_OPT_BOOL, .dflt = "false", .env = "HOTPATH_TRACE",
	  .help = "The trace timeline: every measured call, lock wait and hold, channel message and future poll, written at report time as a Chrome Trace Event file for Perfetto ([trace.md](trace.md)); `hotpath run --trace`." },
	{ .key = "buffer", .type = HP_OPT_INT, .min = 1, .max = 100000000, .dflt = "1000000",
	  .env = "HOTPATH_TRACE_BUFFER", .help = "Events kept, 24 bytes each; the dropped count is in the file and one stderr line." },
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
		  HP_EV_BIT(HP_EV_LOCK_HOLD) | HP_EV_BIT(HP_EV_RLOCK_WAIT) |
		  HP_EV_BIT(HP_EV_RLOCK_HOLD) | HP_EV_BIT(HP_EV_CHAN_SEND) |
		  HP_EV_BIT(HP_EV_CHAN_RECV) | HP_EV_BIT(HP_EV_FUTURE_POLL) |
		  HP_EV_BIT(HP_EV_THREAD_EXIT),
	.init = trace_init,
	.on_event = trace_event,
	.snapshot = trace_snapshot,
	.fini = trace_fini,
	.on_events = trace_events,
	.options = trace_options,
};
