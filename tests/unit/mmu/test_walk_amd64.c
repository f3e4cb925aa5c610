/*
 * tests/unit/mmu/test_walk_amd64.c — the x86-64 page walker on page
 * tables built by hand in a 1 MiB physical memory: presence at each level,
 * RW/US/NX over all levels, the #PF error codes, A and D updates, 2 MiB
 * and 1 GiB pages, reserved-bit faults and tables outside memory; then
 * the page-walk caches: which loads a cached PML4E, PDPTE or PDE saves,
 * the rights they carry, LRU replacement, PCID tags, and their
 * invalidation by a faulting walk and by the TLB operations.
 */
#include "mmu/tlb_amd64.h"
#include "tests/tap.h"

#include <errno.h>
#include <string.h>

#define PML4_PA	0x1000ull
#define PDPT_PA	0x2000ull
#define PD_PA	0x3000ull
#define PT_PA	0x4000ull
#define DATA_PA	0x10000ull
#define PGEX_RSVD 0x08u

/* PML4 index 1, PDPT index 2, PD index 3, PT index 4, offset 0xabc. */
#define TVA	((1ull << 39) | (2ull << 30) | (3ull << 21) | (4ull << 12) | 0xabc)

static struct physmem pm;
static const vm_paddr_t ent_pa[4] = { PML4_PA + 1 * 8, PDPT_PA + 2 * 8,
    PD_PA + 3 * 8, PT_PA + 4 * 8 };

/* Fresh tables mapping TVA -> DATA_PA with bits[i] at level i (0 = PML4). */
static void
build(const uint64_t bits[4])
{
	static const uint64_t next[4] = { PDPT_PA, PD_PA, PT_PA, DATA_PA };

	memset(pm.base, 0, (size_t)pm.size);
	for (int i = 0; i < 4; i++)
		physmem_st64le(&pm, ent_pa[i], next[i] | bits[i]);
}

static void
build_all(uint64_t b)
{
	uint64_t bits[4] = { b, b, b, b };

	build(bits);
}

static uint64_t
ld(int level)
{
	return (physmem_ld64le(&pm, ent_pa[level]));
}

static bool
accessed_all(int n)
{
	for (int i = 0; i < n; i++)
		if (!(ld(i) & PG_A))
			return (false);
	return (true);
}

static bool
none_accessed(void)
{
	for (int i = 0; i < 4; i++)
		if (ld(i) & (PG_A | PG_M))
			return (false);
	return (true);
}

static void
test_success(void)
{
	struct walk_result r;
	bool loads_ok = true;
	int rc;

	build_all(PG_V | PG_RW | PG_U);
	rc = walk_amd64(&pm, PML4_PA, TVA, WALK_READ, true, &r);
	ok(rc == 0 && r.pa == DATA_PA + 0xabc, "read: pa %#jx",
	    (uintmax_t)r.pa);
	for (int i = 0; i < 4; i++)
		if (r.load_pa[i] != ent_pa[i])
			loads_ok = false;
	ok(r.nloads == 4 && loads_ok, "read: four loads at the entries' addresses");
	ok(accessed_all(4), "read: A set at every level");
	ok(!(ld(3) & PG_M), "read: D not set");
	ok(r.flags == (PG_RW | PG_U) && r.pgsz == TLB_AMD64_4K &&
	    r.pwc_level == -1, "read: flags RW|U (%#jx), 4K, no walk cache",
	    (uintmax_t)r.flags);

	rc = walk_amd64(&pm, PML4_PA, TVA, WALK_WRITE, true, &r);
	ok(rc == 0 && (ld(3) & PG_M) && (r.flags & PG_M),
	    "write: D set in the leaf and reported");
	ok(!(ld(0) & PG_M) && !(ld(1) & PG_M) && !(ld(2) & PG_M),
	    "write: bit 6 of the upper levels untouched");
	ok(ld(3) == (DATA_PA | PG_V | PG_RW | PG_U | PG_A | PG_M),
	    "write: leaf stored little-endian as %#jx", (uintmax_t)ld(3));

	rc = walk_amd64(&pm, PML4_PA | 0x18 | 0xfff, TVA, WALK_FETCH, false, &r);
	ok(rc == 0 && r.pa == DATA_PA + 0xabc, "cr3: low 12 bits ignored");
}

