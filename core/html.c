/* SPDX-License-Identifier: MIT */
/*
 * html.c - the HTML report (docs/flamegraph.md): one self-contained page
 * with the report's facts, its flame graphs, the threads' CPU and every
 * section as a table sortable by a click on a column's title.  Cells read
 * as in the table report (hpi_render_cell); every string of the report is
 * escaped, since a saved report may come from anywhere.  No network: the
 * style and the scripts (core/flame.js, core/html.js) are inline, and the
 * page embeds no data as JSON (so no "</script>" can end a script early).
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "hpi.h"

#define HTML_CELL_MAX 400 /* hpi_render_real's need; a formatted cell fits too */

static const char html_style[] =
	"<style>\n"
	":root{color-scheme:light}\n"
	"body{margin:0;color:#222;background:#fff;"
	"font:14px/1.45 system-ui,-apple-system,'Segoe UI',Roboto,sans-serif}\n"
	"header,main,footer{max-width:1240px;margin:0 auto;padding:0 16px}\n"
	"h1{font-size:1.45em;margin:.7em 0 .2em;overflow-wrap:anywhere}\n"
	"h2{font-size:1.15em;margin:1.6em 0 .4em}\n"
	"nav{margin:.4em 0}nav a{margin-right:1em;white-space:nowrap}\n"
	"a{color:#0550ae}\n"
	".sum{font-size:1.05em;margin:.2em 0}\n"
	".warn{background:#fff3cd;border:1px solid #e0c060;padding:6px 10px}\n"
	"summary{cursor:pointer;color:#555;font-size:13px}\n"
	".facts{display:grid;grid-template-columns:max-content 1fr;gap:0 1em;"
	"font-size:13px;color:#444;margin:.5em 0}\n"
	".facts dt{font-weight:600}.facts dd{margin:0;overflow-wrap:anywhere}\n"
	".scroll{overflow-x:auto;max-width:100%}\n"
	"table{border-collapse:collapse;font-size:13px;font-variant-numeric:tabular-nums}\n"
	"th,td{padding:3px 9px;border-bottom:1px solid #e3e3e3;text-align:left;"
	"vertical-align:top}\n"
	"td{overflow-wrap:anywhere}td.n,th.n{text-align:right;white-space:nowrap}\n"
	"th{background:#f2f2f2;cursor:pointer;user-select:none;white-space:nowrap;"
	"position:sticky;top:0}\n"
	"th:hover{background:#e6e6e6}\n"
	"th[aria-sort=ascending]::after{content:' \\25b2'}"
	"th[aria-sort=descending]::after{content:' \\25bc'}\n"
	"tbody tr:hover{background:#fff6df}\n"
	"td.none{color:#999}\n"
	".note{color:#555;font-size:13px}\n"
	".flame{overflow-x:auto}.flame svg{display:block;width:100%;height:auto;"
	"min-width:760px}\n"
	".cpu{display:grid;grid-template-columns:minmax(6em,max-content) 1fr max-content;"
	"gap:3px 10px;align-items:center;font-size:13px}\n"
	".cpu .bar{height:12px;background:#e8743b;border-radius:2px;min-width:1px}\n"
	".cpu .val{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}\n"
	".tl{position:relative}.tl-bar{margin:.3em 0;font-size:13px}"
	".tl-bar button{margin-right:.4em;min-width:2.2em}.tl-range{color:#555;margin-left:.5em}\n"
	".tl-canvas{display:block;width:100%;border:1px solid #e3e3e3;cursor:grab;"
	"touch-action:none}\n"
	".tl-tip{position:absolute;pointer-events:none;background:#fffbe6;border:1px solid #c9b458;"
	"padding:3px 7px;font-size:12px;white-space:nowrap;z-index:2}\n"
	".tl-threads{font-size:13px;color:#444;margin:.4em 0;padding-left:1.2em}\n"
	"footer{color:#777;font-size:12px;margin:2em auto 1em}\n"
	"@media (max-width:640px){body{font-size:13px}header,main,footer{padding:0 8px}"
	"th,td{padding:2px 5px}.facts{grid-template-columns:1fr}"
	".facts dt{margin-top:.3em}}\n"
	"</style>\n";

