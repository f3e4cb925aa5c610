/*
 * vm/vm_object.c — VM objects, their page trees, shadow chains, and the
 * vnode pager (FreeBSD sys/vm/vm_object.c and vnode_pager.c, 2010
 * semantics; see VM-SPEC.md, "Objects").
 *
 * Resident pages hang in a splay tree keyed on pindex, linked through the
 * pages' left/right fields (as FreeBSD's vm_page_splay did): a lookup
 * splays the found page (or a neighbour) to the root, so the fault path's
 * runs of neighbouring pages are found in a step or two.  The tree shape
 * depends only on the sequence of operations, so runs stay reproducible,
 * and every traversal is in pindex order.
 *
 * Shadow chains collapse as FreeBSD's do (vm_object_collapse): a backer
 * only its shadow references is merged into the shadow, and a backer the
 * shadow hides completely is bypassed.  Anonymous objects carry their
 * swap charge (cred, charge), given back when they die.  Pages on swap
 * (vm/swap_pager.c) count as the object's pages everywhere a resident
 * page does: a collapse moves or frees them, a bypass needs them hidden,
 * range removal and termination free their slots.
 *
 * XXX: the pmap has no pv lists, so pages freed by a collapse (hidden by
 * the shadow's own copies) are not unmapped here; this is safe because a
 * backer with one reference is reachable only through its shadow, whose
 * users replaced their mappings of the hidden page when they copied it.
 * XXX: a vnode object dies with its last reference (FreeBSD keeps it, and
 * its pages, cached while the vnode lives).
 */
#include "vm/vm_object.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vm/device_pager.h"
#include "vm/swap_pager.h"
#include "vm/ucred.h"

static uint64_t vm_object_next_id = 1;
static unsigned long vm_object_live;
static struct vm_object *vm_object_all;		/* list of live objects */
static unsigned long vm_object_resident;	/* real pages in objects */

static int vm_object_check_links(struct vm_object *obj, char *msg,
    size_t msglen);

/* Default and swap objects without a vnode: anonymous memory, which may
 * be shadowed, collapsed and charged. */
static bool
vm_object_anon(const struct vm_object *obj)
{
	return (obj->vp == NULL &&
	    (obj->type == OBJT_DEFAULT || obj->type == OBJT_SWAP));
}

struct vm_object *
vm_object_first(void)
{
	return (vm_object_all);
}

struct vm_object *
vm_object_next(struct vm_object *obj)
{
	return (obj->all_next);
}

unsigned long
vm_object_resident_total(void)
{
	return (vm_object_resident);
}

/* Make obj a shadow of backer in the backer's list (no reference taken). */
static void
vm_object_shadow_link(struct vm_object *obj, struct vm_object *backer)
{
	obj->shadow_prev = NULL;
	obj->shadow_next = backer->shadow_head;
	if (backer->shadow_head != NULL)
		backer->shadow_head->shadow_prev = obj;
	backer->shadow_head = obj;
	backer->shadow_count++;
}

/* Take obj out of its backer's list of shadows (no reference dropped). */
static void
vm_object_shadow_unlink(struct vm_object *obj)
{
	struct vm_object *backer = obj->backing_object;

	KASSERT(backer != NULL && backer->shadow_count > 0,
	    ("vm_object_shadow_unlink: object %llu has no backer list",
	    (unsigned long long)obj->id));
	if (obj->shadow_prev != NULL)
		obj->shadow_prev->shadow_next = obj->shadow_next;
	else
		backer->shadow_head = obj->shadow_next;
	if (obj->shadow_next != NULL)
		obj->shadow_next->shadow_prev = obj->shadow_prev;
	obj->shadow_next = obj->shadow_prev = NULL;
	backer->shadow_count--;
}

/*
 * Start afresh (a new machine): numbering from 1, and no live objects —
 * the previous machine's objects, if any are left, are forgotten.
 */
void
vm_object_init(void)
{
	vm_object_next_id = 1;
	vm_object_all = NULL;
	vm_object_live = 0;
	vm_object_resident = 0;
}

unsigned long
vm_object_count(void)
{
	return (vm_object_live);
}

