/*
 * tests/sys/test_devices.c — devices with memory and fictitious pages
 * (issue 8, acceptance 4; VM-SPEC.md "Devices and fictitious pages").
 *
 * System part, on every arch, with the guest program fb_map:
 *  - fb_map maps /dev/fb0 shared, writes its pattern and unmaps it: the
 *    device sees the pattern (the EV_DEVICE "checksum" the device logs
 *    when its last mapping goes away carries the FNV-1a of its memory,
 *    which must be the pattern's), the mmap event says write-combining,
 *    the 16 faults are "device" faults on the aperture's frames; the
 *    same when the process exits with the mapping in place; the trace
 *    replays;
 *  - fb_map errors: a private mapping (EINVAL), bad offsets (EINVAL),
 *    PROT_WRITE on the read-only /dev/mmio or on fb0 opened read-only
 *    (EACCES), mprotect of mmio to writable (EACCES);
 *  - fb_map mmio N with N = 1000 and 2000: the extra 1000 register loads
 *    are all uncached (the "uncached" counter grows by exactly 1000) and
 *    none is an L1 D-cache access (l1d accesses and misses are the same
 *    in both runs), the mmap event says UC.
 *
 * Unit part, on a kernel over the real VM and amd64 pmap without a
 * machine (as tests/unit/kern/test_vmspace.c): the fictitious pages of
 * fb0 are made at the first fault with wire count 1, the driver's
 * physical address and attribute; mlock/munlock, munmap and process
 * exit leave them fictitious with wire count 1 (and the next mapping
 * gets the same pages back); vm_mmap_cdev's errors; removal: /dev/fb0
 * disappears, mmap of a description still open is ENXIO, a page mapped
 * before stays usable while a fault on one not yet faulted fails; a
 * driver that maps real memory gets the real page's attribute, with a
 * "memattr" warning event, and munmap of that alias keeps the pmap and
 * page lists consistent.
 *
 * usage: test_devices VMSIM GUEST_DIR
 */
#include "tests/tap.h"
#include "tests/sys/systest.h"
#include "sim/kern/dev.h"
#include "sim/kern/kern.h"
#include "mmu/cost.h"
#include "mmu/mmu.h"
#include "mmu/physmem.h"
#include "sim/base/event.h"
#include "sim/base/prng.h"
#include "vm/device_pager.h"
#include "vm/pmap.h"
#include "vm/swap_pager.h"
#include "vm/ucred.h"
#include "vm/vm_extern.h"
#include "vm/vm_fault.h"
#include "vm/vm_map.h"
#include "vm/vm_object.h"
#include "vm/vm_page.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#pragma GCC diagnostic ignored "-Wformat-truncation"

#define FB_PAGES	(DEV_FB_BYTES / PAGE_SIZE)

static const char *vmsim, *guest_dir;
static const char *const arches[] = { "mips", "mipsel", "amd64" };

/* fb_map's pattern (guest/progs/fb_map.c). */
static unsigned char
fb_pattern(unsigned i)
{
	return (unsigned char)(i * 7 + (i >> 8) * 13);
}

static uint32_t
fnv1a(const uint8_t *p, size_t len)
{
	uint32_t h = 2166136261u;

	for (size_t i = 0; i < len; i++) {
		h ^= p[i];
		h *= 16777619u;
	}
	return h;
}

static void
diag(const char *text)
{
	while (text != NULL && *text != '\0') {
		size_t n = strcspn(text, "\n");

		printf("# %.*s\n", (int)n, text);
		text += n;
		if (*text == '\n')
			text++;
	}
}

/* ---- system part -------------------------------------------------------- */

static struct run
run_fb_map(const char *arch, const char *trace, const char *a1, const char *a2)
{
	char prog[512];

	snprintf(prog, sizeof(prog), "%s/%s-fb_map", guest_dir, arch);
	return systest_vmsim(vmsim, NULL, "exec", "--quiet", "--trace", trace, prog,
	    a1, a2, NULL);
}

