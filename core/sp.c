/* SPDX-License-Identifier: MIT */
/*
 * sp.c - nng's PUB and REP over ipc://, listening side, without nng: what
 * a fork child of a publishing process publishes with (sp.h).
 *
 * The wire (nng's SP over IPC): both ends send {0, 'S', 'P', 0, protocol
 * (16 bits, big-endian), 0, 0} first; every message after that is a type
 * byte (1), its length (64 bits, big-endian) and its bytes.  A request
 * from a REQ peer starts with its backtrace, here one 32-bit request id
 * with the top bit set (a REQ that dials us directly); the reply starts
 * with the same four bytes.
 *
 * One thread per listener polls the listener, an eventfd and the peers;
 * the peers' table and queues are under the listener's mutex, which is
 * only ever held for non-blocking work.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "hpi.h"
#include "alloc.h"
#include "collector.h"
#include "sp.h"

#define SP_REQ_MAX (64 * 1024)   /* a bigger request closes its connection,
				  * as nng's NNG_OPT_RECVMAXSZ would */
#define SP_WAITING_MAX 64        /* requests waiting for the collector */
#define SP_HEAD 9                /* type byte + 64-bit length */

typedef struct sp_out {
	struct sp_out *next;
	size_t len, off;
	unsigned char data[];
} sp_out;

typedef struct sp_peer {
	int fd;
	uint32_t id;
	bool ready;               /* handshake read and checked */
	bool dead;
	unsigned char hs[8];
	size_t hs_got;
	unsigned char head[SP_HEAD];
	size_t head_got;
	unsigned char *msg;       /* the message being read (REP), or NULL */
	size_t msg_len, msg_got;
	sp_out *out, *tail;       /* bytes to write, oldest first */
	size_t out_bytes;
} sp_peer;

typedef struct sp_req {
	struct sp_req *next;
	uint64_t tok;             /* peer id << 32 | request id */
	size_t len;
	unsigned char body[];
} sp_req;

struct hpi_sp {
	int proto, peer_proto;
	int lfd, wfd;             /* listener, eventfd */
	char *path;               /* the socket file, removed at close */
	pthread_t thread;
	pthread_mutex_t mu;
	sp_peer *peers;
	size_t n, cap, max;
	uint32_t next_id;
	uint64_t refused;
	sp_req *reqs, *reqs_tail;
	size_t nreqs;
	int stop;
	struct hpi_sp *next_live;
};

/* Every listener open, for the fork child's hook. */
static pthread_mutex_t sp_live_mu = PTHREAD_MUTEX_INITIALIZER;
static hpi_sp *sp_live;

static void sp_put64(unsigned char *p, uint64_t v)
{
	for (int i = 7; i >= 0; i--, v >>= 8)
		p[i] = (unsigned char)v;
}

static uint64_t sp_get64(const unsigned char *p)
{
	uint64_t v = 0;

	for (int i = 0; i < 8; i++)
		v = v << 8 | p[i];
	return v;
}

static void sp_wake(hpi_sp *s)
{
	uint64_t one = 1;

	(void)!write(s->wfd, &one, sizeof(one));
}

/* Queues one frame of hlen + len bytes to p: the type byte and length,
 * then hdr[0..hlen) (a reply's backtrace) and msg[0..len).  Under s->mu. */
static int sp_queue(sp_peer *p, const unsigned char *hdr, size_t hlen, const void *msg,
		    size_t len)
{
	sp_out *o = malloc(sizeof(*o) + SP_HEAD + hlen + len);

	if (o == NULL)
		return -1;
	o->next = NULL;
	o->off = 0;
	o->len = SP_HEAD + hlen + len;
	o->data[0] = 1;
	sp_put64(o->data + 1, hlen + len);
	if (hlen > 0)
		memcpy(o->data + SP_HEAD, hdr, hlen);
	if (len > 0)
		memcpy(o->data + SP_HEAD + hlen, msg, len);
	if (p->tail != NULL)
		p->tail->next = o;
	else
		p->out = o;
	p->tail = o;
	p->out_bytes += o->len;
	return 0;
}

