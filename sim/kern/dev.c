/*
 * sim/kern/dev.c — the simulated devices with memory to map (VM-SPEC.md
 * "Devices and fictitious pages"): drivers in the FreeBSD manner, each a
 * struct cdev with a d_mmap entry (FreeBSD d_mmap(9)) that the device
 * pager asks for the physical address and memory attribute of a page.
 *
 *   /dev/fb0   a frame buffer: 128 x 128 x 32 bits = 64 KiB (16 pages) at
 *              the start of the device aperture, read/write, mapped
 *              write-combining (as a frame buffer is on a PC: stores go
 *              straight to the device, bypassing the caches, merged);
 *   /dev/mmio  one page of device registers at 1 MiB into the aperture,
 *              read-only to map, uncacheable (each load reaches the
 *              device: the cache model must not answer it).  The
 *              registers (dev.h) describe the frame buffer.
 *
 * Where the memory is: the aperture (mmu/physmem.h) lies at the first
 * 256 MiB boundary above RAM — 0x10000000 with the default 64 MiB on both
 * machines (on MIPS the start of the Malta board's PCI memory window);
 * RAM may reach 4 GiB here and has no PC-style hole below 4 GiB, so the
 * devices follow RAM instead of sitting at a fixed 0xe0000000.  It is
 * part of the physical-memory memfd, so the execution engine shows a
 * device page like any frame, and the device model reads what the guest
 * stored with no copying: "the device sees it" (dev_read).
 *
 * The device watches its mappings go away: when the last one does
 * (munmap, exit), it logs EV_DEVICE "checksum" with the FNV-1a of its
 * whole memory, so a trace shows what the device holds.
 *
 * XXX: the registers are static values written at attach; a model whose
 * loads have side effects (a status register that clears on read) would
 * need the engine to stop at each uncached access, which it does not.
 * XXX: read(2) and write(2) on the devices are EINVAL: mmap only.
 */
#include "sim/kern/dev.h"
#include "sim/kern/kern.h"
#include "sim/base/event.h"
#include "mmu/physmem.h"
#include "vm/device_pager.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* A device whose memory is one physical range (fb0, mmio). */
struct dev_mem {
	struct cdev cdev;	/* first: free(&cdev) frees the whole device */
	struct physmem *pm;
	vm_paddr_t pa;		/* its memory: [pa, pa + cdev.si_size) */
	vm_memattr_t memattr;	/* how the driver wants it mapped */
};

/* FreeBSD d_mmap: the page at offset, for a mapping with prot. */
static int
dev_mem_mmap(struct cdev *dev, vm_ooffset_t offset, vm_paddr_t *paddr,
    vm_prot_t prot, vm_memattr_t *memattr)
{
	struct dev_mem *d = dev->si_drv1;

	if (offset >= dev->si_size || (offset & PAGE_MASK) != 0)
		return (EINVAL);
	if ((prot & VM_PROT_ALL & ~dev->si_prot) != 0)
		return (EACCES);
	*paddr = d->pa + offset;
	*memattr = d->memattr;
	return (0);
}

/* FNV-1a, 32 bits (the offset basis 2166136261, the prime 16777619). */
static uint32_t
dev_fnv1a(const uint8_t *p, size_t len)
{
	uint32_t h = 2166136261u;

	for (size_t i = 0; i < len; i++) {
		h ^= p[i];
		h *= 16777619u;
	}
	return (h);
}

static uint32_t
dev_mem_checksum(const struct dev_mem *d)
{
	return (dev_fnv1a(physmem_ptr(d->pm, d->pa), (size_t)d->cdev.si_size));
}

/* The last mapping went away: tell the trace what the device holds. */
static void
dev_mem_unmapped(struct cdev *dev)
{
	struct dev_mem *d = dev->si_drv1;
	struct event ev = event_make(EV_DEVICE, "checksum", 0);

	ev.pa = d->pa;
	snprintf(ev.detail, sizeof(ev.detail), "%s bytes=%llu fnv1a=0x%08x",
	    dev->si_name, (unsigned long long)dev->si_size, dev_mem_checksum(d));
	event_emit(&ev, 0);
}

