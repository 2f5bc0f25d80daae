/* SPDX-License-Identifier: MIT */
/*
 * registry.c - plugin registry, loader and event bus.
 */
#include "config.h"

#include <dlfcn.h>
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "alloc.h"
#include "registry.h"

#ifndef HP_PLUGINDIR
#define HP_PLUGINDIR "/usr/local/lib/hotpath"
#endif

struct hp_options {
	const hpi_config *config;
	const char *prefix;   /* the plugin's name */
	const hp_option *rows; /* its option rows, or NULL */
	const hpi_optval *vals; /* rows' values: the config's for a built-in,
				 * own for an external plugin */
	hpi_optval own[HPI_MAX_OPTIONS];
	bool builtin;
};

typedef struct registry_entry {
	hp_plugin_ops ops;    /* a full-size copy: fields past ops.size are 0 */
	hp_options opts;
	void *state;
	void *dl;             /* dlopen handle, NULL for built-ins */
} registry_entry;

struct hpi_registry {
	registry_entry **plugins; /* each entry stays put: plugins keep &opts */
	size_t n, cap;
	registry_entry **subs[HP_EV__COUNT]; /* subscribers per kind */
	size_t nsubs[HP_EV__COUNT];
};

const hp_plugin_ops *const hpi_builtins[HPI_NBUILTINS] = {
#define HPI_BUILTIN(name) &hpi_##name##_plugin,
#include "hp_builtins.h"
#undef HPI_BUILTIN
};

int hpi_builtin_find(const char *name)
{
	for (int b = 0; b < HPI_NBUILTINS; b++)
		if (strcmp(hpi_builtins[b]->name, name) == 0)
			return b;
	return -1;
}

/* The fields every ABI-1 plugin has; a shorter table is refused. */
#define OPS_MIN_SIZE (offsetof(hp_plugin_ops, fini) + sizeof(void (*)(void *)))

/* ---- host services ------------------------------------------------------ */

static const double *host_pcts;
static size_t host_npcts;
static uint64_t host_start_ns;
static uint64_t host_frozen_ns; /* elapsed at the final report, 0 while running */

/* Sets what percentiles() and elapsed_ns() answer. */
void hpi_host_set_report(const double *pcts, size_t n, uint64_t start_mono_ns)
{
	host_pcts = pcts;
	host_npcts = n;
	host_start_ns = start_mono_ns;
	host_frozen_ns = 0;
}

/* From now on elapsed_ns() answers the guard's final wall time. */
void hpi_host_freeze(uint64_t elapsed_ns)
{
	host_frozen_ns = elapsed_ns ? elapsed_ns : 1;
}

bool hpi_host_final(void)
{
	return host_frozen_ns != 0;
}

static const double *host_percentiles(size_t *n)
{
	*n = host_npcts;
	return host_pcts;
}

static uint64_t host_elapsed_ns(void)
{
	return host_frozen_ns ? host_frozen_ns : hpi_mono_ns() - host_start_ns;
}

static const hp_site_info *host_site(uint32_t id)
{
	return hpi_site_get(id);
}

/* The row of key in o's rows and its value, or -1. */
static long host_option_row(const hp_options *o, const char *key, const hp_options **at,
			    hp_options *tmp)
{
	const char *dot;
	int b;

	*at = o;
	if (o == NULL || key == NULL)
		return -1;
	if ((dot = strchr(key, '.')) != NULL) {
		/* "channels.logs_limit": a built-in collector's option */
		char name[64];

		if ((size_t)(dot - key) >= sizeof(name))
			return -1;
		memcpy(name, key, (size_t)(dot - key));
		name[dot - key] = '\0';
		if ((b = hpi_builtin_find(name)) < 0)
			return -1;
		tmp->config = o->config;
		tmp->prefix = hpi_builtins[b]->name;
		tmp->rows = hpi_builtins[b]->options;
		tmp->vals = o->config->copts[b];
		*at = tmp;
		o = tmp;
		key = dot + 1;
	}
	for (size_t i = 0; o->rows != NULL && o->rows[i].key != NULL && i < HPI_MAX_OPTIONS; i++)
		if (strcmp(o->rows[i].key, key) == 0)
			return (long)i;
	return -1;
}

