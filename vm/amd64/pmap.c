/*
 * vm/amd64/pmap.c — the x86-64 physical map (FreeBSD sys/amd64/amd64/pmap.c
 * as of 2010, plus PCIDs), over the hardware-walked TLB of mmu/tlb_amd64.h
 * (Intel SDM Vol. 3A, 4.5 "4-level paging", 4.10 "caching translation
 * information").
 *
 * A user pmap covers the lower canonical half, [0, 2^47).  Its tables are
 * real x86-64 tables, little-endian 64-bit entries in simulated physical
 * memory: one PML4 page per pmap, PDPT, PD and PT pages allocated on
 * demand; the VA splits as
 *
 *     47      39 38      30 29      21 20      12 11         0
 *    +----------+----------+----------+----------+------------+
 *    | PML4 idx | PDPT idx |  PD idx  |  PT idx  |   offset   |
 *    +----------+----------+----------+----------+------------+
 *
 * Upper-level entries are PG_V|PG_RW|PG_U (the leaf decides); a leaf is
 *
 *     63  62    52 51             12 11  9 8   7   6   5   4   3   2   1   0
 *    +--+--------+-----------------+-----+-+---+---+---+---+---+---+---+---+
 *    |NX|   0    |   frame         |AVL  |G|PAT| M | A |PCD|PWT| U |RW | V |
 *    +--+--------+-----------------+-----+-+---+---+---+---+---+---+---+---+
 *
 * with A and M left to the walker and AVL bit 9 used as PG_W (wired).
 *
 * Memory attributes select a PAT entry with PAT, PCD and PWT (SDM Vol. 3A,
 * 11.12.3).  The PAT layout assumed is the one FreeBSD programs at boot
 * and the CPUs reset to here (PAT_KERNEL in mmu/tlb_amd64.h):
 *
 *     index  PAT PCD PWT   type   vm_memattr_t
 *       0     0   0   0     WB    VM_MEMATTR_WRITE_BACK
 *       1     0   0   1     WT    VM_MEMATTR_WRITE_THROUGH
 *       2     0   1   0     UC-   VM_MEMATTR_UNCACHED
 *       3     0   1   1     UC    VM_MEMATTR_UNCACHEABLE
 *       4     1   0   0     WB    (unused)
 *       5     1   0   1     WP    (unused)
 *       6     1   1   0     WC    VM_MEMATTR_WRITE_COMBINING
 *       7     1   1   1     UC    (unused)
 *
 * User and kernel leaves carry the page's attribute (m->memattr at
 * pmap_enter / pmap_qenter); pmap_page_set_memattr rewrites them.  There
 * is no direct map in these tables (the kernel reaches frames natively:
 * vm/pmap.c), so there is no DMAP entry to keep in step.
 *
 * Each pmap owns one PCID (1..4095, the lowest free at create) for its
 * lifetime, so a context switch (pmap_activate) loads CR3 without a flush.
 *
 * Shootdown (VM-SPEC "amd64 shootdown"): one rendezvous per operation
 * (pmap_shootdown in vm/pmap.c) on the CPUs where the pmap is active, all
 * CPUs for the kernel pmap: kind page (INVLPG), range (an INVLPG per page
 * changed, up to PMAP_SD_MAXPAGES) or all (a flushing CR3 reload of the
 * PCID: global entries survive).  A CPU that ran the pmap earlier is only
 * marked stale (pm_stale) and flushes the PCID when it next activates the
 * pmap; a destroyed pmap's PCID passes its stale CPUs on to the next pmap
 * that gets the PCID.  Only a PTE with PG_A can be cached by a TLB (the
 * walker sets A before it fills), so changes to PTEs without A need no
 * shootdown; pmap_enter follows FreeBSD's rule (the old PTE was accessed
 * and its frame changed or NX was added, or it was dirty and loses RW)
 * and keeps A and M when the frame stays.  An operation that needs no
 * invalidation anywhere (or only on CPUs marked stale) logs nothing.
 *
 * The kernel pmap: one PML4 slot of the upper half (KPML4I, kernel VA
 * [0xfffffe0000000000, 0xfffffe8000000000)) whose PDPT is allocated with
 * the first kernel mapping and then stored into every user PML4, existing
 * (the list pmap_amd64_all) and future (so every CR3 reaches kernel
 * stacks); its upper entries lack PG_U, its leaves are
 * PG_V|PG_RW|PG_G|PG_NX|PG_W: supervisor only, global.
 *
 * XXX: page-table pages are freed only at pmap_destroy (FreeBSD frees a
 * table page when its last entry goes); no large pages; the kernel's own
 * code and data are reached through the direct map, not this pmap.
 */
#include "vm/pmap_md.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mmu/mmu.h"
#include "mmu/physmem.h"
#include "mmu/tlb_amd64.h"

#define PG_W		0x200ull	/* software (AVL bit 9): wired mapping */
#define PG_PAT_WB	0ull			/* PAT index 0: WB */
#define PG_PAT_WT	PG_PWT			/* PAT index 1: WT */
#define PG_PAT_UCM	PG_PCD			/* PAT index 2: UC- */
#define PG_PAT_UC	(PG_PCD | PG_PWT)	/* PAT index 3: UC */
#define PG_PAT_WC	(PG_PTE_PAT | PG_PCD)	/* PAT index 6: WC */
#define PG_UPPER	(PG_V | PG_RW | PG_U)	/* every user non-leaf entry */
#define PG_KUPPER	(PG_V | PG_RW)		/* every kernel non-leaf entry */

#define NPTEPG		(PAGE_SIZE / 8)		/* 64-bit entries per table */
#define PT_LEVELS	4			/* PML4, PDPT, PD, PT */
#define VM_MAXUSER_ADDRESS ((vm_offset_t)1 << 47)	/* user space ends */
#define NPCID		4096			/* PCIDs 0..4095; 0 is never used */
#define KPML4I		508			/* the kernel's PML4 slot */
#define KVA_MIN		((vm_offset_t)0xfffffe0000000000ull)	/* = KPML4I << 39, sign-extended */
#define KVA_MAX		((vm_offset_t)0xfffffe8000000000ull)	/* one PML4 slot: 512 GiB */