/*
 * Top-down splay (Sleator and Tarjan): bring the page with key pindex, or
 * the last page on its search path (its in-order neighbour), to the root
 * of the tree root, and return the new root.  Pages smaller than the key
 * collect in a left tree (appended at its rightmost spot), larger ones in
 * a right tree (at its leftmost spot); a zig-zig step rotates first so the
 * path depth halves.
 */
static vm_page_t
vm_object_splay(vm_pindex_t pindex, vm_page_t root)
{
	struct vm_page side;		/* side.right: left tree; side.left: right tree */
	vm_page_t ltail, rhead, c;

	if (root == NULL)
		return (NULL);
	side.left = side.right = NULL;
	ltail = rhead = &side;
	for (;;) {
		if (pindex < root->pindex) {
			c = root->left;
			if (c == NULL)
				break;
			if (pindex < c->pindex) {	/* zig-zig: rotate right */
				root->left = c->right;
				c->right = root;
				root = c;
				if (root->left == NULL)
					break;
			}
			rhead->left = root;		/* root joins the right tree */
			rhead = root;
			root = root->left;
		} else if (pindex > root->pindex) {
			c = root->right;
			if (c == NULL)
				break;
			if (pindex > c->pindex) {	/* zig-zig: rotate left */
				root->right = c->left;
				c->left = root;
				root = c;
				if (root->right == NULL)
					break;
			}
			ltail->right = root;		/* root joins the left tree */
			ltail = root;
			root = root->right;
		} else
			break;
	}
	ltail->right = root->left;
	rhead->left = root->right;
	root->left = side.right;
	root->right = side.left;
	return (root);
}

/* The resident page of obj at pindex, or NULL (splays the tree). */
vm_page_t
vm_object_page_find(struct vm_object *obj, vm_pindex_t pindex)
{
	if (obj->root == NULL)
		return (NULL);
	obj->root = vm_object_splay(pindex, obj->root);
	return (obj->root->pindex == pindex ? obj->root : NULL);
}

/* The resident page with the least pindex >= pindex, or NULL. */
vm_page_t
vm_object_page_ge(struct vm_object *obj, vm_pindex_t pindex)
{
	vm_page_t m;

	if (obj->root == NULL)
		return (NULL);
	obj->root = vm_object_splay(pindex, obj->root);
	if (obj->root->pindex >= pindex)
		return (obj->root);
	/* The root is the predecessor: its successor is the leftmost page
	 * of its right subtree. */
	if ((m = obj->root->right) == NULL)
		return (NULL);
	while (m->left != NULL)
		m = m->left;
	return (m);
}

vm_page_t
vm_object_page_first(struct vm_object *obj)
{
	return (vm_object_page_ge(obj, 0));
}

vm_page_t
vm_object_page_next(struct vm_object *obj, vm_page_t m)
{
	if (m->pindex == UINT64_MAX)
		return (NULL);
	return (vm_object_page_ge(obj, m->pindex + 1));
}

/* Enter m (m->pindex set, no object) into obj's tree. */
void
vm_object_page_enter(struct vm_object *obj, vm_page_t m)
{
	vm_page_t root;

	KASSERT(obj->type != OBJT_DEAD, ("vm_object_page_enter: dead object %llu",
	    (unsigned long long)obj->id));
	root = obj->root;
	if (root == NULL) {
		m->left = m->right = NULL;
	} else {
		root = vm_object_splay(m->pindex, root);
		KASSERT(root->pindex != m->pindex,
		    ("vm_object_page_enter: object %llu already has page %llu",
		    (unsigned long long)obj->id, (unsigned long long)m->pindex));
		if (m->pindex < root->pindex) {
			m->left = root->left;
			m->right = root;
			root->left = NULL;
		} else {
			m->right = root->right;
			m->left = root;
			root->right = NULL;
		}
	}
	obj->root = m;
	m->object = obj;
	obj->resident_page_count++;
	if ((m->flags & PG_FICTITIOUS) == 0)
		vm_object_resident++;
}

