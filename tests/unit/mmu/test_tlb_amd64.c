/*
 * tests/unit/mmu/test_tlb_amd64.c — the x86-64 TLB model: LRU
 * replacement, PCID tags, global entries, INVLPG and the flushes, the
 * cyclic-stride property of a fully associative LRU TLB, and a
 * differential test against a recency-ordered reference list on seeded
 * random operations.
 */
#include "mmu/tlb_amd64.h"
#include "sim/base/prng.h"
#include "tests/tap.h"

#include <string.h>

#define VA(n)	((uint64_t)0x400000 + (uint64_t)(n) * PAGE_SIZE)

static bool
hit(struct tlb_amd64 *t, uint64_t va, uint16_t pcid, uint64_t pfn)
{
	struct tlb_amd64_entry *e = tlb_amd64_lookup(t, va, pcid);

	return (e != NULL && e->pfn == pfn);
}

static unsigned
nvalid(const struct tlb_amd64 *t)
{
	unsigned n = 0;

	for (unsigned i = 0; i < t->nentries; i++)
		n += t->e[i].valid;
	return (n);
}

static void
test_lru(void)
{
	struct tlb_amd64 t;
	uint64_t gen;

	tlb_amd64_init(&t, 4);
	ok(tlb_amd64_lookup(&t, VA(0), 0) == NULL && nvalid(&t) == 0,
	    "init: empty");
	for (int i = 0; i < 4; i++)
		tlb_amd64_insert(&t, VA(i), 0, 100 + i, PG_RW);
	ok(nvalid(&t) == 4 && t.gen == 4, "lru: four inserts fill four slots, gen 4");
	ok(hit(&t, VA(0), 0, 100), "lru: A hits");
	tlb_amd64_insert(&t, VA(4), 0, 104, 0);	/* evicts B, the LRU */
	ok(tlb_amd64_lookup(&t, VA(1), 0) == NULL, "lru: B (least recent) evicted");
	ok(hit(&t, VA(0), 0, 100) && hit(&t, VA(2), 0, 102) &&
	    hit(&t, VA(3), 0, 103) && hit(&t, VA(4), 0, 104),
	    "lru: A, C, D, E present");
	/* Recency now A < C < D < E; touch A and C, insert F: D goes. */
	hit(&t, VA(0), 0, 100);
	hit(&t, VA(2), 0, 102);
	tlb_amd64_insert(&t, VA(5), 0, 105, 0);
	ok(tlb_amd64_lookup(&t, VA(3), 0) == NULL && hit(&t, VA(4), 0, 104),
	    "lru: hits refresh recency (D evicted, E kept)");
	gen = t.gen;
	tlb_amd64_insert(&t, VA(4), 0, 999, PG_RW | PG_M);
	ok(nvalid(&t) == 4 && hit(&t, VA(4), 0, 999) && hit(&t, VA(0), 0, 100) &&
	    hit(&t, VA(2), 0, 102) && hit(&t, VA(5), 0, 105),
	    "insert: same (page, pcid) replaced in place, nothing evicted");
	ok(t.gen == gen + 1, "insert: gen bumped");
	ok(tlb_amd64_lookup(&t, VA(4), 0)->flags == (PG_RW | PG_M),
	    "insert: flags stored");
	gen = t.gen;
	tlb_amd64_lookup(&t, VA(0), 0);
	ok(t.gen == gen, "lookup: gen unchanged");
}

