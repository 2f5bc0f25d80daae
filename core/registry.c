/* SPDX-License-Identifier: MIT */
/*
 * registry.c - plugin registry, loader and event bus.
 */
#include "config.h"

#include <dlfcn.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "hpi.h"
#include "registry.h"

#ifndef HP_PLUGINDIR
#define HP_PLUGINDIR "/usr/local/lib/hotpath"
#endif

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
	    (rv = e->ops.init(hpi_host(), &e->opts, &e->state, &cause)) != 0) {
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

const hp_plugin_ops *hpi_registry_direct(const hpi_registry *r, void **state)
{
	registry_entry *e;

	*state = NULL;
	if (r->nsubs[HP_EV_SCOPE] != 1)
		return NULL;
	e = r->subs[HP_EV_SCOPE][0];
	if (e->ops.on_records == NULL || e->ops.on_scope == NULL) /* 0 past its size */
		return NULL;
	*state = e->state;
	return &e->ops;
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

/* Whether cmd is in ops' list of queries. */
static bool registry_answers(const hp_plugin_ops *ops, const char *cmd)
{
	const char *const *q = ops->size >= offsetof(hp_plugin_ops, query) + sizeof(ops->query)
				       ? ops->queries : NULL;

	for (; q != NULL && *q != NULL; q++)
		if (strcmp(*q, cmd) == 0)
			return true;
	return false;
}

/* The plugin's answer as a reply (or an error) into out. */
static void registry_reply(registry_entry *e, const char *cmd, const char *req, size_t len,
			   hpi_buf *out)
{
	hp_text t = {0};
	const char *code = NULL;
	int rv = e->ops.query != NULL ? e->ops.query(e->state, cmd, req, len, &t, &code)
				      : HP_EINVAL;

	if (rv != 0 || t.failed) {
		hpi_wire_error(out, rv != 0 && code != NULL ? code : "no_memory",
			       rv != 0 && t.data != NULL && !t.failed ? t.data
			       : rv != 0 && rv != HP_ENOMEM ? hp_strerror(rv) : "out of memory");
	} else {
		hpi_buf_printf(out, "{\"type\":\"hotpath_reply\",\"schema\":%d,\"cmd\":",
			       HPI_WIRE_SCHEMA);
		hpi_buf_json_str(out, cmd);
		if (t.len > 0)
			hpi_buf_putc(out, ',');
		hpi_buf_putn(out, t.data ? t.data : "", t.len);
		hpi_buf_putc(out, '}');
	}
	hp_text_free(&t);
}

bool hpi_registry_query(hpi_registry *r, const char *req, size_t len, hpi_buf *out)
{
	hpi_query q;
	const char *why;
	bool mine = false;

	if (len > HPI_QUERY_MAX)
		return false; /* the usual too_large error */
	if (hpi_query_parse(req, len, &q, &why) != 0 || q.cmd == NULL) {
		hpi_query_fini(&q);
		return false; /* not a plugin's: the usual answer, or error */
	}
	for (size_t i = 0; r != NULL && i < r->n && !mine; i++) {
		if (registry_answers(&r->plugins[i]->ops, q.cmd)) {
			registry_reply(r->plugins[i], q.cmd, req, len, out);
			mine = true;
		}
	}
	for (size_t i = 0; i < HPI_NBUILTINS && !mine; i++) {
		if (registry_answers(hpi_builtins[i], q.cmd)) {
			hpi_wire_error(out, "no_collector",
				       hpi_builtins[i]->query_off != NULL
					       ? hpi_builtins[i]->query_off
					       : "that collector is off in this program");
			mine = true;
		}
	}
	hpi_query_fini(&q);
	return mine;
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
