/* SPDX-License-Identifier: MIT */
/*
 * bench_idle.c - what a profiled program costs while it does little
 * (issue 21, "Idle cost"; docs/discovery.md).
 *
 * Runs itself as a child in each case below and reads, from outside, the
 * child's wakeups (voluntary + involuntary context switches of all its
 * threads, /proc/PID/task/TID/status) and CPU time (run time in ns,
 * /proc/PID/task/TID/schedstat) over a window after a second of settling:
 *
 *   plain            no guard, sleeps: the floor of an idle program
 *   guard            a guard that has nothing to do, publishing off
 *   guard+publish    the same publishing on ipc (the default), no subscriber
 *   1 call/ms plain  a call every millisecond (as examples/live), no guard:
 *                    the floor of a program that measures something
 *   1 call/ms guard  the same measured, publishing off
 *   1 call/ms +pub   the same publishing
 *
 * "not main" counts the wakeups of every thread but main's: hotpath's
 * own (the collector, nng's, the signal watcher), which the floor's noise
 * (a loaded machine stretches the busy case's 1 ms sleeps) does not blur.
 * The figures are printed side by side with their floor and the targets:
 * idle <= 20 wakeups/s and < 0.2 % of a core above the floor.
 *
 *   bench_idle [SECONDS]     window per case (default 5)
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <hotpath.h>

typedef struct sample {
	unsigned long long switches; /* voluntary + involuntary, all threads */
	unsigned long long others;   /* the same, all but the main thread */
	unsigned long long run_ns;   /* CPU time, all threads */
	int threads;
	double at;                   /* CLOCK_MONOTONIC s */
} sample;

static volatile long sink;

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void nap_ns(long ns)
{
	struct timespec ts = {ns / 1000000000L, ns % 1000000000L};

	while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
		;
}

static __attribute__((noinline)) void work(void)
{
	HP_MEASURE();
	for (int i = 0; i < 1000; i++)
		sink += i;
}

/* The child: sleeps, or calls work() every ms, for secs seconds. */
static int child(const char *mode, double secs)
{
	hp_guard *g = NULL;
	double end = now_s() + secs;

	if (strstr(mode, "guard") != NULL) {
		hp_guard_builder *b = hp_guard_builder_new("bench_idle::child");
		hp_guard_builder_format(b, HP_FORMAT_NONE);
		g = hp_guard_builder_build(b);
	}
	/* ready: the parent's window starts a second after this */
	if (getenv("BENCH_IDLE_READY_FD") != NULL) {
		int fd = atoi(getenv("BENCH_IDLE_READY_FD"));
		(void)!write(fd, "r", 1);
		close(fd);
	}
	if (strncmp(mode, "busy", 4) == 0) {
		while (now_s() < end) {
			work();
			nap_ns(1000000L);
		}
	} else {
		while (now_s() < end)
			nap_ns(1000000000L);
	}
	if (g != NULL)
		hp_guard_end(g);
	return 0;
}

/* Adds one task's counters to s. */
static void task_add(pid_t pid, const char *tid, sample *s)
{
	char path[400], line[256];
	unsigned long long v, run = 0, sw = 0;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/task/%s/status", (int)pid, tid);
	if ((f = fopen(path, "r")) == NULL)
		return;
	while (fgets(line, sizeof(line), f) != NULL)
		if (sscanf(line, "voluntary_ctxt_switches: %llu", &v) == 1 ||
		    sscanf(line, "nonvoluntary_ctxt_switches: %llu", &v) == 1)
			sw += v;
	fclose(f);
	s->switches += sw;
	if (atoi(tid) != (int)pid)
		s->others += sw;
	snprintf(path, sizeof(path), "/proc/%d/task/%s/schedstat", (int)pid, tid);
	if ((f = fopen(path, "r")) != NULL) {
		if (fscanf(f, "%llu", &run) == 1)
			s->run_ns += run;
		fclose(f);
	}
	s->threads++;
}

