/* SPDX-License-Identifier: MIT */
/*
 * test_cpu.c - the CPU sampler's parts (plugins/cpu): samples added by
 * hand give exact rows in cpu, cpu_threads, cpu_stacks and cpu_scopes
 * (self, total once per sample however deep the recursion, CPU time as
 * samples x period, stacks root first, named from this program's own
 * symbols); then the two real samplers, perf_event_open and ITIMER_PROF,
 * each sample a spinning thread of this process and find the spinning
 * function at the top of its stacks.  Names: an inlined call is a frame
 * of its own with its file:line, an address libdw cannot name is
 * "module+0xoffset" or "[unknown]+0xaddress"; the stack table stays
 * bounded (PROF_MAX_STACKS).  Real sampling is skipped under
 * valgrind (it emulates the CPU: no perf events, no profiling timer).
 */
#include "config.h"

#include <check.h>
#include <fcntl.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "hpi.h"
#include "cpu.h"
#include "profile.h"
#include "registry.h"
#include "../testlib.h"

uint64_t cpu_fn_a(uint64_t x);
uint64_t cpu_fn_b(uint64_t x);
uint64_t cpu_fn_c(uint64_t x);

__attribute__((noinline)) uint64_t cpu_fn_c(uint64_t x)
{
	for (int i = 0; i < 1000; i++) {
		x = x * 6364136223846793005ull + 1;
		__asm__ __volatile__("" : "+r"(x));
	}
	return x;
}

__attribute__((noinline)) uint64_t cpu_fn_b(uint64_t x)
{
	return cpu_fn_c(x) + 1;
}

__attribute__((noinline)) uint64_t cpu_fn_a(uint64_t x)
{
	return cpu_fn_b(x) + 1;
}

#define PC(f) ((uint64_t)(uintptr_t)(f) + 4)

/* The row of sec whose column key has text v, or -1. */
static long row_of(const hp_section *sec, const char *key, const char *v)
{
	int c = hpi_section_col(sec, key);

	for (size_t r = 0; c >= 0 && r < hp_section_nrows(sec); r++)
		if (strcmp(hp_section_text(sec, r, (size_t)c), v) == 0)
			return (long)r;
	return -1;
}

static int64_t int_at(const hp_section *sec, long row, const char *key)
{
	int c = hpi_section_col(sec, key);

	return row < 0 || c < 0 ? -1 : hp_section_int(sec, (size_t)row, (size_t)c);
}

static hpi_cpu_profile *new_profile(void)
{
	hpi_cpu_profile_opts o = {.period_ns = 1000000, .limit = 20, .method = "test",
				  .unwind = "dwarf", .pid = getpid()};

	return hpi_cpu_profile_new(&o);
}

