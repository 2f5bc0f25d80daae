/* SPDX-License-Identifier: MIT */
/*
 * metrics_server.c - the HTTP endpoint of publish.metrics (docs/metrics.md) on
 * nng's own HTTP server, and the guard's half: render on the collector.
 *
 * A scrape runs on one of nng's threads: it raises "wanted" and waits (up
 * to a bound) for the producer, the collector after its next pass or the
 * exporter's loop, to hand over a fresh text; it takes a copy under a lock
 * held only for the copy.  So the program never waits, and the collector
 * renders once per scrape, never more than once per pass.  There is one
 * endpoint per process (one guard at a time; the exporter is a process of
 * its own), kept in static storage so a callback still running while the
 * server closes never reads freed memory.
 */
#include "config.h"

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>

#include <nng/nng.h>
#include <nng/supplemental/http/http.h>

#include "hpi.h"
#include "collector.h"
#include "metrics.h"
#include "registry.h"

#define MSERVER_OM_TYPE "application/openmetrics-text; version=1.0.0; charset=utf-8"
#define MSERVER_TEXT_TYPE "text/plain; version=0.0.4; charset=utf-8"

static struct {
	pthread_mutex_t mu;
	pthread_cond_t cv;       /* a text was handed over, or stopping */
	bool cv_ready;
	nng_http_server *srv;    /* NULL: not serving */
	char *text;              /* the last text, OpenMetrics */
	size_t len;
	uint64_t gen;            /* texts handed over */
	bool want;               /* a scrape waits */
	bool stopping;
	int wait_ms;
	int port;
	pid_t pid;               /* the process that started it (fork) */
} ms = {.mu = PTHREAD_MUTEX_INITIALIZER};

/* The condition variable, on CLOCK_MONOTONIC (set up once, under ms.mu). */
static void mserver_cv_init(void)
{
	pthread_condattr_t a;

	if (ms.cv_ready)
		return;
	pthread_condattr_init(&a);
	pthread_condattr_setclock(&a, CLOCK_MONOTONIC);
	pthread_cond_init(&ms.cv, &a);
	pthread_condattr_destroy(&a);
	ms.cv_ready = true;
}

/* A copy of a fresh text (waiting up to ms.wait_ms for the producer), or of
 * the last one; NULL when there is none.  nng's thread. */
static char *mserver_take(size_t *len)
{
	struct timespec dl;
	uint64_t gen;
	char *copy = NULL;

	clock_gettime(CLOCK_MONOTONIC, &dl);
	dl.tv_sec += ms.wait_ms / 1000;
	dl.tv_nsec += (long)(ms.wait_ms % 1000) * 1000000L;
	if (dl.tv_nsec >= 1000000000L) {
		dl.tv_sec++;
		dl.tv_nsec -= 1000000000L;
	}
	pthread_mutex_lock(&ms.mu);
	gen = ms.gen;
	ms.want = true;
	hpi_collector_nudge(); /* a sleeping collector renders within drain_interval_ms */
	pthread_cond_broadcast(&ms.cv); /* a producer in hpi_mserver_wait */
	while (ms.gen == gen && !ms.stopping)
		if (pthread_cond_timedwait(&ms.cv, &ms.mu, &dl) == ETIMEDOUT)
			break;
	if (ms.text != NULL && (copy = malloc(ms.len + 1)) != NULL) {
		memcpy(copy, ms.text, ms.len + 1);
		*len = ms.len;
	}
	pthread_mutex_unlock(&ms.mu);
	return copy;
}

/* Whether the scraper takes OpenMetrics (Prometheus asks for it). */
static bool mserver_wants_om(nng_http_req *req)
{
	const char *a = nng_http_req_get_header(req, "Accept");

	return a != NULL && strstr(a, "application/openmetrics-text") != NULL;
}

/* The handler: GET /metrics.  nng's thread. */
static void mserver_cb(nng_aio *aio)
{
	nng_http_req *req = nng_aio_get_input(aio, 0);
	nng_http_res *res = NULL;
	size_t len = 0;
	char *text = mserver_take(&len);
	bool om = mserver_wants_om(req);
	hpi_buf b;
	int rv;

	hpi_buf_init(&b);
	if (text != NULL && !om)
		hpi_metrics_text004(&b, text, len);
	if (text == NULL || b.failed) {
		rv = nng_http_res_alloc_error(&res, NNG_HTTP_STATUS_SERVICE_UNAVAILABLE);
	} else if ((rv = nng_http_res_alloc(&res)) == 0 &&
		   (rv = nng_http_res_set_header(res, "Content-Type",
						 om ? MSERVER_OM_TYPE : MSERVER_TEXT_TYPE)) == 0) {
		rv = om ? nng_http_res_copy_data(res, text, len)
			: nng_http_res_copy_data(res, b.data ? b.data : "", b.len);
	}
	free(text);
	hpi_buf_fini(&b);
	if (rv != 0) {
		nng_http_res_free(res);
		nng_aio_finish(aio, rv);
		return;
	}
	nng_aio_set_output(aio, 0, res);
	nng_aio_finish(aio, 0);
}

