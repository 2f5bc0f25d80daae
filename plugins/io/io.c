/* SPDX-License-Identifier: MIT */
/*
 * io.c - the built-in io plugin: the calls libhotpath-io records (read,
 * write, send, recv, ... and stdio), per measured function and kind of
 * descriptor (calls, bytes read and written, latency percentiles, errors),
 * the files and peers that moved the most bytes, and the errors by errno
 * (docs/io.md).  Calls made on hotpath's own threads and nng's (the
 * publisher's sockets) are left out.
 */
#define _GNU_SOURCE /* strerrorname_np */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <hotpath/plugin.h> /* all it uses: it could be an external plugin */

#define IO_NOFN "(no function)"

#define IO_OPNAME(name, value, str, out) [value] = str,
static const char *const io_ops[HP_IO__OPS] = { HP_IO_OP_MAP(IO_OPNAME) };
#undef IO_OPNAME
#define IO_KINDNAME(name, value, str) [value] = str,
static const char *const io_kinds[HP_IO__KINDS] = { HP_IO_KIND_MAP(IO_KINDNAME) };
#undef IO_KINDNAME

/* One row of the io section: a function's calls on one kind of descriptor. */
typedef struct io_entry {
	const char *label; /* the function's, borrowed from the site registry */
	uint8_t kind;
	uint64_t calls, in, out, errors, total_ns;
	hp_hist *lat;
} io_entry;

/* A function (all its sites of one label): its rows by kind. */
typedef struct io_fn {
	const char *label;
	io_entry *by_kind[HP_IO__KINDS];
} io_fn;

/* A file or peer, by its interned name (pointers compare). */
typedef struct io_file {
	const char *name;
	uint8_t kind;
	uint64_t calls, in, out, errors;
} io_file;

/* Failed calls of one function, call and errno. */
typedef struct io_err {
	const char *label;
	uint8_t op;
	int32_t err;
	uint64_t count;
} io_err;

typedef struct io_state {
	const hp_host *host;
	size_t top;
	void **by_site;      /* site id -> io_fn; 0: outside measured functions */
	size_t nsites;
	io_fn **fns;
	size_t nfns, capfns;
	io_entry **rows;
	size_t nrows, caprows;
	io_file **files;     /* open addressing by name pointer */
	size_t nfiles, capfiles;
	io_err **errs;
	size_t nerrs, caperrs;
	uint64_t *tids;      /* open addressing: tid << 1 | own, 0 empty */
	size_t ntids, captids;
} io_state;

static int io_init(const hp_host *host, const hp_options *opts, void **state, char **cause)
{
	io_state *st;

	(void)cause;
	if (host->size <= offsetof(hp_host, want_text)) /* needs the histograms */
		return HP_ENOTSUP;
	if ((st = calloc(1, sizeof(*st))) == NULL)
		return HP_ENOMEM;
	st->host = host;
	st->top = (size_t)host->option_int(opts, "top", 10);
	*state = st;
	return 0;
}

/* Whether thread tid is hotpath's or nng's (its name, read once). */
static int io_own_thread(io_state *st, uint64_t tid)
{
	size_t i;
	char path[64], name[32] = "";
	FILE *f;
	int own;

	if ((st->ntids + 1) * 2 > st->captids) {
		size_t cap = st->captids ? st->captids * 2 : 64;
		uint64_t *t = calloc(cap, sizeof(*t));
		if (t == NULL)
			return 0;
		for (size_t k = 0; k < st->captids; k++) {
			if (st->tids[k] == 0)
				continue;
			for (i = (st->tids[k] >> 1) & (cap - 1); t[i] != 0; i = (i + 1) & (cap - 1))
				;
			t[i] = st->tids[k];
		}
		free(st->tids);
		st->tids = t;
		st->captids = cap;
	}
	for (i = tid & (st->captids - 1); st->tids[i] != 0; i = (i + 1) & (st->captids - 1))
		if (st->tids[i] >> 1 == tid)
			return (int)(st->tids[i] & 1);
	snprintf(path, sizeof(path), "/proc/self/task/%llu/comm", (unsigned long long)tid);
	if ((f = fopen(path, "r")) != NULL) {
		if (fgets(name, sizeof(name), f) == NULL)
			name[0] = '\0';
		fclose(f);
	}
	own = strncmp(name, "hp-", 3) == 0 || strncmp(name, "nng:", 4) == 0;
	st->tids[i] = tid << 1 | (uint64_t)own;
	st->ntids++;
	return own;
}

