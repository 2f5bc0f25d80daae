/* SPDX-License-Identifier: MIT */
/*
 * unwind_names.c - the names of the addresses unwind.c's stacks hold,
 * through elfutils' libdwfl over the process's modules, and for the
 * kernel's from kallsyms.
 *
 * Names: the symbol table's function (C++ demangled), the line table's
 * file:line, and the inlined calls DWARF records at the address
 * (dwarf_getscopes), each a frame of its own.  An address in no module or
 * in a function without a symbol is "module+0xoffset", never dropped.
 * Names are cached per address for the life of the unwinder.
 *
 * Built without libdw: every frame is "module+0xoffset" from
 * /proc/PID/maps.
 */
#define _GNU_SOURCE 1 /* as the build's config.h: POSIX and Linux calls */
#ifdef HAVE_CONFIG_H
#include "config.h" /* the build's HAVE_LIBDW; none outside the tree */
#endif

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#ifdef HAVE_LIBDW
#include <dwarf.h>
#include <elfutils/libdw.h>
#include <elfutils/libdwfl.h>
#include <gelf.h>
#endif

#include "unwind.h"

#define NAME_MAX_FRAMES 16 /* inlined calls kept per address */

/* Keeps s (malloc'ed) to be freed with the unwinder; returns it. */
static const char *unwind_keep(hpi_cpu_unwind *u, char *s)
{
	if (s == NULL)
		return NULL;
	if (u->nstrings == u->capstrings) {
		size_t cap = u->capstrings ? u->capstrings * 2 : 256;
		char **v = realloc(u->strings, cap * sizeof(*v));
		if (v == NULL) {
			free(s);
			return NULL;
		}
		u->strings = v;
		u->capstrings = cap;
	}
	u->strings[u->nstrings++] = s;
	return s;
}

/* The mapping of pc in /proc/PID/maps: "module+0xoffset" (file offset),
 * or "[unknown]+0xpc". */
static char *unwind_maps_name(pid_t pid, uint64_t pc)
{
	char path[64], line[4352], *name = NULL;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/maps", (int)pid);
	if ((f = fopen(path, "re")) != NULL) {
		while (name == NULL && fgets(line, sizeof(line), f) != NULL) {
			unsigned long long lo, hi, off;
			int pos = 0;
			if (sscanf(line, "%llx-%llx %*s %llx %*s %*s %n", &lo, &hi, &off, &pos) < 3 ||
			    pc < lo || pc >= hi)
				continue;
			line[strcspn(line, "\n")] = '\0';
			if (pos > 0 && line[pos] != '\0')
				name = hpi_cpu_asprintf("%s+0x%" PRIx64, hpi_cpu_basename(line + pos),
						    (uint64_t)(pc - lo + off));
			break;
		}
		fclose(f);
	}
	return name ? name : hpi_cpu_asprintf("[unknown]+0x%" PRIx64, pc);
}

#ifdef HAVE_LIBDW

/* The name of a DWARF scope (an inlined call's callee, a function). */
static const char *unwind_die_name(Dwarf_Die *die)
{
	Dwarf_Attribute at;
	const char *n = dwarf_formstring(dwarf_attr_integrate(die, DW_AT_linkage_name, &at));

	if (n == NULL)
		n = dwarf_formstring(dwarf_attr_integrate(die, DW_AT_name, &at));
	return n;
}

/* The call site of an inlined call: file and line. */
static const char *unwind_call_site(Dwarf_Die *cu, Dwarf_Die *inl, int *line)
{
	Dwarf_Attribute at;
	Dwarf_Word fidx = 0, l = 0;
	Dwarf_Files *files;
	size_t nfiles;

	*line = 0;
	if (dwarf_formudata(dwarf_attr(inl, DW_AT_call_line, &at), &l) == 0)
		*line = (int)l;
	if (dwarf_formudata(dwarf_attr(inl, DW_AT_call_file, &at), &fidx) != 0 ||
	    dwarf_getsrcfiles(cu, &files, &nfiles) != 0 || fidx >= nfiles)
		return NULL;
	return dwarf_filesrc(files, fidx, NULL, NULL);
}

/* A symbol as a user writes it, without its version ("@GLIBC_2.2.5"). */
static char *unwind_pretty(const hpi_cpu_unwind *u, const char *raw)
{
	char *s = u->host->symbol_name(raw), *at;

	if (s != NULL && (at = strchr(s, '@')) != NULL && at != s)
		*at = '\0';
	return s;
}