START_TEST(sections_are_exact)
{
	hpi_cpu_profile *p = new_profile();
	hpi_cpu_unwind *u = hpi_cpu_unwind_new(getpid(), hpi_host());
	hp_snapshot *snap = hpi_snapshot_new();
	uint64_t abc[] = {PC(cpu_fn_c), PC(cpu_fn_b), PC(cpu_fn_a)};
	uint64_t ab[] = {PC(cpu_fn_b), PC(cpu_fn_a)};
	uint64_t a[] = {PC(cpu_fn_a)};
	uint64_t rec[] = {PC(cpu_fn_a), PC(cpu_fn_a), PC(cpu_fn_a)};
	const hp_section *cpu, *st, *th;
	long r;

	ck_assert_ptr_nonnull(p);
	for (int i = 0; i < 3; i++)
		hpi_cpu_profile_add(p, 100, (uint64_t)i, 1000000, abc, 3);
	for (int i = 0; i < 2; i++)
		hpi_cpu_profile_add(p, 200, (uint64_t)i, 1000000, ab, 2);
	hpi_cpu_profile_add(p, 200, 10, 1000000, a, 1);
	hpi_cpu_profile_add(p, 200, 11, 1000000, rec, 3);
	ck_assert_uint_eq(hpi_cpu_profile_samples(p), 7);
	ck_assert_int_eq(hpi_cpu_profile_snapshot(p, u, hpi_host(), snap), 0);
	cpu = hp_snapshot_find(snap, "cpu");
	st = hp_snapshot_find(snap, "cpu_stacks");
	th = hp_snapshot_find(snap, "cpu_threads");
	ck_assert_ptr_nonnull(cpu);
	ck_assert_ptr_nonnull(st);
	ck_assert_ptr_nonnull(th);
	ck_assert_str_eq(hp_section_meta(cpu, "cpu.samples"), "7");
	ck_assert_str_eq(hp_section_meta(st, "json.all"), "1");
#ifdef HAVE_LIBDW
	/* self: the top frame; total: once per sample, recursion or not */
	r = row_of(cpu, "function", "cpu_fn_c");
	ck_assert_int_eq(int_at(cpu, r, "self"), 3);
	ck_assert_int_eq(int_at(cpu, r, "total"), 3);
	ck_assert_int_eq(int_at(cpu, r, "self_time"), 3000000);
	r = row_of(cpu, "function", "cpu_fn_b");
	ck_assert_int_eq(int_at(cpu, r, "self"), 2);
	ck_assert_int_eq(int_at(cpu, r, "total"), 5);
	r = row_of(cpu, "function", "cpu_fn_a");
	ck_assert_int_eq(int_at(cpu, r, "self"), 2);
	ck_assert_int_eq(int_at(cpu, r, "total"), 7);
	ck_assert_int_eq(int_at(cpu, r, "total_time"), 7000000);
	ck_assert_int_eq(row_of(cpu, "function", "cpu_fn_c"), 0); /* most self first */
	/* stacks root first; the same names make one row */
	ck_assert_uint_eq(hp_section_nrows(st), 4);
	r = row_of(st, "stack", "cpu_fn_a;cpu_fn_b;cpu_fn_c");
	ck_assert_int_eq(int_at(st, r, "samples"), 3);
	ck_assert_int_eq(int_at(st, r, "self"), 3000000);
	ck_assert_int_eq(int_at(st, row_of(st, "stack", "cpu_fn_a;cpu_fn_b"), "samples"), 2);
	ck_assert_int_eq(int_at(st, row_of(st, "stack", "cpu_fn_a"), "samples"), 1);
	ck_assert_int_eq(int_at(st, row_of(st, "stack", "cpu_fn_a;cpu_fn_a;cpu_fn_a"),
				"samples"), 1);
	ck_assert_str_eq(hp_section_text(cpu, 0, (size_t)hpi_section_col(cpu, "module")),
			 "test_cpu");
#endif
	(void)r;
	ck_assert_uint_eq(hp_section_nrows(th), 2);
	ck_assert_int_eq(int_at(th, 0, "tid"), 100);
	ck_assert_int_eq(int_at(th, 0, "samples"), 3);
	ck_assert_int_eq(int_at(th, 1, "samples"), 4);
	ck_assert_int_eq(int_at(th, 1, "cpu"), 4000000);
	ck_assert_ptr_null(hp_snapshot_find(snap, "cpu_scopes")); /* no scope added */
	hpi_snapshot_free(snap);
	hpi_cpu_unwind_free(u);
	hpi_cpu_profile_free(p);
}
END_TEST

START_TEST(scopes_count_the_samples_inside)
{
	hpi_cpu_profile *p = new_profile();
	hpi_cpu_unwind *u = hpi_cpu_unwind_new(getpid(), hpi_host());
	hp_snapshot *snap = hpi_snapshot_new();
	uint64_t a[] = {PC(cpu_fn_a)};
	const hp_section *sc;

	for (uint64_t t = 10; t <= 50; t += 10)
		hpi_cpu_profile_add(p, 7, t, 1000000, a, 1);
	hpi_cpu_profile_add(p, 8, 25, 1000000, a, 1); /* another thread */
	hpi_cpu_profile_scope(p, 3, 7, 15, 20);       /* [15, 35): 20 and 30 */
	hpi_cpu_profile_scope(p, 3, 7, 50, 5);        /* [50, 55): 50 */
	hpi_cpu_profile_scope(p, 4, 7, 0, 10);        /* [0, 10): none */
	hpi_cpu_profile_scope(p, 4, 9, 0, 100);       /* a thread never sampled */
	ck_assert_int_eq(hpi_cpu_profile_snapshot(p, u, hpi_host(), snap), 0);
	sc = hp_snapshot_find(snap, "cpu_scopes");
	ck_assert_ptr_nonnull(sc);
	ck_assert_uint_eq(hp_section_nrows(sc), 2);
	ck_assert_int_eq(int_at(sc, 0, "calls"), 2);
	ck_assert_int_eq(int_at(sc, 0, "wall"), 25);
	ck_assert_int_eq(int_at(sc, 0, "cpu"), 3000000);
	ck_assert_double_eq(hp_section_real(sc, 0, (size_t)hpi_section_col(sc, "on_cpu_percent")),
			    100.0); /* capped: a sample stands for a whole period */
	ck_assert_int_eq(int_at(sc, 1, "calls"), 2);
	ck_assert_int_eq(int_at(sc, 1, "wall"), 110);
	ck_assert_int_eq(int_at(sc, 1, "cpu"), 0);
	hpi_snapshot_free(snap);
	hpi_cpu_unwind_free(u);
	hpi_cpu_profile_free(p);
}
END_TEST

