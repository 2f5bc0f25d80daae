/* SPDX-License-Identifier: MIT */
/*
 * warn.c - the one way hotpath talks to the user at run time.  A warning is
 * one "[hotpath] <msg>" line on stderr, written with a single write(2) so
 * that lines from different threads never interleave, and formatted in a
 * fixed stack buffer so that warning about low memory needs no memory.
 * Control characters, invalid UTF-8 and bidi controls in it are made
 * visible (hpi_term_copy).
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "hpi.h"

#define WARN_PREFIX "[hotpath] "
#define WARN_MAX 1024 /* whole line, prefix and newline included */
#define WARN_ELLIPSIS "..."

static pthread_mutex_t warn_lock = PTHREAD_MUTEX_INITIALIZER;
static hpi_warn_sink warn_sink;
static void *warn_sink_data;

/* Turns the message into one line: trailing newlines go, inner ones become
 * spaces.  Returns the new length. */
static size_t warn_flatten(char *msg, size_t len)
{
	size_t i;

	while (len > 0 && (msg[len - 1] == '\n' || msg[len - 1] == '\r'))
		msg[--len] = '\0';
	for (i = 0; i < len; i++)
		if (msg[i] == '\n' || msg[i] == '\r')
			msg[i] = ' ';
	return len;
}

/* Formats the message after the prefix; truncates with "..." when long.
 * Returns the message length (prefix excluded). */
static size_t warn_format(char *line, const char *fmt, va_list ap)
{
	size_t plen = sizeof(WARN_PREFIX) - 1;
	size_t room = WARN_MAX - plen - 1; /* leave space for '\n' */
	char *msg = line + plen;
	int n;

	memcpy(line, WARN_PREFIX, plen);
	n = vsnprintf(msg, room, fmt ? fmt : "(null)", ap);
	if (n < 0) {
		n = 0;
		msg[0] = '\0';
	}
	if ((size_t)n >= room) {
		/* room - 1 bytes fit; end them with the ellipsis, never in the
		 * middle of a UTF-8 sequence */
		n = (int)(room - sizeof(WARN_ELLIPSIS));
		while (n > 0 && ((unsigned char)msg[n] & 0xc0) == 0x80)
			n--;
		memcpy(msg + n, WARN_ELLIPSIS, sizeof(WARN_ELLIPSIS));
		n += (int)sizeof(WARN_ELLIPSIS) - 1;
	}
	return warn_flatten(msg, (size_t)n);
}

/* Writes the whole line in one write(2), retried only when interrupted. */
static void warn_write(const char *line, size_t len)
{
	ssize_t rv;

	do
		rv = write(STDERR_FILENO, line, len);
	while (rv < 0 && errno == EINTR);
}

/* Prints one warning line; see hpi_warn. */
void hpi_vwarn(const char *fmt, va_list ap)
{
	char raw[WARN_MAX], line[WARN_MAX];
	size_t plen = sizeof(WARN_PREFIX) - 1;
	size_t len;
	int saved = errno;

	len = warn_format(raw, fmt, ap);
	/* a value echoed from a configuration, a plugin or a script must not
	 * reach the terminal as an escape sequence (term.c) */
	memcpy(line, WARN_PREFIX, plen);
	len = hpi_term_copy(line + plen, WARN_MAX - plen - 1, raw + plen, len, HPI_TERM_TAB);
	pthread_mutex_lock(&warn_lock);
	if (warn_sink != NULL) {
		warn_sink(line + plen, warn_sink_data);
		pthread_mutex_unlock(&warn_lock);
		errno = saved;
		return;
	}
	pthread_mutex_unlock(&warn_lock);
	line[plen + len] = '\n';
	warn_write(line, plen + len + 1);
	errno = saved;
}

/* Prints one "[hotpath] ..." line on stderr, or hands it to the sink. */
void hpi_warn(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	hpi_vwarn(fmt, ap);
	va_end(ap);
}

/* Routes warnings to sink (tests); NULL restores stderr.  The sink is called
 * with the lock held, so it must not warn itself. */
void hpi_warn_set_sink(hpi_warn_sink sink, void *data)
{
	pthread_mutex_lock(&warn_lock);
	warn_sink = sink;
	warn_sink_data = sink ? data : NULL;
	pthread_mutex_unlock(&warn_lock);
}

/* printf into a new malloc'ed string; NULL when out of memory. */
char *hpi_asprintf(const char *fmt, ...)
{
	va_list ap;
	char *s;
	int n;

	if (fmt == NULL)
		return NULL;
	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0 || (s = malloc((size_t)n + 1)) == NULL)
		return NULL;
	va_start(ap, fmt);
	vsnprintf(s, (size_t)n + 1, fmt, ap);
	va_end(ap);
	return s;
}
