/*
 * tests/unit/mmu/test_tlb_amd64.c — the x86-64 TLB hierarchy: geometry
 * (defaults, --tlb-entries mapping, parsing, errors), LRU within a set,
 * ITLB/DTLB/STLB lookup order and STLB refills, PCID tags and global
 * entries, 2 MiB and 1 GiB pages (and splintering), INVLPG, every INVPCID
 * type, CR3 loads with and without no-flush, their effect on the
 * page-walk caches, the cyclic-stride property, and a differential test
 * against a reference made of recency-ordered lists (every lookup's hit
 * level and every set's contents in LRU order, after every operation).
 */
#include "mmu/tlb_amd64.h"
#include "sim/base/prng.h"
#include "tests/tap.h"

#include <string.h>

#define VA(n)	((uint64_t)0x400000 + (uint64_t)(n) * PAGE_SIZE)
#define MB2	(UINT64_C(1) << 21)
#define GB1	(UINT64_C(1) << 30)

static struct tlb_amd64 t;	/* 160 KiB: not on the stack */

/* A geometry with the given 4 KiB arrays and no large arrays or walk
 * caches (entries 0 switches the STLB off). */
static void
geom_small(struct tlb_amd64_geom *g, unsigned ie, unsigned iw, unsigned de,
    unsigned dw, unsigned se, unsigned sw)
{
	memset(g, 0, sizeof(*g));
	g->small[TLB_AMD64_ITLB] = (struct tlb_amd64_array_geom){ ie, iw };
	g->small[TLB_AMD64_DTLB] = (struct tlb_amd64_array_geom){ de, dw };
	g->small[TLB_AMD64_STLB] = (struct tlb_amd64_array_geom){ se, sw };
}

static void
init_small(unsigned ie, unsigned iw, unsigned de, unsigned dw, unsigned se,
    unsigned sw)
{
	struct tlb_amd64_geom g;

	geom_small(&g, ie, iw, de, dw, se, sw);
	tlb_amd64_init_geom(&t, &g);
}

/* A data lookup of va for pcid hitting frame pfn at level want. */
static bool
dhit(uint64_t va, uint16_t pcid, uint64_t pfn, enum tlb_amd64_hit want)
{
	enum tlb_amd64_hit h;
	struct tlb_amd64_entry *e;

	e = tlb_amd64_lookup_access(&t, va, pcid, WALK_READ, &h);
	return (e != NULL && h == want && tlb_amd64_entry_pa(e, va) ==
	    ptoa(pfn) + (va & PAGE_MASK));
}

static bool
dmiss(uint64_t va, uint16_t pcid)
{
	enum tlb_amd64_hit h;

	return (tlb_amd64_lookup_access(&t, va, pcid, WALK_READ, &h) == NULL &&
	    h == TLB_AMD64_MISS);
}

static void
dfill(uint64_t va, uint16_t pcid, uint64_t pfn, uint64_t flags)
{
	(void)tlb_amd64_fill(&t, va, pcid, WALK_READ, ptoa(pfn), flags,
	    TLB_AMD64_4K);
}

static unsigned
nvalid(void)
{
	unsigned n = 0;

	for (unsigned i = 0; i < t.nentries; i++)
		n += t.e[i].valid;
	return (n);
}

static void
test_geometry(void)
{
	struct tlb_amd64_geom g;
	struct tlb_amd64_array_geom ag;
	enum tlb_amd64_hit h;
	char err[160];

	tlb_amd64_geom_default(&g);
	ok(tlb_amd64_geom_error(&g) == NULL &&
	    g.small[TLB_AMD64_ITLB].entries == 128 &&
	    g.small[TLB_AMD64_ITLB].ways == 8 &&
	    g.small[TLB_AMD64_DTLB].entries == 64 &&
	    g.small[TLB_AMD64_DTLB].ways == 4 &&
	    g.small[TLB_AMD64_STLB].entries == 1536 &&
	    g.small[TLB_AMD64_STLB].ways == 12 && g.pwc[PWC_PDE] == 32,
	    "geometry: Skylake-like defaults are valid");
	tlb_amd64_init_geom(&t, &g);
	ok(t.nentries == 128 + 8 + 64 + 32 + 1536 + 32 &&
	    t.small[TLB_AMD64_STLB].nsets == 128 && nvalid() == 0,
	    "init: %u entries in the pool, STLB 128 sets, all invalid",
	    t.nentries);

	tlb_amd64_geom_set_l1(&g, 48);
	ok(g.small[TLB_AMD64_DTLB].entries == 48 &&
	    g.small[TLB_AMD64_DTLB].ways == 48 &&
	    g.small[TLB_AMD64_ITLB].entries == 48 &&
	    g.small[TLB_AMD64_ITLB].ways == 48 &&
	    g.small[TLB_AMD64_STLB].entries == 1536 &&
	    g.large[TLB_AMD64_DTLB].entries == 32 && g.pwc[PWC_PDE] == 32,
	    "--tlb-entries 48: both L1s fully associative of 48, the rest kept");
	tlb_amd64_init(&t, 1024);
	ok(t.small[TLB_AMD64_DTLB].nsets * t.small[TLB_AMD64_DTLB].ways == 1024 &&
	    t.small[TLB_AMD64_ITLB].nsets * t.small[TLB_AMD64_ITLB].ways == 1024,
	    "tlb_amd64_init(1024): the largest L1s fit");
	tlb_amd64_init(&t, 0);
	ok(t.small[TLB_AMD64_DTLB].nsets == 16, "tlb_amd64_init(0): defaults");
	tlb_amd64_init(&t, 8);
	for (unsigned p = 0; p < 9; p++)
		dfill(VA(p * 16), 0, p, 0);	/* one DTLB set if 4-way */
	ok(tlb_amd64_count(&t, TLB_AMD64_DTLB, false) == 8 &&
	    tlb_amd64_lookup_access(&t, VA(0), 0, WALK_READ, &h) != NULL &&
	    h == TLB_AMD64_HIT_L2, "tlb_amd64_init(8): a fully associative "
	    "DTLB of 8 in front of the default STLB");

	tlb_amd64_geom_default(&g);
	g.small[TLB_AMD64_DTLB] = (struct tlb_amd64_array_geom){ 64, 3 };
	ok(tlb_amd64_geom_error(&g) != NULL, "error: ways not dividing entries");
	g.small[TLB_AMD64_DTLB] = (struct tlb_amd64_array_geom){ 0, 0 };
	ok(tlb_amd64_geom_error(&g) != NULL, "error: no DTLB");
	g.small[TLB_AMD64_DTLB] = (struct tlb_amd64_array_geom){ 2048, 4 };
	ok(tlb_amd64_geom_error(&g) != NULL, "error: L1 over 1024");
	tlb_amd64_geom_default(&g);
	g.small[TLB_AMD64_STLB] = (struct tlb_amd64_array_geom){ 4096, 16 };
	ok(tlb_amd64_geom_error(&g) != NULL, "error: pool over 4096");
	tlb_amd64_geom_default(&g);
	g.pwc[PWC_PDE] = 65;
	ok(tlb_amd64_geom_error(&g) != NULL, "error: walk cache over 64");
	g.pwc[PWC_PDE] = 0;
	g.small[TLB_AMD64_STLB] = (struct tlb_amd64_array_geom){ 0, 0 };
	g.large[TLB_AMD64_ITLB] = (struct tlb_amd64_array_geom){ 0, 0 };
	ok(tlb_amd64_geom_error(&g) == NULL, "no STLB, no large ITLB, no PDE "
	    "cache: valid");

	ok(tlb_amd64_geom_parse("1536/12", &ag, err, sizeof(err)) == 0 &&
	    ag.entries == 1536 && ag.ways == 12, "parse 1536/12");
	ok(tlb_amd64_geom_parse("64/full", &ag, err, sizeof(err)) == 0 &&
	    ag.entries == 64 && ag.ways == 64, "parse 64/full");
	ok(tlb_amd64_geom_parse("0", &ag, err, sizeof(err)) == 0 &&
	    ag.entries == 0, "parse 0 (off)");
	ok(tlb_amd64_geom_parse("64/3", &ag, err, sizeof(err)) == -1 &&
	    strstr(err, "64/3") != NULL, "parse 64/3: error naming it (%s)", err);
	ok(tlb_amd64_geom_parse("64", &ag, err, sizeof(err)) == -1 &&
	    tlb_amd64_geom_parse("x/4", &ag, err, sizeof(err)) == -1 &&
	    tlb_amd64_geom_parse("64/4k", &ag, err, sizeof(err)) == -1,
	    "parse: malformed input rejected");
}

