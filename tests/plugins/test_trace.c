/* SPDX-License-Identifier: MIT */
/*
 * test_trace.c - the trace plugin fed events with known times through its
 * ops table, as the collector would: the exact JSON (µs times, tracks,
 * names, flow ids, a callee trimmed to its caller), exact drop counts in
 * ring and stop modes, and the final snapshot's file, section and lines.
 */
#include "config.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "hpi.h"
#include "../testlib.h"
#include "registry.h"
#include "../../plugins/trace/trace.h"

static hp_site s_outer = {"outer", "t.c", 1, HP_SITE_FUNCTION, 0};
static hp_site s_inner = {"inner", "t.c", 2, HP_SITE_BLOCK, 0};
static hp_site s_mu = {"mu", "t.c", 3, HP_SITE_LOCK, 0};
static hp_site s_jobs = {"jobs", "t.c", 4, HP_SITE_CHANNEL, 0};
static hp_site s_fetch = {"fetch", "t.c", 5, HP_SITE_FUTURE, 0};

static const hp_plugin_ops *ops = &hpi_trace_plugin;

static void feed(void *st, hp_event_kind k, hp_site *s, uint64_t tid, uint64_t t, uint64_t d)
{
	hp_event ev = {.kind = k, .tid = tid, .time_ns = t, .dur_ns = d};

	if (s->id == 0)
		hp__site_register(s, "fn");
	ev.site = s->id;
	ops->on_event(st, &ev);
}

static void feed_exit(void *st, uint64_t tid, const char *name)
{
	hp_thread_exit x;
	hp_event ev = {.kind = HP_EV_THREAD_EXIT, .tid = tid, .data = &x};

	memset(&x, 0, sizeof(x));
	snprintf(x.name, sizeof(x.name), "%s", name);
	ops->on_event(st, &ev);
}

/* The plugin's JSON with this pid and process name; caller frees. */
static char *json_as(void *st, long pid, const char *process)
{
	char *p = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&p, &len);

	ck_assert_ptr_nonnull(f);
	ck_assert_int_eq(hpi_trace_json(st, f, pid, process), 0);
	fclose(f);
	return p;
}

/* The same with pid 42 and process "prog". */
static char *json(void *st)
{
	return json_as(st, 42, "prog");
}

/* The otherData line the file ends with. */
static char *other(const char *tail)
{
	return hpi_asprintf("\n],\n\"displayTimeUnit\":\"ns\",\n\"otherData\":{\"generator\":"
			    "\"hotpath %s\",\"clock\":\"%s\",%s}}\n", PACKAGE_VERSION,
			    hpi_clock_is_tsc() ? "tsc" : "monotonic", tail);
}

