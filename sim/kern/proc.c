/*
 * sim/kern/proc.c — processes and address spaces: the per-ABI memory
 * layout, signal numbering, vmspace creation, fork and teardown, process
 * exit (zombies, reparenting to init, SIGCHLD), reaping, posting signals,
 * and the sleep/wakeup half of the scheduler (the run queue itself is the
 * machine's loop, sim/machine.c).
 *
 * Follows FreeBSD kern_fork.c / kern_exit.c / kern_sig.c (psignal) and
 * vm_map.c's vmspace_* (2010), with Linux's user-visible semantics (wait
 * status words, clone flags, SIGCHLD numbering per ABI).
 *
 * Zombies: an exited process keeps its proc (pid, status) but not its
 * address space (vmspace_exit) or descriptors until its parent waits.
 * Orphans are given to init (the first process, k->initpid); when init
 * itself is gone they are detached and reaped as soon as they exit
 * (kern_collect), since nobody can wait for them.  The first process is
 * never reaped before the end of the run: the machine reports its status.
 */
#include "sim/kern/kern.h"
#include "sim/kern/dev.h"
#include "sim/base/event.h"
#include "vm/pmap.h"
#include "vm/swap_pager.h"
#include "vm/ucred.h"
#include "vm/vm_object.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>


static void thread_event(struct thread *td, const char *what);
static void thread_free(struct kern *k, struct thread *td);

void
kern_layout(enum sim_arch arch, struct kern_layout *l)
{
	memset(l, 0, sizeof(*l));
	l->user_min = PAGE_SIZE;		/* page 0 is never mapped */
	l->stack_size = 8ull << 20;	/* informational: exec reserves RLIMIT_STACK */
	if (arch == ARCH_AMD64) {
		/* XXX: 512 GiB of user space, not 128 TiB: each address
		 * space reserves its whole user range of host address space
		 * for its view (mmu/view.h). */
		l->user_max = 0x8000000000ull;
		l->stack_top = 0x7ffffff000ull;
		l->mmap_base = 0x2000000000ull;
		l->pie_base = 0x5555554000ull;
	} else {
		l->user_max = 0x80000000ull;	/* kuseg */
		l->stack_top = 0x7fff8000ull;	/* as Linux/MIPS */
		l->mmap_base = 0x2aaa8000ull;	/* TASK_UNMAPPED_BASE */
		l->pie_base = 0x00400000ull;
	}
}

/* ---- signal numbering -------------------------------------------------- */

static const char *const ksig_names_amd64[32] = {
	NULL, "SIGHUP", "SIGINT", "SIGQUIT", "SIGILL", "SIGTRAP", "SIGABRT", "SIGBUS",
	"SIGFPE", "SIGKILL", "SIGUSR1", "SIGSEGV", "SIGUSR2", "SIGPIPE", "SIGALRM",
	"SIGTERM", "SIGSTKFLT", "SIGCHLD", "SIGCONT", "SIGSTOP", "SIGTSTP", "SIGTTIN",
	"SIGTTOU", "SIGURG", "SIGXCPU", "SIGXFSZ", "SIGVTALRM", "SIGPROF", "SIGWINCH",
	"SIGIO", "SIGPWR", "SIGSYS",
};

static const char *const ksig_names_mips[32] = {
	NULL, "SIGHUP", "SIGINT", "SIGQUIT", "SIGILL", "SIGTRAP", "SIGABRT", "SIGEMT",
	"SIGFPE", "SIGKILL", "SIGBUS", "SIGSEGV", "SIGSYS", "SIGPIPE", "SIGALRM",
	"SIGTERM", "SIGUSR1", "SIGUSR2", "SIGCHLD", "SIGPWR", "SIGWINCH", "SIGURG",
	"SIGIO", "SIGSTOP", "SIGTSTP", "SIGCONT", "SIGTTIN", "SIGTTOU", "SIGVTALRM",
	"SIGPROF", "SIGXCPU", "SIGXFSZ",
};