/* The child's counters now. */
static sample take(pid_t pid)
{
	sample s = {0};
	char path[64];
	struct dirent *e;
	DIR *d;

	snprintf(path, sizeof(path), "/proc/%d/task", (int)pid);
	if ((d = opendir(path)) != NULL) {
		while ((e = readdir(d)) != NULL)
			if (e->d_name[0] != '.')
				task_add(pid, e->d_name, &s);
		closedir(d);
	}
	s.at = now_s();
	return s;
}

typedef struct result {
	double wakeups, ours, core_pct;
	int threads;
} result;

/* Runs one case for window seconds (after 1 s of settling). */
static result run_case(const char *mode, bool publish, const char *dir, double window)
{
	char secs[32];
	result r = {0};
	sample a, b;
	pid_t pid;
	int ready[2];
	char c;

	snprintf(secs, sizeof(secs), "%.1f", window + 3.0);
	if (pipe(ready) != 0) {
		perror("pipe");
		exit(1);
	}
	if ((pid = fork()) == 0) {
		char fd[16];
		close(ready[0]);
		snprintf(fd, sizeof(fd), "%d", ready[1]);
		setenv("BENCH_IDLE_READY_FD", fd, 1);
		setenv("HOTPATH_CONFIG", "/dev/null", 1);
		setenv("XDG_RUNTIME_DIR", dir, 1);
		setenv("HOTPATH_PUB", publish ? "auto" : "off", 1);
		execl("/proc/self/exe", "bench_idle", "child", mode, secs, (char *)NULL);
		_exit(127);
	}
	close(ready[1]);
	(void)!read(ready[0], &c, 1);
	close(ready[0]);
	nap_ns(1000000000L);
	a = take(pid);
	nap_ns((long)(window * 1e9));
	b = take(pid);
	kill(pid, SIGTERM);
	waitpid(pid, NULL, 0);
	r.wakeups = (double)(b.switches - a.switches) / (b.at - a.at);
	r.ours = (double)(b.others - a.others) / (b.at - a.at);
	r.core_pct = (double)(b.run_ns - a.run_ns) / 1e9 / (b.at - a.at) * 100.0;
	r.threads = b.threads;
	return r;
}

static void print_row(const char *name, result r, result floor)
{
	printf("  %-28s %9.1f %9.1f %9.1f %8.3f %8.3f %7d\n", name, r.wakeups,
	       r.wakeups - floor.wakeups, r.ours, r.core_pct, r.core_pct - floor.core_pct,
	       r.threads);
}

int main(int argc, char **argv)
{
	char dir[] = "/tmp/bench_idle.XXXXXX";
	double window = 5.0;
	result plain, guard, pub, bplain, bguard, bpub;

	if (argc >= 4 && strcmp(argv[1], "child") == 0)
		return child(argv[2], strtod(argv[3], NULL));
	if (argc > 1 && (window = strtod(argv[1], NULL)) <= 0)
		window = 5.0;
	if (mkdtemp(dir) == NULL) {
		perror("mkdtemp");
		return 1;
	}
	plain = run_case("idle", false, dir, window);
	guard = run_case("idle-guard", false, dir, window);
	pub = run_case("idle-guard", true, dir, window);
	bplain = run_case("busy", false, dir, window);
	bguard = run_case("busy-guard", false, dir, window);
	bpub = run_case("busy-guard", true, dir, window);
	printf("bench_idle: a profiled program doing little, %.0f s per case (after 1 s)\n", window);
	printf("  %-28s %9s %9s %9s %8s %8s %7s\n", "case", "wakeup/s", "+floor", "not main",
	       "%core", "+floor", "threads");
	print_row("idle, plain (floor)", plain, plain);
	print_row("idle, guard, publish off", guard, plain);
	print_row("idle, guard, publish (ipc)", pub, plain);
	print_row("1 call/ms, plain (floor)", bplain, bplain);
	print_row("1 call/ms, guard, off", bguard, bplain);
	print_row("1 call/ms, guard, publish", bpub, bplain);
	printf("  target: idle <= 20 wakeups/s and < 0.2 %% of a core above the floor; "
	       "busy: no more wakeups than the records need\n");
	{
		char sub[64];
		snprintf(sub, sizeof(sub), "%s/hotpath", dir);
		rmdir(sub);
		rmdir(dir);
	}
	return 0;
}
