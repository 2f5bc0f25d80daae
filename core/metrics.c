/* SPDX-License-Identifier: MIT */
/*
 * metrics.c - the OpenMetrics text of a snapshot (docs/metrics.md): one
 * family per measure, labels program, pid and the row's (function,
 * channel, lock, thread), names in Prometheus' rules (_total, _seconds,
 * _bytes).  The text is rendered on the collector thread, from one
 * snapshot, only when a scrape asks for it; metrics_server.c serves it.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "hpi.h"
#include "metrics.h"
#include "registry.h"
#include "tbuf.h"

/* 100 ns .. 10 s, 1-2.5-5 per decade: HP_MEASURE's floor is about 20 ns,
 * and a call past 10 s is counted in +Inf (and in _sum). */
const uint64_t hpi_metrics_bounds[] = {
	100, 250, 500, 1000, 2500, 5000, 10000, 25000, 50000, 100000, 250000, 500000,
	1000000, 2500000, 5000000, 10000000, 25000000, 50000000, 100000000, 250000000,
	500000000, 1000000000, 2500000000u, 5000000000u, 10000000000u,
};
const size_t hpi_metrics_nbounds = sizeof(hpi_metrics_bounds) / sizeof(hpi_metrics_bounds[0]);
/* Their le labels, as Prometheus' clients write them. */
static const char *const metrics_le[] = {
	",le=\"1e-07\"", ",le=\"2.5e-07\"", ",le=\"5e-07\"", ",le=\"1e-06\"", ",le=\"2.5e-06\"",
	",le=\"5e-06\"", ",le=\"1e-05\"", ",le=\"2.5e-05\"", ",le=\"5e-05\"", ",le=\"0.0001\"",
	",le=\"0.00025\"", ",le=\"0.0005\"", ",le=\"0.001\"", ",le=\"0.0025\"", ",le=\"0.005\"",
	",le=\"0.01\"", ",le=\"0.025\"", ",le=\"0.05\"", ",le=\"0.1\"", ",le=\"0.25\"",
	",le=\"0.5\"", ",le=\"1.0\"", ",le=\"2.5\"", ",le=\"5.0\"", ",le=\"10.0\"",
};

hp_snapshot *hpi_metrics_snapshot(struct hpi_registry *r, const char *program, long pid,
				  uint64_t unix0_ns)
{
	hp_snapshot *s = hpi_snapshot_new();
	hpi_buf b;
	char num[32];

	if (s == NULL)
		return NULL;
	hpi_snapshot_meta_set(s, "program", program);
	snprintf(num, sizeof(num), "%ld", pid);
	hpi_snapshot_meta_set(s, "pid", num);
	snprintf(num, sizeof(num), "%llu", (unsigned long long)unix0_ns);
	hpi_snapshot_meta_set(s, "start_unix_ns", num);
	snprintf(num, sizeof(num), "%llu", (unsigned long long)hpi_tbuf_dropped());
	hpi_snapshot_meta_set(s, "dropped", num);
	hpi_buf_init(&b);
	for (size_t i = 0; i < hpi_metrics_nbounds; i++) {
		if (i > 0)
			hpi_buf_putc(&b, ',');
		hpi_buf_i64(&b, (int64_t)hpi_metrics_bounds[i]);
	}
	hpi_snapshot_meta_set(s, "metrics.buckets", b.data);
	hpi_buf_fini(&b);
	hpi_registry_snapshot(r, s);
	return s;
}

/* ---- values and labels ---------------------------------------------------- */

void hpi_metrics_label(hpi_buf *out, const char *s)
{
	const char *run = s;

	if (s == NULL)
		return;
	while (*s != '\0') {
		int n;
		if (*s == '\\' || *s == '"' || *s == '\n') {
			hpi_buf_putn(out, run, (size_t)(s - run));
			hpi_buf_puts(out, *s == '\\' ? "\\\\" : *s == '"' ? "\\\"" : "\\n");
			run = ++s;
		} else if ((unsigned char)*s < 0x80) {
			s++;
		} else if ((n = hpi_utf8_len(s)) > 0) {
			s += n;
		} else {
			hpi_buf_putn(out, run, (size_t)(s - run));
			hpi_buf_puts(out, "\xef\xbf\xbd");
			run = s += -n;
		}
	}
	hpi_buf_putn(out, run, (size_t)(s - run));
}

