/*
 * tests/unit/vm/test_vm_chain.c — seeded random differential tests:
 *
 * 1. Shadow chains.  A family of processes forks, writes, reads, unmaps
 *    and remaps pages, changes protection, wires and unwires, and exits,
 *    at random; each process has a private region (inherited COPY) and
 *    all share one region (inherited SHARE).  The reference model is an
 *    array of page values per process and one for the shared region —
 *    what each process must read.  After every step every map, page and
 *    object passes the deep checks (vm_map_check_pages, vm_object_check_all,
 *    vm_page_check); at the end, with everyone gone, every page is free,
 *    every object gone, every charge given back.
 * 2. Page queues.  Random wire/unwire/hold/unhold/activate/deactivate/free
 *    on pages of an object against a model of each page's state; the
 *    queue of every page and the counts must match after every step.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim/base/prng.h"
#include "tests/tap.h"
#include "tests/unit/vm/vm_harness.h"
#include "vm/swap_pager.h"
#include "vm/vm_fault.h"
#include "vm/vm_object.h"

#ifndef TEST_SEED
#define TEST_SEED	2010
#endif

#define RW		(VM_PROT_READ | VM_PROT_WRITE)
#define NPROC		6
#define APAGES		8		/* private region: HP(0)..HP(8) */
#define BPAGES		4		/* shared region: HP(16)..HP(20) */
#define BBASE		16

struct mproc {
	struct vm_map *map;
	uint8_t a[APAGES];		/* model of the private region */
	bool ro;			/* private region read-only now */
	bool wired;			/* private region mlocked */
};

static struct mproc procs[NPROC];
static int nprocs;
static uint8_t shared_b[BPAGES];

static int
all_checks(void)
{
	struct vm_map *maps[NPROC];
	int i;

	for (i = 0; i < nprocs; i++)
		maps[i] = procs[i].map;
	return (harness_checks(maps, nprocs));
}

