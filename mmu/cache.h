/*
 * mmu/cache.h — one level of a set-associative, physically indexed and
 * physically tagged, write-back write-allocate cache, chained to the
 * next level (L1 -> L2 -> memory).  It models what decides hits and
 * misses: sets, ways, line size, the replacement policy, dirty lines and
 * the write-backs their eviction causes.  It holds no data (the bytes
 * live in mmu/physmem) and no latencies (those are in mmu/cost.h): each
 * access reports which levels it reached, and the caller charges cycles.
 *
 * The organisation follows Hennessy & Patterson, "Computer Architecture:
 * A Quantitative Approach", appendix B (B.1, "the four memory hierarchy
 * questions"), and Dinero IV's conventions, so that the exported din
 * stream (mmu/din.h) can be checked with Dinero IV:
 *
 *   physical address   63              s+b  s+b-1      b  b-1       0
 *                     +--------------------+-------------+-----------+
 *                     |        tag         |  set index  |  offset   |
 *                     +--------------------+-------------+-----------+
 *   b = log2(line_bytes), s = log2(nsets), nsets = size / (assoc * line)
 *
 * Policies:
 *  - write-back, write-allocate: a write miss fills the line (a read of
 *    the line from the next level) and makes it dirty; a write that
 *    covers a whole line (a write-back arriving from a level with lines
 *    at least as large) allocates without reading it.
 *  - a miss fills from the next level FIRST, then the dirty victim is
 *    written back to the next level (a CACHE_WRITE of the victim's line):
 *    the victim waits in a write buffer while the fill is outstanding.
 *  - invalid ways are filled first (the lowest-numbered one); otherwise
 *    the policy picks the victim: LRU (least recently used), PLRU (tree
 *    pseudo-LRU, H&P B.3 / the i486 scheme: assoc - 1 bits per set, each
 *    node pointing towards the half to replace next), or FIFO (oldest
 *    fill; hits do not reorder).
 *  - an access spanning several lines touches each line, in address
 *    order; every line touched is one access in the counters.  A
 *    write-back arriving from the level above counts as a CACHE_WRITE
 *    access (hit or miss) of this level, as in Dinero IV.
 *
 * MIPS I-cache staleness.  The MIPS I-cache does not snoop stores (MIPS32
 * Vol. II, SYNCI; Vol. III, cache coherency attributes).  A line becomes
 * stale when (a) a store writes bytes of a line the I-cache holds after
 * its fill (cache_store_notify), or (b) the I-cache fills a line whose
 * bytes are dirty in the peer L1 D-cache (cache_set_dpeer): the fill reads
 * the next level, which does not yet have the stored bytes.  A FETCH that
 * touches a stale line reports it (res->stale) and leaves the line stale
 * (the CPU would keep executing the old bytes) until the line is
 * invalidated (SYNCI, cacheflush(2), pmap_sync_icache) or evicted.
 * amd64's I-side is coherent: do not call cache_store_notify or set a
 * peer there.
 *
 * Tags, one uint64_t per way:
 *
 *   63                                       3     2       1       0
 *  +------------------------------------------+-------+-------+-------+
 *  |        line number (pa >> b)             | STALE | DIRTY | VALID |
 *  +------------------------------------------+-------+-------+-------+
 *
 * Physical addresses must be below 2^63: the tag keeps pa >> b in 61 bits
 * (KASSERTed on the miss path).
 *
 * Hot path: cache_access_fast() (inline below) checks only the most
 * recently used way of the set; every other case goes to cache_access().
 * Touching the most recently used way again changes no replacement state
 * in any of the three policies, so the fast path is exact.
 */
#ifndef MMU_CACHE_H
#define MMU_CACHE_H

#include "sim/base/base.h"

#define CACHE_MAX_ASSOC		64	/* PLRU keeps assoc - 1 bits in a uint64_t */
#define CACHE_MAX_LINE		4096
#define CACHE_MIN_LINE		4
#define CACHE_MAX_LEVELS	4	/* L1 + up to three levels below it */

#define CACHE_TAG_VALID		0x1ull	/* the way holds a line */
#define CACHE_TAG_DIRTY		0x2ull	/* written since the fill: write back on eviction */
#define CACHE_TAG_STALE		0x4ull	/* I-cache: memory changed after the fill */
#define CACHE_TAG_SHIFT		3	/* line number starts here */
#define CACHE_TAG_FLAGS		(CACHE_TAG_DIRTY | CACHE_TAG_STALE)	/* ignored by compares */

enum cache_policy {
	CACHE_LRU,		/* true least-recently-used */
	CACHE_PLRU,		/* tree pseudo-LRU */
	CACHE_FIFO,		/* first in, first out */
};

enum cache_op {
	CACHE_READ,		/* data load (or a fill requested by the level above) */
	CACHE_WRITE,		/* data store (or a write-back from the level above) */
	CACHE_FETCH,		/* instruction fetch */
};
#define CACHE_NOPS	3