/* An id made of the section id's letters, digits, '-' and '_' only, so it
 * is a safe fragment whatever the report says. */
static void html_anchor(hpi_buf *o, const char *id)
{
	hpi_buf_puts(o, "s-");
	for (const char *p = id; *p != '\0'; p++) {
		char c = *p;
		bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
			  (c >= '0' && c <= '9') || c == '-' || c == '_';
		hpi_buf_putc(o, ok ? c : '_');
	}
}

/* Who was profiled: the caller, else the program. */
static const char *html_who(const hp_snapshot *s)
{
	const char *who = hp_snapshot_meta(s, "caller");

	if (who == NULL && (who = hp_snapshot_meta(s, "program")) == NULL)
		who = "unknown";
	return who;
}

/* <head>, the title, the total time and the drop warning. */
static void html_head(hpi_buf *o, const hp_snapshot *s)
{
	const char *elapsed = hp_snapshot_meta(s, "elapsed_ns");
	const char *dropped = hp_snapshot_meta(s, "dropped");
	static const char *const keys[] = {"program", "pid", "clock"};
	const char *v;
	char t[64];

	hpi_buf_puts(o, "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
		     "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
		     "<meta name=\"generator\" content=\"hotpath " HP_VERSION_STRING "\">\n"
		     "<title>hotpath: ");
	hpi_buf_xml(o, html_who(s));
	hpi_buf_puts(o, "</title>\n");
	hpi_buf_puts(o, html_style);
	hpi_buf_puts(o, "</head>\n<body>\n<header>\n<h1>hotpath report: ");
	hpi_buf_xml(o, html_who(s));
	hpi_fmt_ns(t, sizeof(t), elapsed ? strtoll(elapsed, NULL, 10) : 0);
	hpi_buf_printf(o, "</h1>\n<p class=\"sum\">Total time: <b>%s</b>", t);
	for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
		if ((v = hp_snapshot_meta(s, keys[i])) == NULL)
			continue;
		hpi_buf_printf(o, " \xc2\xb7 %s ", keys[i]);
		hpi_buf_xml(o, v);
	}
	hpi_buf_puts(o, "</p>\n");
	if (dropped != NULL && strcmp(dropped, "0") != 0) {
		hpi_buf_puts(o, "<p class=\"warn\">");
		hpi_buf_xml(o, dropped);
		hpi_buf_puts(o, " events dropped: per-thread buffers were full; counts below "
			     "are low by that much</p>\n");
	}
}

/* Every report-wide fact, as the JSON report has them; the start time
 * also as a UTC date. */
static void html_facts(hpi_buf *o, const hp_snapshot *s)
{
	char date[64];
	struct tm tm;
	time_t sec;

	if (s == NULL || s->meta.n == 0)
		return;
	hpi_buf_printf(o, "<details><summary>Report facts (%zu)</summary>\n"
		       "<dl class=\"facts\">\n", s->meta.n);
	for (size_t i = 0; i < s->meta.n; i++) {
		const hpi_kv *kv = &s->meta.v[i];
		hpi_buf_puts(o, "<dt>");
		hpi_buf_xml(o, kv->key);
		hpi_buf_puts(o, "</dt><dd>");
		hpi_buf_xml(o, kv->value);
		if (strcmp(kv->key, "start_unix_ns") == 0 &&
		    (sec = (time_t)(strtoll(kv->value, NULL, 10) / 1000000000)) > 0 &&
		    gmtime_r(&sec, &tm) != NULL &&
		    strftime(date, sizeof(date), " (%Y-%m-%d %H:%M:%S UTC)", &tm) > 0)
			hpi_buf_puts(o, date);
		hpi_buf_puts(o, "</dd>\n");
	}
	hpi_buf_puts(o, "</dl>\n</details>\n");
}

