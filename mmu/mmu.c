/*
 * mmu/mmu.c — the access path of one CPU's memory hardware: the TLB
 * lookup, the exceptions it raises (MIPS refill/invalid/modified, amd64
 * #PF after a hardware walk), the retry after the kernel resolved them,
 * and the host view update that lets Unicorn's access land on the frame.
 *
 * The fast path (mmu_access in mmu.h) is a tag compare against the
 * micro-TLB and an inline probe of L1; this file is the slow path.  Cycle
 * charges follow the cost table (mmu/cost.h): physical accesses cost the
 * latency of the cache level that supplied them (mmu/cache.h), or the
 * memory latency for pages whose memory type bypasses the caches (enum
 * mmu_memtype: amd64 PAT, SDM Vol. 3A 11.3 and 11.12; MIPS32 Vol. I 7.3
 * cache coherency attributes).
 */
#include "mmu/mmu.h"
#include "mmu/view.h"
#include "sim/base/event.h"

#include <stddef.h>
#include <stdio.h>
#include <string.h>

/* Translation attempts per access before declaring the kernel broken: a
 * refill, then an invalid, then a modified exception is the longest
 * legitimate chain (plus a COW fault). */
#define MMU_MAX_RETRIES 8

/* MIPS user accesses at or above this address are address errors. */
#define MIPS_KUSEG_END 0x80000000ull

const char *const mmu_ctr_names[MMU_NCTR] = {
	[CTR_INSNS] = "insns",
	[CTR_LOADS] = "loads", [CTR_STORES] = "stores", [CTR_FETCHES] = "fetches",
	[CTR_TLB_HITS] = "tlb_hits", [CTR_TLB_MISSES] = "tlb_misses",
	[CTR_TLB_L2_HITS] = "tlb_l2_hits",
	[CTR_REFILLS] = "tlb_refills", [CTR_TLB_INVALID] = "tlb_invalid",
	[CTR_TLB_MODIFIED] = "tlb_modified",
	[CTR_WALKS] = "walks", [CTR_WALK_LOADS] = "walk_loads",
	[CTR_PAGE_FAULTS] = "page_faults",
	[CTR_L1I_ACCESSES] = "l1i_accesses", [CTR_L1I_MISSES] = "l1i_misses",
	[CTR_L1D_ACCESSES] = "l1d_accesses", [CTR_L1D_MISSES] = "l1d_misses",
	[CTR_L2_ACCESSES] = "l2_accesses", [CTR_L2_MISSES] = "l2_misses",
	[CTR_WRITEBACKS] = "writebacks", [CTR_STALE_IFETCH] = "stale_ifetch",
	[CTR_ICACHE_SYNCS] = "icache_syncs",
	[CTR_UNCACHED] = "uncached", [CTR_WC] = "wc",
};

int
mmu_cpu_caches(struct mmu_cpu *cpu, const struct cache_geom *l1i,
    const struct cache_geom *l1d, const struct cache_geom *l2, struct cache *shared_l2)
{
	if (shared_l2 != NULL) {
		cpu->l2 = shared_l2;
	} else {
		if (cache_init(&cpu->l2_own, l2, NULL) != 0)
			return -1;
		cpu->l2 = &cpu->l2_own;
	}
	if (cache_init(&cpu->l1i, l1i, cpu->l2) != 0 ||
	    cache_init(&cpu->l1d, l1d, cpu->l2) != 0) {
		mmu_cpu_fini(cpu);
		return -1;
	}
	/* MIPS I-caches do not snoop stores; amd64's are coherent. */
	cpu->icache_incoherent = sim_arch_is_mips(cpu->arch);
	cpu->last_fetch_pa = UINT64_MAX;
	if (cpu->icache_incoherent)
		cache_set_dpeer(&cpu->l1i, &cpu->l1d);
	cpu->has_caches = true;
	return 0;
}

void
mmu_cpu_tlb_geom(struct mmu_cpu *cpu, const struct tlb_amd64_geom *g)
{
	KASSERT(cpu->arch == ARCH_AMD64, ("mmu_cpu_tlb_geom on a MIPS CPU"));
	tlb_amd64_init_geom(&cpu->tlb_amd64, g);
	mmu_utlb_flush(cpu);
}

void
mmu_cpu_fini(struct mmu_cpu *cpu)
{
	cache_fini(&cpu->l1i);
	cache_fini(&cpu->l1d);
	if (cpu->l2 == &cpu->l2_own)
		cache_fini(&cpu->l2_own);
	cpu->l2 = NULL;
	cpu->has_caches = false;
}

