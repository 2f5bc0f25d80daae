/* SPDX-License-Identifier: MIT */
/*
 * lua_none.c - the Lua host of a build configured --without-lua: a script
 * named in report.scripts, HOTPATH_SCRIPTS or by the builder is not run,
 * and says so in one [hotpath] line, the way a script that failed does.
 * Built instead of lua.c, lua_report.c and lua_json.c (core/Makemodule.am).
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <stdlib.h>
#include <string.h>

#include "hpi.h"

#define LUA_NONE_CAUSE "not run: hotpath was built without Lua (configure --without-lua)"

/* No script runs: HP_ENOTSUP with the reason in *cause (caller frees). */
int hpi_lua_report(const hp_snapshot *s, const hpi_render_opts *o, const char *script,
		   const hpi_lua_opts *lo, char **cause)
{
	(void)s;
	(void)o;
	(void)script;
	(void)lo;
	if (cause != NULL)
		*cause = strdup(LUA_NONE_CAUSE);
	return HP_ENOTSUP;
}

/* "<name>: <first line>" then each further line, as lua.c prints them. */
void hpi_lua_warn(const char *name, const char *cause)
{
	const char *p = cause ? cause : "failed", *e;

	e = p + strcspn(p, "\n");
	hpi_warn("%s: %.*s", name ? name : "?", (int)(e - p), p);
	while (*e != '\0') {
		p = e + 1;
		e = p + strcspn(p, "\n");
		hpi_warn("%.*s", (int)(e - p), p);
	}
}

/* One line per configured script; returns how many were not run. */
int hpi_lua_run_scripts(const hp_snapshot *s, const hpi_render_opts *o, const hpi_config *c,
			char *const *extra, size_t nextra)
{
	size_t i, n = c->scripts.n + nextra;

	(void)s;
	(void)o;
	for (i = 0; i < n; i++)
		hpi_lua_warn(i < c->scripts.n ? c->scripts.v[i] : extra[i - c->scripts.n],
			     LUA_NONE_CAUSE);
	return (int)n;
}
