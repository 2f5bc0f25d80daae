/* SPDX-License-Identifier: MIT */
/*
 * perf.c - samples the threads of a process with perf_event_open: one event
 * per thread (pid = the tid, cpu = any), the hardware cycles counter where
 * the CPU exposes it, else the software cpu-clock, user space only
 * (exclude_kernel: what perf_event_paranoid 2 allows for a process's own
 * threads, or another process of the same user).  Each sample carries the
 * instruction pointer, the thread, a CLOCK_MONOTONIC time, the kernel's
 * frame-pointer call chain and, for DWARF unwinding, the user registers
 * and a copy of the top of the user stack.
 *
 * Per-thread events rather than one inherited event per CPU: they cover
 * the threads that exist already (inherit only follows threads created
 * after the event is opened), they do not follow fork() into children,
 * and they need no CPU count's worth of buffers for a one-thread program.
 * The cost is that a new thread is found by reading /proc/PID/task on the
 * next drain (every collector.drain_interval_ms): a thread that lives a
 * shorter time than that is not sampled.
 *
 * Only the draining thread touches this state.
 */
#define _GNU_SOURCE 1 /* as the build's config.h: POSIX and Linux calls */
#ifdef HAVE_CONFIG_H
#include "config.h" /* the build's HAVE_LIBDW; none outside the tree */
#endif

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/perf_event.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "cpu.h"

/* Data pages per thread's ring (2^n).  The kernel wakes the collector
 * (epoll, hpi_collector_watch) each time three quarters of a ring's size
 * were written to it: with a stack copy (8 KiB a sample) a 512 KiB ring
 * takes about 46 samples for that, 46 ms of a busy thread at 999 Hz, so
 * the collector wakes some 22 times a second per busy thread (and every
 * 50 ms at most otherwise) rather than every drain_interval_ms (10 ms).
 * The first PERF_BIG_THREADS threads get that; the ones after, a quarter
 * of it (memory: the rings are locked, counted against
 * kernel.perf_event_mlock_kb and RLIMIT_MEMLOCK), so the collector wakes
 * more often (at most every drain_interval_ms) for a program of many busy
 * threads. */
#define PERF_RING_PAGES 128 /* with a stack copy */
#define PERF_RING_PAGES_SMALL 32 /* with a stack copy, past PERF_BIG_THREADS */
#define PERF_RING_PAGES_FP 8 /* without: a sample is ~100 bytes */
#define PERF_BIG_THREADS 8
#define PERF_RESCAN_NS 500000000u /* /proc/PID/task read at least this often */

/* The user registers asked for: what DWARF unwinding needs (unwind.c reads
 * them in this order). */
#if defined(__x86_64__)
/* AX BX CX DX SI DI BP SP IP, then R8-R15 (perf_regs.h numbering) */
#define PERF_REGS_MASK (((UINT64_C(1) << 9) - 1) | (UINT64_C(0xff) << 16))
#elif defined(__aarch64__)
#define PERF_REGS_MASK ((UINT64_C(1) << 33) - 1) /* x0-x30, sp, pc */
#else
#define PERF_REGS_MASK 0
#endif

typedef struct perf_thread {
	pid_t tid;
	int fd;            /* -1: one of hotpath's threads, known and not sampled */
	struct perf_event_mmap_page *meta;
	size_t map_len, data_len;
	bool seen;
} perf_thread;

struct hpi_cpu_perf {
	hpi_cpu_perf_opts o;
	uint32_t type;     /* PERF_TYPE_HARDWARE or PERF_TYPE_SOFTWARE */
	uint64_t config;
	bool typed;        /* type chosen (on the first thread) */
	perf_thread *v;
	size_t n, cap;
	uint64_t lost;
	uint8_t *scratch;  /* a record that wraps the ring, made whole */
	size_t scratch_len;
	long page;
	bool warned_mmap;
	long max_stack;     /* kernel.perf_event_max_stack, at most our depth */
	bool kernel;        /* samples in the kernel too (asked for, and allowed) */
	int taskfd;         /* /proc/PID/task, kept open */
	nlink_t nlink;      /* its link count at the last scan: 2 + the threads */
	uint64_t scanned;   /* CLOCK_MONOTONIC ns of the last scan */
	size_t nsampled;    /* threads with an event */
	size_t nbig;        /* of them, with a PERF_RING_PAGES ring */
	int epfd;           /* epoll over every event: readable when a ring
			     * took 3/4 of its size (-1: none) */
};

