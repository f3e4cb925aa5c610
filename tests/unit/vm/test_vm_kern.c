/*
 * tests/unit/vm/test_vm_kern.c — kernel memory and kernel stacks
 * (vm/vm_kern.h; VM-SPEC.md "Kernel memory (kmem)", "Kernel stacks"):
 * kmem_alloc gives zeroed, wired, mapped pages and kmem_free takes them
 * all back; TLB-aligned NOFAULT VA starts on an even page in MIPS mode
 * (and is not aligned in amd64 mode: pmap_align_tlb decides); the
 * scenario "create and reap 10 threads: kstacks stay cached; raise
 * lowmem: 10 frees logged"; odd sizes freed, not cached; the cache
 * limit; running out of memory or VA fails cleanly (nothing leaked, for
 * every allocation that can fail); init/fini repeated; vm_sync_icache.
 * Against the fake pmap's kernel half and the harness's page allocator.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim/base/event.h"
#include "tests/tap.h"
#include "tests/unit/vm/vm_harness.h"
#include "vm/vm_kern.h"
#include "vm/vm_object.h"
#include "vm/vm_pageout.h"

#define MEM_PAGES	512

/* The EV_KSTACK events seen. */
#define MAXEV		1024
static struct kev {
	const char *type;
	uint64_t va, pa;
} kevs[MAXEV];
static int nkev;

static void
sink_emit(void *ctx, const struct event *ev)
{
	(void)ctx;
	if (ev->kind != EV_KSTACK || nkev == MAXEV)
		return;
	kevs[nkev].type = ev->type;
	kevs[nkev].va = ev->va;
	kevs[nkev].pa = ev->pa;
	nkev++;
}

static int
nkev_of(const char *type)
{
	int i, n = 0;

	for (i = 0; i < nkev; i++)
		if (strcmp(kevs[i].type, type) == 0)
			n++;
	return (n);
}

/* kernel_map's entries and bytes at boot (the submaps and the filler). */
static int base_nentries;
static vm_size_t base_size;

static int
knentries(void)
{
	return (kernel_map->nentries - base_nentries);
}

static vm_size_t
ksize(void)
{
	return (kernel_map->size - base_size);
}

/*
 * A fresh machine whose kernel map has kva_pages free pages at its
 * bottom: the kernel VA is that plus room for the submaps vm_kern_init
 * puts at the top (vm_kern_submaps_reserve), and what lies between is
 * taken by a NOFAULT filler entry, so that the tests see exactly
 * kva_pages pages of room.
 */
static void
boot(unsigned long npages, vm_size_t kva_pages, bool mips)
{
	struct event_sink sink = { sink_emit, NULL };
	vm_offset_t top;

	vm_kern_fini();
	harness_boot(npages);
	fake_pmap_kernel_reset(FAKE_KVA_MIN, FAKE_KVA_MIN + ptoa(kva_pages) +
	    vm_kern_submaps_reserve(npages), mips);
	vm_kern_init();
	top = MIN(kmem_map->min_offset, exec_map->min_offset);
	if (top > FAKE_KVA_MIN + ptoa(kva_pages) &&
	    vm_map_insert(kernel_map, NULL, 0, FAKE_KVA_MIN + ptoa(kva_pages),
	    top, VM_PROT_ALL, VM_PROT_ALL, MAP_NOFAULT) != KERN_SUCCESS)
		abort();
	base_nentries = kernel_map->nentries;
	base_size = kernel_map->size;
	event_sinks_clear();
	event_sink_add(&sink);
	nkev = 0;
	kstack_cache_size = 128;
}

static int
checks(void)
{
	struct vm_map *maps[1] = { kernel_map };

	return (harness_checks(maps, 1));
}

/* Every byte of [va, va + len) of kernel VA is val (through kextract). */
static int
kbytes_are(vm_offset_t va, vm_size_t len, uint8_t val)
{
	vm_offset_t a;
	vm_paddr_t pa;
	const uint8_t *p;
	size_t i;

	for (a = va; a < va + len; a += PAGE_SIZE) {
		if ((pa = pmap_kextract(a)) == 0)
			return (0);
		p = vm_phys_dmap_ptr(pa);
		for (i = 0; i < PAGE_SIZE; i++)
			if (p[i] != val)
				return (0);
	}
	return (1);
}