/* Bit shift of the index at level l (3 = PML4 ... 0 = PT). */
#define LEVEL_SHIFT(l)	(PAGE_SHIFT + 9 * (l))
#define LEVEL_INDEX(va, l) (((va) >> LEVEL_SHIFT(l)) & (NPTEPG - 1))

/* PCIDs in use, and per PCID the CPUs that may still cache translations
 * a destroyed pmap made under it. */
static uint64_t pmap_pcid_used[NPCID / 64];
static uint64_t pmap_pcid_stale[NPCID];
/* Every user pmap, newest first. */
static struct pmap *pmap_amd64_all;

static uint64_t
pmap_amd64_ld(vm_paddr_t pa)
{
	return (physmem_ld64le(pmap_mach.pm, pa));
}

static void
pmap_amd64_st(vm_paddr_t pa, uint64_t v)
{
	physmem_st64le(pmap_mach.pm, pa, v);
}

/*
 * The physical address of va's leaf PTE.  With create, missing tables are
 * allocated (0 when no page can be had).  Without it, 0 when a table is
 * missing; then *skip (if not NULL) is the end of the VA range that the
 * missing table would map, where a range walk may resume.
 */
static vm_paddr_t
pmap_amd64_ptepa(struct pmap *pmap, vm_offset_t va, bool create,
    vm_offset_t *skip)
{
	vm_paddr_t table, epa;
	vm_page_t m;
	uint64_t e;
	int l;

	table = pmap->pm_root->phys_addr;
	for (l = PT_LEVELS - 1; l > 0; l--) {
		epa = table + LEVEL_INDEX(va, l) * 8;
		e = pmap_amd64_ld(epa);
		if ((e & PG_V) == 0) {
			if (!create) {
				if (skip != NULL)
					*skip = (va | (((vm_offset_t)1 <<
					    LEVEL_SHIFT(l)) - 1)) + 1;
				return (0);
			}
			m = pmap_ptpage_alloc(pmap);
			if (m == NULL)
				return (0);
			e = m->phys_addr | (pmap == kernel_pmap ? PG_KUPPER : PG_UPPER);
			pmap_amd64_st(epa, e);
		}
		table = e & PG_FRAME;
	}
	return (table + LEVEL_INDEX(va, 0) * 8);
}

/* va's leaf PTE, or 0. */
static uint64_t
pmap_amd64_pte(struct pmap *pmap, vm_offset_t va)
{
	vm_paddr_t ptepa;

	if (va >= VM_MAXUSER_ADDRESS)
		return (0);
	ptepa = pmap_amd64_ptepa(pmap, va, false, NULL);
	return (ptepa != 0 ? pmap_amd64_ld(ptepa) : 0);
}

static uint64_t pmap_amd64_check_walk(struct pmap *pmap, vm_offset_t va);

/* The PAT, PCD and PWT bits of a 4 KiB leaf for memory attribute ma (the
 * layout in the file comment). */
static uint64_t
pmap_amd64_cache_bits(vm_memattr_t ma)
{
	switch (ma) {
	case VM_MEMATTR_WRITE_BACK:
		return (PG_PAT_WB);
	case VM_MEMATTR_WRITE_THROUGH:
		return (PG_PAT_WT);
	case VM_MEMATTR_WRITE_COMBINING:
		return (PG_PAT_WC);
	case VM_MEMATTR_UNCACHEABLE:
		return (PG_PAT_UC);
	case VM_MEMATTR_UNCACHED:
		return (PG_PAT_UCM);
	}
	panic("pmap_amd64: memattr %u", ma);
}

/*
 * The pages one operation invalidates, gathered while it runs and shot
 * down together at its end (pmap_amd64_batch_flush): one page, a range,
 * or beyond PMAP_SD_MAXPAGES pages the whole PCID.
 */
struct pmap_amd64_batch {
	struct pmap_sd sd;
	bool overflow;
	bool noskip;		/* --bug skip-shootdown does not apply */
};

static void
pmap_amd64_batch_init(struct pmap_amd64_batch *b, struct pmap *pmap)
{
	memset(b, 0, sizeof(*b));
	b->sd.pmap = pmap;
}

static void
pmap_amd64_batch_add(struct pmap_amd64_batch *b, vm_offset_t va)
{
	if (b->sd.npages == 0 && !b->overflow)
		b->sd.sva = va;
	b->sd.eva = va + PAGE_SIZE;
	if (b->sd.npages < PMAP_SD_MAXPAGES)
		b->sd.va[b->sd.npages++] = va;
	else
		b->overflow = true;
}

/* One CPU's part: INVLPG each page (any PCID drops global entries), or
 * flush the PCID. */
static void
pmap_amd64_sd_invalidate(struct mmu_cpu *cpu, const struct pmap_sd *sd)
{
	bool kernel = sd->pmap == kernel_pmap;
	uint16_t pcid = kernel ? cpu->pcid : sd->pmap->pm_md.amd64.pm_pcid;
	int i;

	if (sd->kind == PMAP_SD_ALL) {
		KASSERT(!kernel, ("pmap_amd64: kernel shootdown of kind all"));
		tlb_amd64_flush_pcid(&cpu->tlb_amd64, pcid);
		if (cpu->nstale != 0)
			mmu_stale_forget(cpu, 0, VM_MAXUSER_ADDRESS, pcid);
		return;
	}
	for (i = 0; i < sd->npages; i++)
		tlb_amd64_invlpg(&cpu->tlb_amd64, sd->va[i], pcid);
	if (cpu->nstale != 0 && !kernel)
		mmu_stale_forget(cpu, sd->sva, sd->eva, pcid);
}

/*
 * --bug skip-shootdown: cpu keeps its entries.  Each valid 4 KiB entry of
 * the pmap's PCID in the range that grants more than the tables now
 * (another frame, none, or RW the tables took away) is registered with
 * the stale watch.
 */
