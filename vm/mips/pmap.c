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
 * C is the page's memory attribute (MIPS32 Vol. I, 7.3 "cache coherency
 * attributes"), for user and kernel PTEs alike: write-back 3 (cacheable
 * noncoherent), write-through 1, write-combining 7 (uncached
 * accelerated), UC and UC- both 2 (uncached).  pmap_enter and
 * pmap_qenter take it from m->memattr; pmap_page_set_memattr rewrites it
 * in every PTE of the page and updates the TLB pairs in place.
 *
 * ASIDs are 8 bits, allocated per CPU with generations: a pmap's ASID on a
 * CPU is valid while its generation equals the CPU's.  When a CPU runs out
 * of ASIDs it flushes its non-wired TLB entries and starts a new
 * generation, which retires every pmap's ASID on that CPU at once.
 *
 * Shootdown (VM-SPEC "MIPS shootdown"): every invalidation is a rendezvous
 * on all CPUs (pmap_shootdown in vm/pmap.c), page by page; on each CPU, a
 * pmap whose generation is stale needs nothing, an active one is probed by
 * (va, ASID) and invalidated or updated in place, an inactive one with a
 * current generation just loses its generation (it gets a fresh ASID,
 * hence an empty TLB, at its next activation); the kernel pmap's global
 * pairs are probed and updated in place (so wired slots stay).  A
 * rendezvous happens only when a valid PTE was removed or lost something
 * (another frame, cache mode, D), and only when some CPU holds a current
 * ASID generation for the pmap (else no TLB can hold its entries); a
 * pmap_enter that only adds (a new page, W or D) updates the initiating
 * CPU's TLB pair in place, as tlb_update does, and needs no rendezvous.
 *
 * The kernel pmap maps kseg2, [0xc0000000, 0xe0000000): a kernel segment
 * table of its own (the refill handler uses it for kseg2 addresses, so
 * user pmaps need no copy) and page-table pages whose PTEs all carry G,
 * invalid ones included (a TLB pair is global only when both halves
 * are).  Kernel PTEs are PFN|C|D|V|G, wired.  The running thread's kernel
 * stack pair is wired TLB slot 0 (pmap_kstack_switch), the per-CPU page
 * slot 1 on SMP (pmap_pcpu_set).
 *
 * XXX: page-table pages are freed only at pmap_destroy (FreeBSD frees a
 * page-table page when its last PTE goes); kernel page-table pages are
 * never freed; pmap_enter with execute does not sync the I-cache (VM-SPEC
 * asks for it when the pmap is current): the kernel's page fills that
 * could leave dirty D-cache lines (zero fill, COW copy) do not map text in
 * practice, and a sync per text fault would change every run's cache
 * counters; debugger writes sync explicitly (pmap_sync_icache).
 */
#include "vm/pmap_md.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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
#define KVA_MAX		((vm_offset_t)0xe0000000u)	/* kseg2 ends */
#define PTE_KERNEL	(MIPS_LO_D | MIPS_LO_V | MIPS_LO_G | PTE_W | PTE_WIRED)
					/* a kernel PTE, less the PFN and C */
#define MIPS_LO_C_WT	(1u << MIPS_LO_C_SHIFT)	/* cacheable write-through */
#define MIPS_LO_C_UA	(7u << MIPS_LO_C_SHIFT)	/* uncached accelerated */
/* pmap_sd arg: update the TLB pair in place with the PTE in the low bits
 * (else invalidate it). */
#define SD_UPDATE	((uint64_t)1 << 32)

#define PTE_TO_PA(pte)	((vm_paddr_t)(((pte) & MIPS_LO_PFN_MASK) >> \
			    MIPS_LO_PFN_SHIFT) << PAGE_SHIFT)
#define PA_TO_PFN(pa)	((uint32_t)((pa) >> PAGE_SHIFT) << MIPS_LO_PFN_SHIFT)

