/*
 * tests/unit/vm/test_vm_page.c — vm_page and vm_phys: lowest-first
 * allocation, exhaustion, hold/unhold (the VM-SPEC "hold, munmap, unhold"
 * scenario), wire/unwire queue moves, zeroing, vm_page_check, and
 * vm_phys_alloc_contig against a brute-force search on seeded random
 * fragmentations.
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "sim/base/prng.h"
#include "tests/tap.h"
#include "tests/unit/vm/fake_pmap.h"
#include "vm/vm_map.h"
#include "vm/vm_object.h"
#include "vm/vm_page.h"

#define MEM_PAGES	64
#define RESERVED_PAGES	8

static uint8_t *mem;

static void
boot(void)
{
	memset(mem, 0xaa, MEM_PAGES * PAGE_SIZE);
	vm_phys_dmap = mem;
	vm_page_startup(ptoa(MEM_PAGES), ptoa(RESERVED_PAGES));
	fake_pmap_reset();
}

static int
checked(void)
{
	char msg[200];

	if (vm_page_check(msg, sizeof(msg)) != 0) {
		printf("# vm_page_check: %s\n", msg);
		return (0);
	}
	return (1);
}

static struct vm_page_stats
stats(void)
{
	struct vm_page_stats st;

	vm_page_stats(&st);
	return (st);
}

static void
test_startup_and_order(void)
{
	vm_page_t m[4];
	struct vm_page_stats st;
	int i, asc;

	boot();
	st = stats();
	ok(st.npages == MEM_PAGES - RESERVED_PAGES && st.free == st.npages &&
	    st.wired == 0, "startup: %llu managed pages, all free",
	    (unsigned long long)st.npages);
	ok(PHYS_TO_VM_PAGE(ptoa(RESERVED_PAGES) - 1) == NULL &&
	    PHYS_TO_VM_PAGE(ptoa(MEM_PAGES)) == NULL &&
	    PHYS_TO_VM_PAGE(ptoa(RESERVED_PAGES) + 5)->phys_addr ==
	    ptoa(RESERVED_PAGES),
	    "PHYS_TO_VM_PAGE: NULL for reserved and beyond, page of the frame");
	ok(PHYS_TO_VM_PAGE(ptoa(RESERVED_PAGES + 3) + 7)->phys_addr ==
	    ptoa(RESERVED_PAGES + 3), "PHYS_TO_VM_PAGE rounds down in the frame");
	asc = 1;
	for (i = 0; i < 4; i++) {
		m[i] = vm_page_alloc(NULL, 0, VM_ALLOC_NOOBJ);
		if (m[i] == NULL || m[i]->phys_addr != ptoa(RESERVED_PAGES + i))
			asc = 0;
	}
	ok(asc, "consecutive allocations take the lowest frames, ascending");
	ok(m[0]->queue == PQ_NONE && m[0]->object == NULL && checked(),
	    "a NOOBJ page is on no queue (pmap-owned) and vm_page_check agrees");
	vm_page_free(m[1]);
	ok(vm_page_alloc(NULL, 0, VM_ALLOC_NOOBJ) == m[1],
	    "a freed low frame is the next one allocated");
	vm_page_free(m[2]);
	vm_page_free(m[0]);
	ok(vm_page_alloc(NULL, 0, VM_ALLOC_NOOBJ) == m[0] &&
	    vm_page_alloc(NULL, 0, VM_ALLOC_NOOBJ) == m[2],
	    "frees in any order: allocation still lowest first");
	for (i = 0; i < 4; i++)
		vm_page_free(m[i]);
	ok(stats().free == MEM_PAGES - RESERVED_PAGES && checked(),
	    "everything back on the free queue");
}

static void
test_exhaustion(void)
{
	vm_page_t pages[MEM_PAGES];
	int n, i;

	boot();
	n = 0;
	while ((pages[n] = vm_page_alloc(NULL, 0, VM_ALLOC_NOOBJ)) != NULL)
		n++;
	ok(n == MEM_PAGES - RESERVED_PAGES && stats().free == 0,
	    "allocated all %d pages, then NULL", n);
	ok(vm_page_alloc(NULL, 0, VM_ALLOC_NOOBJ | VM_ALLOC_WIRED) == NULL &&
	    stats().wired == 0, "still NULL, nothing wired by the failure");
	ok(checked(), "vm_page_check with memory exhausted");
	for (i = n - 1; i >= 0; i--)
		vm_page_free(pages[i]);
	ok(stats().free == (uint64_t)n && checked(), "all freed");
}

static void
test_zero_and_object(void)
{
	struct vm_object *obj;
	vm_page_t m, z;
	uint8_t *p;
	int i, allzero;

	boot();
	obj = vm_object_allocate(OBJT_DEFAULT, 8);
	m = vm_page_alloc(obj, 3, VM_ALLOC_ZERO);
	p = vm_phys_dmap_ptr(m->phys_addr);
	allzero = 1;
	for (i = 0; i < (int)PAGE_SIZE; i++)
		if (p[i] != 0)
			allzero = 0;
	ok(allzero && (m->flags & PG_ZERO) != 0 && fake_pmap_ncalls == 1 &&
	    fake_pmap_calls[0].op == FAKE_PMAP_ZERO_PAGE &&
	    fake_pmap_calls[0].pa == m->phys_addr,
	    "VM_ALLOC_ZERO zeroes the frame through pmap_zero_page, sets PG_ZERO");
	z = vm_page_alloc(obj, 4, VM_ALLOC_NORMAL);
	ok(vm_phys_dmap_ptr(z->phys_addr)[0] == 0xaa && (z->flags & PG_ZERO) == 0 &&
	    fake_pmap_ncalls == 1, "without ZERO the frame is left alone");
	ok(vm_page_lookup(obj, 3) == m && vm_page_lookup(obj, 4) == z &&
	    vm_page_lookup(obj, 5) == NULL && m->object == obj &&
	    obj->resident_page_count == 2, "vm_page_lookup finds object pages");
	ok(!checked(), "vm_page_check rejects an object page left on no queue");
	vm_page_activate(m);
	vm_page_deactivate(z);
	ok(m->queue == PQ_ACTIVE && z->queue == PQ_INACTIVE && checked() &&
	    stats().active == 1 && stats().inactive == 1,
	    "activate/deactivate put them on their queues");
	vm_page_free(z);
	ok(vm_page_lookup(obj, 4) == NULL && obj->resident_page_count == 1 &&
	    z->object == NULL && z->queue == PQ_FREE && checked(),
	    "vm_page_free takes the page out of its object and its queue");
	vm_object_deallocate(obj);
	ok(m->queue == PQ_FREE && stats().free == stats().npages && checked(),
	    "object deallocation freed its page");
}

/* VM-SPEC: hold a page, munmap it, unhold: free only at the unhold. */
static void
test_hold(void)
{
	struct vm_map map;
	struct vm_map_entry *e;
	struct vm_object *obj;
	vm_pindex_t pindex;
	vm_prot_t prot;
	vm_offset_t va;
	vm_page_t m;
	bool wired;
	uint64_t nfree;

	boot();
	vm_map_init(&map, fake_pmap(), 0x10000, 0x80000000);
	va = 0x20000;
	ok(vm_map_find(&map, NULL, 0, &va, 2 * PAGE_SIZE, VMFS_ANY_SPACE,
	    VM_PROT_READ | VM_PROT_WRITE, VM_PROT_ALL, 0) == KERN_SUCCESS &&
	    va == 0x20000, "hold: anonymous 2-page mapping at 0x20000");
	ok(vm_map_lookup(&map, va + PAGE_SIZE, VM_PROT_WRITE, &e, &obj, &pindex,
	    &prot, &wired) == KERN_SUCCESS && pindex == 1,
	    "hold: fault lookup gives object page 1");
	m = vm_page_alloc(obj, pindex, VM_ALLOC_ZERO);
	vm_page_activate(m);
	vm_page_hold(m);
	nfree = stats().free;
	vm_map_remove(&map, va, va + 2 * PAGE_SIZE);
	ok(m->queue == PQ_HOLD && m->object == NULL && stats().free == nfree &&
	    stats().hold == 1 && checked(),
	    "hold: after munmap the held page waits on PQ_HOLD, not free");
	vm_page_hold(m);
	vm_page_unhold(m);
	ok(m->queue == PQ_HOLD, "hold: still parked while a hold remains");
	vm_page_unhold_pages(&m, 1);
	ok(m->queue == PQ_FREE && stats().free == nfree + 1 && stats().hold == 0 &&
	    checked(), "hold: the last unhold puts it on the free queue");

	/* A held page that is not freed just stays where it is. */
	m = vm_page_alloc(NULL, 0, VM_ALLOC_NOOBJ);
	vm_page_activate(m);
	vm_page_hold(m);
	vm_page_unhold(m);
	ok(m->queue == PQ_ACTIVE && m->hold_count == 0,
	    "unhold of a live page leaves it on its queue");
	vm_page_free(m);
}

