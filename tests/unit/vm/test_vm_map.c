/*
 * tests/unit/vm/test_vm_map.c — vm_map against a trivially correct model
 * (a sorted array of [start, end, prot, max] ranges) on seeded random
 * inserts, finds in every VMFS mode, removals, protection changes and
 * fault lookups; the pmap calls each operation makes are checked too.
 * Then the VM-SPEC scenarios and edge cases: the TLB-aligned 4-page
 * request skipping an odd 4-page gap, findspace wrap, insert errors,
 * protect above max changing nothing, vm_map_lookup's copy-on-write
 * handling, and the freeing of a clipped anonymous entry's pages.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim/base/prng.h"
#include "tests/tap.h"
#include "tests/unit/vm/fake_pmap.h"
#include "vm/vm_map.h"
#include "vm/vm_object.h"
#include "vm/vm_page.h"

#define MAP_MIN		((vm_offset_t)0x10000)
#define MAP_MAX		((vm_offset_t)0x80000000)
#define SP		((vm_offset_t)0x200000)	/* superpage, 2 MiB */
#define P(n)		((vm_offset_t)(n) * PAGE_SIZE)

#define MEM_PAGES	128

#ifndef TEST_SEED
#define TEST_SEED	2010	/* -DTEST_SEED=n to explore other runs */
#endif

static uint8_t *mem;

static void
boot_pages(void)
{
	memset(mem, 0x5a, MEM_PAGES * PAGE_SIZE);
	vm_phys_dmap = mem;
	vm_page_startup(ptoa(MEM_PAGES), 0);
	vm_object_init();
}

static int
map_ok(struct vm_map *map)
{
	char msg[200];

	if (vm_map_check(map, msg, sizeof(msg)) != 0) {
		printf("# vm_map_check: %s\n", msg);
		return (0);
	}
	return (1);
}

/* ---------------------------------------------------------------- model */

struct rrange {
	vm_offset_t start, end;
	vm_prot_t prot, max;
	bool cow, needs_copy;
};

#define MAXR	8192
static struct rrange model[MAXR];
static int nmodel;

static bool
model_overlaps(vm_offset_t s, vm_offset_t e)
{
	int i;

	for (i = 0; i < nmodel; i++)
		if (model[i].start < e && s < model[i].end)
			return (true);
	return (false);
}

static int
model_insert(vm_offset_t s, vm_offset_t e, vm_prot_t prot, vm_prot_t max,
    bool cow)
{
	int i;

	if (s < MAP_MIN || e > MAP_MAX || s >= e)
		return (KERN_INVALID_ADDRESS);
	if (model_overlaps(s, e))
		return (KERN_NO_SPACE);
	for (i = nmodel; i > 0 && model[i - 1].start > s; i--)
		model[i] = model[i - 1];
	model[i] = (struct rrange){ s, e, prot, max, cow, cow };
	nmodel++;
	return (KERN_SUCCESS);
}

static int
model_findspace(vm_offset_t start, vm_size_t len, vm_offset_t *addr)
{
	int i;
	bool moved;

	if (start < MAP_MIN)
		start = MAP_MIN;
	if (len == 0)
		return (1);
	do {
		if (start + len < start || start + len > MAP_MAX)
			return (1);
		moved = false;
		for (i = 0; i < nmodel; i++)
			if (model[i].start < start + len && start < model[i].end) {
				start = model[i].end;
				moved = true;
				break;
			}
	} while (moved);
	*addr = start;
	return (0);
}

static vm_offset_t
model_align(int mode, vm_ooffset_t off, vm_offset_t a, vm_size_t len)
{
	vm_offset_t lead;

	if (mode == VMFS_TLB_ALIGNED_SPACE)
		return ((a / PAGE_SIZE) % 2 == 1 ? a + PAGE_SIZE : a);
	if (mode != VMFS_ALIGNED_SPACE)
		return (a);
	/* Only when a whole superpage of the object fits in the range. */
	lead = (SP - off % SP) % SP;
	if (len < lead + SP)
		return (a);
	while (a % SP != off % SP)
		a += PAGE_SIZE;
	return (a);
}

static int
model_find(vm_offset_t *addr, vm_size_t len, int mode, vm_ooffset_t off,
    vm_prot_t prot, vm_prot_t max, bool cow)
{
	vm_offset_t start, f;
	int r;

	start = *addr;
	for (;;) {
		if (mode != VMFS_NO_SPACE) {
			if (model_findspace(start, len, &f))
				return (KERN_NO_SPACE);
			start = model_align(mode, off, f, len);
			if (start + len > MAP_MAX)
				return (KERN_NO_SPACE);
		}
		r = model_insert(start, start + len, prot, max, cow);
		if (r != KERN_NO_SPACE || mode == VMFS_NO_SPACE ||
		    mode == VMFS_ANY_SPACE)
			break;
	}
	if (r == KERN_SUCCESS)
		*addr = start;
	return (r);
}

