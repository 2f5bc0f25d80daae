/* SPDX-License-Identifier: MIT */
/*
 * test_auto.c - auto-instrumentation (core/auto.c, core/symbols.c): the
 * functions of subject.c, subject_cxx.cc and the dlopen'ed dlsubject.so are
 * built with -finstrument-functions; each test profiles some of them under
 * a guard and reads the Functions section its reporter receives.
 */
#include "config.h"

#include <check.h>
#include <dlfcn.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "hpi.h"
#include "../testlib.h"
#include "subject.h"

typedef struct row {
	char name[200], file[512];
	int64_t calls, avg, max, total, line;
} row;

static row rows[512];
static size_t nrows;

/* Column index of key, checked. */
static size_t col(const hp_section *sec, const char *key)
{
	for (size_t c = 0; c < hp_section_ncolumns(sec); c++)
		if (strcmp(hp_section_column_key(sec, c), key) == 0)
			return c;
	ck_abort_msg("no column %s", key);
	return 0;
}

/* The reporter: keeps every row of the Functions section. */
static int grab(const hp_snapshot *s, void *data, char **cause)
{
	const hp_section *sec = hp_snapshot_find(s, "functions");

	(void)data;
	(void)cause;
	nrows = 0;
	if (sec == NULL)
		return 0;
	for (size_t r = 0; r < hp_section_nrows(sec) && nrows < 512; r++) {
		row *w = &rows[nrows++];
		const char *file = hp_section_text(sec, r, col(sec, "file"));
		snprintf(w->name, sizeof(w->name), "%s", hp_section_text(sec, r, col(sec, "name")));
		snprintf(w->file, sizeof(w->file), "%s", file ? file : "");
		w->calls = hp_section_int(sec, r, col(sec, "calls"));
		w->avg = hp_section_int(sec, r, col(sec, "avg"));
		w->max = hp_section_int(sec, r, col(sec, "max"));
		w->total = hp_section_int(sec, r, col(sec, "total"));
		w->line = hp_section_has(sec, r, col(sec, "line"))
			      ? hp_section_int(sec, r, col(sec, "line")) : 0;
	}
	return 0;
}

static const hp_reporter grabber = {"grab", grab};

static hp_guard *start(void)
{
	hp_guard_builder *b = hp_guard_builder_new("test_auto");

	hp_guard_builder_format(b, HP_FORMAT_NONE);
	hp_guard_builder_limit(b, 0);
	hp_guard_builder_reporter(b, &grabber, NULL);
	return hp_guard_builder_build(b);
}

static const row *find(const char *name)
{
	for (size_t i = 0; i < nrows; i++)
		if (strcmp(rows[i].name, name) == 0)
			return &rows[i];
	return NULL;
}

static int64_t calls(const char *name)
{
	const row *r = find(name);

	return r ? r->calls : 0;
}

static bool ends_with(const char *s, const char *tail)
{
	size_t n = strlen(s), m = strlen(tail);

	return n >= m && strcmp(s + n - m, tail) == 0;
}

static void setup(void)
{
	setenv("HOTPATH_CONFIG", "/dev/null", 1);
	setenv("HOTPATH_PUB", "off", 1);
	setenv("HOTPATH_QUERY", "off", 1);
	unsetenv("HOTPATH_TIMING_INCLUDE");
	unsetenv("HOTPATH_TIMING_EXCLUDE");
}

/* A recursive function's outermost call holds all of its time: Total is
 * exactly the longest call, and no call is lost. */
static void check_fib10(void)
{
	const row *r = find("subject::sub_fib");

	ck_assert_ptr_nonnull(r);
	ck_assert_int_eq(r->calls, 177);
	ck_assert_int_eq(r->total, r->max);
	ck_assert_int_eq(calls("subject::sub_fib_run"), 1);
}

START_TEST(static_function_names_in_a_pie)
{
	hp_guard *g = start();
	unsigned char ehdr[18];
	const row *r;
	int fd;

	ck_assert_ptr_nonnull(g);
	ck_assert_int_eq(sub_calls(7), 3 * 21 + 7);
	hp_guard_end(g);
	r = find("subject::sub_leaf");
	ck_assert_ptr_nonnull(r);
	ck_assert_int_eq(r->calls, 7);
	ck_assert_msg(ends_with(r->file, "tests/auto/subject.c"), "file %s", r->file);
	ck_assert_int_eq(r->line, sub_leaf_line);
	ck_assert_int_eq(calls("subject::sub_calls"), 1);
	/* and the program is a PIE (ET_DYN), where addresses move */
	fd = open("/proc/self/exe", O_RDONLY);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(read(fd, ehdr, sizeof(ehdr)), (int)sizeof(ehdr));
	close(fd);
	ck_assert_int_eq(ehdr[16] | ehdr[17] << 8, 3);
}
END_TEST

