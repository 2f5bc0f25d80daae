/* SPDX-License-Identifier: MIT */
/*
 * trust.h - what hotpath believes (trust.c, docs/security.md).
 */
#ifndef HPI_TRUST_H
#define HPI_TRUST_H

#include <stdbool.h>

/* Whether this is a secure-execution process (getauxval(AT_SECURE):
 * setuid, setgid, file capabilities). */
bool hpi_secure(void);
/* Tests: 1 or 0 forces hpi_secure's answer, -1 asks the kernel again. */
void hpi_secure_force(int on);
/* In a secure-execution process, says once why settings are ignored. */
void hpi_secure_note(void);
/* getenv, except NULL for HOTPATH_* in a secure-execution process (said
 * once).  Every HOTPATH_* variable is read through it. */
const char *hpi_getenv(const char *name);
#define HPI_TRUST_NO_GROUP 1u /* the file's group may not write it either */
/* 0 when hotpath may obey or run the file at path: owned by the user (the
 * effective user in secure execution) or root, not writable by others (nor
 * by its group with HPI_TRUST_NO_GROUP or in secure execution), nor is its
 * folder (every folder up to / in secure execution, where relative paths
 * are refused too).  Else HP_ENOENT or HP_EINVAL with a malloc'ed *why
 * (caller frees). */
int hpi_trust_file(const char *path, unsigned flags, char **why);
/* 0 when path is an ELF shared object of this word size whose dynamic
 * symbol table defines sym; read without loading it (no constructor runs).
 * Else HP_ENOENT or HP_EINVAL with a malloc'ed *why. */
int hpi_trust_elf(const char *path, const char *sym, char **why);
/* open(2) that never blocks on a FIFO: a regular file, /dev/null (*is_null
 * set), for writing any character device or the program's own stdout or
 * stderr; anything else fails with errno EINVAL (EISDIR for a folder).
 * Returns a blocking close-on-exec descriptor, or -1 with errno. */
int hpi_open_regular(const char *path, int flags, bool *is_null);

#endif