/* Split model ranges so that a is a boundary. */
static void
model_split(vm_offset_t a)
{
	int i, j;

	for (i = 0; i < nmodel; i++)
		if (model[i].start < a && a < model[i].end) {
			for (j = nmodel; j > i + 1; j--)
				model[j] = model[j - 1];
			model[i + 1] = model[i];
			model[i].end = a;
			model[i + 1].start = a;
			nmodel++;
			return;
		}
}

static vm_size_t
model_bytes_in(vm_offset_t s, vm_offset_t e)
{
	vm_size_t n;
	int i;

	n = 0;
	for (i = 0; i < nmodel; i++)
		if (model[i].start < e && s < model[i].end)
			n += MIN(e, model[i].end) - MAX(s, model[i].start);
	return (n);
}

static void
model_remove(vm_offset_t s, vm_offset_t e)
{
	int i, j;

	s = MAX(s, MAP_MIN);
	e = MIN(e, MAP_MAX);
	if (s >= e)
		return;
	model_split(s);
	model_split(e);
	for (i = j = 0; i < nmodel; i++)
		if (!(model[i].start >= s && model[i].end <= e))
			model[j++] = model[i];
	nmodel = j;
}

/* Expected pmap_protect calls of a successful model_protect. */
static struct fake_pmap_call want_calls[MAXR];
static int nwant;

static int
model_protect(vm_offset_t s, vm_offset_t e, vm_prot_t prot, bool set_max)
{
	vm_prot_t old;
	int i;

	nwant = 0;
	s = MAX(s, MAP_MIN);
	e = MIN(e, MAP_MAX);
	if (s >= e)
		return (KERN_SUCCESS);
	for (i = 0; i < nmodel; i++)
		if (model[i].start < e && s < model[i].end &&
		    (prot & ~model[i].max) != 0)
			return (KERN_PROTECTION_FAILURE);
	model_split(s);
	model_split(e);
	for (i = 0; i < nmodel; i++) {
		if (model[i].start < s || model[i].end > e)
			continue;
		old = model[i].prot;
		if (set_max) {
			model[i].max = prot;
			model[i].prot = old & prot;
		} else
			model[i].prot = prot;
		if ((old & ~model[i].prot) != 0)
			want_calls[nwant++] = (struct fake_pmap_call){
				.op = FAKE_PMAP_PROTECT, .pmap = fake_pmap(),
				.sva = model[i].start, .eva = model[i].end,
				.prot = model[i].prot &
				    (model[i].cow ? (vm_prot_t)~VM_PROT_WRITE :
				    VM_PROT_ALL) };
	}
	return (KERN_SUCCESS);
}

static int
model_index(vm_offset_t va)
{
	int i;

	for (i = 0; i < nmodel; i++)
		if (model[i].start <= va && va < model[i].end)
			return (i);
	return (-1);
}

/* The map's entries equal the model's ranges. */
static bool
model_matches(struct vm_map *map, int step)
{
	struct vm_map_entry *e;
	int i;

	for (i = 0, e = vm_map_first(map); e != NULL; e = vm_map_next(map, e), i++)
		if (i >= nmodel || e->start != model[i].start ||
		    e->end != model[i].end || e->protection != model[i].prot ||
		    e->max_protection != model[i].max ||
		    ((e->eflags & MAP_ENTRY_COW) != 0) != model[i].cow ||
		    ((e->eflags & MAP_ENTRY_NEEDS_COPY) != 0) != model[i].needs_copy) {
			printf("# step %d: entry %d [%#llx,%#llx) prot %x/%x "
			    "differs from model [%#llx,%#llx) %x/%x\n", step, i,
			    (unsigned long long)e->start, (unsigned long long)e->end,
			    e->protection, e->max_protection,
			    i < nmodel ? (unsigned long long)model[i].start : 0ULL,
			    i < nmodel ? (unsigned long long)model[i].end : 0ULL,
			    i < nmodel ? model[i].prot : 0,
			    i < nmodel ? model[i].max : 0);
			return (false);
		}
	if (i != nmodel) {
		printf("# step %d: map has %d entries, model %d\n", step, i, nmodel);
		return (false);
	}
	return (true);
}

static vm_offset_t
rand_addr(struct prng *r)
{
	uint64_t k = prng_below(r, 10);

	if (k < 8)
		return (MAP_MIN - P(4) + P(prng_below(r, 300)));
	if (k < 9)
		return (MAP_MAX - P(60) + P(prng_below(r, 64)));
	return (P(prng_below(r, atop(MAP_MAX) + 0x10000)));
}

