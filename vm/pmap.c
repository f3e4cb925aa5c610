/*
 * vm/pmap.c — the machine-independent half of the physical-map layer
 * (vm/pmap.h): pmap_bootstrap, which takes over the machine and picks the
 * MIPS or amd64 implementation, the dispatch of every contract function
 * to it, and what both machines share: the direct map (every frame is
 * reachable at physmem_ptr(pa), like amd64's DMAP or MIPS kseg0), the
 * page-table page allocator and the per-CPU record of the active pmap.
 *
 * FreeBSD links exactly one pmap into a kernel; vmsim carries both and
 * calls through a struct pmap_ops chosen once, at bootstrap.
 *
 * The pv lists are machine independent too: each managed page lists its
 * mappings (struct pv_entry, newest first), which the MD code reports as
 * it stores and tears down leaf PTEs (pmap_pv_insert/remove).  The
 * per-page operations (pmap_remove_all, pmap_is_modified,
 * pmap_clear_modify, pmap_ts_referenced) walk that list and ask the MD
 * code about one PTE at a time (pmap_ops.pte_bits).
 *
 * Memory attributes (pmap_page_set_memattr) are machine independent up
 * to the PTE bits: m->memattr is what pmap_enter and pmap_qenter use, the
 * MD code rewrites the existing mappings, and the caches of every CPU are
 * then purged of the page's lines (FreeBSD's pmap_invalidate_cache_pages
 * after a PAT change), so that no line cached under the old type
 * survives.  There is no direct map in the page tables: the kernel
 * reaches frames natively (vm_phys_dmap), and pmap_zero_page and
 * pmap_copy_page charge their accesses with the page's memory type, as a
 * DMAP entry rewritten with the page's PAT bits would.
 */
#include "vm/pmap_md.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mmu/mmu.h"
#include "sim/base/event.h"
#include "mmu/physmem.h"

struct pmap_machine pmap_mach;
struct pmap_pcpu pmap_pcpu[PMAP_MAXCPU];
static const struct pmap_ops *pmap_ops;

struct pmap kernel_pmap_store;
vm_offset_t pmap_kva_min, pmap_kva_max;	/* set by the MD bootstrap */
bool pmap_skip_sd;			/* --bug skip-shootdown */
static const char *pmap_cur_reason = "other";

/*
 * Take over the machine: remember its memory and CPUs, forget any
 * previous machine's per-CPU state, and select the implementation for
 * mach->arch.  Called once per machine, before any page is allocated with
 * VM_ALLOC_ZERO (vm_page zeroes through pmap_zero_page).  Every pmap of a
 * previous machine must have been destroyed.
 */
void
pmap_bootstrap(const struct pmap_machine *mach)
{
	int i;

	KASSERT(mach != NULL && mach->pm != NULL, ("pmap_bootstrap: no machine"));
	KASSERT(mach->ncpus >= 1 && mach->ncpus <= PMAP_MAXCPU,
	    ("pmap_bootstrap: %d CPUs (1..%d)", mach->ncpus, PMAP_MAXCPU));
	pmap_mach = *mach;
	for (i = 0; i < mach->ncpus; i++) {
		KASSERT(mach->cpus[i] != NULL && mach->cpus[i]->id == i,
		    ("pmap_bootstrap: cpus[%d] has id %d", i,
		    mach->cpus[i] != NULL ? mach->cpus[i]->id : -1));
	}
	memset(pmap_pcpu, 0, sizeof(pmap_pcpu));
	memset(&kernel_pmap_store, 0, sizeof(kernel_pmap_store));
	pmap_cur_reason = "other";
	pmap_ops = sim_arch_is_mips(mach->arch) ? &pmap_mips_ops : &pmap_amd64_ops;
	pmap_ops->bootstrap();
}

struct mmu_cpu *
pmap_cpu(int i)
{
	KASSERT(i >= 0 && i < pmap_mach.ncpus, ("pmap_cpu: cpu %d of %d", i,
	    pmap_mach.ncpus));
	return (pmap_mach.cpus[i]);
}