/* A thread that says its tid on fds[1], then waits on fds[2] until
 * written to: named while it lives. */
static void *idle_thread(void *arg)
{
	const int *fds = arg;
	pid_t tid = (pid_t)syscall(SYS_gettid);
	char c;

	if (write(fds[1], &tid, sizeof(tid)) != (ssize_t)sizeof(tid))
		return NULL;
	return (void *)(intptr_t)read(fds[2], &c, 1);
}

START_TEST(threads_named_after_their_first_sample)
{
	hpi_cpu_profile *p = new_profile();
	hpi_cpu_unwind *u = hpi_cpu_unwind_new(getpid(), hpi_host());
	hp_snapshot *snap = hpi_snapshot_new();
	uint64_t a[] = {PC(cpu_fn_a)};
	const hp_section *th;
	int said[2], wake[2], fds[3];
	pid_t tid = 0;
	pthread_t t;

	ck_assert_int_eq(pipe(said), 0);
	ck_assert_int_eq(pipe(wake), 0);
	fds[1] = said[1];
	fds[2] = wake[0];
	ck_assert_int_eq(pthread_setname_np(pthread_self(), "cpu-main"), 0);
	ck_assert_int_eq(pthread_create(&t, NULL, idle_thread, fds), 0);
	ck_assert_int_eq(read(said[0], &tid, sizeof(tid)), (ssize_t)sizeof(tid));
	/* its first sample comes while it still has its creator's name */
	hpi_cpu_profile_add(p, (uint32_t)tid, 10, 1000000, a, 1);
	ck_assert_int_eq(pthread_setname_np(t, "worker-7"), 0);
	ck_assert_int_eq(hpi_cpu_profile_snapshot(p, u, hpi_host(), snap), 0);
	th = hp_snapshot_find(snap, "cpu_threads");
	ck_assert_ptr_nonnull(th);
	ck_assert_int_eq(row_of(th, "name", "worker-7"), 0);
	hpi_snapshot_free(snap);
	/* read again at its first three snapshots only: a rename after them
	 * is not seen (a /proc read a thread a snapshot is bounded) */
	for (int i = 0; i < 2; i++) {
		snap = hpi_snapshot_new();
		ck_assert_int_eq(hpi_cpu_profile_snapshot(p, u, hpi_host(), snap), 0);
		hpi_snapshot_free(snap);
	}
	ck_assert_int_eq(pthread_setname_np(t, "late-name"), 0);
	snap = hpi_snapshot_new();
	ck_assert_int_eq(hpi_cpu_profile_snapshot(p, u, hpi_host(), snap), 0);
	th = hp_snapshot_find(snap, "cpu_threads");
	ck_assert_int_eq(row_of(th, "name", "worker-7"), 0);
	hpi_snapshot_free(snap);
	/* once it has gone, the report keeps the last name read */
	ck_assert_int_eq(write(wake[1], "x", 1), 1);
	ck_assert_int_eq(pthread_join(t, NULL), 0);
	snap = hpi_snapshot_new();
	ck_assert_int_eq(hpi_cpu_profile_snapshot(p, u, hpi_host(), snap), 0);
	th = hp_snapshot_find(snap, "cpu_threads");
	ck_assert_int_eq(row_of(th, "name", "worker-7"), 0);
	hpi_snapshot_free(snap);
	for (int i = 0; i < 2; i++) {
		close(said[i]);
		close(wake[i]);
	}
	hpi_cpu_unwind_free(u);
	hpi_cpu_profile_free(p);
}
END_TEST

