/* SPDX-License-Identifier: MIT */
/*
 * test_registry.c - the plugin registry: the built-in timing plugin, the
 * loader for external .so plugins (the real examples/plugin/slowest.so and
 * tests/e2e/badabi.so), the options they read, the event bus that feeds
 * them, and the one-line warnings a user reads when a plugin cannot load.
 */
#include "config.h"

#include <check.h>
#include <dlfcn.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "hpi.h"
#include "registry.h"
#include "../testlib.h"

#define SLOWEST_DIR HP_BUILDDIR "/examples/plugin/.libs"
#define SLOWEST_SO SLOWEST_DIR "/slowest.so"
#define BADABI_DIR HP_BUILDDIR "/tests/e2e/.libs"
#define BADABI_SO BADABI_DIR "/badabi.so"

#define NEV 20
#define MAX_WARN 16

static char *warns[MAX_WARN];
static int nwarn;
static char tmpdir[PATH_MAX];
static char notso[PATH_MAX + 16];

/* Warning sink: keeps each line. */
static void sink(const char *line, void *data)
{
	(void)data;
	if (nwarn < MAX_WARN)
		warns[nwarn] = strdup(line);
	nwarn++;
}

/* Per test: capture warnings, a guard that lasted 1 ms. */
static void setup(void)
{
	nwarn = 0;
	tmpdir[0] = notso[0] = '\0';
	hpi_warn_set_sink(sink, NULL);
	hpi_host_set_report(NULL, 0, hpi_mono_ns());
	hpi_host_freeze(1000000);
}

static void teardown(void)
{
	for (int i = 0; i < nwarn && i < MAX_WARN; i++)
		free(warns[i]);
	nwarn = 0;
	if (notso[0])
		unlink(notso);
	if (tmpdir[0])
		rmdir(tmpdir);
	hpi_warn_set_sink(NULL, NULL);
}

/* ---- a config filled by hand, owned as hpi_config_fini expects ---------- */

/* Appends a malloc'ed copy of s with a copy of the origin to v. */
static void strv_push(hpi_strv *v, const char *s, const char *file, int line, int col,
		      const char *env)
{
	char **nv = realloc(v->v, (v->n + 1) * sizeof(*nv));
	hpi_origin *no;

	ck_assert_ptr_nonnull(nv);
	v->v = nv;
	no = realloc(v->origin, (v->n + 1) * sizeof(*no));
	ck_assert_ptr_nonnull(no);
	v->origin = no;
	ck_assert_ptr_nonnull(v->v[v->n] = strdup(s));
	v->origin[v->n].file = file ? strdup(file) : NULL;
	v->origin[v->n].line = line;
	v->origin[v->n].col = col;
	v->origin[v->n].env = env ? strdup(env) : NULL;
	v->n++;
}

/* plugins.load entry from hotpath.yaml at line:col. */
static void load_yaml(hpi_config *c, const char *name, int line, int col)
{
	strv_push(&c->plugin_load, name, "hotpath.yaml", line, col, NULL);
}

static void add_path(hpi_config *c, const char *dir)
{
	strv_push(&c->plugin_path, dir, "hotpath.yaml", 2, 9, NULL);
}

/* plugins.options entry "<plugin>.<key>" = value, at line:col of c->path
 * (0: not from a file). */
static void add_option_at(hpi_config *c, const char *key, const char *value, int line,
			  int col)
{
	hpi_optnode *o = realloc(c->options, (c->noptions + 1) * sizeof(*o));

	ck_assert_ptr_nonnull(o);
	c->options = o;
	ck_assert_ptr_nonnull(o[c->noptions].key = strdup(key));
	ck_assert_ptr_nonnull(o[c->noptions].value = strdup(value));
	o[c->noptions].line = line;
	o[c->noptions].col = col;
	o[c->noptions].kline = line;
	o[c->noptions].kcol = col > 7 ? col - 7 : col; /* "key: " before the value */
	c->noptions++;
}

static void add_option(hpi_config *c, const char *key, const char *value)
{
	add_option_at(c, key, value, 0, 0);
}

/* ---- events --------------------------------------------------------------- */

static hp_site site_hot = {NULL, "src/dir/plugin_user.c", 10, HP_SITE_FUNCTION, 0};
static hp_site site_blk = {"custom_block", "src/dir/plugin_user.c", 20, HP_SITE_BLOCK, 0};

