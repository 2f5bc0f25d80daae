/* SPDX-License-Identifier: MIT */
/*
 * config_fixture.c - the temporary files, the environment and the warning
 * lines of the config tests (config_fixture.h).
 */
#include <check.h>
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config_fixture.h"

#define MAX_WARN 32
#define MAX_FILES 8

extern char **environ;

static char *warns[MAX_WARN];
int nwarn;
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
void setup(void)
{
	clear_env();
	nwarn = 0;
	nfiles = 0;
	tmpdir[0] = '\0';
	hpi_warn_set_sink(sink, NULL);
}

/* Per test: drop warnings and temporary files, restore cwd. */
void teardown(void)
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
const char *tmpbase(void)
{
	const char *t = getenv("TMPDIR");

	return t && *t ? t : "/tmp";
}

/* Writes n bytes of text to a new temporary file; returns its path. */
const char *fixture_n(const char *text, size_t n)
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
const char *fixture(const char *text)
{
	return fixture_n(text, strlen(text));
}

/* Moves into a new empty temporary folder (undone in teardown). */
void enter_tmpdir(void)
{
	ck_assert_ptr_nonnull(getcwd(oldcwd, sizeof oldcwd));
	snprintf(tmpdir, sizeof tmpdir, "%s/hp_config_dir_XXXXXX", tmpbase());
	ck_assert_ptr_nonnull(mkdtemp(tmpdir));
	ck_assert_int_eq(chdir(tmpdir), 0);
}

void check_warn(int i, const char *fmt, ...)
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
int load(hpi_config *c, const char *yaml, const char **path)
{
	const char *p = fixture(yaml);

	if (path)
		*path = p;
	return hpi_config_load(c, p);
}

/* Asserts c holds exactly the built-in defaults (c->path aside). */
void check_defaults(const hpi_config *c)
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
void check_item(const hpi_strv *v, size_t i, const char *s, const char *o)
{
	char buf[PATH_MAX + 64];

	ck_assert_uint_gt(v->n, i);
	ck_assert_str_eq(v->v[i], s);
	ck_assert_str_eq(hpi_origin_str(&v->origin[i], buf, sizeof buf), o);
}