/* ---- real sampling ------------------------------------------------------ */

static bool under_valgrind(void)
{
	const char *p = getenv("LD_PRELOAD");

	return p != NULL && strstr(p, "vgpreload") != NULL;
}

typedef struct got {
	hpi_cpu_unwind *u;
	size_t samples, in_c, with_b; /* samples; cpu_fn_c at the top; cpu_fn_b below it */
	pid_t tid;
} got;

static void on_sample(void *arg, const hpi_cpu_sample *s)
{
	got *g = arg;
	uint64_t pcs[HPI_CPU_MAX_DEPTH];
	size_t n = hpi_cpu_unwind_stack(g->u, s, true, pcs, HPI_CPU_MAX_DEPTH), nf;
	const hpi_cpu_frame *f;

	if ((pid_t)s->tid != g->tid || n == 0)
		return;
	g->samples++;
	f = hpi_cpu_unwind_name(g->u, pcs[0], &nf);
	if (strcmp(f[nf - 1].func, "cpu_fn_c") != 0)
		return;
	g->in_c++;
	for (size_t i = 1; i < n; i++) {
		f = hpi_cpu_unwind_name(g->u, pcs[i], &nf);
		if (strcmp(f[nf - 1].func, "cpu_fn_b") == 0) {
			g->with_b++;
			break;
		}
	}
}

/* Spins in cpu_fn_a -> b -> c for ms of this thread's CPU, draining perf's
 * rings every 10 ms as the collector would (a ring holds ~15 samples with
 * their stack copies).  The fallback's ring holds 2,048 samples: it is
 * drained once, after the spin, so that the drain's own unwinding (slow
 * under a sanitizer) draws none of this thread's samples. */
static void spin_cpu(int ms, hpi_cpu_perf *p, got *g)
{
	struct timespec t0, t1;
	uint64_t x = 1;
	long last = 0, now;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t0);
	do {
		/* few clock reads: SIGPROF comes on the way out of the kernel,
		 * so a system call in the loop draws the fallback's samples */
		for (int i = 0; i < 500; i++)
			x = cpu_fn_a(x);
		clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t1);
		now = (t1.tv_sec - t0.tv_sec) * 1000 + (t1.tv_nsec - t0.tv_nsec) / 1000000;
		if (now - last >= 10) {
			last = now;
			if (p != NULL)
				hpi_cpu_perf_drain(p, on_sample, g);
		}
	} while (now < ms);
	ck_assert_uint_ne(x, 0);
}

START_TEST(perf_samples_this_thread)
{
	hpi_cpu_perf_opts o = {.pid = getpid(), .frequency = 999, .stack_bytes = 8192,
			      .host = hpi_host()};
	got g = {.tid = (pid_t)gettid()};
	hpi_cpu_perf *p;
	char *cause = NULL;
	int err;

	if (under_valgrind())
		return;
	if ((p = hpi_cpu_perf_new(&o, &err, &cause)) == NULL) {
		fprintf(stderr, "# perf_event_open refused, not tested: %s\n", cause);
		free(cause);
		return;
	}
	g.u = hpi_cpu_unwind_new(getpid(), hpi_host());
	spin_cpu(300, p, &g);
	hpi_cpu_perf_drain(p, on_sample, &g);
	/* 300 ms of CPU at 999 Hz: about 300 samples, most in cpu_fn_c (a
	 * slow drain, as under a sanitizer on a loaded machine, may let the
	 * small rings overflow: those samples are counted as lost) */
	ck_assert_msg(g.samples + hpi_cpu_perf_lost(p) >= 150, "%u samples, %ju lost",
		      (unsigned)g.samples, (uintmax_t)hpi_cpu_perf_lost(p));
	ck_assert_uint_ge(g.in_c, g.samples / 2);
#ifdef HAVE_LIBDW
	ck_assert_uint_ge(g.with_b, g.in_c * 9 / 10); /* the caller found by DWARF */
#endif
	hpi_cpu_perf_free(p);
	hpi_cpu_unwind_free(g.u);
}
END_TEST