static void
test_lru(void)
{
	uint64_t gen;

	init_small(4, 4, 4, 4, 0, 0);
	ok(dmiss(VA(0), 0) && nvalid() == 0, "lru: empty");
	for (int i = 0; i < 4; i++)
		dfill(VA(i), 0, 100 + i, PG_RW);
	ok(tlb_amd64_count(&t, TLB_AMD64_DTLB, false) == 4 && t.gen == 4 &&
	    tlb_amd64_count(&t, TLB_AMD64_ITLB, false) == 0,
	    "lru: four data fills fill the DTLB only, gen 4");
	ok(dhit(VA(0), 0, 100, TLB_AMD64_HIT_L1), "lru: A hits in L1");
	dfill(VA(4), 0, 104, 0);	/* evicts B, the LRU */
	ok(dmiss(VA(1), 0), "lru: B (least recent) evicted");
	ok(dhit(VA(0), 0, 100, TLB_AMD64_HIT_L1) &&
	    dhit(VA(2), 0, 102, TLB_AMD64_HIT_L1) &&
	    dhit(VA(3), 0, 103, TLB_AMD64_HIT_L1) &&
	    dhit(VA(4), 0, 104, TLB_AMD64_HIT_L1), "lru: A, C, D, E present");
	/* Recency now A < C < D < E; touch A and C, fill F: D goes. */
	dhit(VA(0), 0, 100, TLB_AMD64_HIT_L1);
	dhit(VA(2), 0, 102, TLB_AMD64_HIT_L1);
	dfill(VA(5), 0, 105, 0);
	ok(dmiss(VA(3), 0) && dhit(VA(4), 0, 104, TLB_AMD64_HIT_L1),
	    "lru: hits refresh recency (D evicted, E kept)");
	gen = t.gen;
	dfill(VA(4), 0, 999, PG_RW | PG_M);
	ok(nvalid() == 4 && dhit(VA(4), 0, 999, TLB_AMD64_HIT_L1) &&
	    dhit(VA(0), 0, 100, TLB_AMD64_HIT_L1) &&
	    dhit(VA(2), 0, 102, TLB_AMD64_HIT_L1) &&
	    dhit(VA(5), 0, 105, TLB_AMD64_HIT_L1),
	    "fill: same (page, pcid) replaced in place, nothing evicted");
	ok(t.gen == gen + 1, "fill: gen bumped");
	ok(tlb_amd64_lookup(&t, VA(4), 0)->flags == (PG_RW | PG_M),
	    "fill: flags stored");
	gen = t.gen;
	{
		struct tlb_amd64_entry *e = tlb_amd64_lookup(&t, VA(0), 0);

		ok(t.gen == gen && e->lru == t.tick,
		    "L1 hit: gen unchanged, the entry stamped with the tick");
	}

	/* Set associativity: 8 entries, 2 ways = 4 sets; pages 0, 4, 8
	 * share set 0 and evict each other, page 1 is unaffected. */
	init_small(8, 2, 8, 2, 0, 0);
	dfill(VA(1), 0, 1, 0);
	dfill(VA(0), 0, 10, 0);
	dfill(VA(4), 0, 14, 0);
	dfill(VA(8), 0, 18, 0);
	ok(dmiss(VA(0), 0) && dhit(VA(4), 0, 14, TLB_AMD64_HIT_L1) &&
	    dhit(VA(8), 0, 18, TLB_AMD64_HIT_L1) &&
	    dhit(VA(1), 0, 1, TLB_AMD64_HIT_L1) && nvalid() == 3,
	    "2-way set: the third page of a set evicts its LRU, others stay");
}

