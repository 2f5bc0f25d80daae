/* SPDX-License-Identifier: MIT */
/*
 * cmd_dump.c - `hotpath dump [URL]`: subscribes to a profiled program's
 * publisher and prints every message body as one line of JSON
 * (docs/wire.md).  Connecting is retried in the background, so dump may
 * start before the program does.
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <nng/nng.h>
#include <nng/protocol/pubsub0/sub.h>

#include "console.h"

#define DUMP_MAX_TOPICS 16
#define DUMP_DEFAULT_TIMEOUT_MS 10000 /* a program says hello every second */
#define DUMP_CHECK_MS 2000            /* the check that tells why, at most */

typedef struct dump_opts {
	char *url;           /* resolved from the target (hpc_resolve) */
	const char *topics[DUMP_MAX_TOPICS];
	size_t ntopics;
	uint64_t count;      /* 0 = until interrupted */
	uint64_t timeout_ms; /* 0 = wait for ever */
	bool raw;            /* print the topic too */
	hpc_tls tls;         /* tls+ URLs */
} dump_opts;

static int dump_pipes; /* pipes up to the program (nng's pipe events) */

/* `hotpath dump --help`. */
static void dump_usage(FILE *f)
{
	fputs("Usage: hotpath dump [OPTIONS] [URL|PID|NAME]\n"
	      "\n"
	      "Prints the live messages of a profiled program (docs/wire.md), one JSON\n"
	      "object per line. URL is its publish.endpoint; a pid or a program name\n"
	      "picks a program that hotpath ls lists; without one, the only program\n"
	      "running (waiting for it up to --timeout).\n"
	      "\n"
	      "Options:\n"
	      "  -t, --topic T       only messages of topic T (a section id, or hello);\n"
	      "                      repeatable; default: every topic\n"
	      "  -n, --count N       exit after N messages\n"
	      "  -w, --timeout MS    fail, saying why, when no message comes for MS\n"
	      "                      milliseconds (default 10000; 0 waits for ever)\n"
	      "      --raw           print each message as sent: topic, space, JSON\n"
	      HPC_TLS_HELP
	      "  -h, --help          this text\n"
	      "\n"
	      "Exit status: 0 ok, 1 cannot connect, TLS refused or timed out, 2 usage.\n", f);
}

/* Reads the command line into o. */
static int dump_args(int argc, char **argv, dump_opts *o)
{
	static const struct option longs[] = {
		{"topic", required_argument, NULL, 't'},
		{"count", required_argument, NULL, 'n'},
		{"timeout", required_argument, NULL, 'w'},
		{"raw", no_argument, NULL, 'R'},
		HPC_TLS_LONGS,
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0}
	};
	int c, rv;

	opterr = 0;
	optind = 0;
	o->timeout_ms = DUMP_DEFAULT_TIMEOUT_MS;
	while ((c = getopt_long(argc, argv, ":t:n:w:kh", longs, NULL)) != -1) {
		if (hpc_tls_option(c, optarg, &o->tls))
			continue;
		switch (c) {
		case 't':
			if (o->ntopics == DUMP_MAX_TOPICS)
				return hpc_usage_error("dump", "at most %d topics", DUMP_MAX_TOPICS);
			if (strchr(optarg, ' ') != NULL || *optarg == '\0')
				return hpc_usage_error("dump", "a topic is a word: '%s'", optarg);
			o->topics[o->ntopics++] = optarg;
			break;
		case 'n':
			if (!hpc_parse_count(optarg, &o->count) || o->count == 0)
				return hpc_usage_error("dump", "--count needs a positive integer, not '%s'", optarg);
			break;
		case 'w':
			if (!hpc_parse_count(optarg, &o->timeout_ms) || o->timeout_ms > 86400000)
				return hpc_usage_error("dump", "--timeout needs 0..86400000 ms, not '%s'", optarg);
			break;
		case 'R':
			o->raw = true;
			break;
		case 'h':
			dump_usage(stdout);
			return -1;
		default:
			return hpc_bad_option("dump", argv, c);
		}
	}
	if (argc - optind > 1)
		return hpc_usage_error("dump", "one URL, pid or name at most");
	if ((rv = hpc_tls_check("dump", &o->tls)) != 0)
		return rv;
	return hpc_resolve("dump", optind < argc ? argv[optind] : NULL, false, o->timeout_ms,
			   &o->url);
}

/* Pipe events: counts the pipes up, so a timeout can tell "never
 * connected" from "connected, then silent". */
static void dump_pipe_event(nng_pipe p, nng_pipe_ev ev, void *arg)
{
	(void)p;
	(void)arg;
	(void)ev;
	__atomic_add_fetch(&dump_pipes, 1, __ATOMIC_RELAXED);
}

/* Says why no message came within the timeout: nothing listening, TLS
 * refused, or a program that connected and then said nothing. */
