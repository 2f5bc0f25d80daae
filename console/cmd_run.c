/* SPDX-License-Identifier: MIT */
/*
 * cmd_run.c - `hotpath run [--alloc] -- PROG ARGS...`: runs a program with
 * the environment profiling needs, then becomes it (exec), so signals, exit
 * status and stdout are the program's own.  --alloc preloads
 * libhotpath-alloc (docs/alloc.md); --trace turns the trace timeline on
 * (docs/trace.md); --cpu turns the CPU sampler on, and preloads
 * libhotpath-cpu into a program not linked with libhotpath (docs/cpu.md);
 * --io preloads libhotpath-io (docs/io.md).
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "console.h"

#ifndef HP_LIBDIR
#define HP_LIBDIR "/usr/local/lib"
#endif

#define RUN_ALLOC_SO "libhotpath-alloc.so.0"
#define RUN_CPU_SO "libhotpath-cpu.so.0"
#define RUN_IO_SO "libhotpath-io.so.0"

static void run_usage(FILE *f)
{
	fputs("Usage: hotpath run [OPTIONS] [--] PROGRAM [ARGS...]\n"
	      "\n"
	      "Runs PROGRAM (built with -DHOTPATH and linked with libhotpath) with\n"
	      "the environment profiling needs; its output and exit status are its own.\n"
	      "\n"
	      "Options:\n"
	      "  -a, --alloc         track allocations: preload libhotpath-alloc\n"
	      "                      (per-function bytes, counts and live bytes)\n"
	      "  -s, --self          with --alloc: exclusive figures (HOTPATH_ALLOC_SELF=1)\n"
	      "  -i, --io            track I/O: preload libhotpath-io (read, write, send,\n"
	      "                      recv, ... and stdio per function and descriptor)\n"
	      "  -t, --trace[=FILE]  write a timeline of every measured call, lock and\n"
	      "                      channel message to FILE (default trace.json) at\n"
	      "                      exit, for Perfetto or chrome://tracing (HOTPATH_TRACE=1,\n"
	      "                      HOTPATH_TRACE_OUTPUT=FILE)\n"
	      "      --cpu           sample where the CPU goes (HOTPATH_CPU=1, docs/cpu.md);\n"
	      "                      PROGRAM may be any dynamically linked program: one\n"
	      "                      not linked with libhotpath gets libhotpath-cpu\n"
	      "                      preloaded, which reports when it exits\n"
	      "  -c, --config FILE   use FILE as hotpath.yaml (HOTPATH_CONFIG)\n"
	      "  -h, --help          this text\n"
	      "\n"
	      "The libraries are looked for in $HOTPATH_ALLOC_LIB (HOTPATH_CPU_LIB,\n"
	      "HOTPATH_IO_LIB),\n"
	      "next to this command (a build tree), then in " HP_LIBDIR ".\n"
	      "Exit status: PROGRAM's; as in a shell, 127 when PROGRAM is not found\n"
	      "and 126 when it is found but cannot be run (not executable, not a\n"
	      "program); 1 when --alloc's, --io's or --cpu's library is missing, 2 usage.\n", f);
}

/* The path of library so (RUN_ALLOC_SO, RUN_CPU_SO) to preload, or $var;
 * malloc'ed, or NULL. */
static char *run_lib(const char *so, const char *var)
{
	const char *env = getenv(var);
	char self[PATH_MAX], *slash, *p;
	ssize_t n;

	if (env != NULL && *env != '\0')
		return access(env, R_OK) == 0 ? xstrdup(env) : NULL;
	if ((n = readlink("/proc/self/exe", self, sizeof(self) - 1)) > 0) {
		self[n] = '\0';
		if ((slash = strrchr(self, '/')) != NULL)
			*slash = '\0';
		/* a build tree: libtool keeps the library in .libs */
		p = xasprintf("%s/.libs/%s", self, so);
		if (access(p, R_OK) == 0)
			return p;
		free(p);
		if ((slash = strrchr(self, '/')) != NULL && strcmp(slash, "/.libs") == 0) {
			p = xasprintf("%s/%s", self, so);
			if (access(p, R_OK) == 0)
				return p;
			free(p);
		}
	}
	p = xasprintf("%s/%s", HP_LIBDIR, so);
	if (access(p, R_OK) == 0)
		return p;
	free(p);
	return NULL;
}

/* Puts lib first in LD_PRELOAD. */
static void run_preload(const char *lib)
{
	const char *old = getenv("LD_PRELOAD");
	char *pre = old && *old ? xasprintf("%s:%s", lib, old) : xstrdup(lib);

	setenv("LD_PRELOAD", pre, 1);
	free(pre);
}

/* Whether the program file names libhotpath among its libraries (its
 * own guard then reports; preloading a second one would be refused). */
