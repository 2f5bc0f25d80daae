/* SPDX-License-Identifier: MIT */
/*
 * mcp_tools.c - the tools of `hotpath mcp` (cmd_mcp.c): the running
 * programs (core/discover.h), their sections and a function's recent
 * calls, callers and callees (the query endpoint, as the console asks),
 * the CPU sampler, and saved reports (read, compare).  Each writes its
 * result with the library's JSON writer (core/json.h) and writes no file
 * unless an argument names one.  docs/mcp.md.
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <nng/nng.h>
#include <nng/protocol/reqrep0/req.h>

#include "compare.h"
#include "console.h"
#include "discover.h"
#include "json.h"
#include "mcp.h"
#include "report_load.h"

#define MCP_QUERY_MS 5000

static bool mcp_fail(hpc_mcp_err *e, int code, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Sets e and returns false. */
static bool mcp_fail(hpc_mcp_err *e, int code, const char *fmt, ...)
{
	va_list ap;

	e->code = code;
	va_start(ap, fmt);
	vsnprintf(e->msg, sizeof e->msg, fmt, ap);
	va_end(ap);
	return false;
}

/* ---- arguments ------------------------------------------------------------ */

/* A string argument: NULL when absent; *bad when present and not one. */
static const char *mcp_str(const hpi_jv *args, const char *key, bool need, hpc_mcp_err *e,
			   bool *bad)
{
	const hpi_jv *v = hpi_json_get(args, key);

	if (v == NULL && !need)
		return NULL;
	if (!hpi_json_is(v, HPI_JSON_STRING) || v->n == 0) {
		mcp_fail(e, -32602, "%s: expected a non-empty string", key);
		*bad = true;
		return NULL;
	}
	return v->v.s;
}

/* An integer argument in lo..hi, dflt when absent. */
static long mcp_int(const hpi_jv *args, const char *key, long dflt, long lo, long hi,
		    hpc_mcp_err *e, bool *bad)
{
	const hpi_jv *v = hpi_json_get(args, key);

	if (v == NULL)
		return dflt;
	if (!hpi_json_is(v, HPI_JSON_INT) || v->v.i < lo || v->v.i > hi) {
		mcp_fail(e, -32602, "%s: expected an integer in %ld..%ld", key, lo, hi);
		*bad = true;
		return dflt;
	}
	return (long)v->v.i;
}

/* ---- live programs --------------------------------------------------------- */

/* The programs hotpath ls lists (NULL and e set when the folder is refused). */
static hpi_program *mcp_programs(size_t *n, hpc_mcp_err *e)
{
	char *dir = hpi_discover_dir(), *cause = NULL;
	hpi_program *v = NULL;

	if (dir == NULL)
		fatal("out of memory");
	if (hpi_discover_list(dir, 0, &v, n, NULL, &cause) != 0) {
		mcp_fail(e, 0, "cannot list the programs: %s", cause ? cause : "refused");
		free(cause);
		free(dir);
		return NULL;
	}
	free(dir);
	return v;
}

/* The query URL of the program named by pid or name (the only one when
 * NULL); a copy, or NULL with e set. */
static char *mcp_query_url(const char *target, hpc_mcp_err *e)
{
	size_t n, found = 0, k = 0;
	hpi_program *v = mcp_programs(&n, e);
	char *url = NULL, *end;
	long pid = target ? strtol(target, &end, 10) : -1;

	if (v == NULL && n == 0 && e->msg[0])
		return NULL;
	for (size_t i = 0; i < n; i++) {
		bool match = target == NULL || (*end == '\0' && v[i].pid == pid) ||
			     (v[i].program && strcmp(v[i].program, target) == 0);
		if (match) {
			found++;
			k = i;
		}
	}
	if (found == 0)
		mcp_fail(e, 0, target ? "no running program has pid or name \"%s\" (list_programs "
			 "lists them)" : "no profiled program is running here%s", target ? target : "");
	else if (found > 1)
		mcp_fail(e, 0, "%zu programs match%s%s: name one by its pid (list_programs)", found,
			 target ? " " : "", target ? target : "");
	else if (v[k].query == NULL)
		mcp_fail(e, 0, "program %ld answers no queries (publish.query: off)", v[k].pid);
	else
		url = xstrdup(v[k].query);
	hpi_discover_free(v, n);
	return url;
}

