/* SPDX-License-Identifier: MIT */
/*
 * test_model.c - the console's model without a terminal: messages as the
 * publisher sends them (docs/wire.md) turned into tabs, columns, cell
 * texts and states; sorting, selection by name, pause, the details log.
 */
#include <check.h>
#include <locale.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "console.h"
#include "model.h"
#include "../testlib.h"

#define S 1000000000ull /* one second in ns */

static const char hello[] =
	"hello {\"type\":\"hotpath_hello\",\"schema\":1,\"topic\":\"hello\",\"pid\":4242,"
	"\"program\":\"live\",\"caller\":\"live::main\",\"host\":\"h\",\"elapsed_ns\":5,"
	"\"endpoint\":\"tcp://0.0.0.0:6770\",\"query\":\"tcp://0.0.0.0:6771\",\"interval_ms\":250,"
	"\"sent\":3,\"dropped\":7,\"events_dropped\":9,\"sections\":[{\"id\":\"functions\",\"title\":\"Functions\",\"rows\":2},"
	"{\"id\":\"threads\",\"title\":\"Threads\",\"rows\":1}]}";

/* A functions section message with rows a (calls ca) and b (calls cb). */
static char *fn_msg(long ca, long cb)
{
	static char buf[2048];

	snprintf(buf, sizeof(buf),
		 "functions {\"type\":\"hotpath_section\",\"schema\":1,\"topic\":\"functions\","
		 "\"pid\":4242,\"seq\":1,\"report\":{\"type\":\"hotpath_report\",\"version\":1,"
		 "\"sections\":[{\"id\":\"functions\",\"title\":\"Functions\",\"columns\":["
		 "{\"key\":\"name\",\"title\":\"Function\",\"unit\":\"text\"},"
		 "{\"key\":\"calls\",\"title\":\"Calls\",\"unit\":\"count\"},"
		 "{\"key\":\"avg\",\"title\":\"Avg\",\"unit\":\"ns\"},"
		 "{\"key\":\"bytes\",\"title\":\"Bytes\",\"unit\":\"bytes\"},"
		 "{\"key\":\"pct\",\"title\":\"%% Total\",\"unit\":\"percent\"},"
		 "{\"key\":\"rate\",\"title\":\"Rate\",\"unit\":\"rate\"}],"
		 "\"total_rows\":2,\"rows\":["
		 "{\"name\":\"live::a\",\"calls\":%ld,\"avg\":1160300,\"bytes\":1536,\"pct\":91.456,\"rate\":12.25},"
		 "{\"name\":\"live::b\xc3\xa9\",\"calls\":%ld,\"avg\":17,\"bytes\":null,\"pct\":8.5}]}]}}",
		 ca, cb);
	return buf;
}

/* feed with the message's own length. */
static int feed(hpc_model *m, const char *msg, uint64_t now)
{
	return hpc_model_feed(m, 0, msg, strlen(msg), now);
}

START_TEST(hello_announces_tabs)
{
	hpc_model m;
	hpc_target *t;

	hpc_model_init(&m);
	t = hpc_model_add(&m, "tcp://10.0.0.5:6770", 1);
	ck_assert_int_eq(hpc_target_state(t, 1), HPC_CONNECTING);
	ck_assert_int_eq(feed(&m, hello, 2 * S), 0);
	ck_assert_str_eq(t->program, "live");
	ck_assert_int_eq(t->pid, 4242);
	ck_assert_int_eq(t->dropped, 7);
	ck_assert_int_eq(t->events_dropped, 9);
	ck_assert_int_eq(t->interval_ms, 250);
	/* a wildcard host is the host the console dialed */
	ck_assert_str_eq(t->query, "tcp://10.0.0.5:6771");
	ck_assert_uint_eq(t->nsecs, 2);
	ck_assert_str_eq(t->secs[0]->title, "Functions");
	ck_assert_str_eq(t->secs[1]->id, "threads");
	ck_assert(!t->secs[0]->has_data);
	ck_assert_int_eq(hpc_target_state(t, 2 * S), HPC_LIVE);
	ck_assert(hpc_model_take_changed(t));
	ck_assert(!hpc_model_take_changed(t));
	hpc_model_fini(&m);
}
END_TEST

