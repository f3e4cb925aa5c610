/*
 * tests/unit/vm/test_vm_wire.c — wiring and holding: vm_map_wire/unwire
 * (user wiring once per entry, system wiring stacking, holes with and
 * without HOLESOK, clipping, undo on a failed fault), vslock/vsunlock and
 * the VM-SPEC scenario "vslock and mlock one range, munlock it: still
 * wired until vsunlock", vm_fault_quick_hold_pages ("3 pages, middle
 * unmapped -> -1 and all hold counts back to 0"), vm_map_protect of an
 * mlocked private mapping ("pages copied, still wired, no later write
 * fault"), wired entries unmapped, unwiring after the mappings were
 * removed, and the growable stack.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "tests/tap.h"
#include "tests/unit/vm/vm_harness.h"
#include "vm/swap_pager.h"
#include "vm/vm_extern.h"
#include "vm/vm_fault.h"
#include "vm/vm_object.h"

#define RW	(VM_PROT_READ | VM_PROT_WRITE)

static struct vm_map_entry *
entry_at(struct vm_map *map, vm_offset_t va)
{
	struct vm_map_entry *e;

	return (vm_map_lookup_entry(map, va, &e) ? e : NULL);
}

/* Every page of [s, e) mapped, wired in the pmap and wired n times. */
static int
range_wired(struct vm_map *map, vm_offset_t s, vm_offset_t e, int n)
{
	vm_offset_t va;
	vm_page_t m;
	bool wired;

	for (va = s; va < e; va += PAGE_SIZE) {
		m = fake_pmap_lookup(map->pmap, va, NULL, &wired);
		if (n == 0) {
			if (m != NULL && (wired || m->wire_count != 0))
				return (0);
			continue;
		}
		if (m == NULL || !wired || m->wire_count != n)
			return (0);
	}
	return (1);
}

static uint64_t
nfaults(void)
{
	const struct vm_fault_stats *s = vm_fault_stats();

	return (s->zero_fill + s->file + s->cow_copy + s->cow_reuse + s->soft +
	    s->failed);
}

