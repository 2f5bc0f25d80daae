/* SPDX-License-Identifier: MIT */
/*
 * test_trust.c - what hotpath believes (core/trust.c, docs/security.md):
 * secure execution (AT_SECURE forced), the working-directory and per-user
 * configuration, paths relative to the configuration file, every refusal
 * of a plugin before dlopen, files that would block, the injected
 * allocation failure while rendering.
 */
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "hpi.h"
#include "registry.h"
#include "../testlib.h"

#define SLOWEST_SO HP_BUILDDIR "/examples/plugin/.libs/slowest.so"
#define CLASH_SO HP_BUILDDIR "/tests/security/.libs/clash.so"
#define NOENTRY_SO HP_BUILDDIR "/tests/security/.libs/noentry.so"
#define MAX_WARN 16
#define SECURE_LINE "secure execution (setuid, setgid or capabilities): HOTPATH_* " \
	"variables, hotpath.yaml and relative or user-writable plugin and script paths " \
	"are ignored"

/* snprintf that must not truncate (and -Wformat-truncation knows it). */
#define FMT(buf, len, ...) ck_assert_int_lt(snprintf(buf, len, __VA_ARGS__), (int)(len))

extern char **environ;

static char *warns[MAX_WARN];
static int nwarn;
static char tmp[PATH_MAX], oldcwd[PATH_MAX];

/* Warning sink: keeps each line. */
static void sink(const char *line, void *data)
{
	(void)data;
	if (nwarn < MAX_WARN)
		warns[nwarn] = strdup(line);
	nwarn++;
}

/* Forgets the lines kept so far (a test that starts over frees them). */
static void warns_clear(void)
{
	for (int i = 0; i < nwarn && i < MAX_WARN; i++)
		free(warns[i]);
	nwarn = 0;
}

/* Unsets every HOTPATH_* variable. */
static void clear_env(void)
{
	char name[256];

	for (char **e = environ; *e;) {
		size_t n = strcspn(*e, "=");

		if (strncmp(*e, "HOTPATH_", 8) == 0 && n < sizeof name) {
			memcpy(name, *e, n);
			name[n] = '\0';
			unsetenv(name);
			e = environ;
			continue;
		}
		e++;
	}
	unsetenv("XDG_CONFIG_HOME");
}

/* Per test: a fresh folder as the working directory, clean environment. */
static void setup(void)
{
	const char *t = getenv("TMPDIR");

	clear_env();
	setenv("HOME", "/nonexistent", 1);
	nwarn = 0;
	hpi_secure_force(0);
	hpi_warn_set_sink(sink, NULL);
	ck_assert_ptr_nonnull(getcwd(oldcwd, sizeof oldcwd));
	FMT(tmp, sizeof tmp, "%s/hp_trust_XXXXXX", t && *t ? t : "/tmp");
	ck_assert_ptr_nonnull(mkdtemp(tmp));
	ck_assert_int_eq(chmod(tmp, 0755), 0);
	ck_assert_int_eq(chdir(tmp), 0);
}

static void teardown(void)
{
	char cmd[PATH_MAX + 16];

	hpi_secure_force(-1);
	hpi_warn_set_sink(NULL, NULL);
	warns_clear();
	ck_assert_int_eq(chdir(oldcwd), 0);
	FMT(cmd, sizeof cmd, "rm -rf '%s'", tmp);
	ck_assert_int_eq(system(cmd), 0);
}

/* Writes text to tmp/name with mode; returns the path (static buffer). */
static const char *put(const char *name, const char *text, mode_t mode)
{
	static char path[4][PATH_MAX];
	static int k;
	char *p = path[k++ % 4];
	FILE *f;

	FMT(p, PATH_MAX, "%s/%s", tmp, name);
	ck_assert_ptr_nonnull(f = fopen(p, "w"));
	fputs(text, f);
	ck_assert_int_eq(fclose(f), 0);
	ck_assert_int_eq(chmod(p, mode), 0);
	return p;
}

