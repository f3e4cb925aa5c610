/*
 * vm/vm_glue.c — vslock/vsunlock, the VM's resource limits, msync, and
 * kernel stacks with vm_sync_icache (FreeBSD vm_glue.c vslock,
 * vm_thread_new/dispose, kstack cache and vm_sync_icache, kern_proc.c
 * proc0_init's limits, vm_mmap.c msync; see vm/vm_extern.h, vm/vm_kern.h
 * and VM-SPEC.md, "Wiring: vslock, mlock", "Kernel stacks").
 */
#include "vm/vm_extern.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

#include "sim/base/event.h"
#include "vm/pmap.h"
#include "vm/vm_kern.h"
#include "vm/vm_map.h"
#include "vm/vm_object.h"
#include "vm/vm_page.h"
#include "vm/vm_pageout.h"

static unsigned long vm_max_wired;

void
vm_limits_init(uint64_t free_bytes, struct vm_limits *lim)
{
	const struct vm_rlimit inf = { UINT64_MAX, UINT64_MAX };

	free_bytes &= ~(uint64_t)PAGE_MASK;
	vm_max_wired = (unsigned long)(atop(free_bytes) / 3);
	if (lim == NULL)
		return;
	lim->data = inf;
	lim->vmem = inf;
	lim->swap = inf;
	lim->stack.cur = VM_DFLSSIZ;
	lim->stack.max = UINT64_MAX;
	lim->rss.cur = lim->rss.max = free_bytes;
	lim->memlock.cur = free_bytes / 3;
	lim->memlock.max = free_bytes;
}

unsigned long
vm_page_max_wired(void)
{
	return (vm_max_wired);
}

int
vslock(struct vm_map *map, vm_offset_t addr, vm_size_t len,
    uint64_t memlock_limit)
{
	struct vm_page_stats st;
	vm_offset_t last, start, end;
	vm_size_t npages;

	last = addr + len;
	start = trunc_page(addr);
	end = round_page(last);
	if (last < addr || end < addr)
		return (EINVAL);
	npages = atop(end - start);
	vm_page_stats(&st);
	if (vm_max_wired != 0 && npages + st.wired > vm_max_wired)
		return (ENOMEM);
	if (ptoa(npages + pmap_wired_count(map->pmap)) > memlock_limit)
		return (ENOMEM);
	/* EFAULT, not ENOMEM as mlock: vslock stands for copyin/copyout. */
	return (vm_map_wire(map, start, end, VM_MAP_WIRE_SYSTEM |
	    VM_MAP_WIRE_NOHOLES) == KERN_SUCCESS ? 0 : EFAULT);
}

int
vsunlock(struct vm_map *map, vm_offset_t addr, vm_size_t len)
{
	if (addr + len < addr)
		return (EINVAL);
	return (vm_map_unwire(map, trunc_page(addr), round_page(addr + len),
	    VM_MAP_WIRE_SYSTEM | VM_MAP_WIRE_NOHOLES) == KERN_SUCCESS ? 0 :
	    EINVAL);
}

int
vm_msync(struct vm_map *map, vm_offset_t addr, vm_size_t len, int flags)
{
	struct vm_map_entry *e;
	vm_offset_t end, s, t, a;
	int rv;

	if ((addr & PAGE_MASK) != 0 ||
	    (flags & ~(VM_MS_ASYNC | VM_MS_INVALIDATE | VM_MS_SYNC)) != 0 ||
	    (flags & (VM_MS_ASYNC | VM_MS_SYNC)) == (VM_MS_ASYNC | VM_MS_SYNC))
		return (EINVAL);
	end = round_page(addr + len);
	if (end < addr)
		return (ENOMEM);
	if (addr == end)
		return (0);
	/* Every page must be mapped (Linux: ENOMEM). */
	for (a = addr; a < end; a = e->end)
		if (!vm_map_lookup_entry(map, a, &e))
			return (ENOMEM);
	vm_map_lookup_entry(map, addr, &e);
	for (; e != &map->header && e->start < end; e = e->next) {
		if (e->object == NULL || e->object->type != OBJT_VNODE ||
		    (e->eflags & MAP_ENTRY_COW) != 0)
			continue;	/* nothing to write back */
		s = MAX(e->start, addr);
		t = MIN(e->end, end);
		rv = vm_object_page_clean(e->object,
		    atop(e->offset + (s - e->start)),
		    atop(e->offset + (t - e->start)));
		if (rv != KERN_SUCCESS)
			return (EIO);
		/* The next store must fault and dirty the page again. */
		if (map->pmap != NULL && (e->protection & VM_PROT_WRITE) != 0)
			pmap_protect(map->pmap, s, t,
			    e->protection & ~VM_PROT_WRITE);
	}
	return (0);
}