/* Event i: a scrambled, distinct duration (1..20 µs), tid 100+i, time 10*i. */
static uint64_t ev_dur(int i)
{
	return (uint64_t)((i * 7) % NEV + 1) * 1000;
}

static hp_site *ev_site(int i)
{
	return i % 3 == 0 ? &site_blk : &site_hot;
}

static hp_event scope_event(int i)
{
	hp_event ev = {.kind = HP_EV_SCOPE, .tid = 100 + (uint64_t)i,
		       .time_ns = 10 * (uint64_t)i, .dur_ns = ev_dur(i)};

	if (ev_site(i)->id == 0)
		ck_assert_uint_ne(hp__site_register(ev_site(i), "hot"), 0);
	ev.site = ev_site(i)->id;
	return ev;
}

/* Even events one at a time, odd ones in one batch mixed with thread events
 * that no plugin asked for (their huge durations would top any table). */
static void dispatch_all(hpi_registry *r)
{
	hp_event mixed[NEV], scopes[NEV];
	size_t n = 0, ns = 0;
	uint64_t kinds = 0;

	for (int i = 0; i < NEV; i++) {
		hp_event ev = scope_event(i);
		hp_event th = {.kind = i % 4 == 1 ? HP_EV_THREAD_START : HP_EV_THREAD_EXIT,
			       .tid = 9, .dur_ns = UINT64_C(1) << 40};

		if (i % 2 == 0) {
			hpi_registry_dispatch(r, &ev);
			hpi_registry_dispatch(r, &th);
		} else if (i % 4 == 1) { /* a batch of mixed kinds */
			mixed[n++] = ev;
			mixed[n++] = th;
			kinds |= HP_EV_BIT(ev.kind) | HP_EV_BIT(th.kind);
		} else { /* a batch of scope events only: handed over whole */
			scopes[ns++] = ev;
			hpi_registry_dispatch(r, &th);
		}
	}
	hpi_registry_dispatch_batch(r, mixed, n, kinds);
	hpi_registry_dispatch_batch(r, scopes, ns, HP_EV_BIT(HP_EV_SCOPE));
	/* no kind a plugin wants: nothing reaches it */
	hpi_registry_dispatch_batch(r, mixed + 1, 1, HP_EV_BIT(mixed[1].kind));
}

/* The event with duration d. */
static int ev_with_dur(uint64_t d)
{
	for (int i = 0; i < NEV; i++)
		if (ev_dur(i) == d)
			return i;
	ck_abort_msg("no event of %llu ns", (unsigned long long)d);
	return -1;
}

/* The "slowest" section holds the nrows longest events, longest first. */
static void check_slowest(const hp_snapshot *snap, size_t nrows)
{
	const hp_section *sec = hp_snapshot_find(snap, "slowest");

	ck_assert_ptr_nonnull(sec);
	ck_assert_str_eq(hp_section_title(sec), "Slowest single calls");
	ck_assert_uint_eq(hp_section_ncolumns(sec), 4);
	ck_assert_str_eq(hp_section_column_key(sec, 0), "function");
	ck_assert_str_eq(hp_section_column_key(sec, 1), "duration");
	ck_assert_str_eq(hp_section_column_key(sec, 2), "tid");
	ck_assert_str_eq(hp_section_column_key(sec, 3), "time");
	ck_assert_int_eq(hp_section_column_unit(sec, 1), HP_UNIT_NS);
	ck_assert_uint_eq(hp_section_nrows(sec), nrows);
	for (size_t r = 0; r < nrows; r++) {
		uint64_t d = (uint64_t)(NEV - r) * 1000; /* 20 µs, 19 µs, ... */
		int i = ev_with_dur(d);

		ck_assert_str_eq(hp_section_text(sec, r, 0),
				 i % 3 == 0 ? "custom_block" : "plugin_user::hot");
		ck_assert_int_eq(hp_section_int(sec, r, 1), (int64_t)d);
		ck_assert_int_eq(hp_section_int(sec, r, 2), 100 + i);
		ck_assert_int_eq(hp_section_int(sec, r, 3), 10 * i);
	}
	ck_assert_str_eq(hp_section_meta(sec, "calls_seen"), "20");
}

/* Row of the timing table with this label, or -1. */
static int timing_row(const hp_section *sec, const char *label)
{
	for (size_t r = 0; r < hp_section_nrows(sec); r++)
		if (strcmp(hp_section_text(sec, r, 0), label) == 0)
			return (int)r;
	return -1;
}

