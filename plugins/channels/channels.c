/* SPDX-License-Identifier: MIT */
/*
 * channels.c - the built-in channels plugin: per channel label, type,
 * capacity, state (active, full, closed), messages sent and received,
 * queued messages and bytes, send and receive rates, the delay from send
 * to receive (avg, percentiles, max) and a log of the last messages.  Fed
 * by the hp_channel_* probe and hp_chan (include/hotpath.h).
 *
 * Sends and receives are matched by the message's sequence number.  The
 * collector drains one thread at a time, so a receive may arrive before
 * its send: both wait in a window indexed by sequence.
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <hotpath/plugin.h> /* all it uses: it could be an external plugin */

#define WIN_MIN 1024
#define WIN_MAX (1u << 20)  /* messages in flight matched at once per label */
#define TEXT_MAX 32
#define TEXT_WAIT 8  /* sends whose text may still come, per label */

typedef struct chan_slot {
	uint64_t time;     /* ns of the send or receive waiting here */
	uint32_t seq;
	uint8_t state;     /* 0 empty, 1 a send waits, 2 a receive waits */
	uint32_t log;      /* 1 + log slot of the send, 0 when not logged */
} chan_slot;

typedef struct chan_msg {
	uint32_t seq;
	uint64_t time, tid, bytes, delay;
	int delivered;
	char text[TEXT_MAX + 1];
} chan_msg;

/* A logged send whose TEXT_CHUNK events may still come: a drain pass can
 * end between a thread's send and its text. */
typedef struct chan_text {
	uint64_t tid;
	uint32_t seq;
	uint32_t slot;   /* log slot */
	int fill;        /* text bytes written */
} chan_text;

typedef struct chan_entry {
	const char *label;   /* borrowed from the site registry */
	int type;
	uint64_t capacity;   /* per channel; 0 when unbounded */
	uint64_t channels, closed;
	uint64_t sent, received, sent_bytes, recv_bytes;
	hp_hist *delay;
	chan_slot *win;
	size_t wcap;
	uint64_t unmatched;  /* window overflow: delays not measured */
	chan_msg *log;       /* ring of the last log_cap sends */
	size_t log_head, log_n;
	chan_text text[TEXT_WAIT];
	unsigned text_next;  /* round robin */
} chan_entry;

typedef struct chan_site {
	chan_entry *e;
	int closed;
} chan_site;

typedef struct channels_state {
	const hp_host *host;
	size_t log_cap;
	chan_site *by_site;  /* index: site id */
	size_t nsites;
	chan_entry **v;
	size_t n, cap;
} channels_state;

/* The entry of a label, created on first sight. */
static chan_entry *channels_label(channels_state *st, const hp_site_info *info)
{
	chan_entry *e;

	if ((e = hp_plugin_label_find((void *const *)st->v, st->n, info->label)) != NULL)
		return e;
	if ((e = calloc(1, sizeof(*e))) == NULL)
		return NULL;
	if (st->log_cap && (e->log = calloc(st->log_cap, sizeof(*e->log))) == NULL) {
		free(e);
		return NULL;
	}
	e->label = info->label;
	e->type = (int)(info->arg & 0xff);
	e->capacity = info->arg >> 8;
	if ((e->delay = st->host->hist_new()) == NULL ||
	    !hp_plugin_push((void ***)&st->v, &st->n, &st->cap, e)) {
		st->host->hist_free(e->delay);
		free(e->log);
		free(e);
		return NULL;
	}
	return e;
}

/* The site record of an id; a new site is one more channel of its label. */
static chan_site *channels_site(channels_state *st, uint32_t id)
{
	const hp_site_info *info;

	if (!hp_plugin_grow(&st->by_site, &st->nsites, sizeof(*st->by_site), id))
		return NULL;
	if (st->by_site[id].e == NULL && (info = st->host->site(id)) != NULL &&
	    info->kind == HP_SITE_CHANNEL) {
		st->by_site[id].e = channels_label(st, info);
		if (st->by_site[id].e != NULL)
			st->by_site[id].e->channels++;
	}
	return st->by_site[id].e ? &st->by_site[id] : NULL;
}

/* Doubles the window; false at WIN_MAX or out of memory.  Live sequences
 * differ modulo the old size, so they differ modulo the new one. */
static bool channels_grow(chan_entry *e)
{
	size_t cap = e->wcap ? e->wcap * 2 : WIN_MIN;
	chan_slot *w;

	if (cap > WIN_MAX || (w = calloc(cap, sizeof(*w))) == NULL)
		return false;
	for (size_t i = 0; i < e->wcap; i++)
		if (e->win[i].state != 0)
			w[e->win[i].seq & (cap - 1)] = e->win[i];
	free(e->win);
	e->win = w;
	e->wcap = cap;
	return true;
}