START_TEST(itimer_samples_this_thread)
{
	got g = {.tid = (pid_t)gettid()};
	hpi_cpu_itimer *t;
	char *cause = NULL;

	if (under_valgrind())
		return;
	t = hpi_cpu_itimer_start(999, &cause);
	ck_assert_msg(t != NULL, "%s", cause ? cause : "");
	g.u = hpi_cpu_unwind_new(getpid(), hpi_host());
	/* the kernel's tick (100 to 1000 Hz): at least 20 signals in 300 ms
	 * of CPU, or (a machine so loaded that the thread rarely runs at a
	 * tick) in up to 3 s of it */
	spin_cpu(300, NULL, &g);
	hpi_cpu_itimer_drain(t, on_sample, &g);
	for (int more = 0; g.samples < 20 && more < 27; more++) {
		spin_cpu(100, NULL, &g);
		hpi_cpu_itimer_drain(t, on_sample, &g);
	}
	hpi_cpu_itimer_stop(t);
	ck_assert_uint_ge(g.samples, 20);
	ck_assert_uint_ge(g.in_c, g.samples / 2);
	ck_assert_uint_eq(hpi_cpu_itimer_lost(NULL), 0);
	hpi_cpu_unwind_free(g.u);
}
END_TEST

/* The address of the text symbol name in /proc/kallsyms (0: none shown). */
static uint64_t kallsyms_addr(const char *name)
{
	FILE *f = fopen("/proc/kallsyms", "re");
	char line[512], sym[256], type;
	unsigned long long a;
	uint64_t found = 0;

	if (f == NULL)
		return 0;
	while (found == 0 && fgets(line, sizeof(line), f) != NULL)
		if (sscanf(line, "%llx %c %255s", &a, &type, sym) == 3 && (type == 'T' || type == 't') &&
		    strcmp(sym, name) == 0)
			found = a;
	fclose(f);
	return found;
}

START_TEST(kernel_functions_named_from_kallsyms)
{
	const char *why = NULL;
	uint64_t vr = kallsyms_addr("vfs_read"), kw = kallsyms_addr("ksys_write");
	/* a return address in each (named as the call: less one), a user
	 * address and the unnamed kernel frame, which are left alone */
	uint64_t pcs[] = {vr + 0x10, kw + 1, 0x401000, HPI_CPU_KERNEL_PC, vr + 0x10};
	hpi_cpu_unwind *u;
	const hpi_cpu_frame *f;
	size_t n;
	pid_t child;
	int status;

	/* no cache folder: kallsyms itself is read (kallsyms_cache_per_boot
	 * has the cache) */
	setenv("XDG_CACHE_HOME", "/nonexistent/hotpath-test", 1);

	/* as nobody first (root only), in a child that has not asked yet (the
	 * answer is remembered per process): kallsyms shows it zeros, and the
	 * reason says so */
	if (getuid() == 0) {
		if ((child = fork()) == 0) {
			const char *w = NULL;
			if (setgid(65534) != 0 || setuid(65534) != 0)
				_exit(3);
			if (hpi_cpu_kallsyms_readable(&w))
				_exit(4); /* kptr_restrict 0 and perf_event_paranoid 1 or less */
			_exit(w != NULL && strncmp(w, "/proc/kallsyms shows this user no addresses "
						     "(kernel.kptr_restrict is ", 69) == 0 ? 0 : 5);
		}
		ck_assert_int_gt(child, 0);
		ck_assert_int_eq(waitpid(child, &status, 0), child);
		ck_assert_msg(WIFEXITED(status), "status %d", status);
		if (WEXITSTATUS(status) == 4)
			fprintf(stderr, "# nobody reads kallsyms's addresses here (perf_event_paranoid <= 1)\n");
		else
			ck_assert_int_eq(WEXITSTATUS(status), 0);
	}
	if (!hpi_cpu_kallsyms_readable(&why)) {
		/* not root here: why names kptr_restrict */
		ck_assert_ptr_nonnull(why);
		ck_assert_msg(strncmp(why, "/proc/kallsyms shows this user no addresses "
				      "(kernel.kptr_restrict is ", 69) == 0, "%s", why);
		fprintf(stderr, "# kallsyms not readable, names not tested: %s\n", why);
		return;
	}
	ck_assert_ptr_null(why);
	ck_assert_uint_ne(vr, 0);
	ck_assert_uint_ne(kw, 0);
	u = hpi_cpu_unwind_new(getpid(), hpi_host());
	ck_assert_ptr_nonnull(u);
	/* not named before the one read of kallsyms */
	f = hpi_cpu_unwind_name(u, vr + 0x10, &n);
	ck_assert_str_eq(f[0].func, "[kernel]");
	hpi_cpu_unwind_kernel_names(u, pcs, sizeof(pcs) / sizeof(pcs[0]));
	f = hpi_cpu_unwind_name(u, vr + 0x10, &n);
	ck_assert_uint_eq(n, 1);
	ck_assert_str_eq(f[0].func, "vfs_read");
	ck_assert_str_eq(f[0].module, "[kernel]");
	ck_assert_ptr_null(f[0].file);
	f = hpi_cpu_unwind_name(u, kw + 1, &n);
	ck_assert_str_eq(f[0].func, "ksys_write");
	f = hpi_cpu_unwind_name(u, HPI_CPU_KERNEL_PC, &n);
	ck_assert_str_eq(f[0].func, "[kernel]");
	hpi_cpu_unwind_free(u);

}
END_TEST