void
mmu_counters_read(const struct mmu_cpu *cpu, uint64_t out[MMU_NCTR])
{
	const struct cache_counters *i = &cpu->l1i.c, *d = &cpu->l1d.c;

	memcpy(out, cpu->c, sizeof(cpu->c));
	if (!cpu->has_caches)
		return;
	out[CTR_L1I_ACCESSES] = i->access[CACHE_FETCH];
	out[CTR_L1I_MISSES] = i->miss[CACHE_FETCH];
	out[CTR_L1D_ACCESSES] = d->access[CACHE_READ] + d->access[CACHE_WRITE];
	out[CTR_L1D_MISSES] = d->miss[CACHE_READ] + d->miss[CACHE_WRITE];
	/* A shared L2 is counted in full by every CPU's read-out; the
	 * machine reads it once for the machine totals. */
	out[CTR_L2_ACCESSES] = cpu->l2->c.access[CACHE_READ] + cpu->l2->c.access[CACHE_WRITE] +
	    cpu->l2->c.access[CACHE_FETCH];
	out[CTR_L2_MISSES] = cpu->l2->c.miss[CACHE_READ] + cpu->l2->c.miss[CACHE_WRITE] +
	    cpu->l2->c.miss[CACHE_FETCH];
	out[CTR_WRITEBACKS] = d->writebacks + i->writebacks + cpu->l2->c.writebacks;
	out[CTR_STALE_IFETCH] = i->stale_fetches;
}

/* ---- memory types ---- */

enum mmu_memtype
mmu_memtype_mips(uint32_t entrylo)
{
	switch ((entrylo & MIPS_LO_C_MASK) >> MIPS_LO_C_SHIFT) {
	case 2:
		return (MMU_MT_UC);	/* uncached */
	case 7:
		return (MMU_MT_WC);	/* uncached accelerated */
	case 0:
	case 1:
		return (MMU_MT_WT);	/* cacheable write-through */
	default:
		return (MMU_MT_WB);	/* 3: noncoherent write-back; 4-6 coherent */
	}
}

enum mmu_memtype
mmu_memtype_amd64(const struct mmu_cpu *cpu, uint64_t flags)
{
	unsigned idx = ((flags & PG_PTE_PAT) ? 4u : 0u) |
	    ((flags & PG_PCD) ? 2u : 0u) | ((flags & PG_PWT) ? 1u : 0u);

	switch ((cpu->pat >> (8 * idx)) & 0xff) {
	case PAT_WB:
		return (MMU_MT_WB);
	case PAT_WT:
	case PAT_WP:		/* XXX: write-protected behaves as write-through */
		return (MMU_MT_WT);
	case PAT_WC:
		return (MMU_MT_WC);
	default:		/* UC, UC- (no MTRR makes it WC here), reserved */
		return (MMU_MT_UC);
	}
}

const char *
mmu_memtype_name(enum mmu_memtype mt)
{
	static const char *const names[] = {
		[MMU_MT_WB] = "WB", [MMU_MT_WT] = "WT", [MMU_MT_WC] = "WC",
		[MMU_MT_UC] = "UC",
	};

	return ((unsigned)mt < nitems(names) ? names[mt] : "?");
}

/* log2 of the bus transaction size: the L1 D line, else 64 bytes. */
static unsigned
mmu_bus_shift(const struct mmu_cpu *cpu)
{
	return (cpu->has_caches ? cpu->l1d.line_shift : 6);
}

/* A write-through store: present lines updated, none allocated or
 * dirtied; every line goes to memory. */
static void
mmu_wt_store(struct mmu_cpu *cpu, vm_paddr_t pa, unsigned size)
{
	unsigned shift = mmu_bus_shift(cpu);
	uint64_t n = ((pa + size - 1) >> shift) - (pa >> shift) + 1;

	if (__builtin_expect(cpu->din != NULL, 0))
		mmu_din(cpu, pa, size, MMU_STORE);
	cpu->cycles += n * cpu->cost.mem;
	if (!cpu->has_caches)
		return;
	(void)cache_write_through(&cpu->l1d, pa, size);
	if (cpu->icache_incoherent)
		(void)cache_store_notify(&cpu->l1i, pa, size);
	cpu->last_fetch_pa = UINT64_MAX;
}

void
mmu_mem_access(struct mmu_cpu *cpu, vm_paddr_t pa, unsigned size,
    enum mmu_access_kind kind, enum mmu_memtype mt)
{
	unsigned shift;
	vm_paddr_t line, last;

	KASSERT(size >= 1, ("mmu_mem_access: size 0 at %#llx",
	    (unsigned long long)pa));
	switch (mt) {
	case MMU_MT_WB:
		mmu_cache_access(cpu, pa, size, kind);
		return;
	case MMU_MT_WT:
		if (kind == MMU_STORE)
			mmu_wt_store(cpu, pa, size);
		else
			mmu_cache_access(cpu, pa, size, kind);
		return;
	case MMU_MT_WC:
	case MMU_MT_UC:
		break;
	}
	shift = mmu_bus_shift(cpu);
	line = pa >> shift;
	last = (pa + size - 1) >> shift;
	if (mt == MMU_MT_UC) {
		/* Each line one memory transaction, after the WC buffer
		 * drained (uncached accesses are strongly ordered). */
		cpu->wc_line = UINT64_MAX;
		cpu->c[CTR_UNCACHED] += last - line + 1;
		cpu->cycles += (last - line + 1) * cpu->cost.mem;
		return;
	}
	cpu->c[CTR_WC] += last - line + 1;
	for (; line <= last; line++) {
		if (kind == MMU_STORE && line == cpu->wc_line) {
			cpu->cycles += cpu->cost.l1_hit;	/* merged */
			continue;
		}
		cpu->cycles += cpu->cost.mem;
		if (kind == MMU_STORE)
			cpu->wc_line = line;	/* the buffer opens on this line */
	}
}

