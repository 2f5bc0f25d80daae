/* SPDX-License-Identifier: MIT */
/*
 * net.c - connections of `hotpath console`: a SUB socket per target whose
 * pipe events say whether it is connected, a probe that tells "nothing
 * listening" from "still connecting" (nng's background dialer keeps that
 * to itself), a reader thread that decodes messages off the console's
 * loop, and a REQ context for the details pane's queries.
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include <nng/nng.h>
#include <nng/protocol/pubsub0/sub.h>
#include <nng/protocol/reqrep0/req.h>

#include "console.h"
#include "model.h"
#include "net.h"

#define NET_PROBE_NS 1000000000ull /* between two probes */
#define NET_QUERY_MS 3000          /* a query's reply, at most */
#define NET_QUEUE_MAX 512          /* decoded messages waiting, at most */
#define NET_RECV_MS 100            /* the reader looks at its stop flag this often */
#define NET_TLS_CHECK_MS 1000      /* one TLS check's connection, at most */

enum { Q_IDLE, Q_SENDING, Q_RECEIVING };

struct hpc_conn {
	char *url;
	pthread_t reader;          /* receives and decodes (net_reader) */
	bool started;
	int stop;                  /* set by hpc_conn_free */
	pthread_mutex_t mu;        /* guards q */
	hpc_msg **q;               /* decoded, waiting for the loop */
	size_t nq;
	hpc_tls tls;               /* its paths borrowed from argv */
	nng_socket sub;
	nng_dialer dialer;         /* closed by hpc_conn_free: no redialing a program gone */
	int *pipes;                /* pipes up; written by nng's threads: outlives the
	                            * connection (see hpc_conn_free) */
	uint64_t bad;              /* messages that were not JSON (reader thread) */
	nng_stream_dialer *probe;  /* NULL for tls+ URLs: checked by tls_thr */
	pthread_t tls_thr;         /* tls+ URLs: hpc_dial_check, in the background */
	int tls_state;             /* 0 idle, 1 checking, 2 done (written by tls_thr) */
	char *tls_why;             /* what the last check found (NULL: nothing wrong) */
	nng_aio *probe_aio;
	int probe_done;            /* set by the aio's callback */
	bool probing;
	uint64_t probe_ns;
	char *problem;
	char *qurl;                /* the query endpoint the REQ socket dials */
	nng_socket req;
	nng_ctx ctx;
	nng_aio *qaio;
	int qdone;                 /* set by the aio's callback */
	int qstate;
};

/* aio callbacks: the operation is over (polled by the console's loop,
 * as nng 1.5 has no nng_aio_busy). */
static void net_done(void *arg)
{
	__atomic_store_n((int *)arg, 1, __ATOMIC_RELEASE);
}

/* Whether the operation flagged by *done is over; resets the flag. */
static bool net_take_done(int *done)
{
	return __atomic_exchange_n(done, 0, __ATOMIC_ACQUIRE) != 0;
}

/* Pipe events of the SUB socket: counts the pipes up. */
static void net_pipe_event(nng_pipe p, nng_pipe_ev ev, void *arg)
{
	int *pipes = arg;

	(void)p;
	__atomic_add_fetch(pipes, ev == NNG_PIPE_EV_ADD_POST ? 1 : -1, __ATOMIC_RELAXED);
}

/* Queues d for the loop.  A section message replaces one of its topic
 * that still waits: a loop that falls behind gets the newest rows, once. */
static void net_push(hpc_conn *c, hpc_msg *d)
{
	const char *topic = hpc_msg_topic(d);

	pthread_mutex_lock(&c->mu);
	for (size_t i = 0; (topic != NULL || hpc_msg_is_hello(d)) && i < c->nq; i++) {
		const char *t = hpc_msg_topic(c->q[i]);

		/* a hello replaces a hello that waits: a flood of them costs the
		 * loop one */
		if ((topic == NULL && hpc_msg_is_hello(c->q[i])) ||
		    (topic != NULL && t != NULL && strcmp(t, topic) == 0)) {
			hpc_msg_free(c->q[i]);
			c->q[i] = d;
			d = NULL;
			break;
		}
	}
	if (d != NULL && c->nq < NET_QUEUE_MAX) {
		c->q = xreallocarray(c->q, c->nq + 1, sizeof(*c->q));
		c->q[c->nq++] = d;
		d = NULL;
	}
	pthread_mutex_unlock(&c->mu);
	hpc_msg_free(d);
}

