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

/* Makes snapshot s what p's queries are answered from, fresh as of now
 * (the caller keeps it until hpi_publish_stop), and answers the metrics
 * queries, as a tick does: for tests and benchmarks with no collector.
 * Collector thread only when p is a guard's. */
void hpi_publish_serve(hpi_publisher *p, const hp_snapshot *s);

/* What p's query thread did so far (docs/wire.md, "Queries"). */
typedef struct hpi_query_stats {
	uint64_t snapshots;         /* snapshots handed to the query thread */
	uint64_t renders;           /* replies rendered from a snapshot */
	uint64_t served;            /* replies sent by the query thread */
	uint64_t refused;           /* refused: rate, or one in flight */
	uint64_t collector_answers; /* metrics, cpu_*: rendered by the collector */
	uint64_t paused_ns;         /* waited for its CPU budget */
} hpi_query_stats;
void hpi_publish_query_stats(const hpi_publisher *p, hpi_query_stats *st);

/* One client's token bucket (publish.query_rate): zeroed = full. */
typedef struct hpi_rate {
	uint64_t at;      /* CLOCK_MONOTONIC ns of the last refill; 0 = never */
	uint64_t credit;  /* queries left, times 1e9 */
} hpi_rate;
/* Whether one more query may be answered at now (ns): burst at once, then
 * rate a second; rate 0 = always.  Takes it when so. */
bool hpi_rate_take(hpi_rate *b, uint64_t now, unsigned rate, unsigned burst);

/* The query thread's CPU budget: a window of wall and thread-CPU time.
 * zeroed = not started. */
typedef struct hpi_budget {
	uint64_t wall0, cpu0;     /* the window's start (ns) */
} hpi_budget;
/* How long (ns) to pause at wall/cpu (ns now) so that the thread's CPU
 * in the window stays within 1/share of the wall time: 0 when within;
 * a window over a second long, and within, starts again at now. */
uint64_t hpi_budget_pause(hpi_budget *b, uint64_t wall, uint64_t cpu, unsigned share);

/* The section messages of one tick: one per section of s that changed since
 * it was last sent (every section when refresh).  Collector thread (or a
 * benchmark with no collector). */
void hpi_publish_sections(hpi_publisher *p, const hp_snapshot *s, bool refresh);

/* ---- the publisher's own files -------------------------------------------- */

#define PUBLISH_HELLO_NS 1000000000ull   /* a hello every second */
#define PUBLISH_REFRESH_NS 5000000000ull /* unchanged sections resent */
#define PUBLISH_DESCRIBE_NS 5000000000ull /* no subscriber: the description's
					   * sections checked this often */
#define PUBLISH_QUERIES_PER_TICK 8       /* metrics, cpu_*: the collector's */
#define PUBLISH_QUERY_FRESH_NS 1000000000ull /* replies from a snapshot at most
					  * this old (or publish.interval_ms) */
#define PUBLISH_QUERY_WAIT_NS 1000000000ull /* ... or after waiting this long
					  * for one, from the last */