static long perf_open(struct perf_event_attr *a, pid_t tid)
{
	return syscall(SYS_perf_event_open, a, tid, -1, -1, PERF_FLAG_FD_CLOEXEC);
}

/* Whether samples carry the user registers and a stack copy. */
static bool perf_copies(const hpi_cpu_perf *p)
{
	return p->o.stack_bytes > 0 && PERF_REGS_MASK != 0;
}

/* Whether samples carry a call chain: the kernel's frame-pointer chain
 * without a stack copy, and the kernel's own frames when it is sampled. */
static bool perf_kchain(const hpi_cpu_perf *p)
{
	return p->kernel && p->o.kernel_names && hpi_cpu_kallsyms_readable(NULL);
}

static bool perf_chain(const hpi_cpu_perf *p)
{
	return !perf_copies(p) || perf_kchain(p);
}

/* The attributes of one thread's event, whose ring has pages data pages
 * (0: not known yet, the first thread's probe). */
static void perf_attr(const hpi_cpu_perf *p, struct perf_event_attr *a, size_t pages)
{
	memset(a, 0, sizeof(*a));
	a->size = sizeof(*a);
	a->type = p->type;
	a->config = p->config;
	if (p->type == PERF_TYPE_SOFTWARE) {
		/* cpu-clock counts ns: a fixed period is exact */
		a->sample_period = 1000000000u / (uint64_t)p->o.frequency;
	} else {
		a->freq = 1;
		a->sample_freq = (uint64_t)p->o.frequency;
	}
	a->sample_type = PERF_SAMPLE_IP | PERF_SAMPLE_TID | PERF_SAMPLE_TIME;
	/* with a stack copy, the frame-pointer chain is walked in the copy
	 * when DWARF fails (unwind.c): the kernel need not walk it in the
	 * program's thread too; it walks only its own part (a sample taken in
	 * user space has none), whose functions kallsyms names */
	if (perf_chain(p))
		a->sample_type |= PERF_SAMPLE_CALLCHAIN;
	if (perf_copies(p)) {
		a->sample_type |= PERF_SAMPLE_REGS_USER | PERF_SAMPLE_STACK_USER;
		a->sample_regs_user = PERF_REGS_MASK;
		a->sample_stack_user = (uint32_t)p->o.stack_bytes;
		a->exclude_callchain_user = 1;
	}
	a->exclude_kernel = !p->kernel;
	a->exclude_hv = 1;
	a->exclude_callchain_kernel = !perf_kchain(p);
	a->sample_max_stack = (uint16_t)p->max_stack;
	a->use_clockid = 1;
	a->clockid = CLOCK_MONOTONIC;
	/* wake the poller (the collector's epoll) each time another three
	 * quarters of the ring were written: it drains every ring then, and
	 * sleeps meanwhile; the last quarter is the time it has to get there */
	a->watermark = 1;
	a->wakeup_watermark = (uint32_t)(pages * (size_t)p->page / 4 * 3);
}

/* The first thread's event, which chooses the type: cycles, else
 * cpu-clock.  -1 with errno. */
static int perf_open_first(hpi_cpu_perf *p, pid_t tid, size_t pages)
{
	struct perf_event_attr a;
	long fd;

	{
		p->type = PERF_TYPE_HARDWARE;
		p->config = PERF_COUNT_HW_CPU_CYCLES;
		perf_attr(p, &a, pages);
		if ((fd = perf_open(&a, tid)) >= 0) {
			p->typed = true;
			return (int)fd;
		}
		if (errno == EACCES || errno == EPERM || errno == ESRCH)
			return -1;
		p->type = PERF_TYPE_SOFTWARE;
		p->config = PERF_COUNT_SW_CPU_CLOCK;
		perf_attr(p, &a, pages);
		if ((fd = perf_open(&a, tid)) >= 0)
			p->typed = true;
		return (int)fd;
	}
}

/* The event on tid (-1 with errno).  On the first thread, kernel time is
 * given up when the kernel refuses it (perf_event_paranoid 2 without
 * CAP_PERFMON allows a process's user space only). */
static int perf_open_tid(hpi_cpu_perf *p, pid_t tid, size_t pages)
{
	struct perf_event_attr a;
	int fd;

	if (p->typed) {
		perf_attr(p, &a, pages);
		return (int)perf_open(&a, tid);
	}
	while ((fd = perf_open_first(p, tid, pages)) < 0 && p->kernel &&
	       (errno == EACCES || errno == EPERM))
		p->kernel = false;
	return fd;
}

