/* SPDX-License-Identifier: MIT */
/*
 * bench_publish.c - what publishing costs (docs/wire.md).
 *
 * In one run:
 *   hot path   ns per HP_MEASURE call with publishing on (every 10 ms) and
 *              0 subscribers, then 3 subscribers (one reads everything, one
 *              reads slowly, one never reads), interleaved, best of rounds;
 *              the difference should be noise: the profiled threads never
 *              touch the sockets.
 *   a tick     the collector's publishing work for 10,000 functions: every
 *              section message rendered, hashed and queued, without and
 *              with a 50-call log per function (target: <= 5 ms a tick).
 *
 *   a flood    the program's cost under a query flood (issue 18): one thread
 *              calling 10,000 measured functions (200,000 calls a second,
 *              paced) for 3 s with no query
 *              client, then with 4 clients looping {"cmd":"section",
 *              "section":"functions"} (threads of a process of their own,
 *              in a session of its own, as clients run from another
 *              terminal), then without again; events dropped
 *              (collector.buffer_max_mb 4 so that a collector falling behind
 *              shows) and ns per call side by side, with publish.query_rate
 *              at its default with the call tree on and off
 *              (collectors.timing.call_tree), and with no rate limit (0).
 *
 *   bench_publish tick   the second part only; bench_publish flood   the third.
 *   --hogs=N   a fixed, reproducible load besides whatever else runs: N
 *              processes spinning at nice --hog-nice (default 0, as `yes`
 *              would), each in a session of its own (as another user's
 *              program: autogroup scheduling weighs sessions), for the whole
 *              run; the flood part prints the load average before and
 *              after.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <nng/nng.h>
#include <nng/protocol/pubsub0/pub.h>
#include <nng/protocol/pubsub0/sub.h>
#include <nng/protocol/reqrep0/req.h>

#include "hpi.h"
#include "collector.h"
#include "tbuf.h"

#define ROUNDS 7
#define CALLS 2000000L
#define NSUBS 3
#define FUNCS 10000

static volatile uint64_t sink;
static char url[128];

static __attribute__((noinline)) void f_measured(uint64_t x)
{
	HP_MEASURE();
	sink = x;
}

/* CLOCK_MONOTONIC in ns, as a double. */
static double now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

/* ns per measured call over CALLS calls. */
static double run(void)
{
	double t0 = now_ns();

	for (long i = 0; i < CALLS; i++)
		f_measured((uint64_t)i);
	return (now_ns() - t0) / (double)CALLS;
}

typedef struct sub {
	nng_socket s;
	nng_dialer d;
	pthread_t th;
	int delay_ms;     /* between reads; < 0: never reads */
	long got;
	volatile int stop;
} sub;

/* A subscriber's reader: reads with a pause, until stopped. */
static void *sub_main(void *arg)
{
	sub *b = arg;

	while (!b->stop) {
		char *m;
		size_t len;
		if (nng_recv(b->s, &m, &len, NNG_FLAG_ALLOC) == 0) {
			b->got++;
			nng_free(m, len);
		}
		if (b->delay_ms > 0)
			usleep((useconds_t)b->delay_ms * 1000);
	}
	return NULL;
}

/* Connects the subscribers and lets them receive for a while. */
static void subs_open(sub *subs)
{
	for (int i = 0; i < NSUBS; i++) {
		sub *b = &subs[i];
		memset(b, 0, sizeof(*b));
		b->delay_ms = i == 0 ? 0 : i == 1 ? 50 : -1;
		nng_sub0_open(&b->s);
		nng_socket_set(b->s, NNG_OPT_SUB_SUBSCRIBE, "", 0);
		nng_socket_set_ms(b->s, NNG_OPT_RECVTIMEO, 20);
		nng_dial(b->s, url, &b->d, NNG_FLAG_NONBLOCK);
		if (b->delay_ms >= 0)
			pthread_create(&b->th, NULL, sub_main, b);
	}
	usleep(200000); /* connected, messages flowing */
}

