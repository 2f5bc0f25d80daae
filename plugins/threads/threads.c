/* SPDX-License-Identifier: MIT */
/*
 * threads.c - the built-in threads plugin: every collectors.threads.interval_ms
 * (250) it reads /proc/self/task and keeps, per thread, its name, state,
 * CPU time (user, system, and the scheduler's exact total), CPU% over the
 * last interval, its maximum and average, and context switches; per
 * process, RSS now and at most and the thread count.  A thread that exits
 * keeps its last figures.  hotpath's own threads (hp-*) are marked.
 *
 * It samples on the collector's HP_EV_TICK, so it needs no thread of its
 * own, and once more when a snapshot is taken.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE /* O_CLOEXEC, clock_gettime, syscall when built alone */
#endif

#include <dirent.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include <hotpath/plugin.h> /* all it uses: it could be an external plugin */

typedef struct thr {
	uint64_t tid;
	char name[32];
	char state;          /* /proc state letter; 'x' once it has exited */
	uint64_t utime, stime; /* ns, from clock ticks */
	uint64_t cpu;        /* ns on CPU (schedstat), else utime + stime */
	uint64_t cpu0, t0;   /* at first sight: for the average */
	uint64_t last_cpu, last_t;
	double pct, max_pct;
	uint64_t vcsw, ivcsw;
	bool seen_now;
} thr;

typedef struct threads_state {
	const hp_host *host;
	uint64_t interval_ns;
	long limit;
	uint64_t last_sample; /* elapsed ns */
	bool sampled;
	thr *v;
	size_t n, cap;
	uint64_t rss, rss_max, nthreads;
	uint64_t tick_ns;     /* ns per clock tick */
} threads_state;

/* Reads a small /proc file into buf; its length, or -1. */
static ssize_t threads_read(const char *path, char *buf, size_t len)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		return -1;
	n = read(fd, buf, len - 1);
	close(fd);
	if (n < 0)
		return -1;
	buf[n] = '\0';
	return n;
}

/* The number after "key:" in a /proc status text, or 0. */
static uint64_t threads_field(const char *text, const char *key)
{
	const char *p = strstr(text, key);

	return p ? strtoull(p + strlen(key), NULL, 10) : 0;
}

/* The record of a tid, added on first sight. */
static thr *threads_get(threads_state *st, uint64_t tid)
{
	for (size_t i = 0; i < st->n; i++)
		if (st->v[i].tid == tid)
			return &st->v[i];
	if (st->n == st->cap) {
		size_t cap = st->cap ? st->cap * 2 : 16;
		thr *p = realloc(st->v, cap * sizeof(*p));
		if (p == NULL)
			return NULL;
		st->v = p;
		st->cap = cap;
	}
	memset(&st->v[st->n], 0, sizeof(thr));
	st->v[st->n].tid = tid;
	st->v[st->n].cpu0 = UINT64_MAX;
	return &st->v[st->n++];
}

/* stat: name, state, utime, stime.  The name may hold spaces and ')'. */
static void threads_stat(threads_state *st, thr *t, const char *dir)
{
	char path[96], buf[1024], *open_p, *close_p, *f;
	unsigned long long ut = 0, stt = 0;

	snprintf(path, sizeof(path), "%s/stat", dir);
	if (threads_read(path, buf, sizeof(buf)) < 0)
		return;
	open_p = strchr(buf, '(');
	close_p = strrchr(buf, ')');
	if (open_p == NULL || close_p == NULL || close_p < open_p || close_p[1] == '\0')
		return;
	snprintf(t->name, sizeof(t->name), "%.*s", (int)(close_p - open_p - 1), open_p + 1);
	t->state = close_p[2];
	/* after ") S": fields 4.. ; utime and stime are fields 14 and 15 */
	f = close_p + 2;
	for (int i = 3; i < 14 && f; i++)
		f = strchr(f + 1, ' ');
	if (f != NULL && sscanf(f, " %llu %llu", &ut, &stt) == 2) {
		t->utime = ut * st->tick_ns;
		t->stime = stt * st->tick_ns;
	}
}

/* The shortest window CPU % is taken over: 10 ms (half the interval when
 * that is shorter), long enough that the sampling itself does not show. */
static uint64_t threads_min_window(const threads_state *st)
{
	return st->interval_ns / 2 < 10000000u ? st->interval_ns / 2 : 10000000u;
}

/* One thread's figures now. */
/* A thread of this process's CPU time in ns, as schedstat's first field
 * (the scheduler's sum_exec_runtime), through its CPU-time clock: one
 * system call where schedstat is an open, a read and a close (Linux's
 * clock id of thread tid: ~tid << 3 | CPUCLOCK_PERTHREAD | CPUCLOCK_SCHED). */
