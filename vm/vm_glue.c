/*
 * vm/vm_glue.c — vslock/vsunlock, the VM's resource limits, and msync
 * (FreeBSD vm_glue.c vslock, kern_proc.c proc0_init's limits, vm_mmap.c
 * msync; see vm/vm_extern.h and VM-SPEC.md, "Wiring: vslock, mlock").
 */
#include "vm/vm_extern.h"

#include <errno.h>

#include "vm/pmap.h"
#include "vm/vm_map.h"
#include "vm/vm_object.h"
#include "vm/vm_page.h"

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
