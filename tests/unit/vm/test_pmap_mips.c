/*
 * tests/unit/vm/test_pmap_mips.c — the MIPS pmap (vm/mips/pmap.c) on a
 * two-CPU machine with 4 MiB of memory: page tables in the guest byte
 * order, the refill handler, TLB Modified emulation, the per-page
 * shootdown rules of VM-SPEC (active CPU: probe and invalidate; inactive
 * with a current ASID: generation zeroed), ASID generations and wrap, and
 * pmap_check.  The private layout (vm/pmap_md.h) is read to see ASIDs and
 * table addresses.  On two and four CPUs: the rendezvous (one per page,
 * every CPU a target, generation checks), --bug skip-shootdown (stale
 * entry, stale_tlb event, pmap_check's tolerance), the kernel pmap
 * (kseg2, G in every PTE, qenter/qremove, kextract, kernel refill), kernel
 * stacks in wired slot 0 (duplicate removal), the per-CPU page in slot 1,
 * mmu_kaccess's codes and pmap_sync_icache's one icache_sync event.
 * Memory attributes: the C field of every PTE of the page (user and
 * kernel, the wired kernel-stack pair included), rendezvous with reason
 * "memattr" updating the TLB pairs in place, the MMU's cost model for UC,
 * WC and WT through CPUs with caches, WB restored, pmap_zero_page of an
 * uncached page, pmap_kenter_attr, fictitious pages.
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

#define PTE_W		0x80000000u	/* software bits, as in vm/mips/pmap.c */
#define PTE_WIRED	0x40000000u

static struct physmem pm;
static struct cost_table cost;
static struct prng prng;
static struct mmu_cpu cpus[MAXCPU];
static struct mmu_cpu *cpup[MAXCPU] = { &cpus[0], &cpus[1], &cpus[2], &cpus[3] };
static struct pmap *trap_pmap[MAXCPU];	/* what the trap handler uses */
static int ncpu = NCPU;
static unsigned nwired = 1;

/* The kernel's trap entry, reduced to what the pmap resolves itself. */
static int
test_trap(void *arg, struct mmu_cpu *cpu, const struct mmu_exc *exc)
{
	(void)arg;
	switch (exc->type) {
	case EXC_TLB_REFILL:
		return (pmap_tlb_refill(cpu, exc->va));
	case EXC_TLB_MODIFIED:
		return (pmap_emulate_modified(trap_pmap[cpu->id], cpu, exc->va));
	default:
		return (-1);
	}
}