int
ksig_bus(enum sim_arch a)
{
	return sim_arch_is_mips(a) ? 10 : 7;
}

int
ksig_fpe(enum sim_arch a)
{
	(void)a;
	return 8;
}

int
ksig_chld(enum sim_arch a)
{
	return sim_arch_is_mips(a) ? 18 : 17;
}

int
ksig_stop(enum sim_arch a)
{
	return sim_arch_is_mips(a) ? 23 : 19;
}

int
ksig_pipe(enum sim_arch a)
{
	(void)a;
	return 13;
}

bool
ksig_default_ignored(enum sim_arch a, int sig)
{
	/* XXX: the stop signals (STOP, TSTP, TTIN, TTOU) and SIGCONT would
	 * stop and continue the process; there is no job control, so they
	 * are ignored. */
	if (sim_arch_is_mips(a))	/* CHLD 18, WINCH 20, URG 21, STOP 23..TTOU 27 */
		return sig == 18 || sig == 20 || sig == 21 || (sig >= 23 && sig <= 27);
	return sig == 17 || sig == 23 || sig == 28 || (sig >= 18 && sig <= 22);
}

const char *
ksig_name(enum sim_arch a, int sig)
{
	if (sig > 0 && sig < 32)
		return (sim_arch_is_mips(a) ? ksig_names_mips : ksig_names_amd64)[sig];
	if (sig >= 32 && sig < KERN_NSIG)
		return "SIGRT";
	return "signal";
}

/* ---- the kernel -------------------------------------------------------- */

void
kern_init(struct kern *k, enum sim_arch arch, struct physmem *pm,
    struct prng *prng, const struct kern_hw_ops *hw, void *hw_arg, const char *root)
{
	memset(k, 0, sizeof(*k));
	k->arch = arch;
	k->pm = pm;
	k->prng = prng;
	k->hw = hw;
	k->hw_arg = hw_arg;
	k->nextpid = 1;
	k->cpu_hz = 1000000000ull;	/* 1 GHz: one cycle is one nanosecond */
	kern_layout(arch, &k->layout);
	kern_limits_init(k, 0);
	vfs_init(&k->vfs, root);
	/* /dev/fb0 and /dev/mmio (sim/kern/dev.c).  XXX: without host
	 * memory for them the machine simply has no devices. */
	(void)dev_attach(k);
}

void
kern_limits_init(struct kern *k, uint64_t free_bytes)
{
	struct vm_limits *l = &k->vmlim;

	vm_limits_init(free_bytes, l);
	for (int i = 0; i < KRLIMIT_NRES; i++)
		k->rlim0[i].cur = k->rlim0[i].max = UINT64_MAX;
	k->rlim0[KRLIMIT_DATA] = (struct rlimit64){ l->data.cur, l->data.max };
	k->rlim0[KRLIMIT_STACK] = (struct rlimit64){ l->stack.cur, l->stack.max };
	k->rlim0[KRLIMIT_RSS] = (struct rlimit64){ l->rss.cur, l->rss.max };
	k->rlim0[KRLIMIT_MEMLOCK] = (struct rlimit64){ l->memlock.cur, l->memlock.max };
	k->rlim0[KRLIMIT_AS] = (struct rlimit64){ l->vmem.cur, l->vmem.max };
	k->rlim0[KRLIMIT_SWAP] = (struct rlimit64){ l->swap.cur, l->swap.max };
	k->rlim0[KRLIMIT_NOFILE].cur = k->rlim0[KRLIMIT_NOFILE].max = 1024;
}

int
krlimit_from_guest(enum sim_arch a, int64_t res)
{
	/* MIPS: NOFILE 5, AS 6, RSS 7, NPROC 8, MEMLOCK 9. */
	static const int mips[5] = { KRLIMIT_NOFILE, KRLIMIT_AS, KRLIMIT_RSS,
	    KRLIMIT_NPROC, KRLIMIT_MEMLOCK };

	if (res < 0 || res >= KRLIMIT_NRES)
		return -1;
	if (sim_arch_is_mips(a) && res >= 5 && res <= 9)
		return mips[res - 5];
	return (int)res;
}