/* One query to url: {"cmd": cmd} and the string pairs k1: v1, k2: v2
 * (left out when NULL).  The reply's JSON (caller frees with
 * hpi_json_free), or NULL with e set. */
static hpi_json *mcp_ask(const char *url, const char *cmd, const char *k1, const char *v1,
			 const char *k2, const char *v2, hpc_mcp_err *e)
{
	hpi_buf req;
	hpi_jw w = hpi_jw_make(&req, 0);
	const hpi_jv *err, *msg;
	char *rep = NULL;
	nng_socket s;
	size_t len;
	hpi_json *j;
	int rv;

	hpi_buf_init(&req);
	hpi_jw_open(&w, '{');
	hpi_jw_kstr(&w, "cmd", cmd);
	if (k1 != NULL) {
		hpi_jw_kstr(&w, k1, v1);
	}
	if (k2 != NULL) {
		hpi_jw_kstr(&w, k2, v2);
	}
	hpi_jw_close(&w, '}');
	if (req.failed)
		fatal("out of memory");
	if ((rv = nng_req0_open(&s)) == 0) {
		nng_socket_set_ms(s, NNG_OPT_RECVTIMEO, MCP_QUERY_MS);
		nng_socket_set_ms(s, NNG_OPT_SENDTIMEO, MCP_QUERY_MS);
		if ((rv = hpc_dial(s, url, NULL)) == 0 &&
		    (rv = nng_send(s, req.data, req.len, 0)) == 0)
			rv = nng_recv(s, &rep, &len, NNG_FLAG_ALLOC);
		nng_close(s);
	}
	hpi_buf_fini(&req);
	if (rv != 0)
		return mcp_fail(e, 0, "no reply from %s: %s", url, nng_strerror(rv)), NULL;
	j = hpi_json_parse(rep, len, HPI_JSON_TOP_CONTAINER, 0, NULL);
	nng_free(rep, len);
	if (j == NULL)
		return mcp_fail(e, 0, "%s: the reply is not JSON", url), NULL;
	err = hpi_json_get(hpi_json_root(j), "error");
	msg = hpi_json_get(hpi_json_root(j), "message");
	if (hpi_json_is(err, HPI_JSON_STRING)) {
		mcp_fail(e, 0, "%s: %s", err->v.s, hpi_json_str(msg) ? hpi_json_str(msg) : "error");
		hpi_json_free(j);
		return NULL;
	}
	return j;
}

/* The first section of a query's reply (report.sections[0]), or NULL. */
static const hpi_jv *mcp_first_section(const hpi_json *rep)
{
	return hpi_json_at(hpi_json_get(hpi_json_get(hpi_json_root(rep), "report"), "sections"), 0);
}

/* ---- one section: sorted, filtered, cut -------------------------------------- */

/* A row and the value it is sorted by. */
typedef struct mcp_row {
	const hpi_jv *row, *key;
} mcp_row;

/* Bigger numbers first, text A to Z; rows without the key last. */
static int mcp_row_cmp(const void *a, const void *b)
{
	const hpi_jv *x = ((const mcp_row *)a)->key, *y = ((const mcp_row *)b)->key;

	if (hpi_json_is_number(x) && hpi_json_is_number(y)) {
		double dx = hpi_json_num(x), dy = hpi_json_num(y);
		return dx > dy ? -1 : dx < dy;
	}
	if (hpi_json_is(x, HPI_JSON_STRING) && hpi_json_is(y, HPI_JSON_STRING))
		return strcmp(x->v.s, y->v.s);
	return (x == NULL || x->type == HPI_JSON_NULL) - (y == NULL || y->type == HPI_JSON_NULL);
}

/* Whether a column or a row's member stays out of a view: the
 * histograms (read_function has the calls). */
static bool mcp_hidden(const char *key)
{
	return strcmp(key, "hist") == 0 || strcmp(key, "buckets") == 0;
}

static const char *const mcp_row_omit[] = {"hist", "buckets", "log", NULL};

/* Writes {section, title, columns, total_rows, matching_rows, rows} of a
 * report's section: rows whose name contains filter, sorted by sort (a
 * column key), at most limit; the histograms and logs left out.  False
 * with e set (nothing written) when sort names no column. */
