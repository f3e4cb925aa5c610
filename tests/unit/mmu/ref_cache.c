/*
 * tests/unit/mmu/ref_cache.c — the naive reference cache (see
 * ref_cache.h).  Written for obviousness, not speed: division and modulo
 * for the set index, linear lists, explicit tree nodes walked leaf to root.
 */
#include "tests/unit/mmu/ref_cache.h"

#include <stdlib.h>
#include <string.h>

void
ref_init(struct ref_cache *r, const struct cache_geom *g, struct ref_cache *next)
{
	memset(r, 0, sizeof(*r));
	r->size = g->size_bytes;
	r->assoc = g->assoc;
	r->line_bytes = g->line_bytes;
	r->nsets = r->size / (r->assoc * r->line_bytes);
	r->policy = g->policy;
	r->sets = calloc(r->nsets, sizeof(*r->sets));
	if (r->sets == NULL)
		abort();
	r->next = next;
	r->depth = next != NULL ? next->depth + 1 : 1;
}

void
ref_fini(struct ref_cache *r)
{
	free(r->sets);
	r->sets = NULL;
}

/* PLRU: mark way w used: every node from its leaf up to the root points
 * to the other half. */
static void
ref_plru_touch(struct ref_cache *r, struct ref_set *s, uint64_t w)
{
	uint64_t k = w + r->assoc;

	while (k > 1) {
		uint64_t parent = k / 2;

		s->node[parent] = (k == 2 * parent);	/* we are left: replace right */
		k = parent;
	}
}

static uint64_t
ref_plru_victim(struct ref_cache *r, struct ref_set *s)
{
	uint64_t k = 1;

	while (k < r->assoc)
		k = s->node[k] ? 2 * k + 1 : 2 * k;
	return k - r->assoc;
}

/* Index of line in s (list position or way slot), or -1. */
static int
ref_find(const struct ref_cache *r, const struct ref_set *s, uint64_t line)
{
	if (r->policy == CACHE_PLRU) {
		for (uint64_t w = 0; w < r->assoc; w++)
			if (s->list[w].valid && s->list[w].line == line)
				return (int)w;
		return -1;
	}
	for (int i = 0; i < s->n; i++)
		if (s->list[i].line == line)
			return i;
	return -1;
}

static bool
ref_range_dirty(const struct ref_cache *r, uint64_t pa, uint64_t len)
{
	for (uint64_t l = pa / r->line_bytes; l <= (pa + len - 1) / r->line_bytes; l++) {
		bool dirty;

		if (ref_probe(r, l * r->line_bytes, &dirty, NULL) && dirty)
			return true;
	}
	return false;
}

static unsigned ref_range(struct ref_cache *r, uint64_t pa, uint64_t len,
    enum cache_op op, int level, struct cache_result *res, unsigned *found);

static void
ref_write_back(struct ref_cache *r, uint64_t line, struct cache_result *res)
{
	r->c.writebacks++;
	res->writebacks++;
	if (r->next != NULL)
		ref_range(r->next, line * r->line_bytes, r->line_bytes, CACHE_WRITE,
		    -1, res, NULL);
	else {
		r->mem_writes++;
		res->mem_writes++;
	}
}

static unsigned
ref_line_access(struct ref_cache *r, uint64_t line, enum cache_op op,
    bool whole, int level, struct cache_result *res)
{
	struct ref_set *s = &r->sets[line % r->nsets];
	struct ref_line victim = { 0 }, fresh = { 0 };
	unsigned found = (unsigned)(level + 1);
	uint64_t slot = 0;
	int i;

	r->c.access[op]++;
	if (level >= 0)
		res->lookups[level]++;
	i = ref_find(r, s, line);
	if (i >= 0) {
		struct ref_line *l = &s->list[i];

		if (op == CACHE_WRITE)
			l->dirty = true;
		if (op == CACHE_FETCH && l->stale) {
			r->c.stale_fetches++;
			res->stale = 1;
		}
		if (r->policy == CACHE_LRU) {
			struct ref_line keep = *l;

			memmove(&s->list[1], &s->list[0], (size_t)i * sizeof(s->list[0]));
			s->list[0] = keep;
		} else if (r->policy == CACHE_PLRU)
			ref_plru_touch(r, s, (uint64_t)i);
		return (unsigned)(level + 1);
	}

	r->c.miss[op]++;
	/* Take the victim out. */
	if (r->policy == CACHE_PLRU) {
		for (slot = 0; slot < r->assoc && s->list[slot].valid; slot++)
			;
		if (slot == r->assoc) {
			slot = ref_plru_victim(r, s);
			victim = s->list[slot];
			s->list[slot].valid = false;
		}
	} else if ((uint64_t)s->n == r->assoc) {
		victim = s->list[s->n - 1];
		s->n--;
	}
	/* Fill. */
	if (!(op == CACHE_WRITE && whole)) {
		if (r->next != NULL)
			ref_range(r->next, line * r->line_bytes, r->line_bytes,
			    op == CACHE_WRITE ? CACHE_READ : op,
			    level >= 0 ? level + 1 : -1, res, &found);
		else {
			r->mem_reads++;
			if (level >= 0)
				res->mem_reads++;
			found = 0;
		}
	}
	/* Write the victim back. */
	if (victim.valid) {
		r->c.evict[op]++;
		if (victim.dirty)
			ref_write_back(r, victim.line, res);
	}
	fresh.line = line;
	fresh.valid = true;
	fresh.dirty = op == CACHE_WRITE;
	if (op == CACHE_FETCH && r->dpeer != NULL &&
	    ref_range_dirty(r->dpeer, line * r->line_bytes, r->line_bytes)) {
		fresh.stale = true;
		r->c.stale_fetches++;
		res->stale = 1;
	}
	if (r->policy == CACHE_PLRU) {
		s->list[slot] = fresh;
		ref_plru_touch(r, s, slot);
	} else {
		memmove(&s->list[1], &s->list[0], (size_t)s->n * sizeof(s->list[0]));
		s->list[0] = fresh;
		s->n++;
	}
	return found;
}

