/* SPDX-License-Identifier: MIT */
/*
 * config_yaml.c - the YAML tree: hotpath.yaml read with libyaml's event
 * API into config_nodes (each with its line and column, for messages),
 * and a node written as JSON (a script's options).
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <yaml.h>

#include "hpi.h"
#include "config_impl.h"

/* Builds the tree from events; containers are open on a bounded stack. */
typedef struct config_tree {
	config_node *root;
	config_node *open[CONFIG_MAX_DEPTH];
	int depth;
} config_tree;

/* Frees n and its children; depth is capped, so recursion is bounded. */
void hpi_config_node_free(config_node *n)
{
	size_t i;

	if (n == NULL)
		return;
	for (i = 0; i < n->nkid; i++)
		hpi_config_node_free(n->kid[i]);
	free(n->kid);
	free(n->text);
	free(n);
}

/* New node for event ev; NULL on ENOMEM. */
static config_node *config_node_new(int kind, const yaml_event_t *ev)
{
	config_node *n = calloc(1, sizeof *n);
	size_t len;
	const char *s;

	if (n == NULL)
		return NULL;
	n->kind = kind;
	n->line = (int)ev->start_mark.line + 1;
	n->col = (int)ev->start_mark.column + 1;
	if (kind != CN_SCALAR)
		return n;
	s = (const char *)ev->data.scalar.value;
	len = ev->data.scalar.length;
	if ((n->text = malloc(len + 1)) == NULL) {
		free(n);
		return NULL;
	}
	memcpy(n->text, s, len);
	n->text[len] = '\0';
	n->plain = ev->data.scalar.style == YAML_PLAIN_SCALAR_STYLE;
	n->null = n->plain &&
		  (len == 0 || strcmp(n->text, "~") == 0 || strcmp(n->text, "null") == 0 ||
		   strcmp(n->text, "Null") == 0 || strcmp(n->text, "NULL") == 0);
	return n;
}

/* Appends kid to container p; -1 (kid freed) on ENOMEM. */
static int config_node_add(config_node *p, config_node *kid)
{
	if (p->nkid == p->capkid) {
		size_t cap = p->capkid ? p->capkid * 2 : 4;
		config_node **nk = realloc(p->kid, cap * sizeof *nk);

		if (nk == NULL) {
			hpi_config_node_free(kid);
			return -1;
		}
		p->kid = nk;
		p->capkid = cap;
	}
	p->kid[p->nkid++] = kid;
	return 0;
}

/* Adds one event of the document to the tree; -1 on ENOMEM, 1 when the
 * event would nest deeper than CONFIG_MAX_DEPTH. */
static int config_tree_event(config_tree *t, const yaml_event_t *ev)
{
	bool start = ev->type == YAML_MAPPING_START_EVENT || ev->type == YAML_SEQUENCE_START_EVENT;
	config_node *n;
	int kind;

	if (ev->type == YAML_MAPPING_END_EVENT || ev->type == YAML_SEQUENCE_END_EVENT) {
		if (t->depth > 0)
			t->depth--;
		return 0;
	}
	if (ev->type == YAML_MAPPING_START_EVENT)
		kind = CN_MAP;
	else if (ev->type == YAML_SEQUENCE_START_EVENT)
		kind = CN_SEQ;
	else if (ev->type == YAML_SCALAR_EVENT)
		kind = CN_SCALAR;
	else if (ev->type == YAML_ALIAS_EVENT)
		kind = CN_ALIAS;
	else
		return 0;
	if (start && t->depth == CONFIG_MAX_DEPTH)
		return 1;
	if ((n = config_node_new(kind, ev)) == NULL)
		return -1;
	if (t->depth == 0) {
		if (t->root != NULL) {
			hpi_config_node_free(n);
			return 0;
		}
		t->root = n;
	} else if (config_node_add(t->open[t->depth - 1], n) != 0) {
		return -1;
	}
	if (start)
		t->open[t->depth++] = n;
	return 0;
}

/* Line and column of byte offset off in f, for reader errors (which carry
 * an offset, not a mark). */
static void config_offset_mark(FILE *f, size_t off, int *line, int *col)
{
	size_t i;
	int ch;

	*line = 1;
	*col = 1;
	if (fseek(f, 0, SEEK_SET) != 0)
		return;
	for (i = 0; i < off && (ch = getc(f)) != EOF; i++) {
		if (ch == '\n') {
			(*line)++;
			*col = 1;
		} else if ((ch & 0xc0) != 0x80) {
			(*col)++;
		}
	}
}

/* Reports the parser's error: one line, the whole file is dropped. */
static void config_syntax_error(config_ctx *x, yaml_parser_t *p, FILE *f)
{
	int line = (int)p->problem_mark.line + 1, col = (int)p->problem_mark.column + 1;

	if (p->error == YAML_MEMORY_ERROR) {
		hpi_config_warn(x, "%s: out of memory while reading; using built-in defaults",
				x->file);
		return;
	}
	if (p->error == YAML_READER_ERROR)
		config_offset_mark(f, p->problem_offset, &line, &col);
	hpi_config_warn(x, "%s:%d:%d: syntax error: %s; using built-in defaults", x->file,
			line, col, p->problem ? p->problem : "unknown error");
}

/* Parses the first document of f into *root (NULL when empty); -1 after
 * reporting a syntax error. */