/* Take m out of obj's tree. */
void
vm_object_page_leave(struct vm_object *obj, vm_page_t m)
{
	vm_page_t root;

	KASSERT(m->object == obj, ("vm_object_page_leave: page not in object %llu",
	    (unsigned long long)obj->id));
	root = vm_object_splay(m->pindex, obj->root);
	KASSERT(root == m, ("vm_object_page_leave: page %llu not in the tree "
	    "of object %llu", (unsigned long long)m->pindex,
	    (unsigned long long)obj->id));
	if (m->left == NULL) {
		root = m->right;
	} else {
		/* The largest page of the left subtree becomes the root; it
		 * has no right child after the splay. */
		root = vm_object_splay(m->pindex, m->left);
		root->right = m->right;
	}
	obj->root = root;
	m->left = m->right = NULL;
	m->object = NULL;
	obj->resident_page_count--;
	if ((m->flags & PG_FICTITIOUS) == 0)
		vm_object_resident--;
}

/*
 * A new object of type and npages pages with one reference and no pages.
 * Anonymous objects start OBJ_ONEMAPPING.
 */
struct vm_object *
vm_object_allocate(enum vm_object_type type, vm_pindex_t npages)
{
	struct vm_object *obj;

	KASSERT(type != OBJT_DEAD, ("vm_object_allocate: OBJT_DEAD"));
	if ((obj = calloc(1, sizeof(*obj))) == NULL)
		panic("vm_object_allocate: out of host memory");
	obj->type = type;
	obj->ref_count = 1;
	obj->size = npages;
	obj->memattr = VM_MEMATTR_DEFAULT;
	if (type == OBJT_DEFAULT || type == OBJT_SWAP)
		obj->flags |= OBJ_ONEMAPPING;
	obj->id = vm_object_next_id++;
	obj->all_next = vm_object_all;
	if (vm_object_all != NULL)
		vm_object_all->all_prev = obj;
	vm_object_all = obj;
	vm_object_live++;
	return (obj);
}

void
vm_object_reference(struct vm_object *obj)
{
	if (obj == NULL)
		return;
	KASSERT(obj->ref_count > 0 && (obj->flags & OBJ_DEAD) == 0,
	    ("vm_object_reference: object %llu dead (refs %d)",
	    (unsigned long long)obj->id, obj->ref_count));
	obj->ref_count++;
}

/*
 * Last reference gone: free every page (wired pages are only taken out of
 * the object: their wirer still owns them), give back the swap charge,
 * detach from the backer and the vnode, free the struct.  The caller
 * drops the backer's reference.  The pages must no longer be mapped
 * (vm_map_delete removed them).
 */
static void
vm_object_terminate(struct vm_object *obj)
{
	vm_page_t m;

	obj->flags |= OBJ_DEAD;
	while ((m = obj->root) != NULL) {
		if (m->wire_count != 0 && (m->flags & PG_FICTITIOUS) == 0)
			vm_page_remove(m);
		else
			vm_page_free(m);
	}
	KASSERT(obj->resident_page_count == 0,
	    ("vm_object_terminate: object %llu: %lu pages left",
	    (unsigned long long)obj->id, obj->resident_page_count));
	swap_pager_freespace(obj, 0, 0);
	KASSERT(obj->shadow_count == 0, ("vm_object_terminate: object %llu "
	    "still has %d shadows", (unsigned long long)obj->id,
	    obj->shadow_count));
	if (obj->backing_object != NULL) {
		vm_object_shadow_unlink(obj);
		obj->backing_object = NULL;
	}
	if (obj->cred != NULL) {
		swap_release_by_cred(obj->charge, obj->cred);
		crfree(obj->cred);
		obj->cred = NULL;
		obj->charge = 0;
	}
	/* A device object: the device forgets it (its fictitious pages,
	 * which only left the tree above, stay the device's). */
	if (obj->type == OBJT_DEVICE && obj->cdev != NULL)
		dev_pager_dealloc(obj);
	if (obj->vp != NULL) {
		KASSERT(obj->vp->object == obj, ("vm_object_terminate: vnode "
		    "%s has another object", obj->vp->name));
		obj->vp->object = NULL;
		vrele(obj->vp);
		obj->vp = NULL;
	}
	obj->type = OBJT_DEAD;
	if (obj->all_prev != NULL)
		obj->all_prev->all_next = obj->all_next;
	else
		vm_object_all = obj->all_next;
	if (obj->all_next != NULL)
		obj->all_next->all_prev = obj->all_prev;
	free(obj);
	vm_object_live--;
}

