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
#include "vm/vm_map.h"

struct kern;
struct mmu_cpu;
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
const char *ksig_name(int sig);
/* Signals whose default action is to ignore (SIGCHLD, SIGURG, SIGWINCH). */
bool ksig_default_ignored(enum sim_arch a, int sig);

struct kern_hw_ops {
	uint64_t (*reg_get)(void *arg, struct thread *td, enum guest_reg r);
	void (*reg_set)(void *arg, struct thread *td, enum guest_reg r, uint64_t v);
	/* p's vm_map changed (entries added, removed or re-protected). */
	int (*map_changed)(void *arg, struct proc *p);
	/* Guest output on the console (fd 1 or 2). */
	void (*console)(void *arg, int fd, const void *buf, size_t len);
};

/* One address space: the map and its page tables; program break. */
struct vmspace {
	struct vm_map map;
	struct pmap *pmap;
	vm_offset_t brk_base, brk;	/* [brk_base, brk) is the heap */
	vm_offset_t stack_top, stack_size;
	int refcnt;
};

struct rlimit64 {
	uint64_t cur, max;
};
#define KRLIMIT_STACK	3
#define KRLIMIT_NOFILE	7
#define KRLIMIT_NLIMITS	16

struct proc {
	int pid, ppid;
	enum sim_arch arch;
	struct vmspace *vm;
	struct thread *td;		/* the one thread (threads come with SMP) */
	char *path;			/* program path as given */
	char comm[32];
	uint32_t uid, gid;
	struct rlimit64 rlim[KRLIMIT_NLIMITS];
	bool exited;
	int exit_status;		/* wait(2) status word */
	int pending_sig;		/* 0, or a signal to deliver */
	vm_offset_t sig_addr;		/* its si_addr */
	uint64_t sig_pc;		/* where it was raised */
	uint64_t sigmask;
	uint64_t sigaction[KERN_NSIG][4];	/* XXX: stored, not yet used for delivery */
	struct file *files[PROC_NFILES];	/* open files (NULL: none) */
	bool fd_console[PROC_NFILES];	/* 0-2 start as the console */
	void *hw;			/* the machine's engine for this space */
	uint64_t nsyscalls;
};

struct thread {
	int tid;
	struct proc *p;
	void *hwctx;			/* the machine's saved register context */
	vm_offset_t clear_child_tid;
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
	struct proc *procs[64];
	int nprocs;
	int nextpid;
	struct kern_stats stats;
	struct vfs vfs;
	struct mmu_cpu **cpus;		/* the CPUs' memory hardware (cache syncs) */
	int ncpus;
};

/* root: the host directory the guest sees as /, or NULL. */
void kern_init(struct kern *k, enum sim_arch arch, struct physmem *pm,
    struct prng *prng, const struct kern_hw_ops *hw, void *hw_arg, const char *root);
void kern_fini(struct kern *k);

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

/* The MMU's trap entry (struct mmu_trap_ops.trap); arg is the kern. */
int kern_trap_mmu(void *arg, struct mmu_cpu *cpu, const struct mmu_exc *exc);
/* A fault Unicorn itself detected (no region, or region protection). */
void kern_trap_segv(struct kern *k, struct thread *td, vm_offset_t addr, int access,
    uint64_t pc, const char *why);
/* An exception that is not a memory fault (break, illegal instruction). */
void kern_trap_other(struct kern *k, struct thread *td, int sig, uint64_t pc,
    const char *why);
/* Handle the system call td just executed.  Afterwards td may have
 * exited (td->p->exited). */
void kern_syscall(struct kern *k, struct thread *td);
/* Deliver td's pending signal (default actions: terminate). */
void kern_deliver_signals(struct kern *k, struct thread *td);
/* Terminate p with wait status. */
void kern_exit(struct kern *k, struct proc *p, int wait_status);

/* Kernel access to user memory: 0, or EFAULT. */
int copyin(struct proc *p, vm_offset_t uva, void *dst, size_t len);
int copyout(struct proc *p, const void *src, vm_offset_t uva, size_t len);
/* Copy a NUL-terminated string of at most maxlen bytes (incl. NUL):
 * 0, EFAULT, or ENAMETOOLONG. */
int copyinstr(struct proc *p, vm_offset_t uva, char *dst, size_t maxlen);

#endif
