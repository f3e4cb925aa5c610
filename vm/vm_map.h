/*
 * vm/vm_map.h — address maps: the sorted list of mapped ranges of one
 * address space, each mapping a range of a VM object with a protection
 * (FreeBSD sys/vm/vm_map.h, 2010 semantics; see VM-SPEC.md, "Maps").
 *
 * Entries sit in a doubly linked list sorted by address around a header
 * sentinel.  XXX: lookups are linear from a hint (FreeBSD has a splay tree
 * of entries); fine for the few dozen entries our processes have.
 * Entries are never merged (no vm_map_simplify_entry).
 *
 * Entry offsets are byte offsets into the object (vm_ooffset_t).  The
 * "lock" of FreeBSD is implicit: the simulator runs the kernel on one host
 * thread; timestamp still counts modifications.
 */
#ifndef VM_VM_MAP_H
#define VM_VM_MAP_H

#include "sim/base/base.h"
#include "vm/vm_object.h"

struct pmap;

/* Inheritance at fork (FreeBSD vm_inherit.h). */
#define VM_INHERIT_SHARE	0	/* child shares the object */
#define VM_INHERIT_COPY		1	/* child gets a copy-on-write copy */
#define VM_INHERIT_NONE		2	/* child gets nothing */
#define VM_INHERIT_DEFAULT	VM_INHERIT_COPY

/* Entry flags (eflags). */
#define MAP_ENTRY_COW		0x0001	/* private: writes go to a shadow copy */
#define MAP_ENTRY_NEEDS_COPY	0x0002	/* the shadow is not made yet */
#define MAP_ENTRY_NOFAULT	0x0004	/* never fault here (kmem_alloc_nofault):
					   a fault is a kernel panic */
#define MAP_ENTRY_GROWS_DOWN	0x0008	/* a stack: grows below its start */
#define MAP_ENTRY_USER_WIRED	0x0010	/* mlock'ed (counted once in wired_count) */

/* vm_map_insert/vm_map_find cow argument. */
#define MAP_COPY_ON_WRITE	0x0001	/* -> MAP_ENTRY_COW | MAP_ENTRY_NEEDS_COPY */
#define MAP_NOFAULT		0x0002	/* -> MAP_ENTRY_NOFAULT */
#define MAP_STACK_GROWS_DOWN	0x0004	/* -> MAP_ENTRY_GROWS_DOWN */

/* vm_map_find find_space argument. */
#define VMFS_NO_SPACE		0	/* exactly at *addr */
#define VMFS_ANY_SPACE		1	/* first fit at or above *addr */
#define VMFS_ALIGNED_SPACE	2	/* first fit, then superpage aligned */
#define VMFS_TLB_ALIGNED_SPACE	3	/* first fit, then an even page (MIPS
					   TLB pair) */

/* The superpage size VMFS_ALIGNED_SPACE aligns to (amd64 2 MiB).  XXX: a
 * pmap-independent constant until the pmaps have superpages. */
#define VM_SUPERPAGE_SIZE	((vm_offset_t)1 << 21)

struct vm_map_entry {
	struct vm_map_entry *prev, *next;	/* sorted list, header-terminated */
	vm_offset_t start, end;			/* [start, end), page aligned */
	struct vm_object *object;		/* NULL: anonymous, not yet faulted */
	vm_ooffset_t offset;			/* of start in object, bytes */
	unsigned eflags;			/* MAP_ENTRY_* */
	vm_prot_t protection;			/* current */
	vm_prot_t max_protection;		/* ceiling for mprotect */
	uint8_t inheritance;			/* VM_INHERIT_* */
	int wired_count;			/* wirings (user counts once) */
};

struct vm_map {
	struct vm_map_entry header;	/* list sentinel (no range) */
	int nentries;
	vm_size_t size;			/* bytes mapped */
	vm_offset_t min_offset;		/* valid range [min_offset, max_offset) */
	vm_offset_t max_offset;
	struct pmap *pmap;		/* its page tables */
	unsigned timestamp;		/* +1 per modification */
	struct vm_map_entry *hint;	/* last entry looked up (or header) */
};

/* An empty map of [min, max) translated by pmap (may be NULL). */
void vm_map_init(struct vm_map *map, struct pmap *pmap, vm_offset_t min,
    vm_offset_t max);

/* Iteration in address order: the first entry / the one after e, or NULL. */
struct vm_map_entry *vm_map_first(struct vm_map *map);
struct vm_map_entry *vm_map_next(struct vm_map *map, struct vm_map_entry *e);

/* true with *entry the entry containing addr; false with *entry the entry
 * before addr (&map->header if none). */
bool vm_map_lookup_entry(struct vm_map *map, vm_offset_t addr,
    struct vm_map_entry **entry);

/* Map [start, end) of obj at offset (obj's reference passes to the map on
 * success).  KERN_SUCCESS, KERN_INVALID_ADDRESS, KERN_NO_SPACE. */
int vm_map_insert(struct vm_map *map, struct vm_object *obj, vm_ooffset_t offset,
    vm_offset_t start, vm_offset_t end, vm_prot_t prot, vm_prot_t max, int cow);
/* First fit of length bytes at or above start: 0 with *addr, or 1. */
int vm_map_findspace(struct vm_map *map, vm_offset_t start, vm_size_t length,
    vm_offset_t *addr);
/* Find space (VMFS_*) from *addr and insert there; *addr = the start.
 * KERN_SUCCESS, KERN_NO_SPACE, KERN_INVALID_ADDRESS. */
int vm_map_find(struct vm_map *map, struct vm_object *obj, vm_ooffset_t offset,
    vm_offset_t *addr, vm_size_t length, int find_space, vm_prot_t prot,
    vm_prot_t max, int cow);

/* Split entry so that it starts (ends) at addr. */
void vm_map_clip_start(struct vm_map *map, struct vm_map_entry *entry,
    vm_offset_t addr);
void vm_map_clip_end(struct vm_map *map, struct vm_map_entry *entry,
    vm_offset_t addr);

/* Unmap [start, end) (holes allowed).  KERN_SUCCESS. */
int vm_map_delete(struct vm_map *map, vm_offset_t start, vm_offset_t end);
/* vm_map_delete after clamping [start, end) to the map's range. */
int vm_map_remove(struct vm_map *map, vm_offset_t start, vm_offset_t end);
/* Set the protection (or, with set_max, the maximum) of [start, end).
 * KERN_SUCCESS or KERN_PROTECTION_FAILURE (nothing changed). */
int vm_map_protect(struct vm_map *map, vm_offset_t start, vm_offset_t end,
    vm_prot_t new_prot, bool set_max);

/* For vm_fault: the entry, object, pindex and allowed protection at va
 * for a fault_type access (see vm_map.c).  KERN_SUCCESS,
 * KERN_INVALID_ADDRESS, KERN_PROTECTION_FAILURE. */
int vm_map_lookup(struct vm_map *map, vm_offset_t va, vm_prot_t fault_type,
    struct vm_map_entry **entry, struct vm_object **object,
    vm_pindex_t *pindex, vm_prot_t *prot, bool *wired);

/* Sorted, disjoint, in bounds, aligned, counts right.  0 or -1 + msg. */
int vm_map_check(struct vm_map *map, char *msg, size_t msglen);

#endif
