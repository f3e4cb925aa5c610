/*
 * vm/memguard.c — memguard (FreeBSD sys/vm/memguard.c as of 2010, by
 * Andre Oppermann's and Matthew Fleming's rewrite; memguard(9); VM-SPEC.md
 * "memguard").  See vm/memguard.h for the contract.
 *
 * The VA range is one NOFAULT entry of kmem_map (kernel_map when there is
 * no kmem_map; FreeBSD: a submap of kmem_map), reserved when guarding is
 * first enabled.  Inside it memguard
 * keeps its own page-granular bookkeeping instead of a vm_map: one owner
 * per page (the allocation record whose VA it is or was), records for
 * live and freed allocations, and the cursor.  A freed record stays (so
 * a late access can be named use_after_free, with the allocation's site)
 * until every one of its pages has been handed to a newer allocation.
 *
 *   min                          cursor                              max
 *    | freed A |g| B(live) |g|g| C(live) |g|    never used            |
 *                           ^ guard pages: VA of the record, never backed
 *
 * The backing pages are wired pages without an object (VM_ALLOC_NOOBJ),
 * entered with pmap_qenter and taken out with pmap_qremove (shootdown
 * reason "kernel").  FreeBSD keeps the request size in the page's
 * vm_page (v2sizep); here it is in the record.
 *
 * The workload: a few hundred guarded allocations at most (a 64 MiB
 * machine with divisor 10 has 1638 pages of range); the linear scans for
 * free runs are fine.
 */
#include "vm/memguard.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim/base/event.h"
#include "sim/base/prng.h"
#include "vm/pmap.h"
#include "vm/vm_kern.h"
#include "vm/vm_page.h"

#define roundup2(x, y)	(((x) + ((y) - 1)) & ~((y) - 1))	/* y a power of 2 */

/* One allocation, live or freed. */
struct memguard_rec {
	vm_offset_t va_start;		/* first page of its VA (guard included) */
	vm_pindex_t npages_va;		/* pages of VA (guard pages included) */
	vm_offset_t base;		/* first backed page */
	vm_pindex_t npages;		/* backed pages */
	vm_offset_t addr;		/* what memguard_alloc returned */
	vm_size_t size;			/* what was asked for */
	char type[MEMGUARD_DESC_MAX];
	char file[32];			/* the site's file, base name */
	int line;
	uint64_t pc;			/* the guest PC at the allocation */
	bool live;
	vm_pindex_t owned;		/* pages of VA still owned (0: slot free) */
};

static struct {
	struct memguard_config cfg;
	struct prng *prng;
	uint64_t physmem_bytes;
	bool inited;
	struct vm_map *map;		/* whose NOFAULT entry the range is */
	vm_offset_t min, max;		/* the VA range (0, 0: not reserved) */
	vm_pindex_t npages;
	int32_t *owner;			/* per page: a record's index, or -1 */
	vm_pindex_t cursor;		/* page index where the next search starts */
	struct memguard_rec *recs;
	int nrecs, caprecs;
	struct memguard_stats st;
} mg;

void
memguard_config_defaults(struct memguard_config *c)
{
	memset(c, 0, sizeof(*c));
	c->options = MG_GUARD;
	c->divisor = MEMGUARD_DIVISOR_DEFAULT;
}

bool
memguard_config_is_default(const struct memguard_config *c)
{
	return (c->desc[0] == '\0' && c->frequency == 0 && c->minsize == 0 &&
	    c->options == MG_GUARD && c->divisor == MEMGUARD_DIVISOR_DEFAULT);
}

bool
memguard_config_enabled(const struct memguard_config *c)
{
	return (c->desc[0] != '\0' || c->frequency > 0 ||
	    (c->options & MG_ALLLARGE) != 0);
}

