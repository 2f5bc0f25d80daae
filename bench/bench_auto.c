/* SPDX-License-Identifier: MIT */
/*
 * bench_auto.c - what auto-instrumentation (-finstrument-functions) adds
 * per call, built the way a user builds it, and what uftrace adds
 * recording the same binary.
 *
 * This binary is a PIE linked with the shared libhotpath (what
 * `pkg-config --libs hotpath` gives: the hooks are reached through the
 * PLT); auto_work.c is built like a user's file, -O2
 * -finstrument-functions, once more with -fno-plt, and once plain.
 * In one run, interleaved in short batches (a batch is rarely preempted
 * on a busy machine), best batch of many:
 *   baseline      work_plain: the function built without instrumentation
 *   2x rdtsc      the same function reading the clock twice (the floor)
 *   HP_MEASURE    the same function with HP_MEASURE(), a guard alive
 *   hotpath       work_inst: -finstrument-functions, hooks through the PLT
 *   -fno-plt      work_noplt: the same, calling the hooks through the GOT
 * each also as the median over the batches of (variant - baseline) /
 * (floor - baseline) in the same round, which moves less from run to run
 * than the best batch; then, when uftrace is installed, this very binary
 * again under `uftrace record` (its hooks replace hotpath's), timing the
 * plain and instrumented loops, and both figures side by side.
 *
 *   bench_auto [BATCH [ROUNDS]]
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <hotpath.h>

#define BATCH 2000
#define ROUNDS 1500
#define UFTRACE_ROUNDS 3

void work_plain(uint64_t x);
void work_inst(uint64_t x);
void work_noplt(uint64_t x);
void __cyg_profile_func_enter(void *fn, void *call_site);

static volatile uint64_t sink;

static __attribute__((noinline)) void work_rdtsc(uint64_t x)
{
	uint64_t a = hp__now();
	sink = x;
	sink = hp__now() - a;
}

static __attribute__((noinline)) void work_measured(uint64_t x)
{
	HP_MEASURE();
	sink = x;
}

static double now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

/* ns per call of f over n calls. */
static double run(void (*f)(uint64_t), long n)
{
	double t0 = now_ns();

	for (long i = 0; i < n; i++)
		f((uint64_t)i);
	return (now_ns() - t0) / (double)n;
}

