/* SPDX-License-Identifier: MIT */
/*
 * wire.c - the JSON of live metrics (docs/wire.md): requests parsed with a
 * small parser of our own (libhotpath links no JSON library), replies,
 * hello and the report of one section.  No sockets here (publish.c has
 * them), so the query handler can be tested and fuzzed on its own.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "hpi.h"

/* ---- requests ------------------------------------------------------------ */

/* Skips JSON white space. */
static const char *req_ws(const char *p, const char *end)
{
	while (p < end && (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r'))
		p++;
	return p;
}

/* Four hex digits into *v; false if not. */
static bool req_hex4(const char *p, const char *end, unsigned *v)
{
	*v = 0;
	if (end - p < 4)
		return false;
	for (int i = 0; i < 4; i++) {
		char c = p[i];
		unsigned d = c >= '0' && c <= '9' ? (unsigned)(c - '0')
			     : c >= 'a' && c <= 'f' ? (unsigned)(c - 'a' + 10)
			     : c >= 'A' && c <= 'F' ? (unsigned)(c - 'A' + 10) : 16u;
		if (d == 16u)
			return false;
		*v = *v << 4 | d;
	}
	return true;
}

/* Appends code point cp as UTF-8. */
static void req_utf8(hpi_buf *b, unsigned cp)
{
	if (cp < 0x80) {
		hpi_buf_putc(b, (char)cp);
	} else if (cp < 0x800) {
		hpi_buf_putc(b, (char)(0xC0 | cp >> 6));
		hpi_buf_putc(b, (char)(0x80 | (cp & 0x3F)));
	} else if (cp < 0x10000) {
		hpi_buf_putc(b, (char)(0xE0 | cp >> 12));
		hpi_buf_putc(b, (char)(0x80 | ((cp >> 6) & 0x3F)));
		hpi_buf_putc(b, (char)(0x80 | (cp & 0x3F)));
	} else {
		hpi_buf_putc(b, (char)(0xF0 | cp >> 18));
		hpi_buf_putc(b, (char)(0x80 | ((cp >> 12) & 0x3F)));
		hpi_buf_putc(b, (char)(0x80 | ((cp >> 6) & 0x3F)));
		hpi_buf_putc(b, (char)(0x80 | (cp & 0x3F)));
	}
}

/* One \-escape at *pp (after the backslash) into b; false if invalid. */
static bool req_escape(const char **pp, const char *end, hpi_buf *b)
{
	const char *p = *pp;
	unsigned cp, lo;

	if (p >= end)
		return false;
	switch (*p++) {
	case '"': hpi_buf_putc(b, '"'); break;
	case '\\': hpi_buf_putc(b, '\\'); break;
	case '/': hpi_buf_putc(b, '/'); break;
	case 'b': hpi_buf_putc(b, '\b'); break;
	case 'f': hpi_buf_putc(b, '\f'); break;
	case 'n': hpi_buf_putc(b, '\n'); break;
	case 'r': hpi_buf_putc(b, '\r'); break;
	case 't': hpi_buf_putc(b, '\t'); break;
	case 'u':
		if (!req_hex4(p, end, &cp))
			return false;
		p += 4;
		if (cp >= 0xD800 && cp < 0xDC00) { /* a pair makes one code point */
			if (end - p < 6 || p[0] != '\\' || p[1] != 'u' ||
			    !req_hex4(p + 2, end, &lo) || lo < 0xDC00 || lo > 0xDFFF)
				return false;
			p += 6;
			cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
		} else if (cp >= 0xDC00 && cp < 0xE000) {
			return false;
		}
		if (cp == 0)
			return false; /* no NUL inside C strings */
		req_utf8(b, cp);
		break;
	default:
		return false;
	}
	*pp = p;
	return true;
}

/* A JSON string at *pp (on its opening quote) into a new string. */
static char *req_string(const char **pp, const char *end)
{
	const char *p = *pp + 1;
	hpi_buf b;

	hpi_buf_init(&b);
	hpi_buf_puts(&b, "");
	while (p < end && *p != '"') {
		if ((unsigned char)*p < 0x20 || *p == '\0')
			goto bad;
		if (*p == '\\') {
			p++;
			if (!req_escape(&p, end, &b))
				goto bad;
		} else {
			hpi_buf_putc(&b, *p++);
		}
	}
	if (p >= end || b.failed)
		goto bad;
	*pp = p + 1;
	return b.data;
bad:
	hpi_buf_fini(&b);
	return NULL;
}

/* Stores value under a known key; unknown keys are ignored. */
static bool req_store(hpi_query *q, const char *key, char *value, const char **why)
{
	char **slot = strcmp(key, "cmd") == 0 ? &q->cmd
		      : strcmp(key, "section") == 0 ? &q->section
		      : strcmp(key, "row") == 0 ? &q->row : NULL;

	if (slot == NULL) {
		free(value);
		return true;
	}
	if (*slot != NULL) {
		free(value);
		*why = "a key appears twice";
		return false;
	}
	*slot = value;
	return true;
}

int hpi_query_parse(const char *req, size_t len, hpi_query *q, const char **why)
{
	const char *p = req, *end = req + len;

	memset(q, 0, sizeof(*q));
	*why = "a request is one JSON object of string values";
	p = req_ws(p, end);
	if (p >= end || *p++ != '{')
		goto bad;
	p = req_ws(p, end);
	if (p < end && *p == '}') {
		p++;
	} else {
		for (;;) {
			char *key, *value;
			bool ok;
			if (p >= end || *p != '"' || (key = req_string(&p, end)) == NULL)
				goto bad;
			p = req_ws(p, end);
			if (p >= end || *p++ != ':') {
				free(key);
				goto bad;
			}
			p = req_ws(p, end);
			if (p >= end || *p != '"' || (value = req_string(&p, end)) == NULL) {
				free(key);
				goto bad;
			}
			ok = req_store(q, key, value, why);
			free(key);
			if (!ok)
				goto bad;
			p = req_ws(p, end);
			if (p < end && *p == ',') {
				p = req_ws(p + 1, end);
				continue;
			}
			if (p < end && *p == '}') {
				p++;
				break;
			}
			goto bad;
		}
	}
	if (req_ws(p, end) != end)
		goto bad;
	if (q->cmd == NULL) {
		*why = "the request has no \"cmd\"";
		goto bad;
	}
	return 0;
bad:
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
		hpi_wire_error(b, "unknown_cmd",
			  "cmd is one of hello, sections, snapshot, section, log");
	}
	hpi_query_fini(&q);
	if (b->failed)
		hpi_wire_error(b, "no_memory", "out of memory");
}