/* ns as seconds, exactly: "1.5", "0.000000012", "3". */
static void metrics_sec(hpi_buf *b, int64_t ns)
{
	char frac[16];
	int64_t f;
	int n;

	if (ns < 0) {
		hpi_buf_putc(b, '-');
		ns = ns == INT64_MIN ? INT64_MAX : -ns;
	}
	hpi_buf_i64(b, ns / 1000000000);
	if ((f = ns % 1000000000) == 0)
		return;
	n = snprintf(frac, sizeof(frac), ".%09lld", (long long)f);
	while (n > 1 && frac[n - 1] == '0')
		n--;
	hpi_buf_putn(b, frac, (size_t)n);
}

/* What rendering one snapshot needs: the b to write, and the labels every
 * sample starts with (program="...",pid="..."). */
typedef struct mr {
	hpi_buf *b;
	hpi_buf base;
	const hp_section *sec;  /* the section being rendered */
	hpi_buf rows;           /* its rows' own labels, back to back */
	size_t *off;            /* row i's are rows.data[off[i]..off[i+1]) */
} mr;

/* # TYPE, # UNIT (when unit), # HELP of one family. */
static void mr_head(mr *m, const char *name, const char *type, const char *unit,
		    const char *help)
{
	hpi_buf_puts(m->b, "# TYPE ");
	hpi_buf_puts(m->b, name);
	hpi_buf_putc(m->b, ' ');
	hpi_buf_puts(m->b, type);
	if (unit != NULL) {
		hpi_buf_puts(m->b, "\n# UNIT ");
		hpi_buf_puts(m->b, name);
		hpi_buf_putc(m->b, ' ');
		hpi_buf_puts(m->b, unit);
	}
	hpi_buf_puts(m->b, "\n# HELP ");
	hpi_buf_puts(m->b, name);
	hpi_buf_putc(m->b, ' ');
	hpi_buf_puts(m->b, help);
	hpi_buf_putc(m->b, '\n');
}

/* name+suffix{base,row's labels,extra} and a space: the value follows. */
static void mr_name(mr *m, const char *name, const char *suffix, size_t row, const char *extra)
{
	hpi_buf_puts(m->b, name);
	hpi_buf_puts(m->b, suffix);
	hpi_buf_putc(m->b, '{');
	hpi_buf_putn(m->b, m->base.data, m->base.len);
	if (m->off != NULL)
		hpi_buf_putn(m->b, m->rows.data + m->off[row], m->off[row + 1] - m->off[row]);
	if (extra != NULL)
		hpi_buf_puts(m->b, extra);
	hpi_buf_puts(m->b, "} ");
}

/* The integer of a cell (0 when unset or not a number column). */
static int64_t mr_int(const hp_section *sec, size_t row, int col)
{
	const hpi_cell *c;

	if (col < 0 || row >= sec->nrows || (size_t)col >= sec->rows[row].ncells)
		return 0;
	c = &sec->rows[row].cells[col];
	if (!c->set || !hpi_unit_is_int(sec->cols[col].unit))
		return 0;
	return c->v.i;
}

/* The text of a cell, or NULL. */
static const char *mr_text(const hp_section *sec, size_t row, int col)
{
	const hpi_cell *c;

	if (col < 0 || row >= sec->nrows || (size_t)col >= sec->rows[row].ncells)
		return NULL;
	c = &sec->rows[row].cells[col];
	return c->set && sec->cols[col].unit == HP_UNIT_TEXT ? c->v.s : NULL;
}

/* Builds the rows' labels: ,key="cell of col" for each (key, col) pair;
 * rows without the first column's text are left out of every family. */
