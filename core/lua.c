/* SPDX-License-Identifier: MIT */
/*
 * lua.c - the Lua host: runs one reporter script in a fresh Lua 5.4 state,
 * with a memory cap (a counting allocator), an instruction cap (a count
 * hook), a trimmed standard library and the hotpath module preloaded.
 *
 * Trust model: a script is the user's own code, like the program itself,
 * and may read and write files.  The caps and the trimmed library protect
 * the profiled program from mistakes (a runaway loop, a huge table, a
 * stray os.exit), not from an attacker.  Everything that touches Lua runs
 * in protected mode, so no script can make Lua panic (abort) the program.
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <lauxlib.h>
#include <lua.h>
#include <lualib.h>

#include "hpi.h"

#ifndef HP_SCRIPTDIR
#define HP_SCRIPTDIR "/usr/local/share/hotpath/scripts"
#endif

#define SCRIPT_HOOK_STEP 1000 /* instructions between two count hooks */
#define SCRIPT_WHERE_MAX (LUA_IDSIZE + 24)

/* One script run; also the allocator's and the hooks' user data. */
typedef struct script_run {
	const char *path;          /* the file found for the script */
	const hp_snapshot *snap;
	const hpi_render_opts *ro;
	const char *options;       /* JSON object text, or NULL */
	FILE *out;                 /* print() and io.write() */
	size_t used, cap;          /* bytes the state holds; its cap */
	bool over_memory;          /* the cap refused an allocation */
	unsigned long long steps, max_steps; /* instructions run; cap, 0 = none */
	bool over_steps;           /* past the instruction or the time cap */
	uint64_t deadline;         /* CLOCK_MONOTONIC ns: the time cap */
	unsigned long time_ms;
	unsigned nalloc;           /* allocations since the last clock read */
	bool in_hook;              /* the hook makes its message: allocations pass */
	char where[SCRIPT_WHERE_MAX]; /* "file:line" last seen by a hook */
	char stop[SCRIPT_WHERE_MAX + 96]; /* the instruction cap's message */
	const char *phase;         /* what the host is doing, or NULL in script code */
	int rv;                    /* 0 or an hp_err */
	char *cause;               /* malloc'ed message when rv != 0 */
} script_run;

/* Sandbox: runs with (output handle, package.path) once the libraries are
 * open.  Drops what could end or replace the process, or load native or
 * binary code; load, loadfile and dofile read text chunks only. */
static const char script_sandbox[] =
	"local out, path = ...\n"
	"os.execute, os.exit, os.setlocale, io.popen = nil, nil, nil, nil\n"
	"package.loadlib, package.cpath, package.path = nil, '', path\n"
	"debug = { traceback = debug.traceback }\n"
	"package.loaded.debug = debug\n"
	"io.output(out)\n"
	"local load0, loadfile0, error, format = load, loadfile, error, string.format\n"
	"function load(chunk, name, mode, ...) return load0(chunk, name, 't', ...) end\n"
	"function loadfile(file, mode, ...) return loadfile0(file, 't', ...) end\n"
	"function dofile(file)\n"
	"  local f, e = loadfile0(file, 't')\n"
	"  if not f then error(e, 2) end\n"
	"  return f()\n"
	"end\n"
	"local searchpath = package.searchpath\n"
	"package.searchers = { package.searchers[1], function(name)\n"
	"  local file, err = searchpath(name, package.path)\n"
	"  if not file then return err end\n"
	"  local f, e = loadfile0(file, 't')\n"
	"  if not f then\n"
	"    error(format(\"error loading module '%s' from file '%s':\\n\\t%s\", name, file, e), 2)\n"
	"  end\n"
	"  return f, file\n"
	"end }\n";

/* The run a state belongs to. */
static script_run *script_of(lua_State *L)
{
	void *ud;

	lua_getallocf(L, &ud);
	return ud;
}

