/* SPDX-License-Identifier: MIT */
/*
 * publish.c - live metrics over nng (docs/wire.md): a PUB socket that sends
 * each changed section every publish.interval_ms and a hello every second,
 * and a REP socket that answers JSON queries.
 *
 * Everything here runs on the collector thread (hpi_publish_tick after each
 * pass), the only thread that may touch plugin state, so snapshots need no
 * lock.  Sends never block: a message that cannot be queued is dropped and
 * counted.  Each snapshot taken is handed to the query thread
 * (publish_query.c), which answers queries from it and frees it.
 * This file: the snapshot, the section and hello messages, the tick, start
 * and stop; the queries are in publish_query.c, the sockets in
 * publish_net.c (publish.h).
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <nng/nng.h>

#include "hpi.h"
#include "collector.h"
#include "discover.h"
#include "metrics.h"
#include "registry.h"
#include "publish.h"
#include "tbuf.h"

static void publish_describe(hpi_publisher *p, const hp_snapshot *s);

/* The counts a hello or a reply carries, brought up to date. */
void hpi_pub_info_counts(hpi_publisher *p)
{
	p->info.sent = p->seq;
	p->info.dropped = p->dropped +
		(p->qs != NULL ? __atomic_load_n(&p->qs->lost, __ATOMIC_RELAXED) : 0);
	p->info.refused = hpi_pub_refused(p);
	if (p->qs != NULL)
		p->info.refused_queries = __atomic_load_n(&p->qs->refused, __ATOMIC_RELAXED);
}

/* Snapshot s, taken at now, handed to the query thread (which frees it), or
 * freed when no thread answers queries. */
static void publish_keep(hpi_publisher *p, hp_snapshot *s, uint64_t now)
{
	hpi_pub_info_counts(p);
	if (hpi_pub_offer(p->qs, s, true, &p->info))
		;
	else if (p->own && p->have_rep) { /* answered on the collector (sp.c) */
		hpi_snapshot_free(p->last);
		p->last = s;
	} else
		hpi_snapshot_free(s);
	p->last_ns = now;
}

/* ---- the publisher ------------------------------------------------------- */

/* FNV-1a, to see whether a section changed. */
static uint64_t publish_hash(const char *s, size_t n)
{
	uint64_t h = 0xcbf29ce484222325ull, w;
	size_t i;

	/* eight bytes a step: a tick hashes every section it renders */
	for (i = 0; i + 8 <= n; i += 8) {
		memcpy(&w, s + i, 8);
		h = (h ^ w) * 0x100000001b3ull;
		h ^= h >> 32;
	}
	for (; i < n; i++)
		h = (h ^ (unsigned char)s[i]) * 0x100000001b3ull;
	return h;
}

/* The snapshot every consumer reads, with the report-wide facts. */
static hp_snapshot *publish_snapshot(hpi_publisher *p)
{
	hp_snapshot *s = hpi_snapshot_new();
	hpi_facts f = {.caller = p->info.caller, .program = p->info.program,
		       .pid = p->info.pid, .start_unix_ns = p->info.unix0_ns,
		       .elapsed_ns = hpi_mono_ns() - p->info.mono0_ns};

	if (s == NULL)
		return NULL;
	hpi_snapshot_facts(s, &f);
	if (p->reg != NULL) /* a test's or benchmark's publisher: none */
		hpi_registry_snapshot(p->reg, s);
	return s;
}

/* Sends "<topic> <body>" without blocking; a message that cannot be
 * queued is counted as dropped. */
static void publish_send(hpi_publisher *p, const char *topic, const hpi_buf *body)
{
	size_t tl = strlen(topic);
	char *msg;

	if (body->failed || body->data == NULL || (msg = malloc(tl + 1 + body->len)) == NULL) {
		p->dropped++;
		return;
	}
	memcpy(msg, topic, tl);
	msg[tl] = ' ';
	memcpy(msg + tl + 1, body->data, body->len);
	if (p->own ? hpi_sp_send(p->sp[0], msg, tl + 1 + body->len) == 0
		   : nng_send(p->pub, msg, tl + 1 + body->len, NNG_FLAG_NONBLOCK) == 0)
		p->seq++;
	else
		p->dropped++;
	free(msg);
}

