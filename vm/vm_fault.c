/*
 * vm/vm_fault.c — page-fault resolution, after FreeBSD's vm_fault(9)
 * (2010): look the address up in the map, walk the entry's object and
 * its shadow chain for the page, create it (zero fill at the bottom of an
 * anonymous chain, page-in from a vnode), copy it into the top object on
 * a write to a page found lower down (copy-on-write), and enter the
 * mapping in the pmap.  Single-threaded simulator: no busy/sleep logic.
 *
 * Also the services FreeBSD builds on the fault: holding user pages for
 * the kernel (vm_fault_hold, vm_fault_quick_hold_pages), wiring them
 * (vm_fault_wire/unwire, for vm_map_wire) and copying wired entries
 * (vm_fault_copy_entry, for fork and vm_map_protect).  See VM-SPEC.md,
 * "Faults".
 *
 * Device memory (OBJT_DEVICE, vm/device_pager.h): the pager gives the
 * fictitious page of the device's physical address (fault type
 * "device", counted with the soft faults); it is never wired or queued
 * here, and a device object never has a shadow (devices give no private
 * mappings), so it is never copied.  A device that was removed fails
 * the fault (KERN_FAILURE: SIGBUS).
 *
 * Pages on swap: walking the chain, an anonymous object that does not
 * have the page resident asks the swap pager (swap_pager_has_page) before
 * going down to its backer or to zero fill; a page found there is read
 * back into that object (type swap_in) and then treated like a resident
 * page of that object (copied up on a write if the object is a backer).
 *
 * Memory pressure: when free pages are below the page daemon's threshold
 * the fault first runs the daemon (vm_pageout_run), before it looks
 * anything up.  While the fault works with a page found on a queue it
 * holds it, so that a daemon run inside a later allocation (the copy, a
 * page-table page) cannot take it away.  No page at all: the fault fails
 * with KERN_RESOURCE_SHORTAGE (the trap handler kills the process).
 *
 * Under sim_invariants each resolved fault checks the object it entered
 * the page from and that the page it mapped is a live object page.
 */
#include "vm/vm_fault.h"
#include "vm/device_pager.h"
#include "vm/pmap.h"
#include "vm/swap_pager.h"
#include "vm/ucred.h"
#include "vm/vm_map.h"
#include "vm/vm_object.h"
#include "vm/vm_pageout.h"
#include "sim/base/event.h"

#include <stdio.h>
#include <string.h>

static struct vm_fault_stats stats;

const struct vm_fault_stats *
vm_fault_stats(void)
{
	return &stats;
}

void
vm_fault_stats_reset(void)
{
	memset(&stats, 0, sizeof(stats));
}

static void
vm_fault_event(const char *type, vm_offset_t va, vm_page_t m, vm_prot_t fault_type,
    const char *detail)
{
	struct event ev = event_make(EV_PAGE_FAULT, type, va);

	ev.pa = m != NULL ? VM_PAGE_TO_PHYS(m) : 0;
	snprintf(ev.detail, sizeof(ev.detail), "%s%s%s",
	    fault_type & VM_PROT_WRITE ? "write" :
	    fault_type & VM_PROT_EXECUTE ? "exec" :
	    fault_type & VM_PROT_READ ? "read" : "wire",
	    detail[0] ? " " : "", detail);
	event_emit(&ev, 0);
}

/* Anonymous memory: may be collapsed, renamed from, charged. */
static bool
vm_fault_anon(const struct vm_object *obj)
{
	return (obj->vp == NULL &&
	    (obj->type == OBJT_DEFAULT || obj->type == OBJT_SWAP));
}

