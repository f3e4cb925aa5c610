/*
 * vm/mips/pmap.c — the MIPS32 physical map (FreeBSD sys/mips/mips/pmap.c
 * as of 2010), over the software-refilled joint TLB of mmu/tlb_mips.h
 * ("MIPS32 Architecture for Programmers Vol. III", chapter 4).
 *
 * A user pmap covers kuseg, [0, 0x80000000).  Its tables are FreeBSD/MIPS's
 * two levels, written into simulated physical memory in the guest's byte
 * order (big-endian for ARCH_MIPS, little-endian for ARCH_MIPSEL):
 *
 *    VA  31            22 21            12 11             0
 *       +----------------+----------------+----------------+
 *       | segment index  |   PTE index    |     offset     |
 *       +----------------+----------------+----------------+
 *
 *  - the segment table: one page of 1024 32-bit words; word i is the
 *    physical address of the page-table page mapping [i<<22, (i+1)<<22),
 *    or 0;
 *  - a page-table page: 1024 32-bit PTEs in EntryLo format, plus two
 *    software bits the TLB never sees (stripped by the refill handler):
 *
 *      31   30   29                 6 5     3  2   1   0
 *     +---+-----+--------------------+-------+---+---+---+
 *     | W |WIRED|        PFN         |   C   | D | V | G |
 *     +---+-----+--------------------+-------+---+---+---+
 *
 * D is the hardware "writable" bit: a writable page is mapped clean (W, not
 * D) until its first store raises TLB Modified, and pmap_emulate_modified
 * then sets D — that is how MIPS tracks dirty pages.
 *
 * ASIDs are 8 bits, allocated per CPU with generations: a pmap's ASID on a
 * CPU is valid while its generation equals the CPU's.  When a CPU runs out
 * of ASIDs it flushes its non-wired TLB entries and starts a new
 * generation, which retires every pmap's ASID on that CPU at once.
 *
 * Shootdown (VM-SPEC "MIPS shootdown"): every invalidation is a rendezvous
 * on all CPUs, page by page; on each CPU, a pmap whose generation is stale
 * needs nothing, an active one is probed by (va, ASID) and invalidated, an
 * inactive one with a current generation just loses its generation (it
 * gets a fresh ASID, hence an empty TLB, at its next activation).
 *
 * XXX: page-table pages are freed only at pmap_destroy (FreeBSD frees a
 * page-table page when its last PTE goes); IPI cycles are not charged yet
 * (no cost-table field); there is no kernel pmap here: kseg2 mappings
 * (kernel stacks) are the wired TLB slots, which this file never touches.
 */
#include "vm/pmap_md.h"

#include <stdio.h>
#include <stdlib.h>

#include "mmu/mmu.h"
#include "mmu/physmem.h"
#include "mmu/tlb_mips.h"

/* Software PTE bits (above the 30 bits EntryLo uses; stripped for the TLB). */
#define PTE_W		0x80000000u	/* writable: D may be set at the first store */
#define PTE_WIRED	0x40000000u	/* wired mapping (pmap_enter wired) */
/* The bits the TLB sees. */
#define PTE_HW_MASK	(MIPS_LO_PFN_MASK | MIPS_LO_C_MASK | MIPS_LO_D | \
			 MIPS_LO_V | MIPS_LO_G)

#define SEG_SHIFT	22			/* one segment-table word maps 4 MiB */
#define SEG_SIZE	((vm_offset_t)1 << SEG_SHIFT)
#define NPTEPG		(PAGE_SIZE / 4)		/* 32-bit PTEs per page */
#define NSEGPG		(PAGE_SIZE / 4)		/* segment-table words per page */
#define KUSEG_END	((vm_offset_t)MIPS_KSEG0_BASE)	/* user space ends */
#define KSEG2_BASE	((vm_offset_t)0xc0000000u)	/* mapped kernel space */

#define PTE_TO_PA(pte)	((vm_paddr_t)(((pte) & MIPS_LO_PFN_MASK) >> \
			    MIPS_LO_PFN_SHIFT) << PAGE_SHIFT)
