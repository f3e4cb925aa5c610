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
struct ucred;

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
#define MAP_ENTRY_WIRE_CHANGED	0x0020	/* (inside vm_map_wire only) wired by
					   the running call: undone on failure */

/* Map flags (map->flags). */
#define MAP_WIREFUTURE		0x0001	/* mlockall(MCL_FUTURE): the kernel wires
					   new mappings (VM_MAP_WIRE_USER) */
#define MAP_SYSTEM_MAP		0x0002	/* a kernel map (kernel_map, vm_kern.c):
					   no pmap of its own (pmap NULL); kmem
					   enters its pages with pmap_qenter, and
					   vm_map_delete takes an object-backed
					   entry's pages out (pmap_qremove),
					   unwires and frees them.  NOFAULT
					   entries' pages are their owner's. */

/* vm_map_insert/vm_map_find cow argument. */
#define MAP_COPY_ON_WRITE	0x0001	/* -> MAP_ENTRY_COW | MAP_ENTRY_NEEDS_COPY */
#define MAP_NOFAULT		0x0002	/* -> MAP_ENTRY_NOFAULT */
#define MAP_STACK_GROWS_DOWN	0x0004	/* -> MAP_ENTRY_GROWS_DOWN */
#define MAP_INHERIT_SHARE	0x0008	/* inheritance VM_INHERIT_SHARE (MAP_SHARED) */
#define MAP_ACC_CHARGED		0x0010	/* the caller reserved the swap charge */
#define MAP_ACC_NO_CHARGE	0x0020	/* never charge this mapping */

/* vm_map_wire/vm_map_unwire flags. */
#define VM_MAP_WIRE_SYSTEM	0x0000	/* kernel wiring (vslock): stacks */
#define VM_MAP_WIRE_USER	0x0001	/* user wiring (mlock): once per entry */
#define VM_MAP_WIRE_NOHOLES	0x0000	/* a hole is an error */
#define VM_MAP_WIRE_HOLESOK	0x0002	/* holes (and unwirable entries) skipped */

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
	struct ucred *cred;			/* swap charge of end - start bytes
						   not yet moved to the object */
	vm_size_t avail_ssize;			/* GROWS_DOWN: bytes it may still
						   grow by (vm_map_stack) */
};

struct vm_map {
	struct vm_map_entry header;	/* list sentinel (no range) */
	int nentries;
	vm_size_t size;			/* bytes mapped */
	vm_offset_t min_offset;		/* valid range [min_offset, max_offset) */
	vm_offset_t max_offset;
	struct pmap *pmap;		/* its page tables (NULL: a kernel map,
					   MAP_SYSTEM_MAP, or a unit test's) */
	unsigned timestamp;		/* +1 per modification */
	struct vm_map_entry *hint;	/* last entry looked up (or header) */
	unsigned flags;			/* MAP_WIREFUTURE, MAP_SYSTEM_MAP */
};

/* An empty map of [min, max) translated by pmap (may be NULL). */
void vm_map_init(struct vm_map *map, struct pmap *pmap, vm_offset_t min,
    vm_offset_t max);

/* Free the host memory of map's entries and leave it empty, touching
 * nothing else (no pmap, object, page or charge): for a kernel map whose
 * machine is being torn down (vm_kern_fini). */
void vm_map_forget(struct vm_map *map);

/* Iteration in address order: the first entry / the one after e, or NULL. */
struct vm_map_entry *vm_map_first(struct vm_map *map);
struct vm_map_entry *vm_map_next(struct vm_map *map, struct vm_map_entry *e);

/* true with *entry the entry containing addr; false with *entry the entry
 * before addr (&map->header if none). */
bool vm_map_lookup_entry(struct vm_map *map, vm_offset_t addr,
    struct vm_map_entry **entry);

/* Map [start, end) of obj at offset (obj's reference passes to the map on
 * success).  A writable private (COW) or anonymous mapping is charged to
 * ucred_current() (see vm_map.c).  KERN_SUCCESS, KERN_INVALID_ADDRESS,
 * KERN_NO_SPACE, KERN_RESOURCE_SHORTAGE (the swap charge was refused). */