/* Text of an option of plugins.options that has no row, or NULL. */
static const char *host_option_lookup(const hp_options *o, const char *key)
{
	size_t plen;

	if (o == NULL || key == NULL || o->rows != NULL)
		return NULL;
	plen = strlen(o->prefix);
	for (size_t i = 0; i < o->config->noptions; i++) {
		const hpi_optnode *n = &o->config->options[i];
		if (strncmp(n->key, o->prefix, plen) == 0 && n->key[plen] == '.' &&
		    strcmp(n->key + plen + 1, key) == 0)
			return n->value;
	}
	return NULL;
}

static long long host_option_int(const hp_options *o, const char *key, long long dflt)
{
	hp_options tmp;
	const hp_options *at;
	long i = host_option_row(o, key, &at, &tmp);
	const char *v;
	char *end;
	long long n;

	if (i >= 0) {
		switch (at->rows[i].type) {
		case HP_OPT_INT:
		case HP_OPT_ENUM:
			return at->vals[i].i;
		case HP_OPT_BOOL:
			return at->vals[i].b;
		default:
			return dflt;
		}
	}
	if ((v = host_option_lookup(o, key)) == NULL)
		return dflt;
	errno = 0;
	n = strtoll(v, &end, 10);
	if (errno != 0 || end == v || *end != '\0') {
		hpi_warn("plugins.options.%s.%s: expected an integer, got \"%s\"; using %lld",
			 o->prefix, key, v, dflt);
		return dflt;
	}
	return n;
}

static const char *host_option_text(const hp_options *o, const char *key, const char *dflt)
{
	hp_options tmp;
	const hp_options *at;
	long i = host_option_row(o, key, &at, &tmp);
	const char *v;

	if (i >= 0 && (at->rows[i].type == HP_OPT_TEXT || at->rows[i].type == HP_OPT_ENUM))
		return at->vals[i].s ? at->vals[i].s : dflt;
	if (i >= 0)
		return dflt;
	v = host_option_lookup(o, key);
	return v ? v : dflt;
}

static const char *const *host_option_list(const hp_options *o, const char *key, size_t *n)
{
	const hpi_strv *v = hpi_options_strv(o, key);

	*n = v ? v->n : 0;
	return v && v->n ? (const char *const *)v->v : NULL;
}

const hpi_config *hpi_options_config(const hp_options *o)
{
	return o != NULL && o->builtin ? o->config : NULL;
}

const hpi_strv *hpi_options_strv(const hp_options *o, const char *key)
{
	hp_options tmp;
	const hp_options *at;
	long i = host_option_row(o, key, &at, &tmp);

	return i >= 0 && at->rows[i].type == HP_OPT_LIST ? &at->vals[i].v : NULL;
}

static uint64_t host_ticks_ns(uint64_t ticks)
{
	return hpi_ticks_to_ns(ticks);
}

/* The host's histogram: core/hist.c's. */
struct hp_hist {
	hpi_hist h;
};

static hp_hist *host_hist_new(void)
{
	hp_hist *h = malloc(sizeof(*h));

	if (h != NULL)
		hpi_hist_init(&h->h);
	return h;
}

static void host_hist_add(hp_hist *h, uint64_t v)
{
	hpi_hist_add(&h->h, v);
}

static uint64_t host_hist_count(const hp_hist *h)
{
	return h->h.count;
}

static uint64_t host_hist_sum(const hp_hist *h)
{
	return hpi_hist_sum(&h->h);
}

static uint64_t host_hist_percentile(const hp_hist *h, double p)
{
	return hpi_hist_percentile(&h->h, p);
}

static void host_hist_free(hp_hist *h)
{
	if (h == NULL)
		return;
	hpi_hist_fini(&h->h);
	free(h);
}

