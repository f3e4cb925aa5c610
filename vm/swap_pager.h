/*
 * vm/swap_pager.h — swap-space accounting (FreeBSD swap_pager.c's
 * swap_reserve family, 2010 semantics; see VM-SPEC.md, "Swap
 * accounting").
 *
 * Every page of anonymous memory that could one day have to be written
 * to swap is reserved when the mapping that may create it is made
 * writable-private (vm_map_insert, vm_map_protect), when fork copies it,
 * or when a debugger's write makes a private copy.  The reservation is
 * counted globally and per user id (the credential's uid), always; it is
 * enforced only as the overcommit bits say:
 *
 *   bit 0  SWAP_RESERVE_FORCE_ON        the global total may not exceed
 *                                       the swap device size (plus the
 *                                       non-wired RAM with bit 2)
 *   bit 1  SWAP_RESERVE_RLIMIT_ON       a uid's total may not exceed the
 *                                       charged credential's RLIMIT_SWAP
 *   bit 2  SWAP_RESERVE_ALLOW_NONWIRED  see bit 0
 *
 * uid 0 is never refused (FreeBSD's PRIV_VM_SWAP_NOQUOTA/NORLIMIT).
 * Overcommit 0 (the default) only counts.  Amounts are bytes, page
 * aligned.
 *
 * The swap pager (FreeBSD swap_pager.c's getpages/putpages, 2010
 * semantics, reduced): a simulated swap device of one-page slots whose
 * contents live in host memory (allocated at the first page-out), a
 * bitmap allocator that always hands out the lowest free slot (runs stay
 * reproducible), and per object a sorted map pindex -> slot (the
 * object's swp array; FreeBSD hashes swblocks).  An anonymous object
 * (OBJT_DEFAULT) becomes OBJT_SWAP at its first page-out.  A page read
 * back (swap-in) gives its slot up at once and comes back dirty: the
 * swap copy is never reused, so a slot belongs to exactly one
 * non-resident page (simple accounting; FreeBSD keeps the slot of a clean
 * page as an optimisation).
 */
#ifndef VM_SWAP_PAGER_H
#define VM_SWAP_PAGER_H

#include "sim/base/base.h"
#include "vm/vm_page.h"

struct ucred;
struct vm_object;

/* One page on swap: the object's page pindex is in slot. */
struct swap_meta {
	vm_pindex_t pindex;
	uint32_t slot;
};

#define SWAP_RESERVE_FORCE_ON		(1 << 0)	/* enforce the global total */
#define SWAP_RESERVE_RLIMIT_ON		(1 << 1)	/* enforce RLIMIT_SWAP per uid */
#define SWAP_RESERVE_ALLOW_NONWIRED	(1 << 2)	/* global limit + non-wired RAM */

/* Forget every reservation and setting (a new machine): swap size 0,
 * overcommit 0. */
void swap_accounting_init(void);
/* The swap device's size in bytes (the machine's --swap; 0: none). */
void swap_set_total(vm_ooffset_t bytes);
vm_ooffset_t swap_total(void);
/* The overcommit bits (SWAP_RESERVE_*). */
void swap_set_overcommit(int bits);
int swap_overcommit(void);

/*
 * Reserve incr bytes for cred (NULL: the kernel, uid 0); swap_reserve
 * charges ucred_current().  Returns 1 when reserved, 0 when refused (then
 * nothing is counted).
 */
int swap_reserve(vm_ooffset_t incr);
int swap_reserve_by_cred(vm_ooffset_t incr, struct ucred *cred);
/* Reserve without any check (fork's undo path: the copies are freed, and
 * their charges released, by the failed fork's teardown). */
void swap_reserve_force(vm_ooffset_t incr);
void swap_reserve_force_by_cred(vm_ooffset_t incr, struct ucred *cred);
/* Give back; the totals never go negative (an invariant). */
void swap_release(vm_ooffset_t decr);
void swap_release_by_cred(vm_ooffset_t decr, struct ucred *cred);

/* Totals: all users, and one uid. */
vm_ooffset_t swap_reserved(void);
vm_ooffset_t swap_reserved_by_uid(uint32_t uid);
/* Reservations refused since start (the swap_reserve_fail count). */
uint64_t swap_reserve_failures(void);

/* ---- the swap device and pager ---- */

/* A new machine: a swap device of bytes (rounded down to pages; 0: no
 * swap), every slot free, the counters zero; swap_set_total(bytes). */
void swap_pager_init(vm_ooffset_t bytes);
/* Slots on the device, slots in use. */
unsigned long swap_pager_nslots(void);
unsigned long swap_pager_used(void);
/* Pages written out / read back since init. */
uint64_t swap_pager_pageouts(void);
uint64_t swap_pager_pageins(void);

/* Does obj have page pindex on swap?  (FreeBSD vm_pager_has_page.) */
bool swap_pager_has_page(struct vm_object *obj, vm_pindex_t pindex);
/*
 * Read obj's page pindex from swap into m (resident in obj at pindex),
 * free its slot; m ends valid and dirty (its only copy is in memory
 * now).  KERN_SUCCESS, or KERN_FAILURE when the page is not on swap.
 */
int swap_pager_getpage(struct vm_object *obj, vm_pindex_t pindex, vm_page_t m);
/*
 * Write m (a page of the anonymous object m->object) to the lowest free
 * slot and record it under m->pindex; a default object becomes
 * OBJT_SWAP.  The page itself is left alone (the page daemon frees it).
 * Returns the slot (>= 0), or -1 when there is no swap device or it is
 * full.
 */
long swap_pager_putpage(vm_page_t m);
/* Free the slots of obj's pages in [start, end) (end 0: to the end). */
void swap_pager_freespace(struct vm_object *obj, vm_pindex_t start,
    vm_pindex_t end);
/* Take the slot of obj's page pindex off obj (-1 if none) without freeing
 * it / give a slot to obj's page pindex (which has none): the moves of a
 * shadow-chain collapse. */
long swap_pager_take(struct vm_object *obj, vm_pindex_t pindex);
void swap_pager_give(struct vm_object *obj, vm_pindex_t pindex, long slot);
/* Pages of obj on swap, and the first one with pindex >= pindex (NULL
 * when none; the array is valid until obj's swap map changes). */
unsigned long swap_pager_count(const struct vm_object *obj);
const struct swap_meta *swap_pager_ge(struct vm_object *obj, vm_pindex_t pindex);
/*
 * The slot accounting: the bitmap's count is the used count, every live
 * object's map is sorted, within the object and names a used slot, no slot
 * is named twice, and the named slots are all the used ones.  0 or -1 +
 * msg.
 */
int swap_pager_check(char *msg, size_t msglen);

#endif
