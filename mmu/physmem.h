/*
 * mmu/physmem.h — simulated physical memory: one memfd of the machine's
 * size, divided into 4 KiB frames, mapped once into the host ("the direct
 * map") for the kernel's own reads and writes.  cpu/ maps the same memfd
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
	uint8_t *base;		/* host mapping of [0, size) */
	vm_paddr_t size;	/* bytes, a multiple of PAGE_SIZE */
};

/* 0, or -errno (memfd_create/ftruncate/mmap failed). */
int physmem_init(struct physmem *pm, vm_paddr_t bytes);
void physmem_fini(struct physmem *pm);

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