#define PA_TO_PFN(pa)	((uint32_t)((pa) >> PAGE_SHIFT) << MIPS_LO_PFN_SHIFT)

/* Tables are in the guest's byte order. */
static bool
pmap_mips_be(void)
{
	return (pmap_mach.arch == ARCH_MIPS);
}

static uint32_t
pmap_mips_ld(vm_paddr_t pa)
{
	return (physmem_ld32(pmap_mach.pm, pa, pmap_mips_be()));
}

static void
pmap_mips_st(vm_paddr_t pa, uint32_t v)
{
	physmem_st32(pmap_mach.pm, pa, v, pmap_mips_be());
}

/* The physical address of va's segment-table word. */
static vm_paddr_t
pmap_mips_segpa(struct pmap *pmap, vm_offset_t va)
{
	return (pmap->pm_root->phys_addr + ((va >> SEG_SHIFT) & (NSEGPG - 1)) * 4);
}

/* The physical address of va's PTE, or 0 when no page-table page maps it. */
static vm_paddr_t
pmap_mips_ptepa(struct pmap *pmap, vm_offset_t va)
{
	vm_paddr_t ptp;

	if (va >= KUSEG_END)
		return (0);
	ptp = pmap_mips_ld(pmap_mips_segpa(pmap, va));
	if (ptp == 0)
		return (0);
	return (ptp + ((va >> PAGE_SHIFT) & (NPTEPG - 1)) * 4);
}

/* va's PTE, or 0. */
static uint32_t
pmap_mips_pte(struct pmap *pmap, vm_offset_t va)
{
	vm_paddr_t ptepa;

	ptepa = pmap_mips_ptepa(pmap, va);
	return (ptepa != 0 ? pmap_mips_ld(ptepa) : 0);
}

/*
 * The shootdown of one page (a rendezvous on every CPU): afterwards no
 * CPU's TLB holds a translation of va for pmap.
 */
static void
pmap_mips_invalidate_page(struct pmap *pmap, vm_offset_t va)
{
	struct pmap_asid *pa;
	int i;

	for (i = 0; i < pmap_mach.ncpus; i++) {
		pa = &pmap->pm_md.mips.pm_asid[i];
		if (pa->gen != pmap_pcpu[i].pc_asid_gen)
			continue;	/* stale ASID: its entries can never match */
		if (pmap_pcpu[i].pc_active == pmap)
			tlb_mips_invalidate_va(&pmap_cpu(i)->tlb_mips,
			    (uint32_t)va, pa->asid);
		else
			pa->gen = 0;	/* a new ASID at the next activation */
	}
}

/*
 * pmap_update_page (FreeBSD's tlb_update): after pmap_enter changed the
 * PTE of va, a CPU where pmap is active and whose TLB holds va's pair gets
 * the new half written into that entry (TLBP, TLBR, TLBWI), so the access
 * that faulted does not take a second refill.  Elsewhere: as
 * pmap_mips_invalidate_page.
 */
static void
pmap_mips_update_page(struct pmap *pmap, vm_offset_t va, uint32_t pte)
{
	struct pmap_asid *pa;
	uint32_t saved_hi;
	int i;

	for (i = 0; i < pmap_mach.ncpus; i++) {
		struct tlb_mips *tlb = &pmap_cpu(i)->tlb_mips;

		pa = &pmap->pm_md.mips.pm_asid[i];
		if (pa->gen != pmap_pcpu[i].pc_asid_gen)
			continue;
		if (pmap_pcpu[i].pc_active != pmap) {
			pa->gen = 0;
			continue;
		}
		saved_hi = tlb->cp0.entryhi;
		tlb->cp0.entryhi = ((uint32_t)va & MIPS_HI_VPN2_MASK) | pa->asid;
		tlb_mips_tlbp(tlb);
		if ((tlb->cp0.index & MIPS_INDEX_P) == 0) {
			tlb_mips_tlbr(tlb);
			if (va & PAGE_SIZE)
				tlb->cp0.entrylo1 = pte & PTE_HW_MASK;
			else
				tlb->cp0.entrylo0 = pte & PTE_HW_MASK;
			tlb_mips_tlbwi(tlb);
		}
		tlb->cp0.entryhi = saved_hi;	/* TLBR loaded the slot's */
	}
}

