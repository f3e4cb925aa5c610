/*
 * tests/unit/vm/test_pmap_amd64.c — the amd64 pmap (vm/amd64/pmap.c) on a
 * two-CPU machine with 4 MiB of memory: real 4-level tables that the
 * hardware walker (mmu/walk_amd64.c) reads, leaf rights (RW, NX, U), the
 * shootdown rules (INVLPG on CPUs where the pmap is active, stale PCID
 * flushed at the next activation elsewhere), lowest-free PCIDs, page-table
 * pages returned at destroy, and pmap_check.
 */
#include <stdlib.h>
#include <string.h>

#include "mmu/cost.h"
#include "mmu/mmu.h"
#include "mmu/physmem.h"
#include "sim/base/prng.h"
#include "tests/tap.h"
#include "vm/pmap.h"
#include "vm/pmap_md.h"
#include "vm/vm_page.h"

#define MEM_BYTES	(4u << 20)
#define NCPU		2
#define PG_W_SW		0x200ull	/* the wired bit, as in vm/amd64/pmap.c */

static struct physmem pm;
static struct cost_table cost;
static struct prng prng;
static struct mmu_cpu cpus[NCPU];
static struct mmu_cpu *cpup[NCPU] = { &cpus[0], &cpus[1] };

/* No fault is expected: every access in this test is mapped. */
static int
test_trap(void *arg, struct mmu_cpu *cpu, const struct mmu_exc *exc)
{
	(void)arg;
	(void)cpu;
	(void)exc;
	return (-1);
}

static void
machine_start(void)
{
	struct pmap_machine mach = {
		.arch = ARCH_AMD64, .pm = &pm, .cpus = cpup, .ncpus = NCPU,
	};
	int i;

	cost_defaults(&cost, ARCH_AMD64);
	prng_seed(&prng, 7);
	for (i = 0; i < NCPU; i++) {
		mmu_cpu_init(&cpus[i], i, ARCH_AMD64, &pm, &cost, &prng, 0, 0);
		cpus[i].trap.trap = test_trap;
	}
	pmap_bootstrap(&mach);
	vm_phys_dmap = pm.base;
	vm_page_startup(MEM_BYTES, PAGE_SIZE);
}

static unsigned long
free_pages(void)
{
	struct vm_page_stats st;

	vm_page_stats(&st);
	return ((unsigned long)st.free);
}

static vm_page_t
page(void)
{
	vm_page_t m = vm_page_alloc(NULL, 0, VM_ALLOC_NOOBJ);

	if (m == NULL) {
		printf("Bail out! no page\n");
		exit(1);
	}
	return (m);
}

static bool
check(struct pmap *pmap, const char *what)
{
	char msg[240];

	msg[0] = '\0';
	if (pmap_check(pmap, msg, sizeof(msg)) != 0) {
		printf("# %s: %s\n", what, msg);
		return (false);
	}
	return (true);
}

static int
walk(int c, vm_offset_t va, enum walk_access acc, struct walk_result *r)
{
	return (walk_amd64(&pm, cpus[c].cr3, va, acc, true, r));
}

static uint16_t
pcid_of(struct pmap *pmap)
{
	return (pmap->pm_md.amd64.pm_pcid);
}

