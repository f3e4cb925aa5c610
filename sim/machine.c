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
#include "sim/kern/malloc.h"
#include "vm/pmap.h"
#include "vm/swap_pager.h"
#include "vm/vm_pageout.h"
#include "vm/ucred.h"
#include "vm/vm_fault.h"
#include "vm/vm_kern.h"
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
	struct proc *running_proc;	/* whose slice it is (NULL between slices) */
	uint64_t last_key[MACHINE_MAX_CPUS];	/* per CPU: the thread it ran last
						   (machine_td_key), round-robin */
	unsigned next_cpu;		/* whose turn it is */
	vm_offset_t pcpu_page[MACHINE_MAX_CPUS];	/* per-CPU pages (SMP) */
	struct cache l2_shared;		/* when cfg.l2_shared */
	struct din_sink *din;		/* --din, or NULL */
	uint64_t cpu_ctr[MACHINE_MAX_CPUS][MACHINE_NCTR];
	struct machine_proc {
		int pid;
		uint64_t c[MACHINE_NCTR];
	} procs[64];
	int nprocs;
	uint64_t sample_every, next_sample;
	void (*sampler)(void *arg, struct machine *m, uint64_t cycle);
	void *sampler_arg;
	/* The Lua API's controls (sim/lua.c; functions at the end). */
	bool pause;			/* machine_pause: machine_run returns 1 before the next slice */
	uint64_t pause_at;		/* machine_step: ... once this many insns ran (0: off) */
	void (*slice_hook)(void *arg, struct machine *m);	/* after every slice */
	void *slice_hook_arg;
	void (*console_fn)(void *arg, int pid, int fd, const void *buf, size_t len);
	void *console_arg;
	struct kern_hw_ops console_ops;	/* the kernel's ops with console replaced */
	const struct kern_hw_ops *hw_ops;	/* the ops before that */
};

static struct machine_proc *machine_proc_slot(struct machine *m, int pid);

_Static_assert(MACHINE_NCTR == 1 + MMU_NCTR + 10, "machine counter table size");
_Static_assert(KERN_NGREGS == CPU_NGREGS, "the kernel's and the CPU's register vectors");
_Static_assert(KERN_BUG_KSTACK_OVERFLOW == MACHINE_BUG_KSTACK_OVERFLOW, "the kernel's and the machine's knob bits");

const char *const machine_counter_names[MACHINE_NCTR] = {
	"cycles",
	"insns", "loads", "stores", "fetches", "tlb_hits", "tlb_misses", "tlb_l2_hits",
	"tlb_refills", "tlb_invalid", "tlb_modified", "walks", "walk_loads",
	"page_faults",
	"l1i_accesses", "l1i_misses", "l1d_accesses", "l1d_misses",
	"l2_accesses", "l2_misses", "writebacks", "stale_ifetch", "icache_syncs",
	"uncached", "wc",
	"pf_zero_fill", "pf_file", "pf_cow_copy", "pf_soft", "pf_failed",
	"syscalls", "syscalls_unimplemented", "signals",
	"swap_reserved", "swap_reserve_fail",
};

/* The counters that are levels, not monotonic counts (swap_reserved):
 * every scope shows the machine's value at the time. */
#define MACHINE_CTR_SWAP_RESERVED	(1 + MMU_NCTR + 8)
static bool
machine_counter_is_level(int i)
{
	return i == MACHINE_CTR_SWAP_RESERVED;
}

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
	memguard_config_defaults(&c->memguard);
	cost_defaults(&c->cost, arch);
	/* MIPS: 32 KiB 4-way L1s with 32-byte lines (24K/74K-like) and a
	 * 256 KiB L2; amd64: 32 KiB 8-way L1s and a 1 MiB L2, 64-byte lines. */
	if (sim_arch_is_mips(arch)) {
		c->l1i = (struct cache_geom){ 32 << 10, 4, 32, CACHE_LRU };
		c->l1d = (struct cache_geom){ 32 << 10, 4, 32, CACHE_LRU };
		c->l2 = (struct cache_geom){ 256 << 10, 8, 32, CACHE_LRU };
	} else {
		struct tlb_amd64_geom g;

		c->l1i = (struct cache_geom){ 32 << 10, 8, 64, CACHE_LRU };
		c->l1d = (struct cache_geom){ 32 << 10, 8, 64, CACHE_LRU };
		c->l2 = (struct cache_geom){ 1 << 20, 16, 64, CACHE_LRU };
		tlb_amd64_geom_default(&g);
		c->itlb = g.small[TLB_AMD64_ITLB];
		c->dtlb = g.small[TLB_AMD64_DTLB];
		c->stlb = g.small[TLB_AMD64_STLB];
	}
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
	    "\"max_insns\":%llu,\"swap_bytes\":%llu,\"overcommit\":%u,\"uid\":%u,"
	    "\"bugs\":%u,",
	    sim_arch_name(c->arch), (unsigned long long)c->mem_bytes,
	    (unsigned long long)c->seed, c->ncpus, c->tlb_entries, c->tlb_wired,
	    (unsigned long long)c->slice_insns, (unsigned long long)c->max_insns,
	    (unsigned long long)c->swap_bytes, c->overcommit, (unsigned)c->uid, c->bugs);
	{
		const struct { const char *n; const struct cache_geom *g; } cg[] = {
			{ "l1i", &c->l1i }, { "l1d", &c->l1d }, { "l2", &c->l2 },
		};
		for (size_t i = 0; i < nitems(cg) && used < cap; i++)
			used += (size_t)snprintf(s + used, cap - used,
			    "\"%s\":{\"size_bytes\":%u,\"assoc\":%u,\"line_bytes\":%u,"
			    "\"policy\":%u},", cg[i].n, cg[i].g->size_bytes, cg[i].g->assoc,
			    cg[i].g->line_bytes, (unsigned)cg[i].g->policy);
		if (used < cap)
			used += (size_t)snprintf(s + used, cap - used, "\"l2_shared\":%u,",
			    c->l2_shared);
		/* memguard only when set (older traces have none). */
		if (!memguard_config_is_default(&c->memguard) && used < cap)
			used += (size_t)snprintf(s + used, cap - used,
			    "\"memguard\":{\"desc\":\"%s\",\"frequency\":%u,"
			    "\"minsize\":%llu,\"options\":%u,\"divisor\":%u},",
			    c->memguard.desc, c->memguard.frequency,
			    (unsigned long long)c->memguard.minsize, c->memguard.options,
			    c->memguard.divisor);
		if (c->arch == ARCH_AMD64 && used < cap)
			used += (size_t)snprintf(s + used, cap - used,
			    "\"itlb\":{\"entries\":%u,\"ways\":%u},"
			    "\"dtlb\":{\"entries\":%u,\"ways\":%u},"
			    "\"stlb\":{\"entries\":%u,\"ways\":%u},",
			    c->itlb.entries, c->itlb.ways, c->dtlb.entries, c->dtlb.ways,
			    c->stlb.entries, c->stlb.ways);
		if (used < cap)
			used += (size_t)snprintf(s + used, cap - used, "\"cost\":{");
	}
	for (size_t i = 0; i < cost_nfields && used < cap; i++)
		used += (size_t)snprintf(s + used, cap - used, "%s\"%s\":%u",
		    i ? "," : "", cost_fields[i].name, cost_get(&c->cost, &cost_fields[i]));
	if (used < cap)
		snprintf(s + used, cap - used, "}}");
	return s;
}

