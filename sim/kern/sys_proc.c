/*
 * sim/kern/sys_proc.c — the process system calls (see sys.h for the
 * module convention): fork, vfork, clone (without threads), execve,
 * wait4/waitpid, getppid, process groups (getpgid, setpgid, getpgrp),
 * kill/tkill/tgkill, the signal calls rt_sigaction, rt_sigprocmask,
 * rt_sigpending, pause, rt_sigreturn and sigreturn, and the user and
 * group ids (setuid, setgid, setreuid, setregid, setresuid, setresgid,
 * getresuid, getresgid).  Linux semantics (man 2 of
 * each call); the work is done in proc.c, exec.c and trap.c.
 *
 * Documented differences from Linux:
 * - vfork and clone(CLONE_VM|CLONE_VFORK) copy the address space as fork
 *   does; the parent still sleeps until the child execs or exits.
 * - Every interrupted sleep restarts its call after the handler (as if
 *   every handler had SA_RESTART); there is no EINTR.
 * - There are no process-group changes but setpgid; no job control.
 * - A process has one uid and one gid: the real, effective and saved ids
 *   are always equal.  Only root (uid 0) may change them, to any value;
 *   anybody may "change" them to the value they have.  setreuid and
 *   setresuid take the ids they are given (-1: unchanged), which must
 *   then agree (XXX: EINVAL when they differ; Linux would keep them
 *   apart).  A new uid gets a new credential (kern_setuid): its swap
 *   charges are counted for the new user from then on.
 */
#include "sim/kern/sys.h"
#include "sim/kern/malloc.h"
#include "sim/base/event.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#define LWNOHANG	1
#define LWUNTRACED	2
#define LWCONTINUED	8
#define LWNOTHREAD	0x20000000
#define LWALL		0x40000000
#define LWCLONE		0x80000000u

#define LSIGCHLD_AMD64	17
#define LSIGCHLD_MIPS	18


#define EXEC_ARGMAX	(128 * 1024)	/* bytes of argv + envp strings */
#define EXEC_ARGCMAX	4096		/* strings in argv or envp */

/* ---- fork ------------------------------------------------------------ */

int64_t
sys_proc_clone(struct sc_ctx *c, uint64_t flags, vm_offset_t newsp, vm_offset_t ptid,
    vm_offset_t ctid)
{
	struct proc *child;
	int error = 0;

	child = kern_fork(c->k, c->td, flags, newsp, &error);
	if (child == NULL)
		return -error;
	if (flags & LCLONE_PARENT_SETTID)
		(void)sc_copyout_uint(c, ptid, (uint64_t)child->pid, 4);
	if (flags & LCLONE_CHILD_SETTID) {
		struct sc_ctx cc = *c;

		struct event_context *ec = event_context();
		int32_t opid = ec->pid, otid = ec->tid;

		/* A write to the child's memory: its copy-on-write fault is
		 * the child's. */
		cc.p = child;
		cc.td = child->td;
		ec->pid = child->pid;
		ec->tid = child->td->tid;
		(void)sc_copyout_uint(&cc, ctid, (uint64_t)child->pid, 4);
		ec->pid = opid;
		ec->tid = otid;
	}
	if (flags & LCLONE_CHILD_CLEARTID)
		child->td->clear_child_tid = ctid;
	return child->pid;
}

static int64_t
sys_fork(struct sc_ctx *c, const uint64_t *a)
{
	(void)a;
	return sys_proc_clone(c, c->arch == ARCH_AMD64 ? LSIGCHLD_AMD64 : LSIGCHLD_MIPS,
	    0, 0, 0);
}

static int64_t
sys_vfork(struct sc_ctx *c, const uint64_t *a)
{
	(void)a;
	return sys_proc_clone(c, LCLONE_VM | LCLONE_VFORK |
	    (c->arch == ARCH_AMD64 ? LSIGCHLD_AMD64 : LSIGCHLD_MIPS), 0, 0, 0);
}