static void
test_tables(void)
{
	struct walk_result r;
	struct pmap *a;
	vm_page_t m1, m2;
	uint64_t leaf;
	unsigned long free0;

	free0 = free_pages();
	a = pmap_create();
	ok(a != NULL && pmap_ptpages(a) == 1 && free_pages() == free0 - 1,
	    "create: one PML4 page from vm_page");
	pmap_activate(a, &cpus[0]);
	ok(cpus[0].cr3 == a->pm_root->phys_addr && cpus[0].pcid == pcid_of(a) &&
	    cpus[0].pcid == 1, "activate: CR3 = PML4, PCID 1");

	m1 = page();
	ok(pmap_enter(a, 0x400000, VM_PROT_READ, m1, VM_PROT_READ | VM_PROT_WRITE,
	    false) == KERN_SUCCESS, "enter 0x400000 rw-");
	ok(pmap_ptpages(a) == 4, "PDPT, PD and PT allocated on demand");
	ok(walk(0, 0x400123, WALK_WRITE, &r) == 0 && r.pa == (m1->phys_addr | 0x123),
	    "walker: write finds the frame");
	ok((r.flags & (PG_RW | PG_U | PG_NX)) == (PG_RW | PG_U | PG_NX),
	    "walker: effective RW, U, NX");
	ok(r.nloads == 4 && physmem_ld64le(&pm, r.load_pa[0]) ==
	    (physmem_ld64le(&pm, r.load_pa[0]) | PG_V | PG_RW | PG_U),
	    "walker: four levels, upper entries V|RW|U");
	leaf = physmem_ld64le(&pm, r.load_pa[3]);
	ok((leaf & PG_FRAME) == m1->phys_addr && (leaf & PG_M) && (leaf & PG_A) &&
	    !(leaf & PG_W_SW), "leaf: frame, A and M set by the walker, not wired");
	ok(walk(0, 0x400000, WALK_FETCH, &r) == -1 &&
	    r.error_code == (PGEX_P | PGEX_U | PGEX_I), "walker: fetch refused (NX)");
	ok(pmap_extract(a, 0x400fff) == (m1->phys_addr | 0xfff) &&
	    pmap_prot(a, 0x400000) == (VM_PROT_READ | VM_PROT_WRITE),
	    "extract and prot agree");

	m2 = page();
	ok(pmap_enter(a, 0x7ffffffff000, VM_PROT_READ | VM_PROT_EXECUTE, m2,
	    VM_PROT_READ | VM_PROT_EXECUTE, true) == KERN_SUCCESS,
	    "enter the top user page r-x wired");
	ok(pmap_ptpages(a) == 7, "three more tables for the far end");
	ok(walk(0, 0x7ffffffff000, WALK_FETCH, &r) == 0 && r.pa == m2->phys_addr &&
	    (r.flags & (PG_RW | PG_NX)) == 0, "walker: fetch allowed, no RW");
	ok((physmem_ld64le(&pm, r.load_pa[3]) & PG_W_SW) != 0,
	    "leaf: the wired bit (AVL 9)");
	ok(walk(0, 0x7ffffffff000, WALK_WRITE, &r) == -1 &&
	    r.error_code == (PGEX_P | PGEX_W | PGEX_U), "walker: write refused");
	ok(pmap_prot(a, 0x7ffffffff000) == (VM_PROT_READ | VM_PROT_EXECUTE),
	    "prot r-x");

	/* The TLB of the active CPU, filled by the hardware, and remove. */
	ok(mmu_access(&cpus[0], 0x400010, 8, MMU_LOAD) == 0 &&
	    tlb_amd64_lookup(&cpus[0].tlb_amd64, 0x400000, pcid_of(a)) != NULL,
	    "a load through the MMU fills cpu0's TLB");
	ok(check(a, "filled"), "pmap_check green");
	pmap_remove(a, 0x400000, 0x401000);
	ok(walk(0, 0x400000, WALK_READ, &r) == -1 && r.error_code == PGEX_U,
	    "remove: the walk fails, not present");
	ok(tlb_amd64_lookup(&cpus[0].tlb_amd64, 0x400000, pcid_of(a)) == NULL,
	    "remove: INVLPG on the active CPU");
	ok(m1->dirty == 1, "remove: M went to the page");
	ok(pmap_extract(a, 0x400000) == 0, "remove: extract 0");

	/* Protect: RW away (M to the page), NX on. */
	ok(pmap_enter(a, 0x400000, VM_PROT_READ, m1, VM_PROT_ALL, false) ==
	    KERN_SUCCESS, "enter 0x400000 rwx");
	m1->dirty = 0;
	ok(mmu_access(&cpus[0], 0x400000, 8, MMU_STORE) == 0 &&
	    tlb_amd64_lookup(&cpus[0].tlb_amd64, 0x400000, pcid_of(a)) != NULL,
	    "a store through the MMU");
	pmap_protect(a, 0x400000, 0x401000, VM_PROT_READ);
	ok(m1->dirty == 1, "protect: M went to the page");
	ok(tlb_amd64_lookup(&cpus[0].tlb_amd64, 0x400000, pcid_of(a)) == NULL,
	    "protect: INVLPG on the active CPU");
	ok(walk(0, 0x400000, WALK_WRITE, &r) == -1 &&
	    walk(0, 0x400000, WALK_FETCH, &r) == -1 &&
	    walk(0, 0x400000, WALK_READ, &r) == 0, "protect: read only, NX");
	ok(pmap_prot(a, 0x400000) == VM_PROT_READ, "protect: prot r--");
	pmap_protect(a, 0x400000, 0x401000, VM_PROT_ALL);
	ok(pmap_prot(a, 0x400000) == VM_PROT_READ, "protect never raises");
	pmap_protect(a, 0x400000, 0x401000, VM_PROT_NONE);
	ok(pmap_extract(a, 0x400000) == 0, "protect to none removes");

	/* pmap_check sees a TLB entry granting more than the tables. */
	{
		char msg[240];

		tlb_amd64_insert(&cpus[0].tlb_amd64, 0x7ffffffff000, pcid_of(a),
		    m2->phys_addr >> PAGE_SHIFT, PG_RW | PG_U);
		ok(pmap_check(a, msg, sizeof(msg)) == -1 && strstr(msg, "TLB") != NULL,
		    "pmap_check catches an entry with RW the tables lack");
		tlb_amd64_invlpg(&cpus[0].tlb_amd64, 0x7ffffffff000, pcid_of(a));
		ok(check(a, "fixed"), "and is green once it is gone");
	}

	pmap_remove(a, 0, (vm_offset_t)1 << 47);
	ok(pmap_extract(a, 0x7ffffffff000) == 0 && check(a, "empty"),
	    "remove of all user space");
	pmap_destroy(a);
	vm_page_free(m1);
	vm_page_free(m2);
	ok(free_pages() == free0, "destroy returned every table page");
	ok(pmap_pcpu[0].pc_active == NULL, "destroy left cpu0 with no pmap");
}