START_TEST(recursion_counts_every_call_and_total_once)
{
	hp_guard *g = start();
	const row *r;

	ck_assert_int_eq(sub_fib_run(15), 610);
	hp_guard_end(g);
	r = find("subject::sub_fib");
	ck_assert_ptr_nonnull(r);
	ck_assert_int_eq(r->calls, 1973); /* 2 * F(16) - 1 */
	ck_assert_int_eq(r->total, r->max);
	ck_assert_int_le(r->total, find("subject::sub_fib_run")->total);
}
END_TEST

START_TEST(longjmp_out_of_instrumented_frames)
{
	hp_guard *g = start();
	const row *r;

	ck_assert_int_eq(sub_jump(5, 4), 1);
	ck_assert_int_eq(sub_rjump(6), 1);
	ck_assert_int_eq(sub_rjump(6), 1);
	sub_fib_run(10);
	hp_guard_end(g);
	/* left by longjmp: never returned, never counted */
	ck_assert_ptr_null(find("subject::sub_dive"));
	ck_assert_int_eq(calls("subject::sub_jump"), 1);
	ck_assert_int_eq(calls("subject::sub_calls"), 1);
	ck_assert_int_eq(calls("subject::sub_leaf"), 4);
	/* the outermost activation returned, twice; the inner ones were
	 * dropped, and are not taken for open recursion afterwards */
	r = find("subject::sub_rjump_in");
	ck_assert_ptr_nonnull(r);
	ck_assert_int_eq(r->calls, 2);
	ck_assert_int_ge(r->total, r->avg * 2);
	ck_assert_int_eq(calls("subject::sub_rjump"), 2);
	check_fib10();
}
END_TEST

START_TEST(cxx_exception_through_instrumented_frames)
{
	hp_guard *g = start();

	ck_assert_int_eq(cxx_throw_run(3, 5), 1);
	sub_fib_run(10);
	hp_guard_end(g);
	/* GCC runs the exit hook of each frame the exception unwinds */
	ck_assert_int_eq(calls("subject_cxx::thrower(int)"), 4);
	ck_assert_int_eq(calls("subject_cxx::cxx_throw_run"), 1);
	ck_assert_int_eq(calls("subject_cxx::shapes::Box::area() const"), 5);
	check_fib10();
}
END_TEST

START_TEST(hp_skip_leaves_a_function_out)
{
	hp_guard *g = start();

	ck_assert_int_eq(sub_skipped(1), 2);
	ck_assert_int_eq(sub_calls(2), 5);
	hp_guard_end(g);
	ck_assert_int_eq(calls("subject::sub_calls"), 1);
	for (size_t i = 0; i < nrows; i++)
		ck_assert_msg(strstr(rows[i].name, "skipped") == NULL, "%s", rows[i].name);
}
END_TEST

/* The Functions section names a manual HP_MEASURE next to auto sites. */
static void manual(void)
{
	HP_MEASURE();
	sub_calls(3);
}

START_TEST(manual_and_auto_mix)
{
	hp_guard *g = start();

	manual();
	hp_guard_end(g);
	ck_assert_int_eq(calls("test_auto::manual"), 1);
	ck_assert_int_eq(calls("subject::sub_calls"), 1);
	ck_assert_int_eq(calls("subject::sub_leaf"), 3);
	ck_assert_msg(ends_with(find("test_auto::manual")->file, "test_auto.c"), "manual file");
}
END_TEST

START_TEST(function_in_a_dlopened_module)
{
	hp_guard *g = start();
	void *h = dlopen(HP_BUILDDIR "/tests/auto/.libs/dlsubject.so", RTLD_NOW | RTLD_LOCAL);
	int (*sq)(int);
	const row *r;

	ck_assert_msg(h != NULL, "%s", dlerror());
	*(void **)&sq = dlsym(h, "dl_square");
	ck_assert_ptr_nonnull(sq);
	for (int i = 0; i < 4; i++)
		ck_assert_int_eq(sq(i), i * i);
	hp_guard_end(g);
	r = find("dlsubject::dl_square");
	ck_assert_ptr_nonnull(r);
	ck_assert_int_eq(r->calls, 4);
	ck_assert_msg(ends_with(r->file, "tests/auto/dlsubject.c"), "file %s", r->file);
	ck_assert_int_gt(r->line, 0);
	ck_assert_int_eq(calls("dlsubject::dl_helper"), 4);
	dlclose(h);
}
END_TEST

static char warned[4][512];
static int nwarned;

static void sink(const char *line, void *data)
{
	(void)data;
	if (nwarned < 4)
		snprintf(warned[nwarned++], sizeof(warned[0]), "%s", line);
}

