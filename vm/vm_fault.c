/*
 * vm/vm_fault.c — page-fault resolution, after FreeBSD's vm_fault(9)
 * (2010): look the address up in the map, walk the entry's object and
 * its shadow chain for the page, create it (zero fill at the bottom of an
 * anonymous chain, page-in from a vnode), copy it into the top object on
 * a write to a page found lower down (copy-on-write), and enter the
 * mapping in the pmap.  Single-threaded simulator: no busy/sleep logic.
 */
#include "vm/vm_fault.h"
#include "vm/pmap.h"
#include "vm/vm_map.h"
#include "vm/vm_object.h"
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
	    fault_type & VM_PROT_EXECUTE ? "exec" : "read",
	    detail[0] ? " " : "", detail);
	event_emit(&ev, 0);
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
	vm_prot_t prot;
	bool wired;
	vm_page_t m = NULL;
	const char *type = "soft";
	const char *detail = "";
	int rv;

	va = trunc_page(va);
	rv = vm_map_lookup(map, va, fault_type, &entry, &first_object,
	    &first_pindex, &prot, &wired);
	if (rv != KERN_SUCCESS) {
		stats.failed++;
		return rv;
	}
	/* Walk the shadow chain from the top for the page. */
	object = first_object;
	pindex = first_pindex;
	for (;;) {
		m = vm_page_lookup(object, pindex);
		if (m != NULL)
			break;
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
		if (object->backing_object == NULL) {
			/* Bottom of an anonymous chain: a new zero page in the
			 * top object (lower objects stay as they are). */
			m = vm_page_alloc(first_object, first_pindex, VM_ALLOC_ZERO);
			if (m == NULL) {
				stats.failed++;
				return KERN_RESOURCE_SHORTAGE;
			}
			object = first_object;
			type = "zero_fill";
			break;
		}
		pindex += atop(object->backing_object_offset);
		object = object->backing_object;
	}
	if (object != first_object) {
		if (fault_type & VM_PROT_WRITE) {
			/* Copy-on-write: the top object gets its own copy. */
			vm_page_t copy = vm_page_alloc(first_object, first_pindex,
			    VM_ALLOC_NORMAL);

			if (copy == NULL) {
				stats.failed++;
				return KERN_RESOURCE_SHORTAGE;
			}
			pmap_copy_page(m, copy);
			detail = object->type == OBJT_VNODE ? "of file page" : "of shadowed page";
			m = copy;
			type = "cow_copy";
		} else {
			/* Read of a lower object's page: map it read-only so
			 * a later write faults and copies. */
			prot &= ~VM_PROT_WRITE;
		}
	}
	if (m->wire_count == 0)
		vm_page_activate(m);
	if ((fault_type & VM_PROT_WRITE) || (flags & VM_FAULT_DIRTY))
		vm_page_dirty(m);
	rv = pmap_enter(map->pmap, va, fault_type, m, prot, wired);
	if (rv != KERN_SUCCESS) {
		stats.failed++;
		return rv;
	}
	if (strcmp(type, "zero_fill") == 0)
		stats.zero_fill++;
	else if (strcmp(type, "file") == 0)
		stats.file++;
	else if (strcmp(type, "cow_copy") == 0)
		stats.cow_copy++;
	else
		stats.soft++;
	if (mp != NULL) {
		vm_page_hold(m);
		*mp = m;
	}
	vm_fault_event(type, va, m, fault_type, detail);
	return KERN_SUCCESS;
}