static void sp_peer_free(sp_peer *p)
{
	sp_out *o, *next;

	if (p->fd >= 0)
		close(p->fd);
	for (o = p->out; o != NULL; o = next) {
		next = o->next;
		free(o);
	}
	free(p->msg);
}

/* A connection accepted: refused past max, else greeted.  Under s->mu. */
static void sp_accept(hpi_sp *s)
{
	int fd;

	while ((fd = accept4(s->lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC)) >= 0) {
		unsigned char hs[8] = {0, 'S', 'P', 0, (unsigned char)(s->proto >> 8),
				       (unsigned char)s->proto, 0, 0};
		sp_peer *p;
		if (s->n >= s->max) {
			close(fd);
			s->refused++;
			continue;
		}
		if (s->n == s->cap) {
			size_t cap = s->cap ? s->cap * 2 : 8;
			sp_peer *np = realloc(s->peers, cap * sizeof(*np));
			if (np == NULL) {
				close(fd);
				s->refused++;
				continue;
			}
			s->peers = np;
			s->cap = cap;
		}
		p = &s->peers[s->n];
		memset(p, 0, sizeof(*p));
		p->fd = fd;
		if ((p->id = ++s->next_id) == 0)
			p->id = ++s->next_id;
		/* the greeting goes first; a fresh socket's buffer takes it */
		if (send(fd, hs, sizeof(hs), MSG_NOSIGNAL | MSG_DONTWAIT) != (ssize_t)sizeof(hs)) {
			close(fd);
			continue;
		}
		s->n++;
	}
}

/* A whole request from p: waits for the collector (dropped past
 * SP_WAITING_MAX or without a request id).  Under s->mu; true when the
 * collector should be nudged. */
static bool sp_request(hpi_sp *s, sp_peer *p)
{
	uint32_t id;
	sp_req *r;

	if (p->msg_len < 4 || !(p->msg[0] & 0x80) || s->nreqs >= SP_WAITING_MAX ||
	    (r = malloc(sizeof(*r) + p->msg_len - 4)) == NULL)
		return false; /* a REQ peer sends it again after its resend time */
	id = (uint32_t)p->msg[0] << 24 | (uint32_t)p->msg[1] << 16 | (uint32_t)p->msg[2] << 8 |
	     p->msg[3];
	r->next = NULL;
	r->tok = (uint64_t)p->id << 32 | id;
	r->len = p->msg_len - 4;
	memcpy(r->body, p->msg + 4, r->len);
	if (s->reqs_tail != NULL)
		s->reqs_tail->next = r;
	else
		s->reqs = r;
	s->reqs_tail = r;
	s->nreqs++;
	return true;
}

/* Consumes buf[0..n) read from p; false when p must be closed.  Under
 * s->mu; *nudge set when a request came. */
