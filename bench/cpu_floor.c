/* SPDX-License-Identifier: MIT */
/*
 * cpu_floor.c - the floors under bench_cpu.sh's sampled rows: preloaded
 * into bench/cpu_work, it samples the program's threads the way
 * plugins/cpu/perf.c does (one perf_event_open event per thread, found in
 * /proc/self/task; a ring per thread woken at 3/4 of its size; a thread of
 * its own that empties the rings) but does nothing with the samples: it
 * only counts them.  What a row costs above its floor is hotpath's
 * unwinding, naming and reporting; the floor itself is what the kernel
 * (and here the hypervisor) charges the program's threads for taking
 * samples of that kind.
 *
 * CPU_FLOOR says what a sample holds, a comma-separated list:
 *   ip          the instruction pointer only (always there)
 *   tid, time   the thread, a CLOCK_MONOTONIC time (hotpath asks for both)
 *   uchain      the kernel's frame-pointer walk of the user stack
 *               (PERF_SAMPLE_CALLCHAIN, exclude_callchain_kernel)
 *   kchain      the kernel's own frames only (exclude_callchain_user)
 *   stack=N     the user registers and a copy of N bytes of the user stack
 *   user        user time only (exclude_kernel)
 *   hz=N        samples per second of each thread's CPU (999)
 *   itimer      no perf event: setitimer(ITIMER_PROF) at hz and a SIGPROF
 *               handler that only counts
 * At exit it prints one line on stderr: the samples taken, lost, and the
 * samples per second of the process's CPU time, so that ways which take
 * fewer samples than asked for (ITIMER_PROF is checked at the kernel's
 * tick) are seen to.
 */
#include "config.h"

#include <errno.h>
#include <linux/perf_event.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <time.h>
#include <dirent.h>
#include <fcntl.h>
#include <unistd.h>

#if defined(__x86_64__)
#define FLOOR_REGS (((UINT64_C(1) << 9) - 1) | (UINT64_C(0xff) << 16))
#elif defined(__aarch64__)
#define FLOOR_REGS ((UINT64_C(1) << 33) - 1)
#else
#define FLOOR_REGS 0
#endif
#define FLOOR_MAX_THREADS 256

typedef struct floor_ring {
	pid_t tid;
	int fd;
	struct perf_event_mmap_page *meta;
	size_t map_len, data_len;
} floor_ring;

static struct {
	char spec[128];
	struct perf_event_attr attr;
	bool itimer, stop, on;
	long hz;
	size_t pages;
	long page;
	pid_t drainer;
	int epfd, taskfd;
	nlink_t nlink;
	floor_ring r[FLOOR_MAX_THREADS];
	size_t n;
	uint64_t samples, lost;
	pthread_t thread;
} fl;

static volatile sig_atomic_t floor_sigs;

/* The SIGPROF handler of the itimer floor: a count and nothing else. */
static void floor_sigprof(int sig)
{
	(void)sig;
	floor_sigs++;
}

