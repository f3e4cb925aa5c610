/*
 * sim/machine.c — the machine: assembles physical memory, the CPUs' MMU
 * state, the kernel and the execution engines, and runs the slice loop.
 *
 * The loop is deterministic: CPUs take turns in id order, each running its
 * current thread for slice_insns instructions (whole blocks) or until the
 * thread makes a system call, faults or traps.  Kernel work happens
 * between slices (system calls, signals) or inside the MMU hooks (TLB
 * exceptions and page faults), synchronously.
 */
#include "sim/machine.h"
#include "cpu/cpu.h"
#include "mmu/mmu.h"
#include "mmu/physmem.h"
#include "mmu/view.h"
#include "sim/base/event.h"
#include "sim/base/prng.h"
#include "sim/kern/kern.h"
#include "vm/pmap.h"
#include "vm/vm_fault.h"
#include "vm/vm_map.h"
#include "vm/vm_object.h"
#include "vm/vm_page.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

struct machine {
	struct machine_config cfg;
	struct physmem pm;
	struct prng prng;
	struct mmu_cpu cpus[MACHINE_MAX_CPUS];
	struct mmu_cpu *cpu_ptrs[MACHINE_MAX_CPUS];
	struct kern kern;
	struct cpu_as *running_as;	/* the engine in a slice now, for exact PCs */
	uint64_t cpu_ctr[MACHINE_MAX_CPUS][MACHINE_NCTR];
	struct machine_proc {
		int pid;
		uint64_t c[MACHINE_NCTR];
	} procs[64];
	int nprocs;
	uint64_t sample_every, next_sample;
	void (*sampler)(void *arg, struct machine *m, uint64_t cycle);
	void *sampler_arg;
};

static struct machine_proc *machine_proc_slot(struct machine *m, int pid);

_Static_assert(MACHINE_NCTR == 1 + MMU_NCTR + 8, "machine counter table size");

const char *const machine_counter_names[MACHINE_NCTR] = {
	"cycles",
	"insns", "loads", "stores", "fetches", "tlb_hits", "tlb_misses",
	"tlb_refills", "tlb_invalid", "tlb_modified", "walks", "walk_loads",
	"page_faults",
	"pf_zero_fill", "pf_file", "pf_cow_copy", "pf_soft", "pf_failed",
	"syscalls", "syscalls_unimplemented", "signals",
};

void
machine_config_defaults(struct machine_config *c, enum sim_arch arch)
{
	memset(c, 0, sizeof(*c));
	c->arch = arch;
	c->mem_bytes = 64ull << 20;
	c->seed = 1;
	c->ncpus = 1;
	c->slice_insns = 10000;
	c->tlb_wired = 0;
	cost_defaults(&c->cost, arch);
}

char *
machine_config_json(const struct machine_config *c)
{
	size_t cap = 2048, used;
	char *s = malloc(cap);

	if (s == NULL)
		return NULL;
	used = (size_t)snprintf(s, cap,
	    "{\"arch\":\"%s\",\"mem_bytes\":%llu,\"seed\":%llu,\"cpus\":%u,"
	    "\"tlb_entries\":%u,\"tlb_wired\":%u,\"slice_insns\":%llu,"
	    "\"max_insns\":%llu,\"cost\":{",
	    sim_arch_name(c->arch), (unsigned long long)c->mem_bytes,
	    (unsigned long long)c->seed, c->ncpus, c->tlb_entries, c->tlb_wired,
	    (unsigned long long)c->slice_insns, (unsigned long long)c->max_insns);
	for (size_t i = 0; i < cost_nfields && used < cap; i++)
		used += (size_t)snprintf(s + used, cap - used, "%s\"%s\":%u",
		    i ? "," : "", cost_fields[i].name, cost_get(&c->cost, &cost_fields[i]));
	if (used < cap)
		snprintf(s + used, cap - used, "}}");
	return s;
}

/* ---- the kernel's view of the hardware ----------------------------- */

static struct cpu_as *
td_as(struct thread *td)
{
	return td->p->hw;
}

static uint64_t
hw_reg_get(void *arg, struct thread *td, enum guest_reg r)
{
	(void)arg;
	return cpu_reg_get(td_as(td), r);
}

static void
hw_reg_set(void *arg, struct thread *td, enum guest_reg r, uint64_t v)
{
	(void)arg;
	cpu_reg_set(td_as(td), r, v);
}

