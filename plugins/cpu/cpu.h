/* SPDX-License-Identifier: MIT */
/*
 * cpu.h - the CPU sampler's parts (docs/cpu.md), shared by the built-in
 * cpu plugin, libhotpath-cpu (`hotpath run --cpu`) and `hotpath attach`:
 *
 *   perf.c     perf_event_open per thread, the kernel's ring buffers
 *   itimer.c   the fallback: ITIMER_PROF / SIGPROF, a frame-pointer walk
 *   unwind.c   DWARF unwinding over copied registers and stack (libdwfl)
 *   unwind_names.c  the names of addresses: functions, inlined frames,
 *              lines, the kernel's functions (unwind.h: their shared state)
 *   profile.c  samples counted by stack, function, thread and measured scope;
 *              the cpu, cpu_threads, cpu_stacks and cpu_scopes sections
 *
 * Everything here runs on one thread, the one that drains (hotpath's
 * collector, or the attaching command); only itimer.c's signal handler
 * runs on the program's threads.
 */
#ifndef HPI_CPU_H
#define HPI_CPU_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <time.h>

#include <hotpath/plugin.h> /* all the cpu plugin uses of hotpath */

#define HPI_CPU_MAX_DEPTH 128

/* ---- the plugin's own helpers (profile.c) ---------------------------------- */

/* printf into a malloc'ed string; NULL when out of memory. */
char *hpi_cpu_asprintf(const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 1, 2)))
#endif
    ;

/* CLOCK_MONOTONIC in ns. */
static inline uint64_t hpi_cpu_mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* The part of path after its last '/'. */
static inline const char *hpi_cpu_basename(const char *path)
{
	const char *s = strrchr(path, '/');

	return s != NULL ? s + 1 : path;
}

/* One sample as read from a ring.  Borrowed for the callback's duration. */
typedef struct hpi_cpu_sample {
	uint32_t pid, tid;
	uint64_t time_ns;    /* CLOCK_MONOTONIC */
	uint64_t weight_ns;  /* CPU time this sample stands for */
	const uint64_t *ips; /* leaf first: the kernel's frame-pointer chain, or
			      * the signal handler's walk */
	size_t nips;
	const uint64_t *regs; /* perf's user registers (perf.c's mask), or NULL */
	size_t nregs;
	const uint8_t *stack; /* a copy of the user stack from regs' sp, or NULL */
	size_t stack_len;
	bool kernel;          /* taken in the kernel: ips[0] is a kernel address,
			       * regs and stack are user space's at its entry */
	size_t nkernel;       /* with kernel: ips[0..nkernel) are the kernel's
			       * call chain, leaf first, to be named; 0: one
			       * "[kernel]" frame instead (ips[0] skipped) */
} hpi_cpu_sample;

/* The leaf frame of a sample taken in the kernel whose functions are not
 * named (no readable /proc/kallsyms): named "[kernel]". */
#define HPI_CPU_KERNEL_PC (~UINT64_C(0) - 1)
/* Whether pc is a kernel address (the upper half: x86-64 and aarch64). */
#define HPI_CPU_IS_KERNEL(pc) ((int64_t)(pc) < 0)

typedef void (*hpi_cpu_sample_fn)(void *u, const hpi_cpu_sample *s);

/* ---- perf.c --------------------------------------------------------------- */

typedef struct hpi_cpu_perf hpi_cpu_perf;

typedef struct hpi_cpu_perf_opts {
	pid_t pid;          /* the process sampled: getpid() or a target */
	int frequency;      /* Hz */
	size_t stack_bytes; /* 0: no stack copy (frame pointers only) */
	bool skip_hotpath;  /* leave out threads named hp-* and nng:* */
	bool kernel;        /* sample time in the kernel too, where allowed */
	bool kernel_names;  /* and its call chain, to be named from kallsyms
			     * (where readable); else one [kernel] frame */
	const hp_host *host; /* its warn, for trouble met later (one line) */
} hpi_cpu_perf_opts;

/*
 * Opens a sampling event on every thread of o->pid.  NULL when none can be
 * opened; *cause (caller frees) then says why, naming the sysctl and the
 * capability when the kernel refused, and *err is the errno.  Free with
 * hpi_cpu_perf_free().
 */
hpi_cpu_perf *hpi_cpu_perf_new(const hpi_cpu_perf_opts *o, int *err, char **cause);
void hpi_cpu_perf_free(hpi_cpu_perf *p);
/* Opens events on threads started since the last call (reads /proc/PID/task),
 * closes those of threads that are gone.  Returns the number sampled now. */
size_t hpi_cpu_perf_threads(hpi_cpu_perf *p);
/* Hands every sample in the rings to fn, oldest first per thread. */
void hpi_cpu_perf_drain(hpi_cpu_perf *p, hpi_cpu_sample_fn fn, void *u);
/* An epoll descriptor over every thread's event: readable when a ring took
 * another 3/4 of its size, so a poll() on it may sleep until then (-1:
 * none).  The poll that reports it clears it. */
