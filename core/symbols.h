/* SPDX-License-Identifier: MIT */
/*
 * symbols.h - what the symbol tables and DWARF say of an address
 * (symbols.c).
 */
#ifndef HPI_SYMBOLS_H
#define HPI_SYMBOLS_H

#include <stdint.h>

/* What the symbol tables and DWARF say of a function's address.  Every
 * string is malloc'ed and owned by the caller (sites keep them for good). */
typedef struct hpi_symbol {
	char *label; /* "<file stem>::<function>" (C++ demangled) */
	char *func;  /* the function's name */
	char *file;  /* its source file (DWARF), else the module's path */
	int line;    /* its line (DWARF), else 0 */
} hpi_symbol;

/* Names the function at addr in this process (the program, its shared
 * libraries, dlopen'ed ones included).  Never fails but for memory: a
 * function without a symbol is "<module stem>::0x<offset>".  Returns 0 or
 * HP_ENOMEM.  Not thread-safe: site.c calls it under its naming lock. */
int hpi_symbol_resolve(uintptr_t addr, hpi_symbol *out);
/* A symbol's name as a user writes it: C++ demangled, GCC's clone suffixes
 * (".constprop.0", ".cold", ...) cut.  Malloc'ed (caller frees), or NULL. */
char *hpi_symbol_pretty(const char *raw);

#endif
