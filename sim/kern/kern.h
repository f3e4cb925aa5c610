/*
 * sim/kern/kern.h — the rest of the kernel: processes, threads, the trap
 * entry the hardware model calls, the Linux system-call ABI (amd64 and
 * MIPS o32), the ELF loader.  It runs natively; its memory behaviour goes
 * through vm/ and the MMU model.
 *
 * The kernel does not know how instructions are executed.  The machine
 * (sim/) gives it struct kern_hw_ops: register access for the running
 * thread, a notification that a process's map changed (so the execution
 * engine's regions follow), and the console for guest output.
 */
#ifndef SIM_KERN_KERN_H
#define SIM_KERN_KERN_H

#include "sim/base/base.h"
#include "sim/base/guest_reg.h"
#include "sim/kern/vfs.h"
#include "vm/vm_extern.h"
#include "vm/vm_kern.h"
#include "vm/vm_map.h"

struct kern;
struct mmu_cpu;
struct ucred;
struct mmu_exc;
struct physmem;
struct prng;
struct proc;
struct thread;
struct vnode;

#define KERN_MAX_CPUS	64
#define KERN_NSIG	65

/* Signal numbers (Linux generic; MIPS differs for some, noted). */
#define KSIGILL		4
#define KSIGTRAP	5
#define KSIGABRT	6
#define KSIGKILL	9
#define KSIGSEGV	11
int ksig_bus(enum sim_arch a);	/* 7, MIPS 10 */
int ksig_fpe(enum sim_arch a);	/* 8 */
int ksig_chld(enum sim_arch a);	/* 17, MIPS 18 */
int ksig_stop(enum sim_arch a);	/* 19, MIPS 23 */
int ksig_pipe(enum sim_arch a);	/* 13 */
/* "SIGSEGV"...: the name of sig on a's numbering ("signal" if unknown). */
const char *ksig_name(enum sim_arch a, int sig);
/* Signals whose default action is to ignore (SIGCHLD, SIGURG, SIGWINCH;
 * also SIGCONT, and the stop signals, which vmsim does not implement). */
bool ksig_default_ignored(enum sim_arch a, int sig);
#define KSIG_BIT(sig)	(1ull << ((sig) - 1))

/* si_code values (Linux). */
#define KSI_USER	0	/* kill */
#define KSI_TKILL	(-6)	/* tkill, tgkill */
#define KSI_KERNEL	0x80
#define KSEGV_MAPERR	1	/* no mapping at the address */
#define KSEGV_ACCERR	2	/* the mapping forbids the access */
#define KBUS_ADRALN	1	/* misaligned / address error */
#define KBUS_ADRERR	2	/* no backing for the address */
#define KCLD_EXITED	1
#define KCLD_KILLED	2

/* What a pending signal carries (siginfo). */
struct ksiginfo {
	int code;		/* si_code */
	int pid, uid;		/* sender (kill) or child (SIGCHLD) */
	int status;		/* SIGCHLD: exit code or signal */
	vm_offset_t addr;	/* si_addr (faults) */
	uint64_t pc;		/* where it was raised (for the event) */
	bool forced;		/* a fault: blocked or ignored means default */
};

/* A signal's disposition (rt_sigaction), in the guest's flag numbering. */
struct ksigaction {
	uint64_t handler;	/* 0 SIG_DFL, 1 SIG_IGN, else the address */
	uint64_t flags;		/* SA_* as the guest ABI numbers them */
	uint64_t restorer;	/* amd64 SA_RESTORER */
	uint64_t mask;		/* signals blocked while the handler runs */
};

