/*
 * tests/unit/vm/test_vm_fork.c — vm_map_fork (vmspace_fork's map part)
 * against the fake pmap: COPY entries become copy-on-write in both maps
 * with the source write-protected, the first write in either process
 * shadows the object and copies the page (cow_copy), the other still sees
 * the old data; SHARE entries share one object (an object made first for
 * an untouched entry, a shadow first for a NEEDS_COPY one); NONE entries
 * are left out; wired entries are copied at once; the fork charge of the
 * VM-SPEC scenario (4 mlocked pages + an 8-page charged object = 4 + 2x8
 * pages); reference counts throughout, and the collapse that follows the
 * child's exit.
 */
#include <stdio.h>
#include <string.h>

#include "tests/tap.h"
#include "tests/unit/vm/vm_harness.h"
#include "vm/swap_pager.h"
#include "vm/vm_fault.h"
#include "vm/vm_object.h"

#define RW	(VM_PROT_READ | VM_PROT_WRITE)

static struct vm_map_entry *
entry_at(struct vm_map *map, vm_offset_t va)
{
	struct vm_map_entry *e;

	return (vm_map_lookup_entry(map, va, &e) ? e : NULL);
}

static int
nprotect_calls(struct pmap *pmap, vm_offset_t s, vm_offset_t e, vm_prot_t prot)
{
	int i, n = 0;

	for (i = 0; i < fake_pmap_ncalls; i++)
		if (fake_pmap_calls[i].op == FAKE_PMAP_PROTECT &&
		    fake_pmap_calls[i].pmap == pmap && fake_pmap_calls[i].sva == s &&
		    fake_pmap_calls[i].eva == e && fake_pmap_calls[i].prot == prot)
			n++;
	return (n);
}

static void
test_copy(void)
{
	struct vm_map *parent, *child, *maps[2];
	struct vm_map_entry *pe, *ce;
	struct vm_object *obj;
	vm_ooffset_t charge;
	uint64_t cow0;
	unsigned long free0;
	int i, rv, good;

	harness_boot(256);
	free0 = harness_nfree();
	parent = harness_proc();
	ok(vm_map_insert(parent, NULL, 0, HP(0), HP(4), RW, VM_PROT_ALL, 0) ==
	    KERN_SUCCESS && swap_reserved() == ptoa(4),
	    "copy: a 4-page anonymous RW entry, charged 4 pages");
	for (i = 0; i < 4; i++)
		harness_access(parent, HP(i), true, (uint8_t)(10 + i), NULL);
	pe = entry_at(parent, HP(0));
	obj = pe->object;
	ok(obj != NULL && obj->resident_page_count == 4 && obj->cred != NULL &&
	    obj->charge == ptoa(4) && pe->cred == NULL,
	    "copy: four zero-fill faults; the charge moved to the object");

	child = harness_proc();
	fake_pmap_reset();
	charge = 0;
	rv = vm_map_fork(child, parent, &charge);
	ce = entry_at(child, HP(0));
	ok(rv == KERN_SUCCESS && child->nentries == 1 && ce != NULL &&
	    ce->object == obj && pe->object == obj && obj->ref_count == 2,
	    "copy: the child's entry maps the same object, +1 reference");
	ok((pe->eflags & (MAP_ENTRY_COW | MAP_ENTRY_NEEDS_COPY)) ==
	    (MAP_ENTRY_COW | MAP_ENTRY_NEEDS_COPY) &&
	    (ce->eflags & (MAP_ENTRY_COW | MAP_ENTRY_NEEDS_COPY)) ==
	    (MAP_ENTRY_COW | MAP_ENTRY_NEEDS_COPY),
	    "copy: both entries copy-on-write, needing their copy");
	ok(nprotect_calls(parent->pmap, HP(0), HP(4), VM_PROT_READ) == 1 &&
	    fake_pmap_count(child->pmap) == 0,
	    "copy: the parent's range write-protected (one pmap_protect R), the "
	    "child's pmap empty");
	ok(charge == ptoa(8) && pe->cred != NULL && ce->cred != NULL,
	    "copy: fork charge 2 x 4 pages (child entry + parent's next copy)");
	ok(swap_reserve(charge) == 1 && swap_reserved() == ptoa(12),
	    "copy: the caller reserves the fork charge");

	cow0 = vm_fault_stats()->cow_copy;
	ok(harness_access(child, HP(0), false, 0, NULL) == 10,
	    "copy: the child reads the parent's data");
	harness_access(child, HP(1), true, 99, NULL);
	ce = entry_at(child, HP(0));
	ok(vm_fault_stats()->cow_copy == cow0 + 1 && ce->object != obj &&
	    ce->object->backing_object == obj && obj->shadow_count == 1 &&
	    obj->ref_count == 2 && ce->object->cred != NULL && ce->cred == NULL,
	    "copy: the child's write shadows the shared object (charge moved to "
	    "the shadow) and copies one page");
	ok(harness_access(parent, HP(1), false, 0, NULL) == 11,
	    "copy: the parent still reads its own data");
	harness_access(parent, HP(2), true, 77, NULL);
	pe = entry_at(parent, HP(0));
	ok(vm_fault_stats()->cow_copy == cow0 + 2 && pe->object != obj &&
	    pe->object->backing_object == obj && obj->shadow_count == 2,
	    "copy: the parent's write shadows and copies too");
	ok(harness_access(child, HP(2), false, 0, NULL) == 12 &&
	    harness_access(child, HP(1), false, 0, NULL) == 99,
	    "copy: the child keeps its view");
	maps[0] = parent;
	maps[1] = child;
	ok(harness_checks(maps, 2), "copy: maps, pages and objects consistent");

	harness_exit(child);
	pe = entry_at(parent, HP(0));
	ok(pe->object->backing_object == NULL && pe->object->resident_page_count == 4 &&
	    vm_object_count() == 1,
	    "copy: the child's exit leaves the parent's shadow alone on the "
	    "backer, which collapses into it");
	good = 1;
	for (i = 0; i < 4; i++)
		good &= harness_access(parent, HP(i), false, 0, NULL) ==
		    (i == 2 ? 77 : 10 + i);
	ok(good && swap_reserved() == ptoa(4) && harness_checks(&parent, 1),
	    "copy: parent's data intact, charges back to its 4 pages");
	harness_exit(parent);
	ok(vm_object_count() == 0 && harness_nfree() == free0 &&
	    swap_reserved() == 0, "copy: everything freed and uncharged");
}