/* A torn-down PTE of va gives its counts, pv entry and dirtiness back. */
static void
pmap_mips_pte_release(struct pmap *pmap, vm_offset_t va, uint32_t pte)
{
	KASSERT(pte & MIPS_LO_V, ("pmap_mips: PTE 0x%08x without V", pte));
	KASSERT(pmap->pm_resident > 0, ("pmap_mips: resident count underflow"));
	pmap->pm_resident--;
	if (pte & PTE_WIRED) {
		KASSERT(pmap->pm_wired > 0, ("pmap_mips: wired count underflow"));
		pmap->pm_wired--;
	}
	if (pte & MIPS_LO_D)
		pmap_page_dirty(PTE_TO_PA(pte));
	pmap_pv_remove(pmap, va, PTE_TO_PA(pte));
}

static void
pmap_mips_bootstrap(void)
{
	int i;

	for (i = 0; i < pmap_mach.ncpus; i++) {
		pmap_pcpu[i].pc_asid_next = 1;	/* ASID 0 is the kernel's */
		pmap_pcpu[i].pc_asid_gen = 1;	/* pmaps start at generation 0 */
	}
}

/* An empty pmap: one zeroed segment-table page, no ASID on any CPU. */
static struct pmap *
pmap_mips_create(void)
{
	struct pmap *pmap;

	pmap = calloc(1, sizeof(*pmap));
	if (pmap == NULL)
		return (NULL);
	pmap->pm_root = pmap_ptpage_alloc(pmap);
	if (pmap->pm_root == NULL) {
		free(pmap);
		return (NULL);
	}
	return (pmap);
}

/*
 * Free the page-table pages, the segment table and the pmap.  Requires
 * every mapping removed.  A CPU still running the pmap is left with none
 * (its next refill panics unless another pmap is activated first); its
 * TLB entries carry an ASID no other pmap gets before the next
 * generation flush.
 */
static void
pmap_mips_destroy(struct pmap *pmap)
{
	vm_paddr_t ptp;
	unsigned i, j;
	int c;

	KASSERT(pmap->pm_resident == 0 && pmap->pm_wired == 0,
	    ("pmap_destroy: %lu mappings (%lu wired) left", pmap->pm_resident,
	    pmap->pm_wired));
	for (i = 0; i < NSEGPG; i++) {
		ptp = pmap_mips_ld(pmap->pm_root->phys_addr + i * 4);
		if (ptp == 0)
			continue;
		for (j = 0; j < NPTEPG; j++)
			KASSERT(pmap_mips_ld(ptp + j * 4) == 0,
			    ("pmap_destroy: PTE for 0x%llx left",
			    (unsigned long long)(((vm_offset_t)i << SEG_SHIFT) |
			    ((vm_offset_t)j << PAGE_SHIFT))));
		pmap_ptpage_free(pmap, PHYS_TO_VM_PAGE(ptp));
	}
	pmap_ptpage_free(pmap, pmap->pm_root);
	KASSERT(pmap->pm_ptpages == 0, ("pmap_destroy: %lu table pages leaked",
	    pmap->pm_ptpages));
	for (c = 0; c < pmap_mach.ncpus; c++)
		if (pmap_pcpu[c].pc_active == pmap)
			pmap_pcpu[c].pc_active = NULL;
	free(pmap);
}

/*
 * Map va -> m.  The PTE is V and cached; W when prot allows writing, and
 * D at once only when the faulting access was a write (otherwise the first
 * store raises TLB Modified).  The old mapping's dirtiness goes to its
 * page.  The pair containing va is then shot down on every CPU, even when
 * there was no old mapping: a TLB may hold the pair with this half
 * invalid.
 */