static void
test_levels(void)
{
	struct tlb_amd64_entry *e;
	enum tlb_amd64_hit h;
	uint64_t gen;

	init_small(2, 2, 2, 2, 8, 8);
	e = tlb_amd64_fill(&t, VA(1), 3, WALK_FETCH, ptoa(11), 0, TLB_AMD64_4K);
	ok(e != NULL && tlb_amd64_count(&t, TLB_AMD64_ITLB, false) == 1 &&
	    tlb_amd64_count(&t, TLB_AMD64_DTLB, false) == 0 &&
	    tlb_amd64_count(&t, TLB_AMD64_STLB, false) == 1 &&
	    e == tlb_amd64_lookup_access(&t, VA(1), 3, WALK_FETCH, &h) &&
	    h == TLB_AMD64_HIT_L1,
	    "fetch fill: ITLB and STLB, returns the ITLB entry");
	gen = t.gen;
	e = tlb_amd64_lookup_access(&t, VA(1), 3, WALK_WRITE, &h);
	ok(e != NULL && h == TLB_AMD64_HIT_L2 && e->pfn == 11 &&
	    tlb_amd64_count(&t, TLB_AMD64_DTLB, false) == 1 && t.gen == gen + 1,
	    "store after fetch: STLB hit refills the DTLB, gen bumped");
	ok(tlb_amd64_lookup_access(&t, VA(1), 3, WALK_READ, &h) == e &&
	    h == TLB_AMD64_HIT_L1 && t.gen == gen + 1,
	    "then a load hits the DTLB entry, gen unchanged");
	/* Evict VA(1) from the DTLB (2 entries): the STLB still has it. */
	dfill(VA(2), 3, 12, 0);
	dfill(VA(3), 3, 13, 0);
	ok(dhit(VA(1), 3, 11, TLB_AMD64_HIT_L2),
	    "evicted from the DTLB: found in the STLB");
	/* Evict from the STLB (8 entries); the L1 copy lives on. */
	for (int i = 10; i < 18; i++)
		(void)tlb_amd64_fill(&t, VA(i), 3, WALK_FETCH, ptoa(i), 0,
		    TLB_AMD64_4K);
	ok(dhit(VA(1), 3, 11, TLB_AMD64_HIT_L1) &&
	    tlb_amd64_lookup_access(&t, VA(2), 3, WALK_FETCH, &h) == NULL &&
	    h == TLB_AMD64_MISS,
	    "not inclusive: an STLB eviction leaves the DTLB copy");
	ok(tlb_amd64_count(&t, TLB_AMD64_ITLB, false) == 2,
	    "the ITLB keeps its 2 most recent fetch fills");
}

static void
test_pcid_global(void)
{
	uint64_t gen;

	init_small(16, 16, 16, 16, 32, 8);
	dfill(VA(1), 1, 11, 0);
	ok(dmiss(VA(1), 2), "pcid: another PCID misses at every level");
	dfill(VA(1), 2, 12, 0);
	ok(dhit(VA(1), 1, 11, TLB_AMD64_HIT_L1) &&
	    dhit(VA(1), 2, 12, TLB_AMD64_HIT_L1) &&
	    tlb_amd64_count(&t, TLB_AMD64_DTLB, false) == 2,
	    "pcid: one page, two PCIDs, two entries");
	dfill(VA(2), 1, 21, PG_G);
	ok(dhit(VA(2), 1, 21, TLB_AMD64_HIT_L1) &&
	    dhit(VA(2), 7, 21, TLB_AMD64_HIT_L1), "global: serves every PCID");
	(void)tlb_amd64_fill(&t, VA(2), 9, WALK_FETCH, ptoa(21), PG_G,
	    TLB_AMD64_4K);
	ok(tlb_amd64_count(&t, TLB_AMD64_STLB, false) == 3,
	    "global: a fill for another PCID replaces the STLB's global entry");
	dfill(VA(3), 1, 31, 0);

	tlb_amd64_flush_pcid(&t, 1);
	ok(dmiss(VA(1), 1) && dmiss(VA(3), 1),
	    "flush_pcid: the PCID's entries are gone at every level");
	ok(dhit(VA(1), 2, 12, TLB_AMD64_HIT_L1), "flush_pcid: other PCIDs stay");
	ok(dhit(VA(2), 1, 21, TLB_AMD64_HIT_L1), "flush_pcid: globals survive");
	gen = t.gen;
	tlb_amd64_flush_pcid(&t, 1);
	ok(t.gen == gen, "flush_pcid: nothing dropped, gen unchanged");

	tlb_amd64_flush_all(&t, true);
	ok(dhit(VA(2), 3, 21, TLB_AMD64_HIT_L1) && dmiss(VA(1), 2),
	    "flush_all(keep_global): only global entries remain");
	tlb_amd64_flush_all(&t, false);
	ok(nvalid() == 0, "flush_all: empty");

	dfill(VA(4), 1, 41, 0);
	dfill(VA(4), 2, 42, 0);
	dfill(VA(4), 3, 43, PG_G);
	ok(tlb_amd64_count(&t, TLB_AMD64_DTLB, false) == 1 &&
	    tlb_amd64_count(&t, TLB_AMD64_STLB, false) == 1 &&
	    dhit(VA(4), 1, 43, TLB_AMD64_HIT_L1) &&
	    dhit(VA(4), 2, 43, TLB_AMD64_HIT_L1),
	    "fill global: the page's PCID entries are replaced");
	dfill(VA(4), 1, 44, 0);
	ok(tlb_amd64_count(&t, TLB_AMD64_DTLB, false) == 1 &&
	    dhit(VA(4), 1, 44, TLB_AMD64_HIT_L1) && dmiss(VA(4), 2),
	    "fill: a global entry for the page is replaced");
}