/*
 * Drop one reference to obj (NULL is allowed).  The last reference
 * terminates the object and then drops the reference it held on its
 * backer, down the chain as far as references run out.  As in FreeBSD,
 * an anonymous object left with one reference becomes OBJ_ONEMAPPING if
 * nothing shadows it, and if that reference is its only shadow's, the
 * shadow collapses it (vm_object_collapse).
 */
void
vm_object_deallocate(struct vm_object *obj)
{
	struct vm_object *backer, *robj;

	while (obj != NULL) {
		KASSERT(obj->ref_count > 0, ("vm_object_deallocate: object %llu "
		    "has no references", (unsigned long long)obj->id));
		if (obj->ref_count > 1) {
			obj->ref_count--;
			if (obj->ref_count != 1 || !vm_object_anon(obj) ||
			    (obj->flags & OBJ_DEAD) != 0)
				return;
			if (obj->shadow_count == 0) {
				obj->flags |= OBJ_ONEMAPPING;
				return;
			}
			robj = obj->shadow_head;
			if (obj->shadow_count != 1 || (robj->flags & OBJ_DEAD) != 0 ||
			    !vm_object_anon(robj))
				return;
			/* The one reference left is robj's: merge obj into
			 * it, holding robj meanwhile, then drop that hold. */
			robj->ref_count++;
			vm_object_collapse(robj);
			obj = robj;
			continue;
		}
		obj->ref_count = 0;
		backer = obj->backing_object;
		vm_object_terminate(obj);
		obj = backer;
	}
}

/* obj holds page pindex itself: resident or on swap. */
static bool
vm_object_has_page(struct vm_object *obj, vm_pindex_t pindex)
{
	return (vm_object_page_find(obj, pindex) != NULL ||
	    swap_pager_has_page(obj, pindex));
}

/*
 * Does obj hide every page of its backer that it can see?  (FreeBSD
 * vm_object_backing_scan OBSC_TEST_ALL_SHADOWED.)
 */
static bool
vm_object_all_shadowed(struct vm_object *obj, struct vm_object *backer)
{
	vm_pindex_t boi = atop(obj->backing_object_offset);
	const struct swap_meta *sm;
	vm_page_t p;

	for (p = vm_object_page_first(backer); p != NULL;
	    p = vm_object_page_next(backer, p)) {
		if (p->pindex < boi || p->pindex - boi >= obj->size)
			continue;
		if (!vm_object_has_page(obj, p->pindex - boi))
			return (false);
	}
	for (sm = swap_pager_ge(backer, boi); sm != NULL;
	    sm = swap_pager_ge(backer, sm->pindex + 1)) {
		if (sm->pindex - boi >= obj->size)
			break;
		if (!vm_object_has_page(obj, sm->pindex - boi))
			return (false);
	}
	return (true);
}

/* The swap half of merging backer into obj (which sits at page boi of
 * it): slots of pages obj can see and does not hide move to obj, the
 * others are freed. */
static void
vm_object_collapse_swap(struct vm_object *obj, struct vm_object *backer,
    vm_pindex_t boi)
{
	const struct swap_meta *sm;
	vm_pindex_t pi;
	long slot;

	while ((sm = swap_pager_ge(backer, 0)) != NULL) {
		pi = sm->pindex;
		if (pi < boi || pi - boi >= obj->size ||
		    vm_object_has_page(obj, pi - boi)) {
			/* Hidden or out of sight: free the slot. */
			swap_pager_freespace(backer, pi, pi + 1);
			continue;
		}
		slot = swap_pager_take(backer, pi);
		swap_pager_give(obj, pi - boi, slot);
	}
}

