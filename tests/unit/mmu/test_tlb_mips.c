/*
 * tests/unit/mmu/test_tlb_mips.c — the MIPS32 JTLB model: even/odd pairs,
 * V/D per half, ASIDs and the G-needs-both-halves rule, TLBP, wired slots,
 * invalidation, large pages, the no-two-matches checker; the CP0
 * registers and the instructions on them (TLBP, TLBR, TLBWI, TLBWR, the
 * Random register and Wired, the exception side: BadVAddr, Context,
 * EntryHi); then a differential test against a brute-force reference on
 * seeded random operations, issued half through the registers.
 */
#include "mmu/tlb_mips.h"
#include "tests/tap.h"

#include <string.h>

#define LO(pfn, bits)	((uint32_t)(pfn) << MIPS_LO_PFN_SHIFT | (bits))
#define VD		(MIPS_LO_V | MIPS_LO_D)

static struct tlb_mips_entry
ent(uint32_t hi, uint32_t mask, uint32_t lo0, uint32_t lo1)
{
	return ((struct tlb_mips_entry){ .entryhi = hi, .pagemask = mask,
	    .entrylo0 = lo0, .entrylo1 = lo1 });
}

static int
look(const struct tlb_mips *t, uint32_t va, uint8_t asid, bool store,
    vm_paddr_t *pa)
{
	vm_paddr_t p = ~(vm_paddr_t)0;
	int r = tlb_mips_lookup(t, va, asid, store, &p, NULL);

	if (pa != NULL)
		*pa = p;
	return (r);
}

static int
checked(const struct tlb_mips *t)
{
	char msg[160];

	return (tlb_mips_check(t, msg, sizeof(msg)) == 0);
}

static void
test_init(void)
{
	struct tlb_mips t;
	bool uniq = true;

	tlb_mips_init(&t, 48, 2, NULL);
	for (unsigned i = 0; i < 48; i++) {
		struct tlb_mips_entry e;

		tlb_mips_read(&t, i, &e);
		if (e.entryhi != MIPS_KSEG0_BASE + i * 2 * PAGE_SIZE ||
		    e.entrylo0 != 0 || e.entrylo1 != 0 || e.pagemask != 0)
			uniq = false;
	}
	ok(uniq, "init: every slot has its unique kseg0 EntryHi and zero EntryLos");
	ok(checked(&t), "init: tlb_mips_check passes");
	ok(look(&t, 0x00400000, 0, false, NULL) == TLBM_REFILL &&
	    look(&t, 0xc0000000, 0, false, NULL) == TLBM_REFILL,
	    "init: user and kseg2 lookups miss");
	ok(t.gen == 0, "init: gen is 0");
}

static void
test_pair(void)
{
	struct tlb_mips t;
	struct tlb_mips_entry e = ent(0x00400000 | 5, 0, LO(0x100, VD),
	    LO(0x200, MIPS_LO_V));
	vm_paddr_t pa;
	uint32_t lo = 0;

	tlb_mips_init(&t, 16, 0, NULL);
	tlb_mips_write_indexed(&t, 3, &e);
	ok(look(&t, 0x00400123, 5, false, &pa) == TLBM_HIT && pa == 0x100123,
	    "pair: even page load hits EntryLo0");
	ok(look(&t, 0x00401456, 5, false, &pa) == TLBM_HIT && pa == 0x200456,
	    "pair: odd page load hits EntryLo1");
	ok(look(&t, 0x00400ffc, 5, true, &pa) == TLBM_HIT && pa == 0x100ffc,
	    "pair: store to the dirty even half hits");
	ok(look(&t, 0x00401000, 5, true, &pa) == TLBM_MODIFIED,
	    "pair: store to the clean odd half raises TLB Modified");
	ok(tlb_mips_lookup(&t, 0x00401000, 5, false, &pa, &lo) == TLBM_HIT &&
	    lo == LO(0x200, MIPS_LO_V), "pair: lo_out is the selected half");
	ok(look(&t, 0x00402000, 5, false, NULL) == TLBM_REFILL &&
	    look(&t, 0x003ff000, 5, false, NULL) == TLBM_REFILL,
	    "pair: neighbouring pairs miss");

	e = ent(0x00400000 | 5, 0, LO(0x100, 0), LO(0x200, VD));
	tlb_mips_write_indexed(&t, 3, &e);
	ok(look(&t, 0x00400000, 5, false, NULL) == TLBM_INVALID,
	    "pair: load from the V=0 even half raises TLB Invalid");
	ok(look(&t, 0x00400000, 5, true, NULL) == TLBM_INVALID,
	    "pair: store to the V=0 half is Invalid, not Modified");
	ok(look(&t, 0x00401000, 5, true, &pa) == TLBM_HIT && pa == 0x200000,
	    "pair: store to the valid dirty odd half hits");
}

