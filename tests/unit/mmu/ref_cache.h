/*
 * tests/unit/mmu/ref_cache.h — a deliberately naive reference cache for
 * the differential tests of mmu/cache.c: every set is a plain list of
 * lines (LRU: ordered by recency; FIFO: ordered by fill), or for PLRU a
 * row of way slots with the tree kept as an array of booleans.  No bit
 * tricks, no stamps, no fast path; the same documented semantics as
 * mmu/cache.h (fill before write-back, whole-line writes need no fill,
 * invalid ways first, MIPS I-cache staleness).
 */
#ifndef TESTS_REF_CACHE_H
#define TESTS_REF_CACHE_H

#include "mmu/cache.h"

struct ref_line {
	uint64_t line;		/* pa / line_bytes */
	bool valid, dirty, stale;
};

struct ref_set {
	int n;				/* LRU/FIFO: lines in list[0..n) */
	struct ref_line list[CACHE_MAX_ASSOC];	/* LRU/FIFO: [0] = most recent; PLRU: way slots */
	bool node[2 * CACHE_MAX_ASSOC];	/* PLRU: node k true = replace in the right half */
};

struct ref_cache {
	uint64_t size, assoc, line_bytes, nsets;
	enum cache_policy policy;
	struct ref_set *sets;
	struct ref_cache *next, *dpeer;
	int depth;
	struct cache_counters c;
	uint64_t mem_reads, mem_writes;
};

void ref_init(struct ref_cache *r, const struct cache_geom *g, struct ref_cache *next);
void ref_fini(struct ref_cache *r);
unsigned ref_access(struct ref_cache *r, uint64_t pa, unsigned size,
    enum cache_op op, struct cache_result *res);
bool ref_probe(const struct ref_cache *r, uint64_t pa, bool *dirty, bool *stale);
unsigned ref_store_notify(struct ref_cache *r, uint64_t pa, unsigned size);
unsigned ref_invalidate_range(struct ref_cache *r, uint64_t pa, uint64_t len);
unsigned ref_writeback_range(struct ref_cache *r, uint64_t pa, uint64_t len);
void ref_flush_all(struct ref_cache *r);

#endif