static void
test_large(void)
{
	struct tlb_amd64_geom g;
	struct tlb_amd64_entry *e;
	enum tlb_amd64_hit h;
	uint64_t va2 = 5 * MB2, va1 = 3 * GB1;

	geom_small(&g, 8, 8, 8, 8, 32, 8);
	g.large[TLB_AMD64_DTLB] = (struct tlb_amd64_array_geom){ 4, 2 };
	g.large[TLB_AMD64_STLB] = (struct tlb_amd64_array_geom){ 8, 4 };
	tlb_amd64_init_geom(&t, &g);

	e = tlb_amd64_fill(&t, va2 + 0x12345, 1, WALK_READ,
	    0x40000000 + 0x12345, PG_RW, TLB_AMD64_2M);
	ok(e != NULL && e->pgsz == TLB_AMD64_2M && e->vpn == va2 >> 12 &&
	    e->pfn == 0x40000 && tlb_amd64_count(&t, TLB_AMD64_DTLB, true) == 1 &&
	    tlb_amd64_count(&t, TLB_AMD64_STLB, true) == 1 &&
	    tlb_amd64_count(&t, TLB_AMD64_DTLB, false) == 0,
	    "2M fill: aligned vpn/pfn in the large arrays");
	e = tlb_amd64_lookup_access(&t, va2 + MB2 - 1, 1, WALK_WRITE, &h);
	ok(e != NULL && h == TLB_AMD64_HIT_L1 &&
	    tlb_amd64_entry_pa(e, va2 + MB2 - 1) == 0x40000000 + MB2 - 1,
	    "2M: the last byte of the page translates");
	ok(dmiss(va2 + MB2, 1) && dmiss(va2 - 1, 1),
	    "2M: the neighbouring pages miss");
	/* A 4 KiB entry inside the 2 MiB page takes precedence. */
	dfill(va2 + 0x3000, 1, 0x777, 0);
	ok(dhit(va2 + 0x3000, 1, 0x777, TLB_AMD64_HIT_L1) &&
	    dhit(va2 + 0x4000, 1, 0x40004, TLB_AMD64_HIT_L1),
	    "2M: a 4K entry within it wins, the rest uses the 2M entry");

	/* The ITLB has no large array: a fetch takes a 4 KiB splinter from
	 * the STLB's 2 MiB entry. */
	e = tlb_amd64_lookup_access(&t, va2 + 0x7abc, 1, WALK_FETCH, &h);
	ok(e != NULL && h == TLB_AMD64_HIT_L2 && e->pgsz == TLB_AMD64_4K &&
	    e->vpn == (va2 + 0x7000) >> 12 && e->pfn == 0x40007 &&
	    tlb_amd64_count(&t, TLB_AMD64_ITLB, false) == 1,
	    "splinter: the ITLB caches the 4K fragment of the STLB's 2M page");
	ok(tlb_amd64_lookup_access(&t, va2 + 0x8000, 1, WALK_FETCH, &h) != NULL &&
	    h == TLB_AMD64_HIT_L2, "splinter: another fragment is another refill");

	e = tlb_amd64_fill(&t, va1 + 0x2345678, 2, WALK_READ,
	    0x80000000 + 0x2345678, PG_G, TLB_AMD64_1G);
	ok(e != NULL && e->pgsz == TLB_AMD64_1G && e->pfn == 0x80000 &&
	    dhit(va1 + GB1 - PAGE_SIZE, 5, 0x80000 + 0x3ffff, TLB_AMD64_HIT_L1) &&
	    dmiss(va1 + GB1, 5), "1G: global page, any offset, any PCID");

	/* INVLPG of any address in a large page drops it at every level. */
	tlb_amd64_invlpg(&t, va2 + 0x1fff00, 1);
	ok(dmiss(va2, 1) && dmiss(va2 + 0x4000, 1) &&
	    tlb_amd64_count(&t, TLB_AMD64_STLB, true) == 1,
	    "invlpg: the 2M page is gone from DTLB and STLB (1G stays)");
	ok(dhit(va2 + 0x3000, 1, 0x777, TLB_AMD64_HIT_L1) &&
	    tlb_amd64_lookup_access(&t, va2 + 0x7000, 1, WALK_FETCH, &h) == NULL,
	    "invlpg: other 4K pages of the range stay; the va's splinter went");
	tlb_amd64_invlpg(&t, va1 + 12345, 9);
	ok(dmiss(va1, 2) && tlb_amd64_count(&t, TLB_AMD64_STLB, true) == 0,
	    "invlpg: a global 1G page is dropped for any PCID");

	/* Without any large array, both levels splinter. */
	geom_small(&g, 4, 4, 4, 4, 8, 8);
	tlb_amd64_init_geom(&t, &g);
	e = tlb_amd64_fill(&t, va1 + 0x5000, 1, WALK_READ, 0x80000000 + 0x5000,
	    0, TLB_AMD64_1G);
	ok(e->pgsz == TLB_AMD64_4K && e->pfn == 0x80005 &&
	    dhit(va1 + 0x5fff, 1, 0x80005, TLB_AMD64_HIT_L1) &&
	    dmiss(va1 + 0x6000, 1), "no large arrays: 1G cached as its 4K fragment");
}

/* Count valid walk-cache entries (all levels). */
static unsigned
npwc(void)
{
	unsigned n = 0;

	for (int l = 0; l < PWC_NLEVELS; l++)
		n += pwc_amd64_count(&t.pwc, (enum pwc_amd64_level)l);
	return (n);
}

/* Fill the walk caches with one entry per level for PCIDs 1 and 2. */
static void
pwc_seed(void)
{
	for (uint16_t p = 1; p <= 2; p++)
		for (int l = 0; l < PWC_NLEVELS; l++)
			pwc_amd64_insert(&t.pwc, (enum pwc_amd64_level)l, VA(0),
			    p, 0x1000 * (unsigned)(l + 1), PG_RW | PG_U);
}

/* Entries for pcids 1, 2 at VA(1), VA(2); global at VA(3); all in DTLB
 * and STLB. */
