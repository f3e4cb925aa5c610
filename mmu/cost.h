/*
 * mmu/cost.h — the cycle-cost table: every latency the model charges, in
 * one place.  sim/ prints it (`vmsim config`), stores it in the trace and
 * lets every field be set from the command line (--cost NAME=VALUE).
 */
#ifndef MMU_COST_H
#define MMU_COST_H

#include "sim/base/base.h"

struct cost_table {
	uint32_t insn_base;		/* base cycles per instruction */
	uint32_t tlb_hit;		/* TLB lookup that hits */
	uint32_t mem_access;		/* a data access past the TLB (no caches yet) */
	uint32_t walk_step;		/* amd64: one page-table load by the walker */
	uint32_t exc_entry;		/* exception entry (vector, save state) */
	uint32_t exc_return;		/* eret / iret */
	uint32_t refill_insns;		/* MIPS TLB refill handler instructions */
	uint32_t syscall;		/* system call entry + exit, excluding work */
	uint32_t page_zero;		/* zero-filling one page */
	uint32_t page_copy;		/* copying one page */
};

/* Describes one field for printing and parsing. */
struct cost_field {
	const char *name;
	size_t offset;			/* offsetof(struct cost_table, field) */
	const char *doc;
};

extern const struct cost_field cost_fields[];
extern const size_t cost_nfields;

void cost_defaults(struct cost_table *c, enum sim_arch arch);
/* Set NAME to value; 0, or -1 for an unknown name. */
int cost_set(struct cost_table *c, const char *name, uint32_t value);
uint32_t cost_get(const struct cost_table *c, const struct cost_field *f);

#endif