static void
test_asid_global(void)
{
	struct tlb_mips t;
	struct tlb_mips_entry e = ent(0x10000000 | 7, 0, LO(1, VD | MIPS_LO_G),
	    LO(2, VD)), r;
	vm_paddr_t pa;

	tlb_mips_init(&t, 8, 0, NULL);
	tlb_mips_write_indexed(&t, 0, &e);
	ok(look(&t, 0x10000000, 7, false, &pa) == TLBM_HIT && pa == 0x1000,
	    "asid: the entry's ASID matches");
	ok(look(&t, 0x10000000, 8, false, NULL) == TLBM_REFILL &&
	    look(&t, 0x10001000, 0, false, NULL) == TLBM_REFILL,
	    "asid: another ASID misses");
	tlb_mips_read(&t, 0, &r);
	ok((r.entrylo0 & MIPS_LO_G) == 0 && (r.entrylo1 & MIPS_LO_G) == 0,
	    "global: G in one half only is read back clear in both");

	e.entrylo1 |= MIPS_LO_G;
	tlb_mips_write_indexed(&t, 0, &e);
	tlb_mips_read(&t, 0, &r);
	ok((r.entrylo0 & r.entrylo1 & MIPS_LO_G) != 0,
	    "global: G in both halves is kept");
	ok(look(&t, 0x10000000, 8, false, &pa) == TLBM_HIT && pa == 0x1000 &&
	    look(&t, 0x10001000, 255, false, &pa) == TLBM_HIT && pa == 0x2000,
	    "global: any ASID matches");
	ok(tlb_mips_probe(&t, 0x10001000 | 42) == 0,
	    "global: TLBP finds the global entry for any ASID");
}

static void
test_probe(void)
{
	struct tlb_mips t;
	struct tlb_mips_entry e;

	tlb_mips_init(&t, 16, 1, NULL);
	e = ent(0x00800000 | 3, 0, LO(1, VD), LO(2, VD));
	tlb_mips_write_indexed(&t, 9, &e);
	e = ent(0x00800000 | 4, 0, LO(3, VD), LO(4, VD));
	tlb_mips_write_indexed(&t, 12, &e);
	ok(tlb_mips_probe(&t, 0x00800000 | 3) == 9 &&
	    tlb_mips_probe(&t, 0x00800000 | 4) == 12,
	    "probe: finds the slot by VPN2 and ASID");
	ok(tlb_mips_probe(&t, 0x00801000 | 3) == 9,
	    "probe: VA bit 12 is not part of VPN2");
	ok(tlb_mips_probe(&t, 0x00800000 | 5) == -1 &&
	    tlb_mips_probe(&t, 0x00802000 | 3) == -1,
	    "probe: -1 for another ASID or another pair");
	ok(tlb_mips_probe(&t, MIPS_KSEG0_BASE + 5 * 2 * PAGE_SIZE) == 5,
	    "probe: an invalidated slot matches only its own kseg0 EntryHi");
}

