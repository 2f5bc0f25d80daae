/* SPDX-License-Identifier: MIT */
/*
 * test_alloc.c - allocation tracking through the real interposer: exact
 * bytes, counts and live bytes per function in both modes, realloc, calloc,
 * aligned allocations, blocks freed by another thread, four threads at
 * once, recursion, and glibc's own behaviour on bad input.
 *
 * Linked with libhotpath-alloc, so malloc here is hotpath's.  Under
 * AddressSanitizer or valgrind their malloc comes first and hotpath's is
 * never called: then the program says so and skips (exit 77).
 */
#include "config.h"

#include <check.h>
#include <errno.h>
#include <malloc.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fcntl.h>
#include <hotpath.h>
#include "../testlib.h"

/* ---- reading the report --------------------------------------------------- */

typedef struct arow {
	char label[64];
	int found;
	int64_t calls, bytes, bytes_live, count, count_live;
} arow;

typedef struct acap {
	arow rows[8];
	size_t n;
	char mode[16];
	int64_t thread_alloc[4], thread_freed[4]; /* by tid, for tids[] */
	uint64_t tids[4];
	size_t ntids;
} acap;

static int64_t cell(const hp_section *s, size_t r, const char *key)
{
	for (size_t c = 0; c < hp_section_ncolumns(s); c++)
		if (strcmp(hp_section_column_key(s, c), key) == 0)
			return hp_section_int(s, r, c);
	return -1;
}

static int capture(const hp_snapshot *snap, void *data, char **cause)
{
	acap *w = data;
	const hp_section *b = hp_snapshot_find(snap, "alloc_bytes");
	const hp_section *c = hp_snapshot_find(snap, "alloc_count");
	const hp_section *t = hp_snapshot_find(snap, "threads");

	(void)cause;
	if (b != NULL && hp_section_meta(b, "alloc.mode"))
		snprintf(w->mode, sizeof(w->mode), "%s", hp_section_meta(b, "alloc.mode"));
	for (size_t i = 0; i < w->n; i++) {
		arow *a = &w->rows[i];
		for (size_t r = 0; b && r < hp_section_nrows(b); r++) {
			if (strcmp(hp_section_text(b, r, 0), a->label) != 0)
				continue;
			a->found = 1;
			a->calls = cell(b, r, "calls");
			a->bytes = cell(b, r, "total");
			a->bytes_live = cell(b, r, "live");
		}
		for (size_t r = 0; c && r < hp_section_nrows(c); r++) {
			if (strcmp(hp_section_text(c, r, 0), a->label) != 0)
				continue;
			a->count = cell(c, r, "total");
			a->count_live = cell(c, r, "live");
		}
	}
	for (size_t i = 0; i < w->ntids; i++) {
		w->thread_alloc[i] = w->thread_freed[i] = -1;
		for (size_t r = 0; t && r < hp_section_nrows(t); r++) {
			if ((uint64_t)cell(t, r, "tid") != w->tids[i])
				continue;
			w->thread_alloc[i] = cell(t, r, "alloc_bytes");
			w->thread_freed[i] = cell(t, r, "freed_bytes");
		}
	}
	return 0;
}

static const hp_reporter capture_reporter = {"capture", capture};

static void want(acap *w, const char *label)
{
	snprintf(w->rows[w->n++].label, sizeof(w->rows[0].label), "test_alloc::%s", label);
}

static const arow *row(const acap *w, const char *label)
{
	char full[64];

	snprintf(full, sizeof(full), "test_alloc::%s", label);
	for (size_t i = 0; i < w->n; i++)
		if (strcmp(w->rows[i].label, full) == 0)
			return &w->rows[i];
	ck_abort_msg("no row %s asked for", label);
	return NULL;
}

static hp_guard *start(acap *w)
{
	hp_guard_builder *b = hp_guard_builder_new("test_alloc");

	setenv("HOTPATH_CONFIG", "/dev/null", 1);
	setenv("HOTPATH_PUB", "off", 1);
	hp_guard_builder_format(b, HP_FORMAT_NONE);
	hp_guard_builder_reporter(b, &capture_reporter, w);
	return hp_guard_builder_build(b);
}