static void
test_not_present(void)
{
	for (int lvl = 0; lvl < 4; lvl++) {
		uint64_t bits[4] = { PG_V | PG_RW | PG_U, PG_V | PG_RW | PG_U,
		    PG_V | PG_RW | PG_U, PG_V | PG_RW | PG_U };
		struct walk_result r;
		int rc;

		bits[lvl] &= ~PG_V;
		build(bits);
		rc = walk_amd64(&pm, PML4_PA, TVA, WALK_READ, false, &r);
		ok(rc == -1 && r.error_code == 0 && r.nloads == lvl + 1,
		    "not present at level %d: supervisor read, error 0, %d loads",
		    4 - lvl, r.nloads);
		rc = walk_amd64(&pm, PML4_PA, TVA, WALK_WRITE, true, &r);
		ok(rc == -1 && r.error_code == (PGEX_W | PGEX_U),
		    "not present at level %d: user write, error W|U (%#x)",
		    4 - lvl, r.error_code);
		rc = walk_amd64(&pm, PML4_PA, TVA, WALK_FETCH, true, &r);
		ok(rc == -1 && r.error_code == (PGEX_I | PGEX_U),
		    "not present at level %d: user fetch, error I|U (%#x)",
		    4 - lvl, r.error_code);
		ok(none_accessed(), "not present at level %d: no A or D set",
		    4 - lvl);
	}
}

static void
test_rights(void)
{
	static const struct {
		uint64_t bit;		/* cleared (RW, U) or set (NX) */
		enum walk_access acc;
		bool user;
		uint32_t ecode;
		const char *what;
	} cases[] = {
		{ PG_RW, WALK_WRITE, false, PGEX_P | PGEX_W, "supervisor write, RW clear" },
		{ PG_RW, WALK_WRITE, true, PGEX_P | PGEX_W | PGEX_U, "user write, RW clear" },
		{ PG_U, WALK_READ, true, PGEX_P | PGEX_U, "user read, U clear" },
		{ PG_U, WALK_FETCH, true, PGEX_P | PGEX_U | PGEX_I, "user fetch, U clear" },
		{ PG_NX, WALK_FETCH, false, PGEX_P | PGEX_I, "supervisor fetch, NX" },
		{ PG_NX, WALK_FETCH, true, PGEX_P | PGEX_I | PGEX_U, "user fetch, NX" },
	};

	for (size_t c = 0; c < nitems(cases); c++) {
		bool all = true, fine = true;

		for (int lvl = 0; lvl < 4; lvl++) {
			uint64_t b = PG_V | PG_RW | PG_U;
			uint64_t bits[4] = { b, b, b, b };
			struct walk_result r;
			int rc;

			bits[lvl] ^= cases[c].bit;
			build(bits);
			rc = walk_amd64(&pm, PML4_PA, TVA, cases[c].acc,
			    cases[c].user, &r);
			if (rc != -1 || r.error_code != cases[c].ecode ||
			    r.nloads != 4 || !none_accessed())
				all = false;
			/* The same tables allow a read (by the kernel if U is clear). */
			rc = walk_amd64(&pm, PML4_PA, TVA, WALK_READ,
			    cases[c].bit == PG_U ? false : cases[c].user, &r);
			if (rc != 0 || !accessed_all(4))
				fine = false;
			else if (cases[c].bit == PG_NX ? !(r.flags & PG_NX) :
			    (r.flags & cases[c].bit) != 0)
				fine = false;
		}
		ok(all, "%s at any level: fault, error %#x, nothing set",
		    cases[c].what, cases[c].ecode);
		ok(fine, "%s at any level: a read is allowed and the flags say so",
		    cases[c].what);
	}

	{
		uint64_t b = PG_V | PG_RW | PG_U;
		uint64_t bits[4] = { b, b, b, b & ~PG_U };
		struct walk_result r;

		build(bits);
		ok(walk_amd64(&pm, PML4_PA, TVA, WALK_WRITE, false, &r) == 0,
		    "supervisor write to a writable non-user page succeeds");
	}
}

