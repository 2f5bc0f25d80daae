/* SPDX-License-Identifier: MIT */
/*
 * guard_report.c - the guard's report: the final snapshot rendered in the
 * built-in format and written where report.output says (never blocking on
 * a FIFO, never lost: stderr when the file fails), then the program's C
 * reporters and Lua scripts.  guard.c calls it once, when the guard ends.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "hpi.h"

/* The program's short name, without libtool's "lt-". */
const char *hpi_guard_program(void)
{
	const char *p = program_invocation_short_name;

	return strncmp(p, "lt-", 3) == 0 ? p + 3 : p;
}

/* Writes all of p[0..n) to fd; false with errno on failure. */
static bool guard_write_all(int fd, const char *p, size_t n)
{
	ssize_t w;

	while (n > 0) {
		if ((w = write(fd, p, n)) < 0) {
			if (errno == EINTR)
				continue;
			return false;
		}
		if (w == 0) {
			errno = EIO;
			return false;
		}
		p += w;
		n -= (size_t)w;
	}
	return true;
}

/* Writes the rendered report where report.output says.  Never blocks on a
 * FIFO, and never loses it: when the file cannot be opened or written, the
 * whole report goes to stderr. */
static void guard_write(const hpi_config *c, const hpi_buf *out)
{
	char name[160];
	bool is_null;
	int fd, err;

	if (out->data == NULL || out->len == 0)
		return;
	if (c->output == NULL || strcmp(c->output, "stderr") == 0) {
		guard_write_all(STDERR_FILENO, out->data, out->len);
		return;
	}
	if (strcmp(c->output, "stdout") == 0) {
		/* through stdio, so that it follows what the program printed */
		if (fwrite(out->data, 1, out->len, stdout) == out->len && fflush(stdout) == 0)
			return;
		hpi_warn("report.output: writing stdout failed: %s; the report goes to stderr",
			 strerror(errno));
		clearerr(stdout);
		guard_write_all(STDERR_FILENO, out->data, out->len);
		return;
	}
	hpi_term_str(name, sizeof name, c->output);
	if ((fd = hpi_open_regular(c->output, O_WRONLY | O_CREAT | O_TRUNC, &is_null)) < 0) {
		hpi_warn("report.output: cannot write \"%s\": %s; the report goes to stderr", name,
			 errno == EINVAL ? "not a regular file (a FIFO or socket would block)" :
			 strerror(errno));
		guard_write_all(STDERR_FILENO, out->data, out->len);
		return;
	}
	if (!guard_write_all(fd, out->data, out->len)) {
		err = errno;
		close(fd);
	} else if (close(fd) != 0) {
		err = errno;
	} else {
		return;
	}
	hpi_warn("report.output: writing \"%s\" failed: %s; the whole report goes to stderr",
		 name, strerror(err));
	guard_write_all(STDERR_FILENO, out->data, out->len);
}

/* Sets the report-wide facts of a snapshot. */
static void guard_meta(hp_guard *g, hp_snapshot *s, uint64_t elapsed)
{
	hpi_facts f = {.caller = g->b->caller, .program = hpi_guard_program(),
		       .pid = (long)g->pid, .start_unix_ns = g->unix0, .elapsed_ns = elapsed};

	hpi_snapshot_facts(s, &f);
}

/* Renders the built-in format into out.  Memory running out mid-way gives
 * a smaller report (no logs) or none, never a truncated one, and says so. */
static void guard_render(const hpi_config *c, const hp_snapshot *s, hpi_render_opts *o,
			 hpi_buf *out)
{
	for (int tries = 0; tries < 2; tries++) {
		hpi_buf_init(out);
		if (c->format == HP_FORMAT_TABLE)
			hpi_render_table(out, s, o);
		else if (c->format == HP_FORMAT_JSON || c->format == HP_FORMAT_JSON_PRETTY)
			hpi_render_json(out, s, o, c->format == HP_FORMAT_JSON_PRETTY);
		else if (c->format == HP_FORMAT_HTML)
			hpi_render_html(out, s, o);
		if (!out->failed)
			return;
		hpi_buf_fini(out);
		if (tries == 0 && c->format != HP_FORMAT_TABLE) {
			hpi_warn("out of memory while rendering the report: writing it without "
				 "the rows' logs");
			o->no_logs = true;
			continue;
		}
		hpi_warn("out of memory while rendering the report: no report written");
		return;
	}
}

/* Final snapshot, built-in format, every C reporter, then the Lua ones. */
void hpi_guard_report(hp_guard *g, uint64_t elapsed)
{
	hp_snapshot *s = hpi_snapshot_new();
	hpi_render_opts o = {.limit = (size_t)g->cfg.limit, .pcts = g->cfg.pcts,
			     .npcts = g->cfg.npcts};
	hpi_buf out;

	if (s == NULL) {
		hpi_warn("out of memory: no report");
		return;
	}
	guard_meta(g, s, elapsed);
	hpi_registry_snapshot(g->reg, s);
	guard_render(&g->cfg, s, &o, &out);
	guard_write(&g->cfg, &out);
	hpi_buf_fini(&out);
	o.no_logs = false;
	for (size_t i = 0; i < g->b->nreps; i++) {
		char *cause = NULL;
		const hp_reporter *r = g->b->reps[i].r;
		int rv = r->report(s, g->b->reps[i].data, &cause);
		if (rv != 0)
			hpi_warn("reporter \"%s\" failed: %s", r->name ? r->name : "?",
				 cause ? cause : hp_strerror(rv));
		free(cause);
	}
	hpi_lua_run_scripts(s, &o, &g->cfg, g->b->scripts, g->b->nscripts);
	hpi_snapshot_free(s);
}
