/*
 * mmu/tlb_amd64.h — the x86-64 TLB hierarchy, its paging-structure caches
 * and its hardware page-table walker.  Follows the Intel SDM Vol. 3A,
 * chapter 4 (4-level paging) and 4.10 (TLBs, paging-structure caches,
 * PCIDs, INVLPG, INVPCID, MOV to CR3).
 *
 * A 4-level walk splits a canonical 48-bit VA as
 *   47      39 38      30 29      21 20      12 11         0
 *  +----------+----------+----------+----------+------------+
 *  | PML4 idx |  PDPT    |   PD     |   PT     |  offset    |
 *  +----------+----------+----------+----------+------------+
 * each index 9 bits selecting an 8-byte entry in a 4 KiB table.
 *
 * The TLBs (Skylake-like, every size configurable):
 *
 *   fetch ──> L1 ITLB ──┐                  4 KiB array   large array (2M/1G)
 *                       ├──> L2 STLB       ITLB 128/8    8/8
 *   load/store ─> DTLB ─┘    (unified)     DTLB  64/4    32/4
 *                                          STLB 1536/12  32/4   (entries/ways)
 *
 * Each level has a 4 KiB array and a large-page array, both set
 * associative (set = page number modulo sets) with true LRU within a set.
 * A lookup searches the L1 of its kind, then the STLB; an STLB hit
 * refills the L1.  A walk fills the STLB and the L1 of its kind (the
 * hierarchy is not kept inclusive: evicting an STLB entry leaves L1
 * copies).  A level without a large array caches a large page as the 4 KiB
 * fragment that was used ("splintering", SDM 4.10.2.3); INVLPG of any
 * address in the large page drops all its fragments.  Entries are
 * PCID-tagged; a
 * global entry (PG_G in the leaf, CR4.PGE = 1) serves every PCID.
 */
#ifndef MMU_TLB_AMD64_H
#define MMU_TLB_AMD64_H

#include "sim/base/base.h"
#include "mmu/physmem.h"
#include "mmu/pwc_amd64.h"

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
/*
 * The memory type of a leaf is the PAT entry its PAT, PCD and PWT bits
 * index (SDM Vol. 3A, 11.12.3): index = PAT << 2 | PCD << 1 | PWT.  PAT
 * is bit 7 in a 4 KiB PTE (where PS sits in a PDE) and bit 12 in a
 * large-page PDE/PDPTE.  A TLB entry and a walk result keep it as
 * PG_PTE_PAT whatever the page size.
 */
#define PG_PTE_PAT	0x080ull	/* 4 KiB PTE: PAT index bit 2 */
#define PG_PDE_PAT	0x1000ull	/* 2 MiB/1 GiB leaf: PAT index bit 2 */
#define PG_CACHE_BITS	(PG_PTE_PAT | PG_PCD | PG_PWT)	/* a 4 KiB leaf's PAT index */

/* IA32_PAT memory-type encodings, one byte per entry PA0..PA7 (SDM
 * Vol. 3A, 11.12.2, table 11-10). */
#define PAT_UC		0x00	/* uncacheable */
#define PAT_WC		0x01	/* write-combining */
#define PAT_WT		0x04	/* write-through */
#define PAT_WP		0x05	/* write-protected */
#define PAT_WB		0x06	/* write-back */
#define PAT_UCM		0x07	/* UC-: uncacheable unless an MTRR says WC */
/*
 * The PAT the kernel programs at boot (FreeBSD amd64 pmap_init_pat):
 *   PA0 WB  PA1 WT  PA2 UC-  PA3 UC  PA4 WB  PA5 WP  PA6 WC  PA7 UC
 * so that PWT selects WT, PCD UC-, PCD|PWT UC, PAT|PCD WC; the power-on
 * value differs only in PA5 (WT) and PA6 (UC-).
 */
#define PAT_KERNEL	0x0001050600070406ull

