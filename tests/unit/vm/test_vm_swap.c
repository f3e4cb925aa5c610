/*
 * tests/unit/vm/test_vm_swap.c — swap accounting: swap_reserve and friends
 * under each overcommit mode (counting only; the global limit, with and
 * without the non-wired RAM; RLIMIT_SWAP per uid; uid 0 exempt; force),
 * and the charges the VM makes: the VM-SPEC scenario "non-root 10-page RW
 * anon mmap adds 40 KiB, munmap gives it back", refused charges as
 * KERN_RESOURCE_SHORTAGE from vm_map_insert and vm_map_protect, what is
 * and is not charged, the charge moving to the object (first fault,
 * copy-on-write shadow, clipping), shrinking with the object's tail, and
 * a writer paying for the copy of an uncharged private entry.
 */
#include <stdio.h>
#include <string.h>

#include "tests/tap.h"
#include "tests/unit/vm/vm_harness.h"
#include "vm/swap_pager.h"
#include "vm/ucred.h"
#include "vm/vm_object.h"

#define RW	(VM_PROT_READ | VM_PROT_WRITE)
#define UID	1000

static struct vm_map_entry *
entry_at(struct vm_map *map, vm_offset_t va)
{
	struct vm_map_entry *e;

	return (vm_map_lookup_entry(map, va, &e) ? e : NULL);
}

static void
test_reserve(void)
{
	struct ucred *u, *v, *root;
	struct vm_page_stats st;

	harness_boot(64);
	u = crget(UID);
	v = crget(UID + 1);
	root = crget(0);
	ok(swap_reserve_by_cred(ptoa(100), u) == 1 &&
	    swap_reserved() == ptoa(100) && swap_reserved_by_uid(UID) == ptoa(100),
	    "overcommit 0: any amount is granted, and counted");
	swap_release_by_cred(ptoa(100), u);
	ok(swap_reserved() == 0 && swap_reserved_by_uid(UID) == 0, "released");

	swap_set_total(ptoa(10));
	swap_set_overcommit(SWAP_RESERVE_FORCE_ON);
	ok(swap_reserve_by_cred(ptoa(8), u) == 1 &&
	    swap_reserve_by_cred(ptoa(3), v) == 0 &&
	    swap_reserved() == ptoa(8) && swap_reserved_by_uid(UID + 1) == 0 &&
	    swap_reserve_failures() == 1,
	    "global limit: 8 of 10 pages granted, 3 more refused (nothing counted)");
	ok(swap_reserve_by_cred(ptoa(3), root) == 1 &&
	    swap_reserved() == ptoa(11), "global limit: uid 0 is exempt");
	swap_release_by_cred(ptoa(3), root);
	swap_set_overcommit(SWAP_RESERVE_FORCE_ON | SWAP_RESERVE_ALLOW_NONWIRED);
	vm_page_stats(&st);
	ok(swap_reserve_by_cred(ptoa(3), v) == 1 &&
	    swap_reserve_by_cred(ptoa(10 + st.npages), v) == 0,
	    "global limit + non-wired RAM (%llu pages): 3 granted, too much not",
	    (unsigned long long)st.npages);
	swap_release_by_cred(ptoa(3), v);
	swap_reserve_force_by_cred(ptoa(50), v);
	ok(swap_reserved() == ptoa(58) && swap_reserved_by_uid(UID + 1) == ptoa(50),
	    "force: counted past every limit");
	swap_release_by_cred(ptoa(50), v);
	swap_release_by_cred(ptoa(8), u);

	swap_set_overcommit(SWAP_RESERVE_RLIMIT_ON);
	u->swap_limit = ptoa(5);
	ok(swap_reserve_by_cred(ptoa(4), u) == 1 &&
	    swap_reserve_by_cred(ptoa(2), u) == 0 &&
	    swap_reserve_by_cred(ptoa(20), v) == 1 &&
	    swap_reserved() == ptoa(24) && swap_reserved_by_uid(UID) == ptoa(4),
	    "RLIMIT_SWAP: uid %u limited to 5 pages, another uid not", UID);
	root->swap_limit = 0;
	ok(swap_reserve_by_cred(ptoa(1), root) == 1, "RLIMIT_SWAP: uid 0 exempt");
	ucred_set_current(u);
	ok(swap_reserve(ptoa(1)) == 1 && swap_reserve(ptoa(1)) == 0 &&
	    swap_reserved_by_uid(UID) == ptoa(5),
	    "swap_reserve charges the current credential");
	swap_release(ptoa(5));
	ucred_set_current(NULL);
	swap_release_by_cred(ptoa(20), v);
	swap_release_by_cred(ptoa(1), root);
	ok(swap_reserved() == 0, "all released");
	crfree(u);
	crfree(v);
	crfree(root);
	ok(ucred_count() == 0, "credentials freed");
}

