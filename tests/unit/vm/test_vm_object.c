/*
 * tests/unit/vm/test_vm_object.c — vm_object: the page splay tree against
 * a plain array on seeded random operations, shadow chains and their
 * references, deallocation freeing pages, page-range removal, memattr,
 * the vnode pager (contents, zero beyond EOF, one object per vnode) and
 * vm_object_describe.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim/base/prng.h"
#include "tests/tap.h"
#include "tests/unit/vm/fake_pmap.h"
#include "vm/vm_object.h"
#include "vm/vm_page.h"

#define MEM_PAGES	256
#define RESERVED_PAGES	4

static uint8_t *mem;

static void
boot(void)
{
	memset(mem, 0xcc, MEM_PAGES * PAGE_SIZE);
	vm_phys_dmap = mem;
	vm_page_startup(ptoa(MEM_PAGES), ptoa(RESERVED_PAGES));
	vm_object_init();
	fake_pmap_reset();
}

static uint64_t
nfree(void)
{
	struct vm_page_stats st;

	vm_page_stats(&st);
	return (st.free);
}

static int
obj_ok(struct vm_object *obj)
{
	char msg[200];

	if (vm_object_check(obj, msg, sizeof(msg)) != 0) {
		printf("# vm_object_check: %s\n", msg);
		return (0);
	}
	return (1);
}

static int
pages_ok(void)
{
	char msg[200];

	if (vm_page_check(msg, sizeof(msg)) != 0) {
		printf("# vm_page_check: %s\n", msg);
		return (0);
	}
	return (1);
}

/* The page tree against an array of the resident pindexes. */
static void
test_tree_model(void)
{
	enum { SPAN = 150 };
	vm_page_t model[SPAN], m;
	struct vm_object *obj;
	struct prng r;
	vm_pindex_t pi, lo;
	int step, bad, i, n;

	boot();
	prng_seed(&r, 42);
	obj = vm_object_allocate(OBJT_DEFAULT, SPAN);
	memset(model, 0, sizeof(model));
	bad = 0;
	for (step = 0; step < 5000; step++) {
		pi = prng_below(&r, SPAN);
		switch (prng_below(&r, 4)) {
		case 0:
		case 1:		/* insert */
			if (model[pi] != NULL)
				break;
			m = vm_page_alloc(obj, pi, VM_ALLOC_NORMAL);
			if (m == NULL)
				break;
			vm_page_activate(m);
			model[pi] = m;
			break;
		case 2:		/* remove */
			if (model[pi] == NULL)
				break;
			vm_page_free(model[pi]);
			model[pi] = NULL;
			break;
		case 3:		/* lookup and successor */
			if (vm_page_lookup(obj, pi) != model[pi])
				bad++;
			for (lo = pi; lo < SPAN && model[lo] == NULL; lo++)
				;
			if (vm_object_page_ge(obj, pi) != (lo < SPAN ? model[lo] : NULL))
				bad++;
			break;
		}
		if (step % 97 == 0) {
			/* In-order iteration equals the array's order. */
			m = vm_object_page_first(obj);
			n = 0;
			for (i = 0; i < SPAN; i++) {
				if (model[i] == NULL)
					continue;
				n++;
				if (m != model[i])
					bad++;
				if (m != NULL)
					m = vm_object_page_next(obj, m);
			}
			if (m != NULL || obj->resident_page_count != (unsigned long)n)
				bad++;
			if (!obj_ok(obj) || !pages_ok())
				bad++;
		}
	}
	ok(bad == 0, "page tree: 5000 random insert/remove/lookup/successor "
	    "steps match the array (%lu resident)", obj->resident_page_count);
	/* Ascending and descending insertion (degenerate splay shapes). */
	vm_object_page_remove(obj, 0, 0);
	ok(obj->resident_page_count == 0 && obj->root == NULL && pages_ok(),
	    "vm_object_page_remove(obj, 0, 0) frees every page");
	for (pi = 0; pi < SPAN; pi++)
		vm_page_activate(vm_page_alloc(obj, pi, VM_ALLOC_NORMAL));
	for (pi = SPAN; pi-- > 0;)
		if (vm_page_lookup(obj, pi) == NULL ||
		    vm_page_lookup(obj, pi)->pindex != pi)
			bad++;
	ok(bad == 0 && obj_ok(obj), "ascending insertion: all found, tree sound");
	vm_object_page_remove(obj, 10, 20);
	for (pi = 0, n = 0; pi < SPAN; pi++)
		n += vm_page_lookup(obj, pi) != NULL;
	ok(n == SPAN - 10 && vm_page_lookup(obj, 9) != NULL &&
	    vm_page_lookup(obj, 10) == NULL && vm_page_lookup(obj, 19) == NULL &&
	    vm_page_lookup(obj, 20) != NULL && obj_ok(obj) && pages_ok(),
	    "vm_object_page_remove(obj, 10, 20) frees exactly [10, 20)");
	vm_object_deallocate(obj);
	ok(nfree() == MEM_PAGES - RESERVED_PAGES && vm_object_count() == 0 &&
	    pages_ok(), "deallocation returned every page, no object left");
}

