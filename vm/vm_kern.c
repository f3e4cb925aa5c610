/*
 * vm/vm_kern.c — kernel virtual memory: kernel_map, its submaps and the
 * kmem allocators (FreeBSD sys/vm/vm_kern.c, 2010; VM-SPEC.md "Kernel
 * memory (kmem)" and "Low memory").  The kernel stacks built on it live
 * in vm_glue.c, as in FreeBSD.
 *
 * kernel_map is a vm_map over the kernel VA the pmap offers,
 * [pmap_kva_min, pmap_kva_max), flagged MAP_SYSTEM_MAP: it has no pmap of
 * its own (map->pmap is NULL).  Its pages are entered with pmap_qenter
 * into the kernel pmap, which shares them with every address space (MIPS
 * kseg2 with G set; amd64 the kernel PML4 slot), and vm_map_delete takes
 * them out again with pmap_qremove.  Nothing in kernel_map is ever paged
 * or faulted: kmem's pages are wired and mapped before it returns, and
 * kmem_alloc_nofault's entries are NOFAULT (a fault there is a kernel
 * panic; vm_map_lookup says so).
 *
 * A submap (kmem_suballoc) is a second kernel map over the range of one
 * NOFAULT entry of its parent flagged MAP_ENTRY_IS_SUB_MAP: the parent
 * sees bare VA, the submap's own entries hold the pages (entered into the
 * same kernel pmap).  XXX: FreeBSD's vm_map_lookup descends into submaps;
 * kernel memory here never faults, so nothing needs to.
 *
 * Every allocation is one entry with an object of its own.  The entry is
 * inserted first (reserving the VA) and flagged MAP_ENTRY_IN_TRANSITION
 * while its pages are allocated — which may run the page daemon and the
 * vm_lowmem handlers (the kstack cache frees VA in kernel_map meanwhile) —
 * then they are entered with pmap_qenter and the flag cleared.  A failure
 * frees the pages taken so far (their memattr reset), detaches and drops
 * the object and deletes the entry: nothing is left.
 *
 * XXX: each allocation gets an anonymous object of its own instead of
 * FreeBSD's single kernel_object/kmem_object indexed by VA: the entry then
 * frees its pages like any other (vm_map_entry_release_kernel) and
 * vm_object_check sees ordinary objects.
 *
 * kmem_map and exec_map sit at the top of kernel_map (of its first 4 GiB
 * on amd64), not first fit as in FreeBSD, so that the kernel stacks and
 * the per-CPU pages keep the addresses they had before the submaps
 * existed (traces stay comparable).
 */
#include "vm/vm_kern.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#include "sim/base/event.h"
#include "vm/pmap.h"
#include "vm/vm_map.h"
#include "vm/vm_object.h"
#include "vm/vm_page.h"
#include "vm/vm_pageout.h"

struct vm_map *kernel_map;
static struct vm_map kernel_map_store;
static bool kernel_map_needs_wakeup;

struct vm_map *kmem_map, *exec_map;

/* A submap made by kmem_suballoc (a list, newest first). */
struct kmem_submap {
	struct kmem_submap *next;
	struct vm_map map;
	struct vm_map *parent;
	const char *name;
	bool needs_wakeup;
};
static struct kmem_submap *kmem_submaps;

static kmem_wakeup_fn *kmem_wakeup_hook;
static void *kmem_wakeup_arg;

/* The submap record of map, or NULL (kernel_map or a foreign map). */
static struct kmem_submap *
kmem_submap_of(const struct vm_map *map)
{
	struct kmem_submap *sm;

	for (sm = kmem_submaps; sm != NULL; sm = sm->next)
		if (&sm->map == map)
			return (sm);
	return (NULL);
}

/* The live submap held by entry e of parent, or NULL. */
static struct kmem_submap *
kmem_submap_of_entry(const struct vm_map *parent, const struct vm_map_entry *e)
{
	struct kmem_submap *sm;

	for (sm = kmem_submaps; sm != NULL; sm = sm->next)
		if (sm->parent == parent && sm->map.min_offset == e->start)
			return (sm);
	return (NULL);
}

const char *
kmem_map_name(const struct vm_map *map)
{
	struct kmem_submap *sm;

	if (map != NULL && map == kernel_map)
		return ("kernel_map");
	if ((sm = kmem_submap_of(map)) != NULL)
		return (sm->name);
	return ("map");
}

