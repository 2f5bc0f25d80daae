/* SPDX-License-Identifier: MIT */
/*
 * cmd_attach.c - `hotpath attach PID [--duration S]`: samples a running
 * process from outside, with no cooperation from it (docs/cpu.md): one
 * perf_event_open event per thread of PID (threads it starts later are
 * found in /proc/PID/task every 10 ms), its stacks unwound with DWARF over
 * the copied user stacks and named from /proc/PID/maps, and the cpu,
 * cpu_threads and cpu_stacks sections written when the time is up, the
 * process exits, or on Ctrl-C: a table on stdout, or JSON with -o.
 * Meanwhile they are published like a profiled program's (publish.*,
 * discovery), so `hotpath console` shows them live.
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "console.h"
#include "cpu.h"
#include "hpi.h"
#include "registry.h"

typedef struct attach_ctx {
	hpi_cpu_perf *perf;
	hpi_cpu_unwind *unwind;
	hpi_cpu_profile *prof;
	bool dwarf;
	uint64_t mono0;
	uint64_t pcs[HPI_CPU_MAX_DEPTH];
} attach_ctx;

static volatile sig_atomic_t attach_stop;

static void attach_on_signal(int sig)
{
	(void)sig;
	attach_stop = 1;
}

static void attach_usage(FILE *f)
{
	fputs("Usage: hotpath attach [OPTIONS] PID\n"
	      "\n"
	      "Samples where process PID spends its CPU (every thread, threads it starts\n"
	      "later too) with perf_event_open, from outside: PID needs no hotpath and no\n"
	      "restart.  Reports per function, stack and thread when the duration is up,\n"
	      "PID exits, or on Ctrl-C (docs/cpu.md).\n"
	      "\n"
	      "Options:\n"
	      "  -d, --duration S      sample for S seconds (default 10; 0 = until PID\n"
	      "                        exits or Ctrl-C)\n"
	      "  -F, --frequency HZ    samples per second of CPU per thread (default 999)\n"
	      "      --unwind WAY      dwarf (default: DWARF CFI over copied stacks) or fp\n"
	      "  -f, --format FMT      table (default), json or json-pretty\n"
	      "  -o, --output FILE     write the report to FILE (JSON unless --format says)\n"
	      "  -n, --limit N         rows per section in a table (default 20; 0 = all)\n"
	      "      --user            user time only (else time in the kernel too, its\n"
	      "                        functions named from /proc/kallsyms or one [kernel]\n"
	      "                        frame, where perf_event_paranoid allows)\n"
	      "  -h, --help            this text\n"
	      "\n"
	      "Needs kernel.perf_event_paranoid <= 2 and a process of the same user, or\n"
	      "CAP_PERFMON (and CAP_SYS_PTRACE for another user's process).\n"
	      "Exit status: 0 done, 1 PID cannot be sampled, 2 usage.\n", f);
}

/* One sample: unwound and counted. */
static void attach_sample(void *arg, const hpi_cpu_sample *s)
{
	attach_ctx *c = arg;
	size_t n = hpi_cpu_unwind_stack(c->unwind, s, c->dwarf, c->pcs, HPI_CPU_MAX_DEPTH);

	hpi_cpu_profile_add(c->prof, s->tid, s->time_ns > c->mono0 ? s->time_ns - c->mono0 : 0,
			    s->weight_ns, c->pcs, n);
}

/* The process's name (/proc/PID/comm). */
static void attach_comm(pid_t pid, char *buf, size_t len)
{
	char path[64];
	ssize_t n = -1;
	int fd;

	snprintf(path, sizeof(path), "/proc/%d/comm", (int)pid);
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) >= 0) {
		n = read(fd, buf, len - 1);
		close(fd);
	}
	buf[n > 0 ? n : 0] = '\0';
	buf[strcspn(buf, "\n")] = '\0';
}

/* The sections, for the publisher (this thread's ticks only). */
static int attach_snapshot(void *state, hp_snapshot *snap)
{
	attach_ctx *c = state;

	hpi_cpu_profile_lost(c->prof, hpi_cpu_perf_lost(c->perf));
	return hpi_cpu_profile_snapshot(c->prof, c->unwind, hpi_host(), snap);
}

/* What the publisher sees of attach: one plugin, its sections. */
static const hp_plugin_ops attach_plugin = {
	.abi = HP_PLUGIN_ABI,
	.size = sizeof(hp_plugin_ops),
	.name = "cpu",
	.description = "hotpath attach: the CPU samples of another process",
	.snapshot = attach_snapshot,
};

