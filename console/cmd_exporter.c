/* SPDX-License-Identifier: MIT */
/*
 * cmd_exporter.c - `hotpath exporter`: one /metrics for every profiled
 * program on this machine (docs/metrics.md), so Prometheus needs one target
 * per host.  On each scrape it lists the live programs (core/discover.c),
 * asks each one's query endpoint for {"cmd":"metrics"} (the program renders
 * its own text on its collector), and serves the texts merged, with
 * hotpath_up and its own counters.
 *
 * Why the query endpoint and not each program's publish.metrics: every
 * profiled program has a query socket by default (an ipc socket named by
 * its pid, no port to choose or clash), while publish.metrics is off by
 * default and each program would need a port of its own.
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <nng/nng.h>
#include <nng/protocol/reqrep0/req.h>

#include "console.h"
#include "hpi.h"
#include "discover.h"
#include "metrics.h"

#define EXPORTER_DEFAULT_LISTEN "http://127.0.0.1:9465/metrics"
#define EXPORTER_REPLY_MAX (64u << 20) /* a program's text, at most */

/* A program asked: its REQ socket stays open while it runs. */
typedef struct exp_target {
	long pid;               /* 0 for a URL given on the command line */
	uint64_t proc_start;
	char *program;
	char *url;
	nng_socket s;
	bool open, seen;
	char *text;             /* the last reply, nng_free'd */
	size_t len;
	uint64_t errors;        /* scrapes it did not answer */
} exp_target;

typedef struct exporter {
	exp_target *t;
	size_t n, cap;
	int timeout_ms;
	uint64_t scrapes;
	char *dir;
} exporter;

static volatile sig_atomic_t exporter_stop;

static void exporter_signal(int sig)
{
	(void)sig;
	exporter_stop = 1;
}

/* `hotpath exporter --help`. */
static void exporter_usage(FILE *f)
{
	fputs("Usage: hotpath exporter [OPTIONS] [QUERY_URL...]\n"
	      "\n"
	      "Serves one Prometheus /metrics for every profiled program running on\n"
	      "this machine for this user (found as `hotpath ls` finds them; programs\n"
	      "that start and stop appear and disappear), plus the query endpoints\n"
	      "given as QUERY_URL (tcp://, ipc://). Each scrape asks every program for\n"
	      "its metrics; the samples carry program and pid labels (docs/metrics.md).\n"
	      "\n"
	      "Options:\n"
	      "  -l, --listen ADDR   where to serve: HOST:PORT or an http:// URL\n"
	      "                      (" EXPORTER_DEFAULT_LISTEN ")\n"
	      "  -w, --timeout MS    wait at most MS for each program's reply (2000)\n"
	      "  -h, --help          this text\n"
	      "\n"
	      "Runs until SIGINT or SIGTERM. Exit status: 0 stopped by a signal, 1 cannot\n"
	      "listen, 2 usage.\n", f);
}

/* The target of pid (or of url when pid is 0), added when new. */
static exp_target *exporter_target(exporter *x, long pid, uint64_t proc_start, const char *program,
				   const char *url)
{
	exp_target *t;

	for (size_t i = 0; i < x->n; i++) {
		t = &x->t[i];
		if (pid != 0 ? t->pid == pid && t->proc_start == proc_start
			     : t->pid == 0 && strcmp(t->url, url) == 0)
			return t;
	}
	if (x->n == x->cap) {
		x->cap = x->cap ? x->cap * 2 : 16;
		x->t = xreallocarray(x->t, x->cap, sizeof(*x->t));
	}
	t = &x->t[x->n++];
	memset(t, 0, sizeof(*t));
	t->pid = pid;
	t->proc_start = proc_start;
	t->program = xstrdup(program ? program : "?");
	t->url = xstrdup(url);
	return t;
}

