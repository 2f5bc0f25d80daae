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

#include "../flow.h" /* shared with streams and futures, plugin.h only */

#define WIN_MIN 1024
#define WIN_MAX (1u << 20)  /* messages in flight matched at once per label */

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
	char text[HPI_FLOW_TEXT_MAX + 1];
} chan_msg;

/* A label: its log holds chan_msg, and its channels are its sites.  A
 * drain pass can end between a thread's send and its text, so the text of
 * up to HPI_FLOW_TEXT_WAIT sends (one per thread) may still come. */
typedef struct chan_entry {
	hpi_flow_entry f;
	int type;
	uint64_t capacity;   /* per channel; 0 when unbounded */
	uint64_t sent, received, sent_bytes, recv_bytes;
	hp_hist *delay;
	chan_slot *win;
	size_t wcap;
	uint64_t unmatched;  /* window overflow: delays not measured */
} chan_entry;

/* A new label: its type, capacity and delay histogram. */
static int channels_entry_new(const hp_host *host, hpi_flow_entry *fe, const hp_site_info *info)
{
	chan_entry *e = (chan_entry *)fe;

	e->type = (int)(info->arg & 0xff);
	e->capacity = info->arg >> 8;
	return (e->delay = host->hist_new()) == NULL;
}

static void channels_entry_free(const hp_host *host, hpi_flow_entry *fe)
{
	chan_entry *e = (chan_entry *)fe;

	host->hist_free(e->delay);
	free(e->win);
}

static const hpi_flow_kind channels_flow = {
	.site_kind = HP_SITE_CHANNEL,
	.logs_key = "logs_limit",
	.entry_size = sizeof(chan_entry),
	.rec_size = sizeof(chan_msg),
	.text_wait = HPI_FLOW_TEXT_WAIT,
	.entry_new = channels_entry_new,
	.entry_free = channels_entry_free,
};

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
static void channels_delivered(hpi_flow *f, chan_entry *e, uint32_t log,
			       uint32_t seq, uint64_t sent, uint64_t recvd)
{
	uint64_t d = recvd > sent ? recvd - sent : 0;
	chan_msg *m;

	f->host->hist_add(e->delay, d);
	if (log != 0 && log - 1 < f->log_cap &&
	    (m = &((chan_msg *)e->f.log.rec)[log - 1])->seq == seq) {
		m->delay = d;
		m->delivered = 1;
	}
}

/* Logs a send, whose text may follow; returns 1 + its slot, or 0. */
static uint32_t channels_log(hpi_flow *f, chan_entry *e, const hp_event *ev,
			     uint32_t seq, uint64_t bytes)
{
	chan_msg *m = hpi_flow_log_add(f, &e->f);

	if (m == NULL)
		return 0;
	m->seq = seq;
	m->time = ev->time_ns;
	m->tid = ev->tid;
	m->bytes = bytes;
	hpi_flow_text_wait(f, &e->f, ev->tid, m->text);
	return (uint32_t)(m - (chan_msg *)e->f.log.rec) + 1;
}

static void channels_send(hpi_flow *f, chan_entry *e, const hp_event *ev)
{
	uint32_t seq = ev->msg.seq, log;
	uint64_t bytes = ev->msg.bytes;
	chan_slot *s;

	e->sent++;
	e->sent_bytes += bytes;
	log = channels_log(f, e, ev, seq, bytes);
	if (seq == 0 || (s = channels_slot(e, seq)) == NULL)
		return;
	if (s->state == 2) { /* its receive came first */
		channels_delivered(f, e, log, seq, ev->time_ns, s->time);
		s->state = 0;
		return;
	}
	s->seq = seq;
	s->state = 1;
	s->time = ev->time_ns;
	s->log = log;
}

static void channels_recv(hpi_flow *f, chan_entry *e, const hp_event *ev)
{
	uint32_t seq = ev->msg.seq;
	chan_slot *s;

	e->received++;
	e->recv_bytes += ev->msg.bytes;
	if (seq == 0 || (s = channels_slot(e, seq)) == NULL)
		return;
	if (s->state == 1) {
		channels_delivered(f, e, s->log, seq, s->time, ev->time_ns);
		s->state = 0;
		return;
	}
	s->seq = seq;
	s->state = 2;
	s->time = ev->time_ns;
	s->log = 0;
}

static void channels_event(void *state, const hp_event *ev)
{
	hpi_flow *f = state;
	hpi_flow_site *s = hpi_flow_site_get(f, ev->site);
	chan_entry *e;

	if (s == NULL)
		return;
	e = (chan_entry *)s->e;
	switch (ev->kind) {
	case HP_EV_CHAN_SEND:
		channels_send(f, e, ev);
		break;
	case HP_EV_CHAN_RECV:
		channels_recv(f, e, ev);
		break;
	case HP_EV_CHAN_CLOSE:
		hpi_flow_close(s);
		break;
	case HP_EV_TEXT_CHUNK: /* 8 more bytes of the text of this thread's last send */
		hpi_flow_text_add(&e->f, ev);
		break;
	default:
		break;
	}
}