/* A fresh machine of arch: CPUs with 16-entry TLBs, 1 wired slot. */
static void
machine_start(enum sim_arch arch)
{
	struct pmap_machine mach = {
		.arch = arch, .pm = &pm, .cpus = cpup, .ncpus = ncpu,
	};
	int i;

	memset(pm.base, 0, pm.size);
	cost_defaults(&cost, arch);
	prng_seed(&prng, 42);
	for (i = 0; i < ncpu; i++) {
		mmu_cpu_init(&cpus[i], i, arch, &pm, &cost, &prng, 16, nwired);
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
	char msg[200];

	msg[0] = '\0';
	if (pmap_check(pmap, msg, sizeof(msg)) != 0) {
		printf("# %s: %s\n", what, msg);
		return (false);
	}
	return (true);
}

static enum tlb_mips_result
lookup(int c, vm_offset_t va, uint8_t asid, bool store, vm_paddr_t *pa,
    uint32_t *lo)
{
	vm_paddr_t pa_dummy;

	return (tlb_mips_lookup(&cpus[c].tlb_mips, (uint32_t)va, asid, store,
	    pa != NULL ? pa : &pa_dummy, lo));
}

/* The raw 4 bytes at pa, and a 32-bit value in big/little byte order. */
static bool
bytes_are(vm_paddr_t pa, uint32_t v, bool big_endian)
{
	const uint8_t *p = physmem_ptr(&pm, pa);
	uint8_t want[4];
	int i;

	for (i = 0; i < 4; i++)
		want[i] = (uint8_t)(v >> (big_endian ? 24 - 8 * i : 8 * i));
	return (memcmp(p, want, 4) == 0);
}

static uint8_t
asid_of(struct pmap *pmap, int c)
{
	return (pmap->pm_md.mips.pm_asid[c].asid);
}

static void
test_basic(bool big_endian)
{
	const char *en = big_endian ? "BE" : "LE";
	struct pmap *a;
	vm_page_t m1, m2, m3;
	vm_paddr_t pa, segpa, ptp;
	uint32_t lo, want;
	uint64_t cyc;
	unsigned long free0;
	uint8_t as;

	free0 = free_pages();
	a = pmap_create();
	ok(a != NULL && pmap_ptpages(a) == 1, "%s: create: one segment-table page", en);
	ok(free_pages() == free0 - 1, "%s: the segment table came from vm_page", en);
	pmap_activate(a, &cpus[0]);
	trap_pmap[0] = a;
	as = asid_of(a, 0);
	ok(as == 1 && cpus[0].asid == 1, "%s: first activation on cpu0 gets ASID 1", en);

	m1 = page();
	ok(pmap_enter(a, 0x400000, VM_PROT_READ, m1, VM_PROT_READ | VM_PROT_WRITE,
	    false) == KERN_SUCCESS, "%s: enter 0x400000 rw", en);
	ok(pmap_ptpages(a) == 2, "%s: a page-table page was allocated", en);
	ok(pmap_extract(a, 0x400abc) == (m1->phys_addr | 0xabc),
	    "%s: extract gives the frame", en);
	ok(pmap_prot(a, 0x400000) == VM_PROT_ALL,
	    "%s: prot rw (and x: MIPS32 cannot refuse fetch)", en);
	ok(pmap_extract(a, 0x401000) == 0 && pmap_prot(a, 0x401000) == VM_PROT_NONE,
	    "%s: the odd neighbour is not mapped", en);

	/* The tables in memory, in the guest's byte order. */
	segpa = a->pm_root->phys_addr + (0x400000 >> 22) * 4;
	ptp = physmem_ld32(&pm, segpa, big_endian);
	ok(ptp != 0 && (ptp & PAGE_MASK) == 0 && bytes_are(segpa, (uint32_t)ptp,
	    big_endian), "%s: segment word 1 holds the page-table page", en);
	want = (uint32_t)(m1->phys_addr >> 12) << 6 | MIPS_LO_C_CACHED |
	    MIPS_LO_V | PTE_W;
	ok(bytes_are(ptp + 0, want, big_endian),
	    "%s: PTE = PFN|C|V|W, clean, in %s byte order", en,
	    big_endian ? "big" : "little");

	/* Refill. */
	ok(lookup(0, 0x400000, as, false, NULL, NULL) == TLBM_REFILL,
	    "%s: TLB empty before the refill", en);
	cyc = cpus[0].cycles;
	ok(pmap_tlb_refill(&cpus[0], 0x400010) == 0, "%s: refill returns 0", en);
	ok(cpus[0].cycles - cyc == 3u * cost.l1_hit,
	    "%s: refill charged three table loads", en);
	ok(lookup(0, 0x400010, as, false, &pa, &lo) == TLBM_HIT &&
	    pa == (m1->phys_addr | 0x10), "%s: load hits with the right PA", en);
	ok((lo & (PTE_W | PTE_WIRED)) == 0 && (lo & MIPS_LO_D) == 0,
	    "%s: software bits stripped, D clear", en);
	ok(lookup(0, 0x401000, as, false, NULL, NULL) == TLBM_INVALID,
	    "%s: odd neighbour unmapped: TLB Invalid", en);
	{
		/* Entering the odd page updates the pair in place (TLBWI),
		 * as FreeBSD's tlb_update does: no second refill. */
		vm_page_t mo = page();
		uint64_t gen = cpus[0].tlb_mips.gen;

		ok(pmap_enter(a, 0x401000, VM_PROT_READ, mo, VM_PROT_READ, false) ==
		    KERN_SUCCESS && lookup(0, 0x401000, as, false, &pa, NULL) == TLBM_HIT &&
		    pa == mo->phys_addr && lookup(0, 0x400010, as, false, NULL, NULL) ==
		    TLBM_HIT && cpus[0].tlb_mips.gen != gen,
		    "%s: enter of the odd half updates the TLB pair in place", en);
		pmap_remove(a, 0x401000, 0x402000);
		ok(lookup(0, 0x401000, as, false, NULL, NULL) == TLBM_REFILL,
		    "%s: remove invalidates the whole pair", en);
		vm_page_free(mo);
		pmap_tlb_refill(&cpus[0], 0x400010);
	}
	ok(lookup(0, 0x400000, as + 1, false, NULL, NULL) == TLBM_REFILL,
	    "%s: another ASID does not match", en);
	ok(check(a, "after refill"), "%s: pmap_check after refill", en);

	/* TLB Modified and its emulation. */
	ok(lookup(0, 0x400000, as, true, NULL, NULL) == TLBM_MODIFIED,
	    "%s: store to the clean page: TLB Modified", en);
	ok(m1->dirty == 0, "%s: page clean before the first store", en);
	ok(pmap_emulate_modified(a, &cpus[0], 0x400000) == 0,
	    "%s: emulate_modified resolves it", en);
	ok(m1->dirty == 1, "%s: the page is dirty", en);
	ok((physmem_ld32(&pm, ptp, big_endian) & MIPS_LO_D) != 0,
	    "%s: D set in the PTE", en);
	ok(lookup(0, 0x400000, as, true, NULL, NULL) == TLBM_HIT,
	    "%s: the store now hits", en);
	ok(check(a, "after modified"), "%s: pmap_check after emulation", en);

	/* Read-only and unmapped pages are real faults. */
	m2 = page();
	ok(pmap_enter(a, 0x402000, VM_PROT_READ, m2, VM_PROT_READ, false) ==
	    KERN_SUCCESS, "%s: enter 0x402000 read-only", en);
	ok(pmap_tlb_refill(&cpus[0], 0x402000) == 0 &&
	    lookup(0, 0x402000, as, true, NULL, NULL) == TLBM_MODIFIED,
	    "%s: store to the read-only page: TLB Modified", en);
	ok(pmap_emulate_modified(a, &cpus[0], 0x402000) == -1,
	    "%s: emulate_modified refuses a read-only page", en);
	ok(pmap_emulate_modified(a, &cpus[0], 0x10000000) == -1,
	    "%s: ... and an unmapped one", en);

	/* A write fault maps dirty at once; wired is software only. */
	m3 = page();
	ok(pmap_enter(a, 0x7fff0000, VM_PROT_WRITE | VM_PROT_READ, m3,
	    VM_PROT_READ | VM_PROT_WRITE, true) == KERN_SUCCESS,
	    "%s: enter 0x7fff0000 wired after a write fault", en);
	ok(pmap_ptpages(a) == 3, "%s: a second page-table page", en);
	ok(pmap_tlb_refill(&cpus[0], 0x7fff0000) == 0 &&
	    lookup(0, 0x7fff0000, as, true, &pa, &lo) == TLBM_HIT &&
	    pa == m3->phys_addr && (lo & 0xc0000000u) == 0,
	    "%s: store hits at once; the wired bit never reaches the TLB", en);

	/* Remove: the entry is gone on the CPU where the pmap is active. */
	pmap_remove(a, 0x400000, 0x401000);
	ok(lookup(0, 0x400000, as, false, NULL, NULL) == TLBM_REFILL,
	    "%s: remove invalidated the pair on cpu0", en);
	ok(pmap_extract(a, 0x400000) == 0, "%s: remove cleared the PTE", en);
	ok(check(a, "after remove"), "%s: pmap_check after remove", en);

	/* Protect: write taken away, TLB entry shot down, D to the page. */
	ok(lookup(0, 0x7fff0000, as, true, NULL, NULL) == TLBM_HIT,
	    "%s: before protect, store hits", en);
	m3->dirty = 0;
	pmap_protect(a, 0x7fff0000, 0x80000000, VM_PROT_READ | VM_PROT_EXECUTE);
	ok(m3->dirty == 1, "%s: protect moved D to the page", en);
	ok(lookup(0, 0x7fff0000, as, true, NULL, NULL) == TLBM_REFILL,
	    "%s: protect invalidated the entry", en);
	ok(pmap_prot(a, 0x7fff0000) == (VM_PROT_READ | VM_PROT_EXECUTE),
	    "%s: prot is read(+exec) now", en);
	ok(pmap_tlb_refill(&cpus[0], 0x7fff0000) == 0 &&
	    lookup(0, 0x7fff0000, as, true, NULL, NULL) == TLBM_MODIFIED &&
	    pmap_emulate_modified(a, &cpus[0], 0x7fff0000) == -1,
	    "%s: a store after protect is a real write fault", en);
	ok(check(a, "after protect"), "%s: pmap_check after protect", en);

	/* pmap_check sees a TLB entry granting more than the tables. */
	{
		struct tlb_mips_entry e = {
			.entryhi = 0x10000000u | as, .pagemask = 0,
			.entrylo0 = (uint32_t)(m2->phys_addr >> 12) << 6 |
			    MIPS_LO_C_CACHED | MIPS_LO_V | MIPS_LO_D,
		};
		char msg[200];

		tlb_mips_write_indexed(&cpus[0].tlb_mips, 5, &e);
		ok(pmap_check(a, msg, sizeof(msg)) == -1 && strstr(msg, "TLB") != NULL,
		    "%s: pmap_check catches a TLB entry the tables lack", en);
		tlb_mips_invalidate(&cpus[0].tlb_mips, 5);
		ok(check(a, "after fix"), "%s: and is green once it is gone", en);
	}

	/* Everything away: the tables return to vm_page. */
	pmap_remove(a, 0, 0x80000000);
	ok(pmap_extract(a, 0x402000) == 0 && pmap_extract(a, 0x7fff0000) == 0,
	    "%s: remove of all kuseg", en);
	ok(check(a, "empty"), "%s: pmap_check on the empty pmap", en);
	pmap_destroy(a);
	trap_pmap[0] = NULL;
	vm_page_free(m1);
	vm_page_free(m2);
	vm_page_free(m3);
	ok(free_pages() == free0, "%s: destroy returned every table page", en);
}

/* Shootdown across CPUs and ASID generations. */
static void
test_smp(void)
{
	struct pmap *a, *b, *p[256];
	vm_page_t m1, m2;
	struct tlb_mips_entry w;
	unsigned long free0;
	uint8_t as0, as1, prev;
	int i, wrapped;

	free0 = free_pages();
	a = pmap_create();
	b = pmap_create();
	m1 = page();
	m2 = page();
	ok(pmap_enter(a, 0x1000, VM_PROT_READ, m1, VM_PROT_READ, false) ==
	    KERN_SUCCESS, "smp: enter 0x1000");

	/* a active on both CPUs: remove shoots down both. */
	pmap_activate(a, &cpus[0]);
	pmap_activate(a, &cpus[1]);
	as0 = asid_of(a, 0);
	as1 = asid_of(a, 1);
	ok(cpus[0].asid == as0 && cpus[1].asid == as1, "smp: a active on both CPUs");
	pmap_tlb_refill(&cpus[0], 0x1000);
	pmap_tlb_refill(&cpus[1], 0x1000);
	ok(lookup(0, 0x1000, as0, false, NULL, NULL) == TLBM_HIT &&
	    lookup(1, 0x1000, as1, false, NULL, NULL) == TLBM_HIT,
	    "smp: both TLBs hold the pair");
	ok(check(a, "smp both"), "smp: pmap_check with two active CPUs");
	pmap_remove(a, 0x1000, 0x2000);
	ok(lookup(0, 0x1000, as0, false, NULL, NULL) == TLBM_REFILL &&
	    lookup(1, 0x1000, as1, false, NULL, NULL) == TLBM_REFILL,
	    "smp: remove invalidated it on both CPUs");

	/* a current on cpu1 but not active there: generation zeroed. */
	ok(pmap_enter(a, 0x1000, VM_PROT_READ, m1, VM_PROT_READ, false) ==
	    KERN_SUCCESS, "smp: enter again");
	pmap_tlb_refill(&cpus[1], 0x1000);
	pmap_activate(b, &cpus[1]);
	ok(a->pm_active == 1 && b->pm_active == 2,
	    "smp: cpu1 left a's active set for b's");
	ok(a->pm_md.mips.pm_asid[1].gen != 0, "smp: a's ASID on cpu1 still current");
	ok(pmap_enter(a, 0x1000, VM_PROT_READ, m2, VM_PROT_READ, false) ==
	    KERN_SUCCESS, "smp: replace the mapping with another frame");
	ok(a->pm_md.mips.pm_asid[1].gen == 0,
	    "smp: a not active on cpu1: its generation there zeroed");
	ok(lookup(1, 0x1000, as1, false, NULL, NULL) == TLBM_HIT,
	    "smp: cpu1's old entry lingers under the retired ASID");
	ok(check(a, "smp retired"), "smp: pmap_check ignores the retired ASID");
	pmap_activate(a, &cpus[1]);
	ok(cpus[1].asid != as1 && cpus[1].asid == asid_of(a, 1),
	    "smp: reactivation on cpu1 gives a fresh ASID (%u -> %u)", as1,
	    cpus[1].asid);
	ok(lookup(1, 0x1000, cpus[1].asid, false, NULL, NULL) == TLBM_REFILL,
	    "smp: ... under which the TLB is empty");
	pmap_tlb_refill(&cpus[1], 0x1000);
	ok(pmap_extract(a, 0x1000) == m2->phys_addr &&
	    lookup(1, 0x1000, cpus[1].asid, false, NULL, NULL) == TLBM_HIT,
	    "smp: and the refill loads the new frame");
	ok(check(a, "smp fresh"), "smp: pmap_check green");

	/* Reactivating a pmap with a current generation keeps its ASID. */
	pmap_activate(b, &cpus[1]);
	prev = asid_of(b, 1);
	pmap_activate(a, &cpus[1]);
	pmap_activate(b, &cpus[1]);
	ok(cpus[1].asid == prev, "smp: b keeps its ASID on cpu1");

	/* ASID wrap on cpu0: non-wired entries go, wired ones stay. */
	pmap_activate(a, &cpus[0]);
	as0 = asid_of(a, 0);
	pmap_tlb_refill(&cpus[0], 0x1000);
	w.entryhi = 0xc0000000u;	/* a kernel stack pair in kseg2 */
	w.pagemask = 0;
	w.entrylo0 = (uint32_t)(m1->phys_addr >> 12) << 6 | MIPS_LO_C_CACHED |
	    MIPS_LO_D | MIPS_LO_V | MIPS_LO_G;
	w.entrylo1 = MIPS_LO_G;
	tlb_mips_write_indexed(&cpus[0].tlb_mips, 0, &w);
	wrapped = 0;
	prev = cpus[0].asid;
	for (i = 0; i < 256; i++) {
		p[i] = pmap_create();
		if (p[i] == NULL)
			break;
		pmap_activate(p[i], &cpus[0]);
		if (cpus[0].asid <= prev && !wrapped) {
			wrapped = 1;
			ok(cpus[0].asid == 1 && pmap_pcpu[0].pc_asid_gen == 2,
			    "wrap: after ASID %u comes ASID 1 of generation 2", prev);
			ok(lookup(0, 0x1000, as0, false, NULL, NULL) == TLBM_REFILL,
			    "wrap: the non-wired entry was flushed");
			ok(lookup(0, 0xc0000000, cpus[0].asid, true, NULL, NULL) ==
			    TLBM_HIT, "wrap: the wired entry survived");
		}
		prev = cpus[0].asid;
	}
	ok(i == 256 && wrapped, "wrap: 256 activations of distinct pmaps wrapped");
	ok(check(p[255], "wrap"), "wrap: pmap_check on the last pmap");
	pmap_activate(a, &cpus[0]);
	ok(asid_of(a, 0) == cpus[0].asid && a->pm_md.mips.pm_asid[0].gen == 2,
	    "wrap: a gets an ASID of the new generation");
	for (i = 0; i < 256; i++)
		pmap_destroy(p[i]);
	ok(check(a, "after wrap"), "wrap: pmap_check on a");

	pmap_remove(a, 0, 0x80000000);
	pmap_destroy(a);
	pmap_destroy(b);
	ok(pmap_pcpu[0].pc_active == NULL &&
	    pmap_pcpu[1].pc_active == NULL, "smp: destroy left the CPUs with no pmap");
	vm_page_free(m1);
	vm_page_free(m2);
	ok(free_pages() == free0, "smp: every page back");
}

/* The hardware access path drives refill and Modified through the pmap. */
static void
test_access(void)
{
	struct pmap *a;
	vm_page_t m;

	a = pmap_create();
	m = page();
	pmap_activate(a, &cpus[0]);
	trap_pmap[0] = a;
	ok(pmap_enter(a, 0x5000, VM_PROT_READ, m, VM_PROT_READ | VM_PROT_WRITE,
	    false) == KERN_SUCCESS, "access: enter 0x5000 rw clean");
	memset(&cpus[0].c, 0, sizeof(cpus[0].c));
	ok(mmu_access(&cpus[0], 0x5008, 4, MMU_STORE) == 0,
	    "access: a store completes");
	ok(cpus[0].c[CTR_REFILLS] == 1 && cpus[0].c[CTR_TLB_MODIFIED] == 1,
	    "access: after one refill and one TLB Modified");
	ok(m->dirty == 1, "access: the page is dirty");
	ok(mmu_access(&cpus[0], 0x500c, 4, MMU_STORE) == 0 &&
	    cpus[0].c[CTR_REFILLS] == 1 && cpus[0].c[CTR_TLB_MODIFIED] == 1,
	    "access: the next store hits");
	ok(check(a, "access"), "access: pmap_check green");
	pmap_remove(a, 0x5000, 0x6000);
	pmap_destroy(a);
	trap_pmap[0] = NULL;
	vm_page_free(m);
}

/* Out of pages: enter reports the shortage, create gives NULL. */
static void
test_shortage(void)
{
	vm_page_t hog[1024], m;
	struct pmap *a;
	unsigned long free0, n;

	free0 = free_pages();
	a = pmap_create();
	m = page();
	ok(pmap_enter(a, 0x1000, VM_PROT_READ, m, VM_PROT_READ, false) ==
	    KERN_SUCCESS, "shortage: enter while pages remain");
	for (n = 0; (hog[n] = vm_page_alloc(NULL, 0, VM_ALLOC_NOOBJ)) != NULL; n++)
		;
	ok(pmap_enter(a, 0x400000, VM_PROT_READ, m, VM_PROT_READ, false) ==
	    KERN_RESOURCE_SHORTAGE, "shortage: no page-table page");
	ok(pmap_enter(a, 0x2000, VM_PROT_READ, m, VM_PROT_READ, false) ==
	    KERN_SUCCESS, "shortage: an existing page-table page still serves");
	ok(pmap_create() == NULL, "shortage: create gives NULL");
	ok(check(a, "shortage"), "shortage: pmap_check green");
	while (n > 0)
		vm_page_free(hog[--n]);
	pmap_remove(a, 0, 0x80000000);
	pmap_destroy(a);
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
#define EXPECT_PROT(p)	(VM_PROT_READ | VM_PROT_EXECUTE | ((p) & VM_PROT_WRITE))
#define SET_TRAP(c, p)	(trap_pmap[(c)] = (p))
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
	ok(!pmap_is_modified(m), "pv: a writable mapping entered by a read is clean");
	ok(pmap_ts_referenced(m) == 2 && pmap_ts_referenced(m) == 0,
	    "pv: the software referenced bits count once (MIPS has no hardware one)");
	pmap_enter(a, va, VM_PROT_WRITE, m, VM_PROT_READ | VM_PROT_WRITE, false);
	ok(pmap_is_modified(m) && pmap_ts_referenced(m) == 1,
	    "pv: entered by a write (D set): modified, referenced again");
	pmap_clear_modify(m);
	ok(!pmap_is_modified(m) && m->dirty && check(a, "clear_modify"),
	    "pv: clear_modify clears D, the page keeps the dirtiness");

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

static int evn[EV_KIND_COUNT];
static struct event evlast[EV_KIND_COUNT];

static void
ev_record(void *ctx, const struct event *ev)
{
	(void)ctx;
	evn[ev->kind]++;
	evlast[ev->kind] = *ev;
}

static void
ev_clear(void)
{
	memset(evn, 0, sizeof(evn));
}

/* A big-endian machine with n CPUs, Wired as the kernel sets it. */
static void
smp_start(int n)
{
	static const struct event_sink sink = { ev_record, NULL };

	ncpu = n;
	nwired = pmap_mips_wired_needed(n);
	machine_start(ARCH_MIPS);
	event_sinks_clear();
	event_sink_add(&sink);
	event_context()->cpu = 0;
	memset(trap_pmap, 0, sizeof(trap_pmap));
	ev_clear();
}

/* Acceptance 1 on MIPS, and the generation checks on 4 CPUs. */
static void
test_rendezvous(void)
{
	struct pmap *a, *b;
	vm_page_t m[3];
	uint64_t c0, c1;
	uint8_t as0, as1;
	int i;

	smp_start(2);
	a = pmap_create();
	for (i = 0; i < 3; i++)
		m[i] = page();
	pmap_activate(a, &cpus[0]);
	for (i = 0; i < 3; i++) {
		pmap_enter(a, 0x10000 + ptoa(i), VM_PROT_READ, m[i],
		    VM_PROT_READ | VM_PROT_WRITE, false);
		if (i != 1)	/* 0x11000 is 0x10000's pair */
			pmap_tlb_refill(&cpus[0], 0x10000 + ptoa(i));
	}
	ok(evn[EV_SHOOTDOWN] == 0, "rdv: fresh entries on a one-CPU process: none");
	pmap_reason_set("munmap");
	c0 = cpus[0].cycles;
	c1 = cpus[1].cycles;
	pmap_remove(a, 0x10000, 0x13000);
	ok(evn[EV_SHOOTDOWN] == 3 && evn[EV_IPI] == 3 &&
	    strcmp(evlast[EV_SHOOTDOWN].detail, "page end=0x13000 targets=0x2") == 0 &&
	    strcmp(evlast[EV_SHOOTDOWN].type, "munmap") == 0,
	    "rdv: 2 CPUs, process on cpu0 only, munmap of 3 pages: 3 rendezvous "
	    "(every CPU a target)");
	ok(cpus[0].cycles - c0 == 3ull * cost.ipi_send &&
	    cpus[1].cycles - c1 == 3ull * cost.ipi_recv, "rdv: IPI cycles charged");
	ok(lookup(0, 0x10000, asid_of(a, 0), false, NULL, NULL) == TLBM_REFILL &&
	    check(a, "rdv"), "rdv: the pairs are gone");
	ev_clear();
	pmap_remove(a, 0x10000, 0x13000);
	ok(evn[EV_SHOOTDOWN] == 0, "rdv: nothing mapped: nothing logged");
	pmap_destroy(a);
	for (i = 0; i < 3; i++)
		vm_page_free(m[i]);

	/* 4 CPUs: active (invalidate), current but inactive (generation
	 * zeroed), stale generation (nothing). */
	smp_start(4);
	for (i = 0; i < 3; i++)
		m[i] = page();
	a = pmap_create();
	b = pmap_create();
	pmap_activate(a, &cpus[0]);
	pmap_activate(a, &cpus[1]);
	pmap_activate(b, &cpus[1]);
	as0 = asid_of(a, 0);
	as1 = asid_of(a, 1);
	pmap_enter(a, 0x10000, VM_PROT_READ, m[0], VM_PROT_READ, false);
	pmap_tlb_refill(&cpus[0], 0x10000);
	ev_clear();
	pmap_reason_set("pageout");
	pmap_remove(a, 0x10000, 0x11000);
	ok(evn[EV_SHOOTDOWN] == 1 && evn[EV_IPI] == 3 &&
	    strstr(evlast[EV_SHOOTDOWN].detail, "targets=0xe") != NULL,
	    "rdv4: one rendezvous, all three others targeted");
	ok(lookup(0, 0x10000, as0, false, NULL, NULL) == TLBM_REFILL &&
	    a->pm_md.mips.pm_asid[1].gen == 0 && a->pm_md.mips.pm_asid[2].gen == 0 &&
	    a->pm_md.mips.pm_asid[0].gen != 0,
	    "rdv4: cpu0 probed and invalidated, cpu1 (inactive) lost its generation");
	ev_clear();
	pmap_enter(a, 0x10000, VM_PROT_READ, m[0], VM_PROT_READ, false);
	pmap_remove(a, 0x10000, 0x11000);
	ok(evn[EV_SHOOTDOWN] == 1, "rdv4: a fresh enter on the only current CPU: "
	    "no rendezvous; the remove: one");
	pmap_activate(b, &cpus[0]);
	a->pm_md.mips.pm_asid[0].gen = 0;	/* as after a wrap */
	ev_clear();
	pmap_enter(a, 0x10000, VM_PROT_READ, m[0], VM_PROT_READ, false);
	pmap_enter(a, 0x10000, VM_PROT_READ, m[1], VM_PROT_READ, false);
	pmap_remove(a, 0x10000, 0x11000);
	ok(evn[EV_SHOOTDOWN] == 0, "rdv4: no CPU holds a current ASID: no rendezvous");
	/* Threads on two CPUs: a fresh enter updates the other CPU's pair. */
	pmap_activate(a, &cpus[0]);
	pmap_activate(a, &cpus[2]);
	trap_pmap[2] = a;
	pmap_enter(a, 0x20000, VM_PROT_READ, m[0], VM_PROT_READ, false);
	pmap_tlb_refill(&cpus[2], 0x20000);
	ev_clear();
	pmap_enter(a, 0x21000, VM_PROT_READ, m[1], VM_PROT_READ, false);
	ok(evn[EV_SHOOTDOWN] == 1 && lookup(2, 0x21000, asid_of(a, 2), false, NULL,
	    NULL) == TLBM_HIT, "rdv4: a fresh enter with the process on two CPUs: "
	    "a rendezvous updates cpu2's pair in place");
	(void)as1;
	pmap_reason_set("other");
	pmap_remove(a, 0, 0x80000000);
	pmap_destroy(a);
	pmap_destroy(b);
	for (i = 0; i < 3; i++)
		vm_page_free(m[i]);
}

/* Acceptance 2 (the pmap half) on MIPS: --bug skip-shootdown. */
static void
test_skip(void)
{
	struct pmap *a;
	vm_page_t m1, m2;
	vm_paddr_t pa;
	char want[64], msg[200];

	smp_start(2);
	a = pmap_create();
	m1 = page();
	m2 = page();
	pmap_activate(a, &cpus[0]);
	pmap_activate(a, &cpus[1]);
	trap_pmap[0] = trap_pmap[1] = a;
	pmap_enter(a, 0x40000, VM_PROT_READ, m1, VM_PROT_READ | VM_PROT_WRITE, false);
	ok(mmu_access(&cpus[0], 0x40000, 4, MMU_LOAD) == 0 &&
	    mmu_access(&cpus[1], 0x40000, 4, MMU_LOAD) == 0, "skip: both CPUs read the page");
	pmap_set_skip_shootdown(true);
	ev_clear();
	pmap_reason_set("munmap");
	pmap_remove(a, 0x40000, 0x41000);
	pmap_reason_set("other");
	pmap_enter(a, 0x40000, VM_PROT_READ, m2, VM_PROT_READ | VM_PROT_WRITE, false);
	ok(evn[EV_SHOOTDOWN] == 2 && evn[EV_IPI] == 0 &&
	    strstr(evlast[EV_SHOOTDOWN].detail, "targets=0x2 skipped") != NULL,
	    "skip: the rendezvous are logged as skipped, no IPI (%d)", evn[EV_SHOOTDOWN]);
	ok(lookup(1, 0x40000, asid_of(a, 1), false, &pa, NULL) == TLBM_HIT &&
	    pa == m1->phys_addr && check(a, "skip"),
	    "skip: cpu1 still maps the old frame; pmap_check tolerates it");
	ev_clear();
	ok(mmu_access(&cpus[1], 0x40004, 4, MMU_LOAD) == 0 && evn[EV_STALE_TLB] == 1 &&
	    evlast[EV_STALE_TLB].pa == (m1->phys_addr | 4), "skip: cpu1's read "
	    "through it: stale_tlb with the stale frame");
	snprintf(want, sizeof(want), "frame 0x%llx; tables: frame 0x%llx",
	    (unsigned long long)m1->phys_addr, (unsigned long long)m2->phys_addr);
	ok(strstr(evlast[EV_STALE_TLB].detail, "cpu1 TLB[") != NULL &&
	    strstr(evlast[EV_STALE_TLB].detail, want) != NULL,
	    "skip: detail: %s", evlast[EV_STALE_TLB].detail);
	ok(mmu_access(&cpus[0], 0x40004, 4, MMU_LOAD) == 0 && evn[EV_STALE_TLB] == 1 &&
	    mmu_access(&cpus[1], 0x40008, 4, MMU_LOAD) == 0 && evn[EV_STALE_TLB] == 1,
	    "skip: cpu0 is fine; one report per entry");
	tlb_mips_invalidate_va(&cpus[1].tlb_mips, 0x40000, asid_of(a, 1));
	ok(mmu_access(&cpus[1], 0x40008, 4, MMU_LOAD) == 0 && cpus[1].nstale == 0 &&
	    check(a, "refilled"), "skip: once the entry is refilled, the watch lets go");
	/* Exactly those: another bad entry is still caught. */
	{
		struct tlb_mips_entry e = { .entryhi = 0x50000u | asid_of(a, 1),
		    .entrylo0 = (uint32_t)(m1->phys_addr >> 12) << 6 | MIPS_LO_V };

		tlb_mips_write_indexed(&cpus[1].tlb_mips, 7, &e);
		ok(pmap_check(a, msg, sizeof(msg)) == -1, "skip: an unrelated bad "
		    "entry is not tolerated");
		tlb_mips_invalidate(&cpus[1].tlb_mips, 7);
	}
	pmap_set_skip_shootdown(false);
	pmap_remove(a, 0, 0x80000000);
	pmap_destroy(a);
	vm_page_free(m1);
	vm_page_free(m2);
}

/* The kernel pmap, kernel stacks in wired slot 0, the per-CPU page in
 * slot 1, mmu_kaccess and pmap_sync_icache. */
static void
test_kernel(void)
{
	struct tlb_mips_entry e;
	vm_page_t ks[2], ks2[2], pc[2], m;
	vm_offset_t kva, kva2, pcva;
	struct pmap *a;
	vm_paddr_t pa, ptp;
	uint32_t lo;
	char msg[200];
	int idx, i, n;

	smp_start(2);
	ok(cpus[0].tlb_mips.wired == 2 && pmap_mips_wired_needed(1) == 1,
	    "kernel: Wired = 2 on SMP, 1 on UP");
	ok(pmap_kva_min == 0xc0000000u && pmap_kva_max == 0xe0000000u,
	    "kernel: KVA is kseg2");
	kva = pmap_kva_min + ptoa(3);		/* odd page */
	pmap_align_tlb(&kva);
	ok(kva == pmap_kva_min + ptoa(4), "kernel: pmap_align_tlb moves an odd "
	    "page up to an even one");
	kva += ptoa(2);				/* above 2 guard pages */
	for (i = 0; i < 2; i++) {
		ks[i] = page();
		ks2[i] = page();
		pc[i] = page();
	}
	ev_clear();
	pmap_qenter(kva, ks, 2);
	ok(evn[EV_SHOOTDOWN] == 0, "kernel: qenter of a fresh pair: no rendezvous");
	ok(pmap_kextract(kva + 12) == (ks[0]->phys_addr | 12) &&
	    pmap_kextract(kva + PAGE_SIZE) == ks[1]->phys_addr &&
	    pmap_kextract(kva - PAGE_SIZE) == 0 && pmap_kextract(0x1000) == 0,
	    "kernel: kextract");
	ptp = physmem_ld32(&pm, kernel_pmap->pm_root->phys_addr + (kva >> 22) * 4, true);
	for (i = 0, n = 0; i < 1024; i++)
		if ((physmem_ld32(&pm, ptp + i * 4, true) & MIPS_LO_G) == 0)
			n++;
	ok(n == 0 && (physmem_ld32(&pm, ptp + ((kva >> 12) & 1023) * 4, true) &
	    (MIPS_LO_V | MIPS_LO_D | MIPS_LO_G)) == (MIPS_LO_V | MIPS_LO_D | MIPS_LO_G),
	    "kernel: every kernel PTE has G, invalid ones too; leaves are V|D|G");

	/* A duplicate of the pair in a random slot (a kernel refill). */
	pmap_tlb_refill(&cpus[0], kva);
	idx = tlb_mips_probe(&cpus[0].tlb_mips, (uint32_t)kva);
	ok(idx >= 2, "kstack: a refill put the pair in random slot %d", idx);
	tlb_mips_read(&cpus[0].tlb_mips, idx >= 0 ? (unsigned)idx : 0, &e);
	ok((e.entrylo0 & e.entrylo1 & MIPS_LO_G) != 0, "kstack: the refilled pair is global");
	pmap_kstack_switch(&cpus[0], kva);
	tlb_mips_read(&cpus[0].tlb_mips, 0, &e);
	ok((e.entryhi & MIPS_HI_VPN2_MASK) == kva && (e.entrylo0 & 0x3f) ==
	    (MIPS_LO_C_CACHED | MIPS_LO_G | MIPS_LO_V | MIPS_LO_D) &&
	    (e.entrylo1 & MIPS_LO_PFN_MASK) >> 6 == ks[1]->phys_addr >> 12,
	    "kstack: wired slot 0 holds the pair, both halves G|V|D");
	ok(tlb_mips_probe(&cpus[0].tlb_mips, (uint32_t)kva | 0x55) == 0 &&
	    tlb_mips_check(&cpus[0].tlb_mips, msg, sizeof(msg)) == 0,
	    "kstack: the duplicate was invalidated: only slot 0 matches, tlb_mips_check ok");
	/* Switch to another stack and back: never two matches. */
	kva2 = kva + ptoa(4);
	pmap_qenter(kva2, ks2, 2);
	pmap_kstack_switch(&cpus[0], kva2);
	pmap_kstack_switch(&cpus[0], kva2);
	ok(tlb_mips_probe(&cpus[0].tlb_mips, (uint32_t)kva2) == 0 &&
	    tlb_mips_probe(&cpus[0].tlb_mips, (uint32_t)kva) == -1 &&
	    tlb_mips_check(&cpus[0].tlb_mips, msg, sizeof(msg)) == 0,
	    "kstack: switching replaces slot 0");

	/* mmu_kaccess. */
	memset(&cpus[0].c, 0, sizeof(cpus[0].c));
	ok(mmu_kaccess(&cpus[0], kva2 + 2 * PAGE_SIZE - 128, 128, true, &pa) ==
	    MMU_KA_OK && pa == (ks2[1]->phys_addr | (PAGE_SIZE - 128)) &&
	    cpus[0].c[CTR_TLB_HITS] == 1 && cpus[0].c[CTR_STORES] == 1,
	    "kaccess: a 128-byte trapframe hits the wired pair (no caches: one store)");
	ok(mmu_kaccess(&cpus[0], kva2 + PAGE_SIZE - 8, 16, false, &pa) == MMU_KA_OK,
	    "kaccess: across the pair's halves");
	ok(mmu_kaccess(&cpus[0], kva2 - 8, 8, true, &pa) == MMU_KA_TLB_MISS &&
	    pmap_kextract(kva2 - 8) == 0, "kaccess: the guard page: MMU_KA_TLB_MISS "
	    "(and kextract 0)");
	ok(mmu_kaccess(&cpus[0], kva, 8, true, &pa) == MMU_KA_TLB_MISS,
	    "kaccess: another (mapped) stack not in the TLB: MMU_KA_TLB_MISS");
	ok(mmu_kaccess(&cpus[0], 0x80001010u, 4, false, &pa) == MMU_KA_OK &&
	    pa == 0x1010, "kaccess: kseg0 is unmapped");
	e = (struct tlb_mips_entry){ .entryhi = 0x60000u | cpus[0].asid,
	    .entrylo0 = (uint32_t)(ks[0]->phys_addr >> 12) << 6 | MIPS_LO_V };
	tlb_mips_write_indexed(&cpus[0].tlb_mips, 9, &e);
	ok(mmu_kaccess(&cpus[0], 0x60000, 4, true, &pa) == MMU_KA_PROTECTION &&
	    mmu_kaccess(&cpus[0], 0x61000, 4, false, &pa) == MMU_KA_TLB_INVALID &&
	    mmu_kaccess(&cpus[0], 0x60000, 4, false, &pa) == MMU_KA_OK,
	    "kaccess: clean half: MMU_KA_PROTECTION on store; invalid half: "
	    "MMU_KA_TLB_INVALID");
	tlb_mips_invalidate(&cpus[0].tlb_mips, 9);

	/* The per-CPU page in wired slot 1. */
	pcva = kva + ptoa(16);
	pmap_qenter(pcva, pc, 1);
	pmap_pcpu_set(&cpus[1], pcva);
	tlb_mips_read(&cpus[1].tlb_mips, 1, &e);
	ok((e.entryhi & MIPS_HI_VPN2_MASK) == pcva && (e.entrylo0 & MIPS_LO_V) &&
	    (e.entrylo1 & (MIPS_LO_V | MIPS_LO_G)) == MIPS_LO_G &&
	    mmu_kaccess(&cpus[1], pcva + 64, 8, true, &pa) == MMU_KA_OK &&
	    pa == (pc[0]->phys_addr | 64), "pcpu: wired slot 1 maps the per-CPU page");
	/* Entering its partner updates slot 1 in place on every CPU. */
	ev_clear();
	pmap_qenter(pcva + PAGE_SIZE, &pc[1], 1);
	tlb_mips_read(&cpus[1].tlb_mips, 1, &e);
	ok(evn[EV_SHOOTDOWN] == 1 && strcmp(evlast[EV_SHOOTDOWN].type, "kernel") == 0 &&
	    (e.entrylo1 & MIPS_LO_V) && (e.entryhi & MIPS_HI_VPN2_MASK) == pcva,
	    "pcpu: entering the partner page: one rendezvous, slot 1 updated in place");

	/* qremove of the running stack: rendezvous per page; slot 0 invalid. */
	ev_clear();
	pmap_qremove(kva2, 2);
	tlb_mips_read(&cpus[0].tlb_mips, 0, &e);
	ok(evn[EV_SHOOTDOWN] == 2 && evn[EV_IPI] == 2 &&
	    strstr(evlast[EV_SHOOTDOWN].detail, "targets=0x2") != NULL &&
	    (e.entrylo0 & MIPS_LO_V) == 0 && (e.entrylo1 & MIPS_LO_V) == 0 &&
	    (e.entrylo0 & MIPS_LO_G) && pmap_kextract(kva2) == 0 &&
	    mmu_kaccess(&cpus[0], kva2, 8, true, &pa) == MMU_KA_TLB_INVALID,
	    "kernel: qremove: two rendezvous (reason kernel), G-invalid halves");
	pmap_kenter(kva2, ks2[0]->phys_addr);
	ok(pmap_kextract(kva2) == ks2[0]->phys_addr, "kernel: kenter");
	pmap_kremove(kva2);
	ok(pmap_kextract(kva2) == 0, "kernel: kremove");

	/* pmap_sync_icache: one event on the initiator, through the tables. */
	a = pmap_create();
	m = page();
	pmap_enter(a, 0x400000, VM_PROT_READ, m, VM_PROT_ALL, false);
	event_context()->cpu = 1;
	ev_clear();
	pmap_sync_icache(a, 0x400ffc, 8);	/* crosses into an unmapped page */
	ok(evn[EV_ICACHE_SYNC] == 1 && evlast[EV_ICACHE_SYNC].cpu == 1 &&
	    strcmp(evlast[EV_ICACHE_SYNC].type, "pmap_sync_icache") == 0 &&
	    evlast[EV_ICACHE_SYNC].pa == (m->phys_addr | 0xffc) &&
	    cpus[1].c[CTR_ICACHE_SYNCS] == 1 && cpus[0].c[CTR_ICACHE_SYNCS] == 0,
	    "sync_icache: one icache_sync on the initiating CPU, at the frame");
	event_context()->cpu = 0;
	pmap_remove(a, 0x400000, 0x401000);
	pmap_destroy(a);
	vm_page_free(m);
	pmap_qremove(kva, 2);
	pmap_qremove(pcva, 2);
	ok(kernel_pmap->pm_resident == 0 && kernel_pmap->pm_wired == 0,
	    "kernel: every kernel mapping gone");
	(void)lo;
	for (i = 0; i < 2; i++) {
		vm_page_free(ks[i]);
		vm_page_free(ks2[i]);
		vm_page_free(pc[i]);
	}
}

/* ---- memory attributes ---- */

static const struct cache_geom mt_l1 = { 4096, 2, 32, CACHE_LRU };
static const struct cache_geom mt_l2 = { 16384, 4, 32, CACHE_LRU };

/* The C field of each vm_memattr_t (vm/mips/pmap.c). */
static const uint32_t mt_c[VM_MEMATTR_COUNT] = {
	[VM_MEMATTR_WRITE_BACK] = 3,
	[VM_MEMATTR_WRITE_THROUGH] = 1,
	[VM_MEMATTR_WRITE_COMBINING] = 7,
	[VM_MEMATTR_UNCACHEABLE] = 2,
	[VM_MEMATTR_UNCACHED] = 2,
};
#define C_OF(lo)	(((lo) & MIPS_LO_C_MASK) >> MIPS_LO_C_SHIFT)

/* va's PTE under the segment table at root (big-endian machine). */
static uint32_t
pte_at(vm_paddr_t root, vm_offset_t va)
{
	vm_paddr_t ptp = physmem_ld32(&pm, root + (va >> 22) * 4, true);

	return (ptp != 0 ? physmem_ld32(&pm, ptp + ((va >> 12) & 1023) * 4,
	    true) : 0);
}

static uint64_t
ctr(int c, enum mmu_ctr i)
{
	uint64_t v[MMU_NCTR];

	mmu_counters_read(&cpus[c], v);
	return (v[i]);
}

static bool
in_utlb_mips(int c, vm_offset_t va, enum mmu_access_kind k)
{
	const struct mmu_utlb *u = &cpus[c].utlb[k][(va >> PAGE_SHIFT) &
	    (MMU_UTLB_SLOTS - 1)];

	return (u->vpn == va >> PAGE_SHIFT && u->gen == *cpus[c].tlb_gen);
}

static bool
touch_mips(int c, vm_offset_t va, bool write)
{
	return (mmu_access(&cpus[c], va, 4, write ? MMU_STORE : MMU_LOAD) == 0);
}

static void
test_memattr(void)
{
	struct pmap *a, *b;
	vm_page_t m, ks[2];
	struct vm_page fict;
	struct tlb_mips_entry e;
	vm_offset_t va = 0x400000, vb = 0x801000, kva;
	vm_paddr_t pa;
	uint64_t l1, l2, unc, wc, cyc;
	uint32_t lo;
	bool good, dirty;
	int c, i;

	smp_start(2);
	for (c = 0; c < 2; c++)
		ok(mmu_cpu_caches(&cpus[c], &mt_l1, &mt_l1, &mt_l2, NULL) == 0,
		    "memattr: cpu%d caches", c);
	a = pmap_create();
	b = pmap_create();
	pmap_activate(a, &cpus[0]);
	pmap_activate(b, &cpus[1]);
	trap_pmap[0] = a;
	trap_pmap[1] = b;
	m = page();
	vm_page_activate(m);
	ok(pmap_page_get_memattr(m) == VM_MEMATTR_WRITE_BACK,
	    "memattr: a page starts write-back");
	pmap_enter(a, va, VM_PROT_WRITE, m, VM_PROT_READ | VM_PROT_WRITE, false);
	pmap_enter(b, vb, VM_PROT_READ, m, VM_PROT_READ, false);
	ok(C_OF(pte_at(a->pm_root->phys_addr, va)) == 3 && touch_mips(0, va, true) &&
	    touch_mips(1, vb, false) && in_utlb_mips(0, va, MMU_STORE) &&
	    cache_probe(&cpus[0].l1d, m->phys_addr, &dirty, NULL) && dirty,
	    "memattr: WB (C 3): cached (a dirty line), fast path");

	good = true;
	for (i = VM_MEMATTR_COUNT - 1; i >= 0; i--) {
		vm_memattr_t ma = (vm_memattr_t)i;
		uint32_t la = 0, lb = 0;
		/* UC- after UC: the same C, nothing to rewrite. */
		int nsd = mt_c[ma] != mt_c[m->memattr] ? 2 : 0;

		ev_clear();
		pmap_page_set_memattr(m, ma);
		good &= pmap_page_get_memattr(m) == ma;
		good &= C_OF(pte_at(a->pm_root->phys_addr, va)) == mt_c[ma] &&
		    C_OF(pte_at(b->pm_root->phys_addr, vb)) == mt_c[ma];
		good &= check(a, "memattr a") && check(b, "memattr b");
		/* One rendezvous per mapping, each to the other CPU; the
		 * pairs are updated in place where the pmaps run. */
		good &= evn[EV_SHOOTDOWN] == nsd && evn[EV_IPI] == nsd &&
		    (nsd == 0 || strcmp(evlast[EV_SHOOTDOWN].type, "memattr") == 0);
		good &= lookup(0, va, asid_of(a, 0), false, NULL, &la) == TLBM_HIT &&
		    C_OF(la) == mt_c[ma] && lookup(1, vb, asid_of(b, 1), false,
		    NULL, &lb) == TLBM_HIT && C_OF(lb) == mt_c[ma];
		good &= !cache_probe(&cpus[0].l1d, m->phys_addr, NULL, NULL) &&
		    !cache_probe(cpus[0].l2, m->phys_addr, NULL, NULL) &&
		    !cache_probe(&cpus[1].l1d, m->phys_addr, NULL, NULL);
		good &= touch_mips(0, va, true) && touch_mips(1, vb, false);
		if (!good) {
			printf("# memattr %s failed: %d shootdowns, %d IPIs, C %u %u\n",
			    vm_memattr_name(ma), evn[EV_SHOOTDOWN], evn[EV_IPI],
			    C_OF(la), C_OF(lb));
			break;
		}
	}
	ok(good, "memattr: UC-, UC, WC, WT, WB in turn: both PTEs show C, one "
	    "memattr rendezvous per mapping whose C changed, the TLB pairs "
	    "updated in place, lines purged");

	/* UC. */
	pmap_page_set_memattr(m, VM_MEMATTR_UNCACHEABLE);
	l1 = ctr(0, CTR_L1D_ACCESSES);
	l2 = ctr(0, CTR_L2_ACCESSES);
	unc = ctr(0, CTR_UNCACHED);
	cyc = cpus[0].cycles;
	for (i = 0; i < 10; i++)
		(void)touch_mips(0, va + 4 * (vm_offset_t)i, i & 1);
	ok(ctr(0, CTR_UNCACHED) == unc + 10 && ctr(0, CTR_L1D_ACCESSES) == l1 &&
	    ctr(0, CTR_L2_ACCESSES) == l2 && cpus[0].cycles - cyc ==
	    10 * (cost.mem + cost.tlb_hit) && !in_utlb_mips(0, va, MMU_LOAD) &&
	    !cache_probe(&cpus[0].l1d, m->phys_addr, NULL, NULL) &&
	    !cache_probe(cpus[0].l2, m->phys_addr, NULL, NULL),
	    "UC: 10 accesses: 10 uncached, cost.mem each, no L1/L2 lookup or line");
	/* WC (uncached accelerated). */
	pmap_page_set_memattr(m, VM_MEMATTR_WRITE_COMBINING);
	(void)touch_mips(0, va, true);
	wc = ctr(0, CTR_WC);
	l1 = ctr(0, CTR_L1D_ACCESSES);
	cyc = cpus[0].cycles;
	for (i = 1; i < 8; i++)
		(void)touch_mips(0, va + 4 * (vm_offset_t)i, true);
	ok(ctr(0, CTR_WC) == wc + 7 && ctr(0, CTR_L1D_ACCESSES) == l1 &&
	    cpus[0].cycles - cyc == 7 * (cost.l1_hit + cost.tlb_hit) &&
	    !cache_probe(&cpus[0].l1d, m->phys_addr, NULL, NULL),
	    "WC: stores to the open line merge; counted as wc; no line");
	/* WT. */
	pmap_page_set_memattr(m, VM_MEMATTR_WRITE_THROUGH);
	(void)touch_mips(0, va, false);
	cyc = cpus[0].cycles;
	(void)touch_mips(0, va + 8, true);
	ok(cache_probe(&cpus[0].l1d, m->phys_addr, &dirty, NULL) && !dirty &&
	    cpus[0].cycles - cyc == cost.mem + cost.tlb_hit,
	    "WT: a load fills the line, a store leaves it clean and costs cost.mem");
	/* WB again. */
	pmap_page_set_memattr(m, VM_MEMATTR_WRITE_BACK);
	(void)touch_mips(0, va, false);
	l1 = ctr(0, CTR_L1D_ACCESSES);
	l2 = ctr(0, CTR_L1D_MISSES);
	unc = ctr(0, CTR_UNCACHED);
	(void)touch_mips(0, va + 4, false);
	ok(ctr(0, CTR_L1D_ACCESSES) == l1 + 1 && ctr(0, CTR_L1D_MISSES) == l2 &&
	    ctr(0, CTR_UNCACHED) == unc && in_utlb_mips(0, va, MMU_LOAD),
	    "WB again: cached, L1 hits, fast path");
	/* pmap_zero_page of an uncached page. */
	pmap_page_set_memattr(m, VM_MEMATTR_UNCACHED);
	unc = ctr(0, CTR_UNCACHED);
	l1 = ctr(0, CTR_L1D_ACCESSES);
	pmap_zero_page(m);
	ok(ctr(0, CTR_UNCACHED) == unc + PAGE_SIZE / 32 &&
	    ctr(0, CTR_L1D_ACCESSES) == l1, "zero_page: an uncached page is "
	    "zeroed with %u uncached stores", PAGE_SIZE / 32);
	pmap_page_set_memattr(m, VM_MEMATTR_WRITE_BACK);
	pmap_remove(a, va, va + PAGE_SIZE);
	pmap_remove(b, vb, vb + PAGE_SIZE);

	/* The kernel: a stack pair, the even page UC; wired slot 0. */
	ks[0] = page();
	ks[1] = page();
	pmap_page_set_memattr(ks[0], VM_MEMATTR_UNCACHEABLE);
	kva = pmap_kva_min + ptoa(32);
	pmap_qenter(kva, ks, 2);
	ok(C_OF(pte_at(kernel_pmap->pm_root->phys_addr, kva)) == 2 &&
	    C_OF(pte_at(kernel_pmap->pm_root->phys_addr, kva + PAGE_SIZE)) == 3,
	    "kernel: qenter: the UC page's PTE has C 2, its partner C 3");
	pmap_kstack_switch(&cpus[0], kva);
	tlb_mips_read(&cpus[0].tlb_mips, 0, &e);
	ok(C_OF(e.entrylo0) == 2 && C_OF(e.entrylo1) == 3,
	    "kernel: the wired pair carries both C fields");
	unc = ctr(0, CTR_UNCACHED);
	l1 = ctr(0, CTR_L1D_ACCESSES);
	ok(mmu_kaccess(&cpus[0], kva + 64, 64, true, &pa) == MMU_KA_OK &&
	    ctr(0, CTR_UNCACHED) == unc + 2 && ctr(0, CTR_L1D_ACCESSES) == l1 &&
	    !cache_probe(&cpus[0].l1d, ks[0]->phys_addr + 64, NULL, NULL),
	    "kernel: mmu_kaccess of it: two uncached lines, no D-cache access");
	ok(mmu_kaccess(&cpus[0], kva + PAGE_SIZE, 32, true, &pa) == MMU_KA_OK &&
	    ctr(0, CTR_UNCACHED) == unc + 2 && ctr(0, CTR_L1D_ACCESSES) == l1 + 1,
	    "kernel: its partner is cached");
	ev_clear();
	pmap_page_set_memattr(ks[0], VM_MEMATTR_WRITE_BACK);
	tlb_mips_read(&cpus[0].tlb_mips, 0, &e);
	ok(C_OF(pte_at(kernel_pmap->pm_root->phys_addr, kva)) == 3 &&
	    evn[EV_SHOOTDOWN] == 1 && strcmp(evlast[EV_SHOOTDOWN].type,
	    "memattr") == 0 && C_OF(e.entrylo0) == 3 && (e.entrylo0 & MIPS_LO_V) &&
	    (e.entryhi & MIPS_HI_VPN2_MASK) == kva, "kernel: WB while mapped: "
	    "the kernel PTE rewritten, the wired pair updated in place (one "
	    "memattr rendezvous)");
	pmap_kenter_attr(kva + 2 * PAGE_SIZE, ks[1]->phys_addr,
	    VM_MEMATTR_WRITE_COMBINING);
	ok(C_OF(pte_at(kernel_pmap->pm_root->phys_addr, kva + 2 * PAGE_SIZE)) == 7,
	    "kernel: pmap_kenter_attr(WC): C 7");
	pmap_kenter(kva + 2 * PAGE_SIZE, ks[1]->phys_addr);
	ok(C_OF(pte_at(kernel_pmap->pm_root->phys_addr, kva + 2 * PAGE_SIZE)) == 3,
	    "kernel: pmap_kenter: C 3");
	pmap_qremove(kva, 3);

	/* A fictitious page (frame 0, no vm_page): later mappings only. */
	memset(&fict, 0, sizeof(fict));
	fict.flags = PG_FICTITIOUS;
	fict.wire_count = 1;
	pmap_page_set_memattr(&fict, VM_MEMATTR_UNCACHEABLE);
	pmap_enter(a, va, VM_PROT_READ, &fict, VM_PROT_READ | VM_PROT_WRITE, false);
	ev_clear();
	pmap_page_set_memattr(&fict, VM_MEMATTR_WRITE_COMBINING);
	ok(pmap_page_get_memattr(&fict) == VM_MEMATTR_WRITE_COMBINING &&
	    C_OF(pte_at(a->pm_root->phys_addr, va)) == 2 && evn[EV_SHOOTDOWN] == 0,
	    "fictitious: the attribute changes, the existing mapping keeps C 2");
	pmap_enter(a, va + PAGE_SIZE, VM_PROT_READ, &fict, VM_PROT_READ, false);
	ok(C_OF(pte_at(a->pm_root->phys_addr, va + PAGE_SIZE)) == 7 &&
	    check(a, "fictitious"), "fictitious: a later mapping gets C 7");
	(void)lo;
	pmap_remove(a, va, va + 2 * PAGE_SIZE);
	pmap_destroy(a);
	pmap_destroy(b);
	trap_pmap[0] = trap_pmap[1] = NULL;
	vm_page_free(m);
	vm_page_free(ks[0]);
	vm_page_free(ks[1]);
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
	machine_start(ARCH_MIPS);
	test_basic(true);
	test_smp();
	test_access();
	test_shortage();
	test_random();
	test_hold_wiring();
	test_pv();
	machine_start(ARCH_MIPSEL);
	test_basic(false);
	test_access();
	test_random();
	test_rendezvous();
	test_skip();
	test_kernel();
	test_memattr();
	physmem_fini(&pm);
	return (tap_done());
}
