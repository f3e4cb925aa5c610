/*
 * sim/kern/sys_vm.c — system calls of the vm module (see sys.h): memory
 * locking and msync, Linux ABI with FreeBSD semantics (FreeBSD vm_mmap.c
 * mlock/munlock/mlockall/munlockall/msync, 2010; VM-SPEC.md "Wiring:
 * vslock, mlock").
 *
 *   mlock(addr, len)      user-wire the pages (once per entry): 0; EINVAL
 *                         (wrap); ENOMEM (part unmapped, over
 *                         RLIMIT_MEMLOCK, or a page cannot be had); EAGAIN
 *                         (over the system-wide wired cap)
 *   munlock(addr, len)    drop the user wiring; other (system) wirings of
 *                         the pages stay: 0; EINVAL; ENOMEM (part unmapped)
 *   mlockall(how)         MCL_CURRENT: user-wire every mapping (ENOMEM if
 *                         the map is larger than RLIMIT_MEMLOCK, EAGAIN if
 *                         a page cannot be wired); MCL_FUTURE: set
 *                         MAP_WIREFUTURE (the kernel then wires new
 *                         mappings); EINVAL for other bits or none
 *   munlockall()          clear MAP_WIREFUTURE, drop every user wiring
 *   msync(addr, len, fl)  vm_msync: write back shared file pages
 *   mmap of a device      sys_vm_mmap_cdev (called by syscall.c's mmap for
 *                         a description of /dev/fb0, /dev/mmio...):
 *                         vm_mmap_cdev and the device pager
 *                         (vm/device_pager.h): EINVAL for a private
 *                         mapping or a bad offset, EACCES for a write
 *                         mapping of a read-only device or description,
 *                         ENXIO once the device is removed
 *
 * Linux differences kept deliberately: munlock of memory that is mapped
 * but not locked succeeds (Linux), where FreeBSD's NOHOLES unwire fails.
 * Under sim_invariants each call that changed wiring ends with the deep
 * checks of the map, its pages, every object and the page queues.
 */
#include "sim/kern/sys.h"
#include "sim/base/event.h"

#include <stdio.h>

#include "vm/device_pager.h"
#include "vm/pmap.h"
#include "vm/vm_extern.h"
#include "vm/vm_map.h"
#include "vm/vm_page.h"

#define LMCL_CURRENT	1	/* mlockall: lock what is mapped now */
#define LMCL_FUTURE	2	/* mlockall: lock what will be mapped */

/* The caller's RLIMIT_MEMLOCK. */
static uint64_t
sys_vm_memlock_limit(const struct sc_ctx *c)
{
	return (c->p->rlim[KRLIMIT_MEMLOCK].cur);
}

/* A wire or unwire event (kind EV_WIRE/EV_UNWIRE) of [start, end). */
static void
sys_vm_event(enum ev_kind kind, const char *what, vm_offset_t start,
    vm_offset_t end)
{
	struct event ev = event_make(kind, what, start);

	snprintf(ev.detail, sizeof(ev.detail), "%llu bytes",
	    (unsigned long long)(end - start));
	event_emit(&ev, 0);
}

/* The deep checkers (sim_invariants), and the engine's regions. */
static int64_t
sys_vm_done(struct sc_ctx *c, int64_t ret)
{
	struct vm_map *map = &c->p->vm->map;
	char msg[256];

	if (sim_invariants && vm_check_all(map, msg, sizeof(msg)) != 0)
		panic("sys_vm: pid %d: %s", c->p->pid, msg);
	/* Wiring clips entries: the execution engine follows the map. */
	if (c->k->hw->map_changed(c->k->hw_arg, c->p) != 0 && ret == 0)
		return (-ENOMEM);
	return (ret);
}

/* [start, end) wholly mapped? */
static bool
sys_vm_mapped(struct vm_map *map, vm_offset_t start, vm_offset_t end)
{
	struct vm_map_entry *e;
	vm_offset_t a;

	for (a = start; a < end; a = e->end)
		if (!vm_map_lookup_entry(map, a, &e))
			return (false);
	return (true);
}

/* Page-aligned bounds of [addr, addr + len): 0, or EINVAL when the range
 * wraps the guest's address space (32 bits on o32). */
static int
sys_vm_range(const struct sc_ctx *c, uint64_t addr, uint64_t len,
    vm_offset_t *start, vm_offset_t *end)
{
	vm_offset_t last = addr + len;

	*start = trunc_page(addr);
	*end = round_page(last);
	if (last < addr || *end < addr ||
	    (c->word == 4 && *end > ((vm_offset_t)1 << 32)))
		return (EINVAL);
	return (0);
}

