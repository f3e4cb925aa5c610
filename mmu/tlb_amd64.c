/*
 * mmu/tlb_amd64.c — the x86-64 TLB hierarchy (L1 ITLB, L1 DTLB, unified
 * L2 STLB) following the Intel SDM Vol. 3A, 4.10 (caching translation
 * information): an entry is used for a lookup tagged with its PCID, or for
 * any PCID if it is global (PG_G from the leaf PTE, CR4.PGE assumed set);
 * INVLPG drops the current PCID's and the global entries for one page;
 * INVPCID drops by address, by PCID or everything (4.10.4.1); a CR3 load
 * without the no-flush bit drops the new PCID's non-global entries.  The
 * paging-structure caches (mmu/pwc_amd64.c) live in the same struct, so
 * that every invalidation reaches them too.
 *
 * Layout: every array (4 KiB and large-page, per level) is a slice of one
 * entry pool, t->e[]; set s of an array is ways consecutive entries.  The
 * set of a page is its page number (in units of its own page size) modulo
 * the number of sets.  Replacement is true LRU by one tick counter shared
 * by all arrays: every hit and fill stamps the entry with a fresh tick,
 * the victim is the set's lowest invalid way or else its least recently
 * stamped one.
 *
 * XXX: the SDM lets a TLB hold several entries that could serve one
 * lookup (a global and a PCID-tagged one, or a 4 KiB and a 2 MiB one after
 * the tables changed without an INVLPG) and leaves unspecified which is
 * used; to keep the model deterministic, a fill replaces the entries of
 * its array that could serve the same lookups for the same page size, and
 * a lookup searches the 4 KiB array first, then 2 MiB, then 1 GiB pages.
 *
 * No cycles are charged here; mmu/mmu.c charges hits by level and walks.
 */
#include "mmu/tlb_amd64.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The effective flags an entry keeps (see struct tlb_amd64_entry). */
#define TLB_AMD64_FLAGS	(PG_RW | PG_U | PG_NX | PG_G | PG_M | PG_CACHE_BITS)

/* 4 KiB pages in a page of size sz. */
#define TLB_AMD64_NPAGES(sz)	((uint64_t)1 << (9 * (unsigned)(sz)))

static const struct tlb_amd64_geom tlb_amd64_geom_defaults = {
	.small = {
		[TLB_AMD64_ITLB] = { 128, 8 },
		[TLB_AMD64_DTLB] = { 64, 4 },
		[TLB_AMD64_STLB] = { 1536, 12 },
	},
	.large = {
		[TLB_AMD64_ITLB] = { 8, 8 },
		[TLB_AMD64_DTLB] = { 32, 4 },
		[TLB_AMD64_STLB] = { 32, 4 },
	},
	.pwc = {
		[PWC_PML4E] = PWC_AMD64_DEFAULT_PML4E,
		[PWC_PDPTE] = PWC_AMD64_DEFAULT_PDPTE,
		[PWC_PDE] = PWC_AMD64_DEFAULT_PDE,
	},
};

void
tlb_amd64_geom_default(struct tlb_amd64_geom *g)
{
	*g = tlb_amd64_geom_defaults;
}

void
tlb_amd64_geom_set_l1(struct tlb_amd64_geom *g, unsigned nentries)
{
	g->small[TLB_AMD64_ITLB] = (struct tlb_amd64_array_geom){ nentries,
	    nentries };
	g->small[TLB_AMD64_DTLB] = g->small[TLB_AMD64_ITLB];
}

static const char *
tlb_amd64_array_error(const struct tlb_amd64_array_geom *a)
{
	if (a->entries == 0)
		return (NULL);
	if (a->ways == 0 || a->ways > a->entries)
		return ("TLB associativity not in 1..entries");
	if (a->entries % a->ways != 0)
		return ("TLB associativity does not divide the entries");
	return (NULL);
}