static void
test_user_system(void)
{
	struct vm_map *map;
	struct vm_map_entry *e;
	struct vm_page_stats st;

	harness_boot(128);
	map = harness_proc();
	vm_map_insert(map, NULL, 0, HP(0), HP(4), RW, VM_PROT_ALL, 0);
	ok(vm_map_wire(map, HP(0), HP(4), VM_MAP_WIRE_USER) == KERN_SUCCESS &&
	    vm_map_wire(map, HP(0), HP(4), VM_MAP_WIRE_USER) == KERN_SUCCESS,
	    "wire: USER twice");
	e = entry_at(map, HP(0));
	vm_page_stats(&st);
	ok(e->wired_count == 1 && (e->eflags & MAP_ENTRY_USER_WIRED) != 0 &&
	    range_wired(map, HP(0), HP(4), 1) && st.wired == 4 &&
	    pmap_wired_count(map->pmap) == 4,
	    "wire: user wiring counts once; 4 pages faulted in and wired");
	vm_map_wire(map, HP(0), HP(4), VM_MAP_WIRE_SYSTEM);
	vm_map_wire(map, HP(0), HP(4), VM_MAP_WIRE_SYSTEM);
	ok(e->wired_count == 3 && range_wired(map, HP(0), HP(4), 1),
	    "wire: system wirings stack on the entry (pages wired once)");
	ok(vm_map_unwire(map, HP(0), HP(4), VM_MAP_WIRE_USER) == KERN_SUCCESS &&
	    e->wired_count == 2 && (e->eflags & MAP_ENTRY_USER_WIRED) == 0,
	    "unwire: USER drops the user wiring");
	ok(vm_map_unwire(map, HP(0), HP(4), VM_MAP_WIRE_USER) ==
	    KERN_INVALID_ARGUMENT && e->wired_count == 2,
	    "unwire: USER again is KERN_INVALID_ARGUMENT, nothing changes");
	ok(vm_map_unwire(map, HP(0), HP(4), VM_MAP_WIRE_USER |
	    VM_MAP_WIRE_HOLESOK) == KERN_SUCCESS && e->wired_count == 2,
	    "unwire: ... and skipped with HOLESOK");
	vm_map_unwire(map, HP(0), HP(4), VM_MAP_WIRE_SYSTEM);
	ok(e->wired_count == 1 && range_wired(map, HP(0), HP(4), 1),
	    "unwire: one SYSTEM unwiring leaves the other");
	vm_map_unwire(map, HP(0), HP(4), VM_MAP_WIRE_SYSTEM);
	vm_page_stats(&st);
	ok(e->wired_count == 0 && range_wired(map, HP(0), HP(4), 0) &&
	    st.wired == 0 && st.active == 4 && pmap_wired_count(map->pmap) == 0,
	    "unwire: the last one unwires the pages (to the active queue) and "
	    "the mappings");
	ok(vm_map_unwire(map, HP(0), HP(4), VM_MAP_WIRE_SYSTEM) ==
	    KERN_INVALID_ARGUMENT, "unwire: unwired entry is an error");
	/* Clipping: wire the middle of a 6-page entry. */
	vm_map_insert(map, NULL, 0, HP(10), HP(16), RW, VM_PROT_ALL, 0);
	ok(vm_map_wire(map, HP(12), HP(14), VM_MAP_WIRE_USER) == KERN_SUCCESS &&
	    entry_at(map, HP(12))->start == HP(12) &&
	    entry_at(map, HP(12))->end == HP(14) &&
	    entry_at(map, HP(10))->wired_count == 0 &&
	    entry_at(map, HP(14))->wired_count == 0 &&
	    range_wired(map, HP(12), HP(14), 1) &&
	    fake_pmap_lookup(map->pmap, HP(11), NULL, NULL) == NULL,
	    "wire: the range is clipped out; only its pages are faulted in");
	ok(harness_checks(&map, 1), "wire: consistent");
	harness_exit(map);
	vm_page_stats(&st);
	ok(st.wired == 0 && vm_object_count() == 0,
	    "wire: exit unwires and frees the wired entry");
}

static void
test_holes(void)
{
	struct vm_map *map;
	struct vm_map_entry *a, *b;

	harness_boot(128);
	map = harness_proc();
	vm_map_insert(map, NULL, 0, HP(0), HP(2), RW, VM_PROT_ALL, 0);
	vm_map_insert(map, NULL, 0, HP(3), HP(5), RW, VM_PROT_ALL, 0);
	a = entry_at(map, HP(0));
	b = entry_at(map, HP(3));
	ok(vm_map_wire(map, HP(0), HP(5), VM_MAP_WIRE_USER) ==
	    KERN_INVALID_ADDRESS && a->wired_count == 0 && b->wired_count == 0 &&
	    fake_pmap_count(map->pmap) == 0,
	    "holes: wiring across a hole fails, nothing wired or faulted");
	ok(vm_map_wire(map, HP(0), HP(5), VM_MAP_WIRE_SYSTEM |
	    VM_MAP_WIRE_HOLESOK) == KERN_SUCCESS && a->wired_count == 1 &&
	    b->wired_count == 1 && range_wired(map, HP(3), HP(5), 1),
	    "holes: with HOLESOK both entries are wired");
	ok(vm_map_unwire(map, HP(0), HP(5), VM_MAP_WIRE_SYSTEM) ==
	    KERN_INVALID_ADDRESS && a->wired_count == 1 && b->wired_count == 1,
	    "holes: unwiring across the hole fails and changes nothing");
	ok(vm_map_unwire(map, HP(0), HP(5), VM_MAP_WIRE_SYSTEM |
	    VM_MAP_WIRE_HOLESOK) == KERN_SUCCESS && a->wired_count == 0 &&
	    b->wired_count == 0 && range_wired(map, HP(0), HP(5), 0),
	    "holes: with HOLESOK it unwires both");
	/* An entry without access cannot be wired. */
	vm_map_insert(map, NULL, 0, HP(6), HP(7), VM_PROT_NONE, VM_PROT_ALL, 0);
	ok(vm_map_wire(map, HP(3), HP(7), VM_MAP_WIRE_USER) ==
	    KERN_INVALID_ADDRESS && b->wired_count == 0,
	    "holes: a PROT_NONE entry counts as a hole");
	ok(harness_checks(&map, 1), "holes: consistent");
	harness_exit(map);
}