int
memguard_config_check(const struct memguard_config *c, char *err, size_t errlen)
{
	if (memchr(c->desc, '\0', sizeof(c->desc)) == NULL) {
		snprintf(err, errlen, "memguard: the type name is not terminated");
		return (-1);
	}
	for (const char *p = c->desc; *p != '\0'; p++)
		if (*p <= ' ' || *p > '~' || *p == '"' || *p == '\\' || *p == ',') {
			snprintf(err, errlen, "memguard: type name '%s': only printable "
			    "characters other than space, quotes, backslash and comma",
			    c->desc);
			return (-1);
		}
	if (c->frequency > MEMGUARD_FREQ_SCALE) {
		snprintf(err, errlen, "memguard: frequency %u is over %u (it is per %u "
		    "requests)", c->frequency, MEMGUARD_FREQ_SCALE, MEMGUARD_FREQ_SCALE);
		return (-1);
	}
	if ((c->options & ~(unsigned)MG_OPTIONS_ALL) != 0) {
		snprintf(err, errlen, "memguard: unknown option bits %#x", c->options);
		return (-1);
	}
	if (c->divisor == 0) {
		snprintf(err, errlen, "memguard: divisor 0 (the VA is memory / divisor)");
		return (-1);
	}
	return (0);
}

/* A number (decimal or 0x hex) filling all of s: 0 or -1. */
static int
memguard_parse_num(const char *s, size_t len, uint64_t *v)
{
	char buf[32], *end;

	if (len == 0 || len >= sizeof(buf) || s[0] == '-')
		return (-1);
	memcpy(buf, s, len);
	buf[len] = '\0';
	errno = 0;
	*v = strtoull(buf, &end, 0);
	return (errno != 0 || *end != '\0' ? -1 : 0);
}

int
memguard_config_parse(struct memguard_config *c, const char *spec, char *err,
    size_t errlen)
{
	const char *p = spec, *comma;
	size_t len;

	memguard_config_defaults(c);
	comma = strchr(p, ',');
	len = comma != NULL ? (size_t)(comma - p) : strlen(p);
	if (len >= sizeof(c->desc)) {
		snprintf(err, errlen, "memguard: type name '%.*s' is longer than %zu "
		    "characters", (int)len, p, sizeof(c->desc) - 1);
		return (-1);
	}
	memcpy(c->desc, p, len);
	c->desc[len] = '\0';
	while (comma != NULL) {
		const char *kv = comma + 1, *eq, *v;
		uint64_t n;
		size_t klen, vlen;

		comma = strchr(kv, ',');
		len = comma != NULL ? (size_t)(comma - kv) : strlen(kv);
		eq = memchr(kv, '=', len);
		if (eq == NULL) {
			snprintf(err, errlen, "memguard: '%.*s': expected KEY=VALUE "
			    "(frequency, minsize, options, divisor)", (int)len, kv);
			return (-1);
		}
		klen = (size_t)(eq - kv);
		v = eq + 1;
		vlen = len - klen - 1;
		if (klen == 7 && strncmp(kv, "options", 7) == 0) {
			const char *o = v, *end = v + vlen;

			c->options = 0;
			while (o < end) {
				const char *sep = o;
				size_t olen;

				while (sep < end && *sep != '|' && *sep != '+')
					sep++;
				olen = (size_t)(sep - o);
				if (olen == 8 && strncmp(o, "alllarge", 8) == 0)
					c->options |= MG_ALLLARGE;
				else if (olen == 5 && strncmp(o, "guard", 5) == 0)
					c->options |= MG_GUARD;
				else if (!(olen == 4 && strncmp(o, "none", 4) == 0)) {
					snprintf(err, errlen, "memguard: option '%.*s': "
					    "expected alllarge, guard or none", (int)olen, o);
					return (-1);
				}
				o = sep < end ? sep + 1 : end;
			}
			continue;
		}
		if (memguard_parse_num(v, vlen, &n) != 0) {
			snprintf(err, errlen, "memguard: '%.*s': not a number", (int)len, kv);
			return (-1);
		}
		if (klen == 9 && strncmp(kv, "frequency", 9) == 0 && n <= UINT32_MAX)
			c->frequency = (unsigned)n;
		else if (klen == 7 && strncmp(kv, "minsize", 7) == 0)
			c->minsize = n;
		else if (klen == 7 && strncmp(kv, "divisor", 7) == 0 && n <= UINT32_MAX)
			c->divisor = (unsigned)n;
		else {
			snprintf(err, errlen, "memguard: '%.*s': unknown setting or out of "
			    "range (frequency, minsize, options, divisor)", (int)len, kv);
			return (-1);
		}
	}
	return (memguard_config_check(c, err, errlen));
}

/* ---- the VA range ---- */