const char *
tlb_amd64_geom_error(const struct tlb_amd64_geom *g)
{
	unsigned total = 0;
	const char *msg;

	for (int l = 0; l < TLB_AMD64_NLEVELS; l++) {
		if ((msg = tlb_amd64_array_error(&g->small[l])) != NULL ||
		    (msg = tlb_amd64_array_error(&g->large[l])) != NULL)
			return (msg);
		total += g->small[l].entries + g->large[l].entries;
	}
	if (g->small[TLB_AMD64_ITLB].entries == 0 ||
	    g->small[TLB_AMD64_DTLB].entries == 0)
		return ("an L1 TLB needs at least one 4 KiB entry");
	if (g->small[TLB_AMD64_ITLB].entries > TLB_AMD64_MAX_ENTRIES ||
	    g->small[TLB_AMD64_DTLB].entries > TLB_AMD64_MAX_ENTRIES)
		return ("an L1 TLB has more than 1024 entries");
	if (total > TLB_AMD64_MAX_SLOTS)
		return ("the TLBs have more than 4096 entries together");
	for (int l = 0; l < PWC_NLEVELS; l++)
		if (g->pwc[l] > PWC_AMD64_MAX_ENTRIES)
			return ("a page-walk cache has more than 64 entries");
	return (NULL);
}

int
tlb_amd64_geom_parse(const char *s, struct tlb_amd64_array_geom *ag,
    char *err, size_t errlen)
{
	unsigned long entries, ways;
	char *end;

	if (errlen > 0)
		err[0] = '\0';
	entries = strtoul(s, &end, 10);
	if (end == s || entries > TLB_AMD64_MAX_SLOTS)
		goto bad;
	if (*end == '\0' && entries == 0) {
		*ag = (struct tlb_amd64_array_geom){ 0, 0 };
		return (0);
	}
	if (*end++ != '/')
		goto bad;
	if (strcmp(end, "full") == 0)
		ways = entries;
	else {
		const char *w = end;

		ways = strtoul(w, &end, 10);
		if (end == w || *end != '\0')
			goto bad;
	}
	ag->entries = (unsigned)entries;
	ag->ways = (unsigned)MIN(ways, (unsigned long)UINT32_MAX);
	if (tlb_amd64_array_error(ag) != NULL) {
		snprintf(err, errlen, "TLB geometry \"%s\": %s", s,
		    tlb_amd64_array_error(ag));
		return (-1);
	}
	return (0);
bad:
	snprintf(err, errlen, "TLB geometry \"%s\": expected ENTRIES/WAYS "
	    "(WAYS a number or \"full\"), or 0", s);
	return (-1);
}

static void
tlb_amd64_array_init(struct tlb_amd64 *t, struct tlb_amd64_array *a,
    const struct tlb_amd64_array_geom *ag)
{
	a->base = t->nentries;
	a->ways = ag->entries != 0 ? ag->ways : 0;
	a->nsets = ag->entries != 0 ? ag->entries / ag->ways : 0;
	t->nentries += ag->entries;
}

/* Empty TLBs of geometry g (which must be valid) and empty walk caches. */
void
tlb_amd64_init_geom(struct tlb_amd64 *t, const struct tlb_amd64_geom *g)
{
	const char *msg = tlb_amd64_geom_error(g);

	KASSERT(msg == NULL, ("tlb_amd64_init_geom: %s", msg));
	t->geom = *g;
	t->tick = 0;
	t->gen = 0;
	t->nentries = 0;
	t->splinters = false;
	for (int l = 0; l < TLB_AMD64_NLEVELS; l++) {
		tlb_amd64_array_init(t, &t->small[l], &g->small[l]);
		tlb_amd64_array_init(t, &t->large[l], &g->large[l]);
		if (g->small[l].entries != 0 && g->large[l].entries == 0)
			t->splinters = true;
	}
	for (unsigned i = 0; i < t->nentries; i++)
		t->e[i] = (struct tlb_amd64_entry){ .valid = false };
	pwc_amd64_init(&t->pwc, g->pwc);
}

/* The default geometry with both L1 4 KiB arrays of nentries entries
 * (tlb_amd64_geom_set_l1), or the default sizes if nentries is 0. */
void
tlb_amd64_init(struct tlb_amd64 *t, unsigned nentries)
{
	struct tlb_amd64_geom g;

	KASSERT(nentries <= TLB_AMD64_MAX_ENTRIES,
	    ("tlb_amd64_init: nentries %u not in 0..%d", nentries,
	    TLB_AMD64_MAX_ENTRIES));
	tlb_amd64_geom_default(&g);
	if (nentries != 0)
		tlb_amd64_geom_set_l1(&g, nentries);
	tlb_amd64_init_geom(t, &g);
}