static void
test_pcid(void)
{
	struct pmap *a, *b, *c, *d;
	unsigned long free0;
	vm_page_t m, m2;

	free0 = free_pages();
	a = pmap_create();
	b = pmap_create();
	c = pmap_create();
	ok(pcid_of(a) == 1 && pcid_of(b) == 2 && pcid_of(c) == 3,
	    "PCIDs 1, 2, 3 in creation order");
	pmap_destroy(b);
	d = pmap_create();
	ok(pcid_of(d) == 2, "the lowest free PCID is reused");
	b = pmap_create();
	ok(pcid_of(b) == 4, "then the next one");

	/* a runs on cpu1, which then switches to d: a's entries go stale. */
	m = page();
	m2 = page();
	ok(pmap_enter(a, 0x1000, VM_PROT_READ, m, VM_PROT_READ, false) ==
	    KERN_SUCCESS, "enter a 0x1000");
	pmap_activate(a, &cpus[0]);
	pmap_activate(a, &cpus[1]);
	ok(a->pm_active == 3, "a active on both CPUs");
	ok(mmu_access(&cpus[0], 0x1000, 4, MMU_LOAD) == 0 &&
	    mmu_access(&cpus[1], 0x1000, 4, MMU_LOAD) == 0,
	    "both CPUs load through a");
	pmap_activate(d, &cpus[1]);
	ok(a->pm_active == 1 && d->pm_active == 2 && cpus[1].pcid == pcid_of(d),
	    "cpu1 switched to d: CR3 reload without flush");
	ok(tlb_amd64_lookup(&cpus[1].tlb_amd64, 0x1000, pcid_of(a)) != NULL,
	    "cpu1 still caches a's translation under a's PCID");
	ok(pmap_enter(a, 0x1000, VM_PROT_READ, m2, VM_PROT_READ, false) ==
	    KERN_SUCCESS, "a's page replaced with another frame");
	ok(tlb_amd64_lookup(&cpus[0].tlb_amd64, 0x1000, pcid_of(a)) == NULL,
	    "INVLPG on cpu0, where a is active");
	ok(tlb_amd64_lookup(&cpus[1].tlb_amd64, 0x1000, pcid_of(a)) != NULL &&
	    a->pm_md.amd64.pm_stale == 2, "no IPI to cpu1: marked stale instead");
	ok(check(a, "stale"), "pmap_check skips the stale CPU");
	pmap_activate(a, &cpus[1]);
	ok(tlb_amd64_lookup(&cpus[1].tlb_amd64, 0x1000, pcid_of(a)) == NULL &&
	    a->pm_md.amd64.pm_stale == 0, "reactivation on cpu1 flushed a's PCID");
	ok(mmu_access(&cpus[1], 0x1000, 4, MMU_LOAD) == 0 &&
	    cpus[1].utlb[MMU_LOAD][(0x1000 >> PAGE_SHIFT) % MMU_UTLB_SLOTS].pa_page == m2->phys_addr,
	    "cpu1 now translates to the new frame");
	ok(check(a, "fresh"), "pmap_check green");

	/* A destroyed pmap's stale CPUs pass to its PCID's next owner. */
	pmap_activate(c, &cpus[1]);		/* a stays cached on cpu1 */
	pmap_activate(c, &cpus[0]);
	pmap_remove(a, 0, 0x2000);		/* marks both CPUs stale */
	ok(tlb_amd64_lookup(&cpus[1].tlb_amd64, 0x1000, pcid_of(a)) != NULL,
	    "a's entry lingers on cpu1");
	pmap_destroy(a);
	a = pmap_create();
	ok(pcid_of(a) == 1 && a->pm_md.amd64.pm_stale == 3,
	    "a new pmap gets PCID 1 with both CPUs marked stale");
	pmap_activate(a, &cpus[1]);
	ok(tlb_amd64_lookup(&cpus[1].tlb_amd64, 0x1000, 1) == NULL,
	    "its first activation on cpu1 flushed the old entries");
	ok(check(a, "inherited") && check(c, "c") && check(d, "d"),
	    "pmap_check green on every pmap");

	pmap_destroy(a);
	pmap_destroy(b);
	pmap_destroy(c);
	pmap_destroy(d);
	vm_page_free(m);
	vm_page_free(m2);
	ok(free_pages() == free0, "every page back");
}

