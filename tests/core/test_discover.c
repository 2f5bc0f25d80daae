/* SPDX-License-Identifier: MIT */
/*
 * test_discover.c - the description files (core/discover.c): what is
 * written byte for byte, what a reader accepts and refuses, the folder's
 * checks, listing with and without pruning, liveness with a reused pid,
 * and picking a program by pid or name.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "discover.h"
#include "hpi.h"

static char dir[64];

/* A fresh folder, mode 0700, for each test. */
static void setup(void)
{
	snprintf(dir, sizeof(dir), "/tmp/test_discover.XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(dir));
	chmod(dir, 0700);
}

static void teardown(void)
{
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	ck_assert_int_eq(system(cmd), 0);
}

/* The whole of dir/name, or NULL. */
static char *slurp(const char *name)
{
	char path[256], *buf = calloc(1, 4096);
	FILE *f;
	size_t n;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	if ((f = fopen(path, "r")) == NULL) {
		free(buf);
		return NULL;
	}
	n = fread(buf, 1, 4095, f);
	buf[n] = '\0';
	fclose(f);
	return buf;
}

/* Whether dir/name exists. */
static bool exists(const char *name)
{
	char path[256];

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	return access(path, F_OK) == 0;
}

/* Writes text as dir/name. */
static void put(const char *name, const char *text)
{
	char path[256];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	ck_assert_ptr_nonnull(f = fopen(path, "w"));
	fputs(text, f);
	fclose(f);
}

/* A pid that no process has now: a child that has been waited for. */
static long dead_pid(void)
{
	pid_t p = fork();

	if (p == 0)
		_exit(0);
	waitpid(p, NULL, 0);
	return (long)p;
}

START_TEST(write_exact)
{
	char s1[] = "functions", s2[] = "th\"reads", prog[] = "live", caller[] = "live::main",
	     ep[] = "ipc:///x/4242.pub";
	char *sections[] = {s1, s2};
	hpi_program p = {.pid = 4242, .program = prog, .caller = caller,
			 .start_unix_ns = 1764100000000000000ull, .proc_start = 1149102,
			 .endpoint = ep, .query = NULL, .sections = sections, .nsections = 2};
	char *cause = NULL, *text;
	struct stat st;
	char path[128];

	ck_assert_int_eq(hpi_discover_write(dir, &p, &cause), 0);
	text = slurp("4242.json");
	ck_assert_str_eq(text, "{\"type\":\"hotpath_program\",\"schema\":1,\"pid\":4242,"
			       "\"program\":\"live\",\"caller\":\"live::main\","
			       "\"start_unix_ns\":1764100000000000000,\"proc_start\":1149102,"
			       "\"endpoint\":\"ipc:///x/4242.pub\",\"query\":null,"
			       "\"sections\":[\"functions\",\"th\\\"reads\"]}\n");
	free(text);
	snprintf(path, sizeof(path), "%s/4242.json", dir);
	ck_assert_int_eq(stat(path, &st), 0);
	ck_assert_int_eq(st.st_mode & 0777, 0600);
	ck_assert_ptr_null(slurp(".4242.json.tmp"));
}
END_TEST

START_TEST(parse_round_trip_and_unknown_keys)
{
	const char *t = "{\"type\":\"hotpath_program\",\"schema\":2,\"pid\":7,\"program\":\"a\\u0041\\n\","
			"\"future\":{\"x\":[1,2.5e3,true,null,{\"y\":\"z\"}]},\"caller\":null,"
			"\"start_unix_ns\":5,\"proc_start\":6,\"endpoint\":\"tcp://h:1\","
			"\"query\":\"tcp://h:2\",\"sections\":[]} ";
	hpi_program p;

	ck_assert_int_eq(hpi_discover_parse(t, strlen(t), &p), 0);
	ck_assert_int_eq(p.pid, 7);
	ck_assert_int_eq(p.schema, 2);
	ck_assert_str_eq(p.program, "aA\n");
	ck_assert_ptr_null(p.caller);
	ck_assert_uint_eq(p.start_unix_ns, 5);
	ck_assert_uint_eq(p.proc_start, 6);
	ck_assert_str_eq(p.endpoint, "tcp://h:1");
	ck_assert_str_eq(p.query, "tcp://h:2");
	ck_assert_uint_eq(p.nsections, 0);
	hpi_program_fini(&p);
}
END_TEST

START_TEST(parse_refuses)
{
	static const char *const bad[] = {
		"",
		"[]",
		"{\"schema\":1,\"pid\":7,\"program\":\"a\"}",                    /* no endpoint */
		"{\"schema\":1,\"program\":\"a\",\"endpoint\":\"e\"}",          /* no pid */
		"{\"pid\":7,\"program\":\"a\",\"endpoint\":\"e\"}",             /* no schema */
		"{\"schema\":1,\"pid\":0,\"program\":\"a\",\"endpoint\":\"e\"}",
		"{\"schema\":1,\"pid\":-3,\"program\":\"a\",\"endpoint\":\"e\"}",
		"{\"schema\":1,\"pid\":7,\"program\":\"a\\u0000\",\"endpoint\":\"e\"}",
		"{\"schema\":1,\"pid\":7,\"program\":\"a\",\"endpoint\":\"e\"} x",
		"{\"schema\":1,\"pid\":7,\"program\":\"a\",\"endpoint\":\"e\",\"sections\":[1]}",
		"{\"schema\":1,\"pid\":7,\"program\":\"a\",\"endpoint\":\"e\"",
		"{\"schema\":1,\"pid\":99999999999,\"program\":\"a\",\"endpoint\":\"e\"}",
	};
	hpi_program p;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		ck_assert_msg(hpi_discover_parse(bad[i], strlen(bad[i]), &p) == -1, "accepted: %s",
			      bad[i]);
		ck_assert_ptr_null(p.program);
	}
}
END_TEST