/* The reader thread: receives and decodes every message (the JSON parse
 * of a big section takes tens of ms), so the loop only applies them and
 * keys and frames never wait for it. */
static void *net_reader(void *arg)
{
	hpc_conn *c = arg;
	hpc_msg *d;
	char *m;
	size_t len;
	int rv;

	pthread_setname_np(pthread_self(), "console-reader");
	while (!__atomic_load_n(&c->stop, __ATOMIC_ACQUIRE)) {
		if ((rv = nng_recv(c->sub, &m, &len, NNG_FLAG_ALLOC)) != 0) {
			if (rv == NNG_ECLOSED)
				break;
			continue; /* NNG_ETIMEDOUT: look at stop */
		}
		d = hpc_msg_decode(m, len, &rv);
		nng_free(m, len);
		if (d != NULL)
			net_push(c, d);
		else /* not JSON: counted on the status line */
			__atomic_add_fetch(&c->bad, 1, __ATOMIC_RELAXED);
	}
	return NULL;
}

/* A tls+ URL's check, off the console's loop (a handshake takes a while). */
static void *net_tls_check(void *arg)
{
	hpc_conn *c = arg;
	char *why = NULL;

	pthread_setname_np(pthread_self(), "console-tls");
	hpc_dial_check(c->url, &c->tls, NET_TLS_CHECK_MS, &why);
	c->tls_why = why;
	__atomic_store_n(&c->tls_state, 2, __ATOMIC_RELEASE);
	return NULL;
}

/* A SUB socket dialing url, its reader thread and its probe. */
hpc_conn *hpc_conn_open(const char *url, const hpc_tls *tls, char **err)
{
	hpc_conn *c = xcalloc(1, sizeof(*c));
	int rv;

	c->url = xstrdup(url);
	c->pipes = xcalloc(1, sizeof(*c->pipes));
	if (tls != NULL)
		c->tls = *tls;
	if ((rv = nng_sub0_open(&c->sub)) == 0 &&
	    (rv = nng_socket_set(c->sub, NNG_OPT_SUB_SUBSCRIBE, "", 0)) == 0 &&
	    (rv = nng_socket_set_ms(c->sub, NNG_OPT_RECONNMINT, 100)) == 0 &&
	    (rv = nng_socket_set_ms(c->sub, NNG_OPT_RECONNMAXT, 1000)) == 0 &&
	    (rv = nng_socket_set_ms(c->sub, NNG_OPT_RECVTIMEO, NET_RECV_MS)) == 0 &&
	    (rv = nng_socket_set_size(c->sub, NNG_OPT_RECVMAXSZ, HPC_MAX_MESSAGE)) == 0 &&
	    (rv = nng_pipe_notify(c->sub, NNG_PIPE_EV_ADD_POST, net_pipe_event, c->pipes)) == 0 &&
	    (rv = nng_pipe_notify(c->sub, NNG_PIPE_EV_REM_POST, net_pipe_event, c->pipes)) == 0)
		rv = hpc_dialer_start(c->sub, url, &c->tls, &c->dialer);
	if (rv != 0) {
		*err = xasprintf("%s: %s", url, nng_strerror(rv));
		nng_close(c->sub);
		free(c->pipes);
		free(c->url);
		free(c);
		return NULL;
	}
	pthread_mutex_init(&c->mu, NULL);
	if (pthread_create(&c->reader, NULL, net_reader, c) != 0)
		fatal("cannot start a thread");
	c->started = true;
	if (strncmp(url, "tls+", 4) != 0 && nng_stream_dialer_alloc(&c->probe, url) == 0 &&
	    nng_aio_alloc(&c->probe_aio, net_done, &c->probe_done) != 0) {
		nng_stream_dialer_free(c->probe);
		c->probe = NULL;
	}
	return c;
}

