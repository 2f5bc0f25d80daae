/* SPDX-License-Identifier: MIT */
/*
 * save.c - the console's w key: what the console holds of a program (every
 * section it sent, tabs and the call tree's hidden ones) written as a JSON
 * report (docs/report-format.md), which `hotpath report` renders and
 * `hotpath compare` compares like a report the program wrote itself.
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "console.h"
#include "save.h"

#define SAVE_MAX_PCTS 16

/* One console section into snap: columns, facts, rows (numbers as they
 * came, text as shown). */
static void save_section(hp_snapshot *snap, const hpc_section *s)
{
	hp_section *out = hpi_section_add(snap, s->id, s->title);
	size_t r, c;

	if (out == NULL)
		fatal("out of memory");
	for (c = 0; c < s->ncols; c++)
		hpi_column_add(out, s->cols[c].key, s->cols[c].title, s->cols[c].unit);
	for (c = 0; c < s->nmeta; c++)
		hpi_section_meta_set(out, s->meta[2 * c], s->meta[2 * c + 1]);
	for (r = 0; r < s->nrows; r++) {
		size_t row = hpi_row_add(out);

		for (c = 0; c < s->ncols; c++) {
			const char *text = hpc_section_str(s, r, c);
			hp_unit u = s->cols[c].unit;

			if (!hpc_section_has(s, r, c))
				continue;
			if (u == HP_UNIT_TEXT && text != NULL)
				hpi_cell_text(out, row, c, text);
			else if (text == NULL && hpi_unit_is_int(u))
				hpi_cell_int(out, row, c, hpc_section_int(s, r, c));
			else if (text == NULL && hpi_unit_is_real(u))
				hpi_cell_real(out, row, c, hpc_section_num(s, r, c));
		}
	}
}

/* The report's percentiles: those of the functions' p<N> columns. */
static size_t save_pcts(const hpc_target *t, double *pcts)
{
	const hpc_section *f = hpc_target_section(t, "functions");
	size_t n = 0;
	char *end;

	for (size_t c = 0; f != NULL && c < f->ncols && n < SAVE_MAX_PCTS; c++) {
		const char *k = f->cols[c].key;
		double p;

		if (k[0] != 'p' || k[1] < '0' || k[1] > '9')
			continue;
		p = strtod(k + 1, &end);
		if (*end == '\0' && p > 0 && p <= 100)
			pcts[n++] = p;
	}
	return n;
}

/* Writes out to a new file in dir named after the program and the time;
 * its name in *path (caller frees), or an errno. */
static int save_write(const hpc_target *t, const char *dir, const hpi_buf *out, char **path)
{
	char stamp[32], prog[64];
	time_t now = time(NULL);
	struct tm tm;
	FILE *f = NULL;
	size_t i;

	localtime_r(&now, &tm);
	strftime(stamp, sizeof(stamp), "%Y%m%d-%H%M%S", &tm);
	snprintf(prog, sizeof(prog), "%s", t->program ? t->program : "program");
	for (i = 0; prog[i] != '\0'; i++) /* a file name, whatever the program is called */
		if (!((prog[i] >= 'a' && prog[i] <= 'z') || (prog[i] >= 'A' && prog[i] <= 'Z') ||
		      (prog[i] >= '0' && prog[i] <= '9') || prog[i] == '_' || prog[i] == '-'))
			prog[i] = '_';
	for (i = 1; f == NULL && i < 100; i++) {
		*path = i == 1 ? xasprintf("%s/hotpath-%s-%ld-%s.json", dir, prog, t->pid, stamp)
			: xasprintf("%s/hotpath-%s-%ld-%s-%zu.json", dir, prog, t->pid, stamp, i);
		if ((f = fopen(*path, "wx")) == NULL) { /* never over a file */
			int e = errno;

			free(*path);
			*path = NULL;
			if (e != EEXIST)
				return e;
		}
	}
	if (f == NULL)
		return EEXIST;
	if (fwrite(out->data, 1, out->len, f) != out->len || fclose(f) != 0) {
		int e = errno ? errno : EIO;

		remove(*path);
		return e;
	}
	return 0;
}

/* See save.h. */
int hpc_save_snapshot(const hpc_target *t, const char *dir, char **path, size_t *nsecs)
{
	hpi_render_opts o = {.limit = 0}; /* sections' own limits, as the program's report */
	double pcts[SAVE_MAX_PCTS];
	hp_snapshot *snap;
	char buf[32];
	hpi_buf out;
	size_t i;
	int rv;

	*path = NULL;
	*nsecs = 0;
	if ((snap = hpi_snapshot_new()) == NULL)
		fatal("out of memory");
	if (t->program != NULL)
		hpi_snapshot_meta_set(snap, "program", t->program);
	if (t->caller != NULL)
		hpi_snapshot_meta_set(snap, "caller", t->caller);
	if (t->pid > 0) {
		snprintf(buf, sizeof(buf), "%ld", t->pid);
		hpi_snapshot_meta_set(snap, "pid", buf);
	}
	if (t->host != NULL)
		hpi_snapshot_meta_set(snap, "host", t->host);
	hpi_snapshot_meta_set(snap, "saved_by", "hotpath console");
	for (i = 0; i < t->nsecs; i++)
		if (t->secs[i]->has_data)
			save_section(snap, t->secs[i]);
	for (i = 0; i < t->nhidden; i++)
		if (t->hidden[i]->has_data)
			save_section(snap, t->hidden[i]);
	*nsecs = hp_snapshot_count(snap);
	o.npcts = save_pcts(t, pcts);
	o.pcts = pcts;
	hpi_buf_init(&out);
	hpi_render_json(&out, snap, &o, true);
	rv = out.data != NULL ? save_write(t, dir, &out, path) : ENOMEM;
	hpi_buf_fini(&out);
	hpi_snapshot_free(snap);
	return rv;
}