void
vm_object_collapse(struct vm_object *obj)
{
	struct vm_object *backer, *next_backer;
	vm_pindex_t boi, npi;
	vm_page_t p, next;

	for (;;) {
		backer = obj->backing_object;
		if (backer == NULL || !vm_object_anon(obj) || !vm_object_anon(backer) ||
		    ((obj->flags | backer->flags) & OBJ_DEAD) != 0)
			return;
		boi = atop(obj->backing_object_offset);
		next_backer = backer->backing_object;
		if (backer->ref_count == 1) {
			/* Only obj uses the backer: move up the pages obj can
			 * see and does not hide; free the others. */
			for (p = vm_object_page_first(backer); p != NULL; p = next) {
				next = vm_object_page_next(backer, p);
				npi = p->pindex - boi;
				if (p->pindex < boi || npi >= obj->size ||
				    vm_object_has_page(obj, npi)) {
					if (p->wire_count != 0 &&
					    (p->flags & PG_FICTITIOUS) == 0)
						vm_page_remove(p);
					else
						vm_page_free(p);
					continue;
				}
				vm_page_rename(p, obj, npi);
			}
			/* And the pages it has on swap: moved up the same
			 * way, or their slots freed. */
			vm_object_collapse_swap(obj, backer, boi);
			/* obj now shadows the backer's backer, which keeps
			 * the reference the backer held. */
			vm_object_shadow_unlink(obj);
			if (next_backer != NULL) {
				vm_object_shadow_unlink(backer);
				vm_object_shadow_link(obj, next_backer);
				obj->backing_object_offset +=
				    backer->backing_object_offset;
			} else
				obj->backing_object_offset = 0;
			obj->backing_object = next_backer;
			backer->backing_object = NULL;
			backer->ref_count = 0;
			vm_object_terminate(backer);
			continue;
		}
		/* Shared backer: bypass it if obj hides all it would show. */
		if (!vm_object_all_shadowed(obj, backer))
			return;
		vm_object_shadow_unlink(obj);
		obj->backing_object = next_backer;
		if (next_backer != NULL) {
			vm_object_reference(next_backer);
			vm_object_shadow_link(obj, next_backer);
			obj->backing_object_offset += backer->backing_object_offset;
		} else
			obj->backing_object_offset = 0;
		/* At least one other reference remains: it cannot die. */
		backer->ref_count--;
		KASSERT(backer->ref_count > 0, ("vm_object_collapse: bypassed "
		    "object %llu lost its last reference",
		    (unsigned long long)backer->id));
	}
}

/*
 * Give the mapping (*object, *offset) of length pages (as in FreeBSD: the
 * caller passes atop(size)) a private shadow: a new OBJT_DEFAULT object
 * of length pages backed by *object at
 * *offset, which takes over the caller's reference to *object; then
 * *object is the shadow and *offset 0.  As in FreeBSD, an unshared
 * anonymous object (one reference, default or swap) is not shadowed at
 * all: nobody else can see the writes.  *object may be NULL (the shadow
 * then has no backer).
 */
void
vm_object_shadow(struct vm_object **object, vm_ooffset_t *offset,
    vm_size_t length)
{
	struct vm_object *source, *result;

	source = *object;
	if (source != NULL && source->ref_count == 1 && source->vp == NULL &&
	    (source->type == OBJT_DEFAULT || source->type == OBJT_SWAP))
		return;
	result = vm_object_allocate(OBJT_DEFAULT, length);
	result->backing_object = source;
	if (source != NULL) {
		vm_object_shadow_link(result, source);
		/* Its pages are now seen through more than one mapping. */
		source->flags &= ~OBJ_ONEMAPPING;
	}
	result->backing_object_offset = *offset;
	*offset = 0;
	*object = result;
}

/*
 * Free the resident pages of obj with pindex in [start, end), or [start,
 * size) when end is 0.  Wired pages stay.  Held pages go to the hold queue
 * until their last unhold.  The caller has removed the mappings (munmap's
 * pmap_remove).  XXX: FreeBSD calls pmap_remove_all per page here; our
 * pmap.h has no pv lists yet, so pages mapped elsewhere must not be in the
 * range (OBJ_ONEMAPPING guarantees it for vm_map_delete).
 */
