/* SPDX-License-Identifier: MIT */
/*
 * subject.h - functions built with -finstrument-functions for test_auto
 * (subject.c in C, subject_cxx.cc in C++).
 */
#ifndef HP_TEST_SUBJECT_H
#define HP_TEST_SUBJECT_H

#ifdef __cplusplus
extern "C" {
#endif

/* Line of subject.c's static sub_leaf, for the file:line check. */
extern const int sub_leaf_line;
/* Calls the static sub_leaf n times; returns a checksum. */
int sub_calls(int n);
/* fib(n) by plain recursion: 2 * F(n + 1) - 1 calls of sub_fib. */
int sub_fib_run(int n);
/* Dives n frames into sub_dive and longjmps out to sub_jump; then calls
 * sub_leaf `after` times.  Returns 1 when the longjmp happened. */
int sub_jump(int n, int after);
/* Recursive to depth n, then longjmps back to its outermost activation,
 * which returns normally. */
int sub_rjump(int n);
/* Marked HP_SKIP: never measured. */
int sub_skipped(int x);
/* C++: thrower recurses n deep and throws; cxx_throw_run catches it, then
 * calls shapes::Box::area() `after` times. */
int cxx_throw_run(int n, int after);

#ifdef __cplusplus
}
#endif

#endif
