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
#include "mmu/cache.h"
#include "mmu/cost.h"
#include "mmu/din.h"
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
	CTR_TLB_HITS, CTR_TLB_MISSES,	/* hits at any level; misses of every level */
	CTR_TLB_L2_HITS,		/* amd64: of the hits, those the STLB served */
	CTR_REFILLS,			/* MIPS TLB Refill exceptions */
	CTR_TLB_INVALID, CTR_TLB_MODIFIED,	/* MIPS */
	CTR_WALKS, CTR_WALK_LOADS,	/* amd64 */
	CTR_PAGE_FAULTS,		/* #PF / TLB Invalid handed to the kernel */
	/* Read out of the caches' own counters by mmu_counters_read: */
	CTR_L1I_ACCESSES, CTR_L1I_MISSES,	/* line lookups */
	CTR_L1D_ACCESSES, CTR_L1D_MISSES,
	CTR_L2_ACCESSES, CTR_L2_MISSES,		/* demand lookups and write-backs */
	CTR_WRITEBACKS,			/* dirty lines written back, any level */
	CTR_STALE_IFETCH,		/* MIPS: fetches of stale I-cache lines */
	CTR_ICACHE_SYNCS,		/* I-cache syncs (SYNCI, cacheflush...) */
	CTR_UNCACHED,			/* memory transactions of UC/UC- pages */
	CTR_WC,				/* memory transactions of WC pages */
	MMU_NCTR
};
extern const char *const mmu_ctr_names[MMU_NCTR];

/*
 * Memory types: how an access to a page may use the caches.  The type
 * travels with the translation: amd64, the leaf's PAT, PCD and PWT bits
 * (kept in the TLB entry) index the CPU's PAT MSR (cpu->pat, PAT_KERNEL
 * at reset); MIPS, the EntryLo C field of the TLB half (MIPS32 Vol. I,
 * table 7.3 "cache coherency attributes": 3 cacheable noncoherent
 * write-back, 2 uncached, 7 uncached accelerated, 1 and 0 write-through;
 * the coherent kinds 4..6 behave as 3 here).  The cost model of each is
 * in docs/costs.md ("Memory types"):
 */
enum mmu_memtype {
	MMU_MT_WB,	/* write-back: the caches as usual (the only type
			   that enters the micro-TLB fast path) */
	MMU_MT_WT,	/* write-through: loads and fetches cached; a store
			   updates a present line without dirtying it,
			   allocates none, and goes to memory (cost.mem) */
	MMU_MT_WC,	/* write-combining: L1/L2 bypassed; a load costs
			   cost.mem; stores merge in a one-line buffer: the
			   first store to a line costs cost.mem, the next
			   ones to the same line cost.l1_hit */
	MMU_MT_UC,	/* uncacheable (amd64 UC and UC-, MIPS uncached):
			   L1/L2 bypassed, cost.mem per line-sized
			   transaction, no line ever allocated */
};
/* The type of a MIPS EntryLo, and of an amd64 TLB entry's or walk's
 * flags on cpu (through cpu->pat). */
enum mmu_memtype mmu_memtype_mips(uint32_t entrylo);
enum mmu_memtype mmu_memtype_amd64(const struct mmu_cpu *cpu, uint64_t flags);
/* "WB", "WT", "WC", "UC". */
const char *mmu_memtype_name(enum mmu_memtype mt);

/*
 * The micro-TLB: per access kind, a direct-mapped table of recently
 * translated pages, all valid while the TLB's generation is unchanged (any
 * TLB write, invalidation or flush makes every slot stale).  The fast path
 * is a tag compare.  It is a cache of the TLB model, not part of it: a hit
 * counts as a TLB hit, and on amd64 refreshes the LRU age of the TLB entry
 * it came from (*lru), so replacement is exactly as if the TLB were
 * searched.  The host view already shows the page (set at fill).  Only
 * write-back pages enter it: every access to a page of another memory
 * type takes the slow path, which honours the type (the fast path itself
 * does not look at types).
 */
#define MMU_UTLB_SLOTS	64

