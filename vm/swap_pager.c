/*
 * vm/swap_pager.c — swap-space accounting (see vm/swap_pager.h; FreeBSD
 * swap_pager.c swap_reserve_by_cred and friends, 2010).
 *
 * The per-uid totals live in a small table (FreeBSD's uidinfo
 * ui_vmsize), grown on demand and kept sorted by uid so that its order
 * never depends on host addresses.
 *
 * XXX: FreeBSD subtracts v_free_reserved from the non-wired RAM that bit
 * 2 adds to the limit; we have no reserve yet and count every managed
 * page that is not wired.
 * The swap device and the swap pager are at the end of the file (see
 * vm/swap_pager.h).
 *
 * A refused reservation is counted and reported as a swap_reserve_fail
 * event (detail: the bytes, the uid, and which limit refused it).
 */
#include "vm/swap_pager.h"

#include <stdlib.h>
#include <string.h>

#include "sim/base/event.h"
#include "vm/ucred.h"
#include "vm/vm_object.h"
#include "vm/vm_page.h"

#include <stdio.h>

struct swap_uidinfo {
	uint32_t uid;
	vm_ooffset_t vmsize;	/* bytes reserved by this uid */
};

static vm_ooffset_t swap_reserved_bytes;
static vm_ooffset_t swap_total_bytes;
static int swap_overcommit_bits;
static uint64_t swap_failures;
static struct swap_uidinfo *swap_uids;
static size_t swap_nuids, swap_uids_cap;

void
swap_accounting_init(void)
{
	free(swap_uids);
	swap_uids = NULL;
	swap_nuids = swap_uids_cap = 0;
	swap_reserved_bytes = 0;
	swap_total_bytes = 0;
	swap_overcommit_bits = 0;
	swap_failures = 0;
}

void
swap_set_total(vm_ooffset_t bytes)
{
	swap_total_bytes = bytes & ~(vm_ooffset_t)PAGE_MASK;
}

vm_ooffset_t
swap_total(void)
{
	return (swap_total_bytes);
}

void
swap_set_overcommit(int bits)
{
	swap_overcommit_bits = bits & (SWAP_RESERVE_FORCE_ON |
	    SWAP_RESERVE_RLIMIT_ON | SWAP_RESERVE_ALLOW_NONWIRED);
}

int
swap_overcommit(void)
{
	return (swap_overcommit_bits);
}

/* uid's entry, created (at its sorted place) if need be. */
static struct swap_uidinfo *
swap_uidinfo(uint32_t uid)
{
	size_t lo, hi, mid;

	lo = 0;
	hi = swap_nuids;
	while (lo < hi) {
		mid = (lo + hi) / 2;
		if (swap_uids[mid].uid < uid)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo < swap_nuids && swap_uids[lo].uid == uid)
		return (&swap_uids[lo]);
	if (swap_nuids == swap_uids_cap) {
		swap_uids_cap = swap_uids_cap == 0 ? 8 : 2 * swap_uids_cap;
		swap_uids = realloc(swap_uids, swap_uids_cap * sizeof(*swap_uids));
		if (swap_uids == NULL)
			panic("swap_uidinfo: out of host memory");
	}
	memmove(&swap_uids[lo + 1], &swap_uids[lo],
	    (swap_nuids - lo) * sizeof(*swap_uids));
	swap_nuids++;
	swap_uids[lo].uid = uid;
	swap_uids[lo].vmsize = 0;
	return (&swap_uids[lo]);
}

/* The global limit: the swap device, plus the non-wired RAM with bit 2. */
static vm_ooffset_t
swap_global_limit(void)
{
	struct vm_page_stats st;
	vm_ooffset_t s;

	s = swap_total_bytes;
	if ((swap_overcommit_bits & SWAP_RESERVE_ALLOW_NONWIRED) != 0) {
		vm_page_stats(&st);
		s += ptoa(st.npages - MIN(st.wired, st.npages));
	}
	return (s);
}

/* A refused reservation: counted, and a swap_reserve_fail event. */
static void
swap_reserve_failed(vm_ooffset_t incr, uint32_t uid, const char *why)
{
	struct event ev;

	swap_failures++;
	ev = event_make(EV_SWAP_RESERVE_FAIL, why, 0);
	snprintf(ev.detail, sizeof(ev.detail), "%llu bytes uid %u",
	    (unsigned long long)incr, uid);
	event_emit(&ev, 0);
}

int
swap_reserve(vm_ooffset_t incr)
{
	return (swap_reserve_by_cred(incr, ucred_current()));
}

/*
 * FreeBSD's order: the global check first (bit 0; uid 0 passes), then the
 * per-uid RLIMIT_SWAP check (bit 1; uid 0 passes), which undoes the global
 * reservation when it refuses.
 */
