/*
 * sim/kern/syscall.c — the Linux system-call ABI for amd64 and MIPS o32.
 *
 *   amd64: nr in rax; arguments rdi rsi rdx r10 r8 r9; result in rax,
 *          -errno on error.
 *   o32:   nr in v0 (4000 + n); arguments a0..a3, the 5th and 6th at
 *          sp+16 and sp+20; result in v0 with a3 = 0, or errno in v0
 *          with a3 = 1.
 *
 * Handlers take the arguments as 64-bit values and return a value or
 * -errno (errno numbered as on amd64; translated for MIPS on return).
 * A system call this kernel does not have returns -ENOSYS and logs a
 * syscall_unimplemented event.  Two results are never seen by the guest:
 * -KERN_ERESTART (the handler sleeps: the registers stay as they were and
 * the PC goes back to the system-call instruction, so the call runs again
 * when the thread is woken) and -KERN_EJUSTRETURN (the handler set the
 * registers itself: execve, rt_sigreturn).
 */
#include "sim/kern/sys.h"
#include "mmu/mmu.h"
#include "sim/base/event.h"
#include "sim/base/prng.h"
#include "vm/pmap.h"
#include "vm/ucred.h"
#include "vm/vm_extern.h"
#include "vm/vm_object.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum sc {
	SC_NONE, SC_MMAP, SC_MMAP2, SC_MPROTECT, SC_MUNMAP, SC_BRK,
	SC_MADVISE, SC_GETPID,
	SC_UNAME, SC_GETUID, SC_GETEUID, SC_GETGID,
	SC_GETEGID, SC_ARCH_PRCTL, SC_SET_THREAD_AREA,
	SC_SET_ROBUST_LIST, SC_RSEQ, SC_CLOCK_GETTIME, SC_CLOCK_GETTIME64,
	SC_GETTIMEOFDAY, SC_PRLIMIT64, SC_GETRLIMIT, SC_GETRANDOM,
	SC_CACHEFLUSH, SC_SETRLIMIT,
};

struct sc_entry {
	int nr;
	enum sc sc;
	const char *name;
};

static const struct sc_entry sc_amd64[] = {
	{ 9, SC_MMAP, "mmap" }, { 10, SC_MPROTECT, "mprotect" },
	{ 11, SC_MUNMAP, "munmap" }, { 12, SC_BRK, "brk" },
	{ 28, SC_MADVISE, "madvise" }, { 39, SC_GETPID, "getpid" },
	{ 63, SC_UNAME, "uname" },
	{ 96, SC_GETTIMEOFDAY, "gettimeofday" },
	{ 97, SC_GETRLIMIT, "getrlimit" }, { 102, SC_GETUID, "getuid" },
	{ 160, SC_SETRLIMIT, "setrlimit" },
	{ 104, SC_GETGID, "getgid" }, { 107, SC_GETEUID, "geteuid" },
	{ 108, SC_GETEGID, "getegid" },
	{ 158, SC_ARCH_PRCTL, "arch_prctl" },
	{ 228, SC_CLOCK_GETTIME, "clock_gettime" },
	{ 273, SC_SET_ROBUST_LIST, "set_robust_list" },
	{ 302, SC_PRLIMIT64, "prlimit64" }, { 318, SC_GETRANDOM, "getrandom" },
	{ 334, SC_RSEQ, "rseq" },
};

