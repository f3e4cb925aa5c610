/*
 * mmu/cache.c — the slow path of the cache model (mmu/cache.h): line
 * lookup over all ways, victim choice (invalid way first, then LRU, tree
 * PLRU or FIFO), fills from the next level, write-backs of dirty victims,
 * the MIPS I-cache staleness bookkeeping, range maintenance operations
 * and the geometry parser.
 *
 * Everything is shifts and masks on power-of-two geometry; nothing here
 * allocates after cache_init.  The inline fast path in cache.h handles the
 * common case (a hit on the set's most recently used way).
 */
#include "mmu/cache.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static bool
is_pow2(uint64_t x)
{
	return x != 0 && (x & (x - 1)) == 0;
}

static unsigned
log2_exact(uint64_t x)
{
	return (unsigned)__builtin_ctzll(x);
}

const char *
cache_policy_name(enum cache_policy p)
{
	switch (p) {
	case CACHE_LRU: return "lru";
	case CACHE_PLRU: return "plru";
	case CACHE_FIFO: return "fifo";
	}
	return "?";
}

const char *
cache_geom_error(const struct cache_geom *g)
{
	if (!is_pow2(g->line_bytes))
		return "line size is not a power of two";
	if (g->line_bytes < CACHE_MIN_LINE)
		return "line size is below 4 bytes";
	if (g->line_bytes > CACHE_MAX_LINE)
		return "line size is above 4096 bytes";
	if (!is_pow2(g->size_bytes))
		return "size is not a power of two";
	if (!is_pow2(g->assoc))
		return "associativity is not a power of two";
	if (g->assoc > CACHE_MAX_ASSOC)
		return "associativity is above 64";
	if ((uint64_t)g->size_bytes < (uint64_t)g->line_bytes * g->assoc)
		return "size is smaller than associativity x line size";
	if (g->policy != CACHE_LRU && g->policy != CACHE_PLRU &&
	    g->policy != CACHE_FIFO)
		return "unknown replacement policy";
	return NULL;
}

/*
 * Parse a decimal number with an optional K or M suffix from [*sp, end).
 * Returns 0 and advances *sp, or -1.
 */
static int
parse_size(const char *s, size_t n, uint64_t *out)
{
	uint64_t v = 0;
	size_t i = 0;

	if (n == 0)
		return -1;
	for (; i < n && s[i] >= '0' && s[i] <= '9'; i++) {
		v = v * 10 + (uint64_t)(s[i] - '0');
		if (v > UINT32_MAX)
			return -1;
	}
	if (i == 0)
		return -1;
	if (i < n) {
		if (s[i] == 'K' || s[i] == 'k')
			v <<= 10;
		else if (s[i] == 'M' || s[i] == 'm')
			v <<= 20;
		else
			return -1;
		if (++i != n)
			return -1;
	}
	if (v > UINT32_MAX)
		return -1;
	*out = v;
	return 0;
}