static long long
final_counter(const char *trace, const char *name)
{
	char sql[256];

	snprintf(sql, sizeof(sql), "SELECT value FROM counter WHERE final = 1 AND "
	    "scope = 'machine' AND name = '%s'", name);
	return systest_sql_int(trace, sql);
}

static void
test_fb_map(const char *arch, uint32_t want_sum)
{
	char trace[512], want[128], *s;
	const char *mode[2] = { NULL, "exit" };
	struct run r;

	for (int i = 0; i < 2; i++) {
		const char *how = i == 0 ? "munmap" : "exit";

		snprintf(trace, sizeof(trace), "%s/fb-%s-%s.db", systest_tmpdir, arch, how);
		r = run_fb_map(arch, trace, mode[i], NULL);
		if (!ok(r.status == 0 && strstr(r.out, "fb_map: 0 failures") != NULL,
		    "%s: fb_map (%s) writes the pattern through its mapping", arch, how))
			diag(r.out), diag(r.err);
		systest_run_free(&r);
		snprintf(want, sizeof(want), "fb0 bytes=65536 fnv1a=0x%08x", want_sum);
		s = systest_sql_text(trace, "SELECT detail FROM event WHERE kind = "
		    "'device' AND type = 'checksum'");
		ok(s != NULL && strcmp(s, want) == 0, "%s: after %s the device holds "
		    "the pattern (%s)", arch, how, s != NULL ? s : "no checksum event");
		free(s);
		if (i != 0)
			continue;
		s = systest_sql_text(trace, "SELECT detail FROM event WHERE kind = "
		    "'device' AND type = 'mmap'");
		ok(s != NULL && strcmp(s, "fb0 off=0 bytes=65536 prot=rw- "
		    "memattr=WC") == 0, "%s: the mmap event: %s", arch, s ? s : "none");
		free(s);
		ok(systest_sql_int(trace, "SELECT count(DISTINCT pa) FROM event WHERE "
		    "kind = 'page_fault' AND type = 'device' AND pa >= 268435456 AND "
		    "pa < 268435456 + 65536") == FB_PAGES &&
		    systest_sql_int(trace, "SELECT count(*) FROM event WHERE kind = "
		    "'page_fault' AND type = 'device'") == FB_PAGES,
		    "%s: 16 device faults, one per frame of fb0 at 0x10000000", arch);
		ok(systest_sql_int(trace, "SELECT pa FROM event WHERE kind = 'device' "
		    "AND type = 'checksum'") == 0x10000000 &&
		    systest_sql_int(trace, "SELECT seq FROM event WHERE kind = 'device' "
		    "AND type = 'checksum'") < systest_sql_int(trace, "SELECT seq FROM "
		    "event WHERE kind = 'exit'"),
		    "%s: the checksum comes at munmap, before the exit", arch);
		ok(final_counter(trace, "wc") >= DEV_FB_BYTES / 8,
		    "%s: the stores to fb0 are counted write-combining (%lld)", arch,
		    final_counter(trace, "wc"));
		r = systest_vmsim(vmsim, NULL, "replay", trace, NULL);
		if (!ok(r.status == 0, "%s: the fb_map trace replays (status %d)",
		    arch, r.status))
			diag(r.out), diag(r.err);
		systest_run_free(&r);
	}
}

static void
test_errors(const char *arch)
{
	char trace[512];
	struct run r;

	snprintf(trace, sizeof(trace), "%s/fb-%s-errors.db", systest_tmpdir, arch);
	r = run_fb_map(arch, trace, "errors", NULL);
	if (!ok(r.status == 0 && strstr(r.out, "fb_map: 0 failures") != NULL,
	    "%s: private mapping EINVAL, bad offsets EINVAL, writing mmio "
	    "EACCES", arch))
		diag(r.out), diag(r.err);
	systest_run_free(&r);
}

