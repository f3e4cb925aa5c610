/*
 * vm/vm_phys.c — the free-page allocator beneath vm_page (FreeBSD
 * sys/vm/vm_phys.c, 2010 semantics for vm_phys_alloc_contig; the buddy
 * queues are replaced by one address-ordered free queue).
 *
 * The free queue is an intrusive doubly linked list through the pages'
 * qnext/qprev links, kept sorted by physical address, so that allocation
 * always takes the lowest free frame: consecutive allocations give
 * ascending frames and a run is easy to read.  A bitmap (one bit per
 * managed frame, set = free) finds a freed page's place in the queue and
 * lets vm_phys_alloc_contig test runs of frames quickly.
 *
 * The direct map pointer vm_phys_dmap also lives here: the host address of
 * simulated physical address 0, set by the machine at startup.
 */
#include "vm/vm_page.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

uint8_t *vm_phys_dmap;

static vm_page_t phys_array;		/* the managed pages */
static unsigned long phys_npages;
static uint64_t *phys_freemap;		/* bit i set: phys_array[i] is free */
static vm_page_t free_head, free_tail;	/* sorted by phys_addr */
static unsigned long free_count;

#define BITS	64

static inline bool
freemap_test(unsigned long i)
{
	return ((phys_freemap[i / BITS] >> (i % BITS)) & 1) != 0;
}

static inline void
freemap_set(unsigned long i)
{
	phys_freemap[i / BITS] |= (uint64_t)1 << (i % BITS);
}

static inline void
freemap_clear(unsigned long i)
{
	phys_freemap[i / BITS] &= ~((uint64_t)1 << (i % BITS));
}

/* The highest free index below i, or -1. */
static long
freemap_prev(unsigned long i)
{
	unsigned long w;
	uint64_t bits;

	if (i == 0)
		return (-1);
	i--;
	w = i / BITS;
	bits = phys_freemap[w] & (~(uint64_t)0 >> (BITS - 1 - i % BITS));
	for (;;) {
		if (bits != 0)
			return ((long)(w * BITS + (BITS - 1 -
			    (unsigned long)__builtin_clzll(bits))));
		if (w == 0)
			return (-1);
		bits = phys_freemap[--w];
	}
}

/*
 * Take over array[0..npages): every page starts off the free queue (the
 * caller frees the usable ones).  Called by vm_page_startup; a second
 * call (a new machine) forgets the old array.
 */
void
vm_phys_init(vm_page_t array, unsigned long npages)
{
	free(phys_freemap);
	phys_array = array;
	phys_npages = npages;
	phys_freemap = calloc((npages + BITS - 1) / BITS + 1, sizeof(uint64_t));
	if (phys_freemap == NULL)
		panic("vm_phys_init: no memory for %lu pages", npages);
	free_head = free_tail = NULL;
	free_count = 0;
}

static unsigned long
phys_index(vm_page_t m)
{
	KASSERT(m >= phys_array && m < phys_array + phys_npages,
	    ("vm_phys: page %p (pa %#llx) is not managed", (void *)m,
	    (unsigned long long)m->phys_addr));
	return ((unsigned long)(m - phys_array));
}

/*
 * Put m on the free queue at its address-ordered place and mark it
 * PQ_FREE.  The caller (vm_page_free) has taken it off its object and off
 * every other queue.
 */
void
vm_phys_free_page(vm_page_t m)
{
	unsigned long i;
	long p;
	vm_page_t prev;

	i = phys_index(m);
	KASSERT(!freemap_test(i), ("vm_phys_free_page: pa %#llx already free",
	    (unsigned long long)m->phys_addr));
	KASSERT(m->object == NULL && m->wire_count == 0 && m->hold_count == 0,
	    ("vm_phys_free_page: pa %#llx obj %p wire %u hold %u",
	    (unsigned long long)m->phys_addr, (void *)m->object,
	    m->wire_count, m->hold_count));
	p = freemap_prev(i);
	prev = p < 0 ? NULL : &phys_array[p];
	m->qprev = prev;
	m->qnext = prev != NULL ? prev->qnext : free_head;
	if (m->qnext != NULL)
		m->qnext->qprev = m;
	else
		free_tail = m;
	if (prev != NULL)
		prev->qnext = m;
	else
		free_head = m;
	freemap_set(i);
	free_count++;
	m->queue = PQ_FREE;
}