static void
test_share_none(void)
{
	struct vm_map *parent, *c1, *c2, *maps[3];
	struct vm_map_entry *pe, *e;
	struct vm_object *obj;
	vm_ooffset_t charge;
	unsigned long free0;

	harness_boot(256);
	free0 = harness_nfree();
	parent = harness_proc();
	vm_map_insert(parent, NULL, 0, HP(0), HP(2), RW, VM_PROT_ALL,
	    MAP_INHERIT_SHARE);
	vm_map_insert(parent, NULL, 0, HP(8), HP(10), RW, VM_PROT_ALL, 0);
	vm_map_insert(parent, NULL, 0, HP(20), HP(22), RW, VM_PROT_ALL, 0);
	ok(vm_map_inherit(parent, HP(20), HP(22), VM_INHERIT_NONE) == KERN_SUCCESS &&
	    vm_map_inherit(parent, HP(20), HP(22), 7) == KERN_INVALID_ARGUMENT,
	    "share: minherit NONE on the third entry; a bad value refused");
	c1 = harness_proc();
	fake_pmap_reset();
	charge = 0;
	ok(vm_map_fork(c1, parent, &charge) == KERN_SUCCESS && c1->nentries == 2 &&
	    entry_at(c1, HP(20)) == NULL, "share: NONE entry not inherited");
	pe = entry_at(parent, HP(0));
	e = entry_at(c1, HP(0));
	ok(pe->object != NULL && e->object == pe->object &&
	    pe->object->ref_count == 2 && pe->object->cred != NULL &&
	    pe->cred == NULL && e->cred == NULL &&
	    e->inheritance == VM_INHERIT_SHARE &&
	    (e->eflags & MAP_ENTRY_COW) == 0,
	    "share: an object made for the untouched entry, shared, the charge "
	    "moved into it");
	ok(nprotect_calls(parent->pmap, HP(0), HP(2), VM_PROT_READ) == 0 &&
	    charge == ptoa(2), "share: no write protection; only the COPY entry "
	    "is charged at fork (2 pages)");
	swap_reserve(charge);
	harness_access(c1, HP(0), true, 5, NULL);
	harness_access(parent, HP(1), true, 6, NULL);
	ok(harness_access(parent, HP(0), false, 0, NULL) == 5 &&
	    harness_access(c1, HP(1), false, 0, NULL) == 6,
	    "share: each sees the other's writes");

	/* SHARE of an entry that still needs its copy: the copy is made
	 * first, in the parent, and that is what the child shares. */
	harness_access(parent, HP(8), true, 40, NULL);	/* NEEDS_COPY -> shadow */
	harness_exit(c1);
	c1 = harness_proc();		/* a new COPY child: NEEDS_COPY again */
	charge = 0;
	vm_map_fork(c1, parent, &charge);
	swap_reserve(charge);
	pe = entry_at(parent, HP(8));
	obj = pe->object;
	ok((pe->eflags & MAP_ENTRY_NEEDS_COPY) != 0 && obj->ref_count == 2,
	    "share: the parent's entry is NEEDS_COPY after a COPY fork");
	vm_map_inherit(parent, HP(8), HP(10), VM_INHERIT_SHARE);
	c2 = harness_proc();
	charge = 0;
	vm_map_fork(c2, parent, &charge);
	swap_reserve(charge);
	pe = entry_at(parent, HP(8));
	e = entry_at(c2, HP(8));
	ok(pe->object != obj && pe->object->backing_object == obj &&
	    e->object == pe->object && (pe->eflags & MAP_ENTRY_NEEDS_COPY) == 0 &&
	    pe->object->ref_count == 2,
	    "share: a NEEDS_COPY entry gets its shadow first; the child shares "
	    "the shadow");
	harness_access(c2, HP(9), true, 41, NULL);
	ok(harness_access(parent, HP(9), false, 0, NULL) == 41 &&
	    harness_access(c1, HP(9), false, 0, NULL) == 0 &&
	    harness_access(c1, HP(8), false, 0, NULL) == 40,
	    "share: the sharer's write is the parent's, not the COPY child's");
	maps[0] = parent;
	maps[1] = c1;
	maps[2] = c2;
	ok(harness_checks(maps, 3), "share: consistent");
	harness_exit(c2);
	harness_exit(c1);
	harness_exit(parent);
	ok(vm_object_count() == 0 && harness_nfree() == free0 &&
	    swap_reserved() == 0, "share: everything freed and uncharged");
}

