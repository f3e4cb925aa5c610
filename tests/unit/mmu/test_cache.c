/*
 * tests/unit/mmu/test_cache.c — the cache model (mmu/cache.h): the
 * geometry parser; hand-computed LRU / PLRU / FIFO sequences; write-back
 * write-allocate counts; MIPS I-cache staleness and its repair; then
 * differential tests against the naive reference (ref_cache.c) on seeded
 * random reference streams, one level and hierarchies, comparing every
 * access's result, every counter and the resident lines.
 */
#include "mmu/cache.h"
#include "sim/base/prng.h"
#include "tests/tap.h"
#include "tests/unit/mmu/ref_cache.h"

#include <stdio.h>
#include <string.h>

static struct cache_geom
geom(const char *s)
{
	struct cache_geom g;
	char err[160];

	if (cache_geom_parse(s, &g, err, sizeof(err)) != 0)
		panic("test geometry %s: %s", s, err);
	return g;
}

/* ---- geometry parser ---------------------------------------------- */

static void
test_parse(void)
{
	static const struct {
		const char *in;
		uint32_t size, assoc, line;
		enum cache_policy pol;
	} good[] = {
		{ "32K/8/64", 32768, 8, 64, CACHE_LRU },
		{ "1M/16/64/plru", 1 << 20, 16, 64, CACHE_PLRU },
		{ "256/full/16/fifo", 256, 16, 16, CACHE_FIFO },
		{ "4k/1/32/lru", 4096, 1, 32, CACHE_LRU },
		{ "64/1/4", 64, 1, 4, CACHE_LRU },
		{ "256K/fa/4K", 256 << 10, 64, 4096, CACHE_LRU },
	};
	static const struct {
		const char *in, *why;
	} bad[] = {
		{ "32K/3/64", "associativity is not a power of two" },
		{ "32K/8/2", "line size is below 4 bytes" },
		{ "32K/8/8K", "line size is above 4096 bytes" },
		{ "32K/8/48", "line size is not a power of two" },
		{ "48K/8/64", "size is not a power of two" },
		{ "1K/64/64", "size is smaller than associativity x line size" },
		{ "32K/128/64", "associativity is above 64" },
		{ "1M/full/16", "associativity is above 64" },
		{ "32K/8", "expected SIZE/ASSOC/LINE" },
		{ "32K/8/64/lru/x", "expected SIZE/ASSOC/LINE" },
		{ "", "expected SIZE/ASSOC/LINE" },
		{ "32K/8/64/mru", "unknown policy \"mru\"" },
		{ "32Q/8/64", "bad size \"32Q\"" },
		{ "K/8/64", "bad size" },
		{ "32K/0/64", "bad associativity \"0\"" },
		{ "32K//64", "bad associativity" },
		{ "32K/8/", "bad line size" },
		{ "99999999999/1/64", "bad size" },
	};
	bool all = true;
	char err[200], buf[64];

	for (size_t i = 0; i < nitems(good); i++) {
		struct cache_geom g;
		int rv = cache_geom_parse(good[i].in, &g, err, sizeof(err));

		if (rv != 0 || g.size_bytes != good[i].size || g.assoc != good[i].assoc ||
		    g.line_bytes != good[i].line || g.policy != good[i].pol) {
			all = false;
			printf("# parse %s: rv %d err %s\n", good[i].in, rv, err);
		}
	}
	ok(all, "cache_geom_parse: %zu good geometries, incl. K/M, full, policies",
	    nitems(good));
	for (size_t i = 0; i < nitems(bad); i++) {
		struct cache_geom g = { 1, 1, 1, CACHE_LRU };
		int rv = cache_geom_parse(bad[i].in, &g, err, sizeof(err));

		ok(rv == -1 && strstr(err, bad[i].why) != NULL &&
		    strstr(err, bad[i].in) != NULL && g.size_bytes == 1,
		    "cache_geom_parse rejects \"%s\": %s", bad[i].in, err);
	}
	{
		struct cache_geom g = geom("1M/16/64/plru"), h;

		cache_geom_format(&g, buf, sizeof(buf));
		ok(strcmp(buf, "1M/16/64/plru") == 0 &&
		    cache_geom_parse(buf, &h, err, sizeof(err)) == 0 &&
		    memcmp(&g, &h, sizeof(g)) == 0,
		    "cache_geom_format round trip: %s", buf);
	}
	{
		struct cache_geom g = { 32768, 8, 64, CACHE_LRU };

		ok(cache_geom_error(&g) == NULL, "cache_geom_error: 32K/8/64 is valid");
		g.policy = (enum cache_policy)7;
		ok(cache_geom_error(&g) != NULL, "cache_geom_error: unknown policy");
	}
	ok(cache_geom_parse("32K/3/64", &(struct cache_geom){ 0 }, err, 12) == -1 &&
	    strlen(err) == 11, "cache_geom_parse truncates its message to errlen");
}

