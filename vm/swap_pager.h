/*
 * vm/swap_pager.h — swap-space accounting (FreeBSD swap_pager.c's
 * swap_reserve family, 2010 semantics; see VM-SPEC.md, "Swap
 * accounting").
 *
 * Every page of anonymous memory that could one day have to be written
 * to swap is reserved when the mapping that may create it is made
 * writable-private (vm_map_insert, vm_map_protect), when fork copies it,
 * or when a debugger's write makes a private copy.  The reservation is
 * counted globally and per user id (the credential's uid), always; it is
 * enforced only as the overcommit bits say:
 *
 *   bit 0  SWAP_RESERVE_FORCE_ON        the global total may not exceed
 *                                       the swap device size (plus the
 *                                       non-wired RAM with bit 2)
 *   bit 1  SWAP_RESERVE_RLIMIT_ON       a uid's total may not exceed the
 *                                       charged credential's RLIMIT_SWAP
 *   bit 2  SWAP_RESERVE_ALLOW_NONWIRED  see bit 0
 *
 * uid 0 is never refused (FreeBSD's PRIV_VM_SWAP_NOQUOTA/NORLIMIT).
 * Overcommit 0 (the default) only counts.  Amounts are bytes, page
 * aligned.
 *
 * XXX: the swap pager itself (paging anonymous pages out to a swap
 * device) is not written yet; only the accounting is.
 */
#ifndef VM_SWAP_PAGER_H
#define VM_SWAP_PAGER_H

#include "sim/base/base.h"

struct ucred;

#define SWAP_RESERVE_FORCE_ON		(1 << 0)	/* enforce the global total */
#define SWAP_RESERVE_RLIMIT_ON		(1 << 1)	/* enforce RLIMIT_SWAP per uid */
#define SWAP_RESERVE_ALLOW_NONWIRED	(1 << 2)	/* global limit + non-wired RAM */

/* Forget every reservation and setting (a new machine): swap size 0,
 * overcommit 0. */
void swap_accounting_init(void);
/* The swap device's size in bytes (the machine's --swap; 0: none). */
void swap_set_total(vm_ooffset_t bytes);
vm_ooffset_t swap_total(void);
/* The overcommit bits (SWAP_RESERVE_*). */
void swap_set_overcommit(int bits);
int swap_overcommit(void);

/*
 * Reserve incr bytes for cred (NULL: the kernel, uid 0); swap_reserve
 * charges ucred_current().  Returns 1 when reserved, 0 when refused (then
 * nothing is counted).
 */
int swap_reserve(vm_ooffset_t incr);
int swap_reserve_by_cred(vm_ooffset_t incr, struct ucred *cred);
/* Reserve without any check (fork's undo path: the copies are freed, and
 * their charges released, by the failed fork's teardown). */
void swap_reserve_force(vm_ooffset_t incr);
void swap_reserve_force_by_cred(vm_ooffset_t incr, struct ucred *cred);
/* Give back; the totals never go negative (an invariant). */
void swap_release(vm_ooffset_t decr);
void swap_release_by_cred(vm_ooffset_t decr, struct ucred *cred);

/* Totals: all users, and one uid. */
vm_ooffset_t swap_reserved(void);
vm_ooffset_t swap_reserved_by_uid(uint32_t uid);
/* Reservations refused since start (the swap_reserve_fail count). */
uint64_t swap_reserve_failures(void);

#endif
