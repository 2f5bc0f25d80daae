/* SPDX-License-Identifier: MIT */
/*
 * channels.c - the out-of-line half of the channel probes: set-up, site
 * registration (with the channel's type and capacity), and message text
 * from the probe's formatter.
 */
#include "config.h"

#include <string.h>

#include "hpi.h"

/* Bytes of formatted text a log keeps per message (NUL excluded). */
#define TEXT_MAX 32

/* Set by the channels plugin while it runs with logs on: formatters are
 * called only then. */
int hpi_channel_logs;

/* Sets up a probe; its site registers on the first event. */
void hp__channel_probe_init(hp_channel_probe *p, const char *label, int type,
			    size_t capacity, hp_msg_fmt fmt, const char *file, int line)
{
	memset(p, 0, sizeof(*p));
	p->site.label = label;
	p->site.file = file;
	p->site.line = line;
	p->site.kind = HP_SITE_CHANNEL;
	p->type = type;
	p->capacity = type == HP_CHAN_UNBOUNDED ? 0 : type == HP_CHAN_ONESHOT ? 1 : capacity;
	p->fmt = fmt;
}

/* Registers the probe's site; the plugin reads type and capacity from it. */
uint32_t hp__channel_register(hp_channel_probe *p)
{
	uint64_t cap = p->type == HP_CHAN_ONESHOT ? 1 : p->capacity;

	if (cap > (UINT64_C(1) << 56) - 1)
		cap = (UINT64_C(1) << 56) - 1;
	return hpi_site_register_arg(&p->site, NULL, (uint64_t)(p->type & 0xff) | cap << 8);
}

/* The formatter's text of a message, as TEXT_CHUNK records of 8 bytes
 * right after the message's CHAN_SEND. */
void hp__channel_text(hp_channel_probe *p, uint32_t id, uint32_t seq, const void *msg)
{
	(void)seq;
	hp__text(p->fmt, id, msg);
}

/* Registers a stream or future probe's site. */
uint32_t hp__probe_register(hp_site *site)
{
	return hpi_site_register_arg(site, NULL, 0);
}

/* The formatter's text of msg as TEXT_CHUNK records of 8 bytes, right
 * after the event it belongs to; only while logs are on. */
void hp__text(hp_msg_fmt fmt, uint32_t id, const void *msg)
{
	char buf[TEXT_MAX + 1];
	uint32_t tag = id | ((uint32_t)HP__EV_TEXT_CHUNK << HP__KIND_SHIFT);
	uint64_t t;
	int n;

	if (!__atomic_load_n(&hpi_channel_logs, __ATOMIC_RELAXED))
		return;
	memset(buf, 0, sizeof(buf));
	n = fmt(msg, buf, sizeof(buf));
	if (n <= 0)
		return;
	if (n > TEXT_MAX)
		n = TEXT_MAX;
	t = hp__now();
	for (int i = 0; i < n; i += 8) {
		uint64_t w = 0;
		for (int k = 7; k >= 0; k--)
			w = w << 8 | (unsigned char)buf[i + k];
		hp__record_pay(tag, t, w);
	}
}