/* Forgets target i (its program ended). */
static void exporter_drop(exporter *x, size_t i)
{
	exp_target *t = &x->t[i];

	if (t->open)
		nng_close(t->s);
	if (t->text != NULL)
		nng_free(t->text, t->len);
	free(t->program);
	free(t->url);
	x->t[i] = x->t[--x->n];
}

/* Marks the programs running now (and the command line's URLs) as seen,
 * adds the new ones and drops those that ended. */
static void exporter_refresh(exporter *x, char *const *urls, size_t nurls)
{
	hpi_program *v = NULL;
	size_t n = 0;
	char *cause = NULL;

	for (size_t i = 0; i < x->n; i++)
		x->t[i].seen = false;
	if (hpi_discover_list(x->dir, 0, &v, &n, NULL, &cause) != 0) {
		hpc_error("exporter: %s", cause ? cause : "cannot list the programs");
		free(cause);
	}
	for (size_t i = 0; i < n; i++)
		if (v[i].query != NULL)
			exporter_target(x, v[i].pid, v[i].proc_start, v[i].program, v[i].query)->seen =
				true;
	hpi_discover_free(v, n);
	for (size_t i = 0; i < nurls; i++)
		exporter_target(x, 0, 0, urls[i], urls[i])->seen = true;
	for (size_t i = x->n; i-- > 0;)
		if (!x->t[i].seen)
			exporter_drop(x, i);
}

/* Sends {"cmd":"metrics"} to t (opening its socket first); false when it
 * cannot be sent (counted as an error). */
static bool exporter_ask(exporter *x, exp_target *t)
{
	static const char req[] = "{\"cmd\":\"metrics\"}";

	if (t->text != NULL) {
		nng_free(t->text, t->len);
		t->text = NULL;
	}
	if (!t->open) {
		if (nng_req0_open(&t->s) != 0)
			return false;
		nng_socket_set_size(t->s, NNG_OPT_RECVMAXSZ, EXPORTER_REPLY_MAX);
		nng_socket_set_ms(t->s, NNG_OPT_SENDTIMEO, x->timeout_ms);
		nng_socket_set_ms(t->s, NNG_OPT_RECVTIMEO, x->timeout_ms);
		/* ipc dials at once; a tcp:// peer that is down is retried by nng */
		if (nng_dial(t->s, t->url, NULL, NNG_FLAG_NONBLOCK) != 0) {
			nng_close(t->s);
			return false;
		}
		t->open = true;
	}
	return nng_send(t->s, (void *)req, sizeof(req) - 1, 0) == 0;
}

/* The exporter's own families, then the programs' texts merged: the text
 * a scrape gets. */
static void exporter_render(exporter *x, hpi_buf *out)
{
	const char **txt = xcalloc(x->n + 1, sizeof(*txt));
	size_t *len = xcalloc(x->n + 1, sizeof(*len));
	size_t up = 0, k = 1;
	hpi_buf own;

	hpi_buf_init(&own);
	hpi_buf_puts(&own, "# TYPE hotpath_up gauge\n"
			   "# HELP hotpath_up 1 when the program answered this scrape, else 0.\n");
	for (size_t i = 0; i < x->n; i++) {
		char num[32];
		hpi_buf_puts(&own, "hotpath_up{program=\"");
		hpi_metrics_label(&own, x->t[i].program);
		snprintf(num, sizeof(num), "%ld", x->t[i].pid);
		hpi_buf_puts(&own, "\",pid=\"");
		hpi_buf_puts(&own, x->t[i].pid ? num : "");
		hpi_buf_puts(&own, "\",query=\"");
		hpi_metrics_label(&own, x->t[i].url);
		hpi_buf_printf(&own, "\"} %d\n", x->t[i].text != NULL);
		if (x->t[i].text != NULL) {
			txt[k] = x->t[i].text;
			len[k++] = x->t[i].len;
			up++;
		}
	}
	hpi_buf_printf(&own, "# TYPE hotpath_exporter_programs gauge\n"
			     "# HELP hotpath_exporter_programs Profiled programs found.\n"
			     "hotpath_exporter_programs %zu\n"
			     "# TYPE hotpath_exporter_scrapes counter\n"
			     "# HELP hotpath_exporter_scrapes Scrapes served.\n"
			     "hotpath_exporter_scrapes_total %llu\n",
		       x->n, (unsigned long long)x->scrapes);
	txt[0] = own.data;
	len[0] = own.len;
	hpi_metrics_merge(out, txt, len, k);
	(void)up;
	hpi_buf_fini(&own);
	free(txt);
	free(len);
}

