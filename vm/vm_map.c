/*
 * vm/vm_map.c — address maps (FreeBSD sys/vm/vm_map.c, 2010 semantics;
 * see VM-SPEC.md, "Maps (vm_map) and find-space").
 *
 * A map is a sorted doubly linked list of entries around a header
 * sentinel; each entry maps [start, end) to an object at a byte offset
 * with a protection, a maximum protection, an inheritance and flags.  The
 * pmap is told about removals (pmap_remove) and protection reductions
 * (pmap_protect); mappings are entered later, by vm_fault.
 *
 * XXX: lookups walk the list from a hint (the last entry found) instead
 * of FreeBSD's splay tree of entries.
 * XXX: entries are never coalesced (no vm_map_simplify_entry, no
 * vm_object_coalesce): each vm_map_insert makes its own entry.
 * XXX: fork does not split OBJ_ONEMAPPING objects (vm_object_split): a
 * clipped entry's copy shares the whole object, not just its range.
 *
 * Swap accounting (VM-SPEC "Swap accounting"): a mapping that may create
 * private anonymous pages — writable and either copy-on-write or without
 * an object — is charged its size when it is made (vm_map_insert) or
 * made writable (vm_map_protect), to ucred_current().  The charge sits on
 * the entry (entry->cred) until the entry gets an object of its own
 * (first fault, clipping, fork), when it moves to the object
 * (object->cred, object->charge); it is given back when the entry or the
 * object goes away, or the object's tail is unmapped.  An entry counts
 * as charged (ENTRY_CHARGED) when it has a cred, or its object has one
 * and the entry is not waiting for its copy (NEEDS_COPY).
 *
 * Under sim_invariants every modification ends with vm_map_check.
 */
#include "vm/vm_map.h"

#include <stdio.h>
#include <stdlib.h>

#include "vm/pmap.h"
#include "vm/swap_pager.h"
#include "vm/ucred.h"
#include "vm/vm_fault.h"

/* Is the entry's swap charge already made (on it or on its object)? */
static bool
vm_map_entry_charged(const struct vm_map_entry *e)
{
	return (e->cred != NULL || (e->object != NULL && e->object->cred != NULL &&
	    (e->eflags & MAP_ENTRY_NEEDS_COPY) == 0));
}

/* Give back the entry's own charge, if any. */
static void
vm_map_entry_uncharge(struct vm_map_entry *e)
{
	if (e->cred != NULL) {
		swap_release_by_cred(e->end - e->start, e->cred);
		crfree(e->cred);
		e->cred = NULL;
	}
}

static void
vm_map_assert_consistent(struct vm_map *map, const char *where)
{
	char msg[160];

	if (sim_invariants && vm_map_check(map, msg, sizeof(msg)) != 0)
		panic("%s: map inconsistent: %s", where, msg);
}

/*
 * An empty map covering [min, max), whose mappings live in pmap (NULL for
 * a map with no page tables, e.g. in unit tests).
 */
void
vm_map_init(struct vm_map *map, struct pmap *pmap, vm_offset_t min,
    vm_offset_t max)
{
	KASSERT(min < max && (min & PAGE_MASK) == 0 && (max & PAGE_MASK) == 0,
	    ("vm_map_init: bad range [%#llx, %#llx)", (unsigned long long)min,
	    (unsigned long long)max));
	map->header.prev = map->header.next = &map->header;
	map->header.start = map->header.end = 0;
	map->header.object = NULL;
	map->nentries = 0;
	map->size = 0;
	map->min_offset = min;
	map->max_offset = max;
	map->pmap = pmap;
	map->timestamp = 0;
	map->hint = &map->header;
	map->flags = 0;
}

void
vm_map_forget(struct vm_map *map)
{
	struct vm_map_entry *e, *next;

	for (e = map->header.next; e != &map->header; e = next) {
		next = e->next;
		free(e);
	}
	map->header.prev = map->header.next = &map->header;
	map->nentries = 0;
	map->size = 0;
	map->hint = &map->header;
	map->timestamp++;
}

struct vm_map_entry *
vm_map_first(struct vm_map *map)
{
	return (map->header.next == &map->header ? NULL : map->header.next);
}

struct vm_map_entry *
vm_map_next(struct vm_map *map, struct vm_map_entry *e)
{
	return (e->next == &map->header ? NULL : e->next);
}

/*
 * Find the entry containing addr: true with *entry set to it, or false
 * with *entry the last entry before addr (&map->header if none).  Walks
 * forward from the hint when the hint lies at or below addr, else from the
 * beginning; the result becomes the hint.
 */
bool
vm_map_lookup_entry(struct vm_map *map, vm_offset_t addr,
    struct vm_map_entry **entry)
{
	struct vm_map_entry *e;

	e = map->hint;
	if (e == &map->header || e->start > addr)
		e = &map->header;
	while (e->next != &map->header && e->next->start <= addr)
		e = e->next;
	map->hint = e;
	*entry = e;
	return (e != &map->header && addr < e->end);
}

/* Link e after prev and account for it. */
static void
vm_map_entry_link(struct vm_map *map, struct vm_map_entry *prev,
    struct vm_map_entry *e)
{
	e->prev = prev;
	e->next = prev->next;
	prev->next->prev = e;
	prev->next = e;
	map->nentries++;
	map->size += e->end - e->start;
}

static void
vm_map_entry_unlink(struct vm_map *map, struct vm_map_entry *e)
{
	e->prev->next = e->next;
	e->next->prev = e->prev;
	map->nentries--;
	map->size -= e->end - e->start;
	if (map->hint == e)
		map->hint = e->prev;
}

static struct vm_map_entry *
vm_map_entry_create(void)
{
	struct vm_map_entry *e;

	if ((e = calloc(1, sizeof(*e))) == NULL)
		panic("vm_map_entry_create: out of host memory");
	return (e);
}

/*
 * Map [start, end) of obj, starting at byte offset, with protection prot
 * and maximum max; cow is MAP_COPY_ON_WRITE (-> COW | NEEDS_COPY),
 * MAP_NOFAULT, MAP_STACK_GROWS_DOWN, MAP_INHERIT_SHARE, MAP_ACC_CHARGED,
 * MAP_ACC_NO_CHARGE.  On success the caller's reference to obj belongs to
 * the map (obj may be NULL: anonymous memory, its object made at the
 * first fault).  A writable mapping that is copy-on-write or has no
 * object is charged end - start bytes of swap to ucred_current() (FreeBSD
 * vm_map_insert), unless MAP_ACC_NO_CHARGE or MAP_NOFAULT; with
 * MAP_ACC_CHARGED the caller has reserved it already (and the charge is
 * recorded on the entry whatever the protection).  Returns KERN_SUCCESS;
 * KERN_INVALID_ADDRESS when the range leaves [min_offset, max_offset), is
 * empty or wraps; KERN_NO_SPACE when it overlaps an entry;
 * KERN_RESOURCE_SHORTAGE when the charge is refused.  start, end and
 * offset must be page aligned, prot within max.
 */
