/* SPDX-License-Identifier: MIT */
/*
 * kallsyms.c - the kernel's function names, read from /proc/kallsyms once
 * per boot rather than once per profiled program.
 *
 * The kernel formats /proc/kallsyms line by line as it is read (120,000
 * lines, 5 MB here): about 60 ms of CPU, which a program that spends two
 * seconds would pay at its report (+3 %).  Its text symbols do not change
 * while the machine runs, but for modules loaded or unloaded (and BPF
 * programs, ftrace trampolines, which live above the kernel with the
 * modules).  So the first reader of a boot writes them, sorted, to a cache
 * file, and every later one maps that file and searches it:
 *
 *   $XDG_CACHE_HOME/hotpath/kallsyms-BOOTID   (else ~/.cache/hotpath/...)
 *
 * keyed by the boot id (/proc/sys/kernel/random/boot_id) and checked
 * against a hash of /proc/modules (names, sizes and addresses).  The
 * folder is made 0700 and must be the user's own, the file 0600, written
 * to a temporary name and renamed; a file that is not the user's, is
 * readable by others, or does not add up is ignored.  The cache answers
 * only for addresses it covers: the kernel's own text, and each module's
 * from its first symbol to its last; any other address (BPF, a trampoline,
 * a module loaded since) is left to the caller's read of kallsyms, as
 * without a cache.  Where no cache can be written (no home, a read-only
 * file system), the caller reads kallsyms as before.
 *
 * Only used where /proc/kallsyms shows this user the kernel's addresses
 * (the caller checks): the file holds nothing its owner cannot read.
 */
#define _GNU_SOURCE 1 /* as the build's config.h: POSIX and Linux calls */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cpu.h"

#define KS_MAGIC "hpksym1" /* and a NUL: 8 bytes */
#define KS_MAX_MODULES 4096

/* The file: a header, the ranges it covers, the symbols sorted by
 * address, then their names (NUL-terminated, the last byte a NUL). */
typedef struct ks_header {
	char magic[8];
	char boot[40];       /* the boot id, NUL-padded */
	uint64_t modhash;    /* FNV-1a of /proc/modules' names, sizes, addresses */
	uint64_t nranges, nsyms, strlen;
} ks_header;

typedef struct ks_range {
	uint64_t lo, hi;     /* addresses in [lo, hi] are named from the file */
} ks_range;

typedef struct ks_sym {
	uint64_t addr;
	uint32_t name, module; /* offsets in the names */
} ks_sym;

struct hpi_cpu_ksyms {
	void *map;
	size_t len;
	const ks_header *h;
	const ks_range *ranges;
	const ks_sym *syms;
	const char *names;
};

/* The boot id into b (40 bytes), false if unknown. */
static bool ks_boot_id(char *b)
{
	int fd = open("/proc/sys/kernel/random/boot_id", O_RDONLY | O_CLOEXEC);
	ssize_t n;

	memset(b, 0, 40);
	if (fd < 0)
		return false;
	n = read(fd, b, 39);
	close(fd);
	if (n <= 0)
		return false;
	b[strcspn(b, "\n")] = '\0';
	memset(b + strlen(b), 0, 40 - strlen(b));
	return b[0] != '\0';
}

/* FNV-1a of /proc/modules' first two fields and its address field (not
 * the use counts, which change): what the modules' symbols depend on. */
static uint64_t ks_modhash(void)
{
	uint64_t h = 0xcbf29ce484222325ull;
	char line[512];
	FILE *f = fopen("/proc/modules", "re");

	if (f == NULL)
		return h; /* a kernel without modules */
	while (fgets(line, sizeof(line), f) != NULL) {
		char name[128] = "", size[32] = "", addr[32] = "";
		/* name size refcount deps state address */
		if (sscanf(line, "%127s %31s %*s %*s %*s %31s", name, size, addr) < 2)
			continue;
		for (const char *s[] = {name, " ", size, " ", addr, "\n"}, **p = s;
		     p < s + 6; p++)
			for (const char *c = *p; *c; c++)
				h = (h ^ (uint8_t)*c) * 0x100000001b3ull;
	}
	fclose(f);
	return h;
}

/* The folder of the cache (made if missing, 0700, the user's own), or
 * false. */