/* Holds and starts the server of u with the handler; 0 or an nng error. */
static int mserver_listen(const nng_url *u, const char **why)
{
	nng_http_handler *h = NULL;
	nng_sockaddr sa;
	const char *path = u->u_path[0] != '\0' && strcmp(u->u_path, "/") != 0 ? u->u_path
									: "/metrics";
	int rv;

	if ((rv = nng_http_server_hold(&ms.srv, u)) != 0) {
		*why = nng_strerror(rv);
		ms.srv = NULL;
		return rv;
	}
	if ((rv = nng_http_handler_alloc(&h, path, mserver_cb)) != 0 ||
	    (rv = nng_http_handler_set_method(h, "GET")) != 0 ||
	    (rv = nng_http_server_add_handler(ms.srv, h)) != 0) {
		if (h != NULL)
			nng_http_handler_free(h);
		*why = nng_strerror(rv);
	} else if ((rv = nng_http_server_start(ms.srv)) != 0) {
		*why = nng_strerror(rv);
	}
	if (rv != 0) {
		nng_http_server_release(ms.srv);
		ms.srv = NULL;
		return rv;
	}
	if (nng_http_server_get_addr(ms.srv, &sa) == 0)
		ms.port = sa.s_family == NNG_AF_INET6 ? ntohs(sa.s_in6.sa_port)
						      : ntohs(sa.s_in.sa_port);
	return 0;
}

int hpi_mserver_start(const char *url, int wait_ms, const char **why)
{
	nng_url *u = NULL;
	int rv;

	pthread_mutex_lock(&ms.mu);
	mserver_cv_init();
	if (ms.srv != NULL) {
		pthread_mutex_unlock(&ms.mu);
		*why = ms.pid == getpid() ? "this process serves metrics already"
					  : "nng cannot be used in a child of a process that "
					    "served metrics (fork)";
		return NNG_EBUSY;
	}
	if ((rv = nng_url_parse(&u, url)) != 0 || strcmp(u->u_scheme, "http") != 0) {
		pthread_mutex_unlock(&ms.mu);
		*why = rv != 0 ? nng_strerror(rv) : "only http:// URLs are served";
		nng_url_free(u);
		return rv != 0 ? rv : NNG_ENOTSUP;
	}
	free(ms.text);
	ms.text = NULL;
	ms.len = 0;
	ms.want = ms.stopping = false;
	ms.wait_ms = wait_ms > 0 ? wait_ms : 1000;
	ms.port = 0;
	ms.pid = getpid();
	/* a guard that just stopped may still hold the port for a moment */
	for (int i = 0; (rv = mserver_listen(u, why)) == NNG_EADDRINUSE && i < 100; i++)
		nanosleep(&(struct timespec){0, 10000000L}, NULL);
	pthread_mutex_unlock(&ms.mu);
	nng_url_free(u);
	return rv;
}

bool hpi_mserver_wanted(void)
{
	return __atomic_load_n(&ms.want, __ATOMIC_RELAXED);
}

bool hpi_mserver_wait(int timeout_ms)
{
	struct timespec dl;
	bool want;

	clock_gettime(CLOCK_MONOTONIC, &dl);
	dl.tv_sec += timeout_ms / 1000;
	dl.tv_nsec += (long)(timeout_ms % 1000) * 1000000L;
	if (dl.tv_nsec >= 1000000000L) {
		dl.tv_sec++;
		dl.tv_nsec -= 1000000000L;
	}
	pthread_mutex_lock(&ms.mu);
	while (!ms.want && !ms.stopping && ms.cv_ready)
		if (pthread_cond_timedwait(&ms.cv, &ms.mu, &dl) == ETIMEDOUT)
			break;
	want = ms.want;
	pthread_mutex_unlock(&ms.mu);
	return want;
}