/* Links to every part of the page. */
static void html_nav(hpi_buf *o, const hp_snapshot *s, bool flame, bool cpu)
{
	hpi_buf_puts(o, "<nav>");
	if (flame)
		hpi_buf_puts(o, "<a href=\"#flame\">Flame graph</a>\n");
	if (cpu)
		hpi_buf_puts(o, "<a href=\"#cpu\">Threads' CPU</a>\n");
	if (hp_snapshot_find(s, "timeline") != NULL)
		hpi_buf_puts(o, "<a href=\"#timeline\">Timeline</a>\n");
	if (hp_snapshot_meta(s, "trace_output") != NULL)
		hpi_buf_puts(o, "<a href=\"#trace\">Trace file</a>\n");
	for (size_t i = 0; i < hp_snapshot_count(s); i++) {
		const hp_section *sec = hp_snapshot_section(s, i);
		if (strcmp(hp_section_id(sec), "timeline") == 0)
			continue;
		hpi_buf_puts(o, "<a href=\"#");
		html_anchor(o, hp_section_id(sec));
		hpi_buf_puts(o, "\">");
		hpi_buf_xml(o, hp_section_title(sec));
		hpi_buf_puts(o, "</a>\n");
	}
	hpi_buf_puts(o, "</nav>\n</header>\n<main>\n");
}

/* One flame graph under a heading; a note when it cannot be drawn. */
static void html_flame_one(hpi_buf *o, const hp_snapshot *s, const char *id,
			   const char *heading, const char *anchor)
{
	hpi_buf svg;
	int rv;

	hpi_buf_printf(o, "<section id=\"%s\">\n<h2>%s</h2>\n", anchor, heading);
	hpi_buf_init(&svg);
	rv = hpi_render_flame_svg(&svg, s, id, false);
	if (rv == 0 && svg.data != NULL && !svg.failed) {
		hpi_buf_puts(o, "<p class=\"note\">Self time by call path; a click zooms, "
			     "the box searches.</p>\n<div class=\"flame\">\n");
		hpi_buf_putn(o, svg.data, svg.len);
		hpi_buf_puts(o, "</div>\n");
	} else {
		hpi_buf_puts(o, "<p class=\"note\">Section &quot;");
		hpi_buf_xml(o, hpi_flame_section(id));
		hpi_buf_puts(o, rv == HP_EINVAL ? "&quot; has no text column &quot;stack&quot; "
			     "and integer column &quot;self&quot; to draw.</p>\n"
			     : "&quot; could not be drawn (out of memory).</p>\n");
	}
	hpi_buf_fini(&svg);
	hpi_buf_puts(o, "</section>\n");
}

/* The flame graphs: the asked section (default stacks), and the CPU
 * sampler's when the report has it too.  False when none was drawn. */
static bool html_flames(hpi_buf *o, const hp_snapshot *s, const char *stacks)
{
	const char *id = hpi_flame_section(stacks);
	bool main_one = hp_snapshot_find(s, id) != NULL;
	bool cpu = strcmp(id, "cpu_stacks") != 0 && hp_snapshot_find(s, "cpu_stacks") != NULL;

	if (main_one)
		html_flame_one(o, s, id, "Flame graph", "flame");
	if (cpu)
		html_flame_one(o, s, "cpu_stacks", "CPU flame graph",
			       main_one ? "flame-cpu" : "flame");
	if (!main_one && !cpu) {
		hpi_buf_puts(o, "<p class=\"note\">No flame graph: this report has no section "
			     "&quot;");
		hpi_buf_xml(o, id);
		hpi_buf_puts(o, "&quot; (call paths).</p>\n");
	}
	return main_one || cpu;
}

/* The threads' CPU time as bars, busiest scale: every thread of the
 * "threads" section.  False when there is none. */
