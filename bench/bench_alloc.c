/* SPDX-License-Identifier: MIT */
/*
 * bench_alloc.c - what allocation tracking adds to a malloc(64)+free pair,
 * on 1 and on 2 threads at once, against glibc's own pair (__libc_malloc,
 * __libc_free: the same allocator without the interposer) measured side by
 * side in the same run, best of several interleaved rounds.  Then the same
 * loop as a plain program, alone and under heaptrack, for comparison.
 *
 *   bench/bench_alloc [PAIRS]
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <hotpath.h>

extern void *__libc_malloc(size_t n);
extern void __libc_free(void *p);

#define ROUNDS 5

static __thread void *volatile sink; /* per thread: two loops at once */

static double now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

static double loop_glibc(long n)
{
	double t0 = now_ns();

	for (long i = 0; i < n; i++) {
		sink = __libc_malloc(64);
		__libc_free(sink);
	}
	return (now_ns() - t0) / (double)n;
}

/* Inside a measured function: every block is counted and tracked. */
static double loop_tracked(long n)
{
	HP_MEASURE();
	double t0 = now_ns();

	for (long i = 0; i < n; i++) {
		sink = malloc(64);
		free(sink);
	}
	return (now_ns() - t0) / (double)n;
}

typedef struct job {
	long n;
	int tracked;
	double ns;
} job;

static void *job_main(void *arg)
{
	job *j = arg;

	j->ns = j->tracked ? loop_tracked(j->n) : loop_glibc(j->n);
	return NULL;
}

/* ns per pair on each of k threads at once (their mean). */
static double run(int k, long n, int tracked)
{
	pthread_t t[2];
	job j[2];
	double sum = 0;

	for (int i = 0; i < k; i++) {
		j[i] = (job){n, tracked, 0};
		pthread_create(&t[i], NULL, job_main, &j[i]);
	}
	for (int i = 0; i < k; i++) {
		pthread_join(t[i], NULL);
		sum += j[i].ns;
	}
	return sum / k;
}

/* Runs argv, returns the ns/pair alloc_plain printed, or -1. */
static double run_child(char *const argv[])
{
	int fd[2];
	pid_t pid;
	char buf[4096] = "", *at;
	ssize_t len = 0, r;
	int st;

	if (pipe(fd) != 0)
		return -1;
	if ((pid = fork()) == 0) {
		dup2(fd[1], 1);
		close(fd[0]);
		freopen("/dev/null", "w", stderr);
		unsetenv("LD_PRELOAD");
		execvp(argv[0], argv);
		_exit(127);
	}
	close(fd[1]);
	while (len < (ssize_t)sizeof(buf) - 1 && (r = read(fd[0], buf + len, sizeof(buf) - 1 - (size_t)len)) > 0)
		len += r;
	close(fd[0]);
	waitpid(pid, &st, 0);
	/* heaptrack talks on stdout too: find the program's line */
	if (!WIFEXITED(st) || WEXITSTATUS(st) != 0 || (at = strstr(buf, "alloc_plain: ")) == NULL)
		return -1;
	return atof(at + strlen("alloc_plain: "));
}

int main(int argc, char **argv)
{
	long n = argc > 1 ? atol(argv[1]) : 2000000L;
	double g1 = 1e9, t1 = 1e9, g2 = 1e9, t2 = 1e9;
	hp_guard_builder *b;
	hp_guard *g;
	char plain[4096], count[32], tmpl[] = "/tmp/hp_bench_alloc.XXXXXX", out[4200];

	setenv("HOTPATH_CONFIG", "/dev/null", 1);
	setenv("HOTPATH_PUB", "off", 1);
	b = hp_guard_builder_new("bench_alloc");
	hp_guard_builder_format(b, HP_FORMAT_NONE);
	if ((g = hp_guard_builder_build(b)) == NULL)
		return 1;
	for (int r = 0; r < ROUNDS; r++) {
		double a = run(1, n, 0), c = run(1, n, 1), d = run(2, n, 0), e = run(2, n, 1);
		g1 = a < g1 ? a : g1;
		t1 = c < t1 ? c : t1;
		g2 = d < g2 ? d : g2;
		t2 = e < t2 ? e : t2;
	}
	hp_guard_end(g);
	printf("bench_alloc: malloc(64)+free pairs, %ld per round, best of %d rounds\n", n, ROUNDS);
	printf("  1 thread:  glibc %6.2f ns/pair   tracked %6.2f ns/pair   added %6.2f ns (target <= 10)\n",
	       g1, t1, t1 - g1);
	printf("  2 threads: glibc %6.2f ns/pair   tracked %6.2f ns/pair   added %6.2f ns (target <= 10)\n",
	       g2, t2, t2 - g2);

	/* the same loop as a plain program, alone and under heaptrack; it
	 * sits next to this one (or, under libtool, one folder up) */
	snprintf(plain, sizeof(plain), "%s", argv[0]);
	{
		char *slash = strrchr(plain, '/');
		size_t dir = slash ? (size_t)(slash - plain) : 0;
		plain[dir] = '\0';
		if (dir >= 6 && strcmp(plain + dir - 6, "/.libs") == 0)
			plain[dir -= 6] = '\0';
		snprintf(plain + dir, sizeof(plain) - dir, "%salloc_plain", dir ? "/" : "./");
	}
	snprintf(count, sizeof(count), "%ld", n / 4);
	{
		char *pa[] = {plain, count, NULL};
		double p = run_child(pa), h = -1;
		if (p < 0) {
			printf("  heaptrack: skipped (%s did not run)\n", plain);
			return 0;
		}
		if (mkdtemp(tmpl) != NULL) {
			snprintf(out, sizeof(out), "%s/ht", tmpl);
			char *ha[] = {(char *)"heaptrack", (char *)"-r", (char *)"-o", out, plain, count, NULL};
			h = run_child(ha);
			snprintf(out, sizeof(out), "rm -rf '%s'", tmpl);
			if (system(out) != 0)
				fprintf(stderr, "bench_alloc: could not remove %s\n", tmpl);
		}
		if (h < 0)
			printf("  heaptrack: not run (install the Debian package heaptrack)\n");
		else
			printf("  heaptrack: plain %6.2f ns/pair   heaptrack %6.2f ns/pair   added %6.2f ns"
			       "   (hotpath adds %.2f)\n", p, h, h - p, t1 - g1);
	}
	return 0;
}
