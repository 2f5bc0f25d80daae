/* SPDX-License-Identifier: MIT */
/*
 * sp.h - the listening side of nng's PUB and REP protocols over ipc://,
 * without nng, for a fork child of a process that published: nng cannot
 * be used there (its threads stayed in the parent, and it aborts when a
 * child initialises it), yet the child has a publisher of its own
 * (report.fork: child, docs/threads-and-fork.md).  The wire is nng's
 * (SP over IPC: an 8-byte handshake, then each message as a type byte, a
 * 64-bit big-endian length and the body; a REQ message starts with the
 * request's 32-bit backtrace), so the console, `hotpath ls`, `dump`,
 * `query` and the MCP server read a child like any program.
 *
 * One thread per listener moves the bytes; the collector queues messages
 * and takes requests without waiting for a peer.
 */
#ifndef HPI_SP_H
#define HPI_SP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "strbuf.h"

enum { HPI_SP_PUB = 0x20, HPI_SP_SUB = 0x21, HPI_SP_REQ = 0x30, HPI_SP_REP = 0x31 };

typedef struct hpi_sp hpi_sp;

/* Listens on url ("ipc://PATH") speaking proto (HPI_SP_PUB or HPI_SP_REP),
 * at most max_peers connections at once (more are closed as they come and
 * counted); NULL with the reason in *why (static) on failure. */
hpi_sp *hpi_sp_listen(const char *url, int proto, size_t max_peers, const char **why);
/* PUB: queues msg[0..len) to every peer that finished its handshake; a
 * peer with HPI_SP_QUEUE_MAX bytes still unread misses it (as nng's PUB
 * drops for a slow subscriber).  -1 on no memory. */
int hpi_sp_send(hpi_sp *s, const void *msg, size_t len);
#define HPI_SP_QUEUE_MAX (16u << 20)
/* Peers that finished their handshake. */
size_t hpi_sp_peers(hpi_sp *s);
/* Connections refused past max_peers; requests dropped (too many waiting,
 * too big, no backtrace). */
uint64_t hpi_sp_refused(hpi_sp *s);
/* REP: the oldest request waiting: its body into *req (appended), its
 * token into *tok; false when none waits. */
bool hpi_sp_recv(hpi_sp *s, uint64_t *tok, hpi_buf *req);
/* Whether a request waits. */
bool hpi_sp_pending(hpi_sp *s);
/* The peer (connection) a token's request came from. */
static inline uint32_t hpi_sp_tok_peer(uint64_t tok) { return (uint32_t)(tok >> 32); }
/* REP: the reply to the request of tok (dropped when its peer is gone);
 * -1 on no memory. */
int hpi_sp_reply(hpi_sp *s, uint64_t tok, const void *msg, size_t len);
/* Stops the thread, closes the connections and the listener (its socket
 * file removed); NULL is a no-op. */
void hpi_sp_close(hpi_sp *s);
/* fork(): the listeners' tables are held across it (their threads never
 * wait for anything while they hold them). */
void hpi_sp_atfork_prepare(void);
void hpi_sp_atfork_parent(void);
/* In a fork child: the descriptors of every listener still open are
 * closed (their threads are the parent's; the memory stays). */
void hpi_sp_atfork_child(void);

#endif /* HPI_SP_H */