static void
test_uncached(const char *arch)
{
	char t1[512], t2[512], *s;
	struct run r;

	snprintf(t1, sizeof(t1), "%s/mmio-%s-1.db", systest_tmpdir, arch);
	snprintf(t2, sizeof(t2), "%s/mmio-%s-2.db", systest_tmpdir, arch);
	r = run_fb_map(arch, t1, "mmio", "1000");
	ok(r.status == 0 && strstr(r.out, "fb_map: 0 failures") != NULL,
	    "%s: mmio registers read 1000 times", arch);
	systest_run_free(&r);
	r = run_fb_map(arch, t2, "mmio", "2000");
	ok(r.status == 0 && strstr(r.out, "fb_map: 0 failures") != NULL,
	    "%s: mmio registers read 2000 times", arch);
	systest_run_free(&r);
	ok(final_counter(t2, "uncached") - final_counter(t1, "uncached") == 1000 &&
	    final_counter(t2, "loads") - final_counter(t1, "loads") >= 1000,
	    "%s: the 1000 more register loads are all uncached (%lld -> %lld)",
	    arch, final_counter(t1, "uncached"), final_counter(t2, "uncached"));
	ok(final_counter(t2, "l1d_accesses") == final_counter(t1, "l1d_accesses") &&
	    final_counter(t2, "l1d_misses") == final_counter(t1, "l1d_misses") &&
	    final_counter(t2, "l2_accesses") == final_counter(t1, "l2_accesses"),
	    "%s: ...and none of them is a cache access, so none a hit (l1d %lld/%lld)",
	    arch, final_counter(t1, "l1d_accesses"), final_counter(t2, "l1d_accesses"));
	s = systest_sql_text(t1, "SELECT detail FROM event WHERE kind = 'device' "
	    "AND type = 'mmap'");
	ok(s != NULL && strstr(s, "mmio") == s && strstr(s, "prot=r-- memattr=UC"),
	    "%s: mmio is mapped read-only, uncacheable (%s)", arch, s ? s : "none");
	free(s);
}

/* ---- unit part: a kernel without a machine ------------------------------ */

static int
stub_map_changed(void *arg, struct proc *p)
{
	(void)arg;
	(void)p;
	return 0;
}

static void
stub_engine_drop(void *arg, struct proc *p)
{
	(void)arg;
	p->hw = NULL;
}

static void
stub_ctx_free(void *arg, void *ctx)
{
	(void)arg;
	(void)ctx;
}

static const struct kern_hw_ops stub_ops = {
	.map_changed = stub_map_changed,
	.engine_drop = stub_engine_drop,
	.ctx_free = stub_ctx_free,
};

static struct physmem pm;
static struct prng prng;
static struct mmu_cpu cpu;
static struct cost_table cost;
static struct kern k;

/* The device events of the unit part. */
static struct {
	const char *type;
	char detail[EV_DETAIL_MAX];
} devev[32];
static int ndevev;

static void
devev_emit(void *ctx, const struct event *ev)
{
	(void)ctx;
	if (ev->kind != EV_DEVICE || ndevev == (int)nitems(devev))
		return;
	devev[ndevev].type = ev->type;
	snprintf(devev[ndevev].detail, sizeof(devev[0].detail), "%s", ev->detail);
	ndevev++;
}

/* The last device event of type, or NULL. */
static const char *
devev_last(const char *type)
{
	for (int i = ndevev - 1; i >= 0; i--)
		if (strcmp(devev[i].type, type) == 0)
			return devev[i].detail;
	return NULL;
}

static void
boot(void)
{
	static struct mmu_cpu *cpus[1] = { &cpu };
	struct pmap_machine pmach = { ARCH_AMD64, &pm, cpus, 1 };
	static const struct event_sink sink = { devev_emit, NULL };

	if (physmem_init(&pm, 8u << 20) != 0)
		abort();
	prng_seed(&prng, 1);
	vm_phys_dmap = pm.base;
	vm_object_init();
	vm_page_startup(8u << 20, PAGE_SIZE);
	swap_accounting_init();
	cost_defaults(&cost, ARCH_AMD64);
	mmu_cpu_init(&cpu, 0, ARCH_AMD64, &pm, &cost, &prng, 0, 0);
	pmap_bootstrap(&pmach);
	kern_init(&k, ARCH_AMD64, &pm, &prng, &stub_ops, NULL, NULL);
	kern_limits_init(&k, ptoa((uint64_t)vm_phys_free_count()));
	event_sink_add(&sink);
}

