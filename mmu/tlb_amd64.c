/*
 * mmu/tlb_amd64.c — the x86-64 TLB: one fully associative, LRU,
 * PCID-tagged array of 4 KiB translations for data and instructions,
 * following the Intel SDM Vol. 3A, 4.10 (caching translation information):
 * an entry is used for a lookup tagged with its PCID, or for any PCID if
 * it is global (PG_G from the leaf PTE, CR4.PGE assumed set); INVLPG drops
 * the current PCID's and the global entries for one page; a CR3 load
 * without the no-flush bit drops the PCID's non-global entries.
 *
 * Replacement is true LRU by a tick counter: every hit and insert stamps
 * the entry with a fresh tick, the victim is the lowest-indexed invalid
 * slot or else the least recently stamped one.
 *
 * XXX: the SDM lets a TLB hold several entries that could serve one
 * lookup (a global and a PCID-tagged one) and leaves unspecified which is
 * used; to keep the model deterministic and simple, insert drops every
 * entry that could serve the same lookups as the new one, so at most one
 * entry ever matches a (page, PCID).
 *
 * No cycles are charged here; mmu/mmu.c charges hits and walks.
 */
#include "mmu/tlb_amd64.h"

/* The effective flags an entry keeps (see struct tlb_amd64_entry). */
#define TLB_AMD64_FLAGS	(PG_RW | PG_U | PG_NX | PG_G | PG_M)

static inline bool
tlb_amd64_serves(const struct tlb_amd64_entry *e, uint64_t vpn, uint16_t pcid)
{
	return (e->valid && e->vpn == vpn &&
	    (e->pcid == pcid || (e->flags & PG_G) != 0));
}

/* Empty TLB of nentries (1..1024) entries. */
void
tlb_amd64_init(struct tlb_amd64 *t, unsigned nentries)
{
	KASSERT(nentries >= 1 && nentries <= TLB_AMD64_MAX_ENTRIES,
	    ("tlb_amd64_init: nentries %u not in 1..%d", nentries,
	    TLB_AMD64_MAX_ENTRIES));
	t->nentries = nentries;
	t->tick = 0;
	t->gen = 0;
	for (unsigned i = 0; i < TLB_AMD64_MAX_ENTRIES; i++)
		t->e[i] = (struct tlb_amd64_entry){ .valid = false };
}

/*
 * The entry translating va's page for pcid (its own or a global one), or
 * NULL.  A hit makes the entry the most recently used; gen is unchanged.
 */
struct tlb_amd64_entry *
tlb_amd64_lookup(struct tlb_amd64 *t, uint64_t va, uint16_t pcid)
{
	uint64_t vpn = va >> PAGE_SHIFT;

	for (unsigned i = 0; i < t->nentries; i++) {
		struct tlb_amd64_entry *e = &t->e[i];

		if (tlb_amd64_serves(e, vpn, pcid)) {
			e->lru = ++t->tick;
			return (e);
		}
	}
	return (NULL);
}

/*
 * Insert the translation va -> pfn for pcid with the walk's effective
 * flags (PG_G makes it global).  Entries that could serve the same
 * lookups — same page and same PCID, or same page with either the old or
 * the new entry global — are dropped and the first of them reused;
 * otherwise the lowest invalid slot, otherwise the LRU entry, is replaced.
 * The new entry is the most recently used.  Bumps gen.
 */
void
tlb_amd64_insert(struct tlb_amd64 *t, uint64_t va, uint16_t pcid,
    uint64_t pfn, uint64_t flags)
{
	uint64_t vpn = va >> PAGE_SHIFT;
	struct tlb_amd64_entry *slot = NULL, *invalid = NULL, *lru = NULL;

	for (unsigned i = 0; i < t->nentries; i++) {
		struct tlb_amd64_entry *e = &t->e[i];

		if (!e->valid) {
			if (invalid == NULL)
				invalid = e;
			continue;
		}
		if (e->vpn == vpn && (e->pcid == pcid ||
		    ((e->flags | flags) & PG_G) != 0)) {
			if (slot == NULL)
				slot = e;
			else
				e->valid = false;
			continue;
		}
		if (lru == NULL || e->lru < lru->lru)
			lru = e;
	}
	if (slot == NULL)
		slot = invalid != NULL ? invalid : lru;
	KASSERT(slot != NULL, ("tlb_amd64_insert: no slot among %u",
	    t->nentries));
	slot->valid = true;
	slot->pcid = pcid;
	slot->vpn = vpn;
	slot->pfn = pfn;
	slot->flags = flags & TLB_AMD64_FLAGS;
	slot->lru = ++t->tick;
	t->gen++;
}

/* INVLPG: drop va's entries tagged pcid and va's global entries.  Bumps
 * gen if anything was dropped. */
void
tlb_amd64_invlpg(struct tlb_amd64 *t, uint64_t va, uint16_t pcid)
{
	uint64_t vpn = va >> PAGE_SHIFT;
	bool changed = false;

	for (unsigned i = 0; i < t->nentries; i++) {
		struct tlb_amd64_entry *e = &t->e[i];

		if (tlb_amd64_serves(e, vpn, pcid)) {
			e->valid = false;
			changed = true;
		}
	}
	if (changed)
		t->gen++;
}

/* A CR3 load without no-flush: drop pcid's non-global entries.  Bumps gen
 * if anything was dropped. */
void
tlb_amd64_flush_pcid(struct tlb_amd64 *t, uint16_t pcid)
{
	bool changed = false;

	for (unsigned i = 0; i < t->nentries; i++) {
		struct tlb_amd64_entry *e = &t->e[i];

		if (e->valid && e->pcid == pcid && (e->flags & PG_G) == 0) {
			e->valid = false;
			changed = true;
		}
	}
	if (changed)
		t->gen++;
}

/* Drop every entry, or every non-global one if keep_global.  Bumps gen
 * if anything was dropped. */
void
tlb_amd64_flush_all(struct tlb_amd64 *t, bool keep_global)
{
	bool changed = false;

	for (unsigned i = 0; i < t->nentries; i++) {
		struct tlb_amd64_entry *e = &t->e[i];

		if (e->valid && (!keep_global || (e->flags & PG_G) == 0)) {
			e->valid = false;
			changed = true;
		}
	}
	if (changed)
		t->gen++;
}