/* The first way of the set of key (a page number in the array's units). */
static inline struct tlb_amd64_entry *
tlb_amd64_set(struct tlb_amd64 *t, const struct tlb_amd64_array *a,
    uint64_t key)
{
	return (&t->e[a->base + (unsigned)(key % a->nsets) * a->ways]);
}

/* Does e cover 4 KiB page vpn and serve pcid? */
static inline bool
tlb_amd64_serves(const struct tlb_amd64_entry *e, uint64_t vpn, uint16_t pcid)
{
	return (e->valid &&
	    e->vpn == (vpn & ~(TLB_AMD64_NPAGES(e->pgsz) - 1)) &&
	    (e->pcid == pcid || (e->flags & PG_G) != 0));
}

/* Search one level for va's page: the 4 KiB array, then the large one
 * for 2 MiB and 1 GiB pages.  A hit becomes the most recently used. */
static struct tlb_amd64_entry *
tlb_amd64_level_lookup(struct tlb_amd64 *t, enum tlb_amd64_level l,
    uint64_t va, uint16_t pcid)
{
	uint64_t vpn = va >> PAGE_SHIFT;
	const struct tlb_amd64_array *a = &t->small[l];
	struct tlb_amd64_entry *set;

	if (a->nsets != 0) {
		set = tlb_amd64_set(t, a, vpn);
		for (unsigned w = 0; w < a->ways; w++) {
			if (tlb_amd64_serves(&set[w], vpn, pcid)) {
				set[w].lru = ++t->tick;
				return (&set[w]);
			}
		}
	}
	a = &t->large[l];
	if (a->nsets == 0)
		return (NULL);
	for (unsigned sz = TLB_AMD64_2M; sz <= TLB_AMD64_1G; sz++) {
		set = tlb_amd64_set(t, a, vpn >> (9 * sz));
		for (unsigned w = 0; w < a->ways; w++) {
			if (set[w].pgsz == sz &&
			    tlb_amd64_serves(&set[w], vpn, pcid)) {
				set[w].lru = ++t->tick;
				return (&set[w]);
			}
		}
	}
	return (NULL);
}

/*
 * Fill level l with the page of size sz at frame pfn (aligned to sz)
 * covering va; see tlb_amd64_fill.  A level without a large array takes
 * va's 4 KiB fragment.  Returns the entry, or NULL if the level has no
 * array for it.  Does not bump gen.
 */
static struct tlb_amd64_entry *
tlb_amd64_level_fill(struct tlb_amd64 *t, enum tlb_amd64_level l,
    uint64_t va, uint16_t pcid, uint64_t pfn, uint64_t flags,
    enum tlb_amd64_pgsz sz)
{
	const struct tlb_amd64_array *a;
	struct tlb_amd64_entry *set, *slot = NULL, *invalid = NULL, *lru = NULL;
	enum tlb_amd64_pgsz span = sz;
	uint64_t vpn;

