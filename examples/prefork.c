/* SPDX-License-Identifier: MIT */
/*
 * prefork.c - a pre-forking server in miniature: the parent forks WORKERS
 * workers that share one pipe (the "listening socket"), then deals out
 * WORKERS x JOBS jobs; each worker takes exactly JOBS of them.  With
 * report.fork: child (HOTPATH_FORK=child) every worker writes a report of
 * its own: the parent's counts prefork::dispatch, each worker's counts
 * prefork::handle (JOBS calls) and prefork::worker (1 call).
 *
 *   HOTPATH_FORK=child ./prefork [WORKERS] [JOBS] [hold]   (default 4 x 100)
 *
 * Each worker prints "worker PID handled N jobs" on stdout.  With "hold",
 * the workers stay up after their jobs until the parent's stdin ends, so
 * that `hotpath ls`, `query` and the console can watch them live.
 */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <hotpath.h>

/* One job: some arithmetic whose length grows with the job's number. */
static uint64_t handle(uint32_t job)
{
	HP_MEASURE();
	uint64_t x = job;

	for (uint32_t i = 0; i < 1000 + (job % 64) * 100; i++)
		x = x * 6364136223846793005u + 1442695040888963407u;
	return x;
}

/* Reads one 4-byte job; a pipe keeps writes of at most PIPE_BUF whole. */
static int take(int fd, uint32_t *job)
{
	ssize_t n;

	while ((n = read(fd, job, sizeof(*job))) < 0 && errno == EINTR)
		;
	return n == (ssize_t)sizeof(*job) ? 0 : -1;
}

/* A worker: exactly `jobs` jobs from the shared pipe, then exit. */
static void worker(int fd, long jobs)
{
	uint64_t acc = 0;
	long done = 0;

	HP_MEASURE_BLOCK("prefork::worker", {
		uint32_t job;
		while (done < jobs && take(fd, &job) == 0) {
			acc += handle(job);
			done++;
		}
	});
	printf("worker %ld handled %ld jobs (%llu)\n", (long)getpid(), done,
	       (unsigned long long)(acc & 0xff));
	fflush(stdout);
}

/* Reads fd until its end. */
static void wait_eof(int fd)
{
	char buf[256];
	ssize_t n;

	while ((n = read(fd, buf, sizeof(buf))) > 0 || (n < 0 && errno == EINTR))
		;
}

/* The parent's half: one write per job. */
static int dispatch(int fd, uint32_t job)
{
	HP_MEASURE();
	return write(fd, &job, sizeof(job)) == (ssize_t)sizeof(job) ? 0 : -1;
}

int main(int argc, char **argv)
{
	int workers = argc > 1 ? atoi(argv[1]) : 4;
	long jobs = argc > 2 ? atol(argv[2]) : 100;
	int hold = argc > 3 && strcmp(argv[3], "hold") == 0;
	int fds[2], rel[2] = {-1, -1}, failed = 0;

	if (workers < 1 || workers > 64 || jobs < 0 || jobs > 1000000) {
		fprintf(stderr, "usage: prefork [WORKERS 1..64] [JOBS]\n");
		return 2;
	}
	HP_MAIN(.percentiles = "50,99", .limit = 0);
	if (pipe(fds) != 0 || (hold && pipe(rel) != 0)) {
		perror("pipe");
		return 1;
	}
	for (int i = 0; i < workers; i++) {
		pid_t pid = fork();
		if (pid < 0) {
			perror("fork");
			return 1;
		}
		if (pid == 0) {
			close(fds[1]);
			worker(fds[0], jobs);
			if (hold) { /* until the parent closes rel[1] */
				close(rel[1]);
				wait_eof(rel[0]);
			}
			exit(0); /* the worker's report, with report.fork: child */
		}
	}
	close(fds[0]);
	for (long j = 0; j < (long)workers * jobs; j++)
		if (dispatch(fds[1], (uint32_t)j) != 0)
			failed = 1;
	close(fds[1]);
	if (hold) {
		close(rel[0]);
		wait_eof(0);
		close(rel[1]);
	}
	for (int i = 0; i < workers; i++) {
		int st;
		if (wait(&st) < 0 || !WIFEXITED(st) || WEXITSTATUS(st) != 0)
			failed = 1;
	}
	return failed;
}