/* Reserve the range: physmem / divisor, page-rounded, at least 4 pages.
 * 0, or -1 (no kernel_map, or no VA). */
static int
memguard_reserve(void)
{
	vm_size_t size;
	vm_offset_t va;

	if (mg.min != 0)
		return (0);
	if (kernel_map == NULL)
		return (-1);
	mg.map = kmem_map != NULL ? kmem_map : kernel_map;
	size = round_page(mg.physmem_bytes / mg.cfg.divisor);
	if (size < ptoa((vm_size_t)4))
		size = ptoa((vm_size_t)4);
	if ((va = kmem_alloc_nofault(mg.map, size)) == 0)
		return (-1);
	mg.npages = atop(size);
	mg.owner = malloc(sizeof(*mg.owner) * mg.npages);
	if (mg.owner == NULL)
		panic("memguard: out of host memory");
	for (vm_pindex_t i = 0; i < mg.npages; i++)
		mg.owner[i] = -1;
	mg.min = va;
	mg.max = va + size;
	mg.cursor = 0;
	return (0);
}

/* Forget everything (host memory only). */
static void
memguard_forget(void)
{
	free(mg.owner);
	free(mg.recs);
	memset(&mg, 0, sizeof(mg));
}

void
memguard_init(const struct memguard_config *c, struct prng *prng,
    uint64_t physmem_bytes)
{
	memguard_forget();
	if (c != NULL)
		mg.cfg = *c;
	else
		memguard_config_defaults(&mg.cfg);
	KASSERT(mg.cfg.divisor != 0, ("memguard_init: divisor 0"));
	mg.prng = prng;
	mg.physmem_bytes = physmem_bytes;
	mg.inited = true;
	if (memguard_config_enabled(&mg.cfg))
		(void)memguard_reserve();	/* no VA: nothing is guarded */
}

int
memguard_configure(const struct memguard_config *c)
{
	struct memguard_config old = mg.cfg;
	char err[128];

	if (!mg.inited || memguard_config_check(c, err, sizeof(err)) != 0)
		return (-1);
	mg.cfg = *c;
	if (mg.min != 0)
		mg.cfg.divisor = old.divisor;	/* a boot-time tunable */
	if (memguard_config_enabled(&mg.cfg) && memguard_reserve() != 0) {
		mg.cfg = old;
		return (-1);
	}
	return (0);
}

const struct memguard_config *
memguard_config_get(void)
{
	return (&mg.cfg);
}

/* Unmap and free the npages backed pages at va. */
static void
memguard_unback(vm_offset_t va, vm_pindex_t npages)
{
	const char *oreason = pmap_reason_set("kernel");
	vm_pindex_t i;

	for (i = 0; i < npages; i++) {
		vm_paddr_t pa = pmap_kextract(va + ptoa(i));
		vm_page_t m;

		KASSERT(pa != 0, ("memguard: page %#llx of an allocation is not "
		    "mapped", (unsigned long long)(va + ptoa(i))));
		m = PHYS_TO_VM_PAGE(trunc_page(pa));
		pmap_qremove(va + ptoa(i), 1);
		vm_page_unwire(m, false);
		vm_page_free(m);
	}
	(void)pmap_reason_set(oreason);
	mg.st.pages_mapped -= npages;
}

void
memguard_fini(void)
{
	if (mg.min != 0) {
		for (int r = 0; r < mg.nrecs; r++)
			if (mg.recs[r].owned != 0 && mg.recs[r].live)
				memguard_unback(mg.recs[r].base, mg.recs[r].npages);
		if (kernel_map != NULL)
			kmem_free(mg.map, mg.min, mg.max - mg.min);
	}
	memguard_forget();
}

bool
memguard_owns(vm_offset_t va)
{
	return (mg.min != 0 && va >= mg.min && va < mg.max);
}

/* ---- allocation ---- */

bool
memguard_cmp(const char *type, vm_size_t size)
{
	if (!mg.inited || !memguard_config_enabled(&mg.cfg))
		return (false);
	if (size < mg.cfg.minsize) {
		mg.st.minsize_reject++;
		return (false);
	}
	if ((mg.cfg.options & MG_ALLLARGE) != 0 && size >= PAGE_SIZE)
		return (true);
	if (mg.cfg.frequency > 0 && mg.prng != NULL &&
	    prng_below(mg.prng, MEMGUARD_FREQ_SCALE) < mg.cfg.frequency) {
		mg.st.frequency_hits++;
		return (true);
	}
	return (mg.cfg.desc[0] != '\0' && type != NULL && strcmp(type, mg.cfg.desc) == 0);
}

