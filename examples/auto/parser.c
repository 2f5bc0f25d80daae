/* SPDX-License-Identifier: MIT */
/*
 * parser.c - recursive descent:
 *   expr   := term (('+' | '-') term)*
 *   term   := factor (('*' | '/') factor)*
 *   factor := NUMBER | '(' expr ')'
 */
#include <stdlib.h>

#include "calc.h"

static struct node *parse_expr(struct lexer *lx);

static struct node *node_new(char op, double value, struct node *l, struct node *r)
{
	struct node *n = malloc(sizeof(*n));

	if (n == NULL) {
		node_free(l);
		node_free(r);
		return NULL;
	}
	n->op = op;
	n->value = value;
	n->l = l;
	n->r = r;
	return n;
}

static struct node *parse_factor(struct lexer *lx)
{
	struct node *n;

	if (lx->cur.kind == TOK_NUM) {
		n = node_new(0, lx->cur.value, NULL, NULL);
		lex_next(lx);
		return n;
	}
	if (lx->cur.kind != TOK_LPAREN)
		return NULL;
	lex_next(lx);
	n = parse_expr(lx);
	if (n == NULL || lx->cur.kind != TOK_RPAREN) {
		node_free(n);
		return NULL;
	}
	lex_next(lx);
	return n;
}

static struct node *parse_term(struct lexer *lx)
{
	struct node *n = parse_factor(lx);

	while (n != NULL && (lx->cur.kind == TOK_STAR || lx->cur.kind == TOK_SLASH)) {
		char op = lx->cur.kind == TOK_STAR ? '*' : '/';
		lex_next(lx);
		n = node_new(op, 0, n, parse_factor(lx));
		if (n != NULL && n->r == NULL) {
			node_free(n);
			return NULL;
		}
	}
	return n;
}

static struct node *parse_expr(struct lexer *lx)
{
	struct node *n = parse_term(lx);

	while (n != NULL && (lx->cur.kind == TOK_PLUS || lx->cur.kind == TOK_MINUS)) {
		char op = lx->cur.kind == TOK_PLUS ? '+' : '-';
		lex_next(lx);
		n = node_new(op, 0, n, parse_term(lx));
		if (n != NULL && n->r == NULL) {
			node_free(n);
			return NULL;
		}
	}
	return n;
}

struct node *parse(const char *src)
{
	struct lexer lx;
	struct node *n;

	lex_init(&lx, src);
	n = parse_expr(&lx);
	if (n != NULL && lx.cur.kind != TOK_END) {
		node_free(n);
		return NULL;
	}
	return n;
}
