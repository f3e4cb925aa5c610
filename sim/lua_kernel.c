/*
 * sim/lua_kernel.c — `m.kernel`, the Lua API's door into the simulated
 * kernel's memory services (docs/lua-api.md "The kernel table"), so that
 * labs can drive them the way OS/161's in-kernel tests km1-km5 drive its
 * allocator: kmem_alloc_attr and kmem_alloc_contig on kernel_map, malloc(9)
 * and free by type, memguard's knobs, kernel memory read and written
 * through the MMU model (CPU 0's TLB and D-cache, so memguard sees the
 * accesses), vm_lowmem, the malloc statistics, vm_object_print.
 *
 * Each function is a closure over the machine (upvalue 1); lua.c's
 * machine __index builds the table on `m.kernel` (lua_kernel_push) and
 * hands in the machine check (lua_kernel_machine).
 */
#include "sim/lua_kernel.h"
#include "mmu/mmu.h"
#include "sim/base/event.h"
#include "sim/kern/kern.h"
#include "sim/kern/malloc.h"
#include "vm/memguard.h"
#include "vm/pmap.h"
#include "vm/vm_kern.h"
#include "vm/vm_object.h"
#include "vm/vm_page.h"
#include "vm/vm_pageout.h"

#include <lauxlib.h>
#include <lua.h>

#include <stdlib.h>
#include <string.h>

#define LK_MAX_PEEK	(1 << 20)	/* bytes per peek/poke */

static struct machine *
lk_machine(lua_State *L)
{
	return lua_kernel_machine(L, lua_upvalueindex(1));
}

/* The failure convention: nil and a message. */
static int
lk_fail(lua_State *L, const char *msg)
{
	lua_pushnil(L);
	lua_pushstring(L, msg);
	return 2;
}

static vm_memattr_t
lk_memattr(lua_State *L, int t)
{
	const char *name;

	if (lua_getfield(L, t, "memattr") == LUA_TNIL) {
		lua_pop(L, 1);
		return VM_MEMATTR_DEFAULT;
	}
	name = lua_tostring(L, -1);
	for (vm_memattr_t ma = 0; name != NULL && ma < VM_MEMATTR_COUNT; ma++)
		if (strcmp(name, vm_memattr_name(ma)) == 0) {
			lua_pop(L, 1);
			return ma;
		}
	return (vm_memattr_t)luaL_error(L, "memattr: expected \"WB\", \"WT\", \"WC\", "
	    "\"UC\" or \"UC-\", got %s", name != NULL ? name : luaL_typename(L, -1));
}

/* An unsigned field of table t (def when absent). */
static uint64_t
lk_uint(lua_State *L, int t, const char *key, uint64_t def)
{
	lua_Integer v;
	int isint;

	if (lua_getfield(L, t, key) == LUA_TNIL) {
		lua_pop(L, 1);
		return def;
	}
	v = lua_tointegerx(L, -1, &isint);
	if (!isint || v < 0)
		luaL_error(L, "%s: expected a non-negative integer, got %s", key,
		    luaL_typename(L, -1));
	lua_pop(L, 1);
	return (uint64_t)v;
}

/* kmem_alloc_attr{size=, low=, high=, memattr=} / kmem_alloc_contig{...,
 * align=, boundary=}: the kernel VA, or nil and a message. */
static int
lk_alloc(lua_State *L, bool contig)
{
	struct machine *m = lk_machine(L);
	uint64_t mem = machine_config_of(m)->mem_bytes, size, low, high, align, boundary;
	vm_memattr_t ma;
	vm_offset_t va;

	luaL_checktype(L, 1, LUA_TTABLE);
	size = lk_uint(L, 1, "size", 0);
	low = lk_uint(L, 1, "low", 0);
	high = lk_uint(L, 1, "high", mem - 1);
	align = contig ? lk_uint(L, 1, "align", 0) : 0;
	boundary = contig ? lk_uint(L, 1, "boundary", 0) : 0;
	ma = lk_memattr(L, 1);
	if (size == 0 || size > mem)
		return luaL_error(L, "size: expected 1 to %d bytes", (int)MIN(mem, INT32_MAX));
	if ((align & (align - 1)) != 0 || (boundary & (boundary - 1)) != 0)
		return luaL_error(L, "align and boundary must be powers of two (or 0)");
	va = contig ? kmem_alloc_contig(kernel_map, size, M_WAITOK | M_ZERO, low, high,
	    align, boundary, ma) : kmem_alloc_attr(kernel_map, size, M_WAITOK | M_ZERO, low,
	    high, ma);
	if (va == 0) {
		return lk_fail(L, "no memory");
	}
	lua_pushinteger(L, (lua_Integer)va);
	return 1;
}

static int
lk_kmem_alloc_attr(lua_State *L)
{
	return lk_alloc(L, false);
}

