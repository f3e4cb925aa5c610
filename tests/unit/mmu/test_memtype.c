/*
 * tests/unit/mmu/test_memtype.c — memory types in the MMU model (enum
 * mmu_memtype in mmu/mmu.h): the decoding of MIPS EntryLo C values and of
 * amd64 PAT/PCD/PWT bits through the PAT MSR; the walker keeping the
 * leaf's PAT bit (4 KiB and 2 MiB leaves) and the TLB keeping the cache
 * bits; then, on bare CPUs with caches whose TLB the test writes
 * directly, the cost model of each type: write-back as before (micro-TLB
 * fast path), uncacheable (no L1/L2 lookup, no line, cost.mem per line,
 * counted "uncached", kept out of the micro-TLB), write-combining (loads
 * cost.mem, stores merged per line), write-through (loads cached, stores
 * update a present line clean and allocate none, cost.mem), the kernel's
 * accesses (mmu_kaccess: kseg1 uncached, an uncached TLB half) and
 * mmu_cache_purge.  cache_write_through is checked level by level.
 */
#include <string.h>

#include "mmu/cache.h"
#include "mmu/cost.h"
#include "mmu/mmu.h"
#include "mmu/physmem.h"
#include "sim/base/prng.h"
#include "tests/tap.h"

static struct physmem pm;
static struct cost_table cost;
static struct prng prng;

static int
no_trap(void *arg, struct mmu_cpu *c, const struct mmu_exc *exc)
{
	(void)arg;
	(void)c;
	(void)exc;
	return (-1);
}

static bool
in_utlb(const struct mmu_cpu *cpu, vm_offset_t va, enum mmu_access_kind k)
{
	const struct mmu_utlb *u = &cpu->utlb[k][(va >> PAGE_SHIFT) &
	    (MMU_UTLB_SLOTS - 1)];

	return (u->vpn == va >> PAGE_SHIFT && u->gen == *cpu->tlb_gen);
}

/* Counters with the cache-derived ones. */
static void
ctrs(const struct mmu_cpu *cpu, uint64_t v[MMU_NCTR])
{
	mmu_counters_read(cpu, v);
}

static void
test_decode(void)
{
	struct mmu_cpu cpu;
	static const enum mmu_memtype mips[8] = {
		MMU_MT_WT, MMU_MT_WT, MMU_MT_UC, MMU_MT_WB,
		MMU_MT_WB, MMU_MT_WB, MMU_MT_WB, MMU_MT_WC,
	};
	/* PAT_KERNEL: WB WT UC- UC WB WP WC UC. */
	static const enum mmu_memtype amd64[8] = {
		MMU_MT_WB, MMU_MT_WT, MMU_MT_UC, MMU_MT_UC,
		MMU_MT_WB, MMU_MT_WT, MMU_MT_WC, MMU_MT_UC,
	};
	bool good = true;
	unsigned i;

	for (i = 0; i < 8; i++)
		good &= mmu_memtype_mips(i << MIPS_LO_C_SHIFT | MIPS_LO_V |
		    MIPS_LO_PFN_MASK) == mips[i];
	ok(good, "mips: C 0,1 WT; 2 UC; 3-6 WB; 7 (uncached accelerated) WC");
	mmu_cpu_init(&cpu, 0, ARCH_AMD64, &pm, &cost, &prng, 0, 0);
	ok(cpu.pat == PAT_KERNEL && cpu.wc_line == UINT64_MAX,
	    "amd64: a CPU starts with the kernel's PAT, an empty WC buffer");
	good = true;
	for (i = 0; i < 8; i++)
		good &= mmu_memtype_amd64(&cpu, ((i & 4) ? PG_PTE_PAT : 0) |
		    ((i & 2) ? PG_PCD : 0) | ((i & 1) ? PG_PWT : 0) | PG_RW |
		    PG_U | PG_G | PG_M) == amd64[i];
	ok(good, "amd64: PAT index = PAT<<2|PCD<<1|PWT through the PAT MSR");
	cpu.pat = 0x0007040600070406ull;	/* the power-on PAT */
	ok(mmu_memtype_amd64(&cpu, PG_PTE_PAT | PG_PCD) == MMU_MT_UC &&
	    mmu_memtype_amd64(&cpu, PG_PTE_PAT | PG_PWT) == MMU_MT_WT,
	    "amd64: the MSR decides (power-on PA6 UC-, PA5 WT)");
	ok(strcmp(mmu_memtype_name(MMU_MT_WC), "WC") == 0 &&
	    strcmp(mmu_memtype_name(MMU_MT_UC), "UC") == 0, "names");
	mmu_cpu_fini(&cpu);
}