/* ---- credentials ---------------------------------------------------------- */

void
kern_set_swap_limit(struct proc *p, uint64_t cur, uint64_t max)
{
	p->rlim[KRLIMIT_SWAP].cur = cur;
	p->rlim[KRLIMIT_SWAP].max = max;
	if (p->cred == NULL || p->cred->swap_limit == cur)
		return;
	if (p->cred->refs > 1) {
		struct ucred *nc = crcopy(p->cred);

		if (ucred_current() == p->cred)
			ucred_set_current(nc);
		crfree(p->cred);
		p->cred = nc;
	}
	p->cred->swap_limit = cur;
}

void
kern_setuid(struct proc *p, uint32_t uid)
{
	struct ucred *nc;

	p->uid = uid;
	if (p->cred != NULL && p->cred->uid == uid)
		return;
	nc = crget(uid);
	nc->swap_limit = p->rlim[KRLIMIT_SWAP].cur;
	if (p->cred != NULL) {
		if (ucred_current() == p->cred)
			ucred_set_current(nc);
		crfree(p->cred);
	}
	p->cred = nc;
}

bool
kern_grow_stack(struct kern *k, struct proc *p, vm_offset_t va)
{
	if (p->vm == NULL ||
	    vm_map_growstack(&p->vm->map, va, p->rlim[KRLIMIT_STACK].cur) != KERN_SUCCESS)
		return false;
	/* The engine's regions cover the room a stack may grow into
	 * already (sim/machine.c): this only follows the new entry. */
	if (p->hw != NULL && k->hw->map_changed(k->hw_arg, p) != 0)
		return false;
	return true;
}

void
kern_fini(struct kern *k)
{
	for (int i = 0; i < k->nprocs; i++)
		if (k->procs[i] != NULL)
			kern_reap(k, k->procs[i]);
	k->nprocs = 0;
	vfs_fini(&k->vfs);
}

struct proc *
kern_pfind(struct kern *k, int pid)
{
	for (int i = 0; i < k->nprocs; i++)
		if (k->procs[i] != NULL && k->procs[i]->pid == pid)
			return k->procs[i];
	return NULL;
}

int
kern_proc_slot(struct kern *k)
{
	for (int i = 0; i < k->nprocs; i++)
		if (k->procs[i] == NULL)
			return i;
	if (k->nprocs < (int)nitems(k->procs))
		return k->nprocs++;
	return -1;
}

/* ---- address spaces ------------------------------------------------------ */

/* A new, empty address space for the kernel's layout, or NULL. */
struct vmspace *
vmspace_alloc(struct kern *k)
{
	struct vmspace *vm = calloc(1, sizeof(*vm));

	if (vm == NULL)
		return NULL;
	vm->pmap = pmap_create();
	if (vm->pmap == NULL) {
		free(vm);
		return NULL;
	}
	vm_map_init(&vm->map, vm->pmap, k->layout.user_min, k->layout.user_max);
	vm->refcnt = 1;
	return vm;
}

/* Drop a reference; the last one removes every mapping and the tables. */
void
vmspace_free(struct vmspace *vm)
{
	if (vm == NULL)
		return;
	KASSERT(vm->refcnt > 0, ("vmspace_free: refcnt %d", vm->refcnt));
	if (--vm->refcnt > 0)
		return;
	/* Nobody runs in it again: the teardown needs no shootdowns. */
	pmap_deactivate_all(vm->pmap);
	vm_map_remove(&vm->map, vm->map.min_offset, vm->map.max_offset);
	pmap_destroy(vm->pmap);
	free(vm);
}

/*
 * vmspace_fork: the child's address space.  vm_map_fork copies the map
 * entry by entry (COPY entries become copy-on-write in both, SHARE
 * entries share the object, wired entries are copied at once); then the
 * child's swap charge is reserved (VM-SPEC "Swap accounting"): refused,
 * the fork fails with ENOMEM after the charge is forced in, so that the
 * child's teardown gives back exactly what its entries hold.
 */
