/* SPDX-License-Identifier: MIT */
/*
 * wire.c - the JSON of live metrics (docs/wire.md): requests read with the
 * library's JSON reader (json.c; libhotpath links no JSON library), replies,
 * hello and the report of one section.  No sockets here (publish.c has
 * them), so the query handler can be tested and fuzzed on its own.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "hpi.h"
#include "json.h"

/* ---- requests ------------------------------------------------------------ */

/* Stores value under a known key; unknown keys are ignored. */
static bool req_store(hpi_query *q, const char *key, const char *value, const char **why)
{
	char **slot = strcmp(key, "cmd") == 0 ? &q->cmd
		      : strcmp(key, "section") == 0 ? &q->section
		      : strcmp(key, "row") == 0 ? &q->row : NULL;

	if (slot == NULL)
		return true;
	if (*slot != NULL) {
		*why = "a key appears twice";
		return false;
	}
	return (*slot = strdup(value)) != NULL;
}

/* A request is read with the library's one JSON reader (json.c), one
 * level deep: anything nested is no request. */
int hpi_query_parse(const char *req, size_t len, hpi_query *q, const char **why)
{
	hpi_json *doc = hpi_json_parse(req, len, HPI_JSON_TOP_CONTAINER, 1, NULL);
	const hpi_jv *root = hpi_json_root(doc);

	memset(q, 0, sizeof(*q));
	*why = "a request is one JSON object of string values";
	if (!hpi_json_is(root, HPI_JSON_OBJECT))
		goto bad;
	HPI_JSON_FOREACH(root, m)
		if (m->type != HPI_JSON_STRING || !req_store(q, m->key, m->v.s, why))
			goto bad;
	if (q->cmd == NULL) {
		*why = "the request has no \"cmd\"";
		goto bad;
	}
	hpi_json_free(doc);
	return 0;
bad:
	hpi_json_free(doc);
	hpi_query_fini(q);
	return HP_EINVAL;
}

void hpi_query_fini(hpi_query *q)
{
	free(q->cmd);
	free(q->section);
	free(q->row);
	memset(q, 0, sizeof(*q));
}

/* ---- messages ------------------------------------------------------------ */

/* The common head of every message: {"type":T,"schema":1,... */
static void msg_head(hpi_buf *b, const char *type)
{
	hpi_buf_puts(b, "{\"type\":");
	hpi_buf_json_str(b, type);
	hpi_buf_printf(b, ",\"schema\":%d", HPI_WIRE_SCHEMA);
}

/* A JSON report of s (one line, no newline) appended to b; no_logs: the
 * rows' logs left out. */
static void msg_report_logs(hpi_buf *b, const hp_snapshot *s, const hpi_publish_info *in,
			    bool no_logs)
{
	/* every row: a section's own report.limit (the threads table's top
	 * 5) is for the report at exit, not for consoles */
	hpi_render_opts o = {.limit = 0, .pcts = in->pcts, .npcts = in->npcts, .all_rows = true,
			     .no_logs = no_logs};
	size_t start = b->len;

	/* rendered in place: a section message is megabytes at 10,000 rows */
	hpi_render_json(b, s, &o, false);
	if (!b->failed && b->len > start && b->data[b->len - 1] == '\n')
		b->data[--b->len] = '\0';
	else if (!b->failed && b->len == start)
		hpi_buf_puts(b, "null");
}

/* A JSON report of s (one line, no newline) appended to b. */
static void msg_report(hpi_buf *b, const hp_snapshot *s, const hpi_publish_info *in)
{
	msg_report_logs(b, s, in, false);
}

/* A report of one section: a snapshot that borrows it, with no facts. */
static void msg_section_logs(hpi_buf *b, const hp_section *sec, const hpi_publish_info *in,
			     bool no_logs)
{
	hp_section *one[1] = {(hp_section *)sec};
	hp_snapshot s = {.secs = one, .nsecs = 1, .capsecs = 1};

	msg_report_logs(b, &s, in, no_logs);
}

/* A report of one section, its rows' logs included. */
static void msg_section_report(hpi_buf *b, const hp_section *sec, const hpi_publish_info *in)
{
	msg_section_logs(b, sec, in, false);
}

/* Section messages leave the rows' logs out: logs are most of the bytes,
 * and the log query has them. */