static void dump_timed_out(const dump_opts *o)
{
	char *why = NULL;

	if (__atomic_load_n(&dump_pipes, __ATOMIC_RELAXED) > 0) {
		hpc_error("dump: no message from %s for %llu ms (--timeout)", o->url,
			  (unsigned long long)o->timeout_ms);
		return;
	}
	hpc_dial_check(o->url, &o->tls, DUMP_CHECK_MS, &why);
	if (why != NULL)
		hpc_error("dump: no program answered within %llu ms: %s", (unsigned long long)o->timeout_ms,
			  why);
	else
		hpc_error("dump: no program answered at %s within %llu ms (--timeout; is it "
			  "running with publish.endpoint %s?)", o->url,
			  (unsigned long long)o->timeout_ms, o->url);
	free(why);
}

/* Opens the SUB socket, subscribed, dialing in the background. */
static int dump_open(nng_socket *s, const dump_opts *o)
{
	char topic[256];
	int rv;

	if ((rv = nng_sub0_open(s)) != 0) {
		hpc_error("dump: %s", nng_strerror(rv));
		return HPC_EXIT_FAIL;
	}
	if (o->ntopics == 0)
		rv = nng_socket_set(*s, NNG_OPT_SUB_SUBSCRIBE, "", 0);
	for (size_t i = 0; i < o->ntopics && rv == 0; i++) {
		/* "T " so that topic "a" does not also match "ab" */
		int n = snprintf(topic, sizeof(topic), "%s ", o->topics[i]);
		if (n < 0 || (size_t)n >= sizeof(topic)) {
			nng_close(*s);
			return hpc_usage_error("dump", "topic too long: '%s'", o->topics[i]);
		}
		rv = nng_socket_set(*s, NNG_OPT_SUB_SUBSCRIBE, topic, (size_t)n);
	}
	if (rv == 0 && o->timeout_ms)
		rv = nng_socket_set_ms(*s, NNG_OPT_RECVTIMEO, (nng_duration)o->timeout_ms);
	if (rv == 0)
		rv = nng_pipe_notify(*s, NNG_PIPE_EV_ADD_POST, dump_pipe_event, NULL);
	if (rv == 0)
		rv = hpc_dial(*s, o->url, &o->tls);
	if (rv != 0) {
		hpc_error("dump: %s: %s", o->url, nng_strerror(rv));
		nng_close(*s);
		return rv == NNG_EADDRINVAL || rv == NNG_ENOTSUP ? HPC_EXIT_USAGE : HPC_EXIT_FAIL;
	}
	return HPC_EXIT_OK;
}

/* Prints one message; false when it is not "<topic> <json>". */
static bool dump_print(const char *m, size_t len, bool raw)
{
	const char *sp = memchr(m, ' ', len);

	if (sp == NULL)
		return false;
	if (!raw) {
		len -= (size_t)(sp + 1 - m);
		m = sp + 1;
	}
	hpi_term_json_print(stdout, m, len); /* no escape sequence reaches the terminal */
	putchar('\n');
	fflush(stdout);
	return true;
}

/* Dials o's URL and prints what comes. */
static int dump_run(dump_opts *o)
{
	nng_socket s;
	uint64_t got = 0;
	int rv;

	if (hpc_is_tls(o->url)) {
		/* a refused handshake is retried by nng for ever, in silence:
		 * try once first, and say what TLS refused */
		char *why = NULL;
		if ((rv = hpc_dial_check(o->url, &o->tls, DUMP_CHECK_MS, &why)) != 0 &&
		    why != NULL && strncmp(why, "TLS: ", 5) == 0) {
			hpc_error("dump: %s", why);
			free(why);
			return HPC_EXIT_FAIL;
		}
		free(why);
	}
	if ((rv = dump_open(&s, o)) != HPC_EXIT_OK)
		return rv;
	while (o->count == 0 || got < o->count) {
		char *m = NULL;
		size_t len = 0;
		if ((rv = nng_recv(s, &m, &len, NNG_FLAG_ALLOC)) != 0) {
			if (rv == NNG_ETIMEDOUT)
				dump_timed_out(o);
			else
				hpc_error("dump: %s: %s", o->url, nng_strerror(rv));
			return HPC_EXIT_FAIL; /* no nng_close: see below */
		}
		if (dump_print(m, len, o->raw))
			got++;
		else
			hpc_error("dump: a message without a topic was skipped");
		nng_free(m, len);
	}
	/* No nng_close: nng 1.5's can wait for a busy pipe, and the
	 * process ends here anyway. */
	return HPC_EXIT_OK;
}

int hpc_cmd_dump(int argc, char **argv)
{
	dump_opts o = {0};
	int rv;

	if ((rv = dump_args(argc, argv, &o)) == 0)
		rv = dump_run(&o);
	else if (rv < 0)
		rv = HPC_EXIT_OK;
	free(o.url);
	return rv;
}