/* VM-SPEC: fork with 4 mlocked pages and an 8-page charged object adds
 * 4 + 2x8 pages. */
static void
test_wired_charge(void)
{
	struct vm_map *parent, *child, *maps[2];
	struct vm_map_entry *pe, *ce;
	vm_ooffset_t charge, before;
	uint64_t faults0;
	bool wired;
	vm_prot_t prot;
	vm_page_t m;
	int i, good;

	harness_boot(256);
	parent = harness_proc();
	vm_map_insert(parent, NULL, 0, HP(0), HP(4), RW, VM_PROT_ALL, 0);
	vm_map_insert(parent, NULL, 0, HP(10), HP(18), RW, VM_PROT_ALL, 0);
	for (i = 0; i < 8; i++)
		harness_access(parent, HP(10 + i), true, (uint8_t)(50 + i), NULL);
	ok(vm_map_wire(parent, HP(0), HP(4), VM_MAP_WIRE_USER) == KERN_SUCCESS,
	    "wired fork: mlock 4 pages");
	for (i = 0; i < 4; i++)
		harness_access(parent, HP(i), true, (uint8_t)(30 + i), NULL);
	before = swap_reserved();
	child = harness_proc();
	fake_pmap_reset();
	charge = 0;
	i = vm_map_fork(child, parent, &charge);
	ok(i == KERN_SUCCESS && charge == ptoa(4 + 2 * 8),
	    "wired fork: fork charge is 4 + 2x8 pages (%llu)",
	    (unsigned long long)atop(charge));
	ok(swap_reserve(charge) && swap_reserved() == before + ptoa(20),
	    "wired fork: reserved");
	pe = entry_at(parent, HP(0));
	ce = entry_at(child, HP(0));
	ok(ce->object != pe->object && ce->object->ref_count == 1 &&
	    ce->object->cred != NULL && ce->object->charge == ptoa(4) &&
	    ce->wired_count == 0 && (ce->eflags & MAP_ENTRY_USER_WIRED) == 0 &&
	    pe->wired_count == 1 && (pe->eflags & MAP_ENTRY_NEEDS_COPY) == 0,
	    "wired fork: the child's copy is a private charged object, unwired; "
	    "the parent stays wired and private");
	ok(nprotect_calls(parent->pmap, HP(0), HP(4), VM_PROT_READ) == 0 &&
	    fake_pmap_count(child->pmap) == 8 - 4,
	    "wired fork: no write protection of the wired range; the copies are "
	    "mapped in the child at once");
	good = 1;
	for (i = 0; i < 4; i++) {
		m = fake_pmap_lookup(child->pmap, HP(i), &prot, &wired);
		good &= m != NULL && m->wire_count == 0 && !wired &&
		    m->object == ce->object;
	}
	faults0 = vm_fault_stats()->zero_fill + vm_fault_stats()->cow_copy +
	    vm_fault_stats()->soft + vm_fault_stats()->cow_reuse;
	for (i = 0; i < 4; i++)
		good &= harness_access(child, HP(i), false, 0, NULL) == 30 + i;
	harness_access(child, HP(0), true, 1, NULL);
	harness_access(parent, HP(1), true, 2, NULL);
	good &= harness_access(parent, HP(0), false, 0, NULL) == 30 &&
	    harness_access(child, HP(1), false, 0, NULL) == 31;
	ok(good && vm_fault_stats()->zero_fill + vm_fault_stats()->cow_copy +
	    vm_fault_stats()->soft + vm_fault_stats()->cow_reuse == faults0,
	    "wired fork: the copied pages are the parent's data, private, and "
	    "neither side faults on them");
	maps[0] = parent;
	maps[1] = child;
	ok(harness_checks(maps, 2), "wired fork: consistent");
	harness_exit(child);
	harness_exit(parent);
	ok(vm_object_count() == 0 && swap_reserved() == 0,
	    "wired fork: all released (the wired parent entry unwired at exit)");
}

