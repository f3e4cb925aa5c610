/*
 * vm/vm_page.h — the physical page: one struct vm_page per 4 KiB frame of
 * simulated physical memory (FreeBSD sys/vm/vm_page.h, 2010 semantics,
 * reduced to what the kernel uses so far).
 *
 * A page is on exactly one queue (free, active, inactive, hold) or on none
 * (wired, or owned by a page-table page).  An object page is found by
 * (object, pindex).  Fictitious pages (device memory) are not in the array.
 * Every mapping of a managed page is on its pv list (the pmap keeps it),
 * so the page daemon can unmap a page from every address space
 * (pmap_remove_all) before it reclaims it.
 */
#ifndef VM_VM_PAGE_H
#define VM_VM_PAGE_H

#include "sim/base/base.h"

struct vm_object;
struct pmap;

/*
 * One mapping of a page (FreeBSD pv_entry): pmap maps the page at va.
 * Kept by vm/pmap.c; the list hangs off the page (md_pv).
 */
struct pv_entry {
	struct pmap *pv_pmap;
	vm_offset_t pv_va;
	struct pv_entry *pv_next;
	uint8_t pv_ref;			/* software referenced bit: set when the
					   mapping is entered (MIPS has no
					   hardware one), cleared by
					   pmap_ts_referenced */
};

enum vm_page_queue {
	PQ_NONE,	/* wired or pmap-owned: on no queue */
	PQ_FREE,
	PQ_ACTIVE,
	PQ_INACTIVE,
	PQ_HOLD,	/* freed while held: freed at the last unhold */
	PQ_COUNT
};

/* flags */
#define PG_FICTITIOUS	0x01	/* not real memory (device pager) */
#define PG_ZERO		0x02	/* known to be zero-filled */

/*
 * Memory attributes (FreeBSD vm_memattr_t, after amd64's PAT memory
 * types): how the CPUs may cache a page.  A page's attribute applies to
 * every mapping of it (pmap_page_set_memattr) and the cache model
 * honours it: write-back is the normal cached memory; write-through
 * caches reads, and every store also goes to memory; write-combining
 * and the two uncacheable kinds bypass L1 and L2 (each access costs
 * memory latency; write-combining is counted apart).
 */
typedef uint8_t vm_memattr_t;
#define VM_MEMATTR_WRITE_BACK		0
#define VM_MEMATTR_WRITE_THROUGH	1
#define VM_MEMATTR_WRITE_COMBINING	2
#define VM_MEMATTR_UNCACHEABLE		3	/* UC */
#define VM_MEMATTR_UNCACHED		4	/* UC- (PAT's weak uncacheable) */
#define VM_MEMATTR_DEFAULT		VM_MEMATTR_WRITE_BACK
#define VM_MEMATTR_COUNT		5
/* "WB", "WT", "WC", "UC", "UC-". */
const char *vm_memattr_name(vm_memattr_t ma);

struct vm_page {
	vm_paddr_t phys_addr;
	struct vm_object *object;	/* owner, or NULL */
	vm_pindex_t pindex;		/* offset in the owner, in pages */
	struct vm_page *qnext, *qprev;	/* queue links */
	struct vm_page *left, *right;	/* the owner's page tree (private to vm_object.c) */
	uint8_t queue;			/* enum vm_page_queue */
	uint8_t flags;
	uint8_t dirty;			/* modified since last clean */
	uint8_t valid;			/* contents valid */
	uint16_t wire_count;
	uint16_t hold_count;
	vm_memattr_t memattr;		/* VM_MEMATTR_* (pmap_page_set_memattr) */
	struct pv_entry *md_pv;		/* the mappings of the page (vm/pmap.c) */
};
typedef struct vm_page *vm_page_t;

/* Allocation requests. */
#define VM_ALLOC_NORMAL	0x00
#define VM_ALLOC_NOOBJ	0x01	/* no object: object/pindex ignored */
#define VM_ALLOC_ZERO	0x02	/* the page must be zeroed */
#define VM_ALLOC_WIRED	0x04	/* return it wired (wire_count 1) */

/* Start the page array and free list over physical memory [0, bytes);
 * frames below first_free_pa are reserved (never allocated). */
void vm_page_startup(vm_paddr_t bytes, vm_paddr_t first_free_pa);
/*
 * Allocate the lowest free frame.  When none is free, the page daemon
 * runs first (vm_pageout_run, synchronously; never recursively) and the
 * allocation is retried once; NULL when still none is free.  The daemon
 * skips held, wired and unqueued pages: a caller holding a page it found
 * on a queue must hold it (vm_page_hold) across the allocation.  Unless NOOBJ,
 * the page enters obj at pindex.  ZERO: the frame is zeroed (pmap_zero_page)
 * and PG_ZERO set.  WIRED: returned wired; otherwise it is on no queue and
 * the caller must activate, deactivate or wire it (vm_page_check insists).
 */
