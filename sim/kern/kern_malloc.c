/*
 * sim/kern/kern_malloc.c — malloc(9) in simulated kernel memory (FreeBSD
 * sys/kern/kern_malloc.c with the UMA zones of sys/vm/uma_core.c cut
 * down, 2010; VM-SPEC.md "Kernel memory (kmem)", "memguard", "Low
 * memory").  See sim/kern/malloc.h for the contract.
 *
 * Three paths, as in FreeBSD's malloc():
 *
 *   memguard_cmp(type, size)? -> memguard_alloc   (pages of their own)
 *   size <= KMEM_ZONE_MAX     -> a bucket item     (16, 32, ... 2048 bytes)
 *   else                      -> kmem_malloc       (round_page(size))
 *
 * A bucket is a zone of one-page slabs taken from kmem_map with
 * kmem_malloc (wired, mapped by pmap_qenter).  A slab is on one of
 * its zone's three lists — partial (some items free), full, empty — and
 * hands out its lowest free item.  Empty slabs stay cached until the
 * vm_lowmem handler (zone reclaim) gives them back.  A host-side hash
 * from page address to slab or large allocation is what kfree looks up
 * (FreeBSD's vtoslab, kept in the vm_page).
 *
 * XXX: the slab bookkeeping is host memory, not the slab header or the
 * items' free links UMA keeps in the page: only the kernel's own use of
 * the items is in simulated memory (through kern_kmem_*).
 *
 * The state is global, like kernel_map: one machine at a time.
 */
#include "sim/kern/malloc.h"
#include "sim/kern/kern.h"
#include "sim/base/event.h"
#include "vm/memguard.h"
#include "vm/pmap.h"
#include "vm/vm_kern.h"
#include "vm/vm_pageout.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MALLOC_DEFINE(t, shortdesc, longdesc) \
	struct malloc_type t[1] = { { .name = (shortdesc), .desc = (longdesc) } }

MALLOC_DEFINE(M_PIPE, "pipe", "pipe buffers");
MALLOC_DEFINE(M_EXEC, "exec", "argument lists for execve");
MALLOC_DEFINE(M_TEMP, "temp", "misc temporary data buffers");
MALLOC_DEFINE(M_DEVBUF, "devbuf", "device driver memory");
MALLOC_DEFINE(M_FILEBUF, "filebuf", "file data in transit (read, write)");

/* The kernel's own types, registered by kmalloc_init in this order. */
static struct malloc_type *const kmalloc_static_types[] = {
	M_PIPE, M_EXEC, M_TEMP, M_DEVBUF, M_FILEBUF,
};

#define KMEM_ITEMS_MAX	(PAGE_SIZE / KMEM_ZONE_MIN)	/* 256 */
#define KMEM_HASH_SIZE	1024				/* buckets, a power of 2 */

struct kmem_zone;

/* A slab (zone != NULL) or a large allocation (zone == NULL). */
struct kmem_block {
	struct kmem_block *hnext;		/* hash chain */
	struct kmem_block *next, *prev;		/* the zone's list */
	struct kmem_zone *zone;
	vm_offset_t kva;
	vm_size_t size;				/* large: round_page(size) */
	unsigned nfree;
	uint64_t used[KMEM_ITEMS_MAX / 64];	/* a bit per item in use */
};

struct kmem_zone {
	unsigned size, nitems;
	struct kmem_block *partial, *full, *empty;
	struct kmem_zone_stats st;
};

static struct {
	struct kern *k;
	struct kmem_zone zones[KMEM_NZONES];
	struct kmem_block *hash[KMEM_HASH_SIZE];
	struct malloc_type *types, **types_tail;
	struct kmalloc_stats st;
	bool lowmem_registered;
} km;

static unsigned long kmalloc_lowmem(void *arg, int flags);

/* Where slabs and large allocations come from: kmem_map (FreeBSD's
 * kmem_malloc(kmem_map, ...)), or kernel_map when there is none. */
static struct vm_map *
kmalloc_map(void)
{
	return (kmem_map != NULL ? kmem_map : kernel_map);
}

/* ---- types ---- */

static void
malloc_type_register(struct malloc_type *mtp)
{
	mtp->next = NULL;
	*km.types_tail = mtp;
	km.types_tail = &mtp->next;
}

struct malloc_type *
malloc_type_lookup(const char *name)
{
	struct malloc_type *mtp;

	for (mtp = km.types; mtp != NULL; mtp = mtp->next)
		if (strcmp(mtp->name, name) == 0)
			return (mtp);
	return (NULL);
}