static void
vp_release(struct vnode *vp)
{
	(void)vp;
}

static void
test_wire_failure(void)
{
	static uint8_t data[PAGE_SIZE];
	struct vnode vn;
	struct vm_map *map;
	struct vm_object *obj;
	struct vm_page_stats st;

	harness_boot(128);
	memset(&vn, 0, sizeof(vn));
	memset(data, 'F', sizeof(data));
	vn.data = data;
	vn.size = sizeof(data);
	vn.refs = 1;
	vn.release = vp_release;
	snprintf(vn.name, sizeof(vn.name), "/file");
	map = harness_proc();
	obj = vnode_object_for(&vn);
	/* Three pages of a one-page file: pages 1 and 2 are beyond EOF. */
	vm_map_insert(map, obj, 0, HP(0), HP(3), VM_PROT_READ, VM_PROT_READ, 0);
	ok(vm_map_wire(map, HP(0), HP(3), VM_MAP_WIRE_USER) == KERN_FAILURE &&
	    entry_at(map, HP(0))->wired_count == 0 &&
	    (entry_at(map, HP(0))->eflags & MAP_ENTRY_USER_WIRED) == 0,
	    "wire failure: the pager error is returned, the entry unwired");
	vm_page_stats(&st);
	ok(st.wired == 0 && pmap_wired_count(map->pmap) == 0 &&
	    range_wired(map, HP(0), HP(1), 0),
	    "wire failure: the page wired before the failure is unwired again");
	ok(harness_checks(&map, 1), "wire failure: consistent");
	harness_exit(map);
	ok(vn.refs == 1 && vn.object == NULL, "wire failure: vnode released");
}

/* VM-SPEC: vslock and mlock one range, munlock it: still wired until
 * vsunlock. */
static void
test_vslock(void)
{
	struct vm_map *map;
	struct vm_map_entry *e;
	struct vm_limits lim;

	harness_boot(128);
	vm_limits_init(ptoa(harness_nfree()), &lim);
	ok(lim.memlock.cur == ptoa(harness_nfree()) / 3 &&
	    vm_page_max_wired() == harness_nfree() / 3 &&
	    lim.stack.cur == VM_DFLSSIZ,
	    "limits: RLIMIT_MEMLOCK and the wired cap are a third of free memory");
	map = harness_proc();
	vm_map_insert(map, NULL, 0, HP(0), HP(4), RW, VM_PROT_ALL, 0);
	ok(vslock(map, HP(1), 2 * PAGE_SIZE, lim.memlock.cur) == 0,
	    "vslock: 0");
	ok(vm_map_wire(map, HP(1), HP(3), VM_MAP_WIRE_USER) == KERN_SUCCESS,
	    "mlock the same range");
	e = entry_at(map, HP(1));
	ok(e->wired_count == 2 && range_wired(map, HP(1), HP(3), 1),
	    "both wirings counted on the entry");
	ok(vm_map_unwire(map, HP(1), HP(3), VM_MAP_WIRE_USER) == KERN_SUCCESS &&
	    e->wired_count == 1 && range_wired(map, HP(1), HP(3), 1),
	    "munlock: the pages are still wired (vslock's wiring)");
	ok(vsunlock(map, HP(1), 2 * PAGE_SIZE) == 0 && e->wired_count == 0 &&
	    range_wired(map, HP(1), HP(3), 0), "vsunlock: now unwired");
	ok(vsunlock(map, HP(1), 2 * PAGE_SIZE) == EINVAL,
	    "vsunlock of an unwired range: EINVAL");
	ok(vslock(map, HP(1), (vm_size_t)0 - HP(1) + 10, lim.memlock.cur) ==
	    EINVAL, "vslock: a wrapping range is EINVAL");
	ok(vslock(map, HP(3), 2 * PAGE_SIZE, lim.memlock.cur) == EFAULT &&
	    entry_at(map, HP(3))->wired_count == 0,
	    "vslock: a range running off the mapping is EFAULT, nothing wired");
	ok(vslock(map, HP(0), 4 * PAGE_SIZE, 3 * PAGE_SIZE) == ENOMEM,
	    "vslock: over RLIMIT_MEMLOCK is ENOMEM");
	vm_limits_init(ptoa(6), NULL);		/* cap: 2 pages */
	ok(vslock(map, HP(0), 3 * PAGE_SIZE, lim.memlock.cur) == ENOMEM &&
	    vslock(map, HP(0), 2 * PAGE_SIZE, lim.memlock.cur) == 0,
	    "vslock: over the system wired cap is ENOMEM");
	vsunlock(map, HP(0), 2 * PAGE_SIZE);
	ok(harness_checks(&map, 1), "vslock: consistent");
	harness_exit(map);
}