/* VM-SPEC: non-root 10-page RW anon mmap adds 40 KiB, munmap gives it
 * back. */
static void
test_mmap_charge(void)
{
	struct ucred *u;
	struct vm_map *map;
	struct vm_map_entry *e;
	vm_ooffset_t before;

	harness_boot(128);
	u = crget(UID);
	ucred_set_current(u);
	map = harness_proc();
	before = swap_reserved_by_uid(UID);
	ok(vm_map_insert(map, NULL, 0, HP(0), HP(10), RW, VM_PROT_ALL, 0) ==
	    KERN_SUCCESS && swap_reserved_by_uid(UID) - before == 40 * 1024 &&
	    swap_reserved() == 40 * 1024,
	    "10-page RW anonymous mapping by uid %u: +40 KiB", UID);
	e = entry_at(map, HP(0));
	ok(e->cred == u && u->refs == 2, "the entry holds the credential");
	vm_map_remove(map, HP(0), HP(10));
	ok(swap_reserved_by_uid(UID) == before && swap_reserved() == 0 &&
	    u->refs == 1, "munmap gives it back");

	/* The same after a fault moved the charge into the object. */
	vm_map_insert(map, NULL, 0, HP(0), HP(10), RW, VM_PROT_ALL, 0);
	harness_access(map, HP(3), true, 1, NULL);
	e = entry_at(map, HP(0));
	ok(e->cred == NULL && e->object->cred == u &&
	    e->object->charge == ptoa(10) && swap_reserved() == ptoa(10),
	    "first fault: the charge moves to the new object");
	/* Clipping: unmap the tail 4 pages, then the head 2. */
	vm_map_remove(map, HP(6), HP(10));
	e = entry_at(map, HP(0));
	ok(e->object->charge == ptoa(6) && swap_reserved() == ptoa(6),
	    "unmapping the object's tail shrinks its charge to 6 pages");
	vm_map_remove(map, HP(0), HP(2));
	ok(swap_reserved() == ptoa(6), "unmapping its head does not");
	vm_map_remove(map, HP(2), HP(6));
	ok(swap_reserved() == 0 && vm_object_count() == 0, "the rest: all back");

	/* Clipping an entry without an object gives the object the charge. */
	vm_map_insert(map, NULL, 0, HP(0), HP(8), RW, VM_PROT_ALL, 0);
	vm_map_protect(map, HP(2), HP(4), VM_PROT_READ, false);
	e = entry_at(map, HP(0));
	ok(e->object != NULL && e->object->charge == ptoa(8) && e->cred == NULL &&
	    entry_at(map, HP(2))->cred == NULL && swap_reserved() == ptoa(8),
	    "clip: the object made for the split carries the whole charge");
	vm_map_remove(map, HP(0), HP(8));
	ok(swap_reserved() == 0, "clip: released with the object");

	/* What is not charged. */
	vm_map_insert(map, NULL, 0, HP(0), HP(4), VM_PROT_READ, VM_PROT_ALL, 0);
	vm_map_insert(map, NULL, 0, HP(4), HP(8), RW, VM_PROT_ALL,
	    MAP_ACC_NO_CHARGE);
	ok(swap_reserved() == 0, "a read-only or NO_CHARGE mapping is not charged");
	ok(vm_map_protect(map, HP(0), HP(4), RW, false) == KERN_SUCCESS &&
	    swap_reserved() == ptoa(4) && entry_at(map, HP(0))->cred == u,
	    "mprotect RW of an uncharged private entry charges it");
	ok(vm_map_protect(map, HP(0), HP(4), VM_PROT_READ, false) == KERN_SUCCESS &&
	    vm_map_protect(map, HP(0), HP(4), RW, false) == KERN_SUCCESS &&
	    swap_reserved() == ptoa(4), "... once");
	vm_map_remove(map, HP(0), HP(8));
	ok(swap_reserved() == 0, "released");

	harness_exit(map);
	ucred_set_current(NULL);
	crfree(u);
}

static void
vp_release(struct vnode *vp)
{
	(void)vp;
}

