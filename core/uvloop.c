/* SPDX-License-Identifier: MIT */
/*
 * uvloop.c - libhotpath's half of libuv loop metrics (hotpath/uv.h,
 * docs/uv.md): the header's loop-thread callbacks hand their figures here,
 * one payload pair each (HP_EV_UV_*), so that libhotpath itself never
 * links libuv.
 */
#include "config.h"

#include "alloc.h"
#include "hpi.h"

/* One UV_* record from a watched loop's thread; nothing when not profiling. */
HP_API void hp__uv_record(uint32_t site, uint32_t kind, uint32_t w0, uint64_t pay, uint32_t w1);

void hp__uv_record(uint32_t site, uint32_t kind, uint32_t w0, uint64_t pay, uint32_t w1)
{
	if (!__atomic_load_n(&hp__rt.on, __ATOMIC_RELAXED) || site == 0 ||
	    (kind != HP__EV_UV_ITER && kind != HP__EV_UV_LAG && kind != HP__EV_UV_HANDLES))
		return;
	hpi_emit_pair2(site | kind << HP__KIND_SHIFT, hp__now(), w0, pay, w1);
}