static bool mr_rows(mr *m, const hp_section *sec, const char *const *keys, const char *const *cols,
		    size_t n)
{
	free(m->off);
	hpi_buf_fini(&m->rows);
	m->sec = sec;
	if ((m->off = malloc((sec->nrows + 1) * sizeof(*m->off))) == NULL)
		return false;
	hpi_buf_puts(&m->rows, "");
	for (size_t r = 0; r < sec->nrows; r++) {
		m->off[r] = m->rows.len;
		for (size_t k = 0; k < n; k++) {
			int c = hpi_section_col(sec, cols[k]);
			const char *v = mr_text(sec, r, c);
			char num[24];
			if (v == NULL && c >= 0 && hpi_unit_is_int(sec->cols[c].unit)) {
				snprintf(num, sizeof(num), "%lld", (long long)mr_int(sec, r, c));
				v = num;
			}
			hpi_buf_putc(&m->rows, ',');
			hpi_buf_puts(&m->rows, keys[k]);
			hpi_buf_puts(&m->rows, "=\"");
			hpi_metrics_label(&m->rows, v ? v : "");
			hpi_buf_putc(&m->rows, '"');
		}
	}
	m->off[sec->nrows] = m->rows.len;
	return !m->rows.failed;
}

/* Whether row r of the section has its name (rows without one are left out). */
static bool mr_named(const mr *m, size_t r)
{
	return mr_text(m->sec, r, 0) != NULL;
}

/* A family with one sample per row: column key's value, as seconds when
 * the column is in ns.  Nothing when the section has no such column. */
static void mr_column(mr *m, const char *name, const char *type, const char *unit,
		      const char *help, const char *key)
{
	int c = hpi_section_col(m->sec, key);
	bool counter = strcmp(type, "counter") == 0;

	if (c < 0)
		return;
	mr_head(m, name, type, unit, help);
	for (size_t r = 0; r < m->sec->nrows; r++) {
		if (!mr_named(m, r))
			continue;
		mr_name(m, name, counter ? "_total" : "", r, NULL);
		if (m->sec->cols[c].unit == HP_UNIT_NS)
			metrics_sec(m->b, mr_int(m->sec, r, c));
		else
			hpi_buf_i64(m->b, mr_int(m->sec, r, c));
		hpi_buf_putc(m->b, '\n');
	}
}

/* The quantile label of a percentile column key "<prefix>p99.9": "0.999". */
static bool mr_quantile(const char *key, const char *prefix, char *out, size_t len)
{
	size_t pl = strlen(prefix);
	char *end;
	double p;

	if (strncmp(key, prefix, pl) != 0 || key[pl] != 'p')
		return false;
	p = strtod(key + pl + 1, &end);
	if (end == key + pl + 1 || *end != '\0' || !(p >= 0 && p <= 100))
		return false;
	snprintf(out, len, ",quantile=\"%.10g\"", p / 100.0);
	return true;
}

/* A summary: quantiles from the columns "<prefix>p<N>", _count from
 * count_key, _sum from sum_key (ns) or, with sum_key NULL, avg_key × count. */
static void mr_summary(mr *m, const char *name, const char *help, const char *prefix,
		       const char *count_key, const char *sum_key, const char *avg_key)
{
	int cc = hpi_section_col(m->sec, count_key);
	int cs = hpi_section_col(m->sec, sum_key ? sum_key : avg_key);
	char q[64];

	if (cc < 0 || cs < 0)
		return;
	mr_head(m, name, "summary", "seconds", help);
	for (size_t r = 0; r < m->sec->nrows; r++) {
		int64_t count = mr_int(m->sec, r, cc);
		if (!mr_named(m, r))
			continue;
		for (size_t c = 0; c < m->sec->ncols; c++) {
			if (!mr_quantile(m->sec->cols[c].key, prefix, q, sizeof(q)))
				continue;
			mr_name(m, name, "", r, q);
			metrics_sec(m->b, mr_int(m->sec, r, (int)c));
			hpi_buf_putc(m->b, '\n');
		}
		mr_name(m, name, "_count", r, NULL);
		hpi_buf_i64(m->b, count);
		hpi_buf_putc(m->b, '\n');
		mr_name(m, name, "_sum", r, NULL);
		metrics_sec(m->b, sum_key ? mr_int(m->sec, r, cs) : mr_int(m->sec, r, cs) * count);
		hpi_buf_putc(m->b, '\n');
	}
}