static bool html_cpu(hpi_buf *o, const hp_snapshot *s)
{
	const hp_section *sec = hp_snapshot_find(s, "threads");
	int cn, cc, cp;
	int64_t max = 0, v;
	char t[64], p[HTML_CELL_MAX];
	size_t r;

	if (sec == NULL || (cn = hpi_section_col(sec, "name")) < 0 ||
	    (cc = hpi_section_col(sec, "cpu")) < 0 ||
	    hp_section_column_unit(sec, (size_t)cc) != HP_UNIT_NS)
		return false;
	cp = hpi_section_col(sec, "cpu_percent");
	for (r = 0; r < hp_section_nrows(sec); r++)
		if (hp_section_has(sec, r, (size_t)cc) && (v = hp_section_int(sec, r, (size_t)cc)) > max)
			max = v;
	hpi_buf_puts(o, "<section id=\"cpu\">\n<h2>Threads' CPU</h2>\n<div class=\"cpu\">\n");
	for (r = 0; r < hp_section_nrows(sec); r++) {
		if (!hp_section_has(sec, r, (size_t)cc))
			continue;
		v = hp_section_int(sec, r, (size_t)cc);
		hpi_fmt_ns(t, sizeof(t), v);
		hpi_buf_puts(o, "<span class=\"name\">");
		hpi_buf_xml(o, hp_section_has(sec, r, (size_t)cn) ?
			    hp_section_text(sec, r, (size_t)cn) : "?");
		hpi_buf_printf(o, "</span><span><span class=\"bar\" style=\"display:block;"
			       "width:%.2f%%\"></span></span><span class=\"val\">%s",
			       max > 0 && v > 0 ? 100.0 * (double)v / (double)max : 0.0, t);
		if (cp >= 0 && hp_section_has(sec, r, (size_t)cp))
			hpi_buf_printf(o, " (%s)", hpi_render_cell(sec, r, (size_t)cp, p, sizeof(p)));
		hpi_buf_puts(o, "</span>\n");
	}
	hpi_buf_puts(o, "</div>\n</section>\n");
	return true;
}

/* s as a JSON string that is safe inside a <script> element: markup
 * characters and controls as \u escapes. */
static void html_js_str(hpi_buf *o, const char *s)
{
	hpi_buf_putc(o, '"');
	for (const unsigned char *p = (const unsigned char *)s; *p != '\0'; p++) {
		if (*p < 0x20 || *p == '<' || *p == '>' || *p == '&' || *p == '"' ||
		    *p == '\\' || *p == '\'')
			hpi_buf_printf(o, "\\u%04x", *p);
		else
			hpi_buf_putc(o, (char)*p);
	}
	hpi_buf_putc(o, '"');
}

/* Index of text t in the list names[0..*n), added when new (linear: the
 * distinct names of a timeline are few; -1 when out of memory). */
static long html_intern(const char ***names, size_t *n, size_t *cap, const char *t)
{
	for (size_t i = *n; i-- > 0;)
		if (strcmp((*names)[i], t) == 0)
			return (long)i;
	if (*n == *cap) {
		size_t c = *cap ? *cap * 2 : 64;
		const char **p = realloc(*names, c * sizeof(*p));
		if (p == NULL)
			return -1;
		*names = p;
		*cap = c;
	}
	(*names)[*n] = t;
	return (long)(*n)++;
}

/* The "timeline" section (the trace collector's longest spans) as a
 * canvas core/html.js draws: threads as tracks, calls nested, a wheel or
 * the buttons zoom, a drag pans, a hover names the span.  The data rides
 * in a JSON script element: {"threads":[[tid,name]...],"names":[...],
 * "kinds":[...],"ev":[thread,name,kind,start,duration,...]}.  False when
 * the report has no timeline. */
