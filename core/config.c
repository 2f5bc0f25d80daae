/* SPDX-License-Identifier: MIT */
/*
 * config.c - hotpath.yaml and the HOTPATH_* environment.
 *
 * The file is read with libyaml's event API into a small tree of nodes
 * (config_yaml.c), which is then walked against one table of keys; the
 * same table names the environment variables.  Every problem is one
 * hpi_warn line (config_value.c), and the key concerned keeps the value it
 * had: a bad configuration never stops the profiled program (strict mode
 * only makes hpi_config_load say so).
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "hpi.h"
#include "config_impl.h"

/* Schema tables, leaves first.  B/I/S/L: bool, int (min..max), string,
 * list; a NOFIELD key is accepted and checked but not stored (yet). */
#define B(n, f, a) { .name = n, .type = CT_BOOL, .off = CONFIG_F(f), .alias = a }
#define I(n, f, lo, hi, a) \
	{ .name = n, .type = CT_INT, .off = CONFIG_F(f), .min = lo, .max = hi, .alias = a }
#define S(n, f, a) { .name = n, .type = CT_STR, .off = CONFIG_F(f), .alias = a }
#define L(n, f, sp, a) { .name = n, .type = CT_STRV, .off = CONFIG_F(f), .sep = sp, .alias = a }
#define M(n, tab) { .name = n, .type = CT_MAP, .sub = tab }
#define END { .name = NULL }

static const config_key config_collector[] = {
	I("drain_interval_ms", drain_interval_ms, 1, 10000, NULL),
	I("buffer_max_mb", buffer_max_mb, 1, 65536, NULL),
	END
};
static const config_key config_report[] = {
	{ .name = "format", .type = CT_FORMAT, .off = CONFIG_F(format), .alias = "HOTPATH_FORMAT" },
	{ .name = "percentiles", .type = CT_PCTS, .off = CONFIG_F(pcts),
	  .alias = "HOTPATH_PERCENTILES" },
	{ .name = "limit", .type = CT_LONG, .off = CONFIG_F(limit), .min = 0, .max = LONG_MAX,
	  .alias = "HOTPATH_LIMIT" },
	S("output", output, "HOTPATH_OUTPUT"),
	{ .name = "scripts", .type = CT_SCRIPTS, .off = CONFIG_F(scripts), .sep = ',',
	  .alias = "HOTPATH_SCRIPTS" },
	I("script_memory_mb", script_memory_mb, 1, 65536, NULL),
	{ .name = "script_instructions", .type = CT_LONG, .off = CONFIG_F(script_instructions),
	  .min = 0, .max = LONG_MAX },
	B("on_signal", on_signal, "HOTPATH_ON_SIGNAL"),
	S("sort", report_sort, "HOTPATH_SORT"),
	S("trace_output", trace_output, "HOTPATH_TRACE_OUTPUT"),
	{ .name = "fork", .type = CT_ENUM, .off = CONFIG_F(fork.i), .values = "off|child",
	  .alias = "HOTPATH_FORK" },
	END
};
static const config_key config_tls[] = {
	S("cert", tls_cert, NULL),
	S("key", tls_key, NULL),
	S("ca", tls_ca, NULL),
	END
};
static const config_key config_publish[] = {
	S("endpoint", endpoint, "HOTPATH_PUB"),
	S("query", query, "HOTPATH_QUERY"),
	I("interval_ms", publish_interval_ms, 10, 60000, NULL),
	I("max_connections", publish_max_connections, 1, 4096, NULL),
	I("query_rate", publish_query_rate, 0, 1000000, NULL),
	I("query_burst", publish_query_burst, 1, 1000000, NULL),
	S("metrics", metrics, "HOTPATH_METRICS"),
	M("tls", config_tls),
	END
};
static const config_key config_plugins[] = {
	L("path", plugin_path, ':', "HOTPATH_PLUGIN_PATH"),
	L("load", plugin_load, ',', "HOTPATH_PLUGINS"),
	{ .name = "options", .type = CT_OPTIONS },
	END
};
static const config_key config_console[] = {
	L("panels", console_panels, ',', NULL),
	END
};
static const config_key config_top[] = {
	B("strict", strict, NULL), /* HOTPATH_STRICT is also its canonical name */
	M("collector", config_collector),
	{ .name = "collectors", .type = CT_COLLECTORS }, /* the plugins' rows */
	M("report", config_report), M("publish", config_publish),
	M("plugins", config_plugins), M("console", config_console),
	END
};