void
vm_object_page_remove(struct vm_object *obj, vm_pindex_t start,
    vm_pindex_t end)
{
	vm_page_t m, next;

	for (m = vm_object_page_ge(obj, start);
	    m != NULL && (end == 0 || m->pindex < end); m = next) {
		next = vm_object_page_next(obj, m);
		if (m->wire_count != 0 && (m->flags & PG_FICTITIOUS) == 0)
			continue;
		vm_page_free(m);
	}
	swap_pager_freespace(obj, start, end);
}

/*
 * Set the memory attribute later pages of obj inherit.  Only while obj has
 * no pages: KERN_FAILURE otherwise; KERN_INVALID_ARGUMENT on a dead
 * object.
 */
int
vm_object_set_memattr(struct vm_object *obj, vm_memattr_t ma)
{
	if (obj->type == OBJT_DEAD || (obj->flags & OBJ_DEAD) != 0)
		return (KERN_INVALID_ARGUMENT);
	if (obj->resident_page_count != 0)
		return (KERN_FAILURE);
	obj->memattr = ma;
	return (KERN_SUCCESS);
}

void
vref(struct vnode *vp)
{
	KASSERT(vp->refs >= 0, ("vref: %s has %d refs", vp->name, vp->refs));
	vp->refs++;
}

/* Drop a vnode reference; at 0 the vnode's release hook frees it. */
void
vrele(struct vnode *vp)
{
	KASSERT(vp->refs > 0, ("vrele: %s has no refs", vp->name));
	if (--vp->refs == 0 && vp->release != NULL)
		vp->release(vp);
}

/*
 * The vnode's VM object, with a new reference for the caller: the existing
 * one (vp->object), or a new OBJT_VNODE object of the file's size in pages
 * which holds a reference on the vnode (FreeBSD vnode_pager_alloc).
 */
struct vm_object *
vnode_object_for(struct vnode *vp)
{
	struct vm_object *obj;

	if ((obj = vp->object) != NULL) {
		vm_object_reference(obj);
		return (obj);
	}
	obj = vm_object_allocate(OBJT_VNODE, atop(round_page(vp->size)));
	obj->vp = vp;
	vref(vp);
	vp->object = obj;
	return (obj);
}

int
vm_object_page_clean(struct vm_object *obj, vm_pindex_t start, vm_pindex_t end)
{
	struct vnode *vp = obj->vp;
	vm_ooffset_t off;
	vm_page_t m;

	KASSERT(obj->type == OBJT_VNODE && vp != NULL, ("vm_object_page_clean: "
	    "object %llu is not a vnode object", (unsigned long long)obj->id));
	if (vp->putpages == NULL)
		return (KERN_SUCCESS);
	for (m = vm_object_page_ge(obj, start); m != NULL && m->pindex < end;
	    m = vm_object_page_next(obj, m)) {
		if (!m->dirty)
			continue;
		off = ptoa(m->pindex);
		if (off < vp->size && vp->putpages(vp, off,
		    vm_phys_dmap_ptr(VM_PAGE_TO_PHYS(m)),
		    (size_t)MIN(PAGE_SIZE, vp->size - off)) != 0)
			return (KERN_FAILURE);
		m->dirty = 0;
	}
	return (KERN_SUCCESS);
}

/*
 * Read page pindex of the vnode object obj into m through the direct map:
 * the file's bytes, zeros beyond EOF.  m ends valid and clean.  Returns
 * KERN_SUCCESS, or KERN_FAILURE when the page lies wholly beyond the end
 * of the file (FreeBSD's VM_PAGER_BAD: the fault becomes SIGBUS).
 */
int
vnode_pager_getpage(struct vm_object *obj, vm_pindex_t pindex, vm_page_t m)
{
	struct vnode *vp;
	uint64_t off, n;
	uint8_t *dst;

	KASSERT(obj->type == OBJT_VNODE && obj->vp != NULL,
	    ("vnode_pager_getpage: object %llu is not a vnode object",
	    (unsigned long long)obj->id));
	KASSERT(vm_phys_dmap != NULL, ("vnode_pager_getpage: no direct map"));
	vp = obj->vp;
	off = ptoa(pindex);
	if (pindex >= atop(round_page(vp->size)) || off / PAGE_SIZE != pindex)
		return (KERN_FAILURE);
	n = MIN(PAGE_SIZE, vp->size - off);
	dst = vm_phys_dmap_ptr(VM_PAGE_TO_PHYS(m));
	memcpy(dst, vp->data + off, n);
	memset(dst + n, 0, PAGE_SIZE - n);
	m->valid = 1;
	m->dirty = 0;
	m->flags &= ~PG_ZERO;
	return (KERN_SUCCESS);
}

