/* SPDX-License-Identifier: MIT */
/*
 * itimer.c - the CPU sampler where perf_event_open is refused
 * (perf_event_paranoid 3, a seccomp filter, a container): ITIMER_PROF
 * sends SIGPROF as the process uses CPU, to the thread that used it, and
 * the handler records that thread's stack.
 *
 * The handler is async-signal-safe: no lock, no allocation.  It reads the
 * interrupted registers from the ucontext and walks the frame-pointer
 * chain; the stack is read through process_vm_readv on our own process
 * in 2 KiB windows, so a frame pointer that is really a data register
 * (code built without frame pointers) makes the walk stop, never fault.
 * Records go into one bounded lock-free queue (Vyukov's: a sequence number
 * per slot) that any thread may write and only the collector reads; a
 * full queue counts the sample as lost.  Each sample weighs the CPU time
 * its thread used since its previous one (CLOCK_THREAD_CPUTIME_ID), since
 * the kernel checks CPU timers at its tick and may deliver one signal for
 * several periods.
 */
#define _GNU_SOURCE 1 /* as the build's config.h: POSIX and Linux calls */
#ifdef HAVE_CONFIG_H
#include "config.h" /* the build's HAVE_LIBDW; none outside the tree */
#endif

#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <sys/uio.h>
#include <time.h>
#include <ucontext.h>
#include <unistd.h>

#include "cpu.h"

#define IT_SLOTS 2048 /* a power of two */
#define IT_DEPTH 64
#define IT_WINDOW 2048

typedef struct it_slot {
	uint64_t seq;
	uint32_t tid, n;
	uint64_t time_ns, weight_ns;
	uint64_t ips[IT_DEPTH];
} it_slot;

struct hpi_cpu_itimer {
	it_slot *slots;
	uint64_t tail;
	uint64_t period_ns;
	struct sigaction old;
};

/* The handler's view: set while a timer runs. */
static it_slot *it_slots;
static uint64_t it_head, it_lost, it_period_ns;
static int it_active; /* handlers running now */
static int it_vm_failed; /* process_vm_readv refused: leaf only */
static pid_t it_pid;
static __thread uint64_t it_last_cpu __attribute__((tls_model("initial-exec")));