START_TEST(exact_json)
{
	void *st = hpi_trace_new(hpi_host(), 100, true, NULL);
	char *got, *tail, *want;

	__atomic_store_n(&hpi_clock_mult, UINT64_C(1) << 32, __ATOMIC_RELAXED); /* 1 ns a tick */
	/* thread 101, in the order its records end */
	feed(st, HP_EV_SCOPE, &s_inner, 101, 1500, 2001);
	feed(st, HP_EV_LOCK_WAIT, &s_mu, 101, 2000, 250);
	feed(st, HP_EV_LOCK_HOLD, &s_mu, 101, 2250, 1000);
	feed(st, HP_EV_CHAN_SEND, &s_jobs, 101, 2500, 1 | UINT64_C(8) << 32);
	feed(st, HP_EV_CHAN_SEND, &s_jobs, 101, 2700, 2 | UINT64_C(8) << 32); /* never received */
	feed(st, HP_EV_SCOPE, &s_inner, 101, 4000, 2001); /* ends 1 ns after its caller */
	feed(st, HP_EV_SCOPE, &s_outer, 101, 1000, 5000);
	feed_exit(st, 101, "producer");
	/* thread 102: the receive of seq 1, a poll of call 7 that took 1500 ticks */
	feed(st, HP_EV_CHAN_RECV, &s_jobs, 102, 2600, 1 | UINT64_C(8) << 32);
	feed(st, HP_EV_FUTURE_POLL, &s_fetch, 102, 3000, 7 | UINT64_C(1500) << 32);
	feed_exit(st, 102, "consumer");
	/* a thread that said no name and is not ours */
	feed(st, HP_EV_SCOPE, &s_outer, 99999, 0, 1);
	got = json(st);
	tail = other("\"events\":10,\"dropped\":0,\"buffer\":100,\"overflow\":\"ring\",\"flows\":1");
	want = hpi_asprintf(
	    "{\"traceEvents\":[\n"
	    "{\"ph\":\"M\",\"pid\":42,\"tid\":42,\"name\":\"process_name\",\"args\":{\"name\":\"prog\"}},\n"
	    "{\"ph\":\"M\",\"pid\":42,\"tid\":101,\"name\":\"thread_name\",\"args\":{\"name\":\"producer\"}},\n"
	    "{\"ph\":\"M\",\"pid\":42,\"tid\":102,\"name\":\"thread_name\",\"args\":{\"name\":\"consumer\"}},\n"
	    "{\"ph\":\"M\",\"pid\":42,\"tid\":99999,\"name\":\"thread_name\",\"args\":{\"name\":\"thread 99999\"}},\n"
	    "{\"ph\":\"X\",\"cat\":\"function\",\"name\":\"outer\",\"pid\":42,\"tid\":101,\"ts\":1,\"dur\":5},\n"
	    "{\"ph\":\"X\",\"cat\":\"function\",\"name\":\"inner\",\"pid\":42,\"tid\":101,\"ts\":1.5,\"dur\":2.001},\n"
	    "{\"ph\":\"X\",\"cat\":\"lock\",\"name\":\"wait: mu\",\"pid\":42,\"tid\":101,\"ts\":2,\"dur\":0.25},\n"
	    "{\"ph\":\"X\",\"cat\":\"lock\",\"name\":\"hold: mu\",\"pid\":42,\"tid\":101,\"ts\":2.25,\"dur\":1},\n"
	    "{\"ph\":\"X\",\"cat\":\"channel\",\"name\":\"send: jobs\",\"pid\":42,\"tid\":101,\"ts\":2.5,\"dur\":0,\"args\":{\"seq\":1,\"bytes\":8}},\n"
	    "{\"ph\":\"s\",\"cat\":\"channel\",\"name\":\"jobs\",\"pid\":42,\"tid\":101,\"ts\":2.5,\"id\":1},\n"
	    "{\"ph\":\"X\",\"cat\":\"channel\",\"name\":\"send: jobs\",\"pid\":42,\"tid\":101,\"ts\":2.7,\"dur\":0,\"args\":{\"seq\":2,\"bytes\":8}},\n"
	    "{\"ph\":\"X\",\"cat\":\"function\",\"name\":\"inner\",\"pid\":42,\"tid\":101,\"ts\":4,\"dur\":2},\n"
	    "{\"ph\":\"X\",\"cat\":\"channel\",\"name\":\"recv: jobs\",\"pid\":42,\"tid\":102,\"ts\":2.6,\"dur\":0,\"args\":{\"seq\":1,\"bytes\":8}},\n"
	    "{\"ph\":\"f\",\"cat\":\"channel\",\"name\":\"jobs\",\"pid\":42,\"tid\":102,\"ts\":2.6,\"id\":1,\"bp\":\"e\"},\n"
	    "{\"ph\":\"X\",\"cat\":\"future\",\"name\":\"poll: fetch\",\"pid\":42,\"tid\":102,\"ts\":3,\"dur\":1.5,\"args\":{\"call\":7}},\n"
	    "{\"ph\":\"X\",\"cat\":\"function\",\"name\":\"outer\",\"pid\":42,\"tid\":99999,\"ts\":0,\"dur\":0.001}"
	    "%s", tail);
	ck_assert_str_eq(got, want);
	free(got);
	free(tail);
	free(want);
	ops->fini(st);
}
END_TEST

/* n calls on thread 1 starting at 10, 20, 30, ... ns. */
static void feed_calls(void *st, int n)
{
	for (int i = 1; i <= n; i++)
		feed(st, HP_EV_SCOPE, &s_outer, 1, (uint64_t)i * 10, 5);
}

