/*
 * mmu/physmem.h — simulated physical memory: one memfd holding the
 * machine's RAM and, above it, the device aperture, divided into 4 KiB
 * frames, mapped once into the host ("the direct map") for the kernel's
 * own reads and writes.  cpu/ maps the same memfd
 * into per-address-space windows (mmu/view.h), so one frame can be seen
 * through many virtual pages at once: aliasing is real.
 *
 * Byte order: MIPS page tables are stored in the guest's byte order,
 * amd64 page tables little-endian; the physmem_{ld,st}* helpers take the
 * order explicitly.
 */
#ifndef MMU_PHYSMEM_H
#define MMU_PHYSMEM_H

#include "sim/base/base.h"

struct physmem {
	int fd;			/* the memfd; frames are at offset pa */
	uint8_t *base;		/* host address of pa 0: RAM and the aperture */
	vm_paddr_t size;	/* RAM bytes, a multiple of PAGE_SIZE */
	vm_paddr_t dev_pa;	/* the device aperture [dev_pa, dev_pa + dev_size) */
	vm_paddr_t dev_size;
};

/*
 * The device aperture: physical addresses that are not RAM, where the
 * simulated devices' memory lives (sim/kern/dev.c: a frame buffer, an
 * MMIO register page).  It starts at the first PHYSMEM_DEV_ALIGN
 * boundary above RAM (64 MiB of RAM: 0x10000000, which is also where
 * the MIPS Malta board's PCI memory window starts) and is
 * PHYSMEM_DEV_BYTES long.  Like RAM it is memfd offset pa, so the
 * execution engine's views show a device frame exactly as a RAM frame,
 * and the direct map reaches it at base + pa; the memfd's hole between
 * RAM and the aperture is never mapped.  No vm_page describes it.
 * MIPS EntryLo's 24-bit PFN reaches 64 GiB: any aperture fits.
 */
#define PHYSMEM_DEV_ALIGN	((vm_paddr_t)256 << 20)
#define PHYSMEM_DEV_BYTES	((vm_paddr_t)2 << 20)

/* 0, or -errno (memfd_create/ftruncate/mmap failed).  Makes the device
 * aperture too. */
int physmem_init(struct physmem *pm, vm_paddr_t bytes);
void physmem_fini(struct physmem *pm);

/* pa lies in the device aperture. */
static inline bool
physmem_is_device(const struct physmem *pm, vm_paddr_t pa)
{
	return pa >= pm->dev_pa && pa - pm->dev_pa < pm->dev_size;
}

static inline void *
physmem_ptr(const struct physmem *pm, vm_paddr_t pa)
{
	return pm->base + pa;
}

uint32_t physmem_ld32(const struct physmem *pm, vm_paddr_t pa, bool big_endian);
void physmem_st32(struct physmem *pm, vm_paddr_t pa, uint32_t v, bool big_endian);
uint64_t physmem_ld64le(const struct physmem *pm, vm_paddr_t pa);
void physmem_st64le(struct physmem *pm, vm_paddr_t pa, uint64_t v);

#endif
