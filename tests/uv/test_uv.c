/* SPDX-License-Identifier: MIT */
/*
 * test_uv.c - libuv loop metrics (hotpath/uv.h, plugins/uv/uv.c) on real
 * loops: exact iterations and handles by type, timers firing N times,
 * idle time under a known sleep and busy time under a known spin
 * (generous bounds: the machine may be loaded), and the lag a blocking
 * callback causes.  Built only when configure found libuv.
 */
#include "config.h"

#include <check.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <uv.h>

#include <hotpath.h>
#include <hotpath/uv.h>
#include "../testlib.h"

typedef struct loopcap {
	int found, events_known;
	int64_t iterations, events, idle, max, lag_max, lag_samples, handles, requests;
	char by_type[256], reqs_by_type[256];
	int handle_rows;
	char req_rows[512]; /* uv_requests: "type active/started/completed;" per row */
} loopcap;

static int64_t cell(const hp_section *s, size_t r, const char *key)
{
	for (size_t c = 0; c < hp_section_ncolumns(s); c++)
		if (strcmp(hp_section_column_key(s, c), key) == 0)
			return hp_section_has(s, r, c) ? hp_section_int(s, r, c) : -1;
	return -2;
}

static int capture(const hp_snapshot *snap, void *data, char **cause)
{
	loopcap *w = data;
	const hp_section *s = hp_snapshot_find(snap, "uv_loops");
	const hp_section *hs = hp_snapshot_find(snap, "uv_handles");
	const hp_section *rs = hp_snapshot_find(snap, "uv_requests");

	(void)cause;
	for (size_t r = 0; s && r < hp_section_nrows(s); r++) {
		if (strcmp(hp_section_text(s, r, 0), "test") != 0)
			continue;
		w->found = 1;
		w->iterations = cell(s, r, "iterations");
		w->events = cell(s, r, "events");
		w->idle = cell(s, r, "idle");
		w->max = cell(s, r, "max");
		w->lag_max = cell(s, r, "lag_max");
		w->lag_samples = cell(s, r, "lag_samples");
		w->handles = cell(s, r, "handles");
		w->requests = cell(s, r, "requests");
		for (size_t c = 0; c < hp_section_ncolumns(s); c++)
			if (strcmp(hp_section_column_key(s, c), "by_type") == 0)
				snprintf(w->by_type, sizeof(w->by_type), "%s", hp_section_text(s, r, c));
			else if (strcmp(hp_section_column_key(s, c), "requests_by_type") == 0)
				snprintf(w->reqs_by_type, sizeof(w->reqs_by_type), "%s",
					 hp_section_text(s, r, c));
	}
	w->handle_rows = hs ? (int)hp_section_nrows(hs) : 0;
	w->req_rows[0] = '\0';
	for (size_t r = 0; rs && r < hp_section_nrows(rs); r++) {
		size_t len = strlen(w->req_rows);
		if (strcmp(hp_section_text(rs, r, 0), "test") != 0)
			continue;
		snprintf(w->req_rows + len, sizeof(w->req_rows) - len, "%s %lld/%lld/%lld;",
			 hp_section_text(rs, r, 1), (long long)cell(rs, r, "active"),
			 (long long)cell(rs, r, "started"), (long long)cell(rs, r, "completed"));
	}
	return 0;
}

static const hp_reporter capture_reporter = {"capture", capture};

static hp_guard *start(loopcap *w)
{
	hp_guard_builder *b = hp_guard_builder_new("test_uv");

	setenv("HOTPATH_CONFIG", "/dev/null", 1);
	setenv("HOTPATH_PUB", "off", 1);
	hp_guard_builder_format(b, HP_FORMAT_NONE);
	hp_guard_builder_reporter(b, &capture_reporter, w);
	return hp_guard_builder_build(b);
}

static void noop_timer(uv_timer_t *t)
{
	(void)t;
}

static void noop_idle(uv_idle_t *h)
{
	(void)h;
}

/* Closes every handle and the loop. */
static void close_one(uv_handle_t *h, void *arg);
static void finish(uv_loop_t *loop)
{
	uv_walk(loop, close_one, NULL);
	uv_run(loop, UV_RUN_DEFAULT);
	ck_assert_int_eq(uv_loop_close(loop), 0);
}