/* 4 KiB and 2 MiB leaves with cache bits: the walk and the TLB keep them. */
static void
test_walk(void)
{
	struct mmu_cpu cpu;
	struct walk_result r;
	struct tlb_amd64_entry *e;
	vm_paddr_t pml4 = 0x1000, pdpt = 0x2000, pd = 0x3000, pt = 0x4000;

	memset(pm.base, 0, 0x10000);
	physmem_st64le(&pm, pml4, pdpt | PG_V | PG_RW | PG_U);
	physmem_st64le(&pm, pdpt, pd | PG_V | PG_RW | PG_U);
	physmem_st64le(&pm, pd, pt | PG_V | PG_RW | PG_U);
	/* va 0x1000: 4 KiB, PAT|PCD (WC); va 0x200000: 2 MiB, PDE PAT|PWT. */
	physmem_st64le(&pm, pt + 8, 0x8000 | PG_V | PG_RW | PG_U | PG_PTE_PAT |
	    PG_PCD);
	physmem_st64le(&pm, pd + 8, 0x400000 | PG_V | PG_RW | PG_U | PG_PS |
	    PG_PDE_PAT | PG_PWT);
	ok(walk_amd64(&pm, pml4, 0x1234, WALK_READ, true, &r) == 0 &&
	    r.pa == 0x8234 && (r.flags & PG_CACHE_BITS) == (PG_PTE_PAT | PG_PCD),
	    "walk: a 4 KiB leaf's PAT and PCD in the flags");
	ok(walk_amd64(&pm, pml4, 0x201234, WALK_READ, true, &r) == 0 &&
	    r.pa == 0x401234 && r.pgsz == TLB_AMD64_2M &&
	    (r.flags & PG_CACHE_BITS) == (PG_PTE_PAT | PG_PWT),
	    "walk: a 2 MiB leaf's PAT (bit 12) reported as PG_PTE_PAT, not in the frame");
	mmu_cpu_init(&cpu, 0, ARCH_AMD64, &pm, &cost, &prng, 0, 0);
	(void)tlb_amd64_fill(&cpu.tlb_amd64, 0x1000, 0, WALK_READ, 0x8000,
	    PG_RW | PG_U | PG_PTE_PAT | PG_PCD, TLB_AMD64_4K);
	e = tlb_amd64_lookup(&cpu.tlb_amd64, 0x1000, 0);
	ok(e != NULL && (e->flags & PG_CACHE_BITS) == (PG_PTE_PAT | PG_PCD) &&
	    mmu_memtype_amd64(&cpu, e->flags) == MMU_MT_WC,
	    "tlb: the entry keeps the cache bits (WC)");
	mmu_cpu_fini(&cpu);
}

/* cache_write_through on a two-level hierarchy. */
static void
test_write_through(void)
{
	static const struct cache_geom l1g = { 1024, 2, 32, CACHE_LRU };
	static const struct cache_geom l2g = { 4096, 4, 32, CACHE_LRU };
	struct cache l1, l2;
	bool dirty;

	ok(cache_init(&l2, &l2g, NULL) == 0 && cache_init(&l1, &l1g, &l2) == 0,
	    "wt: caches");
	(void)cache_access(&l1, 0x100, 4, CACHE_READ, NULL);
	ok(cache_write_through(&l1, 0x104, 4) == 1 && l1.c.access[CACHE_WRITE] == 1 &&
	    l1.c.miss[CACHE_WRITE] == 0 && l2.c.access[CACHE_WRITE] == 1 &&
	    l2.c.miss[CACHE_WRITE] == 0 && l2.mem_writes == 1,
	    "wt: a present line hits at both levels, the bytes go to memory");
	ok(cache_probe(&l1, 0x100, &dirty, NULL) && !dirty &&
	    cache_probe(&l2, 0x100, &dirty, NULL) && !dirty,
	    "wt: the lines stay clean");
	ok(cache_write_through(&l1, 0x21c, 8) == 0 && l1.c.miss[CACHE_WRITE] == 2 &&
	    l2.c.miss[CACHE_WRITE] == 2 && l2.mem_writes == 3 &&
	    !cache_probe(&l1, 0x21c, NULL, NULL) && !cache_probe(&l1, 0x220, NULL, NULL) &&
	    !cache_probe(&l2, 0x220, NULL, NULL),
	    "wt: absent lines (two, across a line boundary) miss and allocate nothing");
	cache_fini(&l1);
	cache_fini(&l2);
}