static const struct sc_entry sc_o32[] = {
	{ 4020, SC_GETPID, "getpid" }, { 4024, SC_GETUID, "getuid" },
	{ 4045, SC_BRK, "brk" }, { 4047, SC_GETGID, "getgid" },
	{ 4049, SC_GETEUID, "geteuid" }, { 4050, SC_GETEGID, "getegid" },
	{ 4075, SC_SETRLIMIT, "setrlimit" }, { 4076, SC_GETRLIMIT, "getrlimit" },
	{ 4078, SC_GETTIMEOFDAY, "gettimeofday" },
	{ 4090, SC_MMAP, "mmap" },
	{ 4091, SC_MUNMAP, "munmap" }, { 4122, SC_UNAME, "uname" },
	{ 4125, SC_MPROTECT, "mprotect" },
	{ 4147, SC_CACHEFLUSH, "cacheflush" },
	{ 4210, SC_MMAP2, "mmap2" },
	{ 4218, SC_MADVISE, "madvise" },
	{ 4263, SC_CLOCK_GETTIME, "clock_gettime" },
	{ 4283, SC_SET_THREAD_AREA, "set_thread_area" },
	{ 4309, SC_SET_ROBUST_LIST, "set_robust_list" },
	{ 4338, SC_PRLIMIT64, "prlimit64" }, { 4353, SC_GETRANDOM, "getrandom" },
	{ 4367, SC_RSEQ, "rseq" },
	{ 4403, SC_CLOCK_GETTIME64, "clock_gettime64" },
};

static const struct sc_entry *
sc_lookup(enum sim_arch arch, uint64_t nr)
{
	const struct sc_entry *t = arch == ARCH_AMD64 ? sc_amd64 : sc_o32;
	size_t n = arch == ARCH_AMD64 ? nitems(sc_amd64) : nitems(sc_o32);

	for (size_t i = 0; i < n; i++)
		if ((uint64_t)t[i].nr == nr)
			return &t[i];
	return NULL;
}

/* errno as the guest ABI numbers it (MIPS renumbers a few). */
static int64_t
guest_errno(enum sim_arch arch, int64_t e)
{
	if (arch == ARCH_AMD64)
		return e;
	switch (e) {
	case ENOSYS: return 89;
	case ENAMETOOLONG: return 78;
	case ENOTEMPTY: return 93;
	case ELOOP: return 90;
	case EOVERFLOW: return 79;
	default: return e;	/* the classic 1..34 agree */
	}
}

/* ---- memory ------------------------------------------------------- */

#define LMAP_SHARED		0x01
#define LMAP_PRIVATE		0x02
#define LMAP_FIXED		0x10
#define LMAP_ANON_AMD64		0x20
#define LMAP_ANON_MIPS		0x800
#define LMAP_FIXED_NOREPLACE	0x100000

/*
 * After a system call changed the map: the deep checks (sim_invariants:
 * vm_check_all panics on the first broken invariant), then the execution
 * engine's regions follow the map.  0, or -1 (the engine refused).
 */
static int
map_changed(struct sc_ctx *c)
{
	char msg[256];

	if (sim_invariants && vm_check_all(&c->p->vm->map, msg, sizeof(msg)) != 0)
		panic("%s: pid %d: %s", c->td->wmesg ? c->td->wmesg : "syscall",
		    c->p->pid, msg);
	return c->k->hw->map_changed(c->k->hw_arg, c->p);
}

/*
 * mlockall(MCL_FUTURE) is in force: wire the new mapping [s, e) as
 * mlock would (FreeBSD vm_mmap: a failure to wire is not the mapping's
 * failure; XXX: Linux would fail the mmap with EAGAIN).
 */
static void
map_wire_future(struct sc_ctx *c, vm_offset_t s, vm_offset_t e)
{
	struct vm_map *map = &c->p->vm->map;
	struct event ev;

	if ((map->flags & MAP_WIREFUTURE) == 0 || s >= e)
		return;
	if (vm_map_wire(map, s, e, VM_MAP_WIRE_USER | VM_MAP_WIRE_HOLESOK) !=
	    KERN_SUCCESS)
		return;
	ev = event_make(EV_WIRE, "wirefuture", s);
	snprintf(ev.detail, sizeof(ev.detail), "%llu bytes",
	    (unsigned long long)(e - s));
	event_emit(&ev, 0);
}

static vm_prot_t
guest_prot(int64_t prot)
{
	return (vm_prot_t)(prot & VM_PROT_ALL);
}

