/*
 * tests/unit/vm/fake_pmap.c — the recording fake pmap (see fake_pmap.h).
 * pmap_zero_page and pmap_copy_page really zero and copy the frames
 * through vm_phys_dmap, which the tests point at a host buffer standing
 * in for physical memory.  Mappings are an unsorted array per pmap.
 * The per-page operations (pmap_remove_all, pmap_ts_referenced...) scan
 * every live fake pmap (a registry) instead of pv lists; a writable
 * mapping counts as modified (the fake cannot see stores), a mapping as
 * referenced from its entry or its last harness access until
 * pmap_ts_referenced clears it.
 */
#include "tests/unit/vm/fake_pmap.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct fake_mapping {
	vm_offset_t va;
	vm_page_t m;
	vm_prot_t prot;
	bool wired;
	bool ref;		/* referenced since the last pmap_ts_referenced */
};

struct pmap {
	struct fake_mapping *maps;
	int n, cap;
	unsigned long wired;
};

static struct pmap fake_pmap_instance;

/* Every live fake pmap, for the per-page operations. */
#define FAKE_PMAP_MAX	256
static struct pmap *fake_pmaps[FAKE_PMAP_MAX];
static int fake_npmaps;

static void
fake_pmap_register(struct pmap *p)
{
	int i;

	for (i = 0; i < fake_npmaps; i++)
		if (fake_pmaps[i] == p)
			return;
	KASSERT(fake_npmaps < FAKE_PMAP_MAX, ("fake pmap: too many pmaps"));
	fake_pmaps[fake_npmaps++] = p;
}

struct fake_pmap_call fake_pmap_calls[FAKE_PMAP_MAXCALLS];
int fake_pmap_ncalls;

struct pmap *
fake_pmap(void)
{
	fake_pmap_register(&fake_pmap_instance);
	return (&fake_pmap_instance);
}

struct pmap *
fake_pmap_create(void)
{
	struct pmap *p;

	if ((p = calloc(1, sizeof(*p))) == NULL)
		abort();
	fake_pmap_register(p);
	return (p);
}

void
fake_pmap_clear(struct pmap *pmap)
{
	free(pmap->maps);
	pmap->maps = NULL;
	pmap->n = pmap->cap = 0;
	pmap->wired = 0;
}

void
fake_pmap_destroy(struct pmap *pmap)
{
	int i;

	KASSERT(pmap->n == 0, ("fake_pmap_destroy: %d mappings left", pmap->n));
	fake_pmap_clear(pmap);
	for (i = 0; i < fake_npmaps; i++)
		if (fake_pmaps[i] == pmap) {
			fake_pmaps[i] = fake_pmaps[--fake_npmaps];
			break;
		}
	free(pmap);
}

void
fake_pmap_reset(void)
{
	fake_pmap_ncalls = 0;
}

static struct fake_pmap_call *
fake_pmap_record(enum fake_pmap_op op)
{
	struct fake_pmap_call *c;

	KASSERT(fake_pmap_ncalls < FAKE_PMAP_MAXCALLS,
	    ("fake_pmap: more than %d calls recorded", FAKE_PMAP_MAXCALLS));
	c = &fake_pmap_calls[fake_pmap_ncalls++];
	memset(c, 0, sizeof(*c));
	c->op = op;
	return (c);
}

static struct fake_mapping *
fake_pmap_find(struct pmap *pmap, vm_offset_t va)
{
	int i;

	va = trunc_page(va);
	for (i = 0; i < pmap->n; i++)
		if (pmap->maps[i].va == va)
			return (&pmap->maps[i]);
	return (NULL);
}

static void
fake_pmap_drop(struct pmap *pmap, struct fake_mapping *fm)
{
	if (fm->wired)
		pmap->wired--;
	if (fm->prot & VM_PROT_WRITE)
		vm_page_dirty(fm->m);	/* as a real pmap's modified bit */
	*fm = pmap->maps[--pmap->n];
}

vm_page_t
fake_pmap_lookup(struct pmap *pmap, vm_offset_t va, vm_prot_t *prot, bool *wired)
{
	struct fake_mapping *fm = fake_pmap_find(pmap, va);

	if (prot != NULL)
		*prot = fm != NULL ? fm->prot : VM_PROT_NONE;
	if (wired != NULL)
		*wired = fm != NULL && fm->wired;
	return (fm != NULL ? fm->m : NULL);
}