struct kern_hw_ops {
	uint64_t (*reg_get)(void *arg, struct thread *td, enum guest_reg r);
	void (*reg_set)(void *arg, struct thread *td, enum guest_reg r, uint64_t v);
	/* p's vm_map changed (entries added, removed or re-protected).  The
	 * first call for a process (p->hw NULL) makes its engine. */
	int (*map_changed)(void *arg, struct proc *p);
	/* fork: child (a new vmspace, p->hw NULL) gets its engine and a copy
	 * of parent's whole register context.  0, or -1. */
	int (*fork)(void *arg, struct proc *parent, struct proc *child);
	/* execve: p's engine is dropped (the next map_changed makes one). */
	void (*engine_drop)(void *arg, struct proc *p);
	/* The general registers (KERN_NGREGS, Linux sigcontext order). */
	void (*gregs_get)(void *arg, struct thread *td, uint64_t *v);
	void (*gregs_set)(void *arg, struct thread *td, const uint64_t *v);
	/* A snapshot of td's whole register context (FPU included), loaded
	 * back by ctx_restore; ctx_free releases it.  NULL: no memory. */
	void *(*ctx_save)(void *arg, struct thread *td);
	void (*ctx_restore)(void *arg, struct thread *td, const void *ctx);
	void (*ctx_free)(void *arg, void *ctx);
	/* Precise data faults for p's engine on or off: on while p has a
	 * SIGSEGV or SIGBUS handler that may return (cpu_set_precise). */
	void (*set_precise)(void *arg, struct proc *p, bool on);
	/* The I-cache sees instructions the kernel wrote at va (MIPS
	 * signal trampoline). */
	void (*icache_sync)(void *arg, struct thread *td, vm_offset_t va, size_t len);
	/* The kernel changed instruction bytes at [va, va+len) of p's
	 * space (a debugger write): the engine drops translated code there. */
	void (*code_changed)(void *arg, struct proc *p, vm_offset_t va, size_t len);
	/* Guest output on the console (fd 1 or 2). */
	void (*console)(void *arg, int fd, const void *buf, size_t len);
};

/*
 * The general registers of a thread as the kernel sees them, in Linux's
 * signal-context order: MIPS $0..$31, hi, lo, pc; amd64 r8..r15, rdi,
 * rsi, rbp, rbx, rdx, rax, rcx, rsp, rip, eflags (cpu/cpu.h CPU_NGREGS).
 */
#define KERN_NGREGS		35
#define KREG_MIPS_HI		32
#define KREG_MIPS_LO		33
#define KREG_MIPS_PC		34
#define KREG_MIPS_SP		29
#define KREG_MIPS_RA		31
#define KREG_AMD64_RSP		15
#define KREG_AMD64_RIP		16
#define KREG_AMD64_NREGS	18

/* One address space: the map and its page tables; program break. */
struct vmspace {
	struct vm_map map;
	struct pmap *pmap;
	vm_offset_t brk_base, brk;	/* [brk_base, brk) is the heap */
	vm_offset_t stack_top, stack_size;
	vm_offset_t sigcode;		/* MIPS: the signal return page, or 0 */
	int refcnt;
};

struct rlimit64 {
	uint64_t cur, max;
};
/*
 * Resource limits.  p->rlim is indexed by the kernel's own numbering,
 * Linux's generic one (amd64's); MIPS numbers five of them differently
 * and the system calls translate (krlimit_from_guest).  KRLIMIT_SWAP is
 * vmsim's own (Linux has no RLIMIT_SWAP): resource 16 on every ABI, read
 * and set with getrlimit/setrlimit/prlimit64 like the others; its soft
 * value is the credential's swap_limit (vm/ucred.h).  Every limit that
 * depends on the machine's memory is set in one place,
 * kern_limits_init.
 */
#define KRLIMIT_CPU	0
#define KRLIMIT_FSIZE	1
#define KRLIMIT_DATA	2
#define KRLIMIT_STACK	3
#define KRLIMIT_CORE	4
#define KRLIMIT_RSS	5	/* MIPS 7 */
#define KRLIMIT_NPROC	6	/* MIPS 8 */
#define KRLIMIT_NOFILE	7	/* MIPS 5 */
#define KRLIMIT_MEMLOCK	8	/* MIPS 9 */
#define KRLIMIT_AS	9	/* MIPS 6 */
#define KRLIMIT_NLIMITS	16	/* Linux's RLIM_NLIMITS */
#define KRLIMIT_SWAP	16	/* vmsim-private: RLIMIT_SWAP (FreeBSD's) */
#define KRLIMIT_NRES	17	/* entries of p->rlim */
/* The kernel's index of the guest ABI's resource number res, or -1. */
int krlimit_from_guest(enum sim_arch a, int64_t res);

/* Linux clone flags (include/uapi/linux/sched.h), as the kernel reads them. */
#define LCLONE_VM		0x00000100	/* share the address space */
#define LCLONE_FS		0x00000200
#define LCLONE_FILES		0x00000400
#define LCLONE_SIGHAND		0x00000800	/* share signal actions */
#define LCLONE_PIDFD		0x00001000	/* clone3: a pidfd (not supported) */
#define LCLONE_VFORK		0x00004000	/* parent sleeps until exec/exit */
#define LCLONE_PARENT		0x00008000
#define LCLONE_THREAD		0x00010000	/* same thread group */
#define LCLONE_SETTLS		0x00080000
#define LCLONE_PARENT_SETTID	0x00100000	/* store the child's tid in the parent */
#define LCLONE_CHILD_CLEARTID	0x00200000	/* clear it (in the child) at exit */
#define LCLONE_CHILD_SETTID	0x01000000	/* store the child's tid in the child */
#define LCSIGNAL		0x000000ff	/* the exit signal */

