/* SPDX-License-Identifier: MIT */
/*
 * io.c - I/O with known bytes (docs/io.md): THREADS threads each write N
 * blocks of 1000 bytes to a file of their own, pass N messages of 100
 * bytes through a pipe, and N of 64 bytes over a socketpair (send/recv,
 * then writev/readv of 2 x 32); one call that fails (EBADF) per thread;
 * and a line on stdout.
 *
 *   ./io [THREADS [N]]        (default 4 and 1000)
 *
 * With libhotpath-io (./io_linked, or `hotpath run --io -- ./io`) the
 * report's I/O table has, per thread count T: io::to_file 1000*N*T bytes
 * written to files, io::through_pipe 100*N*T written and read on pipes,
 * io::over_socket 128*N*T written and read on sockets.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

#include <hotpath.h>

static int n_calls = 1000;
static const char *dir = ".";

/* N blocks of 1000 bytes to a file of this thread's, then removed. */
static void to_file(int id)
{
	HP_MEASURE();
	char path[4096], buf[1000];
	int fd;

	memset(buf, 'f', sizeof(buf));
	snprintf(path, sizeof(path), "%s/io-example-%d-%d.tmp", dir, (int)getpid(), id);
	if ((fd = open(path, O_CREAT | O_TRUNC | O_WRONLY, 0600)) < 0) {
		perror(path);
		exit(1);
	}
	for (int i = 0; i < n_calls; i++)
		if (write(fd, buf, sizeof(buf)) != (ssize_t)sizeof(buf))
			exit(1);
	close(fd);
	unlink(path);
}

/* N messages of 100 bytes through a pipe: written, then read back. */
static void through_pipe(void)
{
	HP_MEASURE();
	char buf[100];
	int p[2];

	if (pipe(p) != 0)
		exit(1);
	memset(buf, 'p', sizeof(buf));
	for (int i = 0; i < n_calls; i++)
		if (write(p[1], buf, sizeof(buf)) != 100 || read(p[0], buf, sizeof(buf)) != 100)
			exit(1);
	close(p[0]);
	close(p[1]);
}

/* N messages of 64 bytes over a socketpair, half with send/recv, half
 * with writev/readv of two 32-byte pieces. */
static void over_socket(void)
{
	HP_MEASURE();
	char a[32], b[32], buf[64];
	struct iovec out[2] = {{a, 32}, {b, 32}}, in[2] = {{a, 32}, {b, 32}};
	int s[2];

	if (socketpair(AF_UNIX, SOCK_STREAM, 0, s) != 0)
		exit(1);
	memset(buf, 's', sizeof(buf));
	for (int i = 0; i < n_calls; i++) {
		if (i % 2 == 0) {
			if (send(s[0], buf, 64, 0) != 64 || recv(s[1], buf, 64, MSG_WAITALL) != 64)
				exit(1);
		} else if (writev(s[0], out, 2) != 64 || readv(s[1], in, 2) != 64) {
			exit(1);
		}
	}
	close(s[0]);
	close(s[1]);
}

/* A read of a descriptor that is not open: EBADF. */
static void bad_read(void)
{
	HP_MEASURE();
	char c;

	if (read(-1, &c, 1) != -1 || errno != EBADF)
		exit(1);
}

static void *worker(void *arg)
{
	int id = (int)(long)arg;

	to_file(id);
	through_pipe();
	over_socket();
	bad_read();
	return NULL;
}

int main(int argc, char **argv)
{
	HP_MAIN();
	int threads = argc > 1 ? atoi(argv[1]) : 4;
	pthread_t t[64];

	if (argc > 2)
		n_calls = atoi(argv[2]);
	if (getenv("TMPDIR") != NULL)
		dir = getenv("TMPDIR");
	if (threads < 1 || threads > 64 || n_calls < 1) {
		fprintf(stderr, "usage: io [THREADS (1-64) [N]]\n");
		return 2;
	}
	for (long i = 0; i < threads; i++)
		pthread_create(&t[i], NULL, worker, (void *)i);
	for (int i = 0; i < threads; i++)
		pthread_join(t[i], NULL);
	printf("io: %d threads, %d calls each\n", threads, n_calls);
	return 0;
}
