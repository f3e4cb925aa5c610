/*
 * vm/vm_page.c — the resident page array and the paging queues (FreeBSD
 * sys/vm/vm_page.c and vm_pageq.c, 2010 semantics; see VM-SPEC.md,
 * "Physical pages").
 *
 * One struct vm_page describes each managed 4 KiB frame of simulated
 * physical memory, [first_free_pa, bytes); frames below first_free_pa
 * (the kernel image, boot tables) have no vm_page and are never allocated.
 * A page is on exactly one queue — free (kept by vm_phys.c), active,
 * inactive, hold — or on none (PQ_NONE) when it is wired or owned by the
 * pmap (no object).  The queues are intrusive doubly linked lists through
 * qnext/qprev with counts.
 *
 * An allocation that finds no free frame runs the page daemon
 * (vm_pageout.c) synchronously and retries once: runs stay deterministic
 * because the daemon runs at a point the guest's instruction stream
 * fixes.
 *
 * Short-term holds (vm_page_hold) pin a page's identity: a held page that
 * is freed waits on PQ_HOLD and reaches the free queue at its last unhold.
 * Wiring takes a page off the paging queues and counts it in the global
 * wired count; fictitious pages (device memory, not in the array) keep a
 * wire count of 1 for ever and ignore wire/unwire.
 */
#include "vm/vm_page.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vm/pmap.h"
#include "vm/vm_object.h"
#include "vm/vm_pageout.h"

/* A paging queue: an intrusive list and its length. */
struct vm_pagequeue {
	vm_page_t head, tail;
	unsigned long cnt;
};

static vm_page_t vm_page_array;
static unsigned long vm_page_array_size;
static vm_paddr_t vm_page_first_pa;
static struct vm_pagequeue vm_page_queues[PQ_COUNT];	/* FREE unused: vm_phys */
static unsigned long vm_page_wired;	/* pages with wire_count > 0 */

/*
 * Build the page array over [first_free_pa, bytes) (both page aligned) and
 * free every page, lowest address first.  A second call starts a new
 * machine: the old array is released.
 */
void
vm_page_startup(vm_paddr_t bytes, vm_paddr_t first_free_pa)
{
	unsigned long i;

	KASSERT((bytes & PAGE_MASK) == 0 && (first_free_pa & PAGE_MASK) == 0 &&
	    first_free_pa <= bytes,
	    ("vm_page_startup: bad bounds bytes %#llx first_free_pa %#llx",
	    (unsigned long long)bytes, (unsigned long long)first_free_pa));
	free(vm_page_array);
	vm_page_array_size = (unsigned long)atop(bytes - first_free_pa);
	vm_page_first_pa = first_free_pa;
	vm_page_array = calloc(vm_page_array_size + 1, sizeof(struct vm_page));
	if (vm_page_array == NULL)
		panic("vm_page_startup: no memory for %lu pages",
		    vm_page_array_size);
	memset(vm_page_queues, 0, sizeof(vm_page_queues));
	vm_page_wired = 0;
	vm_phys_init(vm_page_array, vm_page_array_size);
	for (i = 0; i < vm_page_array_size; i++) {
		vm_page_array[i].phys_addr = first_free_pa + ptoa((vm_paddr_t)i);
		vm_phys_free_page(&vm_page_array[i]);
	}
}

vm_page_t
PHYS_TO_VM_PAGE(vm_paddr_t pa)
{
	if (pa < vm_page_first_pa)
		return (NULL);
	pa = atop(pa - vm_page_first_pa);
	if (pa >= vm_page_array_size)
		return (NULL);
	return (&vm_page_array[pa]);
}

static void
vm_pageq_enqueue(int queue, vm_page_t m)
{
	struct vm_pagequeue *pq;

	KASSERT(queue == PQ_ACTIVE || queue == PQ_INACTIVE || queue == PQ_HOLD,
	    ("vm_pageq_enqueue: queue %d", queue));
	KASSERT(m->queue == PQ_NONE, ("vm_pageq_enqueue: pa %#llx on queue %u",
	    (unsigned long long)m->phys_addr, m->queue));
	pq = &vm_page_queues[queue];
	m->qnext = NULL;
	m->qprev = pq->tail;
	if (pq->tail != NULL)
		pq->tail->qnext = m;
	else
		pq->head = m;
	pq->tail = m;
	pq->cnt++;
	m->queue = (uint8_t)queue;
}

