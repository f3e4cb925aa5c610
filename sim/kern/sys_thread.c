/*
 * sim/kern/sys_thread.c — the thread system calls (see sys.h for the
 * module convention): clone with CLONE_THREAD, clone3, exit of one thread and
 * exit_group, gettid, set_tid_address, sched_yield, and futex
 * (FUTEX_WAIT, FUTEX_WAKE and their _BITSET forms, private or shared
 * within one address space).  Linux semantics (man 2 clone, futex); the
 * work is done in proc.c.
 *
 * A futex waiter sleeps on its address space with the futex address
 * recorded in its thread; FUTEX_WAKE wakes waiters of that (space,
 * address) in pid and creation order and marks them woken, so their
 * restarted FUTEX_WAIT returns 0 at once (the kernel's sleep is a
 * system-call restart, sim/kern/kern.h kern_sleep).
 *
 * Documented differences from Linux:
 * - XXX: a FUTEX_WAIT timeout other than zero is ignored (the wait is
 *   untimed; a zero timeout returns ETIMEDOUT at once).  A run where
 *   only a timeout could end a wait ends as a deadlock.
 * - Futexes are matched by (address space, virtual address): a futex in
 *   memory shared between processes (MAP_SHARED) is not shared.
 * - FUTEX_REQUEUE, FUTEX_CMP_REQUEUE, FUTEX_WAKE_OP and the PI
 *   operations return ENOSYS (glibc 2.36's pthreads do not use them).
 */
#include "sim/kern/sys.h"

#include <errno.h>


#define LFUTEX_WAIT		0
#define LFUTEX_WAKE		1
#define LFUTEX_WAIT_BITSET	9
#define LFUTEX_WAKE_BITSET	10
#define LFUTEX_PRIVATE_FLAG	128
#define LFUTEX_CLOCK_REALTIME	256

int64_t
sys_thread_clone(struct sc_ctx *c, uint64_t flags, vm_offset_t newsp, vm_offset_t ptid,
    vm_offset_t ctid, vm_offset_t tls)
{
	struct thread *ntd;
	int error = 0;

	ntd = kern_thread_create(c->k, c->td, flags, newsp, tls, &error);
	if (ntd == NULL)
		return -error;
	if (flags & LCLONE_PARENT_SETTID)
		(void)sc_copyout_uint(c, ptid, (uint64_t)ntd->tid, 4);
	if (flags & LCLONE_CHILD_SETTID)
		(void)sc_copyout_uint(c, ctid, (uint64_t)ntd->tid, 4);
	if (flags & LCLONE_CHILD_CLEARTID)
		ntd->clear_child_tid = ctid;
	return ntd->tid;
}

/*
 * clone3(struct clone_args *args, size_t size): the same as clone, with
 * the arguments in a structure of 64-bit fields (flags, pidfd,
 * child_tid, parent_tid, exit_signal, stack, stack_size, tls, ...) and
 * the stack given as its lowest address and size.  The fields past tls
 * (set_tid, cgroup) and CLONE_PIDFD are not supported: EINVAL when used.
 */
#define CLONE_ARGS_SIZE_VER0	64

static int64_t
sys_clone3(struct sc_ctx *c, const uint64_t *a)
{
	uint8_t buf[88];
	uint64_t f[11] = { 0 };
	size_t size = (size_t)a[1];
	vm_offset_t newsp;

	if (size < CLONE_ARGS_SIZE_VER0 || size > 4096)
		return -EINVAL;
	if (copyin(c->p, a[0], buf, MIN(size, sizeof(buf))) != 0)
		return -EFAULT;
	for (size_t i = 0; i < MIN(size, sizeof(buf)) / 8; i++)
		f[i] = sc_get_uint(c, buf + 8 * i, 8);
	/* f: 0 flags, 1 pidfd, 2 child_tid, 3 parent_tid, 4 exit_signal,
	 * 5 stack, 6 stack_size, 7 tls, 8 set_tid, 9 set_tid_size, 10 cgroup */
	if ((f[0] & LCLONE_PIDFD) || f[8] != 0 || f[9] != 0 || f[10] != 0 ||
	    f[4] > 0xff || (f[0] & 0xff) != 0 || (f[5] == 0) != (f[6] == 0))
		return -EINVAL;
	newsp = f[5] != 0 ? f[5] + f[6] : 0;
	if (f[0] & LCLONE_THREAD)
		return sys_thread_clone(c, f[0], newsp, f[3], f[2], f[7]);
	return sys_proc_clone(c, f[0] | f[4], newsp, f[3], f[2]);
}