#undef B
#undef I
#undef S
#undef L
#undef M
#undef END

/* ---- applying the tree --------------------------------------------------- */

static void config_walk(config_ctx *x, const config_node *map, const config_key *tab,
			const char *prefix);
static void config_value(config_ctx *x, const config_key *k, const config_node *v,
			 const char *path);
static void config_env_collectors(config_ctx *x, const char *prefix);

/* One string item of a list (item is at path); bad items are dropped. */
static void config_list_item(config_ctx *x, hpi_strv *nv, const config_node *it,
			     const char *path)
{
	char who[1024], got[160];
	hpi_origin o = { .file = (char *)x->file, .line = it->line, .col = it->col };

	hpi_config_who(x, it, path, who, sizeof who);
	if (it->kind == CN_ALIAS) {
		hpi_config_warn(x, "%s: aliases are not supported; ignored", who);
	} else if (it->kind != CN_SCALAR || it->null || it->text[0] == '\0') {
		hpi_config_got(it, got, sizeof got);
		hpi_config_warn(x, "%s: expected a non-empty string, got %s; ignored", who, got);
	} else {
		hpi_config_strv_push(x, nv, it->text, strlen(it->text), &o);
	}
}

/* Keeps the options map of the last item of v as JSON text. */
static void config_script_opts(config_ctx *x, hpi_strv *v, const config_node *map,
			       const char *path)
{
	hpi_buf b;

	hpi_buf_init(&b);
	hpi_config_json(x, &b, map, path);
	if (b.failed) {
		hpi_buf_fini(&b);
		hpi_config_warn(x, "out of memory: %s ignored", path);
		return;
	}
	v->opts[v->n - 1] = b.data;
}

/* One report.scripts item: "x.lua" or {path: x.lua, options: {...}}. */
static void config_script(config_ctx *x, hpi_strv *nv, const config_node *it, const char *path)
{
	const config_node *p = NULL, *opts = NULL;
	char sub[320], who[1024], opath[320] = "";
	size_t i, n = nv->n;

	if (it->kind != CN_MAP) {
		config_list_item(x, nv, it, path);
		return;
	}
	for (i = 0; i + 1 < it->nkid; i += 2) {
		const config_node *key = it->kid[i], *val = it->kid[i + 1];

		if (!hpi_config_key_ok(x, key, path))
			continue;
		hpi_config_join(sub, sizeof sub, path, key->text);
		if (strcmp(key->text, "path") == 0) {
			p = val;
			continue;
		}
		if (strcmp(key->text, "options") == 0) {
			opts = NULL;
			if (!val->null && val->kind != CN_MAP) {
				hpi_config_who(x, val, sub, who, sizeof who);
				hpi_config_warn(x, "%s: expected a map; ignored", who);
			} else if (!val->null) {
				opts = val;
				memcpy(opath, sub, sizeof opath);
			}
			continue;
		}
		hpi_config_who(x, key, sub, who, sizeof who);
		hpi_config_warn(x, "%s: unknown key, ignored", who);
	}
	if (p == NULL) {
		hpi_config_who(x, it, path, who, sizeof who);
		hpi_config_warn(x, "%s: missing key \"path\"; ignored", who);
		return;
	}
	hpi_config_join(sub, sizeof sub, path, "path");
	config_list_item(x, nv, p, sub);
	if (nv->n > n && opts != NULL)
		config_script_opts(x, nv, opts, opath);
}

/* A list of strings (or scripts) for k: replaces the old list; null empties it. */
static void config_list(config_ctx *x, const config_key *k, const config_node *v,
			const char *who, const char *path)
{
	hpi_strv nv = { .n = 0 };
	char ipath[320];
	size_t i;

	if (!v->null && v->kind != CN_SEQ) {
		hpi_config_warn(x, "%s: expected a list; ignored", who);
		return;
	}
	for (i = 0; v->kind == CN_SEQ && i < v->nkid; i++) {
		hpi_config_fmt(ipath, sizeof ipath, "%s[%zu]", path, i);
		if (k->type == CT_SCRIPTS)
			config_script(x, &nv, v->kid[i], ipath);
		else
			config_list_item(x, &nv, v->kid[i], ipath);
	}
	hpi_config_strv_set(x, k, &nv);
}