/* ---- the kernel's view of the hardware ----------------------------- */

/* A thread's saved registers while another thread holds the engine. */
struct machine_tdctx {
	struct cpu_ctx *ctx;
	uint64_t pc;
};

/*
 * The engine of td's address space, holding td's registers: threads of
 * one process share the engine, so the one loaded is saved (its whole
 * context, PC included) and td's loaded, lazily, only when another
 * thread's registers are wanted.  td->hwctx is what kern_thread_create
 * made (hw_ctx_save) or what a switch saved.
 */
static struct cpu_as *
td_as(struct thread *td)
{
	struct proc *p = td->p;
	struct cpu_as *as = p->hw;

	if (p->hw_td == td || as == NULL)
		return as;
	if (p->hw_td != NULL && !p->hw_td->exited) {
		struct machine_tdctx *save = malloc(sizeof(*save));

		if (save == NULL || (save->ctx = cpu_ctx_alloc(as)) == NULL)
			panic("machine: out of host memory saving thread %d", p->hw_td->tid);
		save->pc = cpu_reg_get(as, GREG_PC);
		KASSERT(p->hw_td->hwctx == NULL, ("thread %d saved twice", p->hw_td->tid));
		p->hw_td->hwctx = save;
	}
	if (td->hwctx != NULL) {
		struct machine_tdctx *load = td->hwctx;

		cpu_ctx_load(as, load->ctx);
		cpu_reg_set(as, GREG_PC, load->pc);
		cpu_ctx_free(load->ctx);
		free(load);
		td->hwctx = NULL;
	}
	p->hw_td = td;
	return as;
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

static int
region_cmp(const void *a, const void *b)
{
	const struct cpu_region *x = a, *y = b;

	return x->start < y->start ? -1 : x->start > y->start;
}

/*
 * --bug skip-shootdown: a page unmapped while another CPU's TLB kept its
 * translation must still reach the MMU model when that CPU touches it
 * (the stale entry answers, as real hardware would), not fault in
 * Unicorn for lack of a region.  So every page some CPU's stale watch
 * holds, outside the map's entries, gets a one-page region.  The
 * returned array has room for them (realloc'ed); the new count.
 */
static int
machine_stale_regions(struct machine *m, struct cpu_region **rp, int n)
{
	struct cpu_region *r = *rp;
	int cap = n;

	for (unsigned c = 0; c < m->cfg.ncpus; c++)
		cap += (int)m->cpus[c].nstale;
	if (cap == n || (r = realloc(r, sizeof(*r) * ((size_t)cap + 1))) == NULL)
		return n;
	*rp = r;
	for (unsigned c = 0; c < m->cfg.ncpus; c++)
		for (unsigned i = 0; i < m->cpus[c].nstale; i++) {
			vm_offset_t va = (vm_offset_t)m->cpus[c].stale[i].vpn << PAGE_SHIFT;
			bool covered = false;

			for (int j = 0; j < n && !covered; j++)
				covered = va >= r[j].start && va < r[j].end;
			if (covered)
				continue;
			r[n].start = va;
			r[n].end = va + PAGE_SIZE;
			r[n].prot = VM_PROT_READ | VM_PROT_WRITE;
			n++;
		}
	qsort(r, (size_t)n, sizeof(*r), region_cmp);
	return n;
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
		/* A growable stack's room is covered too, so that an access
		 * there reaches the MMU and the kernel's page fault, which
		 * grows the stack and retries it precisely (sim/kern/trap.c);
		 * an engine-detected fault could not be retried.  Not in the
		 * benchmark modes, which show only prefaulted pages. */
		if ((e->eflags & MAP_ENTRY_GROWS_DOWN) && e->avail_ssize > 0 &&
		    m->cfg.bench_hooks == CPU_HOOKS_FULL) {
			vm_offset_t low = e->start - MIN(e->avail_ssize,
			    e->start - map->min_offset);

			if (n > 0 && r[n - 1].end > low)
				low = r[n - 1].end;
			r[n].start = low;
		}
		r[n].end = e->end;
		r[n].prot = e->protection;
		n++;
	}
	if (m->cfg.bugs & MACHINE_BUG_SKIP_SHOOTDOWN)
		n = machine_stale_regions(m, &r, n);
	if (m->running_proc == p)
		m->running_as = p->hw;	/* execve made a new engine mid-call */
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

/* Destroy p's engine; no CPU may keep its view. */
static void
hw_engine_drop(void *arg, struct proc *p)
{
	struct machine *m = arg;

	if (p->hw == NULL)
		return;
	for (unsigned i = 0; i < m->cfg.ncpus; i++)
		if (m->cpus[i].view == cpu_as_view(p->hw))
			mmu_set_view(&m->cpus[i], NULL);
	if (m->running_as == p->hw)
		m->running_as = NULL;
	cpu_as_destroy(p->hw);
	p->hw = NULL;
	p->hw_td = NULL;
}

/*
 * fork: the child's engine over its new address space, with the whole
 * register context of the parent's (uc_context, copied between two
 * engines of the same arch: general, FPU/SSE, TLS registers).  The PC is
 * set explicitly as well: it is what the parent's engine reports now.
 */
static int
hw_fork(void *arg, struct proc *parent, struct proc *child)
{
	struct cpu_ctx *ctx;

	if (hw_map_changed(arg, child) != 0)
		return -1;
	child->hw_td = child->td;
	ctx = cpu_ctx_alloc(parent->hw);
	if (ctx == NULL)
		return -1;
	cpu_ctx_load(child->hw, ctx);
	cpu_ctx_free(ctx);
	cpu_reg_set(child->hw, GREG_PC, cpu_reg_get(parent->hw, GREG_PC));
	return 0;
}

static void
hw_gregs_get(void *arg, struct thread *td, uint64_t *v)
{
	(void)arg;
	cpu_gregs_get(td_as(td), v);
}

static void
hw_gregs_set(void *arg, struct thread *td, const uint64_t *v)
{
	(void)arg;
	cpu_gregs_set(td_as(td), v);
}

/* Snapshots (signal frames, a new thread's registers) are machine_tdctx
 * too: the whole context and the PC. */
static void *
hw_ctx_save(void *arg, struct thread *td)
{
	struct cpu_as *as = td_as(td);
	struct machine_tdctx *c = malloc(sizeof(*c));

	(void)arg;
	if (c == NULL)
		return NULL;
	if ((c->ctx = cpu_ctx_alloc(as)) == NULL) {
		free(c);
		return NULL;
	}
	c->pc = cpu_reg_get(as, GREG_PC);
	return c;
}

static void
hw_ctx_restore(void *arg, struct thread *td, const void *ctx)
{
	struct cpu_as *as = td_as(td);
	const struct machine_tdctx *c = ctx;

	(void)arg;
	cpu_ctx_load(as, c->ctx);
	cpu_reg_set(as, GREG_PC, c->pc);
}

static void
hw_ctx_free(void *arg, void *ctx)
{
	struct machine_tdctx *c = ctx;

	(void)arg;
	if (c == NULL)
		return;
	cpu_ctx_free(c->ctx);
	free(c);
}

static void
hw_set_precise(void *arg, struct proc *p, bool on)
{
	(void)arg;
	if (p->hw != NULL)
		cpu_set_precise(p->hw, on);
}

/* Instructions the kernel wrote (the MIPS signal trampoline): the CPU
 * running td syncs its I-cache like Linux's flush_cache_sigtramp, and the
 * engine drops translated code of the page. */
static void
hw_icache_sync(void *arg, struct thread *td, vm_offset_t va, size_t len)
{
	struct machine *m = arg;

	for (unsigned i = 0; i < m->cfg.ncpus; i++) {
		vm_paddr_t pa;

		if (m->kern.curthread[i] != td)
			continue;
		pa = pmap_extract(td->p->vm->pmap, va);
		if (pa != 0)
			mmu_icache_sync(&m->cpus[i], va, pa, len, "sigtramp");
	}
	cpu_code_changed(td_as(td), va, len);
}

/* The kernel changed instruction bytes of p's space (proc_rwmem): the
 * engine drops what it translated from those pages. */
static void
hw_code_changed(void *arg, struct proc *p, vm_offset_t va, size_t len)
{
	(void)arg;
	if (p->hw != NULL)
		cpu_code_changed(p->hw, va, len);
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
	.fork = hw_fork,
	.engine_drop = hw_engine_drop,
	.gregs_get = hw_gregs_get,
	.gregs_set = hw_gregs_set,
	.ctx_save = hw_ctx_save,
	.ctx_restore = hw_ctx_restore,
	.ctx_free = hw_ctx_free,
	.icache_sync = hw_icache_sync,
	.code_changed = hw_code_changed,
	.set_precise = hw_set_precise,
	.console = hw_console,
};

static uint64_t
machine_event_pc(void *arg)
{
	struct machine *m = arg;

	return m->running_as != NULL ? cpu_exact_pc(m->running_as) : 0;
}

/* ---- life cycle ------------------------------------------------------ */

/* The amd64 TLB geometry of c: the defaults, the configured 4 KiB arrays,
 * and --tlb-entries N (both L1s N entries, fully associative) over them. */
static void
machine_tlb_geom(const struct machine_config *c, struct tlb_amd64_geom *g)
{
	tlb_amd64_geom_default(g);
	g->small[TLB_AMD64_ITLB] = c->itlb;
	g->small[TLB_AMD64_DTLB] = c->dtlb;
	g->small[TLB_AMD64_STLB] = c->stlb;
	if (c->tlb_entries != 0)
		tlb_amd64_geom_set_l1(g, c->tlb_entries);
}

/*
 * Check a configuration: 0, or -1 with a message naming the setting
 * (machine_create refuses what this refuses; `vmsim config` says so too).
 */
int
machine_config_check(const struct machine_config *c, char *err, size_t errlen)
{
	if (c->mem_bytes < (1u << 20) || c->mem_bytes > (4ull << 30) ||
	    (c->mem_bytes & PAGE_MASK)) {
		snprintf(err, errlen, "memory size %llu: must be a multiple of 4 KiB "
		    "between 1 MiB and 4 GiB", (unsigned long long)c->mem_bytes);
		return -1;
	}
	if (c->arch == ARCH_AMD64) {
		struct tlb_amd64_geom g;
		const char *e;

		machine_tlb_geom(c, &g);
		if ((e = tlb_amd64_geom_error(&g)) != NULL) {
			snprintf(err, errlen, "TLB geometry: %s", e);
			return -1;
		}
	}
	if (c->ncpus < 1 || c->ncpus > MACHINE_MAX_CPUS) {
		snprintf(err, errlen, "%u CPUs: must be 1 to %d", c->ncpus, MACHINE_MAX_CPUS);
		return -1;
	}
	if (memguard_config_check(&c->memguard, err, errlen) != 0)
		return -1;
	if (c->bugs & ~(unsigned)MACHINE_BUG_ALL) {
		snprintf(err, errlen, "unknown teaching knob bits %#x", c->bugs);
		return -1;
	}
	if (sim_arch_is_mips(c->arch) ? (c->tlb_entries > TLB_MIPS_MAX_ENTRIES ||
	    (c->tlb_entries != 0 && c->tlb_entries < 4) ||
	    c->tlb_wired + 2 >= (c->tlb_entries ? c->tlb_entries : 48)) :
	    c->tlb_entries > TLB_AMD64_MAX_ENTRIES || c->tlb_wired != 0) {
		snprintf(err, errlen, "TLB of %u entries (%u wired): out of range",
		    c->tlb_entries, c->tlb_wired);
		return -1;
	}
	if (c->slice_insns == 0) {
		snprintf(err, errlen, "slice of 0 instructions");
		return -1;
	}
	if (c->overcommit > 7) {
		snprintf(err, errlen, "overcommit %u: the bits are 1, 2 and 4",
		    c->overcommit);
		return -1;
	}
	if (c->swap_bytes & PAGE_MASK) {
		snprintf(err, errlen, "swap size %llu: not a multiple of 4 KiB",
		    (unsigned long long)c->swap_bytes);
		return -1;
	}
	{
		const struct { const char *name; const struct cache_geom *g; } geoms[] = {
			{ "l1i", &c->l1i }, { "l1d", &c->l1d }, { "l2", &c->l2 },
		};
		for (size_t i = 0; i < nitems(geoms); i++) {
			const char *e = cache_geom_error(geoms[i].g);

			if (e != NULL) {
				snprintf(err, errlen, "%s cache: %s", geoms[i].name, e);
				return -1;
			}
		}
	}
	return 0;
}

int
machine_create(struct machine **out, const struct machine_config *c,
    char *err, size_t errlen)
{
	struct machine *m;
	struct pmap_machine pmach;
	int rv;

	*out = NULL;
	if (machine_config_check(c, err, errlen) != 0)
		return -1;
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
	swap_accounting_init();
	swap_set_total(c->swap_bytes);
	/* The swap device (--swap) and the page daemon's thresholds. */
	swap_pager_init(c->swap_bytes);
	vm_pageout_init(vm_phys_free_count());
	swap_set_overcommit((int)c->overcommit);
	ucred_set_current(NULL);
	if (c->l2_shared && cache_init(&m->l2_shared, &c->l2, NULL) != 0) {
		snprintf(err, errlen, "out of host memory for the caches");
		machine_destroy(m);
		return -1;
	}
	for (unsigned i = 0; i < c->ncpus; i++) {
		/* MIPS: the kernel wires its kstack (and per-CPU) entries. */
		unsigned wired = sim_arch_is_mips(c->arch) ?
		    MAX(c->tlb_wired, pmap_mips_wired_needed((int)c->ncpus)) : 0;

		mmu_cpu_init(&m->cpus[i], (int)i, c->arch, &m->pm, &m->cfg.cost,
		    &m->prng, c->tlb_entries, wired);
		if (mmu_cpu_caches(&m->cpus[i], &c->l1i, &c->l1d, &c->l2,
		    c->l2_shared ? &m->l2_shared : NULL) != 0) {
			snprintf(err, errlen, "out of host memory for the caches");
			machine_destroy(m);
			return -1;
		}
		if (c->arch == ARCH_AMD64) {
			struct tlb_amd64_geom g;

			machine_tlb_geom(c, &g);
			mmu_cpu_tlb_geom(&m->cpus[i], &g);
		}
		m->cpus[i].trap.trap = kern_trap_mmu;
		m->cpus[i].trap.arg = &m->kern;
		m->cpu_ptrs[i] = &m->cpus[i];
	}
	pmach.arch = c->arch;
	pmach.pm = &m->pm;
	pmach.cpus = m->cpu_ptrs;
	pmach.ncpus = (int)c->ncpus;
	pmap_bootstrap(&pmach);
	pmap_set_skip_shootdown((c->bugs & MACHINE_BUG_SKIP_SHOOTDOWN) != 0);
	vm_kern_init();
	/* SMP: each CPU's per-CPU page (MIPS: wired entry 1). */
	for (unsigned i = 0; c->ncpus > 1 && i < c->ncpus; i++) {
		m->pcpu_page[i] = kmem_alloc(kernel_map, PAGE_SIZE);
		if (m->pcpu_page[i] == 0) {
			snprintf(err, errlen, "no memory for the per-CPU pages");
			machine_destroy(m);
			return -1;
		}
		pmap_pcpu_set(&m->cpus[i], m->pcpu_page[i]);
	}
	kern_init(&m->kern, c->arch, &m->pm, &m->prng, &machine_hw_ops, m, c->root);
	/* Every limit that depends on memory, from what is free now. */
	kern_limits_init(&m->kern, ptoa((uint64_t)vm_phys_free_count()));
	m->kern.spawn_uid = c->uid;
	m->kern.bugs = c->bugs;
	m->kern.clock_cycles = &m->cpus[0].cycles;
	m->kern.cpus = m->cpu_ptrs;
	m->kern.ncpus = (int)c->ncpus;
	/* Kernel malloc and memguard (sim/kern/malloc.h, vm/memguard.h). */
	memguard_init(&c->memguard, &m->prng, c->mem_bytes);
	kmalloc_init(&m->kern);
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

		if (p != NULL)
			hw_engine_drop(m, p);
	}
	kern_kmem_quiesce(true);
	kern_fini(&m->kern);
	kmalloc_fini();
	memguard_fini();
	for (unsigned i = 0; i < m->cfg.ncpus; i++)
		if (m->pcpu_page[i] != 0)
			kmem_free(kernel_map, m->pcpu_page[i], PAGE_SIZE);
	vm_kern_fini();
	for (unsigned i = 0; i < m->cfg.ncpus; i++)
		mmu_cpu_fini(&m->cpus[i]);
	cache_fini(&m->l2_shared);
	free(m->din);
	physmem_fini(&m->pm);
	memset(event_context(), 0, sizeof(struct event_context));
	free(m);
}