void hpi_wire_section(hpi_buf *b, const hp_section *sec, const hpi_publish_info *in)
{
	msg_section_logs(b, sec, in, true);
}

/* The id, title and row count of every section. */
static void msg_sections(hpi_buf *b, const hp_snapshot *s)
{
	hpi_buf_puts(b, "\"sections\":[");
	for (size_t i = 0; i < s->nsecs; i++) {
		const hp_section *sec = s->secs[i];
		hpi_buf_puts(b, i ? ",{\"id\":" : "{\"id\":");
		hpi_buf_json_str(b, sec->id);
		hpi_buf_puts(b, ",\"title\":");
		hpi_buf_json_str(b, sec->title);
		/* data for other views (the call tree's stacks), not a tab */
		if (hp_section_meta(sec, "console.hide") != NULL)
			hpi_buf_puts(b, ",\"tab\":false");
		hpi_buf_printf(b, ",\"rows\":%zu}", sec->nrows);
	}
	hpi_buf_putc(b, ']');
}

/* The facts of the running program, shared by hello and replies. */
static void msg_program(hpi_buf *b, const hpi_publish_info *in)
{
	uint64_t now = hpi_mono_ns();

	hpi_buf_printf(b, ",\"pid\":%ld,\"program\":", in->pid);
	hpi_buf_json_str(b, in->program);
	hpi_buf_puts(b, ",\"caller\":");
	hpi_buf_json_str(b, in->caller);
	hpi_buf_puts(b, ",\"host\":");
	hpi_buf_json_str(b, in->host);
	hpi_buf_printf(b, ",\"start_unix_ns\":%llu,\"elapsed_ns\":%llu",
		       (unsigned long long)in->unix0_ns,
		       (unsigned long long)(now > in->mono0_ns ? now - in->mono0_ns : 0));
	hpi_buf_puts(b, ",\"generator\":\"hotpath " HP_VERSION_STRING "\"");
}

void hpi_publish_hello(hpi_buf *b, const hp_snapshot *s, const hpi_publish_info *in)
{
	const char *ev;

	msg_head(b, "hotpath_hello");
	hpi_buf_puts(b, ",\"topic\":\"hello\"");
	msg_program(b, in);
	hpi_buf_puts(b, ",\"endpoint\":");
	hpi_buf_json_str(b, in->endpoint);
	hpi_buf_puts(b, ",\"query\":");
	hpi_buf_json_str(b, in->query);
	hpi_buf_printf(b, ",\"interval_ms\":%d,\"sent\":%llu,\"dropped\":%llu,", in->interval_ms,
		       (unsigned long long)in->sent, (unsigned long long)in->dropped);
	hpi_buf_printf(b, "\"refused_connections\":%llu,\"refused_queries\":%llu,",
		       (unsigned long long)in->refused, (unsigned long long)in->refused_queries);
	/* events the per-thread buffers could not take (the report's
	 * "dropped"), so that a console shows them too */
	ev = hp_snapshot_meta(s, "dropped");
	hpi_buf_printf(b, "\"events_dropped\":%llu,", ev ? strtoull(ev, NULL, 10) : 0ull);
	msg_sections(b, s);
	hpi_buf_putc(b, '}');
}

/* An error reply; whatever b held is dropped. */
void hpi_wire_error(hpi_buf *b, const char *code, const char *message)
{
	hpi_buf_fini(b);
	hpi_buf_init(b);
	msg_head(b, "hotpath_error");
	hpi_buf_puts(b, ",\"error\":");
	hpi_buf_json_str(b, code);
	hpi_buf_puts(b, ",\"message\":");
	hpi_buf_json_str(b, message);
	hpi_buf_putc(b, '}');
}

/* The section called id, or NULL. */
static const hp_section *query_section(const hp_snapshot *s, const char *id)
{
	for (size_t i = 0; i < s->nsecs; i++)
		if (s->secs[i]->id != NULL && strcmp(s->secs[i]->id, id) == 0)
			return s->secs[i];
	return NULL;
}

/* The row whose key cell (column "name", else the first text column) is
 * key; (size_t)-1 if none. */