/* Messages that were not JSON since the last call. */
uint64_t hpc_conn_take_bad(hpc_conn *c)
{
	return __atomic_exchange_n(&c->bad, 0, __ATOMIC_RELAXED);
}

/* Stops the reader thread and frees what the connection holds. */
void hpc_conn_free(hpc_conn *c)
{
	if (c == NULL)
		return;
	if (c->started) {
		__atomic_store_n(&c->stop, 1, __ATOMIC_RELEASE);
		pthread_join(c->reader, NULL);
		for (size_t i = 0; i < c->nq; i++)
			hpc_msg_free(c->q[i]);
		free(c->q);
		pthread_mutex_destroy(&c->mu);
	}
	/* Sockets are left to the process's end: nng 1.5's close can wait
	 * for a busy pipe (as in `hotpath dump`).  Its dialer is closed, so
	 * a program that ended is not redialed every second for as long as
	 * the console runs; that closes the pipe, whose event nng may call
	 * after this returns: the pipe count is left allocated for it (an
	 * int per connection dropped, held by the socket like the socket
	 * itself).  The aios are stopped. */
	if (c->started)
		nng_dialer_close(c->dialer);
	if (c->tls_state != 0)
		pthread_join(c->tls_thr, NULL); /* bounded: NET_TLS_CHECK_MS, twice */
	free(c->tls_why);
	if (c->probe_aio != NULL) {
		nng_aio_stop(c->probe_aio);
		nng_aio_free(c->probe_aio);
		nng_stream_dialer_free(c->probe);
	}
	if (c->qaio != NULL) {
		nng_aio_stop(c->qaio);
		/* a request not sent, or a reply nobody took */
		if (c->qstate == Q_SENDING ? nng_aio_result(c->qaio) != 0
		    : c->qstate == Q_RECEIVING && nng_aio_result(c->qaio) == 0)
			nng_msg_free(nng_aio_get_msg(c->qaio));
		nng_aio_free(c->qaio);
	}
	free(c->qurl);
	free(c->problem);
	free(c->url);
	free(c);
}

/* The oldest decoded message waiting, or NULL. */
hpc_msg *hpc_conn_recv(hpc_conn *c)
{
	hpc_msg *d = NULL;

	pthread_mutex_lock(&c->mu);
	if (c->nq > 0) {
		d = c->q[0];
		memmove(c->q, c->q + 1, (c->nq - 1) * sizeof(*c->q));
		c->nq--;
	}
	pthread_mutex_unlock(&c->mu);
	return d;
}

/* Whether a pipe to the publisher is up now. */
bool hpc_conn_connected(const hpc_conn *c)
{
	return __atomic_load_n(c->pipes, __ATOMIC_RELAXED) > 0;
}

/* hpc_conn_problem for a tls+ URL: the last check's finding, a new check
 * about once a second while not connected. */
static const char *net_tls_problem(hpc_conn *c, uint64_t now)
{
	if (__atomic_load_n(&c->tls_state, __ATOMIC_ACQUIRE) == 2) {
		pthread_join(c->tls_thr, NULL);
		c->tls_state = 0;
		free(c->problem);
		c->problem = c->tls_why;
		c->tls_why = NULL;
	}
	if (hpc_conn_connected(c)) {
		free(c->problem);
		c->problem = NULL;
	} else if (c->tls_state == 0 && (now - c->probe_ns >= NET_PROBE_NS || c->probe_ns == 0)) {
		c->probe_ns = now;
		if (pthread_create(&c->tls_thr, NULL, net_tls_check, c) == 0)
			c->tls_state = 1;
	}
	return c->problem;
}

/* Why nothing connects ("nothing listening ...", "TLS: ..."), or NULL;
 * see net.h. */