/*
 * Benchmark modes without the MMU hooks: fault in every page of every map
 * entry and show it in the view with the entry's rights, so Unicorn can
 * run on the frames directly.  0, or -1 when memory runs out.
 */
static int
machine_prefault(struct proc *p)
{
	struct vm_map *map = &p->vm->map;
	struct mmu_view *view = cpu_as_view(p->hw);

	for (struct vm_map_entry *e = vm_map_first(map); e != NULL; e = vm_map_next(map, e)) {
		vm_prot_t want = e->protection & (VM_PROT_READ | VM_PROT_WRITE);

		if (want == VM_PROT_NONE)
			continue;
		for (vm_offset_t va = e->start; va < e->end; va += PAGE_SIZE) {
			vm_paddr_t pa;

			if (vm_fault(map, va, want, 0) != KERN_SUCCESS)
				return -1;
			pa = pmap_extract(p->vm->pmap, va);
			if (mmu_view_show(view, va, trunc_page(pa), (want & VM_PROT_WRITE) != 0) != 0)
				return -1;
		}
	}
	return 0;
}

/* The engine's regions follow the process's map entries. */
static int
hw_map_changed(void *arg, struct proc *p)
{
	struct machine *m = arg;
	struct vm_map *map = &p->vm->map;
	struct cpu_region *r;
	struct vm_map_entry *e;
	char err[200];
	int n = 0, rv;

	if (p->hw == NULL) {
		struct cpu_as *as;

		if (cpu_as_create(&as, m->cfg.arch, &m->pm, map->max_offset,
		    (enum cpu_hooks)m->cfg.bench_hooks, err, sizeof(err)) != 0) {
			fprintf(stderr, "vmsim: cannot create an execution engine: %s\n", err);
			return -1;
		}
		p->hw = as;
	}
	r = calloc((size_t)map->nentries + 1, sizeof(*r));
	if (r == NULL)
		return -1;
	for (e = vm_map_first(map); e != NULL; e = vm_map_next(map, e)) {
		r[n].start = e->start;
		r[n].end = e->end;
		r[n].prot = e->protection;
		n++;
	}
	rv = cpu_as_set_regions(p->hw, r, n, err, sizeof(err));
	free(r);
	if (rv != 0)
		fprintf(stderr, "vmsim: cannot map the address space: %s\n", err);
	else if (m->cfg.bench_hooks != CPU_HOOKS_FULL)
		rv = machine_prefault(p);
	/* Translations of pages that left the map are gone from the TLB
	 * (pmap_remove); the micro-TLBs may still name them. */
	for (unsigned i = 0; i < m->cfg.ncpus; i++)
		mmu_utlb_flush(&m->cpus[i]);
	return rv;
}

static void
hw_console(void *arg, int fd, const void *buf, size_t len)
{
	const uint8_t *b = buf;

	(void)arg;
	while (len > 0) {
		ssize_t w = write(fd == 2 ? 2 : 1, b, len);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return;		/* host output closed: the guest cannot tell */
		b += w;
		len -= (size_t)w;
	}
}

static const struct kern_hw_ops machine_hw_ops = {
	.reg_get = hw_reg_get,
	.reg_set = hw_reg_set,
	.map_changed = hw_map_changed,
	.console = hw_console,
};

static uint64_t
machine_event_pc(void *arg)
{
	struct machine *m = arg;

	return m->running_as != NULL ? cpu_exact_pc(m->running_as) : 0;
}

/* ---- life cycle ------------------------------------------------------ */