static void
test_wire(void)
{
	struct vm_object *obj;
	vm_page_t m, w;
	struct vm_page fict;

	boot();
	obj = vm_object_allocate(OBJT_DEFAULT, 4);
	m = vm_page_alloc(obj, 0, VM_ALLOC_NORMAL);
	vm_page_activate(m);
	vm_page_wire(m);
	ok(m->queue == PQ_NONE && m->wire_count == 1 && stats().wired == 1 &&
	    stats().active == 0 && checked(), "wire: off the active queue, counted");
	vm_page_wire(m);
	ok(m->wire_count == 2 && stats().wired == 1, "wire twice: one wired page");
	vm_page_activate(m);
	ok(m->queue == PQ_NONE, "activating a wired page leaves it off the queues");
	vm_page_unwire(m, false);
	ok(m->queue == PQ_NONE && stats().wired == 1, "unwire to 1: still wired");
	vm_page_unwire(m, false);
	ok(m->queue == PQ_INACTIVE && stats().wired == 0 && stats().inactive == 1 &&
	    checked(), "unwire to 0 without activate: inactive queue");
	vm_page_wire(m);
	vm_page_unwire(m, true);
	ok(m->queue == PQ_ACTIVE && stats().active == 1 && checked(),
	    "unwire to 0 with activate: active queue");
	w = vm_page_alloc(obj, 1, VM_ALLOC_WIRED);
	ok(w->wire_count == 1 && w->queue == PQ_NONE && stats().wired == 1 &&
	    checked(), "VM_ALLOC_WIRED: wired, on no queue");

	memset(&fict, 0, sizeof(fict));
	fict.flags = PG_FICTITIOUS;
	fict.wire_count = 1;
	vm_page_wire(&fict);
	vm_page_unwire(&fict, true);
	vm_page_unwire(&fict, true);
	ok(fict.wire_count == 1 && fict.queue == PQ_NONE && stats().wired == 1,
	    "fictitious pages: wire/unwire are no-ops, wire count stays 1");

	vm_object_deallocate(obj);
	ok(w->object == NULL && w->queue == PQ_NONE && w->wire_count == 1 &&
	    m->queue == PQ_FREE && checked(),
	    "object death frees unwired pages, leaves the wired one to its wirer");
	vm_page_unwire(w, false);
	vm_page_free(w);
	ok(stats().free == stats().npages && stats().wired == 0 && checked(),
	    "all free again");
}