/* One EV_KMEM event: type, va, detail "MAP: ...". */
static void
kmem_event(const char *type, const struct vm_map *map, vm_offset_t va,
    const char *fmt, ...)
{
	struct event ev;
	va_list ap;
	int n;

	ev = event_make(EV_KMEM, type, va);
	n = snprintf(ev.detail, sizeof(ev.detail), "%s: ", kmem_map_name(map));
	if (n < 0 || (size_t)n >= sizeof(ev.detail))
		n = 0;
	va_start(ap, fmt);
	vsnprintf(ev.detail + n, sizeof(ev.detail) - (size_t)n, fmt, ap);
	va_end(ap);
	event_emit(&ev, 0);
}

/* ---- kernel_map and the submaps --------------------------------------- */

/* Make the submap record over [start, start + size) of parent, whose
 * entry the caller has inserted. */
static struct vm_map *
kmem_submap_make(struct vm_map *parent, vm_offset_t start, vm_size_t size,
    const char *name)
{
	struct kmem_submap *sm;
	struct vm_map_entry *e;

	if (!vm_map_lookup_entry(parent, start, &e) || e->start != start ||
	    e->end != start + size)
		panic("kmem_suballoc: the new entry at %#llx is gone",
		    (unsigned long long)start);
	e->eflags |= MAP_ENTRY_IS_SUB_MAP;
	if ((sm = calloc(1, sizeof(*sm))) == NULL)
		panic("kmem_suballoc: out of host memory");
	vm_map_init(&sm->map, NULL, start, start + size);
	sm->map.flags |= MAP_SYSTEM_MAP;
	sm->parent = parent;
	sm->name = name;
	sm->next = kmem_submaps;
	kmem_submaps = sm;
	return (&sm->map);
}

/* See vm_kern.h. */
struct vm_map *
kmem_suballoc(struct vm_map *parent, vm_offset_t *min, vm_offset_t *max,
    vm_size_t size, bool superpage_align)
{
	vm_offset_t addr;
	struct vm_map *sub;

	KASSERT((parent->flags & MAP_SYSTEM_MAP) != 0,
	    ("kmem_suballoc: the parent is not a kernel map"));
	size = round_page(size);
	if (size == 0)
		return (NULL);
	addr = parent->min_offset;
	if (vm_map_find(parent, NULL, 0, &addr, size, superpage_align ?
	    VMFS_ALIGNED_SPACE : VMFS_ANY_SPACE, VM_PROT_ALL, VM_PROT_ALL,
	    MAP_NOFAULT) != KERN_SUCCESS)
		return (NULL);
	sub = kmem_submap_make(parent, addr, size, "submap");
	*min = addr;
	*max = addr + size;
	return (sub);
}

/* Forget every submap record (host memory only: see vm_kern_init). */
static void
kmem_submaps_forget(void)
{
	struct kmem_submap *sm;

	while ((sm = kmem_submaps) != NULL) {
		kmem_submaps = sm->next;
		vm_map_forget(&sm->map);
		free(sm);
	}
	kmem_map = exec_map = NULL;
}

/* The sizes of kmem_map and exec_map for npages pages of memory and kva
 * bytes of kernel VA (see vm_kern.h). */
static void
vm_kern_submap_sizes(unsigned long npages, vm_size_t kva, vm_size_t *kmem,
    vm_size_t *exec)
{
	*kmem = MAX(round_page(ptoa((vm_size_t)npages) / 4), ptoa(16));
	*exec = EXEC_MAP_BUFS * round_page(KMEM_ARG_MAX + KMEM_PATH_MAX);
	if (kva != 0) {
		*kmem = MAX(MIN(*kmem, trunc_page(kva / 4)), PAGE_SIZE);
		*exec = MAX(MIN(*exec, trunc_page(kva / 4)), PAGE_SIZE);
	}
}

vm_size_t
vm_kern_submaps_reserve(unsigned long npages)
{
	vm_size_t kmem, exec;

	vm_kern_submap_sizes(npages, 0, &kmem, &exec);
	return (kmem + exec + VM_SUPERPAGE_SIZE);
}

/*
 * Where the boot submaps end: the top of kernel_map, or of its first 4 GiB
 * when it is larger (amd64: the 512 GiB kernel slot; addresses stay short
 * in dumps, and the pmap's tables stay in one page-directory-pointer
 * page).
 */
#define VM_KERN_SUBMAPS_TOP	((vm_offset_t)4 << 30)

