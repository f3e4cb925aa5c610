/*
 * vm/vm_kern.h — kernel virtual memory and kernel stacks (FreeBSD
 * sys/vm/vm_kern.c and the kstack half of vm_glue.c, 2010; VM-SPEC.md
 * "Kernel memory (kmem)", "Low memory" and "Kernel stacks").
 *
 * kernel_map covers the kernel VA the pmap offers, [pmap_kva_min,
 * pmap_kva_max).  Its entries are backed by objects of their own and
 * mapped with pmap_qenter: wired, never paged.  Submaps (kmem_suballoc)
 * are kernel maps of their own inside one entry of their parent:
 * kmem_map (malloc(9)'s memory) and exec_map (exec's argument buffers)
 * are made by vm_kern_init.
 */
#ifndef VM_VM_KERN_H
#define VM_VM_KERN_H

#include "sim/base/base.h"
#include "vm/vm_page.h"

struct vm_map;
struct vm_object;

extern struct vm_map *kernel_map;
/*
 * The submaps vm_kern_init makes at the top of kernel_map, or of its first
 * 4 GiB when it is larger (amd64) (exec_map highest, kmem_map below it;
 * the kernel stacks and kmem_alloc keep the bottom, first fit, as before): kmem_map is memory/4 of VA (at least 16
 * pages), superpage-aligned when that is 2 MiB or more; exec_map is
 * EXEC_MAP_BUFS buffers of round_page(KMEM_ARG_MAX + KMEM_PATH_MAX) (2112
 * KiB).  Each is capped at a quarter of the kernel VA.
 */
extern struct vm_map *kmem_map, *exec_map;
#define KMEM_ARG_MAX	((vm_size_t)128 << 10)	/* FreeBSD ARG_MAX */
#define KMEM_PATH_MAX	((vm_size_t)4096)	/* FreeBSD PATH_MAX (MAXPATHLEN) */
#define EXEC_MAP_BUFS	16			/* FreeBSD exec_map_entries */
/* The most kernel VA the two submaps (and kmem_map's alignment) take on a
 * machine of npages pages: a test reserves it above what it uses. */
vm_size_t vm_kern_submaps_reserve(unsigned long npages);

/* Make kernel_map over [pmap_kva_min, pmap_kva_max) and its submaps
 * (after pmap_bootstrap and vm_page_startup).  vm_kern_fini frees
 * everything in them and the kstack cache, without events (call it after
 * the kernel has disposed of its threads' stacks, before the pmap and
 * physical memory go).  init/fini may be repeated; an init after an init
 * without fini forgets the old state without touching the old machine
 * (see vm_kern.c). */
void vm_kern_init(void);
void vm_kern_fini(void);

/* kmem_malloc/kmem_back/kmem_alloc_attr/kmem_alloc_contig flags (FreeBSD
 * sys/malloc.h values; malloc(9) uses the same). */
#ifndef M_NOWAIT
#define M_NOWAIT	0x0001	/* never wait: no retry after a shortage */
#define M_WAITOK	0x0002	/* may "wait": retry (see KMEM_TRIES) */
#define M_ZERO		0x0100	/* zero the pages */
#endif
/* Page retries of a waiting request (FreeBSD's tries for
 * kmem_alloc_attr/contig: 1 with M_NOWAIT, else 3). */
#define KMEM_TRIES		3
#define KMEM_TRIES_NOWAIT	1

/*
 * kmem's entry flags (eflags bits vm_map.h leaves free; XXX: they belong
 * in vm_map.h, which must not reuse these values):
 *  - IN_TRANSITION: kmem_back (and kmem_alloc_attr/contig) is allocating
 *    the entry's pages: not yet all there, not yet mapped; nothing may
 *    free it meanwhile (kmem_free asserts).
 *  - IS_SUB_MAP: the entry holds a submap (kmem_suballoc): bare VA in the
 *    parent (NOFAULT, no object), used through the submap; kmem_free
 *    refuses it.
 */
#define MAP_ENTRY_IN_TRANSITION	0x0400
#define MAP_ENTRY_IS_SUB_MAP	0x0800

/*
 * All return a kernel VA, or 0 (no VA or no memory), leaving nothing
 * allocated when they fail.  map is kernel_map or a submap.
 *  - kmem_alloc: size bytes (page-rounded) of wired, zeroed pages
 *    (kmem_malloc(map, size, M_WAITOK | M_ZERO)).
 *  - kmem_free: give back what any of these returned (or a part of it):
 *    unmapped, pages unwired, reset to VM_MEMATTR_DEFAULT and freed, VA
 *    released.
 *  - kmem_alloc_nofault, kmem_alloc_nofault_space: VA only, in a NOFAULT
 *    entry (find_space VMFS_ANY_SPACE or VMFS_TLB_ALIGNED_SPACE, which
 *    puts the start on an even page via pmap_align_tlb); the caller maps
 *    pages with pmap_qenter.  A fault there is a kernel panic.  No retry.
 *
 * Shortages (EV_KMEM events, type; detail names the map and the request):
 *  - no VA: unless M_NOWAIT, vm_lowmem is raised once (VM_LOW_KMEM: the
 *    kstack cache gives its VA back) after an EV_KMEM "retry", and the
 *    search repeated;
 *  - no page: unless M_NOWAIT, up to KMEM_TRIES EV_KMEM "retry"s, each
 *    running the page daemon (which raises vm_lowmem; when the daemon
 *    cannot run, vm_lowmem is raised with VM_LOW_PAGES) before trying
 *    again; kmem_alloc_attr/contig retry KMEM_TRIES_NOWAIT times even
 *    with M_NOWAIT (FreeBSD);
 *  - then an EV_KMEM "fail" and 0.
 * XXX: FreeBSD's M_WAITOK sleeps until memory comes (or panics when
 * kmem_map is full); the simulator's kernel cannot sleep inside an
 * allocation, so M_WAITOK is bounded retries and may fail: the caller
 * decides (malloc(9) panics).
 */