static void
test_pcid_global(void)
{
	struct tlb_amd64 t;
	uint64_t gen;

	tlb_amd64_init(&t, 16);
	tlb_amd64_insert(&t, VA(1), 1, 11, 0);
	ok(tlb_amd64_lookup(&t, VA(1), 2) == NULL, "pcid: another PCID misses");
	tlb_amd64_insert(&t, VA(1), 2, 12, 0);
	ok(hit(&t, VA(1), 1, 11) && hit(&t, VA(1), 2, 12) && nvalid(&t) == 2,
	    "pcid: one page, two PCIDs, two entries");
	tlb_amd64_insert(&t, VA(2), 1, 21, PG_G);
	ok(hit(&t, VA(2), 1, 21) && hit(&t, VA(2), 7, 21),
	    "global: serves every PCID");
	tlb_amd64_insert(&t, VA(3), 1, 31, 0);

	tlb_amd64_flush_pcid(&t, 1);
	ok(tlb_amd64_lookup(&t, VA(1), 1) == NULL &&
	    tlb_amd64_lookup(&t, VA(3), 1) == NULL,
	    "flush_pcid: the PCID's entries are gone");
	ok(hit(&t, VA(1), 2, 12), "flush_pcid: other PCIDs' entries stay");
	ok(hit(&t, VA(2), 1, 21), "flush_pcid: global entries survive");
	gen = t.gen;
	tlb_amd64_flush_pcid(&t, 1);
	ok(t.gen == gen, "flush_pcid: nothing dropped, gen unchanged");

	tlb_amd64_flush_all(&t, true);
	ok(hit(&t, VA(2), 3, 21) && tlb_amd64_lookup(&t, VA(1), 2) == NULL,
	    "flush_all(keep_global): only the global entry remains");
	tlb_amd64_flush_all(&t, false);
	ok(nvalid(&t) == 0, "flush_all: empty");

	/* A global insert replaces every entry for the page. */
	tlb_amd64_insert(&t, VA(4), 1, 41, 0);
	tlb_amd64_insert(&t, VA(4), 2, 42, 0);
	tlb_amd64_insert(&t, VA(4), 3, 43, PG_G);
	ok(nvalid(&t) == 1 && hit(&t, VA(4), 1, 43) && hit(&t, VA(4), 2, 43),
	    "insert global: the page's PCID entries are replaced");
	/* ... and a PCID insert replaces a global entry for the page. */
	tlb_amd64_insert(&t, VA(4), 1, 44, 0);
	ok(nvalid(&t) == 1 && hit(&t, VA(4), 1, 44) &&
	    tlb_amd64_lookup(&t, VA(4), 2) == NULL,
	    "insert: a global entry for the page is replaced");
}

static void
test_invlpg(void)
{
	struct tlb_amd64 t;
	uint64_t gen;

	tlb_amd64_init(&t, 16);
	tlb_amd64_insert(&t, VA(1), 1, 11, 0);
	tlb_amd64_insert(&t, VA(1), 2, 12, 0);
	tlb_amd64_insert(&t, VA(2), 1, 21, 0);
	tlb_amd64_insert(&t, VA(3), 5, 31, PG_G);
	gen = t.gen;
	tlb_amd64_invlpg(&t, VA(1) + 0x123, 1);
	ok(tlb_amd64_lookup(&t, VA(1), 1) == NULL && t.gen == gen + 1,
	    "invlpg: the PCID's entry for the page is gone, gen bumped");
	ok(hit(&t, VA(1), 2, 12) && hit(&t, VA(2), 1, 21),
	    "invlpg: other PCIDs and other pages stay");
	tlb_amd64_invlpg(&t, VA(3), 1);
	ok(tlb_amd64_lookup(&t, VA(3), 5) == NULL,
	    "invlpg: a global entry for the page is gone");
	gen = t.gen;
	tlb_amd64_invlpg(&t, VA(9), 1);
	ok(t.gen == gen, "invlpg: nothing dropped, gen unchanged");
}

/* With E entries, cycling over P pages: misses every time when P > E,
 * only in the first round when P <= E. */
static void
test_cyclic(void)
{
	static const unsigned sizes[] = { 8, 64 };

	for (size_t s = 0; s < nitems(sizes); s++) {
		unsigned E = sizes[s];
		unsigned pages[] = { E / 2, E, E + 1, 2 * E };

		for (size_t k = 0; k < nitems(pages); k++) {
			unsigned P = pages[k], rounds = 10, misses = 0, later = 0;
			struct tlb_amd64 t;

			tlb_amd64_init(&t, E);
			for (unsigned r = 0; r < rounds; r++) {
				for (unsigned p = 0; p < P; p++) {
					if (tlb_amd64_lookup(&t, VA(p), 0) != NULL)
						continue;
					tlb_amd64_insert(&t, VA(p), 0, p, 0);
					misses++;
					if (r > 0)
						later++;
				}
			}
			if (P > E)
				ok(misses == rounds * P, "cyclic E=%u P=%u: "
				    "every access misses (%u of %u)", E, P,
				    misses, rounds * P);
			else
				ok(misses == P && later == 0, "cyclic E=%u P=%u: "
				    "only the first round misses (%u)", E, P,
				    misses);
		}
	}
}

/* The reference: a list in recency order (most recent first). */
struct ref_ent {
	uint64_t vpn, pfn, flags;
	uint16_t pcid;
};

struct ref_tlb {
	unsigned cap, n;
	struct ref_ent l[64];
};

static bool
ref_serves(const struct ref_ent *e, uint64_t vpn, uint16_t pcid)
{
	return (e->vpn == vpn && (e->pcid == pcid || (e->flags & PG_G)));
}