static int
pmap_mips_enter(struct pmap *pmap, vm_offset_t va, vm_prot_t access,
    vm_page_t m, vm_prot_t prot, bool wired)
{
	vm_paddr_t segpa, ptp, ptepa, pa;
	vm_page_t ptm;
	uint32_t opte, npte;

	KASSERT(va < KUSEG_END, ("pmap_enter: va 0x%llx outside kuseg",
	    (unsigned long long)va));
	pa = VM_PAGE_TO_PHYS(m);
	KASSERT((pa >> PAGE_SHIFT) <= (MIPS_LO_PFN_MASK >> MIPS_LO_PFN_SHIFT),
	    ("pmap_enter: pa 0x%llx beyond EntryLo's PFN",
	    (unsigned long long)pa));
	segpa = pmap_mips_segpa(pmap, va);
	ptp = pmap_mips_ld(segpa);
	if (ptp == 0) {
		ptm = pmap_ptpage_alloc(pmap);
		if (ptm == NULL)
			return (KERN_RESOURCE_SHORTAGE);
		ptp = ptm->phys_addr;
		pmap_mips_st(segpa, (uint32_t)ptp);
	}
	ptepa = ptp + ((va >> PAGE_SHIFT) & (NPTEPG - 1)) * 4;

	/* XXX: memory attributes come later; device memory is uncached. */
	npte = PA_TO_PFN(pa) | MIPS_LO_V |
	    ((m->flags & PG_FICTITIOUS) ? MIPS_LO_C_UNCACHED : MIPS_LO_C_CACHED);
	if (prot & VM_PROT_WRITE) {
		npte |= PTE_W;
		if (access & VM_PROT_WRITE)
			npte |= MIPS_LO_D;
	}
	if (wired)
		npte |= PTE_WIRED;

	opte = pmap_mips_ld(ptepa);
	if (opte != 0)
		pmap_mips_pte_release(pmap, va, opte);
	pmap_mips_st(ptepa, npte);
	pmap_pv_insert(pmap, va, m);
	pmap->pm_resident++;
	if (wired)
		pmap->pm_wired++;
	pmap_mips_update_page(pmap, va, npte);
	return (KERN_SUCCESS);
}

/*
 * Apply fn to every valid PTE in [sva, eva) (page aligned), skipping a
 * missing page-table page in one 4 MiB step.  fn returns the new PTE; a
 * changed PTE is stored and shot down.
 */
static void
pmap_mips_range(struct pmap *pmap, vm_offset_t sva, vm_offset_t eva,
    uint32_t (*fn)(struct pmap *, vm_offset_t, uint32_t, vm_prot_t),
    vm_prot_t prot)
{
	vm_offset_t va, segend;
	vm_paddr_t ptp, ptepa;
	uint32_t opte, npte;

	eva = MIN(eva, KUSEG_END);
	for (va = sva; va < eva; va = segend) {
		segend = MIN((va & ~(SEG_SIZE - 1)) + SEG_SIZE, eva);
		ptp = pmap_mips_ld(pmap_mips_segpa(pmap, va));
		if (ptp == 0)
			continue;
		for (; va < segend; va += PAGE_SIZE) {
			ptepa = ptp + ((va >> PAGE_SHIFT) & (NPTEPG - 1)) * 4;
			opte = pmap_mips_ld(ptepa);
			if (opte == 0)
				continue;
			npte = fn(pmap, va, opte, prot);
			if (npte == opte)
				continue;
			pmap_mips_st(ptepa, npte);
			pmap_mips_invalidate_page(pmap, va);
		}
	}
}

static uint32_t
pmap_mips_remove_pte(struct pmap *pmap, vm_offset_t va, uint32_t opte,
    vm_prot_t prot)
{
	(void)prot;
	pmap_mips_pte_release(pmap, va, opte);
	return (0);
}

static uint32_t
pmap_mips_protect_pte(struct pmap *pmap, vm_offset_t va, uint32_t opte,
    vm_prot_t prot)
{
	(void)pmap;
	(void)va;
	KASSERT(opte & MIPS_LO_V, ("pmap_protect: PTE 0x%08x without V", opte));
	if (prot & VM_PROT_WRITE)
		return (opte);
	/* MIPS32 cannot refuse execution: only writing can be taken away. */
	if (opte & MIPS_LO_D)
		pmap_page_dirty(PTE_TO_PA(opte));
	return (opte & ~(PTE_W | MIPS_LO_D));
}

