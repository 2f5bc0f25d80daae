/* SPDX-License-Identifier: MIT */
/*
 * sample.c - sampled timing (docs/sampling.md): a sampled site counts
 * every call but times only 1 in N on each thread, the N-th, 2N-th, ...
 * call, so that a function called tens of millions of times a second costs
 * an increment and a test, not two clock reads.
 *
 * The inline half (hotpath.h hp__sample) keeps a countdown per thread and
 * site; this file decides each site's rate once per guard, from
 * collectors.timing.sample_sites (the first "pattern=N" whose pattern
 * matches the label), else HP_MEASURE_SAMPLED's n, else
 * collectors.timing.sample, and answers the timing plugin's questions:
 * which sites are sampled, and how many calls they made (tbuf.c adds up
 * the threads' counters).
 */
#include "config.h"

#include <limits.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "hpi.h"
#include "tbuf.h"

/* One "pattern=N" of collectors.timing.sample_sites. */
typedef struct sample_rule {
	hpi_filter *match; /* NULL: the pattern was unusable */
	uint32_t rate;
} sample_rule;

static pthread_mutex_t sample_lock = PTHREAD_MUTEX_INITIALIZER;
static uint32_t sample_default = 1;  /* collectors.timing.sample */
static sample_rule *sample_rules;
static size_t sample_nrules;
static uint32_t *sample_rates;      /* by site id: rate + 1, 0 = not decided */
static size_t sample_nrates;

/* Frees the rules of the last guard.  Under sample_lock. */
static void sample_rules_free(void)
{
	for (size_t i = 0; i < sample_nrules; i++)
		hpi_filter_free(sample_rules[i].match);
	free(sample_rules);
	sample_rules = NULL;
	sample_nrules = 0;
}

/* Parses "pattern=N" (the last '=' splits); false with a warning when it
 * is not one. */
static bool sample_rule_parse(const char *item, const hpi_origin *o, sample_rule *r)
{
	const char *eq = strrchr(item, '=');
	char where[256], *end, *pat;
	hpi_strv inc, exc;
	hpi_origin po;
	unsigned long v;

	memset(r, 0, sizeof(*r));
	if (eq != NULL && eq[1] != '\0' && eq[1] != '-' && eq[1] != '+') {
		errno = 0;
		v = strtoul(eq + 1, &end, 10);
		if (*end == '\0' && errno == 0 && v < HP__SAMP_DEFAULT && eq != item) {
			if ((pat = strndup(item, (size_t)(eq - item))) == NULL)
				return false;
			po = *o;
			inc.v = &pat;
			inc.origin = &po;
			inc.n = 1;
			inc.opts = NULL;
			memset(&exc, 0, sizeof(exc));
			r->match = hpi_filter_new(&inc, &exc, "collectors.timing", "sample_sites",
						  "sample_sites");
			r->rate = (uint32_t)v;
			free(pat);
			return r->match != NULL;
		}
	}
	hpi_warn("%s: collectors.timing.sample_sites: \"%s\" is not PATTERN=N (N a rate "
		 "from 0); ignored", hpi_origin_str(o, where, sizeof(where)), item);
	return false;
}

int hpi_sample_start(const hpi_config *c, bool reset)
{
	const hpi_optval *rate = hpi_config_opt(c, "timing", "sample");
	const hpi_optval *sites = hpi_config_opt(c, "timing", "sample_sites");
	int on = 0;

	pthread_mutex_lock(&sample_lock);
	sample_rules_free();
	sample_default = rate != NULL ? (uint32_t)rate->i : 1;
	if (sites != NULL && sites->v.n > 0 &&
	    (sample_rules = calloc(sites->v.n, sizeof(*sample_rules))) != NULL) {
		for (size_t i = 0; i < sites->v.n; i++)
			if (sample_rule_parse(sites->v.v[i], &sites->v.origin[i],
					      &sample_rules[sample_nrules]))
				sample_nrules++;
	}
	if (sample_nrates > 0)
		memset(sample_rates, 0, sample_nrates * sizeof(*sample_rates));
	if (sample_default != 1 || sample_nrules > 0)
		on = HP__ON_SAMPLE;
	pthread_mutex_unlock(&sample_lock);
	/* every thread's countdowns start over: the N-th call of this guard
	 * (a fork child's started at the fork: atfork freed the parent's) */
	if (reset)
		hpi_tbuf_samp_reset();
	return on;
}