static int
lk_kmem_alloc_contig(lua_State *L)
{
	return lk_alloc(L, true);
}

/* kmem_free(va, size) */
static int
lk_kmem_free(lua_State *L)
{
	(void)lk_machine(L);
	kmem_free(kernel_map, (vm_offset_t)luaL_checkinteger(L, 1),
	    (vm_size_t)luaL_checkinteger(L, 2));
	return 0;
}

/* pa(va): the physical address kernel va maps to, or nil; its memattr. */
static int
lk_pa(lua_State *L)
{
	vm_paddr_t pa;
	vm_page_t pg;

	(void)lk_machine(L);
	pa = pmap_kextract((vm_offset_t)luaL_checkinteger(L, 1));
	if (pa == 0) {
		lua_pushnil(L);
		return 1;
	}
	lua_pushinteger(L, (lua_Integer)pa);
	pg = PHYS_TO_VM_PAGE(trunc_page(pa));
	lua_pushstring(L, pg != NULL ? vm_memattr_name(pg->memattr) : "?");
	return 2;
}

static struct malloc_type *
lk_type(lua_State *L, int idx)
{
	const char *name = luaL_checkstring(L, idx);
	struct malloc_type *mtp = malloc_type_lookup(name);

	if (mtp == NULL && (mtp = malloc_type_create(name)) == NULL)
		luaL_error(L, "malloc type \"%s\": no such type, and none can be made", name);
	return mtp;
}

/* After a kernel operation: nil, "panic: ..." when the kernel panicked. */
static int
lk_panicked(lua_State *L, struct machine *m)
{
	if (!machine_panicked(m))
		return 0;
	lua_pushnil(L);
	lua_pushfstring(L, "panic: %s", machine_kernel(m)->panicmsg);
	return 2;
}

/* malloc(type, size): the kernel VA (a new type is made on first use). */
static int
lk_malloc(lua_State *L)
{
	struct machine *m = lk_machine(L);
	struct malloc_type *mtp = lk_type(L, 1);
	lua_Integer size = luaL_checkinteger(L, 2);
	vm_offset_t va;

	luaL_argcheck(L, size > 0 && size <= (1 << 24), 2, "size: 1 to 16 MiB");
	va = kmalloc_at((size_t)size, mtp, M_WAITOK, "lua", 0);
	if (lk_panicked(L, m))
		return 2;
	if (va == 0) {
		return lk_fail(L, "no memory");
	}
	lua_pushinteger(L, (lua_Integer)va);
	return 1;
}

/* free(va, type): true, or nil and "panic: ..." (memguard: double free). */
static int
lk_free(lua_State *L)
{
	struct machine *m = lk_machine(L);
	vm_offset_t va = (vm_offset_t)luaL_checkinteger(L, 1);
	struct malloc_type *mtp = lk_type(L, 2);

	(void)kfree(va, mtp);
	if (lk_panicked(L, m))
		return 2;
	lua_pushboolean(L, 1);
	return 1;
}

/* memguard{desc=, frequency=, minsize=, options=, divisor=} */
static int
lk_memguard(lua_State *L)
{
	struct memguard_config c;
	char err[160];

	(void)lk_machine(L);
	luaL_checktype(L, 1, LUA_TTABLE);
	c = *memguard_config_get();
	if (lua_getfield(L, 1, "desc") != LUA_TNIL)
		snprintf(c.desc, sizeof(c.desc), "%s", luaL_checkstring(L, -1));
	lua_pop(L, 1);
	c.frequency = (unsigned)lk_uint(L, 1, "frequency", c.frequency);
	c.minsize = lk_uint(L, 1, "minsize", c.minsize);
	c.divisor = (unsigned)lk_uint(L, 1, "divisor", c.divisor);
	if (lua_getfield(L, 1, "options") != LUA_TNIL) {
		struct memguard_config o;
		char spec[64];

		snprintf(spec, sizeof(spec), "x,options=%s", luaL_checkstring(L, -1));
		memguard_config_defaults(&o);
		if (memguard_config_parse(&o, spec, err, sizeof(err)) != 0)
			return luaL_error(L, "memguard: %s", err);
		c.options = o.options;
	}
	lua_pop(L, 1);
	if (memguard_config_check(&c, err, sizeof(err)) != 0 || memguard_configure(&c) != 0)
		return luaL_error(L, "memguard: %s", memguard_config_check(&c, err,
		    sizeof(err)) != 0 ? err : "cannot be configured now");
	return 0;
}