/* report.percentiles as a YAML list; one bad item keeps the old list. */
static void config_pct_list(config_ctx *x, const config_key *k, const config_node *v,
			    const char *who, const char *path)
{
	double p[HPI_MAX_PCTS];
	char tail[600], ipath[320], iwho[1024], why[256], got[160];
	size_t i;
	int rv;

	hpi_config_tail(x, k, tail, sizeof tail);
	if (v->nkid == 0 || v->nkid > HPI_MAX_PCTS) {
		if (v->nkid == 0)
			hpi_config_warn(x, "%s: no percentiles given; %s", who, tail);
		else
			hpi_config_warn(x, "%s: too many percentiles (max %d); %s", who,
					HPI_MAX_PCTS, tail);
		return;
	}
	for (i = 0; i < v->nkid; i++) {
		const config_node *it = v->kid[i];

		hpi_config_fmt(ipath, sizeof ipath, "%s[%zu]", path, i);
		hpi_config_who(x, it, ipath, iwho, sizeof iwho);
		rv = HP_EINVAL;
		if (it->kind == CN_SCALAR)
			rv = hpi_config_pct(it->text, strlen(it->text), &p[i], why, sizeof why);
		if (rv == HP_EINVAL) {
			hpi_config_got(it, got, sizeof got);
			hpi_config_warn(x, "%s: expected a number, got %s; %s", iwho, got, tail);
			return;
		}
		if (rv != 0) {
			hpi_config_warn(x, "%s: %s; %s", iwho, why, tail);
			return;
		}
	}
	memcpy(x->c->pcts, p, v->nkid * sizeof p[0]);
	x->c->npcts = v->nkid;
}

/* Sets plugins.options "plugin.key" to value (last one wins). */
static void config_option_set(config_ctx *x, const char *plugin, const config_node *knode,
			      const config_node *val)
{
	const char *key = knode->text, *value = val->text;
	hpi_config *c = x->c;
	char *k = hpi_asprintf("%s.%s", plugin, key), *v = strdup(value);
	size_t i;

	if (k == NULL || v == NULL)
		goto oom;
	for (i = 0; i < c->noptions; i++) {
		if (strcmp(c->options[i].key, k) == 0) {
			free(c->options[i].value);
			c->options[i].value = v;
			c->options[i].line = val->line;
			c->options[i].col = val->col;
			c->options[i].kline = knode->line;
			c->options[i].kcol = knode->col;
			free(k);
			return;
		}
	}
	if (c->noptions == 0 || (c->noptions & (c->noptions - 1)) == 0) {
		size_t cap = c->noptions ? c->noptions * 2 : 1;
		hpi_optnode *no = realloc(c->options, cap * sizeof *no);

		if (no == NULL)
			goto oom;
		c->options = no;
	}
	c->options[c->noptions++] =
	    (hpi_optnode){ .key = k, .value = v, .line = val->line, .col = val->col,
			   .kline = knode->line, .kcol = knode->col };
	return;
oom:
	free(k);
	free(v);
	hpi_config_warn(x, "out of memory: plugins.options.%s.%s ignored", plugin, key);
}

/* plugins.options: {plugin: {key: scalar}}, stored as "plugin.key". */
static void config_options(config_ctx *x, const config_node *map, const char *path)
{
	char npath[320], kpath[480], who[1024], got[160];
	size_t i, j;

	for (i = 0; i + 1 < map->nkid; i += 2) {
		const config_node *name = map->kid[i], *sub = map->kid[i + 1];

		if (!hpi_config_key_ok(x, name, path) || sub->null)
			continue;
		hpi_config_join(npath, sizeof npath, path, name->text);
		if (sub->kind != CN_MAP) {
			hpi_config_who(x, sub, npath, who, sizeof who);
			hpi_config_warn(x, "%s: expected a map; ignored", who);
			continue;
		}
		for (j = 0; j + 1 < sub->nkid; j += 2) {
			const config_node *key = sub->kid[j], *val = sub->kid[j + 1];

			if (!hpi_config_key_ok(x, key, npath))
				continue;
			if (val->kind == CN_SCALAR) {
				config_option_set(x, name->text, key, val);
				continue;
			}
			hpi_config_join(kpath, sizeof kpath, npath, key->text);
			hpi_config_who(x, val, kpath, who, sizeof who);
			hpi_config_got(val, got, sizeof got);
			hpi_config_warn(x, "%s: expected a scalar, got %s; ignored", who, got);
		}
	}
}