static void
test_kmem_alloc(void)
{
	struct vm_map_entry *e;
	vm_offset_t a, b, va;
	unsigned long free0;
	vm_paddr_t pa;
	vm_page_t m;
	int good;

	boot(MEM_PAGES, 1024, true);
	free0 = harness_nfree();
	ok(kernel_map != NULL && kernel_map->pmap == NULL &&
	    kernel_map->min_offset == FAKE_KVA_MIN &&
	    (kernel_map->flags & MAP_SYSTEM_MAP) != 0,
	    "kernel_map covers the kernel VA, has no pmap, is a system map");
	ok(kmem_alloc(kernel_map, 0) == 0, "kmem_alloc of 0 bytes: 0");

	a = kmem_alloc(kernel_map, 3 * PAGE_SIZE - 100);
	ok(a == FAKE_KVA_MIN, "kmem_alloc: first fit at the bottom (%#llx)",
	    (unsigned long long)a);
	ok(harness_nfree() == free0 - 3 && fake_pmap_kcount() == 3,
	    "3 pages taken and mapped (size rounded up)");
	ok(kbytes_are(a, 3 * PAGE_SIZE, 0), "the pages are zeroed (memory was 0xa5)");
	e = NULL;
	ok(vm_map_lookup_entry(kernel_map, a, &e) && e->wired_count == 1 &&
	    e->object != NULL && (e->eflags & MAP_ENTRY_NOFAULT) == 0 &&
	    e->cred == NULL, "one wired, object-backed, uncharged entry");
	good = 1;
	for (va = a; va < a + 3 * PAGE_SIZE; va += PAGE_SIZE) {
		pa = pmap_kextract(va + 8);
		m = vm_page_lookup(e->object, atop(va - a));
		if (m == NULL || pa != m->phys_addr + 8 || m->wire_count != 1 ||
		    m->queue != PQ_NONE)
			good = 0;
	}
	ok(good, "pmap_kextract gives each object page, wired, off the queues");
	ok(checks(), "vm_check_all(kernel_map) holds");

	b = kmem_alloc(kernel_map, PAGE_SIZE);
	ok(b == a + 3 * PAGE_SIZE, "a second allocation follows");
	kmem_free(kernel_map, a, 3 * PAGE_SIZE - 100);
	ok(harness_nfree() == free0 - 1 && fake_pmap_kcount() == 1 &&
	    pmap_kextract(a) == 0 && knentries() == 1,
	    "kmem_free: pages freed, unmapped, VA released");
	ok(kmem_alloc(kernel_map, 2 * PAGE_SIZE) == a, "the freed VA is reused");
	/* Part of an allocation. */
	kmem_free(kernel_map, a + PAGE_SIZE, PAGE_SIZE);
	ok(pmap_kextract(a) != 0 && pmap_kextract(a + PAGE_SIZE) == 0 &&
	    harness_nfree() == free0 - 2 && checks(),
	    "freeing the second page of two keeps the first");
	kmem_free(kernel_map, a, PAGE_SIZE);
	kmem_free(kernel_map, b, PAGE_SIZE);
	ok(harness_nfree() == free0 && fake_pmap_kcount() == 0 &&
	    knentries() == 0 && ksize() == 0 &&
	    vm_object_count() == 0 && checks(),
	    "everything back: pages, mappings, VA, objects");

	/* A big one (more pages than kmem_alloc's stack array). */
	a = kmem_alloc(kernel_map, ptoa(100));
	ok(a != 0 && harness_nfree() == free0 - 100 && kbytes_are(a, ptoa(100), 0),
	    "100 pages: zeroed and mapped");
	kmem_free(kernel_map, a, ptoa(100));
	ok(harness_nfree() == free0 && checks(), "and given back");
}

