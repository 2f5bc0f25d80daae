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
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "collector.h"
#include "cpu.h"
#include "profile.h"
#include "hpi.h"
#include "registry.h"

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

/* Starts the sampler that method asks for; the sampler's description in
 * what (for the sections' meta). */
static int cpu_start(cpu_state *st, const cpu_opts *c, char *what, size_t len,
		     char **cause)
{
	const char *m = c->method;
	hpi_cpu_perf_opts po = {.pid = getpid(), .frequency = c->frequency,
				.stack_bytes = c->dwarf ? (size_t)c->stack_bytes : 0,
				.skip_hotpath = true, .kernel = c->kernel,
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
	hpi_collector_watch(hpi_cpu_perf_fd(st->perf));
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
	hpi_collector_watch(-1);
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
	st->unwind = hpi_cpu_unwind_new(getpid());
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
			hpi_collector_watch(-1);
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
		hpi_collector_watch(-1);
	hpi_cpu_perf_free(st->perf);
	hpi_cpu_itimer_stop(st->itimer);
	hpi_cpu_unwind_free(st->unwind);
	hpi_cpu_profile_free(st->prof);
	free(st);
}

/* ---- queries: cpu_start, cpu_stop, cpu_status ----------------------------- */

/* The reply: what the sampler does now, and whether the query changed it. */
static void cpu_reply(hpi_buf *out, const char *cmd, cpu_state *st, bool changed)
{
	hpi_buf_printf(out, "{\"type\":\"hotpath_reply\",\"schema\":%d,\"cmd\":",
		       HPI_WIRE_SCHEMA);
	hpi_buf_json_str(out, cmd);
	hpi_buf_printf(out, ",\"cpu\":{\"state\":\"%s\",\"changed\":%s,\"sampler\":",
		       st->running ? "running" : "stopped", changed ? "true" : "false");
	hpi_buf_json_str(out, st->prof->o.method);
	hpi_buf_printf(out, ",\"unwind\":\"%s\",\"samples\":%llu,\"since_ns\":%llu}}",
		       (st->running ? st->dwarf : st->c.dwarf) ? "dwarf" : "fp",
		       (unsigned long long)hpi_cpu_profile_samples(st->prof),
		       (unsigned long long)st->started);
}

bool hpi_cpu_query(hpi_registry *r, const char *req, size_t len, hpi_buf *out)
{
	hpi_query q;
	const char *why;
	cpu_state *st;
	char *cause = NULL;
	bool changed = false;
	int rv;

	if (len > HPI_QUERY_MAX)
		return false; /* the usual too_large error */
	if (hpi_query_parse(req, len, &q, &why) != 0 ||
	    (strcmp(q.cmd, "cpu_start") != 0 && strcmp(q.cmd, "cpu_stop") != 0 &&
	     strcmp(q.cmd, "cpu_status") != 0)) {
		hpi_query_fini(&q);
		return false; /* not ours: the usual answer, or error */
	}
	if ((st = hpi_registry_builtin_state(r, &hpi_cpu_plugin)) == NULL) {
		hpi_wire_error(out, "no_collector",
			       "the cpu collector is off in this program: start it with "
			       "HOTPATH_CPU=1 (HOTPATH_CPU_PAUSED=1: stopped until cpu_start), "
			       "or sample it from outside with hotpath attach PID");
	} else if (strcmp(q.cmd, "cpu_start") == 0 && !st->running) {
		if ((rv = cpu_run(st, &cause)) != 0) {
			char *m = hpi_asprintf("cannot start the sampler: %s",
					       cause ? cause : hp_strerror(rv));
			hpi_wire_error(out, "cpu_refused", m ? m : "cannot start the sampler");
			free(m);
		} else {
			changed = true;
		}
		free(cause);
	} else if (strcmp(q.cmd, "cpu_stop") == 0 && st->running) {
		cpu_halt(st);
		changed = true;
	}
	if (st != NULL && out->len == 0)
		cpu_reply(out, q.cmd, st, changed);
	hpi_query_fini(&q);
	return true;
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
};