START_TEST(prepare_checks)
{
	char sub[128], *cause = NULL, want[256];

	snprintf(sub, sizeof(sub), "%s/hp", dir);
	ck_assert_int_eq(hpi_discover_prepare(sub, false, &cause), -1);
	free(cause);
	cause = NULL;
	ck_assert_int_eq(hpi_discover_prepare(sub, true, &cause), 0);
	chmod(sub, 0755);
	ck_assert_int_eq(hpi_discover_prepare(sub, true, &cause), -1);
	snprintf(want, sizeof(want), "%s has mode 0755, not 0700", sub);
	ck_assert_str_eq(cause, want);
	free(cause);
	cause = NULL;
	rmdir(sub);
	ck_assert_int_eq(symlink(dir, sub), 0);
	ck_assert_int_eq(hpi_discover_prepare(sub, true, &cause), -1);
	snprintf(want, sizeof(want), "%s is not a folder", sub);
	ck_assert_str_eq(cause, want);
	free(cause);
	unlink(sub);
}
END_TEST

START_TEST(list_prunes_the_dead_and_the_reused)
{
	hpi_program *v = NULL;
	size_t n = 9, pruned = 9;
	char *cause = NULL, text[512], name[64];
	long dead = dead_pid(), me = (long)getpid();
	uint64_t mine = hpi_discover_proc_start(me);

	ck_assert_uint_ne(mine, 0);
	/* alive, right start time: listed */
	snprintf(text, sizeof(text), "{\"schema\":1,\"pid\":%ld,\"program\":\"me\",\"proc_start\":%llu,"
		 "\"endpoint\":\"ipc:///me\",\"sections\":[\"functions\"]}", me,
		 (unsigned long long)mine);
	snprintf(name, sizeof(name), "%ld.json", me);
	put(name, text);
	snprintf(name, sizeof(name), "%ld.pub", me);
	put(name, "");
	/* dead: its three files go */
	snprintf(text, sizeof(text), "{\"schema\":1,\"pid\":%ld,\"program\":\"gone\","
		 "\"endpoint\":\"ipc:///gone\"}", dead);
	snprintf(name, sizeof(name), "%ld.json", dead);
	put(name, text);
	snprintf(name, sizeof(name), "%ld.query", dead);
	put(name, "");
	snprintf(name, sizeof(name), ".%ld.json.tmp", dead);
	put(name, "");
	/* not ours: left alone */
	put("notes.txt", "x");
	ck_assert_int_eq(hpi_discover_list(dir, 0, &v, &n, &pruned, &cause), 0);
	ck_assert_uint_eq(n, 1);
	ck_assert_uint_eq(pruned, 0);
	hpi_discover_free(v, n);
	ck_assert_int_eq(hpi_discover_list(dir, HPI_DISCOVER_PRUNE, &v, &n, &pruned, &cause), 0);
	ck_assert_uint_eq(n, 1);
	ck_assert_uint_eq(pruned, 3);
	ck_assert_int_eq(v[0].pid, me);
	ck_assert_str_eq(v[0].program, "me");
	ck_assert_uint_eq(v[0].nsections, 1);
	ck_assert_str_eq(v[0].sections[0], "functions");
	ck_assert_ptr_nonnull(strstr(v[0].path, ".json"));
	hpi_discover_free(v, n);
	/* the same pid with another start time: a reused pid, pruned */
	snprintf(text, sizeof(text), "{\"schema\":1,\"pid\":%ld,\"program\":\"me\",\"proc_start\":%llu,"
		 "\"endpoint\":\"ipc:///me\"}", me, (unsigned long long)mine + 1);
	snprintf(name, sizeof(name), "%ld.json", me);
	put(name, text);
	ck_assert(!hpi_discover_alive(me, mine + 1));
	ck_assert(hpi_discover_alive(me, mine));
	ck_assert(hpi_discover_alive(me, 0));
	ck_assert(!hpi_discover_alive(dead, 0));
	ck_assert_int_eq(hpi_discover_list(dir, HPI_DISCOVER_PRUNE, &v, &n, &pruned, &cause), 0);
	ck_assert_uint_eq(n, 0);
	ck_assert_uint_eq(pruned, 1);
	hpi_discover_free(v, n);
	/* the live pid's socket stays (it may be describing itself) */
	snprintf(name, sizeof(name), "%ld.pub", me);
	ck_assert_msg(exists(name), "the live pid's socket was removed");
	ck_assert(exists("notes.txt"));
}
END_TEST

