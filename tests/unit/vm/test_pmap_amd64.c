/*
 * tests/unit/vm/test_pmap_amd64.c — the amd64 pmap (vm/amd64/pmap.c) on a
 * two-CPU machine with 4 MiB of memory: real 4-level tables that the
 * hardware walker (mmu/walk_amd64.c) reads, leaf rights (RW, NX, U), the
 * shootdown rules (INVLPG on CPUs where the pmap is active, stale PCID
 * flushed at the next activation elsewhere), lowest-free PCIDs, page-table
 * pages returned at destroy, and pmap_check.  On two and four CPUs: the
 * shootdown rendezvous (one event per operation, kinds page/range/all,
 * targets from pm_active, IPI events and cycles), --bug skip-shootdown
 * (the stale entry, its stale_tlb event, pmap_check's tolerance), the
 * kernel pmap (qenter/qremove, kextract, global entries, mmu_kaccess),
 * pmap_sync_icache (nothing on amd64) and memory attributes (PAT bits in
 * every PTE of the page, user and kernel, shootdowns with reason
 * "memattr", the MMU's cost model for UC, UC-, WC and WT through CPUs
 * with caches, WB restored, pmap_zero_page of an uncached page,
 * fictitious pages).
 */
#include <stdlib.h>
#include <string.h>

#include "mmu/cost.h"
#include "mmu/mmu.h"
#include "mmu/physmem.h"
#include "sim/base/event.h"
#include "sim/base/prng.h"
#include "tests/tap.h"
#include "vm/pmap.h"
#include "vm/pmap_md.h"
#include "vm/vm_page.h"

#define MEM_BYTES	(4u << 20)
#define NCPU		2	/* the first tests' machine */
#define MAXCPU		4
#define PG_W_SW		0x200ull	/* the wired bit, as in vm/amd64/pmap.c */

