/*
 * sim/kern/kstack.c — the kernel stack's memory traffic: the trapframe
 * that exception entry saves and the return restores (FreeBSD
 * mips/mips/exception.S and amd64/amd64/exception.S save the user
 * registers on the thread's kernel stack), and kernel code's own stack
 * use.  The kernel runs natively; only its stack accesses go through the
 * MMU model, as kernel-mode accesses (mmu_kaccess), so that they cost
 * cycles, occupy the D-cache, and — on MIPS — must hit the kernel stack's
 * wired TLB entry (DESIGN.md 3 and 4; VM-SPEC "Kernel stacks").
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
 */
#include "sim/kern/kern.h"
#include "mmu/mmu.h"
#include "sim/base/event.h"
#include "vm/pmap.h"

#include <stdio.h>

/* struct trapframe: MIPS o32 38 registers of 4 bytes (GPRs, sr, lo, hi,
 * badvaddr, cause, pc), padded to 8; amd64 24 registers of 8 bytes. */
#define TF_SIZE_MIPS	160
#define TF_SIZE_AMD64	192
/* struct pcb at the stack top. */
#define PCB_SIZE_MIPS	128
#define PCB_SIZE_AMD64	256

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

/*
 * One kernel-mode access of size bytes at va of td's stack.  A MIPS TLB
 * miss is a machine check (the wired entry must always hold the running
 * thread's stack): logged, the pair written again, the access retried.
 * No mapping: a kernel panic (a guard page: stack overflow).
 */
static int
kstack_access(struct kern *k, struct mmu_cpu *cpu, struct thread *td, vm_offset_t va,
    unsigned size, bool store)
{
	vm_paddr_t pa;
	int r;

	if (td->kstack.kva == 0 || (cpu = kstack_cpu(k, cpu, td)) == NULL)
		return 0;	/* no kernel stack (a kernel without a machine) */
	r = mmu_kaccess(cpu, va, size, store, &pa);
	if (r == MMU_KA_TLB_MISS && va >= td->kstack.kva) {
		struct event ev = event_make(EV_MACHINE_CHECK, "kstack", va);

		snprintf(ev.detail, sizeof(ev.detail), "tid %d: kernel stack missed "
		    "wired entry 0", td->tid);
		event_emit(&ev, 0);
		pmap_kstack_switch(cpu, td->kstack.kva);
		r = mmu_kaccess(cpu, va, size, store, &pa);
	}
	if (r == MMU_KA_OK)
		return 0;
	if (va < td->kstack.kva && va >= td->kstack.kva - ptoa((vm_offset_t)KSTACK_GUARD_PAGES))
		kern_panic(k, "kernel stack overflow: tid %d %s %#llx in the guard page "
		    "below its stack at %#llx", td->tid, store ? "stores to" : "loads from",
		    (unsigned long long)va, (unsigned long long)td->kstack.kva);
	else
		kern_panic(k, "kernel page fault: tid %d %s unmapped kernel address %#llx",
		    td->tid, store ? "stores to" : "loads from", (unsigned long long)va);
	return -1;
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