static int64_t
sys_clone(struct sc_ctx *c, const uint64_t *a)
{
	/* amd64 clone(flags, newsp, ptid, ctid, tls); o32 (CLONE_BACKWARDS)
	 * clone(flags, newsp, ptid, tls, ctid). */
	uint64_t flags = a[0] & 0xffffffffu;
	vm_offset_t ctid = c->arch == ARCH_AMD64 ? a[3] : a[4];

	if (flags & LCLONE_THREAD)
		return sys_thread_clone(c, flags, a[1], a[2], ctid,
		    c->arch == ARCH_AMD64 ? a[4] : a[3]);
	return sys_proc_clone(c, flags, a[1], a[2], ctid);
}

/* ---- execve ------------------------------------------------------------ */

/* Copy the NULL-terminated string vector at uva into a malloc'ed array
 * (strings malloc'ed too), charging *budget.  0 or -errno. */
static int
copyin_strv(struct sc_ctx *c, vm_offset_t uva, char ***out, int *n, size_t *budget)
{
	char **v = NULL;
	int cnt = 0, cap = 0;

	*out = NULL;
	*n = 0;
	if (uva == 0)
		goto done;	/* Linux takes NULL as an empty vector */
	for (;;) {
		uint8_t w[8];
		vm_offset_t s;
		char *buf;
		int e;

		if (copyin(c->p, uva + (vm_offset_t)cnt * c->word, w, c->word) != 0)
			goto fault;
		s = sc_get_uint(c, w, c->word);
		if (s == 0)
			break;
		if (cnt == EXEC_ARGCMAX || *budget <= 1)
			goto big;
		if (cnt + 2 > cap) {
			char **nv;

			cap = cap ? cap * 2 : 16;
			nv = realloc(v, sizeof(*v) * (size_t)cap);
			if (nv == NULL)
				goto nomem;
			v = nv;
		}
		buf = malloc(*budget);
		if (buf == NULL)
			goto nomem;
		e = copyinstr(c->p, s, buf, *budget);
		if (e != 0) {
			free(buf);
			if (e == ENAMETOOLONG)
				goto big;
			goto fault;
		}
		*budget -= strlen(buf) + 1;
		v[cnt++] = buf;
	}
done:
	if (v == NULL && (v = malloc(sizeof(*v))) == NULL)
		return -ENOMEM;
	v[cnt] = NULL;
	*out = v;
	*n = cnt;
	return 0;
fault:
	for (int i = 0; i < cnt; i++)
		free(v[i]);
	free(v);
	return -EFAULT;
big:
	for (int i = 0; i < cnt; i++)
		free(v[i]);
	free(v);
	return -E2BIG;
nomem:
	for (int i = 0; i < cnt; i++)
		free(v[i]);
	free(v);
	return -ENOMEM;
}

static void
free_strv(char **v, int n)
{
	for (int i = 0; i < n; i++)
		free(v[i]);
	free(v);
}

/*
 * The argument strings in kernel memory (FreeBSD exec_copyin_args puts
 * them in one exec_map buffer; here one kmalloc(M_EXEC) buffer, so
 * memguard can watch it): argv's then envp's strings, NUL-terminated, are
 * stored into it and read back from it (what the new image's stack is
 * built from), through the MMU model.  0 with *kvap (0: no strings; the
 * caller kfree()s it once the exec is done), or -ENOMEM, -EFAULT (the
 * kernel panicked; nothing left allocated).
 */
static int
exec_args_stage(struct kern *k, char **argv, int argc, char **envp, int envc,
    vm_offset_t *kvap)
{
	char **vs[2] = { argv, envp };
	int ns[2] = { argc, envc }, e = 0;
	size_t total = 0, off;
	vm_offset_t kva;

	*kvap = 0;
	for (int v = 0; v < 2; v++)
		for (int i = 0; i < ns[v]; i++)
			total += strlen(vs[v][i]) + 1;
	if (total == 0)
		return 0;
	if ((kva = kmalloc(total, M_EXEC, M_WAITOK)) == 0)
		return -ENOMEM;
	off = 0;
	for (int v = 0; v < 2 && e == 0; v++)
		for (int i = 0; i < ns[v] && e == 0; i++) {
			size_t len = strlen(vs[v][i]) + 1;

			e = kern_kmem_copyout(k, NULL, kva + off, vs[v][i], len);
			off += len;
		}
	off = 0;
	for (int v = 0; v < 2 && e == 0; v++)
		for (int i = 0; i < ns[v] && e == 0; i++) {
			size_t len = strlen(vs[v][i]) + 1;

			e = kern_kmem_copyin(k, NULL, kva + off, vs[v][i], len);
			off += len;
		}
	if (e != 0) {
		(void)kfree(kva, M_EXEC);
		return -e;
	}
	*kvap = kva;
	return 0;
}