int
machine_set_din(struct machine *m, int (*flush)(void *arg, const char *buf, size_t n),
    void *arg)
{
	unsigned granule = MIN(m->cfg.l1i.line_bytes, m->cfg.l1d.line_bytes);

	m->din = malloc(sizeof(*m->din));
	if (m->din == NULL)
		return -1;
	din_sink_init(m->din, flush, arg);
	for (unsigned i = 0; i < m->cfg.ncpus; i++) {
		m->cpus[i].din = m->din;
		m->cpus[i].din_granule = granule;
	}
	return 0;
}

int
machine_din_finish(struct machine *m)
{
	return m->din != NULL ? din_sink_flush(m->din) : 0;
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
	case 22: *why = "trap instruction"; return KSIGTRAP;
	case 20: *why = "reserved instruction"; return KSIGILL;
	case 12: case 13: *why = "address error (unaligned access)"; return ksig_bus(m->cfg.arch);
	case 19: *why = "coprocessor unusable / privileged"; return KSIGILL;
	default: *why = "exception"; return KSIGILL;
	}
}

#define MIPS_BLOCK_MAX_INSNS	512	/* qemu's TCG_MAX_INSNS: a block's length */

/*
 * MIPS `break`: Unicorn reports it with the block's start (stop->pc) and
 * leaves the PC register at whatever its last system call set, so find
 * the break (SPECIAL, funct 0x0d; it ends its block) from the block's
 * start, make it the thread's PC (Linux: epc == the break) and return it;
 * a handler or a debugger sees the instruction that trapped.  Other
 * traps, or no break found: stop->pc.  XXX: conditional traps (teq...)
 * keep the block start (an earlier one of the block may not have fired).
 */