vm_page_t
pmap_ptpage_alloc(struct pmap *pmap)
{
	vm_page_t m;

	m = vm_page_alloc(NULL, 0, VM_ALLOC_NOOBJ | VM_ALLOC_ZERO | VM_ALLOC_WIRED);
	if (m == NULL)
		return (NULL);
	KASSERT(m->phys_addr + PAGE_SIZE <= pmap_mach.pm->size,
	    ("pmap_ptpage_alloc: page 0x%llx outside memory",
	    (unsigned long long)m->phys_addr));
	pmap->pm_ptpages++;
	return (m);
}

void
pmap_ptpage_free(struct pmap *pmap, vm_page_t m)
{
	KASSERT(pmap->pm_ptpages > 0, ("pmap_ptpage_free: no table pages"));
	pmap->pm_ptpages--;
	vm_page_unwire(m, false);
	vm_page_free(m);
}

/* A page with a pv list: real memory, in the page array. */
static bool
pmap_page_managed(vm_page_t m)
{
	return (m != NULL && (m->flags & PG_FICTITIOUS) == 0);
}

void
pmap_pv_insert(struct pmap *pmap, vm_offset_t va, vm_page_t m)
{
	struct pv_entry *pv;

	if (!pmap_page_managed(m) || PHYS_TO_VM_PAGE(m->phys_addr) != m) {
		pmap->pm_unmanaged++;
		return;
	}
	if ((pv = malloc(sizeof(*pv))) == NULL)
		panic("pmap_pv_insert: out of host memory");
	pv->pv_pmap = pmap;
	pv->pv_va = va;
	pv->pv_ref = 1;		/* entered by a fault: referenced */
	pv->pv_next = m->md_pv;
	m->md_pv = pv;
	pmap->pm_pvcount++;
}

void
pmap_pv_remove(struct pmap *pmap, vm_offset_t va, vm_paddr_t pa)
{
	struct pv_entry **pp, *pv;
	vm_page_t m;

	m = pa < pmap_mach.pm->size ? PHYS_TO_VM_PAGE(trunc_page(pa)) : NULL;
	if (!pmap_page_managed(m)) {
		KASSERT(pmap->pm_unmanaged > 0, ("pmap_pv_remove: unmanaged "
		    "count underflow at va %#llx", (unsigned long long)va));
		pmap->pm_unmanaged--;
		return;
	}
	for (pp = &m->md_pv; (pv = *pp) != NULL; pp = &pv->pv_next)
		if (pv->pv_pmap == pmap && pv->pv_va == va)
			break;
	if (pv == NULL && pmap->pm_unmanaged > 0) {
		/* A device's fictitious page for a frame of real memory
		 * (vm/device_pager.h): mapped unmanaged, the real page's
		 * pv list never saw it. */
		pmap->pm_unmanaged--;
		return;
	}
	KASSERT(pv != NULL, ("pmap_pv_remove: pa %#llx has no pv entry for "
	    "va %#llx", (unsigned long long)pa, (unsigned long long)va));
	*pp = pv->pv_next;
	free(pv);
	KASSERT(pmap->pm_pvcount > 0, ("pmap_pv_remove: pv count underflow"));
	pmap->pm_pvcount--;
}

void
pmap_page_dirty(vm_paddr_t pa)
{
	vm_page_t m;

	if (pa >= pmap_mach.pm->size)
		return;
	m = PHYS_TO_VM_PAGE(trunc_page(pa));
	if (m != NULL && (m->flags & PG_FICTITIOUS) == 0)
		vm_page_dirty(m);
}

/*
 * The contract functions: checked arguments, then the implementation.
 * Under invariants (sim_invariants), every change is followed by
 * pmap_check, as FreeBSD's VM_MAP_ASSERT_CONSISTENT follows map changes.
 */
static void
pmap_assert_consistent(struct pmap *pmap, const char *where)
{
	char msg[256];

	if (!sim_invariants)
		return;
	if (pmap_check(pmap, msg, sizeof(msg)) != 0)
		panic("%s: %s", where, msg);
}

