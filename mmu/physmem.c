/*
 * mmu/physmem.c — simulated physical memory as one anonymous memfd.
 *
 * The memfd is the machine's RAM: offset pa of the file is physical
 * address pa.  It is mapped once, shared and read-write, as the direct
 * map the simulated kernel uses; cpu/ maps the same file again into
 * per-address-space windows, so stores through any mapping are seen by
 * all of them.  The file starts zero-filled (ftruncate), like RAM after
 * the firmware has cleared it.
 *
 * Beyond RAM, at the first PHYSMEM_DEV_ALIGN boundary, lies the device
 * aperture (physmem.h): the same memfd at the same offsets, so a device
 * frame is shown and reached exactly as a RAM frame is.
 *
 * Byte order is explicit in every multi-byte helper: MIPS page tables are
 * kept in the guest's order, amd64 page tables little-endian, and the host
 * order never leaks into simulated memory.
 */
#include "mmu/physmem.h"

#include <errno.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

/*
 * Create a zero-filled physical memory of bytes (a non-zero multiple of
 * PAGE_SIZE) and map it.  Returns 0, -EINVAL for a bad size, or -errno
 * from memfd_create/ftruncate/mmap; on failure pm holds nothing to free.
 */
int
physmem_init(struct physmem *pm, vm_paddr_t bytes)
{
	vm_paddr_t dev_pa, end;
	uint8_t *p;
	int fd, error;

	pm->fd = -1;
	pm->base = NULL;
	pm->size = 0;
	pm->dev_pa = pm->dev_size = 0;
	if (bytes == 0 || (bytes & PAGE_MASK) != 0 || bytes > (vm_paddr_t)SIZE_MAX)
		return (-EINVAL);
	dev_pa = (bytes + PHYSMEM_DEV_ALIGN - 1) & ~(PHYSMEM_DEV_ALIGN - 1);
	end = dev_pa + PHYSMEM_DEV_BYTES;
	if (end > (vm_paddr_t)SIZE_MAX)
		return (-EINVAL);
	fd = memfd_create("vmsim-phys", MFD_CLOEXEC);
	if (fd < 0)
		return (-errno);
	/* Sparse: only the frames written take host memory. */
	if (ftruncate(fd, (off_t)end) != 0) {
		error = -errno;
		close(fd);
		return (error);
	}
	/* One reservation for [0, end); RAM and the aperture are mapped
	 * into it, the hole between them stays inaccessible. */
	p = mmap(NULL, (size_t)end, PROT_NONE,
	    MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (p == MAP_FAILED) {
		error = -errno;
		close(fd);
		return (error);
	}
	if (mmap(p, (size_t)bytes, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_FIXED,
	    fd, 0) == MAP_FAILED ||
	    mmap(p + dev_pa, (size_t)PHYSMEM_DEV_BYTES, PROT_READ | PROT_WRITE,
	    MAP_SHARED | MAP_FIXED, fd, (off_t)dev_pa) == MAP_FAILED) {
		error = -errno;
		munmap(p, (size_t)end);
		close(fd);
		return (error);
	}
	pm->fd = fd;
	pm->base = p;
	pm->size = bytes;
	pm->dev_pa = dev_pa;
	pm->dev_size = PHYSMEM_DEV_BYTES;
	return (0);
}

/* Unmap and close; pm may be passed to physmem_fini again harmlessly. */
void
physmem_fini(struct physmem *pm)
{
	if (pm->base != NULL)
		munmap(pm->base, (size_t)(pm->dev_pa + pm->dev_size));
	if (pm->fd >= 0)
		close(pm->fd);
	pm->fd = -1;
	pm->base = NULL;
	pm->size = 0;
	pm->dev_pa = pm->dev_size = 0;
}

static inline void
physmem_assert_range(const struct physmem *pm, vm_paddr_t pa, unsigned len)
{
	KASSERT(pa <= pm->size && len <= pm->size - pa,
	    ("physmem: access of %u bytes at pa %#jx beyond size %#jx",
	    len, (uintmax_t)pa, (uintmax_t)pm->size));
}

/* Load 32 bits at pa (in bounds) in the given byte order. */
uint32_t
physmem_ld32(const struct physmem *pm, vm_paddr_t pa, bool big_endian)
{
	const uint8_t *b;

	physmem_assert_range(pm, pa, 4);
	b = pm->base + pa;
	if (big_endian)
		return ((uint32_t)b[0] << 24 | (uint32_t)b[1] << 16 |
		    (uint32_t)b[2] << 8 | (uint32_t)b[3]);
	return ((uint32_t)b[3] << 24 | (uint32_t)b[2] << 16 |
	    (uint32_t)b[1] << 8 | (uint32_t)b[0]);
}

/* Store 32 bits at pa (in bounds) in the given byte order. */
void
physmem_st32(struct physmem *pm, vm_paddr_t pa, uint32_t v, bool big_endian)
{
	uint8_t *b;

	physmem_assert_range(pm, pa, 4);
	b = pm->base + pa;
	for (int i = 0; i < 4; i++) {
		int shift = big_endian ? 24 - 8 * i : 8 * i;

		b[i] = (uint8_t)(v >> shift);
	}
}

/* Load a little-endian 64-bit value at pa (in bounds). */
uint64_t
physmem_ld64le(const struct physmem *pm, vm_paddr_t pa)
{
	const uint8_t *b;
	uint64_t v = 0;

	physmem_assert_range(pm, pa, 8);
	b = pm->base + pa;
	for (int i = 7; i >= 0; i--)
		v = v << 8 | b[i];
	return (v);
}

/* Store a little-endian 64-bit value at pa (in bounds). */
void
physmem_st64le(struct physmem *pm, vm_paddr_t pa, uint64_t v)
{
	uint8_t *b;

	physmem_assert_range(pm, pa, 8);
	b = pm->base + pa;
	for (int i = 0; i < 8; i++)
		b[i] = (uint8_t)(v >> (8 * i));
}