/* Copies file from to tmp/name. */
static const char *copy(const char *from, const char *name)
{
	static char path[PATH_MAX];
	char cmd[3 * PATH_MAX];

	FMT(path, sizeof path, "%s/%s", tmp, name);
	FMT(cmd, sizeof cmd, "cp '%s' '%s' && chmod 755 '%s'", from, path, path);
	ck_assert_int_eq(system(cmd), 0);
	return path;
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
	ck_assert_int_gt(nwarn, i);
	ck_assert_str_eq(warns[i], want);
}

/* ---- secure execution ------------------------------------------------- */

/* Every HOTPATH_* variable is ignored, and the process says so once. */
START_TEST(secure_ignores_the_environment)
{
	const char *yaml = put("root.yaml", "report:\n  limit: TOPSECRET\n", 0600);
	hpi_config c;

	setenv("HOTPATH_CONFIG", yaml, 1);
	setenv("HOTPATH_OUTPUT", "/tmp/hp_trust_never_written", 1);
	setenv("HOTPATH_FORMAT", "json", 1);
	setenv("HOTPATH_PLUGINS", SLOWEST_SO, 1);
	setenv("HOTPATH_SCRIPT_PATH", tmp, 1);
	hpi_secure_force(1);
	ck_assert(hpi_secure());
	ck_assert_int_eq(hpi_config_load(&c, NULL), 0);
	ck_assert_ptr_null(c.path);
	ck_assert_str_eq(c.output, "stderr");
	ck_assert_int_eq(c.format, HP_FORMAT_TABLE);
	ck_assert_int_eq(c.limit, 15);
	ck_assert_uint_eq(c.plugin_load.n, 0);
	ck_assert_ptr_null(hpi_getenv("HOTPATH_OUTPUT"));
	ck_assert_ptr_nonnull(hpi_getenv("HOME"));
	ck_assert_int_eq(nwarn, 1);
	check_warn(0, SECURE_LINE);
	hpi_config_fini(&c);
	hpi_secure_force(0);
	ck_assert_int_eq(hpi_config_load(&c, NULL), 0); /* the same, not secure */
	ck_assert_str_eq(c.output, "/tmp/hp_trust_never_written");
	ck_assert_int_eq(c.format, HP_FORMAT_JSON);
	hpi_config_fini(&c);
}
END_TEST

/* No hotpath.yaml of the working directory, no relative or user-writable
 * plugin or script. */
START_TEST(secure_refuses_relative_and_writable_paths)
{
	const char *yaml = put("hotpath.yaml", "report:\n  limit: 3\n", 0644);
	const char *gw = put("gw.lua", "return function() end\n", 0664);
	char *why = NULL;
	hpi_config c;

	hpi_secure_force(1);
	ck_assert_int_eq(hpi_config_load(&c, NULL), 0);
	ck_assert_ptr_null(c.path);
	ck_assert_int_eq(c.limit, 15); /* not the 3 of ./hotpath.yaml */
	hpi_config_fini(&c);
	ck_assert_int_eq(hpi_trust_file("hotpath.yaml", 0, &why), HP_EINVAL);
	ck_assert_str_eq(why, "a relative path, ignored in secure execution");
	free(why);
	ck_assert_int_eq(hpi_trust_file(yaml, 0, &why), 0); /* ours (root's), 0644 */
	ck_assert_ptr_null(why);
	ck_assert_int_eq(hpi_trust_file(gw, 0, &why), HP_EINVAL);
	ck_assert_str_eq(why, "not trusted: its group can write to it");
	free(why);
	ck_assert_ptr_null(hpi_lua_find("gw.lua")); /* never searched as given */
	if (geteuid() == 0) {
		ck_assert_int_eq(chown(yaml, 65534, 65534), 0);
		ck_assert_int_eq(hpi_trust_file(yaml, 0, &why), HP_EINVAL);
		ck_assert_str_eq(why, "not trusted: it belongs to another user");
		free(why);
	}
}
END_TEST