static bool mcp_section_view(hpi_jw *w, const hpi_jv *sec, const char *sort, const char *filter,
			     long limit, hpc_mcp_err *e)
{
	const hpi_jv *cols = hpi_json_get(sec, "columns"), *rows = hpi_json_get(sec, "rows");
	size_t i, n = 0, total = hpi_json_size(rows);
	bool have_sort = sort == NULL;
	mcp_row *v;

	HPI_JSON_FOREACH(cols, col) {
		const char *k = hpi_json_str(hpi_json_get(col, "key"));
		have_sort |= k != NULL && !mcp_hidden(k) && sort != NULL && strcmp(k, sort) == 0;
	}
	if (!have_sort)
		return mcp_fail(e, -32602, "sort: section \"%s\" has no column \"%s\"",
				hpi_json_str(hpi_json_get(sec, "id")), sort);
	v = xcalloc(total ? total : 1, sizeof(*v));
	HPI_JSON_FOREACH(rows, row) {
		const char *name = hpi_json_str(hpi_json_get(row, "name"));
		if (name == NULL) /* the cpu sections name rows by function, label or stack */
			name = hpi_json_str(hpi_json_get(row, "function"));
		if (filter != NULL && (name == NULL || strstr(name, filter) == NULL))
			continue;
		v[n].row = row;
		v[n++].key = sort != NULL ? hpi_json_get(row, sort) : NULL;
	}
	if (sort != NULL)
		qsort(v, n, sizeof(*v), mcp_row_cmp);
	hpi_jw_open(w, '{');
	hpi_jw_kvalue(w, "section", hpi_json_get(sec, "id"));
	hpi_jw_kvalue(w, "title", hpi_json_get(sec, "title"));
	hpi_jw_key(w, "columns");
	hpi_jw_open(w, '[');
	HPI_JSON_FOREACH(cols, col) {
		const char *k = hpi_json_str(hpi_json_get(col, "key"));
		if (k == NULL || mcp_hidden(k))
			continue;
		hpi_jw_open(w, '{');
		hpi_jw_kstr(w, "key", k);
		hpi_jw_kvalue(w, "title", hpi_json_get(col, "title"));
		hpi_jw_kvalue(w, "unit", hpi_json_get(col, "unit"));
		hpi_jw_close(w, '}');
	}
	hpi_jw_close(w, ']');
	hpi_jw_kint(w, "total_rows", (int64_t)total);
	hpi_jw_kint(w, "matching_rows", (int64_t)n);
	hpi_jw_key(w, "rows");
	hpi_jw_open(w, '[');
	for (i = 0; i < n && (long)i < limit; i++)
		hpi_jw_value(w, v[i].row, mcp_row_omit);
	hpi_jw_close(w, ']');
	hpi_jw_close(w, '}');
	free(v);
	return true;
}

/* ---- the tools ------------------------------------------------------------- */

/* list_programs: the programs hotpath ls lists. */
static bool tool_list_programs(const hpi_jv *args, hpi_jw *w, hpc_mcp_err *e)
{
	size_t n = 0;
	hpi_program *v = mcp_programs(&n, e);

	(void)args;
	if (v == NULL && e->msg[0])
		return false;
	hpi_jw_open(w, '{');
	hpi_jw_key(w, "programs");
	hpi_jw_open(w, '[');
	for (size_t i = 0; i < n; i++) {
		hpi_jw_open(w, '{');
		hpi_jw_kint(w, "pid", v[i].pid);
		hpi_jw_kstr(w, "program", v[i].program);
		hpi_jw_kstr(w, "caller", v[i].caller);
		hpi_jw_kint(w, "start_unix_ns", (int64_t)v[i].start_unix_ns);
		hpi_jw_kstr(w, "endpoint", v[i].endpoint);
		hpi_jw_kstr(w, "query", v[i].query);
		hpi_jw_key(w, "sections");
		hpi_jw_open(w, '[');
		for (size_t k = 0; k < v[i].nsections; k++)
			hpi_jw_str(w, v[i].sections[k]);
		hpi_jw_close(w, ']');
		hpi_jw_close(w, '}');
	}
	hpi_jw_close(w, ']');
	hpi_jw_close(w, '}');
	hpi_discover_free(v, n);
	return true;
}