static void
pmap_amd64_sd_skipped(struct mmu_cpu *cpu, const struct pmap_sd *sd)
{
	uint16_t pcid = sd->pmap->pm_md.amd64.pm_pcid;
	struct tlb_amd64_entry *e;
	vm_offset_t va;
	uint64_t pte;
	unsigned i;

	for (i = 0; i < cpu->tlb_amd64.nentries; i++) {
		e = &cpu->tlb_amd64.e[i];
		if (!e->valid || e->pcid != pcid || (e->flags & PG_G) ||
		    e->pgsz != TLB_AMD64_4K)
			continue;
		va = e->vpn << PAGE_SHIFT;
		if (va < sd->sva || va >= sd->eva)
			continue;
		pte = pmap_amd64_check_walk(sd->pmap, va);
		if ((pte & PG_V) == 0)
			mmu_stale_watch(cpu, va, pcid, ptoa(e->pfn), MMU_STALE_NONE,
			    false);
		else if (((pte & PG_FRAME) >> PAGE_SHIFT) != e->pfn ||
		    ((e->flags & PG_RW) && !(pte & PG_RW)))
			mmu_stale_watch(cpu, va, pcid, ptoa(e->pfn),
			    pte & PG_FRAME, (pte & PG_RW) != 0);
	}
}

/*
 * The shootdown of the gathered pages: on every CPU for the kernel pmap,
 * else on the CPUs where the pmap is active; a CPU that ran it before is
 * marked stale and flushes the PCID when it returns to it.
 */
static void
pmap_amd64_batch_flush(struct pmap_amd64_batch *b)
{
	struct pmap *pmap = b->sd.pmap;
	struct pmap_amd64 *md = &pmap->pm_md.amd64;

	if (b->sd.npages == 0)
		return;
	if (pmap == kernel_pmap) {
		KASSERT(!b->overflow, ("pmap_amd64: kernel batch overflow"));
		b->sd.cpus = pmap_all_cpus();
		b->sd.skipped = NULL;
	} else {
		md->pm_stale |= md->pm_save & ~pmap->pm_active;
		b->sd.cpus = pmap->pm_active;
		b->sd.skipped = b->noskip ? NULL : pmap_amd64_sd_skipped;
	}
	if (b->sd.cpus == 0)
		return;
	b->sd.kind = b->overflow ? PMAP_SD_ALL : b->sd.npages == 1 ?
	    PMAP_SD_PAGE : PMAP_SD_RANGE;
	b->sd.invalidate = pmap_amd64_sd_invalidate;
	pmap_shootdown(&b->sd);
}

/*
 * va's PTE in pmap became pte: CPUs watching va for pmap's PCID (a
 * skipped shootdown) learn what the tables give now.
 */
static void
pmap_amd64_stale_note(struct pmap *pmap, vm_offset_t va, uint64_t pte)
{
	int c;

	for (c = 0; c < pmap_mach.ncpus; c++)
		if (pmap_cpu(c)->nstale != 0)
			mmu_stale_tables(pmap_cpu(c), va, pmap->pm_md.amd64.pm_pcid,
			    (pte & PG_V) ? (pte & PG_FRAME) : MMU_STALE_NONE,
			    (pte & PG_RW) != 0);
}

/* The shootdown of one page (noskip: even under --bug skip-shootdown). */
static void
pmap_amd64_invalidate_page_sd(struct pmap *pmap, vm_offset_t va, bool noskip)
{
	struct pmap_amd64_batch b;

	pmap_amd64_batch_init(&b, pmap);
	b.noskip = noskip;
	pmap_amd64_batch_add(&b, va);
	pmap_amd64_batch_flush(&b);
}

static void
pmap_amd64_invalidate_page(struct pmap *pmap, vm_offset_t va)
{
	pmap_amd64_invalidate_page_sd(pmap, va, false);
}

/* A torn-down PTE of va gives its counts and pv entry back, and its M bit
 * to its page. */
static void
pmap_amd64_pte_release(struct pmap *pmap, vm_offset_t va, uint64_t pte)
{
	KASSERT(pmap->pm_resident > 0, ("pmap_amd64: resident count underflow"));
	pmap->pm_resident--;
	if (pte & PG_W) {
		KASSERT(pmap->pm_wired > 0, ("pmap_amd64: wired count underflow"));
		pmap->pm_wired--;
	}
	if (pte & PG_M)
		pmap_page_dirty(pte & PG_FRAME);
	pmap_pv_remove(pmap, va, pte & PG_FRAME);
}

static void
pmap_amd64_bootstrap(void)
{
	pmap_kva_min = KVA_MIN;
	pmap_kva_max = KVA_MAX;
	memset(pmap_pcid_used, 0, sizeof(pmap_pcid_used));
	memset(pmap_pcid_stale, 0, sizeof(pmap_pcid_stale));
	pmap_amd64_all = NULL;
	pmap_pcid_used[0] |= 1;		/* PCID 0: no user pmap */
}

/*
 * The kernel pmap's PML4 and the PDPT of its slot, allocated once, at the
 * first kernel mapping (pmap_bootstrap comes before the page allocator),
 * and the slot stored into every user PML4.  0, or -1 when no page can be
 * had.
 */
static int
pmap_amd64_kernel_init(void)
{
	vm_page_t pml4, pdpt;
	struct pmap *p;

	if (kernel_pmap->pm_root != NULL)
		return (0);
	if ((pml4 = pmap_ptpage_alloc(kernel_pmap)) == NULL)
		return (-1);
	if ((pdpt = pmap_ptpage_alloc(kernel_pmap)) == NULL) {
		pmap_ptpage_free(kernel_pmap, pml4);
		return (-1);
	}
	kernel_pmap->pm_root = pml4;
	pmap_amd64_st(pml4->phys_addr + KPML4I * 8, pdpt->phys_addr | PG_KUPPER);
	for (p = pmap_amd64_all; p != NULL; p = p->pm_md.amd64.pm_next)
		pmap_amd64_st(p->pm_root->phys_addr + KPML4I * 8,
		    pdpt->phys_addr | PG_KUPPER);
	return (0);
}

/*
 * An empty pmap: a PML4 holding only the kernel's slot (once it exists),
 * and the lowest free PCID.  NULL when no page or no PCID (4095 pmaps exist) can be had.
 */