static int64_t
sys_execve(struct sc_ctx *c, const uint64_t *a)
{
	char path[256], **argv = NULL, **envp = NULL;
	size_t budget = EXEC_ARGMAX;
	vm_offset_t args;
	int argc = 0, envc = 0, e;

	if ((e = copyinstr(c->p, a[0], path, sizeof(path))) != 0)
		return -e;
	if (path[0] == '\0')
		return -ENOENT;
	if ((e = copyin_strv(c, a[1], &argv, &argc, &budget)) != 0)
		return e;
	if ((e = copyin_strv(c, a[2], &envp, &envc, &budget)) != 0) {
		free_strv(argv, argc);
		return e;
	}
	if ((e = exec_args_stage(c->k, argv, argc, envp, envc, &args)) != 0) {
		free_strv(argv, argc);
		free_strv(envp, envc);
		return e;
	}
	e = kern_execve(c->k, c->td, path, argc, argv, envc, envp);
	(void)kfree(args, M_EXEC);	/* (-1: the kernel panicked; it stops) */
	free_strv(argv, argc);
	free_strv(envp, envc);
	return e != 0 ? e : -KERN_EJUSTRETURN;
}

/* ---- wait ---------------------------------------------------------------- */

static bool
wait_matches(const struct proc *p, const struct proc *q, int64_t pid)
{
	if (q->ppid != p->pid && q->pt.tracer != p->pid)	/* a tracee counts */
		return false;
	if (pid > 0)
		return q->pid == pid;
	if (pid == -1)
		return true;
	if (pid == 0)
		return q->pgid == p->pgid;
	return q->pgid == -pid;
}

/* wait4(pid, status, options, rusage): the lowest-numbered exited child
 * that matches, or tracee stopped for the caller (reported once, status
 * (sig << 8) | 0x7f, WIFSTOPPED; sys_ptrace.c); sleeps (and restarts)
 * until there is one. */
static int64_t
proc_wait4(struct sc_ctx *c, int64_t pid, vm_offset_t ustatus, int64_t options,
    vm_offset_t urusage)
{
	struct kern *k = c->k;
	struct proc *zombie = NULL, *stopped = NULL;
	bool any = false;
	int rpid;

	if (options & ~(int64_t)(LWNOHANG | LWUNTRACED | LWCONTINUED | LWNOTHREAD |
	    LWALL | LWCLONE))
		return -EINVAL;
	for (int i = 0; i < k->nprocs; i++) {
		struct proc *q = k->procs[i];

		if (q == NULL || !wait_matches(c->p, q, pid))
			continue;
		any = true;
		if (q->exited && q->ppid == c->p->pid &&
		    (zombie == NULL || q->pid < zombie->pid))
			zombie = q;
		if (!q->exited && q->pt.tracer == c->p->pid && q->pt.stopped &&
		    !q->pt.reported && (stopped == NULL || q->pid < stopped->pid))
			stopped = q;
	}
	if (!any)
		return -ECHILD;
	if (stopped != NULL && (zombie == NULL || stopped->pid < zombie->pid)) {
		if (ustatus != 0 && sc_copyout_uint(c, ustatus,
		    (uint64_t)(uint32_t)(stopped->pt.stopsig << 8 | 0x7f), 4) != 0)
			return -EFAULT;
		stopped->pt.reported = true;
		return stopped->pid;
	}
	if (zombie == NULL) {
		if (options & LWNOHANG)
			return 0;
		kern_sleep(k, c->td, c->p);	/* kern_exit wakes the parent */
		return -KERN_ERESTART;
	}
	if (ustatus != 0 && sc_copyout_uint(c, ustatus,
	    (uint64_t)(uint32_t)zombie->exit_status, 4) != 0)
		return -EFAULT;
	if (urusage != 0) {
		/* XXX: no resource usage is kept: zeros (amd64 144 bytes,
		 * o32 72). */
		static const uint8_t zeros[144];

		if (copyout(c->p, zeros, urusage, c->arch == ARCH_AMD64 ? 144 : 72) != 0)
			return -EFAULT;
	}
	rpid = zombie->pid;
	kern_reap(k, zombie);
	return rpid;
}

