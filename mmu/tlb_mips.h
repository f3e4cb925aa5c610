/*
 * mmu/tlb_mips.h — the MIPS32 (R4000-style) joint TLB: software-refilled,
 * each entry maps an even/odd pair of virtual pages, tagged by an 8-bit
 * ASID unless global.  Follows "MIPS32 Architecture for Programmers
 * Vol. III", chapter 4 (TLB-based MMU).
 *
 *   EntryHi   31                  13 12     8 7        0
 *            +----------------------+--------+----------+
 *            |        VPN2          |   0    |   ASID   |
 *            +----------------------+--------+----------+
 *   EntryLo   31 30 29            6 5     3  2   1   0
 *            +-----+---------------+-------+---+---+---+
 *            |  0  |      PFN      |   C   | D | V | G |
 *            +-----+---------------+-------+---+---+---+
 *   PageMask  bits 28..13: 0 = 4 KiB pages ... 0x0fff (<<13) = 16 MiB, 0xffff (<<13) = 256 MiB.
 *
 * An entry matches VA when (VA & ~mask) >> 13 == VPN2 & ~mask and (the
 * entry is global, or its ASID equals the current ASID).  Bit "12 + log2
 * page size" of the VA chooses EntryLo0 (even) or EntryLo1 (odd).
 * Software must never write two entries that match one address; an
 * invalidated slot gets a unique EntryHi in kseg0 (never translated).
 *
 * The CP0 registers of chapter 9 that the TLB uses are per CPU, in struct
 * mips_cp0 (Wired is struct tlb_mips's wired), and the instructions work
 * on them as on the hardware: TLBP sets Index from EntryHi, TLBR loads
 * EntryHi, EntryLo0, EntryLo1 and PageMask from slot Index, TLBWI writes
 * them to slot Index, TLBWR to slot Random.  The kernel reads and writes
 * the registers directly (MFC0/MTC0 are plain field accesses).
 *
 *   Index     31 30                     6 5        0
 *            +--+------------------------+----------+
 *            |P |           0            |  Index   |
 *            +--+------------------------+----------+
 *   Context   31       23 22                   4 3  0
 *            +-----------+----------------------+----+
 *            |  PTEBase  |  BadVPN2 (VA[31:13]) | 0  |
 *            +-----------+----------------------+----+
 */
#ifndef MMU_TLB_MIPS_H
#define MMU_TLB_MIPS_H

#include "sim/base/base.h"
#include "sim/base/prng.h"

#define TLB_MIPS_MAX_ENTRIES	64

#define MIPS_LO_G		0x00000001u	/* global: ignore ASID (both halves) */
#define MIPS_LO_V		0x00000002u	/* valid */
#define MIPS_LO_D		0x00000004u	/* dirty = writable */
#define MIPS_LO_C_MASK		0x00000038u	/* cache attribute */
#define MIPS_LO_C_SHIFT		3
#define MIPS_LO_C_CACHED	(3u << MIPS_LO_C_SHIFT)
#define MIPS_LO_C_UNCACHED	(2u << MIPS_LO_C_SHIFT)
#define MIPS_LO_PFN_SHIFT	6
#define MIPS_LO_PFN_MASK	0x3fffffc0u
#define MIPS_HI_ASID_MASK	0x000000ffu
#define MIPS_HI_VPN2_MASK	0xffffe000u
#define MIPS_PAGEMASK_4K	0x00000000u
#define MIPS_KSEG0_BASE		0x80000000u

#define MIPS_INDEX_P		0x80000000u	/* Index: the last TLBP matched nothing */
#define MIPS_INDEX_MASK		0x0000003fu	/* Index: the slot */
#define MIPS_CONTEXT_PTEBASE_MASK 0xff800000u	/* Context: software's PTE base */
#define MIPS_CONTEXT_BADVPN2_MASK 0x007ffff0u	/* Context: VA[31:13] of the fault */
#define MIPS_CONTEXT_BADVPN2_SHIFT 9		/* VA >> 9 puts VA[31:13] at 22:4 */

struct tlb_mips_entry {
	uint32_t entryhi;
	uint32_t pagemask;
	uint32_t entrylo0;
	uint32_t entrylo1;
};

/* The TLB's CP0 registers (register number in the comment). */
struct mips_cp0 {
	uint32_t index;		/* 0: slot for TLBR/TLBWI; P after a failed TLBP */
	uint32_t random;	/* 1: slot of the last TLBWR (reset: nentries - 1) */
	uint32_t entrylo0;	/* 2: even page of the pair */
	uint32_t entrylo1;	/* 3: odd page of the pair */
	uint32_t context;	/* 4: PTEBase | BadVPN2 */
	uint32_t pagemask;	/* 5: page size for TLBWI/TLBWR, from TLBR */
	uint32_t badvaddr;	/* 8: VA of the last address/TLB exception */
	uint32_t entryhi;	/* 10: VPN2 | ASID (the current ASID) */
};

