/*
 * sim/kern/kstack.c — the kernel's own memory traffic: the trapframe
 * that exception entry saves and the return restores (FreeBSD
 * mips/mips/exception.S and amd64/amd64/exception.S save the user
 * registers on the thread's kernel stack), kernel code's own stack use,
 * and the kernel's loads and stores to the kernel memory malloc(9) gives
 * it (kern_kmem_copyin/copyout, sim/kern/malloc.h).  The kernel runs
 * natively; only these accesses go through the MMU model, as kernel-mode
 * accesses (mmu_kaccess), so that they cost cycles, occupy the D-cache,
 * and — on MIPS — a kernel stack access must hit the stack's wired TLB
 * entry while other kseg2 pages are refilled like user pages (DESIGN.md
 * 3 and 4; VM-SPEC "Kernel stacks", "Kernel memory", "memguard").
 *
 * Layout of a stack of KSTACK_PAGES pages above KSTACK_GUARD_PAGES guard
 * pages, as in FreeBSD: the PCB at the top, trapframes below it, nested
 * traps (a fault during a system call's copyin) deeper, kernel frames
 * below those.
 *
 *     kva + ptoa(pages) ->  +---------------------+
 *                           | pcb                 |
 *                           | trapframe (depth 1) |
 *                           | trapframe (depth 2) |
 *                           | ...kernel frames    |
 *     kva ->                +---------------------+
 *                           | guard pages (not    |  a store here is a
 *                           | mapped)             |  kernel panic
 *
 * A kernel access that finds no mapping is a kernel page fault: a
 * kernel panic, named by memguard first when the address is memguard's
 * (use after free, overrun).
 */
#include "sim/kern/kern.h"
#include "sim/kern/malloc.h"
#include "mmu/mmu.h"
#include "sim/base/event.h"
#include "vm/memguard.h"
#include "vm/pmap.h"
#include "vm/vm_page.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

/* struct trapframe: MIPS o32 38 registers of 4 bytes (GPRs, sr, lo, hi,
 * badvaddr, cause, pc), padded to 8; amd64 24 registers of 8 bytes. */
#define TF_SIZE_MIPS	160
#define TF_SIZE_AMD64	192
/* struct pcb at the stack top. */
#define PCB_SIZE_MIPS	128
#define PCB_SIZE_AMD64	256

/* The machine is being torn down: no model, silent faults. */
static bool kern_kmem_quiet;

static unsigned
tf_size(const struct kern *k)
{
	return k->arch == ARCH_AMD64 ? TF_SIZE_AMD64 : TF_SIZE_MIPS;
}

static vm_offset_t
kstack_top(const struct kern *k, const struct thread *td)
{
	return td->kstack.kva + ptoa((vm_offset_t)td->kstack.pages) -
	    (k->arch == ARCH_AMD64 ? PCB_SIZE_AMD64 : PCB_SIZE_MIPS);
}

static struct mmu_cpu *
kstack_cpu(struct kern *k, struct mmu_cpu *cpu, const struct thread *td)
{
	if (cpu != NULL)
		return cpu;
	if (k->cpus == NULL || td->lastcpu < 0 || td->lastcpu >= k->ncpus)
		return NULL;
	return k->cpus[td->lastcpu];
}

/* The CPU running now (the event context's), or NULL without CPUs. */
static struct mmu_cpu *
kern_kcpu(struct kern *k, struct mmu_cpu *cpu)
{
	int id;

	if (cpu != NULL)
		return cpu;
	if (k->cpus == NULL || k->ncpus <= 0)
		return NULL;
	id = event_context()->cpu;
	return k->cpus[id >= 0 && id < k->ncpus ? id : 0];
}

/* va is in td's kernel stack (not its guard pages). */
static bool
kstack_contains(const struct thread *td, vm_offset_t va)
{
	return td != NULL && td->kstack.kva != 0 && va >= td->kstack.kva &&
	    va < td->kstack.kva + ptoa((vm_offset_t)td->kstack.pages);
}

/*
 * A kernel access to va (size bytes, store or not) found no mapping:
 * a kernel page fault.  The guard pages below td's stack: a stack
 * overflow; memguard's range: memguard names it (EV_MEMGUARD); then
 * kern_panic.  Returns -1.
 */