struct proc {
	int pid, ppid;
	enum sim_arch arch;
	struct vmspace *vm;
	struct thread *td;		/* the first thread (the leader) */
	struct thread *threads;		/* every thread, creation order (td first) */
	int nthreads;			/* threads that have not exited */
	char *path;			/* program path as given */
	char comm[32];
	uint32_t uid, gid;		/* real = effective = saved (one of each) */
	struct ucred *cred;		/* whom the VM charges (uid, RLIMIT_SWAP) */
	struct rlimit64 rlim[KRLIMIT_NRES];
	int pgid;			/* process group (inherited; setpgid) */
	bool exited;			/* a zombie until its parent waits */
	int exit_status;		/* wait(2) status word */
	int exit_signal;		/* sent to the parent at exit (SIGCHLD) */
	struct proc *vfork_parent;	/* sleeping until this child execs/exits */
	uint64_t sigpending;		/* KSIG_BIT(sig) of signals posted */
	struct ksiginfo siginfo[KERN_NSIG];	/* per pending signal */
	uint64_t sigmask;		/* blocked signals */
	struct ksigaction sigact[KERN_NSIG];
	struct file *files[PROC_NFILES];	/* open files (NULL: none) */
	bool fd_cloexec[PROC_NFILES];	/* close on execve (O_CLOEXEC, FD_CLOEXEC) */
	char cwd[256];			/* working directory, a normalised guest path */
	void *hw;			/* the machine's engine for this space */
	struct thread *hw_td;		/* whose registers the engine holds (machine) */
	uint64_t nsyscalls;
	/* ptrace (sys_ptrace.c). */
	struct {
		int tracer;		/* pid of the tracer, or 0 */
		bool stopped;		/* stopped for the tracer */
		int stopsig;		/* the signal it stopped with */
		bool reported;		/* the tracer's wait4 has seen the stop */
		int resume_sig;		/* deliver this at the next return to user */
		bool exec_trap;		/* PTRACE_TRACEME: SIGTRAP after execve */
	} pt;
};

#define KERN_SIGDEPTH	32	/* nested signal frames remembered */

struct thread {
	int tid;
	struct proc *p;
	struct thread *next;		/* p->threads */
	bool exited;			/* has exited (freed with the process) */
	void *hwctx;			/* the machine's saved register context,
					   while another thread is loaded in the engine */
	vm_offset_t clear_child_tid;	/* CLONE_CHILD_CLEARTID / set_tid_address */
	struct vm_kstack kstack;	/* the kernel stack (vm_thread_new) */
	/* FUTEX_WAIT: sleeping on futex_addr of futex_vm (wchan = the vm),
	 * for the bits of futex_bitset; futex_woken once FUTEX_WAKE woke it
	 * (its restarted call then returns 0). */
	vm_offset_t futex_addr;
	struct vmspace *futex_vm;
	uint32_t futex_bitset;
	bool futex_woken;
	int kdepth;			/* trapframes on it now (nested traps) */
	int lastcpu;			/* the CPU that ran it last, or -1 */
	const void *wchan;		/* asleep on this channel, or NULL */
	const char *wmesg;		/* what for ("wait4", "pipe"...) */
	/* Register contexts saved at signal delivery (the whole CPU state,
	 * FPU included), innermost last; sigreturn loads the one of its
	 * frame (trap.c). */
	struct {
		vm_offset_t frame;	/* the signal frame's address */
		void *ctx;
	} sigctx[KERN_SIGDEPTH];
	int nsigctx;
};

/* Memory layout per ABI (documented in docs/architecture.md). */
struct kern_layout {
	vm_offset_t user_min, user_max;
	vm_offset_t stack_top, stack_size;
	vm_offset_t mmap_base;
	vm_offset_t pie_base;
};
void kern_layout(enum sim_arch arch, struct kern_layout *l);

struct kern_stats {
	uint64_t syscalls, syscalls_unimplemented, signals;
};

