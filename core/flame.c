/* SPDX-License-Identifier: MIT */
/*
 * flame.c - folded stacks and the SVG flame graph, drawn from a snapshot's
 * stacks section (docs/flamegraph.md).  The section holds one row per call
 * path: its labels root first joined by ';' (column "stack") and the path's
 * self time (column "self", ns).  Both outputs go through one tree built
 * from those rows, so they agree: a frame's width is the sum of the self
 * times at and above it.
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "hpi.h"

#define FLAME_MAX_DEPTH 1024  /* deeper frames are counted in the 1024th */
#define FLAME_WIDTH 1200      /* the SVG's width in px */
#define FLAME_PAD 10          /* left and right margins */
#define FLAME_TOP 34          /* title and search box */
#define FLAME_BOTTOM 24       /* details line */
#define FLAME_ROW 16          /* px per level; the frame is 15 of them */
#define FLAME_CHAR 7.2        /* px per character of the 12 px monospace font */
#define FLAME_MIN_PX 0.1      /* narrower frames are not drawn */

typedef struct flame_node {
	char *name;
	uint64_t self, total, calls;
	struct flame_node **kids; /* sorted by name, byte order */
	size_t nkids, cap;
} flame_node;

typedef struct flame_tree {
	flame_node root;          /* "all" */
	size_t levels;            /* levels drawn, root included */
	bool has_calls;           /* the section has a "calls" column */
	bool failed;              /* out of memory */
} flame_tree;

/* The section id --stacks NAME means. */
const char *hpi_flame_section(const char *name)
{
	if (name == NULL || *name == '\0')
		return "stacks";
	if (strcmp(name, "cpu") == 0)
		return "cpu_stacks";
	return name;
}

/* Byte order of a (name, len) key against a node's name. */
static int flame_cmp(const char *name, size_t len, const flame_node *n)
{
	size_t nlen = strlen(n->name);
	int c = memcmp(name, n->name, len < nlen ? len : nlen);

	return c != 0 ? c : len < nlen ? -1 : len > nlen ? 1 : 0;
}

/* The child of p called name (len bytes), added in order when missing;
 * NULL when out of memory. */
static flame_node *flame_child(flame_node *p, const char *name, size_t len)
{
	size_t lo = 0, hi = p->nkids, mid;
	flame_node *n, **kids;
	int c;

	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		if ((c = flame_cmp(name, len, p->kids[mid])) == 0)
			return p->kids[mid];
		if (c < 0)
			hi = mid;
		else
			lo = mid + 1;
	}
	if (p->nkids == p->cap) {
		size_t cap = p->cap ? p->cap * 2 : 4;
		if ((kids = realloc(p->kids, cap * sizeof(*kids))) == NULL)
			return NULL;
		p->kids = kids;
		p->cap = cap;
	}
	if ((n = calloc(1, sizeof(*n))) == NULL || (n->name = malloc(len + 1)) == NULL) {
		free(n);
		return NULL;
	}
	memcpy(n->name, name, len);
	n->name[len] = '\0';
	memmove(&p->kids[lo + 1], &p->kids[lo], (p->nkids - lo) * sizeof(*kids));
	p->kids[lo] = n;
	p->nkids++;
	return n;
}

/* Frees n's children, and n itself unless it is the root. */
static void flame_node_free(flame_node *n, bool self)
{
	for (size_t i = 0; i < n->nkids; i++)
		flame_node_free(n->kids[i], true);
	free(n->kids);
	if (self) {
		free(n->name);
		free(n);
	}
}

/* Adds one call path: its frames under the root, its self time and calls
 * on the last one.  An empty label is "[unknown]", as perf writes it. */
static void flame_add(flame_tree *t, const char *stack, uint64_t self, uint64_t calls)
{
	flame_node *n = &t->root;
	const char *p = stack, *end;
	size_t depth = 0, len;

	while (!t->failed) {
		end = p + strcspn(p, ";");
		len = (size_t)(end - p);
		if (depth < FLAME_MAX_DEPTH) {
			n = len == 0 ? flame_child(n, "[unknown]", 9) : flame_child(n, p, len);
			if (n == NULL) {
				t->failed = true;
				return;
			}
			depth++;
		}
		if (*end == '\0')
			break;
		p = end + 1;
	}
	n->self += self;
	n->calls += calls;
	if (depth + 1 > t->levels)
		t->levels = depth + 1;
}