static inline const struct pmap_ops *
pmap_md(void)
{
	KASSERT(pmap_ops != NULL, ("pmap: pmap_bootstrap was not called"));
	return (pmap_ops);
}

struct pmap *
pmap_create(void)
{
	return (pmap_md()->create());
}

void
pmap_destroy(struct pmap *pmap)
{
	pmap_md()->destroy(pmap);
}

int
pmap_enter(struct pmap *pmap, vm_offset_t va, vm_prot_t access,
    vm_page_t m, vm_prot_t prot, bool wired)
{
	int rv;

	KASSERT((va & PAGE_MASK) == 0, ("pmap_enter: va 0x%llx not aligned",
	    (unsigned long long)va));
	KASSERT((prot & VM_PROT_ALL) != VM_PROT_NONE,
	    ("pmap_enter: va 0x%llx with no access", (unsigned long long)va));
	rv = pmap_md()->enter(pmap, va, access, m, prot, wired);
	pmap_assert_consistent(pmap, "pmap_enter");
	return (rv);
}

void
pmap_remove(struct pmap *pmap, vm_offset_t sva, vm_offset_t eva)
{
	KASSERT(sva <= eva, ("pmap_remove: [0x%llx, 0x%llx)",
	    (unsigned long long)sva, (unsigned long long)eva));
	pmap_md()->remove(pmap, trunc_page(sva), round_page(eva));
	pmap_assert_consistent(pmap, "pmap_remove");
}

void
pmap_protect(struct pmap *pmap, vm_offset_t sva, vm_offset_t eva, vm_prot_t prot)
{
	KASSERT(sva <= eva, ("pmap_protect: [0x%llx, 0x%llx)",
	    (unsigned long long)sva, (unsigned long long)eva));
	/* FreeBSD: taking read access away takes the mapping away. */
	if ((prot & VM_PROT_READ) == 0) {
		pmap_remove(pmap, sva, eva);
		return;
	}
	pmap_md()->protect(pmap, trunc_page(sva), round_page(eva), prot);
	pmap_assert_consistent(pmap, "pmap_protect");
}

vm_paddr_t
pmap_extract(struct pmap *pmap, vm_offset_t va)
{
	return (pmap_md()->extract(pmap, va));
}

/*
 * Machine independent: both machines answer pmap_prot and pmap_extract.
 * (MIPS: a writable PTE counts as allowing write before its first store
 * sets D; the caller dirties the page itself, as quick_hold does.)
 */
vm_page_t
pmap_extract_and_hold(struct pmap *pmap, vm_offset_t va, vm_prot_t prot)
{
	vm_paddr_t pa;
	vm_page_t m;

	prot &= VM_PROT_ALL;
	if ((pmap_md()->prot(pmap, va) & prot) != prot ||
	    (pa = pmap_md()->extract(pmap, va)) == 0)
		return (NULL);
	if ((m = PHYS_TO_VM_PAGE(trunc_page(pa))) == NULL ||
	    (m->flags & PG_FICTITIOUS) != 0)
		return (NULL);
	vm_page_hold(m);
	return (m);
}

void
pmap_change_wiring(struct pmap *pmap, vm_offset_t va, bool wired)
{
	pmap_md()->change_wiring(pmap, trunc_page(va), wired);
	pmap_assert_consistent(pmap, "pmap_change_wiring");
}

unsigned long
pmap_wired_count(struct pmap *pmap)
{
	return (pmap->pm_wired);
}

vm_prot_t
pmap_prot(struct pmap *pmap, vm_offset_t va)
{
	return (pmap_md()->prot(pmap, va));
}

void
pmap_deactivate_all(struct pmap *pmap)
{
	KASSERT(pmap != NULL && pmap != kernel_pmap, ("pmap_deactivate_all: %p", (void *)pmap));
	pmap_md()->deactivate_all(pmap);
}

void
pmap_activate(struct pmap *pmap, struct mmu_cpu *cpu)
{
	KASSERT(pmap != NULL, ("pmap_activate: NULL pmap"));
	KASSERT(cpu->id >= 0 && cpu->id < pmap_mach.ncpus &&
	    pmap_mach.cpus[cpu->id] == cpu, ("pmap_activate: unknown cpu %d",
	    cpu->id));
	pmap_md()->activate(pmap, cpu);
	pmap_assert_consistent(pmap, "pmap_activate");
}