START_TEST(section_cells_formatted)
{
	hpc_model m;
	hpc_section *s;

	hpc_model_init(&m);
	hpc_model_add(&m, "ipc:///x", 0);
	ck_assert_int_eq(feed(&m, hello, 1), 0);
	ck_assert_int_eq(feed(&m, fn_msg(100, 7), 1), 0);
	s = hpc_model_section(&m);
	ck_assert_ptr_nonnull(s);
	ck_assert(s->has_data);
	ck_assert_uint_eq(s->ncols, 6);
	ck_assert_uint_eq(s->nrows, 2);
	ck_assert_str_eq(s->cols[4].title, "% Total");
	ck_assert_int_eq(s->cols[2].unit, HP_UNIT_NS);
	ck_assert_str_eq(hpc_section_text(s, 0, 0), "live::a");
	ck_assert_str_eq(hpc_section_text(s, 0, 1), "100");
	ck_assert_str_eq(hpc_section_text(s, 0, 2), "1.16ms");
	ck_assert_str_eq(hpc_section_text(s, 0, 3), "1.50KiB");
	ck_assert_str_eq(hpc_section_text(s, 0, 4), "91.46%");
	ck_assert_str_eq(hpc_section_text(s, 0, 5), "12.2/s");
	ck_assert_str_eq(hpc_section_text(s, 1, 3), "-"); /* null */
	ck_assert_str_eq(hpc_section_text(s, 1, 5), "-"); /* missing */
	ck_assert_str_eq(hpc_section_text(s, 1, 2), "17ns");
	/* widths: "live::bé" is 8 columns in UTF-8, the title "Function" too */
	ck_assert_uint_eq(s->cols[0].width, 8);
	ck_assert_uint_eq(s->cols[4].width, 7);
	ck_assert_str_eq(hpc_section_sel_name(s), "live::a");
	hpc_model_fini(&m);
}
END_TEST

START_TEST(third_party_section)
{
	static const char msg[] =
		"slowest {\"type\":\"hotpath_section\",\"schema\":1,\"topic\":\"slowest\",\"report\":"
		"{\"sections\":[{\"id\":\"slowest\",\"title\":\"Slowest calls\",\"columns\":["
		"{\"key\":\"what\",\"title\":\"What\",\"unit\":\"text\"},"
		"{\"key\":\"n\",\"title\":\"N\",\"unit\":\"furlongs\"}],"
		"\"rows\":[[\"x\\ty\",3]]}]}}";
	hpc_model m;
	hpc_target *t;
	hpc_section *s;

	hpc_model_init(&m);
	t = hpc_model_add(&m, "ipc:///x", 0);
	ck_assert_int_eq(feed(&m, hello, 1), 0);
	ck_assert_int_eq(feed(&m, msg, 1), 0);
	ck_assert_uint_eq(t->nsecs, 3);
	hpc_model_tab(&m, 2);
	s = hpc_model_section(&m);
	ck_assert_str_eq(s->title, "Slowest calls");
	ck_assert_int_eq(s->name_col, 0); /* the first text column names rows */
	ck_assert_int_eq(s->cols[1].unit, HP_UNIT_TEXT); /* unknown unit: as text */
	ck_assert_str_eq(hpc_section_text(s, 0, 0), "x y"); /* control chars as spaces */
	ck_assert_str_eq(hpc_section_text(s, 0, 1), "3");
	hpc_model_fini(&m);
}
END_TEST