/* Past the time cap: true, with the stop message set once. */
static bool script_late(script_run *r)
{
	if (r->over_steps)
		return true;
	if (hpi_mono_ns() < r->deadline)
		return false;
	r->over_steps = true;
	snprintf(r->stop, sizeof(r->stop), "%s: ran longer than %lu ms (the time cap)",
		 r->where[0] != '\0' ? r->where : r->path, r->time_ms);
	return true;
}

/* lua_Alloc that keeps the state under its memory cap (shrinking never
 * fails); past the time cap growing fails, which stops C functions that
 * allocate as they go (the hook stops Lua code). */
static void *script_alloc(void *ud, void *ptr, size_t osize, size_t nsize)
{
	script_run *r = ud;
	size_t old = ptr != NULL ? osize : 0;
	void *p;

	if (nsize == 0) {
		free(ptr);
		r->used -= old;
		return NULL;
	}
	if (nsize > old && r->deadline != 0 && !r->in_hook && (++r->nalloc & 63) == 0 &&
	    r->phase == NULL && script_late(r))
		return NULL;
	if (nsize > old && nsize - old > r->cap - r->used) {
		r->over_memory = true;
		return NULL;
	}
	if ((p = realloc(ptr, nsize)) == NULL)
		return NULL;
	r->used = r->used - old + nsize;
	return p;
}

/* Remembers "file:line" of a Lua function's current line. */
static void script_where(script_run *r, lua_State *L, lua_Debug *ar)
{
	if (lua_getinfo(L, "Sl", ar) && ar->currentline > 0)
		snprintf(r->where, sizeof(r->where), "%s:%d", ar->short_src, ar->currentline);
}

/* Count and call hook: notes where Lua code runs, for the memory message,
 * and stops the script past its instruction cap.  Once past it, the hook
 * runs at every instruction so that no pcall in the script can go on. */
static void script_hook(lua_State *L, lua_Debug *ar)
{
	script_run *r = script_of(L);
	lua_Debug caller;

	if (ar->event != LUA_HOOKCOUNT) {
		if (lua_getstack(L, 1, &caller))
			script_where(r, L, &caller);
		return;
	}
	script_where(r, L, ar);
	r->steps += SCRIPT_HOOK_STEP;
	if (!r->over_steps && (r->max_steps == 0 || r->steps < r->max_steps) &&
	    !script_late(r))
		return;
	if (!r->over_steps) {
		r->over_steps = true;
		snprintf(r->stop, sizeof(r->stop),
			 "%s: more than %llu instructions (report.script_instructions)",
			 r->where, r->max_steps);
	}
	lua_sethook(L, script_hook, LUA_MASKCOUNT, 1); /* this thread (coroutine) too */
	r->in_hook = true;
	lua_pushstring(L, r->stop);
	r->in_hook = false;
	lua_error(L);
}

/* Message handler: the error and a traceback, as the lua interpreter does. */
static int script_msgh(lua_State *L)
{
	const char *msg = lua_tostring(L, 1);

	if (msg == NULL) {
		if (luaL_callmeta(L, 1, "__tostring") && lua_type(L, -1) == LUA_TSTRING)
			msg = lua_tostring(L, -1);
		else
			msg = lua_pushfstring(L, "(error object is a %s value)", luaL_typename(L, 1));
	}
	luaL_traceback(L, L, msg, 1);
	return 1;
}

/* Sets the result: rv, and the cause "<kind>: <text>" where text is a Lua
 * message, maybe with a traceback.  Later lines of the message and the
 * traceback's entries become lines that start with two spaces; the
 * "stack traceback:" header and unnamed C frames are left out. */
