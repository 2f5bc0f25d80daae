/* SPDX-License-Identifier: MIT */
/*
 * publish_net.c - the publisher's sockets: listening (TLS too), the cap
 * on connections per endpoint, the valve that gives descriptors back when
 * half-open connections pile up, and closing on a thread of its own so
 * that the program never waits for a subscriber.
 */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#include <nng/nng.h>
#include <nng/protocol/pubsub0/pub.h>
#include <nng/protocol/reqrep0/rep.h>
#include <nng/supplemental/tls/tls.h>

#include "hpi.h"
#include "publish.h"

/* Sockets being closed by publish_close_main: a new publisher on the same
 * endpoint waits for them rather than find it in use. */
static int publish_closing_n;
/* When the last of them finished (CLOCK_MONOTONIC ns): nng releases the
 * address a little after nng_close returns, on its reaper thread. */
static uint64_t publish_closed_ns;

/* Whether an "address in use" may be our own sockets still closing. */
static bool publish_ours_closing(void)
{
	uint64_t done = __atomic_load_n(&publish_closed_ns, __ATOMIC_ACQUIRE);

	return __atomic_load_n(&publish_closing_n, __ATOMIC_ACQUIRE) > 0 ||
	       (done != 0 && hpi_mono_ns() - done < 2000000000u);
}

/* nng pipe events: admits a pipe while the endpoint has room, else closes
 * it and counts it; forgets it when it goes.  nng's threads. */
static void publish_pipe_event(nng_pipe pp, nng_pipe_ev ev, void *arg)
{
	hpi_pub_cap *cap = arg;
	uint32_t id = nng_pipe_id(pp);
	bool refuse = false;

	pthread_mutex_lock(&cap->mu);
	if (ev == NNG_PIPE_EV_ADD_PRE) {
		if (cap->n < cap->max)
			cap->ids[cap->n++] = id;
		else
			refuse = true;
	} else {
		for (size_t i = 0; i < cap->n; i++)
			if (cap->ids[i] == id) {
				cap->ids[i] = cap->ids[--cap->n];
				break;
			}
	}
	if (refuse)
		cap->refused++;
	pthread_mutex_unlock(&cap->mu);
	if (refuse)
		nng_pipe_close(pp);
}

/* A cap of max connections, or NULL (no memory: no cap). */
hpi_pub_cap *hpi_pub_cap_new(int max)
{
	hpi_pub_cap *cap = calloc(1, sizeof(*cap));

	if (cap == NULL || (cap->ids = calloc((size_t)max, sizeof(*cap->ids))) == NULL) {
		free(cap);
		return NULL;
	}
	cap->max = (size_t)max;
	pthread_mutex_init(&cap->mu, NULL);
	return cap;
}

/* Frees a cap once its socket is closed; NULL is a no-op. */
void hpi_pub_cap_free(hpi_pub_cap *cap)
{
	if (cap == NULL)
		return;
	pthread_mutex_destroy(&cap->mu);
	free(cap->ids);
	free(cap);
}

/* Connections refused so far on both endpoints. */
uint64_t hpi_pub_refused(hpi_publisher *p)
{
	uint64_t n = 0;

	for (int i = 0; i < 2; i++) {
		if (p->own && p->sp[i] != NULL)
			n += hpi_sp_refused(p->sp[i]);
		if (p->caps[i] == NULL)
			continue;
		pthread_mutex_lock(&p->caps[i]->mu);
		n += p->caps[i]->refused;
		pthread_mutex_unlock(&p->caps[i]->mu);
	}
	return n;
}

/* Peers on the PUB socket now (SIZE_MAX when not counted: no memory for
 * the cap). */
size_t hpi_pub_subscribers(hpi_publisher *p)
{
	size_t n;

	if (p->own)
		return hpi_sp_peers(p->sp[0]);
	if (p->caps[0] == NULL)
		return SIZE_MAX;
	pthread_mutex_lock(&p->caps[0]->mu);
	n = p->caps[0]->n;
	pthread_mutex_unlock(&p->caps[0]->mu);
	return n;
}

/* The whole of a small file as a new string, or NULL. */
static char *publish_slurp(const char *path)
{
	FILE *f = fopen(path, "rb");
	hpi_buf b;
	char chunk[4096];
	size_t n;

	if (f == NULL)
		return NULL;
	hpi_buf_init(&b);
	hpi_buf_puts(&b, "");
	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0 && b.len < (1u << 20))
		hpi_buf_putn(&b, chunk, n);
	fclose(f);
	if (b.failed) {
		hpi_buf_fini(&b);
		return NULL;
	}
	return b.data;
}

/* Listens on a tls+ URL with publish.tls's certificate and key (and, with
 * publish.tls.ca, clients must show a certificate it signed). */