void
mmu_cache_purge(struct mmu_cpu *cpu, vm_paddr_t pa, uint64_t len)
{
	cpu->wc_line = UINT64_MAX;
	cpu->last_fetch_pa = UINT64_MAX;
	if (!cpu->has_caches || len == 0)
		return;
	(void)cache_writeback_range(&cpu->l1d, pa, len);
	(void)cache_invalidate_range(&cpu->l1d, pa, len);
	(void)cache_invalidate_range(&cpu->l1i, pa, len);
	(void)cache_writeback_range(cpu->l2, pa, len);
	(void)cache_invalidate_range(cpu->l2, pa, len);
}

/* The slow half of mmu_cache_access: lines that missed the fast path. */
void
mmu_cache_slow(struct mmu_cpu *cpu, vm_paddr_t pa, unsigned size,
    enum mmu_access_kind kind)
{
	static const enum cache_op op[] = {
		[MMU_LOAD] = CACHE_READ, [MMU_STORE] = CACHE_WRITE, [MMU_FETCH] = CACHE_FETCH,
	};
	struct cache_result r;

	if (!cpu->has_caches) {
		cpu->cycles += cpu->cost.l1_hit;
		return;
	}
	(void)cache_access(kind == MMU_FETCH ? &cpu->l1i : &cpu->l1d, pa, size, op[kind], &r);
	cpu->cycles += (uint64_t)r.supplied[1] * cpu->cost.l1_hit +
	    (uint64_t)r.supplied[2] * cpu->cost.l2_hit +
	    (uint64_t)r.supplied[0] * cpu->cost.mem;
	if (kind == MMU_STORE && cpu->icache_incoherent)
		(void)cache_store_notify(&cpu->l1i, pa, size);
	cpu->last_fetch_pa = UINT64_MAX;	/* the I-cache may have changed */
	if (r.stale) {
		/* Executing bytes the I-cache holds from before a store: the
		 * program forgot SYNCI/cacheflush.  The engine runs the new
		 * bytes (Unicorn stays coherent); the model logs the fault. */
		struct event ev = event_make(EV_STALE_IFETCH, NULL,
		    trunc_page(cpu->fetch_va) | (pa & PAGE_MASK));

		ev.pa = pa;
		snprintf(ev.detail, sizeof(ev.detail), "I-cache line %#llx is stale",
		    (unsigned long long)(pa & ~(vm_paddr_t)(cpu->l1i.g.line_bytes - 1)));
		event_emit(&ev, 0);
	}
}

void
mmu_din(struct mmu_cpu *cpu, vm_paddr_t pa, unsigned size, enum mmu_access_kind kind)
{
	static const int label[] = {
		[MMU_LOAD] = DIN_READ, [MMU_STORE] = DIN_WRITE, [MMU_FETCH] = DIN_IFETCH,
	};

	(void)din_sink_access(cpu->din, label[kind], pa, size, cpu->din_granule);
}

void
mmu_icache_sync(struct mmu_cpu *cpu, vm_offset_t va, vm_paddr_t pa, uint64_t len,
    const char *why)
{
	struct event ev;

	cpu->c[CTR_ICACHE_SYNCS]++;
	cpu->last_fetch_pa = UINT64_MAX;
	if (cpu->has_caches) {
		(void)cache_writeback_range(&cpu->l1d, pa, len);
		(void)cache_invalidate_range(&cpu->l1i, pa, len);
	}
	ev = event_make(EV_ICACHE_SYNC, why, va);
	ev.pa = pa;
	snprintf(ev.detail, sizeof(ev.detail), "%llu bytes", (unsigned long long)len);
	event_emit(&ev, 0);
}

void
mmu_icache_flush(struct mmu_cpu *cpu, vm_paddr_t pa, uint64_t len, bool writeback_d)
{
	cpu->last_fetch_pa = UINT64_MAX;
	if (!cpu->has_caches)
		return;
	if (writeback_d)
		(void)cache_writeback_range(&cpu->l1d, pa, len);
	(void)cache_invalidate_range(&cpu->l1i, pa, len);
}

