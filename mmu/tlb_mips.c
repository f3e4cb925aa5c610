/*
 * mmu/tlb_mips.c — the MIPS32 joint TLB (R4000 style), as described in
 * "MIPS32 Architecture for Programmers Vol. III", chapter 4 (TLB-based
 * MMU), chapter 9 (the CP0 registers Index, Random, EntryLo0/1, Context,
 * PageMask, Wired, BadVAddr, EntryHi) and the TLBP/TLBR/TLBWI/TLBWR pages
 * of Vol. II.
 *
 * Each slot maps an even/odd pair of pages of size 4 KiB << log2(mask+1):
 *
 *   PageMask = 0        4 KiB pages: VA[31:13] = VPN2, VA[12] odd/even,
 *                       VA[11:0] offset
 *   PageMask = 0x6000   16 KiB pages: VA[31:15] compared, VA[14] odd/even,
 *                       VA[13:0] offset
 *   ...
 *   PageMask = 0x1ffe000  16 MiB pages: VA[31:25] compared, VA[24]
 *                       odd/even, VA[23:0] offset
 *
 * i.e. the odd/even bit is 12 + popcount(PageMask).  Any mask whose Mask
 * field (bits 28..13) is 2^(2k) - 1 is accepted (4 KiB .. 256 MiB pages).
 *
 * The entry's global bit is the AND of EntryLo0.G and EntryLo1.G at write
 * time; it is stored back into both halves, so TLBR reads it in both, as
 * on the hardware.
 *
 * Software (the simulated kernel) must never create two slots that match
 * one address: real R4000s shut the TLB down, we panic in tlb_mips_check
 * when invariants are on.  Invalidated slots hold a unique kseg0 EntryHi
 * (kseg0 is unmapped, so it is never looked up) and zero EntryLos.
 *
 * No cycles are charged here: the caller (mmu/mmu.c) charges lookups and
 * the refill handler's instructions.
 */
#include "mmu/tlb_mips.h"

#include <stdio.h>

/* EntryHi bits that are stored (VPN2 and ASID; 12..8 read as zero). */
#define MIPS_HI_STORED_MASK	(MIPS_HI_VPN2_MASK | MIPS_HI_ASID_MASK)
/* EntryLo bits that are stored (31..30 read as zero). */
#define MIPS_LO_STORED_MASK	0x3fffffffu
/* The Mask field of PageMask: bits 28..13. */
#define MIPS_PAGEMASK_FIELD	0x1fffe000u
#define MIPS_KSEG2_BASE		0xc0000000u

static bool
tlb_mips_pagemask_ok(uint32_t pagemask)
{
	uint32_t m;

	if ((pagemask & ~MIPS_PAGEMASK_FIELD) != 0)
		return (false);
	m = (pagemask >> 13) + 1;
	/* A power of 4: one bit set, at an even position. */
	return ((m & (m - 1)) == 0 && (m & 0x55555555u) != 0);
}

/* The VA bit that selects EntryLo1 over EntryLo0 under pagemask. */
static inline unsigned
tlb_mips_oddbit(uint32_t pagemask)
{
	return (12 + (unsigned)__builtin_popcount(pagemask));
}

static inline bool
tlb_mips_global(const struct tlb_mips_entry *e)
{
	/* Both halves hold the entry's G (see tlb_mips_write). */
	return ((e->entrylo0 & MIPS_LO_G) != 0);
}

/* Does slot e translate va for asid (ignoring V)? */
static inline bool
tlb_mips_match(const struct tlb_mips_entry *e, uint32_t va, uint8_t asid)
{
	uint32_t cmp = MIPS_HI_VPN2_MASK & ~e->pagemask;

	if (((va ^ e->entryhi) & cmp) != 0)
		return (false);
	return (tlb_mips_global(e) ||
	    (e->entryhi & MIPS_HI_ASID_MASK) == asid);
}

static void
tlb_mips_set_invalid(struct tlb_mips *t, unsigned idx)
{
	struct tlb_mips_entry *e = &t->e[idx];

	e->entryhi = MIPS_KSEG0_BASE + idx * 2 * (uint32_t)PAGE_SIZE;
	e->pagemask = MIPS_PAGEMASK_4K;
	e->entrylo0 = 0;
	e->entrylo1 = 0;
}

static void
tlb_mips_assert_consistent(const struct tlb_mips *t, const char *where)
{
	char msg[160];

	if (!sim_invariants)
		return;
	if (tlb_mips_check(t, msg, sizeof(msg)) != 0)
		panic("%s: %s", where, msg);
}