static const char *const vm_object_type_names[] = {
	[OBJT_DEFAULT] = "default", [OBJT_SWAP] = "swap",
	[OBJT_VNODE] = "vnode", [OBJT_DEVICE] = "device",
	[OBJT_PHYS] = "phys", [OBJT_DEAD] = "dead",
};

/*
 * Describe obj and its shadow chain in one line, e.g.
 *   obj#7 default size=4 res=1 ref=1 @0x1000 -> obj#3 vnode size=5 res=2 ref=2 "/bin/ls"
 * (the offset is where the shadow sits in its backer, in bytes).
 * Always NUL-terminated (truncated to len).
 */
void
vm_object_describe(struct vm_object *obj, char *buf, size_t len)
{
	size_t used;
	int n;

	if (len == 0)
		return;
	buf[0] = '\0';
	used = 0;
	if (obj == NULL) {
		snprintf(buf, len, "none");
		return;
	}
	for (; obj != NULL && used < len; obj = obj->backing_object) {
		/* A file's path, or a device's name ("/dev/" + it). */
		const char *name = obj->vp != NULL ? obj->vp->name :
		    obj->cdev != NULL ? obj->cdev->si_name : NULL;
		char swp[32] = "";

		if (obj->swp_count != 0)
			snprintf(swp, sizeof(swp), " swp=%lu",
			    (unsigned long)obj->swp_count);
		n = snprintf(buf + used, len - used, "%sobj#%llu %s size=%llu "
		    "res=%lu%s ref=%d%s%s%s%s",
		    used == 0 ? "" : " -> ",
		    (unsigned long long)obj->id,
		    (unsigned)obj->type < nitems(vm_object_type_names) ?
		    vm_object_type_names[obj->type] : "?",
		    (unsigned long long)obj->size, obj->resident_page_count,
		    swp, obj->ref_count,
		    name != NULL ? " \"" : "",
		    obj->vp == NULL && name != NULL ? "/dev/" : "",
		    name != NULL ? name : "",
		    name != NULL ? "\"" : "");
		if (n < 0)
			break;
		used += (size_t)n;
		if (obj->backing_object != NULL && used < len) {
			n = snprintf(buf + used, len - used, " @0x%llx",
			    (unsigned long long)obj->backing_object_offset);
			if (n < 0)
				break;
			used += (size_t)n;
		}
	}
}

/*
 * Check obj's page tree: in-order pindexes strictly ascending, every page
 * owned by obj and below its size, as many as resident_page_count.  Walks
 * the tree with Morris threading (no stack, no splaying: the check leaves
 * the tree's shape as it was).  0, or -1 with a message.
 */
int
vm_object_check(struct vm_object *obj, char *msg, size_t msglen)
{
	vm_page_t cur, pre;
	unsigned long n;
	bool bad, have_last;
	vm_pindex_t last;

	n = 0;
	bad = false;
	have_last = false;
	last = 0;
	msg[0] = '\0';
	cur = obj->root;
	while (cur != NULL) {
		if (cur->left != NULL) {
			pre = cur->left;
			while (pre->right != NULL && pre->right != cur)
				pre = pre->right;
			if (pre->right == NULL) {
				pre->right = cur;	/* thread back to cur */
				cur = cur->left;
				continue;
			}
			pre->right = NULL;		/* unthread */
		}
		/* Visit cur. */
		n++;
		if (!bad && have_last && cur->pindex <= last) {
			snprintf(msg, msglen, "object %llu: page %llu after %llu",
			    (unsigned long long)obj->id,
			    (unsigned long long)cur->pindex,
			    (unsigned long long)last);
			bad = true;
		}
		if (!bad && cur->object != obj) {
			snprintf(msg, msglen, "object %llu: page %llu owned elsewhere",
			    (unsigned long long)obj->id,
			    (unsigned long long)cur->pindex);
			bad = true;
		}
		if (!bad && cur->pindex >= obj->size) {
			snprintf(msg, msglen, "object %llu: page %llu beyond size %llu",
			    (unsigned long long)obj->id,
			    (unsigned long long)cur->pindex,
			    (unsigned long long)obj->size);
			bad = true;
		}
		last = cur->pindex;
		have_last = true;
		cur = cur->right;
	}
	if (!bad && n != obj->resident_page_count) {
		snprintf(msg, msglen, "object %llu: %lu pages in tree, resident "
		    "count %lu", (unsigned long long)obj->id, n,
		    obj->resident_page_count);
		bad = true;
	}
	if (!bad)
		bad = vm_object_check_links(obj, msg, msglen) != 0;
	return (bad ? -1 : 0);
}

