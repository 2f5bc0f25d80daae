/* SPDX-License-Identifier: MIT */
/*
 * guard_builder.c - the guard's settings: hp_guard_builder (what the
 * program asks for: percentiles, format, limit, output, reporters,
 * scripts), and how they go over hotpath.yaml and under HOTPATH_* when a
 * guard is built (guard.c).
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hpi.h"

/* ---- builder ------------------------------------------------------------- */

/* A program built before the stamp existed wrote format 1. */
hp_guard_builder *(hp_guard_builder_new)(const char *caller)
{
	return hp__guard_builder_new_fmt(caller, 1);
}

hp_guard_builder *hp__guard_builder_new_fmt(const char *caller, int rec_format)
{
	HPI_INTERNAL(); /* hotpath's own allocations are not counted */
	hp_guard_builder *b = calloc(1, sizeof(*b));

	if (b == NULL)
		return NULL;
	b->rec_format = rec_format;
	b->limit = -1;
	b->caller = strdup(caller && *caller ? caller : "main");
	if (b->caller == NULL) {
		free(b);
		return NULL;
	}
	return b;
}

void hp_guard_builder_free(hp_guard_builder *b)
{
	HPI_INTERNAL(); /* hotpath's own allocations are not counted */
	if (b == NULL)
		return;
	free(b->caller);
	free(b->output);
	free(b->reps);
	for (size_t i = 0; i < b->nscripts; i++)
		free(b->scripts[i]);
	free(b->scripts);
	free(b);
}

int hp_guard_builder_percentiles(hp_guard_builder *b, const double *p, size_t n)
{
	if (b == NULL || (p == NULL && n > 0))
		return HP_EINVAL;
	if (n > HPI_MAX_PCTS) {
		hpi_warn("hp_guard_builder_percentiles: at most %d percentiles; ignored", HPI_MAX_PCTS);
		return HP_EINVAL;
	}
	for (size_t i = 0; i < n; i++) {
		if (!(p[i] >= 0.0 && p[i] <= 100.0)) {
			hpi_warn("hp_guard_builder_percentiles: %g is outside 0..100; ignored", p[i]);
			return HP_ERANGE;
		}
	}
	memcpy(b->pcts, p, n * sizeof(*p));
	b->npcts = n;
	return 0;
}

int hp_guard_builder_format(hp_guard_builder *b, hp_format fmt)
{
	if (b == NULL || fmt < HP_FORMAT_DEFAULT || fmt > HP_FORMAT_HTML)
		return HP_EINVAL;
	b->format = fmt;
	return 0;
}

int hp_guard_builder_limit(hp_guard_builder *b, size_t limit)
{
	if (b == NULL)
		return HP_EINVAL;
	b->limit = (long)limit;
	return 0;
}

int hp_guard_builder_output(hp_guard_builder *b, const char *path)
{
	HPI_INTERNAL(); /* hotpath's own allocations are not counted */
	char *p;

	if (b == NULL || path == NULL || *path == '\0')
		return HP_EINVAL;
	if ((p = strdup(path)) == NULL)
		return HP_ENOMEM;
	free(b->output);
	b->output = p;
	return 0;
}

int hp_guard_builder_reporter(hp_guard_builder *b, const hp_reporter *r, void *data)
{
	HPI_INTERNAL(); /* hotpath's own allocations are not counted */
	hpi_guard_reporter *p;

	if (b == NULL || r == NULL || r->report == NULL)
		return HP_EINVAL;
	if ((p = realloc(b->reps, (b->nreps + 1) * sizeof(*p))) == NULL)
		return HP_ENOMEM;
	b->reps = p;
	b->reps[b->nreps].r = r;
	b->reps[b->nreps++].data = data;
	return 0;
}

int hp_guard_builder_script(hp_guard_builder *b, const char *path)
{
	HPI_INTERNAL(); /* hotpath's own allocations are not counted */
	char **p, *copy;

	if (b == NULL || path == NULL || *path == '\0')
		return HP_EINVAL;
	if ((p = realloc(b->scripts, (b->nscripts + 1) * sizeof(*p))) == NULL)
		return HP_ENOMEM;
	b->scripts = p;
	if ((copy = strdup(path)) == NULL)
		return HP_ENOMEM;
	b->scripts[b->nscripts++] = copy;
	return 0;
}