static size_t query_row(const hp_section *sec, const char *key)
{
	int col = hpi_section_col(sec, "name");

	for (size_t c = 0; col < 0 && c < sec->ncols; c++)
		if (sec->cols[c].unit == HP_UNIT_TEXT)
			col = (int)c;
	if (col < 0)
		return (size_t)-1;
	for (size_t r = 0; r < sec->nrows; r++) {
		const hpi_row *row = &sec->rows[r];
		if ((size_t)col < row->ncells && row->cells[col].set &&
		    row->cells[col].v.s != NULL && strcmp(row->cells[col].v.s, key) == 0)
			return r;
	}
	return (size_t)-1;
}

/* {"cmd":"log","section":S,"row":R}: the row's log as a one-section report. */
static void query_log(hpi_buf *b, const hp_snapshot *s, const hpi_query *q,
		      const hpi_publish_info *in)
{
	const hp_section *sec, *log;
	size_t row;

	if (q->section == NULL || q->row == NULL)
		return hpi_wire_error(b, "missing_field", "\"log\" needs \"section\" and \"row\"");
	if ((sec = query_section(s, q->section)) == NULL)
		return hpi_wire_error(b, "no_section", "no section has this id");
	if ((row = query_row(sec, q->row)) == (size_t)-1)
		return hpi_wire_error(b, "no_row", "the section has no row with this name");
	if ((log = hpi_section_log(sec, row)) == NULL)
		return hpi_wire_error(b, "no_log", "the row has no log");
	msg_head(b, "hotpath_reply");
	hpi_buf_puts(b, ",\"cmd\":\"log\",\"section\":");
	hpi_buf_json_str(b, q->section);
	hpi_buf_puts(b, ",\"row\":");
	hpi_buf_json_str(b, q->row);
	hpi_buf_puts(b, ",\"report\":");
	msg_section_report(b, log, in);
	hpi_buf_putc(b, '}');
}

#define WIRE_CMD_NAME(name, who) #name,
static const char *const wire_cmds[] = {HPI_WIRE_CMDS(WIRE_CMD_NAME)};
#undef WIRE_CMD_NAME

/* The unknown_cmd error: every command of HPI_WIRE_CMDS. */
static void wire_unknown_cmd(hpi_buf *b)
{
	char msg[256];
	size_t n = (size_t)snprintf(msg, sizeof(msg), "cmd is one of");

	for (size_t i = 0; i < sizeof(wire_cmds) / sizeof(wire_cmds[0]) && n < sizeof(msg); i++)
		n += (size_t)snprintf(msg + n, sizeof(msg) - n, "%s %s", i ? "," : "",
				      wire_cmds[i]);
	hpi_wire_error(b, "unknown_cmd", msg);
}

void hpi_query_answer(hpi_buf *b, const hp_snapshot *s, const hpi_publish_info *in,
		      const char *req, size_t len)
{
	hpi_query q;
	const char *why;
	const hp_section *sec;

	if (len > HPI_QUERY_MAX)
		return hpi_wire_error(b, "too_large", "a request is at most 4096 bytes");
	if (hpi_query_parse(req, len, &q, &why) != 0)
		return hpi_wire_error(b, "bad_request", why);
	if (strcmp(q.cmd, "hello") == 0) {
		hpi_publish_hello(b, s, in);
	} else if (strcmp(q.cmd, "sections") == 0) {
		msg_head(b, "hotpath_reply");
		hpi_buf_puts(b, ",\"cmd\":\"sections\",");
		msg_sections(b, s);
		hpi_buf_putc(b, '}');
	} else if (strcmp(q.cmd, "snapshot") == 0) {
		msg_head(b, "hotpath_reply");
		hpi_buf_puts(b, ",\"cmd\":\"snapshot\",\"report\":");
		msg_report(b, s, in);
		hpi_buf_putc(b, '}');
	} else if (strcmp(q.cmd, "section") == 0) {
		if (q.section == NULL)
			hpi_wire_error(b, "missing_field", "\"section\" needs \"section\"");
		else if ((sec = query_section(s, q.section)) == NULL)
			hpi_wire_error(b, "no_section", "no section has this id");
		else {
			msg_head(b, "hotpath_reply");
			hpi_buf_puts(b, ",\"cmd\":\"section\",\"report\":");
			msg_section_report(b, sec, in);
			hpi_buf_putc(b, '}');
		}
	} else if (strcmp(q.cmd, "log") == 0) {
		query_log(b, s, &q, in);
	} else {
		wire_unknown_cmd(b);
	}
	hpi_query_fini(&q);
	if (b->failed)
		hpi_wire_error(b, "no_memory", "out of memory");
}