int
vm_check_all(struct vm_map *map, char *msg, size_t msglen)
{
	if (map != NULL && (vm_map_check(map, msg, msglen) != 0 ||
	    vm_map_check_pages(map, msg, msglen) != 0 ||
	    (map->pmap != NULL && pmap_check(map->pmap, msg, msglen) != 0)))
		return (-1);
	if (vm_object_check_all(msg, msglen) != 0 ||
	    vm_page_check(msg, msglen) != 0)
		return (-1);
	return (0);
}

/* ---- kernel stacks (FreeBSD vm_thread_new/dispose, 2010) ------------- */

/*
 * A thread's kernel stack is an object of its own holding `pages` wired
 * pages, entered with pmap_qenter at kva in kernel_map, above
 * KSTACK_GUARD_PAGES pages of VA that are never mapped: the whole run is
 * one NOFAULT entry [kva - ptoa(KSTACK_GUARD_PAGES), kva + ptoa(pages))
 * found with VMFS_TLB_ALIGNED_SPACE, so that on MIPS its start — and,
 * with an even number of guard pages, kva — is an even page: the 2-page
 * stack is one TLB pair, which the context switch writes into wired
 * entry 0 (pmap_kstack_switch).  An overflow runs into the guard pages,
 * which fault; the fault in a NOFAULT entry is a kernel panic.
 *
 * New stacks are zeroed (FreeBSD does not zero them; here a new thread
 * never sees an old one's frames, and a trace shows the same bytes
 * whatever ran before).  A stack from the cache is reused as it was left.
 *
 * The cache (FreeBSD kstack_cache) keeps default-size stacks, mapped and
 * wired, for the next vm_thread_new; last in, first out.  Unlike FreeBSD,
 * which caches while all stacks (in use and cached) number at most
 * kstack_cache_size, the cache here holds at most kstack_cache_size
 * stacks, whatever is in use.  A vm_lowmem handler drains it.
 */
struct vm_kstack_cache_entry {
	struct vm_kstack_cache_entry *next;
	vm_offset_t kva;
	struct vm_object *obj;
};

int kstack_cache_size = 128;
static struct vm_kstack_cache_entry *kstack_cache;
static int kstack_ncached, kstack_ninuse;
static bool kstack_lowmem_registered;

static unsigned long vm_kstack_lowmem(void *arg, int flags);

/* One EV_KSTACK: va = the stack's base, pa = its first page's frame. */
static void
vm_kstack_event(const char *type, vm_offset_t kva, int pages,
    struct vm_object *obj)
{
	struct event ev;
	vm_page_t m;

	ev = event_make(EV_KSTACK, type, kva);
	if ((m = vm_page_lookup(obj, 0)) != NULL)
		ev.pa = VM_PAGE_TO_PHYS(m);
	snprintf(ev.detail, sizeof(ev.detail), "pages=%d cached=%d inuse=%d",
	    pages, kstack_ncached, kstack_ninuse);
	event_emit(&ev, 0);
}