/* ---- hand-computed replacement sequences --------------------------- */

/* Run the addresses (one set of a 4-way, 16-byte-line cache) and return
 * a string of H/M. */
static void
run_seq(enum cache_policy pol, const char *lines, char *out)
{
	struct cache c;
	struct cache_geom g = { 64, 4, 16, pol };
	size_t i;

	cache_init(&c, &g, NULL);
	for (i = 0; lines[i] != '\0'; i++) {
		uint64_t pa = (uint64_t)(lines[i] - 'A') * 16;

		out[i] = cache_access(&c, pa, 4, CACHE_READ, NULL) ? 'M' : 'H';
	}
	out[i] = '\0';
	cache_fini(&c);
}

static void
test_policies(void)
{
	char got[64];

	/*
	 * A B C D fill ways 0..3; A hits.  LRU order (oldest first) is then
	 * B C D A, so E replaces B; B misses and replaces C; C misses and
	 * replaces D; the order is A E B C and A, refreshed early, hits.
	 */
	run_seq(CACHE_LRU, "ABCDAEBCA", got);
	ok(strcmp(got, "MMMMHMMMH") == 0, "LRU: ABCDAEBCA gives %s (MMMMHMMMH)", got);
	/*
	 * FIFO ignores the hit on A: E replaces A (oldest fill), B hits,
	 * C hits, A misses and replaces B.
	 */
	run_seq(CACHE_FIFO, "ABCDAEBCAB", got);
	ok(strcmp(got, "MMMMHMHHMM") == 0, "FIFO: ABCDAEBCAB gives %s (MMMMHMHHMM)", got);
	/*
	 * PLRU, 4 ways = root + 2 nodes.  After filling A B C D (ways 0-3)
	 * the tree points at way 0; the hit on A turns the root to the
	 * right half, whose node points at way 2 (C, left since D was
	 * touched last): E replaces C, not B.  Then B hits; the root now
	 * points right again, node 3 at way 3 (way 2 = E touched last):
	 * C replaces D.  D then misses: root points left (C touched in
	 * the right half), node 2 points at way 0 (B touched last): A goes.
	 */
	run_seq(CACHE_PLRU, "ABCDAEBCDA", got);
	ok(strcmp(got, "MMMMHMHMMM") == 0, "PLRU: ABCDAEBCDA gives %s (MMMMHMHMMM)", got);
	/* Direct-mapped: conflicts on every alternate access. */
	{
		struct cache c;
		struct cache_geom g = { 64, 1, 16, CACHE_LRU };
		unsigned m = 0;

		cache_init(&c, &g, NULL);
		for (int i = 0; i < 10; i++)
			m += cache_access(&c, (uint64_t)(i & 1) * 64, 4, CACHE_READ, NULL);
		ok(m == 10 && c.c.evict[CACHE_READ] == 9,
		    "direct-mapped: two lines 64 bytes apart thrash (%u misses)", m);
		cache_fini(&c);
	}
}

/* ---- write-back, write-allocate, hierarchy results ------------------ */