static void
test_invalidate(void)
{
	struct tlb_mips t;
	struct tlb_mips_entry e = ent(0x00400000 | 1, 0, LO(1, VD), LO(2, VD));
	uint64_t gen;

	tlb_mips_init(&t, 16, 0, NULL);
	tlb_mips_write_indexed(&t, 6, &e);
	gen = t.gen;
	tlb_mips_invalidate(&t, 6);
	tlb_mips_read(&t, 6, &e);
	ok(e.entryhi == MIPS_KSEG0_BASE + 6 * 2 * PAGE_SIZE && e.entrylo0 == 0 &&
	    e.entrylo1 == 0, "invalidate: slot 6 has EntryHi %#x, zero EntryLos",
	    e.entryhi);
	ok(t.gen == gen + 1, "invalidate: gen bumped");
	ok(look(&t, 0x00400000, 1, false, NULL) == TLBM_REFILL,
	    "invalidate: the old translation misses");
	ok(checked(&t), "invalidate: check passes");

	e = ent(0x00400000 | 1, 0, LO(1, VD), LO(2, VD));
	tlb_mips_write_indexed(&t, 2, &e);
	gen = t.gen;
	tlb_mips_invalidate_va(&t, 0x00401000, 9);
	ok(t.gen == gen && tlb_mips_probe(&t, 0x00400001) == 2,
	    "invalidate_va: another ASID leaves the entry and gen alone");
	tlb_mips_invalidate_va(&t, 0x00401000, 1);
	ok(t.gen == gen + 1 && tlb_mips_probe(&t, 0x00400001) == -1,
	    "invalidate_va: the matching entry is gone, gen bumped");
}

static void
test_flush_wired(void)
{
	struct tlb_mips t;
	struct prng r;
	unsigned n = 48, wired = 3, counts[48] = { 0 };
	bool in_range = true, wired_kept = true, all_used = true;
	struct tlb_mips_entry e;
	uint64_t gen;

	prng_seed(&r, 1);
	tlb_mips_init(&t, n, wired, &r);
	for (unsigned i = 0; i < wired; i++) {
		e = ent(0xc0000000 + i * 0x2000, 0, LO(10 + i, VD | MIPS_LO_G),
		    LO(20 + i, VD | MIPS_LO_G));
		tlb_mips_write_indexed(&t, i, &e);
	}
	for (unsigned k = 0; k < 10000; k++) {
		unsigned idx;

		/* A fresh VPN2 each time: never a duplicate. */
		e = ent(0x00400000 + k * 0x2000, 0, LO(k, VD), LO(k + 1, VD));
		idx = tlb_mips_write_random(&t, &e);
		if (idx < wired || idx >= n)
			in_range = false;
		else
			counts[idx]++;
	}
	for (unsigned i = 0; i < wired; i++)
		if (tlb_mips_probe(&t, 0xc0000000 + i * 0x2000) != (int)i)
			wired_kept = false;
	for (unsigned i = wired; i < n; i++)
		if (counts[i] == 0)
			all_used = false;
	ok(in_range, "write_random: 10000 writes all chose slots in [wired, n)");
	ok(wired_kept, "write_random: the wired slots are intact");
	ok(all_used, "write_random: every non-wired slot was chosen");
	ok(checked(&t), "write_random: check passes");

	gen = t.gen;
	tlb_mips_flush(&t, true);
	ok(t.gen > gen, "flush: gen bumped");
	ok(tlb_mips_probe(&t, 0xc0002000) == 1 &&
	    look(&t, 0xc0001000, 77, false, NULL) == TLBM_HIT,
	    "flush(keep_wired): wired entries still translate");
	ok(look(&t, 0x00400000 + 9999 * 0x2000, 0, false, NULL) == TLBM_REFILL,
	    "flush(keep_wired): the other entries are gone");
	tlb_mips_flush(&t, false);
	ok(look(&t, 0xc0001000, 77, false, NULL) == TLBM_REFILL &&
	    tlb_mips_probe(&t, 0xc0000000) == -1,
	    "flush(all): the wired entries are gone too");
	ok(checked(&t), "flush: check passes");
}