int
vm_map_insert(struct vm_map *map, struct vm_object *obj, vm_ooffset_t offset,
    vm_offset_t start, vm_offset_t end, vm_prot_t prot, vm_prot_t max, int cow)
{
	struct vm_map_entry *prev, *e;
	struct ucred *cred;

	if (start < map->min_offset || end > map->max_offset || start >= end)
		return (KERN_INVALID_ADDRESS);
	KASSERT(((start | end | offset) & PAGE_MASK) == 0,
	    ("vm_map_insert: unaligned [%#llx, %#llx) offset %#llx",
	    (unsigned long long)start, (unsigned long long)end,
	    (unsigned long long)offset));
	KASSERT((prot & ~max) == 0, ("vm_map_insert: prot %#x above max %#x",
	    prot, max));
	KASSERT((cow & MAP_NOFAULT) == 0 || obj == NULL,
	    ("vm_map_insert: MAP_NOFAULT with an object"));
	if (vm_map_lookup_entry(map, start, &prev))
		return (KERN_NO_SPACE);
	if (prev->next != &map->header && prev->next->start < end)
		return (KERN_NO_SPACE);
	cred = NULL;
	if ((cow & (MAP_ACC_NO_CHARGE | MAP_NOFAULT)) == 0 &&
	    ((cow & MAP_ACC_CHARGED) != 0 || ((prot & VM_PROT_WRITE) != 0 &&
	    ((cow & MAP_COPY_ON_WRITE) != 0 || obj == NULL)))) {
		if ((cow & MAP_ACC_CHARGED) == 0 && !swap_reserve(end - start))
			return (KERN_RESOURCE_SHORTAGE);
		cred = crhold(ucred_current());
	}
	if (obj != NULL && (obj->ref_count > 1 || obj->shadow_count != 0))
		obj->flags &= ~OBJ_ONEMAPPING;
	e = vm_map_entry_create();
	e->start = start;
	e->end = end;
	e->object = obj;
	e->offset = offset;
	e->eflags = 0;
	if ((cow & MAP_COPY_ON_WRITE) != 0)
		e->eflags |= MAP_ENTRY_COW | MAP_ENTRY_NEEDS_COPY;
	if ((cow & MAP_NOFAULT) != 0)
		e->eflags |= MAP_ENTRY_NOFAULT;
	if ((cow & MAP_STACK_GROWS_DOWN) != 0)
		e->eflags |= MAP_ENTRY_GROWS_DOWN;
	e->protection = prot;
	e->max_protection = max;
	e->inheritance = (cow & MAP_INHERIT_SHARE) != 0 ? VM_INHERIT_SHARE :
	    VM_INHERIT_DEFAULT;
	e->wired_count = 0;
	e->cred = cred;
	e->avail_ssize = 0;
	vm_map_entry_link(map, prev, e);
	map->hint = e;
	map->timestamp++;
	vm_map_assert_consistent(map, "vm_map_insert");
	return (KERN_SUCCESS);
}

/*
 * First fit: the lowest address >= start (raised to min_offset) where
 * length bytes fit between entries and below max_offset.  Returns 0 with
 * *addr set, or 1 when nothing fits (including when start + length wraps
 * the address space, and for length 0).
 */
int
vm_map_findspace(struct vm_map *map, vm_offset_t start, vm_size_t length,
    vm_offset_t *addr)
{
	struct vm_map_entry *e;

	if (start < map->min_offset)
		start = map->min_offset;
	if (length == 0)
		return (1);
	if (vm_map_lookup_entry(map, start, &e))
		start = e->end;
	/* Here e is the entry before start (or the header). */
	for (;;) {
		if (start + length < start || start + length > map->max_offset)
			return (1);
		if (e->next == &map->header || start + length <= e->next->start) {
			*addr = start;
			return (0);
		}
		e = e->next;
		start = e->end;
	}
}

/*
 * Superpage alignment (FreeBSD pmap_align_superpage, made pmap
 * independent): move *addr up so that it and the object offset agree
 * modulo the superpage size, but only when the range is large enough to
 * hold a whole superpage of the object after aligning.  May wrap; the
 * caller checks.
 */
static void
vm_map_align_superpage(vm_ooffset_t offset, vm_offset_t *addr, vm_size_t size)
{
	const vm_offset_t sp = VM_SUPERPAGE_SIZE, mask = VM_SUPERPAGE_SIZE - 1;
	vm_offset_t sp_off, lead;

	sp_off = offset & mask;
	lead = (sp - sp_off) & mask;	/* bytes to the object's first boundary */
	if (size < lead || size - lead < sp || (*addr & mask) == sp_off)
		return;
	if ((*addr & mask) < sp_off)
		*addr = (*addr & ~mask) + sp_off;
	else
		*addr = ((*addr + mask) & ~mask) + sp_off;
}

/*
 * Insert length bytes of obj at offset, at exactly *addr (VMFS_NO_SPACE)
 * or at the first fit at or above *addr, aligned as find_space asks
 * (VMFS_ALIGNED_SPACE: superpage; VMFS_TLB_ALIGNED_SPACE: pmap_align_tlb,
 * an even page on MIPS, unchanged on amd64).  When the aligned range
 * overlaps an entry, search again from the aligned address.  On success *addr is the start and the object reference passes
 * to the map.  Returns KERN_SUCCESS, KERN_NO_SPACE (no room, also when
 * aligning runs past max_offset), KERN_INVALID_ADDRESS (VMFS_NO_SPACE out
 * of bounds).
 */
int
vm_map_find(struct vm_map *map, struct vm_object *obj, vm_ooffset_t offset,
    vm_offset_t *addr, vm_size_t length, int find_space, vm_prot_t prot,
    vm_prot_t max, int cow)
{
	vm_offset_t start, found;
	int result;

	KASSERT(find_space >= VMFS_NO_SPACE && find_space <= VMFS_TLB_ALIGNED_SPACE,
	    ("vm_map_find: find_space %d", find_space));
	start = *addr;
	for (;;) {
		if (find_space != VMFS_NO_SPACE) {
			if (vm_map_findspace(map, start, length, &found) != 0)
				return (KERN_NO_SPACE);
			start = found;
			if (find_space == VMFS_ALIGNED_SPACE)
				vm_map_align_superpage(offset, &start, length);
			else if (find_space == VMFS_TLB_ALIGNED_SPACE)
				pmap_align_tlb(&start);	/* MIPS: even page */
			if (start < found || start + length < start ||
			    start + length > map->max_offset)
				return (KERN_NO_SPACE);
		}
		result = vm_map_insert(map, obj, offset, start, start + length,
		    prot, max, cow);
		if (result != KERN_NO_SPACE ||
		    (find_space != VMFS_ALIGNED_SPACE &&
		    find_space != VMFS_TLB_ALIGNED_SPACE))
			break;
		/* The aligned range hit an entry: search on from there. */
	}
	if (result == KERN_SUCCESS)
		*addr = start;
	return (result);
}

/*
 * Hand the entry's charge to its object (which takes over the credential
 * reference): the object is now charged for the entry's size.  If the
 * object is charged already, the entry's charge is redundant and given
 * back.  Only for an entry not waiting for its copy.
 */
static void
vm_map_entry_charge_object(struct vm_map_entry *entry)
{
	struct vm_object *obj = entry->object;

	if (entry->cred == NULL || obj == NULL ||
	    (entry->eflags & MAP_ENTRY_NEEDS_COPY) != 0)
		return;
	if (obj->cred != NULL) {
		vm_map_entry_uncharge(entry);
		return;
	}
	obj->cred = entry->cred;
	obj->charge = entry->end - entry->start;
	entry->cred = NULL;
}

/*
 * Before splitting an anonymous entry that has no object yet, give it one
 * (as FreeBSD does), so both halves share the same backing pages; the
 * entry's charge moves to the object, so the halves need no charge of
 * their own.
 */
static void
vm_map_entry_make_object(struct vm_map_entry *entry)
{
	if (entry->object == NULL && (entry->eflags & MAP_ENTRY_NOFAULT) == 0) {
		entry->object = vm_object_allocate(OBJT_DEFAULT,
		    atop(entry->end - entry->start));
		entry->offset = 0;
	}
	vm_map_entry_charge_object(entry);
}