/* Sets every node's total: its self plus its children's totals. */
static uint64_t flame_totals(flame_node *n)
{
	n->total = n->self;
	for (size_t i = 0; i < n->nkids; i++)
		n->total += flame_totals(n->kids[i]);
	return n->total;
}

/* Builds the tree of section id of s; 0 or a negative hp_err. */
static int flame_build(flame_tree *t, const hp_snapshot *s, const char *id)
{
	const hp_section *sec = hp_snapshot_find(s, hpi_flame_section(id));
	int cs, cv, cc;

	memset(t, 0, sizeof(*t));
	t->root.name = (char *)"all";
	t->levels = 1;
	if (sec == NULL)
		return HP_ENOENT;
	cs = hpi_section_col(sec, "stack");
	cv = hpi_section_col(sec, "self");
	cc = hpi_section_col(sec, "calls");
	if (cs < 0 || cv < 0 || hp_section_column_unit(sec, (size_t)cs) != HP_UNIT_TEXT ||
	    !hpi_unit_is_int(hp_section_column_unit(sec, (size_t)cv)))
		return HP_EINVAL;
	t->has_calls = cc >= 0 && hpi_unit_is_int(hp_section_column_unit(sec, (size_t)cc));
	for (size_t r = 0; r < hp_section_nrows(sec) && !t->failed; r++) {
		int64_t self = hp_section_int(sec, r, (size_t)cv);
		int64_t calls = t->has_calls ? hp_section_int(sec, r, (size_t)cc) : 0;
		if (!hp_section_has(sec, r, (size_t)cs) || !hp_section_has(sec, r, (size_t)cv) ||
		    self <= 0 || *hp_section_text(sec, r, (size_t)cs) == '\0')
			continue;
		flame_add(t, hp_section_text(sec, r, (size_t)cs), (uint64_t)self,
			  calls > 0 ? (uint64_t)calls : 0);
	}
	if (t->failed) {
		flame_node_free(&t->root, false);
		return HP_ENOMEM;
	}
	flame_totals(&t->root);
	return 0;
}

/* ---- folded ------------------------------------------------------------ */

/* A frame of a folded line: control characters (a newline would end the
 * line) become spaces; spaces stay (every reader takes the number after
 * the last space). */
static void folded_frame(hpi_buf *out, const char *name)
{
	for (const char *p = name; *p != '\0'; p++)
		hpi_buf_putc(out, (unsigned char)*p < 0x20 || *p == 0x7f ? ' ' : *p);
}

/* Lines of n's subtree; path holds the frames above n, joined by ';'. */
static void folded_node(hpi_buf *out, hpi_buf *path, const flame_node *n)
{
	size_t len = path->len;

	if (len > 0)
		hpi_buf_putc(path, ';');
	folded_frame(path, n->name);
	if (n->self > 0) {
		hpi_buf_putn(out, path->data, path->len);
		hpi_buf_putc(out, ' ');
		hpi_buf_i64(out, (int64_t)n->self);
		hpi_buf_putc(out, '\n');
	}
	for (size_t i = 0; i < n->nkids; i++)
		folded_node(out, path, n->kids[i]);
	if (path->data != NULL) {
		path->len = len;
		path->data[len] = '\0';
	}
}

/* Collapsed stacks: "a;b;c SELF_NS" per path with self time. */
int hpi_render_folded(hpi_buf *out, const hp_snapshot *s, const char *id)
{
	flame_tree t;
	hpi_buf path;
	int rv;

	if ((rv = flame_build(&t, s, id)) != 0)
		return rv;
	hpi_buf_init(&path);
	for (size_t i = 0; i < t.root.nkids; i++)
		folded_node(out, &path, t.root.kids[i]);
	rv = path.failed ? HP_ENOMEM : 0;
	hpi_buf_fini(&path);
	flame_node_free(&t.root, false);
	return rv;
}

/* ---- SVG --------------------------------------------------------------- */

typedef struct svg_ctx {
	hpi_buf *out;
	const flame_tree *t;
	double fw;                /* px for the whole width */
} svg_ctx;

