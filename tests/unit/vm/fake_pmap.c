/*
 * tests/unit/vm/fake_pmap.c — the recording fake pmap (see fake_pmap.h).
 * pmap_zero_page really zeroes the frame through vm_phys_dmap, which the
 * tests point at a host buffer standing in for physical memory.
 */
#include "tests/unit/vm/fake_pmap.h"

#include <string.h>

struct pmap {
	int unused;
};

static struct pmap fake_pmap_instance;

struct fake_pmap_call fake_pmap_calls[FAKE_PMAP_MAXCALLS];
int fake_pmap_ncalls;

struct pmap *
fake_pmap(void)
{
	return (&fake_pmap_instance);
}

void
fake_pmap_reset(void)
{
	fake_pmap_ncalls = 0;
}

static struct fake_pmap_call *
fake_pmap_record(enum fake_pmap_op op)
{
	struct fake_pmap_call *c;

	KASSERT(fake_pmap_ncalls < FAKE_PMAP_MAXCALLS,
	    ("fake_pmap: more than %d calls recorded", FAKE_PMAP_MAXCALLS));
	c = &fake_pmap_calls[fake_pmap_ncalls++];
	memset(c, 0, sizeof(*c));
	c->op = op;
	return (c);
}

void
pmap_remove(struct pmap *pmap, vm_offset_t sva, vm_offset_t eva)
{
	struct fake_pmap_call *c;

	c = fake_pmap_record(FAKE_PMAP_REMOVE);
	c->pmap = pmap;
	c->sva = sva;
	c->eva = eva;
}

void
pmap_protect(struct pmap *pmap, vm_offset_t sva, vm_offset_t eva, vm_prot_t prot)
{
	struct fake_pmap_call *c;

	c = fake_pmap_record(FAKE_PMAP_PROTECT);
	c->pmap = pmap;
	c->sva = sva;
	c->eva = eva;
	c->prot = prot;
}

void
pmap_zero_page(vm_page_t m)
{
	struct fake_pmap_call *c;

	KASSERT(vm_phys_dmap != NULL, ("fake pmap_zero_page: no direct map"));
	memset(vm_phys_dmap_ptr(VM_PAGE_TO_PHYS(m)), 0, PAGE_SIZE);
	c = fake_pmap_record(FAKE_PMAP_ZERO_PAGE);
	c->pa = VM_PAGE_TO_PHYS(m);
}