static vm_prot_t
rand_prot(struct prng *r)
{
	return ((vm_prot_t)prng_below(r, 8));
}

static const char *const op_names[] = {
	"insert", "find", "remove", "protect", "lookup"
};

static void
test_differential(void)
{
	struct vm_map map;
	struct prng r;
	struct vm_object *obj, *lobj;
	struct vm_map_entry *le;
	vm_offset_t s, e, addr, maddr;
	vm_size_t len, bytes;
	vm_ooffset_t off;
	vm_pindex_t lpi;
	vm_prot_t prot, max, ft, lprot;
	int step, op, got, want, mode, i, bad, cow, idx;
	int counts[5][8];
	bool set_max, lwired, fails;

	memset(counts, 0, sizeof(counts));
	boot_pages();
	vm_map_init(&map, fake_pmap(), MAP_MIN, MAP_MAX);
	nmodel = 0;
	prng_seed(&r, TEST_SEED);
	bad = 0;
	for (step = 0; step < 6000 && bad == 0; step++) {
		fake_pmap_reset();
		op = (int)prng_below(&r, 5);
		switch (op) {
		case 0:			/* insert at a random address */
		case 1:			/* find, every mode */
			s = rand_addr(&r);
			len = P(prng_below(&r, 17));
			mode = op == 0 ? -1 : (int)prng_below(&r, 4);
			if (mode == VMFS_ALIGNED_SPACE && prng_below(&r, 3) == 0)
				len = P(512 + prng_below(&r, 700));
			max = rand_prot(&r);
			prot = max & rand_prot(&r);
			cow = prng_below(&r, 3) == 0 ? MAP_COPY_ON_WRITE : 0;
			obj = NULL;
			off = 0;
			if (prng_below(&r, 3) == 0) {
				off = P(prng_below(&r, 1024));
				obj = vm_object_allocate(OBJT_DEFAULT,
				    atop(off + len) + 1);
			}
			if (mode < 0) {
				want = model_insert(s, s + len, prot, max, cow != 0);
				got = vm_map_insert(&map, obj, off, s, s + len,
				    prot, max, cow);
			} else {
				addr = maddr = s;
				want = model_find(&maddr, len, mode, off, prot, max,
				    cow != 0);
				got = vm_map_find(&map, obj, off, &addr, len, mode,
				    prot, max, cow);
				if (got == KERN_SUCCESS && addr != maddr) {
					printf("# step %d: find mode %d at %#llx len "
					    "%#llx: map %#llx, model %#llx\n", step,
					    mode, (unsigned long long)s,
					    (unsigned long long)len,
					    (unsigned long long)addr,
					    (unsigned long long)maddr);
					bad++;
				}
			}
			if (got != KERN_SUCCESS)
				vm_object_deallocate(obj);
			if (got != want) {
				printf("# step %d: %s [%#llx, +%#llx): got %d want %d\n",
				    step, op_names[op], (unsigned long long)s,
				    (unsigned long long)len, got, want);
				bad++;
			}
			if (fake_pmap_ncalls != 0)
				bad++;
			counts[op][got]++;
			break;
		case 2:			/* remove a random range */
			s = rand_addr(&r);
			e = s + P(prng_below(&r, 65));
			bytes = model_bytes_in(MAX(s, MAP_MIN), MIN(e, MAP_MAX));
			model_remove(s, e);
			got = vm_map_remove(&map, s, e);
			for (i = 0; i < fake_pmap_ncalls; i++) {
				if (fake_pmap_calls[i].op != FAKE_PMAP_REMOVE ||
				    fake_pmap_calls[i].sva < s ||
				    fake_pmap_calls[i].eva > e ||
				    fake_pmap_calls[i].pmap != fake_pmap())
					bad++;
				else
					bytes -= fake_pmap_calls[i].eva -
					    fake_pmap_calls[i].sva;
			}
			if (got != KERN_SUCCESS || bytes != 0) {
				printf("# step %d: remove: pmap_remove calls do not "
				    "cover the mapped part\n", step);
				bad++;
			}
			counts[op][fake_pmap_ncalls > 0]++;
			break;
		case 3:			/* protect a random range */
			s = rand_addr(&r);
			e = s + P(prng_below(&r, 65));
			prot = rand_prot(&r);
			set_max = prng_below(&r, 4) == 0;
			want = model_protect(s, e, prot, set_max);
			got = vm_map_protect(&map, s, e, prot, set_max);
			if (got != want) {
				printf("# step %d: protect [%#llx,%#llx) %x%s: got %d "
				    "want %d\n", step, (unsigned long long)s,
				    (unsigned long long)e, prot,
				    set_max ? " max" : "", got, want);
				bad++;
			}
			if (fake_pmap_ncalls != (got == KERN_SUCCESS ? nwant : 0))
				bad++;
			else
				for (i = 0; i < nwant; i++)
					if (memcmp(&fake_pmap_calls[i], &want_calls[i],
					    sizeof(want_calls[i])) != 0)
						bad++;
			if (bad != 0)
				printf("# step %d: protect: %d pmap calls, want %d\n",
				    step, fake_pmap_ncalls, nwant);
			counts[op][got]++;
			break;
		case 4:			/* a fault lookup */
			if (nmodel > 0 && prng_below(&r, 2) == 0) {
				idx = (int)prng_below(&r, (uint64_t)nmodel);
				s = model[idx].start + P(prng_below(&r,
				    atop(model[idx].end - model[idx].start)));
			} else
				s = rand_addr(&r) + P(prng_below(&r, 4));
			ft = (vm_prot_t)(1u << prng_below(&r, 3));
			idx = model_index(s);
			if (idx < 0)
				want = KERN_INVALID_ADDRESS;
			else if ((ft & model[idx].prot) != ft)
				want = KERN_PROTECTION_FAILURE;
			else
				want = KERN_SUCCESS;
			got = vm_map_lookup(&map, s, ft, &le, &lobj, &lpi, &lprot,
			    &lwired);
			fails = got != want;
			if (got == KERN_SUCCESS && idx >= 0) {
				prot = model[idx].prot;
				if (model[idx].needs_copy) {
					if ((ft & VM_PROT_WRITE) != 0)
						model[idx].needs_copy = false;
					else
						prot &= ~VM_PROT_WRITE;
				}
				fails |= le->start != model[idx].start ||
				    lobj == NULL || lobj != le->object ||
				    lpi != atop(le->offset + (s - le->start)) ||
				    lprot != prot || lwired ||
				    lpi >= lobj->size;
			}
			if (fails) {
				printf("# step %d: lookup %#llx type %x: got %d want %d\n",
				    step, (unsigned long long)s, ft, got, want);
				bad++;
			}
			counts[op][got]++;
			break;
		}
		if (!model_matches(&map, step) || !map_ok(&map))
			bad++;
	}
	ok(bad == 0, "differential: %d random steps, map == model, vm_map_check "
	    "and pmap calls right after each", step);
	printf("# insert ok %d inval %d nospace %d; find ok %d inval %d nospace %d;"
	    " remove with pmap calls %d/%d; protect ok %d fail %d; lookup ok %d "
	    "inval %d prot %d; %d entries at the end\n",
	    counts[0][0], counts[0][1], counts[0][3], counts[1][0], counts[1][1],
	    counts[1][3], counts[2][1], counts[2][0] + counts[2][1], counts[3][0],
	    counts[3][2], counts[4][0], counts[4][1], counts[4][2], map.nentries);
	ok(counts[0][0] > 50 && counts[0][1] > 50 && counts[0][3] > 50 &&
	    counts[1][0] > 100 && counts[1][3] > 5 && counts[2][1] > 100 &&
	    counts[3][0] > 100 && counts[3][2] > 50 && counts[4][0] > 50 &&
	    counts[4][1] > 50 && counts[4][2] > 20,
	    "differential: every outcome exercised");
	vm_map_remove(&map, 0, ~(vm_offset_t)0);
	ok(map.nentries == 0 && map.size == 0 && vm_object_count() == 0 &&
	    map_ok(&map), "removing everything leaves no entry and no object");
}

