/* SPDX-License-Identifier: MIT */
/*
 * flow.h - what the channels, streams and futures plugins share: an entry
 * per label found from the site id, a ring of each label's last records
 * (hp_ring),
 * the formatter's text put back together from HP_EV_TEXT_CHUNK events,
 * the row logs and the histogram columns of their sections, and fini.
 * Like the plugins, it uses only the plugin ABI (hotpath/plugin.h).
 *
 * A plugin describes itself with a static const hpi_flow_kind, makes its
 * state with hpi_flow_new in its init and names hpi_flow_free as its fini;
 * its entry struct starts with an hpi_flow_entry.  Everything runs on the
 * collector thread, as the plugin's own operations do.
 */
#ifndef HOTPATH_PLUGINS_FLOW_H
#define HOTPATH_PLUGINS_FLOW_H

#include <hotpath/plugin.h>

#define HPI_FLOW_TEXT_MAX 32 /* bytes of a formatter's text kept */
#define HPI_FLOW_TEXT_WAIT 8 /* texts awaited at once per label, at most */

/* A record whose text may still come: the thread's next TEXT_CHUNK bytes
 * go to `to` (HPI_FLOW_TEXT_MAX + 1 zeroed bytes); NULL when forgotten. */
typedef struct hpi_flow_text {
	uint64_t tid;
	char *to;
	int fill; /* bytes written */
} hpi_flow_text;

/* A label's entry: the first member of the plugin's own. */
typedef struct hpi_flow_entry {
	const char *label;      /* borrowed from the site registry; first, for
				 * hp_plugin_label_find */
	uint64_t sites, closed; /* sites of the label seen, those closed */
	hp_ring log;            /* the last log_cap records of rec_size bytes */
	hpi_flow_text text[HPI_FLOW_TEXT_WAIT];
	unsigned text_next;     /* round robin over the kind's text_wait */
} hpi_flow_entry;

/* A site: its label's entry, and whether it has closed. */
typedef struct hpi_flow_site {
	hpi_flow_entry *e;
	int closed;
} hpi_flow_site;

/* What a plugin follows, and the size and hooks of its entries. */
typedef struct hpi_flow_kind {
	int site_kind;        /* HP_SITE_CHANNEL, ...: other sites are ignored */
	const char *logs_key; /* the option that caps each label's log */
	size_t entry_size;    /* the plugin's entry, from an hpi_flow_entry */
	size_t rec_size;      /* one log record */
	unsigned text_wait;   /* 1..HPI_FLOW_TEXT_WAIT; 1: only the last
			       * record of the label takes text */
	/* Optional: fills a new entry (zeroed, label and log set); 0, or
	 * non-zero to drop it, after which entry_free is called. */
	int (*entry_new)(const hp_host *host, hpi_flow_entry *e, const hp_site_info *info);
	/* Optional: frees what entry_new (or the plugin later) made, not e. */
	void (*entry_free)(const hp_host *host, hpi_flow_entry *e);
} hpi_flow_kind;

/* A plugin's state. */
typedef struct hpi_flow {
	const hpi_flow_kind *kind;
	const hp_host *host;
	size_t log_cap;           /* records per label, 0 = no logs, no text */
	hpi_flow_site *by_site;   /* index: site id */
	size_t nsites;
	hpi_flow_entry **v;       /* the labels, in order of first sight */
	size_t n, cap;
} hpi_flow;

/* The init of a flow plugin: the state in *state (free with
 * hpi_flow_free); asks for the formatters' text when logs are kept.
 * 0 or HP_ENOMEM. */
int hpi_flow_new(const hpi_flow_kind *kind, const hp_host *host, const hp_options *opts,
		 void **state);
/* The fini of a flow plugin: every entry, then the state; NULL is a no-op. */
void hpi_flow_free(void *state);

/* Site id's record; its label's entry is made on first sight of the site,
 * and a new site is one more of its label.  NULL for a site of another
 * kind, an unknown one, or out of memory. */
hpi_flow_site *hpi_flow_site_get(hpi_flow *f, uint32_t id);
/* Marks a site closed once (its label's closed count). */
void hpi_flow_close(hpi_flow_site *s);

/* The next record of e's log, zeroed (the oldest one is reused when the
 * log is full, and texts still awaited for it are forgotten); NULL when
 * no logs are kept.  Read the log with hp_ring_at, write it with
 * hp_ring_log (rec_size bytes a record). */
void *hpi_flow_log_add(hpi_flow *f, hpi_flow_entry *e);

/* The thread's next TEXT_CHUNK bytes go to `to` (see hpi_flow_text). */
void hpi_flow_text_wait(hpi_flow *f, hpi_flow_entry *e, uint64_t tid, char *to);
/* A TEXT_CHUNK event: 8 more bytes of the text its thread awaits. */
void hpi_flow_text_add(hpi_flow_entry *e, const hp_event *ev);
/* Texts awaited in p[0..n) are forgotten (p is being reused or freed). */
void hpi_flow_text_forget(hpi_flow_entry *e, const void *p, size_t n);
/* The text awaited in `from` goes on in `to` (the record moved), or is
 * forgotten when to is NULL. */
void hpi_flow_text_move(hpi_flow_entry *e, const char *from, char *to);

/* Sorts the labels with cmp (which compares two entry pointers). */
void hpi_flow_sort(hpi_flow *f, int (*cmp)(const void *, const void *));

/* Columns <key>_avg, <key>_p<P> for each percentile, <key>_max, titled
 * "<title> avg", "<title> P<P>", "<title> max"; ",<key>_avg,<key>_p<P>..."
 * is appended to the table's column list in cols (len bytes in all). */
void hpi_flow_hist_columns(const hp_host *h, hp_section *sec, const char *key,
			   const char *title, const double *p, size_t np, char *cols, size_t len);
/* Their cells in row r from column c: avg, the percentiles, max; none
 * when hist is empty. */
void hpi_flow_hist_cells(const hp_host *h, hp_section *sec, size_t r, size_t c,
			 const hp_hist *hist, const double *p, size_t np);

#endif /* HOTPATH_PLUGINS_FLOW_H */