int
machine_create(struct machine **out, const struct machine_config *c,
    char *err, size_t errlen)
{
	struct machine *m;
	struct pmap_machine pmach;
	int rv;

	*out = NULL;
	if (c->mem_bytes < (1u << 20) || c->mem_bytes > (4ull << 30) ||
	    (c->mem_bytes & PAGE_MASK)) {
		snprintf(err, errlen, "memory size %llu: must be a multiple of 4 KiB "
		    "between 1 MiB and 4 GiB", (unsigned long long)c->mem_bytes);
		return -1;
	}
	if (c->ncpus != 1) {
		snprintf(err, errlen, "%u CPUs: only 1 is supported so far", c->ncpus);
		return -1;
	}
	if (sim_arch_is_mips(c->arch) ? (c->tlb_entries > TLB_MIPS_MAX_ENTRIES ||
	    (c->tlb_entries != 0 && c->tlb_wired >= c->tlb_entries)) :
	    c->tlb_entries > TLB_AMD64_MAX_ENTRIES) {
		snprintf(err, errlen, "TLB of %u entries (%u wired): out of range",
		    c->tlb_entries, c->tlb_wired);
		return -1;
	}
	if (c->slice_insns == 0) {
		snprintf(err, errlen, "slice of 0 instructions");
		return -1;
	}
	m = calloc(1, sizeof(*m));
	if (m == NULL) {
		snprintf(err, errlen, "out of host memory");
		return -1;
	}
	m->cfg = *c;
	if ((rv = physmem_init(&m->pm, c->mem_bytes)) != 0) {
		snprintf(err, errlen, "cannot create %llu bytes of physical memory: %s",
		    (unsigned long long)c->mem_bytes, strerror(-rv));
		free(m);
		return -1;
	}
	prng_seed(&m->prng, c->seed);
	/* Frame 0 stays reserved: a zero physical address means "none". */
	vm_phys_dmap = m->pm.base;
	vm_object_init();
	vm_page_startup(c->mem_bytes, PAGE_SIZE);
	vm_fault_stats_reset();
	for (unsigned i = 0; i < c->ncpus; i++) {
		mmu_cpu_init(&m->cpus[i], (int)i, c->arch, &m->pm, &m->cfg.cost,
		    &m->prng, c->tlb_entries, c->tlb_wired);
		m->cpus[i].trap.trap = kern_trap_mmu;
		m->cpus[i].trap.arg = &m->kern;
		m->cpu_ptrs[i] = &m->cpus[i];
	}
	pmach.arch = c->arch;
	pmach.pm = &m->pm;
	pmach.cpus = m->cpu_ptrs;
	pmach.ncpus = (int)c->ncpus;
	pmap_bootstrap(&pmach);
	kern_init(&m->kern, c->arch, &m->pm, &m->prng, &machine_hw_ops, m, c->root);
	m->kern.clock_cycles = &m->cpus[0].cycles;
	event_reset();
	memset(event_context(), 0, sizeof(struct event_context));
	event_context()->pc = machine_event_pc;
	event_context()->pc_arg = m;
	event_context()->cycles = &m->cpus[0].cycles;
	*out = m;
	return 0;
}

void
machine_destroy(struct machine *m)
{
	if (m == NULL)
		return;
	for (int i = 0; i < m->kern.nprocs; i++) {
		struct proc *p = m->kern.procs[i];

		if (p != NULL) {
			cpu_as_destroy(p->hw);
			p->hw = NULL;
		}
	}
	kern_fini(&m->kern);
	physmem_fini(&m->pm);
	memset(event_context(), 0, sizeof(struct event_context));
	free(m);
}

void
machine_set_file_hook(struct machine *m,
    void (*fn)(void *arg, const char *path, const void *data, size_t len), void *arg)
{
	m->kern.vfs.loaded = fn;
	m->kern.vfs.loaded_arg = arg;
}

int
machine_spawn(struct machine *m, const char *path, const uint8_t *image,
    size_t len, int argc, char *const *argv, struct proc **out,
    char *err, size_t errlen)
{
	/* A fixed, small environment: runs must not depend on the host's. */
	static char *const envp[] = { "PATH=/bin:/usr/bin", "HOME=/", "LANG=C", NULL };

	int rv = kern_spawn(&m->kern, path, image, len, argc, argv, 3, envp, out,
	    err, errlen);

	if (rv == 0)
		(void)machine_proc_slot(m, (*out)->pid);
	return rv;
}

int
machine_exit_status(const struct proc *p)
{
	if ((p->exit_status & 0x7f) == 0)
		return (p->exit_status >> 8) & 0xff;
	return 128 + (p->exit_status & 0x7f);
}

/* ---- running ----------------------------------------------------------- */

static void
machine_check_invariants(struct machine *m, struct proc *p)
{
	char msg[256];

	if (!sim_invariants)
		return;
	if (vm_map_check(&p->vm->map, msg, sizeof(msg)) != 0)
		panic("vm_map_check (pid %d): %s", p->pid, msg);
	if (pmap_check(p->vm->pmap, msg, sizeof(msg)) != 0)
		panic("pmap_check (pid %d): %s", p->pid, msg);
	if (vm_page_check(msg, sizeof(msg)) != 0)
		panic("vm_page_check: %s", msg);
	(void)m;
}

