/*
 * sim/kern/sys_ptrace.c — debugger access: the ptrace system call and
 * proc_rwmem, the kernel's reads and writes of another process's memory
 * (FreeBSD sys_process.c proc_rwmem and kern_ptrace, 2010, with Linux's
 * ptrace(2) requests, numbers and errors; VM-SPEC.md "Debugger access
 * and I-cache sync").
 *
 * proc_rwmem goes page by page: vm_fault_hold the page of the target's
 * map (a write with VM_FAULT_COPY, so read-only program text gets a
 * private copy while staying read-only for the program), copy through
 * the direct map, release the hold.  After writing into an executable
 * entry it calls vm_sync_icache (MIPS: the I-caches learn of the new
 * instruction through the physical alias; amd64: coherent, nothing);
 * after any write the execution engine drops code it translated from
 * those bytes (kern_hw_ops.code_changed).
 *
 * Stops.  A traced process stops, instead of acting on a signal, on
 * every signal but SIGKILL (kern_deliver_signals calls kern_ptrace_stop):
 * its thread sleeps on &p->pt ("ptrace"; kern_psignal does not wake it,
 * except for SIGKILL), the tracer gets SIGCHLD (CLD_TRAPPED) and its
 * wait4 reports the stop once, WIFSTOPPED with the signal.  PTRACE_CONT
 * and PTRACE_DETACH resume it with a signal to deliver (0: none), which
 * is acted on without another stop.
 *
 * Requests (Linux numbers, both ABIs): TRACEME 0, PEEKTEXT 1, PEEKDATA 2,
 * POKETEXT 4, POKEDATA 5, CONT 7, KILL 8, GETREGS 12, SETREGS 13,
 * ATTACH 16, DETACH 17; anything else is EIO.  PEEK stores the word at
 * data (glibc's wrapper returns it), a word being the ABI's long (o32 4
 * bytes, amd64 8).  Errors as Linux: ESRCH (no such process, not traced
 * by the caller, or not stopped), EPERM (TRACEME twice, ATTACH to
 * oneself, to a traced process, a zombie or another user's), EIO (a
 * PEEK/POKE the target's map refuses, a bad signal number), EFAULT (the
 * caller's own buffer).
 *
 * Registers: amd64 GETREGS/SETREGS use struct user_regs_struct (27
 * 8-byte slots); MIPS o32 uses Linux's 38 64-bit slots, $0..$31, lo,
 * hi, epc, badvaddr, status, cause (sign-extended, guest byte order).
 *
 * XXX: the ptrace state is per process (p->pt), not per thread: a
 * multi-threaded tracee stops only the thread that took the signal.
 * XXX: a tracer that is not the parent learns of its tracee's exit only
 * as ECHILD (the tracee is detached at exit; Linux reports the exit to
 * both).  No PTRACE_O_* options, PEEKUSER/POKEUSER, SINGLESTEP or
 * syscall stops; orig_rax reads -1.
 */
#include "sim/kern/sys.h"
#include "sim/base/event.h"
#include "vm/pmap.h"
#include "vm/vm_fault.h"
#include "vm/vm_kern.h"
#include "vm/vm_page.h"

#include <stdio.h>
#include <string.h>

/* Linux ptrace requests (include/uapi/linux/ptrace.h; the MIPS and amd64
 * GETREGS/SETREGS share 12 and 13). */
#define LPTRACE_TRACEME		0
#define LPTRACE_PEEKTEXT	1
#define LPTRACE_PEEKDATA	2
#define LPTRACE_POKETEXT	4
#define LPTRACE_POKEDATA	5
#define LPTRACE_CONT		7
#define LPTRACE_KILL		8
#define LPTRACE_GETREGS		12
#define LPTRACE_SETREGS		13
#define LPTRACE_ATTACH		16
#define LPTRACE_DETACH		17

#define LCLD_TRAPPED		4	/* si_code of SIGCHLD for a ptrace stop */

/* amd64 struct user_regs_struct: 27 slots of 8 bytes. */
#define UREGS_AMD64_SLOTS	27
#define UREGS_AMD64_ORIG_RAX	15
#define UREGS_AMD64_CS		17
#define UREGS_AMD64_SS		20
#define UREGS_AMD64_FS_BASE	21
#define AMD64_USER_CS		0x33
#define AMD64_USER_SS		0x2b
#define AMD64_PTRACE_EFLAGS	0x50dd5u	/* what SETREGS may change (Linux
						   FLAG_MASK without TF) */
