/*
 * tests/unit/vm/test_vm_kmem.c — the kmem family (vm/vm_kern.h; VM-SPEC.md
 * "Kernel memory (kmem)" and "Low memory"; issue 8 acceptance 3):
 *  - vm_phys_alloc_page_range: the lowest free frame in a range;
 *  - kmem_alloc_attr over the upper half of memory: every page there,
 *    not contiguous (the free list is fragmented), each given its memattr
 *    before it is entered; kmem_free resets it;
 *  - kmem_alloc_contig: align (64 KiB) and boundary (a 3-page run within
 *    16 KiB) over a fragmented free list, against a brute-force search;
 *  - both fail cleanly (0; free pages, entries, objects, mappings and
 *    memattrs as before) after exactly KMEM_TRIES (M_WAITOK) or
 *    KMEM_TRIES_NOWAIT retries, each raising vm_lowmem; a retry can
 *    succeed when a lowmem handler frees a page in the range;
 *  - kmem_suballoc (first fit, superpage alignment, nested), the boot
 *    submaps kmem_map and exec_map;
 *  - kmem_malloc/kmem_back: the entry in transition while pages are
 *    allocated, M_ZERO, M_NOWAIT failure unwinding, M_WAITOK retries, the
 *    VA retry through vm_lowmem(VM_LOW_KMEM);
 *  - kmem_alloc_wait/kmem_free_wakeup: the mark, the hook called once;
 *  - named lowmem handlers: one event each, saying what it freed.
 * Against the fake pmap's kernel half and the harness's page allocator
 * (physical memory filled with 0xa5 at boot).
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

#define MEM_PAGES	512		/* 2 MiB: frames 0x1000..0x1ff000 */
#define MEM_BYTES	ptoa((vm_paddr_t)MEM_PAGES)

/* The EV_KMEM and EV_LOWMEM events seen. */
#define MAXEV		512
static struct kev {
	enum ev_kind kind;
	const char *type;
	uint64_t va;
	char detail[EV_DETAIL_MAX];
} kevs[MAXEV];
static int nkev;

static void
sink_emit(void *ctx, const struct event *ev)
{
	(void)ctx;
	if ((ev->kind != EV_KMEM && ev->kind != EV_LOWMEM) || nkev == MAXEV)
		return;
	kevs[nkev].kind = ev->kind;
	kevs[nkev].type = ev->type;
	kevs[nkev].va = ev->va;
	snprintf(kevs[nkev].detail, sizeof(kevs[nkev].detail), "%s", ev->detail);
	nkev++;
}

/* Events of kind and type (NULL: any type). */
static int
nev(enum ev_kind kind, const char *type)
{
	int i, n = 0;

	for (i = 0; i < nkev; i++)
		if (kevs[i].kind == kind &&
		    (type == NULL || strcmp(kevs[i].type, type) == 0))
			n++;
	return (n);
}

/* Some event of kind and type whose detail contains s. */
static int
ev_has(enum ev_kind kind, const char *type, const char *s)
{
	int i;

	for (i = 0; i < nkev; i++)
		if (kevs[i].kind == kind && strcmp(kevs[i].type, type) == 0 &&
		    strstr(kevs[i].detail, s) != NULL)
			return (1);
	return (0);
}

static void
boot(unsigned long npages, vm_size_t kva)
{
	struct event_sink sink = { sink_emit, NULL };

	vm_kern_fini();
	harness_boot(npages);
	fake_pmap_kernel_reset(FAKE_KVA_MIN, FAKE_KVA_MIN + kva, true);
	vm_kern_init();
	event_sinks_clear();
	event_sink_add(&sink);
	nkev = 0;
}

static int
checks(void)
{
	struct vm_map *maps[3] = { kernel_map, kmem_map, exec_map };

	return (harness_checks(maps, 3));
}

/* ---- taking pages out of the free list -------------------------------- */

/* Pages taken by the test (wired, no object), by frame. */
static vm_page_t held[MEM_PAGES + 1];

/* Take frame pa off the free list (it must be free). */
static void
take(vm_paddr_t pa)
{
	vm_page_t m;

	m = vm_phys_alloc_page_range(pa, pa + PAGE_SIZE);
	if (m == NULL || m->phys_addr != pa)
		abort();
	m->flags = m->dirty = m->valid = 0;
	m->hold_count = 0;
	m->wire_count = 0;
	vm_page_wire(m);
	held[atop(pa)] = m;
}

/* Give frame pa back (taken by take()). */
static void
give(vm_paddr_t pa)
{
	vm_page_t m = held[atop(pa)];

	if (m == NULL)
		abort();
	held[atop(pa)] = NULL;
	vm_page_unwire(m, false);
	vm_page_free(m);
}

/* Take every free frame in [lo, hi). */
static void
take_range(vm_paddr_t lo, vm_paddr_t hi)
{
	vm_paddr_t pa;
	vm_page_t m;

	for (pa = lo; pa < hi; pa += PAGE_SIZE)
		if ((m = PHYS_TO_VM_PAGE(pa)) != NULL && m->queue == PQ_FREE)
			take(pa);
}