/* A new device of size bytes at aperture offset aoff (not yet added). */
static struct dev_mem *
dev_mem_new(struct kern *k, const char *name, vm_paddr_t aoff, vm_size_t size,
    vm_prot_t prot, vm_memattr_t memattr)
{
	struct dev_mem *d = calloc(1, sizeof(*d));

	if (d == NULL)
		return (NULL);
	KASSERT(aoff + size <= k->pm->dev_size, ("dev_mem_new: %s beyond the "
	    "aperture", name));
	snprintf(d->cdev.si_name, sizeof(d->cdev.si_name), "%s", name);
	d->cdev.si_size = size;
	d->cdev.si_prot = prot;
	d->cdev.d_mmap = dev_mem_mmap;
	d->cdev.d_unmapped = dev_mem_unmapped;
	d->cdev.si_drv1 = d;
	d->pm = k->pm;
	d->pa = k->pm->dev_pa + aoff;
	d->memattr = memattr;
	memset(physmem_ptr(k->pm, d->pa), 0, (size_t)size);
	return (d);
}

/* A 32-bit register of the mmio page, in the guest's byte order. */
static void
dev_mmio_set(struct kern *k, struct dev_mem *d, unsigned reg, uint32_t v)
{
	uint8_t *p = physmem_ptr(d->pm, d->pa + reg);
	bool be = k->arch == ARCH_MIPS;

	for (int i = 0; i < 4; i++)
		p[i] = (uint8_t)(v >> (be ? 24 - 8 * i : 8 * i));
}

int
dev_attach(struct kern *k)
{
	struct dev_mem *fb, *mmio;

	if (k->pm == NULL || k->pm->dev_size == 0)
		return (0);
	fb = dev_mem_new(k, "fb0", DEV_FB_OFFSET, DEV_FB_BYTES,
	    VM_PROT_READ | VM_PROT_WRITE, VM_MEMATTR_WRITE_COMBINING);
	mmio = dev_mem_new(k, "mmio", DEV_MMIO_OFFSET, DEV_MMIO_BYTES,
	    VM_PROT_READ, VM_MEMATTR_UNCACHEABLE);
	if (fb == NULL || mmio == NULL) {
		free(fb);
		free(mmio);
		return (-ENOMEM);
	}
	dev_mmio_set(k, mmio, DEV_MMIO_ID, DEV_MMIO_MAGIC);
	dev_mmio_set(k, mmio, DEV_MMIO_VERSION, 1);
	dev_mmio_set(k, mmio, DEV_MMIO_FB_PA_LO, (uint32_t)fb->pa);
	dev_mmio_set(k, mmio, DEV_MMIO_FB_PA_HI, (uint32_t)(fb->pa >> 32));
	dev_mmio_set(k, mmio, DEV_MMIO_FB_BYTES, DEV_FB_BYTES);
	dev_mmio_set(k, mmio, DEV_MMIO_FB_WIDTH, DEV_FB_WIDTH);
	dev_mmio_set(k, mmio, DEV_MMIO_FB_HEIGHT, DEV_FB_HEIGHT);
	dev_mmio_set(k, mmio, DEV_MMIO_FB_BPP, DEV_FB_BPP);
	if (vfs_device_add(&k->vfs, &fb->cdev) != 0) {
		free(fb);
		free(mmio);
		return (-ENOMEM);
	}
	if (vfs_device_add(&k->vfs, &mmio->cdev) != 0) {
		free(mmio);
		return (-ENOMEM);
	}
	return (0);
}

/* The memory device name, or NULL. */
static struct dev_mem *
dev_mem_find(struct kern *k, const char *name)
{
	struct cdev *dev = vfs_device_find(&k->vfs, name);

	return (dev != NULL && dev->d_mmap == dev_mem_mmap ? dev->si_drv1 : NULL);
}

int
dev_read(struct kern *k, const char *name, uint64_t off, void *buf, size_t len)
{
	struct dev_mem *d = dev_mem_find(k, name);

	if (d == NULL)
		return (-ENOENT);
	if (off > d->cdev.si_size || len > d->cdev.si_size - off)
		return (-EINVAL);
	memcpy(buf, physmem_ptr(d->pm, d->pa + off), len);
	return (0);
}

uint32_t
dev_checksum(struct kern *k, const char *name)
{
	struct dev_mem *d = dev_mem_find(k, name);

	return (d != NULL ? dev_mem_checksum(d) : 0);
}