/* ---- the families ------------------------------------------------------------ */

/* hotpath_function_duration_seconds from the "buckets" cells ("SUM COUNT
 * C1..Cn"): COUNT is the calls timed, all of them unless sampling
 * (docs/sampling.md) timed one in N, so the histogram stays whole. */
static void mr_histogram(mr *m)
{
	const char *name = "hotpath_function_duration_seconds";
	int cb = hpi_section_col(m->sec, "buckets");

	if (cb < 0)
		return;
	mr_head(m, name, "histogram", "seconds",
		"Duration of the calls of a measured function (buckets within 0.8 %).");
	for (size_t r = 0; r < m->sec->nrows; r++) {
		const char *v = mr_text(m->sec, r, cb);
		char *end;
		unsigned long long sum, count, cum;
		if (!mr_named(m, r) || v == NULL)
			continue;
		sum = strtoull(v, &end, 10);
		count = strtoull(end, &end, 10);
		for (size_t i = 0; i < hpi_metrics_nbounds; i++) {
			cum = strtoull(end, &end, 10);
			mr_name(m, name, "_bucket", r, metrics_le[i]);
			hpi_buf_i64(m->b, (int64_t)cum);
			hpi_buf_putc(m->b, '\n');
		}
		mr_name(m, name, "_bucket", r, ",le=\"+Inf\"");
		hpi_buf_i64(m->b, (int64_t)count);
		hpi_buf_putc(m->b, '\n');
		mr_name(m, name, "_count", r, NULL);
		hpi_buf_i64(m->b, (int64_t)count);
		hpi_buf_putc(m->b, '\n');
		mr_name(m, name, "_sum", r, NULL);
		metrics_sec(m->b, (int64_t)sum);
		hpi_buf_putc(m->b, '\n');
	}
}

static void mr_functions(mr *m, const hp_section *sec)
{
	static const char *const keys[] = {"function"}, *const cols[] = {"name"};

	if (!mr_rows(m, sec, keys, cols, 1))
		return;
	mr_column(m, "hotpath_function_calls", "counter", NULL,
		  "Calls of a measured function.", "calls");
	mr_column(m, "hotpath_function_seconds", "counter", "seconds",
		  "Time inside a measured function, callees included.", "total");
	mr_column(m, "hotpath_function_self_seconds", "counter", "seconds",
		  "Time in a measured function itself, less the measured calls it made.",
		  "self_total");
	mr_histogram(m);
}

/* alloc_bytes or alloc_count: per function, allocated in total and live. */
static void mr_alloc(mr *m, const hp_section *sec, bool bytes)
{
	static const char *const keys[] = {"function"}, *const cols[] = {"name"};

	if (!mr_rows(m, sec, keys, cols, 1))
		return;
	if (bytes) {
		mr_column(m, "hotpath_function_alloc_bytes", "counter", "bytes",
			  "Bytes allocated by a measured function.", "total");
		mr_column(m, "hotpath_function_live_bytes", "gauge", "bytes",
			  "Bytes a measured function allocated that are not freed yet.", "live");
	} else {
		mr_column(m, "hotpath_function_allocations", "counter", NULL,
			  "Allocations made by a measured function.", "total");
		mr_column(m, "hotpath_function_live_allocations", "gauge", NULL,
			  "Allocations of a measured function that are not freed yet.", "live");
	}
}

static void mr_channels(mr *m, const hp_section *sec)
{
	static const char *const keys[] = {"channel", "type"}, *const cols[] = {"name", "type"};

	if (!mr_rows(m, sec, keys, cols, 2))
		return;
	mr_column(m, "hotpath_channel_sent", "counter", NULL, "Messages sent on a channel.", "sent");
	mr_column(m, "hotpath_channel_received", "counter", NULL,
		  "Messages received from a channel.", "received");
	mr_column(m, "hotpath_channel_sent_bytes", "counter", "bytes",
		  "Bytes sent on a channel.", "sent_bytes");
	mr_column(m, "hotpath_channel_queued", "gauge", NULL,
		  "Messages sent and not yet received.", "queued");
	mr_column(m, "hotpath_channel_queued_bytes", "gauge", "bytes",
		  "Bytes sent and not yet received.", "queued_bytes");
	mr_column(m, "hotpath_channel_capacity", "gauge", NULL,
		  "Capacity of a channel (0: unbounded).", "capacity");
	mr_summary(m, "hotpath_channel_delay_seconds",
		   "Time from send to receive (_sum: average times count).", "delay_",
		   "received", NULL, "delay_avg");
}

