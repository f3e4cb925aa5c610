/*
 * tests/unit/mmu/test_cost.c — the cost table: defaults per architecture,
 * the field table covering every field once by its own name, and
 * cost_set/cost_get by name.
 */
#include "mmu/cost.h"
#include "tests/tap.h"

#include <string.h>

int
main(void)
{
	struct cost_table c, m;
	bool distinct = true, named = true, documented = true, roundtrip = true;

	sim_invariants = true;
	ok(cost_nfields * sizeof(uint32_t) == sizeof(struct cost_table),
	    "cost_fields: %zu fields cover the whole table", cost_nfields);
	for (size_t i = 0; i < cost_nfields; i++) {
		const struct cost_field *f = &cost_fields[i];

		if (f->offset % sizeof(uint32_t) != 0 ||
		    f->offset >= sizeof(struct cost_table))
			distinct = false;
		for (size_t j = 0; j < i; j++)
			if (cost_fields[j].offset == f->offset ||
			    strcmp(cost_fields[j].name, f->name) == 0)
				distinct = false;
		if (f->doc == NULL || f->doc[0] == '\0' ||
		    strchr(f->doc, '\n') != NULL)
			documented = false;
	}
	ok(distinct, "cost_fields: distinct names and offsets");
	ok(documented, "cost_fields: each has a one-line doc");

	cost_defaults(&m, ARCH_MIPS);
	cost_defaults(&c, ARCH_AMD64);
	ok(m.insn_alu == 1 && m.insn_mem == 1 && m.insn_mul == 4 && m.insn_div == 35 &&
	    m.insn_branch == 1 && m.tlb_hit == 0 && m.tlb_l2_hit == 0 &&
	    m.l1_hit == 1 && m.l2_hit == 12 && m.mem == 100 &&
	    m.exc_entry == 10 && m.exc_return == 5 && m.refill_insns == 12 &&
	    m.syscall == 50 && m.page_zero == 256 && m.page_copy == 512 &&
	    m.walk_step == 0, "defaults: MIPS (no walker, no STLB)");
	ok(c.insn_alu == 1 && c.insn_mul == 3 && c.insn_div == 25 && c.tlb_hit == 0 &&
	    c.tlb_l2_hit == 7 && c.l1_hit == 4 && c.l2_hit == 12 && c.mem == 100 &&
	    c.walk_step == 8 && c.exc_entry == 10 && c.exc_return == 5 &&
	    c.refill_insns == 0 && c.syscall == 50 && c.page_zero == 256 &&
	    c.page_copy == 512, "defaults: amd64 (no refill handler)");
	cost_defaults(&c, ARCH_MIPSEL);
	ok(memcmp(&c, &m, sizeof(c)) == 0, "defaults: mipsel = mips");

	/* Each name reaches its own field, and only it. */
	for (size_t i = 0; i < cost_nfields; i++) {
		cost_defaults(&c, ARCH_AMD64);
		cost_defaults(&m, ARCH_AMD64);
		if (cost_set(&c, cost_fields[i].name, 1000 + (uint32_t)i) != 0 ||
		    cost_get(&c, &cost_fields[i]) != 1000 + i)
			roundtrip = false;
		for (size_t j = 0; j < cost_nfields; j++)
			if (j != i && cost_get(&c, &cost_fields[j]) !=
			    cost_get(&m, &cost_fields[j]))
				roundtrip = false;
	}
	ok(roundtrip, "cost_set/cost_get: each name sets exactly its field");
	cost_set(&c, "walk_step", 7);
	cost_set(&c, "page_copy", 9);
	ok(c.walk_step == 7 && c.page_copy == 9, "cost_set: by field name");
	cost_defaults(&c, ARCH_AMD64);
	m = c;
	ok(cost_set(&c, "no_such", 3) == -1 && cost_set(&c, "", 3) == -1 &&
	    cost_set(&c, "walk", 3) == -1 && memcmp(&c, &m, sizeof(c)) == 0,
	    "cost_set: unknown names are -1 and change nothing");
	for (size_t i = 0; i < cost_nfields; i++)
		if (strcmp(cost_fields[i].name, "tlb_hit") == 0 &&
		    cost_fields[i].offset != offsetof(struct cost_table, tlb_hit))
			named = false;
	ok(named, "cost_fields: tlb_hit's offset is offsetof(tlb_hit)");
	return (tap_done());
}