/* Place a submap of size bytes exactly at start in kernel_map. */
static struct vm_map *
vm_kern_submap_at(vm_offset_t start, vm_size_t size, const char *name)
{
	if (vm_map_insert(kernel_map, NULL, 0, start, start + size, VM_PROT_ALL,
	    VM_PROT_ALL, MAP_NOFAULT) != KERN_SUCCESS)
		panic("vm_kern_init: no room for %s at %#llx (%#llx bytes)", name,
		    (unsigned long long)start, (unsigned long long)size);
	return (kmem_submap_make(kernel_map, start, size, name));
}

/*
 * Make kernel_map over [pmap_kva_min, pmap_kva_max), which pmap_bootstrap
 * (or the unit tests' fake pmap) has set, its submaps exec_map (at the
 * top) and kmem_map (below it, superpage-aligned when 2 MiB or more),
 * sized from the managed pages (vm_page_stats), and start the
 * kernel-stack cache (its vm_lowmem handler).  Called again without
 * vm_kern_fini (a new machine after one that was not shut down), the
 * previous kernel_map, submaps and cache are forgotten: their host memory
 * is freed, but nothing of the old machine is touched (its page array and
 * objects may be gone already; vm_page_startup and vm_object_init forget
 * them too).
 */
void
vm_kern_init(void)
{
	struct vm_page_stats st;
	vm_size_t kmem, exec;
	vm_offset_t top, start;

	if (kernel_map != NULL) {
		kmem_submaps_forget();
		vm_map_forget(kernel_map);
	}
	KASSERT(pmap_kva_min < pmap_kva_max && (pmap_kva_min & PAGE_MASK) == 0 &&
	    (pmap_kva_max & PAGE_MASK) == 0,
	    ("vm_kern_init: bad kernel VA [%#llx, %#llx)",
	    (unsigned long long)pmap_kva_min, (unsigned long long)pmap_kva_max));
	vm_map_init(&kernel_map_store, NULL, pmap_kva_min, pmap_kva_max);
	kernel_map_store.flags |= MAP_SYSTEM_MAP;
	kernel_map = &kernel_map_store;
	kernel_map_needs_wakeup = false;

	vm_page_stats(&st);
	vm_kern_submap_sizes((unsigned long)st.npages, pmap_kva_max - pmap_kva_min,
	    &kmem, &exec);
	top = MIN(pmap_kva_max - pmap_kva_min, VM_KERN_SUBMAPS_TOP) + pmap_kva_min -
	    exec;
	exec_map = vm_kern_submap_at(top, exec, "exec_map");
	start = top - kmem;
	if (kmem >= VM_SUPERPAGE_SIZE &&
	    (start & ~(VM_SUPERPAGE_SIZE - 1)) >= pmap_kva_min)
		start &= ~(VM_SUPERPAGE_SIZE - 1);
	kmem_map = vm_kern_submap_at(start, kmem, "kmem_map");
	vm_kstack_init();
}

/*
 * Shut kernel memory down while the machine still stands (after the
 * kernel has disposed of every thread's stack, before the pmap and the
 * physical memory go): the vm_lowmem handler is unregistered, the cached
 * stacks are freed, every submap emptied (newest first) and every
 * kernel_map entry removed — kmem memory unmapped (pmap_qremove: the pmap
 * may log shootdowns), its pages reset to the default memattr and freed;
 * the VA of NOFAULT entries given back (a stack still in use keeps its
 * pages and object: the caller's leak).  No EV_KSTACK is logged.  No-op
 * when not initialised.
 */
void
vm_kern_fini(void)
{
	struct kmem_submap *sm;

	if (kernel_map == NULL)
		return;
	vm_kstack_fini();
	while ((sm = kmem_submaps) != NULL) {
		kmem_submaps = sm->next;
		/* The entries of a submap are freed like kmem_free's. */
		kmem_free(&sm->map, sm->map.min_offset,
		    sm->map.max_offset - sm->map.min_offset);
		free(sm);
	}
	kmem_map = exec_map = NULL;
	kmem_free(kernel_map, kernel_map->min_offset,
	    kernel_map->max_offset - kernel_map->min_offset);
	kernel_map = NULL;
	kmem_wakeup_hook = NULL;
	kmem_wakeup_arg = NULL;
}

/* ---- shortages --------------------------------------------------------- */

/*
 * Insert an entry of size bytes for obj (its reference passes to the map)
 * at the first fit in map, flagged IN_TRANSITION and wired.  No VA: unless
 * M_NOWAIT, an EV_KMEM "retry", vm_lowmem(VM_LOW_KMEM), and one more
 * search.  Returns the entry with *addrp, or NULL (obj still the
 * caller's).
 */
