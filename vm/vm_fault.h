/*
 * vm/vm_fault.h — page-fault resolution and the fault-driven services
 * built on it: holding and wiring user pages, copying wired entries
 * (FreeBSD sys/vm/vm_fault.c and vm_extern.h, 2010; see VM-SPEC.md,
 * "Faults").
 */
#ifndef VM_VM_FAULT_H
#define VM_VM_FAULT_H

#include "sim/base/base.h"
#include "vm/vm_page.h"

struct vm_map;
struct vm_map_entry;

/* flags */
#define VM_FAULT_NORMAL		0x0
#define VM_FAULT_DIRTY		0x1	/* mark the page dirty (kernel writes) */
#define VM_FAULT_CHANGE_WIRING	0x2	/* wire the page (vm_fault_wire): the
					   entry must be wired */
#define VM_FAULT_COPY		0x4	/* a debugger's write (FreeBSD VM_PROT_COPY
					   with VM_PROT_OVERRIDE_WRITE): see
					   vm_fault_hold */

/*
 * Resolve a fault at va of type fault_type (VM_PROT_READ/WRITE/EXECUTE)
 * in map: find the page along the entry's shadow chain, zero-fill it,
 * page it in from a file, or copy it for a private write (copy-on-write;
 * or move it up, when the object it sits in is used by nobody else:
 * cow_reuse), then pmap_enter it.  On a wired entry the fault counts as
 * an access of the entry's whole protection (FreeBSD) and the mapping is
 * wired.  Emits one page_fault event (type zero_fill, file, cow_copy,
 * cow_reuse or soft) on success.
 *
 * Returns KERN_SUCCESS, KERN_INVALID_ADDRESS (no entry: the caller may
 * try vm_map_growstack once and fault again), KERN_PROTECTION_FAILURE
 * (the entry forbids the access), KERN_RESOURCE_SHORTAGE (no free page,
 * or the copy-on-write charge was refused), or KERN_FAILURE (pager
 * error).
 */
int vm_fault(struct vm_map *map, vm_offset_t va, vm_prot_t fault_type, int flags);
/*
 * As vm_fault, and return the page held (*mp; vm_page_unhold to release).
 *
 * With VM_FAULT_COPY (proc_rwmem's writes; fault_type then should be
 * VM_PROT_READ | VM_PROT_WRITE) the write is allowed in an entry whose
 * protection lacks VM_PROT_WRITE when its max protection has it or the
 * entry is copy-on-write (read-only program text): a private entry gets
 * its own copy of the page (cow_copy; the writer is charged, as a
 * writable private mapping would be), a shared one is written in place;
 * either way the page is mapped with the entry's protection only, so
 * the process itself still cannot write it.  An entry that allows no
 * access at all, or neither write nor COW, is KERN_PROTECTION_FAILURE.
 * A wired entry's wiring moves to the copy.
 */
int vm_fault_hold(struct vm_map *map, vm_offset_t va, vm_prot_t fault_type,
    int flags, vm_page_t *mp);

/*
 * Hold the pages of [addr, addr + len) for an access of prot (FreeBSD
 * vm_fault_quick_hold_pages): pmap_extract_and_hold each page the pmap
 * maps with prot, fault in and hold the rest with vm_fault_hold.  With
 * VM_PROT_WRITE every page is dirtied (the caller writes through the
 * direct map, which no pmap sees).  Returns the number of pages held into
 * ma[0..count), 0 for len 0, or -1 (nothing held) when the range leaves
 * the map, needs more than max_count pages, or any page cannot be had.
 */
int vm_fault_quick_hold_pages(struct vm_map *map, vm_offset_t addr, vm_size_t len,
    vm_prot_t prot, vm_page_t *ma, int max_count);

/*
 * Fault in and wire every page of [start, end), which lies in one wired
 * entry (vm_map_wire raised its count first).  On a failure the pages
 * wired so far are unwired again and the vm_fault error returned.
 * fictitious: device memory (its pages are not wired, only mapped).
 */
int vm_fault_wire(struct vm_map *map, vm_offset_t start, vm_offset_t end,
    bool fictitious);
/*
 * Unwire the pages of [start, end) and their pmap wirings: each page
 * the pmap maps there (or, if the mapping is gone, the page the entry's
 * chain shows there, if it is wired).  A page left unwired without an
 * object (its object died while it was wired) is freed.
 */
void vm_fault_unwire(struct vm_map *map, vm_offset_t start, vm_offset_t end,
    bool fictitious);

/*
 * Copy the wired entry src_entry's pages into a new private anonymous
 * object for dst_entry (FreeBSD vm_fault_copy_entry):
 *  - fork (fork_charge != NULL): dst_entry is the child's entry; the new
 *    object is charged its size to ucred_current() and *fork_charge grows
 *    by it; the pages are mapped in the child without write access
 *    rights being exercised (prot = the entry's) and not wired.
 *  - upgrade (src_entry == dst_entry, fork_charge NULL): a user-wired
 *    copy-on-write entry just made writable gets its private copy now,
 *    wired and mapped writable, the old pages unwired; the entry's
 *    charge moves to the copy and it is no longer copy-on-write.  If the
 *    entry already has a private object (not NEEDS_COPY) only the pages
 *    still seen from lower objects are copied into it.
 * Returns KERN_SUCCESS, or KERN_RESOURCE_SHORTAGE when not enough free
 * pages exist (checked first: nothing is changed then) or a page table
 * page cannot be had (fork only: dst_entry holds the partial copy, which
 * the caller's teardown frees).
 */
int vm_fault_copy_entry(struct vm_map *dst_map, struct vm_map *src_map,
    struct vm_map_entry *dst_entry, struct vm_map_entry *src_entry,
    vm_ooffset_t *fork_charge);

struct vm_fault_stats {
	uint64_t zero_fill, file, cow_copy, cow_reuse, soft, failed;
	uint64_t swap_in;	/* pages read back from swap (their fault's type
				   is swap_in, or cow_* when copied up) */
};
/* Totals since start (the summary reads them). */
const struct vm_fault_stats *vm_fault_stats(void);
void vm_fault_stats_reset(void);

#endif
