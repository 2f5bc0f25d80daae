/* SPDX-License-Identifier: MIT */
/*
 * cpu_burn.c - where does the CPU go?  A thread "burner" spends 30 % of its
 * CPU in burn30() and 70 % in burn70() (the same loop, 3 and 7 units a
 * round) until it has used CPU-SECONDS of CPU, a thread "sleeper" waits in
 * sleeper() the whole run, and main naps between checks.  None of the three functions is marked: the cpu
 * collector finds them by sampling (docs/cpu.md).  Built -O2 without frame
 * pointers, so the stacks come from DWARF unwinding.
 *
 *   HOTPATH_CPU=1 examples/cpu_burn 2        # built with -DHOTPATH
 *   hotpath run --cpu -- examples/cpu_burn_plain 2
 *   examples/cpu_burn_plain 5 & hotpath attach $! --duration 2
 *
 * Arguments: the burner's CPU seconds (default 2): the same number of
 * samples however busy the machine is; then seconds main waits before it
 * starts the threads (default 0).  With -DHOTPATH, main's rounds
 * are measured (cpu_burn::round, on CPU) and so are its naps
 * (cpu_burn::nap, off CPU), for the cpu_scopes section.
 */
#define _GNU_SOURCE /* pthread_setname_np */
#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#include <hotpath.h>

#define UNIT 100000 /* iterations of the loop per unit of work */

static volatile int stop;

/* n units of a dependent multiply-add chain the compiler cannot fold; a
 * macro, so its samples are the function's own (an inline function would
 * be an inlined frame of its own in the stacks). */
#define SPIN(x, units)                                                      \
	do {                                                                \
		for (long i_ = 0; i_ < (long)(units) * UNIT; i_++) {        \
			(x) = (x) * 6364136223846793005ull + 1442695040888963407ull; \
			__asm__ __volatile__("" : "+r"(x));                 \
		}                                                           \
	} while (0)

uint64_t burn30(uint64_t x);
uint64_t burn70(uint64_t x);
void sleeper(int fd);

__attribute__((noinline)) uint64_t burn30(uint64_t x)
{
	SPIN(x, 3);
	return x;
}

__attribute__((noinline)) uint64_t burn70(uint64_t x)
{
	SPIN(x, 7);
	return x;
}

/* Waits, off CPU, until main writes to the pipe: one wake-up in all. */
__attribute__((noinline)) void sleeper(int fd)
{
	char c;

	while (read(fd, &c, 1) < 0 && errno == EINTR)
		;
}

static double thread_cpu_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Burns until it has used `seconds` of CPU itself (however busy the
 * machine is, the profile gets the same number of samples). */
static void *burner_main(void *arg)
{
	double seconds = *(const double *)arg;
	uint64_t x = 1;

	/* The clock is read every 16 rounds, not at each: a system call is
	 * where a busy machine preempts the thread, and under ITIMER_PROF
	 * (signals at the kernel's tick) a thread that always resumes at
	 * burn30's start after a preemption may be sampled at the same phase
	 * of its round (docs/cpu.md: 21/79 seen twice under make check). */
	while (thread_cpu_s() < seconds) {
		for (int r = 0; r < 16; r++) {
			x = burn30(x);
			x = burn70(x);
		}
	}
	__atomic_store_n(&stop, 1, __ATOMIC_RELEASE);
	return (void *)(uintptr_t)(x & 1);
}

static void *sleeper_main(void *arg)
{
	sleeper(*(const int *)arg);
	return NULL;
}

int main(int argc, char **argv)
{
	HP_MAIN(.limit = 10);
	double seconds = argc > 1 ? atof(argv[1]) : 2.0;
	pthread_t b, s;
	uint64_t x = 7;
	int fds[2];

	if (seconds <= 0 || seconds > 3600 || pipe(fds) != 0) {
		fprintf(stderr, "usage: cpu_burn [CPU-SECONDS [DELAY]]\n");
		return 2;
	}
	if (argc > 2) { /* threads start later: `hotpath attach` must find them */
		double d = atof(argv[2]);
		struct timespec ts = {(time_t)d, (long)((d - (double)(time_t)d) * 1e9)};
		nanosleep(&ts, NULL);
	}
	pthread_create(&s, NULL, sleeper_main, &fds[0]);
	pthread_create(&b, NULL, burner_main, &seconds);
	pthread_setname_np(s, "sleeper");
	pthread_setname_np(b, "burner");
	while (!__atomic_load_n(&stop, __ATOMIC_ACQUIRE)) {
		HP_MEASURE_BLOCK("cpu_burn::round", { SPIN(x, 2); });
		HP_MEASURE_BLOCK("cpu_burn::nap", {
			struct timespec ts = {0, 20000000};
			nanosleep(&ts, NULL);
		});
	}
	(void)!write(fds[1], "x", 1);
	pthread_join(b, NULL);
	pthread_join(s, NULL);
	printf("done %d\n", (int)(x & 1));
	return 0;
}
