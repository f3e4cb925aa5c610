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
/*
 * The address space of pmap is being torn down and no thread will run in
 * it again (exit, the old image of execve): every CPU drops it now
 * (FreeBSD switches to vmspace0 and lets pmap_remove_pages go without
 * shootdowns).  amd64: the CPUs running it leave pm_active, marked stale
 * for its PCID (flushed when the PCID is next loaded), CR3 goes to the
 * kernel's tables; MIPS: its ASID generation is retired on every CPU (its
 * ASID is not handed out again before the next wrap flushes the TLB).
 * The removals that follow then need no shootdown and log none.
 */
void pmap_deactivate_all(struct pmap *pmap);
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

/*
 * ---- SMP: shootdowns (VM-SPEC "pmap", DESIGN.md 5) ----
 *
 * Every invalidation a pmap operation needs on other CPUs is a
 * synchronous rendezvous: the initiator (the CPU in event_context()->cpu)
 * decides the targets by the MD rules (amd64: the kernel pmap, or a pmap
 * active on every CPU -> all others; else the CPUs in pm_active; MIPS:
 * every CPU, each checking its ASID generation), each target invalidates
 * before the initiator continues.  Each operation logs one EV_SHOOTDOWN
 * (type = the reason, va = start, detail "page|range|all end=0x...
 * targets=0x<mask of remote CPUs>") and one EV_IPI per remote target
 * (detail "to=N"); the initiator is charged cost.ipi_send per target,
 * each target cost.ipi_recv.  A local-only invalidation logs a shootdown
 * with targets=0x0 (amd64) so a diff sees it.
 *
 * What is logged (one event per operation that invalidates something a
 * TLB may hold, never per untouched page): amd64, one event per
 * pmap_enter/remove/protect/pte change (kind page for one page, range for
 * up to 32, all beyond) covering the PTEs that had PG_A (only those can
 * be cached) and were removed, lost rights or changed frame, and only
 * when the pmap is active somewhere (CPUs that ran it earlier flush its
 * PCID lazily, without IPI); the kernel pmap always targets every CPU.
 * MIPS, one rendezvous per page (every CPU a target) whose valid PTE was
 * removed or lost its frame, cache mode or D, and only when some CPU
 * holds a current ASID generation for the pmap; a pmap_enter that only
 * adds updates the initiator's TLB pair in place without a rendezvous
 * unless another CPU holds a current ASID for the pmap.
 *
 * The reason is set by the caller around the operation (what the kernel
 * is doing): pmap_reason_set returns the previous one, to be restored.
 * Reasons are static strings: "munmap", "mprotect", "cow", "pageout",
 * "exit", "exec", "fork", "msync", "madvise", "kernel" (kmem, kstacks),
 * "other" (the default).
 */
const char *pmap_reason_set(const char *reason);
const char *pmap_reason(void);
/*
 * The teaching knob --bug skip-shootdown: remote invalidations are
 * omitted (the rendezvous still logs the shootdown, with "skipped" in its
 * detail).  The CPUs left with stale entries are told which VAs
 * (mmu_stale_watch), so that an access through such an entry logs
 * EV_STALE_TLB (once per entry).  pmap_check then tolerates those stale
 * remote entries.  Kernel mappings are always shot down.
 */
void pmap_set_skip_shootdown(bool on);
bool pmap_skip_shootdown(void);

/*
 * ---- kernel virtual memory (the kernel pmap) ----
 *
 * Kernel VA [pmap_kva_min, pmap_kva_max): MIPS kseg2 (0xc0000000 up,
 * through the TLB with G set, kernel segment table shared by every
 * pmap); amd64 one PML4 slot of the upper half (0xfffffe0000000000,
 * 512 GiB) whose PML4 entry is copied into every user pmap, leaves with
 * PG_G.  Kernel mappings are wired, read/write, supervisor only.
 * Changes are shot down on every CPU (reason as set; default "kernel").
 */
extern vm_offset_t pmap_kva_min, pmap_kva_max;
/* Map count pages ma[] at va.. (FreeBSD pmap_qenter); unmap them. */
void pmap_qenter(vm_offset_t va, vm_page_t *ma, int count);
void pmap_qremove(vm_offset_t va, int count);
/* Map one physical page at kernel va (pmap_kenter: write-back;
 * pmap_kenter_attr: memory attribute ma), unmap (pmap_kremove), and look
 * up (0: not mapped).  pmap_qenter maps each page with its m->memattr. */
void pmap_kenter(vm_offset_t va, vm_paddr_t pa);
void pmap_kenter_attr(vm_offset_t va, vm_paddr_t pa, vm_memattr_t ma);
void pmap_kremove(vm_offset_t va);
vm_paddr_t pmap_kextract(vm_offset_t va);
/* MIPS: round *addr up to an even page so that a 2-page stack is one
 * TLB pair (FreeBSD pmap_align_tlb); amd64: no-op. */
void pmap_align_tlb(vm_offset_t *addr);

/*
 * Context switch to a thread whose kernel stack is [kstack, kstack +
 * 2 pages) (MIPS: probe the TLB for a duplicate of the pair and
 * invalidate it, then write the pair into wired entry 0 with G set;
 * amd64: nothing, the stack is reached through the page tables).
 * pmap_pcpu_set gives cpu its per-CPU page at kernel va (MIPS on SMP:
 * wired entry 1).  Both with the pages already entered (pmap_qenter).
 */
void pmap_kstack_switch(struct mmu_cpu *cpu, vm_offset_t kstack);
void pmap_pcpu_set(struct mmu_cpu *cpu, vm_offset_t va);
/* TLB entries the MIPS kernel wires: 1 on UP (the kstack), 2 on SMP. */
unsigned pmap_mips_wired_needed(int ncpus);

/*
 * Make the instruction caches coherent with memory for the user range
 * [va, va + len) of pmap after the kernel wrote instructions there
 * (FreeBSD pmap_sync_icache; VM-SPEC "Debugger access and I-cache
 * sync").  MIPS: D-cache write-back and I-cache invalidate through the
 * physical alias (the pmap need not be current), logging one
 * EV_ICACHE_SYNC on the initiating CPU (other CPUs' I-cache lines of
 * those frames are dropped as well, silently).  amd64: coherent, nothing.
 */
void pmap_sync_icache(struct pmap *pmap, vm_offset_t va, vm_size_t len);

/*
 * Memory attributes (VM-SPEC "Memory attributes"): pmap_page_set_memattr
 * sets m->memattr and rewrites every mapping of m (its pv list; for a
 * fictitious page the mappings entered since) and, on amd64, the page's
 * direct-map entry, with the shootdowns that takes (reason "memattr");
 * later pmap_enter and pmap_qenter of m use it.  amd64: the PAT, PCD and
 * PWT bits of the PTE (a PAT layout with WB, WT, UC-, UC, WC is
 * documented in vm/amd64/pmap.c); MIPS: the EntryLo C field (3 cacheable
 * noncoherent write-back, 2 uncached, 7 uncached accelerated for WC; WT
 * is mapped as 1, cacheable write-through).  The TLBs carry the
 * attribute, and mmu_access honours it.
 */
void pmap_page_set_memattr(vm_page_t m, vm_memattr_t ma);
vm_memattr_t pmap_page_get_memattr(vm_page_t m);

/* Page-table pages in use (for the summary). */
unsigned long pmap_ptpages(struct pmap *pmap);
/* Invariant: the tables and every TLB agree (no TLB entry grants more
 * than the tables).  0, or -1 with a message. */
int pmap_check(struct pmap *pmap, char *msg, size_t msglen);

#endif
