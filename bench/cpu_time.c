/* SPDX-License-Identifier: MIT */
/*
 * cpu_time.c - runs a command and prints the CPU time it used, user plus
 * system, all its threads and children, in seconds to the microsecond
 * (getrusage(RUSAGE_CHILDREN)): /usr/bin/time's 10 ms steps are too coarse
 * for bench_cpu.sh's differences of a few percent of a second or two.
 * Usage: cpu_time OUTFILE COMMAND [ARGS...]; exits with the command's status.
 */
#include <stdio.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	struct rusage ru;
	pid_t pid;
	int status = 0;
	FILE *f;

	if (argc < 3) {
		fputs("usage: cpu_time OUTFILE COMMAND [ARGS...]\n", stderr);
		return 2;
	}
	if ((pid = fork()) < 0) {
		perror("cpu_time: fork");
		return 1;
	}
	if (pid == 0) {
		execvp(argv[2], argv + 2);
		perror("cpu_time: exec");
		_exit(127);
	}
	if (waitpid(pid, &status, 0) < 0 || getrusage(RUSAGE_CHILDREN, &ru) != 0) {
		perror("cpu_time");
		return 1;
	}
	if ((f = fopen(argv[1], "w")) == NULL) {
		perror(argv[1]);
		return 1;
	}
	fprintf(f, "%.6f\n", (double)(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) +
				 (double)(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6);
	fclose(f);
	return WIFEXITED(status) ? WEXITSTATUS(status) : 1;
}