/* Unwire and free obj's pages [0, n), then drop obj. */
static void
vm_kstack_free_pages(struct vm_object *obj, int n)
{
	vm_page_t m;
	int i;

	for (i = 0; i < n; i++) {
		m = vm_page_lookup(obj, (vm_pindex_t)i);
		KASSERT(m != NULL && m->wire_count != 0,
		    ("vm_kstack_free_pages: object %llu page %d missing or "
		    "not wired", (unsigned long long)obj->id, i));
		vm_page_unwire(m, false);
		vm_page_free(m);
	}
	vm_object_deallocate(obj);
}

/* Free a stack for good (logged "free" if log): unmap, free its pages,
 * give back its VA and guard pages. */
static void
vm_kstack_destroy(vm_offset_t kva, int pages, struct vm_object *obj, bool log)
{
	if (log)
		vm_kstack_event("free", kva, pages, obj);
	pmap_qremove(kva, pages);
	vm_kstack_free_pages(obj, pages);
	vm_map_remove(kernel_map, kva - ptoa((vm_offset_t)KSTACK_GUARD_PAGES),
	    kva + ptoa((vm_offset_t)pages));
}

/* Free every cached stack (FreeBSD kstack_cache_drain), each logged
 * "free" if log. */
static void
vm_kstack_cache_drain(bool log)
{
	struct vm_kstack_cache_entry *c;

	while ((c = kstack_cache) != NULL) {
		kstack_cache = c->next;
		kstack_ncached--;
		vm_kstack_destroy(c->kva, KSTACK_PAGES, c->obj, log);
		free(c);
	}
}

/* The vm_lowmem handler "kstack": drain the cache; the pages freed. */
static unsigned long
vm_kstack_lowmem(void *arg, int flags)
{
	unsigned long n;

	(void)arg;
	(void)flags;
	n = (unsigned long)kstack_ncached * KSTACK_PAGES;
	vm_kstack_cache_drain(true);
	return (n);
}

/* Unregister the vm_lowmem handler, if registered. */
static void
vm_kstack_unregister(void)
{
	if (kstack_lowmem_registered) {
		vm_lowmem_unregister(vm_kstack_lowmem, NULL);
		kstack_lowmem_registered = false;
	}
}

/*
 * The cache starts empty, nothing in use, and the vm_lowmem handler is
 * registered once.  A cache left by an earlier init without fini is
 * forgotten (its records' host memory freed; its pages and objects
 * belonged to that machine: see vm_kern_init).
 */
void
vm_kstack_init(void)
{
	struct vm_kstack_cache_entry *c;

	vm_kstack_unregister();
	while ((c = kstack_cache) != NULL) {
		kstack_cache = c->next;
		free(c);
	}
	kstack_ncached = 0;
	kstack_ninuse = 0;
	if (vm_lowmem_register("kstack", vm_kstack_lowmem, NULL) != 0)
		panic("vm_kstack_init: no room for the vm_lowmem handler");
	kstack_lowmem_registered = true;
}

/*
 * Unregister the handler and free every cached stack (unmapped, pages and
 * objects freed, VA given back) without logging: the machine is being
 * shut down.  Stacks still in use are the caller's (the kernel disposes
 * every thread's stack first); they are only counted out.
 */
void
vm_kstack_fini(void)
{
	vm_kstack_unregister();
	vm_kstack_cache_drain(false);
	kstack_ninuse = 0;
}

/*
 * See vm_kern.h.  pages above KSTACK_MAX_PAGES is clamped to it, as
 * FreeBSD does.  Order: VA first (the NOFAULT entry), then the pages —
 * whose allocation may run the page daemon, whose vm_lowmem drains the
 * cache — then the mapping.  When no VA is left for a size the cache
 * cannot serve, the cache (which holds VA) is drained and the search
 * tried once more.
 */