	if (sz != TLB_AMD64_4K && t->large[l].nsets == 0) {
		pfn += (va >> PAGE_SHIFT) & (TLB_AMD64_NPAGES(sz) - 1);
		sz = TLB_AMD64_4K;
	}
	a = sz == TLB_AMD64_4K ? &t->small[l] : &t->large[l];
	if (a->nsets == 0)
		return (NULL);
	vpn = (va >> PAGE_SHIFT) & ~(TLB_AMD64_NPAGES(sz) - 1);
	set = tlb_amd64_set(t, a, vpn >> (9 * (unsigned)sz));
	for (unsigned w = 0; w < a->ways; w++) {
		struct tlb_amd64_entry *e = &set[w];

		if (!e->valid) {
			if (invalid == NULL)
				invalid = e;
			continue;
		}
		if (e->pgsz == sz && e->vpn == vpn && (e->pcid == pcid ||
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
	KASSERT(slot != NULL, ("tlb_amd64_fill: no way in a set of %u",
	    a->ways));
	slot->valid = true;
	slot->pgsz = (uint8_t)sz;
	slot->span = (uint8_t)span;
	slot->pcid = pcid;
	slot->vpn = vpn;
	slot->pfn = pfn;
	slot->flags = flags & TLB_AMD64_FLAGS;
	slot->lru = ++t->tick;
	return (slot);
}

static inline enum tlb_amd64_level
tlb_amd64_l1(enum walk_access access)
{
	return (access == WALK_FETCH ? TLB_AMD64_ITLB : TLB_AMD64_DTLB);
}

struct tlb_amd64_entry *
tlb_amd64_lookup_access(struct tlb_amd64 *t, uint64_t va, uint16_t pcid,
    enum walk_access access, enum tlb_amd64_hit *hit)
{
	enum tlb_amd64_level l1 = tlb_amd64_l1(access);
	struct tlb_amd64_entry *e, *s;

	e = tlb_amd64_level_lookup(t, l1, va, pcid);
	if (e != NULL) {
		if (hit != NULL)
			*hit = TLB_AMD64_HIT_L1;
		return (e);
	}
	s = tlb_amd64_level_lookup(t, TLB_AMD64_STLB, va, pcid);
	if (s == NULL) {
		if (hit != NULL)
			*hit = TLB_AMD64_MISS;
		return (NULL);
	}
	e = tlb_amd64_level_fill(t, l1, va, s->pcid, s->pfn, s->flags,
	    (enum tlb_amd64_pgsz)s->pgsz);
	KASSERT(e != NULL, ("tlb_amd64_lookup: no L1 array for a refill"));
	e->span = s->span;	/* an STLB splinter stays one */
	t->gen++;
	if (hit != NULL)
		*hit = TLB_AMD64_HIT_L2;
	return (e);
}

struct tlb_amd64_entry *
tlb_amd64_lookup(struct tlb_amd64 *t, uint64_t va, uint16_t pcid)
{
	return (tlb_amd64_lookup_access(t, va, pcid, WALK_READ, NULL));
}

struct tlb_amd64_entry *
tlb_amd64_fill(struct tlb_amd64 *t, uint64_t va, uint16_t pcid,
    enum walk_access access, vm_paddr_t pa, uint64_t flags,
    enum tlb_amd64_pgsz sz)
{
	uint64_t pfn = (pa >> PAGE_SHIFT) & ~(TLB_AMD64_NPAGES(sz) - 1);
	struct tlb_amd64_entry *e;

	KASSERT(sz <= TLB_AMD64_1G, ("tlb_amd64_fill: page size %d", sz));
	(void)tlb_amd64_level_fill(t, TLB_AMD64_STLB, va, pcid, pfn, flags, sz);
	e = tlb_amd64_level_fill(t, tlb_amd64_l1(access), va, pcid, pfn,
	    flags, sz);
	KASSERT(e != NULL, ("tlb_amd64_fill: no L1 array"));
	t->gen++;
	return (e);
}

/* A 4 KiB data fill: tlb_amd64_fill(t, va, pcid, WALK_READ, ptoa(pfn),
 * flags, TLB_AMD64_4K). */
void
tlb_amd64_insert(struct tlb_amd64 *t, uint64_t va, uint16_t pcid,
    uint64_t pfn, uint64_t flags)
{
	(void)tlb_amd64_fill(t, va, pcid, WALK_READ, ptoa(pfn), flags,
	    TLB_AMD64_4K);
}

/*
 * Drop e if it belongs to the translation of page vpn (its own page, or
 * the large page it is a fragment of) and is pcid's (with_global: or
 * global; else only pcid's non-global).  Returns whether it was dropped.
 */
static inline bool
tlb_amd64_drop_if(struct tlb_amd64_entry *e, uint64_t vpn, uint16_t pcid,
    bool with_global)
{
	uint64_t span_mask = ~(TLB_AMD64_NPAGES(e->span) - 1);
	bool g = (e->flags & PG_G) != 0;

	if (!e->valid || (e->vpn & span_mask) != (vpn & span_mask))
		return (false);
	if (with_global ? !(g || e->pcid == pcid) : (g || e->pcid != pcid))
		return (false);
	e->valid = false;
	return (true);
}

/*
 * Drop the entries for va's page, at every level and page size, that are
 * pcid's (with_global: pcid's own and the global ones; else pcid's own
 * non-global ones).  When some level has no large array, fragments of a
 * large page may sit anywhere in the 4 KiB arrays (an STLB fragment is
 * copied into the L1 as one): those arrays are searched whole.  Returns
 * whether anything was dropped.
 */
static bool
tlb_amd64_drop_va(struct tlb_amd64 *t, uint64_t va, uint16_t pcid,
    bool with_global)
{
	uint64_t vpn = va >> PAGE_SHIFT;
	bool changed = false;

	for (int l = 0; l < TLB_AMD64_NLEVELS; l++) {
		const struct tlb_amd64_array *a = &t->small[l];

		if (t->splinters) {
			for (unsigned i = 0; i < a->nsets * a->ways; i++)
				changed |= tlb_amd64_drop_if(&t->e[a->base + i],
				    vpn, pcid, with_global);
		}
		for (unsigned sz = t->splinters ? TLB_AMD64_2M : TLB_AMD64_4K;
		    sz <= TLB_AMD64_1G; sz++) {
			struct tlb_amd64_entry *set;

			a = sz == TLB_AMD64_4K ? &t->small[l] : &t->large[l];
			if (a->nsets == 0)
				continue;
			set = tlb_amd64_set(t, a, vpn >> (9 * sz));
			for (unsigned w = 0; w < a->ways; w++)
				if (set[w].pgsz == sz)
					changed |= tlb_amd64_drop_if(&set[w],
					    vpn, pcid, with_global);
		}
	}
	return (changed);
}

void
tlb_amd64_invlpg(struct tlb_amd64 *t, uint64_t va, uint16_t pcid)
{
	if (tlb_amd64_drop_va(t, va, pcid, true))
		t->gen++;
	pwc_amd64_flush_pcid(&t->pwc, pcid);
}

void
tlb_amd64_invpcid(struct tlb_amd64 *t, enum tlb_amd64_invpcid type,
    uint16_t pcid, uint64_t va)
{
	bool changed = false;

	switch (type) {
	case INVPCID_ADDR:
		changed = tlb_amd64_drop_va(t, va, pcid, false);
		pwc_amd64_flush_pcid(&t->pwc, pcid);
		break;
	case INVPCID_SINGLE:
	case INVPCID_ALL_GLOBAL:
	case INVPCID_ALL:
		for (unsigned i = 0; i < t->nentries; i++) {
			struct tlb_amd64_entry *e = &t->e[i];
			bool g = (e->flags & PG_G) != 0;

			if (!e->valid)
				continue;
			if ((type == INVPCID_SINGLE && (g || e->pcid != pcid)) ||
			    (type == INVPCID_ALL && g))
				continue;
			e->valid = false;
			changed = true;
		}
		if (type == INVPCID_SINGLE)
			pwc_amd64_flush_pcid(&t->pwc, pcid);
		else
			pwc_amd64_flush_all(&t->pwc);
		break;
	default:
		KASSERT(false, ("tlb_amd64_invpcid: type %d", type));
	}
	if (changed)
		t->gen++;
}

void
tlb_amd64_cr3_load(struct tlb_amd64 *t, uint16_t pcid, bool noflush)
{
	KASSERT(pcid <= CR3_PCID_MASK, ("tlb_amd64_cr3_load: PCID %#x", pcid));
	if (!noflush)
		tlb_amd64_invpcid(t, INVPCID_SINGLE, pcid, 0);
}

void
tlb_amd64_flush_pcid(struct tlb_amd64 *t, uint16_t pcid)
{
	tlb_amd64_invpcid(t, INVPCID_SINGLE, pcid, 0);
}

void
tlb_amd64_flush_all(struct tlb_amd64 *t, bool keep_global)
{
	tlb_amd64_invpcid(t, keep_global ? INVPCID_ALL : INVPCID_ALL_GLOBAL,
	    0, 0);
}

unsigned
tlb_amd64_count(const struct tlb_amd64 *t, enum tlb_amd64_level l, bool large)
{
	const struct tlb_amd64_array *a = large ? &t->large[l] : &t->small[l];
	unsigned n = 0;

	for (unsigned i = 0; i < a->nsets * a->ways; i++)
		n += t->e[a->base + i].valid;
	return (n);
}