/* The mode of path, or -1. */
static int mode_of(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0 ? (int)(st.st_mode & 07777) : -1;
}

START_TEST(kallsyms_cache_per_boot)
{
	uint64_t vr = kallsyms_addr("vfs_read"), kw = kallsyms_addr("ksys_write");
	uint64_t pcs[] = {vr + 0x10, kw + 1};
	char dir[] = "/tmp/hp_ksyms.XXXXXX", path[256], other[256], boot[64] = "";
	const char *name = NULL, *module = NULL;
	hpi_cpu_ksyms *k;
	hpi_cpu_unwind *u;
	const hpi_cpu_frame *f;
	struct stat st;
	size_t n;
	FILE *b;

	if (!hpi_cpu_kallsyms_readable(NULL)) {
		fprintf(stderr, "# kallsyms not readable here: its cache not tested\n");
		return;
	}
	ck_assert_ptr_nonnull(mkdtemp(dir));
	setenv("XDG_CACHE_HOME", dir, 1);
	ck_assert_ptr_nonnull(b = fopen("/proc/sys/kernel/random/boot_id", "re"));
	ck_assert_ptr_nonnull(fgets(boot, sizeof(boot), b));
	fclose(b);
	boot[strcspn(boot, "\n")] = '\0';
	snprintf(path, sizeof(path), "%s/hotpath/kallsyms-%s", dir, boot);
	snprintf(other, sizeof(other), "%s/hotpath/kallsyms-another-boot", dir);

	/* the first open writes it: the folder 0700, the file 0600 */
	ck_assert_ptr_nonnull(k = hpi_cpu_ksyms_open());
	ck_assert_int_eq(mode_of(path), 0600);
	snprintf(other, sizeof(other), "%s/hotpath", dir);
	ck_assert_int_eq(mode_of(other), 0700);
	ck_assert(hpi_cpu_ksyms_find(k, vr + 0x10, &name, &module));
	ck_assert_str_eq(name, "vfs_read");
	ck_assert_str_eq(module, "[kernel]");
	ck_assert(hpi_cpu_ksyms_find(k, kw, &name, &module));
	ck_assert_str_eq(name, "ksys_write");
	/* a user address, and one above the kernel's text (no module here
	 * is that high): not the cache's to name */
	ck_assert(!hpi_cpu_ksyms_find(k, 0x401000, &name, &module));
	ck_assert(!hpi_cpu_ksyms_find(k, UINT64_MAX - 4096, &name, &module));
	hpi_cpu_ksyms_close(k);

	/* a damaged file (cut short), one readable by others, are written
	 * again; a cache of another boot is removed then */
	snprintf(other, sizeof(other), "%s/hotpath/kallsyms-another-boot", dir);
	ck_assert_ptr_nonnull(b = fopen(other, "w"));
	fclose(b);
	ck_assert_int_eq(stat(path, &st), 0);
	ck_assert_int_eq(truncate(path, st.st_size - 1), 0);
	ck_assert_ptr_nonnull(k = hpi_cpu_ksyms_open());
	ck_assert(hpi_cpu_ksyms_find(k, vr + 0x10, &name, &module));
	ck_assert_str_eq(name, "vfs_read");
	hpi_cpu_ksyms_close(k);
	ck_assert_int_eq(mode_of(other), -1);
	{
		struct stat now;
		ck_assert_int_eq(stat(path, &now), 0);
		ck_assert_int_eq(now.st_size, st.st_size);
	}
	ck_assert_int_eq(chmod(path, 0644), 0);
	ck_assert_ptr_nonnull(k = hpi_cpu_ksyms_open());
	hpi_cpu_ksyms_close(k);
	ck_assert_int_eq(mode_of(path), 0600);

	/* the unwinder names from it */
	u = hpi_cpu_unwind_new(getpid(), hpi_host());
	ck_assert_ptr_nonnull(u);
	hpi_cpu_unwind_kernel_names(u, pcs, 2);
	f = hpi_cpu_unwind_name(u, vr + 0x10, &n);
	ck_assert_str_eq(f[0].func, "vfs_read");
	ck_assert_str_eq(f[0].module, "[kernel]");
	f = hpi_cpu_unwind_name(u, kw + 1, &n);
	ck_assert_str_eq(f[0].func, "ksys_write");
	hpi_cpu_unwind_free(u);

	/* a folder that is not there and cannot be made: no cache */
	snprintf(other, sizeof(other), "%s/missing", dir);
	setenv("XDG_CACHE_HOME", other, 1);
	ck_assert_ptr_null(hpi_cpu_ksyms_open());
	ck_assert_int_eq(unlink(path), 0);
	snprintf(other, sizeof(other), "%s/hotpath", dir);
	ck_assert_int_eq(rmdir(other), 0);
	ck_assert_int_eq(rmdir(dir), 0);
}
END_TEST

