/*
 * sim/base/base.h — the types, constants and assertions every layer of
 * vmsim shares.  Nothing here knows about Unicorn, SQLite, Lua or the VM.
 *
 * Scalar types follow FreeBSD's sys/vm: vm_offset_t for virtual
 * addresses, vm_paddr_t for physical addresses (always 64-bit, distinct in
 * name from vm_offset_t), vm_prot_t for protections, vm_pindex_t for page
 * indices inside an object.  KERN_* are the vm/ return codes; errno values
 * appear only at the system-call boundary (sim/kern).
 */
#ifndef SIM_BASE_BASE_H
#define SIM_BASE_BASE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef uint64_t vm_offset_t;	/* guest virtual address */
typedef uint64_t vm_paddr_t;	/* simulated physical address */
typedef uint64_t vm_size_t;
typedef uint64_t vm_ooffset_t;	/* offset inside an object or file */
typedef uint64_t vm_pindex_t;	/* page index inside an object */
typedef uint8_t vm_prot_t;

#define VM_PROT_NONE	0x00
#define VM_PROT_READ	0x01
#define VM_PROT_WRITE	0x02
#define VM_PROT_EXECUTE	0x04
#define VM_PROT_ALL	(VM_PROT_READ | VM_PROT_WRITE | VM_PROT_EXECUTE)

#define PAGE_SHIFT	12
#define PAGE_SIZE	((vm_offset_t)1 << PAGE_SHIFT)
#define PAGE_MASK	(PAGE_SIZE - 1)
#define trunc_page(x)	((vm_offset_t)(x) & ~PAGE_MASK)
#define round_page(x)	(((vm_offset_t)(x) + PAGE_MASK) & ~PAGE_MASK)
#define atop(x)		((vm_offset_t)(x) >> PAGE_SHIFT)
#define ptoa(x)		((vm_offset_t)(x) << PAGE_SHIFT)

/* vm/ return codes (FreeBSD mach/kern_return.h values). */
#define KERN_SUCCESS			0
#define KERN_INVALID_ADDRESS		1
#define KERN_PROTECTION_FAILURE		2
#define KERN_NO_SPACE			3
#define KERN_INVALID_ARGUMENT		4
#define KERN_FAILURE			5
#define KERN_RESOURCE_SHORTAGE		6

/* The guest architectures. */
enum sim_arch {
	ARCH_MIPS,	/* MIPS32, big-endian, o32 ABI */
	ARCH_MIPSEL,	/* MIPS32, little-endian, o32 ABI */
	ARCH_AMD64,	/* x86-64, Linux ABI */
};
const char *sim_arch_name(enum sim_arch a);
static inline bool sim_arch_is_mips(enum sim_arch a) { return a != ARCH_AMD64; }

#define nitems(x)	(sizeof(x) / sizeof((x)[0]))
#define MIN(a, b)	((a) < (b) ? (a) : (b))
#define MAX(a, b)	((a) > (b) ? (a) : (b))

/*
 * panic: a broken invariant or an unrecoverable simulator state.  Prints
 * the message to stderr and aborts (so sanitizers and debuggers catch it).
 * Guest mistakes never panic; they are faults delivered to the guest.
 */
_Noreturn void panic(const char *fmt, ...)
    __attribute__((format(printf, 1, 2)));

/* KASSERT(cond, ("fmt", args)): always on (test builds are the builds). */
#define KASSERT(cond, msg) do {						\
	if (__builtin_expect(!(cond), 0))				\
		kassert_panic_ msg;					\
} while (0)
#define kassert_panic_(...) panic("KASSERT " __VA_ARGS__)

/* The deep invariant checkers (vm_map_check, pmap_check, vm_page_check)
 * run when set: built in with meson -Dinvariants=true (the default). */
extern bool sim_invariants;

#endif
