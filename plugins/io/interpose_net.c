/* SPDX-License-Identifier: MIT */
/*
 * interpose_net.c - libhotpath-io's sockets (interpose.c has the rest):
 * a socket's name for its row ("tcp 127.0.0.1:80", "udp [::1]:53",
 * "unix /run/x.sock"), the peers of datagram sockets (one row per peer
 * address, cached per thread), and send, recv and their kin, timed and
 * counted as interpose.c's calls are; socket, socketpair and accept make
 * descriptors, so the cache forgets them.  docs/io.md.
 */
#define _GNU_SOURCE
#include "config.h"

#include "interpose.h"

#define IO_PEERS 32             /* peer addresses cached per thread */

/* ---- socket names ------------------------------------------------------------ */

/* "tcp 127.0.0.1:80", "udp [::1]:53", "unix /run/x.sock"; false for an
 * address with nothing to show (an unnamed unix socket). */
static bool io_addr(const struct sockaddr_storage *ss, socklen_t len, const char *proto,
		    char *buf, size_t n)
{
	char a[INET6_ADDRSTRLEN];

	if (ss->ss_family == AF_INET) {
		const struct sockaddr_in *s = (const void *)ss;
		inet_ntop(AF_INET, &s->sin_addr, a, sizeof(a));
		snprintf(buf, n, "%s %s:%u", proto, a, ntohs(s->sin_port));
		return true;
	}
	if (ss->ss_family == AF_INET6) {
		const struct sockaddr_in6 *s = (const void *)ss;
		inet_ntop(AF_INET6, &s->sin6_addr, a, sizeof(a));
		snprintf(buf, n, "%s [%s]:%u", proto, a, ntohs(s->sin6_port));
		return true;
	}
	if (ss->ss_family == AF_UNIX && len > offsetof(struct sockaddr_un, sun_path) + 1) {
		const struct sockaddr_un *s = (const void *)ss;
		int plen = (int)(len - offsetof(struct sockaddr_un, sun_path));
		if (s->sun_path[0] == '\0') /* abstract */
			snprintf(buf, n, "unix @%.*s", plen - 1, s->sun_path + 1);
		else
			snprintf(buf, n, "unix %.*s", (int)strnlen(s->sun_path, (size_t)plen),
				 s->sun_path);
		return true;
	}
	return false;
}

/* A socket's name: its peer, else its own address, else "unix socket:[N]".
 * Returns its type (SOCK_STREAM, SOCK_DGRAM, ...). */
int hpi_io_sockname(int fd, char *buf, size_t n)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss), tl = sizeof(int);
	int type = 0;
	const char *proto;
	char link[64];
	ssize_t k;

	getsockopt(fd, SOL_SOCKET, SO_TYPE, &type, &tl);
	proto = type == SOCK_STREAM ? "tcp" : type == SOCK_DGRAM ? "udp" : "socket";
	memset(&ss, 0, sizeof(ss));
	if (getpeername(fd, (struct sockaddr *)&ss, &len) == 0 &&
	    io_addr(&ss, len, ss.ss_family == AF_UNIX ? "unix" : proto, buf, n))
		return type;
	len = sizeof(ss);
	memset(&ss, 0, sizeof(ss));
	if (getsockname(fd, (struct sockaddr *)&ss, &len) == 0 && ss.ss_family != AF_UNIX &&
	    io_addr(&ss, len, ss.ss_family == AF_INET || ss.ss_family == AF_INET6 ? proto : "socket",
		    buf, n)) {
		size_t l = strlen(buf);
		snprintf(buf + l, n - l, " (local)");
		return type;
	}
	snprintf(link, sizeof(link), "/proc/self/fd/%d", fd);
	if ((k = readlink(link, buf + 5, n - 6)) > 0) {
		memcpy(buf, "unix ", 5);
		buf[5 + k] = '\0';
	} else
		snprintf(buf, n, "socket");
	return type;
}

/* ---- datagram peers ---------------------------------------------------------- */

/* A peer address seen by this thread, and its name's id. */
typedef struct io_peer {
	uint64_t k0, k1, k2; /* family and port, address (a unix path's hashes) */
	uint32_t id;
} io_peer;

static __thread io_peer io_peers[IO_PEERS] __attribute__((tls_model("initial-exec")));