void
mmu_cpu_init(struct mmu_cpu *cpu, int id, enum sim_arch arch,
    struct physmem *pm, const struct cost_table *cost, struct prng *prng,
    unsigned tlb_entries, unsigned tlb_wired)
{
	memset(cpu, 0, sizeof(*cpu));
	cpu->id = id;
	cpu->arch = arch;
	cpu->big_endian = arch == ARCH_MIPS;
	cpu->pm = pm;
	cpu->cost = *cost;
	cpu->pat = PAT_KERNEL;
	cpu->wc_line = UINT64_MAX;
	if (sim_arch_is_mips(arch)) {
		tlb_mips_init(&cpu->tlb_mips, tlb_entries ? tlb_entries : 48,
		    tlb_wired, prng);
		cpu->tlb_gen = &cpu->tlb_mips.gen;
	} else {
		/* 0: the default hierarchy (L1 ITLB/DTLB, STLB, walk caches);
		 * N: L1 ITLB and DTLB of N fully associative entries each. */
		tlb_amd64_init(&cpu->tlb_amd64, tlb_entries);
		cpu->tlb_gen = &cpu->tlb_amd64.gen;
		cpu->lru_tick = &cpu->tlb_amd64.tick;
	}
	mmu_utlb_flush(cpu);
}

void
mmu_utlb_flush(struct mmu_cpu *cpu)
{
	for (size_t k = 0; k < nitems(cpu->utlb); k++)
		for (size_t i = 0; i < MMU_UTLB_SLOTS; i++)
			cpu->utlb[k][i].vpn = UINT64_MAX;
}

void
mmu_set_asid(struct mmu_cpu *cpu, uint8_t asid)
{
	cpu->asid = asid;
	mmu_utlb_flush(cpu);
}

void
mmu_set_cr3(struct mmu_cpu *cpu, uint64_t cr3, uint16_t pcid)
{
	cpu->cr3 = cr3;
	cpu->pcid = pcid;
	mmu_utlb_flush(cpu);
}

void
mmu_set_view(struct mmu_cpu *cpu, struct mmu_view *view)
{
	cpu->view = view;
	mmu_utlb_flush(cpu);
}

void
mmu_phys_access(struct mmu_cpu *cpu, vm_paddr_t pa, unsigned size, bool store)
{
	mmu_cache_access(cpu, pa, size, store ? MMU_STORE : MMU_LOAD);
}

/* Raise exc to the kernel; 0 = retry, -1 = the access is refused. */
static int
mmu_raise(struct mmu_cpu *cpu, enum mmu_exc_type type, enum mmu_access_kind kind,
    vm_offset_t va, uint32_t error_code)
{
	struct mmu_exc exc = {
		.type = type, .kind = kind, .va = va, .error_code = error_code,
	};

	cpu->cycles += cpu->cost.exc_entry + cpu->cost.exc_return;
	return cpu->trap.trap(cpu->trap.arg, cpu, &exc);
}

/*
 * Translate the page of va on a MIPS CPU.  On success *pa_page is the
 * frame and *writable says whether stores may go straight through.
 */
static int
mmu_translate_mips(struct mmu_cpu *cpu, vm_offset_t va, enum mmu_access_kind kind,
    vm_paddr_t *pa_page, bool *writable, uint64_t **lru, enum mmu_memtype *mt)
{
	bool store = kind == MMU_STORE;

	if (va >= MIPS_KUSEG_END) {
		/* User-mode access to kseg0/1/2: Address Error.  Nothing
		 * the kernel does makes it succeed. */
		(void)mmu_raise(cpu, EXC_ADDRESS_ERROR, kind, va, 0);
		return -1;
	}
	for (int i = 0; i < MMU_MAX_RETRIES; i++) {
		vm_paddr_t pa;
		uint32_t lo;
		enum tlb_mips_result r = tlb_mips_lookup(&cpu->tlb_mips,
		    (uint32_t)va, cpu->asid, store, &pa, &lo);

		switch (r) {
		case TLBM_HIT:
			cpu->c[CTR_TLB_HITS]++;
			*pa_page = trunc_page(pa);
			*writable = (lo & MIPS_LO_D) != 0;
			*lru = NULL;	/* random replacement: no age to keep */
			*mt = mmu_memtype_mips(lo);
			return 0;
		case TLBM_REFILL:
			cpu->c[CTR_TLB_MISSES]++;
			cpu->c[CTR_REFILLS]++;
			cpu->cycles += cpu->cost.refill_insns;
			tlb_mips_exception(&cpu->tlb_mips, (uint32_t)va);
			if (mmu_raise(cpu, EXC_TLB_REFILL, kind, va, 0) != 0)
				return -1;
			break;
		case TLBM_INVALID:
			cpu->c[CTR_TLB_INVALID]++;
			cpu->c[CTR_PAGE_FAULTS]++;
			tlb_mips_exception(&cpu->tlb_mips, (uint32_t)va);
			if (mmu_raise(cpu, EXC_TLB_INVALID, kind, va, 0) != 0)
				return -1;
			break;
		case TLBM_MODIFIED:
			cpu->c[CTR_TLB_MODIFIED]++;
			tlb_mips_exception(&cpu->tlb_mips, (uint32_t)va);
			if (mmu_raise(cpu, EXC_TLB_MODIFIED, kind, va, 0) != 0)
				return -1;
			break;
		}
	}
	panic("mmu: cpu%d: va %#llx still untranslated after %d exceptions",
	    cpu->id, (unsigned long long)va, MMU_MAX_RETRIES);
}

