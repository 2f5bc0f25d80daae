/* SPDX-License-Identifier: MIT */
/*
 * cmd_mcp.c - `hotpath mcp`: a Model Context Protocol server on stdin and
 * stdout (JSON-RPC 2.0, one message a line, protocol revision 2025-06-18)
 * that lets an assistant read what hotpath sees through the tools of
 * mcp_tools.c.  Messages are read and written with the library's JSON
 * reader and writer (core/json.h).  It writes no file unless a tool's
 * argument names one.  docs/mcp.md.
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "console.h"
#include "json.h"
#include "mcp.h"

#define MCP_PROTOCOL "2025-06-18"

/* ---- JSON-RPC -------------------------------------------------------------- */

/* Reals in replies: 10 significant digits, as the server always wrote. */
#define MCP_REAL_DIGITS 10

/* Starts a message to id (NULL: null): {"jsonrpc":"2.0","id":ID, and its
 * member key ("result" or "error"), for the caller to write the value of. */
static hpi_jw mcp_begin(hpi_buf *b, const hpi_jv *id, const char *key)
{
	hpi_jw w = hpi_jw_make(b, MCP_REAL_DIGITS);

	hpi_buf_init(b);
	hpi_jw_open(&w, '{');
	hpi_jw_kstr(&w, "jsonrpc", "2.0");
	hpi_jw_kvalue(&w, "id", id);
	hpi_jw_key(&w, key);
	return w;
}

/* Ends the message and writes it, one line. */
static void mcp_send(hpi_jw *w)
{
	hpi_jw_close(w, '}');
	if (w->out->failed)
		fatal("out of memory");
	hpi_buf_putc(w->out, '\n');
	fwrite(w->out->data, 1, w->out->len, stdout);
	fflush(stdout);
	hpi_buf_fini(w->out);
}

static void mcp_error(const hpi_jv *id, int code, const char *msg)
{
	hpi_buf b;
	hpi_jw w = mcp_begin(&b, id, "error");

	hpi_jw_open(&w, '{');
	hpi_jw_kint(&w, "code", code);
	hpi_jw_kstr(&w, "message", msg);
	hpi_jw_close(&w, '}');
	mcp_send(&w);
}

/* tools/list */
static void mcp_list(hpi_jw *w)
{
	hpi_jw_open(w, '{');
	hpi_jw_key(w, "tools");
	hpi_jw_open(w, '[');
	for (size_t i = 0; i < hpc_mcp_ntools; i++) {
		const char *s = hpc_mcp_tools[i].schema;
		hpi_json *schema = hpi_json_parse(s, strlen(s), HPI_JSON_TOP_CONTAINER, 0, NULL);
		if (schema == NULL)
			fatal("tool %s: bad schema", hpc_mcp_tools[i].name);
		hpi_jw_open(w, '{');
		hpi_jw_kstr(w, "name", hpc_mcp_tools[i].name);
		hpi_jw_kstr(w, "title", hpc_mcp_tools[i].title);
		hpi_jw_kstr(w, "description", hpc_mcp_tools[i].description);
		hpi_jw_kvalue(w, "inputSchema", hpi_json_root(schema));
		hpi_jw_close(w, '}');
		hpi_json_free(schema);
	}
	hpi_jw_close(w, ']');
	hpi_jw_close(w, '}');
}

/* tools/call: the result is the tool's JSON twice, as text content and
 * as structuredContent. */