static const struct cache_geom l1g_mips = { 4096, 2, 32, CACHE_LRU };
static const struct cache_geom l2g_mips = { 16384, 4, 32, CACHE_LRU };

/* MIPS slot idx maps the pair at va (ASID 1): even frame with C = c_even,
 * odd frame with c_odd, both V|D. */
static void
map_pair(struct mmu_cpu *cpu, unsigned idx, uint32_t va, vm_paddr_t even,
    unsigned c_even, vm_paddr_t odd, unsigned c_odd)
{
	struct tlb_mips_entry e = {
		.entryhi = (va & MIPS_HI_VPN2_MASK) | 1,
		.entrylo0 = (uint32_t)(even >> 12) << 6 | MIPS_LO_V | MIPS_LO_D |
		    c_even << MIPS_LO_C_SHIFT,
		.entrylo1 = (uint32_t)(odd >> 12) << 6 | MIPS_LO_V | MIPS_LO_D |
		    c_odd << MIPS_LO_C_SHIFT,
	};

	tlb_mips_write_indexed(&cpu->tlb_mips, idx, &e);
}

static void
test_access_mips(void)
{
	struct mmu_cpu cpu;
	uint64_t v0[MMU_NCTR], v1[MMU_NCTR], cyc;
	vm_paddr_t pa;
	bool dirty;
	int i;

	mmu_cpu_init(&cpu, 0, ARCH_MIPS, &pm, &cost, &prng, 16, 1);
	cpu.trap.trap = no_trap;
	ok(mmu_cpu_caches(&cpu, &l1g_mips, &l1g_mips, &l2g_mips, NULL) == 0,
	    "mips: caches");
	mmu_set_asid(&cpu, 1);
	/* 0x10000 -> 0x20000 write-back, 0x11000 -> 0x21000 uncached;
	 * 0x12000 -> 0x22000 uncached accelerated, 0x13000 -> 0x23000 WT. */
	map_pair(&cpu, 3, 0x10000, 0x20000, 3, 0x21000, 2);
	map_pair(&cpu, 4, 0x12000, 0x22000, 7, 0x23000, 1);

	/* Write-back: as ever. */
	ok(mmu_access(&cpu, 0x10000, 4, MMU_LOAD) == 0 && in_utlb(&cpu, 0x10000,
	    MMU_LOAD) && mmu_access(&cpu, 0x10004, 4, MMU_STORE) == 0,
	    "wb: cached, in the micro-TLB");
	ctrs(&cpu, v0);
	ok(v0[CTR_L1D_ACCESSES] == 2 && v0[CTR_L1D_MISSES] == 1 &&
	    v0[CTR_UNCACHED] == 0 && v0[CTR_WC] == 0, "wb: one miss, one hit");

	/* Uncached: no lookup, no line, cost.mem per line, slow path always. */
	cyc = cpu.cycles;
	ok(mmu_access(&cpu, 0x11000, 4, MMU_LOAD) == 0 &&
	    mmu_access(&cpu, 0x11010, 4, MMU_STORE) == 0 &&
	    mmu_access(&cpu, 0x11010, 4, MMU_LOAD) == 0 &&
	    !in_utlb(&cpu, 0x11000, MMU_LOAD) && !in_utlb(&cpu, 0x11000, MMU_STORE),
	    "uc: accesses work, never in the micro-TLB");
	ctrs(&cpu, v1);
	ok(v1[CTR_UNCACHED] == 3 && v1[CTR_L1D_ACCESSES] == v0[CTR_L1D_ACCESSES] &&
	    v1[CTR_L2_ACCESSES] == v0[CTR_L2_ACCESSES] && v1[CTR_LOADS] == 3 &&
	    v1[CTR_STORES] == 2 && v1[CTR_TLB_HITS] == v0[CTR_TLB_HITS] + 3,
	    "uc: three uncached transactions, no L1/L2 lookup, counted as "
	    "loads/stores and TLB hits");
	ok(cpu.cycles - cyc == 3 * (cost.mem + cost.tlb_hit),
	    "uc: each costs cost.mem (%llu cycles)",
	    (unsigned long long)(cpu.cycles - cyc));
	ok(!cache_probe(&cpu.l1d, 0x21000, NULL, NULL) &&
	    !cache_probe(cpu.l2, 0x21010, NULL, NULL), "uc: no line allocated");
	cyc = cpu.cycles;
	ok(mmu_access(&cpu, 0x1101c, 8, MMU_LOAD) == 0 && cpu.c[CTR_UNCACHED] == 5 &&
	    cpu.cycles - cyc == 2 * cost.mem + cost.tlb_hit,
	    "uc: an access across a line boundary is two transactions");
	cyc = cpu.cycles;
	ok(mmu_fetch(&cpu, 0x11100, 40) == 0 && cpu.c[CTR_UNCACHED] == 7 &&
	    cpu.l1i.c.access[CACHE_FETCH] == 0 && cpu.cycles - cyc ==
	    2 * cost.mem + cost.tlb_hit, "uc: a fetched block bypasses the I-cache");

	/* Write-combining: loads cost.mem; stores merge in a line buffer. */
	ctrs(&cpu, v0);
	cyc = cpu.cycles;
	for (i = 0; i < 8; i++)
		(void)mmu_access(&cpu, 0x12000 + 4 * (vm_offset_t)i, 4, MMU_STORE);
	ctrs(&cpu, v1);
	ok(v1[CTR_WC] == v0[CTR_WC] + 8 && v1[CTR_UNCACHED] == v0[CTR_UNCACHED] &&
	    v1[CTR_L1D_ACCESSES] == v0[CTR_L1D_ACCESSES] &&
	    cpu.cycles - cyc == cost.mem + 7 * cost.l1_hit + 8 * cost.tlb_hit,
	    "wc: 8 stores to one line: one memory burst, 7 merged (%llu cycles)",
	    (unsigned long long)(cpu.cycles - cyc));
	cyc = cpu.cycles;
	(void)mmu_access(&cpu, 0x12020, 4, MMU_STORE);
	(void)mmu_access(&cpu, 0x12000, 4, MMU_LOAD);
	(void)mmu_access(&cpu, 0x11000, 4, MMU_LOAD);	/* UC: drains */
	(void)mmu_access(&cpu, 0x12024, 4, MMU_STORE);
	ok(cpu.cycles - cyc == 4 * cost.mem + 4 * cost.tlb_hit && cpu.c[CTR_WC] ==
	    v1[CTR_WC] + 3 && !cache_probe(&cpu.l1d, 0x22000, NULL, NULL) &&
	    !in_utlb(&cpu, 0x12000, MMU_STORE),
	    "wc: a new line opens the buffer, a load costs cost.mem, an uncached "
	    "access drains it; no line, no micro-TLB");

	/* Write-through. */
	ctrs(&cpu, v0);
	cyc = cpu.cycles;
	(void)mmu_access(&cpu, 0x13000, 4, MMU_LOAD);	/* miss: fill */
	(void)mmu_access(&cpu, 0x13004, 4, MMU_LOAD);	/* hit */
	ctrs(&cpu, v1);
	ok(v1[CTR_L1D_ACCESSES] == v0[CTR_L1D_ACCESSES] + 2 &&
	    v1[CTR_L1D_MISSES] == v0[CTR_L1D_MISSES] + 1 &&
	    cache_probe(&cpu.l1d, 0x23000, NULL, NULL) && !in_utlb(&cpu, 0x13000,
	    MMU_LOAD), "wt: loads are cached (slow path)");
	cyc = cpu.cycles;
	(void)mmu_access(&cpu, 0x13008, 4, MMU_STORE);	/* present line */
	ctrs(&cpu, v0);
	ok(v0[CTR_L1D_ACCESSES] == v1[CTR_L1D_ACCESSES] + 1 &&
	    v0[CTR_L1D_MISSES] == v1[CTR_L1D_MISSES] &&
	    cache_probe(&cpu.l1d, 0x23000, &dirty, NULL) && !dirty &&
	    cpu.cycles - cyc == cost.mem + cost.tlb_hit,
	    "wt: a store to a present line hits, leaves it clean, costs cost.mem");
	(void)mmu_access(&cpu, 0x13400, 4, MMU_STORE);	/* absent line */
	ctrs(&cpu, v1);
	ok(v1[CTR_L1D_MISSES] == v0[CTR_L1D_MISSES] + 1 &&
	    !cache_probe(&cpu.l1d, 0x23400, NULL, NULL) &&
	    !cache_probe(cpu.l2, 0x23400, NULL, NULL) && v1[CTR_UNCACHED] ==
	    v0[CTR_UNCACHED] && v1[CTR_WC] == v0[CTR_WC],
	    "wt: a store to an absent line allocates none");

	/* The kernel: kseg1 is uncached, kseg0 cached; an uncached half. */
	ctrs(&cpu, v0);
	ok(mmu_kaccess(&cpu, 0xa0030000u, 64, true, &pa) == MMU_KA_OK &&
	    pa == 0x30000, "kaccess: kseg1");
	ctrs(&cpu, v1);
	ok(v1[CTR_UNCACHED] == v0[CTR_UNCACHED] + 2 &&
	    v1[CTR_L1D_ACCESSES] == v0[CTR_L1D_ACCESSES] &&
	    !cache_probe(&cpu.l1d, 0x30000, NULL, NULL),
	    "kaccess: kseg1 bypasses the caches (two lines, two transactions)");
	ok(mmu_kaccess(&cpu, 0x80030000u, 64, false, &pa) == MMU_KA_OK &&
	    cache_probe(&cpu.l1d, 0x30020, NULL, NULL), "kaccess: kseg0 is cached");
	ctrs(&cpu, v0);
	ok(mmu_kaccess(&cpu, 0x11040, 8, false, &pa) == MMU_KA_OK &&
	    cpu.c[CTR_UNCACHED] == v0[CTR_UNCACHED] + 1 &&
	    cpu.l1d.c.access[CACHE_READ] + cpu.l1d.c.access[CACHE_WRITE] ==
	    v0[CTR_L1D_ACCESSES], "kaccess: through an uncached TLB half");

	/* mmu_cache_purge writes back and drops a page's lines. */
	(void)mmu_access(&cpu, 0x10008, 4, MMU_STORE);
	ok(cache_probe(&cpu.l1d, 0x20000, &dirty, NULL) && dirty,
	    "purge: a dirty line of the write-back page");
	ctrs(&cpu, v0);
	mmu_cache_purge(&cpu, 0x20000, PAGE_SIZE);
	ctrs(&cpu, v1);
	ok(!cache_probe(&cpu.l1d, 0x20000, NULL, NULL) &&
	    !cache_probe(cpu.l2, 0x20000, NULL, NULL) &&
	    v1[CTR_WRITEBACKS] >= v0[CTR_WRITEBACKS] + 2 && cpu.wc_line == UINT64_MAX,
	    "purge: gone from L1 and L2, written back through L2 to memory");
	mmu_cpu_fini(&cpu);
}