static int64_t
sys_mmap(struct sc_ctx *c, uint64_t addr, uint64_t len, int64_t prot, int64_t flags,
    int64_t fd, uint64_t off)
{
	struct vm_map *map = &c->p->vm->map;
	uint64_t anon = c->arch == ARCH_AMD64 ? LMAP_ANON_AMD64 : LMAP_ANON_MIPS;
	struct vm_object *obj = NULL;
	vm_prot_t max = VM_PROT_ALL;
	int cow = 0;
	vm_offset_t va;
	vm_size_t size;
	int rv;

	if (len == 0 || (off & PAGE_MASK) ||
	    ((flags & (LMAP_FIXED | LMAP_FIXED_NOREPLACE)) && (addr & PAGE_MASK)))
		return -EINVAL;
	addr = trunc_page(addr);	/* without MAP_FIXED it is only a hint */
	size = round_page(len);
	if (size < len)
		return -ENOMEM;
	if (!(flags & (LMAP_SHARED | LMAP_PRIVATE)))
		return -EINVAL;
	if (!(flags & anon) && file_cdev(fd_get(c->p, (int)fd)) != NULL) {
		/* A device with memory: its object, always shared (sys_vm.c). */
		int e = sys_vm_mmap_cdev(c, fd_get(c->p, (int)fd), size,
		    guest_prot(prot), (flags & LMAP_SHARED) != 0, off, &obj, &max);

		if (e != 0)
			return -e;
		cow = MAP_INHERIT_SHARE;
	} else if (!(flags & anon)) {
		/* A file: its vnode object, shared or copy-on-write. */
		struct file *f = fd_get(c->p, (int)fd);

		if (f == NULL)
			return -EBADF;
		if (file_vnode(f) == NULL)
			return -ENODEV;		/* a pipe, the console, a directory */
		if (!file_readable(f) || ((flags & LMAP_SHARED) &&
		    (prot & VM_PROT_WRITE) && !file_writable(f)))
			return -EACCES;
		obj = vnode_object_for(f->vp);
		if (!(flags & LMAP_SHARED))
			cow = MAP_COPY_ON_WRITE;
		else
			cow = MAP_INHERIT_SHARE;	/* shared with children too */
		if ((flags & LMAP_SHARED) && !file_writable(f))
			max = VM_PROT_READ | VM_PROT_EXECUTE;
	}
	if ((flags & anon) && (flags & LMAP_SHARED)) {
		/* Shared anonymous memory: one object from the start, which
		 * fork shares instead of copying (FreeBSD's MAP_SHARED|MAP_ANON). */
		obj = vm_object_allocate(OBJT_DEFAULT, atop(size));
		cow = MAP_INHERIT_SHARE;
	}
	if ((prot & ~(int64_t)max) & VM_PROT_ALL) {
		vm_object_deallocate(obj);
		return -EACCES;
	}
	if (flags & (LMAP_FIXED | LMAP_FIXED_NOREPLACE)) {
		va = addr;
		rv = KERN_INVALID_ADDRESS;
		if (va < map->min_offset || va + size > map->max_offset || va + size < va) {
			vm_object_deallocate(obj);
			return -ENOMEM;
		}
		if (flags & LMAP_FIXED_NOREPLACE) {
			struct vm_map_entry *e;
			if (vm_map_lookup_entry(map, va, &e) ||
			    (e->next != &map->header && e->next->start < va + size)) {
				vm_object_deallocate(obj);
				return -EEXIST;
			}
		} else {
			vm_map_remove(map, va, va + size);
		}
		rv = vm_map_insert(map, obj, off, va, va + size, guest_prot(prot), max, cow);
	} else {
		va = addr != 0 && addr >= c->k->layout.user_min ? addr : c->k->layout.mmap_base;
		rv = vm_map_find(map, obj, off, &va, size, VMFS_ANY_SPACE,
		    guest_prot(prot), max, cow);
		if (rv != KERN_SUCCESS && va != c->k->layout.mmap_base) {
			va = c->k->layout.user_min;
			rv = vm_map_find(map, obj, off, &va, size, VMFS_ANY_SPACE,
			    guest_prot(prot), max, cow);
		}
	}
	if (rv != KERN_SUCCESS) {
		vm_object_deallocate(obj);	/* the map took no reference */
		return -ENOMEM;
	}
	map_wire_future(c, va, va + size);
	if (map_changed(c) != 0)
		return -ENOMEM;
	return (int64_t)va;
}

