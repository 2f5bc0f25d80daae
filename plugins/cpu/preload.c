/* SPDX-License-Identifier: MIT */
/*
 * preload.c - libhotpath-cpu: `hotpath run --cpu -- PROG` preloads it into
 * a program that knows nothing of hotpath (no -DHOTPATH, no rebuild).  Its
 * constructor builds a guard named after the program with the cpu
 * collector on (HOTPATH_CPU=1, set by `hotpath run`), and the guard's exit
 * handler writes the report when the program exits, like `perf record` and
 * `perf report` in one step (docs/cpu.md).
 *
 * The library takes itself out of LD_PRELOAD first, so the programs PROG
 * starts are not profiled (each would print a report of its own).
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <hotpath.h>

/* Alive until the program exits: the guard reports from its exit handler. */
static hp_guard *preload_guard;

/* The last component of a path. */
static const char *preload_base(const char *p)
{
	const char *s = strrchr(p, '/');

	return s ? s + 1 : p;
}

/* LD_PRELOAD without the items naming libhotpath-cpu, written over the
 * variable's own text in envp (the array main gets: a shell reads its
 * variables from it, and a library's constructor may have made environ a
 * copy already) and set in environ. */
static void preload_unset_self(char **envp)
{
	const char *pre = getenv("LD_PRELOAD");
	char *copy, *out, *tok, *save = NULL;
	size_t len = 0;

	if (pre == NULL || strstr(pre, "libhotpath-cpu") == NULL)
		return;
	copy = strdup(pre);
	out = calloc(1, strlen(pre) + 1);
	if (copy == NULL || out == NULL) {
		free(copy);
		free(out);
		return;
	}
	for (tok = strtok_r(copy, ": ", &save); tok; tok = strtok_r(NULL, ": ", &save)) {
		if (strstr(preload_base(tok), "libhotpath-cpu") != NULL)
			continue;
		len += (size_t)sprintf(out + len, "%s%s", len ? ":" : "", tok);
	}
	for (char **e = envp; e != NULL && *e != NULL; e++)
		if (strncmp(*e, "LD_PRELOAD=", 11) == 0)
			memcpy(*e + 11, out, len + 1); /* never longer than it was */
	if (len > 0)
		setenv("LD_PRELOAD", out, 1);
	else
		unsetenv("LD_PRELOAD");
	free(out);
	free(copy);
}

/* The program's name, for the report's title. */
static void preload_name(char *buf, size_t len)
{
	char exe[4096];
	ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);

	if (n <= 0) {
		snprintf(buf, len, "program");
		return;
	}
	exe[n] = '\0';
	snprintf(buf, len, "%.255s", preload_base(exe));
}

/* glibc calls constructors with main's arguments. */
__attribute__((constructor)) static void preload_start(int argc, char **argv, char **envp)
{
	char name[256];

	const char *timing = getenv("HOTPATH_COLLECTORS_TIMING_ENABLED");

	(void)argc;
	(void)argv;
	preload_unset_self(envp);
	preload_name(name, sizeof(name));
	/* nothing in the program is measured: no empty Functions table (the
	 * variable is put back, for the programs it starts) */
	if (timing == NULL)
		setenv("HOTPATH_COLLECTORS_TIMING_ENABLED", "false", 1);
	preload_guard = hp_guard_builder_build(hp_guard_builder_new(name));
	if (timing == NULL)
		unsetenv("HOTPATH_COLLECTORS_TIMING_ENABLED");
}