/* Give back everything taken. */
static void
give_all(void)
{
	unsigned long i;

	for (i = 0; i <= MEM_PAGES; i++)
		if (held[i] != NULL)
			give(ptoa((vm_paddr_t)i));
}

static int
is_free(vm_paddr_t pa)
{
	vm_page_t m = PHYS_TO_VM_PAGE(pa);

	return (m != NULL && m->queue == PQ_FREE);
}

/* The lowest run vm_phys_alloc_contig should find, by brute force; 0 if
 * none (frame 0 is never managed). */
static vm_paddr_t
brute_contig(unsigned long n, vm_paddr_t low, vm_paddr_t high,
    vm_paddr_t align, vm_paddr_t boundary)
{
	vm_paddr_t pa, size = ptoa((vm_paddr_t)n);
	unsigned long i;

	if (align < PAGE_SIZE)
		align = PAGE_SIZE;
	for (pa = (low + align - 1) & ~(align - 1); pa + size <= high;
	    pa += align) {
		if (boundary != 0 && (pa / boundary) != ((pa + size - 1) / boundary))
			continue;
		for (i = 0; i < n; i++)
			if (!is_free(pa + ptoa((vm_paddr_t)i)))
				break;
		if (i == n)
			return (pa);
	}
	return (0);
}

/* The page kernel va maps (fake pmap). */
static vm_page_t
kpage(vm_offset_t va)
{
	vm_paddr_t pa = pmap_kextract(va);

	return (pa == 0 ? NULL : PHYS_TO_VM_PAGE(trunc_page(pa)));
}

/* Every byte of the page at va is val. */
static int
kpage_is(vm_offset_t va, uint8_t val)
{
	const uint8_t *p;
	size_t i;

	if (pmap_kextract(va) == 0)
		return (0);
	p = vm_phys_dmap_ptr(trunc_page(pmap_kextract(va)));
	for (i = 0; i < PAGE_SIZE; i++)
		if (p[i] != val)
			return (0);
	return (1);
}

/* What must not change across a failed call. */
struct snap {
	unsigned long nfree;
	int kentries, kmentries, nobj, kcount;
};

static void
snap(struct snap *s)
{
	s->nfree = harness_nfree();
	s->kentries = kernel_map->nentries;
	s->kmentries = kmem_map->nentries;
	s->nobj = vm_object_count();
	s->kcount = fake_pmap_kcount();
}

static int
same(const struct snap *a)
{
	struct snap b;

	snap(&b);
	return (a->nfree == b.nfree && a->kentries == b.kentries &&
	    a->kmentries == b.kmentries && a->nobj == b.nobj &&
	    a->kcount == b.kcount);
}

/* ---- the tests --------------------------------------------------------- */

static void
test_page_range(void)
{
	vm_page_t m;

	boot(MEM_PAGES, FAKE_KVA_SIZE);
	take(0x3000);
	m = vm_phys_alloc_page_range(0x2800, 0x6000);
	ok(m != NULL && m->phys_addr == 0x4000 && m->queue == PQ_NONE,
	    "range [0x2800, 0x6000): low rounded up, 0x3000 taken: 0x4000");
	held[atop(0x4000)] = m;
	m->wire_count = 0;
	vm_page_wire(m);
	ok(vm_phys_alloc_page_range(0x3000, 0x4000) == NULL &&
	    vm_phys_alloc_page_range(0x5000, 0x5800) == NULL &&
	    vm_phys_alloc_page_range(MEM_BYTES, MEM_BYTES + 0x10000) == NULL &&
	    vm_phys_alloc_page_range(0x6000, 0x5000) == NULL,
	    "NULL for a taken frame, a partial page, beyond memory, low > high");
	m = vm_phys_alloc_page_range(0, (vm_paddr_t)-1);
	ok(m != NULL && m->phys_addr == 0x1000, "the whole range: the lowest "
	    "free frame");
	held[atop(0x1000)] = m;
	m->wire_count = 0;
	vm_page_wire(m);
	/* A free frame far up, behind whole bitmap words of taken ones. */
	take_range(0x2000, MEM_BYTES);
	give(0x1f7000);
	m = vm_phys_alloc_page_range(0x2000, MEM_BYTES);
	ok(m != NULL && m->phys_addr == 0x1f7000, "the only free frame, "
	    "words away: found");
	vm_phys_free_page(m);
	give_all();
	ok(harness_nfree() == MEM_PAGES - 1 && checks(), "all back");
}