/* #PF error code bits. */
#define PGEX_P	0x01u	/* 1: protection violation; 0: not present */
#define PGEX_W	0x02u	/* the access was a write */
#define PGEX_U	0x04u	/* the access was from user mode */
#define PGEX_I	0x10u	/* the access was an instruction fetch */

/* CR3 bits with CR4.PCIDE = 1. */
#define CR3_PCID_MASK	0xfffull	/* bits 11:0: the PCID */
#define CR3_NOFLUSH	(1ull << 63)	/* MOV to CR3: keep the PCID's entries */

/* Largest array of one L1 level (the --tlb-entries limit). */
#define TLB_AMD64_MAX_ENTRIES	1024
/* All arrays of all levels together. */
#define TLB_AMD64_MAX_SLOTS	4096

/* The kind of access: selects the L1 (fetch: ITLB) and the walk's checks. */
enum walk_access { WALK_READ, WALK_WRITE, WALK_FETCH };

enum tlb_amd64_level {
	TLB_AMD64_ITLB,		/* L1 instruction TLB */
	TLB_AMD64_DTLB,		/* L1 data TLB */
	TLB_AMD64_STLB,		/* L2 shared (unified) TLB */
	TLB_AMD64_NLEVELS
};

enum tlb_amd64_pgsz {
	TLB_AMD64_4K,		/* PTE leaf */
	TLB_AMD64_2M,		/* PDE leaf (PS) */
	TLB_AMD64_1G,		/* PDPTE leaf (PS) */
};

/* Where a lookup was satisfied. */
enum tlb_amd64_hit {
	TLB_AMD64_MISS,		/* neither level: walk */
	TLB_AMD64_HIT_L1,	/* the ITLB or DTLB */
	TLB_AMD64_HIT_L2,	/* the STLB (the L1 has been refilled) */
};

struct tlb_amd64_entry {
	bool valid;
	uint8_t pgsz;		/* enum tlb_amd64_pgsz */
	uint8_t span;		/* the translation's page size (> pgsz: a splinter) */
	uint16_t pcid;
	uint64_t vpn;		/* first 4 KiB page of the page: va >> 12, aligned */
	uint64_t pfn;		/* its frame: pa >> 12, aligned likewise */
	uint64_t flags;		/* effective PG_RW|PG_U|PG_NX|PG_G|PG_M of the walk,
				   and the leaf's PG_CACHE_BITS (PAT as PG_PTE_PAT) */
	uint64_t lru;		/* last use tick (struct tlb_amd64 tick) */
};

/* One array's shape; entries 0 = absent, else ways divides entries. */
struct tlb_amd64_array_geom {
	unsigned entries;
	unsigned ways;
};

struct tlb_amd64_geom {
	struct tlb_amd64_array_geom small[TLB_AMD64_NLEVELS];	/* 4 KiB */
	struct tlb_amd64_array_geom large[TLB_AMD64_NLEVELS];	/* 2 MiB/1 GiB */
	unsigned pwc[PWC_NLEVELS];	/* page-walk cache entries; 0 = off */
};

/* An array inside t->e[]: set s, way w is e[base + s * ways + w]. */
struct tlb_amd64_array {
	unsigned base, nsets, ways;	/* nsets 0: absent */
};

struct tlb_amd64 {
	struct tlb_amd64_geom geom;
	uint64_t tick;		/* LRU clock: hits and fills (and mmu.c micro-TLB hits) take ++tick */
	uint64_t gen;		/* bumped whenever an entry is filled or dropped */
	struct tlb_amd64_array small[TLB_AMD64_NLEVELS];
	struct tlb_amd64_array large[TLB_AMD64_NLEVELS];
	bool splinters;		/* some level has no large array (see drop) */
	struct pwc_amd64 pwc;	/* the walker's paging-structure caches */
	unsigned nentries;	/* all arrays together: e[0, nentries) */
	struct tlb_amd64_entry e[TLB_AMD64_MAX_SLOTS];
};