static bool threads_cpu_ns(uint64_t tid, uint64_t *ns)
{
	clockid_t id = (clockid_t)(((unsigned)~(pid_t)tid << 3) | 4 | 2);
	struct timespec ts;

	if (clock_gettime(id, &ts) != 0)
		return false;
	*ns = (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
	return true;
}

static void threads_sample_one(threads_state *st, uint64_t tid, uint64_t now, bool full)
{
	char dir[64], path[96], buf[2048];
	thr *t = threads_get(st, tid);
	uint64_t cpu;
	bool sched;

	if (t == NULL)
		return;
	t->seen_now = true;
	snprintf(dir, sizeof(dir), "/proc/self/task/%llu", (unsigned long long)tid);
	if (full || t->name[0] == '\0')
		threads_stat(st, t, dir);
	snprintf(path, sizeof(path), "%s/schedstat", dir);
	sched = threads_cpu_ns(tid, &cpu);
	if (!sched && (sched = threads_read(path, buf, sizeof(buf)) > 0))
		cpu = strtoull(buf, NULL, 10);
	if (!sched && !full)
		threads_stat(st, t, dir);
	if (!sched)
		cpu = t->utime + t->stime;
	snprintf(path, sizeof(path), "%s/status", dir);
	if (full && threads_read(path, buf, sizeof(buf)) > 0) {
		t->vcsw = threads_field(buf, "voluntary_ctxt_switches:");
		t->ivcsw = threads_field(buf, "nonvoluntary_ctxt_switches:");
	}
	t->cpu = cpu;
	if (t->cpu0 == UINT64_MAX) {
		t->cpu0 = cpu;
		t->t0 = now;
	} else if (now > t->last_t && now - t->last_t >= threads_min_window(st)) {
		t->pct = 100.0 * (double)(cpu - t->last_cpu) / (double)(now - t->last_t);
		if (t->pct > 100.0) /* two clocks read a moment apart */
			t->pct = 100.0;
		if (t->pct > t->max_pct)
			t->max_pct = t->pct;
	} else {
		/* a snapshot moments after the last sample: a window that short
		 * says nothing (the collector, sampling, would be "100 %"), so
		 * CPU % stays the last interval's and the window goes on */
		return;
	}
	t->last_cpu = cpu;
	t->last_t = now;
}

/* Every thread of the process, and the process's memory.  A periodic
 * sample (full false) reads each thread's CPU time only (schedstat): the
 * state, name, context switches and memory are read for a snapshot, so an
 * idle program's sampling costs one small file per thread (issue 21). */
static void threads_sample(threads_state *st, uint64_t now, bool full)
{
	/* getdents64 into a stack buffer: no allocation, so a fork in the
	 * middle of a sample leaves nothing behind in the child */
	int fd = open("/proc/self/task", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	char buf[4096] __attribute__((aligned(8)));
	long n;

	for (size_t i = 0; i < st->n; i++)
		st->v[i].seen_now = false;
	while (fd >= 0 && (n = syscall(SYS_getdents64, fd, buf, sizeof(buf))) > 0) {
		for (long off = 0; off < n;) {
			struct dirent64 *e = (struct dirent64 *)(buf + off);
			if (e->d_name[0] >= '0' && e->d_name[0] <= '9')
				threads_sample_one(st, strtoull(e->d_name, NULL, 10), now, full);
			off += e->d_reclen;
		}
	}
	if (fd >= 0)
		close(fd);
	for (size_t i = 0; i < st->n; i++)
		if (!st->v[i].seen_now && st->v[i].state != 'x')
			st->v[i].state = 'x';
	if (full && threads_read("/proc/self/status", buf, sizeof(buf)) > 0) {
		st->rss = threads_field(buf, "VmRSS:") * 1024;
		st->rss_max = threads_field(buf, "VmHWM:") * 1024;
		st->nthreads = threads_field(buf, "Threads:");
	}
	st->last_sample = now;
	st->sampled = true;
}

/* A thread's exact last figures, which it read itself as it exited. */
static void threads_exited(threads_state *st, uint64_t tid, const hp_thread_exit *x)
{
	thr *t = threads_get(st, tid);

	if (t == NULL)
		return;
	snprintf(t->name, sizeof(t->name), "%s", x->name);
	t->state = 'x';
	t->cpu = x->cpu_ns;
	t->utime = x->user_ns;
	t->stime = x->sys_ns;
	t->vcsw = x->vcsw;
	t->ivcsw = x->ivcsw;
	if (t->cpu0 == UINT64_MAX) { /* never sampled alive: its whole life */
		t->cpu0 = 0;
		t->t0 = 0;
	}
	t->last_t = st->host->elapsed_ns();
}

static int threads_init(const hp_host *host, const hp_options *opts, void **state,
			char **cause)
{
	threads_state *st = calloc(1, sizeof(*st));
	long hz = sysconf(_SC_CLK_TCK);

	(void)cause;
	if (st == NULL)
		return HP_ENOMEM;
	st->host = host;
	st->interval_ns = (uint64_t)host->option_int(opts, "interval_ms", 250) * 1000000u;
	st->limit = (long)host->option_int(opts, "limit", 5);
	st->tick_ns = hz > 0 ? 1000000000u / (uint64_t)hz : 10000000u;
	*state = st; /* the first tick takes the first sample */
	return 0;
}

static void threads_event(void *state, const hp_event *ev)
{
	threads_state *st = state;

	if (ev->kind == HP_EV_THREAD_EXIT && ev->data != NULL) {
		threads_exited(st, ev->tid, ev->data);
		return;
	}
	if (ev->kind == HP_EV_TICK &&
	    (!st->sampled || ev->time_ns - st->last_sample >= st->interval_ns))
		threads_sample(st, ev->time_ns, false);
}

/* The /proc state letter in words. */
static const char *threads_state_name(char c)
{
	switch (c) {
	case 'R': return "Running";
	case 'S': return "Sleeping";
	case 'D': return "Blocked";
	case 'Z': return "Zombie";
	case 'T': return "Stopped";
	case 't': return "Traced";
	case 'I': return "Idle";
	case 'X': return "Dead";
	case 'x': return "Exited";
	default: return "Unknown";
	}
}

/* Most CPU first, then tid. */
static int threads_cmp(const void *a, const void *b)
{
	const thr *x = a, *y = b;

	if (x->cpu != y->cpu)
		return x->cpu > y->cpu ? -1 : 1;
	return x->tid < y->tid ? -1 : x->tid > y->tid;
}

/* hotpath's own threads: ours, and nng's (the publisher's). */
static bool threads_ours(const char *name)
{
	return strncmp(name, "hp-", 3) == 0 || strncmp(name, "nng:", 4) == 0;
}

typedef struct threads_alloc {
	hp_alloc_thread *v;
	size_t n, cap;
} threads_alloc;

static void threads_alloc_one(void *u, const hp_alloc_thread *t)
{
	threads_alloc *a = u;

	if (a->n == a->cap) {
		size_t cap = a->cap ? a->cap * 2 : 16;
		hp_alloc_thread *v = realloc(a->v, cap * sizeof(*v));
		if (v == NULL)
			return;
		a->v = v;
		a->cap = cap;
	}
	a->v[a->n++] = *t;
}

/* The allocation figures of thread tid, or NULL. */
static const hp_alloc_thread *threads_alloc_find(const threads_alloc *a, uint64_t tid)
{
	for (size_t i = 0; i < a->n; i++)
		if (a->v[i].tid == tid)
			return &a->v[i];
	return NULL;
}

/* One row per thread; with allocation tracking, three more cells. */
static void threads_rows(threads_state *st, hp_section *sec, const threads_alloc *al)
{
	const hp_host *h = st->host;

	for (size_t i = 0; i < st->n; i++) {
		const thr *t = &st->v[i];
		size_t r = h->row_add(sec), c = 0;
		uint64_t life = t->last_t > t->t0 ? t->last_t - t->t0 : 0;

		h->cell_text(sec, r, c++, t->name);
		h->cell_int(sec, r, c++, (int64_t)t->tid);
		h->cell_text(sec, r, c++, threads_state_name(t->state));
		h->cell_int(sec, r, c++, (int64_t)t->cpu);
		h->cell_int(sec, r, c++, (int64_t)t->utime);
		h->cell_int(sec, r, c++, (int64_t)t->stime);
		h->cell_real(sec, r, c++, t->pct);
		h->cell_real(sec, r, c++, t->max_pct);
		h->cell_real(sec, r, c++, life ? 100.0 * (double)(t->cpu - t->cpu0) / (double)life : 0.0);
		h->cell_int(sec, r, c++, (int64_t)t->vcsw);
		h->cell_int(sec, r, c++, (int64_t)t->ivcsw);
		h->cell_text(sec, r, c++, threads_ours(t->name) ? "yes" : "");
		if (al != NULL) {
			const hp_alloc_thread *a = threads_alloc_find(al, t->tid);
			h->cell_int(sec, r, c++, a ? (int64_t)a->bytes : 0);
			h->cell_int(sec, r, c++, a ? (int64_t)a->freed_bytes : 0);
			h->cell_int(sec, r, c++, a ? (int64_t)(a->bytes - a->freed_bytes) : 0);
		}
	}
}

static const struct {
	const char *key, *title;
	hp_unit unit;
} threads_cols[] = {
	{"name", "Thread", HP_UNIT_TEXT},
	{"tid", "TID", HP_UNIT_COUNT},
	{"state", "State", HP_UNIT_TEXT},
	{"cpu", "CPU", HP_UNIT_NS},
	{"cpu_user", "User", HP_UNIT_NS},
	{"cpu_sys", "System", HP_UNIT_NS},
	{"cpu_percent", "CPU %", HP_UNIT_PERCENT},
	{"cpu_max_percent", "Max %", HP_UNIT_PERCENT},
	{"cpu_avg_percent", "Avg %", HP_UNIT_PERCENT},
	{"ctx_voluntary", "Vol. ctx", HP_UNIT_COUNT},
	{"ctx_involuntary", "Invol. ctx", HP_UNIT_COUNT},
	{"hotpath", "hotpath", HP_UNIT_TEXT},
};

/* The process-wide row. */
static void threads_process(threads_state *st, hp_snapshot *snap)
{
	const hp_host *h = st->host;
	hp_section *sec = h->section_add(snap, "process", "Process");
	size_t r;

	if (sec == NULL)
		return;
	h->column_add(sec, "rss", "RSS", HP_UNIT_BYTES);
	h->column_add(sec, "rss_max", "Max RSS", HP_UNIT_BYTES);
	h->column_add(sec, "threads", "Threads", HP_UNIT_COUNT);
	h->meta_set(sec, "compare.columns", "rss_max");
	r = h->row_add(sec);
	h->cell_int(sec, r, 0, (int64_t)st->rss);
	h->cell_int(sec, r, 1, (int64_t)st->rss_max);
	h->cell_int(sec, r, 2, (int64_t)st->nthreads);
}

static int threads_snapshot(void *state, hp_snapshot *snap)
{
	threads_state *st = state;
	const hp_host *h = st->host;
	hp_section *sec = h->section_add(snap, "threads", "Threads");
	bool alloc = (h->alloc_status() & HP_ALLOC_TRACKED) != 0;
	threads_alloc al = {0};
	char lim[24];

	if (sec == NULL)
		return HP_ENOMEM;
	threads_sample(st, h->elapsed_ns(), true);
	for (size_t i = 0; i < sizeof(threads_cols) / sizeof(threads_cols[0]); i++)
		h->column_add(sec, threads_cols[i].key, threads_cols[i].title, threads_cols[i].unit);
	if (alloc) {
		h->column_add(sec, "alloc_bytes", "Alloc", HP_UNIT_BYTES);
		h->column_add(sec, "freed_bytes", "Freed", HP_UNIT_BYTES);
		h->column_add(sec, "alloc_diff", "Alloc - freed", HP_UNIT_BYTES);
		h->alloc_threads(threads_alloc_one, &al);
	}
	h->meta_set(sec, "table.columns",
		    alloc ? "name,tid,state,cpu,cpu_percent,cpu_avg_percent,"
			  "alloc_bytes,freed_bytes,alloc_diff,hotpath"
			: "name,tid,state,cpu,cpu_percent,cpu_max_percent,cpu_avg_percent,"
			  "ctx_voluntary,ctx_involuntary,hotpath");
	snprintf(lim, sizeof(lim), "%ld", st->limit);
	h->meta_set(sec, "report.limit", lim);
	h->meta_set(sec, "report.limit.key", "collectors.threads.limit");
	/* per-thread CPU of two runs is noise for `hotpath compare` */
	h->meta_set(sec, "compare.columns", "");
	h->meta_set(sec, "compare.ids", "tid"); /* never diffed */
	if (st->n > 1)
		qsort(st->v, st->n, sizeof(*st->v), threads_cmp);
	threads_rows(st, sec, alloc ? &al : NULL);
	free(al.v);
	threads_process(st, snap);
	return 0;
}

static void threads_fini(void *state)
{
	threads_state *st = state;

	if (st == NULL)
		return;
	free(st->v);
	free(st);
}

/* collectors.threads.* */
static const hp_option threads_options[] = {
	{ .key = "enabled", .type = HP_OPT_BOOL, .dflt = "true",
	  .help = "Per-thread CPU usage." },
	{ .key = "interval_ms", .type = HP_OPT_INT, .min = 10, .max = 60000, .dflt = "250",
	  .help = "Thread sampling period." },
	{ .key = "limit", .type = HP_OPT_INT, .min = 0, .max = 100000, .dflt = "5",
	  .help = "Threads in the static report, most CPU first; 0 uses `report.limit`." },
	{ .key = NULL },
};

const hp_plugin_ops hpi_threads_plugin = {
	.abi = HP_PLUGIN_ABI,
	.size = sizeof(hp_plugin_ops),
	.name = "threads",
	.description = "per-thread CPU, state and context switches; process RSS",
	.events = HP_EV_BIT(HP_EV_TICK) | HP_EV_BIT(HP_EV_THREAD_EXIT),
	.init = threads_init,
	.on_event = threads_event,
	.snapshot = threads_snapshot,
	.fini = threads_fini,
	.options = threads_options,
};