/* Take m (free) off the free queue; it ends on PQ_NONE. */
static void
phys_unfree(vm_page_t m)
{
	unsigned long i;

	i = phys_index(m);
	KASSERT(freemap_test(i) && m->queue == PQ_FREE,
	    ("phys_unfree: pa %#llx not free", (unsigned long long)m->phys_addr));
	if (m->qprev != NULL)
		m->qprev->qnext = m->qnext;
	else
		free_head = m->qnext;
	if (m->qnext != NULL)
		m->qnext->qprev = m->qprev;
	else
		free_tail = m->qprev;
	m->qnext = m->qprev = NULL;
	freemap_clear(i);
	free_count--;
	m->queue = PQ_NONE;
}

/* The lowest free frame, taken off the free queue, or NULL. */
vm_page_t
vm_phys_alloc_page(void)
{
	vm_page_t m;

	if ((m = free_head) == NULL)
		return (NULL);
	phys_unfree(m);
	return (m);
}

unsigned long
vm_phys_free_count(void)
{
	return (free_count);
}

/* The lowest free index at or above i, or -1. */
static long
freemap_next(unsigned long i)
{
	unsigned long w, nw;
	uint64_t bits;

	if (i >= phys_npages)
		return (-1);
	nw = (phys_npages + BITS - 1) / BITS;
	w = i / BITS;
	bits = phys_freemap[w] & (~(uint64_t)0 << (i % BITS));
	for (;;) {
		if (bits != 0) {
			i = w * BITS + (unsigned long)__builtin_ctzll(bits);
			return (i < phys_npages ? (long)i : -1);
		}
		if (++w >= nw)
			return (-1);
		bits = phys_freemap[w];
	}
}

/*
 * Take the lowest free frame whose whole page lies in [low, high) off the
 * free queue (PQ_NONE, no object, unwired), or NULL when none is free
 * there (kmem_alloc_attr's allocator: FreeBSD 2010 used
 * vm_phys_alloc_contig(1, low, high, PAGE_SIZE, 0) for it).  A word of
 * the free bitmap is skipped at a time.
 */
vm_page_t
vm_phys_alloc_page_range(vm_paddr_t low, vm_paddr_t high)
{
	vm_paddr_t first_pa, end_pa;
	long i;

	if (phys_npages == 0 || free_count == 0)
		return (NULL);
	first_pa = phys_array[0].phys_addr;
	end_pa = first_pa + ptoa((vm_paddr_t)phys_npages);
	if (high > end_pa)
		high = end_pa;
	if (low < first_pa)
		low = first_pa;
	if (low >= high)
		return (NULL);
	low = round_page(low);		/* low < end_pa: no wrap */
	if (low >= high || high - low < PAGE_SIZE)
		return (NULL);
	i = freemap_next((unsigned long)atop(low - first_pa));
	if (i < 0 || phys_array[i].phys_addr + PAGE_SIZE > high)
		return (NULL);
	phys_unfree(&phys_array[i]);
	return (&phys_array[i]);
}

/*
 * Allocate npages contiguous free frames whose physical addresses lie in
 * [low, high), the first aligned to alignment (a power of two; 0 means a
 * page) and the run not crossing a multiple of boundary (a power of two;
 * 0 means no limit).  The lowest such run is taken.  Returns its first page
 * (the others follow it in the page array), every page off the free queue,
 * on PQ_NONE, without object and unwired; or NULL if no run fits.
 */