/* Bytes mapped by an entry of page size sz. */
static inline uint64_t
tlb_amd64_pgsz_bytes(enum tlb_amd64_pgsz sz)
{
	return ((uint64_t)PAGE_SIZE << (9 * (unsigned)sz));
}

/* The physical address of va through entry e (which must serve va). */
static inline vm_paddr_t
tlb_amd64_entry_pa(const struct tlb_amd64_entry *e, uint64_t va)
{
	return (ptoa(e->pfn) + (va & (tlb_amd64_pgsz_bytes(
	    (enum tlb_amd64_pgsz)e->pgsz) - 1)));
}

/*
 * Geometry.  The defaults are the Skylake-like sizes drawn above.
 * set_l1 implements the first-light knob (--tlb-entries N) with its old
 * meaning, a fully associative LRU TLB of N entries: both L1 4 KiB arrays
 * become N entries, N ways; everything else (the STLB, large arrays,
 * walk caches) keeps its value.  geom_error returns NULL for a valid
 * geometry, else a static message saying what is wrong.  parse reads
 * "ENTRIES/WAYS" (WAYS may be "full"; "0" alone switches an array off:
 * valid for the STLB and the large arrays) for the --itlb, --dtlb and
 * --stlb options: 0, or -1 with a message naming the input.
 */
void tlb_amd64_geom_default(struct tlb_amd64_geom *g);
void tlb_amd64_geom_set_l1(struct tlb_amd64_geom *g, unsigned nentries);
const char *tlb_amd64_geom_error(const struct tlb_amd64_geom *g);
int tlb_amd64_geom_parse(const char *s, struct tlb_amd64_array_geom *ag,
    char *err, size_t errlen);

/* Empty TLBs and page-walk caches of geometry g (valid: see geom_error). */
void tlb_amd64_init_geom(struct tlb_amd64 *t, const struct tlb_amd64_geom *g);
/* The default geometry, with tlb_amd64_geom_set_l1(nentries) unless
 * nentries is 0 (the first-light interface; mmu.c's --tlb-entries). */
void tlb_amd64_init(struct tlb_amd64 *t, unsigned nentries);

/*
 * The translation of va for pcid by an access of kind access: WALK_FETCH
 * searches the ITLB, loads and stores the DTLB, then the STLB, whose hit
 * is copied into the L1 (bumping gen).  Returns the L1 entry that now
 * serves va — its lru stamp is the one a micro-TLB hit must refresh — or
 * NULL on a miss; *hit (if not NULL) says where the lookup was satisfied.
 * Entries of pcid and global entries match.  Hits update LRU.
 */
struct tlb_amd64_entry *tlb_amd64_lookup_access(struct tlb_amd64 *t,
    uint64_t va, uint16_t pcid, enum walk_access access,
    enum tlb_amd64_hit *hit);
/* First-light form: a data lookup (tlb_amd64_lookup_access, WALK_READ). */
struct tlb_amd64_entry *tlb_amd64_lookup(struct tlb_amd64 *t, uint64_t va,
    uint16_t pcid);

/*
 * Cache the translation of va's page (size sz) to the page at pa (any
 * address inside it) for pcid with the walk's effective flags (PG_G makes
 * it global), in the STLB and in the L1 of access's kind.  In each array,
 * entries for the same page and size that could serve the same lookups
 * (same PCID, or either global) are replaced; otherwise the set's lowest
 * invalid way, else its LRU way, is.  Bumps gen.  Returns the L1 entry.
 */
struct tlb_amd64_entry *tlb_amd64_fill(struct tlb_amd64 *t, uint64_t va,
    uint16_t pcid, enum walk_access access, vm_paddr_t pa, uint64_t flags,
    enum tlb_amd64_pgsz sz);
/* First-light form: a 4 KiB data fill of frame pfn (WALK_READ). */
void tlb_amd64_insert(struct tlb_amd64 *t, uint64_t va, uint16_t pcid,
    uint64_t pfn, uint64_t flags);