/* Does a TLB entry with these effective flags allow the access without
 * a walk?  (A store through a clean entry needs the walker to set D.) */
static bool
amd64_allows(uint64_t flags, enum mmu_access_kind kind)
{
	if ((flags & PG_U) == 0)
		return false;
	switch (kind) {
	case MMU_LOAD: return true;
	case MMU_STORE: return (flags & (PG_RW | PG_M)) == (PG_RW | PG_M);
	case MMU_FETCH: return (flags & PG_NX) == 0;
	}
	return false;
}

static int
mmu_translate_amd64(struct mmu_cpu *cpu, vm_offset_t va, enum mmu_access_kind kind,
    vm_paddr_t *pa_page, bool *writable, uint64_t **lru, enum mmu_memtype *mt)
{
	static const enum walk_access wa[] = {
		[MMU_LOAD] = WALK_READ, [MMU_STORE] = WALK_WRITE, [MMU_FETCH] = WALK_FETCH,
	};

	for (int i = 0; i < MMU_MAX_RETRIES; i++) {
		enum tlb_amd64_hit hit;
		struct tlb_amd64_entry *e = tlb_amd64_lookup_access(&cpu->tlb_amd64,
		    va, cpu->pcid, wa[kind], &hit);
		struct walk_result wr;

		if (e != NULL && amd64_allows(e->flags, kind)) {
			cpu->c[CTR_TLB_HITS]++;
			if (hit == TLB_AMD64_HIT_L2) {
				cpu->c[CTR_TLB_L2_HITS]++;
				cpu->cycles += cpu->cost.tlb_l2_hit;
			}
			*pa_page = trunc_page(tlb_amd64_entry_pa(e, va));
			*writable = amd64_allows(e->flags, MMU_STORE);
			*lru = &e->lru;
			*mt = mmu_memtype_amd64(cpu, e->flags);
			return 0;
		}
		/* Miss, or an entry that does not allow this access: the
		 * hardware walks (the SDM lets it re-walk before faulting). */
		cpu->c[CTR_TLB_MISSES]++;
		cpu->c[CTR_WALKS]++;
		if (walk_amd64_pwc(cpu->pm, &cpu->tlb_amd64.pwc, cpu->pcid,
		    cpu->cr3, va, wa[kind], true, &wr) == 0) {
			for (int l = 0; l < wr.nloads; l++)
				mmu_phys_access(cpu, wr.load_pa[l], 8, false);
			cpu->c[CTR_WALK_LOADS] += (uint64_t)wr.nloads;
			cpu->cycles += (uint64_t)wr.nloads * cpu->cost.walk_step;
			(void)tlb_amd64_fill(&cpu->tlb_amd64, va, cpu->pcid,
			    wa[kind], wr.pa, wr.flags, wr.pgsz);
			continue;	/* the retry hits */
		}
		for (int l = 0; l < wr.nloads; l++)
			mmu_phys_access(cpu, wr.load_pa[l], 8, false);
		cpu->c[CTR_WALK_LOADS] += (uint64_t)wr.nloads;
		cpu->cycles += (uint64_t)wr.nloads * cpu->cost.walk_step;
		cpu->c[CTR_PAGE_FAULTS]++;
		/* A faulting walk drops any entry for va (SDM 4.10.4.1). */
		tlb_amd64_invlpg(&cpu->tlb_amd64, va, cpu->pcid);
		if (mmu_raise(cpu, EXC_PAGE_FAULT, kind, va, wr.error_code) != 0)
			return -1;
	}
	panic("mmu: cpu%d: va %#llx still untranslated after %d faults",
	    cpu->id, (unsigned long long)va, MMU_MAX_RETRIES);
}

/* ---- the stale watch (--bug skip-shootdown) ---- */

static struct mmu_stale *
mmu_stale_find(const struct mmu_cpu *cpu, uint64_t vpn, unsigned tag)
{
	for (unsigned i = 0; i < cpu->nstale; i++)
		if (cpu->stale[i].vpn == vpn && cpu->stale[i].tag == tag)
			return ((struct mmu_stale *)&cpu->stale[i]);
	return (NULL);
}

static void
mmu_stale_drop(struct mmu_cpu *cpu, struct mmu_stale *s)
{
	unsigned i = (unsigned)(s - cpu->stale);

	memmove(&cpu->stale[i], &cpu->stale[i + 1],
	    (cpu->nstale - i - 1) * sizeof(cpu->stale[0]));
	cpu->nstale--;
}