struct vmspace *
vmspace_fork(struct kern *k, struct vmspace *vm, int *error)
{
	struct vmspace *nv = vmspace_alloc(k);
	vm_ooffset_t charge = 0;

	if (nv == NULL) {
		*error = ENOMEM;
		return NULL;
	}
	if (vm_map_fork(&nv->map, &vm->map, &charge) != KERN_SUCCESS) {
		/* The partial child holds the charges of what was copied. */
		swap_reserve_force(charge);
		vmspace_free(nv);
		*error = ENOMEM;
		return NULL;
	}
	if (charge > 0 && !swap_reserve(charge)) {
		swap_reserve_force(charge);
		vmspace_free(nv);
		*error = ENOMEM;
		return NULL;
	}
	nv->brk_base = vm->brk_base;
	nv->brk = vm->brk;
	nv->stack_top = vm->stack_top;
	nv->stack_size = vm->stack_size;
	nv->sigcode = vm->sigcode;
	return nv;
}

/* p exits: it drops its address space (others' references keep it). */
void
vmspace_exit(struct kern *k, struct proc *p)
{
	struct vmspace *vm = p->vm;

	(void)k;
	p->vm = NULL;
	vmspace_free(vm);
}

struct vmspace *
vmspace_acquire_ref(struct proc *p)
{
	struct vmspace *vm = p->vm;

	if (vm == NULL || p->exited || vm->refcnt <= 0)
		return NULL;
	vm->refcnt++;
	return vm;
}

/* ---- threads -------------------------------------------------------------- */

static void
thread_event(struct thread *td, const char *what)
{
	struct event ev = event_make(EV_THREAD, what, 0);

	snprintf(ev.detail, sizeof(ev.detail), "tid %d", td->tid);
	event_emit(&ev, 0);
}

struct thread *
kern_thread_alloc(struct kern *k, struct proc *p, int tid)
{
	struct thread *td = calloc(1, sizeof(*td)), **tail;

	(void)k;
	if (td == NULL)
		return NULL;
	if (!vm_thread_new(&td->kstack, 0)) {
		free(td);
		return NULL;
	}
	td->tid = tid;
	td->p = p;
	td->lastcpu = -1;
	for (tail = &p->threads; *tail != NULL; tail = &(*tail)->next)
		;
	*tail = td;
	if (p->td == NULL)
		p->td = td;
	p->nthreads++;
	return td;
}

/* Free td (unlinked by the caller): its kernel stack, saved contexts. */
static void
thread_free(struct kern *k, struct thread *td)
{
	kern_sigctx_clear(k, td);
	if (td->hwctx != NULL)
		k->hw->ctx_free(k->hw_arg, td->hwctx);
	if (td->kstack.kva != 0)
		vm_thread_dispose(&td->kstack);
	kern_thread_offcpu(k, td);
	if (td->p->hw_td == td)
		td->p->hw_td = NULL;
	free(td);
}

void
kern_thread_offcpu(struct kern *k, const struct thread *td)
{
	for (int c = 0; c < KERN_MAX_CPUS; c++)
		if (k->curthread[c] == td)
			k->curthread[c] = NULL;
}

struct thread *
kern_tdfind(struct kern *k, int tid)
{
	for (int i = 0; i < k->nprocs; i++) {
		struct proc *q = k->procs[i];

		if (q == NULL || q->exited)
			continue;
		for (struct thread *td = q->threads; td != NULL; td = td->next)
			if (td->tid == tid && !td->exited)
				return td;
	}
	return NULL;
}

