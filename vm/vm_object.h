/*
 * vm/vm_object.h — VM objects: the things a map entry maps (FreeBSD
 * sys/vm/vm_object.h, 2010 semantics; see VM-SPEC.md, "Objects").
 *
 * An object is a page-indexed store: anonymous memory (OBJT_DEFAULT and,
 * once paged out, OBJT_SWAP), a file (OBJT_VNODE), device memory
 * (OBJT_DEVICE) or wired physical memory (OBJT_PHYS).  Its resident pages
 * hang in a splay tree on pindex.  Copy-on-write builds shadow chains: a
 * shadow object (OBJT_DEFAULT) holds the pages written since the copy and
 * one reference on its backing object, whose pages it shows through at
 * backing_object_offset.
 *
 * Offsets (backing_object_offset, map entry offsets) are in bytes, as in
 * FreeBSD (vm_ooffset_t); sizes and pindexes are in pages.
 */
#ifndef VM_VM_OBJECT_H
#define VM_VM_OBJECT_H

#include "sim/base/base.h"
#include "vm/vm_page.h"

enum vm_object_type {
	OBJT_DEFAULT,	/* anonymous, zero-fill, no backing store yet */
	OBJT_SWAP,	/* anonymous with swap backing */
	OBJT_VNODE,	/* a file's pages (vp) */
	OBJT_DEVICE,	/* device memory: fictitious pages */
	OBJT_PHYS,	/* wired physical memory, never paged */
	OBJT_DEAD	/* terminated */
};

/*
 * A file as the VM sees it (the kernel's VFS creates one per open file
 * from the guest root; the contents are held in host memory).  The vnode's
 * VM object, if any, is vp->object; that object holds one reference on the
 * vnode.  When refs drops to 0, release (if set) is called to free it.
 */
struct vnode {
	const uint8_t *data;		/* file contents, size bytes */
	uint64_t size;			/* file size in bytes */
	char name[64];			/* path, for descriptions */
	int refs;
	struct vm_object *object;	/* its VM object, or NULL */
	void (*release)(struct vnode *vp);
	/* Write back len bytes of the file at offset from buf (msync of a
	 * shared mapping; the VM clips len at the file size).  0 or an
	 * errno.  NULL: the file system cannot be written to. */
	int (*putpages)(struct vnode *vp, vm_ooffset_t offset,
	    const uint8_t *buf, size_t len);
};

/* Object flags. */
#define OBJ_DEAD	0x0001	/* being terminated: no new references */
#define OBJ_ONEMAPPING	0x0002	/* mapped by at most one map entry range, so
				   unmapping a range may free its pages */

struct ucred;
struct cdev;

struct vm_object {
	enum vm_object_type type;
	int ref_count;			/* map entries, shadows, kernel users */
	int shadow_count;		/* objects whose backer this is */
	struct vm_object *shadow_head;	/* the first of them (a list through */
	struct vm_object *shadow_next;	/*  shadow_next/prev of the shadows) */
	struct vm_object *shadow_prev;
	struct vm_object *all_next;	/* every live object (vm_object.c) */
	struct vm_object *all_prev;
	vm_pindex_t size;		/* in pages */
	unsigned long resident_page_count;
	vm_page_t root;			/* page splay tree (vm_object.c only) */
	struct vm_object *backing_object;	/* shadowed object, or NULL */
	vm_ooffset_t backing_object_offset;	/* where we sit in it, bytes */
	unsigned flags;			/* OBJ_* */
	vm_memattr_t memattr;		/* inherited by its pages */
	struct vnode *vp;		/* OBJT_VNODE: the file */
	struct cdev *cdev;		/* OBJT_DEVICE: the device (its pager's
					   handle; vm/device_pager.h) */
	uint64_t id;			/* serial number, for descriptions */
	/* Swap accounting: charge bytes are reserved for cred (which the
	 * object holds a reference on) and given back when the object dies
	 * or shrinks; NULL/0 when uncharged (VM-SPEC "Swap accounting"). */
	struct ucred *cred;
	vm_ooffset_t charge;
	/* The swap pager's map of this object's pages on swap, sorted by
	 * pindex (vm/swap_pager.c only). */
	struct swap_meta *swp;
	size_t swp_count, swp_cap;
};

