/* SPDX-License-Identifier: MIT */
/*
 * util.c - the small things every subcommand of `hotpath` needs: fatal()
 * and the allocation wrappers (tmux's xmalloc.c), error lines in one
 * format, strict number parsing for options, and writing the output.
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <errno.h>
#include <stdarg.h>
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "console.h"

/* Prints "hotpath: <msg>" and exits with HPC_EXIT_FAIL. */
void fatal(const char *fmt, ...)
{
	va_list ap;

	fflush(stdout);
	fputs("hotpath: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(HPC_EXIT_FAIL);
}

/* malloc that never returns NULL (0 bytes gives a valid pointer). */
void *xmalloc(size_t n)
{
	void *p = malloc(n ? n : 1);

	if (p == NULL)
		fatal("out of memory (%zu bytes)", n);
	return p;
}

/* calloc that never returns NULL. */
void *xcalloc(size_t n, size_t size)
{
	void *p = calloc(n ? n : 1, size ? size : 1);

	if (p == NULL)
		fatal("out of memory (%zu x %zu bytes)", n, size);
	return p;
}

/* realloc of an array of n elements, overflow-checked; never NULL. */
void *xreallocarray(void *p, size_t n, size_t size)
{
	void *q;

	if (size != 0 && n > SIZE_MAX / size)
		fatal("out of memory (%zu x %zu bytes)", n, size);
	if ((q = realloc(p, n * size != 0 ? n * size : 1)) == NULL)
		fatal("out of memory (%zu x %zu bytes)", n, size);
	return q;
}

/* strdup that never returns NULL. */
char *xstrdup(const char *s)
{
	char *p = strdup(s);

	if (p == NULL)
		fatal("out of memory");
	return p;
}

/* printf into a new string; never NULL. */
char *xasprintf(const char *fmt, ...)
{
	va_list ap;
	char *s;
	int n;

	va_start(ap, fmt);
	n = vasprintf(&s, fmt, ap);
	va_end(ap);
	if (n < 0)
		fatal("out of memory");
	return s;
}

/* "hotpath: <msg>" on stderr. */
void hpc_error(const char *fmt, ...)
{
	va_list ap;

	fflush(stdout);
	fputs("hotpath: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

/* A usage error of a subcommand, and where to read its usage. */
int hpc_usage_error(const char *cmd, const char *fmt, ...)
{
	va_list ap;

	fflush(stdout);
	fprintf(stderr, "hotpath %s: ", cmd);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\nTry 'hotpath %s --help'.\n", cmd);
	return HPC_EXIT_USAGE;
}

/* What was wrong with the option getopt_long returned c ('?' or ':') for. */
int hpc_bad_option(const char *cmd, char **argv, int c)
{
	const char *arg = argv[optind - 1];

	if (c == ':')
		return hpc_usage_error(cmd, "option '%s' needs a value", arg);
	if (optopt != 0 && strncmp(arg, "--", 2) != 0)
		return hpc_usage_error(cmd, "unknown option '-%c'", optopt);
	return hpc_usage_error(cmd, "unknown option '%s'", arg);
}

/* Digits only, no sign, no spaces, fits in uint64. */
bool hpc_parse_count(const char *s, uint64_t *v)
{
	unsigned long long n;
	char *end;

	if (s == NULL || *s < '0' || *s > '9')
		return false;
	errno = 0;
	n = strtoull(s, &end, 10);
	if (errno != 0 || *end != '\0')
		return false;
	*v = n;
	return true;
}

/* A plain non-negative decimal number: digits with at most one '.'. */
bool hpc_parse_number(const char *s, double *v)
{
	size_t digits = 0, dots = 0;
	const char *p;
	char *end;

	if (s == NULL)
		return false;
	for (p = s; *p != '\0'; p++) {
		if (*p >= '0' && *p <= '9')
			digits++;
		else if (*p == '.')
			dots++;
		else
			return false;
	}
	if (digits == 0 || dots > 1)
		return false;
	*v = strtod(s, &end);
	return *end == '\0' && isfinite(*v);
}

/* Writes the whole buffer; a failed buffer means memory ran out. */
int hpc_write_out(const char *path, const hpi_buf *buf)
{
	bool to_stdout = path == NULL || strcmp(path, "-") == 0;
	FILE *f = stdout;
	size_t len = buf->data ? buf->len : 0;
	bool ok;

	if (buf->failed) {
		hpc_error("out of memory: output not written");
		return HPC_EXIT_FAIL;
	}
	if (!to_stdout && (f = fopen(path, "w")) == NULL) {
		hpc_error("%s: cannot write: %s", path, strerror(errno));
		return HPC_EXIT_FAIL;
	}
	ok = len == 0 || fwrite(buf->data, 1, len, f) == len;
	ok = (to_stdout ? fflush(f) : fclose(f)) == 0 && ok; /* close even on error */
	if (!ok) {
		hpc_error("%s: write failed: %s", to_stdout ? "<stdout>" : path,
			  strerror(errno));
		return HPC_EXIT_FAIL;
	}
	return HPC_EXIT_OK;
}
