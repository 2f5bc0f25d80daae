/* SPDX-License-Identifier: MIT */
/*
 * test_guard.c - the life of a guard: one at a time, report at end, at
 * exit(), on timeout, on a signal, and what a fork child does.
 */
#include "config.h"

#include <check.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "hpi.h"
#include "../testlib.h"

static char warned[4096];

static void sink(const char *line, void *data)
{
	(void)data;
	strncat(warned, line, sizeof(warned) - strlen(warned) - 2);
	strcat(warned, "\n");
}

static char outpath[64];

static char pub[64], query[64];

#if defined(__SANITIZE_ADDRESS__)
/* LeakSanitizer's check at exit, in a fork child of a process with other
 * threads (the collector, nng's), can wait forever on an allocator lock a
 * parent thread held at fork time (2 runs in 15 here).  The children these
 * tests fork therefore leave right after hotpath's exit handlers with their
 * own status, before that check; check-valgrind covers their leaks. */
static int fork_depth;

static void child_atfork(void)
{
	fork_depth++;
}

static void child_skip_leak_check(int status, void *arg)
{
	const char *f = getenv("CK_FORK");
	int ours = f != NULL && strcmp(f, "no") == 0 ? 1 : 2; /* Check forks too */

	(void)arg;
	if (fork_depth >= ours)
		_exit(status);
}

/* Before any guard: on_exit handlers run last-registered first, so this
 * one runs after the guard's report at exit. */
__attribute__((constructor)) static void child_hooks(void)
{
	pthread_atfork(NULL, NULL, child_atfork);
	on_exit(child_skip_leak_check, NULL);
}
#endif

/* Each test: a fresh config and a JSON report in a temp file. */
static void setup(void)
{
	int fd;

	strcpy(outpath, "/tmp/hp_guard_XXXXXX");
	fd = mkstemp(outpath);
	ck_assert_int_ge(fd, 0);
	close(fd);
	setenv("HOTPATH_CONFIG", "/dev/null", 1);
	setenv("HOTPATH_FORMAT", "json", 1);
	setenv("HOTPATH_OUTPUT", outpath, 1);
	/* guards publish (a fork with a live publisher is part of what is
	 * tested), on endpoints of this process alone: tests run side by side */
	snprintf(pub, sizeof(pub), "ipc:///tmp/hp_guard_%ld.pub", (long)getpid());
	snprintf(query, sizeof(query), "ipc:///tmp/hp_guard_%ld.query", (long)getpid());
	setenv("HOTPATH_PUB", pub, 1);
	setenv("HOTPATH_QUERY", query, 1);
	warned[0] = '\0';
	hpi_warn_set_sink(sink, NULL);
}

static void teardown(void)
{
	unlink(outpath);
	unlink(pub + strlen("ipc://"));
	unlink(query + strlen("ipc://"));
}

static void __attribute__((noinline)) work(void)
{
	HP_MEASURE_NAMED("guard::work");
	__asm__ __volatile__("" ::: "memory");
}

/* The JSON file at path read with the library's reader, or NULL. */
static hpi_json *json_file(const char *path)
{
	FILE *f = fopen(path, "r");
	char buf[1 << 16];
	size_t n = f ? fread(buf, 1, sizeof(buf), f) : 0;

	if (f != NULL)
		fclose(f);
	return n > 0 && n < sizeof(buf) ? hpi_json_parse(buf, n, HPI_JSON_TOP_CONTAINER, 0, NULL)
					: NULL;
}

/* calls of guard::work in the JSON report at path, -1 if absent, -2 if no
 * report. */
static long long report_calls_at(const char *path)
{
	hpi_json *doc = json_file(path);
	long long calls = -1;

	if (doc == NULL)
		return -2;
	HPI_JSON_FOREACH(hpi_json_get(hpi_json_root(doc), "sections"), sec) {
		if (strcmp(hpi_json_str(hpi_json_get(sec, "id")), "functions") != 0)
			continue;
		HPI_JSON_FOREACH(hpi_json_get(sec, "rows"), row) {
			const hpi_jv *c = hpi_json_get(row, "calls");

			if (strcmp(hpi_json_str(hpi_json_get(row, "name")), "guard::work") == 0)
				calls = hpi_json_is(c, HPI_JSON_INT) ? c->v.i : 0;
		}
	}
	hpi_json_free(doc);
	return calls;
}

/* The same at outpath. */
static long long report_calls(void)
{
	return report_calls_at(outpath);
}