struct mmu_utlb {
	uint64_t vpn;		/* va >> PAGE_SHIFT, or UINT64_MAX */
	uint64_t gen;		/* TLB generation at fill */
	vm_paddr_t pa_page;
	uint64_t *lru;		/* amd64: the TLB entry's LRU stamp; else NULL */
};

/*
 * The stale watch (--bug skip-shootdown): pages whose translation this
 * CPU's TLB may still hold after a shootdown the pmap skipped.  A watched
 * page never enters the micro-TLB, so every access to it takes the slow
 * path, which compares the frame the TLB gave with the one recorded: the
 * first access through the stale frame logs EV_STALE_TLB; an entry whose
 * TLB translation was replaced (refill, invalidation, update) leaves the
 * watch at its next access, or when the pmap invalidates it on this CPU
 * (mmu_stale_forget).  Normally empty: the slow path then pays one test.
 */
#define MMU_STALE_MAX	32
#define MMU_STALE_NONE	((vm_paddr_t)-1)	/* table_pa: not mapped */

struct mmu_stale {
	uint64_t vpn;		/* the page, va >> PAGE_SHIFT */
	uint16_t tag;		/* the MIPS ASID / amd64 PCID it is cached under */
	bool reported;		/* EV_STALE_TLB already logged for it */
	bool table_writable;	/* the tables allow stores */
	vm_paddr_t stale_pa;	/* the frame the TLB entry still maps */
	vm_paddr_t table_pa;	/* the frame the tables gave, or MMU_STALE_NONE */
};

struct mmu_cpu {
	int id;
	enum sim_arch arch;
	bool big_endian;
	struct physmem *pm;
	uint64_t cycles;
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

	/* cycles is updated on every access; kept apart from c[] so the
	 * compiler never fuses the two into one vector load/store (which
	 * stalls on store-to-load forwarding in the hot path). */
	uint64_t c[MMU_NCTR];

	/* Caches: L1 I and D per CPU; L2 per CPU (l2_own) or shared (owned
	 * by the machine).  Physically tagged, write-back, write-allocate. */
	bool has_caches;
	bool icache_incoherent;		/* MIPS: stores do not update the I-cache */
	struct cache l1i, l1d, l2_own;
	struct cache *l2;
	/* --din: the reference stream, physical addresses; NULL when off. */
	struct din_sink *din;
	unsigned din_granule;
	vm_offset_t fetch_va;		/* the block being fetched (for stale_ifetch) */
	/* The block fetched last, when all its lines hit the MRU way of
	 * distinct sets: fetching it again at once changes no I-cache
	 * state, so its lookups are counted, not redone.  last_fetch_pa is
	 * forgotten (UINT64_MAX) by anything else that touches the I-cache. */
	vm_paddr_t last_fetch_pa;
	unsigned last_fetch_size, last_fetch_lines;
	/* The stale watch (see struct mmu_stale): stale[0, nstale). */
	unsigned nstale;
	struct mmu_stale stale[MMU_STALE_MAX];

	/* Memory types (enum mmu_memtype; only the slow path reads these). */
	uint64_t pat;		/* amd64: the IA32_PAT MSR (PAT_KERNEL) */
	vm_paddr_t wc_line;	/* the write-combining buffer's line, or
				   UINT64_MAX when it is empty */
};

struct prng;
/* Initialise cpu id of arch with the given TLB size (0 = default). */
void mmu_cpu_init(struct mmu_cpu *cpu, int id, enum sim_arch arch,
    struct physmem *pm, const struct cost_table *cost, struct prng *prng,
    unsigned tlb_entries, unsigned tlb_wired);
/*
 * Give cpu its caches: L1 I and D of the given geometries over L2
 * (shared_l2, or a private one of geometry l2 when shared_l2 is NULL).
 * 0, or -1 (no host memory).  Without this every access costs l1_hit.
 */
int mmu_cpu_caches(struct mmu_cpu *cpu, const struct cache_geom *l1i,
    const struct cache_geom *l1d, const struct cache_geom *l2, struct cache *shared_l2);