/* A filter from two LIST options of o; messages name the options' path. */
static hp_filter *host_filter_new(const hp_options *o, const char *ikey, const char *ekey)
{
	static const hpi_strv none;
	const hpi_strv *inc = ikey ? hpi_options_strv(o, ikey) : NULL;
	const hpi_strv *exc = ekey ? hpi_options_strv(o, ekey) : NULL;
	char prefix[128];

	if (o == NULL)
		return NULL;
	if (o->builtin)
		snprintf(prefix, sizeof(prefix), "collectors.%s", o->prefix);
	else
		snprintf(prefix, sizeof(prefix), "plugins.options.%s", o->prefix);
	return (hp_filter *)hpi_filter_new(inc ? inc : &none, exc ? exc : &none, prefix,
					   ikey ? ikey : "", ekey ? ekey : "");
}

static int host_filter_pass(const hp_filter *f, const char *label)
{
	return hpi_filter_pass((const hpi_filter *)f, label);
}

static void host_filter_free(hp_filter *f)
{
	hpi_filter_free((hpi_filter *)f);
}

/* Formatters run while hpi_channel_logs (a count of plugins) is not 0. */
static void host_want_text(int on)
{
	__atomic_add_fetch(&hpi_channel_logs, on ? 1 : -1, __ATOMIC_RELAXED);
}

/* "CHAN_SEND" for HP_EV_CHAN_SEND, from the one event map. */
#define REGISTRY_EV_NAME(name, value, payload, doc) [value] = #name,
static const char *const registry_ev_names[HP_EV__COUNT] = { HP_EV_MAP(REGISTRY_EV_NAME) };
#undef REGISTRY_EV_NAME

const char *hpi_event_name(uint32_t kind)
{
	return kind < HP_EV__COUNT ? registry_ev_names[kind] : NULL;
}

static void host_warn(const char *plugin, const char *fmt, ...)
{
	char msg[768];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	hpi_warn("%s: %s", plugin ? plugin : "plugin", msg);
}

/* The histogram's text form (hpi_hist_encode) as a cell. */
static void host_cell_hist(hp_section *sec, size_t row, size_t col, const hp_hist *h)
{
	hpi_buf b;

	if (h == NULL || h->h.oom)
		return;
	hpi_buf_init(&b);
	hpi_hist_encode(&h->h, &b);
	if (!b.failed)
		hpi_cell_text(sec, row, col, b.data);
	hpi_buf_fini(&b);
}

static const hp_host host_table = {
	.abi = HP_PLUGIN_ABI,
	.size = sizeof(hp_host),
	.site = host_site,
	.option_int = host_option_int,
	.option_text = host_option_text,
	.warn = host_warn,
	.percentiles = host_percentiles,
	.elapsed_ns = host_elapsed_ns,
	.section_add = hpi_section_add,
	.column_add = hpi_column_add,
	.row_add = hpi_row_add,
	.cell_int = hpi_cell_int,
	.cell_real = hpi_cell_real,
	.cell_text = hpi_cell_text,
	.meta_set = hpi_section_meta_set,
	.row_log = hpi_row_log,
	.option_list = host_option_list,
	.ticks_ns = host_ticks_ns,
	.hist_new = host_hist_new,
	.hist_add = host_hist_add,
	.hist_count = host_hist_count,
	.hist_sum = host_hist_sum,
	.hist_percentile = host_hist_percentile,
	.hist_free = host_hist_free,
	.filter_new = host_filter_new,
	.filter_pass = host_filter_pass,
	.filter_free = host_filter_free,
	.want_text = host_want_text,
	.alloc_status = hpi_alloc_status,
	.alloc_live = hpi_alloc_live,
	.alloc_threads = hpi_alloc_threads,
	.cell_hist = host_cell_hist,
};

const hp_host *hpi_host(void)
{
	return &host_table;
}

/* ---- loading -------------------------------------------------------------- */