/* amd64: the same through TLB entries filled with the cache bits. */
static void
test_access_amd64(void)
{
	static const struct cache_geom l1g = { 4096, 4, 64, CACHE_LRU };
	static const struct cache_geom l2g = { 16384, 4, 64, CACHE_LRU };
	struct mmu_cpu cpu;
	uint64_t v0[MMU_NCTR], v1[MMU_NCTR], cyc;
	uint64_t f = PG_RW | PG_U | PG_M;
	bool dirty;
	int i;

	cost_defaults(&cost, ARCH_AMD64);
	mmu_cpu_init(&cpu, 0, ARCH_AMD64, &pm, &cost, &prng, 0, 0);
	cpu.trap.trap = no_trap;
	ok(mmu_cpu_caches(&cpu, &l1g, &l1g, &l2g, NULL) == 0, "amd64: caches");
	cpu.cr3 = 0;		/* every translation below is in the TLB */
	(void)tlb_amd64_fill(&cpu.tlb_amd64, 0x10000, 0, WALK_READ, 0x20000, f,
	    TLB_AMD64_4K);
	(void)tlb_amd64_fill(&cpu.tlb_amd64, 0x11000, 0, WALK_READ, 0x21000,
	    f | PG_PCD | PG_PWT, TLB_AMD64_4K);	/* UC */
	(void)tlb_amd64_fill(&cpu.tlb_amd64, 0x12000, 0, WALK_READ, 0x22000,
	    f | PG_PCD, TLB_AMD64_4K);			/* UC- */
	(void)tlb_amd64_fill(&cpu.tlb_amd64, 0x13000, 0, WALK_READ, 0x23000,
	    f | PG_PTE_PAT | PG_PCD, TLB_AMD64_4K);	/* WC */
	(void)tlb_amd64_fill(&cpu.tlb_amd64, 0x14000, 0, WALK_READ, 0x24000,
	    f | PG_PWT, TLB_AMD64_4K);			/* WT */

	ok(mmu_access(&cpu, 0x10000, 8, MMU_LOAD) == 0 && in_utlb(&cpu, 0x10000,
	    MMU_LOAD), "wb: in the micro-TLB");
	ctrs(&cpu, v0);
	cyc = cpu.cycles;
	ok(mmu_access(&cpu, 0x11000, 8, MMU_LOAD) == 0 &&
	    mmu_access(&cpu, 0x12000, 8, MMU_STORE) == 0 &&
	    mmu_kaccess(&cpu, 0x11040, 8, true, &(vm_paddr_t){ 0 }) == MMU_KA_OK,
	    "uc, uc-: accesses");
	ctrs(&cpu, v1);
	ok(v1[CTR_UNCACHED] == v0[CTR_UNCACHED] + 3 &&
	    v1[CTR_L1D_ACCESSES] == v0[CTR_L1D_ACCESSES] &&
	    v1[CTR_L2_ACCESSES] == v0[CTR_L2_ACCESSES] &&
	    cpu.cycles - cyc == 3 * (cost.mem + cost.tlb_hit) &&
	    !in_utlb(&cpu, 0x11000, MMU_LOAD) &&
	    !cache_probe(&cpu.l1d, 0x21000, NULL, NULL) &&
	    !cache_probe(&cpu.l1d, 0x22000, NULL, NULL),
	    "uc, uc-: cost.mem each, no L1/L2 lookup, no line, no micro-TLB");
	cyc = cpu.cycles;
	for (i = 0; i < 16; i++)
		(void)mmu_access(&cpu, 0x13000 + 4 * (vm_offset_t)i, 4, MMU_STORE);
	ok(cpu.c[CTR_WC] == 16 && cpu.cycles - cyc == cost.mem + 15 * cost.l1_hit +
	    16 * cost.tlb_hit, "wc: 16 stores to a 64-byte line, one burst");
	ctrs(&cpu, v0);
	(void)mmu_access(&cpu, 0x14000, 4, MMU_LOAD);
	(void)mmu_access(&cpu, 0x14000, 4, MMU_STORE);
	ctrs(&cpu, v1);
	ok(v1[CTR_L1D_ACCESSES] == v0[CTR_L1D_ACCESSES] + 2 &&
	    v1[CTR_L1D_MISSES] == v0[CTR_L1D_MISSES] + 1 &&
	    cache_probe(&cpu.l1d, 0x24000, &dirty, NULL) && !dirty,
	    "wt: load fills, store hits and leaves the line clean");
	mmu_cpu_fini(&cpu);
	cost_defaults(&cost, ARCH_MIPS);
}

int
main(void)
{
	if (physmem_init(&pm, 1u << 23) != 0) {
		printf("Bail out! physmem_init\n");
		return (1);
	}
	cost_defaults(&cost, ARCH_MIPS);
	prng_seed(&prng, 3);
	test_decode();
	test_walk();
	test_write_through();
	test_access_mips();
	test_access_amd64();
	physmem_fini(&pm);
	return (tap_done());
}