void mmu_cpu_fini(struct mmu_cpu *cpu);
/* amd64: rebuild the (empty) TLB hierarchy with geometry g. */
void mmu_cpu_tlb_geom(struct mmu_cpu *cpu, const struct tlb_amd64_geom *g);
/* The counters, with the cache-derived ones filled in. */
void mmu_counters_read(const struct mmu_cpu *cpu, uint64_t out[MMU_NCTR]);
/* Switch the translation context (MIPS EntryHi ASID / amd64 CR3+PCID,
 * no flush) and the host view. */
void mmu_set_asid(struct mmu_cpu *cpu, uint8_t asid);
void mmu_set_cr3(struct mmu_cpu *cpu, uint64_t cr3, uint16_t pcid);
void mmu_set_view(struct mmu_cpu *cpu, struct mmu_view *view);
/* Forget the micro-TLB (any TLB or view change makes it stale). */
void mmu_utlb_flush(struct mmu_cpu *cpu);

int mmu_access_slow(struct mmu_cpu *cpu, vm_offset_t va, unsigned size,
    enum mmu_access_kind kind);
void mmu_cache_slow(struct mmu_cpu *cpu, vm_paddr_t pa, unsigned size,
    enum mmu_access_kind kind);
void mmu_din(struct mmu_cpu *cpu, vm_paddr_t pa, unsigned size, enum mmu_access_kind kind);

/*
 * The physical side of one access: the reference stream (--din), then
 * L1 (fast path: the most recently used way of the set), else the slow
 * path through the levels.  MIPS I-caches do not see stores: a store to
 * bytes an I-cache line holds marks the line stale.
 */
static inline __attribute__((always_inline)) void
mmu_cache_access(struct mmu_cpu *cpu, vm_paddr_t pa, unsigned size,
    enum mmu_access_kind kind)
{
	static const enum cache_op op[] = {
		[MMU_LOAD] = CACHE_READ, [MMU_STORE] = CACHE_WRITE, [MMU_FETCH] = CACHE_FETCH,
	};

	if (__builtin_expect(cpu->din != NULL, 0))
		mmu_din(cpu, pa, size, kind);
	if (kind == MMU_FETCH && __builtin_expect(cpu->has_caches, 1)) {
		/* A block spans lines: each line crossed is one lookup. */
		vm_paddr_t start = pa, end = pa + size;
		unsigned line = cpu->l1i.g.line_bytes, nlines = 0;
		bool all_fast = true;

		if (pa == cpu->last_fetch_pa && size == cpu->last_fetch_size) {
			cpu->l1i.c.access[CACHE_FETCH] += cpu->last_fetch_lines;
			cpu->cycles += (uint64_t)cpu->last_fetch_lines * cpu->cost.l1_hit;
			return;
		}
		while (pa < end) {
			unsigned n = (unsigned)MIN(end - pa, line - (pa & (line - 1)));

			if (cache_access_fast(&cpu->l1i, pa, n, CACHE_FETCH)) {
				cpu->cycles += cpu->cost.l1_hit;
			} else {
				all_fast = false;
				mmu_cache_slow(cpu, pa, n, MMU_FETCH);
			}
			nlines++;
			pa += n;
		}
		/* Remember the block only if a repeat is provably all MRU hits. */
		if (all_fast && nlines <= cpu->l1i.nsets && cpu->din == NULL) {
			cpu->last_fetch_pa = start;
			cpu->last_fetch_size = size;
			cpu->last_fetch_lines = nlines;
		} else {
			cpu->last_fetch_pa = UINT64_MAX;
		}
		return;
	}
	if (__builtin_expect(cpu->has_caches, 1) &&
	    cache_access_fast(kind == MMU_FETCH ? &cpu->l1i : &cpu->l1d, pa, size, op[kind])) {
		cpu->cycles += cpu->cost.l1_hit;
		if (kind == MMU_STORE && cpu->icache_incoherent &&
		    (cache_holds(&cpu->l1i, pa) || cache_holds(&cpu->l1i, pa + size - 1))) {
			(void)cache_store_notify(&cpu->l1i, pa, size);
			cpu->last_fetch_pa = UINT64_MAX;
		}
		return;
	}
	mmu_cache_slow(cpu, pa, size, kind);
}