static void
test_global(void)
{
	uint64_t b = PG_V | PG_RW;
	uint64_t bits[4] = { b | PG_G, b | PG_G, b | PG_G, b };
	struct walk_result r;

	build(bits);
	ok(walk_amd64(&pm, PML4_PA, TVA, WALK_READ, false, &r) == 0 &&
	    !(r.flags & PG_G), "G on upper levels only: not global");
	bits[3] |= PG_G;
	build(bits);
	ok(walk_amd64(&pm, PML4_PA, TVA, WALK_READ, false, &r) == 0 &&
	    (r.flags & PG_G), "G in the leaf: global");
}

static void
test_large(void)
{
	uint64_t b = PG_V | PG_RW | PG_U;
	struct walk_result r;
	int rc;

	/* 2 MiB page: the PDE is the leaf. */
	build_all(b);
	physmem_st64le(&pm, ent_pa[2], 0x40000000ull | PG_PS | b);
	rc = walk_amd64(&pm, PML4_PA, TVA, WALK_WRITE, true, &r);
	ok(rc == 0 && r.pa == 0x40000000ull + (TVA & 0x1fffff) && r.nloads == 3 &&
	    r.pgsz == TLB_AMD64_2M && r.pwc_level == -1,
	    "2M: pa %#jx from the PDE frame, 3 loads, size 2M", (uintmax_t)r.pa);
	ok((ld(2) & (PG_A | PG_M)) == (PG_A | PG_M) && !(ld(3) & PG_A),
	    "2M: A and D set in the PDE, the PT untouched");
	/* PAT (bit 12) is allowed; bits 13..20 are reserved. */
	physmem_st64le(&pm, ent_pa[2], 0x40001000ull | PG_PS | b);
	rc = walk_amd64(&pm, PML4_PA, TVA, WALK_READ, true, &r);
	ok(rc == 0 && r.pa == 0x40000000ull + (TVA & 0x1fffff),
	    "2M: the PAT bit is not part of the frame");
	physmem_st64le(&pm, ent_pa[2], 0x40002000ull | PG_PS | b);
	rc = walk_amd64(&pm, PML4_PA, TVA, WALK_READ, true, &r);
	ok(rc == -1 && r.error_code == (PGEX_P | PGEX_RSVD | PGEX_U),
	    "2M: a misaligned frame is a reserved-bit fault (%#x)",
	    r.error_code);

	/* 1 GiB page: the PDPTE is the leaf. */
	build_all(b);
	physmem_st64le(&pm, ent_pa[1], 0x80000000ull | PG_PS | b | PG_NX);
	rc = walk_amd64(&pm, PML4_PA, TVA, WALK_READ, true, &r);
	ok(rc == 0 && r.pa == 0x80000000ull + (TVA & 0x3fffffff) &&
	    r.nloads == 2 && (r.flags & PG_NX) && r.pgsz == TLB_AMD64_1G,
	    "1G: pa %#jx from the PDPTE frame, 2 loads", (uintmax_t)r.pa);

	/* PS in a PML4E is reserved. */
	build_all(b);
	physmem_st64le(&pm, ent_pa[0], PDPT_PA | PG_PS | b);
	rc = walk_amd64(&pm, PML4_PA, TVA, WALK_FETCH, false, &r);
	ok(rc == -1 && r.error_code == (PGEX_P | PGEX_RSVD | PGEX_I),
	    "PS in the PML4E: reserved-bit fault (%#x)", r.error_code);
}

static void
test_out_of_range(void)
{
	uint64_t b = PG_V | PG_RW | PG_U;
	struct walk_result r;
	int rc;

	build_all(b);
	rc = walk_amd64(&pm, 0x100000, TVA, WALK_READ, true, &r);
	ok(rc == -1 && r.error_code == PGEX_U && r.nloads == 0,
	    "cr3 outside memory: not present, no loads");
	physmem_st64le(&pm, ent_pa[1], 0x7000000ull | b);
	rc = walk_amd64(&pm, PML4_PA, TVA, WALK_WRITE, false, &r);
	ok(rc == -1 && r.error_code == PGEX_W && r.nloads == 2,
	    "PD outside memory: not present after 2 loads");
	ok(none_accessed(), "out of range: no A set");
	/* The last entry of the last table in memory is still reachable. */
	build_all(b);
	physmem_st64le(&pm, ent_pa[2], 0xff000ull | b);
	physmem_st64le(&pm, 0xff000ull + 4 * 8, DATA_PA | b);
	rc = walk_amd64(&pm, PML4_PA, TVA, WALK_READ, true, &r);
	ok(rc == 0 && r.pa == DATA_PA + 0xabc && r.load_pa[3] == 0xff020,
	    "a table in the last frame of memory works");
}

