/* SPDX-License-Identifier: MIT */
/*
 * guard.c - the life of a profiling run: build (config, plugins, collector),
 * then report at hp_guard_end, at exit(), on timeout, or on SIGINT/SIGTERM
 * when report.on_signal asks for it.
 *
 * Precedence of settings: built-in defaults < hotpath.yaml < the program's
 * own (HP_MAIN options, builder calls) < HOTPATH_* variables.
 *
 * fork(): by default the child profiles nothing and reports nothing.  Its
 * copy of the guard is inert (hp_guard_end and exit() in the child do not
 * report), so the parent's report counts only the parent's calls.  The
 * child may build a guard of its own.  With report.fork: child, the atfork
 * handler only notes the fork (its time, the parent's guard); the child's
 * own guard is built from the parent's settings by the child's first
 * record (tbuf.c), its exit() or its hp_guard_end, on the program's thread.
 *
 * Its settings are guard_builder.c's, its report guard_report.c's (guard.h).
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <semaphore.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "hpi.h"
#include "collector.h"
#include "tbuf.h"

/* A fork child's start: the moment of the fork, and whose guard it was. */
typedef struct guard_start {
	uint64_t t0, mono0, unix0;
	hp_guard *from;
} guard_start;

static pthread_mutex_t guard_lock = PTHREAD_MUTEX_INITIALIZER;
static hp_guard *guard_live;
static hp_guard *volatile guard_orphan; /* a fork child's copy of the parent's */
static pthread_once_t guard_once = PTHREAD_ONCE_INIT;
static volatile sig_atomic_t guard_signal; /* set by the handler */
static sem_t guard_sem;     /* wakes the watcher; lives as long as the process */
volatile int hpi_guard_tried;
static __thread int guard_busy; /* this thread is building or finishing a guard */
volatile int hpi_guard_fork_pending;
static guard_start guard_fork_at;     /* valid while hpi_guard_fork_pending */
static pthread_mutex_t guard_fork_lock = PTHREAD_MUTEX_INITIALIZER;

static void guard_finish(hp_guard *g);
static hp_guard *guard_build(hp_guard_builder *b, unsigned long timeout_ms,
			     const guard_start *at);

/* ---- process hooks ------------------------------------------------------- */

/* exit() while a guard is alive: report (the program is ending, free
 * nothing).  Holding guard_lock keeps hp_guard_end on another thread from
 * freeing the guard under us; a thread that calls exit() from inside the
 * report (a reporter, a signal handler) returns at once instead of waiting
 * for itself. */
static void guard_atexit(void)
{
	if (guard_busy)
		return;
	if (hpi_guard_fork_pending)
		hpi_guard_fork_start(); /* a child that measured nothing reports too */
	pthread_mutex_lock(&guard_lock);
	if (guard_live != NULL && guard_live->pid == getpid())
		guard_finish(guard_live);
	pthread_mutex_unlock(&guard_lock);
	/* sockets of this or an earlier guard still closing on their own
	 * thread: give them a moment, so that exit() does not cut nng off
	 * half-way (bounded: the program is leaving, not waiting on peers) */
	hpi_publish_settle(250);
}

static void guard_fork_prepare(void)
{
	/* a just-ended guard's sockets closing on their own thread: that
	 * thread and what it holds would not exist in the child (bounded) */
	hpi_publish_settle(100);
	pthread_mutex_lock(&guard_lock);
	hpi_collector_atfork_prepare();
	hpi_publish_atfork_prepare();
	hpi_auto_atfork_prepare();
	hpi_site_atfork_prepare();
	hpi_sample_atfork_prepare();
	hpi_tbuf_atfork_prepare();
}

static void guard_fork_parent(void)
{
	hpi_tbuf_atfork_parent();
	hpi_sample_atfork_parent();
	hpi_site_atfork_parent();
	hpi_auto_atfork_parent();
	hpi_publish_atfork_parent();
	hpi_collector_atfork_parent();
	pthread_mutex_unlock(&guard_lock);
}