static void
inv_seed(void)
{
	struct tlb_amd64_geom g;

	geom_small(&g, 8, 8, 8, 8, 16, 4);
	g.pwc[PWC_PML4E] = g.pwc[PWC_PDPTE] = g.pwc[PWC_PDE] = 4;
	tlb_amd64_init_geom(&t, &g);
	for (uint16_t p = 1; p <= 2; p++) {
		dfill(VA(1), p, 10 + p, 0);
		dfill(VA(2), p, 20 + p, 0);
	}
	dfill(VA(3), 1, 33, PG_G);
	pwc_seed();
}

static void
test_invalidation(void)
{
	uint64_t gen;

	inv_seed();
	gen = t.gen;
	tlb_amd64_invlpg(&t, VA(1) + 0x123, 1);
	ok(dmiss(VA(1), 1) && t.gen == gen + 1,
	    "invlpg: the PCID's entry for the page is gone (all levels), gen");
	ok(dhit(VA(1), 2, 12, TLB_AMD64_HIT_L1) &&
	    dhit(VA(2), 1, 21, TLB_AMD64_HIT_L1),
	    "invlpg: other PCIDs and other pages stay");
	ok(npwc() == 3, "invlpg: the PCID's walk-cache entries are gone (3 left)");
	tlb_amd64_invlpg(&t, VA(3), 2);
	ok(dmiss(VA(3), 1), "invlpg: a global entry for the page is gone");
	gen = t.gen;
	tlb_amd64_invlpg(&t, VA(9), 1);
	ok(t.gen == gen, "invlpg: nothing dropped, gen unchanged");

	/* INVPCID type 0: (va, pcid), never global entries. */
	inv_seed();
	tlb_amd64_invpcid(&t, INVPCID_ADDR, 1, VA(1));
	tlb_amd64_invpcid(&t, INVPCID_ADDR, 1, VA(3));
	ok(dmiss(VA(1), 1) && dhit(VA(1), 2, 12, TLB_AMD64_HIT_L1) &&
	    dhit(VA(2), 1, 21, TLB_AMD64_HIT_L1) &&
	    dhit(VA(3), 1, 33, TLB_AMD64_HIT_L1),
	    "invpcid 0: only (va, pcid) goes; the global entry stays");
	ok(npwc() == 3, "invpcid 0: the PCID's walk-cache entries go");

	/* Type 1: single context, non-global. */
	inv_seed();
	tlb_amd64_invpcid(&t, INVPCID_SINGLE, 1, 0);
	ok(dmiss(VA(1), 1) && dmiss(VA(2), 1) &&
	    dhit(VA(1), 2, 12, TLB_AMD64_HIT_L1) &&
	    dhit(VA(3), 2, 33, TLB_AMD64_HIT_L1) && npwc() == 3,
	    "invpcid 1: the PCID's non-global entries and walk caches go");

	/* Type 2: everything. */
	inv_seed();
	tlb_amd64_invpcid(&t, INVPCID_ALL_GLOBAL, 0, 0);
	ok(nvalid() == 0 && npwc() == 0, "invpcid 2: everything goes");

	/* Type 3: everything but global entries. */
	inv_seed();
	tlb_amd64_invpcid(&t, INVPCID_ALL, 0, 0);
	ok(tlb_amd64_count(&t, TLB_AMD64_DTLB, false) == 1 &&
	    tlb_amd64_count(&t, TLB_AMD64_STLB, false) == 1 &&
	    dhit(VA(3), 7, 33, TLB_AMD64_HIT_L1) && npwc() == 0,
	    "invpcid 3: only the global entry is left; no walk caches");

	/* MOV to CR3. */
	inv_seed();
	gen = t.gen;
	tlb_amd64_cr3_load(&t, 1, true);
	ok(t.gen == gen && dhit(VA(1), 1, 11, TLB_AMD64_HIT_L1) && npwc() == 6,
	    "cr3 load with no-flush: everything kept");
	tlb_amd64_cr3_load(&t, 1, false);
	ok(t.gen != gen && dmiss(VA(1), 1) && dmiss(VA(2), 1) &&
	    dhit(VA(1), 2, 12, TLB_AMD64_HIT_L1) &&
	    dhit(VA(3), 1, 33, TLB_AMD64_HIT_L1) && npwc() == 3,
	    "cr3 load without no-flush: the new PCID's non-global entries "
	    "and walk caches go; others and globals stay");
	ok(CR3_NOFLUSH == (UINT64_C(1) << 63) && CR3_PCID_MASK == 0xfff,
	    "CR3 bits: no-flush is bit 63, the PCID bits 11:0");
}

/*
 * Cycling over P consecutive pages with a DTLB of E entries (ways W):
 * with the STLB off, or too small, every access misses when each set gets
 * more pages than ways, and only the first round misses when P <= E.
 */
static void
cyclic(unsigned E, unsigned W, unsigned P, unsigned se, unsigned sw,
    unsigned *l1_misses, unsigned *walks, unsigned *later_walks)
{
	const unsigned rounds = 10;

	init_small(8, 8, E, W, se, sw);
	*l1_misses = *walks = *later_walks = 0;
	for (unsigned r = 0; r < rounds; r++) {
		for (unsigned p = 0; p < P; p++) {
			enum tlb_amd64_hit h;

			if (tlb_amd64_lookup_access(&t, VA(p), 0, WALK_READ, &h) !=
			    NULL && h == TLB_AMD64_HIT_L1)
				continue;
			(*l1_misses)++;
			if (h == TLB_AMD64_HIT_L2)
				continue;
			dfill(VA(p), 0, p, 0);
			(*walks)++;
			if (r > 0)
				(*later_walks)++;
		}
	}
}

