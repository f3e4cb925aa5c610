/*
 * mmu/view.h — an address space's host view: a host virtual range, one
 * guest page per host page (guest va v lives at host + v), in which each
 * page is made to show the simulated physical frame that the accessing
 * CPU's translation gives.  Unicorn's regions are mapped onto this range
 * (cpu/), so once the MMU model has translated an access and the view
 * shows the frame, Unicorn's own access lands in simulated physical memory.
 *
 * A page can be in one of these states:
 *   none     host PROT_NONE: no Unicorn region covers it
 *   zero     anonymous read-only zeros: region exists, nothing shown yet
 *            (qemu may read it to translate code; it never faults the host)
 *   frame    MAP_SHARED of the physical-memory memfd at the frame,
 *            read-only or read-write as the translation allows
 *   sink     a private anonymous read-write page: the access was refused
 *            by the model and must not reach any frame (the guest gets a
 *            signal); whatever it does lands here, harmlessly
 *
 * Re-pointing is mmap(MAP_FIXED), a host system call (~1-2 us): it
 * happens on translation changes only, never per access.  Every re-point
 * of a page that showed something else calls the repointed callback, so
 * cpu/ can drop translated code for the page.
 */
#ifndef MMU_VIEW_H
#define MMU_VIEW_H

#include "sim/base/base.h"
#include "mmu/physmem.h"

#define VIEW_CHUNK_SHIFT	30	/* shown-state tables per 1 GiB */
#define VIEW_CHUNK_PAGES	(1u << (VIEW_CHUNK_SHIFT - PAGE_SHIFT))

struct mmu_view {
	struct physmem *pm;
	uint8_t *host;			/* guest va v is at host + v */
	vm_offset_t size;		/* bytes of guest va covered */
	uint32_t **shown;		/* per chunk, per page: VIEW_* state */
	size_t nchunks;
	void (*repointed)(void *arg, vm_offset_t va);
	void *repointed_arg;
	uint64_t nrepoints;		/* statistics */
};

/* Encoding of a page's shown state. */
#define VIEW_NONE	0u		/* PROT_NONE, or zero page */
#define VIEW_SINK	1u
#define VIEW_FRAME(pfn, w) ((((uint32_t)(pfn) + 1) << 1) | ((w) ? 1u : 0u))

/* Reserve size bytes of host va (PROT_NONE).  0 or -errno. */
int mmu_view_init(struct mmu_view *v, struct physmem *pm, vm_offset_t size);
void mmu_view_fini(struct mmu_view *v);
/* [va, va+len) gets a Unicorn region (accessible: zero pages) or loses
 * it (PROT_NONE).  Page aligned.  0 or -errno. */
int mmu_view_reset(struct mmu_view *v, vm_offset_t va, vm_size_t len, bool accessible);
/* Show frame pa at page va, writable or not.  No-op if already so. */
int mmu_view_show(struct mmu_view *v, vm_offset_t va, vm_paddr_t pa, bool writable);
/* Show the sink at page va. */
int mmu_view_sink(struct mmu_view *v, vm_offset_t va);
/* The frame shown at va, or (vm_paddr_t)-1 if none. */
vm_paddr_t mmu_view_frame(const struct mmu_view *v, vm_offset_t va);

static inline void *
mmu_view_host(const struct mmu_view *v, vm_offset_t va)
{
	return v->host + va;
}

#endif