static uint64_t
machine_break_pc(struct machine *m, struct thread *td, const struct cpu_stop *stop)
{
	bool be = m->cfg.arch == ARCH_MIPS;

	if (m->cfg.arch == ARCH_AMD64 || (stop->trapno != 9 && stop->trapno != 18))
		return stop->pc;
	for (int i = 0; i < MIPS_BLOCK_MAX_INSNS; i++) {
		uint64_t va = stop->pc + 4 * (uint64_t)i;
		uint8_t b[4];
		uint32_t w;

		if (machine_peek(m, td->p->pid, va, b, sizeof(b), NULL) != 0)
			break;
		w = be ? (uint32_t)b[0] << 24 | (uint32_t)b[1] << 16 | (uint32_t)b[2] << 8 | b[3] :
		    (uint32_t)b[3] << 24 | (uint32_t)b[2] << 16 | (uint32_t)b[1] << 8 | b[0];
		if ((w >> 26) == 0 && (w & 0x3f) == 0x0d) {
			cpu_reg_set(td_as(td), GREG_PC, va);
			return va;
		}
	}
	return stop->pc;
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
		/* fork: the children's new spaces too */
		if (sim_invariants && td->wmesg != NULL && (strcmp(td->wmesg, "fork") == 0 ||
		    strcmp(td->wmesg, "clone") == 0 || strcmp(td->wmesg, "vfork") == 0)) {
			for (int i = 0; i < k->nprocs; i++) {
				struct proc *q = k->procs[i];

				if (q != NULL && q != td->p && !q->exited && q->ppid == td->p->pid)
					machine_check_invariants(m, q);
			}
		}
		break;
	case CPU_STOP_FAULT:
		if (stop->fault == CPU_FAULT_REFUSED)
			break;		/* the kernel posted the signal already */
		kern_trap_segv(k, td, stop->addr, stop->access, stop->pc,
		    stop->fault == CPU_FAULT_PROT);
		break;
	case CPU_STOP_TRAP:
		sig = machine_trap_signal(m, stop->trapno, &why);
		kern_trap_other(k, td, sig, machine_break_pc(m, td, stop), why);
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
		if (machine_counter_is_level(i))
			continue;	/* machine_counters_cpu/proc read it */
		m->cpu_ctr[cpu][i] += now[i] - before[i];
		if (mp != NULL)
			mp->c[i] += now[i] - before[i];
	}
}

