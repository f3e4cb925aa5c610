/*
 * tests/unit/mmu/test_stale.c — the stale watch of mmu/mmu.h (the
 * hardware half of --bug skip-shootdown) on a bare MIPS CPU whose TLB the
 * test writes directly: a watched page stays out of the micro-TLB, the
 * first access through the stale frame logs EV_STALE_TLB (once), a
 * rights-only watch reports stores only, a replaced entry leaves the
 * watch, forget/tables/watched, and the 32-entry limit.
 */
#include <string.h>

#include "mmu/cost.h"
#include "mmu/mmu.h"
#include "mmu/physmem.h"
#include "sim/base/event.h"
#include "sim/base/prng.h"
#include "tests/tap.h"

static struct physmem pm;
static struct mmu_cpu cpu;
static int nstale_ev;
static struct event last;

static void
ev_record(void *ctx, const struct event *ev)
{
	(void)ctx;
	if (ev->kind == EV_STALE_TLB) {
		nstale_ev++;
		last = *ev;
	}
}

/* No exception is expected: every access in this test hits. */
static int
no_trap(void *arg, struct mmu_cpu *c, const struct mmu_exc *exc)
{
	(void)arg;
	(void)c;
	(void)exc;
	return (-1);
}

/* Slot idx maps the pair at va (ASID 1) to frames lo/hi pages, D as
 * given, cached write-back (C = 3, as the pmap maps memory). */
static void
map_pair(unsigned idx, uint32_t va, vm_paddr_t even, vm_paddr_t odd, bool dirty)
{
	struct tlb_mips_entry e = {
		.entryhi = (va & MIPS_HI_VPN2_MASK) | 1,
		.entrylo0 = (uint32_t)(even >> 12) << 6 | MIPS_LO_V |
		    MIPS_LO_C_CACHED | (dirty ? MIPS_LO_D : 0),
		.entrylo1 = (uint32_t)(odd >> 12) << 6 | MIPS_LO_V |
		    MIPS_LO_C_CACHED | (dirty ? MIPS_LO_D : 0),
	};

	tlb_mips_write_indexed(&cpu.tlb_mips, idx, &e);
}

static bool
in_utlb(vm_offset_t va, enum mmu_access_kind k)
{
	const struct mmu_utlb *u = &cpu.utlb[k][(va >> PAGE_SHIFT) &
	    (MMU_UTLB_SLOTS - 1)];

	return (u->vpn == va >> PAGE_SHIFT && u->gen == *cpu.tlb_gen);
}

int
main(void)
{
	static const struct event_sink sink = { ev_record, NULL };
	struct cost_table cost;
	struct prng prng;
	int i;

	if (physmem_init(&pm, 1u << 20) != 0) {
		printf("Bail out! physmem_init\n");
		return (1);
	}
	cost_defaults(&cost, ARCH_MIPS);
	prng_seed(&prng, 1);
	mmu_cpu_init(&cpu, 1, ARCH_MIPS, &pm, &cost, &prng, 16, 1);
	cpu.trap.trap = no_trap;
	mmu_set_asid(&cpu, 1);
	event_sink_add(&sink);

	/* The TLB maps 0x10000 -> 0x5000 (stale), the tables say 0x7000. */
	map_pair(3, 0x10000, 0x5000, 0x6000, false);
	ok(mmu_access(&cpu, 0x10000, 4, MMU_LOAD) == 0 && in_utlb(0x10000, MMU_LOAD),
	    "unwatched: the access fills the micro-TLB");
	mmu_stale_watch(&cpu, 0x10000, 1, 0x5000, 0x7000, true);
	ok(cpu.nstale == 1 && !in_utlb(0x10000, MMU_LOAD) &&
	    mmu_stale_watched(&cpu, 0x10abc, 1, 0x5000) &&
	    !mmu_stale_watched(&cpu, 0x10000, 2, 0x5000) &&
	    !mmu_stale_watched(&cpu, 0x10000, 1, 0x6000),
	    "watch: registered (page, tag, stale frame); micro-TLB flushed");
	ok(mmu_access(&cpu, 0x10010, 4, MMU_LOAD) == 0 && nstale_ev == 1 &&
	    last.va == 0x10010 && last.pa == 0x5010 &&
	    strcmp(last.detail, "cpu1 TLB[3] tag 1 frame 0x5000; tables: "
	    "frame 0x7000") == 0, "access: stale_tlb (%s)", last.detail);
	ok(!in_utlb(0x10000, MMU_LOAD) && mmu_access(&cpu, 0x10020, 4, MMU_LOAD) == 0 &&
	    nstale_ev == 1, "access: the page stays out of the micro-TLB; one report");
	ok(mmu_access(&cpu, 0x11000, 4, MMU_LOAD) == 0 && in_utlb(0x11000, MMU_LOAD),
	    "the pair's other page is not watched");
	/* The entry is replaced by the right one: the watch lets go. */
	map_pair(3, 0x10000, 0x7000, 0x6000, false);
	ok(mmu_access(&cpu, 0x10000, 4, MMU_LOAD) == 0 && cpu.nstale == 0 &&
	    nstale_ev == 1 && in_utlb(0x10000, MMU_LOAD),
	    "replaced entry: no report, the watch empties, micro-TLB again");

	/* The tables change again without a shootdown: mmu_stale_tables. */
	mmu_stale_watch(&cpu, 0x10000, 1, 0x7000, MMU_STALE_NONE, false);
	mmu_stale_tables(&cpu, 0x10000, 1, 0x9000, false);
	mmu_stale_tables(&cpu, 0x20000, 1, 0x9000, false);
	ok(cpu.nstale == 1 && mmu_access(&cpu, 0x10000, 4, MMU_LOAD) == 0 &&
	    nstale_ev == 2 && strstr(last.detail, "tables: frame 0x9000") != NULL,
	    "tables: the report names what the tables give now");
	mmu_stale_forget(&cpu, 0x0f000, 0x11000, 1);
	ok(cpu.nstale == 0, "forget: the range leaves the watch");

	/* Rights only: the tables made the page read-only. */
	map_pair(4, 0x30000, 0x8000, 0x9000, true);
	mmu_stale_watch(&cpu, 0x30000, 1, 0x8000, 0x8000, false);
	ok(mmu_access(&cpu, 0x30000, 4, MMU_LOAD) == 0 && nstale_ev == 2 &&
	    cpu.nstale == 1, "read-only: a load through the writable entry is fine");
	ok(mmu_access(&cpu, 0x30004, 4, MMU_STORE) == 0 && nstale_ev == 3 &&
	    strstr(last.detail, "read-only") != NULL,
	    "read-only: a store through it is reported (%s)", last.detail);

	/* The watch holds 32 pages; the oldest goes. */
	for (i = 0; i < MMU_STALE_MAX + 1; i++)
		mmu_stale_watch(&cpu, 0x100000 + ptoa(i), 1, 0x1000, MMU_STALE_NONE,
		    false);
	ok(cpu.nstale == MMU_STALE_MAX && !mmu_stale_watched(&cpu, 0x30000, 1,
	    0x8000) && mmu_stale_watched(&cpu, 0x100000 + ptoa(MMU_STALE_MAX), 1,
	    0x1000), "full: the oldest entry was dropped");
	physmem_fini(&pm);
	return (tap_done());
}
