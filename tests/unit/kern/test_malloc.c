/*
 * tests/unit/kern/test_malloc.c — malloc(9) in simulated kernel memory
 * and memguard (sim/kern/kern_malloc.c, sim/kern/kstack.c's kernel
 * memory accesses, vm/memguard.c; VM-SPEC.md "Kernel memory (kmem)",
 * "memguard", "Low memory"), on a real kernel over the real VM, pmap and
 * MMU model, without a machine or an execution engine, for MIPS and
 * amd64 (a user pmap active, as under a process):
 *
 *  - kmalloc: a bucket item in kmem_map, written and read back through
 *    the MMU model (the CPU's loads and stores count, MIPS kernel refills
 *    are tlb_refill events); the per-type statistics (requests, frees,
 *    bytes in use, high water, failures); the 16-byte bucket's slabs
 *    (256 items each, lowest address first, a second slab when one is
 *    full), empty slabs kept until vm_lowmem, whose "malloc" handler
 *    gives them back (every page returns); large requests as whole pages;
 *    M_ZERO; krealloc (in place when it fits, else copied); a VA freed
 *    and allocated again is used without a fault (MIPS: a TLB entry left
 *    invalid by the free is reloaded);
 *  - bad frees: a duplicate free of a bucket item and a free of an
 *    address never allocated are kernel panics (EV_PANIC), no crash;
 *  - acceptance 1, the memguard scenario of VM-SPEC: a 100-byte guarded
 *    allocation at page base + 3984; a write at +112 faults in the guard
 *    page (EV_MEMGUARD overrun with the type, the site and the size, then
 *    a panic); a read after free faults (use_after_free); a second free
 *    panics (double_free) — each an event, each ending cleanly (EFAULT or
 *    -1 returned, the kernel marked panicked);
 *  - memguard's knobs: late VA reuse (the cursor), MG_ALLLARGE, minsize,
 *    frequency from the seeded PRNG (all, none, and the same decisions
 *    for the same seed), options none (no guard pages: the next
 *    allocation follows at once), realloc always anew, the VA range
 *    reserved only when guarding is on; memguard_config_parse;
 *  - malloc types: the kernel's four in order, a dynamic one by name.
 */
#include "tests/tap.h"
#include "sim/kern/kern.h"
#include "sim/kern/malloc.h"
#include "mmu/cost.h"
#include "mmu/mmu.h"
#include "mmu/physmem.h"
#include "sim/base/event.h"
#include "sim/base/prng.h"
#include "vm/memguard.h"
#include "vm/pmap.h"
#include "vm/swap_pager.h"
#include "vm/vm_map.h"
#include "vm/vm_object.h"
#include "vm/vm_page.h"
#include "vm/vm_pageout.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MEM_BYTES	(16u << 20)

static const struct kern_hw_ops stub_ops;

static struct physmem pm;
static struct prng prng;
static struct mmu_cpu cpu;
static struct mmu_cpu *cpus[1] = { &cpu };
static struct cost_table cost;
static struct kern k;
static struct pmap *upmap;
static enum sim_arch arch;

/* The events seen. */
#define MAXEV	4096
static struct rec {
	enum ev_kind kind;
	const char *type;
	uint64_t va;
	char detail[EV_DETAIL_MAX];
} evs[MAXEV];
static int nev;

static void
sink_emit(void *ctx, const struct event *ev)
{
	(void)ctx;
	if (nev == MAXEV)
		return;
	evs[nev].kind = ev->kind;
	evs[nev].type = ev->type;
	evs[nev].va = ev->va;
	memcpy(evs[nev].detail, ev->detail, sizeof(ev->detail));
	nev++;
}

/* The last event of kind (type NULL: any), or NULL. */
static struct rec *
last_ev(enum ev_kind kind, const char *type)
{
	for (int i = nev - 1; i >= 0; i--)
		if (evs[i].kind == kind && (type == NULL ||
		    (evs[i].type != NULL && strcmp(evs[i].type, type) == 0)))
			return &evs[i];
	return NULL;
}