#define PUBLISH_QUERY_SHARE 4            /* the query thread: a quarter of a
					  * CPU at most, as publishing */
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
 * request came) -> SENDING (query thread, or the collector after
 * COLLECTOR: the reply is queued; nng holds it
 * while the peer's connection is busy with an earlier reply) -> RECEIVING
 * (nng's thread), or CLOSED with the socket. */
enum { SLOT_RECEIVING = 1, SLOT_READY, SLOT_SENDING, SLOT_CLOSED,
       SLOT_COLLECTOR /* admitted by the query thread: metrics or cpu_*, for
		       * the collector to answer */ };
typedef struct hpi_pub_queries hpi_pub_queries;
typedef struct hpi_pub_slot {
	nng_ctx ctx;
	nng_aio *aio;
	int state;               /* atomic */
	uint32_t pipe;           /* whose reply is SENDING, or who waits */
	bool waiting;            /* READY behind its client's reply in flight */
	uint64_t stale_since;    /* READY, waiting for a fresher snapshot since */
	hpi_pub_queries *qs;
} hpi_pub_slot;

/* A client's query budget, by nng pipe (one connection). */
typedef struct hpi_pub_client {
	uint32_t pipe;           /* 0: free */
	hpi_rate rate;
} hpi_pub_client;

/* A reply kept for whoever asks the same of the same snapshot. */
typedef struct hpi_pub_reply {
	char *key;               /* "snapshot", "sections", "section <id>" */
	char *data;
	size_t len;
} hpi_pub_reply;

/* A snapshot the query thread serves from, with the replies rendered from
 * it so far (freed with it, on the query thread). */
typedef struct hpi_pub_held {
	hp_snapshot *s;
	bool owned;              /* freed with it (a test's is not) */
	hpi_publish_info info;   /* the facts then (strings: the publisher's) */
	hpi_pub_reply *replies;
	size_t nreplies;
	struct hpi_pub_held *next; /* offered: older ones, to be freed */
} hpi_pub_held;

/* The slots and the query thread, allocated apart: nng's threads call back
 * until the socket is closed and the aios freed. */
struct hpi_pub_queries {
	hpi_pub_slot slots[PUBLISH_SLOTS];
	size_t n;                /* slots set up */
	uint64_t lost;           /* replies not delivered (atomic) */
	pthread_mutex_t mu;      /* guards wake, stop, offered */
	pthread_cond_t cv;
	bool wake, stop;
	int stop_now;            /* atomic: stop between two requests */
	pthread_t th;
	bool running;            /* the query thread is */
	hpi_pub_held *offered;   /* newest first: the collector's, for the thread */
	hpi_pub_held *cur;       /* query thread only: what replies come from */
	uint64_t fresh_at;       /* atomic: when the newest was offered or confirmed */
	uint64_t fresh_ns;       /* a request finding cur older waits for another */
	int want;                /* atomic: a request waits for a fresher one */
	hpi_pub_client clients[PUBLISH_CLIENTS]; /* query thread only */
	int query_rate, query_burst;
	size_t next_slot;        /* query thread: where the next pass starts */
	bool stale_waits;        /* query thread: a request waits for a snapshot */
	hpi_budget budget;       /* query thread: its quarter of a CPU */
	uint64_t paused_ns;      /* atomic: what the budget made it wait */
	uint64_t refused, renders, served, collector_answers, snapshots; /* atomic */
};

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
	const hp_snapshot *offered_s; /* hpi_publish_serve's last (a test's) */
	hp_snapshot *last;       /* own: the last snapshot, which queries read
				  * (a fork child has no query thread) */
	hpi_pub_client own_clients[PUBLISH_CLIENTS]; /* own: budgets */
	hpi_pub_queries *qs;     /* when have_rep */
	int query_rate, query_burst;
	uint64_t next_asked;     /* no snapshot for queries before (budget) */
	int64_t credit;          /* ns the collector may still spend on queries */
	uint64_t credit_at;      /* when credit was last given */
	uint64_t query_ns;       /* spent on queries since the last sections */
	char *dir;               /* the discovery folder holding our description,
				  * or NULL when not described */
	char *pub_url, *rep_url; /* the URLs bound (publish.endpoint "auto": ipc) */
	uint64_t sections_hash;  /* of the section ids last described */
	size_t subs;             /* subscribers at the last tick */
	uint64_t last_ns;        /* when the last snapshot was taken */
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

/* The request slots of REP socket rep, each receiving, and the query
 * thread answering them (publish.query_rate rate and burst a client;
 * replies from a snapshot at most fresh_ns old); NULL when they could not
 * be made (then no query is answered).  The thread is stopped with
 * hpi_pub_queries_stop before anything it reads goes; the slots freed
 * with hpi_pub_queries_free once the socket is closed (NULL is a no-op). */
hpi_pub_queries *hpi_pub_queries_new(nng_socket rep, int rate, int burst, uint64_t fresh_ns);
void hpi_pub_queries_stop(hpi_pub_queries *qs);
void hpi_pub_queries_free(hpi_pub_queries *qs);
/* Hands snapshot s (freed by the query thread when owned) and the facts
 * info to the query thread: replies come from it from now on.  False when
 * no thread runs (s is still the caller's). */
bool hpi_pub_offer(hpi_pub_queries *qs, hp_snapshot *s, bool owned, const hpi_publish_info *info);
/* The snapshot offered last is fresh as of now (a test's, unchanged). */
void hpi_pub_fresh(hpi_pub_queries *qs);
/* Whether a request waits for a fresher snapshot than the last offered. */
bool hpi_pub_asked(const hpi_publisher *p);
/* Collector: answers the metrics and cpu_* requests the query thread
 * handed over, within the collector's eighth. */
void hpi_pub_serve_collector(hpi_publisher *p);

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
