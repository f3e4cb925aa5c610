/*
 * vm/swap_pager.c — swap-space accounting (see vm/swap_pager.h; FreeBSD
 * swap_pager.c swap_reserve_by_cred and friends, 2010).
 *
 * The per-uid totals live in a small table (FreeBSD's uidinfo
 * ui_vmsize), grown on demand and kept sorted by uid so that its order
 * never depends on host addresses.
 *
 * XXX: FreeBSD subtracts v_free_reserved from the non-wired RAM that bit
 * 2 adds to the limit; we have no reserve yet and count every managed
 * page that is not wired.
 * XXX: a refused reservation should be an event (swap_reserve_fail);
 * sim/base/event.h has no kind for it yet, so it is only counted.
 */
#include "vm/swap_pager.h"

#include <stdlib.h>
#include <string.h>

#include "vm/ucred.h"
#include "vm/vm_page.h"

struct swap_uidinfo {
	uint32_t uid;
	vm_ooffset_t vmsize;	/* bytes reserved by this uid */
};

static vm_ooffset_t swap_reserved_bytes;
static vm_ooffset_t swap_total_bytes;
static int swap_overcommit_bits;
static uint64_t swap_failures;
static struct swap_uidinfo *swap_uids;
static size_t swap_nuids, swap_uids_cap;

void
swap_accounting_init(void)
{
	free(swap_uids);
	swap_uids = NULL;
	swap_nuids = swap_uids_cap = 0;
	swap_reserved_bytes = 0;
	swap_total_bytes = 0;
	swap_overcommit_bits = 0;
	swap_failures = 0;
}

void
swap_set_total(vm_ooffset_t bytes)
{
	swap_total_bytes = bytes & ~(vm_ooffset_t)PAGE_MASK;
}

vm_ooffset_t
swap_total(void)
{
	return (swap_total_bytes);
}

void
swap_set_overcommit(int bits)
{
	swap_overcommit_bits = bits & (SWAP_RESERVE_FORCE_ON |
	    SWAP_RESERVE_RLIMIT_ON | SWAP_RESERVE_ALLOW_NONWIRED);
}

int
swap_overcommit(void)
{
	return (swap_overcommit_bits);
}

/* uid's entry, created (at its sorted place) if need be. */
static struct swap_uidinfo *
swap_uidinfo(uint32_t uid)
{
	size_t lo, hi, mid;

	lo = 0;
	hi = swap_nuids;
	while (lo < hi) {
		mid = (lo + hi) / 2;
		if (swap_uids[mid].uid < uid)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo < swap_nuids && swap_uids[lo].uid == uid)
		return (&swap_uids[lo]);
	if (swap_nuids == swap_uids_cap) {
		swap_uids_cap = swap_uids_cap == 0 ? 8 : 2 * swap_uids_cap;
		swap_uids = realloc(swap_uids, swap_uids_cap * sizeof(*swap_uids));
		if (swap_uids == NULL)
			panic("swap_uidinfo: out of host memory");
	}
	memmove(&swap_uids[lo + 1], &swap_uids[lo],
	    (swap_nuids - lo) * sizeof(*swap_uids));
	swap_nuids++;
	swap_uids[lo].uid = uid;
	swap_uids[lo].vmsize = 0;
	return (&swap_uids[lo]);
}

/* The global limit: the swap device, plus the non-wired RAM with bit 2. */
static vm_ooffset_t
swap_global_limit(void)
{
	struct vm_page_stats st;
	vm_ooffset_t s;

	s = swap_total_bytes;
	if ((swap_overcommit_bits & SWAP_RESERVE_ALLOW_NONWIRED) != 0) {
		vm_page_stats(&st);
		s += ptoa(st.npages - MIN(st.wired, st.npages));
	}
	return (s);
}

int
swap_reserve(vm_ooffset_t incr)
{
	return (swap_reserve_by_cred(incr, ucred_current()));
}

/*
 * FreeBSD's order: the global check first (bit 0; uid 0 passes), then the
 * per-uid RLIMIT_SWAP check (bit 1; uid 0 passes), which undoes the global
 * reservation when it refuses.
 */
int
swap_reserve_by_cred(vm_ooffset_t incr, struct ucred *cred)
{
	struct swap_uidinfo *ui;
	uint32_t uid;
	vm_ooffset_t r;

	KASSERT((incr & PAGE_MASK) == 0, ("swap_reserve: %#llx not page aligned",
	    (unsigned long long)incr));
	uid = cred != NULL ? cred->uid : 0;
	r = swap_reserved_bytes + incr;
	if ((swap_overcommit_bits & SWAP_RESERVE_FORCE_ON) != 0 && uid != 0 &&
	    (r < incr || r > swap_global_limit())) {
		swap_failures++;
		return (0);
	}
	ui = swap_uidinfo(uid);
	if ((swap_overcommit_bits & SWAP_RESERVE_RLIMIT_ON) != 0 && uid != 0 &&
	    cred != NULL && (ui->vmsize + incr < incr ||
	    ui->vmsize + incr > cred->swap_limit)) {
		swap_failures++;
		return (0);
	}
	swap_reserved_bytes = r;
	ui->vmsize += incr;
	return (1);
}

void
swap_reserve_force(vm_ooffset_t incr)
{
	swap_reserve_force_by_cred(incr, ucred_current());
}

void
swap_reserve_force_by_cred(vm_ooffset_t incr, struct ucred *cred)
{
	KASSERT((incr & PAGE_MASK) == 0, ("swap_reserve_force: %#llx not page "
	    "aligned", (unsigned long long)incr));
	swap_reserved_bytes += incr;
	swap_uidinfo(cred != NULL ? cred->uid : 0)->vmsize += incr;
}

void
swap_release(vm_ooffset_t decr)
{
	swap_release_by_cred(decr, ucred_current());
}

void
swap_release_by_cred(vm_ooffset_t decr, struct ucred *cred)
{
	struct swap_uidinfo *ui;

	KASSERT((decr & PAGE_MASK) == 0, ("swap_release: %#llx not page aligned",
	    (unsigned long long)decr));
	KASSERT(swap_reserved_bytes >= decr, ("swap_release: releasing %#llx of "
	    "%#llx reserved", (unsigned long long)decr,
	    (unsigned long long)swap_reserved_bytes));
	ui = swap_uidinfo(cred != NULL ? cred->uid : 0);
	KASSERT(ui->vmsize >= decr, ("swap_release: uid %u releases %#llx of "
	    "%#llx", ui->uid, (unsigned long long)decr,
	    (unsigned long long)ui->vmsize));
	swap_reserved_bytes -= MIN(decr, swap_reserved_bytes);
	ui->vmsize -= MIN(decr, ui->vmsize);
}

vm_ooffset_t
swap_reserved(void)
{
	return (swap_reserved_bytes);
}

vm_ooffset_t
swap_reserved_by_uid(uint32_t uid)
{
	size_t i;

	for (i = 0; i < swap_nuids; i++)
		if (swap_uids[i].uid == uid)
			return (swap_uids[i].vmsize);
	return (0);
}

uint64_t
swap_reserve_failures(void)
{
	return (swap_failures);
}