static int64_t
sys_munmap(struct sc_ctx *c, uint64_t addr, uint64_t len)
{
	struct vm_map *map = &c->p->vm->map;

	if ((addr & PAGE_MASK) || len == 0 || addr + len < addr)
		return -EINVAL;
	if (addr < map->min_offset || addr + len > map->max_offset)
		return -EINVAL;
	vm_map_remove(map, addr, addr + round_page(len));
	return map_changed(c) == 0 ? 0 : -ENOMEM;
}

/* Every page of [start, end) is mapped. */
static bool
range_mapped(struct vm_map *map, vm_offset_t start, vm_offset_t end)
{
	struct vm_map_entry *e;
	vm_offset_t a = start;

	while (a < end) {
		if (!vm_map_lookup_entry(map, a, &e))
			return false;
		a = e->end;
	}
	return true;
}

static int64_t
sys_mprotect(struct sc_ctx *c, uint64_t addr, uint64_t len, int64_t prot)
{
	struct vm_map *map = &c->p->vm->map;
	vm_offset_t end = addr + round_page(len);
	int rv;

	if (addr & PAGE_MASK)
		return -EINVAL;
	if (len == 0)
		return 0;
	if (end < addr || !range_mapped(map, addr, end))
		return -ENOMEM;
	rv = vm_map_protect(map, addr, end, guest_prot(prot), false);
	if (rv == KERN_PROTECTION_FAILURE)
		return -EACCES;
	if (rv != KERN_SUCCESS)
		return -ENOMEM;
	return map_changed(c) == 0 ? 0 : -ENOMEM;
}

static int64_t
sys_brk(struct sc_ctx *c, uint64_t addr)
{
	struct vmspace *vm = c->p->vm;
	vm_offset_t old_end = round_page(vm->brk), new_end = round_page(addr);

	if (addr < vm->brk_base || addr >= vm->map.max_offset)
		return (int64_t)vm->brk;
	if (new_end > old_end) {
		if (vm_map_insert(&vm->map, NULL, 0, old_end, new_end,
		    VM_PROT_READ | VM_PROT_WRITE, VM_PROT_ALL, 0) != KERN_SUCCESS)
			return (int64_t)vm->brk;	/* collides: brk fails */
		map_wire_future(c, old_end, new_end);
	} else if (new_end < old_end) {
		vm_map_remove(&vm->map, new_end, old_end);
	}
	vm->brk = addr;
	if (new_end != old_end && map_changed(c) != 0)
		return -ENOMEM;
	return (int64_t)vm->brk;
}

#define LMADV_DONTNEED 4

static int64_t
sys_madvise(struct sc_ctx *c, uint64_t addr, uint64_t len, int64_t advice)
{
	struct vm_map *map = &c->p->vm->map;
	vm_offset_t end = addr + round_page(len);

	if (addr & PAGE_MASK || end < addr)
		return -EINVAL;
	if (advice != LMADV_DONTNEED)
		return 0;	/* advice only: ignoring it is correct */
	if (!range_mapped(map, addr, end))
		return -ENOMEM;
	/* Drop the pages: the next touch sees zeros (anonymous memory) or
	 * the file again (private file mappings); see vm_map.h for what
	 * stays (shared pages, wired entries). */
	(void)vm_map_madvise_dontneed(map, addr, end);
	return map_changed(c) == 0 ? 0 : -ENOMEM;
}

/* ---- identity, time, limits -------------------------------------- */

static int64_t
sys_uname(struct sc_ctx *c, vm_offset_t buf)
{
	char u[6][65];

	memset(u, 0, sizeof(u));
	snprintf(u[0], 65, "Linux");
	snprintf(u[1], 65, "vmsim");
	snprintf(u[2], 65, "6.1.0-vmsim");
	snprintf(u[3], 65, "#1 SMP vmsim");
	snprintf(u[4], 65, "%s", c->arch == ARCH_AMD64 ? "x86_64" : "mips");
	snprintf(u[5], 65, "(none)");
	return copyout(c->p, u, buf, sizeof(u)) ? -EFAULT : 0;
}