static void mr_locks(mr *m, const hp_section *sec)
{
	static const char *const keys[] = {"lock"}, *const cols[] = {"name"};

	if (!mr_rows(m, sec, keys, cols, 1))
		return;
	mr_column(m, "hotpath_lock_acquisitions", "counter", NULL,
		  "Times a lock was taken.", "acquisitions");
	mr_column(m, "hotpath_lock_contended", "counter", NULL,
		  "Times a lock was taken after waiting for it.", "contended");
	mr_summary(m, "hotpath_lock_wait_seconds", "Time waiting to take a lock.", "wait_",
		   "acquisitions", "wait_total", NULL);
	mr_summary(m, "hotpath_lock_hold_seconds", "Time a lock was held.", "hold_",
		   "acquisitions", "hold_total", NULL);
}

/* hotpath_thread_cpu_seconds_total{mode}, context switches{kind}, state. */
static void mr_threads(mr *m, const hp_section *sec)
{
	static const char *const keys[] = {"thread", "tid"}, *const cols[] = {"name", "tid"};
	static const struct {
		const char *name, *key, *extra;
	} two[] = {
		{"hotpath_thread_cpu_seconds", "cpu_user", ",mode=\"user\""},
		{"hotpath_thread_cpu_seconds", "cpu_sys", ",mode=\"system\""},
		{"hotpath_thread_context_switches", "ctx_voluntary", ",kind=\"voluntary\""},
		{"hotpath_thread_context_switches", "ctx_involuntary", ",kind=\"involuntary\""},
	};
	int cst = hpi_section_col(sec, "state");

	if (!mr_rows(m, sec, keys, cols, 2))
		return;
	for (size_t k = 0; k < 4; k++) {
		int c = hpi_section_col(sec, two[k].key);
		if (c < 0)
			continue;
		if (k % 2 == 0)
			mr_head(m, two[k].name, "counter", k < 2 ? "seconds" : NULL,
				k < 2 ? "CPU time of a thread, user and system."
				      : "Context switches of a thread, voluntary and involuntary.");
		for (size_t r = 0; r < sec->nrows; r++) {
			if (!mr_named(m, r))
				continue;
			mr_name(m, two[k].name, "_total", r, two[k].extra);
			if (k < 2)
				metrics_sec(m->b, mr_int(sec, r, c));
			else
				hpi_buf_i64(m->b, mr_int(sec, r, c));
			hpi_buf_putc(m->b, '\n');
		}
	}
	if (cst < 0)
		return;
	mr_head(m, "hotpath_thread_state", "gauge", NULL,
		"1 for a thread's state when sampled (running, sleeping, ...).");
	for (size_t r = 0; r < sec->nrows; r++) {
		const char *st = mr_text(sec, r, cst);
		char low[32];
		hpi_buf e;
		if (!mr_named(m, r))
			continue;
		hpi_buf_init(&e);
		hpi_buf_puts(&e, ",state=\"");
		snprintf(low, sizeof(low), "%s", st ? st : "");
		for (char *c = low; *c != '\0'; c++) /* "Running" -> "running" */
			if (*c >= 'A' && *c <= 'Z')
				*c = (char)(*c - 'A' + 'a');
		hpi_metrics_label(&e, low);
		hpi_buf_putc(&e, '"');
		mr_name(m, "hotpath_thread_state", "", r, e.data);
		hpi_buf_puts(m->b, "1\n");
		hpi_buf_fini(&e);
	}
}

/* One gauge or counter of the program itself, from an integer. */
static void mr_one(mr *m, const char *name, const char *type, const char *unit,
		   const char *help, int64_t v, bool secs)
{
	mr_head(m, name, type, unit, help);
	mr_name(m, name, strcmp(type, "counter") == 0 ? "_total" : "", 0, NULL);
	if (secs)
		metrics_sec(m->b, v);
	else
		hpi_buf_i64(m->b, v);
	hpi_buf_putc(m->b, '\n');
}