/* The remembered hash of section id (added when new); NULL on ENOMEM. */
static hpi_pub_seen *publish_seen_get(hpi_publisher *p, const char *id)
{
	hpi_pub_seen *v;

	for (size_t i = 0; i < p->nseen; i++)
		if (strcmp(p->seen[i].id, id) == 0)
			return &p->seen[i];
	if ((v = realloc(p->seen, (p->nseen + 1) * sizeof(*v))) == NULL)
		return NULL;
	p->seen = v;
	v = &p->seen[p->nseen];
	if ((v->id = strdup(id)) == NULL)
		return NULL;
	v->hash = 0;
	p->nseen++;
	return v;
}

/* Queues msg[0..len) (topic, space, body) without blocking; a message
 * that cannot be queued is counted as dropped. */
static void publish_queue(hpi_publisher *p, const char *msg, size_t len)
{
	nng_msg *m;

	if (p->own) {
		if (hpi_sp_send(p->sp[0], msg, len) == 0)
			p->seq++;
		else
			p->dropped++;
		return;
	}
	if (nng_msg_alloc(&m, len) != 0) {
		p->dropped++;
		return;
	}
	memcpy(nng_msg_body(m), msg, len);
	if (nng_sendmsg(p->pub, m, NNG_FLAG_NONBLOCK) == 0) {
		p->seq++;
	} else {
		nng_msg_free(m);
		p->dropped++;
	}
}

/* One section's message, "<id> {...,\"report\":...}", written whole into
 * the publisher's buffer (kept from tick to tick: a 10,000-row section is
 * megabytes, and a fresh buffer would fault every page in again), and
 * queued when its report changed or refresh is set. */
static void publish_section(hpi_publisher *p, const hp_section *sec, hpi_pub_seen *seen,
			    bool refresh)
{
	hpi_buf *b = &p->msg;
	size_t at;
	uint64_t h;

	b->len = 0;
	b->failed = false;
	hpi_buf_puts(b, sec->id);
	hpi_buf_printf(b, " {\"type\":\"hotpath_section\",\"schema\":%d,\"topic\":",
		       HPI_WIRE_SCHEMA);
	hpi_buf_json_str(b, sec->id);
	hpi_buf_printf(b, ",\"pid\":%ld,\"seq\":%llu,\"elapsed_ns\":%llu,\"report\":",
		       p->info.pid, (unsigned long long)p->seq,
		       (unsigned long long)(hpi_mono_ns() - p->info.mono0_ns));
	at = b->len;
	hpi_wire_section(b, sec, &p->info);
	hpi_buf_putc(b, '}');
	if (b->failed || b->data == NULL) {
		p->dropped++;
		hpi_buf_fini(b); /* memory is short: give it back */
		return;
	}
	/* the report alone: seq and elapsed_ns change every time */
	h = publish_hash(b->data + at, b->len - 1 - at);
	if (h == seen->hash && !refresh)
		return;
	seen->hash = h;
	publish_queue(p, b->data, b->len);
}

void hpi_publish_sections(hpi_publisher *p, const hp_snapshot *s, bool refresh)
{
	for (size_t i = 0; i < s->nsecs; i++) {
		const hp_section *sec = s->secs[i];
		hpi_pub_seen *seen;
		if (sec->id == NULL || (seen = publish_seen_get(p, sec->id)) == NULL)
			continue;
		publish_section(p, sec, seen, refresh);
	}
}