/* The hardware memory type of a memory attribute (UC- is UC here). */
static enum mmu_memtype
pmap_memtype(vm_memattr_t ma)
{
	switch (ma) {
	case VM_MEMATTR_WRITE_BACK:
		return (MMU_MT_WB);
	case VM_MEMATTR_WRITE_THROUGH:
		return (MMU_MT_WT);
	case VM_MEMATTR_WRITE_COMBINING:
		return (MMU_MT_WC);
	default:
		return (MMU_MT_UC);
	}
}

/*
 * Charge the CPU the kernel runs on (the event context's CPU) for zeroing
 * or copying the page dst: the fixed page_zero / page_copy cycles of the
 * loop, and every line it stores (and, copying, loads from src) through
 * the CPU's data cache, as the direct map's accesses would go — with each
 * page's memory type (an uncached page's lines go to memory).
 */
static void
pmap_charge_page(vm_page_t src, vm_page_t dst, bool copy)
{
	int id = event_context()->cpu;
	struct mmu_cpu *cpu;
	unsigned line;

	if (pmap_mach.cpus == NULL || id < 0 || id >= pmap_mach.ncpus)
		return;
	cpu = pmap_mach.cpus[id];
	cpu->cycles += copy ? cpu->cost.page_copy : cpu->cost.page_zero;
	if (!cpu->has_caches)
		return;
	line = cpu->l1d.g.line_bytes;
	for (vm_offset_t off = 0; off < PAGE_SIZE; off += line) {
		if (copy)
			mmu_mem_access(cpu, src->phys_addr + off, line, MMU_LOAD,
			    pmap_memtype(src->memattr));
		mmu_mem_access(cpu, dst->phys_addr + off, line, MMU_STORE,
		    pmap_memtype(dst->memattr));
	}
}

void
pmap_zero_page(vm_page_t m)
{
	KASSERT(pmap_mach.pm != NULL, ("pmap_zero_page: no machine"));
	KASSERT(m->phys_addr + PAGE_SIZE <= pmap_mach.pm->size,
	    ("pmap_zero_page: 0x%llx outside memory",
	    (unsigned long long)m->phys_addr));
	memset(physmem_ptr(pmap_mach.pm, m->phys_addr), 0, PAGE_SIZE);
	pmap_charge_page(NULL, m, false);
}

void
pmap_copy_page(vm_page_t src, vm_page_t dst)
{
	KASSERT(pmap_mach.pm != NULL, ("pmap_copy_page: no machine"));
	KASSERT(src->phys_addr + PAGE_SIZE <= pmap_mach.pm->size &&
	    dst->phys_addr + PAGE_SIZE <= pmap_mach.pm->size,
	    ("pmap_copy_page: 0x%llx -> 0x%llx outside memory",
	    (unsigned long long)src->phys_addr,
	    (unsigned long long)dst->phys_addr));
	KASSERT(src != dst, ("pmap_copy_page: page onto itself"));
	memcpy(physmem_ptr(pmap_mach.pm, dst->phys_addr),
	    physmem_ptr(pmap_mach.pm, src->phys_addr), PAGE_SIZE);
	pmap_charge_page(src, dst, true);
}

int
pmap_tlb_refill(struct mmu_cpu *cpu, vm_offset_t va)
{
	return (pmap_md()->tlb_refill(cpu, va));
}

int
pmap_emulate_modified(struct pmap *pmap, struct mmu_cpu *cpu, vm_offset_t va)
{
	int rv;

	rv = pmap_md()->emulate_modified(pmap, cpu, va);
	pmap_assert_consistent(pmap, "pmap_emulate_modified");
	return (rv);
}

/*
 * Remove every mapping of m.  Each pmap_remove takes its pv entry off the
 * list (pmap_pv_remove), shoots the page down on every CPU and gives the
 * modified bit to m.
 */