START_TEST(sort_and_selection)
{
	hpc_model m;
	hpc_section *s;

	hpc_model_init(&m);
	hpc_model_add(&m, "ipc:///x", 0);
	feed(&m, hello, 1);
	feed(&m, fn_msg(100, 7), 1);
	hpc_model_move(&m, 1);
	s = hpc_model_section(&m);
	ck_assert_str_eq(hpc_section_sel_name(s), "live::b\xc3\xa9");
	hpc_model_sort_next(&m); /* name, A to Z */
	ck_assert_int_eq(s->sort_col, 0);
	ck_assert(!s->sort_desc);
	hpc_model_sort_next(&m); /* calls, most first */
	ck_assert_int_eq(s->sort_col, 1);
	ck_assert(s->sort_desc);
	ck_assert_str_eq(hpc_section_text(s, 0, 0), "live::a");
	hpc_model_sort_flip(&m);
	ck_assert_str_eq(hpc_section_text(s, 0, 0), "live::b\xc3\xa9");
	/* the selection follows its row */
	ck_assert_uint_eq(s->sel, 0);
	/* an update that reorders rows keeps the sort and the selection */
	feed(&m, fn_msg(1, 500), 2);
	s = hpc_model_section(&m);
	ck_assert_int_eq(s->sort_col, 1);
	ck_assert(!s->sort_desc);
	ck_assert_str_eq(hpc_section_text(s, 0, 0), "live::a");
	ck_assert_str_eq(hpc_section_sel_name(s), "live::b\xc3\xa9");
	ck_assert_uint_eq(s->sel, 1);
	/* moves clamp */
	hpc_model_move(&m, 50);
	ck_assert_uint_eq(s->sel, 1);
	hpc_model_move(&m, -50);
	ck_assert_uint_eq(s->sel, 0);
	hpc_model_home(&m, true);
	ck_assert_uint_eq(s->sel, 1);
	/* past the last column: the program's order again */
	for (int i = 0; i < 5; i++)
		hpc_model_sort_next(&m);
	ck_assert_int_eq(s->sort_col, -1);
	ck_assert_str_eq(hpc_section_text(s, 0, 0), "live::a");
	hpc_model_fini(&m);
}
END_TEST

START_TEST(pause_holds_updates)
{
	hpc_model m;

	hpc_model_init(&m);
	hpc_model_add(&m, "ipc:///x", 0);
	feed(&m, hello, 1);
	feed(&m, fn_msg(100, 7), 1);
	hpc_model_pause(&m, true, 2);
	feed(&m, fn_msg(200, 8), 3);
	feed(&m, fn_msg(300, 9), 3);
	ck_assert_str_eq(hpc_section_text(hpc_model_section(&m), 0, 1), "100");
	/* still Live while paused: messages keep coming */
	ck_assert_int_eq(hpc_target_state(m.targets[0], 3), HPC_LIVE);
	hpc_model_pause(&m, false, 4);
	ck_assert_str_eq(hpc_section_text(hpc_model_section(&m), 0, 1), "300");
	hpc_model_fini(&m);
}
END_TEST

START_TEST(states)
{
	static const char v2[] =
		"hello {\"type\":\"hotpath_hello\",\"schema\":2,\"topic\":\"hello\"}";
	hpc_model m;
	hpc_target *t;

	hpc_model_init(&m);
	t = hpc_model_add(&m, "ipc:///x", 0);
	ck_assert_int_eq(hpc_target_state(t, 10 * S), HPC_CONNECTING);
	t->problem = xstrdup("nothing listening");
	ck_assert_int_eq(hpc_target_state(t, 10 * S), HPC_NOTHING);
	t->connected = true;
	ck_assert_int_eq(hpc_target_state(t, 10 * S), HPC_CONNECTING);
	feed(&m, hello, 10 * S);
	ck_assert_ptr_null(t->problem);
	ck_assert_int_eq(hpc_target_state(t, 12 * S), HPC_LIVE);
	ck_assert_int_eq(hpc_target_state(t, 14 * S), HPC_STALE);
	ck_assert_str_eq(hpc_state_name(HPC_STALE), "Stale");
	ck_assert_int_eq(feed(&m, v2, 15 * S), HP_ENOTSUP);
	ck_assert_int_eq(hpc_target_state(t, 15 * S), HPC_BAD_SCHEMA);
	ck_assert_str_eq(t->problem, "ipc:///x speaks wire schema 2; this console reads schema 1 "
			 "(docs/wire.md)");
	ck_assert_int_eq(feed(&m, "garbage", 15 * S), HP_EINVAL);
	ck_assert_int_eq(feed(&m, "hello [1]", 15 * S), HP_EINVAL);
	hpc_model_fini(&m);
}
END_TEST