/* The function of site id (0: none), made on first sight. */
static io_fn *io_function(io_state *st, uint32_t id)
{
	void **slot = hp_plugin_site_slot(&st->by_site, &st->nsites, id);
	const hp_site_info *si;
	const char *label = IO_NOFN;
	io_fn *fn;

	if (slot == NULL)
		return NULL;
	if (*slot != NULL)
		return *slot;
	if (id != 0 && (si = st->host->site(id)) != NULL)
		label = si->label;
	if ((fn = hp_plugin_label_find((void *const *)st->fns, st->nfns, label)) == NULL) {
		if ((fn = calloc(1, sizeof(*fn))) == NULL)
			return NULL;
		fn->label = label;
		if (!hp_plugin_push((void ***)&st->fns, &st->nfns, &st->capfns, fn)) {
			free(fn);
			return NULL;
		}
	}
	return *slot = fn;
}

/* The row of fn and kind, made on first sight. */
static io_entry *io_row(io_state *st, io_fn *fn, unsigned kind)
{
	io_entry *e = fn->by_kind[kind];

	if (e != NULL)
		return e;
	if ((e = calloc(1, sizeof(*e))) == NULL)
		return NULL;
	e->label = fn->label;
	e->kind = (uint8_t)kind;
	if ((e->lat = st->host->hist_new()) == NULL ||
	    !hp_plugin_push((void ***)&st->rows, &st->nrows, &st->caprows, e)) {
		st->host->hist_free(e->lat);
		free(e);
		return NULL;
	}
	return fn->by_kind[kind] = e;
}

/* Grows the files' table to twice its entries or more. */
static int io_files_grow(io_state *st)
{
	size_t cap = st->capfiles ? st->capfiles * 2 : 64, i;
	io_file **t = calloc(cap, sizeof(*t));

	if (t == NULL)
		return 0;
	for (size_t k = 0; k < st->capfiles; k++) {
		io_file *f = st->files[k];
		if (f == NULL)
			continue;
		for (i = ((uintptr_t)f->name >> 4) & (cap - 1); t[i] != NULL; i = (i + 1) & (cap - 1))
			;
		t[i] = f;
	}
	free(st->files);
	st->files = t;
	st->capfiles = cap;
	return 1;
}

/* The entry of a file or peer, made on first sight. */
static io_file *io_file_get(io_state *st, const char *name, unsigned kind)
{
	size_t i;

	if ((st->nfiles + 1) * 2 > st->capfiles && !io_files_grow(st))
		return NULL;
	for (i = ((uintptr_t)name >> 4) & (st->capfiles - 1); st->files[i] != NULL;
	     i = (i + 1) & (st->capfiles - 1))
		if (st->files[i]->name == name)
			return st->files[i];
	if ((st->files[i] = calloc(1, sizeof(io_file))) == NULL)
		return NULL;
	st->files[i]->name = name;
	st->files[i]->kind = (uint8_t)kind;
	st->nfiles++;
	return st->files[i];
}

/* Counts a failed call. */
static void io_error(io_state *st, const char *label, unsigned op, int32_t err)
{
	io_err *e;

	for (size_t i = 0; i < st->nerrs; i++) {
		e = st->errs[i];
		if (e->label == label && e->op == op && e->err == err) {
			e->count++;
			return;
		}
	}
	if ((e = calloc(1, sizeof(*e))) == NULL)
		return;
	*e = (io_err){.label = label, .op = (uint8_t)op, .err = err, .count = 1};
	if (!hp_plugin_push((void ***)&st->errs, &st->nerrs, &st->caperrs, e))
		free(e);
}

static void io_event(void *state, const hp_event *ev)
{
	io_state *st = state;
	const hp_event_io *io = ev->data;
	unsigned kind = io->kind < HP_IO__KINDS ? io->kind : HP_IO_KIND_OTHER;
	io_fn *fn;
	io_entry *e;
	io_file *f;

	if (io_own_thread(st, ev->tid) || (fn = io_function(st, ev->site)) == NULL ||
	    (e = io_row(st, fn, kind)) == NULL)
		return;
	e->calls++;
	e->total_ns += ev->dur_ns;
	st->host->hist_add(e->lat, ev->dur_ns);
	if (io->out)
		e->out += io->bytes;
	else
		e->in += io->bytes;
	if (io->err != 0) {
		e->errors++;
		io_error(st, fn->label, io->op, io->err);
	}
	if ((f = io_file_get(st, io->name, kind)) == NULL)
		return;
	f->calls++;
	f->errors += io->err != 0;
	if (io->out)
		f->out += io->bytes;
	else
		f->in += io->bytes;
}

static int io_cmp_rows(const void *a, const void *b)
{
	const io_entry *x = *(io_entry *const *)a, *y = *(io_entry *const *)b;
	uint64_t sx = x->in + x->out, sy = y->in + y->out;
	int c;

	if (sx != sy)
		return sx > sy ? -1 : 1;
	if (x->calls != y->calls)
		return x->calls > y->calls ? -1 : 1;
	if ((c = strcmp(x->label, y->label)) != 0)
		return c;
	return (int)x->kind - (int)y->kind;
}

