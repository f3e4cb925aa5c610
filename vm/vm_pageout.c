/*
 * vm/vm_pageout.c — the page daemon and vm_lowmem (FreeBSD
 * sys/vm/vm_pageout.c and the vm_lowmem event handler, 2010 semantics;
 * see vm/vm_pageout.h for what a run does).  vm_lowmem handlers are
 * named and report what they freed (an EV_LOWMEM "handler" event per
 * run; VM-SPEC.md "Low memory").
 *
 * The daemon is synchronous: it runs inside the fault or allocation that
 * needs memory, to completion, so no page is ever "being paged out" while
 * anything else looks at it — a victim stays on the inactive queue,
 * unmapped, while it is written to swap or to its file, and is freed (or
 * reactivated) before the daemon looks at the next page.  Pages the
 * kernel is working on are held (vm_page_hold) and skipped.
 *
 * The referenced state comes from the pmap (pmap_ts_referenced): the
 * hardware's accessed bit on amd64; on MIPS, which has none, a software
 * bit set when a fault enters the mapping, so the active queue is a FIFO
 * with one second chance per fault there.
 *
 * XXX: FreeBSD sizes its scans by the shortage and keeps a cache queue;
 * this daemon scans the whole active queue once per round and frees
 * victims directly.
 */
#include "vm/vm_pageout.h"

#include <stdio.h>
#include <string.h>

#include "sim/base/event.h"
#include "vm/pmap.h"
#include "vm/swap_pager.h"
#include "vm/vm_object.h"
#include "vm/vm_page.h"

static unsigned long vm_pageout_min, vm_pageout_target;
static struct vm_pageout_stats vm_pageout_st;
static bool vm_pageout_running;
static uint64_t vm_lowmem_raised;

static struct {
	const char *name;
	vm_lowmem_fn *fn;
	void *arg;
} vm_lowmem_handlers[VM_LOWMEM_MAX];
static int vm_lowmem_nhandlers;

void
vm_pageout_init(unsigned long npages)
{
	vm_pageout_min = MAX(64ul, npages / 50);
	vm_pageout_min = MIN(vm_pageout_min, npages / 4);
	vm_pageout_target = 2 * vm_pageout_min;
	memset(&vm_pageout_st, 0, sizeof(vm_pageout_st));
	vm_pageout_running = false;
	vm_lowmem_raised = 0;
}

unsigned long
vm_pageout_min_free(void)
{
	return (vm_pageout_min);
}

unsigned long
vm_pageout_target_free(void)
{
	return (vm_pageout_target);
}

bool
vm_pageout_needed(void)
{
	return (vm_phys_free_count() < vm_pageout_min);
}

const struct vm_pageout_stats *
vm_pageout_stats(void)
{
	return (&vm_pageout_st);
}

/* Anonymous memory: default and swap objects without a vnode. */
static bool
vm_pageout_anon(const struct vm_object *obj)
{
	return (obj->vp == NULL &&
	    (obj->type == OBJT_DEFAULT || obj->type == OBJT_SWAP));
}

/* A page the daemon must leave alone where it is. */
static bool
vm_pageout_skip(vm_page_t m)
{
	return (m->wire_count != 0 || m->hold_count != 0 || m->object == NULL ||
	    (m->flags & PG_FICTITIOUS) != 0);
}

/* Step 1: age the active queue once. */
static void
vm_pageout_scan_active(void)
{
	unsigned long n;
	vm_page_t m, next;
	struct vm_page_stats st;

	vm_page_stats(&st);
	n = st.active;
	for (m = vm_page_queue_first(PQ_ACTIVE); m != NULL && n > 0; m = next, n--) {
		next = vm_page_queue_next(m);
		if (vm_pageout_skip(m))
			continue;
		if (pmap_ts_referenced(m) > 0) {
			vm_page_requeue(m);
			continue;
		}
		vm_page_deactivate(m);
		vm_pageout_st.deactivated++;
	}
}