struct malloc_type *
malloc_type_create(const char *name)
{
	struct malloc_type *mtp;
	char *copy;

	if ((mtp = malloc_type_lookup(name)) != NULL)
		return (mtp);
	if (name[0] == '\0' || strlen(name) >= MEMGUARD_DESC_MAX)
		return (NULL);
	if ((mtp = calloc(1, sizeof(*mtp))) == NULL || (copy = strdup(name)) == NULL) {
		free(mtp);
		return (NULL);
	}
	mtp->name = copy;
	mtp->desc = copy;
	mtp->dynamic = true;
	malloc_type_register(mtp);
	return (mtp);
}

struct malloc_type *
malloc_type_first(void)
{
	return (km.types);
}

static void
malloc_type_charge(struct malloc_type *mtp, uint64_t bytes)
{
	mtp->stats.requests++;
	mtp->stats.bytes_inuse += bytes;
	if (mtp->stats.bytes_inuse > mtp->stats.high_water)
		mtp->stats.high_water = mtp->stats.bytes_inuse;
}

static void
malloc_type_uncharge(struct malloc_type *mtp, uint64_t bytes)
{
	mtp->stats.frees++;
	/* XXX: a type freeing what another allocated (as FreeBSD allows)
	 * could go below zero: clamp. */
	mtp->stats.bytes_inuse -= MIN(bytes, mtp->stats.bytes_inuse);
}

/* ---- the page -> block hash ---- */

static unsigned
kmem_hash_index(vm_offset_t kva)
{
	return ((unsigned)(atop(kva) * 2654435761u) & (KMEM_HASH_SIZE - 1));
}

static struct kmem_block *
kmem_hash_lookup(vm_offset_t page)
{
	struct kmem_block *b;

	for (b = km.hash[kmem_hash_index(page)]; b != NULL; b = b->hnext)
		if (b->kva == page)
			return (b);
	return (NULL);
}

static void
kmem_hash_insert(struct kmem_block *b)
{
	unsigned i = kmem_hash_index(b->kva);

	b->hnext = km.hash[i];
	km.hash[i] = b;
}

static void
kmem_hash_remove(struct kmem_block *b)
{
	struct kmem_block **pp = &km.hash[kmem_hash_index(b->kva)];

	while (*pp != b) {
		KASSERT(*pp != NULL, ("kmem_hash_remove: %#llx not in the hash",
		    (unsigned long long)b->kva));
		pp = &(*pp)->hnext;
	}
	*pp = b->hnext;
}

/* ---- zones ---- */

static void
kmem_list_insert(struct kmem_block **head, struct kmem_block *b)
{
	b->prev = NULL;
	b->next = *head;
	if (*head != NULL)
		(*head)->prev = b;
	*head = b;
}

static void
kmem_list_remove(struct kmem_block **head, struct kmem_block *b)
{
	if (b->prev != NULL)
		b->prev->next = b->next;
	else
		*head = b->next;
	if (b->next != NULL)
		b->next->prev = b->prev;
	b->next = b->prev = NULL;
}

/* The list b belongs on by its free count. */
static struct kmem_block **
kmem_slab_list(struct kmem_zone *z, const struct kmem_block *b)
{
	if (b->nfree == z->nitems)
		return (&z->empty);
	return (b->nfree == 0 ? &z->full : &z->partial);
}

/* The smallest bucket holding size bytes. */
static struct kmem_zone *
kmem_zone_of(size_t size)
{
	unsigned i = 0;

	while (((size_t)KMEM_ZONE_MIN << i) < size)
		i++;
	KASSERT(i < KMEM_NZONES, ("kmem_zone_of: %zu bytes", size));
	return (&km.zones[i]);
}

/* A new empty slab for z (on its empty list), or NULL. */
static struct kmem_block *
kmem_slab_new(struct kmem_zone *z, int flags)
{
	struct kmem_block *b;
	vm_offset_t kva;

	if ((kva = kmem_malloc(kmalloc_map(), PAGE_SIZE, flags & (M_NOWAIT | M_WAITOK))) == 0)
		return (NULL);
	if ((b = calloc(1, sizeof(*b))) == NULL)
		panic("kmalloc: out of host memory");
	b->zone = z;
	b->kva = kva;
	b->size = PAGE_SIZE;
	b->nfree = z->nitems;
	kmem_hash_insert(b);
	kmem_list_insert(&z->empty, b);
	z->st.slabs++;
	z->st.slabs_empty++;
	km.st.slab_pages++;
	return (b);
}

