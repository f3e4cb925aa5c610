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

struct tlb_mips_entry {
	uint32_t entryhi;
	uint32_t pagemask;
	uint32_t entrylo0;
	uint32_t entrylo1;
};

struct tlb_mips {
	unsigned nentries;		/* 1..64, default 48 */
	unsigned wired;			/* slots [0, wired) never replaced */
	struct prng *prng;		/* the Random register's source */
	uint64_t gen;			/* bumped by every write/invalidate */
	struct tlb_mips_entry e[TLB_MIPS_MAX_ENTRIES];
};

/* All slots invalidated (unique kseg0 EntryHi, V = 0). */
void tlb_mips_init(struct tlb_mips *t, unsigned nentries, unsigned wired,
    struct prng *prng);

/* TLBP: index of the entry matching entryhi's VPN2 and ASID (or global),
 * or -1 (the P bit of Index). */
int tlb_mips_probe(const struct tlb_mips *t, uint32_t entryhi);
/* TLBR / TLBWI: read or write slot idx (idx < nentries). */
void tlb_mips_read(const struct tlb_mips *t, unsigned idx, struct tlb_mips_entry *out);
void tlb_mips_write_indexed(struct tlb_mips *t, unsigned idx, const struct tlb_mips_entry *in);
/* TLBWR: write a slot chosen uniformly in [wired, nentries); returns it. */
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