/* ---- built-in plugins ------------------------------------------------------ */

START_TEST(default_config_has_timing)
{
	hpi_config c;
	hpi_registry *r;
	hp_snapshot *snap;
	int fails = -1;

	hp_test_timing_only(&c);
	ck_assert_ptr_nonnull(r = hpi_registry_new(&c, &fails));
	ck_assert_int_eq(fails, 0);
	ck_assert(hpi_registry_wants(r, HP_EV_SCOPE));
	ck_assert(!hpi_registry_wants(r, HP_EV_THREAD_START));
	/* the call tree moves an exited thread's calls to the finished tree */
	ck_assert(hpi_registry_wants(r, HP_EV_THREAD_EXIT));
	ck_assert_ptr_nonnull(snap = hpi_snapshot_new());
	hpi_registry_snapshot(r, snap);
	ck_assert_uint_eq(hp_snapshot_count(snap), 1);
	ck_assert_str_eq(hp_section_id(hp_snapshot_section(snap, 0)), "functions");
	ck_assert_uint_eq(hp_section_nrows(hp_snapshot_section(snap, 0)), 0);
	ck_assert_int_eq(nwarn, 0);
	hpi_snapshot_free(snap);
	hpi_registry_free(r);
	hpi_config_fini(&c);
}
END_TEST

/* The built-ins of a default configuration: timing, threads and locks. */
START_TEST(default_builtins)
{
	hpi_config c;
	hpi_registry *r;
	hp_snapshot *snap;
	int fails = -1;

	hpi_config_defaults(&c);
	ck_assert_ptr_nonnull(r = hpi_registry_new(&c, &fails));
	ck_assert_int_eq(fails, 0);
	ck_assert(hpi_registry_wants(r, HP_EV_SCOPE));
	ck_assert(hpi_registry_wants(r, HP_EV_TICK));
	ck_assert(hpi_registry_wants(r, HP_EV_THREAD_EXIT));
	ck_assert(hpi_registry_wants(r, HP_EV_LOCK_ACQUIRE));
	ck_assert(hpi_registry_wants(r, HP_EV_LOCK_WAIT));
	ck_assert(hpi_registry_wants(r, HP_EV_LOCK_HOLD));
	ck_assert(!hpi_registry_wants(r, HP_EV_THREAD_START));
	ck_assert_ptr_nonnull(snap = hpi_snapshot_new());
	hpi_registry_snapshot(r, snap);
	/* no lock was taken: no empty Locks table */
	ck_assert_uint_eq(hp_snapshot_count(snap), 3);
	ck_assert_str_eq(hp_section_id(hp_snapshot_section(snap, 0)), "functions");
	ck_assert_str_eq(hp_section_id(hp_snapshot_section(snap, 1)), "threads");
	ck_assert_str_eq(hp_section_id(hp_snapshot_section(snap, 2)), "process");
	hpi_snapshot_free(snap);
	hpi_registry_free(r);
	hpi_config_fini(&c);
}
END_TEST

START_TEST(timing_disabled_has_no_subscriber)
{
	hpi_config c;
	hpi_registry *r;
	hp_snapshot *snap;
	int fails = -1;

	hp_test_timing_only(&c);
	HP_TEST_OPT(&c, "timing", "enabled")->b = false;
	ck_assert_ptr_nonnull(r = hpi_registry_new(&c, &fails));
	ck_assert_int_eq(fails, 0);
	for (int k = 0; k < HP_EV__COUNT; k++)
		ck_assert(!hpi_registry_wants(r, (hp_event_kind)k));
	dispatch_all(r); /* goes nowhere */
	ck_assert_ptr_nonnull(snap = hpi_snapshot_new());
	hpi_registry_snapshot(r, snap);
	ck_assert_uint_eq(hp_snapshot_count(snap), 0);
	ck_assert_int_eq(nwarn, 0);
	hpi_snapshot_free(snap);
	hpi_registry_free(r);
	hpi_config_fini(&c);
}
END_TEST

/* ---- the external example plugin ------------------------------------------ */

/* slowest.so by path, next to timing: both get every scope event, whether
 * dispatched one by one or in a batch, and nothing else. */
