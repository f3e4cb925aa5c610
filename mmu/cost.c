/*
 * mmu/cost.c — the default cycle costs and the table that names them.
 *
 * The defaults model a simple in-order, single-issue core: one cycle per
 * simple instruction, multi-cycle multiply and divide, a TLB lookup folded
 * into the pipeline, an L1 hit of a few cycles, an L2 hit of about a dozen
 * and memory of about a hundred (DESIGN.md section 6).  MIPS numbers lean
 * on the R4000 (slow integer divide, a 12-instruction refill handler),
 * amd64 ones on a generic x86-64 core (4-cycle L1, an STLB, a hardware
 * walker).  They are round, plausible numbers meant for comparing runs
 * with one another, not for predicting a real machine; every one can be
 * overridden by name (--cost NAME=VALUE) and is printed by `vmsim config`
 * and stored in the trace.
 */
#include "mmu/cost.h"

#include <string.h>

#define COST_FIELD(f, doc) { #f, offsetof(struct cost_table, f), doc }

const struct cost_field cost_fields[] = {
	COST_FIELD(insn_alu, "cycles per integer/logic/move instruction"),
	COST_FIELD(insn_mem, "cycles to issue a load or store (its access is extra)"),
	COST_FIELD(insn_mul, "cycles per integer multiply"),
	COST_FIELD(insn_div, "cycles per integer divide"),
	COST_FIELD(insn_branch, "cycles per branch, jump, call or return"),
	COST_FIELD(insn_fp, "cycles per floating-point or SIMD instruction"),
	COST_FIELD(tlb_hit, "cycles for an L1 TLB lookup that hits (0: in the pipeline)"),
	COST_FIELD(tlb_l2_hit, "amd64: extra cycles when the STLB supplies the translation"),
	COST_FIELD(walk_step, "amd64: walker cycles per level, besides its PTE load"),
	COST_FIELD(refill_insns, "MIPS: instructions in the TLB refill handler"),
	COST_FIELD(exc_entry, "cycles to enter an exception (flush, vector, save state)"),
	COST_FIELD(exc_return, "cycles for eret / iret"),
	COST_FIELD(l1_hit, "cycles for an access that hits in L1"),
	COST_FIELD(l2_hit, "cycles for an access that misses L1 and hits L2"),
	COST_FIELD(mem, "cycles for an access that goes to memory"),
	COST_FIELD(syscall, "cycles for system call entry and exit, excluding its work"),
	COST_FIELD(page_zero, "cycles to zero-fill one 4 KiB page"),
	COST_FIELD(page_copy, "cycles to copy one 4 KiB page"),
	COST_FIELD(ipi_send, "cycles an initiator spends per shootdown IPI (send and wait)"),
	COST_FIELD(ipi_recv, "cycles a target CPU spends taking a shootdown IPI"),
};
const size_t cost_nfields = nitems(cost_fields);

/*
 * Fill c with the defaults for arch.  A field that has no meaning on arch
 * is 0 there (MIPS has no hardware walker or STLB, amd64 no software
 * refill handler), so that the printed table never shows a cost that is
 * never charged.
 */
void
cost_defaults(struct cost_table *c, enum sim_arch arch)
{
	memset(c, 0, sizeof(*c));
	c->insn_alu = 1;
	c->insn_mem = 1;
	c->insn_branch = 1;
	c->tlb_hit = 0;
	c->exc_entry = 10;
	c->exc_return = 5;
	c->l2_hit = 12;
	c->mem = 100;
	c->syscall = 50;
	c->page_zero = 256;
	c->page_copy = 512;
	c->ipi_send = 200;
	c->ipi_recv = 150;
	if (sim_arch_is_mips(arch)) {
		c->insn_mul = 4;
		c->insn_div = 35;
		c->insn_fp = 4;
		c->l1_hit = 1;
		c->refill_insns = 12;	/* a KSEG0 refill handler's length */
	} else {
		c->insn_mul = 3;
		c->insn_div = 25;
		c->insn_fp = 4;
		c->l1_hit = 4;
		c->tlb_l2_hit = 7;
		c->walk_step = 8;	/* per level: the walker's own work; loads extra */
	}
}

static uint32_t *
cost_slot(struct cost_table *c, const struct cost_field *f)
{
	return ((uint32_t *)(void *)((char *)c + f->offset));
}

/* Set the field called name to value.  Returns 0, or -1 for an unknown
 * name (c is then unchanged). */
int
cost_set(struct cost_table *c, const char *name, uint32_t value)
{
	for (size_t i = 0; i < cost_nfields; i++) {
		if (strcmp(cost_fields[i].name, name) == 0) {
			*cost_slot(c, &cost_fields[i]) = value;
			return (0);
		}
	}
	return (-1);
}

/* The value of field f (an element of cost_fields[]) in c. */
uint32_t
cost_get(const struct cost_table *c, const struct cost_field *f)
{
	KASSERT(f->offset + sizeof(uint32_t) <= sizeof(*c),
	    ("cost_get: field %s offset %zu out of the table", f->name, f->offset));
	return (*(const uint32_t *)(const void *)((const char *)c + f->offset));
}