/* Take m off its paging queue (active, inactive, hold), if any. */
static void
vm_pageq_remove(vm_page_t m)
{
	struct vm_pagequeue *pq;

	if (m->queue == PQ_NONE)
		return;
	KASSERT(m->queue != PQ_FREE, ("vm_pageq_remove: pa %#llx is free",
	    (unsigned long long)m->phys_addr));
	pq = &vm_page_queues[m->queue];
	if (m->qprev != NULL)
		m->qprev->qnext = m->qnext;
	else
		pq->head = m->qnext;
	if (m->qnext != NULL)
		m->qnext->qprev = m->qprev;
	else
		pq->tail = m->qprev;
	m->qnext = m->qprev = NULL;
	pq->cnt--;
	m->queue = PQ_NONE;
}

/*
 * Allocate the lowest free frame (see vm_page.h for the requests).  The
 * page comes back clean, invalid, unheld, on no queue (or wired).
 */
vm_page_t
vm_page_alloc(struct vm_object *obj, vm_pindex_t pindex, int req)
{
	vm_page_t m;

	KASSERT((req & VM_ALLOC_NOOBJ) != 0 || obj != NULL,
	    ("vm_page_alloc: no object and no VM_ALLOC_NOOBJ"));
	if ((req & VM_ALLOC_NOOBJ) == 0)
		KASSERT(vm_page_lookup(obj, pindex) == NULL,
		    ("vm_page_alloc: pindex %llu already resident",
		    (unsigned long long)pindex));
	if ((m = vm_phys_alloc_page()) == NULL) {
		if (vm_pageout_run(VM_PAGEOUT_ALLOC) == 0 ||
		    (m = vm_phys_alloc_page()) == NULL)
			return (NULL);
	}
	KASSERT(m->md_pv == NULL, ("vm_page_alloc: free pa %#llx still mapped",
	    (unsigned long long)m->phys_addr));
	m->flags = 0;
	m->dirty = 0;
	m->valid = 0;
	m->wire_count = 0;
	m->hold_count = 0;
	m->pindex = 0;
	if ((req & VM_ALLOC_ZERO) != 0) {
		pmap_zero_page(m);
		m->flags |= PG_ZERO;
	}
	if ((req & VM_ALLOC_WIRED) != 0) {
		m->wire_count = 1;
		vm_page_wired++;
	}
	if ((req & VM_ALLOC_NOOBJ) == 0)
		vm_page_insert(m, obj, pindex);
	return (m);
}

/*
 * Free m: out of its object and its queue, then to the free queue — or to
 * PQ_HOLD while it is held (vm_page_unhold finishes the job).  Requires an
 * unwired page.  A page still mapped somewhere is unmapped first
 * (pmap_remove_all: no pmap may keep a freed frame).  A fictitious page
 * only leaves its object (the device pager owns it).
 */
void
vm_page_free(vm_page_t m)
{
	if ((m->flags & PG_FICTITIOUS) != 0) {
		vm_page_remove(m);
		return;
	}
	KASSERT(m->queue != PQ_FREE && m->queue != PQ_HOLD,
	    ("vm_page_free: pa %#llx freed twice (queue %u)",
	    (unsigned long long)m->phys_addr, m->queue));
	KASSERT(m->wire_count == 0, ("vm_page_free: pa %#llx wired (%u)",
	    (unsigned long long)m->phys_addr, m->wire_count));
	if (m->md_pv != NULL)
		pmap_remove_all(m);
	vm_page_remove(m);
	vm_pageq_remove(m);
	m->flags &= ~PG_ZERO;
	m->dirty = 0;
	m->valid = 0;
	if (m->hold_count != 0)
		vm_pageq_enqueue(PQ_HOLD, m);
	else
		vm_phys_free_page(m);
}

vm_page_t
vm_page_lookup(struct vm_object *obj, vm_pindex_t pindex)
{
	return (vm_object_page_find(obj, pindex));
}

