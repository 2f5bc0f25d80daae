/* SPDX-License-Identifier: MIT */
/*
 * io.h - what libhotpath and libhotpath-io share for I/O tracking
 * (docs/io.md).  Private: not installed.
 *
 * libhotpath-io interposes read, write, send, recv, ... and the stdio
 * calls that end in them; each call it records is a payload pair of kind
 * HP__EV_IO in the calling thread's buffer, written inline there:
 *
 *   {t = start tick, site = function | HP__EV_IO << 24, dt = HPI_IO_DT0}
 *   {t = the call's ticks, site = 0, dt = bytes (low 32 bits) or errno}
 *
 * where function is the innermost measured function open on the thread
 * (core/alloc.c keeps the open frames while I/O is tracked) and dt0 packs
 * the descriptor's name id (interned here, once per descriptor), the
 * call, the kind of descriptor, a failure bit and bits 32-34 of bytes.
 */
#ifndef HOTPATH_CORE_IO_H
#define HOTPATH_CORE_IO_H

#include <stdint.h>

#include <hotpath.h>
#include <hotpath/plugin.h>

#define HPI_IO_NAME_BITS 20
#define HPI_IO_NAME_MAX ((1u << HPI_IO_NAME_BITS) - 2) /* dt0 is never ~0 */
#define HPI_IO_FAILED (1u << 28)
/* The first record's dt: name id, call, kind, failed, bytes' bits 32-34. */
#define HPI_IO_DT0(name, op, kind, failed, bytes_hi)                               \
	((uint32_t)(name) | (uint32_t)(op) << 20 | (uint32_t)(kind) << 25 |          \
	 ((failed) ? HPI_IO_FAILED : 0) | (uint32_t)((bytes_hi) & 7) << 29)
#define HPI_IO_BYTES_MAX ((UINT64_C(1) << 35) - 1) /* more is counted as this */

/* collectors.io.stdio: 1 while stdio calls are recorded (set at each
 * guard's start). */
HP_API extern int hp__io_stdio;
/* libhotpath-io's constructor: I/O can be tracked. */
HP_API void hp__io_attach(void);
/* The id of a descriptor's name, 1..HPI_IO_NAME_MAX (interned once per
 * distinct name; any thread); 0 when it cannot be stored. */
HP_API uint32_t hp__io_name(const char *name);
/* The pair when it does not fit the thread's chunk (or the thread has no
 * buffer yet). */
HP_API void hp__io_emit_slow(uint32_t tag, uint64_t t0, uint32_t dt0, uint64_t ticks,
			     uint32_t dt1);

/* libhotpath's side (core/io.c). */
/* The name of id, or "?"; any thread. */
const char *hpi_io_name_get(uint32_t id);
/* Decodes a pair's figures into io (the collector). */
void hpi_io_decode(hp_event_io *io, uint32_t dt0, uint32_t dt1);

/* ---- core/io.c, for the rest of libhotpath ---- */

struct hpi_config;
/* Turns collectors.io on when libhotpath-io is loaded (unless HOTPATH_IO
 * says otherwise); warns when it is on and the library is not. */
void hpi_io_configure(struct hpi_config *c);
/* hp__rt.on for a new guard: on, with HP__ON_IO (and the frames it needs)
 * when I/O is tracked. */
int hpi_io_start(const struct hpi_config *c, int on);

#endif