void hpi_publish_tick(hpi_publisher *p)
{
	uint64_t now;
	bool hello, sections, refresh, asked;
	hp_snapshot *s;
	size_t subs;

	if (p == NULL)
		return;
	now = hpi_mono_ns();
	subs = hpi_pub_subscribers(p);
	if (subs > p->subs)
		/* a newcomer gets hello and every section at once */
		p->next_hello = p->next_pub = p->next_refresh = now;
	p->subs = subs;
	if (now >= p->next_valve) {
		/* with no subscriber too: connections that never finish their
		 * handshake are no pipes */
		hpi_pub_fd_valve(p);
		p->next_valve = now + PUBLISH_HELLO_NS;
	}
	hello = now >= p->next_hello;
	sections = subs > 0 && now >= p->next_pub;
	/* a query found the last snapshot too old (publish_query.c) */
	asked = subs == 0 && now >= p->next_asked && hpi_pub_asked(p);
	if (subs == 0 && (hello || asked)) {
		/* nobody listens: nothing rendered or sent.  A snapshot every
		 * 5 s brings the description's sections up to date; queries
		 * get one when theirs is older than a second (or the
		 * interval), within a quarter of the collector's time */
		if ((s = publish_snapshot(p)) != NULL) {
			publish_describe(p, s);
			publish_keep(p, s, now);
		}
		/* one for queries stands for the 5-s one too: a flood adds
		 * none while snapshots take long (4x their time apart) */
		p->next_hello = now + PUBLISH_DESCRIBE_NS;
		p->next_asked = now + (hpi_mono_ns() - now) * 4;
	} else if ((hello || sections) && (s = publish_snapshot(p)) != NULL) {
		if (hello) {
			hpi_buf b;
			hpi_buf_init(&b);
			hpi_pub_info_counts(p);
			hpi_publish_hello(&b, s, &p->info);
			publish_send(p, "hello", &b);
			hpi_buf_fini(&b);
			publish_describe(p, s);
			p->next_hello = now + PUBLISH_HELLO_NS;
		}
		if (sections) {
			uint64_t spent;
			refresh = now >= p->next_refresh;
			hpi_publish_sections(p, s, refresh);
			if (refresh)
				p->next_refresh = now + PUBLISH_REFRESH_NS;
			/* at most a quarter of the collector's time with the
			 * queries answered here since the last time: with very
			 * many rows the interval stretches rather than the
			 * drain falling behind */
			spent = hpi_mono_ns() - now + p->query_ns;
			p->next_pub = now + (spent * 4 > p->interval_ns ? spent * 4 : p->interval_ns);
			p->query_ns = 0;
		}
		publish_keep(p, s, now); /* queries now read this one */
	}
	hpi_pub_serve_collector(p);
}

/* Whether an endpoint setting means "no socket". */
static bool publish_off(const char *url)
{
	return url == NULL || *url == '\0' || strcmp(url, "off") == 0;
}

/* Copies the caller's facts into p (strings owned by p). */
static bool publish_info_copy(hpi_publish_info *d, const hpi_publish_info *in)
{
	char host[256];

	*d = *in;
	if (gethostname(host, sizeof(host)) != 0)
		strcpy(host, "?");
	host[sizeof(host) - 1] = '\0';
	d->program = strdup(in->program ? in->program : "?");
	d->caller = strdup(in->caller ? in->caller : "?");
	d->host = strdup(host);
	d->endpoint = strdup(in->endpoint ? in->endpoint : "");
	d->query = in->query ? strdup(in->query) : NULL;
	if (in->npcts > HPI_MAX_PCTS)
		d->npcts = HPI_MAX_PCTS;
	if (d->npcts > 0 && in->pcts != NULL)
		memcpy(d->pctbuf, in->pcts, d->npcts * sizeof(double));
	d->pcts = d->pctbuf;
	return d->program && d->caller && d->host && d->endpoint && (in->query == NULL || d->query);
}

/* Frees what publish_info_copy made. */
static void publish_info_free(hpi_publish_info *d)
{
	free((char *)d->program);
	free((char *)d->caller);
	free((char *)d->host);
	free((char *)d->endpoint);
	free((char *)d->query);
}

/* The process that first used nng: nng panics if a fork child uses it. */
static pid_t publish_nng_pid;

/* Whether an endpoint setting means "an ipc socket of our own in the
 * discovery folder" (the default). */
static bool publish_auto(const char *url)
{
	return url != NULL && strcmp(url, "auto") == 0;
}

/* Writes our description (with s's section ids when s is not NULL) when it
 * is new or its sections changed; a failure is said once. */
static void publish_describe(hpi_publisher *p, const hp_snapshot *s)
{
	const char *ids[256];
	hpi_program d = {.pid = p->info.pid, .program = (char *)p->info.program,
			 .caller = (char *)p->info.caller, .start_unix_ns = p->info.unix0_ns,
			 .endpoint = p->pub_url, .query = p->have_rep ? p->rep_url : NULL,
			 .sections = (char **)ids};
	uint64_t h = 0x9e3779b97f4a7c15ull;
	char *cause = NULL;

	if (p->dir == NULL)
		return;
	for (size_t i = 0; s != NULL && i < s->nsecs && d.nsections < 256; i++)
		if (s->secs[i]->id != NULL) {
			ids[d.nsections++] = s->secs[i]->id;
			h = publish_hash(s->secs[i]->id, strlen(s->secs[i]->id)) ^ (h * 31);
		}
	if (h == p->sections_hash)
		return;
	p->sections_hash = h;
	d.proc_start = hpi_discover_proc_start(d.pid);
	if (hpi_discover_write(p->dir, &d, &cause) != 0) {
		hpi_warn("publish: %s; not listed by hotpath ls", cause);
		free(cause);
		free(p->dir);
		p->dir = NULL;
	}
}