static struct pmap *
pmap_amd64_create(void)
{
	struct pmap *pmap;
	unsigned pcid;

	for (pcid = 1; pcid < NPCID; pcid++)
		if ((pmap_pcid_used[pcid / 64] & ((uint64_t)1 << (pcid % 64))) == 0)
			break;
	if (pcid == NPCID)
		return (NULL);
	pmap = calloc(1, sizeof(*pmap));
	if (pmap == NULL)
		return (NULL);
	pmap->pm_root = pmap_ptpage_alloc(pmap);
	if (pmap->pm_root == NULL) {
		free(pmap);
		return (NULL);
	}
	if (kernel_pmap->pm_root != NULL)
		pmap_amd64_st(pmap->pm_root->phys_addr + KPML4I * 8,
		    pmap_amd64_ld(kernel_pmap->pm_root->phys_addr + KPML4I * 8));
	if ((pmap->pm_md.amd64.pm_next = pmap_amd64_all) != NULL)
		pmap_amd64_all->pm_md.amd64.pm_prevp = &pmap->pm_md.amd64.pm_next;
	pmap->pm_md.amd64.pm_prevp = &pmap_amd64_all;
	pmap_amd64_all = pmap;
	pmap_pcid_used[pcid / 64] |= (uint64_t)1 << (pcid % 64);
	pmap->pm_md.amd64.pm_pcid = (uint16_t)pcid;
	pmap->pm_md.amd64.pm_stale = pmap_pcid_stale[pcid];
	pmap_pcid_stale[pcid] = 0;
	return (pmap);
}

/* Free table page pa of level l and, first, the tables below it. */
static void
pmap_amd64_free_table(struct pmap *pmap, vm_paddr_t pa, int l)
{
	uint64_t e;
	unsigned i;

	for (i = 0; i < NPTEPG; i++) {
		e = pmap_amd64_ld(pa + i * 8);
		if (l == 0) {
			KASSERT((e & PG_V) == 0, ("pmap_destroy: PTE 0x%llx left",
			    (unsigned long long)e));
			continue;
		}
		if (l == PT_LEVELS - 1 && i == KPML4I)
			continue;	/* the kernel's, shared */
		if (e & PG_V)
			pmap_amd64_free_table(pmap, e & PG_FRAME, l - 1);
	}
	pmap_ptpage_free(pmap, PHYS_TO_VM_PAGE(pa));
}

/*
 * Free every table page and the pmap; its PCID becomes free, and the CPUs
 * that may cache its translations are handed to the PCID's next owner.
 * Requires every mapping removed.  A CPU still running the pmap is left
 * with none: it must activate another before translating.
 */
static void
pmap_amd64_destroy(struct pmap *pmap)
{
	struct pmap_amd64 *md = &pmap->pm_md.amd64;
	int c;

	KASSERT(pmap->pm_resident == 0 && pmap->pm_wired == 0,
	    ("pmap_destroy: %lu mappings (%lu wired) left", pmap->pm_resident,
	    pmap->pm_wired));
	pmap_amd64_free_table(pmap, pmap->pm_root->phys_addr, PT_LEVELS - 1);
	KASSERT(pmap->pm_ptpages == 0, ("pmap_destroy: %lu table pages leaked",
	    pmap->pm_ptpages));
	for (c = 0; c < pmap_mach.ncpus; c++)
		if (pmap_pcpu[c].pc_active == pmap)
			pmap_pcpu[c].pc_active = NULL;
	if ((*md->pm_prevp = md->pm_next) != NULL)
		md->pm_next->pm_md.amd64.pm_prevp = md->pm_prevp;
	pmap_pcid_stale[md->pm_pcid] = md->pm_save | md->pm_stale;
	pmap_pcid_used[md->pm_pcid / 64] &= ~((uint64_t)1 << (md->pm_pcid % 64));
	free(pmap);
}

/*
 * Map va -> m: PG_V|PG_U, PG_RW when prot allows writing, PG_NX unless it
 * allows execution, PG_W when wired, the cache bits of m->memattr; A and
 * M are the walker's.  A valid old PTE gives its M bit to its page and is
 * shot down when a TLB may hold more than the new one allows (another
 * frame or memory type, execution or a dirty write taken away).
 */
static int
pmap_amd64_enter(struct pmap *pmap, vm_offset_t va, vm_prot_t access,
    vm_page_t m, vm_prot_t prot, bool wired)
{
	vm_paddr_t ptepa, pa;
	uint64_t opte, npte;

	(void)access;		/* the walker sets A and M itself */
	KASSERT(va < VM_MAXUSER_ADDRESS, ("pmap_enter: va 0x%llx outside user "
	    "space", (unsigned long long)va));
	pa = VM_PAGE_TO_PHYS(m);
	KASSERT((pa & ~PG_FRAME) == 0, ("pmap_enter: pa 0x%llx",
	    (unsigned long long)pa));
	ptepa = pmap_amd64_ptepa(pmap, va, true, NULL);
	if (ptepa == 0)
		return (KERN_RESOURCE_SHORTAGE);

	npte = pa | PG_V | PG_U;
	if (prot & VM_PROT_WRITE)
		npte |= PG_RW;
	if ((prot & VM_PROT_EXECUTE) == 0)
		npte |= PG_NX;
	if (wired)
		npte |= PG_W;
	npte |= pmap_amd64_cache_bits(m->memattr);

	opte = pmap_amd64_ld(ptepa);
	if (opte & PG_V) {
		pmap_amd64_pte_release(pmap, va, opte);
		/* Same frame: A (and M while writable) stay, so that a TLB
		 * entry never implies bits the PTE lacks. */
		if ((opte & PG_FRAME) == pa)
			npte |= opte & ((npte & PG_RW) ? (PG_A | PG_M) : PG_A);
	}
	pmap_amd64_st(ptepa, npte);
	pmap_amd64_stale_note(pmap, va, npte);
	pmap_pv_insert(pmap, va, m);
	pmap->pm_resident++;
	if (wired)
		pmap->pm_wired++;
	/* FreeBSD's rule: an accessed PTE whose frame changed or that lost
	 * execution, or a dirty one that lost write, may be cached; so may
	 * an accessed one of another memory type (always shot down). */
	if ((opte & PG_V) && (opte & PG_A) &&
	    ((opte ^ npte) & PG_CACHE_BITS) != 0)
		pmap_amd64_invalidate_page_sd(pmap, va, true);
	else if ((opte & PG_V) && (((opte & PG_A) && ((opte & PG_FRAME) != pa ||
	    (!(opte & PG_NX) && (npte & PG_NX)))) ||
	    ((opte & (PG_RW | PG_M)) == (PG_RW | PG_M) && !(npte & PG_RW))))
		pmap_amd64_invalidate_page(pmap, va);
	return (KERN_SUCCESS);
}