static void
test_writeback(void)
{
	struct cache l1, l2;
	struct cache_geom g1 = geom("64/1/16"), g2 = geom("256/2/16");
	struct cache_result r;
	unsigned m;

	cache_init(&l2, &g2, NULL);
	cache_init(&l1, &g1, &l2);
	m = cache_access(&l1, 0x1000, 4, CACHE_WRITE, &r);
	ok(m == 1 && r.level_hit == 0 && r.lookups[0] == 1 && r.lookups[1] == 1 &&
	    r.mem_reads == 1 && r.writebacks == 0 &&
	    l1.c.miss[CACHE_WRITE] == 1 && l2.c.miss[CACHE_READ] == 1,
	    "write miss allocates: the fill is a read of the line from L2, then memory");
	ok(cache_access(&l1, 0x1008, 8, CACHE_READ, &r) == 0 && r.level_hit == 1 &&
	    r.supplied[1] == 1 && r.supplied[0] == 0,
	    "write-allocate: a read of the written line hits");
	{
		bool d1 = false, d2 = true;

		ok(cache_probe(&l1, 0x100c, &d1, NULL) && d1 &&
		    cache_probe(&l2, 0x1000, &d2, NULL) && !d2,
		    "the L1 line is dirty, the L2 copy clean");
	}
	m = cache_access(&l1, 0x1040, 4, CACHE_READ, &r);
	ok(m == 1 && r.writebacks == 1 && r.mem_writes == 0 && r.level_hit == 0 &&
	    l1.c.writebacks == 1 && l1.c.evict[CACHE_READ] == 1 &&
	    l2.c.access[CACHE_WRITE] == 1 && l2.c.miss[CACHE_WRITE] == 0,
	    "evicting the dirty line writes it back to L2 (an L2 write hit)");
	ok(cache_probe(&l2, 0x1000, &(bool){ false }, NULL), "L2 now holds the line");
	{
		bool dirty = false;

		cache_probe(&l2, 0x1000, &dirty, NULL);
		ok(dirty, "... dirty in L2");
	}
	/* Line-crossing access: two L1 lines, each counted. */
	m = cache_access(&l1, 0x200e, 4, CACHE_READ, &r);
	ok(m == 2 && r.lines == 2 && r.lookups[0] == 2 && r.lookups[1] == 2 &&
	    r.mem_reads == 2 && r.supplied[0] == 2 && r.supplied[1] == 0, "a 4-byte read at 0x200e touches two lines (%u lines)", r.lines);
	/* Fast path: hits only on the MRU way, in one line. */
	ok(cache_access_fast(&l1, 0x2010, 2, CACHE_READ) &&
	    !cache_access_fast(&l1, 0x200e, 4, CACHE_READ) &&
	    !cache_access_fast(&l1, 0x3000, 4, CACHE_READ),
	    "cache_access_fast: MRU hit yes; line-crossing or absent no");
	cache_flush_all(&l1);
	ok(!cache_probe(&l1, 0x2010, NULL, NULL) && l1.c.invalidated == 2,
	    "cache_flush_all empties L1 (%llu lines dropped)",
	    (unsigned long long)l1.c.invalidated);
	cache_fini(&l1);
	cache_fini(&l2);

	/* A write-back arriving at an L2 with smaller lines covers them
	 * whole: allocated without a fill from memory. */
	{
		struct cache a, b;
		struct cache_geom ga = geom("64/1/32"), gb = geom("256/1/16");

		cache_init(&b, &gb, NULL);
		cache_init(&a, &ga, &b);
		cache_access(&a, 0x0, 4, CACHE_WRITE, &r);	/* fills 2 L2 lines */
		cache_flush_all(&b);				/* L2 forgets them */
		b.mem_reads = 0;
		cache_access(&a, 0x40, 4, CACHE_READ, &r);	/* evicts dirty 0x0 */
		ok(r.writebacks == 1 && b.c.miss[CACHE_WRITE] == 2 &&
		    b.mem_reads == 2 && r.mem_reads == 2 && r.lookups[1] == 2,
		    "a whole-line write-back allocates in L2 without reading memory");
		cache_fini(&a);
		cache_fini(&b);
	}
	/* Writeback range leaves the line clean and resident. */
	{
		struct cache d;
		struct cache_geom gd = geom("1K/4/16");
		bool dirty = true;

		cache_init(&d, &gd, NULL);
		for (uint64_t pa = 0; pa < 256; pa += 16)
			cache_access(&d, pa, 4, pa & 32 ? CACHE_WRITE : CACHE_READ, NULL);
		ok(cache_writeback_range(&d, 0, 256) == 8 && d.mem_writes == 8 &&
		    cache_probe(&d, 32, &dirty, NULL) && !dirty &&
		    cache_writeback_range(&d, 0, 256) == 0,
		    "cache_writeback_range writes back the 8 dirty lines, once");
		ok(cache_invalidate_range(&d, 8, 40) == 3 && !cache_probe(&d, 32, NULL, NULL) &&
		    cache_probe(&d, 48, NULL, NULL),
		    "cache_invalidate_range drops exactly the lines of [8, 48)");
		ok(cache_invalidate_range(&d, 0, UINT64_MAX) == 13 &&
		    !cache_probe(&d, 48, NULL, NULL),
		    "cache_invalidate_range of everything drops the other 13");
		cache_fini(&d);
	}
}