/* Remove every mapping in [sva, eva), one shootdown per page mapped. */
static void
pmap_mips_remove(struct pmap *pmap, vm_offset_t sva, vm_offset_t eva)
{
	pmap_mips_range(pmap, sva, eva, pmap_mips_remove_pte, VM_PROT_NONE);
}

/* Without VM_PROT_WRITE, clear W and D (the dirtiness goes to the page). */
static void
pmap_mips_protect(struct pmap *pmap, vm_offset_t sva, vm_offset_t eva,
    vm_prot_t prot)
{
	if (prot & VM_PROT_WRITE)
		return;		/* never raises: nothing to do */
	pmap_mips_range(pmap, sva, eva, pmap_mips_protect_pte, prot);
}

static vm_paddr_t
pmap_mips_extract(struct pmap *pmap, vm_offset_t va)
{
	uint32_t pte;

	pte = pmap_mips_pte(pmap, va);
	if ((pte & MIPS_LO_V) == 0)
		return (0);
	return (PTE_TO_PA(pte) | (va & PAGE_MASK));
}

/* PTE_WIRED is a software bit, stripped for the TLB: no shootdown. */
static void
pmap_mips_change_wiring(struct pmap *pmap, vm_offset_t va, bool wired)
{
	vm_paddr_t ptepa;
	uint32_t pte;

	if ((ptepa = pmap_mips_ptepa(pmap, va)) == 0)
		return;
	pte = pmap_mips_ld(ptepa);
	if ((pte & MIPS_LO_V) == 0 || ((pte & PTE_WIRED) != 0) == wired)
		return;
	if (wired) {
		pmap_mips_st(ptepa, pte | PTE_WIRED);
		pmap->pm_wired++;
	} else {
		KASSERT(pmap->pm_wired > 0, ("pmap_mips: wired count underflow"));
		pmap_mips_st(ptepa, pte & ~PTE_WIRED);
		pmap->pm_wired--;
	}
}

/*
 * A valid PTE is readable and — MIPS32 has no execute-inhibit bit —
 * executable; writable when W.
 */
static vm_prot_t
pmap_mips_prot(struct pmap *pmap, vm_offset_t va)
{
	uint32_t pte;

	pte = pmap_mips_pte(pmap, va);
	if ((pte & MIPS_LO_V) == 0)
		return (VM_PROT_NONE);
	return (VM_PROT_READ | VM_PROT_EXECUTE |
	    ((pte & PTE_W) ? VM_PROT_WRITE : 0));
}

/*
 * Give pmap an ASID on cpu if its generation there is stale (a wrap past
 * 255 flushes the CPU's non-wired TLB entries and starts a generation),
 * load it into EntryHi and record pmap as cpu's active pmap.
 */
static void
pmap_mips_activate(struct pmap *pmap, struct mmu_cpu *cpu)
{
	struct pmap_pcpu *pc = &pmap_pcpu[cpu->id];
	struct pmap_asid *pa = &pmap->pm_md.mips.pm_asid[cpu->id];
	uint64_t bit = PMAP_CPUBIT(cpu->id);

	if (pa->gen != pc->pc_asid_gen) {
		if (pc->pc_asid_next > MIPS_HI_ASID_MASK) {
			tlb_mips_flush(&cpu->tlb_mips, true);
			pc->pc_asid_gen++;
			KASSERT(pc->pc_asid_gen != 0, ("pmap_activate: generation wrap"));
			pc->pc_asid_next = 1;
		}
		pa->asid = (uint8_t)pc->pc_asid_next++;
		pa->gen = pc->pc_asid_gen;
	}
	if (pc->pc_active != NULL)
		pc->pc_active->pm_active &= ~bit;
	pmap->pm_active |= bit;
	pc->pc_active = pmap;
	cpu->tlb_mips.cp0.entryhi = pa->asid;	/* MTC0 EntryHi: the current ASID */
	mmu_set_asid(cpu, pa->asid);
}