static void close_one(uv_handle_t *h, void *arg)
{
	(void)arg;
	if (!uv_is_closing(h))
		uv_close(h, NULL);
}

START_TEST(nowait_iterations_and_handles_exact)
{
	loopcap w = {0};
	uv_loop_t loop;
	uv_idle_t idle;
	uv_timer_t t[3];
	hp_uv_watch uw;
	hp_guard *g;

	ck_assert_int_eq(uv_loop_init(&loop), 0);
	g = start(&w);
	ck_assert_int_eq(hp_uv_loop_watch(&uw, &loop, "test", 0), 0);
	uv_idle_init(&loop, &idle);
	uv_idle_start(&idle, noop_idle); /* keeps every run one iteration, no wait */
	for (int i = 0; i < 3; i++) {
		uv_timer_init(&loop, &t[i]);
		uv_timer_start(&t[i], noop_timer, 3600 * 1000, 0);
	}
	for (int i = 0; i < 1000; i++)
		uv_run(&loop, UV_RUN_NOWAIT);
	hp_uv_loop_unwatch(&uw);
	hp_guard_end(g);
	uv_walk(&loop, close_one, NULL);
	uv_run(&loop, UV_RUN_DEFAULT);
	ck_assert_int_eq(uv_loop_close(&loop), 0);
	ck_assert_int_eq(w.found, 1);
	ck_assert_int_eq(w.iterations, 1000);
	ck_assert_str_eq(w.by_type, "idle 1, timer 3");
	ck_assert_int_eq(w.handles, 4);
	ck_assert_int_eq(w.requests, 0);
	ck_assert_int_eq(w.handle_rows, 2); /* idle and timer; no requests row */
	ck_assert_int_eq(w.lag_samples, 0);
}
END_TEST

static int ticks;

static void tick(uv_timer_t *t)
{
	if (++ticks == 25)
		uv_timer_stop(t);
}

START_TEST(timer_fires_n_times)
{
	loopcap w = {0};
	uv_loop_t loop;
	uv_timer_t t;
	hp_uv_watch uw;
	hp_guard *g;

	ck_assert_int_eq(uv_loop_init(&loop), 0);
	g = start(&w);
	hp_uv_loop_watch(&uw, &loop, "test", 0);
	uv_timer_init(&loop, &t);
	ticks = 0;
	uv_timer_start(&t, tick, 2, 2);
	uv_run(&loop, UV_RUN_DEFAULT);
	hp_uv_loop_unwatch(&uw);
	hp_guard_end(g);
	finish(&loop);
	ck_assert_int_eq(ticks, 25);
	/* a repeating timer fires at most once per iteration, and each wait
	 * of 2 ms ends at most a few times early */
	ck_assert_int_ge(w.iterations, 25);
	ck_assert_int_le(w.iterations, 25 * 4);
	ck_assert_str_eq(w.by_type, ""); /* nothing left active at the end */
#if UV_VERSION_HEX >= 0x012d00
	ck_assert_int_ge(w.events, 0);
#else
	ck_assert_int_eq(w.events, -1); /* libuv 1.44 cannot say: no cell */
#endif
}
END_TEST

static void sleep_ms(long ms)
{
	struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};

	nanosleep(&ts, NULL);
}

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

START_TEST(idle_time_under_a_known_wait)
{
	loopcap w = {0};
	uv_loop_t loop;
	uv_timer_t t;
	hp_uv_watch uw;
	hp_guard *g;
	uint64_t t0, wall;

	ck_assert_int_eq(uv_loop_init(&loop), 0);
	g = start(&w);
	hp_uv_loop_watch(&uw, &loop, "test", 0);
	uv_timer_init(&loop, &t);
	/* the loop's clock was read at uv_loop_init: on a busy machine the
	 * guard's start may have taken a while since, and the timer would be
	 * due that much sooner */
	uv_update_time(&loop);
	uv_timer_start(&t, noop_timer, 300, 0);
	t0 = now_ns();
	uv_run(&loop, UV_RUN_DEFAULT); /* waits 300 ms in the poll */
	wall = now_ns() - t0;
	hp_uv_loop_unwatch(&uw);
	hp_guard_end(g);
	finish(&loop);
	ck_assert_int_ge(w.idle, 250 * 1000000LL);
	ck_assert_int_le(w.idle, (int64_t)wall);
}
END_TEST