static int channels_init(const hp_host *host, const hp_options *opts, void **state,
			 char **cause)
{
	(void)cause;
	return hpi_flow_new(&channels_flow, host, opts, state);
}

/* Most messages first, then label. */
static int channels_cmp(const void *a, const void *b)
{
	const chan_entry *x = *(chan_entry *const *)a, *y = *(chan_entry *const *)b;

	if (x->sent != y->sent)
		return x->sent > y->sent ? -1 : 1;
	return strcmp(x->f.label, y->f.label);
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
	if (e->f.sites != 0 && e->f.closed == e->f.sites)
		return "closed";
	if (e->capacity != 0 && e->type != HP_CHAN_UNBOUNDED &&
	    queued >= e->capacity * e->f.sites)
		return "full";
	return "active";
}

/* The columns, and the subset the table shows. */
static void channels_columns(const hp_host *h, hp_section *sec, const double *p, size_t np)
{
	char cols[1024] = "name,type,capacity,state,sent,received,"
			  "queued,queued_bytes,send_rate,recv_rate";

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
	hpi_flow_hist_columns(h, sec, "delay", "Delay", p, np, cols, sizeof(cols));
	h->meta_set(sec, "table.columns", cols);
}

/* A message's cells in its label's log. */
static void channels_log_cells(const hp_host *h, hp_section *log, size_t r, const void *rec,
			       void *u)
{
	const chan_msg *m = rec;

	(void)u;
	h->cell_int(log, r, 0, (int64_t)m->seq);
	h->cell_int(log, r, 1, (int64_t)m->time);
	h->cell_int(log, r, 2, (int64_t)m->tid);
	h->cell_int(log, r, 3, (int64_t)m->bytes);
	if (m->delivered)
		h->cell_int(log, r, 4, (int64_t)m->delay);
	if (m->text[0] != '\0')
		h->cell_text(log, r, 5, m->text);
}

/* The label's last messages, newest first. */
static void channels_log_rows(const hpi_flow *f, const chan_entry *e, hp_section *sec,
			      size_t row)
{
	static const hp_ring_col cols[] = {
		{ "seq", "Seq", HP_UNIT_COUNT }, { "time", "Time", HP_UNIT_NS },
		{ "tid", "Thread", HP_UNIT_COUNT }, { "bytes", "Bytes", HP_UNIT_BYTES },
		{ "delay", "Delay", HP_UNIT_NS }, { "message", "Message", HP_UNIT_TEXT },
		{ NULL, NULL, 0 },
	};

	hp_ring_log(f->host, sec, row, &e->f.log, sizeof(chan_msg), cols, HP_RING_NEWEST, 0,
		    channels_log_cells, NULL);
}

/* One row per label. */
static void channels_row(const hpi_flow *f, const chan_entry *e, hp_section *sec,
			 const double *p, size_t np, double secs)
{
	const hp_host *h = f->host;
	size_t r = h->row_add(sec), c = 0;
	uint64_t queued = e->sent > e->received ? e->sent - e->received : 0;
	uint64_t qbytes = e->sent_bytes > e->recv_bytes ? e->sent_bytes - e->recv_bytes : 0;

	h->cell_text(sec, r, c++, e->f.label);
	h->cell_text(sec, r, c++, channels_type(e->type));
	if (e->type != HP_CHAN_UNBOUNDED)
		h->cell_int(sec, r, c, (int64_t)e->capacity);
	c++;
	h->cell_text(sec, r, c++, channels_state_text(e, queued));
	h->cell_int(sec, r, c++, (int64_t)e->f.sites);
	h->cell_int(sec, r, c++, (int64_t)e->sent);
	h->cell_int(sec, r, c++, (int64_t)e->received);
	h->cell_int(sec, r, c++, (int64_t)queued);
	h->cell_int(sec, r, c++, (int64_t)qbytes);
	h->cell_int(sec, r, c++, (int64_t)e->sent_bytes);
	h->cell_real(sec, r, c++, secs > 0 ? (double)e->sent / secs : 0.0);
	h->cell_real(sec, r, c++, secs > 0 ? (double)e->received / secs : 0.0);
	hpi_flow_hist_cells(h, sec, r, c, e->delay, p, np);
	channels_log_rows(f, e, sec, r);
}

static int channels_snapshot(void *state, hp_snapshot *snap)
{
	hpi_flow *f = state;
	const hp_host *h = f->host;
	size_t np;
	const double *p = h->percentiles(&np);
	hp_section *sec;
	double secs = (double)h->elapsed_ns() / 1e9;

	if (f->n == 0)
		return 0; /* a program without channels gets no empty table */
	if ((sec = h->section_add(snap, "channels", "Channels")) == NULL)
		return HP_ENOMEM;
	channels_columns(h, sec, p, np);
	hpi_flow_sort(f, channels_cmp);
	for (size_t i = 0; i < f->n; i++)
		channels_row(f, (const chan_entry *)f->v[i], sec, p, np, secs);
	return 0;
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
	.fini = hpi_flow_free,
	.options = channels_options,
};