static int io_cmp_files(const void *a, const void *b)
{
	const io_file *x = *(io_file *const *)a, *y = *(io_file *const *)b;
	uint64_t sx = x->in + x->out, sy = y->in + y->out;

	if (sx != sy)
		return sx > sy ? -1 : 1;
	if (x->calls != y->calls)
		return x->calls > y->calls ? -1 : 1;
	return strcmp(x->name, y->name);
}

/* The io section: a row per function and kind of descriptor. */
static int io_section_calls(io_state *st, hp_snapshot *snap)
{
	const hp_host *h = st->host;
	size_t np, len;
	const double *p = h->percentiles(&np);
	hp_section *sec = h->section_add(snap, "io", "I/O");
	char key[32], title[32], cols[512];

	if (sec == NULL)
		return HP_ENOMEM;
	h->column_add(sec, "name", "Function", HP_UNIT_TEXT);
	h->column_add(sec, "kind", "Descriptor", HP_UNIT_TEXT);
	h->column_add(sec, "calls", "Calls", HP_UNIT_COUNT);
	h->column_add(sec, "read", "Read", HP_UNIT_BYTES);
	h->column_add(sec, "written", "Written", HP_UNIT_BYTES);
	h->column_add(sec, "avg", "Avg", HP_UNIT_NS);
	len = (size_t)snprintf(cols, sizeof(cols), "name,kind,calls,read,written,avg");
	for (size_t i = 0; i < np; i++) {
		snprintf(key, sizeof(key), "p%g", p[i]);
		snprintf(title, sizeof(title), "P%g", p[i]);
		h->column_add(sec, key, title, HP_UNIT_NS);
		if (len < sizeof(cols))
			len += (size_t)snprintf(cols + len, sizeof(cols) - len, ",%s", key);
	}
	h->column_add(sec, "total", "Total", HP_UNIT_NS);
	h->column_add(sec, "errors", "Errors", HP_UNIT_COUNT);
	if (len < sizeof(cols))
		snprintf(cols + len, sizeof(cols) - len, ",total,errors");
	h->meta_set(sec, "table.columns", cols);
	if (st->nrows > 1)
		qsort(st->rows, st->nrows, sizeof(*st->rows), io_cmp_rows);
	for (size_t i = 0; i < st->nrows; i++) {
		const io_entry *e = st->rows[i];
		size_t r = h->row_add(sec), c = 0;

		h->cell_text(sec, r, c++, e->label);
		h->cell_text(sec, r, c++, io_kinds[e->kind]);
		h->cell_int(sec, r, c++, (int64_t)e->calls);
		h->cell_int(sec, r, c++, (int64_t)e->in);
		h->cell_int(sec, r, c++, (int64_t)e->out);
		h->cell_int(sec, r, c++, (int64_t)(e->calls ? e->total_ns / e->calls : 0));
		for (size_t k = 0; k < np; k++)
			h->cell_int(sec, r, c++, (int64_t)h->hist_percentile(e->lat, p[k]));
		h->cell_int(sec, r, c++, (int64_t)e->total_ns);
		h->cell_int(sec, r, c++, (int64_t)e->errors);
	}
	return 0;
}

/* The io_files section: the `top` files and peers by bytes. */
static int io_section_files(io_state *st, hp_snapshot *snap)
{
	const hp_host *h = st->host;
	hp_section *sec;
	io_file **v;
	size_t n = 0;
	char all[32];

	if (st->nfiles == 0 || st->top == 0)
		return 0;
	if ((v = malloc(st->nfiles * sizeof(*v))) == NULL)
		return HP_ENOMEM;
	for (size_t i = 0; i < st->capfiles; i++)
		if (st->files[i] != NULL)
			v[n++] = st->files[i];
	qsort(v, n, sizeof(*v), io_cmp_files);
	if ((sec = h->section_add(snap, "io_files", "I/O by file or peer")) == NULL) {
		free(v);
		return HP_ENOMEM;
	}
	h->column_add(sec, "name", "File or peer", HP_UNIT_TEXT);
	h->column_add(sec, "kind", "Descriptor", HP_UNIT_TEXT);
	h->column_add(sec, "calls", "Calls", HP_UNIT_COUNT);
	h->column_add(sec, "read", "Read", HP_UNIT_BYTES);
	h->column_add(sec, "written", "Written", HP_UNIT_BYTES);
	h->column_add(sec, "errors", "Errors", HP_UNIT_COUNT);
	snprintf(all, sizeof(all), "%zu", n);
	h->meta_set(sec, "io.files", all); /* how many there were, top or not */
	for (size_t i = 0; i < n && i < st->top; i++) {
		size_t r = h->row_add(sec);

		h->cell_text(sec, r, 0, v[i]->name);
		h->cell_text(sec, r, 1, io_kinds[v[i]->kind]);
		h->cell_int(sec, r, 2, (int64_t)v[i]->calls);
		h->cell_int(sec, r, 3, (int64_t)v[i]->in);
		h->cell_int(sec, r, 4, (int64_t)v[i]->out);
		h->cell_int(sec, r, 5, (int64_t)v[i]->errors);
	}
	free(v);
	return 0;
}