/*
 * The TLB Refill handler (FreeBSD's MipsTLBMiss, in C): load the segment
 * word and the even/odd PTE pair for va from the active pmap's tables,
 * each load charged to cpu with mmu_phys_access, and TLBWR the pair with
 * the software bits stripped.  A missing page-table page loads an invalid
 * pair, so that the retry raises TLB Invalid.  The handler's instructions
 * are charged by the caller.  Returns 0.
 */
static int
pmap_mips_tlb_refill(struct mmu_cpu *cpu, vm_offset_t va)
{
	struct pmap *pmap = pmap_pcpu[cpu->id].pc_active;
	struct tlb_mips *tlb = &cpu->tlb_mips;
	struct pmap_asid *pa;
	vm_paddr_t segpa, ptp, ptepa;
	uint32_t lo0, lo1;

	if (pmap == NULL)
		panic("pmap_tlb_refill: no pmap active on cpu %d (va 0x%llx)",
		    cpu->id, (unsigned long long)va);
	KASSERT(va <= UINT32_MAX && (va < KUSEG_END || va >= KSEG2_BASE),
	    ("pmap_tlb_refill: va 0x%llx is not mapped space",
	    (unsigned long long)va));
	pa = &pmap->pm_md.mips.pm_asid[cpu->id];
	KASSERT(pa->gen == pmap_pcpu[cpu->id].pc_asid_gen && pa->asid == cpu->asid,
	    ("pmap_tlb_refill: cpu %d ASID %u, pmap's %u gen %llu/%llu", cpu->id,
	    cpu->asid, pa->asid, (unsigned long long)pa->gen,
	    (unsigned long long)pmap_pcpu[cpu->id].pc_asid_gen));

	lo0 = lo1 = 0;
	segpa = pmap_mips_segpa(pmap, va);
	mmu_phys_access(cpu, segpa, 4, false);
	ptp = pmap_mips_ld(segpa);
	if (ptp != 0) {
		ptepa = ptp + (((va & MIPS_HI_VPN2_MASK) >> PAGE_SHIFT) &
		    (NPTEPG - 1)) * 4;
		mmu_phys_access(cpu, ptepa, 4, false);
		lo0 = pmap_mips_ld(ptepa) & PTE_HW_MASK;
		mmu_phys_access(cpu, ptepa + 4, 4, false);
		lo1 = pmap_mips_ld(ptepa + 4) & PTE_HW_MASK;
	}
	/* MTC0 EntryHi (the hardware already put VA's VPN2 there: written
	 * anyway so the handler does not depend on it), PageMask, EntryLo0,
	 * EntryLo1; TLBWR. */
	tlb->cp0.entryhi = ((uint32_t)va & MIPS_HI_VPN2_MASK) | pa->asid;
	tlb->cp0.pagemask = MIPS_PAGEMASK_4K;
	tlb->cp0.entrylo0 = lo0;
	tlb->cp0.entrylo1 = lo1;
	tlb_mips_tlbwr(tlb);
	return (0);
}

/*
 * TLB Modified: a store hit a clean half.  When the PTE is valid and
 * writable, set D in it (first time: the page becomes dirty) and in the
 * CPU's TLB entry for va, if pmap is active there and the entry still
 * exists; return 0.  Otherwise -1: a real write fault for vm_fault.  The
 * table accesses are charged to cpu.
 */