/*
 * Apply fn to every valid PTE in [sva, eva) (page aligned), skipping the
 * range of a missing table in one step.  fn returns the new PTE; a changed
 * PTE is stored; those that had PG_A (a TLB may cache them) are shot down
 * together at the end, in one operation.
 */
static void
pmap_amd64_range(struct pmap *pmap, vm_offset_t sva, vm_offset_t eva,
    uint64_t (*fn)(struct pmap *, vm_offset_t, uint64_t, vm_prot_t),
    vm_prot_t prot)
{
	struct pmap_amd64_batch b;
	vm_offset_t va, ptend;
	vm_paddr_t ptepa;
	uint64_t opte, npte;

	pmap_amd64_batch_init(&b, pmap);
	eva = MIN(eva, VM_MAXUSER_ADDRESS);
	for (va = sva; va < eva; ) {
		ptepa = pmap_amd64_ptepa(pmap, va, false, &ptend);
		if (ptepa == 0) {
			va = ptend;
			continue;
		}
		ptend = MIN((va | (((vm_offset_t)1 << LEVEL_SHIFT(1)) - 1)) + 1, eva);
		for (; va < ptend; va += PAGE_SIZE, ptepa += 8) {
			opte = pmap_amd64_ld(ptepa);
			if ((opte & PG_V) == 0)
				continue;
			npte = fn(pmap, va, opte, prot);
			if (npte == opte)
				continue;
			pmap_amd64_st(ptepa, npte);
			pmap_amd64_stale_note(pmap, va, npte);
			if (opte & PG_A)
				pmap_amd64_batch_add(&b, va);
		}
	}
	pmap_amd64_batch_flush(&b);
}

static uint64_t
pmap_amd64_remove_pte(struct pmap *pmap, vm_offset_t va, uint64_t opte,
    vm_prot_t prot)
{
	(void)prot;
	pmap_amd64_pte_release(pmap, va, opte);
	return (0);
}

static uint64_t
pmap_amd64_protect_pte(struct pmap *pmap, vm_offset_t va, uint64_t opte,
    vm_prot_t prot)
{
	uint64_t npte = opte;

	(void)pmap;
	(void)va;
	if ((prot & VM_PROT_WRITE) == 0) {
		if (opte & PG_M)
			pmap_page_dirty(opte & PG_FRAME);
		npte &= ~(PG_RW | PG_M);
	}
	if ((prot & VM_PROT_EXECUTE) == 0)
		npte |= PG_NX;
	return (npte);
}

/* Remove every mapping in [sva, eva), one shootdown for all of them. */
static void
pmap_amd64_remove(struct pmap *pmap, vm_offset_t sva, vm_offset_t eva)
{
	pmap_amd64_range(pmap, sva, eva, pmap_amd64_remove_pte, VM_PROT_NONE);
}

/* Clear RW (M goes to the page) without WRITE; set NX without EXECUTE. */
static void
pmap_amd64_protect(struct pmap *pmap, vm_offset_t sva, vm_offset_t eva,
    vm_prot_t prot)
{
	if ((prot & (VM_PROT_WRITE | VM_PROT_EXECUTE)) ==
	    (VM_PROT_WRITE | VM_PROT_EXECUTE))
		return;		/* never raises: nothing to do */
	pmap_amd64_range(pmap, sva, eva, pmap_amd64_protect_pte, prot);
}

static vm_paddr_t
pmap_amd64_extract(struct pmap *pmap, vm_offset_t va)
{
	uint64_t pte;

	pte = pmap_amd64_pte(pmap, va);
	if ((pte & PG_V) == 0)
		return (0);
	return ((pte & PG_FRAME) | (va & PAGE_MASK));
}

/* PG_W is software only: no TLB holds it, no shootdown. */
static void
pmap_amd64_change_wiring(struct pmap *pmap, vm_offset_t va, bool wired)
{
	vm_paddr_t ptepa;
	uint64_t pte;

	if (va >= VM_MAXUSER_ADDRESS ||
	    (ptepa = pmap_amd64_ptepa(pmap, va, false, NULL)) == 0)
		return;
	pte = pmap_amd64_ld(ptepa);
	if ((pte & PG_V) == 0 || ((pte & PG_W) != 0) == wired)
		return;
	if (wired) {
		pmap_amd64_st(ptepa, pte | PG_W);
		pmap->pm_wired++;
	} else {
		KASSERT(pmap->pm_wired > 0, ("pmap_amd64: wired count underflow"));
		pmap_amd64_st(ptepa, pte & ~PG_W);
		pmap->pm_wired--;
	}
}

static vm_prot_t
pmap_amd64_prot(struct pmap *pmap, vm_offset_t va)
{
	uint64_t pte;

	pte = pmap_amd64_pte(pmap, va);
	if ((pte & PG_V) == 0)
		return (VM_PROT_NONE);
	return (VM_PROT_READ | ((pte & PG_RW) ? VM_PROT_WRITE : 0) |
	    ((pte & PG_NX) ? 0 : VM_PROT_EXECUTE));
}

/*
 * Load CR3 with pmap's PML4 and PCID on cpu (no flush), after flushing
 * the PCID there if cpu may hold stale entries for it; cpu leaves the
 * active set of the pmap it ran before.
 */
static void
pmap_amd64_activate(struct pmap *pmap, struct mmu_cpu *cpu)
{
	struct pmap_amd64 *md = &pmap->pm_md.amd64;
	struct pmap_pcpu *pc = &pmap_pcpu[cpu->id];
	uint64_t bit = PMAP_CPUBIT(cpu->id);

	if (pc->pc_active != NULL)
		pc->pc_active->pm_active &= ~bit;
	if (md->pm_stale & bit) {
		tlb_amd64_flush_pcid(&cpu->tlb_amd64, md->pm_pcid);
		md->pm_stale &= ~bit;
	}
	pmap->pm_active |= bit;
	md->pm_save |= bit;
	pc->pc_active = pmap;
	mmu_set_cr3(cpu, pmap->pm_root->phys_addr, md->pm_pcid);
}