/* The first run of n pages no live allocation holds in [from, npages),
 * or npages if none. */
static vm_pindex_t
memguard_findspace(vm_pindex_t from, vm_pindex_t n)
{
	vm_pindex_t i, run = 0;

	for (i = from; i < mg.npages; i++) {
		int32_t r = mg.owner[i];

		if (r >= 0 && mg.recs[r].live)
			run = 0;
		else if (++run == n)
			return (i + 1 - n);
	}
	return (mg.npages);
}

/* A free record slot (owned == 0), grown as needed. */
static int
memguard_rec_alloc(void)
{
	int r;

	for (r = 0; r < mg.nrecs; r++)
		if (mg.recs[r].owned == 0)
			return (r);
	if (mg.nrecs == mg.caprecs) {
		int ncap = mg.caprecs ? mg.caprecs * 2 : 32;
		struct memguard_rec *n = realloc(mg.recs, sizeof(*n) * (size_t)ncap);

		if (n == NULL)
			panic("memguard: out of host memory");
		mg.recs = n;
		mg.caprecs = ncap;
	}
	return (mg.nrecs++);
}

static uint64_t
memguard_pc_now(void)
{
	struct event_context *ec = event_context();

	return (ec->pc != NULL ? ec->pc(ec->pc_arg) : 0);
}

vm_offset_t
memguard_alloc(vm_size_t size, const struct memguard_site *site)
{
	vm_page_t ma[64], *pages = ma, m;
	vm_size_t size_p, sz16;
	vm_pindex_t npages, nva, start, i;
	struct memguard_rec *rec;
	bool guard;
	int r;

	if (mg.min == 0)
		return (0);
	size_p = round_page(size != 0 ? size : 1);
	npages = atop(size_p);
	guard = (mg.cfg.options & MG_GUARD) != 0;
	nva = npages + (guard ? 2 : 0);
	if (nva > mg.npages) {
		mg.st.fail_kva++;
		return (0);
	}
	start = memguard_findspace(mg.cursor, nva);
	if (start == mg.npages) {
		if (mg.cursor == 0 ||
		    (start = memguard_findspace(0, nva)) == mg.npages) {
			mg.st.fail_kva++;
			return (0);
		}
		mg.st.wraps++;
	}
	if (npages > nitems(ma) && (pages = calloc(npages, sizeof(*pages))) == NULL)
		panic("memguard: out of host memory");
	for (i = 0; i < npages; i++) {
		m = vm_page_alloc(NULL, 0, VM_ALLOC_NOOBJ | VM_ALLOC_WIRED | VM_ALLOC_ZERO);
		if (m == NULL) {
			while (i-- > 0) {
				vm_page_unwire(pages[i], false);
				vm_page_free(pages[i]);
			}
			if (pages != ma)
				free(pages);
			mg.st.fail_pages++;
			return (0);
		}
		m->valid = 1;
		pages[i] = m;
	}
	/* The VA's older (freed) owners give it up. */
	r = memguard_rec_alloc();
	for (i = start; i < start + nva; i++) {
		int32_t o = mg.owner[i];

		if (o >= 0) {
			KASSERT(!mg.recs[o].live && mg.recs[o].owned > 0,
			    ("memguard_alloc: page %llu of a live record",
			    (unsigned long long)i));
			mg.recs[o].owned--;
		}
		mg.owner[i] = r;
	}
	rec = &mg.recs[r];
	memset(rec, 0, sizeof(*rec));
	rec->va_start = mg.min + ptoa(start);
	rec->npages_va = nva;
	rec->base = rec->va_start + (guard ? PAGE_SIZE : 0);
	rec->npages = npages;
	rec->size = size;
	rec->addr = rec->base;
	if (size < PAGE_SIZE) {
		sz16 = roundup2(size != 0 ? size : 1, 16);
		rec->addr = rec->base + PAGE_SIZE - sz16;
		mg.st.allocs_lt_page++;
	}
	snprintf(rec->type, sizeof(rec->type), "%s", site != NULL && site->type != NULL ?
	    site->type : "?");
	{
		const char *f = site != NULL && site->file != NULL ? site->file : "?";
		const char *slash = strrchr(f, '/');

		snprintf(rec->file, sizeof(rec->file), "%s", slash != NULL ? slash + 1 : f);
	}
	rec->line = site != NULL ? site->line : 0;
	rec->pc = memguard_pc_now();
	rec->live = true;
	rec->owned = nva;
	{
		const char *oreason = pmap_reason_set("kernel");

		pmap_qenter(rec->base, pages, (int)npages);
		(void)pmap_reason_set(oreason);
	}
	if (pages != ma)
		free(pages);
	mg.cursor = start + nva;
	mg.st.allocs++;
	mg.st.live++;
	mg.st.pages_mapped += npages;
	return (rec->addr);
}

