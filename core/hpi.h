/* SPDX-License-Identifier: MIT */
/*
 * hpi.h - every header of libhotpath's modules (never installed), as nng's
 * nng_impl.h: the files of libhotpath, its tests and benchmarks include
 * this one.
 *
 * One header per module, named after it: core/<module>.c (or the files
 * <module>_*.c of a module split in several) declares what it shares in
 * core/<module>.h, with a one-line purpose at its top.  A module whose
 * name is taken by a header that its own files include is
 * <module>_impl.h: config (autoconf's config.h), lua (Lua's lua.h) and
 * term (curses' term.h).  Each header includes what it uses, so it
 * compiles on its own (tests/e2e/headers.sh checks it).
 */
#ifndef HPI_H
#define HPI_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <hotpath.h>
#include <hotpath/plugin.h>

#include "warn.h"
#include "trust.h"
#include "strbuf.h"
#include "term_impl.h"
#include "snapshot.h"
#include "unit.h"
#include "box.h"
#include "render.h"
#include "flame.h"
#include "html.h"
#include "hist.h"
#include "config_impl.h"
#include "lua_impl.h"
#include "wire.h"
#include "publish.h"
#include "clock.h"
#include "channels.h"
#include "guard.h"
#include "site.h"
#include "auto.h"
#include "symbols.h"
#include "filter.h"
#include "sample.h"
#include "alloc.h"
#include "io.h"
#include "tbuf.h"
#include "registry.h"
#include "host.h"
#include "metrics.h"
#include "collector.h"
#include "debug.h"
#include "discover.h"
#include "json.h"

#endif /* HPI_H */
