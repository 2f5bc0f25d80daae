/* SPDX-License-Identifier: MIT */
/*
 * cfi.c - the fast paths of DWARF unwinding over a sample's copied stack.
 *
 * libdwfl's unwinder (unwind.c) finds the module of every frame, parses
 * the FDE that covers it, runs its CFA program and evaluates the register
 * rules, allocating as it goes: about 15 us a sample here.  Yet the
 * same few hundred return addresses come back sample after sample, and
 * for nearly all of them (gcc and clang code on x86-64) the rules are of
 * one shape: the CFA is rsp or rbp plus a constant, the return address is
 * saved at CFA plus a constant, rbp is unchanged or saved at CFA plus a
 * constant, and the caller's rsp is the CFA.  So the rules of each lookup
 * address are read once through libdw (dwarf_cfi_addrframe) and kept in a
 * hash table, and a sample is unwound by arithmetic and loads from its
 * stack copy alone.  A frame with any other rule (a DWARF expression: PLT
 * entries, stack realignment, signal frames) or no CFI at all sends the
 * whole sample to libdwfl, which also knows the frame-pointer fallback.
 * A return address whose rule says "undefined" (clone3, _start) ends the
 * stack, as it ends libdwfl's.
 *
 * Without DWARF (the kernel gave no call chain because none was asked for
 * with a stack copy, or libdw is not built in), hpi_cpu_fp_walk follows
 * the frame-pointer chain inside the copy.
 *
 * x86-64 only: elsewhere hpi_cpu_cfi_unwind returns 0 (libdwfl does it
 * all), and hpi_cpu_fp_walk knows aarch64's frame records too.
 */
#define _GNU_SOURCE 1 /* as the build's config.h: POSIX and Linux calls */
#ifdef HAVE_CONFIG_H
#include "config.h" /* the build's HAVE_LIBDW; none outside the tree */
#endif

#include <stdlib.h>
#include <string.h>

#ifdef HAVE_LIBDW
#include <dwarf.h>
#include <elfutils/libdw.h>
#include <elfutils/libdwfl.h>
#endif

#include "cpu.h"

#define CFI_MAX_RULES (1u << 20) /* lookup addresses kept, at most */

/* What the rules of a lookup address are. */
enum {
	CFI_EMPTY,   /* a free slot */
	CFI_SIMPLE,  /* constant offsets: unwound here */
	CFI_END,     /* the return address is undefined: the outermost frame */
	CFI_OTHER,   /* an expression, a signal frame, no CFI: libdwfl's */
	CFI_NONE,    /* no CFI in the module's own file: the stack ends here
		      * (below two frames, unwind.c walks the frame pointers) */
};

/* How the caller's rbp is found. */
enum { BP_SAME, BP_AT, BP_UNDEF };

typedef struct cfi_rule {
	uint64_t pc;      /* the lookup address (a return address less one) */
	uint8_t kind;
	uint8_t cfa_bp;   /* the CFA is rbp + cfa_off (else rsp + cfa_off) */
	uint8_t bp_how;
	int32_t cfa_off, ra_off, bp_off; /* ra and rbp are at CFA + off */
} cfi_rule;

struct hpi_cpu_cfi {
	cfi_rule *v;      /* open addressing, a power of two */
	size_t n, cap;
	cfi_rule spill;   /* the last rule read when the table is full */
	uint64_t fast, slow; /* samples unwound here, and handed to libdwfl */
	bool debug_files; /* .debug_frame of separate debug files too */
};

/* A 64-bit word of the sample's stack copy at addr; false outside it. */
static bool cfi_load(const hpi_cpu_sample *s, uint64_t sp0, uint64_t addr, uint64_t *v)
{
	if (addr < sp0 || addr - sp0 > s->stack_len || s->stack_len - (addr - sp0) < 8)
		return false;
	memcpy(v, s->stack + (addr - sp0), 8);
	return true;
}

/* The registers unwinding needs: pc, sp and the frame pointer (x86-64:
 * perf's AX BX CX DX SI DI BP SP IP ...; aarch64: x0-x30, sp, pc). */
static bool cfi_regs(const hpi_cpu_sample *s, uint64_t *pc, uint64_t *sp, uint64_t *fp)
{
#if defined(__x86_64__)
	if (s->regs == NULL || s->nregs < 9)
		return false;
	*fp = s->regs[6];
	*sp = s->regs[7];
	*pc = s->regs[8];
	return true;
#elif defined(__aarch64__)
	if (s->regs == NULL || s->nregs < 33)
		return false;
	*fp = s->regs[29];
	*sp = s->regs[31];
	*pc = s->regs[32];
	return true;
#else
	(void)s;
	(void)pc;
	(void)sp;
	(void)fp;
	return false;
#endif
}