static bool ks_dir(char *dir, size_t len)
{
	const char *xdg = getenv("XDG_CACHE_HOME"), *home = getenv("HOME");
	char base[4096];
	struct stat st;

	if (xdg != NULL && xdg[0] == '/')
		snprintf(base, sizeof(base), "%s", xdg);
	else if (home != NULL && home[0] == '/') {
		/* ~/.cache: only in a home that is the user's own (not
		 * another user's HOME kept by sudo) */
		if (stat(home, &st) != 0 || st.st_uid != geteuid())
			return false;
		snprintf(base, sizeof(base), "%s/.cache", home);
		if (mkdir(base, 0700) != 0 && errno != EEXIST)
			return false;
	} else
		return false;
	if (stat(base, &st) != 0 || !S_ISDIR(st.st_mode) || st.st_uid != geteuid())
		return false;
	if ((size_t)snprintf(dir, len, "%s/hotpath", base) >= len)
		return false;
	if (mkdir(dir, 0700) != 0 && errno != EEXIST)
		return false;
	return lstat(dir, &st) == 0 && S_ISDIR(st.st_mode) && st.st_uid == geteuid() &&
	       (st.st_mode & 022) == 0;
}

/* Maps path and checks it; NULL if it is not a cache of this boot. */
static hpi_cpu_ksyms *ks_map(const char *path, const char *boot, uint64_t modhash)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	hpi_cpu_ksyms *k;
	const ks_header *h;
	struct stat st;
	void *m;
	size_t need;

	if (fd < 0)
		return NULL;
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) || st.st_uid != geteuid() ||
	    (st.st_mode & 077) != 0 || (size_t)st.st_size < sizeof(ks_header)) {
		close(fd);
		return NULL;
	}
	m = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
	close(fd);
	if (m == MAP_FAILED)
		return NULL;
	h = m;
	need = sizeof(*h);
	if (memcmp(h->magic, KS_MAGIC, 8) != 0 || memcmp(h->boot, boot, 40) != 0 ||
	    h->modhash != modhash || h->nranges > KS_MAX_MODULES + 1 ||
	    h->nsyms > (1u << 26) || h->strlen == 0 || h->strlen > (1u << 30) ||
	    (need += h->nranges * sizeof(ks_range) + h->nsyms * sizeof(ks_sym) + h->strlen) !=
		(size_t)st.st_size ||
	    ((const char *)m)[st.st_size - 1] != '\0' || (k = calloc(1, sizeof(*k))) == NULL) {
		munmap(m, (size_t)st.st_size);
		return NULL;
	}
	k->map = m;
	k->len = (size_t)st.st_size;
	k->h = h;
	k->ranges = (const ks_range *)(h + 1);
	k->syms = (const ks_sym *)(k->ranges + h->nranges);
	k->names = (const char *)(k->syms + h->nsyms);
	return k;
}

/* ---- building the cache from /proc/kallsyms -------------------------------- */

typedef struct ks_build {
	ks_sym *syms;
	size_t nsyms, capsyms;
	char *names;
	size_t nnames, capnames;
	uint32_t kernel, lastmod; /* offsets of "[kernel]" and the last module's name */
	ks_range ranges[KS_MAX_MODULES + 1];
	size_t nranges;
} ks_build;

/* Appends s (len bytes) to the names; its offset, or UINT32_MAX. */
static uint32_t ks_name(ks_build *b, const char *s, size_t len)
{
	uint32_t off;

	if (b->nnames + len + 1 > b->capnames) {
		size_t cap = b->capnames ? b->capnames * 2 : 1u << 20;
		char *v;
		while (cap < b->nnames + len + 1)
			cap *= 2;
		if (cap > UINT32_MAX || (v = realloc(b->names, cap)) == NULL)
			return UINT32_MAX;
		b->names = v;
		b->capnames = cap;
	}
	off = (uint32_t)b->nnames;
	memcpy(b->names + b->nnames, s, len);
	b->names[b->nnames + len] = '\0';
	b->nnames += len + 1;
	return off;
}