struct tlb_mips {
	unsigned nentries;		/* 1..64, default 48 */
	unsigned wired;			/* CP0 6, Wired: slots [0, wired) never replaced */
	struct prng *prng;		/* the Random register's source */
	uint64_t gen;			/* bumped by every write/invalidate */
	struct mips_cp0 cp0;
	struct tlb_mips_entry e[TLB_MIPS_MAX_ENTRIES];
};

/* All slots invalidated (unique kseg0 EntryHi, V = 0); CP0 registers
 * zero except Random = nentries - 1 (its reset value). */
void tlb_mips_init(struct tlb_mips *t, unsigned nentries, unsigned wired,
    struct prng *prng);

/*
 * The instructions, on t->cp0 (see the file comment).  TLBP: Index = the
 * slot matching EntryHi (VPN2 and ASID, or a global slot), or P.  TLBR:
 * EntryHi, EntryLo0, EntryLo1, PageMask = slot Index (G of the entry read
 * into both EntryLo halves).  TLBWI: slot Index = those registers (Index
 * must be a slot: no P).  TLBWR: Random = a slot in [Wired, nentries)
 * drawn by one prng_below() call, then slot Random = the registers;
 * returns Random.  Writes bump gen and keep the no-two-matches invariant
 * checked under invariants.
 */
void tlb_mips_tlbp(struct tlb_mips *t);
void tlb_mips_tlbr(struct tlb_mips *t);
void tlb_mips_tlbwi(struct tlb_mips *t);
unsigned tlb_mips_tlbwr(struct tlb_mips *t);
/* MTC0 Wired: slots [0, wired) become wired (wired < nentries, so TLBWR
 * keeps a slot); Random resets to nentries - 1. */
void tlb_mips_set_wired(struct tlb_mips *t, unsigned wired);
/*
 * What the hardware does to CP0 on a TLB Refill, TLB Invalid or TLB
 * Modified exception for va: BadVAddr = va, Context.BadVPN2 = VA[31:13],
 * EntryHi.VPN2 = VA[31:13] with the ASID unchanged, so that the handler
 * only has to load EntryLo0/EntryLo1 and TLBWR.  (An Address Error sets
 * BadVAddr only.)
 */
void tlb_mips_exception(struct tlb_mips *t, uint32_t va);

/*
 * Slot-level access without CP0 side effects (the kernel's routines,
 * checkers, dumps, tests): the same semantics as the instructions, with
 * the registers' values passed in and out as a struct tlb_mips_entry.
 */

/* TLBP: index of the entry matching entryhi's VPN2 and ASID (or global),
 * or -1 (the P bit of Index). */
int tlb_mips_probe(const struct tlb_mips *t, uint32_t entryhi);
/* TLBR / TLBWI: read or write slot idx (idx < nentries). */
void tlb_mips_read(const struct tlb_mips *t, unsigned idx, struct tlb_mips_entry *out);
void tlb_mips_write_indexed(struct tlb_mips *t, unsigned idx, const struct tlb_mips_entry *in);
/* TLBWR: write a slot chosen uniformly in [wired, nentries); returns it
 * (and leaves it in Random). */
unsigned tlb_mips_write_random(struct tlb_mips *t, const struct tlb_mips_entry *in);
/* Make slot idx match nothing. */
void tlb_mips_invalidate(struct tlb_mips *t, unsigned idx);
/* Invalidate every slot >= wired (ASID wrap); every slot if !keep_wired. */
void tlb_mips_flush(struct tlb_mips *t, bool keep_wired);
/* Invalidate the entry (if any) mapping va for asid. */
void tlb_mips_invalidate_va(struct tlb_mips *t, uint32_t va, uint8_t asid);

enum tlb_mips_result {
	TLBM_HIT,	/* *pa_out holds the physical address */
	TLBM_REFILL,	/* no entry matches: TLB Refill exception */
	TLBM_INVALID,	/* matching entry, half not valid: TLB Invalid */
	TLBM_MODIFIED,	/* store to a valid half with D = 0: TLB Modified */
};

/* Translate va for asid; store selects the D check.  *lo_out (if not
 * NULL) receives the matching EntryLo half on a hit. */
enum tlb_mips_result tlb_mips_lookup(const struct tlb_mips *t, uint32_t va,
    uint8_t asid, bool store, vm_paddr_t *pa_out, uint32_t *lo_out);

/* Invariant: no two entries match one address; wired <= nentries.
 * Returns 0, or -1 with a description in msg. */
int tlb_mips_check(const struct tlb_mips *t, char *msg, size_t msglen);

#endif