void
pmap_remove_all(vm_page_t m)
{
	struct pv_entry *pv;

	if (!pmap_page_managed(m))
		return;
	while ((pv = m->md_pv) != NULL)
		pmap_remove(pv->pv_pmap, pv->pv_va, pv->pv_va + PAGE_SIZE);
}

bool
pmap_is_modified(vm_page_t m)
{
	struct pv_entry *pv;

	if (!pmap_page_managed(m))
		return (false);
	for (pv = m->md_pv; pv != NULL; pv = pv->pv_next)
		if (pmap_md()->pte_bits(pv->pv_pmap, pv->pv_va, 0) &
		    PMAP_PTE_MODIFIED)
			return (true);
	return (false);
}

/* The modified bits go to the page first: its dirtiness is not lost. */
void
pmap_clear_modify(vm_page_t m)
{
	struct pv_entry *pv;

	if (!pmap_page_managed(m))
		return;
	for (pv = m->md_pv; pv != NULL; pv = pv->pv_next)
		if (pmap_md()->pte_bits(pv->pv_pmap, pv->pv_va,
		    PMAP_PTE_MODIFIED) & PMAP_PTE_MODIFIED)
			vm_page_dirty(m);
}

int
pmap_ts_referenced(vm_page_t m)
{
	struct pv_entry *pv;
	int bits, n = 0;

	if (!pmap_page_managed(m))
		return (0);
	for (pv = m->md_pv; pv != NULL; pv = pv->pv_next) {
		bits = pmap_md()->pte_bits(pv->pv_pmap, pv->pv_va,
		    PMAP_PTE_REFERENCED);
		if (pv->pv_ref || (bits & PMAP_PTE_REFERENCED))
			n++;
		pv->pv_ref = 0;
	}
	return (n);
}

bool
pmap_page_is_mapped(vm_page_t m)
{
	return (pmap_page_managed(m) && m->md_pv != NULL);
}

unsigned long
pmap_ptpages(struct pmap *pmap)
{
	return (pmap->pm_ptpages);
}

/* The MD check, then: every valid leaf is accounted for by the pv layer
 * (a pv entry, or an unmanaged frame).  vm_page_check checks the other
 * direction (each pv entry is a mapping of its page). */
int
pmap_check(struct pmap *pmap, char *msg, size_t msglen)
{
	if (pmap_md()->check(pmap, msg, msglen) != 0)
		return (-1);
	if (pmap->pm_pvcount + pmap->pm_unmanaged != pmap->pm_resident) {
		snprintf(msg, msglen, "pmap: %lu PTEs, %lu pv entries + %lu "
		    "unmanaged", pmap->pm_resident, pmap->pm_pvcount,
		    pmap->pm_unmanaged);
		return (-1);
	}
	return (0);
}

/* ---- SMP: the shootdown rendezvous ---- */

const char *
pmap_reason_set(const char *reason)
{
	const char *old = pmap_cur_reason;

	pmap_cur_reason = reason != NULL ? reason : "other";
	return (old);
}

const char *
pmap_reason(void)
{
	return (pmap_cur_reason);
}

void
pmap_set_skip_shootdown(bool on)
{
	pmap_skip_sd = on;
}

bool
pmap_skip_shootdown(void)
{
	return (pmap_skip_sd);
}

int
pmap_initiator(void)
{
	int c = event_context()->cpu;

	return (c >= 0 && c < pmap_mach.ncpus ? c : 0);
}

uint64_t
pmap_all_cpus(void)
{
	return (pmap_mach.ncpus == 64 ? ~(uint64_t)0 :
	    PMAP_CPUBIT(pmap_mach.ncpus) - 1);
}

/*
 * The rendezvous (DESIGN.md 5): one EV_SHOOTDOWN for the operation (type
 * the reason; the kernel pmap's default reason is "kernel"), then for
 * each remote target an EV_IPI, cost.ipi_send charged to the initiator
 * and cost.ipi_recv to the target; then every CPU in sd->cpus runs
 * sd->invalidate, the initiator first, before the caller continues.  With
 * --bug skip-shootdown (user pmaps) no IPI is sent: the remote CPUs run
 * sd->skipped instead and keep their entries.
 */
