/*
 * vm/vm_kern.h — kernel virtual memory and kernel stacks (FreeBSD
 * sys/vm/vm_kern.c and the kstack half of vm_glue.c, 2010; VM-SPEC.md
 * "Kernel memory (kmem)" and "Kernel stacks").
 *
 * kernel_map covers the kernel VA the pmap offers, [pmap_kva_min,
 * pmap_kva_max).  Its entries are backed by kernel_object (or by their
 * own objects) and mapped with pmap_qenter: wired, never paged.
 */
#ifndef VM_VM_KERN_H
#define VM_VM_KERN_H

#include "sim/base/base.h"

struct vm_map;
struct vm_object;

extern struct vm_map *kernel_map;

/* Make kernel_map over [pmap_kva_min, pmap_kva_max) (after
 * pmap_bootstrap and vm_page_startup).  vm_kern_fini frees everything in
 * it and the kstack cache, without events (call it after the kernel has
 * disposed of its threads' stacks, before the pmap and physical memory
 * go).  init/fini may be repeated; an init after an init without fini
 * forgets the old state without touching the old machine (see
 * vm_kern.c). */
void vm_kern_init(void);
void vm_kern_fini(void);

/*
 * All return a kernel VA, or 0 (no VA or no memory).
 *  - kmem_alloc: size bytes (page-rounded) of wired, zeroed pages.
 *  - kmem_free: give back what kmem_alloc/kmem_alloc_nofault returned.
 *  - kmem_alloc_nofault, kmem_alloc_nofault_space: VA only, in a NOFAULT
 *    entry (find_space VMFS_ANY_SPACE or VMFS_TLB_ALIGNED_SPACE, which
 *    puts the start on an even page via pmap_align_tlb); the caller maps
 *    pages with pmap_qenter.  A fault there is a kernel panic.
 */
vm_offset_t kmem_alloc(struct vm_map *map, vm_size_t size);
void kmem_free(struct vm_map *map, vm_offset_t addr, vm_size_t size);
vm_offset_t kmem_alloc_nofault(struct vm_map *map, vm_size_t size);
vm_offset_t kmem_alloc_nofault_space(struct vm_map *map, vm_size_t size, int find_space);

/* ---- kernel stacks ---- */

#define KSTACK_PAGES		2	/* default stack size, pages */
#define KSTACK_MAX_PAGES	32
#define KSTACK_GUARD_PAGES	2	/* unmapped pages below the stack */

/* A thread's kernel stack: [kva, kva + ptoa(pages)) is mapped, the
 * KSTACK_GUARD_PAGES below kva are not. */
struct vm_kstack {
	vm_offset_t kva;		/* 0: none */
	int pages;
	struct vm_object *obj;		/* the stack's pages */
};

/*
 * vm_thread_new: give ks a stack of pages pages (pages <= 1: the default
 * KSTACK_PAGES; at most KSTACK_MAX_PAGES): from the kstack cache when a
 * default-size one is cached, else a new object, TLB-aligned KVA
 * (kmem_alloc_nofault_space, VMFS_TLB_ALIGNED_SPACE, KSTACK_GUARD_PAGES
 * below) and wired pages entered with pmap_qenter.  1, or 0 (no VA or no
 * memory: nothing is left allocated).  Logs EV_KSTACK "new" or "reuse".
 *
 * vm_thread_dispose: default-size stacks go to the cache while it holds
 * fewer than kstack_cache_size (EV_KSTACK "cache"); others are freed
 * (EV_KSTACK "free": pages unwired and freed, VA released).
 *
 * The cache registers a vm_lowmem handler that frees every cached stack
 * (an EV_KSTACK "free" each).
 */
int vm_thread_new(struct vm_kstack *ks, int pages);
void vm_thread_dispose(struct vm_kstack *ks);
extern int kstack_cache_size;		/* 128 */
/* Stacks in the cache now; stacks in use (allocated, not disposed). */
int vm_kstack_cached(void);
int vm_kstack_inuse(void);

/* (vm_kern_init/vm_kern_fini call these: the kstack cache and its
 * vm_lowmem handler, registered once however often init runs; fini frees
 * the cached stacks silently.) */
void vm_kstack_init(void);
void vm_kstack_fini(void);

/* Make the instruction caches see what the kernel wrote at [va, va+len)
 * of map (FreeBSD vm_sync_icache -> pmap_sync_icache).  map is a user
 * map (it has a pmap). */
void vm_sync_icache(struct vm_map *map, vm_offset_t va, vm_size_t len);

#endif