/* ---- the working directory, the user's file, relative paths -------------- */

/* ./hotpath.yaml is read when it is the user's and only theirs. */
START_TEST(cwd_config_read_when_trusted)
{
	hpi_config c;

	put("hotpath.yaml", "report:\n  limit: 3\n", 0644);
	ck_assert_int_eq(hpi_config_load(&c, NULL), 0);
	ck_assert_str_eq(c.path, "hotpath.yaml");
	ck_assert_int_eq(c.limit, 3);
	ck_assert_int_eq(nwarn, 0);
	ck_assert_ptr_nonnull(c.dir);
	ck_assert_str_eq(c.dir, tmp);
	hpi_config_fini(&c);
}
END_TEST

/* Each refusal of ./hotpath.yaml is one line, and the file is not read. */
START_TEST(cwd_config_refusals)
{
	static const struct {
		mode_t file, dir;
		bool other_owner;
		const char *why;
	} cases[] = {
		{0664, 0755, false, "not trusted: its group can write to it"},
		{0646, 0755, false, "not trusted: anyone can write to it"},
		{0644, 0777, false, "not trusted: its folder %s: anyone can write to it"},
		{0644, 0755, true, "not trusted: it belongs to another user"},
	};
	char why[PATH_MAX + 100];
	hpi_config c;

	for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
		if (cases[i].other_owner && geteuid() != 0)
			continue;
		warns_clear();
		put("hotpath.yaml", "report:\n  limit: 3\n", cases[i].file);
		ck_assert_int_eq(chmod(tmp, cases[i].dir), 0);
		if (cases[i].other_owner)
			ck_assert_int_eq(chown("hotpath.yaml", 65534, 65534), 0);
		ck_assert_int_eq(hpi_config_load(&c, NULL), 0);
		ck_assert_ptr_null(c.path);
		ck_assert_int_eq(c.limit, 15);
		FMT(why, sizeof why, cases[i].why, tmp);
		ck_assert_int_eq(nwarn, 1);
		check_warn(0, "hotpath.yaml: ignored, %s (docs/config.md, \"Which file\")", why);
		hpi_config_fini(&c);
		ck_assert_int_eq(chmod(tmp, 0755), 0);
		unlink("hotpath.yaml");
	}
}
END_TEST

/* $XDG_CONFIG_HOME/hotpath/hotpath.yaml, else ~/.config/hotpath/hotpath.yaml,
 * when the working directory has none. */
START_TEST(per_user_config)
{
	char path[PATH_MAX];
	hpi_config c;

	ck_assert_int_eq(mkdir("xdg", 0755), 0);
	ck_assert_int_eq(mkdir("xdg/hotpath", 0755), 0);
	put("xdg/hotpath/hotpath.yaml", "report:\n  limit: 7\n", 0644);
	ck_assert_int_eq(mkdir("home", 0755), 0);
	ck_assert_int_eq(mkdir("home/.config", 0755), 0);
	ck_assert_int_eq(mkdir("home/.config/hotpath", 0755), 0);
	put("home/.config/hotpath/hotpath.yaml", "report:\n  limit: 8\n", 0644);
	ck_assert_int_eq(mkdir("work", 0755), 0);
	ck_assert_int_eq(chdir("work"), 0);
	FMT(path, sizeof path, "%s/xdg", tmp);
	setenv("XDG_CONFIG_HOME", path, 1);
	FMT(path, sizeof path, "%s/home", tmp);
	setenv("HOME", path, 1);
	ck_assert_int_eq(hpi_config_load(&c, NULL), 0);
	ck_assert_int_eq(c.limit, 7);
	FMT(path, sizeof path, "%s/xdg/hotpath/hotpath.yaml", tmp);
	ck_assert_str_eq(c.path, path);
	hpi_config_fini(&c);
	unsetenv("XDG_CONFIG_HOME");
	ck_assert_int_eq(hpi_config_load(&c, NULL), 0);
	ck_assert_int_eq(c.limit, 8);
	hpi_config_fini(&c);
	/* a refused working-directory file falls back to the user's */
	put("work/hotpath.yaml", "report:\n  limit: 3\n", 0666);
	ck_assert_int_eq(hpi_config_load(&c, NULL), 0);
	ck_assert_int_eq(c.limit, 8);
	ck_assert_int_eq(nwarn, 1);
	hpi_config_fini(&c);
	hpi_secure_force(1); /* the user's file is theirs: not in secure execution */
	ck_assert_int_eq(hpi_config_load(&c, NULL), 0);
	ck_assert_int_eq(c.limit, 15);
	hpi_config_fini(&c);
}
END_TEST