int
fake_pmap_count(struct pmap *pmap)
{
	return (pmap->n);
}

int
pmap_enter(struct pmap *pmap, vm_offset_t va, vm_prot_t access,
    vm_page_t m, vm_prot_t prot, bool wired)
{
	struct fake_pmap_call *c;
	struct fake_mapping *fm;

	(void)access;
	KASSERT((va & PAGE_MASK) == 0 && (prot & VM_PROT_ALL) != 0,
	    ("fake pmap_enter: va %#llx prot %#x", (unsigned long long)va, prot));
	if ((fm = fake_pmap_find(pmap, va)) != NULL)
		fake_pmap_drop(pmap, fm);
	if (pmap->n == pmap->cap) {
		pmap->cap = pmap->cap ? 2 * pmap->cap : 16;
		if ((pmap->maps = realloc(pmap->maps, pmap->cap *
		    sizeof(*pmap->maps))) == NULL)
			abort();
	}
	fm = &pmap->maps[pmap->n++];
	fm->va = va;
	fm->m = m;
	fm->prot = prot;
	fm->wired = wired;
	fm->ref = true;
	if (wired)
		pmap->wired++;
	c = fake_pmap_record(FAKE_PMAP_ENTER);
	c->pmap = pmap;
	c->sva = va;
	c->prot = prot;
	c->pa = VM_PAGE_TO_PHYS(m);
	c->wired = wired;
	return (KERN_SUCCESS);
}

static void
fake_pmap_remove_range(struct pmap *pmap, vm_offset_t sva, vm_offset_t eva)
{
	int i;

	for (i = 0; i < pmap->n; )
		if (pmap->maps[i].va >= sva && pmap->maps[i].va < eva)
			fake_pmap_drop(pmap, &pmap->maps[i]);
		else
			i++;
}

void
pmap_remove(struct pmap *pmap, vm_offset_t sva, vm_offset_t eva)
{
	struct fake_pmap_call *c;

	c = fake_pmap_record(FAKE_PMAP_REMOVE);
	c->pmap = pmap;
	c->sva = sva;
	c->eva = eva;
	fake_pmap_remove_range(pmap, sva, eva);
}

void
pmap_protect(struct pmap *pmap, vm_offset_t sva, vm_offset_t eva, vm_prot_t prot)
{
	struct fake_pmap_call *c;
	int i;

	c = fake_pmap_record(FAKE_PMAP_PROTECT);
	c->pmap = pmap;
	c->sva = sva;
	c->eva = eva;
	c->prot = prot;
	if ((prot & VM_PROT_READ) == 0) {
		fake_pmap_remove_range(pmap, sva, eva);
		return;
	}
	for (i = 0; i < pmap->n; i++)
		if (pmap->maps[i].va >= sva && pmap->maps[i].va < eva) {
			if ((pmap->maps[i].prot & VM_PROT_WRITE) &&
			    !(prot & VM_PROT_WRITE))
				vm_page_dirty(pmap->maps[i].m);
			pmap->maps[i].prot &= prot;
		}
}

vm_paddr_t
pmap_extract(struct pmap *pmap, vm_offset_t va)
{
	struct fake_mapping *fm = fake_pmap_find(pmap, va);

	return (fm != NULL ? VM_PAGE_TO_PHYS(fm->m) | (va & PAGE_MASK) : 0);
}

vm_page_t
pmap_extract_and_hold(struct pmap *pmap, vm_offset_t va, vm_prot_t prot)
{
	struct fake_mapping *fm = fake_pmap_find(pmap, va);

	prot &= VM_PROT_ALL;
	if (fm == NULL || (fm->prot & prot) != prot)
		return (NULL);
	vm_page_hold(fm->m);
	return (fm->m);
}

void
pmap_change_wiring(struct pmap *pmap, vm_offset_t va, bool wired)
{
	struct fake_mapping *fm = fake_pmap_find(pmap, va);

	if (fm == NULL || fm->wired == wired)
		return;
	fm->wired = wired;
	if (wired)
		pmap->wired++;
	else
		pmap->wired--;
}

unsigned long
pmap_wired_count(struct pmap *pmap)
{
	return (pmap->wired);
}

