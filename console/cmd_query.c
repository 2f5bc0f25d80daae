/* SPDX-License-Identifier: MIT */
/*
 * cmd_query.c - `hotpath query URL REQUEST`: one request to a profiled
 * program's query endpoint, its reply on stdout (docs/wire.md).
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <nng/nng.h>
#include <nng/protocol/reqrep0/req.h>

#include "console.h"

#define QUERY_CHECK_MS 2000 /* the check that tells why, at most */

/* `hotpath query --help`. */
static void query_usage(FILE *f)
{
	fputs("Usage: hotpath query [OPTIONS] [URL|PID|NAME] REQUEST\n"
	      "\n"
	      "Sends REQUEST to the query endpoint of a profiled program (its\n"
	      "publish.query URL, or a local program's pid or name; without one,\n"
	      "the only program that hotpath ls lists) and prints the\n"
	      "reply, one line of JSON. REQUEST is a JSON object such as\n"
	      "'{\"cmd\":\"sections\"}', or a bare command name: hello, sections,\n"
	      "snapshot or metrics (the OpenMetrics text, docs/metrics.md).\n"
	      "\n"
	      "Options:\n"
	      "  -w, --timeout MS    wait at most MS milliseconds for the reply (5000),\n"
	      "                      then say why none came\n"
	      HPC_TLS_HELP
	      "  -h, --help          this text\n"
	      "\n"
	      "Exit status: 0 a reply, 1 an error reply, no reply or TLS refused, 2 usage.\n", f);
}

/* Sends req and receives the reply into *rep (nng_free it). */
static int query_run(const char *url, const char *req, uint64_t timeout_ms,
		     const hpc_tls *tls, char **rep, size_t *len)
{
	nng_socket s;
	int rv;

	if ((rv = nng_req0_open(&s)) != 0)
		return rv;
	if ((rv = nng_socket_set_ms(s, NNG_OPT_RECVTIMEO, (nng_duration)timeout_ms)) == 0 &&
	    (rv = nng_socket_set_ms(s, NNG_OPT_SENDTIMEO, (nng_duration)timeout_ms)) == 0 &&
	    (rv = hpc_dial(s, url, tls)) == 0 &&
	    (rv = nng_send(s, (void *)req, strlen(req), 0)) == 0)
		rv = nng_recv(s, rep, len, NNG_FLAG_ALLOC);
	/* no nng_close: nng 1.5's can wait for a busy pipe, and the command
	 * ends right after */
	return rv;
}

int hpc_cmd_query(int argc, char **argv)
{
	static const struct option longs[] = {
		{"timeout", required_argument, NULL, 'w'},
		HPC_TLS_LONGS,
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0}
	};
	uint64_t timeout_ms = 5000;
	hpc_tls tls = {0};
	const char *target = NULL;
	char *url = NULL, *req, *rep = NULL, *why = NULL;
	size_t len = 0;
	int c, rv;
	bool err;

	opterr = 0;
	optind = 0;
	while ((c = getopt_long(argc, argv, ":w:kh", longs, NULL)) != -1) {
		if (hpc_tls_option(c, optarg, &tls))
			continue;
		switch (c) {
		case 'w':
			if (!hpc_parse_count(optarg, &timeout_ms) || timeout_ms == 0 ||
			    timeout_ms > 86400000)
				return hpc_usage_error("query", "--timeout needs 1..86400000 ms, not '%s'", optarg);
			break;
		case 'h':
			query_usage(stdout);
			return HPC_EXIT_OK;
		default:
			return hpc_bad_option("query", argv, c);
		}
	}
	if (argc - optind == 2)
		target = argv[optind++];
	else if (argc - optind != 1)
		return hpc_usage_error("query", "needs [URL|PID|NAME] REQUEST");
	else if (strstr(argv[optind], "://") != NULL)
		return hpc_usage_error("query", "needs a REQUEST after the URL");
	if ((rv = hpc_tls_check("query", &tls)) != 0)
		return rv;
	if ((rv = hpc_resolve("query", target, true, timeout_ms, &url)) != 0)
		return rv;
	if (hpc_is_tls(url) &&
	    hpc_dial_check(url, &tls, QUERY_CHECK_MS, &why) != 0 && why != NULL &&
	    strncmp(why, "TLS: ", 5) == 0) {
		/* nng retries a refused handshake in silence: say what TLS refused */
		hpc_error("query: %s", why);
		free(why);
		free(url);
		return HPC_EXIT_FAIL;
	}
	free(why);
	why = NULL;
	if (strchr(argv[optind], '{') == NULL)
		req = xasprintf("{\"cmd\":\"%s\"}", argv[optind]);
	else
		req = xstrdup(argv[optind]);
	rv = query_run(url, req, timeout_ms, &tls, &rep, &len);
	free(req);
	if (rv != 0) {
		if (rv == NNG_ETIMEDOUT)
			hpc_dial_check(url, &tls, QUERY_CHECK_MS, &why);
		if (why != NULL)
			hpc_error("query: no reply within %llu ms: %s",
				  (unsigned long long)timeout_ms, why);
		else if (rv == NNG_ETIMEDOUT)
			hpc_error("query: no reply from %s within %llu ms (--timeout)", url,
				  (unsigned long long)timeout_ms);
		else
			hpc_error("query: %s: %s", url, nng_strerror(rv));
		free(why);
		free(url);
		return rv == NNG_EADDRINVAL || rv == NNG_ENOTSUP ? HPC_EXIT_USAGE : HPC_EXIT_FAIL;
	}
	err = len >= 23 && memcmp(rep, "{\"type\":\"hotpath_error\"", 23) == 0;
	if (len > 0 && rep[0] == '#') {
		/* {"cmd":"metrics"}: OpenMetrics text, lines as they are */
		hpi_buf t;
		hpi_buf_init(&t);
		hpi_buf_term(&t, rep, len, HPI_TERM_NEWLINE);
		fwrite(t.data ? t.data : "", 1, t.len, stdout);
		hpi_buf_fini(&t);
	} else {
		hpi_term_json_print(stdout, rep, len); /* no escape sequence reaches the terminal */
		putchar('\n');
	}
	nng_free(rep, len);
	free(url);
	return err ? HPC_EXIT_FAIL : HPC_EXIT_OK;
}
