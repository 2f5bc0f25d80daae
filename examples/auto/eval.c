/* SPDX-License-Identifier: MIT */
/*
 * eval.c - evaluates and frees expression trees.
 */
#include <stdlib.h>

#include "calc.h"

static double apply(char op, double a, double b)
{
	switch (op) {
	case '+': return a + b;
	case '-': return a - b;
	case '*': return a * b;
	default: return a / b;
	}
}

static double eval_node(const struct node *n)
{
	if (n->op == 0)
		return n->value;
	return apply(n->op, eval_node(n->l), eval_node(n->r));
}

double eval(const struct node *n)
{
	return eval_node(n);
}

void node_free(struct node *n)
{
	if (n == NULL)
		return;
	if (n->l != NULL)
		node_free(n->l);
	if (n->r != NULL)
		node_free(n->r);
	free(n);
}