START_TEST(slowest_by_path_gets_every_event)
{
	hpi_config c;
	hpi_registry *r;
	hp_snapshot *snap;
	const hp_section *fn;
	int fails = -1, hot, blk;

	hp_test_timing_only(&c);
	load_yaml(&c, SLOWEST_SO, 3, 9);
	ck_assert_ptr_nonnull(r = hpi_registry_new(&c, &fails));
	ck_assert_int_eq(fails, 0);
	ck_assert_int_eq(nwarn, 0);
	ck_assert(hpi_registry_wants(r, HP_EV_SCOPE));
	ck_assert(!hpi_registry_wants(r, HP_EV_THREAD_START));
	dispatch_all(r);
	ck_assert_ptr_nonnull(snap = hpi_snapshot_new());
	hpi_registry_snapshot(r, snap);
	/* built-ins first (timing's call tree after its table), then
	 * plugins.load in order */
	ck_assert_uint_eq(hp_snapshot_count(snap), 4);
	ck_assert_str_eq(hp_section_id(hp_snapshot_section(snap, 0)), "functions");
	ck_assert_str_eq(hp_section_id(hp_snapshot_section(snap, 1)), "calls");
	ck_assert_str_eq(hp_section_id(hp_snapshot_section(snap, 2)), "stacks");
	ck_assert_str_eq(hp_section_id(hp_snapshot_section(snap, 3)), "slowest");
	check_slowest(snap, 10);
	/* timing saw the same 20 calls: 7 in the block (i % 3 == 0), 13 in hot */
	fn = hp_snapshot_find(snap, "functions");
	ck_assert_uint_eq(hp_section_nrows(fn), 2);
	ck_assert_int_ge(hot = timing_row(fn, "plugin_user::hot"), 0);
	ck_assert_int_ge(blk = timing_row(fn, "custom_block"), 0);
	ck_assert_int_eq(hp_section_int(fn, (size_t)hot, 1), 13);
	ck_assert_int_eq(hp_section_int(fn, (size_t)blk, 1), 7);
	ck_assert_int_eq(hp_section_int(fn, (size_t)hot, 4), 20000); /* max: i = 17 */
	ck_assert_int_eq(nwarn, 0);
	hpi_snapshot_free(snap);
	hpi_registry_free(r);
	hpi_config_fini(&c);
}
END_TEST

/* By name through plugins.path; plugins.options.slowest.count = 3 (and
 * neither another plugin's options nor a longer name that starts the same
 * are read). */
START_TEST(slowest_by_name_reads_its_options)
{
	hpi_config c;
	hpi_registry *r;
	hp_snapshot *snap;
	int fails = -1;

	hp_test_timing_only(&c);
	HP_TEST_OPT(&c, "timing", "enabled")->b = false;
	add_path(&c, "/nonexistent/hotpath-plugins");
	add_path(&c, SLOWEST_DIR);
	load_yaml(&c, "slowest", 3, 9);
	add_option(&c, "slowestx.count", "1");
	add_option(&c, "timing.count", "2");
	add_option(&c, "slowest.count", "3");
	ck_assert_ptr_nonnull(r = hpi_registry_new(&c, &fails));
	ck_assert_int_eq(fails, 0);
	ck_assert(hpi_registry_wants(r, HP_EV_SCOPE));
	dispatch_all(r);
	ck_assert_ptr_nonnull(snap = hpi_snapshot_new());
	hpi_registry_snapshot(r, snap);
	ck_assert_uint_eq(hp_snapshot_count(snap), 1);
	check_slowest(snap, 3);
	ck_assert_int_eq(nwarn, 0);
	hpi_snapshot_free(snap);
	hpi_registry_free(r);
	hpi_config_fini(&c);
}
END_TEST

/* A bad option is one warning and the plugin's default (10 rows): slowest
 * declares count in its option rows, so the host checks it. */