/* ------------------------------------------------------- specific tests */

static void
test_tlb_aligned(void)
{
	struct vm_map map;
	vm_offset_t a;
	int r;

	vm_map_init(&map, NULL, MAP_MIN, MAP_MAX);
	/* MAP_MIN is page 16 (even): [p16, p17) used, gap [p17, p21), [p21, p30). */
	vm_map_insert(&map, NULL, 0, P(16), P(17), VM_PROT_READ, VM_PROT_ALL, 0);
	vm_map_insert(&map, NULL, 0, P(21), P(30), VM_PROT_READ, VM_PROT_ALL, 0);
	a = MAP_MIN;
	r = vm_map_find(&map, NULL, 0, &a, P(4), VMFS_TLB_ALIGNED_SPACE,
	    VM_PROT_READ, VM_PROT_ALL, 0);
	ok(r == KERN_SUCCESS && a == P(30), "TLB-aligned 4-page request skips "
	    "the 4-page gap at odd page 17: got page %llu",
	    (unsigned long long)atop(a));
	a = MAP_MIN;
	r = vm_map_find(&map, NULL, 0, &a, P(4), VMFS_ANY_SPACE, VM_PROT_READ,
	    VM_PROT_ALL, 0);
	ok(r == KERN_SUCCESS && a == P(17),
	    "an unaligned request takes that gap (page %llu)",
	    (unsigned long long)atop(a));
	a = MAP_MIN;
	r = vm_map_find(&map, NULL, 0, &a, P(2), VMFS_TLB_ALIGNED_SPACE,
	    VM_PROT_READ, VM_PROT_ALL, 0);
	ok(r == KERN_SUCCESS && a == P(34), "next TLB-aligned request: page %llu",
	    (unsigned long long)atop(a));
	a = P(35);
	r = vm_map_find(&map, NULL, 0, &a, P(1), VMFS_TLB_ALIGNED_SPACE,
	    VM_PROT_READ, VM_PROT_ALL, 0);
	ok(r == KERN_SUCCESS && a == P(36),
	    "a hint on an odd page is rounded to the even page above (%llu)",
	    (unsigned long long)atop(a));
	/* Superpage alignment. */
	a = MAP_MIN;
	r = vm_map_find(&map, NULL, 0, &a, SP, VMFS_ALIGNED_SPACE, VM_PROT_READ,
	    VM_PROT_ALL, 0);
	ok(r == KERN_SUCCESS && a == SP,
	    "superpage-aligned 2 MiB request at %#llx", (unsigned long long)a);
	a = MAP_MIN;
	r = vm_map_find(&map, NULL, P(3), &a, 2 * SP, VMFS_ALIGNED_SPACE,
	    VM_PROT_READ, VM_PROT_ALL, 0);
	ok(r == KERN_SUCCESS && a == 2 * SP + P(3),
	    "superpage alignment follows the object offset: %#llx",
	    (unsigned long long)a);
	a = MAP_MIN;
	r = vm_map_find(&map, NULL, P(3), &a, SP + P(10), VMFS_ALIGNED_SPACE,
	    VM_PROT_READ, VM_PROT_ALL, 0);
	ok(r == KERN_SUCCESS && a == 4 * SP + P(3),
	    "no alignment when no whole superpage of the object fits: first "
	    "fit %#llx", 
	    (unsigned long long)a);
	a = MAP_MIN;
	r = vm_map_find(&map, NULL, 0, &a, P(8), VMFS_ALIGNED_SPACE, VM_PROT_READ,
	    VM_PROT_ALL, 0);
	ok(r == KERN_SUCCESS && a == P(37),
	    "a request smaller than a superpage is not aligned (%#llx)",
	    (unsigned long long)a);
	ok(map_ok(&map), "vm_map_check after the aligned finds");
	vm_map_remove(&map, MAP_MIN, MAP_MAX);
}