static int64_t
sys_exit(struct sc_ctx *c, const uint64_t *a)
{
	if (c->p->nthreads > 1)
		kern_thread_exit(c->k, c->td);
	else
		kern_exit(c->k, c->p, (int)((a[0] & 0xff) << 8));
	return 0;
}

static int64_t
sys_exit_group(struct sc_ctx *c, const uint64_t *a)
{
	kern_exit(c->k, c->p, (int)((a[0] & 0xff) << 8));
	return 0;
}

static int64_t
sys_gettid(struct sc_ctx *c, const uint64_t *a)
{
	(void)a;
	return c->td->tid;
}

static int64_t
sys_set_tid_address(struct sc_ctx *c, const uint64_t *a)
{
	c->td->clear_child_tid = a[0];
	return c->td->tid;
}

/* Every system call ends the thread's slice: yielding is returning. */
static int64_t
sys_sched_yield(struct sc_ctx *c, const uint64_t *a)
{
	(void)c;
	(void)a;
	return 0;
}

/* futex(uaddr, op, val, timeout, uaddr2, val3) */
static int64_t
sys_futex_common(struct sc_ctx *c, const uint64_t *a, unsigned tsize)
{
	vm_offset_t uaddr = a[0];
	int op = (int)(a[1] & ~(uint64_t)(LFUTEX_PRIVATE_FLAG | LFUTEX_CLOCK_REALTIME));
	uint32_t val = (uint32_t)a[2], bitset = UINT32_MAX;
	struct thread *td = c->td;
	uint8_t w[4];

	if (uaddr & 3)
		return -EINVAL;
	switch (op) {
	case LFUTEX_WAIT_BITSET:
		bitset = (uint32_t)a[5];
		if (bitset == 0)
			return -EINVAL;
		/* FALLTHROUGH */
	case LFUTEX_WAIT:
		if (td->futex_woken) {		/* the restart after FUTEX_WAKE */
			td->futex_woken = false;
			return 0;
		}
		if (copyin(c->p, uaddr, w, 4) != 0)
			return -EFAULT;
		if ((uint32_t)sc_get_uint(c, w, 4) != val)
			return -EAGAIN;
		if (a[3] != 0) {
			uint8_t ts[16];
			unsigned half = tsize / 2;

			if (copyin(c->p, a[3], ts, tsize) != 0)
				return -EFAULT;
			if (sc_get_uint(c, ts, half) == 0 && sc_get_uint(c, ts + half, half) == 0)
				return -ETIMEDOUT;
		}
		td->futex_addr = uaddr;
		td->futex_vm = c->p->vm;
		td->futex_bitset = bitset;
		kern_sleep(c->k, td, c->p->vm);
		return -KERN_ERESTART;
	case LFUTEX_WAKE_BITSET:
		bitset = (uint32_t)a[5];
		if (bitset == 0)
			return -EINVAL;
		/* FALLTHROUGH */
	case LFUTEX_WAKE:
		return kern_futex_wake(c->k, c->p->vm, uaddr, (int)MIN(val, (uint32_t)INT32_MAX),
		    bitset);
	default:
		return -ENOSYS;
	}
}

static int64_t
sys_futex(struct sc_ctx *c, const uint64_t *a)
{
	/* struct timespec: two longs */
	return sys_futex_common(c, a, 2 * c->word);
}

static int64_t
sys_futex_time64(struct sc_ctx *c, const uint64_t *a)
{
	return sys_futex_common(c, a, 16);
}

const struct sc_def sys_thread_defs[] = {
	{ "clone3", 435, 4435, sys_clone3 },
	{ "exit", 60, 4001, sys_exit },
	{ "exit_group", 231, 4246, sys_exit_group },
	{ "gettid", 186, 4222, sys_gettid },
	{ "set_tid_address", 218, 4252, sys_set_tid_address },
	{ "sched_yield", 24, 4162, sys_sched_yield },
	{ "futex", 202, 4238, sys_futex },
	{ "futex_time64", -1, 4422, sys_futex_time64 },
};
const size_t sys_thread_ndefs = nitems(sys_thread_defs);