void
vm_page_insert(vm_page_t m, struct vm_object *obj, vm_pindex_t pindex)
{
	KASSERT(m->object == NULL, ("vm_page_insert: pa %#llx already in an object",
	    (unsigned long long)m->phys_addr));
	KASSERT(m->queue != PQ_FREE && m->queue != PQ_HOLD,
	    ("vm_page_insert: pa %#llx is free (queue %u)",
	    (unsigned long long)m->phys_addr, m->queue));
	m->pindex = pindex;
	vm_object_page_enter(obj, m);
}

void
vm_page_remove(vm_page_t m)
{
	if (m->object != NULL)
		vm_object_page_leave(m->object, m);
}

/*
 * Move m from its object to new_obj at new_pindex (which must be free
 * there), dirty: its contents are the new owner's now (FreeBSD
 * vm_page_rename).  Queues and wiring are unchanged.
 */
void
vm_page_rename(vm_page_t m, struct vm_object *new_obj, vm_pindex_t new_pindex)
{
	vm_page_remove(m);
	vm_page_insert(m, new_obj, new_pindex);
	vm_page_dirty(m);
}

void
vm_page_hold(vm_page_t m)
{
	KASSERT(m->queue != PQ_FREE, ("vm_page_hold: pa %#llx is free",
	    (unsigned long long)m->phys_addr));
	KASSERT(m->hold_count < UINT16_MAX, ("vm_page_hold: overflow"));
	m->hold_count++;
}

/* Drop one hold; a page freed while held is freed at the last unhold. */
void
vm_page_unhold(vm_page_t m)
{
	KASSERT(m->hold_count > 0, ("vm_page_unhold: pa %#llx not held",
	    (unsigned long long)m->phys_addr));
	m->hold_count--;
	if (m->hold_count == 0 && m->queue == PQ_HOLD) {
		vm_pageq_remove(m);
		vm_phys_free_page(m);
	}
}

void
vm_page_unhold_pages(vm_page_t *ma, int n)
{
	int i;

	for (i = 0; i < n; i++)
		vm_page_unhold(ma[i]);
}

/*
 * Wire m: the first wiring takes it off the paging queues and counts it in
 * the global wired count.  No-op on fictitious pages.
 */
void
vm_page_wire(vm_page_t m)
{
	if ((m->flags & PG_FICTITIOUS) != 0)
		return;
	KASSERT(m->queue != PQ_FREE && m->queue != PQ_HOLD,
	    ("vm_page_wire: pa %#llx is free (queue %u)",
	    (unsigned long long)m->phys_addr, m->queue));
	if (m->wire_count == 0) {
		vm_pageq_remove(m);
		vm_page_wired++;
	}
	KASSERT(m->wire_count < UINT16_MAX, ("vm_page_wire: overflow"));
	m->wire_count++;
}

/*
 * Unwire m: at wire count 0 it leaves the wired count and goes to the
 * active queue (activate) or the inactive one.  Unwiring an unwired page
 * is an invariant violation.  No-op on fictitious pages.
 */
void
vm_page_unwire(vm_page_t m, bool activate)
{
	if ((m->flags & PG_FICTITIOUS) != 0)
		return;
	KASSERT(m->wire_count > 0, ("vm_page_unwire: pa %#llx not wired",
	    (unsigned long long)m->phys_addr));
	m->wire_count--;
	if (m->wire_count == 0) {
		vm_page_wired--;
		vm_pageq_enqueue(activate ? PQ_ACTIVE : PQ_INACTIVE, m);
	}
}

/* To the tail of the active queue; wired and fictitious pages stay off. */
void
vm_page_activate(vm_page_t m)
{
	if ((m->flags & PG_FICTITIOUS) != 0 || m->queue == PQ_ACTIVE)
		return;
	KASSERT(m->queue != PQ_FREE && m->queue != PQ_HOLD,
	    ("vm_page_activate: pa %#llx is free (queue %u)",
	    (unsigned long long)m->phys_addr, m->queue));
	vm_pageq_remove(m);
	if (m->wire_count == 0)
		vm_pageq_enqueue(PQ_ACTIVE, m);
}

/* To the tail of the inactive queue; wired and fictitious pages stay off. */
void
vm_page_deactivate(vm_page_t m)
{
	if ((m->flags & PG_FICTITIOUS) != 0 || m->queue == PQ_INACTIVE)
		return;
	KASSERT(m->queue != PQ_FREE && m->queue != PQ_HOLD,
	    ("vm_page_deactivate: pa %#llx is free (queue %u)",
	    (unsigned long long)m->phys_addr, m->queue));
	vm_pageq_remove(m);
	if (m->wire_count == 0)
		vm_pageq_enqueue(PQ_INACTIVE, m);
}