/* A thread's place in the round-robin order: (pid, tid). */
static uint64_t
machine_td_key(const struct thread *td)
{
	return (uint64_t)(uint32_t)td->p->pid << 32 | (uint32_t)td->tid;
}

/*
 * The next thread for cpu: among the runnable threads that are not the
 * current thread of another CPU (a thread stays on the CPU that ran it
 * while that CPU has nothing else: affinity), the one with the lowest
 * (pid, tid) above the one cpu ran last, wrapping around.  NULL when cpu
 * has nothing to run; *any says whether some thread is runnable at all.
 */
static struct thread *
machine_pick(struct machine *m, int cpu, bool *any)
{
	struct kern *k = &m->kern;
	struct thread *first = NULL, *next = NULL;
	uint64_t last = m->last_key[cpu];

	*any = false;
	for (int i = 0; i < k->nprocs; i++) {
		struct proc *q = k->procs[i];

		if (q == NULL || q->exited)
			continue;
		for (struct thread *td = q->threads; td != NULL; td = td->next) {
			bool elsewhere = false;
			uint64_t key;

			if (!kern_td_runnable(td))
				continue;
			*any = true;
			for (unsigned c = 0; c < m->cfg.ncpus && !elsewhere; c++)
				elsewhere = (int)c != cpu && k->curthread[c] == td;
			if (elsewhere)
				continue;
			key = machine_td_key(td);
			if (first == NULL || key < machine_td_key(first))
				first = td;
			if (key > last && (next == NULL || key < machine_td_key(next)))
				next = td;
		}
	}
	return next != NULL ? next : first;
}

/* Every live thread sleeps: say who waits for what, and end them. */
static void
machine_deadlock(struct machine *m, char *err, size_t errlen)
{
	struct kern *k = &m->kern;
	size_t used;

	used = (size_t)snprintf(err, errlen, "deadlock: every process is asleep:");
	for (int pid = 1; pid < k->nextpid && used < errlen; pid++) {
		struct proc *q = kern_pfind(k, pid);

		if (q == NULL || q->exited)
			continue;
		for (struct thread *td = q->threads; td != NULL && used < errlen; td = td->next) {
			if (td->exited)
				continue;
			if (td == q->td)
				used += (size_t)snprintf(err + used, errlen - used, " pid %d (%s)",
				    q->pid, td->wmesg != NULL ? td->wmesg : "?");
			else
				used += (size_t)snprintf(err + used, errlen - used,
				    " tid %d (%s)", td->tid, td->wmesg != NULL ? td->wmesg : "?");
		}
	}
	for (int pid = 1; pid < k->nextpid; pid++) {
		struct proc *q = kern_pfind(k, pid);

		if (q != NULL && !q->exited)
			kern_exit(k, q, KSIGKILL);
	}
}

/* End every live process (the run is over: a limit or a panic). */
static void
machine_kill_all(struct machine *m)
{
	struct kern *k = &m->kern;

	for (int i = 0; i < k->nprocs; i++)
		if (k->procs[i] != NULL && !k->procs[i]->exited)
			kern_exit(k, k->procs[i], KSIGKILL);
}

/* Make td cpu's current thread: its address space (pmap_activate: MIPS
 * ASID, amd64 CR3/PCID) and its kernel stack (MIPS wired entry 0). */
static void
machine_switch(struct machine *m, struct mmu_cpu *cpu, struct thread *td)
{
	struct kern *k = &m->kern;

	if (k->curthread[cpu->id] == td)
		return;
	k->curthread[cpu->id] = td;
	pmap_activate(td->p->vm->pmap, cpu);
	pmap_kstack_switch(cpu, td->kstack.kva);
	td->lastcpu = cpu->id;
}

int
machine_run(struct machine *m, char *err, size_t errlen)
{
	struct kern *k = &m->kern;
	unsigned idle = 0;	/* CPUs in a row that found nothing to run */

	for (;;) {
		struct proc *p;
		struct thread *td;
		struct mmu_cpu *cpu;
		struct cpu_stop stop;
		struct event_context *ec = event_context();
		uint64_t before[MACHINE_NCTR];
		bool any;

		kern_collect(k);
		if (k->panicked) {
			snprintf(err, errlen, "kernel panic: %s", k->panicmsg);
			machine_kill_all(m);
			return -1;
		}
		cpu = &m->cpus[m->next_cpu];
		td = machine_pick(m, cpu->id, &any);
		if (!any) {
			if (kern_deadlocked(k)) {
				machine_deadlock(m, err, errlen);
				return -1;
			}
			if (m->sampler != NULL)
				m->sampler(m->sampler_arg, m, m->cpus[0].cycles);
			return 0;
		}
		if (m->pause || (m->pause_at != 0 && machine_insns(m) >= m->pause_at)) {
			m->pause = false;
			return 1;
		}
		if (m->cfg.max_insns && machine_insns(m) >= m->cfg.max_insns) {
			snprintf(err, errlen, "instruction limit (%llu) reached",
			    (unsigned long long)m->cfg.max_insns);
			machine_kill_all(m);
			return -1;
		}
		m->next_cpu = (m->next_cpu + 1) % m->cfg.ncpus;
		if (td == NULL) {
			/* This CPU idles this turn; another one holds the
			 * runnable threads. */
			KASSERT(++idle <= m->cfg.ncpus, ("machine_run: no CPU can run"));
			continue;
		}
		idle = 0;
		p = td->p;
		m->last_key[cpu->id] = machine_td_key(td);
		ec->cpu = cpu->id;
		ec->pid = p->pid;
		ec->tid = td->tid;
		ec->cycles = &cpu->cycles;
		machine_switch(m, cpu, td);
		m->running_as = td_as(td);
		m->running_proc = p;
		machine_counters(m, before);
		/* Another CPU may have made the shared host view show its
		 * own translations: this CPU's micro-TLB must not trust it. */
		if (m->cfg.ncpus > 1)
			mmu_utlb_flush(cpu);
		/* Back to user mode: signals posted by others (kill, SIGCHLD)
		 * are acted on first. */
		kern_deliver_signals(k, td);
		if (kern_td_runnable(td)) {
			cpu_run(p->hw, cpu, MIN(m->cfg.max_insns == 0 ? m->cfg.slice_insns :
			    MIN(m->cfg.slice_insns, m->cfg.max_insns - machine_insns(m)),
			    m->pause_at == 0 ? UINT64_MAX : m->pause_at - machine_insns(m)), &stop);
			machine_after_stop(m, td, cpu, &stop);
		}
		m->running_as = NULL;
		m->running_proc = NULL;
		machine_attribute(m, cpu->id, p->pid, before);
		if (m->sampler != NULL && m->sample_every != 0 && cpu->cycles >= m->next_sample) {
			m->sampler(m->sampler_arg, m, cpu->cycles);
			while (m->next_sample <= cpu->cycles)
				m->next_sample += m->sample_every;
		}
		if (p->exited)
			hw_engine_drop(m, p);
		if (m->slice_hook != NULL)
			m->slice_hook(m->slice_hook_arg, m);
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
		uint64_t hw[MMU_NCTR];

		mmu_counters_read(&m->cpus[i], hw);
		v[0] += m->cpus[i].cycles;
		for (int c = 0; c < MMU_NCTR; c++)
			v[1 + c] += hw[c];
	}
	if (m->cfg.l2_shared && m->cfg.ncpus > 1) {
		/* Every CPU's read-out holds the whole shared L2: once only. */
		v[1 + CTR_L2_ACCESSES] /= m->cfg.ncpus;
		v[1 + CTR_L2_MISSES] /= m->cfg.ncpus;
	}
	v[k++] = fs->zero_fill;
	v[k++] = fs->file;
	v[k++] = fs->cow_copy;
	v[k++] = fs->soft;
	v[k++] = fs->failed;
	v[k++] = m->kern.stats.syscalls;
	v[k++] = m->kern.stats.syscalls_unimplemented;
	v[k++] = m->kern.stats.signals;
	v[k++] = swap_reserved();
	v[k++] = swap_reserve_failures();
}

