/* SPDX-License-Identifier: MIT */
/*
 * hotpath/plugin_util.h - the plugin ABI's inline helpers: a histogram's
 * value counted without a call, a growing text, an entry per site id and
 * per label, a growing pointer array, and a row's recent log (hp_ring).
 * Included by hotpath/plugin.h after the types they use; include that.
 */
#ifndef HOTPATH_PLUGIN_UTIL_H
#define HOTPATH_PLUGIN_UTIL_H

#ifndef HOTPATH_PLUGIN_H
#error "include <hotpath/plugin.h>, not <hotpath/plugin_util.h>"
#endif

/* v's octave (h->oct's index) and sub-bucket in it. */
static inline void hp_hist_index(uint64_t v, unsigned *oct, unsigned *sub)
{
	if (v < HP_HIST_SUB) {
		*oct = 0;
		*sub = (unsigned)v;
	} else {
		unsigned e = 63;
#if defined(__GNUC__)
		e = 63u - (unsigned)__builtin_clzll(v);
#else
		while (!(v >> e))
			e--;
#endif
		*oct = e - HP_HIST_SUB_BITS + 1;
		*sub = (unsigned)(v >> (e - HP_HIST_SUB_BITS)) - HP_HIST_SUB;
	}
}

/* Counts v in count, sum, min and max only (not in a bucket). */
static inline void hp_hist_note(hp_hist *h, uint64_t v)
{
	h->count++;
	h->sum += v;
	if (v < h->min)
		h->min = v;
	if (v > h->max)
		h->max = v;
}

/* Counts v in h's bucket without a call (the host's only for an octave's
 * first value); host is the plugin's hp_host, new enough for hist_bump. */
static inline void hp_hist_bump(const hp_host *host, hp_hist *h, uint64_t v)
{
	unsigned o, sub;

	hp_hist_index(v, &o, &sub);
	if (h->oct[o] != NULL)
		h->oct[o][sub]++;
	else
		host->hist_bump(h, v);
}

/* hp_host.hist_add inline: count, sum, min, max and the bucket. */
static inline void hp_hist_add(const hp_host *host, hp_hist *h, uint64_t v)
{
	hp_hist_note(h, v);
	hp_hist_bump(host, h, v);
}

/* Appends n bytes of s. */
static inline void hp_text_putn(hp_text *t, const char *s, size_t n)
{
	if (t->failed)
		return;
	if (t->len + n + 1 > t->cap) {
		size_t cap = t->cap ? t->cap : 64;
		char *p;

		while (cap < t->len + n + 1)
			cap *= 2;
		if ((p = (char *)realloc(t->data, cap)) == NULL) {
			t->failed = 1;
			return;
		}
		t->data = p;
		t->cap = cap;
	}
	memcpy(t->data + t->len, s, n);
	t->len += n;
	t->data[t->len] = '\0';
}

static inline void hp_text_puts(hp_text *t, const char *s)
{
	hp_text_putn(t, s, strlen(s));
}

static inline void hp_text_putc(hp_text *t, char c)
{
	if (t->len + 2 <= t->cap && !t->failed) {
		t->data[t->len++] = c;
		t->data[t->len] = '\0';
	} else
		hp_text_putn(t, &c, 1);
}

/* Appends printf's output (at most 255 bytes per call). */
#if defined(__GNUC__)
__attribute__((format(printf, 2, 3)))
#endif
static inline void hp_text_printf(hp_text *t, const char *fmt, ...)
{
	char buf[256];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	if (n > 0)
		hp_text_putn(t, buf, (size_t)n < sizeof(buf) ? (size_t)n : sizeof(buf) - 1);
}

static inline void hp_text_free(hp_text *t)
{
	free(t->data);
	t->data = NULL;
	t->len = t->cap = 0;
	t->failed = 0;
}

/*
 * Helpers most plugins need, inline (no library call): an entry per site
 * id, entries shared by label, a growing pointer array.
 */

/* Grows the array *arr (*n items of elem bytes), zero-filled, so that
 * index id fits; 0 when out of memory (*arr and *n unchanged). */
static inline int hp_plugin_grow(void *arr, size_t *n, size_t elem, uint32_t id)
{
	char **a = (char **)arr, *p;
	size_t cap = *n ? *n : 64;

	if (id < *n)
		return 1;
	while (cap <= id)
		cap *= 2;
	if ((p = (char *)realloc(*a, cap * elem)) == NULL)
		return 0;
	memset(p + *n * elem, 0, (cap - *n) * elem);
	*a = p;
	*n = cap;
	return 1;
}

/* The slot of site id in the table *map (*n slots), grown zero-filled as
 * needed; NULL when out of memory. */
static inline void **hp_plugin_site_slot(void ***map, size_t *n, uint32_t id)
{
	return hp_plugin_grow(map, n, sizeof(**map), id) ? &(*map)[id] : NULL;
}

/* Of n entries whose structs start with a `const char *label`, the one
 * with this label, or NULL. */
static inline void *hp_plugin_label_find(void *const *v, size_t n, const char *label)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(*(const char *const *)v[i], label) == 0)
			return v[i];
	return NULL;
}

/* Appends e to the pointer array *v (n used, cap allocated); 0 when out
 * of memory. */
static inline int hp_plugin_push(void ***v, size_t *n, size_t *cap, void *e)
{
	if (*n == *cap) {
		size_t c = *cap ? *cap * 2 : 16;
		void **p = (void **)realloc(*v, c * sizeof(*p));

		if (p == NULL)
			return 0;
		*v = p;
		*cap = c;
	}
	(*v)[(*n)++] = e;
	return 1;
}