static int64_t
sys_wait4(struct sc_ctx *c, const uint64_t *a)
{
	return proc_wait4(c, (int64_t)(int32_t)a[0], a[1], (int64_t)(int32_t)a[2], a[3]);
}

static int64_t
sys_waitpid(struct sc_ctx *c, const uint64_t *a)
{
	return proc_wait4(c, (int64_t)(int32_t)a[0], a[1], (int64_t)(int32_t)a[2], 0);
}

/* ---- identity and groups ----------------------------------------------- */

static int64_t
sys_getppid(struct sc_ctx *c, const uint64_t *a)
{
	(void)a;
	return c->p->ppid;
}

static int64_t
sys_getpgid(struct sc_ctx *c, const uint64_t *a)
{
	int64_t pid = (int64_t)(int32_t)a[0];
	struct proc *q = pid == 0 ? c->p : kern_pfind(c->k, (int)pid);

	if (q == NULL)
		return -ESRCH;
	return q->pgid;
}

static int64_t
sys_getpgrp(struct sc_ctx *c, const uint64_t *a)
{
	(void)a;
	return c->p->pgid;
}

/* setpgid(pid, pgid): pid 0 is the caller, pgid 0 is pid; only the
 * caller or its children; the group must exist unless it is pid's own. */
static int64_t
sys_setpgid(struct sc_ctx *c, const uint64_t *a)
{
	int64_t pid = (int64_t)(int32_t)a[0], pgid = (int64_t)(int32_t)a[1];
	struct proc *q = pid == 0 ? c->p : kern_pfind(c->k, (int)pid);
	bool exists = false;

	if (pgid < 0)
		return -EINVAL;
	if (q == NULL || (q != c->p && q->ppid != c->p->pid))
		return -ESRCH;
	if (pgid == 0)
		pgid = q->pid;
	for (int i = 0; i < c->k->nprocs; i++)
		if (c->k->procs[i] != NULL && c->k->procs[i]->pgid == pgid)
			exists = true;
	if (pgid != q->pid && !exists)
		return -EPERM;
	q->pgid = (int)pgid;
	return 0;
}

/* ---- kill ---------------------------------------------------------------- */

static int64_t
proc_kill(struct sc_ctx *c, int64_t pid, int64_t sig, int code)
{
	struct kern *k = c->k;
	struct ksiginfo si;
	int hits = 0;

	if (sig < 0 || sig >= KERN_NSIG)
		return -EINVAL;
	memset(&si, 0, sizeof(si));
	si.code = code;
	si.pid = c->p->pid;
	si.uid = (int)c->p->uid;
	if (pid > 0) {
		struct proc *q = kern_pfind(k, (int)pid);

		if (q == NULL)
			return -ESRCH;
		if (sig != 0)
			kern_psignal(k, q, (int)sig, &si);	/* a zombie ignores it */
		return 0;
	}
	/* Groups: 0 the caller's, -1 everybody but init and the caller,
	 * < -1 the group -pid.  In pid order. */
	for (int want = 1; want < k->nextpid; want++) {
		struct proc *q = kern_pfind(k, want);

		if (q == NULL || q->exited)
			continue;
		if (pid == 0 && q->pgid != c->p->pgid)
			continue;
		if (pid == -1 && (q->pid == k->initpid || q == c->p))
			continue;
		if (pid < -1 && q->pgid != -pid)
			continue;
		hits++;
		if (sig != 0)
			kern_psignal(k, q, (int)sig, &si);
	}
	return hits > 0 ? 0 : -ESRCH;
}