void
mmu_stale_watch(struct mmu_cpu *cpu, vm_offset_t va, unsigned tag,
    vm_paddr_t stale_pa, vm_paddr_t table_pa, bool table_writable)
{
	struct mmu_stale *s;

	s = mmu_stale_find(cpu, va >> PAGE_SHIFT, tag);
	if (s == NULL) {
		if (cpu->nstale == MMU_STALE_MAX)
			mmu_stale_drop(cpu, &cpu->stale[0]);
		s = &cpu->stale[cpu->nstale++];
		s->vpn = va >> PAGE_SHIFT;
		s->tag = (uint16_t)tag;
		s->reported = false;
	} else if (s->stale_pa != trunc_page(stale_pa))
		s->reported = false;
	s->stale_pa = trunc_page(stale_pa);
	s->table_pa = table_pa == MMU_STALE_NONE ? MMU_STALE_NONE :
	    trunc_page(table_pa);
	s->table_writable = table_writable && table_pa != MMU_STALE_NONE;
	mmu_utlb_flush(cpu);
}

void
mmu_stale_tables(struct mmu_cpu *cpu, vm_offset_t va, unsigned tag,
    vm_paddr_t table_pa, bool table_writable)
{
	struct mmu_stale *s = mmu_stale_find(cpu, va >> PAGE_SHIFT, tag);

	if (s == NULL)
		return;
	s->table_pa = table_pa == MMU_STALE_NONE ? MMU_STALE_NONE :
	    trunc_page(table_pa);
	s->table_writable = table_writable && table_pa != MMU_STALE_NONE;
}

void
mmu_stale_forget(struct mmu_cpu *cpu, vm_offset_t sva, vm_offset_t eva,
    unsigned tag)
{
	unsigned i = 0;

	while (i < cpu->nstale) {
		struct mmu_stale *s = &cpu->stale[i];

		if (s->tag == tag && s->vpn >= (sva >> PAGE_SHIFT) &&
		    s->vpn < ((eva + PAGE_MASK) >> PAGE_SHIFT))
			mmu_stale_drop(cpu, s);
		else
			i++;
	}
}

bool
mmu_stale_watched(const struct mmu_cpu *cpu, vm_offset_t va, unsigned tag,
    vm_paddr_t stale_pa)
{
	const struct mmu_stale *s = mmu_stale_find(cpu, va >> PAGE_SHIFT, tag);

	return (s != NULL && s->stale_pa == trunc_page(stale_pa));
}

/* The TLB slot that translated va (for the event's detail), or -1. */
static int
mmu_stale_slot(const struct mmu_cpu *cpu, vm_offset_t va, const uint64_t *lru)
{
	if (sim_arch_is_mips(cpu->arch))
		return (tlb_mips_probe(&cpu->tlb_mips,
		    ((uint32_t)va & MIPS_HI_VPN2_MASK) | cpu->asid));
	if (lru == NULL)
		return (-1);
	return ((int)((const struct tlb_amd64_entry *)(const void *)((const char *)lru -
	    offsetof(struct tlb_amd64_entry, lru)) - cpu->tlb_amd64.e));
}

/*
 * The slow path translated va to pa_page on a CPU with watched pages.
 * Returns true when va's page is (still) watched, so that the micro-TLB
 * is not filled; the first access through the stale frame logs
 * EV_STALE_TLB.  A page whose translation is no longer the stale one
 * leaves the watch.
 */
static bool
mmu_stale_access(struct mmu_cpu *cpu, vm_offset_t va, vm_paddr_t pa_page,
    bool writable, enum mmu_access_kind kind, const uint64_t *lru)
{
	unsigned tag = sim_arch_is_mips(cpu->arch) ? cpu->asid : cpu->pcid;
	struct mmu_stale *s = mmu_stale_find(cpu, va >> PAGE_SHIFT, tag);
	bool moved;
	struct event ev;

	if (s == NULL)
		return (false);
	moved = s->table_pa != s->stale_pa;
	if (pa_page != s->stale_pa || (!moved && (!writable || s->table_writable))) {
		mmu_stale_drop(cpu, s);		/* the entry was replaced */
		return (false);
	}
	if (!s->reported && (moved || kind == MMU_STORE)) {
		s->reported = true;
		ev = event_make(EV_STALE_TLB, "skip-shootdown", va);
		ev.pa = s->stale_pa | (va & PAGE_MASK);
		if (s->table_pa == MMU_STALE_NONE)
			snprintf(ev.detail, sizeof(ev.detail), "cpu%d TLB[%d] "
			    "tag %u frame 0x%llx; tables: not mapped", cpu->id,
			    mmu_stale_slot(cpu, va, lru), tag,
			    (unsigned long long)s->stale_pa);
		else
			snprintf(ev.detail, sizeof(ev.detail), "cpu%d TLB[%d] "
			    "tag %u frame 0x%llx; tables: frame 0x%llx%s", cpu->id,
			    mmu_stale_slot(cpu, va, lru), tag,
			    (unsigned long long)s->stale_pa,
			    (unsigned long long)s->table_pa,
			    moved ? "" : " read-only");
		event_emit(&ev, 0);
	}
	return (true);
}

