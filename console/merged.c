/* SPDX-License-Identifier: MIT */
/*
 * merged.c - the console's merged view: the programs of the same name
 * (the workers of one server) as one target, built with merge.c, the code
 * of `hotpath merge`, from the sections the console holds.  Key a shows
 * it, t (or a again) goes back to each process.  docs/console.md.
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "console.h"
#include "merge.h"
#include "model.h"

/* A console section as a snapshot section: a copy of its rows, the shown
 * columns as "table.columns". */
static void merged_section_in(hp_snapshot *snap, const hpc_section *s)
{
	hp_section *o = hpi_section_add(snap, s->id, s->title);
	hpi_buf tc;

	if (o == NULL)
		fatal("out of memory");
	for (size_t c = 0; s->data != NULL && c < s->ncols; c++)
		hpi_column_add(o, s->cols[c].key, s->cols[c].title,
			       hp_section_column_unit(s->data, c));
	for (size_t r = 0; s->data != NULL && r < s->nrows; r++) {
		size_t row = hpi_row_add(o);
		for (size_t c = 0; c < s->ncols; c++) {
			if (!hpc_section_has(s, r, c))
				continue;
			if (hpc_section_str(s, r, c) != NULL)
				hpi_cell_text(o, row, c, hpc_section_str(s, r, c));
			else if (hpc_section_is_int(s, c))
				hpi_cell_int(o, row, c, s->data->rows[r].cells[c].v.i);
			else
				hpi_cell_real(o, row, c, hpc_section_num(s, r, c));
		}
	}
	hpi_buf_init(&tc);
	hpi_buf_puts(&tc, "");
	for (size_t i = 0; i < s->nshow; i++)
		hpi_buf_printf(&tc, "%s%s", i ? "," : "", s->cols[s->show[i]].key);
	if (s->nshow > 0 && s->nshow < s->ncols)
		hpi_section_meta_set(o, "table.columns", tc.data);
	hpi_buf_fini(&tc);
	if (s->hidden)
		hpi_section_meta_set(o, "console.hide", "1");
}

/* Target t as a report: its facts and every section it holds. */
static hp_snapshot *merged_snapshot(const hpc_target *t)
{
	hp_snapshot *s = hpi_snapshot_new();
	char pid[32];

	if (s == NULL)
		fatal("out of memory");
	snprintf(pid, sizeof pid, "%ld", t->pid);
	hpi_snapshot_meta_set(s, "caller", t->caller);
	hpi_snapshot_meta_set(s, "program", t->program);
	hpi_snapshot_meta_set(s, "pid", pid);
	for (size_t i = 0; i < t->nsecs; i++)
		if (t->secs[i]->has_data)
			merged_section_in(s, t->secs[i]);
	for (size_t i = 0; i < t->nhidden; i++)
		if (t->hidden[i]->has_data)
			merged_section_in(s, t->hidden[i]);
	return s;
}

/* The old section of the same id, or NULL. */
static hpc_section *merged_find(hpc_section **v, size_t n, const char *id)
{
	for (size_t i = 0; i < n; i++)
		if (v[i] != NULL && strcmp(v[i]->id, id) == 0)
			return v[i];
	return NULL;
}

/* The merged snapshot's sections into target nt, carrying what the user
 * chose in the old merged target. */