static struct proc *
proc_new(void)
{
	struct proc *p = calloc(1, sizeof(*p));
	int slot = kern_proc_slot(&k);

	if (p == NULL || slot < 0 || (p->td = calloc(1, sizeof(*p->td))) == NULL ||
	    (p->path = strdup("/test")) == NULL)
		abort();
	p->pid = k.nextpid++;
	p->td->p = p;
	p->td->tid = p->pid;
	p->td->lastcpu = -1;
	p->threads = p->td;
	p->nthreads = 1;
	p->arch = ARCH_AMD64;
	memcpy(p->rlim, k.rlim0, sizeof(p->rlim));
	p->cred = crget(0);
	fd_init(p);
	p->vm = vmspace_alloc(&k);
	if (p->vm == NULL)
		abort();
	k.procs[slot] = p;
	return p;
}

/* The vm_mmap path of a device: vm_mmap_cdev, then the map entry (as
 * sys_mmap does).  0 or an errno. */
static int
map_dev(struct proc *p, struct cdev *dev, vm_offset_t va, vm_size_t size,
    vm_prot_t prot, bool shared, vm_ooffset_t off)
{
	vm_prot_t max = VM_PROT_ALL;
	struct vm_object *obj;
	int e;

	if ((e = vm_mmap_cdev(dev, size, prot, &max, shared, off, &obj)) != 0)
		return e;
	if (vm_map_insert(&p->vm->map, obj, off, va, va + size, prot, max,
	    MAP_INHERIT_SHARE) != KERN_SUCCESS) {
		vm_object_deallocate(obj);
		return ENOMEM;
	}
	return 0;
}

/* Every page of fb0 fictitious, wire count 1, at fb0's frame, WC; in
 * object obj (NULL: in none). */
static bool
fb_pages_ok(struct cdev *fb, struct vm_object *obj)
{
	for (vm_pindex_t i = 0; i < FB_PAGES; i++) {
		vm_page_t m = dev_pager_page(fb, i);

		if (m == NULL || (m->flags & PG_FICTITIOUS) == 0 ||
		    m->wire_count != 1 || m->object != obj ||
		    m->phys_addr != pm.dev_pa + ptoa(i) ||
		    m->memattr != VM_MEMATTR_WRITE_COMBINING || m->queue != PQ_NONE)
			return false;
	}
	return true;
}

static bool
checks_pass(struct proc *p)
{
	char msg[256];

	if (vm_check_all(&p->vm->map, msg, sizeof(msg)) != 0) {
		printf("# %s\n", msg);
		return false;
	}
	return true;
}