/* The C field of a PTE for memory attribute ma. */
static uint32_t
pmap_mips_cache_bits(vm_memattr_t ma)
{
	switch (ma) {
	case VM_MEMATTR_WRITE_BACK:
		return (MIPS_LO_C_CACHED);
	case VM_MEMATTR_WRITE_THROUGH:
		return (MIPS_LO_C_WT);
	case VM_MEMATTR_WRITE_COMBINING:
		return (MIPS_LO_C_UA);
	case VM_MEMATTR_UNCACHEABLE:
	case VM_MEMATTR_UNCACHED:
		return (MIPS_LO_C_UNCACHED);
	}
	panic("pmap_mips: memattr %u", ma);
}

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
 * TLBP for va's pair under asid (a global pair matches any); if a slot
 * holds it, TLBR, put pte (the TLB's bits of it) into va's half and TLBWI
 * (FreeBSD tlb_update).  EntryHi is restored (TLBR loads the slot's).
 */
static void
pmap_mips_tlb_update(struct mmu_cpu *cpu, vm_offset_t va, uint8_t asid,
    uint32_t pte)
{
	struct tlb_mips *tlb = &cpu->tlb_mips;
	uint32_t saved_hi;

	saved_hi = tlb->cp0.entryhi;
	tlb->cp0.entryhi = ((uint32_t)va & MIPS_HI_VPN2_MASK) | asid;
	tlb_mips_tlbp(tlb);
	if ((tlb->cp0.index & MIPS_INDEX_P) == 0) {
		tlb_mips_tlbr(tlb);
		if (va & PAGE_SIZE)
			tlb->cp0.entrylo1 = pte & PTE_HW_MASK;
		else
			tlb->cp0.entrylo0 = pte & PTE_HW_MASK;
		tlb_mips_tlbwi(tlb);
	}
	tlb->cp0.entryhi = saved_hi;
}

/*
 * One CPU's part of a rendezvous for sd->va[0]: the kernel pmap's pair is
 * updated in place; a user pmap with a stale generation needs nothing, an
 * inactive one with a current generation loses it, an active one has the
 * pair invalidated or updated (SD_UPDATE).
 */
static void
pmap_mips_sd_invalidate(struct mmu_cpu *cpu, const struct pmap_sd *sd)
{
	struct pmap *pmap = sd->pmap;
	vm_offset_t va = sd->va[0];
	struct pmap_asid *pa;
	int i = cpu->id;

	if (pmap == kernel_pmap) {
		pmap_mips_tlb_update(cpu, va, cpu->asid, (uint32_t)sd->arg);
		return;
	}
	pa = &pmap->pm_md.mips.pm_asid[i];
	if (pa->gen != pmap_pcpu[i].pc_asid_gen)
		return;		/* stale ASID: its entries can never match */
	if (pmap_pcpu[i].pc_active != pmap) {
		pa->gen = 0;	/* a new ASID at the next activation */
		if (cpu->nstale != 0)
			mmu_stale_forget(cpu, 0, KUSEG_END, pa->asid);
		return;
	}
	if (sd->arg & SD_UPDATE)
		pmap_mips_tlb_update(cpu, va, pa->asid, (uint32_t)sd->arg);
	else
		tlb_mips_invalidate_va(&cpu->tlb_mips, (uint32_t)va, pa->asid);
	if (cpu->nstale != 0)
		mmu_stale_forget(cpu, va, va + PAGE_SIZE, pa->asid);
}

/*
 * --bug skip-shootdown: cpu keeps its entry for sd->va[0] (and, when the
 * pmap is not active there, its ASID generation).  A valid half that now
 * grants more than the tables (another frame, none, or D the PTE lacks)
 * is registered with the stale watch.
 */
static void
pmap_mips_sd_skipped(struct mmu_cpu *cpu, const struct pmap_sd *sd)
{
	struct pmap *pmap = sd->pmap;
	vm_offset_t va = sd->va[0];
	struct pmap_asid *pa = &pmap->pm_md.mips.pm_asid[cpu->id];
	struct tlb_mips_entry e;
	uint32_t lo, pte;
	int idx;

	if (pa->gen != pmap_pcpu[cpu->id].pc_asid_gen)
		return;
	idx = tlb_mips_probe(&cpu->tlb_mips,
	    ((uint32_t)va & MIPS_HI_VPN2_MASK) | pa->asid);
	if (idx < 0)
		return;
	tlb_mips_read(&cpu->tlb_mips, (unsigned)idx, &e);
	lo = (va & PAGE_SIZE) ? e.entrylo1 : e.entrylo0;
	if ((lo & MIPS_LO_V) == 0)
		return;
	pte = pmap_mips_pte(pmap, va);
	if ((pte & MIPS_LO_V) == 0)
		mmu_stale_watch(cpu, va, pa->asid, PTE_TO_PA(lo), MMU_STALE_NONE,
		    false);
	else if ((pte & MIPS_LO_PFN_MASK) != (lo & MIPS_LO_PFN_MASK) ||
	    ((lo & MIPS_LO_D) && !(pte & MIPS_LO_D)))
		mmu_stale_watch(cpu, va, pa->asid, PTE_TO_PA(lo), PTE_TO_PA(pte),
		    (pte & MIPS_LO_D) != 0);
}

/*
 * va's PTE in pmap became pte: CPUs watching va under pmap's current ASID
 * there (a skipped shootdown) learn what the tables give now.
 */
static void
pmap_mips_stale_note(struct pmap *pmap, vm_offset_t va, uint32_t pte)
{
	struct pmap_asid *pa;
	int c;

	for (c = 0; c < pmap_mach.ncpus; c++) {
		pa = &pmap->pm_md.mips.pm_asid[c];
		if (pmap_cpu(c)->nstale != 0 && pa->gen == pmap_pcpu[c].pc_asid_gen)
			mmu_stale_tables(pmap_cpu(c), va, pa->asid,
			    (pte & MIPS_LO_V) ? PTE_TO_PA(pte) : MMU_STALE_NONE,
			    (pte & MIPS_LO_D) != 0);
	}
}

/* Some CPU holds a current ASID generation for pmap: its TLB may hold
 * entries of pmap. */
static bool
pmap_mips_maybe_cached(struct pmap *pmap)
{
	int c;

	if (pmap == kernel_pmap)
		return (true);
	for (c = 0; c < pmap_mach.ncpus; c++)
		if (pmap->pm_md.mips.pm_asid[c].gen == pmap_pcpu[c].pc_asid_gen)
			return (true);
	return (false);
}

/*
 * The rendezvous for one page on every CPU: afterwards no CPU's TLB holds
 * a translation of va for pmap other than pte (update) or none.
 */
static void
pmap_mips_shootdown_sd(struct pmap *pmap, vm_offset_t va, bool update,
    uint32_t pte, bool noskip)
{
	struct pmap_sd sd;

	if (!pmap_mips_maybe_cached(pmap))
		return;
	memset(&sd, 0, sizeof(sd));
	sd.pmap = pmap;
	sd.kind = PMAP_SD_PAGE;
	sd.sva = trunc_page(va);
	sd.eva = sd.sva + PAGE_SIZE;
	sd.npages = 1;
	sd.va[0] = sd.sva;
	sd.cpus = pmap_all_cpus();
	sd.invalidate = pmap_mips_sd_invalidate;
	sd.skipped = pmap == kernel_pmap || noskip ? NULL : pmap_mips_sd_skipped;
	sd.arg = (update ? SD_UPDATE : 0) | pte;
	pmap_shootdown(&sd);
}

static void
pmap_mips_shootdown(struct pmap *pmap, vm_offset_t va, bool update,
    uint32_t pte)
{
	pmap_mips_shootdown_sd(pmap, va, update, pte, false);
}

/* The shootdown of one page: the pair is invalidated everywhere. */
static void
pmap_mips_invalidate_page(struct pmap *pmap, vm_offset_t va)
{
	pmap_mips_shootdown(pmap, va, false, 0);
}

/*
 * pmap_enter's TLB duty after the PTE of va became pte: FreeBSD's
 * pmap_update_page, a rendezvous that updates the pair in place where
 * pmap is active (tlb_update) and retires its ASID on CPUs where it is
 * current but not active.  It is needed when the old PTE (opte) was valid
 * and pte takes something away (another frame or cache mode, or D
 * cleared), or when another CPU holds a current ASID for pmap (its TLB
 * may hold the pair with this half invalid).  Otherwise only the
 * initiating CPU can hold the pair: if it runs pmap, the new half is
 * written into its entry (so the access that faulted needs no second
 * refill), without a rendezvous.  A change of cache mode is always shot
 * down, even under --bug skip-shootdown.
 */
static void
pmap_mips_update_page(struct pmap *pmap, vm_offset_t va, uint32_t opte,
    uint32_t pte)
{
	int self = pmap_initiator(), c;
	struct pmap_asid *pa = &pmap->pm_md.mips.pm_asid[self];
	bool need;

	need = (opte & MIPS_LO_V) && (((opte ^ pte) & (MIPS_LO_PFN_MASK |
	    MIPS_LO_C_MASK)) != 0 || ((opte & MIPS_LO_D) && !(pte & MIPS_LO_D)));
	for (c = 0; c < pmap_mach.ncpus && !need; c++)
		if (c != self && pmap->pm_md.mips.pm_asid[c].gen ==
		    pmap_pcpu[c].pc_asid_gen)
			need = true;
	if (need) {
		pmap_mips_shootdown_sd(pmap, va, true, pte, (opte & MIPS_LO_V) &&
		    ((opte ^ pte) & MIPS_LO_C_MASK) != 0);
		return;
	}
	if (pmap_pcpu[self].pc_active == pmap &&
	    pa->gen == pmap_pcpu[self].pc_asid_gen)
		pmap_mips_tlb_update(pmap_cpu(self), va, pa->asid, pte);
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
	pmap_kva_min = KSEG2_BASE;
	pmap_kva_max = KVA_MAX;
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
 * Map va -> m.  The PTE is V with C from m->memattr; W when prot allows writing, and
 * D at once only when the faulting access was a write (otherwise the first
 * store raises TLB Modified).  The old mapping's dirtiness goes to its
 * page.  Then pmap_mips_update_page: a rendezvous if the old mapping lost
 * something, else the initiating CPU's pair is updated in place (a TLB
 * may hold the pair with this half invalid).
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

	npte = PA_TO_PFN(pa) | MIPS_LO_V | pmap_mips_cache_bits(m->memattr);
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
	pmap_mips_stale_note(pmap, va, npte);
	pmap_pv_insert(pmap, va, m);
	pmap->pm_resident++;
	if (wired)
		pmap->pm_wired++;
	pmap_mips_update_page(pmap, va, opte, npte);
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
			pmap_mips_stale_note(pmap, va, npte);
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

/* Remove every mapping in [sva, eva), one rendezvous per page mapped. */
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

static void
pmap_mips_deactivate_all(struct pmap *pmap)
{
	for (int c = 0; c < pmap_mach.ncpus; c++) {
		struct pmap_pcpu *pc = &pmap_pcpu[c];

		/* Retired: its ASID stays unused until this CPU's next
		 * generation, which flushes the TLB. */
		pmap->pm_md.mips.pm_asid[c].gen = 0;
		if (pc->pc_active == pmap) {
			pc->pc_active = NULL;
			pmap->pm_active &= ~PMAP_CPUBIT(c);
		}
	}
}

/* ---- the kernel pmap (kseg2) ---- */

/* The physical address of the kernel PTE of va; with create, a missing
 * segment table or page-table page (all PTEs G) is allocated; 0 if none. */
static vm_paddr_t
pmap_mips_kptepa(vm_offset_t va, bool create)
{
	vm_paddr_t segpa, ptp;
	vm_page_t m;
	unsigned j;

	KASSERT(va >= KSEG2_BASE && va < KVA_MAX, ("pmap_mips: va %#llx is not "
	    "kernel VA", (unsigned long long)va));
	if (kernel_pmap->pm_root == NULL) {
		if (!create || (m = pmap_ptpage_alloc(kernel_pmap)) == NULL)
			return (0);
		kernel_pmap->pm_root = m;
	}
	segpa = pmap_mips_segpa(kernel_pmap, va);
	ptp = pmap_mips_ld(segpa);
	if (ptp == 0) {
		if (!create || (m = pmap_ptpage_alloc(kernel_pmap)) == NULL)
			return (0);
		ptp = m->phys_addr;
		for (j = 0; j < NPTEPG; j++)
			pmap_mips_st(ptp + j * 4, MIPS_LO_G);
		pmap_mips_st(segpa, (uint32_t)ptp);
	}
	return (ptp + ((va >> PAGE_SHIFT) & (NPTEPG - 1)) * 4);
}

/* The kernel PTE of va (MIPS_LO_G alone: not mapped). */
static uint32_t
pmap_mips_kpte(vm_offset_t va)
{
	vm_paddr_t ptepa = pmap_mips_kptepa(va, false);

	return (ptepa != 0 ? pmap_mips_ld(ptepa) : MIPS_LO_G);
}

/* The refill handler's kseg2 branch: the pair from the kernel tables
 * (global; an unmapped pair is loaded invalid, so the retry raises TLB
 * Invalid). */
static int
pmap_mips_kernel_refill(struct mmu_cpu *cpu, vm_offset_t va)
{
	struct tlb_mips *tlb = &cpu->tlb_mips;
	vm_offset_t even = va & MIPS_HI_VPN2_MASK;
	vm_paddr_t ptepa;

	tlb->cp0.entrylo0 = tlb->cp0.entrylo1 = MIPS_LO_G;
	if (kernel_pmap->pm_root != NULL) {
		mmu_phys_access(cpu, pmap_mips_segpa(kernel_pmap, even), 4, false);
		if ((ptepa = pmap_mips_kptepa(even, false)) != 0) {
			mmu_phys_access(cpu, ptepa, 8, false);
			tlb->cp0.entrylo0 = pmap_mips_ld(ptepa) & PTE_HW_MASK;
			tlb->cp0.entrylo1 = pmap_mips_ld(ptepa + 4) & PTE_HW_MASK;
		}
	}
	tlb->cp0.entryhi = (uint32_t)even | cpu->asid;
	tlb->cp0.pagemask = MIPS_PAGEMASK_4K;
	tlb_mips_tlbwr(tlb);
	return (0);
}

/*
 * Map count frames at kernel va..: PFN|C|D|V|G, wired, C from ma[].  A
 * page whose old PTE was valid with another frame or C, or whose pair
 * partner was valid before
 * this call (a TLB may hold the pair, e.g. in a wired slot), gets a
 * rendezvous that updates the pair in place on every CPU.
 * XXX: a kernel page-table page that cannot be allocated panics.
 */
static void
pmap_mips_kenter(vm_offset_t va, const vm_paddr_t *pa, const vm_memattr_t *ma,
    int count)
{
	uint32_t old[PMAP_SD_MAXPAGES], partner, npte;
	vm_offset_t v, pv;
	vm_paddr_t ptepa;
	int i;

	KASSERT(count <= PMAP_SD_MAXPAGES, ("pmap_kenter: %d pages", count));
	for (i = 0; i < count; i++)
		old[i] = pmap_mips_kpte(va + ptoa((vm_offset_t)i));
	for (i = 0; i < count; i++) {
		v = va + ptoa((vm_offset_t)i);
		KASSERT((pa[i] >> PAGE_SHIFT) <= (MIPS_LO_PFN_MASK >>
		    MIPS_LO_PFN_SHIFT), ("pmap_kenter: pa %#llx",
		    (unsigned long long)pa[i]));
		if ((ptepa = pmap_mips_kptepa(v, true)) == 0)
			panic("pmap_kenter: no page for a kernel page table "
			    "(va %#llx)", (unsigned long long)v);
		npte = PA_TO_PFN(pa[i]) | PTE_KERNEL | pmap_mips_cache_bits(ma[i]);
		if ((old[i] & MIPS_LO_V) == 0) {
			kernel_pmap->pm_resident++;
			kernel_pmap->pm_wired++;
		}
		pmap_mips_st(ptepa, npte);
	}
	for (i = 0; i < count; i++) {
		v = va + ptoa((vm_offset_t)i);
		npte = PA_TO_PFN(pa[i]) | PTE_KERNEL | pmap_mips_cache_bits(ma[i]);
		pv = v ^ PAGE_SIZE;
		if (pv >= va && pv < va + ptoa((vm_offset_t)count))
			partner = old[(pv - va) >> PAGE_SHIFT];
		else
			partner = pmap_mips_kpte(pv);
		if (((old[i] & MIPS_LO_V) && old[i] != npte) ||
		    (partner & MIPS_LO_V))
			pmap_mips_shootdown(kernel_pmap, v, true, npte);
	}
}

/* Unmap count kernel pages at va.. (the PTEs keep G), a rendezvous each. */
static void
pmap_mips_kremove(vm_offset_t va, int count)
{
	vm_paddr_t ptepa;
	uint32_t opte;
	int i;

	for (i = 0; i < count; i++, va += PAGE_SIZE) {
		ptepa = pmap_mips_kptepa(va, false);
		if (ptepa == 0 || ((opte = pmap_mips_ld(ptepa)) & MIPS_LO_V) == 0)
			continue;
		pmap_mips_st(ptepa, MIPS_LO_G);
		KASSERT(kernel_pmap->pm_resident > 0 && kernel_pmap->pm_wired > 0,
		    ("pmap_kremove: count underflow"));
		kernel_pmap->pm_resident--;
		kernel_pmap->pm_wired--;
		pmap_mips_shootdown(kernel_pmap, va, true, MIPS_LO_G);
	}
}

static vm_paddr_t
pmap_mips_kextract(vm_offset_t va)
{
	uint32_t pte;

	if (va < KSEG2_BASE || va >= KVA_MAX)
		return (0);
	pte = pmap_mips_kpte(va);
	if ((pte & MIPS_LO_V) == 0)
		return (0);
	return (PTE_TO_PA(pte) | (va & PAGE_MASK));
}

/*
 * Write the kernel pair at even (both halves from the kernel tables, G)
 * into wired slot: TLBP for the pair first and, if another slot holds it,
 * invalidate that slot (a unique, never-matching EntryHi), so no two
 * entries ever match one address; then TLBWI slot.  EntryHi is restored.
 */
static void
pmap_mips_wire_pair(struct mmu_cpu *cpu, unsigned slot, vm_offset_t even,
    uint32_t lo0, uint32_t lo1)
{
	struct tlb_mips *tlb = &cpu->tlb_mips;
	uint32_t saved_hi = tlb->cp0.entryhi;
	unsigned idx;

	KASSERT(slot < tlb->wired, ("pmap_mips: wired slot %u of %u", slot,
	    tlb->wired));
	tlb->cp0.entryhi = (uint32_t)even | cpu->asid;
	tlb_mips_tlbp(tlb);
	if ((tlb->cp0.index & MIPS_INDEX_P) == 0 &&
	    (idx = tlb->cp0.index & MIPS_INDEX_MASK) != slot)
		tlb_mips_invalidate(tlb, idx);
	tlb->cp0.index = slot;
	tlb->cp0.entryhi = (uint32_t)even | cpu->asid;
	tlb->cp0.pagemask = MIPS_PAGEMASK_4K;
	tlb->cp0.entrylo0 = lo0;
	tlb->cp0.entrylo1 = lo1;
	tlb_mips_tlbwi(tlb);
	tlb->cp0.entryhi = saved_hi;
}

/* Context switch: the new thread's kernel stack pair into wired slot 0,
 * both halves G|V|D. */
static void
pmap_mips_kstack_switch(struct mmu_cpu *cpu, vm_offset_t kstack)
{
	uint32_t lo0, lo1;

	KASSERT((kstack & (2 * PAGE_SIZE - 1)) == 0 && kstack >= KSEG2_BASE &&
	    kstack < KVA_MAX, ("pmap_kstack_switch: kstack %#llx is not a "
	    "TLB-aligned kseg2 address", (unsigned long long)kstack));
	lo0 = pmap_mips_kpte(kstack);
	lo1 = pmap_mips_kpte(kstack + PAGE_SIZE);
	KASSERT((lo0 & lo1 & MIPS_LO_V) != 0, ("pmap_kstack_switch: kstack "
	    "%#llx not mapped (PTEs %#x %#x)", (unsigned long long)kstack, lo0,
	    lo1));
	pmap_mips_wire_pair(cpu, 0, kstack,
	    (lo0 & PTE_HW_MASK) | MIPS_LO_G | MIPS_LO_V | MIPS_LO_D,
	    (lo1 & PTE_HW_MASK) | MIPS_LO_G | MIPS_LO_V | MIPS_LO_D);
}

/* SMP: the pair holding the per-CPU page at va into wired slot 1 (on a
 * uniprocessor nothing: the page is reached through refills). */
static void
pmap_mips_pcpu_set(struct mmu_cpu *cpu, vm_offset_t va)
{
	vm_offset_t even = va & ~(vm_offset_t)(2 * PAGE_SIZE - 1);

	if (pmap_mach.ncpus == 1)
		return;
	KASSERT((pmap_mips_kpte(va) & MIPS_LO_V) != 0, ("pmap_pcpu_set: va "
	    "%#llx not mapped", (unsigned long long)va));
	pmap_mips_wire_pair(cpu, 1, even,
	    pmap_mips_kpte(even) & PTE_HW_MASK,
	    pmap_mips_kpte(even + PAGE_SIZE) & PTE_HW_MASK);
}

/*
 * The kernel wrote instructions at [va, va+len) of pmap: for each page
 * part, the frame (from the tables: the pmap need not be current) is
 * written back from the initiating CPU's D-cache and dropped from its
 * I-cache (the physical alias, kseg0), one icache_sync event for the
 * first part; the other CPUs' I-caches drop those lines silently.
 */
static void
pmap_mips_sync_icache(struct pmap *pmap, vm_offset_t va, vm_size_t len)
{
	struct mmu_cpu *self = pmap_cpu(pmap_initiator());
	vm_offset_t v, next, end = va + len;
	vm_paddr_t pa;
	bool logged = false;
	int c;

	for (v = va; v < end; v = next) {
		next = MIN(trunc_page(v) + PAGE_SIZE, end);
		if ((pa = pmap_mips_extract(pmap, v)) == 0)
			continue;
		if (!logged) {
			mmu_icache_sync(self, v, pa, next - v, "pmap_sync_icache");
			logged = true;
		} else
			mmu_icache_flush(self, pa, next - v, true);
		for (c = 0; c < pmap_mach.ncpus; c++)
			if (c != self->id)
				mmu_icache_flush(pmap_cpu(c), pa, next - v, false);
	}
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

	KASSERT(va <= UINT32_MAX && (va < KUSEG_END || va >= KSEG2_BASE),
	    ("pmap_tlb_refill: va 0x%llx is not mapped space",
	    (unsigned long long)va));
	if (va >= KSEG2_BASE)
		return (pmap_mips_kernel_refill(cpu, va));
	if (pmap == NULL)
		panic("pmap_tlb_refill: no pmap active on cpu %d (va 0x%llx)",
		    cpu->id, (unsigned long long)va);
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
		KASSERT(((*lo & MIPS_LO_V) && (*lo & MIPS_LO_PFN_MASK) ==
		    (pte & MIPS_LO_PFN_MASK)) || mmu_stale_watched(cpu, va,
		    pa->asid, PTE_TO_PA(*lo)), ("pmap_emulate_modified: TLB "
		    "entry 0x%08x disagrees with PTE 0x%08x at 0x%llx", *lo, pte,
		    (unsigned long long)va));
		/* The PTE's half, D set (a stale half left by a skipped
		 * shootdown is replaced by it). */
		*lo = pte & PTE_HW_MASK;
		tlb_mips_tlbwi(tlb);
	}
	/* else: replaced meanwhile, the retry refills. */
	tlb->cp0.entryhi = saved_hi;
	return (0);
}

/*
 * The counts agree with the tables, the active-CPU set with the per-CPU
 * records, and on every CPU where pmap holds a current ASID each
 * non-wired entry tagged with it translates as the tables do, with the
 * same cache mode (an invalid half, or a clean half of a dirty PTE,
 * grants less and is fine).
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
			    va >= KUSEG_END || (e.entrylo0 & MIPS_LO_G))
				continue;	/* another ASID, an empty slot or
						   a kernel (global) pair */
			for (h = 0; h < 2; h++) {
				lo = h ? e.entrylo1 : e.entrylo0;
				if ((lo & MIPS_LO_V) == 0)
					continue;
				pte = pmap_mips_pte(pmap, va + h * PAGE_SIZE);
				if (cpu->nstale != 0 && mmu_stale_watched(cpu,
				    va + h * PAGE_SIZE, pa->asid, PTE_TO_PA(lo)))
					continue;	/* a skipped shootdown's */
				if (e.pagemask != MIPS_PAGEMASK_4K ||
				    (pte & MIPS_LO_V) == 0 ||
				    (pte & MIPS_LO_PFN_MASK) != (lo & MIPS_LO_PFN_MASK) ||
				    ((lo ^ pte) & MIPS_LO_C_MASK) != 0 ||
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

/*
 * m->memattr changed: rewrite the C field of every PTE mapping m.  The
 * user mappings are on its pv list (pmap_mips_update_page: a rendezvous
 * that updates the pair in place where some CPU may hold it); the
 * kernel's are found by a scan of the kernel page tables (each updated
 * in place on every CPU, wired kernel-stack pairs included).
 */
static void
pmap_mips_page_set_memattr(vm_page_t m)
{
	uint32_t c = pmap_mips_cache_bits(m->memattr), opte, npte;
	uint32_t pfn = PA_TO_PFN(m->phys_addr);
	struct pv_entry *pv;
	vm_paddr_t ptepa, ptp;
	unsigned i, j;

	for (pv = m->md_pv; pv != NULL; pv = pv->pv_next) {
		ptepa = pmap_mips_ptepa(pv->pv_pmap, pv->pv_va);
		KASSERT(ptepa != 0, ("pmap_page_set_memattr: pv entry for "
		    "va %#llx without a PTE", (unsigned long long)pv->pv_va));
		opte = pmap_mips_ld(ptepa);
		KASSERT((opte & MIPS_LO_V) && (opte & MIPS_LO_PFN_MASK) == pfn,
		    ("pmap_page_set_memattr: va %#llx PTE %#x does not map "
		    "pa %#llx", (unsigned long long)pv->pv_va, opte,
		    (unsigned long long)m->phys_addr));
		npte = (opte & ~MIPS_LO_C_MASK) | c;
		if (npte == opte)
			continue;
		pmap_mips_st(ptepa, npte);
		pmap_mips_update_page(pv->pv_pmap, pv->pv_va, opte, npte);
	}

	if (kernel_pmap->pm_root == NULL)
		return;
	for (i = (unsigned)(KSEG2_BASE >> SEG_SHIFT);
	    i < (unsigned)(KVA_MAX >> SEG_SHIFT); i++) {
		ptp = pmap_mips_ld(kernel_pmap->pm_root->phys_addr + i * 4);
		if (ptp == 0)
			continue;
		for (j = 0; j < NPTEPG; j++) {
			opte = pmap_mips_ld(ptp + j * 4);
			if ((opte & MIPS_LO_V) == 0 ||
			    (opte & MIPS_LO_PFN_MASK) != pfn)
				continue;
			npte = (opte & ~MIPS_LO_C_MASK) | c;
			if (npte == opte)
				continue;
			pmap_mips_st(ptp + j * 4, npte);
			pmap_mips_shootdown(kernel_pmap, ((vm_offset_t)i <<
			    SEG_SHIFT) | ((vm_offset_t)j << PAGE_SHIFT), true, npte);
		}
	}
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
	.deactivate_all = pmap_mips_deactivate_all,
	.tlb_refill = pmap_mips_tlb_refill,
	.emulate_modified = pmap_mips_emulate_modified,
	.check = pmap_mips_check,
	.pte_bits = pmap_mips_pte_bits,
	.kenter = pmap_mips_kenter,
	.kremove = pmap_mips_kremove,
	.kextract = pmap_mips_kextract,
	.kstack_switch = pmap_mips_kstack_switch,
	.pcpu_set = pmap_mips_pcpu_set,
	.sync_icache = pmap_mips_sync_icache,
	.page_set_memattr = pmap_mips_page_set_memattr,
};