START_TEST(include_and_exclude_filters)
{
	hp_guard *g;
	char path[] = "/tmp/hp_auto_XXXXXX";
	FILE *f;
	int fd;

	/* a glob from the environment */
	setenv("HOTPATH_TIMING_EXCLUDE", "*::sub_leaf", 1);
	g = start();
	sub_calls(5);
	sub_calls(5); /* sub_leaf is now off on the hot path too */
	hp_guard_end(g);
	ck_assert_int_eq(calls("subject::sub_calls"), 2);
	ck_assert_ptr_null(find("subject::sub_leaf"));
	/* the next guard, without filters, measures it again */
	unsetenv("HOTPATH_TIMING_EXCLUDE");
	g = start();
	sub_calls(5);
	hp_guard_end(g);
	ck_assert_int_eq(calls("subject::sub_leaf"), 5);
	/* a regex to include */
	setenv("HOTPATH_TIMING_INCLUDE", "/fib/", 1);
	g = start();
	sub_calls(5);
	sub_fib_run(10);
	hp_guard_end(g);
	check_fib10();
	ck_assert_uint_eq(nrows, 2);
	unsetenv("HOTPATH_TIMING_INCLUDE");
	/* hotpath.yaml, with a bad regex named by file:line:column */
	fd = mkstemp(path);
	ck_assert_int_ge(fd, 0);
	f = fdopen(fd, "w");
	fputs("collectors:\n  timing:\n    exclude: ['/^subject::sub_(leaf|calls)$/', '/(/']\n", f);
	fclose(f);
	setenv("HOTPATH_CONFIG", path, 1);
	hpi_warn_set_sink(sink, NULL);
	g = start();
	sub_calls(5);
	sub_fib_run(10);
	hp_guard_end(g);
	hpi_warn_set_sink(NULL, NULL);
	unlink(path);
	setenv("HOTPATH_CONFIG", "/dev/null", 1);
	check_fib10();
	ck_assert_ptr_null(find("subject::sub_leaf"));
	ck_assert_ptr_null(find("subject::sub_calls"));
	ck_assert_int_eq(nwarned, 1);
	ck_assert_msg(strstr(warned[0], ":3:48: collectors.timing.exclude[1]: bad regular "
				       "expression /(/: ") != NULL, "%s", warned[0]);
}
END_TEST

static void *worker(void *arg)
{
	(void)arg;
	sub_calls(1000);
	return NULL;
}

START_TEST(four_threads_exact_counts)
{
	hp_guard *g = start();
	pthread_t t[4];

	for (int i = 0; i < 4; i++)
		ck_assert_int_eq(pthread_create(&t[i], NULL, worker, NULL), 0);
	for (int i = 0; i < 4; i++)
		pthread_join(t[i], NULL);
	hp_guard_end(g);
	ck_assert_int_eq(calls("subject::sub_leaf"), 4000);
	ck_assert_int_eq(calls("subject::sub_calls"), 4);
}
END_TEST

START_TEST(fork_child_and_parent_count_their_own)
{
	hp_guard *g = start();
	int status = -1;
	pid_t pid;

	sub_calls(3);
	if ((pid = fork()) == 0) {
		/* not profiled until a guard of its own */
		sub_calls(50);
		g = start();
		sub_calls(2);
		hp_guard_end(g);
		_exit(calls("subject::sub_leaf") == 2 && calls("subject::sub_calls") == 1 ? 0 : 1);
	}
	ck_assert_int_gt(pid, 0);
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) == 0, "child counts wrong");
	sub_calls(4);
	hp_guard_end(g);
	ck_assert_int_eq(calls("subject::sub_leaf"), 7);
	ck_assert_int_eq(calls("subject::sub_calls"), 2);
}
END_TEST

static Suite *auto_suite(void)
{
	Suite *s = suite_create("auto");
	TCase *tc = tcase_create("core");

	tcase_add_checked_fixture(tc, setup, NULL);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, static_function_names_in_a_pie);
	tcase_add_test(tc, recursion_counts_every_call_and_total_once);
	tcase_add_test(tc, longjmp_out_of_instrumented_frames);
	tcase_add_test(tc, cxx_exception_through_instrumented_frames);
	tcase_add_test(tc, hp_skip_leaves_a_function_out);
	tcase_add_test(tc, manual_and_auto_mix);
	tcase_add_test(tc, function_in_a_dlopened_module);
	tcase_add_test(tc, include_and_exclude_filters);
	tcase_add_test(tc, four_threads_exact_counts);
	tcase_add_test(tc, fork_child_and_parent_count_their_own);
	suite_add_tcase(s, tc);
	return s;
}

HP_TEST_MAIN(auto_suite)