int
cache_geom_parse(const char *s, struct cache_geom *g, char *err, size_t errlen)
{
	const char *f[5];
	size_t flen[5];
	int nf = 0;
	uint64_t size, assoc = 0, line;
	bool full = false;
	struct cache_geom r;
	const char *why, *p = s;

	if (errlen > 0)
		err[0] = '\0';
	/* Split on '/'. */
	for (;;) {
		const char *slash = strchr(p, '/');
		size_t n = slash != NULL ? (size_t)(slash - p) : strlen(p);

		if (nf == 5)
			break;
		f[nf] = p;
		flen[nf] = n;
		nf++;
		if (slash == NULL)
			break;
		p = slash + 1;
	}
	if (nf < 3 || nf > 4) {
		snprintf(err, errlen, "cache geometry \"%s\": expected "
		    "SIZE/ASSOC/LINE[/lru|plru|fifo], e.g. 32K/8/64", s);
		return -1;
	}
	if (parse_size(f[0], flen[0], &size) != 0) {
		snprintf(err, errlen, "cache geometry \"%s\": bad size \"%.*s\" "
		    "(a number with optional K or M)", s, (int)flen[0], f[0]);
		return -1;
	}
	if ((flen[1] == 4 && strncmp(f[1], "full", 4) == 0) ||
	    (flen[1] == 2 && strncmp(f[1], "fa", 2) == 0))
		full = true;
	else if (parse_size(f[1], flen[1], &assoc) != 0 || assoc == 0) {
		snprintf(err, errlen, "cache geometry \"%s\": bad associativity "
		    "\"%.*s\" (a number of ways, or full)", s, (int)flen[1], f[1]);
		return -1;
	}
	if (parse_size(f[2], flen[2], &line) != 0) {
		snprintf(err, errlen, "cache geometry \"%s\": bad line size \"%.*s\"",
		    s, (int)flen[2], f[2]);
		return -1;
	}
	r.policy = CACHE_LRU;
	if (nf == 4) {
		if (flen[3] == 3 && strncmp(f[3], "lru", 3) == 0)
			r.policy = CACHE_LRU;
		else if (flen[3] == 4 && strncmp(f[3], "plru", 4) == 0)
			r.policy = CACHE_PLRU;
		else if (flen[3] == 4 && strncmp(f[3], "fifo", 4) == 0)
			r.policy = CACHE_FIFO;
		else {
			snprintf(err, errlen, "cache geometry \"%s\": unknown "
			    "policy \"%.*s\" (lru, plru or fifo)", s,
			    (int)flen[3], f[3]);
			return -1;
		}
	}
	if (full)
		assoc = line != 0 ? size / line : 0;
	r.size_bytes = (uint32_t)size;
	r.assoc = (uint32_t)assoc;
	r.line_bytes = (uint32_t)line;
	if ((why = cache_geom_error(&r)) != NULL) {
		snprintf(err, errlen, "cache geometry \"%s\": %s", s, why);
		return -1;
	}
	*g = r;
	return 0;
}

/* Print a byte count the way cache_geom_parse reads it. */
static int
format_size(uint32_t v, char *buf, size_t len)
{
	if (v >= (1u << 20) && (v & ((1u << 20) - 1)) == 0)
		return snprintf(buf, len, "%uM", v >> 20);
	if (v >= (1u << 10) && (v & ((1u << 10) - 1)) == 0)
		return snprintf(buf, len, "%uK", v >> 10);
	return snprintf(buf, len, "%u", v);
}

int
cache_geom_format(const struct cache_geom *g, char *buf, size_t len)
{
	char sz[16], ln[16];

	format_size(g->size_bytes, sz, sizeof(sz));
	format_size(g->line_bytes, ln, sizeof(ln));
	return snprintf(buf, len, "%s/%u/%s/%s", sz, g->assoc, ln,
	    cache_policy_name(g->policy));
}

int
cache_init(struct cache *c, const struct cache_geom *g, struct cache *next)
{
	const char *why = cache_geom_error(g);
	size_t nways;

	KASSERT(why == NULL, ("cache_init: bad geometry %u/%u/%u: %s",
	    g->size_bytes, g->assoc, g->line_bytes, why));
	memset(c, 0, sizeof(*c));
	c->g = *g;
	c->line_shift = log2_exact(g->line_bytes);
	c->assoc_shift = log2_exact(g->assoc);
	c->nsets = g->size_bytes >> (c->line_shift + c->assoc_shift);
	c->set_mask = c->nsets - 1;
	c->next = next;
	c->depth = next != NULL ? next->depth + 1 : 1;
	KASSERT(c->depth <= CACHE_MAX_LEVELS, ("cache_init: %u levels, at most %d",
	    c->depth, CACHE_MAX_LEVELS));
	nways = (size_t)c->nsets << c->assoc_shift;
	c->tags = calloc(nways, sizeof(*c->tags));
	c->stamp = calloc(nways, sizeof(*c->stamp));
	c->plru = calloc(c->nsets, sizeof(*c->plru));
	c->mru = calloc(c->nsets, sizeof(*c->mru));
	c->scratch = calloc(nways, sizeof(*c->scratch));
	if (c->tags == NULL || c->stamp == NULL || c->plru == NULL ||
	    c->mru == NULL || c->scratch == NULL) {
		cache_fini(c);
		return -1;
	}
	return 0;
}

