/* SPDX-License-Identifier: MIT */
/*
 * bench_channels.c - what profiling adds to data flow: an hp_chan
 * send+recv pair (one thread, so no wait: the channel's own cost plus
 * hotpath's), a bare channel probe send+receive pair, a future poll
 * (poll_begin + poll_end) and a stream item, each with the same loop
 * unprofiled measured in the same run (best of several interleaved
 * rounds); and the floor: the loop with one and with two bare clock
 * reads.
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include <hotpath.h>

#define ROUNDS 7

static hp_channel_probe probe =
	HP_CHANNEL_PROBE_INITIALIZER("bench::probe", HP_CHAN_UNBOUNDED, 0, NULL);
static hp_stream_probe stream = HP_STREAM_PROBE_INITIALIZER("bench::stream", NULL);

static int fmt_long(const void *v, char *buf, size_t len)
{
	return snprintf(buf, len, "%ld", *(const long *)v);
}

static hp_stream_probe tstream = HP_STREAM_PROBE_INITIALIZER("bench::stream_text", fmt_long);
static hp_future_probe future = HP_FUTURE_PROBE_INITIALIZER("bench::future", NULL);
static volatile long sink;

static double now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

/* n send+recv pairs through c. */
static double run_chan(hp_chan *c, long n)
{
	double t0 = now_ns();
	long v = 0;

	for (long i = 0; i < n; i++) {
		hp_chan_send(c, &i);
		hp_chan_recv(c, &v);
		sink += v;
	}
	return (now_ns() - t0) / (double)n;
}

/* n probe pairs: what a queue of one's own pays. */
static double run_probe(long n)
{
	double t0 = now_ns();

	for (long i = 0; i < n; i++) {
		uint32_t s = hp_channel_sent(&probe, NULL, sizeof(long));
		sink += i;
		hp_channel_received(&probe, sizeof(long), s);
	}
	return (now_ns() - t0) / (double)n;
}

/* n polls of one future call. */
static double run_poll(long n)
{
	hp_future f = hp_future_begin(&future);
	double t0 = now_ns();

	for (long i = 0; i < n; i++) {
		uint64_t t = hp_future_poll_begin(&f);
		sink += i;
		hp_future_poll_end(&f, t);
	}
	t0 = (now_ns() - t0) / (double)n;
	hp_future_ready(&f, NULL);
	return t0;
}

/* n loops of the poll's shape with `reads` bare clock reads: the floor
 * of an event that must read the clock (1) or time a span (2). */
static double run_clock(long n, int reads)
{
	double t0 = now_ns();

	for (long i = 0; i < n; i++) {
		uint64_t a = reads > 1 ? hp__now() : 0;
		sink += i;
		sink += (long)(hp__now() - a);
	}
	return (now_ns() - t0) / (double)n;
}

/* n stream items; with fmt, items that carry text and their exact time. */
static double run_stream(hp_stream_probe *sp, long n)
{
	double t0 = now_ns();

	for (long i = 0; i < n; i++) {
		sink += i;
		hp_stream_yield(sp, &i);
	}
	return (now_ns() - t0) / (double)n;
}

static hp_guard *start(void)
{
	hp_guard_builder *b = hp_guard_builder_new("bench_channels");

	hp_guard_builder_format(b, HP_FORMAT_NONE);
	return hp_guard_builder_build(b);
}

int main(int argc, char **argv)
{
	long n = argc > 1 ? atol(argv[1]) : 500000L;
	double boff = 1e9, bon = 1e9, bq = 1e9, bq0 = 1e9, bp = 1e9, bp0 = 1e9, bs = 1e9,
	       bs0 = 1e9, bt = 1e9, bt0 = 1e9, bc1 = 1e9, bc2 = 1e9;
	hp_chan *c = hp_chan_new(HP_CHAN_BOUNDED, sizeof(long), 64, "bench::chan");
	hp_guard *g;

	setenv("HOTPATH_CONFIG", "/dev/null", 1);
	setenv("HOTPATH_PUB", "off", 1);
	setenv("HOTPATH_QUERY", "off", 1);
	if (c == NULL)
		return 1;
	for (int r = 0; r < ROUNDS; r++) {
		double off = run_chan(c, n), q0 = run_probe(n), p0 = run_poll(n);
		double s0 = run_stream(&stream, n), t0 = run_stream(&tstream, n), on, q, p, s, t;
		double c1 = run_clock(n, 1), c2 = run_clock(n, 2);
		if ((g = start()) == NULL)
			return 1;
		on = run_chan(c, n);
		q = run_probe(n);
		p = run_poll(n);
		s = run_stream(&stream, n);
		t = run_stream(&tstream, n);
		hp_guard_end(g);
		bp = p < bp ? p : bp;
		bp0 = p0 < bp0 ? p0 : bp0;
		bs = s < bs ? s : bs;
		bs0 = s0 < bs0 ? s0 : bs0;
		bt = t < bt ? t : bt;
		bt0 = t0 < bt0 ? t0 : bt0;
		boff = off < boff ? off : boff;
		bon = on < bon ? on : bon;
		bq = q < bq ? q : bq;
		bq0 = q0 < bq0 ? q0 : bq0;
		bc1 = c1 < bc1 ? c1 : bc1;
		bc2 = c2 < bc2 ? c2 : bc2;
	}
	hp_chan_free(c);
	printf("bench_channels: %ld send+recv pairs per variant, one thread, best of %d rounds\n",
	       n, ROUNDS);
	printf("  one clock read (floor)     %7.2f ns/loop   added %6.2f ns\n", bc1, bc1 - bp0);
	printf("  two clock reads (floor)    %7.2f ns/loop   added %6.2f ns\n", bc2, bc2 - bp0);
	printf("  hp_chan, not profiling     %7.2f ns/pair\n", boff);
	printf("  hp_chan, profiling         %7.2f ns/pair   added %6.2f ns (%.2f per event)\n",
	       bon, bon - boff, (bon - boff) / 2);
	printf("  probe pair, not profiling  %7.2f ns/pair\n", bq0);
	printf("  probe pair, profiling      %7.2f ns/pair   added %6.2f ns (%.2f per event)\n",
	       bq, bq - bq0, (bq - bq0) / 2);
	printf("  future poll, not profiling %7.2f ns/poll\n", bp0);
	printf("  future poll, profiling     %7.2f ns/poll   added %6.2f ns  (%.2fx two clock reads)\n",
	       bp, bp - bp0, (bp - bp0) / (bc2 - bp0));
	printf("  stream item, not profiling %7.2f ns/item\n", bs0);
	printf("  stream item, profiling     %7.2f ns/item   added %6.2f ns\n", bs, bs - bs0);
	printf("  item with text, not prof.  %7.2f ns/item\n", bt0);
	printf("  item with text, profiling  %7.2f ns/item   added %6.2f ns (clock read + formatter)\n",
	       bt, bt - bt0);
	return 0;
}