/* The invariants of a resolved fault (sim_invariants only). */
#define VM_FAULT_CHECK_PAGES	512	/* full object check up to this size */
static void
vm_fault_assert(struct vm_object *first_object, vm_page_t m, bool wired,
    int flags, vm_offset_t va)
{
	char msg[200];

	if (!sim_invariants)
		return;
	/* The whole tree while it is small; beyond, the walk would make a
	 * run quadratic, and the page's own place is checked instead. */
	if (first_object->resident_page_count <= VM_FAULT_CHECK_PAGES &&
	    vm_object_check(first_object, msg, sizeof(msg)) != 0)
		panic("vm_fault at %#llx: %s", (unsigned long long)va, msg);
	if (m->object != NULL && vm_page_lookup(m->object, m->pindex) != m)
		panic("vm_fault at %#llx: page %llu not found in its object %llu",
		    (unsigned long long)va, (unsigned long long)m->pindex,
		    (unsigned long long)m->object->id);
	if ((m->flags & PG_FICTITIOUS) == 0 && (m->queue == PQ_FREE ||
	    m->queue == PQ_HOLD || m->object == NULL))
		panic("vm_fault at %#llx: mapped pa %#llx is free (queue %u)",
		    (unsigned long long)va, (unsigned long long)m->phys_addr,
		    m->queue);
	if (wired && (flags & VM_FAULT_CHANGE_WIRING) != 0 && m->wire_count == 0 &&
	    (m->flags & PG_FICTITIOUS) == 0)
		panic("vm_fault at %#llx: wiring fault left pa %#llx unwired",
		    (unsigned long long)va, (unsigned long long)m->phys_addr);
}

static void vm_fault_unwire_page(vm_page_t m);

/*
 * vm_map_lookup for a debugger's write (VM_FAULT_COPY; FreeBSD
 * vm_map_lookup's VM_PROT_COPY / VM_PROT_OVERRIDE_WRITE cases).  An entry
 * that allows the write is looked up as usual (*override false).  One
 * that does not is accepted when it allows the rest of fault_type and
 * either its max protection has write or it is copy-on-write; then
 * *override is true and *prot is the entry's own protection (the page
 * will be mapped without write).  XXX: vm_map_lookup has no override of
 * its own, so the entry's protection is raised around the call, which
 * makes it take its write path (shadow a NEEDS_COPY entry, charge the
 * writer) and is restored before anything else looks at the entry.
 */
static int
vm_fault_lookup_copy(struct vm_map *map, vm_offset_t va, vm_prot_t fault_type,
    struct vm_map_entry **entry, struct vm_object **object, vm_pindex_t *pindex,
    vm_prot_t *prot, bool *wired, bool *override)
{
	struct vm_map_entry *e;
	vm_prot_t want, saved;
	int rv;

	*override = false;
	if (!vm_map_lookup_entry(map, va, &e))
		return (KERN_INVALID_ADDRESS);
	if ((e->protection & VM_PROT_WRITE) != 0)
		return (vm_map_lookup(map, va, fault_type, entry, object, pindex,
		    prot, wired));
	want = fault_type & VM_PROT_ALL & ~VM_PROT_WRITE;
	if (e->protection == VM_PROT_NONE || (e->protection & want) != want)
		return (KERN_PROTECTION_FAILURE);
	if ((e->max_protection & VM_PROT_WRITE) == 0 &&
	    (e->eflags & MAP_ENTRY_COW) == 0)
		return (KERN_PROTECTION_FAILURE);
	saved = e->protection;
	e->protection |= VM_PROT_WRITE;
	rv = vm_map_lookup(map, va, fault_type | VM_PROT_WRITE, entry, object,
	    pindex, prot, wired);
	e->protection = saved;
	if (rv != KERN_SUCCESS)
		return (rv);
	*prot = saved;
	*override = true;
	return (KERN_SUCCESS);
}

int
vm_fault(struct vm_map *map, vm_offset_t va, vm_prot_t fault_type, int flags)
{
	return vm_fault_hold(map, va, fault_type, flags, NULL);
}