/* FNV-1a of n bytes. */
static uint32_t svg_hash(const char *s, size_t n)
{
	uint32_t h = 2166136261u;

	for (size_t i = 0; i < n; i++)
		h = (h ^ (unsigned char)s[i]) * 16777619u;
	return h;
}

/* A frame's colour: warm, its hue picked by the label's file part (before
 * "::") so one file's functions look alike, a little lighter or darker per
 * function so neighbours stay apart. */
static void svg_colour(hpi_buf *out, const char *name, bool root)
{
	const char *sep = strstr(name, "::");
	uint32_t h = svg_hash(name, sep ? (size_t)(sep - name) : strlen(name));
	uint32_t f = svg_hash(name, strlen(name));

	if (root) {
		hpi_buf_puts(out, "rgb(200,200,200)");
		return;
	}
	hpi_buf_printf(out, "rgb(%u,%u,%u)", 205 + h % 50, 60 + (h >> 8) % 150 + f % 21 - 10,
		       (h >> 16) % 55);
}

/* The name cut to px: whole, or its first characters and an ellipsis, or
 * nothing when fewer than 3 characters fit. */
static void svg_fit(hpi_buf *out, const char *name, double px)
{
	long fit = (long)((px - 6) / FLAME_CHAR);
	size_t cps = 0, cut = 0, i;
	int n;

	for (i = 0; name[i] != '\0'; i += n > 0 ? (size_t)n : (size_t)-n) {
		n = hpi_utf8_len(name + i);
		if ((long)cps == fit - 1)
			cut = i;
		cps++;
	}
	if ((long)cps <= fit) {
		hpi_buf_xml(out, name);
	} else if (fit >= 3) {
		hpi_buf_xmln(out, name, cut);
		hpi_buf_puts(out, "\xe2\x80\xa6"); /* … */
	}
}

/* "1.20ms, 40.00%" of v against the whole. */
static void svg_share(hpi_buf *out, uint64_t v, uint64_t all)
{
	char t[64];

	hpi_fmt_ns(t, sizeof(t), (int64_t)v);
	hpi_buf_printf(out, "%s, %.2f%%", t, all ? 100.0 * (double)v / (double)all : 0.0);
}

/* One frame and, above it, its children; x in ns from the left edge. */
static void svg_node(svg_ctx *c, const flame_node *n, size_t depth, uint64_t x)
{
	uint64_t all = c->t->root.total;
	double fx = (double)x / (double)all, fwid = (double)n->total / (double)all;
	double px = fwid * c->fw, left = FLAME_PAD + fx * c->fw;
	long y = FLAME_TOP + (long)(c->t->levels - 1 - depth) * FLAME_ROW;
	hpi_buf *o = c->out;

	if (px < FLAME_MIN_PX)
		return;
	hpi_buf_puts(o, "<g class=\"f\" data-n=\"");
	hpi_buf_xml(o, n->name);
	hpi_buf_printf(o, "\" data-d=\"%zu\" data-x=\"%.9f\" data-w=\"%.9f\"><title>", depth, fx,
		       fwid);
	hpi_buf_xml(o, n->name);
	hpi_buf_puts(o, ": ");
	svg_share(o, n->total, all);
	hpi_buf_puts(o, " (self ");
	svg_share(o, n->self, all);
	if (c->t->has_calls && depth > 0)
		hpi_buf_printf(o, "; %" PRIu64 " call%s", n->calls, n->calls == 1 ? "" : "s");
	hpi_buf_printf(o, ")</title><rect x=\"%.2f\" y=\"%ld\" width=\"%.2f\" height=\"%d\" fill=\"",
		       left, y, px, FLAME_ROW - 1);
	svg_colour(o, n->name, depth == 0);
	hpi_buf_printf(o, "\"/><text x=\"%.2f\" y=\"%ld\">", left + 3, y + 11);
	svg_fit(o, n->name, px);
	hpi_buf_puts(o, "</text></g>\n");
	for (size_t i = 0; i < n->nkids; i++) {
		svg_node(c, n->kids[i], depth + 1, x);
		x += n->kids[i]->total;
	}
}