static int
kern_kfault(struct kern *k, struct thread *td, vm_offset_t va, unsigned size,
    bool store)
{
	char detail[EV_DETAIL_MAX];
	const char *type;

	/* The first page of the access that has no mapping. */
	if (size > 0 && trunc_page(va) != trunc_page(va + size - 1) &&
	    pmap_kextract(trunc_page(va)) != 0)
		va = trunc_page(va + size - 1);
	if (kern_kmem_quiet)
		return -1;
	if (td != NULL && td->kstack.kva != 0 && va < td->kstack.kva &&
	    va >= td->kstack.kva - ptoa((vm_offset_t)KSTACK_GUARD_PAGES))
		kern_panic(k, "kernel stack overflow: tid %d %s %#llx in the guard page "
		    "below its stack at %#llx", td->tid, store ? "stores to" : "loads from",
		    (unsigned long long)va, (unsigned long long)td->kstack.kva);
	else if (memguard_owns(va)) {
		type = memguard_fault(va, store, detail, sizeof(detail));
		kern_panic(k, "memguard: %s: kernel %s %#llx (%s)", type,
		    store ? "store to" : "load from", (unsigned long long)va, detail);
	} else if (td != NULL)
		kern_panic(k, "kernel page fault: tid %d %s unmapped kernel address %#llx",
		    td->tid, store ? "stores to" : "loads from", (unsigned long long)va);
	else
		kern_panic(k, "kernel page fault: %s unmapped kernel address %#llx",
		    store ? "store to" : "load from", (unsigned long long)va);
	return -1;
}

/* A MIPS TLB exception the kernel's own access to va raised (kind
 * EV_TLB_REFILL or EV_TLB_INVALID): the event ("kernel read/write"), the
 * counters, the handler's cycles, the CP0 state. */
static void
kern_ktlb_exception(struct mmu_cpu *cpu, enum ev_kind kind, vm_offset_t va, bool store)
{
	struct event ev = event_make(kind, NULL, va);

	snprintf(ev.detail, sizeof(ev.detail), "kernel %s", store ? "write" : "read");
	event_emit(&ev, 0);
	cpu->c[kind == EV_TLB_REFILL ? CTR_REFILLS : CTR_TLB_INVALID]++;
	cpu->cycles += cpu->cost.refill_insns;
	tlb_mips_exception(&cpu->tlb_mips, (uint32_t)va);
}

/* The page of [va, va + size) whose TLB entry is invalid: va's, or the
 * last one. */
static vm_offset_t
kern_kaccess_invalid_page(struct mmu_cpu *cpu, vm_offset_t va, unsigned size, bool store)
{
	vm_paddr_t tpa;
	uint32_t lo;

	if (tlb_mips_lookup(&cpu->tlb_mips, (uint32_t)va, cpu->asid, store, &tpa,
	    &lo) == TLBM_INVALID)
		return trunc_page(va);
	return trunc_page(va + (size ? size : 1) - 1);
}

/*
 * One kernel-mode access of size bytes (at most a page) at va on cpu;
 * td is the thread whose kernel stack va may be (NULL: other kernel
 * memory).  A MIPS TLB miss on td's stack is a machine check (the wired
 * entry must always hold the running thread's stack): logged, the pair
 * written again, the access retried.  A MIPS TLB miss elsewhere in
 * kseg2 (not td's guard pages) runs the refill handler, as for a user
 * page: EV_TLB_REFILL, refill cycles, the pair from the kernel tables,
 * retried; an invalid entry for a page the tables map now runs the TLB
 * Invalid handler's reload (EV_TLB_INVALID).  0 with *pa, or -1 after
 * kern_kfault.
 */
static int
kern_kaccess(struct kern *k, struct mmu_cpu *cpu, struct thread *td, vm_offset_t va,
    unsigned size, bool store, vm_paddr_t *pa)
{
	vm_offset_t miss;
	int r, tries;

	for (tries = 0; tries < 3; tries++) {
		vm_paddr_t tpa;
		uint32_t lo;

		r = mmu_kaccess(cpu, va, size, store, pa);
		if (r != MMU_KA_TLB_MISS)
			break;
		/* Which page missed: va's, or the last one. */
		miss = tlb_mips_lookup(&cpu->tlb_mips, (uint32_t)va, cpu->asid, store,
		    &tpa, &lo) == TLBM_REFILL ? va : va + (size ? size : 1) - 1;
		if (kstack_contains(td, miss)) {
			struct event ev = event_make(EV_MACHINE_CHECK, "kstack", miss);

			snprintf(ev.detail, sizeof(ev.detail), "tid %d: kernel stack "
			    "missed wired entry 0", td->tid);
			event_emit(&ev, 0);
			pmap_kstack_switch(cpu, td->kstack.kva);
		} else if (td == NULL && miss >= pmap_kva_min && miss < pmap_kva_max) {
			kern_ktlb_exception(cpu, EV_TLB_REFILL, miss, store);
			(void)pmap_tlb_refill(cpu, miss);
		} else
			break;
	}
	/*
	 * A kseg2 page whose TLB pair is held invalid but which the kernel
	 * tables map now (pmap_kremove leaves the pair in the TLBs with V
	 * clear; a later pmap_kenter of both halves does not update it):
	 * FreeBSD's kernel TLB Invalid handler reloads the pair from the
	 * page table before anything calls it a fault.  So here: the stale
	 * entry (never a wired one) is dropped and the pair refilled.
	 */
	if (r == MMU_KA_TLB_INVALID && td == NULL) {
		vm_offset_t page = kern_kaccess_invalid_page(cpu, va, size, store);
		struct tlb_mips *tlb = &cpu->tlb_mips;
		uint32_t ohi = tlb->cp0.entryhi;
		unsigned idx;

		tlb->cp0.entryhi = ((uint32_t)page & MIPS_HI_VPN2_MASK) | cpu->asid;
		tlb_mips_tlbp(tlb);
		tlb->cp0.entryhi = ohi;
		if (page >= pmap_kva_min && page < pmap_kva_max &&
		    pmap_kextract(page) != 0 && (tlb->cp0.index & MIPS_INDEX_P) == 0 &&
		    (idx = tlb->cp0.index & MIPS_INDEX_MASK) >= tlb->wired) {
			kern_ktlb_exception(cpu, EV_TLB_INVALID, page, store);
			tlb_mips_invalidate(tlb, idx);
			(void)pmap_tlb_refill(cpu, page);
			r = mmu_kaccess(cpu, va, size, store, pa);
		}
	}
	if (r == MMU_KA_OK)
		return 0;
	return kern_kfault(k, td, va, size, store);
}

