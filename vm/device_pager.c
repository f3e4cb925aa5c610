/*
 * vm/device_pager.c — the device pager and vm_mmap_cdev (FreeBSD
 * sys/vm/device_pager.c and vm_mmap.c, 2010; see device_pager.h and
 * VM-SPEC.md "Devices and fictitious pages").
 *
 * FreeBSD keeps the fake pages of a device object on the object's own
 * list and frees them with the object.  Here the device keeps them, one
 * slot per page of its memory (si_fake), so that the page a test or a
 * lab looks at after munmap and exit is still there, still fictitious
 * with its wire count of 1, and the next mapping gets the same page back.
 * Nothing else changes: the object holds the page in its tree while it
 * lives, vm_page_free of a fictitious page only takes it out of the tree.
 *
 * XXX: FreeBSD asks d_mmap again at every getpages and updates the fake
 * page when the address moved (vm_page_updatefake); here a page resident
 * in the object is found by vm_page_lookup first and not asked again,
 * and a page is re-initialised only when it comes back after its object
 * died.  The devices of the simulator never move their memory.
 */
#include "vm/device_pager.h"
#include "vm/vm_object.h"
#include "sim/base/event.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The device's pages: its size in pages. */
static vm_pindex_t
dev_pager_npages(const struct cdev *dev)
{
	return (atop(dev->si_size));
}

/* "rw-"-style protection, for events. */
static void
dev_pager_prot_str(vm_prot_t prot, char buf[4])
{
	buf[0] = (prot & VM_PROT_READ) ? 'r' : '-';
	buf[1] = (prot & VM_PROT_WRITE) ? 'w' : '-';
	buf[2] = (prot & VM_PROT_EXECUTE) ? 'x' : '-';
	buf[3] = '\0';
}

struct vm_object *
dev_pager_alloc(struct cdev *dev, vm_size_t size, vm_prot_t prot,
    vm_ooffset_t foff)
{
	struct vm_object *obj;
	vm_ooffset_t off;
	vm_memattr_t ma;
	vm_paddr_t pa;

	if ((foff & PAGE_MASK) != 0 || size == 0 || foff + size < foff ||
	    foff + size > dev->si_size)
		return (NULL);
	/* Every page of the range must be the device's to map (FreeBSD
	 * asks d_mmap for each one before it makes the object). */
	for (off = foff; off < foff + size; off += PAGE_SIZE)
		if (dev->d_mmap(dev, off, &pa, prot, &ma) != 0)
			return (NULL);
	if ((obj = dev->si_object) != NULL) {
		vm_object_reference(obj);
		return (obj);
	}
	obj = vm_object_allocate(OBJT_DEVICE, dev_pager_npages(dev));
	obj->cdev = dev;
	dev->si_object = obj;
	return (obj);
}

/* The memory attribute a page at pa gets: the driver's, unless pa is
 * real memory, whose own attribute wins (with a warning event). */
static vm_memattr_t
dev_pager_memattr(struct cdev *dev, vm_pindex_t pindex, vm_paddr_t pa,
    vm_memattr_t ma)
{
	vm_page_t real = PHYS_TO_VM_PAGE(pa);
	struct event ev;

	if (real == NULL || real->memattr == ma)
		return (ma);
	ev = event_make(EV_DEVICE, "memattr", 0);
	ev.pa = pa;
	snprintf(ev.detail, sizeof(ev.detail), "%s page %llu is real memory: "
	    "%s, not the driver's %s", dev->si_name, (unsigned long long)pindex,
	    vm_memattr_name(real->memattr), vm_memattr_name(ma));
	event_emit(&ev, 0);
	return (real->memattr);
}