struct thread *
kern_thread_create(struct kern *k, struct thread *td, uint64_t flags,
    vm_offset_t newsp, vm_offset_t tls, int *error)
{
	struct proc *p = td->p;
	struct thread *ntd;

	/* Linux: a thread shares the signal handlers, which share the VM. */
	if (!(flags & LCLONE_SIGHAND) || !(flags & LCLONE_VM) || (flags & LCLONE_VFORK)) {
		*error = EINVAL;
		return NULL;
	}
	if (p->nthreads >= KERN_MAX_THREADS) {
		*error = EAGAIN;
		return NULL;
	}
	ntd = kern_thread_alloc(k, p, k->nextpid);
	if (ntd == NULL) {
		*error = EAGAIN;	/* no kernel stack */
		return NULL;
	}
	k->nextpid++;
	ntd->hwctx = k->hw->ctx_save(k->hw_arg, td);
	if (ntd->hwctx == NULL) {
		kern_thread_exit(k, ntd);
		*error = ENOMEM;
		return NULL;
	}
	/* The new thread returns 0 from clone, on its own stack. */
	if (k->arch == ARCH_AMD64) {
		k->hw->reg_set(k->hw_arg, ntd, GREG_X86_RAX, 0);
		if (flags & LCLONE_SETTLS)
			k->hw->reg_set(k->hw_arg, ntd, GREG_X86_FS_BASE, tls);
	} else {
		k->hw->reg_set(k->hw_arg, ntd, GREG_MIPS_V0, 0);
		k->hw->reg_set(k->hw_arg, ntd, GREG_MIPS_A3, 0);
		if (flags & LCLONE_SETTLS)
			k->hw->reg_set(k->hw_arg, ntd, GREG_MIPS_USERLOCAL, tls);
	}
	if (newsp != 0)
		k->hw->reg_set(k->hw_arg, ntd, GREG_SP, newsp);
	thread_event(ntd, "new");
	return ntd;
}

void
kern_thread_exit(struct kern *k, struct thread *td)
{
	struct proc *p = td->p;

	if (td->exited)
		return;
	if (p->nthreads <= 1) {
		kern_exit(k, p, 0);
		return;
	}
	if (td->clear_child_tid != 0) {
		static const uint8_t zero[4];

		if (copyout(p, zero, td->clear_child_tid, 4) == 0)
			(void)kern_futex_wake(k, p->vm, td->clear_child_tid, 1, UINT32_MAX);
	}
	thread_event(td, "exit");
	td->exited = true;
	td->wchan = NULL;
	p->nthreads--;
	kern_sigctx_clear(k, td);
	kern_thread_offcpu(k, td);
	/* The leader's exit leaves p->td pointing at it: p->td is the
	 * process's first thread, used for its identity, not to run. */
}

int
kern_futex_wake(struct kern *k, struct vmspace *vm, vm_offset_t uaddr, int n,
    uint32_t bitset)
{
	int woken = 0;

	/* In pid then creation order: deterministic. */
	for (int pid = 1; pid < k->nextpid && woken < n; pid++) {
		struct proc *q = kern_pfind(k, pid);

		if (q == NULL || q->exited || q->vm != vm)
			continue;
		for (struct thread *td = q->threads; td != NULL && woken < n; td = td->next) {
			if (td->exited || td->wchan != (const void *)vm ||
			    td->futex_addr != uaddr || !(td->futex_bitset & bitset))
				continue;
			td->wchan = NULL;
			td->futex_woken = true;
			woken++;
		}
	}
	return woken;
}

/* ---- sleeping ------------------------------------------------------------ */

void
kern_sleep(struct kern *k, struct thread *td, const void *chan)
{
	(void)k;
	KASSERT(chan != NULL, ("kern_sleep: no channel"));
	td->wchan = chan;
}

void
kern_wakeup(struct kern *k, const void *chan)
{
	for (int i = 0; i < k->nprocs; i++) {
		struct proc *q = k->procs[i];

		if (q == NULL || q->exited)
			continue;
		for (struct thread *td = q->threads; td != NULL; td = td->next)
			if (!td->exited && td->wchan == chan)
				td->wchan = NULL;
	}
}

bool
kern_td_runnable(const struct thread *td)
{
	return !td->p->exited && !td->exited && td->wchan == NULL;
}