static void
test_nofault(void)
{
	struct vm_map_entry *e;
	vm_offset_t a, filler;
	int i, even, unaligned_seen;
	unsigned long free0;

	boot(MEM_PAGES, 4096, true);
	free0 = harness_nfree();
	a = kmem_alloc_nofault(kernel_map, PAGE_SIZE);
	ok(a == FAKE_KVA_MIN && vm_map_lookup_entry(kernel_map, a, &e) &&
	    (e->eflags & MAP_ENTRY_NOFAULT) != 0 && e->object == NULL &&
	    fake_pmap_kcount() == 0 && harness_nfree() == free0,
	    "kmem_alloc_nofault: VA only, a NOFAULT entry, nothing mapped");
	/* Odd sizes and odd holes: every TLB-aligned start is even. */
	even = 1;
	for (i = 0; i < 60; i++) {
		filler = kmem_alloc_nofault(kernel_map, ptoa(1 + i % 3));
		a = kmem_alloc_nofault_space(kernel_map, ptoa(1 + 2 * (i % 4)),
		    VMFS_TLB_ALIGNED_SPACE);
		if (a == 0 || filler == 0 || (atop(a) & 1) != 0)
			even = 0;
		if (i % 5 == 0)
			kmem_free(kernel_map, filler, ptoa(1 + i % 3));
	}
	ok(even, "MIPS: 60 TLB-aligned allocations of odd sizes among odd "
	    "holes all start on an even page");
	ok(checks(), "kernel_map consistent");

	/* amd64: pmap_align_tlb does nothing, so no alignment. */
	boot(MEM_PAGES, 4096, false);
	unaligned_seen = 0;
	for (i = 0; i < 8; i++) {
		(void)kmem_alloc_nofault(kernel_map, PAGE_SIZE);
		a = kmem_alloc_nofault_space(kernel_map, ptoa(2),
		    VMFS_TLB_ALIGNED_SPACE);
		if ((atop(a) & 1) != 0)
			unaligned_seen = 1;
	}
	ok(unaligned_seen, "amd64: TLB-aligned space is first fit (odd starts)");

	/* vm_map_find skips an odd-starting gap that is just big enough. */
	boot(MEM_PAGES, 64, true);
	a = kmem_alloc_nofault(kernel_map, PAGE_SIZE);		/* page 0 */
	filler = kmem_alloc_nofault(kernel_map, ptoa(4));	/* pages 1-4 */
	(void)kmem_alloc_nofault(kernel_map, PAGE_SIZE);	/* page 5 */
	kmem_free(kernel_map, filler, ptoa(4));		/* hole at 1-4 */
	a = kmem_alloc_nofault_space(kernel_map, ptoa(4), VMFS_TLB_ALIGNED_SPACE);
	ok(a == FAKE_KVA_MIN + ptoa(6), "a 4-page TLB-aligned request skips "
	    "the 4-page hole at an odd page (got page %llu)",
	    (unsigned long long)atop(a - FAKE_KVA_MIN));
	a = kmem_alloc_nofault_space(kernel_map, ptoa(2), VMFS_TLB_ALIGNED_SPACE);
	ok(a == FAKE_KVA_MIN + ptoa(2), "a 2-page one takes the hole's even "
	    "page 2");
}

/* A stack's pages: mapped, wired, in its object; its guards unmapped. */
static int
stack_ok(const struct vm_kstack *ks)
{
	vm_page_t m;
	int i;

	if (ks->kva == 0 || ks->obj == NULL)
		return (0);
	for (i = 1; i <= KSTACK_GUARD_PAGES; i++)
		if (pmap_kextract(ks->kva - ptoa(i)) != 0)
			return (0);
	for (i = 0; i < ks->pages; i++) {
		m = vm_page_lookup(ks->obj, (vm_pindex_t)i);
		if (m == NULL || m->wire_count != 1 ||
		    pmap_kextract(ks->kva + ptoa(i)) != m->phys_addr)
			return (0);
	}
	return (pmap_kextract(ks->kva + ptoa(ks->pages)) == 0 ||
	    ks->pages == 0);
}