static void
test_attr(void)
{
	const vm_paddr_t low = MEM_BYTES / 2, high = MEM_BYTES - 1;
	struct vm_map_entry *e;
	struct snap s0;
	vm_offset_t a, va;
	vm_page_t m, pages[8];
	int i, inrange, attr, setfirst, contiguous, qenter_at, nset;
	unsigned long free0;

	boot(MEM_PAGES, FAKE_KVA_SIZE);
	/* Fragment the upper half: every third frame taken. */
	for (va = low; va < MEM_BYTES; va += 3 * PAGE_SIZE)
		take(va);
	free0 = harness_nfree();
	fake_pmap_reset();
	a = kmem_alloc_attr(kmem_map, 8 * PAGE_SIZE, M_WAITOK | M_ZERO, low, high,
	    VM_MEMATTR_UNCACHEABLE);
	ok(a >= kmem_map->min_offset && a < kmem_map->max_offset &&
	    harness_nfree() == free0 - 8, "kmem_alloc_attr: 8 pages in kmem_map");
	inrange = attr = contiguous = 1;
	for (i = 0; i < 8; i++) {
		m = pages[i] = kpage(a + ptoa(i));
		if (m == NULL || m->phys_addr < low || m->phys_addr > high)
			inrange = 0;
		if (m == NULL || m->memattr != VM_MEMATTR_UNCACHEABLE ||
		    pmap_page_get_memattr(m) != VM_MEMATTR_UNCACHEABLE ||
		    m->wire_count != 1)
			attr = 0;
		if (i > 0 && m != NULL && pages[i - 1] != NULL &&
		    m->phys_addr != pages[i - 1]->phys_addr + PAGE_SIZE)
			contiguous = 0;
	}
	ok(inrange, "every page in [%#llx, %#llx] (the upper half)",
	    (unsigned long long)low, (unsigned long long)high);
	ok(pages[0] != NULL && pages[0]->phys_addr == low + PAGE_SIZE &&
	    pages[7] != NULL && pages[7]->phys_addr == low + 0xb000,
	    "the lowest free frames of the range, in order (%#llx..%#llx)",
	    pages[0] ? (unsigned long long)pages[0]->phys_addr : 0ull,
	    pages[7] ? (unsigned long long)pages[7]->phys_addr : 0ull);
	ok(!contiguous, "not contiguous (the range is fragmented)");
	ok(attr, "every page is wired and has memattr UC (m->memattr, "
	    "pmap_page_get_memattr)");
	/* The fake pmap's log: 8 set_memattr calls, each before the qenter. */
	qenter_at = -1;
	nset = 0;
	setfirst = 1;
	for (i = 0; i < fake_pmap_ncalls; i++) {
		if (fake_pmap_calls[i].op == FAKE_PMAP_QENTER && qenter_at < 0)
			qenter_at = i;
		if (fake_pmap_calls[i].op == FAKE_PMAP_SET_MEMATTR) {
			nset++;
			if (qenter_at >= 0 ||
			    fake_pmap_calls[i].memattr != VM_MEMATTR_UNCACHEABLE)
				setfirst = 0;
		}
	}
	ok(nset == 8 && setfirst && qenter_at >= 0 &&
	    fake_pmap_calls[qenter_at].sva == a &&
	    fake_pmap_calls[qenter_at].eva == a + 8 * PAGE_SIZE,
	    "pmap_page_set_memattr(UC) for each page before one pmap_qenter");
	ok(kpage_is(a, 0) && kpage_is(a + 7 * PAGE_SIZE, 0), "M_ZERO: zeroed");
	ok(vm_map_lookup_entry(kmem_map, a, &e) && e->wired_count == 1 &&
	    (e->eflags & MAP_ENTRY_IN_TRANSITION) == 0 && e->object != NULL &&
	    e->object->memattr == VM_MEMATTR_UNCACHEABLE &&
	    e->object->resident_page_count == 8,
	    "one wired entry, out of transition; its object (memattr UC) "
	    "holds the 8 pages");
	ok(checks(), "invariants hold");
	kmem_free(kmem_map, a, 8 * PAGE_SIZE);
	attr = 1;
	for (i = 0; i < 8; i++)
		if (pages[i]->memattr != VM_MEMATTR_DEFAULT ||
		    pages[i]->queue != PQ_FREE)
			attr = 0;
	ok(attr && harness_nfree() == free0 && kmem_map->nentries == 0 &&
	    vm_object_count() == 0 && fake_pmap_kcount() == 0 && nkev == 0,
	    "kmem_free: pages free again with memattr WB; no entry, object or "
	    "mapping; no event");

	/* Without M_ZERO the frames keep what they held; WC; another map. */
	a = kmem_alloc_attr(kernel_map, PAGE_SIZE, M_NOWAIT, low + 0x80000, high,
	    VM_MEMATTR_WRITE_COMBINING);
	ok(a != 0 && kpage_is(a, 0xa5) &&
	    kpage(a)->memattr == VM_MEMATTR_WRITE_COMBINING,
	    "no M_ZERO: the old bytes (0xa5) stay; memattr WC");
	kmem_free(kernel_map, a, PAGE_SIZE);

	/* Impossible: 3 frames free in the range, 5 asked for. */
	take_range(low, MEM_BYTES - 3 * PAGE_SIZE);
	give(MEM_BYTES - 9 * PAGE_SIZE);	/* free: that and the top 2 */
	for (va = MEM_BYTES - 3 * PAGE_SIZE; va < MEM_BYTES; va += PAGE_SIZE)
		if (!is_free(va) && held[atop(va)] != NULL)
			give(va);
	take(MEM_BYTES - 3 * PAGE_SIZE);
	snap(&s0);
	nkev = 0;
	a = kmem_alloc_attr(kmem_map, 5 * PAGE_SIZE, M_WAITOK, low, high,
	    VM_MEMATTR_UNCACHEABLE);
	ok(a == 0 && same(&s0), "5 pages where 3 are free: 0; free pages, "
	    "entries, objects, mappings as before");
	ok(PHYS_TO_VM_PAGE(MEM_BYTES - PAGE_SIZE)->memattr == VM_MEMATTR_DEFAULT &&
	    PHYS_TO_VM_PAGE(MEM_BYTES - 9 * PAGE_SIZE)->memattr ==
	    VM_MEMATTR_DEFAULT && checks(),
	    "the 3 pages it had taken are free with memattr WB again");
	ok(nev(EV_KMEM, "retry") == KMEM_TRIES && nev(EV_KMEM, "fail") == 1 &&
	    ev_has(EV_KMEM, "fail", "kmem_alloc_attr: 3 of 5 pages"),
	    "M_WAITOK: %d retries, then one fail event (%d, %d)", KMEM_TRIES,
	    nev(EV_KMEM, "retry"), nev(EV_KMEM, "fail"));
	ok(nev(EV_LOWMEM, "kmem_pages") == KMEM_TRIES &&
	    nev(EV_LOWMEM, "handler") == KMEM_TRIES &&
	    ev_has(EV_LOWMEM, "handler", "kstack: freed 0 pages"),
	    "each retry raised vm_lowmem (no daemon here: VM_LOW_PAGES), and "
	    "the kstack handler's run is an event");
	nkev = 0;
	a = kmem_alloc_attr(kmem_map, 5 * PAGE_SIZE, M_NOWAIT, low, high,
	    VM_MEMATTR_UNCACHEABLE);
	ok(a == 0 && same(&s0) && nev(EV_KMEM, "retry") == KMEM_TRIES_NOWAIT &&
	    nev(EV_KMEM, "fail") == 1, "M_NOWAIT: %d retry, then fail, nothing "
	    "leaked", KMEM_TRIES_NOWAIT);
	/* With the page daemon set up, it runs for each retry. */
	vm_pageout_init(MEM_PAGES);
	nkev = 0;
	a = kmem_alloc_attr(kmem_map, 5 * PAGE_SIZE, M_WAITOK, low, high,
	    VM_MEMATTR_UNCACHEABLE);
	ok(a == 0 && same(&s0) && nev(EV_KMEM, "retry") == KMEM_TRIES &&
	    nev(EV_LOWMEM, "pagedaemon_alloc") == KMEM_TRIES &&
	    nev(EV_LOWMEM, "kmem_pages") == 0,
	    "with the daemon: it runs (lowmem pagedaemon_alloc) per retry");
	vm_pageout_init(0);
	give_all();
	ok(harness_nfree() == MEM_PAGES - 1 && checks(), "all back");
}