static void script_set(script_run *r, int rv, const char *kind, const char *text)
{
	const char *tb = NULL, *p, *e, *hdr = "\nstack traceback:\n";
	hpi_buf b;

	if (text == NULL)
		text = "(no message)";
	for (p = text; (p = strstr(p, hdr)) != NULL; p++)
		tb = p;
	hpi_buf_init(&b);
	hpi_buf_printf(&b, "%s: ", kind);
	for (p = text; p < (tb ? tb : text + strlen(text)); p = e + 1) {
		e = p + strcspn(p, "\n");
		if (tb != NULL && e > tb)
			e = tb;
		hpi_buf_printf(&b, "%s%.*s", p == text ? "" : "\n  ", (int)(e - p), p);
		if (*e == '\0' || e == tb)
			break;
	}
	for (p = tb ? tb + strlen(hdr) : ""; *p != '\0'; p = *e ? e + 1 : e) {
		e = p + strcspn(p, "\n");
		p += *p == '\t';
		if ((size_t)(e - p) != 9 || strncmp(p, "[C]: in ?", 9) != 0)
			hpi_buf_printf(&b, "\n  %.*s", (int)(e - p), p);
	}
	r->rv = rv;
	free(r->cause);
	r->cause = b.data != NULL ? b.data : strdup(kind);
}

/* Classifies the error st with its value at the top of the stack (popped). */
static void script_error(lua_State *L, script_run *r, int st)
{
	const char *msg = lua_tostring(L, -1);
	const char *where = r->where[0] != '\0' ? r->where : r->path;
	char text[SCRIPT_WHERE_MAX + 160];

	if (msg == NULL)
		msg = "(error object is not a string)";
	if (r->over_steps) {
		script_set(r, HP_ESCRIPT, "stopped",
			   strncmp(msg, r->stop, strlen(r->stop)) == 0 ? msg : r->stop);
	} else if (r->over_memory && (st == LUA_ERRMEM || st == LUA_ERRERR ||
				      strstr(msg, "not enough memory") != NULL)) {
		snprintf(text, sizeof(text), "%s%smore than %zu MiB of memory%s%s "
			 "(report.script_memory_mb)", r->phase ? "" : where,
			 r->phase ? "" : ": ", r->cap >> 20, r->phase ? " " : "",
			 r->phase ? r->phase : "");
		script_set(r, HP_ENOMEM, "stopped", text);
	} else {
		script_set(r, st == LUA_ERRMEM ? HP_ENOMEM : HP_ESCRIPT, "error", msg);
	}
	lua_pop(L, 1);
}

/* Calls the function under its nargs arguments with the traceback handler;
 * false (r set) on error. */
static bool script_call(lua_State *L, script_run *r, int nargs, int nres)
{
	int base = lua_gettop(L) - nargs, st;

	lua_pushcfunction(L, script_msgh);
	lua_insert(L, base);
	st = lua_pcall(L, nargs, nres, base);
	lua_remove(L, base);
	if (st != LUA_OK)
		script_error(L, r, st);
	return st == LUA_OK;
}

/* print(), writing to the run's output instead of stdout. */
static int script_print(lua_State *L)
{
	script_run *r = script_of(L);
	int i, n = lua_gettop(L);
	size_t len;
	const char *s;

	for (i = 1; i <= n; i++) {
		s = luaL_tolstring(L, i, &len);
		if (i > 1)
			fputc('\t', r->out);
		fwrite(s, 1, len, r->out);
		lua_pop(L, 1);
	}
	fputc('\n', r->out);
	return 0;
}

/* close() of the output handle: it stays open (it is the host's FILE). */
static int script_noclose(lua_State *L)
{
	luaL_Stream *p = luaL_checkudata(L, 1, LUA_FILEHANDLE);

	p->closef = script_noclose;
	luaL_pushfail(L);
	lua_pushliteral(L, "cannot close the report output");
	return 2;
}