/* Plugins and scripts a file names by relative path are found next to the
 * file, not in the working directory. */
START_TEST(paths_relative_to_the_file)
{
	char conf[PATH_MAX], *p;
	hpi_config c;
	hpi_registry *r;
	hp_snapshot *snap;
	int fails = -1;

	ck_assert_int_eq(mkdir("conf", 0755), 0);
	ck_assert_int_eq(mkdir("conf/plugs", 0755), 0);
	ck_assert_int_eq(mkdir("elsewhere", 0755), 0);
	copy(SLOWEST_SO, "conf/plugs/slowest.so");
	put("conf/mine.lua", "return function() end\n", 0644);
	put("elsewhere/mine.lua", "return function() end\n", 0644);
	put("conf/hotpath.yaml", "plugins:\n  path: [plugs]\n  load: [slowest]\n"
	    "report:\n  scripts: [mine.lua]\n", 0644);
	ck_assert_int_eq(chdir("elsewhere"), 0);
	FMT(conf, sizeof conf, "%s/conf/hotpath.yaml", tmp);
	hp_test_timing_only(&c);
	hpi_config_fini(&c);
	ck_assert_int_eq(hpi_config_load(&c, conf), 0);
	FMT(conf, sizeof conf, "%s/conf", tmp);
	ck_assert_str_eq(c.dir, conf);
	hp_test_only_timing(&c);
	ck_assert_ptr_nonnull(r = hpi_registry_new(&c, &fails));
	ck_assert_int_eq(fails, 0);
	ck_assert_ptr_nonnull(snap = hpi_snapshot_new());
	hpi_registry_snapshot(r, snap);
	ck_assert_uint_eq(hp_snapshot_count(snap), 2); /* functions, slowest */
	hpi_snapshot_free(snap);
	hpi_registry_free(r);
	ck_assert_ptr_nonnull(p = hpi_lua_find_in(c.dir, c.scripts.v[0]));
	FMT(conf, sizeof conf, "%s/conf/mine.lua", tmp);
	ck_assert_str_eq(p, conf);
	free(p);
	hpi_config_fini(&c);
}
END_TEST

/* ---- plugins: refused before dlopen, or by name -------------------------- */

/* Loads plugins.load = {path} with only timing built in; returns failures. */
static int load_one(const char *path)
{
	hpi_config c;
	hpi_registry *r;
	hpi_origin o = {0};
	int fails = -1;

	hp_test_timing_only(&c);
	c.plugin_load.v = calloc(1, sizeof(char *));
	c.plugin_load.origin = calloc(1, sizeof o);
	c.plugin_load.opts = calloc(1, sizeof(char *));
	c.plugin_load.v[0] = strdup(path);
	c.plugin_load.n = 1;
	ck_assert_ptr_nonnull(r = hpi_registry_new(&c, &fails));
	hpi_registry_free(r);
	hpi_config_fini(&c);
	return fails;
}