struct kern {
	enum sim_arch arch;
	struct physmem *pm;
	struct prng *prng;
	const struct kern_hw_ops *hw;
	void *hw_arg;
	struct kern_layout layout;
	struct thread *curthread[KERN_MAX_CPUS];
	const uint64_t *clock_cycles;	/* cycles of CPU 0: the time base */
	uint64_t cpu_hz;
	struct proc *procs[64];		/* slots (NULL: free), any order */
	int nprocs;			/* slots in use or used: [0, nprocs) */
	int nextpid;
	int initpid;			/* the first process: orphans' new parent */
	struct kern_stats stats;
	struct vfs vfs;
	struct mmu_cpu **cpus;		/* the CPUs' memory hardware (cache syncs) */
	int ncpus;
	struct vm_limits vmlim;		/* the VM's limits (kern_limits_init) */
	struct rlimit64 rlim0[KRLIMIT_NRES];	/* a new process's limits */
	uint32_t spawn_uid;		/* the uid (and gid) kern_spawn gives (--uid) */
	unsigned bugs;			/* teaching knobs (KERN_BUG_*, the machine's bits) */
	bool panicked;			/* kern_panic: the machine stops */
	char panicmsg[160];
};

/* root: the host directory the guest sees as /, or NULL. */
void kern_init(struct kern *k, enum sim_arch arch, struct physmem *pm,
    struct prng *prng, const struct kern_hw_ops *hw, void *hw_arg, const char *root);
void kern_fini(struct kern *k);
/*
 * The one place where the limits that depend on the machine's memory are
 * set (VM-SPEC "Wiring"): vm_limits_init(free_bytes) (the system wired
 * cap, RLIMIT_MEMLOCK = free / 3, RLIMIT_RSS = free, RLIMIT_STACK 8 MiB;
 * DATA, AS and SWAP infinite), then k->rlim0, the limits every new
 * process starts with (NOFILE 1024, the rest infinite).  The machine
 * calls it at boot with the memory free after vm_page_startup; kern_init
 * calls it with 0 (no wiring) for kernels without a machine.
 */
void kern_limits_init(struct kern *k, uint64_t free_bytes);

/*
 * Create a process running the static executable image[0, len) (path is
 * what it is called: argv[0]'s source and AT_EXECFN).  Returns 0, or -1
 * with a message: a malformed ELF, or not enough memory.  The new process
 * is runnable; its registers are set through hw->reg_set.
 */
int kern_spawn(struct kern *k, const char *path, const uint8_t *image, size_t len,
    int argc, char *const *argv, int envc, char *const *envp,
    struct proc **out, char *err, size_t errlen);
/* Free an exited process. */
void kern_reap(struct kern *k, struct proc *p);
/* Set p's RLIMIT_SWAP (the soft value goes to its credential, copied
 * first if shared: other holders keep theirs). */
void kern_set_swap_limit(struct proc *p, uint64_t cur, uint64_t max);
/* Change p's uid (setuid as root): a new credential for the new uid with
 * p's RLIMIT_SWAP; charges made so far stay with the old one. */
void kern_setuid(struct proc *p, uint32_t uid);
/*
 * A fault at va missed every map entry: grow p's stack down to cover it
 * (vm_map_growstack within RLIMIT_STACK) and tell the machine.  true when
 * va is mapped now (retry the access), false when the fault stands.
 */
bool kern_grow_stack(struct kern *k, struct proc *p, vm_offset_t va);

/*
 * Kernel stacks at trap entry (kstack.c; DESIGN.md 4): kern_trap_enter
 * saves td's trapframe on its kernel stack through cpu's MMU model (the
 * stores go through the TLB and the D-cache: on MIPS they must hit wired
 * entry 0 — a miss is logged as a machine check and the pair re-wired;
 * a store into a guard page is a kernel panic); kern_trap_leave loads it
 * back (the return to user mode).  0, or -1 after kern_panic.
 * kern_kstack_use: kernel code running for td puts bytes more on its
 * stack (below the frames) and touches the deepest word (the
 * kstack-overflow teaching knob).  cpu NULL: td's last CPU.
 */
#define KERN_BUG_KSTACK_OVERFLOW	0x2	/* == MACHINE_BUG_KSTACK_OVERFLOW */
/* The pipe code reads its counters after freeing them (pipe.c; a
 * use after free memguard catches when guarding "pipe"). */
#define KERN_BUG_PIPE_UAF		0x4	/* == MACHINE_BUG_PIPE_UAF */
int kern_trap_enter(struct kern *k, struct mmu_cpu *cpu, struct thread *td);
void kern_trap_leave(struct kern *k, struct mmu_cpu *cpu, struct thread *td);
int kern_kstack_use(struct kern *k, struct mmu_cpu *cpu, struct thread *td, size_t bytes);