/* Whether mod's own file has DWARF (.debug_info or .debug_frame), rather
 * than only a separate debug file (/usr/lib/debug): remembered in the
 * module's userdata (1 yes, 2 no). */
bool hpi_cpu_unwind_own_dwarf(struct Dwfl_Module *mod)
{
	void **ud = NULL;
	Dwarf_Addr bias;
	Elf *elf;
	Elf_Scn *scn = NULL;
	size_t shstr;
	bool yes = false;

	(void)dwfl_module_info(mod, &ud, NULL, NULL, NULL, NULL, NULL, NULL);
	if (ud != NULL && *ud != NULL)
		return *ud == (void *)1;
	if ((elf = dwfl_module_getelf(mod, &bias)) != NULL && elf_getshdrstrndx(elf, &shstr) == 0)
		while (!yes && (scn = elf_nextscn(elf, scn)) != NULL) {
			GElf_Shdr sh;
			const char *name;
			if (gelf_getshdr(scn, &sh) == NULL || sh.sh_type == SHT_NOBITS)
				continue;
			name = elf_strptr(elf, shstr, sh.sh_name);
			yes = name != NULL && (strcmp(name, ".debug_info") == 0 ||
					       strcmp(name, ".zdebug_info") == 0 ||
					       strcmp(name, ".debug_frame") == 0 ||
					       strcmp(name, ".zdebug_frame") == 0);
		}
	if (ud != NULL)
		*ud = yes ? (void *)1 : (void *)2;
	return yes;
}

/* Fills f (at most NAME_MAX_FRAMES, outermost first) for pc in mod. */
static size_t unwind_name_dwarf(hpi_cpu_unwind *u, Dwfl_Module *mod, uint64_t pc,
				hpi_cpu_frame *f)
{
	const char *modname = dwfl_module_info(mod, NULL, NULL, NULL, NULL, NULL, NULL, NULL);
	const char *raw, *file = NULL, *mbase = modname ? hpi_cpu_basename(modname) : NULL;
	Dwarf_Addr start = 0, bias = 0, a;
	bool lines = u->debug_files || hpi_cpu_unwind_own_dwarf(mod);
	Dwarf_Die *cu = lines ? dwfl_module_addrdie(mod, pc, &bias) : NULL, *scopes = NULL;
	Dwfl_Line *l;
	GElf_Off off = 0;
	GElf_Sym sym;
	int line = 0, ns = 0, ninl = 0, idx[NAME_MAX_FRAMES];
	size_t n = 0;

	(void)dwfl_module_info(mod, NULL, &start, NULL, NULL, NULL, NULL, NULL);
	/* libdwfl names the vDSO "[vdso: PID]" */
	mbase = unwind_keep(u, strdup(mbase == NULL ? "?"
				      : strncmp(mbase, "[vdso", 5) == 0 ? "[vdso]" : mbase));
	if (lines && (l = dwfl_module_getsrc(mod, pc)) != NULL)
		file = dwfl_lineinfo(l, &a, &line, NULL, NULL, NULL);
	if (cu != NULL && (ns = dwarf_getscopes(cu, pc - bias, &scopes)) > 0)
		for (int i = 0; i < ns && ninl < NAME_MAX_FRAMES - 1; i++)
			if (dwarf_tag(&scopes[i]) == DW_TAG_inlined_subroutine)
				idx[ninl++] = i;
	/* the function holding pc: the symbol table's name, else DWARF's */
	raw = dwfl_module_addrinfo(mod, pc, &off, &sym, NULL, NULL, NULL);
	if (raw == NULL && ns > 0)
		for (int i = ns - 1; i >= 0 && raw == NULL; i--)
			if (dwarf_tag(&scopes[i]) == DW_TAG_subprogram)
				raw = unwind_die_name(&scopes[i]);
	f[n].func = raw ? unwind_keep(u, unwind_pretty(u, raw))
			: unwind_keep(u, hpi_cpu_asprintf("%s+0x%" PRIx64, mbase, pc - start));
	f[n].module = mbase;
	/* outermost first: the function, then each inlined call; a frame's
	 * line is the call site of the next one in, the innermost's is pc's */
	for (int k = ninl - 1; k >= 0; k--) {
		const char *cf = unwind_call_site(cu, &scopes[idx[k]], &f[n].line);
		f[n].file = cf ? unwind_keep(u, strdup(cf)) : NULL;
		n++;
		raw = unwind_die_name(&scopes[idx[k]]);
		f[n].func = unwind_keep(u, unwind_pretty(u, raw ? raw : "?"));
		f[n].module = mbase;
	}
	f[n].file = file ? unwind_keep(u, strdup(file)) : NULL;
	f[n].line = file ? line : 0;
	free(scopes);
	for (size_t i = 0; i <= n; i++)
		if (f[i].func == NULL)
			f[i].func = "?";
	return n + 1;
}