/* A vm_lowmem handler that gives back one frame of the test's. */
static vm_paddr_t lowmem_give_pa;
static int lowmem_calls, lowmem_saw_transition;

static unsigned long
give_one(void *arg, int flags)
{
	struct vm_map_entry *e;

	(void)flags;
	lowmem_calls++;
	/* The allocation under way: an entry in transition in kmem_map. */
	for (e = vm_map_first(kmem_map); e != NULL; e = vm_map_next(kmem_map, e))
		if ((e->eflags & MAP_ENTRY_IN_TRANSITION) != 0 &&
		    e->wired_count == 1)
			lowmem_saw_transition++;
	if (arg == NULL || lowmem_give_pa == 0)
		return (0);
	give(lowmem_give_pa);
	lowmem_give_pa = 0;
	return (1);
}

static void
test_retry_succeeds(void)
{
	const vm_paddr_t low = MEM_BYTES / 2, high = MEM_BYTES - 1;
	vm_offset_t a;
	int tag;

	boot(MEM_PAGES, FAKE_KVA_SIZE);
	take_range(low, MEM_BYTES);
	lowmem_give_pa = low + 0x5000;
	lowmem_calls = lowmem_saw_transition = 0;
	ok(vm_lowmem_register("test", give_one, &tag) == 0, "a handler "
	    "\"test\" that frees one frame of the range");
	a = kmem_alloc_attr(kmem_map, PAGE_SIZE, M_WAITOK, low, high,
	    VM_MEMATTR_WRITE_THROUGH);
	ok(a != 0 && kpage(a) != NULL && kpage(a)->phys_addr == low + 0x5000 &&
	    kpage(a)->memattr == VM_MEMATTR_WRITE_THROUGH,
	    "kmem_alloc_attr gets the frame the handler freed");
	ok(nev(EV_KMEM, "retry") == 1 && nev(EV_KMEM, "fail") == 0 &&
	    ev_has(EV_LOWMEM, "handler", "test: freed 1 pages") &&
	    lowmem_saw_transition == 1,
	    "one retry; the handler's event says it freed 1 page; it saw the "
	    "entry in transition");
	kmem_free(kmem_map, a, PAGE_SIZE);
	vm_lowmem_unregister(give_one, &tag);
	give_all();
	ok(harness_nfree() == MEM_PAGES - 1 && checks(), "all back");
}