/*
 * Initialise t with nentries slots (1..64), the first wired of them
 * (wired <= nentries) never chosen by TLBWR, and prng as the Random
 * register's source (may be NULL if TLBWR is never used).  Every slot is
 * invalidated.
 */
void
tlb_mips_init(struct tlb_mips *t, unsigned nentries, unsigned wired,
    struct prng *prng)
{
	KASSERT(nentries >= 1 && nentries <= TLB_MIPS_MAX_ENTRIES,
	    ("tlb_mips_init: nentries %u not in 1..%d", nentries,
	    TLB_MIPS_MAX_ENTRIES));
	KASSERT(wired <= nentries,
	    ("tlb_mips_init: wired %u > nentries %u", wired, nentries));
	t->nentries = nentries;
	t->wired = wired;
	t->prng = prng;
	t->gen = 0;
	t->cp0 = (struct mips_cp0){ .random = nentries - 1 };
	for (unsigned i = 0; i < TLB_MIPS_MAX_ENTRIES; i++)
		tlb_mips_set_invalid(t, i);
}

/*
 * TLBP: the lowest index whose slot matches entryhi's VPN2 under the
 * slot's PageMask and entryhi's ASID (or is global), or -1.  Invalidated
 * slots match their own kseg0 EntryHi, as on the hardware.
 */
int
tlb_mips_probe(const struct tlb_mips *t, uint32_t entryhi)
{
	uint8_t asid = (uint8_t)(entryhi & MIPS_HI_ASID_MASK);

	for (unsigned i = 0; i < t->nentries; i++)
		if (tlb_mips_match(&t->e[i], entryhi, asid))
			return ((int)i);
	return (-1);
}

/* TLBR: copy slot idx (< nentries) to *out. */
void
tlb_mips_read(const struct tlb_mips *t, unsigned idx, struct tlb_mips_entry *out)
{
	KASSERT(idx < t->nentries,
	    ("tlb_mips_read: index %u >= nentries %u", idx, t->nentries));
	*out = t->e[idx];
}

/*
 * Store *in into slot idx: unused bits cleared, G = lo0.G & lo1.G written
 * to both halves.  PageMask must be a supported page size.  Bumps gen and,
 * under invariants, panics if two slots now match one address.
 */
static void
tlb_mips_write(struct tlb_mips *t, unsigned idx, const struct tlb_mips_entry *in,
    const char *where)
{
	struct tlb_mips_entry *e = &t->e[idx];
	uint32_t g;

	KASSERT(tlb_mips_pagemask_ok(in->pagemask),
	    ("%s: unsupported PageMask %#x", where, in->pagemask));
	g = in->entrylo0 & in->entrylo1 & MIPS_LO_G;
	e->entryhi = in->entryhi & MIPS_HI_STORED_MASK;
	e->pagemask = in->pagemask;
	e->entrylo0 = (in->entrylo0 & MIPS_LO_STORED_MASK & ~MIPS_LO_G) | g;
	e->entrylo1 = (in->entrylo1 & MIPS_LO_STORED_MASK & ~MIPS_LO_G) | g;
	t->gen++;
	tlb_mips_assert_consistent(t, where);
}

/* TLBWI: write *in into slot idx (< nentries); see tlb_mips_write. */
void
tlb_mips_write_indexed(struct tlb_mips *t, unsigned idx,
    const struct tlb_mips_entry *in)
{
	KASSERT(idx < t->nentries,
	    ("tlb_mips_write_indexed: index %u >= nentries %u", idx,
	    t->nentries));
	tlb_mips_write(t, idx, in, "tlb_mips_write_indexed");
}

/*
 * TLBWR: write *in into a slot drawn uniformly from [wired, nentries) by
 * one prng_below() call, leave it in Random and return it.  Requires
 * wired < nentries and a prng.
 *
 * XXX: an R4000's Random decrements every cycle, so software can never
 * predict it; we draw it from the seeded prng at each TLBWR instead, which
 * keeps replay deterministic and independent of instruction timing.
 * Between TLBWRs Random reads as the slot last written.
 */
unsigned
tlb_mips_write_random(struct tlb_mips *t, const struct tlb_mips_entry *in)
{
	unsigned idx;

	KASSERT(t->prng != NULL, ("tlb_mips_write_random: no prng"));
	KASSERT(t->wired < t->nentries,
	    ("tlb_mips_write_random: wired %u leaves no random slot of %u",
	    t->wired, t->nentries));
	idx = t->wired + (unsigned)prng_below(t->prng, t->nentries - t->wired);
	t->cp0.random = idx;
	tlb_mips_write(t, idx, in, "tlb_mips_write_random");
	return (idx);
}