/* Give an empty slab back to kmem_map. */
static void
kmem_slab_free(struct kmem_zone *z, struct kmem_block *b)
{
	KASSERT(b->nfree == z->nitems, ("kmem_slab_free: slab %#llx has items "
	    "in use", (unsigned long long)b->kva));
	kmem_list_remove(&z->empty, b);
	kmem_hash_remove(b);
	kmem_free(kmalloc_map(), b->kva, PAGE_SIZE);
	z->st.slabs--;
	z->st.slabs_empty--;
	km.st.slab_pages--;
	free(b);
}

/* An item of z (its lowest free one in the first partial slab, else in
 * an empty slab, else in a new one), or 0. */
static vm_offset_t
kmem_zone_alloc(struct kmem_zone *z, int flags)
{
	struct kmem_block *b, **from;
	unsigned i;

	if ((b = z->partial) != NULL)
		from = &z->partial;
	else {
		if (z->empty == NULL && kmem_slab_new(z, flags) == NULL)
			return (0);
		b = z->empty;
		from = &z->empty;
		z->st.slabs_empty--;
	}
	for (i = 0; i < z->nitems; i++)
		if ((b->used[i / 64] & (1ull << (i % 64))) == 0)
			break;
	KASSERT(i < z->nitems, ("kmem_zone_alloc: slab %#llx has no free item",
	    (unsigned long long)b->kva));
	b->used[i / 64] |= 1ull << (i % 64);
	b->nfree--;
	kmem_list_remove(from, b);
	kmem_list_insert(kmem_slab_list(z, b), b);
	z->st.items_used++;
	z->st.allocs++;
	return (b->kva + (vm_offset_t)i * z->size);
}

/* Free the item at addr of slab b: 0, or -1 (not an item's start, or
 * already free: the caller panics). */
static int
kmem_zone_free(struct kmem_block *b, vm_offset_t addr)
{
	struct kmem_zone *z = b->zone;
	vm_offset_t off = addr - b->kva;
	unsigned i = (unsigned)(off / z->size);

	if (off % z->size != 0 || (b->used[i / 64] & (1ull << (i % 64))) == 0)
		return (-1);
	kmem_list_remove(kmem_slab_list(z, b), b);
	b->used[i / 64] &= ~(1ull << (i % 64));
	b->nfree++;
	kmem_list_insert(kmem_slab_list(z, b), b);
	if (b->nfree == z->nitems)
		z->st.slabs_empty++;
	z->st.items_used--;
	z->st.frees++;
	return (0);
}

unsigned long
kmalloc_reclaim(void)
{
	unsigned long freed = 0;
	const char *oreason;

	km.st.reclaims++;
	oreason = pmap_reason_set("kernel");
	for (int i = 0; i < KMEM_NZONES; i++) {
		struct kmem_zone *z = &km.zones[i];
		unsigned long n = 0;

		while (z->empty != NULL) {
			kmem_slab_free(z, z->empty);
			n++;
		}
		freed += n;
	}
	(void)pmap_reason_set(oreason);
	km.st.reclaimed_slabs += freed;
	return (freed);
}

/* The vm_lowmem handler "malloc" (its run is logged by vm_lowmem). */
static unsigned long
kmalloc_lowmem(void *arg, int flags)
{
	(void)arg;
	(void)flags;
	return (kmalloc_reclaim());
}

/* ---- life cycle ---- */

/* Every block back to kmem_map, silently; the hash and lists empty. */
static void
kmalloc_release_all(bool give_back)
{
	for (int i = 0; i < KMEM_HASH_SIZE; i++) {
		struct kmem_block *b;

		while ((b = km.hash[i]) != NULL) {
			km.hash[i] = b->hnext;
			if (give_back && kernel_map != NULL)
				kmem_free(kmalloc_map(), b->kva, b->size);
			free(b);
		}
	}
}

/* Forget the dynamic types (host memory) and unlink the static ones. */
static void
kmalloc_types_reset(void)
{
	struct malloc_type *mtp, *next;

	for (mtp = km.types; mtp != NULL; mtp = next) {
		next = mtp->next;
		mtp->next = NULL;
		if (mtp->dynamic) {
			free((char *)mtp->name);
			free(mtp);
		}
	}
	km.types = NULL;
	km.types_tail = &km.types;
}