static void busy(uv_timer_t *t)
{
	uint64_t end = now_ns() + 300 * 1000000u;

	(void)t;
	while (now_ns() < end)
		;
}

START_TEST(busy_time_is_not_idle)
{
	loopcap w = {0};
	uv_loop_t loop;
	uv_timer_t t;
	hp_uv_watch uw;
	hp_guard *g;

	ck_assert_int_eq(uv_loop_init(&loop), 0);
	g = start(&w);
	hp_uv_loop_watch(&uw, &loop, "test", 0);
	uv_timer_init(&loop, &t);
	uv_timer_start(&t, busy, 0, 0);
	uv_run(&loop, UV_RUN_DEFAULT); /* spins 300 ms in a callback */
	hp_uv_loop_unwatch(&uw);
	hp_guard_end(g);
	finish(&loop);
	ck_assert_int_le(w.idle, 100 * 1000000LL);
	ck_assert_int_ge(w.max, 300 * 1000000LL); /* the iteration with the spin */
}
END_TEST

static void block(uv_timer_t *t)
{
	(void)t;
	sleep_ms(300);
}

START_TEST(lag_of_a_blocking_callback)
{
	loopcap w = {0};
	uv_loop_t loop;
	uv_timer_t t, tail;
	hp_uv_watch uw;
	hp_guard *g;

	ck_assert_int_eq(uv_loop_init(&loop), 0);
	g = start(&w);
	hp_uv_loop_watch(&uw, &loop, "test", 10);
	uv_timer_init(&loop, &t);
	uv_timer_init(&loop, &tail);
	uv_update_time(&loop); /* as above: the clock of uv_loop_init may be old */
	uv_timer_start(&t, block, 1, 0);       /* blocks 300 ms */
	uv_timer_start(&tail, noop_timer, 400, 0); /* the probe fires after it */
	uv_run(&loop, UV_RUN_DEFAULT);
	hp_uv_loop_unwatch(&uw);
	hp_guard_end(g);
	finish(&loop);
	ck_assert_int_ge(w.lag_samples, 2);
	ck_assert_int_ge(w.lag_max, 250 * 1000000LL);
}
END_TEST

START_TEST(not_profiling_records_nothing)
{
	uv_loop_t loop;
	uv_timer_t t;
	hp_uv_watch uw;

	ck_assert_int_eq(uv_loop_init(&loop), 0);
	hp_uv_loop_watch(&uw, &loop, "test", 1);
	uv_timer_init(&loop, &t);
	uv_timer_start(&t, noop_timer, 5, 0);
	uv_run(&loop, UV_RUN_DEFAULT);
	hp_uv_loop_unwatch(&uw);
	finish(&loop);
	ck_assert_uint_eq(uw.site.id, 0); /* never registered, no warning at exit */
}
END_TEST

/* The requests of the requests_* tests, on one loop: 3 fs reads of a
 * file, 2 writes on a pipe, 1 getaddrinfo of localhost, 4 work requests;
 * each request's ->data is set to it and its callback checks it is still
 * so.  Callbacks run after the guard ended too (the request started
 * while profiling). */
typedef struct reqset {
	char path[64];
	int fd, pfd[2];
	uv_pipe_t pipe;
	uv_fs_t fs[3];
	char fsbuf[3][4];
	uv_buf_t fsb[3];
	uv_write_t wr[2];
	uv_buf_t wb[2];
	uv_getaddrinfo_t gai;
	uv_work_t work[4];
} reqset;

static int fs_done, wr_done, gai_done, work_done, data_kept, work_ran;

static void on_fs(uv_fs_t *req)
{
	static const char *const want[] = {"abcd", "efgh", "ijkl"};
	reqset *s = req->data;
	int i = (int)(req - s->fs);

	data_kept += s->fs <= req && req < s->fs + 3;
	if (req->result == 4 && memcmp(s->fsbuf[i], want[i], 4) == 0)
		fs_done++;
	uv_fs_req_cleanup(req);
}

static void on_write(uv_write_t *req, int status)
{
	reqset *s = req->data;

	data_kept += s->wr <= req && req < s->wr + 2;
	wr_done += status == 0;
}

