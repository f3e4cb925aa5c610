/*
 * mmu/mmu.h — one CPU's memory hardware: its TLB (MIPS JTLB or amd64
 * TLB + walker), the CP0/CR3 state that tags translations, its cycle
 * counter and counters, and the access path every guest load, store and
 * instruction fetch takes (mmu_access).
 *
 * The hardware raises exceptions; it does not resolve them.  When a
 * translation is missing or forbidden, mmu_access calls the kernel's trap
 * entry (struct mmu_trap_ops), which runs the MIPS refill handler or
 * vm_fault and returns; the hardware then retries the translation, as a
 * real CPU re-executes the faulting instruction.
 *
 * After translating, the access path makes the CPU's host view (mmu/view.h)
 * show the translated frame at that virtual page, so that Unicorn's access,
 * which follows the hook, lands on the simulated physical frame.
 */
#ifndef MMU_MMU_H
#define MMU_MMU_H

#include "sim/base/base.h"
#include "mmu/cost.h"
#include "mmu/physmem.h"
#include "mmu/tlb_amd64.h"
#include "mmu/tlb_mips.h"

struct mmu_view;
struct mmu_cpu;

enum mmu_access_kind { MMU_LOAD, MMU_STORE, MMU_FETCH };

enum mmu_exc_type {
	EXC_TLB_REFILL,		/* MIPS: no TLB entry matches */
	EXC_TLB_INVALID,	/* MIPS: matching entry, V = 0 */
	EXC_TLB_MODIFIED,	/* MIPS: store to a clean (D = 0) page */
	EXC_PAGE_FAULT,		/* amd64 #PF; error_code says why */
	EXC_ADDRESS_ERROR,	/* MIPS: user access outside kuseg */
};

struct mmu_exc {
	enum mmu_exc_type type;
	enum mmu_access_kind kind;
	vm_offset_t va;		/* BadVAddr / CR2 */
	uint32_t error_code;	/* amd64 PGEX_* */
};

/* The kernel's trap entry.  Returns 0 when the access may be retried,
 * -1 when it cannot complete (the kernel has posted a signal). */
struct mmu_trap_ops {
	int (*trap)(void *arg, struct mmu_cpu *cpu, const struct mmu_exc *exc);
	void *arg;
};

/* Per-CPU counters; all monotonic.  Names in mmu_ctr_names[]. */
enum mmu_ctr {
	CTR_INSNS,
	CTR_LOADS, CTR_STORES, CTR_FETCHES,	/* by enum mmu_access_kind order */
	CTR_TLB_HITS, CTR_TLB_MISSES,
	CTR_REFILLS,			/* MIPS TLB Refill exceptions */
	CTR_TLB_INVALID, CTR_TLB_MODIFIED,	/* MIPS */
	CTR_WALKS, CTR_WALK_LOADS,	/* amd64 */
	CTR_PAGE_FAULTS,		/* #PF / TLB Invalid handed to the kernel */
	MMU_NCTR
};
extern const char *const mmu_ctr_names[MMU_NCTR];

/*
 * The micro-TLB: per access kind, a direct-mapped table of recently
 * translated pages, all valid while the TLB's generation is unchanged (any
 * TLB write, invalidation or flush makes every slot stale).  The fast path
 * is a tag compare.  It is a cache of the TLB model, not part of it: a hit
 * counts as a TLB hit, and on amd64 refreshes the LRU age of the TLB entry
 * it came from (*lru), so replacement is exactly as if the TLB were
 * searched.  The host view already shows the page (set at fill).
 */
#define MMU_UTLB_SLOTS	64

struct mmu_utlb {
	uint64_t vpn;		/* va >> PAGE_SHIFT, or UINT64_MAX */
	uint64_t gen;		/* TLB generation at fill */
	vm_paddr_t pa_page;
	uint64_t *lru;		/* amd64: the TLB entry's LRU stamp; else NULL */
};

struct mmu_cpu {
	int id;
	enum sim_arch arch;
	bool big_endian;
	struct physmem *pm;
	struct cost_table cost;		/* a copy: the hot path reads it */
	struct mmu_trap_ops trap;

	/* MIPS: the JTLB and the current ASID (EntryHi[7:0]). */
	struct tlb_mips tlb_mips;
	uint8_t asid;
	/* amd64: the TLB, CR3 (PML4 physical address) and PCID. */
	struct tlb_amd64 tlb_amd64;
	uint64_t cr3;
	uint16_t pcid;

	struct mmu_view *view;	/* the running address space's host view */
	const uint64_t *tlb_gen;	/* &tlb_mips.gen or &tlb_amd64.gen */
	uint64_t *lru_tick;		/* amd64: &tlb_amd64.tick; else NULL */
	struct mmu_utlb utlb[3][MMU_UTLB_SLOTS];	/* by enum mmu_access_kind */

	uint64_t cycles;
	uint64_t c[MMU_NCTR];
};

struct prng;
/* Initialise cpu id of arch with the given TLB size (0 = default). */
void mmu_cpu_init(struct mmu_cpu *cpu, int id, enum sim_arch arch,
    struct physmem *pm, const struct cost_table *cost, struct prng *prng,
    unsigned tlb_entries, unsigned tlb_wired);
/* Switch the translation context (MIPS EntryHi ASID / amd64 CR3+PCID,
 * no flush) and the host view. */
void mmu_set_asid(struct mmu_cpu *cpu, uint8_t asid);
void mmu_set_cr3(struct mmu_cpu *cpu, uint64_t cr3, uint16_t pcid);
void mmu_set_view(struct mmu_cpu *cpu, struct mmu_view *view);
/* Forget the micro-TLB (any TLB or view change makes it stale). */
void mmu_utlb_flush(struct mmu_cpu *cpu);

int mmu_access_slow(struct mmu_cpu *cpu, vm_offset_t va, unsigned size,
    enum mmu_access_kind kind);

/*
 * One guest access of size bytes at va.  Returns 0 when the access may
 * proceed (the host view shows the right frame with the right rights), or
 * -1 when it cannot (the kernel posted a signal; the view shows a harmless
 * sink page so the host access does not crash).  Charges cycles.
 */
static inline int
mmu_access(struct mmu_cpu *cpu, vm_offset_t va, unsigned size,
    enum mmu_access_kind kind)
{
	uint64_t vpn = va >> PAGE_SHIFT;
	struct mmu_utlb *u = &cpu->utlb[kind][vpn & (MMU_UTLB_SLOTS - 1)];

	if (__builtin_expect(u->vpn == vpn && u->gen == *cpu->tlb_gen &&
	    ((va + size - 1) >> PAGE_SHIFT) == vpn, 1)) {
		if (u->lru != NULL)
			*u->lru = ++*cpu->lru_tick;
		cpu->cycles += cpu->cost.tlb_hit + cpu->cost.l1_hit;
		cpu->c[CTR_LOADS + kind]++;
		cpu->c[CTR_TLB_HITS]++;
		return 0;
	}
	return mmu_access_slow(cpu, va, size, kind);
}

/*
 * A kernel access to physical memory on behalf of cpu (refill handler
 * PTE loads, page zeroing): charged to cpu.  Caches come later; today it
 * costs l1_hit.
 */
void mmu_phys_access(struct mmu_cpu *cpu, vm_paddr_t pa, unsigned size, bool store);

#endif
