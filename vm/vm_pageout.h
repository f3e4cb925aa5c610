/*
 * vm/vm_pageout.h — the page daemon and vm_lowmem (FreeBSD
 * sys/vm/vm_pageout.c, 2010 semantics, made synchronous; see VM-SPEC.md,
 * "Physical pages" and "Low memory").
 *
 * FreeBSD's page daemon is a kernel thread woken when free pages run low.
 * vmsim runs it synchronously, at points the guest's instruction stream
 * fixes (so runs stay reproducible): at the top of every page fault when
 * free pages are below the threshold, and inside vm_page_alloc when no
 * frame is free at all.
 */
#ifndef VM_VM_PAGEOUT_H
#define VM_VM_PAGEOUT_H

#include "sim/base/base.h"

/* Why the daemon runs (the lowmem event's type). */
enum vm_pageout_why {
	VM_PAGEOUT_LOW,		/* free pages below the threshold */
	VM_PAGEOUT_ALLOC,	/* an allocation found no free frame */
	VM_PAGEOUT_REQUEST	/* asked for (tests, Lua, CLI) */
};

/*
 * A new machine: thresholds from the number of managed pages: run below
 * max(64 pages, 2% of memory) free (capped at a quarter of memory), stop
 * at twice that.  Counters zero.  The lowmem handlers are kept.
 */
void vm_pageout_init(unsigned long npages);
/* The thresholds, in pages. */
unsigned long vm_pageout_min_free(void);
unsigned long vm_pageout_target_free(void);
/* Free pages are below the threshold. */
bool vm_pageout_needed(void);

/*
 * Run the page daemon once (never recursively: a nested call returns 0):
 *  1. the active queue, from its head: a wired, held or unowned page is
 *     skipped; a referenced one (pmap_ts_referenced) goes to the tail
 *     with its reference cleared; the others move to the inactive queue;
 *  2. the inactive queue, from its head, until free pages reach the
 *     target: a referenced page is reactivated (second chance); a victim
 *     is unmapped from every pmap (pmap_remove_all, which shoots it down
 *     on every CPU and collects its modified bits), then a clean page is
 *     freed (anonymous: refilled with zeros by the next fault; file: read
 *     again), a dirty file page is written back first (the vnode's
 *     putpages), a dirty anonymous page is written to swap (swap_out
 *     event); a page that cannot be cleaned (no swap, swap full, no
 *     putpages) is reactivated.
 * Both steps are repeated once when the target is not reached.  Then
 * vm_lowmem is raised (a lowmem event saying what was freed, and every
 * registered handler).  Returns the number of pages freed.
 */
unsigned long vm_pageout_run(enum vm_pageout_why why);

/* The counters since vm_pageout_init. */
struct vm_pageout_stats {
	uint64_t runs;		/* daemon runs */
	uint64_t freed;		/* pages freed */
	uint64_t swapped_out;	/* of which written to swap first */
	uint64_t written_back;	/* of which written to their file first */
	uint64_t deactivated;	/* active -> inactive moves */
	uint64_t reactivated;	/* inactive -> active (referenced, or could
				   not be cleaned) */
	uint64_t clean_failed;	/* dirty pages that could not be cleaned */
};
const struct vm_pageout_stats *vm_pageout_stats(void);

/*
 * vm_lowmem (FreeBSD's EVENTHANDLER vm_lowmem): handlers called, in
 * registration order, each time the daemon runs or vm_lowmem_raise is
 * called.  A handler gives back what it can and returns the number of
 * pages it freed; each run of a handler is an EV_LOWMEM event of type
 * "handler", detail "NAME: freed N pages", after the raise's own event.
 * name is a static string (the subsystem: "kstack", "malloc"...).  At
 * most VM_LOWMEM_MAX handlers; register returns 0, or -1 when full.
 * unregister removes the first (fn, arg) pair.
 *
 * flags say why it was raised (FreeBSD's later VM_LOW_* arguments): 0 from
 * the page daemon or on request, VM_LOW_KMEM when a kmem allocation found
 * no kernel VA (a handler that holds VA, like the kstack cache, should give
 * it back), VM_LOW_PAGES when a kmem allocation found no physical page it
 * could use and the daemon could not run.
 */
#define VM_LOWMEM_MAX	16
#define VM_LOW_KMEM	0x0001	/* kernel VA is short (event type "kmem_va") */
#define VM_LOW_PAGES	0x0002	/* pages are short (event type "kmem_pages") */
typedef unsigned long vm_lowmem_fn(void *arg, int flags);
int vm_lowmem_register(const char *name, vm_lowmem_fn *fn, void *arg);
void vm_lowmem_unregister(vm_lowmem_fn *fn, void *arg);
/* Raise it on demand: a lowmem event (type "request", or "kmem_va" /
 * "kmem_pages" per flags; detail "free N") and the handlers. */
void vm_lowmem_raise(int flags);
/* Times vm_lowmem was raised since vm_pageout_init. */
uint64_t vm_lowmem_count(void);

#endif