/* Unwiring an unwired page is an invariant violation: the process dies. */
static void
test_unwire_assert(void)
{
	pid_t pid;
	int status;
	vm_page_t m;

	boot();
	m = vm_page_alloc(NULL, 0, VM_ALLOC_NOOBJ);
	fflush(stdout);
	pid = fork();
	if (pid == 0) {
		(void)!freopen("/dev/null", "w", stderr);
		vm_page_unwire(m, false);
		_exit(0);
	}
	waitpid(pid, &status, 0);
	ok(WIFSIGNALED(status) && WTERMSIG(status) == SIGABRT,
	    "vm_page_unwire of an unwired page panics (KASSERT)");
	vm_page_free(m);
}

static void
test_check_detects(void)
{
	vm_page_t m;

	boot();
	m = vm_page_alloc(NULL, 0, VM_ALLOC_NOOBJ);
	vm_page_activate(m);
	m->queue = PQ_INACTIVE;
	ok(!checked(), "vm_page_check notices a page whose queue field lies");
	m->queue = PQ_ACTIVE;
	m->wire_count = 1;
	ok(!checked(), "vm_page_check notices a wired page on a paging queue");
	m->wire_count = 0;
	PHYS_TO_VM_PAGE(ptoa(RESERVED_PAGES + 20))->object = (struct vm_object *)m;
	ok(!checked(), "vm_page_check notices a free page with an object");
	PHYS_TO_VM_PAGE(ptoa(RESERVED_PAGES + 20))->object = NULL;
	ok(checked(), "restored: vm_page_check passes");
	vm_page_free(m);
}

/* The lowest run the contract allows, by brute force, or 0 (none). */
static vm_paddr_t
contig_model(unsigned long npages, vm_paddr_t low, vm_paddr_t high,
    vm_paddr_t align, vm_paddr_t boundary)
{
	vm_paddr_t pa, q;
	vm_page_t m;
	unsigned long i;

	if (align < PAGE_SIZE)
		align = PAGE_SIZE;
	for (pa = ptoa(RESERVED_PAGES); pa + ptoa(npages) <= ptoa(MEM_PAGES);
	    pa += PAGE_SIZE) {
		if (pa < low || pa + ptoa(npages) > high || pa % align != 0)
			continue;
		if (boundary != 0 &&
		    pa / boundary != (pa + ptoa(npages) - 1) / boundary)
			continue;
		for (i = 0; i < npages; i++) {
			q = pa + ptoa(i);
			m = PHYS_TO_VM_PAGE(q);
			if (m == NULL || m->queue != PQ_FREE)
				break;
		}
		if (i == npages)
			return (pa);
	}
	return (0);
}

