/*
 * tests/unit/kern/test_vmspace.c — the kernel's address-space references
 * and credentials (sim/kern/proc.c; VM-SPEC.md "Address spaces" and "Swap
 * accounting"), on a real kernel over the real VM and pmap, without a
 * machine or an execution engine (the hardware ops are stubs):
 *
 *  - VM-SPEC scenario: a debugger holds a reference while the tracee
 *    exits; teardown happens at the debugger's vmspace_free, and
 *    vmspace_acquire_ref on the zombie returns NULL;
 *  - a live process's vmspace_acquire_ref adds a reference that only
 *    delays the teardown;
 *  - the swap charge of a process's mapping is made to its credential's
 *    uid and given back at teardown; setuid moves later charges to the
 *    new uid; RLIMIT_SWAP (kern_set_swap_limit) with overcommit bit 1
 *    refuses a charge over it, and a credential shared by fork is copied
 *    first, so the other holder keeps its limit;
 *  - kern_limits_init sets RLIMIT_MEMLOCK to a third of free memory and
 *    krlimit_from_guest renumbers MIPS resources.
 */
#include "tests/tap.h"
#include "sim/kern/kern.h"
#include "mmu/cost.h"
#include "mmu/mmu.h"
#include "mmu/physmem.h"
#include "sim/base/prng.h"
#include "vm/pmap.h"
#include "vm/swap_pager.h"
#include "vm/ucred.h"
#include "vm/vm_object.h"
#include "vm/vm_page.h"

#include <stdlib.h>
#include <string.h>

static int
stub_map_changed(void *arg, struct proc *p)
{
	(void)arg;
	(void)p;
	return 0;
}

static void
stub_engine_drop(void *arg, struct proc *p)
{
	(void)arg;
	p->hw = NULL;
}

static void
stub_ctx_free(void *arg, void *ctx)
{
	(void)arg;
	(void)ctx;
}

static const struct kern_hw_ops stub_ops = {
	.map_changed = stub_map_changed,
	.engine_drop = stub_engine_drop,
	.ctx_free = stub_ctx_free,
};

static struct physmem pm;
static struct prng prng;
static struct mmu_cpu cpu;
static struct cost_table cost;
static struct kern k;

static void
boot(void)
{
	static struct mmu_cpu *cpus[1] = { &cpu };	/* pmap keeps it */
	struct pmap_machine pmach = { ARCH_AMD64, &pm, cpus, 1 };

	if (physmem_init(&pm, 8u << 20) != 0)
		abort();
	prng_seed(&prng, 1);
	vm_phys_dmap = pm.base;
	vm_object_init();
	vm_page_startup(8u << 20, PAGE_SIZE);
	swap_accounting_init();
	cost_defaults(&cost, ARCH_AMD64);
	mmu_cpu_init(&cpu, 0, ARCH_AMD64, &pm, &cost, &prng, 0, 0);
	pmap_bootstrap(&pmach);
	kern_init(&k, ARCH_AMD64, &pm, &prng, &stub_ops, NULL, NULL);
	kern_limits_init(&k, ptoa((uint64_t)vm_phys_free_count()));
}

/* A process with a fresh address space, as kern_spawn makes one (no
 * program: the tests map what they need). */
static struct proc *
proc_new(uint32_t uid)
{
	struct proc *p = calloc(1, sizeof(*p));
	int slot = kern_proc_slot(&k);

	if (p == NULL || slot < 0 || (p->td = calloc(1, sizeof(*p->td))) == NULL ||
	    (p->path = strdup("/test")) == NULL)
		abort();
	p->pid = k.nextpid++;
	p->td->p = p;
	p->td->tid = p->pid;
	p->td->lastcpu = -1;
	p->threads = p->td;		/* no kernel stack: none is needed here */
	p->nthreads = 1;
	p->arch = ARCH_AMD64;
	memcpy(p->rlim, k.rlim0, sizeof(p->rlim));
	p->uid = uid;
	p->cred = crget(uid);
	fd_init(p);
	p->vm = vmspace_alloc(&k);
	if (p->vm == NULL)
		abort();
	k.procs[slot] = p;
	return p;
}