START_TEST(one_guard_at_a_time)
{
	hp_guard *a = hp_guard_builder_build(hp_guard_builder_new("first"));
	hp_guard *b = hp_guard_builder_build(hp_guard_builder_new("second"));

	ck_assert_ptr_nonnull(a);
	ck_assert_ptr_null(b);
	ck_assert_str_eq(warned, "a guard is already alive (\"first\"); \"second\" is not started\n");
	work();
	hp_guard_end(a);
	ck_assert_int_eq(report_calls(), 1);
	/* and once it has ended, a new one may start */
	a = hp_guard_builder_build(hp_guard_builder_new("third"));
	ck_assert_ptr_nonnull(a);
	hp_guard_end(a);
}
END_TEST

START_TEST(report_at_exit)
{
	pid_t pid = fork();
	int st;

	if (pid == 0) {
		hp_guard_builder_build(hp_guard_builder_new("exiting"));
		work();
		work();
		work();
		exit(3);
	}
	ck_assert_int_eq(waitpid(pid, &st, 0), pid);
	ck_assert(WIFEXITED(st));
	ck_assert_int_eq(WEXITSTATUS(st), 3);
	ck_assert_int_eq(report_calls(), 3);
}
END_TEST

START_TEST(timeout_reports_then_exits_zero)
{
	pid_t pid = fork();
	int st;

	if (pid == 0) {
		/* 500 ms: a loaded sanitizer build once took 100 ms to get
		 * from the deadline being set to the calls below */
		hp_guard_builder_build_with_timeout(hp_guard_builder_new("timed"), 500);
		for (int i = 0; i < 5; i++)
			work();
		for (;;)
			pause();
	}
	ck_assert_int_eq(waitpid(pid, &st, 0), pid);
	ck_assert(WIFEXITED(st));
	ck_assert_int_eq(WEXITSTATUS(st), 0);
	ck_assert_int_eq(report_calls(), 5);
}
END_TEST

START_TEST(signal_reports_when_asked)
{
	int fds[2];
	pid_t pid;
	int st;
	char c;

	ck_assert_int_eq(pipe(fds), 0);
	setenv("HOTPATH_REPORT_ON_SIGNAL", "true", 1);
	if ((pid = fork()) == 0) {
		signal(SIGTERM, SIG_DFL); /* Check's own handler would be left alone */
		hp_guard_builder_build(hp_guard_builder_new("signalled"));
		for (int i = 0; i < 4; i++)
			work();
		write(fds[1], "r", 1);
		for (;;)
			pause();
	}
	ck_assert_int_eq(read(fds[0], &c, 1), 1);
	kill(pid, SIGTERM);
	ck_assert_int_eq(waitpid(pid, &st, 0), pid);
	ck_assert(WIFSIGNALED(st));
	ck_assert_int_eq(WTERMSIG(st), SIGTERM);
	ck_assert_int_eq(report_calls(), 4);
}
END_TEST

#ifndef __SANITIZE_ADDRESS__
/* The child of a fork profiles and reports nothing; the parent counts only
 * its own calls, and nobody deadlocks. */
START_TEST(fork_child_is_inert)
{
	hp_guard *g = hp_guard_builder_build(hp_guard_builder_new("forking"));
	pid_t pid;
	int st;

	for (int i = 0; i < 10; i++)
		work();
	if ((pid = fork()) == 0) {
		for (int i = 0; i < 100; i++)
			work();
		hp_guard_end(g);
		exit(7);
	}
	ck_assert_int_eq(waitpid(pid, &st, 0), pid);
	ck_assert(WIFEXITED(st));
	ck_assert_int_eq(WEXITSTATUS(st), 7);
	ck_assert_int_eq(report_calls(), -2); /* the child wrote no report */
	work();
	hp_guard_end(g);
	ck_assert_int_eq(report_calls(), 11);
}
END_TEST

/* report.fork: child: the child's own guard counts from zero and reports to
 * outpath.<pid> when the child ends the guard it holds (the parent's copy);
 * a grandchild that only exit()s reports to outpath.<its pid>. */