static int
count_ev(enum ev_kind kind, const char *detail_prefix)
{
	int n = 0;

	for (int i = 0; i < nev; i++)
		if (evs[i].kind == kind && (detail_prefix == NULL ||
		    strncmp(evs[i].detail, detail_prefix, strlen(detail_prefix)) == 0))
			n++;
	return n;
}

static void
boot(enum sim_arch a, const struct memguard_config *mgc)
{
	struct pmap_machine pmach = { a, &pm, cpus, 1 };
	struct event_sink sink = { sink_emit, NULL };

	arch = a;
	if (physmem_init(&pm, MEM_BYTES) != 0)
		abort();
	prng_seed(&prng, 7);
	vm_phys_dmap = pm.base;
	vm_object_init();
	vm_page_startup(MEM_BYTES, PAGE_SIZE);
	swap_accounting_init();
	vm_pageout_init(vm_phys_free_count());
	cost_defaults(&cost, a);
	memset(&cpu, 0, sizeof(cpu));
	mmu_cpu_init(&cpu, 0, a, &pm, &cost, &prng, 0,
	    sim_arch_is_mips(a) ? pmap_mips_wired_needed(1) : 0);
	pmap_bootstrap(&pmach);
	vm_kern_init();
	kern_init(&k, a, &pm, &prng, &stub_ops, NULL, NULL);
	k.cpus = cpus;
	k.ncpus = 1;
	memguard_init(mgc, &prng, MEM_BYTES);
	kmalloc_init(&k);
	/* As under a process: a user address space on the CPU. */
	upmap = pmap_create();
	pmap_activate(upmap, &cpu);
	event_sinks_clear();
	event_reset();
	memset(event_context(), 0, sizeof(struct event_context));
	event_sink_add(&sink);
	nev = 0;
}

static void
shutdown(void)
{
	kern_kmem_quiesce(true);
	kern_fini(&k);
	kmalloc_fini();
	memguard_fini();
	pmap_deactivate_all(upmap);
	pmap_destroy(upmap);
	vm_kern_fini();
	mmu_cpu_fini(&cpu);
	physmem_fini(&pm);
	event_sinks_clear();
}

/* The kernel panicked since the last call (and is made to go on). */
static bool
panicked(void)
{
	bool p = k.panicked;

	k.panicked = false;
	return p;
}

/* len bytes of kva are all val (read through the model). */
static bool
kmem_is(vm_offset_t kva, size_t len, uint8_t val)
{
	uint8_t *b = malloc(len);
	bool same = b != NULL && kern_kmem_copyin(&k, NULL, kva, b, len) == 0;

	for (size_t i = 0; same && i < len; i++)
		same = b[i] == val;
	free(b);
	return same;
}

static bool
kmem_fill(vm_offset_t kva, size_t len, uint8_t val)
{
	uint8_t *b = malloc(len);
	bool done;

	if (b == NULL)
		return false;
	memset(b, val, len);
	done = kern_kmem_copyout(&k, NULL, kva, b, len) == 0;
	free(b);
	return done;
}

static bool
in_kmem_map(vm_offset_t va)
{
	return kmem_map != NULL && va >= kmem_map->min_offset && va < kmem_map->max_offset;
}

/* ---- kmalloc ---- */