#endif /* HAVE_LIBDW */

/* ---- kernel functions: /proc/kallsyms ------------------------------------ */

static name_entry *unwind_slot(hpi_cpu_unwind *u, uint64_t pc);
static bool unwind_grow(hpi_cpu_unwind *u);

bool hpi_cpu_kallsyms_readable(const char **why)
{
	/* 0 not checked, 1 readable, 2 not: the same for the whole process */
	static int state;
	static char text[200];
	char buf[256], kr[16] = "?";
	int fd, st = __atomic_load_n(&state, __ATOMIC_ACQUIRE);
	ssize_t k;

	if (st == 0) {
		st = 2;
		if ((fd = open("/proc/kallsyms", O_RDONLY | O_CLOEXEC)) < 0) {
			snprintf(text, sizeof(text), "/proc/kallsyms cannot be read (%s)",
				 strerror(errno));
		} else {
			if ((k = read(fd, buf, sizeof(buf) - 1)) > 0) {
				buf[k] = '\0';
				st = strtoull(buf, NULL, 16) != 0 ? 1 : 2;
			}
			close(fd);
			if ((fd = open("/proc/sys/kernel/kptr_restrict", O_RDONLY | O_CLOEXEC)) >= 0) {
				if ((k = read(fd, kr, sizeof(kr) - 1)) > 0)
					kr[k] = '\0';
				kr[strcspn(kr, "\n")] = '\0';
				close(fd);
			}
			snprintf(text, sizeof(text),
				 "/proc/kallsyms shows this user no addresses (kernel.kptr_restrict "
				 "is %s: 0 with kernel.perf_event_paranoid 1 or less, or "
				 "CAP_SYSLOG, shows them)", kr);
		}
		__atomic_store_n(&state, st, __ATOMIC_RELEASE);
	}
	if (why != NULL)
		*why = st == 1 ? NULL : text;
	return st == 1;
}

/* One symbol of kallsyms. */
typedef struct ksym {
	uint64_t addr;
	char name[128];
	char module[64];
} ksym;

/* The best symbol so far of each wanted address (sorted, distinct). */
typedef struct kwant {
	uint64_t pc;
	uint64_t addr;      /* the best symbol's start (0: none yet) */
	char *name, *module;
} kwant;