static void
test_cyclic(void)
{
	static const unsigned sizes[] = { 8, 64 };
	unsigned m, w, lw;

	for (size_t s = 0; s < nitems(sizes); s++) {
		unsigned E = sizes[s];
		unsigned pages[] = { E / 2, E, E + 1, 2 * E };

		for (size_t k = 0; k < nitems(pages); k++) {
			unsigned P = pages[k];

			/* Fully associative DTLB, no STLB. */
			cyclic(E, E, P, 0, 0, &m, &w, &lw);
			if (P > E)
				ok(m == 10 * P && w == 10 * P, "cyclic E=%u P=%u, "
				    "no STLB: every access misses (%u of %u)",
				    E, P, m, 10 * P);
			else
				ok(w == P && lw == 0 && m == P, "cyclic E=%u P=%u, "
				    "no STLB: only the first round misses (%u)",
				    E, P, m);
			/* An STLB as small as the DTLB changes nothing. */
			cyclic(E, E, P, E, E, &m, &w, &lw);
			ok(P > E ? w == 10 * P : (w == P && lw == 0),
			    "cyclic E=%u P=%u, STLB of %u: %u walks", E, P, E, w);
		}
	}
	/* With the default STLB, DTLB misses stay but the STLB catches them. */
	cyclic(64, 64, 128, 1536, 12, &m, &w, &lw);
	ok(m == 1280 && w == 128 && lw == 0, "cyclic E=64 P=128, STLB 1536: "
	    "every access misses the DTLB (%u), only the first round walks "
	    "(%u)", m, w);
	/* 4-way DTLB of 64 (16 sets): 5 pages per set thrash, 4 fit. */
	cyclic(64, 4, 80, 0, 0, &m, &w, &lw);
	ok(m == 800, "cyclic 64/4 P=80 (5 per set): every access misses (%u)", m);
	cyclic(64, 4, 64, 0, 0, &m, &w, &lw);
	ok(m == 64 && lw == 0, "cyclic 64/4 P=64: only the first round (%u)", m);
}

/*
 * The reference: per array and set, a list of entries in recency order
 * (most recent first); the same lookup order and fill rules, written the
 * obvious way.  Invalidations scan everything.
 */
struct ref_ent {
	uint64_t vpn, pfn, flags;
	uint16_t pcid;
	uint8_t pgsz;
	uint8_t span;		/* the translation's size: > pgsz for a splinter */
};

#define REF_MAXSETS	64
#define REF_MAXWAYS	16

struct ref_set {
	unsigned n;
	struct ref_ent l[REF_MAXWAYS];
};

struct ref_array {
	unsigned nsets, ways;
	struct ref_set s[REF_MAXSETS];
};

struct ref_tlb {
	struct ref_array small[TLB_AMD64_NLEVELS], large[TLB_AMD64_NLEVELS];
	unsigned evictions;
};

static struct ref_tlb ref;

static uint64_t
ref_npages(unsigned sz)
{
	return ((uint64_t)1 << (9 * sz));
}

static bool
ref_covers(const struct ref_ent *e, uint64_t vpn)
{
	return (e->vpn <= vpn && vpn < e->vpn + ref_npages(e->pgsz));
}

/* Is e (a fragment of) the translation of page vpn? */
static bool
ref_span_covers(const struct ref_ent *e, uint64_t vpn)
{
	uint64_t mask = ~(ref_npages(e->span) - 1);

	return ((e->vpn & mask) == (vpn & mask));
}

static bool
ref_serves(const struct ref_ent *e, uint64_t vpn, uint16_t pcid)
{
	return (ref_covers(e, vpn) && (e->pcid == pcid || (e->flags & PG_G)));
}

static void
ref_remove(struct ref_set *s, unsigned i)
{
	memmove(&s->l[i], &s->l[i + 1], (s->n - i - 1) * sizeof(s->l[0]));
	s->n--;
}

static void
ref_push_front(struct ref_set *s, struct ref_ent e)
{
	memmove(&s->l[1], &s->l[0], s->n * sizeof(s->l[0]));
	s->l[0] = e;
	s->n++;
}

/* Search set s for an entry of size sz serving (vpn, pcid); move it to
 * the front. */
static const struct ref_ent *
ref_set_lookup(struct ref_set *s, uint64_t vpn, uint16_t pcid, unsigned sz)
{
	for (unsigned i = 0; i < s->n; i++) {
		if (s->l[i].pgsz == sz && ref_serves(&s->l[i], vpn, pcid)) {
			struct ref_ent e = s->l[i];

			ref_remove(s, i);
			ref_push_front(s, e);
			return (&s->l[0]);
		}
	}
	return (NULL);
}

static const struct ref_ent *
ref_level_lookup(int l, uint64_t vpn, uint16_t pcid)
{
	const struct ref_ent *e;
	struct ref_array *a = &ref.small[l];

	if (a->nsets != 0 &&
	    (e = ref_set_lookup(&a->s[vpn % a->nsets], vpn, pcid, 0)) != NULL)
		return (e);
	a = &ref.large[l];
	for (unsigned sz = 1; sz <= 2 && a->nsets != 0; sz++)
		if ((e = ref_set_lookup(&a->s[(vpn >> (9 * sz)) % a->nsets],
		    vpn, pcid, sz)) != NULL)
			return (e);
	return (NULL);
}

static void
ref_level_fill(int l, uint64_t vpn, struct ref_ent e)
{
	struct ref_array *a;
	struct ref_set *s;

	if (e.pgsz != 0 && ref.large[l].nsets == 0) {
		e.pfn += vpn - e.vpn;
		e.vpn = vpn;
		e.pgsz = 0;
	}
	a = e.pgsz == 0 ? &ref.small[l] : &ref.large[l];
	if (a->nsets == 0)
		return;
	s = &a->s[(e.vpn >> (9 * e.pgsz)) % a->nsets];
	for (unsigned i = s->n; i-- > 0;) {
		const struct ref_ent *o = &s->l[i];

		if (o->vpn == e.vpn && o->pgsz == e.pgsz && (o->pcid == e.pcid ||
		    ((o->flags | e.flags) & PG_G)))
			ref_remove(s, i);
	}
	if (s->n == a->ways) {
		s->n--;
		ref.evictions++;
	}
	ref_push_front(s, e);
}