/* ---- MIPS I-cache staleness --------------------------------------- */

static void
test_stale(void)
{
	struct cache l2, i1, d1;
	struct cache_geom gi = geom("1K/2/32"), gd = geom("1K/2/32"), g2 = geom("8K/4/64");
	struct cache_result r;
	bool stale = false;

	cache_init(&l2, &g2, NULL);
	cache_init(&i1, &gi, &l2);
	cache_init(&d1, &gd, &l2);
	cache_set_dpeer(&i1, &d1);

	cache_access(&i1, 0x4000, 4, CACHE_FETCH, &r);
	ok(r.stale == 0 && cache_probe(&i1, 0x4000, NULL, &stale) && !stale,
	    "a fetch fills a fresh I-line");
	/* The program stores an instruction into that line. */
	cache_access(&d1, 0x4008, 4, CACHE_WRITE, NULL);
	ok(cache_store_notify(&i1, 0x4008, 4) == 1 &&
	    cache_probe(&i1, 0x4000, NULL, &stale) && stale,
	    "a store to bytes the I-cache holds marks the line stale");
	ok(cache_store_notify(&i1, 0x4008, 4) == 0, "... once");
	ok(!cache_access_fast(&i1, 0x4000, 4, CACHE_FETCH),
	    "the fast path declines a stale fetch");
	cache_access(&i1, 0x4000, 4, CACHE_FETCH, &r);
	ok(r.stale == 1 && r.level_hit == 1 && i1.c.stale_fetches == 1,
	    "fetching it reports stale (a hit on old bytes)");
	cache_access(&i1, 0x4004, 4, CACHE_FETCH, &r);
	ok(r.stale == 1, "and keeps reporting it until the line is invalidated");
	ok(cache_store_notify(&i1, 0x9000, 4) == 0,
	    "a store to bytes the I-cache does not hold marks nothing");

	/* cacheflush without the D-side write-back: the refill is stale,
	 * because the stored bytes are still only in the dirty D-line. */
	ok(cache_invalidate_range(&i1, 0x4000, 32) == 1, "invalidate drops the I-line");
	cache_access(&i1, 0x4000, 4, CACHE_FETCH, &r);
	ok(r.stale == 1 && r.level_hit != 1,
	    "refill while the D-line is dirty: stale (the bytes never left L1D)");

	/* SYNCI: write back the D-line, invalidate the I-line. */
	ok(cache_writeback_range(&d1, 0x4000, 32) == 1 &&
	    cache_invalidate_range(&i1, 0x4000, 32) == 1, "SYNCI: D write-back, I invalidate");
	cache_access(&i1, 0x4000, 4, CACHE_FETCH, &r);
	ok(r.stale == 0 && r.level_hit == 2 && r.supplied[2] == 1 && r.lookups[1] == 1,
	    "after SYNCI the refill comes fresh from L2");

	/* Code written to a page never executed before, then executed
	 * without SYNCI: stale at the first fill. */
	cache_access(&d1, 0x6000, 4, CACHE_WRITE, NULL);
	ok(cache_store_notify(&i1, 0x6000, 4) == 0, "new code: not in the I-cache yet");
	cache_access(&i1, 0x6000, 4, CACHE_FETCH, &r);
	ok(r.stale == 1, "executing freshly written code without SYNCI is stale");
	/* With the D-line written back first (e.g. evicted), the fill is fresh. */
	cache_access(&d1, 0x7000, 4, CACHE_WRITE, NULL);
	cache_writeback_range(&d1, 0x7000, 4);
	cache_access(&i1, 0x7000, 4, CACHE_FETCH, &r);
	ok(r.stale == 0, "freshly written code after a D write-back is fresh");
	cache_fini(&i1);
	cache_fini(&d1);
	cache_fini(&l2);
}