/* collectors: {name: {key: value}}, each name a built-in collector whose
 * rows are the schema of its map. */
static void config_collectors(config_ctx *x, const config_node *map, const char *prefix)
{
	config_key tab[HPI_MAX_OPTIONS + 1], sub;
	char path[320], who[1024];
	size_t i;
	int b;

	for (i = 0; i + 1 < map->nkid; i += 2) {
		const config_node *key = map->kid[i], *val = map->kid[i + 1];

		if (!hpi_config_key_ok(x, key, prefix))
			continue;
		hpi_config_join(path, sizeof path, prefix, key->text);
		if ((b = hpi_builtin_find(key->text)) < 0) {
			hpi_config_who(x, key, path, who, sizeof who);
			hpi_config_warn(x, "%s: unknown key, ignored", who);
			continue;
		}
		hpi_config_rows_tab(hpi_builtins[b]->options, tab);
		sub = (config_key){ .name = key->text, .type = CT_MAP, .sub = tab };
		x->base = x->c->copts[b];
		config_value(x, &sub, val, path);
		x->base = NULL;
	}
}

/* Applies value node v to key k (path names it in messages). */
static void config_value(config_ctx *x, const config_key *k, const config_node *v,
			 const char *path)
{
	char who[1024], tail[600], got[160], desc[64];

	hpi_config_who(x, v, path, who, sizeof who);
	hpi_config_tail(x, k, tail, sizeof tail);
	if (v->kind == CN_ALIAS) {
		hpi_config_warn(x, "%s: aliases are not supported; %s", who, tail);
		return;
	}
	switch (k->type) {
	case CT_MAP:
	case CT_OPTIONS:
	case CT_COLLECTORS:
		if (v->null)
			return;
		if (v->kind != CN_MAP)
			hpi_config_warn(x, "%s: expected a map; ignored", who);
		else if (k->type == CT_MAP)
			config_walk(x, v, k->sub, path);
		else if (k->type == CT_COLLECTORS)
			config_collectors(x, v, path);
		else
			config_options(x, v, path);
		return;
	case CT_STRV:
	case CT_SCRIPTS:
		config_list(x, k, v, who, path);
		return;
	case CT_PCTS:
		if (v->kind == CN_SEQ) {
			config_pct_list(x, k, v, who, path);
			return;
		}
		break;
	default:
		break;
	}
	if (v->kind != CN_SCALAR || v->null) {
		hpi_config_desc(k, desc, sizeof desc);
		hpi_config_got(v, got, sizeof got);
		hpi_config_warn(x, "%s: expected %s, got %s; %s", who, desc, got, tail);
		return;
	}
	hpi_config_scalar(x, k, who, v->text);
}

/* Applies every key: value pair of map against the keys of tab. */
static void config_walk(config_ctx *x, const config_node *map, const config_key *tab,
			const char *prefix)
{
	char path[320], who[1024];
	const config_key *k;
	size_t i;

	for (i = 0; i + 1 < map->nkid; i += 2) {
		const config_node *key = map->kid[i], *val = map->kid[i + 1];

		if (!hpi_config_key_ok(x, key, prefix))
			continue;
		hpi_config_join(path, sizeof path, prefix, key->text);
		for (k = tab; k->name != NULL && strcmp(k->name, key->text) != 0; k++)
			;
		if (k->name != NULL) {
			config_value(x, k, val, path);
			continue;
		}
		hpi_config_who(x, key, path, who, sizeof who);
		hpi_config_warn(x, "%s: unknown key, ignored", who);
	}
}

/* Reads file path into x->c; explicit=false makes a missing file silent.
 * Never blocks: a FIFO or a device other than /dev/null is refused. */