/*
 * Split entry at addr so that entry starts at addr; the front part becomes
 * a new entry before it, with its own reference on the object.  No-op if
 * addr is at or below entry's start.
 */
void
vm_map_clip_start(struct vm_map *map, struct vm_map_entry *entry,
    vm_offset_t addr)
{
	struct vm_map_entry *front;

	if (addr <= entry->start)
		return;
	KASSERT(addr < entry->end && (addr & PAGE_MASK) == 0,
	    ("vm_map_clip_start: %#llx outside [%#llx, %#llx)",
	    (unsigned long long)addr, (unsigned long long)entry->start,
	    (unsigned long long)entry->end));
	vm_map_entry_make_object(entry);
	front = vm_map_entry_create();
	*front = *entry;
	front->end = addr;
	map->size -= addr - entry->start;	/* re-added by the link */
	entry->offset += addr - entry->start;
	entry->start = addr;
	if (front->eflags & MAP_ENTRY_GROWS_DOWN) {
		/* Only the lowest part of a stack grows. */
		entry->eflags &= ~MAP_ENTRY_GROWS_DOWN;
		entry->avail_ssize = 0;
	}
	vm_map_entry_link(map, entry->prev, front);
	vm_object_reference(front->object);
	if (front->cred != NULL)
		crhold(front->cred);
	map->timestamp++;
}

/*
 * Split entry at addr so that entry ends at addr; the rest becomes a new
 * entry after it, with its own reference on the object.  No-op if addr is
 * at or above entry's end.
 */
void
vm_map_clip_end(struct vm_map *map, struct vm_map_entry *entry,
    vm_offset_t addr)
{
	struct vm_map_entry *back;

	if (addr >= entry->end)
		return;
	KASSERT(addr > entry->start && (addr & PAGE_MASK) == 0,
	    ("vm_map_clip_end: %#llx outside [%#llx, %#llx)",
	    (unsigned long long)addr, (unsigned long long)entry->start,
	    (unsigned long long)entry->end));
	vm_map_entry_make_object(entry);
	back = vm_map_entry_create();
	*back = *entry;
	back->start = addr;
	back->offset += addr - entry->start;
	map->size -= entry->end - addr;		/* re-added by the link */
	entry->end = addr;
	back->eflags &= ~MAP_ENTRY_GROWS_DOWN;
	back->avail_ssize = 0;
	vm_map_entry_link(map, entry, back);
	vm_object_reference(back->object);
	if (back->cred != NULL)
		crhold(back->cred);
	map->timestamp++;
}

/*
 * Unlink and free entry, giving back its charge and dropping its object
 * reference.  If the object is mapped only through this one range of
 * entries (OBJ_ONEMAPPING) and other references remain (the other halves
 * of a clipped entry), collapse it, free the pages of the removed range
 * now and shrink the object — and its charge — when the range was its
 * tail: nobody else can reach those pages (FreeBSD vm_map_entry_delete).
 */
static void
vm_map_entry_delete(struct vm_map *map, struct vm_map_entry *entry)
{
	struct vm_object *obj;
	vm_pindex_t first, last, oldsize;
	vm_ooffset_t give;

	vm_map_entry_unlink(map, entry);
	vm_map_entry_uncharge(entry);
	if ((obj = entry->object) != NULL) {
		first = atop(entry->offset);
		last = first + atop(entry->end - entry->start);
		if (obj->ref_count != 1 && (obj->flags & OBJ_ONEMAPPING) != 0) {
			vm_object_collapse(obj);
			vm_object_page_remove(obj, first, last);
			if (last >= obj->size && first < obj->size) {
				oldsize = obj->size;
				obj->size = first;
				if (obj->cred != NULL) {
					give = MIN(obj->charge, ptoa(oldsize - first));
					swap_release_by_cred(give, obj->cred);
					obj->charge -= give;
					if (obj->charge == 0) {
						crfree(obj->cred);
						obj->cred = NULL;
					}
				}
			}
		}
		vm_object_deallocate(obj);
	}
	free(entry);
}

/*
 * An entry of a kernel map (MAP_SYSTEM_MAP) is about to be deleted: if it
 * is backed by an object (kmem_alloc), unmap its range from the kernel
 * pmap (pmap_qremove: shot down on every CPU), then unwire and free the
 * object's pages in the range — kernel memory is never shared, so nobody
 * else can reach them.  A NOFAULT entry (kmem_alloc_nofault) is bare VA:
 * the pages its owner entered (a kernel stack) are the owner's to unmap
 * and free first.
 */
static void
vm_map_entry_release_kernel(struct vm_map_entry *entry)
{
	vm_pindex_t pi, first, last;
	vm_page_t m;

	if (entry->object != NULL) {
		pmap_qremove(entry->start, (int)atop(entry->end - entry->start));
		first = atop(entry->offset);
		last = first + atop(entry->end - entry->start);
		for (pi = first; pi < last; pi++) {
			if ((m = vm_page_lookup(entry->object, pi)) == NULL)
				continue;
			if (entry->wired_count != 0)
				vm_page_unwire(m, false);
			vm_page_free(m);
		}
	}
	entry->wired_count = 0;
}

/* Unwire a wired entry completely (it is about to be deleted). */
static void
vm_map_entry_unwire(struct vm_map *map, struct vm_map_entry *entry)
{
	vm_fault_unwire(map, entry->start, entry->end,
	    entry->object != NULL && entry->object->type == OBJT_DEVICE);
	entry->wired_count = 0;
	entry->eflags &= ~MAP_ENTRY_USER_WIRED;
}

/*
 * Remove every mapping in [start, end): clip the entries at the ends,
 * unwire wired entries (every wiring, user and system, as FreeBSD), tell
 * the pmap (pmap_remove per entry), and drop the objects.  A kernel map
 * (MAP_SYSTEM_MAP) has no pmap: vm_map_entry_release_kernel unmaps and
 * frees instead.  Holes in the range are fine.  Returns KERN_SUCCESS.
 */
int
vm_map_delete(struct vm_map *map, vm_offset_t start, vm_offset_t end)
{
	struct vm_map_entry *entry, *next;

	if (start >= end)
		return (KERN_SUCCESS);
	if (vm_map_lookup_entry(map, start, &entry))
		vm_map_clip_start(map, entry, start);
	else
		entry = entry->next;
	while (entry != &map->header && entry->start < end) {
		vm_map_clip_end(map, entry, end);
		next = entry->next;
		if ((map->flags & MAP_SYSTEM_MAP) != 0)
			vm_map_entry_release_kernel(entry);
		else if (entry->wired_count != 0)
			vm_map_entry_unwire(map, entry);
		if (map->pmap != NULL)
			pmap_remove(map->pmap, entry->start, entry->end);
		vm_map_entry_delete(map, entry);
		entry = next;
	}
	map->timestamp++;
	vm_map_assert_consistent(map, "vm_map_delete");
	return (KERN_SUCCESS);
}

/* vm_map_delete of [start, end) clamped to the map's range. */
int
vm_map_remove(struct vm_map *map, vm_offset_t start, vm_offset_t end)
{
	if (start < map->min_offset)
		start = map->min_offset;
	if (end > map->max_offset)
		end = map->max_offset;
	return (vm_map_delete(map, start, end));
}