/* ---- differential tests ------------------------------------------- */

static bool
res_eq(const struct cache_result *a, const struct cache_result *b)
{
	if (a->level_hit != b->level_hit || a->stale != b->stale ||
	    a->lines != b->lines || a->mem_reads != b->mem_reads ||
	    a->writebacks != b->writebacks || a->mem_writes != b->mem_writes)
		return false;
	for (int i = 0; i < CACHE_MAX_LEVELS; i++)
		if (a->lookups[i] != b->lookups[i])
			return false;
	for (int i = 0; i <= CACHE_MAX_LEVELS; i++)
		if (a->supplied[i] != b->supplied[i])
			return false;
	return true;
}

static bool
ctr_eq(const struct cache *c, const struct ref_cache *r)
{
	return memcmp(&c->c, &r->c, sizeof(c->c)) == 0 &&
	    c->mem_reads == r->mem_reads && c->mem_writes == r->mem_writes;
}

/* Do c and r hold the same lines, with the same flags, in [lo, hi)? */
static bool
contents_eq(const struct cache *c, const struct ref_cache *r, uint64_t lo,
    uint64_t hi, uint64_t *where)
{
	for (uint64_t pa = lo; pa < hi; pa += c->g.line_bytes) {
		bool d1 = false, s1 = false, d2 = false, s2 = false;
		bool in1 = cache_probe(c, pa, &d1, &s1);
		bool in2 = ref_probe(r, pa, &d2, &s2);

		if (in1 != in2 || (in1 && (d1 != d2 || s1 != s2))) {
			*where = pa;
			return false;
		}
	}
	return true;
}

/*
 * A hierarchy under test: up to 4 caches and their references.  Index
 * 0 is the L1 D-cache, 1 the L1 I-cache (or -1), then the lower levels.
 */
struct hier {
	int n;
	struct cache c[4];
	struct ref_cache r[4];
	int icache;		/* index of the I-cache, or -1 (fetches go to 0) */
};

static void
hier_fini(struct hier *h)
{
	for (int i = 0; i < h->n; i++) {
		cache_fini(&h->c[i]);
		ref_fini(&h->r[i]);
	}
}

/*
 * Drive h with n random operations from seed over a working set of ws
 * bytes at base, comparing after every one.  Returns the number of the
 * first operation that differed (with a diagnostic), or 0.
 */
