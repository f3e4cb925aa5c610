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
 * XXX: no swap charge (cred/charge) yet, so vm_map_insert never returns
 * KERN_RESOURCE_SHORTAGE and vm_map_protect charges nothing.
 * XXX: wired entries cannot be deleted yet: the unwiring (vm_fault_unwire)
 * belongs to vm_fault; callers unwire first (vm_map_delete asserts).
 *
 * Under sim_invariants every modification ends with vm_map_check.
 */
#include "vm/vm_map.h"

#include <stdio.h>
#include <stdlib.h>

#include "vm/pmap.h"

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
 * MAP_NOFAULT, MAP_STACK_GROWS_DOWN.  On success the caller's reference to
 * obj belongs to the map (obj may be NULL: anonymous memory, its object
 * made at the first fault).  Returns KERN_SUCCESS; KERN_INVALID_ADDRESS
 * when the range leaves [min_offset, max_offset), is empty or wraps;
 * KERN_NO_SPACE when it overlaps an entry.  start, end and offset must be
 * page aligned, prot within max.
 */
int
vm_map_insert(struct vm_map *map, struct vm_object *obj, vm_ooffset_t offset,
    vm_offset_t start, vm_offset_t end, vm_prot_t prot, vm_prot_t max, int cow)
{
	struct vm_map_entry *prev, *e;

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
	e->inheritance = VM_INHERIT_DEFAULT;
	e->wired_count = 0;
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

/* FreeBSD pmap_align_tlb: round *addr up to an even page, the first of a
 * MIPS TLB entry's even/odd pair. */
static void
vm_map_align_tlb(vm_offset_t *addr)
{
	if ((*addr & PAGE_SIZE) != 0)
		*addr += PAGE_SIZE;
}

/*
 * Insert length bytes of obj at offset, at exactly *addr (VMFS_NO_SPACE)
 * or at the first fit at or above *addr, aligned as find_space asks.
 * When the aligned range overlaps an entry, search again from the aligned
 * address.  On success *addr is the start and the object reference passes
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
				vm_map_align_tlb(&start);
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
 * Before splitting an anonymous entry that has no object yet, give it one
 * (as FreeBSD does), so both halves share the same backing pages.
 */
static void
vm_map_entry_make_object(struct vm_map_entry *entry)
{
	if (entry->object == NULL && (entry->eflags & MAP_ENTRY_NOFAULT) == 0) {
		entry->object = vm_object_allocate(OBJT_DEFAULT,
		    atop(entry->end - entry->start));
		entry->offset = 0;
	}
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
	vm_map_entry_link(map, entry->prev, front);
	vm_object_reference(front->object);
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
	vm_map_entry_link(map, entry, back);
	vm_object_reference(back->object);
	map->timestamp++;
}

/*
 * Unlink and free entry, dropping its object reference.  If the object is
 * mapped only through this one range of entries (OBJ_ONEMAPPING) and other
 * references remain (the other halves of a clipped entry), free the pages
 * of the removed range now and shrink the object when the range was its
 * tail — nobody else can reach those pages (FreeBSD vm_map_entry_delete).
 */
static void
vm_map_entry_delete(struct vm_map *map, struct vm_map_entry *entry)
{
	struct vm_object *obj;
	vm_pindex_t first, last;

	vm_map_entry_unlink(map, entry);
	if ((obj = entry->object) != NULL) {
		first = atop(entry->offset);
		last = first + atop(entry->end - entry->start);
		if (obj->ref_count != 1 && (obj->flags & OBJ_ONEMAPPING) != 0) {
			vm_object_page_remove(obj, first, last);
			if (last >= obj->size && first < obj->size)
				obj->size = first;
		}
		vm_object_deallocate(obj);
	}
	free(entry);
}

/*
 * Remove every mapping in [start, end): clip the entries at the ends, tell
 * the pmap (pmap_remove per entry), and drop the objects.  Holes in the
 * range are fine.  The entries must be unwired (XXX: see the file header).
 * Returns KERN_SUCCESS.
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
		KASSERT(entry->wired_count == 0,
		    ("vm_map_delete: entry [%#llx, %#llx) is wired (%d)",
		    (unsigned long long)entry->start,
		    (unsigned long long)entry->end, entry->wired_count));
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
 * any clipping).  Entries are clipped to the range; where protection is
 * reduced, pmap_protect lowers the mappings (never granting write on a
 * copy-on-write entry: its pages may still be shared).  Holes are
 * skipped.  Returns KERN_SUCCESS otherwise.
 * XXX: no swap charge for newly writable private entries and no
 * vm_fault_copy_entry for user-wired COW entries yet (vm_fault's part).
 */
int
vm_map_protect(struct vm_map *map, vm_offset_t start, vm_offset_t end,
    vm_prot_t new_prot, bool set_max)
{
	struct vm_map_entry *first, *cur;
	vm_prot_t old, mask;
	bool inside;

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
	for (cur = first; cur != &map->header && cur->start < end; cur = cur->next) {
		vm_map_clip_end(map, cur, end);
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
	}
	map->timestamp++;
	vm_map_assert_consistent(map, "vm_map_protect");
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
 * object of its size.
 */
int
vm_map_lookup(struct vm_map *map, vm_offset_t va, vm_prot_t fault_type,
    struct vm_map_entry **entry, struct vm_object **object,
    vm_pindex_t *pindex, vm_prot_t *prot, bool *wired)
{
	struct vm_map_entry *e;
	vm_prot_t p;

	if (!vm_map_lookup_entry(map, va, &e))
		return (KERN_INVALID_ADDRESS);
	p = e->protection;
	fault_type &= VM_PROT_ALL;
	if ((fault_type & p) != fault_type || p == VM_PROT_NONE)
		return (KERN_PROTECTION_FAILURE);
	*wired = e->wired_count != 0;
	if (*wired)
		fault_type = e->protection;
	if ((e->eflags & MAP_ENTRY_NEEDS_COPY) != 0) {
		if ((fault_type & VM_PROT_WRITE) != 0) {
			vm_object_shadow(&e->object, &e->offset,
			    atop(e->end - e->start));
			e->eflags &= ~MAP_ENTRY_NEEDS_COPY;
			map->timestamp++;
		} else
			p &= ~VM_PROT_WRITE;
	}
	if (e->object == NULL) {
		e->object = vm_object_allocate(OBJT_DEFAULT, atop(e->end - e->start));
		e->offset = 0;
		map->timestamp++;
	}
	*entry = e;
	*object = e->object;
	*pindex = atop(e->offset + (va - e->start));
	*prot = p;
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