/* The slot Index names, for TLBR and TLBWI. */
static unsigned
tlb_mips_index(const struct tlb_mips *t, const char *where)
{
	unsigned idx = t->cp0.index & MIPS_INDEX_MASK;

	KASSERT((t->cp0.index & MIPS_INDEX_P) == 0,
	    ("%s: Index %#x has P set (after a failed TLBP)", where,
	    t->cp0.index));
	KASSERT(idx < t->nentries, ("%s: Index %u >= nentries %u", where, idx,
	    t->nentries));
	return (idx);
}

/* The registers TLBWI and TLBWR write, as an entry. */
static struct tlb_mips_entry
tlb_mips_regs(const struct tlb_mips *t)
{
	return ((struct tlb_mips_entry){ .entryhi = t->cp0.entryhi,
	    .pagemask = t->cp0.pagemask, .entrylo0 = t->cp0.entrylo0,
	    .entrylo1 = t->cp0.entrylo1 });
}

/* TLBP: Index = the slot matching EntryHi, or P. */
void
tlb_mips_tlbp(struct tlb_mips *t)
{
	int idx = tlb_mips_probe(t, t->cp0.entryhi);

	t->cp0.index = idx < 0 ? MIPS_INDEX_P : (uint32_t)idx;
}

/* TLBR: EntryHi, EntryLo0, EntryLo1, PageMask = slot Index.  EntryHi's
 * ASID becomes the slot's: software restores it. */
void
tlb_mips_tlbr(struct tlb_mips *t)
{
	const struct tlb_mips_entry *e = &t->e[tlb_mips_index(t, "tlb_mips_tlbr")];

	t->cp0.entryhi = e->entryhi;
	t->cp0.pagemask = e->pagemask;
	t->cp0.entrylo0 = e->entrylo0;
	t->cp0.entrylo1 = e->entrylo1;
}

/* TLBWI: slot Index = EntryHi, PageMask, EntryLo0, EntryLo1. */
void
tlb_mips_tlbwi(struct tlb_mips *t)
{
	struct tlb_mips_entry in = tlb_mips_regs(t);

	tlb_mips_write(t, tlb_mips_index(t, "tlb_mips_tlbwi"), &in,
	    "tlb_mips_tlbwi");
}

/* TLBWR: slot Random (drawn anew in [Wired, nentries)) = the registers. */
unsigned
tlb_mips_tlbwr(struct tlb_mips *t)
{
	struct tlb_mips_entry in = tlb_mips_regs(t);

	return (tlb_mips_write_random(t, &in));
}

/* MTC0 Wired (wired < nentries); Random goes back to its upper bound. */
void
tlb_mips_set_wired(struct tlb_mips *t, unsigned wired)
{
	KASSERT(wired < t->nentries, ("tlb_mips_set_wired: wired %u leaves "
	    "no random slot of %u", wired, t->nentries));
	t->wired = wired;
	t->cp0.random = t->nentries - 1;
}

/* The CP0 side of a TLB Refill/Invalid/Modified exception for va. */
void
tlb_mips_exception(struct tlb_mips *t, uint32_t va)
{
	t->cp0.badvaddr = va;
	t->cp0.context = (t->cp0.context & MIPS_CONTEXT_PTEBASE_MASK) |
	    ((va >> MIPS_CONTEXT_BADVPN2_SHIFT) & MIPS_CONTEXT_BADVPN2_MASK);
	t->cp0.entryhi = (va & MIPS_HI_VPN2_MASK) |
	    (t->cp0.entryhi & MIPS_HI_ASID_MASK);
}

/* Make slot idx (< nentries) match nothing; bumps gen. */
void
tlb_mips_invalidate(struct tlb_mips *t, unsigned idx)
{
	KASSERT(idx < t->nentries,
	    ("tlb_mips_invalidate: index %u >= nentries %u", idx, t->nentries));
	tlb_mips_set_invalid(t, idx);
	t->gen++;
}

/* Invalidate slots [wired, nentries), or all of them if !keep_wired;
 * bumps gen once. */
void
tlb_mips_flush(struct tlb_mips *t, bool keep_wired)
{
	for (unsigned i = keep_wired ? t->wired : 0; i < t->nentries; i++)
		tlb_mips_set_invalid(t, i);
	t->gen++;
}

/*
 * Invalidate the slot (if any) that translates va for asid, global or
 * not, as pmap does after changing a PTE.  gen is bumped only when a slot
 * was invalidated.
 */