/* Frees a publisher that has no sockets open. */
static void publish_free(hpi_publisher *p)
{
	hpi_pub_cap_free(p->caps[0]);
	hpi_pub_cap_free(p->caps[1]);
	publish_info_free(&p->info);
	free(p->tls.tls_cert);
	free(p->tls.tls_key);
	free(p->tls.tls_ca);
	free(p->dir);
	free(p->pub_url);
	free(p->rep_url);
	hpi_buf_fini(&p->msg);
	free(p);
}

/* The discovery folder (made 0700 when missing) and the URLs to bind:
 * false after one hpi_warn line when nothing can be published. */
static bool publish_urls(hpi_publisher *p, const hpi_config *c)
{
	bool pauto = publish_auto(c->endpoint), qauto = publish_auto(c->query);
	char *cause = NULL;

	if ((p->dir = hpi_discover_dir()) == NULL ||
	    hpi_discover_prepare(p->dir, true, &cause) != 0) {
		hpi_warn("publish: %s; %s", cause ? cause : "out of memory",
			 pauto ? "running without publishing" : "not listed by hotpath ls");
		free(cause);
		free(p->dir);
		p->dir = NULL;
		if (pauto)
			return false;
	}
	p->pub_url = pauto ? hpi_asprintf("ipc://%s/%ld.pub", p->dir, p->info.pid)
			   : strdup(c->endpoint);
	if (publish_off(c->query) || (qauto && p->dir == NULL))
		p->rep_url = NULL;
	else if ((p->rep_url = qauto ? hpi_asprintf("ipc://%s/%ld.query", p->dir, p->info.pid)
				     : strdup(c->query)) == NULL)
		p->pub_url = (free(p->pub_url), NULL);
	if (p->pub_url == NULL) {
		hpi_warn("out of memory; not publishing");
		return false;
	}
	return true;
}

/* A fork child's endpoints: ipc sockets of its own in the discovery
 * folder, whatever the parent's (its tcp port or TLS are the parent's). */
static bool publish_own_urls(hpi_publisher *p, const hpi_config *c)
{
	char *cause = NULL;

	if ((p->dir = hpi_discover_dir()) == NULL ||
	    hpi_discover_prepare(p->dir, true, &cause) != 0) {
		hpi_warn("publish: %s; running without publishing", cause ? cause : "out of memory");
		free(cause);
		return false;
	}
	p->pub_url = hpi_asprintf("ipc://%s/%ld.pub", p->dir, p->info.pid);
	if (!publish_off(c->query))
		p->rep_url = hpi_asprintf("ipc://%s/%ld.query", p->dir, p->info.pid);
	if (p->pub_url == NULL || (!publish_off(c->query) && p->rep_url == NULL)) {
		hpi_warn("out of memory; not publishing");
		return false;
	}
	return true;
}

/* Listens on a fork child's own endpoints (sp.c); p->sp[0] stays NULL
 * after one hpi_warn line when nothing can be published. */
static void publish_own_listen(hpi_publisher *p, const hpi_config *c)
{
	size_t max = c->publish_max_connections > 0 ? (size_t)c->publish_max_connections : 32;
	const char *why = NULL;

	if ((p->sp[0] = hpi_sp_listen(p->pub_url, HPI_SP_PUB, max, &why)) == NULL) {
		hpi_warn("publish.endpoint: cannot listen on \"%s\": %s; running without publishing",
			 p->pub_url, why);
		return;
	}
	if (p->rep_url == NULL)
		return;
	if ((p->sp[1] = hpi_sp_listen(p->rep_url, HPI_SP_REP, max, &why)) != NULL)
		p->have_rep = true;
	else
		hpi_warn("publish.query: cannot listen on \"%s\": %s; no queries answered",
			 p->rep_url, why);
}

