/*
 * sim/lua_kernel.h — `m.kernel` of the Lua API (sim/lua_kernel.c); private
 * to sim/lua.c and sim/lua_kernel.c.
 */
#ifndef SIM_LUA_KERNEL_H
#define SIM_LUA_KERNEL_H

#include "sim/machine.h"

struct lua_State;

/* Push m.kernel: a table of closures over the machine at machine_idx. */
void lua_kernel_push(struct lua_State *L, int machine_idx);
/* The open machine at idx (lua.c: an error if it is closed, or when
 * called from an event callback or until()). */
struct machine *lua_kernel_machine(struct lua_State *L, int idx);

#endif