static void
test_large(void)
{
	struct tlb_mips t;
	struct tlb_mips_entry e;
	vm_paddr_t pa;

	tlb_mips_init(&t, 16, 0, NULL);
	/* 16 KiB pages: VA bit 14 selects the half. */
	e = ent(0x01000000 | 2, 0x6000, LO(0x400, VD), LO(0x404, MIPS_LO_V));
	tlb_mips_write_indexed(&t, 0, &e);
	ok(look(&t, 0x01003abc, 2, false, &pa) == TLBM_HIT && pa == 0x403abc,
	    "16K: offset 0x3abc of the even page");
	ok(look(&t, 0x01004010, 2, false, &pa) == TLBM_HIT && pa == 0x404010,
	    "16K: the odd page");
	ok(look(&t, 0x01007ffc, 2, true, NULL) == TLBM_MODIFIED,
	    "16K: D of the odd half applies to its whole 16K");
	ok(look(&t, 0x01008000, 2, false, NULL) == TLBM_REFILL,
	    "16K: the next pair misses");
	ok(tlb_mips_probe(&t, 0x01006000 | 2) == 0,
	    "16K: probe ignores VPN2 bits under the mask");

	/* 16 MiB pages: VA bit 24 selects the half; low PFN bits ignored. */
	e = ent(0x02000000 | 2, 0x01ffe000, LO(0x10000, VD), LO(0x11003, VD));
	tlb_mips_write_indexed(&t, 1, &e);
	ok(look(&t, 0x02abcdef, 2, true, &pa) == TLBM_HIT && pa == 0x10abcdef,
	    "16M: the even page");
	ok(look(&t, 0x03000005, 2, false, &pa) == TLBM_HIT && pa == 0x11000005,
	    "16M: the odd page, PFN bits below 16M ignored");
	ok(look(&t, 0x04000000, 2, false, NULL) == TLBM_REFILL,
	    "16M: past the pair misses");
	ok(checked(&t), "large: check passes with disjoint large pages");

	/* A 4K pair inside the 16M pair overlaps it. */
	sim_invariants = false;
	e = ent(0x02400000 | 2, 0, LO(1, VD), LO(2, VD));
	tlb_mips_write_indexed(&t, 2, &e);
	ok(!checked(&t), "check: a 4K pair inside a 16M pair is a double match");
	e.entryhi = 0x02400000 | 3;
	tlb_mips_write_indexed(&t, 2, &e);
	ok(checked(&t), "check: ... but not under another ASID");
	e.entrylo0 |= MIPS_LO_G;
	e.entrylo1 |= MIPS_LO_G;
	tlb_mips_write_indexed(&t, 2, &e);
	ok(!checked(&t), "check: ... unless one of them is global");
	sim_invariants = true;
}

/* Load the four registers TLBWI/TLBWR write. */
static void
regs(struct tlb_mips *t, uint32_t hi, uint32_t mask, uint32_t lo0,
    uint32_t lo1)
{
	t->cp0.entryhi = hi;
	t->cp0.pagemask = mask;
	t->cp0.entrylo0 = lo0;
	t->cp0.entrylo1 = lo1;
}