/* Start object numbering afresh (a new machine). */
void vm_object_init(void);
/* Objects alive now (for the summary and leak checks). */
unsigned long vm_object_count(void);

/* A new object of type and size npages, one reference, no pages. */
struct vm_object *vm_object_allocate(enum vm_object_type type, vm_pindex_t npages);
void vm_object_reference(struct vm_object *obj);
/* Drop a reference; the last one frees the pages and drops the backer. */
void vm_object_deallocate(struct vm_object *obj);
/* Give the mapping (*object, *offset) a private shadow of length pages;
 * see vm_object.c. */
void vm_object_shadow(struct vm_object **object, vm_ooffset_t *offset,
    vm_size_t length);
/*
 * Collapse obj's shadow chain as far as it can (FreeBSD
 * vm_object_collapse): while obj and its backer are anonymous, a backer
 * with one reference (obj's) is merged into obj (its pages obj does not
 * shadow move up, the rest are freed, obj then shadows the backer's
 * backer, and the backer dies with its charge); a backer with more
 * references is bypassed when obj shadows every page of it that obj can
 * see.  Called by vm_object_deallocate, vm_map_entry deletion and fork.
 */
void vm_object_collapse(struct vm_object *obj);
/* Free the unwired resident pages with pindex in [start, end) (end 0:
 * to the end of the object). */
void vm_object_page_remove(struct vm_object *obj, vm_pindex_t start,
    vm_pindex_t end);
/* KERN_SUCCESS; KERN_FAILURE if the object has pages; KERN_INVALID_ARGUMENT
 * if it is dead. */
int vm_object_set_memattr(struct vm_object *obj, vm_memattr_t ma);

/*
 * Write the dirty resident pages of the vnode object obj with pindex in
 * [start, end) back through obj->vp->putpages and mark them clean (FreeBSD
 * vm_object_page_clean).  Without a putpages hook nothing is written and
 * the pages stay dirty.  KERN_SUCCESS, or KERN_FAILURE when the hook fails.
 */
int vm_object_page_clean(struct vm_object *obj, vm_pindex_t start,
    vm_pindex_t end);

/* The vnode's object (created at first use), with a new reference. */
struct vm_object *vnode_object_for(struct vnode *vp);
/* Fill m from the file at page pindex (zero beyond EOF). */
int vnode_pager_getpage(struct vm_object *obj, vm_pindex_t pindex, vm_page_t m);
void vref(struct vnode *vp);
void vrele(struct vnode *vp);

/* The page tree (vm_page.c's insert/remove/lookup go through these). */
vm_page_t vm_object_page_find(struct vm_object *obj, vm_pindex_t pindex);
void vm_object_page_enter(struct vm_object *obj, vm_page_t m);
void vm_object_page_leave(struct vm_object *obj, vm_page_t m);
/* In-order iteration: the resident page with the least pindex >= pindex,
 * or NULL. */
vm_page_t vm_object_page_ge(struct vm_object *obj, vm_pindex_t pindex);
vm_page_t vm_object_page_first(struct vm_object *obj);
vm_page_t vm_object_page_next(struct vm_object *obj, vm_page_t m);

/* One line: type, size, residency, refs, and the shadow chain below. */
void vm_object_describe(struct vm_object *obj, char *buf, size_t len);
/* Tree ordered, pages owned, resident count right, shadow list and
 * counts and the charge consistent.  0 or -1 + msg. */
int vm_object_check(struct vm_object *obj, char *msg, size_t msglen);
/*
 * Every live object passes vm_object_check; each shadow_count is the
 * number of live objects backed by it, no object is referenced less than
 * it is shadowed; the resident counts add up to the number of pages that
 * belong to an object.  0 or -1 + msg.
 */
int vm_object_check_all(char *msg, size_t msglen);
/* Real (non-fictitious) pages in all objects (vm_page_check compares). */
unsigned long vm_object_resident_total(void);
/* The first live object / the next one (for inspectors), or NULL. */
struct vm_object *vm_object_first(void);
struct vm_object *vm_object_next(struct vm_object *obj);

#endif