static void merged_sections(hpc_target *nt, const hpc_merged *mg, const hpc_target *old,
			    uint64_t now)
{
	hpi_render_opts ro = {.limit = 0, .pcts = mg->pcts, .npcts = mg->npcts, .no_logs = true};
	hpi_buf out;
	hpi_json *doc;

	hpi_buf_init(&out);
	hpi_render_json(&out, mg->snap, &ro, false);
	if (out.failed || (doc = hpi_json_parse(out.data, out.len, 0, 0, NULL)) == NULL)
		fatal("out of memory");
	hpi_buf_fini(&out);
	HPI_JSON_FOREACH(hpi_json_get(hpi_json_root(doc), "sections"), sec) {
		const char *why;
		hpc_section *s = hpc_section_parse(sec, &why), *was;
		const hpi_jv *meta = hpi_json_get(sec, "meta");
		if (s == NULL)
			continue;
		s->has_data = true;
		s->updated_ns = now;
		was = old ? merged_find(s->hidden ? old->hidden : old->secs,
					s->hidden ? old->nhidden : old->nsecs, s->id) : NULL;
		if (was != NULL)
			hpc_section_carry(s, was);
		else
			hpc_section_sort(s);
		if (hpi_json_str(hpi_json_get(meta, "console.hide")) != NULL) {
			s->hidden = true;
			nt->hidden = xreallocarray(nt->hidden, nt->nhidden + 1, sizeof(*nt->hidden));
			nt->hidden[nt->nhidden++] = s;
		} else {
			nt->secs = xreallocarray(nt->secs, nt->nsecs + 1, sizeof(*nt->secs));
			nt->secs[nt->nsecs++] = s;
		}
	}
	hpi_json_free(doc);
}

void hpc_model_merged_update(hpc_model *m, uint64_t now)
{
	hpc_merge_src *src;
	hp_snapshot **snaps;
	hpc_merged mg;
	hpc_target *nt, *old = m->merged;
	size_t n = 0, k = 0;
	char url[160];

	if (m->merged_program == NULL)
		return;
	n = hpc_model_count_program(m, m->merged_program);
	src = xcalloc(n ? n : 1, sizeof(*src));
	snaps = xcalloc(n ? n : 1, sizeof(*snaps));
	for (size_t i = 0; i < m->ntargets && k < n; i++) {
		const hpc_target *t = m->targets[i];
		if (t->program == NULL || strcmp(t->program, m->merged_program) != 0)
			continue;
		snaps[k] = merged_snapshot(t);
		src[k] = (hpc_merge_src){.snap = snaps[k], .name = t->url};
		k++;
	}
	if (hpc_merge(src, k, &mg) != 0)
		fatal("out of memory");
	nt = xcalloc(1, sizeof(*nt));
	snprintf(url, sizeof url, "%zu processes", k);
	nt->url = xstrdup(url);
	nt->program = xstrdup(m->merged_program);
	nt->caller = hp_snapshot_meta(mg.snap, "caller") ? xstrdup(hp_snapshot_meta(mg.snap, "caller"))
							  : NULL;
	nt->pid = -1;
	nt->schema = HPC_SCHEMA;
	nt->connected = true;
	nt->start_ns = old ? old->start_ns : now;
	nt->last_ns = now;
	nt->changed = true;
	merged_sections(nt, &mg, old, now);
	hpc_target_reindex(nt);
	nt->tab = 0;
	if (old != NULL && old->tab < old->nsecs) /* the same tab stays shown */
		for (size_t i = 0; i < nt->nsecs; i++)
			if (strcmp(nt->secs[i]->id, old->secs[old->tab]->id) == 0)
				nt->tab = i;
	hpc_merged_fini(&mg);
	for (size_t i = 0; i < k; i++)
		hpi_snapshot_free(snaps[i]);
	free(snaps);
	free(src);
	hpc_target_free(old);
	m->merged = nt;
	m->merged_ns = now;
}

void hpc_model_merged_toggle(hpc_model *m, uint64_t now)
{
	const hpc_target *t;
	char msg[256];

	if (m->show_merged) {
		m->show_merged = false;
		return;
	}
	if ((t = hpc_model_target(m)) == NULL || t->program == NULL)
		return;
	if (hpc_model_count_program(m, t->program) < 2) {
		snprintf(msg, sizeof msg, "merged view: %s is the only process of its name", t->program);
		hpc_model_message(m, msg, now);
		return;
	}
	if (m->merged_program == NULL || strcmp(m->merged_program, t->program) != 0) {
		free(m->merged_program);
		m->merged_program = xstrdup(t->program);
		hpc_target_free(m->merged);
		m->merged = NULL;
	}
	m->show_merged = true;
	hpc_model_merged_update(m, now);
}