/*
 * The references and lists of obj: counts positive, the shadow list as
 * long as shadow_count and made of objects backed by obj, no more shadows
 * than references, the charge present exactly when a credential is, and
 * page aligned.  0, or -1 with a message.
 */
static int
vm_object_check_links(struct vm_object *obj, char *msg, size_t msglen)
{
	struct vm_object *sh, *prev;
	int n;

	if (obj->ref_count <= 0 || obj->shadow_count < 0 ||
	    obj->shadow_count > obj->ref_count) {
		snprintf(msg, msglen, "object %llu: %d references, %d shadows",
		    (unsigned long long)obj->id, obj->ref_count, obj->shadow_count);
		return (-1);
	}
	n = 0;
	prev = NULL;
	for (sh = obj->shadow_head; sh != NULL; prev = sh, sh = sh->shadow_next) {
		if (++n > obj->shadow_count || sh->backing_object != obj ||
		    sh->shadow_prev != prev) {
			snprintf(msg, msglen, "object %llu: shadow list broken at "
			    "object %llu", (unsigned long long)obj->id,
			    (unsigned long long)sh->id);
			return (-1);
		}
	}
	if (n != obj->shadow_count) {
		snprintf(msg, msglen, "object %llu: %d shadows listed, count %d",
		    (unsigned long long)obj->id, n, obj->shadow_count);
		return (-1);
	}
	if ((obj->cred == NULL) != (obj->charge == 0) ||
	    (obj->charge & PAGE_MASK) != 0) {
		snprintf(msg, msglen, "object %llu: charge %#llx with%s credential",
		    (unsigned long long)obj->id, (unsigned long long)obj->charge,
		    obj->cred == NULL ? "out a" : " a");
		return (-1);
	}
	return (0);
}

int
vm_object_check_all(char *msg, size_t msglen)
{
	struct vm_object *obj, *prev;
	unsigned long resident, nobj;

	resident = 0;
	nobj = 0;
	prev = NULL;
	for (obj = vm_object_all; obj != NULL; prev = obj, obj = obj->all_next) {
		if (++nobj > vm_object_live || obj->all_prev != prev) {
			snprintf(msg, msglen, "object list broken at object %llu",
			    (unsigned long long)obj->id);
			return (-1);
		}
		if (obj->type == OBJT_DEAD || (obj->flags & OBJ_DEAD) != 0) {
			snprintf(msg, msglen, "dead object %llu on the live list",
			    (unsigned long long)obj->id);
			return (-1);
		}
		if (vm_object_check(obj, msg, msglen) != 0)
			return (-1);
		if (obj->backing_object != NULL &&
		    (obj->backing_object->type == OBJT_DEAD ||
		    obj->backing_object->ref_count < obj->backing_object->shadow_count)) {
			snprintf(msg, msglen, "object %llu: bad backer %llu",
			    (unsigned long long)obj->id,
			    (unsigned long long)obj->backing_object->id);
			return (-1);
		}
		resident += obj->resident_page_count;
	}
	if (nobj != vm_object_live) {
		snprintf(msg, msglen, "%lu objects listed, %lu live", nobj,
		    vm_object_live);
		return (-1);
	}
	if (resident < vm_object_resident) {
		snprintf(msg, msglen, "objects hold %lu pages, %lu real pages are "
		    "in objects", resident, vm_object_resident);
		return (-1);
	}
	return (0);
}