int
dev_pager_getpage(struct vm_object *obj, vm_pindex_t pindex, vm_page_t *mp)
{
	struct cdev *dev = obj->cdev;
	vm_memattr_t ma;
	vm_paddr_t pa;
	vm_page_t m;

	KASSERT(obj->type == OBJT_DEVICE && dev != NULL && dev->si_object == obj,
	    ("dev_pager_getpage: object %llu is not a live device object",
	    (unsigned long long)obj->id));
	if (dev->si_gone || pindex >= dev_pager_npages(dev))
		return (KERN_FAILURE);
	if (dev->d_mmap(dev, ptoa(pindex), &pa, VM_PROT_READ, &ma) != 0)
		return (KERN_FAILURE);
	KASSERT((pa & PAGE_MASK) == 0, ("dev_pager_getpage: %s gave pa %#llx",
	    dev->si_name, (unsigned long long)pa));
	if (dev->si_fake == NULL) {
		dev->si_fake = calloc((size_t)dev_pager_npages(dev),
		    sizeof(struct vm_page));
		if (dev->si_fake == NULL)
			panic("dev_pager_getpage: out of host memory");
	}
	m = &dev->si_fake[pindex];
	KASSERT(m->object == NULL, ("dev_pager_getpage: %s page %llu already "
	    "in object %llu", dev->si_name, (unsigned long long)pindex,
	    (unsigned long long)(m->object != NULL ? m->object->id : 0)));
	if ((m->flags & PG_FICTITIOUS) == 0) {
		/* First use (FreeBSD vm_page_initfake): on no queue, wired
		 * once and for all. */
		memset(m, 0, sizeof(*m));
		m->flags = PG_FICTITIOUS;
		m->queue = PQ_NONE;
		m->wire_count = 1;
	}
	KASSERT(m->wire_count == 1 && m->hold_count == 0 && m->md_pv == NULL,
	    ("dev_pager_getpage: %s page %llu: wire %u hold %u", dev->si_name,
	    (unsigned long long)pindex, m->wire_count, m->hold_count));
	/* Not mapped anywhere now (its last object died, or it is new):
	 * the attribute can be set directly, before pmap_enter uses it. */
	m->phys_addr = pa;
	m->memattr = dev_pager_memattr(dev, pindex, pa, ma);
	m->valid = 1;
	m->dirty = 0;
	vm_page_insert(m, obj, pindex);
	*mp = m;
	return (KERN_SUCCESS);
}

void
dev_pager_dealloc(struct vm_object *obj)
{
	struct cdev *dev = obj->cdev;

	KASSERT(obj->type == OBJT_DEVICE && dev != NULL && dev->si_object == obj,
	    ("dev_pager_dealloc: object %llu is not its device's",
	    (unsigned long long)obj->id));
	KASSERT(obj->resident_page_count == 0, ("dev_pager_dealloc: object "
	    "%llu keeps %lu pages", (unsigned long long)obj->id,
	    obj->resident_page_count));
	dev->si_object = NULL;
	obj->cdev = NULL;
	if (dev->d_unmapped != NULL)
		dev->d_unmapped(dev);
}

vm_page_t
dev_pager_page(struct cdev *dev, vm_pindex_t pindex)
{
	vm_page_t m;

	if (dev->si_fake == NULL || pindex >= dev_pager_npages(dev))
		return (NULL);
	m = &dev->si_fake[pindex];
	return ((m->flags & PG_FICTITIOUS) != 0 ? m : NULL);
}

void
dev_pager_cdev_fini(struct cdev *dev)
{
	vm_pindex_t i;

	KASSERT(dev->si_object == NULL, ("dev_pager_cdev_fini: %s still mapped "
	    "(object %llu)", dev->si_name,
	    (unsigned long long)(dev->si_object != NULL ? dev->si_object->id : 0)));
	for (i = 0; dev->si_fake != NULL && i < dev_pager_npages(dev); i++) {
		vm_page_t m = &dev->si_fake[i];

		KASSERT(m->object == NULL && ((m->flags & PG_FICTITIOUS) == 0 ||
		    m->wire_count == 1), ("dev_pager_cdev_fini: %s page %llu: "
		    "wire count %u", dev->si_name, (unsigned long long)i,
		    m->wire_count));
	}
	free(dev->si_fake);
	dev->si_fake = NULL;
}

int
vm_mmap_cdev(struct cdev *dev, vm_size_t size, vm_prot_t prot,
    vm_prot_t *maxprotp, bool shared, vm_ooffset_t foff,
    struct vm_object **objp)
{
	struct vm_object *obj;
	struct event ev;
	vm_memattr_t ma;
	vm_paddr_t pa;
	char ps[4];

	*objp = NULL;
	if (dev->si_gone)
		return (ENXIO);
	/* A device allows what its driver does, whatever the file's mode. */
	*maxprotp &= dev->si_prot;
	prot &= VM_PROT_ALL;
	if ((prot & ~*maxprotp) != 0)
		return (EACCES);
	/* cdevs do not provide private mappings of any kind (FreeBSD). */
	if (!shared)
		return (EINVAL);
	if ((obj = dev_pager_alloc(dev, size, prot, foff)) == NULL)
		return (EINVAL);
	(void)dev->d_mmap(dev, foff, &pa, prot, &ma);
	dev_pager_prot_str(prot, ps);
	ev = event_make(EV_DEVICE, "mmap", 0);
	ev.pa = pa;
	snprintf(ev.detail, sizeof(ev.detail), "%s off=%#llx bytes=%llu prot=%s "
	    "memattr=%s", dev->si_name, (unsigned long long)foff,
	    (unsigned long long)size, ps, vm_memattr_name(ma));
	event_emit(&ev, 0);
	*objp = obj;
	return (0);
}