/* The MMU's trap entry (struct mmu_trap_ops.trap); arg is the kern. */
int kern_trap_mmu(void *arg, struct mmu_cpu *cpu, const struct mmu_exc *exc);
/* A fault Unicorn itself detected (no region, or region protection). */
void kern_trap_segv(struct kern *k, struct thread *td, vm_offset_t addr, int access,
    uint64_t pc, bool protection);
/* An exception that is not a memory fault (break, illegal instruction). */
void kern_trap_other(struct kern *k, struct thread *td, int sig, uint64_t pc,
    const char *why);
/* Handle the system call td just executed.  Afterwards td may have
 * exited (td->p->exited). */
void kern_syscall(struct kern *k, struct thread *td);
/* On the way back to user mode: act on td's pending, unblocked
 * signals (default action, ignore, or a handler's signal frame). */
void kern_deliver_signals(struct kern *k, struct thread *td);
/* Terminate p with wait status: a zombie until its parent waits (or
 * reaped at once when nobody will); children go to init; SIGCHLD. */
void kern_exit(struct kern *k, struct proc *p, int wait_status);

/* The live or zombie process pid, or NULL. */
struct proc *kern_pfind(struct kern *k, int pid);
/*
 * Post sig to p with its siginfo (NULL: sent by the kernel, si_code
 * SI_KERNEL).  A sleeping thread that will act on it is woken (its
 * system call restarts after the handler).  Delivery happens on the next
 * return to user mode (kern_deliver_signals).
 */
void kern_psignal(struct kern *k, struct proc *p, int sig, const struct ksiginfo *si);
/* Reap the exited processes nobody will wait for (the machine calls it
 * between slices). */
void kern_collect(struct kern *k);
/* Internal to sim/kern: a free slot of k->procs (-1: none); drop td's
 * saved signal contexts. */
int kern_proc_slot(struct kern *k);
void kern_sigctx_clear(struct kern *k, struct thread *td);
/* Tell the machine whether p's faults must be precise (a SIGSEGV or
 * SIGBUS handler is installed). */
void kern_sync_precise(struct kern *k, struct proc *p);
/* rt_sigreturn/sigreturn (trap.c): restore what the signal frame at the
 * stack pointer saved; returns -KERN_EJUSTRETURN. */
int64_t kern_sigreturn(struct kern *k, struct thread *td);
/* Every live thread sleeps: none can run again.  The machine ends the
 * run (deadlock).  false when some thread may run. */
bool kern_deadlocked(struct kern *k);
/*
 * System-call results with special meaning (never returned to the
 * guest): KERN_EJUSTRETURN leaves every register as the handler set it
 * (execve, rt_sigreturn).
 */
#define KERN_EJUSTRETURN	513

/* Address spaces (proc.c; VM-SPEC "Address spaces").  vmspace_fork:
 * a new space with vm's entries inherited (vm_map_fork), or NULL with
 * *error (ENOMEM).  vmspace_exit: p drops its space at exit.
 * vmspace_acquire_ref: p's space with one more reference, or NULL when
 * p is exiting (never raises a count from 0). */
struct vmspace *vmspace_alloc(struct kern *k);
void vmspace_free(struct vmspace *vm);
struct vmspace *vmspace_fork(struct kern *k, struct vmspace *vm, int *error);
void vmspace_exit(struct kern *k, struct proc *p);
struct vmspace *vmspace_acquire_ref(struct proc *p);
/*
 * Fork: a copy of p (registers, memory, descriptors, signal actions and
 * mask), runnable, returning 0 from its system call.  flags are Linux
 * clone flags (the low byte: the exit signal); newsp a new stack pointer
 * or 0.  The child, or NULL with *error (EAGAIN, ENOMEM, EINVAL).
 */
struct proc *kern_fork(struct kern *k, struct thread *td, uint64_t flags,
    vm_offset_t newsp, int *error);
/*
 * Replace td's program with the executable at guest path (execve): argv
 * and envp are kernel copies.  0 (registers set: the caller returns
 * KERN_EJUSTRETURN), or -errno with the old image intact (ENOENT,
 * ENOEXEC, E2BIG, ENOMEM, EACCES).
 */
int kern_execve(struct kern *k, struct thread *td, const char *path,
    int argc, char *const *argv, int envc, char *const *envp);