static int64_t
sys_kill(struct sc_ctx *c, const uint64_t *a)
{
	return proc_kill(c, (int64_t)(int32_t)a[0], (int64_t)(int32_t)a[1], KSI_USER);
}

static int64_t
sys_tkill(struct sc_ctx *c, const uint64_t *a)
{
	int64_t tid = (int64_t)(int32_t)a[0];

	if (tid <= 0)
		return -EINVAL;
	return proc_kill(c, tid, (int64_t)(int32_t)a[1], KSI_TKILL);
}

static int64_t
sys_tgkill(struct sc_ctx *c, const uint64_t *a)
{
	int64_t tgid = (int64_t)(int32_t)a[0], tid = (int64_t)(int32_t)a[1];

	if (tid <= 0 || tgid <= 0)
		return -EINVAL;
	if (tgid != tid)
		return -ESRCH;		/* one thread per process: tid == pid */
	return proc_kill(c, tid, (int64_t)(int32_t)a[2], KSI_TKILL);
}

/* ---- signal actions and masks ----------------------------------------- */

/* A sigset as the ABI stores it: amd64 one u64, o32 32-bit words (only
 * signals 1-64 exist here). */
static uint64_t
sc_get_sigset(const struct sc_ctx *c, const uint8_t *b)
{
	if (c->arch == ARCH_AMD64)
		return sc_get_uint(c, b, 8);
	return sc_get_uint(c, b, 4) | sc_get_uint(c, b + 4, 4) << 32;
}

static void
sc_put_sigset(const struct sc_ctx *c, uint8_t *b, uint64_t set)
{
	if (c->arch == ARCH_AMD64) {
		sc_put_uint(c, b, set, 8);
	} else {
		sc_put_uint(c, b, set & 0xffffffffu, 4);
		sc_put_uint(c, b + 4, set >> 32, 4);
	}
}

static uint64_t
cantmask(const struct sc_ctx *c)
{
	return KSIG_BIT(KSIGKILL) | KSIG_BIT(ksig_stop(c->arch));
}

/*
 * rt_sigaction(sig, act, oact, sigsetsize).  The kernel's struct: amd64
 * { handler, flags, restorer, mask } (32 bytes); o32 { u32 flags,
 * handler; sigset (16 bytes) } (24 bytes).
 */
static int64_t
sys_rt_sigaction(struct sc_ctx *c, const uint64_t *a)
{
	int64_t sig = (int64_t)(int32_t)a[0];
	vm_offset_t act = a[1], oact = a[2];
	uint64_t setsize = a[3];
	struct ksigaction *sa;
	uint8_t b[32];
	size_t sz = c->arch == ARCH_AMD64 ? 32 : 24;

	if (sig < 1 || sig >= KERN_NSIG || (setsize != 8 && setsize != 16))
		return -EINVAL;
	if (act != 0 && (sig == KSIGKILL || sig == ksig_stop(c->arch)))
		return -EINVAL;
	sa = &c->p->sigact[sig];
	if (oact != 0) {
		memset(b, 0, sizeof(b));
		if (c->arch == ARCH_AMD64) {
			sc_put_uint(c, b, sa->handler, 8);
			sc_put_uint(c, b + 8, sa->flags, 8);
			sc_put_uint(c, b + 16, sa->restorer, 8);
			sc_put_sigset(c, b + 24, sa->mask);
		} else {
			sc_put_uint(c, b, sa->flags, 4);
			sc_put_uint(c, b + 4, sa->handler, 4);
			sc_put_sigset(c, b + 8, sa->mask);
		}
	}
	if (act != 0) {
		uint8_t nb[32];
		struct ksigaction n;

		if (copyin(c->p, act, nb, sz) != 0)
			return -EFAULT;
		memset(&n, 0, sizeof(n));
		if (c->arch == ARCH_AMD64) {
			n.handler = sc_get_uint(c, nb, 8);
			n.flags = sc_get_uint(c, nb + 8, 8);
			n.restorer = sc_get_uint(c, nb + 16, 8);
			n.mask = sc_get_sigset(c, nb + 24);
		} else {
			n.flags = sc_get_uint(c, nb, 4);
			n.handler = sc_get_uint(c, nb + 4, 4);
			n.mask = sc_get_sigset(c, nb + 8);
		}
		n.mask &= ~cantmask(c);
		if (oact != 0 && copyout(c->p, b, oact, sz) != 0)
			return -EFAULT;
		*sa = n;
		if (sig == KSIGSEGV || sig == ksig_bus(c->arch))
			kern_sync_precise(c->k, c->p);
		/* Setting a signal to be ignored discards it if pending. */
		if (n.handler == 1 || (n.handler == 0 &&
		    ksig_default_ignored(c->arch, (int)sig)))
			c->p->sigpending &= ~KSIG_BIT(sig);
		return 0;
	}
	if (oact != 0 && copyout(c->p, b, oact, sz) != 0)
		return -EFAULT;
	return 0;
}