static int64_t
sys_mlock(struct sc_ctx *c, const uint64_t *a)
{
	struct vm_map *map = &c->p->vm->map;
	struct vm_page_stats st;
	vm_offset_t start, end;
	vm_size_t npages;
	unsigned long cap = vm_page_max_wired();
	int rv;

	if (sys_vm_range(c, a[0], a[1], &start, &end) != 0)
		return (-EINVAL);
	if (start == end)
		return (0);
	npages = atop(end - start);
	if (cap != 0 && npages > cap)
		return (-ENOMEM);
	if (ptoa(npages + pmap_wired_count(map->pmap)) > sys_vm_memlock_limit(c))
		return (-ENOMEM);
	vm_page_stats(&st);
	if (cap != 0 && npages + st.wired > cap)
		return (-EAGAIN);
	if (!sys_vm_mapped(map, start, end))
		return (-ENOMEM);
	rv = vm_map_wire(map, start, end, VM_MAP_WIRE_USER | VM_MAP_WIRE_NOHOLES);
	if (rv == KERN_SUCCESS)
		sys_vm_event(EV_WIRE, "mlock", start, end);
	return (sys_vm_done(c, rv == KERN_SUCCESS ? 0 : -ENOMEM));
}

static int64_t
sys_munlock(struct sc_ctx *c, const uint64_t *a)
{
	struct vm_map *map = &c->p->vm->map;
	vm_offset_t start, end;
	int rv;

	if (sys_vm_range(c, a[0], a[1], &start, &end) != 0)
		return (-EINVAL);
	if (start == end)
		return (0);
	if (!sys_vm_mapped(map, start, end))
		return (-ENOMEM);
	rv = vm_map_unwire(map, start, end, VM_MAP_WIRE_USER | VM_MAP_WIRE_HOLESOK);
	if (rv == KERN_SUCCESS)
		sys_vm_event(EV_UNWIRE, "munlock", start, end);
	return (sys_vm_done(c, rv == KERN_SUCCESS ? 0 : -ENOMEM));
}

static int64_t
sys_mlockall(struct sc_ctx *c, const uint64_t *a)
{
	struct vm_map *map = &c->p->vm->map;
	int64_t how = (int64_t)a[0];
	int rv;

	if (how == 0 || (how & ~(int64_t)(LMCL_CURRENT | LMCL_FUTURE)) != 0)
		return (-EINVAL);
	if ((how & LMCL_CURRENT) != 0 && map->size > sys_vm_memlock_limit(c))
		return (-ENOMEM);
	if ((how & LMCL_FUTURE) != 0)
		map->flags |= MAP_WIREFUTURE;
	if ((how & LMCL_CURRENT) == 0)
		return (0);
	rv = vm_map_wire(map, map->min_offset, map->max_offset,
	    VM_MAP_WIRE_USER | VM_MAP_WIRE_HOLESOK);
	if (rv == KERN_SUCCESS)
		sys_vm_event(EV_WIRE, "mlockall", map->min_offset, map->max_offset);
	return (sys_vm_done(c, rv == KERN_SUCCESS ? 0 : -EAGAIN));
}

static int64_t
sys_munlockall(struct sc_ctx *c, const uint64_t *a)
{
	struct vm_map *map = &c->p->vm->map;
	int rv;

	(void)a;
	map->flags &= ~MAP_WIREFUTURE;
	rv = vm_map_unwire(map, map->min_offset, map->max_offset,
	    VM_MAP_WIRE_USER | VM_MAP_WIRE_HOLESOK);
	if (rv == KERN_SUCCESS)
		sys_vm_event(EV_UNWIRE, "munlockall", map->min_offset, map->max_offset);
	return (sys_vm_done(c, rv == KERN_SUCCESS ? 0 : -EINVAL));
}

static int64_t
sys_msync(struct sc_ctx *c, const uint64_t *a)
{
	int e;

	e = vm_msync(&c->p->vm->map, a[0], a[1], (int)a[2]);
	return (e == 0 ? sys_vm_done(c, 0) : -e);
}

/*
 * FreeBSD vm_mmap's maximum protection for a shared mapping of a file
 * description (execute, read if readable, write if writable), then
 * vm_mmap_cdev, which clips it to the device's and makes (or finds) the
 * device's object.  A description open for writing only cannot be
 * mapped (EACCES), as for a regular file.
 */
int
sys_vm_mmap_cdev(struct sc_ctx *c, struct file *f, vm_size_t size,
    vm_prot_t prot, bool shared, vm_ooffset_t off, struct vm_object **objp,
    vm_prot_t *maxp)
{
	struct cdev *dev = file_cdev(f);

	(void)c;
	KASSERT(dev != NULL, ("sys_vm_mmap_cdev: not a device"));
	*objp = NULL;
	if (!file_readable(f))
		return (EACCES);
	*maxp = VM_PROT_READ | VM_PROT_EXECUTE |
	    (file_writable(f) ? VM_PROT_WRITE : 0);
	return (vm_mmap_cdev(dev, size, prot, maxp, shared, off, objp));
}

const struct sc_def sys_vm_defs[] = {
	{ "msync", 26, 4144, sys_msync },
	{ "mlock", 149, 4154, sys_mlock },
	{ "munlock", 150, 4155, sys_munlock },
	{ "mlockall", 151, 4156, sys_mlockall },
	{ "munlockall", 152, 4157, sys_munlockall },
};
const size_t sys_vm_ndefs = nitems(sys_vm_defs);
