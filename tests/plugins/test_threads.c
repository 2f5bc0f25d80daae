/* SPDX-License-Identifier: MIT */
/*
 * test_threads.c - the threads plugin: a thread that spins for 500 ms of
 * CPU shows that CPU time within 5 % of getrusage(RUSAGE_THREAD), alive at
 * report time or gone before it; hotpath's own threads are marked.
 */
#include "config.h"

#include <check.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#include "hpi.h"
#include "../testlib.h"

typedef struct throw {
	int found, collector_marked;
	int64_t cpu;
	char state[16];
	int64_t rss, nthreads;
} throw;

static int64_t cell(const hp_section *s, size_t r, const char *key)
{
	int c = hpi_section_col(s, key);

	return c < 0 ? -1 : hp_section_int(s, r, (size_t)c);
}

/* C reporter: the "spinner" row, the collector's mark, the process row. */
static int capture(const hp_snapshot *snap, void *data, char **cause)
{
	throw *w = data;
	const hp_section *s = hp_snapshot_find(snap, "threads");
	const hp_section *p = hp_snapshot_find(snap, "process");

	(void)cause;
	for (size_t r = 0; s && r < hp_section_nrows(s); r++) {
		const char *name = hp_section_text(s, r, 0);
		if (strcmp(name, "spinner") == 0) {
			w->found = 1;
			w->cpu = cell(s, r, "cpu");
			snprintf(w->state, sizeof(w->state), "%s",
				 hp_section_text(s, r, (size_t)hpi_section_col(s, "state")));
		}
		if (strcmp(name, "hp-collector") == 0)
			w->collector_marked = strcmp(hp_section_text(s, r,
			    (size_t)hpi_section_col(s, "hotpath")), "yes") == 0;
	}
	if (p != NULL && hp_section_nrows(p) == 1) {
		w->rss = cell(p, 0, "rss");
		w->nthreads = cell(p, 0, "threads");
	}
	return 0;
}

static const hp_reporter capture_reporter = {"capture", capture};

static int64_t spun_ns;
static pthread_barrier_t bar;
static int stay;

static int64_t thread_cpu(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static void *spinner(void *arg)
{
	struct rusage ru;
	volatile unsigned long x = 0;

	(void)arg;
	pthread_setname_np(pthread_self(), "spinner");
	HP_MEASURE_NAMED("spin"); /* registers the thread with hotpath */
	while (thread_cpu() < 500000000)
		x++;
	getrusage(RUSAGE_THREAD, &ru);
	spun_ns = (int64_t)ru.ru_utime.tv_sec * 1000000000 + ru.ru_utime.tv_usec * 1000 +
		  (int64_t)ru.ru_stime.tv_sec * 1000000000 + ru.ru_stime.tv_usec * 1000;
	if (stay) {
		pthread_barrier_wait(&bar);
		pthread_barrier_wait(&bar); /* alive until the report is written */
	}
	return NULL;
}

static void run(throw *w, int alive)
{
	hp_guard_builder *b = hp_guard_builder_new("test_threads");
	hp_guard *g;
	pthread_t t;

	setenv("HOTPATH_CONFIG", "/dev/null", 1);
	hp_guard_builder_format(b, HP_FORMAT_NONE);
	hp_guard_builder_reporter(b, &capture_reporter, w);
	g = hp_guard_builder_build(b);
	ck_assert_ptr_nonnull(g);
	stay = alive;
	pthread_barrier_init(&bar, NULL, 2);
	pthread_create(&t, NULL, spinner, NULL);
	if (alive)
		pthread_barrier_wait(&bar);
	else
		pthread_join(t, NULL);
	hp_guard_end(g);
	if (alive) {
		pthread_barrier_wait(&bar);
		pthread_join(t, NULL);
	}
}

START_TEST(spinning_thread_alive_at_report)
{
	throw w = {0};

	run(&w, 1);
	ck_assert_int_eq(w.found, 1);
	ck_assert_msg(llabs(w.cpu - spun_ns) <= spun_ns / 20, "cpu %lld vs getrusage %lld",
		      (long long)w.cpu, (long long)spun_ns);
	ck_assert_str_ne(w.state, "Exited");
	ck_assert_int_eq(w.collector_marked, 1);
	ck_assert_int_gt(w.rss, 0);
	ck_assert_int_ge(w.nthreads, 2);
}
END_TEST

START_TEST(spinning_thread_gone_before_report)
{
	throw w = {0};

	run(&w, 0);
	ck_assert_int_eq(w.found, 1);
	ck_assert_msg(llabs(w.cpu - spun_ns) <= spun_ns / 20, "cpu %lld vs getrusage %lld",
		      (long long)w.cpu, (long long)spun_ns);
	ck_assert_str_eq(w.state, "Exited");
}
END_TEST

static Suite *threads_suite(void)
{
	Suite *s = suite_create("threads");
	TCase *tc = tcase_create("core");

	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, spinning_thread_alive_at_report);
	tcase_add_test(tc, spinning_thread_gone_before_report);
	suite_add_tcase(s, tc);
	return s;
}

HP_TEST_MAIN(threads_suite)