/* Publishes the sections as a profiled program would (publish.*: by
 * default on per-pid endpoints in the discovery folder, under attach's
 * own pid, named after the process), so that `hotpath console` and
 * `hotpath dump` follow it live.  NULL when publishing is off or fails
 * (said in one line). */
static hpi_publisher *attach_publish(attach_ctx *c, pid_t pid, const char *comm,
				     hpi_registry **reg)
{
	hpi_config cfg;
	hpi_publisher *p = NULL;
	struct timespec now;
	char caller[64];

	*reg = NULL;
	clock_gettime(CLOCK_REALTIME, &now);
	if (hpi_config_load(&cfg, NULL) != 0 || (*reg = hpi_registry_of(&attach_plugin, c)) == NULL) {
		hpi_config_fini(&cfg);
		return NULL;
	}
	snprintf(caller, sizeof(caller), "hotpath attach %d", (int)pid);
	p = hpi_publish_start(&cfg, *reg, &(hpi_publish_info){
	    .program = comm[0] ? comm : "?", .caller = caller, .pid = (long)getpid(),
	    .unix0_ns = (uint64_t)now.tv_sec * 1000000000u + (uint64_t)now.tv_nsec, .mono0_ns = c->mono0,
	    .pcts = cfg.pcts, .npcts = cfg.npcts});
	hpi_config_fini(&cfg);
	return p;
}

/* Samples until the deadline (0: none), the process's end or a signal;
 * publishes on every pass. */
static void attach_loop(attach_ctx *c, hpi_publisher *pub, pid_t pid, double duration)
{
	uint64_t end = duration > 0 ? c->mono0 + (uint64_t)(duration * 1e9) : 0;
	struct timespec tick = {0, 10000000};

	while (!attach_stop && (end == 0 || hpi_mono_ns() < end)) {
		nanosleep(&tick, NULL);
		hpi_cpu_perf_drain(c->perf, attach_sample, c);
		if (kill(pid, 0) != 0 && errno == ESRCH)
			break;
		hpi_cpu_perf_threads(c->perf);
		hpi_publish_tick(pub);
	}
	hpi_cpu_perf_drain(c->perf, attach_sample, c);
}

/* The report of what was sampled, rendered in fmt to path (NULL: stdout). */
static int attach_report(attach_ctx *c, pid_t pid, const char *comm, const char *fmt,
			 const char *path, size_t limit, uint64_t lost)
{
	hp_snapshot *snap = hpi_snapshot_new();
	hpi_render_opts o = {.limit = limit};
	char buf[64];
	hpi_buf out;
	int rv;

	if (snap == NULL)
		return HPC_EXIT_FAIL;
	snprintf(buf, sizeof(buf), "hotpath attach %d", (int)pid);
	hpi_snapshot_meta_set(snap, "caller", buf);
	hpi_snapshot_meta_set(snap, "program", comm[0] ? comm : "?");
	snprintf(buf, sizeof(buf), "%d", (int)pid);
	hpi_snapshot_meta_set(snap, "pid", buf);
	snprintf(buf, sizeof(buf), "%llu", (unsigned long long)(hpi_mono_ns() - c->mono0));
	hpi_snapshot_meta_set(snap, "elapsed_ns", buf);
	hpi_cpu_profile_lost(c->prof, lost);
	hpi_cpu_profile_snapshot(c->prof, c->unwind, hpi_host(), snap);
	hpi_buf_init(&out);
	if (strcmp(fmt, "table") == 0)
		hpi_render_table(&out, snap, &o);
	else
		hpi_render_json(&out, snap, &o, strcmp(fmt, "json-pretty") == 0);
	rv = hpc_write_out(path, &out);
	hpi_buf_fini(&out);
	hpi_snapshot_free(snap);
	return rv;
}

