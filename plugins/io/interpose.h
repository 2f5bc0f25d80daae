/* SPDX-License-Identifier: MIT */
/*
 * interpose.h - what libhotpath-io's two files share: interpose.c (the
 * descriptor cache, glibc's functions, file, pipe and stdio calls) and
 * interpose_net.c (socket names, datagram peers and the socket calls).
 * The recording fast path is here, inline, so that every wrapper of
 * either file compiles to the same code as before.  Not a plugin header:
 * the interposer is libhotpath's own (core/io.h).
 */
#ifndef HOTPATH_PLUGINS_IO_INTERPOSE_H
#define HOTPATH_PLUGINS_IO_INTERPOSE_H

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
#define IO_HIDDEN __attribute__((visibility("hidden"))) /* shared by the two files only */

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

/* interpose.c: glibc's functions, resolved once (hpi_io_resolve). */
#define IO_PTR(name, ret, args) extern IO_HIDDEN ret(*hpi_io_real_##name) args;
IO_REALS(IO_PTR)
#undef IO_PTR

/* Finds glibc's functions (any thread; the values are the same for all). */
IO_HIDDEN void hpi_io_resolve(void);

/* The real function, resolved on the first call made before our
 * constructor ran (another library's constructor). */
#define REAL(name) (__builtin_expect(hpi_io_real_##name != NULL, 1) ? hpi_io_real_##name : \
		    (hpi_io_resolve(), hpi_io_real_##name))

/* ---- the raw path: the system call made by the wrapper itself ----------------- */

/* On this kernel and processor (docs/io.md, Cost) every return after a
 * system call is mispredicted: glibc's own, and a wrapper's after it, one
 * more.  So where the next write (read, send, ...) is glibc 2.36's own, a
 * tracked call makes the system call itself, as glibc's function does
 * (checked against its code): with the process single-threaded
 * (__libc_single_threaded, which glibc tests, and which pthread_cancel
 * on itself clears) the bare system call; otherwise a cancellation point,
 * the thread switched to asynchronous cancellation around it and back.
 * A result of -4095..-1 sets errno and returns -1.  Elsewhere (another
 * interposer next, another C library or version, not x86-64) the wrapper
 * calls the next function. */
#ifndef IO_RAW
#if defined(__x86_64__) && defined(__GLIBC__) && defined(__has_include)
#if __has_include(<sys/single_threaded.h>)
#define IO_RAW 1
#endif
#endif
#endif
#ifndef IO_RAW
#define IO_RAW 0
#endif

/* The calls that can take it; recvmsg (which converts its result) and the
 * _chk forms always call glibc's. */
#define IO_RAWS(X)                                                                  \
	X(read) X(write) X(pread) X(pwrite) X(pread64) X(pwrite64) X(readv) X(writev) \
	X(send) X(recv) X(sendto) X(recvfrom) X(sendmsg)
#define IO_RAW_ENUM(name) IO_RAW_##name,
enum { IO_RAWS(IO_RAW_ENUM) IO_RAW_N };
#undef IO_RAW_ENUM

/* interpose.c: bit IO_RAW_name set when name's tracked call takes the raw
 * path (hpi_io_resolve). */
extern IO_HIDDEN uint32_t hpi_io_raw;
/* interpose.c: glibc's pthread_setcanceltype, called through this pointer
 * (loaded before the system call: one indirect call after it, not the
 * PLT's call and jump, which took 3 ns more around a send). */
extern IO_HIDDEN int (*hpi_io_setcanceltype)(int, int *);
/* interpose.c: 1 when a tracked call of name takes the raw path, 0 when
 * it calls the next function, -1 for a name that never does (exported for
 * tests/io/test_io_raw.c and bench/bench_io.c). */
IO_API int hp__io_raw(const char *name);

#if IO_RAW
#include <pthread.h>
#include <sys/single_threaded.h>
#include <sys/syscall.h>

/* The system call nr (x86-64: the kernel clobbers rcx and r11). */
static inline __attribute__((always_inline)) long io_sys(long nr, long a, long b, long c,
							  long d, long e, long f)
{
	register long r10 __asm__("r10") = d;
	register long r8 __asm__("r8") = e;
	register long r9 __asm__("r9") = f;
	long r;

	__asm__ volatile("syscall"
			 : "=a"(r)
			 : "a"(nr), "D"(a), "S"(b), "d"(c), "r"(r10), "r"(r8), "r"(r9)
			 : "rcx", "r11", "memory");
	return r;
}

/* What glibc 2.36's SYSCALL_CANCEL does: a cancellation point.  Its
 * __pthread_enable_asynccancel is pthread_setcanceltype(ASYNCHRONOUS)
 * (the same test, acting on a pending request); its disable restores the
 * deferred type unless it was asynchronous before, and then, if another
 * thread's pthread_cancel has marked this one "being cancelled" but its
 * signal has not arrived yet, waits for the signal, which no public call
 * can do: here the signal arrives just after the call instead, finds the
 * type deferred and leaves the request pending for the next cancellation
 * point, as it does when glibc's wait ends (docs/io.md). */
static inline __attribute__((always_inline)) ssize_t io_raw(long nr, long a, long b, long c,
							     long d, long e, long f)
{
	long r;

	if (__libc_single_threaded) {
		r = io_sys(nr, a, b, c, d, e, f);
	} else {
		int (*type)(int, int *) = hpi_io_setcanceltype;
		int old;

		type(PTHREAD_CANCEL_ASYNCHRONOUS, &old);
		r = io_sys(nr, a, b, c, d, e, f);
		if (old != PTHREAD_CANCEL_ASYNCHRONOUS)
			type(PTHREAD_CANCEL_DEFERRED, NULL);
	}
	if (__builtin_expect((unsigned long)r > -4096UL, 0)) {
		errno = (int)-r;
		r = -1;
	}
	return r;
}

/* A tracked call of name: the raw system call nr, or call. */
#define IO_RAWCALL(name, call, nr, a, b, c, d, e, f)                                 \
	((__atomic_load_n(&hpi_io_raw, __ATOMIC_RELAXED) & 1u << IO_RAW_##name)      \
		 ? io_raw(nr, (long)(a), (long)(b), (long)(c), (long)(d), (long)(e),  \
			  (long)(f))                                                  \
		 : call)
#else
#define IO_RAWCALL(name, call, nr, a, b, c, d, e, f) (call)
#endif

/* ---- descriptors ------------------------------------------------------------ */

/* interpose.c: per descriptor number, its cache entry (0: not looked at). */
extern IO_HIDDEN uint32_t hpi_io_fds[IO_FDS];
/* What descriptor fd is, looked at once (fstat, and its name): a cache
 * entry (interpose.c). */
IO_HIDDEN __attribute__((noinline)) uint32_t hpi_io_classify(int fd);
/* A socket's name into buf (n bytes); returns its type (SOCK_STREAM,
 * SOCK_DGRAM, ...) (interpose_net.c). */
IO_HIDDEN int hpi_io_sockname(int fd, char *buf, size_t n);

/* The cache entry of fd. */
static inline uint32_t io_fd(int fd)
{
	uint32_t v;

	if (__builtin_expect((unsigned)fd < IO_FDS, 1) &&
	    (v = __atomic_load_n(&hpi_io_fds[fd], __ATOMIC_RELAXED)) != 0)
		return v;
	return hpi_io_classify(fd);
}

/* Forgets what fd was: it was closed, or is new. */
static inline void io_forget(int fd)
{
	if ((unsigned)fd < IO_FDS)
		__atomic_store_n(&hpi_io_fds[fd], 0, __ATOMIC_RELAXED);
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
 * (interpose.c). */
IO_HIDDEN __attribute__((noinline)) void hpi_io_end_slow(uint64_t pre, uint64_t t0,
							 uint64_t ticks, uint32_t dt0,
							 uint32_t dt1);

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
		hpi_io_end_slow(pre, t0, ticks, dt0, dt1);
		return;
	}
	p[0].t = t0;
	p[0].site = (uint32_t)(pre >> 32);
	p[0].dt = dt0;
	p[1].t = ticks;
	p[1].site = 0;
	p[1].dt = dt1;
	__atomic_store_n(&hp__tls.pos, p + 2, __ATOMIC_RELEASE);
	/* Asks for the line a pair two calls on will be written to.  The
	 * collector drops drained chunks from every cache (core/tbuf.c), so
	 * each new line comes from memory; fetched while this call returns
	 * and the next one runs, it is there for its pair.  Without it, a
	 * send on a socketpair took 2.9 ns more and varied three times as
	 * much (8 side-by-side runs, all eight); a write to /dev/null the
	 * same (docs/io.md, Cost).  Only a hint: it never faults. */
	__builtin_prefetch((const char *)(p + 2) + 64, 1, 3);
}

/* The body of a call on fd that returns r_ (type), result is r_'s count
 * of bytes or -1 when it failed; call is the real call's expression, fix a
 * statement run after it (v_: fd's cache entry, pre_: the record's words).
 * The clock is the TSC when hp__rt.tsc says so (the common case: no test
 * after the call), else hp__now(). */
#define IO_BODY_RAW(type, on, op, fd, call, tcall, result, fix)                 \
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
			r_ = tcall;                                              \
			t1_ = IO_TICK();                                         \
		} else {                                                         \
			t0_ = hp__now();                                         \
			r_ = tcall;                                              \
			t1_ = hp__now();                                         \
		}                                                                \
		fix;                                                             \
		io_end(pre_, t0_, t1_, result);                                  \
		return r_;                                                       \
	} while (0)
#define IO_BODY_FIX(type, on, op, fd, call, result, fix) \
	IO_BODY_RAW(type, on, op, fd, call, call, result, fix)
#define IO_BODY(type, on, op, fd, call, result) \
	IO_BODY_FIX(type, on, op, fd, call, result, (void)v_)

/* The body of a descriptor call: call is the real call's expression. */
#define IO_CALL(op, fd, call) IO_BODY(ssize_t, io_on(), op, fd, call, r_)

/* The body of a descriptor call that can take the raw path: name's call
 * when untracked or when the raw path is not taken, else the system call
 * nr with arguments a..f (their order in the kernel's call). */
#define IO_SYSCALL(name, op, fd, call, nr, a, b, c, d, e, f)                      \
	IO_BODY_RAW(ssize_t, io_on(), op, fd, call,                                \
		    IO_RAWCALL(name, call, nr, a, b, c, d, e, f), r_, (void)v_)

#endif