START_TEST(tabs_and_targets)
{
	hpc_model m;
	hpc_target *a, *b;

	hpc_model_init(&m);
	a = hpc_model_add(&m, "ipc:///a", 0);
	b = hpc_model_add(&m, "ipc:///b", 0);
	hpc_model_add_panel(&m, "Top allocators");
	feed(&m, hello, 1);
	ck_assert_uint_eq(hpc_model_ntabs(&m, a), 3);
	ck_assert_uint_eq(hpc_model_ntabs(&m, b), 1);
	hpc_model_tab(&m, 2); /* the panel */
	ck_assert_uint_eq(a->tab, 2);
	ck_assert_ptr_null(hpc_model_section(&m));
	hpc_model_tab(&m, 9); /* no such tab: unchanged */
	ck_assert_uint_eq(a->tab, 2);
	hpc_model_tab_step(&m, 1);
	ck_assert_uint_eq(a->tab, 0);
	hpc_model_tab_step(&m, -1);
	ck_assert_uint_eq(a->tab, 2);
	hpc_model_target_step(&m, 1);
	ck_assert_ptr_eq(hpc_model_target(&m), b);
	hpc_model_target_step(&m, 1);
	ck_assert_ptr_eq(hpc_model_target(&m), a);
	hpc_model_target_step(&m, -1);
	ck_assert_ptr_eq(hpc_model_target(&m), b);
	hpc_model_fini(&m);
}
END_TEST

START_TEST(details_log)
{
	static const char reply[] =
		"{\"type\":\"hotpath_reply\",\"schema\":1,\"cmd\":\"log\",\"section\":\"functions\","
		"\"row\":\"live::a\",\"report\":{\"sections\":[{\"id\":\"functions.log\",\"title\":\"x\","
		"\"columns\":[{\"key\":\"duration\",\"title\":\"Duration\",\"unit\":\"ns\"},"
		"{\"key\":\"tid\",\"title\":\"Thread\",\"unit\":\"count\"}],"
		"\"rows\":[{\"duration\":1500,\"tid\":77}]}]}}";
	static const char err[] =
		"{\"type\":\"hotpath_error\",\"schema\":1,\"error\":\"no_row\","
		"\"message\":\"the section has no row with this name\"}";
	hpc_model m;
	const char *why;
	const char *pj;
	char *req;

	hpc_model_init(&m);
	hpc_model_add(&m, "ipc:///x", 0);
	feed(&m, hello, 1);
	feed(&m, fn_msg(100, 7), 1);
	ck_assert_ptr_null(hpc_model_log_request(&m, 1)); /* pane closed */
	m.details = true;
	req = hpc_model_log_request(&m, 2 * S);
	ck_assert_str_eq(req, "{\"cmd\":\"log\",\"section\":\"functions\",\"row\":\"live::a\"}");
	free(req);
	ck_assert_str_eq(m.log.status, "loading...");
	ck_assert_ptr_null(hpc_model_log_request(&m, 2 * S + 1)); /* asked just now */
	hpc_model_log_reply(&m, reply, strlen(reply));
	ck_assert_ptr_null(m.log.status);
	ck_assert_str_eq(hpc_section_text(m.log.sec, 0, 0), "1.50µs");
	ck_assert_str_eq(hpc_section_text(m.log.sec, 0, 1), "77");
	req = hpc_model_log_request(&m, 3 * S + 1); /* a second later: again */
	ck_assert_ptr_nonnull(req);
	free(req);
	ck_assert_ptr_nonnull(m.log.sec); /* the old rows stay meanwhile */
	hpc_model_move(&m, 1); /* another row: asked at once */
	req = hpc_model_log_request(&m, 3 * S + 2);
	ck_assert_ptr_nonnull(strstr(req, "\"row\":\"live::b\xc3\xa9\""));
	free(req);
	ck_assert_ptr_null(m.log.sec);
	hpc_model_log_reply(&m, err, strlen(err));
	ck_assert_str_eq(m.log.status, "the section has no row with this name");
	hpc_model_log_fail(&m, "no reply");
	ck_assert_str_eq(m.log.status, "no reply");
	/* a panel's table has no log to ask for */
	hpc_model_add_panel(&m, "p");
	pj = "{\"id\":\"panel\",\"columns\":[{\"key\":\"name\"}],\"rows\":[{\"name\":\"x\"}]}";
	m.panels[0].table = hpc_section_parse_text(pj, strlen(pj), &why);
	hpc_model_tab(&m, m.targets[0]->nsecs);
	ck_assert_str_eq(hpc_section_sel_name(hpc_model_section(&m)), "x");
	ck_assert_ptr_null(hpc_model_log_request(&m, 10 * S));
	hpc_model_fini(&m);
}
END_TEST

