/*
 * tests/unit/vm/fake_pmap.h — a recording stand-in for the pmap layer, so
 * the machine-independent vm/ code can be unit-tested without page tables
 * or CPUs.  The pmap.h functions vm_map/vm_object/vm_page/vm_fault call
 * are provided: removals and protection changes are recorded for the
 * tests to inspect, and every pmap keeps its mappings (va -> page,
 * protection, wired) in a plain array, so faults, holds and wiring work
 * as against a real pmap.  Kernel mappings (pmap_qenter, pmap_kenter) are
 * a separate array, unmanaged as in FreeBSD (no pv entries: the per-page
 * operations do not see them).  pmap_page_set_memattr sets m->memattr
 * and records the call (the fake has no attribute bits to rewrite).
 */
#ifndef TESTS_UNIT_VM_FAKE_PMAP_H
#define TESTS_UNIT_VM_FAKE_PMAP_H

#include "vm/pmap.h"

enum fake_pmap_op {
	FAKE_PMAP_REMOVE,
	FAKE_PMAP_PROTECT,
	FAKE_PMAP_ZERO_PAGE,
	FAKE_PMAP_ENTER,
	FAKE_PMAP_QENTER,	/* sva, eva: the pages entered */
	FAKE_PMAP_QREMOVE,	/* sva, eva */
	FAKE_PMAP_SYNC_ICACHE,	/* pmap, sva, eva */
	FAKE_PMAP_SET_MEMATTR,	/* pa, memattr (pmap_page_set_memattr) */
};

struct fake_pmap_call {
	enum fake_pmap_op op;
	struct pmap *pmap;
	vm_offset_t sva, eva;	/* remove, protect; enter: sva = va */
	vm_prot_t prot;		/* protect, enter */
	vm_paddr_t pa;		/* zero_page, enter */
	bool wired;		/* enter */
	vm_memattr_t memattr;	/* set_memattr */
};

#define FAKE_PMAP_MAXCALLS	4096

extern struct fake_pmap_call fake_pmap_calls[FAKE_PMAP_MAXCALLS];
extern int fake_pmap_ncalls;

/* A pmap pointer to hand to vm_map_init (one shared instance). */
struct pmap *fake_pmap(void);
/* A pmap of its own (e.g. a forked child's); fake_pmap_destroy frees it. */
struct pmap *fake_pmap_create(void);
void fake_pmap_destroy(struct pmap *pmap);
/* Forget the recorded calls. */
void fake_pmap_reset(void);
/* Forget pmap's mappings (the shared instance between tests). */
void fake_pmap_clear(struct pmap *pmap);
/* va's mapping: its page (NULL: none), protection and wiring. */
vm_page_t fake_pmap_lookup(struct pmap *pmap, vm_offset_t va, vm_prot_t *prot,
    bool *wired);
/* Number of mappings in pmap. */
int fake_pmap_count(struct pmap *pmap);
/* The MMU referenced va through pmap (sets the mapping's referenced bit,
 * which pmap_ts_referenced reports and clears). */
void fake_pmap_reference(struct pmap *pmap, vm_offset_t va);

/*
 * The kernel pmap of the fake: kernel VA [pmap_kva_min, pmap_kva_max)
 * (default FAKE_KVA_MIN, FAKE_KVA_SIZE bytes) maps va -> pa through
 * pmap_qenter/pmap_kenter; pmap_align_tlb rounds to an even page in MIPS
 * mode (the default) and does nothing in amd64 mode.
 * fake_pmap_kernel_reset forgets every kernel mapping and sets the range
 * and the mode.
 */
#define FAKE_KVA_MIN	((vm_offset_t)0xc0000000)
#define FAKE_KVA_SIZE	((vm_offset_t)64 << 20)
void fake_pmap_kernel_reset(vm_offset_t kva_min, vm_offset_t kva_max, bool mips);
/* Kernel mappings now. */
int fake_pmap_kcount(void);

#endif