static bool run_links_hotpath(const char *prog)
{
	char *path = NULL, *dirs, *dir, *save = NULL, buf[65536];
	const char *pathv = getenv("PATH");
	bool found = false;
	size_t keep = 0;
	ssize_t n;
	FILE *f;

	if (strchr(prog, '/') != NULL) {
		path = xstrdup(prog);
	} else if (pathv != NULL) {
		dirs = xstrdup(pathv);
		for (dir = strtok_r(dirs, ":", &save); dir && !path; dir = strtok_r(NULL, ":", &save)) {
			char *p = xasprintf("%s/%s", *dir ? dir : ".", prog);
			if (access(p, X_OK) == 0)
				path = p;
			else
				free(p);
		}
		free(dirs);
	}
	if (path == NULL || (f = fopen(path, "rb")) == NULL) {
		free(path);
		return false;
	}
	/* the dynamic string table holds "libhotpath.so.N"; read in blocks
	 * that overlap by the name's length */
	while (!found && (n = (ssize_t)fread(buf + keep, 1, sizeof(buf) - keep, f)) > 0) {
		size_t len = keep + (size_t)n;
		found = memmem(buf, len, "libhotpath.so", 13) != NULL;
		keep = len < 12 ? len : 12;
		memmove(buf, buf + len - keep, keep);
	}
	fclose(f);
	free(path);
	return found;
}

int hpc_cmd_run(int argc, char **argv)
{
	static const struct option longs[] = {
		{"alloc", no_argument, NULL, 'a'},
		{"self", no_argument, NULL, 's'},
		{"io", no_argument, NULL, 'i'},
		{"trace", optional_argument, NULL, 't'},
		{"cpu", no_argument, NULL, 'P'},
		{"config", required_argument, NULL, 'c'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	bool alloc = false, self = false, trace = false, cpu = false, io = false;
	const char *config = NULL, *trace_file = NULL;
	int c;

	optind = 1;
	/* "+": options end at PROGRAM, whose own options are its own */
	while ((c = getopt_long(argc, argv, "+:asit::c:h", longs, NULL)) != -1) {
		switch (c) {
		case 'a': alloc = true; break;
		case 's': self = true; break;
		case 'i': io = true; break;
		case 't': trace = true; trace_file = optarg; break;
		case 'P': cpu = true; break;
		case 'c': config = optarg; break;
		case 'h': run_usage(stdout); return HPC_EXIT_OK;
		default: return hpc_bad_option("run", argv, c);
		}
	}
	if (optind >= argc)
		return hpc_usage_error("run", "no PROGRAM to run");
	if (self && !alloc)
		return hpc_usage_error("run", "--self goes with --alloc");
	if (config != NULL)
		setenv("HOTPATH_CONFIG", config, 1);
	if (trace && trace_file != NULL && *trace_file == '\0')
		return hpc_usage_error("run", "--trace= needs a FILE");
	if (trace)
		setenv("HOTPATH_TRACE", "1", 1);
	if (trace_file != NULL)
		setenv("HOTPATH_TRACE_OUTPUT", trace_file, 1);
	if (alloc) {
		char *lib = run_lib(RUN_ALLOC_SO, "HOTPATH_ALLOC_LIB");

		if (lib == NULL) {
			hpc_error("run: %s not found (set HOTPATH_ALLOC_LIB to its path)",
				  RUN_ALLOC_SO);
			return HPC_EXIT_FAIL;
		}
		run_preload(lib);
		setenv("HOTPATH_ALLOC", "1", 1);
		if (self)
			setenv("HOTPATH_ALLOC_SELF", "1", 1);
		free(lib);
	}
	if (io) {
		char *lib = run_lib(RUN_IO_SO, "HOTPATH_IO_LIB");

		if (lib == NULL) {
			hpc_error("run: %s not found (set HOTPATH_IO_LIB to its path)", RUN_IO_SO);
			return HPC_EXIT_FAIL;
		}
		run_preload(lib);
		setenv("HOTPATH_IO", "1", 1);
		free(lib);
	}
	if (cpu) {
		bool linked = run_links_hotpath(argv[optind]);
		char *lib = linked ? NULL : run_lib(RUN_CPU_SO, "HOTPATH_CPU_LIB");

		if (lib == NULL && !linked) {
			hpc_error("run: %s not found (set HOTPATH_CPU_LIB to its path)",
				  RUN_CPU_SO);
			return HPC_EXIT_FAIL;
		}
		if (lib != NULL)
			run_preload(lib);
		setenv("HOTPATH_CPU", "1", 1);
		free(lib);
	}
	execvp(argv[optind], argv + optind);
	/* the shell's convention (POSIX 2.8.2): 127 not found, 126 found but
	 * not runnable */
	c = errno;
	hpc_error("run: %s: %s", argv[optind], strerror(c));
	return c == ENOENT || c == ENOTDIR ? 127 : 126;
}