/* The window slot for seq: free, or already holding seq. */
static chan_slot *channels_slot(chan_entry *e, uint32_t seq)
{
	chan_slot *s;

	for (;;) {
		if (e->wcap == 0 && !channels_grow(e))
			return NULL;
		s = &e->win[seq & (e->wcap - 1)];
		if (s->state == 0 || s->seq == seq)
			return s;
		if (!channels_grow(e)) {
			e->unmatched++; /* the older message's delay is lost */
			s->state = 0;
			return s;
		}
	}
}

/* A send and its receive met: the delay, and the send's log line. */
static void channels_delivered(channels_state *st, chan_entry *e, uint32_t log,
			       uint32_t seq, uint64_t sent, uint64_t recvd)
{
	uint64_t d = recvd > sent ? recvd - sent : 0;

	st->host->hist_add(e->delay, d);
	if (log != 0 && log - 1 < st->log_cap && e->log[log - 1].seq == seq) {
		e->log[log - 1].delay = d;
		e->log[log - 1].delivered = 1;
	}
}

/* The thread's next TEXT_CHUNK events belong to this send. */
static void channels_text_wait(chan_entry *e, uint64_t tid, uint32_t seq, uint32_t slot)
{
	chan_text *t = NULL;

	for (int i = 0; i < TEXT_WAIT; i++)
		if (e->text[i].tid == tid)
			t = &e->text[i];
	if (t == NULL)
		t = &e->text[e->text_next++ % TEXT_WAIT];
	t->tid = tid;
	t->seq = seq;
	t->slot = slot;
	t->fill = 0;
}

/* Logs a send; returns 1 + its slot, or 0. */
static uint32_t channels_log(channels_state *st, chan_entry *e, const hp_event *ev,
			     uint32_t seq, uint64_t bytes)
{
	size_t k = e->log_head;
	chan_msg *m;

	if (st->log_cap == 0)
		return 0;
	m = &e->log[k];
	memset(m, 0, sizeof(*m));
	m->seq = seq;
	m->time = ev->time_ns;
	m->tid = ev->tid;
	m->bytes = bytes;
	if (++e->log_head == st->log_cap)
		e->log_head = 0;
	if (e->log_n < st->log_cap)
		e->log_n++;
	channels_text_wait(e, ev->tid, seq, (uint32_t)k);
	return (uint32_t)k + 1;
}

static void channels_send(channels_state *st, chan_entry *e, const hp_event *ev)
{
	uint32_t seq = ev->msg.seq, log;
	uint64_t bytes = ev->msg.bytes;
	chan_slot *s;

	e->sent++;
	e->sent_bytes += bytes;
	log = channels_log(st, e, ev, seq, bytes);
	if (seq == 0 || (s = channels_slot(e, seq)) == NULL)
		return;
	if (s->state == 2) { /* its receive came first */
		channels_delivered(st, e, log, seq, ev->time_ns, s->time);
		s->state = 0;
		return;
	}
	s->seq = seq;
	s->state = 1;
	s->time = ev->time_ns;
	s->log = log;
}

static void channels_recv(channels_state *st, chan_entry *e, const hp_event *ev)
{
	uint32_t seq = ev->msg.seq;
	chan_slot *s;

	e->received++;
	e->recv_bytes += ev->msg.bytes;
	if (seq == 0 || (s = channels_slot(e, seq)) == NULL)
		return;
	if (s->state == 1) {
		channels_delivered(st, e, s->log, seq, s->time, ev->time_ns);
		s->state = 0;
		return;
	}
	s->seq = seq;
	s->state = 2;
	s->time = ev->time_ns;
	s->log = 0;
}

/* 8 more bytes of the text of this thread's last send. */
static void channels_text(channels_state *st, chan_entry *e, const hp_event *ev)
{
	chan_text *t = NULL;
	chan_msg *m;

	for (int i = 0; i < TEXT_WAIT; i++)
		if (e->text[i].tid == ev->tid)
			t = &e->text[i];
	if (t == NULL || t->slot >= st->log_cap || (m = &e->log[t->slot])->seq != t->seq)
		return; /* not logged, or the log moved on */
	for (int k = 0; k < 8 && t->fill < TEXT_MAX; k++)
		m->text[t->fill++] = ev->text[k];
}

static void channels_event(void *state, const hp_event *ev)
{
	channels_state *st = state;
	chan_site *s = channels_site(st, ev->site);

	if (s == NULL)
		return;
	switch (ev->kind) {
	case HP_EV_CHAN_SEND:
		channels_send(st, s->e, ev);
		break;
	case HP_EV_CHAN_RECV:
		channels_recv(st, s->e, ev);
		break;
	case HP_EV_CHAN_CLOSE:
		if (!s->closed) {
			s->closed = 1;
			s->e->closed++;
		}
		break;
	case HP_EV_TEXT_CHUNK:
		channels_text(st, s->e, ev);
		break;
	default:
		break;
	}
}

