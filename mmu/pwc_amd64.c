/*
 * mmu/pwc_amd64.c — the x86-64 paging-structure caches (Intel SDM Vol. 3A,
 * 4.10.3 and 4.10.4): three small, fully associative, LRU, PCID-tagged
 * caches of upper-level page-table entries; see mmu/pwc_amd64.h.
 *
 * Used by the walker (mmu/walk_amd64.c), invalidated through the TLB
 * operations of mmu/tlb_amd64.c.  No cycles are charged here: a hit shows
 * up as fewer walker loads, which the caller charges.
 */
#include "mmu/pwc_amd64.h"

/* VA bits the walker uses (bits 63:48 are a sign extension). */
#define PWC_VA_MASK	((UINT64_C(1) << 48) - 1)

static inline uint64_t
pwc_amd64_tag(enum pwc_amd64_level l, uint64_t va)
{
	return ((va & PWC_VA_MASK) >> pwc_amd64_shift(l));
}

void
pwc_amd64_init(struct pwc_amd64 *p, const unsigned nentries[PWC_NLEVELS])
{
	for (int l = 0; l < PWC_NLEVELS; l++) {
		KASSERT(nentries[l] <= PWC_AMD64_MAX_ENTRIES,
		    ("pwc_amd64_init: level %d: %u entries > %d", l,
		    nentries[l], PWC_AMD64_MAX_ENTRIES));
		p->nentries[l] = nentries[l];
		for (unsigned i = 0; i < PWC_AMD64_MAX_ENTRIES; i++)
			p->e[l][i] = (struct pwc_amd64_entry){ .valid = false };
	}
	p->tick = 0;
}

const struct pwc_amd64_entry *
pwc_amd64_lookup(struct pwc_amd64 *p, uint64_t va, uint16_t pcid,
    enum pwc_amd64_level *level)
{
	for (int l = PWC_NLEVELS - 1; l >= 0; l--) {
		uint64_t tag = pwc_amd64_tag((enum pwc_amd64_level)l, va);

		for (unsigned i = 0; i < p->nentries[l]; i++) {
			struct pwc_amd64_entry *e = &p->e[l][i];

			if (e->valid && e->tag == tag && e->pcid == pcid) {
				e->lru = ++p->tick;
				*level = (enum pwc_amd64_level)l;
				return (e);
			}
		}
	}
	return (NULL);
}

void
pwc_amd64_insert(struct pwc_amd64 *p, enum pwc_amd64_level l, uint64_t va,
    uint16_t pcid, uint64_t table_pa, uint64_t rights)
{
	uint64_t tag = pwc_amd64_tag(l, va);
	struct pwc_amd64_entry *slot = NULL, *invalid = NULL, *lru = NULL;

	KASSERT(l >= 0 && l < PWC_NLEVELS, ("pwc_amd64_insert: level %d", l));
	for (unsigned i = 0; i < p->nentries[l]; i++) {
		struct pwc_amd64_entry *e = &p->e[l][i];

		if (!e->valid) {
			if (invalid == NULL)
				invalid = e;
		} else if (e->tag == tag && e->pcid == pcid) {
			slot = e;
			break;
		} else if (lru == NULL || e->lru < lru->lru)
			lru = e;
	}
	if (slot == NULL)
		slot = invalid != NULL ? invalid : lru;
	if (slot == NULL)
		return;		/* this level is switched off */
	slot->valid = true;
	slot->pcid = pcid;
	slot->tag = tag;
	slot->table_pa = table_pa;
	slot->rights = rights;
	slot->lru = ++p->tick;
}

void
pwc_amd64_invalidate_va(struct pwc_amd64 *p, uint64_t va, uint16_t pcid)
{
	for (int l = 0; l < PWC_NLEVELS; l++) {
		uint64_t tag = pwc_amd64_tag((enum pwc_amd64_level)l, va);

		for (unsigned i = 0; i < p->nentries[l]; i++) {
			struct pwc_amd64_entry *e = &p->e[l][i];

			if (e->valid && e->tag == tag && e->pcid == pcid)
				e->valid = false;
		}
	}
}

void
pwc_amd64_flush_pcid(struct pwc_amd64 *p, uint16_t pcid)
{
	for (int l = 0; l < PWC_NLEVELS; l++)
		for (unsigned i = 0; i < p->nentries[l]; i++)
			if (p->e[l][i].pcid == pcid)
				p->e[l][i].valid = false;
}

void
pwc_amd64_flush_all(struct pwc_amd64 *p)
{
	for (int l = 0; l < PWC_NLEVELS; l++)
		for (unsigned i = 0; i < p->nentries[l]; i++)
			p->e[l][i].valid = false;
}

unsigned
pwc_amd64_count(const struct pwc_amd64 *p, enum pwc_amd64_level l)
{
	unsigned n = 0;

	for (unsigned i = 0; i < p->nentries[l]; i++)
		n += p->e[l][i].valid;
	return (n);
}