vm_page_t vm_page_alloc(struct vm_object *obj, vm_pindex_t pindex, int req);
/* Free m: remove from its object; to the free list, or to PQ_HOLD while
 * held.  Requires wire_count == 0. */
void vm_page_free(vm_page_t m);
vm_page_t vm_page_lookup(struct vm_object *obj, vm_pindex_t pindex);
/* The page of frame pa, or NULL when pa is not managed (below
 * first_free_pa, or beyond memory). */
vm_page_t PHYS_TO_VM_PAGE(vm_paddr_t pa);
static inline vm_paddr_t VM_PAGE_TO_PHYS(const struct vm_page *m) { return m->phys_addr; }

/* Enter m into obj at pindex (the object's page tree, its resident count);
 * m must belong to no object and pindex must be free in obj. */
void vm_page_insert(vm_page_t m, struct vm_object *obj, vm_pindex_t pindex);
/* Take m out of its object (no-op if it has none); queues unchanged. */
void vm_page_remove(vm_page_t m);
/* Move m to new_obj at new_pindex (free there) and dirty it. */
void vm_page_rename(vm_page_t m, struct vm_object *new_obj, vm_pindex_t new_pindex);

void vm_page_hold(vm_page_t m);
void vm_page_unhold(vm_page_t m);
/* Unhold ma[0..n). */
void vm_page_unhold_pages(vm_page_t *ma, int n);
void vm_page_wire(vm_page_t m);
void vm_page_unwire(vm_page_t m, bool activate);
/* Put an unwired page on the active queue (after a fault maps it). */
void vm_page_activate(vm_page_t m);
/* Put an unwired page on the inactive queue (page daemon, unwire). */
void vm_page_deactivate(vm_page_t m);
void vm_page_dirty(vm_page_t m);

/* The first page of the active or inactive queue (the page daemon's scan),
 * and the next one; NULL at the end. */
vm_page_t vm_page_queue_first(int queue);
vm_page_t vm_page_queue_next(vm_page_t m);
/* Move m (on the active or inactive queue) to the tail of its queue. */
void vm_page_requeue(vm_page_t m);

/* Counts (for the summary and invariants). */
struct vm_page_stats {
	uint64_t npages;	/* managed frames */
	uint64_t free, active, inactive, hold, wired;
};
void vm_page_stats(struct vm_page_stats *st);
/* Every page on exactly one queue, counts add up.  0 or -1 + msg. */
int vm_page_check(char *msg, size_t msglen);

/* Contiguous run of npages free frames with pa in [low, high), aligned,
 * not crossing a multiple of boundary (0: none); NULL if none. */
vm_page_t vm_phys_alloc_contig(unsigned long npages, vm_paddr_t low,
    vm_paddr_t high, vm_paddr_t alignment, vm_paddr_t boundary);
/* The lowest free frame whose page lies in [low, high), off the free
 * queue (PQ_NONE, no object, unwired; the caller sets it up as
 * vm_page_alloc would), or NULL (kmem_alloc_attr). */
vm_page_t vm_phys_alloc_page_range(vm_paddr_t low, vm_paddr_t high);

/*
 * vm_phys: the free-page allocator beneath vm_page (vm_phys.c).  The free
 * queue is kept sorted by physical address so that allocation always takes
 * the lowest free frame: runs are reproducible and easy to read.
 */

/*
 * The direct map: the host address of simulated physical address 0, set
 * by the machine at startup (before any page is zeroed or paged in).  The
 * kernel reaches every frame through it, as FreeBSD/amd64 does through its
 * DMAP and FreeBSD/mips through kseg0.
 */
extern uint8_t *vm_phys_dmap;
static inline uint8_t *vm_phys_dmap_ptr(vm_paddr_t pa) { return vm_phys_dmap + pa; }

/* (Called by vm_page_startup.)  Take over array[0..npages), all off the
 * free list. */
void vm_phys_init(vm_page_t array, unsigned long npages);
/* Put m on the free queue (at its sorted place); PQ_FREE. */
void vm_phys_free_page(vm_page_t m);
/* Take the lowest free frame off the free queue (PQ_NONE), or NULL. */
vm_page_t vm_phys_alloc_page(void);
unsigned long vm_phys_free_count(void);
/* The free queue is sorted, its bitmap and count agree.  0 or -1 + msg. */
int vm_phys_check(char *msg, size_t msglen);

#endif
