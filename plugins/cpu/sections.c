/* SPDX-License-Identifier: MIT */
/*
 * sections.c - writes a CPU profile into a snapshot: the cpu,
 * cpu_threads, cpu_stacks and cpu_scopes sections (docs/cpu.md).  Every
 * stack's addresses are named (unwind.c's cache), each address may be
 * several frames (inlined calls), and stacks that name the same frames are
 * one row of cpu_stacks.
 */
#define _GNU_SOURCE 1 /* as the build's config.h: POSIX and Linux calls */
#ifdef HAVE_CONFIG_H
#include "config.h" /* the build's HAVE_LIBDW; none outside the tree */
#endif

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "profile.h"

typedef struct fn_row {
	const char *func, *module;
	const char *file;    /* the hottest line: the one most self samples are on */
	int line;
	uint64_t best;
	uint64_t self, total, self_w, total_w;
	size_t stamp;        /* the last stack counted in total (+1) */
} fn_row;

typedef struct st_row {
	char *text;
	uint64_t samples, weight;
} st_row;

typedef struct ln_row {
	size_t fn;
	const char *file;
	int line;
	uint64_t samples;
} ln_row;

typedef struct sec_work {
	hpi_cpu_unwind *u;
	prof_index fidx, sidx, lidx;
	fn_row *fns;
	size_t nfns, capfns;
	st_row *sts;
	size_t nsts, capsts;
	ln_row *lns;
	size_t nlns, caplns;
	bool oom;
} sec_work;

/* Makes room for one more item in an array of size sz. */
static bool sec_room(void **v, size_t n, size_t *cap, size_t sz)
{
	void *nv;
	size_t c;

	if (n < *cap)
		return true;
	c = *cap ? *cap * 2 : 64;
	if ((nv = realloc(*v, c * sz)) == NULL)
		return false;
	*v = nv;
	*cap = c;
	return true;
}

/* The function row of frame f. */
static fn_row *sec_fn(sec_work *w, const hpi_cpu_frame *f, size_t *row)
{
	char *key = hpi_cpu_asprintf("%s\x1f%s", f->func, f->module ? f->module : "");
	bool added;
	size_t r;

	if (key == NULL || !sec_room((void **)&w->fns, w->nfns, &w->capfns, sizeof(fn_row))) {
		free(key);
		return NULL;
	}
	r = hpi_prof_index_get(&w->fidx, key, w->nfns, &added);
	free(key);
	if (r == SIZE_MAX)
		return NULL;
	if (added) {
		memset(&w->fns[r], 0, sizeof(fn_row));
		w->fns[r].func = f->func;
		w->fns[r].module = f->module;
		w->nfns++;
	}
	*row = r;
	return &w->fns[r];
}

/* Counts self samples on the leaf frame's line. */
static void sec_line(sec_work *w, size_t fn, const hpi_cpu_frame *f, uint64_t samples)
{
	char *key;
	bool added;
	size_t r;

	if (f->file == NULL)
		return;
	key = hpi_cpu_asprintf("%zu\x1f%s:%d", fn, f->file, f->line);
	if (key == NULL || !sec_room((void **)&w->lns, w->nlns, &w->caplns, sizeof(ln_row))) {
		free(key);
		return;
	}
	r = hpi_prof_index_get(&w->lidx, key, w->nlns, &added);
	free(key);
	if (r == SIZE_MAX)
		return;
	if (added) {
		w->lns[r] = (ln_row){.fn = fn, .file = f->file, .line = f->line};
		w->nlns++;
	}
	w->lns[r].samples += samples;
}

/* A frame's name in a folded stack: ';' separates frames, so one inside
 * a name (a C++ template argument, say) becomes ':'. */
static void sec_frame_text(hp_text *b, const char *func)
{
	for (const char *p = func; *p; p++)
		hp_text_putc(b, *p == ';' ? ':' : *p);
}

