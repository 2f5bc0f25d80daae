/* SPDX-License-Identifier: MIT */
/*
 * interpose.c - libhotpath-io: read, write, send, recv and their kin, and
 * the stdio calls a program makes, each timed and counted per measured
 * function and kind of descriptor (docs/io.md).
 *
 * Linked into a program (-lhotpath-io) or preloaded (`hotpath run --io`),
 * these definitions come before glibc's; each calls glibc's own (found
 * with dlsym(RTLD_NEXT)), so results, errno and blocking are exactly
 * glibc's.  While a guard tracks I/O (HP__ON_IO), a call costs two clock
 * reads, a load from the descriptor cache and one payload pair in the
 * thread's buffer (core/io.h); otherwise one load and a test.
 *
 * The descriptor cache holds, per descriptor number, what fstat said it is
 * and the id of its name; it is filled on a descriptor's first recorded
 * call and forgotten when a call that closes or makes descriptors (close,
 * dup2, open, socket, accept, pipe, fopen, fclose, ...) returns.
 *
 * glibc's stdio calls its own write and read directly, not through these,
 * so stdio is counted where the program calls it: fwrite, fputs, printf,
 * ... with the bytes the program hands over and the time the call takes.
 */
#define _GNU_SOURCE
#include "config.h"

#include <arpa/inet.h>
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <sys/un.h>
#include <unistd.h>

#include "../../core/alloc.h"
#include "../../core/io.h"

#define IO_API __attribute__((visibility("default")))
#define IO_FDS 65536            /* descriptors cached; others are looked at each call */
#define IO_VALID 0x80000000u    /* a cache entry: IO_VALID | kind << 25 | name id */
#define IO_KIND(k) ((uint32_t)(k) << 25)
#define IO_DGRAM 0x10000000u    /* a datagram socket: rows per peer address */
#define IO_NAME 0x000fffffu     /* the name id bits, of an entry and of dt0 */
#define IO_PEERS 32             /* peer addresses cached per thread */

/* Makes -DHOTPATH_IO programs fail to link without this library. */
IO_API const int hp_io_linked = 1;

static uint32_t io_fds[IO_FDS];

/* glibc's functions, resolved once. */
#define IO_REALS(X)                                                                 \
	X(read, ssize_t, (int, void *, size_t))                                     \
	X(write, ssize_t, (int, const void *, size_t))                              \
	X(pread, ssize_t, (int, void *, size_t, off_t))                             \
	X(pwrite, ssize_t, (int, const void *, size_t, off_t))                      \
	X(pread64, ssize_t, (int, void *, size_t, off64_t))                         \
	X(pwrite64, ssize_t, (int, const void *, size_t, off64_t))                  \
	X(readv, ssize_t, (int, const struct iovec *, int))                         \
	X(writev, ssize_t, (int, const struct iovec *, int))                        \
	X(send, ssize_t, (int, const void *, size_t, int))                          \
	X(recv, ssize_t, (int, void *, size_t, int))                                \
	X(sendto, ssize_t, (int, const void *, size_t, int, const struct sockaddr *, \
			    socklen_t))                                             \
	X(recvfrom, ssize_t, (int, void *, size_t, int, struct sockaddr *, socklen_t *)) \
	X(sendmsg, ssize_t, (int, const struct msghdr *, int))                      \
	X(recvmsg, ssize_t, (int, struct msghdr *, int))                            \
	X(__read_chk, ssize_t, (int, void *, size_t, size_t))                       \
	X(__pread_chk, ssize_t, (int, void *, size_t, off_t, size_t))               \
	X(__pread64_chk, ssize_t, (int, void *, size_t, off64_t, size_t))           \
	X(__recv_chk, ssize_t, (int, void *, size_t, size_t, int))                  \
	X(__recvfrom_chk, ssize_t, (int, void *, size_t, size_t, int,               \
				    struct sockaddr *, socklen_t *))                \
	X(close, int, (int))                                                        \
	X(dup, int, (int))                                                          \
	X(dup2, int, (int, int))                                                    \
	X(dup3, int, (int, int, int))                                               \
	X(open, int, (const char *, int, ...))                                      \
	X(open64, int, (const char *, int, ...))                                    \
	X(openat, int, (int, const char *, int, ...))                               \
	X(openat64, int, (int, const char *, int, ...))                             \
	X(creat, int, (const char *, mode_t))                                       \
	X(socket, int, (int, int, int))                                             \
	X(socketpair, int, (int, int, int, int[2]))                                 \
	X(accept, int, (int, struct sockaddr *, socklen_t *))                       \
	X(accept4, int, (int, struct sockaddr *, socklen_t *, int))                 \
	X(pipe, int, (int[2]))                                                      \
	X(pipe2, int, (int[2], int))                                                \
	X(fopen, FILE *, (const char *, const char *))                              \
	X(fopen64, FILE *, (const char *, const char *))                            \
	X(freopen, FILE *, (const char *, const char *, FILE *))                    \
	X(fclose, int, (FILE *))                                                    \
	X(fread, size_t, (void *, size_t, size_t, FILE *))                          \
	X(fwrite, size_t, (const void *, size_t, size_t, FILE *))                   \
	X(fgets, char *, (char *, int, FILE *))                                     \
	X(fputs, int, (const char *, FILE *))                                       \
	X(puts, int, (const char *))                                                \
	X(fgetc, int, (FILE *))                                                     \
	X(getc, int, (FILE *))                                                      \
	X(getchar, int, (void))                                                     \
	X(fputc, int, (int, FILE *))                                                \
	X(putc, int, (int, FILE *))                                                 \
	X(putchar, int, (int))                                                      \
	X(vfprintf, int, (FILE *, const char *, va_list))                           \
	X(__vfprintf_chk, int, (FILE *, int, const char *, va_list))                \
	X(__fread_chk, size_t, (void *, size_t, size_t, size_t, FILE *))            \
	X(__fgets_chk, char *, (char *, size_t, int, FILE *))                       \
	X(getdelim, ssize_t, (char **, size_t *, int, FILE *))

