/* SPDX-License-Identifier: MIT */
/*
 * cpu.c - the built-in cpu plugin (collectors.cpu, off by default;
 * HOTPATH_CPU=1): a statistical CPU profiler of the program's own threads
 * (docs/cpu.md).  perf_event_open where the kernel allows it, else the
 * ITIMER_PROF fallback (collectors.cpu.method: auto | perf | itimer).
 *
 * The collector drains the samplers on every HP_EV_TICK, and before a
 * measured call's HP_EV_SCOPE event when that call ended after the last
 * drain, so the samples inside a call are counted when its event arrives.
 * hotpath's own threads (hp-*, nng:*) are not sampled.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cpu.h"

typedef struct cpu_state {
	const hp_host *host;
	hpi_cpu_perf *perf;
	hpi_cpu_itimer *itimer;
	hpi_cpu_unwind *unwind;
	hpi_cpu_profile *prof;
	bool dwarf;
	uint64_t mono0;    /* CLOCK_MONOTONIC at the guard's start (0: unknown) */
	uint64_t drained;  /* guard ns up to which samples have been read */
	uint64_t pcs[HPI_CPU_MAX_DEPTH];
} cpu_state;

/* One sample from either sampler: unwound and counted. */
static void cpu_sample(void *arg, const hpi_cpu_sample *s)
{
	cpu_state *st = arg;
	size_t n = hpi_cpu_unwind_stack(st->unwind, s, st->dwarf, st->pcs, HPI_CPU_MAX_DEPTH);
	uint64_t t = s->time_ns > st->mono0 ? s->time_ns - st->mono0 : 0;

	hpi_cpu_profile_add(st->prof, s->tid, t, s->weight_ns, st->pcs, n);
}

/* Reads every sample taken so far. */
static void cpu_drain(cpu_state *st)
{
	uint64_t now = hpi_mono_ns();

	if (st->mono0 == 0)
		st->mono0 = now - st->host->elapsed_ns();
	if (st->perf != NULL) {
		hpi_cpu_perf_drain(st->perf, cpu_sample, st);
		hpi_cpu_profile_lost(st->prof, hpi_cpu_perf_lost(st->perf));
	}
	if (st->itimer != NULL) {
		hpi_cpu_itimer_drain(st->itimer, cpu_sample, st);
		hpi_cpu_profile_lost(st->prof, hpi_cpu_itimer_lost(st->itimer));
	}
	st->drained = now - st->mono0;
}

/* The settings init reads (collectors.cpu.*). */
typedef struct cpu_opts {
	int frequency, stack_bytes;
	long limit;
	const char *method, *unwind;
} cpu_opts;

/* Starts the sampler that method asks for; the sampler's description in
 * what (for the sections' meta). */
static int cpu_start(cpu_state *st, const cpu_opts *c, char *what, size_t len,
		     char **cause)
{
	const char *m = c->method;
	hpi_cpu_perf_opts po = {.pid = getpid(), .frequency = c->frequency,
				.stack_bytes = st->dwarf ? (size_t)c->stack_bytes : 0,
				.skip_hotpath = true};
	char *why = NULL;
	int err = 0;

	if (strcmp(m, "perf") == 0 || strcmp(m, "auto") == 0) {
		if ((st->perf = hpi_cpu_perf_new(&po, &err, &why)) != NULL) {
			snprintf(what, len, "perf %s %d Hz", hpi_cpu_perf_event(st->perf),
				 c->frequency);
			return 0;
		}
		if (strcmp(m, "perf") == 0) {
			*cause = why;
			return HP_EINVAL;
		}
		hpi_warn("cpu: %s; sampling with ITIMER_PROF/SIGPROF instead "
			 "(frame-pointer stacks only)", why);
		free(why);
	}
	if ((st->itimer = hpi_cpu_itimer_start(c->frequency, &why)) == NULL) {
		*cause = hpi_asprintf("cannot sample with ITIMER_PROF: %s", why);
		free(why);
		return HP_EINVAL;
	}
	snprintf(what, len, "itimer SIGPROF %d Hz", c->frequency);
	st->dwarf = false;
	return 0;
}