/* The data pages wanted for the next thread's ring. */
static size_t perf_pages(const hpi_cpu_perf *p)
{
	if (!perf_copies(p))
		return PERF_RING_PAGES_FP;
	return p->nbig < PERF_BIG_THREADS ? PERF_RING_PAGES : PERF_RING_PAGES_SMALL;
}

/* Opens t's event and maps its ring, halving the ring while the
 * locked-memory limit refuses it (the event is opened again each time:
 * its wakeup watermark is 3/4 of its ring).  0, or an errno (ESRCH: the
 * thread is gone; -1: no ring, said once). */
static int perf_open_map(hpi_cpu_perf *p, perf_thread *t)
{
	size_t pages = perf_pages(p);
	void *m;

	for (; pages >= 2; pages /= 2) {
		if ((t->fd = perf_open_tid(p, t->tid, pages)) < 0)
			return errno;
		t->map_len = (pages + 1) * (size_t)p->page;
		m = mmap(NULL, t->map_len, PROT_READ | PROT_WRITE, MAP_SHARED, t->fd, 0);
		if (m != MAP_FAILED) {
			t->meta = m;
			t->data_len = pages * (size_t)p->page;
			if (pages == PERF_RING_PAGES && perf_copies(p))
				p->nbig++;
			if (p->epfd >= 0)
				(void)epoll_ctl(p->epfd, EPOLL_CTL_ADD, t->fd,
						&(struct epoll_event){.events = EPOLLIN});
			return 0;
		}
		close(t->fd);
		t->fd = -1;
		if (errno != EPERM && errno != ENOMEM)
			break;
	}
	if (!p->warned_mmap) {
		p->warned_mmap = true;
		p->o.host->warn("cpu", "thread %d: cannot map a sample buffer (%s; the limit is "
				"kernel.perf_event_mlock_kb and ulimit -l): not sampled",
				(int)t->tid, strerror(errno));
	}
	return -1;
}

/* Whether tid is one of hotpath's own threads (or nng's). */
static bool perf_is_hotpath(pid_t pid, pid_t tid)
{
	char path[64], name[32] = "";
	int fd;
	ssize_t n;

	snprintf(path, sizeof(path), "/proc/%d/task/%d/comm", (int)pid, (int)tid);
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
		return false;
	n = read(fd, name, sizeof(name) - 1);
	close(fd);
	if (n <= 0)
		return false;
	name[n] = '\0';
	return strncmp(name, "hp-", 3) == 0 || strncmp(name, "nng:", 4) == 0;
}

static perf_thread *perf_find(hpi_cpu_perf *p, pid_t tid)
{
	for (size_t i = 0; i < p->n; i++)
		if (p->v[i].tid == tid)
			return &p->v[i];
	return NULL;
}

/* Starts sampling tid; errno-style result (0 when skipped on purpose).
 * hotpath's own threads are kept too, without an event, so that their
 * names are read once. */
static int perf_add(hpi_cpu_perf *p, pid_t tid)
{
	perf_thread t = {.tid = tid, .fd = -1, .seen = true};

	if (p->n == p->cap) {
		size_t cap = p->cap ? p->cap * 2 : 16;
		perf_thread *v = realloc(p->v, cap * sizeof(*v));
		if (v == NULL)
			return ENOMEM;
		p->v = v;
		p->cap = cap;
	}
	if (!(p->o.skip_hotpath && perf_is_hotpath(p->o.pid, tid))) {
		int rv = perf_open_map(p, &t);
		if (rv != 0)
			return rv == ESRCH || rv == -1 ? 0 : rv;
		p->nsampled++;
	}
	p->v[p->n++] = t;
	return 0;
}

/* Reads the tids of the process; for each one calls perf_add when new.
 * Returns the first error of a new thread, 0 if none. */
static int perf_scan(hpi_cpu_perf *p)
{
	char buf[4096] __attribute__((aligned(8)));
	int fd = p->taskfd, first = 0, rv;
	struct stat st;
	long n;

	if (fstat(fd, &st) == 0)
		p->nlink = st.st_nlink;
	p->scanned = hpi_cpu_mono_ns();
	if (lseek(fd, 0, SEEK_SET) != 0)
		return errno;
	while ((n = syscall(SYS_getdents64, fd, buf, sizeof(buf))) > 0) {
		for (long off = 0; off < n;) {
			struct dirent64 *e = (struct dirent64 *)(buf + off);
			perf_thread *t;
			pid_t tid;

			off += e->d_reclen;
			if (e->d_name[0] < '0' || e->d_name[0] > '9')
				continue;
			tid = (pid_t)strtol(e->d_name, NULL, 10);
			if ((t = perf_find(p, tid)) != NULL) {
				t->seen = true;
				continue;
			}
			if ((rv = perf_add(p, tid)) != 0 && first == 0)
				first = rv;
		}
	}
	return first;
}

