/* SPDX-License-Identifier: MIT */
/*
 * cmd_ls.c - `hotpath ls`: the profiled programs running on this machine
 * for this user, from their description files (core/discover.c,
 * docs/discovery.md), and the removal of what ended ones left behind.
 * Also hpc_resolve: the URL of a program named by pid or name, which
 * dump and query take instead of a URL.
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "console.h"
#include "discover.h"

#define LS_POLL_NS 100000000L /* how often a waiting resolve looks again */

/* `hotpath ls --help`. */
static void ls_usage(FILE *f)
{
	fputs("Usage: hotpath ls [OPTIONS]\n"
	      "\n"
	      "Lists the profiled programs running on this machine for this user:\n"
	      "pid, program, uptime, endpoints and sections, from the description\n"
	      "files in $XDG_RUNTIME_DIR/hotpath (else /tmp/hotpath-UID), and removes\n"
	      "the files of programs that ended without removing them.\n"
	      "\n"
	      "Options:\n"
	      "  -j, --json          one JSON array of the programs instead of a table\n"
	      "  -h, --help          this text\n"
	      "\n"
	      "Exit status: 0 listed (also none), 1 the folder is refused, 2 usage.\n", f);
}

/* Seconds since start_unix_ns (0 when in the future). */
static uint64_t ls_uptime_s(uint64_t start_unix_ns)
{
	struct timespec ts;
	uint64_t now;

	clock_gettime(CLOCK_REALTIME, &ts);
	now = (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
	return now > start_unix_ns ? (now - start_unix_ns) / 1000000000u : 0;
}

/* "42s", "3m04s", "2h05m", "3d04h". */
static void ls_uptime(char *dst, size_t n, uint64_t s)
{
	if (s < 60)
		snprintf(dst, n, "%llus", (unsigned long long)s);
	else if (s < 3600)
		snprintf(dst, n, "%llum%02llus", (unsigned long long)(s / 60),
			 (unsigned long long)(s % 60));
	else if (s < 86400)
		snprintf(dst, n, "%lluh%02llum", (unsigned long long)(s / 3600),
			 (unsigned long long)(s / 60 % 60));
	else
		snprintf(dst, n, "%llud%02lluh", (unsigned long long)(s / 86400),
			 (unsigned long long)(s / 3600 % 24));
}

/* Prints s made safe for a terminal (a program's name is the program's). */
static void ls_put(const char *s, int width)
{
	hpi_buf b;

	hpi_buf_init(&b);
	hpi_buf_term(&b, s ? s : "", s ? strlen(s) : 0, 0);
	printf("%-*s", width, b.data ? b.data : "");
	hpi_buf_fini(&b);
}

/* The table. */
static void ls_table(const hpi_program *v, size_t n)
{
	printf("%-8s %-16s %-7s %-s\n", "PID", "PROGRAM", "UPTIME", "ENDPOINTS / SECTIONS");
	for (size_t i = 0; i < n; i++) {
		char up[32];
		ls_uptime(up, sizeof(up), ls_uptime_s(v[i].start_unix_ns));
		printf("%-8ld ", v[i].pid);
		ls_put(v[i].program, 16);
		printf(" %-7s ", up);
		ls_put(v[i].endpoint, 0);
		if (v[i].query != NULL) {
			putchar(' ');
			ls_put(v[i].query, 0);
		}
		printf("\n%-8s %-16s %-7s ", "", "", "");
		for (size_t k = 0; k < v[i].nsections; k++) {
			if (k > 0)
				putchar(',');
			ls_put(v[i].sections[k], 0);
		}
		putchar('\n');
	}
}

/* The JSON array. */
static void ls_json(const hpi_program *v, size_t n)
{
	hpi_buf b;

	hpi_buf_init(&b);
	hpi_buf_putc(&b, '[');
	for (size_t i = 0; i < n; i++) {
		hpi_buf_printf(&b, "%s{\"pid\":%ld,\"program\":", i ? "," : "", v[i].pid);
		hpi_buf_json_str(&b, v[i].program);
		hpi_buf_puts(&b, ",\"caller\":");
		hpi_buf_json_str(&b, v[i].caller);
		hpi_buf_printf(&b, ",\"start_unix_ns\":%llu,\"uptime_s\":%llu,\"endpoint\":",
			       (unsigned long long)v[i].start_unix_ns,
			       (unsigned long long)ls_uptime_s(v[i].start_unix_ns));
		hpi_buf_json_str(&b, v[i].endpoint);
		hpi_buf_puts(&b, ",\"query\":");
		hpi_buf_json_str(&b, v[i].query);
		hpi_buf_puts(&b, ",\"sections\":[");
		for (size_t k = 0; k < v[i].nsections; k++) {
			if (k > 0)
				hpi_buf_putc(&b, ',');
			hpi_buf_json_str(&b, v[i].sections[k]);
		}
		hpi_buf_puts(&b, "]}");
	}
	hpi_buf_puts(&b, "]\n");
	if (b.failed)
		fatal("out of memory");
	fputs(b.data, stdout);
	hpi_buf_fini(&b);
}

/* The live programs (pruning what dead ones left); false after saying why
 * the folder is refused. */
static bool ls_list(const char *cmd, hpi_program **v, size_t *n, size_t *pruned, char **dirp)
{
	char *dir = hpi_discover_dir(), *cause = NULL;

	if (dir == NULL)
		fatal("out of memory");
	if (hpi_discover_list(dir, HPI_DISCOVER_PRUNE, v, n, pruned, &cause) != 0) {
		hpc_error("%s: %s", cmd, cause);
		free(cause);
		free(dir);
		return false;
	}
	if (dirp != NULL)
		*dirp = dir;
	else
		free(dir);
	return true;
}

int hpc_cmd_ls(int argc, char **argv)
{
	static const struct option longs[] = {
		{"json", no_argument, NULL, 'j'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0}
	};
	hpi_program *v = NULL;
	size_t n = 0, pruned = 0;
	bool json = false;
	char *dir = NULL;
	int c;

	opterr = 0;
	optind = 0;
	while ((c = getopt_long(argc, argv, ":jh", longs, NULL)) != -1) {
		switch (c) {
		case 'j':
			json = true;
			break;
		case 'h':
			ls_usage(stdout);
			return HPC_EXIT_OK;
		default:
			return hpc_bad_option("ls", argv, c);
		}
	}
	if (optind < argc)
		return hpc_usage_error("ls", "takes no arguments");
	if (!ls_list("ls", &v, &n, &pruned, &dir))
		return HPC_EXIT_FAIL;
	if (pruned > 0)
		hpc_error("ls: removed %zu file%s left by programs that ended", pruned,
			  pruned == 1 ? "" : "s");
	if (json)
		ls_json(v, n);
	else if (n > 0)
		ls_table(v, n);
	else
		hpc_error("ls: no profiled program is running (none described in %s)", dir);
	hpi_discover_free(v, n);
	free(dir);
	return HPC_EXIT_OK;
}

/* The programs as "PID NAME, PID NAME" for a message; caller frees. */
static char *ls_names(const hpi_program *v, size_t n)
{
	hpi_buf b;

	hpi_buf_init(&b);
	hpi_buf_puts(&b, "");
	for (size_t i = 0; i < n; i++) {
		hpi_buf_printf(&b, "%s%ld ", i ? ", " : "", v[i].pid);
		hpi_buf_term(&b, v[i].program, strlen(v[i].program), 0);
	}
	if (b.failed)
		fatal("out of memory");
	return b.data;
}

int hpc_resolve(const char *cmd, const char *target, bool query, uint64_t timeout_ms,
		char **url)
{
	struct timespec t0, now;

	*url = NULL;
	if (target != NULL && strstr(target, "://") != NULL) {
		*url = xstrdup(target);
		return HPC_EXIT_OK;
	}
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (;;) {
		hpi_program *v = NULL;
		size_t n = 0;
		long i = -1;
		uint64_t spent;
		if (!ls_list(cmd, &v, &n, NULL, NULL))
			return HPC_EXIT_FAIL;
		if (target != NULL)
			i = hpi_discover_find(v, n, target);
		else if (n == 1)
			i = 0;
		if (i >= 0 && (!query || v[i].query != NULL)) {
			*url = xstrdup(query ? v[i].query : v[i].endpoint);
			hpi_discover_free(v, n);
			return HPC_EXIT_OK;
		}
		if (i >= 0 || i == -2 || (target == NULL && n > 1)) {
			char *names = ls_names(v, n);
			if (i >= 0)
				hpc_error("%s: %s answers no queries (publish.query: off)", cmd,
					  target);
			else
				hpc_error("%s: %s programs run (%s): name one by pid or name",
					  cmd, i == -2 ? "several such" : "several", names);
			free(names);
			hpi_discover_free(v, n);
			return HPC_EXIT_FAIL;
		}
		hpi_discover_free(v, n);
		clock_gettime(CLOCK_MONOTONIC, &now);
		spent = (uint64_t)(now.tv_sec - t0.tv_sec) * 1000u +
			(uint64_t)(now.tv_nsec - t0.tv_nsec) / 1000000;
		if (timeout_ms != 0 && spent >= timeout_ms) {
			if (target != NULL)
				hpc_error("%s: no profiled program %s within %llu ms (hotpath ls lists "
					  "them)", cmd, target, (unsigned long long)timeout_ms);
			else
				hpc_error("%s: no profiled program is running (waited %llu ms; "
					  "hotpath ls lists them)", cmd,
					  (unsigned long long)timeout_ms);
			return HPC_EXIT_FAIL;
		}
		nanosleep(&(struct timespec){0, LS_POLL_NS}, NULL);
	}
}