static uint64_t
hier_run(struct hier *h, uint64_t seed, uint64_t base, uint64_t ws, int n,
    bool maint)
{
	struct prng p;
	uint64_t seq = base;

	prng_seed(&p, seed);
	for (int k = 1; k <= n; k++) {
		uint64_t roll = prng_below(&p, 1000), pa, where;
		unsigned size = 1 + (unsigned)prng_below(&p, 8);
		enum cache_op op;
		int t;
		struct cache_result a, b;
		unsigned ma, mb;

		/* Addresses: random in the working set, or a sequential run. */
		if (prng_below(&p, 4) == 0) {
			seq += size;
			if (seq >= base + ws)
				seq = base;
			pa = seq;
		} else
			pa = base + prng_below(&p, ws);
		if (maint && roll < 5) {
			/* Maintenance: ranges small and large. */
			uint64_t len = prng_below(&p, 8) == 0 ? prng_below(&p, 4 * ws) + 1 :
			    prng_below(&p, 256) + 1;
			int which = (int)prng_below(&p, (uint64_t)h->n);

			if (roll < 2) {
				ma = cache_invalidate_range(&h->c[which], pa, len);
				mb = ref_invalidate_range(&h->r[which], pa, len);
			} else if (roll < 4) {
				ma = cache_writeback_range(&h->c[which], pa, len);
				mb = ref_writeback_range(&h->r[which], pa, len);
			} else {
				cache_flush_all(&h->c[which]);
				ref_flush_all(&h->r[which]);
				ma = mb = 0;
			}
			if (ma != mb) {
				printf("# op %d: maintenance on cache %d returned %u, ref %u\n",
				    k, which, ma, mb);
				return (uint64_t)k;
			}
			goto compare;
		}
		op = roll < 550 ? CACHE_READ : roll < 800 ? CACHE_WRITE : CACHE_FETCH;
		t = op == CACHE_FETCH && h->icache >= 0 ? h->icache : 0;
		/* Sometimes try the fast path first, as mmu_access will. */
		if (prng_below(&p, 2) == 0 && cache_access_fast(&h->c[t], pa, size, op)) {
			mb = ref_access(&h->r[t], pa, size, op, &b);
			if (mb != 0 || b.lines != 1 || b.stale || b.level_hit != 1) {
				printf("# op %d: fast path hit at %#llx, ref says "
				    "%u misses, %u lines, stale %d\n", k,
				    (unsigned long long)pa, mb, b.lines, b.stale);
				return (uint64_t)k;
			}
		} else {
			ma = cache_access(&h->c[t], pa, size, op, &a);
			mb = ref_access(&h->r[t], pa, size, op, &b);
			if (ma != mb || !res_eq(&a, &b)) {
				printf("# op %d: %s %#llx/%u: misses %u/%u level %u/%u "
				    "wb %u/%u memr %u/%u stale %u/%u\n", k,
				    op == CACHE_READ ? "read" : op == CACHE_WRITE ?
				    "write" : "fetch", (unsigned long long)pa, size,
				    ma, mb, a.level_hit, b.level_hit, a.writebacks,
				    b.writebacks, a.mem_reads, b.mem_reads, a.stale, b.stale);
				return (uint64_t)k;
			}
		}
		if (op == CACHE_WRITE && h->icache >= 0) {
			ma = cache_store_notify(&h->c[h->icache], pa, size);
			mb = ref_store_notify(&h->r[h->icache], pa, size);
			if (ma != mb) {
				printf("# op %d: store_notify %u vs %u\n", k, ma, mb);
				return (uint64_t)k;
			}
		}
compare:
		for (int i = 0; i < h->n; i++) {
			if (!ctr_eq(&h->c[i], &h->r[i])) {
				printf("# op %d: counters of cache %d differ\n", k, i);
				return (uint64_t)k;
			}
			if ((k % 16 == 0 || k == n) &&
			    !contents_eq(&h->c[i], &h->r[i], base, base + ws + 64, &where)) {
				printf("# op %d: cache %d and reference differ at line %#llx\n",
				    k, i, (unsigned long long)where);
				return (uint64_t)k;
			}
		}
	}
	return 0;
}

static void
test_diff_single(void)
{
	static const char *geoms[] = {
		"1K/1/16", "4K/1/64", "2K/2/32", "8K/8/64", "1K/4/16",
		"512/full/16", "256/full/32", "1K/64/16", "64/1/4", "16K/4/32",
	};
	static const enum cache_policy pols[] = { CACHE_LRU, CACHE_PLRU, CACHE_FIFO };
	static const unsigned ws_pct[] = { 50, 100, 400 };
	uint64_t seed = 1;

	for (size_t gi = 0; gi < nitems(geoms); gi++) {
		for (size_t pi = 0; pi < nitems(pols); pi++) {
			uint64_t bad = 0, accesses = 0, misses = 0;
			struct cache_geom g = geom(geoms[gi]);

			g.policy = pols[pi];
			for (size_t wi = 0; wi < nitems(ws_pct) && bad == 0; wi++) {
				struct hier h = { .n = 1, .icache = -1 };
				uint64_t ws = (uint64_t)g.size_bytes * ws_pct[wi] / 100;

				cache_init(&h.c[0], &g, NULL);
				ref_init(&h.r[0], &g, NULL);
				bad = hier_run(&h, seed++, 0x40000 + 4 * wi, ws, 6000, true);
				for (int o = 0; o < CACHE_NOPS; o++) {
					accesses += h.c[0].c.access[o];
					misses += h.c[0].c.miss[o];
				}
				hier_fini(&h);
			}
			ok(bad == 0, "differential %s/%s: identical per-access results, "
			    "counters and contents (%llu lookups, %llu misses)",
			    geoms[gi], cache_policy_name(pols[pi]),
			    (unsigned long long)accesses, (unsigned long long)misses);
		}
	}
}