/* Back to the active queue: referenced, or it cannot be cleaned. */
static void
vm_pageout_reactivate(vm_page_t m)
{
	vm_page_activate(m);
	vm_pageout_st.reactivated++;
}

/*
 * Try to reclaim the inactive page m: true when it was freed.  *swapped /
 * *written count what it took.
 */
static bool
vm_pageout_reclaim(vm_page_t m, unsigned long *swapped, unsigned long *written)
{
	struct vm_object *obj = m->object;
	struct event ev;
	bool dirty;
	long slot;

	dirty = m->dirty || pmap_is_modified(m);
	if (vm_pageout_anon(obj)) {
		if (dirty && (swap_pager_nslots() == 0 ||
		    swap_pager_used() == swap_pager_nslots())) {
			/* Nowhere to put it: leave it mapped. */
			vm_pageout_st.clean_failed++;
			vm_pageout_reactivate(m);
			return (false);
		}
		pmap_remove_all(m);
		if (m->dirty) {
			slot = swap_pager_putpage(m);
			KASSERT(slot >= 0, ("vm_pageout: swap full after checking"));
			ev = event_make(EV_SWAP_OUT, "anon", 0);
			ev.pa = VM_PAGE_TO_PHYS(m);
			snprintf(ev.detail, sizeof(ev.detail),
			    "obj#%llu pindex %llu slot %ld",
			    (unsigned long long)obj->id,
			    (unsigned long long)m->pindex, slot);
			event_emit(&ev, 0);
			vm_pageout_st.swapped_out++;
			(*swapped)++;
		}
	} else if (obj->type == OBJT_VNODE && obj->vp != NULL) {
		if (dirty && obj->vp->putpages == NULL) {
			vm_pageout_st.clean_failed++;
			vm_pageout_reactivate(m);
			return (false);
		}
		pmap_remove_all(m);
		if (m->dirty) {
			if (vm_object_page_clean(obj, m->pindex, m->pindex + 1) !=
			    KERN_SUCCESS || m->dirty) {
				vm_pageout_st.clean_failed++;
				vm_pageout_reactivate(m);
				return (false);
			}
			vm_pageout_st.written_back++;
			(*written)++;
		}
	} else {
		/* Device or physical memory: never paged. */
		vm_pageout_reactivate(m);
		return (false);
	}
	vm_page_free(m);
	vm_pageout_st.freed++;
	return (true);
}

/* Step 2: reclaim from the inactive queue until the target is reached. */
static unsigned long
vm_pageout_scan_inactive(unsigned long *swapped, unsigned long *written)
{
	unsigned long n, freed = 0;
	vm_page_t m, next;
	struct vm_page_stats st;

	vm_page_stats(&st);
	n = st.inactive;
	for (m = vm_page_queue_first(PQ_INACTIVE); m != NULL && n > 0 &&
	    vm_phys_free_count() < vm_pageout_target; m = next, n--) {
		next = vm_page_queue_next(m);
		if (vm_pageout_skip(m))
			continue;
		if (pmap_ts_referenced(m) > 0) {
			vm_pageout_reactivate(m);
			continue;
		}
		/* next stays valid: reclaiming m moves or frees m only. */
		if (vm_pageout_reclaim(m, swapped, written))
			freed++;
	}
	return (freed);
}

static const char *const vm_pageout_why_names[] = {
	[VM_PAGEOUT_LOW] = "pagedaemon",
	[VM_PAGEOUT_ALLOC] = "pagedaemon_alloc",
	[VM_PAGEOUT_REQUEST] = "request",
};

/*
 * The lowmem event, then the handlers, each followed by an event saying
 * what it freed.  A handler may unregister itself (or a later one) while
 * it runs: the loop rereads the table.
 */