/*
 * Sleeping (proc.c; the machine's run loop skips sleeping threads and
 * ends the run when every live thread sleeps): a system-call handler that must wait (wait4 with no exited child, read
 * of an empty pipe, write to a full one) calls kern_sleep(k, td, chan)
 * and returns -KERN_ERESTART; the syscall layer leaves the registers as
 * they were and backs the PC up to the system-call instruction, so the
 * call runs again, from the start, when kern_wakeup(k, chan) has made the
 * thread runnable and the scheduler picks it.  chan is any address that
 * names what is waited for (the pipe, the parent's proc).
 */
#define KERN_ERESTART	512
void kern_sleep(struct kern *k, struct thread *td, const void *chan);
void kern_wakeup(struct kern *k, const void *chan);

/*
 * Threads (proc.c; DESIGN.md 5).  A thread is a register context over
 * its process's engine and a kernel stack (vm_thread_new).  Thread ids
 * share the pid space (Linux): the first thread's tid is the pid.
 *
 * kern_thread_create: clone with CLONE_VM|CLONE_THREAD|CLONE_SIGHAND:
 * a new thread of td's process, a copy of td's registers returning 0,
 * on stack newsp, with TLS tls when flags has CLONE_SETTLS.  The thread,
 * or NULL with *error (EAGAIN: no kernel stack or no tid; ENOMEM;
 * EINVAL: flags Linux refuses).
 * kern_thread_exit: td alone exits (exit(2) with other threads alive):
 * CLONE_CHILD_CLEARTID's word is zeroed and woken (futex), td never
 * runs again; its kernel stack is disposed of by kern_collect.  The
 * last thread's exit is the process's (kern_exit).
 * kern_futex_wake: wake at most n threads of vm sleeping in FUTEX_WAIT
 * on uaddr (bitset-matched); the number woken.
 * kern_td_runnable: td may run (alive, not asleep, not stopped).
 */
struct thread *kern_thread_create(struct kern *k, struct thread *td, uint64_t flags,
    vm_offset_t newsp, vm_offset_t tls, int *error);
void kern_thread_exit(struct kern *k, struct thread *td);
int kern_futex_wake(struct kern *k, struct vmspace *vm, vm_offset_t uaddr, int n,
    uint32_t bitset);
bool kern_td_runnable(const struct thread *td);
/* Internal to sim/kern: a new thread tid of p (linked last; p->td if the
 * first) with a kernel stack, or NULL (no memory, no kernel stack). */
struct thread *kern_thread_alloc(struct kern *k, struct proc *p, int tid);
#define KERN_MAX_THREADS	256	/* per process */
/* td is no CPU's current thread any more (exit, exec: the machine
 * activates the right pmap when it next runs something there). */
void kern_thread_offcpu(struct kern *k, const struct thread *td);
/* The thread tid of a live process, or NULL. */
struct thread *kern_tdfind(struct kern *k, int tid);
/*
 * Kernel panic (VM-SPEC: a kernel-stack overflow, a fault in a NOFAULT
 * entry): logs EV_PANIC with the message and stops the machine after the
 * current operation (k->panicked; the run ends "failed: kernel panic").
 */
void kern_panic(struct kern *k, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/*
 * Debugger access (sys_ptrace.c; VM-SPEC "Debugger access and I-cache
 * sync").  proc_rwmem: read (write) len bytes at va of p's space from
 * (into) buf, page by page through vm_fault_hold and the direct map; a
 * write gets a private copy of read-only text (VM_FAULT_COPY: the page
 * stays mapped with the entry's protection), then vm_sync_icache for an
 * executable entry and hw->code_changed.  0, or EFAULT at the first page
 * the map refuses (the pages before it were done).  kern_ptrace_stop:
 * td of a traced process stops with sig instead of acting on it
 * (kern_deliver_signals).  kern_ptrace_exit: p exits: its tracer lets go
 * of it and its tracees are detached and resumed (kern_exit).
 */
int proc_rwmem(struct kern *k, struct proc *p, vm_offset_t va, void *buf, size_t len,
    bool write);
void kern_ptrace_stop(struct kern *k, struct thread *td, int sig);
void kern_ptrace_exit(struct kern *k, struct proc *p);

/* Kernel access to user memory: 0, or EFAULT. */
int copyin(struct proc *p, vm_offset_t uva, void *dst, size_t len);
int copyout(struct proc *p, const void *src, vm_offset_t uva, size_t len);
/* Copy a NUL-terminated string of at most maxlen bytes (incl. NUL):
 * 0, EFAULT, or ENAMETOOLONG. */
int copyinstr(struct proc *p, vm_offset_t uva, char *dst, size_t maxlen);

#endif