void
cache_fini(struct cache *c)
{
	free(c->tags);
	free(c->stamp);
	free(c->plru);
	free(c->mru);
	free(c->scratch);
	c->tags = c->stamp = c->plru = NULL;
	c->mru = NULL;
	c->scratch = NULL;
}

void
cache_set_dpeer(struct cache *icache, struct cache *dcache)
{
	icache->dpeer = dcache;
}

/* The way of set holding line, or -1. */
static inline int
cache_find(const struct cache *c, uint64_t set, uint64_t line)
{
	const uint64_t *t = &c->tags[set << c->assoc_shift];
	uint64_t want = (line << CACHE_TAG_SHIFT) | CACHE_TAG_VALID, match = 0;

	if ((t[c->mru[set]] & ~CACHE_TAG_FLAGS) == want)
		return c->mru[set];
	/* Compare every way without an early exit: which way hits is
	 * unpredictable, a loop exit on it costs a branch miss. */
	for (unsigned w = 0; w < c->g.assoc; w++)
		match |= (uint64_t)((t[w] & ~CACHE_TAG_FLAGS) == want) << w;
	return match != 0 ? __builtin_ctzll(match) : -1;
}

/*
 * Record a use of way w of set (a hit, or a fill when fill is true) in
 * the replacement state.
 */
static inline void
cache_touch(struct cache *c, uint64_t set, unsigned w, bool fill)
{
	switch (c->g.policy) {
	case CACHE_FIFO:
		if (!fill)
			break;
		/* FALLTHROUGH */
	case CACHE_LRU:
		c->stamp[(set << c->assoc_shift) + w] = ++c->clock;
		break;
	case CACHE_PLRU: {
		/* Walk root to leaf along w's bits (MSB first); make every
		 * node on the path point away from w. */
		uint64_t bits = c->plru[set];
		unsigned node = 1;

		for (int i = (int)c->assoc_shift - 1; i >= 0; i--) {
			unsigned dir = (w >> i) & 1;

			if (dir)
				bits &= ~(1ull << node);
			else
				bits |= 1ull << node;
			node = 2 * node + dir;
		}
		c->plru[set] = bits;
		break;
	}
	}
	c->mru[set] = (uint8_t)w;
}

/* The way of set to fill: the lowest invalid way, else the policy's. */
static unsigned
cache_victim(const struct cache *c, uint64_t set)
{
	const uint64_t *t = &c->tags[set << c->assoc_shift];
	unsigned w, best;

	for (w = 0; w < c->g.assoc; w++)
		if ((t[w] & CACHE_TAG_VALID) == 0)
			return w;
	if (c->g.policy == CACHE_PLRU) {
		unsigned node = 1;

		for (unsigned i = 0; i < c->assoc_shift; i++)
			node = 2 * node + (unsigned)((c->plru[set] >> node) & 1);
		return node - c->g.assoc;
	}
	/* LRU and FIFO: the smallest stamp (stamps are unique); written
	 * for conditional moves, the winner being unpredictable. */
	const uint64_t *st = &c->stamp[set << c->assoc_shift];
	uint64_t min = st[0];

	best = 0;
	for (w = 1; w < c->g.assoc; w++) {
		bool lt = st[w] < min;

		min = lt ? st[w] : min;
		best = lt ? w : best;
	}
	return best;
}

/* Is any byte of [pa, pa + len) in a dirty line of c? */
static bool
cache_range_dirty(const struct cache *c, vm_paddr_t pa, uint64_t len)
{
	uint64_t first = pa >> c->line_shift;
	uint64_t last = (pa + len - 1) >> c->line_shift;

	for (uint64_t l = first; l <= last; l++) {
		int w = cache_find(c, l & c->set_mask, l);

		if (w >= 0 && (c->tags[((l & c->set_mask) << c->assoc_shift) + w] &
		    CACHE_TAG_DIRTY) != 0)
			return true;
	}
	return false;
}

static unsigned cache_range(struct cache *c, vm_paddr_t pa, uint64_t len,
    enum cache_op op, int level, struct cache_result *res, unsigned *found);