START_TEST(table_columns_meta)
{
	static const char msg[] =
		"locks {\"type\":\"hotpath_section\",\"schema\":1,\"topic\":\"locks\",\"report\":"
		"{\"sections\":[{\"id\":\"locks\",\"title\":\"Locks\",\"columns\":["
		"{\"key\":\"name\",\"title\":\"Lock\",\"unit\":\"text\"},"
		"{\"key\":\"hidden\",\"title\":\"Hidden\",\"unit\":\"count\"},"
		"{\"key\":\"wait\",\"title\":\"Wait\",\"unit\":\"ns\"}],"
		"\"rows\":[{\"name\":\"a\",\"hidden\":1,\"wait\":5},{\"name\":\"b\",\"hidden\":2,\"wait\":9}],"
		"\"meta\":{\"table.columns\":\"name,nosuch,wait\"}}]}}";
	hpc_model m;
	hpc_section *s;

	hpc_model_init(&m);
	hpc_model_add(&m, "ipc:///x", 0);
	ck_assert_int_eq(feed(&m, msg, 1), 0);
	s = hpc_model_section(&m);
	/* the table shows what the report's table shows; unknown keys skipped */
	ck_assert_uint_eq(s->nshow, 2);
	ck_assert_uint_eq(s->show[0], 0);
	ck_assert_uint_eq(s->show[1], 2);
	/* sorting cycles through the shown columns only */
	hpc_model_sort_next(&m);
	ck_assert_int_eq(s->sort_col, 0);
	hpc_model_sort_next(&m);
	ck_assert_int_eq(s->sort_col, 2);
	ck_assert_str_eq(hpc_section_text(s, 0, 0), "b");
	hpc_model_sort_next(&m);
	ck_assert_int_eq(s->sort_col, -1);
	/* without the meta: every column */
	ck_assert_int_eq(feed(&m, fn_msg(1, 2), 1), 0);
	hpc_model_tab(&m, 1);
	ck_assert_uint_eq(hpc_model_section(&m)->nshow, 6);
	hpc_model_fini(&m);
}
END_TEST

/* A sampled row's estimates are shown with "~" (docs/sampling.md); an
 * exact row's and the exact count are not. */