int
swap_reserve_by_cred(vm_ooffset_t incr, struct ucred *cred)
{
	struct swap_uidinfo *ui;
	uint32_t uid;
	vm_ooffset_t r;

	KASSERT((incr & PAGE_MASK) == 0, ("swap_reserve: %#llx not page aligned",
	    (unsigned long long)incr));
	uid = cred != NULL ? cred->uid : 0;
	r = swap_reserved_bytes + incr;
	if ((swap_overcommit_bits & SWAP_RESERVE_FORCE_ON) != 0 && uid != 0 &&
	    (r < incr || r > swap_global_limit())) {
		swap_reserve_failed(incr, uid, "global");
		return (0);
	}
	ui = swap_uidinfo(uid);
	if ((swap_overcommit_bits & SWAP_RESERVE_RLIMIT_ON) != 0 && uid != 0 &&
	    cred != NULL && (ui->vmsize + incr < incr ||
	    ui->vmsize + incr > cred->swap_limit)) {
		swap_reserve_failed(incr, uid, "rlimit");
		return (0);
	}
	swap_reserved_bytes = r;
	ui->vmsize += incr;
	return (1);
}

void
swap_reserve_force(vm_ooffset_t incr)
{
	swap_reserve_force_by_cred(incr, ucred_current());
}

void
swap_reserve_force_by_cred(vm_ooffset_t incr, struct ucred *cred)
{
	KASSERT((incr & PAGE_MASK) == 0, ("swap_reserve_force: %#llx not page "
	    "aligned", (unsigned long long)incr));
	swap_reserved_bytes += incr;
	swap_uidinfo(cred != NULL ? cred->uid : 0)->vmsize += incr;
}

void
swap_release(vm_ooffset_t decr)
{
	swap_release_by_cred(decr, ucred_current());
}

void
swap_release_by_cred(vm_ooffset_t decr, struct ucred *cred)
{
	struct swap_uidinfo *ui;

	KASSERT((decr & PAGE_MASK) == 0, ("swap_release: %#llx not page aligned",
	    (unsigned long long)decr));
	KASSERT(swap_reserved_bytes >= decr, ("swap_release: releasing %#llx of "
	    "%#llx reserved", (unsigned long long)decr,
	    (unsigned long long)swap_reserved_bytes));
	ui = swap_uidinfo(cred != NULL ? cred->uid : 0);
	KASSERT(ui->vmsize >= decr, ("swap_release: uid %u releases %#llx of "
	    "%#llx", ui->uid, (unsigned long long)decr,
	    (unsigned long long)ui->vmsize));
	swap_reserved_bytes -= MIN(decr, swap_reserved_bytes);
	ui->vmsize -= MIN(decr, ui->vmsize);
}

vm_ooffset_t
swap_reserved(void)
{
	return (swap_reserved_bytes);
}

vm_ooffset_t
swap_reserved_by_uid(uint32_t uid)
{
	size_t i;

	for (i = 0; i < swap_nuids; i++)
		if (swap_uids[i].uid == uid)
			return (swap_uids[i].vmsize);
	return (0);
}

uint64_t
swap_reserve_failures(void)
{
	return (swap_failures);
}

/* ---- the swap device and the swap pager ---------------------------- */

static uint64_t *swap_bitmap;		/* one bit per slot: in use */
static unsigned long swap_nslots_n;	/* slots on the device */
static unsigned long swap_used_n;	/* bits set */
static unsigned long swap_hint;		/* no free slot below this one */
static uint8_t *swap_store;		/* slot contents, allocated at first use */
static uint64_t swap_nout, swap_nin;

void
swap_pager_init(vm_ooffset_t bytes)
{
	free(swap_bitmap);
	free(swap_store);
	swap_bitmap = NULL;
	swap_store = NULL;
	swap_nslots_n = (unsigned long)(bytes / PAGE_SIZE);
	KASSERT(swap_nslots_n <= UINT32_MAX, ("swap_pager_init: %lu slots",
	    swap_nslots_n));
	if (swap_nslots_n != 0 &&
	    (swap_bitmap = calloc((swap_nslots_n + 63) / 64, 8)) == NULL)
		panic("swap_pager_init: out of host memory");
	swap_used_n = 0;
	swap_hint = 0;
	swap_nout = swap_nin = 0;
	swap_set_total(ptoa((vm_ooffset_t)swap_nslots_n));
}

unsigned long
swap_pager_nslots(void)
{
	return (swap_nslots_n);
}

unsigned long
swap_pager_used(void)
{
	return (swap_used_n);
}