START_TEST(bad_options_warn_and_use_the_default)
{
	static const char *const vals[] = {"abc", "0"};
	static const char *const want[] = {
		"plugins.options.slowest.count: expected an integer in 1..100000, "
		"got \"abc\"; using 10",
		"plugins.options.slowest.count: 0 is outside 1..100000; using 10",
	};

	for (int k = 0; k < 2; k++) {
		hpi_config c;
		hpi_registry *r;
		hp_snapshot *snap;
		int fails = -1;

		hp_test_timing_only(&c);
		HP_TEST_OPT(&c, "timing", "enabled")->b = false;
		load_yaml(&c, SLOWEST_SO, 3, 9);
		add_option(&c, "slowest.count", vals[k]);
		ck_assert_ptr_nonnull(r = hpi_registry_new(&c, &fails));
		ck_assert_int_eq(fails, 0);
		ck_assert_int_eq(nwarn, k + 1);
		ck_assert_str_eq(warns[k], want[k]);
		dispatch_all(r);
		ck_assert_ptr_nonnull(snap = hpi_snapshot_new());
		hpi_registry_snapshot(r, snap);
		check_slowest(snap, 10);
		hpi_snapshot_free(snap);
		hpi_registry_free(r);
		hpi_config_fini(&c);
	}
}
END_TEST

/* An external plugin's option rows: a bad value names the file, line and
 * column of plugins.options.<name>.<key>, a key without a row is unknown,
 * and HOTPATH_PLUGINS_OPTIONS_<NAME>_<KEY> beats the file. */
START_TEST(external_rows_check_values_where_they_were_written)
{
	hpi_config c;
	hpi_registry *r;
	hp_snapshot *snap;
	int fails = -1;

	hp_test_timing_only(&c);
	HP_TEST_OPT(&c, "timing", "enabled")->b = false;
	c.path = strdup("hp.yaml");
	load_yaml(&c, SLOWEST_SO, 3, 9);
	add_option_at(&c, "slowest.count", "many", 5, 21);
	add_option_at(&c, "slowest.cuont", "4", 5, 35);
	add_option_at(&c, "slowest.min_ns", "-1", 6, 13);
	ck_assert_ptr_nonnull(r = hpi_registry_new(&c, &fails));
	ck_assert_int_eq(fails, 0);
	ck_assert_int_eq(nwarn, 3);
	ck_assert_str_eq(warns[0], "hp.yaml:5:21: plugins.options.slowest.count: expected an "
				   "integer in 1..100000, got \"many\"; using 10");
	ck_assert_str_eq(warns[1], "hp.yaml:5:28: plugins.options.slowest.cuont: unknown key, "
				   "ignored");
	ck_assert_str_eq(warns[2], "hp.yaml:6:13: plugins.options.slowest.min_ns: -1 is outside "
				   "0..3600000000000; using 0");
	dispatch_all(r);
	ck_assert_ptr_nonnull(snap = hpi_snapshot_new());
	hpi_registry_snapshot(r, snap);
	check_slowest(snap, 10);
	hpi_snapshot_free(snap);
	hpi_registry_free(r);

	/* the variable wins over the file; min_ns drops the shorter calls */
	setenv("HOTPATH_PLUGINS_OPTIONS_SLOWEST_COUNT", "5", 1);
	setenv("HOTPATH_PLUGINS_OPTIONS_SLOWEST_MIN_NS", "17000", 1);
	ck_assert_ptr_nonnull(r = hpi_registry_new(&c, &fails));
	unsetenv("HOTPATH_PLUGINS_OPTIONS_SLOWEST_COUNT");
	unsetenv("HOTPATH_PLUGINS_OPTIONS_SLOWEST_MIN_NS");
	ck_assert_int_eq(nwarn, 6); /* the file's problems again, not more */
	dispatch_all(r);
	ck_assert_ptr_nonnull(snap = hpi_snapshot_new());
	hpi_registry_snapshot(r, snap);
	check_slowest(snap, 4); /* 17..20 µs: 4 calls, under count 5 */
	hpi_snapshot_free(snap);
	hpi_registry_free(r);
	hpi_config_fini(&c);
}
END_TEST