/* Write the dirty line number `line` of c back to the next level or memory. */
static void
cache_write_back(struct cache *c, uint64_t line, struct cache_result *res)
{
	c->c.writebacks++;
	res->writebacks++;
	if (c->next != NULL)
		(void)cache_range(c->next, line << c->line_shift, c->g.line_bytes,
		    CACHE_WRITE, -1, res, NULL);
	else {
		c->mem_writes++;
		res->mem_writes++;
	}
}

/*
 * One line lookup in c.  level >= 0: a demand lookup at that depth below
 * the cache the access was made to (counted in res->lookups); level < 0:
 * a write-back arriving from above.  whole: the access covers the whole
 * line (a write needs no fill).  Returns the level that supplied the line
 * (level + 1 when it was here; 0 = memory).
 */
static unsigned
cache_line(struct cache *c, uint64_t line, enum cache_op op, bool whole,
    int level, struct cache_result *res)
{
	uint64_t set = line & c->set_mask;
	uint64_t *t = &c->tags[set << c->assoc_shift];
	uint64_t victim, tag;
	unsigned w, found;
	int hw;

	KASSERT((line << CACHE_TAG_SHIFT) >> CACHE_TAG_SHIFT == line,
	    ("cache: line %#llx does not fit the tag", (unsigned long long)line));
	c->c.access[op]++;
	if (level >= 0)
		res->lookups[level]++;
	if ((hw = cache_find(c, set, line)) >= 0) {
		w = (unsigned)hw;
		if (op == CACHE_WRITE)
			t[w] |= CACHE_TAG_DIRTY;
		else if (op == CACHE_FETCH && (t[w] & CACHE_TAG_STALE) != 0) {
			c->c.stale_fetches++;
			res->stale = 1;
		}
		cache_touch(c, set, w, false);
		return (unsigned)level + 1;
	}

	c->c.miss[op]++;
	w = cache_victim(c, set);
	victim = t[w];
	t[w] = 0;
	/* Fill first (the victim waits in the write buffer). */
	found = (unsigned)level + 1;
	if (!(op == CACHE_WRITE && whole)) {
		enum cache_op fop = op == CACHE_WRITE ? CACHE_READ : op;

		if (c->next != NULL)
			(void)cache_range(c->next, line << c->line_shift,
			    c->g.line_bytes, fop, level >= 0 ? level + 1 : -1,
			    res, &found);
		else {
			c->mem_reads++;
			if (level >= 0)
				res->mem_reads++;
			found = 0;
		}
	}
	if ((victim & CACHE_TAG_VALID) != 0) {
		c->c.evict[op]++;
		if ((victim & CACHE_TAG_DIRTY) != 0)
			cache_write_back(c, victim >> CACHE_TAG_SHIFT, res);
	}
	tag = (line << CACHE_TAG_SHIFT) | CACHE_TAG_VALID;
	if (op == CACHE_WRITE)
		tag |= CACHE_TAG_DIRTY;
	else if (op == CACHE_FETCH && c->dpeer != NULL &&
	    cache_range_dirty(c->dpeer, line << c->line_shift, c->g.line_bytes)) {
		tag |= CACHE_TAG_STALE;
		c->c.stale_fetches++;
		res->stale = 1;
	}
	t[w] = tag;
	cache_touch(c, set, w, true);
	return found;
}

/*
 * Look up every line of c that [pa, pa + len) touches.  Returns the
 * number that missed; *found (if not NULL) gets the supplying level of the
 * first.
 */
static unsigned
cache_range(struct cache *c, vm_paddr_t pa, uint64_t len, enum cache_op op,
    int level, struct cache_result *res, unsigned *found)
{
	uint64_t first = pa >> c->line_shift;
	uint64_t last = (pa + len - 1) >> c->line_shift;
	uint64_t end = pa + len;
	unsigned misses = 0;

	for (uint64_t l = first; l <= last; l++) {
		uint64_t lpa = l << c->line_shift;
		bool whole = lpa >= pa && lpa + c->g.line_bytes <= end;
		uint64_t miss0 = c->c.miss[op];
		unsigned f = cache_line(c, l, op, whole, level, res);

		misses += (unsigned)(c->c.miss[op] - miss0);
		if (level == 0)
			res->supplied[f]++;
		if (l == first && found != NULL)
			*found = f;
	}
	return misses;
}