/* Translate the page of va, make the view show it, fill the micro-TLB
 * (write-back pages only), and send the size bytes at va (all in that
 * page) through the caches as the page's memory type says (size 0: no
 * access); *pa_out (if not NULL) gets the physical address of va. */
static int
mmu_access_page(struct mmu_cpu *cpu, vm_offset_t va, unsigned size,
    enum mmu_access_kind kind, vm_paddr_t *pa_out)
{
	struct mmu_utlb *u;
	vm_paddr_t pa_page;
	uint64_t *lru;
	enum mmu_memtype mt;
	bool writable, watched;
	int rv;

	if (sim_arch_is_mips(cpu->arch))
		rv = mmu_translate_mips(cpu, va, kind, &pa_page, &writable, &lru, &mt);
	else
		rv = mmu_translate_amd64(cpu, va, kind, &pa_page, &writable, &lru, &mt);
	if (rv != 0) {
		/* Refused: the guest gets a signal.  Unicorn performs the
		 * access anyway (hooks cannot cancel it), so aim it at the
		 * sink.  A MIPS kseg address aliases kuseg in Unicorn's
		 * unmapped kernel-mode view: sink that alias. */
		vm_offset_t sva = va;

		if (sim_arch_is_mips(cpu->arch) && va >= MIPS_KUSEG_END) {
			if (va >= 0xc0000000ull)	/* kseg2: qemu faults by itself */
				return -1;
			sva = va & 0x1fffffffull;
		}
		if (cpu->view != NULL)
			(void)mmu_view_sink(cpu->view, sva);
		return -1;
	}
	if (cpu->view != NULL &&
	    mmu_view_show(cpu->view, va, pa_page, writable) != 0)
		panic("mmu: cannot re-point host view page %#llx (host mmap failed)",
		    (unsigned long long)va);
	if (pa_out != NULL)
		*pa_out = pa_page | (va & PAGE_MASK);
	/* A watched page, or one that is not write-back, stays out of the
	 * micro-TLB: each of its accesses comes here. */
	watched = __builtin_expect(cpu->nstale != 0, 0) &&
	    mmu_stale_access(cpu, va, pa_page, writable, kind, lru);
	if (!watched && __builtin_expect(mt == MMU_MT_WB, 1)) {
		u = &cpu->utlb[kind][(va >> PAGE_SHIFT) & (MMU_UTLB_SLOTS - 1)];
		u->vpn = va >> PAGE_SHIFT;
		u->gen = *cpu->tlb_gen;
		u->pa_page = pa_page;
		u->lru = lru;
	}
	if (size > 0)
		mmu_mem_access(cpu, pa_page | (va & PAGE_MASK), size, kind, mt);
	return 0;
}

int
mmu_translate(struct mmu_cpu *cpu, vm_offset_t va, enum mmu_access_kind kind,
    vm_paddr_t *pa)
{
	return (mmu_access_page(cpu, va, 0, kind, pa));
}

int
mmu_access_slow(struct mmu_cpu *cpu, vm_offset_t va, unsigned size,
    enum mmu_access_kind kind)
{
	unsigned first = (unsigned)MIN((vm_offset_t)(size ? size : 1), PAGE_SIZE - (va & PAGE_MASK));

	cpu->c[CTR_LOADS + kind]++;
	cpu->cycles += cpu->cost.tlb_hit;
	if (mmu_access_page(cpu, va, first, kind, NULL) != 0)
		return -1;
	/* An access that crosses into the next page translates it too
	 * (x86 unaligned accesses; MIPS never crosses).  The fast path
	 * never takes a crossing access, so both slots may stay filled. */
	if (size > first && mmu_access_page(cpu, va + first, size - first, kind, NULL) != 0)
		return -1;
	return 0;
}

/* ---- kernel-mode accesses ---- */

/* MIPS: the kernel's translation of va's page (no refill). */
static int
mmu_ktranslate_mips(struct mmu_cpu *cpu, vm_offset_t va, bool store,
    vm_paddr_t *pa_page, enum mmu_memtype *mt)
{
	vm_paddr_t pa;
	uint32_t lo;

	if (va >= MIPS_KUSEG_END && va < 0xc0000000ull) {
		/* kseg0 (Config.K0 = 3: cached write-back) and kseg1
		 * (uncached): unmapped. */
		*pa_page = trunc_page(va & 0x1fffffffull);
		*mt = va >= 0xa0000000ull ? MMU_MT_UC : MMU_MT_WB;
		return (MMU_KA_OK);
	}
	cpu->cycles += cpu->cost.tlb_hit;
	switch (tlb_mips_lookup(&cpu->tlb_mips, (uint32_t)va, cpu->asid, store,
	    &pa, &lo)) {
	case TLBM_HIT:
		cpu->c[CTR_TLB_HITS]++;
		*pa_page = trunc_page(pa);
		*mt = mmu_memtype_mips(lo);
		return (MMU_KA_OK);
	case TLBM_REFILL:
		cpu->c[CTR_TLB_MISSES]++;
		return (MMU_KA_TLB_MISS);
	case TLBM_INVALID:
		return (MMU_KA_TLB_INVALID);
	case TLBM_MODIFIED:
		return (MMU_KA_PROTECTION);
	}
	return (MMU_KA_TLB_MISS);
}