/* The deepest call chain the kernel gives (a larger ask is EOVERFLOW). */
static long perf_max_stack(void)
{
	char buf[32];
	long v = 127;
	ssize_t n;
	int fd = open("/proc/sys/kernel/perf_event_max_stack", O_RDONLY | O_CLOEXEC);

	if (fd >= 0) {
		if ((n = read(fd, buf, sizeof(buf) - 1)) > 0) {
			buf[n] = '\0';
			v = strtol(buf, NULL, 10);
		}
		close(fd);
	}
	if (v <= 0)
		v = 127;
	return v < HPI_CPU_MAX_DEPTH - 1 ? v : HPI_CPU_MAX_DEPTH - 1;
}

const char *hpi_cpu_perf_kernel_text(const hpi_cpu_perf *p)
{
	static char text[320];
	const char *why = NULL;

	if (perf_kchain(p))
		return "sampled: a sample in a system call or fault is its kernel functions "
		       "(named from /proc/kallsyms) on top of its user stack";
	if (p->kernel) {
		if (p->o.kernel_names)
			(void)hpi_cpu_kallsyms_readable(&why);
		snprintf(text, sizeof(text),
			 "sampled: a sample in a system call or fault is [kernel] on top of its "
			 "user stack (kernel functions not named: %s)",
			 why ? why : "not asked for");
		return text;
	}
	if (!p->o.kernel)
		return "not sampled (not asked for): CPU time is user time";
	return "not sampled: CPU time is user time (kernel.perf_event_paranoid 1 or less, or "
	       "CAP_PERFMON, would allow it)";
}

char *hpi_cpu_perf_refusal(int err, pid_t pid)
{
	char lvl[16] = "?";
	int fd = open("/proc/sys/kernel/perf_event_paranoid", O_RDONLY | O_CLOEXEC);
	ssize_t n;

	if (fd >= 0) {
		if ((n = read(fd, lvl, sizeof(lvl) - 1)) > 0)
			lvl[n] = '\0';
		lvl[strcspn(lvl, "\n")] = '\0';
		close(fd);
	}
	if ((err == EACCES || err == EPERM) && (lvl[0] == '?' || atoi(lvl) > 2))
		return hpi_cpu_asprintf(
		    "perf_event_open refused for process %d (%s): kernel.perf_event_paranoid "
		    "is %s; sampling user space needs it at 2 or less (sysctl -w "
		    "kernel.perf_event_paranoid=2) or CAP_PERFMON (CAP_SYS_ADMIN before Linux 5.8)",
		    (int)pid, strerror(err), lvl);
	if ((err == EACCES || err == EPERM) && pid != getpid())
		return hpi_cpu_asprintf(
		    "perf_event_open refused for process %d (%s): it is another user's, or "
		    "ptrace is restricted (kernel.yama.ptrace_scope); sampling it needs "
		    "CAP_PERFMON and CAP_SYS_PTRACE (kernel.perf_event_paranoid is %s)",
		    (int)pid, strerror(err), lvl);
	if (err == EACCES || err == EPERM)
		return hpi_cpu_asprintf(
		    "perf_event_open refused (%s) although kernel.perf_event_paranoid is %s: "
		    "a seccomp filter or a container; CAP_PERFMON would allow it",
		    strerror(err), lvl);
	if (err == ENOSYS)
		return hpi_cpu_asprintf("perf_event_open is not available (%s): a kernel "
				    "without CONFIG_PERF_EVENTS, or a seccomp filter",
				    strerror(err));
	if (err == ESRCH || err == ENOENT)
		return hpi_cpu_asprintf("no process %d", (int)pid);
	return hpi_cpu_asprintf("perf_event_open failed for process %d: %s", (int)pid,
			    strerror(err));
}