static void
test_cp0(void)
{
	struct tlb_mips t, u;
	struct tlb_mips_entry e;
	struct prng r1, r2;
	vm_paddr_t pa;
	unsigned n = 16, wired = 4, slot, counts[16] = { 0 };
	bool same = true, in_range = true, wired_kept = true, all_used = true;
	uint64_t gen;

	prng_seed(&r1, 42);
	tlb_mips_init(&t, n, wired, &r1);
	ok(t.cp0.random == n - 1 && t.cp0.index == 0 && t.cp0.entryhi == 0 &&
	    t.cp0.badvaddr == 0 && t.wired == wired,
	    "cp0 init: Random = nentries - 1, the others 0, Wired %u", wired);

	/* TLBWI through the registers; TLBP and TLBR find it. */
	regs(&t, 0x00400000 | 7, 0, LO(0x100, VD | MIPS_LO_G), LO(0x101, MIPS_LO_V));
	t.cp0.index = 9;
	gen = t.gen;
	tlb_mips_tlbwi(&t);
	ok(t.gen == gen + 1 && look(&t, 0x00401000, 7, false, &pa) == TLBM_HIT &&
	    pa == 0x101000, "tlbwi: slot Index written from the registers");
	ok(look(&t, 0x00400000, 3, false, NULL) == TLBM_REFILL,
	    "tlbwi: G in one half only: not global");
	t.cp0.entryhi = 0x00401000 | 7;	/* the odd page: same pair */
	t.cp0.index = 0;
	tlb_mips_tlbp(&t);
	ok(t.cp0.index == 9, "tlbp: Index = 9 for an address in the pair");
	t.cp0.entryhi = 0x00401000 | 8;
	tlb_mips_tlbp(&t);
	ok(t.cp0.index == MIPS_INDEX_P, "tlbp: another ASID: P set (%#x)",
	    t.cp0.index);
	regs(&t, 0, 0x6000, 0, 0);
	t.cp0.index = 9;
	gen = t.gen;
	tlb_mips_tlbr(&t);
	ok(t.cp0.entryhi == (0x00400000 | 7) && t.cp0.pagemask == 0 &&
	    t.cp0.entrylo0 == LO(0x100, VD) && t.cp0.entrylo1 == LO(0x101, MIPS_LO_V) &&
	    t.gen == gen, "tlbr: EntryHi, PageMask, EntryLo0/1 read (G = AND), "
	    "gen unchanged");
	/* The pmap's update sequence: TLBP, TLBR, change a half, TLBWI. */
	t.cp0.entryhi = 0x00400000 | 7;
	tlb_mips_tlbp(&t);
	tlb_mips_tlbr(&t);
	t.cp0.entrylo1 |= MIPS_LO_D;
	tlb_mips_tlbwi(&t);
	ok(look(&t, 0x00401000, 7, true, &pa) == TLBM_HIT && checked(&t),
	    "tlbp/tlbr/tlbwi: the odd half becomes writable in place");
	tlb_mips_read(&t, 9, &e);
	ok(e.entrylo1 == LO(0x101, VD), "read: the slot as written");

	/* TLBWR: Random in [Wired, n), the slot written, never wired. */
	for (unsigned i = 0; i < wired; i++) {
		regs(&t, 0xc0000000 + i * 0x2000, 0, LO(10 + i, VD | MIPS_LO_G),
		    LO(20 + i, VD | MIPS_LO_G));
		t.cp0.index = i;
		tlb_mips_tlbwi(&t);
	}
	for (unsigned k = 0; k < 5000; k++) {
		regs(&t, 0x10000000 + k * 0x2000, 0, LO(k, VD), LO(k + 1, VD));
		slot = tlb_mips_tlbwr(&t);
		if (slot != t.cp0.random || slot < wired || slot >= n)
			in_range = false;
		else
			counts[slot]++;
		if (tlb_mips_probe(&t, 0x10000000 + k * 0x2000) != (int)slot)
			in_range = false;
	}
	for (unsigned i = 0; i < wired; i++)
		if (tlb_mips_probe(&t, 0xc0000000 + i * 0x2000) != (int)i)
			wired_kept = false;
	for (unsigned i = wired; i < n; i++)
		if (counts[i] == 0)
			all_used = false;
	ok(in_range, "tlbwr: 5000 writes: slot = Random in [Wired, n), written");
	ok(wired_kept, "tlbwr: the wired slots are never replaced");
	ok(all_used, "tlbwr: every non-wired slot was chosen");
	ok(checked(&t), "tlbwr: check passes");

	/* Determinism: TLBWR draws exactly as tlb_mips_write_random. */
	prng_seed(&r1, 7);
	prng_seed(&r2, 7);
	tlb_mips_init(&t, n, 2, &r1);
	tlb_mips_init(&u, n, 2, &r2);
	for (unsigned k = 0; k < 200; k++) {
		e = ent(0x20000000 + k * 0x2000, 0, LO(k, VD), 0);
		regs(&t, e.entryhi, e.pagemask, e.entrylo0, e.entrylo1);
		if (tlb_mips_tlbwr(&t) != tlb_mips_write_random(&u, &e))
			same = false;
	}
	ok(same && memcmp(t.e, u.e, sizeof(t.e)) == 0,
	    "tlbwr: same seed, same slots as write_random");

	/* MTC0 Wired. */
	tlb_mips_set_wired(&t, 5);
	ok(t.wired == 5 && t.cp0.random == n - 1,
	    "set_wired: Wired 5, Random back to its upper bound");
	in_range = true;
	for (unsigned k = 0; k < 500; k++) {
		regs(&t, 0x30000000 + k * 0x2000, 0, 0, 0);
		if (tlb_mips_tlbwr(&t) < 5)
			in_range = false;
	}
	ok(in_range, "set_wired: TLBWR then avoids slots 0..4");

	/* The exception side. */
	t.cp0.context = 0x80800000 | 0x1230;
	t.cp0.entryhi = 0x12346000 | 42;
	tlb_mips_exception(&t, 0x7fff5abc);
	ok(t.cp0.badvaddr == 0x7fff5abc &&
	    t.cp0.entryhi == (0x7fff4000 | 42) &&
	    t.cp0.context == (0x80800000 | (0x7fff5abcu >> 13) << 4),
	    "exception: BadVAddr, EntryHi.VPN2 (ASID kept), Context.BadVPN2 "
	    "(PTEBase kept): %#x %#x %#x", t.cp0.badvaddr, t.cp0.entryhi,
	    t.cp0.context);
	/* A refill handler: EntryLo0/1 for the pair, TLBWR; the retry hits. */
	t.cp0.pagemask = MIPS_PAGEMASK_4K;
	t.cp0.entrylo0 = LO(0x500, VD);
	t.cp0.entrylo1 = LO(0x501, MIPS_LO_V);
	(void)tlb_mips_tlbwr(&t);
	ok(look(&t, 0x7fff5abc, 42, false, &pa) == TLBM_HIT && pa == 0x501abc &&
	    look(&t, 0x7fff4000, 42, true, &pa) == TLBM_HIT &&
	    look(&t, 0x7fff5000, 42, true, NULL) == TLBM_MODIFIED,
	    "refill: EntryHi from the exception, EntryLo0/1, TLBWR: hits");
}