/*
 * A row's recent log: a ring of the last `cap` records of one struct type
 * (the timing plugin's last calls of a function, the channels plugin's
 * last messages of a channel), written into the row's log at snapshot
 * time.  Inline, and it needs no host function beyond the first ABI-1
 * ones (row_log, column_add, row_add), so any hotpath runs it:
 *
 *   typedef struct call { uint64_t dur, tid; } call;
 *   hp_ring_init(&e->log, cap, sizeof(call));       // in init: 0 or HP_ENOMEM
 *   call *c = HP_RING_PUSH(&e->log, call);          // per event; NULL when cap is 0
 *   if (c != NULL) c->dur = ev->dur_ns, c->tid = ev->tid;
 *   hp_ring_log(h, sec, row, &e->log, sizeof(call), cols, HP_RING_NEWEST, 0, call_cells, st);
 *   hp_ring_free(&e->log);                          // in fini
 *
 * push hands back the slot of the oldest record once the ring is full, as
 * it was (zero at first): the caller overwrites it (and frees what it
 * owned, if anything).
 */
typedef struct hp_ring {
	void *rec;   /* cap records, allocated by hp_ring_init */
	size_t cap;  /* records kept at most; 0: none */
	size_t head; /* the slot the next record goes to */
	size_t n;    /* records kept, <= cap */
} hp_ring;

/* A column of a row log: key, title, unit (as hp_host.column_add). */
typedef struct hp_ring_col {
	const char *key, *title;
	hp_unit unit;
} hp_ring_col;

/* hp_ring_log's order. */
#define HP_RING_NEWEST 0 /* newest record first */
#define HP_RING_OLDEST 1 /* oldest first (a series in time order) */

/* An empty ring for cap records of size bytes, zeroed; 0, or HP_ENOMEM
 * (r is then an empty ring of capacity 0). */
static inline int hp_ring_init(hp_ring *r, size_t cap, size_t size)
{
	r->head = r->n = 0;
	r->cap = cap;
	r->rec = NULL;
	if (cap > 0 && (r->rec = calloc(cap, size)) == NULL) {
		r->cap = 0;
		return HP_ENOMEM;
	}
	return 0;
}

/* Frees the records (not r); a zeroed ring is a no-op. */
static inline void hp_ring_free(hp_ring *r)
{
	free(r->rec);
	r->rec = NULL;
	r->cap = r->head = r->n = 0;
}

/* The slot of the next record, counted in: the oldest one's when the ring
 * is full; NULL when cap is 0.  No division: a hot loop's. */
static inline void *hp_ring_push(hp_ring *r, size_t size)
{
	char *p;

	if (r->rec == NULL) /* cap is 0 (then, and only then) */
		return NULL;
	p = (char *)r->rec + r->head * size;
	if (++r->head == r->cap)
		r->head = 0;
	if (r->n < r->cap)
		r->n++;
	return p;
}
#define HP_RING_PUSH(r, type) ((type *)hp_ring_push((r), sizeof(type)))

/* Of n records about to be pushed in a row, the index of the first the
 * ring will keep: the others would be overwritten by the last cap. */
static inline size_t hp_ring_skip(const hp_ring *r, size_t n)
{
	return n > r->cap ? n - r->cap : 0;
}

/* Record i, 0 the newest; i < r->n. */
static inline void *hp_ring_at(const hp_ring *r, size_t i, size_t size)
{
	return (char *)r->rec + (r->head + r->cap - 1 - i) % r->cap * size;
}

/* Record i, 0 the oldest; i < r->n. */
static inline void *hp_ring_oldest(const hp_ring *r, size_t i, size_t size)
{
	return (char *)r->rec + (r->head + r->cap - r->n + i) % r->cap * size;
}

/* Writes a record's cells into row `row` of the log (its columns are
 * hp_ring_log's cols, in that order); u is hp_ring_log's. */
typedef void (*hp_ring_cells_fn)(const hp_host *h, hp_section *log, size_t row,
				 const void *rec, void *u);

/*
 * The ring as row `row`'s log in sec: the columns cols (ended by a NULL
 * key), then a row per record in `order` (HP_RING_NEWEST or _OLDEST) whose
 * cells `cells` writes.  max > 0 writes only the newest max records (a
 * ring kept longer than the log shows, e.g. after an option lowered the
 * log's length); 0 writes all r->n.  Returns the log, or NULL when the
 * ring is empty (no log at all) or out of memory.
 */
static inline hp_section *hp_ring_log(const hp_host *h, hp_section *sec, size_t row,
				      const hp_ring *r, size_t size, const hp_ring_col *cols,
				      int order, size_t max, hp_ring_cells_fn cells, void *u)
{
	size_t n = max > 0 && max < r->n ? max : r->n;
	hp_section *log;

	if (n == 0 || (log = h->row_log(sec, row)) == NULL)
		return NULL;
	for (const hp_ring_col *c = cols; c->key != NULL; c++)
		h->column_add(log, c->key, c->title, c->unit);
	for (size_t i = 0; i < n; i++) {
		const void *rec = order == HP_RING_OLDEST ? hp_ring_oldest(r, r->n - n + i, size)
							  : hp_ring_at(r, i, size);

		cells(h, log, h->row_add(log), rec, u);
	}
	return log;
}

#endif /* HOTPATH_PLUGIN_UTIL_H */
