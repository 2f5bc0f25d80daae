/* SPDX-License-Identifier: MIT */
/*
 * cmd_mcp.c - `hotpath mcp`: a Model Context Protocol server on stdin and
 * stdout (JSON-RPC 2.0, one message a line, protocol revision 2025-06-18)
 * that lets an assistant read what hotpath sees: the running programs
 * (core/discover.h), their sections and a function's recent calls, callers
 * and callees (the query endpoint, as the console asks), and saved reports
 * (read, compare).  It writes no file unless a tool's argument names one.
 * docs/mcp.md.
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>
#include <nng/nng.h>
#include <nng/protocol/reqrep0/req.h>

#include "compare.h"
#include "console.h"
#include "discover.h"
#include "report_load.h"

#define MCP_PROTOCOL "2025-06-18"
#define MCP_QUERY_MS 5000

/* A tool's failure: its message, for an isError result or a -32602. */
typedef struct mcp_err {
	int code;      /* 0: a tool error (isError); else the JSON-RPC code */
	char msg[512];
} mcp_err;

static json_t *mcp_fail(mcp_err *e, int code, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Sets e and returns NULL. */
static json_t *mcp_fail(mcp_err *e, int code, const char *fmt, ...)
{
	va_list ap;

	e->code = code;
	va_start(ap, fmt);
	vsnprintf(e->msg, sizeof e->msg, fmt, ap);
	va_end(ap);
	return NULL;
}

/* ---- arguments ------------------------------------------------------------ */

/* A string argument: NULL when absent; *bad when present and not one. */
static const char *mcp_str(const json_t *args, const char *key, bool need, mcp_err *e,
			   bool *bad)
{
	const json_t *v = json_object_get(args, key);

	if (v == NULL && !need)
		return NULL;
	if (!json_is_string(v) || json_string_length(v) == 0) {
		mcp_fail(e, -32602, "%s: expected a non-empty string", key);
		*bad = true;
		return NULL;
	}
	return json_string_value(v);
}

/* An integer argument in lo..hi, dflt when absent. */
static long mcp_int(const json_t *args, const char *key, long dflt, long lo, long hi,
		    mcp_err *e, bool *bad)
{
	const json_t *v = json_object_get(args, key);

	if (v == NULL)
		return dflt;
	if (!json_is_integer(v) || json_integer_value(v) < lo || json_integer_value(v) > hi) {
		mcp_fail(e, -32602, "%s: expected an integer in %ld..%ld", key, lo, hi);
		*bad = true;
		return dflt;
	}
	return (long)json_integer_value(v);
}

/* ---- live programs --------------------------------------------------------- */

/* The programs hotpath ls lists (NULL and e set when the folder is refused). */
static hpi_program *mcp_programs(size_t *n, mcp_err *e)
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
static char *mcp_query_url(const char *target, mcp_err *e)
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

/* One query to url; the reply's JSON, or NULL with e set. */
static json_t *mcp_ask(const char *url, json_t *req, mcp_err *e)
{
	char *text = json_dumps(req, JSON_COMPACT), *rep = NULL;
	nng_socket s;
	size_t len;
	json_t *j;
	int rv;

	json_decref(req);
	if (text == NULL)
		fatal("out of memory");
	if ((rv = nng_req0_open(&s)) == 0) {
		nng_socket_set_ms(s, NNG_OPT_RECVTIMEO, MCP_QUERY_MS);
		nng_socket_set_ms(s, NNG_OPT_SENDTIMEO, MCP_QUERY_MS);
		if ((rv = hpc_dial(s, url, NULL)) == 0 &&
		    (rv = nng_send(s, text, strlen(text), 0)) == 0)
			rv = nng_recv(s, &rep, &len, NNG_FLAG_ALLOC);
		nng_close(s);
	}
	free(text);
	if (rv != 0)
		return mcp_fail(e, 0, "no reply from %s: %s", url, nng_strerror(rv));
	j = json_loadb(rep, len, 0, NULL);
	nng_free(rep, len);
	if (j == NULL)
		return mcp_fail(e, 0, "%s: the reply is not JSON", url);
	if (json_is_string(json_object_get(j, "error"))) {
		mcp_fail(e, 0, "%s: %s", json_string_value(json_object_get(j, "error")),
			 json_string_value(json_object_get(j, "message")) ?
			 json_string_value(json_object_get(j, "message")) : "error");
		json_decref(j);
		return NULL;
	}
	return j;
}

/* ---- one section: sorted, filtered, cut -------------------------------------- */

static const char *mcp_sort_key;

/* Bigger numbers first, text A to Z; rows without the key last. */
static int mcp_row_cmp(const void *a, const void *b)
{
	const json_t *x = json_object_get(*(json_t *const *)a, mcp_sort_key);
	const json_t *y = json_object_get(*(json_t *const *)b, mcp_sort_key);

	if (json_is_number(x) && json_is_number(y)) {
		double dx = json_number_value(x), dy = json_number_value(y);
		return dx > dy ? -1 : dx < dy;
	}
	if (json_is_string(x) && json_is_string(y))
		return strcmp(json_string_value(x), json_string_value(y));
	return (x == NULL || json_is_null(x)) - (y == NULL || json_is_null(y));
}

/* {section, title, columns, total_rows, rows} from a report's section:
 * rows whose name contains filter, sorted by sort (a column key), at most
 * limit; the histograms and logs left out (read_function has the calls). */
static json_t *mcp_section_view(const json_t *sec, const char *sort, const char *filter,
				long limit, mcp_err *e)
{
	const json_t *cols = json_object_get(sec, "columns"), *row, *col;
	json_t **v, *rows = json_array(), *out, *keys = json_array();
	size_t i, n = 0, total = json_array_size(json_object_get(sec, "rows"));
	bool have_sort = sort == NULL;

	json_array_foreach(cols, i, col) {
		const char *k = json_string_value(json_object_get(col, "key"));
		if (k == NULL || strcmp(k, "hist") == 0 || strcmp(k, "buckets") == 0)
			continue;
		json_array_append_new(keys, json_pack("{s:s,s:O,s:O}", "key", k, "title",
						      json_object_get(col, "title"), "unit",
						      json_object_get(col, "unit")));
		have_sort |= sort != NULL && strcmp(k, sort) == 0;
	}
	if (!have_sort) {
		json_decref(rows);
		json_decref(keys);
		return mcp_fail(e, -32602, "sort: section \"%s\" has no column \"%s\"",
				json_string_value(json_object_get(sec, "id")), sort);
	}
	v = xcalloc(total ? total : 1, sizeof(*v));
	json_array_foreach(json_object_get(sec, "rows"), i, row) {
		const char *name = json_string_value(json_object_get(row, "name"));
		if (name == NULL) /* the cpu sections name rows by function, label or stack */
			name = json_string_value(json_object_get(row, "function"));
		if (filter != NULL && (name == NULL || strstr(name, filter) == NULL))
			continue;
		v[n++] = (json_t *)row;
	}
	if (sort != NULL) {
		mcp_sort_key = sort;
		qsort(v, n, sizeof(*v), mcp_row_cmp);
	}
	for (i = 0; i < n && (long)i < limit; i++) {
		json_t *r = json_deep_copy(v[i]);
		json_object_del(r, "hist");
		json_object_del(r, "buckets");
		json_object_del(r, "log");
		json_array_append_new(rows, r);
	}
	out = json_pack("{s:O,s:O,s:o,s:I,s:I,s:o}", "section", json_object_get(sec, "id"),
			"title", json_object_get(sec, "title"), "columns", keys,
			"total_rows", (json_int_t)total, "matching_rows", (json_int_t)n,
			"rows", rows);
	free(v);
	return out;
}

/* ---- the tools ------------------------------------------------------------- */

/* list_programs: the programs hotpath ls lists. */
static json_t *tool_list_programs(const json_t *args, mcp_err *e)
{
	size_t n = 0;
	hpi_program *v = mcp_programs(&n, e);
	json_t *a = json_array();

	(void)args;
	if (v == NULL && e->msg[0]) {
		json_decref(a);
		return NULL;
	}
	for (size_t i = 0; i < n; i++) {
		json_t *secs = json_array();
		for (size_t k = 0; k < v[i].nsections; k++)
			json_array_append_new(secs, json_string(v[i].sections[k]));
		json_array_append_new(a, json_pack("{s:I,s:s?,s:s?,s:I,s:s?,s:s?,s:o}",
			"pid", (json_int_t)v[i].pid, "program", v[i].program, "caller", v[i].caller,
			"start_unix_ns", (json_int_t)v[i].start_unix_ns, "endpoint", v[i].endpoint,
			"query", v[i].query, "sections", secs));
	}
	hpi_discover_free(v, n);
	return json_pack("{s:o}", "programs", a);
}

/* read_section: one section of a running program. */
static json_t *tool_read_section(const json_t *args, mcp_err *e)
{
	bool bad = false;
	const char *prog = mcp_str(args, "program", false, e, &bad);
	const char *id = mcp_str(args, "section", true, e, &bad);
	const char *sort = mcp_str(args, "sort", false, e, &bad);
	const char *filter = mcp_str(args, "filter", false, e, &bad);
	long limit = mcp_int(args, "limit", 20, 1, 100000, e, &bad);
	char *url;
	json_t *rep, *out, *sec;

	if (bad || (url = mcp_query_url(prog, e)) == NULL)
		return NULL;
	rep = mcp_ask(url, json_pack("{s:s,s:s}", "cmd", "section", "section", id), e);
	free(url);
	if (rep == NULL)
		return NULL;
	sec = json_array_get(json_object_get(json_object_get(rep, "report"), "sections"), 0);
	out = sec ? mcp_section_view(sec, sort, filter, limit, e)
		  : mcp_fail(e, 0, "the reply has no section");
	json_decref(rep);
	return out;
}

/* The call tree's edges of name: callers (callee == name) or callees. */
static json_t *mcp_edges(const json_t *calls, const char *name, bool callers)
{
	json_t *a = json_array(), *row;
	size_t i;

	json_array_foreach(json_object_get(calls, "rows"), i, row) {
		const char *k = json_string_value(json_object_get(row, callers ? "callee" : "caller"));
		const char *o = json_string_value(json_object_get(row, callers ? "caller" : "callee"));
		if (k == NULL || o == NULL || strcmp(k, name) != 0)
			continue;
		json_array_append_new(a, json_pack("{s:s,s:O,s:O,s:O}", "function", *o ? o : "(root)",
						   "calls", json_object_get(row, "calls"),
						   "total", json_object_get(row, "total"),
						   "self", json_object_get(row, "self")));
	}
	return a;
}

/* read_function: a function's row, recent calls, callers and callees. */
static json_t *tool_read_function(const json_t *args, mcp_err *e)
{
	bool bad = false;
	const char *prog = mcp_str(args, "program", false, e, &bad);
	const char *name = mcp_str(args, "name", true, e, &bad);
	long limit = mcp_int(args, "limit", 20, 1, 100000, e, &bad);
	char *url;
	json_t *snap, *log, *secs, *sec, *row = NULL, *calls = NULL, *recent = json_array(), *r;
	size_t i;

	if (bad || (url = mcp_query_url(prog, e)) == NULL) {
		json_decref(recent);
		return NULL;
	}
	snap = mcp_ask(url, json_pack("{s:s}", "cmd", "snapshot"), e);
	if (snap == NULL) {
		free(url);
		json_decref(recent);
		return NULL;
	}
	secs = json_object_get(json_object_get(snap, "report"), "sections");
	json_array_foreach(secs, i, sec) {
		const char *id = json_string_value(json_object_get(sec, "id"));
		size_t k;
		json_t *x;
		if (id != NULL && strcmp(id, "calls") == 0)
			calls = sec;
		if (id == NULL || strcmp(id, "functions") != 0)
			continue;
		json_array_foreach(json_object_get(sec, "rows"), k, x)
			if (json_is_string(json_object_get(x, "name")) &&
			    strcmp(json_string_value(json_object_get(x, "name")), name) == 0)
				row = json_deep_copy(x);
	}
	if (row == NULL) {
		free(url);
		json_decref(snap);
		json_decref(recent);
		return mcp_fail(e, 0, "no function \"%s\" in the program's functions section", name);
	}
	json_object_del(row, "hist");
	json_object_del(row, "buckets");
	json_object_del(row, "log");
	log = mcp_ask(url, json_pack("{s:s,s:s,s:s}", "cmd", "log", "section", "functions",
				     "row", name), e);
	free(url);
	if (log != NULL) {
		sec = json_array_get(json_object_get(json_object_get(log, "report"), "sections"), 0);
		json_array_foreach(json_object_get(sec, "rows"), i, r)
			if ((long)i < limit)
				json_array_append(recent, r);
		json_decref(log);
	}
	e->msg[0] = '\0'; /* no log is no recent calls, not a failure */
	r = json_pack("{s:s,s:o,s:o,s:o,s:o}", "name", name, "row", row, "recent_calls", recent,
		      "callers", calls ? mcp_edges(calls, name, true) : json_array(),
		      "callees", calls ? mcp_edges(calls, name, false) : json_array());
	json_decref(snap);
	return r;
}

/* The cpu section of the program at url once its meta says the sampler
 * is stopped: a query reads a snapshot at most publish.interval_ms old,
 * so it is asked again (every 100 ms, for at most 5 s) until one taken
 * after the stop comes.  NULL with e set. */
static json_t *mcp_cpu_section(const char *url, mcp_err *e)
{
	for (int i = 0; i < 50; i++) {
		json_t *rep = mcp_ask(url, json_pack("{s:s,s:s}", "cmd", "section", "section", "cpu"),
				      e), *sec;
		const char *st;
		if (rep == NULL)
			return NULL;
		sec = json_array_get(json_object_get(json_object_get(rep, "report"), "sections"), 0);
		st = json_string_value(json_object_get(json_object_get(sec, "meta"), "cpu.state"));
		if (sec != NULL && (st == NULL || strcmp(st, "stopped") == 0)) {
			json_incref(sec);
			json_decref(rep);
			return sec;
		}
		json_decref(rep);
		nanosleep(&(struct timespec){0, 100000000}, NULL);
	}
	return mcp_fail(e, 0, "the program's cpu section still says the sampler runs after 5 s");
}

/* start_cpu_sampling and stop_cpu_sampling: the cpu_start / cpu_stop
 * query; stopping also gives the functions sampled, most self first. */
static json_t *mcp_cpu_toggle(const json_t *args, mcp_err *e, bool start)
{
	bool bad = false;
	const char *prog = mcp_str(args, "program", false, e, &bad);
	long limit = mcp_int(args, "limit", 20, 1, 100000, e, &bad);
	char *url;
	json_t *rep, *out, *sec, *view;

	if (bad || (url = mcp_query_url(prog, e)) == NULL)
		return NULL;
	rep = mcp_ask(url, json_pack("{s:s}", "cmd", start ? "cpu_start" : "cpu_stop"), e);
	if (rep == NULL) {
		free(url);
		return NULL;
	}
	out = json_pack("{s:O}", "cpu", json_object_get(rep, "cpu"));
	json_decref(rep);
	if (!start) {
		sec = mcp_cpu_section(url, e);
		view = sec ? mcp_section_view(sec, "self", NULL, limit, e) : NULL;
		json_decref(sec);
		if (view == NULL) {
			free(url);
			json_decref(out);
			return NULL;
		}
		json_object_set_new(out, "functions", view);
	}
	free(url);
	return out;
}

static json_t *tool_start_cpu(const json_t *args, mcp_err *e)
{
	return mcp_cpu_toggle(args, e, true);
}

static json_t *tool_stop_cpu(const json_t *args, mcp_err *e)
{
	return mcp_cpu_toggle(args, e, false);
}

/* A saved report, or NULL with e set. */
static hpc_report *mcp_load(const char *path, mcp_err *e)
{
	hpc_report *r;
	char *cause = NULL;

	if (hpc_report_load(path, &r, &cause) == 0)
		return r;
	mcp_fail(e, 0, "%s", cause ? cause : "out of memory");
	free(cause);
	return NULL;
}

/* read_report: a saved JSON report's sections (or one), sorted and cut. */
static json_t *tool_read_report(const json_t *args, mcp_err *e)
{
	bool bad = false;
	const char *path = mcp_str(args, "path", true, e, &bad);
	const char *id = mcp_str(args, "section", false, e, &bad);
	const char *sort = mcp_str(args, "sort", false, e, &bad);
	const char *filter = mcp_str(args, "filter", false, e, &bad);
	long limit = mcp_int(args, "limit", 20, 1, 100000, e, &bad);
	hpc_report *r;
	hpi_render_opts ro;
	hpi_buf out;
	json_t *doc, *secs = json_array(), *sec, *facts = json_object(), *v;
	const char *k;
	size_t i;

	if (bad || (r = mcp_load(path, e)) == NULL) {
		json_decref(secs);
		json_decref(facts);
		return NULL;
	}
	ro = (hpi_render_opts){.limit = 0, .pcts = r->pcts, .npcts = r->npcts};
	hpi_buf_init(&out);
	hpi_render_json(&out, r->snap, &ro, false);
	doc = json_loadb(out.data, out.len, 0, NULL);
	hpi_buf_fini(&out);
	hpc_report_free(r);
	if (doc == NULL)
		fatal("out of memory");
	json_object_foreach(doc, k, v)
		if (strcmp(k, "sections") != 0)
			json_object_set(facts, k, v);
	json_array_foreach(json_object_get(doc, "sections"), i, sec) {
		const char *sid = json_string_value(json_object_get(sec, "id"));
		json_t *view;
		if (id != NULL && strcmp(sid, id) != 0)
			continue;
		if ((view = mcp_section_view(sec, id ? sort : NULL, filter, limit, e)) == NULL) {
			json_decref(doc);
			json_decref(secs);
			json_decref(facts);
			return NULL;
		}
		json_array_append_new(secs, view);
	}
	json_decref(doc);
	if (id != NULL && json_array_size(secs) == 0) {
		json_decref(secs);
		json_decref(facts);
		return mcp_fail(e, 0, "%s: no section \"%s\"", path, id);
	}
	return json_pack("{s:o,s:o}", "report", facts, "sections", secs);
}

/* compare_reports: hotpath compare's numbers; markdown to output if named. */
static json_t *tool_compare_reports(const json_t *args, mcp_err *e)
{
	bool bad = false;
	const char *base_p = mcp_str(args, "base", true, e, &bad);
	const char *head_p = mcp_str(args, "head", true, e, &bad);
	const char *output = mcp_str(args, "output", false, e, &bad);
	long threshold = mcp_int(args, "threshold", 20, 0, 100000, e, &bad);
	hpc_report *base = NULL, *head = NULL;
	hpc_cmp_opts o = {.threshold = (double)threshold};
	hpc_cmp *c;
	hpi_buf out;
	json_t *j = NULL;

	if (bad || (base = mcp_load(base_p, e)) == NULL || (head = mcp_load(head_p, e)) == NULL) {
		hpc_report_free(base);
		return NULL;
	}
	c = hpc_compare(base, head, &o);
	hpi_buf_init(&out);
	hpc_compare_json(&out, c);
	j = json_loadb(out.data, out.len, 0, NULL);
	hpi_buf_fini(&out);
	if (j != NULL && output != NULL) {
		FILE *f = fopen(output, "w");
		hpi_buf_init(&out);
		hpc_compare_markdown(&out, c);
		if (f == NULL || fwrite(out.data, 1, out.len, f) != out.len || fclose(f) != 0) {
			json_decref(j);
			j = mcp_fail(e, 0, "output: cannot write \"%s\"", output);
		} else {
			json_object_set_new(j, "written", json_string(output));
		}
		hpi_buf_fini(&out);
	}
	hpc_compare_free(c);
	hpc_report_free(base);
	hpc_report_free(head);
	return j ? j : (e->msg[0] ? NULL : mcp_fail(e, 0, "out of memory"));
}

/* ---- the tools' table ------------------------------------------------------ */

typedef struct mcp_tool {
	const char *name, *title, *description, *schema;
	json_t *(*call)(const json_t *args, mcp_err *e);
} mcp_tool;

#define PROG_ARG "\"program\":{\"type\":\"string\",\"description\":\"pid or program name " \
	"(list_programs); may be left out when one program runs\"}"
#define VIEW_ARGS "\"sort\":{\"type\":\"string\",\"description\":\"column key to sort by, " \
	"biggest first (e.g. total, self_total, calls)\"}," \
	"\"limit\":{\"type\":\"integer\",\"minimum\":1,\"maximum\":100000,\"default\":20," \
	"\"description\":\"at most this many rows\"}," \
	"\"filter\":{\"type\":\"string\",\"description\":\"only rows whose name contains this\"}"

static const mcp_tool mcp_tools[] = {
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

#define MCP_NTOOLS (sizeof(mcp_tools) / sizeof(mcp_tools[0]))

/* ---- JSON-RPC -------------------------------------------------------------- */

/* Writes one message, one line. */
static void mcp_send(json_t *msg)
{
	char *s = json_dumps(msg, JSON_COMPACT | JSON_REAL_PRECISION(10));

	json_decref(msg);
	if (s == NULL)
		fatal("out of memory");
	fputs(s, stdout);
	fputc('\n', stdout);
	fflush(stdout);
	free(s);
}

static void mcp_error(json_t *id, int code, const char *msg)
{
	mcp_send(json_pack("{s:s,s:O,s:{s:i,s:s}}", "jsonrpc", "2.0", "id", id ? id : json_null(),
			   "error", "code", code, "message", msg));
}

static void mcp_result(json_t *id, json_t *result)
{
	mcp_send(json_pack("{s:s,s:O,s:o}", "jsonrpc", "2.0", "id", id, "result", result));
}

/* tools/list */
static json_t *mcp_list(void)
{
	json_t *a = json_array();

	for (size_t i = 0; i < MCP_NTOOLS; i++) {
		json_t *schema = json_loads(mcp_tools[i].schema, 0, NULL);
		if (schema == NULL)
			fatal("tool %s: bad schema", mcp_tools[i].name);
		json_array_append_new(a, json_pack("{s:s,s:s,s:s,s:o}", "name", mcp_tools[i].name,
						   "title", mcp_tools[i].title, "description",
						   mcp_tools[i].description, "inputSchema", schema));
	}
	return json_pack("{s:o}", "tools", a);
}

/* tools/call */
static void mcp_call(json_t *id, const json_t *params)
{
	const char *name = json_string_value(json_object_get(params, "name"));
	const json_t *args = json_object_get(params, "arguments");
	mcp_err e = {0};
	json_t *r;
	char *text;

	for (size_t i = 0; name != NULL && i < MCP_NTOOLS; i++) {
		if (strcmp(name, mcp_tools[i].name) != 0)
			continue;
		if (args != NULL && !json_is_object(args)) {
			mcp_error(id, -32602, "arguments: expected an object");
			return;
		}
		if (args == NULL)
			args = json_object(); /* no arguments: an empty object, freed below */
		r = mcp_tools[i].call(args, &e);
		if (json_object_get(params, "arguments") == NULL)
			json_decref((json_t *)args);
		if (r == NULL && e.code != 0) {
			mcp_error(id, e.code, e.msg);
			return;
		}
		if (r == NULL) {
			mcp_result(id, json_pack("{s:[{s:s,s:s}],s:b}", "content", "type", "text",
						 "text", e.msg, "isError", 1));
			return;
		}
		if ((text = json_dumps(r, JSON_COMPACT | JSON_REAL_PRECISION(10))) == NULL)
			fatal("out of memory");
		mcp_result(id, json_pack("{s:[{s:s,s:s}],s:o,s:b}", "content", "type", "text",
					 "text", text, "structuredContent", r, "isError", 0));
		free(text);
		return;
	}
	mcp_error(id, -32602, name ? "unknown tool" : "params.name: expected a tool name");
}

/* One message. */
static void mcp_message(const char *line, size_t len)
{
	json_error_t err;
	json_t *m = json_loadb(line, len, 0, &err), *id;
	const char *method;

	if (m == NULL) {
		mcp_error(NULL, -32700, "parse error: not JSON");
		return;
	}
	id = json_object_get(m, "id");
	method = json_string_value(json_object_get(m, "method"));
	if (!json_is_object(m) || !json_is_string(json_object_get(m, "jsonrpc")) ||
	    strcmp(json_string_value(json_object_get(m, "jsonrpc")), "2.0") != 0 ||
	    (method == NULL && id == NULL) ||
	    (id != NULL && !json_is_string(id) && !json_is_integer(id))) {
		mcp_error(json_is_string(id) || json_is_integer(id) ? id : NULL, -32600,
			  "invalid request");
	} else if (method == NULL || id == NULL) {
		/* a response or a notification (notifications/initialized,
		 * notifications/cancelled): nothing to answer */
	} else if (strcmp(method, "initialize") == 0) {
		mcp_result(id, json_pack("{s:s,s:{s:{s:b}},s:{s:s,s:s,s:s},s:s}",
			"protocolVersion", MCP_PROTOCOL, "capabilities", "tools", "listChanged", 0,
			"serverInfo", "name", "hotpath", "title", "hotpath profiler", "version",
			PACKAGE_VERSION, "instructions",
			"Reads what hotpath measures in running C programs and saved reports: "
			"list_programs, then read_section (functions sorted by total or self_total) "
			"and read_function; start_cpu_sampling and stop_cpu_sampling where the cpu "
			"collector is on. Times are nanoseconds."));
	} else if (strcmp(method, "ping") == 0) {
		mcp_result(id, json_object());
	} else if (strcmp(method, "tools/list") == 0) {
		mcp_result(id, mcp_list());
	} else if (strcmp(method, "tools/call") == 0) {
		mcp_call(id, json_object_get(m, "params"));
	} else {
		mcp_error(id, -32601, "method not found");
	}
	json_decref(m);
}

/* hotpath mcp */
int hpc_cmd_mcp(int argc, char **argv)
{
	char *line = NULL;
	size_t cap = 0;
	ssize_t n;

	if (argc > 1 && (strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "--help") == 0)) {
		fputs("Usage: hotpath mcp [OPTIONS]\n"
		      "\n"
		      "A Model Context Protocol server (revision " MCP_PROTOCOL ") on stdin and\n"
		      "stdout, one JSON-RPC 2.0 message a line, for assistants: tools to list\n"
		      "the running profiled programs, read a section or a function of one,\n"
		      "start and stop its CPU sampler, and read and compare saved reports.\n"
		      "It writes no file unless a tool's\n"
		      "argument names one.  See docs/mcp.md.\n"
		      "\n"
		      "Options:\n"
		      "  -h, --help   show this help\n"
		      "\n"
		      "Exit status: 0 at the end of stdin, 2 usage.\n", stdout);
		return HPC_EXIT_OK;
	}
	if (argc > 1)
		return hpc_usage_error("mcp", "unexpected argument '%s'", argv[1]);
	while ((n = getline(&line, &cap, stdin)) > 0) {
		while (n > 0 && (line[n - 1] == '\n' || line[n - 1] == '\r'))
			n--;
		if (n > 0)
			mcp_message(line, (size_t)n);
	}
	free(line);
	return HPC_EXIT_OK;
}