/* One scrape: every program asked at once, then each reply awaited. */
static void exporter_scrape(exporter *x, char *const *urls, size_t nurls)
{
	bool *asked;
	hpi_buf out;

	exporter_refresh(x, urls, nurls);
	asked = xcalloc(x->n + 1, sizeof(*asked));
	for (size_t i = 0; i < x->n; i++)
		asked[i] = exporter_ask(x, &x->t[i]);
	for (size_t i = 0; i < x->n; i++) {
		exp_target *t = &x->t[i];
		char *rep = NULL;
		size_t len = 0;
		if (asked[i] && nng_recv(t->s, &rep, &len, NNG_FLAG_ALLOC) == 0) {
			if (len > 0 && rep[0] == '#') {
				t->text = rep;
				t->len = len;
				continue;
			}
			nng_free(rep, len); /* an error reply: an older or busy program */
		}
		t->errors++;
	}
	free(asked);
	x->scrapes++;
	hpi_buf_init(&out);
	exporter_render(x, &out);
	hpi_mserver_put(&out);
}

/* ADDR as a URL: "HOST:PORT" becomes "http://HOST:PORT/metrics". */
static char *exporter_url(const char *addr)
{
	if (strstr(addr, "://") != NULL)
		return xstrdup(addr);
	return xasprintf("http://%s/metrics", addr);
}

int hpc_cmd_exporter(int argc, char **argv)
{
	static const struct option longs[] = {
		{"listen", required_argument, NULL, 'l'},
		{"timeout", required_argument, NULL, 'w'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0}
	};
	exporter x = {.timeout_ms = 2000};
	const char *listen = EXPORTER_DEFAULT_LISTEN, *why = NULL;
	struct sigaction sa;
	uint64_t v;
	char *url;
	int c;

	opterr = 0;
	optind = 0;
	while ((c = getopt_long(argc, argv, ":l:w:h", longs, NULL)) != -1) {
		switch (c) {
		case 'l':
			listen = optarg;
			break;
		case 'w':
			if (!hpc_parse_count(optarg, &v) || v == 0 || v > 600000)
				return hpc_usage_error("exporter", "--timeout needs 1..600000 ms, not '%s'", optarg);
			x.timeout_ms = (int)v;
			break;
		case 'h':
			exporter_usage(stdout);
			return HPC_EXIT_OK;
		default:
			return hpc_bad_option("exporter", argv, c);
		}
	}
	for (int i = optind; i < argc; i++)
		if (strstr(argv[i], "://") == NULL)
			return hpc_usage_error("exporter", "'%s' is not a query URL", argv[i]);
	url = exporter_url(listen);
	/* a scrape waits for the programs' replies, and then some */
	if (hpi_mserver_start(url, x.timeout_ms + 3000, &why) != 0) {
		hpc_error("exporter: cannot serve \"%s\": %s", url, why ? why : "?");
		free(url);
		return HPC_EXIT_FAIL;
	}
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = exporter_signal;
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
	fprintf(stderr, "hotpath exporter: serving %s (port %d)\n", url, hpi_mserver_port());
	x.dir = hpi_discover_dir();
	while (!exporter_stop)
		if (hpi_mserver_wait(200))
			exporter_scrape(&x, argv + optind, (size_t)(argc - optind));
	hpi_mserver_stop();
	while (x.n > 0)
		exporter_drop(&x, x.n - 1);
	free(x.t);
	free(x.dir);
	free(url);
	return HPC_EXIT_OK;
}
