/*
 * sim/kern/malloc.h — the kernel's malloc(9) in simulated kernel memory,
 * and the kernel's own loads and stores to kernel memory through the MMU
 * model (FreeBSD sys/kern/kern_malloc.c and sys/malloc.h, 2010, with
 * UMA's zones cut down to one-page slabs; malloc(9); VM-SPEC.md "Kernel
 * memory (kmem)", "memguard", "Low memory").
 *
 * The allocator hands out kernel virtual addresses (vm_offset_t), never
 * host pointers: the kernel runs natively, so it reads and writes what it
 * allocated with kern_kmem_copyin/copyout, which go through the running
 * CPU's TLB and D-cache like any kernel access (and fault like one).
 * The names are kmalloc/kfree/krealloc because the simulator itself is a
 * C program with a libc malloc; their contracts are malloc(9)'s.
 *
 * Every request is charged to a malloc type (struct malloc_type: a name
 * and per-type statistics).  The kernel's types are defined once in
 * kern_malloc.c (MALLOC_DEFINE) and declared here (MALLOC_DECLARE); more
 * can be made at run time by name (malloc_type_create, for Lua labs).
 */
#ifndef SIM_KERN_MALLOC_H
#define SIM_KERN_MALLOC_H

#include "sim/base/base.h"

struct kern;
struct mmu_cpu;

/* Per-type statistics (FreeBSD struct malloc_type_stats, summed). */
struct malloc_type_stats {
	uint64_t requests;		/* successful kmalloc (and krealloc) calls */
	uint64_t frees;			/* kfree calls (and krealloc's frees) */
	uint64_t failures;		/* kmalloc calls that returned 0 */
	uint64_t bytes_inuse;		/* bytes charged now: the bucket size, the
					   page-rounded size of a large request, the
					   request size of a memguard one */
	uint64_t high_water;		/* the most bytes_inuse has been */
	uint64_t guarded;		/* requests memguard served */
};

struct malloc_type {
	const char *name;		/* ks_shortdesc: what memguard matches */
	const char *desc;		/* ks_longdesc */
	struct malloc_type_stats stats;
	struct malloc_type *next;	/* the registry, registration order */
	bool dynamic;			/* made by malloc_type_create */
};

#define MALLOC_DECLARE(t)	extern struct malloc_type t[1]
MALLOC_DECLARE(M_PIPE);		/* "pipe": pipe buffers and their counters */
MALLOC_DECLARE(M_EXEC);		/* "exec": execve's argument strings */
MALLOC_DECLARE(M_TEMP);		/* "temp": system calls' scratch buffers */
MALLOC_DECLARE(M_DEVBUF);	/* "devbuf": device drivers */
MALLOC_DECLARE(M_FILEBUF);	/* "filebuf": file data on its way between a file
				   and user memory (read, write) */

/* kmalloc flags (malloc(9); vm/vm_kern.h defines the same for kmem). */
#ifndef M_NOWAIT
#define M_NOWAIT	0x0001	/* do not sleep: may return 0 */
#define M_WAITOK	0x0002	/* may sleep (see kmalloc: XXX) */
#define M_ZERO		0x0100	/* zero the memory */
#endif

/* The bucket sizes: powers of two from KMEM_ZONE_MIN to KMEM_ZONE_MAX;
 * larger requests get whole pages. */
#define KMEM_ZONE_MIN	16
#define KMEM_ZONE_MAX	2048
#define KMEM_NZONES	8

/*
 * kmalloc_init: a new machine's allocator (after vm_kern_init and
 * memguard_init, with k's CPUs set): no memory in use, every registered
 * type's statistics zeroed, dynamic types forgotten, and the vm_lowmem
 * handler (zone reclaim) registered — once, however often init runs.
 * kmalloc_fini: unregister the handler, give every slab and large
 * allocation back to kmem_map (no events), forget the dynamic types
 * (before memguard_fini and vm_kern_fini).  Anything still allocated is
 * the caller's leak and is counted out.
 */
void kmalloc_init(struct kern *k);
void kmalloc_fini(void);

/*
 * kmalloc(size, type, flags): size bytes of kernel memory charged to
 * type, or 0.  flags: exactly one of M_NOWAIT and M_WAITOK, with M_ZERO
 * to get zeroed memory (the zeroing is the kernel's stores, through the
 * MMU model for a bucket item; a large request's pages are zeroed by
 * kmem_malloc, memguard's always are).
 * When memguard_cmp says so the request goes to memguard (its site: the
 * caller's file and line); else a request of at most KMEM_ZONE_MAX
 * bytes gets an item of the smallest bucket that holds it (size 0 gets
 * 16 bytes), from a slab of one page (kmem_malloc on kmem_map, or
 * kernel_map on a kernel without the submap) with a
 * free item, lowest address first, a new slab when none has one; a
 * larger request gets round_page(size) bytes of its own (kmem_malloc).
 * Slabs and large pages are not zeroed (the frames keep what they held:
 * deterministic) unless M_ZERO.
 * XXX: M_WAITOK cannot sleep in a synchronous kernel: it is kmem_malloc's
 * bounded retries (the page daemon, vm_lowmem), then 0 like M_NOWAIT;
 * callers handle 0 as ENOMEM.
 * XXX: the slabs' bookkeeping (free items, the page-to-slab lookup) is
 * host memory: only the items themselves are in simulated memory.
 */
vm_offset_t kmalloc_at(size_t size, struct malloc_type *mtp, int flags,
    const char *file, int line);