static int
pmap_mips_emulate_modified(struct pmap *pmap, struct mmu_cpu *cpu,
    vm_offset_t va)
{
	struct tlb_mips *tlb = &cpu->tlb_mips;
	struct pmap_asid *pa;
	vm_paddr_t ptepa;
	uint32_t pte, saved_hi, *lo;

	if (va >= KUSEG_END)
		return (-1);
	mmu_phys_access(cpu, pmap_mips_segpa(pmap, va), 4, false);
	ptepa = pmap_mips_ptepa(pmap, va);
	if (ptepa == 0)
		return (-1);
	mmu_phys_access(cpu, ptepa, 4, false);
	pte = pmap_mips_ld(ptepa);
	if ((pte & (MIPS_LO_V | PTE_W)) != (MIPS_LO_V | PTE_W))
		return (-1);
	if ((pte & MIPS_LO_D) == 0) {
		/* Another CPU may have set it first: then only the TLB lags. */
		pte |= MIPS_LO_D;
		mmu_phys_access(cpu, ptepa, 4, true);
		pmap_mips_st(ptepa, pte);
		pmap_page_dirty(PTE_TO_PA(pte));
	}
	pa = &pmap->pm_md.mips.pm_asid[cpu->id];
	if (pmap_pcpu[cpu->id].pc_active != pmap ||
	    pa->gen != pmap_pcpu[cpu->id].pc_asid_gen)
		return (0);
	/* TLBP for va; if found, TLBR, set D in the half, TLBWI; restore
	 * EntryHi (TLBR loaded the slot's). */
	saved_hi = tlb->cp0.entryhi;
	tlb->cp0.entryhi = ((uint32_t)va & MIPS_HI_VPN2_MASK) | pa->asid;
	tlb_mips_tlbp(tlb);
	if ((tlb->cp0.index & MIPS_INDEX_P) == 0) {
		tlb_mips_tlbr(tlb);
		lo = (va & PAGE_SIZE) ? &tlb->cp0.entrylo1 : &tlb->cp0.entrylo0;
		KASSERT((*lo & MIPS_LO_V) && (*lo & MIPS_LO_PFN_MASK) ==
		    (pte & MIPS_LO_PFN_MASK), ("pmap_emulate_modified: TLB "
		    "entry 0x%08x disagrees with PTE 0x%08x at 0x%llx", *lo, pte,
		    (unsigned long long)va));
		*lo |= MIPS_LO_D;
		tlb_mips_tlbwi(tlb);
	}
	/* else: replaced meanwhile, the retry refills. */
	tlb->cp0.entryhi = saved_hi;
	return (0);
}

/*
 * The counts agree with the tables, the active-CPU set with the per-CPU
 * records, and on every CPU where pmap holds a current ASID each
 * non-wired entry tagged with it translates as the tables do (an invalid
 * half, or a clean half of a dirty PTE, grants less and is fine).
 */
