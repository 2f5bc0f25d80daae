/* SPDX-License-Identifier: MIT */
/*
 * lua_impl.h - Lua reporters (lua.c, lua_report.c, lua_json.c, lua_cap.c;
 * docs/lua.md).  Not lua.h: Lua has a header of that name.
 */
#ifndef HPI_LUA_IMPL_H
#define HPI_LUA_IMPL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "config_impl.h"
#include "render.h"
#include "snapshot.h"

#define HPI_LUA_MEMORY_MB 64
#define HPI_LUA_INSTRUCTIONS 1000000000L
#define HPI_LUA_TIME_MS 10000 /* a reporter's wall-clock cap */

/* How one script runs; a NULL hpi_lua_opts means all defaults. */
typedef struct hpi_lua_opts {
	const char *options; /* the script's options, JSON object text; NULL = {} */
	size_t memory_mb;    /* memory cap in MiB; 0 = HPI_LUA_MEMORY_MB */
	long instructions;   /* instruction cap; 0 = none, < 0 = HPI_LUA_INSTRUCTIONS */
	FILE *out;           /* where print() and io.write() go; NULL = stderr */
	const char *base;    /* folder a relative script path is found in (the
			      * configuration file's); NULL = working directory */
	unsigned long time_ms; /* wall-clock cap; 0 = HPI_LUA_TIME_MS */
} hpi_lua_opts;

/*
 * Runs one Lua reporter on s, in a fresh Lua state with the caps of lo:
 * finds script (hpi_lua_find), runs it, and calls the function it returns
 * (or its table's report) with the report table, shaped like the JSON
 * report of s with o (NULL: all rows, no percentiles), and the options.
 * Independent of any guard (`hotpath report --script` uses it too).
 * Returns 0, or HP_ENOENT (not found), HP_EIO (unreadable), HP_ESYNTAX,
 * HP_EINVAL (options not a JSON object), HP_ENOMEM (no memory for Lua, or
 * the memory cap) or HP_ESCRIPT (error, instruction cap, bad return value,
 * or the script reported a failure), with *cause set (caller frees): the
 * first line is "<kind>: <message>", traceback lines follow, each starting
 * with two spaces.  The messages are listed in docs/lua.md.
 */
int hpi_lua_report(const hp_snapshot *s, const hpi_render_opts *o, const char *script,
		   const hpi_lua_opts *lo, char **cause);
/* Prints a cause of hpi_lua_report as [hotpath] lines: "<name>: <first
 * line>", then each further line. */
void hpi_lua_warn(const char *name, const char *cause);
/* Where script is: the path as given, then HP_SCRIPTDIR, then each folder of
 * $HOTPATH_SCRIPT_PATH (colon-separated); a name without ".lua" also tries
 * name.lua; an absolute path is only tried as given.  New string (caller
 * frees), or NULL when no regular file matches.  In secure execution a
 * relative path is never tried as given. */
char *hpi_lua_find(const char *script);
/* hpi_lua_find, with a relative path tried in folder base (NULL: the
 * working directory) instead of as given. */
char *hpi_lua_find_in(const char *base, const char *script);
/* The guard's reporters: c->scripts with their options, then extra (the
 * builder's); every failure is reported with hpi_lua_warn, never more.
 * print() goes to stdout when c->output is "stdout", else to stderr.
 * Returns how many scripts failed. */
int hpi_lua_run_scripts(const hp_snapshot *s, const hpi_render_opts *o, const hpi_config *c,
			char *const *extra, size_t nextra);

/* lua_report.c and lua_json.c, for lua.c; each may raise a Lua error. */
struct lua_State;
/* Pushes the report table of s (docs/lua.md), and records the key order
 * of each of its objects in the registry's weak table HPI_LUA_ORDER. */
void hpi_lua_push_report(struct lua_State *L, const hp_snapshot *s,
			 const hpi_render_opts *o);
#define HPI_LUA_ORDER "hotpath.order"

/* Pushes the value of the JSON text json; on bad JSON pushes nothing and
 * returns false with the reason in why. */
bool hpi_lua_push_json(struct lua_State *L, const char *json, char *why, size_t len);
/* Installs the caps that hold inside C code (lua_cap.c): string.find,
 * match, gmatch and gsub refuse a pattern too costly for the subject,
 * setmetatable refuses __gc, load reads text only.  After the libraries are
 * open; every reporter and console panel state gets them. */
void hpi_lua_cap_install(struct lua_State *L);
/* lua_CFunction: pushes the table of C helpers the hotpath module uses. */
int hpi_lua_open_core(struct lua_State *L);
/* The text of scripts/hotpath.lua, built in. */
extern const char hpi_lua_hotpath[];

#endif
