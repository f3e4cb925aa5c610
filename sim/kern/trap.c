/*
 * sim/kern/trap.c — exception dispatch: what the kernel does when the
 * hardware model raises a TLB exception or a page fault, and when the
 * execution engine reports a fault or trap of its own.
 *
 *   MIPS TLB Refill   -> pmap_tlb_refill (the refill handler)
 *   MIPS TLB Modified -> pmap_emulate_modified, else a write fault
 *   MIPS TLB Invalid, amd64 #PF -> vm_fault
 *   anything unresolvable -> SIGSEGV posted to the thread
 *
 * Every exception is an event; vm_fault adds its own page_fault event.
 */
#include "sim/kern/kern.h"
#include "mmu/mmu.h"
#include "sim/base/event.h"
#include "vm/pmap.h"
#include "vm/vm_fault.h"

#include <stdio.h>

static vm_prot_t
trap_fault_type(int kind)
{
	switch (kind) {
	case MMU_STORE: return VM_PROT_WRITE;
	case MMU_FETCH: return VM_PROT_EXECUTE;
	default: return VM_PROT_READ;
	}
}

static const char *
trap_access_name(int kind)
{
	switch (kind) {
	case MMU_STORE: return "write";
	case MMU_FETCH: return "exec";
	default: return "read";
	}
}

/* Post sig to td's process; the PC is that of the instruction now
 * executing (exact while a slice runs: event_context's pc). */
static void
trap_post(struct kern *k, struct thread *td, int sig, vm_offset_t addr)
{
	struct event_context *ec = event_context();

	if (td->p->pending_sig == 0) {
		td->p->pending_sig = sig;
		td->p->sig_addr = addr;
		td->p->sig_pc = ec->pc != NULL ? ec->pc(ec->pc_arg) : 0;
	}
	(void)k;
}

/* A fault nothing can resolve: a page_fault event of type segv. */
static void
trap_segv_event(vm_offset_t va, int kind, const char *why, int has_pc, uint64_t pc)
{
	struct event ev = event_make(EV_PAGE_FAULT, "segv", va);

	ev.pc = pc;
	snprintf(ev.detail, sizeof(ev.detail), "%s %s", trap_access_name(kind), why);
	event_emit(&ev, has_pc);
}

static void
trap_tlb_event(enum ev_kind kind, vm_offset_t va, int access)
{
	struct event ev = event_make(kind, NULL, va);

	snprintf(ev.detail, sizeof(ev.detail), "%s", trap_access_name(access));
	event_emit(&ev, 0);
}

static const char *
kern_rv_name(int rv)
{
	switch (rv) {
	case KERN_INVALID_ADDRESS: return "no mapping";
	case KERN_PROTECTION_FAILURE: return "protection";
	case KERN_RESOURCE_SHORTAGE: return "out of memory";
	case KERN_FAILURE: return "pager error";
	default: return "error";
	}
}

int
kern_trap_mmu(void *arg, struct mmu_cpu *cpu, const struct mmu_exc *exc)
{
	struct kern *k = arg;
	struct thread *td = k->curthread[cpu->id];
	int rv;

	KASSERT(td != NULL, ("trap on cpu%d with no thread", cpu->id));
	switch (exc->type) {
	case EXC_TLB_REFILL:
		trap_tlb_event(EV_TLB_REFILL, exc->va, exc->kind);
		return pmap_tlb_refill(cpu, exc->va);
	case EXC_TLB_MODIFIED:
		trap_tlb_event(EV_TLB_MODIFIED, exc->va, exc->kind);
		if (pmap_emulate_modified(td->p->vm->pmap, cpu, exc->va) == 0)
			return 0;
		break;
	case EXC_TLB_INVALID:
		trap_tlb_event(EV_TLB_INVALID, exc->va, exc->kind);
		break;
	case EXC_PAGE_FAULT:
		break;
	case EXC_ADDRESS_ERROR:
		/* Linux/MIPS do_ade: a user access to kernel space is SIGBUS. */
		trap_segv_event(exc->va, exc->kind, "address error (kernel address)", 0, 0);
		trap_post(k, td, ksig_bus(k->arch), exc->va);
		return -1;
	}
	rv = vm_fault(&td->p->vm->map, exc->va, trap_fault_type(exc->kind), 0);
	if (rv == KERN_SUCCESS)
		return 0;
	trap_segv_event(exc->va, exc->kind, kern_rv_name(rv), 0, 0);
	trap_post(k, td, rv == KERN_RESOURCE_SHORTAGE ? KSIGKILL :
	    rv == KERN_FAILURE ? ksig_bus(k->arch) : KSIGSEGV, exc->va);
	return -1;
}

void
kern_trap_segv(struct kern *k, struct thread *td, vm_offset_t addr, int access,
    uint64_t pc, const char *why)
{
	trap_segv_event(addr, access, why, 1, pc);
	trap_post(k, td, KSIGSEGV, addr);
	td->p->sig_pc = pc;
}

void
kern_trap_other(struct kern *k, struct thread *td, int sig, uint64_t pc, const char *why)
{
	struct event ev = event_make(EV_SIGNAL, ksig_name(sig), 0);

	ev.pc = pc;
	snprintf(ev.detail, sizeof(ev.detail), "%s", why);
	event_emit(&ev, 1);
	trap_post(k, td, sig, 0);
}

void
kern_deliver_signals(struct kern *k, struct thread *td)
{
	struct proc *p = td->p;
	int sig = p->pending_sig;
	struct event ev;

	if (sig == 0 || p->exited)
		return;
	p->pending_sig = 0;
	k->stats.signals++;
	ev = event_make(EV_SIGNAL, ksig_name(sig), p->sig_addr);
	ev.pc = p->sig_pc;
	/* XXX: handlers and masks come with the processes issue; every
	 * signal takes its default action: ignore or terminate. */
	if (ksig_default_ignored(k->arch, sig)) {
		snprintf(ev.detail, sizeof(ev.detail), "default action: ignore");
		event_emit(&ev, 1);
		return;
	}
	snprintf(ev.detail, sizeof(ev.detail), "default action: terminate");
	event_emit(&ev, 1);
	kern_exit(k, p, sig & 0x7f);
}
