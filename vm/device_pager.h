/*
 * vm/device_pager.h — the device pager: mapping a character device's
 * memory (FreeBSD sys/vm/device_pager.c and vm_mmap.c's vm_mmap_cdev,
 * 2010 semantics; VM-SPEC.md "Devices and fictitious pages").
 *
 * A driver describes its mappable memory with a struct cdev: a size, the
 * most a mapping may allow, and d_mmap, which gives the physical address
 * and memory attribute of each page.  Every mapping of the device shares
 * one OBJT_DEVICE object (the device's, made at the first mmap, gone with
 * the last mapping).  A fault on it asks the pager for the page: a
 * fictitious vm_page (PG_FICTITIOUS) made for the device's physical
 * address — not in the page array, on no queue, wire count fixed at 1
 * (wiring and unwiring never touch it), no pv list.  The pager keeps
 * its fictitious pages for as long as the device exists: they outlive
 * the object, so the same page comes back at the next mapping.
 *
 * Memory attributes: the page carries the one d_mmap gives (frame
 * buffers write-combining, registers uncacheable), set before the page
 * is first mapped, so pmap_enter puts it in the PTE.  When d_mmap names
 * real memory (a page of the page array), that page's attribute wins —
 * two mappings of one frame must not disagree about caching — and an
 * EV_DEVICE "memattr" event warns about it.
 *
 * Removal (destroy_dev): a device marked gone takes no new mapping
 * (vm_mmap_cdev: ENXIO), and a fault on a page of its object that is
 * not resident fails (FreeBSD's VM_PAGER_FAIL: SIGBUS).  Pages already
 * mapped stay mapped until munmap or exit, as in FreeBSD, which does not
 * revoke device mappings.
 */
#ifndef VM_DEVICE_PAGER_H
#define VM_DEVICE_PAGER_H

#include "sim/base/base.h"
#include "vm/vm_page.h"

struct vm_object;

#define CDEV_NAME_MAX	16

/*
 * A character device with memory, as the VM sees it (FreeBSD's struct
 * cdev with the d_mmap entry of its cdevsw).  The driver fills the
 * fields above the line; the pager owns the rest.
 */
struct cdev {
	char si_name[CDEV_NAME_MAX];	/* "fb0" */
	vm_ooffset_t si_size;		/* mappable bytes, a page multiple */
	vm_prot_t si_prot;		/* the most a mapping may allow:
					   VM_PROT_READ, or with WRITE */
	/*
	 * The physical address (*paddr, page aligned) and memory attribute
	 * of the page at offset (page aligned, below si_size) for a mapping
	 * with prot.  0, or an errno: the offset cannot be mapped so.
	 */
	int (*d_mmap)(struct cdev *dev, vm_ooffset_t offset, vm_paddr_t *paddr,
	    vm_prot_t prot, vm_memattr_t *memattr);
	/* The last mapping went away (the object died); may be NULL. */
	void (*d_unmapped)(struct cdev *dev);
	int si_drv0;			/* unit number (the VFS sets it:
					   the minor in stat) */
	void *si_drv1;			/* the driver's own */
	bool si_gone;			/* removed (destroy_dev) */
	/* ---- the device pager's ---- */
	struct vm_object *si_object;	/* shared by every mapping, or NULL */
	struct vm_page *si_fake;	/* [atop(si_size)] fictitious pages
					   (made at first use; flags 0 = not
					   yet) */
};

/*
 * mmap of dev for [foff, foff + size) with prot (FreeBSD vm_mmap_cdev,
 * then vm_pager_allocate(OBJT_DEVICE)).  *maxprotp comes in as the file's
 * limit and goes out clipped to the device's.  Returns 0 with *objp, a
 * new reference on the device's object, or an errno: ENXIO (dev gone),
 * EACCES (prot asks for more than the device allows, e.g. PROT_WRITE on a
 * read-only device), EINVAL (a private mapping — devices give none —,
 * foff not page aligned, the range beyond the device or empty, or d_mmap
 * refusing a page of it).  Logs EV_DEVICE "mmap" on success.
 */
int vm_mmap_cdev(struct cdev *dev, vm_size_t size, vm_prot_t prot,
    vm_prot_t *maxprotp, bool shared, vm_ooffset_t foff,
    struct vm_object **objp);

/*
 * The device's object with a new reference: the existing one, or a new
 * OBJT_DEVICE object of the device's size in pages (FreeBSD
 * dev_pager_alloc).  NULL under the conditions vm_mmap_cdev calls
 * EINVAL.  Does not check si_gone.
 */
struct vm_object *dev_pager_alloc(struct cdev *dev, vm_size_t size,
    vm_prot_t prot, vm_ooffset_t foff);
/*
 * The page of the device object obj at pindex, made if needed and
 * entered into obj (FreeBSD dev_pager_getpages): *mp is the fictitious
 * page, wire count 1, memattr set.  KERN_SUCCESS; KERN_FAILURE when the
 * device is gone, pindex is beyond it, or d_mmap refuses.
 */
int dev_pager_getpage(struct vm_object *obj, vm_pindex_t pindex,
    vm_page_t *mp);
/*
 * obj, a device object, is being terminated (vm_object_terminate, its
 * pages already out of it): the device forgets it and its driver's
 * d_unmapped runs (FreeBSD dev_pager_dealloc).  The fictitious pages stay
 * with the device.
 */
void dev_pager_dealloc(struct vm_object *obj);
/* The fictitious page of dev at pindex if the pager made it, else NULL
 * (for inspection: tests, Lua). */
vm_page_t dev_pager_page(struct cdev *dev, vm_pindex_t pindex);
/*
 * The device is going away for good (the machine's end): free its
 * fictitious pages.  Requires no object (no mapping left); each page must
 * be out of every object with its wire count still 1.
 */
void dev_pager_cdev_fini(struct cdev *dev);

#endif