/* Lookup as the hierarchy does; returns the hit level, *out the entry. */
static enum tlb_amd64_hit
ref_lookup(enum walk_access acc, uint64_t vpn, uint16_t pcid,
    struct ref_ent *out)
{
	int l1 = acc == WALK_FETCH ? TLB_AMD64_ITLB : TLB_AMD64_DTLB;
	const struct ref_ent *e;

	if ((e = ref_level_lookup(l1, vpn, pcid)) != NULL) {
		*out = *e;
		return (TLB_AMD64_HIT_L1);
	}
	if ((e = ref_level_lookup(TLB_AMD64_STLB, vpn, pcid)) == NULL)
		return (TLB_AMD64_MISS);
	*out = *e;
	ref_level_fill(l1, vpn, *out);
	/* The L1 copy (possibly a splinter) is what the model returns. */
	*out = *ref_level_lookup(l1, vpn, pcid);
	return (TLB_AMD64_HIT_L2);
}

/* Drop every entry for which drop() says so; returns the count. */
static unsigned
ref_drop(bool (*drop)(const struct ref_ent *, uint64_t, uint16_t),
    uint64_t vpn, uint16_t pcid)
{
	unsigned n = 0;

	for (int l = 0; l < TLB_AMD64_NLEVELS; l++) {
		for (int k = 0; k < 2; k++) {
			struct ref_array *a = k ? &ref.large[l] : &ref.small[l];

			for (unsigned si = 0; si < a->nsets; si++)
				for (unsigned i = a->s[si].n; i-- > 0;)
					if (drop(&a->s[si].l[i], vpn, pcid)) {
						ref_remove(&a->s[si], i);
						n++;
					}
		}
	}
	return (n);
}

static bool
drop_invlpg(const struct ref_ent *e, uint64_t vpn, uint16_t pcid)
{
	return (ref_span_covers(e, vpn) && (e->pcid == pcid ||
	    (e->flags & PG_G)));
}

static bool
drop_addr(const struct ref_ent *e, uint64_t vpn, uint16_t pcid)
{
	return (ref_span_covers(e, vpn) && e->pcid == pcid &&
	    !(e->flags & PG_G));
}

static bool
drop_single(const struct ref_ent *e, uint64_t vpn, uint16_t pcid)
{
	(void)vpn;
	return (e->pcid == pcid && !(e->flags & PG_G));
}

static bool
drop_all(const struct ref_ent *e, uint64_t vpn, uint16_t pcid)
{
	(void)e, (void)vpn, (void)pcid;
	return (true);
}

static bool
drop_nonglobal(const struct ref_ent *e, uint64_t vpn, uint16_t pcid)
{
	(void)vpn, (void)pcid;
	return (!(e->flags & PG_G));
}

static bool
ent_eq(const struct tlb_amd64_entry *m, const struct ref_ent *r)
{
	return (m->vpn == r->vpn && m->pfn == r->pfn && m->flags == r->flags &&
	    m->pcid == r->pcid && m->pgsz == r->pgsz && m->span == r->span);
}

/* Do the model's sets hold the reference's entries in the same LRU
 * order?  Prints the first difference. */
static bool
same_state(uint64_t seed, unsigned op)
{
	for (int l = 0; l < TLB_AMD64_NLEVELS; l++) {
		for (int k = 0; k < 2; k++) {
			const struct tlb_amd64_array *a = k ? &t.large[l] :
			    &t.small[l];
			const struct ref_array *ra = k ? &ref.large[l] :
			    &ref.small[l];

			for (unsigned s = 0; s < a->nsets; s++) {
				const struct tlb_amd64_entry *set =
				    &t.e[a->base + s * a->ways];
				uint64_t below = UINT64_MAX;
				unsigned n = 0;

				for (unsigned i = 0; i < ra->s[s].n; i++) {
					const struct tlb_amd64_entry *best = NULL;

					/* The i-th most recent valid way. */
					for (unsigned w = 0; w < a->ways; w++)
						if (set[w].valid && set[w].lru < below &&
						    (best == NULL ||
						    set[w].lru > best->lru))
							best = &set[w];
					if (best == NULL ||
					    !ent_eq(best, &ra->s[s].l[i]))
						goto differ;
					below = best->lru;
				}
				for (unsigned w = 0; w < a->ways; w++)
					n += set[w].valid;
				if (n != ra->s[s].n)
					goto differ;
				continue;
differ:
				printf("# seed %ju op %u: level %d %s set %u "
				    "differs\n", (uintmax_t)seed, op, l,
				    k ? "large" : "4K", s);
				return (false);
			}
		}
	}
	return (true);
}

static void
ref_init(const struct tlb_amd64_geom *g)
{
	memset(&ref, 0, sizeof(ref));
	for (int l = 0; l < TLB_AMD64_NLEVELS; l++) {
		const struct tlb_amd64_array_geom *ag[2] = { &g->small[l],
		    &g->large[l] };
		struct ref_array *ra[2] = { &ref.small[l], &ref.large[l] };

		for (int k = 0; k < 2; k++) {
			ra[k]->ways = ag[k]->entries ? ag[k]->ways : 0;
			ra[k]->nsets = ag[k]->entries ? ag[k]->entries /
			    ag[k]->ways : 0;
		}
	}
}

/* VAs in two 1 GiB regions, four 2 MiB pages each, 16 4 KiB pages in
 * each of those: pages of all sizes overlap. */
static uint64_t
rand_va(struct prng *g)
{
	return ((prng_below(g, 2) << 30) | (prng_below(g, 4) << 21) |
	    (prng_below(g, 16) << 12) | prng_below(g, PAGE_SIZE));
}

