/*
 * vm/ucred.h — the credential the VM charges swap to (FreeBSD struct
 * ucred, reduced to what swap accounting reads: the user id, and the
 * RLIMIT_SWAP of the process that holds it; see VM-SPEC.md, "Swap
 * accounting").
 *
 * Credentials are reference counted: each process holds one (the kernel
 * keeps it in struct proc), and every charged map entry or object holds
 * one on the credential its charge was made to, so the charge is given
 * back to the same user however long the object outlives the process.
 *
 * The kernel tells the VM whose behalf it runs on with ucred_set_current
 * at every kernel entry (system call, page fault), as FreeBSD's
 * curthread->td_ucred; with none set (NULL: boot, unit tests) charges go
 * to the kernel's own credential, uid 0, which ucred_current() returns.
 */
#ifndef VM_UCRED_H
#define VM_UCRED_H

#include "sim/base/base.h"

/* No limit (RLIM_INFINITY). */
#define UCRED_NOLIMIT	UINT64_MAX

struct ucred {
	uint32_t uid;		/* the user charged (the real uid) */
	int refs;		/* holders: processes, map entries, objects */
	uint64_t swap_limit;	/* RLIMIT_SWAP in bytes (UCRED_NOLIMIT: none) */
};

/* A new credential for uid, one reference, no swap limit. */
struct ucred *crget(uint32_t uid);
/* Another reference to cr (returns cr). */
struct ucred *crhold(struct ucred *cr);
/* Drop a reference; the last one frees cr. */
void crfree(struct ucred *cr);
/* A new credential copying cr's fields (for setuid on a shared one). */
struct ucred *crcopy(const struct ucred *cr);

/* Whose behalf the kernel runs on now (not referenced; set NULL for the
 * kernel: ucred_current() then returns the kernel's uid-0 credential). */
void ucred_set_current(struct ucred *cr);
struct ucred *ucred_current(void);
/* Credentials alive now (for leak checks). */
unsigned long ucred_count(void);

#endif