void
pmap_zero_page(vm_page_t m)
{
	struct fake_pmap_call *c;

	KASSERT(vm_phys_dmap != NULL, ("fake pmap_zero_page: no direct map"));
	memset(vm_phys_dmap_ptr(VM_PAGE_TO_PHYS(m)), 0, PAGE_SIZE);
	c = fake_pmap_record(FAKE_PMAP_ZERO_PAGE);
	c->pa = VM_PAGE_TO_PHYS(m);
}

void
pmap_copy_page(vm_page_t src, vm_page_t dst)
{
	KASSERT(vm_phys_dmap != NULL && src != dst, ("fake pmap_copy_page"));
	memcpy(vm_phys_dmap_ptr(VM_PAGE_TO_PHYS(dst)),
	    vm_phys_dmap_ptr(VM_PAGE_TO_PHYS(src)), PAGE_SIZE);
}

/* The fake's own invariant: the wired count matches, no va twice, every
 * mapped page is a live page. */
int
pmap_check(struct pmap *pmap, char *msg, size_t msglen)
{
	unsigned long wired = 0;
	int i, j;

	for (i = 0; i < pmap->n; i++) {
		if (pmap->maps[i].wired)
			wired++;
		if (pmap->maps[i].m->queue == PQ_FREE) {
			snprintf(msg, msglen, "fake pmap: va %#llx maps a free page",
			    (unsigned long long)pmap->maps[i].va);
			return (-1);
		}
		for (j = i + 1; j < pmap->n; j++)
			if (pmap->maps[j].va == pmap->maps[i].va) {
				snprintf(msg, msglen, "fake pmap: va %#llx twice",
				    (unsigned long long)pmap->maps[i].va);
				return (-1);
			}
	}
	if (wired != pmap->wired) {
		snprintf(msg, msglen, "fake pmap: %lu wired, count %lu", wired,
		    pmap->wired);
		return (-1);
	}
	return (0);
}

void
fake_pmap_reference(struct pmap *pmap, vm_offset_t va)
{
	struct fake_mapping *fm = fake_pmap_find(pmap, va);

	if (fm != NULL)
		fm->ref = true;
}

void
pmap_remove_all(vm_page_t m)
{
	int i, j;

	for (i = 0; i < fake_npmaps; i++)
		for (j = 0; j < fake_pmaps[i]->n; )
			if (fake_pmaps[i]->maps[j].m == m)
				pmap_remove(fake_pmaps[i], fake_pmaps[i]->maps[j].va,
				    fake_pmaps[i]->maps[j].va + PAGE_SIZE);
			else
				j++;
}

bool
pmap_is_modified(vm_page_t m)
{
	int i, j;

	for (i = 0; i < fake_npmaps; i++)
		for (j = 0; j < fake_pmaps[i]->n; j++)
			if (fake_pmaps[i]->maps[j].m == m &&
			    (fake_pmaps[i]->maps[j].prot & VM_PROT_WRITE))
				return (true);
	return (false);
}

void
pmap_clear_modify(vm_page_t m)
{
	if (pmap_is_modified(m))
		vm_page_dirty(m);
}

int
pmap_ts_referenced(vm_page_t m)
{
	int i, j, n = 0;

	for (i = 0; i < fake_npmaps; i++)
		for (j = 0; j < fake_pmaps[i]->n; j++)
			if (fake_pmaps[i]->maps[j].m == m &&
			    fake_pmaps[i]->maps[j].ref) {
				fake_pmaps[i]->maps[j].ref = false;
				n++;
			}
	return (n);
}

bool
pmap_page_is_mapped(vm_page_t m)
{
	int i, j;

	for (i = 0; i < fake_npmaps; i++)
		for (j = 0; j < fake_pmaps[i]->n; j++)
			if (fake_pmaps[i]->maps[j].m == m)
				return (true);
	return (false);
}

/* ---- the kernel pmap ---------------------------------------------- */

struct fake_kmapping {
	vm_offset_t va;
	vm_paddr_t pa;
};

vm_offset_t pmap_kva_min = FAKE_KVA_MIN;
vm_offset_t pmap_kva_max = FAKE_KVA_MIN + FAKE_KVA_SIZE;
static struct fake_kmapping *fake_kmaps;
static int fake_nkmaps, fake_kmaps_cap;
static bool fake_kernel_mips = true;

void
fake_pmap_kernel_reset(vm_offset_t kva_min, vm_offset_t kva_max, bool mips)
{
	free(fake_kmaps);
	fake_kmaps = NULL;
	fake_nkmaps = fake_kmaps_cap = 0;
	pmap_kva_min = kva_min;
	pmap_kva_max = kva_max;
	fake_kernel_mips = mips;
}