static void
test_unit_fictitious(void)
{
	struct cdev *fb = vfs_device_find(&k.vfs, "fb0");
	const vm_offset_t va = 0x10000000;
	unsigned long wired0;
	struct vm_page_stats st;
	struct proc *p;
	vm_page_t first;
	uint8_t buf[DEV_FB_BYTES], back[DEV_FB_BYTES];
	char want[96];

	ok(fb != NULL && pm.dev_pa == 0x10000000 && fb->si_size == DEV_FB_BYTES,
	    "fb0 exists, its memory in the aperture at 0x10000000");
	if (fb == NULL)
		return;
	p = proc_new();
	ok(map_dev(p, fb, va, DEV_FB_BYTES, VM_PROT_READ | VM_PROT_WRITE, true, 0) == 0 &&
	    fb->si_object != NULL && fb->si_object->type == OBJT_DEVICE &&
	    dev_pager_page(fb, 0) == NULL, "fb0 mapped: a device object, no page yet");
	for (unsigned i = 0; i < sizeof(buf); i++)
		buf[i] = fb_pattern(i);
	ok(copyout(p, buf, va, sizeof(buf)) == 0 &&
	    dev_read(&k, "fb0", 0, back, sizeof(back)) == 0 &&
	    memcmp(buf, back, sizeof(buf)) == 0, "writes through the mapping: the "
	    "device sees them (dev_read)");
	ok(fb_pages_ok(fb, fb->si_object) &&
	    fb->si_object->resident_page_count == FB_PAGES,
	    "16 fictitious pages: wire count 1, fb0's frames, WC, in the object");
	ok(pmap_extract(p->vm->pmap, va + 5 * PAGE_SIZE) == pm.dev_pa + 5 * PAGE_SIZE,
	    "the pmap maps page 5 to its device frame");
	first = dev_pager_page(fb, 0);
	vm_page_stats(&st);
	wired0 = st.wired;		/* the page-table pages are there now */
	ok(vm_map_wire(&p->vm->map, va, va + DEV_FB_BYTES, VM_MAP_WIRE_USER |
	    VM_MAP_WIRE_NOHOLES) == KERN_SUCCESS && fb_pages_ok(fb, fb->si_object) &&
	    checks_pass(p), "mlock: still wire count 1");
	vm_page_stats(&st);
	ok(st.wired == wired0, "the global wired count does not see them (%llu)",
	    (unsigned long long)st.wired);
	ok(vm_map_unwire(&p->vm->map, va, va + DEV_FB_BYTES, VM_MAP_WIRE_USER |
	    VM_MAP_WIRE_HOLESOK) == KERN_SUCCESS && fb_pages_ok(fb, fb->si_object) &&
	    checks_pass(p), "munlock: unwiring never touches them (wire count 1)");
	ok(vm_map_wire(&p->vm->map, va, va + DEV_FB_BYTES, VM_MAP_WIRE_USER |
	    VM_MAP_WIRE_NOHOLES) == KERN_SUCCESS, "mlock again (munmap unwires)");
	ndevev = 0;
	vm_map_remove(&p->vm->map, va, va + DEV_FB_BYTES);
	snprintf(want, sizeof(want), "fb0 bytes=65536 fnv1a=0x%08x",
	    fnv1a(buf, sizeof(buf)));
	ok(fb->si_object == NULL && fb_pages_ok(fb, NULL) && checks_pass(p),
	    "munmap of a wired mapping: the object is gone, the pages are still "
	    "fictitious with wire count 1");
	ok(devev_last("checksum") != NULL && strcmp(devev_last("checksum"), want) == 0,
	    "the device logs its checksum at munmap (%s)",
	    devev_last("checksum") ? devev_last("checksum") : "none");
	vm_page_stats(&st);
	ok(st.wired == wired0, "no wiring leaked (%llu, was %lu)",
	    (unsigned long long)st.wired, wired0);
	/* Again, and this time the process exits with the mapping. */
	ok(map_dev(p, fb, va, DEV_FB_BYTES, VM_PROT_READ, true, 0) == 0 &&
	    copyin(p, va, back, sizeof(back)) == 0 && memcmp(buf, back, sizeof(buf)) == 0 &&
	    dev_pager_page(fb, 0) == first, "mapped again: the same pages, the "
	    "same contents");
	ndevev = 0;
	kern_exit(&k, p, 0);
	ok(fb->si_object == NULL && fb_pages_ok(fb, NULL) &&
	    devev_last("checksum") != NULL, "process exit: the pages are still "
	    "fictitious with wire count 1; the device logged its checksum");
	kern_reap(&k, p);
}