static void
test_contig(void)
{
	vm_paddr_t expect, pa;
	struct snap s0;
	vm_offset_t a;
	vm_page_t m;
	int i, good;

	boot(MEM_PAGES, FAKE_KVA_SIZE);
	/* Fragment: frames 0x12000 and 0x2b000 taken, 0x40000-0x7ffff all
	 * taken but for 0x43000-0x45000 and 0x4d000-0x4f000. */
	take(0x12000);
	take(0x2b000);
	take_range(0x40000, 0x80000);
	for (pa = 0x43000; pa <= 0x45000; pa += PAGE_SIZE)
		give(pa);
	for (pa = 0x4d000; pa <= 0x4f000; pa += PAGE_SIZE)
		give(pa);

	expect = brute_contig(4, 0, MEM_BYTES, 0x10000, 0);
	a = kmem_alloc_contig(kmem_map, 4 * PAGE_SIZE, M_WAITOK, 0, MEM_BYTES - 1,
	    0x10000, 0, VM_MEMATTR_UNCACHEABLE);
	good = a != 0 && kpage(a) != NULL;
	for (i = 0; good && i < 4; i++) {
		m = kpage(a + ptoa(i));
		if (m == NULL || m->phys_addr != kpage(a)->phys_addr + ptoa(i) ||
		    m->memattr != VM_MEMATTR_UNCACHEABLE || m->wire_count != 1)
			good = 0;
	}
	ok(good && kpage(a)->phys_addr == 0x20000 && expect == 0x20000,
	    "align 64 KiB: 4 contiguous UC pages at 0x20000 (0x0 unmanaged, "
	    "0x10000 blocked by 0x12000), as the brute force says");
	kmem_free(kmem_map, a, 4 * PAGE_SIZE);

	/* Boundary: the lowest free 3-page run in [0x40000, 0x80000) is
	 * 0x43000-0x45fff, which crosses 0x44000; 0x4d000-0x4ffff does not. */
	ok(brute_contig(3, 0x40000, 0x80000, 0, 0) == 0x43000 &&
	    brute_contig(3, 0x40000, 0x80000, 0, 0x4000) == 0x4d000,
	    "brute force: 0x43000 without a boundary, 0x4d000 with 16 KiB");
	a = kmem_alloc_contig(kmem_map, 3 * PAGE_SIZE, M_WAITOK | M_ZERO, 0x40000,
	    0x7ffff, 0, 0x4000, VM_MEMATTR_WRITE_COMBINING);
	ok(a != 0 && kpage(a)->phys_addr == 0x4d000 &&
	    kpage(a + 2 * PAGE_SIZE)->phys_addr == 0x4f000 &&
	    kpage(a + PAGE_SIZE)->memattr == VM_MEMATTR_WRITE_COMBINING &&
	    kpage_is(a + PAGE_SIZE, 0),
	    "boundary 16 KiB: 3 pages at 0x4d000 (0x43000 would cross 0x44000), "
	    "WC, zeroed");
	ok(checks(), "invariants hold");
	kmem_free(kmem_map, a, 3 * PAGE_SIZE);
	a = kmem_alloc_contig(kmem_map, 3 * PAGE_SIZE, M_WAITOK, 0x40000,
	    0x7ffff, 0, 0, VM_MEMATTR_DEFAULT);
	ok(a != 0 && kpage(a)->phys_addr == 0x43000, "no boundary: 0x43000");
	kmem_free(kmem_map, a, 3 * PAGE_SIZE);

	/* Impossible: 4 contiguous in [0x40000, 0x80000). */
	snap(&s0);
	nkev = 0;
	a = kmem_alloc_contig(kmem_map, 4 * PAGE_SIZE, M_WAITOK, 0x40000, 0x7ffff,
	    0, 0, VM_MEMATTR_UNCACHEABLE);
	ok(a == 0 && same(&s0) && nev(EV_KMEM, "retry") == KMEM_TRIES &&
	    nev(EV_KMEM, "fail") == 1 && checks(),
	    "4 contiguous where runs are 3: 0 after %d retries, nothing leaked",
	    KMEM_TRIES);
	nkev = 0;
	a = kmem_alloc_contig(kmem_map, 2 * PAGE_SIZE, M_NOWAIT, 0x40000, 0x7ffff,
	    0x8000, 0, VM_MEMATTR_DEFAULT);
	ok(a == 0 && same(&s0) && nev(EV_KMEM, "retry") == KMEM_TRIES_NOWAIT,
	    "2 pages aligned to 32 KiB there: none (M_NOWAIT: %d retry)",
	    KMEM_TRIES_NOWAIT);
	nkev = 0;
	ok(kmem_alloc_contig(kmem_map, 5 * PAGE_SIZE, M_WAITOK, 0, MEM_BYTES - 1,
	    0, 0x4000, VM_MEMATTR_DEFAULT) == 0 && same(&s0) && nkev == 0,
	    "5 pages within a 16 KiB boundary can never be: 0 at once");
	give_all();
	ok(harness_nfree() == MEM_PAGES - 1 && checks(), "all back");
}