static double min2(double a, double b)
{
	return a < b ? a : b;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/* The median of v[0..n), sorted in place. */
static double median(double *v, size_t n)
{
	qsort(v, n, sizeof(*v), cmp_double);
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

/* Whether this program is position-independent: its ELF type is ET_DYN. */
static int is_pie(void)
{
	unsigned char h[18];
	FILE *f = fopen("/proc/self/exe", "rb");
	int pie = 0;

	if (f != NULL) {
		pie = fread(h, 1, sizeof(h), f) == sizeof(h) && h[16] == 3 && h[17] == 0;
		fclose(f);
	}
	return pie;
}

static double loadavg(void)
{
	double l = -1;
	FILE *f = fopen("/proc/loadavg", "r");

	if (f != NULL) {
		if (fscanf(f, "%lf", &l) != 1)
			l = -1;
		fclose(f);
	}
	return l;
}

/* Under uftrace: the plain and instrumented loops, best of a few rounds;
 * prints "added <ns>" for the parent. */
static int child(long n)
{
	double plain = 1e9, inst = 1e9;

	for (int r = 0; r < UFTRACE_ROUNDS; r++) {
		plain = min2(plain, run(work_plain, n));
		inst = min2(inst, run(work_inst, n));
	}
	printf("added %.2f\n", inst - plain);
	return 0;
}

/* This binary again under `uftrace record`; its ns added per call, or a
 * negative value when it could not run. */
static double uftrace_added(long n, char *why, size_t len)
{
	char exe[4096], dir[] = "/tmp/hp_bench_uftrace.XXXXXX", cmd[9000], line[128];
	double added = -1;
	ssize_t k;
	FILE *p;

	if (system("command -v uftrace >/dev/null 2>&1") != 0) {
		snprintf(why, len, "uftrace is not installed (apt-get install uftrace)");
		return -1;
	}
	if ((k = readlink("/proc/self/exe", exe, sizeof(exe) - 1)) <= 0 || mkdtemp(dir) == NULL) {
		snprintf(why, len, "no path to this binary or no temporary folder");
		return -1;
	}
	exe[k] = '\0';
	snprintf(cmd, sizeof(cmd), "uftrace record -d '%s/data' '%s' --uftrace-child %ld 2>&1",
		 dir, exe, n);
	if ((p = popen(cmd, "r")) != NULL) {
		while (fgets(line, sizeof(line), p) != NULL)
			if (sscanf(line, "added %lf", &added) == 1)
				break;
		while (fgets(line, sizeof(line), p) != NULL)
			;
		pclose(p);
	}
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	if (system(cmd) != 0)
		fprintf(stderr, "bench_auto: could not remove %s\n", dir);
	if (added < 0)
		snprintf(why, len, "`uftrace record` did not run the benchmark");
	return added;
}

enum { V_PLAIN, V_TSC, V_MEASURE, V_INST, V_NOPLT, NV };

static void (*const fns[NV])(uint64_t) = {work_plain, work_rdtsc, work_measured, work_inst,
					    work_noplt};

int main(int argc, char **argv)
{
	long batch = BATCH, rounds = ROUNDS;
	double best[NV], *ratio[NV], t[NV], ut, load0, load1;
	hp_guard_builder *b;
	hp_guard *g;
	char why[256];
	Dl_info dli;

	if (argc > 2 && strcmp(argv[1], "--uftrace-child") == 0)
		return child(atol(argv[2]));
	if (argc > 1)
		batch = atol(argv[1]);
	if (argc > 2)
		rounds = atol(argv[2]);
	if (batch <= 0 || rounds <= 0) {
		fprintf(stderr, "usage: bench_auto [BATCH [ROUNDS]]\n");
		return 2;
	}
	for (int v = 0; v < NV; v++) {
		best[v] = 1e9;
		if ((ratio[v] = calloc((size_t)rounds, sizeof(double))) == NULL)
			return 1;
	}
	setenv("HOTPATH_CONFIG", "/dev/null", 1);
	b = hp_guard_builder_new("bench_auto");
	hp_guard_builder_format(b, HP_FORMAT_NONE);
	if ((g = hp_guard_builder_build(b)) == NULL)
		return 1;
	load0 = loadavg();
	/* interleaved short batches: each variant sees the same machine state */
	for (long r = 0; r < rounds; r++) {
		for (int v = 0; v < NV; v++) {
			t[v] = run(fns[v], batch);
			best[v] = min2(best[v], t[v]);
		}
		for (int v = 0; v < NV; v++)
			ratio[v][r] = t[V_TSC] > t[V_PLAIN]
					      ? (t[v] - t[V_PLAIN]) / (t[V_TSC] - t[V_PLAIN]) : 1e9;
	}
	load1 = loadavg();
	hp_guard_end(g);
	ut = uftrace_added(batch * 50, why, sizeof(why));

	printf("bench_auto: best of %ld batches of %ld calls per variant, interleaved (load average %.2f, then %.2f)\n",
	       rounds, batch, load0, load1);
	if (dladdr((void *)__cyg_profile_func_enter, &dli) != 0 && dli.dli_fname != NULL)
		printf("  %s; the hooks are in %s\n", is_pie() ? "a PIE" : "not a PIE",
		       dli.dli_fname);
	printf("                                  best     added    x floor   median x floor\n");
	printf("  baseline (built plain)       %7.2f ns\n", best[V_PLAIN]);
	static const char *const names[NV] = {
		"", "two clock reads (floor)", "HP_MEASURE", "auto, through the PLT",
		"auto, -fno-plt",
	};
	for (int v = V_TSC; v < NV; v++)
		printf("  %-27s %7.2f ns %6.2f ns   %5.2fx     %5.2fx\n", names[v], best[v],
		       best[v] - best[V_PLAIN],
		       (best[v] - best[V_PLAIN]) / (best[V_TSC] - best[V_PLAIN]),
		       median(ratio[v], (size_t)rounds));
	if (ut >= 0)
		printf("  uftrace record, same binary                added %6.2f ns  (best of %d)\n",
		       ut, UFTRACE_ROUNDS);
	else
		printf("  uftrace: skipped: %s\n", why);
	for (int v = 0; v < NV; v++)
		free(ratio[v]);
	return 0;
}