/* Stops the readers and disconnects the subscribers (nng_dialer_close;
 * not nng_close, which nng 1.5 may hang in with a full queue); returns
 * the messages they read. */
static long subs_close(sub *subs)
{
	long got = 0;

	for (int i = 0; i < NSUBS; i++) {
		subs[i].stop = 1;
		if (subs[i].delay_ms >= 0)
			pthread_join(subs[i].th, NULL);
		nng_dialer_close(subs[i].d);
		got += subs[i].got;
	}
	return got;
}

/* The hot path with 0 and with 3 subscribers, interleaved. */
static void bench_hot_path(void)
{
	hp_guard_builder *b = hp_guard_builder_new("bench_publish");
	hp_guard *g;
	double best0 = 1e30, best0b = 1e30, best3 = 1e30;
	long got = 0;
	sub subs[NSUBS];

	hp_guard_builder_format(b, HP_FORMAT_NONE);
	if ((g = hp_guard_builder_build(b)) == NULL) {
		fprintf(stderr, "bench_publish: no guard\n");
		exit(1);
	}
	run(); /* warm up: the thread's buffer */
	for (int r = 0; r < ROUNDS; r++) {
		double a = run(), a2, c;
		subs_open(subs);
		c = run();
		got += subs_close(subs);
		a2 = run(); /* 0 again: how far two runs of the same differ */
		if (a < best0)
			best0 = a;
		if (a2 < best0b)
			best0b = a2;
		if (c < best3)
			best3 = c;
	}
	hp_guard_end(g);
	printf("hot path, publishing every 10 ms (best of %d rounds of %ld calls):\n", ROUNDS, CALLS);
	printf("  0 subscribers   %6.2f ns/call   (again after: %6.2f; noise %.2f ns)\n", best0,
	       best0b, best0b > best0 ? best0b - best0 : best0 - best0b);
	printf("  3 subscribers   %6.2f ns/call   (added %+.2f ns; %ld messages read)\n",
	       best3, best3 - best0, got);
}

/* A functions section like the timing plugin's, n rows, logs of nlog. */
static hp_snapshot *fixture(int n, int nlog)
{
	hp_snapshot *s = hpi_snapshot_new();
	hp_section *sec = hpi_section_add(s, "functions", "Functions");
	static const char *const keys[] = {"calls", "avg", "p95", "total"};
	char name[64];

	hpi_column_add(sec, "name", "Function", HP_UNIT_TEXT);
	for (int k = 0; k < 4; k++)
		hpi_column_add(sec, keys[k], keys[k], k ? HP_UNIT_NS : HP_UNIT_COUNT);
	hpi_column_add(sec, "percent_total", "% Total", HP_UNIT_PERCENT);
	for (int i = 0; i < n; i++) {
		size_t r = hpi_row_add(sec);
		snprintf(name, sizeof(name), "bench::function_%05d", i);
		hpi_cell_text(sec, r, 0, name);
		hpi_cell_int(sec, r, 1, 1000 + i);
		hpi_cell_int(sec, r, 2, 150 + i % 97);
		hpi_cell_int(sec, r, 3, 300 + i % 89);
		hpi_cell_int(sec, r, 4, (1000 + i) * (150 + i % 97));
		hpi_cell_real(sec, r, 5, 100.0 / n);
		if (nlog > 0) {
			hp_section *log = hpi_row_log(sec, r);
			hpi_column_add(log, "duration", "Duration", HP_UNIT_NS);
			hpi_column_add(log, "tid", "Thread", HP_UNIT_COUNT);
			hpi_column_add(log, "time", "Time", HP_UNIT_NS);
			for (int j = 0; j < nlog; j++) {
				size_t lr = hpi_row_add(log);
				hpi_cell_int(log, lr, 0, 150 + j);
				hpi_cell_int(log, lr, 1, 4242);
				hpi_cell_int(log, lr, 2, 1000000 + j * 1000);
			}
		}
	}
	return s;
}