void
pmap_shootdown(const struct pmap_sd *sd)
{
	static const char *const kinds[] = {
		[PMAP_SD_PAGE] = "page", [PMAP_SD_RANGE] = "range",
		[PMAP_SD_ALL] = "all",
	};
	int self = pmap_initiator(), c;
	uint64_t remote = sd->cpus & ~PMAP_CPUBIT(self);
	bool skip = pmap_skip_sd && sd->skipped != NULL && remote != 0;
	const char *reason = pmap_cur_reason;
	struct mmu_cpu *ic = pmap_cpu(self), *tc;
	struct event ev;

	KASSERT((sd->cpus & ~pmap_all_cpus()) == 0,
	    ("pmap_shootdown: cpus %#llx", (unsigned long long)sd->cpus));
	if (sd->pmap == kernel_pmap && strcmp(reason, "other") == 0)
		reason = "kernel";
	ev = event_make(EV_SHOOTDOWN, reason, sd->sva);
	snprintf(ev.detail, sizeof(ev.detail), "%s end=0x%llx targets=0x%llx%s",
	    kinds[sd->kind], (unsigned long long)sd->eva,
	    (unsigned long long)remote, skip ? " skipped" : "");
	event_emit(&ev, 0);
	if (!skip) {
		for (c = 0; c < pmap_mach.ncpus; c++) {
			if ((remote & PMAP_CPUBIT(c)) == 0)
				continue;
			tc = pmap_cpu(c);
			ic->cycles += ic->cost.ipi_send;
			tc->cycles += tc->cost.ipi_recv;
			ev = event_make(EV_IPI, reason, sd->sva);
			snprintf(ev.detail, sizeof(ev.detail), "to=%d", c);
			event_emit(&ev, 0);
		}
	}
	if (sd->cpus & PMAP_CPUBIT(self))
		sd->invalidate(ic, sd);
	for (c = 0; c < pmap_mach.ncpus; c++) {
		if ((remote & PMAP_CPUBIT(c)) == 0)
			continue;
		if (skip)
			sd->skipped(pmap_cpu(c), sd);
		else
			sd->invalidate(pmap_cpu(c), sd);
	}
}

/* ---- kernel virtual memory ---- */

static void
pmap_kva_check(vm_offset_t va, int count, const char *where)
{
	KASSERT((va & PAGE_MASK) == 0 && count >= 0 && va >= pmap_kva_min &&
	    va + ptoa((vm_offset_t)count) <= pmap_kva_max && va + ptoa((vm_offset_t)count) >= va,
	    ("%s: [%#llx, +%d pages) outside kernel VA [%#llx, %#llx)", where,
	    (unsigned long long)va, count, (unsigned long long)pmap_kva_min,
	    (unsigned long long)pmap_kva_max));
}

/* Each page with its own memory attribute. */
void
pmap_qenter(vm_offset_t va, vm_page_t *ma, int count)
{
	vm_paddr_t pa[PMAP_SD_MAXPAGES];
	vm_memattr_t attr[PMAP_SD_MAXPAGES];
	int i, n;

	pmap_kva_check(va, count, "pmap_qenter");
	for (i = 0; i < count; i += n) {
		n = MIN(count - i, PMAP_SD_MAXPAGES);
		for (int j = 0; j < n; j++) {
			pa[j] = VM_PAGE_TO_PHYS(ma[i + j]);
			attr[j] = ma[i + j]->memattr;
			KASSERT(attr[j] < VM_MEMATTR_COUNT, ("pmap_qenter: pa "
			    "%#llx has memattr %u", (unsigned long long)pa[j],
			    attr[j]));
		}
		pmap_md()->kenter(va + ptoa((vm_offset_t)i), pa, attr, n);
	}
}

void
pmap_qremove(vm_offset_t va, int count)
{
	pmap_kva_check(va, count, "pmap_qremove");
	if (count > 0)
		pmap_md()->kremove(va, count);
}

void
pmap_kenter(vm_offset_t va, vm_paddr_t pa)
{
	pmap_kenter_attr(va, pa, VM_MEMATTR_DEFAULT);
}

