/* SPDX-License-Identifier: MIT */
/*
 * subject.c - C functions auto-instrumented for test_auto
 * (-finstrument-functions -g; see tests/Makemodule.am).
 */
#include <setjmp.h>

#include <hotpath.h>

#include "subject.h"

static volatile int sink;
static jmp_buf sub_jb;

const int sub_leaf_line = __LINE__ + 2;
static int
sub_leaf(int x)
{
	sink = x;
	return x * 3 + 1;
}

int sub_calls(int n)
{
	int s = 0;

	for (int i = 0; i < n; i++)
		s += sub_leaf(i);
	return s;
}

static int sub_fib(int n)
{
	return n < 2 ? n : sub_fib(n - 1) + sub_fib(n - 2);
}

int sub_fib_run(int n)
{
	return sub_fib(n);
}

static void sub_dive(int n)
{
	if (n < 0)
		return;
	sink = n;
	if (n == 0)
		longjmp(sub_jb, 1);
	sub_dive(n - 1);
	sink = n; /* not a tail call */
}

int sub_jump(int n, int after)
{
	volatile int jumped = 0;

	if (setjmp(sub_jb) == 0)
		sub_dive(n);
	else
		jumped = 1;
	sub_calls(after);
	return jumped;
}

static jmp_buf sub_rjb;

static int sub_rjump_in(int n, int top)
{
	volatile int back = 0;

	if (n == top && setjmp(sub_rjb) != 0)
		back = 1;
	else if (n == 0)
		longjmp(sub_rjb, 1);
	else
		sub_rjump_in(n - 1, top);
	sink = n;
	return back;
}

int sub_rjump(int n)
{
	return sub_rjump_in(n, n);
}

HP_SKIP int sub_skipped(int x)
{
	return x + 1;
}