void
tlb_mips_invalidate_va(struct tlb_mips *t, uint32_t va, uint8_t asid)
{
	for (unsigned i = 0; i < t->nentries; i++) {
		if (tlb_mips_match(&t->e[i], va, asid)) {
			tlb_mips_invalidate(t, i);
			return;
		}
	}
}

/*
 * Translate va (in a mapped segment: kuseg, kseg2 or kseg3; kseg0/1 never
 * reach the TLB) for asid.  On TLBM_HIT *pa_out gets PFN << 12 with the
 * offset within the (possibly large) page in the low bits; PFN bits below
 * the page size are ignored, as on the hardware.  *lo_out, if not NULL,
 * gets the selected EntryLo whenever a slot matches (hit, invalid or
 * modified).  Charges nothing.
 */
enum tlb_mips_result
tlb_mips_lookup(const struct tlb_mips *t, uint32_t va, uint8_t asid,
    bool store, vm_paddr_t *pa_out, uint32_t *lo_out)
{
	KASSERT(va < MIPS_KSEG0_BASE || va >= MIPS_KSEG2_BASE,
	    ("tlb_mips_lookup: va %#x is in unmapped kseg0/kseg1", va));
	for (unsigned i = 0; i < t->nentries; i++) {
		const struct tlb_mips_entry *e = &t->e[i];
		unsigned oddbit;
		vm_paddr_t offmask;
		uint32_t lo;

		if (!tlb_mips_match(e, va, asid))
			continue;
		oddbit = tlb_mips_oddbit(e->pagemask);
		lo = (va >> oddbit) & 1 ? e->entrylo1 : e->entrylo0;
		if (lo_out != NULL)
			*lo_out = lo;
		if ((lo & MIPS_LO_V) == 0)
			return (TLBM_INVALID);
		if (store && (lo & MIPS_LO_D) == 0)
			return (TLBM_MODIFIED);
		offmask = ((vm_paddr_t)1 << oddbit) - 1;
		*pa_out = ((vm_paddr_t)((lo & MIPS_LO_PFN_MASK) >>
		    MIPS_LO_PFN_SHIFT) << PAGE_SHIFT & ~offmask) | (va & offmask);
		return (TLBM_HIT);
	}
	return (TLBM_REFILL);
}

/*
 * The invariants: 1 <= nentries <= 64, wired <= nentries, every PageMask
 * supported, G equal in both halves, and no two slots that match one
 * (address, ASID): their VPN2s agree outside the union of their masks and
 * one is global or their ASIDs are equal.  Returns 0, or -1 with the first
 * violation described in msg.
 */
int
tlb_mips_check(const struct tlb_mips *t, char *msg, size_t msglen)
{
	if (t->nentries < 1 || t->nentries > TLB_MIPS_MAX_ENTRIES) {
		snprintf(msg, msglen, "nentries %u not in 1..%d", t->nentries,
		    TLB_MIPS_MAX_ENTRIES);
		return (-1);
	}
	if (t->wired > t->nentries) {
		snprintf(msg, msglen, "wired %u > nentries %u", t->wired,
		    t->nentries);
		return (-1);
	}
	for (unsigned i = 0; i < t->nentries; i++) {
		const struct tlb_mips_entry *a = &t->e[i];

		if (!tlb_mips_pagemask_ok(a->pagemask)) {
			snprintf(msg, msglen, "slot %u: bad PageMask %#x", i,
			    a->pagemask);
			return (-1);
		}
		if (((a->entrylo0 ^ a->entrylo1) & MIPS_LO_G) != 0) {
			snprintf(msg, msglen, "slot %u: G differs between "
			    "EntryLo0 %#x and EntryLo1 %#x", i, a->entrylo0,
			    a->entrylo1);
			return (-1);
		}
		for (unsigned j = i + 1; j < t->nentries; j++) {
			const struct tlb_mips_entry *b = &t->e[j];
			uint32_t cmp = MIPS_HI_VPN2_MASK &
			    ~(a->pagemask | b->pagemask);

			if (((a->entryhi ^ b->entryhi) & cmp) != 0)
				continue;
			if (!tlb_mips_global(a) && !tlb_mips_global(b) &&
			    ((a->entryhi ^ b->entryhi) & MIPS_HI_ASID_MASK) != 0)
				continue;
			snprintf(msg, msglen, "slots %u (hi %#x mask %#x) and "
			    "%u (hi %#x mask %#x) match one address", i,
			    a->entryhi, a->pagemask, j, b->entryhi, b->pagemask);
			return (-1);
		}
	}
	return (0);
}
