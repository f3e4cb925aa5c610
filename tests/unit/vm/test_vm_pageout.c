/*
 * tests/unit/vm/test_vm_pageout.c — the swap pager and the page daemon
 * (vm/swap_pager.c, vm/vm_pageout.c) against the fake pmap:
 *  - the slot allocator: lowest free slot first, reuse of freed slots,
 *    a full device, OBJT_DEFAULT -> OBJT_SWAP, the slot checker;
 *  - a page-out / page-in round trip of one page (contents, slot freed,
 *    page dirty);
 *  - a process touching four times the machine's memory with swap: every
 *    byte reads back, swap_out events and swap_in faults happen, the
 *    checkers stay green, and exit frees every slot and page;
 *  - without swap: the fault fails with KERN_RESOURCE_SHORTAGE, nothing
 *    is corrupted;
 *  - clean pages are freed without swap (zero-filled reads);
 *  - vm_lowmem handlers and the lowmem event;
 *  - a seeded random differential test: several processes (fork, exit,
 *    writes, reads, munmap) over few pages and a swap device, against a
 *    plain byte-per-page model of every process's memory, with the page
 *    queues' counts checked to add up to the machine after every step.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim/base/event.h"
#include "sim/base/prng.h"
#include "tests/tap.h"
#include "tests/unit/vm/vm_harness.h"
#include "vm/swap_pager.h"
#include "vm/vm_fault.h"
#include "vm/vm_object.h"
#include "vm/vm_pageout.h"

#ifndef TEST_SEED
#define TEST_SEED	2010
#endif

#define RW	(VM_PROT_READ | VM_PROT_WRITE)

static unsigned long ev_swap_out, ev_lowmem, ev_swap_in;

static void
count_events(void *ctx, const struct event *ev)
{
	(void)ctx;
	if (ev->kind == EV_SWAP_OUT)
		ev_swap_out++;
	else if (ev->kind == EV_LOWMEM)
		ev_lowmem++;
	else if (ev->kind == EV_PAGE_FAULT && ev->type != NULL &&
	    strcmp(ev->type, "swap_in") == 0)
		ev_swap_in++;
}

static void
reset_events(void)
{
	ev_swap_out = ev_lowmem = ev_swap_in = 0;
}

/* The fake pmap records calls: forget them before the log fills. */
static void
trim_log(void)
{
	if (fake_pmap_ncalls > FAKE_PMAP_MAXCALLS / 2)
		fake_pmap_reset();
}

static int
swap_ok(void)
{
	char msg[256];

	if (swap_pager_check(msg, sizeof(msg)) != 0) {
		printf("# %s\n", msg);
		return (0);
	}
	return (1);
}

/* A page of obj at pindex filled with byte v, on the active queue. */
static vm_page_t
filled_page(struct vm_object *obj, vm_pindex_t pindex, uint8_t v)
{
	vm_page_t m = vm_page_alloc(obj, pindex, VM_ALLOC_NORMAL);

	KASSERT(m != NULL, ("filled_page: no page"));
	memset(vm_phys_dmap_ptr(VM_PAGE_TO_PHYS(m)), v, PAGE_SIZE);
	m->valid = 1;
	vm_page_dirty(m);
	vm_page_activate(m);
	return (m);
}

static bool
page_is(vm_page_t m, uint8_t v)
{
	const uint8_t *p = vm_phys_dmap_ptr(VM_PAGE_TO_PHYS(m));
	int i;

	for (i = 0; i < (int)PAGE_SIZE; i++)
		if (p[i] != v)
			return (false);
	return (true);
}