/* read_section: one section of a running program. */
static bool tool_read_section(const hpi_jv *args, hpi_jw *w, hpc_mcp_err *e)
{
	bool bad = false, ok;
	const char *prog = mcp_str(args, "program", false, e, &bad);
	const char *id = mcp_str(args, "section", true, e, &bad);
	const char *sort = mcp_str(args, "sort", false, e, &bad);
	const char *filter = mcp_str(args, "filter", false, e, &bad);
	long limit = mcp_int(args, "limit", 20, 1, 100000, e, &bad);
	const hpi_jv *sec;
	hpi_json *rep;
	char *url;

	if (bad || (url = mcp_query_url(prog, e)) == NULL)
		return false;
	rep = mcp_ask(url, "section", "section", id, NULL, NULL, e);
	free(url);
	if (rep == NULL)
		return false;
	sec = mcp_first_section(rep);
	ok = sec ? mcp_section_view(w, sec, sort, filter, limit, e)
		 : mcp_fail(e, 0, "the reply has no section");
	hpi_json_free(rep);
	return ok;
}

/* Writes the call tree's edges of name: callers (callee == name) or
 * callees. */
static void mcp_edges(hpi_jw *w, const hpi_jv *calls, const char *name, bool callers)
{
	hpi_jw_open(w, '[');
	HPI_JSON_FOREACH(hpi_json_get(calls, "rows"), row) {
		const char *k = hpi_json_str(hpi_json_get(row, callers ? "callee" : "caller"));
		const char *o = hpi_json_str(hpi_json_get(row, callers ? "caller" : "callee"));
		if (k == NULL || o == NULL || strcmp(k, name) != 0)
			continue;
		hpi_jw_open(w, '{');
		hpi_jw_kstr(w, "function", *o ? o : "(root)");
		hpi_jw_kvalue(w, "calls", hpi_json_get(row, "calls"));
		hpi_jw_kvalue(w, "total", hpi_json_get(row, "total"));
		hpi_jw_kvalue(w, "self", hpi_json_get(row, "self"));
		hpi_jw_close(w, '}');
	}
	hpi_jw_close(w, ']');
}

/* read_function: a function's row, recent calls, callers and callees. */
static bool tool_read_function(const hpi_jv *args, hpi_jw *w, hpc_mcp_err *e)
{
	bool bad = false;
	const char *prog = mcp_str(args, "program", false, e, &bad);
	const char *name = mcp_str(args, "name", true, e, &bad);
	long limit = mcp_int(args, "limit", 20, 1, 100000, e, &bad);
	const hpi_jv *row = NULL, *calls = NULL;
	hpi_json *snap, *log;
	char *url;
	long i = 0;

	if (bad || (url = mcp_query_url(prog, e)) == NULL)
		return false;
	if ((snap = mcp_ask(url, "snapshot", NULL, NULL, NULL, NULL, e)) == NULL) {
		free(url);
		return false;
	}
	HPI_JSON_FOREACH(hpi_json_get(hpi_json_get(hpi_json_root(snap), "report"), "sections"),
			 sec) {
		const char *id = hpi_json_str(hpi_json_get(sec, "id"));
		if (id != NULL && strcmp(id, "calls") == 0)
			calls = sec;
		if (id == NULL || strcmp(id, "functions") != 0)
			continue;
		HPI_JSON_FOREACH(hpi_json_get(sec, "rows"), x) {
			const char *xn = hpi_json_str(hpi_json_get(x, "name"));
			if (xn != NULL && strcmp(xn, name) == 0)
				row = x;
		}
	}
	if (row == NULL) {
		free(url);
		hpi_json_free(snap);
		return mcp_fail(e, 0, "no function \"%s\" in the program's functions section", name);
	}
	log = mcp_ask(url, "log", "section", "functions", "row", name, e);
	free(url);
	e->msg[0] = '\0'; /* no log is no recent calls, not a failure */
	hpi_jw_open(w, '{');
	hpi_jw_kstr(w, "name", name);
	hpi_jw_key(w, "row");
	hpi_jw_value(w, row, mcp_row_omit);
	hpi_jw_key(w, "recent_calls");
	hpi_jw_open(w, '[');
	HPI_JSON_FOREACH(hpi_json_get(log ? mcp_first_section(log) : NULL, "rows"), r)
		if (i++ < limit)
			hpi_jw_value(w, r, NULL);
	hpi_jw_close(w, ']');
	hpi_jw_key(w, "callers");
	mcp_edges(w, calls, name, true);
	hpi_jw_key(w, "callees");
	mcp_edges(w, calls, name, false);
	hpi_jw_close(w, '}');
	hpi_json_free(log);
	hpi_json_free(snap);
	return true;
}