static struct vm_map_entry *
kmem_entry_insert(struct vm_map *map, struct vm_object *obj, vm_size_t size,
    int flags, const char *what, vm_offset_t *addrp)
{
	struct vm_map_entry *e;
	vm_offset_t addr;
	int rv, try;

	for (try = 0;; try++) {
		addr = map->min_offset;
		rv = vm_map_find(map, obj, 0, &addr, size, VMFS_ANY_SPACE,
		    VM_PROT_ALL, VM_PROT_ALL, MAP_ACC_NO_CHARGE);
		if (rv == KERN_SUCCESS)
			break;
		if (try > 0 || (flags & M_NOWAIT) != 0)
			return (NULL);
		kmem_event("retry", map, 0, "%s: no VA for %llu pages, lowmem",
		    what, (unsigned long long)atop(size));
		vm_lowmem_raise(VM_LOW_KMEM);
	}
	if (!vm_map_lookup_entry(map, addr, &e) || e->start != addr)
		panic("kmem: the new entry at %#llx is gone",
		    (unsigned long long)addr);
	e->eflags |= MAP_ENTRY_IN_TRANSITION;
	e->wired_count = 1;
	*addrp = addr;
	return (e);
}

/*
 * A page could not be had: true (and one more try may be made) while
 * *tries < max — an EV_KMEM "retry", then the page daemon (which raises
 * vm_lowmem), or vm_lowmem(VM_LOW_PAGES) when the daemon could not run
 * (not set up, or already running).  false when the tries are used up.
 */
static bool
kmem_page_retry(struct vm_map *map, vm_offset_t addr, int *tries, int max,
    const char *what)
{
	uint64_t raised;

	if (*tries >= max)
		return (false);
	(*tries)++;
	kmem_event("retry", map, addr, "%s: no page, try %d/%d (free %lu)", what,
	    *tries, max, vm_phys_free_count());
	raised = vm_lowmem_count();
	(void)vm_pageout_run(VM_PAGEOUT_ALLOC);
	if (vm_lowmem_count() == raised)
		vm_lowmem_raise(VM_LOW_PAGES);
	return (true);
}

/* Give a page back to the free pool: its memattr reset, unwired, freed. */
static void
kmem_page_release(vm_page_t m)
{
	if (m->memattr != VM_MEMATTR_DEFAULT)
		pmap_page_set_memattr(m, VM_MEMATTR_DEFAULT);
	vm_page_unwire(m, false);
	vm_page_free(m);
}

/*
 * Undo an IN_TRANSITION entry [addr, addr + size) of map whose pages are
 * not entered: free the pages its object holds, drop the object and
 * delete the entry (no pmap_qremove: nothing was mapped).
 */
static void
kmem_entry_unwind(struct vm_map *map, struct vm_map_entry *e)
{
	struct vm_object *obj;
	vm_offset_t start, end;
	vm_pindex_t pi, first, last;
	vm_page_t m;

	KASSERT((e->eflags & MAP_ENTRY_IN_TRANSITION) != 0,
	    ("kmem_entry_unwind: entry not in transition"));
	start = e->start;
	end = e->end;
	obj = e->object;
	if (obj != NULL) {
		first = atop(e->offset);
		last = first + atop(end - start);
		for (pi = first; pi < last; pi++)
			if ((m = vm_page_lookup(obj, pi)) != NULL)
				kmem_page_release(m);
		e->object = NULL;
		vm_object_deallocate(obj);
	}
	e->wired_count = 0;
	e->eflags &= ~MAP_ENTRY_IN_TRANSITION;
	(void)vm_map_delete(map, start, end);
}

/* The entry's pages are all there: enter them, end the transition. */
static void
kmem_entry_finish(struct vm_map_entry *e, vm_page_t *pages)
{
	pmap_qenter(e->start, pages, (int)atop(e->end - e->start));
	e->eflags &= ~MAP_ENTRY_IN_TRANSITION;
}

/* A host array for n page pointers: small (the caller's) or calloc'ed. */
static vm_page_t *
kmem_pages_array(vm_page_t *small, size_t nsmall, vm_pindex_t n)
{
	vm_page_t *pages;

	if (n <= nsmall)
		return (small);
	if ((pages = calloc(n, sizeof(*pages))) == NULL)
		panic("kmem: out of host memory");
	return (pages);
}

/* A request the map could never hold (or an empty one). */
static bool
kmem_size_bad(struct vm_map *map, vm_size_t size)
{
	return (size == 0 || size > map->max_offset - map->min_offset);
}

/* ---- kmem_malloc, kmem_back, kmem_alloc -------------------------------- */