static void
test_page_remove_wired_held(void)
{
	struct vm_object *obj;
	vm_page_t a, b, c;

	boot();
	obj = vm_object_allocate(OBJT_DEFAULT, 8);
	a = vm_page_alloc(obj, 1, VM_ALLOC_WIRED);
	b = vm_page_alloc(obj, 2, VM_ALLOC_NORMAL);
	c = vm_page_alloc(obj, 3, VM_ALLOC_NORMAL);
	vm_page_activate(b);
	vm_page_activate(c);
	vm_page_hold(b);
	vm_object_page_remove(obj, 1, 3);
	ok(vm_page_lookup(obj, 1) == a && a->wire_count == 1 &&
	    vm_page_lookup(obj, 2) == NULL && b->queue == PQ_HOLD &&
	    vm_page_lookup(obj, 3) == c && pages_ok() && obj_ok(obj),
	    "page_remove: wired page stays, held page parks on PQ_HOLD, range end "
	    "exclusive");
	vm_page_unhold(b);
	ok(b->queue == PQ_FREE, "page_remove: the unhold frees the held page");
	vm_page_unwire(a, false);
	vm_object_deallocate(obj);
	ok(nfree() == MEM_PAGES - RESERVED_PAGES && pages_ok(),
	    "page_remove: all pages back");
}

static void
test_shadow(void)
{
	struct vm_object *base, *obj, *s1, *s2;
	vm_ooffset_t off;
	uint64_t before;
	char buf[256];

	boot();
	before = nfree();
	/* An unshared anonymous object is not shadowed. */
	obj = vm_object_allocate(OBJT_DEFAULT, 4);
	base = obj;
	off = 0x2000;
	vm_object_shadow(&obj, &off, 4);
	ok(obj == base && off == 0x2000 && vm_object_count() == 1,
	    "shadow: a default object with one reference is used as is");

	/* Shared: a shadow is made and takes over the caller's reference. */
	vm_object_reference(base);		/* e.g. the fork child's entry */
	vm_page_activate(vm_page_alloc(base, 0, VM_ALLOC_NORMAL));
	vm_page_activate(vm_page_alloc(base, 3, VM_ALLOC_NORMAL));
	vm_object_shadow(&obj, &off, 2);
	s1 = obj;
	ok(s1 != base && s1->type == OBJT_DEFAULT && s1->size == 2 &&
	    s1->backing_object == base && s1->backing_object_offset == 0x2000 &&
	    off == 0 && s1->ref_count == 1 && base->ref_count == 2 &&
	    base->shadow_count == 1 && (base->flags & OBJ_ONEMAPPING) == 0,
	    "shadow: new default object backed by the old at the old offset, "
	    "reference moved, backer no longer ONEMAPPING");
	vm_object_reference(s1);
	vm_object_shadow(&obj, &off, 2);
	s2 = obj;
	ok(s2->backing_object == s1 && s1->ref_count == 2 && s1->shadow_count == 1,
	    "shadow: a chain of two");
	vm_object_describe(s2, buf, sizeof(buf));
	ok(strcmp(buf, "obj#3 default size=2 res=0 ref=1 @0x0 -> obj#2 default "
	    "size=2 res=0 ref=2 @0x2000 -> obj#1 default size=4 res=2 ref=2") == 0,
	    "describe: %s", buf);
	vm_object_describe(s2, buf, 20);
	ok(strlen(buf) == 19, "describe truncates to the buffer");

	vm_object_deallocate(s2);
	ok(vm_object_count() == 2 && s1->ref_count == 1 && s1->shadow_count == 0,
	    "dealloc top: it dies, its backer loses one reference and its shadow");
	vm_object_deallocate(base);		/* the "child" goes */
	/* Only the shadow references the backer now: it collapses it.  The
	 * backer's page 3 is the shadow's page 1 (offset 0x2000); page 0
	 * lies outside the shadow's window and is freed. */
	ok(vm_object_count() == 1 && s1->backing_object == NULL &&
	    s1->backing_object_offset == 0 && s1->resident_page_count == 1 &&
	    vm_page_lookup(s1, 1) != NULL && pages_ok() && obj_ok(s1),
	    "backer with one reference left collapses into its shadow");
	vm_page_activate(vm_page_alloc(s1, 0, VM_ALLOC_NORMAL));
	vm_object_deallocate(s1);
	ok(vm_object_count() == 0 && nfree() == before && pages_ok(),
	    "last reference: the whole chain dies, every page is free again");

	/* A NULL source gives a backer-less shadow. */
	obj = NULL;
	off = 0x5000;
	vm_object_shadow(&obj, &off, 3);
	ok(obj != NULL && obj->backing_object == NULL && obj->size == 3 &&
	    obj->backing_object_offset == 0x5000 && off == 0,
	    "shadow of nothing: a fresh object");
	vm_object_deallocate(obj);
	ok(vm_object_count() == 0, "and it goes away");
}

