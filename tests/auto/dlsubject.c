/* SPDX-License-Identifier: MIT */
/*
 * dlsubject.c - a module built with -finstrument-functions that test_auto
 * loads with dlopen after profiling started.
 */
int dl_square(int x);

static int dl_helper(int x)
{
	return x * x;
}

int dl_square(int x)
{
	return dl_helper(x);
}
