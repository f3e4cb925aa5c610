/*
 * mmu/pwc_amd64.h — the x86-64 paging-structure caches ("page-walk
 * caches"), following the Intel SDM Vol. 3A, 4.10.3 (paging-structure
 * caches) and 4.10.4 (invalidation).
 *
 * Three small caches hold the upper, non-leaf levels of recent walks, each
 * keyed by the VA bits that select the entry and tagged by the PCID:
 *
 *   cache    key (VA bits)   holds                         the walk then loads
 *   PML4E    47:39           PDPT address, rights so far   PDPTE, PDE, PTE
 *   PDPTE    47:30           PD address,   rights so far   PDE, PTE
 *   PDE      47:21           PT address,   rights so far   PTE
 *
 * "Rights so far" are the AND of R/W and U/S and the OR of XD over the
 * levels from the PML4E down to the cached one, as the SDM describes.
 * Only entries that reference another table are cached (never a leaf, never
 * a not-present entry), and only after a walk that succeeded (so their A
 * flags are set).  Each cache is fully associative with true LRU.
 *
 * Invalidation (kept simple and within what the SDM allows): INVLPG,
 * INVPCID of any type and a flushing CR3 load drop every entry of the
 * PCID(s) concerned, whatever the address; a faulting walk drops the
 * entries it would use for its address.  Entries are never global.
 */
#ifndef MMU_PWC_AMD64_H
#define MMU_PWC_AMD64_H

#include "sim/base/base.h"

#define PWC_AMD64_MAX_ENTRIES	64	/* per cache */

/* The cached levels, outermost first. */
enum pwc_amd64_level {
	PWC_PML4E,		/* key VA[47:39] */
	PWC_PDPTE,		/* key VA[47:30] */
	PWC_PDE,		/* key VA[47:21] */
	PWC_NLEVELS
};

struct pwc_amd64_entry {
	bool valid;
	uint16_t pcid;
	uint64_t tag;		/* va >> pwc_amd64_shift(level), bits 47.. only */
	uint64_t table_pa;	/* the next level's table */
	uint64_t rights;	/* PG_RW | PG_U (AND so far) | PG_NX (OR so far) */
	uint64_t lru;		/* last use tick */
};

struct pwc_amd64 {
	unsigned nentries[PWC_NLEVELS];	/* 0..PWC_AMD64_MAX_ENTRIES; 0 = off */
	uint64_t tick;
	struct pwc_amd64_entry e[PWC_NLEVELS][PWC_AMD64_MAX_ENTRIES];
};

/* Default sizes: PML4E 2, PDPTE 4, PDE 32 entries (Skylake-like). */
#define PWC_AMD64_DEFAULT_PML4E	2
#define PWC_AMD64_DEFAULT_PDPTE	4
#define PWC_AMD64_DEFAULT_PDE	32

/* Empty caches of nentries[l] entries each (0 switches a level off). */
void pwc_amd64_init(struct pwc_amd64 *p, const unsigned nentries[PWC_NLEVELS]);

/* The VA shift of level l's key: 39, 30 or 21. */
static inline unsigned
pwc_amd64_shift(enum pwc_amd64_level l)
{
	return (39 - 9 * (unsigned)l);
}

/*
 * The deepest cached entry for (va, pcid): the PDE cache is searched
 * first, then PDPTE, then PML4E.  Returns the entry (made most recently
 * used) and its level in *level, or NULL.
 */
const struct pwc_amd64_entry *pwc_amd64_lookup(struct pwc_amd64 *p,
    uint64_t va, uint16_t pcid, enum pwc_amd64_level *level);
/*
 * Cache level l's entry for (va, pcid): the next table at table_pa with
 * the rights so far.  Replaces the entry with the same key and PCID, else
 * the lowest invalid slot, else the LRU one; the entry becomes the most
 * recently used.  A level of size 0 caches nothing.
 */
void pwc_amd64_insert(struct pwc_amd64 *p, enum pwc_amd64_level l,
    uint64_t va, uint16_t pcid, uint64_t table_pa, uint64_t rights);
/* Drop the entries a walk of (va, pcid) would use (after a fault). */
void pwc_amd64_invalidate_va(struct pwc_amd64 *p, uint64_t va, uint16_t pcid);
/* Drop every entry tagged pcid. */
void pwc_amd64_flush_pcid(struct pwc_amd64 *p, uint16_t pcid);
/* Drop every entry. */
void pwc_amd64_flush_all(struct pwc_amd64 *p);
/* Valid entries at level l (for tests and statistics). */
unsigned pwc_amd64_count(const struct pwc_amd64 *p, enum pwc_amd64_level l);

#endif