int
vm_thread_new(struct vm_kstack *ks, int pages)
{
	vm_page_t ma[KSTACK_MAX_PAGES];
	struct vm_kstack_cache_entry *c;
	struct vm_object *obj;
	vm_offset_t base, kva;
	vm_size_t size;
	int i;

	KASSERT(kernel_map != NULL, ("vm_thread_new: no kernel_map (vm_kern_init)"));
	if (pages <= 1)
		pages = KSTACK_PAGES;
	else if (pages > KSTACK_MAX_PAGES)
		pages = KSTACK_MAX_PAGES;
	if (pages == KSTACK_PAGES && (c = kstack_cache) != NULL) {
		kstack_cache = c->next;
		kstack_ncached--;
		kstack_ninuse++;
		ks->kva = c->kva;
		ks->pages = pages;
		ks->obj = c->obj;
		free(c);
		vm_kstack_event("reuse", ks->kva, pages, ks->obj);
		return (1);
	}
	size = ptoa((vm_size_t)(pages + KSTACK_GUARD_PAGES));
	base = kmem_alloc_nofault_space(kernel_map, size, VMFS_TLB_ALIGNED_SPACE);
	if (base == 0 && kstack_ncached != 0) {
		vm_kstack_cache_drain(true);
		base = kmem_alloc_nofault_space(kernel_map, size,
		    VMFS_TLB_ALIGNED_SPACE);
	}
	if (base == 0)
		return (0);
	kva = base + ptoa((vm_offset_t)KSTACK_GUARD_PAGES);
	obj = vm_object_allocate(OBJT_DEFAULT, (vm_pindex_t)pages);
	for (i = 0; i < pages; i++) {
		ma[i] = vm_page_alloc(obj, (vm_pindex_t)i,
		    VM_ALLOC_WIRED | VM_ALLOC_ZERO);
		if (ma[i] == NULL) {
			vm_kstack_free_pages(obj, i);
			vm_map_remove(kernel_map, base, base + size);
			return (0);
		}
		ma[i]->valid = 1;
	}
	pmap_qenter(kva, ma, pages);
	kstack_ninuse++;
	ks->kva = kva;
	ks->pages = pages;
	ks->obj = obj;
	vm_kstack_event("new", kva, pages, obj);
	return (1);
}

/* See vm_kern.h.  ks is left empty (kva 0). */
void
vm_thread_dispose(struct vm_kstack *ks)
{
	struct vm_kstack_cache_entry *c;

	KASSERT(ks->kva != 0 && ks->obj != NULL && kstack_ninuse > 0,
	    ("vm_thread_dispose: no stack (kva %#llx, %d in use)",
	    (unsigned long long)ks->kva, kstack_ninuse));
	kstack_ninuse--;
	if (ks->pages == KSTACK_PAGES && kstack_ncached < kstack_cache_size) {
		if ((c = malloc(sizeof(*c))) == NULL)
			panic("vm_thread_dispose: out of host memory");
		c->kva = ks->kva;
		c->obj = ks->obj;
		c->next = kstack_cache;
		kstack_cache = c;
		kstack_ncached++;
		vm_kstack_event("cache", ks->kva, ks->pages, ks->obj);
	} else
		vm_kstack_destroy(ks->kva, ks->pages, ks->obj, true);
	ks->kva = 0;
	ks->pages = 0;
	ks->obj = NULL;
}

int
vm_kstack_cached(void)
{
	return (kstack_ncached);
}

int
vm_kstack_inuse(void)
{
	return (kstack_ninuse);
}

/*
 * FreeBSD vm_sync_icache: the kernel wrote instructions into
 * [va, va + len) of map (a debugger's POKETEXT through proc_rwmem, which
 * made a private copy first); the instruction caches must see them.  One
 * pmap_sync_icache of map's pmap, which syncs through the physical alias
 * on MIPS (the map need not be the current one) and does nothing on
 * amd64.
 */
void
vm_sync_icache(struct vm_map *map, vm_offset_t va, vm_size_t len)
{
	KASSERT(map->pmap != NULL, ("vm_sync_icache: map without a pmap "
	    "(%#llx, %#llx bytes)", (unsigned long long)va,
	    (unsigned long long)len));
	pmap_sync_icache(map->pmap, va, len);
}