static void
pmap_amd64_deactivate_all(struct pmap *pmap)
{
	struct pmap_amd64 *md = &pmap->pm_md.amd64;

	for (int c = 0; c < pmap_mach.ncpus; c++) {
		struct mmu_cpu *cpu = pmap_mach.cpus[c];

		if (pmap_pcpu[c].pc_active != pmap)
			continue;
		pmap_pcpu[c].pc_active = NULL;
		pmap->pm_active &= ~PMAP_CPUBIT(c);
		md->pm_stale |= PMAP_CPUBIT(c);
		/* The kernel's half only: no user translation can be made. */
		mmu_set_cr3(cpu, kernel_pmap->pm_root != NULL ?
		    kernel_pmap->pm_root->phys_addr : 0, 0);
	}
}

static int
pmap_amd64_tlb_refill(struct mmu_cpu *cpu, vm_offset_t va)
{
	panic("pmap_tlb_refill: amd64 has a hardware walker (cpu %d, va 0x%llx)",
	    cpu->id, (unsigned long long)va);
}

static int
pmap_amd64_emulate_modified(struct pmap *pmap, struct mmu_cpu *cpu,
    vm_offset_t va)
{
	(void)pmap;
	panic("pmap_emulate_modified: amd64 sets M in hardware (cpu %d, "
	    "va 0x%llx)", cpu->id, (unsigned long long)va);
}

/*
 * A read-only walk for the checker (walk_amd64 would set A and M): the
 * leaf PTE with the effective RW and U (AND over the levels) and NX (OR),
 * or 0 when some level is not present.
 */
static uint64_t
pmap_amd64_check_walk(struct pmap *pmap, vm_offset_t va)
{
	vm_paddr_t table;
	uint64_t e = 0, and_bits = PG_RW | PG_U, nx = 0;
	int l;

	table = pmap->pm_root->phys_addr;
	for (l = PT_LEVELS - 1; l >= 0; l--) {
		if (table + PAGE_SIZE > pmap_mach.pm->size)
			return (0);
		e = pmap_amd64_ld(table + LEVEL_INDEX(va, l) * 8);
		if ((e & PG_V) == 0)
			return (0);
		and_bits &= e;
		nx |= e & PG_NX;
		table = e & PG_FRAME;
	}
	return ((e & ~(PG_RW | PG_U | PG_NX)) | and_bits | nx);
}

/* Count valid leaves (and wired ones) and table pages under table pa. */
static void
pmap_amd64_check_count(vm_paddr_t pa, int l, unsigned long *resident,
    unsigned long *wired, unsigned long *ptpages)
{
	uint64_t e;
	unsigned i;

	(*ptpages)++;
	for (i = 0; i < NPTEPG; i++) {
		e = pmap_amd64_ld(pa + i * 8);
		if ((e & PG_V) == 0 || (l == PT_LEVELS - 1 && i == KPML4I))
			continue;
		if (l == 0) {
			(*resident)++;
			if (e & PG_W)
				(*wired)++;
		} else if ((e & PG_FRAME) + PAGE_SIZE <= pmap_mach.pm->size)
			pmap_amd64_check_count(e & PG_FRAME, l - 1, resident,
			    wired, ptpages);
	}
}

/*
 * The counts agree with the tables, the active set with the per-CPU
 * records, and on every CPU that ran the pmap and is not marked stale
 * (the active ones among them) no valid TLB entry tagged with its PCID
 * grants more than a walk of the tables: same frame, RW and U only if the
 * walk gives them, execution only if the walk allows it, the same memory
 * type (PAT, PCD, PWT).
 */
static int
pmap_amd64_check(struct pmap *pmap, char *msg, size_t msglen)
{
	struct pmap_amd64 *md = &pmap->pm_md.amd64;
	struct tlb_amd64_entry *e;
	struct mmu_cpu *cpu;
	unsigned long resident = 0, wired = 0, ptpages = 0;
	uint64_t pte, va;
	unsigned i;
	int c;

	pmap_amd64_check_count(pmap->pm_root->phys_addr, PT_LEVELS - 1,
	    &resident, &wired, &ptpages);
	if (resident != pmap->pm_resident || wired != pmap->pm_wired ||
	    ptpages != pmap->pm_ptpages) {
		snprintf(msg, msglen, "pmap: tables hold %lu PTEs (%lu wired) in "
		    "%lu pages, counts say %lu (%lu) in %lu", resident, wired,
		    ptpages, pmap->pm_resident, pmap->pm_wired, pmap->pm_ptpages);
		return (-1);
	}
	if (kernel_pmap->pm_root != NULL && ((pmap_amd64_ld(pmap->pm_root->phys_addr +
	    KPML4I * 8) ^ pmap_amd64_ld(kernel_pmap->pm_root->phys_addr +
	    KPML4I * 8)) & (PG_FRAME | PG_KUPPER | PG_U)) != 0) {
		snprintf(msg, msglen, "pmap: PML4 slot %d is not the kernel's",
		    KPML4I);
		return (-1);
	}
	if ((pmap->pm_active & ~md->pm_save) != 0 ||
	    (pmap->pm_active & md->pm_stale) != 0) {
		snprintf(msg, msglen, "pmap: active 0x%llx, save 0x%llx, stale "
		    "0x%llx", (unsigned long long)pmap->pm_active,
		    (unsigned long long)md->pm_save,
		    (unsigned long long)md->pm_stale);
		return (-1);
	}
	for (c = 0; c < pmap_mach.ncpus; c++) {
		cpu = pmap_cpu(c);
		if ((pmap_pcpu[c].pc_active == pmap) !=
		    ((pmap->pm_active & PMAP_CPUBIT(c)) != 0)) {
			snprintf(msg, msglen, "pmap: cpu %d active set disagrees", c);
			return (-1);
		}
		if (pmap_pcpu[c].pc_active == pmap && (cpu->pcid != md->pm_pcid ||
		    (cpu->cr3 & PG_FRAME) != pmap->pm_root->phys_addr)) {
			snprintf(msg, msglen, "pmap: cpu %d runs CR3 0x%llx PCID %u, "
			    "pmap has 0x%llx PCID %u", c,
			    (unsigned long long)cpu->cr3, cpu->pcid,
			    (unsigned long long)pmap->pm_root->phys_addr,
			    md->pm_pcid);
			return (-1);
		}
		if ((md->pm_save & PMAP_CPUBIT(c)) == 0 ||
		    (md->pm_stale & PMAP_CPUBIT(c)) != 0)
			continue;
		/* Every entry of every TLB level; this pmap maps no large
		 * pages, so a large entry of its PCID is wrong. */
		for (i = 0; i < cpu->tlb_amd64.nentries; i++) {
			e = &cpu->tlb_amd64.e[i];
			if (!e->valid || e->pcid != md->pm_pcid || (e->flags & PG_G))
				continue;
			va = e->vpn << PAGE_SHIFT;
			pte = pmap_amd64_check_walk(pmap, va);
			if (cpu->nstale != 0 && e->pgsz == TLB_AMD64_4K &&
			    mmu_stale_watched(cpu, va, md->pm_pcid, ptoa(e->pfn)))
				continue;	/* a skipped shootdown's leftover */
			if ((pte & PG_V) == 0 || e->pgsz != TLB_AMD64_4K ||
			    ((pte & PG_FRAME) >> PAGE_SHIFT) !=
			    e->pfn || ((e->flags & PG_RW) && !(pte & PG_RW)) ||
			    ((e->flags & PG_U) && !(pte & PG_U)) ||
			    (!(e->flags & PG_NX) && (pte & PG_NX)) ||
			    ((e->flags ^ pte) & PG_CACHE_BITS) != 0) {
				snprintf(msg, msglen, "pmap: cpu %d TLB[%u] maps "
				    "0x%llx PCID %u to frame 0x%llx flags 0x%llx, "
				    "tables say PTE 0x%llx", c, i,
				    (unsigned long long)va, e->pcid,
				    (unsigned long long)e->pfn,
				    (unsigned long long)e->flags,
				    (unsigned long long)pte);
				return (-1);
			}
		}
	}
	return (0);
}