struct cache_geom {
	uint32_t size_bytes;	/* total capacity, power of two */
	uint32_t assoc;		/* ways per set, power of two, 1..CACHE_MAX_ASSOC */
	uint32_t line_bytes;	/* power of two, CACHE_MIN_LINE..CACHE_MAX_LINE */
	enum cache_policy policy;
};

/* Per-level counters; all monotonic.  hits = access - miss. */
struct cache_counters {
	uint64_t access[CACHE_NOPS];	/* line lookups, by op */
	uint64_t miss[CACHE_NOPS];	/* lookups that missed, by op */
	uint64_t evict[CACHE_NOPS];	/* valid lines replaced, by the op of the miss */
	uint64_t writebacks;		/* dirty lines written back to the next level/memory */
	uint64_t stale_fetches;		/* FETCH lookups that touched a stale line */
	uint64_t invalidated;		/* lines dropped by cache_invalidate_range/flush_all */
};

struct cache {
	struct cache_geom g;
	uint32_t nsets;
	unsigned line_shift;		/* log2(line_bytes) */
	unsigned assoc_shift;		/* log2(assoc) */
	uint64_t set_mask;		/* nsets - 1 */
	unsigned depth;			/* 1 + levels below this one */
	uint64_t *tags;			/* [nsets << assoc_shift]; see the layout above */
	uint64_t *stamp;		/* LRU: last touch; FIFO: fill time (per way) */
	uint64_t *plru;			/* PLRU: tree bits per set (node n = bit n, root 1) */
	uint8_t *mru;			/* per set: the way touched last */
	uint32_t *scratch;		/* [nsets << assoc_shift]: range operations' sort space */
	uint64_t clock;			/* stamp source */
	struct cache *next;		/* next level; NULL = memory */
	struct cache *dpeer;		/* I-cache: the L1 D-cache whose dirty lines make fills stale */
	struct cache_counters c;
	uint64_t mem_reads;		/* lines this level read from memory (next == NULL) */
	uint64_t mem_writes;		/* lines this level wrote to memory (next == NULL) */
};

/*
 * What one cache_access did, for charging cycles.  Levels are numbered
 * as in level_hit: 1 = the cache the access was made to, 2 = the next,
 * ..., 0 = memory.  Two ways to charge:
 *  - by the level that supplied each line ("latency of an access
 *    satisfied at that level", mmu/cost.h):
 *	cycles = supplied[1] * l1_hit + supplied[2] * l2_hit + supplied[0] * mem;
 *  - or per level visited: lookups[l] counts the demand lookups at level
 *    l + 1 (lookups[0] at this cache) and mem_reads the lines read from
 *    memory: cycles = sum of lookups[l] * lookup cost(l) + mem_reads * mem.
 * Write-backs (writebacks, mem_writes) are reported for callers that
 * charge them; a write buffer usually hides them.  A write miss covering
 * a whole line allocates without a fill and counts as supplied here.
 */
struct cache_result {
	uint8_t level_hit;	/* first line: 1 = hit here, 2 = in the next level, ..., 0 = memory */
	uint8_t stale;		/* a FETCH touched a stale line */
	uint32_t lines;		/* lines of this cache touched (== lookups[0]) */
	uint32_t supplied[CACHE_MAX_LEVELS + 1];	/* lines of this cache by supplying level (index as level_hit) */
	uint32_t lookups[CACHE_MAX_LEVELS];	/* demand lookups per level (write-back arrivals excluded) */
	uint32_t mem_reads;	/* demand lines read from memory */
	uint32_t writebacks;	/* dirty lines written back, at any level */
	uint32_t mem_writes;	/* of those, lines written to memory */
};

/* The policy's name ("lru", "plru", "fifo"). */
const char *cache_policy_name(enum cache_policy p);

/*
 * NULL when g is a valid geometry, else a message saying what is wrong
 * (a static string, e.g. "associativity is not a power of two").
 */
const char *cache_geom_error(const struct cache_geom *g);

/*
 * Parse "SIZE/ASSOC/LINE[/POLICY]" (the --l1d, --l1i, --l2 syntax):
 * SIZE and LINE are decimal with an optional K or M suffix (KiB, MiB),
 * ASSOC is decimal or "full" (one set), POLICY is lru (default), plru or
 * fifo.  Returns 0 and fills *g, or -1 with a message naming the input and
 * what is wrong in err (always NUL-terminated when errlen > 0).
 */
int cache_geom_parse(const char *s, struct cache_geom *g, char *err, size_t errlen);

/* Format g as cache_geom_parse reads it ("32K/8/64/lru"); returns the
 * snprintf length. */
int cache_geom_format(const struct cache_geom *g, char *buf, size_t len);

/*
 * Initialise c, empty, with geometry g (which must be valid: see
 * cache_geom_error), in front of next (NULL = memory; next must outlive
 * c).  Returns 0, or -1 when memory for the tag arrays cannot be
 * allocated.
 */
int cache_init(struct cache *c, const struct cache_geom *g, struct cache *next);
/* Free the tag arrays.  Does not write back dirty lines. */
void cache_fini(struct cache *c);

/*
 * Make icache an I-cache whose fills are stale when the bytes are dirty in
 * dcache (the same CPU's L1 D-cache).  MIPS only.
 */