/* VM-SPEC: 3 pages, middle unmapped -> -1 and all hold counts back to 0. */
static void
test_quick_hold(void)
{
	struct vm_map *map;
	vm_page_t ma[8], m0, m2;
	int n, i, good;

	harness_boot(128);
	map = harness_proc();
	vm_map_insert(map, NULL, 0, HP(0), HP(1), RW, VM_PROT_ALL, 0);
	vm_map_insert(map, NULL, 0, HP(2), HP(3), RW, VM_PROT_ALL, 0);
	harness_access(map, HP(0), true, 1, NULL);
	memset(ma, 0, sizeof(ma));
	n = vm_fault_quick_hold_pages(map, HP(0), 3 * PAGE_SIZE, VM_PROT_READ,
	    ma, 8);
	m0 = fake_pmap_lookup(map->pmap, HP(0), NULL, NULL);
	m2 = fake_pmap_lookup(map->pmap, HP(2), NULL, NULL);
	ok(n == -1 && m0 != NULL && m0->hold_count == 0 &&
	    (m2 == NULL || m2->hold_count == 0),
	    "quick_hold: middle page unmapped -> -1, no page left held");
	vm_map_insert(map, NULL, 0, HP(1), HP(2), VM_PROT_READ, VM_PROT_ALL, 0);
	n = vm_fault_quick_hold_pages(map, HP(0) + 100, 3 * PAGE_SIZE - 200,
	    VM_PROT_READ, ma, 8);
	good = n == 3;
	for (i = 0; i < 3 && good; i++)
		good = ma[i] != NULL && ma[i]->hold_count == 1 &&
		    fake_pmap_lookup(map->pmap, HP(i), NULL, NULL) == ma[i];
	ok(good, "quick_hold: 3 pages held (faulting the unmapped two in)");
	vm_page_unhold_pages(ma, 3);
	ok(vm_fault_quick_hold_pages(map, HP(0), 3 * PAGE_SIZE, RW, ma, 8) == -1 &&
	    m0->hold_count == 0,
	    "quick_hold: write access to a read-only page -> -1, holds undone");
	m0->dirty = 0;
	ok(vm_fault_quick_hold_pages(map, HP(0), PAGE_SIZE, RW, ma, 8) == 1 &&
	    ma[0] == m0 && m0->dirty && m0->hold_count == 1,
	    "quick_hold: write access dirties the held page");
	vm_page_unhold(m0);
	ok(vm_fault_quick_hold_pages(map, HP(0), 3 * PAGE_SIZE, VM_PROT_READ, ma,
	    2) == -1 && vm_fault_quick_hold_pages(map, HP(0), 0, VM_PROT_READ,
	    ma, 2) == 0 && vm_fault_quick_hold_pages(map, HARNESS_MAX - PAGE_SIZE,
	    2 * PAGE_SIZE, VM_PROT_READ, ma, 8) == -1,
	    "quick_hold: more than max_count -> -1; len 0 -> 0; off the map -> -1");
	/* A held page unmapped reaches the free list at the unhold. */
	n = vm_fault_quick_hold_pages(map, HP(2), PAGE_SIZE, VM_PROT_READ, ma, 8);
	vm_map_remove(map, HP(2), HP(3));
	ok(n == 1 && ma[0]->queue == PQ_HOLD, "hold, munmap: on the hold queue");
	vm_page_unhold(ma[0]);
	ok(ma[0]->queue == PQ_FREE, "unhold: free");
	ok(harness_checks(&map, 1), "quick_hold: consistent");
	harness_exit(map);
}