/* The kernel's greg index of each user_regs_struct slot (-1: none). */
static const int uregs_amd64_greg[UREGS_AMD64_SLOTS] = {
	7, 6, 5, 4,		/* r15, r14, r13, r12 */
	10, 11,			/* rbp, rbx */
	3, 2, 1, 0,		/* r11, r10, r9, r8 */
	13, 14, 12, 9, 8,	/* rax, rcx, rdx, rsi, rdi */
	-1,			/* orig_rax */
	16, -1, 17, 15, -1,	/* rip, cs, eflags, rsp, ss */
	-1, -1, -1, -1, -1, -1,	/* fs_base, gs_base, ds, es, fs, gs */
};

/* MIPS o32 PTRACE_GETREGS: 38 slots of 8 bytes. */
#define UREGS_MIPS_SLOTS	38
#define UREGS_MIPS_LO		32
#define UREGS_MIPS_HI		33
#define UREGS_MIPS_EPC		34
#define UREGS_MIPS_BADVADDR	35
#define UREGS_MIPS_STATUS	36
#define UREGS_MIPS_CAUSE	37
#define MIPS_USER_STATUS	0x0000ff13u	/* IM7..0, KSU user, EXL, IE */
#define MIPS_EXC_TLBL		2	/* Cause.ExcCode values */
#define MIPS_EXC_ADEL		4
#define MIPS_EXC_BP		9
#define MIPS_EXC_RI		10

/* ---- proc_rwmem ---------------------------------------------------------- */

int
proc_rwmem(struct kern *k, struct proc *p, vm_offset_t va, void *buf, size_t len,
    bool write)
{
	struct event_context *ec = event_context(), saved;
	struct vmspace *vm;
	struct vm_map *map;
	uint8_t *b = buf;
	bool exec = false;
	vm_offset_t start = va;
	int error = 0;

	if (len == 0)
		return 0;
	if (va + len < va)
		return EFAULT;
	vm = vmspace_acquire_ref(p);
	if (vm == NULL)
		return EFAULT;
	map = &vm->map;
	/* The faults taken are the target's (its space, its events). */
	saved = *ec;
	ec->pid = p->pid;
	ec->tid = p->td != NULL ? p->td->tid : p->pid;
	while (len > 0) {
		size_t off = va & PAGE_MASK, n = MIN(len, PAGE_SIZE - off);
		struct vm_map_entry *e;
		vm_page_t m;
		uint8_t *kva;
		int rv;

		if (va < map->min_offset || va >= map->max_offset) {
			error = EFAULT;
			break;
		}
		rv = vm_fault_hold(map, trunc_page(va), write ?
		    VM_PROT_READ | VM_PROT_WRITE : VM_PROT_READ,
		    write ? VM_FAULT_COPY | VM_FAULT_DIRTY : VM_FAULT_NORMAL, &m);
		if (rv != KERN_SUCCESS) {
			error = EFAULT;
			break;
		}
		kva = vm_phys_dmap_ptr(VM_PAGE_TO_PHYS(m)) + off;
		if (write) {
			memcpy(kva, b, n);
			vm_page_dirty(m);
			if (vm_map_lookup_entry(map, va, &e) &&
			    (e->protection & VM_PROT_EXECUTE) != 0)
				exec = true;
		} else {
			memcpy(b, kva, n);
		}
		vm_page_unhold(m);
		b += n;
		va += n;
		len -= n;
	}
	if (write && va > start) {
		if (exec)
			vm_sync_icache(map, start, va - start);
		if (k->hw->code_changed != NULL)
			k->hw->code_changed(k->hw_arg, p, start, va - start);
	}
	*ec = saved;
	vmspace_free(vm);
	return error;
}

/* ---- stops ---------------------------------------------------------------- */

void
kern_ptrace_stop(struct kern *k, struct thread *td, int sig)
{
	struct proc *p = td->p, *t = kern_pfind(k, p->pt.tracer);
	struct event ev = event_make(EV_SIGNAL, ksig_name(k->arch, sig),
	    p->siginfo[sig].addr);
	struct ksiginfo si;

	KASSERT(p->pt.tracer != 0 && sig != KSIGKILL,
	    ("kern_ptrace_stop: pid %d tracer %d sig %d", p->pid, p->pt.tracer, sig));
	p->pt.stopped = true;
	p->pt.stopsig = sig;
	p->pt.reported = false;
	td->wchan = &p->pt;
	td->wmesg = "ptrace";
	ev.pc = k->hw->reg_get(k->hw_arg, td, GREG_PC);
	snprintf(ev.detail, sizeof(ev.detail), "stopped for the tracer (pid %d)",
	    p->pt.tracer);
	event_emit(&ev, 1);
	if (t == NULL || t->exited)
		return;
	memset(&si, 0, sizeof(si));
	si.code = LCLD_TRAPPED;
	si.pid = p->pid;
	si.uid = (int)p->uid;
	si.status = sig;
	kern_psignal(k, t, ksig_chld(k->arch), &si);
	kern_wakeup(k, t);		/* wait4 sleeps on the waiting proc */
}