/* The signal for a trap Unicorn reported (UNICORN-NOTES.md numbering). */
static int
machine_trap_signal(struct machine *m, int trapno, const char **why)
{
	if (m->cfg.arch == ARCH_AMD64) {
		switch (trapno) {
		case 0: *why = "divide error"; return ksig_fpe(m->cfg.arch);
		case 3: *why = "int3 breakpoint"; return KSIGTRAP;
		case -1: case 6: *why = "invalid opcode"; return KSIGILL;
		case 13: *why = "general protection"; return KSIGSEGV;
		case 0x80: *why = "int 0x80 (the i386 ABI is not supported)"; return KSIGSEGV;
		default: *why = "exception"; return KSIGSEGV;
		}
	}
	switch (trapno) {
	case 9: case 18: *why = "break"; return KSIGTRAP;
	case 22: case 13 + 100: *why = "trap instruction"; return KSIGTRAP;
	case 20: *why = "reserved instruction"; return KSIGILL;
	case 12: case 13: *why = "address error (unaligned access)"; return ksig_bus(m->cfg.arch);
	case 19: *why = "coprocessor unusable / privileged"; return KSIGILL;
	default: *why = "exception"; return KSIGILL;
	}
}

static void
machine_after_stop(struct machine *m, struct thread *td, struct mmu_cpu *cpu,
    const struct cpu_stop *stop)
{
	struct kern *k = &m->kern;
	const char *why;
	int sig;

	switch (stop->reason) {
	case CPU_STOP_BUDGET:
		break;
	case CPU_STOP_SYSCALL:
		cpu->cycles += m->cfg.cost.syscall;
		kern_syscall(k, td);
		if (!td->p->exited)
			machine_check_invariants(m, td->p);
		break;
	case CPU_STOP_FAULT:
		if (stop->fault == CPU_FAULT_REFUSED)
			break;		/* the kernel posted the signal already */
		kern_trap_segv(k, td, stop->addr, stop->access, stop->pc,
		    stop->fault == CPU_FAULT_UNMAPPED ? "no mapping" : "protection");
		break;
	case CPU_STOP_TRAP:
		sig = machine_trap_signal(m, stop->trapno, &why);
		kern_trap_other(k, td, sig, stop->pc, why);
		break;
	case CPU_STOP_ERROR:
		kern_trap_other(k, td, KSIGILL, stop->pc, stop->msg);
		break;
	}
	kern_deliver_signals(k, td);
}

static uint64_t
machine_insns(const struct machine *m)
{
	uint64_t n = 0;

	for (unsigned i = 0; i < m->cfg.ncpus; i++)
		n += m->cpus[i].c[CTR_INSNS];
	return n;
}

/* What changed since before[] happened on cpu for pid. */
static void
machine_attribute(struct machine *m, int cpu, int pid, const uint64_t *before)
{
	struct machine_proc *mp = machine_proc_slot(m, pid);
	uint64_t now[MACHINE_NCTR];

	machine_counters(m, now);
	for (int i = 0; i < MACHINE_NCTR; i++) {
		m->cpu_ctr[cpu][i] += now[i] - before[i];
		if (mp != NULL)
			mp->c[i] += now[i] - before[i];
	}
}

int
machine_run(struct machine *m, char *err, size_t errlen)
{
	struct kern *k = &m->kern;
	int next = 0;

	for (;;) {
		struct proc *p = NULL;
		struct thread *td;
		struct mmu_cpu *cpu = &m->cpus[0];
		struct cpu_stop stop;
		struct event_context *ec = event_context();
		uint64_t before[MACHINE_NCTR];

		/* Round-robin over live processes, in pid order. */
		for (int i = 0; i < k->nprocs; i++) {
			struct proc *q = k->procs[(next + i) % k->nprocs];

			if (q != NULL && !q->exited) {
				p = q;
				next = (next + i + 1) % k->nprocs;
				break;
			}
		}
		if (p == NULL) {
			if (m->sampler != NULL)
				m->sampler(m->sampler_arg, m, m->cpus[0].cycles);
			return 0;
		}
		if (m->cfg.max_insns && machine_insns(m) >= m->cfg.max_insns) {
			snprintf(err, errlen, "instruction limit (%llu) reached",
			    (unsigned long long)m->cfg.max_insns);
			for (int i = 0; i < k->nprocs; i++)
				if (k->procs[i] != NULL && !k->procs[i]->exited)
					kern_exit(k, k->procs[i], KSIGKILL);
			return -1;
		}
		td = p->td;
		if (k->curthread[cpu->id] != td) {
			k->curthread[cpu->id] = td;
			pmap_activate(p->vm->pmap, cpu);
		}
		ec->cpu = cpu->id;
		ec->pid = p->pid;
		ec->tid = td->tid;
		ec->cycles = &cpu->cycles;
		m->running_as = p->hw;
		machine_counters(m, before);
		cpu_run(p->hw, cpu, m->cfg.slice_insns, &stop);
		machine_after_stop(m, td, cpu, &stop);
		m->running_as = NULL;
		machine_attribute(m, cpu->id, p->pid, before);
		if (m->sampler != NULL && m->sample_every != 0 && cpu->cycles >= m->next_sample) {
			m->sampler(m->sampler_arg, m, cpu->cycles);
			while (m->next_sample <= cpu->cycles)
				m->next_sample += m->sample_every;
		}
		if (p->exited) {
			cpu_as_destroy(p->hw);
			p->hw = NULL;
		}
	}
}