/* FNV-1a of n bytes from seed. */
static uint64_t io_fnv(const void *p, size_t n, uint64_t seed)
{
	const unsigned char *c = p;
	uint64_t h = seed;

	for (size_t i = 0; i < n; i++)
		h = (h ^ c[i]) * 0x100000001b3u;
	return h;
}

/* First sight of a peer on this thread: its name, interned. */
static __attribute__((noinline)) uint32_t io_peer_new(io_peer *e, const struct sockaddr *sa,
						      socklen_t len, const uint64_t k[3])
{
	struct sockaddr_storage ss;
	char name[sizeof(ss) + 32];
	int er = errno;
	uint32_t id = 0;

	memset(&ss, 0, sizeof(ss));
	memcpy(&ss, sa, len < sizeof(ss) ? len : sizeof(ss));
	if (io_addr(&ss, len < sizeof(ss) ? len : sizeof(ss),
		    sa->sa_family == AF_UNIX ? "unix" : "udp", name, sizeof(name)))
		id = hp__io_name(name);
	if (id != 0) {
		e->k0 = k[0];
		e->k1 = k[1];
		e->k2 = k[2];
		e->id = id;
	}
	errno = er;
	return id;
}

/* The name id of the datagram peer at sa (len bytes), or 0: keep the
 * socket's own name (no address, or one that names nothing). */
static uint32_t io_peer_id(const struct sockaddr *sa, socklen_t len)
{
	uint64_t k[3] = {0, 0, 0};
	io_peer *e;

	if (sa == NULL || len < sizeof(sa_family_t))
		return 0;
	if (sa->sa_family == AF_INET && len >= sizeof(struct sockaddr_in)) {
		const struct sockaddr_in *s = (const void *)sa;
		k[0] = AF_INET | (uint64_t)s->sin_port << 16;
		memcpy(&k[1], &s->sin_addr, sizeof(s->sin_addr));
	} else if (sa->sa_family == AF_INET6 && len >= sizeof(struct sockaddr_in6)) {
		const struct sockaddr_in6 *s = (const void *)sa;
		k[0] = AF_INET6 | (uint64_t)s->sin6_port << 16;
		memcpy(k + 1, &s->sin6_addr, sizeof(s->sin6_addr));
	} else if (sa->sa_family == AF_UNIX && len > offsetof(struct sockaddr_un, sun_path) + 1) {
		const struct sockaddr_un *s = (const void *)sa;
		size_t n = len - offsetof(struct sockaddr_un, sun_path);
		if (n > sizeof(s->sun_path))
			n = sizeof(s->sun_path);
		k[0] = AF_UNIX | (uint64_t)n << 16;
		k[1] = io_fnv(s->sun_path, n, 0xcbf29ce484222325u);
		k[2] = io_fnv(s->sun_path, n, 0x84222325cbf29ce4u);
	} else
		return 0;
	e = &io_peers[((k[0] ^ k[1] ^ k[2]) * 0x9e3779b97f4a7c15u) >> 59];
	if (e->id != 0 && e->k0 == k[0] && e->k1 == k[1] && e->k2 == k[2])
		return e->id;
	return io_peer_new(e, sa, len, k);
}

/* A datagram socket's call names the peer at sa: its row is that peer's. */
static inline void io_peer_set(uint64_t *pre, uint32_t v, const struct sockaddr *sa,
			       socklen_t len)
{
	uint32_t id;

	if ((v & IO_DGRAM) && sa != NULL && (id = io_peer_id(sa, len)) != 0)
		*pre = (*pre & ~(uint64_t)IO_NAME) | id;
}

/* ---- socket calls ------------------------------------------------------------ */

IO_API ssize_t send(int fd, const void *buf, size_t n, int flags)
{
	IO_SYSCALL(send, HP_IO_SEND, fd, REAL(send)(fd, buf, n, flags), SYS_sendto, fd, buf, n, flags,
		   NULL, 0);
}

IO_API ssize_t recv(int fd, void *buf, size_t n, int flags)
{
	IO_SYSCALL(recv, HP_IO_RECV, fd, REAL(recv)(fd, buf, n, flags), SYS_recvfrom, fd, buf, n, flags,
		   NULL, NULL);
}

/* Whether a receive filled in an address, and its length (at most what
 * there was room for). */