START_TEST(fork_child_reports_its_own)
{
	hp_guard *g;
	char child[96], grand[96];
	pid_t pid;
	int st, p[2];

	setenv("HOTPATH_FORK", "child", 1);
	g = hp_guard_builder_build(hp_guard_builder_new("forking"));
	ck_assert_ptr_nonnull(g);
	for (int i = 0; i < 10; i++)
		work();
	ck_assert_int_eq(pipe(p), 0);
	if ((pid = fork()) == 0) {
		pid_t gp;
		for (int i = 0; i < 100; i++)
			work();
		if ((gp = fork()) == 0) {
			for (int i = 0; i < 5; i++)
				work();
			exit(0);
		}
		if (write(p[1], &gp, sizeof(gp)) != (ssize_t)sizeof(gp) ||
		    waitpid(gp, &st, 0) != gp || !WIFEXITED(st))
			exit(1);
		hp_guard_end(g);
		exit(7);
	}
	ck_assert_int_eq(waitpid(pid, &st, 0), pid);
	ck_assert(WIFEXITED(st));
	ck_assert_int_eq(WEXITSTATUS(st), 7);
	ck_assert_int_eq(report_calls(), -2); /* the parent has not reported yet */
	snprintf(child, sizeof child, "%s.%ld", outpath, (long)pid);
	ck_assert_int_eq(report_calls_at(child), 100);
	ck_assert_int_eq(read(p[0], &pid, sizeof(pid)), (ssize_t)sizeof(pid));
	snprintf(grand, sizeof grand, "%s.%ld", outpath, (long)pid);
	ck_assert_int_eq(report_calls_at(grand), 5);
	unlink(child);
	unlink(grand);
	work();
	hp_guard_end(g);
	ck_assert_int_eq(report_calls(), 11);
	unsetenv("HOTPATH_FORK");
}
END_TEST
#endif /* __SANITIZE_ADDRESS__: see the suite */

/* ".<pid>" goes before the extension of the file name, not of a folder. */
START_TEST(pid_path)
{
	char *s;

	ck_assert_str_eq((s = hpi_guard_pid_path("out/report.json", 42)), "out/report.42.json");
	free(s);
	ck_assert_str_eq((s = hpi_guard_pid_path("a.d/report", 42)), "a.d/report.42");
	free(s);
	ck_assert_str_eq((s = hpi_guard_pid_path(".report", 7)), ".report.7");
	free(s);
	ck_assert_str_eq((s = hpi_guard_pid_path("r.tar.gz", 7)), "r.tar.7.gz");
	free(s);
}
END_TEST

/* exit() from inside the report (here a reporter) must not wait for itself. */
static int exiting_reporter(const hp_snapshot *s, void *data, char **cause)
{
	(void)s;
	(void)data;
	(void)cause;
	exit(5);
}

static const hp_reporter exiting = {"exiting", exiting_reporter};

START_TEST(exit_inside_the_report_does_not_hang)
{
	pid_t pid = fork();
	int st;

	if (pid == 0) {
		hp_guard_builder *b = hp_guard_builder_new("exits");
		hp_guard_builder_reporter(b, &exiting, NULL);
		hp_guard_end(hp_guard_builder_build(b));
		exit(1);
	}
	ck_assert_int_eq(waitpid(pid, &st, 0), pid);
	ck_assert(WIFEXITED(st));
	ck_assert_int_eq(WEXITSTATUS(st), 5);
}
END_TEST

/* A timeout too big for the clock means "never", not "now". */
START_TEST(huge_timeout_never_fires)
{
	hp_guard *g = hp_guard_builder_build_with_timeout(hp_guard_builder_new("huge"),
							  (unsigned long)-1);
	struct timespec ts = {0, 50000000};

	ck_assert_ptr_nonnull(g);
	nanosleep(&ts, NULL);
	work();
	hp_guard_end(g);
	ck_assert_int_eq(report_calls(), 1);
}
END_TEST

START_TEST(builder_checks_its_arguments)
{
	hp_guard_builder *b = hp_guard_builder_new("args");
	const double bad[] = {50, 101};

	ck_assert_int_eq(hp_guard_builder_percentiles(b, bad, 2), HP_ERANGE);
	ck_assert_str_eq(warned, "hp_guard_builder_percentiles: 101 is outside 0..100; ignored\n");
	ck_assert_int_eq(hp_guard_builder_script(b, ""), HP_EINVAL);
	ck_assert_int_eq(hp_guard_builder_script(NULL, "x.lua"), HP_EINVAL);
	ck_assert_int_eq(hp_guard_builder_script(b, "x.lua"), 0);
	ck_assert_int_eq(hp_guard_builder_format(b, (hp_format)42), HP_EINVAL);
	ck_assert_int_eq(hp_guard_builder_output(b, ""), HP_EINVAL);
	ck_assert_int_eq(hp_guard_builder_reporter(b, NULL, NULL), HP_EINVAL);
	hp_guard_builder_free(b);
	hp_guard_builder_free(NULL);
	hp_guard_end(NULL);
	ck_assert_ptr_null(hp_guard_builder_build(NULL));
}
END_TEST

#ifdef HAVE_LUA
/* A builder's Lua script runs after the built-in report, on the same
 * snapshot; one that is missing is one [hotpath] line, nothing more. */