static int
pmap_mips_check(struct pmap *pmap, char *msg, size_t msglen)
{
	struct tlb_mips_entry e;
	struct pmap_asid *pa;
	struct mmu_cpu *cpu;
	unsigned long resident = 0, wired = 0, ptpages = 1;
	vm_offset_t va;
	vm_paddr_t ptp;
	uint32_t pte, lo;
	unsigned i, j, h;
	int c;

	for (i = 0; i < NSEGPG; i++) {
		ptp = pmap_mips_ld(pmap->pm_root->phys_addr + i * 4);
		if (ptp == 0)
			continue;
		if (((vm_offset_t)i << SEG_SHIFT) >= KUSEG_END ||
		    ptp + PAGE_SIZE > pmap_mach.pm->size || (ptp & PAGE_MASK)) {
			snprintf(msg, msglen, "pmap: segment word %u = 0x%llx", i,
			    (unsigned long long)ptp);
			return (-1);
		}
		ptpages++;
		for (j = 0; j < NPTEPG; j++) {
			pte = pmap_mips_ld(ptp + j * 4);
			if (pte == 0)
				continue;
			if ((pte & MIPS_LO_V) == 0 || ((pte & MIPS_LO_D) &&
			    (pte & PTE_W) == 0)) {
				snprintf(msg, msglen, "pmap: bad PTE 0x%08x at 0x%llx",
				    pte, (unsigned long long)(((vm_offset_t)i <<
				    SEG_SHIFT) | ((vm_offset_t)j << PAGE_SHIFT)));
				return (-1);
			}
			resident++;
			if (pte & PTE_WIRED)
				wired++;
		}
	}
	if (resident != pmap->pm_resident || wired != pmap->pm_wired ||
	    ptpages != pmap->pm_ptpages) {
		snprintf(msg, msglen, "pmap: tables hold %lu PTEs (%lu wired) in "
		    "%lu pages, counts say %lu (%lu) in %lu", resident, wired,
		    ptpages, pmap->pm_resident, pmap->pm_wired, pmap->pm_ptpages);
		return (-1);
	}

	for (c = 0; c < pmap_mach.ncpus; c++) {
		cpu = pmap_cpu(c);
		if ((pmap_pcpu[c].pc_active == pmap) !=
		    ((pmap->pm_active & PMAP_CPUBIT(c)) != 0)) {
			snprintf(msg, msglen, "pmap: cpu %d active set disagrees", c);
			return (-1);
		}
		pa = &pmap->pm_md.mips.pm_asid[c];
		if (pa->gen != pmap_pcpu[c].pc_asid_gen)
			continue;
		if (pmap_pcpu[c].pc_active == pmap && cpu->asid != pa->asid) {
			snprintf(msg, msglen, "pmap: cpu %d runs ASID %u, pmap has %u",
			    c, cpu->asid, pa->asid);
			return (-1);
		}
		for (i = cpu->tlb_mips.wired; i < cpu->tlb_mips.nentries; i++) {
			tlb_mips_read(&cpu->tlb_mips, i, &e);
			va = e.entryhi & MIPS_HI_VPN2_MASK;
			if ((e.entryhi & MIPS_HI_ASID_MASK) != pa->asid ||
			    (va >= KUSEG_END && va < KSEG2_BASE))
				continue;	/* another ASID, or an empty slot */
			for (h = 0; h < 2; h++) {
				lo = h ? e.entrylo1 : e.entrylo0;
				if ((lo & MIPS_LO_V) == 0)
					continue;
				pte = pmap_mips_pte(pmap, va + h * PAGE_SIZE);
				if (e.pagemask != MIPS_PAGEMASK_4K ||
				    (pte & MIPS_LO_V) == 0 ||
				    (pte & MIPS_LO_PFN_MASK) != (lo & MIPS_LO_PFN_MASK) ||
				    ((lo & MIPS_LO_D) && (pte & MIPS_LO_D) == 0)) {
					snprintf(msg, msglen, "pmap: cpu %d TLB[%u] "
					    "maps 0x%llx ASID %u as 0x%08x, PTE 0x%08x",
					    c, i, (unsigned long long)(va + h * PAGE_SIZE),
					    pa->asid, lo, pte);
					return (-1);
				}
			}
		}
	}
	return (0);
}

/*
 * The status of va's PTE (PMAP_PTE_*): MIPS has no referenced bit (the
 * pv layer's software bit stands in); modified is D.  Clearing D shoots
 * the page down, so the next store raises TLB Modified and sets it again.
 */
static int
pmap_mips_pte_bits(struct pmap *pmap, vm_offset_t va, int clear)
{
	vm_paddr_t ptepa;
	uint32_t pte;
	int bits;

	if ((ptepa = pmap_mips_ptepa(pmap, va)) == 0)
		return (0);
	pte = pmap_mips_ld(ptepa);
	if ((pte & MIPS_LO_V) == 0)
		return (0);
	bits = PMAP_PTE_VALID | ((pte & MIPS_LO_D) ? PMAP_PTE_MODIFIED : 0);
	if ((clear & PMAP_PTE_MODIFIED) && (pte & MIPS_LO_D)) {
		pmap_mips_st(ptepa, pte & ~MIPS_LO_D);
		pmap_mips_invalidate_page(pmap, va);
	}
	return (bits);
}

const struct pmap_ops pmap_mips_ops = {
	.name = "mips",
	.bootstrap = pmap_mips_bootstrap,
	.create = pmap_mips_create,
	.destroy = pmap_mips_destroy,
	.enter = pmap_mips_enter,
	.remove = pmap_mips_remove,
	.protect = pmap_mips_protect,
	.extract = pmap_mips_extract,
	.change_wiring = pmap_mips_change_wiring,
	.prot = pmap_mips_prot,
	.activate = pmap_mips_activate,
	.tlb_refill = pmap_mips_tlb_refill,
	.emulate_modified = pmap_mips_emulate_modified,
	.check = pmap_mips_check,
	.pte_bits = pmap_mips_pte_bits,
};