START_TEST(plugin_refusals)
{
	const char *p;
	char mark[PATH_MAX];

	p = copy(SLOWEST_SO, "open.so");
	ck_assert_int_eq(chmod(p, 0757), 0);
	ck_assert_int_eq(load_one(p), 1);
	check_warn(0, "default: plugins.load[0]: plugin \"%s\" not loaded: %s: not trusted: "
		   "anyone can write to it", p, p);
	/* no hp_plugin_entry: refused before its constructor could run */
	FMT(mark, sizeof mark, "%s/constructor_ran", tmp);
	setenv("HP_NOENTRY_MARK", mark, 1);
	ck_assert_int_eq(load_one(NOENTRY_SO), 1);
	check_warn(1, "default: plugins.load[0]: plugin \"%s\" not loaded: %s: it exports no "
		   "hp_plugin_entry", NOENTRY_SO, NOENTRY_SO);
	ck_assert_int_eq(access(mark, F_OK), -1);
	p = put("text.so", "not an object\n", 0644);
	ck_assert_int_eq(load_one(p), 1);
	check_warn(2, "default: plugins.load[0]: plugin \"%s\" not loaded: %s: not an ELF file",
		   p, p);
	ck_assert_int_eq(load_one(CLASH_SO), 1);
	check_warn(3, "default: plugins.load[0]: plugin \"%s\" not loaded: its name \"timing\" "
		   "is taken by a built-in plugin", CLASH_SO);
	ck_assert_int_eq(load_one(SLOWEST_SO), 0);
	ck_assert_int_eq(nwarn, 4);
}
END_TEST

/* ---- files that would block --------------------------------------------- */

START_TEST(fifo_is_refused)
{
	char fifo[PATH_MAX];
	hpi_config c;
	bool is_null;

	FMT(fifo, sizeof fifo, "%s/fifo", tmp);
	ck_assert_int_eq(mkfifo(fifo, 0644), 0);
	ck_assert_int_eq(hpi_config_load(&c, fifo), 0); /* never blocks */
	check_warn(0, "%s: cannot open: not a regular file; using built-in defaults", fifo);
	hpi_config_fini(&c);
	ck_assert_int_eq(hpi_open_regular(fifo, O_WRONLY | O_CREAT | O_TRUNC, &is_null), -1);
	ck_assert_int_eq(hpi_open_regular(fifo, O_RDONLY, &is_null), -1);
	ck_assert_int_eq(errno, EINVAL);
	ck_assert_int_eq(hpi_config_load(&c, "/dev/null"), 0); /* an empty file */
	ck_assert_int_eq(nwarn, 1);
	hpi_config_fini(&c);
}
END_TEST

/* ---- the sanitiser -------------------------------------------------------- */

START_TEST(term_sanitiser)
{
	static const struct {
		const char *in, *out;
	} cases[] = {
		{"plain µs ok", "plain µs ok"},
		{"\x1b]0;owned\x07title", "\\x1b]0;owned\\x07title"},
		{"csi \xc2\x9b" "2J", "csi <U+009B>2J"},
		{"raw \xff end", "raw \\xff end"},
		{"rtlo \xe2\x80\xae" "cod.exe", "rtlo <U+202E>cod.exe"},
		{"isolate \xe2\x81\xa6x", "isolate <U+2066>x"},
		{"del \x7f", "del \\x7f"},
		{"nl\nand\ttab", "nl\\x0aand\\x09tab"},
		{"cut \xe2\x82", "cut \\xe2\\x82"},
		{"overlong \xc0\xaf", "overlong \\xc0\\xaf"},
		{"surrogate \xed\xa0\x80", "surrogate \\xed\\xa0\\x80"},
	};
	char small[5];
	hpi_buf b;

	for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
		hpi_buf_init(&b);
		hpi_buf_term(&b, cases[i].in, strlen(cases[i].in), 0);
		ck_assert_str_eq(b.data, cases[i].out);
		ck_assert(hpi_term_clean(cases[i].in, strlen(cases[i].in)) == (i == 0));
		hpi_buf_fini(&b);
	}
	hpi_buf_init(&b);
	hpi_buf_term(&b, "a\nb\tc", 5, HPI_TERM_NEWLINE | HPI_TERM_TAB);
	ck_assert_str_eq(b.data, "a\nb\tc");
	hpi_buf_fini(&b);
	/* cut before an escape that does not fit whole */
	ck_assert_str_eq(hpi_term_str(small, sizeof small, "ab\x1b" "cd"), "ab");
	ck_assert_str_eq(hpi_term_str(small, sizeof small, "abcdefgh"), "abcd");
}
END_TEST