/*
 * Allocate the pages of e (IN_TRANSITION, wired, with its object) and
 * enter them; or unwind e (gone) and log the failure.  KERN_SUCCESS or
 * KERN_NO_SPACE.
 */
static int
kmem_back_entry(struct vm_map *map, struct vm_map_entry *e, int flags,
    const char *what)
{
	vm_page_t ma[64], *pages, m;
	struct vm_object *obj;
	vm_pindex_t i, npages, first;
	vm_offset_t addr;
	int tries;

	addr = e->start;
	obj = e->object;
	first = atop(e->offset);
	npages = atop(e->end - e->start);
	pages = kmem_pages_array(ma, sizeof(ma) / sizeof(ma[0]), npages);
	for (i = 0; i < npages; i++) {
		tries = 0;
		while ((m = vm_page_alloc(obj, first + i, VM_ALLOC_WIRED |
		    ((flags & M_ZERO) != 0 ? VM_ALLOC_ZERO : 0))) == NULL) {
			if (!kmem_page_retry(map, addr, &tries,
			    (flags & M_NOWAIT) != 0 ? 0 : KMEM_TRIES, what))
				goto fail;
			KASSERT(vm_map_lookup_entry(map, addr, &e) &&
			    e->start == addr && e->object == obj &&
			    (e->eflags & MAP_ENTRY_IN_TRANSITION) != 0,
			    ("kmem_back: the entry changed while in transition"));
		}
		m->valid = 1;
		pages[i] = m;
	}
	kmem_entry_finish(e, pages);
	if (pages != ma)
		free(pages);
	return (KERN_SUCCESS);
fail:
	kmem_event("fail", map, addr, "%s: got %llu of %llu pages", what,
	    (unsigned long long)i, (unsigned long long)npages);
	kmem_entry_unwind(map, e);
	if (pages != ma)
		free(pages);
	return (KERN_NO_SPACE);
}

/* See vm_kern.h. */
int
kmem_back(struct vm_map *map, vm_offset_t addr, vm_size_t size, int flags)
{
	struct vm_map_entry *e;

	KASSERT((map->flags & MAP_SYSTEM_MAP) != 0 &&
	    ((addr | size) & PAGE_MASK) == 0 && size != 0,
	    ("kmem_back: [%#llx, +%#llx) not page aligned in a kernel map",
	    (unsigned long long)addr, (unsigned long long)size));
	if (!vm_map_lookup_entry(map, addr, &e) || e->start != addr ||
	    e->end != addr + size)
		panic("kmem_back: [%#llx, %#llx) is not one entry of %s",
		    (unsigned long long)addr, (unsigned long long)(addr + size),
		    kmem_map_name(map));
	KASSERT(e->wired_count == 0 && (e->eflags & (MAP_ENTRY_IN_TRANSITION |
	    MAP_ENTRY_NOFAULT | MAP_ENTRY_IS_SUB_MAP)) == 0,
	    ("kmem_back: entry at %#llx wired %d flags %#x",
	    (unsigned long long)addr, e->wired_count, e->eflags));
	if (e->object == NULL) {
		e->object = vm_object_allocate(OBJT_DEFAULT, atop(size));
		e->offset = 0;
	}
	e->eflags |= MAP_ENTRY_IN_TRANSITION;
	e->wired_count = 1;
	return (kmem_back_entry(map, e, flags, "kmem_back"));
}

/* See vm_kern.h. */
vm_offset_t
kmem_malloc(struct vm_map *map, vm_size_t size, int flags)
{
	struct vm_map_entry *e;
	struct vm_object *obj;
	vm_offset_t addr;

	size = round_page(size);
	if (kmem_size_bad(map, size))
		return (0);
	obj = vm_object_allocate(OBJT_DEFAULT, atop(size));
	if ((e = kmem_entry_insert(map, obj, size, flags, "kmem_malloc",
	    &addr)) == NULL) {
		vm_object_deallocate(obj);
		kmem_event("fail", map, 0, "kmem_malloc: no VA for %llu pages",
		    (unsigned long long)atop(size));
		return (0);
	}
	return (kmem_back_entry(map, e, flags, "kmem_malloc") == KERN_SUCCESS ?
	    addr : 0);
}

/*
 * size bytes (rounded up to pages) of kernel memory: new zeroed pages,
 * wired, in an object of their own, entered with pmap_qenter at the first
 * fit in map; the entry is wired.  Returns the VA, or 0 (size 0, no page
 * or no VA after the retries of vm_kern.h), with nothing left allocated.
 */
vm_offset_t
kmem_alloc(struct vm_map *map, vm_size_t size)
{
	return (kmem_malloc(map, size, M_WAITOK | M_ZERO));
}