vm_page_t
vm_page_queue_first(int queue)
{
	KASSERT(queue == PQ_ACTIVE || queue == PQ_INACTIVE,
	    ("vm_page_queue_first: queue %d", queue));
	return (vm_page_queues[queue].head);
}

vm_page_t
vm_page_queue_next(vm_page_t m)
{
	return (m->qnext);
}

void
vm_page_requeue(vm_page_t m)
{
	int q = m->queue;

	KASSERT(q == PQ_ACTIVE || q == PQ_INACTIVE,
	    ("vm_page_requeue: pa %#llx on queue %d",
	    (unsigned long long)m->phys_addr, q));
	vm_pageq_remove(m);
	vm_pageq_enqueue(q, m);
}

void
vm_page_dirty(vm_page_t m)
{
	m->dirty = 1;
	m->flags &= ~PG_ZERO;
}

void
vm_page_stats(struct vm_page_stats *st)
{
	st->npages = vm_page_array_size;
	st->free = vm_phys_free_count();
	st->active = vm_page_queues[PQ_ACTIVE].cnt;
	st->inactive = vm_page_queues[PQ_INACTIVE].cnt;
	st->hold = vm_page_queues[PQ_HOLD].cnt;
	st->wired = vm_page_wired;
}

static const char *const vm_page_qname[PQ_COUNT] = {
	"none", "free", "active", "inactive", "hold"
};

/* m's pv list: no mapping of a free page, each entry a live mapping of m,
 * no (pmap, va) twice.  0, or -1 with a message. */
static int
vm_page_check_pv(vm_page_t m, char *msg, size_t msglen)
{
	struct pv_entry *pv, *pv2;
	unsigned long n = 0;

	for (pv = m->md_pv; pv != NULL; pv = pv->pv_next) {
		if (++n > 1000000) {
			snprintf(msg, msglen, "pa %#llx: pv list loops",
			    (unsigned long long)m->phys_addr);
			return (-1);
		}
		if (m->queue == PQ_FREE || m->queue == PQ_HOLD) {
			snprintf(msg, msglen, "pa %#llx is free (queue %s) but "
			    "mapped at %#llx", (unsigned long long)m->phys_addr,
			    vm_page_qname[m->queue],
			    (unsigned long long)pv->pv_va);
			return (-1);
		}
		if (trunc_page(pmap_extract(pv->pv_pmap, pv->pv_va)) !=
		    m->phys_addr) {
			snprintf(msg, msglen, "pa %#llx: pv entry for va %#llx, "
			    "the pmap maps %#llx there",
			    (unsigned long long)m->phys_addr,
			    (unsigned long long)pv->pv_va, (unsigned long long)
			    pmap_extract(pv->pv_pmap, pv->pv_va));
			return (-1);
		}
		for (pv2 = pv->pv_next; pv2 != NULL; pv2 = pv2->pv_next)
			if (pv2->pv_pmap == pv->pv_pmap && pv2->pv_va == pv->pv_va) {
				snprintf(msg, msglen, "pa %#llx: va %#llx on the pv "
				    "list twice", (unsigned long long)m->phys_addr,
				    (unsigned long long)pv->pv_va);
				return (-1);
			}
	}
	return (0);
}

/*
 * Check the queues against the array: every list is well linked and as
 * long as its count, every page on it says so; every page of the array is
 * on exactly one queue, or on none with a reason (wired, or pmap-owned:
 * no object); held-free pages are held; wired pages are on no queue; a
 * free page has no mappings and every pv entry of a page is a mapping of
 * it in its pmap (pmap_extract agrees); the
 * counts add up to the array, and the pages that belong to an object are
 * as many as the objects hold.  Returns 0, or -1 with a message.
 */
