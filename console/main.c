/* SPDX-License-Identifier: MIT */
/*
 * main.c - the `hotpath` command: `hotpath SUBCOMMAND [ARGS...]`.
 *
 * Subcommands are a table (tmux's cmd tables): a name, the function that
 * runs it and its one-line summary for `hotpath --help`.  Adding one is a
 * line here and a cmd_<name>.c; each handles its own --help.  Exit codes
 * are the same everywhere: 0 ok, 1 failure, 2 usage (console.h).
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "console.h"

/* Every subcommand, in the order `hotpath --help` lists them. */
static const hpc_cmd main_cmds[] = {
#ifdef HPC_CONSOLE
	{"console", hpc_cmd_console, "live dashboard of running programs (ncurses)"},
	{"report", hpc_cmd_report, "re-render a saved JSON report (table, JSON)"},
	{"compare", hpc_cmd_compare, "regressions between two JSON reports (table, markdown, JSON)"},
	{"merge", hpc_cmd_merge, "several JSON reports (processes, runs) as one report"},
	{"mcp", hpc_cmd_mcp, "an MCP server on stdio: assistants read live programs and reports"},
#endif
	{"ls", hpc_cmd_ls, "list the profiled programs running here (pid, program, endpoints)"},
	{"dump", hpc_cmd_dump, "live messages of a running program as JSON lines"},
	{"query", hpc_cmd_query, "ask a running program a question (sections, snapshot, log)"},
	{"run", hpc_cmd_run, "run a program with what profiling needs (--alloc: allocations)"},
	{"attach", hpc_cmd_attach, "sample where a running process spends its CPU"},
	{"exporter", hpc_cmd_exporter, "one Prometheus /metrics for every profiled program here"},
};

#define MAIN_NCMDS (sizeof(main_cmds) / sizeof(main_cmds[0]))

/* The command's usage and its subcommands, on f. */
static void main_usage(FILE *f)
{
	size_t i;

	fputs("Usage: hotpath SUBCOMMAND [OPTIONS] [ARGS...]\n"
	      "       hotpath --help | --version\n"
	      "\n"
	      "Subcommands:\n", f);
	for (i = 0; i < MAIN_NCMDS; i++)
		fprintf(f, "  %-10s %s\n", main_cmds[i].name, main_cmds[i].summary);
	fputs("\n"
	      "'hotpath SUBCOMMAND --help' shows the options of one.\n"
	      "Exit status: 0 ok, 1 failure, 2 usage or unusable input.\n", f);
}

/* The subcommand called name, or NULL. */
static const hpc_cmd *main_find(const char *name)
{
	size_t i;

	for (i = 0; i < MAIN_NCMDS; i++)
		if (strcmp(main_cmds[i].name, name) == 0)
			return &main_cmds[i];
	return NULL;
}

/* Says that name is no subcommand (or option) and shows the usage. */
static int main_unknown(const char *name)
{
#ifndef HPC_CONSOLE
	/* ./configure --disable-console: these need ncurses. */
	if (strcmp(name, "console") == 0 || strcmp(name, "report") == 0 ||
	    strcmp(name, "compare") == 0) {
		fprintf(stderr, "hotpath: '%s' was left out of this build "
				"(configured with --disable-console)\n", name);
		return HPC_EXIT_USAGE;
	}
#endif
	fprintf(stderr, "hotpath: unknown %s '%s'\n\n",
		name[0] == '-' ? "option" : "subcommand", name);
	main_usage(stderr);
	return HPC_EXIT_USAGE;
}

/* `hotpath help NAME`: the same as `hotpath NAME --help`. */
static int main_help(const char *name)
{
	const hpc_cmd *cmd = main_find(name);
	char *argv[] = {(char *)name, (char *)"--help", NULL};

	if (cmd == NULL)
		return main_unknown(name);
	return cmd->fn(2, argv);
}

/* Dispatches to the subcommand named by argv[1]. */
int main(int argc, char **argv)
{
	const hpc_cmd *cmd;

	if (argc < 2) {
		main_usage(stderr);
		return HPC_EXIT_USAGE;
	}
	if (strcmp(argv[1], "help") == 0 && argc > 2)
		return main_help(argv[2]);
	if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0 ||
	    strcmp(argv[1], "help") == 0) {
		main_usage(stdout);
		return HPC_EXIT_OK;
	}
	if (strcmp(argv[1], "--version") == 0 || strcmp(argv[1], "-V") == 0) {
		printf("hotpath %s\n", HP_VERSION_STRING);
		return HPC_EXIT_OK;
	}
	if ((cmd = main_find(argv[1])) == NULL)
		return main_unknown(argv[1]);
	return cmd->fn(argc - 1, argv + 1);
}