int
vm_fault_hold(struct vm_map *map, vm_offset_t va, vm_prot_t fault_type,
    int flags, vm_page_t *mp)
{
	struct vm_map_entry *entry;
	struct vm_object *first_object, *object;
	vm_pindex_t first_pindex, pindex;
	vm_prot_t prot, access;
	bool override, wired;
	vm_page_t m = NULL;
	const char *type = "soft";
	const char *detail = "";
	const char *oreason;
	int rv;

	va = trunc_page(va);
	if (vm_pageout_needed())
		(void)vm_pageout_run(VM_PAGEOUT_LOW);
	override = false;
	if ((flags & VM_FAULT_COPY) != 0 && (fault_type & VM_PROT_WRITE) != 0)
		rv = vm_fault_lookup_copy(map, va, fault_type, &entry,
		    &first_object, &first_pindex, &prot, &wired, &override);
	else
		rv = vm_map_lookup(map, va, fault_type, &entry, &first_object,
		    &first_pindex, &prot, &wired);
	if (rv != KERN_SUCCESS) {
		stats.failed++;
		return rv;
	}
	/* A wired entry is faulted for everything it allows (FreeBSD), and
	 * a debugger's write stays a write. */
	if (wired)
		fault_type = prot | (override ? VM_PROT_WRITE : 0);
	KASSERT(wired || (flags & VM_FAULT_CHANGE_WIRING) == 0,
	    ("vm_fault: wiring fault at %#llx in an unwired entry",
	    (unsigned long long)va));
	/* Walk the shadow chain from the top for the page. */
	object = first_object;
	pindex = first_pindex;
	for (;;) {
		m = vm_page_lookup(object, pindex);
		if (m != NULL)
			break;
		if (object->type == OBJT_SWAP &&
		    swap_pager_has_page(object, pindex)) {
			m = vm_page_alloc(object, pindex, VM_ALLOC_NORMAL);
			if (m == NULL) {
				stats.failed++;
				return KERN_RESOURCE_SHORTAGE;
			}
			rv = swap_pager_getpage(object, pindex, m);
			KASSERT(rv == KERN_SUCCESS, ("vm_fault: swap_in of object "
			    "%llu page %llu failed", (unsigned long long)object->id,
			    (unsigned long long)pindex));
			vm_page_activate(m);
			stats.swap_in++;
			type = "swap_in";
			break;
		}
		if (object->type == OBJT_VNODE) {
			m = vm_page_alloc(object, pindex, VM_ALLOC_NORMAL);
			if (m == NULL) {
				stats.failed++;
				return KERN_RESOURCE_SHORTAGE;
			}
			if (vnode_pager_getpage(object, pindex, m) != 0) {
				vm_page_free(m);
				stats.failed++;
				return KERN_FAILURE;
			}
			/* The file page is cached in the vnode object on
			 * the paging queues, whether or not it is copied. */
			vm_page_activate(m);
			type = "file";
			break;
		}
		if (object->type == OBJT_DEVICE) {
			/* Device memory: the pager's fictitious page (wire
			 * count 1, the driver's memory attribute). */
			if (dev_pager_getpage(object, pindex, &m) != KERN_SUCCESS) {
				stats.failed++;
				return KERN_FAILURE;
			}
			type = "device";
			break;
		}
		if (object->backing_object == NULL) {
			/* Bottom of an anonymous chain: a new zero page in the
			 * top object (lower objects stay as they are). */
			m = vm_page_alloc(first_object, first_pindex, VM_ALLOC_ZERO);
			if (m == NULL) {
				stats.failed++;
				return KERN_RESOURCE_SHORTAGE;
			}
			m->valid = 1;
			object = first_object;
			type = "zero_fill";
			break;
		}
		pindex += atop(object->backing_object_offset);
		object = object->backing_object;
	}
	if (object != first_object) {
		if (fault_type & VM_PROT_WRITE) {
			if (object == first_object->backing_object &&
			    vm_fault_anon(object) && object->ref_count == 1 &&
			    object->shadow_count == 1 && m->wire_count == 0) {
				/* Nobody else can see the backer's page: move
				 * it up instead of copying (FreeBSD). */
				vm_page_rename(m, first_object, first_pindex);
				if (strcmp(type, "swap_in") == 0)
					detail = "swapped in";
				type = "cow_reuse";
			} else {
				/* Copy-on-write: the top object gets its own copy
				 * (m held meanwhile: the allocation may run the
				 * page daemon). */
				vm_page_t copy;

				vm_page_hold(m);
				copy = vm_page_alloc(first_object, first_pindex,
				    VM_ALLOC_NORMAL);
				vm_page_unhold(m);
				if (copy == NULL) {
					stats.failed++;
					return KERN_RESOURCE_SHORTAGE;
				}
				pmap_copy_page(m, copy);
				copy->valid = 1;
				/* A debugger's write into a wired entry: the
				 * wiring moves to the copy (vm_fault_unwire
				 * will find the copy mapped). */
				if (wired && m->wire_count > 0 &&
				    (flags & VM_FAULT_CHANGE_WIRING) == 0) {
					vm_page_wire(copy);
					vm_fault_unwire_page(m);
				}
				detail = object->type == OBJT_VNODE ? "of file page" :
				    strcmp(type, "swap_in") == 0 ?
				    "of shadowed page, swapped in" :
				    "of shadowed page";
				m = copy;
				type = "cow_copy";
			}
		} else {
			/* Read of a lower object's page: map it read-only so
			 * a later write faults and copies. */
			prot &= ~VM_PROT_WRITE;
		}
	}
	if ((flags & VM_FAULT_CHANGE_WIRING) != 0)
		vm_page_wire(m);
	else if (m->wire_count == 0)
		vm_page_activate(m);
	if ((fault_type & VM_PROT_WRITE) || (flags & VM_FAULT_DIRTY))
		vm_page_dirty(m);
	/* Held: pmap_enter may allocate a page-table page.  An override
	 * write enters the page for the entry's protection only. */
	access = override ? fault_type & prot : fault_type;
	vm_page_hold(m);
	/* Replacing a mapping of the page copied from: a COW shootdown. */
	oreason = strcmp(type, "cow_copy") == 0 ? pmap_reason_set("cow") : NULL;
	rv = pmap_enter(map->pmap, va, access, m, prot, wired);
	if (oreason != NULL)
		(void)pmap_reason_set(oreason);
	vm_page_unhold(m);
	if (rv != KERN_SUCCESS) {
		if ((flags & VM_FAULT_CHANGE_WIRING) != 0)
			vm_page_unwire(m, true);
		stats.failed++;
		return rv;
	}
	if (strcmp(type, "zero_fill") == 0)
		stats.zero_fill++;
	else if (strcmp(type, "file") == 0)
		stats.file++;
	else if (strcmp(type, "cow_copy") == 0)
		stats.cow_copy++;
	else if (strcmp(type, "cow_reuse") == 0)
		stats.cow_reuse++;
	else if (strcmp(type, "swap_in") == 0)
		;		/* counted where it was read */
	else
		stats.soft++;
	if (mp != NULL) {
		vm_page_hold(m);
		*mp = m;
	}
	vm_fault_assert(first_object, m, wired, flags, va);
	vm_fault_event(type, va, m, fault_type, detail);
	return KERN_SUCCESS;
}