bool
kern_deadlocked(struct kern *k)
{
	bool live = false;

	for (int i = 0; i < k->nprocs; i++) {
		struct proc *q = k->procs[i];

		if (q == NULL || q->exited)
			continue;
		for (struct thread *td = q->threads; td != NULL; td = td->next) {
			if (td->exited)
				continue;
			if (td->wchan == NULL)
				return false;
			live = true;
		}
	}
	return live;
}

void
kern_panic(struct kern *k, const char *fmt, ...)
{
	struct event ev = event_make(EV_PANIC, NULL, 0);
	va_list ap;

	char msg[sizeof(k->panicmsg)];

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	memcpy(ev.detail, msg, sizeof(ev.detail) - 1);	/* may be cut */
	ev.detail[sizeof(ev.detail) - 1] = '\0';
	event_emit(&ev, 0);
	if (!k->panicked) {
		k->panicked = true;
		memcpy(k->panicmsg, msg, sizeof(msg));
	}
}

/* ---- signals --------------------------------------------------------------- */

void
kern_psignal(struct kern *k, struct proc *p, int sig, const struct ksiginfo *si)
{
	struct ksigaction *sa;
	uint64_t bit;

	if (p == NULL || p->exited || sig <= 0 || sig >= KERN_NSIG)
		return;
	bit = KSIG_BIT(sig);
	sa = &p->sigact[sig];
	if (si != NULL && si->forced && ((p->sigmask & bit) || sa->handler == 1)) {
		/* A fault nobody will handle kills (Linux force_sig_info). */
		p->sigmask &= ~bit;
		sa->handler = 0;
	}
	if (p->sigpending & bit) {
		/* Standard signals do not queue; a fault replaces a kill. */
		if (si == NULL || !si->forced)
			return;
	}
	p->sigpending |= bit;
	if (si != NULL) {
		p->siginfo[sig] = *si;
	} else {
		memset(&p->siginfo[sig], 0, sizeof(p->siginfo[sig]));
		p->siginfo[sig].code = KSI_KERNEL;
	}
	/* Sleepers that may take it wake up; their system calls restart
	 * after the handler (every handler is SA_RESTART).  The first
	 * thread back in user mode takes it; the others sleep again.  A
	 * thread stopped for its tracer stays stopped (but SIGKILL). */
	if (sig == KSIGKILL || !(p->sigmask & bit)) {
		for (struct thread *td = p->threads; td != NULL; td = td->next)
			if (!td->exited && td->wchan != NULL &&
			    (td->wchan != (const void *)&p->pt || sig == KSIGKILL))
				td->wchan = NULL;
	}
	(void)k;
}

void
kern_sigctx_clear(struct kern *k, struct thread *td)
{
	for (int i = 0; i < td->nsigctx; i++)
		k->hw->ctx_free(k->hw_arg, td->sigctx[i].ctx);
	td->nsigctx = 0;
}

void
kern_sync_precise(struct kern *k, struct proc *p)
{
	if (p->hw == NULL || k->hw->set_precise == NULL)
		return;
	k->hw->set_precise(k->hw_arg, p, p->sigact[KSIGSEGV].handler > 1 ||
	    p->sigact[ksig_bus(k->arch)].handler > 1);
}

/* ---- exit and reaping -------------------------------------------------- */

/* Nobody can wait for p: reap it when it has exited (kern_collect). */
static void
proc_detach(struct kern *k, struct proc *p)
{
	p->ppid = 0;
	(void)k;
}

/* p's parent learns that p exited: SIGCHLD and a wakeup, or, when the
 * parent ignores SIGCHLD (SIG_IGN or SA_NOCLDWAIT), p is detached. */