/* The one event map: names, values, the payload-pair mask, the old name. */
START_TEST(event_map_names_values_and_payload_kinds)
{
	ck_assert_str_eq(hpi_event_name(HP_EV_SCOPE), "SCOPE");
	ck_assert_str_eq(hpi_event_name(HP_EV_CHAN_SEND), "CHAN_SEND");
	ck_assert_str_eq(hpi_event_name(10), "TEXT_CHUNK");
	ck_assert_str_eq(hpi_event_name(HP_EV_ALLOC), "ALLOC");
	ck_assert_ptr_null(hpi_event_name(HP_EV__COUNT));
	ck_assert_int_eq(HP_EV__COUNT, 29);
	ck_assert_str_eq(hpi_event_name(HP_EV_UV_HANDLES), "UV_HANDLES");
	ck_assert_str_eq(hpi_event_name(HP_EV_IO), "IO");
	ck_assert_str_eq(hpi_event_name(HP_EV_DEBUG), "DEBUG");
	ck_assert_str_eq(hpi_event_name(HP_EV_RLOCK_HOLD), "RLOCK_HOLD");
	ck_assert_int_eq(HP_EV_CHAN_TEXT, HP_EV_TEXT_CHUNK);
	ck_assert_int_eq(HP__EV_FUTURE_POLL, HP_EV_FUTURE_POLL);
	/* CHAN_SEND, CHAN_RECV, TEXT_CHUNK, FUTURE_*, ALLOC, GAUGE_*, VALUE, IO, UV_* */
	ck_assert_uint_eq(HP__EV_PAYLOAD_KINDS, (1u << 7) | (1u << 8) | (1u << 10) |
						(0xfu << 13) | (1u << 17) | (7u << 21) | (0xfu << 25));
	for (int k = 0; k < HP_EV__COUNT; k++)
		ck_assert_ptr_nonnull(hpi_event_name((uint32_t)k));
	/* the typed payloads share dur_ns's bytes (ABI 1's layout) */
	ck_assert_uint_eq(sizeof(hp_event), 40);
	ck_assert_uint_eq(offsetof(hp_event, msg), offsetof(hp_event, dur_ns));
	ck_assert_uint_eq(offsetof(hp_event, text), offsetof(hp_event, dur_ns));
	ck_assert_uint_eq(offsetof(hp_event, data), 32);
}
END_TEST

/* ---- loader errors: one line each, naming where the plugin was asked for -- */

START_TEST(missing_plugin_names_the_folders_searched)
{
	hpi_config c;
	hpi_registry *r;
	int fails = -1;

	hp_test_timing_only(&c);
	add_path(&c, "/nonexistent/a");
	add_path(&c, "/nonexistent/b");
	load_yaml(&c, "nosuch", 4, 11);
	ck_assert_ptr_nonnull(r = hpi_registry_new(&c, &fails));
	ck_assert_int_eq(fails, 1);
	ck_assert_int_eq(nwarn, 1);
	ck_assert_str_eq(warns[0], "hotpath.yaml:4:11: plugins.load[0]: cannot load plugin "
			 "\"nosuch\": no nosuch.so in /nonexistent/a, /nonexistent/b, "
			 HP_PLUGINDIR);
	ck_assert(hpi_registry_wants(r, HP_EV_SCOPE)); /* timing still runs */
	hpi_registry_free(r);
	hpi_config_fini(&c);
}
END_TEST

START_TEST(bad_abi_plugin_is_refused_by_name)
{
	hpi_config c;
	hpi_registry *r;
	int fails = -1;

	hp_test_timing_only(&c);
	HP_TEST_OPT(&c, "timing", "enabled")->b = false;
	strv_push(&c.plugin_path, BADABI_DIR, NULL, 0, 0, "HOTPATH_PLUGIN_PATH");
	strv_push(&c.plugin_load, "badabi", NULL, 0, 0, "HOTPATH_PLUGINS");
	ck_assert_ptr_nonnull(r = hpi_registry_new(&c, &fails));
	ck_assert_int_eq(fails, 1);
	ck_assert_int_eq(nwarn, 1);
	ck_assert_str_eq(warns[0], "HOTPATH_PLUGINS: plugins.load[0]: plugin \"badabi\" not "
			 "loaded: built for plugin ABI 99, this hotpath speaks 1");
	ck_assert(!hpi_registry_wants(r, HP_EV_SCOPE));
	hpi_registry_free(r);
	hpi_config_fini(&c);
}
END_TEST

/* Makes tmpdir/notso.so, a text file. */
static void make_notso(void)
{
	const char *base = getenv("TMPDIR");
	FILE *f;

	snprintf(tmpdir, sizeof(tmpdir), "%s/test_registry.XXXXXX",
		 base && *base ? base : "/tmp");
	ck_assert_ptr_nonnull(mkdtemp(tmpdir));
	snprintf(notso, sizeof(notso), "%s/notso.so", tmpdir);
	ck_assert_ptr_nonnull(f = fopen(notso, "w"));
	for (int i = 0; i < 8; i++)
		fputs("this is a text file, not a shared object\n", f);
	ck_assert_int_eq(fclose(f), 0);
}