static int io_cmp_errs(const void *a, const void *b)
{
	const io_err *x = *(io_err *const *)a, *y = *(io_err *const *)b;
	int c;

	if (x->count != y->count)
		return x->count > y->count ? -1 : 1;
	if ((c = strcmp(x->label, y->label)) != 0)
		return c;
	return x->op != y->op ? (int)x->op - (int)y->op : (int)(x->err - y->err);
}

/* The io_errors section: failed calls by function, call and errno. */
static int io_section_errors(io_state *st, hp_snapshot *snap)
{
	const hp_host *h = st->host;
	hp_section *sec;

	if (st->nerrs == 0)
		return 0; /* no empty table */
	if ((sec = h->section_add(snap, "io_errors", "I/O errors")) == NULL)
		return HP_ENOMEM;
	h->column_add(sec, "name", "Function", HP_UNIT_TEXT);
	h->column_add(sec, "call", "Call", HP_UNIT_TEXT);
	h->column_add(sec, "error", "Error", HP_UNIT_TEXT);
	h->column_add(sec, "count", "Count", HP_UNIT_COUNT);
	qsort(st->errs, st->nerrs, sizeof(*st->errs), io_cmp_errs);
	for (size_t i = 0; i < st->nerrs; i++) {
		const io_err *e = st->errs[i];
		const char *en = strerrorname_np(e->err);
		char num[16];
		size_t r = h->row_add(sec);

		if (en == NULL) {
			snprintf(num, sizeof(num), "errno %d", (int)e->err);
			en = num;
		}
		h->cell_text(sec, r, 0, e->label);
		h->cell_text(sec, r, 1, e->op < HP_IO__OPS ? io_ops[e->op] : "?");
		h->cell_text(sec, r, 2, en);
		h->cell_int(sec, r, 3, (int64_t)e->count);
	}
	return 0;
}

static int io_snapshot(void *state, hp_snapshot *snap)
{
	io_state *st = state;
	int rv;

	if ((rv = io_section_calls(st, snap)) != 0 || (rv = io_section_files(st, snap)) != 0)
		return rv;
	return io_section_errors(st, snap);
}

static void io_fini(void *state)
{
	io_state *st = state;

	if (st == NULL)
		return;
	for (size_t i = 0; i < st->nrows; i++) {
		st->host->hist_free(st->rows[i]->lat);
		free(st->rows[i]);
	}
	for (size_t i = 0; i < st->nfns; i++)
		free(st->fns[i]);
	for (size_t i = 0; i < st->capfiles; i++)
		free(st->files[i]);
	for (size_t i = 0; i < st->nerrs; i++)
		free(st->errs[i]);
	free(st->rows), free(st->fns), free(st->files), free(st->errs);
	free(st->tids), free(st->by_site), free(st);
}

/* collectors.io.* */
static const hp_option io_options[] = {
	{ .key = "enabled", .type = HP_OPT_BOOL, .dflt = "false", .env = "HOTPATH_IO",
	  .help = "Per-function I/O: read, write, send, recv, ... and stdio ([io.md](io.md)); "
		  "needs libhotpath-io, and loading it turns this on." },
	{ .key = "top", .type = HP_OPT_INT, .min = 0, .max = 100000, .dflt = "10",
	  .help = "Files and peers listed in the I/O by file or peer table, most bytes first." },
	{ .key = "stdio", .type = HP_OPT_BOOL, .dflt = "true",
	  .help = "Record the stdio calls (fwrite, fputs, printf, fgets, ...); false: only the "
		  "descriptor calls (read, write, send, ...)." },
	{ .key = NULL },
};

const hp_plugin_ops hpi_io_plugin = {
	.abi = HP_PLUGIN_ABI,
	.size = sizeof(hp_plugin_ops),
	.name = "io",
	.description = "I/O calls per function and descriptor: calls, bytes, latency, errors",
	.events = HP_EV_BIT(HP_EV_IO),
	.init = io_init,
	.on_event = io_event,
	.snapshot = io_snapshot,
	.fini = io_fini,
	.options = io_options,
};