static void
proc_notify_parent(struct kern *k, struct proc *p)
{
	struct proc *pp = p->ppid > 0 ? kern_pfind(k, p->ppid) : NULL;
	int chld = ksig_chld(k->arch);
	uint64_t nocldwait = sim_arch_is_mips(k->arch) ? 0x10000 : 0x2;
	struct ksiginfo si;

	if (pp == NULL || pp->exited) {
		proc_detach(k, p);
		return;
	}
	if (pp->sigact[chld].handler == 1 || (pp->sigact[chld].flags & nocldwait))
		proc_detach(k, p);	/* auto-reaped: wait4 gives ECHILD */
	if (p->exit_signal > 0 && p->exit_signal < KERN_NSIG) {
		memset(&si, 0, sizeof(si));
		if ((p->exit_status & 0x7f) == 0) {
			si.code = KCLD_EXITED;
			si.status = (p->exit_status >> 8) & 0xff;
		} else {
			si.code = KCLD_KILLED;
			si.status = p->exit_status & 0x7f;
		}
		si.pid = p->pid;
		si.uid = (int)p->uid;
		kern_psignal(k, pp, p->exit_signal, &si);
	}
	kern_wakeup(k, pp);		/* wait4 sleeps on the parent */
}

void
kern_exit(struct kern *k, struct proc *p, int wait_status)
{
	struct event ev;
	struct proc *init;
	const char *oreason;

	if (p->exited)
		return;
	ev = event_make(EV_EXIT, NULL, 0);
	if ((wait_status & 0x7f) == 0)
		snprintf(ev.detail, sizeof(ev.detail), "exit %d", (wait_status >> 8) & 0xff);
	else
		snprintf(ev.detail, sizeof(ev.detail), "killed by %s",
		    ksig_name(k->arch, wait_status & 0x7f));
	event_emit(&ev, 1);
	p->exited = true;
	p->exit_status = wait_status;
	p->sigpending = 0;
	for (struct thread *td = p->threads; td != NULL; td = td->next) {
		td->wchan = NULL;
		kern_sigctx_clear(k, td);
		if (!td->exited && td != p->td)
			thread_event(td, "exit");
		td->exited = true;
		kern_thread_offcpu(k, td);
	}
	p->nthreads = 0;
	fd_close_all(p);
	oreason = pmap_reason_set("exit");
	vmspace_exit(k, p);
	(void)pmap_reason_set(oreason);
	/* A vfork parent sleeps on its child. */
	if (p->vfork_parent != NULL) {
		kern_wakeup(k, p);
		p->vfork_parent = NULL;
	}
	kern_ptrace_exit(k, p);		/* tracer and tracees let go */
	/* Children go to init (or, with init gone, are detached). */
	init = k->initpid > 0 ? kern_pfind(k, k->initpid) : NULL;
	for (int i = 0; i < k->nprocs; i++) {
		struct proc *q = k->procs[i];

		if (q == NULL || q == p || q->ppid != p->pid)
			continue;
		if (init != NULL && !init->exited && init != p) {
			q->ppid = init->pid;
			if (q->exited)		/* init may wait for it now */
				proc_notify_parent(k, q);
		} else {
			proc_detach(k, q);
		}
	}
	proc_notify_parent(k, p);
}

void
kern_reap(struct kern *k, struct proc *p)
{
	for (int i = 0; i < k->nprocs; i++)
		if (k->procs[i] == p)
			k->procs[i] = NULL;
	if (p->hw != NULL && k->hw->engine_drop != NULL)
		k->hw->engine_drop(k->hw_arg, p);
	fd_close_all(p);
	while (p->threads != NULL) {
		struct thread *td = p->threads;

		p->threads = td->next;
		thread_free(k, td);
	}
	p->td = NULL;
	vmspace_free(p->vm);
	if (p->cred != NULL) {
		if (ucred_current() == p->cred)
			ucred_set_current(NULL);
		crfree(p->cred);
	}
	free(p->path);
	free(p);
}

/*
 * Reap every exited process nobody will wait for (its parent is gone or
 * ignores SIGCHLD), except the first process.  Called by the machine
 * between slices, never while a process's system call is running.
 */
