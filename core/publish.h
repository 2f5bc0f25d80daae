/* SPDX-License-Identifier: MIT */
/*
 * publish.h - the publisher's state (docs/wire.md), shared by its three
 * files: publish.c (the snapshot, the section and hello messages, the
 * tick, start and stop), publish_query.c (the query socket: requests,
 * clients' budgets, replies) and publish_net.c (the sockets: listening,
 * TLS, connection caps, the descriptor valve, closing).  Collector thread
 * only, except where a comment says nng's threads.
 */
#ifndef HPI_PUBLISH_H
#define HPI_PUBLISH_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include <nng/nng.h>

#include "config_impl.h"
#include "snapshot.h"
#include "sp.h"
#include "strbuf.h"
#include "wire.h"

/* ---- for the rest of libhotpath ------------------------------------------ */

typedef struct hpi_publisher hpi_publisher;
struct hpi_registry;

/* Binds publish.endpoint (PUB) and publish.query (REP).  NULL when the
 * endpoint is "off", or after one hpi_warn line when it cannot be bound (the
 * program runs on without publishing).  Free with hpi_publish_stop. */
hpi_publisher *hpi_publish_start(const hpi_config *c, struct hpi_registry *r,
				 const hpi_publish_info *info);
/* Collector thread only, after a pass: answers waiting queries, sends the
 * sections that changed when publish.interval_ms has passed and a hello
 * every second.  Never blocks.  NULL is a no-op. */
void hpi_publish_tick(hpi_publisher *p);
/* Closes the sockets and frees p (once the collector has stopped).  NULL is
 * a no-op. */
void hpi_publish_stop(hpi_publisher *p);
/* Waits up to max_ms for stopped publishers' sockets to finish closing
 * (they close on a thread of their own); called at exit. */
void hpi_publish_settle(int max_ms);
/* fork(): what the publisher holds is held across it (sp.c); in the
 * child, the parent's sockets are not the child's. */
void hpi_publish_atfork_prepare(void);
void hpi_publish_atfork_parent(void);
void hpi_publish_atfork_child(void);
/* Whether this process may use nng: false in a fork child of a process
 * that published (nng's threads are not in the child). */
bool hpi_publish_usable(void);

/* Answers the queries waiting on p's query socket from snapshot s (instead
 * of the last one published), as a tick does: for tests and benchmarks with
 * no collector.  Collector thread only when p is a guard's. */
void hpi_publish_serve(hpi_publisher *p, const hp_snapshot *s);

/* One client's token bucket (publish.query_rate): zeroed = full. */
typedef struct hpi_rate {
	uint64_t at;      /* CLOCK_MONOTONIC ns of the last refill; 0 = never */
	uint64_t credit;  /* queries left, times 1e9 */
} hpi_rate;
/* Whether one more query may be answered at now (ns): burst at once, then
 * rate a second; rate 0 = always.  Takes it when so. */
bool hpi_rate_take(hpi_rate *b, uint64_t now, unsigned rate, unsigned burst);

/* The section messages of one tick: one per section of s that changed since
 * it was last sent (every section when refresh).  Collector thread (or a
 * benchmark with no collector). */
void hpi_publish_sections(hpi_publisher *p, const hp_snapshot *s, bool refresh);

/* ---- the publisher's own files -------------------------------------------- */

#define PUBLISH_HELLO_NS 1000000000ull   /* a hello every second */
#define PUBLISH_REFRESH_NS 5000000000ull /* unchanged sections resent */
#define PUBLISH_DESCRIBE_NS 5000000000ull /* no subscriber: the description's
					   * sections checked this often */
#define PUBLISH_QUERIES_PER_TICK 8
#define PUBLISH_RECV_MAX (64 * 1024)     /* nng drops bigger messages */
#define PUBLISH_SLOTS 64                 /* requests read at once (nng contexts):
					  * more than publish.max_connections */
#define PUBLISH_CLIENTS 64               /* clients' buckets kept (idle longest go) */
#define PUBLISH_SEND_MS 5000             /* a reply the peer does not read: lost */
#define PUBLISH_CREDIT_MAX 100000000     /* ns of query time saved up at most */

/* publish.tls, kept to listen again (owned copies). */
typedef struct hpi_pub_tls {
	char *tls_cert, *tls_key, *tls_ca;
} hpi_pub_tls;

/* What was last sent of one section, to send only what changed. */
typedef struct hpi_pub_seen {
	char *id;
	uint64_t hash;
} hpi_pub_seen;

/* The connections of one endpoint, capped: a pipe past the cap is closed
 * as it comes (nng's ADD_PRE event), so idle peers cannot take the
 * program's file descriptors. */
typedef struct hpi_pub_cap {
	pthread_mutex_t mu;
	uint32_t *ids;           /* pipes admitted */
	size_t n, max;
	uint64_t refused;
} hpi_pub_cap;