/* TVA with another PD index (same PDPT), resp. PDPT index (same PML4). */
#define TVA_PD(i)	((TVA & ~(0x1ffull << 21)) | ((uint64_t)(i) << 21))
#define TVA_PDPT(i)	((TVA & ~(0x1ffull << 30)) | ((uint64_t)(i) << 30))

static struct pwc_amd64 pwc;
static struct tlb_amd64 tlb;

static unsigned npwc_all(void);

static void
pwc_fresh(unsigned pml4e, unsigned pdpte, unsigned pde)
{
	const unsigned n[PWC_NLEVELS] = { pml4e, pdpte, pde };

	pwc_amd64_init(&pwc, n);
}

/* One walk through the caches: its load count, or -1 if it failed. */
static int
cwalk(uint16_t pcid, uint64_t va, enum walk_access acc, bool user,
    struct walk_result *r)
{
	if (walk_amd64_pwc(&pm, &pwc, pcid, PML4_PA, va, acc, user, r) != 0)
		return (-1);
	return (r->nloads);
}

static void
test_pwc(void)
{
	uint64_t b = PG_V | PG_RW | PG_U;
	struct walk_result r;

	build_all(b);
	/* PD entries 5 and 6 and PDPT entry 7 lead to the same tables. */
	physmem_st64le(&pm, PD_PA + 5 * 8, PT_PA | b);
	physmem_st64le(&pm, PD_PA + 6 * 8, PT_PA | b);
	physmem_st64le(&pm, PDPT_PA + 7 * 8, PD_PA | b);
	pwc_fresh(2, 4, 2);
	ok(cwalk(1, TVA, WALK_READ, true, &r) == 4 && r.pwc_level == -1 &&
	    pwc_amd64_count(&pwc, PWC_PML4E) == 1 &&
	    pwc_amd64_count(&pwc, PWC_PDPTE) == 1 &&
	    pwc_amd64_count(&pwc, PWC_PDE) == 1,
	    "pwc: a cold walk loads 4 entries and caches the 3 upper ones");
	ok(cwalk(1, TVA + 0x100, WALK_WRITE, true, &r) == 1 &&
	    r.pwc_level == PWC_PDE && r.load_pa[0] == ent_pa[3] &&
	    r.pa == DATA_PA + 0xbbc && (ld(3) & PG_M),
	    "pwc: PDE hit: only the PTE is loaded (and gets D)");
	ok(cwalk(1, TVA_PD(5), WALK_READ, true, &r) == 2 &&
	    r.pwc_level == PWC_PDPTE && r.load_pa[0] == PD_PA + 5 * 8,
	    "pwc: PDPTE hit: PDE and PTE loaded");
	ok(cwalk(1, TVA_PDPT(7), WALK_READ, true, &r) == 3 &&
	    r.pwc_level == PWC_PML4E && r.load_pa[0] == PDPT_PA + 7 * 8,
	    "pwc: PML4E hit: PDPTE, PDE and PTE loaded");
	ok(cwalk(2, TVA, WALK_READ, true, &r) == 4,
	    "pwc: another PCID does not use the entries");
	/* The PDE cache holds 2: PD 3 (TVA) and 5 are cached, TVA is used
	 * again, then 6 replaces the least recently used, 5. */
	pwc_fresh(2, 4, 2);
	ok(cwalk(1, TVA, WALK_READ, true, &r) == 4 &&
	    cwalk(1, TVA_PD(5), WALK_READ, true, &r) == 2 &&
	    cwalk(1, TVA, WALK_READ, true, &r) == 1 &&
	    cwalk(1, TVA_PD(6), WALK_READ, true, &r) == 2 &&
	    cwalk(1, TVA, WALK_READ, true, &r) == 1 &&
	    cwalk(1, TVA_PD(5), WALK_READ, true, &r) == 2,
	    "pwc: LRU replacement in the PDE cache");

	/* The cached rights: U clear in the PML4E. */
	build_all(b);
	physmem_st64le(&pm, ent_pa[0], PDPT_PA | PG_V | PG_RW);
	pwc_fresh(2, 4, 32);
	ok(cwalk(1, TVA, WALK_READ, false, &r) == 4 &&
	    cwalk(1, TVA, WALK_READ, false, &r) == 1 && !(r.flags & PG_U),
	    "pwc: the cached rights lack U");
	ok(cwalk(1, TVA, WALK_READ, true, &r) == -1 && r.nloads == 1 &&
	    r.error_code == (PGEX_P | PGEX_U),
	    "pwc: a user read faults on the cached rights after 1 load");
	ok(npwc_all() == 0 && cwalk(1, TVA, WALK_READ, false, &r) == 4,
	    "pwc: the faulting walk dropped va's cached entries");
	/* Skipped entries are not re-read: their A flags stay as found. */
	physmem_st64le(&pm, ent_pa[0], ld(0) & ~PG_A);
	ok(cwalk(1, TVA, WALK_READ, false, &r) == 1 && !(ld(0) & PG_A),
	    "pwc: a cached PML4E's A flag is not set again");

	/* Large pages: a PDE leaf is not cached, a PDPTE leaf neither. */
	build_all(b);
	physmem_st64le(&pm, ent_pa[2], 0x40000000ull | PG_PS | b);
	pwc_fresh(2, 4, 32);
	ok(cwalk(1, TVA, WALK_READ, true, &r) == 3 &&
	    pwc_amd64_count(&pwc, PWC_PDE) == 0 &&
	    cwalk(1, TVA, WALK_READ, true, &r) == 1 &&
	    r.pwc_level == PWC_PDPTE && r.pgsz == TLB_AMD64_2M &&
	    r.pa == 0x40000000ull + (TVA & 0x1fffff),
	    "pwc: 2M page: the PDE leaf is not cached, then 1 load");
	build_all(b);
	physmem_st64le(&pm, ent_pa[1], 0x80000000ull | PG_PS | b);
	pwc_fresh(2, 4, 32);
	ok(cwalk(1, TVA, WALK_READ, true, &r) == 2 &&
	    cwalk(1, TVA, WALK_READ, true, &r) == 1 &&
	    r.pwc_level == PWC_PML4E && r.pgsz == TLB_AMD64_1G,
	    "pwc: 1G page: only the PML4E is cached, then 1 load");

	/* A level switched off caches nothing. */
	build_all(b);
	pwc_fresh(2, 4, 0);
	ok(cwalk(1, TVA, WALK_READ, true, &r) == 4 &&
	    cwalk(1, TVA, WALK_READ, true, &r) == 2 &&
	    r.pwc_level == PWC_PDPTE, "pwc: no PDE cache: the PDPTE serves");
}