static bool sp_consume(hpi_sp *s, sp_peer *p, const unsigned char *buf, size_t n, bool *nudge)
{
	while (n > 0) {
		size_t k;
		if (!p->ready) {
			k = sizeof(p->hs) - p->hs_got < n ? sizeof(p->hs) - p->hs_got : n;
			memcpy(p->hs + p->hs_got, buf, k);
			p->hs_got += k;
			buf += k;
			n -= k;
			if (p->hs_got < sizeof(p->hs))
				continue;
			if (p->hs[0] != 0 || p->hs[1] != 'S' || p->hs[2] != 'P' || p->hs[3] != 0 ||
			    (p->hs[4] << 8 | p->hs[5]) != s->peer_proto || p->hs[6] || p->hs[7])
				return false; /* not nng's SP, or the wrong protocol */
			p->ready = true;
			continue;
		}
		if (p->head_got < SP_HEAD) {
			k = SP_HEAD - p->head_got < n ? SP_HEAD - p->head_got : n;
			memcpy(p->head + p->head_got, buf, k);
			p->head_got += k;
			buf += k;
			n -= k;
			if (p->head_got < SP_HEAD)
				continue;
			if (p->head[0] != 1)
				return false;
			p->msg_len = sp_get64(p->head + 1);
			if (p->msg_len > SP_REQ_MAX)
				return false;
			p->msg_got = 0;
			if (s->proto == HPI_SP_REP && (p->msg = malloc(p->msg_len ? p->msg_len : 1)) == NULL)
				return false;
		}
		k = p->msg_len - p->msg_got < n ? p->msg_len - p->msg_got : n;
		if (p->msg != NULL)
			memcpy(p->msg + p->msg_got, buf, k);
		p->msg_got += k;
		buf += k;
		n -= k;
		if (p->msg_got == p->msg_len) {
			/* a whole message: a request; anything a SUB sends is
			 * read and forgotten */
			if (p->msg != NULL && sp_request(s, p))
				*nudge = true;
			free(p->msg);
			p->msg = NULL;
			p->head_got = 0;
		}
	}
	return true;
}

/* Reads what p has; false when p is gone.  Under s->mu. */
static bool sp_read(hpi_sp *s, sp_peer *p, bool *nudge)
{
	unsigned char buf[16384];

	for (;;) {
		ssize_t r = recv(p->fd, buf, sizeof(buf), MSG_DONTWAIT);
		if (r > 0) {
			if (!sp_consume(s, p, buf, (size_t)r, nudge))
				return false;
			continue;
		}
		if (r < 0 && errno == EINTR)
			continue;
		return r < 0 && (errno == EAGAIN || errno == EWOULDBLOCK);
	}
}

/* Writes what p's queue holds, as far as its socket takes; false when p
 * is gone.  Under s->mu. */
static bool sp_write(sp_peer *p)
{
	while (p->out != NULL) {
		sp_out *o = p->out;
		ssize_t w = send(p->fd, o->data + o->off, o->len - o->off,
				 MSG_NOSIGNAL | MSG_DONTWAIT);
		if (w < 0) {
			if (errno == EINTR)
				continue;
			return errno == EAGAIN || errno == EWOULDBLOCK;
		}
		o->off += (size_t)w;
		p->out_bytes -= (size_t)w;
		if (o->off < o->len)
			continue;
		if ((p->out = o->next) == NULL)
			p->tail = NULL;
		free(o);
	}
	return true;
}

static void *sp_main(void *arg)
{
	hpi_sp *s = arg;
	struct pollfd *fds = NULL;
	size_t cap = 0;

	hpi_alloc_thread_internal();
	for (;;) {
		size_t n;
		bool nudge = false;
		pthread_mutex_lock(&s->mu);
		if (s->stop) {
			pthread_mutex_unlock(&s->mu);
			break;
		}
		if (s->n + 2 > cap) {
			struct pollfd *nf = realloc(fds, (s->n + 2) * sizeof(*nf));
			if (nf == NULL) {
				pthread_mutex_unlock(&s->mu);
				nanosleep(&(struct timespec){0, 10000000L}, NULL);
				continue;
			}
			fds = nf;
			cap = s->n + 2;
		}
		fds[0] = (struct pollfd){.fd = s->wfd, .events = POLLIN};
		fds[1] = (struct pollfd){.fd = s->lfd, .events = POLLIN};
		for (size_t i = 0; i < s->n; i++)
			fds[i + 2] = (struct pollfd){.fd = s->peers[i].fd,
						     .events = POLLIN |
							       (s->peers[i].out ? POLLOUT : 0)};
		n = s->n;
		pthread_mutex_unlock(&s->mu);
		if (poll(fds, n + 2, -1) < 0 && errno != EINTR)
			nanosleep(&(struct timespec){0, 10000000L}, NULL);
		if (fds[0].revents & POLLIN) {
			uint64_t v;
			(void)!read(s->wfd, &v, sizeof(v));
		}
		pthread_mutex_lock(&s->mu);
		/* only this thread adds or removes peers: the first n are the
		 * ones polled; queues may have grown meanwhile */
		for (size_t i = 0; i < n; i++) {
			sp_peer *p = &s->peers[i];
			short ev = fds[i + 2].revents;
			if ((ev & (POLLIN | POLLHUP | POLLERR)) && !sp_read(s, p, &nudge))
				p->dead = true;
			else if (p->out != NULL && !sp_write(p))
				p->dead = true;
		}
		for (size_t i = 0; i < s->n;) {
			if (s->peers[i].dead) {
				sp_peer_free(&s->peers[i]);
				s->peers[i] = s->peers[--s->n];
			} else
				i++;
		}
		if (fds[1].revents & POLLIN)
			sp_accept(s);
		pthread_mutex_unlock(&s->mu);
		if (nudge)
			hpi_collector_nudge();
	}
	free(fds);
	return NULL;
}