static uint64_t
now_ns(const struct sc_ctx *c)
{
	uint64_t cyc = c->k->clock_cycles ? *c->k->clock_cycles : 0;

	return cyc * (1000000000ull / c->k->cpu_hz);
}

/* A timespec/timeval of two fields of field_bytes each. */
static int64_t
copyout_time(const struct sc_ctx *c, vm_offset_t uva, uint64_t sec, uint64_t frac,
    unsigned field_bytes)
{
	uint8_t b[16];

	sc_put_uint(c, b, sec, field_bytes);
	sc_put_uint(c, b + field_bytes, frac, field_bytes);
	return copyout(c->p, b, uva, 2 * field_bytes) ? -EFAULT : 0;
}

static int64_t
sys_clock_gettime(struct sc_ctx *c, int64_t clk, vm_offset_t ts, unsigned field_bytes)
{
	/* Epoch for CLOCK_REALTIME: a fixed date (2020-01-01), so runs are
	 * reproducible; every clock advances with CPU 0's cycles. */
	uint64_t ns = now_ns(c) + (clk == 0 ? 1577836800ull * 1000000000ull : 0);

	if (clk < 0 || clk > 11)
		return -EINVAL;
	return copyout_time(c, ts, ns / 1000000000ull, ns % 1000000000ull, field_bytes);
}

static int64_t
sys_gettimeofday(struct sc_ctx *c, vm_offset_t tv)
{
	uint64_t ns = now_ns(c) + 1577836800ull * 1000000000ull;

	if (tv == 0)
		return 0;
	return copyout_time(c, tv, ns / 1000000000ull, (ns % 1000000000ull) / 1000,
	    c->word);
}

/* Set limit r (kernel numbering) of the caller: only root raises the hard
 * limit; RLIMIT_SWAP lives in the credential.  0, -EINVAL or -EPERM. */
static int64_t
rlimit_set(struct sc_ctx *c, int r, uint64_t cur, uint64_t max)
{
	struct rlimit64 *rl = &c->p->rlim[r];

	if (cur > max)
		return -EINVAL;
	if (max > rl->max && c->p->uid != 0)
		return -EPERM;
	if (r == KRLIMIT_SWAP) {
		kern_set_swap_limit(c->p, cur, max);
	} else {
		rl->cur = cur;
		rl->max = max;
	}
	return 0;
}

static int64_t
sys_prlimit64(struct sc_ctx *c, int64_t pid, int64_t res, vm_offset_t newp, vm_offset_t oldp)
{
	struct rlimit64 *rl;
	uint8_t b[16];
	int r = krlimit_from_guest(c->arch, res);

	if (pid != 0 && pid != c->p->pid)
		return -ESRCH;
	if (r < 0)
		return -EINVAL;
	rl = &c->p->rlim[r];
	if (oldp != 0) {
		sc_put_uint(c, b, rl->cur, 8);
		sc_put_uint(c, b + 8, rl->max, 8);
		if (copyout(c->p, b, oldp, 16) != 0)
			return -EFAULT;
	}
	if (newp != 0) {
		uint64_t cur, max;

		if (copyin(c->p, newp, b, 16) != 0)
			return -EFAULT;
		cur = sc_get_uint(c, b, 8);
		max = sc_get_uint(c, b + 8, 8);
		return rlimit_set(c, r, cur, max);
	}
	return 0;
}

/* setrlimit(res, rlim): o32 32-bit fields with RLIM_INFINITY 0x7fffffff
 * (as getrlimit), amd64 64-bit ones. */
