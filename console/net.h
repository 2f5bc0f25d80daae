/* SPDX-License-Identifier: MIT */
/*
 * net.h - the console's side of the wire (docs/wire.md): one connection
 * per target, a SUB socket on its publish endpoint and, once hello named
 * it, a REQ context on its query endpoint.  A reader thread per
 * connection receives and decodes messages; the console's loop polls for
 * them and for everything else, and never blocks.
 */
#ifndef HPC_NET_H
#define HPC_NET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct hpc_conn hpc_conn;

/* Subscribes to every topic of url, dialing in the background.  NULL and
 * *err (caller frees) when the URL is unusable. */
hpc_conn *hpc_conn_open(const char *url, const struct hpc_tls *tls, char **err);
/* Closes what can be closed without waiting; NULL is a no-op. */
void hpc_conn_free(hpc_conn *c);
/* The next message, already decoded by the connection's reader thread,
 * or NULL when none waits.  Give it to hpc_model_apply (or hpc_msg_free). */
struct hpc_msg *hpc_conn_recv(hpc_conn *c);
/* A pipe to the publisher is up. */
bool hpc_conn_connected(const hpc_conn *c);
/* While not connected, checks about once a second whether anything
 * listens at the URL (and for tls+ URLs, whether TLS lets us through).
 * Returns "nothing listening at URL (why)" or "TLS: ..." (borrowed, until
 * the next call) or NULL while it cannot tell or something listens. */
const char *hpc_conn_problem(hpc_conn *c, uint64_t now);
/* Sends req to query (the REQ socket is (re)opened for a new URL); a
 * request still waiting is abandoned.  0 or an nng error. */
int hpc_conn_ask(hpc_conn *c, const char *query, const char *req);
/* 1 and the reply in *rep (caller frees), 0 while waiting or idle, or an
 * nng error (negative: -NNG_ETIMEDOUT after 3 s without a reply). */
int hpc_conn_reply(hpc_conn *c, char **rep, size_t *len);

/* How many messages were not JSON (a \u0000, bad UTF-8) since the last
 * call; the loop adds them to its target's count. */
uint64_t hpc_conn_take_bad(hpc_conn *c);

#endif /* HPC_NET_H */