START_TEST(not_a_shared_object_gives_the_loader_reason)
{
	hpi_config c;
	hpi_registry *r;
	char want[2 * PATH_MAX];
	int fails = -1;

	make_notso();
	hp_test_timing_only(&c);
	HP_TEST_OPT(&c, "timing", "enabled")->b = false;
	strv_push(&c.plugin_path, tmpdir, NULL, 0, 0, NULL);
	strv_push(&c.plugin_load, "notso", NULL, 0, 0, NULL); /* a built-in default */
	ck_assert_ptr_nonnull(r = hpi_registry_new(&c, &fails));
	ck_assert_int_eq(fails, 1);
	ck_assert_int_eq(nwarn, 1);
	/* refused before dlopen: its ELF header is read first */
	snprintf(want, sizeof(want), "default: plugins.load[0]: plugin \"notso\" not loaded: "
		 "%s: not an ELF file", notso);
	ck_assert_str_eq(warns[0], want);
	hpi_registry_free(r);
	hpi_config_fini(&c);
}
END_TEST

/* Every failure is its own line with its own index; the rest still load. */
START_TEST(failures_leave_the_others_running)
{
	hpi_config c;
	hpi_registry *r;
	hp_snapshot *snap;
	int fails = -1;

	make_notso();
	hp_test_timing_only(&c);
	HP_TEST_OPT(&c, "timing", "enabled")->b = false;
	add_path(&c, tmpdir);
	load_yaml(&c, "nosuch", 3, 9);
	load_yaml(&c, BADABI_SO, 4, 9);
	load_yaml(&c, SLOWEST_SO, 5, 9);
	load_yaml(&c, "notso", 6, 9);
	ck_assert_ptr_nonnull(r = hpi_registry_new(&c, &fails));
	ck_assert_int_eq(fails, 3);
	ck_assert_int_eq(nwarn, 3);
	ck_assert_ptr_eq(strstr(warns[0], "hotpath.yaml:3:9: plugins.load[0]: cannot load "
				"plugin \"nosuch\": no nosuch.so in "), warns[0]);
	ck_assert_str_eq(warns[1], "hotpath.yaml:4:9: plugins.load[1]: plugin \"" BADABI_SO
			 "\" not loaded: built for plugin ABI 99, this hotpath speaks 1");
	ck_assert_ptr_eq(strstr(warns[2], "hotpath.yaml:6:9: plugins.load[3]: plugin \"notso\" "
				"not loaded: "), warns[2]);
	ck_assert(hpi_registry_wants(r, HP_EV_SCOPE));
	dispatch_all(r);
	ck_assert_ptr_nonnull(snap = hpi_snapshot_new());
	hpi_registry_snapshot(r, snap);
	ck_assert_uint_eq(hp_snapshot_count(snap), 1);
	check_slowest(snap, 10);
	hpi_snapshot_free(snap);
	hpi_registry_free(r);
	hpi_config_fini(&c);
}
END_TEST

static Suite *registry_suite(void)
{
	Suite *s = suite_create("registry");
	TCase *tb = tcase_create("builtin");
	TCase *tp = tcase_create("external");
	TCase *te = tcase_create("errors");

	tcase_set_timeout(tb, 30);
	tcase_add_checked_fixture(tb, setup, teardown);
	tcase_add_test(tb, default_config_has_timing);
	tcase_add_test(tb, default_builtins);
	tcase_add_test(tb, timing_disabled_has_no_subscriber);
	tcase_add_test(tb, external_rows_check_values_where_they_were_written);
	tcase_add_test(tb, event_map_names_values_and_payload_kinds);
	suite_add_tcase(s, tb);

	tcase_set_timeout(tp, 30);
	tcase_add_checked_fixture(tp, setup, teardown);
	tcase_add_test(tp, slowest_by_path_gets_every_event);
	tcase_add_test(tp, slowest_by_name_reads_its_options);
	tcase_add_test(tp, bad_options_warn_and_use_the_default);
	suite_add_tcase(s, tp);

	tcase_set_timeout(te, 30);
	tcase_add_checked_fixture(te, setup, teardown);
	tcase_add_test(te, missing_plugin_names_the_folders_searched);
	tcase_add_test(te, bad_abi_plugin_is_refused_by_name);
	tcase_add_test(te, not_a_shared_object_gives_the_loader_reason);
	tcase_add_test(te, failures_leave_the_others_running);
	suite_add_tcase(s, te);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(registry_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