/*
 * Give back [addr, addr + size) (page-rounded outward) of map: what the
 * allocators returned is unmapped (pmap_qremove), its pages reset to the
 * default memory attribute, unwired and freed; what kmem_alloc_nofault
 * returned only gives its VA back (the caller has taken its own pages out
 * first).  Parts of an allocation may be freed.  An entry in transition
 * or holding a submap must not be in the range (panic).
 */
void
kmem_free(struct vm_map *map, vm_offset_t addr, vm_size_t size)
{
	struct vm_map_entry *e;
	vm_offset_t start, end, s, t;
	vm_pindex_t pi;
	vm_page_t m;

	KASSERT((map->flags & MAP_SYSTEM_MAP) != 0,
	    ("kmem_free: %#llx from a map that is not a kernel map",
	    (unsigned long long)addr));
	start = MAX(trunc_page(addr), map->min_offset);
	end = MIN(round_page(addr + size), map->max_offset);
	if (start >= end)
		return;
	if (!vm_map_lookup_entry(map, start, &e))
		e = e->next;
	for (; e != &map->header && e->start < end; e = e->next) {
		if ((e->eflags & MAP_ENTRY_IN_TRANSITION) != 0)
			panic("kmem_free: [%#llx, %#llx) of %s is in transition",
			    (unsigned long long)e->start,
			    (unsigned long long)e->end, kmem_map_name(map));
		if ((e->eflags & MAP_ENTRY_IS_SUB_MAP) != 0 &&
		    kmem_submap_of_entry(map, e) != NULL)
			panic("kmem_free: [%#llx, %#llx) of %s holds a submap",
			    (unsigned long long)e->start,
			    (unsigned long long)e->end, kmem_map_name(map));
		if (e->object == NULL)
			continue;
		s = MAX(e->start, start);
		t = MIN(e->end, end);
		for (pi = atop(e->offset + (s - e->start));
		    pi < atop(e->offset + (t - e->start)); pi++)
			if ((m = vm_page_lookup(e->object, pi)) != NULL &&
			    m->memattr != VM_MEMATTR_DEFAULT)
				pmap_page_set_memattr(m, VM_MEMATTR_DEFAULT);
	}
	(void)vm_map_delete(map, start, end);
}

/* ---- physically constrained memory ------------------------------------- */

/* The exclusive end of the inclusive bound high. */
static vm_paddr_t
kmem_high_excl(vm_paddr_t high)
{
	return (high == (vm_paddr_t)-1 ? high : high + 1);
}

/* Set up a page taken from vm_phys as vm_page_alloc would (wired, in obj
 * at pindex), with memattr applied before anything maps it; zeroed with
 * M_ZERO. */
static void
kmem_page_setup(vm_page_t m, struct vm_object *obj, vm_pindex_t pindex,
    int flags, vm_memattr_t memattr)
{
	KASSERT(m->md_pv == NULL && m->object == NULL && m->queue == PQ_NONE,
	    ("kmem: free pa %#llx in use", (unsigned long long)m->phys_addr));
	m->flags = 0;
	m->dirty = 0;
	m->valid = 0;
	m->wire_count = 0;
	m->hold_count = 0;
	m->pindex = 0;
	vm_page_wire(m);
	if (m->memattr != memattr)
		pmap_page_set_memattr(m, memattr);
	vm_page_insert(m, obj, pindex);
	if ((flags & M_ZERO) != 0) {
		pmap_zero_page(m);
		m->flags |= PG_ZERO;
	}
	m->valid = 1;
}

/* The entry for a constrained allocation: an object with memattr, in
 * transition, or NULL (no VA: logged). */
static struct vm_map_entry *
kmem_constrained_entry(struct vm_map *map, vm_size_t size, int flags,
    vm_memattr_t memattr, const char *what, vm_offset_t *addrp)
{
	struct vm_map_entry *e;
	struct vm_object *obj;

	obj = vm_object_allocate(OBJT_DEFAULT, atop(size));
	(void)vm_object_set_memattr(obj, memattr);
	if ((e = kmem_entry_insert(map, obj, size, flags, what, addrp)) == NULL) {
		vm_object_deallocate(obj);
		kmem_event("fail", map, 0, "%s: no VA for %llu pages", what,
		    (unsigned long long)atop(size));
	}
	return (e);
}