int
machine_counter_index(const char *name)
{
	for (int i = 0; i < MACHINE_NCTR; i++)
		if (strcmp(machine_counter_names[i], name) == 0)
			return i;
	return -1;
}

void
machine_counters(const struct machine *m, uint64_t v[MACHINE_NCTR])
{
	const struct vm_fault_stats *fs = vm_fault_stats();
	int k = 1 + MMU_NCTR;

	memset(v, 0, MACHINE_NCTR * sizeof(v[0]));
	for (unsigned i = 0; i < m->cfg.ncpus; i++) {
		v[0] += m->cpus[i].cycles;
		for (int c = 0; c < MMU_NCTR; c++)
			v[1 + c] += m->cpus[i].c[c];
	}
	v[k++] = fs->zero_fill;
	v[k++] = fs->file;
	v[k++] = fs->cow_copy;
	v[k++] = fs->soft;
	v[k++] = fs->failed;
	v[k++] = m->kern.stats.syscalls;
	v[k++] = m->kern.stats.syscalls_unimplemented;
	v[k++] = m->kern.stats.signals;
}

void
machine_counters_cpu(const struct machine *m, int cpu, uint64_t v[MACHINE_NCTR])
{
	memset(v, 0, MACHINE_NCTR * sizeof(v[0]));
	if (cpu >= 0 && (unsigned)cpu < m->cfg.ncpus)
		memcpy(v, m->cpu_ctr[cpu], MACHINE_NCTR * sizeof(v[0]));
}

static struct machine_proc *
machine_proc_slot(struct machine *m, int pid)
{
	for (int i = 0; i < m->nprocs; i++)
		if (m->procs[i].pid == pid)
			return &m->procs[i];
	if (m->nprocs == (int)nitems(m->procs))
		return NULL;
	m->procs[m->nprocs].pid = pid;
	return &m->procs[m->nprocs++];
}

int
machine_counters_proc(const struct machine *m, int pid, uint64_t v[MACHINE_NCTR])
{
	for (int i = 0; i < m->nprocs; i++) {
		if (m->procs[i].pid == pid) {
			memcpy(v, m->procs[i].c, MACHINE_NCTR * sizeof(v[0]));
			return 0;
		}
	}
	return -1;
}

int
machine_pids(const struct machine *m, int *pids, int max)
{
	int n = 0;

	for (int i = 0; i < m->nprocs && n < max; i++)
		pids[n++] = m->procs[i].pid;
	return n;
}

int
machine_ncpus(const struct machine *m)
{
	return (int)m->cfg.ncpus;
}

void
machine_set_sampler(struct machine *m, uint64_t every,
    void (*fn)(void *arg, struct machine *m, uint64_t cycle), void *arg)
{
	m->sample_every = every;
	m->next_sample = every;
	m->sampler = fn;
	m->sampler_arg = arg;
}

char *
machine_counters_json(const uint64_t v[MACHINE_NCTR])
{
	size_t cap = 64 * MACHINE_NCTR, used = 0;
	char *s = malloc(cap);

	if (s == NULL)
		return NULL;
	s[used++] = '{';
	for (int i = 0; i < MACHINE_NCTR; i++)
		used += (size_t)snprintf(s + used, cap - used, "%s\"%s\":%llu", i ? "," : "",
		    machine_counter_names[i], (unsigned long long)v[i]);
	snprintf(s + used, cap - used, "}");
	return s;
}