static void config_read(config_ctx *x, const char *path, bool explicit)
{
	config_node *root = NULL;
	char got[160], *real, *slash;
	bool is_null;
	FILE *f;
	int fd;

	if ((fd = hpi_open_regular(path, O_RDONLY, &is_null)) < 0) {
		if (explicit || errno != ENOENT)
			hpi_config_warn(x, "%s: cannot open: %s; using built-in defaults", path,
					errno == EINVAL ? "not a regular file" : strerror(errno));
		return;
	}
	if ((f = fdopen(fd, "rb")) == NULL) {
		hpi_config_warn(x, "%s: cannot open: %s; using built-in defaults", path,
				strerror(errno));
		close(fd);
		return;
	}
	x->file = path;
	x->c->path = strdup(path);
	/* plugins and scripts the file names by a relative path are found
	 * next to it, wherever the program runs */
	if ((real = realpath(path, NULL)) != NULL && (slash = strrchr(real, '/')) != NULL) {
		*(slash == real ? slash + 1 : slash) = '\0';
		x->c->dir = real;
	} else {
		free(real);
	}
	if (hpi_config_parse(x, f, &root) == 0 && root != NULL && !root->null) {
		if (root->kind == CN_MAP) {
			config_walk(x, root, config_top, "");
		} else {
			hpi_config_got(root, got, sizeof got);
			hpi_config_warn(x, "%s:%d:%d: expected a map at the top level, got %s; "
					"using built-in defaults", path, root->line, root->col, got);
		}
	}
	hpi_config_node_free(root);
	fclose(f);
}

/* The per-user file: $XDG_CONFIG_HOME/hotpath/hotpath.yaml, else
 * ~/.config/hotpath/hotpath.yaml; malloc'ed, or NULL. */
static char *config_user_file(void)
{
	const char *xdg = getenv("XDG_CONFIG_HOME"), *home = getenv("HOME");

	if (xdg != NULL && xdg[0] == '/')
		return hpi_asprintf("%s/hotpath/hotpath.yaml", xdg);
	if (home != NULL && home[0] == '/')
		return hpi_asprintf("%s/.config/hotpath/hotpath.yaml", home);
	return NULL;
}

/* Reads a file found by default (not named by the user) if it exists and
 * is trusted (docs/config.md); true when it was read. */
static bool config_read_found(config_ctx *x, const char *path)
{
	char *why = NULL;
	int rv;

	if (access(path, F_OK) != 0)
		return false;
	if ((rv = hpi_trust_file(path, HPI_TRUST_NO_GROUP, &why)) != 0) {
		if (rv != HP_ENOENT)
			hpi_warn("%s: ignored, %s (docs/config.md, \"Which file\")", path,
				 why ? why : "not trusted");
		free(why);
		return false;
	}
	config_read(x, path, false);
	return true;
}

/* ---- environment --------------------------------------------------------- */

/* Applies variable var to k when it is set and not empty. */
static void config_env_key(config_ctx *x, const config_key *k, const char *var)
{
	const char *s = hpi_getenv(var);

	if (s == NULL || *s == '\0')
		return;
	if (k->type == CT_STRV || k->type == CT_SCRIPTS)
		hpi_config_env_list(x, k, var, s);
	else
		hpi_config_scalar(x, k, var, s);
}

/* Applies HOTPATH_* for every key of tab: the alias first, so that the
 * canonical name (prefix_KEY, upper case) wins when both are set. */
void hpi_config_env_walk(config_ctx *x, const config_key *tab, const char *prefix)
{
	const config_key *k;
	char var[128], *p;

	for (k = tab; k->name != NULL; k++) {
		snprintf(var, sizeof var, "%s_%s", prefix, k->name);
		for (p = var + strlen(prefix); *p; p++)
			*p = (char)toupper((unsigned char)*p);
		if (k->type == CT_MAP) {
			hpi_config_env_walk(x, k->sub, var);
			continue;
		}
		if (k->type == CT_OPTIONS)
			continue;
		if (k->type == CT_COLLECTORS) {
			config_env_collectors(x, var);
			continue;
		}
		if (k->alias != NULL)
			config_env_key(x, k, k->alias);
		config_env_key(x, k, var);
	}
}

/* HOTPATH_COLLECTORS_<NAME>_<KEY> (and the rows' aliases) of every
 * built-in collector; prefix is "HOTPATH_COLLECTORS". */
static void config_env_collectors(config_ctx *x, const char *prefix)
{
	config_key tab[HPI_MAX_OPTIONS + 1], map[2];

	for (int b = 0; b < HPI_NBUILTINS; b++) {
		hpi_config_rows_tab(hpi_builtins[b]->options, tab);
		map[0] = (config_key){ .name = hpi_builtins[b]->name, .type = CT_MAP, .sub = tab };
		map[1] = (config_key){ .name = NULL };
		x->base = x->c->copts[b];
		hpi_config_env_walk(x, map, prefix);
		x->base = NULL;
	}
}