static void on_gai(uv_getaddrinfo_t *req, int status, struct addrinfo *res)
{
	reqset *s = req->data;

	data_kept += &s->gai == req;
	gai_done += status == 0 && res != NULL;
	uv_freeaddrinfo(res);
}

static void on_work(uv_work_t *req)
{
	(void)req;
	__atomic_add_fetch(&work_ran, 1, __ATOMIC_RELAXED);
}

static void on_after(uv_work_t *req, int status)
{
	reqset *s = req->data;

	data_kept += s->work <= req && req < s->work + 4;
	work_done += status == 0;
}

static void reqs_setup(reqset *s, uv_loop_t *loop)
{
	memset(s, 0, sizeof(*s));
	fs_done = wr_done = gai_done = work_done = data_kept = work_ran = 0;
	snprintf(s->path, sizeof(s->path), "/tmp/test_uv_XXXXXX");
	ck_assert_int_ge(s->fd = mkstemp(s->path), 0);
	ck_assert_int_eq(write(s->fd, "abcdefghijkl", 12), 12);
	ck_assert_int_eq(pipe(s->pfd), 0);
	ck_assert_int_eq(uv_pipe_init(loop, &s->pipe, 0), 0);
	ck_assert_int_eq(uv_pipe_open(&s->pipe, s->pfd[1]), 0);
}

/* Starts the ten requests (hotpath/uv.h's wrappers: plain uv_* calls). */
static void reqs_start(reqset *s, uv_loop_t *loop)
{
	static char hello[] = "hello", world[] = "world!";
	struct addrinfo hints;

	for (int i = 0; i < 3; i++) {
		s->fs[i].data = s;
		s->fsb[i] = uv_buf_init(s->fsbuf[i], 4);
		ck_assert_int_eq(uv_fs_read(loop, &s->fs[i], s->fd, &s->fsb[i], 1, 4 * i, on_fs), 0);
	}
	s->wb[0] = uv_buf_init(hello, 5);
	s->wb[1] = uv_buf_init(world, 6);
	for (int i = 0; i < 2; i++) {
		s->wr[i].data = s;
		ck_assert_int_eq(uv_write(&s->wr[i], (uv_stream_t *)&s->pipe, &s->wb[i], 1, on_write), 0);
	}
	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_INET;
	hints.ai_socktype = SOCK_STREAM;
	s->gai.data = s;
	ck_assert_int_eq(uv_getaddrinfo(loop, &s->gai, on_gai, "localhost", NULL, &hints), 0);
	for (int i = 0; i < 4; i++) {
		s->work[i].data = s;
		ck_assert_int_eq(uv_queue_work(loop, &s->work[i], on_work, on_after), 0);
	}
}

/* Every callback ran once, as the program asked; the pipe got both writes. */
static void reqs_check_and_close(reqset *s, uv_loop_t *loop)
{
	char got[32] = {0};

	ck_assert_int_eq(fs_done, 3);
	ck_assert_int_eq(wr_done, 2);
	ck_assert_int_eq(gai_done, 1);
	ck_assert_int_eq(__atomic_load_n(&work_ran, __ATOMIC_RELAXED), 4);
	ck_assert_int_eq(work_done, 4);
	ck_assert_int_eq(data_kept, 10);
	ck_assert_int_eq(read(s->pfd[0], got, sizeof(got) - 1), 11);
	ck_assert_str_eq(got, "helloworld!");
	close(s->pfd[0]);
	close(s->fd);
	unlink(s->path);
	finish(loop); /* closes the pipe (and its descriptor) */
}

START_TEST(requests_by_type_while_active)
{
	loopcap w = {0};
	uv_loop_t loop;
	hp_uv_watch uw;
	hp_guard *g;
	reqset s;

	ck_assert_int_eq(uv_loop_init(&loop), 0);
	reqs_setup(&s, &loop);
	g = start(&w);
	ck_assert_int_eq(hp_uv_loop_watch(&uw, &loop, "test", 0), 0);
	reqs_start(&s, &loop);
	hp_uv_loop_unwatch(&uw); /* the sample: all ten still active */
	hp_guard_end(g);
	uv_run(&loop, UV_RUN_DEFAULT); /* they complete after the guard */
	ck_assert_int_eq(w.found, 1);
	ck_assert_int_eq(w.requests, 10); /* libuv's own count */
	ck_assert_str_eq(w.reqs_by_type, "write 2, fs 3, work 4, getaddrinfo 1");
	ck_assert_str_eq(w.req_rows, "write 2/2/0;fs 3/3/0;work 4/4/0;getaddrinfo 1/1/0;");
	reqs_check_and_close(&s, &loop);
}
END_TEST