/* madvise(MADV_DONTNEED): private pages freed, shared ones kept. */
static void
test_dontneed(void)
{
	struct vm_map *parent, *child, *maps[2];
	vm_ooffset_t charge;
	unsigned long nfree;

	harness_boot(128);
	parent = harness_proc();
	vm_map_insert(parent, NULL, 0, HP(0), HP(2), RW, VM_PROT_ALL, 0);
	vm_map_insert(parent, NULL, 0, HP(4), HP(6), RW, VM_PROT_ALL, 0);
	harness_access(parent, HP(0), true, 7, NULL);
	harness_access(parent, HP(1), true, 8, NULL);
	harness_access(parent, HP(4), true, 9, NULL);
	nfree = harness_nfree();
	vm_map_madvise_dontneed(parent, HP(1), HP(2));
	ok(harness_nfree() == nfree + 1 &&
	    harness_access(parent, HP(1), false, 0, NULL) == 0 &&
	    harness_access(parent, HP(0), false, 0, NULL) == 7,
	    "dontneed: a private page is freed and reads zero again");
	child = harness_proc();
	charge = 0;
	vm_map_fork(child, parent, &charge);
	swap_reserve(charge);
	vm_map_madvise_dontneed(child, HP(4), HP(6));
	ok(harness_access(parent, HP(4), false, 0, NULL) == 9 &&
	    harness_access(child, HP(4), false, 0, NULL) == 9,
	    "dontneed: a page shared copy-on-write with the parent stays");
	maps[0] = parent;
	maps[1] = child;
	ok(harness_checks(maps, 2), "dontneed: no freed page left mapped");
	harness_exit(child);
	harness_exit(parent);
}

int
main(void)
{
	test_dontneed();
	test_copy();
	test_share_none();
	test_wired_charge();
	return (tap_done());
}