/*
 * The status of va's leaf (PMAP_PTE_*); clearing A or M in a PTE is
 * followed by an INVLPG shootdown, so that the walker sets them again at
 * the next reference / store (a TLB entry caches them).
 */
static int
pmap_amd64_pte_bits(struct pmap *pmap, vm_offset_t va, int clear)
{
	vm_paddr_t ptepa;
	uint64_t pte, npte;
	int bits;

	if (va >= VM_MAXUSER_ADDRESS ||
	    (ptepa = pmap_amd64_ptepa(pmap, va, false, NULL)) == 0)
		return (0);
	pte = pmap_amd64_ld(ptepa);
	if ((pte & PG_V) == 0)
		return (0);
	bits = PMAP_PTE_VALID | ((pte & PG_A) ? PMAP_PTE_REFERENCED : 0) |
	    ((pte & PG_M) ? PMAP_PTE_MODIFIED : 0);
	npte = pte;
	if (clear & PMAP_PTE_REFERENCED)
		npte &= ~PG_A;
	if (clear & PMAP_PTE_MODIFIED)
		npte &= ~PG_M;
	if (npte != pte) {
		pmap_amd64_st(ptepa, npte);
		pmap_amd64_invalidate_page(pmap, va);
	}
	return (bits);
}

/* ---- the kernel pmap ---- */

#define PG_KLEAF	(PG_V | PG_RW | PG_G | PG_NX | PG_W)	/* kernel leaves */

/*
 * Map count frames at kernel va..: supervisor, read/write, global, wired
 * (FreeBSD pmap_kenter without PG_U), with the cache bits of ma[].
 * Replaced PTEs that were accessed and change frame or memory type are
 * shot down on every CPU, in one operation.
 * XXX: a missing kernel page-table page that cannot be allocated panics
 * (FreeBSD grows the kernel tables ahead, pmap_growkernel).
 */
static void
pmap_amd64_kenter(vm_offset_t va, const vm_paddr_t *pa, const vm_memattr_t *ma,
    int count)
{
	struct pmap_amd64_batch b;
	vm_paddr_t ptepa;
	uint64_t opte, npte;
	int i;

	if (pmap_amd64_kernel_init() != 0)
		panic("pmap_kenter: no page for the kernel page tables");
	pmap_amd64_batch_init(&b, kernel_pmap);
	for (i = 0; i < count; i++, va += PAGE_SIZE) {
		KASSERT((pa[i] & ~PG_FRAME) == 0, ("pmap_kenter: pa %#llx",
		    (unsigned long long)pa[i]));
		ptepa = pmap_amd64_ptepa(kernel_pmap, va, true, NULL);
		if (ptepa == 0)
			panic("pmap_kenter: no page for a kernel page table "
			    "(va %#llx)", (unsigned long long)va);
		opte = pmap_amd64_ld(ptepa);
		if (opte & PG_V) {
			kernel_pmap->pm_resident--;
			kernel_pmap->pm_wired--;
		}
		npte = pa[i] | PG_KLEAF | pmap_amd64_cache_bits(ma[i]);
		pmap_amd64_st(ptepa, npte);
		kernel_pmap->pm_resident++;
		kernel_pmap->pm_wired++;
		if ((opte & (PG_V | PG_A)) == (PG_V | PG_A) &&
		    ((opte ^ npte) & (PG_FRAME | PG_CACHE_BITS)) != 0)
			pmap_amd64_batch_add(&b, va);
	}
	pmap_amd64_batch_flush(&b);
}

/* Unmap count kernel pages at va..; accessed ones are shot down on every
 * CPU, up to PMAP_SD_MAXPAGES per operation. */
static void
pmap_amd64_kremove(vm_offset_t va, int count)
{
	struct pmap_amd64_batch b;
	vm_paddr_t ptepa;
	uint64_t opte;
	int i;

	if (kernel_pmap->pm_root == NULL)
		return;
	pmap_amd64_batch_init(&b, kernel_pmap);
	for (i = 0; i < count; i++, va += PAGE_SIZE) {
		ptepa = pmap_amd64_ptepa(kernel_pmap, va, false, NULL);
		if (ptepa == 0 || ((opte = pmap_amd64_ld(ptepa)) & PG_V) == 0)
			continue;
		pmap_amd64_st(ptepa, 0);
		KASSERT(kernel_pmap->pm_resident > 0 && kernel_pmap->pm_wired > 0,
		    ("pmap_kremove: count underflow"));
		kernel_pmap->pm_resident--;
		kernel_pmap->pm_wired--;
		if (opte & PG_A) {
			if (b.sd.npages == PMAP_SD_MAXPAGES) {
				pmap_amd64_batch_flush(&b);
				pmap_amd64_batch_init(&b, kernel_pmap);
			}
			pmap_amd64_batch_add(&b, va);
		}
	}
	pmap_amd64_batch_flush(&b);
}