static void
test_contig(void)
{
	static const vm_paddr_t aligns[] = { 0, PAGE_SIZE, 0x2000, 0x4000, 0x8000 };
	static const vm_paddr_t bounds[] = { 0, 0x4000, 0x8000, 0x10000 };
	vm_page_t held[MEM_PAGES], m;
	struct prng r;
	vm_paddr_t low, high, align, boundary, want;
	unsigned long npages, i;
	int trial, nheld, bad, j, found;

	boot();
	/* Specific cases on an empty memory (frames 8..63 free). */
	m = vm_phys_alloc_contig(4, 0, ptoa(MEM_PAGES), 0x8000, 0);
	ok(m != NULL && m->phys_addr == 0x8000 && m[3].phys_addr == 0xb000 &&
	    m->queue == PQ_NONE && m[3].queue == PQ_NONE && stats().free == 52,
	    "contig: 4 pages 32K-aligned at 0x8000, off the free queue");
	ok(vm_phys_alloc_contig(3, 0, ptoa(MEM_PAGES), 0, 0x4000)->phys_addr ==
	    0xc000, "contig: 3 pages within a 16K boundary start at 0xc000");
	ok(vm_phys_alloc_contig(3, 0, ptoa(MEM_PAGES), 0, 0x4000)->phys_addr ==
	    0x10000, "contig: the next 3 skip 0xf000 (would cross 0x10000)");
	ok(vm_phys_alloc_contig(2, 0x20000, 0x22000, 0, 0)->phys_addr == 0x20000 &&
	    vm_phys_alloc_contig(1, 0x20000, 0x22000, 0, 0) == NULL,
	    "contig: [low, high) respected, NULL when the window is used up");
	ok(vm_phys_alloc_contig(5, 0, ptoa(MEM_PAGES), 0, 0x4000) == NULL,
	    "contig: a run longer than the boundary is impossible");
	ok(vm_phys_alloc_contig(MEM_PAGES, 0, ptoa(MEM_PAGES), 0, 0) == NULL,
	    "contig: more pages than memory: NULL");
	ok(checked(), "contig: vm_page_check after contiguous allocations");

	/* Differential: random fragmentation, random requests. */
	prng_seed(&r, 20101231);
	bad = 0;
	found = 0;
	for (trial = 0; trial < 400; trial++) {
		boot();
		nheld = 0;
		for (i = RESERVED_PAGES; i < MEM_PAGES; i++)
			if (prng_below(&r, 3) == 0) {
				/* Take frame i: allocate up to it, give back the rest. */
				held[nheld] = PHYS_TO_VM_PAGE(ptoa(i));
				nheld++;
			}
		/* Mark the chosen frames used by allocating them in order. */
		{
			vm_page_t all[MEM_PAGES];
			int n = 0, k;

			while ((all[n] = vm_page_alloc(NULL, 0, VM_ALLOC_NOOBJ)) != NULL)
				n++;
			for (k = 0; k < n; k++) {
				for (j = 0; j < nheld; j++)
					if (held[j] == all[k])
						break;
				if (j == nheld)
					vm_page_free(all[k]);
			}
		}
		npages = 1 + prng_below(&r, 6);
		align = aligns[prng_below(&r, nitems(aligns))];
		boundary = bounds[prng_below(&r, nitems(bounds))];
		low = ptoa(prng_below(&r, MEM_PAGES));
		high = low + ptoa(prng_below(&r, MEM_PAGES));
		want = contig_model(npages, low, high, align, boundary);
		m = vm_phys_alloc_contig(npages, low, high, align, boundary);
		if ((m == NULL) != (want == 0) || (m != NULL && m->phys_addr != want)) {
			if (bad++ < 5)
				printf("# trial %d: n=%lu [%#llx,%#llx) align %#llx "
				    "boundary %#llx: got %#llx want %#llx\n", trial,
				    npages, (unsigned long long)low,
				    (unsigned long long)high, (unsigned long long)align,
				    (unsigned long long)boundary,
				    (unsigned long long)(m ? m->phys_addr : 0),
				    (unsigned long long)want);
		}
		if (m != NULL)
			found++;
		if (m != NULL)
			for (i = 0; i < npages; i++)
				if (m[i].queue != PQ_NONE)
					bad++;
		if (!checked())
			bad++;
	}
	ok(bad == 0 && found > 100 && found < 350,
	    "contig: 400 random requests match the brute-force model (%d found)",
	    found);
}

int
main(void)
{
	mem = aligned_alloc(PAGE_SIZE, MEM_PAGES * PAGE_SIZE);
	test_startup_and_order();
	test_exhaustion();
	test_zero_and_object();
	test_hold();
	test_wire();
	test_unwire_assert();
	test_check_detects();
	test_contig();
	free(mem);
	return (tap_done());
}