START_TEST(ring_keeps_the_newest)
{
	void *st = hpi_trace_new(hpi_host(), 3, true, NULL);
	char *got, *tail;

	feed_calls(st, 5);
	got = json(st);
	tail = other("\"events\":3,\"dropped\":2,\"buffer\":3,\"overflow\":\"ring\",\"flows\":0");
	ck_assert_ptr_nonnull(strstr(got, "\"ts\":0.03,\"dur\":0.005},\n{\"ph\":\"X\",\"cat\":\"function\","
					  "\"name\":\"outer\",\"pid\":42,\"tid\":1,\"ts\":0.04"));
	ck_assert_ptr_null(strstr(got, "\"ts\":0.02,"));
	ck_assert_ptr_nonnull(strstr(got, "\"ts\":0.05,\"dur\":0.005}"));
	ck_assert_str_eq(got + strlen(got) - strlen(tail), tail);
	free(got);
	free(tail);
	ops->fini(st);
}
END_TEST

START_TEST(stop_keeps_the_oldest)
{
	void *st = hpi_trace_new(hpi_host(), 3, false, NULL);
	char *got, *tail;

	feed_calls(st, 5);
	got = json(st);
	tail = other("\"events\":3,\"dropped\":2,\"buffer\":3,\"overflow\":\"stop\",\"flows\":0");
	ck_assert_ptr_nonnull(strstr(got, "\"ts\":0.01,\"dur\":0.005}"));
	ck_assert_ptr_nonnull(strstr(got, "\"ts\":0.03,\"dur\":0.005}"));
	ck_assert_ptr_null(strstr(got, "\"ts\":0.04,"));
	ck_assert_str_eq(got + strlen(got) - strlen(tail), tail);
	free(got);
	free(tail);
	ops->fini(st);
}
END_TEST

/* Around the ring twice and more: the
 * 5000 newest of 12000, in order. */
START_TEST(ring_grows_then_wraps)
{
	void *st = hpi_trace_new(hpi_host(), 5000, true, NULL);
	char *got, *tail, *p, needle[64];
	int n = 0;

	feed_calls(st, 12000);
	got = json(st);
	tail = other("\"events\":5000,\"dropped\":7000,\"buffer\":5000,\"overflow\":\"ring\","
		     "\"flows\":0");
	ck_assert_str_eq(got + strlen(got) - strlen(tail), tail);
	for (p = got; (p = strstr(p, "\"ph\":\"X\"")) != NULL; p++)
		n++;
	ck_assert_int_eq(n, 5000);
	ck_assert_ptr_null(strstr(got, "\"ts\":70,")); /* call 7000 */
	/* the first call written is 7001 */
	snprintf(needle, sizeof(needle), "\"ts\":70.01,\"dur\":0.005}");
	ck_assert_ptr_eq(strstr(got, needle), strstr(strstr(got, "\"ph\":\"X\""), "\"ts\":"));
	ck_assert_ptr_nonnull(strstr(got, "\"ts\":120,\"dur\":0.005}\n]")); /* call 12000, last */
	free(got);
	free(tail);
	ops->fini(st);
}
END_TEST

static char warned[4][256];
static int nwarned;

static void sink(const char *line, void *data)
{
	(void)data;
	if (nwarned < 4)
		snprintf(warned[nwarned], sizeof(warned[0]), "%s", line);
	nwarned++;
}

/* The final snapshot of a plugin with 2 kept and 1 dropped at path. */
static const hp_section *final_snapshot(hp_snapshot *snap, void **st, const char *path)
{
	*st = hpi_trace_new(hpi_host(), 2, false, path);
	feed_calls(*st, 3);
	nwarned = 0;
	hpi_warn_set_sink(sink, NULL);
	hpi_host_set_report(NULL, 0, hpi_mono_ns());
	hpi_host_freeze(1000);
	ck_assert_int_eq(ops->snapshot(*st, snap), 0);
	hpi_warn_set_sink(NULL, NULL);
	return hp_snapshot_find(snap, "trace");
}