static void
test_edges(void)
{
	struct vm_map map, big;
	struct vm_map_entry *e;
	vm_offset_t a, T;
	unsigned ts;
	int n, r;

	vm_map_init(&map, fake_pmap(), MAP_MIN, MAP_MAX);
	ok(vm_map_insert(&map, NULL, 0, P(32), P(40), VM_PROT_READ, VM_PROT_READ,
	    0) == KERN_SUCCESS, "insert [p32, p40)");
	ok(vm_map_insert(&map, NULL, 0, P(39), P(41), VM_PROT_READ, VM_PROT_ALL, 0) ==
	    KERN_NO_SPACE && vm_map_insert(&map, NULL, 0, P(30), P(33),
	    VM_PROT_READ, VM_PROT_ALL, 0) == KERN_NO_SPACE &&
	    vm_map_insert(&map, NULL, 0, P(20), P(50), VM_PROT_READ, VM_PROT_ALL,
	    0) == KERN_NO_SPACE, "overlapping inserts: KERN_NO_SPACE");
	ok(vm_map_insert(&map, NULL, 0, MAP_MIN - P(1), MAP_MIN + P(1),
	    VM_PROT_READ, VM_PROT_ALL, 0) == KERN_INVALID_ADDRESS &&
	    vm_map_insert(&map, NULL, 0, MAP_MAX - P(1), MAP_MAX + P(1),
	    VM_PROT_READ, VM_PROT_ALL, 0) == KERN_INVALID_ADDRESS &&
	    vm_map_insert(&map, NULL, 0, P(50), P(50), VM_PROT_READ, VM_PROT_ALL,
	    0) == KERN_INVALID_ADDRESS &&
	    vm_map_insert(&map, NULL, 0, P(60), P(55), VM_PROT_READ, VM_PROT_ALL,
	    0) == KERN_INVALID_ADDRESS,
	    "out of bounds, empty or reversed: KERN_INVALID_ADDRESS");
	ok(vm_map_insert(&map, NULL, 0, MAP_MAX - P(1), MAP_MAX, VM_PROT_READ,
	    VM_PROT_ALL, 0) == KERN_SUCCESS && vm_map_insert(&map, NULL, 0,
	    MAP_MIN, MAP_MIN + P(1), VM_PROT_READ, VM_PROT_ALL, 0) == KERN_SUCCESS,
	    "the first and the last page of the map can be mapped");
	ok(map.nentries == 3 && map.size == P(10) && map_ok(&map),
	    "3 entries, 10 pages");

	/* Protect above max: nothing changes, not even a clip. */
	vm_map_insert(&map, NULL, 0, P(40), P(44), VM_PROT_READ | VM_PROT_WRITE,
	    VM_PROT_ALL, 0);
	n = map.nentries;
	ts = map.timestamp;
	fake_pmap_reset();
	ok(vm_map_protect(&map, P(38), P(42), VM_PROT_READ | VM_PROT_WRITE,
	    false) == KERN_PROTECTION_FAILURE, "protect RW over a read-max entry: "
	    "KERN_PROTECTION_FAILURE");
	ok(map.nentries == n && map.timestamp == ts && fake_pmap_ncalls == 0 &&
	    vm_map_lookup_entry(&map, P(40), &e) && e->start == P(40) &&
	    e->end == P(44) && e->protection == (VM_PROT_READ | VM_PROT_WRITE),
	    "... and nothing changed (no clip, no pmap call)");
	ok(vm_map_protect(&map, P(36), P(48), VM_PROT_EXECUTE, true) ==
	    KERN_PROTECTION_FAILURE, "raising max above max: failure too");
	ok(vm_map_protect(&map, P(41), P(43), VM_PROT_READ, false) == KERN_SUCCESS &&
	    map.nentries == n + 2 && fake_pmap_ncalls == 1 &&
	    fake_pmap_calls[0].op == FAKE_PMAP_PROTECT &&
	    fake_pmap_calls[0].sva == P(41) && fake_pmap_calls[0].eva == P(43) &&
	    fake_pmap_calls[0].prot == VM_PROT_READ, "protect R inside the RW "
	    "entry: clipped in three, one pmap_protect on the middle");
	fake_pmap_reset();
	ok(vm_map_protect(&map, P(41), P(43), VM_PROT_ALL, false) == KERN_SUCCESS &&
	    fake_pmap_ncalls == 0, "raising protection makes no pmap call");

	/* findspace. */
	ok(vm_map_findspace(&map, 0, P(2), &a) == 0 && a == MAP_MIN + P(1),
	    "findspace from 0 starts at min_offset, past the first entry");
	ok(vm_map_findspace(&map, MAP_MAX - P(4), P(4), &a) == 1,
	    "findspace: no room before max_offset");
	ok(vm_map_findspace(&map, P(33), P(0), &a) == 1, "findspace: length 0 fails");
	vm_map_init(&big, NULL, MAP_MIN, ~(vm_offset_t)PAGE_MASK);
	ok(vm_map_findspace(&big, ~(vm_offset_t)0 - P(2) + 1, P(3), &a) == 1 &&
	    vm_map_findspace(&big, P(1), ~(vm_offset_t)0 - P(1), &a) == 1,
	    "findspace: start + length wrapping the address space fails");
	a = ~(vm_offset_t)PAGE_MASK - P(1);
	ok(vm_map_find(&big, NULL, 0, &a, P(2), VMFS_NO_SPACE, VM_PROT_READ,
	    VM_PROT_ALL, 0) == KERN_INVALID_ADDRESS,
	    "find at a fixed address past the top: KERN_INVALID_ADDRESS");
	T = ~(vm_offset_t)PAGE_MASK;
	a = T - P(4);
	r = vm_map_find(&big, NULL, 0, &a, P(2), VMFS_TLB_ALIGNED_SPACE,
	    VM_PROT_READ, VM_PROT_ALL, 0);
	ok(r == KERN_SUCCESS && a == T - P(3) && map_ok(&big),
	    "TLB-aligned find near the top of a 64-bit map: %#llx",
	    (unsigned long long)a);
	vm_map_remove(&big, 0, ~(vm_offset_t)0);
	vm_map_insert(&big, NULL, 0, T - P(3), T - P(2), VM_PROT_READ, VM_PROT_ALL, 0);
	a = T - P(4);
	r = vm_map_find(&big, NULL, 0, &a, P(2), VMFS_TLB_ALIGNED_SPACE,
	    VM_PROT_READ, VM_PROT_ALL, 0);
	ok(r == KERN_NO_SPACE, "aligning the last (odd) 2-page gap past the top: "
	    "KERN_NO_SPACE, not a wrap (%d)", r);
	a = T - P(4);
	r = vm_map_find(&big, NULL, 0, &a, P(2), VMFS_ANY_SPACE,
	    VM_PROT_READ, VM_PROT_ALL, 0);
	ok(r == KERN_SUCCESS && a == T - P(2), "unaligned, the gap fits");
	vm_map_remove(&big, 0, ~(vm_offset_t)0);

	/* vm_map_check notices corruption. */
	e = vm_map_first(&map);
	a = e->next->start;
	e->next->start = e->start;
	ok(!map_ok(&map), "vm_map_check notices overlapping entries");
	e->next->start = a;
	map.size += PAGE_SIZE;
	ok(!map_ok(&map), "vm_map_check notices a wrong size");
	map.size -= PAGE_SIZE;
	ok(map_ok(&map), "restored");
	vm_map_remove(&map, MAP_MIN, MAP_MAX);
	ok(vm_object_count() == 0, "no object left");
}

