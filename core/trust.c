/* SPDX-License-Identifier: MIT */
/*
 * trust.c - what hotpath believes (docs/security.md).
 *
 * A secure-execution process (setuid, setgid, file capabilities: the kernel
 * sets AT_SECURE) runs with more privilege than the user who started it, so
 * nothing that user controls may steer it: no HOTPATH_* variable, no
 * relative path, no file the user can write.  In every process, a file that
 * hotpath would execute or obey (a plugin, a Lua script, a configuration
 * found by default) must belong to the user or to root and be writable by
 * no one else, the rule git applies to a repository (safe.directory).
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/auxv.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "hpi.h"

static int trust_forced = -1;        /* tests: 0 or 1 overrides AT_SECURE */
static pthread_once_t trust_once = PTHREAD_ONCE_INIT;

/* Whether the kernel started this process in secure-execution mode. */
bool hpi_secure(void)
{
	if (trust_forced >= 0)
		return trust_forced != 0;
	return getauxval(AT_SECURE) != 0;
}

/* Tests: 1 or 0 forces the answer of hpi_secure, -1 asks the kernel again. */
void hpi_secure_force(int on)
{
	trust_forced = on;
}

/* The one line a secure-execution process prints, once. */
static void trust_say(void)
{
	hpi_warn("secure execution (setuid, setgid or capabilities): HOTPATH_* variables, "
		 "hotpath.yaml and relative or user-writable plugin and script paths are "
		 "ignored");
}

/* Says once per process (or per test that forces the mode) why settings
 * are ignored. */
void hpi_secure_note(void)
{
	static int said_forced = -2;

	if (!hpi_secure())
		return;
	if (trust_forced >= 0) {
		if (said_forced != trust_forced)
			trust_say();
		said_forced = trust_forced;
		return;
	}
	pthread_once(&trust_once, trust_say);
}

/* getenv for hotpath's own variables: NULL for every HOTPATH_* variable in
 * a secure-execution process. */
const char *hpi_getenv(const char *name)
{
	if (hpi_secure() && strncmp(name, "HOTPATH_", 8) == 0) {
		hpi_secure_note();
		return NULL;
	}
	return getenv(name);
}

/* Checks one file or folder's owner and mode; NULL, or why not (static). */
static const char *trust_stat(const struct stat *st, bool secure, bool dir, bool strict_group)
{
	uid_t ok1 = secure ? geteuid() : getuid();

	if (st->st_uid != 0 && st->st_uid != ok1)
		return "it belongs to another user";
	if (dir && (st->st_mode & S_ISVTX))
		return NULL; /* /tmp: others cannot replace what is ours in it */
	if (st->st_mode & S_IWOTH)
		return "anyone can write to it";
	if ((secure || strict_group) && (st->st_mode & S_IWGRP))
		return "its group can write to it";
	return NULL;
}

/* See hpi.h. */
int hpi_trust_file(const char *path, unsigned flags, char **why)
{
	bool secure = hpi_secure();
	bool strict_group = (flags & HPI_TRUST_NO_GROUP) != 0;
	const char *bad;
	struct stat st;
	char *dir, *slash;

	*why = NULL;
	if (secure && path[0] != '/') {
		*why = hpi_asprintf("a relative path, ignored in secure execution");
		return HP_EINVAL;
	}
	if (stat(path, &st) != 0) {
		*why = hpi_asprintf("%s", strerror(errno));
		return HP_ENOENT;
	}
	if ((bad = trust_stat(&st, secure, false, strict_group)) != NULL) {
		*why = hpi_asprintf("not trusted: %s", bad);
		return HP_EINVAL;
	}
	/* the folders above it: a folder someone else may write to lets them
	 * swap the file; in secure execution every folder up to /, else the
	 * file's own folder */
	if ((dir = realpath(path, NULL)) == NULL) {
		*why = hpi_asprintf("%s", strerror(errno));
		return HP_ENOENT;
	}
	while ((slash = strrchr(dir, '/')) != NULL) {
		*(slash == dir ? slash + 1 : slash) = '\0';
		if (stat(dir, &st) == 0 && (bad = trust_stat(&st, secure, true, false)) != NULL) {
			*why = hpi_asprintf("not trusted: its folder %s: %s", dir, bad);
			free(dir);
			return HP_EINVAL;
		}
		if (!secure || slash == dir)
			break;
	}
	free(dir);
	return 0;
}

/* ---- ELF: what a plugin exports, read before dlopen ----------------------- */

#if UINTPTR_MAX > 0xffffffffu
typedef Elf64_Ehdr trust_ehdr;
typedef Elf64_Shdr trust_shdr;
typedef Elf64_Sym trust_sym;
#define TRUST_CLASS ELFCLASS64
#define TRUST_BIND ELF64_ST_BIND
#else
typedef Elf32_Ehdr trust_ehdr;
typedef Elf32_Shdr trust_shdr;
typedef Elf32_Sym trust_sym;
#define TRUST_CLASS ELFCLASS32
#define TRUST_BIND ELF32_ST_BIND
#endif