static unsigned
ref_range(struct ref_cache *r, uint64_t pa, uint64_t len, enum cache_op op,
    int level, struct cache_result *res, unsigned *found)
{
	unsigned misses = 0;
	uint64_t first = pa / r->line_bytes, last = (pa + len - 1) / r->line_bytes;

	for (uint64_t l = first; l <= last; l++) {
		uint64_t start = l * r->line_bytes;
		bool whole = start >= pa && start + r->line_bytes <= pa + len;
		uint64_t before = r->c.miss[op];
		unsigned f = ref_line_access(r, l, op, whole, level, res);

		if (r->c.miss[op] != before)
			misses++;
		if (level == 0)
			res->supplied[f]++;
		if (l == first && found != NULL)
			*found = f;
	}
	return misses;
}

unsigned
ref_access(struct ref_cache *r, uint64_t pa, unsigned size, enum cache_op op,
    struct cache_result *res)
{
	unsigned found = 1, misses;

	memset(res, 0, sizeof(*res));
	misses = ref_range(r, pa, size, op, 0, res, &found);
	res->level_hit = (uint8_t)found;
	res->lines = res->lookups[0];
	return misses;
}

bool
ref_probe(const struct ref_cache *r, uint64_t pa, bool *dirty, bool *stale)
{
	uint64_t line = pa / r->line_bytes;
	const struct ref_set *s = &r->sets[line % r->nsets];
	int i = ref_find(r, s, line);

	if (i < 0)
		return false;
	if (dirty != NULL)
		*dirty = s->list[i].dirty;
	if (stale != NULL)
		*stale = s->list[i].stale;
	return true;
}

unsigned
ref_store_notify(struct ref_cache *r, uint64_t pa, unsigned size)
{
	unsigned n = 0;

	for (uint64_t l = pa / r->line_bytes; l <= (pa + size - 1) / r->line_bytes; l++) {
		struct ref_set *s = &r->sets[l % r->nsets];
		int i = ref_find(r, s, l);

		if (i >= 0 && !s->list[i].stale) {
			s->list[i].stale = true;
			n++;
		}
	}
	return n;
}

/* Every resident line (as set, position) with line number in [first, last],
 * in ascending line order. */
struct ref_pos {
	uint64_t line, set;
	int idx;
};

static int
ref_pos_cmp(const void *a, const void *b)
{
	const struct ref_pos *x = a, *y = b;

	return x->line < y->line ? -1 : x->line > y->line;
}

static size_t
ref_collect(struct ref_cache *r, uint64_t first, uint64_t last, struct ref_pos **out)
{
	struct ref_pos *v = calloc(r->nsets * r->assoc + 1, sizeof(*v));
	size_t n = 0;

	if (v == NULL)
		abort();
	for (uint64_t si = 0; si < r->nsets; si++) {
		struct ref_set *s = &r->sets[si];
		int count = r->policy == CACHE_PLRU ? (int)r->assoc : s->n;

		for (int i = 0; i < count; i++) {
			struct ref_line *l = &s->list[i];

			if (r->policy == CACHE_PLRU && !l->valid)
				continue;
			if (l->line >= first && l->line <= last)
				v[n++] = (struct ref_pos){ l->line, si, i };
		}
	}
	qsort(v, n, sizeof(*v), ref_pos_cmp);
	*out = v;
	return n;
}

unsigned
ref_invalidate_range(struct ref_cache *r, uint64_t pa, uint64_t len)
{
	struct ref_pos *v;
	size_t n;

	if (len == 0)
		return 0;
	n = ref_collect(r, pa / r->line_bytes, (pa + len - 1) / r->line_bytes, &v);
	for (size_t k = 0; k < n; k++) {
		r->sets[v[k].set].list[v[k].idx].valid = false;
		r->c.invalidated++;
	}
	if (r->policy != CACHE_PLRU) {
		/* Close the gaps in the lists, keeping their order. */
		for (uint64_t si = 0; si < r->nsets; si++) {
			struct ref_set *s = &r->sets[si];
			int j = 0;

			for (int i = 0; i < s->n; i++)
				if (s->list[i].valid)
					s->list[j++] = s->list[i];
			s->n = j;
		}
	}
	free(v);
	return (unsigned)n;
}

static unsigned
ref_writeback_lines(struct ref_cache *r, uint64_t first, uint64_t last)
{
	struct ref_pos *v;
	unsigned done = 0;
	size_t n;
	struct cache_result res;

	memset(&res, 0, sizeof(res));
	n = ref_collect(r, first, last, &v);
	for (size_t k = 0; k < n; k++) {
		struct ref_line *l = &r->sets[v[k].set].list[v[k].idx];

		if (l->dirty) {
			l->dirty = false;
			ref_write_back(r, l->line, &res);
			done++;
		}
	}
	free(v);
	return done;
}

unsigned
ref_writeback_range(struct ref_cache *r, uint64_t pa, uint64_t len)
{
	if (len == 0)
		return 0;
	return ref_writeback_lines(r, pa / r->line_bytes,
	    (pa + len - 1) / r->line_bytes);
}

void
ref_flush_all(struct ref_cache *r)
{
	(void)ref_writeback_lines(r, 0, UINT64_MAX);
	(void)ref_invalidate_range(r, 0, UINT64_MAX);
}