int hpi_config_parse(config_ctx *x, FILE *f, config_node **root)
{
	config_tree t = { .root = NULL };
	yaml_parser_t p;
	yaml_event_t ev;
	int docs = 0, rv = 0;
	bool done = false;

	if (!yaml_parser_initialize(&p)) {
		hpi_config_warn(x, "%s: out of memory while reading; using built-in defaults",
				x->file);
		return -1;
	}
	yaml_parser_set_input_file(&p, f);
	while (!done) {
		if (!yaml_parser_parse(&p, &ev)) {
			config_syntax_error(x, &p, f);
			rv = -1;
			break;
		}
		if (ev.type == YAML_STREAM_END_EVENT) {
			done = true;
		} else if (ev.type == YAML_DOCUMENT_START_EVENT && docs++ > 0) {
			hpi_config_warn(x, "%s:%d:%d: only the first YAML document is read, "
					"the rest is ignored", x->file, (int)ev.start_mark.line + 1,
					(int)ev.start_mark.column + 1);
			done = true;
		} else if ((rv = config_tree_event(&t, &ev)) != 0) {
			/* Stop early: libyaml slows down quadratically with depth. */
			if (rv > 0)
				hpi_config_warn(x, "%s:%d:%d: nested deeper than %d levels; "
						"using built-in defaults", x->file,
						(int)ev.start_mark.line + 1,
						(int)ev.start_mark.column + 1, CONFIG_MAX_DEPTH);
			else
				hpi_config_warn(x, "%s: out of memory while reading; "
						"using built-in defaults", x->file);
			done = true;
		}
		yaml_event_delete(&ev);
	}
	yaml_parser_delete(&p);
	if (rv != 0) {
		hpi_config_node_free(t.root);
		return rv;
	}
	*root = t.root;
	return 0;
}

/* What a node is, for "got ...": "abc" (quoted), null, a map, a list, an alias. */
void hpi_config_got(const config_node *n, char *buf, size_t len)
{
	char q[128];

	switch (n->kind) {
	case CN_SCALAR:
		if (n->null) {
			snprintf(buf, len, "null");
			break;
		}
		hpi_config_esc(q, sizeof q, n->text, strlen(n->text));
		snprintf(buf, len, "\"%s\"", q);
		break;
	case CN_MAP:
		snprintf(buf, len, "a map");
		break;
	case CN_SEQ:
		snprintf(buf, len, "a list");
		break;
	default:
		snprintf(buf, len, "an alias");
		break;
	}
}

/* Appends plain scalar s to b as a JSON number, in its shortest exact form,
 * when it is a decimal number of YAML 1.2's core schema; false otherwise. */
static bool config_json_number(hpi_buf *b, const char *s)
{
	const char *p = s + (*s == '-' || *s == '+'), *q;
	size_t digits = strspn(p, "0123456789"), frac = 0;
	char tmp[40];
	long long i;
	double d;
	int prec;

	q = p + digits;
	if (*q == '.') {
		frac = strspn(q + 1, "0123456789");
		q += 1 + frac;
	}
	if (digits == 0 && frac == 0)
		return false;
	if (*q == 'e' || *q == 'E') {
		q += 1 + (q[1] == '+' || q[1] == '-');
		if (strspn(q, "0123456789") == 0)
			return false;
		q += strspn(q, "0123456789");
	}
	if (*q != '\0')
		return false;
	errno = 0;
	if (frac == 0 && p[digits] == '\0' && (i = strtoll(s, NULL, 10), errno == 0)) {
		hpi_buf_printf(b, "%lld", i);
		return true;
	}
	if (!isfinite(d = strtod(s, NULL)))
		return false;
	for (prec = 1; prec < 17; prec++) {
		snprintf(tmp, sizeof tmp, "%.*g", prec, d);
		if (strtod(tmp, NULL) == d)
			break;
	}
	hpi_buf_printf(b, "%.*g", prec, d);
	return true;
}

/* Appends YAML node n (at path, for messages) to b as JSON; see hpi.h for
 * how scalars are typed.  An alias becomes null, with a warning. */
void hpi_config_json(config_ctx *x, hpi_buf *b, const config_node *n, const char *path)
{
	static const char *const bools[] = { "true", "True", "TRUE", "false", "False", "FALSE" };
	char sub[320], who[1024];
	size_t i, k;
	bool first = true;

	if (n->kind == CN_MAP || n->kind == CN_SEQ) {
		hpi_buf_putc(b, n->kind == CN_MAP ? '{' : '[');
		for (i = 0; i < n->nkid; i += n->kind == CN_MAP ? 2 : 1) {
			if (n->kind == CN_SEQ) {
				hpi_config_fmt(sub, sizeof sub, "%s[%zu]", path, i);
			} else if (i + 1 >= n->nkid || !hpi_config_key_ok(x, n->kid[i], path)) {
				continue;
			}
			if (!first)
				hpi_buf_putc(b, ',');
			first = false;
			if (n->kind == CN_MAP) {
				hpi_buf_json_str(b, n->kid[i]->text);
				hpi_buf_putc(b, ':');
				hpi_config_join(sub, sizeof sub, path, n->kid[i]->text);
			}
			hpi_config_json(x, b, n->kid[i + (n->kind == CN_MAP)], sub);
		}
		hpi_buf_putc(b, n->kind == CN_MAP ? '}' : ']');
		return;
	}
	if (n->kind == CN_ALIAS) {
		hpi_config_who(x, n, path, who, sizeof who);
		hpi_config_warn(x, "%s: aliases are not supported; using null", who);
	}
	if (n->kind == CN_ALIAS || n->null) {
		hpi_buf_puts(b, "null");
		return;
	}
	for (k = 0; n->plain && k < sizeof bools / sizeof bools[0]; k++) {
		if (strcmp(n->text, bools[k]) == 0) {
			hpi_buf_puts(b, k < 3 ? "true" : "false");
			return;
		}
	}
	if (!n->plain || !config_json_number(b, n->text))
		hpi_buf_json_str(b, n->text);
}