/* Whether [off, off+len) lies inside a mapping of size n. */
static bool trust_in(size_t n, uint64_t off, uint64_t len)
{
	return off <= n && len <= n - off;
}

/* Looks for sym, defined and global, in the dynamic symbol table of the
 * mapped image m (n bytes); NULL, or why not (static). */
static const char *trust_elf_scan(const unsigned char *m, size_t n, const char *sym)
{
	const trust_ehdr *eh = (const void *)m;
	const trust_shdr *sh;
	size_t i, k;

	if (n < sizeof *eh || memcmp(m, ELFMAG, SELFMAG) != 0)
		return "not an ELF file";
	if (m[EI_CLASS] != TRUST_CLASS || eh->e_type != ET_DYN)
		return "not a shared object of this word size";
	if (eh->e_shentsize != sizeof *sh ||
	    !trust_in(n, eh->e_shoff, (uint64_t)eh->e_shnum * sizeof *sh))
		return "its section headers are damaged";
	sh = (const void *)(m + eh->e_shoff);
	for (i = 0; i < eh->e_shnum; i++) {
		const trust_shdr *str;
		const trust_sym *s;

		if (sh[i].sh_type != SHT_DYNSYM)
			continue;
		if (sh[i].sh_link >= eh->e_shnum || sh[i].sh_entsize != sizeof *s ||
		    !trust_in(n, sh[i].sh_offset, sh[i].sh_size))
			return "its symbol table is damaged";
		str = &sh[sh[i].sh_link];
		if (!trust_in(n, str->sh_offset, str->sh_size) || str->sh_size == 0 ||
		    m[str->sh_offset + str->sh_size - 1] != '\0')
			return "its symbol names are damaged";
		s = (const void *)(m + sh[i].sh_offset);
		for (k = 0; k < sh[i].sh_size / sizeof *s; k++) {
			if (s[k].st_name >= str->sh_size || s[k].st_shndx == SHN_UNDEF ||
			    TRUST_BIND(s[k].st_info) != STB_GLOBAL)
				continue;
			if (strcmp((const char *)m + str->sh_offset + s[k].st_name, sym) == 0)
				return NULL;
		}
	}
	return "it exports no " HP_PLUGIN_ENTRY;
}

/* See hpi.h. */
int hpi_trust_elf(const char *path, const char *sym, char **why)
{
	struct stat st;
	const char *bad;
	void *m;
	int fd;

	*why = NULL;
	if ((fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC | O_NOCTTY)) < 0) {
		*why = hpi_asprintf("%s", strerror(errno));
		return HP_ENOENT;
	}
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) || st.st_size <= 0 ||
	    (uint64_t)st.st_size > SIZE_MAX) {
		close(fd);
		*why = hpi_asprintf("not a regular file");
		return HP_EINVAL;
	}
	m = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
	close(fd);
	if (m == MAP_FAILED) {
		*why = hpi_asprintf("cannot read it: %s", strerror(errno));
		return HP_EINVAL;
	}
	bad = trust_elf_scan(m, (size_t)st.st_size, sym);
	munmap(m, (size_t)st.st_size);
	if (bad != NULL) {
		*why = hpi_asprintf("%s", bad);
		return HP_EINVAL;
	}
	return 0;
}

/* See hpi.h. */
int hpi_open_regular(const char *path, int flags, bool *is_null)
{
	struct stat st, nst;
	int fd;

	*is_null = false;
	if ((fd = open(path, flags | O_NONBLOCK | O_CLOEXEC | O_NOCTTY, 0666)) < 0) {
		if (errno == ENXIO) /* a FIFO that no one reads (or a socket) */
			errno = EINVAL;
		return -1;
	}
	if (fstat(fd, &st) != 0) {
		close(fd);
		return -1;
	}
	if (S_ISREG(st.st_mode))
		goto ok;
	if (S_ISCHR(st.st_mode) && stat("/dev/null", &nst) == 0 && st.st_rdev == nst.st_rdev) {
		*is_null = true;
		goto ok;
	}
	/* the program's own stderr or stdout named by path (/dev/stderr) */
	for (int std = 1; std <= 2; std++)
		if (fstat(std, &nst) == 0 && nst.st_dev == st.st_dev && nst.st_ino == st.st_ino &&
		    (flags & O_ACCMODE) != O_RDONLY) {
			close(fd);
			return fcntl(std, F_DUPFD_CLOEXEC, 3);
		}
	if ((flags & O_ACCMODE) != O_RDONLY && S_ISCHR(st.st_mode))
		goto ok; /* /dev/full, a terminal: writing them does not block */
	close(fd);
	errno = S_ISDIR(st.st_mode) ? EISDIR : EINVAL;
	return -1;
ok:
	fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK);
	return fd;
}