/* See vm_kern.h. */
vm_offset_t
kmem_alloc_attr(struct vm_map *map, vm_size_t size, int flags, vm_paddr_t low,
    vm_paddr_t high, vm_memattr_t memattr)
{
	vm_page_t ma[64], *pages, m;
	struct vm_map_entry *e;
	vm_pindex_t i, npages;
	vm_offset_t addr;
	vm_paddr_t hi;
	int tries;

	KASSERT(memattr < VM_MEMATTR_COUNT, ("kmem_alloc_attr: memattr %u",
	    memattr));
	size = round_page(size);
	if (kmem_size_bad(map, size) || low > high)
		return (0);
	if ((e = kmem_constrained_entry(map, size, flags, memattr,
	    "kmem_alloc_attr", &addr)) == NULL)
		return (0);
	npages = atop(size);
	hi = kmem_high_excl(high);
	pages = kmem_pages_array(ma, sizeof(ma) / sizeof(ma[0]), npages);
	for (i = 0; i < npages; i++) {
		tries = 0;
		while ((m = vm_phys_alloc_page_range(low, hi)) == NULL) {
			if (!kmem_page_retry(map, addr, &tries,
			    (flags & M_NOWAIT) != 0 ? KMEM_TRIES_NOWAIT : KMEM_TRIES,
			    "kmem_alloc_attr"))
				goto fail;
			KASSERT(vm_map_lookup_entry(map, addr, &e) &&
			    e->start == addr &&
			    (e->eflags & MAP_ENTRY_IN_TRANSITION) != 0,
			    ("kmem_alloc_attr: the entry changed in transition"));
		}
		kmem_page_setup(m, e->object, i, flags, memattr);
		pages[i] = m;
	}
	kmem_entry_finish(e, pages);
	if (pages != ma)
		free(pages);
	return (addr);
fail:
	kmem_event("fail", map, addr, "kmem_alloc_attr: %llu of %llu pages in "
	    "[%#llx, %#llx]", (unsigned long long)i, (unsigned long long)npages,
	    (unsigned long long)low, (unsigned long long)high);
	kmem_entry_unwind(map, e);
	if (pages != ma)
		free(pages);
	return (0);
}

/* See vm_kern.h. */
vm_offset_t
kmem_alloc_contig(struct vm_map *map, vm_size_t size, int flags,
    vm_paddr_t low, vm_paddr_t high, vm_paddr_t alignment, vm_paddr_t boundary,
    vm_memattr_t memattr)
{
	vm_page_t ma[64], *pages, run;
	struct vm_map_entry *e;
	vm_pindex_t i, npages;
	vm_offset_t addr;
	int tries;

	KASSERT(memattr < VM_MEMATTR_COUNT, ("kmem_alloc_contig: memattr %u",
	    memattr));
	KASSERT((alignment & (alignment - 1)) == 0 &&
	    (boundary & (boundary - 1)) == 0,
	    ("kmem_alloc_contig: alignment %#llx or boundary %#llx not a power "
	    "of 2", (unsigned long long)alignment, (unsigned long long)boundary));
	size = round_page(size);
	if (kmem_size_bad(map, size) || low > high ||
	    (boundary != 0 && size > boundary))
		return (0);
	if ((e = kmem_constrained_entry(map, size, flags, memattr,
	    "kmem_alloc_contig", &addr)) == NULL)
		return (0);
	npages = atop(size);
	tries = 0;
	while ((run = vm_phys_alloc_contig((unsigned long)npages, low,
	    kmem_high_excl(high), alignment, boundary)) == NULL) {
		if (!kmem_page_retry(map, addr, &tries, (flags & M_NOWAIT) != 0 ?
		    KMEM_TRIES_NOWAIT : KMEM_TRIES, "kmem_alloc_contig")) {
			kmem_event("fail", map, addr, "kmem_alloc_contig: no run "
			    "of %llu pages in [%#llx, %#llx] align %#llx "
			    "boundary %#llx", (unsigned long long)npages,
			    (unsigned long long)low, (unsigned long long)high,
			    (unsigned long long)alignment,
			    (unsigned long long)boundary);
			kmem_entry_unwind(map, e);
			return (0);
		}
		KASSERT(vm_map_lookup_entry(map, addr, &e) && e->start == addr &&
		    (e->eflags & MAP_ENTRY_IN_TRANSITION) != 0,
		    ("kmem_alloc_contig: the entry changed in transition"));
	}
	pages = kmem_pages_array(ma, sizeof(ma) / sizeof(ma[0]), npages);
	for (i = 0; i < npages; i++) {
		/* The run's pages follow each other in the page array. */
		kmem_page_setup(&run[i], e->object, i, flags, memattr);
		pages[i] = &run[i];
	}
	kmem_entry_finish(e, pages);
	if (pages != ma)
		free(pages);
	return (addr);
}