hpi_sp *hpi_sp_listen(const char *url, int proto, size_t max_peers, const char **why)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	const char *path;
	sigset_t all, old;
	hpi_sp *s;
	int rv;

	if (strncmp(url, "ipc://", 6) != 0) {
		*why = "only ipc:// endpoints in a fork child";
		return NULL;
	}
	path = url + 6;
	if (strlen(path) >= sizeof(sa.sun_path)) {
		*why = "the socket's path is too long";
		return NULL;
	}
	strcpy(sa.sun_path, path);
	if ((s = calloc(1, sizeof(*s))) == NULL || (s->path = strdup(path)) == NULL) {
		free(s);
		*why = "out of memory";
		return NULL;
	}
	s->proto = proto;
	s->peer_proto = proto == HPI_SP_PUB ? HPI_SP_SUB : HPI_SP_REQ;
	s->max = max_peers > 0 ? max_peers : 1;
	s->wfd = -1;
	pthread_mutex_init(&s->mu, NULL);
	if ((s->lfd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0)) < 0) {
		*why = strerror(errno);
		goto fail;
	}
	/* a file left by a dead process of the same pid, in our own folder */
	unlink(path);
	if (bind(s->lfd, (struct sockaddr *)&sa, sizeof(sa)) != 0 || listen(s->lfd, 128) != 0) {
		*why = strerror(errno);
		goto fail;
	}
	if ((s->wfd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC)) < 0) {
		*why = strerror(errno);
		unlink(path);
		goto fail;
	}
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	rv = pthread_create(&s->thread, NULL, sp_main, s);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (rv != 0) {
		*why = "cannot start a thread";
		unlink(path);
		goto fail;
	}
	pthread_setname_np(s->thread, "hp-sp");
	pthread_mutex_lock(&sp_live_mu);
	s->next_live = sp_live;
	sp_live = s;
	pthread_mutex_unlock(&sp_live_mu);
	return s;
fail:
	if (s->lfd >= 0)
		close(s->lfd);
	if (s->wfd >= 0)
		close(s->wfd);
	pthread_mutex_destroy(&s->mu);
	free(s->path);
	free(s);
	return NULL;
}

int hpi_sp_send(hpi_sp *s, const void *msg, size_t len)
{
	int rv = 0;

	pthread_mutex_lock(&s->mu);
	for (size_t i = 0; i < s->n; i++) {
		sp_peer *p = &s->peers[i];
		if (!p->ready || p->dead || p->out_bytes + len > HPI_SP_QUEUE_MAX)
			continue; /* a slow subscriber misses this one */
		if (sp_queue(p, NULL, 0, msg, len) != 0)
			rv = -1;
	}
	pthread_mutex_unlock(&s->mu);
	sp_wake(s);
	return rv;
}

size_t hpi_sp_peers(hpi_sp *s)
{
	size_t n = 0;

	pthread_mutex_lock(&s->mu);
	for (size_t i = 0; i < s->n; i++)
		n += s->peers[i].ready;
	pthread_mutex_unlock(&s->mu);
	return n;
}