static void
test_slots(void)
{
	struct vm_object *obj;
	vm_page_t m[6];
	long s[6];
	int i;

	harness_boot(64);
	swap_pager_init(ptoa(4));
	ok(swap_pager_nslots() == 4 && swap_pager_used() == 0 &&
	    swap_total() == ptoa(4), "a 4-slot device, empty, sets the swap total");
	obj = vm_object_allocate(OBJT_DEFAULT, 8);
	for (i = 0; i < 6; i++)
		m[i] = filled_page(obj, (vm_pindex_t)i, (uint8_t)(0x10 + i));
	for (i = 0; i < 4; i++)
		s[i] = swap_pager_putpage(m[i]);
	ok(s[0] == 0 && s[1] == 1 && s[2] == 2 && s[3] == 3,
	    "slots are handed out lowest first (%ld %ld %ld %ld)", s[0], s[1],
	    s[2], s[3]);
	ok(obj->type == OBJT_SWAP && swap_pager_count(obj) == 4,
	    "the object became OBJT_SWAP with 4 pages on swap");
	ok(swap_pager_putpage(m[4]) == -1 && swap_pager_used() == 4,
	    "a full device refuses a page-out");
	/* The pages written out leave memory (as the daemon would). */
	for (i = 0; i < 4; i++)
		vm_page_free(m[i]);
	ok(swap_ok(), "the slot checker is green with 4 slots in use");
	swap_pager_freespace(obj, 1, 3);
	ok(swap_pager_used() == 2 && !swap_pager_has_page(obj, 1) &&
	    !swap_pager_has_page(obj, 2) && swap_pager_has_page(obj, 0) &&
	    swap_pager_has_page(obj, 3), "freespace [1, 3) frees exactly slots 1, 2");
	s[4] = swap_pager_putpage(m[4]);
	s[5] = swap_pager_putpage(m[5]);
	ok(s[4] == 1 && s[5] == 2, "freed slots are reused lowest first (%ld %ld)",
	    s[4], s[5]);
	vm_page_free(m[4]);
	vm_page_free(m[5]);
	ok(swap_ok(), "the slot checker is green after reuse");
	/* Round trip: page 3 comes back with its contents, its slot freed. */
	m[3] = vm_page_alloc(obj, 3, VM_ALLOC_NORMAL);
	ok(swap_pager_getpage(obj, 3, m[3]) == KERN_SUCCESS &&
	    page_is(m[3], 0x13) && m[3]->dirty && m[3]->valid &&
	    !swap_pager_has_page(obj, 3) && swap_pager_used() == 3,
	    "swap-in restores the page, frees its slot, leaves it dirty");
	m[5] = vm_page_alloc(obj, 6, VM_ALLOC_NORMAL);
	ok(swap_pager_getpage(obj, 6, m[5]) == KERN_FAILURE,
	    "getpage of a page not on swap fails");
	vm_page_free(m[5]);
	vm_page_activate(m[3]);
	ok(swap_ok() && harness_checks(NULL, 0), "checkers green after the round trip");
	/* A swapped page next to a resident one is an error the checker sees. */
	swap_pager_give(obj, 3, swap_pager_take(obj, 4));
	ok(!swap_ok(), "the checker notices a page both resident and on swap");
	swap_pager_give(obj, 4, swap_pager_take(obj, 3));
	ok(swap_ok(), "and is green again once it is undone");
	vm_object_deallocate(obj);
	ok(swap_pager_used() == 0 && swap_ok(),
	    "the object's death frees every slot");
}

/* Fill [HP(0), HP(n)) of map with page i = byte f(i) at two offsets. */
static uint8_t
pat(int i, int pass)
{
	return ((uint8_t)(i * 37 + pass * 11 + 1));
}

static void
test_round_trip(void)
{
	struct vm_map *map;
	const int n = 256;		/* 4x the 64-page machine */
	int i, bad, rv;
	unsigned long free0;

	harness_boot(64);
	free0 = harness_nfree();
	swap_pager_init(ptoa(512));
	vm_pageout_init(harness_nfree());
	reset_events();
	map = harness_proc();
	ok(vm_map_insert(map, NULL, 0, HP(0), HP(n), RW, VM_PROT_ALL, 0) ==
	    KERN_SUCCESS, "map 256 pages on a 64-page machine");
	bad = 0;
	for (i = 0; i < n && !bad; i++)
		if ((trim_log(), harness_access(map, HP(i), true, pat(i, 0), &rv)) < 0 ||
		    harness_access(map, HP(i) + 100, true, pat(i, 1), &rv) < 0) {
			printf("# write %d failed: %d\n", i, rv);
			bad = 1;
		}
	ok(!bad, "every page written (the daemon made room)");
	ok(ev_swap_out > 0 && ev_lowmem > 0 && swap_pager_used() > 0,
	    "pages went to swap (%lu swap_out, %lu lowmem events, %lu slots)",
	    ev_swap_out, ev_lowmem, swap_pager_used());
	ok(harness_checks(&map, 1) && swap_ok(), "checkers green under pressure");
	bad = 0;
	for (i = 0; i < n; i++)
		if ((trim_log(), harness_access(map, HP(i), false, 0, NULL)) != pat(i, 0) ||
		    harness_access(map, HP(i) + 100, false, 0, NULL) != pat(i, 1)) {
			if (bad++ < 3)
				printf("# page %d reads back wrong\n", i);
		}
	ok(bad == 0, "every page reads back what was written (%d wrong)", bad);
	ok(ev_swap_in > 0 && vm_fault_stats()->swap_in == ev_swap_in,
	    "pages came back through swap_in faults (%lu)", ev_swap_in);
	ok(vm_pageout_stats()->swapped_out == ev_swap_out &&
	    swap_pager_pageouts() == ev_swap_out &&
	    swap_pager_pageins() == ev_swap_in,
	    "the daemon's, the pager's and the events' counts agree");
	ok(harness_checks(&map, 1) && swap_ok(), "checkers green after reading back");
	harness_exit(map);
	ok(swap_pager_used() == 0 && harness_nfree() == free0 &&
	    vm_object_count() == 0, "exit frees every slot and page");
}