/* The options field, or NULL when the plugin's table is too short for it. */
static const hp_option *registry_rows(const hp_plugin_ops *ops)
{
	return ops->size >= offsetof(hp_plugin_ops, options) + sizeof(ops->options)
		       ? ops->options : NULL;
}

/* Checks an ops table's option rows; NULL, or a malloc'ed reason. */
static char *registry_check_rows(const hp_plugin_ops *ops)
{
	const hp_option *rows = registry_rows(ops);
	size_t n = hpi_option_count(rows);

	if (n > HPI_MAX_OPTIONS)
		return hpi_asprintf("%zu option rows, more than the %d a plugin may have", n,
				    HPI_MAX_OPTIONS);
	for (size_t i = 0; i < n; i++) {
		const hp_option *r = &rows[i];

		if (r->key[0] == '\0' || strspn(r->key, "abcdefghijklmnopqrstuvwxyz0123456789_") !=
					      strlen(r->key))
			return hpi_asprintf("option row %zu: key \"%s\" is not [a-z0-9_]+", i, r->key);
		if (r->type < HP_OPT_INT || r->type > HP_OPT_ENUM)
			return hpi_asprintf("option %s: unknown type %d", r->key, r->type);
		if (r->type == HP_OPT_ENUM && (r->values == NULL || r->values[0] == '\0'))
			return hpi_asprintf("option %s: an enum without values", r->key);
		if (r->type == HP_OPT_INT && r->min > r->max)
			return hpi_asprintf("option %s: min %lld > max %lld", r->key, r->min, r->max);
	}
	return NULL;
}

/* Checks an ops table; NULL, or a malloc'ed reason. */
static char *registry_check(const hp_plugin_ops *ops)
{
	if (ops == NULL)
		return hpi_asprintf("hp_plugin_entry returned NULL");
	if (ops->abi != HP_PLUGIN_ABI)
		return hpi_asprintf("built for plugin ABI %u, this hotpath speaks %d",
				    ops->abi, HP_PLUGIN_ABI);
	if (ops->size < OPS_MIN_SIZE)
		return hpi_asprintf("ops table of %u bytes is shorter than ABI %d's %zu",
				    ops->size, HP_PLUGIN_ABI, (size_t)OPS_MIN_SIZE);
	if (ops->name == NULL || ops->name[0] == '\0')
		return hpi_asprintf("ops table has no name");
	return registry_check_rows(ops);
}

/* Frees an entry and closes its dl handle (its rows live there), not its
 * plugin's state. */
static void registry_entry_free(registry_entry *e)
{
	if (e->opts.vals == e->opts.own)
		hpi_optvals_fini(e->opts.rows, e->opts.own);
	if (e->dl != NULL)
		dlclose(e->dl);
	free(e);
}

/* Whether a plugin called name is built in or already loaded: a loaded
 * plugin may take neither name. */
static bool registry_taken(const hpi_registry *r, const char *name)
{
	if (hpi_builtin_find(name) >= 0)
		return true;
	for (size_t i = 0; i < r->n; i++)
		if (strcmp(r->plugins[i]->ops.name, name) == 0)
			return true;
	return false;
}

/* Adds a checked plugin and runs its init; false when init refused.
 * vals: a built-in's option values in c, NULL for an external plugin (its
 * values are read here, against its rows). */