static void
test_differential(uint64_t seed, const struct tlb_amd64_geom *geom,
    const char *what)
{
	unsigned hits[3] = { 0 }, mismatches = 0, ops;
	struct prng g;

	prng_seed(&g, seed);
	tlb_amd64_init_geom(&t, geom);
	ref_init(geom);
	for (ops = 0; ops < 40000; ops++) {
		unsigned op = (unsigned)prng_below(&g, 100);
		uint64_t va = rand_va(&g), vpn = va >> PAGE_SHIFT, gen = t.gen;
		uint16_t pcid = (uint16_t)prng_below(&g, 4);
		unsigned dropped = 0;
		bool expect_bump = false;

		if (op < 85) {
			enum walk_access acc = (enum walk_access)prng_below(&g, 3);
			enum tlb_amd64_hit h, rh;
			struct tlb_amd64_entry *e;
			struct ref_ent re;

			e = tlb_amd64_lookup_access(&t, va, pcid, acc, &h);
			rh = ref_lookup(acc, vpn, pcid, &re);
			if (h != rh || (e == NULL) != (h == TLB_AMD64_MISS) ||
			    (e != NULL && (!ent_eq(e, &re) || e->lru != t.tick))) {
				if (mismatches++ < 5)
					printf("# seed %ju op %u: va %#jx pcid %u "
					    "model hit %d ref %d\n", (uintmax_t)seed,
					    ops, (uintmax_t)va, pcid, h, rh);
			}
			hits[h]++;
			expect_bump = h == TLB_AMD64_HIT_L2;
			if (h == TLB_AMD64_MISS) {
				/* Fill like the access path after a walk. */
				unsigned sz = (unsigned)prng_below(&g, 10);
				struct ref_ent ne;

				sz = sz < 6 ? 0 : sz < 9 ? 1 : 2;
				ne.pgsz = ne.span = (uint8_t)sz;
				ne.vpn = vpn & ~(ref_npages(sz) - 1);
				ne.pfn = prng_below(&g, 1 << 20) << (9 * sz);
				ne.pcid = pcid;
				ne.flags = (prng_below(&g, 8) == 0 ? PG_G : 0) |
				    (prng_below(&g, 2) ? PG_RW : 0) | PG_U;
				e = tlb_amd64_fill(&t, va, pcid, acc,
				    ptoa(ne.pfn) + (va & ((PAGE_SIZE <<
				    (9 * sz)) - 1)), ne.flags,
				    (enum tlb_amd64_pgsz)sz);
				ref_level_fill(TLB_AMD64_STLB, vpn, ne);
				ref_level_fill(acc == WALK_FETCH ?
				    TLB_AMD64_ITLB : TLB_AMD64_DTLB, vpn, ne);
				expect_bump = true;
				if (tlb_amd64_entry_pa(e, va) != ptoa(ne.pfn) +
				    (va & ((PAGE_SIZE << (9 * sz)) - 1)) &&
				    mismatches++ < 5)
					printf("# seed %ju op %u: fill pa wrong\n",
					    (uintmax_t)seed, ops);
			}
		} else if (op < 90) {
			tlb_amd64_invlpg(&t, va, pcid);
			dropped = ref_drop(drop_invlpg, vpn, pcid);
		} else if (op < 98) {
			enum tlb_amd64_invpcid type = op < 95 ? INVPCID_ADDR :
			    (enum tlb_amd64_invpcid)prng_below(&g, 4);
			static bool (*const fn[4])(const struct ref_ent *,
			    uint64_t, uint16_t) = { drop_addr, drop_single,
			    drop_all, drop_nonglobal };

			tlb_amd64_invpcid(&t, type, pcid, va);
			dropped = ref_drop(fn[type], vpn, pcid);
		} else {
			bool noflush = prng_below(&g, 2);

			tlb_amd64_cr3_load(&t, pcid, noflush);
			if (!noflush)
				dropped = ref_drop(drop_single, vpn, pcid);
		}
		if (dropped > 0)
			expect_bump = true;
		if ((t.gen != gen) != expect_bump && mismatches++ < 5)
			printf("# seed %ju op %u: gen %ju -> %ju, expected %s\n",
			    (uintmax_t)seed, ops, (uintmax_t)gen,
			    (uintmax_t)t.gen, expect_bump ? "a bump" : "none");
		if (!same_state(seed, ops) && mismatches++ > 5)
			break;
	}
	ok(mismatches == 0 && hits[1] > 1000 && hits[2] > 500 && hits[0] > 1000 &&
	    ref.evictions > 1000, "differential %s seed %ju: %u ops, L1 hits %u, "
	    "STLB hits %u, misses %u, evictions %u, %u mismatches", what,
	    (uintmax_t)seed, ops, hits[1], hits[2], hits[0], ref.evictions,
	    mismatches);
}

int
main(void)
{
	struct tlb_amd64_geom g;

	sim_invariants = true;
	test_geometry();
	test_lru();
	test_levels();
	test_pcid_global();
	test_large();
	test_invalidation();
	test_cyclic();

	/* Small set-associative arrays; the ITLB splinters large pages. */
	geom_small(&g, 8, 2, 8, 4, 32, 4);
	g.large[TLB_AMD64_DTLB] = (struct tlb_amd64_array_geom){ 4, 2 };
	g.large[TLB_AMD64_STLB] = (struct tlb_amd64_array_geom){ 4, 4 };
	for (uint64_t seed = 1; seed <= 3; seed++)
		test_differential(seed, &g, "set-assoc");
	/* Fully associative L1s, 3-set STLB (modulo indexing), every level
	 * with a large array. */
	geom_small(&g, 6, 6, 4, 4, 24, 8);
	g.large[TLB_AMD64_ITLB] = (struct tlb_amd64_array_geom){ 2, 2 };
	g.large[TLB_AMD64_DTLB] = (struct tlb_amd64_array_geom){ 3, 3 };
	g.large[TLB_AMD64_STLB] = (struct tlb_amd64_array_geom){ 6, 2 };
	for (uint64_t seed = 4; seed <= 5; seed++)
		test_differential(seed, &g, "full-assoc L1");
	/* The STLB splinters; its fragments refill a DTLB that has a large
	 * array. */
	geom_small(&g, 4, 2, 8, 2, 16, 4);
	g.large[TLB_AMD64_DTLB] = (struct tlb_amd64_array_geom){ 4, 4 };
	test_differential(6, &g, "splintering STLB");
	return (tap_done());
}
