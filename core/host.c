/* SPDX-License-Identifier: MIT */
/*
 * host.c - the host services plugins get (hp_host, include/hotpath/plugin.h):
 * site lookup, options, warnings, snapshot writing, histograms, label
 * filters, the formatters' text, allocation tracking and report facts.
 * The same table for built-in and external plugins.
 */
#include "config.h"

#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "hpi.h"
#include "alloc.h"
#include "collector.h"
#include "registry.h"

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

/* The host's histogram: core/hist.c's (hpi_hist is hp_hist). */
static hp_hist *host_hist_new(void)
{
	hp_hist *h = malloc(sizeof(*h));

	if (h != NULL)
		hpi_hist_init(h);
	return h;
}

static void host_hist_add(hp_hist *h, uint64_t v)
{
	hpi_hist_add(h, v);
}

static uint64_t host_hist_count(const hp_hist *h)
{
	return h->count;
}

static uint64_t host_hist_sum(const hp_hist *h)
{
	return hpi_hist_sum(h);
}

static uint64_t host_hist_percentile(const hp_hist *h, double p)
{
	return hpi_hist_percentile(h, p);
}

static void host_hist_free(hp_hist *h)
{
	if (h == NULL)
		return;
	hpi_hist_fini(h);
	free(h);
}

static void host_hist_init(hp_hist *h)
{
	hpi_hist_init(h);
}

static void host_hist_fini(hp_hist *h)
{
	hpi_hist_fini(h);
}

/* hp_hist_add's slow half: the value's octave has no buckets yet. */
static void host_hist_bump(hp_hist *h, uint64_t v)
{
	hpi_hist_bump(h, v);
}

static void host_hist_cumulative(const hp_hist *h, const uint64_t *bounds, size_t n,
				 uint64_t *out)
{
	hpi_hist_cumulative(h, bounds, n < HP_HIST_MAX_BOUNDS ? n : HP_HIST_MAX_BOUNDS, out);
}

static uint32_t host_sample_rate(uint32_t id)
{
	return hpi_sample_rate(id);
}

static uint64_t host_sample_calls(uint32_t id)
{
	return hpi_tbuf_samp_calls(id);
}

static uint32_t host_sample_nsites(void)
{
	return hpi_sample_nsites();
}

static void host_site_off(uint32_t id)
{
	hpi_auto_site_off(id);
}

static const char *host_snapshot_get(const hp_snapshot *snap, const char *key)
{
	return hp_snapshot_meta(snap, key);
}

static void host_watch_fd(int fd)
{
	hpi_collector_watch(fd);
}

static char *host_symbol_name(const char *raw)
{
	return raw != NULL ? hpi_symbol_pretty(raw) : NULL;
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

	if (h == NULL || h->oom)
		return;
	hpi_buf_init(&b);
	hpi_hist_encode(h, &b);
	if (!b.failed)
		hpi_cell_text(sec, row, col, b.data);
	hpi_buf_fini(&b);
}

/* Snapshot-wide facts: hpi_snapshot_meta_set. */
static void host_snapshot_meta(hp_snapshot *snap, const char *key, const char *value)
{
	hpi_snapshot_meta_set(snap, key, value);
}

static int host_final(void)
{
	return hpi_host_final();
}

/* hotpath's own text settings: the configuration behind the options. */
static const char *host_setting(const hp_options *o, const char *key)
{
	return o != NULL && key != NULL ? hpi_config_text(o->config, key) : NULL;
}

static const char *host_clock_name(void)
{
	return hpi_clock_is_tsc() ? "tsc" : "monotonic";
}

/* hpi_buf_json_str's escaping, snprintf's contract. */
static size_t host_json_str(char *dst, size_t cap, const char *s)
{
	hpi_buf b;
	size_t n;

	hpi_buf_init(&b);
	hpi_buf_json_str(&b, s);
	if (b.failed) { /* out of memory: an empty string */
		hpi_buf_fini(&b);
		if (cap > 0)
			snprintf(dst, cap, "\"\"");
		return 2;
	}
	n = b.len;
	if (cap > 0)
		snprintf(dst, cap, "%s", b.data);
	hpi_buf_fini(&b);
	return n;
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
	.snapshot_meta = host_snapshot_meta,
	.final = host_final,
	.setting = host_setting,
	.clock_name = host_clock_name,
	.json_str = host_json_str,
	.hist_init = host_hist_init,
	.hist_fini = host_hist_fini,
	.hist_bump = host_hist_bump,
	.hist_cumulative = host_hist_cumulative,
	.sample_rate = host_sample_rate,
	.sample_calls = host_sample_calls,
	.sample_nsites = host_sample_nsites,
	.site_off = host_site_off,
	.snapshot_get = host_snapshot_get,
	.watch_fd = host_watch_fd,
	.symbol_name = host_symbol_name,
};

const hp_host *hpi_host(void)
{
	return &host_table;
}