/* A copy of b's settings (a fork child's guard is built from its parent's);
 * NULL when memory runs out.  C reporters are shared, not copied. */
hp_guard_builder *hpi_guard_builder_copy(const hp_guard_builder *o)
{
	hp_guard_builder *b = hp__guard_builder_new_fmt(o->caller, o->rec_format);

	if (b == NULL)
		return NULL;
	memcpy(b->pcts, o->pcts, sizeof(b->pcts));
	b->npcts = o->npcts;
	b->format = o->format;
	b->limit = o->limit;
	if (o->output != NULL && hp_guard_builder_output(b, o->output) != 0)
		goto fail;
	for (size_t i = 0; i < o->nreps; i++)
		if (hp_guard_builder_reporter(b, o->reps[i].r, o->reps[i].data) != 0)
			goto fail;
	for (size_t i = 0; i < o->nscripts; i++)
		if (hp_guard_builder_script(b, o->scripts[i]) != 0)
			goto fail;
	return b;
fail:
	hp_guard_builder_free(b);
	return NULL;
}

/* ---- settings ------------------------------------------------------------ */

/* Whether the user set either name of a variable (empty counts as unset,
 * as in config.c). */
static bool guard_env(const char *alias, const char *canonical)
{
	const char *a = hpi_getenv(alias), *c = hpi_getenv(canonical);

	return (a != NULL && *a != '\0') || (c != NULL && *c != '\0');
}

/* The program's settings go over hotpath.yaml, under HOTPATH_* variables. */
void hpi_guard_apply_builder(hpi_config *c, const hp_guard_builder *b)
{
	if (b->npcts && !guard_env("HOTPATH_PERCENTILES", "HOTPATH_REPORT_PERCENTILES")) {
		memcpy(c->pcts, b->pcts, b->npcts * sizeof(double));
		c->npcts = b->npcts;
	}
	if (b->format != HP_FORMAT_DEFAULT && !guard_env("HOTPATH_FORMAT", "HOTPATH_REPORT_FORMAT"))
		c->format = b->format;
	if (b->limit >= 0 && !guard_env("HOTPATH_LIMIT", "HOTPATH_REPORT_LIMIT"))
		c->limit = b->limit;
	if (b->output && !guard_env("HOTPATH_OUTPUT", "HOTPATH_REPORT_OUTPUT")) {
		char *o = strdup(b->output);
		if (o != NULL) {
			free(c->output);
			c->output = o;
		}
	}
}

/* path with ".<pid>" before its extension ("out/report.json" ->
 * "out/report.1234.json", "report" -> "report.1234"); a new string, or
 * NULL when memory runs out. */
char *hpi_guard_pid_path(const char *path, long pid)
{
	const char *base = strrchr(path, '/'), *dot;
	size_t stem;
	char *r;

	base = base ? base + 1 : path;
	dot = strrchr(base, '.');
	stem = dot != NULL && dot != base ? (size_t)(dot - path) : strlen(path);
	if ((r = malloc(strlen(path) + 24)) == NULL)
		return NULL;
	sprintf(r, "%.*s.%ld%s", (int)stem, path, pid, path + stem);
	return r;
}

/* A fork child's report (and trace) go to files of their own. */
void hpi_guard_apply_fork(hpi_config *c, long pid)
{
	char **paths[] = {&c->output, &c->trace_output};

	for (size_t i = 0; i < sizeof(paths) / sizeof(paths[0]); i++) {
		char *p = *paths[i], *q;
		if (p == NULL || strcmp(p, "stderr") == 0 || strcmp(p, "stdout") == 0)
			continue;
		if ((q = hpi_guard_pid_path(p, pid)) != NULL) {
			free(p);
			*paths[i] = q;
		}
	}
}
