/*
 * symbols.c - names of auto-instrumented functions, from the process's own
 * modules: the symbol tables (static functions too) and DWARF through
 * elfutils' libdwfl, which reads /proc/self/maps, so PIE executables and
 * libraries loaded later with dlopen are found (the module list is read
 * again when an address falls outside every module known so far).  C++
 * names are demangled with the C++ runtime's __cxa_demangle, found at run
 * time: a C program links nothing of C++.
 *
 * Built without libdw (./configure --without-libdw), only dladdr() is
 * asked: exported functions get their name, static ones "<module>::0x<off>",
 * and no file or line is known.
 *
 * Called by site.c under its naming lock, on the collector thread (or the
 * reporting one): never on the hot path.
 */
#include "config.h"

#include <dlfcn.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#ifdef HAVE_LIBDW
#include <dwarf.h>
#include <elfutils/libdw.h>
#include <elfutils/libdwfl.h>
#endif

#include "hpi.h"

typedef char *(*sym_demangle_fn)(const char *name, char *buf, size_t *len, int *status);

static sym_demangle_fn sym_demangle;
static bool sym_demangle_tried;

/* The C++ runtime's demangler: already loaded (a C++ program), else
 * libstdc++ loaded now (a C program with a C++ library). */
static sym_demangle_fn sym_demangler(void)
{
	void *h;

	if (sym_demangle_tried)
		return sym_demangle;
	sym_demangle_tried = true;
	*(void **)&sym_demangle = dlsym(RTLD_DEFAULT, "__cxa_demangle");
	if (sym_demangle == NULL && (h = dlopen("libstdc++.so.6", RTLD_LAZY | RTLD_LOCAL)) != NULL)
		*(void **)&sym_demangle = dlsym(h, "__cxa_demangle"); /* kept loaded */
	return sym_demangle;
}

/* The function's name as a user writes it: C++ demangled, without GCC's
 * clone suffixes (".constprop.0", ".isra.0", ".part.0", ".cold"). */
static char *sym_pretty(const char *raw)
{
	sym_demangle_fn dm;
	char *s = NULL, *cut;
	int status = -1;

	if (strncmp(raw, "_Z", 2) == 0 && (dm = sym_demangler()) != NULL)
		s = dm(raw, NULL, NULL, &status);
	if (s != NULL && status == 0) {
		if ((cut = strstr(s, " [clone ")) != NULL)
			*cut = '\0';
		return s;
	}
	free(s);
	if ((s = strdup(raw)) != NULL && (cut = strchr(s, '.')) != NULL && cut != s)
		*cut = '\0';
	return s;
}

/* "<stem>::<func>": the stem of a source file ("parse.c" -> "parse") or of
 * a module ("libcalc.so.1" -> "libcalc"). */
static char *sym_label(const char *file, bool module, const char *func)
{
	const char *base = hpi_basename(file);
	const char *dot = module ? strchr(base, '.') : strrchr(base, '.');
	size_t n = dot && dot != base ? (size_t)(dot - base) : strlen(base);

	return hpi_asprintf("%.*s::%s", (int)n, base, func);
}

/* Fills out from its parts; 0 or HP_ENOMEM (out is then empty). */
static int sym_fill(hpi_symbol *out, const char *raw, uintptr_t off, const char *file,
		    int line, const char *module)
{
	memset(out, 0, sizeof(*out));
	out->func = raw ? sym_pretty(raw) : hpi_asprintf("0x%" PRIxPTR, off);
	out->file = strdup(file ? file : module ? module : "?");
	out->line = file ? line : 0;
	if (out->func != NULL)
		out->label = sym_label(file ? file : module ? module : "?", file == NULL,
				       out->func);
	if (out->func == NULL || out->file == NULL || out->label == NULL) {
		free(out->func);
		free(out->file);
		free(out->label);
		memset(out, 0, sizeof(*out));
		return HP_ENOMEM;
	}
	return 0;
}

#ifdef HAVE_LIBDW

static Dwfl *sym_dwfl;
static pid_t sym_pid;
static const Dwfl_Callbacks sym_callbacks = {
	.find_elf = dwfl_linux_proc_find_elf,
	.find_debuginfo = dwfl_standard_find_debuginfo,
};

/* (Re)reads the process's modules; modules already known are kept. */
static bool sym_report(void)
{
	int rv;

	if (sym_dwfl == NULL && (sym_dwfl = dwfl_begin(&sym_callbacks)) == NULL)
		return false;
	sym_pid = getpid();
	dwfl_report_begin(sym_dwfl);
	rv = dwfl_linux_proc_report(sym_dwfl, sym_pid);
	return dwfl_report_end(sym_dwfl, NULL, NULL) == 0 && rv == 0;
}

/* The module of addr, reading the module list again if needed. */
static Dwfl_Module *sym_module(uintptr_t addr)
{
	Dwfl_Module *m;

	if (sym_dwfl != NULL && sym_pid == getpid() &&
	    (m = dwfl_addrmodule(sym_dwfl, addr)) != NULL)
		return m;
	if (!sym_report())
		return NULL;
	return dwfl_addrmodule(sym_dwfl, addr);
}

/* The declaration's file and line of the function at addr (DWARF), else
 * the line table's entry for addr. */
static const char *sym_source(Dwfl_Module *m, uintptr_t addr, int *line)
{
	Dwarf_Addr bias, a;
	Dwarf_Die *cu = dwfl_module_addrdie(m, addr, &bias), *scopes = NULL;
	const char *file = NULL;
	Dwfl_Line *l;
	int n;

	*line = 0;
	if (cu != NULL && (n = dwarf_getscopes(cu, addr - bias, &scopes)) > 0) {
		for (int i = 0; i < n; i++) {
			if (dwarf_tag(&scopes[i]) != DW_TAG_subprogram)
				continue;
			if ((file = dwarf_decl_file(&scopes[i])) != NULL)
				dwarf_decl_line(&scopes[i], line);
			break;
		}
	}
	free(scopes);
	if (file == NULL && (l = dwfl_module_getsrc(m, addr)) != NULL)
		file = dwfl_lineinfo(l, &a, line, NULL, NULL, NULL);
	return file;
}

int hpi_symbol_resolve(uintptr_t addr, hpi_symbol *out)
{
	Dwfl_Module *m = sym_module(addr);
	const char *raw = NULL, *module = NULL, *file = NULL;
	Dwarf_Addr start = 0;
	GElf_Off off = 0;
	GElf_Sym sym;
	int line = 0;

	if (m != NULL) {
		dwfl_module_info(m, NULL, &start, NULL, NULL, NULL, &module, NULL);
		raw = dwfl_module_addrinfo(m, addr, &off, &sym, NULL, NULL, NULL);
		file = sym_source(m, addr, &line);
	}
	return sym_fill(out, raw, addr - (uintptr_t)start, file, line, module);
}

#else /* !HAVE_LIBDW: dladdr only */

int hpi_symbol_resolve(uintptr_t addr, hpi_symbol *out)
{
	Dl_info di;
	const char *raw = NULL, *module = NULL;
	uintptr_t base = 0;

	if (dladdr((void *)addr, &di) != 0) {
		module = di.dli_fname;
		base = (uintptr_t)di.dli_fbase;
		if (di.dli_sname != NULL && (uintptr_t)di.dli_saddr == addr)
			raw = di.dli_sname;
	}
	return sym_fill(out, raw, addr - base, NULL, 0, module);
}

#endif /* HAVE_LIBDW */