#define TICK_ROUNDS 15

/* ms for one tick's section messages of s, best of rounds. */
static double tick_ms(hpi_publisher *p, const hp_snapshot *s)
{
	double best = 1e30;

	for (int r = 0; r < TICK_ROUNDS; r++) {
		double t0 = now_ns(), t;
		hpi_publish_sections(p, s, true);
		t = (now_ns() - t0) / 1e6;
		if (t < best)
			best = t;
	}
	return best;
}

/* The floor of a tick: the same section messages already rendered, only
 * queued (nng copies each into a message of its own), on a socket of
 * the bench's own with the same subscribers; best of rounds, in ms. */
static double tick_floor_ms(nng_socket pub, const hp_snapshot *s)
{
	hpi_publish_info in = {.program = "bench_publish", .pid = getpid()};
	hpi_buf *msgs = calloc(s->nsecs, sizeof(*msgs));
	double best = 1e30;

	for (size_t i = 0; i < s->nsecs; i++) {
		hpi_buf_printf(&msgs[i], "%s {\"report\":", s->secs[i]->id);
		hpi_wire_section(&msgs[i], s->secs[i], &in);
		hpi_buf_putc(&msgs[i], '}');
	}
	for (int r = 0; r < TICK_ROUNDS; r++) {
		double t0 = now_ns(), t;
		for (size_t i = 0; i < s->nsecs; i++)
			nng_send(pub, msgs[i].data, msgs[i].len, NNG_FLAG_NONBLOCK);
		t = (now_ns() - t0) / 1e6;
		if (t < best)
			best = t;
	}
	for (size_t i = 0; i < s->nsecs; i++)
		hpi_buf_fini(&msgs[i]);
	free(msgs);
	return best;
}

/* The collector's work for 10,000 functions. */
static void bench_tick(void)
{
	hpi_config c;
	hpi_publish_info in = {.program = "bench_publish", .caller = "main", .pid = getpid()};
	hpi_publisher *p;
	hp_snapshot *s0, *s50;
	sub subs[NSUBS];
	nng_socket fpub;
	nng_listener flst;
	char furl[sizeof(url)];

	hpi_config_defaults(&c);
	free(c.endpoint);
	free(c.query);
	strcat(url, ".tick"); /* the guard's socket may still be closing */
	c.endpoint = strdup(url);
	c.query = strdup("off");
	if ((p = hpi_publish_start(&c, NULL, &in)) == NULL)
		exit(1);
	subs_open(subs);
	s0 = fixture(FUNCS, 0);
	s50 = fixture(FUNCS, 50);
	printf("a tick for %d functions (render, hash, queue; best of %d):\n", FUNCS,
	       TICK_ROUNDS);
	printf("  no logs         %6.2f ms\n", tick_ms(p, s0));
	printf("  50-call logs    %6.2f ms   (logs are left out of messages)\n", tick_ms(p, s50));
	subs_close(subs);
	/* the floor, with subscribers of its own on a socket of its own */
	memcpy(furl, url, sizeof(url)); /* subs_open dials url */
	strcat(url, ".floor");
	nng_pub0_open(&fpub);
	if (nng_listen(fpub, url, &flst, 0) == 0) {
		subs_open(subs);
		printf("  floor           %6.2f ms   (the same messages pre-rendered, only queued)\n",
		       tick_floor_ms(fpub, s0));
		subs_close(subs);
		/* not nng_close, which nng 1.5 may hang in with a full queue:
		 * the socket goes with the process */
		nng_listener_close(flst);
	}
	unlink(url + 6);
	memcpy(url, furl, sizeof(url));
	hpi_snapshot_free(s0);
	hpi_snapshot_free(s50);
	hpi_publish_stop(p);
	hpi_config_fini(&c);
}