static void
test_no_swap(void)
{
	struct vm_map *map;
	int i, rv = KERN_SUCCESS, nwritten = 0;
	unsigned long free0;

	harness_boot(64);
	free0 = harness_nfree();
	vm_pageout_init(harness_nfree());
	reset_events();
	map = harness_proc();
	vm_map_insert(map, NULL, 0, HP(0), HP(128), RW, VM_PROT_ALL, 0);
	for (i = 0; i < 128; i++) {
		if (harness_access(map, HP(i), true, pat(i, 0), &rv) < 0)
			break;
		nwritten++;
	}
	ok(i < 128 && rv == KERN_RESOURCE_SHORTAGE,
	    "without swap the fault fails with KERN_RESOURCE_SHORTAGE (after %d "
	    "pages)", nwritten);
	ok(ev_swap_out == 0 && ev_lowmem > 0 && vm_pageout_stats()->clean_failed > 0,
	    "the daemon ran, found only dirty anonymous pages, swapped nothing");
	for (i = 0; i < nwritten; i++)
		if (harness_access(map, HP(i), false, 0, NULL) != pat(i, 0))
			break;
	ok(i == nwritten, "the pages written are intact");
	ok(harness_checks(&map, 1) && swap_ok(), "checkers green");
	harness_exit(map);
	ok(harness_nfree() == free0, "exit frees every page");
}

static void
test_clean_pages(void)
{
	struct vm_map *map;
	int i, bad = 0;

	harness_boot(64);
	vm_pageout_init(harness_nfree());
	reset_events();
	map = harness_proc();
	/* Read-only: the fake pmap counts every writable mapping as
	 * modified, a read-only one is clean. */
	vm_map_insert(map, NULL, 0, HP(0), HP(200), VM_PROT_READ, VM_PROT_ALL, 0);
	/* Read faults: zero-filled pages, never written. */
	for (i = 0; i < 200; i++)
		if ((trim_log(), harness_access(map, HP(i), false, 0, NULL)) != 0)
			bad++;
	ok(bad == 0 && vm_pageout_stats()->freed > 0 && ev_swap_out == 0,
	    "200 zero pages read on 64 pages without swap: clean ones freed "
	    "(%llu)", (unsigned long long)vm_pageout_stats()->freed);
	ok(harness_checks(&map, 1), "checkers green");
	harness_exit(map);
}

static int lowmem_calls;
static void *lowmem_arg;

static unsigned long
lowmem_handler(void *arg, int flags)
{
	(void)flags;
	lowmem_calls++;
	lowmem_arg = arg;
	return (0);
}

static void
test_lowmem(void)
{
	int tag;

	harness_boot(64);
	vm_pageout_init(harness_nfree());
	reset_events();
	lowmem_calls = 0;
	ok(vm_lowmem_register("test", lowmem_handler, &tag) == 0, "register a handler");
	vm_lowmem_raise(0);
	ok(lowmem_calls == 1 && lowmem_arg == &tag && ev_lowmem == 2 &&
	    vm_lowmem_count() == 1, "vm_lowmem_raise: its event, the handler "
	    "called with its argument, and the handler's event");
	(void)vm_pageout_run(VM_PAGEOUT_REQUEST);
	ok(lowmem_calls == 2 && ev_lowmem == 4, "a daemon run raises it too");
	vm_lowmem_unregister(lowmem_handler, &tag);
	vm_lowmem_raise(0);
	ok(lowmem_calls == 2 && ev_lowmem == 5, "an unregistered handler is not called");
}

/* ---- the random differential test ---------------------------------- */

#define NPROC	4
#define NPAGES	48		/* per process: HP(0)..HP(48) */

struct mproc {
	struct vm_map *map;
	uint8_t mem[NPAGES];	/* the model: byte at offset 0 of each page */
};