/* See vm_fault.h (FreeBSD vm_fault_quick_hold_pages, 2010). */
int
vm_fault_quick_hold_pages(struct vm_map *map, vm_offset_t addr, vm_size_t len,
    vm_prot_t prot, vm_page_t *ma, int max_count)
{
	vm_offset_t end, va;
	bool pmap_failed;
	int count, i;

	if (len == 0)
		return (0);
	end = round_page(addr + len);
	addr = trunc_page(addr);
	if (addr < map->min_offset || addr > end || end > map->max_offset ||
	    end == 0)
		return (-1);
	if (atop(end - addr) > (vm_size_t)max_count)
		return (-1);
	count = (int)atop(end - addr);
	/* Most likely the pages are mapped: ask the pmap first. */
	pmap_failed = false;
	for (i = 0, va = addr; va < end; i++, va += PAGE_SIZE) {
		ma[i] = pmap_extract_and_hold(map->pmap, va, prot);
		if (ma[i] == NULL)
			pmap_failed = true;
		else if ((prot & VM_PROT_WRITE) != 0)
			vm_page_dirty(ma[i]);
	}
	if (pmap_failed) {
		/* Not mapped, or not with prot: fault those in and hold. */
		for (i = 0, va = addr; va < end; i++, va += PAGE_SIZE)
			if (ma[i] == NULL && vm_fault_hold(map, va, prot,
			    VM_FAULT_NORMAL, &ma[i]) != KERN_SUCCESS) {
				ma[i] = NULL;
				goto error;
			}
	}
	return (count);
error:
	for (i = 0; i < count; i++)
		if (ma[i] != NULL) {
			vm_page_unhold(ma[i]);
			ma[i] = NULL;
		}
	return (-1);
}

int
vm_fault_wire(struct vm_map *map, vm_offset_t start, vm_offset_t end,
    bool fictitious)
{
	vm_offset_t va;
	int rv;

	for (va = start; va < end; va += PAGE_SIZE) {
		rv = vm_fault(map, va, VM_PROT_NONE, VM_FAULT_CHANGE_WIRING);
		if (rv != KERN_SUCCESS) {
			if (va != start)
				vm_fault_unwire(map, start, va, fictitious);
			return (rv);
		}
	}
	return (KERN_SUCCESS);
}

