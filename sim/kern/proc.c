/*
 * sim/kern/proc.c — processes and address spaces: the per-ABI memory
 * layout, vmspace creation and teardown, process exit and reaping.
 */
#include "sim/kern/kern.h"
#include "sim/base/event.h"
#include "vm/pmap.h"
#include "vm/vm_object.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void
kern_layout(enum sim_arch arch, struct kern_layout *l)
{
	memset(l, 0, sizeof(*l));
	l->user_min = PAGE_SIZE;		/* page 0 is never mapped */
	l->stack_size = 8ull << 20;		/* RLIMIT_STACK default */
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

bool
ksig_default_ignored(enum sim_arch a, int sig)
{
	if (sim_arch_is_mips(a))	/* MIPS: SIGCHLD 18, SIGURG 21, SIGWINCH 20 */
		return sig == 18 || sig == 20 || sig == 21;
	return sig == 17 || sig == 23 || sig == 28;
}

const char *
ksig_name(int sig)
{
	switch (sig) {
	case KSIGILL: return "SIGILL";
	case KSIGTRAP: return "SIGTRAP";
	case KSIGABRT: return "SIGABRT";
	case 7: case 10: return "SIGBUS";	/* amd64 7, MIPS 10 */
	case 8: return "SIGFPE";
	case KSIGKILL: return "SIGKILL";
	case KSIGSEGV: return "SIGSEGV";
	default: return "signal";
	}
}

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
	vfs_init(&k->vfs, root);
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
	if (vm == NULL || --vm->refcnt > 0)
		return;
	vm_map_remove(&vm->map, vm->map.min_offset, vm->map.max_offset);
	pmap_destroy(vm->pmap);
	free(vm);
}

void
kern_exit(struct kern *k, struct proc *p, int wait_status)
{
	struct event ev;

	if (p->exited)
		return;
	p->exited = true;
	p->exit_status = wait_status;
	ev = event_make(EV_EXIT, NULL, 0);
	if ((wait_status & 0x7f) == 0)
		snprintf(ev.detail, sizeof(ev.detail), "exit %d", (wait_status >> 8) & 0xff);
	else
		snprintf(ev.detail, sizeof(ev.detail), "killed by %s",
		    ksig_name(wait_status & 0x7f));
	event_emit(&ev, 1);
	for (int c = 0; c < KERN_MAX_CPUS; c++)
		if (k->curthread[c] == p->td)
			k->curthread[c] = NULL;
	fd_close_all(p);
}

void
kern_reap(struct kern *k, struct proc *p)
{
	for (int i = 0; i < k->nprocs; i++)
		if (k->procs[i] == p)
			k->procs[i] = NULL;
	fd_close_all(p);
	vmspace_free(p->vm);
	free(p->td);
	free(p->path);
	free(p);
}