/*
 * Set the protection of the entries in [start, end) (clamped to the map)
 * to new_prot; with set_max, set their maximum protection to new_prot and
 * their protection to new_prot & its old value.  If new_prot exceeds the
 * maximum protection of any entry in the range, return
 * KERN_PROTECTION_FAILURE having changed nothing (the check comes before
 * any clipping).  Entries are clipped to the range.  An entry that
 * becomes writable and is not charged yet is charged first (FreeBSD's
 * accounting pass): an entry without an object of its own (none yet, or
 * NEEDS_COPY) for its size, on the entry; an anonymous object for its
 * whole size, on the object.  A refused charge returns
 * KERN_RESOURCE_SHORTAGE with no protection changed (the entries may be
 * clipped, and those charged before stay charged).  Where protection is
 * reduced, pmap_protect lowers the mappings (never granting write on a
 * copy-on-write entry: its pages may still be shared).  A user-wired
 * copy-on-write entry that becomes writable gets its private copy at once
 * (vm_fault_copy_entry with src == dst), so no write fault follows; if
 * there are not enough free pages for it, that entry keeps its old
 * protection and the call returns KERN_RESOURCE_SHORTAGE (the entries
 * before it changed).  Holes are skipped.  Returns KERN_SUCCESS
 * otherwise.
 */
int
vm_map_protect(struct vm_map *map, vm_offset_t start, vm_offset_t end,
    vm_prot_t new_prot, bool set_max)
{
	struct vm_map_entry *first, *cur;
	struct vm_object *obj;
	vm_prot_t old, mask;
	bool inside;
	int rv = KERN_SUCCESS;

	if (start < map->min_offset)
		start = map->min_offset;
	if (end > map->max_offset)
		end = map->max_offset;
	if (start >= end)
		return (KERN_SUCCESS);
	inside = vm_map_lookup_entry(map, start, &first);
	if (!inside)
		first = first->next;
	for (cur = first; cur != &map->header && cur->start < end; cur = cur->next)
		if ((new_prot & cur->max_protection) != new_prot)
			return (KERN_PROTECTION_FAILURE);
	if (inside)
		vm_map_clip_start(map, first, start);
	/* The accounting pass. */
	for (cur = first; cur != &map->header && cur->start < end; cur = cur->next) {
		vm_map_clip_end(map, cur, end);
		if (set_max || ((new_prot & ~cur->protection) & VM_PROT_WRITE) == 0 ||
		    vm_map_entry_charged(cur) ||
		    (cur->eflags & MAP_ENTRY_NOFAULT) != 0)
			continue;
		obj = cur->object;
		if (obj == NULL || (cur->eflags & MAP_ENTRY_NEEDS_COPY) != 0) {
			if (!swap_reserve(cur->end - cur->start)) {
				vm_map_assert_consistent(map, "vm_map_protect");
				return (KERN_RESOURCE_SHORTAGE);
			}
			cur->cred = crhold(ucred_current());
			continue;
		}
		if (obj->vp != NULL ||
		    (obj->type != OBJT_DEFAULT && obj->type != OBJT_SWAP))
			continue;	/* shared file or device memory */
		/* The whole object: clipped mappings of one object cannot
		 * be told apart later (FreeBSD). */
		KASSERT(obj->charge == 0, ("vm_map_protect: object %llu charged "
		    "%#llx without a credential", (unsigned long long)obj->id,
		    (unsigned long long)obj->charge));
		if (!swap_reserve(ptoa(obj->size))) {
			vm_map_assert_consistent(map, "vm_map_protect");
			return (KERN_RESOURCE_SHORTAGE);
		}
		obj->cred = crhold(ucred_current());
		obj->charge = ptoa(obj->size);
	}
	for (cur = first; cur != &map->header && cur->start < end; cur = cur->next) {
		old = cur->protection;
		if (set_max) {
			cur->max_protection = new_prot;
			cur->protection = new_prot & old;
		} else
			cur->protection = new_prot;
		if ((old & ~cur->protection) != 0 && map->pmap != NULL) {
			mask = (cur->eflags & MAP_ENTRY_COW) != 0 ?
			    (vm_prot_t)~VM_PROT_WRITE : VM_PROT_ALL;
			pmap_protect(map->pmap, cur->start, cur->end,
			    cur->protection & mask);
		}
		if ((cur->eflags & (MAP_ENTRY_COW | MAP_ENTRY_USER_WIRED)) ==
		    (MAP_ENTRY_COW | MAP_ENTRY_USER_WIRED) &&
		    (cur->protection & VM_PROT_WRITE) != 0 &&
		    (old & VM_PROT_WRITE) == 0 &&
		    vm_fault_copy_entry(map, map, cur, cur, NULL) != KERN_SUCCESS) {
			/* No pages for the copy: this entry stays as it was
			 * (raising the protection changed no mapping). */
			cur->protection = old;
			rv = KERN_RESOURCE_SHORTAGE;
			break;
		}
	}
	map->timestamp++;
	vm_map_assert_consistent(map, "vm_map_protect");
	return (rv);
}

int
vm_map_madvise_dontneed(struct vm_map *map, vm_offset_t start, vm_offset_t end)
{
	struct vm_map_entry *e;
	struct vm_object *obj;
	vm_offset_t s, t;

	if (!vm_map_lookup_entry(map, start, &e))
		e = e->next;
	for (; e != &map->header && e->start < end; e = e->next) {
		if (e->wired_count != 0 || (e->eflags & MAP_ENTRY_NOFAULT) != 0)
			continue;
		s = MAX(e->start, start);
		t = MIN(e->end, end);
		if (map->pmap != NULL)
			pmap_remove(map->pmap, s, t);
		obj = e->object;
		if (obj == NULL || obj->vp != NULL ||
		    (obj->type != OBJT_DEFAULT && obj->type != OBJT_SWAP) ||
		    (e->eflags & MAP_ENTRY_NEEDS_COPY) != 0 ||
		    (obj->ref_count != 1 && (obj->flags & OBJ_ONEMAPPING) == 0))
			continue;
		vm_object_page_remove(obj, atop(e->offset + (s - e->start)),
		    atop(e->offset + (t - e->start)));
	}
	return (KERN_SUCCESS);
}

/*
 * Set the inheritance of the entries in [start, end) (clipped to it):
 * VM_INHERIT_SHARE, VM_INHERIT_COPY or VM_INHERIT_NONE (FreeBSD
 * vm_map_inherit, for minherit).  KERN_SUCCESS, or KERN_INVALID_ARGUMENT
 * for another value.
 */
int
vm_map_inherit(struct vm_map *map, vm_offset_t start, vm_offset_t end,
    int inheritance)
{
	struct vm_map_entry *e;

	if (inheritance != VM_INHERIT_SHARE && inheritance != VM_INHERIT_COPY &&
	    inheritance != VM_INHERIT_NONE)
		return (KERN_INVALID_ARGUMENT);
	if (start < map->min_offset)
		start = map->min_offset;
	if (end > map->max_offset)
		end = map->max_offset;
	if (start >= end)
		return (KERN_SUCCESS);
	if (vm_map_lookup_entry(map, start, &e))
		vm_map_clip_start(map, e, start);
	else
		e = e->next;
	for (; e != &map->header && e->start < end; e = e->next) {
		vm_map_clip_end(map, e, end);
		e->inheritance = (uint8_t)inheritance;
	}
	map->timestamp++;
	vm_map_assert_consistent(map, "vm_map_inherit");
	return (KERN_SUCCESS);
}