static int64_t
sys_setrlimit(struct sc_ctx *c, int64_t res, vm_offset_t newp)
{
	uint64_t inf = c->arch == ARCH_AMD64 ? UINT64_MAX : 0x7fffffffull;
	int r = krlimit_from_guest(c->arch, res);
	uint64_t cur, max;
	uint8_t b[16];

	if (r < 0)
		return -EINVAL;
	if (copyin(c->p, newp, b, 2 * c->word) != 0)
		return -EFAULT;
	cur = sc_get_uint(c, b, c->word);
	max = sc_get_uint(c, b + c->word, c->word);
	if (cur >= inf)
		cur = UINT64_MAX;
	if (max >= inf)
		max = UINT64_MAX;
	return rlimit_set(c, r, cur, max);
}

static int64_t
sys_getrlimit(struct sc_ctx *c, int64_t res, vm_offset_t oldp)
{
	/* o32 uses 32-bit fields with RLIM_INFINITY 0x7fffffff. */
	uint64_t inf = c->arch == ARCH_AMD64 ? UINT64_MAX : 0x7fffffffull;
	struct rlimit64 *rl;
	uint8_t b[16];
	int r = krlimit_from_guest(c->arch, res);

	if (r < 0)
		return -EINVAL;
	rl = &c->p->rlim[r];
	sc_put_uint(c, b, MIN(rl->cur, inf), c->word);
	sc_put_uint(c, b + c->word, MIN(rl->max, inf), c->word);
	return copyout(c->p, b, oldp, 2 * c->word) ? -EFAULT : 0;
}

static int64_t
sys_getrandom(struct sc_ctx *c, vm_offset_t buf, uint64_t len)
{
	uint8_t chunk[256];
	uint64_t done = 0;

	len = MIN(len, 33554431ull);
	while (done < len) {
		size_t n = (size_t)MIN(len - done, sizeof(chunk));

		for (size_t i = 0; i < n; i++)
			chunk[i] = (uint8_t)prng_next(c->k->prng);
		if (copyout(c->p, chunk, buf + done, n) != 0)
			return done ? (int64_t)done : -EFAULT;
		done += n;
	}
	return (int64_t)done;
}

/*
 * cacheflush(addr, nbytes, cache) (MIPS): make the I-cache coherent with
 * memory for the range, as pmap_sync_icache does: each resident page's
 * lines are written back from the D-cache and dropped from the I-cache
 * of the CPU the caller runs on.  The cache argument (ICACHE, DCACHE,
 * BCACHE) is accepted as Linux does: every choice syncs both.
 */
static int64_t
sys_cacheflush(struct sc_ctx *c, vm_offset_t addr, uint64_t len)
{
	struct mmu_cpu *cpu = NULL;
	vm_offset_t va = addr, end = addr + len;

	if (end < addr)
		return -EINVAL;
	for (int i = 0; i < c->k->ncpus; i++)
		if (c->k->curthread[i] == c->td)
			cpu = c->k->cpus[i];
	if (cpu == NULL)
		return -EINVAL;
	while (va < end) {
		vm_offset_t n = MIN(end - va, PAGE_SIZE - (va & PAGE_MASK));
		vm_paddr_t pa = pmap_extract(c->p->vm->pmap, va);

		if (pa == 0)
			return -EFAULT;
		mmu_icache_sync(cpu, va, pa, n, "cacheflush");
		va += n;
	}
	return 0;
}

/* ---- dispatch ------------------------------------------------------- */

static int64_t
sc_unimplemented(struct sc_ctx *c, uint64_t nr, const char *name)
{
	struct event ev = event_make(EV_SYSCALL_UNIMPLEMENTED, name, 0);

	snprintf(ev.detail, sizeof(ev.detail), "nr=%llu%s%s",
	    (unsigned long long)nr, name ? " " : "", name ? name : "");
	event_emit(&ev, 0);
	c->k->stats.syscalls_unimplemented++;
	return -ENOSYS;
}

/* The modules' tables, consulted before this file's own. */
static const struct {
	const struct sc_def *defs;
	const size_t *n;
} sc_modules[] = {
	{ sys_vm_defs, &sys_vm_ndefs },
	{ sys_proc_defs, &sys_proc_ndefs },
	{ sys_thread_defs, &sys_thread_ndefs },
	{ sys_file_defs, &sys_file_ndefs },
	{ sys_ptrace_defs, &sys_ptrace_ndefs },
};