/* Let p run again, acting on sig (0: none) first. */
static void
ptrace_resume(struct kern *k, struct proc *p, int sig, int from_pid)
{
	(void)k;
	if (sig != 0 && sig != p->pt.stopsig) {
		/* Another signal than the one stopped with: it comes from
		 * the tracer. */
		memset(&p->siginfo[sig], 0, sizeof(p->siginfo[sig]));
		p->siginfo[sig].code = KSI_USER;
		p->siginfo[sig].pid = from_pid;
	}
	p->pt.resume_sig = sig;
	p->pt.stopped = false;
	p->pt.reported = false;
	p->pt.stopsig = 0;
	for (struct thread *td = p->threads; td != NULL; td = td->next)
		if (!td->exited && td->wchan == (const void *)&p->pt) {
			td->wchan = NULL;
			td->wmesg = NULL;
		}
}

void
kern_ptrace_exit(struct kern *k, struct proc *p)
{
	/* p was traced: a tracer that is not its parent stops waiting. */
	if (p->pt.tracer != 0) {
		struct proc *t = kern_pfind(k, p->pt.tracer);

		memset(&p->pt, 0, sizeof(p->pt));
		if (t != NULL && t->pid != p->ppid)
			kern_wakeup(k, t);
	}
	/* p traced others: they are detached and go on (Linux exit_ptrace). */
	for (int i = 0; i < k->nprocs; i++) {
		struct proc *q = k->procs[i];
		struct event ev;

		if (q == NULL || q == p || q->pt.tracer != p->pid)
			continue;
		ptrace_resume(k, q, 0, p->pid);
		memset(&q->pt, 0, sizeof(q->pt));
		ev = event_make(EV_PTRACE, "detach", 0);
		snprintf(ev.detail, sizeof(ev.detail), "pid %d: the tracer exited", q->pid);
		event_emit(&ev, 0);
	}
}

/* ---- the system call ------------------------------------------------------ */

static void
ptrace_event(const char *type, int pid, vm_offset_t addr, uint64_t data)
{
	struct event ev = event_make(EV_PTRACE, type, addr);

	snprintf(ev.detail, sizeof(ev.detail), "pid %d addr %#llx data %#llx", pid,
	    (unsigned long long)addr, (unsigned long long)data);
	event_emit(&ev, 0);
}

/* A signal number PTRACE_CONT/DETACH may pass (Linux valid_signal). */
static bool
ptrace_valid_signal(uint64_t sig)
{
	return sig < KERN_NSIG;
}

