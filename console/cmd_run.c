/* SPDX-License-Identifier: MIT */
/*
 * cmd_run.c - `hotpath run [--alloc] -- PROG ARGS...`: runs a program with
 * the environment profiling needs, then becomes it (exec), so signals, exit
 * status and stdout are the program's own.  --alloc preloads
 * libhotpath-alloc (docs/alloc.md); --trace turns the trace timeline on
 * (docs/trace.md).
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
	      "  -t, --trace[=FILE]  write a timeline of every measured call, lock and\n"
	      "                      channel message to FILE (default trace.json) at\n"
	      "                      exit, for Perfetto or chrome://tracing (HOTPATH_TRACE=1,\n"
	      "                      HOTPATH_TRACE_OUTPUT=FILE)\n"
	      "  -c, --config FILE   use FILE as hotpath.yaml (HOTPATH_CONFIG)\n"
	      "  -h, --help          this text\n"
	      "\n"
	      "The library is looked for in $HOTPATH_ALLOC_LIB, next to this command\n"
	      "(a build tree), then in " HP_LIBDIR ".\n"
	      "Exit status: PROGRAM's; as in a shell, 127 when PROGRAM is not found\n"
	      "and 126 when it is found but cannot be run (not executable, not a\n"
	      "program); 1 when --alloc's library is missing, 2 usage.\n", f);
}

/* The path of libhotpath-alloc to preload; malloc'ed, or NULL. */
static char *run_alloc_lib(void)
{
	const char *env = getenv("HOTPATH_ALLOC_LIB");
	char self[PATH_MAX], *slash, *p;
	ssize_t n;

	if (env != NULL && *env != '\0')
		return access(env, R_OK) == 0 ? xstrdup(env) : NULL;
	if ((n = readlink("/proc/self/exe", self, sizeof(self) - 1)) > 0) {
		self[n] = '\0';
		if ((slash = strrchr(self, '/')) != NULL)
			*slash = '\0';
		/* a build tree: libtool keeps the library in .libs */
		p = xasprintf("%s/.libs/" RUN_ALLOC_SO, self);
		if (access(p, R_OK) == 0)
			return p;
		free(p);
		if ((slash = strrchr(self, '/')) != NULL && strcmp(slash, "/.libs") == 0) {
			p = xasprintf("%s/" RUN_ALLOC_SO, self);
			if (access(p, R_OK) == 0)
				return p;
			free(p);
		}
	}
	p = xstrdup(HP_LIBDIR "/" RUN_ALLOC_SO);
	if (access(p, R_OK) == 0)
		return p;
	free(p);
	return NULL;
}

int hpc_cmd_run(int argc, char **argv)
{
	static const struct option longs[] = {
		{"alloc", no_argument, NULL, 'a'},
		{"self", no_argument, NULL, 's'},
		{"trace", optional_argument, NULL, 't'},
		{"config", required_argument, NULL, 'c'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	bool alloc = false, self = false, trace = false;
	const char *config = NULL, *trace_file = NULL;
	int c;

	optind = 1;
	/* "+": options end at PROGRAM, whose own options are its own */
	while ((c = getopt_long(argc, argv, "+:ast::c:h", longs, NULL)) != -1) {
		switch (c) {
		case 'a': alloc = true; break;
		case 's': self = true; break;
		case 't': trace = true; trace_file = optarg; break;
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
		char *lib = run_alloc_lib(), *pre;
		const char *old = getenv("LD_PRELOAD");

		if (lib == NULL) {
			hpc_error("run: %s not found (set HOTPATH_ALLOC_LIB to its path)",
				  RUN_ALLOC_SO);
			return HPC_EXIT_FAIL;
		}
		pre = old && *old ? xasprintf("%s:%s", lib, old) : xstrdup(lib);
		setenv("LD_PRELOAD", pre, 1);
		setenv("HOTPATH_ALLOC", "1", 1);
		if (self)
			setenv("HOTPATH_ALLOC_SELF", "1", 1);
		free(pre);
		free(lib);
	}
	execvp(argv[optind], argv + optind);
	/* the shell's convention (POSIX 2.8.2): 127 not found, 126 found but
	 * not runnable */
	c = errno;
	hpc_error("run: %s: %s", argv[optind], strerror(c));
	return c == ENOENT || c == ENOTDIR ? 127 : 126;
}