/* VM-SPEC: mlock a read-only private mapping, mprotect it RW: pages
 * copied, still wired, no later write fault. */
static void
test_protect_wired(void)
{
	static uint8_t data[2 * PAGE_SIZE];
	struct vnode vn;
	struct vm_map *map, *child, *maps[2];
	struct vm_map_entry *e;
	struct vm_object *obj;
	vm_page_t filepg[2], m;
	vm_ooffset_t charge;
	uint64_t f0;
	bool wired;
	vm_prot_t prot;
	int i, good;

	harness_boot(128);
	memset(&vn, 0, sizeof(vn));
	memset(data, 'D', sizeof(data));
	vn.data = data;
	vn.size = sizeof(data);
	vn.refs = 1;
	vn.release = vp_release;
	map = harness_proc();
	obj = vnode_object_for(&vn);
	vm_map_insert(map, obj, 0, HP(0), HP(2), VM_PROT_READ, VM_PROT_ALL,
	    MAP_COPY_ON_WRITE);
	ok(swap_reserved() == 0 && entry_at(map, HP(0))->cred == NULL,
	    "protect wired: a read-only private file mapping is not charged");
	vm_map_wire(map, HP(0), HP(2), VM_MAP_WIRE_USER);
	for (i = 0; i < 2; i++)
		filepg[i] = vm_page_lookup(obj, i);
	ok(filepg[0] != NULL && filepg[0]->wire_count == 1 &&
	    filepg[1]->wire_count == 1, "protect wired: mlock wires the file pages");
	ok(vm_map_protect(map, HP(0), HP(2), RW, false) == KERN_SUCCESS,
	    "protect wired: mprotect RW");
	e = entry_at(map, HP(0));
	good = e->object != obj && e->object->type == OBJT_DEFAULT &&
	    e->object->backing_object == NULL &&
	    (e->eflags & (MAP_ENTRY_COW | MAP_ENTRY_NEEDS_COPY)) == 0 &&
	    e->wired_count == 1 && e->object->cred != NULL &&
	    e->object->charge == ptoa(2) && swap_reserved() == ptoa(2);
	for (i = 0; i < 2; i++) {
		m = fake_pmap_lookup(map->pmap, HP(i), &prot, &wired);
		good &= m != NULL && m != filepg[i] && m->object == e->object &&
		    m->wire_count == 1 && wired && (prot & VM_PROT_WRITE) != 0 &&
		    filepg[i]->wire_count == 0 &&
		    memcmp(vm_phys_dmap_ptr(m->phys_addr), data, PAGE_SIZE) == 0;
	}
	ok(good, "protect wired: pages copied into a private charged object, "
	    "wired and mapped writable; the file pages unwired");
	f0 = nfaults();
	harness_access(map, HP(0), true, 'X', NULL);
	harness_access(map, HP(1), true, 'Y', NULL);
	ok(nfaults() == f0 && data[0] == 'D' &&
	    harness_access(map, HP(0), false, 0, NULL) == 'X',
	    "protect wired: no later write fault; the file is unchanged");
	ok(harness_checks(&map, 1), "protect wired: consistent");
	harness_exit(map);
	ok(swap_reserved() == 0 && vm_object_count() == 0 && vn.object == NULL,
	    "protect wired: all released");

	/* The in-place case: the entry has its own shadow already (one page
	 * written after a fork); only the page still seen below is copied. */
	map = harness_proc();
	vm_map_insert(map, NULL, 0, HP(0), HP(2), RW, VM_PROT_ALL, 0);
	harness_access(map, HP(0), true, 1, NULL);
	harness_access(map, HP(1), true, 2, NULL);
	child = harness_proc();
	charge = 0;
	vm_map_fork(child, map, &charge);
	swap_reserve(charge);
	harness_access(map, HP(0), true, 3, NULL);	/* shadow, page 0 copied */
	vm_map_protect(map, HP(0), HP(2), VM_PROT_READ, false);
	vm_map_wire(map, HP(0), HP(2), VM_MAP_WIRE_USER);
	e = entry_at(map, HP(0));
	filepg[1] = fake_pmap_lookup(map->pmap, HP(1), NULL, NULL);
	ok(filepg[1] != NULL && filepg[1]->object == e->object->backing_object &&
	    filepg[1]->wire_count == 1,
	    "in place: the wired read-only entry shows page 1 from below");
	ok(vm_map_protect(map, HP(0), HP(2), RW, false) == KERN_SUCCESS &&
	    (e->eflags & MAP_ENTRY_COW) == 0 && filepg[1]->wire_count == 0,
	    "in place: mprotect RW copies page 1 up, unwires the original");
	m = fake_pmap_lookup(map->pmap, HP(1), &prot, &wired);
	f0 = nfaults();
	harness_access(map, HP(1), true, 4, NULL);
	ok(m != filepg[1] && m->object == e->object && m->wire_count == 1 &&
	    wired && nfaults() == f0 &&
	    harness_access(child, HP(1), false, 0, NULL) == 2 &&
	    harness_access(child, HP(0), false, 0, NULL) == 1,
	    "in place: wired private copy, no write fault, the child unaffected");
	maps[0] = map;
	maps[1] = child;
	ok(harness_checks(maps, 2), "in place: consistent");
	harness_exit(child);
	harness_exit(map);
	ok(swap_reserved() == 0 && vm_object_count() == 0, "in place: released");
}

