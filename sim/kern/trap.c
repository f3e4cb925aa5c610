/*
 * sim/kern/trap.c — exception dispatch: what the kernel does when the
 * hardware model raises a TLB exception or a page fault, and when the
 * execution engine reports a fault or trap of its own.
 *
 *   MIPS TLB Refill   -> pmap_tlb_refill (the refill handler)
 *   MIPS TLB Modified -> pmap_emulate_modified, else a write fault
 *   MIPS TLB Invalid, amd64 #PF -> vm_fault; below a growable stack,
 *                      vm_map_growstack and vm_fault again
 *   anything unresolvable -> SIGSEGV posted to the thread
 *
 * The stack grows only here, where the access is retried precisely: the
 * execution engine's regions cover the room each stack may grow into
 * (sim/machine.c), so such an access reaches the MMU and comes here as a
 * page fault, never as an engine-detected fault (kern_trap_segv, whose
 * access cannot be re-executed when faults are not precise).
 *
 * Every exception is an event; vm_fault adds its own page_fault event.
 * Signal delivery (the actions, the signal frames, sigreturn) is here
 * too: it is what happens on the way back to user mode (FreeBSD
 * kern_sig.c postsig/sendsig, Linux signal.c; the frame layouts are
 * described below).
 */
#include "sim/kern/kern.h"
#include "mmu/mmu.h"
#include "sim/base/event.h"
#include "vm/pmap.h"
#include "vm/ucred.h"
#include "vm/vm_fault.h"

#include <stdio.h>
#include <string.h>

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

/* Post a fault's signal to td's process; the PC is that of the
 * instruction now executing (exact while a slice runs: event_context's
 * pc).  A fault cannot be blocked or ignored (kern_psignal). */
static void
trap_post(struct kern *k, struct thread *td, int sig, int code, vm_offset_t addr)
{
	struct event_context *ec = event_context();
	struct ksiginfo si;

	memset(&si, 0, sizeof(si));
	si.code = code;
	si.addr = addr;
	si.pc = ec->pc != NULL ? ec->pc(ec->pc_arg) : 0;
	si.forced = true;
	kern_psignal(k, td->p, sig, &si);
}