/*
 * The physical side of one access of size bytes at pa (within a page) to
 * memory of type mt, charged to cpu: MMU_MT_WB is mmu_cache_access; the
 * other types follow enum mmu_memtype (and count CTR_UNCACHED / CTR_WC
 * per line-sized transaction).  The --din stream sees the accesses that
 * go through the caches (WB, WT), not the uncached ones.
 */
void mmu_mem_access(struct mmu_cpu *cpu, vm_paddr_t pa, unsigned size,
    enum mmu_access_kind kind, enum mmu_memtype mt);

/*
 * Write back and drop every line of [pa, pa + len) from cpu's caches (L1
 * D, L1 I and L2; the write-combining buffer is drained): what CLFLUSH
 * over a page, or MIPS Hit_Writeback_Invalidate, does when the pmap
 * changes the page's memory type, so that no line cached under the old
 * type survives.  Write-backs are counted; no cycles are charged.
 */
void mmu_cache_purge(struct mmu_cpu *cpu, vm_paddr_t pa, uint64_t len);

/*
 * One guest access of size bytes at va.  Returns 0 when the access may
 * proceed (the host view shows the right frame with the right rights), or
 * -1 when it cannot (the kernel posted a signal; the view shows a harmless
 * sink page so the host access does not crash).  Charges cycles.
 */
static inline __attribute__((always_inline)) int
mmu_access(struct mmu_cpu *cpu, vm_offset_t va, unsigned size,
    enum mmu_access_kind kind)
{
	uint64_t vpn = va >> PAGE_SHIFT;
	struct mmu_utlb *u = &cpu->utlb[kind][vpn & (MMU_UTLB_SLOTS - 1)];

	if (__builtin_expect(u->vpn == vpn && u->gen == *cpu->tlb_gen &&
	    ((va + size - 1) >> PAGE_SHIFT) == vpn, 1)) {
		if (u->lru != NULL)
			*u->lru = ++*cpu->lru_tick;
		cpu->cycles += cpu->cost.tlb_hit;
		cpu->c[CTR_LOADS + kind]++;
		cpu->c[CTR_TLB_HITS]++;
		mmu_cache_access(cpu, u->pa_page | (va & PAGE_MASK), size, kind);
		return 0;
	}
	return mmu_access_slow(cpu, va, size, kind);
}

/*
 * Instruction fetch of the size bytes at va (a translated block): each
 * page part is translated, and goes through the I-cache line by line.
 * 0, or -1 as mmu_access.
 */
static inline int
mmu_fetch(struct mmu_cpu *cpu, vm_offset_t va, unsigned size)
{
	while (size > 0) {
		unsigned n = (unsigned)MIN((vm_offset_t)size, PAGE_SIZE - (va & PAGE_MASK));

		cpu->fetch_va = va;
		if (mmu_access(cpu, va, n, MMU_FETCH) != 0)
			return -1;
		va += n;
		size -= n;
	}
	return 0;
}

/*
 * Translate va for an access of kind without touching the caches (what
 * SYNCI and cache instructions do first).  0 with *pa, or -1 as
 * mmu_access (refused: a signal is posted).
 */
int mmu_translate(struct mmu_cpu *cpu, vm_offset_t va, enum mmu_access_kind kind,
    vm_paddr_t *pa);

/*
 * A kernel access to physical memory on behalf of cpu (the refill
 * handler's and the walker's PTE loads, page zeroing): through cpu's data
 * cache, charged to cpu.
 */
void mmu_phys_access(struct mmu_cpu *cpu, vm_paddr_t pa, unsigned size, bool store);

/*
 * Make the instruction cache of cpu coherent with memory for [pa, pa+len):
 * write the D-cache's dirty lines back and drop the I-cache's lines (SYNCI,
 * the cacheflush system call, pmap_sync_icache).  Logs an icache_sync
 * event at va with why as its detail.  No-op without caches.
 */