static void
test_chains(uint64_t seed, int steps)
{
	struct prng r;
	struct mproc *p;
	vm_ooffset_t charge;
	unsigned long free0;
	int step, op, i, pg, got, bad, nfork, nexit, nwire;
	uint8_t v;

	harness_boot(512);
	free0 = harness_nfree();
	prng_seed(&r, seed);
	memset(procs, 0, sizeof(procs));
	memset(shared_b, 0, sizeof(shared_b));
	procs[0].map = harness_proc();
	nprocs = 1;
	vm_map_insert(procs[0].map, NULL, 0, HP(0), HP(APAGES), RW, VM_PROT_ALL, 0);
	vm_map_insert(procs[0].map, NULL, 0, HP(BBASE), HP(BBASE + BPAGES), RW,
	    VM_PROT_ALL, MAP_INHERIT_SHARE);
	bad = 0;
	nfork = nexit = nwire = 0;
	for (step = 0; step < steps && !bad; step++) {
		p = &procs[prng_next(&r) % (uint64_t)nprocs];
		op = (int)(prng_next(&r) % 100);
		pg = (int)(prng_next(&r) % APAGES);
		v = (uint8_t)(1 + prng_next(&r) % 250);
		if (op < 30) {			/* write private */
			if (p->ro)
				continue;
			if (harness_access(p->map, HP(pg), true, v, NULL) < 0) {
				printf("# step %d: write fault failed\n", step);
				bad = 1;
			}
			p->a[pg] = v;
		} else if (op < 55) {		/* read private */
			got = harness_access(p->map, HP(pg), false, 0, NULL);
			if (got != p->a[pg]) {
				printf("# step %d: private page %d reads %d, model %d\n",
				    step, pg, got, p->a[pg]);
				bad = 1;
			}
		} else if (op < 62) {		/* write shared */
			harness_access(p->map, HP(BBASE + pg % BPAGES), true, v, NULL);
			shared_b[pg % BPAGES] = v;
		} else if (op < 70) {		/* read shared */
			got = harness_access(p->map, HP(BBASE + pg % BPAGES), false,
			    0, NULL);
			if (got != shared_b[pg % BPAGES]) {
				printf("# step %d: shared page reads %d, model %d\n",
				    step, got, shared_b[pg % BPAGES]);
				bad = 1;
			}
		} else if (op < 78) {		/* fork */
			if (nprocs == NPROC)
				continue;
			procs[nprocs] = *p;
			procs[nprocs].map = harness_proc();
			procs[nprocs].wired = false;
			charge = 0;
			if (vm_map_fork(procs[nprocs].map, p->map, &charge) !=
			    KERN_SUCCESS || !swap_reserve(charge)) {
				printf("# step %d: fork failed\n", step);
				bad = 1;
			}
			nprocs++;
			nfork++;
		} else if (op < 84) {		/* exit */
			if (nprocs == 1)
				continue;
			harness_exit(p->map);
			*p = procs[--nprocs];
			nexit++;
		} else if (op < 89) {		/* munmap a page, map a new one */
			if (p->wired)
				continue;
			vm_map_remove(p->map, HP(pg), HP(pg + 1));
			vm_map_insert(p->map, NULL, 0, HP(pg), HP(pg + 1),
			    p->ro ? VM_PROT_READ : RW, VM_PROT_ALL, 0);
			p->a[pg] = 0;
		} else if (op < 94) {		/* mprotect the private region */
			p->ro = !p->ro;
			if (vm_map_protect(p->map, HP(0), HP(APAGES),
			    p->ro ? VM_PROT_READ : RW, false) != KERN_SUCCESS) {
				printf("# step %d: mprotect failed\n", step);
				bad = 1;
			}
		} else {			/* mlock / munlock it */
			p->wired = !p->wired;
			i = p->wired ? vm_map_wire(p->map, HP(0), HP(APAGES),
			    VM_MAP_WIRE_USER) : vm_map_unwire(p->map, HP(0),
			    HP(APAGES), VM_MAP_WIRE_USER);
			if (i != KERN_SUCCESS) {
				printf("# step %d: (un)wire failed: %d\n", step, i);
				bad = 1;
			}
			nwire++;
		}
		if (!all_checks()) {
			printf("# step %d (op %d) broke an invariant\n", step, op);
			bad = 1;
		}
	}
	ok(!bad, "chains (seed %llu): %d steps, %d forks, %d exits, %d "
	    "(un)wirings agree with the model", (unsigned long long)seed, step,
	    nfork, nexit, nwire);
	/* Everyone reads the model once more, then exits. */
	for (i = 0; i < nprocs && !bad; i++)
		for (pg = 0; pg < APAGES; pg++)
			if (harness_access(procs[i].map, HP(pg), false, 0, NULL) !=
			    procs[i].a[pg])
				bad = 1;
	while (nprocs > 0)
		harness_exit(procs[--nprocs].map);
	ok(!bad && harness_nfree() == free0 && vm_object_count() == 0 &&
	    swap_reserved() == 0 && all_checks(),
	    "chains (seed %llu): final reads right; after all exits every page "
	    "is free, no object is left, nothing is charged",
	    (unsigned long long)seed);
}

/* The page-queue model: what each page must be. */
struct mpage {
	vm_page_t m;
	int wire, hold;
	int queue;		/* expected queue */
	bool freed;
};