#define ROW_IS(w, name, calls_, bytes_, blive, count_, clive)                   \
	do {                                                                    \
		const arow *r_ = row(w, name);                                  \
		ck_assert_msg(r_->found, "%s: no row", name);                   \
		ck_assert_int_eq(r_->calls, calls_);                            \
		ck_assert_int_eq(r_->bytes, bytes_);                            \
		ck_assert_int_eq(r_->bytes_live, blive);                        \
		ck_assert_int_eq(r_->count, count_);                            \
		ck_assert_int_eq(r_->count_live, clive);                        \
	} while (0)

/* ---- workloads ------------------------------------------------------------ */

static void *keep[8192];
static size_t nkeep;

static void *inner(void)
{
	HP_MEASURE();
	return malloc(100);
}

static void outer(void)
{
	HP_MEASURE();
	void *p = malloc(50);
	keep[nkeep++] = inner();
	free(p);
}

static void free_kept(void)
{
	while (nkeep > 0)
		free(keep[--nkeep]);
}

START_TEST(nested_cumulative)
{
	acap w = {0};
	hp_guard *g;

	want(&w, "outer");
	want(&w, "inner");
	g = start(&w);
	ck_assert_ptr_nonnull(g);
	for (int i = 0; i < 10; i++)
		outer();
	hp_guard_end(g);
	free_kept();
	ck_assert_str_eq(w.mode, "cumulative");
	/* outer: its own 50 and inner's 100 per call; inner's blocks live */
	ROW_IS(&w, "outer", 10, 1500, 1000, 20, 10);
	ROW_IS(&w, "inner", 10, 1000, 1000, 10, 10);
}
END_TEST

START_TEST(nested_self)
{
	acap w = {0};
	hp_guard *g;

	setenv("HOTPATH_ALLOC_SELF", "1", 1);
	want(&w, "outer");
	want(&w, "inner");
	g = start(&w);
	for (int i = 0; i < 10; i++)
		outer();
	hp_guard_end(g);
	free_kept();
	unsetenv("HOTPATH_ALLOC_SELF");
	ck_assert_str_eq(w.mode, "self");
	ROW_IS(&w, "outer", 10, 500, 0, 10, 0);
	ROW_IS(&w, "inner", 10, 1000, 1000, 10, 10);
}
END_TEST

/* No ck_assert inside measured functions: Check allocates to report. */
static int grown_ok;

static void *grow(int keep_it)
{
	HP_MEASURE();
	char *p = malloc(16), *q;

	memset(p, 'a', 16);
	q = realloc(p, 32);
	q = realloc(q, 64);
	grown_ok += q[15] == 'a'; /* the contents moved with it */
	if (keep_it)
		return q;
	free(q);
	return NULL;
}

START_TEST(realloc_growth)
{
	acap w = {0};
	hp_guard *g;
	void *kept;

	want(&w, "grow");
	g = start(&w);
	ck_assert_ptr_null(grow(0));
	kept = grow(1);
	hp_guard_end(g);
	free(kept);
	ck_assert_int_eq(grown_ok, 2);
	/* each realloc is a new block of the new size and the old one freed */
	ROW_IS(&w, "grow", 2, 224, 64, 6, 1);
}
END_TEST

static void *zeroed(void)
{
	HP_MEASURE();
	return calloc(10, 12);
}

START_TEST(calloc_counted)
{
	acap w = {0};
	hp_guard *g;
	void *p;

	want(&w, "zeroed");
	g = start(&w);
	p = zeroed();
	hp_guard_end(g);
	for (int i = 0; i < 120; i++)
		ck_assert_int_eq(((unsigned char *)p)[i], 0);
	free(p);
	ROW_IS(&w, "zeroed", 1, 120, 120, 1, 1);
}
END_TEST

static void *al[5], *al_bad;
static int al_rv[2];

static void aligned(void)
{
	HP_MEASURE();

	al_rv[0] = posix_memalign(&al[0], 64, 100);
	al_rv[1] = posix_memalign(&al_bad, 3, 100); /* as glibc: EINVAL, not counted */
	al[1] = aligned_alloc(128, 256);
	al[2] = memalign(32, 40);
	al[3] = valloc(10);
	al[4] = pvalloc(10);
	free(al[0]);
	free(al[1]);
	free(al[2]);
	free(al[3]);
}