/* The reply holding the cpu section of the program at url (*sec) once
 * its meta says the sampler is stopped: a query reads a snapshot at most
 * publish.interval_ms old, so it is asked again (every 100 ms, for at
 * most 5 s) until one taken after the stop comes.  NULL with e set. */
static hpi_json *mcp_cpu_section(const char *url, const hpi_jv **sec, hpc_mcp_err *e)
{
	for (int i = 0; i < 50; i++) {
		hpi_json *rep = mcp_ask(url, "section", "section", "cpu", NULL, NULL, e);
		const char *st;
		if (rep == NULL)
			return NULL;
		*sec = mcp_first_section(rep);
		st = hpi_json_str(hpi_json_get(hpi_json_get(*sec, "meta"), "cpu.state"));
		if (*sec != NULL && (st == NULL || strcmp(st, "stopped") == 0))
			return rep;
		hpi_json_free(rep);
		nanosleep(&(struct timespec){0, 100000000}, NULL);
	}
	mcp_fail(e, 0, "the program's cpu section still says the sampler runs after 5 s");
	return NULL;
}

/* start_cpu_sampling and stop_cpu_sampling: the cpu_start / cpu_stop
 * query; stopping also gives the functions sampled, most self first. */
static bool mcp_cpu_toggle(const hpi_jv *args, hpi_jw *w, hpc_mcp_err *e, bool start)
{
	bool bad = false, ok = true;
	const char *prog = mcp_str(args, "program", false, e, &bad);
	long limit = mcp_int(args, "limit", 20, 1, 100000, e, &bad);
	const hpi_jv *sec = NULL;
	hpi_json *rep;
	char *url;

	if (bad || (url = mcp_query_url(prog, e)) == NULL)
		return false;
	rep = mcp_ask(url, start ? "cpu_start" : "cpu_stop", NULL, NULL, NULL, NULL, e);
	if (rep == NULL) {
		free(url);
		return false;
	}
	hpi_jw_open(w, '{');
	hpi_jw_kvalue(w, "cpu", hpi_json_get(hpi_json_root(rep), "cpu"));
	hpi_json_free(rep);
	if (!start) {
		rep = mcp_cpu_section(url, &sec, e);
		hpi_jw_key(w, "functions");
		ok = rep != NULL && mcp_section_view(w, sec, "self", NULL, limit, e);
		hpi_json_free(rep);
	}
	hpi_jw_close(w, '}');
	free(url);
	return ok;
}

static bool tool_start_cpu(const hpi_jv *args, hpi_jw *w, hpc_mcp_err *e)
{
	return mcp_cpu_toggle(args, w, e, true);
}

static bool tool_stop_cpu(const hpi_jv *args, hpi_jw *w, hpc_mcp_err *e)
{
	return mcp_cpu_toggle(args, w, e, false);
}

/* A saved report, or NULL with e set. */
static hpc_report *mcp_load(const char *path, hpc_mcp_err *e)
{
	hpc_report *r;
	char *cause = NULL;

	if (hpc_report_load(path, &r, &cause) == 0)
		return r;
	mcp_fail(e, 0, "%s", cause ? cause : "out of memory");
	free(cause);
	return NULL;
}

/* JSON this program wrote, read back (out of memory is fatal). */
static hpi_json *mcp_reread(hpi_buf *out)
{
	hpi_json *doc = out->failed ? NULL
			: hpi_json_parse(out->data, out->len, HPI_JSON_TOP_CONTAINER, 0, NULL);

	hpi_buf_fini(out);
	if (doc == NULL)
		fatal("out of memory");
	return doc;
}