/* Drop one wiring of m; an orphan (its object died) is freed at 0. */
static void
vm_fault_unwire_page(vm_page_t m)
{
	vm_page_unwire(m, true);
	if (m->wire_count == 0 && m->object == NULL &&
	    (m->flags & PG_FICTITIOUS) == 0)
		vm_page_free(m);
}

/* The page the entry's chain shows at va (no fault), or NULL. */
static vm_page_t
vm_fault_chain_page(struct vm_map *map, vm_offset_t va)
{
	struct vm_map_entry *e;
	struct vm_object *o;
	vm_pindex_t pi;
	vm_page_t m;

	if (!vm_map_lookup_entry(map, va, &e))
		return (NULL);
	pi = atop(e->offset + (va - e->start));
	for (o = e->object; o != NULL; o = o->backing_object) {
		if ((m = vm_page_lookup(o, pi)) != NULL)
			return (m);
		pi += atop(o->backing_object_offset);
	}
	return (NULL);
}

void
vm_fault_unwire(struct vm_map *map, vm_offset_t start, vm_offset_t end,
    bool fictitious)
{
	vm_offset_t va;
	vm_paddr_t pa;
	vm_page_t m;

	for (va = start; va < end; va += PAGE_SIZE) {
		pa = pmap_extract(map->pmap, va);
		if (pa != 0) {
			pmap_change_wiring(map->pmap, va, false);
			if (!fictitious &&
			    (m = PHYS_TO_VM_PAGE(trunc_page(pa))) != NULL)
				vm_fault_unwire_page(m);
		} else if (!fictitious) {
			/* The mapping was taken away (protection removed):
			 * the page is the one the chain shows. */
			m = vm_fault_chain_page(map, va);
			if (m != NULL && m->wire_count != 0)
				vm_fault_unwire_page(m);
		}
	}
}

/* The resident page of obj's chain at pindex (no fault), or NULL. */
static vm_page_t
vm_fault_object_page(struct vm_object *obj, vm_pindex_t pindex)
{
	vm_page_t m;

	for (; obj != NULL; obj = obj->backing_object) {
		if ((m = vm_page_lookup(obj, pindex)) != NULL)
			return (m);
		pindex += atop(obj->backing_object_offset);
	}
	return (NULL);
}

/*
 * The upgrade of an entry that has its private object already: copy up
 * the pages still seen from lower objects, wire them instead of the
 * originals, and map everything writable and wired.
 */
static int
vm_fault_copy_entry_inplace(struct vm_map *map, struct vm_map_entry *entry)
{
	struct vm_object *obj = entry->object;
	vm_pindex_t pi0 = atop(entry->offset), i, n, missing;
	vm_page_t m, src_m;
	vm_prot_t prot = entry->protection;
	int rv;

	n = atop(entry->end - entry->start);
	missing = 0;
	for (i = 0; i < n; i++)
		if (vm_page_lookup(obj, pi0 + i) == NULL)
			missing++;
	if (missing > vm_phys_free_count())
		return (KERN_RESOURCE_SHORTAGE);
	for (i = 0; i < n; i++) {
		m = vm_page_lookup(obj, pi0 + i);
		if (m == NULL) {
			src_m = obj->backing_object == NULL ? NULL :
			    vm_fault_object_page(obj->backing_object, pi0 + i +
			    atop(obj->backing_object_offset));
			KASSERT(src_m != NULL, ("vm_fault_copy_entry: wired "
			    "page %llu of object %llu missing",
			    (unsigned long long)(pi0 + i),
			    (unsigned long long)obj->id));
			m = vm_page_alloc(obj, pi0 + i, VM_ALLOC_NORMAL);
			pmap_copy_page(src_m, m);
			m->valid = 1;
			vm_page_dirty(m);
			vm_page_wire(m);
			vm_fault_unwire_page(src_m);
		}
		rv = pmap_enter(map->pmap, entry->start + ptoa(i), prot, m, prot,
		    true);
		if (rv != KERN_SUCCESS)
			return (rv);
	}
	return (KERN_SUCCESS);
}

