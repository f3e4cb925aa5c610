/*
 * tests/unit/vm/fake_pmap.h — a recording stand-in for the pmap layer, so
 * the machine-independent vm/ code can be unit-tested without page tables
 * or CPUs.  Only the pmap.h functions vm_map/vm_object/vm_page call are
 * provided; each call is recorded for the tests to inspect.
 */
#ifndef TESTS_UNIT_VM_FAKE_PMAP_H
#define TESTS_UNIT_VM_FAKE_PMAP_H

#include "vm/pmap.h"

enum fake_pmap_op {
	FAKE_PMAP_REMOVE,
	FAKE_PMAP_PROTECT,
	FAKE_PMAP_ZERO_PAGE,
};

struct fake_pmap_call {
	enum fake_pmap_op op;
	struct pmap *pmap;
	vm_offset_t sva, eva;	/* remove, protect */
	vm_prot_t prot;		/* protect */
	vm_paddr_t pa;		/* zero_page */
};

#define FAKE_PMAP_MAXCALLS	4096

extern struct fake_pmap_call fake_pmap_calls[FAKE_PMAP_MAXCALLS];
extern int fake_pmap_ncalls;

/* A pmap pointer to hand to vm_map_init (never dereferenced by vm/). */
struct pmap *fake_pmap(void);
/* Forget the recorded calls. */
void fake_pmap_reset(void);

#endif