uint64_t
swap_pager_pageouts(void)
{
	return (swap_nout);
}

uint64_t
swap_pager_pageins(void)
{
	return (swap_nin);
}

static bool
swap_slot_busy(unsigned long slot)
{
	return ((swap_bitmap[slot / 64] >> (slot % 64)) & 1);
}

/* The lowest free slot, marked used; -1 when the device is full. */
static long
swap_slot_alloc(void)
{
	unsigned long w, slot;

	for (w = swap_hint / 64; w < (swap_nslots_n + 63) / 64; w++) {
		if (swap_bitmap[w] == UINT64_MAX)
			continue;
		slot = w * 64 + (unsigned long)__builtin_ctzll(~swap_bitmap[w]);
		if (slot >= swap_nslots_n)
			break;
		swap_bitmap[w] |= (uint64_t)1 << (slot % 64);
		swap_used_n++;
		swap_hint = slot + 1;
		return ((long)slot);
	}
	swap_hint = swap_nslots_n;
	return (-1);
}

static void
swap_slot_free(unsigned long slot)
{
	KASSERT(slot < swap_nslots_n && swap_slot_busy(slot),
	    ("swap_slot_free: slot %lu not in use", slot));
	swap_bitmap[slot / 64] &= ~((uint64_t)1 << (slot % 64));
	swap_used_n--;
	if (slot < swap_hint)
		swap_hint = slot;
}

static uint8_t *
swap_slot_ptr(unsigned long slot)
{
	if (swap_store == NULL &&
	    (swap_store = malloc((size_t)swap_nslots_n * PAGE_SIZE)) == NULL)
		panic("swap: no host memory for a %lu-page swap device",
		    swap_nslots_n);
	return (swap_store + (size_t)slot * PAGE_SIZE);
}

/* The index of the first entry of obj's map with pindex >= pindex. */
static size_t
swap_meta_search(const struct vm_object *obj, vm_pindex_t pindex)
{
	size_t lo = 0, hi = obj->swp_count, mid;

	while (lo < hi) {
		mid = (lo + hi) / 2;
		if (obj->swp[mid].pindex < pindex)
			lo = mid + 1;
		else
			hi = mid;
	}
	return (lo);
}

bool
swap_pager_has_page(struct vm_object *obj, vm_pindex_t pindex)
{
	size_t i;

	if (obj->swp_count == 0)
		return (false);
	i = swap_meta_search(obj, pindex);
	return (i < obj->swp_count && obj->swp[i].pindex == pindex);
}

long
swap_pager_take(struct vm_object *obj, vm_pindex_t pindex)
{
	size_t i;
	long slot;

	if (obj->swp_count == 0)
		return (-1);
	i = swap_meta_search(obj, pindex);
	if (i == obj->swp_count || obj->swp[i].pindex != pindex)
		return (-1);
	slot = obj->swp[i].slot;
	memmove(&obj->swp[i], &obj->swp[i + 1],
	    (obj->swp_count - i - 1) * sizeof(*obj->swp));
	obj->swp_count--;
	if (obj->swp_count == 0) {
		free(obj->swp);
		obj->swp = NULL;
		obj->swp_cap = 0;
	}
	return (slot);
}

void
swap_pager_give(struct vm_object *obj, vm_pindex_t pindex, long slot)
{
	size_t i;

	KASSERT(slot >= 0 && (unsigned long)slot < swap_nslots_n &&
	    swap_slot_busy((unsigned long)slot), ("swap_pager_give: slot %ld",
	    slot));
	i = swap_meta_search(obj, pindex);
	KASSERT(i == obj->swp_count || obj->swp[i].pindex != pindex,
	    ("swap_pager_give: object %llu page %llu already on swap",
	    (unsigned long long)obj->id, (unsigned long long)pindex));
	if (obj->swp_count == obj->swp_cap) {
		obj->swp_cap = obj->swp_cap == 0 ? 16 : 2 * obj->swp_cap;
		obj->swp = realloc(obj->swp, obj->swp_cap * sizeof(*obj->swp));
		if (obj->swp == NULL)
			panic("swap_pager_give: out of host memory");
	}
	memmove(&obj->swp[i + 1], &obj->swp[i],
	    (obj->swp_count - i) * sizeof(*obj->swp));
	obj->swp[i].pindex = pindex;
	obj->swp[i].slot = (uint32_t)slot;
	obj->swp_count++;
	if (obj->type == OBJT_DEFAULT)
		obj->type = OBJT_SWAP;
}