void
kern_collect(struct kern *k)
{
	for (int i = 0; i < k->nprocs; i++) {
		struct proc *q = k->procs[i];

		if (q == NULL)
			continue;
		if (q->exited && q->ppid == 0 && q->pid != k->initpid) {
			kern_reap(k, q);
			continue;
		}
		/* Exited threads are off every CPU now: their kernel stacks
		 * go (to the kstack cache). */
		for (struct thread *td = q->threads; td != NULL; td = td->next)
			if (td->exited && td->kstack.kva != 0)
				vm_thread_dispose(&td->kstack);
	}
}

/* ---- fork ------------------------------------------------------------------ */

struct proc *
kern_fork(struct kern *k, struct thread *td, uint64_t flags, vm_offset_t newsp,
    int *error)
{
	struct proc *pp = td->p, *p;
	int slot;

	/* Threads (a shared address space without vfork, shared signal
	 * actions) are not supported.  CLONE_VM with CLONE_VFORK is taken
	 * as a vfork with fork semantics: XXX: the child gets a copy of the
	 * address space, not the parent's (a posix_spawn child's error
	 * report through shared memory is lost). */
	if ((flags & (LCLONE_THREAD | LCLONE_SIGHAND)) ||
	    ((flags & LCLONE_VM) && !(flags & LCLONE_VFORK))) {
		*error = EINVAL;
		return NULL;
	}
	if ((slot = kern_proc_slot(k)) < 0) {
		*error = EAGAIN;
		return NULL;
	}
	p = calloc(1, sizeof(*p));
	if (p == NULL || (p->path = strdup(pp->path)) == NULL) {
		free(p);
		*error = ENOMEM;
		return NULL;
	}
	p->pid = k->nextpid++;
	if (kern_thread_alloc(k, p, p->pid) == NULL) {
		free(p->path);
		free(p);
		*error = EAGAIN;
		return NULL;
	}
	p->ppid = (flags & LCLONE_PARENT) ? pp->ppid : pp->pid;
	p->pgid = pp->pgid;
	p->arch = pp->arch;
	memcpy(p->comm, pp->comm, sizeof(p->comm));
	p->uid = pp->uid;
	p->gid = pp->gid;
	p->cred = pp->cred != NULL ? crhold(pp->cred) : NULL;
	memcpy(p->rlim, pp->rlim, sizeof(p->rlim));
	memcpy(p->sigact, pp->sigact, sizeof(p->sigact));
	p->sigmask = pp->sigmask;
	p->exit_signal = (int)(flags & LCSIGNAL);
	p->vm = vmspace_fork(k, pp->vm, error);
	if (p->vm == NULL) {
		kern_reap(k, p);	/* not linked into procs[] yet */
		return NULL;
	}
	fd_fork(pp, p);
	k->procs[slot] = p;
	/* The child's memory faults and events are its own from here. */
	if (k->hw->fork(k->hw_arg, pp, p) != 0) {
		p->exited = true;
		p->ppid = 0;
		kern_reap(k, p);
		*error = ENOMEM;
		return NULL;
	}
	/* The child returns 0 from the system call. */
	if (k->arch == ARCH_AMD64) {
		k->hw->reg_set(k->hw_arg, p->td, GREG_X86_RAX, 0);
	} else {
		k->hw->reg_set(k->hw_arg, p->td, GREG_MIPS_V0, 0);
		k->hw->reg_set(k->hw_arg, p->td, GREG_MIPS_A3, 0);
	}
	if (newsp != 0)
		k->hw->reg_set(k->hw_arg, p->td, GREG_SP, newsp);
	kern_sync_precise(k, p);
	if (flags & LCLONE_VFORK) {
		p->vfork_parent = pp;
		kern_sleep(k, td, p);	/* after the call returns: until exec/exit */
	}
	{
		struct event ev = event_make(EV_FORK, (flags & LCLONE_VFORK) ?
		    "vfork" : "fork", 0);

		snprintf(ev.detail, sizeof(ev.detail), "child %d", p->pid);
		event_emit(&ev, 0);
	}
	return p;
}
