/*
 * mmu/cost.h — the cycle-cost table: every latency the model charges, in
 * one place.  sim/ prints it (`vmsim config`), stores it in the trace and
 * lets every field be set from the command line (--cost NAME=VALUE).
 */
#ifndef MMU_COST_H
#define MMU_COST_H

#include "sim/base/base.h"

struct cost_table {
	/* Base cycles per instruction, by class (cpu/ classifies each
	 * translated block once with Capstone). */
	uint32_t insn_alu;		/* integer, logic, moves, everything else */
	uint32_t insn_mem;		/* issue of a load/store; the access is extra */
	uint32_t insn_mul;		/* integer multiply */
	uint32_t insn_div;		/* integer divide */
	uint32_t insn_branch;		/* branches, jumps, calls, returns */
	uint32_t insn_fp;		/* floating point / SIMD */
	/* Translation. */
	uint32_t tlb_hit;		/* L1 TLB lookup that hits */
	uint32_t tlb_l2_hit;		/* amd64: extra for an STLB hit */
	uint32_t walk_step;		/* amd64: walker work per level (its load is extra) */
	uint32_t refill_insns;		/* MIPS: instructions of the TLB refill handler */
	uint32_t exc_entry;		/* exception entry (flush, vector, save state) */
	uint32_t exc_return;		/* eret / iret */
	/* Memory hierarchy: latency of an access satisfied at that level. */
	uint32_t l1_hit;
	uint32_t l2_hit;
	uint32_t mem;
	/* Kernel work. */
	uint32_t syscall;		/* system call entry + exit, excluding work */
	uint32_t page_zero;		/* zero-filling one page */
	uint32_t page_copy;		/* copying one page */
	/* SMP. */
	uint32_t ipi_send;		/* initiator: sending one IPI and waiting for it */
	uint32_t ipi_recv;		/* target: taking the interrupt and acknowledging */
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