int
swap_pager_getpage(struct vm_object *obj, vm_pindex_t pindex, vm_page_t m)
{
	long slot;

	KASSERT(m->object == obj && m->pindex == pindex,
	    ("swap_pager_getpage: the page is not object %llu's page %llu",
	    (unsigned long long)obj->id, (unsigned long long)pindex));
	if ((slot = swap_pager_take(obj, pindex)) < 0)
		return (KERN_FAILURE);
	memcpy(vm_phys_dmap_ptr(VM_PAGE_TO_PHYS(m)),
	    swap_slot_ptr((unsigned long)slot), PAGE_SIZE);
	swap_slot_free((unsigned long)slot);
	m->valid = 1;
	vm_page_dirty(m);
	swap_nin++;
	return (KERN_SUCCESS);
}

long
swap_pager_putpage(vm_page_t m)
{
	struct vm_object *obj = m->object;
	long slot;

	KASSERT(obj != NULL && obj->vp == NULL &&
	    (obj->type == OBJT_DEFAULT || obj->type == OBJT_SWAP),
	    ("swap_pager_putpage: pa %#llx is not an anonymous page",
	    (unsigned long long)m->phys_addr));
	if (swap_nslots_n == 0 || (slot = swap_slot_alloc()) < 0)
		return (-1);
	memcpy(swap_slot_ptr((unsigned long)slot),
	    vm_phys_dmap_ptr(VM_PAGE_TO_PHYS(m)), PAGE_SIZE);
	swap_pager_give(obj, m->pindex, slot);
	swap_nout++;
	return (slot);
}

void
swap_pager_freespace(struct vm_object *obj, vm_pindex_t start, vm_pindex_t end)
{
	size_t i, j;

	if (obj->swp_count == 0)
		return;
	i = swap_meta_search(obj, start);
	for (j = i; j < obj->swp_count && (end == 0 || obj->swp[j].pindex < end);
	    j++)
		swap_slot_free(obj->swp[j].slot);
	memmove(&obj->swp[i], &obj->swp[j],
	    (obj->swp_count - j) * sizeof(*obj->swp));
	obj->swp_count -= j - i;
	if (obj->swp_count == 0) {
		free(obj->swp);
		obj->swp = NULL;
		obj->swp_cap = 0;
	}
}

unsigned long
swap_pager_count(const struct vm_object *obj)
{
	return (obj->swp_count);
}

const struct swap_meta *
swap_pager_ge(struct vm_object *obj, vm_pindex_t pindex)
{
	size_t i;

	if (obj->swp_count == 0)
		return (NULL);
	i = swap_meta_search(obj, pindex);
	return (i < obj->swp_count ? &obj->swp[i] : NULL);
}

int
swap_pager_check(char *msg, size_t msglen)
{
	struct vm_object *obj;
	uint64_t *seen;
	unsigned long nused, named;
	size_t i;
	int rv = -1;

	nused = 0;
	for (i = 0; i < swap_nslots_n; i++)
		if (swap_slot_busy(i))
			nused++;
	if (nused != swap_used_n) {
		snprintf(msg, msglen, "swap: %lu slots marked, count %lu", nused,
		    swap_used_n);
		return (-1);
	}
	seen = calloc((swap_nslots_n + 63) / 64 + 1, 8);
	if (seen == NULL)
		panic("swap_pager_check: out of host memory");
	named = 0;
	for (obj = vm_object_first(); obj != NULL; obj = vm_object_next(obj)) {
		if (obj->swp_count != 0 && (obj->vp != NULL ||
		    obj->type != OBJT_SWAP)) {
			snprintf(msg, msglen, "swap: object %llu (type %d) has "
			    "pages on swap", (unsigned long long)obj->id,
			    obj->type);
			goto out;
		}
		for (i = 0; i < obj->swp_count; i++) {
			const struct swap_meta *sm = &obj->swp[i];

			if ((i > 0 && obj->swp[i - 1].pindex >= sm->pindex) ||
			    sm->pindex >= obj->size || sm->slot >= swap_nslots_n ||
			    !swap_slot_busy(sm->slot) ||
			    ((seen[sm->slot / 64] >> (sm->slot % 64)) & 1) ||
			    vm_page_lookup(obj, sm->pindex) != NULL) {
				snprintf(msg, msglen, "swap: object %llu page %llu "
				    "slot %u: out of order, beyond the object, "
				    "free, named twice or also resident",
				    (unsigned long long)obj->id,
				    (unsigned long long)sm->pindex, sm->slot);
				goto out;
			}
			seen[sm->slot / 64] |= (uint64_t)1 << (sm->slot % 64);
			named++;
		}
	}
	if (named != swap_used_n) {
		snprintf(msg, msglen, "swap: %lu slots in use, objects name %lu",
		    swap_used_n, named);
		goto out;
	}
	rv = 0;
out:
	free(seen);
	return (rv);
}