int
fake_pmap_kcount(void)
{
	return (fake_nkmaps);
}

static struct fake_kmapping *
fake_pmap_kfind(vm_offset_t va)
{
	int i;

	va = trunc_page(va);
	for (i = 0; i < fake_nkmaps; i++)
		if (fake_kmaps[i].va == va)
			return (&fake_kmaps[i]);
	return (NULL);
}

void
pmap_kenter(vm_offset_t va, vm_paddr_t pa)
{
	struct fake_kmapping *km;

	KASSERT((va & PAGE_MASK) == 0 && va >= pmap_kva_min && va < pmap_kva_max,
	    ("fake pmap_kenter: va %#llx outside kernel VA [%#llx, %#llx)",
	    (unsigned long long)va, (unsigned long long)pmap_kva_min,
	    (unsigned long long)pmap_kva_max));
	if ((km = fake_pmap_kfind(va)) == NULL) {
		if (fake_nkmaps == fake_kmaps_cap) {
			fake_kmaps_cap = fake_kmaps_cap ? 2 * fake_kmaps_cap : 64;
			if ((fake_kmaps = realloc(fake_kmaps, fake_kmaps_cap *
			    sizeof(*fake_kmaps))) == NULL)
				abort();
		}
		km = &fake_kmaps[fake_nkmaps++];
	}
	km->va = va;
	km->pa = trunc_page(pa);
}

void
pmap_kremove(vm_offset_t va)
{
	struct fake_kmapping *km;

	if ((km = fake_pmap_kfind(va)) != NULL)
		*km = fake_kmaps[--fake_nkmaps];
}

vm_paddr_t
pmap_kextract(vm_offset_t va)
{
	struct fake_kmapping *km = fake_pmap_kfind(va);

	return (km != NULL ? km->pa | (va & PAGE_MASK) : 0);
}

void
pmap_qenter(vm_offset_t va, vm_page_t *ma, int count)
{
	struct fake_pmap_call *c;
	int i;

	c = fake_pmap_record(FAKE_PMAP_QENTER);
	c->sva = va;
	c->eva = va + ptoa((vm_offset_t)count);
	for (i = 0; i < count; i++)
		pmap_kenter(va + ptoa((vm_offset_t)i), VM_PAGE_TO_PHYS(ma[i]));
}

void
pmap_qremove(vm_offset_t va, int count)
{
	struct fake_pmap_call *c;
	int i;

	c = fake_pmap_record(FAKE_PMAP_QREMOVE);
	c->sva = va;
	c->eva = va + ptoa((vm_offset_t)count);
	for (i = 0; i < count; i++)
		pmap_kremove(va + ptoa((vm_offset_t)i));
}

void
pmap_align_tlb(vm_offset_t *addr)
{
	if (fake_kernel_mips && (*addr & PAGE_SIZE) != 0)
		*addr += PAGE_SIZE;
}

void
pmap_sync_icache(struct pmap *pmap, vm_offset_t va, vm_size_t len)
{
	struct fake_pmap_call *c;

	c = fake_pmap_record(FAKE_PMAP_SYNC_ICACHE);
	c->pmap = pmap;
	c->sva = va;
	c->eva = va + len;
}

/* Shootdown reasons: kept, as the real pmap keeps them (nothing is shot
 * down here). */
static const char *fake_pmap_reason = "other";

const char *
pmap_reason_set(const char *reason)
{
	const char *old = fake_pmap_reason;

	fake_pmap_reason = reason;
	return old;
}

const char *
pmap_reason(void)
{
	return fake_pmap_reason;
}

/* Memory attributes: the page keeps it (there are no PTE bits here); the
 * call is recorded. */
void
pmap_page_set_memattr(vm_page_t m, vm_memattr_t ma)
{
	struct fake_pmap_call *c;

	KASSERT(ma < VM_MEMATTR_COUNT, ("fake pmap_page_set_memattr: %u", ma));
	m->memattr = ma;
	c = fake_pmap_record(FAKE_PMAP_SET_MEMATTR);
	c->pa = VM_PAGE_TO_PHYS(m);
	c->memattr = ma;
}

vm_memattr_t
pmap_page_get_memattr(vm_page_t m)
{
	return (m->memattr);
}