static void mcp_call(const hpi_jv *id, const hpi_jv *params)
{
	const char *name = hpi_json_str(hpi_json_get(params, "name"));
	const hpi_jv *args = hpi_json_get(params, "arguments");
	hpc_mcp_err e = {0};
	hpi_buf b, res;
	hpi_jw w, rw;
	bool ok;

	for (size_t i = 0; name != NULL && i < hpc_mcp_ntools; i++) {
		if (strcmp(name, hpc_mcp_tools[i].name) != 0)
			continue;
		if (args != NULL && args->type != HPI_JSON_OBJECT) {
			mcp_error(id, -32602, "arguments: expected an object");
			return;
		}
		hpi_buf_init(&res);
		rw = hpi_jw_make(&res, MCP_REAL_DIGITS);
		ok = hpc_mcp_tools[i].call(args, &rw, &e); /* no arguments: as {} */
		if (!ok && e.code != 0) {
			hpi_buf_fini(&res);
			mcp_error(id, e.code, e.msg);
			return;
		}
		if (ok && (res.failed || res.data == NULL))
			fatal("out of memory");
		w = mcp_begin(&b, id, "result");
		hpi_jw_open(&w, '{');
		hpi_jw_key(&w, "content");
		hpi_jw_open(&w, '[');
		hpi_jw_open(&w, '{');
		hpi_jw_kstr(&w, "type", "text");
		hpi_jw_kstr(&w, "text", ok ? res.data : e.msg);
		hpi_jw_close(&w, '}');
		hpi_jw_close(&w, ']');
		if (ok) {
			hpi_jw_key(&w, "structuredContent");
			hpi_jw_raw(&w, res.data, res.len);
		}
		hpi_jw_key(&w, "isError");
		hpi_jw_bool(&w, !ok);
		hpi_jw_close(&w, '}');
		hpi_buf_fini(&res);
		mcp_send(&w);
		return;
	}
	mcp_error(id, -32602, name ? "unknown tool" : "params.name: expected a tool name");
}

/* initialize */
static void mcp_initialize(hpi_jw *w)
{
	hpi_jw_open(w, '{');
	hpi_jw_kstr(w, "protocolVersion", MCP_PROTOCOL);
	hpi_jw_key(w, "capabilities");
	hpi_jw_open(w, '{');
	hpi_jw_key(w, "tools");
	hpi_jw_open(w, '{');
	hpi_jw_key(w, "listChanged");
	hpi_jw_bool(w, false);
	hpi_jw_close(w, '}');
	hpi_jw_close(w, '}');
	hpi_jw_key(w, "serverInfo");
	hpi_jw_open(w, '{');
	hpi_jw_kstr(w, "name", "hotpath");
	hpi_jw_kstr(w, "title", "hotpath profiler");
	hpi_jw_kstr(w, "version", PACKAGE_VERSION);
	hpi_jw_close(w, '}');
	hpi_jw_key(w, "instructions");
	hpi_jw_str(w, "Reads what hotpath measures in running C programs and saved reports: "
		   "list_programs, then read_section (functions sorted by total or self_total) "
		   "and read_function; start_cpu_sampling and stop_cpu_sampling where the cpu "
		   "collector is on. Times are nanoseconds.");
	hpi_jw_close(w, '}');
}

/* One message. */
static void mcp_message(const char *line, size_t len)
{
	hpi_json *doc = hpi_json_parse(line, len, HPI_JSON_TOP_CONTAINER, 0, NULL);
	const hpi_jv *m = hpi_json_root(doc), *id, *rpc;
	const char *method;
	hpi_buf b;
	hpi_jw w;

	if (doc == NULL) {
		mcp_error(NULL, -32700, "parse error: not JSON");
		return;
	}
	id = hpi_json_get(m, "id");
	method = hpi_json_str(hpi_json_get(m, "method"));
	rpc = hpi_json_get(m, "jsonrpc");
	if (!hpi_json_is(m, HPI_JSON_OBJECT) || !hpi_json_is(rpc, HPI_JSON_STRING) ||
	    strcmp(rpc->v.s, "2.0") != 0 || (method == NULL && id == NULL) ||
	    (id != NULL && !hpi_json_is(id, HPI_JSON_STRING) && !hpi_json_is(id, HPI_JSON_INT))) {
		mcp_error(hpi_json_is(id, HPI_JSON_STRING) || hpi_json_is(id, HPI_JSON_INT) ? id : NULL,
			  -32600, "invalid request");
	} else if (method == NULL || id == NULL) {
		/* a response or a notification (notifications/initialized,
		 * notifications/cancelled): nothing to answer */
	} else if (strcmp(method, "initialize") == 0) {
		w = mcp_begin(&b, id, "result");
		mcp_initialize(&w);
		mcp_send(&w);
	} else if (strcmp(method, "ping") == 0) {
		w = mcp_begin(&b, id, "result");
		hpi_jw_open(&w, '{');
		hpi_jw_close(&w, '}');
		mcp_send(&w);
	} else if (strcmp(method, "tools/list") == 0) {
		w = mcp_begin(&b, id, "result");
		mcp_list(&w);
		mcp_send(&w);
	} else if (strcmp(method, "tools/call") == 0) {
		mcp_call(id, hpi_json_get(m, "params"));
	} else {
		mcp_error(id, -32601, "method not found");
	}
	hpi_json_free(doc);
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