/* One stack: its frames named, root first, into the three tables. */
static void sec_stack(sec_work *w, const prof_stack *s, size_t stamp)
{
	hp_text text = {0};
	const hpi_cpu_frame *leaf = NULL;
	size_t leaf_row = 0, r;
	bool added;

	for (size_t i = s->n; i-- > 0;) {
		size_t nf;
		const hpi_cpu_frame *f = hpi_cpu_unwind_name(w->u, s->pcs[i], &nf);
		for (size_t k = 0; k < nf; k++) {
			fn_row *fr = sec_fn(w, &f[k], &r);
			if (text.len > 0)
				hp_text_putc(&text, ';');
			sec_frame_text(&text, f[k].func);
			if (fr == NULL)
				continue;
			if (fr->stamp != stamp) { /* once per stack, recursion or not */
				fr->stamp = stamp;
				fr->total += s->samples;
				fr->total_w += s->weight;
			}
			leaf = &f[k];
			leaf_row = r;
		}
	}
	if (leaf != NULL) {
		w->fns[leaf_row].self += s->samples;
		w->fns[leaf_row].self_w += s->weight;
		sec_line(w, leaf_row, leaf, s->samples);
	}
	if (text.data == NULL || text.failed ||
	    !sec_room((void **)&w->sts, w->nsts, &w->capsts, sizeof(st_row))) {
		hp_text_free(&text);
		w->oom = true;
		return;
	}
	r = hpi_prof_index_get(&w->sidx, text.data, w->nsts, &added);
	if (r != SIZE_MAX && added) {
		w->sts[r] = (st_row){.text = text.data};
		w->nsts++;
		text.data = NULL;
	}
	if (r != SIZE_MAX) {
		w->sts[r].samples += s->samples;
		w->sts[r].weight += s->weight;
	}
	hp_text_free(&text);
}

static int sec_fn_cmp(const void *a, const void *b)
{
	const fn_row *x = a, *y = b;

	if (x->self != y->self)
		return x->self > y->self ? -1 : 1;
	if (x->total != y->total)
		return x->total > y->total ? -1 : 1;
	return strcmp(x->func, y->func);
}

static int sec_st_cmp(const void *a, const void *b)
{
	const st_row *x = a, *y = b;

	if (x->samples != y->samples)
		return x->samples > y->samples ? -1 : 1;
	return strcmp(x->text, y->text);
}

static double sec_pct(uint64_t part, uint64_t all)
{
	return all ? 100.0 * (double)part / (double)all : 0.0;
}

/* What the sections' meta says of how the samples were taken. */
static void sec_meta(const hpi_cpu_profile *p, const hp_host *h, hp_section *sec)
{
	char buf[96];

	h->meta_set(sec, "cpu.sampler", p->o.method);
	if (p->kernel[0] != '\0')
		h->meta_set(sec, "cpu.kernel", p->kernel);
	if (p->state[0] != '\0')
		h->meta_set(sec, "cpu.state", p->state);
	h->meta_set(sec, "cpu.unwind", p->o.unwind);
	snprintf(buf, sizeof(buf), "%llu", (unsigned long long)p->samples);
	h->meta_set(sec, "cpu.samples", buf);
	snprintf(buf, sizeof(buf), "%llu", (unsigned long long)p->lost);
	h->meta_set(sec, "cpu.lost", buf);
	snprintf(buf, sizeof(buf), "%llu", (unsigned long long)p->o.period_ns);
	h->meta_set(sec, "cpu.period_ns", buf);
	/* statistical figures: `hotpath compare` leaves them out */
	h->meta_set(sec, "compare.columns", "");
}