/* ---- a query flood ------------------------------------------------------- */

/* The 1-minute load average, or -1. */
static double loadavg1(void)
{
	double l;

	return getloadavg(&l, 1) == 1 ? l : -1;
}

#define FLOOD_CLIENTS 4
#define FLOOD_SECS 3
#define FLOOD_RATE 200000.0  /* measured calls a second */

/* This thread's CPU time in ns. */
static double cpu_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

static hp_site flood_sites[FUNCS];
static char flood_names[FUNCS][40];
static char qurl[160];

/* One flooding client: section functions, again and again. */
typedef struct flooder {
	pthread_t th;
	volatile int stop;
	long answered, refused, failed;
} flooder;

static void *flooder_main(void *arg)
{
	flooder *f = arg;
	static const char req[] = "{\"cmd\":\"section\",\"section\":\"functions\"}";
	nng_socket s;

	nng_req0_open(&s);
	nng_socket_set_ms(s, NNG_OPT_RECVTIMEO, 5000);
	nng_dial(s, qurl, NULL, 0);
	while (!f->stop) {
		char *m;
		size_t len;
		if (nng_send(s, (void *)req, sizeof(req) - 1, 0) != 0 ||
		    nng_recv(s, &m, &len, NNG_FLAG_ALLOC) != 0) {
			if (!f->stop) /* not the one cut short by the end */
				f->failed++;
			continue;
		}
		if (len > 40 && memmem(m, 40, "hotpath_error", 13) != NULL)
			f->refused++;
		else
			f->answered++;
		nng_free(m, len);
	}
	nng_close(s);
	return NULL;
}

/* The program's work for FLOOD_SECS: FLOOD_RATE calls a second of 10,000
 * measured functions (paced: a program the collector keeps up with);
 * the thread's CPU ns per call and the events the buffers dropped. */
static void flood_work(long *calls, double *ns, uint64_t *dropped, double *behind)
{
	uint64_t d0 = hpi_tbuf_dropped();
	double t0 = now_ns(), c0 = cpu_ns(), t, late = 0;
	long n = 0;

	do {
		for (int i = 0; i < FUNCS; i++) {
			hp__scope sc = hp__scope_begin(&flood_sites[i], "flood");
			for (int k = 0; k < 100; k++) /* the program's own work */
				sink = sink * 31 + (uint64_t)k;
			hp__scope_end(&sc);
		}
		n += FUNCS;
		/* behind the pace (the thread was not running): it catches
		 * up at full speed, a burst the buffer must hold */
		if ((t = now_ns()) - (t0 + (double)n * 1e9 / FLOOD_RATE) > late)
			late = t - (t0 + (double)n * 1e9 / FLOOD_RATE);
		/* ahead of the pace: wait */
		while ((t = now_ns()) < t0 + (double)n * 1e9 / FLOOD_RATE)
			nanosleep(&(struct timespec){0, 1000000L}, NULL);
	} while (t < t0 + FLOOD_SECS * 1e9);
	*calls = n;
	*behind = late;
	*ns = (cpu_ns() - c0) / (double)n;
	*dropped = hpi_tbuf_dropped() - d0;
}