static void
test_diff_hier(void)
{
	static const struct {
		const char *l1d, *l1i, *l2, *l3;
	} cfg[] = {
		{ "1K/4/16", "1K/2/32/plru", "8K/8/64", NULL },
		{ "2K/2/64/fifo", "1K/1/64", "4K/4/32/plru", NULL },	/* L2 lines smaller */
		{ "512/2/16", NULL, "2K/4/32", "8K/8/64/fifo" },	/* three levels */
		{ "1K/full/32/plru", "512/full/16", "4K/2/16", "16K/4/64" },
	};
	uint64_t seed = 1000;

	for (size_t i = 0; i < nitems(cfg); i++) {
		for (unsigned ws_mult = 1; ws_mult <= 16; ws_mult *= 4) {
			struct hier h = { .icache = -1 };
			struct cache_geom gd = geom(cfg[i].l1d), g2 = geom(cfg[i].l2), gi, g3;
			int low;
			uint64_t bad, ws;

			/* Build bottom up: [n-1] is the last level. */
			h.n = 2 + (cfg[i].l1i != NULL) + (cfg[i].l3 != NULL);
			low = h.n - 1;
			if (cfg[i].l3 != NULL) {
				g3 = geom(cfg[i].l3);
				cache_init(&h.c[low], &g3, NULL);
				ref_init(&h.r[low], &g3, NULL);
				low--;
			}
			cache_init(&h.c[low], &g2, cfg[i].l3 ? &h.c[low + 1] : NULL);
			ref_init(&h.r[low], &g2, cfg[i].l3 ? &h.r[low + 1] : NULL);
			cache_init(&h.c[0], &gd, &h.c[low]);
			ref_init(&h.r[0], &gd, &h.r[low]);
			if (cfg[i].l1i != NULL) {
				gi = geom(cfg[i].l1i);
				h.icache = 1;
				cache_init(&h.c[1], &gi, &h.c[low]);
				ref_init(&h.r[1], &gi, &h.r[low]);
				cache_set_dpeer(&h.c[1], &h.c[0]);
				h.r[1].dpeer = &h.r[0];
			}
			ws = (uint64_t)g2.size_bytes * ws_mult / 2;
			bad = hier_run(&h, seed++, 0x100000, ws, 20000, true);
			ok(bad == 0, "differential hierarchy L1D %s%s%s -> L2 %s%s%s, "
			    "working set %llu bytes: identical (L1D misses %llu, L2 misses "
			    "%llu, write-backs %llu, stale fetches %llu)", cfg[i].l1d,
			    cfg[i].l1i ? " + L1I " : "", cfg[i].l1i ? cfg[i].l1i : "",
			    cfg[i].l2, cfg[i].l3 ? " -> L3 " : "", cfg[i].l3 ? cfg[i].l3 : "",
			    (unsigned long long)ws,
			    (unsigned long long)(h.c[0].c.miss[0] + h.c[0].c.miss[1]),
			    (unsigned long long)(h.c[low].c.miss[0] + h.c[low].c.miss[1] +
			    h.c[low].c.miss[2]),
			    (unsigned long long)h.c[0].c.writebacks,
			    (unsigned long long)(h.icache >= 0 ? h.c[1].c.stale_fetches : 0));
			hier_fini(&h);
		}
	}
}

int
main(void)
{
	sim_invariants = true;
	test_parse();
	test_policies();
	test_writeback();
	test_stale();
	test_diff_single();
	test_diff_hier();
	return tap_done();
}
