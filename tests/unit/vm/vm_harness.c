/*
 * tests/unit/vm/vm_harness.c — see vm_harness.h.
 */
#include "tests/unit/vm/vm_harness.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vm/swap_pager.h"
#include "vm/vm_pageout.h"
#include "vm/ucred.h"
#include "vm/vm_extern.h"
#include "vm/vm_fault.h"
#include "vm/vm_object.h"

static uint8_t *harness_mem;
static size_t harness_mem_bytes;

void
harness_boot(unsigned long npages)
{
	free(harness_mem);
	harness_mem_bytes = ptoa(npages);
	harness_mem = malloc(harness_mem_bytes);
	if (harness_mem == NULL)
		abort();
	memset(harness_mem, 0xa5, harness_mem_bytes);
	vm_phys_dmap = harness_mem;
	vm_page_startup(ptoa(npages), PAGE_SIZE);
	vm_object_init();
	swap_accounting_init();
	swap_pager_init(0);	/* no swap device ... */
	vm_pageout_init(0);	/* ... and no page daemon, unless a test sets them */
	ucred_set_current(NULL);
	fake_pmap_reset();
	sim_invariants = true;
}

struct vm_map *
harness_proc(void)
{
	struct vm_map *map;

	if ((map = calloc(1, sizeof(*map))) == NULL)
		abort();
	vm_map_init(map, fake_pmap_create(), HARNESS_MIN, HARNESS_MAX);
	return (map);
}

void
harness_exit(struct vm_map *map)
{
	vm_map_remove(map, map->min_offset, map->max_offset);
	fake_pmap_destroy(map->pmap);
	free(map);
}

int
harness_access(struct vm_map *map, vm_offset_t va, bool write, uint8_t val,
    int *rv)
{
	vm_prot_t need = write ? VM_PROT_WRITE : VM_PROT_READ, prot;
	vm_page_t m;
	uint8_t *p;
	int r;

	m = fake_pmap_lookup(map->pmap, va, &prot, NULL);
	if (m == NULL || (prot & need) != need) {
		r = vm_fault(map, va, need, VM_FAULT_NORMAL);
		if (rv != NULL)
			*rv = r;
		if (r != KERN_SUCCESS)
			return (-1);
		m = fake_pmap_lookup(map->pmap, va, &prot, NULL);
		KASSERT(m != NULL && (prot & need) == need,
		    ("harness_access: the fault did not map %#llx",
		    (unsigned long long)va));
	} else if (rv != NULL)
		*rv = KERN_SUCCESS;
	fake_pmap_reference(map->pmap, va);
	p = vm_phys_dmap_ptr(VM_PAGE_TO_PHYS(m) + (va & PAGE_MASK));
	if (write) {
		*p = val;
		return (val);
	}
	return (*p);
}

unsigned long
harness_nfree(void)
{
	struct vm_page_stats st;

	vm_page_stats(&st);
	return ((unsigned long)st.free);
}

int
harness_checks(struct vm_map **maps, int nmaps)
{
	char msg[256];
	int i;

	for (i = 0; i < nmaps; i++) {
		if (vm_check_all(maps[i], msg, sizeof(msg)) != 0) {
			printf("# map %d: %s\n", i, msg);
			return (0);
		}
	}
	if (vm_check_all(NULL, msg, sizeof(msg)) != 0) {
		printf("# %s\n", msg);
		return (0);
	}
	return (1);
}