static void
test_kstacks(void)
{
	struct vm_kstack ks[10];
	vm_offset_t kvas[10];
	unsigned long free0;
	int i, good, even, zero, order;

	boot(MEM_PAGES, 1024, true);
	free0 = harness_nfree();
	good = even = zero = 1;
	for (i = 0; i < 10; i++) {
		if (!vm_thread_new(&ks[i], 0)) {
			good = 0;
			break;
		}
		kvas[i] = ks[i].kva;
		if (ks[i].pages != KSTACK_PAGES || !stack_ok(&ks[i]))
			good = 0;
		if ((atop(ks[i].kva) & 1) != 0)
			even = 0;
		if (!kbytes_are(ks[i].kva, ptoa(KSTACK_PAGES), 0))
			zero = 0;
		/* Something odd-sized in between, to unbalance the VA. */
		(void)kmem_alloc_nofault(kernel_map, PAGE_SIZE);
	}
	ok(good, "10 stacks of 2 pages: mapped, wired, guard pages unmapped");
	ok(even, "MIPS: every stack starts on an even page");
	ok(zero, "new stacks are zeroed");
	ok(nkev == 10 && nkev_of("new") == 10 && vm_kstack_inuse() == 10 &&
	    harness_nfree() == free0 - 20, "10 \"new\" events, 10 in use, 20 pages");
	ok(checks(), "invariants hold with 10 stacks");

	for (i = 0; i < 10; i++)
		vm_thread_dispose(&ks[i]);
	ok(vm_kstack_cached() == 10 && vm_kstack_inuse() == 0 &&
	    nkev_of("cache") == 10 && nkev_of("free") == 0 &&
	    harness_nfree() == free0 - 20 && ks[3].kva == 0,
	    "reaped: 10 cached (pages kept), no frees");
	ok(checks(), "invariants hold with 10 cached stacks");

	/* Reuse: last in, first out, not zeroed again. */
	memset(vm_phys_dmap_ptr(pmap_kextract(kvas[9])), 0x5a, 16);
	nkev = 0;
	ok(vm_thread_new(&ks[0], 1) && ks[0].kva == kvas[9] &&
	    nkev == 1 && strcmp(kevs[0].type, "reuse") == 0 &&
	    kevs[0].va == kvas[9] && vm_kstack_cached() == 9 &&
	    *vm_phys_dmap_ptr(pmap_kextract(kvas[9])) == 0x5a,
	    "vm_thread_new(1) reuses the last cached stack as it was");
	vm_thread_dispose(&ks[0]);

	/* Lowmem drains the cache. */
	nkev = 0;
	vm_lowmem_raise(0);
	order = 1;
	for (i = 0; i < nkev && i < 10; i++)
		if (kevs[i].va != kvas[9 - i] || kevs[i].pa == 0)
			order = 0;
	ok(nkev == 10 && nkev_of("free") == 10 && order,
	    "vm_lowmem: 10 \"free\" events, for each cached stack");
	ok(vm_kstack_cached() == 0 && harness_nfree() == free0 &&
	    knentries() == 10 && fake_pmap_kcount() == 0 &&
	    vm_object_count() == 0,
	    "cache empty; pages, mappings, objects and stack VA all back");
	ok(checks(), "invariants hold after the drain");
}

static void
test_kstack_sizes(void)
{
	struct vm_kstack ks, ks2;
	unsigned long free0;

	boot(MEM_PAGES, 1024, true);
	free0 = harness_nfree();
	ok(vm_thread_new(&ks, 4) && ks.pages == 4 && stack_ok(&ks) &&
	    (atop(ks.kva) & 1) == 0 && harness_nfree() == free0 - 4,
	    "a 4-page stack, even start");
	vm_thread_dispose(&ks);
	ok(vm_kstack_cached() == 0 && nkev_of("free") == 1 &&
	    harness_nfree() == free0 && knentries() == 0,
	    "a non-default stack is freed, not cached");
	ok(vm_thread_new(&ks, 1000) && ks.pages == KSTACK_MAX_PAGES &&
	    stack_ok(&ks), "1000 pages: clamped to KSTACK_MAX_PAGES");
	ok(vm_thread_new(&ks2, -5) && ks2.pages == KSTACK_PAGES,
	    "a negative size: the default");
	vm_thread_dispose(&ks);
	vm_thread_dispose(&ks2);
	ok(vm_kstack_cached() == 1 && vm_kstack_inuse() == 0 &&
	    harness_nfree() == free0 - KSTACK_PAGES, "only the default one cached");
}