/* Map npages of anonymous RW memory at va in p (charged to the current
 * credential) and touch each page.  KERN_* of the insert. */
static int
proc_map(struct proc *p, vm_offset_t va, int npages)
{
	uint8_t b = 0x5a;
	int rv;

	ucred_set_current(p->cred);
	rv = vm_map_insert(&p->vm->map, NULL, 0, va, va + ptoa(npages),
	    VM_PROT_READ | VM_PROT_WRITE, VM_PROT_ALL, 0);
	if (rv != KERN_SUCCESS)
		return rv;
	for (int i = 0; i < npages; i++)
		if (copyout(p, &b, va + ptoa(i), 1) != 0)
			return KERN_FAILURE;
	return KERN_SUCCESS;
}

static void
test_acquire_ref_on_exit(void)
{
	unsigned long free0, objs0;
	struct proc *tracee;
	struct vmspace *vm, *held, *again;

	free0 = vm_phys_free_count();
	objs0 = vm_object_count();
	tracee = proc_new(0);
	ok(proc_map(tracee, 0x400000, 6) == KERN_SUCCESS, "tracee maps 6 pages");
	vm = tracee->vm;
	held = vmspace_acquire_ref(tracee);
	ok(held == vm && vm->refcnt == 2, "debugger: acquire_ref on the live "
	    "tracee gives its vmspace (refcnt %d)", vm->refcnt);
	kern_exit(&k, tracee, 0);
	ok(tracee->exited && tracee->vm == NULL && vm->refcnt == 1 &&
	    vm->map.nentries == 1 && vm_object_count() == objs0 + 1,
	    "tracee exits: its vmspace lives on for the debugger (refcnt %d, %d "
	    "entries)", vm->refcnt, vm->map.nentries);
	again = vmspace_acquire_ref(tracee);
	ok(again == NULL && vm->refcnt == 1,
	    "acquire_ref on the zombie returns NULL and takes no reference");
	ok(vm_phys_free_count() < free0, "the zombie's pages are still allocated");
	vmspace_free(held);
	ok(vm_phys_free_count() == free0 && vm_object_count() == objs0,
	    "teardown happens at the debugger's vmspace_free (free pages %lu of "
	    "%lu, objects %lu)", vm_phys_free_count(), free0, vm_object_count());
	kern_reap(&k, tracee);
	ok(vm_phys_free_count() == free0, "reaping the zombie frees nothing more");
}

static void
test_live_ref(void)
{
	unsigned long free0 = vm_phys_free_count();
	struct proc *p = proc_new(0);
	struct vmspace *vm, *ref;

	ok(proc_map(p, 0x400000, 3) == KERN_SUCCESS, "live: maps 3 pages");
	vm = p->vm;
	ref = vmspace_acquire_ref(p);
	vmspace_free(ref);
	ok(vm->refcnt == 1 && vm->map.nentries == 1,
	    "live: acquire_ref + vmspace_free leave the space as it was");
	kern_exit(&k, p, 0);
	ok(vm_phys_free_count() == free0, "live: exit with no other holder tears "
	    "the space down at once");
	kern_reap(&k, p);
}