static int channels_init(const hp_host *host, const hp_options *opts, void **state,
			 char **cause)
{
	channels_state *st = calloc(1, sizeof(*st));
	long long cap = host->option_int(opts, "logs_limit", 50);

	(void)cause;
	if (st == NULL)
		return HP_ENOMEM;
	st->host = host;
	st->log_cap = cap > 0 ? (size_t)cap : 0;
	if (st->log_cap > 0)
		host->want_text(1);
	*state = st;
	return 0;
}

/* Most messages first, then label. */
static int channels_cmp(const void *a, const void *b)
{
	const chan_entry *x = *(chan_entry *const *)a, *y = *(chan_entry *const *)b;

	if (x->sent != y->sent)
		return x->sent > y->sent ? -1 : 1;
	return strcmp(x->label, y->label);
}

static const char *channels_type(int type)
{
	switch (type) {
	case HP_CHAN_BOUNDED:
		return "bounded";
	case HP_CHAN_UNBOUNDED:
		return "unbounded";
	case HP_CHAN_ONESHOT:
		return "oneshot";
	default:
		return "?";
	}
}

/* closed when every channel of the label is; full when the queue holds
 * the capacity of all of them. */
static const char *channels_state_text(const chan_entry *e, uint64_t queued)
{
	if (e->channels != 0 && e->closed == e->channels)
		return "closed";
	if (e->capacity != 0 && e->type != HP_CHAN_UNBOUNDED &&
	    queued >= e->capacity * e->channels)
		return "full";
	return "active";
}

/* The columns, and the subset the table shows. */
static void channels_columns(const hp_host *h, hp_section *sec, const double *p, size_t np)
{
	char key[40], t[40];
	char cols[1024];
	size_t o;

	h->column_add(sec, "name", "Channel", HP_UNIT_TEXT);
	h->column_add(sec, "type", "Type", HP_UNIT_TEXT);
	h->column_add(sec, "capacity", "Capacity", HP_UNIT_COUNT);
	h->column_add(sec, "state", "State", HP_UNIT_TEXT);
	h->column_add(sec, "channels", "Channels", HP_UNIT_COUNT);
	h->column_add(sec, "sent", "Sent", HP_UNIT_COUNT);
	h->column_add(sec, "received", "Received", HP_UNIT_COUNT);
	h->column_add(sec, "queued", "Queued", HP_UNIT_COUNT);
	h->column_add(sec, "queued_bytes", "Queued bytes", HP_UNIT_BYTES);
	h->column_add(sec, "sent_bytes", "Sent bytes", HP_UNIT_BYTES);
	h->column_add(sec, "send_rate", "Send rate", HP_UNIT_RATE);
	h->column_add(sec, "recv_rate", "Recv rate", HP_UNIT_RATE);
	h->column_add(sec, "delay_avg", "Delay avg", HP_UNIT_NS);
	o = (size_t)snprintf(cols, sizeof(cols), "name,type,capacity,state,sent,received,"
			     "queued,queued_bytes,send_rate,recv_rate,delay_avg");
	for (size_t i = 0; i < np; i++) {
		snprintf(key, sizeof(key), "delay_p%g", p[i]);
		snprintf(t, sizeof(t), "Delay P%g", p[i]);
		h->column_add(sec, key, t, HP_UNIT_NS);
		if (o < sizeof(cols))
			o += (size_t)snprintf(cols + o, sizeof(cols) - o, ",%s", key);
	}
	h->column_add(sec, "delay_max", "Delay max", HP_UNIT_NS);
	h->meta_set(sec, "table.columns", cols);
}

/* The label's last messages, newest first. */
static void channels_log_rows(channels_state *st, const chan_entry *e, hp_section *sec,
			      size_t row)
{
	const hp_host *h = st->host;
	hp_section *log;

	if (e->log_n == 0 || (log = h->row_log(sec, row)) == NULL)
		return;
	h->column_add(log, "seq", "Seq", HP_UNIT_COUNT);
	h->column_add(log, "time", "Time", HP_UNIT_NS);
	h->column_add(log, "tid", "Thread", HP_UNIT_COUNT);
	h->column_add(log, "bytes", "Bytes", HP_UNIT_BYTES);
	h->column_add(log, "delay", "Delay", HP_UNIT_NS);
	h->column_add(log, "message", "Message", HP_UNIT_TEXT);
	for (size_t i = 0; i < e->log_n; i++) {
		size_t k = (e->log_head + st->log_cap - 1 - i) % st->log_cap;
		const chan_msg *m = &e->log[k];
		size_t r = h->row_add(log);
		h->cell_int(log, r, 0, (int64_t)m->seq);
		h->cell_int(log, r, 1, (int64_t)m->time);
		h->cell_int(log, r, 2, (int64_t)m->tid);
		h->cell_int(log, r, 3, (int64_t)m->bytes);
		if (m->delivered)
			h->cell_int(log, r, 4, (int64_t)m->delay);
		if (m->text[0] != '\0')
			h->cell_text(log, r, 5, m->text);
	}
}