vm_offset_t kmem_alloc(struct vm_map *map, vm_size_t size);
void kmem_free(struct vm_map *map, vm_offset_t addr, vm_size_t size);
vm_offset_t kmem_alloc_nofault(struct vm_map *map, vm_size_t size);
vm_offset_t kmem_alloc_nofault_space(struct vm_map *map, vm_size_t size, int find_space);

/*
 * kmem_malloc: size bytes (page-rounded) of wired memory, zeroed only
 * with M_ZERO (otherwise the frames keep what they held), at the first
 * fit in map: an entry with an object of its own, backed by kmem_back.
 *
 * kmem_back: back [addr, addr + size), exactly one entry of map that the
 * caller inserted (with an object, or none: one is made), unwired and not
 * NOFAULT: the entry is marked IN_TRANSITION and wired, its pages
 * allocated (vm_page_alloc, zeroed with M_ZERO) into its object and
 * entered with pmap_qenter, then the mark cleared.  KERN_SUCCESS; or
 * KERN_NO_SPACE when pages ran out: the pages taken are freed and the
 * entry deleted (FreeBSD), nothing left.
 */
vm_offset_t kmem_malloc(struct vm_map *map, vm_size_t size, int flags);
int kmem_back(struct vm_map *map, vm_offset_t addr, vm_size_t size, int flags);

/*
 * kmem_alloc_attr: size bytes (page-rounded) of wired memory whose every
 * page lies in physical [low, high] (high inclusive, FreeBSD), not
 * necessarily contiguous: each page is the lowest free frame there
 * (vm_phys_alloc_page_range), gets memattr (pmap_page_set_memattr) before
 * it is entered (pmap_qenter); zeroed with M_ZERO.
 *
 * kmem_alloc_contig: the same over one physically contiguous run
 * (vm_phys_alloc_contig): its first frame aligned to alignment (a power
 * of two; 0 = a page), not crossing a multiple of boundary (a power of
 * two; 0 = none).
 *
 * Both: the object's memattr is set too (vm_object_print shows it).
 */
vm_offset_t kmem_alloc_attr(struct vm_map *map, vm_size_t size, int flags,
    vm_paddr_t low, vm_paddr_t high, vm_memattr_t memattr);
vm_offset_t kmem_alloc_contig(struct vm_map *map, vm_size_t size, int flags,
    vm_paddr_t low, vm_paddr_t high, vm_paddr_t alignment,
    vm_paddr_t boundary, vm_memattr_t memattr);

/*
 * kmem_alloc_wait: size bytes (page-rounded) of wired, zeroed memory in
 * map (exec_map's argument buffers), or 0.  When the map has no room for
 * now, the map is marked needs-wakeup (kmem_needs_wakeup), an EV_KMEM
 * "wait" logged and 0 returned: the caller, a system call, sleeps on the
 * map (kern_sleep: the call restarts when woken) and tries again.  A
 * request larger than the whole map returns 0 without marking (it would
 * never succeed), as does a page shortage (after the retries above).
 * XXX: FreeBSD's is pageable (faulted in on use, charged to swap); kernel
 * memory here never faults, so its pages are allocated at once.
 *
 * kmem_free_wakeup: kmem_free, then, if the map is marked, clear the mark,
 * log an EV_KMEM "wakeup" and call the hook the kernel registered with
 * kmem_set_wakeup (fn(arg, map): wake the sleepers on map).
 */
vm_offset_t kmem_alloc_wait(struct vm_map *map, vm_size_t size);
void kmem_free_wakeup(struct vm_map *map, vm_offset_t addr, vm_size_t size);
typedef void kmem_wakeup_fn(void *arg, struct vm_map *map);
void kmem_set_wakeup(kmem_wakeup_fn *fn, void *arg);
bool kmem_needs_wakeup(struct vm_map *map);

/*
 * kmem_suballoc: a submap of size bytes (page-rounded) of parent, at the
 * first fit in parent (FreeBSD ignores *min on entry, and so does this),
 * its start superpage-aligned (VMFS_ALIGNED_SPACE, VM_SUPERPAGE_SIZE) when
 * superpage_align and the size allows; *min and *max get its range.  The
 * parent's entry is bare VA flagged NOFAULT | IS_SUB_MAP; the submap is a
 * kernel map (MAP_SYSTEM_MAP) whose pages are entered into the kernel
 * pmap like kernel_map's.  Returns the submap, or NULL (no room; FreeBSD
 * panics).  Submaps live until vm_kern_fini; parent may be a submap.
 * kmem_map_name: "kernel_map", "kmem_map", "exec_map", "submap" or "map"
 * (for events and Lua).
 */
struct vm_map *kmem_suballoc(struct vm_map *parent, vm_offset_t *min,
    vm_offset_t *max, vm_size_t size, bool superpage_align);
const char *kmem_map_name(const struct vm_map *map);

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