/*
 * The reference: an array of entries as written, a validity flag per
 * slot, matching by address ranges rather than masks.
 */
struct ref_slot {
	bool valid;
	uint32_t hi, mask, lo0, lo1;
};

static uint64_t
ref_pagesize(uint32_t mask)
{
	uint64_t size = 4096;

	for (uint32_t m = mask >> 13; m != 0; m >>= 2)
		size <<= 2;
	return (size);
}

static bool
ref_global(const struct ref_slot *s)
{
	return ((s->lo0 & 1) && (s->lo1 & 1));
}

/* The range [*lo, *lo + 2 * pagesize) the slot covers. */
static uint64_t
ref_base(const struct ref_slot *s)
{
	return (s->hi & ~(2 * ref_pagesize(s->mask) - 1));
}

static bool
ref_matches(const struct ref_slot *s, uint32_t va, uint8_t asid)
{
	uint64_t base = ref_base(s);

	return (s->valid && va >= base && va < base + 2 * ref_pagesize(s->mask) &&
	    (ref_global(s) || (s->hi & 0xff) == asid));
}

static bool
ref_overlap(const struct ref_slot *a, const struct ref_slot *b)
{
	uint64_t ab = ref_base(a), bb = ref_base(b);
	uint64_t ae = ab + 2 * ref_pagesize(a->mask);
	uint64_t be = bb + 2 * ref_pagesize(b->mask);

	return (a->valid && b->valid && ab < be && bb < ae &&
	    (ref_global(a) || ref_global(b) || (a->hi & 0xff) == (b->hi & 0xff)));
}