unsigned
cache_access(struct cache *c, vm_paddr_t pa, unsigned size, enum cache_op op,
    struct cache_result *res)
{
	struct cache_result local;
	unsigned found = 1, misses;

	KASSERT(size >= 1, ("cache_access: size 0 at %#llx", (unsigned long long)pa));
	if (res == NULL)
		res = &local;
	memset(res, 0, sizeof(*res));
	/* A hit in one line on any way: the common slow-path case. */
	if (((pa + size - 1) >> c->line_shift) == (pa >> c->line_shift)) {
		uint64_t line = pa >> c->line_shift, set = line & c->set_mask;
		int w = cache_find(c, set, line);
		uint64_t *t = w >= 0 ?
		    &c->tags[(set << c->assoc_shift) + (unsigned)w] : NULL;

		/* (A stale fetch takes the general path, which reports it.) */
		if (t != NULL && !(op == CACHE_FETCH && (*t & CACHE_TAG_STALE) != 0)) {
			if (op == CACHE_WRITE)
				*t |= CACHE_TAG_DIRTY;
			c->c.access[op]++;
			cache_touch(c, set, (unsigned)w, false);
			res->level_hit = 1;
			res->lines = res->lookups[0] = res->supplied[1] = 1;
			return 0;
		}
	}
	misses = cache_range(c, pa, size, op, 0, res, &found);
	res->level_hit = (uint8_t)found;
	res->lines = res->lookups[0];
	return misses;
}

unsigned
cache_write_through(struct cache *c, vm_paddr_t pa, unsigned size)
{
	unsigned hits = 0;

	KASSERT(size >= 1, ("cache_write_through: size 0 at %#llx",
	    (unsigned long long)pa));
	for (struct cache *lc = c; lc != NULL; lc = lc->next) {
		uint64_t first = pa >> lc->line_shift;
		uint64_t last = (pa + size - 1) >> lc->line_shift;

		for (uint64_t l = first; l <= last; l++) {
			uint64_t set = l & lc->set_mask;
			int w = cache_find(lc, set, l);

			lc->c.access[CACHE_WRITE]++;
			if (w < 0) {
				lc->c.miss[CACHE_WRITE]++;
			} else {
				cache_touch(lc, set, (unsigned)w, false);
				if (lc == c)
					hits++;
			}
			if (lc->next == NULL)
				lc->mem_writes++;
		}
	}
	return hits;
}

bool
cache_probe(const struct cache *c, vm_paddr_t pa, bool *dirty, bool *stale)
{
	uint64_t line = pa >> c->line_shift;
	uint64_t set = line & c->set_mask;
	int w = cache_find(c, set, line);
	uint64_t t;

	if (w < 0)
		return false;
	t = c->tags[(set << c->assoc_shift) + (unsigned)w];
	if (dirty != NULL)
		*dirty = (t & CACHE_TAG_DIRTY) != 0;
	if (stale != NULL)
		*stale = (t & CACHE_TAG_STALE) != 0;
	return true;
}

unsigned
cache_store_notify(struct cache *icache, vm_paddr_t pa, unsigned size)
{
	uint64_t first = pa >> icache->line_shift;
	uint64_t last = (pa + (size ? size : 1) - 1) >> icache->line_shift;
	unsigned n = 0;

	for (uint64_t l = first; l <= last; l++) {
		uint64_t set = l & icache->set_mask;
		int w = cache_find(icache, set, l);
		uint64_t *t;

		if (w < 0)
			continue;
		t = &icache->tags[(set << icache->assoc_shift) + (unsigned)w];
		if ((*t & CACHE_TAG_STALE) == 0) {
			*t |= CACHE_TAG_STALE;
			n++;
		}
	}
	return n;
}