static int vnode_released;

static void
vnode_release(struct vnode *vp)
{
	(void)vp;
	vnode_released++;
}

static void
test_vnode(void)
{
	uint8_t file[5000];
	struct vnode vn;
	struct vm_object *o1, *o2;
	vm_page_t m0, m1, m2;
	uint8_t *p;
	int i, good;
	char buf[200];

	boot();
	for (i = 0; i < (int)sizeof(file); i++)
		file[i] = (uint8_t)(i * 7 + 1);
	memset(&vn, 0, sizeof(vn));
	vn.data = file;
	vn.size = sizeof(file);
	snprintf(vn.name, sizeof(vn.name), "/etc/motd");
	vn.release = vnode_release;
	vref(&vn);				/* the opener's reference */

	o1 = vnode_object_for(&vn);
	o2 = vnode_object_for(&vn);
	ok(o1 == o2 && o1->type == OBJT_VNODE && o1->size == 2 && o1->vp == &vn &&
	    vn.object == o1 && o1->ref_count == 2 && vn.refs == 2,
	    "vnode: one object per vnode (2 pages for 5000 bytes), reused; it "
	    "holds one vnode reference");
	m0 = vm_page_alloc(o1, 0, VM_ALLOC_NORMAL);
	m1 = vm_page_alloc(o1, 1, VM_ALLOC_NORMAL);
	m2 = vm_page_alloc(NULL, 0, VM_ALLOC_NOOBJ);
	ok(vnode_pager_getpage(o1, 0, m0) == KERN_SUCCESS &&
	    memcmp(vm_phys_dmap_ptr(m0->phys_addr), file, PAGE_SIZE) == 0 &&
	    m0->valid && !m0->dirty, "vnode: page 0 holds the first 4096 bytes");
	ok(vnode_pager_getpage(o1, 1, m1) == KERN_SUCCESS,
	    "vnode: page 1 (partial) reads");
	p = vm_phys_dmap_ptr(m1->phys_addr);
	good = memcmp(p, file + PAGE_SIZE, sizeof(file) - PAGE_SIZE) == 0;
	for (i = (int)(sizeof(file) - PAGE_SIZE); i < (int)PAGE_SIZE; i++)
		if (p[i] != 0)
			good = 0;
	ok(good, "vnode: page 1 holds bytes 4096..4999 then zeros (the frame "
	    "was 0xcc)");
	ok(vnode_pager_getpage(o1, 2, m2) == KERN_FAILURE,
	    "vnode: a page wholly beyond EOF is a pager error");
	vm_page_free(m2);
	vm_page_activate(m0);
	vm_page_activate(m1);
	vm_object_describe(o1, buf, sizeof(buf));
	ok(strcmp(buf, "obj#1 vnode size=2 res=2 ref=2 \"/etc/motd\"") == 0,
	    "describe: %s", buf);
	ok(vm_object_set_memattr(o1, 3) == KERN_FAILURE,
	    "memattr: refused while the object has pages");
	vm_object_deallocate(o2);
	vm_object_deallocate(o1);
	ok(vm_object_count() == 0 && vn.object == NULL && vn.refs == 1 &&
	    vnode_released == 0 && nfree() == MEM_PAGES - RESERVED_PAGES &&
	    pages_ok(), "vnode: last object reference frees its pages and drops "
	    "its vnode reference");
	vrele(&vn);
	ok(vnode_released == 1 && vn.refs == 0,
	    "vnode: the release hook runs at the last vrele");
	o1 = vnode_object_for(&vn);
	ok(o1 != NULL && vn.object == o1 && vn.refs == 1,
	    "vnode: a new object after the old one died");
	ok(vm_object_set_memattr(o1, 3) == KERN_SUCCESS && o1->memattr == 3,
	    "memattr: set while the object has no pages");
	vm_object_deallocate(o1);
	ok(vnode_released == 2 && vm_object_count() == 0, "vnode: released again");
}

int
main(void)
{
	mem = aligned_alloc(PAGE_SIZE, MEM_PAGES * PAGE_SIZE);
	test_tree_model();
	test_page_remove_wired_held();
	test_shadow();
	test_vnode();
	free(mem);
	return (tap_done());
}
