/* SPDX-License-Identifier: MIT */
/*
 * lexer.c - numbers, the four operators and parentheses.
 */
#include <ctype.h>
#include <stdlib.h>

#include <hotpath.h>

#include "calc.h"

/* Too small to be worth a measurement: left out. */
HP_SKIP static int is_space(char c)
{
	return c == ' ' || c == '\t';
}

static const char *read_number(const char *p, double *v)
{
	char *end;

	*v = strtod(p, &end);
	return end;
}

void lex_next(struct lexer *lx)
{
	static const char ops[] = "+-*/()";
	static const enum tok_kind kinds[] = {TOK_PLUS, TOK_MINUS, TOK_STAR, TOK_SLASH,
					      TOK_LPAREN, TOK_RPAREN};

	while (is_space(*lx->p))
		lx->p++;
	if (*lx->p == '\0') {
		lx->cur.kind = TOK_END;
		return;
	}
	if (isdigit((unsigned char)*lx->p)) {
		lx->cur.kind = TOK_NUM;
		lx->p = read_number(lx->p, &lx->cur.value);
		return;
	}
	for (int i = 0; ops[i]; i++) {
		if (*lx->p == ops[i]) {
			lx->cur.kind = kinds[i];
			lx->p++;
			return;
		}
	}
	lx->cur.kind = TOK_ERR;
}

void lex_init(struct lexer *lx, const char *src)
{
	lx->p = src;
	lex_next(lx);
}
