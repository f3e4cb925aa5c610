/*
 * vm/vm_fault.h — page-fault resolution (FreeBSD sys/vm/vm_fault.c).
 */
#ifndef VM_VM_FAULT_H
#define VM_VM_FAULT_H

#include "sim/base/base.h"
#include "vm/vm_page.h"

struct vm_map;

/* flags */
#define VM_FAULT_NORMAL		0x0
#define VM_FAULT_DIRTY		0x1	/* mark the page dirty (kernel writes) */

/*
 * Resolve a fault at va of type fault_type (VM_PROT_READ/WRITE/EXECUTE)
 * in map: find the page along the entry's shadow chain, zero-fill it,
 * page it in from a file, or copy it for a private write (copy-on-write),
 * then pmap_enter it.  Emits one page_fault event (type zero_fill, file,
 * cow_copy or soft) on success.
 *
 * Returns KERN_SUCCESS, KERN_INVALID_ADDRESS (no entry),
 * KERN_PROTECTION_FAILURE (the entry forbids the access),
 * KERN_RESOURCE_SHORTAGE (no free page), or KERN_FAILURE (pager error).
 */
int vm_fault(struct vm_map *map, vm_offset_t va, vm_prot_t fault_type, int flags);
/* As vm_fault, and return the page held (*mp; vm_page_unhold to release). */
int vm_fault_hold(struct vm_map *map, vm_offset_t va, vm_prot_t fault_type,
    int flags, vm_page_t *mp);

struct vm_fault_stats {
	uint64_t zero_fill, file, cow_copy, soft, failed;
};
/* Totals since start (the summary reads them). */
const struct vm_fault_stats *vm_fault_stats(void);
void vm_fault_stats_reset(void);

#endif