static int64_t
sys_rt_sigprocmask(struct sc_ctx *c, const uint64_t *a)
{
	/* SIG_BLOCK/UNBLOCK/SETMASK: 0/1/2 on amd64, 1/2/3 on MIPS. */
	int64_t how = (int64_t)(int32_t)a[0], base = c->arch == ARCH_AMD64 ? 0 : 1;
	vm_offset_t set = a[1], oset = a[2];
	uint8_t b[8];
	uint64_t nm, old = c->p->sigmask;

	if (a[3] != 8 && a[3] != 16)
		return -EINVAL;
	if (set != 0) {
		if (copyin(c->p, set, b, 8) != 0)
			return -EFAULT;
		nm = sc_get_sigset(c, b);
		if (how == base)
			c->p->sigmask |= nm;
		else if (how == base + 1)
			c->p->sigmask &= ~nm;
		else if (how == base + 2)
			c->p->sigmask = nm;
		else
			return -EINVAL;
		c->p->sigmask &= ~cantmask(c);
	}
	if (oset != 0) {
		sc_put_sigset(c, b, old);
		if (copyout(c->p, b, oset, 8) != 0)
			return -EFAULT;
	}
	/* Signals unblocked here are delivered on the way out. */
	return 0;
}

static int64_t
sys_rt_sigpending(struct sc_ctx *c, const uint64_t *a)
{
	uint8_t b[8];

	if (a[1] != 8 && a[1] != 16)
		return -EINVAL;
	sc_put_sigset(c, b, c->p->sigpending & c->p->sigmask);
	return copyout(c->p, b, a[0], 8) != 0 ? -EFAULT : 0;
}

/* pause(): sleep until a signal's handler has run; then -EINTR.  The
 * result is set now and the thread sleeps after the call (it is not
 * restarted): a delivered handler wakes it and returns to the caller
 * with EINTR.  XXX: any unblocked signal wakes it, even an ignored one. */
static int64_t
sys_pause(struct sc_ctx *c, const uint64_t *a)
{
	(void)a;
	kern_sleep(c->k, c->td, &c->p->sigpending);
	return -EINTR;
}

/* ---- user and group ids ------------------------------------------------ */

#define ID_NONE	0xffffffffu	/* (uid_t)-1: leave unchanged */

/* The one id that ids[0..n) (ID_NONE: unchanged) set *id to: 0, -EINVAL
 * (they disagree), -EPERM (not root and not the id it has). */
static int64_t
proc_setid(struct sc_ctx *c, const uint64_t *ids, int n, uint32_t cur, uint32_t *id)
{
	uint32_t want = ID_NONE;

	for (int i = 0; i < n; i++) {
		uint32_t v = (uint32_t)ids[i];

		if (v == ID_NONE)
			continue;
		if (want != ID_NONE && v != want)
			return -EINVAL;
		want = v;
	}
	if (want == ID_NONE) {
		*id = cur;
		return 0;
	}
	if (c->p->uid != 0 && want != cur)
		return -EPERM;
	*id = want;
	return 0;
}

static int64_t
proc_setuids(struct sc_ctx *c, const uint64_t *a, int n)
{
	uint32_t uid;
	int64_t e = proc_setid(c, a, n, c->p->uid, &uid);

	if (e == 0 && uid != c->p->uid)
		kern_setuid(c->p, uid);
	return e;
}