static int publish_listen_tls(nng_socket s, const char *url, const hpi_pub_tls *c,
			      nng_listener *lp, const char **why)
{
	nng_tls_config *t = NULL;
	nng_listener l;
	char *cert = NULL, *key = NULL;
	int rv;

	if (c->tls_cert == NULL || c->tls_key == NULL) {
		*why = "a tls+ endpoint needs publish.tls.cert and publish.tls.key";
		return NNG_EINVAL;
	}
	if ((cert = publish_slurp(c->tls_cert)) == NULL || (key = publish_slurp(c->tls_key)) == NULL) {
		*why = "cannot read publish.tls.cert or publish.tls.key";
		rv = NNG_ENOENT;
	} else if ((rv = nng_tls_config_alloc(&t, NNG_TLS_MODE_SERVER)) == 0 &&
		   (rv = nng_tls_config_own_cert(t, cert, key, NULL)) == 0 &&
		   (c->tls_ca == NULL ||
		    ((rv = nng_tls_config_ca_file(t, c->tls_ca)) == 0 &&
		     (rv = nng_tls_config_auth_mode(t, NNG_TLS_AUTH_MODE_REQUIRED)) == 0)) &&
		   (rv = nng_listener_create(&l, s, url)) == 0) {
		if ((rv = nng_listener_set_ptr(l, NNG_OPT_TLS_CONFIG, t)) == 0)
			rv = nng_listener_start(l, 0);
		if (rv != 0)
			nng_listener_close(l);
		else
			*lp = l;
	}
	if (rv != 0 && *why == NULL)
		*why = nng_strerror(rv);
	if (t != NULL)
		nng_tls_config_free(t); /* the listener holds its own reference */
	free(cert);
	free(key);
	return rv;
}

/* Binds url on socket s, its listener in *l; the reason on failure in
 * *why (static).  While an earlier publisher's sockets are closing (or
 * ours, when again), an endpoint in use is tried again for up to 3 s. */
static int publish_bind(nng_socket s, const char *url, const hpi_pub_tls *tls, bool again,
			nng_listener *l, const char **why)
{
	int rv;

	*why = NULL;
	if (strncmp(url, "tls+", 4) == 0)
		return publish_listen_tls(s, url, tls, l, why);
	rv = nng_listen(s, url, l, 0);
	for (int i = 0; rv == NNG_EADDRINUSE && i < 300 && (again || publish_ours_closing()); i++) {
		struct timespec ts = {0, 10000000};
		nanosleep(&ts, NULL);
		rv = nng_listen(s, url, l, 0);
	}
	if (rv != 0)
		*why = nng_strerror(rv);
	return rv;
}

/* Opens and binds one socket; the reason on failure in *why (static). */
int hpi_pub_listen(nng_socket *s, bool pub, const char *url, const hpi_pub_tls *tls,
			  hpi_pub_cap *cap, nng_listener *l, const char **why)
{
	int rv = pub ? nng_pub0_open(s) : nng_rep0_open(s);

	if (rv != 0) {
		*why = nng_strerror(rv);
		return rv;
	}
	if (!pub)
		nng_socket_set_size(*s, NNG_OPT_RECVMAXSZ, PUBLISH_RECV_MAX);
	if (cap != NULL) {
		nng_pipe_notify(*s, NNG_PIPE_EV_ADD_PRE, publish_pipe_event, cap);
		nng_pipe_notify(*s, NNG_PIPE_EV_REM_POST, publish_pipe_event, cap);
	}
	if ((rv = publish_bind(*s, url, tls, false, l, why)) != 0)
		nng_close(*s);
	return rv;
}

/* Descriptors this process has open, or -1 when /proc cannot say. */
static long publish_fds(void)
{
	DIR *d = opendir("/proc/self/fd");
	long n = 0;

	if (d == NULL)
		/* no descriptor left to count them with: all are taken */
		return errno == EMFILE || errno == ENFILE ? LONG_MAX / 4 : -1;
	while (readdir(d) != NULL)
		n++;
	closedir(d);
	return n - 3; /* ".", ".." and the directory's own */
}

/* Once a second: with more than three quarters of RLIMIT_NOFILE open, the
 * listeners are closed and opened again.  Connections that never finish
 * their SP handshake are no pipes, so publish.max_connections cannot count
 * them, and nng (1.5) keeps each for 10 s with no option to cap them;
 * closing a listener closes them all (and the peers it accepted, which
 * dial again), so they cannot take the program's descriptors. */