/* One line of kallsyms ("ffffffff81000000 T _stext\t[mod]"); text only. */
static bool ks_line(ks_build *b, const char *l)
{
	char *end;
	const char *nm, *tab;
	uint64_t a = strtoull(l, &end, 16);
	uint32_t name, mod;
	size_t len;

	if (end == l || end[0] != ' ' || end[1] == '\0' || end[2] != ' ' ||
	    strchr("tTwW", end[1]) == NULL)
		return true;
	nm = end + 3;
	tab = strchr(nm, '\t');
	len = tab ? (size_t)(tab - nm) : strlen(nm);
	/* BPF programs and trampolines come and go without a module: left
	 * to the caller's read of kallsyms */
	if (tab != NULL && (strncmp(tab, "\t[bpf]", 6) == 0 || strncmp(tab, "\t[__builtin__", 13) == 0))
		return true;
	if ((name = ks_name(b, nm, len)) == UINT32_MAX)
		return false;
	if (tab == NULL || tab[1] != '[') {
		mod = b->kernel;
	} else {
		size_t ml = strcspn(tab + 1, "]");
		const char *last = b->names + b->lastmod;
		/* a module's lines come together: its name once */
		if (b->lastmod != b->kernel && strncmp(last, tab + 1, ml) == 0 && last[ml] == ']' &&
		    last[ml + 1] == '\0')
			mod = b->lastmod;
		else {
			char buf[80];
			snprintf(buf, sizeof(buf), "%.*s]", (int)(ml < 70 ? ml : 70), tab + 1);
			if ((mod = ks_name(b, buf, strlen(buf))) == UINT32_MAX)
				return false;
			b->lastmod = mod;
		}
	}
	if (b->nsyms == b->capsyms) {
		size_t cap = b->capsyms ? b->capsyms * 2 : 65536;
		ks_sym *v = realloc(b->syms, cap * sizeof(*v));
		if (v == NULL)
			return false;
		b->syms = v;
		b->capsyms = cap;
	}
	/* the file's order in module, for a stable sort: the first symbol
	 * of several at one address is the one named, as unwind.c's scan */
	b->syms[b->nsyms++] = (ks_sym){.addr = a, .name = name, .module = mod};
	return true;
}

/* Reads every text symbol of /proc/kallsyms into b. */
static bool ks_read(ks_build *b)
{
	size_t cap = 1u << 20, have = 0;
	char *buf = malloc(cap + 1);
	ssize_t k;
	bool ok = true;
	int fd = open("/proc/kallsyms", O_RDONLY | O_CLOEXEC);

	if (fd < 0 || buf == NULL) {
		if (fd >= 0)
			close(fd);
		free(buf);
		return false;
	}
	while (ok && (k = read(fd, buf + have, cap - have)) > 0) {
		char *l = buf, *nl;
		have += (size_t)k;
		buf[have] = '\0';
		while (ok && (nl = memchr(l, '\n', (size_t)(buf + have - l))) != NULL) {
			*nl = '\0';
			ok = ks_line(b, l);
			l = nl + 1;
		}
		have = (size_t)(buf + have - l);
		memmove(buf, l, have);
		if (have == cap)
			have = 0; /* a line longer than the buffer: dropped */
	}
	close(fd);
	free(buf);
	return ok && b->nsyms > 0;
}

static int ks_cmp(const void *x, const void *y)
{
	const ks_sym *a = x, *b = y;

	if (a->addr != b->addr)
		return a->addr < b->addr ? -1 : 1;
	return a->name < b->name ? -1 : a->name > b->name; /* the file's order */
}

/* Sorts the symbols, keeps the first of each address, and finds the
 * ranges covered: the kernel's text and each module's. */
static void ks_sort(ks_build *b)
{
	size_t n = 0;

	qsort(b->syms, b->nsyms, sizeof(*b->syms), ks_cmp);
	for (size_t i = 0; i < b->nsyms; i++)
		if (n == 0 || b->syms[n - 1].addr != b->syms[i].addr)
			b->syms[n++] = b->syms[i];
	b->nsyms = n;
	/* a range per run of one module's symbols (the kernel's is one run:
	 * its text lies below the modules'); a run of one symbol covers
	 * nothing past it */
	for (size_t i = 0; i < n;) {
		size_t j = i;
		while (j + 1 < n && b->syms[j + 1].module == b->syms[i].module)
			j++;
		if (j > i && b->nranges < KS_MAX_MODULES + 1)
			b->ranges[b->nranges++] = (ks_range){b->syms[i].addr, b->syms[j].addr};
		i = j + 1;
	}
}