START_TEST(requests_by_type_completed)
{
	loopcap w = {0};
	uv_loop_t loop;
	uv_work_t before, refused;
	uv_fs_t sync;
	hp_uv_watch uw;
	hp_guard *g;
	reqset s;
	uint64_t st[HP__UV_REQ_TYPES], done[HP__UV_REQ_TYPES];

	ck_assert_int_eq(uv_loop_init(&loop), 0);
	reqs_setup(&s, &loop);
	/* started before profiling: not counted, its callback runs as asked */
	before.data = &s;
	ck_assert_int_eq(uv_queue_work(&loop, &before, on_work, on_after), 0);
	g = start(&w);
	ck_assert_int_eq(hp_uv_loop_watch(&uw, &loop, "test", 0), 0);
	reqs_start(&s, &loop);
	/* a synchronous call (no callback): started and completed at once */
	ck_assert_int_eq(uv_fs_fstat(&loop, &sync, s.fd, NULL), 0);
	ck_assert_int_eq(sync.statbuf.st_size, 12);
	uv_fs_req_cleanup(&sync);
	/* a request libuv refuses: neither */
	ck_assert_int_eq(uv_queue_work(&loop, &refused, NULL, on_after), UV_EINVAL);
	uv_run(&loop, UV_RUN_DEFAULT);
	hp_uv_loop_unwatch(&uw);
	hp_guard_end(g);
	ck_assert_int_eq(w.found, 1);
	ck_assert_int_eq(w.requests, 0);
	ck_assert_str_eq(w.reqs_by_type, "");
	ck_assert_str_eq(w.req_rows, "write 0/2/2;fs 0/4/4;work 0/4/4;getaddrinfo 0/1/1;");
	/* the untracked one ran too: one more work callback and after callback */
	ck_assert_int_eq(__atomic_load_n(&work_ran, __ATOMIC_RELAXED), 5);
	work_ran = 4, work_done--; /* (its ->data check is not one of the ten) */
	hp__uv_reqs(&loop, st, done, HP__UV_REQ_TYPES);
	ck_assert_uint_eq(st[UV_WORK], done[UV_WORK]);
	reqs_check_and_close(&s, &loop);
}
END_TEST

START_TEST(requests_not_profiling_untouched)
{
	uv_loop_t loop;
	reqset s;
	uint64_t st[HP__UV_REQ_TYPES], done[HP__UV_REQ_TYPES];

	ck_assert_int_eq(uv_loop_init(&loop), 0);
	reqs_setup(&s, &loop);
	reqs_start(&s, &loop);
	ck_assert_ptr_eq(s.fs[0].cb, on_fs); /* libuv holds the program's own callbacks */
	ck_assert_ptr_eq(s.wr[0].cb, on_write);
	uv_run(&loop, UV_RUN_DEFAULT);
	hp__uv_reqs(&loop, st, done, HP__UV_REQ_TYPES);
	for (unsigned t = 0; t < HP__UV_REQ_TYPES; t++)
		ck_assert_uint_eq(st[t], 0);
	reqs_check_and_close(&s, &loop);
}
END_TEST

static Suite *uv_suite(void)
{
	Suite *s = suite_create("uv");
	TCase *tc = tcase_create("uv");

	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, nowait_iterations_and_handles_exact);
	tcase_add_test(tc, timer_fires_n_times);
	tcase_add_test(tc, idle_time_under_a_known_wait);
	tcase_add_test(tc, busy_time_is_not_idle);
	tcase_add_test(tc, lag_of_a_blocking_callback);
	tcase_add_test(tc, not_profiling_records_nothing);
	tcase_add_test(tc, requests_by_type_while_active);
	tcase_add_test(tc, requests_by_type_completed);
	tcase_add_test(tc, requests_not_profiling_untouched);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return hp_test_run(uv_suite());
}