void hpi_mserver_put(hpi_buf *b)
{
	char *old;

	if (b->failed) {
		hpi_buf_fini(b);
		return;
	}
	pthread_mutex_lock(&ms.mu);
	old = ms.text;
	ms.text = b->data;
	ms.len = b->len;
	ms.gen++;
	ms.want = false;
	if (ms.cv_ready)
		pthread_cond_broadcast(&ms.cv);
	pthread_mutex_unlock(&ms.mu);
	free(old);
	hpi_buf_init(b);
}

int hpi_mserver_port(void)
{
	int port;

	pthread_mutex_lock(&ms.mu);
	port = ms.srv != NULL ? ms.port : 0;
	pthread_mutex_unlock(&ms.mu);
	return port;
}

void hpi_mserver_stop(void)
{
	nng_http_server *srv;

	pthread_mutex_lock(&ms.mu);
	srv = ms.srv;
	if (srv == NULL || ms.pid != getpid()) {
		pthread_mutex_unlock(&ms.mu);
		return;
	}
	ms.stopping = true;
	pthread_cond_broadcast(&ms.cv);
	pthread_mutex_unlock(&ms.mu);
	nng_http_server_stop(srv);
	nng_http_server_release(srv);
	pthread_mutex_lock(&ms.mu);
	ms.srv = NULL;
	free(ms.text);
	ms.text = NULL;
	ms.len = 0;
	pthread_mutex_unlock(&ms.mu);
}

/* ---- the guard's endpoint --------------------------------------------------- */

struct hpi_metrics {
	struct hpi_registry *reg;
	char *program;
	long pid;
	uint64_t unix0_ns;
};

hpi_metrics *hpi_metrics_start(const hpi_config *c, struct hpi_registry *r,
			       const hpi_publish_info *in)
{
	hpi_metrics *m;
	const char *why = NULL;

	if (c->metrics == NULL || *c->metrics == '\0' || strcmp(c->metrics, "off") == 0)
		return NULL;
	if ((m = calloc(1, sizeof(*m))) == NULL ||
	    (m->program = strdup(in->program ? in->program : "?")) == NULL) {
		free(m);
		hpi_warn("out of memory; not serving metrics");
		return NULL;
	}
	m->reg = r;
	m->pid = in->pid;
	m->unix0_ns = in->unix0_ns;
	if (hpi_mserver_start(c->metrics, 2000, &why) != 0) {
		hpi_warn("publish.metrics: cannot serve \"%s\": %s; running without metrics",
			 c->metrics, why ? why : "?");
		free(m->program);
		free(m);
		return NULL;
	}
	return m;
}

void hpi_metrics_answer(hpi_buf *out, struct hpi_registry *r, const hpi_publish_info *in)
{
	hp_snapshot *s = hpi_metrics_snapshot(r, in->program, in->pid, in->unix0_ns);

	if (s == NULL) {
		out->failed = true;
		return;
	}
	hpi_metrics_render(out, s, true);
	hpi_snapshot_free(s);
}

/* What the last render cost (the benchmark reads it). */
static uint64_t metrics_snap_ns, metrics_render_ns;
static size_t metrics_bytes;

void hpi_metrics_last(uint64_t *snap_ns, uint64_t *render_ns, size_t *bytes)
{
	*snap_ns = __atomic_load_n(&metrics_snap_ns, __ATOMIC_ACQUIRE);
	*render_ns = __atomic_load_n(&metrics_render_ns, __ATOMIC_ACQUIRE);
	*bytes = __atomic_load_n(&metrics_bytes, __ATOMIC_ACQUIRE);
}

void hpi_metrics_tick(hpi_metrics *m)
{
	hp_snapshot *s;
	hpi_buf b;
	uint64_t t0, t1;

	if (m == NULL || !hpi_mserver_wanted())
		return;
	t0 = hpi_mono_ns();
	if ((s = hpi_metrics_snapshot(m->reg, m->program, m->pid, m->unix0_ns)) == NULL)
		return;
	t1 = hpi_mono_ns();
	hpi_buf_init(&b);
	hpi_metrics_render(&b, s, true);
	hpi_snapshot_free(s);
	__atomic_store_n(&metrics_snap_ns, t1 - t0, __ATOMIC_RELEASE);
	__atomic_store_n(&metrics_render_ns, hpi_mono_ns() - t1, __ATOMIC_RELEASE);
	__atomic_store_n(&metrics_bytes, b.len, __ATOMIC_RELEASE);
	hpi_mserver_put(&b);
}

void hpi_metrics_stop(hpi_metrics *m)
{
	if (m == NULL)
		return;
	hpi_mserver_stop();
	free(m->program);
	free(m);
}