/* glibc's checked forms (-D_FORTIFY_SOURCE), which its headers declare
 * only inline. */
ssize_t __read_chk(int, void *, size_t, size_t);
ssize_t __pread_chk(int, void *, size_t, off_t, size_t);
ssize_t __pread64_chk(int, void *, size_t, off64_t, size_t);
ssize_t __recv_chk(int, void *, size_t, size_t, int);
ssize_t __recvfrom_chk(int, void *, size_t, size_t, int, struct sockaddr *, socklen_t *);
size_t __fread_chk(void *, size_t, size_t, size_t, FILE *);
char *__fgets_chk(char *, size_t, int, FILE *);
int __vfprintf_chk(FILE *, int, const char *, va_list);
int __vprintf_chk(int, const char *, va_list);
int __fprintf_chk(FILE *, int, const char *, ...);
int __printf_chk(int, const char *, ...);

#define IO_PTR(name, ret, args) static ret(*real_##name) args;
IO_REALS(IO_PTR)
#undef IO_PTR

/* Finds glibc's functions (any thread; the values are the same for all). */
static void io_resolve(void)
{
#define IO_SYM(name, ret, args) \
	__atomic_store_n((void **)&real_##name, dlsym(RTLD_NEXT, #name), __ATOMIC_RELAXED);
	IO_REALS(IO_SYM)
#undef IO_SYM
}

/* The real function, resolved on the first call made before our
 * constructor ran (another library's constructor). */
#define REAL(name) (__builtin_expect(real_##name != NULL, 1) ? real_##name : \
		    (io_resolve(), real_##name))

__attribute__((constructor)) static void io_ctor(void)
{
	io_resolve();
	hp__io_attach();
}

/* ---- descriptors ------------------------------------------------------------ */

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
static int io_sockname(int fd, char *buf, size_t n)
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

/* What descriptor fd is, looked at once (fstat, and its name): a cache
 * entry.  A descriptor that is not open is not cached. */
static __attribute__((noinline)) uint32_t io_classify(int fd)
{
	struct stat st;
	char name[PATH_MAX + 16], link[64];
	unsigned kind = HP_IO_KIND_OTHER;
	uint32_t v, dgram = 0;
	ssize_t k;
	int e = errno;

	if (fd < 0 || fstat(fd, &st) != 0) {
		errno = e;
		return IO_VALID | IO_KIND(HP_IO_KIND_OTHER) | hp__io_name("(not open)");
	}
	if (S_ISREG(st.st_mode) || S_ISBLK(st.st_mode) || S_ISDIR(st.st_mode))
		kind = HP_IO_KIND_FILE;
	else if (S_ISFIFO(st.st_mode))
		kind = HP_IO_KIND_PIPE;
	else if (S_ISSOCK(st.st_mode))
		kind = HP_IO_KIND_SOCKET;
	else if (S_ISCHR(st.st_mode) && isatty(fd))
		kind = HP_IO_KIND_TTY;
	if (kind == HP_IO_KIND_SOCKET) {
		dgram = io_sockname(fd, name, sizeof(name)) == SOCK_DGRAM ? IO_DGRAM : 0;
	} else {
		snprintf(link, sizeof(link), "/proc/self/fd/%d", fd);
		if ((k = readlink(link, name, sizeof(name) - 1)) > 0)
			name[k] = '\0';
		else
			snprintf(name, sizeof(name), "fd %d", fd);
	}
	v = IO_VALID | IO_KIND(kind) | dgram | hp__io_name(name);
	if ((unsigned)fd < IO_FDS)
		__atomic_store_n(&io_fds[fd], v, __ATOMIC_RELAXED);
	errno = e;
	return v;
}

/* The cache entry of fd. */
static inline uint32_t io_fd(int fd)
{
	uint32_t v;

	if (__builtin_expect((unsigned)fd < IO_FDS, 1) &&
	    (v = __atomic_load_n(&io_fds[fd], __ATOMIC_RELAXED)) != 0)
		return v;
	return io_classify(fd);
}

/* Forgets what fd was: it was closed, or is new. */
static inline void io_forget(int fd)
{
	if ((unsigned)fd < IO_FDS)
		__atomic_store_n(&io_fds[fd], 0, __ATOMIC_RELAXED);
}

/* ---- recording -------------------------------------------------------------- */

/* The clock the fast path reads itself (hp__rt.tsc checked once, before
 * the call). */
#if defined(__x86_64__) || defined(__i386__)
#define IO_TICK() __builtin_ia32_rdtsc()
#else
#define IO_TICK() hp__now()
#endif

/* Whether this call is recorded: a guard tracks I/O and the thread is
 * not doing hotpath's own work. */
static inline bool io_on(void)
{
	return (__atomic_load_n(&hp__rt.on, __ATOMIC_RELAXED) & HP__ON_IO) &&
	       __builtin_expect(hp__atls.internal == 0, 1);
}

/* What a recorded call knows before it is made: its record's tag (high
 * half) and first word (low half), in one register across the call. */
static inline uint64_t io_begin(uint32_t v, unsigned op)
{
	const struct hp__atls *a = &hp__atls;
	uint32_t site = a->depth ? a->frames[a->depth - 1].site : 0;

	return (uint64_t)(site | (uint32_t)HP__EV_IO << HP__KIND_SHIFT) << 32 |
	       ((v & ~(IO_VALID | IO_DGRAM)) | (uint32_t)op << 20);
}

/* The pair when the chunk is full or the clock is not the TSC; errno kept
 * (the slow path may allocate). */
static __attribute__((noinline)) void io_end_slow(uint64_t pre, uint64_t t0, uint64_t ticks,
						  uint32_t dt0, uint32_t dt1)
{
	int e = errno;

	hp__io_emit_slow((uint32_t)(pre >> 32), t0, dt0, ticks, dt1);
	errno = e;
}

/* After the call, which began at t0 and ended at t1: one payload pair
 * (core/io.h).  r < 0: it failed with errno, which is left as it is.
 * Few branches: after a system call little is in the predictors. */
static inline void io_end(uint64_t pre, uint64_t t0, uint64_t t1, int64_t r)
{
	uint64_t ticks = (int64_t)(t1 - t0) < 0 ? 0 : t1 - t0; /* another core's clock */
	uint64_t b = r > 0 ? (uint64_t)r : 0;
	uint32_t dt0, dt1;
	struct hp__rec *p = hp__tls.pos;

	b = b > HPI_IO_BYTES_MAX ? HPI_IO_BYTES_MAX : b;
	dt0 = (uint32_t)pre | (uint32_t)(b >> 32) << 29;
	dt1 = (uint32_t)b;
	if (__builtin_expect(r < 0, 0)) {
		dt0 |= HPI_IO_FAILED;
		dt1 = (uint32_t)errno;
	}
	if (__builtin_expect(hp__tls.end - p < 2, 0)) {
		io_end_slow(pre, t0, ticks, dt0, dt1);
		return;
	}
	p[0].t = t0;
	p[0].site = (uint32_t)(pre >> 32);
	p[0].dt = dt0;
	p[1].t = ticks;
	p[1].site = 0;
	p[1].dt = dt1;
	__atomic_store_n(&hp__tls.pos, p + 2, __ATOMIC_RELEASE);
}

/* The body of a call on fd that returns r_ (type), result is r_'s count
 * of bytes or -1 when it failed; call is the real call's expression, fix a
 * statement run after it (v_: fd's cache entry, pre_: the record's words).
 * The clock is the TSC when hp__rt.tsc says so (the common case: no test
 * after the call), else hp__now(). */
#define IO_BODY_FIX(type, on, op, fd, call, result, fix)                        \
	do {                                                                     \
		uint64_t pre_, t0_, t1_;                                         \
		uint32_t v_;                                                     \
		type r_;                                                         \
		if (!(on))                                                       \
			return call;                                             \
		v_ = io_fd(fd);                                                  \
		pre_ = io_begin(v_, op);                                         \
		if (__builtin_expect(hp__rt.tsc != 0, 1)) {                      \
			t0_ = IO_TICK();                                         \
			r_ = call;                                               \
			t1_ = IO_TICK();                                         \
		} else {                                                         \
			t0_ = hp__now();                                         \
			r_ = call;                                               \
			t1_ = hp__now();                                         \
		}                                                                \
		fix;                                                             \
		io_end(pre_, t0_, t1_, result);                                  \
		return r_;                                                       \
	} while (0)
#define IO_BODY(type, on, op, fd, call, result) \
	IO_BODY_FIX(type, on, op, fd, call, result, (void)v_)

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

/* The body of a descriptor call: call is the real call's expression. */
#define IO_CALL(op, fd, call) IO_BODY(ssize_t, io_on(), op, fd, call, r_)

IO_API ssize_t read(int fd, void *buf, size_t n)
{
	IO_CALL(HP_IO_READ, fd, REAL(read)(fd, buf, n));
}

IO_API ssize_t write(int fd, const void *buf, size_t n)
{
	IO_CALL(HP_IO_WRITE, fd, REAL(write)(fd, buf, n));
}

IO_API ssize_t pread(int fd, void *buf, size_t n, off_t off)
{
	IO_CALL(HP_IO_PREAD, fd, REAL(pread)(fd, buf, n, off));
}

IO_API ssize_t pwrite(int fd, const void *buf, size_t n, off_t off)
{
	IO_CALL(HP_IO_PWRITE, fd, REAL(pwrite)(fd, buf, n, off));
}

IO_API ssize_t pread64(int fd, void *buf, size_t n, off64_t off)
{
	IO_CALL(HP_IO_PREAD, fd, REAL(pread64)(fd, buf, n, off));
}

IO_API ssize_t pwrite64(int fd, const void *buf, size_t n, off64_t off)
{
	IO_CALL(HP_IO_PWRITE, fd, REAL(pwrite64)(fd, buf, n, off));
}

IO_API ssize_t readv(int fd, const struct iovec *iov, int n)
{
	IO_CALL(HP_IO_READV, fd, REAL(readv)(fd, iov, n));
}

IO_API ssize_t writev(int fd, const struct iovec *iov, int n)
{
	IO_CALL(HP_IO_WRITEV, fd, REAL(writev)(fd, iov, n));
}

IO_API ssize_t send(int fd, const void *buf, size_t n, int flags)
{
	IO_CALL(HP_IO_SEND, fd, REAL(send)(fd, buf, n, flags));
}

IO_API ssize_t recv(int fd, void *buf, size_t n, int flags)
{
	IO_CALL(HP_IO_RECV, fd, REAL(recv)(fd, buf, n, flags));
}

/* Whether a receive filled in an address, and its length (at most what
 * there was room for). */
#define IO_FROM(r, from, fromlen) ((r) >= 0 && (from) != NULL && (fromlen) != NULL && *(fromlen) > 0)
#define IO_FROMLEN(fromlen, room) (*(fromlen) < (room) ? *(fromlen) : (room))

IO_API ssize_t sendto(int fd, const void *buf, size_t n, int flags, const struct sockaddr *to,
		      socklen_t tolen)
{
	IO_BODY_FIX(ssize_t, io_on(), HP_IO_SENDTO, fd, REAL(sendto)(fd, buf, n, flags, to, tolen),
		    r_, if (r_ >= 0) io_peer_set(&pre_, v_, to, tolen));
}

IO_API ssize_t recvfrom(int fd, void *buf, size_t n, int flags, struct sockaddr *from,
			socklen_t *fromlen)
{
	socklen_t room = fromlen != NULL ? *fromlen : 0;

	IO_BODY_FIX(ssize_t, io_on(), HP_IO_RECVFROM, fd,
		    REAL(recvfrom)(fd, buf, n, flags, from, fromlen), r_,
		    if (IO_FROM(r_, from, fromlen))
			    io_peer_set(&pre_, v_, from, IO_FROMLEN(fromlen, room)));
}

IO_API ssize_t sendmsg(int fd, const struct msghdr *m, int flags)
{
	IO_BODY_FIX(ssize_t, io_on(), HP_IO_SENDMSG, fd, REAL(sendmsg)(fd, m, flags), r_,
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

/* -D_FORTIFY_SOURCE's checked forms of the reads. */
IO_API ssize_t __read_chk(int fd, void *buf, size_t n, size_t buflen)
{
	IO_CALL(HP_IO_READ, fd, REAL(__read_chk)(fd, buf, n, buflen));
}

IO_API ssize_t __pread_chk(int fd, void *buf, size_t n, off_t off, size_t buflen)
{
	IO_CALL(HP_IO_PREAD, fd, REAL(__pread_chk)(fd, buf, n, off, buflen));
}

IO_API ssize_t __pread64_chk(int fd, void *buf, size_t n, off64_t off, size_t buflen)
{
	IO_CALL(HP_IO_PREAD, fd, REAL(__pread64_chk)(fd, buf, n, off, buflen));
}

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

/* ---- calls that close or make descriptors: the cache forgets ------------------ */

IO_API int close(int fd)
{
	int r = REAL(close)(fd), e = errno;

	io_forget(fd);
	errno = e;
	return r;
}

IO_API int dup(int fd)
{
	int r = REAL(dup)(fd);

	io_forget(r);
	return r;
}

IO_API int dup2(int fd, int to)
{
	int r = REAL(dup2)(fd, to);

	io_forget(to);
	return r;
}

IO_API int dup3(int fd, int to, int flags)
{
	int r = REAL(dup3)(fd, to, flags);

	io_forget(to);
	return r;
}

/* open's mode, which is there only with O_CREAT or O_TMPFILE. */
#define IO_MODE(flags, last)                                                 \
	mode_t mode = 0;                                                     \
	if (((flags) & O_CREAT) || ((flags) & O_TMPFILE) == O_TMPFILE) {     \
		va_list ap;                                                  \
		va_start(ap, last);                                          \
		mode = (mode_t)va_arg(ap, unsigned int);                     \
		va_end(ap);                                                  \
	}

IO_API int open(const char *path, int flags, ...)
{
	IO_MODE(flags, flags);
	int r = REAL(open)(path, flags, mode);

	io_forget(r);
	return r;
}

IO_API int open64(const char *path, int flags, ...)
{
	IO_MODE(flags, flags);
	int r = REAL(open64)(path, flags, mode);

	io_forget(r);
	return r;
}

IO_API int openat(int dir, const char *path, int flags, ...)
{
	IO_MODE(flags, flags);
	int r = REAL(openat)(dir, path, flags, mode);

	io_forget(r);
	return r;
}

IO_API int openat64(int dir, const char *path, int flags, ...)
{
	IO_MODE(flags, flags);
	int r = REAL(openat64)(dir, path, flags, mode);

	io_forget(r);
	return r;
}

IO_API int creat(const char *path, mode_t mode)
{
	int r = REAL(creat)(path, mode);

	io_forget(r);
	return r;
}

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

IO_API int pipe(int fds[2])
{
	int r = REAL(pipe)(fds);

	if (r == 0)
		io_forget(fds[0]), io_forget(fds[1]);
	return r;
}

IO_API int pipe2(int fds[2], int flags)
{
	int r = REAL(pipe2)(fds, flags);

	if (r == 0)
		io_forget(fds[0]), io_forget(fds[1]);
	return r;
}

/* The descriptor under a stream, or -1 (fmemopen, open_memstream). */
static inline int io_fileno(FILE *f)
{
	return f != NULL ? fileno_unlocked(f) : -1;
}

IO_API FILE *fopen(const char *path, const char *mode)
{
	FILE *f = REAL(fopen)(path, mode);

	io_forget(io_fileno(f));
	return f;
}

IO_API FILE *fopen64(const char *path, const char *mode)
{
	FILE *f = REAL(fopen64)(path, mode);

	io_forget(io_fileno(f));
	return f;
}

IO_API FILE *freopen(const char *path, const char *mode, FILE *old)
{
	int fd = io_fileno(old);
	FILE *f = REAL(freopen)(path, mode, old);

	io_forget(fd);
	io_forget(io_fileno(f));
	return f;
}

IO_API int fclose(FILE *f)
{
	int fd = io_fileno(f), r = REAL(fclose)(f), e = errno;

	io_forget(fd);
	errno = e;
	return r;
}

/* ---- stdio: counted where the program calls it ------------------------------ */

/* The body of a stdio call on stream f: call is the real call, bytes the
 * bytes it moved given its result r_, failed whether it failed.  Not
 * recorded with collectors.io.stdio off. */
#define IO_STDIO(type, op, f, call, bytes, failed)                                 \
	IO_BODY(type, io_on() && __atomic_load_n(&hp__io_stdio, __ATOMIC_RELAXED), op, \
		io_fileno(f), call, (failed) ? -1 : (int64_t)(bytes))

/* A stream's error flag: a short result is a failure only with it. */
#define IO_FERR(f) ((f) != NULL && ferror_unlocked(f))

IO_API size_t fread(void *buf, size_t size, size_t n, FILE *f)
{
	IO_STDIO(size_t, HP_IO_FREAD, f, REAL(fread)(buf, size, n, f), r_ * size,
		 r_ == 0 && n > 0 && size > 0 && IO_FERR(f));
}

IO_API size_t __fread_chk(void *buf, size_t buflen, size_t size, size_t n, FILE *f)
{
	IO_STDIO(size_t, HP_IO_FREAD, f, REAL(__fread_chk)(buf, buflen, size, n, f), r_ * size,
		 r_ == 0 && n > 0 && size > 0 && IO_FERR(f));
}

IO_API size_t fwrite(const void *buf, size_t size, size_t n, FILE *f)
{
	IO_STDIO(size_t, HP_IO_FWRITE, f, REAL(fwrite)(buf, size, n, f), r_ * size,
		 r_ < n && size > 0);
}

IO_API char *fgets(char *s, int n, FILE *f)
{
	IO_STDIO(char *, HP_IO_FGETS, f, REAL(fgets)(s, n, f), r_ ? strlen(r_) : 0,
		 r_ == NULL && IO_FERR(f));
}

IO_API char *__fgets_chk(char *s, size_t size, int n, FILE *f)
{
	IO_STDIO(char *, HP_IO_FGETS, f, REAL(__fgets_chk)(s, size, n, f), r_ ? strlen(r_) : 0,
		 r_ == NULL && IO_FERR(f));
}

IO_API int fputs(const char *s, FILE *f)
{
	IO_STDIO(int, HP_IO_FPUTS, f, REAL(fputs)(s, f), strlen(s), r_ == EOF);
}

IO_API int puts(const char *s)
{
	IO_STDIO(int, HP_IO_FPUTS, stdout, REAL(puts)(s), strlen(s) + 1, r_ == EOF);
}

IO_API int fgetc(FILE *f)
{
	IO_STDIO(int, HP_IO_FGETC, f, REAL(fgetc)(f), r_ != EOF, r_ == EOF && IO_FERR(f));
}

IO_API int getc(FILE *f)
{
	IO_STDIO(int, HP_IO_FGETC, f, REAL(getc)(f), r_ != EOF, r_ == EOF && IO_FERR(f));
}

IO_API int getchar(void)
{
	IO_STDIO(int, HP_IO_FGETC, stdin, REAL(getchar)(), r_ != EOF,
		 r_ == EOF && IO_FERR(stdin));
}

IO_API int fputc(int c, FILE *f)
{
	IO_STDIO(int, HP_IO_FPUTC, f, REAL(fputc)(c, f), 1, r_ == EOF);
}

IO_API int putc(int c, FILE *f)
{
	IO_STDIO(int, HP_IO_FPUTC, f, REAL(putc)(c, f), 1, r_ == EOF);
}

IO_API int putchar(int c)
{
	IO_STDIO(int, HP_IO_FPUTC, stdout, REAL(putchar)(c), 1, r_ == EOF);
}

IO_API ssize_t getdelim(char **line, size_t *n, int delim, FILE *f)
{
	IO_STDIO(ssize_t, HP_IO_GETLINE, f, REAL(getdelim)(line, n, delim, f), r_ > 0 ? r_ : 0,
		 r_ < 0 && IO_FERR(f));
}

IO_API ssize_t getline(char **line, size_t *n, FILE *f)
{
	IO_STDIO(ssize_t, HP_IO_GETLINE, f, REAL(getdelim)(line, n, '\n', f), r_ > 0 ? r_ : 0,
		 r_ < 0 && IO_FERR(f));
}

/* The printf family, all through glibc's vfprintf (or its checked form). */
IO_API int vfprintf(FILE *f, const char *fmt, va_list ap)
{
	IO_STDIO(int, HP_IO_FPRINTF, f, REAL(vfprintf)(f, fmt, ap), r_, r_ < 0);
}

IO_API int vprintf(const char *fmt, va_list ap)
{
	IO_STDIO(int, HP_IO_FPRINTF, stdout, REAL(vfprintf)(stdout, fmt, ap), r_, r_ < 0);
}

IO_API int fprintf(FILE *f, const char *fmt, ...)
{
	va_list ap;
	int r;

	va_start(ap, fmt);
	r = vfprintf(f, fmt, ap);
	va_end(ap);
	return r;
}

IO_API int printf(const char *fmt, ...)
{
	va_list ap;
	int r;

	va_start(ap, fmt);
	r = vfprintf(stdout, fmt, ap);
	va_end(ap);
	return r;
}

IO_API int __vfprintf_chk(FILE *f, int flag, const char *fmt, va_list ap)
{
	IO_STDIO(int, HP_IO_FPRINTF, f, REAL(__vfprintf_chk)(f, flag, fmt, ap), r_, r_ < 0);
}

IO_API int __vprintf_chk(int flag, const char *fmt, va_list ap)
{
	return __vfprintf_chk(stdout, flag, fmt, ap);
}

IO_API int __fprintf_chk(FILE *f, int flag, const char *fmt, ...)
{
	va_list ap;
	int r;

	va_start(ap, fmt);
	r = __vfprintf_chk(f, flag, fmt, ap);
	va_end(ap);
	return r;
}

IO_API int __printf_chk(int flag, const char *fmt, ...)
{
	va_list ap;
	int r;

	va_start(ap, fmt);
	r = __vfprintf_chk(stdout, flag, fmt, ap);
	va_end(ap);
	return r;
}