START_TEST(aligned_allocations)
{
	acap w = {0};
	hp_guard *g;

	want(&w, "aligned");
	g = start(&w);
	aligned();
	hp_guard_end(g);
	ck_assert_int_eq(al_rv[0], 0);
	ck_assert_int_eq(al_rv[1], EINVAL);
	ck_assert_ptr_null(al_bad);
	ck_assert_int_eq((uintptr_t)al[0] % 64, 0);
	ck_assert_int_eq((uintptr_t)al[1] % 128, 0);
	ck_assert_int_eq((uintptr_t)al[2] % 32, 0);
	ck_assert_int_eq((uintptr_t)al[3] % 4096, 0);
	ck_assert_int_eq((uintptr_t)al[4] % 4096, 0);
	free(al[4]);
	ROW_IS(&w, "aligned", 1, 100 + 256 + 40 + 10 + 10, 10, 5, 1);
}
END_TEST

/* Allocated by a thread, freed by main. */
static void *blocks[3];
static uint64_t maker_tid;

static void make3(void)
{
	HP_MEASURE();
	for (int i = 0; i < 3; i++)
		blocks[i] = malloc(1000);
}

static void *maker(void *arg)
{
	(void)arg;
	maker_tid = (uint64_t)syscall(SYS_gettid);
	make3();
	return NULL;
}

START_TEST(freed_on_another_thread)
{
	acap w = {0};
	hp_guard *g;
	pthread_t t;

	want(&w, "make3");
	g = start(&w);
	pthread_create(&t, NULL, maker, NULL);
	pthread_join(t, NULL);
	free(blocks[0]);
	free(blocks[1]);
	w.tids[0] = maker_tid;
	w.tids[1] = (uint64_t)syscall(SYS_gettid);
	w.ntids = 2;
	hp_guard_end(g);
	free(blocks[2]);
	ROW_IS(&w, "make3", 1, 3000, 1000, 3, 1);
	ck_assert_int_eq(w.thread_alloc[0], 3000); /* the thread exited: kept */
	ck_assert_int_eq(w.thread_freed[0], 0);
	ck_assert_int_ge(w.thread_freed[1], 2000); /* main freed them */
}
END_TEST

/* Four threads at once: attribution is per thread. */
#define PER_THREAD 1000
static void *kept4[4][PER_THREAD];

static void *work(int k)
{
	HP_MEASURE();
	void *a = malloc(24), *b = malloc(8);

	(void)k;
	free(a);
	return b;
}

static void *worker(void *arg)
{
	int k = (int)(intptr_t)arg;

	for (int i = 0; i < PER_THREAD; i++)
		kept4[k][i] = work(k);
	return NULL;
}

START_TEST(four_threads)
{
	acap w = {0};
	hp_guard *g;
	pthread_t t[4];

	want(&w, "work");
	g = start(&w);
	for (int k = 0; k < 4; k++)
		pthread_create(&t[k], NULL, worker, (void *)(intptr_t)k);
	for (int k = 0; k < 4; k++)
		pthread_join(t[k], NULL);
	hp_guard_end(g);
	for (int k = 0; k < 4; k++)
		for (int i = 0; i < PER_THREAD; i++)
			free(kept4[k][i]);
	ROW_IS(&w, "work", 4 * PER_THREAD, 4 * PER_THREAD * 32, 4 * PER_THREAD * 8,
	       4 * PER_THREAD * 2, 4 * PER_THREAD);
}
END_TEST

static void rec(int n)
{
	HP_MEASURE();
	keep[nkeep++] = malloc(10);
	if (n > 0)
		rec(n - 1);
}

START_TEST(recursion_self_exact)
{
	acap w = {0};
	hp_guard *g;

	setenv("HOTPATH_ALLOC_SELF", "1", 1);
	want(&w, "rec");
	g = start(&w);
	rec(3);
	hp_guard_end(g);
	free_kept();
	unsetenv("HOTPATH_ALLOC_SELF");
	ROW_IS(&w, "rec", 4, 40, 40, 4, 4);
}
END_TEST

START_TEST(recursion_cumulative)
{
	acap w = {0};
	hp_guard *g;

	want(&w, "rec");
	g = start(&w);
	rec(3);
	hp_guard_end(g);
	free_kept();
	/* each frame counts its callees: 10 + 20 + 30 + 40 (docs/alloc.md);
	 * live blocks count once per function */
	ROW_IS(&w, "rec", 4, 100, 40, 10, 4);
}
END_TEST

/* ---- bad input: exactly glibc's behaviour --------------------------------- */

static void *fail_p[4];
static int fail_errno;
static volatile size_t huge = SIZE_MAX / 2; /* not a constant: no warning */