static bool html_timeline(hpi_buf *o, const hp_snapshot *s)
{
	const hp_section *sec = hp_snapshot_find(s, "timeline");
	int ct, cid, cn, ck, cs, cd;
	const char **names = NULL, **kinds = NULL;
	size_t nn = 0, capn = 0, nk = 0, capk = 0, nth = 0, rows;
	const char *spans, *kept;
	int64_t last_tid = 0;
	bool ok = true;

	if (sec == NULL || (ct = hpi_section_col(sec, "thread")) < 0 ||
	    (cid = hpi_section_col(sec, "tid")) < 0 || (cn = hpi_section_col(sec, "name")) < 0 ||
	    (ck = hpi_section_col(sec, "kind")) < 0 || (cs = hpi_section_col(sec, "start")) < 0 ||
	    (cd = hpi_section_col(sec, "duration")) < 0)
		return false;
	rows = hp_section_nrows(sec);
	spans = hp_section_meta(sec, "timeline.spans");
	kept = hp_section_meta(sec, "timeline.kept");
	hpi_buf_puts(o, "<section id=\"timeline\">\n<h2>Timeline</h2>\n<p class=\"note\">");
	if (spans != NULL && kept != NULL && strcmp(spans, kept) != 0) {
		hpi_buf_puts(o, "The ");
		hpi_buf_xml(o, kept);
		hpi_buf_puts(o, " longest of ");
		hpi_buf_xml(o, spans);
		hpi_buf_puts(o, " spans (a shorter one is under a pixel at any zoom that shows "
			     "them all; the trace file has every one). ");
	}
	hpi_buf_puts(o, "One track per thread; the wheel or + and &minus; zoom, a drag pans, "
		     "a double click shows it all, a hover names the span.</p>\n"
		     "<div class=\"tl\"><div class=\"tl-bar\"><button type=\"button\" "
		     "class=\"tl-in\">+</button><button type=\"button\" class=\"tl-out\">"
		     "&minus;</button><button type=\"button\" class=\"tl-all\">All</button>"
		     "<span class=\"tl-range\"></span></div>\n<canvas class=\"tl-canvas\" "
		     "role=\"img\" aria-label=\"Timeline of the threads' spans\"></canvas>"
		     "<div class=\"tl-tip\" hidden></div>\n<ul class=\"tl-threads\"></ul></div>\n"
		     "<script type=\"application/json\" class=\"tl-data\">{\"threads\":[");
	for (size_t r = 0; r < rows; r++) {
		int64_t tid = hp_section_has(sec, r, (size_t)cid) ? hp_section_int(sec, r, (size_t)cid) : 0;
		if (r > 0 && tid == last_tid)
			continue;
		hpi_buf_printf(o, "%s[%lld,", nth++ > 0 ? "," : "", (long long)tid);
		html_js_str(o, hp_section_has(sec, r, (size_t)ct) ? hp_section_text(sec, r, (size_t)ct)
								 : "?");
		hpi_buf_putc(o, ']');
		last_tid = tid;
	}
	hpi_buf_puts(o, "],\"ev\":[");
	nth = 0;
	for (size_t r = 0; r < rows && ok; r++) {
		int64_t tid = hp_section_has(sec, r, (size_t)cid) ? hp_section_int(sec, r, (size_t)cid) : 0;
		const char *n = hp_section_has(sec, r, (size_t)cn) ? hp_section_text(sec, r, (size_t)cn) : "?";
		const char *k = hp_section_has(sec, r, (size_t)ck) ? hp_section_text(sec, r, (size_t)ck) : "?";
		long ni = html_intern(&names, &nn, &capn, n), ki = html_intern(&kinds, &nk, &capk, k);

		if (r > 0 && tid != last_tid)
			nth++;
		last_tid = tid;
		if (ni < 0 || ki < 0) {
			ok = false;
			break;
		}
		hpi_buf_printf(o, "%s%zu,%ld,%ld,%lld,%lld", r > 0 ? "," : "", nth, ni, ki,
			       (long long)(hp_section_has(sec, r, (size_t)cs) ?
					   hp_section_int(sec, r, (size_t)cs) : 0),
			       (long long)(hp_section_has(sec, r, (size_t)cd) ?
					   hp_section_int(sec, r, (size_t)cd) : 0));
	}
	hpi_buf_puts(o, "],\"names\":[");
	for (size_t i = 0; ok && i < nn; i++) {
		if (i > 0)
			hpi_buf_putc(o, ',');
		html_js_str(o, names[i]);
	}
	hpi_buf_puts(o, "],\"kinds\":[");
	for (size_t i = 0; ok && i < nk; i++) {
		if (i > 0)
			hpi_buf_putc(o, ',');
		html_js_str(o, kinds[i]);
	}
	/* out of memory: the names are missing, the script says so */
	hpi_buf_puts(o, "]}</script>\n</section>\n");
	free(names);
	free(kinds);
	return true;
}

