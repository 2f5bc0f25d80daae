/* SPDX-License-Identifier: MIT */
/*
 * trace_write.c - what the trace plugin (trace.c) writes on the reporting
 * thread: the Chrome Trace Event file (trace.json: one track per thread,
 * channel sends joined to their receives by flow arrows), written whole
 * under a temporary name and renamed, and the report's "timeline" section
 * (the longest spans, with the durations the file has).  docs/trace.md.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE /* program_invocation_short_name */
#endif

#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <hotpath/plugin.h> /* all it uses: it could be an external plugin */

#include "trace.h"

#define TRACE_NEST_SLACK 2   /* ns a call may overrun its caller by rounding */
#define TRACE_FLUSH (1 << 16) /* JSON bytes gathered before each fwrite */

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

/* ---- the JSON file (reporting thread) ------------------------------------- */

/* Site id's label as a JSON string, escaped once per site; "\"?\"" for an
 * unknown site. */
static const char *trace_label(hpi_trace_state *st, uint32_t site)
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
static void trace_labels_free(hpi_trace_state *st)
{
	for (size_t i = 0; i < st->nlabels; i++)
		free(st->labels[i]);
	free(st->labels);
	st->labels = NULL;
	st->nlabels = 0;
}

/* The i-th kept record, oldest first. */
static const hpi_trace_rec *trace_at(const hpi_trace_state *st, size_t i)
{
	size_t k = st->n == st->max && st->ring ? (st->head + i) % st->max : i;

	return &st->buf[k];
}

/* A record's span: channel events have none. */
static uint64_t trace_span(const hpi_trace_state *st, const hpi_trace_rec *r)
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
static long trace_flows(const hpi_trace_state *st, const trace_key *order, uint32_t *flow)
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
		const hpi_trace_rec *x = trace_at(st, order[p].idx);
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
static void trace_thread_name(const hpi_trace_state *st, uint32_t tid, char *out, size_t len)
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
		       const char *label, long pid, const hpi_trace_rec *r)
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
static void trace_one(hpi_trace_state *st, trace_buf *b, const hpi_trace_rec *r, long pid,
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
static void trace_tracks(trace_buf *b, const hpi_trace_state *st, const trace_key *order, long pid)
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
	hpi_trace_state *st = state;
	trace_key *order = malloc((st->n + 1) * sizeof(*order));
	uint32_t *flow = malloc((st->n + 1) * sizeof(*flow));
	trace_stack sk = {0};
	trace_buf b = { .data = NULL };
	long flows;
	int rv = HP_ENOMEM;

	if (order == NULL || flow == NULL)
		goto out;
	for (size_t i = 0; i < st->n; i++) {
		const hpi_trace_rec *r = trace_at(st, i);
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
int hpi_trace_write(hpi_trace_state *st)
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
int hpi_trace_timeline(hpi_trace_state *st, hp_snapshot *snap)
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
		const hpi_trace_rec *r = trace_at(st, i);
		order[i] = (trace_key){r->ts, trace_span(st, r), r->tid, (uint32_t)i};
	}
	qsort(order, st->n, sizeof(*order), trace_cmp);
	/* the durations trace_one() writes: the same walk in the same order */
	for (size_t p = 0; p < st->n; p++) {
		const hpi_trace_rec *r = trace_at(st, order[p].idx);
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