START_TEST(sampled_estimates_marked)
{
	static const char msg[] =
		"functions {\"type\":\"hotpath_section\",\"schema\":1,\"topic\":\"functions\","
		"\"report\":{\"sections\":[{\"id\":\"functions\",\"title\":\"Functions\","
		"\"columns\":[{\"key\":\"name\",\"title\":\"Function\",\"unit\":\"text\"},"
		"{\"key\":\"calls\",\"title\":\"Calls\",\"unit\":\"count\"},"
		"{\"key\":\"avg\",\"title\":\"Avg\",\"unit\":\"ns\"},"
		"{\"key\":\"p95\",\"title\":\"P95\",\"unit\":\"ns\"},"
		"{\"key\":\"sampled\",\"title\":\"Sampled\",\"unit\":\"count\"}],"
		"\"rows\":[{\"name\":\"mix\",\"calls\":6400,\"avg\":12,\"p95\":20,\"sampled\":100},"
		"{\"name\":\"key\",\"calls\":100,\"avg\":300,\"p95\":500,\"sampled\":null}],"
		"\"meta\":{\"estimated\":\"avg,p*\"}}]}}";
	hpc_model m;
	hpc_section *s;

	hpc_model_init(&m);
	hpc_model_add(&m, "ipc:///x", 0);
	ck_assert_int_eq(feed(&m, msg, 1), 0);
	s = hpc_model_section(&m);
	ck_assert_str_eq(hpc_section_text(s, 0, 1), "6400");
	ck_assert_str_eq(hpc_section_text(s, 0, 2), "~12ns");
	ck_assert_str_eq(hpc_section_text(s, 0, 3), "~20ns");
	ck_assert_str_eq(hpc_section_text(s, 0, 4), "100");
	ck_assert_str_eq(hpc_section_text(s, 1, 2), "300ns");
	ck_assert_str_eq(hpc_section_text(s, 1, 4), "-");
	hpc_model_fini(&m);
}
END_TEST

START_TEST(hello_orders_tabs)
{
	static const char thr[] =
		"threads {\"type\":\"hotpath_section\",\"schema\":1,\"topic\":\"threads\",\"report\":"
		"{\"sections\":[{\"id\":\"threads\",\"title\":\"Threads\",\"columns\":[],\"rows\":[]}]}}";
	static const char other[] =
		"other {\"type\":\"hotpath_section\",\"schema\":1,\"topic\":\"other\",\"report\":"
		"{\"sections\":[{\"id\":\"other\",\"title\":\"Other\",\"columns\":[],\"rows\":[]}]}}";
	hpc_model m;
	hpc_target *t;

	hpc_model_init(&m);
	t = hpc_model_add(&m, "ipc:///x", 0);
	/* sections before the first hello: tabs in the order they came */
	feed(&m, other, 1);
	feed(&m, thr, 1);
	feed(&m, fn_msg(1, 2), 1);
	ck_assert_str_eq(t->secs[0]->id, "other");
	hpc_model_tab(&m, 1); /* threads shown */
	feed(&m, hello, 2);
	/* then hello's order, the others after; the shown tab stays threads */
	ck_assert_uint_eq(t->nsecs, 3);
	ck_assert_str_eq(t->secs[0]->id, "functions");
	ck_assert_str_eq(t->secs[1]->id, "threads");
	ck_assert_str_eq(t->secs[2]->id, "other");
	ck_assert_str_eq(hpc_model_section(&m)->id, "threads");
	ck_assert_uint_eq(t->secs[0]->nrows, 2); /* the rows came along */
	hpc_model_fini(&m);
}
END_TEST

/* The call tree's "calls" section: no tab (hello says "tab": false, its
 * meta console.hide), kept for the details pane's callers and callees. */