void
kmalloc_init(struct kern *k)
{
	if (km.lowmem_registered)
		vm_lowmem_unregister(kmalloc_lowmem, NULL);
	/* An earlier machine's blocks belonged to its kernel_map: forget. */
	kmalloc_release_all(false);
	kmalloc_types_reset();
	memset(&km, 0, sizeof(km));
	km.types_tail = &km.types;
	km.k = k;
	for (int i = 0; i < KMEM_NZONES; i++) {
		struct kmem_zone *z = &km.zones[i];

		z->size = KMEM_ZONE_MIN << i;
		z->nitems = (unsigned)(PAGE_SIZE / z->size);
		z->st.size = z->size;
		z->st.items_per_slab = z->nitems;
	}
	for (size_t i = 0; i < nitems(kmalloc_static_types); i++) {
		memset(&kmalloc_static_types[i]->stats, 0,
		    sizeof(kmalloc_static_types[i]->stats));
		malloc_type_register(kmalloc_static_types[i]);
	}
	if (vm_lowmem_register("malloc", kmalloc_lowmem, NULL) != 0)
		panic("kmalloc_init: no room for the vm_lowmem handler");
	km.lowmem_registered = true;
	kern_kmem_quiesce(false);
}

void
kmalloc_fini(void)
{
	const char *oreason = pmap_reason_set("kernel");

	if (km.lowmem_registered)
		vm_lowmem_unregister(kmalloc_lowmem, NULL);
	km.lowmem_registered = false;
	kmalloc_release_all(true);
	(void)pmap_reason_set(oreason);
	kmalloc_types_reset();
	memset(km.zones, 0, sizeof(km.zones));
	memset(&km.st, 0, sizeof(km.st));
	km.k = NULL;
}

/* ---- malloc, free, realloc ---- */

vm_offset_t
kmalloc_at(size_t size, struct malloc_type *mtp, int flags, const char *file, int line)
{
	struct kmem_block *b;
	vm_offset_t va;
	uint64_t charge;

	KASSERT(mtp != NULL && mtp->name != NULL, ("kmalloc: no malloc type"));
	KASSERT(((flags & M_NOWAIT) != 0) != ((flags & M_WAITOK) != 0),
	    ("kmalloc: flags %#x need exactly one of M_NOWAIT, M_WAITOK", flags));
	if (km.k == NULL || kernel_map == NULL) {
		mtp->stats.failures++;
		return (0);
	}
	if (memguard_cmp(mtp->name, size)) {
		struct memguard_site site = { mtp->name, file, line };

		if ((va = memguard_alloc(size, &site)) != 0) {
			malloc_type_charge(mtp, size);
			mtp->stats.guarded++;
			km.st.guarded_live++;
			return (va);
		}
		/* No VA or pages for it: the ordinary path (FreeBSD too). */
	}
	if (size <= KMEM_ZONE_MAX) {
		struct kmem_zone *z = kmem_zone_of(size);

		if ((va = kmem_zone_alloc(z, flags)) == 0) {
			mtp->stats.failures++;
			return (0);
		}
		charge = z->size;
		if ((flags & M_ZERO) != 0 &&
		    kern_kmem_zero(km.k, NULL, va, z->size) != 0) {
			(void)kmem_zone_free(kmem_hash_lookup(trunc_page(va)), va);
			mtp->stats.failures++;
			return (0);
		}
	} else {
		charge = round_page(size);
		if (charge < size || (va = kmem_malloc(kmalloc_map(), charge,
		    flags & (M_NOWAIT | M_WAITOK | M_ZERO))) == 0) {
			mtp->stats.failures++;
			return (0);
		}
		/* XXX: M_ZERO's zeroing is kmem_malloc's (pmap_zero_page), not
		 * kernel stores through the TLB. */
		if ((b = calloc(1, sizeof(*b))) == NULL)
			panic("kmalloc: out of host memory");
		b->kva = va;
		b->size = charge;
		kmem_hash_insert(b);
		km.st.large_allocs++;
		km.st.large_pages += atop(charge);
	}
	malloc_type_charge(mtp, charge);
	return (va);
}