/* A fault nothing can resolve: a page_fault event of type segv. */
static void
trap_segv_event(vm_offset_t va, int kind, const char *type, const char *why, int has_pc,
    uint64_t pc)
{
	struct event ev = event_make(EV_PAGE_FAULT, type, va);

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

static int trap_mmu_general(struct kern *k, struct mmu_cpu *cpu, struct thread *td,
    const struct mmu_exc *exc);

int
kern_trap_mmu(void *arg, struct mmu_cpu *cpu, const struct mmu_exc *exc)
{
	struct kern *k = arg;
	struct thread *td = k->curthread[cpu->id];
	const char *oreason;
	int rv;

	KASSERT(td != NULL, ("trap on cpu%d with no thread", cpu->id));
	ucred_set_current(td->p->cred);		/* a COW copy is charged to td */
	if (exc->type == EXC_TLB_REFILL) {
		/* The refill handler runs on k0/k1: no trapframe. */
		trap_tlb_event(EV_TLB_REFILL, exc->va, exc->kind);
		return pmap_tlb_refill(cpu, exc->va);
	}
	/* General exception entry: a trapframe on the kernel stack. */
	if (kern_trap_enter(k, cpu, td) != 0)
		return -1;		/* kernel panic: the machine stops */
	oreason = pmap_reason_set("fault");
	rv = trap_mmu_general(k, cpu, td, exc);
	(void)pmap_reason_set(oreason);
	kern_trap_leave(k, cpu, td);
	return rv;
}

static int
trap_mmu_general(struct kern *k, struct mmu_cpu *cpu, struct thread *td,
    const struct mmu_exc *exc)
{
	int rv;

	switch (exc->type) {
	case EXC_TLB_REFILL:
		KASSERT(0, ("trap_mmu_general: refill"));
		return -1;
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
		trap_segv_event(exc->va, exc->kind, "segv", "address error (kernel address)", 0, 0);
		trap_post(k, td, ksig_bus(k->arch), KBUS_ADRALN, exc->va);
		return -1;
	}
	rv = vm_fault(&td->p->vm->map, exc->va, trap_fault_type(exc->kind), 0);
	if (rv == KERN_INVALID_ADDRESS && kern_grow_stack(k, td->p, exc->va))
		rv = vm_fault(&td->p->vm->map, exc->va, trap_fault_type(exc->kind), 0);
	if (rv == KERN_SUCCESS)
		return 0;
	/* page_fault type: protection (the mapping forbids the access) or
	 * segv (no mapping, no memory, pager error). */
	trap_segv_event(exc->va, exc->kind, rv == KERN_PROTECTION_FAILURE ? "protection" :
	    "segv", kern_rv_name(rv), 0, 0);
	trap_post(k, td, rv == KERN_RESOURCE_SHORTAGE ? KSIGKILL :
	    rv == KERN_FAILURE ? ksig_bus(k->arch) : KSIGSEGV,
	    rv == KERN_FAILURE ? KBUS_ADRERR :
	    rv == KERN_PROTECTION_FAILURE ? KSEGV_ACCERR : KSEGV_MAPERR, exc->va);
	return -1;
}

void
kern_trap_segv(struct kern *k, struct thread *td, vm_offset_t addr, int access,
    uint64_t pc, bool protection)
{
	ucred_set_current(td->p->cred);
	trap_segv_event(addr, access, protection ? "protection" : "segv",
	    protection ? "protection" : "no mapping", 1, pc);
	trap_post(k, td, KSIGSEGV, protection ? KSEGV_ACCERR : KSEGV_MAPERR, addr);
	td->p->siginfo[KSIGSEGV].pc = pc;
}

void
kern_trap_other(struct kern *k, struct thread *td, int sig, uint64_t pc, const char *why)
{
	struct event ev = event_make(EV_SIGNAL, ksig_name(k->arch, sig), 0);
	struct ksiginfo si;

	ev.pc = pc;
	snprintf(ev.detail, sizeof(ev.detail), "%s", why);
	event_emit(&ev, 1);
	memset(&si, 0, sizeof(si));
	si.code = KSI_KERNEL;
	si.pc = pc;
	si.forced = true;
	kern_psignal(k, td->p, sig, &si);
}

/* ---- signal delivery ------------------------------------------------------ */

/*
 * Signal frames.  The layout is Linux's where a handler may look (the
 * siginfo and the ucontext's general registers, signal mask and stack
 * fields sit where glibc's siginfo_t and ucontext_t put them), reduced
 * elsewhere: no FPU state is written to the frame (the fpregs pointer is
 * NULL on amd64, the MIPS sc_fpregs are zeros).  Instead the kernel keeps
 * the whole register context of each frame (td->sigctx, FPU included);
 * sigreturn loads it and then applies the frame's general registers, so
 * a handler that edits them (e.g. skips a faulting instruction) is obeyed
 * and everything else is restored exactly.
 *
 *   amd64 (rsp at entry = frame, 16-byte aligned + 8 as after a call):
 *     +0    return address: the sa_restorer (SA_RESTORER is required, as
 *           on Linux), which calls rt_sigreturn (15)
 *     +8    ucontext (304 bytes: flags, link, stack, sigcontext, mask)
 *     +312  siginfo (128 bytes)
 *   MIPS o32 (sp at entry = frame, 16-byte aligned):
 *     +0    argument save area (16 bytes)
 *     +16   (Linux's old trampoline slot, unused)
 *     +24   siginfo (128 bytes)
 *     +152  ucontext (744 bytes; sigcontext at +24, mask at +616)
 *   ra points at the signal return code, "li v0, 4193 (rt_sigreturn);
 *   syscall", in a read-only page the kernel maps above the stack at the
 *   first handler (vmspace->sigcode, like FreeBSD's sigcode page or
 *   Linux's VDSO): code on the stack itself would share a page with data
 *   the program keeps writing (only if that page cannot be mapped is the
 *   code written into the frame's slot).
 */
#define FRAME_AMD64		440
#define FRAME_AMD64_UC		8
#define FRAME_AMD64_INFO	312
#define UC_AMD64_SIZE		304
#define FRAME_MIPS		896
#define FRAME_MIPS_TRAMP	16
#define FRAME_MIPS_INFO		24
#define FRAME_MIPS_UC		152
#define UC_MIPS_SIZE		744

#define LSA_NODEFER		0x40000000u	/* both ABIs */
#define LSA_RESETHAND		0x80000000u	/* both ABIs */
#define LSA_RESTORER		0x04000000u	/* amd64 */
#define AMD64_FIX_EFLAGS	0x50dd5u	/* what sigreturn may change (Linux) */
#define AMD64_EFLAGS_TF		0x100u
#define AMD64_EFLAGS_DF		0x400u
#define MIPS_INSN_LI_V0_RT_SIGRETURN	0x24021061u	/* addiu v0, zero, 4193 */
#define MIPS_INSN_SYSCALL		0x0000000cu

static void
sig_put(uint8_t *b, uint64_t v, unsigned n, bool be)
{
	for (unsigned i = 0; i < n; i++)
		b[i] = (uint8_t)(v >> (be ? 8 * (n - 1 - i) : 8 * i));
}

static uint64_t
sig_get(const uint8_t *b, unsigned n, bool be)
{
	uint64_t v = 0;

	for (unsigned i = 0; i < n; i++)
		v |= (uint64_t)b[i] << (be ? 8 * (n - 1 - i) : 8 * i);
	return v;
}

/* A MIPS register as a sigcontext slot holds it (sign-extended). */
static uint64_t
sig_sext32(uint64_t v)
{
	return (uint64_t)(int64_t)(int32_t)(uint32_t)v;
}

static bool
sig_is_fault(enum sim_arch a, int sig)
{
	return sig == KSIGILL || sig == KSIGTRAP || sig == KSIGSEGV ||
	    sig == ksig_bus(a) || sig == ksig_fpe(a);
}

/* The guest's siginfo_t for sig (128 bytes at b). */
static void
sig_siginfo(enum sim_arch a, int sig, const struct ksiginfo *si, uint8_t *b)
{
	bool be = a == ARCH_MIPS;
	unsigned u = a == ARCH_AMD64 ? 16 : 12;	/* the union */

	memset(b, 0, 128);
	sig_put(b, (uint64_t)sig, 4, be);
	if (a == ARCH_AMD64) {
		sig_put(b + 8, (uint64_t)(uint32_t)si->code, 4, be);	/* si_code */
	} else {
		sig_put(b + 4, (uint64_t)(uint32_t)si->code, 4, be);	/* MIPS: code, then errno */
	}
	if (sig_is_fault(a, sig) && si->code > 0) {
		sig_put(b + u, si->addr, a == ARCH_AMD64 ? 8 : 4, be);	/* si_addr */
	} else {
		sig_put(b + u, (uint64_t)(uint32_t)si->pid, 4, be);	/* si_pid */
		sig_put(b + u + 4, (uint64_t)(uint32_t)si->uid, 4, be);	/* si_uid */
		if (sig == ksig_chld(a) && si->code > 0)
			sig_put(b + u + 8, (uint64_t)(uint32_t)si->status, 4, be);
	}
}

/* Store a 64-bit signal mask as the ABI's sigset (amd64 one u64, o32
 * 32-bit words). */
static void
sig_put_set(enum sim_arch a, uint8_t *b, uint64_t set)
{
	bool be = a == ARCH_MIPS;

	if (a == ARCH_AMD64) {
		sig_put(b, set, 8, false);
	} else {
		sig_put(b, set & 0xffffffffu, 4, be);
		sig_put(b + 4, set >> 32, 4, be);
	}
}

static uint64_t
sig_get_set(enum sim_arch a, const uint8_t *b)
{
	bool be = a == ARCH_MIPS;

	if (a == ARCH_AMD64)
		return sig_get(b, 8, false);
	return sig_get(b, 4, be) | sig_get(b + 4, 4, be) << 32;
}

/* Forget the saved contexts of frames at or below frame (returned from,
 * or abandoned by a longjmp out of the handler). */
static void
sigctx_prune(struct kern *k, struct thread *td, vm_offset_t frame)
{
	int n = 0;

	for (int i = 0; i < td->nsigctx; i++) {
		if (td->sigctx[i].frame <= frame)
			k->hw->ctx_free(k->hw_arg, td->sigctx[i].ctx);
		else
			td->sigctx[n++] = td->sigctx[i];
	}
	td->nsigctx = n;
}

/* Remember td's whole context for the frame at frame. */
static void
sigctx_push(struct kern *k, struct thread *td, vm_offset_t frame)
{
	void *ctx;

	sigctx_prune(k, td, frame);
	if (td->nsigctx == KERN_SIGDEPTH) {	/* the oldest is forgotten */
		k->hw->ctx_free(k->hw_arg, td->sigctx[0].ctx);
		memmove(&td->sigctx[0], &td->sigctx[1],
		    (KERN_SIGDEPTH - 1) * sizeof(td->sigctx[0]));
		td->nsigctx--;
	}
	ctx = k->hw->ctx_save(k->hw_arg, td);
	if (ctx == NULL)
		return;		/* sigreturn restores the frame's registers only */
	td->sigctx[td->nsigctx].frame = frame;
	td->sigctx[td->nsigctx].ctx = ctx;
	td->nsigctx++;
}

/*
 * The MIPS signal return code: the page above the stack, mapped and
 * written at the first use (read-only and executable afterwards).  Its
 * address, or 0 when it cannot be mapped.
 */
static vm_offset_t
sig_mips_sigcode(struct kern *k, struct thread *td)
{
	struct vmspace *vm = td->p->vm;
	vm_offset_t va = vm->stack_top;
	uint8_t code[8];

	if (vm->sigcode != 0)
		return vm->sigcode;
	if (va == 0 || va + PAGE_SIZE > vm->map.max_offset ||
	    vm_map_insert(&vm->map, NULL, 0, va, va + PAGE_SIZE,
	    VM_PROT_READ | VM_PROT_WRITE, VM_PROT_ALL, 0) != KERN_SUCCESS)
		return 0;
	sig_put(code, MIPS_INSN_LI_V0_RT_SIGRETURN, 4, k->arch == ARCH_MIPS);
	sig_put(code + 4, MIPS_INSN_SYSCALL, 4, k->arch == ARCH_MIPS);
	if (copyout(td->p, code, va, sizeof(code)) != 0 ||
	    vm_map_protect(&vm->map, va, va + PAGE_SIZE, VM_PROT_READ | VM_PROT_EXECUTE,
	    false) != KERN_SUCCESS ||
	    k->hw->map_changed(k->hw_arg, td->p) != 0) {
		vm_map_remove(&vm->map, va, va + PAGE_SIZE);
		(void)k->hw->map_changed(k->hw_arg, td->p);
		return 0;
	}
	k->hw->icache_sync(k->hw_arg, td, va, sizeof(code));
	vm->sigcode = va;
	return va;
}

/*
 * Build the frame for sig with action sa on td's user stack and point the
 * registers at the handler.  0, or -1 when the stack cannot take it.
 */
static int
sig_sendsig(struct kern *k, struct thread *td, int sig, const struct ksigaction *sa,
    const struct ksiginfo *si, uint64_t oldmask)
{
	struct proc *p = td->p;
	enum sim_arch a = k->arch;
	bool be = a == ARCH_MIPS;
	uint64_t r[KERN_NGREGS];
	uint8_t f[FRAME_MIPS];
	vm_offset_t frame;

	k->hw->gregs_get(k->hw_arg, td, r);
	memset(f, 0, sizeof(f));
	if (a == ARCH_AMD64) {
		uint8_t *uc = f + FRAME_AMD64_UC, *mc = uc + 40;

		if (!(sa->flags & LSA_RESTORER))
			return -1;	/* no way back (Linux: SIGSEGV) */
		/* Below the red zone; rsp + 8 16-byte aligned at entry. */
		frame = ((r[KREG_AMD64_RSP] - 128 - FRAME_AMD64) & ~(vm_offset_t)15) - 8;
		sig_put(f, sa->restorer, 8, false);
		sig_put(uc + 24, 2, 4, false);			/* ss_flags: SS_DISABLE */
		for (int i = 0; i < KREG_AMD64_NREGS; i++)
			sig_put(mc + 8 * i, r[i], 8, false);
		sig_put(mc + 8 * 18, 0x002b000000000033ull, 8, false);	/* cs, ss */
		if (sig == KSIGSEGV && si->code > 0) {
			sig_put(mc + 8 * 19, 4 | (si->code == KSEGV_ACCERR), 8, false); /* err */
			sig_put(mc + 8 * 20, 14, 8, false);		/* trapno: #PF */
			sig_put(mc + 8 * 22, si->addr, 8, false);	/* cr2 */
		}
		sig_put(mc + 8 * 21, oldmask, 8, false);		/* oldmask */
		sig_put_set(a, uc + 296, oldmask);			/* uc_sigmask */
		sig_siginfo(a, sig, si, f + FRAME_AMD64_INFO);
		if (copyout(p, f, frame, FRAME_AMD64) != 0)
			return -1;
		sigctx_push(k, td, frame);
		r[KREG_AMD64_RSP] = frame;
		r[KREG_AMD64_RIP] = sa->handler;
		r[8] = (uint64_t)sig;				/* rdi */
		r[9] = frame + FRAME_AMD64_INFO;		/* rsi */
		r[12] = frame + FRAME_AMD64_UC;			/* rdx */
		r[13] = 0;					/* rax */
		r[17] &= ~(uint64_t)(AMD64_EFLAGS_DF | AMD64_EFLAGS_TF);
	} else {
		uint8_t *uc = f + FRAME_MIPS_UC;
		vm_offset_t ret = sig_mips_sigcode(k, td);

		frame = (r[KREG_MIPS_SP] - FRAME_MIPS) & ~(vm_offset_t)15;
		if (ret == 0) {
			ret = frame + FRAME_MIPS_TRAMP;
			sig_put(f + FRAME_MIPS_TRAMP, MIPS_INSN_LI_V0_RT_SIGRETURN, 4, be);
			sig_put(f + FRAME_MIPS_TRAMP + 4, MIPS_INSN_SYSCALL, 4, be);
		}
		sig_siginfo(a, sig, si, f + FRAME_MIPS_INFO);
		sig_put(uc + 16, 2, 4, be);				/* ss_flags: SS_DISABLE */
		sig_put(uc + 32, sig_sext32(r[KREG_MIPS_PC]), 8, be);	/* sc_pc */
		for (int i = 0; i < 32; i++)
			sig_put(uc + 40 + 8 * i, sig_sext32(r[i]), 8, be);	/* sc_regs */
		sig_put(uc + 576, sig_sext32(r[KREG_MIPS_HI]), 8, be);	/* sc_mdhi */
		sig_put(uc + 584, sig_sext32(r[KREG_MIPS_LO]), 8, be);	/* sc_mdlo */
		sig_put_set(a, uc + 616, oldmask);			/* uc_sigmask */
		if (frame < PAGE_SIZE || copyout(p, f, frame, FRAME_MIPS) != 0)
			return -1;
		if (ret == frame + FRAME_MIPS_TRAMP)
			k->hw->icache_sync(k->hw_arg, td, ret, 8);
		sigctx_push(k, td, frame);
		r[4] = (uint64_t)sig;				/* a0 */
		r[5] = frame + FRAME_MIPS_INFO;			/* a1 */
		r[6] = frame + FRAME_MIPS_UC;			/* a2 */
		r[KREG_MIPS_SP] = frame;
		r[KREG_MIPS_RA] = ret;
		r[25] = sa->handler;				/* t9 */
		r[KREG_MIPS_PC] = sa->handler;
	}
	k->hw->gregs_set(k->hw_arg, td, r);
	return 0;
}

/* The signals that may not be blocked. */
static uint64_t
sig_cantmask(enum sim_arch a)
{
	return KSIG_BIT(KSIGKILL) | KSIG_BIT(ksig_stop(a));
}

/* rt_sigreturn / sigreturn: back from the handler whose frame the stack
 * pointer names.  Returns -KERN_EJUSTRETURN (registers are restored). */
int64_t
kern_sigreturn(struct kern *k, struct thread *td)
{
	struct proc *p = td->p;
	enum sim_arch a = k->arch;
	bool be = a == ARCH_MIPS;
	uint64_t r[KERN_NGREGS], cur[KERN_NGREGS], mask;
	uint8_t uc[UC_MIPS_SIZE];
	vm_offset_t frame;
	int found = -1;

	k->hw->gregs_get(k->hw_arg, td, cur);
	memcpy(r, cur, sizeof(r));
	if (a == ARCH_AMD64) {
		const uint8_t *mc = uc + 40;

		frame = cur[KREG_AMD64_RSP] - 8;	/* the handler returned: pretcode popped */
		if (copyin(p, frame + FRAME_AMD64_UC, uc, UC_AMD64_SIZE) != 0)
			goto bad;
		for (int i = 0; i < KREG_AMD64_NREGS; i++)
			r[i] = sig_get(mc + 8 * i, 8, false);
		r[17] = (cur[17] & ~(uint64_t)AMD64_FIX_EFLAGS) |
		    (r[17] & AMD64_FIX_EFLAGS);
		mask = sig_get_set(a, uc + 296);
	} else {
		frame = cur[KREG_MIPS_SP];
		if (copyin(p, frame + FRAME_MIPS_UC, uc, UC_MIPS_SIZE) != 0)
			goto bad;
		r[KREG_MIPS_PC] = sig_get(uc + 32, 8, be) & 0xffffffffu;
		for (int i = 1; i < 32; i++)
			r[i] = sig_get(uc + 40 + 8 * i, 8, be) & 0xffffffffu;
		r[KREG_MIPS_HI] = sig_get(uc + 576, 8, be) & 0xffffffffu;
		r[KREG_MIPS_LO] = sig_get(uc + 584, 8, be) & 0xffffffffu;
		mask = sig_get_set(a, uc + 616);
	}
	for (int i = 0; i < td->nsigctx; i++)
		if (td->sigctx[i].frame == frame)
			found = i;
	if (found >= 0)		/* the whole context: FPU, TLS, flags */
		k->hw->ctx_restore(k->hw_arg, td, td->sigctx[found].ctx);
	sigctx_prune(k, td, frame);
	k->hw->gregs_set(k->hw_arg, td, r);
	p->sigmask = mask & ~sig_cantmask(a);
	return -KERN_EJUSTRETURN;
bad:
	{
		struct ksiginfo si;

		memset(&si, 0, sizeof(si));
		si.code = KSI_KERNEL;
		si.forced = true;
		kern_psignal(k, p, KSIGSEGV, &si);
	}
	return -KERN_EJUSTRETURN;
}

static void
sig_event(struct kern *k, struct thread *td, int sig, const struct ksiginfo *si,
    const char *what, uint64_t handler)
{
	struct event ev = event_make(EV_SIGNAL, ksig_name(k->arch, sig), si->addr);

	ev.pc = si->pc != 0 ? si->pc : k->hw->reg_get(k->hw_arg, td, GREG_PC);
	if (handler != 0)
		snprintf(ev.detail, sizeof(ev.detail), "%s %#llx", what,
		    (unsigned long long)handler);
	else
		snprintf(ev.detail, sizeof(ev.detail), "%s", what);
	event_emit(&ev, 1);
}

void
kern_deliver_signals(struct kern *k, struct thread *td)
{
	struct proc *p = td->p;

	/* At most a few frames at once; the rest wait for the next return
	 * to user mode. */
	for (int round = 0; round < 8; round++) {
		uint64_t ready, bit;
		struct ksigaction *sa;
		struct ksiginfo si;
		uint64_t oldmask;
		int sig;

		if (p->exited || td->exited)
			return;
		ready = p->sigpending & ~(p->sigmask & ~sig_cantmask(k->arch));
		if (p->pt.resume_sig != 0 && !(ready & KSIG_BIT(KSIGKILL))) {
			/* The signal a tracer resumed td with (PTRACE_CONT,
			 * DETACH): acted on now, without another stop. */
			sig = p->pt.resume_sig;
			p->pt.resume_sig = 0;
			bit = KSIG_BIT(sig);
		} else {
			if (ready == 0)
				return;
			sig = (ready & KSIG_BIT(KSIGKILL)) ? KSIGKILL :
			    __builtin_ctzll(ready) + 1;
			bit = KSIG_BIT(sig);
			p->sigpending &= ~bit;
			/* A traced process stops for its tracer on every
			 * signal but SIGKILL (sys_ptrace.c). */
			if (p->pt.tracer != 0 && sig != KSIGKILL) {
				kern_ptrace_stop(k, td, sig);
				return;
			}
		}
		si = p->siginfo[sig];
		sa = &p->sigact[sig];
		k->stats.signals++;
		if (sig != KSIGKILL && sa->handler == 1) {
			sig_event(k, td, sig, &si, "ignored", 0);
			continue;
		}
		if (sig == KSIGKILL || sa->handler == 0) {
			if (sig != KSIGKILL && ksig_default_ignored(k->arch, sig)) {
				sig_event(k, td, sig, &si, "default action: ignore", 0);
				continue;
			}
			/* Terminate (the core-dumping ones too: no core files). */
			sig_event(k, td, sig, &si, "default action: terminate", 0);
			kern_exit(k, p, sig & 0x7f);
			return;
		}
		oldmask = p->sigmask;
		if (sig_sendsig(k, td, sig, sa, &si, oldmask) != 0) {
			sig_event(k, td, sig, &si, "no room for the signal frame: SIGSEGV", 0);
			kern_exit(k, p, KSIGSEGV);
			return;
		}
		sig_event(k, td, sig, &si, "handler", sa->handler);
		p->sigmask |= sa->mask | ((sa->flags & LSA_NODEFER) ? 0 : bit);
		p->sigmask &= ~sig_cantmask(k->arch);
		if (sa->flags & LSA_RESETHAND)
			memset(sa, 0, sizeof(*sa));
		/* The thread runs the handler now, even if its system call was
		 * going to sleep: the call restarts when the handler returns. */
		td->wchan = NULL;
	}
}