START_TEST(calls_are_no_tab_but_relations)
{
	static const char hello2[] =
		"hello {\"type\":\"hotpath_hello\",\"schema\":1,\"topic\":\"hello\",\"pid\":1,"
		"\"program\":\"p\",\"sections\":[{\"id\":\"functions\",\"title\":\"Functions\",\"rows\":2},"
		"{\"id\":\"calls\",\"title\":\"Calls\",\"tab\":false,\"rows\":3}]}";
	static const char calls[] =
		"calls {\"type\":\"hotpath_section\",\"schema\":1,\"topic\":\"calls\",\"pid\":1,\"seq\":1,"
		"\"report\":{\"type\":\"hotpath_report\",\"version\":1,\"sections\":[{\"id\":\"calls\","
		"\"title\":\"Calls\",\"columns\":[{\"key\":\"caller\",\"title\":\"Caller\",\"unit\":\"text\"},"
		"{\"key\":\"callee\",\"title\":\"Callee\",\"unit\":\"text\"},"
		"{\"key\":\"calls\",\"title\":\"Calls\",\"unit\":\"count\"},"
		"{\"key\":\"total\",\"title\":\"Total\",\"unit\":\"ns\"},"
		"{\"key\":\"self\",\"title\":\"Self\",\"unit\":\"ns\"}],\"total_rows\":3,\"rows\":["
		"{\"caller\":\"\",\"callee\":\"live::a\",\"calls\":100,\"total\":3000000,\"self\":1000000},"
		"{\"caller\":\"live::a\",\"callee\":\"live::b\",\"calls\":7,\"total\":2000000,\"self\":2000000},"
		"{\"caller\":\"live::b\",\"callee\":\"live::a\",\"calls\":1,\"total\":5,\"self\":5}],"
		"\"meta\":{\"console.hide\":\"1\"}}]}}";
	hpc_model m;
	hpc_target *t;
	char **rel;
	size_t n;

	hpc_model_init(&m);
	t = hpc_model_add(&m, "ipc:///x", 0);
	ck_assert_ptr_null(hpc_target_relations(t, "live::a", &n));
	ck_assert_uint_eq(n, 0);
	ck_assert_int_eq(feed(&m, hello2, 1), 0);
	ck_assert_int_eq(feed(&m, calls, 1), 0);
	ck_assert_uint_eq(t->nsecs, 1);
	ck_assert_str_eq(t->secs[0]->id, "functions");
	ck_assert_ptr_nonnull(hpc_target_hidden(t, "calls"));
	ck_assert_ptr_nonnull(rel = hpc_target_relations(t, "live::a", &n));
	ck_assert_uint_eq(n, 3);
	ck_assert_str_eq(rel[0], "<- (root)                            100 calls     3.00ms total     1.00ms self");
	ck_assert_str_eq(rel[1], "<- live::b                             1 calls        5ns total        5ns self");
	ck_assert_str_eq(rel[2], "-> live::b                             7 calls     2.00ms total     2.00ms self");
	for (size_t i = 0; i < n; i++)
		free(rel[i]);
	free(rel);
	hpc_model_fini(&m);
}
END_TEST

static Suite *model_suite(void)
{
	Suite *s = suite_create("model");
	TCase *tc = tcase_create("model");

	tcase_set_timeout(tc, 10);
	tcase_add_test(tc, hello_announces_tabs);
	tcase_add_test(tc, section_cells_formatted);
	tcase_add_test(tc, third_party_section);
	tcase_add_test(tc, sort_and_selection);
	tcase_add_test(tc, pause_holds_updates);
	tcase_add_test(tc, states);
	tcase_add_test(tc, tabs_and_targets);
	tcase_add_test(tc, details_log);
	tcase_add_test(tc, table_columns_meta);
	tcase_add_test(tc, sampled_estimates_marked);
	tcase_add_test(tc, hello_orders_tabs);
	tcase_add_test(tc, calls_are_no_tab_but_relations);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	setlocale(LC_ALL, "C.UTF-8");
	return hp_test_run(model_suite());
}