uint64_t hpi_sp_refused(hpi_sp *s)
{
	uint64_t n;

	pthread_mutex_lock(&s->mu);
	n = s->refused;
	pthread_mutex_unlock(&s->mu);
	return n;
}

bool hpi_sp_recv(hpi_sp *s, uint64_t *tok, hpi_buf *req)
{
	sp_req *r;

	pthread_mutex_lock(&s->mu);
	if ((r = s->reqs) != NULL) {
		if ((s->reqs = r->next) == NULL)
			s->reqs_tail = NULL;
		s->nreqs--;
	}
	pthread_mutex_unlock(&s->mu);
	if (r == NULL)
		return false;
	*tok = r->tok;
	hpi_buf_putn(req, (const char *)r->body, r->len);
	free(r);
	return true;
}

bool hpi_sp_pending(hpi_sp *s)
{
	bool yes;

	pthread_mutex_lock(&s->mu);
	yes = s->reqs != NULL;
	pthread_mutex_unlock(&s->mu);
	return yes;
}

int hpi_sp_reply(hpi_sp *s, uint64_t tok, const void *msg, size_t len)
{
	uint32_t id = (uint32_t)tok;
	unsigned char bt[4] = {(unsigned char)(id >> 24), (unsigned char)(id >> 16),
			       (unsigned char)(id >> 8), (unsigned char)id};
	int rv = 0;

	pthread_mutex_lock(&s->mu);
	for (size_t i = 0; i < s->n; i++)
		if (s->peers[i].id == hpi_sp_tok_peer(tok) && !s->peers[i].dead) {
			rv = sp_queue(&s->peers[i], bt, sizeof(bt), msg, len);
			break;
		}
	pthread_mutex_unlock(&s->mu);
	sp_wake(s);
	return rv;
}

void hpi_sp_close(hpi_sp *s)
{
	hpi_sp **pp;
	sp_req *r, *next;

	if (s == NULL)
		return;
	pthread_mutex_lock(&sp_live_mu);
	for (pp = &sp_live; *pp != NULL; pp = &(*pp)->next_live)
		if (*pp == s) {
			*pp = s->next_live;
			break;
		}
	pthread_mutex_unlock(&sp_live_mu);
	pthread_mutex_lock(&s->mu);
	s->stop = 1;
	pthread_mutex_unlock(&s->mu);
	sp_wake(s);
	pthread_join(s->thread, NULL);
	for (size_t i = 0; i < s->n; i++)
		sp_peer_free(&s->peers[i]);
	free(s->peers);
	for (r = s->reqs; r != NULL; r = next) {
		next = r->next;
		free(r);
	}
	close(s->lfd);
	close(s->wfd);
	unlink(s->path);
	pthread_mutex_destroy(&s->mu);
	free(s->path);
	free(s);
}

void hpi_sp_atfork_prepare(void)
{
	pthread_mutex_lock(&sp_live_mu);
	for (hpi_sp *s = sp_live; s != NULL; s = s->next_live)
		pthread_mutex_lock(&s->mu);
}

void hpi_sp_atfork_parent(void)
{
	for (hpi_sp *s = sp_live; s != NULL; s = s->next_live)
		pthread_mutex_unlock(&s->mu);
	pthread_mutex_unlock(&sp_live_mu);
}

void hpi_sp_atfork_child(void)
{
	/* the listeners' threads are the parent's: their sockets close here
	 * (a peer of the parent sees the parent's end only), their memory is
	 * left as it is */
	for (hpi_sp *s = sp_live; s != NULL; s = s->next_live) {
		close(s->lfd);
		close(s->wfd);
		for (size_t i = 0; i < s->n; i++)
			close(s->peers[i].fd);
	}
	sp_live = NULL;
	pthread_mutex_init(&sp_live_mu, NULL);
}
