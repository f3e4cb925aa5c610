/*
 * vm/pmap.h — the physical-map contract (FreeBSD sys/vm/pmap.h).
 *
 * Each machine-dependent implementation (vm/mips/pmap.c, vm/amd64/pmap.c)
 * is required to provide the functions below.  A pmap owns the page
 * tables of one address space, written in the real hardware format into
 * simulated physical memory, and keeps every CPU's TLB consistent with
 * them: after pmap_enter/remove/protect returns, no CPU's TLB holds a
 * translation the tables do not allow (that is the shootdown duty).
 *
 * Only vm/ and sim/kern call these.  The machine (the physical memory and
 * the CPUs' MMU state) is handed over once with pmap_bootstrap().
 */
#ifndef VM_PMAP_H
#define VM_PMAP_H

#include "sim/base/base.h"
#include "vm/vm_page.h"

struct pmap;
struct physmem;
struct mmu_cpu;

/* The machine the pmap layer drives. */
struct pmap_machine {
	enum sim_arch arch;
	struct physmem *pm;
	struct mmu_cpu **cpus;		/* cpus[0..ncpus) */
	int ncpus;
};

void pmap_bootstrap(const struct pmap_machine *mach);

/* A new user pmap (empty tables), or NULL when no page can be had. */
struct pmap *pmap_create(void);
/* Free the tables (every mapping must have been removed) and the pmap. */
void pmap_destroy(struct pmap *pmap);

/*
 * Map va -> m with prot in pmap; replace any old mapping (invalidating it
 * in every TLB).  wired marks the PTE wired.  access is the access that
 * caused the fault (VM_PROT_WRITE -> the page may be mapped dirty at
 * once).  Returns KERN_SUCCESS or KERN_RESOURCE_SHORTAGE (no page for a
 * page-table page).
 */
int pmap_enter(struct pmap *pmap, vm_offset_t va, vm_prot_t access,
    vm_page_t m, vm_prot_t prot, bool wired);
/* Remove the mappings in [sva, eva). */
void pmap_remove(struct pmap *pmap, vm_offset_t sva, vm_offset_t eva);
/* Reduce the protection of [sva, eva) to prot (never raises it). */
void pmap_protect(struct pmap *pmap, vm_offset_t sva, vm_offset_t eva, vm_prot_t prot);
/* The physical address va maps to, or 0 (not mapped). */
vm_paddr_t pmap_extract(struct pmap *pmap, vm_offset_t va);
/*
 * The page va maps, held (vm_page_hold), if the mapping allows prot; NULL
 * if va is not mapped, not with prot, or maps memory without a vm_page
 * (device memory).  (FreeBSD pmap_extract_and_hold.)
 */
vm_page_t pmap_extract_and_hold(struct pmap *pmap, vm_offset_t va, vm_prot_t prot);
/* Set or clear the wired attribute of va's mapping (no-op if none). */
void pmap_change_wiring(struct pmap *pmap, vm_offset_t va, bool wired);
/* Wired mappings in pmap. */
unsigned long pmap_wired_count(struct pmap *pmap);
/* The mapping's protection as the tables say (VM_PROT_NONE if none). */
vm_prot_t pmap_prot(struct pmap *pmap, vm_offset_t va);
/* Make pmap the one cpu translates with (MIPS: ASID; amd64: CR3/PCID). */
void pmap_activate(struct pmap *pmap, struct mmu_cpu *cpu);
/* Zero / copy a physical page through the direct map. */
void pmap_zero_page(vm_page_t m);
void pmap_copy_page(vm_page_t src, vm_page_t dst);

/*
 * Machine-dependent exception entry for the hardware model's TLB
 * exceptions that the pmap itself resolves:
 *  - MIPS TLB Refill: load the PTE pair for va from the current pmap's
 *    tables and TLBWR it (an invalid pair is loaded too: the retry then
 *    raises TLB Invalid).  Returns 0.
 *  - MIPS TLB Modified: if the PTE is writable but clean, set D in the
 *    table and the TLB (pmap_emulate_modified), return 0; else return -1
 *    (vm_fault must handle a write fault).
 */
int pmap_tlb_refill(struct mmu_cpu *cpu, vm_offset_t va);
int pmap_emulate_modified(struct pmap *pmap, struct mmu_cpu *cpu, vm_offset_t va);

/*
 * Per-page operations over the page's pv list (every mapping of a managed
 * page, in every pmap; FreeBSD 2010 semantics):
 *  - pmap_remove_all: remove every mapping of m (each shot down on every
 *    CPU as pmap_remove does); the modified bits go to m (vm_page_dirty).
 *  - pmap_is_modified: some mapping of m has been written through (amd64
 *    PG_M, MIPS D).  pmap_clear_modify clears those bits (and the TLBs'
 *    copies), so the next store sets them again.
 *  - pmap_ts_referenced: test and clear the referenced state: the number
 *    of mappings of m referenced since the last call (amd64: PG_A, set by
 *    the walker; MIPS has no referenced bit: a mapping counts as
 *    referenced when it was entered, i.e. at the fault, a software bit).
 *  - pmap_page_is_mapped: m has a mapping.
 * Fictitious pages have no pv list: these see no mappings.
 */
void pmap_remove_all(vm_page_t m);
bool pmap_is_modified(vm_page_t m);
void pmap_clear_modify(vm_page_t m);
int pmap_ts_referenced(vm_page_t m);
bool pmap_page_is_mapped(vm_page_t m);

/* Page-table pages in use (for the summary). */
unsigned long pmap_ptpages(struct pmap *pmap);
/* Invariant: the tables and every TLB agree (no TLB entry grants more
 * than the tables).  0, or -1 with a message. */
int pmap_check(struct pmap *pmap, char *msg, size_t msglen);

#endif