static int64_t
proc_setgids(struct sc_ctx *c, const uint64_t *a, int n)
{
	uint32_t gid;
	int64_t e = proc_setid(c, a, n, c->p->gid, &gid);

	if (e == 0)
		c->p->gid = gid;
	return e;
}

static int64_t
sys_setuid(struct sc_ctx *c, const uint64_t *a)
{
	if ((uint32_t)a[0] == ID_NONE)
		return -EINVAL;
	return proc_setuids(c, a, 1);
}

static int64_t
sys_setreuid(struct sc_ctx *c, const uint64_t *a)
{
	return proc_setuids(c, a, 2);
}

static int64_t
sys_setresuid(struct sc_ctx *c, const uint64_t *a)
{
	return proc_setuids(c, a, 3);
}

static int64_t
sys_setgid(struct sc_ctx *c, const uint64_t *a)
{
	if ((uint32_t)a[0] == ID_NONE)
		return -EINVAL;
	return proc_setgids(c, a, 1);
}

static int64_t
sys_setregid(struct sc_ctx *c, const uint64_t *a)
{
	return proc_setgids(c, a, 2);
}

static int64_t
sys_setresgid(struct sc_ctx *c, const uint64_t *a)
{
	return proc_setgids(c, a, 3);
}

/* getresuid/getresgid(r, e, s): the one id, three times (uid_t is 32
 * bits on both ABIs). */
static int64_t
proc_getres(struct sc_ctx *c, const uint64_t *a, uint32_t id)
{
	for (int i = 0; i < 3; i++)
		if (sc_copyout_uint(c, a[i], id, 4) != 0)
			return -EFAULT;
	return 0;
}

static int64_t
sys_getresuid(struct sc_ctx *c, const uint64_t *a)
{
	return proc_getres(c, a, c->p->uid);
}

static int64_t
sys_getresgid(struct sc_ctx *c, const uint64_t *a)
{
	return proc_getres(c, a, c->p->gid);
}

static int64_t
sys_rt_sigreturn(struct sc_ctx *c, const uint64_t *a)
{
	(void)a;
	return kern_sigreturn(c->k, c->td);
}

const struct sc_def sys_proc_defs[] = {
	{ "clone", 56, 4120, sys_clone },
	{ "fork", 57, 4002, sys_fork },
	{ "vfork", 58, -1, sys_vfork },
	{ "execve", 59, 4011, sys_execve },
	{ "wait4", 61, 4114, sys_wait4 },
	{ "waitpid", -1, 4007, sys_waitpid },
	{ "kill", 62, 4037, sys_kill },
	{ "getppid", 110, 4064, sys_getppid },
	{ "pause", 34, 4029, sys_pause },
	{ "setpgid", 109, 4057, sys_setpgid },
	{ "getpgrp", 111, 4065, sys_getpgrp },
	{ "getpgid", 121, 4132, sys_getpgid },
	{ "tkill", 200, 4236, sys_tkill },
	{ "tgkill", 234, 4266, sys_tgkill },
	{ "rt_sigaction", 13, 4194, sys_rt_sigaction },
	{ "rt_sigprocmask", 14, 4195, sys_rt_sigprocmask },
	{ "rt_sigpending", 127, 4196, sys_rt_sigpending },
	{ "rt_sigreturn", 15, 4193, sys_rt_sigreturn },
	{ "sigreturn", -1, 4119, sys_rt_sigreturn },
	{ "setuid", 105, 4023, sys_setuid },
	{ "setgid", 106, 4046, sys_setgid },
	{ "setreuid", 113, 4070, sys_setreuid },
	{ "setregid", 114, 4071, sys_setregid },
	{ "setresuid", 117, 4185, sys_setresuid },
	{ "getresuid", 118, 4186, sys_getresuid },
	{ "setresgid", 119, 4190, sys_setresgid },
	{ "getresgid", 120, 4191, sys_getresgid },
};
const size_t sys_proc_ndefs = nitems(sys_proc_defs);