static void
test_basics(const char *an)
{
	uint64_t loads = cpu.c[CTR_LOADS], stores = cpu.c[CTR_STORES];
	vm_offset_t a;

	a = kmalloc(100, M_TEMP, M_WAITOK);
	ok(a != 0 && in_kmem_map(a) && kmalloc_usable_size(a) == 128 && (a & 127) == 0,
	    "%s: kmalloc(100, temp) is a 128-byte bucket item in kmem_map (%#llx)", an,
	    (unsigned long long)a);
	ok(kmem_fill(a, 100, 0x5a) && kmem_is(a, 100, 0x5a) && !panicked(),
	    "%s: written and read back through the MMU model", an);
	ok(cpu.c[CTR_STORES] > stores && cpu.c[CTR_LOADS] > loads,
	    "%s: the kernel's stores and loads are the CPU's (%llu, %llu)", an,
	    (unsigned long long)(cpu.c[CTR_STORES] - stores),
	    (unsigned long long)(cpu.c[CTR_LOADS] - loads));
	if (sim_arch_is_mips(arch))
		ok(count_ev(EV_TLB_REFILL, "kernel") >= 1,
		    "%s: the kseg2 page came in by a (kernel) TLB refill", an);
	ok(M_TEMP->stats.requests == 1 && M_TEMP->stats.bytes_inuse == 128 &&
	    M_TEMP->stats.high_water == 128, "%s: temp: 1 request, 128 bytes in use", an);
	ok(kfree(a, M_TEMP) == 0 && M_TEMP->stats.frees == 1 &&
	    M_TEMP->stats.bytes_inuse == 0 && M_TEMP->stats.high_water == 128,
	    "%s: kfree: 1 free, 0 bytes in use, high water stays 128", an);
	ok(kfree(0, M_TEMP) == 0 && M_TEMP->stats.frees == 1, "%s: kfree(0) does nothing", an);
}

static void
test_zone(const char *an)
{
	struct kmem_zone_stats zs[KMEM_NZONES];
	unsigned long free0, reclaimed;
	vm_offset_t items[300];
	bool order = true, distinct;
	int handler;

	/* test_basics left its 128-byte slab cached, empty. */
	reclaimed = kmalloc_reclaim();
	kmalloc_zone_stats(zs);
	ok(reclaimed == 1 && zs[3].size == 128 && zs[3].slabs == 0,
	    "%s: zone reclaim gives the empty 128-byte slab back", an);
	free0 = vm_phys_free_count();

	for (int i = 0; i < 300; i++)
		items[i] = kmalloc(16, M_DEVBUF, M_NOWAIT);
	for (int i = 1; i < 256; i++)
		order = order && items[i] == items[i - 1] + 16;
	distinct = trunc_page(items[256]) != trunc_page(items[0]);
	kmalloc_zone_stats(zs);
	ok(order && distinct && zs[0].size == 16 && zs[0].items_per_slab == 256 &&
	    zs[0].slabs == 2 && zs[0].items_used == 300,
	    "%s: 300 16-byte items: 256 in a slab, lowest first, then a second slab", an);
	ok(free0 - vm_phys_free_count() == 2, "%s: ... two pages", an);
	for (int i = 0; i < 300; i++)
		(void)kfree(items[i], M_DEVBUF);
	kmalloc_zone_stats(zs);
	ok(zs[0].slabs == 2 && zs[0].slabs_empty == 2 && zs[0].items_used == 0 &&
	    M_DEVBUF->stats.bytes_inuse == 0,
	    "%s: all freed: both slabs kept, empty", an);
	items[0] = kmalloc(16, M_DEVBUF, M_NOWAIT);
	ok(items[0] == trunc_page(items[0]) && (items[0] == trunc_page(items[1]) ||
	    items[0] == trunc_page(items[256])), "%s: the next item reuses a cached slab", an);
	(void)kfree(items[0], M_DEVBUF);
	nev = 0;
	vm_lowmem_raise(0);
	kmalloc_zone_stats(zs);
	handler = 0;
	for (int i = 0; i < nev; i++)
		if (evs[i].kind == EV_LOWMEM && evs[i].type != NULL &&
		    strcmp(evs[i].type, "handler") == 0 &&
		    strcmp(evs[i].detail, "malloc: freed 2 pages") == 0)
			handler++;
	if (handler != 1)
		for (int i = 0; i < nev; i++)
			printf("# event %d %s %s\n", evs[i].kind, evs[i].type ? evs[i].type : "",
			    evs[i].detail);
	ok(zs[0].slabs == 0 && vm_phys_free_count() == free0 && handler == 1,
	    "%s: vm_lowmem: the malloc handler frees both slabs (\"malloc: freed 2 "
	    "pages\"), every page is back", an);
}