/*
 * Out of pages: enter reports the shortage at whichever level runs out,
 * create gives NULL, and the half-built tables are consistent and freed.
 */
static void
test_shortage(void)
{
	vm_page_t hog[1024], m;
	struct pmap *a;
	unsigned long free0, n, k;
	int rv;

	free0 = free_pages();
	m = page();
	for (k = 0; k < 4; k++) {
		a = pmap_create();
		for (n = 0; (hog[n] = vm_page_alloc(NULL, 0, VM_ALLOC_NOOBJ)) != NULL;
		    n++)
			;
		for (unsigned long j = 0; j < k; j++)	/* leave k pages */
			vm_page_free(hog[--n]);
		rv = pmap_enter(a, 0x40000000, VM_PROT_READ, m, VM_PROT_READ, false);
		ok(k < 3 ? rv == KERN_RESOURCE_SHORTAGE : rv == KERN_SUCCESS,
		    "shortage: enter with %lu free pages: %d, %lu table pages", k, rv,
		    pmap_ptpages(a));
		ok(check(a, "shortage"), "shortage: pmap_check green");
		if (k == 0)
			ok(pmap_create() == NULL, "shortage: create gives NULL");
		while (n > 0)
			vm_page_free(hog[--n]);
		pmap_remove(a, 0, (vm_offset_t)1 << 47);
		pmap_destroy(a);
	}
	vm_page_free(m);
	ok(free_pages() == free0, "shortage: every page back");
}

/*
 * Differential test: seeded random enter/remove/protect/activate and
 * guest accesses through the MMU on two pmaps and two CPUs, against a
 * plain array of what each page should map; pmap_extract, pmap_prot and
 * pmap_check must agree after every step, and every access the
 * reference allows must complete.
 */
#define EXPECT_PROT(p)	(p)
#define SET_TRAP(c, p)	((void)(c), (void)(p))
#define RND_NPAGES	24
#define RND_STEPS	3000

static vm_offset_t
rnd_va(int i)
{
	if (i < 16)
		return (0x10000 + ptoa(i));
	if (i < 20)
		return (0x3fe000 + ptoa(i - 16));	/* across 4 MiB */
	return (0x1fe000 + ptoa(i - 20));		/* across 2 MiB */
}

static vm_prot_t
rnd_expect(vm_prot_t prot)
{
	return (EXPECT_PROT(prot));
}