/* A warning that echoes a value carries no escape sequence. */
START_TEST(warnings_are_sanitised)
{
	hpi_warn("report.output: \"%s\"", "\x1b[2J\xe2\x80\xae\xff");
	check_warn(0, "report.output: \"\\x1b[2J<U+202E>\\xff\"");
}
END_TEST

/* The program's own table on stderr (here report.output, to read it back):
 * a measured name with C1 CSI, a raw 0xff byte and RTLO is shown escaped,
 * and the title of the caller line too. */
START_TEST(stderr_table_is_sanitised)
{
	char out[PATH_MAX], text[8192];
	hp_guard *g;
	FILE *f;
	size_t n;

	FMT(out, sizeof out, "%s/table.txt", tmp);
	setenv("HOTPATH_CONFIG", "/dev/null", 1);
	setenv("HOTPATH_PUB", "off", 1);
	setenv("HOTPATH_QUERY", "off", 1);
	setenv("HOTPATH_OUTPUT", out, 1);
	ck_assert_ptr_nonnull(g = hp_guard_builder_build(hp_guard_builder_new("csi\xc2\x9b" "2J")));
	for (int i = 0; i < 3; i++)
		HP_MEASURE_BLOCK("evil\xc2\x9b" "2J\xff\xe2\x80\xae" "txt", {
			__asm__ volatile("" ::: "memory");
		});
	hp_guard_end(g);
	ck_assert_ptr_nonnull(f = fopen(out, "r"));
	n = fread(text, 1, sizeof text - 1, f);
	fclose(f);
	text[n] = '\0';
	ck_assert_msg(strstr(text, "evil<U+009B>2J\\xff<U+202E>txt") != NULL, "%s", text);
	ck_assert_msg(strstr(text, "csi<U+009B>2J") != NULL, "%s", text);
	ck_assert_ptr_null(strstr(text, "\xc2\x9b"));
	ck_assert_ptr_null(strstr(text, "\xff"));
	ck_assert_ptr_null(strstr(text, "\xe2\x80\xae"));
	ck_assert_ptr_null(strchr(text, '\x1b'));
}
END_TEST

/* ---- rendering out of memory ---------------------------------------------- */

/* A JSON report that no longer fits is written without logs, and says so;
 * one that cannot be rendered at all is not written (never truncated). */
START_TEST(render_out_of_memory)
{
	char out[PATH_MAX], cmd[PATH_MAX + 64];
	hp_guard *g;

	FMT(out, sizeof out, "%s/report.json", tmp);
	setenv("HOTPATH_CONFIG", "/dev/null", 1);
	setenv("HOTPATH_PUB", "off", 1);
	setenv("HOTPATH_QUERY", "off", 1);
	setenv("HOTPATH_FORMAT", "json", 1);
	setenv("HOTPATH_OUTPUT", out, 1);
	setenv("HOTPATH_RECENT_LOGS", "2000", 1);
	for (int pass = 0; pass < 2; pass++) {
		warns_clear();
		ck_assert_ptr_nonnull(g = hp_guard_builder_build(hp_guard_builder_new("oom")));
		for (int i = 0; i < 2000; i++)
			HP_MEASURE_BLOCK("oom_block", { __asm__ volatile("" ::: "memory"); });
		hpi_buf_test_fail_above(pass == 0 ? 32768 : 64);
		hp_guard_end(g);
		hpi_buf_test_fail_above(SIZE_MAX);
		if (pass == 0) {
			check_warn(0, "out of memory while rendering the report: writing it "
				   "without the rows' logs");
			ck_assert_int_eq(nwarn, 1);
			FMT(cmd, sizeof cmd, "jq -e '.sections[0].rows[0].calls == 2000 and "
				 "(.sections[0].rows[0] | has(\"log\") | not)' '%s' >/dev/null", out);
			ck_assert_int_eq(system(cmd), 0);
			unlink(out);
		} else {
			check_warn(1, "out of memory while rendering the report: no report written");
			ck_assert_int_eq(access(out, F_OK), -1);
		}
	}
}
END_TEST