int vm_map_insert(struct vm_map *map, struct vm_object *obj, vm_ooffset_t offset,
    vm_offset_t start, vm_offset_t end, vm_prot_t prot, vm_prot_t max, int cow);
/* First fit of length bytes at or above start: 0 with *addr, or 1. */
int vm_map_findspace(struct vm_map *map, vm_offset_t start, vm_size_t length,
    vm_offset_t *addr);
/* Find space (VMFS_*) from *addr and insert there; *addr = the start.
 * KERN_SUCCESS, KERN_NO_SPACE, KERN_INVALID_ADDRESS,
 * KERN_RESOURCE_SHORTAGE. */
int vm_map_find(struct vm_map *map, struct vm_object *obj, vm_ooffset_t offset,
    vm_offset_t *addr, vm_size_t length, int find_space, vm_prot_t prot,
    vm_prot_t max, int cow);

/* Split entry so that it starts (ends) at addr. */
void vm_map_clip_start(struct vm_map *map, struct vm_map_entry *entry,
    vm_offset_t addr);
void vm_map_clip_end(struct vm_map *map, struct vm_map_entry *entry,
    vm_offset_t addr);

/* Unmap [start, end) (holes allowed).  KERN_SUCCESS.  In a
 * MAP_SYSTEM_MAP map the pages of object-backed entries are unmapped
 * (pmap_qremove), unwired and freed; NOFAULT entries only give back VA. */
int vm_map_delete(struct vm_map *map, vm_offset_t start, vm_offset_t end);
/* vm_map_delete after clamping [start, end) to the map's range. */
int vm_map_remove(struct vm_map *map, vm_offset_t start, vm_offset_t end);
/* Set the protection (or, with set_max, the maximum) of [start, end).
 * KERN_SUCCESS, KERN_PROTECTION_FAILURE (nothing changed) or
 * KERN_RESOURCE_SHORTAGE (a newly writable private entry could not be
 * charged). */
int vm_map_protect(struct vm_map *map, vm_offset_t start, vm_offset_t end,
    vm_prot_t new_prot, bool set_max);

/* For vm_fault: the entry, object, pindex and allowed protection at va
 * for a fault_type access (see vm_map.c).  KERN_SUCCESS,
 * KERN_INVALID_ADDRESS, KERN_PROTECTION_FAILURE. */
int vm_map_lookup(struct vm_map *map, vm_offset_t va, vm_prot_t fault_type,
    struct vm_map_entry **entry, struct vm_object **object,
    vm_pindex_t *pindex, vm_prot_t *prot, bool *wired);

/*
 * The map half of vmspace_fork: fill the empty map dst (its own pmap) from
 * src entry by entry according to each entry's inheritance
 * (VM_INHERIT_SHARE: same object, +1 ref; VM_INHERIT_COPY: both entries
 * copy-on-write on the same object, src write-protected in its pmap;
 * VM_INHERIT_NONE: skipped; wired entries are copied at once into a new
 * anonymous object).  *fork_charge grows by the bytes of swap the child's
 * copies need (the caller then swap_reserve()s it and fails the fork with
 * ENOMEM if that fails).  KERN_SUCCESS or KERN_RESOURCE_SHORTAGE (no page
 * for a wired copy or a page table; dst is left partly filled: the caller
 * tears it down).
 */
int vm_map_fork(struct vm_map *dst, struct vm_map *src, vm_ooffset_t *fork_charge);

/*
 * madvise(MADV_DONTNEED) of [start, end) (holes skipped): the mappings
 * are removed, and the pages of an anonymous object only this entry range
 * can reach (not NEEDS_COPY, one reference or OBJ_ONEMAPPING) are freed,
 * so the next touch sees zeros, or the file for a private file mapping.
 * Pages shared with others (a shared mapping, a copy-on-write object
 * after fork) stay; wired entries are left alone.  XXX: Linux gives zeros
 * for anonymous private memory still shared copy-on-write after fork; we
 * show the pre-fork data there.  KERN_SUCCESS.
 */
int vm_map_madvise_dontneed(struct vm_map *map, vm_offset_t start,
    vm_offset_t end);