/* The title line: the program, what is drawn, the whole time. */
static void svg_title(hpi_buf *o, const hp_snapshot *s, const char *id, uint64_t all)
{
	const char *who = hp_snapshot_meta(s, "caller");
	char t[64];

	if (who == NULL && (who = hp_snapshot_meta(s, "program")) == NULL)
		who = "unknown";
	hpi_fmt_ns(t, sizeof(t), (int64_t)all);
	hpi_buf_puts(o, "Flame graph of ");
	hpi_buf_xml(o, who);
	hpi_buf_puts(o, " (self time in ");
	hpi_buf_xml(o, hpi_flame_section(id));
	hpi_buf_printf(o, ", %s)", t);
}

static const char svg_style[] =
	"<style>"
	".hp-flame{font-family:monospace;font-size:12px}"
	".hp-flame .title{font-size:15px;text-anchor:middle}"
	".hp-flame .reset{cursor:pointer;fill:#06c;text-decoration:underline}"
	".hp-flame .f{cursor:pointer}"
	".hp-flame .f rect{stroke:#fbfbf6;stroke-width:.5}"
	".hp-flame .f:hover rect{stroke:#000}"
	".hp-flame .f.anc{opacity:.6}"
	".hp-flame .f.hit rect{fill:rgb(230,0,230)}"
	".hp-flame text{fill:#000;pointer-events:none}"
	".hp-flame .reset,.hp-flame .f{pointer-events:all}"
	".hp-flame input{width:100%;box-sizing:border-box;font:12px monospace}"
	"</style>\n";

/* The flame graph as SVG. */
int hpi_render_flame_svg(hpi_buf *out, const hp_snapshot *s, const char *id, bool standalone)
{
	flame_tree t;
	svg_ctx c = {.out = out, .t = &t, .fw = FLAME_WIDTH - 2 * FLAME_PAD};
	long h;
	int rv;

	if ((rv = flame_build(&t, s, id)) != 0)
		return rv;
	h = FLAME_TOP + (long)t.levels * FLAME_ROW + FLAME_BOTTOM;
	if (standalone)
		hpi_buf_puts(out, "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"no\"?>\n");
	hpi_buf_printf(out, "<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"hp-flame\" "
		       "width=\"%d\" height=\"%ld\" viewBox=\"0 0 %d %ld\" data-fw=\"%.0f\" "
		       "data-pad=\"%d\" data-total=\"%" PRIu64 "\">\n",
		       FLAME_WIDTH, h, FLAME_WIDTH, h, c.fw, FLAME_PAD, t.root.total);
	hpi_buf_puts(out, svg_style);
	hpi_buf_printf(out, "<rect x=\"0\" y=\"0\" width=\"%d\" height=\"%ld\" fill=\"#fbfbf6\"/>\n"
		       "<text class=\"title\" x=\"%d\" y=\"20\">", FLAME_WIDTH, h, FLAME_WIDTH / 2);
	svg_title(out, s, id, t.root.total);
	hpi_buf_printf(out, "</text>\n<text class=\"reset\" x=\"%d\" y=\"20\" display=\"none\">"
		       "Reset zoom</text>\n", FLAME_PAD);
	hpi_buf_printf(out, "<foreignObject x=\"%d\" y=\"4\" width=\"220\" height=\"24\">"
		       "<input xmlns=\"http://www.w3.org/1999/xhtml\" class=\"search\" "
		       "type=\"search\" placeholder=\"Search\" aria-label=\"Search frames\"/>"
		       "</foreignObject>\n", FLAME_WIDTH - FLAME_PAD - 220);
	hpi_buf_printf(out, "<text class=\"details\" x=\"%d\" y=\"%ld\"> </text>\n"
		       "<text class=\"matched\" x=\"%d\" y=\"%ld\" text-anchor=\"end\"></text>\n",
		       FLAME_PAD, h - 8, FLAME_WIDTH - FLAME_PAD, h - 8);
	hpi_buf_puts(out, "<g class=\"frames\">\n");
	if (t.root.total > 0)
		svg_node(&c, &t.root, 0, 0);
	hpi_buf_puts(out, "</g>\n");
	if (standalone) {
		hpi_buf_puts(out, "<script><![CDATA[\n");
		hpi_buf_puts(out, hpi_flame_js);
		hpi_buf_puts(out, "hpFlame(document.documentElement);\n]]></script>\n");
	}
	hpi_buf_puts(out, "</svg>\n");
	flame_node_free(&t.root, false);
	return 0;
}
