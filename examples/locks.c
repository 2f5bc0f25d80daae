/* SPDX-License-Identifier: MIT */
/*
 * locks.c - where threads wait: a mutex that one thread holds too long, a
 * read-write lock many readers share, and a probe on a spinlock hotpath
 * does not wrap.  The report's Locks table shows acquisitions, how many
 * had to wait, wait and hold times, and the Threads table each thread's CPU.
 *
 *   ./locks [ROUNDS]     (default 200)
 */
#define _POSIX_C_SOURCE 200809L
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include <hotpath.h>

static hp_mutex queue_lock = HP_MUTEX_INITIALIZER("locks::queue");
static hp_rwlock table_lock = HP_RWLOCK_INITIALIZER("locks::table");
static hp_lock_probe spin_probe = HP_LOCK_PROBE_INITIALIZER("locks::spin");
static atomic_flag spin = ATOMIC_FLAG_INIT;
static long rounds = 200, queued, table[64];

static void nap_us(long us)
{
	struct timespec ts = {0, us * 1000};

	nanosleep(&ts, NULL);
}

/* A spinlock of the program's own, measured through the probe. */
static void spin_lock(void)
{
	uint64_t w = hp_lock_wait_begin(&spin_probe);
	int waited = 0;

	while (atomic_flag_test_and_set_explicit(&spin, memory_order_acquire))
		waited = 1;
	hp_lock_acquired(&spin_probe, w, waited);
}

static void spin_unlock(void)
{
	hp_lock_released(&spin_probe);
	atomic_flag_clear_explicit(&spin, memory_order_release);
}

static void *producer(void *arg)
{
	(void)arg;
	for (long i = 0; i < rounds; i++) {
		hp_mutex_lock(&queue_lock);
		queued++;
		if (i % 50 == 0)
			nap_us(2000); /* the slow holder everybody waits for */
		hp_mutex_unlock(&queue_lock);
		hp_rwlock_wrlock(&table_lock);
		table[i % 64] = i;
		hp_rwlock_unlock(&table_lock);
		spin_lock();
		spin_unlock();
	}
	return NULL;
}

static void *reader(void *arg)
{
	long sum = 0;

	(void)arg;
	for (long i = 0; i < rounds * 4; i++) {
		hp_rwlock_rdlock(&table_lock);
		sum += table[i % 64];
		hp_rwlock_unlock(&table_lock);
		hp_mutex_lock(&queue_lock);
		sum += queued;
		hp_mutex_unlock(&queue_lock);
	}
	return (void *)sum;
}

int main(int argc, char **argv)
{
	pthread_t t[4];

	if (argc > 1 && (rounds = atol(argv[1])) <= 0) {
		fprintf(stderr, "usage: locks [ROUNDS]\n");
		return 2;
	}
	HP_MAIN(.percentiles = "50,99");
	pthread_create(&t[0], NULL, producer, NULL);
	pthread_create(&t[1], NULL, producer, NULL);
	pthread_create(&t[2], NULL, reader, NULL);
	pthread_create(&t[3], NULL, reader, NULL);
	for (int i = 0; i < 4; i++)
		pthread_join(t[i], NULL);
	printf("queued %ld\n", queued);
	return 0;
}