/* The cpu section: one row per function. */
static void sec_functions(const hpi_cpu_profile *p, sec_work *w, const hp_host *h,
			  hp_snapshot *snap)
{
	hp_section *sec = h->section_add(snap, "cpu", "CPU samples");
	char lim[24];

	if (sec == NULL)
		return;
	h->column_add(sec, "function", "Function", HP_UNIT_TEXT);
	h->column_add(sec, "self", "Self", HP_UNIT_COUNT);
	h->column_add(sec, "self_percent", "Self %", HP_UNIT_PERCENT);
	h->column_add(sec, "total", "Total", HP_UNIT_COUNT);
	h->column_add(sec, "total_percent", "Total %", HP_UNIT_PERCENT);
	h->column_add(sec, "self_time", "Self CPU", HP_UNIT_NS);
	h->column_add(sec, "total_time", "Total CPU", HP_UNIT_NS);
	h->column_add(sec, "location", "Hottest line", HP_UNIT_TEXT);
	h->column_add(sec, "module", "Module", HP_UNIT_TEXT);
	sec_meta(p, h, sec);
	snprintf(lim, sizeof(lim), "%ld", p->o.limit);
	h->meta_set(sec, "report.limit", lim);
	h->meta_set(sec, "report.limit.key", "collectors.cpu.limit");
	for (size_t i = 0; i < w->nlns; i++) {
		fn_row *f = &w->fns[w->lns[i].fn];
		if (w->lns[i].samples > f->best) {
			f->best = w->lns[i].samples;
			f->file = w->lns[i].file;
			f->line = w->lns[i].line;
		}
	}
	if (w->nfns > 1)
		qsort(w->fns, w->nfns, sizeof(*w->fns), sec_fn_cmp);
	for (size_t i = 0; i < w->nfns; i++) {
		const fn_row *f = &w->fns[i];
		size_t r = h->row_add(sec);
		char loc[512] = "";

		if (f->file != NULL)
			snprintf(loc, sizeof(loc), "%s:%d", hpi_cpu_basename(f->file), f->line);
		h->cell_text(sec, r, 0, f->func);
		h->cell_int(sec, r, 1, (int64_t)f->self);
		h->cell_real(sec, r, 2, sec_pct(f->self, p->samples));
		h->cell_int(sec, r, 3, (int64_t)f->total);
		h->cell_real(sec, r, 4, sec_pct(f->total, p->samples));
		h->cell_int(sec, r, 5, (int64_t)f->self_w);
		h->cell_int(sec, r, 6, (int64_t)f->total_w);
		h->cell_text(sec, r, 7, loc);
		h->cell_text(sec, r, 8, f->module ? f->module : "");
	}
}

/* The cpu_stacks section: folded stacks. */
static void sec_stacks(const hpi_cpu_profile *p, sec_work *w, const hp_host *h,
		       hp_snapshot *snap)
{
	hp_section *sec = h->section_add(snap, "cpu_stacks", "CPU stacks");

	if (sec == NULL)
		return;
	h->column_add(sec, "stack", "Stack (root first)", HP_UNIT_TEXT);
	h->column_add(sec, "samples", "Samples", HP_UNIT_COUNT);
	h->column_add(sec, "self", "CPU", HP_UNIT_NS);
	sec_meta(p, h, sec);
	h->meta_set(sec, "report.limit", "5");
	/* a saved report keeps every stack: the flame graph is drawn from it */
	h->meta_set(sec, "json.all", "1");
	if (w->nsts > 1)
		qsort(w->sts, w->nsts, sizeof(*w->sts), sec_st_cmp);
	for (size_t i = 0; i < w->nsts; i++) {
		size_t r = h->row_add(sec);
		h->cell_text(sec, r, 0, w->sts[i].text);
		h->cell_int(sec, r, 1, (int64_t)w->sts[i].samples);
		h->cell_int(sec, r, 2, (int64_t)w->sts[i].weight);
	}
}

/* The cpu_threads section. */
static void sec_threads(const hpi_cpu_profile *p, const hp_host *h, hp_snapshot *snap)
{
	hp_section *sec = h->section_add(snap, "cpu_threads", "CPU samples by thread");

	if (sec == NULL)
		return;
	h->column_add(sec, "name", "Thread", HP_UNIT_TEXT);
	h->column_add(sec, "tid", "TID", HP_UNIT_COUNT);
	h->meta_set(sec, "compare.ids", "tid"); /* never diffed */
	h->column_add(sec, "samples", "Samples", HP_UNIT_COUNT);
	h->column_add(sec, "percent", "%", HP_UNIT_PERCENT);
	h->column_add(sec, "cpu", "CPU", HP_UNIT_NS);
	sec_meta(p, h, sec);
	for (size_t i = 0; i < p->nthreads; i++) {
		const prof_thread *t = &p->threads[i];
		size_t r = h->row_add(sec);
		h->cell_text(sec, r, 0, t->name);
		h->cell_int(sec, r, 1, (int64_t)t->tid);
		h->cell_int(sec, r, 2, (int64_t)t->samples);
		h->cell_real(sec, r, 3, sec_pct(t->samples, p->samples));
		h->cell_int(sec, r, 4, (int64_t)t->weight);
	}
}