/* CPU ns so far of this process's threads named name (/proc schedstat). */
static double thread_cpu_ns(const char *name)
{
	char path[64], comm[32];
	long tids[256];
	int n = 0;
	double sum = 0;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%ld/task", (long)getpid());
	{
		DIR *d = opendir(path);
		struct dirent *e;
		while (d != NULL && (e = readdir(d)) != NULL && n < 256)
			if (e->d_name[0] != '.')
				tids[n++] = atol(e->d_name);
		if (d != NULL)
			closedir(d);
	}
	for (int i = 0; i < n; i++) {
		unsigned long long ns;
		snprintf(path, sizeof(path), "/proc/%ld/task/%ld/comm", (long)getpid(), tids[i]);
		if ((f = fopen(path, "r")) == NULL)
			continue;
		comm[0] = '\0';
		if (fgets(comm, sizeof(comm), f) == NULL)
			comm[0] = '\0';
		fclose(f);
		comm[strcspn(comm, "\n")] = '\0';
		if (strcmp(comm, name) != 0)
			continue;
		snprintf(path, sizeof(path), "/proc/%ld/task/%ld/schedstat", (long)getpid(), tids[i]);
		if ((f = fopen(path, "r")) == NULL)
			continue;
		if (fscanf(f, "%llu", &ns) == 1)
			sum += (double)ns;
		fclose(f);
	}
	return sum;
}

/* The flooding clients live in a process of their own, in a session of
 * its own, as `hotpath query` run from another terminal would: their CPU
 * (reading megabytes of replies) is theirs, not the program's.  Started
 * before anything uses nng (nng does not survive fork()); told what to do
 * through a pipe. */
static int flood_cmd = -1, flood_res = -1;
static pid_t flood_pid;

/* The flooders' process: "go URL N" starts N clients on URL, "stop"
 * stops them and writes back "answered refused failed"; EOF ends it. */
static void flood_child(int cmd, int res)
{
	FILE *in = fdopen(cmd, "r"), *out = fdopen(res, "w");
	char line[256];
	flooder f[FLOOD_CLIENTS];
	int n = 0;

	(void)setsid();
	while (in != NULL && out != NULL && fgets(line, sizeof(line), in) != NULL) {
		long answered = 0, refused = 0, failed = 0;
		if (sscanf(line, "go %159s %d", qurl, &n) == 2 && n > 0 && n <= FLOOD_CLIENTS) {
			memset(f, 0, sizeof(f));
			for (int i = 0; i < n; i++)
				pthread_create(&f[i].th, NULL, flooder_main, &f[i]);
			continue;
		}
		for (int i = 0; i < n; i++) {
			f[i].stop = 1;
			pthread_join(f[i].th, NULL);
			answered += f[i].answered;
			refused += f[i].refused;
			failed += f[i].failed;
		}
		n = 0;
		fprintf(out, "%ld %ld %ld\n", answered, refused, failed);
		fflush(out);
	}
	_exit(0);
}

/* Forks the flooders' process (killed with us). */
static void flood_fork(void)
{
	int cmd[2], res[2];
	pid_t parent = getpid(), pid;

	if (pipe(cmd) != 0 || pipe(res) != 0 || (pid = fork()) < 0) {
		perror("bench_publish: flooders");
		exit(1);
	}
	if (pid == 0) {
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		if (getppid() != parent)
			_exit(0);
		close(cmd[1]);
		close(res[0]);
		flood_child(cmd[0], res[1]);
	}
	close(cmd[0]);
	close(res[1]);
	flood_cmd = cmd[1];
	flood_res = res[0];
	flood_pid = pid;
}

/* One line of the table: the work with nclients flooding. */
static void flood_phase(const char *what, int nclients)
{
	long calls, answered = 0, refused = 0, failed = 0;
	double ns;
	uint64_t dropped;
	char line[128];
	double col0 = thread_cpu_ns("hp-collector"), q0 = thread_cpu_ns("hp-query"), wait, behind;

	if (nclients > 0) {
		dprintf(flood_cmd, "go %s %d\n", qurl, nclients);
		usleep(100000); /* connected and asking */
		col0 = thread_cpu_ns("hp-collector");
		q0 = thread_cpu_ns("hp-query");
	}
	(void)hpi_collector_longest_wait();
	flood_work(&calls, &ns, &dropped, &behind);
	wait = (double)hpi_collector_longest_wait();
	col0 = thread_cpu_ns("hp-collector") - col0;
	q0 = thread_cpu_ns("hp-query") - q0;
	if (nclients > 0) {
		ssize_t k;
		dprintf(flood_cmd, "stop\n");
		if ((k = read(flood_res, line, sizeof(line) - 1)) > 0) {
			line[k] = '\0';
			if (sscanf(line, "%ld %ld %ld", &answered, &refused, &failed) != 3)
				answered = refused = failed = -1;
		}
	}
	printf("  %-22s %6.1f CPU ns/call  %5.2f%% of %ld events dropped  records waited "
	       "<= %4.0f ms  program behind <= %4.0f ms  collector %4.0f ms CPU, query thread "
	       "%4.0f ms", what, ns, 100.0 * (double)dropped / (double)calls, calls, wait / 1e6,
	       behind / 1e6, col0 / 1e6, q0 / 1e6);
	if (nclients > 0)
		printf("  queries: %ld answered, %ld refused, %ld timed out (5 s)", answered, refused,
		       failed);
	printf("\n");
}