static struct mproc procs[NPROC];
static int nprocs;

static int
all_checks(void)
{
	struct vm_map *maps[NPROC];
	struct vm_page_stats st;
	char msg[256];
	int i;

	for (i = 0; i < nprocs; i++)
		maps[i] = procs[i].map;
	if (!harness_checks(maps, nprocs) || !swap_ok())
		return (0);
	vm_page_stats(&st);
	if (st.free + st.active + st.inactive + st.hold + st.wired > st.npages) {
		printf("# queues: %llu free + %llu active + %llu inactive + "
		    "%llu hold + %llu wired > %llu pages\n",
		    (unsigned long long)st.free, (unsigned long long)st.active,
		    (unsigned long long)st.inactive, (unsigned long long)st.hold,
		    (unsigned long long)st.wired, (unsigned long long)st.npages);
		return (0);
	}
	(void)msg;
	return (1);
}

static void
test_random(uint64_t seed, int steps)
{
	struct prng r;
	struct mproc *p;
	vm_ooffset_t charge;
	unsigned long free0;
	int step, op, pg, got, bad, rv;
	uint8_t v;

	harness_boot(96);
	free0 = harness_nfree();
	swap_pager_init(ptoa(NPROC * NPAGES));
	vm_pageout_init(harness_nfree());
	reset_events();
	prng_seed(&r, seed);
	memset(procs, 0, sizeof(procs));
	procs[0].map = harness_proc();
	nprocs = 1;
	vm_map_insert(procs[0].map, NULL, 0, HP(0), HP(NPAGES), RW, VM_PROT_ALL, 0);
	bad = 0;
	for (step = 0; step < steps && !bad; step++) {
		trim_log();
		p = &procs[prng_below(&r, (uint64_t)nprocs)];
		op = (int)prng_below(&r, 100);
		pg = (int)prng_below(&r, NPAGES);
		if (op < 45) {			/* write */
			v = (uint8_t)(prng_below(&r, 255) + 1);
			if (harness_access(p->map, HP(pg), true, v, &rv) < 0) {
				printf("# step %d: write failed: %d\n", step, rv);
				bad = 1;
			}
			p->mem[pg] = v;
		} else if (op < 85) {		/* read */
			got = harness_access(p->map, HP(pg), false, 0, &rv);
			if (got != p->mem[pg]) {
				printf("# step %d: read %d, model %d (rv %d)\n", step,
				    got, p->mem[pg], rv);
				bad = 1;
			}
		} else if (op < 91) {		/* fork */
			if (nprocs == NPROC)
				continue;
			procs[nprocs] = *p;
			procs[nprocs].map = harness_proc();
			charge = 0;
			if (vm_map_fork(procs[nprocs].map, p->map, &charge) !=
			    KERN_SUCCESS || !swap_reserve(charge)) {
				printf("# step %d: fork failed\n", step);
				bad = 1;
			}
			nprocs++;
		} else if (op < 95) {		/* exit */
			if (nprocs == 1)
				continue;
			harness_exit(p->map);
			*p = procs[--nprocs];
		} else {			/* munmap a page, map it again */
			vm_map_remove(p->map, HP(pg), HP(pg + 1));
			vm_map_insert(p->map, NULL, 0, HP(pg), HP(pg + 1), RW,
			    VM_PROT_ALL, 0);
			p->mem[pg] = 0;
		}
		if (step % 16 == 0 && !all_checks()) {
			printf("# step %d: checks failed\n", step);
			bad = 1;
		}
	}
	ok(!bad && all_checks(), "seed %llu: %d random steps match the model "
	    "(%lu swap_out, %lu swap_in, %lu daemon runs)",
	    (unsigned long long)seed, steps, ev_swap_out, ev_swap_in,
	    (unsigned long)vm_pageout_stats()->runs);
	while (nprocs > 0)
		harness_exit(procs[--nprocs].map);
	ok(swap_pager_used() == 0 && harness_nfree() == free0 &&
	    vm_object_count() == 0, "seed %llu: everything freed at the end",
	    (unsigned long long)seed);
}

int
main(void)
{
	struct event_sink sink = { count_events, NULL };
	uint64_t s;

	event_sink_add(&sink);
	test_slots();
	test_round_trip();
	test_no_swap();
	test_clean_pages();
	test_lowmem();
	for (s = TEST_SEED; s < TEST_SEED + 6; s++)
		test_random(s, 3000);
	return (tap_done());
}