static struct physmem pm;
static struct cost_table cost;
static struct prng prng;
static struct mmu_cpu cpus[MAXCPU];
static struct mmu_cpu *cpup[MAXCPU] = { &cpus[0], &cpus[1], &cpus[2], &cpus[3] };
static int ncpu = NCPU;

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
		.arch = ARCH_AMD64, .pm = &pm, .cpus = cpup, .ncpus = ncpu,
	};
	int i;

	cost_defaults(&cost, ARCH_AMD64);
	prng_seed(&prng, 7);
	for (i = 0; i < ncpu; i++) {
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

/* ---- SMP ---- */

/* The events of the last window (sink). */
static int evn[EV_KIND_COUNT];
static struct event evlast[EV_KIND_COUNT];
static char evlog[4096];

static void
ev_record(void *ctx, const struct event *ev)
{
	size_t n = strlen(evlog);

	(void)ctx;
	evn[ev->kind]++;
	evlast[ev->kind] = *ev;
	snprintf(evlog + n, sizeof(evlog) - n, "%s/%s cpu%d va=%#llx %s\n",
	    ev_kind_name(ev->kind), ev->type != NULL ? ev->type : "-", ev->cpu,
	    (unsigned long long)ev->va, ev->detail);
}

static void
ev_clear(void)
{
	memset(evn, 0, sizeof(evn));
	evlog[0] = '\0';
}

/* The machine again, with n CPUs; the kernel runs on cpu 0. */
static void
smp_start(int n)
{
	static const struct event_sink sink = { ev_record, NULL };

	ncpu = n;
	machine_start();
	event_sinks_clear();
	event_sink_add(&sink);
	event_context()->cpu = 0;
	ev_clear();
}

/* Touch va on cpu c (read, or write): fills its TLB, sets A (and M). */
static bool
touch(int c, vm_offset_t va, bool write)
{
	return (mmu_access(&cpus[c], va, 4, write ? MMU_STORE : MMU_LOAD) == 0);
}

static bool
tlb_has(int c, vm_offset_t va, uint16_t pcid)
{
	return (tlb_amd64_lookup(&cpus[c].tlb_amd64, va, pcid) != NULL);
}

/* Acceptance 1 on amd64, and targeting on 2 and 4 CPUs. */
static void
test_shootdown(void)
{
	struct pmap *a, *b;
	vm_page_t m[40];
	uint64_t c0, c1;
	const char *old;
	int i;

	smp_start(2);
	a = pmap_create();
	b = pmap_create();
	for (i = 0; i < 40; i++)
		m[i] = page();
	pmap_activate(a, &cpus[0]);
	pmap_activate(b, &cpus[1]);
	for (i = 0; i < 3; i++) {
		pmap_enter(a, 0x10000 + ptoa(i), VM_PROT_READ, m[i],
		    VM_PROT_READ | VM_PROT_WRITE, false);
		touch(0, 0x10000 + ptoa(i), false);
	}
	ok(evn[EV_SHOOTDOWN] == 0, "sd: fresh entries need no shootdown");
	old = pmap_reason_set("munmap");
	ok(strcmp(old, "other") == 0 && strcmp(pmap_reason(), "munmap") == 0,
	    "sd: reason set, the default was \"other\"");
	c0 = cpus[0].cycles;
	pmap_remove(a, 0x10000, 0x13000);
	ok(evn[EV_SHOOTDOWN] == 1 && evn[EV_IPI] == 0 &&
	    strcmp(evlast[EV_SHOOTDOWN].type, "munmap") == 0 &&
	    evlast[EV_SHOOTDOWN].va == 0x10000 && strcmp(evlast[EV_SHOOTDOWN].detail,
	    "range end=0x13000 targets=0x0") == 0 && evlast[EV_SHOOTDOWN].cpu == 0,
	    "sd: 2 CPUs, process on cpu0 only, munmap of 3 pages: one range "
	    "shootdown, targets=0x0, no IPI");
	ok(cpus[0].cycles == c0 && !tlb_has(0, 0x10000, pcid_of(a)) &&
	    !tlb_has(0, 0x12000, pcid_of(a)), "sd: no IPI cycles; cpu0's entries gone");

	/* Threads on both CPUs: cpu1 is a target. */
	pmap_activate(a, &cpus[1]);
	for (i = 0; i < 3; i++) {
		pmap_enter(a, 0x10000 + ptoa(i), VM_PROT_READ, m[i],
		    VM_PROT_READ | VM_PROT_WRITE, false);
		touch(0, 0x10000 + ptoa(i), false);
		touch(1, 0x10000 + ptoa(i), false);
	}
	ev_clear();
	c0 = cpus[0].cycles;
	c1 = cpus[1].cycles;
	pmap_remove(a, 0x10000, 0x13000);
	ok(evn[EV_SHOOTDOWN] == 1 && evn[EV_IPI] == 1 &&
	    strstr(evlast[EV_SHOOTDOWN].detail, "targets=0x2") != NULL &&
	    strcmp(evlast[EV_IPI].detail, "to=1") == 0 &&
	    strcmp(evlast[EV_IPI].type, "munmap") == 0,
	    "sd: threads on both CPUs: targets=0x2, one IPI to cpu1");
	ok(cpus[0].cycles - c0 == cost.ipi_send && cpus[1].cycles - c1 == cost.ipi_recv,
	    "sd: initiator charged ipi_send (%u), target ipi_recv (%u)",
	    cost.ipi_send, cost.ipi_recv);
	ok(!tlb_has(1, 0x10000, pcid_of(a)) && !tlb_has(1, 0x11000, pcid_of(a)) &&
	    !tlb_has(1, 0x12000, pcid_of(a)) && check(a, "sd both"),
	    "sd: cpu1's entries are gone too");

	/* One page: kind page (a COW replacement). */
	pmap_enter(a, 0x20000, VM_PROT_READ, m[0], VM_PROT_READ, false);
	touch(1, 0x20000, false);
	ev_clear();
	pmap_reason_set("cow");
	pmap_enter(a, 0x20000, VM_PROT_WRITE, m[1], VM_PROT_READ | VM_PROT_WRITE, false);
	ok(evn[EV_SHOOTDOWN] == 1 && strcmp(evlast[EV_SHOOTDOWN].detail,
	    "page end=0x21000 targets=0x2") == 0 &&
	    strcmp(evlast[EV_SHOOTDOWN].type, "cow") == 0 &&
	    !tlb_has(1, 0x20000, pcid_of(a)), "sd: a COW replacement: one page shootdown");
	ev_clear();
	pmap_enter(a, 0x20000, VM_PROT_READ, m[1], VM_PROT_READ | VM_PROT_WRITE, false);
	ok(evn[EV_SHOOTDOWN] == 0, "sd: re-entering the same frame needs none");
	pmap_remove(a, 0x20000, 0x21000);

	/* More than PMAP_SD_MAXPAGES pages: kind all (a PCID flush). */
	pmap_reason_set("mprotect");
	for (i = 0; i < 40; i++) {
		pmap_enter(a, 0x100000 + ptoa(i), VM_PROT_READ, m[i],
		    VM_PROT_READ | VM_PROT_WRITE, false);
		touch(0, 0x100000 + ptoa(i), true);
	}
	ev_clear();
	pmap_protect(a, 0x100000, 0x100000 + ptoa(40), VM_PROT_READ);
	ok(evn[EV_SHOOTDOWN] == 1 && strncmp(evlast[EV_SHOOTDOWN].detail, "all ", 4) == 0 &&
	    !tlb_has(0, 0x100000, pcid_of(a)) && check(a, "sd all"),
	    "sd: protect of 40 touched pages: one shootdown of kind all (%s)",
	    evlast[EV_SHOOTDOWN].detail);
	ev_clear();
	pmap_protect(a, 0x200000, 0x300000, VM_PROT_READ);
	pmap_remove(a, 0x100000 + ptoa(38), 0x100000 + ptoa(40));
	for (i = 0; i < 38; i++)
		pmap_change_wiring(a, 0x100000 + ptoa(i), false);
	ok(evn[EV_SHOOTDOWN] == 1, "sd: nothing mapped, nothing logged; untouched... "
	    "(%d)", evn[EV_SHOOTDOWN]);
	/* Pages never accessed (no PG_A) cannot be cached: no shootdown. */
	pmap_enter(a, 0x300000, VM_PROT_READ, m[0], VM_PROT_READ, false);
	ev_clear();
	pmap_remove(a, 0x300000, 0x301000);
	ok(evn[EV_SHOOTDOWN] == 0, "sd: a PTE without PG_A is removed without shootdown");
	pmap_reason_set(old);
	pmap_remove(a, 0, (vm_offset_t)1 << 47);
	pmap_destroy(a);
	pmap_destroy(b);
	for (i = 0; i < 40; i++)
		vm_page_free(m[i]);

	/* Four CPUs: targets are the CPUs in pm_active, less the initiator. */
	smp_start(4);
	a = pmap_create();
	b = pmap_create();
	m[0] = page();
	pmap_activate(a, &cpus[0]);
	pmap_activate(a, &cpus[2]);
	pmap_activate(b, &cpus[1]);
	pmap_activate(b, &cpus[3]);
	pmap_enter(a, 0x5000, VM_PROT_READ, m[0], VM_PROT_READ, false);
	touch(2, 0x5000, false);
	ev_clear();
	pmap_remove(a, 0x5000, 0x6000);
	ok(evn[EV_SHOOTDOWN] == 1 && evn[EV_IPI] == 1 &&
	    strstr(evlast[EV_SHOOTDOWN].detail, "targets=0x4") != NULL &&
	    strcmp(evlast[EV_IPI].detail, "to=2") == 0 && !tlb_has(2, 0x5000, pcid_of(a)),
	    "4 CPUs: a on cpus 0 and 2, from cpu0: targets=0x4 (%s)",
	    evlast[EV_SHOOTDOWN].detail);
	pmap_enter(a, 0x5000, VM_PROT_READ, m[0], VM_PROT_READ, false);
	touch(0, 0x5000, false);
	touch(2, 0x5000, false);
	event_context()->cpu = 3;	/* the kernel on cpu3 (runs b) */
	ev_clear();
	pmap_remove(a, 0x5000, 0x6000);
	ok(evn[EV_SHOOTDOWN] == 1 && evn[EV_IPI] == 2 && evlast[EV_SHOOTDOWN].cpu == 3 &&
	    strstr(evlast[EV_SHOOTDOWN].detail, "targets=0x5") != NULL,
	    "4 CPUs: from cpu3 (not running a): targets=0x5, two IPIs");
	/* A CPU that ran a earlier is marked stale, not interrupted. */
	pmap_activate(b, &cpus[2]);
	pmap_enter(a, 0x5000, VM_PROT_READ, m[0], VM_PROT_READ, false);
	touch(0, 0x5000, false);
	event_context()->cpu = 0;
	ev_clear();
	pmap_remove(a, 0x5000, 0x6000);
	ok(evn[EV_IPI] == 0 && strstr(evlast[EV_SHOOTDOWN].detail, "targets=0x0") &&
	    (a->pm_md.amd64.pm_stale & 0x4) != 0,
	    "4 CPUs: cpu2 left a: no IPI, PCID flush deferred (pm_stale)");
	pmap_activate(b, &cpus[0]);
	ev_clear();
	pmap_enter(a, 0x5000, VM_PROT_READ, m[0], VM_PROT_READ, false);
	pmap_remove(a, 0x5000, 0x6000);
	ok(evn[EV_SHOOTDOWN] == 0, "4 CPUs: a active nowhere: nothing logged");
	pmap_destroy(a);
	pmap_destroy(b);
	vm_page_free(m[0]);
}

/* Acceptance 2 (the pmap half): --bug skip-shootdown. */
static void
test_skip(void)
{
	struct pmap *a;
	vm_page_t m1, m2;
	struct tlb_amd64_entry *e;
	char msg[240];

	smp_start(2);
	a = pmap_create();
	m1 = page();
	m2 = page();
	pmap_activate(a, &cpus[0]);
	pmap_activate(a, &cpus[1]);
	pmap_enter(a, 0x40000, VM_PROT_READ, m1, VM_PROT_READ | VM_PROT_WRITE, false);
	touch(0, 0x40000, false);
	touch(1, 0x40000, false);
	pmap_set_skip_shootdown(true);
	ok(pmap_skip_shootdown(), "skip: knob on");
	ev_clear();
	pmap_reason_set("munmap");
	pmap_remove(a, 0x40000, 0x41000);
	pmap_reason_set("other");
	pmap_enter(a, 0x40000, VM_PROT_READ, m2, VM_PROT_READ | VM_PROT_WRITE, false);
	ok(evn[EV_SHOOTDOWN] == 1 && evn[EV_IPI] == 0 &&
	    strstr(evlast[EV_SHOOTDOWN].detail, "targets=0x2 skipped") != NULL,
	    "skip: the shootdown is logged as skipped, no IPI");
	ok(!tlb_has(0, 0x40000, pcid_of(a)) &&
	    (e = tlb_amd64_lookup(&cpus[1].tlb_amd64, 0x40000, pcid_of(a))) != NULL &&
	    ptoa(e->pfn) == m1->phys_addr, "skip: cpu0 invalidated, cpu1 still maps the old frame");
	ok(cpus[1].nstale == 1 && mmu_stale_watched(&cpus[1], 0x40000, pcid_of(a),
	    m1->phys_addr), "skip: cpu1 watches the page");
	ok(check(a, "skip"), "skip: pmap_check tolerates the stale remote entry");
	ev_clear();
	ok(touch(1, 0x40008, false) && evn[EV_STALE_TLB] == 1 &&
	    evlast[EV_STALE_TLB].cpu == 0 && evlast[EV_STALE_TLB].pa ==
	    (m1->phys_addr | 8) && evlast[EV_STALE_TLB].va == 0x40008,
	    "skip: cpu1's access goes through the stale entry: stale_tlb, pa = old frame");
	snprintf(msg, sizeof(msg), "tables: frame %#llx",
	    (unsigned long long)m2->phys_addr);
	ok(strstr(evlast[EV_STALE_TLB].detail, "cpu1 TLB[") != NULL &&
	    strstr(evlast[EV_STALE_TLB].detail, msg) != NULL,
	    "skip: the detail names the CPU, the entry and the frame (%s)",
	    evlast[EV_STALE_TLB].detail);
	ok(touch(1, 0x40010, false) && evn[EV_STALE_TLB] == 1,
	    "skip: reported once per stale entry");
	ok(touch(0, 0x40000, false) && evn[EV_STALE_TLB] == 1,
	    "skip: cpu0 sees the new frame, no report");
	/* Exactly those entries: another disagreement is still caught. */
	tlb_amd64_insert(&cpus[1].tlb_amd64, 0x90000, pcid_of(a),
	    m1->phys_addr >> PAGE_SHIFT, PG_RW | PG_U);
	ok(pmap_check(a, msg, sizeof(msg)) == -1, "skip: an unrelated bad entry "
	    "is not tolerated");
	tlb_amd64_invlpg(&cpus[1].tlb_amd64, 0x90000, pcid_of(a));
	/* A later shootdown without the knob clears the stale entry. */
	pmap_set_skip_shootdown(false);
	pmap_remove(a, 0x40000, 0x41000);
	ok(!tlb_has(1, 0x40000, pcid_of(a)) && cpus[1].nstale == 0 && check(a, "unskip"),
	    "skip: knob off: the next shootdown reaches cpu1, the watch empties");
	pmap_destroy(a);
	vm_page_free(m1);
	vm_page_free(m2);
}

/* The kernel pmap: qenter/qremove, kextract, mmu_kaccess, sync_icache. */
static void
test_kernel(void)
{
	struct pmap *a, *b;
	vm_page_t ks[2], m;
	vm_offset_t kva;
	vm_paddr_t pa;
	struct walk_result r;
	int i;

	smp_start(4);
	ok(pmap_kva_min == 0xfffffe0000000000ull && pmap_kva_max ==
	    0xfffffe8000000000ull, "kernel: KVA is PML4 slot 508");
	a = pmap_create();
	ok(check(a, "before kernel"), "kernel: a pmap made before the kernel tables");
	kva = pmap_kva_min + ptoa(16);
	pmap_align_tlb(&kva);
	ok(kva == pmap_kva_min + ptoa(16), "kernel: pmap_align_tlb is a no-op");
	ks[0] = page();
	ks[1] = page();
	ev_clear();
	pmap_qenter(kva, ks, 2);
	ok(evn[EV_SHOOTDOWN] == 0, "kernel: qenter of fresh KVA: no shootdown");
	ok(pmap_kextract(kva + 5) == (ks[0]->phys_addr | 5) &&
	    pmap_kextract(kva + PAGE_SIZE) == ks[1]->phys_addr &&
	    pmap_kextract(kva - PAGE_SIZE) == 0 && pmap_kextract(0x1000) == 0,
	    "kernel: kextract");
	b = pmap_create();
	ok(check(a, "kernel a") && check(b, "kernel b") &&
	    physmem_ld64le(&pm, a->pm_root->phys_addr + 508 * 8) ==
	    physmem_ld64le(&pm, b->pm_root->phys_addr + 508 * 8) &&
	    (physmem_ld64le(&pm, b->pm_root->phys_addr + 508 * 8) & PG_U) == 0,
	    "kernel: old and new pmaps share the slot, without PG_U");
	ok(walk_amd64(&pm, a->pm_root->phys_addr, kva, WALK_WRITE, true, &r) == -1 &&
	    walk_amd64(&pm, a->pm_root->phys_addr, kva, WALK_WRITE, false, &r) == 0 &&
	    (r.flags & PG_G) && (r.flags & PG_NX) && r.pa == ks[0]->phys_addr,
	    "kernel: supervisor-only, global, no-execute leaf");

	/* mmu_kaccess: walk and fill, then hit; a guard page is not mapped. */
	pmap_activate(a, &cpus[1]);
	memset(&cpus[1].c, 0, sizeof(cpus[1].c));
	ok(mmu_kaccess(&cpus[1], kva + 2 * PAGE_SIZE - 64, 64, true, &pa) == MMU_KA_OK &&
	    pa == (ks[1]->phys_addr | (PAGE_SIZE - 64)) && cpus[1].c[CTR_WALKS] == 1 &&
	    cpus[1].c[CTR_STORES] >= 1, "kaccess: a trapframe store walks, fills, "
	    "gives the frame");
	ok(mmu_kaccess(&cpus[1], kva + PAGE_SIZE - 16, 32, false, &pa) == MMU_KA_OK &&
	    pa == (ks[0]->phys_addr | (PAGE_SIZE - 16)) && cpus[1].c[CTR_WALKS] == 2,
	    "kaccess: an access across the two pages");
	ok(mmu_kaccess(&cpus[1], kva + 8, 8, false, &pa) == MMU_KA_OK &&
	    cpus[1].c[CTR_WALKS] == 2, "kaccess: then a TLB hit");
	ok(mmu_kaccess(&cpus[1], kva - 8, 8, true, &pa) == MMU_KA_NOT_MAPPED,
	    "kaccess: the guard page below: MMU_KA_NOT_MAPPED");
	ok(mmu_kaccess(&cpus[2], kva, 8, true, &pa) == MMU_KA_NOT_MAPPED,
	    "kaccess: a CPU without CR3: MMU_KA_NOT_MAPPED");
	/* Global entries survive a CR3 switch. */
	pmap_activate(b, &cpus[1]);
	ok(tlb_amd64_lookup(&cpus[1].tlb_amd64, kva, pcid_of(b)) != NULL,
	    "kernel: the global entry serves the next PCID too");
	ok(mmu_access(&cpus[0], kva, 4, MMU_LOAD) != 0,
	    "kernel: a user access to the kernel stack is refused");

	/* qremove: one range shootdown on every CPU, reason "kernel". */
	ev_clear();
	pmap_qremove(kva, 2);
	ok(evn[EV_SHOOTDOWN] == 1 && evn[EV_IPI] == 3 &&
	    strcmp(evlast[EV_SHOOTDOWN].type, "kernel") == 0 &&
	    strcmp(evlast[EV_SHOOTDOWN].detail, "range end=0xfffffe0000012000 "
	    "targets=0xe") == 0, "kernel: qremove: one range shootdown to all "
	    "other CPUs (%s)", evlast[EV_SHOOTDOWN].detail);
	ok(tlb_amd64_lookup(&cpus[1].tlb_amd64, kva, pcid_of(b)) == NULL &&
	    pmap_kextract(kva) == 0 && mmu_kaccess(&cpus[1], kva, 8, false, &pa) ==
	    MMU_KA_NOT_MAPPED, "kernel: gone from cpu1's TLB and the tables");
	pmap_kenter(kva, ks[0]->phys_addr);
	ok(pmap_kextract(kva) == ks[0]->phys_addr, "kernel: kenter");
	pmap_kremove(kva);
	ok(pmap_kextract(kva) == 0, "kernel: kremove");

	/* pmap_sync_icache: coherent, nothing logged. */
	m = page();
	pmap_enter(a, 0x400000, VM_PROT_READ, m, VM_PROT_ALL, false);
	ev_clear();
	pmap_sync_icache(a, 0x400000, 8);
	ok(evn[EV_ICACHE_SYNC] == 0 && cpus[0].c[CTR_ICACHE_SYNCS] == 0,
	    "sync_icache: amd64 logs nothing");
	pmap_kstack_switch(&cpus[0], kva);
	pmap_pcpu_set(&cpus[0], kva);
	ok(pmap_mips_wired_needed(1) == 1 && pmap_mips_wired_needed(4) == 2,
	    "wired_needed: 1 on UP, 2 on SMP");
	pmap_remove(a, 0x400000, 0x401000);
	pmap_destroy(a);
	pmap_destroy(b);
	for (i = 0; i < 2; i++)
		vm_page_free(ks[i]);
	vm_page_free(m);
}

/* ---- memory attributes ---- */

static const struct cache_geom mt_l1 = { 4096, 4, 64, CACHE_LRU };
static const struct cache_geom mt_l2 = { 16384, 4, 64, CACHE_LRU };

/* The physical address of va's leaf PTE under the PML4 at root (0: a
 * table is missing). */
static vm_paddr_t
pte_pa(vm_paddr_t root, vm_offset_t va)
{
	vm_paddr_t t = root;
	uint64_t e;
	int l;

	for (l = 3; l > 0; l--) {
		e = physmem_ld64le(&pm, t + ((va >> (12 + 9 * l)) & 511) * 8);
		if ((e & PG_V) == 0)
			return (0);
		t = e & PG_FRAME;
	}
	return (t + ((va >> 12) & 511) * 8);
}

/* va's leaf PTE in pmap (0: none). */
static uint64_t
pte_of(struct pmap *pmap, vm_offset_t va)
{
	vm_paddr_t p = pte_pa(pmap->pm_root->phys_addr, va);

	return (p != 0 ? physmem_ld64le(&pm, p) : 0);
}

static vm_paddr_t
kva_pte_pa(vm_offset_t va)
{
	return (pte_pa(kernel_pmap->pm_root->phys_addr, va));
}

static bool
in_utlb_amd64(int c, vm_offset_t va, enum mmu_access_kind k)
{
	const struct mmu_utlb *u = &cpus[c].utlb[k][(va >> PAGE_SHIFT) &
	    (MMU_UTLB_SLOTS - 1)];

	return (u->vpn == va >> PAGE_SHIFT && u->gen == *cpus[c].tlb_gen);
}

static uint64_t
ctr(int c, enum mmu_ctr i)
{
	uint64_t v[MMU_NCTR];

	mmu_counters_read(&cpus[c], v);
	return (v[i]);
}

/* The PAT layout of vm/amd64/pmap.c, per vm_memattr_t. */
static const uint64_t mt_bits[VM_MEMATTR_COUNT] = {
	[VM_MEMATTR_WRITE_BACK] = 0,
	[VM_MEMATTR_WRITE_THROUGH] = PG_PWT,
	[VM_MEMATTR_WRITE_COMBINING] = PG_PTE_PAT | PG_PCD,
	[VM_MEMATTR_UNCACHEABLE] = PG_PCD | PG_PWT,
	[VM_MEMATTR_UNCACHED] = PG_PCD,
};

static void
test_memattr(void)
{
	struct pmap *a, *b;
	vm_page_t m, k;
	struct vm_page fict;
	struct tlb_amd64_entry *e;
	vm_offset_t va = 0x400000, vb = 0x800000, kva;
	struct walk_result r_mt;
	vm_paddr_t pa;
	uint64_t l1, l2, unc, wc, cyc;
	bool good, dirty;
	int ka;
	int c, i;

	smp_start(2);
	for (c = 0; c < 2; c++)
		ok(mmu_cpu_caches(&cpus[c], &mt_l1, &mt_l1, &mt_l2, NULL) == 0,
		    "memattr: cpu%d caches", c);
	a = pmap_create();
	b = pmap_create();
	pmap_activate(a, &cpus[0]);
	pmap_activate(b, &cpus[1]);
	m = page();
	vm_page_activate(m);
	vm_page_activate(k = page());
	ok(pmap_page_get_memattr(m) == VM_MEMATTR_WRITE_BACK,
	    "memattr: a page starts write-back");
	pmap_enter(a, va, VM_PROT_WRITE, m, VM_PROT_READ | VM_PROT_WRITE, false);
	pmap_enter(b, vb, VM_PROT_READ, m, VM_PROT_READ, false);
	ok((pte_of(a, va) & PG_CACHE_BITS) == 0 && touch(0, va, true) &&
	    touch(1, vb, false) && in_utlb_amd64(0, va, MMU_STORE) &&
	    cache_probe(&cpus[0].l1d, m->phys_addr, &dirty, NULL) && dirty,
	    "memattr: WB: cached (a dirty line), fast path");

	/* Each attribute: the PTEs, the shootdowns, the TLBs, the model. */
	good = true;
	for (i = VM_MEMATTR_COUNT - 1; i >= 0; i--) {
		vm_memattr_t ma = (vm_memattr_t)i;

		ev_clear();
		pmap_page_set_memattr(m, ma);
		good &= pmap_page_get_memattr(m) == ma && m->memattr == ma;
		good &= (pte_of(a, va) & PG_CACHE_BITS) == mt_bits[ma] &&
		    (pte_of(b, vb) & PG_CACHE_BITS) == mt_bits[ma];
		good &= check(a, "memattr a") && check(b, "memattr b");
		if (!good)
			printf("# memattr %s: PTEs %#llx %#llx\n", vm_memattr_name(ma),
			    (unsigned long long)pte_of(a, va),
			    (unsigned long long)pte_of(b, vb));
		/* Both mappings were accessed: two page shootdowns, the one
		 * of b (active on cpu1) with an IPI. */
		good &= evn[EV_SHOOTDOWN] == 2 && evn[EV_IPI] == 1 &&
		    strcmp(evlast[EV_SHOOTDOWN].type, "memattr") == 0;
		good &= !tlb_has(0, va, pcid_of(a)) && !tlb_has(1, vb, pcid_of(b));
		good &= !cache_probe(&cpus[0].l1d, m->phys_addr, NULL, NULL) &&
		    !cache_probe(cpus[0].l2, m->phys_addr, NULL, NULL) &&
		    !cache_probe(&cpus[1].l1d, m->phys_addr, NULL, NULL);
		/* The walk fills the TLB with the cache bits. */
		good &= touch(0, va, true) && touch(1, vb, false);
		e = tlb_amd64_lookup(&cpus[0].tlb_amd64, va, pcid_of(a));
		good &= e != NULL && (e->flags & PG_CACHE_BITS) == mt_bits[ma];
		good &= mmu_memtype_amd64(&cpus[0], e != NULL ? e->flags : 0) ==
		    (ma == VM_MEMATTR_WRITE_BACK ? MMU_MT_WB :
		    ma == VM_MEMATTR_WRITE_THROUGH ? MMU_MT_WT :
		    ma == VM_MEMATTR_WRITE_COMBINING ? MMU_MT_WC : MMU_MT_UC);
		if (!good) {
			printf("# memattr %s failed: %s", vm_memattr_name(ma), evlog);
			break;
		}
	}
	ok(good, "memattr: UC-, UC, WC, WT, WB in turn: both PTEs show the PAT "
	    "bits, one memattr shootdown per accessed mapping, old entries "
	    "invalidated, lines purged, the walk fills entries with the bits");

	/* UC: each access costs cost.mem, no L1/L2 hit, no line. */
	pmap_page_set_memattr(m, VM_MEMATTR_UNCACHEABLE);
	(void)touch(0, va, false);		/* walk: fill the TLB */
	l1 = ctr(0, CTR_L1D_ACCESSES);
	l2 = ctr(0, CTR_L2_ACCESSES);
	unc = ctr(0, CTR_UNCACHED);
	cyc = cpus[0].cycles;
	for (i = 0; i < 10; i++)
		(void)touch(0, va + 4 * (vm_offset_t)i, i & 1);
	ok(ctr(0, CTR_UNCACHED) == unc + 10 && ctr(0, CTR_L1D_ACCESSES) == l1 &&
	    ctr(0, CTR_L2_ACCESSES) == l2 && cpus[0].cycles - cyc ==
	    10 * (cost.mem + cost.tlb_hit) && !in_utlb_amd64(0, va, MMU_LOAD) &&
	    !cache_probe(&cpus[0].l1d, m->phys_addr, NULL, NULL) &&
	    !cache_probe(cpus[0].l2, m->phys_addr, NULL, NULL),
	    "UC: 10 accesses: 10 uncached, cost.mem each, no L1/L2 lookup or line");
	/* WC: stores merge. */
	pmap_page_set_memattr(m, VM_MEMATTR_WRITE_COMBINING);
	(void)touch(0, va, true);
	wc = ctr(0, CTR_WC);
	l1 = ctr(0, CTR_L1D_ACCESSES);
	cyc = cpus[0].cycles;
	for (i = 1; i < 16; i++)
		(void)touch(0, va + 4 * (vm_offset_t)i, true);
	ok(ctr(0, CTR_WC) == wc + 15 && ctr(0, CTR_L1D_ACCESSES) == l1 &&
	    cpus[0].cycles - cyc == 15 * (cost.l1_hit + cost.tlb_hit) &&
	    !cache_probe(&cpus[0].l1d, m->phys_addr, NULL, NULL),
	    "WC: stores to the open line merge; counted as wc; no line");
	/* WT: reads cached, stores through. */
	pmap_page_set_memattr(m, VM_MEMATTR_WRITE_THROUGH);
	(void)touch(0, va, false);
	cyc = cpus[0].cycles;
	(void)touch(0, va + 8, true);
	ok(cache_probe(&cpus[0].l1d, m->phys_addr, &dirty, NULL) && !dirty &&
	    cpus[0].cycles - cyc == cost.mem + cost.tlb_hit,
	    "WT: a load fills the line, a store leaves it clean and costs cost.mem");
	/* WB again. */
	pmap_page_set_memattr(m, VM_MEMATTR_WRITE_BACK);
	(void)touch(0, va, false);
	l1 = ctr(0, CTR_L1D_ACCESSES);
	l2 = ctr(0, CTR_L1D_MISSES);
	unc = ctr(0, CTR_UNCACHED);
	(void)touch(0, va + 4, false);
	ok(ctr(0, CTR_L1D_ACCESSES) == l1 + 1 && ctr(0, CTR_L1D_MISSES) == l2 &&
	    ctr(0, CTR_UNCACHED) == unc &&
	    in_utlb_amd64(0, va, MMU_LOAD) && cache_probe(&cpus[0].l1d,
	    m->phys_addr, NULL, NULL), "WB again: cached, L1 hits, fast path");
	ev_clear();
	pmap_page_set_memattr(m, VM_MEMATTR_WRITE_BACK);
	ok(evn[EV_SHOOTDOWN] == 0, "memattr: setting the same attribute changes nothing");

	/* pmap_zero_page of an uncached page: its lines go to memory. */
	pmap_page_set_memattr(m, VM_MEMATTR_UNCACHEABLE);
	unc = ctr(0, CTR_UNCACHED);
	l1 = ctr(0, CTR_L1D_ACCESSES);
	pmap_zero_page(m);
	ok(ctr(0, CTR_UNCACHED) == unc + PAGE_SIZE / 64 &&
	    ctr(0, CTR_L1D_ACCESSES) == l1, "zero_page: an uncached page is "
	    "zeroed with %u uncached stores, no D-cache access", PAGE_SIZE / 64);
	pmap_page_set_memattr(m, VM_MEMATTR_WRITE_BACK);
	pmap_remove(a, va, va + PAGE_SIZE);
	pmap_remove(b, vb, vb + PAGE_SIZE);

	/* The kernel: qenter of a UC page; then WB while mapped (the scan). */
	pmap_page_set_memattr(k, VM_MEMATTR_UNCACHEABLE);
	kva = pmap_kva_min + ptoa(64);
	pmap_qenter(kva, &k, 1);
	ok(walk_amd64(&pm, a->pm_root->phys_addr, kva, WALK_READ, false, &r_mt) ==
	    0 && (r_mt.flags & PG_CACHE_BITS) == (PG_PCD | PG_PWT) &&
	    (r_mt.flags & PG_G), "kernel: qenter of a UC page: PCD|PWT in the "
	    "global leaf");
	unc = ctr(0, CTR_UNCACHED);
	l1 = ctr(0, CTR_L1D_ACCESSES);
	ka = mmu_kaccess(&cpus[0], kva + 64, 64, true, &pa);	/* walks */
	ok(ka == MMU_KA_OK && pa == k->phys_addr + 64 &&
	    ctr(0, CTR_UNCACHED) == unc + 1, "kernel: mmu_kaccess store: one "
	    "uncached line");
	unc = ctr(0, CTR_UNCACHED);
	l1 = ctr(0, CTR_L1D_ACCESSES);
	ka = mmu_kaccess(&cpus[0], kva + 64, 128, false, &pa);	/* TLB hit */
	ok(ka == MMU_KA_OK && ctr(0, CTR_UNCACHED) == unc + 2 &&
	    ctr(0, CTR_L1D_ACCESSES) == l1 &&
	    !cache_probe(&cpus[0].l1d, k->phys_addr + 64, NULL, NULL) &&
	    !cache_probe(cpus[0].l2, k->phys_addr + 128, NULL, NULL),
	    "kernel: a 128-byte load: two uncached lines, no D-cache access, no line");
	ev_clear();
	pmap_page_set_memattr(k, VM_MEMATTR_WRITE_BACK);
	ok((physmem_ld64le(&pm, kva_pte_pa(kva)) & PG_CACHE_BITS) == 0 &&
	    evn[EV_SHOOTDOWN] == 1 && strcmp(evlast[EV_SHOOTDOWN].type,
	    "memattr") == 0 && strstr(evlast[EV_SHOOTDOWN].detail,
	    "targets=0x2") != NULL && tlb_amd64_lookup(&cpus[0].tlb_amd64, kva,
	    cpus[0].pcid) == NULL, "kernel: set to WB while mapped: the kernel "
	    "PTE is rewritten, shot down on every CPU (%s)",
	    evlast[EV_SHOOTDOWN].detail);
	pmap_kenter_attr(kva + PAGE_SIZE, k->phys_addr, VM_MEMATTR_WRITE_COMBINING);
	ok((physmem_ld64le(&pm, kva_pte_pa(kva + PAGE_SIZE)) & PG_CACHE_BITS) ==
	    (PG_PTE_PAT | PG_PCD) && (physmem_ld64le(&pm, kva_pte_pa(kva)) &
	    PG_CACHE_BITS) == 0, "kernel: pmap_kenter_attr(WC)");
	pmap_kenter(kva + PAGE_SIZE, k->phys_addr);
	ok((physmem_ld64le(&pm, kva_pte_pa(kva + PAGE_SIZE)) & PG_CACHE_BITS) == 0,
	    "kernel: pmap_kenter is write-back");
	pmap_qremove(kva, 2);

	/* A fictitious page (frame 0, no vm_page): later mappings only. */
	memset(&fict, 0, sizeof(fict));
	fict.phys_addr = 0;
	fict.flags = PG_FICTITIOUS;
	fict.wire_count = 1;
	pmap_page_set_memattr(&fict, VM_MEMATTR_UNCACHEABLE);
	pmap_enter(a, va, VM_PROT_READ, &fict, VM_PROT_READ | VM_PROT_WRITE, false);
	ev_clear();
	pmap_page_set_memattr(&fict, VM_MEMATTR_WRITE_COMBINING);
	ok(pmap_page_get_memattr(&fict) == VM_MEMATTR_WRITE_COMBINING &&
	    (pte_of(a, va) & PG_CACHE_BITS) == (PG_PCD | PG_PWT) &&
	    evn[EV_SHOOTDOWN] == 0, "fictitious: the attribute changes, the "
	    "existing mapping keeps its bits (no pv list)");
	pmap_enter(a, va + PAGE_SIZE, VM_PROT_READ, &fict, VM_PROT_READ, false);
	ok((pte_of(a, va + PAGE_SIZE) & PG_CACHE_BITS) == (PG_PTE_PAT | PG_PCD) &&
	    check(a, "fictitious"), "fictitious: a later mapping gets WC");
	pmap_remove(a, va, va + 2 * PAGE_SIZE);

	pmap_destroy(a);
	pmap_destroy(b);
	vm_page_free(k);
	vm_page_free(m);
	for (c = 0; c < 2; c++)
		mmu_cpu_fini(&cpus[c]);
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
	test_shootdown();
	test_skip();
	test_kernel();
	test_memattr();
	physmem_fini(&pm);
	return (tap_done());
}
