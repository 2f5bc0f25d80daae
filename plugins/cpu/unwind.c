/* SPDX-License-Identifier: MIT */
/*
 * unwind.c - call stacks for the CPU sampler, through elfutils' libdwfl
 * over one process's memory map (/proc/PID/maps: the main PIE, its shared
 * libraries, dlopen'ed ones after a refresh); the names of their addresses
 * are unwind_names.c's.
 *
 * Unwinding: the way `perf --call-graph dwarf` does it.  The sample carries
 * the user registers and a copy of the top of the user stack; libdwfl is
 * attached to the process with our own thread callbacks (dwfl_attach_state),
 * which hand it those registers and read memory only from the copy, and it
 * steps frame to frame with the modules' DWARF CFI (.eh_frame,
 * .debug_frame).  Where a frame has no CFI, elfutils' x86-64 backend falls
 * back to the frame pointer.  Without a copy (unwind: fp, or the itimer
 * fallback) the frame-pointer chain the kernel or the signal handler
 * walked is the stack.
 *
 * Built without libdw: frame-pointer chains only.
 */
#define _GNU_SOURCE 1 /* as the build's config.h: POSIX and Linux calls */
#ifdef HAVE_CONFIG_H
#include "config.h" /* the build's HAVE_LIBDW; none outside the tree */
#endif

#include <stdlib.h>
#include <string.h>

#ifdef HAVE_LIBDW
#include <dwarf.h>
#include <elfutils/libdw.h>
#include <elfutils/libdwfl.h>
#endif

#include "unwind.h"

#ifdef HAVE_LIBDW

static const Dwfl_Callbacks unwind_callbacks = {
	.find_elf = dwfl_linux_proc_find_elf,
	.find_debuginfo = dwfl_standard_find_debuginfo,
};

/* ---- dwfl thread callbacks: one thread, the sample's --------------------- */

static pid_t unwind_next_thread(Dwfl *dwfl, void *arg, void **thread_argp)
{
	hpi_cpu_unwind *u = arg;

	(void)dwfl;
	if (*thread_argp != NULL || u->cur == NULL)
		return 0;
	*thread_argp = u;
	return (pid_t)u->cur->tid;
}

static bool unwind_get_thread(Dwfl *dwfl, pid_t tid, void *arg, void **thread_argp)
{
	hpi_cpu_unwind *u = arg;

	(void)dwfl;
	if (u->cur == NULL || (pid_t)u->cur->tid != tid)
		return false;
	*thread_argp = u;
	return true;
}

/* Reads only from the sample's stack copy: anything else is unknown. */
static bool unwind_memory_read(Dwfl *dwfl, Dwarf_Addr addr, Dwarf_Word *result, void *arg)
{
	hpi_cpu_unwind *u = arg;

	(void)dwfl;
	if (u->cur == NULL || addr < u->sp || addr + 8 > u->sp + u->cur->stack_len ||
	    addr + 8 < addr)
		return false;
	memcpy(result, u->cur->stack + (addr - u->sp), 8);
	return true;
}

/* The sample's registers in DWARF numbering. */
static bool unwind_set_registers(Dwfl_Thread *thread, void *arg)
{
	hpi_cpu_unwind *u = arg;
	const uint64_t *r = u->cur->regs;
#if defined(__x86_64__)
	/* perf: AX BX CX DX SI DI BP SP IP R8..R15; DWARF: rax rdx rcx rbx rsi
	 * rdi rbp rsp r8..r15 rip */
	Dwarf_Word d[17] = {r[0], r[3], r[2], r[1], r[4], r[5], r[6], r[7],
			    r[9], r[10], r[11], r[12], r[13], r[14], r[15], r[16], r[8]};

	return dwfl_thread_state_registers(thread, 0, 17, d);
#elif defined(__aarch64__)
	Dwarf_Word d[32];

	for (int i = 0; i < 32; i++)
		d[i] = r[i];
	dwfl_thread_state_register_pc(thread, r[32]);
	return dwfl_thread_state_registers(thread, 0, 32, d);
#else
	(void)thread;
	(void)r;
	return false;
#endif
}

static const Dwfl_Thread_Callbacks unwind_thread_callbacks = {
	.next_thread = unwind_next_thread,
	.get_thread = unwind_get_thread,
	.memory_read = unwind_memory_read,
	.set_initial_registers = unwind_set_registers,
};

/* The stack pointer among the sample's registers. */
static uint64_t unwind_sp(const hpi_cpu_sample *s)
{
#if defined(__x86_64__)
	return s->nregs > 7 ? s->regs[7] : 0;
#elif defined(__aarch64__)
	return s->nregs > 31 ? s->regs[31] : 0;
#else
	(void)s;
	return 0;
#endif
}

static int unwind_frame(Dwfl_Frame *state, void *arg)
{
	hpi_cpu_unwind *u = arg;
	Dwarf_Addr pc;
	bool act;

	if (!dwfl_frame_pc(state, &pc, &act) || pc == 0)
		return DWARF_CB_ABORT;
	if (!act && u->nout > 0)
		pc--;
	u->out[u->nout++] = pc;
	return u->nout < u->max ? DWARF_CB_OK : DWARF_CB_ABORT;
}

