/* SPDX-License-Identifier: MIT */
/*
 * hotpath/ipc.h - channel probes on the queues C programs already use:
 * POSIX message queues, and pipes or socketpairs carrying length-prefixed
 * messages.  Each call is the plain one plus the probe's send or receive
 * (docs/channels.md); without -DHOTPATH only the plain call remains.
 *
 * Neither queue carries hotpath's sequence number, so receives are matched
 * to sends in FIFO order (hp_channel_received_fifo): exact with one
 * producer and one priority.  Not included by hotpath.h; needs POSIX 2008.
 */
#ifndef HOTPATH_IPC_H
#define HOTPATH_IPC_H

#include <errno.h>
#include <mqueue.h>
#include <stdint.h>
#include <sys/types.h>
#include <unistd.h>

#include <hotpath.h>

#ifdef __cplusplus
extern "C" {
#endif

/* mq_send, counted as a send of len bytes. */
static inline HP_SKIP int hp_mq_send(hp_channel_probe *p, mqd_t q, const char *msg, size_t len,
			     unsigned prio)
{
	int rv = mq_send(q, msg, len, prio);

	if (rv == 0)
		hp_channel_sent(p, msg, len);
	(void)p;
	return rv;
}

/* mq_timedsend, counted as a send. */
static inline HP_SKIP int hp_mq_timedsend(hp_channel_probe *p, mqd_t q, const char *msg, size_t len,
				  unsigned prio, const struct timespec *abs)
{
	int rv = mq_timedsend(q, msg, len, prio, abs);

	if (rv == 0)
		hp_channel_sent(p, msg, len);
	(void)p;
	return rv;
}

/* mq_receive, counted as a receive. */
static inline HP_SKIP ssize_t hp_mq_receive(hp_channel_probe *p, mqd_t q, char *buf, size_t len,
				    unsigned *prio)
{
	ssize_t n = mq_receive(q, buf, len, prio);

	if (n >= 0)
		hp_channel_received_fifo(p, (size_t)n);
	(void)p;
	return n;
}

/* mq_timedreceive, counted as a receive. */
static inline HP_SKIP ssize_t hp_mq_timedreceive(hp_channel_probe *p, mqd_t q, char *buf, size_t len,
					 unsigned *prio, const struct timespec *abs)
{
	ssize_t n = mq_timedreceive(q, buf, len, prio, abs);

	if (n >= 0)
		hp_channel_received_fifo(p, (size_t)n);
	(void)p;
	return n;
}

/* Writes all of n bytes, retrying after EINTR and short writes. */
static inline HP_SKIP int hp__write_all(int fd, const void *buf, size_t n)
{
	const char *b = (const char *)buf;

	while (n > 0) {
		ssize_t w = write(fd, b, n);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return -1;
		b += w;
		n -= (size_t)w;
	}
	return 0;
}

/* Reads exactly n bytes: 0, 1 at end of file before the first byte, -1. */
static inline HP_SKIP int hp__read_all(int fd, void *buf, size_t n)
{
	char *b = (char *)buf;
	size_t got = 0;

	while (got < n) {
		ssize_t r = read(fd, b + got, n - got);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return -1;
		if (r == 0) {
			if (got == 0)
				return 1;
			errno = EPROTO; /* the writer stopped inside a message */
			return -1;
		}
		got += (size_t)r;
	}
	return 0;
}

/* Writes one message: its length (uint32_t, host order), then its bytes.
 * 0, or -1 with errno (EMSGSIZE above 4 GiB). */
static inline HP_SKIP int hp_msg_write(hp_channel_probe *p, int fd, const void *msg, size_t len)
{
	uint32_t n = (uint32_t)len;

	if (len > UINT32_MAX) {
		errno = EMSGSIZE;
		return -1;
	}
	if (hp__write_all(fd, &n, sizeof(n)) != 0 || hp__write_all(fd, msg, len) != 0)
		return -1;
	hp_channel_sent(p, msg, len);
	(void)p;
	return 0;
}

/* Reads one message into buf (cap bytes), its length into *len.  0, 1 at
 * end of file (the probe's channel is then closed), or -1 with errno
 * (EMSGSIZE: the message was longer than cap and has been skipped). */
static inline HP_SKIP int hp_msg_read(hp_channel_probe *p, int fd, void *buf, size_t cap, size_t *len)
{
	uint32_t n;
	int rv;

	if ((rv = hp__read_all(fd, &n, sizeof(n))) != 0) {
		if (rv == 1)
			hp_channel_closed(p);
		(void)p;
		return rv;
	}
	if (n > cap) {
		char skip[256];
		for (uint32_t left = n; left > 0;) {
			size_t k = left < sizeof(skip) ? left : sizeof(skip);
			if (hp__read_all(fd, skip, k) != 0)
				return -1;
			left -= (uint32_t)k;
		}
		hp_channel_received_fifo(p, n);
		errno = EMSGSIZE;
		return -1;
	}
	if ((rv = hp__read_all(fd, buf, n)) != 0) {
		if (rv == 1)
			errno = EPROTO; /* the writer stopped inside a message */
		return -1;
	}
	*len = n;
	hp_channel_received_fifo(p, n);
	return 0;
}

#ifdef __cplusplus
}
#endif

#endif /* HOTPATH_IPC_H */