static void
test_unwire_unmapped(void)
{
	struct vm_map *map;
	struct vm_page_stats st;
	unsigned long free0;

	harness_boot(128);
	free0 = harness_nfree();
	map = harness_proc();
	vm_map_insert(map, NULL, 0, HP(0), HP(3), RW, VM_PROT_ALL, 0);
	vm_map_wire(map, HP(0), HP(3), VM_MAP_WIRE_USER);
	vm_map_protect(map, HP(0), HP(3), VM_PROT_NONE, false);
	ok(fake_pmap_count(map->pmap) == 0, "PROT_NONE removed the wired mappings");
	ok(vm_map_unwire(map, HP(0), HP(3), VM_MAP_WIRE_USER) == KERN_SUCCESS,
	    "munlock");
	vm_page_stats(&st);
	ok(st.wired == 0, "the pages were found through the object and unwired");
	vm_map_protect(map, HP(0), HP(3), RW, false);
	vm_map_wire(map, HP(0), HP(3), VM_MAP_WIRE_USER);
	vm_map_remove(map, HP(0), HP(3));
	vm_page_stats(&st);
	ok(st.wired == 0 && harness_nfree() == free0 && vm_object_count() == 0,
	    "munmap of an mlocked range unwires and frees it");
	harness_exit(map);
}