static void
test_random(void)
{
	struct { vm_paddr_t pa; vm_prot_t prot; } ref[2][RND_NPAGES];
	struct pmap *pm2[2];
	vm_page_t pages[8];
	struct prng r;
	unsigned long free0;
	int step, i, k, bad = 0, badacc = 0, checks_bad = 0, nacc = 0;

	free0 = free_pages();
	prng_seed(&r, 2010);
	memset(ref, 0, sizeof(ref));
	for (i = 0; i < 8; i++)
		pages[i] = page();
	pm2[0] = pmap_create();
	pm2[1] = pmap_create();
	for (i = 0; i < NCPU; i++) {
		pmap_activate(pm2[i], &cpus[i]);
		SET_TRAP(i, pm2[i]);
	}
	for (step = 0; step < RND_STEPS; step++) {
		int w = (int)prng_below(&r, 2);
		int a = (int)prng_below(&r, RND_NPAGES);
		int b = a + (int)prng_below(&r, 4);
		vm_prot_t prot = (vm_prot_t)(VM_PROT_READ |
		    (prng_below(&r, 2) ? VM_PROT_WRITE : 0) |
		    (prng_below(&r, 2) ? VM_PROT_EXECUTE : 0));
		int c = (int)prng_below(&r, NCPU);
		struct pmap *cur;

		b = MIN(b, RND_NPAGES - 1);
		switch (prng_below(&r, 6)) {
		case 0:
		case 1: {
			vm_page_t m = pages[prng_below(&r, 8)];
			vm_prot_t acc = (prot & VM_PROT_WRITE) &&
			    prng_below(&r, 2) ? VM_PROT_WRITE : VM_PROT_READ;

			if (pmap_enter(pm2[w], rnd_va(a), acc, m, prot,
			    prng_below(&r, 4) == 0) != KERN_SUCCESS)
				bad++;
			ref[w][a].pa = m->phys_addr;
			ref[w][a].prot = rnd_expect(prot);
			break;
		}
		case 2:
			pmap_remove(pm2[w], rnd_va(a), rnd_va(a) + PAGE_SIZE);
			ref[w][a].pa = 0;
			ref[w][a].prot = VM_PROT_NONE;
			break;
		case 3:
			/* Only a contiguous run of slots is one VA range. */
			if (rnd_va(b) - rnd_va(a) != ptoa(b - a))
				b = a;
			pmap_protect(pm2[w], rnd_va(a), rnd_va(b) + PAGE_SIZE, prot);
			for (k = a; k <= b; k++)
				if (ref[w][k].pa != 0)
					ref[w][k].prot &= rnd_expect(prot);
			break;
		case 4:
			pmap_activate(pm2[w], &cpus[c]);
			SET_TRAP(c, pm2[w]);
			break;
		case 5: {
			enum mmu_access_kind kind;

			cur = pmap_pcpu[c].pc_active;
			k = cur == pm2[0] ? 0 : 1;
			if (ref[k][a].pa == 0)
				break;
			kind = (ref[k][a].prot & VM_PROT_WRITE) && prng_below(&r, 2) ?
			    MMU_STORE : MMU_LOAD;
			nacc++;
			if (mmu_access(&cpus[c], rnd_va(a) + 8, 4, kind) != 0 ||
			    cpus[c].utlb[kind][((rnd_va(a) + 8) >> PAGE_SHIFT) % MMU_UTLB_SLOTS].pa_page != ref[k][a].pa)
				badacc++;
			break;
		}
		}
		for (k = 0; k < 2; k++) {
			for (i = 0; i < RND_NPAGES; i++) {
				if (pmap_extract(pm2[k], rnd_va(i)) != ref[k][i].pa ||
				    pmap_prot(pm2[k], rnd_va(i)) != ref[k][i].prot)
					bad++;
			}
			if (!check(pm2[k], "random"))
				checks_bad++;
		}
	}
	ok(bad == 0, "random: %d steps, tables always as the reference (%d bad)",
	    RND_STEPS, bad);
	ok(badacc == 0 && nacc > RND_STEPS / 20, "random: every allowed access "
	    "(%d) reached the right frame (%d bad)", nacc, badacc);
	ok(checks_bad == 0, "random: pmap_check always green (%d bad)", checks_bad);
	for (k = 0; k < 2; k++) {
		pmap_remove(pm2[k], 0, 0x80000000);
		pmap_destroy(pm2[k]);
	}
	for (i = 0; i < NCPU; i++)
		SET_TRAP(i, NULL);
	for (i = 0; i < 8; i++)
		vm_page_free(pages[i]);
	ok(free_pages() == free0, "random: every page back");
}

