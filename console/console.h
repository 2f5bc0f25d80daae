/* SPDX-License-Identifier: MIT */
/*
 * console.h - what the files of the `hotpath` command share: the
 * subcommands, fatal() and the allocation wrappers that call it, and small
 * helpers for options and output.  Names shared between console files start
 * with hpc_ (the library's start with hpi_).  Unlike the library, the
 * command may exit: fatal() is for "cannot go on" (out of memory), never
 * for bad input, which is reported and turned into an exit code.
 */
#ifndef HPC_CONSOLE_H
#define HPC_CONSOLE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <nng/nng.h>

#include "hpi.h"

/* Exit codes of `hotpath` and of every subcommand. */
enum {
	HPC_EXIT_OK = 0,    /* done (compare: also with regressions, unless asked) */
	HPC_EXIT_FAIL = 1,  /* failure: output not written, --fail-on-regression */
	HPC_EXIT_USAGE = 2  /* bad command line or unusable input file */
};

/* One subcommand, `hotpath NAME ARGS...`.  fn gets argv[0] == NAME and
 * returns one of the exit codes above. */
typedef struct hpc_cmd {
	const char *name;
	int (*fn)(int argc, char **argv);
	const char *summary; /* one line in `hotpath --help` */
} hpc_cmd;

/* cmd_report.c, cmd_compare.c */
int hpc_cmd_report(int argc, char **argv);
int hpc_cmd_attach(int argc, char **argv);
int hpc_cmd_compare(int argc, char **argv);
int hpc_cmd_merge(int argc, char **argv);
int hpc_cmd_mcp(int argc, char **argv);
/* cmd_dump.c, cmd_query.c: live metrics over nng (docs/wire.md) */
int hpc_cmd_dump(int argc, char **argv);
int hpc_cmd_query(int argc, char **argv);
/* cmd_ls.c: `hotpath ls`, the local programs (core/discover.h) */
int hpc_cmd_ls(int argc, char **argv);
int hpc_cmd_exporter(int argc, char **argv);
/* The URL to dial for target: target itself when it is a URL, else the
 * endpoint (query: the query endpoint) of the local program that target
 * names by pid or program name, or of the only one running when target is
 * NULL; waits up to timeout_ms (0: for ever) for it to appear.  0 with *url
 * (caller frees), or an exit code after saying why. */
int hpc_resolve(const char *cmd, const char *target, bool query, uint64_t timeout_ms,
		char **url);
/* cmd_console.c: `hotpath console [URL...]`, the live dashboard */
int hpc_cmd_console(int argc, char **argv);
/* cmd_run.c: `hotpath run [--alloc] -- PROG` */
int hpc_cmd_run(int argc, char **argv);
/* dial.c: the client side of TLS, from --cacert, --cert, --key,
 * --server-name and --insecure (paths borrowed from argv). */
typedef struct hpc_tls {
	const char *cacert;      /* the CA (PEM) that signed the program's certificate */
	const char *cert, *key;  /* our certificate and key (PEM), for publish.tls.ca */
	const char *server_name; /* the name to verify; NULL: the URL's host */
	bool insecure;           /* no certificate check at all */
} hpc_tls;
/* Whether url is a tls+ URL. */
bool hpc_is_tls(const char *url);
/* The files of t are readable and --cert/--key come together: 0, or
 * HPC_EXIT_USAGE after saying what is wrong (as `hotpath cmd`). */
int hpc_tls_check(const char *cmd, const hpc_tls *t);
/* Dials url on s in the background (retried until the program is up);
 * tls+ URLs check the program's certificate and its name (t may be NULL
 * for plain URLs).  0 or an nng error. */
int hpc_dial(nng_socket s, const char *url, const hpc_tls *t);
/* hpc_dial that also gives the dialer in *out (out may be NULL), for a
 * caller that stops dialing before it closes s. */
int hpc_dialer_start(nng_socket s, const char *url, const hpc_tls *t, nng_dialer *out);
/* One connection attempt to url, the TLS handshake included, bounded by
 * timeout_ms: 0 when it got through, NNG_ETIMEDOUT when it could not tell,
 * else an nng error and in *why (caller frees) what failed in words:
 * "nothing listening at URL (...)", or "TLS: ..." naming a name mismatch,
 * an untrusted certificate or a refused handshake. */
int hpc_dial_check(const char *url, const hpc_tls *t, unsigned timeout_ms, char **why);
/* getopt_long entries of the TLS options, and the parser of one
 * (true when c was one of them). */
#define HPC_TLS_LONGS                                             	{"cacert", required_argument, NULL, 'C'},                 	{"cert", required_argument, NULL, 0x100},                 	{"key", required_argument, NULL, 0x101},                  	{"server-name", required_argument, NULL, 0x102},          	{"insecure", no_argument, NULL, 'k'}
bool hpc_tls_option(int c, const char *arg, hpc_tls *t);
#define HPC_TLS_HELP                                                                   	"      --cacert FILE   tls+ URLs: the CA (PEM) that signed the program's certificate\n" 	"      --server-name NAME  tls+ URLs: the name the program's certificate must\n"  	"                      carry (default: the URL's host)\n"                         	"      --cert FILE, --key FILE  tls+ URLs: a client certificate and its key\n"   	"                      (PEM), for a program with publish.tls.ca\n"               	"  -k, --insecure      tls+ URLs: do not check the program's certificate\n"

/* The console's own functions, measured by hotpath itself when built with
 * ./configure --enable-self-profile; nothing otherwise. */
#ifdef HPC_SELF_PROFILE
#define HPC_MEASURE() HP_MEASURE()
#else
#define HPC_MEASURE() ((void)0)
#endif

/* ---- util.c -------------------------------------------------------------- */

/* "hotpath: <msg>" on stderr, then exit(HPC_EXIT_FAIL). */
void fatal(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));
/* Allocation that cannot fail: out of memory is fatal. */
void *xmalloc(size_t n);
void *xcalloc(size_t n, size_t size);
void *xreallocarray(void *p, size_t n, size_t size);
char *xstrdup(const char *s);
char *xasprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* "hotpath: <msg>" on stderr. */
void hpc_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* "hotpath CMD: <msg>" and "Try 'hotpath CMD --help'." on stderr; returns
 * HPC_EXIT_USAGE so callers can `return hpc_usage_error(...)`. */
int hpc_usage_error(const char *cmd, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* The message for the option getopt_long just rejected (opterr is 0):
 * unknown option, or missing argument.  Returns HPC_EXIT_USAGE. */
int hpc_bad_option(const char *cmd, char **argv, int c);
/* A non-negative decimal integer (digits only) into *v; false otherwise. */
bool hpc_parse_count(const char *s, uint64_t *v);
/* A finite, non-negative decimal number ("20", "2.5") into *v. */
bool hpc_parse_number(const char *s, double *v);
/* Writes buf to path, or to stdout when path is NULL or "-".  Returns
 * HPC_EXIT_OK, or HPC_EXIT_FAIL after saying why (out of memory included). */
int hpc_write_out(const char *path, const hpi_buf *buf);

#endif /* HPC_CONSOLE_H */