static uint64_t it_clock(clockid_t id)
{
	struct timespec ts;

	clock_gettime(id, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* The interrupted pc, frame pointer and stack pointer. */
static void it_regs(const ucontext_t *uc, uint64_t *pc, uint64_t *fp, uint64_t *sp)
{
#if defined(__x86_64__)
	*pc = (uint64_t)uc->uc_mcontext.gregs[REG_RIP];
	*fp = (uint64_t)uc->uc_mcontext.gregs[REG_RBP];
	*sp = (uint64_t)uc->uc_mcontext.gregs[REG_RSP];
#elif defined(__aarch64__)
	*pc = uc->uc_mcontext.pc;
	*fp = uc->uc_mcontext.regs[29];
	*sp = uc->uc_mcontext.sp;
#else
	(void)uc;
	*pc = *fp = *sp = 0;
#endif
}

/* Walks the frame records from fp (each: the caller's fp, then the return
 * address) within the stack above sp; fills s->ips from index 1. */
static void it_walk(it_slot *s, uint64_t fp, uint64_t sp)
{
	uint64_t win[IT_WINDOW / 8], lo = 0, hi = 0; /* window [lo, hi) */

	while (s->n < IT_DEPTH && fp >= sp && (fp & 7) == 0 && !it_vm_failed) {
		uint64_t next, ra;
		if (fp < lo || fp + 16 > hi) {
			/* a transfer never splits an iovec: one per page, so a
			 * window that runs into an unmapped page reads up to it */
			uint64_t cut = (fp | 4095) + 1 - fp;
			struct iovec l = {win, sizeof(win)}, r[2] = {
				{(void *)(uintptr_t)fp, cut < sizeof(win) ? cut : sizeof(win)},
				{(void *)(uintptr_t)(fp + cut), cut < sizeof(win) ? sizeof(win) - cut : 0}};
			ssize_t got = syscall(SYS_process_vm_readv, it_pid, &l, 1UL, r,
					      r[1].iov_len ? 2UL : 1UL, 0UL);
			if (got < 16) {
				if (got < 0 && (errno == ENOSYS || errno == EPERM))
					__atomic_store_n(&it_vm_failed, 1, __ATOMIC_RELAXED);
				return;
			}
			lo = fp;
			hi = fp + (uint64_t)got;
		}
		next = win[(fp - lo) / 8];
		ra = win[(fp - lo) / 8 + 1];
		if (ra == 0)
			return;
		s->ips[s->n++] = ra;
		/* frames only go up the stack, and not by megabytes */
		if (next <= fp || next - fp > (1u << 20))
			return;
		fp = next;
	}
}

/* Claims the next free slot, or NULL when the queue is full. */
static it_slot *it_claim(it_slot *slots, uint64_t *posp)
{
	uint64_t pos = __atomic_load_n(&it_head, __ATOMIC_RELAXED);

	for (;;) {
		it_slot *s = &slots[pos & (IT_SLOTS - 1)];
		int64_t diff = (int64_t)(__atomic_load_n(&s->seq, __ATOMIC_ACQUIRE) - pos);
		if (diff == 0) {
			if (__atomic_compare_exchange_n(&it_head, &pos, pos + 1, true,
							__ATOMIC_RELAXED, __ATOMIC_RELAXED)) {
				*posp = pos;
				return s;
			}
		} else if (diff < 0) {
			return NULL;
		} else {
			pos = __atomic_load_n(&it_head, __ATOMIC_RELAXED);
		}
	}
}

static void it_handler(int sig, siginfo_t *si, void *ucv)
{
	int saved = errno;
	it_slot *slots, *s;
	uint64_t pos, pc, fp, sp, cpu, last;

	(void)sig;
	(void)si;
	__atomic_add_fetch(&it_active, 1, __ATOMIC_ACQ_REL);
	if ((slots = __atomic_load_n(&it_slots, __ATOMIC_ACQUIRE)) == NULL)
		goto out;
	cpu = it_clock(CLOCK_THREAD_CPUTIME_ID);
	last = it_last_cpu;
	it_last_cpu = cpu;
	if ((s = it_claim(slots, &pos)) == NULL) {
		__atomic_add_fetch(&it_lost, 1, __ATOMIC_RELAXED);
		goto out;
	}
	it_regs(ucv, &pc, &fp, &sp);
	s->tid = (uint32_t)syscall(SYS_gettid);
	s->time_ns = it_clock(CLOCK_MONOTONIC);
	/* a thread's first sample, or one after a long pause: one period */
	s->weight_ns = last == 0 || cpu - last > 50 * it_period_ns ? it_period_ns : cpu - last;
	s->ips[0] = pc;
	s->n = 1;
	it_walk(s, fp, sp);
	__atomic_store_n(&s->seq, pos + 1, __ATOMIC_RELEASE);
out:
	__atomic_sub_fetch(&it_active, 1, __ATOMIC_ACQ_REL);
	errno = saved;
}

hpi_cpu_itimer *hpi_cpu_itimer_start(int hz, char **cause)
{
	hpi_cpu_itimer *t;
	struct sigaction sa;
	struct itimerval iv, cur;
	long usec = 1000000L / (hz > 0 ? hz : 1);

	*cause = NULL;
	if (sigaction(SIGPROF, NULL, &sa) == 0 && sa.sa_handler != SIG_DFL) {
		*cause = hpi_cpu_asprintf("the program handles SIGPROF itself");
		return NULL;
	}
	if (getitimer(ITIMER_PROF, &cur) == 0 &&
	    (cur.it_value.tv_sec != 0 || cur.it_value.tv_usec != 0)) {
		*cause = hpi_cpu_asprintf("an ITIMER_PROF timer is running already");
		return NULL;
	}
	if ((t = calloc(1, sizeof(*t))) == NULL ||
	    (t->slots = calloc(IT_SLOTS, sizeof(it_slot))) == NULL) {
		free(t);
		*cause = hpi_cpu_asprintf("out of memory");
		return NULL;
	}
	for (uint64_t i = 0; i < IT_SLOTS; i++)
		t->slots[i].seq = i;
	t->period_ns = (uint64_t)usec * 1000u;
	it_head = 0;
	it_lost = 0;
	it_vm_failed = 0;
	it_pid = getpid();
	it_period_ns = t->period_ns;
	__atomic_store_n(&it_slots, t->slots, __ATOMIC_RELEASE);
	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = it_handler;
	sa.sa_flags = SA_SIGINFO | SA_RESTART;
	sigfillset(&sa.sa_mask);
	sigaction(SIGPROF, &sa, &t->old);
	iv.it_interval.tv_sec = usec / 1000000L;
	iv.it_interval.tv_usec = usec % 1000000L;
	iv.it_value = iv.it_interval;
	if (setitimer(ITIMER_PROF, &iv, NULL) != 0) {
		*cause = hpi_cpu_asprintf("setitimer: %s", strerror(errno));
		sigaction(SIGPROF, &t->old, NULL);
		__atomic_store_n(&it_slots, NULL, __ATOMIC_RELEASE);
		free(t->slots);
		free(t);
		return NULL;
	}
	return t;
}

void hpi_cpu_itimer_drain(hpi_cpu_itimer *t, hpi_cpu_sample_fn fn, void *u)
{
	for (;;) {
		it_slot *s = &t->slots[t->tail & (IT_SLOTS - 1)];
		hpi_cpu_sample smp = {0};

		if (__atomic_load_n(&s->seq, __ATOMIC_ACQUIRE) != t->tail + 1)
			break;
		smp.pid = (uint32_t)it_pid;
		smp.tid = s->tid;
		smp.time_ns = s->time_ns;
		smp.weight_ns = s->weight_ns;
		smp.ips = s->ips;
		smp.nips = s->n;
		fn(u, &smp);
		__atomic_store_n(&s->seq, t->tail + IT_SLOTS, __ATOMIC_RELEASE);
		t->tail++;
	}
}

uint64_t hpi_cpu_itimer_lost(const hpi_cpu_itimer *t)
{
	(void)t;
	return __atomic_load_n(&it_lost, __ATOMIC_RELAXED);
}

void hpi_cpu_itimer_stop(hpi_cpu_itimer *t)
{
	struct itimerval off = {{0, 0}, {0, 0}};
	struct sigaction ign;

	if (t == NULL)
		return;
	setitimer(ITIMER_PROF, &off, NULL);
	/* SIG_IGN discards a SIGPROF still pending, which the default action
	 * would turn into the program's death */
	memset(&ign, 0, sizeof(ign));
	ign.sa_handler = SIG_IGN;
	sigaction(SIGPROF, &ign, NULL);
	__atomic_store_n(&it_slots, NULL, __ATOMIC_RELEASE);
	for (int i = 0; i < 1000 && __atomic_load_n(&it_active, __ATOMIC_ACQUIRE) > 0; i++) {
		struct timespec ms = {0, 1000000};
		nanosleep(&ms, NULL);
	}
	sigaction(SIGPROF, &t->old, NULL);
	free(t->slots);
	free(t);
}