#define kmalloc(size, mtp, flags) kmalloc_at((size), (mtp), (flags), __FILE__, __LINE__)
/*
 * kfree(addr, type): give back what kmalloc returned (0: nothing).  A
 * memguard address is unmapped at once (memguard_free).  Returns 0, or
 * -1 after kern_panic: a double free (memguard: an EV_MEMGUARD
 * double_free first; a bucket item already free), or an address kmalloc
 * did not return.  The statistics go to type, as in FreeBSD.
 */
int kfree(vm_offset_t addr, struct malloc_type *mtp);
/*
 * krealloc(addr, size, type, flags): addr's contents in an allocation of
 * size bytes: addr itself when its bucket or pages still fit size and
 * size is more than half of them (malloc(9) realloc); else (and always
 * for a memguard address) a new kmalloc, the old contents copied through
 * the MMU model up to the smaller size, and kfree(addr).  addr 0 is
 * kmalloc.  Returns the address, or 0 (addr is left as it was).
 */
vm_offset_t krealloc_at(vm_offset_t addr, size_t size, struct malloc_type *mtp,
    int flags, const char *file, int line);
#define krealloc(addr, size, mtp, flags) \
	krealloc_at((addr), (size), (mtp), (flags), __FILE__, __LINE__)
/* The usable size of the allocation at addr (bucket size, pages, or the
 * memguard request), or 0 when addr is not one. */
size_t kmalloc_usable_size(vm_offset_t addr);

/* Types by name: the registered one (NULL: none); malloc_type_create
 * returns it or registers a new dynamic one (NULL: bad name, no memory).
 * malloc_type_first/->next walk the registry in registration order. */
struct malloc_type *malloc_type_lookup(const char *name);
struct malloc_type *malloc_type_create(const char *name);
struct malloc_type *malloc_type_first(void);

/* One bucket's state (FreeBSD vmstat -z). */
struct kmem_zone_stats {
	unsigned size;			/* item bytes */
	unsigned items_per_slab;
	uint64_t slabs;			/* pages held now */
	uint64_t slabs_empty;		/* of which with no item in use */
	uint64_t items_used;
	uint64_t allocs, frees;		/* since kmalloc_init */
};
/* The KMEM_NZONES buckets, smallest first. */
void kmalloc_zone_stats(struct kmem_zone_stats zs[KMEM_NZONES]);

/* The allocator as a whole. */
struct kmalloc_stats {
	uint64_t slab_pages;		/* pages held by the buckets now */
	uint64_t large_allocs;		/* large allocations live now */
	uint64_t large_pages;		/* their pages */
	uint64_t guarded_live;		/* memguard allocations live now */
	uint64_t reclaims;		/* zone reclaim runs (vm_lowmem) */
	uint64_t reclaimed_slabs;	/* empty slabs they gave back */
};
void kmalloc_stats(struct kmalloc_stats *st);
/*
 * Zone reclaim (FreeBSD uma_reclaim; the vm_lowmem handler "malloc",
 * whose runs vm_lowmem logs): every slab with no item in use goes back
 * to kmem_map.  Returns the pages freed.
 */
unsigned long kmalloc_reclaim(void);

/*
 * ---- the kernel's accesses to kernel memory (kstack.c) ----
 *
 * kern_kmem_copyin: len bytes at kernel address kva into buf (the
 * kernel's loads); kern_kmem_copyout: buf into kva (its stores);
 * kern_kmem_zero: len zero bytes at kva.  Page by page, each a
 * kernel-mode access through cpu's MMU model (mmu_kaccess: the TLB, the
 * D-cache line by line, the cycles), the bytes through the direct map of
 * the frame it translated to.  cpu NULL: the CPU running now
 * (event_context()->cpu).  On MIPS a TLB miss on a kseg2 page runs the
 * refill handler (pmap_tlb_refill: an EV_TLB_REFILL "kernel read" or
 * "kernel write", refill cycles) and retries.  A page that is not mapped
 * is a kernel page fault: in memguard's range memguard_fault names it
 * (EV_MEMGUARD), then kern_panic either way.  Returns 0, or EFAULT (the
 * kernel has panicked: nothing more is accessed; the bytes before the
 * faulting page were copied).  Without CPUs (a kernel with no machine)
 * the bytes go through pmap_kextract alone.
 */
int kern_kmem_copyin(struct kern *k, struct mmu_cpu *cpu, vm_offset_t kva, void *buf,
    size_t len);
int kern_kmem_copyout(struct kern *k, struct mmu_cpu *cpu, vm_offset_t kva,
    const void *buf, size_t len);
int kern_kmem_zero(struct kern *k, struct mmu_cpu *cpu, vm_offset_t kva, size_t len);
/*
 * kern_kmem_quiesce(true): the machine is being torn down (call before
 * kern_fini): from now on kernel-memory accesses skip the MMU model and
 * a fault is silent (EFAULT, no event, no panic).  kmalloc_init calls
 * kern_kmem_quiesce(false).
 */
void kern_kmem_quiesce(bool quiet);
/*
 * A system call's scratch buffer (FreeBSD's malloc(M_TEMP) around a
 * uiomove): the len bytes the kernel built in buf are written into a new
 * kmalloc(len, mtp) buffer and read back from it, through the MMU model,
 * and the buffer freed.  0, ENOMEM (no kernel memory), or EFAULT (the
 * kernel panicked).
 */
int kern_kmem_bounce(struct kern *k, struct malloc_type *mtp, void *buf, size_t len);

#endif
