/*
 * tests/unit/vm/vm_harness.h — what the fault-level VM unit tests share:
 * a machine of MEM pages behind the fake pmap, "processes" (a map with a
 * pmap of its own), an MMU stand-in that faults only when the fake pmap
 * lacks the mapping or the right, and the deep checkers in one call.
 */
#ifndef TESTS_UNIT_VM_VM_HARNESS_H
#define TESTS_UNIT_VM_VM_HARNESS_H

#include "tests/unit/vm/fake_pmap.h"
#include "vm/vm_map.h"
#include "vm/vm_page.h"

#define HARNESS_MIN	((vm_offset_t)0x10000)
#define HARNESS_MAX	((vm_offset_t)0x40000000)
#define HP(n)		(HARNESS_MIN + (vm_offset_t)(n) * PAGE_SIZE)

/* A new machine of npages pages (frame 0 reserved); every object,
 * credential charge and setting of the last one forgotten. */
void harness_boot(unsigned long npages);
/* A process: an empty map over [HARNESS_MIN, HARNESS_MAX) and its pmap. */
struct vm_map *harness_proc(void);
/* Unmap everything, free the pmap and the map. */
void harness_exit(struct vm_map *map);
/* An access like the MMU's: fault only if the pmap does not allow it,
 * then read (returns the byte at va) or write val.  -1 and no access if
 * the fault fails (*rv gets the fault's result when rv is not NULL). */
int harness_access(struct vm_map *map, vm_offset_t va, bool write, uint8_t val,
    int *rv);
/* Free pages now. */
unsigned long harness_nfree(void);
/* vm_check_all of every map given (map, its pages and pmap, every object,
 * the page queues); prints the first message and returns 0 on failure. */
int harness_checks(struct vm_map **maps, int nmaps);

#endif
