/*
 * mmu/cost.c — the default cycle costs and the table that names them.
 *
 * The defaults model a simple in-order, single-issue core of the R4000 /
 * early-x86-64 kind with no caches yet: one cycle per instruction, a TLB
 * lookup folded into the pipeline, one cycle per memory access, and
 * exceptions that cost a pipeline flush plus the state save.  They are
 * round, plausible numbers meant for comparing runs with one another, not
 * for predicting a real machine; every one can be overridden by name
 * (--cost NAME=VALUE).
 */
#include "mmu/cost.h"

#include <string.h>

#define COST_FIELD(f, doc) { #f, offsetof(struct cost_table, f), doc }

const struct cost_field cost_fields[] = {
	COST_FIELD(insn_base, "base cycles per instruction"),
	COST_FIELD(tlb_hit, "cycles for a TLB lookup that hits (0: in the pipeline)"),
	COST_FIELD(mem_access, "cycles for a data access past the TLB (no caches yet)"),
	COST_FIELD(walk_step, "amd64: cycles per page-table load by the hardware walker"),
	COST_FIELD(exc_entry, "cycles to enter an exception (flush, vector, save state)"),
	COST_FIELD(exc_return, "cycles for eret / iret"),
	COST_FIELD(refill_insns, "MIPS: instructions in the TLB refill handler"),
	COST_FIELD(syscall, "cycles for system call entry and exit, excluding its work"),
	COST_FIELD(page_zero, "cycles to zero-fill one 4 KiB page"),
	COST_FIELD(page_copy, "cycles to copy one 4 KiB page"),
};
const size_t cost_nfields = nitems(cost_fields);

/*
 * Fill c with the defaults for arch.  The architectures share the core
 * model; a field that has no meaning on arch is 0 there (MIPS has no
 * hardware walker, amd64 no software refill handler), so that printing the
 * table does not suggest a cost that is never charged.
 */
void
cost_defaults(struct cost_table *c, enum sim_arch arch)
{
	memset(c, 0, sizeof(*c));
	c->insn_base = 1;
	c->tlb_hit = 0;
	c->mem_access = 1;
	c->exc_entry = 10;
	c->exc_return = 5;
	c->syscall = 50;
	c->page_zero = 256;
	c->page_copy = 512;
	if (sim_arch_is_mips(arch)) {
		c->walk_step = 0;
		c->refill_insns = 12;	/* a KSEG0 refill handler's length */
	} else {
		c->walk_step = 4;	/* one PTE load; caches will refine it */
		c->refill_insns = 0;
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
