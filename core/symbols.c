/* SPDX-License-Identifier: MIT */
/*
 * symbols.c - names of auto-instrumented functions, from the process's own
 * modules: the symbol tables (static functions too) and DWARF through
 * elfutils' libdwfl.  The object holding an address comes from the
 * dynamic linker's own list (dl_iterate_phdr), so PIE executables and
 * libraries loaded later with dlopen are found; each object is read once,
 * into a Dwfl of its own, at its load address.  C++
 * names are demangled with the C++ runtime's __cxa_demangle, found at run
 * time: a C program links nothing of C++.
 *
 * Built without libdw (./configure --without-libdw), only dladdr() is
 * asked: functions in a dynamic symbol table get their name, others
 * "<module>::0x<off>", and no file or line is known.
 *
 * Called by site.c under its naming lock, on the collector thread (or the
 * reporting one): never on the hot path.
 */
#include "config.h"

#include <dlfcn.h>
#include <inttypes.h>
#include <link.h>
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
char *hpi_symbol_pretty(const char *raw)
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
	out->func = raw ? hpi_symbol_pretty(raw) : hpi_asprintf("0x%" PRIxPTR, off);
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

/* One loaded object, reported alone to a Dwfl of its own (objects never
 * overlap there, whatever holes a loader leaves between segments). */
typedef struct sym_mod {
	char *path;
	uintptr_t base;     /* load bias */
	Dwfl *dwfl;
	Dwfl_Module *mod;   /* NULL when its file could not be read */
} sym_mod;

static sym_mod *sym_mods;
static size_t sym_nmods, sym_capmods;
static const Dwfl_Callbacks sym_callbacks = {
	.find_elf = dwfl_linux_proc_find_elf,
	.find_debuginfo = dwfl_standard_find_debuginfo,
};

typedef struct sym_where {
	uintptr_t addr, base;
	const char *name;
	bool found;
} sym_where;

/* dl_iterate_phdr: the object with a loaded segment holding w->addr. */
static int sym_phdr(struct dl_phdr_info *info, size_t size, void *data)
{
	sym_where *w = data;

	(void)size;
	for (int i = 0; i < info->dlpi_phnum; i++) {
		const ElfW(Phdr) *ph = &info->dlpi_phdr[i];
		uintptr_t lo = (uintptr_t)info->dlpi_addr + ph->p_vaddr;
		if (ph->p_type == PT_LOAD && w->addr >= lo && w->addr - lo < ph->p_memsz) {
			w->base = (uintptr_t)info->dlpi_addr;
			w->name = info->dlpi_name;
			w->found = true;
			return 1;
		}
	}
	return 0;
}

/* The module of addr among the objects loaded now (the dynamic linker's
 * own list: dlopen'ed ones included), read on first sight; *path is its
 * file.  NULL when no object holds addr. */
static Dwfl_Module *sym_module(uintptr_t addr, const char **path, uintptr_t *base)
{
	sym_where w = {.addr = addr};
	char exe[4096];
	ssize_t n;
	sym_mod *m;

	*path = NULL;
	if (dl_iterate_phdr(sym_phdr, &w) == 0 || !w.found)
		return NULL;
	*base = w.base;
	if (w.name == NULL || w.name[0] == '\0') { /* the program itself */
		if ((n = readlink("/proc/self/exe", exe, sizeof(exe) - 1)) <= 0)
			return NULL;
		exe[n] = '\0';
		w.name = exe;
	}
	for (size_t i = 0; i < sym_nmods; i++) {
		if (sym_mods[i].base == w.base && strcmp(sym_mods[i].path, w.name) == 0) {
			*path = sym_mods[i].path;
			return sym_mods[i].mod;
		}
	}
	if (sym_nmods == sym_capmods) {
		size_t cap = sym_capmods ? sym_capmods * 2 : 16;
		sym_mod *v = realloc(sym_mods, cap * sizeof(*v));
		if (v == NULL)
			return NULL;
		sym_mods = v;
		sym_capmods = cap;
	}
	m = &sym_mods[sym_nmods];
	memset(m, 0, sizeof(*m));
	if ((m->path = strdup(w.name)) == NULL)
		return NULL;
	m->base = w.base;
	if ((m->dwfl = dwfl_begin(&sym_callbacks)) != NULL) {
		dwfl_report_begin(m->dwfl);
		m->mod = dwfl_report_elf(m->dwfl, hpi_basename(m->path), m->path, -1, m->base,
					 false);
		dwfl_report_end(m->dwfl, NULL, NULL);
	}
	sym_nmods++;
	*path = m->path;
	return m->mod;
}

/* The declaration's file and line of the function at addr (DWARF), else
 * the line table's entry for addr. */
static const char *sym_source(Dwfl_Module *m, uintptr_t addr, int *line, const char **dir)
{
	Dwarf_Addr bias, a;
	Dwarf_Die *cu = dwfl_module_addrdie(m, addr, &bias), *scopes = NULL;
	Dwarf_Attribute at;
	const char *file = NULL;
	Dwfl_Line *l;
	int n;

	*line = 0;
	*dir = cu != NULL ? dwarf_formstring(dwarf_attr(cu, DW_AT_comp_dir, &at)) : NULL;
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
	const char *raw = NULL, *module = NULL, *file = NULL;
	uintptr_t base = 0;
	Dwfl_Module *m = sym_module(addr, &module, &base);
	GElf_Off off = 0;
	GElf_Sym sym;
	int line = 0;

	const char *dir = NULL;
	char *abs = NULL;
	int rv;

	if (m != NULL) {
		raw = dwfl_module_addrinfo(m, addr, &off, &sym, NULL, NULL, NULL);
		file = sym_source(m, addr, &line, &dir);
	}
	/* a path relative to the compiler's folder: made absolute */
	if (file != NULL && file[0] != '/' && dir != NULL && dir[0] == '/' &&
	    (abs = hpi_asprintf("%s/%s", dir, file)) != NULL)
		file = abs;
	rv = sym_fill(out, raw, addr - base, file, line, module);
	free(abs);
	return rv;
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
