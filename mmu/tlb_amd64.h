/*
 * mmu/tlb_amd64.h — the x86-64 TLB and its hardware page-table walker.
 * Follows the Intel SDM Vol. 3A, chapter 4 (4-level paging) and 4.10
 * (TLBs, PCIDs, INVLPG).
 *
 * A 4-level walk splits a canonical 48-bit VA as
 *   47      39 38      30 29      21 20      12 11         0
 *  +----------+----------+----------+----------+------------+
 *  | PML4 idx |  PDPT    |   PD     |   PT     |  offset    |
 *  +----------+----------+----------+----------+------------+
 * each index 9 bits selecting an 8-byte entry in a 4 KiB table.
 *
 * First light: one fully associative, LRU, PCID-tagged TLB for data and
 * instructions (default 64 entries), 4 KiB pages only.
 */
#ifndef MMU_TLB_AMD64_H
#define MMU_TLB_AMD64_H

#include "sim/base/base.h"
#include "mmu/physmem.h"

/* Page-table entry bits. */
#define PG_V	0x001ull	/* present */
#define PG_RW	0x002ull	/* writable */
#define PG_U	0x004ull	/* user accessible */
#define PG_PWT	0x008ull	/* write-through */
#define PG_PCD	0x010ull	/* cache disable */
#define PG_A	0x020ull	/* accessed: set by the walker */
#define PG_M	0x040ull	/* dirty: set by the walker on a write */
#define PG_PS	0x080ull	/* large page (in PDE/PDPTE) */
#define PG_G	0x100ull	/* global: survives CR3 loads */
#define PG_NX	(1ull << 63)	/* no execute */
#define PG_FRAME 0x000ffffffffff000ull

/* #PF error code bits. */
#define PGEX_P	0x01u	/* 1: protection violation; 0: not present */
#define PGEX_W	0x02u	/* the access was a write */
#define PGEX_U	0x04u	/* the access was from user mode */
#define PGEX_I	0x10u	/* the access was an instruction fetch */

#define TLB_AMD64_MAX_ENTRIES	1024

struct tlb_amd64_entry {
	bool valid;
	uint16_t pcid;
	uint64_t vpn;		/* va >> 12 */
	uint64_t pfn;		/* pa >> 12 */
	uint64_t flags;		/* effective PG_RW|PG_U|PG_NX|PG_G|PG_M of the walk */
	uint64_t lru;		/* last use tick */
};

struct tlb_amd64 {
	unsigned nentries;	/* 1..1024, default 64 */
	uint64_t tick;
	uint64_t gen;		/* bumped by every insert/invalidate */
	struct tlb_amd64_entry e[TLB_AMD64_MAX_ENTRIES];
};

void tlb_amd64_init(struct tlb_amd64 *t, unsigned nentries);
/* The entry for (va, pcid) — or a global entry for va — or NULL; a hit
 * updates LRU. */
struct tlb_amd64_entry *tlb_amd64_lookup(struct tlb_amd64 *t, uint64_t va, uint16_t pcid);
/* Insert, replacing an existing entry for (va, pcid) or else the LRU one. */
void tlb_amd64_insert(struct tlb_amd64 *t, uint64_t va, uint16_t pcid,
    uint64_t pfn, uint64_t flags);
/* INVLPG: drop the entries for va tagged pcid, and global ones for va. */
void tlb_amd64_invlpg(struct tlb_amd64 *t, uint64_t va, uint16_t pcid);
/* CR3 load without no-flush: drop pcid's non-global entries. */
void tlb_amd64_flush_pcid(struct tlb_amd64 *t, uint16_t pcid);
/* Drop everything (keep_global: all but global entries). */
void tlb_amd64_flush_all(struct tlb_amd64 *t, bool keep_global);

enum walk_access { WALK_READ, WALK_WRITE, WALK_FETCH };

struct walk_result {
	vm_paddr_t pa;		/* translated address, on success */
	uint64_t flags;		/* effective PG_RW|PG_U|PG_NX (AND/OR over levels), PG_G, PG_M of leaf */
	uint32_t error_code;	/* #PF error code, on failure */
	int nloads;		/* page-table entries read */
	vm_paddr_t load_pa[4];	/* their physical addresses, for the cache model */
};

/*
 * Walk the 4-level tables at cr3 (the PML4's physical address, low 12 bits
 * ignored) for va, as the hardware does: every level must be present; a
 * write needs RW at every level, a user access needs U at every level, a
 * fetch faults if any level has NX.  On success sets A in every entry
 * traversed and M in the leaf on a write (in physical memory), returns 0.
 * On failure returns -1 with r->error_code (PGEX_*).  Entries or tables
 * outside physical memory fail as not-present.
 */
int walk_amd64(struct physmem *pm, uint64_t cr3, uint64_t va,
    enum walk_access access, bool user, struct walk_result *r);

#endif