/* read_report: a saved JSON report's sections (or one), sorted and cut. */
static bool tool_read_report(const hpi_jv *args, hpi_jw *w, hpc_mcp_err *e)
{
	bool bad = false, ok = true;
	const char *path = mcp_str(args, "path", true, e, &bad);
	const char *id = mcp_str(args, "section", false, e, &bad);
	const char *sort = mcp_str(args, "sort", false, e, &bad);
	const char *filter = mcp_str(args, "filter", false, e, &bad);
	long limit = mcp_int(args, "limit", 20, 1, 100000, e, &bad);
	hpc_report *r;
	hpi_render_opts ro;
	hpi_buf out;
	hpi_json *doc;
	size_t n = 0;

	if (bad || (r = mcp_load(path, e)) == NULL)
		return false;
	ro = (hpi_render_opts){.limit = 0, .pcts = r->pcts, .npcts = r->npcts};
	hpi_buf_init(&out);
	hpi_render_json(&out, r->snap, &ro, false);
	hpc_report_free(r);
	doc = mcp_reread(&out);
	hpi_jw_open(w, '{');
	hpi_jw_key(w, "report");
	hpi_jw_open(w, '{');
	HPI_JSON_FOREACH(hpi_json_root(doc), v) {
		if (strcmp(v->key, "sections") == 0)
			continue;
		hpi_jw_kvalue(w, v->key, v);
	}
	hpi_jw_close(w, '}');
	hpi_jw_key(w, "sections");
	hpi_jw_open(w, '[');
	HPI_JSON_FOREACH(hpi_json_get(hpi_json_root(doc), "sections"), sec) {
		const char *sid = hpi_json_str(hpi_json_get(sec, "id"));
		if (id != NULL && (sid == NULL || strcmp(sid, id) != 0))
			continue;
		if (!(ok = mcp_section_view(w, sec, id ? sort : NULL, filter, limit, e)))
			break;
		n++;
	}
	hpi_jw_close(w, ']');
	hpi_jw_close(w, '}');
	hpi_json_free(doc);
	if (ok && id != NULL && n == 0)
		return mcp_fail(e, 0, "%s: no section \"%s\"", path, id);
	return ok;
}

/* compare_reports: hotpath compare's numbers; markdown to output if named. */
static bool tool_compare_reports(const hpi_jv *args, hpi_jw *w, hpc_mcp_err *e)
{
	bool bad = false, ok = true;
	const char *base_p = mcp_str(args, "base", true, e, &bad);
	const char *head_p = mcp_str(args, "head", true, e, &bad);
	const char *output = mcp_str(args, "output", false, e, &bad);
	long threshold = mcp_int(args, "threshold", 20, 0, 100000, e, &bad);
	hpc_report *base = NULL, *head = NULL;
	hpc_cmp_opts o = {.threshold = (double)threshold};
	hpc_cmp *c;
	hpi_buf out;
	hpi_json *j;

	if (bad || (base = mcp_load(base_p, e)) == NULL || (head = mcp_load(head_p, e)) == NULL) {
		hpc_report_free(base);
		return false;
	}
	c = hpc_compare(base, head, &o);
	hpi_buf_init(&out);
	hpc_compare_json(&out, c);
	j = mcp_reread(&out);
	hpi_jw_open(w, '{');
	HPI_JSON_FOREACH(hpi_json_root(j), v) {
		hpi_jw_kvalue(w, v->key, v);
	}
	if (output != NULL) {
		FILE *f = fopen(output, "w");
		hpi_buf_init(&out);
		hpc_compare_markdown(&out, c);
		if (f == NULL || fwrite(out.data, 1, out.len, f) != out.len || fclose(f) != 0) {
			ok = mcp_fail(e, 0, "output: cannot write \"%s\"", output);
		} else {
			hpi_jw_kstr(w, "written", output);
		}
		hpi_buf_fini(&out);
	}
	hpi_jw_close(w, '}');
	hpi_json_free(j);
	hpc_compare_free(c);
	hpc_report_free(base);
	hpc_report_free(head);
	return ok;
}

/* ---- the tools' table ------------------------------------------------------ */

#define PROG_ARG "\"program\":{\"type\":\"string\",\"description\":\"pid or program name " \
	"(list_programs); may be left out when one program runs\"}"
#define VIEW_ARGS "\"sort\":{\"type\":\"string\",\"description\":\"column key to sort by, " \
	"biggest first (e.g. total, self_total, calls)\"}," \
	"\"limit\":{\"type\":\"integer\",\"minimum\":1,\"maximum\":100000,\"default\":20," \
	"\"description\":\"at most this many rows\"}," \
	"\"filter\":{\"type\":\"string\",\"description\":\"only rows whose name contains this\"}"