static int cpu_init(const hp_host *host, const hp_options *opts, void **state, char **cause)
{
	cpu_opts c = {
	    .frequency = (int)host->option_int(opts, "frequency", 999),
	    .stack_bytes = (int)host->option_int(opts, "stack_bytes", 8192),
	    .limit = (long)host->option_int(opts, "limit", 20),
	    .method = host->option_text(opts, "method", "auto"),
	    .unwind = host->option_text(opts, "unwind", "dwarf"),
	};
	cpu_state *st;
	char what[64];
	int rv;

	if ((st = calloc(1, sizeof(*st))) == NULL)
		return HP_ENOMEM;
	st->host = host;
#ifdef HAVE_LIBDW
	st->dwarf = strcmp(c.unwind, "dwarf") == 0;
#endif
	if ((rv = cpu_start(st, &c, what, sizeof(what), cause)) != 0) {
		free(st);
		return rv;
	}
	st->unwind = hpi_cpu_unwind_new(getpid());
	st->prof = hpi_cpu_profile_new(&(hpi_cpu_profile_opts){
	    .period_ns = 1000000000u / (uint64_t)c.frequency,
	    .limit = c.limit, .method = what, .unwind = st->dwarf ? "dwarf" : "fp",
	    .pid = getpid()});
	if (st->unwind == NULL || st->prof == NULL) {
		hpi_cpu_perf_free(st->perf);
		hpi_cpu_itimer_stop(st->itimer);
		hpi_cpu_unwind_free(st->unwind);
		hpi_cpu_profile_free(st->prof);
		free(st);
		return HP_ENOMEM;
	}
	*state = st;
	return 0;
}

static void cpu_event(void *state, const hp_event *ev)
{
	cpu_state *st = state;

	if (ev->kind == HP_EV_TICK) {
		if (st->perf != NULL)
			hpi_cpu_perf_threads(st->perf);
		cpu_drain(st);
		return;
	}
	if (ev->kind != HP_EV_SCOPE)
		return;
	if (ev->data != NULL && (*(const uint32_t *)ev->data & HP_SCOPE_RECURSIVE))
		return;
	if (ev->time_ns + ev->dur_ns >= st->drained)
		cpu_drain(st);
	hpi_cpu_profile_scope(st->prof, ev->site, ev->tid, ev->time_ns, ev->dur_ns);
}

static int cpu_snapshot(void *state, hp_snapshot *snap)
{
	cpu_state *st = state;

	cpu_drain(st);
	return hpi_cpu_profile_snapshot(st->prof, st->unwind, st->host, snap);
}

static void cpu_fini(void *state)
{
	cpu_state *st = state;

	if (st == NULL)
		return;
	hpi_cpu_perf_free(st->perf);
	hpi_cpu_itimer_stop(st->itimer);
	hpi_cpu_unwind_free(st->unwind);
	hpi_cpu_profile_free(st->prof);
	free(st);
}

/* collectors.cpu.* */
static const hp_option cpu_options[] = {
	{ .key = "enabled", .type = HP_OPT_BOOL, .dflt = "false", .env = "HOTPATH_CPU",
	  .help = "Statistical CPU profiler ([cpu.md](cpu.md)): by function, stack, thread "
		  "and measured scope." },
	{ .key = "frequency", .type = HP_OPT_INT, .min = 1, .max = 10000, .dflt = "999",
	  .env = "HOTPATH_CPU_FREQUENCY",
	  .help = "Samples per second of each thread's CPU time." },
	{ .key = "method", .type = HP_OPT_ENUM, .values = "auto|perf|itimer", .dflt = "auto",
	  .env = "HOTPATH_CPU_METHOD",
	  .help = "`perf_event_open`, or the `ITIMER_PROF`/`SIGPROF` fallback; `auto` falls "
		  "back with one `[hotpath]` line." },
	{ .key = "unwind", .type = HP_OPT_ENUM, .values = "dwarf|fp", .dflt = "dwarf",
	  .env = "HOTPATH_CPU_UNWIND",
	  .help = "DWARF CFI over a copy of the stack (code without frame pointers), or the "
		  "frame-pointer chain only." },
	{ .key = "stack_bytes", .type = HP_OPT_INT, .min = 0, .max = 65528, .dflt = "8192",
	  .help = "User stack copied per sample for `dwarf`; deeper frames are cut." },
	{ .key = "limit", .type = HP_OPT_INT, .min = 0, .max = 100000, .dflt = "20",
	  .help = "Functions in the static report, most self samples first; 0 uses "
		  "`report.limit`." },
	{ .key = NULL },
};

const hp_plugin_ops hpi_cpu_plugin = {
	.abi = HP_PLUGIN_ABI,
	.size = sizeof(hp_plugin_ops),
	.name = "cpu",
	.description = "statistical CPU profiler: where the CPU goes, by function, "
		       "stack and thread",
	.events = HP_EV_BIT(HP_EV_TICK) | HP_EV_BIT(HP_EV_SCOPE),
	.init = cpu_init,
	.on_event = cpu_event,
	.snapshot = cpu_snapshot,
	.fini = cpu_fini,
	.options = cpu_options,
};