void cache_set_dpeer(struct cache *icache, struct cache *dcache);

/*
 * The slow path of one access of size bytes (size >= 1) at pa: looks up
 * every line of c the bytes touch, filling misses from the next levels
 * and writing back dirty victims, and updates the counters of every level
 * involved.  Fills *res when res is not NULL.  Returns the number of lines
 * of c that missed (0: all hit).
 */
unsigned cache_access(struct cache *c, vm_paddr_t pa, unsigned size,
    enum cache_op op, struct cache_result *res);

/*
 * A write-through store of size bytes (size >= 1) at pa (a page of the
 * write-through memory type; mmu/mmu.h): at c and every level below it,
 * each line the bytes touch is looked up as a CACHE_WRITE access; a line
 * present there is updated in place (a hit: its replacement state is
 * touched, its dirty bit left as it was), an absent one is a miss that
 * allocates nothing (write-through, no write-allocate).  The bytes then
 * go to memory (mem_writes of the last level, per line).  Returns the
 * number of lines of c that hit.
 */
unsigned cache_write_through(struct cache *c, vm_paddr_t pa, unsigned size);

/*
 * Store bytes [pa, pa + size) happened: mark the lines of icache holding
 * any of them stale.  Returns the number of lines newly marked.
 */
unsigned cache_store_notify(struct cache *icache, vm_paddr_t pa, unsigned size);

/*
 * Drop the lines of c that hold bytes of [pa, pa + len), dirty or not,
 * without writing them back (MIPS Hit_Invalidate; on an I-cache this is
 * SYNCI's / cacheflush's / pmap_sync_icache's effect, and it clears
 * staleness).  Returns the number of lines dropped.
 */
unsigned cache_invalidate_range(struct cache *c, vm_paddr_t pa, uint64_t len);

/*
 * Write back the dirty lines of c holding bytes of [pa, pa + len) to the
 * next level (MIPS Hit_Writeback_D; SYNCI's D-side), leaving them valid
 * and clean.  Returns the number of lines written back.
 */
unsigned cache_writeback_range(struct cache *c, vm_paddr_t pa, uint64_t len);

/*
 * Range operations visit lines in ascending address order, so that the
 * write-backs reach the next level in a defined order.
 */

/* Write back every dirty line, then invalidate every line of c. */
void cache_flush_all(struct cache *c);

/*
 * Is the line holding pa resident in c?  If so, *dirty and *stale (either
 * may be NULL) report its state.  Changes nothing (not even LRU order).
 */
bool cache_probe(const struct cache *c, vm_paddr_t pa, bool *dirty, bool *stale);

/* Does c hold the line of pa?  (No state changes: for store snooping.) */
static inline bool
cache_holds(const struct cache *c, vm_paddr_t pa)
{
	uint64_t line = pa >> c->line_shift;
	uint64_t want = (line << CACHE_TAG_SHIFT) | CACHE_TAG_VALID;
	const uint64_t *t = &c->tags[(line & c->set_mask) << c->assoc_shift];
	bool hit = false;

	for (unsigned w = 0; w < c->g.assoc; w++)
		hit |= (t[w] & ~CACHE_TAG_FLAGS) == want;
	return hit;
}

/*
 * The fast path: when [pa, pa + size) lies in one line that hits in its
 * set — its most recently used way under any policy, or any way under LRU
 * (a hit then only moves the way's stamp, as cache_access would) — and,
 * for a FETCH, is not stale: count the hit, mark the line dirty on a
 * write, and return true; the caller charges one level-1 hit.  Otherwise
 * change nothing and return false: the caller goes to cache_access.
 */
static inline bool
cache_access_fast(struct cache *c, vm_paddr_t pa, unsigned size, enum cache_op op)
{
	uint64_t line = pa >> c->line_shift;
	uint64_t want = (line << CACHE_TAG_SHIFT) | CACHE_TAG_VALID;
	uint64_t set, base, *t;
	unsigned w;

	if (__builtin_expect(((pa + size - 1) >> c->line_shift) != line, 0))
		return false;
	set = line & c->set_mask;
	base = set << c->assoc_shift;
	w = c->mru[set];
	t = &c->tags[base + w];
	if ((*t & ~CACHE_TAG_FLAGS) != want) {
		/* Touching the MRU way again changes no replacement state;
		 * another way does, which only LRU updates here. */
		if (c->g.policy != CACHE_LRU)
			return false;
		for (w = 0; w < c->g.assoc; w++)
			if ((c->tags[base + w] & ~CACHE_TAG_FLAGS) == want)
				break;
		if (w == c->g.assoc)
			return false;
		t = &c->tags[base + w];
		if (op == CACHE_FETCH && (*t & CACHE_TAG_STALE) != 0)
			return false;
		c->stamp[base + w] = ++c->clock;
		c->mru[set] = (uint8_t)w;
	}
	if (op == CACHE_WRITE)
		*t |= CACHE_TAG_DIRTY;
	else if (op == CACHE_FETCH && (*t & CACHE_TAG_STALE) != 0)
		return false;
	c->c.access[op]++;
	return true;
}

#endif