const hpc_mcp_tool hpc_mcp_tools[] = {
	{"list_programs", "List profiled programs",
	 "The programs profiled with hotpath running on this machine for this user (as "
	 "`hotpath ls` lists them): pid, name, start, endpoints, sections. Reads only.",
	 "{\"type\":\"object\",\"properties\":{},\"additionalProperties\":false}",
	 tool_list_programs},
	{"read_section", "Read a live section",
	 "One section (functions, calls, threads, process, alloc_bytes, channels, locks, ...) of "
	 "a running program, now: its columns (key, title, unit: ns are nanoseconds) and rows, "
	 "sorted, filtered by name and limited. Reads only.",
	 "{\"type\":\"object\",\"properties\":{" PROG_ARG ",\"section\":{\"type\":\"string\","
	 "\"description\":\"section id, e.g. functions\"}," VIEW_ARGS "},\"required\":[\"section\"],"
	 "\"additionalProperties\":false}",
	 tool_read_section},
	{"read_function", "Read a function",
	 "A measured function of a running program: its row of the functions section (calls, "
	 "avg, percentiles, total, self time, in ns), its most recent calls (duration, thread, "
	 "time) and its callers and callees from the call tree. Reads only.",
	 "{\"type\":\"object\",\"properties\":{" PROG_ARG ",\"name\":{\"type\":\"string\","
	 "\"description\":\"the function's label, e.g. basic::sync_function\"},\"limit\":{"
	 "\"type\":\"integer\",\"minimum\":1,\"maximum\":100000,\"default\":20,\"description\":"
	 "\"at most this many recent calls\"}},\"required\":[\"name\"],\"additionalProperties\":false}",
	 tool_read_function},
	{"read_report", "Read a saved report",
	 "A JSON report a profiled program saved (report.format: json): its facts and sections "
	 "(or one), rows sorted, filtered and limited. Reads only.",
	 "{\"type\":\"object\",\"properties\":{\"path\":{\"type\":\"string\",\"description\":"
	 "\"the report file\"},\"section\":{\"type\":\"string\",\"description\":\"only this "
	 "section; sort applies with it\"}," VIEW_ARGS "},\"required\":[\"path\"],"
	 "\"additionalProperties\":false}",
	 tool_read_report},
	{"compare_reports", "Compare two saved reports",
	 "hotpath compare of two JSON reports (before, after a change): every number before and "
	 "after with its change in %, regressions and improvements beyond the threshold. Writes "
	 "a file only when `output` names one (the markdown comparison).",
	 "{\"type\":\"object\",\"properties\":{\"base\":{\"type\":\"string\",\"description\":"
	 "\"the report before\"},\"head\":{\"type\":\"string\",\"description\":\"the report "
	 "after\"},\"threshold\":{\"type\":\"integer\",\"minimum\":0,\"maximum\":100000,"
	 "\"default\":20,\"description\":\"percent; a change beyond it counts\"},\"output\":{"
	 "\"type\":\"string\",\"description\":\"a file to write the markdown comparison to "
	 "(nothing is written without it)\"}},\"required\":[\"base\",\"head\"],"
	 "\"additionalProperties\":false}",
	 tool_compare_reports},
	{"start_cpu_sampling", "Start CPU sampling",
	 "Starts the statistical CPU profiler of a running program whose cpu collector is on "
	 "(started with HOTPATH_CPU=1, or HOTPATH_CPU_PAUSED=1 to have it ready without "
	 "sampling): where its CPU goes, by function, stack and thread, in code nobody marked "
	 "too. Counting starts from zero; read it with read_section (cpu, cpu_stacks, "
	 "cpu_threads) or stop_cpu_sampling. Already running: nothing changes (changed: false). "
	 "Writes no file.",
	 "{\"type\":\"object\",\"properties\":{" PROG_ARG "},\"additionalProperties\":false}",
	 tool_start_cpu},
	{"stop_cpu_sampling", "Stop CPU sampling",
	 "Stops a running program's CPU sampler (its counts stay until the next start) and "
	 "returns the functions sampled, most self samples first: self and total samples, "
	 "their share, the CPU time they stand for (ns), the hottest source line. Writes no "
	 "file.",
	 "{\"type\":\"object\",\"properties\":{" PROG_ARG ",\"limit\":{\"type\":\"integer\","
	 "\"minimum\":1,\"maximum\":100000,\"default\":20,\"description\":\"at most this many "
	 "functions\"}},\"additionalProperties\":false}",
	 tool_stop_cpu},
};

const size_t hpc_mcp_ntools = sizeof(hpc_mcp_tools) / sizeof(hpc_mcp_tools[0]);