/* The record owning va's page, or NULL. */
static struct memguard_rec *
memguard_rec_of(vm_offset_t va)
{
	int32_t r;

	if (!memguard_owns(va))
		return (NULL);
	r = mg.owner[atop(va - mg.min)];
	return (r >= 0 ? &mg.recs[r] : NULL);
}

/* "type=NAME site=FILE:LINE size=N pc=0x..." of rec. */
static void
memguard_describe(const struct memguard_rec *rec, char *buf, size_t len)
{
	if (rec == NULL) {
		snprintf(buf, len, "type=? site=? size=0 pc=0x0");
		return;
	}
	snprintf(buf, len, "type=%s site=%s:%d size=%llu pc=0x%llx", rec->type, rec->file,
	    rec->line, (unsigned long long)rec->size, (unsigned long long)rec->pc);
}

static void
memguard_event(const char *type, vm_offset_t va, const struct memguard_rec *rec,
    char *detail, size_t detaillen)
{
	struct event ev = event_make(EV_MEMGUARD, type, va);

	memguard_describe(rec, ev.detail, sizeof(ev.detail));
	mg.st.events++;
	if (detail != NULL)
		snprintf(detail, detaillen, "%s", ev.detail);
	event_emit(&ev, 0);
}

int
memguard_free(vm_offset_t addr)
{
	struct memguard_rec *rec = memguard_rec_of(addr);

	KASSERT(memguard_owns(addr), ("memguard_free: %#llx is not memguard's",
	    (unsigned long long)addr));
	if (pmap_kextract(trunc_page(addr)) == 0) {
		/* FreeBSD: panic("MemGuard detected double-free of %p"). */
		memguard_event("double_free", addr, rec, NULL, 0);
		return (MEMGUARD_FREE_DOUBLE);
	}
	if (rec == NULL || !rec->live || rec->addr != addr) {
		memguard_event("wild", addr, rec, NULL, 0);
		return (MEMGUARD_FREE_BADPTR);
	}
	memguard_unback(rec->base, rec->npages);
	rec->live = false;
	mg.st.frees++;
	mg.st.live--;
	return (MEMGUARD_FREE_OK);
}

vm_size_t
memguard_get_req_size(vm_offset_t addr)
{
	struct memguard_rec *rec = memguard_rec_of(addr);

	return (rec != NULL && rec->live && rec->addr == addr ? rec->size : 0);
}

const char *
memguard_fault(vm_offset_t va, bool store, char *detail, size_t detaillen)
{
	struct memguard_rec *rec = memguard_rec_of(va);
	const char *type;

	(void)store;
	KASSERT(memguard_owns(va), ("memguard_fault: %#llx is not memguard's",
	    (unsigned long long)va));
	if (rec == NULL)
		type = "wild";
	else if (!rec->live)
		type = "use_after_free";
	else if (va >= rec->base + ptoa(rec->npages))
		type = "overrun";
	else if (va < rec->base)
		type = "underrun";
	else
		type = "wild";		/* a backed page: cannot fault */
	memguard_event(type, va, rec, detail, detaillen);
	return (type);
}

void
memguard_stats(struct memguard_stats *st)
{
	*st = mg.st;
	st->va_min = mg.min;
	st->va_max = mg.max;
	st->cursor = mg.min != 0 ? mg.min + ptoa(mg.cursor) : 0;
}