/* Reads CPU_FLOOR into fl.attr (or fl.itimer).  false: nothing to do. */
static bool floor_parse(const char *spec)
{
	char buf[128], *tok, *save = NULL;
	struct perf_event_attr *a = &fl.attr;

	snprintf(fl.spec, sizeof(fl.spec), "%s", spec);
	snprintf(buf, sizeof(buf), "%s", spec);
	memset(a, 0, sizeof(*a));
	a->size = sizeof(*a);
	a->type = PERF_TYPE_SOFTWARE;
	a->config = PERF_COUNT_SW_CPU_CLOCK;
	a->sample_type = PERF_SAMPLE_IP;
	a->exclude_hv = 1;
	a->exclude_callchain_kernel = 1;
	fl.hz = 999;
	fl.pages = 8;
	for (tok = strtok_r(buf, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		if (strcmp(tok, "ip") == 0)
			continue;
		else if (strcmp(tok, "none") == 0)
			return false;
		else if (strcmp(tok, "tid") == 0)
			a->sample_type |= PERF_SAMPLE_TID;
		else if (strcmp(tok, "time") == 0) {
			a->sample_type |= PERF_SAMPLE_TIME;
			a->use_clockid = 1;
			a->clockid = CLOCK_MONOTONIC;
		} else if (strcmp(tok, "uchain") == 0)
			a->sample_type |= PERF_SAMPLE_CALLCHAIN;
		else if (strcmp(tok, "kchain") == 0) {
			a->sample_type |= PERF_SAMPLE_CALLCHAIN;
			a->exclude_callchain_user = 1;
			a->exclude_callchain_kernel = 0;
		} else if (strncmp(tok, "stack=", 6) == 0) {
			a->sample_type |= PERF_SAMPLE_REGS_USER | PERF_SAMPLE_STACK_USER;
			a->sample_regs_user = FLOOR_REGS;
			a->sample_stack_user = (uint32_t)strtoul(tok + 6, NULL, 10) & ~7u;
			fl.pages = 128;
		} else if (strcmp(tok, "user") == 0)
			a->exclude_kernel = 1;
		else if (strncmp(tok, "hz=", 3) == 0)
			fl.hz = strtol(tok + 3, NULL, 10);
		else if (strcmp(tok, "itimer") == 0)
			fl.itimer = true;
		else {
			fprintf(stderr, "cpu_floor: unknown CPU_FLOOR word '%s'\n", tok);
			return false;
		}
	}
	if (fl.hz <= 0)
		fl.hz = 999;
	a->sample_period = 1000000000u / (uint64_t)fl.hz;
	a->watermark = 1;
	return true;
}

/* Opens and maps the event of thread tid (nothing if it fails). */
static void floor_open(pid_t tid)
{
	floor_ring *r;
	long fd;
	void *m;

	if (fl.n == FLOOR_MAX_THREADS)
		return;
	r = &fl.r[fl.n];
	fl.attr.wakeup_watermark = (uint32_t)(fl.pages * (size_t)fl.page / 4 * 3);
	fd = syscall(SYS_perf_event_open, &fl.attr, tid, -1, -1, PERF_FLAG_FD_CLOEXEC);
	if (fd < 0 && (errno == EACCES || errno == EPERM) && !fl.attr.exclude_kernel) {
		/* as perf.c: user time only where kernel time is refused
		 * (perf_event_paranoid 2 without CAP_PERFMON) */
		fl.attr.exclude_kernel = 1;
		fl.attr.exclude_callchain_kernel = 1;
		fd = syscall(SYS_perf_event_open, &fl.attr, tid, -1, -1, PERF_FLAG_FD_CLOEXEC);
	}
	if (fd < 0) {
		fprintf(stderr, "cpu_floor: perf_event_open(%d): %s\n", (int)tid, strerror(errno));
		return;
	}
	r->map_len = (fl.pages + 1) * (size_t)fl.page;
	m = mmap(NULL, r->map_len, PROT_READ | PROT_WRITE, MAP_SHARED, (int)fd, 0);
	if (m == MAP_FAILED) {
		fprintf(stderr, "cpu_floor: mmap: %s\n", strerror(errno));
		close((int)fd);
		return;
	}
	r->tid = tid;
	r->fd = (int)fd;
	r->meta = m;
	r->data_len = fl.pages * (size_t)fl.page;
	(void)epoll_ctl(fl.epfd, EPOLL_CTL_ADD, r->fd, &(struct epoll_event){.events = EPOLLIN});
	fl.n++;
}

/* Opens an event on every thread not seen yet (but the drainer). */
static void floor_scan(void)
{
	char buf[4096] __attribute__((aligned(8)));
	struct stat st;
	long n;

	if (fstat(fl.taskfd, &st) != 0 || st.st_nlink == fl.nlink)
		return;
	fl.nlink = st.st_nlink;
	if (lseek(fl.taskfd, 0, SEEK_SET) != 0)
		return;
	while ((n = syscall(SYS_getdents64, fl.taskfd, buf, sizeof(buf))) > 0)
		for (long off = 0; off < n;) {
			struct dirent64 *e = (struct dirent64 *)(buf + off);
			pid_t tid = (pid_t)strtol(e->d_name, NULL, 10);
			bool known = tid <= 0 || tid == fl.drainer;

			off += e->d_reclen;
			for (size_t i = 0; i < fl.n && !known; i++)
				known = fl.r[i].tid == tid;
			if (!known)
				floor_open(tid);
		}
}

/* Counts the records in every ring and empties it. */
static void floor_drain(void)
{
	for (size_t i = 0; i < fl.n; i++) {
		floor_ring *r = &fl.r[i];
		const uint8_t *data = (const uint8_t *)r->meta + fl.page;
		uint64_t head = __atomic_load_n(&r->meta->data_head, __ATOMIC_ACQUIRE);
		uint64_t tail = r->meta->data_tail;

		while (tail + sizeof(struct perf_event_header) <= head) {
			struct perf_event_header h;
			size_t at = (size_t)(tail % r->data_len);

			/* headers are 8-byte aligned: never split by the wrap */
			memcpy(&h, data + at, sizeof(h));
			if (h.size < sizeof(h))
				break;
			if (h.type == PERF_RECORD_SAMPLE)
				fl.samples++;
			else if (h.type == PERF_RECORD_LOST && h.size >= sizeof(h) + 16) {
				uint64_t lost;
				size_t lat = (at + sizeof(h) + 8) % r->data_len;
				memcpy(&lost, data + lat, 8);
				fl.lost += lost;
			}
			tail += h.size;
		}
		__atomic_store_n(&r->meta->data_tail, head, __ATOMIC_RELEASE);
	}
}

/* The drainer: finds new threads, sleeps on the rings (at most 10 ms
 * while threads come, 50 ms else), empties them. */
static void *floor_main(void *arg)
{
	struct epoll_event ev[16];
	int quiet = 0;

	(void)arg;
	fl.drainer = (pid_t)syscall(SYS_gettid);
	while (!__atomic_load_n(&fl.stop, __ATOMIC_ACQUIRE)) {
		nlink_t before = fl.nlink;

		floor_scan();
		quiet = fl.nlink == before ? quiet + 1 : 0;
		(void)epoll_wait(fl.epfd, ev, 16, quiet < 10 ? 10 : 50);
		floor_drain();
	}
	return NULL;
}

__attribute__((constructor)) static void floor_start(void)
{
	const char *spec = getenv("CPU_FLOOR");

	if (spec == NULL || !floor_parse(spec))
		return;
	fl.on = true;
	if (fl.itimer) {
		long us = 1000000 / fl.hz;
		struct itimerval it = {{us / 1000000, us % 1000000}, {us / 1000000, us % 1000000}};
		struct sigaction sa;

		memset(&sa, 0, sizeof(sa));
		sa.sa_handler = floor_sigprof;
		sa.sa_flags = SA_RESTART;
		sigaction(SIGPROF, &sa, NULL);
		setitimer(ITIMER_PROF, &it, NULL);
		return;
	}
	fl.page = sysconf(_SC_PAGESIZE);
	fl.epfd = epoll_create1(EPOLL_CLOEXEC);
	fl.taskfd = open("/proc/self/task", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fl.epfd < 0 || fl.taskfd < 0 ||
	    pthread_create(&fl.thread, NULL, floor_main, NULL) != 0) {
		fprintf(stderr, "cpu_floor: cannot start: %s\n", strerror(errno));
		fl.on = false;
	}
}

__attribute__((destructor)) static void floor_stop(void)
{
	struct rusage ru;
	double cpu;

	if (!fl.on)
		return;
	if (fl.itimer) {
		struct itimerval off = {{0, 0}, {0, 0}};
		setitimer(ITIMER_PROF, &off, NULL);
		fl.samples = (uint64_t)floor_sigs;
	} else {
		__atomic_store_n(&fl.stop, true, __ATOMIC_RELEASE);
		pthread_join(fl.thread, NULL);
		floor_drain();
	}
	getrusage(RUSAGE_SELF, &ru);
	cpu = (double)(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) +
	      (double)(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
	fprintf(stderr, "cpu_floor: %s: %llu samples, %llu lost, %.0f a second of CPU%s\n",
		fl.spec, (unsigned long long)fl.samples, (unsigned long long)fl.lost,
		cpu > 0 ? (double)fl.samples / cpu : 0.0,
		!fl.itimer && fl.attr.exclude_kernel ? " (user time only)" : "");
}