static void
test_large(const char *an)
{
	unsigned long free0 = vm_phys_free_count();
	struct kmalloc_stats st;
	vm_offset_t a, b;

	a = kmalloc(10000, M_DEVBUF, M_WAITOK | M_ZERO);
	kmalloc_stats(&st);
	ok(a != 0 && (a & PAGE_MASK) == 0 && kmalloc_usable_size(a) == 3 * PAGE_SIZE &&
	    st.large_allocs == 1 && st.large_pages == 3 && free0 - vm_phys_free_count() == 3,
	    "%s: kmalloc(10000) is 3 whole pages", an);
	ok(kmem_is(a, 10000, 0) && kmem_fill(a, 3 * PAGE_SIZE, 0xa5) &&
	    kmem_is(a + PAGE_SIZE - 8, 16, 0xa5) && !panicked(),
	    "%s: M_ZERO: zeroed; written and read across the pages", an);
	ok(kfree(a, M_DEVBUF) == 0 && vm_phys_free_count() == free0 &&
	    M_DEVBUF->stats.bytes_inuse == 0, "%s: kfree gives the 3 pages back", an);
	/* The same VA again: its TLB entries were left invalid by the free. */
	b = kmalloc(10000, M_DEVBUF, M_WAITOK);
	ok(b == a && kmem_fill(b, 3 * PAGE_SIZE, 0x11) && kmem_is(b, 3 * PAGE_SIZE, 0x11) &&
	    !panicked() && last_ev(EV_PANIC, NULL) == NULL,
	    "%s: the same VA allocated again is used without a fault", an);
	(void)kfree(b, M_DEVBUF);
}

static void
test_zero_realloc(const char *an)
{
	vm_offset_t a, b, c;

	a = kmalloc(60, M_TEMP, M_WAITOK);
	ok(kmem_fill(a, 64, 0xff), "%s: a 64-byte item filled with 0xff", an);
	(void)kfree(a, M_TEMP);
	b = kmalloc(60, M_TEMP, M_WAITOK | M_ZERO);
	ok(b == a && kmem_is(b, 64, 0), "%s: the same item with M_ZERO is zero", an);
	(void)kmem_fill(b, 60, 0x42);
	c = krealloc(b, 40, M_TEMP, M_WAITOK);
	ok(c == b, "%s: krealloc to 40 (more than half of 64) stays in place", an);
	c = krealloc(b, 3000, M_TEMP, M_WAITOK);
	ok(c != 0 && c != b && kmalloc_usable_size(c) == PAGE_SIZE && kmem_is(c, 60, 0x42) &&
	    kmalloc_usable_size(b) == 0, "%s: krealloc to 3000: a page, the 60 bytes "
	    "copied, the item freed", an);
	(void)kfree(c, M_TEMP);
}

static void
test_bad_frees(const char *an)
{
	vm_offset_t a = kmalloc(32, M_TEMP, M_WAITOK);
	struct rec *e;

	ok(kfree(a, M_TEMP) == 0 && !panicked(), "%s: a 32-byte item freed", an);
	ok(kfree(a, M_TEMP) == -1 && panicked() && (e = last_ev(EV_PANIC, NULL)) != NULL &&
	    strstr(e->detail, "duplicate free") != NULL,
	    "%s: freed again: a kernel panic (a duplicate free), no crash", an);
	ok(kfree(kmem_map->min_offset + 0x123000, M_TEMP) == -1 && panicked(),
	    "%s: freeing an address never allocated: a kernel panic", an);
	ok(kern_kmem_copyin(&k, NULL, kmem_map->max_offset - PAGE_SIZE, &a, 1) == EFAULT &&
	    panicked() && (e = last_ev(EV_PANIC, NULL)) != NULL &&
	    strstr(e->detail, "kernel page fault") != NULL && last_ev(EV_MEMGUARD, NULL) == NULL,
	    "%s: a load from unmapped kernel VA: a kernel page fault panic, not memguard's",
	    an);
}