/* Set the inheritance (VM_INHERIT_*) of [start, end) (minherit).
 * KERN_SUCCESS or KERN_INVALID_ARGUMENT. */
int vm_map_inherit(struct vm_map *map, vm_offset_t start, vm_offset_t end,
    int inheritance);

/*
 * Wire [start, end): every page faulted in with the entry's protection and
 * wired (vm_fault_wire), the mappings wired in the pmap.  flags:
 * VM_MAP_WIRE_USER (mlock) counts once per entry (MAP_ENTRY_USER_WIRED),
 * VM_MAP_WIRE_SYSTEM (vslock) once per call, so system wirings stack;
 * VM_MAP_WIRE_HOLESOK skips holes and entries that allow no access,
 * which otherwise fail the call with KERN_INVALID_ADDRESS.  On failure
 * nothing stays wired by this call.  KERN_SUCCESS, KERN_INVALID_ADDRESS,
 * or the vm_fault error of the page that could not be had.
 */
int vm_map_wire(struct vm_map *map, vm_offset_t start, vm_offset_t end,
    int flags);
/*
 * Undo one vm_map_wire of [start, end) with the same kind of flags: a
 * USER unwiring drops the entry's user wiring, a SYSTEM one one system
 * wiring; pages are unwired when an entry's count reaches 0.  A hole, or
 * an entry not wired that way, is KERN_INVALID_ADDRESS /
 * KERN_INVALID_ARGUMENT (nothing changed) unless VM_MAP_WIRE_HOLESOK.
 */
int vm_map_unwire(struct vm_map *map, vm_offset_t start, vm_offset_t end,
    int flags);

/*
 * A growable stack (FreeBSD vm_map_stack): reserve [addrbos, addrbos +
 * max_ssize), which must be free, and map its top init_ssize bytes as an
 * anonymous MAP_ENTRY_GROWS_DOWN entry that may grow down to addrbos.
 * KERN_SUCCESS, KERN_NO_SPACE (the range is not free, or init_ssize >
 * max_ssize), KERN_INVALID_ADDRESS, KERN_RESOURCE_SHORTAGE.
 */
int vm_map_stack(struct vm_map *map, vm_offset_t addrbos, vm_size_t max_ssize,
    vm_size_t init_ssize, vm_prot_t prot, vm_prot_t max, int cow);
/*
 * A fault at addr missed every entry: if addr lies in the room a
 * GROWS_DOWN entry above it may grow into, grow the stack down to cover
 * it (rounded to VM_STACK_GROW_BYTES when room allows) as a new entry,
 * so that the stack stays within stack_limit bytes (RLIMIT_STACK)
 * counted from its top; wire it under MAP_WIREFUTURE.  Returns
 * KERN_SUCCESS (grown, or addr already mapped: retry the fault),
 * KERN_INVALID_ADDRESS (addr is not below a growable stack: the fault
 * stands), KERN_NO_SPACE (over the limit or the reserved room, or an
 * entry is in the way), KERN_RESOURCE_SHORTAGE (no swap charge).
 */
int vm_map_growstack(struct vm_map *map, vm_offset_t addr, vm_size_t stack_limit);
#define VM_STACK_GROW_BYTES	((vm_size_t)128 << 10)	/* FreeBSD sgrowsiz */

/* Sorted, disjoint, in bounds, aligned, counts right.  0 or -1 + msg. */
int vm_map_check(struct vm_map *map, char *msg, size_t msglen);
/*
 * The pages the pmap maps for map: each is a real page that is not free
 * (not on the free or hold queue), belongs to an object on the shadow
 * chain of the entry mapping it, and is wired if the entry is (system
 * pages excepted: fictitious pages are skipped).  Walks every page of
 * every entry: for invariant checks after map-changing system calls.
 * A kernel map (MAP_SYSTEM_MAP) is checked through pmap_kextract: its
 * object-backed entries fully mapped, wired pages of their object.
 * 0, or -1 with a message.
 */
int vm_map_check_pages(struct vm_map *map, char *msg, size_t msglen);

#endif