/* package.preload.hotpath: runs the built-in hotpath.lua with the C half. */
static int script_open_hotpath(lua_State *L)
{
	if (luaL_loadbufferx(L, hpi_lua_hotpath, strlen(hpi_lua_hotpath), "=hotpath.lua",
			     "t") != LUA_OK)
		return lua_error(L);
	lua_pushcfunction(L, hpi_lua_open_core);
	lua_call(L, 0, 1);
	lua_call(L, 1, 1);
	return 1;
}

/* Pushes package.path: the script's folder, HP_SCRIPTDIR, then
 * $HOTPATH_SCRIPT_PATH, each as "<dir>/?.lua", then Lua's default. */
static void script_push_path(lua_State *L, script_run *r, const char *dflt)
{
	const char *slash = strrchr(r->path, '/'), *sp = hpi_getenv("HOTPATH_SCRIPT_PATH"), *e;
	luaL_Buffer b;

	luaL_buffinit(L, &b);
	if (slash != NULL)
		luaL_addlstring(&b, r->path, (size_t)(slash - r->path));
	else
		luaL_addchar(&b, '.');
	luaL_addstring(&b, "/?.lua;" HP_SCRIPTDIR "/?.lua;");
	for (; sp != NULL && *sp != '\0'; sp = *e ? e + 1 : e) {
		e = sp + strcspn(sp, ":");
		if (e == sp)
			continue;
		luaL_addlstring(&b, sp, (size_t)(e - sp));
		luaL_addstring(&b, "/?.lua;");
	}
	luaL_addstring(&b, dflt);
	luaL_pushresult(&b);
}

/* Opens the libraries and runs the sandbox. */
static void script_open(lua_State *L, script_run *r)
{
	static const luaL_Reg libs[] = {
		{LUA_GNAME, luaopen_base}, {LUA_LOADLIBNAME, luaopen_package},
		{LUA_COLIBNAME, luaopen_coroutine}, {LUA_TABLIBNAME, luaopen_table},
		{LUA_IOLIBNAME, luaopen_io}, {LUA_OSLIBNAME, luaopen_os},
		{LUA_STRLIBNAME, luaopen_string}, {LUA_MATHLIBNAME, luaopen_math},
		{LUA_UTF8LIBNAME, luaopen_utf8}, {LUA_DBLIBNAME, luaopen_debug},
		{NULL, NULL}
	};
	luaL_Stream *out;

	for (const luaL_Reg *l = libs; l->name != NULL; l++) {
		luaL_requiref(L, l->name, l->func, 1);
		lua_pop(L, 1);
	}
	lua_register(L, "print", script_print);
	hpi_lua_cap_install(L);
	luaL_getsubtable(L, LUA_REGISTRYINDEX, LUA_PRELOAD_TABLE);
	lua_pushcfunction(L, script_open_hotpath);
	lua_setfield(L, -2, "hotpath");
	lua_pop(L, 1);
	if (luaL_loadbufferx(L, script_sandbox, sizeof(script_sandbox) - 1, "=sandbox", "t"))
		lua_error(L);
	out = lua_newuserdatauv(L, sizeof(*out), 0);
	out->f = r->out;
	out->closef = script_noclose;
	luaL_setmetatable(L, LUA_FILEHANDLE);
	lua_getglobal(L, LUA_LOADLIBNAME);
	lua_getfield(L, -1, "path");
	script_push_path(L, r, lua_tostring(L, -1));
	lua_replace(L, -3);
	lua_pop(L, 1);
	lua_call(L, 2, 0);
}

/* The reporter the chunk returned (left on the stack), or false (r set). */
static bool script_reporter(lua_State *L, script_run *r)
{
	char text[300];

	if (lua_istable(L, -1)) {
		lua_getfield(L, -1, "report");
		lua_remove(L, -2);
		if (lua_isfunction(L, -1))
			return true;
		snprintf(text, sizeof(text), "%.200s returned a table whose report is a %s, "
			 "not a function", r->path, luaL_typename(L, -1));
	} else if (lua_isfunction(L, -1)) {
		return true;
	} else {
		snprintf(text, sizeof(text), "%.200s returned %s, not a function or a table "
			 "with a report function", r->path, luaL_typename(L, -1));
	}
	script_set(r, HP_ESCRIPT, "error", text);
	return false;
}