int hpi_cpu_perf_fd(const hpi_cpu_perf *p);
/* "cpu-clock" or "cycles"; the nominal ns per sample; samples lost. */
const char *hpi_cpu_perf_event(const hpi_cpu_perf *p);
uint64_t hpi_cpu_perf_period_ns(const hpi_cpu_perf *p);
uint64_t hpi_cpu_perf_lost(const hpi_cpu_perf *p);
/* Whether time in the kernel is sampled (asked for, and allowed), and
 * that said for the sections' meta (static text). */
bool hpi_cpu_perf_kernel(const hpi_cpu_perf *p);
const char *hpi_cpu_perf_kernel_text(const hpi_cpu_perf *p);
/* The message for a refused perf_event_open (errno err); malloc'ed. */
char *hpi_cpu_perf_refusal(int err, pid_t pid);

/* ---- itimer.c --------------------------------------------------------------- */

typedef struct hpi_cpu_itimer hpi_cpu_itimer;

/* Installs the SIGPROF handler and starts ITIMER_PROF at hz.  NULL with
 * *cause (caller frees) when the program already handles SIGPROF or a
 * timer is running.  One at a time per process. */
hpi_cpu_itimer *hpi_cpu_itimer_start(int hz, char **cause);
/* Stops the timer, restores the old handler, frees. */
void hpi_cpu_itimer_stop(hpi_cpu_itimer *t);
void hpi_cpu_itimer_drain(hpi_cpu_itimer *t, hpi_cpu_sample_fn fn, void *u);
uint64_t hpi_cpu_itimer_lost(const hpi_cpu_itimer *t);

/* ---- unwind.c, unwind_names.c ------------------------------------------------- */

typedef struct hpi_cpu_unwind hpi_cpu_unwind;

/* One frame of an address: a function, or an inlined call in it. */
typedef struct hpi_cpu_frame {
	const char *func;   /* "parse", or "libc.so.6+0x1234" when unknown */
	const char *file;   /* NULL when unknown */
	int line;
	const char *module; /* basename of the object, or NULL */
} hpi_cpu_frame;

/* The process whose addresses are unwound and named (maps read now).
 * Caller frees with hpi_cpu_unwind_free(). */
hpi_cpu_unwind *hpi_cpu_unwind_new(pid_t pid, const hp_host *host);
void hpi_cpu_unwind_free(hpi_cpu_unwind *u);
/* Whether lines and inlined calls come from separate debug files
 * (/usr/lib/debug) too, not only from DWARF in a module's own file;
 * function names come from both either way.  Off at first. */
void hpi_cpu_unwind_debug_files(hpi_cpu_unwind *u, bool on);
/* Re-reads the process's maps (new libraries), at most once per call. */
void hpi_cpu_unwind_refresh(hpi_cpu_unwind *u);
/*
 * The call stack of s into pcs (at most max), leaf first; every entry but
 * the first is a return address less one (so it names the call).  With
 * registers and a stack copy, DWARF CFI (dwarf = true); else, or when that
 * gives fewer frames than the frame-pointer chain, the chain.
 */
size_t hpi_cpu_unwind_stack(hpi_cpu_unwind *u, const hpi_cpu_sample *s, bool dwarf,
			    uint64_t *pcs, size_t max);
/* The frames of pc, outermost first (inlined calls after the function
 * holding them); *n of them.  Borrowed until hpi_cpu_unwind_free().  A
 * kernel address is named only once hpi_cpu_unwind_kernel_names() had it;
 * until then it is "[kernel]". */
const hpi_cpu_frame *hpi_cpu_unwind_name(hpi_cpu_unwind *u, uint64_t pc, size_t *n);
/* Names the kernel addresses among pcs (n of them, any order, repeats and
 * user addresses allowed): the function whose start is the nearest below,
 * and its module ("[kernel]" for the kernel itself), from this boot's
 * kallsyms cache (kallsyms.c), else from one read of /proc/kallsyms.
 * Reading kallsyms costs tens of ms of CPU, so after the first time it is
 * read again for addresses the cache does not cover at most every
 * HPI_CPU_KALLSYMS_EVERY_NS. */
#define HPI_CPU_KALLSYMS_EVERY_NS 5000000000ull
void hpi_cpu_unwind_kernel_names(hpi_cpu_unwind *u, const uint64_t *pcs, size_t n);
/* ---- kallsyms.c ---------------------------------------------------------------- */

typedef struct hpi_cpu_ksyms hpi_cpu_ksyms;

/* The kernel's text symbols of this boot from the cache file
 * ($XDG_CACHE_HOME/hotpath/kallsyms-BOOTID, else ~/.cache/hotpath/),
 * written first from /proc/kallsyms when missing or stale.  NULL where no
 * cache can be had: the caller reads kallsyms itself.  Only for a user to
 * whom kallsyms shows addresses.  Close with hpi_cpu_ksyms_close(). */