/* The process row: RSS now and at most, threads; then the program's facts. */
static void mr_process(mr *m, const hp_snapshot *s)
{
	const hp_section *p = NULL;
	const char *v;

	for (size_t i = 0; i < s->nsecs; i++)
		if (strcmp(s->secs[i]->id, "process") == 0)
			p = s->secs[i];
	free(m->off);
	m->off = NULL;
	if (p != NULL && p->nrows > 0) {
		mr_one(m, "hotpath_process_rss_bytes", "gauge", "bytes",
		       "Resident set size of the profiled process.",
		       mr_int(p, 0, hpi_section_col(p, "rss")), false);
		mr_one(m, "hotpath_process_rss_max_bytes", "gauge", "bytes",
		       "Largest resident set size of the profiled process so far.",
		       mr_int(p, 0, hpi_section_col(p, "rss_max")), false);
		mr_one(m, "hotpath_process_threads", "gauge", NULL,
		       "Threads of the profiled process.",
		       mr_int(p, 0, hpi_section_col(p, "threads")), false);
	}
	if ((v = hp_snapshot_meta(s, "start_unix_ns")) != NULL)
		mr_one(m, "hotpath_process_start_time_seconds", "gauge", "seconds",
		       "When profiling started, in seconds since the Unix epoch.",
		       strtoll(v, NULL, 10), true);
	if ((v = hp_snapshot_meta(s, "dropped")) != NULL)
		mr_one(m, "hotpath_dropped_calls", "counter", NULL,
		       "Measurements lost because a thread's buffer was full.",
		       strtoll(v, NULL, 10), false);
}

void hpi_metrics_render(hpi_buf *out, const hp_snapshot *s, bool eof)
{
	mr m = {.b = out};

	hpi_buf_init(&m.base);
	hpi_buf_init(&m.rows);
	hpi_buf_puts(&m.base, "program=\"");
	hpi_metrics_label(&m.base, hp_snapshot_meta(s, "program"));
	hpi_buf_puts(&m.base, "\",pid=\"");
	hpi_metrics_label(&m.base, hp_snapshot_meta(s, "pid"));
	hpi_buf_putc(&m.base, '"');
	mr_process(&m, s);
	for (size_t i = 0; i < s->nsecs; i++) {
		const hp_section *sec = s->secs[i];
		if (strcmp(sec->id, "functions") == 0)
			mr_functions(&m, sec);
		else if (strcmp(sec->id, "alloc_bytes") == 0 || strcmp(sec->id, "alloc_count") == 0)
			mr_alloc(&m, sec, sec->id[6] == 'b');
		else if (strcmp(sec->id, "channels") == 0)
			mr_channels(&m, sec);
		else if (strcmp(sec->id, "locks") == 0)
			mr_locks(&m, sec);
		else if (strcmp(sec->id, "threads") == 0)
			mr_threads(&m, sec);
	}
	if (eof)
		hpi_buf_puts(out, "# EOF\n");
	free(m.off);
	hpi_buf_fini(&m.rows);
	hpi_buf_fini(&m.base);
}

/* ---- the text format 0.0.4, and merging ------------------------------------- */

/* The line at *p (up to len), its length without the newline; *p moves past. */
static size_t metrics_line(const char **p, const char *end, const char **line)
{
	const char *nl = memchr(*p, '\n', (size_t)(end - *p));
	size_t n = nl ? (size_t)(nl - *p) : (size_t)(end - *p);

	*line = *p;
	*p += n + (nl != NULL);
	return n;
}

/* Whether line (n bytes) is "# <kw> " and then its family name's length. */
static size_t metrics_meta(const char *line, size_t n, const char *kw, const char **name)
{
	size_t kl = strlen(kw), i;

	if (n < kl + 3 || memcmp(line, "# ", 2) != 0 || memcmp(line + 2, kw, kl) != 0 ||
	    line[2 + kl] != ' ')
		return 0;
	*name = line + 3 + kl;
	for (i = 0; *name + i < line + n && (*name)[i] != ' '; i++)
		;
	return i;
}