/* ---- Lua caps that hold inside C code -------------------------------------- */

/* Runs the reporter text with a time cap of ms; returns the cause. */
static char *lua_cause(const char *text, unsigned long ms)
{
	const char *path = put("r.lua", text, 0644);
	hpi_lua_opts lo = {.instructions = 0, .time_ms = ms};
	hp_snapshot *s = hpi_snapshot_new();
	char *cause = NULL;

	ck_assert_int_ne(hpi_lua_report(s, NULL, path, &lo, &cause), 0);
	hpi_snapshot_free(s);
	ck_assert_ptr_nonnull(cause);
	return cause;
}

/* Each case stops within its bound (the test's timeout is the bound). */
START_TEST(lua_caps)
{
	char *c;

	c = lua_cause("return function()\n  string.find(('a'):rep(3000), "
		      "'.-.-.-.-.-.-.-.-.-.-b')\nend\n", 0);
	ck_assert_msg(strstr(c, "r.lua:2: pattern too costly: its worst case on 3000 bytes") != NULL,
		      "%s", c);
	free(c);
	c = lua_cause("return function()\n  setmetatable({}, {__gc = function() "
		      "while true do end end})\nend\n", 0);
	ck_assert_msg(strstr(c, "r.lua:2: setmetatable: a __gc metamethod is not allowed") != NULL,
		      "%s", c);
	free(c);
	c = lua_cause("return function()\n  assert(load(string.dump(function() end), "
		      "'x', 'b'))\nend\n", 0);
	ck_assert_msg(strstr(c, "attempt to load a binary chunk (mode is 't')") != NULL, "%s", c);
	free(c);
	/* a precompiled reporter file (luac's output starts with ESC "Lua") */
	c = lua_cause("\x1bLuaT\x00\x19\x93\r\n\x1a\n", 0);
	ck_assert_str_eq(c, "syntax error: attempt to load a binary chunk (mode is 't')");
	free(c);
	/* no instruction cap: the clock stops Lua code ... */
	c = lua_cause("return function()\n  while true do end\nend\n", 300);
	ck_assert_msg(strstr(c, "stopped: ") == c && strstr(c, "r.lua:2: ran longer than 300 ms "
							 "(the time cap)") != NULL, "%s", c);
	free(c);
	/* ... and a C function that allocates as it goes (gsub's buffer) */
	c = lua_cause("return function()\n  local s = ('a'):rep(4000000)\n"
		      "  for i = 1, 100 do s:gsub('.', 'xy') end\nend\n", 20);
	ck_assert_msg(strstr(c, "stopped: ") == c && strstr(c, "ran longer than 20 ms (the time "
							 "cap)") != NULL, "%s", c);
	free(c);
}
END_TEST

static Suite *trust_suite(void)
{
	Suite *s = suite_create("trust");
	TCase *tc = tcase_create("trust");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, secure_ignores_the_environment);
	tcase_add_test(tc, secure_refuses_relative_and_writable_paths);
	tcase_add_test(tc, cwd_config_read_when_trusted);
	tcase_add_test(tc, cwd_config_refusals);
	tcase_add_test(tc, per_user_config);
	tcase_add_test(tc, paths_relative_to_the_file);
	tcase_add_test(tc, plugin_refusals);
	tcase_add_test(tc, fifo_is_refused);
	tcase_add_test(tc, term_sanitiser);
	tcase_add_test(tc, warnings_are_sanitised);
	tcase_add_test(tc, stderr_table_is_sanitised);
	tcase_add_test(tc, render_out_of_memory);
	tcase_add_test(tc, lua_caps);
	suite_add_tcase(s, tc);
	return s;
}

HP_TEST_MAIN(trust_suite)