vm_page_t
vm_phys_alloc_contig(unsigned long npages, vm_paddr_t low, vm_paddr_t high,
    vm_paddr_t alignment, vm_paddr_t boundary)
{
	vm_paddr_t first_pa, end_pa, size, pa, bend;
	unsigned long i, j;

	if (alignment < PAGE_SIZE)
		alignment = PAGE_SIZE;
	KASSERT((alignment & (alignment - 1)) == 0,
	    ("vm_phys_alloc_contig: alignment %#llx not a power of 2",
	    (unsigned long long)alignment));
	KASSERT((boundary & (boundary - 1)) == 0,
	    ("vm_phys_alloc_contig: boundary %#llx not a power of 2",
	    (unsigned long long)boundary));
	if (npages == 0 || phys_npages == 0)
		return (NULL);
	size = ptoa((vm_paddr_t)npages);
	if (boundary != 0 && size > boundary)
		return (NULL);
	first_pa = phys_array[0].phys_addr;
	end_pa = first_pa + ptoa((vm_paddr_t)phys_npages);
	if (high > end_pa)
		high = end_pa;
	if (low < first_pa)
		low = first_pa;
	pa = (low + alignment - 1) & ~(alignment - 1);
	while (pa >= low && pa + size > pa && pa + size <= high) {
		/* Crossing a boundary: move to the next boundary. */
		if (boundary != 0 &&
		    ((pa ^ (pa + size - 1)) & ~(boundary - 1)) != 0) {
			bend = (pa + boundary) & ~(boundary - 1);
			pa = (bend + alignment - 1) & ~(alignment - 1);
			continue;
		}
		i = (unsigned long)atop(pa - first_pa);
		for (j = npages; j > 0; j--)
			if (!freemap_test(i + j - 1))
				break;
		if (j == 0) {
			for (j = 0; j < npages; j++)
				phys_unfree(&phys_array[i + j]);
			return (&phys_array[i]);
		}
		/* Frame i + j - 1 is busy: restart past it. */
		pa = first_pa + ptoa((vm_paddr_t)(i + j));
		pa = (pa + alignment - 1) & ~(alignment - 1);
	}
	return (NULL);
}

/*
 * The free queue is sorted by address, linked both ways, agrees with the
 * bitmap and the count, and holds only unowned, unwired, unheld pages.
 */
int
vm_phys_check(char *msg, size_t msglen)
{
	vm_page_t m, prev;
	unsigned long n, i, bits;

	n = 0;
	prev = NULL;
	for (m = free_head; m != NULL; prev = m, m = m->qnext) {
		if (++n > phys_npages) {
			snprintf(msg, msglen, "free queue longer than %lu pages",
			    phys_npages);
			return (-1);
		}
		if (m < phys_array || m >= phys_array + phys_npages) {
			snprintf(msg, msglen, "free queue holds an unmanaged page");
			return (-1);
		}
		if (m->qprev != prev) {
			snprintf(msg, msglen, "free queue: bad back link at pa %#llx",
			    (unsigned long long)m->phys_addr);
			return (-1);
		}
		if (prev != NULL && prev->phys_addr >= m->phys_addr) {
			snprintf(msg, msglen, "free queue unsorted: %#llx before %#llx",
			    (unsigned long long)prev->phys_addr,
			    (unsigned long long)m->phys_addr);
			return (-1);
		}
		if (m->queue != PQ_FREE || !freemap_test(phys_index(m))) {
			snprintf(msg, msglen, "free queue: pa %#llx has queue %u, bit %d",
			    (unsigned long long)m->phys_addr, m->queue,
			    (int)freemap_test(phys_index(m)));
			return (-1);
		}
		if (m->object != NULL || m->wire_count != 0 || m->hold_count != 0) {
			snprintf(msg, msglen, "free page pa %#llx: object %s, wire %u, hold %u",
			    (unsigned long long)m->phys_addr,
			    m->object != NULL ? "set" : "none", m->wire_count,
			    m->hold_count);
			return (-1);
		}
	}
	if (prev != free_tail) {
		snprintf(msg, msglen, "free queue tail is not its last page");
		return (-1);
	}
	if (n != free_count) {
		snprintf(msg, msglen, "free queue has %lu pages, count says %lu",
		    n, free_count);
		return (-1);
	}
	bits = 0;
	for (i = 0; i < phys_npages; i++)
		bits += freemap_test(i);
	if (bits != free_count) {
		snprintf(msg, msglen, "free bitmap has %lu bits, count says %lu",
		    bits, free_count);
		return (-1);
	}
	return (0);
}