/*
 * For vm_fault: look up va for a fault_type access (VM_PROT_* bits).
 * Returns KERN_INVALID_ADDRESS when no entry contains va;
 * KERN_PROTECTION_FAILURE when the entry does not allow fault_type (or
 * allows nothing).  Otherwise KERN_SUCCESS with *entry, *wired (the entry
 * is wired: the fault then counts as an access of the entry's full
 * protection), *object (the entry's object: the top of its shadow chain)
 * and *pindex = atop(offset + va - start), and *prot, the protection the
 * page may be mapped with.  Side effects, as FreeBSD: a NEEDS_COPY entry
 * gets its shadow object (vm_object_shadow) on a write (or wired) fault
 * and loses NEEDS_COPY; on a read fault *prot omits write, so the later
 * write faults again.  An entry without an object gets a new OBJT_DEFAULT
 * object of its size.  Charges: an uncharged NEEDS_COPY entry written to
 * (a debugger's write) is charged to ucred_current() first
 * (KERN_RESOURCE_SHORTAGE if refused); the entry's charge moves to the
 * object made for it (or is given back if the object was charged and
 * needed no shadow).
 */
int
vm_map_lookup(struct vm_map *map, vm_offset_t va, vm_prot_t fault_type,
    struct vm_map_entry **entry, struct vm_object **object,
    vm_pindex_t *pindex, vm_prot_t *prot, bool *wired)
{
	struct vm_map_entry *e;
	vm_prot_t p;
	vm_size_t size;

	if (!vm_map_lookup_entry(map, va, &e))
		return (KERN_INVALID_ADDRESS);
	p = e->protection;
	fault_type &= VM_PROT_ALL;
	if ((fault_type & p) != fault_type || p == VM_PROT_NONE)
		return (KERN_PROTECTION_FAILURE);
	if ((e->eflags & MAP_ENTRY_NOFAULT) != 0)
		panic("vm_map_lookup: fault at %#llx in a no-fault entry "
		    "[%#llx, %#llx)", (unsigned long long)va,
		    (unsigned long long)e->start, (unsigned long long)e->end);
	*wired = e->wired_count != 0;
	if (*wired)
		fault_type = e->protection;
	size = e->end - e->start;
	if ((e->eflags & MAP_ENTRY_NEEDS_COPY) != 0) {
		if ((fault_type & VM_PROT_WRITE) != 0) {
			if (e->cred == NULL) {
				/* The writer (a debugger) pays for the copy. */
				if (!swap_reserve(size))
					return (KERN_RESOURCE_SHORTAGE);
				e->cred = crhold(ucred_current());
			}
			vm_object_shadow(&e->object, &e->offset, atop(size));
			e->eflags &= ~MAP_ENTRY_NEEDS_COPY;
			if (e->object != NULL && e->object->cred != NULL) {
				/* Not shadowed: the object was charged. */
				vm_map_entry_uncharge(e);
			} else if (e->object != NULL) {
				e->object->cred = e->cred;
				e->object->charge = size;
				e->cred = NULL;
			}
			map->timestamp++;
		} else
			p &= ~VM_PROT_WRITE;
	}
	if (e->object == NULL) {
		e->object = vm_object_allocate(OBJT_DEFAULT, atop(size));
		e->offset = 0;
		vm_map_entry_charge_object(e);
		map->timestamp++;
	}
	*entry = e;
	*object = e->object;
	*pindex = atop(e->offset + (va - e->start));
	*prot = p;
	return (KERN_SUCCESS);
}

/* ---- fork ---------------------------------------------------------- */

/*
 * Copy-on-write copy of src_entry into dst_entry (linked in dst_map, no
 * object yet), FreeBSD vm_map_copy_entry: the source range is write
 * protected in its pmap, both entries map the source object COW |
 * NEEDS_COPY (+1 reference), so the first write in either process
 * shadows it.  Charges: a charged source entry makes the child's entry
 * charged (to the forking credential, ucred_current()) and, when the
 * source's charge sits on the object, the source entry charged afresh
 * for its own future copy; *fork_charge counts both.  A wired source is
 * copied at once instead (vm_fault_copy_entry).
 */
static int
vm_map_copy_entry(struct vm_map *src_map, struct vm_map *dst_map,
    struct vm_map_entry *src_entry, struct vm_map_entry *dst_entry,
    vm_ooffset_t *fork_charge)
{
	struct vm_object *obj;
	vm_size_t size;
	bool charged;

	if (src_entry->wired_count != 0)
		return (vm_fault_copy_entry(dst_map, src_map, dst_entry,
		    src_entry, fork_charge));
	size = src_entry->end - src_entry->start;
	if ((src_entry->protection & VM_PROT_WRITE) != 0 && src_map->pmap != NULL)
		pmap_protect(src_map->pmap, src_entry->start, src_entry->end,
		    src_entry->protection & ~VM_PROT_WRITE);
	if ((obj = src_entry->object) != NULL) {
		charged = vm_map_entry_charged(src_entry);
		vm_object_collapse(obj);
		vm_object_reference(obj);
		obj->flags &= ~OBJ_ONEMAPPING;
		if (src_entry->cred != NULL &&
		    (src_entry->eflags & MAP_ENTRY_NEEDS_COPY) == 0) {
			/* The source's charge is for this object's pages. */
			KASSERT(obj->cred == NULL, ("vm_map_copy_entry: object "
			    "%llu and its entry both charged",
			    (unsigned long long)obj->id));
			obj->cred = src_entry->cred;
			obj->charge = size;
			src_entry->cred = NULL;
		}
		dst_entry->object = obj;
		dst_entry->offset = src_entry->offset;
		if (charged) {
			dst_entry->cred = crhold(ucred_current());
			*fork_charge += size;
			if ((src_entry->eflags & MAP_ENTRY_NEEDS_COPY) == 0) {
				src_entry->cred = crhold(ucred_current());
				*fork_charge += size;
			}
		}
		src_entry->eflags |= MAP_ENTRY_COW | MAP_ENTRY_NEEDS_COPY;
		dst_entry->eflags |= MAP_ENTRY_COW | MAP_ENTRY_NEEDS_COPY;
	} else {
		/* Nothing touched yet: two independent anonymous ranges. */
		dst_entry->object = NULL;
		dst_entry->offset = 0;
		if (src_entry->cred != NULL) {
			dst_entry->cred = crhold(ucred_current());
			*fork_charge += size;
		}
	}
	return (KERN_SUCCESS);
}

/* A copy of e for the child: unlinked, unwired, uncharged, no object. */
static struct vm_map_entry *
vm_map_entry_clone(const struct vm_map_entry *e)
{
	struct vm_map_entry *n;

	n = vm_map_entry_create();
	*n = *e;
	n->prev = n->next = NULL;
	n->eflags &= ~MAP_ENTRY_USER_WIRED;
	n->wired_count = 0;
	n->cred = NULL;
	n->object = NULL;
	return (n);
}

/*
 * vmspace_fork's map half (FreeBSD vmspace_fork's loop); see vm_map.h.
 * dst must be empty, with the same bounds.  SHARE: an entry without an
 * object gets one first, a NEEDS_COPY entry its shadow (so both processes
 * share the object the parent writes to), then both map it (+1
 * reference) and the charge moves into it.  COPY: vm_map_copy_entry.
 * NONE: skipped.  The child's entries are never wired (mlock is not
 * inherited).  Returns KERN_SUCCESS, or the error of a wired entry's copy
 * (KERN_RESOURCE_SHORTAGE: no page) with dst partly filled.
 */
