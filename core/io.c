/* SPDX-License-Identifier: MIT */
/*
 * io.c - libhotpath's half of I/O tracking (docs/io.md): the names of
 * descriptors, the configuration, and the decoding of libhotpath-io's
 * records for the collector.
 *
 * A descriptor's name ("/tmp/out.log", "pipe:[4711]", "tcp 127.0.0.1:80")
 * is interned once per distinct name, when libhotpath-io first sees the
 * descriptor; records carry its 20-bit id.  Names live until the process
 * exits, in blocks that never move, so the collector reads them without
 * a lock.
 */
#include "config.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "alloc.h"
#include "hpi.h"
#include "io.h"

#define IO_BLOCK 1024 /* names per block */
#define IO_BLOCKS ((HPI_IO_NAME_MAX + IO_BLOCK) / IO_BLOCK)

static bool io_attached;
int hp__io_stdio = 1;
static pthread_mutex_t io_lock = PTHREAD_MUTEX_INITIALIZER;
static char **io_blocks[IO_BLOCKS]; /* id -> name, published with release */
static uint32_t io_count = 1;       /* io_lock: ids [1, io_count) are used */
static uint32_t *io_table;          /* io_lock: hash -> id, 0 empty */
static uint32_t io_tcap;

void hp__io_attach(void)
{
	__atomic_store_n(&io_attached, true, __ATOMIC_RELEASE);
}

/* FNV-1a: names are short. */
static uint32_t io_hash(const char *s)
{
	uint32_t h = 2166136261u;

	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 16777619u;
	return h;
}

/* Doubles the hash table (io_lock held). */
static bool io_rehash(void)
{
	uint32_t cap = io_tcap ? io_tcap * 2 : 256, *t;

	if ((t = calloc(cap, sizeof(*t))) == NULL)
		return false;
	for (uint32_t id = 1; id < io_count; id++) {
		uint32_t h = io_hash(io_blocks[id / IO_BLOCK][id % IO_BLOCK]) & (cap - 1);
		while (t[h] != 0)
			h = (h + 1) & (cap - 1);
		t[h] = id;
	}
	free(io_table);
	io_table = t;
	io_tcap = cap;
	return true;
}

/* Stores name under a new id (io_lock held); 0 without memory or room. */
static uint32_t io_add(const char *name, uint32_t slot)
{
	uint32_t id = io_count;
	char **b = io_blocks[id / IO_BLOCK], *copy;

	if (id > HPI_IO_NAME_MAX)
		return 0;
	if (b == NULL) {
		if ((b = calloc(IO_BLOCK, sizeof(*b))) == NULL)
			return 0;
		__atomic_store_n(&io_blocks[id / IO_BLOCK], b, __ATOMIC_RELEASE);
	}
	if ((copy = strdup(name)) == NULL)
		return 0;
	__atomic_store_n(&b[id % IO_BLOCK], copy, __ATOMIC_RELEASE);
	io_table[slot] = id;
	io_count++;
	return id;
}

uint32_t hp__io_name(const char *name)
{
	uint32_t h, id = 0;

	HPI_INTERNAL(); /* the copy is hotpath's, not the caller's */
	pthread_mutex_lock(&io_lock);
	if ((io_count + 1) * 2 > io_tcap && !io_rehash())
		goto out;
	for (h = io_hash(name) & (io_tcap - 1); io_table[h] != 0; h = (h + 1) & (io_tcap - 1)) {
		uint32_t k = io_table[h];
		if (strcmp(io_blocks[k / IO_BLOCK][k % IO_BLOCK], name) == 0) {
			id = k;
			goto out;
		}
	}
	id = io_add(name, h);
out:
	pthread_mutex_unlock(&io_lock);
	return id;
}

const char *hpi_io_name_get(uint32_t id)
{
	char **b;
	const char *s;

	if (id == 0 || id > HPI_IO_NAME_MAX ||
	    (b = __atomic_load_n(&io_blocks[id / IO_BLOCK], __ATOMIC_ACQUIRE)) == NULL ||
	    (s = __atomic_load_n(&b[id % IO_BLOCK], __ATOMIC_ACQUIRE)) == NULL)
		return "?";
	return s;
}

/* Whether op writes (HP_IO_OP_MAP's last column). */
#define IO_OUT(name, value, str, out) [value] = out,
static const unsigned char io_out[HP_IO__OPS] = { HP_IO_OP_MAP(IO_OUT) };
#undef IO_OUT

void hpi_io_decode(hp_event_io *io, uint32_t dt0, uint32_t dt1)
{
	uint32_t op = (dt0 >> 20) & 31;

	io->name = hpi_io_name_get(dt0 & ((1u << HPI_IO_NAME_BITS) - 1));
	io->op = (uint8_t)op;
	io->kind = (uint8_t)((dt0 >> 25) & 7);
	io->out = op < HP_IO__OPS ? io_out[op] : 0;
	io->pad = 0;
	if (dt0 & HPI_IO_FAILED) {
		io->err = (int32_t)dt1;
		io->bytes = 0;
	} else {
		io->err = 0;
		io->bytes = (uint64_t)dt1 | (uint64_t)(dt0 >> 29) << 32;
	}
}

void hp__io_emit_slow(uint32_t tag, uint64_t t0, uint32_t dt0, uint64_t ticks, uint32_t dt1)
{
	hpi_emit_pair2(tag, t0, dt0, ticks, dt1);
}

/* Set in the environment, even to "0"? */
static bool io_env(const char *name)
{
	const char *v = hpi_getenv(name);

	return v != NULL && *v != '\0';
}

void hpi_io_configure(hpi_config *c)
{
	hpi_optval *on = hpi_config_opt(c, "io", "enabled");
	bool attached = __atomic_load_n(&io_attached, __ATOMIC_ACQUIRE);

	if (on == NULL)
		return;
	/* loading libhotpath-io says "track", as libhotpath-alloc does */
	if (attached && !io_env("HOTPATH_IO") && !io_env("HOTPATH_COLLECTORS_IO_ENABLED"))
		on->b = true;
	if (on->b && !attached) {
		hpi_warn("collectors.io: libhotpath-io is not loaded (link with "
			 "-lhotpath-io, or run under `hotpath run --io`); I/O is not tracked");
		on->b = false; /* so the registry leaves the plugin out */
	}
}

int hpi_io_start(const hpi_config *c, int on)
{
	const hpi_optval *io = hpi_config_opt(c, "io", "enabled");
	const hpi_optval *stdio = hpi_config_opt(c, "io", "stdio");

	if (io == NULL || !io->b || !__atomic_load_n(&io_attached, __ATOMIC_ACQUIRE))
		return on;
	__atomic_store_n(&hp__io_stdio, stdio == NULL || stdio->b, __ATOMIC_RELAXED);
	/* the open frames name the function a call is made in */
	return on | HP__ON_IO | HP__ON_ALLOC | (on & HP__ON_ALLOC ? 0 : HP__ON_NOALLOC);
}