/* The same program with publish.query_rate rate, the call tree on or off. */
static void bench_flood_rate(const char *rate, const char *tree)
{
	hp_guard_builder *b;
	hp_guard *g;

	setenv("HOTPATH_PUBLISH_QUERY_RATE", rate, 1);
	setenv("HOTPATH_CALL_TREE", tree, 1);
	b = hp_guard_builder_new("bench_publish");
	hp_guard_builder_format(b, HP_FORMAT_NONE);
	if ((g = hp_guard_builder_build(b)) == NULL) {
		fprintf(stderr, "bench_publish: no guard\n");
		exit(1);
	}
	printf("publish.query_rate %s%s, call tree %s:\n", rate,
	       strcmp(rate, "0") == 0 ? " (no limit)" : " (the default)",
	       strcmp(tree, "true") == 0 ? "on" : "off");
	{
		long calls;
		double ns;
		uint64_t d;
		double late;
		flood_work(&calls, &ns, &d, &late); /* warm up: sites, buffers, a snapshot */
	}
	flood_phase("no query client", 0);
	flood_phase("4 clients flooding", FLOOD_CLIENTS);
	flood_phase("no query client again", 0);
	hp_guard_end(g);
	hpi_publish_settle(2000);
}

/* The program's events with and without a query flood. */
static void bench_flood(void)
{
	for (int i = 0; i < FUNCS; i++) {
		snprintf(flood_names[i], sizeof(flood_names[i]), "flood::function_%05d", i);
		flood_sites[i] = (hp_site){flood_names[i], __FILE__, i + 1, HP_SITE_FUNCTION, 0};
	}
	snprintf(qurl, sizeof(qurl), "%s.q", url); /* no spaces: sent as a word */
	setenv("HOTPATH_QUERY", qurl, 1);
	setenv("HOTPATH_PUBLISH_INTERVAL_MS", "250", 1);
	setenv("HOTPATH_COLLECTOR_BUFFER_MAX_MB", "4", 1);
	printf("a query flood: 1 thread calling %d functions, %.0f calls a second for %d s a "
	       "line; %d REQ clients looping section functions (load average %.2f):\n", FUNCS,
	       FLOOD_RATE, FLOOD_SECS, FLOOD_CLIENTS, loadavg1());
	/* the call tree (self time, calls, stacks) on, as by default, and
	 * off: what it costs with 10,000 functions at the top level */
	bench_flood_rate("20", "true");
	bench_flood_rate("20", "false");
	bench_flood_rate("0", "true");
	printf("  (load average %.2f at the end)\n", loadavg1());
	unsetenv("HOTPATH_PUBLISH_QUERY_RATE");
	unsetenv("HOTPATH_COLLECTOR_BUFFER_MAX_MB");
	unsetenv("HOTPATH_CALL_TREE");
	setenv("HOTPATH_QUERY", "off", 1);
	setenv("HOTPATH_PUBLISH_INTERVAL_MS", "10", 1);
	unlink(qurl + 6);
}