static void
test_suballoc(void)
{
	vm_offset_t min, max, a, first;
	struct vm_map_entry *e;
	struct vm_map *sub, *sub2, *nested;
	unsigned long free0;

	/* 16 MiB of memory: kmem_map 4 MiB, superpage aligned. */
	boot(4096, FAKE_KVA_SIZE);
	ok(exec_map != NULL && exec_map->max_offset == pmap_kva_max &&
	    exec_map->max_offset - exec_map->min_offset ==
	    EXEC_MAP_BUFS * round_page(KMEM_ARG_MAX + KMEM_PATH_MAX) &&
	    (exec_map->flags & MAP_SYSTEM_MAP) != 0 && exec_map->pmap == NULL,
	    "exec_map: 16 x (ARG_MAX + PATH_MAX) at the top of kernel VA");
	ok(kmem_map != NULL && kmem_map->max_offset - kmem_map->min_offset ==
	    ptoa(4096) / 4 && (kmem_map->min_offset & (VM_SUPERPAGE_SIZE - 1)) == 0 &&
	    kmem_map->max_offset <= exec_map->min_offset,
	    "kmem_map: memory/4, superpage aligned, below exec_map");
	ok(strcmp(kmem_map_name(kmem_map), "kmem_map") == 0 &&
	    strcmp(kmem_map_name(exec_map), "exec_map") == 0 &&
	    strcmp(kmem_map_name(kernel_map), "kernel_map") == 0,
	    "kmem_map_name");
	ok(vm_map_lookup_entry(kernel_map, kmem_map->min_offset, &e) &&
	    e->start == kmem_map->min_offset && e->object == NULL &&
	    (e->eflags & (MAP_ENTRY_NOFAULT | MAP_ENTRY_IS_SUB_MAP)) ==
	    (MAP_ENTRY_NOFAULT | MAP_ENTRY_IS_SUB_MAP) && kernel_map->nentries == 2,
	    "in kernel_map: bare NOFAULT IS_SUB_MAP entries");
	free0 = harness_nfree();

	/* First fit, without and with superpage alignment. */
	(void)kmem_alloc_nofault(kernel_map, PAGE_SIZE);
	min = max = 12345;
	sub = kmem_suballoc(kernel_map, &min, &max, ptoa(8) - 100, false);
	ok(sub != NULL && min == FAKE_KVA_MIN + PAGE_SIZE &&
	    max == min + ptoa(8) && sub->min_offset == min &&
	    sub->max_offset == max && (sub->flags & MAP_SYSTEM_MAP) != 0 &&
	    strcmp(kmem_map_name(sub), "submap") == 0,
	    "kmem_suballoc: first fit after the page in use, size rounded up");
	sub2 = kmem_suballoc(kernel_map, &min, &max, 4 << 20, true);
	ok(sub2 != NULL && (min & (VM_SUPERPAGE_SIZE - 1)) == 0 &&
	    min == FAKE_KVA_MIN + VM_SUPERPAGE_SIZE && max == min + (4 << 20),
	    "superpage_align: the start moves up to 2 MiB (%#llx)",
	    (unsigned long long)min);
	first = min;
	a = kmem_malloc(sub2, 3 * PAGE_SIZE, M_WAITOK);
	ok(a == first && kpage(a) != NULL && harness_nfree() == free0 - 3,
	    "kmem_malloc in the submap: at its start, mapped in the kernel pmap");
	nested = kmem_suballoc(sub2, &min, &max, ptoa(4), false);
	ok(nested != NULL && min == first + ptoa(3) &&
	    kmem_malloc(nested, PAGE_SIZE, M_WAITOK) == min,
	    "a submap of a submap");
	ok(kmem_suballoc(sub, &min, &max, ptoa(9), false) == NULL &&
	    kmem_suballoc(kernel_map, &min, &max, FAKE_KVA_SIZE, false) == NULL,
	    "no room: NULL");
	ok(checks(), "invariants hold");
	vm_kern_fini();
	ok(harness_nfree() == free0 && vm_object_count() == 0 &&
	    fake_pmap_kcount() == 0, "vm_kern_fini frees what the submaps held");
	ok(harness_nfree() == ptoa(4096) / PAGE_SIZE - 1, "every page free");
}