/* One kernel-mode access of size bytes at va of td's stack: 0, or -1
 * after a kernel panic (a guard page: stack overflow). */
static int
kstack_access(struct kern *k, struct mmu_cpu *cpu, struct thread *td, vm_offset_t va,
    unsigned size, bool store)
{
	vm_paddr_t pa;

	if (td->kstack.kva == 0 || (cpu = kstack_cpu(k, cpu, td)) == NULL)
		return 0;	/* no kernel stack (a kernel without a machine) */
	return kern_kaccess(k, cpu, td, va, size, store, &pa);
}

/*
 * The kernel memory copies (malloc.h): page by page, the access through
 * the model, then the bytes through the direct map of the frame.  dir:
 * 0 load into buf, 1 store from buf, 2 store zeros.
 */
static int
kern_kmem_xfer(struct kern *k, struct mmu_cpu *cpu, vm_offset_t kva, void *buf,
    size_t len, int dir)
{
	bool store = dir != 0;
	vm_paddr_t pa;
	size_t off, n;

	if (len == 0)
		return 0;
	if (k->panicked)
		return EFAULT;
	cpu = kern_kmem_quiet ? NULL : kern_kcpu(k, cpu);
	for (off = 0; off < len; off += n) {
		vm_offset_t va = kva + off;

		n = MIN(len - off, (size_t)(PAGE_SIZE - (va & PAGE_MASK)));
		if (cpu != NULL) {
			if (kern_kaccess(k, cpu, NULL, va, (unsigned)n, store, &pa) != 0)
				return EFAULT;
		} else if ((pa = pmap_kextract(va)) == 0) {
			(void)kern_kfault(k, NULL, va, (unsigned)n, store);
			return EFAULT;
		}
		if (dir == 0)
			memcpy((uint8_t *)buf + off, vm_phys_dmap_ptr(pa), n);
		else if (dir == 1)
			memcpy(vm_phys_dmap_ptr(pa), (const uint8_t *)buf + off, n);
		else
			memset(vm_phys_dmap_ptr(pa), 0, n);
	}
	return 0;
}

int
kern_kmem_copyin(struct kern *k, struct mmu_cpu *cpu, vm_offset_t kva, void *buf,
    size_t len)
{
	return kern_kmem_xfer(k, cpu, kva, buf, len, 0);
}

int
kern_kmem_copyout(struct kern *k, struct mmu_cpu *cpu, vm_offset_t kva,
    const void *buf, size_t len)
{
	return kern_kmem_xfer(k, cpu, kva, (void *)(uintptr_t)buf, len, 1);
}

int
kern_kmem_zero(struct kern *k, struct mmu_cpu *cpu, vm_offset_t kva, size_t len)
{
	return kern_kmem_xfer(k, cpu, kva, NULL, len, 2);
}

void
kern_kmem_quiesce(bool quiet)
{
	kern_kmem_quiet = quiet;
}

int
kern_trap_enter(struct kern *k, struct mmu_cpu *cpu, struct thread *td)
{
	vm_offset_t frame;

	td->kdepth++;
	frame = kstack_top(k, td) - (vm_offset_t)td->kdepth * tf_size(k);
	return kstack_access(k, cpu, td, frame, tf_size(k), true);
}

void
kern_trap_leave(struct kern *k, struct mmu_cpu *cpu, struct thread *td)
{
	vm_offset_t frame;

	KASSERT(td->kdepth > 0, ("kern_trap_leave: tid %d has no trapframe", td->tid));
	frame = kstack_top(k, td) - (vm_offset_t)td->kdepth * tf_size(k);
	td->kdepth--;
	if (!k->panicked)
		(void)kstack_access(k, cpu, td, frame, tf_size(k), false);
}

int
kern_kstack_use(struct kern *k, struct mmu_cpu *cpu, struct thread *td, size_t bytes)
{
	vm_offset_t sp = kstack_top(k, td) - (vm_offset_t)td->kdepth * tf_size(k);

	if (td->kstack.kva == 0 || bytes == 0)
		return 0;
	return kstack_access(k, cpu, td, sp - bytes, 8, true);
}