static bool registry_add(hpi_registry *r, const hp_plugin_ops *ops, void *dl,
			 const hpi_config *c, const hpi_optval *vals, const char *where)
{
	registry_entry *e;
	char *cause = NULL;
	int rv;

	if (r->n == r->cap) {
		size_t cap = r->cap ? r->cap * 2 : 8;
		registry_entry **p = realloc(r->plugins, cap * sizeof(*p));
		if (p == NULL) {
			hpi_warn("%s: out of memory; plugin \"%s\" not loaded", where, ops->name);
			return false;
		}
		r->plugins = p;
		r->cap = cap;
	}
	if ((e = calloc(1, sizeof(*e))) == NULL) {
		hpi_warn("%s: out of memory; plugin \"%s\" not loaded", where, ops->name);
		return false;
	}
	memcpy(&e->ops, ops, ops->size < sizeof(e->ops) ? ops->size : sizeof(e->ops));
	e->ops.size = sizeof(e->ops);
	e->opts.config = c;
	e->opts.prefix = e->ops.name;
	e->opts.rows = registry_rows(ops);
	e->opts.vals = vals;
	e->opts.builtin = dl == NULL;
	if (vals == NULL && e->opts.rows != NULL) {
		hpi_optvals_load(c, e->ops.name, e->opts.rows, e->opts.own);
		e->opts.vals = e->opts.own;
	}
	e->dl = dl;
	if (e->ops.init != NULL &&
	    (rv = e->ops.init(&host_table, &e->opts, &e->state, &cause)) != 0) {
		hpi_warn("%s: plugin \"%s\" failed to start: %s", where, e->ops.name,
			 cause ? cause : hp_strerror(rv));
		free(cause);
		e->dl = NULL; /* the caller closes it */
		registry_entry_free(e);
		return false;
	}
	r->plugins[r->n++] = e;
	return true;
}

/* dir/name, or name itself when dir is NULL or name is absolute; malloc'ed. */
static char *registry_join(const char *dir, const char *name, const char *suffix)
{
	if (dir == NULL || name[0] == '/')
		return hpi_asprintf("%s%s", name, suffix);
	return hpi_asprintf("%s/%s%s", dir, name, suffix);
}

/* Resolves a plugin name to a path that exists; malloc'ed, or NULL.  A
 * relative path or folder that a configuration file names is relative to
 * that file's folder, never to the working directory. */
static char *registry_find(const hpi_config *c, const char *name, const hpi_origin *o)
{
	const char *builtin_dir = HP_PLUGINDIR;
	char *p, *dir;

	if (strchr(name, '/') != NULL) {
		p = registry_join(o != NULL && o->file != NULL ? c->dir : NULL, name, "");
		if (p != NULL && access(p, F_OK) != 0) {
			free(p);
			p = NULL;
		}
		return p;
	}
	for (size_t i = 0; i <= c->plugin_path.n; i++) {
		if (i < c->plugin_path.n)
			dir = registry_join(c->plugin_path.origin != NULL &&
					    c->plugin_path.origin[i].file != NULL ? c->dir : NULL,
					    c->plugin_path.v[i], "");
		else
			dir = strdup(builtin_dir);
		p = dir != NULL ? hpi_asprintf("%s/%s.so", dir, name) : NULL;
		free(dir);
		if (p == NULL)
			return NULL;
		if (access(p, F_OK) == 0)
			return p;
		free(p);
	}
	return NULL;
}

/* NULL when the file at path may be loaded: trusted (hpi_trust_file) and an
 * ELF shared object that exports hp_plugin_entry, both read before dlopen
 * runs any of its code; else a malloc'ed reason. */
static char *registry_vet(const char *path)
{
	char *why = NULL;

	if (hpi_trust_file(path, 0, &why) != 0 ||
	    hpi_trust_elf(path, HP_PLUGIN_ENTRY, &why) != 0)
		return why != NULL ? why : strdup("out of memory");
	return NULL;
}

/* Where plugins are searched, for the "not found" message. */
static char *registry_dirs(const hpi_config *c)
{
	hpi_buf b;

	hpi_buf_init(&b);
	for (size_t i = 0; i < c->plugin_path.n; i++) {
		hpi_buf_puts(&b, c->plugin_path.v[i]);
		hpi_buf_puts(&b, ", ");
	}
	hpi_buf_puts(&b, HP_PLUGINDIR);
	return b.data;
}

