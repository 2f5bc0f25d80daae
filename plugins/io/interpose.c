/* SPDX-License-Identifier: MIT */
/*
 * interpose.c - libhotpath-io: read, write, send, recv and their kin, and
 * the stdio calls a program makes, each timed and counted per measured
 * function and kind of descriptor (docs/io.md).
 *
 * Linked into a program (-lhotpath-io) or preloaded (`hotpath run --io`),
 * these definitions come before glibc's; each calls glibc's own (found
 * with dlsym(RTLD_NEXT)), or, for read, write, send and their kin on glibc
 * 2.36 when glibc's is next, makes the system call as glibc's function
 * makes it (the raw path, interpose.h), so results, errno, blocking and
 * cancellation are exactly glibc's.  While a guard tracks I/O (HP__ON_IO), a call costs two clock
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
 *
 * The sockets' names, datagram peers and socket calls are in
 * interpose_net.c; what both files share is in interpose.h.
 */
#define _GNU_SOURCE
#include "config.h"

#include "interpose.h"

#include <gnu/libc-version.h>
#include <stdlib.h>

/* Makes -DHOTPATH_IO programs fail to link without this library. */
IO_API const int hp_io_linked = 1;

uint32_t hpi_io_fds[IO_FDS];

#define IO_PTR(name, ret, args) ret(*hpi_io_real_##name) args;
IO_REALS(IO_PTR)
#undef IO_PTR

uint32_t hpi_io_raw;
int (*hpi_io_setcanceltype)(int, int *);

/* Which calls take the raw path (interpose.h): those whose next definition
 * is glibc's own, on glibc 2.36, whose functions the raw path does as
 * they do (another version may differ: BZ #12683's rework of
 * cancellation).  Another interposer between this library and glibc is
 * called, as before. */
static uint32_t io_raw_bits(void)
{
	uint32_t bits = 0;
#if IO_RAW
	void *libc;

	const char *env = getenv("HOTPATH_IO_RAW");

	if (strcmp(gnu_get_libc_version(), "2.36") != 0 || (env != NULL && strcmp(env, "0") == 0) ||
	    (libc = dlopen("libc.so.6", RTLD_LAZY | RTLD_NOLOAD)) == NULL)
		return 0;
	__atomic_store_n((void **)&hpi_io_setcanceltype, dlsym(libc, "pthread_setcanceltype"),
			 __ATOMIC_RELAXED);
	if (hpi_io_setcanceltype == NULL) {
		dlclose(libc);
		return 0;
	}
#define IO_RAW_BIT(name)                                                   \
	if (hpi_io_real_##name != NULL && (void *)hpi_io_real_##name == dlsym(libc, #name)) \
		bits |= 1u << IO_RAW_##name;
	IO_RAWS(IO_RAW_BIT)
#undef IO_RAW_BIT
	dlclose(libc);
#endif
	return bits;
}

/* Whether a tracked call of name takes the raw path (1), calls the next
 * function (0), or name is none of the calls that can take it (-1): for
 * tests and bench_io. */
IO_API int hp__io_raw(const char *name)
{
	static const char *const names[] = {
#define IO_RAW_NAME(name) #name,
		IO_RAWS(IO_RAW_NAME)
#undef IO_RAW_NAME
	};

	if (hpi_io_real_write == NULL)
		hpi_io_resolve();
	for (int i = 0; i < IO_RAW_N; i++)
		if (strcmp(names[i], name) == 0)
			return (__atomic_load_n(&hpi_io_raw, __ATOMIC_RELAXED) >> i) & 1;
	return -1;
}

/* Finds glibc's functions (any thread; the values are the same for all). */
void hpi_io_resolve(void)
{
#define IO_SYM(name, ret, args) \
	__atomic_store_n((void **)&hpi_io_real_##name, dlsym(RTLD_NEXT, #name), __ATOMIC_RELAXED);
	IO_REALS(IO_SYM)
#undef IO_SYM
	__atomic_store_n(&hpi_io_raw, io_raw_bits(), __ATOMIC_RELAXED);
}

__attribute__((constructor)) static void io_ctor(void)
{
	hpi_io_resolve();
	hp__io_attach();
}

/* ---- descriptors ------------------------------------------------------------ */

/* What descriptor fd is, looked at once (fstat, and its name): a cache
 * entry.  A descriptor that is not open is not cached. */
__attribute__((noinline)) uint32_t hpi_io_classify(int fd)
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
		dgram = hpi_io_sockname(fd, name, sizeof(name)) == SOCK_DGRAM ? IO_DGRAM : 0;
	} else {
		snprintf(link, sizeof(link), "/proc/self/fd/%d", fd);
		if ((k = readlink(link, name, sizeof(name) - 1)) > 0)
			name[k] = '\0';
		else
			snprintf(name, sizeof(name), "fd %d", fd);
	}
	v = IO_VALID | IO_KIND(kind) | dgram | hp__io_name(name);
	if ((unsigned)fd < IO_FDS)
		__atomic_store_n(&hpi_io_fds[fd], v, __ATOMIC_RELAXED);
	errno = e;
	return v;
}