/* The child: nothing profiled, nothing reported, locks fresh. */
static void guard_fork_child(void)
{
	hp_guard *g = guard_live;
	int sampling = __atomic_load_n(&hp__rt.on, __ATOMIC_RELAXED) & HP__ON_SAMPLE;

	__atomic_store_n(&hp__rt.on, 0, __ATOMIC_RELAXED);
	/* no watcher here: the program's own signal dispositions come back */
	if (g != NULL && g->hooked_int)
		sigaction(SIGINT, &g->old_int, NULL);
	if (g != NULL && g->hooked_term)
		sigaction(SIGTERM, &g->old_term, NULL);
	guard_signal = 0;
	hpi_tbuf_atfork_child();
	hpi_sample_atfork_child();
	hpi_site_atfork_child();
	hpi_auto_atfork_child();
	hpi_collector_atfork_child();
	hpi_publish_atfork_child();
	pthread_mutex_init(&guard_lock, NULL);
	pthread_mutex_init(&guard_fork_lock, NULL);
	/* the parent's guard is not the child's to end or free (its plugins,
	 * sockets and threads are the parent's); kept reachable, never used */
	guard_orphan = guard_live;
	guard_live = NULL;
	hpi_guard_fork_pending = 0;
	if (g != NULL && g->cfg.fork.i == HPI_FORK_CHILD && !g->finished) {
		/* report.fork: child.  Only clock reads here; the guard itself is
		 * built later on the program's thread (hpi_guard_fork_start) */
		struct timespec ts;
		guard_fork_at.from = g;
		guard_fork_at.t0 = hp__now();
		guard_fork_at.mono0 = hpi_mono_ns();
		clock_gettime(CLOCK_REALTIME, &ts);
		guard_fork_at.unix0 = (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
		hpi_guard_fork_pending = 1;
		/* records flow (to a fresh buffer) until the guard takes them;
		 * allocation tracking waits for the guard */
		__atomic_store_n(&hp__rt.on, HP__ON | sampling, __ATOMIC_RELAXED);
	}
}

/* report.fork: child: builds this child's guard from its parent's
 * settings, with the fork as its start; once, whichever thread comes
 * first.  Not from the atfork handler: it loads the configuration and
 * plugins and starts threads. */
void hpi_guard_fork_start(void)
{
	HPI_INTERNAL(); /* hotpath's own allocations are not counted */
	hp_guard_builder *b;
	guard_start at;

	if (guard_busy)
		return; /* inside a guard's own build or report */
	pthread_mutex_lock(&guard_fork_lock);
	if (!hpi_guard_fork_pending) {
		pthread_mutex_unlock(&guard_fork_lock);
		return;
	}
	at = guard_fork_at;
	if ((b = hpi_guard_builder_copy(at.from->b)) == NULL ||
	    guard_build(b, 0, &at) == NULL) {
		/* said why; the child runs unprofiled */
		__atomic_store_n(&hp__rt.on, 0, __ATOMIC_RELAXED);
		hpi_tbuf_discard_all();
	}
	hpi_guard_fork_pending = 0;
	pthread_mutex_unlock(&guard_fork_lock);
}

static void guard_hooks_once(void)
{
	sem_init(&guard_sem, 0, 0);
	atexit(guard_atexit);
	pthread_atfork(guard_fork_prepare, guard_fork_parent, guard_fork_child);
}

/* ---- timeout and signals --------------------------------------------------- */

static void guard_on_signal(int sig)
{
	int saved = errno;

	guard_signal = sig;
	sem_post(&guard_sem);
	errno = saved;
}

/* Installs the report-on-signal handler where the program has none. */
static void guard_hook_signal(hp_guard *g, int sig, struct sigaction *old, bool *hooked)
{
	struct sigaction sa;

	if (sigaction(sig, NULL, old) != 0 || old->sa_handler == SIG_IGN)
		return; /* ignored on purpose (nohup, background jobs): keep it so */
	if (old->sa_handler != SIG_DFL || (old->sa_flags & SA_SIGINFO))
		return; /* the program's own handler decides; the report comes at
			 * exit() or hp_guard_end as usual (no warning: on_signal is
			 * on by default, and the program chose) */
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = guard_on_signal;
	sa.sa_flags = SA_RESTART; /* the program's blocking calls go on */
	sigemptyset(&sa.sa_mask);
	*hooked = sigaction(sig, &sa, NULL) == 0;
	(void)g;
}

/* Waits for the deadline, a signal, or the guard's end. */
static void *guard_watch(void *arg)
{
	hp_guard *g = arg;
	struct timespec ts;
	int rv, sig;

	hpi_alloc_thread_internal();

	for (;;) {
		if (g->deadline) {
			ts.tv_sec = (time_t)(g->deadline / 1000000000u);
			ts.tv_nsec = (long)(g->deadline % 1000000000u);
			rv = sem_clockwait(&guard_sem, CLOCK_MONOTONIC, &ts);
		} else {
			rv = sem_wait(&guard_sem);
		}
		if ((sig = guard_signal) != 0) {
			/* a signal wins over stopping: it must not be lost */
			guard_finish(g);
			signal(sig, SIG_DFL);
			kill(getpid(), sig);
			return NULL;
		}
		if (__atomic_load_n(&g->stopping, __ATOMIC_ACQUIRE))
			return NULL;
		if (rv != 0 && errno == ETIMEDOUT) {
			guard_finish(g);
			exit(0);
		}
	}
}

/* Starts the watcher when a timeout or on_signal asks for one. */
static void guard_watch_start(hp_guard *g, unsigned long timeout_ms)
{
	sigset_t all, old;

	if (timeout_ms == 0 && !g->cfg.on_signal)
		return;
	if (timeout_ms) /* saturating: a huge timeout is "never", not "now" */
		g->deadline = timeout_ms > (UINT64_MAX - g->mono0) / 1000000u
				  ? UINT64_MAX / 2 : g->mono0 + (uint64_t)timeout_ms * 1000000u;
	while (sem_trywait(&guard_sem) == 0)
		; /* posts left by an earlier guard */
	guard_signal = 0;
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	g->watching = pthread_create(&g->watcher, NULL, guard_watch, g) == 0;
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (!g->watching) {
		hpi_warn("cannot start the timeout thread; no timeout or signal report");
		return;
	}
	pthread_setname_np(g->watcher, "hp-watch");
	if (g->cfg.on_signal) {
		guard_hook_signal(g, SIGINT, &g->old_int, &g->hooked_int);
		guard_hook_signal(g, SIGTERM, &g->old_term, &g->hooked_term);
	}
}

/* Stops the watcher unless we are it; returns a signal that arrived while
 * it stopped and still has to be acted on (0 if none). */
static int guard_watch_stop(hp_guard *g)
{
	if (!g->watching)
		return 0;
	if (g->hooked_int)
		sigaction(SIGINT, &g->old_int, NULL);
	if (g->hooked_term)
		sigaction(SIGTERM, &g->old_term, NULL);
	g->hooked_int = g->hooked_term = false;
	if (pthread_equal(pthread_self(), g->watcher))
		return 0;
	__atomic_store_n(&g->stopping, true, __ATOMIC_RELEASE);
	sem_post(&guard_sem);
	pthread_join(g->watcher, NULL);
	g->watching = false;
	return guard_signal;
}

/* ---- finish -------------------------------------------------------------- */

/* Stops profiling and reports, once, whoever asks first. */
static void guard_finish(hp_guard *g)
{
	HPI_INTERNAL(); /* hotpath's own allocations are not counted */
	uint64_t elapsed;

	pthread_mutex_lock(&g->finish_lock);
	if (g->finished) {
		pthread_mutex_unlock(&g->finish_lock);
		return;
	}
	guard_busy++;
	__atomic_store_n(&hp__rt.on, 0, __ATOMIC_RELEASE);
	elapsed = hpi_mono_ns() - g->mono0;
	hpi_collector_stop(g->col);
	g->col = NULL;
	hpi_publish_stop(g->pub);
	g->pub = NULL;
	hpi_metrics_stop(g->met);
	g->met = NULL;
	hpi_tbuf_trim();
	hpi_host_set_report(g->cfg.pcts, g->cfg.npcts, g->mono0);
	hpi_host_freeze(elapsed);
	hpi_guard_report(g, elapsed);
	g->finished = true;
	guard_busy--;
	pthread_mutex_unlock(&g->finish_lock);
}

/* ---- build and end ---------------------------------------------------------- */

/* Frees a guard that is not (or no longer) running. */
static void guard_free(hp_guard *g)
{
	hpi_publish_stop(g->pub);
	hpi_metrics_stop(g->met);
	hpi_registry_free(g->reg);
	hpi_config_fini(&g->cfg);
	hp_guard_builder_free(g->b);
	pthread_mutex_destroy(&g->finish_lock);
	free(g);
}

/* The collector's longest sleep: 100 ms (10 wakeups a second while
 * nothing happens), 50 ms with the CPU sampler, whose rings wake the
 * collector as they fill (hpi_collector_watch), and whose new threads
 * are found on a pass. */
static int guard_idle_ms(hpi_config *c)
{
	const hpi_optval *cpu = hpi_config_opt(c, "cpu", "enabled");

	return cpu != NULL && cpu->b ? 50 : 100;
}

/* Starts publishing (publish.endpoint) through the running collector. */
static void guard_publish(hp_guard *g)
{
	hpi_publish_info in = {.program = hpi_guard_program(), .caller = g->b->caller,
			       .pid = (long)g->pid, .unix0_ns = g->unix0, .mono0_ns = g->mono0,
			       .pcts = g->cfg.pcts, .npcts = g->cfg.npcts};

	/* a fork child of a process that used nng publishes on sockets of
	 * its own (sp.c), in the discovery folder */
	g->pub = hpi_publish_start(&g->cfg, g->reg, &in);
	hpi_collector_publish(g->col, g->pub);
	if (!hpi_publish_usable())
		return; /* publish.metrics is nng's HTTP server, and its port the
			 * parent's (docs/threads-and-fork.md) */
	g->met = hpi_metrics_start(&g->cfg, g->reg, &in);
	hpi_collector_metrics(g->col, g->met);
}

/* Loads settings and plugins; false when profiling must not start. */
static bool guard_setup(hp_guard *g)
{
	int failures = 0;

	if (hpi_config_load(&g->cfg, NULL) != 0) {
		hpi_warn("strict: the configuration has errors; profiling not started");
		return false;
	}
	hpi_guard_apply_builder(&g->cfg, g->b);
	if (g->root != NULL)
		hpi_guard_apply_fork(&g->cfg, (long)g->pid);
	hpi_alloc_configure(&g->cfg);
	hpi_io_configure(&g->cfg);
	hpi_tbuf_set_max_mb(g->cfg.buffer_max_mb);
	g->reg = hpi_registry_new(&g->cfg, &failures);
	if (g->reg == NULL) {
		hpi_warn("out of memory; profiling not started");
		return false;
	}
	if (failures && g->cfg.strict) {
		hpi_warn("strict: %d plugin(s) failed; profiling not started", failures);
		return false;
	}
	return true;
}

/* Builds and starts a guard; at: a fork child's (report.fork), else NULL. */
static hp_guard *guard_build(hp_guard_builder *b, unsigned long timeout_ms,
			     const guard_start *at)
{
	HPI_INTERNAL(); /* hotpath's own allocations are not counted */
	hp_guard *g;
	char *cause = NULL;

	if (b == NULL)
		return NULL;
	hpi_guard_tried = 1;
	/* format 1 is format 2 without short values: read as it is */
	if (b->rec_format != HP__REC_FORMAT && b->rec_format != 1) {
		/* its inlined writers would feed the collector garbage */
		hpi_warn("\"%s\" was built for hotpath record format %d, this libhotpath "
			 "reads format %d: not profiled (rebuild it against this hotpath)",
			 b->caller, b->rec_format, HP__REC_FORMAT);
		hp_guard_builder_free(b);
		return NULL;
	}
	pthread_once(&guard_once, guard_hooks_once);
	pthread_mutex_lock(&guard_lock);
	guard_busy++;
	if (guard_live != NULL) {
		hpi_warn("a guard is already alive (\"%s\"); \"%s\" is not started",
			 guard_live->b->caller, b->caller);
		guard_busy--;
		pthread_mutex_unlock(&guard_lock);
		hp_guard_builder_free(b);
		return NULL;
	}
	if ((g = calloc(1, sizeof(*g))) == NULL) {
		guard_busy--;
		pthread_mutex_unlock(&guard_lock);
		hp_guard_builder_free(b);
		return NULL;
	}
	g->b = b;
	g->pid = getpid();
	if (at != NULL)
		g->root = at->from->root != NULL ? at->from->root : at->from;
	pthread_mutex_init(&g->finish_lock, NULL);
	hpi_clock_init();
	if (!guard_setup(g))
		goto fail;
	hpi_tbuf_discard_all();
	hpi_auto_guard_start();
	if (at != NULL) { /* a fork child: its counters start at the fork */
		g->unix0 = at->unix0;
		g->mono0 = at->mono0;
		g->t0 = at->t0;
	} else {
		struct timespec ts;
		clock_gettime(CLOCK_REALTIME, &ts);
		g->unix0 = (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
		g->mono0 = hpi_mono_ns();
		g->t0 = hp__now();
	}
	hpi_host_set_report(g->cfg.pcts, g->cfg.npcts, g->mono0);
	g->col = hpi_collector_start(g->reg, g->t0, g->cfg.drain_interval_ms,
				     guard_idle_ms(&g->cfg), &cause);
	if (g->col == NULL) {
		hpi_warn("%s; profiling not started", cause ? cause : "collector failed");
		free(cause);
		goto fail;
	}
	guard_publish(g);
	guard_live = g;
	__atomic_store_n(&hp__rt.on, hpi_io_start(&g->cfg, HP__ON | hpi_alloc_start(&g->cfg) |
			 hpi_sample_start(&g->cfg, at == NULL)), __ATOMIC_RELEASE);
	guard_busy--;
	pthread_mutex_unlock(&guard_lock);
	guard_watch_start(g, timeout_ms);
	return g;
fail:
	guard_busy--;
	pthread_mutex_unlock(&guard_lock);
	guard_free(g);
	return NULL;
}

hp_guard *hp_guard_builder_build(hp_guard_builder *b)
{
	return guard_build(b, 0, NULL);
}

hp_guard *hp_guard_builder_build_with_timeout(hp_guard_builder *b, unsigned long ms)
{
	return guard_build(b, ms, NULL);
}

void hp_guard_end(hp_guard *g)
{
	HPI_INTERNAL(); /* hotpath's own allocations are not counted */
	if (g == NULL)
		return;
	int sig;

	if (g->pid != getpid()) {
		/* a fork child's copy: the parent reports; with report.fork:
		 * child, the child's own guard ends here instead */
		hp_guard *own;
		if (hpi_guard_fork_pending &&
		    (guard_fork_at.from == g || guard_fork_at.from->root == g))
			hpi_guard_fork_start();
		pthread_mutex_lock(&guard_lock);
		own = guard_live != NULL && guard_live->root == g ? guard_live : NULL;
		pthread_mutex_unlock(&guard_lock);
		if (own != NULL)
			hp_guard_end(own);
		return;
	}
	/* the watcher stays up through the report (so the report's threads
	 * section always lists it, and a signal that comes meanwhile is obeyed
	 * once the report is out); "stopping" keeps a deadline reached now
	 * from exiting the program */
	__atomic_store_n(&g->stopping, true, __ATOMIC_RELEASE);
	guard_finish(g);
	sig = guard_watch_stop(g);
	if (sig != 0) { /* it came as we were ending: report, then obey it */
		signal(sig, SIG_DFL);
		kill(getpid(), sig);
	}
	pthread_mutex_lock(&guard_lock);
	if (guard_live == g)
		guard_live = NULL;
	pthread_mutex_unlock(&guard_lock);
	guard_free(g);
}

/* ---- HP_MAIN ---------------------------------------------------------------- */

/* HP_MAIN of a program built before the stamp existed: format 1. */
hp_guard *hp__main_start(const hp_main_options *o, const char *file, const char *func)
{
	return hp__main_start_fmt(o, file, func, 1);
}

hp_guard *hp__main_start_fmt(const hp_main_options *o, const char *file, const char *func,
			     int rec_format)
{
	HPI_INTERNAL(); /* hotpath's own allocations are not counted */
	char *caller = o && o->caller ? strdup(o->caller) : hpi_default_label(file, func);
	hp_guard_builder *b = hp__guard_builder_new_fmt(caller, rec_format);

	free(caller);
	if (b == NULL)
		return NULL;
	if (o && o->percentiles) {
		double p[HPI_MAX_PCTS];
		size_t n;
		char *cause = NULL;
		if (hpi_parse_percentiles(o->percentiles, p, HPI_MAX_PCTS, &n, &cause) == 0)
			hp_guard_builder_percentiles(b, p, n);
		else
			hpi_warn("HP_MAIN: .percentiles = \"%s\": %s; using hotpath.yaml's",
				 o->percentiles, cause ? cause : "invalid");
		free(cause);
	}
	if (o && o->format != HP_FORMAT_DEFAULT)
		hp_guard_builder_format(b, o->format);
	if (o && o->limit >= 0)
		hp_guard_builder_limit(b, (size_t)o->limit);
	if (o && o->output)
		hp_guard_builder_output(b, o->output);
	return guard_build(b, o ? o->timeout_ms : 0, NULL);
}

void hp__main_end(hp_guard **g)
{
	HPI_INTERNAL(); /* hotpath's own allocations are not counted */
	hp_guard_end(*g);
	*g = NULL;
}