/* One row per label. */
static void channels_row(channels_state *st, const chan_entry *e, hp_section *sec,
			 const double *p, size_t np, double secs)
{
	const hp_host *h = st->host;
	size_t r = h->row_add(sec), c = 0;
	uint64_t queued = e->sent > e->received ? e->sent - e->received : 0;
	uint64_t qbytes = e->sent_bytes > e->recv_bytes ? e->sent_bytes - e->recv_bytes : 0;

	h->cell_text(sec, r, c++, e->label);
	h->cell_text(sec, r, c++, channels_type(e->type));
	if (e->type != HP_CHAN_UNBOUNDED)
		h->cell_int(sec, r, c, (int64_t)e->capacity);
	c++;
	h->cell_text(sec, r, c++, channels_state_text(e, queued));
	h->cell_int(sec, r, c++, (int64_t)e->channels);
	h->cell_int(sec, r, c++, (int64_t)e->sent);
	h->cell_int(sec, r, c++, (int64_t)e->received);
	h->cell_int(sec, r, c++, (int64_t)queued);
	h->cell_int(sec, r, c++, (int64_t)qbytes);
	h->cell_int(sec, r, c++, (int64_t)e->sent_bytes);
	h->cell_real(sec, r, c++, secs > 0 ? (double)e->sent / secs : 0.0);
	h->cell_real(sec, r, c++, secs > 0 ? (double)e->received / secs : 0.0);
	if (h->hist_count(e->delay) != 0) {
		h->cell_int(sec, r, c, (int64_t)(h->hist_sum(e->delay) / h->hist_count(e->delay)));
		for (size_t i = 0; i < np; i++)
			h->cell_int(sec, r, c + 1 + i,
				    (int64_t)h->hist_percentile(e->delay, p[i]));
		h->cell_int(sec, r, c + 1 + np, (int64_t)h->hist_percentile(e->delay, 100));
	}
	channels_log_rows(st, e, sec, r);
}

static int channels_snapshot(void *state, hp_snapshot *snap)
{
	channels_state *st = state;
	const hp_host *h = st->host;
	size_t np;
	const double *p = h->percentiles(&np);
	hp_section *sec;
	double secs = (double)h->elapsed_ns() / 1e9;

	if (st->n == 0)
		return 0; /* a program without channels gets no empty table */
	if ((sec = h->section_add(snap, "channels", "Channels")) == NULL)
		return HP_ENOMEM;
	channels_columns(h, sec, p, np);
	if (st->n > 1)
		qsort(st->v, st->n, sizeof(*st->v), channels_cmp);
	for (size_t i = 0; i < st->n; i++)
		channels_row(st, st->v[i], sec, p, np, secs);
	return 0;
}

static void channels_fini(void *state)
{
	channels_state *st = state;

	if (st == NULL)
		return;
	if (st->log_cap > 0)
		st->host->want_text(0);
	for (size_t i = 0; i < st->n; i++) {
		st->host->hist_free(st->v[i]->delay);
		free(st->v[i]->win);
		free(st->v[i]->log);
		free(st->v[i]);
	}
	free(st->v);
	free(st->by_site);
	free(st);
}

/* collectors.channels.*; streams and futures read its logs_limit too. */
static const hp_option channels_options[] = {
	{ .key = "enabled", .type = HP_OPT_BOOL, .dflt = "true",
	  .help = "Channel statistics." },
	{ .key = "logs_limit", .type = HP_OPT_INT, .min = 0, .max = 100000, .dflt = "50",
	  .env = "HOTPATH_LOGS_LIMIT",
	  .help = "Messages kept per channel, items per stream, calls per future "
		  "([channels.md](channels.md)); 0 turns logs and formatters off." },
	{ .key = NULL },
};

const hp_plugin_ops hpi_channels_plugin = {
	.abi = HP_PLUGIN_ABI,
	.size = sizeof(hp_plugin_ops),
	.name = "channels",
	.description = "per channel: sent, received, queued, rates, send-to-receive delay",
	.events = HP_EV_BIT(HP_EV_CHAN_SEND) | HP_EV_BIT(HP_EV_CHAN_RECV) |
		  HP_EV_BIT(HP_EV_CHAN_CLOSE) | HP_EV_BIT(HP_EV_TEXT_CHUNK),
	.init = channels_init,
	.on_event = channels_event,
	.snapshot = channels_snapshot,
	.fini = channels_fini,
	.options = channels_options,
};