/* qsort_r order of way indices by the line they hold (arg: the tags). */
static int
cache_cmp_way(const void *a, const void *b, void *arg)
{
	const uint64_t *tags = arg;
	uint64_t la = tags[*(const uint32_t *)a] >> CACHE_TAG_SHIFT;
	uint64_t lb = tags[*(const uint32_t *)b] >> CACHE_TAG_SHIFT;

	return la < lb ? -1 : la > lb;
}

/*
 * Apply fn to every resident line of c whose line number lies in
 * [first, last], in ascending address order (the order matters: write-
 * backs change the next level's replacement state).  Line by line when the
 * range has fewer lines than the cache has ways, else by collecting the
 * matching ways and sorting them.  Returns the sum of fn's results.
 */
static unsigned
cache_lines_apply(struct cache *c, uint64_t first, uint64_t last,
    unsigned (*fn)(struct cache *, uint64_t *, struct cache_result *),
    struct cache_result *res)
{
	size_t nways = (size_t)c->nsets << c->assoc_shift, nmatch = 0;
	unsigned n = 0;

	if (last - first < nways) {
		for (uint64_t l = first; ; l++) {
			uint64_t set = l & c->set_mask;
			int w = cache_find(c, set, l);

			if (w >= 0)
				n += fn(c, &c->tags[(set << c->assoc_shift) +
				    (unsigned)w], res);
			if (l == last)
				break;
		}
		return n;
	}
	for (size_t i = 0; i < nways; i++) {
		uint64_t l = c->tags[i] >> CACHE_TAG_SHIFT;

		if ((c->tags[i] & CACHE_TAG_VALID) != 0 && l >= first && l <= last)
			c->scratch[nmatch++] = (uint32_t)i;
	}
	qsort_r(c->scratch, nmatch, sizeof(*c->scratch), cache_cmp_way, c->tags);
	for (size_t i = 0; i < nmatch; i++)
		n += fn(c, &c->tags[c->scratch[i]], res);
	return n;
}

/* The lines of c holding bytes of [pa, pa + len), len > 0, clipped at the
 * top of the address space. */
static void
cache_lines_of(const struct cache *c, vm_paddr_t pa, uint64_t len,
    uint64_t *first, uint64_t *last)
{
	*first = pa >> c->line_shift;
	*last = pa + len - 1 < pa ? UINT64_MAX >> c->line_shift :
	    (pa + len - 1) >> c->line_shift;
}

static unsigned
cache_drop(struct cache *c, uint64_t *t, struct cache_result *res)
{
	(void)res;
	*t = 0;
	c->c.invalidated++;
	return 1;
}

static unsigned
cache_clean(struct cache *c, uint64_t *t, struct cache_result *res)
{
	if ((*t & CACHE_TAG_DIRTY) == 0)
		return 0;
	*t &= ~CACHE_TAG_DIRTY;
	cache_write_back(c, *t >> CACHE_TAG_SHIFT, res);
	return 1;
}

/* Apply fn to the resident lines of [pa, pa + len). */
static unsigned
cache_range_apply(struct cache *c, vm_paddr_t pa, uint64_t len,
    unsigned (*fn)(struct cache *, uint64_t *, struct cache_result *))
{
	struct cache_result res;
	uint64_t first, last;

	if (len == 0)
		return 0;
	memset(&res, 0, sizeof(res));
	cache_lines_of(c, pa, len, &first, &last);
	return cache_lines_apply(c, first, last, fn, &res);
}

unsigned
cache_invalidate_range(struct cache *c, vm_paddr_t pa, uint64_t len)
{
	return cache_range_apply(c, pa, len, cache_drop);
}

unsigned
cache_writeback_range(struct cache *c, vm_paddr_t pa, uint64_t len)
{
	return cache_range_apply(c, pa, len, cache_clean);
}

void
cache_flush_all(struct cache *c)
{
	struct cache_result res;

	memset(&res, 0, sizeof(res));
	(void)cache_lines_apply(c, 0, UINT64_MAX >> CACHE_TAG_SHIFT, cache_clean, &res);
	(void)cache_lines_apply(c, 0, UINT64_MAX >> CACHE_TAG_SHIFT, cache_drop, &res);
}
