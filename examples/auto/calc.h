/* SPDX-License-Identifier: MIT */
/*
 * calc.h - a tiny calculator: lexer, recursive-descent parser, evaluator.
 * Every file is built with -finstrument-functions: hotpath measures each
 * function without one line of hotpath in it (docs/auto.md).
 */
#ifndef CALC_H
#define CALC_H

enum tok_kind { TOK_NUM, TOK_PLUS, TOK_MINUS, TOK_STAR, TOK_SLASH, TOK_LPAREN,
		TOK_RPAREN, TOK_END, TOK_ERR };

struct token {
	enum tok_kind kind;
	double value;
};

struct lexer {
	const char *p;
	struct token cur;
};

/* An expression tree: op is 0 for a number, else one of + - * /. */
struct node {
	char op;
	double value;
	struct node *l, *r;
};

/* lexer.c */
void lex_init(struct lexer *lx, const char *src);
void lex_next(struct lexer *lx);

/* parser.c: the tree of src (free with node_free), or NULL on an error. */
struct node *parse(const char *src);

/* eval.c */
double eval(const struct node *n);
void node_free(struct node *n);

#endif