static void
test_lookup(void)
{
	struct vm_map map;
	struct vm_map_entry *e;
	struct vm_object *file, *obj, *o2;
	vm_pindex_t pi;
	vm_prot_t prot;
	bool wired;
	int r;

	boot_pages();
	vm_map_init(&map, fake_pmap(), MAP_MIN, MAP_MAX);
	/* A private file mapping: the file object is shared (2 refs). */
	file = vm_object_allocate(OBJT_VNODE, 16);
	vm_object_reference(file);
	vm_map_insert(&map, file, P(4), P(100), P(104), VM_PROT_READ | VM_PROT_WRITE,
	    VM_PROT_ALL, MAP_COPY_ON_WRITE);
	r = vm_map_lookup(&map, P(101), VM_PROT_READ, &e, &obj, &pi, &prot, &wired);
	ok(r == KERN_SUCCESS && obj == file && pi == 5 && prot == VM_PROT_READ &&
	    !wired && (e->eflags & MAP_ENTRY_NEEDS_COPY) != 0,
	    "COW read fault: the file object, pindex 5, no write permission yet");
	r = vm_map_lookup(&map, P(102), VM_PROT_WRITE, &e, &obj, &pi, &prot, &wired);
	ok(r == KERN_SUCCESS && obj != file && obj->backing_object == file &&
	    obj->backing_object_offset == P(4) && e->offset == 0 && pi == 2 &&
	    prot == (VM_PROT_READ | VM_PROT_WRITE) &&
	    (e->eflags & MAP_ENTRY_NEEDS_COPY) == 0 &&
	    (e->eflags & MAP_ENTRY_COW) != 0 && file->ref_count == 2 &&
	    obj->size == 4, "COW write fault: a 4-page shadow over the file at "
	    "offset 4 pages, NEEDS_COPY cleared, reference moved");
	o2 = obj;
	r = vm_map_lookup(&map, P(103), VM_PROT_READ, &e, &obj, &pi, &prot, &wired);
	ok(r == KERN_SUCCESS && obj == o2 && pi == 3 &&
	    prot == (VM_PROT_READ | VM_PROT_WRITE), "after the copy, reads get the "
	    "shadow with write permission");
	ok(vm_map_lookup(&map, P(104), VM_PROT_READ, &e, &obj, &pi, &prot,
	    &wired) == KERN_INVALID_ADDRESS, "no entry: KERN_INVALID_ADDRESS");
	ok(vm_map_lookup(&map, P(100), VM_PROT_EXECUTE, &e, &obj, &pi, &prot,
	    &wired) == KERN_PROTECTION_FAILURE, "exec on RW: KERN_PROTECTION_FAILURE");

	/* Anonymous: the object is made at the first fault. */
	vm_map_insert(&map, NULL, 0, P(200), P(203), VM_PROT_READ, VM_PROT_ALL, 0);
	r = vm_map_lookup(&map, P(202), VM_PROT_READ, &e, &obj, &pi, &prot, &wired);
	ok(r == KERN_SUCCESS && obj != NULL && obj->type == OBJT_DEFAULT &&
	    obj->size == 3 && e->object == obj && pi == 2 && prot == VM_PROT_READ,
	    "anonymous read fault: a 3-page default object is made");
	ok(vm_map_lookup(&map, P(202), VM_PROT_WRITE, &e, &obj, &pi, &prot,
	    &wired) == KERN_PROTECTION_FAILURE, "write on R: KERN_PROTECTION_FAILURE");
	vm_map_insert(&map, NULL, 0, P(210), P(211), VM_PROT_NONE, VM_PROT_ALL, 0);
	ok(vm_map_lookup(&map, P(210), VM_PROT_NONE, &e, &obj, &pi, &prot,
	    &wired) == KERN_PROTECTION_FAILURE, "a PROT_NONE entry allows nothing");

	/* A wired COW entry: a read fault counts as a write (copy now). */
	vm_object_reference(file);
	vm_map_insert(&map, file, 0, P(300), P(302), VM_PROT_READ | VM_PROT_WRITE,
	    VM_PROT_ALL, MAP_COPY_ON_WRITE);
	vm_map_lookup_entry(&map, P(300), &e);
	e->wired_count = 1;
	r = vm_map_lookup(&map, P(301), VM_PROT_READ, &e, &obj, &pi, &prot, &wired);
	ok(r == KERN_SUCCESS && wired && obj->backing_object == file &&
	    (prot & VM_PROT_WRITE) != 0 && (e->eflags & MAP_ENTRY_NEEDS_COPY) == 0,
	    "wired COW entry: the fault type is raised, the shadow made at once");
	e->wired_count = 0;

	/* Clipping an object-less entry gives both halves one object. */
	vm_map_insert(&map, NULL, 0, P(400), P(408), VM_PROT_READ, VM_PROT_ALL, 0);
	vm_map_lookup_entry(&map, P(400), &e);
	vm_map_clip_start(&map, e, P(403));
	ok(e->start == P(403) && e->prev->start == P(400) && e->prev->end == P(403) &&
	    e->object != NULL && e->object == e->prev->object &&
	    e->object->ref_count == 2 && e->offset == P(3) && e->prev->offset == 0 &&
	    map_ok(&map), "clip_start: two entries share a new object, offsets "
	    "follow");
	vm_map_clip_end(&map, e, P(405));
	ok(e->end == P(405) && e->next->start == P(405) && e->next->offset == P(5) &&
	    e->object->ref_count == 3 && map_ok(&map), "clip_end likewise");

	vm_object_deallocate(file);
	vm_map_remove(&map, MAP_MIN, MAP_MAX);
	ok(vm_object_count() == 0 && map.nentries == 0, "teardown frees every "
	    "object");
}