static void
test_types(const char *an)
{
	static const char *const names[] = { "pipe", "exec", "temp", "devbuf", "filebuf", "lab" };
	struct malloc_type *t = malloc_type_create("lab"), *m;
	int i = 0;
	bool same = true;

	for (m = malloc_type_first(); m != NULL; m = m->next, i++)
		same = same && i < 6 && strcmp(m->name, names[i]) == 0;
	ok(t != NULL && t->dynamic && malloc_type_lookup("lab") == t &&
	    malloc_type_create("lab") == t && malloc_type_lookup("pipe") == M_PIPE &&
	    malloc_type_lookup("nosuch") == NULL && same && i == 6,
	    "%s: types pipe, exec, temp, devbuf, filebuf, then a dynamic one by name", an);
}

/* ---- memguard ---- */

static void
mg_set(const char *spec)
{
	struct memguard_config c;
	char err[128];

	if (memguard_config_parse(&c, spec, err, sizeof(err)) != 0 ||
	    memguard_configure(&c) != 0)
		abort();
}

/* Acceptance 1 (VM-SPEC memguard scenario). */
static void
test_memguard_scenario(const char *an)
{
	struct memguard_stats ms;
	vm_offset_t a;
	struct rec *e;
	uint8_t b[112];
	int line;

	memguard_stats(&ms);
	ok(ms.va_min == 0, "%s: no guarding: memguard has no VA", an);
	mg_set("temp");
	memguard_stats(&ms);
	ok(ms.va_min != 0 && in_kmem_map(ms.va_min) &&
	    ms.va_max - ms.va_min == round_page(MEM_BYTES / 10),
	    "%s: --memguard temp: its VA (memory / 10) in kmem_map", an);
	line = __LINE__ + 1;
	a = kmalloc(100, M_TEMP, M_WAITOK);
	ok(a != 0 && memguard_owns(a) && (a & PAGE_MASK) == 3984 &&
	    M_TEMP->stats.guarded == 1 && kmalloc_usable_size(a) == 100,
	    "%s: a 100-byte guarded allocation at page base + 3984 (%#llx)", an,
	    (unsigned long long)a);
	memset(b, 7, sizeof(b));
	ok(kern_kmem_copyout(&k, NULL, a, b, 100) == 0 && kmem_is(a, 100, 7) && !panicked(),
	    "%s: its 100 bytes are written and read", an);
	nev = 0;
	ok(kern_kmem_copyout(&k, NULL, a + 112, b, 1) == EFAULT && panicked(),
	    "%s: a write at +112 faults (the run would stop: kernel panic)", an);
	{
		char want[EV_DETAIL_MAX];

		snprintf(want, sizeof(want), "type=temp site=test_malloc.c:%d size=100 pc=0x0",
		    line);
		e = last_ev(EV_MEMGUARD, NULL);
		ok(e != NULL && strcmp(e->type, "overrun") == 0 && e->va == a + 112 &&
		    strcmp(e->detail, want) == 0,
		    "%s: ... an EV_MEMGUARD overrun at +112: \"%s\"", an, e ? e->detail : "");
	}
	ok(last_ev(EV_PANIC, NULL) != NULL && strstr(last_ev(EV_PANIC, NULL)->detail,
	    "memguard: overrun") != NULL && count_ev(EV_MEMGUARD, NULL) == 1,
	    "%s: ... then the panic (one memguard event)", an);
	ok(kfree(a, M_TEMP) == 0 && !panicked() && M_TEMP->stats.bytes_inuse == 0,
	    "%s: freed: the page is unmapped at once", an);
	ok(pmap_kextract(trunc_page(a)) == 0, "%s: ... (no translation left)", an);
	nev = 0;
	ok(kern_kmem_copyin(&k, NULL, a, b, 4) == EFAULT && panicked() &&
	    (e = last_ev(EV_MEMGUARD, NULL)) != NULL && strcmp(e->type, "use_after_free") == 0 &&
	    e->va == a && strstr(e->detail, "type=temp") != NULL,
	    "%s: a read after free faults: EV_MEMGUARD use_after_free", an);
	nev = 0;
	ok(kfree(a, M_TEMP) == -1 && panicked() && (e = last_ev(EV_MEMGUARD, NULL)) != NULL &&
	    strcmp(e->type, "double_free") == 0 && e->va == a &&
	    strstr(last_ev(EV_PANIC, NULL)->detail, "double free") != NULL,
	    "%s: a second free panics: EV_MEMGUARD double_free", an);
}