/* Valid entries in all walk caches of pwc. */
static unsigned
npwc_all(void)
{
	unsigned n = 0;

	for (int l = 0; l < PWC_NLEVELS; l++)
		n += pwc_amd64_count(&pwc, (enum pwc_amd64_level)l);
	return (n);
}

/* The walk caches inside struct tlb_amd64, and their invalidation. */
static void
test_pwc_tlb(void)
{
	uint64_t b = PG_V | PG_RW | PG_U;
	struct tlb_amd64_geom g;
	struct walk_result r;

	build_all(b);
	physmem_st64le(&pm, PD_PA + 5 * 8, 0x5000 | b);	/* another PT */
	physmem_st64le(&pm, 0x5000 + 4 * 8, (DATA_PA + 0x1000) | b);
	tlb_amd64_geom_default(&g);
	tlb_amd64_init_geom(&tlb, &g);
#define TWALK(pcid, va) (walk_amd64_pwc(&pm, &tlb.pwc, (pcid), PML4_PA, (va), \
	WALK_READ, true, &r) == 0 ? r.nloads : -1)
	ok(TWALK(1, TVA) == 4 && TWALK(1, TVA) == 1,
	    "tlb pwc: default caches: 4 loads, then 1");
	/* Re-point PDE 3 at the other PT without invalidating: the cached
	 * PDE still leads to the old one (software must INVLPG). */
	physmem_st64le(&pm, ent_pa[2], 0x5000 | b);
	ok(TWALK(1, TVA) == 1 && r.pa == DATA_PA + 0xabc,
	    "tlb pwc: a stale PDE cache entry is used until invalidated");
	tlb_amd64_invlpg(&tlb, 0x7000, 1);	/* any address will do */
	ok(TWALK(1, TVA) == 4 && r.pa == DATA_PA + 0x1000 + 0xabc,
	    "tlb pwc: after INVLPG (any address) the walk sees the new PDE");
	ok(TWALK(2, TVA) == 4 && TWALK(1, TVA) == 1 && TWALK(2, TVA) == 1,
	    "tlb pwc: two PCIDs cached");
	tlb_amd64_invpcid(&tlb, INVPCID_ADDR, 2, 0x1234000);
	ok(TWALK(2, TVA) == 4 && TWALK(1, TVA) == 1,
	    "tlb pwc: INVPCID 0 drops the PCID's walk caches only");
	tlb_amd64_invpcid(&tlb, INVPCID_SINGLE, 1, 0);
	ok(TWALK(1, TVA) == 4 && TWALK(2, TVA) == 1,
	    "tlb pwc: INVPCID 1 drops the PCID's walk caches only");
	tlb_amd64_cr3_load(&tlb, 1, true);
	ok(TWALK(1, TVA) == 1, "tlb pwc: CR3 load with no-flush keeps them");
	tlb_amd64_cr3_load(&tlb, 1, false);
	ok(TWALK(1, TVA) == 4 && TWALK(2, TVA) == 1,
	    "tlb pwc: CR3 load without no-flush drops the new PCID's");
	tlb_amd64_invpcid(&tlb, INVPCID_ALL, 0, 0);
	ok(TWALK(1, TVA) == 4 && TWALK(2, TVA) == 4,
	    "tlb pwc: INVPCID 3 drops all");
	tlb_amd64_invpcid(&tlb, INVPCID_ALL_GLOBAL, 0, 0);
	ok(TWALK(1, TVA) == 4, "tlb pwc: INVPCID 2 drops all");
	tlb_amd64_flush_all(&tlb, true);
	ok(TWALK(1, TVA) == 4, "tlb pwc: flush_all drops all");