hpi_cpu_perf *hpi_cpu_perf_new(const hpi_cpu_perf_opts *o, int *err, char **cause)
{
	hpi_cpu_perf *p = calloc(1, sizeof(*p));
	char path[64];
	int rv;

	*cause = NULL;
	*err = 0;
	if (p == NULL) {
		*err = ENOMEM;
		return NULL;
	}
	p->o = *o;
	p->o.stack_bytes &= ~(size_t)7; /* the kernel wants a multiple of 8 */
	p->kernel = o->kernel;
	p->page = sysconf(_SC_PAGESIZE);
	p->max_stack = perf_max_stack();
	p->epfd = epoll_create1(EPOLL_CLOEXEC); /* -1: drained on the collector's ticks only */
	snprintf(path, sizeof(path), "/proc/%d/task", (int)o->pid);
	if ((p->taskfd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0) {
		*err = errno;
		*cause = hpi_cpu_perf_refusal(*err, o->pid);
		if (p->epfd >= 0)
			close(p->epfd);
		free(p);
		return NULL;
	}
	rv = perf_scan(p);
	if (p->nsampled == 0) {
		*err = rv ? rv : ESRCH;
		*cause = hpi_cpu_perf_refusal(*err, o->pid);
		hpi_cpu_perf_free(p);
		return NULL;
	}
	return p;
}

/* Stops sampling thread i (gone): its last samples were drained. */
static void perf_close(hpi_cpu_perf *p, size_t i)
{
	if (p->v[i].fd >= 0) {
		if (p->v[i].data_len == PERF_RING_PAGES * (size_t)p->page && perf_copies(p))
			p->nbig--;
		munmap(p->v[i].meta, p->v[i].map_len);
		close(p->v[i].fd);
		p->nsampled--;
	}
	p->v[i] = p->v[--p->n];
}

size_t hpi_cpu_perf_threads(hpi_cpu_perf *p)
{
	struct stat st;

	/* the task folder's link count is 2 + the threads: while it is the
	 * same, no thread came or went, but for one that ended while another
	 * started, which the scan every PERF_RESCAN_NS finds */
	if (fstat(p->taskfd, &st) == 0 && st.st_nlink == p->nlink &&
	    hpi_cpu_mono_ns() - p->scanned < PERF_RESCAN_NS)
		return p->nsampled;
	for (size_t i = 0; i < p->n; i++)
		p->v[i].seen = false;
	(void)perf_scan(p);
	for (size_t i = p->n; i-- > 0;)
		if (!p->v[i].seen)
			perf_close(p, i);
	return p->nsampled;
}

/* A 64-bit field at *q, advancing it; 0 past the end. */
static uint64_t perf_u64(const uint8_t **q, const uint8_t *end)
{
	uint64_t v = 0;

	if (*q + 8 <= end)
		memcpy(&v, *q, 8);
	*q += 8;
	return v;
}

/* Parses one PERF_RECORD_SAMPLE (the fields perf_attr asked for). */
static void perf_sample(hpi_cpu_perf *p, const uint8_t *rec, size_t len,
			hpi_cpu_sample_fn fn, void *u)
{
	const uint8_t *q = rec + sizeof(struct perf_event_header), *end = rec + len;
	uint64_t ips[HPI_CPU_MAX_DEPTH], pidtid, nr, abi, size;
	hpi_cpu_sample s = {0};
	struct perf_event_header h;

	memcpy(&h, rec, sizeof(h));
	/* in the kernel: ips[0] is the kernel's; the registers, the stack
	 * copy and the chain's first entry are user space's at its entry */
	s.kernel = (h.misc & PERF_RECORD_MISC_CPUMODE_MASK) == PERF_RECORD_MISC_KERNEL;

	ips[0] = perf_u64(&q, end);
	pidtid = perf_u64(&q, end);
	s.pid = (uint32_t)pidtid;
	s.tid = (uint32_t)(pidtid >> 32);
	s.time_ns = perf_u64(&q, end);
	s.weight_ns = hpi_cpu_perf_period_ns(p);
	nr = perf_chain(p) ? perf_u64(&q, end) : 0;
	s.ips = ips;
	s.nips = 1;
	s.nkernel = s.kernel && perf_kchain(p) ? 1 : 0;
	for (uint64_t i = 0, ctx = 0; i < nr && q < end; i++) {
		uint64_t ip = perf_u64(&q, end);
		/* context markers (PERF_CONTEXT_KERNEL, _USER) are not frames
		 * but say whose the next ones are; the first entry is the
		 * sampled ip itself */
		if (ip >= (uint64_t)PERF_CONTEXT_MAX) {
			ctx = ip;
			continue;
		}
		if (i <= 1 && ip == ips[0])
			continue;
		if (s.nips < HPI_CPU_MAX_DEPTH) {
			ips[s.nips++] = ip;
			if (s.nkernel > 0 && ctx == (uint64_t)PERF_CONTEXT_KERNEL &&
			    s.nkernel == s.nips - 1)
				s.nkernel = s.nips;
		}
	}
	if (q < end && perf_copies(p)) {
		abi = perf_u64(&q, end);
		if (abi != PERF_SAMPLE_REGS_ABI_NONE) {
			s.regs = (const uint64_t *)(const void *)q;
			s.nregs = (size_t)__builtin_popcountll(PERF_REGS_MASK);
			q += 8 * s.nregs;
		}
		size = perf_u64(&q, end);
		if (size > 0 && q + size + 8 <= end) {
			uint64_t dyn;
			memcpy(&dyn, q + size, 8);
			s.stack = q;
			s.stack_len = dyn < size ? dyn : size;
		}
		if (s.stack == NULL || q > end)
			s.regs = NULL;
	}
	fn(u, &s);
}

/* Makes the record at off whole (it may wrap the ring). */
static const uint8_t *perf_record(hpi_cpu_perf *p, const uint8_t *data, size_t dlen,
				  uint64_t off, size_t len)
{
	size_t at = (size_t)(off % dlen), first = dlen - at;

	if (len <= first)
		return data + at;
	if (p->scratch_len < len) {
		uint8_t *b = realloc(p->scratch, len);
		if (b == NULL)
			return NULL;
		p->scratch = b;
		p->scratch_len = len;
	}
	memcpy(p->scratch, data + at, first);
	memcpy(p->scratch + first, data, len - first);
	return p->scratch;
}

/* Everything in one thread's ring. */
static void perf_drain_one(hpi_cpu_perf *p, perf_thread *t, hpi_cpu_sample_fn fn, void *u)
{
	const uint8_t *data = (const uint8_t *)t->meta + p->page;
	uint64_t head = __atomic_load_n(&t->meta->data_head, __ATOMIC_ACQUIRE);
	uint64_t tail = t->meta->data_tail;

	while (tail + sizeof(struct perf_event_header) <= head) {
		struct perf_event_header h;
		const uint8_t *rec;

		memcpy(&h, perf_record(p, data, t->data_len, tail, sizeof(h)), sizeof(h));
		if (h.size < sizeof(h) || tail + h.size > head)
			break;
		if ((rec = perf_record(p, data, t->data_len, tail, h.size)) != NULL) {
			if (h.type == PERF_RECORD_SAMPLE)
				perf_sample(p, rec, h.size, fn, u);
			else if (h.type == PERF_RECORD_LOST && h.size >= sizeof(h) + 16) {
				uint64_t lost;
				memcpy(&lost, rec + sizeof(h) + 8, 8);
				p->lost += lost;
			}
		}
		tail += h.size;
	}
	__atomic_store_n(&t->meta->data_tail, tail, __ATOMIC_RELEASE);
}

void hpi_cpu_perf_drain(hpi_cpu_perf *p, hpi_cpu_sample_fn fn, void *u)
{
	for (size_t i = 0; i < p->n; i++)
		if (p->v[i].fd >= 0)
			perf_drain_one(p, &p->v[i], fn, u);
}

int hpi_cpu_perf_fd(const hpi_cpu_perf *p)
{
	return p ? p->epfd : -1;
}

const char *hpi_cpu_perf_event(const hpi_cpu_perf *p)
{
	return p->type == PERF_TYPE_HARDWARE ? "cycles" : "cpu-clock";
}

uint64_t hpi_cpu_perf_period_ns(const hpi_cpu_perf *p)
{
	return 1000000000u / (uint64_t)p->o.frequency;
}

bool hpi_cpu_perf_kernel(const hpi_cpu_perf *p)
{
	return p->kernel;
}

uint64_t hpi_cpu_perf_lost(const hpi_cpu_perf *p)
{
	return p->lost;
}

void hpi_cpu_perf_free(hpi_cpu_perf *p)
{
	if (p == NULL)
		return;
	while (p->n > 0)
		perf_close(p, p->n - 1);
	if (p->taskfd >= 0)
		close(p->taskfd);
	if (p->epfd >= 0)
		close(p->epfd);
	free(p->v);
	free(p->scratch);
	free(p);
}