void
pmap_kenter_attr(vm_offset_t va, vm_paddr_t pa, vm_memattr_t ma)
{
	pmap_kva_check(va, 1, "pmap_kenter");
	KASSERT((pa & PAGE_MASK) == 0 && pa + PAGE_SIZE <= pmap_mach.pm->size,
	    ("pmap_kenter: pa %#llx", (unsigned long long)pa));
	KASSERT(ma < VM_MEMATTR_COUNT, ("pmap_kenter: memattr %u", ma));
	pmap_md()->kenter(va, &pa, &ma, 1);
}

void
pmap_kremove(vm_offset_t va)
{
	pmap_kva_check(va, 1, "pmap_kremove");
	pmap_md()->kremove(va, 1);
}

vm_paddr_t
pmap_kextract(vm_offset_t va)
{
	if (va < pmap_kva_min || va >= pmap_kva_max)
		return (0);
	return (pmap_md()->kextract(va));
}

/* FreeBSD pmap_align_tlb: a 2-page stack at *addr is one even/odd pair. */
void
pmap_align_tlb(vm_offset_t *addr)
{
	if (sim_arch_is_mips(pmap_mach.arch) && (*addr & PAGE_SIZE) != 0)
		*addr += PAGE_SIZE;
}

void
pmap_kstack_switch(struct mmu_cpu *cpu, vm_offset_t kstack)
{
	KASSERT(cpu->id >= 0 && cpu->id < pmap_mach.ncpus &&
	    pmap_mach.cpus[cpu->id] == cpu, ("pmap_kstack_switch: unknown cpu"));
	pmap_md()->kstack_switch(cpu, kstack);
}

void
pmap_pcpu_set(struct mmu_cpu *cpu, vm_offset_t va)
{
	KASSERT(cpu->id >= 0 && cpu->id < pmap_mach.ncpus &&
	    pmap_mach.cpus[cpu->id] == cpu, ("pmap_pcpu_set: unknown cpu"));
	pmap_md()->pcpu_set(cpu, va);
}

unsigned
pmap_mips_wired_needed(int ncpus)
{
	return (ncpus > 1 ? 2 : 1);
}

void
pmap_sync_icache(struct pmap *pmap, vm_offset_t va, vm_size_t len)
{
	if (len > 0)
		pmap_md()->sync_icache(pmap, va, len);
}

/* ---- memory attributes ---- */

/*
 * Set m's memory attribute.  A managed page's existing mappings (its pv
 * list, and the kernel mappings of its frame) are rewritten by the MD
 * code with the shootdowns that takes (reason "memattr"), then every
 * CPU's caches drop the page's lines (written back first).  A fictitious
 * page has no pv list: only the mappings entered after the call get the
 * attribute (the device pager sets it before the page is mapped).
 * Setting the attribute a page already has changes nothing.
 */
void
pmap_page_set_memattr(vm_page_t m, vm_memattr_t ma)
{
	const char *reason;
	struct pv_entry *pv;
	int c;

	KASSERT(m != NULL && ma < VM_MEMATTR_COUNT,
	    ("pmap_page_set_memattr: memattr %u", ma));
	if (m->memattr == ma)
		return;
	m->memattr = ma;
	if (!pmap_page_managed(m))
		return;
	reason = pmap_reason_set("memattr");
	pmap_md()->page_set_memattr(m);
	pmap_reason_set(reason);
	if (m->phys_addr + PAGE_SIZE <= pmap_mach.pm->size)
		for (c = 0; c < pmap_mach.ncpus; c++)
			mmu_cache_purge(pmap_cpu(c), m->phys_addr, PAGE_SIZE);
	for (pv = m->md_pv; pv != NULL; pv = pv->pv_next)
		pmap_assert_consistent(pv->pv_pmap, "pmap_page_set_memattr");
}

vm_memattr_t
pmap_page_get_memattr(vm_page_t m)
{
	KASSERT(m != NULL, ("pmap_page_get_memattr: NULL page"));
	return (m->memattr);
}