static void
test_cache_limit(void)
{
	struct vm_kstack ks[5];
	vm_offset_t last;
	int i;

	boot(MEM_PAGES, 1024, true);
	kstack_cache_size = 3;
	for (i = 0; i < 5; i++)
		(void)vm_thread_new(&ks[i], 0);
	last = ks[4].kva;
	for (i = 0; i < 5; i++)
		vm_thread_dispose(&ks[i]);
	ok(vm_kstack_cached() == 3 && nkev_of("cache") == 3 &&
	    nkev_of("free") == 2 && kevs[nkev - 1].va == last &&
	    strcmp(kevs[nkev - 1].type, "free") == 0,
	    "cache limit 3: 3 cached, the 4th and 5th freed");
	kstack_cache_size = 0;
	(void)vm_thread_new(&ks[0], 0);
	vm_thread_dispose(&ks[0]);
	ok(vm_kstack_cached() == 2, "limit 0: a reused stack is freed on dispose");
	ok(checks(), "invariants hold");
}

/* Take all but keep free pages (wired, no object); -> how many taken. */
static int
eat_memory(vm_page_t *eaten, int max, unsigned long keep)
{
	int n = 0;

	while (harness_nfree() > keep && n < max)
		eaten[n++] = vm_page_alloc(NULL, 0, VM_ALLOC_NOOBJ | VM_ALLOC_WIRED);
	return (n);
}

static void
give_back(vm_page_t *eaten, int n)
{
	while (n-- > 0) {
		vm_page_unwire(eaten[n], false);
		vm_page_free(eaten[n]);
	}
}

static void
test_exhaustion(void)
{
	static vm_page_t eaten[MEM_PAGES];
	struct vm_kstack ks, many[8];
	unsigned long free1;
	unsigned long keep;
	int n, i, clean, got;
	vm_offset_t a;

	/* Memory: with 0, 1 (and for kmem 0..2) pages free, fail cleanly. */
	boot(MEM_PAGES, 1024, true);
	clean = 1;
	for (keep = 0; keep < KSTACK_PAGES; keep++) {
		n = eat_memory(eaten, MEM_PAGES, keep);
		free1 = harness_nfree();
		memset(&ks, 0, sizeof(ks));
		if (vm_thread_new(&ks, 0) != 0 || ks.kva != 0 ||
		    harness_nfree() != free1 || knentries() != 0 ||
		    vm_object_count() != 0 || fake_pmap_kcount() != 0 ||
		    vm_kstack_inuse() != 0 || nkev != 0 || !checks())
			clean = 0;
		give_back(eaten, n);
	}
	ok(clean, "no memory for a stack (0 or 1 page free): 0, nothing leaked");
	clean = 1;
	for (keep = 0; keep < 3; keep++) {
		n = eat_memory(eaten, MEM_PAGES, keep);
		free1 = harness_nfree();
		if (kmem_alloc(kernel_map, ptoa(3)) != 0 ||
		    harness_nfree() != free1 || knentries() != 0 ||
		    vm_object_count() != 0 || fake_pmap_kcount() != 0 || !checks())
			clean = 0;
		give_back(eaten, n);
	}
	ok(clean, "no memory for 3 kmem pages (0, 1, 2 free): 0, nothing leaked");
	n = eat_memory(eaten, MEM_PAGES, KSTACK_PAGES);
	ok(vm_thread_new(&ks, 0) && harness_nfree() == 0,
	    "with exactly 2 pages free a stack is made");
	vm_thread_dispose(&ks);
	give_back(eaten, n);

	/* A cached stack is taken back by the page daemon's lowmem when
	 * memory runs out.  XXX: vm_page_alloc retries only when the daemon's
	 * own scan freed pages, not when a lowmem handler did: then the
	 * first allocation fails and the next one finds the pages. */
	boot(MEM_PAGES, 1024, true);
	vm_pageout_init(MEM_PAGES);
	(void)vm_thread_new(&ks, 0);
	vm_thread_dispose(&ks);
	n = eat_memory(eaten, MEM_PAGES, 0);
	nkev = 0;
	if ((a = kmem_alloc(kernel_map, PAGE_SIZE)) == 0)
		a = kmem_alloc(kernel_map, PAGE_SIZE);
	ok(a != 0 && vm_kstack_cached() == 0 && nkev_of("free") == 1,
	    "out of memory: the page daemon's vm_lowmem frees the cached "
	    "stack, and memory is found");
	kmem_free(kernel_map, a, PAGE_SIZE);
	give_back(eaten, n);

	/* VA: 16 pages hold exactly 4 stacks (2 guard + 2 stack pages). */
	boot(MEM_PAGES, 16, true);
	free1 = harness_nfree();
	got = 0;
	for (i = 0; i < 5; i++)
		got += vm_thread_new(&many[i], 0);
	ok(got == 4 && vm_kstack_inuse() == 4 && harness_nfree() == free1 - 8,
	    "16 pages of kernel VA: 4 stacks, the 5th refused");
	ok(knentries() == 4 && vm_object_count() == 4 && checks(),
	    "the refused one left no entry or object behind");
	ok(kmem_alloc(kernel_map, PAGE_SIZE) == 0 && harness_nfree() == free1 - 8,
	    "kmem_alloc with no VA: 0, no page taken");
	for (i = 0; i < 4; i++)
		vm_thread_dispose(&many[i]);
	ok(vm_kstack_cached() == 4, "4 cached, holding all the VA");
	nkev = 0;
	ok(vm_thread_new(&ks, 4) && nkev_of("free") == 4 && nkev_of("new") == 1 &&
	    vm_kstack_cached() == 0,
	    "a 4-page stack: no VA, so the cache is drained and it fits");
	vm_thread_dispose(&ks);
	ok(harness_nfree() == free1 && knentries() == 0 && checks(),
	    "all back");
}