static void
test_unit_errors(void)
{
	struct cdev *fb = vfs_device_find(&k.vfs, "fb0");
	struct cdev *mm = vfs_device_find(&k.vfs, "mmio");
	struct vm_object *obj;
	vm_prot_t max;

	if (fb == NULL || mm == NULL) {
		ok(0, "the devices exist");
		return;
	}
	max = VM_PROT_ALL;
	ok(vm_mmap_cdev(fb, PAGE_SIZE, VM_PROT_READ, &max, false, 0, &obj) == EINVAL &&
	    obj == NULL, "private mapping: EINVAL");
	max = VM_PROT_ALL;
	ok(vm_mmap_cdev(fb, PAGE_SIZE, VM_PROT_READ, &max, true, 12, &obj) == EINVAL,
	    "unaligned offset: EINVAL");
	max = VM_PROT_ALL;
	ok(vm_mmap_cdev(fb, PAGE_SIZE, VM_PROT_READ, &max, true, DEV_FB_BYTES,
	    &obj) == EINVAL, "offset beyond the device: EINVAL");
	max = VM_PROT_ALL;
	ok(vm_mmap_cdev(mm, PAGE_SIZE, VM_PROT_READ | VM_PROT_WRITE, &max, true, 0,
	    &obj) == EACCES, "write mapping of the read-only mmio: EACCES");
	max = VM_PROT_ALL;
	ok(vm_mmap_cdev(mm, PAGE_SIZE, VM_PROT_READ, &max, true, 0, &obj) == 0 &&
	    max == VM_PROT_READ && obj != NULL && obj == mm->si_object,
	    "mmio for reading: the maximum protection is read");
	vm_object_deallocate(obj);
	ok(mm->si_object == NULL, "its object dies with the last reference");
}

static void
test_unit_remove(void)
{
	struct cdev *fb = vfs_device_find(&k.vfs, "fb0");
	const vm_offset_t va = 0x20000000;
	struct proc *p = proc_new();
	struct file *f = NULL, *f2 = NULL;
	char **names;
	uint8_t *types, b = 0;
	int n, e;
	bool listed = false;
	vm_prot_t max = VM_PROT_ALL;
	struct vm_object *obj;
	struct vfs_stat st;

	if (vfs_readdir(&k.vfs, "/dev", &names, &types, &n) == 0) {
		for (int i = 0; i < n; i++)
			listed |= strcmp(names[i], "fb0") == 0 && types[i] == 2;
		vfs_readdir_free(names, types, n);
	}
	ok(listed && vfs_stat(&k.vfs, "/dev/mmio", &st) == 0 &&
	    (st.mode & 0170000) == 0020000 && (st.mode & 0777) == 0444,
	    "/dev lists fb0; /dev/mmio is a read-only character device");
	ok(vfs_open(&k.vfs, "/dev/fb0", KO_RDWR, 0, &f) == 0 && file_cdev(f) == fb,
	    "open /dev/fb0");
	ok(map_dev(p, fb, va, 2 * PAGE_SIZE, VM_PROT_READ | VM_PROT_WRITE, true, 0) == 0 &&
	    copyout(p, "x", va, 1) == 0, "mapped, page 0 touched");
	ndevev = 0;
	e = vfs_device_remove(&k.vfs, "fb0");
	ok(e == 0 && devev_last("remove") != NULL &&
	    strcmp(devev_last("remove"), "fb0 (still mapped)") == 0,
	    "fb0 removed: a remove event (%s)", devev_last("remove") ?
	    devev_last("remove") : "none");
	e = vfs_open(&k.vfs, "/dev/fb0", KO_RDWR, 0, &f2);
	ok(e == -ENOENT && vfs_type_of(&k.vfs, "/dev/fb0") == VT_NONE,
	    "/dev/fb0 is gone from the name space (open: %d)", e);
	if (e == 0)
		file_drop(f2);
	ok(f != NULL && vm_mmap_cdev(file_cdev(f), PAGE_SIZE, VM_PROT_READ, &max,
	    true, 0, &obj) == ENXIO && obj == NULL,
	    "mmap through a description opened before: ENXIO");
	if (f != NULL)
		file_drop(f);
	ok(copyin(p, va, &b, 1) == 0 && b == 'x', "the page mapped before keeps "
	    "working");
	ok(vm_fault(&p->vm->map, va + PAGE_SIZE, VM_PROT_READ, 0) == KERN_FAILURE,
	    "a fault on a page not faulted before fails (SIGBUS)");
	ok(vfs_device_remove(&k.vfs, "fb0") == -ENOENT, "removing it again: ENOENT");
	kern_exit(&k, p, 0);
	kern_reap(&k, p);
	ok(fb->si_object == NULL && dev_pager_page(fb, 0) != NULL &&
	    dev_pager_page(fb, 0)->wire_count == 1, "after exit: no object, the "
	    "page still wire count 1");
}

