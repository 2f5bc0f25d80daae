/* SPDX-License-Identifier: MIT */
/*
 * test_config.c - hotpath.yaml and HOTPATH_* (core/config.c).
 *
 * Each test writes its YAML to a temporary file, loads it, and checks the
 * exact values and the exact warning lines (with line and column).
 */
#include <check.h>
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "hpi.h"

/* A built-in collector's option collectors.<plugin>.<key> in config c. */
#define HP_TEST_OPT(c, plugin, key) (hpi_config_opt((c), (plugin), (key)))

#ifndef HP_SRCDIR
#define HP_SRCDIR "."
#endif

#define MAX_WARN 32
#define MAX_FILES 8

extern char **environ;

static char *warns[MAX_WARN];
static int nwarn;
static char files[MAX_FILES][PATH_MAX];
static int nfiles;
static char tmpdir[PATH_MAX];
static char oldcwd[PATH_MAX];

/* Warning sink: keeps each line. */
static void sink(const char *line, void *data)
{
	(void)data;
	if (nwarn < MAX_WARN)
		warns[nwarn] = strdup(line);
	nwarn++;
}

/* Unsets every HOTPATH_* variable, so that the caller's shell never leaks in. */
static void clear_env(void)
{
	char name[256];
	int again = 1;

	while (again) {
		again = 0;
		for (char **e = environ; *e; e++) {
			size_t n = strcspn(*e, "=");

			if (strncmp(*e, "HOTPATH_", 8) == 0 && n < sizeof name) {
				memcpy(name, *e, n);
				name[n] = '\0';
				unsetenv(name);
				again = 1;
				break;
			}
		}
	}
}

/* Per test: clean environment, capture warnings. */
static void setup(void)
{
	clear_env();
	nwarn = 0;
	nfiles = 0;
	tmpdir[0] = '\0';
	hpi_warn_set_sink(sink, NULL);
}

/* Per test: drop warnings and temporary files, restore cwd. */
static void teardown(void)
{
	for (int i = 0; i < nwarn && i < MAX_WARN; i++)
		free(warns[i]);
	for (int i = 0; i < nfiles; i++)
		unlink(files[i]);
	if (tmpdir[0]) {
		ck_assert_int_eq(chdir(oldcwd), 0);
		rmdir(tmpdir);
	}
	hpi_warn_set_sink(NULL, NULL);
	clear_env();
}

/* Base folder for temporary files. */
static const char *tmpbase(void)
{
	const char *t = getenv("TMPDIR");

	return t && *t ? t : "/tmp";
}

/* Writes n bytes of text to a new temporary file; returns its path. */
static const char *fixture_n(const char *text, size_t n)
{
	char *path = files[nfiles];
	FILE *f;
	int fd;

	ck_assert_int_lt(nfiles, MAX_FILES);
	snprintf(path, PATH_MAX, "%s/hp_config_XXXXXX", tmpbase());
	fd = mkstemp(path);
	ck_assert_int_ge(fd, 0);
	f = fdopen(fd, "w");
	ck_assert_ptr_nonnull(f);
	ck_assert_uint_eq(fwrite(text, 1, n, f), n);
	fclose(f);
	nfiles++;
	return path;
}

/* Writes text to a new temporary file; returns its path. */
static const char *fixture(const char *text)
{
	return fixture_n(text, strlen(text));
}

/* Moves into a new empty temporary folder (undone in teardown). */
static void enter_tmpdir(void)
{
	ck_assert_ptr_nonnull(getcwd(oldcwd, sizeof oldcwd));
	snprintf(tmpdir, sizeof tmpdir, "%s/hp_config_dir_XXXXXX", tmpbase());
	ck_assert_ptr_nonnull(mkdtemp(tmpdir));
	ck_assert_int_eq(chdir(tmpdir), 0);
}