/*
 * INVLPG: drop, at every level and page size, the entries for va's page
 * (4 KiB fragments of a large page included) tagged pcid and the global
 * ones, and every page-walk-cache entry of pcid.  Bumps gen if a TLB
 * entry was dropped.
 */
void tlb_amd64_invlpg(struct tlb_amd64 *t, uint64_t va, uint16_t pcid);

enum tlb_amd64_invpcid {
	INVPCID_ADDR = 0,	/* (va, pcid), non-global */
	INVPCID_SINGLE = 1,	/* every non-global entry of pcid */
	INVPCID_ALL_GLOBAL = 2,	/* everything, global entries included */
	INVPCID_ALL = 3,	/* everything but global entries */
};
/*
 * INVPCID of the given type (va is used by type 0 only, pcid by types 0
 * and 1).  Page-walk caches: types 0 and 1 drop pcid's entries, types 2
 * and 3 all entries.  Bumps gen if a TLB entry was dropped.
 */
void tlb_amd64_invpcid(struct tlb_amd64 *t, enum tlb_amd64_invpcid type,
    uint16_t pcid, uint64_t va);
/*
 * MOV to CR3 with CR4.PCIDE = 1, loading PCID pcid: unless noflush (bit
 * 63 of the value written, CR3_NOFLUSH), pcid's non-global entries and its
 * page-walk-cache entries are dropped (INVPCID type 1).  Global entries
 * and other PCIDs' entries always survive.
 */
void tlb_amd64_cr3_load(struct tlb_amd64 *t, uint16_t pcid, bool noflush);
/* INVPCID type 1 (what a flushing CR3 load does to pcid). */
void tlb_amd64_flush_pcid(struct tlb_amd64 *t, uint16_t pcid);
/* INVPCID type 3 (keep_global) or 2. */
void tlb_amd64_flush_all(struct tlb_amd64 *t, bool keep_global);

/* Valid entries in one array (large: the 2 MiB/1 GiB one). */
unsigned tlb_amd64_count(const struct tlb_amd64 *t, enum tlb_amd64_level l,
    bool large);

struct walk_result {
	vm_paddr_t pa;		/* translated address, on success */
	uint64_t flags;		/* effective PG_RW|PG_U|PG_NX (AND/OR over levels), PG_G, PG_M of
				   leaf, and the leaf's PCD, PWT and PAT (as PG_PTE_PAT) */
	uint32_t error_code;	/* #PF error code, on failure */
	enum tlb_amd64_pgsz pgsz;	/* the leaf's page size, on success */
	int pwc_level;		/* page-walk cache that served, enum pwc_amd64_level, or -1 */
	int nloads;		/* page-table entries read */
	vm_paddr_t load_pa[4];	/* their physical addresses, for the cache model */
};

/*
 * Walk the 4-level tables at cr3 (the PML4's physical address, low 12 bits
 * ignored) for va, as the hardware does: every level must be present; a
 * write needs RW at every level, a user access needs U at every level, a
 * fetch faults if any level has NX.  On success sets A in every entry
 * read and M in the leaf on a write (in physical memory), returns 0.
 * On failure returns -1 with r->error_code (PGEX_*).  Entries or tables
 * outside physical memory fail as not-present.  r->nloads and
 * r->load_pa[] list the entries read, in order, in either case.
 */
int walk_amd64(struct physmem *pm, uint64_t cr3, uint64_t va,
    enum walk_access access, bool user, struct walk_result *r);
/*
 * The same walk through the page-walk caches pwc (NULL: none) for pcid:
 * the deepest cached upper-level entry for va replaces the loads above it
 * (r->pwc_level says which cache served); a successful walk caches the
 * upper-level entries it read; a failing one drops the cached entries for
 * va.  The skipped entries are not re-read, so their A flags are not set
 * again (the SDM allows this: they were set when cached).
 */
int walk_amd64_pwc(struct physmem *pm, struct pwc_amd64 *pwc, uint16_t pcid,
    uint64_t cr3, uint64_t va, enum walk_access access, bool user,
    struct walk_result *r);

#endif