static void
vm_lowmem_notify(const char *type, const char *detail, int flags)
{
	struct event ev;
	unsigned long freed;
	const char *name;
	int i;

	vm_lowmem_raised++;
	ev = event_make(EV_LOWMEM, type, 0);
	snprintf(ev.detail, sizeof(ev.detail), "%s", detail);
	event_emit(&ev, 0);
	for (i = 0; i < vm_lowmem_nhandlers; i++) {
		name = vm_lowmem_handlers[i].name;
		freed = vm_lowmem_handlers[i].fn(vm_lowmem_handlers[i].arg, flags);
		ev = event_make(EV_LOWMEM, "handler", 0);
		snprintf(ev.detail, sizeof(ev.detail), "%s: freed %lu pages",
		    name, freed);
		event_emit(&ev, 0);
	}
}

unsigned long
vm_pageout_run(enum vm_pageout_why why)
{
	unsigned long freed = 0, swapped = 0, written = 0;
	char detail[EV_DETAIL_MAX], msg[256];
	const char *oreason;
	int round;

	if (vm_pageout_running || vm_pageout_target == 0)
		return (0);
	vm_pageout_running = true;
	vm_pageout_st.runs++;
	oreason = pmap_reason_set("pageout");
	for (round = 0; round < 2 &&
	    vm_phys_free_count() < vm_pageout_target; round++) {
		vm_pageout_scan_active();
		freed += vm_pageout_scan_inactive(&swapped, &written);
	}
	(void)pmap_reason_set(oreason);
	snprintf(detail, sizeof(detail), "freed %lu (swapped %lu, written %lu) "
	    "free %lu target %lu", freed, swapped, written, vm_phys_free_count(),
	    vm_pageout_target);
	vm_lowmem_notify(vm_pageout_why_names[why], detail, 0);
	if (sim_invariants) {
		if (swap_pager_check(msg, sizeof(msg)) != 0)
			panic("vm_pageout: %s", msg);
		if (vm_page_check(msg, sizeof(msg)) != 0)
			panic("vm_pageout: vm_page_check: %s", msg);
	}
	vm_pageout_running = false;
	return (freed);
}

int
vm_lowmem_register(const char *name, vm_lowmem_fn *fn, void *arg)
{
	KASSERT(name != NULL && fn != NULL, ("vm_lowmem_register: no name or fn"));
	if (vm_lowmem_nhandlers == VM_LOWMEM_MAX)
		return (-1);
	vm_lowmem_handlers[vm_lowmem_nhandlers].name = name;
	vm_lowmem_handlers[vm_lowmem_nhandlers].fn = fn;
	vm_lowmem_handlers[vm_lowmem_nhandlers].arg = arg;
	vm_lowmem_nhandlers++;
	return (0);
}

void
vm_lowmem_unregister(vm_lowmem_fn *fn, void *arg)
{
	int i;

	for (i = 0; i < vm_lowmem_nhandlers; i++)
		if (vm_lowmem_handlers[i].fn == fn &&
		    vm_lowmem_handlers[i].arg == arg) {
			memmove(&vm_lowmem_handlers[i], &vm_lowmem_handlers[i + 1],
			    (size_t)(vm_lowmem_nhandlers - i - 1) *
			    sizeof(vm_lowmem_handlers[0]));
			vm_lowmem_nhandlers--;
			return;
		}
}

void
vm_lowmem_raise(int flags)
{
	char detail[EV_DETAIL_MAX];
	const char *type;

	if ((flags & VM_LOW_KMEM) != 0)
		type = "kmem_va";
	else if ((flags & VM_LOW_PAGES) != 0)
		type = "kmem_pages";
	else
		type = vm_pageout_why_names[VM_PAGEOUT_REQUEST];
	snprintf(detail, sizeof(detail), "free %lu", vm_phys_free_count());
	vm_lowmem_notify(type, detail, flags);
}

uint64_t
vm_lowmem_count(void)
{
	return (vm_lowmem_raised);
}