int
vm_map_fork(struct vm_map *dst, struct vm_map *src, vm_ooffset_t *fork_charge)
{
	struct vm_map_entry *old, *n;
	struct vm_object *obj;
	vm_size_t size;
	int rv;

	KASSERT(dst->nentries == 0, ("vm_map_fork: destination has %d entries",
	    dst->nentries));
	KASSERT(dst != src, ("vm_map_fork: map onto itself"));
	dst->min_offset = src->min_offset;
	dst->max_offset = src->max_offset;
	for (old = src->header.next; old != &src->header; old = old->next) {
		size = old->end - old->start;
		switch (old->inheritance) {
		case VM_INHERIT_NONE:
			continue;
		case VM_INHERIT_SHARE:
			if ((old->eflags & MAP_ENTRY_NOFAULT) != 0)
				continue;
			if (old->object == NULL) {
				old->object = vm_object_allocate(OBJT_DEFAULT,
				    atop(size));
				old->offset = 0;
				if (old->cred != NULL) {
					old->object->cred = old->cred;
					old->object->charge = size;
					old->cred = NULL;
				}
			}
			obj = old->object;
			/* The extra reference makes sure the shadow is made. */
			vm_object_reference(obj);
			if ((old->eflags & MAP_ENTRY_NEEDS_COPY) != 0) {
				vm_object_shadow(&old->object, &old->offset,
				    atop(size));
				old->eflags &= ~MAP_ENTRY_NEEDS_COPY;
				vm_object_reference(old->object);
				vm_object_deallocate(obj);
				obj = old->object;
			}
			obj->flags &= ~OBJ_ONEMAPPING;
			if (old->cred != NULL) {
				KASSERT(obj->cred == NULL, ("vm_map_fork: object "
				    "%llu and its entry both charged",
				    (unsigned long long)obj->id));
				obj->cred = old->cred;
				obj->charge = size;
				old->cred = NULL;
			}
			n = vm_map_entry_clone(old);
			n->object = obj;	/* the reference taken above */
			vm_map_entry_link(dst, dst->header.prev, n);
			break;
		case VM_INHERIT_COPY:
			n = vm_map_entry_clone(old);
			vm_map_entry_link(dst, dst->header.prev, n);
			rv = vm_map_copy_entry(src, dst, old, n, fork_charge);
			if (rv != KERN_SUCCESS) {
				dst->timestamp++;
				src->timestamp++;
				return (rv);
			}
			break;
		default:
			panic("vm_map_fork: entry [%#llx, %#llx) inheritance %u",
			    (unsigned long long)old->start,
			    (unsigned long long)old->end, old->inheritance);
		}
	}
	dst->flags = 0;
	dst->timestamp++;
	src->timestamp++;
	vm_map_assert_consistent(src, "vm_map_fork");
	vm_map_assert_consistent(dst, "vm_map_fork");
	return (KERN_SUCCESS);
}

/* ---- wiring -------------------------------------------------------- */

static bool vm_map_unwire_applies(const struct vm_map_entry *e, bool user);

/* Can the entry be wired at all (it allows some access, may fault)? */
static bool
vm_map_entry_wirable(const struct vm_map_entry *e)
{
	return ((e->protection & (VM_PROT_READ | VM_PROT_EXECUTE)) != 0 &&
	    (e->eflags & MAP_ENTRY_NOFAULT) == 0);
}

static bool
vm_map_entry_fictitious(const struct vm_map_entry *e)
{
	return (e->object != NULL && e->object->type == OBJT_DEVICE);
}

/*
 * FreeBSD vm_map_wire (2010), single-threaded: no in-transition marks.
 * Each entry of the range is clipped to it; an entry wired for the first
 * time (count 0 -> 1) has its pages faulted in and wired (vm_fault_wire);
 * otherwise a system wiring, or a user wiring of an entry not yet user
 * wired, adds one to its count.  On a failure every entry the call
 * changed is put back as it was.
 */
int
vm_map_wire(struct vm_map *map, vm_offset_t start, vm_offset_t end, int flags)
{
	struct vm_map_entry *first, *e;
	bool user, holesok;
	int rv;

	user = (flags & VM_MAP_WIRE_USER) != 0;
	holesok = (flags & VM_MAP_WIRE_HOLESOK) != 0;
	start = trunc_page(start);
	end = round_page(end);
	if (start < map->min_offset || end > map->max_offset || start > end)
		return (KERN_INVALID_ADDRESS);
	if (start == end)
		return (KERN_SUCCESS);
	if (!vm_map_lookup_entry(map, start, &first)) {
		if (!holesok)
			return (KERN_INVALID_ADDRESS);
		first = first->next;
	} else
		vm_map_clip_start(map, first, start);
	/* Holes and unwirable entries first: nothing to undo then. */
	if (!holesok) {
		vm_offset_t a = start;

		for (e = first; a < end; e = e->next) {
			if (e == &map->header || e->start > a ||
			    !vm_map_entry_wirable(e)) {
				vm_map_assert_consistent(map, "vm_map_wire");
				return (KERN_INVALID_ADDRESS);
			}
			a = e->end;
		}
	}
	rv = KERN_SUCCESS;
	for (e = first; e != &map->header && e->start < end; e = e->next) {
		vm_map_clip_end(map, e, end);
		if (!vm_map_entry_wirable(e))
			continue;		/* HOLESOK: skipped */
		if (user && (e->eflags & MAP_ENTRY_USER_WIRED) != 0)
			continue;		/* user wiring counts once */
		if (e->wired_count == 0) {
			e->wired_count = 1;
			rv = vm_fault_wire(map, e->start, e->end,
			    vm_map_entry_fictitious(e));
			if (rv != KERN_SUCCESS) {
				e->wired_count = 0;
				break;
			}
		} else
			e->wired_count++;
		if (user)
			e->eflags |= MAP_ENTRY_USER_WIRED;
		e->eflags |= MAP_ENTRY_WIRE_CHANGED;
	}
	/* Clear the marks; on failure undo what they mark. */
	for (e = first; e != &map->header && e->start < end; e = e->next) {
		if ((e->eflags & MAP_ENTRY_WIRE_CHANGED) == 0)
			continue;
		e->eflags &= ~MAP_ENTRY_WIRE_CHANGED;
		if (rv == KERN_SUCCESS)
			continue;
		if (user)
			e->eflags &= ~MAP_ENTRY_USER_WIRED;
		if (--e->wired_count == 0)
			vm_fault_unwire(map, e->start, e->end,
			    vm_map_entry_fictitious(e));
	}
	map->timestamp++;
	vm_map_assert_consistent(map, "vm_map_wire");
	return (rv);
}
/*
 * FreeBSD vm_map_unwire (2010), single-threaded.  First the whole range
 * is checked (holes, entries not wired the requested way) so that an
 * error changes nothing; then each entry is clipped to the range and
 * loses one wiring of the requested kind — a user unwiring the entry's
 * user wiring, a system unwiring one of the others — and its pages are
 * unwired when the count reaches 0 (vm_fault_unwire).
 */