/* ---- names: inlined calls, file:line, unknown frames; the stack bound ---- */

uint64_t cpu_fn_outer(void);
uint64_t cpu_ra_of_caller(void);

/* The return address into its caller (an inlined call of cpu_fn_inl). */
__attribute__((noinline)) uint64_t cpu_ra_of_caller(void)
{
	uint64_t ra = (uint64_t)(uintptr_t)__builtin_return_address(0);

	__asm__ __volatile__("" : "+r"(ra));
	return ra;
}

static const int inl_line = __LINE__ + 4; /* the line of the call below */
static inline __attribute__((always_inline)) uint64_t cpu_fn_inl(uint64_t x)
{
	__asm__ __volatile__("" : "+r"(x));
	return cpu_ra_of_caller() + (x & 0);
}

static const int outer_line = __LINE__ + 3; /* the line of the inlined call */
__attribute__((noinline)) uint64_t cpu_fn_outer(void)
{
	uint64_t x = 7, r = cpu_fn_inl(x);
	__asm__ __volatile__("" : "+r"(r)); /* no tail call: a return address here */
	return r;
}

/* Whether path ends with "/" name or is name. */
static bool ends_with_file(const char *path, const char *name)
{
	size_t lp = path ? strlen(path) : 0, ln = strlen(name);

	return lp >= ln && strcmp(path + lp - ln, name) == 0 && (lp == ln || path[lp - ln - 1] == '/');
}

/* A return address inside an inlined call is two frames, outermost first,
 * each with its file and line; an address in a file that is no ELF object
 * is "file+0xoffset", one in an anonymous mapping "[unknown]+0xaddress":
 * named, never dropped. */