static int64_t
ptrace_getregs(struct sc_ctx *c, struct proc *q, vm_offset_t udata)
{
	struct thread *td = q->td;
	uint64_t r[KERN_NGREGS];
	uint8_t out[UREGS_MIPS_SLOTS * 8];
	size_t len;

	c->k->hw->gregs_get(c->k->hw_arg, td, r);
	memset(out, 0, sizeof(out));
	if (c->arch == ARCH_AMD64) {
		for (int i = 0; i < UREGS_AMD64_SLOTS; i++) {
			uint64_t v = 0;

			if (uregs_amd64_greg[i] >= 0)
				v = r[uregs_amd64_greg[i]];
			else if (i == UREGS_AMD64_ORIG_RAX)
				v = (uint64_t)-1;
			else if (i == UREGS_AMD64_CS)
				v = AMD64_USER_CS;
			else if (i == UREGS_AMD64_SS)
				v = AMD64_USER_SS;
			else if (i == UREGS_AMD64_FS_BASE)
				v = c->k->hw->reg_get(c->k->hw_arg, td, GREG_X86_FS_BASE);
			sc_put_uint(c, out + 8 * i, v, 8);
		}
		len = UREGS_AMD64_SLOTS * 8;
	} else {
		const struct ksiginfo *si = &q->siginfo[q->pt.stopsig];
		int sig = q->pt.stopsig, exc = 0;
		uint64_t s[UREGS_MIPS_SLOTS];

		if (sig == KSIGTRAP)
			exc = MIPS_EXC_BP;
		else if (sig == KSIGILL)
			exc = MIPS_EXC_RI;
		else if (sig == KSIGSEGV)
			exc = MIPS_EXC_TLBL;
		else if (sig == ksig_bus(c->arch))
			exc = MIPS_EXC_ADEL;
		for (int i = 0; i < 32; i++)
			s[i] = i == 0 ? 0 : r[i];
		s[UREGS_MIPS_LO] = r[KREG_MIPS_LO];
		s[UREGS_MIPS_HI] = r[KREG_MIPS_HI];
		s[UREGS_MIPS_EPC] = r[KREG_MIPS_PC];
		s[UREGS_MIPS_BADVADDR] = sig == KSIGSEGV || sig == ksig_bus(c->arch) ?
		    si->addr : 0;
		s[UREGS_MIPS_STATUS] = MIPS_USER_STATUS;
		s[UREGS_MIPS_CAUSE] = (uint64_t)exc << 2;
		for (int i = 0; i < UREGS_MIPS_SLOTS; i++)
			sc_put_uint(c, out + 8 * i,
			    (uint64_t)(int64_t)(int32_t)(uint32_t)s[i], 8);
		len = UREGS_MIPS_SLOTS * 8;
	}
	return copyout(c->p, out, udata, len) != 0 ? -EFAULT : 0;
}

static int64_t
ptrace_setregs(struct sc_ctx *c, struct proc *q, vm_offset_t udata)
{
	struct thread *td = q->td;
	uint64_t r[KERN_NGREGS];
	uint8_t in[UREGS_MIPS_SLOTS * 8];

	c->k->hw->gregs_get(c->k->hw_arg, td, r);
	if (c->arch == ARCH_AMD64) {
		uint64_t v[UREGS_AMD64_SLOTS];

		if (copyin(c->p, udata, in, UREGS_AMD64_SLOTS * 8) != 0)
			return -EFAULT;
		for (int i = 0; i < UREGS_AMD64_SLOTS; i++)
			v[i] = sc_get_uint(c, in + 8 * i, 8);
		/* Linux putreg: user selectors only, fs_base in user space. */
		if (v[UREGS_AMD64_CS] != AMD64_USER_CS ||
		    v[UREGS_AMD64_SS] != AMD64_USER_SS ||
		    v[UREGS_AMD64_FS_BASE] >= c->k->layout.user_max)
			return -EIO;
		for (int i = 0; i < UREGS_AMD64_SLOTS; i++) {
			int g = uregs_amd64_greg[i];

			if (g == 17)
				r[g] = (r[g] & ~(uint64_t)AMD64_PTRACE_EFLAGS) |
				    (v[i] & AMD64_PTRACE_EFLAGS);
			else if (g >= 0)
				r[g] = v[i];
		}
		c->k->hw->gregs_set(c->k->hw_arg, td, r);
		c->k->hw->reg_set(c->k->hw_arg, td, GREG_X86_FS_BASE,
		    v[UREGS_AMD64_FS_BASE]);
	} else {
		if (copyin(c->p, udata, in, UREGS_MIPS_SLOTS * 8) != 0)
			return -EFAULT;
		for (int i = 1; i < 32; i++)
			r[i] = sc_get_uint(c, in + 8 * i, 8) & 0xffffffffu;
		r[KREG_MIPS_LO] = sc_get_uint(c, in + 8 * UREGS_MIPS_LO, 8) & 0xffffffffu;
		r[KREG_MIPS_HI] = sc_get_uint(c, in + 8 * UREGS_MIPS_HI, 8) & 0xffffffffu;
		r[KREG_MIPS_PC] = sc_get_uint(c, in + 8 * UREGS_MIPS_EPC, 8) & 0xffffffffu;
		c->k->hw->gregs_set(c->k->hw_arg, td, r);
	}
	return 0;
}

/* PEEK*: the word at addr of q, stored at the caller's data. */
static int64_t
ptrace_peek(struct sc_ctx *c, struct proc *q, vm_offset_t addr, vm_offset_t udata)
{
	uint8_t w[8];

	if (proc_rwmem(c->k, q, addr, w, c->word, false) != 0)
		return -EIO;
	return copyout(c->p, w, udata, c->word) != 0 ? -EFAULT : 0;
}