const char *hpc_conn_problem(hpc_conn *c, uint64_t now)
{
	int rv;

	if (hpc_is_tls(c->url))
		return net_tls_problem(c, now);
	if (c->probe == NULL)
		return NULL;
	if (c->probing) {
		if (!net_take_done(&c->probe_done))
			return c->problem;
		c->probing = false;
		free(c->problem);
		c->problem = NULL;
		if ((rv = nng_aio_result(c->probe_aio)) == 0)
			nng_stream_free(nng_aio_get_output(c->probe_aio, 0));
		else if (rv != NNG_ETIMEDOUT && rv != NNG_ECANCELED)
			c->problem = xasprintf("nothing listening at %s (%s)", c->url, nng_strerror(rv));
	}
	if (hpc_conn_connected(c)) {
		free(c->problem);
		c->problem = NULL;
	} else if (now - c->probe_ns >= NET_PROBE_NS || c->probe_ns == 0) {
		c->probe_ns = now;
		c->probing = true;
		nng_aio_set_timeout(c->probe_aio, 2000);
		nng_stream_dialer_dial(c->probe, c->probe_aio);
	}
	return c->problem;
}

/* Opens the REQ socket and its context on url. */
static int net_req_open(hpc_conn *c, const char *url)
{
	int rv;

	if (c->qaio == NULL && (rv = nng_aio_alloc(&c->qaio, net_done, &c->qdone)) != 0)
		return rv;
	if (c->qurl != NULL && strcmp(c->qurl, url) == 0)
		return 0;
	if (c->qurl != NULL) {
		nng_ctx_close(c->ctx);
		nng_close(c->req);
		free(c->qurl);
		c->qurl = NULL;
	}
	if ((rv = nng_req0_open(&c->req)) != 0)
		return rv;
	if ((rv = nng_ctx_open(&c->ctx, c->req)) != 0 ||
	    (rv = hpc_dial(c->req, url, &c->tls)) != 0) {
		nng_close(c->req);
		return rv;
	}
	c->qurl = xstrdup(url);
	return 0;
}

/* Sends a query request, abandoning one still waiting. */
int hpc_conn_ask(hpc_conn *c, const char *query, const char *req)
{
	nng_msg *msg;
	int rv;

	if (c->qaio != NULL && c->qstate != Q_IDLE) {
		nng_aio_cancel(c->qaio);
		nng_aio_wait(c->qaio);
		if (c->qstate == Q_SENDING && nng_aio_result(c->qaio) != 0)
			nng_msg_free(nng_aio_get_msg(c->qaio));
		else if (c->qstate == Q_RECEIVING && nng_aio_result(c->qaio) == 0)
			nng_msg_free(nng_aio_get_msg(c->qaio));
		net_take_done(&c->qdone);
		c->qstate = Q_IDLE;
	}
	if ((rv = net_req_open(c, query)) != 0)
		return rv;
	if ((rv = nng_msg_alloc(&msg, 0)) != 0)
		return rv;
	if ((rv = nng_msg_append(msg, req, strlen(req))) != 0) {
		nng_msg_free(msg);
		return rv;
	}
	nng_aio_set_msg(c->qaio, msg);
	nng_aio_set_timeout(c->qaio, NET_QUERY_MS);
	nng_ctx_send(c->ctx, c->qaio);
	c->qstate = Q_SENDING;
	return 0;
}

/* Polls the query: 1 and a reply, 0 not yet, or -error. */
int hpc_conn_reply(hpc_conn *c, char **rep, size_t *len)
{
	nng_msg *msg;
	int rv;

	if (c->qaio == NULL || c->qstate == Q_IDLE || !net_take_done(&c->qdone))
		return 0;
	rv = nng_aio_result(c->qaio);
	if (c->qstate == Q_SENDING) {
		if (rv != 0) {
			nng_msg_free(nng_aio_get_msg(c->qaio));
			c->qstate = Q_IDLE;
			return -rv;
		}
		nng_aio_set_timeout(c->qaio, NET_QUERY_MS);
		nng_ctx_recv(c->ctx, c->qaio);
		c->qstate = Q_RECEIVING;
		return 0;
	}
	c->qstate = Q_IDLE;
	if (rv != 0)
		return -rv;
	msg = nng_aio_get_msg(c->qaio);
	*len = nng_msg_len(msg);
	*rep = xmalloc(*len + 1);
	memcpy(*rep, nng_msg_body(msg), *len);
	(*rep)[*len] = '\0';
	nng_msg_free(msg);
	return 1;
}