void
machine_counters_cpu(const struct machine *m, int cpu, uint64_t v[MACHINE_NCTR])
{
	memset(v, 0, MACHINE_NCTR * sizeof(v[0]));
	if (cpu >= 0 && (unsigned)cpu < m->cfg.ncpus)
		memcpy(v, m->cpu_ctr[cpu], MACHINE_NCTR * sizeof(v[0]));
	v[MACHINE_CTR_SWAP_RESERVED] = swap_reserved();
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
			v[MACHINE_CTR_SWAP_RESERVED] = swap_reserved();
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

/* ---- control and inspection for the trace tools (sim/replay.c) -------- */

void
machine_stop(struct machine *m)
{
	uint64_t n = machine_insns(m);

	/* The loop's instruction-limit check ends the run before the next
	 * slice; the slice running now finishes first. */
	m->cfg.max_insns = n > 0 ? n : 1;
}

void
machine_set_file_provider(struct machine *m,
    int (*fetch)(void *arg, const char *path, uint8_t **data, size_t *len),
    void *arg)
{
	m->kern.vfs.fetch = fetch;
	m->kern.vfs.fetch_arg = arg;
}

static struct proc *
machine_find_proc(struct machine *m, int pid)
{
	for (int i = 0; i < m->kern.nprocs; i++) {
		struct proc *p = m->kern.procs[i];

		if (p != NULL && p->pid == pid && p->vm != NULL)
			return p;
	}
	return NULL;
}

/* The guest path of a vnode (the VFS's name for it), or its own name. */
static const char *
machine_vnode_path(struct machine *m, const struct vnode *vp)
{
	for (int i = 0; i < m->kern.vfs.nnodes; i++)
		if (m->kern.vfs.nodes[i].vp == vp)
			return m->kern.vfs.nodes[i].path;
	return vp->name;
}

/* If e maps a file (at the bottom of its shadow chain), its guest path
 * and the file offset of e->start; else NULL. */
static const char *
machine_entry_file(struct machine *m, const struct vm_map_entry *e,
    uint64_t *offset)
{
	uint64_t off = e->offset;

	for (struct vm_object *o = e->object; o != NULL; o = o->backing_object) {
		if (o->type == OBJT_VNODE && o->vp != NULL) {
			*offset = off;
			return machine_vnode_path(m, o->vp);
		}
		off += o->backing_object_offset;
	}
	return NULL;
}

static void
machine_entry_label(struct machine *m, struct proc *p, struct vm_map_entry *e,
    char *buf, size_t len)
{
	struct vm_map *map = &p->vm->map;
	const char *path;
	uint64_t off = 0;

	path = machine_entry_file(m, e, &off);
	if (path != NULL) {
		snprintf(buf, len, "file:%s+0x%llx", path, (unsigned long long)off);
		return;
	}
	/* The stack: the growable entry and the run of adjacent entries
	 * above it up to the stack's top (it grows by new entries). */
	{
		struct vm_map_entry *t = e;

		while (t->next != &map->header && t->next->start == t->end &&
		    t->end < p->vm->stack_top)
			t = t->next;
		if ((e->eflags & MAP_ENTRY_GROWS_DOWN) || (t->end == p->vm->stack_top &&
		    e->start >= p->vm->stack_top - p->vm->stack_size)) {
			snprintf(buf, len, "stack");
			return;
		}
	}
	if (e->start >= p->vm->brk_base && e->end <= round_page(p->vm->brk)) {
		snprintf(buf, len, "heap");
		return;
	}
	/* The zero-filled tail of an ELF segment follows its file part. */
	if (e->end <= p->vm->brk_base && e->prev != &map->header &&
	    e->prev->end == e->start &&
	    (path = machine_entry_file(m, e->prev, &off)) != NULL) {
		snprintf(buf, len, "bss:%s", path);
		return;
	}
	snprintf(buf, len, "anon@%#llx", (unsigned long long)e->start);
}

void
machine_region_label(struct machine *m, int pid, uint64_t va, char *buf,
    size_t len)
{
	struct proc *p = machine_find_proc(m, pid);

	if (len > 0)
		buf[0] = '\0';
	if (p == NULL)
		return;
	/* Read-only walk: vm_map_lookup_entry would move the map's hint. */
	for (struct vm_map_entry *e = vm_map_first(&p->vm->map); e != NULL;
	    e = vm_map_next(&p->vm->map, e)) {
		if (va >= e->start && va < e->end) {
			machine_entry_label(m, p, e, buf, len);
			return;
		}
	}
}

static void
prot_str(vm_prot_t prot, char out[4])
{
	out[0] = prot & VM_PROT_READ ? 'r' : '-';
	out[1] = prot & VM_PROT_WRITE ? 'w' : '-';
	out[2] = prot & VM_PROT_EXECUTE ? 'x' : '-';
	out[3] = '\0';
}

int
machine_describe_map(struct machine *m, int pid, FILE *f)
{
	struct proc *p = machine_find_proc(m, pid);
	struct vm_map *map;

	if (p == NULL)
		return -1;
	map = &p->vm->map;
	fprintf(f, "vm_map of pid %d (%s): %d entries, %llu bytes, brk [%#llx, %#llx)\n",
	    p->pid, p->comm, map->nentries, (unsigned long long)map->size,
	    (unsigned long long)p->vm->brk_base, (unsigned long long)p->vm->brk);
	for (struct vm_map_entry *e = vm_map_first(map); e != NULL; e = vm_map_next(map, e)) {
		char prot[4], max[4], label[MACHINE_REGION_MAX], obj[256];

		prot_str(e->protection, prot);
		prot_str(e->max_protection, max);
		machine_entry_label(m, p, e, label, sizeof(label));
		vm_object_describe(e->object, obj, sizeof(obj));
		fprintf(f, "  %#10llx-%#10llx %s/%s%s%s%s%s off %#llx  %-24s %s\n",
		    (unsigned long long)e->start, (unsigned long long)e->end, prot, max,
		    e->eflags & MAP_ENTRY_COW ? " cow" : "",
		    e->eflags & MAP_ENTRY_NEEDS_COPY ? " needs_copy" : "",
		    e->eflags & MAP_ENTRY_GROWS_DOWN ? " grows_down" : "",
		    e->wired_count ? " wired" : "",
		    (unsigned long long)e->offset, label, obj);
	}
	return 0;
}

static void
mips_lo_str(uint32_t lo, char *buf, size_t len)
{
	snprintf(buf, len, "pfn %#7x C%u %c%c%c", (lo & MIPS_LO_PFN_MASK) >> MIPS_LO_PFN_SHIFT,
	    (lo & MIPS_LO_C_MASK) >> MIPS_LO_C_SHIFT, lo & MIPS_LO_D ? 'D' : '-',
	    lo & MIPS_LO_V ? 'V' : '-', lo & MIPS_LO_G ? 'G' : '-');
}

int
machine_describe_tlb(struct machine *m, int cpu, FILE *f)
{
	struct mmu_cpu *c;

	if (cpu < 0 || (unsigned)cpu >= m->cfg.ncpus)
		return -1;
	c = &m->cpus[cpu];
	if (sim_arch_is_mips(m->cfg.arch)) {
		const struct tlb_mips *t = &c->tlb_mips;
		unsigned nvalid = 0;

		for (unsigned i = 0; i < t->nentries; i++)
			if (((t->e[i].entrylo0 | t->e[i].entrylo1) & MIPS_LO_V) ||
			    i < t->wired)
				nvalid++;
		fprintf(f, "TLB of cpu %d (MIPS JTLB): %u entries, %u wired, current ASID %u; "
		    "%u in use (pairs of even/odd pages)\n", cpu, t->nentries, t->wired,
		    c->asid, nvalid);
		for (unsigned i = 0; i < t->nentries; i++) {
			const struct tlb_mips_entry *e = &t->e[i];
			char lo0[48], lo1[48];

			if (!((e->entrylo0 | e->entrylo1) & MIPS_LO_V) && i >= t->wired)
				continue;
			mips_lo_str(e->entrylo0, lo0, sizeof(lo0));
			mips_lo_str(e->entrylo1, lo1, sizeof(lo1));
			fprintf(f, "  [%2u] %-5s VPN2 %#010x ASID %3u mask %#x  "
			    "even %#010x: %s  odd %#010x: %s\n", i, i < t->wired ? "wired" : "",
			    e->entryhi & MIPS_HI_VPN2_MASK, e->entryhi & MIPS_HI_ASID_MASK,
			    e->pagemask, e->entryhi & MIPS_HI_VPN2_MASK, lo0,
			    (e->entryhi & MIPS_HI_VPN2_MASK) + (uint32_t)PAGE_SIZE, lo1);
		}
	} else {
		static const char *const lvl[TLB_AMD64_NLEVELS] = {
			[TLB_AMD64_ITLB] = "ITLB", [TLB_AMD64_DTLB] = "DTLB",
			[TLB_AMD64_STLB] = "STLB",
		};
		static const char *const sz[] = { "4K", "2M", "1G" };
		const struct tlb_amd64 *t = &c->tlb_amd64;
		unsigned nvalid = 0;

		for (unsigned i = 0; i < t->nentries; i++)
			nvalid += t->e[i].valid;
		fprintf(f, "TLB of cpu %d (amd64): %u slots, CR3 %#llx, current PCID %u; "
		    "%u valid\n", cpu, t->nentries, (unsigned long long)c->cr3, c->pcid,
		    nvalid);
		for (int l = 0; l < TLB_AMD64_NLEVELS; l++) {
			for (int large = 0; large < 2; large++) {
				const struct tlb_amd64_array *a = large ? &t->large[l] : &t->small[l];
				unsigned n = a->nsets * a->ways;

				if (n == 0)
					continue;
				fprintf(f, " %s %s pages: %u sets x %u ways\n", lvl[l],
				    large ? "2M/1G" : "4K", a->nsets, a->ways);
				for (unsigned i = a->base; i < a->base + n && i < t->nentries; i++) {
					const struct tlb_amd64_entry *e = &t->e[i];

					if (!e->valid)
						continue;
					fprintf(f, "  [set %3u way %2u] PCID %4u va %#14llx -> pa %#10llx "
					    "%s %s%s%s%s%s lru %llu\n", (i - a->base) / a->ways,
					    (i - a->base) % a->ways, e->pcid,
					    (unsigned long long)(e->vpn << PAGE_SHIFT),
					    (unsigned long long)(e->pfn << PAGE_SHIFT),
					    e->pgsz < nitems(sz) ? sz[e->pgsz] : "?",
					    e->flags & PG_RW ? "RW" : "RO", e->flags & PG_U ? " U" : " S",
					    e->flags & PG_NX ? " NX" : "", e->flags & PG_G ? " G" : "",
					    e->flags & PG_M ? " M" : "", (unsigned long long)e->lru);
				}
			}
		}
	}
	return 0;
}

int
machine_describe_ptes(struct machine *m, int pid, uint64_t va, int radius, FILE *f)
{
	struct proc *p = machine_find_proc(m, pid);
	vm_offset_t page = trunc_page(va);

	if (p == NULL)
		return -1;
	fprintf(f, "page tables of pid %d around %#llx (pmap_extract, pmap_prot):\n",
	    pid, (unsigned long long)va);
	for (int i = -radius; i <= radius; i++) {
		vm_offset_t v = page + (vm_offset_t)((int64_t)i * (int64_t)PAGE_SIZE);
		vm_paddr_t pa;
		char prot[4];

		if ((i < 0 && page < (vm_offset_t)-i * PAGE_SIZE) || v >= p->vm->map.max_offset)
			continue;
		pa = pmap_extract(p->vm->pmap, v);
		prot_str(pmap_prot(p->vm->pmap, v), prot);
		if (pa == 0)
			fprintf(f, "  %s %#14llx  not mapped\n", i == 0 ? "=>" : "  ",
			    (unsigned long long)v);
		else
			fprintf(f, "  %s %#14llx -> pa %#10llx %s\n", i == 0 ? "=>" : "  ",
			    (unsigned long long)v, (unsigned long long)trunc_page(pa), prot);
	}
	return 0;
}

/* ---- stepping, inspection and memory access for the Lua API (sim/lua.c) */

int
machine_step(struct machine *m, uint64_t insns, char *err, size_t errlen)
{
	int rv;

	if (insns == 0)
		insns = 1;
	m->pause_at = machine_insns(m) + insns;
	rv = machine_run(m, err, errlen);
	m->pause_at = 0;
	return rv;
}

void
machine_pause(struct machine *m)
{
	m->pause = true;
}

uint64_t
machine_insns_total(const struct machine *m)
{
	return machine_insns(m);
}

int
machine_nlive(const struct machine *m)
{
	int n = 0;

	for (int i = 0; i < m->kern.nprocs; i++)
		if (m->kern.procs[i] != NULL && !m->kern.procs[i]->exited)
			n++;
	return n;
}

struct proc *
machine_proc(struct machine *m, int pid)
{
	for (int i = 0; i < m->kern.nprocs; i++)
		if (m->kern.procs[i] != NULL && m->kern.procs[i]->pid == pid)
			return m->kern.procs[i];
	return NULL;
}

const struct machine_config *
machine_config_of(const struct machine *m)
{
	return &m->cfg;
}

struct mmu_cpu *
machine_cpu(struct machine *m, int cpu)
{
	if (cpu < 0 || (unsigned)cpu >= m->cfg.ncpus)
		return NULL;
	return &m->cpus[cpu];
}

int
machine_peek(struct machine *m, int pid, uint64_t va, void *buf, size_t len,
    uint64_t *bad)
{
	struct proc *p = machine_find_proc(m, pid);
	uint8_t *d = buf;

	if (p == NULL)
		return -ESRCH;
	while (len > 0) {
		size_t n = MIN(len, PAGE_SIZE - (va & PAGE_MASK));
		vm_paddr_t pa;

		if (va < p->vm->map.min_offset || va >= p->vm->map.max_offset ||
		    (pmap_prot(p->vm->pmap, va) & VM_PROT_READ) == 0 ||
		    (pa = pmap_extract(p->vm->pmap, va)) == 0) {
			if (bad != NULL)
				*bad = va;
			return -EFAULT;
		}
		memcpy(d, vm_phys_dmap_ptr(pa), n);
		d += n;
		va += n;
		len -= n;
	}
	return 0;
}

int
machine_poke(struct machine *m, int pid, uint64_t va, const void *buf, size_t len,
    uint64_t *bad)
{
	struct proc *p = machine_find_proc(m, pid);
	struct event_context *ec = event_context(), saved;
	struct ucred *cred;
	int rv = 0;

	if (p == NULL || p->exited)
		return -ESRCH;
	/* Faults taken on the way are the target process's, and so is the
	 * charge for a private copy. */
	cred = ucred_current();
	ucred_set_current(p->cred);
	saved = *ec;
	ec->pid = p->pid;
	ec->tid = p->td != NULL ? p->td->tid : p->pid;	/* the leader */
	for (size_t done = 0; done < len; ) {
		size_t n = MIN(len - done, PAGE_SIZE - ((va + done) & PAGE_MASK));

		/* As a debugger writes (proc_rwmem): read-only text gets a
		 * private copy, the I-cache and the engine are told. */
		if (proc_rwmem(&m->kern, p, va + done, (uint8_t *)buf + done, n,
		    true) != 0) {
			if (bad != NULL)
				*bad = va + done;
			rv = -EFAULT;
			break;
		}
		done += n;
	}
	*ec = saved;
	ucred_set_current(cred);
	return rv;
}

void
machine_set_slice_hook(struct machine *m, void (*fn)(void *arg, struct machine *m),
    void *arg)
{
	m->slice_hook = fn;
	m->slice_hook_arg = arg;
}

static void
machine_console_hooked(void *arg, int fd, const void *buf, size_t len)
{
	struct machine *m = arg;

	m->console_fn(m->console_arg, event_context()->pid, fd, buf, len);
}

void
machine_set_console(struct machine *m,
    void (*fn)(void *arg, int pid, int fd, const void *buf, size_t len), void *arg)
{
	if (m->hw_ops == NULL)
		m->hw_ops = m->kern.hw;
	m->console_fn = fn;
	m->console_arg = arg;
	if (fn == NULL) {
		m->kern.hw = m->hw_ops;
		return;
	}
	m->console_ops = *m->hw_ops;
	m->console_ops.console = machine_console_hooked;
	m->kern.hw = &m->console_ops;
}

int
machine_cpu_pid(const struct machine *m, int cpu)
{
	const struct thread *td;

	if (cpu < 0 || (unsigned)cpu >= m->cfg.ncpus)
		return 0;
	td = m->kern.curthread[cpu];
	return td != NULL && td->p != NULL ? td->p->pid : 0;
}

int
machine_kern_pids(const struct machine *m, int *pids, int max)
{
	int n = 0;

	for (int i = 0; i < m->kern.nprocs; i++) {
		const struct proc *q = m->kern.procs[i];

		if (q != NULL && n < max)
			pids[n++] = q->pid;
	}
	/* In pid order (procs[] slots are reused). */
	for (int i = 1; i < n; i++)
		for (int j = i; j > 0 && pids[j - 1] > pids[j]; j--) {
			int t = pids[j];

			pids[j] = pids[j - 1];
			pids[j - 1] = t;
		}
	return n;
}

unsigned
machine_bug_bit(const char *name)
{
	if (strcmp(name, "skip-shootdown") == 0)
		return MACHINE_BUG_SKIP_SHOOTDOWN;
	if (strcmp(name, "kstack-overflow") == 0)
		return MACHINE_BUG_KSTACK_OVERFLOW;
	if (strcmp(name, "pipe-use-after-free") == 0)
		return MACHINE_BUG_PIPE_UAF;
	return 0;
}

const char *
machine_bug_name(unsigned bit)
{
	switch (bit) {
	case MACHINE_BUG_SKIP_SHOOTDOWN: return "skip-shootdown";
	case MACHINE_BUG_KSTACK_OVERFLOW: return "kstack-overflow";
	case MACHINE_BUG_PIPE_UAF: return "pipe-use-after-free";
	default: return NULL;
	}
}

bool
machine_panicked(const struct machine *m)
{
	return m->kern.panicked;
}

struct kern *
machine_kernel(struct machine *m)
{
	return &m->kern;
}