/* What the reporter returned: false, or nil with a message, is a failure. */
static void script_result(lua_State *L, script_run *r)
{
	const char *msg = lua_tostring(L, -1);

	if (!(lua_isboolean(L, -2) && !lua_toboolean(L, -2)) &&
	    !(lua_isnil(L, -2) && !lua_isnil(L, -1)))
		return;
	script_set(r, HP_ESCRIPT, "failed", msg ? msg : "the reporter returned false");
}

/* Everything that touches Lua, in protected mode (a memory error anywhere
 * lands in hpi_lua_report): libraries, script, report table, call. */
static int script_main(lua_State *L)
{
	script_run *r = lua_touserdata(L, 1);
	char why[200];
	int st;

	r->phase = "while starting Lua";
	script_open(L, r);
	r->phase = "while loading the script";
	if ((st = luaL_loadfilex(L, r->path, "t")) != LUA_OK) {
		if (st == LUA_ERRMEM)
			return lua_error(L);
		script_set(r, st == LUA_ERRSYNTAX ? HP_ESYNTAX : HP_EIO,
			   st == LUA_ERRSYNTAX ? "syntax error" : "error", lua_tostring(L, -1));
		return 0;
	}
	r->phase = NULL;
	if (!script_call(L, r, 0, 1) || !script_reporter(L, r))
		return 0;
	r->phase = "while building the report table";
	hpi_lua_push_report(L, r->snap, r->ro);
	r->phase = "while reading the options";
	if (r->options != NULL && r->options[strspn(r->options, " \t\r\n")] != '{') {
		script_set(r, HP_EINVAL, "bad options", "expected a JSON object");
		return 0;
	}
	if (!hpi_lua_push_json(L, r->options ? r->options : "{}", why, sizeof(why))) {
		script_set(r, HP_EINVAL, "bad options", why);
		return 0;
	}
	r->phase = NULL;
	if (script_call(L, r, 2, 2))
		script_result(L, r);
	return 0;
}

/* A regular file at dir/name (dir NULL: name as given), or at the same
 * with ".lua" added; new string or NULL. */
static char *script_try(const char *dir, size_t dlen, const char *name)
{
	size_t n = strlen(name);
	bool lua = n >= 4 && strcmp(name + n - 4, ".lua") == 0;
	struct stat st;
	char *p;

	for (int i = 0; i < (lua ? 1 : 2); i++) {
		if (dir != NULL)
			p = hpi_asprintf("%.*s/%s%s", (int)dlen, dir, name, i ? ".lua" : "");
		else
			p = hpi_asprintf("%s%s", name, i ? ".lua" : "");
		if (p != NULL && stat(p, &st) == 0 && S_ISREG(st.st_mode))
			return p;
		free(p);
	}
	return NULL;
}

/* The path as given (or in base), HP_SCRIPTDIR, then $HOTPATH_SCRIPT_PATH;
 * see hpi.h. */
char *hpi_lua_find_in(const char *base, const char *script)
{
	const char *sp = hpi_getenv("HOTPATH_SCRIPT_PATH"), *e;
	bool own = script != NULL && script[0] != '/' && base != NULL;
	char *p = NULL;

	if (script == NULL || *script == '\0')
		return NULL;
	if ((script[0] == '/' || !hpi_secure()) &&
	    (p = script_try(own ? base : NULL, own ? strlen(base) : 0, script)) != NULL)
		return p;
	if (script[0] == '/')
		return NULL;
	if ((p = script_try(HP_SCRIPTDIR, strlen(HP_SCRIPTDIR), script)) != NULL)
		return p;
	for (; sp != NULL && *sp != '\0'; sp = *e ? e + 1 : e) {
		e = sp + strcspn(sp, ":");
		if (e > sp && (p = script_try(sp, (size_t)(e - sp), script)) != NULL)
			return p;
	}
	return NULL;
}

