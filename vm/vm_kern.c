/*
 * vm/vm_kern.c — kernel virtual memory: kernel_map and the kmem
 * allocators (FreeBSD sys/vm/vm_kern.c, 2010; VM-SPEC.md "Kernel memory
 * (kmem)").  The kernel stacks built on it live in vm_glue.c, as in
 * FreeBSD.
 *
 * kernel_map is a vm_map over the kernel VA the pmap offers,
 * [pmap_kva_min, pmap_kva_max), flagged MAP_SYSTEM_MAP: it has no pmap of
 * its own (map->pmap is NULL).  Its pages are entered with pmap_qenter
 * into the kernel pmap, which shares them with every address space (MIPS
 * kseg2 with G set; amd64 the kernel PML4 slot), and vm_map_delete takes
 * them out again with pmap_qremove.  Nothing in kernel_map is ever paged
 * or faulted: kmem_alloc's pages are wired and mapped before it returns,
 * and kmem_alloc_nofault's entries are NOFAULT (a fault there is a kernel
 * panic; vm_map_lookup says so).
 *
 * XXX: each kmem_alloc gets an anonymous object of its own instead of
 * FreeBSD's single kernel_object indexed by VA: the entry then frees its
 * pages like any other (vm_map_entry_release_kernel) and vm_object_check
 * sees ordinary objects.
 *
 * The workload: a few per-CPU pages and one kernel stack per thread (a
 * few hundred entries at most); the map's linear lookups are fine.
 */
#include "vm/vm_kern.h"

#include <stdlib.h>

#include "vm/pmap.h"
#include "vm/vm_map.h"
#include "vm/vm_object.h"
#include "vm/vm_page.h"

struct vm_map *kernel_map;
static struct vm_map kernel_map_store;

/*
 * Make kernel_map over [pmap_kva_min, pmap_kva_max), which pmap_bootstrap
 * (or the unit tests' fake pmap) has set, and start the kernel-stack
 * cache (its vm_lowmem handler).  Called again without vm_kern_fini (a
 * new machine after one that was not shut down), the previous kernel_map
 * and cache are forgotten: their host memory is freed, but nothing of the
 * old machine is touched (its page array and objects may be gone already;
 * vm_page_startup and vm_object_init forget them too).
 */
void
vm_kern_init(void)
{
	if (kernel_map != NULL)
		vm_map_forget(kernel_map);
	KASSERT(pmap_kva_min < pmap_kva_max && (pmap_kva_min & PAGE_MASK) == 0 &&
	    (pmap_kva_max & PAGE_MASK) == 0,
	    ("vm_kern_init: bad kernel VA [%#llx, %#llx)",
	    (unsigned long long)pmap_kva_min, (unsigned long long)pmap_kva_max));
	vm_map_init(&kernel_map_store, NULL, pmap_kva_min, pmap_kva_max);
	kernel_map_store.flags |= MAP_SYSTEM_MAP;
	kernel_map = &kernel_map_store;
	vm_kstack_init();
}

/*
 * Shut kernel memory down while the machine still stands (after the
 * kernel has disposed of every thread's stack, before the pmap and the
 * physical memory go): the vm_lowmem handler is unregistered, the cached
 * stacks are freed, and every kernel_map entry is removed — kmem_alloc
 * memory unmapped (pmap_qremove: the pmap may log shootdowns) and its
 * pages freed; the VA of NOFAULT entries given back (a stack still in use
 * keeps its pages and object: the caller's leak).  No EV_KSTACK is
 * logged.  No-op when not initialised.
 */
void
vm_kern_fini(void)
{
	if (kernel_map == NULL)
		return;
	vm_kstack_fini();
	(void)vm_map_remove(kernel_map, kernel_map->min_offset,
	    kernel_map->max_offset);
	kernel_map = NULL;
}

/*
 * size bytes (rounded up to pages) of kernel memory: new zeroed pages,
 * wired, in an object of their own, entered with pmap_qenter at the first
 * fit in map; the entry is wired.  Returns the VA, or 0 when size is 0,
 * no page can be had (the page daemon runs first, inside vm_page_alloc)
 * or no VA is left — with nothing left allocated.
 */
vm_offset_t
kmem_alloc(struct vm_map *map, vm_size_t size)
{
	vm_page_t ma[64], *pages, m;
	struct vm_map_entry *e;
	struct vm_object *obj;
	vm_offset_t addr;
	vm_pindex_t i, npages;

	size = round_page(size);
	if (size == 0 || size > map->max_offset - map->min_offset)
		return (0);
	/* No page churn when the VA is not there anyway. */
	if (vm_map_findspace(map, map->min_offset, size, &addr) != 0)
		return (0);
	npages = atop(size);
	pages = ma;
	if (npages > sizeof(ma) / sizeof(ma[0]) &&
	    (pages = calloc(npages, sizeof(*pages))) == NULL)
		panic("kmem_alloc: out of host memory");
	obj = vm_object_allocate(OBJT_DEFAULT, npages);
	addr = 0;
	for (i = 0; i < npages; i++) {
		m = vm_page_alloc(obj, i, VM_ALLOC_WIRED | VM_ALLOC_ZERO);
		if (m == NULL)
			goto fail;
		m->valid = 1;
		pages[i] = m;
	}
	addr = map->min_offset;
	if (vm_map_find(map, obj, 0, &addr, size, VMFS_ANY_SPACE, VM_PROT_ALL,
	    VM_PROT_ALL, MAP_ACC_NO_CHARGE) != KERN_SUCCESS) {
		addr = 0;
		goto fail;
	}
	/* The object's reference is the map's now. */
	if (!vm_map_lookup_entry(map, addr, &e))
		panic("kmem_alloc: the new entry at %#llx is gone",
		    (unsigned long long)addr);
	e->wired_count = 1;
	pmap_qenter(addr, pages, (int)npages);
	if (pages != ma)
		free(pages);
	return (addr);
fail:
	while (i-- > 0) {
		vm_page_unwire(pages[i], false);
		vm_page_free(pages[i]);
	}
	vm_object_deallocate(obj);
	if (pages != ma)
		free(pages);
	return (0);
}

/*
 * Give back [addr, addr + size) (page-rounded outward) of map: what
 * kmem_alloc returned is unmapped (pmap_qremove), its pages unwired and
 * freed; what kmem_alloc_nofault returned only gives its VA back (the
 * caller has taken its own pages out first).  Parts of an allocation may
 * be freed.
 */
void
kmem_free(struct vm_map *map, vm_offset_t addr, vm_size_t size)
{
	KASSERT((map->flags & MAP_SYSTEM_MAP) != 0,
	    ("kmem_free: %#llx from a map that is not a kernel map",
	    (unsigned long long)addr));
	(void)vm_map_remove(map, trunc_page(addr), round_page(addr + size));
}

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
 * kmem_free.  Returns the VA, or 0 (size 0, or no room).
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