static void
test_memguard_knobs(const char *an)
{
	struct memguard_stats ms;
	vm_offset_t a, b, c, big, small;
	int hits, hits2;

	nev = 0;
	/* Late reuse: the cursor moves on past freed VA. */
	mg_set("temp");
	a = kmalloc(100, M_TEMP, M_WAITOK);
	(void)kfree(a, M_TEMP);
	b = kmalloc(100, M_TEMP, M_WAITOK);
	ok(a != 0 && b != 0 && b > a, "%s: freed VA is not reused at once (%#llx then "
	    "%#llx)", an, (unsigned long long)a, (unsigned long long)b);
	ok(b - a == 3 * PAGE_SIZE, "%s: ... the next allocation follows a's guard pages", an);
	(void)kfree(b, M_TEMP);
	/* Other types are not guarded; realloc of a guarded one is anew. */
	c = kmalloc(100, M_DEVBUF, M_WAITOK);
	ok(c != 0 && !memguard_owns(c), "%s: devbuf is not guarded", an);
	(void)kfree(c, M_DEVBUF);
	a = kmalloc(100, M_TEMP, M_WAITOK);
	(void)kmem_fill(a, 100, 9);
	b = krealloc(a, 50, M_TEMP, M_WAITOK);
	ok(b != a && memguard_owns(b) && (b & PAGE_MASK) == PAGE_SIZE - 64 &&
	    kmem_is(b, 50, 9) && pmap_kextract(trunc_page(a)) == 0,
	    "%s: realloc of a guarded allocation is always a new one", an);
	(void)kfree(b, M_TEMP);
	/* minsize. */
	mg_set("temp,minsize=200");
	a = kmalloc(100, M_TEMP, M_WAITOK);
	b = kmalloc(300, M_TEMP, M_WAITOK);
	ok(!memguard_owns(a) && memguard_owns(b), "%s: minsize=200: 100 bytes not guarded, "
	    "300 guarded", an);
	(void)kfree(a, M_TEMP);
	(void)kfree(b, M_TEMP);
	/* MG_ALLLARGE. */
	mg_set(",options=alllarge|guard");
	big = kmalloc(2 * PAGE_SIZE, M_DEVBUF, M_WAITOK);
	small = kmalloc(100, M_DEVBUF, M_WAITOK);
	ok(memguard_owns(big) && (big & PAGE_MASK) == 0 && !memguard_owns(small),
	    "%s: options=alllarge: a two-page request guarded, a small one not", an);
	(void)kfree(big, M_DEVBUF);
	(void)kfree(small, M_DEVBUF);
	/* No guard pages: the next allocation follows at once. */
	mg_set("temp,options=none");
	a = kmalloc(5000, M_TEMP, M_WAITOK);
	b = kmalloc(5000, M_TEMP, M_WAITOK);
	ok(memguard_owns(a) && b == a + 2 * PAGE_SIZE, "%s: options=none: no guard pages "
	    "between allocations", an);
	(void)kfree(a, M_TEMP);
	(void)kfree(b, M_TEMP);
	/* frequency: every request, then half of them, as the seed says. */
	mg_set(",frequency=100000");
	a = kmalloc(8, M_DEVBUF, M_WAITOK);
	ok(memguard_owns(a), "%s: frequency=100000 guards every request", an);
	(void)kfree(a, M_DEVBUF);
	mg_set(",frequency=50000");
	prng_seed(&prng, 99);
	hits = 0;
	for (int i = 0; i < 200; i++) {
		a = kmalloc(8, M_DEVBUF, M_WAITOK);
		hits += memguard_owns(a);
		(void)kfree(a, M_DEVBUF);
	}
	prng_seed(&prng, 99);
	hits2 = 0;
	for (int i = 0; i < 200; i++) {
		a = kmalloc(8, M_DEVBUF, M_WAITOK);
		hits2 += memguard_owns(a);
		(void)kfree(a, M_DEVBUF);
	}
	ok(hits > 60 && hits < 140 && hits == hits2,
	    "%s: frequency=50000: %d of 200 guarded, the same %d again with the same seed",
	    an, hits, hits2);
	memguard_stats(&ms);
	ok(ms.live == 0 && ms.pages_mapped == 0 && ms.wraps > 0 && ms.frees == ms.allocs,
	    "%s: memguard: nothing left mapped; the cursor wrapped (%llu allocations)", an,
	    (unsigned long long)ms.allocs);
	ok(!panicked() && last_ev(EV_MEMGUARD, NULL) == NULL, "%s: no memguard event, no panic",
	    an);
}