static int
ref_lookup(const struct ref_slot *ref, unsigned n, uint32_t va, uint8_t asid,
    bool store, vm_paddr_t *pa, int *slot)
{
	for (unsigned i = 0; i < n; i++) {
		const struct ref_slot *s = &ref[i];
		uint64_t ps, off;
		uint32_t lo;

		if (!ref_matches(s, va, asid))
			continue;
		*slot = (int)i;
		ps = ref_pagesize(s->mask);
		off = va - ref_base(s);
		lo = off >= ps ? s->lo1 : s->lo0;
		if (!(lo & 2))
			return (TLBM_INVALID);
		if (store && !(lo & 4))
			return (TLBM_MODIFIED);
		*pa = (((vm_paddr_t)(lo >> 6) & 0xffffff) * 4096 / ps) * ps +
		    off % ps;
		return (TLBM_HIT);
	}
	*slot = -1;
	return (TLBM_REFILL);
}

/* A random entry in a small VA pool so that lookups hit. */
static struct ref_slot
ref_random_entry(struct prng *g)
{
	static const uint32_t masks[] = { 0, 0, 0, 0, 0x6000, 0x1e000 };
	static const uint32_t regions[] = { 0x00400000, 0x7ff00000, 0xc0000000 };
	struct ref_slot s;
	uint32_t g0, g1;

	s.valid = true;
	s.mask = masks[prng_below(g, nitems(masks))];
	s.hi = regions[prng_below(g, nitems(regions))] +
	    (uint32_t)prng_below(g, 16) * 0x2000 + (uint32_t)prng_below(g, 4);
	g0 = prng_below(g, 4) == 0;
	g1 = g0 ? prng_below(g, 4) != 0 : prng_below(g, 8) == 0;
	s.lo0 = LO(prng_below(g, 1u << 20), (uint32_t)prng_below(g, 8) << 3 |
	    (uint32_t)prng_below(g, 4) << 1 | g0);
	s.lo1 = LO(prng_below(g, 1u << 20), (uint32_t)prng_below(g, 8) << 3 |
	    (uint32_t)prng_below(g, 4) << 1 | g1);
	return (s);
}

static bool
ref_conflicts(const struct ref_slot *ref, unsigned n, unsigned except,
    const struct ref_slot *s)
{
	for (unsigned i = 0; i < n; i++)
		if (i != except && ref_overlap(&ref[i], s))
			return (true);
	return (false);
}