static void
test_queues(uint64_t seed, int steps)
{
	enum { N = 24 };
	struct mpage mp[N];
	struct vm_page_stats st;
	struct vm_object *obj;
	struct prng r;
	char msg[200];
	unsigned long nq[PQ_COUNT], wired;
	int step, i, op, bad;
	struct mpage *x;

	harness_boot(64);
	prng_seed(&r, seed);
	obj = vm_object_allocate(OBJT_DEFAULT, N);
	for (i = 0; i < N; i++) {
		mp[i].m = vm_page_alloc(obj, i, VM_ALLOC_NORMAL);
		vm_page_activate(mp[i].m);
		mp[i].wire = mp[i].hold = 0;
		mp[i].queue = PQ_ACTIVE;
		mp[i].freed = false;
	}
	bad = 0;
	for (step = 0; step < steps && !bad; step++) {
		x = &mp[prng_next(&r) % N];
		op = (int)(prng_next(&r) % 7);
		if (x->freed) {
			if (x->hold > 0 && op < 3) {	/* unhold a freed page */
				vm_page_unhold(x->m);
				if (--x->hold == 0)
					x->queue = PQ_FREE;
			}
			goto check;
		}
		switch (op) {
		case 0:
			vm_page_wire(x->m);
			x->wire++;
			x->queue = PQ_NONE;
			break;
		case 1:
			if (x->wire == 0)
				break;
			vm_page_unwire(x->m, (prng_next(&r) & 1) != 0);
			if (--x->wire == 0)
				x->queue = x->m->queue;	/* active or inactive: checked below */
			if (x->wire == 0 && x->queue != PQ_ACTIVE &&
			    x->queue != PQ_INACTIVE)
				bad = 1;
			break;
		case 2:
			vm_page_hold(x->m);
			x->hold++;
			break;
		case 3:
			if (x->hold == 0)
				break;
			vm_page_unhold(x->m);
			x->hold--;
			break;
		case 4:
			vm_page_activate(x->m);
			if (x->wire == 0)
				x->queue = PQ_ACTIVE;
			break;
		case 5:
			vm_page_deactivate(x->m);
			if (x->wire == 0)
				x->queue = PQ_INACTIVE;
			break;
		case 6:
			if (x->wire != 0)
				break;
			vm_page_free(x->m);
			x->freed = true;
			x->queue = x->hold > 0 ? PQ_HOLD : PQ_FREE;
			break;
		}
check:
		memset(nq, 0, sizeof(nq));
		wired = 0;
		for (i = 0; i < N; i++) {
			if (mp[i].m->queue != mp[i].queue ||
			    mp[i].m->wire_count != mp[i].wire ||
			    mp[i].m->hold_count != mp[i].hold ||
			    (mp[i].m->object == NULL) != mp[i].freed) {
				printf("# step %d: page %d queue %u/%d wire %u/%d "
				    "hold %u/%d\n", step, i, mp[i].m->queue,
				    mp[i].queue, mp[i].m->wire_count, mp[i].wire,
				    mp[i].m->hold_count, mp[i].hold);
				bad = 1;
			}
			nq[mp[i].queue]++;
			if (mp[i].wire > 0)
				wired++;
		}
		vm_page_stats(&st);
		if (st.active != nq[PQ_ACTIVE] || st.inactive != nq[PQ_INACTIVE] ||
		    st.hold != nq[PQ_HOLD] || st.wired != wired ||
		    vm_page_check(msg, sizeof(msg)) != 0) {
			printf("# step %d: counts or check: %s\n", step, msg);
			bad = 1;
		}
	}
	ok(!bad, "queues (seed %llu): %d steps agree with the model",
	    (unsigned long long)seed, step);
	for (i = 0; i < N; i++) {
		while (mp[i].hold > 0) {
			vm_page_unhold(mp[i].m);
			mp[i].hold--;
		}
		while (mp[i].wire > 0) {
			vm_page_unwire(mp[i].m, true);
			mp[i].wire--;
		}
	}
	vm_object_deallocate(obj);
	vm_page_stats(&st);
	ok(st.free == st.npages && vm_page_check(msg, sizeof(msg)) == 0,
	    "queues: all pages free at the end");
}

int
main(int argc, char **argv)
{
	uint64_t seed = argc > 1 ? strtoull(argv[1], NULL, 0) : TEST_SEED;
	int k;

	for (k = 0; k < 4; k++)
		test_chains(seed + (uint64_t)k, 1500);
	test_queues(seed, 4000);
	return (tap_done());
}
