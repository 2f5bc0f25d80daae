/* SPDX-License-Identifier: MIT */
/*
 * pipeline.c - three stages over hp_chan: two producer threads send raw
 * lines into a bounded channel, a parser turns them into numbers on a
 * second channel, a summer adds them up and hands the total back on a
 * oneshot.  The report's Channels table shows each channel's traffic,
 * queue and send-to-receive delay; the log shows the last messages.
 *
 *   ./pipeline [ITEMS]   (per producer, default 20000)
 *
 * Built without -DHOTPATH it is the same program with plain channels.
 */
#define _POSIX_C_SOURCE 200809L
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>

#include <hotpath.h>

typedef struct line {
	char text[24];
} line;

static hp_chan *raw, *parsed, *result;
static long items = 20000;

/* The log's text of a raw line: the line itself. */
static int line_fmt(const void *msg, char *buf, size_t len)
{
	return snprintf(buf, len, "%s", ((const line *)msg)->text);
}

static void *producer(void *arg)
{
	long id = (long)(intptr_t)arg;
	line l;

	for (long i = 0; i < items; i++) {
		snprintf(l.text, sizeof(l.text), "p%ld:%ld", id, i);
		hp_chan_send(raw, &l);
	}
	return NULL;
}

static void *parser(void *arg)
{
	line l;
	long v;

	(void)arg;
	while (hp_chan_recv(raw, &l) == 0) {
		char *colon = l.text;
		while (*colon != ':')
			colon++;
		v = strtol(colon + 1, NULL, 10);
		hp_chan_send(parsed, &v);
	}
	hp_chan_close(parsed); /* raw is drained: nothing more will come */
	return NULL;
}

static void *summer(void *arg)
{
	long v;
	long long sum = 0;

	(void)arg;
	while (hp_chan_recv(parsed, &v) == 0)
		sum += v;
	hp_chan_send(result, &sum);
	return NULL;
}

int main(int argc, char **argv)
{
	HP_MAIN(.percentiles = "50,99");
	pthread_t p[2], ps, sm;
	long long sum = 0;

	if (argc > 1)
		items = strtol(argv[1], NULL, 10);
	raw = hp_chan_new(HP_CHAN_BOUNDED, sizeof(line), 16, "pipeline::raw");
	parsed = hp_chan_new(HP_CHAN_BOUNDED, sizeof(long), 8, "pipeline::parsed");
	result = hp_chan_new(HP_CHAN_ONESHOT, sizeof(long long), 0, "pipeline::result");
	if (raw == NULL || parsed == NULL || result == NULL)
		return 1;
	hp_chan_set_formatter(raw, line_fmt);
	pthread_create(&ps, NULL, parser, NULL);
	pthread_create(&sm, NULL, summer, NULL);
	for (long i = 0; i < 2; i++)
		pthread_create(&p[i], NULL, producer, (void *)(intptr_t)i);
	for (int i = 0; i < 2; i++)
		pthread_join(p[i], NULL);
	hp_chan_close(raw);
	hp_chan_recv(result, &sum);
	pthread_join(ps, NULL);
	pthread_join(sm, NULL);
	printf("sum %lld\n", sum);
	hp_chan_free(raw);
	hp_chan_free(parsed);
	hp_chan_free(result);
	return 0;
}