START_TEST(final_snapshot_writes_the_file)
{
	char dir[] = "/tmp/test_trace.XXXXXX", path[128], *want = NULL, *got;
	hp_snapshot *snap = hpi_snapshot_new();
	const hp_section *sec;
	void *st;
	FILE *f;
	size_t len = 0;

	ck_assert_ptr_nonnull(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/t.json", dir);
	sec = final_snapshot(snap, &st, path);
	ck_assert_int_eq(nwarned, 1);
	ck_assert_str_eq(warned[0], "trace: 1 events dropped past collectors.trace.buffer "
				    "(2 events): the oldest were kept");
	ck_assert_ptr_nonnull(sec);
	ck_assert_str_eq(hp_section_text(sec, 0, 0), path);
	ck_assert_str_eq(hp_section_text(sec, 0, 1), "written");
	ck_assert_int_eq(hp_section_int(sec, 0, 2), 2);
	ck_assert_int_eq(hp_section_int(sec, 0, 3), 1);
	ck_assert_int_eq(hp_section_int(sec, 0, 4), 2);
	ck_assert_str_eq(hp_section_text(sec, 0, 5), "stop");
	ck_assert_str_eq(hp_snapshot_meta(snap, "trace_output"), path); /* mkdtemp's is absolute */
	ck_assert_str_eq(hp_snapshot_meta(snap, "trace_events"), "2");
	ck_assert_str_eq(hp_snapshot_meta(snap, "trace_dropped"), "1");
	/* the buffer's resident pages: at least the 2 records, at most a huge page */
	ck_assert_int_ge(hp_section_int(sec, 0, 6), 48);
	ck_assert_int_le(hp_section_int(sec, 0, 6), 2 << 20);
	/* the file is what the writer writes, and no temporary is left */
	ck_assert_ptr_nonnull((f = fopen(path, "r")));
	ck_assert_int_eq(getdelim(&want, &len, '\0', f) > 0, 1);
	fclose(f);
	got = json_as(st, (long)getpid(), "test_trace");
	ck_assert_str_eq(want, got);
	free(got);
	free(want);
	snprintf(path, sizeof(path), "%s/t.json.%ld.tmp", dir, (long)getpid());
	ck_assert_int_eq(access(path, F_OK), -1);
	snprintf(path, sizeof(path), "%s/t.json", dir);
	unlink(path);
	rmdir(dir);
	hpi_snapshot_free(snap);
	ops->fini(st);
}
END_TEST

START_TEST(bad_path_is_one_line)
{
	hp_snapshot *snap = hpi_snapshot_new();
	const hp_section *sec;
	void *st;

	sec = final_snapshot(snap, &st, "/nonexistent-dir/t.json");
	ck_assert_int_eq(nwarned, 2);
	ck_assert_str_eq(warned[0], "trace: cannot write \"/nonexistent-dir/t.json\": "
				    "No such file or directory");
	ck_assert_str_eq(hp_section_text(sec, 0, 1), "failed");
	ck_assert_ptr_null(hp_snapshot_meta(snap, "trace_output"));
	hpi_snapshot_free(snap);
	ops->fini(st);
}
END_TEST

START_TEST(live_snapshot_writes_nothing)
{
	char dir[] = "/tmp/test_trace.XXXXXX", path[128];
	hp_snapshot *snap = hpi_snapshot_new();
	const hp_section *sec;
	void *st;

	ck_assert_ptr_nonnull(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/t.json", dir);
	st = hpi_trace_new(hpi_host(), 10, true, path);
	feed_calls(st, 3);
	hpi_host_set_report(NULL, 0, hpi_mono_ns()); /* running: not frozen */
	ck_assert_int_eq(ops->snapshot(st, snap), 0);
	sec = hp_snapshot_find(snap, "trace");
	ck_assert_str_eq(hp_section_text(sec, 0, 1), "recording");
	ck_assert_int_eq(hp_section_int(sec, 0, 2), 3);
	ck_assert_int_eq(access(path, F_OK), -1);
	rmdir(dir);
	hpi_snapshot_free(snap);
	ops->fini(st);
}
END_TEST

static Suite *trace_suite(void)
{
	Suite *s = suite_create("trace");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, exact_json);
	tcase_add_test(tc, ring_keeps_the_newest);
	tcase_add_test(tc, stop_keeps_the_oldest);
	tcase_add_test(tc, ring_grows_then_wraps);
	tcase_add_test(tc, final_snapshot_writes_the_file);
	tcase_add_test(tc, bad_path_is_one_line);
	tcase_add_test(tc, live_snapshot_writes_nothing);
	tcase_set_timeout(tc, 30);
	suite_add_tcase(s, tc);
	return s;
}

HP_TEST_MAIN(trace_suite)