/* amd64: a supervisor access's translation of va's page: the TLB, else a
 * walk that fills it. */
static int
mmu_ktranslate_amd64(struct mmu_cpu *cpu, vm_offset_t va, bool store,
    vm_paddr_t *pa_page, enum mmu_memtype *mt)
{
	enum walk_access wa = store ? WALK_WRITE : WALK_READ;
	struct tlb_amd64_entry *e;
	enum tlb_amd64_hit hit;
	struct walk_result wr;
	int rv;

	cpu->cycles += cpu->cost.tlb_hit;
	e = tlb_amd64_lookup_access(&cpu->tlb_amd64, va, cpu->pcid, wa, &hit);
	if (e != NULL && (!store || (e->flags & (PG_RW | PG_M)) == (PG_RW | PG_M))) {
		cpu->c[CTR_TLB_HITS]++;
		if (hit == TLB_AMD64_HIT_L2) {
			cpu->c[CTR_TLB_L2_HITS]++;
			cpu->cycles += cpu->cost.tlb_l2_hit;
		}
		*pa_page = trunc_page(tlb_amd64_entry_pa(e, va));
		*mt = mmu_memtype_amd64(cpu, e->flags);
		return (MMU_KA_OK);
	}
	cpu->c[CTR_TLB_MISSES]++;
	if (cpu->cr3 == 0)
		return (MMU_KA_NOT_MAPPED);
	cpu->c[CTR_WALKS]++;
	rv = walk_amd64_pwc(cpu->pm, &cpu->tlb_amd64.pwc, cpu->pcid, cpu->cr3, va,
	    wa, false, &wr);
	for (int l = 0; l < wr.nloads; l++)
		mmu_phys_access(cpu, wr.load_pa[l], 8, false);
	cpu->c[CTR_WALK_LOADS] += (uint64_t)wr.nloads;
	cpu->cycles += (uint64_t)wr.nloads * cpu->cost.walk_step;
	if (rv != 0) {
		tlb_amd64_invlpg(&cpu->tlb_amd64, va, cpu->pcid);
		return ((wr.error_code & PGEX_P) ? MMU_KA_PROTECTION :
		    MMU_KA_NOT_MAPPED);
	}
	(void)tlb_amd64_fill(&cpu->tlb_amd64, va, cpu->pcid, wa, wr.pa, wr.flags,
	    wr.pgsz);
	*pa_page = trunc_page(wr.pa);
	*mt = mmu_memtype_amd64(cpu, wr.flags);
	return (MMU_KA_OK);
}

int
mmu_kaccess(struct mmu_cpu *cpu, vm_offset_t va, unsigned size, bool store,
    vm_paddr_t *pa)
{
	vm_paddr_t frames[2] = { 0, 0 };	/* a trapframe spans at most two pages... */
	enum mmu_memtype mts[2] = { MMU_MT_WB, MMU_MT_WB };
	vm_offset_t end = va + (size != 0 ? size : 1), p, next;
	unsigned line, n, i;
	int rv;

	KASSERT(size <= PAGE_SIZE, ("mmu_kaccess: %u bytes", size));	/* ...so */
	for (p = va, i = 0; p < end; p = next, i++) {
		next = trunc_page(p) + PAGE_SIZE;
		rv = sim_arch_is_mips(cpu->arch) ?
		    mmu_ktranslate_mips(cpu, p, store, &frames[i], &mts[i]) :
		    mmu_ktranslate_amd64(cpu, p, store, &frames[i], &mts[i]);
		if (rv != MMU_KA_OK)
			return (rv);
	}
	*pa = frames[0] | (va & PAGE_MASK);
	line = cpu->has_caches ? cpu->l1d.g.line_bytes : PAGE_SIZE;
	for (p = va; p < end; p += n) {
		unsigned pg = (unsigned)((trunc_page(p) - trunc_page(va)) >> PAGE_SHIFT);
		vm_paddr_t ppa = frames[pg] | (p & PAGE_MASK);

		n = (unsigned)MIN(end - p, line - (ppa & (line - 1)));
		n = (unsigned)MIN((vm_offset_t)n, PAGE_SIZE - (p & PAGE_MASK));
		cpu->c[store ? CTR_STORES : CTR_LOADS]++;
		mmu_mem_access(cpu, ppa, n, store ? MMU_STORE : MMU_LOAD, mts[pg]);
	}
	return (MMU_KA_OK);
}
