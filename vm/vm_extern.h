/*
 * vm/vm_extern.h — the VM services the rest of the kernel calls that
 * belong to no one object (FreeBSD sys/vm/vm_extern.h, 2010): wiring user
 * memory for the kernel (vslock/vsunlock), the resource limits the VM
 * derives from the machine's memory, and msync's page cleaning.  See
 * VM-SPEC.md, "Wiring: vslock, mlock".
 *
 * Unlike the rest of vm/, vslock and vm_msync return errno values: they
 * are the system-call side of the VM, as in FreeBSD.
 */
#ifndef VM_VM_EXTERN_H
#define VM_VM_EXTERN_H

#include "sim/base/base.h"

struct vm_map;

/* One limit: soft (cur) and hard (max); UINT64_MAX is infinity. */
struct vm_rlimit {
	uint64_t cur, max;
};

/* The VM's resource limits, as a new process starts with them. */
struct vm_limits {
	struct vm_rlimit data;		/* RLIMIT_DATA */
	struct vm_rlimit stack;		/* RLIMIT_STACK */
	struct vm_rlimit rss;		/* RLIMIT_RSS */
	struct vm_rlimit memlock;	/* RLIMIT_MEMLOCK */
	struct vm_rlimit vmem;		/* RLIMIT_AS */
	struct vm_rlimit swap;		/* RLIMIT_SWAP (not in Linux: the ucred) */
};

/* The default soft stack limit (Linux's 8 MiB). */
#define VM_DFLSSIZ	((uint64_t)8 << 20)

/*
 * Initialise, in one place, every VM limit that depends on the machine's
 * memory (FreeBSD proc0_init and vm_pageout's vm_page_max_wired), from
 * free_bytes, the memory free once the kernel has booted (the kernel
 * passes ptoa(vm_phys_free_count()) after vm_page_startup):
 *   memlock.cur = free / 3, memlock.max = rss = free;
 *   the system-wide wired cap vm_page_max_wired = free pages / 3;
 *   stack.cur = VM_DFLSSIZ; the others (data, vmem, swap) infinite.
 * lim may be NULL (only the wired cap is set).
 */
void vm_limits_init(uint64_t free_bytes, struct vm_limits *lim);
/* The system-wide cap on wired pages (vm_limits_init; 0 = not set: no
 * cap). */
unsigned long vm_page_max_wired(void);

/*
 * Wire the user range [addr, addr + len) of map for the kernel (system
 * wiring, stacking; FreeBSD vslock).  Returns 0; EINVAL when the range
 * wraps; ENOMEM when it would take the wired pages over the system cap
 * or the map's wired bytes over memlock_limit (the caller's
 * RLIMIT_MEMLOCK); EFAULT when part of it is not mapped or cannot be
 * faulted in (nothing stays wired then).
 */
int vslock(struct vm_map *map, vm_offset_t addr, vm_size_t len,
    uint64_t memlock_limit);
/* Undo one vslock of the same range.  0, or EINVAL (not wired so). */
int vsunlock(struct vm_map *map, vm_offset_t addr, vm_size_t len);

/*
 * Every deep VM checker at once, for the kernel to run after each system
 * call that changed a map when sim_invariants is on: vm_map_check and
 * vm_map_check_pages of map (NULL: skipped), pmap_check of its pmap,
 * vm_object_check_all, vm_page_check.  0, or -1 with the first message.
 * (Each fault checks its own object and page already.)
 */
int vm_check_all(struct vm_map *map, char *msg, size_t msglen);

/* msync flags (Linux values, the same on amd64 and MIPS). */
#define VM_MS_ASYNC		1	/* schedule the write-back */
#define VM_MS_INVALIDATE	2	/* drop cached copies (no-op: none) */
#define VM_MS_SYNC		4	/* write back before returning */

/*
 * msync [addr, addr + len) of map: every dirty page of a shared file
 * mapping in the range is written back through its vnode's putpages hook
 * (when the file system provides one) and cleaned, and the range is write
 * protected in map's pmap so the next store dirties the page again.
 * Private and anonymous memory has nothing to write back.  Returns 0;
 * EINVAL (addr unaligned, bad flags, MS_ASYNC with MS_SYNC); ENOMEM (part
 * of the range is not mapped); EIO (the hook failed).
 */
int vm_msync(struct vm_map *map, vm_offset_t addr, vm_size_t len, int flags);

#endif
