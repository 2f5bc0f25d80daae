/* SPDX-License-Identifier: MIT */
/*
 * dial.c - how `hotpath console`, `dump` and `query` reach a program:
 * nng's dial, in the background (retried until the program is up), with a
 * TLS client configuration for tls+ URLs (the CA to trust, the server name
 * to verify, a client certificate to present), and a one-shot check that
 * says in words why nothing got through: nothing listening, or which part
 * of TLS failed.
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <nng/nng.h>
#include <nng/supplemental/tls/tls.h>

#include "console.h"

#define DIAL_PEM_MAX (1u << 20) /* a certificate or key file, at most */

/* Whether url is a tls+ URL. */
bool hpc_is_tls(const char *url)
{
	return url != NULL && strncmp(url, "tls+", 4) == 0;
}

/* The host of url (brackets of an IPv6 address dropped); caller frees;
 * NULL when url has none. */
static char *dial_host(const char *url)
{
	nng_url *u;
	char *h = NULL;

	if (nng_url_parse(&u, url) != 0)
		return NULL;
	if (u->u_hostname != NULL && *u->u_hostname != '\0')
		h = xstrdup(u->u_hostname);
	nng_url_free(u);
	return h;
}

/* A PEM file's text (NUL-terminated, caller frees), or NULL and errno. */
static char *dial_slurp(const char *path)
{
	FILE *f = fopen(path, "r");
	char *buf;
	size_t n;

	if (f == NULL)
		return NULL;
	buf = xmalloc(DIAL_PEM_MAX + 1);
	n = fread(buf, 1, DIAL_PEM_MAX + 1, f);
	if (ferror(f) || n > DIAL_PEM_MAX) {
		int e = ferror(f) ? errno : EFBIG;
		fclose(f);
		free(buf);
		errno = e;
		return NULL;
	}
	fclose(f);
	buf[n] = '\0';
	return buf;
}

bool hpc_tls_option(int c, const char *arg, hpc_tls *t)
{
	switch (c) {
	case 'C': t->cacert = arg; return true;
	case 0x100: t->cert = arg; return true;
	case 0x101: t->key = arg; return true;
	case 0x102: t->server_name = arg; return true;
	case 'k': t->insecure = true; return true;
	default: return false;
	}
}

/* Whether the file of option opt can be read; says why not. */
static bool dial_readable(const char *cmd, const char *opt, const char *path)
{
	char *p;

	if (path == NULL)
		return true;
	if ((p = dial_slurp(path)) == NULL) {
		hpc_usage_error(cmd, "%s: cannot read %s: %s", opt, path, strerror(errno));
		return false;
	}
	free(p);
	return true;
}

/* Checks the TLS options a command was given; 0, or HPC_EXIT_USAGE after
 * saying what is wrong. */
int hpc_tls_check(const char *cmd, const hpc_tls *t)
{
	if ((t->cert == NULL) != (t->key == NULL))
		return hpc_usage_error(cmd, "--cert and --key go together");
	if (t->server_name != NULL && *t->server_name == '\0')
		return hpc_usage_error(cmd, "--server-name needs a name");
	if (!dial_readable(cmd, "--cacert", t->cacert) ||
	    !dial_readable(cmd, "--cert", t->cert) || !dial_readable(cmd, "--key", t->key))
		return HPC_EXIT_USAGE;
	return 0;
}

/* A client TLS configuration for url; verify_name false leaves the server
 * name unchecked (only the diagnosis of a failure asks for that).  0 or an
 * nng error. */
static int dial_tls_config(nng_tls_config **out, const char *url, const hpc_tls *t,
			   bool verify_name)
{
	nng_tls_config *c = NULL;
	char *name = NULL, *cert = NULL, *key = NULL;
	int rv;

	if ((rv = nng_tls_config_alloc(&c, NNG_TLS_MODE_CLIENT)) != 0)
		return rv;
	if (t->cacert != NULL)
		rv = nng_tls_config_ca_file(c, t->cacert);
	if (rv == 0)
		rv = nng_tls_config_auth_mode(c, t->insecure ? NNG_TLS_AUTH_MODE_NONE
						  : NNG_TLS_AUTH_MODE_REQUIRED);
	/* the name the certificate must carry: --server-name, else the URL's
	 * host (mbed TLS checks it against the subject's names) */
	if (rv == 0 && verify_name && !t->insecure) {
		name = t->server_name ? xstrdup(t->server_name) : dial_host(url);
		if (name != NULL)
			rv = nng_tls_config_server_name(c, name);
	}
	if (rv == 0 && t->cert != NULL) {
		if ((cert = dial_slurp(t->cert)) == NULL || (key = dial_slurp(t->key)) == NULL)
			rv = NNG_ENOENT;
		else
			rv = nng_tls_config_own_cert(c, cert, key, NULL);
	}
	free(name);
	free(cert);
	free(key);
	if (rv != 0) {
		nng_tls_config_free(c);
		return rv;
	}
	*out = c;
	return 0;
}