static const struct sc_def *
sc_module_lookup(enum sim_arch arch, uint64_t nr)
{
	for (size_t m = 0; m < nitems(sc_modules); m++)
		for (size_t i = 0; i < *sc_modules[m].n; i++) {
			const struct sc_def *d = &sc_modules[m].defs[i];

			if ((uint64_t)(arch == ARCH_AMD64 ? d->nr_amd64 : d->nr_o32) == nr &&
			    (arch == ARCH_AMD64 ? d->nr_amd64 : d->nr_o32) >= 0)
				return d;
		}
	return NULL;
}

static int64_t
sc_dispatch(struct sc_ctx *c, uint64_t nr, const uint64_t *a)
{
	const struct sc_def *d = sc_module_lookup(c->arch, nr);
	const struct sc_entry *e;

	/* The call's name is also why its TLB invalidations happen
	 * (kern_syscall restores the previous reason). */
	if (d != NULL) {
		c->td->wmesg = d->name;
		(void)pmap_reason_set(d->name);
		return d->fn(c, a);
	}
	e = sc_lookup(c->arch, nr);
	c->td->wmesg = e != NULL ? e->name : "syscall";
	(void)pmap_reason_set(c->td->wmesg);
	struct thread *td = c->td;
	const struct kern_hw_ops *hw = c->k->hw;

	if (e == NULL)
		return sc_unimplemented(c, nr, NULL);
	switch (e->sc) {
	case SC_MMAP:
		return sys_mmap(c, a[0], a[1], (int64_t)a[2], (int64_t)a[3],
		    (int64_t)a[4], a[5]);
	case SC_MMAP2:
		return sys_mmap(c, a[0], a[1], (int64_t)a[2], (int64_t)a[3],
		    (int64_t)a[4], a[5] << 12);
	case SC_MUNMAP:
		return sys_munmap(c, a[0], a[1]);
	case SC_MPROTECT:
		return sys_mprotect(c, a[0], a[1], (int64_t)a[2]);
	case SC_BRK:
		return sys_brk(c, a[0]);
	case SC_MADVISE:
		return sys_madvise(c, a[0], a[1], (int64_t)a[2]);
	case SC_GETPID:
		return c->p->pid;
	case SC_GETUID: case SC_GETEUID:
		return c->p->uid;
	case SC_GETGID: case SC_GETEGID:
		return c->p->gid;
	case SC_UNAME:
		return sys_uname(c, a[0]);
	case SC_ARCH_PRCTL:
		if (a[0] == 0x1002) {		/* ARCH_SET_FS */
			hw->reg_set(c->k->hw_arg, td, GREG_X86_FS_BASE, a[1]);
			return 0;
		}
		if (a[0] == 0x1003)		/* ARCH_GET_FS */
			return sc_copyout_uint(c, a[1],
			    hw->reg_get(c->k->hw_arg, td, GREG_X86_FS_BASE), 8);
		return -EINVAL;
	case SC_SET_THREAD_AREA:
		hw->reg_set(c->k->hw_arg, td, GREG_MIPS_USERLOCAL, a[0]);
		return 0;
	case SC_SET_ROBUST_LIST:
		return 0;	/* the list matters only when threads die */
	case SC_CLOCK_GETTIME:
		return sys_clock_gettime(c, (int64_t)a[0], a[1], c->word);
	case SC_CLOCK_GETTIME64:
		return sys_clock_gettime(c, (int64_t)a[0], a[1], 8);
	case SC_GETTIMEOFDAY:
		return sys_gettimeofday(c, a[0]);
	case SC_PRLIMIT64:
		return sys_prlimit64(c, (int64_t)a[0], (int64_t)a[1], a[2], a[3]);
	case SC_GETRLIMIT:
		return sys_getrlimit(c, (int64_t)a[0], a[1]);
	case SC_SETRLIMIT:
		return sys_setrlimit(c, (int64_t)a[0], a[1]);
	case SC_GETRANDOM:
		return sys_getrandom(c, a[0], a[1]);
	case SC_CACHEFLUSH:
		return sys_cacheflush(c, a[0], a[1]);
	case SC_RSEQ:
	case SC_NONE:
		break;
	}
	return sc_unimplemented(c, nr, e->name);
}

