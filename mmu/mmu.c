/*
 * mmu/mmu.c — the access path of one CPU's memory hardware: the TLB
 * lookup, the exceptions it raises (MIPS refill/invalid/modified, amd64
 * #PF after a hardware walk), the retry after the kernel resolved them,
 * and the host view update that lets Unicorn's access land on the frame.
 *
 * The fast path (mmu_access in mmu.h) is one tag compare against the
 * micro-TLB; this file is the slow path.  Cycle charges follow the cost
 * table (mmu/cost.h); caches are modelled in a later layer, so today a
 * physical access costs l1_hit.
 */
#include "mmu/mmu.h"
#include "mmu/view.h"

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
	[CTR_REFILLS] = "tlb_refills", [CTR_TLB_INVALID] = "tlb_invalid",
	[CTR_TLB_MODIFIED] = "tlb_modified",
	[CTR_WALKS] = "walks", [CTR_WALK_LOADS] = "walk_loads",
	[CTR_PAGE_FAULTS] = "page_faults",
};

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
	if (sim_arch_is_mips(arch)) {
		tlb_mips_init(&cpu->tlb_mips, tlb_entries ? tlb_entries : 48,
		    tlb_wired, prng);
		cpu->tlb_gen = &cpu->tlb_mips.gen;
	} else {
		tlb_amd64_init(&cpu->tlb_amd64, tlb_entries ? tlb_entries : 64);
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
	(void)pa;
	(void)size;
	(void)store;
	cpu->cycles += cpu->cost.l1_hit;
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
    vm_paddr_t *pa_page, bool *writable, uint64_t **lru)
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
			return 0;
		case TLBM_REFILL:
			cpu->c[CTR_TLB_MISSES]++;
			cpu->c[CTR_REFILLS]++;
			cpu->cycles += cpu->cost.refill_insns;
			if (mmu_raise(cpu, EXC_TLB_REFILL, kind, va, 0) != 0)
				return -1;
			break;
		case TLBM_INVALID:
			cpu->c[CTR_TLB_INVALID]++;
			cpu->c[CTR_PAGE_FAULTS]++;
			if (mmu_raise(cpu, EXC_TLB_INVALID, kind, va, 0) != 0)
				return -1;
			break;
		case TLBM_MODIFIED:
			cpu->c[CTR_TLB_MODIFIED]++;
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
    vm_paddr_t *pa_page, bool *writable, uint64_t **lru)
{
	static const enum walk_access wa[] = {
		[MMU_LOAD] = WALK_READ, [MMU_STORE] = WALK_WRITE, [MMU_FETCH] = WALK_FETCH,
	};

	for (int i = 0; i < MMU_MAX_RETRIES; i++) {
		struct tlb_amd64_entry *e = tlb_amd64_lookup(&cpu->tlb_amd64, va, cpu->pcid);
		struct walk_result wr;

		if (e != NULL && amd64_allows(e->flags, kind)) {
			cpu->c[CTR_TLB_HITS]++;
			*pa_page = ptoa(e->pfn);
			*writable = amd64_allows(e->flags, MMU_STORE);
			*lru = &e->lru;
			return 0;
		}
		/* Miss, or an entry that does not allow this access: the
		 * hardware walks (the SDM lets it re-walk before faulting). */
		cpu->c[CTR_TLB_MISSES]++;
		cpu->c[CTR_WALKS]++;
		if (walk_amd64(cpu->pm, cpu->cr3, va, wa[kind], true, &wr) == 0) {
			for (int l = 0; l < wr.nloads; l++)
				mmu_phys_access(cpu, wr.load_pa[l], 8, false);
			cpu->c[CTR_WALK_LOADS] += (uint64_t)wr.nloads;
			cpu->cycles += (uint64_t)wr.nloads * cpu->cost.walk_step;
			tlb_amd64_insert(&cpu->tlb_amd64, va, cpu->pcid,
			    wr.pa >> PAGE_SHIFT, wr.flags);
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

/* Translate one page and make the view show it; fill the micro-TLB. */
static int
mmu_access_page(struct mmu_cpu *cpu, vm_offset_t va, enum mmu_access_kind kind)
{
	struct mmu_utlb *u;
	vm_paddr_t pa_page;
	uint64_t *lru;
	bool writable;
	int rv;

	if (sim_arch_is_mips(cpu->arch))
		rv = mmu_translate_mips(cpu, va, kind, &pa_page, &writable, &lru);
	else
		rv = mmu_translate_amd64(cpu, va, kind, &pa_page, &writable, &lru);
	if (rv != 0) {
		/* Refused: the guest gets a signal.  Unicorn performs the
		 * access anyway (hooks cannot cancel it), so aim it at the
		 * sink.  A MIPS kseg address aliases kuseg in Unicorn's
		 * unmapped kernel-mode view: sink that alias. */
		vm_offset_t sva = va;

		if (sim_arch_is_mips(cpu->arch) && va >= MIPS_KUSEG_END)
			sva = va & 0x1fffffffull;
		if (cpu->view != NULL)
			(void)mmu_view_sink(cpu->view, sva);
		return -1;
	}
	mmu_phys_access(cpu, pa_page | (va & PAGE_MASK), 1, kind == MMU_STORE);
	if (cpu->view != NULL &&
	    mmu_view_show(cpu->view, va, pa_page, writable) != 0)
		panic("mmu: cannot re-point host view page %#llx (host mmap failed)",
		    (unsigned long long)va);
	u = &cpu->utlb[kind][(va >> PAGE_SHIFT) & (MMU_UTLB_SLOTS - 1)];
	u->vpn = va >> PAGE_SHIFT;
	u->gen = *cpu->tlb_gen;
	u->pa_page = pa_page;
	u->lru = lru;
	return 0;
}

int
mmu_access_slow(struct mmu_cpu *cpu, vm_offset_t va, unsigned size,
    enum mmu_access_kind kind)
{
	vm_offset_t last = va + (size ? size - 1 : 0);

	cpu->c[CTR_LOADS + kind]++;
	cpu->cycles += cpu->cost.tlb_hit;
	if (mmu_access_page(cpu, va, kind) != 0)
		return -1;
	/* An access that crosses into the next page translates it too
	 * (x86 unaligned accesses; MIPS never crosses).  The fast path
	 * never takes a crossing access, so both slots may stay filled. */
	if ((last >> PAGE_SHIFT) != (va >> PAGE_SHIFT) &&
	    mmu_access_page(cpu, trunc_page(last), kind) != 0)
		return -1;
	return 0;
}