static void
test_parse(void)
{
	struct memguard_config c;
	char err[128];

	ok(memguard_config_parse(&c, "pipe", err, sizeof(err)) == 0 &&
	    strcmp(c.desc, "pipe") == 0 && c.options == MG_GUARD && c.divisor == 10 &&
	    c.frequency == 0 && memguard_config_enabled(&c) && !memguard_config_is_default(&c),
	    "parse: \"pipe\"");
	ok(memguard_config_parse(&c, "exec,frequency=10,minsize=0x100,options=alllarge,"
	    "divisor=4", err, sizeof(err)) == 0 && c.frequency == 10 && c.minsize == 256 &&
	    c.options == MG_ALLLARGE && c.divisor == 4, "parse: every key");
	ok(memguard_config_parse(&c, "", err, sizeof(err)) == 0 && memguard_config_is_default(&c) &&
	    !memguard_config_enabled(&c), "parse: \"\" is the default (off)");
	ok(memguard_config_parse(&c, "pipe,frequency=100001", err, sizeof(err)) == -1 &&
	    strstr(err, "frequency") != NULL, "parse: frequency over 100000 refused (%s)", err);
	ok(memguard_config_parse(&c, "pipe,divisor=0", err, sizeof(err)) == -1 &&
	    memguard_config_parse(&c, "pipe,bogus=1", err, sizeof(err)) == -1 &&
	    memguard_config_parse(&c, "pipe,options=fast", err, sizeof(err)) == -1 &&
	    memguard_config_parse(&c, "pipe,minsize", err, sizeof(err)) == -1 &&
	    memguard_config_parse(&c, "a name much too long for it!", err, sizeof(err)) == -1 &&
	    memguard_config_parse(&c, "pi\"pe", err, sizeof(err)) == -1,
	    "parse: bad specs refused");
}

static void
run_arch(enum sim_arch a, const char *an)
{
	boot(a, NULL);
	test_basics(an);
	test_zone(an);
	test_large(an);
	test_zero_realloc(an);
	test_bad_frees(an);
	test_types(an);
	test_memguard_scenario(an);
	test_memguard_knobs(an);
	shutdown();
}

int
main(void)
{
	run_arch(ARCH_MIPS, "mips");
	run_arch(ARCH_AMD64, "amd64");
	test_parse();
	return tap_done();
}