/* A note on the trace file when the report says one was written (facts
 * trace_output, trace_events, trace_dropped); the timeline is in it. */
static void html_trace(hpi_buf *o, const hp_snapshot *s)
{
	const char *path = hp_snapshot_meta(s, "trace_output");
	const char *events = hp_snapshot_meta(s, "trace_events");
	const char *dropped = hp_snapshot_meta(s, "trace_dropped");
	/* a plain relative or absolute path is a link; anything with a scheme
	 * ("javascript:", "http:") stays text */
	bool link = path != NULL && strchr(path, ':') == NULL;

	if (path == NULL)
		return;
	hpi_buf_puts(o, "<section id=\"trace\">\n<h2>Trace file</h2>\n<p>A trace of every "
		     "measured call was written to ");
	if (link) {
		hpi_buf_puts(o, "<a href=\"");
		hpi_buf_xml(o, path);
		hpi_buf_puts(o, "\">");
	}
	hpi_buf_puts(o, "<code>");
	hpi_buf_xml(o, path);
	hpi_buf_puts(o, link ? "</code></a>" : "</code>");
	if (events != NULL) {
		hpi_buf_puts(o, " (");
		hpi_buf_xml(o, events);
		hpi_buf_puts(o, " events");
		if (dropped != NULL && strcmp(dropped, "0") != 0) {
			hpi_buf_puts(o, ", ");
			hpi_buf_xml(o, dropped);
			hpi_buf_puts(o, " dropped");
		}
		hpi_buf_puts(o, ")");
	}
	hpi_buf_puts(o, ". Open it in Perfetto (ui.perfetto.dev, &quot;Open trace file&quot;; "
		     "the file stays on your machine) or in chrome://tracing.</p>\n</section>\n");
}

/* One cell: the raw value in data-v for sorting, the table's text. */
static void html_cell(hpi_buf *o, const hp_section *sec, size_t r, size_t c)
{
	hp_unit u = hp_section_column_unit(sec, c);
	char tmp[HTML_CELL_MAX], raw[HTML_CELL_MAX];
	bool num = u != HP_UNIT_TEXT;

	if (!hp_section_has(sec, r, c)) {
		hpi_buf_puts(o, num ? "<td class=\"n none\">-</td>" : "<td class=\"none\">-</td>");
		return;
	}
	if (hpi_unit_is_int(u)) {
		hpi_buf_puts(o, "<td class=\"n\" data-v=\"");
		hpi_buf_i64(o, hp_section_int(sec, r, c));
		hpi_buf_puts(o, "\">");
	} else if (hpi_unit_is_real(u)) {
		if (!hpi_render_real(raw, sizeof(raw), hp_section_real(sec, r, c)))
			strcpy(raw, "0");
		hpi_buf_printf(o, "<td class=\"n\" data-v=\"%s\">", raw);
	} else {
		hpi_buf_puts(o, "<td>");
	}
	hpi_buf_xml(o, hpi_render_cell(sec, r, c, tmp, sizeof(tmp)));
	hpi_buf_puts(o, "</td>");
}

/* One section as a sortable table, its first `shown` rows, and the note
 * on the rows the limit left out. */