/* peek(va, n): the bytes as a string, or nil and "panic: ..." */
static int
lk_peek(lua_State *L)
{
	struct machine *m = lk_machine(L);
	vm_offset_t va = (vm_offset_t)luaL_checkinteger(L, 1);
	lua_Integer n = luaL_checkinteger(L, 2);
	char *buf;

	luaL_argcheck(L, n >= 0 && n <= LK_MAX_PEEK, 2, "0 to 1 MiB");
	buf = malloc((size_t)n + 1);
	if (buf == NULL)
		return luaL_error(L, "out of host memory");
	if (kern_kmem_copyin(machine_kernel(m), machine_cpu(m, 0), va, buf, (size_t)n) != 0) {
		free(buf);
		if (lk_panicked(L, m))
			return 2;
		return lk_fail(L, "fault");
	}
	lua_pushlstring(L, buf, (size_t)n);
	free(buf);
	return 1;
}

/* poke(va, s): true, or nil and "panic: ..." */
static int
lk_poke(lua_State *L)
{
	struct machine *m = lk_machine(L);
	vm_offset_t va = (vm_offset_t)luaL_checkinteger(L, 1);
	size_t n;
	const char *s = luaL_checklstring(L, 2, &n);

	luaL_argcheck(L, n <= LK_MAX_PEEK, 2, "at most 1 MiB");
	if (kern_kmem_copyout(machine_kernel(m), machine_cpu(m, 0), va, s, n) != 0) {
		if (lk_panicked(L, m))
			return 2;
		return lk_fail(L, "fault");
	}
	lua_pushboolean(L, 1);
	return 1;
}

/* lowmem(): raise vm_lowmem (its handlers log what they freed). */
static int
lk_lowmem(lua_State *L)
{
	(void)lk_machine(L);
	vm_lowmem_raise(0);
	return 0;
}

/* malloc_stats(): { [type] = { requests=, frees=, ... } } */
static int
lk_malloc_stats(lua_State *L)
{
	(void)lk_machine(L);
	lua_newtable(L);
	for (struct malloc_type *t = malloc_type_first(); t != NULL; t = t->next) {
		lua_createtable(L, 0, 6);
		lua_pushinteger(L, (lua_Integer)t->stats.requests);
		lua_setfield(L, -2, "requests");
		lua_pushinteger(L, (lua_Integer)t->stats.frees);
		lua_setfield(L, -2, "frees");
		lua_pushinteger(L, (lua_Integer)t->stats.failures);
		lua_setfield(L, -2, "failures");
		lua_pushinteger(L, (lua_Integer)t->stats.bytes_inuse);
		lua_setfield(L, -2, "bytes_inuse");
		lua_pushinteger(L, (lua_Integer)t->stats.high_water);
		lua_setfield(L, -2, "high_water");
		lua_pushinteger(L, (lua_Integer)t->stats.guarded);
		lua_setfield(L, -2, "guarded");
		lua_setfield(L, -2, t->name);
	}
	return 1;
}

/* vm_object_print(obj): obj an object table of p:maps() (its id) or an
 * id; the object and its shadow chain, one line each. */
static int
lk_vm_object_print(lua_State *L)
{
	lua_Integer id;
	struct vm_object *o;
	luaL_Buffer b;
	int depth = 0;

	(void)lk_machine(L);
	if (lua_istable(L, 1)) {
		lua_getfield(L, 1, "id");
		id = luaL_checkinteger(L, -1);
		lua_pop(L, 1);
	} else {
		id = luaL_checkinteger(L, 1);
	}
	for (o = vm_object_first(); o != NULL && (lua_Integer)o->id != id; o = vm_object_next(o))
		;
	if (o == NULL) {
		return lk_fail(L, "no such object");
	}
	luaL_buffinit(L, &b);
	for (; o != NULL && depth < 64; o = o->backing_object, depth++) {
		char desc[256];

		vm_object_describe(o, desc, sizeof(desc));
		lua_pushfstring(L, "%*s%s\n", 2 * depth, "", desc);
		luaL_addvalue(&b);
	}
	luaL_pushresult(&b);
	return 1;
}

void
lua_kernel_push(lua_State *L, int machine_idx)
{
	static const luaL_Reg fns[] = {
		{ "kmem_alloc_attr", lk_kmem_alloc_attr },
		{ "kmem_alloc_contig", lk_kmem_alloc_contig },
		{ "kmem_free", lk_kmem_free },
		{ "pa", lk_pa },
		{ "malloc", lk_malloc },
		{ "free", lk_free },
		{ "memguard", lk_memguard },
		{ "peek", lk_peek },
		{ "poke", lk_poke },
		{ "lowmem", lk_lowmem },
		{ "malloc_stats", lk_malloc_stats },
		{ "vm_object_print", lk_vm_object_print },
		{ NULL, NULL }
	};

	machine_idx = lua_absindex(L, machine_idx);
	lua_createtable(L, 0, (int)nitems(fns) - 1);
	for (const luaL_Reg *f = fns; f->name != NULL; f++) {
		lua_pushvalue(L, machine_idx);
		lua_pushcclosure(L, f->func, 1);
		lua_setfield(L, -2, f->name);
	}
}