/* pmap_extract_and_hold, pmap_change_wiring, pmap_wired_count. */
static void
test_hold_wiring(void)
{
	struct pmap *a;
	vm_page_t m, h;
	const vm_offset_t va = 0x10000;

	a = pmap_create();
	m = page();
	vm_page_activate(m);
	ok(pmap_enter(a, va, VM_PROT_WRITE, m, VM_PROT_READ | VM_PROT_WRITE,
	    false) == KERN_SUCCESS && pmap_wired_count(a) == 0,
	    "hold/wiring: an unwired RW mapping");
	pmap_change_wiring(a, va, true);
	pmap_change_wiring(a, va, true);
	ok(pmap_wired_count(a) == 1 && check(a, "change_wiring on"),
	    "change_wiring: wired once, tables agree");
	pmap_change_wiring(a, va, false);
	pmap_change_wiring(a, va + PAGE_SIZE, true);	/* no mapping: no-op */
	ok(pmap_wired_count(a) == 0 && check(a, "change_wiring off"),
	    "change_wiring: unwired; an unmapped va is left alone");
	h = pmap_extract_and_hold(a, va + 5, VM_PROT_READ | VM_PROT_WRITE);
	ok(h == m && m->hold_count == 1, "extract_and_hold: the page, held");
	vm_page_unhold(m);
	pmap_protect(a, va, va + PAGE_SIZE, VM_PROT_READ);
	ok(pmap_extract_and_hold(a, va, VM_PROT_WRITE) == NULL &&
	    m->hold_count == 0 && pmap_extract_and_hold(a, va, VM_PROT_READ) == m &&
	    m->hold_count == 1, "extract_and_hold: write refused after "
	    "pmap_protect R; read granted");
	vm_page_unhold(m);
	ok(pmap_extract_and_hold(a, va + PAGE_SIZE, VM_PROT_READ) == NULL,
	    "extract_and_hold: an unmapped va gives NULL");
	pmap_enter(a, va, VM_PROT_READ, m, VM_PROT_READ, true);
	ok(pmap_wired_count(a) == 1, "enter wired: counted");
	pmap_remove(a, va, va + PAGE_SIZE);
	ok(pmap_wired_count(a) == 0 && check(a, "remove wired"),
	    "remove of a wired mapping: count back to 0");
	pmap_destroy(a);
	vm_page_free(m);
}

/* The pv lists: every mapping of a page is found from the page. */
static void
test_pv(void)
{
	struct pmap *a, *b;
	struct walk_result r;
	vm_page_t m;
	const vm_offset_t va = 0x10000, vb = 0x7000000;
	char msg[200];

	a = pmap_create();
	b = pmap_create();
	m = page();
	vm_page_activate(m);
	pmap_enter(a, va, VM_PROT_READ, m, VM_PROT_READ | VM_PROT_WRITE, false);
	pmap_enter(b, vb, VM_PROT_READ, m, VM_PROT_READ, false);
	ok(pmap_page_is_mapped(m) && m->md_pv != NULL &&
	    m->md_pv->pv_next != NULL && m->md_pv->pv_next->pv_next == NULL &&
	    vm_page_check(msg, sizeof(msg)) == 0 && check(a, "pv a") &&
	    check(b, "pv b"), "pv: two mappings on the page's list, checkers agree");
	ok(!pmap_is_modified(m), "pv: not modified before a store");
	ok(pmap_ts_referenced(m) == 2 && pmap_ts_referenced(m) == 0,
	    "pv: ts_referenced counts both new mappings once, then none");
	pmap_activate(a, &cpus[0]);
	ok(walk(0, va, WALK_WRITE, &r) == 0 && pmap_is_modified(m),
	    "pv: a store through a (the walker sets M) makes it modified");
	ok(pmap_ts_referenced(m) == 1 && pmap_ts_referenced(m) == 0,
	    "pv: the walker's A bit counts as a reference, cleared after");
	pmap_clear_modify(m);
	ok(!pmap_is_modified(m) && m->dirty, "pv: clear_modify clears M, the "
	    "page keeps the dirtiness");
	pmap_enter(a, va, VM_PROT_READ, m, VM_PROT_READ, false);
	ok(m->md_pv != NULL && m->md_pv->pv_next != NULL &&
	    m->md_pv->pv_next->pv_next == NULL && check(a, "re-enter"),
	    "pv: re-entering the same mapping keeps one entry for it");

	pmap_remove_all(m);
	ok(m->md_pv == NULL && !pmap_page_is_mapped(m) &&
	    pmap_extract(a, va) == 0 && pmap_extract(b, vb) == 0 &&
	    check(a, "remove_all a") && check(b, "remove_all b"),
	    "pv: pmap_remove_all unmaps the page from both pmaps");
	pmap_enter(a, va, VM_PROT_READ, m, VM_PROT_READ, false);
	vm_page_free(m);
	ok(pmap_extract(a, va) == 0 && check(a, "free while mapped"),
	    "pv: freeing a mapped page unmaps it first");
	pmap_destroy(a);
	pmap_destroy(b);
}

int
main(void)
{
	if (physmem_init(&pm, MEM_BYTES) != 0) {
		printf("Bail out! physmem_init\n");
		return (1);
	}
	machine_start();
	test_tables();
	test_pcid();
	test_shortage();
	test_random();
	test_hold_wiring();
	test_pv();
	physmem_fini(&pm);
	return (tap_done());
}