hpi_publisher *hpi_publish_start(const hpi_config *c, struct hpi_registry *r,
				 const hpi_publish_info *info)
{
	hpi_publisher *p;
	hpi_publish_info in = *info;
	const char *why = NULL;

	if (publish_off(c->endpoint))
		return NULL;
	if ((p = calloc(1, sizeof(*p))) == NULL)
		return NULL;
	p->info.pid = info->pid;
	/* a fork child of a process that used nng cannot (nng aborts): it
	 * listens on sockets of its own in the discovery folder (sp.c) */
	p->own = publish_nng_pid != 0 && publish_nng_pid != getpid();
	if (!(p->own ? publish_own_urls(p, c) : publish_urls(p, c))) {
		publish_free(p);
		return NULL;
	}
	if (!p->own)
		publish_nng_pid = getpid();
	in.endpoint = p->pub_url;
	in.query = p->rep_url;
	in.interval_ms = c->publish_interval_ms;
	if (!publish_info_copy(&p->info, &in)) {
		publish_free(p);
		hpi_warn("out of memory; not publishing");
		return NULL;
	}
	p->reg = r;
	p->query_rate = c->publish_query_rate;
	p->query_burst = c->publish_query_burst > 0 ? c->publish_query_burst : 1;
	p->credit = 10000000; /* ns: the first replies */
	p->interval_ns = (uint64_t)(c->publish_interval_ms > 0 ? c->publish_interval_ms : 250) * 1000000u;
	for (int i = 0; i < 2; i++)
		p->caps[i] = hpi_pub_cap_new(c->publish_max_connections > 0 ?
					     c->publish_max_connections : 32);
	p->tls.tls_cert = c->tls_cert ? strdup(c->tls_cert) : NULL;
	p->tls.tls_key = c->tls_key ? strdup(c->tls_key) : NULL;
	p->tls.tls_ca = c->tls_ca ? strdup(c->tls_ca) : NULL;
	if (p->own) {
		publish_own_listen(p, c);
		if (p->sp[0] == NULL) {
			publish_free(p);
			return NULL;
		}
		publish_describe(p, NULL);
		return p;
	}
	if (hpi_pub_listen(&p->pub, true, p->pub_url, &p->tls, p->caps[0], &p->lst[0], &why) != 0) {
		hpi_warn("publish.endpoint: cannot listen on \"%s\": %s; running without publishing",
			 p->pub_url, why);
		publish_free(p);
		return NULL;
	}
	p->bound[0] = true;
	if (p->rep_url != NULL) {
		if (hpi_pub_listen(&p->rep, false, p->rep_url, &p->tls, p->caps[1], &p->lst[1],
				   &why) == 0) {
			p->have_rep = p->bound[1] = true;
			uint64_t fresh = p->interval_ns > PUBLISH_QUERY_FRESH_NS ?
					 p->interval_ns : PUBLISH_QUERY_FRESH_NS;
			if ((p->qs = hpi_pub_queries_new(p->rep, p->query_rate, p->query_burst,
							 fresh)) == NULL)
				hpi_warn("publish.query: cannot start answering; no queries answered");
		} else
			hpi_warn("publish.query: cannot listen on \"%s\": %s; no queries answered",
				 p->rep_url, why);
	}
	publish_describe(p, NULL);
	return p;
}

bool hpi_publish_usable(void)
{
	return publish_nng_pid == 0 || publish_nng_pid == getpid();
}

void hpi_publish_stop(hpi_publisher *p)
{
	uint64_t refused;

	if (p == NULL)
		return;
	if ((refused = hpi_pub_refused(p)) > 0)
		hpi_warn("publish: %llu connections refused past publish.max_connections (%zu per "
			 "endpoint)", (unsigned long long)refused,
			 p->caps[0] != NULL ? p->caps[0]->max : (size_t)0);
	/* described and named by our pid: gone before the sockets close, so
	 * nobody dials what is going away */
	if (p->dir != NULL)
		hpi_discover_remove(p->dir, p->info.pid);
	/* nothing reads a snapshot (a test's too) once this returns */
	hpi_pub_queries_stop(p->qs);
	hpi_pub_close(p);
	hpi_snapshot_free(p->last);
	for (size_t i = 0; i < p->nseen; i++)
		free(p->seen[i].id);
	free(p->seen);
	p->caps[0] = p->caps[1] = NULL; /* the closing thread frees them */
	publish_free(p);
}
