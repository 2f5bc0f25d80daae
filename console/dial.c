/* SPDX-License-Identifier: MIT */
/*
 * dial.c - how `hotpath dump` and `hotpath query` reach a program: nng's
 * dial, in the background (retried until the program is up), with a TLS
 * client configuration for tls+ URLs.
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <string.h>

#include <nng/nng.h>
#include <nng/supplemental/tls/tls.h>

#include "console.h"

int hpc_dial(nng_socket s, const char *url, const char *cacert, bool insecure)
{
	nng_tls_config *t = NULL;
	nng_dialer d;
	int rv;

	if (strncmp(url, "tls+", 4) != 0)
		return nng_dial(s, url, NULL, NNG_FLAG_NONBLOCK);
	if ((rv = nng_tls_config_alloc(&t, NNG_TLS_MODE_CLIENT)) != 0)
		return rv;
	if (cacert != NULL)
		rv = nng_tls_config_ca_file(t, cacert);
	if (rv == 0)
		rv = nng_tls_config_auth_mode(t, insecure ? NNG_TLS_AUTH_MODE_NONE
						  : NNG_TLS_AUTH_MODE_REQUIRED);
	if (rv == 0 && (rv = nng_dialer_create(&d, s, url)) == 0) {
		if ((rv = nng_dialer_set_ptr(d, NNG_OPT_TLS_CONFIG, t)) == 0)
			rv = nng_dialer_start(d, NNG_FLAG_NONBLOCK);
		if (rv != 0)
			nng_dialer_close(d);
	}
	nng_tls_config_free(t); /* the dialer holds its own reference */
	return rv;
}