/* munmap of part of an anonymous mapping frees those pages at once. */
static void
test_onemapping_free(void)
{
	struct vm_map map;
	struct vm_map_entry *e;
	struct vm_object *obj, *o;
	struct vm_page_stats st0, st;
	vm_pindex_t pi;
	vm_prot_t prot;
	bool wired;
	int i;

	boot_pages();
	vm_page_stats(&st0);
	vm_map_init(&map, fake_pmap(), MAP_MIN, MAP_MAX);
	vm_map_insert(&map, NULL, 0, P(64), P(72), VM_PROT_READ | VM_PROT_WRITE,
	    VM_PROT_ALL, 0);
	obj = NULL;
	for (i = 0; i < 8; i++) {
		vm_map_lookup(&map, P(64 + i), VM_PROT_WRITE, &e, &o, &pi, &prot,
		    &wired);
		obj = o;
		vm_page_activate(vm_page_alloc(o, pi, VM_ALLOC_ZERO));
	}
	ok(obj->resident_page_count == 8 && (obj->flags & OBJ_ONEMAPPING) != 0,
	    "8 anonymous pages faulted in");
	fake_pmap_reset();
	vm_map_remove(&map, P(66), P(68));
	vm_page_stats(&st);
	ok(obj->resident_page_count == 6 && vm_page_lookup(obj, 2) == NULL &&
	    vm_page_lookup(obj, 3) == NULL && st.free == st0.free - 6 &&
	    fake_pmap_ncalls == 1 && fake_pmap_calls[0].sva == P(66) &&
	    fake_pmap_calls[0].eva == P(68),
	    "unmapping 2 middle pages frees them now (object has one mapping)");
	vm_map_remove(&map, P(70), P(72));
	ok(obj->resident_page_count == 4 && obj->size == 6,
	    "unmapping the tail shrinks the object");
	vm_map_remove(&map, P(64), P(70));
	vm_page_stats(&st);
	ok(st.free == st0.free && vm_object_count() == 0 && map.nentries == 0,
	    "the rest goes with the last entry");
}

int
main(void)
{
	sim_invariants = true;	/* vm_map_check after every change */
	mem = aligned_alloc(PAGE_SIZE, MEM_PAGES * PAGE_SIZE);
	test_differential();
	test_tlb_aligned();
	test_edges();
	test_lookup();
	test_onemapping_free();
	free(mem);
	return (tap_done());
}