int
vm_page_check(char *msg, size_t msglen)
{
	unsigned long n[PQ_COUNT], i, len, wired, owned;
	vm_page_t m, prev;
	int q;

	if (vm_phys_check(msg, msglen) != 0)
		return (-1);
	for (q = PQ_ACTIVE; q < PQ_COUNT; q++) {
		len = 0;
		prev = NULL;
		for (m = vm_page_queues[q].head; m != NULL; prev = m, m = m->qnext) {
			if (++len > vm_page_array_size) {
				snprintf(msg, msglen, "%s queue loops",
				    vm_page_qname[q]);
				return (-1);
			}
			if (m->qprev != prev || m->queue != q) {
				snprintf(msg, msglen, "%s queue: pa %#llx says queue %s%s",
				    vm_page_qname[q], (unsigned long long)m->phys_addr,
				    m->queue < PQ_COUNT ? vm_page_qname[m->queue] : "?",
				    m->qprev != prev ? ", bad back link" : "");
				return (-1);
			}
		}
		if (prev != vm_page_queues[q].tail || len != vm_page_queues[q].cnt) {
			snprintf(msg, msglen, "%s queue: %lu linked, count %lu%s",
			    vm_page_qname[q], len, vm_page_queues[q].cnt,
			    prev != vm_page_queues[q].tail ? ", bad tail" : "");
			return (-1);
		}
	}
	memset(n, 0, sizeof(n));
	wired = 0;
	owned = 0;
	for (i = 0; i < vm_page_array_size; i++) {
		m = &vm_page_array[i];
		if (m->object != NULL)
			owned++;
		if (m->queue >= PQ_COUNT) {
			snprintf(msg, msglen, "pa %#llx: queue %u",
			    (unsigned long long)m->phys_addr, m->queue);
			return (-1);
		}
		n[m->queue]++;
		if (m->wire_count != 0) {
			wired++;
			if (m->queue != PQ_NONE) {
				snprintf(msg, msglen, "pa %#llx wired (%u) but on %s queue",
				    (unsigned long long)m->phys_addr, m->wire_count,
				    vm_page_qname[m->queue]);
				return (-1);
			}
		}
		if (m->queue == PQ_NONE && m->wire_count == 0 && m->object != NULL) {
			snprintf(msg, msglen, "pa %#llx (object page %llu) on no queue, "
			    "not wired", (unsigned long long)m->phys_addr,
			    (unsigned long long)m->pindex);
			return (-1);
		}
		if (m->queue == PQ_HOLD && (m->hold_count == 0 || m->object != NULL)) {
			snprintf(msg, msglen, "pa %#llx on hold queue: hold %u, object %s",
			    (unsigned long long)m->phys_addr, m->hold_count,
			    m->object != NULL ? "set" : "none");
			return (-1);
		}
		if (vm_page_check_pv(m, msg, msglen) != 0)
			return (-1);
		if (m->object != NULL && (m->flags & PG_FICTITIOUS) != 0) {
			snprintf(msg, msglen, "pa %#llx: fictitious page in the array",
			    (unsigned long long)m->phys_addr);
			return (-1);
		}
	}
	if (n[PQ_FREE] != vm_phys_free_count()) {
		snprintf(msg, msglen, "%lu pages say free, free queue has %lu",
		    n[PQ_FREE], vm_phys_free_count());
		return (-1);
	}
	for (q = PQ_ACTIVE; q < PQ_COUNT; q++)
		if (n[q] != vm_page_queues[q].cnt) {
			snprintf(msg, msglen, "%lu pages say %s, queue has %lu",
			    n[q], vm_page_qname[q], vm_page_queues[q].cnt);
			return (-1);
		}
	if (wired != vm_page_wired) {
		snprintf(msg, msglen, "%lu pages wired, wired count %lu",
		    wired, vm_page_wired);
		return (-1);
	}
	if (owned != vm_object_resident_total()) {
		snprintf(msg, msglen, "%lu pages belong to objects, the objects "
		    "count %lu", owned, vm_object_resident_total());
		return (-1);
	}
	return (0);
}

const char *
vm_memattr_name(vm_memattr_t ma)
{
	static const char *const names[VM_MEMATTR_COUNT] = {
		[VM_MEMATTR_WRITE_BACK] = "WB",
		[VM_MEMATTR_WRITE_THROUGH] = "WT",
		[VM_MEMATTR_WRITE_COMBINING] = "WC",
		[VM_MEMATTR_UNCACHEABLE] = "UC",
		[VM_MEMATTR_UNCACHED] = "UC-",
	};

	return ma < VM_MEMATTR_COUNT ? names[ma] : "?";
}