void
kern_syscall(struct kern *k, struct thread *td)
{
	const struct kern_hw_ops *hw = k->hw;
	struct sc_ctx c = {
		.k = k, .td = td, .p = td->p, .arch = k->arch,
		.be = k->arch == ARCH_MIPS,
		.word = k->arch == ARCH_AMD64 ? 8 : 4,
	};
	uint64_t a[6], nr;
	int64_t r;
	const char *oreason;

	k->stats.syscalls++;
	td->p->nsyscalls++;
	ucred_set_current(td->p->cred);		/* charges go to the caller */
	if (k->arch == ARCH_AMD64) {
		static const enum guest_reg regs[6] = {
			GREG_X86_RDI, GREG_X86_RSI, GREG_X86_RDX,
			GREG_X86_R10, GREG_X86_R8, GREG_X86_R9,
		};
		nr = hw->reg_get(k->hw_arg, td, GREG_X86_RAX);
		for (int i = 0; i < 6; i++)
			a[i] = hw->reg_get(k->hw_arg, td, regs[i]);
	} else {
		static const enum guest_reg regs[4] = {
			GREG_MIPS_A0, GREG_MIPS_A1, GREG_MIPS_A2, GREG_MIPS_A3,
		};
		uint64_t sp = hw->reg_get(k->hw_arg, td, GREG_SP);
		uint8_t st[8];

		nr = hw->reg_get(k->hw_arg, td, GREG_MIPS_V0);
		for (int i = 0; i < 4; i++)
			a[i] = hw->reg_get(k->hw_arg, td, regs[i]);
		/* Arguments 5 and 6 live on the user stack; a bad stack
		 * reads as zeros (the call then fails on its own terms). */
		if (copyin(td->p, sp + 16, st, 8) == 0) {
			a[4] = sc_get_uint(&c, st, 4);
			a[5] = sc_get_uint(&c, st + 4, 4);
		} else {
			a[4] = a[5] = 0;
		}
	}
	/* The system-call exception saves a trapframe on the kernel stack. */
	if (kern_trap_enter(k, NULL, td) != 0)
		return;		/* kernel panic: the machine stops */
	oreason = pmap_reason_set("syscall");
	r = sc_dispatch(&c, nr, a);
	(void)pmap_reason_set(oreason);
	kern_trap_leave(k, NULL, td);
	if (td->p->exited || r == -KERN_EJUSTRETURN)
		return;		/* the handler set the registers (execve, sigreturn) */
	if (r == -KERN_ERESTART) {
		/* Sleeping: the call runs again, from the start, when the
		 * thread is woken.  Its number and arguments are still in
		 * the registers (nothing was written); the PC goes back to
		 * the system-call instruction (MIPS syscall 4 bytes, amd64
		 * syscall 2). */
		uint64_t pc = hw->reg_get(k->hw_arg, td, GREG_PC);

		KASSERT(td->wchan != NULL, ("%s: restart without sleeping",
		    td->wmesg ? td->wmesg : "syscall"));
		hw->reg_set(k->hw_arg, td, GREG_PC, pc - (k->arch == ARCH_AMD64 ? 2 : 4));
		return;
	}
	if (k->arch == ARCH_AMD64) {
		hw->reg_set(k->hw_arg, td, GREG_X86_RAX, (uint64_t)r);
	} else if (r < 0 && r > -4096) {
		hw->reg_set(k->hw_arg, td, GREG_MIPS_V0, (uint64_t)guest_errno(k->arch, -r));
		hw->reg_set(k->hw_arg, td, GREG_MIPS_A3, 1);
	} else {
		hw->reg_set(k->hw_arg, td, GREG_MIPS_V0, (uint64_t)r);
		hw->reg_set(k->hw_arg, td, GREG_MIPS_A3, 0);
	}
}