#undef TWALK
}

int
main(void)
{
	int rc;

	sim_invariants = true;
	rc = physmem_init(&pm, 1 << 20);
	ok(rc == 0 && pm.size == 1 << 20 && pm.base[12345] == 0,
	    "physmem_init: 1 MiB of zeroes");
	if (rc != 0)
		return (tap_done());
	physmem_st32(&pm, 0x100, 0x11223344, true);
	physmem_st32(&pm, 0x104, 0x11223344, false);
	ok(pm.base[0x100] == 0x11 && pm.base[0x104] == 0x44 &&
	    physmem_ld32(&pm, 0x100, true) == 0x11223344 &&
	    physmem_ld32(&pm, 0x100, false) == 0x44332211,
	    "physmem: 32-bit loads and stores in both byte orders");
	physmem_st64le(&pm, 0x200, 0x0102030405060708ull);
	ok(pm.base[0x200] == 0x08 && pm.base[0x207] == 0x01 &&
	    physmem_ld64le(&pm, 0x200) == 0x0102030405060708ull,
	    "physmem: 64-bit little-endian");
	ok(physmem_init(&(struct physmem){ 0 }, 1000) == -EINVAL,
	    "physmem_init: a size not a multiple of the page is -EINVAL");

	test_success();
	test_not_present();
	test_rights();
	test_global();
	test_large();
	test_out_of_range();
	test_pwc();
	test_pwc_tlb();
	physmem_fini(&pm);
	ok(pm.base == NULL && pm.fd == -1, "physmem_fini: released");
	return (tap_done());
}