START_TEST(frames_inlined_lines_and_unknown)
{
	char dir[] = "/tmp/hp_cpu_names.XXXXXX", blob[64], want[96];
	uint64_t ra = cpu_fn_outer();
	hpi_cpu_unwind *u;
	const hpi_cpu_frame *f;
	size_t n;
	void *map, *anon;
	FILE *b;
	int fd;

	ck_assert_ptr_nonnull(mkdtemp(dir));
	snprintf(blob, sizeof(blob), "%s/blob.bin", dir);
	ck_assert_ptr_nonnull(b = fopen(blob, "w"));
	for (int i = 0; i < 3 * 4096; i++)
		fputc('z', b);
	ck_assert_int_eq(fclose(b), 0);
	ck_assert_int_ge(fd = open(blob, O_RDONLY), 0);
	/* its second page, at file offset 0x1000 */
	map = mmap(NULL, 4096, PROT_READ, MAP_PRIVATE, fd, 4096);
	ck_assert_ptr_ne(map, MAP_FAILED);
	close(fd);
	anon = mmap(NULL, 4096, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ck_assert_ptr_ne(anon, MAP_FAILED);
	u = hpi_cpu_unwind_new(getpid(), hpi_host());
	ck_assert_ptr_nonnull(u);

	f = hpi_cpu_unwind_name(u, (uint64_t)(uintptr_t)map + 0x10, &n);
	ck_assert_uint_eq(n, 1);
#ifdef HAVE_LIBDW
	ck_assert_str_eq(f[0].func, "blob.bin+0x10"); /* libdwfl's module: from its mapping */
#else
	ck_assert_str_eq(f[0].func, "blob.bin+0x1010"); /* /proc/PID/maps: the file offset */
#endif
	f = hpi_cpu_unwind_name(u, (uint64_t)(uintptr_t)anon + 0x20, &n);
	ck_assert_uint_eq(n, 1);
	snprintf(want, sizeof(want), "[unknown]+0x%" PRIx64, (uint64_t)(uintptr_t)anon + 0x20);
	ck_assert_str_eq(f[0].func, want);
#ifdef HAVE_LIBDW
	/* the call's return address, less one: in the inlined code */
	f = hpi_cpu_unwind_name(u, ra - 1, &n);
	ck_assert_uint_eq(n, 2);
	ck_assert_str_eq(f[0].func, "cpu_fn_outer");
	ck_assert_str_eq(f[0].module, "test_cpu");
	ck_assert_msg(ends_with_file(f[0].file, "test_cpu.c"), "%s", f[0].file ? f[0].file : "NULL");
	ck_assert_int_eq(f[0].line, outer_line);
	ck_assert_str_eq(f[1].func, "cpu_fn_inl");
	ck_assert_msg(ends_with_file(f[1].file, "test_cpu.c"), "%s", f[1].file ? f[1].file : "NULL");
	ck_assert_int_eq(f[1].line, inl_line);
	/* the same address again: the same frames, from the table */
	ck_assert_ptr_eq(hpi_cpu_unwind_name(u, ra - 1, &n), f);
#else
	(void)ra;
	(void)outer_line;
	(void)inl_line;
#endif
	hpi_cpu_unwind_free(u);
	munmap(map, 4096);
	munmap(anon, 4096);
	ck_assert_int_eq(unlink(blob), 0);
	ck_assert_int_eq(rmdir(dir), 0);
}
END_TEST

/* Memory is bounded: past PROF_MAX_STACKS distinct stacks, a sample counts
 * under its leaf alone (one more stack, however many samples). */
START_TEST(stacks_bounded)
{
	hpi_cpu_profile *p = new_profile();
	uint64_t pcs[2] = {PC(cpu_fn_c), 0};

	ck_assert_ptr_nonnull(p);
	for (uint64_t i = 0; i < PROF_MAX_STACKS; i++) {
		pcs[1] = 0x100000 + i * 16;
		hpi_cpu_profile_add(p, 100, i, 1000, pcs, 2);
	}
	ck_assert_uint_eq(p->nstacks, PROF_MAX_STACKS);
	ck_assert_uint_eq(p->folded, 0);
	for (uint64_t i = 0; i < 1000; i++) {
		pcs[1] = 0x900000 + i * 16;
		hpi_cpu_profile_add(p, 100, PROF_MAX_STACKS + i, 1000, pcs, 2);
	}
	ck_assert_uint_eq(p->nstacks, PROF_MAX_STACKS + 1);
	ck_assert_uint_eq(p->folded, 1000);
	ck_assert_uint_eq(hpi_cpu_profile_samples(p), PROF_MAX_STACKS + 1000);
	hpi_cpu_profile_free(p);
}
END_TEST

static Suite *cpu_suite(void)
{
	Suite *s = suite_create("cpu");
	TCase *tc = tcase_create("cpu");

	tcase_add_test(tc, sections_are_exact);
	tcase_add_test(tc, scopes_count_the_samples_inside);
	tcase_add_test(tc, threads_named_after_their_first_sample);
	tcase_add_test(tc, perf_samples_this_thread);
	tcase_add_test(tc, itimer_samples_this_thread);
	tcase_add_test(tc, kernel_functions_named_from_kallsyms);
	tcase_add_test(tc, kallsyms_cache_per_boot);
	tcase_add_test(tc, frames_inlined_lines_and_unknown);
	tcase_add_test(tc, stacks_bounded);
	tcase_set_timeout(tc, 60);
	suite_add_tcase(s, tc);
	return s;
}

HP_TEST_MAIN(cpu_suite)