static void
test_malloc_back(void)
{
	struct vm_map_entry *e;
	vm_offset_t a, b;
	unsigned long free0;
	struct snap s0;
	int tag;

	boot(MEM_PAGES, FAKE_KVA_SIZE);
	free0 = harness_nfree();
	a = kmem_malloc(kmem_map, 2 * PAGE_SIZE + 1, M_WAITOK);
	ok(a == kmem_map->min_offset && harness_nfree() == free0 - 3 &&
	    kpage_is(a, 0xa5) && vm_map_lookup_entry(kmem_map, a, &e) &&
	    e->end == a + 3 * PAGE_SIZE && e->wired_count == 1 &&
	    (e->eflags & MAP_ENTRY_IN_TRANSITION) == 0,
	    "kmem_malloc: 3 wired pages, not zeroed without M_ZERO");
	b = kmem_malloc(kmem_map, PAGE_SIZE, M_NOWAIT | M_ZERO);
	ok(b == a + 3 * PAGE_SIZE && kpage_is(b, 0), "M_ZERO: zeroed");
	kmem_free(kmem_map, a, 3 * PAGE_SIZE);
	kmem_free(kmem_map, b, PAGE_SIZE);
	ok(harness_nfree() == free0 && kmem_map->nentries == 0 &&
	    vm_object_count() == 0, "kmem_free gives them back");

	/* kmem_back of an entry the caller inserted (memguard's way). */
	a = kmem_map->min_offset + ptoa(8);
	ok(vm_map_insert(kmem_map, NULL, 0, a, a + ptoa(2), VM_PROT_ALL,
	    VM_PROT_ALL, MAP_ACC_NO_CHARGE) == KERN_SUCCESS &&
	    kmem_back(kmem_map, a, ptoa(2), M_WAITOK | M_ZERO) == KERN_SUCCESS &&
	    kpage(a) != NULL && kpage(a + PAGE_SIZE) != NULL &&
	    vm_map_lookup_entry(kmem_map, a, &e) && e->object != NULL &&
	    e->wired_count == 1 && checks(),
	    "kmem_back: an object made, pages wired and mapped");
	kmem_free(kmem_map, a, ptoa(2));

	/* Pages run out: 2 free, 3 wanted. */
	take_range(0, MEM_BYTES);
	give(0x1000);
	give(0x2000);
	snap(&s0);
	nkev = 0;
	ok(kmem_malloc(kmem_map, 3 * PAGE_SIZE, M_NOWAIT) == 0 && same(&s0) &&
	    nev(EV_KMEM, "retry") == 0 && nev(EV_KMEM, "fail") == 1 && checks(),
	    "M_NOWAIT, 2 of 3 pages: 0 at once (no retry), the 2 pages given "
	    "back, no entry or object left");
	nkev = 0;
	ok(kmem_malloc(kmem_map, 3 * PAGE_SIZE, M_WAITOK) == 0 && same(&s0) &&
	    nev(EV_KMEM, "retry") == KMEM_TRIES && nev(EV_KMEM, "fail") == 1 &&
	    ev_has(EV_KMEM, "fail", "kmem_malloc: got 2 of 3 pages"),
	    "M_WAITOK: %d retries, then 0, nothing leaked", KMEM_TRIES);
	a = kmem_map->min_offset;
	ok(vm_map_insert(kmem_map, NULL, 0, a, a + ptoa(3), VM_PROT_ALL,
	    VM_PROT_ALL, MAP_ACC_NO_CHARGE) == KERN_SUCCESS &&
	    kmem_back(kmem_map, a, ptoa(3), M_NOWAIT) == KERN_NO_SPACE &&
	    kmem_map->nentries == 0 && same(&s0),
	    "kmem_back failing: KERN_NO_SPACE, the entry deleted");
	/* A handler frees a page on the first retry: M_WAITOK succeeds. */
	lowmem_give_pa = 0x3000;
	lowmem_calls = lowmem_saw_transition = 0;
	(void)vm_lowmem_register("test", give_one, &tag);
	nkev = 0;
	a = kmem_malloc(kmem_map, 3 * PAGE_SIZE, M_WAITOK);
	ok(a != 0 && nev(EV_KMEM, "retry") == 1 && lowmem_calls == 1 &&
	    lowmem_saw_transition == 1 && harness_nfree() == 0,
	    "M_WAITOK: the retry's lowmem frees a page (the handler saw the "
	    "entry in transition, wired): success");
	kmem_free(kmem_map, a, 3 * PAGE_SIZE);
	vm_lowmem_unregister(give_one, &tag);
	give_all();
	ok(harness_nfree() == free0 && checks(), "all back");
}

/* A vm_lowmem handler that frees a kmem_map allocation when VA is short. */
static vm_offset_t va_give;

static unsigned long
give_va(void *arg, int flags)
{
	(void)arg;
	if ((flags & VM_LOW_KMEM) == 0 || va_give == 0)
		return (0);
	kmem_free(kmem_map, va_give, PAGE_SIZE);
	va_give = 0;
	return (1);
}

static void
test_va_retry(void)
{
	vm_offset_t a, last;
	unsigned long n;

	boot(MEM_PAGES, FAKE_KVA_SIZE);
	/* kmem_map: 128 pages of VA (512 pages / 4); fill it. */
	n = 0;
	last = 0;
	while ((a = kmem_malloc(kmem_map, PAGE_SIZE, M_NOWAIT)) != 0) {
		last = a;
		n++;
	}
	ok(n == atop(kmem_map->max_offset - kmem_map->min_offset) && n == 128,
	    "kmem_map full after %lu pages", n);
	nkev = 0;
	ok(kmem_malloc(kmem_map, PAGE_SIZE, M_NOWAIT) == 0 &&
	    nev(EV_KMEM, "retry") == 0 && nev(EV_LOWMEM, NULL) == 0,
	    "no VA, M_NOWAIT: 0, no retry, no lowmem");
	nkev = 0;
	ok(kmem_malloc(kmem_map, PAGE_SIZE, M_WAITOK) == 0 &&
	    nev(EV_KMEM, "retry") == 1 && nev(EV_LOWMEM, "kmem_va") == 1 &&
	    nev(EV_KMEM, "fail") == 1 && ev_has(EV_KMEM, "retry", "no VA"),
	    "no VA, M_WAITOK: one retry raising vm_lowmem (kmem_va), then 0");
	(void)vm_lowmem_register("giveva", give_va, NULL);
	va_give = last;
	nkev = 0;
	a = kmem_malloc(kmem_map, PAGE_SIZE, M_WAITOK);
	ok(a == last && nev(EV_KMEM, "retry") == 1 &&
	    ev_has(EV_LOWMEM, "handler", "giveva: freed 1 pages"),
	    "a handler frees VA on VM_LOW_KMEM: the retry finds it");
	vm_lowmem_unregister(give_va, NULL);
	ok(checks(), "invariants hold");
}