int
kfree(vm_offset_t addr, struct malloc_type *mtp)
{
	struct kmem_block *b;
	const char *oreason;

	KASSERT(mtp != NULL, ("kfree: no malloc type"));
	if (addr == 0)
		return (0);
	KASSERT(km.k != NULL, ("kfree: kmalloc_init was not called"));
	if (memguard_owns(addr)) {
		vm_size_t size = memguard_get_req_size(addr);

		switch (memguard_free(addr)) {
		case MEMGUARD_FREE_OK:
			malloc_type_uncharge(mtp, size);
			km.st.guarded_live--;
			return (0);
		case MEMGUARD_FREE_DOUBLE:
			kern_panic(km.k, "memguard: double free of %#llx (type %s)",
			    (unsigned long long)addr, mtp->name);
			return (-1);
		default:
			kern_panic(km.k, "memguard: free of %#llx, which memguard did not "
			    "return (type %s)", (unsigned long long)addr, mtp->name);
			return (-1);
		}
	}
	b = kmem_hash_lookup(trunc_page(addr));
	if (b == NULL || (b->zone == NULL && b->kva != addr)) {
		kern_panic(km.k, "free: %#llx was not allocated (type %s)",
		    (unsigned long long)addr, mtp->name);
		return (-1);
	}
	if (b->zone != NULL) {
		if (kmem_zone_free(b, addr) != 0) {
			kern_panic(km.k, "free: %#llx is not an allocated item of the "
			    "%u-byte bucket: a duplicate free (type %s)",
			    (unsigned long long)addr, b->zone->size, mtp->name);
			return (-1);
		}
		malloc_type_uncharge(mtp, b->zone->size);
		return (0);
	}
	malloc_type_uncharge(mtp, b->size);
	km.st.large_allocs--;
	km.st.large_pages -= atop(b->size);
	kmem_hash_remove(b);
	oreason = pmap_reason_set("kernel");
	kmem_free(kmalloc_map(), b->kva, b->size);
	(void)pmap_reason_set(oreason);
	free(b);
	return (0);
}

size_t
kmalloc_usable_size(vm_offset_t addr)
{
	struct kmem_block *b;

	if (addr == 0)
		return (0);
	if (memguard_owns(addr))
		return (memguard_get_req_size(addr));
	if ((b = kmem_hash_lookup(trunc_page(addr))) == NULL)
		return (0);
	if (b->zone == NULL)
		return (b->kva == addr ? b->size : 0);
	{
		vm_offset_t off = addr - b->kva;
		unsigned i = (unsigned)(off / b->zone->size);

		if (off % b->zone->size != 0 ||
		    (b->used[i / 64] & (1ull << (i % 64))) == 0)
			return (0);
	}
	return (b->zone->size);
}

/* Copy len bytes from kernel src to kernel dst through the model. */
static int
kmem_copy(vm_offset_t dst, vm_offset_t src, size_t len)
{
	uint8_t buf[512];
	size_t n;

	for (size_t off = 0; off < len; off += n) {
		n = MIN(len - off, sizeof(buf));
		if (kern_kmem_copyin(km.k, NULL, src + off, buf, n) != 0 ||
		    kern_kmem_copyout(km.k, NULL, dst + off, buf, n) != 0)
			return (EFAULT);
	}
	return (0);
}

vm_offset_t
krealloc_at(vm_offset_t addr, size_t size, struct malloc_type *mtp, int flags,
    const char *file, int line)
{
	vm_offset_t n;
	size_t alloc;

	if (addr == 0)
		return (kmalloc_at(size, mtp, flags, file, line));
	if (memguard_owns(addr))	/* memguard_realloc: always anew */
		alloc = memguard_get_req_size(addr);
	else if ((alloc = kmalloc_usable_size(addr)) == 0) {
		kern_panic(km.k, "realloc: %#llx was not allocated (type %s)",
		    (unsigned long long)addr, mtp->name);
		return (0);
	}
	/* Still fits, and not too wastefully (REALLOC_FRACTION 1). */
	if (!memguard_owns(addr) && size <= alloc &&
	    (size > alloc / 2 || alloc == KMEM_ZONE_MIN))
		return (addr);
	if ((n = kmalloc_at(size, mtp, flags, file, line)) == 0)
		return (0);
	if (kmem_copy(n, addr, MIN(size, alloc)) != 0) {
		(void)kfree(n, mtp);
		return (0);
	}
	(void)kfree(addr, mtp);
	return (n);
}

int
kern_kmem_bounce(struct kern *k, struct malloc_type *mtp, void *buf, size_t len)
{
	vm_offset_t kva;
	int e;

	if (len == 0)
		return (0);
	if ((kva = kmalloc(len, mtp, M_WAITOK)) == 0)
		return (ENOMEM);
	e = kern_kmem_copyout(k, NULL, kva, buf, len);
	if (e == 0)
		e = kern_kmem_copyin(k, NULL, kva, buf, len);
	if (kfree(kva, mtp) != 0 && e == 0)
		e = EFAULT;
	return (e);
}

/* ---- statistics ---- */

void
kmalloc_zone_stats(struct kmem_zone_stats zs[KMEM_NZONES])
{
	for (int i = 0; i < KMEM_NZONES; i++) {
		zs[i] = km.zones[i].st;
		zs[i].size = KMEM_ZONE_MIN << i;
		zs[i].items_per_slab = (unsigned)(PAGE_SIZE / zs[i].size);
	}
}

void
kmalloc_stats(struct kmalloc_stats *st)
{
	*st = km.st;
}