static void
test_refused(void)
{
	static uint8_t data[4 * PAGE_SIZE];
	struct vnode vn;
	struct ucred *u, *dbg;
	struct vm_map *map;
	struct vm_map_entry *e;
	struct vm_object *obj;

	harness_boot(128);
	u = crget(UID);
	ucred_set_current(u);
	map = harness_proc();
	swap_set_total(ptoa(6));
	swap_set_overcommit(SWAP_RESERVE_FORCE_ON);
	ok(vm_map_insert(map, NULL, 0, HP(0), HP(4), RW, VM_PROT_ALL, 0) ==
	    KERN_SUCCESS && vm_map_insert(map, NULL, 0, HP(10), HP(13), RW,
	    VM_PROT_ALL, 0) == KERN_RESOURCE_SHORTAGE &&
	    entry_at(map, HP(10)) == NULL && swap_reserved() == ptoa(4),
	    "insert: a charge over the limit is KERN_RESOURCE_SHORTAGE, no entry");
	vm_map_insert(map, NULL, 0, HP(10), HP(13), VM_PROT_READ, VM_PROT_ALL, 0);
	ok(vm_map_protect(map, HP(10), HP(13), RW, false) ==
	    KERN_RESOURCE_SHORTAGE &&
	    entry_at(map, HP(10))->protection == VM_PROT_READ &&
	    swap_reserved() == ptoa(4),
	    "protect: the same, protection unchanged");
	/* Part of it: the clip gives the entry an object, and an object is
	 * charged whole (FreeBSD: clipped parts cannot be told apart). */
	ok(vm_map_protect(map, HP(10), HP(12), RW, false) ==
	    KERN_RESOURCE_SHORTAGE, "protect: 2 of its pages charge its whole "
	    "3-page object: still too much");
	swap_set_total(ptoa(7));
	ok(vm_map_protect(map, HP(10), HP(12), RW, false) == KERN_SUCCESS &&
	    swap_reserved() == ptoa(7) &&
	    entry_at(map, HP(10))->object->charge == ptoa(3),
	    "protect: with room the object is charged 3 pages");

	/* Files: a shared writable mapping is not charged; a private one is,
	 * and its charge moves to the shadow at the first write. */
	memset(&vn, 0, sizeof(vn));
	memset(data, 'f', sizeof(data));
	vn.data = data;
	vn.size = sizeof(data);
	vn.refs = 1;
	vn.release = vp_release;
	swap_set_overcommit(0);
	obj = vnode_object_for(&vn);
	ok(vm_map_insert(map, obj, 0, HP(20), HP(24), RW, VM_PROT_ALL, 0) ==
	    KERN_SUCCESS && swap_reserved() == ptoa(7),
	    "shared writable file mapping: no charge");
	obj = vnode_object_for(&vn);
	ok(vm_map_insert(map, obj, 0, HP(30), HP(34), RW, VM_PROT_ALL,
	    MAP_COPY_ON_WRITE) == KERN_SUCCESS && swap_reserved() == ptoa(11),
	    "private writable file mapping: charged 4 pages");
	harness_access(map, HP(31), true, 'w', NULL);
	e = entry_at(map, HP(30));
	ok(e->cred == NULL && e->object != obj && e->object->cred == u &&
	    e->object->charge == ptoa(4) && swap_reserved() == ptoa(11) &&
	    data[PAGE_SIZE] == 'f',
	    "private file write: the shadow takes the entry's charge");

	/* A writer (a debugger) pays for the copy of an uncharged entry. */
	obj = vnode_object_for(&vn);
	vm_map_insert(map, obj, 0, HP(40), HP(42), RW, VM_PROT_ALL,
	    MAP_COPY_ON_WRITE | MAP_ACC_NO_CHARGE);
	dbg = crget(UID + 7);
	ucred_set_current(dbg);
	harness_access(map, HP(40), true, 'd', NULL);
	e = entry_at(map, HP(40));
	ok(swap_reserved_by_uid(UID + 7) == ptoa(2) && e->object->cred == dbg,
	    "the writer's credential is charged for the copy");
	ucred_set_current(u);
	ok(harness_checks(&map, 1), "consistent");
	harness_exit(map);
	ok(swap_reserved() == 0 && vn.object == NULL && vm_object_count() == 0,
	    "all released");
	ucred_set_current(NULL);
	crfree(dbg);
	crfree(u);
	ok(ucred_count() == 0, "no credential leaked");
}

int
main(void)
{
	test_reserve();
	test_mmap_charge();
	test_refused();
	return (tap_done());
}
