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
 *
 * Queries start and stop the sampler in a running program (cpu_start,
 * cpu_stop, cpu_status: docs/wire.md; `hotpath mcp`'s start_cpu_sampling):
 * stopping closes the events (or the timer) and keeps what was counted;
 * starting again opens them anew and counts from zero.
 * collectors.cpu.paused starts the program with the sampler stopped.
 */
#define _GNU_SOURCE 1 /* as the build's config.h: POSIX and Linux calls */
#ifdef HAVE_CONFIG_H
#include "config.h" /* the build's HAVE_LIBDW; none outside the tree */
#endif

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cpu.h" /* hotpath/plugin.h: all it uses of hotpath */
#include "profile.h"

/* The settings init reads (collectors.cpu.*). */
typedef struct cpu_opts {
	int frequency, stack_bytes;
	long limit;
	char method[16];
	bool dwarf;
	bool kernel;       /* sample time in the kernel too, where allowed */
	bool kernel_names; /* its functions named from kallsyms, where readable */
} cpu_opts;

typedef struct cpu_state {
	const hp_host *host;
	cpu_opts c;
	hpi_cpu_perf *perf;
	hpi_cpu_itimer *itimer;
	hpi_cpu_unwind *unwind;
	hpi_cpu_profile *prof;
	bool dwarf;        /* this sampler's: false under the itimer fallback */
	bool running;
	uint64_t started;  /* guard ns when the sampler last started */
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
	uint64_t now = hpi_cpu_mono_ns();

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

/* Starts the sampler that method asks for; the sampler's description in
 * what (for the sections' meta). */
static int cpu_start(cpu_state *st, const cpu_opts *c, char *what, size_t len,
		     char **cause)
{
	const char *m = c->method;
	hpi_cpu_perf_opts po = {.pid = getpid(), .frequency = c->frequency,
				.stack_bytes = c->dwarf ? (size_t)c->stack_bytes : 0,
				.skip_hotpath = true, .kernel = c->kernel, .host = st->host,
				.kernel_names = c->kernel_names};
	char *why = NULL;
	int err = 0;

	st->dwarf = c->dwarf;
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
		st->host->warn("cpu", "%s; sampling with ITIMER_PROF/SIGPROF instead "
			       "(frame-pointer stacks only)", why);
		free(why);
	}
	if ((st->itimer = hpi_cpu_itimer_start(c->frequency, &why)) == NULL) {
		*cause = hpi_cpu_asprintf("cannot sample with ITIMER_PROF: %s", why);
		free(why);
		return HP_EINVAL;
	}
	snprintf(what, len, "itimer SIGPROF %d Hz", c->frequency);
	st->dwarf = false;
	return 0;
}

/* The sampler as configured, and a profile counting from zero; 0, or an
 * hp_err with *cause (caller frees).  Nothing changes on failure. */
static int cpu_run(cpu_state *st, char **cause)
{
	hpi_cpu_profile *prof;
	char what[64];
	int rv;

	if ((rv = cpu_start(st, &st->c, what, sizeof(what), cause)) != 0)
		return rv;
	prof = hpi_cpu_profile_new(&(hpi_cpu_profile_opts){
	    .period_ns = 1000000000u / (uint64_t)st->c.frequency,
	    .limit = st->c.limit, .method = what, .unwind = st->dwarf ? "dwarf" : "fp",
	    .kernel = st->perf ? hpi_cpu_perf_kernel_text(st->perf)
			       : "in the user stack it returns to (ITIMER_PROF's signal comes "
				 "on the way back to user space)",
	    .pid = getpid()});
	if (prof == NULL) {
		hpi_cpu_perf_free(st->perf);
		hpi_cpu_itimer_stop(st->itimer);
		st->perf = NULL;
		st->itimer = NULL;
		return HP_ENOMEM;
	}
	hpi_cpu_profile_state(prof, "running");
	/* the collector wakes when a ring fills (3/4), besides its ticks */
	st->host->watch_fd(hpi_cpu_perf_fd(st->perf));
	hpi_cpu_profile_free(st->prof);
	st->prof = prof;
	st->running = true;
	st->started = st->host->elapsed_ns();
	st->drained = 0;
	return 0;
}

/* Reads the last samples and closes the sampler; the counts stay. */
static void cpu_halt(cpu_state *st)
{
	cpu_drain(st);
	st->host->watch_fd(-1);
	hpi_cpu_perf_free(st->perf);
	hpi_cpu_itimer_stop(st->itimer);
	st->perf = NULL;
	st->itimer = NULL;
	st->running = false;
	hpi_cpu_profile_state(st->prof, "stopped");
}

static int cpu_init(const hp_host *host, const hp_options *opts, void **state, char **cause)
{
	cpu_state *st;
	int rv = 0;

	if (host->size < offsetof(hp_host, watch_fd) + sizeof(host->watch_fd)) {
		*cause = hpi_cpu_asprintf("the host is older than the plugin (no watch_fd)");
		return HP_EINVAL;
	}
	if ((st = calloc(1, sizeof(*st))) == NULL)
		return HP_ENOMEM;
	st->host = host;
	st->c.frequency = (int)host->option_int(opts, "frequency", 999);
	st->c.stack_bytes = (int)host->option_int(opts, "stack_bytes", 8192);
	st->c.limit = (long)host->option_int(opts, "limit", 20);
	st->c.kernel = host->option_int(opts, "kernel", 1) != 0;
	st->c.kernel_names = host->option_int(opts, "kernel_names", 1) != 0;
	snprintf(st->c.method, sizeof(st->c.method), "%s",
		 host->option_text(opts, "method", "auto"));
#ifdef HAVE_LIBDW
	st->c.dwarf = strcmp(host->option_text(opts, "unwind", "dwarf"), "dwarf") == 0;
#endif
	st->unwind = hpi_cpu_unwind_new(getpid(), host);
	if (st->unwind != NULL)
		hpi_cpu_unwind_debug_files(st->unwind, host->option_int(opts, "debug_files", 0) != 0);
	if (st->unwind != NULL && host->option_int(opts, "paused", 0) != 0) {
		/* ready, not sampling: an empty profile until cpu_start */
		st->prof = hpi_cpu_profile_new(&(hpi_cpu_profile_opts){
		    .period_ns = 1000000000u / (uint64_t)st->c.frequency, .limit = st->c.limit,
		    .method = "none yet (paused)", .unwind = st->c.dwarf ? "dwarf" : "fp",
		    .pid = getpid()});
		if (st->prof != NULL)
			hpi_cpu_profile_state(st->prof, "stopped");
	} else if (st->unwind != NULL) {
		rv = cpu_run(st, cause);
	}
	if (rv == 0 && (st->unwind == NULL || st->prof == NULL))
		rv = HP_ENOMEM;
	if (rv != 0) {
		if (st->perf != NULL)
			host->watch_fd(-1);
		hpi_cpu_perf_free(st->perf);
		hpi_cpu_itimer_stop(st->itimer);
		hpi_cpu_unwind_free(st->unwind);
		hpi_cpu_profile_free(st->prof);
		free(st);
		return rv;
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
	if (ev->kind != HP_EV_SCOPE || !st->running)
		return; /* a stopped sampler says nothing of the calls meanwhile */
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
	if (st->perf != NULL)
		st->host->watch_fd(-1);
	hpi_cpu_perf_free(st->perf);
	hpi_cpu_itimer_stop(st->itimer);
	hpi_cpu_unwind_free(st->unwind);
	hpi_cpu_profile_free(st->prof);
	free(st);
}

/* ---- queries: cpu_start, cpu_stop, cpu_status ----------------------------- */

/* s as a JSON string (the host's escaping) appended to out. */
static void cpu_json_str(const hp_host *h, hp_text *out, const char *s)
{
	char buf[256];
	size_t n = h->json_str(buf, sizeof(buf), s);
	char *big;

	if (n < sizeof(buf)) {
		hp_text_putn(out, buf, n);
	} else if ((big = malloc(n + 1)) != NULL) {
		h->json_str(big, n + 1, s);
		hp_text_putn(out, big, n);
		free(big);
	} else {
		out->failed = 1;
	}
}

/* The reply's members: what the sampler does now, and whether the query
 * changed it. */
static void cpu_reply(hp_text *out, cpu_state *st, bool changed)
{
	hp_text_printf(out, "\"cpu\":{\"state\":\"%s\",\"changed\":%s,\"sampler\":",
		       st->running ? "running" : "stopped", changed ? "true" : "false");
	cpu_json_str(st->host, out, st->prof->o.method);
	hp_text_printf(out, ",\"unwind\":\"%s\",\"samples\":%llu,\"since_ns\":%llu}",
		       (st->running ? st->dwarf : st->c.dwarf) ? "dwarf" : "fp",
		       (unsigned long long)hpi_cpu_profile_samples(st->prof),
		       (unsigned long long)st->started);
}

/* The queries it answers (docs/wire.md): cpu_start, cpu_stop, cpu_status. */
static int cpu_query(void *state, const char *cmd, const char *req, size_t len,
		     hp_text *out, const char **code)
{
	cpu_state *st = state;
	char *cause = NULL;
	bool changed = false;
	int rv;

	(void)req; /* nothing but cmd is read */
	(void)len;
	if (strcmp(cmd, "cpu_start") == 0 && !st->running) {
		if ((rv = cpu_run(st, &cause)) != 0) {
			*code = "cpu_refused";
			hp_text_puts(out, "cannot start the sampler: ");
			hp_text_puts(out, cause ? cause : "out of memory");
			free(cause);
			return rv;
		}
		changed = true;
	} else if (strcmp(cmd, "cpu_stop") == 0 && st->running) {
		cpu_halt(st);
		changed = true;
	}
	cpu_reply(out, st, changed);
	return 0;
}

static const char *const cpu_queries[] = {"cpu_start", "cpu_stop", "cpu_status", NULL};

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
	{ .key = "debug_files", .type = HP_OPT_BOOL, .dflt = "false",
	  .env = "HOTPATH_CPU_DEBUG_FILES",
	  .help = "Source lines and inlined calls from separate debug files too "
		  "(`/usr/lib/debug`: libc6-dbg, `-dbgsym` packages), not only from DWARF in "
		  "the program and libraries themselves; names come from both either way. "
		  "Reading libc's compressed DWARF costs about 50 ms at the report." },
	{ .key = "kernel", .type = HP_OPT_BOOL, .dflt = "true", .env = "HOTPATH_CPU_KERNEL",
	  .help = "Sample time in the kernel too (system calls, page faults), as its kernel "
		  "functions (see `kernel_names`) on top of the user stack, where "
		  "`kernel.perf_event_paranoid` (1 or less) or `CAP_PERFMON` allows it; else "
		  "user time only. The meta's `cpu.kernel` says which." },
	{ .key = "kernel_names", .type = HP_OPT_BOOL, .dflt = "true",
	  .env = "HOTPATH_CPU_KERNEL_NAMES",
	  .help = "Name the kernel's functions from `/proc/kallsyms` where it shows this user "
		  "addresses (root, or `kernel.kptr_restrict` 0 with `perf_event_paranoid` 1 or "
		  "less); else, or when false, one `[kernel]` frame. kallsyms is read once per "
		  "boot (about 60 ms of CPU) into `$XDG_CACHE_HOME/hotpath` (else "
		  "`~/.cache/hotpath`), which later runs read instead." },
	{ .key = "paused", .type = HP_OPT_BOOL, .dflt = "false", .env = "HOTPATH_CPU_PAUSED",
	  .help = "Start with the sampler stopped, ready for a query to start it "
		  "(`hotpath query PID cpu_start`, `hotpath mcp`'s `start_cpu_sampling`): no "
		  "sampling cost until then." },
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
	.queries = cpu_queries,
	.query_off = "the cpu collector is off in this program: start it with "
		     "HOTPATH_CPU=1 (HOTPATH_CPU_PAUSED=1: stopped until cpu_start), "
		     "or sample it from outside with hotpath attach PID",
	.query = cpu_query,
};