/* ---- entry points -------------------------------------------------------- */

/* Built-in defaults; strings are allocated (free with hpi_config_fini). */
void hpi_config_defaults(hpi_config *c)
{
	config_ctx x = { .c = c };

	memset(c, 0, sizeof *c);
	c->drain_interval_ms = 10;
	c->buffer_max_mb = 64;
	for (int b = 0; b < HPI_NBUILTINS; b++)
		hpi_config_rows_defaults(&x, hpi_builtins[b]->options, c->copts[b]);
	c->trace_output = strdup("trace.json");
	c->format = HP_FORMAT_TABLE;
	c->pcts[0] = 95;
	c->npcts = 1;
	c->limit = 15;
	c->output = strdup("stderr");
	c->script_memory_mb = 64;
	c->script_instructions = 1000000000;
	c->on_signal = true;
	c->endpoint = strdup("auto");
	c->query = strdup("auto");
	c->publish_interval_ms = 250;
	c->publish_max_connections = 32;
	c->publish_query_rate = 20;
	c->publish_query_burst = 40;
	c->metrics = strdup("off");
}

/* Defaults, then the file, then the environment; see hpi.h. */
int hpi_config_load(hpi_config *c, const char *path)
{
	config_ctx x = { .c = c };
	const char *env = hpi_getenv("HOTPATH_CONFIG");
	char *user;

	hpi_config_defaults(c);
	if (path == NULL && env != NULL && *env != '\0')
		path = env;
	if (path != NULL) {
		config_read(&x, path, true);
	} else if (hpi_secure()) {
		hpi_secure_note(); /* no file the user could have written */
	} else if (!config_read_found(&x, "hotpath.yaml")) {
		if ((user = config_user_file()) != NULL)
			config_read_found(&x, user);
		free(user);
	}
	x.file = NULL;
	hpi_config_env_walk(&x, config_top, "HOTPATH");
	return x.problems > 0 && c->strict ? HP_EINVAL : 0;
}

/* Frees everything c owns and zeroes it; NULL is a no-op. */
void hpi_config_fini(hpi_config *c)
{
	size_t i;

	if (c == NULL)
		return;
	free(c->path);
	free(c->dir);
	free(c->output);
	free(c->report_sort);
	free(c->fork.s);
	free(c->trace_output);
	free(c->endpoint);
	free(c->query);
	free(c->metrics);
	free(c->tls_cert);
	free(c->tls_key);
	free(c->tls_ca);
	hpi_config_strv_free(&c->scripts);
	for (int b = 0; b < HPI_NBUILTINS; b++)
		hpi_config_rows_fini(hpi_builtins[b]->options, c->copts[b]);
	hpi_config_strv_free(&c->plugin_path);
	hpi_config_strv_free(&c->plugin_load);
	hpi_config_strv_free(&c->console_panels);
	for (i = 0; i < c->noptions; i++) {
		free(c->options[i].key);
		free(c->options[i].value);
	}
	free(c->options);
	memset(c, 0, sizeof *c);
}

/* A text setting by its path ("report.trace_output"): walks the schema. */
const char *hpi_config_text(const hpi_config *c, const char *path)
{
	const config_key *tab = config_top, *k;
	const char *dot;
	size_t n;

	for (;;) {
		dot = strchr(path, '.');
		n = dot ? (size_t)(dot - path) : strlen(path);
		for (k = tab; k->name != NULL && (strncmp(k->name, path, n) != 0 ||
						  k->name[n] != '\0'); k++)
			;
		if (k->name == NULL)
			return NULL;
		if (dot == NULL)
			break;
		if (k->type != CT_MAP)
			return NULL;
		tab = k->sub;
		path = dot + 1;
	}
	if (k->type != CT_STR || k->off == CONFIG_NOFIELD)
		return NULL;
	return *(char *const *)(const void *)((const char *)c + k->off);
}

/* "FILE:LINE:COL", the variable's name, or "default"; returns buf. */
const char *hpi_origin_str(const hpi_origin *o, char *buf, size_t len)
{
	if (len == 0)
		return "";
	if (o != NULL && o->file != NULL)
		snprintf(buf, len, "%s:%d:%d", o->file, o->line, o->col);
	else if (o != NULL && o->env != NULL)
		snprintf(buf, len, "%s", o->env);
	else
		snprintf(buf, len, "default");
	return buf;
}