int
vm_fault_copy_entry(struct vm_map *dst_map, struct vm_map *src_map,
    struct vm_map_entry *dst_entry, struct vm_map_entry *src_entry,
    vm_ooffset_t *fork_charge)
{
	struct vm_object *src_object, *dst_object;
	vm_pindex_t src_pindex, i, n;
	vm_offset_t va;
	vm_prot_t access, prot;
	vm_page_t src_m, dst_m;
	vm_size_t size;
	bool upgrade;
	int rv;

	(void)src_map;		/* the source pages are found through its object */
	upgrade = src_entry == dst_entry;
	KASSERT(upgrade == (fork_charge == NULL), ("vm_fault_copy_entry: "
	    "upgrade %d with fork_charge %p", upgrade, (void *)fork_charge));
	KASSERT(src_entry->wired_count != 0, ("vm_fault_copy_entry: source "
	    "[%#llx, %#llx) not wired", (unsigned long long)src_entry->start,
	    (unsigned long long)src_entry->end));
	src_object = src_entry->object;
	KASSERT(src_object != NULL, ("vm_fault_copy_entry: wired entry without "
	    "an object"));
	if (upgrade && (dst_entry->eflags & MAP_ENTRY_NEEDS_COPY) == 0) {
		rv = vm_fault_copy_entry_inplace(dst_map, dst_entry);
		if (rv == KERN_SUCCESS)
			dst_entry->eflags &= ~(MAP_ENTRY_COW | MAP_ENTRY_NEEDS_COPY);
		return (rv);
	}
	src_pindex = atop(src_entry->offset);
	size = dst_entry->end - dst_entry->start;
	n = atop(size);
	if (n > vm_phys_free_count())
		return (KERN_RESOURCE_SHORTAGE);
	dst_object = vm_object_allocate(OBJT_DEFAULT, n);
	if (fork_charge != NULL) {
		KASSERT(dst_entry->cred == NULL && dst_entry->object == NULL,
		    ("vm_fault_copy_entry: child entry charged or mapped"));
		dst_object->cred = crhold(ucred_current());
		dst_object->charge = size;
		*fork_charge += size;
		/* The copy is private to the child: nothing left to copy. */
		dst_entry->eflags &= ~MAP_ENTRY_NEEDS_COPY;
	} else if (dst_entry->cred != NULL) {
		dst_object->cred = dst_entry->cred;
		dst_object->charge = size;
		dst_entry->cred = NULL;
	}
	/* Map the child's pages without exercising write; the upgrade's
	 * are written to: mapped writable, dirty, wired. */
	access = prot = dst_entry->protection;
	if (!upgrade)
		access &= ~VM_PROT_WRITE;
	dst_entry->object = dst_object;
	dst_entry->offset = 0;
	rv = KERN_SUCCESS;
	for (i = 0, va = dst_entry->start; i < n; i++, va += PAGE_SIZE) {
		src_m = vm_fault_object_page(src_object, src_pindex + i);
		KASSERT(src_m != NULL, ("vm_fault_copy_entry: wired page at "
		    "%#llx missing", (unsigned long long)(src_entry->start +
		    ptoa(i))));
		dst_m = vm_page_alloc(dst_object, i, VM_ALLOC_NORMAL);
		KASSERT(dst_m != NULL, ("vm_fault_copy_entry: no page after "
		    "counting them"));
		pmap_copy_page(src_m, dst_m);
		dst_m->valid = 1;
		vm_page_dirty(dst_m);
		if (upgrade)
			vm_page_wire(dst_m);
		else
			vm_page_activate(dst_m);
		vm_page_hold(dst_m);
		rv = pmap_enter(dst_map->pmap, va, access, dst_m, prot, upgrade);
		vm_page_unhold(dst_m);
		if (upgrade)
			vm_fault_unwire_page(src_m);
		if (rv != KERN_SUCCESS) {
			KASSERT(!upgrade, ("vm_fault_copy_entry: upgrade pmap_enter "
			    "failed replacing a mapping"));
			return (rv);
		}
	}
	if (upgrade) {
		dst_entry->eflags &= ~(MAP_ENTRY_COW | MAP_ENTRY_NEEDS_COPY);
		vm_object_deallocate(src_object);
	}
	return (KERN_SUCCESS);
}