size_t hpi_cpu_fp_walk(const hpi_cpu_sample *s, uint64_t *pcs, size_t max)
{
	uint64_t pc, sp, fp, ra, next;
	size_t n = 0;

	if (max == 0 || !cfi_regs(s, &pc, &sp, &fp) || s->stack == NULL)
		return 0;
	pcs[n++] = pc;
#if defined(__aarch64__)
	/* a leaf may not have stored lr yet: it is in the registers */
	if (n < max && s->regs[30] != 0)
		pcs[n++] = s->regs[30] - 1;
#endif
	/* a frame record: [fp] the caller's fp, [fp + 8] the return address;
	 * each one higher on the stack than the last */
	while (n < max && cfi_load(s, sp, fp, &next) && cfi_load(s, sp, fp + 8, &ra) && ra != 0) {
#if defined(__aarch64__)
		if (n == 2 && ra - 1 == pcs[1])
			goto next_frame; /* lr was stored: it is pcs[1] already */
#endif
		pcs[n++] = ra - 1;
#if defined(__aarch64__)
	next_frame:
#endif
		if (next <= fp)
			break;
		fp = next;
	}
	return n;
}

hpi_cpu_cfi *hpi_cpu_cfi_new(void)
{
	return calloc(1, sizeof(hpi_cpu_cfi));
}

void hpi_cpu_cfi_free(hpi_cpu_cfi *c)
{
	if (c == NULL)
		return;
	free(c->v);
	free(c);
}

void hpi_cpu_cfi_debug_files(hpi_cpu_cfi *c, bool on)
{
	if (c != NULL)
		c->debug_files = on;
}

void hpi_cpu_cfi_forget(hpi_cpu_cfi *c)
{
	if (c != NULL && c->v != NULL) {
		memset(c->v, 0, c->cap * sizeof(*c->v));
		c->n = 0;
	}
}

void hpi_cpu_cfi_counts(const hpi_cpu_cfi *c, uint64_t *fast, uint64_t *slow)
{
	*fast = c ? c->fast : 0;
	*slow = c ? c->slow : 0;
}

#if defined(HAVE_LIBDW) && defined(__x86_64__)

/* The slot of pc (its rule, or the free slot for it). */
static cfi_rule *cfi_slot(cfi_rule *v, size_t cap, uint64_t pc)
{
	size_t mask = cap - 1, i = (size_t)((pc * 0x9E3779B97F4A7C15ull) >> 24) & mask;

	while (v[i].kind != CFI_EMPTY && v[i].pc != pc)
		i = (i + 1) & mask;
	return &v[i];
}

/* Doubles the table; false when it is as big as it may be, or no memory. */
static bool cfi_grow(hpi_cpu_cfi *c)
{
	size_t cap = c->cap ? c->cap * 2 : 4096;
	cfi_rule *v;

	if (cap > CFI_MAX_RULES || (v = calloc(cap, sizeof(*v))) == NULL)
		return false;
	for (size_t i = 0; i < c->cap; i++)
		if (c->v[i].kind != CFI_EMPTY)
			*cfi_slot(v, cap, c->v[i].pc) = c->v[i];
	free(c->v);
	c->v = v;
	c->cap = cap;
	return true;
}

/* "CFA + off" as libdw spells a saved register's location: off in *off. */
static bool cfi_at_cfa(const Dwarf_Op *ops, size_t nops, int32_t *off)
{
	if (nops == 1 && ops[0].atom == DW_OP_call_frame_cfa) {
		*off = 0;
		return true;
	}
	if (nops == 2 && ops[0].atom == DW_OP_call_frame_cfa && ops[1].atom == DW_OP_plus_uconst) {
		*off = (int32_t)(int64_t)ops[1].number;
		return (int64_t)ops[1].number == *off;
	}
	return false;
}

/* Reads the rules of frame fr into r (kind CFI_OTHER when they are not
 * of the simple shape). */
static void cfi_read(Dwarf_Frame *fr, cfi_rule *r)
{
	Dwarf_Op mem[3], *ops;
	size_t nops;
	bool signal = false;
	int32_t off;

	r->kind = CFI_OTHER;
	if (dwarf_frame_info(fr, NULL, NULL, &signal) != 16 || signal)
		return;
	/* the CFA: rsp (7) or rbp (6) plus a constant */
	if (dwarf_frame_cfa(fr, &ops, &nops) != 0 || nops != 1)
		return;
	if (ops[0].atom == DW_OP_bregx && (ops[0].number == 7 || ops[0].number == 6)) {
		r->cfa_bp = ops[0].number == 6;
		r->cfa_off = (int32_t)(int64_t)ops[0].number2;
	} else if (ops[0].atom == DW_OP_breg7 || ops[0].atom == DW_OP_breg6) {
		r->cfa_bp = ops[0].atom == DW_OP_breg6;
		r->cfa_off = (int32_t)(int64_t)ops[0].number;
	} else {
		return;
	}
	/* the return address (16): saved at CFA + off, or undefined */
	if (dwarf_frame_register(fr, 16, mem, &ops, &nops) != 0)
		return;
	if (nops == 0 && ops != NULL) {
		r->kind = CFI_END;
		return;
	}
	if (!cfi_at_cfa(ops, nops, &r->ra_off))
		return;
	/* the caller's rsp (7): the CFA itself */
	if (dwarf_frame_register(fr, 7, mem, &ops, &nops) != 0 ||
	    !(nops == 2 && ops[0].atom == DW_OP_call_frame_cfa && ops[1].atom == DW_OP_stack_value))
		return;
	/* the caller's rbp (6): unchanged, saved at CFA + off, or lost */
	if (dwarf_frame_register(fr, 6, mem, &ops, &nops) != 0)
		return;
	if (nops == 0)
		r->bp_how = ops == NULL ? BP_SAME : BP_UNDEF;
	else if (cfi_at_cfa(ops, nops, &off)) {
		r->bp_how = BP_AT;
		r->bp_off = off;
	} else
		return;
	r->kind = CFI_SIMPLE;
}