int
vm_map_unwire(struct vm_map *map, vm_offset_t start, vm_offset_t end, int flags)
{
	struct vm_map_entry *first, *e;
	vm_offset_t a;
	bool user, holesok;

	user = (flags & VM_MAP_WIRE_USER) != 0;
	holesok = (flags & VM_MAP_WIRE_HOLESOK) != 0;
	start = trunc_page(start);
	end = round_page(end);
	if (start < map->min_offset || end > map->max_offset || start > end)
		return (KERN_INVALID_ADDRESS);
	if (start == end)
		return (KERN_SUCCESS);
	if (!vm_map_lookup_entry(map, start, &first)) {
		if (!holesok)
			return (KERN_INVALID_ADDRESS);
		first = first->next;
	}
	if (!holesok) {
		a = start;
		for (e = first; a < end; e = e->next) {
			if (e == &map->header || e->start > a)
				return (KERN_INVALID_ADDRESS);
			if (!vm_map_unwire_applies(e, user))
				return (KERN_INVALID_ARGUMENT);
			a = e->end;
		}
	}
	if (first != &map->header && first->start < start)
		vm_map_clip_start(map, first, start);
	for (e = first; e != &map->header && e->start < end; e = e->next) {
		vm_map_clip_end(map, e, end);
		if (!vm_map_unwire_applies(e, user))
			continue;		/* HOLESOK */
		if (user)
			e->eflags &= ~MAP_ENTRY_USER_WIRED;
		if (--e->wired_count == 0)
			vm_fault_unwire(map, e->start, e->end,
			    vm_map_entry_fictitious(e));
	}
	map->timestamp++;
	vm_map_assert_consistent(map, "vm_map_unwire");
	return (KERN_SUCCESS);
}

/* Does e hold a wiring of the kind an unwiring (user or system) drops? */
static bool
vm_map_unwire_applies(const struct vm_map_entry *e, bool user)
{
	if (user)
		return ((e->eflags & MAP_ENTRY_USER_WIRED) != 0);
	return (e->wired_count > ((e->eflags & MAP_ENTRY_USER_WIRED) != 0 ? 1 : 0));
}

/* ---- growable stacks ----------------------------------------------- */

int
vm_map_stack(struct vm_map *map, vm_offset_t addrbos, vm_size_t max_ssize,
    vm_size_t init_ssize, vm_prot_t prot, vm_prot_t max, int cow)
{
	struct vm_map_entry *prev, *e;
	vm_offset_t top, bot;
	int rv;

	KASSERT(((addrbos | max_ssize | init_ssize) & PAGE_MASK) == 0,
	    ("vm_map_stack: unaligned %#llx + %#llx (%#llx)",
	    (unsigned long long)addrbos, (unsigned long long)max_ssize,
	    (unsigned long long)init_ssize));
	if (init_ssize == 0 || init_ssize > max_ssize)
		return (KERN_NO_SPACE);
	top = addrbos + max_ssize;
	if (addrbos < map->min_offset || top > map->max_offset || top < addrbos)
		return (KERN_NO_SPACE);
	if (vm_map_lookup_entry(map, addrbos, &prev) ||
	    (prev->next != &map->header && prev->next->start < top))
		return (KERN_NO_SPACE);
	bot = top - init_ssize;
	rv = vm_map_insert(map, NULL, 0, bot, top, prot, max,
	    cow | MAP_STACK_GROWS_DOWN);
	if (rv != KERN_SUCCESS)
		return (rv);
	if (!vm_map_lookup_entry(map, bot, &e))
		panic("vm_map_stack: the new entry at %#llx is gone",
		    (unsigned long long)bot);
	e->avail_ssize = max_ssize - init_ssize;
	vm_map_assert_consistent(map, "vm_map_stack");
	return (KERN_SUCCESS);
}

/*
 * See vm_map.h.  The stack's size is measured from its top: the end of
 * the run of adjacent entries that starts at the GROWS_DOWN entry.  The
 * new part is a new entry (FreeBSD: entries of an object cannot grow
 * down), with the old entry's protection and inheritance; it becomes the
 * GROWS_DOWN entry, with what room is left.
 */
int
vm_map_growstack(struct vm_map *map, vm_offset_t addr, vm_size_t stack_limit)
{
	struct vm_map_entry *prev, *stack, *t, *ne;
	vm_offset_t top, low, new_start, old_start;
	vm_size_t want;
	int rv;

	addr = trunc_page(addr);
	if (vm_map_lookup_entry(map, addr, &prev))
		return (KERN_SUCCESS);
	stack = prev->next;
	if (stack == &map->header || (stack->eflags & MAP_ENTRY_GROWS_DOWN) == 0 ||
	    stack->start - addr > stack->avail_ssize)
		return (KERN_INVALID_ADDRESS);
	top = stack->end;
	for (t = stack->next; t != &map->header && t->start == top; t = t->next)
		top = t->end;
	if (top - addr > stack_limit)
		return (KERN_NO_SPACE);
	if (addr < map->min_offset)
		return (KERN_NO_SPACE);
	/* Grow by VM_STACK_GROW_BYTES at least, as room allows. */
	low = stack->start - stack->avail_ssize;
	if (prev != &map->header && prev->end > low)
		low = prev->end;
	if (low < map->min_offset)
		low = map->min_offset;
	if (stack_limit < top && top - stack_limit > low)
		low = round_page(top - stack_limit);
	/* Here low <= addr (each bound was checked against addr above). */
	want = ((stack->start - addr + VM_STACK_GROW_BYTES - 1) /
	    VM_STACK_GROW_BYTES) * VM_STACK_GROW_BYTES;
	new_start = want > stack->start - low ? low : stack->start - want;
	KASSERT(new_start <= addr && new_start >= low,
	    ("vm_map_growstack: %#llx outside [%#llx, %#llx]",
	    (unsigned long long)new_start, (unsigned long long)low,
	    (unsigned long long)addr));
	old_start = stack->start;
	rv = vm_map_insert(map, NULL, 0, new_start, old_start, stack->protection,
	    stack->max_protection, MAP_STACK_GROWS_DOWN);
	if (rv != KERN_SUCCESS)
		return (rv);
	if (!vm_map_lookup_entry(map, new_start, &ne))
		panic("vm_map_growstack: the new entry at %#llx is gone",
		    (unsigned long long)new_start);
	ne->avail_ssize = stack->avail_ssize - (old_start - new_start);
	ne->inheritance = stack->inheritance;
	stack->eflags &= ~MAP_ENTRY_GROWS_DOWN;
	stack->avail_ssize = 0;
	if ((map->flags & MAP_WIREFUTURE) != 0)
		(void)vm_map_wire(map, new_start, old_start,
		    VM_MAP_WIRE_USER | VM_MAP_WIRE_HOLESOK);
	map->timestamp++;
	vm_map_assert_consistent(map, "vm_map_growstack");
	return (KERN_SUCCESS);
}

/*
 * The map's invariants: the list is well linked in both directions, its
 * entries sorted and disjoint, each non-empty, page aligned, inside
 * [min_offset, max_offset), with protection within max_protection; the
 * entry count and mapped size match; the hint is the header or an entry.
 * Returns 0, or -1 with a message.
 */