/* dlopens plugins.load[i]; one warning on any failure. */
static void registry_load_one(hpi_registry *r, const hpi_config *c, size_t i, int *failures)
{
	const char *name = c->plugin_load.v[i];
	char where[512], ow[256], *path, *why = NULL;
	void *dl;
	hp_plugin_entry_fn entry;
	const hp_plugin_ops *ops;

	snprintf(where, sizeof(where), "%s: plugins.load[%zu]",
		 hpi_origin_str(&c->plugin_load.origin[i], ow, sizeof(ow)), i);
	if ((path = registry_find(c, name, c->plugin_load.origin ? &c->plugin_load.origin[i] :
				  NULL)) == NULL &&
	    strchr(name, '/') != NULL) {
		hpi_warn("%s: cannot load plugin \"%s\": %s", where, name, strerror(ENOENT));
		goto fail;
	}
	if (path == NULL) {
		char *dirs = registry_dirs(c);
		hpi_warn("%s: cannot load plugin \"%s\": no %s.so in %s", where, name,
			 name, dirs ? dirs : "?");
		free(dirs);
		goto fail;
	}
	if ((why = registry_vet(path)) != NULL) {
		hpi_warn("%s: plugin \"%s\" not loaded: %s: %s", where, name, path, why);
		free(why);
		goto fail;
	}
	if ((dl = dlopen(path, RTLD_NOW | RTLD_LOCAL)) == NULL) {
		hpi_warn("%s: cannot load plugin \"%s\": %s", where, name, dlerror());
		goto fail;
	}
	*(void **)&entry = dlsym(dl, HP_PLUGIN_ENTRY);
	if (entry == NULL) {
		why = hpi_asprintf("%s exports no %s", path, HP_PLUGIN_ENTRY);
	} else if ((why = registry_check(ops = entry())) == NULL &&
		   registry_taken(r, ops->name)) {
		why = hpi_asprintf("its name \"%s\" is taken by %s plugin", ops->name,
				   hpi_builtin_find(ops->name) >= 0 ? "a built-in" : "another");
	} else if (why == NULL) {
		if (registry_add(r, ops, dl, c, NULL, where)) {
			free(path);
			return;
		}
		dlclose(dl);
		goto fail;
	}
	hpi_warn("%s: plugin \"%s\" not loaded: %s", where, name, why ? why : "out of memory");
	free(why);
	dlclose(dl);
fail:
	free(path);
	(*failures)++;
}

/* Indexes subscribers by event kind. */
static void registry_index(hpi_registry *r)
{
	for (int k = 0; k < HP_EV__COUNT; k++) {
		r->nsubs[k] = 0;
		r->subs[k] = calloc(r->n ? r->n : 1, sizeof(registry_entry *));
		if (r->subs[k] == NULL)
			continue;
		for (size_t i = 0; i < r->n; i++)
			if ((r->plugins[i]->ops.events & HP_EV_BIT(k)) &&
			    (r->plugins[i]->ops.on_event != NULL ||
			     r->plugins[i]->ops.on_events != NULL))
				r->subs[k][r->nsubs[k]++] = r->plugins[i];
	}
}

hpi_registry *hpi_registry_new(const hpi_config *c, int *failures)
{
	hpi_registry *r = calloc(1, sizeof(*r));

	*failures = 0;
	if (r == NULL)
		return NULL;
	for (int b = 0; b < HPI_NBUILTINS; b++) {
		const hp_plugin_ops *ops = hpi_builtins[b];
		const hpi_optval *on = hpi_config_opt(c, ops->name, "enabled");
		char where[96];

		if (on != NULL && !on->b)
			continue;
		snprintf(where, sizeof(where), "collectors.%s", ops->name);
		if (!registry_add(r, ops, NULL, c, c->copts[b], where))
			(*failures)++;
	}
	for (size_t i = 0; i < c->plugin_load.n; i++)
		registry_load_one(r, c, i, failures);
	registry_index(r);
	return r;
}

void hpi_registry_free(hpi_registry *r)
{
	if (r == NULL)
		return;
	for (size_t i = 0; i < r->n; i++) {
		if (r->plugins[i]->ops.fini != NULL)
			r->plugins[i]->ops.fini(r->plugins[i]->state);
		registry_entry_free(r->plugins[i]);
	}
	for (int k = 0; k < HP_EV__COUNT; k++)
		free(r->subs[k]);
	free(r->plugins);
	free(r);
}