/* Asserts warning i is exactly the printf-formatted text. */
static void check_warn(int i, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void check_warn(int i, const char *fmt, ...)
{
	char want[4096];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(want, sizeof want, fmt, ap);
	va_end(ap);
	ck_assert_msg(i < nwarn, "warning %d missing; wanted: %s", i, want);
	ck_assert_str_eq(warns[i], want);
}

/* Loads yaml text from a fixture into c; returns hpi_config_load's value. */
static int load(hpi_config *c, const char *yaml, const char **path)
{
	const char *p = fixture(yaml);

	if (path)
		*path = p;
	return hpi_config_load(c, p);
}

/* Asserts c holds exactly the built-in defaults (c->path aside). */
static void check_defaults(const hpi_config *c)
{
	ck_assert(!c->strict);
	ck_assert_int_eq(c->drain_interval_ms, 10);
	ck_assert_int_eq(c->buffer_max_mb, 64);
	ck_assert(HP_TEST_OPT(c, "timing", "enabled")->b);
	ck_assert_int_eq(HP_TEST_OPT(c, "timing", "recent_logs")->i, 50);
	ck_assert(!HP_TEST_OPT(c, "alloc", "enabled")->b);
	ck_assert(!HP_TEST_OPT(c, "alloc", "self")->b);
	ck_assert(HP_TEST_OPT(c, "channels", "enabled")->b);
	ck_assert_int_eq(HP_TEST_OPT(c, "channels", "logs_limit")->i, 50);
	ck_assert(HP_TEST_OPT(c, "futures", "enabled")->b);
	ck_assert(HP_TEST_OPT(c, "threads", "enabled")->b);
	ck_assert_int_eq(HP_TEST_OPT(c, "threads", "interval_ms")->i, 250);
	ck_assert_int_eq(c->format, HP_FORMAT_TABLE);
	ck_assert_uint_eq(c->npcts, 1);
	ck_assert(c->pcts[0] == 95);
	ck_assert_int_eq(c->limit, 15);
	ck_assert_str_eq(c->output, "stderr");
	ck_assert_uint_eq(c->scripts.n, 0);
	ck_assert_int_eq(c->script_memory_mb, 64);
	ck_assert_int_eq(c->script_instructions, 1000000000);
	ck_assert(c->on_signal); /* on by default (issue 20) */
	ck_assert_str_eq(c->endpoint, "auto");
	ck_assert_str_eq(c->query, "auto");
	ck_assert_int_eq(c->publish_interval_ms, 250);
	ck_assert_uint_eq(c->plugin_path.n, 0);
	ck_assert_uint_eq(c->plugin_load.n, 0);
	ck_assert_uint_eq(c->noptions, 0);
}

/* Asserts item i of v is s with origin o ("FILE:L:C" or a variable). */
static void check_item(const hpi_strv *v, size_t i, const char *s, const char *o)
{
	char buf[PATH_MAX + 64];

	ck_assert_uint_gt(v->n, i);
	ck_assert_str_eq(v->v[i], s);
	ck_assert_str_eq(hpi_origin_str(&v->origin[i], buf, sizeof buf), o);
}

/* ---- defaults and percentiles ------------------------------------------- */

START_TEST(test_defaults)
{
	hpi_config c;

	hpi_config_defaults(&c);
	check_defaults(&c);
	ck_assert_ptr_null(c.path);
	hpi_config_fini(&c);
	ck_assert_ptr_null(c.output);
	hpi_config_fini(&c); /* a second fini is harmless */
	ck_assert_int_eq(nwarn, 0);
}
END_TEST

START_TEST(test_pct_parse_ok)
{
	double p[HPI_MAX_PCTS];
	size_t n = 99;
	char *cause = (char *)"unchanged";

	ck_assert_int_eq(hpi_parse_percentiles("50, 95,99.9", p, HPI_MAX_PCTS, &n, &cause), 0);
	ck_assert_ptr_null(cause);
	ck_assert_uint_eq(n, 3);
	ck_assert(p[0] == 50 && p[1] == 95 && p[2] == 99.9);
	ck_assert_int_eq(hpi_parse_percentiles(" 0 ,\t100 ", p, 2, &n, NULL), 0);
	ck_assert_uint_eq(n, 2);
	ck_assert(p[0] == 0 && p[1] == 100);
}
END_TEST

/* Asserts hpi_parse_percentiles(s, max) fails with rv and exactly cause. */
static void check_pct_error(const char *s, size_t max, int rv, const char *why)
{
	double p[40];
	size_t n = 99;
	char *cause = NULL;

	ck_assert_int_eq(hpi_parse_percentiles(s, p, max, &n, &cause), rv);
	ck_assert_uint_eq(n, 0);
	ck_assert_ptr_nonnull(cause);
	ck_assert_str_eq(cause, why);
	free(cause);
}

START_TEST(test_pct_parse_errors)
{
	char many[200] = "1";

	for (int i = 0; i < 32; i++)
		strcat(many, ",1");
	check_pct_error("50,x", 32, HP_EINVAL, "bad number \"x\"");
	check_pct_error("50, 150", 32, HP_ERANGE, "150 is outside 0..100");
	check_pct_error("-1", 32, HP_ERANGE, "-1 is outside 0..100");
	check_pct_error("1e3", 32, HP_ERANGE, "1e3 is outside 0..100");
	check_pct_error("nan", 32, HP_EINVAL, "bad number \"nan\"");
	check_pct_error("0x10", 32, HP_EINVAL, "bad number \"0x10\"");
	check_pct_error("50,,95", 32, HP_EINVAL, "bad number \"\"");
	check_pct_error(many, 32, HP_EINVAL, "too many percentiles (max 32)");
	check_pct_error("1,2,3", 2, HP_EINVAL, "too many percentiles (max 2)");
	check_pct_error("", 32, HP_EINVAL, "no percentiles given");
	check_pct_error("  ", 32, HP_EINVAL, "no percentiles given");
}
END_TEST

/* ---- finding the file ---------------------------------------------------- */

START_TEST(test_no_file_is_silent)
{
	hpi_config c;

	enter_tmpdir();
	ck_assert_int_eq(hpi_config_load(&c, NULL), 0);
	check_defaults(&c);
	ck_assert_ptr_null(c.path);
	ck_assert_int_eq(nwarn, 0);
	hpi_config_fini(&c);
}
END_TEST

START_TEST(test_file_in_cwd)
{
	hpi_config c;
	FILE *f;

	enter_tmpdir();
	f = fopen("hotpath.yaml", "w");
	ck_assert_ptr_nonnull(f);
	fputs("report:\n  limit: 7\n  format: jsn\n", f);
	fclose(f);
	ck_assert_int_eq(hpi_config_load(&c, NULL), 0);
	unlink("hotpath.yaml");
	ck_assert_str_eq(c.path, "hotpath.yaml");
	ck_assert_int_eq(c.limit, 7);
	ck_assert_int_eq(nwarn, 1);
	check_warn(0, "hotpath.yaml:3:11: report.format: expected table, json, json-pretty, "
		   "html or none, got \"jsn\"; using table");
	hpi_config_fini(&c);
}
END_TEST

START_TEST(test_file_from_env)
{
	const char *a = fixture("report: { limit: 3 }\n");
	const char *b = fixture("report: { limit: 4 }\n");
	hpi_config c;

	enter_tmpdir();
	setenv("HOTPATH_CONFIG", a, 1);
	ck_assert_int_eq(hpi_config_load(&c, NULL), 0);
	ck_assert_str_eq(c.path, a);
	ck_assert_int_eq(c.limit, 3);
	hpi_config_fini(&c);
	/* An explicit path wins over $HOTPATH_CONFIG. */
	ck_assert_int_eq(hpi_config_load(&c, b), 0);
	ck_assert_str_eq(c.path, b);
	ck_assert_int_eq(c.limit, 4);
	hpi_config_fini(&c);
	ck_assert_int_eq(nwarn, 0);
}
END_TEST

START_TEST(test_cannot_open)
{
	hpi_config c;

	ck_assert_int_eq(hpi_config_load(&c, "/nonexistent/hotpath.yaml"), 0);
	check_defaults(&c);
	ck_assert_ptr_null(c.path);
	hpi_config_fini(&c);
	setenv("HOTPATH_CONFIG", "/nonexistent/env.yaml", 1);
	ck_assert_int_eq(hpi_config_load(&c, NULL), 0);
	hpi_config_fini(&c);
	ck_assert_int_eq(hpi_config_load(&c, tmpbase()), 0);
	hpi_config_fini(&c);
	ck_assert_int_eq(nwarn, 3);
	check_warn(0, "/nonexistent/hotpath.yaml: cannot open: No such file or directory; "
		   "using built-in defaults");
	check_warn(1, "/nonexistent/env.yaml: cannot open: No such file or directory; "
		   "using built-in defaults");
	check_warn(2, "%s: cannot open: Is a directory; using built-in defaults", tmpbase());
}
END_TEST

/* ---- whole files ----------------------------------------------------------- */

static const char full_yaml[] =
	"strict: true\n"
	"collector: { drain_interval_ms: 5, buffer_max_mb: 128 }\n"
	"collectors:\n"
	"  timing: { enabled: false, recent_logs: 7, include: [a], exclude: [] }\n"
	"  alloc: { enabled: yes, self: on }\n"
	"  channels: { enabled: off, logs_limit: 0 }\n"
	"  streams: { enabled: false }\n"
	"  futures: { enabled: NO }\n"
	"  threads: { enabled: False, interval_ms: 1000 }\n"
	"  locks: { enabled: true }\n"
	"report:\n"
	"  format: json-pretty\n"
	"  percentiles: [50, 99.9, 100]\n"
	"  limit: 0\n"
	"  output: out.json\n"
	"  scripts:\n"
	"    - csv.lua\n"
	"    - { path: top.lua, options: { n: 3 } }\n"
	"  script_memory_mb: 8\n"
	"  script_instructions: 5000\n"
	"  on_signal: false\n"
	"publish:\n"
	"  endpoint: \"off\"\n"
	"  query: ipc:///tmp/q\n"
	"  interval_ms: 1000\n"
	"  tls: { cert: c.pem, key: k.pem, ca: ca.pem }\n"
	"plugins:\n"
	"  path: [/opt/hp]\n"
	"  load: [slowest, ./my.so]\n"
	"  options:\n"
	"    slowest: { count: 5, label: \"x y\" }\n"
	"console: { panels: [timing, threads] }\n";

START_TEST(test_full_file)
{
	char o[PATH_MAX + 32];
	const char *p;
	hpi_config c;

	ck_assert_int_eq(load(&c, full_yaml, &p), 0);
	ck_assert_int_eq(nwarn, 0);
	ck_assert_str_eq(c.path, p);
	ck_assert(c.strict);
	ck_assert_int_eq(c.drain_interval_ms, 5);
	ck_assert_int_eq(c.buffer_max_mb, 128);
	ck_assert(!HP_TEST_OPT(&c, "timing", "enabled")->b);
	ck_assert_int_eq(HP_TEST_OPT(&c, "timing", "recent_logs")->i, 7);
	ck_assert(HP_TEST_OPT(&c, "alloc", "enabled")->b && HP_TEST_OPT(&c, "alloc", "self")->b);
	ck_assert(!HP_TEST_OPT(&c, "channels", "enabled")->b);
	ck_assert_int_eq(HP_TEST_OPT(&c, "channels", "logs_limit")->i, 0);
	ck_assert(!HP_TEST_OPT(&c, "futures", "enabled")->b && !HP_TEST_OPT(&c, "threads", "enabled")->b);
	ck_assert_int_eq(HP_TEST_OPT(&c, "threads", "interval_ms")->i, 1000);
	ck_assert_int_eq(c.format, HP_FORMAT_JSON_PRETTY);
	ck_assert_uint_eq(c.npcts, 3);
	ck_assert(c.pcts[0] == 50 && c.pcts[1] == 99.9 && c.pcts[2] == 100);
	ck_assert_int_eq(c.limit, 0);
	ck_assert_str_eq(c.output, "out.json");
	ck_assert(!c.on_signal);
	ck_assert_str_eq(c.endpoint, "off");
	ck_assert_str_eq(c.query, "ipc:///tmp/q");
	ck_assert_int_eq(c.publish_interval_ms, 1000);
	ck_assert_uint_eq(c.scripts.n, 2);
	check_item(&c.scripts, 0, "csv.lua", (snprintf(o, sizeof o, "%s:17:7", p), o));
	check_item(&c.scripts, 1, "top.lua", (snprintf(o, sizeof o, "%s:18:15", p), o));
	ck_assert_ptr_null(c.scripts.opts[0]);
	ck_assert_str_eq(c.scripts.opts[1], "{\"n\":3}");
	ck_assert_int_eq(c.script_memory_mb, 8);
	ck_assert_int_eq(c.script_instructions, 5000);
	ck_assert_uint_eq(c.plugin_path.n, 1);
	check_item(&c.plugin_path, 0, "/opt/hp", (snprintf(o, sizeof o, "%s:28:10", p), o));
	ck_assert_uint_eq(c.plugin_load.n, 2);
	check_item(&c.plugin_load, 0, "slowest", (snprintf(o, sizeof o, "%s:29:10", p), o));
	check_item(&c.plugin_load, 1, "./my.so", (snprintf(o, sizeof o, "%s:29:19", p), o));
	ck_assert_uint_eq(c.noptions, 2);
	ck_assert_str_eq(c.options[0].key, "slowest.count");
	ck_assert_str_eq(c.options[0].value, "5");
	ck_assert_str_eq(c.options[1].key, "slowest.label");
	ck_assert_str_eq(c.options[1].value, "x y");
	hpi_config_fini(&c);
}
END_TEST

START_TEST(test_shipped_file_is_defaults)
{
	hpi_config c;

	ck_assert_int_eq(hpi_config_load(&c, HP_SRCDIR "/config/hotpath.yaml"), 0);
	ck_assert_int_eq(nwarn, 0);
	ck_assert_str_eq(c.path, HP_SRCDIR "/config/hotpath.yaml");
	check_defaults(&c);
	hpi_config_fini(&c);
}
END_TEST

START_TEST(test_empty_inputs)
{
	static const char *const texts[] = { "", "# only a comment\n", "---\n", "--- ~\n",
					     "---\n...\n", "\n\n   \n" };
	hpi_config c;

	for (size_t i = 0; i < sizeof texts / sizeof texts[0]; i++) {
		ck_assert_int_eq(load(&c, texts[i], NULL), 0);
		check_defaults(&c);
		hpi_config_fini(&c);
	}
	ck_assert_int_eq(nwarn, 0);
}
END_TEST

START_TEST(test_not_a_map)
{
	const char *p1, *p2;
	hpi_config c;

	ck_assert_int_eq(load(&c, "hello\n", &p1), 0);
	check_defaults(&c);
	hpi_config_fini(&c);
	ck_assert_int_eq(load(&c, "\n  - 1\n  - 2\n", &p2), 0);
	hpi_config_fini(&c);
	ck_assert_int_eq(nwarn, 2);
	check_warn(0, "%s:1:1: expected a map at the top level, got \"hello\"; "
		   "using built-in defaults", p1);
	check_warn(1, "%s:2:3: expected a map at the top level, got a list; "
		   "using built-in defaults", p2);
}
END_TEST

/* ---- malformed YAML -------------------------------------------------------- */

START_TEST(test_syntax_error)
{
	const char *p;
	hpi_config c;

	ck_assert_int_eq(load(&c, "report:\n  limit: 3\n  format: [json\n", &p), 0);
	ck_assert_int_eq(nwarn, 1);
	check_warn(0, "%s:4:1: syntax error: did not find expected ',' or ']'; "
		   "using built-in defaults", p);
	check_defaults(&c); /* limit: 3 came before the error, but is not kept */
	ck_assert_str_eq(c.path, p);
	hpi_config_fini(&c);
	ck_assert_int_eq(load(&c, "report:\n  limit: 3\n    format: json\n", &p), 0);
	check_warn(1, "%s:3:11: syntax error: mapping values are not allowed in this "
		   "context; using built-in defaults", p);
	hpi_config_fini(&c);
}
END_TEST

START_TEST(test_not_utf8)
{
	const char *p;
	hpi_config c;

	p = fixture("report:\n  limit: 3\n  output: caf\xe9\n");
	ck_assert_int_eq(hpi_config_load(&c, p), 0);
	ck_assert_int_eq(nwarn, 1);
	check_warn(0, "%s:3:14: syntax error: incomplete UTF-8 octet sequence; "
		   "using built-in defaults", p);
	check_defaults(&c);
	hpi_config_fini(&c);
}
END_TEST

START_TEST(test_deep_nesting)
{
	char yaml[1000] = "a: ";
	const char *p;
	hpi_config c;

	for (int i = 0; i < 300; i++)
		strcat(yaml, "[");
	for (int i = 0; i < 300; i++)
		strcat(yaml, "]");
	strcat(yaml, "\n");
	ck_assert_int_eq(load(&c, yaml, &p), 0);
	ck_assert_int_eq(nwarn, 1);
	/* The map is level 1, so the 64th "[" (column 67) is one too many. */
	check_warn(0, "%s:1:67: nested deeper than 64 levels; using built-in defaults", p);
	check_defaults(&c);
	hpi_config_fini(&c);
}
END_TEST

START_TEST(test_second_document)
{
	const char *p;
	hpi_config c;

	ck_assert_int_eq(load(&c, "report: { limit: 3 }\n---\nreport: { limit: 4 }\n", &p), 0);
	ck_assert_int_eq(c.limit, 3);
	ck_assert_int_eq(nwarn, 1);
	check_warn(0, "%s:2:1: only the first YAML document is read, the rest is ignored", p);
	hpi_config_fini(&c);
}
END_TEST

START_TEST(test_aliases)
{
	const char *p;
	hpi_config c;

	ck_assert_int_eq(load(&c, "report:\n  limit: &n 5\n  output: *n\n"
			      "plugins: { load: [*n, x] }\n", &p), 0);
	ck_assert_int_eq(c.limit, 5); /* an anchor alone is fine */
	ck_assert_str_eq(c.output, "stderr");
	ck_assert_uint_eq(c.plugin_load.n, 1);
	ck_assert_str_eq(c.plugin_load.v[0], "x");
	ck_assert_int_eq(nwarn, 2);
	check_warn(0, "%s:3:11: report.output: aliases are not supported; using stderr", p);
	check_warn(1, "%s:4:19: plugins.load[0]: aliases are not supported; ignored", p);
	hpi_config_fini(&c);
}
END_TEST

/* ---- bad values ------------------------------------------------------------ */

START_TEST(test_wrong_type_keeps_default)
{
	const char *p;
	hpi_config c;

	ck_assert_int_eq(load(&c, "report:\n  format: json\n  limit: abc\n  output: x.txt\n", &p), 0);
	ck_assert_int_eq(nwarn, 1);
	check_warn(0, "%s:3:10: report.limit: expected a non-negative integer, got \"abc\"; "
		   "using 15", p);
	ck_assert_int_eq(c.limit, 15);
	ck_assert_int_eq(c.format, HP_FORMAT_JSON); /* the other keys still apply */
	ck_assert_str_eq(c.output, "x.txt");
	hpi_config_fini(&c);
}
END_TEST

START_TEST(test_bad_enum)
{
	const char *p;
	hpi_config c;

	ck_assert_int_eq(load(&c, "report: { limit: 3, format: xml }\n", &p), 0);
	ck_assert_int_eq(nwarn, 1);
	check_warn(0, "%s:1:29: report.format: expected table, json, json-pretty, html or none, "
		   "got \"xml\"; using table", p);
	ck_assert_int_eq(c.format, HP_FORMAT_TABLE);
	ck_assert_int_eq(c.limit, 3);
	hpi_config_fini(&c);
	ck_assert_int_eq(load(&c, "report: { format: NONE }\n", &p), 0);
	ck_assert_int_eq(c.format, HP_FORMAT_NONE);
	ck_assert_int_eq(nwarn, 1);
	hpi_config_fini(&c);
}
END_TEST

START_TEST(test_percentile_out_of_range)
{
	const char *p;
	hpi_config c;

	ck_assert_int_eq(load(&c, "report:\n  percentiles: [50, 150, 99]\n  limit: 4\n", &p), 0);
	ck_assert_int_eq(nwarn, 1);
	check_warn(0, "%s:2:21: report.percentiles[1]: 150 is outside 0..100; using [95]", p);
	ck_assert_uint_eq(c.npcts, 1); /* the whole list falls back */
	ck_assert(c.pcts[0] == 95);
	ck_assert_int_eq(c.limit, 4);
	hpi_config_fini(&c);
}
END_TEST

START_TEST(test_percentile_forms)
{
	const char *p;
	hpi_config c;

	ck_assert_int_eq(load(&c, "report: { percentiles: \"50, 99.9\" }\n", &p), 0);
	ck_assert_uint_eq(c.npcts, 2);
	ck_assert(c.pcts[0] == 50 && c.pcts[1] == 99.9);
	hpi_config_fini(&c);
	ck_assert_int_eq(nwarn, 0);
	ck_assert_int_eq(load(&c, "report: { percentiles: \"50,x\" }\n", &p), 0);
	check_warn(0, "%s:1:24: report.percentiles: bad number \"x\"; using [95]", p);
	hpi_config_fini(&c);
	ck_assert_int_eq(load(&c, "report: { percentiles: [50, {a: 1}] }\n", &p), 0);
	check_warn(1, "%s:1:29: report.percentiles[1]: expected a number, got a map; "
		   "using [95]", p);
	hpi_config_fini(&c);
	ck_assert_int_eq(load(&c, "report: { percentiles: [50, abc] }\n", &p), 0);
	check_warn(2, "%s:1:29: report.percentiles[1]: expected a number, got \"abc\"; "
		   "using [95]", p);
	hpi_config_fini(&c);
	ck_assert_int_eq(load(&c, "report: { percentiles: [] }\n", &p), 0);
	check_warn(3, "%s:1:24: report.percentiles: no percentiles given; using [95]", p);
	hpi_config_fini(&c);
	ck_assert_int_eq(load(&c, "report: { percentiles: [1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,"
			      "1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1] }\n", &p), 0);
	check_warn(4, "%s:1:24: report.percentiles: too many percentiles (max 32); "
		   "using [95]", p);
	ck_assert_uint_eq(c.npcts, 1);
	hpi_config_fini(&c);
	ck_assert_int_eq(nwarn, 5);
}
END_TEST

START_TEST(test_unknown_keys)
{
	const char *p;
	hpi_config c;

	ck_assert_int_eq(load(&c, "colectors: {}\nreport:\n  formt: json\n  limit: 2\n"
			      "collectors:\n  gpu: { enabled: true }\n", &p), 0);
	ck_assert_int_eq(nwarn, 3);
	check_warn(0, "%s:1:1: colectors: unknown key, ignored", p);
	check_warn(1, "%s:3:3: report.formt: unknown key, ignored", p);
	check_warn(2, "%s:6:3: collectors.gpu: unknown key, ignored", p);
	ck_assert_int_eq(c.limit, 2);
	ck_assert_int_eq(c.format, HP_FORMAT_TABLE);
	hpi_config_fini(&c);
}
END_TEST

START_TEST(test_wrong_node_kind)
{
	const char *p;
	hpi_config c;

	ck_assert_int_eq(load(&c, "plugins:\n  load: { a: 1 }\n  path: /opt\n"
			      "report: [1]\ncollector:\n  drain_interval_ms: [5]\n"
			      "? [complex]\n: 1\n", &p), 0);
	ck_assert_int_eq(nwarn, 5);
	check_warn(0, "%s:2:9: plugins.load: expected a list; ignored", p);
	check_warn(1, "%s:3:9: plugins.path: expected a list; ignored", p);
	check_warn(2, "%s:4:9: report: expected a map; ignored", p);
	check_warn(3, "%s:6:22: collector.drain_interval_ms: expected an integer in 1..10000, "
		   "got a list; using 10", p);
	check_warn(4, "%s:7:3: expected a scalar key, got a list; ignored", p);
	check_defaults(&c);
	hpi_config_fini(&c);
}
END_TEST

START_TEST(test_booleans)
{
	const char *p;
	hpi_config c;

	ck_assert_int_eq(load(&c, "strict: No\ncollectors:\n  alloc: { enabled: YES, self: On }\n"
			      "  timing: { enabled: off }\n  futures: { enabled: 0 }\n"
			      "  threads: { enabled: maybe }\nreport: { on_signal: TRUE }\n", &p), 0);
	ck_assert(!c.strict);
	ck_assert(HP_TEST_OPT(&c, "alloc", "enabled")->b && HP_TEST_OPT(&c, "alloc", "self")->b && c.on_signal);
	ck_assert(!HP_TEST_OPT(&c, "timing", "enabled")->b && !HP_TEST_OPT(&c, "futures", "enabled")->b);
	ck_assert(HP_TEST_OPT(&c, "threads", "enabled")->b);
	ck_assert_int_eq(nwarn, 1);
	check_warn(0, "%s:6:23: collectors.threads.enabled: expected true or false, "
		   "got \"maybe\"; using true", p);
	hpi_config_fini(&c);
}
END_TEST

START_TEST(test_integers)
{
	const char *p;
	hpi_config c;

	ck_assert_int_eq(load(&c, "collector:\n  drain_interval_ms: 0\n"
			      "  buffer_max_mb: 99999999999999999999999\n"
			      "collectors:\n  timing: { recent_logs: 10ms }\n"
			      "  threads: { interval_ms: 0x10 }\n"
			      "  channels: { logs_limit: 100000 }\n"
			      "report: { limit: -1 }\n", &p), 0);
	ck_assert_int_eq(nwarn, 5);
	check_warn(0, "%s:2:22: collector.drain_interval_ms: 0 is outside 1..10000; using 10", p);
	check_warn(1, "%s:3:18: collector.buffer_max_mb: 99999999999999999999999 is outside "
		   "1..65536; using 64", p);
	check_warn(2, "%s:5:26: collectors.timing.recent_logs: expected an integer in "
		   "0..100000, got \"10ms\"; using 50", p);
	check_warn(3, "%s:6:27: collectors.threads.interval_ms: expected an integer in "
		   "10..60000, got \"0x10\"; using 250", p);
	check_warn(4, "%s:8:18: report.limit: expected a non-negative integer, got \"-1\"; "
		   "using 15", p);
	ck_assert_int_eq(HP_TEST_OPT(&c, "channels", "logs_limit")->i, 100000);
	hpi_config_fini(&c);
	ck_assert_int_eq(load(&c, "report: { limit: 99999999999999999999 }\n", &p), 0);
	check_warn(5, "%s:1:18: report.limit: 99999999999999999999 is too large; using 15", p);
	hpi_config_fini(&c);
	ck_assert_int_eq(load(&c, "report: { limit: 9223372036854775807 }\n", &p), 0);
	ck_assert_int_eq(c.limit, LONG_MAX);
	ck_assert_int_eq(nwarn, 6);
	hpi_config_fini(&c);
}
END_TEST

START_TEST(test_null_values)
{
	const char *p;
	hpi_config c;

	ck_assert_int_eq(load(&c, "report:\n  scripts: [a.lua]\n  scripts:\n"
			      "  on_signal:\n  output: ~\nplugins:\n  options:\n"
			      "collectors:\n", &p), 0);
	ck_assert_uint_eq(c.scripts.n, 0); /* null empties a list */
	ck_assert_int_eq(nwarn, 2);
	check_warn(0, "%s:4:13: report.on_signal: expected true or false, got null; "
		   "using true", p);
	check_warn(1, "%s:5:11: report.output: expected a non-empty string, got null; "
		   "using stderr", p);
	hpi_config_fini(&c);
}
END_TEST

START_TEST(test_duplicate_keys)
{
	const char *p;
	hpi_config c;

	ck_assert_int_eq(load(&c, "report:\n  limit: 3\n  limit: 4\n  scripts: [a, b]\n"
			      "  scripts: [c]\nreport: { format: json }\n", &p), 0);
	ck_assert_int_eq(nwarn, 0);
	ck_assert_int_eq(c.limit, 4);
	ck_assert_int_eq(c.format, HP_FORMAT_JSON);
	ck_assert_uint_eq(c.scripts.n, 1);
	ck_assert_str_eq(c.scripts.v[0], "c");
	hpi_config_fini(&c);
}
END_TEST

START_TEST(test_scripts)
{
	char o[PATH_MAX + 32];
	const char *p;
	hpi_config c;

	ck_assert_int_eq(load(&c, "report:\n  scripts:\n    - a.lua\n"
			      "    - { path: b.lua, options: { top: 3 } }\n"
			      "    - { options: {} }\n    - { path: c.lua, options: 3, x: 1 }\n"
			      "    - \"\"\n    - [d.lua]\n", &p), 0);
	ck_assert_uint_eq(c.scripts.n, 3);
	check_item(&c.scripts, 0, "a.lua", (snprintf(o, sizeof o, "%s:3:7", p), o));
	check_item(&c.scripts, 1, "b.lua", (snprintf(o, sizeof o, "%s:4:15", p), o));
	check_item(&c.scripts, 2, "c.lua", (snprintf(o, sizeof o, "%s:6:15", p), o));
	ck_assert_ptr_null(c.scripts.opts[0]);
	ck_assert_str_eq(c.scripts.opts[1], "{\"top\":3}");
	ck_assert_ptr_null(c.scripts.opts[2]); /* options: 3 is not a map */
	ck_assert_int_eq(nwarn, 5);
	check_warn(0, "%s:5:7: report.scripts[2]: missing key \"path\"; ignored", p);
	check_warn(1, "%s:6:31: report.scripts[3].options: expected a map; ignored", p);
	check_warn(2, "%s:6:34: report.scripts[3].x: unknown key, ignored", p);
	check_warn(3, "%s:7:7: report.scripts[4]: expected a non-empty string, got \"\"; "
		   "ignored", p);
	check_warn(4, "%s:8:7: report.scripts[5]: expected a non-empty string, got a list; "
		   "ignored", p);
	hpi_config_fini(&c);
}
END_TEST

/* A script's options map becomes JSON text: maps, lists, plain scalars
 * typed as YAML 1.2's core schema, quoted ones always strings. */
START_TEST(test_script_options)
{
	const char *p;
	hpi_config c;

	ck_assert_int_eq(load(&c, "report:\n  scripts:\n    - path: a.lua\n      options:\n"
			      "        s: plain text\n        q: \"2\"\n        i: 42\n"
			      "        neg: -7\n        f: 2.50\n        e: 1e3\n"
			      "        big: 99999999999999999999\n        t: true\n"
			      "        F: False\n        y: yes\n        n: ~\n        e2: ''\n"
			      "        l: [1, two, [3]]\n        m: { k: v, \"k 2\": 0x10 }\n"
			      "        a: &x 5\n        b: *x\n        ? [x]\n        : 1\n"
			      "    - { path: b.lua, options: {} }\n    - { path: c.lua, options: }\n",
			      &p), 0);
	ck_assert_uint_eq(c.scripts.n, 3);
	ck_assert_str_eq(c.scripts.opts[0],
			 "{\"s\":\"plain text\",\"q\":\"2\",\"i\":42,\"neg\":-7,\"f\":2.5,"
			 "\"e\":1e+03,\"big\":1e+20,\"t\":true,\"F\":false,\"y\":\"yes\","
			 "\"n\":null,\"e2\":\"\",\"l\":[1,\"two\",[3]],"
			 "\"m\":{\"k\":\"v\",\"k 2\":\"0x10\"},\"a\":5,\"b\":null}");
	ck_assert_str_eq(c.scripts.opts[1], "{}");
	ck_assert_ptr_null(c.scripts.opts[2]);
	ck_assert_int_eq(nwarn, 2);
	check_warn(0, "%s:20:12: report.scripts[0].options.b: aliases are not supported; "
		   "using null", p);
	check_warn(1, "%s:21:11: report.scripts[0].options: expected a scalar key, got a list; "
		   "ignored", p);
	hpi_config_fini(&c);
}
END_TEST

START_TEST(test_plugin_options)
{
	const char *p;
	hpi_config c;

	ck_assert_int_eq(load(&c, "plugins:\n  options:\n    slowest: { count: 5, deep: [1] }\n"
			      "    other: 3\n    net: { port: 9, port: 10 }\n    empty:\n", &p), 0);
	ck_assert_uint_eq(c.noptions, 2);
	ck_assert_str_eq(c.options[0].key, "slowest.count");
	ck_assert_str_eq(c.options[0].value, "5");
	ck_assert_str_eq(c.options[1].key, "net.port");
	ck_assert_str_eq(c.options[1].value, "10");
	ck_assert_int_eq(nwarn, 2);
	check_warn(0, "%s:3:32: plugins.options.slowest.deep: expected a scalar, got a list; "
		   "ignored", p);
	check_warn(1, "%s:4:12: plugins.options.other: expected a map; ignored", p);
	hpi_config_fini(&c);
}
END_TEST

START_TEST(test_reserved_keys)
{
	const char *p;
	hpi_config c;

	ck_assert_int_eq(load(&c, "collectors:\n  streams: { enabled: false }\n"
			      "  locks: { enabled: sometimes }\n"
			      "  timing: { include: [a, b], exclude: [c] }\n"
			      "publish: { tls: { cert: c.pem, key: \"\" } }\n"
			      "console: { panels: [timing] }\n", &p), 0);
	ck_assert_int_eq(nwarn, 2);
	check_warn(0, "%s:3:21: collectors.locks.enabled: expected true or false, "
		   "got \"sometimes\"; using true", p);
	check_warn(1, "%s:5:37: publish.tls.key: expected a non-empty string, got \"\"; "
		   "using nothing", p);
	check_defaults(&c);
	hpi_config_fini(&c);
}
END_TEST

START_TEST(test_message_escapes)
{
	const char *p;
	hpi_config c;

	ck_assert_int_eq(load(&c, "report:\n  limit: \"a\\tb\\\"c\\u0001\"\n"
			      "  format: aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\n",
			      &p), 0);
	ck_assert_int_eq(nwarn, 2);
	check_warn(0, "%s:2:10: report.limit: expected a non-negative integer, "
		   "got \"a\\tb\\\"c\\x01\"; using 15", p);
	check_warn(1, "%s:3:11: report.format: expected table, json, json-pretty, html or none, "
		   "got \"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa...\"; "
		   "using table", p);
	hpi_config_fini(&c);
}
END_TEST

/* ---- environment ----------------------------------------------------------- */

START_TEST(test_env_overrides_file)
{
	hpi_config c;

	setenv("HOTPATH_REPORT_LIMIT", "30", 1);
	setenv("HOTPATH_FORMAT", "json-pretty", 1);
	setenv("HOTPATH_REPORT_PERCENTILES", "50,99.9", 1);
	setenv("HOTPATH_COLLECTORS_TIMING_RECENT_LOGS", "0", 1);
	setenv("HOTPATH_COLLECTOR_DRAIN_INTERVAL_MS", "20", 1);
	setenv("HOTPATH_PUBLISH_ENDPOINT", "off", 1);
	setenv("HOTPATH_COLLECTORS_THREADS_ENABLED", "no", 1);
	ck_assert_int_eq(load(&c, "report: { limit: 20, format: json, output: r.txt }\n"
			      "collectors: { threads: { enabled: true } }\n", NULL), 0);
	ck_assert_int_eq(nwarn, 0);
	ck_assert_int_eq(c.limit, 30);
	ck_assert_int_eq(c.format, HP_FORMAT_JSON_PRETTY);
	ck_assert_str_eq(c.output, "r.txt");
	ck_assert_uint_eq(c.npcts, 2);
	ck_assert(c.pcts[0] == 50 && c.pcts[1] == 99.9);
	ck_assert_int_eq(HP_TEST_OPT(&c, "timing", "recent_logs")->i, 0);
	ck_assert_int_eq(c.drain_interval_ms, 20);
	ck_assert_str_eq(c.endpoint, "off");
	ck_assert(!HP_TEST_OPT(&c, "threads", "enabled")->b);
	hpi_config_fini(&c);
}
END_TEST

START_TEST(test_env_aliases)
{
	hpi_config c;

	enter_tmpdir();
	setenv("HOTPATH_FORMAT", "json", 1);
	setenv("HOTPATH_PERCENTILES", "10", 1);
	setenv("HOTPATH_LIMIT", "3", 1);
	setenv("HOTPATH_OUTPUT", "stdout", 1);
	setenv("HOTPATH_RECENT_LOGS", "7", 1);
	setenv("HOTPATH_LOGS_LIMIT", "8", 1);
	setenv("HOTPATH_ALLOC", "1", 1);
	setenv("HOTPATH_ALLOC_SELF", "true", 1);
	setenv("HOTPATH_PUB", "tcp://0.0.0.0:1", 1);
	setenv("HOTPATH_QUERY", "tcp://0.0.0.0:2", 1);
	setenv("HOTPATH_ON_SIGNAL", "yes", 1);
	setenv("HOTPATH_STRICT", "on", 1);
	ck_assert_int_eq(hpi_config_load(&c, NULL), 0);
	ck_assert_int_eq(nwarn, 0);
	ck_assert_int_eq(c.format, HP_FORMAT_JSON);
	ck_assert(c.npcts == 1 && c.pcts[0] == 10);
	ck_assert_int_eq(c.limit, 3);
	ck_assert_str_eq(c.output, "stdout");
	ck_assert_int_eq(HP_TEST_OPT(&c, "timing", "recent_logs")->i, 7);
	ck_assert_int_eq(HP_TEST_OPT(&c, "channels", "logs_limit")->i, 8);
	ck_assert(HP_TEST_OPT(&c, "alloc", "enabled")->b && HP_TEST_OPT(&c, "alloc", "self")->b && c.on_signal && c.strict);
	ck_assert_str_eq(c.endpoint, "tcp://0.0.0.0:1");
	ck_assert_str_eq(c.query, "tcp://0.0.0.0:2");
	hpi_config_fini(&c);
}
END_TEST

START_TEST(test_env_canonical_wins)
{
	hpi_config c;

	enter_tmpdir();
	setenv("HOTPATH_LIMIT", "5", 1);
	setenv("HOTPATH_REPORT_LIMIT", "6", 1);
	setenv("HOTPATH_PLUGINS", "a", 1);
	setenv("HOTPATH_PLUGINS_LOAD", "b", 1);
	setenv("HOTPATH_OUTPUT", "", 1); /* empty = unset */
	ck_assert_int_eq(hpi_config_load(&c, NULL), 0);
	ck_assert_int_eq(c.limit, 6);
	check_item(&c.plugin_load, 0, "b", "HOTPATH_PLUGINS_LOAD");
	ck_assert_uint_eq(c.plugin_load.n, 1);
	ck_assert_str_eq(c.output, "stderr");
	ck_assert_int_eq(nwarn, 0);
	hpi_config_fini(&c);
}
END_TEST

START_TEST(test_env_bad_values)
{
	hpi_config c;

	setenv("HOTPATH_LIMIT", "x", 1);
	setenv("HOTPATH_FORMAT", "xml", 1);
	setenv("HOTPATH_PERCENTILES", "50,150", 1);
	setenv("HOTPATH_ALLOC", "maybe", 1);
	setenv("HOTPATH_COLLECTORS_THREADS_INTERVAL_MS", "5", 1);
	setenv("HOTPATH_PUB", "", 1);
	ck_assert_int_eq(load(&c, "report: { limit: 20, percentiles: [99] }\n", NULL), 0);
	ck_assert_int_eq(nwarn, 5);
	check_warn(0, "HOTPATH_ALLOC: expected true or false, got \"maybe\"; using false");
	check_warn(1, "HOTPATH_COLLECTORS_THREADS_INTERVAL_MS: 5 is outside 10..60000; "
		   "using 250");
	check_warn(2, "HOTPATH_FORMAT: expected table, json, json-pretty, html or none, got \"xml\"; "
		   "using table");
	check_warn(3, "HOTPATH_PERCENTILES: 150 is outside 0..100; using [99]");
	check_warn(4, "HOTPATH_LIMIT: expected a non-negative integer, got \"x\"; using 20");
	ck_assert_int_eq(c.limit, 20); /* the file's value stays */
	ck_assert(c.npcts == 1 && c.pcts[0] == 99);
	hpi_config_fini(&c);
}
END_TEST

START_TEST(test_env_lists)
{
	const char *p;
	hpi_config c;

	setenv("HOTPATH_SCRIPTS", " a.lua , b.lua", 1);
	setenv("HOTPATH_PLUGINS", "x,,y,", 1);
	setenv("HOTPATH_PLUGIN_PATH", "/a:/b c", 1);
	ck_assert_int_eq(load(&c, "report: { scripts: [f.lua] }\nplugins: { load: [z] }\n", &p),
			 0);
	ck_assert_int_eq(nwarn, 0);
	ck_assert_uint_eq(c.scripts.n, 2); /* the variable replaces the file's list */
	check_item(&c.scripts, 0, "a.lua", "HOTPATH_SCRIPTS");
	check_item(&c.scripts, 1, "b.lua", "HOTPATH_SCRIPTS");
	ck_assert_uint_eq(c.plugin_load.n, 2);
	check_item(&c.plugin_load, 0, "x", "HOTPATH_PLUGINS");
	check_item(&c.plugin_load, 1, "y", "HOTPATH_PLUGINS");
	ck_assert_uint_eq(c.plugin_path.n, 2);
	check_item(&c.plugin_path, 0, "/a", "HOTPATH_PLUGIN_PATH");
	check_item(&c.plugin_path, 1, "/b c", "HOTPATH_PLUGIN_PATH");
	hpi_config_fini(&c);
}
END_TEST

/* collectors.timing.include / exclude: kept with their origins (the
 * filters name them in messages); the short variables work. */
START_TEST(test_timing_filters)
{
	const char *p;
	hpi_config c;

	setenv("HOTPATH_TIMING_EXCLUDE", "lexer::*, /^eval::/", 1);
	ck_assert_int_eq(load(&c, "collectors:\n  timing:\n    include: ['*::parse*', x]\n"
				  "    exclude: [y]\n", &p), 0);
	ck_assert_int_eq(nwarn, 0);
	ck_assert_uint_eq(HP_TEST_OPT(&c, "timing", "include")->v.n, 2);
	ck_assert_str_eq(HP_TEST_OPT(&c, "timing", "include")->v.v[0], "*::parse*");
	ck_assert_int_eq(HP_TEST_OPT(&c, "timing", "include")->v.origin[0].line, 3);
	ck_assert_int_eq(HP_TEST_OPT(&c, "timing", "include")->v.origin[0].col, 15);
	ck_assert_str_eq(HP_TEST_OPT(&c, "timing", "include")->v.v[1], "x");
	ck_assert_uint_eq(HP_TEST_OPT(&c, "timing", "exclude")->v.n, 2); /* the variable replaces the file's */
	check_item(&HP_TEST_OPT(&c, "timing", "exclude")->v, 0, "lexer::*", "HOTPATH_TIMING_EXCLUDE");
	check_item(&HP_TEST_OPT(&c, "timing", "exclude")->v, 1, "/^eval::/", "HOTPATH_TIMING_EXCLUDE");
	hpi_config_fini(&c);
}
END_TEST

/* ---- strict mode ----------------------------------------------------------- */

START_TEST(test_strict_file)
{
	const char *p;
	hpi_config c;

	ck_assert_int_eq(load(&c, "strict: true\nreport: { limit: 3, formt: x }\n", &p),
			 HP_EINVAL);
	ck_assert(c.strict);
	ck_assert_int_eq(c.limit, 3); /* c is still filled */
	check_warn(0, "%s:2:21: report.formt: unknown key, ignored", p);
	hpi_config_fini(&c);
	ck_assert_int_eq(load(&c, "strict: true\nreport: { limit: 3 }\n", NULL), 0);
	hpi_config_fini(&c);
	ck_assert_int_eq(load(&c, "strict: false\nreport: { limit: x }\n", NULL), 0);
	hpi_config_fini(&c);
	ck_assert_int_eq(nwarn, 2);
}
END_TEST

START_TEST(test_strict_env)
{
	hpi_config c;

	setenv("HOTPATH_STRICT", "yes", 1);
	ck_assert_int_eq(load(&c, "report: [\n", NULL), HP_EINVAL);
	ck_assert(c.strict);
	ck_assert_int_eq(c.limit, 15);
	hpi_config_fini(&c);
	ck_assert_int_eq(hpi_config_load(&c, "/nonexistent/h.yaml"), HP_EINVAL);
	hpi_config_fini(&c);
	setenv("HOTPATH_STRICT", "false", 1);
	ck_assert_int_eq(load(&c, "strict: true\nbogus: 1\n", NULL), 0);
	ck_assert(!c.strict);
	hpi_config_fini(&c);
	ck_assert_int_eq(nwarn, 3);
}
END_TEST

/* ---- origins --------------------------------------------------------------- */

START_TEST(test_origin_str)
{
	hpi_origin f = { .file = (char *)"hotpath.yaml", .line = 3, .col = 14 };
	hpi_origin e = { .env = (char *)"HOTPATH_PLUGINS" };
	hpi_origin d = { .file = NULL };
	char buf[64], small[8];

	ck_assert_str_eq(hpi_origin_str(&f, buf, sizeof buf), "hotpath.yaml:3:14");
	ck_assert_str_eq(hpi_origin_str(&e, buf, sizeof buf), "HOTPATH_PLUGINS");
	ck_assert_str_eq(hpi_origin_str(&d, buf, sizeof buf), "default");
	ck_assert_str_eq(hpi_origin_str(NULL, buf, sizeof buf), "default");
	ck_assert_str_eq(hpi_origin_str(&f, small, sizeof small), "hotpath");
	ck_assert_ptr_eq(hpi_origin_str(&f, buf, sizeof buf), buf);
}
END_TEST

START_TEST(test_load_twice)
{
	hpi_config c;

	for (int i = 0; i < 2; i++) {
		ck_assert_int_eq(load(&c, full_yaml, NULL), 0);
		hpi_config_fini(&c);
	}
	hpi_config_fini(&c);
	ck_assert_ptr_null(c.scripts.v);
	ck_assert_int_eq(nwarn, 0);
}
END_TEST

/* All config tests in one suite. */
static Suite *config_suite(void)
{
	Suite *s = suite_create("config");
	TCase *t;

	t = tcase_create("values");
	tcase_set_timeout(t, 10);
	tcase_add_checked_fixture(t, setup, teardown);
	tcase_add_test(t, test_defaults);
	tcase_add_test(t, test_pct_parse_ok);
	tcase_add_test(t, test_pct_parse_errors);
	tcase_add_test(t, test_origin_str);
	suite_add_tcase(s, t);

	t = tcase_create("file");
	tcase_set_timeout(t, 10);
	tcase_add_checked_fixture(t, setup, teardown);
	tcase_add_test(t, test_no_file_is_silent);
	tcase_add_test(t, test_file_in_cwd);
	tcase_add_test(t, test_file_from_env);
	tcase_add_test(t, test_cannot_open);
	tcase_add_test(t, test_full_file);
	tcase_add_test(t, test_shipped_file_is_defaults);
	tcase_add_test(t, test_empty_inputs);
	tcase_add_test(t, test_not_a_map);
	tcase_add_test(t, test_load_twice);
	suite_add_tcase(s, t);

	t = tcase_create("problems");
	tcase_set_timeout(t, 10);
	tcase_add_checked_fixture(t, setup, teardown);
	tcase_add_test(t, test_syntax_error);
	tcase_add_test(t, test_not_utf8);
	tcase_add_test(t, test_deep_nesting);
	tcase_add_test(t, test_second_document);
	tcase_add_test(t, test_aliases);
	tcase_add_test(t, test_wrong_type_keeps_default);
	tcase_add_test(t, test_bad_enum);
	tcase_add_test(t, test_percentile_out_of_range);
	tcase_add_test(t, test_percentile_forms);
	tcase_add_test(t, test_unknown_keys);
	tcase_add_test(t, test_wrong_node_kind);
	tcase_add_test(t, test_booleans);
	tcase_add_test(t, test_integers);
	tcase_add_test(t, test_null_values);
	tcase_add_test(t, test_duplicate_keys);
	tcase_add_test(t, test_scripts);
	tcase_add_test(t, test_script_options);
	tcase_add_test(t, test_plugin_options);
	tcase_add_test(t, test_reserved_keys);
	tcase_add_test(t, test_message_escapes);
	suite_add_tcase(s, t);

	t = tcase_create("env");
	tcase_set_timeout(t, 10);
	tcase_add_checked_fixture(t, setup, teardown);
	tcase_add_test(t, test_env_overrides_file);
	tcase_add_test(t, test_env_aliases);
	tcase_add_test(t, test_env_canonical_wins);
	tcase_add_test(t, test_env_bad_values);
	tcase_add_test(t, test_env_lists);
	tcase_add_test(t, test_timing_filters);
	tcase_add_test(t, test_strict_file);
	tcase_add_test(t, test_strict_env);
	suite_add_tcase(s, t);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(config_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed != 0 ? EXIT_FAILURE : EXIT_SUCCESS;
}
