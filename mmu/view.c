/*
 * mmu/view.c — the host view of an address space (see view.h).
 */
#include "mmu/view.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

int
mmu_view_init(struct mmu_view *v, struct physmem *pm, vm_offset_t size)
{
	memset(v, 0, sizeof(*v));
	v->pm = pm;
	v->size = size;
	v->nchunks = (size + (1ull << VIEW_CHUNK_SHIFT) - 1) >> VIEW_CHUNK_SHIFT;
	v->shown = calloc(v->nchunks, sizeof(v->shown[0]));
	if (v->shown == NULL)
		return -ENOMEM;
	v->host = mmap(NULL, size, PROT_NONE,
	    MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (v->host == MAP_FAILED) {
		free(v->shown);
		v->shown = NULL;
		return -errno;
	}
	return 0;
}

void
mmu_view_fini(struct mmu_view *v)
{
	if (v->shown == NULL)
		return;
	munmap(v->host, v->size);
	for (size_t i = 0; i < v->nchunks; i++)
		free(v->shown[i]);
	free(v->shown);
	v->shown = NULL;
}

static uint32_t *
view_slot(struct mmu_view *v, vm_offset_t va, bool create)
{
	size_t ci = va >> VIEW_CHUNK_SHIFT;
	uint32_t *chunk = v->shown[ci];

	if (chunk == NULL) {
		if (!create)
			return NULL;
		chunk = calloc(VIEW_CHUNK_PAGES, sizeof(uint32_t));
		if (chunk == NULL)
			return NULL;
		v->shown[ci] = chunk;
	}
	return &chunk[(va >> PAGE_SHIFT) & (VIEW_CHUNK_PAGES - 1)];
}

static void
view_changed(struct mmu_view *v, vm_offset_t va, uint32_t old)
{
	(void)old;
	v->nrepoints++;
	/* Even a page that showed zeros may have been translated as code
	 * (qemu reads code before any hook runs): always tell cpu/. */
	if (v->repointed != NULL)
		v->repointed(v->repointed_arg, va);
}

int
mmu_view_reset(struct mmu_view *v, vm_offset_t va, vm_size_t len, bool accessible)
{
	void *p;

	KASSERT((va & PAGE_MASK) == 0 && (len & PAGE_MASK) == 0 &&
	    va + len <= v->size && va + len >= va,
	    ("mmu_view_reset: bad range %#llx+%#llx", (unsigned long long)va,
	    (unsigned long long)len));
	if (len == 0)
		return 0;
	p = mmap(v->host + va, len, accessible ? PROT_READ : PROT_NONE,
	    MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED | MAP_NORESERVE, -1, 0);
	if (p == MAP_FAILED)
		return -errno;
	for (vm_offset_t a = va; a < va + len; a += PAGE_SIZE) {
		uint32_t *s = view_slot(v, a, false);

		if (s == NULL) {
			/* Skip the rest of an untouched chunk. */
			vm_offset_t next = ((a >> VIEW_CHUNK_SHIFT) + 1) << VIEW_CHUNK_SHIFT;
			if (next > va + len)
				break;
			a = next - PAGE_SIZE;
			continue;
		}
		if (*s != VIEW_NONE) {
			uint32_t old = *s;
			*s = VIEW_NONE;
			view_changed(v, a, old);
		}
	}
	return 0;
}

int
mmu_view_show(struct mmu_view *v, vm_offset_t va, vm_paddr_t pa, bool writable)
{
	uint32_t want = VIEW_FRAME(pa >> PAGE_SHIFT, writable);
	uint32_t *s;
	uint32_t old;
	void *p;

	va = trunc_page(va);
	KASSERT(va < v->size && (pa < v->pm->size ||
	    physmem_is_device(v->pm, pa)),
	    ("mmu_view_show: va %#llx pa %#llx out of range",
	    (unsigned long long)va, (unsigned long long)pa));
	s = view_slot(v, va, true);
	if (s == NULL)
		return -ENOMEM;
	if (*s == want)
		return 0;
	p = mmap(v->host + va, PAGE_SIZE,
	    writable ? PROT_READ | PROT_WRITE : PROT_READ,
	    MAP_SHARED | MAP_FIXED, v->pm->fd, (off_t)trunc_page(pa));
	if (p == MAP_FAILED)
		return -errno;
	old = *s;
	*s = want;
	/* Only a change of frame can make translated code stale. */
	if (old == VIEW_NONE || (old >> 1) != (want >> 1))
		view_changed(v, va, old);
	return 0;
}

int
mmu_view_sink(struct mmu_view *v, vm_offset_t va)
{
	uint32_t *s;
	uint32_t old;
	void *p;

	va = trunc_page(va);
	if (va >= v->size)
		return -EINVAL;
	s = view_slot(v, va, true);
	if (s == NULL)
		return -ENOMEM;
	p = mmap(v->host + va, PAGE_SIZE, PROT_READ | PROT_WRITE,
	    MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
	if (p == MAP_FAILED)
		return -errno;
	old = *s;
	*s = VIEW_SINK;
	view_changed(v, va, old);
	return 0;
}

vm_paddr_t
mmu_view_frame(const struct mmu_view *v, vm_offset_t va)
{
	size_t ci = va >> VIEW_CHUNK_SHIFT;
	uint32_t s;

	if (va >= v->size || v->shown[ci] == NULL)
		return (vm_paddr_t)-1;
	s = v->shown[ci][(va >> PAGE_SHIFT) & (VIEW_CHUNK_PAGES - 1)];
	if (s <= VIEW_SINK)
		return (vm_paddr_t)-1;
	return (vm_paddr_t)((s >> 1) - 1) << PAGE_SHIFT;
}