static void
test_cred_charges(void)
{
	struct proc *p, *child;
	vm_ooffset_t r0 = swap_reserved();
	unsigned long creds0 = ucred_count();
	int rv;

	p = proc_new(1000);
	rv = proc_map(p, 0x400000, 10);
	ok(rv == KERN_SUCCESS && swap_reserved_by_uid(1000) == ptoa(10) &&
	    swap_reserved() == r0 + ptoa(10),
	    "a uid-1000 process's 10-page RW mapping reserves 40 KiB for uid 1000 "
	    "(%llu)", (unsigned long long)swap_reserved_by_uid(1000));
	vm_map_remove(&p->vm->map, 0x400000, 0x400000 + ptoa(10));
	ok(swap_reserved_by_uid(1000) == 0 && swap_reserved() == r0,
	    "unmapping it gives the 40 KiB back");

	/* setuid: later charges are the new uid's. */
	ok(proc_map(p, 0x400000, 2) == KERN_SUCCESS, "uid 1000 maps 2 pages");
	kern_setuid(p, 1001);
	ok(p->uid == 1001 && p->cred->uid == 1001 && proc_map(p, 0x800000, 3) ==
	    KERN_SUCCESS && swap_reserved_by_uid(1000) == ptoa(2) &&
	    swap_reserved_by_uid(1001) == ptoa(3),
	    "after setuid(1001) a new mapping is charged to 1001; the old one "
	    "stays 1000's");

	/* RLIMIT_SWAP, enforced with overcommit bit 1. */
	child = proc_new(1001);
	crfree(child->cred);
	child->cred = crhold(p->cred);		/* as fork shares it */
	swap_set_overcommit(SWAP_RESERVE_RLIMIT_ON);
	kern_set_swap_limit(p, ptoa(5), ptoa(5));
	ok(p->cred != child->cred && p->cred->swap_limit == ptoa(5) &&
	    child->cred->swap_limit == UCRED_NOLIMIT,
	    "RLIMIT_SWAP on a shared credential copies it first");
	ok(proc_map(p, 0xc00000, 3) == KERN_RESOURCE_SHORTAGE &&
	    swap_reserve_failures() >= 1,
	    "a charge over RLIMIT_SWAP (3 + 3 pages > 5) is refused");
	ok(proc_map(p, 0xc00000, 2) == KERN_SUCCESS, "one within it is not");
	ok(proc_map(child, 0x400000, 4) == KERN_SUCCESS,
	    "the other holder keeps its own (unlimited) RLIMIT_SWAP");
	swap_set_overcommit(0);
	kern_exit(&k, child, 0);
	kern_reap(&k, child);
	kern_exit(&k, p, 0);
	kern_reap(&k, p);
	ok(swap_reserved_by_uid(1000) == 0 && swap_reserved_by_uid(1001) == 0 &&
	    swap_reserved() == r0 && ucred_count() == creds0,
	    "exit and reap give every charge and credential back");
}

static void
test_limits(void)
{
	uint64_t free_bytes = ptoa((uint64_t)vm_phys_free_count());
	struct kern k2;

	kern_init(&k2, ARCH_MIPS, &pm, &prng, &stub_ops, NULL, NULL);
	kern_limits_init(&k2, free_bytes);
	ok(k2.rlim0[KRLIMIT_MEMLOCK].cur == (free_bytes & ~(uint64_t)PAGE_MASK) / 3 &&
	    k2.rlim0[KRLIMIT_STACK].cur == VM_DFLSSIZ &&
	    k2.rlim0[KRLIMIT_SWAP].cur == UINT64_MAX &&
	    k2.rlim0[KRLIMIT_NOFILE].cur == 1024 && vm_page_max_wired() ==
	    atop(free_bytes) / 3,
	    "kern_limits_init: MEMLOCK = free / 3, STACK 8 MiB, SWAP infinite, "
	    "the wired cap = free pages / 3");
	ok(krlimit_from_guest(ARCH_MIPS, 9) == KRLIMIT_MEMLOCK &&
	    krlimit_from_guest(ARCH_MIPS, 5) == KRLIMIT_NOFILE &&
	    krlimit_from_guest(ARCH_MIPSEL, 6) == KRLIMIT_AS &&
	    krlimit_from_guest(ARCH_AMD64, 8) == KRLIMIT_MEMLOCK &&
	    krlimit_from_guest(ARCH_AMD64, 16) == KRLIMIT_SWAP &&
	    krlimit_from_guest(ARCH_MIPS, 3) == KRLIMIT_STACK &&
	    krlimit_from_guest(ARCH_AMD64, 17) == -1 &&
	    krlimit_from_guest(ARCH_AMD64, -1) == -1,
	    "krlimit_from_guest: MIPS 5..9 renumbered, 16 is RLIMIT_SWAP");
	kern_fini(&k2);
}

int
main(void)
{
	boot();
	test_acquire_ref_on_exit();
	test_live_ref();
	test_cred_charges();
	test_limits();
	kern_fini(&k);
	return tap_done();
}