void hpi_registry_dispatch(hpi_registry *r, const hp_event *ev)
{
	registry_entry **s = r->subs[ev->kind];
	size_t n = r->nsubs[ev->kind];

	for (size_t i = 0; i < n; i++) {
		if (s[i]->ops.on_event != NULL)
			s[i]->ops.on_event(s[i]->state, ev);
		else
			s[i]->ops.on_events(s[i]->state, ev, 1);
	}
}

void hpi_registry_dispatch_batch(hpi_registry *r, const hp_event *evs, size_t n,
				 uint64_t kinds)
{
	for (size_t i = 0; i < r->n; i++) {
		registry_entry *e = r->plugins[i];
		uint64_t mask = e->ops.events;
		size_t k, start;

		if ((e->ops.on_events == NULL && e->ops.on_event == NULL) ||
		    (mask & kinds) == 0)
			continue; /* nothing here for this plugin */
		if ((kinds & ~mask) == 0 && e->ops.on_events != NULL) {
			e->ops.on_events(e->state, evs, n); /* all of it */
			continue;
		}
		/* runs of subscribed events, handed over in one call each */
		for (k = 0; k < n;) {
			while (k < n && !(mask & HP_EV_BIT(evs[k].kind)))
				k++;
			start = k;
			while (k < n && (mask & HP_EV_BIT(evs[k].kind)))
				k++;
			if (k == start)
				break;
			if (e->ops.on_events != NULL) {
				e->ops.on_events(e->state, evs + start, k - start);
			} else {
				for (size_t j = start; j < k; j++)
					e->ops.on_event(e->state, &evs[j]);
			}
		}
	}
}

bool hpi_registry_wants(const hpi_registry *r, hp_event_kind kind)
{
	return r->nsubs[kind] != 0;
}

void *hpi_registry_timing_direct(const hpi_registry *r)
{
	registry_entry *e;

	if (r->nsubs[HP_EV_SCOPE] != 1)
		return NULL;
	e = r->subs[HP_EV_SCOPE][0];
	return e->dl == NULL && e->ops.on_event == hpi_timing_plugin.on_event ? e->state : NULL;
}

hpi_registry *hpi_registry_of(const hp_plugin_ops *ops, void *state)
{
	hpi_registry *r = calloc(1, sizeof(*r));
	registry_entry *e = calloc(1, sizeof(*e));

	if (r == NULL || e == NULL || (r->plugins = calloc(1, sizeof(*r->plugins))) == NULL) {
		free(r);
		free(e);
		return NULL;
	}
	memcpy(&e->ops, ops, ops->size < sizeof(e->ops) ? ops->size : sizeof(e->ops));
	e->ops.size = sizeof(e->ops);
	e->opts.vals = e->opts.own; /* no rows: nothing to free */
	e->opts.prefix = e->ops.name;
	e->opts.builtin = true;
	e->state = state;
	r->plugins[0] = e;
	r->n = r->cap = 1;
	registry_index(r);
	return r;
}

void *hpi_registry_builtin_state(const hpi_registry *r, const hp_plugin_ops *ops)
{
	for (size_t i = 0; r != NULL && i < r->n; i++)
		if (r->plugins[i]->dl == NULL && r->plugins[i]->ops.init == ops->init)
			return r->plugins[i]->state;
	return NULL;
}

void hpi_registry_snapshot(hpi_registry *r, hp_snapshot *snap)
{
	for (size_t i = 0; i < r->n; i++) {
		int rv;
		if (r->plugins[i]->ops.snapshot == NULL)
			continue;
		if ((rv = r->plugins[i]->ops.snapshot(r->plugins[i]->state, snap)) != 0)
			hpi_warn("plugin \"%s\": snapshot failed: %s", r->plugins[i]->ops.name,
				 hp_strerror(rv));
	}
}