/* The wakeup hook. */
static int wake_calls;
static struct vm_map *wake_map;
static void *wake_arg;

static void
wake(void *arg, struct vm_map *map)
{
	wake_calls++;
	wake_map = map;
	wake_arg = arg;
}

static void
test_wait(void)
{
	vm_offset_t min, max, a, b;
	struct vm_map *sub;
	unsigned long free0;
	int tag;

	boot(MEM_PAGES, FAKE_KVA_SIZE);
	kmem_set_wakeup(wake, &tag);
	wake_calls = 0;
	sub = kmem_suballoc(kernel_map, &min, &max, ptoa(4), false);
	free0 = harness_nfree();
	nkev = 0;
	ok(kmem_alloc_wait(sub, ptoa(5)) == 0 && !kmem_needs_wakeup(sub) &&
	    nkev == 0, "larger than the whole map: 0, not marked");
	a = kmem_alloc_wait(sub, ptoa(3));
	ok(a == min && kpage_is(a, 0) && harness_nfree() == free0 - 3,
	    "kmem_alloc_wait: 3 zeroed, mapped pages");
	b = kmem_alloc_wait(sub, ptoa(2));
	ok(b == 0 && kmem_needs_wakeup(sub) && nev(EV_KMEM, "wait") == 1 &&
	    !kmem_needs_wakeup(kernel_map) && !kmem_needs_wakeup(exec_map),
	    "no room for 2 more: 0, the map marked, a wait event");
	kmem_free_wakeup(sub, a, ptoa(3));
	ok(wake_calls == 1 && wake_map == sub && wake_arg == &tag &&
	    !kmem_needs_wakeup(sub) && nev(EV_KMEM, "wakeup") == 1 &&
	    harness_nfree() == free0,
	    "kmem_free_wakeup: freed, the hook called once with the map");
	b = kmem_alloc_wait(sub, ptoa(2));
	ok(b == min, "the retried request fits");
	kmem_free_wakeup(sub, b, ptoa(2));
	ok(wake_calls == 1 && nev(EV_KMEM, "wakeup") == 1,
	    "not marked: no second wakeup");
	kmem_set_wakeup(NULL, NULL);
	ok(checks(), "invariants hold");
}

static unsigned long
freed3(void *arg, int flags)
{
	(void)arg;
	(void)flags;
	return (3);
}

static void
test_lowmem_events(void)
{
	struct vm_kstack ks[2];
	int i, order;

	boot(MEM_PAGES, FAKE_KVA_SIZE);
	for (i = 0; i < 2; i++)
		(void)vm_thread_new(&ks[i], 0);
	for (i = 0; i < 2; i++)
		vm_thread_dispose(&ks[i]);
	ok(vm_lowmem_register("alpha", freed3, NULL) == 0, "register \"alpha\"");
	nkev = 0;
	vm_lowmem_raise(0);
	order = nkev == 3 && kevs[0].kind == EV_LOWMEM &&
	    strcmp(kevs[0].type, "request") == 0 &&
	    strcmp(kevs[1].type, "handler") == 0 &&
	    strcmp(kevs[1].detail, "kstack: freed 4 pages") == 0 &&
	    strcmp(kevs[2].type, "handler") == 0 &&
	    strcmp(kevs[2].detail, "alpha: freed 3 pages") == 0;
	ok(order, "vm_lowmem_raise: its event, then one per handler in "
	    "registration order: \"kstack: freed 4 pages\" (2 cached stacks), "
	    "\"alpha: freed 3 pages\"");
	nkev = 0;
	vm_lowmem_raise(VM_LOW_KMEM);
	ok(nkev == 3 && strcmp(kevs[0].type, "kmem_va") == 0 &&
	    strcmp(kevs[1].detail, "kstack: freed 0 pages") == 0,
	    "again (VM_LOW_KMEM): type kmem_va, the drained cache freed 0");
	vm_lowmem_unregister(freed3, NULL);
	for (i = 0; i < VM_LOWMEM_MAX - 1; i++)
		if (vm_lowmem_register("filler", freed3, NULL) != 0)
			break;
	ok(i == VM_LOWMEM_MAX - 1 &&
	    vm_lowmem_register("one too many", freed3, NULL) == -1,
	    "at most VM_LOWMEM_MAX handlers");
	for (i = 0; i < VM_LOWMEM_MAX - 1; i++)
		vm_lowmem_unregister(freed3, NULL);
}

int
main(void)
{
	test_page_range();
	test_attr();
	test_retry_succeeds();
	test_contig();
	test_suballoc();
	test_malloc_back();
	test_va_retry();
	test_wait();
	test_lowmem_events();
	vm_kern_fini();
	event_sinks_clear();
	return (tap_done());
}