/* One request at a time, from receipt to its reply sent: an nng context
 * of the REP socket.  state goes RECEIVING -> READY (nng's thread: a
 * request came) -> SENDING (collector: the reply is queued; nng holds it
 * while the peer's connection is busy with an earlier reply) -> RECEIVING
 * (nng's thread), or CLOSED with the socket. */
enum { SLOT_RECEIVING = 1, SLOT_READY, SLOT_SENDING, SLOT_CLOSED };
typedef struct hpi_pub_queries hpi_pub_queries;
typedef struct hpi_pub_slot {
	nng_ctx ctx;
	nng_aio *aio;
	int state;               /* atomic */
	uint32_t pipe;           /* whose reply is SENDING, or who waits */
	bool waiting;            /* READY behind its client's reply in flight */
	hpi_pub_queries *qs;
} hpi_pub_slot;

/* The slots, allocated apart: nng's threads call back until the socket
 * is closed and the aios freed. */
struct hpi_pub_queries {
	hpi_pub_slot slots[PUBLISH_SLOTS];
	size_t n;                /* slots set up */
	uint64_t lost;           /* replies not delivered (atomic) */
};

/* A client's query budget, by nng pipe (one connection). */
typedef struct hpi_pub_client {
	uint32_t pipe;           /* 0: free */
	hpi_rate rate;
} hpi_pub_client;

struct hpi_publisher {
	hpi_publish_info info;   /* strings owned */
	struct hpi_registry *reg;
	nng_socket pub, rep;
	bool have_rep;
	uint64_t interval_ns;
	uint64_t next_pub, next_hello, next_refresh; /* CLOCK_MONOTONIC ns */
	uint64_t seq;            /* messages sent */
	uint64_t dropped;        /* messages that could not be queued */
	hpi_pub_seen *seen;
	size_t nseen;
	hpi_pub_cap *caps[2];    /* PUB, REP; allocated apart: nng's threads may
				  * call back until the sockets are closed */
	hp_snapshot *last;       /* the last snapshot published: queries read it */
	hpi_pub_queries *qs;     /* when have_rep */
	size_t next_slot;        /* where the next pass starts looking */
	hpi_pub_client clients[PUBLISH_CLIENTS];
	int query_rate, query_burst;
	int64_t credit;          /* ns the collector may still spend on queries */
	uint64_t credit_at;      /* when credit was last given */
	uint64_t query_ns;       /* spent on queries since the last sections */
	char *dir;               /* the discovery folder holding our description,
				  * or NULL when not described */
	char *pub_url, *rep_url; /* the URLs bound (publish.endpoint "auto": ipc) */
	uint64_t sections_hash;  /* of the section ids last described */
	size_t subs;             /* subscribers at the last tick */
	uint64_t last_ns;        /* when last was taken */
	uint64_t next_valve;     /* the next hpi_pub_fd_valve (once a second) */
	hpi_pub_tls tls;
	nng_listener lst[2];     /* PUB, REP */
	bool bound[2];
	uint64_t restarts;       /* listeners closed and opened again */
	hpi_buf msg;             /* the section message being written, kept */
	bool own;                /* a fork child of a process that used nng:
				  * sp[] instead of nng's sockets (sp.h) */
	hpi_sp *sp[2];           /* PUB, REP (NULL: no queries) when own */
};

/* ---- publish.c ----------------------------------------------------------- */

/* The counts a hello or a reply carries, brought up to date. */
void hpi_pub_info_counts(hpi_publisher *p);

/* ---- publish_query.c ----------------------------------------------------- */

/* The request slots of REP socket rep, each receiving; NULL when none
 * could be made (then no query is answered).  Freed with
 * hpi_pub_queries_free once the socket is closed (NULL is a no-op). */
hpi_pub_queries *hpi_pub_queries_new(nng_socket rep);
void hpi_pub_queries_free(hpi_pub_queries *qs);
/* Whether a request waits for its answer. */
bool hpi_pub_asked(const hpi_publisher *p);

/* ---- publish_net.c ------------------------------------------------------- */

/* A cap of max connections, or NULL (no memory: no cap); freed with
 * hpi_pub_cap_free once its socket is closed (NULL is a no-op). */
hpi_pub_cap *hpi_pub_cap_new(int max);
void hpi_pub_cap_free(hpi_pub_cap *cap);
/* Connections refused so far on both endpoints. */
uint64_t hpi_pub_refused(hpi_publisher *p);
/* Peers on the PUB socket now (SIZE_MAX when not counted). */
size_t hpi_pub_subscribers(hpi_publisher *p);
/* Opens (PUB when pub, else REP) and binds one socket on url; the reason
 * on failure in *why (static). */
int hpi_pub_listen(nng_socket *s, bool pub, const char *url, const hpi_pub_tls *tls,
		   hpi_pub_cap *cap, nng_listener *l, const char **why);
/* Once a second: listeners closed and opened again when descriptors run
 * short. */
void hpi_pub_fd_valve(hpi_publisher *p);
/* Closes p's sockets without waiting (on a thread of their own). */
void hpi_pub_close(hpi_publisher *p);

#endif /* HPI_PUBLISH_H */