static int unwind_u64_cmp(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

/* The first wanted address at or above a. */
static size_t unwind_kfirst(const kwant *w, size_t n, uint64_t a)
{
	size_t lo = 0, hi = n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (w[mid].pc < a)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/* sym is the best for the wanted addresses in [sym->addr, below) whose
 * best starts lower (below: the next symbol's start, or UINT64_MAX). */
static void unwind_kbest(kwant *w, size_t n, const ksym *sym, uint64_t below)
{
	for (size_t j = unwind_kfirst(w, n, sym->addr); j < n && w[j].pc < below; j++) {
		if (w[j].addr > sym->addr || (w[j].addr == sym->addr && w[j].name != NULL))
			break; /* a nearer one already (the bests rise with the addresses) */
		free(w[j].name);
		free(w[j].module);
		w[j].addr = sym->addr;
		w[j].name = strdup(sym->name);
		w[j].module = strdup(sym->module);
	}
}

/* Parses one line of kallsyms ("ffffffff81000000 T _stext\t[mod]"); false
 * for a symbol not in text. */
static bool unwind_kline(const char *l, ksym *sym)
{
	char *end;
	const char *nm, *tab;
	size_t len;

	sym->addr = strtoull(l, &end, 16);
	if (end == l || end[0] != ' ' || end[1] == '\0' || end[2] != ' ')
		return false;
	if (end[1] != 't' && end[1] != 'T' && end[1] != 'w' && end[1] != 'W')
		return false;
	nm = end + 3;
	tab = strchr(nm, '\t');
	len = tab ? (size_t)(tab - nm) : strlen(nm);
	snprintf(sym->name, sizeof(sym->name), "%.*s", (int)len, nm);
	if (tab != NULL && tab[1] == '[') {
		len = strcspn(tab + 1, "]");
		snprintf(sym->module, sizeof(sym->module), "%.*s]", (int)len, tab + 1);
	} else {
		snprintf(sym->module, sizeof(sym->module), "[kernel]");
	}
	return true;
}

/* Reads kallsyms once for the wanted addresses w (sorted, distinct). */
static void unwind_kscan(kwant *w, size_t n)
{
	char buf[65536];
	size_t have = 0;
	ssize_t k;
	ksym prev = {0}, cur;
	bool any = false, sorted = true, tried = false;
	int fd = open("/proc/kallsyms", O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return;
	while ((k = read(fd, buf + have, sizeof(buf) - 1 - have)) > 0) {
		char *l = buf, *nl;
		have += (size_t)k;
		buf[have] = '\0';
		while ((nl = strchr(l, '\n')) != NULL) {
			*nl = '\0';
			if (unwind_kline(l, &cur)) {
				/* in the kernel's own part, kallsyms is sorted: prev
				 * ends where cur starts */
				if (any)
					unwind_kbest(w, n, &prev, cur.addr >= prev.addr ? cur.addr
											: UINT64_MAX);
				if (any && cur.addr < prev.addr)
					sorted = false;
				/* sorted so far, past the last wanted address, each
				 * one named: what follows (modules, above the kernel
				 * on x86-64) cannot be nearer; this saves reading
				 * the rest, which the kernel formats line by line */
				if (sorted && !tried && cur.addr > w[n - 1].pc) {
					bool all = true;
					tried = true;
					for (size_t j = 0; j < n && all; j++)
						all = w[j].name != NULL;
					if (all) {
						close(fd);
						return;
					}
				}
				prev = cur;
				any = true;
			}
			l = nl + 1;
		}
		have = (size_t)(buf + have - l);
		memmove(buf, l, have);
		if (have == sizeof(buf) - 1)
			have = 0; /* a line longer than the buffer: dropped */
	}
	if (any)
		unwind_kbest(w, n, &prev, UINT64_MAX);
	close(fd);
}

void hpi_cpu_unwind_kernel_names(hpi_cpu_unwind *u, const uint64_t *pcs, size_t n)
{
	uint64_t *v = NULL, now;
	kwant *w = NULL;
	size_t nv = 0, nw = 0, left = 0;

	if (u == NULL || n == 0 || !hpi_cpu_kallsyms_readable(NULL))
		return;
	/* the kernel addresses not named yet */
	for (size_t i = 0; i < n; i++) {
		name_entry *e;
		if (!HPI_CPU_IS_KERNEL(pcs[i]) || pcs[i] == HPI_CPU_KERNEL_PC)
			continue;
		if (u->capnames > 0 && (e = unwind_slot(u, pcs[i]))->pc == pcs[i])
			continue;
		if (v == NULL && (v = malloc(n * sizeof(*v))) == NULL)
			return;
		v[nv++] = pcs[i];
	}
	if (nv == 0)
		return;
	qsort(v, nv, sizeof(*v), unwind_u64_cmp);
	if ((w = calloc(nv, sizeof(*w))) == NULL) {
		free(v);
		return;
	}
	for (size_t i = 0; i < nv; i++)
		if (nw == 0 || w[nw - 1].pc != v[i])
			w[nw++].pc = v[i];
	free(v);
	/* from the cache of this boot's kallsyms (a read of the file the
	 * first time in the boot), and what it does not cover (BPF, modules
	 * loaded since) from kallsyms itself, at most every
	 * HPI_CPU_KALLSYMS_EVERY_NS */
	if (!u->ksyms_tried) {
		u->ksyms_tried = true;
		u->ksyms = hpi_cpu_ksyms_open();
	}
	for (size_t i = 0; i < nw; i++) {
		const char *name, *module;
		if (hpi_cpu_ksyms_find(u->ksyms, w[i].pc, &name, &module)) {
			w[i].name = strdup(name);
			w[i].module = strdup(module);
		} else
			left++;
	}
	now = hpi_cpu_mono_ns();
	if (left > 0 && (u->kscanned == 0 || now - u->kscanned >= HPI_CPU_KALLSYMS_EVERY_NS)) {
		/* the scan wants its addresses sorted with nothing named yet */
		kwant *rest = calloc(left, sizeof(*rest));
		u->kscanned = now;
		if (rest != NULL) {
			for (size_t i = 0, j = 0; i < nw && j < left; i++)
				if (w[i].name == NULL)
					rest[j++].pc = w[i].pc;
			unwind_kscan(rest, left);
			for (size_t i = 0, j = 0; i < nw && j < left; i++)
				if (w[i].name == NULL && w[i].pc == rest[j].pc) {
					w[i].name = rest[j].name;
					w[i].module = rest[j].module;
					j++;
				}
			free(rest);
		}
		left = 0;
	}
	for (size_t i = 0; i < nw; i++) {
		hpi_cpu_frame *f;
		name_entry *e;
		if (left > 0 && w[i].name == NULL)
			continue; /* not read yet: [kernel] until the next read */
		if ((u->nnames + 1) * 2 > u->capnames && !unwind_grow(u))
			break;
		e = unwind_slot(u, w[i].pc);
		if (e->pc == w[i].pc || (f = calloc(1, sizeof(*f))) == NULL)
			continue;
		/* an address below every symbol: "[kernel]+0x..." */
		f->func = w[i].name ? unwind_keep(u, w[i].name)
				    : unwind_keep(u, hpi_cpu_asprintf("[kernel]+0x%" PRIx64, w[i].pc));
		f->module = w[i].module ? unwind_keep(u, w[i].module)
					: unwind_keep(u, strdup("[kernel]"));
		w[i].name = w[i].module = NULL;
		if (f->func == NULL)
			f->func = "?";
		e->pc = w[i].pc;
		e->frames = f;
		e->n = 1;
		u->nnames++;
	}
	for (size_t i = 0; i < nw; i++) {
		free(w[i].name);
		free(w[i].module);
	}
	free(w);
}

/* Slot of pc in the name table (its entry, or the empty slot for it). */
static name_entry *unwind_slot(hpi_cpu_unwind *u, uint64_t pc)
{
	size_t mask = u->capnames - 1, i = (size_t)((pc * 0x9E3779B97F4A7C15ull) >> 20) & mask;

	while (u->names[i].pc != 0 && u->names[i].pc != pc)
		i = (i + 1) & mask;
	return &u->names[i];
}

/* Doubles the name table. */
static bool unwind_grow(hpi_cpu_unwind *u)
{
	size_t cap = u->capnames ? u->capnames * 2 : 1024;
	name_entry *old = u->names, *v = calloc(cap, sizeof(*v));
	size_t oldcap = u->capnames;

	if (v == NULL)
		return false;
	u->names = v;
	u->capnames = cap;
	for (size_t i = 0; i < oldcap; i++)
		if (old[i].pc != 0)
			*unwind_slot(u, old[i].pc) = old[i];
	free(old);
	return true;
}

const hpi_cpu_frame *hpi_cpu_unwind_name(hpi_cpu_unwind *u, uint64_t pc, size_t *n)
{
	static const hpi_cpu_frame none = {.func = "?"};
	static const hpi_cpu_frame kernel = {.func = "[kernel]", .module = "[kernel]"};
	hpi_cpu_frame f[NAME_MAX_FRAMES];
	name_entry *e;
	size_t k = 0;

	*n = 1;
	if (pc == HPI_CPU_KERNEL_PC)
		return &kernel; /* kernel functions not named (kallsyms unreadable) */
	if (pc == 0)
		pc = 1; /* 0 marks an empty slot */
	if ((u->nnames + 1) * 2 > u->capnames && !unwind_grow(u))
		return &none;
	e = unwind_slot(u, pc);
	if (e->pc == pc) {
		*n = e->n;
		return e->frames;
	}
	if (HPI_CPU_IS_KERNEL(pc))
		return &kernel; /* not named yet: hpi_cpu_unwind_kernel_names */
	memset(f, 0, sizeof(f));
#ifdef HAVE_LIBDW
	{
		Dwfl_Module *mod = u->dwfl ? dwfl_addrmodule(u->dwfl, pc) : NULL;
		/* an address in no module: a library dlopen'ed since the maps
		 * were read (re-read a bounded number of times: JIT code
		 * would otherwise re-read them for every address) */
		if (mod == NULL && u->dwfl != NULL && u->refreshes < 16) {
			u->refreshes++;
			hpi_cpu_unwind_report(u);
			mod = dwfl_addrmodule(u->dwfl, pc);
		}
		Dwarf_Addr lo = 0, hi = 0;
		if (mod != NULL)
			(void)dwfl_module_info(mod, NULL, &lo, &hi, NULL, NULL, NULL, NULL);
		if (mod != NULL && pc >= lo && pc < hi) /* never a module's "negative" offset */
			k = unwind_name_dwarf(u, mod, pc, f);
	}
#endif
	if (k == 0) {
		f[0].func = unwind_keep(u, unwind_maps_name(u->pid, pc));
		if (f[0].func == NULL)
			f[0].func = "?";
		k = 1;
	}
	if ((e->frames = malloc(k * sizeof(*f))) == NULL)
		return &none;
	memcpy(e->frames, f, k * sizeof(*f));
	e->pc = pc;
	e->n = k;
	u->nnames++;
	*n = k;
	return e->frames;
}