void mmu_icache_sync(struct mmu_cpu *cpu, vm_offset_t va, vm_paddr_t pa,
    uint64_t len, const char *why);

/*
 * Make the instruction cache of cpu coherent for [pa, pa+len) without an
 * event or a counter: the I-cache's lines are dropped and, with
 * writeback_d, the D-cache's dirty lines written back first (the pieces
 * of pmap_sync_icache after its one logged sync; other CPUs' I-caches).
 */
void mmu_icache_flush(struct mmu_cpu *cpu, vm_paddr_t pa, uint64_t len,
    bool writeback_d);

/*
 * The stale watch (struct mmu_stale), for the pmap's skipped shootdowns.
 *  - mmu_stale_watch: cpu's TLB still maps va's page under tag (ASID or
 *    PCID) to stale_pa although the tables now give table_pa
 *    (MMU_STALE_NONE: nothing), writable or not.  An access is stale when
 *    the TLB gives stale_pa and that differs from table_pa, or when it is
 *    a store through a writable entry the tables made read-only.  A page
 *    already watched under tag is updated (its report re-armed when the
 *    stale frame changes).  The micro-TLB is flushed so the page's next
 *    access takes the slow path.  When the watch is full the oldest entry
 *    is dropped (XXX: then its stale accesses go unreported).
 *  - mmu_stale_tables: if va's page is watched under tag, the tables now
 *    give table_pa (a change that needed no shootdown).
 *  - mmu_stale_forget: the pages of [sva, eva) under tag leave the watch
 *    (the pmap invalidated them on this CPU after all).
 *  - mmu_stale_watched: va's page is watched under tag with stale_pa as
 *    the stale frame (what pmap_check tolerates).
 */
void mmu_stale_watch(struct mmu_cpu *cpu, vm_offset_t va, unsigned tag,
    vm_paddr_t stale_pa, vm_paddr_t table_pa, bool table_writable);
void mmu_stale_tables(struct mmu_cpu *cpu, vm_offset_t va, unsigned tag,
    vm_paddr_t table_pa, bool table_writable);
void mmu_stale_forget(struct mmu_cpu *cpu, vm_offset_t sva, vm_offset_t eva,
    unsigned tag);
bool mmu_stale_watched(const struct mmu_cpu *cpu, vm_offset_t va, unsigned tag,
    vm_paddr_t stale_pa);

/*
 * A kernel-mode access of size bytes at va on cpu (the trap entry saving
 * a trapframe on the kernel stack; guard-page detection).  Each page of
 * [va, va+size) is translated through cpu's TLB as the kernel would:
 *  - MIPS: kseg0/kseg1 are unmapped (pa = va & 0x1fffffff); any other
 *    address needs a matching TLB entry for the current ASID or a global
 *    one (for a kernel stack: the wired pair); there is no refill here.
 *  - amd64: a TLB entry (supervisor: U not required; a store needs RW and
 *    M), else a supervisor walk through CR3 that fills the TLB.
 * Only when every page translates are the bytes sent through the D-cache
 * line by line (each line one load or store in the counters), as the
 * page's memory type says (mmu_mem_access: MIPS kseg1 and uncached TLB
 * halves bypass the caches, amd64 by the PAT bits of the entry); the TLB
 * lookups cost tlb_hit each, a walk its loads.  The trap entry is never
 * called and the micro-TLB and host view are not touched.  Returns:
 */
#define MMU_KA_OK		0	/* done; *pa = the physical address of va */
#define MMU_KA_TLB_MISS		1	/* MIPS: no TLB entry matches a page (for
					   a kernel stack: a machine check) */
#define MMU_KA_TLB_INVALID	2	/* MIPS: the matching entry's half has V = 0 */
#define MMU_KA_NOT_MAPPED	3	/* amd64: the walk found a page not present
					   (a guard page, unmapped KVA, no CR3) */
#define MMU_KA_PROTECTION	4	/* a store to a page mapped read-only
					   (MIPS D = 0, amd64 RW = 0) */
int mmu_kaccess(struct mmu_cpu *cpu, vm_offset_t va, unsigned size, bool store,
    vm_paddr_t *pa);

#endif