static void
test_init_fini(void)
{
	struct vm_kstack ks;
	unsigned long free0;
	int i;

	boot(MEM_PAGES, 1024, true);
	/* More re-inits than VM_LOWMEM_MAX: the handler is never doubled. */
	for (i = 0; i < 2 * VM_LOWMEM_MAX; i++)
		vm_kern_init();
	ok(kernel_map != NULL && vm_kstack_cached() == 0,
	    "vm_kern_init 32 times in a row: no handler-slot overflow");
	(void)vm_thread_new(&ks, 0);
	vm_thread_dispose(&ks);
	nkev = 0;
	vm_lowmem_raise(0);
	ok(nkev == 1 && vm_kstack_cached() == 0, "the drain still works once");
	free0 = harness_nfree();
	(void)vm_thread_new(&ks, 0);
	vm_thread_dispose(&ks);
	(void)kmem_alloc(kernel_map, ptoa(3));
	(void)kmem_alloc_nofault(kernel_map, ptoa(3));
	nkev = 0;
	vm_kern_fini();
	ok(kernel_map == NULL && vm_kstack_cached() == 0 &&
	    harness_nfree() == free0 && fake_pmap_kcount() == 0 &&
	    vm_object_count() == 0 && nkev == 0 && checks(),
	    "vm_kern_fini: cached stack and kmem memory freed, silently");
	nkev = 0;
	vm_lowmem_raise(0);
	ok(nkev == 0, "after fini the lowmem handler is gone");
	vm_kern_fini();
	ok(kernel_map == NULL, "a second fini is harmless");
	for (i = 0; i < 5; i++) {
		boot(64, 64, i % 2 == 0);
		(void)vm_thread_new(&ks, 0);
		vm_thread_dispose(&ks);
	}
	ok(vm_kstack_cached() == 1 && checks(), "5 boot/init/fini cycles");
}

static void
test_sync_icache(void)
{
	struct vm_map *map;

	boot(MEM_PAGES, 1024, true);
	map = harness_proc();
	fake_pmap_reset();
	vm_sync_icache(map, HP(3) + 8, 4);
	ok(fake_pmap_ncalls == 1 &&
	    fake_pmap_calls[0].op == FAKE_PMAP_SYNC_ICACHE &&
	    fake_pmap_calls[0].pmap == map->pmap &&
	    fake_pmap_calls[0].sva == HP(3) + 8 &&
	    fake_pmap_calls[0].eva == HP(3) + 12,
	    "vm_sync_icache: one pmap_sync_icache of the map's pmap and range");
	harness_exit(map);
}

int
main(void)
{
	test_kmem_alloc();
	test_nofault();
	test_kstacks();
	test_kstack_sizes();
	test_cache_limit();
	test_exhaustion();
	test_init_fini();
	test_sync_icache();
	vm_kern_fini();
	event_sinks_clear();
	return (tap_done());
}