/* ---- waiting for room: kmem_alloc_wait / kmem_free_wakeup --------------- */

/* map's needs-wakeup mark (kernel_map or a submap). */
static bool *
kmem_wakeup_mark(struct vm_map *map)
{
	struct kmem_submap *sm;

	if (map == kernel_map)
		return (&kernel_map_needs_wakeup);
	if ((sm = kmem_submap_of(map)) != NULL)
		return (&sm->needs_wakeup);
	panic("kmem: %p is neither kernel_map nor one of its submaps",
	    (const void *)map);
}

bool
kmem_needs_wakeup(struct vm_map *map)
{
	return (*kmem_wakeup_mark(map));
}

void
kmem_set_wakeup(kmem_wakeup_fn *fn, void *arg)
{
	kmem_wakeup_hook = fn;
	kmem_wakeup_arg = arg;
}

/* See vm_kern.h. */
vm_offset_t
kmem_alloc_wait(struct vm_map *map, vm_size_t size)
{
	struct vm_map_entry *e;
	struct vm_object *obj;
	vm_offset_t addr;
	bool *mark;

	mark = kmem_wakeup_mark(map);
	size = round_page(size);
	if (kmem_size_bad(map, size))
		return (0);
	if (vm_map_findspace(map, map->min_offset, size, &addr) != 0) {
		/* No room for now: the caller sleeps on the map. */
		*mark = true;
		kmem_event("wait", map, 0, "kmem_alloc_wait: no VA for %llu "
		    "pages, %llu of %llu bytes in use", (unsigned long long)atop(size),
		    (unsigned long long)map->size,
		    (unsigned long long)(map->max_offset - map->min_offset));
		return (0);
	}
	obj = vm_object_allocate(OBJT_DEFAULT, atop(size));
	if ((e = kmem_entry_insert(map, obj, size, M_NOWAIT, "kmem_alloc_wait",
	    &addr)) == NULL)
		panic("kmem_alloc_wait: the space found is gone");
	return (kmem_back_entry(map, e, M_WAITOK | M_ZERO, "kmem_alloc_wait") ==
	    KERN_SUCCESS ? addr : 0);
}

/* See vm_kern.h. */
void
kmem_free_wakeup(struct vm_map *map, vm_offset_t addr, vm_size_t size)
{
	bool *mark;

	mark = kmem_wakeup_mark(map);
	kmem_free(map, addr, size);
	if (*mark) {
		*mark = false;
		kmem_event("wakeup", map, trunc_page(addr), "kmem_free_wakeup: "
		    "%llu pages freed", (unsigned long long)atop(round_page(addr +
		    size) - trunc_page(addr)));
		if (kmem_wakeup_hook != NULL)
			kmem_wakeup_hook(kmem_wakeup_arg, map);
	}
}

/* ---- VA only ----------------------------------------------------------- */

/* kmem_alloc_nofault_space(map, size, VMFS_ANY_SPACE). */
vm_offset_t
kmem_alloc_nofault(struct vm_map *map, vm_size_t size)
{
	return (kmem_alloc_nofault_space(map, size, VMFS_ANY_SPACE));
}

/*
 * size bytes (page-rounded) of VA only, at the first fit in map that
 * find_space allows (VMFS_ANY_SPACE; VMFS_TLB_ALIGNED_SPACE: starting on
 * an even page on MIPS, pmap_align_tlb; VMFS_ALIGNED_SPACE: superpage
 * aligned), as a NOFAULT entry with no object.  The caller enters its own
 * pages with pmap_qenter and takes them out (pmap_qremove) before
 * kmem_free.  Returns the VA, or 0 (size 0, or no room: no retry, the
 * caller decides — vm_thread_new drains the kstack cache).
 */
vm_offset_t
kmem_alloc_nofault_space(struct vm_map *map, vm_size_t size, int find_space)
{
	vm_offset_t addr;

	KASSERT(find_space == VMFS_ANY_SPACE || find_space == VMFS_ALIGNED_SPACE ||
	    find_space == VMFS_TLB_ALIGNED_SPACE,
	    ("kmem_alloc_nofault_space: find_space %d", find_space));
	size = round_page(size);
	if (size == 0)
		return (0);
	addr = map->min_offset;
	if (vm_map_find(map, NULL, 0, &addr, size, find_space, VM_PROT_ALL,
	    VM_PROT_ALL, MAP_NOFAULT) != KERN_SUCCESS)
		return (0);
	return (addr);
}
