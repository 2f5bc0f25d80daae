/* SPDX-License-Identifier: MIT */
/*
 * bench_metrics.c - what publish.metrics costs (docs/metrics.md).
 *
 * For 100, 1,000 and 10,000 measured functions, a guard serving
 * http://127.0.0.1:0/metrics is scraped over a real socket, and per scrape
 * (median of 9) it prints:
 *   snapshot   the collector taking the snapshot (every plugin's section,
 *              the histograms' buckets included): the floor, what any
 *              consumer of the data pays (publishing takes one too)
 *   render     the OpenMetrics text of it, on top
 *   scrape     the scraper's wall time: waiting for the collector's next
 *              pass (collector.drain_interval_ms), rendering, the copy and
 *              the transfer
 *   bytes      the text's size
 * and the collector's cost on a pass when no scrape waits (one atomic load:
 * hpi_mserver_wanted), against a pass of the loop doing nothing.
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include "hpi.h"
#include "metrics.h"

#define MAXF 10000
#define SCRAPES 9

static hp_site sites[MAXF];
static char names[MAXF][40];
static volatile uint64_t sink;

static double now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

/* GET /metrics from 127.0.0.1:port; the bytes received. */
static size_t scrape(int port)
{
	struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
	static const char req[] = "GET /metrics HTTP/1.1\r\nHost: 127.0.0.1\r\n"
				  "Accept: application/openmetrics-text\r\nConnection: close\r\n\r\n";
	char buf[65536];
	size_t total = 0;
	ssize_t n;
	int fd = socket(AF_INET, SOCK_STREAM, 0);

	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof(sa)) != 0 ||
	    write(fd, req, sizeof(req) - 1) != (ssize_t)(sizeof(req) - 1)) {
		perror("bench_metrics: scrape");
		exit(1);
	}
	while ((n = read(fd, buf, sizeof(buf))) > 0)
		total += (size_t)n;
	close(fd);
	return total;
}

static int cmp_d(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/* One guard with nf functions called 20 times each, scraped SCRAPES times. */
static void bench_n(int nf)
{
	hp_guard_builder *b = hp_guard_builder_new("bench_metrics");
	hp_guard *g;
	double snap[SCRAPES], rend[SCRAPES], wall[SCRAPES];
	size_t bytes = 0;
	int port;

	hp_guard_builder_format(b, HP_FORMAT_NONE);
	if ((g = hp_guard_builder_build(b)) == NULL || (port = hpi_mserver_port()) == 0) {
		fprintf(stderr, "bench_metrics: no guard or no endpoint\n");
		exit(1);
	}
	for (int k = 0; k < 20; k++)
		for (int i = 0; i < nf; i++) {
			hp__scope sc = hp__scope_begin(&sites[i], "bench");
			for (int j = 0; j < (i % 50) * 10; j++)
				sink = sink * 31 + (uint64_t)j;
			hp__scope_end(&sc);
		}
	nanosleep(&(struct timespec){0, 200000000L}, NULL); /* drained */
	scrape(port); /* the first: octaves, caches */
	for (int r = 0; r < SCRAPES; r++) {
		uint64_t s, t;
		double t0 = now_ns();
		scrape(port);
		wall[r] = (now_ns() - t0) / 1e6;
		hpi_metrics_last(&s, &t, &bytes);
		snap[r] = (double)s / 1e6;
		rend[r] = (double)t / 1e6;
	}
	hp_guard_end(g);
	qsort(snap, SCRAPES, sizeof(double), cmp_d);
	qsort(rend, SCRAPES, sizeof(double), cmp_d);
	qsort(wall, SCRAPES, sizeof(double), cmp_d);
	printf("  %6d functions   snapshot %7.3f ms   render %7.3f ms   (%5.2f us/function)"
	       "   scrape %7.3f ms   %8zu bytes\n", nf, snap[SCRAPES / 2], rend[SCRAPES / 2],
	       rend[SCRAPES / 2] * 1e3 / nf, wall[SCRAPES / 2], bytes);
}

/* ns per call of f over n calls. */
static double per_call(bool (*f)(void), long n)
{
	double t0 = now_ns();
	long yes = 0;

	for (long i = 0; i < n; i++)
		yes += f();
	sink += (uint64_t)yes;
	return (now_ns() - t0) / (double)n;
}

static bool nothing(void)
{
	__asm__ volatile("" ::: "memory");
	return false;
}

int main(void)
{
	static const int ns[] = {100, 1000, MAXF};

	setenv("HOTPATH_CONFIG", "/dev/null", 1);
	setenv("HOTPATH_PUB", "off", 1);
	setenv("HOTPATH_QUERY", "off", 1);
	setenv("HOTPATH_METRICS", "http://127.0.0.1:0/metrics", 1);
	for (int i = 0; i < MAXF; i++) {
		snprintf(names[i], sizeof(names[i]), "bench::function_%05d", i);
		sites[i] = (hp_site){names[i], __FILE__, i + 1, HP_SITE_FUNCTION, 0};
	}
	printf("publish.metrics: one scrape (median of %d; the collector's pass is %d ms)\n",
	       SCRAPES, 10);
	for (size_t i = 0; i < sizeof(ns) / sizeof(ns[0]); i++)
		bench_n(ns[i]);
	printf("  collector pass, no scrape waiting: %.2f ns (an empty call: %.2f ns)\n",
	       per_call(hpi_mserver_wanted, 100000000L), per_call(nothing, 100000000L));
	return 0;
}
