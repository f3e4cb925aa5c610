/*
 * mmu/walk_amd64.c — the x86-64 hardware page-table walker, following the
 * Intel SDM Vol. 3A, 4.5 (4-level paging), 4.6 (access rights), 4.7
 * (page-fault error codes), 4.8 (accessed and dirty flags), 4.9 / 11.12.3
 * (the leaf's PAT, PCD and PWT select its memory type) and 4.10.3
 * (paging-structure caches: a cached upper-level entry lets the walk start
 * below it; mmu/pwc_amd64.h).
 *
 *   CR3 ──> PML4 ──[47:39]──> PDPT ──[38:30]──> PD ──[29:21]──> PT ──[20:12]──> 4 KiB
 *                              │ PS: 1 GiB page         │ PS: 2 MiB page
 *
 * Each entry is 8 bytes, little-endian, in simulated physical memory.
 * The machine modelled has CR0.WP = 1, CR4.PGE = 1, EFER.NXE = 1 and no
 * SMEP/SMAP: supervisor accesses may touch user pages, supervisor writes
 * still need RW, and any access needs every level present.
 *
 * XXX: bits 63:48 of the VA are ignored (a non-canonical address would
 * raise #GP, not #PF, and the CPU emulator catches those before us);
 * reserved-bit checking is limited to PS in a PML4E and non-zero bits
 * below a large page's frame.  A leaf frame outside physical memory is
 * returned as is; the caller decides what such a PA means.
 */
#include "mmu/tlb_amd64.h"

/* #PF error code: a reserved bit was set in a paging-structure entry. */
#define PGEX_RSVD	0x08u

#define WALK_LEVELS	4

/* A failed walk: no entry was modified (A flags are set only once the
 * translation is known to succeed); the walk caches forget va. */
static int
walk_amd64_fail(struct pwc_amd64 *pwc, uint16_t pcid, uint64_t va,
    struct walk_result *r, uint32_t error_code)
{
	r->error_code = error_code;
	if (pwc != NULL)
		pwc_amd64_invalidate_va(pwc, va, pcid);
	return (-1);
}

/*
 * Walk for va; see mmu/tlb_amd64.h for the contract.  r->nloads and
 * r->load_pa[] list the entries read, in order, on success and failure.
 * Charges nothing: the caller charges walk_step per load.
 */
int
walk_amd64_pwc(struct physmem *pm, struct pwc_amd64 *pwc, uint16_t pcid,
    uint64_t cr3, uint64_t va, enum walk_access access, bool user,
    struct walk_result *r)
{
	uint64_t ent[WALK_LEVELS], rights[WALK_LEVELS];
	uint64_t table_pa = cr3 & PG_FRAME;
	uint64_t rw = PG_RW, us = PG_U, nx = 0, leaf, page_bytes = 0;
	uint32_t ecode;
	int level = WALK_LEVELS, n;

	ecode = (access == WALK_WRITE ? PGEX_W : 0) | (user ? PGEX_U : 0) |
	    (access == WALK_FETCH ? PGEX_I : 0);
	r->pa = 0;
	r->flags = 0;
	r->error_code = 0;
	r->pgsz = TLB_AMD64_4K;
	r->pwc_level = -1;
	r->nloads = 0;

	/* A cached upper-level entry replaces the loads down to it. */
	if (pwc != NULL) {
		enum pwc_amd64_level pl;
		const struct pwc_amd64_entry *pe;

		pe = pwc_amd64_lookup(pwc, va, pcid, &pl);
		if (pe != NULL) {
			table_pa = pe->table_pa;
			rw = pe->rights & PG_RW;
			us = pe->rights & PG_U;
			nx = pe->rights & PG_NX;
			level = WALK_LEVELS - 1 - (int)pl;
			r->pwc_level = (int)pl;
		}
	}

	/* Level 4 is the PML4, level 1 the page table. */
	for (; level >= 1; level--) {
		unsigned shift = PAGE_SHIFT + 9 * (unsigned)(level - 1);
		vm_paddr_t pa = table_pa + ((va >> shift) & 0x1ff) * 8;
		uint64_t e;

		if (pa >= pm->size || pm->size - pa < 8)
			return (walk_amd64_fail(pwc, pcid, va, r, ecode));
		n = r->nloads++;
		r->load_pa[n] = pa;
		e = physmem_ld64le(pm, pa);
		ent[n] = e;
		if ((e & PG_V) == 0)
			return (walk_amd64_fail(pwc, pcid, va, r, ecode));
		rw &= e;
		us &= e;
		nx |= e & PG_NX;
		rights[n] = rw | us | nx;
		if (level == 1) {
			page_bytes = PAGE_SIZE;
			break;
		}
		if ((e & PG_PS) != 0) {
			if (level == 4)
				return (walk_amd64_fail(pwc, pcid, va, r,
				    ecode | PGEX_P | PGEX_RSVD));
			page_bytes = (uint64_t)1 << shift;
			/* Bit 12 is PAT; the bits up to the page size must be 0. */
			if ((e & PG_FRAME & (page_bytes - 1) &
			    ~(uint64_t)PAGE_SIZE) != 0)
				return (walk_amd64_fail(pwc, pcid, va, r,
				    ecode | PGEX_P | PGEX_RSVD));
			r->pgsz = level == 2 ? TLB_AMD64_2M : TLB_AMD64_1G;
			break;
		}
		table_pa = e & PG_FRAME;
	}
	n = r->nloads - 1;
	KASSERT(level >= 1 && n >= 0 && page_bytes != 0,
	    ("walk_amd64: walk of va %#jx ended without a leaf", (uintmax_t)va));

	/* All levels present: the access rights of 4.6. */
	if ((access == WALK_WRITE && rw == 0) || (user && us == 0) ||
	    (access == WALK_FETCH && nx != 0))
		return (walk_amd64_fail(pwc, pcid, va, r, ecode | PGEX_P));

	/* Success: A on every level read, M on the leaf for a write; the
	 * upper levels read (all but the leaf) go to the walk caches. */
	for (int i = 0; i <= n; i++) {
		uint64_t e = ent[i] | PG_A;

		if (i == n && access == WALK_WRITE)
			e |= PG_M;
		if (e != ent[i]) {
			physmem_st64le(pm, r->load_pa[i], e);
			ent[i] = e;
		}
		if (i < n && pwc != NULL)
			pwc_amd64_insert(pwc, (enum pwc_amd64_level)(WALK_LEVELS -
			    (level + n - i)), va, pcid, e & PG_FRAME, rights[i]);
	}
	leaf = ent[n];
	r->pa = (leaf & PG_FRAME & ~(page_bytes - 1)) | (va & (page_bytes - 1));
	r->flags = rw | us | nx | (leaf & (PG_G | PG_M | PG_PCD | PG_PWT));
	/* The PAT bit of the leaf, at its 4 KiB position whatever the size. */
	if (page_bytes == PAGE_SIZE ? (leaf & PG_PTE_PAT) != 0 :
	    (leaf & PG_PDE_PAT) != 0)
		r->flags |= PG_PTE_PAT;
	return (0);
}

/* The walk without page-walk caches. */
int
walk_amd64(struct physmem *pm, uint64_t cr3, uint64_t va,
    enum walk_access access, bool user, struct walk_result *r)
{
	return (walk_amd64_pwc(pm, NULL, 0, cr3, va, access, user, r));
}