static void html_table(hpi_buf *o, const hp_section *sec, size_t limit)
{
	size_t nc = hp_section_ncolumns(sec), total = hp_section_nrows(sec);
	size_t shown = limit != 0 && limit < total ? limit : total;
	const char *key = hp_section_meta(sec, "report.limit.key");
	bool hide = hp_section_meta(sec, "table.hide") != NULL;

	hpi_buf_puts(o, "<section id=\"");
	html_anchor(o, hp_section_id(sec));
	hpi_buf_puts(o, "\">\n<h2>");
	hpi_buf_xml(o, hp_section_title(sec));
	hpi_buf_puts(o, "</h2>\n");
	/* a section the table report hides (the call paths) starts folded */
	if (hide)
		hpi_buf_printf(o, "<details><summary>%zu rows</summary>\n", total);
	hpi_buf_puts(o, "<div class=\"scroll\"><table class=\"sortable\" data-id=\"");
	hpi_buf_xml(o, hp_section_id(sec));
	hpi_buf_puts(o, "\">\n<thead><tr>");
	for (size_t c = 0; c < nc; c++) {
		bool num = hp_section_column_unit(sec, c) != HP_UNIT_TEXT;
		hpi_buf_puts(o, num ? "<th class=\"n\" data-num=\"1\" data-k=\"" : "<th data-k=\"");
		hpi_buf_xml(o, hp_section_column_key(sec, c));
		hpi_buf_puts(o, "\" title=\"");
		hpi_buf_xml(o, hpi_unit_name(hp_section_column_unit(sec, c)));
		hpi_buf_puts(o, "; a click sorts\">");
		hpi_buf_xml(o, hp_section_column_title(sec, c));
		hpi_buf_puts(o, "</th>");
	}
	hpi_buf_puts(o, "</tr></thead>\n<tbody>\n");
	for (size_t r = 0; r < shown; r++) {
		hpi_buf_puts(o, "<tr>");
		for (size_t c = 0; c < nc; c++)
			html_cell(o, sec, r, c);
		hpi_buf_puts(o, "</tr>\n");
	}
	hpi_buf_puts(o, "</tbody></table></div>\n");
	if (shown < total) {
		hpi_buf_printf(o, "<p class=\"note\">(%zu of %zu rows; ", shown, total);
		hpi_buf_xml(o, key != NULL ? key : "report.limit");
		hpi_buf_puts(o, ": 0 shows all)</p>\n");
	}
	if (hide)
		hpi_buf_puts(o, "</details>\n");
	hpi_buf_puts(o, "</section>\n");
}

/* The whole page. */
void hpi_render_html(hpi_buf *out, const hp_snapshot *s, const hpi_render_opts *o)
{
	const char *stacks = o != NULL ? o->stacks : NULL;
	const char *id = hpi_flame_section(stacks);
	bool flame = hp_snapshot_find(s, id) != NULL || hp_snapshot_find(s, "cpu_stacks") != NULL;
	const hp_section *th = hp_snapshot_find(s, "threads");
	bool cpu = th != NULL && hpi_section_col(th, "name") >= 0 &&
		   hpi_section_col(th, "cpu") >= 0 &&
		   hp_section_column_unit(th, (size_t)hpi_section_col(th, "cpu")) == HP_UNIT_NS;

	bool timeline;

	if (out == NULL)
		return;
	html_head(out, s);
	html_facts(out, s);
	html_nav(out, s, flame, cpu);
	html_flames(out, s, stacks);
	html_cpu(out, s);
	timeline = html_timeline(out, s);
	html_trace(out, s);
	for (size_t i = 0; i < hp_snapshot_count(s); i++) {
		const hp_section *sec = hp_snapshot_section(s, i);
		/* the timeline's rows are drawn above, not listed */
		if (timeline && strcmp(hp_section_id(sec), "timeline") == 0)
			continue;
		html_table(out, sec, hpi_render_limit(sec, o != NULL ? o->limit : 0));
	}
	hpi_buf_puts(out, "</main>\n<footer>Written by hotpath " HP_VERSION_STRING
		     "; self-contained, nothing is fetched.</footer>\n<script>\n");
	hpi_buf_puts(out, hpi_flame_js);
	hpi_buf_puts(out, hpi_html_js);
	hpi_buf_puts(out, "hpReport(document);\n</script>\n</body>\n</html>\n");
}