static void
ref_remove(struct ref_tlb *r, unsigned i)
{
	memmove(&r->l[i], &r->l[i + 1], (r->n - i - 1) * sizeof(r->l[0]));
	r->n--;
}

static void
ref_push_front(struct ref_tlb *r, struct ref_ent e)
{
	memmove(&r->l[1], &r->l[0], r->n * sizeof(r->l[0]));
	r->l[0] = e;
	r->n++;
}

static const struct ref_ent *
ref_lookup(struct ref_tlb *r, uint64_t vpn, uint16_t pcid)
{
	for (unsigned i = 0; i < r->n; i++) {
		if (ref_serves(&r->l[i], vpn, pcid)) {
			struct ref_ent e = r->l[i];

			ref_remove(r, i);
			ref_push_front(r, e);
			return (&r->l[0]);
		}
	}
	return (NULL);
}

static void
ref_insert(struct ref_tlb *r, struct ref_ent e)
{
	for (unsigned i = r->n; i-- > 0;) {
		const struct ref_ent *o = &r->l[i];

		if (o->vpn == e.vpn && (o->pcid == e.pcid ||
		    (o->flags & PG_G) || (e.flags & PG_G)))
			ref_remove(r, i);
	}
	if (r->n == r->cap)
		r->n--;
	ref_push_front(r, e);
}

static void
test_differential(uint64_t seed)
{
	struct tlb_amd64 t;
	struct ref_tlb r = { .cap = 16 };
	struct prng g;
	unsigned hits = 0, mismatches = 0, ops;

	prng_seed(&g, seed);
	tlb_amd64_init(&t, r.cap);
	for (ops = 0; ops < 50000; ops++) {
		unsigned op = (unsigned)prng_below(&g, 100);
		uint64_t vpn = 0x400 + prng_below(&g, 40);
		uint16_t pcid = (uint16_t)prng_below(&g, 4);

		if (op < 30) {
			struct ref_ent e = { .vpn = vpn, .pcid = pcid,
			    .pfn = prng_below(&g, 1000),
			    .flags = (prng_below(&g, 8) == 0 ? PG_G : 0) |
			    (prng_below(&g, 2) ? PG_RW : 0) };

			tlb_amd64_insert(&t, vpn << PAGE_SHIFT, pcid, e.pfn,
			    e.flags);
			ref_insert(&r, e);
		} else if (op < 33) {
			tlb_amd64_invlpg(&t, vpn << PAGE_SHIFT, pcid);
			for (unsigned i = r.n; i-- > 0;)
				if (ref_serves(&r.l[i], vpn, pcid))
					ref_remove(&r, i);
		} else if (op < 34) {
			tlb_amd64_flush_pcid(&t, pcid);
			for (unsigned i = r.n; i-- > 0;)
				if (r.l[i].pcid == pcid && !(r.l[i].flags & PG_G))
					ref_remove(&r, i);
		} else if (op < 35) {
			bool keep = prng_below(&g, 2);

			tlb_amd64_flush_all(&t, keep);
			for (unsigned i = r.n; i-- > 0;)
				if (!keep || !(r.l[i].flags & PG_G))
					ref_remove(&r, i);
		} else {
			const struct tlb_amd64_entry *e =
			    tlb_amd64_lookup(&t, (vpn << PAGE_SHIFT) | 0x7ff, pcid);
			const struct ref_ent *re = ref_lookup(&r, vpn, pcid);

			if ((e == NULL) != (re == NULL) || (e != NULL &&
			    (e->pfn != re->pfn || e->flags != re->flags ||
			    e->vpn != vpn))) {
				if (mismatches++ < 5)
					printf("# seed %ju op %u: vpn %#jx pcid %u "
					    "model %s ref %s\n", (uintmax_t)seed,
					    ops, (uintmax_t)vpn, pcid,
					    e ? "hit" : "miss", re ? "hit" : "miss");
			}
			hits += e != NULL;
		}
		if (nvalid(&t) != r.n && mismatches++ < 5)
			printf("# seed %ju op %u: %u valid entries, ref %u\n",
			    (uintmax_t)seed, ops, nvalid(&t), r.n);
	}
	ok(mismatches == 0 && hits > 2000, "differential seed %ju: %u ops, "
	    "%u hits, %u mismatches", (uintmax_t)seed, ops, hits, mismatches);
}

int
main(void)
{
	sim_invariants = true;
	test_lru();
	test_pcid_global();
	test_invlpg();
	test_cyclic();
	for (uint64_t seed = 1; seed <= 3; seed++)
		test_differential(seed);
	return (tap_done());
}
