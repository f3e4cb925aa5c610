/*
 * vm/memguard.h — memguard, the kernel malloc debugging allocator
 * (FreeBSD sys/vm/memguard.c, 2010; memguard(9); VM-SPEC.md "memguard").
 *
 * memguard gives chosen malloc(9) requests pages of their own in a VA
 * range of its own: the request sits at the end of its page(s) (a small
 * one rounded up to 16 bytes), the page after it is never backed, and a
 * free unmaps the pages at once.  A kernel access past the end (overrun)
 * or after the free (use after free) then faults, and the kernel's fault
 * path asks memguard_fault to name it; freeing twice finds no backing
 * (double free).  VA is handed out at a moving cursor, so a freed range
 * is reused as late as possible and a stale pointer keeps faulting.
 *
 * What is guarded (memguard_cmp, FreeBSD's order): nothing below minsize;
 * with MG_ALLLARGE every request of a page or more; with frequency N a
 * random N in 100000 requests (the machine's seeded PRNG, drawn only when
 * N > 0); and every request of the malloc type named by desc.
 *
 * The layer knows malloc types only by name: the caller (sim/kern's
 * kmalloc) passes the type's name and the allocation site.  Events:
 * EV_MEMGUARD (type use_after_free, overrun, underrun, double_free or
 * wild; va; detail "type=NAME site=FILE:LINE size=N pc=0x..." where pc is
 * the guest PC of the system call that made the allocation; the event's
 * own pc is the one running now).  memguard never panics itself: it says
 * what happened and the kernel panics (kern_panic).
 */
#ifndef VM_MEMGUARD_H
#define VM_MEMGUARD_H

#include "sim/base/base.h"

struct prng;

#define MG_GUARD	0x001	/* an unbacked guard page before and after
				   each allocation (2 pages of VA more) */
#define MG_ALLLARGE	0x002	/* guard every request of >= PAGE_SIZE */
#define MG_OPTIONS_ALL	0x003

#define MEMGUARD_DESC_MAX	24	/* malloc type names, with the NUL */
#define MEMGUARD_FREQ_SCALE	100000	/* frequency is per this many */
#define MEMGUARD_DIVISOR_DEFAULT 10

/* The knobs (FreeBSD's vm.memguard.* sysctls and tunables). */
struct memguard_config {
	char desc[MEMGUARD_DESC_MAX];	/* the malloc type to guard; "" none */
	unsigned frequency;		/* random guarding, per 100000 (0: off) */
	uint64_t minsize;		/* requests below this are never guarded */
	unsigned options;		/* MG_* (default MG_GUARD) */
	unsigned divisor;		/* VA = physical memory / divisor (>= 1) */
};

/* desc "", frequency 0, minsize 0, options MG_GUARD, divisor 10. */
void memguard_config_defaults(struct memguard_config *c);
/* c equals the defaults (nothing to record in a trace). */
bool memguard_config_is_default(const struct memguard_config *c);
/* c asks for some guarding (desc, frequency or MG_ALLLARGE). */
bool memguard_config_enabled(const struct memguard_config *c);
/*
 * Parse the CLI/Lua form "DESC[,frequency=N][,minsize=N][,options=
 * alllarge|guard|none][,divisor=N]" over the defaults into *c.  options
 * lists the options wanted, joined with '|' ("alllarge|guard"); "none"
 * is none (no guard pages).  0, or -1 with a message naming the bad part.
 */
int memguard_config_parse(struct memguard_config *c, const char *spec, char *err,
    size_t errlen);
/* A setting out of range: 0, or -1 with a message. */
int memguard_config_check(const struct memguard_config *c, char *err, size_t errlen);