void hpi_metrics_text004(hpi_buf *out, const char *om, size_t len)
{
	const char *p = om, *end = om + len, *line, *name;
	const char *counter = NULL; /* the family being a counter: its name */
	size_t counter_len = 0, n, nl;

	while (p < end) {
		n = metrics_line(&p, end, &line);
		if ((nl = metrics_meta(line, n, "TYPE", &name)) > 0) {
			bool c = n - (size_t)(name - line) - nl == 8 &&
				 memcmp(name + nl, " counter", 8) == 0;
			counter = c ? name : NULL;
			counter_len = nl;
			if (c) {
				hpi_buf_putn(out, line, (size_t)(name - line) + nl);
				hpi_buf_puts(out, "_total counter\n");
				continue;
			}
		} else if (metrics_meta(line, n, "UNIT", &name) > 0 ||
			   (n == 5 && memcmp(line, "# EOF", 5) == 0)) {
			continue;
		} else if ((nl = metrics_meta(line, n, "HELP", &name)) > 0 && counter != NULL &&
			   nl == counter_len && memcmp(name, counter, nl) == 0) {
			hpi_buf_putn(out, line, (size_t)(name - line) + nl);
			hpi_buf_puts(out, "_total");
			hpi_buf_putn(out, name + nl, n - (size_t)(name - line) - nl);
			hpi_buf_putc(out, '\n');
			continue;
		}
		hpi_buf_putn(out, line, n);
		hpi_buf_putc(out, '\n');
	}
}

/* One family of one text: its name, metadata lines and sample lines. */
typedef struct mfam {
	const char *name;
	size_t nlen;
	const char *meta, *samples; /* spans within the text */
	size_t mlen, slen;
} mfam;

/* Splits an OpenMetrics text into families (*v, *n); false on ENOMEM. */
static bool metrics_split(const char *t, size_t len, mfam **v, size_t *n, size_t *cap)
{
	const char *p = t, *end = t + len, *line, *name;
	mfam *f = NULL;
	size_t ll, nl;

	while (p < end) {
		ll = metrics_line(&p, end, &line);
		if (ll == 5 && memcmp(line, "# EOF", 5) == 0)
			break;
		if ((nl = metrics_meta(line, ll, "TYPE", &name)) > 0) {
			if (*n == *cap) {
				mfam *g = realloc(*v, (*cap ? *cap * 2 : 64) * sizeof(*g));
				if (g == NULL)
					return false;
				*v = g;
				*cap = *cap ? *cap * 2 : 64;
			}
			f = &(*v)[(*n)++];
			*f = (mfam){.name = name, .nlen = nl, .meta = line, .mlen = (size_t)(p - line),
				    .samples = p, .slen = 0};
		} else if (f != NULL && line[0] == '#' && f->slen == 0) {
			f->mlen = (size_t)(p - f->meta);
			f->samples = p;
		} else if (f != NULL) {
			f->slen = (size_t)(p - f->samples);
		}
	}
	return true;
}

void hpi_metrics_merge(hpi_buf *out, const char *const *txt, const size_t *len, size_t n)
{
	mfam *v = NULL;
	size_t nv = 0, cap = 0;
	bool *done;

	for (size_t i = 0; i < n; i++)
		if (!metrics_split(txt[i], len[i], &v, &nv, &cap)) {
			out->failed = true;
			free(v);
			return;
		}
	if ((done = calloc(nv ? nv : 1, sizeof(*done))) == NULL) {
		out->failed = true;
		free(v);
		return;
	}
	for (size_t i = 0; i < nv; i++) {
		if (done[i])
			continue;
		hpi_buf_putn(out, v[i].meta, v[i].mlen);
		for (size_t j = i; j < nv; j++)
			if (!done[j] && v[j].nlen == v[i].nlen &&
			    memcmp(v[j].name, v[i].name, v[i].nlen) == 0) {
				hpi_buf_putn(out, v[j].samples, v[j].slen);
				done[j] = true;
			}
	}
	hpi_buf_puts(out, "# EOF\n");
	free(done);
	free(v);
}