START_TEST(missing_folder_lists_none)
{
	char sub[128], *cause = NULL;
	hpi_program *v = (hpi_program *)1;
	size_t n = 9;

	snprintf(sub, sizeof(sub), "%s/none", dir);
	ck_assert_int_eq(hpi_discover_list(sub, HPI_DISCOVER_PRUNE, &v, &n, NULL, &cause), 0);
	ck_assert_ptr_null(v);
	ck_assert_uint_eq(n, 0);
	chmod(dir, 0777);
	ck_assert_int_eq(hpi_discover_list(dir, 0, &v, &n, NULL, &cause), -1);
	ck_assert_ptr_nonnull(strstr(cause, "has mode 0777, not 0700"));
	free(cause);
	chmod(dir, 0700);
}
END_TEST

START_TEST(find_by_pid_or_name)
{
	char a[] = "a", b[] = "b";
	hpi_program v[3] = {{.pid = 10, .program = a}, {.pid = 11, .program = b},
			    {.pid = 12, .program = a}};

	ck_assert_int_eq(hpi_discover_find(v, 3, "11"), 1);
	ck_assert_int_eq(hpi_discover_find(v, 3, "13"), -1);
	ck_assert_int_eq(hpi_discover_find(v, 3, "b"), 1);
	ck_assert_int_eq(hpi_discover_find(v, 3, "a"), -2);
	ck_assert_int_eq(hpi_discover_find(v, 3, "c"), -1);
	ck_assert_int_eq(hpi_discover_find(v, 2, "a"), 0);
}
END_TEST

static Suite *discover_suite(void)
{
	Suite *s = suite_create("discover");
	TCase *tc = tcase_create("core");

	tcase_set_timeout(tc, 10);
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, write_exact);
	tcase_add_test(tc, parse_round_trip_and_unknown_keys);
	tcase_add_test(tc, parse_refuses);
	tcase_add_test(tc, prepare_checks);
	tcase_add_test(tc, list_prunes_the_dead_and_the_reused);
	tcase_add_test(tc, missing_folder_lists_none);
	tcase_add_test(tc, find_by_pid_or_name);
	suite_add_tcase(s, tc);
	return s;
}

/* Runs the suite (CK_FORK=no to debug); nonzero exit on failure. */
int main(void)
{
	SRunner *sr = srunner_create(discover_suite());
	int nf;

	srunner_run_all(sr, CK_ENV);
	nf = srunner_ntests_failed(sr);
	srunner_free(sr);
	return nf == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