/* DWARF unwinding of s; the number of frames. */
static size_t unwind_dwarf(hpi_cpu_unwind *u, const hpi_cpu_sample *s, uint64_t *pcs,
			   size_t max)
{
	size_t n;

	if (u->dwfl == NULL || s->regs == NULL || s->stack == NULL)
		return 0;
	if ((n = hpi_cpu_cfi_unwind(u->cfi, u->dwfl, s, pcs, max)) > 0)
		return n; /* every frame's rules were simple (nearly always) */
	if (!u->attached) {
		if (!dwfl_attach_state(u->dwfl, NULL, u->pid, &unwind_thread_callbacks, u))
			return 0;
		u->attached = true;
	}
	u->cur = s;
	u->sp = unwind_sp(s);
	u->out = pcs;
	u->nout = 0;
	u->max = max;
	(void)dwfl_getthread_frames(u->dwfl, (pid_t)s->tid, unwind_frame, u);
	u->cur = NULL;
	return u->nout;
}

/* Reports the process's modules (again). */
void hpi_cpu_unwind_report(hpi_cpu_unwind *u)
{
	dwfl_report_begin_add(u->dwfl);
	(void)dwfl_linux_proc_report(u->dwfl, u->pid);
	dwfl_report_end(u->dwfl, NULL, NULL);
	hpi_cpu_cfi_forget(u->cfi); /* addresses without a module may have one now */
}

hpi_cpu_unwind *hpi_cpu_unwind_new(pid_t pid, const hp_host *host)
{
	hpi_cpu_unwind *u = calloc(1, sizeof(*u));

	if (u == NULL)
		return NULL;
	u->pid = pid;
	u->host = host;
	u->cfi = hpi_cpu_cfi_new();
	if ((u->dwfl = dwfl_begin(&unwind_callbacks)) != NULL) {
		dwfl_report_begin(u->dwfl);
		(void)dwfl_linux_proc_report(u->dwfl, pid);
		dwfl_report_end(u->dwfl, NULL, NULL);
	}
	return u;
}

void hpi_cpu_unwind_refresh(hpi_cpu_unwind *u)
{
	if (u->dwfl != NULL)
		hpi_cpu_unwind_report(u);
}

void hpi_cpu_unwind_debug_files(hpi_cpu_unwind *u, bool on)
{
	u->debug_files = on;
	hpi_cpu_cfi_debug_files(u->cfi, on);
}

#else /* !HAVE_LIBDW */

hpi_cpu_unwind *hpi_cpu_unwind_new(pid_t pid, const hp_host *host)
{
	hpi_cpu_unwind *u = calloc(1, sizeof(*u));

	if (u != NULL) {
		u->pid = pid;
		u->host = host;
	}
	return u;
}

void hpi_cpu_unwind_refresh(hpi_cpu_unwind *u)
{
	(void)u;
}

void hpi_cpu_unwind_debug_files(hpi_cpu_unwind *u, bool on)
{
	(void)u;
	(void)on;
}

#endif /* HAVE_LIBDW */

size_t hpi_cpu_unwind_stack(hpi_cpu_unwind *u, const hpi_cpu_sample *s, bool dwarf,
			    uint64_t *pcs, size_t max)
{
	/* a sample in the kernel: its kernel call chain (named from
	 * kallsyms), or where that is unreadable one "[kernel]" frame, on
	 * top of the user stack, which the registers, the copy and the chain
	 * past the kernel's part describe */
	size_t n = 0, top = 0, nk = s->kernel ? (s->nkernel > 0 ? s->nkernel : 1) : 0;
	const uint64_t *ips = s->ips + (nk < s->nips ? nk : s->nips);
	size_t nips = nk < s->nips ? s->nips - nk : 0;

	if (s->kernel && max > 1) {
		if (s->nkernel > 0 && s->nips > 0) {
			for (top = 0; top < nk && top < s->nips && top < max - 1; top++)
				pcs[top] = top > 0 && s->ips[top] > 0 ? s->ips[top] - 1 : s->ips[top];
		} else {
			pcs[0] = HPI_CPU_KERNEL_PC;
			top = 1;
		}
		pcs += top;
		max -= top;
	}
#ifdef HAVE_LIBDW
	if (dwarf)
		n = unwind_dwarf(u, s, pcs, max);
#else
	(void)u;
	(void)dwarf;
#endif
	/* the frame-pointer chain when DWARF gave less (no CFI for the leaf):
	 * the kernel's, or with a stack copy (no chain asked for), the copy's */
	if (n < 2 && s->stack != NULL) {
		uint64_t fp[HPI_CPU_MAX_DEPTH];
		size_t k = hpi_cpu_fp_walk(s, fp, max < HPI_CPU_MAX_DEPTH ? max : HPI_CPU_MAX_DEPTH);
		if (k > n) {
			memcpy(pcs, fp, k * sizeof(*fp));
			n = k;
		}
	}
	if (n < 2 && nips > n) {
		n = nips < max ? nips : max;
		for (size_t i = 0; i < n; i++)
			pcs[i] = i > 0 && ips[i] > 0 ? ips[i] - 1 : ips[i];
	}
	return n + top;
}

void hpi_cpu_unwind_free(hpi_cpu_unwind *u)
{
	if (u == NULL)
		return;
#ifdef HAVE_LIBDW
	if (u->dwfl != NULL)
		dwfl_end(u->dwfl);
	hpi_cpu_cfi_free(u->cfi);
#endif
	hpi_cpu_ksyms_close(u->ksyms);
	for (size_t i = 0; i < u->capnames; i++)
		free(u->names[i].frames);
	free(u->names);
	for (size_t i = 0; i < u->nstrings; i++)
		free(u->strings[i]);
	free(u->strings);
	free(u);
}