int hpc_cmd_attach(int argc, char **argv)
{
	static const struct option longs[] = {
		{"duration", required_argument, NULL, 'd'},
		{"frequency", required_argument, NULL, 'F'},
		{"unwind", required_argument, NULL, 'u'},
		{"format", required_argument, NULL, 'f'},
		{"output", required_argument, NULL, 'o'},
		{"limit", required_argument, NULL, 'n'},
		{"user", no_argument, NULL, 'U'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	const char *fmt = NULL, *path = NULL, *unwind = "dwarf";
	double duration = 10;
	bool user_only = false;
	uint64_t freq = 999, limit = 20, pidv = 0;
	hpi_cpu_perf_opts po = {0};
	hpi_cpu_perf *perf;
	hpi_publisher *pub;
	hpi_registry *reg;
	attach_ctx c = {0};
	char *cause = NULL, what[64], comm[64];
	int ch, err, rv;

	optind = 1;
	opterr = 0;
	while ((ch = getopt_long(argc, argv, ":d:F:f:o:n:h", longs, NULL)) != -1) {
		switch (ch) {
		case 'd':
			if (!hpc_parse_number(optarg, &duration))
				return hpc_usage_error("attach", "--duration: not a number of seconds: %s", optarg);
			break;
		case 'F':
			if (!hpc_parse_count(optarg, &freq) || freq < 1 || freq > 10000)
				return hpc_usage_error("attach", "--frequency: 1..10000 Hz, got %s", optarg);
			break;
		case 'u': unwind = optarg; break;
		case 'U': user_only = true; break;
		case 'f': fmt = optarg; break;
		case 'o': path = optarg; break;
		case 'n':
			if (!hpc_parse_count(optarg, &limit))
				return hpc_usage_error("attach", "--limit: not a count: %s", optarg);
			break;
		case 'h': attach_usage(stdout); return HPC_EXIT_OK;
		default: return hpc_bad_option("attach", argv, ch);
		}
	}
	if (optind != argc - 1 || !hpc_parse_count(argv[optind], &pidv) || pidv == 0 ||
	    pidv > 0x7fffffff)
		return hpc_usage_error("attach", "one PID to attach to");
	if (fmt == NULL)
		fmt = path != NULL ? "json-pretty" : "table";
	if (strcmp(fmt, "table") != 0 && strcmp(fmt, "json") != 0 && strcmp(fmt, "json-pretty") != 0)
		return hpc_usage_error("attach", "--format: table, json or json-pretty, got %s", fmt);
	if (strcmp(unwind, "dwarf") != 0 && strcmp(unwind, "fp") != 0)
		return hpc_usage_error("attach", "--unwind: dwarf or fp, got %s", unwind);
#ifdef HAVE_LIBDW
	c.dwarf = strcmp(unwind, "dwarf") == 0;
#endif
	po.pid = (pid_t)pidv;
	po.frequency = (int)freq;
	po.stack_bytes = c.dwarf ? 8192 : 0;
	po.skip_hotpath = true;
	po.kernel = !user_only;
	po.kernel_names = true; /* kallsyms is read in this process, not the target */
	po.host = hpi_host();
	if ((perf = hpi_cpu_perf_new(&po, &err, &cause)) == NULL) {
		hpc_error("attach: %s", cause ? cause : strerror(err));
		free(cause);
		return HPC_EXIT_FAIL;
	}
	c.mono0 = hpi_mono_ns();
	c.perf = perf;
	attach_comm(po.pid, comm, sizeof(comm)); /* while it still runs */
	c.unwind = hpi_cpu_unwind_new(po.pid, hpi_host());
	snprintf(what, sizeof(what), "perf %s %d Hz", hpi_cpu_perf_event(perf), (int)freq);
	c.prof = hpi_cpu_profile_new(&(hpi_cpu_profile_opts){
	    .period_ns = 1000000000u / freq, .limit = (long)limit, .method = what,
	    .unwind = c.dwarf ? "dwarf" : "fp", .kernel = hpi_cpu_perf_kernel_text(perf),
	    .pid = po.pid});
	if (c.unwind == NULL || c.prof == NULL) {
		hpi_cpu_perf_free(perf);
		hpi_cpu_unwind_free(c.unwind);
		hpi_cpu_profile_free(c.prof);
		hpc_error("attach: out of memory");
		return HPC_EXIT_FAIL;
	}
	signal(SIGINT, attach_on_signal);
	signal(SIGTERM, attach_on_signal);
	fprintf(stderr, "hotpath: sampling process %d (%zu threads) at %d Hz%s\n", (int)po.pid,
		hpi_cpu_perf_threads(perf), (int)freq,
		duration > 0 ? "" : " until it exits or Ctrl-C");
	pub = attach_publish(&c, po.pid, comm, &reg);
	attach_loop(&c, pub, po.pid, duration);
	hpi_publish_stop(pub);
	hpi_registry_free(reg);
	rv = attach_report(&c, po.pid, comm, fmt, path, (size_t)limit, hpi_cpu_perf_lost(perf));
	if (pub != NULL)
		hpi_publish_settle(1000);
	hpi_cpu_perf_free(perf);
	hpi_cpu_unwind_free(c.unwind);
	hpi_cpu_profile_free(c.prof);
	return rv;
}