#define IO_FROM(r, from, fromlen) ((r) >= 0 && (from) != NULL && (fromlen) != NULL && *(fromlen) > 0)
#define IO_FROMLEN(fromlen, room) (*(fromlen) < (room) ? *(fromlen) : (room))

IO_API ssize_t sendto(int fd, const void *buf, size_t n, int flags, const struct sockaddr *to,
		      socklen_t tolen)
{
	IO_BODY_RAW(ssize_t, io_on(), HP_IO_SENDTO, fd, REAL(sendto)(fd, buf, n, flags, to, tolen),
		    IO_RAWCALL(sendto, REAL(sendto)(fd, buf, n, flags, to, tolen), SYS_sendto, fd,
			       buf, n, flags, to, tolen),
		    r_, if (r_ >= 0) io_peer_set(&pre_, v_, to, tolen));
}

IO_API ssize_t recvfrom(int fd, void *buf, size_t n, int flags, struct sockaddr *from,
			socklen_t *fromlen)
{
	socklen_t room = fromlen != NULL ? *fromlen : 0;

	IO_BODY_RAW(ssize_t, io_on(), HP_IO_RECVFROM, fd,
		    REAL(recvfrom)(fd, buf, n, flags, from, fromlen),
		    IO_RAWCALL(recvfrom, REAL(recvfrom)(fd, buf, n, flags, from, fromlen),
			       SYS_recvfrom, fd, buf, n, flags, from, fromlen), r_,
		    if (IO_FROM(r_, from, fromlen))
			    io_peer_set(&pre_, v_, from, IO_FROMLEN(fromlen, room)));
}

IO_API ssize_t sendmsg(int fd, const struct msghdr *m, int flags)
{
	IO_BODY_RAW(ssize_t, io_on(), HP_IO_SENDMSG, fd, REAL(sendmsg)(fd, m, flags),
		    IO_RAWCALL(sendmsg, REAL(sendmsg)(fd, m, flags), SYS_sendmsg, fd, m, flags, 0, 0,
			       0), r_,
		    if (r_ >= 0 && m != NULL)
			    io_peer_set(&pre_, v_, m->msg_name, m->msg_namelen));
}

IO_API ssize_t recvmsg(int fd, struct msghdr *m, int flags)
{
	socklen_t room = m != NULL ? m->msg_namelen : 0;

	IO_BODY_FIX(ssize_t, io_on(), HP_IO_RECVMSG, fd, REAL(recvmsg)(fd, m, flags), r_,
		    if (r_ >= 0 && m != NULL && m->msg_namelen > 0)
			    io_peer_set(&pre_, v_, m->msg_name,
					m->msg_namelen < room ? m->msg_namelen : room));
}

/* -D_FORTIFY_SOURCE's checked forms of the receives. */
IO_API ssize_t __recv_chk(int fd, void *buf, size_t n, size_t buflen, int flags)
{
	IO_CALL(HP_IO_RECV, fd, REAL(__recv_chk)(fd, buf, n, buflen, flags));
}

IO_API ssize_t __recvfrom_chk(int fd, void *buf, size_t n, size_t buflen, int flags,
			      struct sockaddr *from, socklen_t *fromlen)
{
	socklen_t room = fromlen != NULL ? *fromlen : 0;

	IO_BODY_FIX(ssize_t, io_on(), HP_IO_RECVFROM, fd,
		    REAL(__recvfrom_chk)(fd, buf, n, buflen, flags, from, fromlen), r_,
		    if (IO_FROM(r_, from, fromlen))
			    io_peer_set(&pre_, v_, from, IO_FROMLEN(fromlen, room)));
}

/* Calls that make socket descriptors: the cache forgets them. */

IO_API int socket(int domain, int type, int proto)
{
	int r = REAL(socket)(domain, type, proto);

	io_forget(r);
	return r;
}

IO_API int socketpair(int domain, int type, int proto, int sv[2])
{
	int r = REAL(socketpair)(domain, type, proto, sv);

	if (r == 0)
		io_forget(sv[0]), io_forget(sv[1]);
	return r;
}

IO_API int accept(int fd, struct sockaddr *addr, socklen_t *len)
{
	int r = REAL(accept)(fd, addr, len);

	io_forget(r);
	return r;
}

IO_API int accept4(int fd, struct sockaddr *addr, socklen_t *len, int flags)
{
	int r = REAL(accept4)(fd, addr, len, flags);

	io_forget(r);
	return r;
}