/* POKE*: data (a long) stored at addr of q. */
static int64_t
ptrace_poke(struct sc_ctx *c, struct proc *q, vm_offset_t addr, uint64_t data)
{
	uint8_t w[8];

	sc_put_uint(c, w, data, c->word);
	return proc_rwmem(c->k, q, addr, w, c->word, true) != 0 ? -EIO : 0;
}

static int64_t
ptrace_attach(struct sc_ctx *c, struct proc *q)
{
	struct ksiginfo si;

	if (q == c->p || q->exited || q->pt.tracer != 0)
		return -EPERM;
	if (c->p->uid != 0 && c->p->uid != q->uid)
		return -EPERM;
	q->pt.tracer = c->p->pid;
	q->pt.exec_trap = true;
	memset(&si, 0, sizeof(si));
	si.code = KSI_USER;
	si.pid = c->p->pid;
	si.uid = (int)c->p->uid;
	kern_psignal(c->k, q, ksig_stop(c->arch), &si);
	return 0;
}

static int64_t
sys_ptrace(struct sc_ctx *c, const uint64_t *a)
{
	int64_t req = (int64_t)(int32_t)a[0];
	int pid = (int)(int32_t)a[1];
	vm_offset_t addr = c->arch == ARCH_AMD64 ? a[2] : a[2] & 0xffffffffu;
	uint64_t data = c->arch == ARCH_AMD64 ? a[3] : a[3] & 0xffffffffu;
	struct proc *q;
	int64_t rv;

	if (req == LPTRACE_TRACEME) {
		if (c->p->pt.tracer != 0 || c->p->ppid <= 0)
			return -EPERM;
		c->p->pt.tracer = c->p->ppid;
		c->p->pt.exec_trap = true;
		ptrace_event("traceme", c->p->pid, 0, (uint64_t)c->p->ppid);
		return 0;
	}
	q = pid > 0 ? kern_pfind(c->k, pid) : NULL;
	if (q == NULL)
		return -ESRCH;
	if (req == LPTRACE_ATTACH) {
		rv = ptrace_attach(c, q);
		if (rv == 0)
			ptrace_event("attach", q->pid, 0, 0);
		return rv;
	}
	/* Every other request: a tracee of the caller's, stopped (but KILL). */
	if (q->pt.tracer != c->p->pid || q->exited)
		return req == LPTRACE_KILL && q->exited && q->pt.tracer == c->p->pid ?
		    0 : -ESRCH;
	if (req != LPTRACE_KILL && !q->pt.stopped)
		return -ESRCH;
	switch (req) {
	case LPTRACE_PEEKTEXT:
	case LPTRACE_PEEKDATA:
		return ptrace_peek(c, q, addr, data);
	case LPTRACE_POKETEXT:
	case LPTRACE_POKEDATA:
		rv = ptrace_poke(c, q, addr, data);
		if (rv == 0)
			ptrace_event(req == LPTRACE_POKETEXT ? "poketext" : "pokedata",
			    q->pid, addr, data);
		return rv;
	case LPTRACE_CONT:
		if (!ptrace_valid_signal(data))
			return -EIO;
		ptrace_resume(c->k, q, (int)data, c->p->pid);
		ptrace_event("cont", q->pid, 0, data);
		return 0;
	case LPTRACE_KILL:
		ptrace_event("kill", q->pid, 0, 0);
		if (q->pt.stopped)
			ptrace_resume(c->k, q, 0, c->p->pid);
		kern_psignal(c->k, q, KSIGKILL, NULL);
		return 0;
	case LPTRACE_GETREGS:
		return ptrace_getregs(c, q, data);
	case LPTRACE_SETREGS:
		rv = ptrace_setregs(c, q, data);
		if (rv == 0)
			ptrace_event("setregs", q->pid, 0, data);
		return rv;
	case LPTRACE_DETACH:
		if (!ptrace_valid_signal(data))
			return -EIO;
		ptrace_resume(c->k, q, (int)data, c->p->pid);
		memset(&q->pt, 0, sizeof(q->pt));
		q->pt.resume_sig = (int)data;
		ptrace_event("detach", q->pid, 0, data);
		return 0;
	default:
		return -EIO;
	}
}

const struct sc_def sys_ptrace_defs[] = {
	{ "ptrace", 101, 4026, sys_ptrace },
};
const size_t sys_ptrace_ndefs = nitems(sys_ptrace_defs);