/* The cpu_scopes section: on-CPU share of measured calls. */
static void sec_scopes(const hpi_cpu_profile *p, const hp_host *h, hp_snapshot *snap)
{
	hp_section *sec;

	size_t any = 0;

	for (size_t i = 0; i < p->nscopes; i++)
		any += p->scopes[i].calls > 0;
	if (any == 0 || (sec = h->section_add(snap, "cpu_scopes",
						      "On CPU by measured function")) == NULL)
		return;
	h->column_add(sec, "label", "Function", HP_UNIT_TEXT);
	h->column_add(sec, "calls", "Calls", HP_UNIT_COUNT);
	h->column_add(sec, "wall", "Wall", HP_UNIT_NS);
	h->column_add(sec, "cpu", "On CPU", HP_UNIT_NS);
	h->column_add(sec, "on_cpu_percent", "On CPU %", HP_UNIT_PERCENT);
	sec_meta(p, h, sec);
	for (size_t i = 0; i < p->nscopes; i++) {
		const prof_scope *s = &p->scopes[i];
		const hp_site_info *si;
		size_t r;
		double pct = sec_pct(s->cpu, s->wall);

		if (s->calls == 0)
			continue;
		si = h->site(s->site);
		r = h->row_add(sec);
		h->cell_text(sec, r, 0, si && si->label ? si->label : "?");
		h->cell_int(sec, r, 1, (int64_t)s->calls);
		h->cell_int(sec, r, 2, (int64_t)s->wall);
		h->cell_int(sec, r, 3, (int64_t)s->cpu);
		/* a sample stands for a whole period: a short call can show more */
		h->cell_real(sec, r, 4, pct > 100.0 ? 100.0 : pct);
	}
}

/* Names the kernel frames of every stack in one read of kallsyms. */
static void sec_kernel_names(const hpi_cpu_profile *p, hpi_cpu_unwind *u)
{
	uint64_t *v = NULL;
	size_t n = 0, cap = 0;

	for (size_t i = 0; i < p->capstacks; i++) {
		const prof_stack *s = &p->stacks[i];
		for (size_t k = 0; s->pcs != NULL && k < s->n && HPI_CPU_IS_KERNEL(s->pcs[k]); k++) {
			if (!sec_room((void **)&v, n, &cap, sizeof(*v))) {
				free(v);
				return;
			}
			v[n++] = s->pcs[k];
		}
	}
	hpi_cpu_unwind_kernel_names(u, v, n);
	free(v);
}

int hpi_cpu_profile_snapshot(hpi_cpu_profile *p, hpi_cpu_unwind *u, const hp_host *h,
			     hp_snapshot *snap)
{
	sec_work w = {.u = u};
	size_t stamp = 0;

	sec_kernel_names(p, u);
	for (size_t i = 0; i < p->capstacks; i++)
		if (p->stacks[i].pcs != NULL)
			sec_stack(&w, &p->stacks[i], ++stamp);
	sec_functions(p, &w, h, snap);
	hpi_cpu_profile_names(p);
	sec_threads(p, h, snap);
	sec_stacks(p, &w, h, snap);
	sec_scopes(p, h, snap);
	for (size_t i = 0; i < w.nsts; i++)
		free(w.sts[i].text);
	free(w.sts);
	free(w.fns);
	free(w.lns);
	hpi_prof_index_free(&w.fidx);
	hpi_prof_index_free(&w.sidx);
	hpi_prof_index_free(&w.lidx);
	return w.oom ? HP_ENOMEM : 0;
}
