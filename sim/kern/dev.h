/*
 * sim/kern/dev.h — the simulated devices with memory to map: a frame
 * buffer (/dev/fb0) and a page of MMIO registers (/dev/mmio), in the
 * machine's device aperture (mmu/physmem.h), mapped through the device
 * pager (vm/device_pager.h).  See dev.c for the models.
 */
#ifndef SIM_KERN_DEV_H
#define SIM_KERN_DEV_H

#include "sim/base/base.h"

struct kern;

/* The frame buffer: 128 x 128 pixels of 32 bits, 64 KiB (16 pages) at the
 * start of the aperture; read/write, write-combining. */
#define DEV_FB_WIDTH		128
#define DEV_FB_HEIGHT		128
#define DEV_FB_BPP		32
#define DEV_FB_BYTES		(DEV_FB_WIDTH * DEV_FB_HEIGHT * DEV_FB_BPP / 8)
#define DEV_FB_OFFSET		0x0		/* in the aperture */
/* The MMIO registers: one page at 1 MiB into the aperture; read-only to
 * map, uncacheable.  32-bit registers in the guest's byte order: */
#define DEV_MMIO_OFFSET		0x100000	/* in the aperture */
#define DEV_MMIO_BYTES		PAGE_SIZE
#define DEV_MMIO_ID		0x00	/* DEV_MMIO_MAGIC */
#define DEV_MMIO_VERSION	0x04	/* 1 */
#define DEV_MMIO_FB_PA_LO	0x08	/* fb0's physical address, low word */
#define DEV_MMIO_FB_PA_HI	0x0c	/*  and high word */
#define DEV_MMIO_FB_BYTES	0x10	/* DEV_FB_BYTES */
#define DEV_MMIO_FB_WIDTH	0x14	/* DEV_FB_WIDTH */
#define DEV_MMIO_FB_HEIGHT	0x18	/* DEV_FB_HEIGHT */
#define DEV_MMIO_FB_BPP		0x1c	/* DEV_FB_BPP */
#define DEV_MMIO_MAGIC		0x766d6d31u	/* "vmm1" */

/*
 * Create fb0 and mmio in k's device aperture (zeroed frame buffer, the
 * registers written) and make them /dev/fb0 and /dev/mmio (the VFS owns
 * them from then on: vfs_device_remove, vfs_fini).  A physical memory
 * without an aperture gets no device.  0, or -ENOMEM.
 */
int dev_attach(struct kern *k);
/*
 * The device's side of its memory: copy len bytes at off of device name
 * (removed or not) into buf.  0, or -ENOENT (no such device), -EINVAL
 * (beyond its memory).
 */
int dev_read(struct kern *k, const char *name, uint64_t off, void *buf,
    size_t len);
/* FNV-1a (32 bits) of the whole memory of device name, as the
 * EV_DEVICE "checksum" event reports it; 0 if there is no such device. */
uint32_t dev_checksum(struct kern *k, const char *name);

#endif