/* The rules of lookup address pc: cached, or read through libdw. */
static const cfi_rule *cfi_rule_of(hpi_cpu_cfi *c, Dwfl *dwfl, uint64_t pc)
{
	cfi_rule *r, tmp = {.pc = pc};
	Dwfl_Module *mod;
	Dwarf_Frame *fr = NULL;
	Dwarf_Addr bias = 0;
	Dwarf_CFI *cfi;

	if (c->cap != 0) {
		r = cfi_slot(c->v, c->cap, pc);
		if (r->kind != CFI_EMPTY)
			return r;
	}
	/* .debug_frame only where the module's own file has DWARF (or
	 * debug_files): libc's is in /usr/lib/debug, compressed, and libdw
	 * decompresses all of its DWARF on first use, ~100 ms of the program's
	 * CPU, for an address that has no rules there either (the new
	 * thread's first instruction after clone3's syscall, outside every
	 * FDE) */
	if ((mod = dwfl_addrmodule(dwfl, pc)) == NULL)
		tmp.kind = CFI_OTHER; /* JIT code, a library loaded since: libdwfl's */
	else if (((cfi = dwfl_module_eh_cfi(mod, &bias)) != NULL &&
		  dwarf_cfi_addrframe(cfi, pc - bias, &fr) == 0) ||
		 ((c->debug_files || hpi_cpu_unwind_own_dwarf(mod)) &&
		  (cfi = dwfl_module_dwarf_cfi(mod, &bias)) != NULL &&
		  dwarf_cfi_addrframe(cfi, pc - bias, &fr) == 0)) {
		cfi_read(fr, &tmp);
		free(fr);
	} else if (c->debug_files || hpi_cpu_unwind_own_dwarf(mod)) {
		tmp.kind = CFI_OTHER; /* no CFI: libdwfl tries the frame pointer */
	} else {
		/* no CFI, and libdwfl would read the separate debug file's for
		 * it: the frame-pointer walk in the copy instead (unwind.c) */
		tmp.kind = CFI_NONE;
	}
	if ((c->n + 1) * 2 > c->cap && !cfi_grow(c)) {
		c->spill = tmp; /* full: read again next time */
		return &c->spill;
	}
	r = cfi_slot(c->v, c->cap, pc);
	*r = tmp;
	c->n++;
	return r;
}

size_t hpi_cpu_cfi_unwind(hpi_cpu_cfi *c, struct Dwfl *dwfl, const hpi_cpu_sample *s,
			  uint64_t *pcs, size_t max)
{
	uint64_t pc, sp, bp, sp0, cfa, ra, lookup;
	bool bp_ok = true;
	size_t n = 0;

	if (c == NULL || dwfl == NULL || s->stack == NULL || max == 0 ||
	    !cfi_regs(s, &pc, &sp, &bp))
		return 0;
	sp0 = sp;
	lookup = pc;
	pcs[n++] = pc;
	while (n < max) {
		const cfi_rule *r = cfi_rule_of(c, dwfl, lookup);

		if (r->kind == CFI_END || r->kind == CFI_NONE)
			break;
		if (r->kind != CFI_SIMPLE || (r->cfa_bp && !bp_ok)) {
			c->slow++;
			return 0;
		}
		cfa = (r->cfa_bp ? bp : sp) + (uint64_t)(int64_t)r->cfa_off;
		/* a return address outside the copy: the stack is cut there */
		if (!cfi_load(s, sp0, cfa + (uint64_t)(int64_t)r->ra_off, &ra) || ra == 0)
			break;
		if (r->bp_how == BP_AT)
			bp_ok = cfi_load(s, sp0, cfa + (uint64_t)(int64_t)r->bp_off, &bp);
		else if (r->bp_how == BP_UNDEF)
			bp_ok = false;
		if (cfa <= sp)
			break; /* the stack grows down: a frame that does not move is a loop */
		sp = cfa;
		lookup = ra - 1;
		pcs[n++] = lookup;
	}
	c->fast++;
	return n;
}

#else

size_t hpi_cpu_cfi_unwind(hpi_cpu_cfi *c, struct Dwfl *dwfl, const hpi_cpu_sample *s,
			  uint64_t *pcs, size_t max)
{
	(void)dwfl;
	(void)s;
	(void)pcs;
	(void)max;
	if (c != NULL)
		c->slow++;
	return 0;
}

#endif