/* The rate of site id whose code says n (HP__SAMP_DEFAULT: nothing),
 * decided on its first call of the guard.  Under sample_lock. */
static uint32_t sample_decide(uint32_t id, uint32_t n)
{
	const hp_site_info *info;
	uint32_t r = n != HP__SAMP_DEFAULT ? n : sample_default;

	if (id < sample_nrates && sample_rates[id] != 0)
		return sample_rates[id] - 1;
	if (sample_nrules > 0 && (info = hpi_site_get(id)) != NULL && info->label != NULL) {
		for (size_t i = 0; i < sample_nrules; i++) {
			if (hpi_filter_pass(sample_rules[i].match, info->label)) {
				r = sample_rules[i].rate;
				break;
			}
		}
	}
	if (hpi_grow(&sample_rates, &sample_nrates, sizeof(*sample_rates), id))
		sample_rates[id] = r + 1;
	return r;
}

int hp__sample_slow(uint32_t id, uint32_t n)
{
	struct hp__samp *s;
	uint32_t r;

	if (id >= hp__tls.nsamp && !hpi_tbuf_samp_grow(id))
		return 1; /* no counter: time it, the count stays exact */
	s = &hp__tls.samp[id];
	if (s->left == 0) {
		pthread_mutex_lock(&sample_lock);
		r = sample_decide(id, n);
		pthread_mutex_unlock(&sample_lock);
		if (r == 1) {
			s->left = HP__SAMP_EXACT;
			return 1;
		}
		s->rate = r;
		s->left = r == 0 ? HP__SAMP_EXACT - 1 : r;
		if (s->left > 1) { /* this first call is not the N-th */
			s->left--;
			__atomic_store_n(&s->calls, s->calls + 1, __ATOMIC_RELAXED);
			return 0;
		}
	}
	if (s->left == HP__SAMP_EXACT)
		return 1;
	/* the N-th call since the last timed one */
	__atomic_store_n(&s->calls, s->calls + 1, __ATOMIC_RELAXED);
	if (s->rate == 0) {
		s->left = HP__SAMP_EXACT - 1;
		return 0;
	}
	s->left = s->rate;
	return 1;
}

uint32_t hpi_sample_rate(uint32_t id)
{
	uint32_t r = 0;

	pthread_mutex_lock(&sample_lock);
	if (id < sample_nrates)
		r = sample_rates[id];
	pthread_mutex_unlock(&sample_lock);
	return r;
}

uint32_t hpi_sample_nsites(void)
{
	uint32_t n;

	pthread_mutex_lock(&sample_lock);
	n = (uint32_t)sample_nrates;
	pthread_mutex_unlock(&sample_lock);
	return n;
}

void hpi_sample_atfork_prepare(void)
{
	pthread_mutex_lock(&sample_lock);
}

void hpi_sample_atfork_parent(void)
{
	pthread_mutex_unlock(&sample_lock);
}

void hpi_sample_atfork_child(void)
{
	pthread_mutex_init(&sample_lock, NULL);
}

/* Frees the rules and the rate table at unload (valgrind sees no leak). */
__attribute__((destructor)) static void sample_fini(void)
{
	pthread_mutex_lock(&sample_lock);
	sample_rules_free();
	free(sample_rates);
	sample_rates = NULL;
	sample_nrates = 0;
	pthread_mutex_unlock(&sample_lock);
}