/* Writes b to dir/kallsyms-BOOT (a temporary file renamed), and removes
 * the caches of other boots. */
static bool ks_write(const ks_build *b, const char *dir, const char *path, const char *boot,
		     uint64_t modhash)
{
	char tmp[4200];
	ks_header h;
	int fd;
	bool ok;
	DIR *d;
	struct dirent *e;

	memset(&h, 0, sizeof(h));
	memcpy(h.magic, KS_MAGIC, 8);
	memcpy(h.boot, boot, 40);
	h.modhash = modhash;
	h.nranges = b->nranges;
	h.nsyms = b->nsyms;
	h.strlen = b->nnames;
	snprintf(tmp, sizeof(tmp), "%s/.kallsyms-XXXXXX", dir);
	if ((fd = mkstemp(tmp)) < 0) /* 0600 */
		return false;
	ok = write(fd, &h, sizeof(h)) == (ssize_t)sizeof(h);
	ok = ok && write(fd, b->ranges, b->nranges * sizeof(ks_range)) ==
		       (ssize_t)(b->nranges * sizeof(ks_range));
	for (size_t off = 0, len = b->nsyms * sizeof(ks_sym); ok && off < len;) {
		ssize_t k = write(fd, (const char *)b->syms + off, len - off);
		ok = k > 0;
		off += ok ? (size_t)k : 0;
	}
	for (size_t off = 0; ok && off < b->nnames;) {
		ssize_t k = write(fd, b->names + off, b->nnames - off);
		ok = k > 0;
		off += ok ? (size_t)k : 0;
	}
	ok = close(fd) == 0 && ok;
	if (!ok || rename(tmp, path) != 0) {
		unlink(tmp);
		return false;
	}
	if ((d = opendir(dir)) != NULL) {
		const char *mine = strrchr(path, '/') + 1;
		while ((e = readdir(d)) != NULL)
			if (strncmp(e->d_name, "kallsyms-", 9) == 0 && strcmp(e->d_name, mine) != 0)
				(void)unlinkat(dirfd(d), e->d_name, 0);
		closedir(d);
	}
	return true;
}

hpi_cpu_ksyms *hpi_cpu_ksyms_open(void)
{
	char dir[4096], path[4200], boot[40];
	uint64_t modhash;
	hpi_cpu_ksyms *k;
	ks_build *b;

	if (!ks_boot_id(boot) || !ks_dir(dir, sizeof(dir)))
		return NULL;
	snprintf(path, sizeof(path), "%s/kallsyms-%s", dir, boot);
	modhash = ks_modhash();
	if ((k = ks_map(path, boot, modhash)) != NULL)
		return k;
	if ((b = calloc(1, sizeof(*b))) == NULL)
		return NULL;
	if ((b->kernel = ks_name(b, "[kernel]", 8)) != UINT32_MAX && ks_read(b)) {
		ks_sort(b);
		/* a module loaded while kallsyms was read: written under the
		 * hash of before, found stale next time, and read again */
		if (ks_write(b, dir, path, boot, modhash))
			k = ks_map(path, boot, modhash);
	}
	free(b->syms);
	free(b->names);
	free(b);
	return k;
}

void hpi_cpu_ksyms_close(hpi_cpu_ksyms *k)
{
	if (k == NULL)
		return;
	munmap(k->map, k->len);
	free(k);
}

bool hpi_cpu_ksyms_find(const hpi_cpu_ksyms *k, uint64_t pc, const char **name,
			const char **module)
{
	size_t lo = 0, hi, nr = 0;
	const ks_sym *s;

	if (k == NULL)
		return false;
	for (; nr < k->h->nranges; nr++)
		if (pc >= k->ranges[nr].lo && pc <= k->ranges[nr].hi)
			break;
	if (nr == k->h->nranges)
		return false;
	/* the last symbol at or below pc */
	hi = (size_t)k->h->nsyms;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (k->syms[mid].addr <= pc)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo == 0)
		return false;
	s = &k->syms[lo - 1];
	if (s->name >= k->h->strlen || s->module >= k->h->strlen)
		return false;
	*name = k->names + s->name;
	*module = k->names + s->module;
	return true;
}