static void
test_growstack(void)
{
	struct vm_map *map;
	struct vm_map_entry *e, *top;
	int rv;

	harness_boot(256);
	map = harness_proc();
	ok(vm_map_stack(map, HP(100), ptoa(64), ptoa(4), RW, VM_PROT_ALL, 0) ==
	    KERN_SUCCESS, "stack: reserve 64 pages, map the top 4");
	top = entry_at(map, HP(160));
	ok(top != NULL && top->start == HP(160) && top->end == HP(164) &&
	    (top->eflags & MAP_ENTRY_GROWS_DOWN) && top->avail_ssize == ptoa(60),
	    "stack: a GROWS_DOWN entry with 60 pages of room");
	ok(vm_map_stack(map, HP(150), ptoa(20), ptoa(4), RW, VM_PROT_ALL, 0) ==
	    KERN_NO_SPACE && vm_map_stack(map, HP(0), ptoa(4), ptoa(8), RW,
	    VM_PROT_ALL, 0) == KERN_NO_SPACE,
	    "stack: a reservation over an entry, or larger initial than maximum "
	    "size, is refused");
	ok(harness_access(map, HP(159), true, 1, &rv) == -1 &&
	    rv == KERN_INVALID_ADDRESS, "stack: a fault below it misses");
	ok(vm_map_growstack(map, HP(159), ptoa(1000)) == KERN_SUCCESS,
	    "stack: growstack");
	e = entry_at(map, HP(159));
	ok(e != NULL && e->start == HP(128) && e->end == HP(160) &&
	    (e->eflags & MAP_ENTRY_GROWS_DOWN) && e->avail_ssize == ptoa(28) &&
	    (top->eflags & MAP_ENTRY_GROWS_DOWN) == 0 && top->avail_ssize == 0,
	    "stack: grown by 128 KiB (32 pages) as a new GROWS_DOWN entry");
	ok(harness_access(map, HP(159), true, 1, &rv) == 1,
	    "stack: the retried fault succeeds");
	ok(vm_map_growstack(map, HP(161), ptoa(1000)) == KERN_SUCCESS,
	    "stack: an address already mapped is success");
	ok(vm_map_growstack(map, HP(99), ptoa(1000)) == KERN_INVALID_ADDRESS &&
	    vm_map_growstack(map, HP(200), ptoa(1000)) == KERN_INVALID_ADDRESS,
	    "stack: below the reservation or above any stack: not a stack fault");
	ok(vm_map_growstack(map, HP(101), ptoa(40)) == KERN_NO_SPACE &&
	    entry_at(map, HP(127)) == NULL,
	    "stack: beyond RLIMIT_STACK (40 pages) is refused");
	vm_map_insert(map, NULL, 0, HP(110), HP(112), RW, VM_PROT_ALL, 0);
	ok(vm_map_growstack(map, HP(115), ptoa(1000)) == KERN_SUCCESS &&
	    entry_at(map, HP(115))->start == HP(112),
	    "stack: growth stops at an entry in the way");
	ok(vm_map_growstack(map, HP(109), ptoa(1000)) == KERN_INVALID_ADDRESS,
	    "stack: below that entry is not in the stack's room any more");
	map->flags |= MAP_WIREFUTURE;
	vm_map_remove(map, HP(110), HP(112));
	ok(vm_map_growstack(map, HP(111), ptoa(1000)) == KERN_SUCCESS &&
	    entry_at(map, HP(111))->wired_count == 1 &&
	    range_wired(map, entry_at(map, HP(111))->start, HP(112), 1),
	    "stack: with MAP_WIREFUTURE the new part is wired");
	ok(harness_checks(&map, 1), "stack: consistent");
	harness_exit(map);
}

int
main(void)
{
	test_user_system();
	test_holes();
	test_wire_failure();
	test_vslock();
	test_quick_hold();
	test_protect_wired();
	test_unwire_unmapped();
	test_growstack();
	return (tap_done());
}