int
vm_map_check(struct vm_map *map, char *msg, size_t msglen)
{
	struct vm_map_entry *e, *prev;
	vm_size_t size;
	int n;
	bool hint_seen;

	n = 0;
	size = 0;
	prev = &map->header;
	hint_seen = map->hint == &map->header;
	for (e = map->header.next; e != &map->header; prev = e, e = e->next) {
		if (++n > map->nentries) {
			snprintf(msg, msglen, "more entries than nentries %d",
			    map->nentries);
			return (-1);
		}
		if (e->prev != prev) {
			snprintf(msg, msglen, "entry [%#llx, %#llx): bad back link",
			    (unsigned long long)e->start, (unsigned long long)e->end);
			return (-1);
		}
		if (e->start >= e->end || ((e->start | e->end) & PAGE_MASK) != 0) {
			snprintf(msg, msglen, "entry [%#llx, %#llx): empty or unaligned",
			    (unsigned long long)e->start, (unsigned long long)e->end);
			return (-1);
		}
		if (e->start < map->min_offset || e->end > map->max_offset) {
			snprintf(msg, msglen, "entry [%#llx, %#llx) outside [%#llx, %#llx)",
			    (unsigned long long)e->start, (unsigned long long)e->end,
			    (unsigned long long)map->min_offset,
			    (unsigned long long)map->max_offset);
			return (-1);
		}
		if (prev != &map->header && prev->end > e->start) {
			snprintf(msg, msglen, "entry [%#llx, %#llx) overlaps or precedes "
			    "[%#llx, %#llx)", (unsigned long long)e->start,
			    (unsigned long long)e->end, (unsigned long long)prev->start,
			    (unsigned long long)prev->end);
			return (-1);
		}
		if ((e->protection & ~e->max_protection) != 0) {
			snprintf(msg, msglen, "entry [%#llx, %#llx): prot %#x above max %#x",
			    (unsigned long long)e->start, (unsigned long long)e->end,
			    e->protection, e->max_protection);
			return (-1);
		}
		if ((e->offset & PAGE_MASK) != 0) {
			snprintf(msg, msglen, "entry [%#llx, %#llx): offset %#llx unaligned",
			    (unsigned long long)e->start, (unsigned long long)e->end,
			    (unsigned long long)e->offset);
			return (-1);
		}
		if (e->wired_count < 0 || ((e->eflags & MAP_ENTRY_USER_WIRED) != 0 &&
		    e->wired_count == 0) ||
		    (e->eflags & MAP_ENTRY_WIRE_CHANGED) != 0) {
			snprintf(msg, msglen, "entry [%#llx, %#llx): wired %d, "
			    "flags %#x", (unsigned long long)e->start,
			    (unsigned long long)e->end, e->wired_count, e->eflags);
			return (-1);
		}
		if ((e->eflags & MAP_ENTRY_GROWS_DOWN) == 0 && e->avail_ssize != 0) {
			snprintf(msg, msglen, "entry [%#llx, %#llx): room to grow "
			    "%#llx but not a stack", (unsigned long long)e->start,
			    (unsigned long long)e->end,
			    (unsigned long long)e->avail_ssize);
			return (-1);
		}
		if (e->cred != NULL && (e->cred->refs <= 0 || (e->object != NULL &&
		    e->object->cred != NULL &&
		    (e->eflags & MAP_ENTRY_NEEDS_COPY) == 0))) {
			snprintf(msg, msglen, "entry [%#llx, %#llx): charged twice "
			    "(entry and object %llu)", (unsigned long long)e->start,
			    (unsigned long long)e->end,
			    (unsigned long long)e->object->id);
			return (-1);
		}
		if (e->object != NULL && (e->object->ref_count <= 0 ||
		    e->object->type == OBJT_DEAD)) {
			snprintf(msg, msglen, "entry [%#llx, %#llx): dead object",
			    (unsigned long long)e->start, (unsigned long long)e->end);
			return (-1);
		}
		if (e == map->hint)
			hint_seen = true;
		size += e->end - e->start;
	}
	if (map->header.prev != prev) {
		snprintf(msg, msglen, "header's back link is not the last entry");
		return (-1);
	}
	if (n != map->nentries || size != map->size) {
		snprintf(msg, msglen, "%d entries of %#llx bytes, map says %d, %#llx",
		    n, (unsigned long long)size, map->nentries,
		    (unsigned long long)map->size);
		return (-1);
	}
	if (!hint_seen) {
		snprintf(msg, msglen, "hint is not in the map");
		return (-1);
	}
	return (0);
}

/*
 * vm_map_check_pages of a kernel map, through the kernel pmap
 * (pmap_kextract): every page of an object-backed entry is resident,
 * mapped at its place, wired if the entry is, and not free; a page a
 * NOFAULT entry's owner mapped is not free.
 */
static int
vm_map_check_kernel_pages(struct vm_map *map, char *msg, size_t msglen)
{
	struct vm_map_entry *e;
	vm_offset_t va;
	vm_paddr_t pa;
	vm_page_t m;

	for (e = map->header.next; e != &map->header; e = e->next) {
		for (va = e->start; va < e->end; va += PAGE_SIZE) {
			pa = pmap_kextract(va);
			if (e->object == NULL) {
				m = pa != 0 ? PHYS_TO_VM_PAGE(trunc_page(pa)) : NULL;
				if (m != NULL && (m->queue == PQ_FREE ||
				    m->queue == PQ_HOLD)) {
					snprintf(msg, msglen, "kernel va %#llx maps "
					    "free pa %#llx", (unsigned long long)va,
					    (unsigned long long)pa);
					return (-1);
				}
				continue;
			}
			m = vm_page_lookup(e->object,
			    atop(e->offset + (va - e->start)));
			if (m == NULL || trunc_page(pa) != m->phys_addr ||
			    m->queue == PQ_FREE || m->queue == PQ_HOLD ||
			    (e->wired_count != 0 && m->wire_count == 0)) {
				snprintf(msg, msglen, "kernel va %#llx: page %s, "
				    "mapped pa %#llx", (unsigned long long)va,
				    m == NULL ? "missing" : m->queue == PQ_FREE ||
				    m->queue == PQ_HOLD ? "free" :
				    m->wire_count == 0 ? "not wired" : "elsewhere",
				    (unsigned long long)pa);
				return (-1);
			}
		}
	}
	return (0);
}

/* See vm_map.h. */
int
vm_map_check_pages(struct vm_map *map, char *msg, size_t msglen)
{
	struct vm_map_entry *e;
	struct vm_object *o;
	vm_offset_t va;
	vm_paddr_t pa;
	vm_pindex_t pi;
	vm_page_t m;

	if ((map->flags & MAP_SYSTEM_MAP) != 0)
		return (vm_map_check_kernel_pages(map, msg, msglen));
	if (map->pmap == NULL)
		return (0);
	for (e = map->header.next; e != &map->header; e = e->next) {
		/* Device memory: fictitious pages, even where a driver maps
		 * real memory (vm/device_pager.h). */
		if (vm_map_entry_fictitious(e))
			continue;
		for (va = e->start; va < e->end; va += PAGE_SIZE) {
			pa = pmap_extract(map->pmap, va);
			if (pa == 0)
				continue;
			if ((m = PHYS_TO_VM_PAGE(trunc_page(pa))) == NULL)
				continue;	/* device memory */
			if (m->queue == PQ_FREE || m->queue == PQ_HOLD ||
			    m->object == NULL) {
				snprintf(msg, msglen, "va %#llx maps pa %#llx, which "
				    "is %s", (unsigned long long)va,
				    (unsigned long long)m->phys_addr,
				    m->queue == PQ_FREE ? "free" :
				    m->queue == PQ_HOLD ? "freed (held)" :
				    "in no object");
				return (-1);
			}
			pi = atop(e->offset + (va - e->start));
			for (o = e->object; o != NULL && o != m->object;
			    o = o->backing_object)
				pi += atop(o->backing_object_offset);
			if (o == NULL || m->pindex != pi) {
				snprintf(msg, msglen, "va %#llx maps page %llu of "
				    "object %llu, not on its entry's chain at %llu",
				    (unsigned long long)va,
				    (unsigned long long)m->pindex,
				    (unsigned long long)m->object->id,
				    (unsigned long long)pi);
				return (-1);
			}
			if (e->wired_count != 0 && m->wire_count == 0) {
				snprintf(msg, msglen, "va %#llx: wired entry maps an "
				    "unwired page", (unsigned long long)va);
				return (-1);
			}
		}
	}
	return (0);
}