int hpc_dialer_start(nng_socket s, const char *url, const hpc_tls *t, nng_dialer *out)
{
	static const hpc_tls none = {0};
	nng_tls_config *c = NULL;
	nng_dialer d;
	int rv;

	if (!hpc_is_tls(url))
		return nng_dial(s, url, out, NNG_FLAG_NONBLOCK);
	if ((rv = dial_tls_config(&c, url, t ? t : &none, true)) != 0)
		return rv;
	if ((rv = nng_dialer_create(&d, s, url)) == 0) {
		if ((rv = nng_dialer_set_ptr(d, NNG_OPT_TLS_CONFIG, c)) == 0)
			rv = nng_dialer_start(d, NNG_FLAG_NONBLOCK);
		if (rv != 0)
			nng_dialer_close(d);
		else if (out != NULL)
			*out = d;
	}
	nng_tls_config_free(c); /* the dialer holds its own reference */
	return rv;
}

int hpc_dial(nng_socket s, const char *url, const hpc_tls *t)
{
	return hpc_dialer_start(s, url, t, NULL);
}

/* One connection to url, its TLS handshake included: 0 when the peer
 * spoke, else an nng error.  Bounded by timeout_ms in all. */
static int dial_once(const char *url, const hpc_tls *t, bool verify_name, unsigned timeout_ms)
{
	nng_stream_dialer *d = NULL;
	nng_tls_config *c = NULL;
	nng_stream *st = NULL;
	nng_aio *aio = NULL;
	char byte;
	nng_iov iov = {.iov_buf = &byte, .iov_len = 1};
	int rv;

	if ((rv = nng_stream_dialer_alloc(&d, url)) != 0)
		return rv;
	if (hpc_is_tls(url) && (rv = dial_tls_config(&c, url, t, verify_name)) == 0) {
		rv = nng_stream_dialer_set_ptr(d, NNG_OPT_TLS_CONFIG, c);
		nng_tls_config_free(c);
	}
	if (rv == 0 && (rv = nng_aio_alloc(&aio, NULL, NULL)) == 0) {
		nng_aio_set_timeout(aio, (nng_duration)timeout_ms);
		nng_stream_dialer_dial(d, aio);
		nng_aio_wait(aio);
		if ((rv = nng_aio_result(aio)) == 0) {
			/* the handshake runs on the first read: the SP peer
			 * speaks first (its 8-byte header) once it is through */
			st = nng_aio_get_output(aio, 0);
			nng_aio_set_iov(aio, 1, &iov);
			nng_stream_recv(st, aio);
			nng_aio_wait(aio);
			rv = nng_aio_result(aio);
			nng_stream_free(st);
		}
		nng_aio_free(aio);
	}
	nng_stream_dialer_free(d);
	return rv;
}

int hpc_dial_check(const char *url, const hpc_tls *t, unsigned timeout_ms, char **why)
{
	static const hpc_tls none = {0};
	hpc_tls insecure;
	char *name;
	int rv;

	*why = NULL;
	if (t == NULL)
		t = &none;
	if ((rv = dial_once(url, t, true, timeout_ms)) == 0 || rv == NNG_ETIMEDOUT)
		return rv;
	if (rv == NNG_ECONNREFUSED || rv == NNG_ENOENT || rv == NNG_EADDRINVAL ||
	    rv == NNG_EUNREACHABLE) {
		*why = xasprintf("nothing listening at %s (%s)", url, nng_strerror(rv));
		return rv;
	}
	if (!hpc_is_tls(url)) {
		*why = xasprintf("%s: %s", url, nng_strerror(rv));
		return rv;
	}
	/* what failed, by elimination: the same handshake without the name
	 * check, then without any certificate check */
	name = t->server_name ? xstrdup(t->server_name) : dial_host(url);
	insecure = *t;
	insecure.insecure = true;
	if (!t->insecure && dial_once(url, t, false, timeout_ms) == 0)
		*why = xasprintf("TLS: %s: the program's certificate is not for \"%s\": the "
				 "name did not match (--server-name NAME sets the name to "
				 "expect)", url, name ? name : "?");
	else if (!t->insecure && dial_once(url, &insecure, false, timeout_ms) == 0)
		*why = xasprintf("TLS: %s: the program's certificate is not trusted: not "
				 "signed by the CA of --cacert%s, or expired (%s)", url,
				 t->cacert ? "" : " (none given)", nng_strerror(rv));
	else if (t->cert == NULL)
		*why = xasprintf("TLS: %s: the program refused the handshake (%s); one with "
				 "publish.tls.ca asks for a client certificate: --cert and "
				 "--key", url, nng_strerror(rv));
	else
		*why = xasprintf("TLS: %s: the program refused the handshake (%s): is the "
				 "certificate of --cert signed by its publish.tls.ca?", url,
				 nng_strerror(rv));
	free(name);
	return rv;
}