hpi_cpu_ksyms *hpi_cpu_ksyms_open(void);
void hpi_cpu_ksyms_close(hpi_cpu_ksyms *k);
/* The function whose start is the nearest at or below pc and its module
 * ("[kernel]", "[ext4]"), borrowed until the close; false when pc is not
 * in the kernel's or a module's text as the cache knows it. */
bool hpi_cpu_ksyms_find(const hpi_cpu_ksyms *k, uint64_t pc, const char **name,
			const char **module);

/* Whether mod's own file has DWARF (.debug_info or .debug_frame), not only
 * a separate debug file, whose DWARF libdw would decompress whole (tens of
 * ms for libc's) on first use.  Remembered per module. */
struct Dwfl_Module;
bool hpi_cpu_unwind_own_dwarf(struct Dwfl_Module *mod);
/* Whether /proc/kallsyms shows this user the kernel's addresses (checked
 * once per process); if not, *why says why (static text). */
bool hpi_cpu_kallsyms_readable(const char **why);

/* ---- cfi.c ------------------------------------------------------------------ */

struct Dwfl;
typedef struct hpi_cpu_cfi hpi_cpu_cfi;

/* The cache of CFI rules by address.  Free with hpi_cpu_cfi_free(). */
hpi_cpu_cfi *hpi_cpu_cfi_new(void);
void hpi_cpu_cfi_free(hpi_cpu_cfi *c);
/* Whether an address without .eh_frame rules may be looked up in a
 * separate debug file's .debug_frame too (hpi_cpu_unwind_debug_files): off
 * at first, and then only a module's own DWARF is read for it. */
void hpi_cpu_cfi_debug_files(hpi_cpu_cfi *c, bool on);
/* Drops every rule (the process's modules were reported again). */
void hpi_cpu_cfi_forget(hpi_cpu_cfi *c);
/* The stack of s (registers and stack copy) from cached rules, leaf first
 * as hpi_cpu_unwind_stack() gives it; 0 when a frame needs libdwfl. */
size_t hpi_cpu_cfi_unwind(hpi_cpu_cfi *c, struct Dwfl *dwfl, const hpi_cpu_sample *s,
			  uint64_t *pcs, size_t max);
/* Samples unwound by the cache, and handed on to libdwfl. */
void hpi_cpu_cfi_counts(const hpi_cpu_cfi *c, uint64_t *fast, uint64_t *slow);
/* The frame-pointer chain inside s's stack copy, leaf first. */
size_t hpi_cpu_fp_walk(const hpi_cpu_sample *s, uint64_t *pcs, size_t max);

/* ---- profile.c -------------------------------------------------------------- */

typedef struct hpi_cpu_profile hpi_cpu_profile;

typedef struct hpi_cpu_profile_opts {
	uint64_t period_ns;  /* nominal ns per sample */
	long limit;          /* rows of the cpu table in the static report */
	const char *method;  /* for the sections' meta: "perf cpu-clock", ... */
	const char *unwind;  /* "dwarf" or "fp" */
	const char *kernel;  /* for the meta: whether kernel time is sampled, or NULL */
	pid_t pid;           /* whose /proc/PID/task names threads */
} hpi_cpu_profile_opts;

hpi_cpu_profile *hpi_cpu_profile_new(const hpi_cpu_profile_opts *o);
void hpi_cpu_profile_free(hpi_cpu_profile *p);
/* One sample of thread tid at time (ns in the scope clock), its stack leaf
 * first as hpi_cpu_unwind_stack() gives it. */
void hpi_cpu_profile_add(hpi_cpu_profile *p, uint32_t tid, uint64_t time_ns,
			 uint64_t weight_ns, const uint64_t *pcs, size_t n);
/* A measured call of site (label) on tid, [start, start + dur): the CPU of
 * the samples inside it.  Its samples must have been added already. */
void hpi_cpu_profile_scope(hpi_cpu_profile *p, uint32_t site, uint64_t tid,
			   uint64_t start_ns, uint64_t dur_ns);
/* The sampler's state for the meta ("running", "stopped"; NULL: none). */
void hpi_cpu_profile_state(hpi_cpu_profile *p, const char *state);
/* Samples lost by the sampler, for the meta. */
void hpi_cpu_profile_lost(hpi_cpu_profile *p, uint64_t lost);
/* The sections; names come from u.  lab names scope sites (may be NULL
 * when no scope was added). */
/* Reads sampled threads' names again (snapshot time; a thread's first
 * three snapshots only). */
void hpi_cpu_profile_names(hpi_cpu_profile *p);
int hpi_cpu_profile_snapshot(hpi_cpu_profile *p, hpi_cpu_unwind *u, const hp_host *h,
			     hp_snapshot *snap);
uint64_t hpi_cpu_profile_samples(const hpi_cpu_profile *p);

#endif