static void *failing(void)
{
	HP_MEASURE();
	void *p;

	errno = 0;
	fail_p[0] = malloc(huge);
	fail_errno = errno;
	fail_p[1] = calloc(huge, 4);
	fail_p[2] = reallocarray(NULL, huge, 4);
	p = malloc(8);
	fail_p[3] = realloc(p, huge); /* p stays, still live */
	return p;
}

START_TEST(malloc_failure)
{
	acap w = {0};
	hp_guard *g;
	void *p;

	want(&w, "failing");
	g = start(&w);
	p = failing();
	hp_guard_end(g);
	free(p);
	for (int i = 0; i < 4; i++)
		ck_assert_ptr_null(fail_p[i]);
	ck_assert_int_eq(fail_errno, ENOMEM);
	ROW_IS(&w, "failing", 1, 8, 8, 1, 1);
}
END_TEST

/* Runs bad() in a child with a tracking guard; its wait status. */
static int child_status(void (*bad)(void))
{
	pid_t pid = fork();
	int st = 0;

	if (pid == 0) {
		acap w = {0};
		/* glibc's message goes to the terminal; keep the log clean */
		int fd = open("/dev/null", 1);
		dup2(fd, 2);
		start(&w);
		bad();
		_exit(0);
	}
	waitpid(pid, &st, 0);
	return st;
}

static void double_free(void)
{
	void *p = malloc(32);

	free(p);
	free(p);
}

static void foreign_free(void)
{
	static char not_malloced[64];

	free(not_malloced + 16);
}

START_TEST(bad_frees_reach_glibc)
{
	int st = child_status(double_free);

	ck_assert_msg(WIFSIGNALED(st) && WTERMSIG(st) == SIGABRT,
		      "double free: status %#x, want glibc's abort", st);
	st = child_status(foreign_free);
	ck_assert_msg(WIFSIGNALED(st) && WTERMSIG(st) == SIGABRT,
		      "foreign pointer: status %#x, want glibc's abort", st);
}
END_TEST

/* ---- lifetimes ------------------------------------------------------------ */

static void *early;

__attribute__((constructor)) static void before_main(void)
{
	early = malloc(77); /* before main and before any guard */
}

START_TEST(guards_fork_and_after)
{
	acap w = {0}, w2 = {0};
	hp_guard *g;
	void *during;
	pid_t pid;
	int st;

	want(&w, "inner");
	g = start(&w);
	free(early); /* allocated before tracking: not counted, no harm */
	early = NULL;
	during = inner();
	pid = fork();
	if (pid == 0) { /* the child is not profiled: malloc works as usual */
		void *p = malloc(123);
		free(p);
		free(during);
		_exit(0);
	}
	waitpid(pid, &st, 0);
	ck_assert(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	hp_guard_end(g);
	ROW_IS(&w, "inner", 1, 100, 100, 1, 1);
	/* after the report: plain malloc and free, a tracked block too */
	free(during);
	free(malloc(10));
	/* a second guard starts from nothing */
	want(&w2, "inner");
	g = start(&w2);
	free(inner());
	hp_guard_end(g);
	ROW_IS(&w2, "inner", 1, 100, 0, 1, 0);
}
END_TEST

static Suite *alloc_suite(void)
{
	Suite *s = suite_create("alloc");
	TCase *tc = tcase_create("alloc");

	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, nested_cumulative);
	tcase_add_test(tc, nested_self);
	tcase_add_test(tc, realloc_growth);
	tcase_add_test(tc, calloc_counted);
	tcase_add_test(tc, aligned_allocations);
	tcase_add_test(tc, freed_on_another_thread);
	tcase_add_test(tc, four_threads);
	tcase_add_test(tc, recursion_self_exact);
	tcase_add_test(tc, recursion_cumulative);
	tcase_add_test(tc, malloc_failure);
	tcase_add_test(tc, bad_frees_reach_glibc);
	tcase_add_test(tc, guards_fork_and_after);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	const char *pre = getenv("LD_PRELOAD");

	/* valgrind's preloaded malloc, like ASan's, comes before hotpath's */
	if (pre != NULL && strstr(pre, "vgpreload") != NULL) {
		printf("SKIP: valgrind's malloc comes before hotpath's\n");
		return 77;
	}
#if defined(__SANITIZE_ADDRESS__)
	printf("SKIP: AddressSanitizer's malloc comes before hotpath's\n");
	return 77;
#endif
	return hp_test_run(alloc_suite());
}