static void
test_differential(uint64_t seed)
{
	const unsigned n = 32, wired = 4;
	struct tlb_mips t;
	struct ref_slot ref[32];
	struct prng g, tr, rr;
	unsigned ops = 0, hits = 0, matched = 0, writes = 0, mismatches = 0, bad_check = 0;
	static const uint32_t regions[] = { 0x00400000, 0x7ff00000, 0xc0000000 };
	char msg[160];

	prng_seed(&g, seed);
	prng_seed(&tr, seed ^ 0x5555);
	prng_seed(&rr, seed ^ 0x5555);
	tlb_mips_init(&t, n, wired, &tr);
	memset(ref, 0, sizeof(ref));

	for (ops = 0; ops < 30000; ops++) {
		unsigned op = (unsigned)prng_below(&g, 10);

		if (op < 2 || op == 2) {
			struct ref_slot s = ref_random_entry(&g);
			struct tlb_mips_entry e = ent(s.hi, s.mask, s.lo0, s.lo1);
			unsigned idx;

			bool viaregs = prng_below(&g, 2);

			if (viaregs)
				regs(&t, e.entryhi, e.pagemask, e.entrylo0,
				    e.entrylo1);
			if (op == 2) {
				/* TLBWR: predict the slot with the twin prng. */
				struct prng peek = rr;

				idx = wired + (unsigned)prng_below(&peek, n - wired);
				if (ref_conflicts(ref, n, idx, &s))
					continue;
				rr = peek;
				if ((viaregs ? tlb_mips_tlbwr(&t) :
				    tlb_mips_write_random(&t, &e)) != idx)
					mismatches++;
			} else {
				idx = (unsigned)prng_below(&g, n);
				if (ref_conflicts(ref, n, idx, &s))
					continue;
				if (viaregs) {
					t.cp0.index = idx;
					tlb_mips_tlbwi(&t);
				} else
					tlb_mips_write_indexed(&t, idx, &e);
			}
			ref[idx] = s;
			writes++;
		} else if (op == 3) {
			unsigned idx = (unsigned)prng_below(&g, n);

			tlb_mips_invalidate(&t, idx);
			ref[idx].valid = false;
		} else {
			uint32_t va = regions[prng_below(&g, nitems(regions))] +
			    (uint32_t)prng_below(&g, 0x30000);
			uint8_t asid = (uint8_t)prng_below(&g, 5);
			bool store = prng_below(&g, 2);
			vm_paddr_t pa = 1, rpa = 2;
			int rslot, rres, res, pslot;

			res = tlb_mips_lookup(&t, va, asid, store, &pa, NULL);
			rres = ref_lookup(ref, n, va, asid, store, &rpa, &rslot);
			/* TLBP through EntryHi and Index. */
			t.cp0.entryhi = (va & MIPS_HI_VPN2_MASK) | asid;
			tlb_mips_tlbp(&t);
			pslot = (t.cp0.index & MIPS_INDEX_P) ? -1 :
			    (int)t.cp0.index;
			if (pslot != tlb_mips_probe(&t, t.cp0.entryhi))
				mismatches++;
			if (pslot >= 0) {
				/* TLBR gives the slot as the reference has it. */
				const struct ref_slot *rs = &ref[pslot];
				uint32_t gb = rs->lo0 & rs->lo1 & MIPS_LO_G;

				tlb_mips_tlbr(&t);
				if (t.cp0.entryhi != (rs->hi & ~0x1f00u) ||
				    t.cp0.pagemask != rs->mask ||
				    t.cp0.entrylo0 != ((rs->lo0 & ~MIPS_LO_G) | gb) ||
				    t.cp0.entrylo1 != ((rs->lo1 & ~MIPS_LO_G) | gb))
					mismatches++;
			}
			if (res != rres || (res == TLBM_HIT && pa != rpa) ||
			    pslot != rslot) {
				if (mismatches++ < 5)
					printf("# seed %ju op %u va %#x asid %u: "
					    "%d pa %#jx slot %d, ref %d pa %#jx "
					    "slot %d\n", (uintmax_t)seed, ops, va,
					    asid, res, (uintmax_t)pa, pslot, rres,
					    (uintmax_t)rpa, rslot);
			}
			if (res == TLBM_HIT)
				hits++;
			if (res != TLBM_REFILL)
				matched++;
		}
		if (tlb_mips_check(&t, msg, sizeof(msg)) != 0)
			bad_check++;
	}
	ok(mismatches == 0 && bad_check == 0 && matched > 2000 && hits > 500 &&
	    writes > 1000,
	    "differential seed %ju: %u ops, %u writes, %u matched, %u hits, "
	    "%u mismatches, %u check failures", (uintmax_t)seed, ops, writes,
	    matched, hits, mismatches,
	    bad_check);
}

int
main(void)
{
	sim_invariants = true;
	test_init();
	test_pair();
	test_asid_global();
	test_probe();
	test_invalidate();
	test_flush_wired();
	test_large();
	test_cp0();
	for (uint64_t seed = 1; seed <= 3; seed++)
		test_differential(seed);
	return (tap_done());
}