static vm_paddr_t
pmap_amd64_kextract(vm_offset_t va)
{
	vm_paddr_t ptepa;
	uint64_t pte;

	if (kernel_pmap->pm_root == NULL ||
	    (ptepa = pmap_amd64_ptepa(kernel_pmap, va, false, NULL)) == 0)
		return (0);
	pte = pmap_amd64_ld(ptepa);
	if ((pte & PG_V) == 0)
		return (0);
	return ((pte & PG_FRAME) | (va & PAGE_MASK));
}

/* Kernel stacks and per-CPU data are reached through the page tables of
 * whatever CR3 is loaded (every PML4 has the kernel slot): nothing to do. */
static void
pmap_amd64_kstack_switch(struct mmu_cpu *cpu, vm_offset_t kstack)
{
	(void)cpu;
	(void)kstack;
}

static void
pmap_amd64_pcpu_set(struct mmu_cpu *cpu, vm_offset_t va)
{
	(void)cpu;
	(void)va;
}

/* The amd64 I-caches snoop stores: coherent, nothing to do, nothing logged. */
static void
pmap_amd64_sync_icache(struct pmap *pmap, vm_offset_t va, vm_size_t len)
{
	(void)pmap;
	(void)va;
	(void)len;
}

/*
 * m->memattr changed: rewrite the cache bits of every PTE mapping m.  The
 * user mappings are on its pv list (one shootdown per accessed PTE, never
 * skipped); the kernel's are found by a scan of the kernel slot's tables
 * (accessed ones shot down together, up to PMAP_SD_MAXPAGES a time).
 */
static void
pmap_amd64_page_set_memattr(vm_page_t m)
{
	uint64_t bits = pmap_amd64_cache_bits(m->memattr), opte, npte;
	vm_paddr_t pa = m->phys_addr, ptepa, pdpt, pd, pt;
	struct pmap_amd64_batch b;
	struct pv_entry *pv;
	vm_offset_t va;
	unsigned i, j, k;

	for (pv = m->md_pv; pv != NULL; pv = pv->pv_next) {
		ptepa = pmap_amd64_ptepa(pv->pv_pmap, pv->pv_va, false, NULL);
		KASSERT(ptepa != 0, ("pmap_page_set_memattr: pv entry for "
		    "va %#llx without a PTE", (unsigned long long)pv->pv_va));
		opte = pmap_amd64_ld(ptepa);
		KASSERT((opte & PG_V) && (opte & PG_FRAME) == pa,
		    ("pmap_page_set_memattr: va %#llx PTE %#llx does not map "
		    "pa %#llx", (unsigned long long)pv->pv_va,
		    (unsigned long long)opte, (unsigned long long)pa));
		npte = (opte & ~PG_CACHE_BITS) | bits;
		if (npte == opte)
			continue;
		pmap_amd64_st(ptepa, npte);
		if (opte & PG_A)
			pmap_amd64_invalidate_page_sd(pv->pv_pmap, pv->pv_va, true);
	}

	if (kernel_pmap->pm_root == NULL)
		return;
	pmap_amd64_batch_init(&b, kernel_pmap);
	pdpt = pmap_amd64_ld(kernel_pmap->pm_root->phys_addr + KPML4I * 8) &
	    PG_FRAME;
	for (i = 0; i < NPTEPG; i++) {
		if (((pd = pmap_amd64_ld(pdpt + i * 8)) & PG_V) == 0)
			continue;
		pd &= PG_FRAME;
		for (j = 0; j < NPTEPG; j++) {
			if (((pt = pmap_amd64_ld(pd + j * 8)) & PG_V) == 0)
				continue;
			pt &= PG_FRAME;
			for (k = 0; k < NPTEPG; k++) {
				opte = pmap_amd64_ld(pt + k * 8);
				if ((opte & PG_V) == 0 || (opte & PG_FRAME) != pa)
					continue;
				npte = (opte & ~PG_CACHE_BITS) | bits;
				if (npte == opte)
					continue;
				pmap_amd64_st(pt + k * 8, npte);
				if ((opte & PG_A) == 0)
					continue;
				va = KVA_MIN | ((vm_offset_t)i << LEVEL_SHIFT(2)) |
				    ((vm_offset_t)j << LEVEL_SHIFT(1)) |
				    ((vm_offset_t)k << LEVEL_SHIFT(0));
				if (b.sd.npages == PMAP_SD_MAXPAGES) {
					pmap_amd64_batch_flush(&b);
					pmap_amd64_batch_init(&b, kernel_pmap);
				}
				pmap_amd64_batch_add(&b, va);
			}
		}
	}
	pmap_amd64_batch_flush(&b);
}

const struct pmap_ops pmap_amd64_ops = {
	.name = "amd64",
	.bootstrap = pmap_amd64_bootstrap,
	.create = pmap_amd64_create,
	.destroy = pmap_amd64_destroy,
	.enter = pmap_amd64_enter,
	.remove = pmap_amd64_remove,
	.protect = pmap_amd64_protect,
	.extract = pmap_amd64_extract,
	.change_wiring = pmap_amd64_change_wiring,
	.prot = pmap_amd64_prot,
	.activate = pmap_amd64_activate,
	.deactivate_all = pmap_amd64_deactivate_all,
	.tlb_refill = pmap_amd64_tlb_refill,
	.emulate_modified = pmap_amd64_emulate_modified,
	.check = pmap_amd64_check,
	.pte_bits = pmap_amd64_pte_bits,
	.kenter = pmap_amd64_kenter,
	.kremove = pmap_amd64_kremove,
	.kextract = pmap_amd64_kextract,
	.kstack_switch = pmap_amd64_kstack_switch,
	.pcpu_set = pmap_amd64_pcpu_set,
	.sync_icache = pmap_amd64_sync_icache,
	.page_set_memattr = pmap_amd64_page_set_memattr,
};