START_TEST(builder_script_runs)
{
	char script[] = "/tmp/hp_guard_lua_XXXXXX", seen[] = "/tmp/hp_guard_seen_XXXXXX";
	char line[128] = "";
	FILE *f;
	int fd = mkstemp(script);
	hp_guard_builder *b = hp_guard_builder_new("scripted");

	ck_assert_int_ge(fd, 0);
	close(fd);
	ck_assert_int_ge((fd = mkstemp(seen)), 0);
	close(fd);
	f = fopen(script, "w");
	fprintf(f, "return function(r)\n"
		   "  local f = assert(io.open(\"%s\", \"w\"))\n"
		   "  f:write(r.caller, \" \", r.sections[1].rows[1].calls)\n"
		   "  f:close()\n"
		   "end\n", seen);
	fclose(f);
	ck_assert_int_eq(hp_guard_builder_script(b, script), 0);
	ck_assert_int_eq(hp_guard_builder_script(b, "nosuch.lua"), 0);
	hp_guard *g = hp_guard_builder_build(b);
	work();
	work();
	hp_guard_end(g);
	ck_assert_int_eq(report_calls(), 2);
	f = fopen(seen, "r");
	ck_assert_ptr_nonnull(fgets(line, sizeof(line), f));
	fclose(f);
	ck_assert_str_eq(line, "scripted 2");
	ck_assert_ptr_nonnull(strstr(warned, "nosuch.lua: not found: "));
	unlink(script);
	unlink(seen);
}
END_TEST
#else
/* Built --without-lua: the report still comes, and a builder's script is
 * one [hotpath] line saying why it did not run. */
START_TEST(builder_script_runs)
{
	hp_guard_builder *b = hp_guard_builder_new("scripted");

	ck_assert_int_eq(hp_guard_builder_script(b, "csv"), 0);
	hp_guard *g = hp_guard_builder_build(b);
	work();
	hp_guard_end(g);
	ck_assert_int_eq(report_calls(), 1);
	ck_assert_str_eq(warned, "csv: not run: hotpath was built without Lua "
				 "(configure --without-lua)\n");
}
END_TEST
#endif

/* HP_MAIN's options, and HOTPATH_* winning over them. */
START_TEST(main_options_and_env_precedence)
{
	hp_main_options o = {.percentiles = "50,99.9", .format = HP_FORMAT_TABLE, .limit = 0};
	hp_guard *g;
	hpi_json *doc;
	const hpi_jv *root, *pcts;

	g = hp__main_start(&o, "dir/prog.c", "main");
	ck_assert_ptr_nonnull(g);
	work();
	hp__main_end(&g);
	ck_assert_ptr_null(g);
	doc = json_file(outpath); /* HOTPATH_FORMAT=json won */
	ck_assert_ptr_nonnull(doc);
	root = hpi_json_root(doc);
	ck_assert_str_eq(hpi_json_str(hpi_json_get(root, "caller")), "prog::main");
	pcts = hpi_json_get(root, "percentiles");
	ck_assert_int_eq(hpi_json_size(pcts), 2);
	ck_assert(hpi_json_is(hpi_json_at(pcts, 1), HPI_JSON_REAL));
	ck_assert(hpi_json_at(pcts, 1)->v.d == 99.9);
	hpi_json_free(doc);
}
END_TEST

static Suite *guard_suite(void)
{
	Suite *s = suite_create("guard");
	TCase *tc = tcase_create("core");

	tcase_set_timeout(tc, 30);
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, one_guard_at_a_time);
	tcase_add_test(tc, report_at_exit);
	tcase_add_test(tc, timeout_reports_then_exits_zero);
	tcase_add_test(tc, signal_reports_when_asked);
#ifndef __SANITIZE_ADDRESS__
	/* fork() while the collector, nng's and a fork child's publishing
	 * threads run: GCC 12's AddressSanitizer keeps its allocator's locks
	 * across fork(), so a child can wait for ever on a lock one of those
	 * threads held (CI's sanitizer stage timed out here once fork children
	 * started publishing); glibc's malloc is fork-safe, and the plain and
	 * valgrind runs keep both tests, as fork.sh and fork_live.sh do */
	tcase_add_test(tc, fork_child_is_inert);
	tcase_add_test(tc, fork_child_reports_its_own);
#endif
	tcase_add_test(tc, pid_path);
	tcase_add_test(tc, builder_checks_its_arguments);
	tcase_add_test(tc, exit_inside_the_report_does_not_hang);
	tcase_add_test(tc, huge_timeout_never_fires);
	tcase_add_test(tc, main_options_and_env_precedence);
	tcase_add_test(tc, builder_script_runs);
	suite_add_tcase(s, tc);
	return s;
}

HP_TEST_MAIN(guard_suite)