/*
 * memguard_init: a new machine (after vm_kern_init): the knobs c (NULL:
 * the defaults), prng for the random guarding, physmem_bytes for the VA
 * size.  The VA range (a NOFAULT entry of kmem_map, physmem_bytes /
 * divisor rounded to pages) is reserved when guarding is first enabled,
 * here or by memguard_configure — so a machine that never guards has the
 * same kernel_map as before memguard existed.  A state left by an init
 * without fini is forgotten.
 * memguard_configure: new knobs at run time (desc, frequency, minsize,
 * options; the divisor only counts before the VA is reserved).  0, or -1
 * (a bad setting, or no VA for the range: the knobs are not changed).
 * memguard_fini: every live allocation unmapped and freed, the VA given
 * back (before vm_kern_fini).
 */
void memguard_init(const struct memguard_config *c, struct prng *prng,
    uint64_t physmem_bytes);
int memguard_configure(const struct memguard_config *c);
const struct memguard_config *memguard_config_get(void);
void memguard_fini(void);

/* Where a guarded allocation was made (kmalloc's caller). */
struct memguard_site {
	const char *type;		/* the malloc type's name */
	const char *file;		/* __FILE__ (its base name is copied) */
	int line;
};

/*
 * memguard_cmp: whether a request of size bytes of malloc type `type`
 * is to be guarded (counts the minsize rejects and frequency hits).
 * memguard_alloc: size bytes of guarded memory: round_page(size) new,
 * zeroed, wired pages at the first free run of VA at or after the cursor
 * (wrapping once to the start), with MG_GUARD one unbacked page on
 * each side; the address returned is the pages' start, or for a request
 * smaller than a page its end minus size rounded up to 16.  The
 * allocation's size, site and the current guest PC are recorded.
 * Returns the address, or 0 (guarding off, no VA, no pages: the caller
 * falls back to the ordinary allocator).
 */
bool memguard_cmp(const char *type, vm_size_t size);
vm_offset_t memguard_alloc(vm_size_t size, const struct memguard_site *site);

/*
 * Free what memguard_alloc returned: the pages are unmapped (a shootdown
 * on every CPU), unwired and freed at once; the VA stays unbacked until
 * the cursor comes round again.  Returns:
 */
#define MEMGUARD_FREE_OK	0
#define MEMGUARD_FREE_DOUBLE	(-1)	/* no backing: a double free (an
					   EV_MEMGUARD double_free was logged) */
#define MEMGUARD_FREE_BADPTR	(-2)	/* backed, but not an address memguard
					   returned (an EV_MEMGUARD wild) */
int memguard_free(vm_offset_t addr);
/* The size requested for the live allocation at addr, or 0. */
vm_size_t memguard_get_req_size(vm_offset_t addr);

/* va is in memguard's VA range (FreeBSD is_memguard_addr). */
bool memguard_owns(vm_offset_t va);
/*
 * A kernel access to va faulted (no mapping) and memguard owns va: log
 * the EV_MEMGUARD that names it and return its type: "use_after_free"
 * (a page of a freed allocation, guard pages included), "overrun" (the
 * guard page after a live allocation), "underrun" (the one before), or
 * "wild" (VA no allocation has had).  *detail (may be NULL) gets the
 * event's detail for the panic message.
 */
const char *memguard_fault(vm_offset_t va, bool store, char *detail, size_t detaillen);

/* Counters since memguard_init (FreeBSD's vm.memguard.* statistics). */
struct memguard_stats {
	uint64_t allocs;		/* guarded allocations made */
	uint64_t allocs_lt_page;	/* of which smaller than a page */
	uint64_t frees;
	uint64_t wraps;			/* the cursor went back to the start */
	uint64_t fail_kva;		/* no free run of VA */
	uint64_t fail_pages;		/* no physical page */
	uint64_t minsize_reject;
	uint64_t frequency_hits;
	uint64_t events;		/* EV_MEMGUARD logged */
	uint64_t live;			/* allocations live now */
	uint64_t pages_mapped;		/* pages backed now */
	vm_offset_t va_min, va_max;	/* the range (0, 0: not reserved) */
	vm_offset_t cursor;
};
void memguard_stats(struct memguard_stats *st);

#endif