/* ---- recording -------------------------------------------------------------- */

/* The pair when the chunk is full or the clock is not the TSC; errno kept
 * (the slow path may allocate). */
__attribute__((noinline)) void hpi_io_end_slow(uint64_t pre, uint64_t t0, uint64_t ticks,
					   uint32_t dt0, uint32_t dt1)
{
	int e = errno;

	hp__io_emit_slow((uint32_t)(pre >> 32), t0, dt0, ticks, dt1);
	errno = e;
}

/* ---- file and pipe calls ---------------------------------------------------- */

IO_API ssize_t read(int fd, void *buf, size_t n)
{
	IO_SYSCALL(read, HP_IO_READ, fd, REAL(read)(fd, buf, n), SYS_read, fd, buf, n, 0, 0, 0);
}

IO_API ssize_t write(int fd, const void *buf, size_t n)
{
	IO_SYSCALL(write, HP_IO_WRITE, fd, REAL(write)(fd, buf, n), SYS_write, fd, buf, n, 0, 0, 0);
}

IO_API ssize_t pread(int fd, void *buf, size_t n, off_t off)
{
	IO_SYSCALL(pread, HP_IO_PREAD, fd, REAL(pread)(fd, buf, n, off), SYS_pread64, fd, buf, n, off,
		   0, 0);
}

IO_API ssize_t pwrite(int fd, const void *buf, size_t n, off_t off)
{
	IO_SYSCALL(pwrite, HP_IO_PWRITE, fd, REAL(pwrite)(fd, buf, n, off), SYS_pwrite64, fd, buf, n,
		   off, 0, 0);
}

IO_API ssize_t pread64(int fd, void *buf, size_t n, off64_t off)
{
	IO_SYSCALL(pread64, HP_IO_PREAD, fd, REAL(pread64)(fd, buf, n, off), SYS_pread64, fd, buf, n,
		   off, 0, 0);
}

IO_API ssize_t pwrite64(int fd, const void *buf, size_t n, off64_t off)
{
	IO_SYSCALL(pwrite64, HP_IO_PWRITE, fd, REAL(pwrite64)(fd, buf, n, off), SYS_pwrite64, fd, buf,
		   n, off, 0, 0);
}

IO_API ssize_t readv(int fd, const struct iovec *iov, int n)
{
	IO_SYSCALL(readv, HP_IO_READV, fd, REAL(readv)(fd, iov, n), SYS_readv, fd, iov, n, 0, 0, 0);
}

IO_API ssize_t writev(int fd, const struct iovec *iov, int n)
{
	IO_SYSCALL(writev, HP_IO_WRITEV, fd, REAL(writev)(fd, iov, n), SYS_writev, fd, iov, n, 0, 0,
		   0);
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