/* A test driver whose one page is a frame of real memory. */
static vm_paddr_t ram_pa;

static int
ram_mmap(struct cdev *dev, vm_ooffset_t offset, vm_paddr_t *paddr,
    vm_prot_t prot, vm_memattr_t *memattr)
{
	(void)dev;
	(void)prot;
	if (offset != 0)
		return EINVAL;
	*paddr = ram_pa;
	*memattr = VM_MEMATTR_UNCACHEABLE;
	return 0;
}

static void
test_unit_real_page(void)
{
	struct cdev dev;
	struct proc *p = proc_new();
	const vm_offset_t va = 0x30000000;
	vm_page_t real = vm_page_alloc(NULL, 0, VM_ALLOC_NOOBJ | VM_ALLOC_WIRED |
	    VM_ALLOC_ZERO);
	vm_page_t m;
	uint32_t v = 0x12345678, w = 0;

	if (real == NULL) {
		ok(0, "a page of RAM");
		return;
	}
	memset(&dev, 0, sizeof(dev));
	snprintf(dev.si_name, sizeof(dev.si_name), "ramdev");
	dev.si_size = PAGE_SIZE;
	dev.si_prot = VM_PROT_READ | VM_PROT_WRITE;
	dev.d_mmap = ram_mmap;
	ram_pa = real->phys_addr;
	ndevev = 0;
	ok(map_dev(p, &dev, va, PAGE_SIZE, VM_PROT_READ | VM_PROT_WRITE, true, 0) == 0 &&
	    copyout(p, &v, va, 4) == 0 &&
	    memcmp(vm_phys_dmap_ptr(ram_pa), &v, 4) == 0,
	    "a device mapping of a RAM frame reaches it");
	m = dev_pager_page(&dev, 0);
	ok(m != NULL && m != real && (m->flags & PG_FICTITIOUS) &&
	    m->memattr == VM_MEMATTR_WRITE_BACK && real->md_pv == NULL,
	    "its page is fictitious with the real page's attribute (WB, not the "
	    "driver's UC), and not on the real page's pv list");
	ok(devev_last("memattr") != NULL && strstr(devev_last("memattr"),
	    "WB, not the driver's UC") != NULL, "a memattr warning event (%s)",
	    devev_last("memattr") ? devev_last("memattr") : "none");
	ok(checks_pass(p) && copyin(p, va, &w, 4) == 0 && w == v,
	    "the map, pmap and page invariants hold");
	vm_map_remove(&p->vm->map, va, va + PAGE_SIZE);
	ok(checks_pass(p) && dev.si_object == NULL && m->wire_count == 1 &&
	    real->wire_count == 1, "munmap of the alias: consistent, both pages as "
	    "they were");
	kern_exit(&k, p, 0);
	kern_reap(&k, p);
	dev_pager_cdev_fini(&dev);
	vm_page_unwire(real, false);
	vm_page_free(real);
}

int
main(int argc, char **argv)
{
	uint8_t pat[DEV_FB_BYTES];

	if (argc != 3) {
		fprintf(stderr, "usage: test_devices VMSIM GUEST_DIR\n");
		return 2;
	}
	vmsim = argv[1];
	guest_dir = argv[2];
	boot();
	test_unit_fictitious();
	test_unit_errors();
	test_unit_remove();
	test_unit_real_page();
	kern_fini(&k);
	event_sinks_clear();
	if (systest_init() != 0)
		return 2;
	for (unsigned i = 0; i < sizeof(pat); i++)
		pat[i] = fb_pattern(i);
	for (size_t a = 0; a < nitems(arches); a++) {
		test_fb_map(arches[a], fnv1a(pat, sizeof(pat)));
		test_errors(arches[a]);
		test_uncached(arches[a]);
	}
	systest_cleanup();
	return tap_done();
}