void hpi_pub_fd_valve(hpi_publisher *p)
{
	struct rlimit rl;
	long n;

	if (p->own)
		return; /* sp.c closes a connection that is not nng's at once */
	if (getrlimit(RLIMIT_NOFILE, &rl) != 0 || rl.rlim_cur == RLIM_INFINITY ||
	    (n = publish_fds()) < 0 || (rlim_t)n * 4 <= rl.rlim_cur * 3)
		return;
	if ((rlim_t)n > rl.rlim_cur)
		n = (long)rl.rlim_cur; /* none left to count them with */
	p->restarts++;
	if (p->restarts == 1)
		hpi_warn("publish: %ld of %llu file descriptors open: closing the connections to "
			 "publish.endpoint and publish.query (those that never finished their "
			 "handshake too) so that the program keeps its own", n,
			 (unsigned long long)rl.rlim_cur);
	for (int i = 0; i < 2; i++) {
		nng_socket s = i ? p->rep : p->pub;
		const char *url = i ? p->rep_url : p->pub_url, *why;
		if (!p->bound[i])
			continue;
		nng_listener_close(p->lst[i]);
		if ((p->bound[i] = publish_bind(s, url, &p->tls, true, &p->lst[i], &why) == 0))
			continue;
		hpi_warn("publish: cannot listen again on \"%s\": %s; %s", url, why,
			 i ? "no more queries answered" : "no more publishing");
	}
}

/* The sockets to close, handed to the closing thread. */
typedef struct publish_closing {
	nng_socket pub, rep;
	bool have_rep;
	hpi_pub_cap *caps[2];    /* freed once the sockets are closed */
	hpi_pub_queries *qs;     /* likewise */
} publish_closing;

/* Closes the sockets, frees what their callbacks used (the query slots,
 * the pipe caps) once nothing calls them, and notes when: the closing
 * thread's work, and hpi_pub_close's when no thread can start. */
static void publish_teardown(const publish_closing *c)
{
	nng_close(c->pub);
	if (c->have_rep)
		nng_close(c->rep);
	hpi_pub_queries_free(c->qs);
	hpi_pub_cap_free(c->caps[0]);
	hpi_pub_cap_free(c->caps[1]);
	__atomic_store_n(&publish_closed_ns, hpi_mono_ns(), __ATOMIC_RELEASE);
}

/* Closes the sockets.  nng 1.5's nng_close can wait for a busy peer's
 * pipe (fixed upstream after 1.5.2), so it runs on a thread of its own:
 * the program never waits for a subscriber. */
static void *publish_close_main(void *arg)
{
	publish_closing *c = arg;

	hpi_alloc_thread_internal();
	publish_teardown(c);
	free(c);
	__atomic_sub_fetch(&publish_closing_n, 1, __ATOMIC_RELEASE);
	return NULL;
}

/* Closes p's sockets without waiting (inline when no thread can start). */
void hpi_pub_close(hpi_publisher *p)
{
	publish_closing *c = malloc(sizeof(*c));
	const publish_closing d = {.pub = p->pub, .rep = p->rep, .have_rep = p->have_rep,
				   .caps = {p->caps[0], p->caps[1]}, .qs = p->qs};
	pthread_attr_t a;
	pthread_t t;
	sigset_t all, old;
	int rv = -1;

	if (p->own) {
		/* sp.c's threads never wait on a peer: closed here */
		free(c);
		hpi_sp_close(p->sp[0]);
		hpi_sp_close(p->sp[1]);
		p->sp[0] = p->sp[1] = NULL;
		hpi_pub_cap_free(p->caps[0]);
		hpi_pub_cap_free(p->caps[1]);
		p->caps[0] = p->caps[1] = NULL;
		return;
	}
	if (c != NULL) {
		*c = d;
		sigfillset(&all);
		pthread_sigmask(SIG_SETMASK, &all, &old);
		pthread_attr_init(&a);
		pthread_attr_setdetachstate(&a, PTHREAD_CREATE_DETACHED);
		__atomic_add_fetch(&publish_closing_n, 1, __ATOMIC_ACQUIRE);
		rv = pthread_create(&t, &a, publish_close_main, c);
		if (rv != 0)
			__atomic_sub_fetch(&publish_closing_n, 1, __ATOMIC_RELEASE);
		pthread_attr_destroy(&a);
		pthread_sigmask(SIG_SETMASK, &old, NULL);
	}
	if (rv != 0) {
		free(c);
		publish_teardown(&d);
	}
}

void hpi_publish_settle(int max_ms)
{
	for (int i = 0; i < max_ms && __atomic_load_n(&publish_closing_n, __ATOMIC_ACQUIRE) > 0;
	     i++)
		nanosleep(&(struct timespec){0, 1000000L}, NULL);
}

void hpi_publish_atfork_prepare(void)
{
	hpi_sp_atfork_prepare();
}

void hpi_publish_atfork_parent(void)
{
	hpi_sp_atfork_parent();
}

void hpi_publish_atfork_child(void)
{
	/* the closing threads are the parent's: none runs here */
	__atomic_store_n(&publish_closing_n, 0, __ATOMIC_RELAXED);
	hpi_sp_atfork_child();
}