/* ---- a fixed load -------------------------------------------------------- */

#define MAX_HOGS 64

static pid_t hogs[MAX_HOGS];
static int nhogs;

/* Starts n processes that spin at nice level nice until hogs_stop (or
 * until we die: they are killed with us).  Before any guard is built:
 * the children carry no collector, no socket, nothing of hotpath's. */
static void hogs_start(int n, int nice_level)
{
	pid_t parent = getpid();

	for (nhogs = 0; nhogs < n && nhogs < MAX_HOGS; nhogs++) {
		pid_t pid = fork();
		if (pid < 0) {
			perror("bench_publish: fork");
			exit(1);
		}
		if (pid == 0) {
			volatile uint64_t spin = 0;
			prctl(PR_SET_PDEATHSIG, SIGKILL);
			if (getppid() != parent)
				_exit(0);
			/* a session of its own: with autogroup scheduling, a
			 * hog competes as another user's program would, not
			 * only with the bench's own threads */
			(void)setsid();
			(void)setpriority(PRIO_PROCESS, 0, nice_level);
			for (;;)
				spin++;
		}
		hogs[nhogs] = pid;
	}
}

/* Kills the spinning processes and waits for them. */
static void hogs_stop(void)
{
	for (int i = 0; i < nhogs; i++)
		kill(hogs[i], SIGKILL);
	for (int i = 0; i < nhogs; i++)
		waitpid(hogs[i], NULL, 0);
	nhogs = 0;
}

/* Usage on stderr, exit 2: an unknown part must not run the others. */
static void usage(void)
{
	fprintf(stderr, "usage: bench_publish [tick|flood] [--hogs=N] [--hog-nice=K]\n");
	exit(2);
}

int main(int argc, char **argv)
{
	const char *only = "";
	int nhog = 0, hog_nice = 0;

	for (int i = 1; i < argc; i++) {
		char *end;
		if (strncmp(argv[i], "--hogs=", 7) == 0) {
			nhog = (int)strtol(argv[i] + 7, &end, 10);
			if (*end != '\0' || nhog < 0 || nhog > MAX_HOGS)
				usage();
		} else if (strncmp(argv[i], "--hog-nice=", 11) == 0) {
			hog_nice = (int)strtol(argv[i] + 11, &end, 10);
			if (*end != '\0' || hog_nice < -20 || hog_nice > 19)
				usage();
		} else if ((strcmp(argv[i], "tick") == 0 || strcmp(argv[i], "flood") == 0) &&
			   *only == '\0') {
			only = argv[i];
		} else {
			usage();
		}
	}
	hogs_start(nhog, hog_nice);
	if (*only == '\0' || strcmp(only, "flood") == 0)
		flood_fork(); /* before anything here uses nng */
	if (nhog > 0)
		printf("load: %d processes spinning at nice %d for the whole run (--hogs)\n", nhog,
		       hog_nice);

	snprintf(url, sizeof(url), "ipc:///tmp/hp_bench_publish_%ld", (long)getpid());
	setenv("HOTPATH_CONFIG", "/dev/null", 1);
	setenv("HOTPATH_PUB", url, 1);
	setenv("HOTPATH_QUERY", "off", 1);
	setenv("HOTPATH_PUBLISH_INTERVAL_MS", "10", 1);
	if (*only == '\0')
		bench_hot_path();
	if (*only == '\0' || strcmp(only, "tick") == 0)
		bench_tick();
	if (*only == '\0' || strcmp(only, "flood") == 0)
		bench_flood();
	unlink(url + 6); /* "ipc://": no socket files left behind */
	url[strlen(url) - 5] = '\0'; /* and without ".tick" */
	unlink(url + 6);
	if (flood_cmd >= 0) {
		close(flood_cmd); /* the flooders' process ends */
		waitpid(flood_pid, NULL, 0);
	}
	hogs_stop();
	return 0;
}
