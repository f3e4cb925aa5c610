/*
 * sim/kern/sys.h — private to sim/kern: what system-call handlers share.
 *
 * syscall.c decodes the ABI (registers, o32 stack arguments, the error
 * convention) and calls a handler with the arguments as 64-bit values; a
 * handler returns a value or -errno (numbered as on amd64; syscall.c
 * renumbers for MIPS).  Besides syscall.c's own table, each module
 * (sys_vm.c, sys_proc.c, sys_file.c...) exports a table of struct sc_def
 * that syscall.c consults first (register it in sc_modules[] there).
 */
#ifndef SIM_KERN_SYS_H
#define SIM_KERN_SYS_H

#include "sim/kern/kern.h"

#include <errno.h>

struct sc_ctx {
	struct kern *k;
	struct thread *td;
	struct proc *p;
	enum sim_arch arch;
	bool be;		/* big-endian guest */
	unsigned word;		/* bytes in a long / pointer */
};

/* One system call: its number on each ABI (-1: not on that ABI). */
struct sc_def {
	const char *name;
	int nr_amd64;
	int nr_o32;		/* 4000 + n */
	int64_t (*fn)(struct sc_ctx *c, const uint64_t *a);
};

/* Values in the guest's byte order. */
static inline void
sc_put_uint(const struct sc_ctx *c, uint8_t *buf, uint64_t v, unsigned bytes)
{
	for (unsigned i = 0; i < bytes; i++) {
		unsigned shift = c->be ? 8 * (bytes - 1 - i) : 8 * i;
		buf[i] = (uint8_t)(v >> shift);
	}
}

static inline uint64_t
sc_get_uint(const struct sc_ctx *c, const uint8_t *buf, unsigned bytes)
{
	uint64_t v = 0;

	for (unsigned i = 0; i < bytes; i++) {
		unsigned shift = c->be ? 8 * (bytes - 1 - i) : 8 * i;
		v |= (uint64_t)buf[i] << shift;
	}
	return v;
}

static inline int64_t
sc_copyout_uint(const struct sc_ctx *c, vm_offset_t uva, uint64_t v, unsigned bytes)
{
	uint8_t b[8];

	sc_put_uint(c, b, v, bytes);
	return copyout(c->p, b, uva, bytes) ? -EFAULT : 0;
}

/* A 64-bit argument passed in two o32 argument slots (aligned pair). */
static inline int64_t
sc_arg64(const struct sc_ctx *c, const uint64_t *a, int first)
{
	if (c->arch == ARCH_AMD64)
		return (int64_t)a[first];
	return (int64_t)(c->be ? a[first] << 32 | (a[first + 1] & 0xffffffffu) :
	    a[first + 1] << 32 | (a[first] & 0xffffffffu));
}

/* The module tables (each may be empty). */
extern const struct sc_def sys_vm_defs[];
extern const size_t sys_vm_ndefs;
/*
 * mmap of the description f of a device with memory (sys_mmap, for
 * [off, off + size) with prot; shared: MAP_SHARED): 0 with *objp (a
 * reference on the device's object) and *maxp (the entry's maximum
 * protection), or an errno: EACCES (f not readable, or prot beyond what
 * f's mode and the device allow), EINVAL (private, off or the range bad),
 * ENXIO (the device was removed).
 */
int sys_vm_mmap_cdev(struct sc_ctx *c, struct file *f, vm_size_t size,
    vm_prot_t prot, bool shared, vm_ooffset_t off, struct vm_object **objp,
    vm_prot_t *maxp);
extern const struct sc_def sys_proc_defs[];
extern const size_t sys_proc_ndefs;
extern const struct sc_def sys_thread_defs[];
extern const size_t sys_thread_ndefs;
/* clone without CLONE_THREAD (sys_proc.c: fork, vfork): the child's pid
 * or -errno. */
int64_t sys_proc_clone(struct sc_ctx *c, uint64_t flags, vm_offset_t newsp,
    vm_offset_t ptid, vm_offset_t ctid);
/* clone with CLONE_THREAD (sys_thread.c): the new thread's tid or -errno. */
int64_t sys_thread_clone(struct sc_ctx *c, uint64_t flags, vm_offset_t newsp,
    vm_offset_t ptid, vm_offset_t ctid, vm_offset_t tls);
extern const struct sc_def sys_file_defs[];
extern const size_t sys_file_ndefs;
extern const struct sc_def sys_ptrace_defs[];
extern const size_t sys_ptrace_ndefs;

#endif