/* See hpi.h. */
char *hpi_lua_find(const char *script)
{
	return hpi_lua_find_in(NULL, script);
}

/* Finds, runs and reports one script; see hpi.h. */
int hpi_lua_report(const hp_snapshot *s, const hpi_render_opts *o, const char *script,
		   const hpi_lua_opts *lo, char **cause)
{
	static const hpi_lua_opts dflt = {.instructions = -1};
	script_run r = {.snap = s, .ro = o};
	char *path, *why = NULL, text[600];
	lua_State *L;
	int st;

	lo = lo != NULL ? lo : &dflt;
	r.options = lo->options;
	r.out = lo->out != NULL ? lo->out : stderr;
	r.cap = (lo->memory_mb ? lo->memory_mb : HPI_LUA_MEMORY_MB) << 20;
	r.max_steps = lo->instructions < 0 ? HPI_LUA_INSTRUCTIONS : (unsigned long)lo->instructions;
	r.time_ms = lo->time_ms ? lo->time_ms : HPI_LUA_TIME_MS;
	r.deadline = hpi_mono_ns() + (uint64_t)r.time_ms * 1000000u;
	if ((r.path = path = hpi_lua_find_in(lo->base, script)) == NULL) {
		script_set(&r, HP_ENOENT, "not found", script && script[0] == '/' ? "no such file" :
			   "searched as given, in " HP_SCRIPTDIR " and in $HOTPATH_SCRIPT_PATH");
	} else if (hpi_trust_file(path, 0, &why) != 0) {
		snprintf(text, sizeof text, "%s: %s", path, why ? why : "not trusted");
		script_set(&r, HP_EINVAL, "not run", text);
		free(why);
	} else if ((L = lua_newstate(script_alloc, &r)) == NULL) {
		script_set(&r, HP_ENOMEM, "error", "out of memory: cannot start Lua");
	} else {
		lua_sethook(L, script_hook, LUA_MASKCALL | LUA_MASKCOUNT, SCRIPT_HOOK_STEP);
		lua_pushcfunction(L, script_main);
		lua_pushlightuserdata(L, &r);
		if ((st = lua_pcall(L, 1, 0, 0)) != LUA_OK)
			script_error(L, &r, st);
		lua_close(L);
	}
	fflush(r.out);
	free(path);
	if (cause != NULL)
		*cause = r.cause;
	else
		free(r.cause);
	return r.rv;
}

/* "<name>: <first line>", then each further line, as [hotpath] lines. */
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

/* Runs the guard's scripts; see hpi.h. */
int hpi_lua_run_scripts(const hp_snapshot *s, const hpi_render_opts *o, const hpi_config *c,
			char *const *extra, size_t nextra)
{
	hpi_lua_opts lo = {
		.memory_mb = (size_t)c->script_memory_mb,
		.instructions = c->script_instructions,
		.out = c->output && strcmp(c->output, "stdout") == 0 ? stdout : stderr,
	};
	size_t i, n = c->scripts.n + nextra;
	const char *name;
	char *cause;
	int failed = 0;

	for (i = 0; i < n; i++) {
		name = i < c->scripts.n ? c->scripts.v[i] : extra[i - c->scripts.n];
		lo.options = i < c->scripts.n && c->scripts.opts ? c->scripts.opts[i] : NULL;
		lo.base = i < c->scripts.n && c->scripts.origin != NULL &&
			  c->scripts.origin[i].file != NULL ? c->dir : NULL;
		cause = NULL;
		if (hpi_lua_report(s, o, name, &lo, &cause) != 0) {
			hpi_lua_warn(name, cause);
			failed++;
		}
		free(cause);
	}
	return failed;
}
