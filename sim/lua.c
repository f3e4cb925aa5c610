/*
 * sim/lua.c — Lua 5.4 scenarios: `vmsim run SCRIPT.lua`, and the vmsim
 * module through which a script builds a machine, starts programs, reacts
 * to events, looks inside (maps, page tables, TLBs, caches, memory) and
 * asserts (DESIGN.md section 8; the API is docs/lua-api.md).
 *
 * The bindings follow Lua's own liolib.c (Lua 5.4 reference manual,
 * section 4 and 5): one luaopen_vmsim returning one table, every userdata
 * type with a metatable made by luaL_newmetatable and checked with
 * luaL_checkudata, methods in luaL_Reg tables, arguments checked with
 * luaL_check* / luaL_argerror.  A script runs under lua_pcall with a
 * message handler that adds a traceback, so any script error is a message
 * with file:line, never a crash.
 *
 * Userdata:
 *   vmsim.machine  struct lmachine: the machine, its event dispatch, its
 *                  trace.  User value 1: a table {handlers = {kind =
 *                  {fn...}}, procs = {pid = process}}; user value 2: the
 *                  error a callback raised, until m:run re-raises it.
 *   vmsim.process  struct lproc: a pid; user value 1: its machine.
 *   vmsim.cpu      struct lcpu: a CPU number; user value 1: its machine.
 *
 * One machine at a time: the simulator's VM and event state are global
 * (sim/base/event.c), so building a second machine while one is open is
 * an error (after a full garbage collection has closed the unreachable
 * ones).  Event callbacks run inside the simulation (the event sink): they
 * may inspect but not run, spawn, poke or close; an error in one stops
 * the run after the current slice and comes out of m:run.
 *
 * --trace records the first machine the scenario builds, as `vmsim exec`
 * records its one (sim/run.c): the run row with that machine's
 * configuration and the command line, the script and every module it
 * requires (blob role "scenario"), every program spawned ("binary") and
 * file read ("file"), the events, counter samples and totals, the
 * processes.  `vmsim replay` runs the script again from the trace
 * (scenario_replay below).
 */
#include "sim/lua.h"
#include "sim/lua_kernel.h"
#include "cpu/cpu.h"
#include "mmu/cache.h"
#include "mmu/mmu.h"
#include "sim/base/event.h"
#include "sim/kern/kern.h"
#include "sim/machine.h"
#include "sim/tools.h"
#include "sim/trace.h"
#include "vm/pmap.h"
#include "vm/swap_pager.h"
#include "vm/vm_map.h"
#include "vm/vm_object.h"
#include "vm/vm_page.h"
#include "vm/vm_pageout.h"

#include <lauxlib.h>
#include <lua.h>
#include <lualib.h>

#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define MT_MACHINE	"vmsim.machine"
#define MT_PROCESS	"vmsim.process"
#define MT_CPU		"vmsim.cpu"
#define MT_ASSERT	"vmsim.assertion"	/* the error value of a failed assert */
#define MT_STOP		"vmsim.replay_stop"	/* replay has what it needs: unwind */
#define REG_SCENARIO	"vmsim.scenario"	/* light userdata: struct scenario */

#define LUA_MAX_ARGV	256		/* guest argv entries from a script */
#define LUA_MAX_SOURCES	64		/* script + modules recorded */
#define LUA_MAX_PEEK	(16u << 20)	/* p:peek length limit */
#define LUA_MAX_DISASM	1000		/* m:disasm instruction limit */
#define LUA_MAX_SWAP	(4ull << 30)	/* machine{swap=} limit, as memory's */
#define LUA_MAX_UID	0xfffffffeu	/* uid limit ((uid_t)-1 means "none") */
#define PROGRESS_SLICES	256		/* slices between progress lines */

/* ---- the scenario: one `vmsim run` (or one replay of it) ------------- */

struct lmachine;

struct scenario {
	const char *name;		/* the script as given */
	char *dir;			/* its directory, for require */
	const char *trace_path;		/* --trace, or NULL */
	uint64_t sample_cycles;
	const char *cmdline_json;	/* the vmsim command line (JSON array) */
	bool traced;			/* the traced machine has been built */
	const struct scenario_replay *replay;	/* replay mode, or NULL */
	struct lmachine *open;		/* the machine open now, or NULL */
	bool trace_error;		/* recording failed: exit 2 */
	struct {			/* sources to record: the script, modules */
		char *name;
		char *src;
		size_t len;
	} srcs[LUA_MAX_SOURCES];
	int nsrcs;
};

/* Output captured from the guest (output = "capture"). */
struct lout {
	int pid;
	char *buf;
	size_t len, cap;
};

/* What m:run is waiting for (between slices). */
struct runctl {
	lua_State *L;
	int until_idx;			/* stack index of the until function, or 0 */
	int mach_idx;			/* stack index of the machine */
	uint64_t cycles_target;		/* CPU 0 cycles to stop at, or 0 */
	bool progress;			/* print a progress line (on a terminal) */
	uint64_t slices;
	bool until_hit;
};

struct lmachine {
	struct machine *m;		/* NULL once closed */
	struct scenario *sc;
	lua_State *L;			/* the thread running the machine now */
	int uidx;			/* stack index of this userdata in L */
	bool in_callback;		/* inside an event callback or until() */
	bool busy;			/* inside m:run / m:step */
	bool cb_error;			/* a callback failed: user value 2 */
	bool want_all;			/* handlers for "*" */
	bool want[EV_KIND_COUNT];
	uint64_t nevents;
	struct runctl *ctl;
	/* Tracing (the first machine of a --trace run) and replay. */
	struct trace *tr;
	bool replayed;			/* the machine replay checks */
	int nspawn;			/* spawns so far */
	bool failed;			/* a run failed (trace status) */
	char failmsg[256];
	struct lspawn {			/* what was spawned, for the process table */
		int pid, ppid;
		char *path, *argv_json;
	} *spawns;
	int nspawns;
	/* Exit statuses seen (the kernel may reap a process). */
	struct lexit {
		int pid, status;
	} *exits;
	int nexits;
	char *root;			/* the configuration's root directory */
	bool capture;			/* output = "capture" */
	struct lout *outs;
	int nouts;
};

struct lproc {
	int pid;
};

struct lcpu {
	int cpu;
};

static struct scenario *
scn_get(lua_State *L)
{
	struct scenario *sc;

	lua_getfield(L, LUA_REGISTRYINDEX, REG_SCENARIO);
	sc = lua_touserdata(L, -1);
	lua_pop(L, 1);
	return sc;
}

/* Record a source (the script or a module) for the trace. */
static void
scn_add_source(struct scenario *sc, const char *name, const char *src, size_t len)
{
	if (sc == NULL || sc->nsrcs == LUA_MAX_SOURCES)
		return;
	sc->srcs[sc->nsrcs].name = strdup(name);
	sc->srcs[sc->nsrcs].src = malloc(len ? len : 1);
	if (sc->srcs[sc->nsrcs].name == NULL || sc->srcs[sc->nsrcs].src == NULL) {
		free(sc->srcs[sc->nsrcs].name);
		free(sc->srcs[sc->nsrcs].src);
		return;
	}
	memcpy(sc->srcs[sc->nsrcs].src, src, len);
	sc->srcs[sc->nsrcs].len = len;
	if (sc->open != NULL && sc->open->tr != NULL)
		(void)trace_add_blob(sc->open->tr, "scenario", name, src, len, NULL);
	sc->nsrcs++;
}

/* ---- errors ------------------------------------------------------------ */

/*
 * The message handler of every protected call: a failed assert (a table
 * with metatable vmsim.assertion) gets its traceback as field
 * "traceback" and stays a table; anything else becomes a string with a
 * traceback (once: an error re-raised from m:run keeps the callback's).
 */
static int
lua_msgh(lua_State *L)
{
	const char *msg;

	if (luaL_testudata(L, 1, MT_STOP) != NULL)
		return 1;
	if (lua_istable(L, 1) && lua_getmetatable(L, 1)) {
		luaL_getmetatable(L, MT_ASSERT);
		if (lua_rawequal(L, -1, -2)) {
			lua_pop(L, 2);
			if (lua_getfield(L, 1, "traceback") == LUA_TNIL) {
				lua_getfield(L, 1, "message");
				luaL_traceback(L, L, lua_tostring(L, -1), 1);
				lua_setfield(L, 1, "traceback");
			}
			lua_pop(L, 1);
			lua_settop(L, 1);
			return 1;
		}
		lua_pop(L, 2);
	}
	msg = lua_tostring(L, 1);
	if (msg == NULL) {
		if (luaL_callmeta(L, 1, "__tostring") && lua_type(L, -1) == LUA_TSTRING)
			msg = lua_tostring(L, -1);
		else
			msg = lua_pushfstring(L, "(error object is a %s value)",
			    luaL_typename(L, 1));
	}
	if (strstr(msg, "\nstack traceback:") != NULL) {
		lua_pushstring(L, msg);
		return 1;
	}
	luaL_traceback(L, L, msg, 1);
	return 1;
}

/* assert(v [, message]): as Lua's, but a failure is tagged (exit 1). */
static int
lua_vmsim_assert(lua_State *L)
{
	const char *msg;

	luaL_checkany(L, 1);
	if (lua_toboolean(L, 1)) {
		return lua_gettop(L);
	}
	msg = luaL_optstring(L, 2, "assertion failed!");
	lua_createtable(L, 0, 2);
	luaL_where(L, 1);
	lua_pushfstring(L, "%sassertion failed: %s", lua_tostring(L, -1), msg);
	lua_setfield(L, -3, "message");
	lua_pop(L, 1);
	luaL_setmetatable(L, MT_ASSERT);
	return lua_error(L);
}

static int
assert_tostring(lua_State *L)
{
	lua_getfield(L, 1, "message");
	return 1;
}

/* Unwind the scenario: the replay needs no more of it. */
static int
scn_stop(lua_State *L)
{
	lua_newuserdatauv(L, 1, 0);
	luaL_setmetatable(L, MT_STOP);
	return lua_error(L);
}

/* ---- small helpers ------------------------------------------------------ */

static void
set_int(lua_State *L, const char *k, lua_Integer v)
{
	lua_pushinteger(L, v);
	lua_setfield(L, -2, k);
}

static void
set_bool(lua_State *L, const char *k, bool v)
{
	lua_pushboolean(L, v);
	lua_setfield(L, -2, k);
}

static void
set_str(lua_State *L, const char *k, const char *v)
{
	lua_pushstring(L, v);
	lua_setfield(L, -2, k);
}

static void
prot_string(vm_prot_t prot, char out[4])
{
	out[0] = prot & VM_PROT_READ ? 'r' : '-';
	out[1] = prot & VM_PROT_WRITE ? 'w' : '-';
	out[2] = prot & VM_PROT_EXECUTE ? 'x' : '-';
	out[3] = '\0';
}

/* An address argument: a non-negative integer. */
static uint64_t
check_addr(lua_State *L, int arg)
{
	lua_Integer v = luaL_checkinteger(L, arg);

	if (v < 0)
		luaL_argerror(L, arg, "address must not be negative");
	return (uint64_t)v;
}

/* A size: an integer of bytes, or a string like "32M". */
static int
to_size(lua_State *L, int idx, uint64_t *out)
{
	if (lua_type(L, idx) == LUA_TNUMBER) {
		lua_Integer v;
		int isint;

		v = lua_tointegerx(L, idx, &isint);
		if (!isint || v < 0)
			return -1;
		*out = (uint64_t)v;
		return 0;
	}
	if (lua_type(L, idx) == LUA_TSTRING)
		return parse_size(lua_tostring(L, idx), out);
	return -1;
}

/* ---- the machine userdata ------------------------------------------------ */

static struct lmachine *
lm_check_any(lua_State *L, int idx)
{
	return luaL_checkudata(L, idx, MT_MACHINE);
}

static struct lmachine *
lm_check(lua_State *L, int idx)
{
	struct lmachine *lm = lm_check_any(L, idx);

	if (lm->m == NULL)
		luaL_error(L, "the machine is closed");
	return lm;
}

/* Refuse what an event callback may not do. */
static void
lm_not_in_callback(lua_State *L, struct lmachine *lm, const char *what)
{
	if (lm->in_callback)
		luaL_error(L, "%s: not allowed inside an event callback or until()", what);
	if (lm->busy)
		luaL_error(L, "%s: not allowed while the machine runs", what);
}

/* Events may be dispatched from here on: the machine is at idx of L. */
static void
lm_enter(lua_State *L, struct lmachine *lm, int idx)
{
	lm->L = L;
	lm->uidx = lua_absindex(L, idx);
}

static void
lm_leave(struct lmachine *lm)
{
	lm->L = NULL;
	lm->uidx = 0;
}

/* Push the machine's user-value table field name (handlers, procs). */
static void
lm_push_uv(lua_State *L, int midx, const char *name)
{
	lua_getiuservalue(L, midx, 1);
	lua_getfield(L, -1, name);
	lua_remove(L, -2);
}

/* Remember exit statuses (a reaped process keeps its status here):
 * called after every slice, before the kernel reaps (kern_collect). */
static void
lm_note_exits(struct lmachine *lm)
{
	int pids[64], n = machine_pids(lm->m, pids, (int)nitems(pids));

	for (int i = 0; i < n; i++) {
		struct proc *p = machine_proc(lm->m, pids[i]);
		bool known = false;

		if (p == NULL || !p->exited)
			continue;
		for (int j = 0; j < lm->nexits; j++)
			known |= lm->exits[j].pid == pids[i];
		if (!known) {
			struct lexit *ne = realloc(lm->exits, (size_t)(lm->nexits + 1) * sizeof(*ne));

			if (ne == NULL)
				return;
			lm->exits = ne;
			ne[lm->nexits].pid = pids[i];
			ne[lm->nexits].status = machine_exit_status(p);
			lm->nexits++;
		}
	}
}

/* The shell-style exit status of pid: 0 with *status, or -1 (running). */
static int
lm_exit_status(struct lmachine *lm, int pid, int *status)
{
	struct proc *p = lm->m != NULL ? machine_proc(lm->m, pid) : NULL;

	if (p != NULL) {
		if (!p->exited)
			return -1;
		*status = machine_exit_status(p);
		return 0;
	}
	for (int j = 0; j < lm->nexits; j++)
		if (lm->exits[j].pid == pid) {
			*status = lm->exits[j].status;
			return 0;
		}
	return -1;
}

/* A callback failed: keep its error (on top of L), stop after the slice. */
static void
lm_callback_failed(struct lmachine *lm, lua_State *L)
{
	lm->cb_error = true;
	lua_setiuservalue(L, lm->uidx, 2);
	if (lm->busy)
		machine_pause(lm->m);
}

/* Push the event as a table. */
static void
push_event(lua_State *L, struct lmachine *lm, const struct event *ev)
{
	char region[MACHINE_REGION_MAX];

	lua_createtable(L, 0, 12);
	set_int(L, "seq", (lua_Integer)ev->seq);
	set_int(L, "cycle", (lua_Integer)ev->cycle);
	set_int(L, "cpu", ev->cpu);
	set_int(L, "pid", ev->pid);
	set_int(L, "tid", ev->tid);
	set_str(L, "kind", ev_kind_name(ev->kind));
	if (ev->type != NULL)
		set_str(L, "type", ev->type);
	set_int(L, "va", (lua_Integer)ev->va);
	set_int(L, "pa", (lua_Integer)ev->pa);
	set_int(L, "pc", (lua_Integer)ev->pc);
	set_str(L, "detail", ev->detail);
	run_region_label(lm->m, ev, region, sizeof(region));
	set_str(L, "region", region);
}

/* Call the handlers in list (at top of L) with the event table at evi. */
static void
lm_call_list(lua_State *L, struct lmachine *lm, int evi)
{
	lua_Integer n = (lua_Integer)lua_rawlen(L, -1);

	for (lua_Integer i = 1; i <= n && !lm->cb_error; i++) {
		lua_pushcfunction(L, lua_msgh);
		lua_rawgeti(L, -2, i);
		lua_pushvalue(L, evi);
		lm->in_callback = true;
		if (lua_pcall(L, 1, 0, -3) != LUA_OK) {
			lm->in_callback = false;
			lm_callback_failed(lm, L);
			lua_pop(L, 1);		/* the handler */
			return;
		}
		lm->in_callback = false;
		lua_pop(L, 1);
	}
}

/* The event sink: count, dispatch to the Lua handlers. */
static void
lm_sink(void *ctx, const struct event *ev)
{
	struct lmachine *lm = ctx;
	lua_State *L = lm->L;
	int top, evi;

	lm->nevents++;
	if (ev->kind == EV_EXIT)
		lm_note_exits(lm);
	if (L == NULL || lm->cb_error || lm->in_callback ||
	    (unsigned)ev->kind >= EV_KIND_COUNT ||
	    (!lm->want[ev->kind] && !lm->want_all))
		return;
	if (!lua_checkstack(L, 16))
		return;
	top = lua_gettop(L);
	push_event(L, lm, ev);
	evi = lua_gettop(L);
	lm_push_uv(L, lm->uidx, "handlers");
	if (lm->want[ev->kind]) {
		lua_getfield(L, -1, ev_kind_name(ev->kind));
		if (lua_istable(L, -1))
			lm_call_list(L, lm, evi);
		lua_pop(L, 1);
	}
	if (lm->want_all && !lm->cb_error) {
		lua_getfield(L, -1, "*");
		if (lua_istable(L, -1))
			lm_call_list(L, lm, evi);
		lua_pop(L, 1);
	}
	lua_settop(L, top);
}

/* Between slices: progress, cycles, until(). */
static void
lm_slice_hook(void *arg, struct machine *m)
{
	struct lmachine *lm = arg;
	struct runctl *rc = lm->ctl;
	lua_State *L;

	/* Exited processes are reaped before the next slice: keep statuses. */
	lm_note_exits(lm);
	if (rc == NULL || lm->cb_error)
		return;
	L = rc->L;
	rc->slices++;
	if (rc->progress && rc->slices % PROGRESS_SLICES == 0) {
		uint64_t v[MACHINE_NCTR];

		machine_counters(m, v);
		fprintf(stderr, "\r  cycles %llu  instructions %llu  events %llu ",
		    (unsigned long long)v[0], (unsigned long long)v[1],
		    (unsigned long long)lm->nevents);
		fflush(stderr);
	}
	if (rc->cycles_target != 0 && machine_cpu(m, 0)->cycles >= rc->cycles_target) {
		machine_pause(m);
		return;
	}
	if (rc->until_idx != 0) {
		int top = lua_gettop(L);

		lua_pushcfunction(L, lua_msgh);
		lua_pushvalue(L, rc->until_idx);
		lua_pushvalue(L, rc->mach_idx);
		lm->in_callback = true;
		if (lua_pcall(L, 1, 1, top + 1) != LUA_OK) {
			lm->in_callback = false;
			lm_callback_failed(lm, L);
		} else {
			lm->in_callback = false;
			if (lua_toboolean(L, -1)) {
				rc->until_hit = true;
				machine_pause(m);
			}
		}
		lua_settop(L, top);
	}
}

/* Guest output, when captured. */
static void
lm_console(void *arg, int pid, int fd, const void *buf, size_t len)
{
	struct lmachine *lm = arg;
	struct lout *o = NULL;

	(void)fd;
	for (int i = 0; i < lm->nouts; i++)
		if (lm->outs[i].pid == pid)
			o = &lm->outs[i];
	if (o == NULL) {
		struct lout *no = realloc(lm->outs, (size_t)(lm->nouts + 1) * sizeof(*no));

		if (no == NULL)
			return;
		lm->outs = no;
		o = &no[lm->nouts++];
		memset(o, 0, sizeof(*o));
		o->pid = pid;
	}
	if (o->len + len > o->cap) {
		size_t cap = MAX(o->cap * 2, o->len + len + 256);
		char *nb;

		if (cap > (64u << 20) || (nb = realloc(o->buf, cap)) == NULL)
			return;		/* XXX: output beyond 64 MiB is dropped */
		o->buf = nb;
		o->cap = cap;
	}
	memcpy(o->buf + o->len, buf, len);
	o->len += len;
}

/* ---- tracing the first machine -------------------------------------------- */

static void
lm_file_hook(void *arg, const char *path, const void *data, size_t len)
{
	(void)trace_add_blob(arg, "file", path, data, len, NULL);
}

static void
lm_counter_row(void *arg, uint64_t cycle, bool final, const char *scope,
    int64_t id, const char *name, uint64_t value)
{
	(void)trace_counter_row(arg, cycle, final, scope, id, name, value);
}

static void
lm_sampler(void *arg, struct machine *m, uint64_t cycle)
{
	run_counters(m, cycle, false, lm_counter_row, arg);
}

/* Start the trace of lm (just built with cfg).  0, or -1 with a message. */
static int
lm_trace_start(struct lmachine *lm, const struct machine_config *cfg, char *err,
    size_t errlen)
{
	struct scenario *sc = lm->sc;
	struct event_sink sink;
	char *json;

	if (trace_open(&lm->tr, sc->trace_path, err, errlen) != 0)
		return -1;
	json = machine_config_json(cfg);
	if (json == NULL || trace_set_run(lm->tr, VMSIM_VERSION, sim_arch_name(cfg->arch),
	    cfg->seed, json, sc->cmdline_json) != 0 ||
	    trace_set_sampling(lm->tr, sc->sample_cycles) != 0) {
		snprintf(err, errlen, "%s: %s", sc->trace_path,
		    json == NULL ? "out of memory" : trace_errmsg(lm->tr));
		free(json);
		trace_finish(lm->tr, TRACE_FAILED, "could not start", TRACE_NO_STATUS, NULL,
		    err + strlen(err), 0);
		lm->tr = NULL;
		return -1;
	}
	free(json);
	for (int i = 0; i < sc->nsrcs; i++)
		(void)trace_add_blob(lm->tr, "scenario", sc->srcs[i].name, sc->srcs[i].src,
		    sc->srcs[i].len, NULL);
	trace_set_region_fn(lm->tr, run_region_label, lm->m);
	sink = trace_event_sink(lm->tr);
	event_sink_add(&sink);
	machine_set_file_hook(lm->m, lm_file_hook, lm->tr);
	machine_set_sampler(lm->m, sc->sample_cycles, lm_sampler, lm->tr);
	return 0;
}

/* Finish lm's trace: totals, processes, status.  -1 if it failed. */
static int
lm_trace_finish(struct lmachine *lm)
{
	uint64_t tot[MACHINE_NCTR];
	char err[512], *json;
	int64_t status = TRACE_NO_STATUS;
	int rv, st;

	machine_counters(lm->m, tot);
	run_counters(lm->m, tot[0], true, lm_counter_row, lm->tr);
	for (int i = 0; i < lm->nspawns; i++) {
		struct lspawn *s = &lm->spawns[i];

		trace_process(lm->tr, s->pid, s->ppid, s->path, s->argv_json,
		    lm_exit_status(lm, s->pid, &st) == 0 ? st : TRACE_NO_STATUS);
	}
	if (lm->nspawns > 0 && lm_exit_status(lm, lm->spawns[0].pid, &st) == 0)
		status = st;
	json = machine_counters_json(tot);
	event_sinks_clear();
	rv = trace_finish(lm->tr, lm->failed ? TRACE_FAILED : TRACE_COMPLETE,
	    lm->failed ? lm->failmsg : "", status, json, err, sizeof(err));
	lm->tr = NULL;
	free(json);
	if (rv != 0) {
		fprintf(stderr, "vmsim: %s: %s\n", lm->sc->trace_path, err);
		return -1;
	}
	return 0;
}

/* Close the machine: the trace or the replay gets its end, then it goes. */
static void
lm_close(struct lmachine *lm)
{
	if (lm->m == NULL)
		return;
	if (lm->tr != NULL && lm_trace_finish(lm) != 0)
		lm->sc->trace_error = true;
	if (lm->replayed && lm->sc->replay != NULL) {
		int st;
		int64_t status = lm->nspawns > 0 && lm_exit_status(lm, lm->spawns[0].pid,
		    &st) == 0 ? st : INT64_MIN;

		lm->sc->replay->done(lm->sc->replay->arg, lm->m, status, lm->failed,
		    lm->failmsg);
	}
	event_sinks_clear();
	machine_destroy(lm->m);
	lm->m = NULL;
	if (lm->sc->open == lm)
		lm->sc->open = NULL;
	for (int i = 0; i < lm->nspawns; i++) {
		free(lm->spawns[i].path);
		free(lm->spawns[i].argv_json);
	}
	free(lm->spawns);
	lm->spawns = NULL;
	lm->nspawns = 0;
	for (int i = 0; i < lm->nouts; i++)
		free(lm->outs[i].buf);
	free(lm->outs);
	lm->outs = NULL;
	lm->nouts = 0;
	/* exits stay: p.exit_status still answers after close */
}

static int
machine_gc(lua_State *L)
{
	struct lmachine *lm = lm_check_any(L, 1);

	lm_close(lm);
	free(lm->exits);
	lm->exits = NULL;
	lm->nexits = 0;
	free(lm->root);
	lm->root = NULL;
	return 0;
}

/* ---- vmsim.machine{...} --------------------------------------------------- */

static const char *const config_keys[] = {
	"arch", "cpus", "memory", "swap", "seed", "tlb", "l1i", "l1d", "l2",
	"l2_shared", "costs", "root", "bugs", "slice", "max_insns", "output",
	"overcommit", "uid", NULL
};

static int
cfg_error(lua_State *L, const char *key, const char *fmt, ...)
{
	char msg[300];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	return luaL_error(L, "vmsim.machine: %s: %s", key, msg);
}

/* Field key of the table at 1 as an unsigned integer in [lo, hi]. */
static bool
cfg_uint(lua_State *L, int t, const char *key, uint64_t lo, uint64_t hi, uint64_t *out)
{
	lua_Integer v;
	int isint;

	if (lua_getfield(L, t, key) == LUA_TNIL) {
		lua_pop(L, 1);
		return false;
	}
	v = lua_tointegerx(L, -1, &isint);
	if (!isint || v < 0 || (uint64_t)v < lo || (uint64_t)v > hi)
		cfg_error(L, key, "expected an integer from %llu to %llu, got %s",
		    (unsigned long long)lo, (unsigned long long)hi,
		    lua_type(L, -1) == LUA_TNUMBER ? lua_tostring(L, -1) : luaL_typename(L, -1));
	lua_pop(L, 1);
	*out = (uint64_t)v;
	return true;
}

static const char *
cfg_string(lua_State *L, int t, const char *key)
{
	const char *s;

	if (lua_getfield(L, t, key) == LUA_TNIL) {
		lua_pop(L, 1);
		return NULL;
	}
	if (lua_type(L, -1) != LUA_TSTRING)
		cfg_error(L, key, "expected a string, got %s", luaL_typename(L, -1));
	s = lua_tostring(L, -1);
	lua_pop(L, 1);		/* still referenced by the table */
	return s;
}

/* Read vmsim.machine's table (at index 1) into *c. */
static void
cfg_read(lua_State *L, struct machine_config *c, bool *capture, bool replay)
{
	const char *s;
	uint64_t v;
	enum sim_arch arch = ARCH_MIPS;
	char err[200];

	/* Every key must be known. */
	lua_pushnil(L);
	while (lua_next(L, 1) != 0) {
		bool known = false;

		lua_pop(L, 1);
		if (lua_type(L, -1) == LUA_TSTRING)
			for (int i = 0; config_keys[i] != NULL; i++)
				known |= strcmp(lua_tostring(L, -1), config_keys[i]) == 0;
		if (!known) {
			luaL_Buffer b;

			luaL_buffinit(L, &b);
			for (int i = 0; config_keys[i] != NULL; i++) {
				luaL_addstring(&b, i ? ", " : "");
				luaL_addstring(&b, config_keys[i]);
			}
			luaL_pushresult(&b);
			luaL_error(L, "vmsim.machine: unknown key %s (keys: %s)",
			    lua_type(L, -2) == LUA_TSTRING ? lua_tostring(L, -2) :
			    luaL_typename(L, -2), lua_tostring(L, -1));
		}
	}
	s = cfg_string(L, 1, "arch");
	if (s != NULL && tool_arch(s, &arch) != 0)
		cfg_error(L, "arch", "\"%s\": expected \"mips\", \"mipsel\" or \"amd64\"", s);
	machine_config_defaults(c, arch);
	if (cfg_uint(L, 1, "cpus", 1, MACHINE_MAX_CPUS, &v))
		c->ncpus = (unsigned)v;
	if (lua_getfield(L, 1, "memory") != LUA_TNIL) {
		if (to_size(L, -1, &c->mem_bytes) != 0)
			cfg_error(L, "memory", "expected a size like \"32M\" or a number of "
			    "bytes, got %s", lua_type(L, -1) == LUA_TSTRING ?
			    lua_tostring(L, -1) : luaL_typename(L, -1));
	}
	lua_pop(L, 1);
	/* swap: a size (the swap device), or false / 0 for none. */
	switch (lua_getfield(L, 1, "swap")) {
	case LUA_TNIL:
		break;
	case LUA_TBOOLEAN:
		if (lua_toboolean(L, -1))
			cfg_error(L, "swap", "expected a size like \"32M\" (or false for "
			    "none), got true");
		break;
	default:
		if (to_size(L, -1, &c->swap_bytes) != 0 ||
		    c->swap_bytes > LUA_MAX_SWAP || (c->swap_bytes & 4095) != 0)
			cfg_error(L, "swap", "expected a size in whole 4 KiB pages up to "
			    "4G like \"32M\", got %s", lua_type(L, -1) == LUA_TSTRING ||
			    lua_type(L, -1) == LUA_TNUMBER ? lua_tostring(L, -1) :
			    luaL_typename(L, -1));
		break;
	}
	lua_pop(L, 1);
	if (cfg_uint(L, 1, "overcommit", 0, 7, &v))
		c->overcommit = (unsigned)v;
	if (cfg_uint(L, 1, "uid", 0, LUA_MAX_UID, &v))
		c->uid = (uint32_t)v;
	/* bugs: a list of teaching knobs, {"skip-shootdown", ...}. */
	switch (lua_getfield(L, 1, "bugs")) {
	case LUA_TNIL:
		break;
	case LUA_TTABLE:
		for (lua_Integer i = 1; lua_geti(L, -1, i) != LUA_TNIL; i++) {
			const char *name = lua_type(L, -1) == LUA_TSTRING ? lua_tostring(L, -1) : NULL;

			if (name == NULL || machine_bug_bit(name) == 0)
				cfg_error(L, "bugs", "%s: expected \"skip-shootdown\", "
				    "\"kstack-overflow\" or \"pipe-use-after-free\"",
				    name != NULL ? name : luaL_typename(L, -1));
			c->bugs |= machine_bug_bit(name);
			lua_pop(L, 1);
		}
		lua_pop(L, 1);
		break;
	default:
		cfg_error(L, "bugs", "expected a list of names like {\"skip-shootdown\"}, got %s",
		    luaL_typename(L, -1));
	}
	lua_pop(L, 1);
	if (cfg_uint(L, 1, "seed", 0, (uint64_t)LUA_MAXINTEGER, &v))
		c->seed = v;
	if (cfg_uint(L, 1, "slice", 1, (uint64_t)LUA_MAXINTEGER, &v))
		c->slice_insns = v;
	if (cfg_uint(L, 1, "max_insns", 0, (uint64_t)LUA_MAXINTEGER, &v))
		c->max_insns = v;
	switch (lua_getfield(L, 1, "tlb")) {
	case LUA_TNIL:
		break;
	case LUA_TTABLE: {
		int t = lua_gettop(L);
		static const char *const tk[] = { "entries", "wired", "itlb", "dtlb", "stlb", NULL };

		lua_pushnil(L);
		while (lua_next(L, t) != 0) {
			bool known = false;

			lua_pop(L, 1);
			for (int i = 0; tk[i] != NULL && lua_type(L, -1) == LUA_TSTRING; i++)
				known |= strcmp(lua_tostring(L, -1), tk[i]) == 0;
			if (!known)
				cfg_error(L, "tlb", "unknown key %s (keys: entries, wired, "
				    "itlb, dtlb, stlb)", lua_type(L, -1) == LUA_TSTRING ?
				    lua_tostring(L, -1) : luaL_typename(L, -1));
		}
		if (cfg_uint(L, t, "entries", 1, TLB_AMD64_MAX_ENTRIES, &v))
			c->tlb_entries = (unsigned)v;
		if (cfg_uint(L, t, "wired", 0, TLB_MIPS_MAX_ENTRIES, &v))
			c->tlb_wired = (unsigned)v;
		{
			const struct { const char *k; struct tlb_amd64_array_geom *g; } tg[] = {
				{ "itlb", &c->itlb }, { "dtlb", &c->dtlb }, { "stlb", &c->stlb },
			};
			for (size_t i = 0; i < nitems(tg); i++) {
				if ((s = cfg_string(L, t, tg[i].k)) == NULL)
					continue;
				if (arch != ARCH_AMD64)
					cfg_error(L, "tlb", "%s: only amd64 has that TLB level",
					    tg[i].k);
				if (tlb_amd64_geom_parse(s, tg[i].g, err, sizeof(err)) != 0)
					cfg_error(L, "tlb", "%s: %s", tg[i].k, err);
			}
		}
		break;
	}
	default:
		cfg_error(L, "tlb", "expected a table {entries = N, wired = N}, got %s",
		    luaL_typename(L, -1));
	}
	lua_pop(L, 1);
	{
		const struct { const char *k; struct cache_geom *g; } cg[] = {
			{ "l1i", &c->l1i }, { "l1d", &c->l1d }, { "l2", &c->l2 },
		};
		for (size_t i = 0; i < nitems(cg); i++) {
			if ((s = cfg_string(L, 1, cg[i].k)) == NULL)
				continue;
			if (cache_geom_parse(s, cg[i].g, err, sizeof(err)) != 0)
				cfg_error(L, cg[i].k, "%s", err);
		}
	}
	if (lua_getfield(L, 1, "l2_shared") != LUA_TNIL)
		c->l2_shared = lua_toboolean(L, -1) ? 1 : 0;
	lua_pop(L, 1);
	switch (lua_getfield(L, 1, "costs")) {
	case LUA_TNIL:
		break;
	case LUA_TTABLE: {
		int t = lua_gettop(L);

		lua_pushnil(L);
		while (lua_next(L, t) != 0) {
			lua_Integer cv;
			int isint;
			const char *name = lua_type(L, -2) == LUA_TSTRING ? lua_tostring(L, -2) : NULL;

			cv = lua_tointegerx(L, -1, &isint);
			if (name == NULL)
				cfg_error(L, "costs", "keys are cost names (see `vmsim config`), "
				    "got a %s", luaL_typename(L, -2));
			if (!isint || cv < 0 || cv > UINT32_MAX)
				cfg_error(L, "costs", "%s: expected a number of cycles", name);
			if (cost_set(&c->cost, name, (uint32_t)cv) != 0)
				cfg_error(L, "costs", "%s: no such cost (see `vmsim config`)", name);
			lua_pop(L, 1);
		}
		break;
	}
	default:
		cfg_error(L, "costs", "expected a table {name = cycles}, got %s",
		    luaL_typename(L, -1));
	}
	lua_pop(L, 1);
	if ((s = cfg_string(L, 1, "root")) != NULL) {
		struct stat st;

		if (!replay && (stat(s, &st) != 0 || !S_ISDIR(st.st_mode)))
			cfg_error(L, "root", "%s: not a directory", s);
		c->root = s;
	}
	*capture = false;
	if ((s = cfg_string(L, 1, "output")) != NULL) {
		if (strcmp(s, "capture") == 0)
			*capture = true;
		else if (strcmp(s, "show") != 0)
			cfg_error(L, "output", "\"%s\": expected \"show\" or \"capture\"", s);
	}
}

static int
l_machine(lua_State *L)
{
	struct scenario *sc = scn_get(L);
	struct machine_config cfg;
	struct lmachine *lm;
	bool capture;
	char err[512];

	if (lua_isnoneornil(L, 1)) {
		lua_settop(L, 0);
		lua_newtable(L);
	}
	luaL_checktype(L, 1, LUA_TTABLE);
	lua_settop(L, 1);
	if (sc != NULL && sc->open != NULL) {
		if (sc->open->in_callback || sc->open->busy)
			return luaL_error(L, "vmsim.machine: not allowed while a machine runs");
		/* Machines nobody can reach any more are closed by their __gc. */
		lua_gc(L, LUA_GCCOLLECT);
		if (sc->open != NULL)
			return luaL_error(L, "vmsim.machine: another machine is still open "
			    "(vmsim runs one machine at a time): call its close() first");
	}
	if (sc != NULL && sc->replay != NULL && sc->traced)
		return scn_stop(L);	/* replay checks the first machine only */
	/* The config strings (root) must live as long as the machine. */
	cfg_read(L, &cfg, &capture, sc != NULL && sc->replay != NULL);
	lm = lua_newuserdatauv(L, sizeof(*lm), 2);
	memset(lm, 0, sizeof(*lm));
	luaL_setmetatable(L, MT_MACHINE);
	lua_createtable(L, 0, 3);
	lua_newtable(L);
	lua_setfield(L, -2, "handlers");
	lua_newtable(L);
	lua_setfield(L, -2, "procs");
	lua_pushvalue(L, 1);
	lua_setfield(L, -2, "config");	/* keeps cfg.root alive */
	lua_setiuservalue(L, -2, 1);
	lm->sc = sc;
	if (cfg.root != NULL) {
		if ((lm->root = strdup(cfg.root)) == NULL)
			return luaL_error(L, "vmsim.machine: out of memory");
		cfg.root = lm->root;
	}
	if (machine_create(&lm->m, &cfg, err, sizeof(err)) != 0)
		return luaL_error(L, "vmsim.machine: %s", err);
	if (sc != NULL)
		sc->open = lm;
	machine_set_slice_hook(lm->m, lm_slice_hook, lm);
	lm->capture = capture;
	if (capture)
		machine_set_console(lm->m, lm_console, lm);
	if (sc != NULL && !sc->traced && sc->replay != NULL) {
		sc->traced = true;
		lm->replayed = true;
		if (sc->replay->machine(sc->replay->arg, lm->m, err, sizeof(err)) != 0) {
			lm_close(lm);
			return luaL_error(L, "replay: %s", err);
		}
	} else if (sc != NULL && !sc->traced && sc->trace_path != NULL) {
		sc->traced = true;
		if (lm_trace_start(lm, &cfg, err, sizeof(err)) != 0) {
			sc->trace_error = true;
			lm_close(lm);
			return luaL_error(L, "--trace: %s", err);
		}
	}
	{
		struct event_sink sink = { .emit = lm_sink, .ctx = lm };

		event_sink_add(&sink);
	}
	return 1;
}

/* ---- machine methods ---------------------------------------------------- */

static void
push_counters(lua_State *L, const uint64_t *v)
{
	lua_createtable(L, 0, MACHINE_NCTR);
	for (int i = 0; i < MACHINE_NCTR; i++)
		set_int(L, machine_counter_names[i], (lua_Integer)v[i]);
}

static int
m_stats(lua_State *L)
{
	struct lmachine *lm = lm_check(L, 1);
	uint64_t v[MACHINE_NCTR];

	machine_counters(lm->m, v);
	push_counters(L, v);
	set_int(L, "events", (lua_Integer)lm->nevents);
	return 1;
}

/* Push the page daemon's state: its counters, the queues, the swap device. */
static void
push_pageout(lua_State *L)
{
	const struct vm_pageout_stats *ps = vm_pageout_stats();
	struct vm_page_stats st;

	vm_page_stats(&st);
	lua_createtable(L, 0, 20);
	set_int(L, "runs", (lua_Integer)ps->runs);
	set_int(L, "freed", (lua_Integer)ps->freed);
	set_int(L, "swapped_out", (lua_Integer)ps->swapped_out);
	set_int(L, "written_back", (lua_Integer)ps->written_back);
	set_int(L, "deactivated", (lua_Integer)ps->deactivated);
	set_int(L, "reactivated", (lua_Integer)ps->reactivated);
	set_int(L, "clean_failed", (lua_Integer)ps->clean_failed);
	set_int(L, "lowmem", (lua_Integer)vm_lowmem_count());
	set_int(L, "min_free", (lua_Integer)vm_pageout_min_free());
	set_int(L, "target_free", (lua_Integer)vm_pageout_target_free());
	set_int(L, "pages", (lua_Integer)st.npages);
	set_int(L, "free", (lua_Integer)st.free);
	set_int(L, "active", (lua_Integer)st.active);
	set_int(L, "inactive", (lua_Integer)st.inactive);
	set_int(L, "wired", (lua_Integer)st.wired);
	set_int(L, "held", (lua_Integer)st.hold);
	set_int(L, "swap_slots", (lua_Integer)swap_pager_nslots());
	set_int(L, "swap_used", (lua_Integer)swap_pager_used());
	set_int(L, "swap_reserved", (lua_Integer)swap_reserved());
}

/* m:pageout() -> the page daemon's counters and the page queues. */
static int
m_pageout(lua_State *L)
{
	(void)lm_check(L, 1);
	push_pageout(L);
	return 1;
}

/*
 * m:lowmem{pageout = true}: run the page daemon once, as asked for
 * (vm_pageout_run(VM_PAGEOUT_REQUEST): it reclaims only while free pages
 * are below its target, then raises vm_lowmem), or with pageout = false
 * only raise vm_lowmem (the lowmem event and its handlers).  Between runs
 * only; the events are nobody's (pid 0).  Returns m:pageout() with
 * `reclaimed`, the pages this call freed.
 */
static int
m_lowmem(lua_State *L)
{
	struct lmachine *lm = lm_check(L, 1);
	struct event_context *ec = event_context(), saved;
	bool pageout = true;
	unsigned long freed = 0;

	if (!lua_isnoneornil(L, 2)) {
		luaL_checktype(L, 2, LUA_TTABLE);
		lua_pushnil(L);
		while (lua_next(L, 2) != 0) {
			lua_pop(L, 1);
			if (lua_type(L, -1) != LUA_TSTRING ||
			    strcmp(lua_tostring(L, -1), "pageout") != 0)
				luaL_error(L, "lowmem: unknown option %s (options: pageout)",
				    lua_type(L, -1) == LUA_TSTRING ? lua_tostring(L, -1) :
				    luaL_typename(L, -1));
		}
		if (lua_getfield(L, 2, "pageout") != LUA_TNIL) {
			if (lua_type(L, -1) != LUA_TBOOLEAN)
				luaL_error(L, "lowmem: pageout: expected a boolean, got %s",
				    luaL_typename(L, -1));
			pageout = lua_toboolean(L, -1);
		}
		lua_pop(L, 1);
	}
	lm_not_in_callback(L, lm, "lowmem");
	saved = *ec;
	ec->pid = 0;
	ec->tid = 0;
	ec->pc = NULL;
	lm_enter(L, lm, 1);
	if (pageout)
		freed = vm_pageout_run(VM_PAGEOUT_REQUEST);
	else
		vm_lowmem_raise(0);
	lm_leave(lm);
	*ec = saved;
	if (lm->cb_error) {
		lm->cb_error = false;
		lua_getiuservalue(L, 1, 2);
		lua_pushnil(L);
		lua_setiuservalue(L, 1, 2);
		return lua_error(L);
	}
	push_pageout(L);
	set_int(L, "reclaimed", (lua_Integer)freed);
	return 1;
}

/* Push the process object of pid (cached in the machine's procs table). */
static void
push_process(lua_State *L, int midx, int pid)
{
	struct lproc *lp;

	midx = lua_absindex(L, midx);
	lm_push_uv(L, midx, "procs");
	if (lua_rawgeti(L, -1, pid) == LUA_TUSERDATA) {
		lua_remove(L, -2);
		return;
	}
	lua_pop(L, 1);
	lp = lua_newuserdatauv(L, sizeof(*lp), 1);
	lp->pid = pid;
	luaL_setmetatable(L, MT_PROCESS);
	lua_pushvalue(L, midx);
	lua_setiuservalue(L, -2, 1);
	lua_pushvalue(L, -1);
	lua_rawseti(L, -3, pid);
	lua_remove(L, -2);
}

static char *
json_argv(int argc, char **argv)
{
	return run_json_argv(argc, argv);
}

/* Linux resource numbers by name (prlimit64). */
static const char *const rlimit_names[KRLIMIT_NRES] = {
	"cpu", "fsize", "data", "stack", "core", "rss", "nproc", "nofile",
	"memlock", "as", "locks", "sigpending", "msgqueue", "nice", "rtprio", "rttime",
	"swap",			/* KRLIMIT_SWAP: vmsim's (FreeBSD's RLIMIT_SWAP) */
};

static int
m_spawn(lua_State *L)
{
	struct lmachine *lm = lm_check(L, 1);
	struct scenario *sc = lm->sc;
	const char *path = luaL_checkstring(L, 2);
	char *argv[LUA_MAX_ARGV + 1];
	int argc = 0;
	uint8_t *image = NULL;
	size_t len = 0;
	struct proc *p;
	char err[512];
	uint32_t uid = 0;
	bool have_uid = false;
	int rv;

	lm_not_in_callback(L, lm, "spawn");
	lua_settop(L, 4);	/* argv strings are pushed above the arguments */
	argv[argc++] = (char *)path;
	if (!lua_isnoneornil(L, 3)) {
		lua_Integer n;

		luaL_checktype(L, 3, LUA_TTABLE);
		n = (lua_Integer)lua_rawlen(L, 3);
		if (n > LUA_MAX_ARGV - 1)
			luaL_argerror(L, 3, "too many arguments");
		luaL_checkstack(L, (int)n + 8, "spawn arguments");
		for (lua_Integer i = 1; i <= n; i++) {
			lua_rawgeti(L, 3, i);
			if (lua_type(L, -1) != LUA_TSTRING && lua_type(L, -1) != LUA_TNUMBER)
				luaL_argerror(L, 3, lua_pushfstring(L, "argv[%d] is a %s, not a "
				    "string", (int)i, luaL_typename(L, -1)));
			argv[argc++] = (char *)lua_tostring(L, -1);	/* kept on the stack */
		}
	}
	argv[argc] = NULL;
	if (!lua_isnoneornil(L, 4)) {
		luaL_checktype(L, 4, LUA_TTABLE);
		/* Every option is checked before the program is loaded. */
		lua_pushnil(L);
		while (lua_next(L, 4) != 0) {
			lua_pop(L, 1);
			if (lua_type(L, -1) != LUA_TSTRING ||
			    (strcmp(lua_tostring(L, -1), "uid") != 0 &&
			    strcmp(lua_tostring(L, -1), "rlimits") != 0))
				luaL_error(L, "spawn: unknown option %s (options: uid, rlimits)",
				    lua_type(L, -1) == LUA_TSTRING ? lua_tostring(L, -1) :
				    luaL_typename(L, -1));
		}
		if (lua_getfield(L, 4, "uid") != LUA_TNIL) {
			lua_Integer u;
			int isint;

			u = lua_tointegerx(L, -1, &isint);
			if (!isint || u < 0 || (uint64_t)u > LUA_MAX_UID)
				luaL_error(L, "spawn: uid: expected an integer from 0 to %I",
				    (lua_Integer)LUA_MAX_UID);
			uid = (uint32_t)u;
			have_uid = true;
		}
		lua_pop(L, 1);
		if (lua_getfield(L, 4, "rlimits") != LUA_TNIL) {
			int t = lua_gettop(L);

			luaL_checktype(L, -1, LUA_TTABLE);
			lua_pushnil(L);
			while (lua_next(L, t) != 0) {
				const char *name = lua_type(L, -2) == LUA_TSTRING ?
				    lua_tostring(L, -2) : "";
				int r = -1;
				lua_Integer lim;
				int isint;

				for (int i = 0; i < KRLIMIT_NRES; i++)
					if (strcmp(name, rlimit_names[i]) == 0)
						r = i;
				if (r < 0)
					luaL_error(L, "spawn: rlimits: unknown resource %s (cpu, "
					    "fsize, data, stack, core, rss, nproc, nofile, memlock, "
					    "as, ..., swap)", lua_type(L, -2) == LUA_TSTRING ?
					    name : luaL_typename(L, -2));
				lim = lua_tointegerx(L, -1, &isint);
				if (!isint || lim < 0)
					luaL_error(L, "spawn: rlimits: %s: expected a non-negative "
					    "integer", name);
				lua_pop(L, 1);
			}
		}
		lua_pop(L, 1);
	}
	if (lm->replayed) {
		rv = sc->replay->binary(sc->replay->arg, lm->nspawn, path, &image, &len, err,
		    sizeof(err));
		if (rv != 0)
			return luaL_error(L, "spawn: %s", err);
	} else {
		image = run_read_file(path, &len);
		if (image == NULL)
			return luaL_error(L, "spawn: %s: %s", path, strerror(errno));
	}
	if (lm->tr != NULL)
		(void)trace_add_blob(lm->tr, "binary", path, image, len, NULL);
	lm->nspawn++;		/* programs read: the replay serves them in order */
	lm_enter(L, lm, 1);
	rv = machine_spawn(lm->m, path, image, len, argc, argv, &p, err, sizeof(err));
	lm_leave(lm);
	free(image);
	if (rv != 0)
		return luaL_error(L, "spawn: %s", err);
	if (lm->cb_error) {
		/* An exec-event callback failed: its error, now. */
		lm->cb_error = false;
		lua_getiuservalue(L, 1, 2);
		return lua_error(L);
	}
	{
		struct lspawn *ns = realloc(lm->spawns, (size_t)(lm->nspawns + 1) * sizeof(*ns));

		if (ns != NULL) {
			lm->spawns = ns;
			ns[lm->nspawns].pid = p->pid;
			ns[lm->nspawns].ppid = p->ppid;
			ns[lm->nspawns].path = strdup(path);
			ns[lm->nspawns].argv_json = json_argv(argc, argv);
			if (lm->tr != NULL)
				trace_process(lm->tr, p->pid, p->ppid, path,
				    ns[lm->nspawns].argv_json, TRACE_NO_STATUS);
			lm->nspawns++;
		}
	}
	/*
	 * The uid, as if the program's first act were setuid(uid) as root
	 * (kern_setuid: what was reserved while loading it stays charged to
	 * the uid it was loaded as); then the limits (checked above), RLIMIT_SWAP
	 * through kern_set_swap_limit so that the credential sees it.
	 */
	if (have_uid) {
		kern_setuid(p, uid);
		p->gid = uid;
	}
	if (!lua_isnoneornil(L, 4) && lua_getfield(L, 4, "rlimits") == LUA_TTABLE) {
		int t = lua_gettop(L);

		lua_pushnil(L);
		while (lua_next(L, t) != 0) {
			const char *name = lua_tostring(L, -2);	/* a string: checked */
			uint64_t lim = (uint64_t)lua_tointeger(L, -1);

			for (int r = 0; r < KRLIMIT_NRES; r++) {
				if (strcmp(name, rlimit_names[r]) != 0)
					continue;
				if (r == KRLIMIT_SWAP)
					kern_set_swap_limit(p, lim, lim);
				else
					p->rlim[r].cur = p->rlim[r].max = lim;
			}
			lua_pop(L, 1);
		}
	}
	if (!lua_isnoneornil(L, 4))
		lua_pop(L, 1);		/* opts.rlimits */
	push_process(L, 1, p->pid);
	return 1;
}

/* Apply opts of m:run and run.  Returns the Lua results. */
static int
lm_run(lua_State *L, struct lmachine *lm, uint64_t insns, bool have_insns,
    uint64_t cycles, int until_idx, bool progress)
{
	struct runctl rc;
	char err[512];
	int rv;

	if (machine_nlive(lm->m) == 0) {
		lua_pushstring(L, "exited");
		return 1;
	}
	memset(&rc, 0, sizeof(rc));
	rc.L = L;
	rc.until_idx = until_idx;
	rc.mach_idx = 1;
	rc.progress = progress && isatty(2);
	if (cycles != 0)
		rc.cycles_target = machine_cpu(lm->m, 0)->cycles + cycles;
	fflush(stdout);
	lm->ctl = &rc;
	lm->busy = true;
	lm_enter(L, lm, 1);
	err[0] = '\0';
	rv = have_insns ? machine_step(lm->m, insns, err, sizeof(err)) :
	    machine_run(lm->m, err, sizeof(err));
	lm_leave(lm);
	lm->busy = false;
	lm->ctl = NULL;
	if (rc.progress && rc.slices >= PROGRESS_SLICES)
		fprintf(stderr, "\r%60s\r", "");
	if (rv < 0) {
		lm->failed = true;
		snprintf(lm->failmsg, sizeof(lm->failmsg), "%s", err);
	}
	if (lm->sc != NULL && lm->replayed && lm->sc->replay->stop(lm->sc->replay->arg))
		return scn_stop(L);
	if (lm->cb_error) {
		lm->cb_error = false;
		lua_getiuservalue(L, 1, 2);
		lua_pushnil(L);
		lua_setiuservalue(L, 1, 2);
		return lua_error(L);
	}
	if (rv < 0) {
		if (strncmp(err, "instruction limit", 17) == 0) {
			lua_pushstring(L, "limit");
			lua_pushstring(L, err);
			return 2;
		}
		if (machine_panicked(lm->m)) {
			lua_pushstring(L, "panic");
			lua_pushstring(L, err);
			return 2;
		}
		return luaL_error(L, "the simulator failed: %s", err);
	}
	lua_pushstring(L, rv == 0 ? "exited" : "paused");
	return 1;
}

static uint64_t
opt_count(lua_State *L, int t, const char *key, bool *set)
{
	lua_Integer v;
	int isint;

	*set = false;
	if (lua_getfield(L, t, key) == LUA_TNIL) {
		lua_pop(L, 1);
		return 0;
	}
	v = lua_tointegerx(L, -1, &isint);
	if (!isint || v <= 0)
		luaL_error(L, "run: %s: expected a positive integer, got %s", key,
		    lua_type(L, -1) == LUA_TNUMBER ? lua_tostring(L, -1) : luaL_typename(L, -1));
	lua_pop(L, 1);
	*set = true;
	return (uint64_t)v;
}

static int
m_run(lua_State *L)
{
	struct lmachine *lm = lm_check(L, 1);
	uint64_t insns = 0, cycles = 0;
	bool have_insns = false, have_cycles, progress = true;
	int until_idx = 0;

	lm_not_in_callback(L, lm, "run");
	lua_settop(L, 2);
	if (!lua_isnil(L, 2)) {
		luaL_checktype(L, 2, LUA_TTABLE);
		insns = opt_count(L, 2, "insns", &have_insns);
		cycles = opt_count(L, 2, "cycles", &have_cycles);
		if (lua_getfield(L, 2, "until") != LUA_TNIL) {
			if (lua_type(L, -1) != LUA_TFUNCTION)
				return luaL_error(L, "run: until: expected a function, got %s",
				    luaL_typename(L, -1));
			until_idx = lua_gettop(L);
		} else {
			lua_pop(L, 1);
		}
		if (lua_getfield(L, 2, "progress") != LUA_TNIL)
			progress = lua_toboolean(L, -1);
		lua_pop(L, 1);
	}
	return lm_run(L, lm, insns, have_insns, cycles, until_idx, progress);
}

static int
m_step(lua_State *L)
{
	struct lmachine *lm = lm_check(L, 1);
	lua_Integer n = luaL_optinteger(L, 2, 1);

	lm_not_in_callback(L, lm, "step");
	luaL_argcheck(L, n > 0, 2, "expected a positive number of instructions");
	lua_settop(L, 1);
	return lm_run(L, lm, (uint64_t)n, true, 0, 0, false);
}

static int
m_on(lua_State *L)
{
	struct lmachine *lm = lm_check(L, 1);
	const char *kind = luaL_checkstring(L, 2);
	int k = -1;

	for (int i = 0; i < EV_KIND_COUNT; i++)
		if (strcmp(kind, ev_kind_name((enum ev_kind)i)) == 0)
			k = i;
	if (k < 0 && strcmp(kind, "*") != 0) {
		luaL_Buffer b;

		luaL_buffinit(L, &b);
		for (int i = 0; i < EV_KIND_COUNT; i++) {
			luaL_addstring(&b, ev_kind_name((enum ev_kind)i));
			luaL_addstring(&b, ", ");
		}
		luaL_addstring(&b, "*");
		luaL_pushresult(&b);
		return luaL_argerror(L, 2, lua_pushfstring(L, "unknown event kind \"%s\" "
		    "(kinds: %s)", kind, lua_tostring(L, -1)));
	}
	if (!lua_isnoneornil(L, 3))
		luaL_checktype(L, 3, LUA_TFUNCTION);
	lm_push_uv(L, 1, "handlers");
	if (lua_isnoneornil(L, 3)) {
		/* m:on(kind, nil): remove the handlers of kind. */
		lua_pushnil(L);
		lua_setfield(L, -2, kind);
		if (k < 0)
			lm->want_all = false;
		else
			lm->want[k] = false;
		return 0;
	}
	if (lua_getfield(L, -1, kind) != LUA_TTABLE) {
		lua_pop(L, 1);
		lua_newtable(L);
		lua_pushvalue(L, -1);
		lua_setfield(L, -3, kind);
	}
	lua_pushvalue(L, 3);
	lua_rawseti(L, -2, (lua_Integer)lua_rawlen(L, -2) + 1);
	if (k < 0)
		lm->want_all = true;
	else
		lm->want[k] = true;
	return 0;
}

static void
push_geom(lua_State *L, const char *key, const struct cache_geom *g)
{
	char buf[64];

	cache_geom_format(g, buf, sizeof(buf));
	set_str(L, key, buf);
}

static int
m_config(lua_State *L)
{
	struct lmachine *lm = lm_check(L, 1);
	const struct machine_config *c = machine_config_of(lm->m);

	lua_createtable(L, 0, 16);
	set_str(L, "arch", sim_arch_name(c->arch));
	set_int(L, "cpus", c->ncpus);
	set_int(L, "memory", (lua_Integer)c->mem_bytes);
	set_int(L, "seed", (lua_Integer)c->seed);
	set_int(L, "slice", (lua_Integer)c->slice_insns);
	set_int(L, "max_insns", (lua_Integer)c->max_insns);
	set_int(L, "swap", (lua_Integer)c->swap_bytes);
	set_int(L, "overcommit", c->overcommit);
	set_int(L, "uid", c->uid);
	lua_createtable(L, 2, 0);	/* bugs: the knobs' names */
	for (unsigned bit = 1, n = 0; bit <= MACHINE_BUG_ALL; bit <<= 1)
		if (c->bugs & bit) {
			lua_pushstring(L, machine_bug_name(bit));
			lua_rawseti(L, -2, ++n);
		}
	lua_setfield(L, -2, "bugs");
	lua_createtable(L, 0, 5);
	if (sim_arch_is_mips(c->arch)) {
		set_int(L, "entries", c->tlb_entries ? c->tlb_entries :
		    machine_cpu(lm->m, 0)->tlb_mips.nentries);
		set_int(L, "wired", c->tlb_wired);
	} else {
		char buf[32];
		const struct { const char *k; const struct tlb_amd64_array_geom *g; } tg[] = {
			{ "itlb", &c->itlb }, { "dtlb", &c->dtlb }, { "stlb", &c->stlb },
		};
		if (c->tlb_entries)
			set_int(L, "entries", c->tlb_entries);
		for (size_t i = 0; i < nitems(tg); i++) {
			snprintf(buf, sizeof(buf), "%u/%u", tg[i].g->entries, tg[i].g->ways);
			set_str(L, tg[i].k, buf);
		}
	}
	lua_setfield(L, -2, "tlb");
	push_geom(L, "l1i", &c->l1i);
	push_geom(L, "l1d", &c->l1d);
	push_geom(L, "l2", &c->l2);
	set_bool(L, "l2_shared", c->l2_shared != 0);
	lua_createtable(L, 0, (int)cost_nfields);
	for (size_t i = 0; i < cost_nfields; i++)
		set_int(L, cost_fields[i].name, cost_get(&c->cost, &cost_fields[i]));
	lua_setfield(L, -2, "costs");
	if (c->root != NULL)
		set_str(L, "root", c->root);
	{
		char *json = machine_config_json(c);

		if (json != NULL)
			set_str(L, "json", json);
		free(json);
	}
	return 1;
}

/*
 * Every process of the machine so far, in pid order: those with counters
 * (every process that was spawned or ran, reaped ones included) and those
 * the kernel holds (a child forked but not run yet).
 */
static int
lm_all_pids(struct lmachine *lm, int *pids, int max)
{
	int a[64], b[64];
	int na = machine_pids(lm->m, a, (int)nitems(a));
	int nb = machine_kern_pids(lm->m, b, (int)nitems(b));
	int n = 0;

	for (int i = 0; i < na + nb; i++) {
		int pid = i < na ? a[i] : b[i - na];
		int j;

		for (j = 0; j < n && pids[j] != pid; j++)
			;
		if (j == n && n < max)
			pids[n++] = pid;
	}
	for (int i = 1; i < n; i++)
		for (int j = i; j > 0 && pids[j - 1] > pids[j]; j--) {
			int t = pids[j];

			pids[j] = pids[j - 1];
			pids[j - 1] = t;
		}
	return n;
}

static int
m_processes(lua_State *L)
{
	struct lmachine *lm = lm_check(L, 1);
	int pids[128], n = lm_all_pids(lm, pids, (int)nitems(pids));

	lua_createtable(L, n, 0);
	for (int i = 0; i < n; i++) {
		push_process(L, 1, pids[i]);
		lua_rawseti(L, -2, i + 1);
	}
	return 1;
}

static int
m_process(lua_State *L)
{
	struct lmachine *lm = lm_check(L, 1);
	lua_Integer pid = luaL_checkinteger(L, 2);
	int pids[128], n = lm_all_pids(lm, pids, (int)nitems(pids));

	for (int i = 0; i < n; i++)
		if (pids[i] == pid) {
			push_process(L, 1, pids[i]);
			return 1;
		}
	lua_pushnil(L);
	return 1;
}

static int
m_cpu(lua_State *L)
{
	struct lmachine *lm = lm_check(L, 1);
	lua_Integer i = luaL_optinteger(L, 2, 0);
	struct lcpu *c;

	luaL_argcheck(L, i >= 0 && i < machine_ncpus(lm->m), 2, "no such CPU");
	c = lua_newuserdatauv(L, sizeof(*c), 1);
	c->cpu = (int)i;
	luaL_setmetatable(L, MT_CPU);
	lua_pushvalue(L, 1);
	lua_setiuservalue(L, -2, 1);
	return 1;
}

/* Read what can be read of [va, va + len) through pid's tables: bytes. */
static size_t
peek_some(struct machine *m, int pid, uint64_t va, uint8_t *buf, size_t len)
{
	size_t got = 0;

	while (got < len) {
		size_t n = MIN(len - got, PAGE_SIZE - ((va + got) & PAGE_MASK));

		if (machine_peek(m, pid, va + got, buf + got, n, NULL) != 0)
			break;
		got += n;
	}
	return got;
}

static int
m_disasm(lua_State *L)
{
	struct lmachine *lm = lm_check(L, 1);
	lua_Integer pid = luaL_checkinteger(L, 2);
	uint64_t va = check_addr(L, 3);
	lua_Integer n = luaL_optinteger(L, 4, 1);
	enum sim_arch arch = machine_config_of(lm->m)->arch;
	size_t want, got, outlen;
	uint8_t *buf;
	char *out, *line;
	int count;

	luaL_argcheck(L, n >= 1 && n <= LUA_MAX_DISASM, 4, "expected 1 to 1000 instructions");
	luaL_argcheck(L, pid > 0 && pid <= INT_MAX, 2, "not a pid");
	want = (size_t)n * (arch == ARCH_AMD64 ? 15 : 4);
	buf = lua_newuserdatauv(L, want, 0);
	got = peek_some(lm->m, (int)pid, va, buf, want);
	if (got == 0) {
		char msg[128];

		snprintf(msg, sizeof(msg), "disasm: pid %d: address %#llx is not mapped "
		    "readable", (int)pid, (unsigned long long)va);
		lua_pushnil(L);
		lua_pushstring(L, msg);
		return 2;
	}
	outlen = (size_t)n * 96 + 1;
	out = lua_newuserdatauv(L, outlen, 0);
	count = cpu_disasm(arch, buf, got, va, (int)n, out, outlen);
	if (count < 0)
		return luaL_error(L, "disasm: Capstone is not available");
	lua_createtable(L, count, 0);
	line = out;
	for (int i = 0; i < count && line != NULL && *line; i++) {
		char *nl = strchr(line, '\n');

		lua_pushlstring(L, line, nl != NULL ? (size_t)(nl - line) : strlen(line));
		lua_rawseti(L, -2, i + 1);
		line = nl != NULL ? nl + 1 : NULL;
	}
	return 1;
}

static int
m_close(lua_State *L)
{
	struct lmachine *lm = lm_check_any(L, 1);

	if (lm->m != NULL)
		lm_not_in_callback(L, lm, "close");
	lm_close(lm);
	if (lm->sc != NULL && lm->replayed && lm->sc->replay != NULL)
		return scn_stop(L);
	return 0;
}

static int
m_pause(lua_State *L)
{
	struct lmachine *lm = lm_check(L, 1);

	if (lm->busy)
		machine_pause(lm->m);
	return 0;
}

static int
m_tostring(lua_State *L)
{
	struct lmachine *lm = lm_check_any(L, 1);

	if (lm->m == NULL) {
		lua_pushstring(L, "vmsim.machine (closed)");
		return 1;
	}
	lua_pushfstring(L, "vmsim.machine (%s, %d cpu%s)",
	    sim_arch_name(machine_config_of(lm->m)->arch), machine_ncpus(lm->m),
	    machine_ncpus(lm->m) == 1 ? "" : "s");
	return 1;
}

static const luaL_Reg machine_methods[] = {
	{ "spawn", m_spawn },
	{ "run", m_run },
	{ "step", m_step },
	{ "pause", m_pause },
	{ "on", m_on },
	{ "stats", m_stats },
	{ "config", m_config },
	{ "processes", m_processes },
	{ "process", m_process },
	{ "cpu", m_cpu },
	{ "disasm", m_disasm },
	{ "lowmem", m_lowmem },
	{ "pageout", m_pageout },
	{ "close", m_close },
	{ NULL, NULL }
};

struct machine *
lua_kernel_machine(lua_State *L, int idx)
{
	struct lmachine *lm = lm_check(L, idx);

	lm_not_in_callback(L, lm, "m.kernel");
	return lm->m;
}

/* m.kernel (sim/lua_kernel.c), else the methods. */
static int
m_index(lua_State *L)
{
	const char *key = lua_tostring(L, 2);

	if (key != NULL && strcmp(key, "kernel") == 0) {
		(void)lm_check(L, 1);
		/* Made once per machine, kept with its other Lua state. */
		lm_push_uv(L, 1, "kernel");
		if (lua_isnil(L, -1)) {
			lua_pop(L, 1);
			lua_kernel_push(L, 1);
			lua_getiuservalue(L, 1, 1);
			lua_pushvalue(L, -2);
			lua_setfield(L, -2, "kernel");
			lua_pop(L, 1);
		}
		return 1;
	}
	lua_pushvalue(L, lua_upvalueindex(1));
	lua_pushvalue(L, 2);
	lua_rawget(L, -2);
	return 1;
}

static const luaL_Reg machine_meta[] = {
	{ "__gc", machine_gc },
	{ "__close", machine_gc },
	{ "__tostring", m_tostring },
	{ NULL, NULL }
};

/* ---- process ------------------------------------------------------------ */

/* The process at idx and its machine (pushed, then left on the stack). */
static struct lproc *
lp_check(lua_State *L, int idx, struct lmachine **lmp)
{
	struct lproc *lp = luaL_checkudata(L, idx, MT_PROCESS);

	lua_getiuservalue(L, idx, 1);
	*lmp = lm_check_any(L, -1);
	lua_pop(L, 1);		/* the process holds it */
	return lp;
}

static struct proc *
lp_proc(lua_State *L, int idx, struct lmachine **lmp, struct lproc **lpp)
{
	struct lproc *lp = lp_check(L, idx, lmp);
	struct proc *p;

	if ((*lmp)->m == NULL)
		luaL_error(L, "the machine is closed");
	p = machine_proc((*lmp)->m, lp->pid);
	if (p == NULL)
		luaL_error(L, "process %d is gone", lp->pid);
	if (lpp != NULL)
		*lpp = lp;
	return p;
}

static int
p_index(lua_State *L)
{
	struct lmachine *lm;
	struct lproc *lp = lp_check(L, 1, &lm);
	const char *k = lua_tostring(L, 2);
	struct proc *p = lm->m != NULL ? machine_proc(lm->m, lp->pid) : NULL;
	int st;

	/* Methods first. */
	luaL_getmetatable(L, MT_PROCESS);
	lua_getfield(L, -1, "methods");
	lua_pushvalue(L, 2);
	if (lua_rawget(L, -2) != LUA_TNIL)
		return 1;
	lua_pop(L, 3);
	if (k == NULL) {
		lua_pushnil(L);
		return 1;
	}
	if (strcmp(k, "pid") == 0) {
		lua_pushinteger(L, lp->pid);
	} else if (strcmp(k, "exit_status") == 0) {
		if (lm_exit_status(lm, lp->pid, &st) == 0)
			lua_pushinteger(L, st);
		else
			lua_pushnil(L);
	} else if (strcmp(k, "exited") == 0) {
		lua_pushboolean(L, lm_exit_status(lm, lp->pid, &st) == 0);
	} else if (strcmp(k, "ppid") == 0 && p != NULL) {
		lua_pushinteger(L, p->ppid);
	} else if (strcmp(k, "program") == 0 && p != NULL) {
		lua_pushstring(L, p->path != NULL ? p->path : "");
	} else if (strcmp(k, "comm") == 0 && p != NULL) {
		lua_pushstring(L, p->comm);
	} else if (strcmp(k, "output") == 0) {
		lua_pushnil(L);
		for (int i = 0; i < lm->nouts; i++)
			if (lm->outs[i].pid == lp->pid) {
				lua_pushlstring(L, lm->outs[i].buf, lm->outs[i].len);
				break;
			}
		if (lua_isnil(L, -1) && lm->capture)
			lua_pushliteral(L, "");
	} else {
		lua_pushnil(L);
	}
	return 1;
}

static int
p_stats(lua_State *L)
{
	struct lmachine *lm;
	struct lproc *lp = lp_check(L, 1, &lm);
	uint64_t v[MACHINE_NCTR];

	if (lm->m == NULL)
		return luaL_error(L, "the machine is closed");
	if (machine_counters_proc(lm->m, lp->pid, v) != 0)
		return luaL_error(L, "process %d has no counters", lp->pid);
	push_counters(L, v);
	return 1;
}

static const char *
object_type_name(enum vm_object_type t)
{
	switch (t) {
	case OBJT_DEFAULT: return "default";
	case OBJT_SWAP: return "swap";
	case OBJT_VNODE: return "vnode";
	case OBJT_DEVICE: return "device";
	case OBJT_PHYS: return "phys";
	case OBJT_DEAD: return "dead";
	}
	return "?";
}

static void
push_object(lua_State *L, struct vm_object *o)
{
	char desc[256];

	lua_createtable(L, 0, 9);
	set_int(L, "id", (lua_Integer)o->id);
	set_str(L, "type", object_type_name(o->type));
	set_int(L, "size", (lua_Integer)o->size);
	set_int(L, "resident", (lua_Integer)o->resident_page_count);
	set_int(L, "ref_count", o->ref_count);
	set_int(L, "shadow_count", o->shadow_count);
	set_int(L, "backing_offset", (lua_Integer)o->backing_object_offset);
	if (o->vp != NULL)
		set_str(L, "file", o->vp->name);
	vm_object_describe(o, desc, sizeof(desc));
	set_str(L, "description", desc);
}

static int
p_maps(lua_State *L)
{
	struct lmachine *lm;
	struct lproc *lp;
	struct proc *p = lp_proc(L, 1, &lm, &lp);
	struct vm_map *map;
	int i = 0;

	if (p->vm == NULL)
		return luaL_error(L, "process %d has no address space", lp->pid);
	map = &p->vm->map;
	lua_createtable(L, map->nentries, 0);
	for (struct vm_map_entry *e = vm_map_first(map); e != NULL; e = vm_map_next(map, e)) {
		char prot[4], label[MACHINE_REGION_MAX];
		int j = 0;

		lua_createtable(L, 0, 14);
		set_int(L, "start", (lua_Integer)e->start);
		set_int(L, "end", (lua_Integer)e->end);
		set_int(L, "size", (lua_Integer)(e->end - e->start));
		prot_string(e->protection, prot);
		set_str(L, "prot", prot);
		prot_string(e->max_protection, prot);
		set_str(L, "max_prot", prot);
		set_int(L, "offset", (lua_Integer)e->offset);
		set_bool(L, "cow", (e->eflags & MAP_ENTRY_COW) != 0);
		set_bool(L, "needs_copy", (e->eflags & MAP_ENTRY_NEEDS_COPY) != 0);
		set_bool(L, "grows_down", (e->eflags & MAP_ENTRY_GROWS_DOWN) != 0);
		set_int(L, "wired", e->wired_count);
		set_str(L, "inheritance", e->inheritance == VM_INHERIT_SHARE ? "share" :
		    e->inheritance == VM_INHERIT_COPY ? "copy" : "none");
		machine_region_label(lm->m, lp->pid, e->start, label, sizeof(label));
		set_str(L, "label", label);
		/* The object and its shadow chain, top first. */
		lua_newtable(L);
		for (struct vm_object *o = e->object; o != NULL && j < 64; o = o->backing_object) {
			push_object(L, o);
			lua_rawseti(L, -2, ++j);
		}
		lua_setfield(L, -2, "objects");
		if (e->object != NULL) {
			char desc[256];

			vm_object_describe(e->object, desc, sizeof(desc));
			set_str(L, "object", desc);
		} else {
			set_str(L, "object", "none (anonymous, not touched yet)");
		}
		lua_rawseti(L, -2, ++i);
	}
	return 1;
}

static int
p_describe(lua_State *L)
{
	struct lmachine *lm;
	struct lproc *lp;
	char *buf = NULL;
	size_t len = 0;
	FILE *f;

	(void)lp_proc(L, 1, &lm, &lp);
	f = open_memstream(&buf, &len);
	if (f == NULL)
		return luaL_error(L, "out of memory");
	if (machine_describe_map(lm->m, lp->pid, f) != 0) {
		fclose(f);
		free(buf);
		return luaL_error(L, "process %d has no address space", lp->pid);
	}
	fclose(f);
	lua_pushlstring(L, buf, len);
	free(buf);
	return 1;
}

static const char *
queue_name(unsigned q)
{
	static const char *const names[PQ_COUNT] = {
		[PQ_NONE] = "none", [PQ_FREE] = "free", [PQ_ACTIVE] = "active",
		[PQ_INACTIVE] = "inactive", [PQ_HOLD] = "hold",
	};
	return q < PQ_COUNT ? names[q] : "?";
}

/* The TLB entry of cpu that translates va for the address space active
 * there (pushed as a table), or nothing (returns false). */
static bool
push_tlb_match(lua_State *L, struct mmu_cpu *c, uint64_t va)
{
	if (sim_arch_is_mips(c->arch)) {
		const struct tlb_mips *t = &c->tlb_mips;

		for (unsigned i = 0; i < t->nentries; i++) {
			const struct tlb_mips_entry *e = &t->e[i];
			uint32_t lo = (va >> PAGE_SHIFT) & 1 ? e->entrylo1 : e->entrylo0;
			bool g = (e->entrylo0 & e->entrylo1 & MIPS_LO_G) != 0;

			if ((e->entryhi & MIPS_HI_VPN2_MASK) != ((uint32_t)va & MIPS_HI_VPN2_MASK) ||
			    (!g && (e->entryhi & MIPS_HI_ASID_MASK) != c->asid))
				continue;
			lua_createtable(L, 0, 8);
			set_int(L, "index", i);
			set_bool(L, "wired", i < t->wired);
			set_int(L, "asid", e->entryhi & MIPS_HI_ASID_MASK);
			set_int(L, "pfn", (lo & MIPS_LO_PFN_MASK) >> MIPS_LO_PFN_SHIFT);
			set_int(L, "c", (lo & MIPS_LO_C_MASK) >> MIPS_LO_C_SHIFT);
			set_bool(L, "dirty", (lo & MIPS_LO_D) != 0);
			set_bool(L, "valid", (lo & MIPS_LO_V) != 0);
			set_bool(L, "global", g);
			return true;
		}
		return false;
	}
	for (unsigned i = 0; i < c->tlb_amd64.nentries; i++) {
		const struct tlb_amd64_entry *e = &c->tlb_amd64.e[i];
		uint64_t bytes;

		if (!e->valid || (e->pcid != c->pcid && !(e->flags & PG_G)))
			continue;
		bytes = tlb_amd64_pgsz_bytes((enum tlb_amd64_pgsz)e->pgsz);
		if ((va & ~(bytes - 1)) != ((e->vpn << PAGE_SHIFT) & ~(bytes - 1)))
			continue;
		lua_createtable(L, 0, 8);
		set_int(L, "slot", i);
		set_int(L, "pcid", e->pcid);
		set_int(L, "pa", (lua_Integer)tlb_amd64_entry_pa(e, va & ~(uint64_t)PAGE_MASK));
		set_bool(L, "writable", (e->flags & PG_RW) != 0);
		set_bool(L, "user", (e->flags & PG_U) != 0);
		set_bool(L, "nx", (e->flags & PG_NX) != 0);
		set_bool(L, "global", (e->flags & PG_G) != 0);
		set_bool(L, "dirty", (e->flags & PG_M) != 0);
		return true;
	}
	return false;
}

static int
p_pte(lua_State *L)
{
	struct lmachine *lm;
	struct lproc *lp;
	struct proc *p = lp_proc(L, 1, &lm, &lp);
	uint64_t va = check_addr(L, 2), page = va & ~(uint64_t)PAGE_MASK;
	vm_paddr_t pa;
	vm_prot_t prot;
	char ps[4];

	if (p->vm == NULL)
		return luaL_error(L, "process %d has no address space", lp->pid);
	lua_createtable(L, 0, 10);
	set_int(L, "va", (lua_Integer)page);
	if (va >= p->vm->map.max_offset) {
		set_bool(L, "mapped", false);
		return 1;
	}
	pa = pmap_extract(p->vm->pmap, page);
	prot = pmap_prot(p->vm->pmap, page);
	set_bool(L, "mapped", pa != 0);
	prot_string(prot, ps);
	set_str(L, "prot", ps);
	set_bool(L, "read", (prot & VM_PROT_READ) != 0);
	set_bool(L, "write", (prot & VM_PROT_WRITE) != 0);
	set_bool(L, "execute", (prot & VM_PROT_EXECUTE) != 0);
	if (pa == 0)
		return 1;
	set_int(L, "pa", (lua_Integer)(pa & ~(vm_paddr_t)PAGE_MASK));
	{
		vm_page_t m = PHYS_TO_VM_PAGE(pa & ~(vm_paddr_t)PAGE_MASK);

		if (m != NULL) {
			lua_createtable(L, 0, 7);
			set_bool(L, "dirty", m->dirty != 0);
			set_bool(L, "valid", m->valid != 0);
			set_int(L, "wire_count", m->wire_count);
			set_int(L, "hold_count", m->hold_count);
			set_str(L, "queue", queue_name(m->queue));
			if (m->object != NULL) {
				set_int(L, "object", (lua_Integer)m->object->id);
				set_int(L, "pindex", (lua_Integer)m->pindex);
			}
			lua_setfield(L, -2, "page");
		}
	}
	/* The hardware's copy, on the CPUs where this space is active now. */
	lua_newtable(L);
	for (int c = 0; c < machine_ncpus(lm->m); c++) {
		struct mmu_cpu *mc = machine_cpu(lm->m, c);

		/* The TLB tags (ASID, PCID) are those of the space active there. */
		if (machine_cpu_pid(lm->m, c) != lp->pid)
			continue;
		if (push_tlb_match(L, mc, page)) {
			set_int(L, "cpu", c);
			lua_rawseti(L, -2, (lua_Integer)lua_rawlen(L, -2) + 1);
		}
	}
	lua_setfield(L, -2, "tlb");
	return 1;
}

static int
p_peek(lua_State *L)
{
	struct lmachine *lm;
	struct lproc *lp = lp_check(L, 1, &lm);
	uint64_t va = check_addr(L, 2), bad = 0;
	lua_Integer n = luaL_checkinteger(L, 3);
	uint8_t *buf;
	int rv;

	if (lm->m == NULL)
		return luaL_error(L, "the machine is closed");
	luaL_argcheck(L, n >= 0 && (uint64_t)n <= LUA_MAX_PEEK, 3,
	    "expected a length from 0 to 16M");
	buf = lua_newuserdatauv(L, n ? (size_t)n : 1, 0);
	rv = machine_peek(lm->m, lp->pid, va, buf, (size_t)n, &bad);
	if (rv != 0) {
		char msg[128];

		if (rv == -ESRCH)
			snprintf(msg, sizeof(msg), "peek: process %d has no address space",
			    lp->pid);
		else
			snprintf(msg, sizeof(msg), "peek: address %#llx is not mapped readable",
			    (unsigned long long)bad);
		lua_pushnil(L);
		lua_pushstring(L, msg);
		return 2;
	}
	lua_pushlstring(L, (const char *)buf, (size_t)n);
	return 1;
}

static int
p_poke(lua_State *L)
{
	struct lmachine *lm;
	struct lproc *lp = lp_check(L, 1, &lm);
	uint64_t va = check_addr(L, 2), bad = 0;
	size_t len;
	const char *s = luaL_checklstring(L, 3, &len);
	int rv;

	if (lm->m == NULL)
		return luaL_error(L, "the machine is closed");
	lm_not_in_callback(L, lm, "poke");
	lua_getiuservalue(L, 1, 1);
	lm_enter(L, lm, -1);
	rv = machine_poke(lm->m, lp->pid, va, s, len, &bad);
	lm_leave(lm);
	if (lm->cb_error) {
		lm->cb_error = false;
		lua_getiuservalue(L, -1, 2);
		return lua_error(L);
	}
	if (rv != 0) {
		char msg[128];

		if (rv == -ESRCH)
			snprintf(msg, sizeof(msg), "poke: process %d is not running", lp->pid);
		else
			snprintf(msg, sizeof(msg), "poke: address %#llx is not writable by "
			    "the process", (unsigned long long)bad);
		lua_pushnil(L);
		lua_pushstring(L, msg);
		return 2;
	}
	lua_pushboolean(L, 1);
	return 1;
}

static int
p_region(lua_State *L)
{
	struct lmachine *lm;
	struct lproc *lp = lp_check(L, 1, &lm);
	uint64_t va = check_addr(L, 2);
	char label[MACHINE_REGION_MAX];

	if (lm->m == NULL)
		return luaL_error(L, "the machine is closed");
	machine_region_label(lm->m, lp->pid, va, label, sizeof(label));
	lua_pushstring(L, label);
	return 1;
}

static int
p_tostring(lua_State *L)
{
	struct lmachine *lm;
	struct lproc *lp = lp_check(L, 1, &lm);

	lua_pushfstring(L, "vmsim.process %d", lp->pid);
	return 1;
}

static int
p_eq(lua_State *L)
{
	struct lproc *a = luaL_testudata(L, 1, MT_PROCESS);
	struct lproc *b = luaL_testudata(L, 2, MT_PROCESS);

	if (a == NULL || b == NULL) {
		lua_pushboolean(L, 0);
		return 1;
	}
	lua_getiuservalue(L, 1, 1);
	lua_getiuservalue(L, 2, 1);
	lua_pushboolean(L, a->pid == b->pid && lua_rawequal(L, -1, -2));
	return 1;
}

static const luaL_Reg process_methods[] = {
	{ "stats", p_stats },
	{ "maps", p_maps },
	{ "describe", p_describe },
	{ "pte", p_pte },
	{ "peek", p_peek },
	{ "poke", p_poke },
	{ "region", p_region },
	{ NULL, NULL }
};

/* ---- cpu ------------------------------------------------------------------ */

static struct mmu_cpu *
lc_check(lua_State *L, int idx, struct lcpu **lcp)
{
	struct lcpu *lc = luaL_checkudata(L, idx, MT_CPU);
	struct lmachine *lm;

	lua_getiuservalue(L, idx, 1);
	lm = lm_check(L, -1);
	lua_pop(L, 1);
	if (lcp != NULL)
		*lcp = lc;
	return machine_cpu(lm->m, lc->cpu);
}

static void
push_lo(lua_State *L, const char *key, uint32_t lo, uint32_t va)
{
	lua_createtable(L, 0, 6);
	set_int(L, "va", va);
	set_int(L, "pfn", (lo & MIPS_LO_PFN_MASK) >> MIPS_LO_PFN_SHIFT);
	set_int(L, "pa", (lua_Integer)((uint64_t)((lo & MIPS_LO_PFN_MASK) >> MIPS_LO_PFN_SHIFT)
	    << PAGE_SHIFT));
	set_int(L, "c", (lo & MIPS_LO_C_MASK) >> MIPS_LO_C_SHIFT);
	set_bool(L, "dirty", (lo & MIPS_LO_D) != 0);
	set_bool(L, "valid", (lo & MIPS_LO_V) != 0);
	lua_setfield(L, -2, key);
}

static int
c_tlb(lua_State *L)
{
	struct lcpu *lc;
	struct mmu_cpu *c = lc_check(L, 1, &lc);
	bool all = false;
	int n = 0;

	if (!lua_isnoneornil(L, 2)) {
		luaL_checktype(L, 2, LUA_TTABLE);
		lua_getfield(L, 2, "all");
		all = lua_toboolean(L, -1);
		lua_pop(L, 1);
	}
	lua_createtable(L, 0, 8);
	set_int(L, "cpu", lc->cpu);
	set_str(L, "arch", sim_arch_is_mips(c->arch) ? "mips" : "amd64");
	if (sim_arch_is_mips(c->arch)) {
		const struct tlb_mips *t = &c->tlb_mips;

		set_int(L, "entries", t->nentries);
		set_int(L, "wired", t->wired);
		set_int(L, "asid", c->asid);
		lua_newtable(L);
		for (unsigned i = 0; i < t->nentries; i++) {
			const struct tlb_mips_entry *e = &t->e[i];
			uint32_t vpn2 = e->entryhi & MIPS_HI_VPN2_MASK;
			bool valid = ((e->entrylo0 | e->entrylo1) & MIPS_LO_V) != 0;

			if (!all && !valid && i >= t->wired)
				continue;
			lua_createtable(L, 0, 8);
			set_int(L, "index", i);
			set_bool(L, "wired", i < t->wired);
			set_int(L, "vpn2", vpn2);
			set_int(L, "asid", e->entryhi & MIPS_HI_ASID_MASK);
			set_int(L, "pagemask", e->pagemask);
			set_bool(L, "global", (e->entrylo0 & e->entrylo1 & MIPS_LO_G) != 0);
			push_lo(L, "even", e->entrylo0, vpn2);
			push_lo(L, "odd", e->entrylo1, vpn2 + (uint32_t)PAGE_SIZE);
			lua_rawseti(L, -2, ++n);
		}
		lua_setfield(L, -2, "slots");
		set_int(L, "valid", n);
		return 1;
	}
	{
		static const char *const lvl[TLB_AMD64_NLEVELS] = {
			[TLB_AMD64_ITLB] = "ITLB", [TLB_AMD64_DTLB] = "DTLB",
			[TLB_AMD64_STLB] = "STLB",
		};
		static const char *const sz[] = { "4K", "2M", "1G" };
		const struct tlb_amd64 *t = &c->tlb_amd64;
		int na = 0;

		set_int(L, "slots", t->nentries);
		set_int(L, "cr3", (lua_Integer)c->cr3);
		set_int(L, "pcid", c->pcid);
		lua_newtable(L);
		for (int l = 0; l < TLB_AMD64_NLEVELS; l++) {
			for (int large = 0; large < 2; large++) {
				const struct tlb_amd64_array *a = large ? &t->large[l] : &t->small[l];
				unsigned cnt = a->nsets * a->ways;
				int ne = 0;

				if (cnt == 0)
					continue;
				lua_createtable(L, 0, 5);
				set_str(L, "level", lvl[l]);
				set_str(L, "pages", large ? "2M/1G" : "4K");
				set_int(L, "sets", a->nsets);
				set_int(L, "ways", a->ways);
				lua_newtable(L);
				for (unsigned i = a->base; i < a->base + cnt && i < t->nentries; i++) {
					const struct tlb_amd64_entry *e = &t->e[i];

					if (!e->valid && !all)
						continue;
					lua_createtable(L, 0, 12);
					set_int(L, "set", (i - a->base) / a->ways);
					set_int(L, "way", (i - a->base) % a->ways);
					set_bool(L, "valid", e->valid);
					set_int(L, "pcid", e->pcid);
					set_int(L, "va", (lua_Integer)(e->vpn << PAGE_SHIFT));
					set_int(L, "pa", (lua_Integer)(e->pfn << PAGE_SHIFT));
					set_str(L, "size", e->pgsz < nitems(sz) ? sz[e->pgsz] : "?");
					set_bool(L, "writable", (e->flags & PG_RW) != 0);
					set_bool(L, "user", (e->flags & PG_U) != 0);
					set_bool(L, "nx", (e->flags & PG_NX) != 0);
					set_bool(L, "global", (e->flags & PG_G) != 0);
					set_bool(L, "dirty", (e->flags & PG_M) != 0);
					lua_rawseti(L, -2, ++ne);
					n += e->valid;
				}
				lua_setfield(L, -2, "entries");
				lua_rawseti(L, -2, ++na);
			}
		}
		lua_setfield(L, -2, "arrays");
		set_int(L, "valid", n);
	}
	return 1;
}

static int
c_cache(lua_State *L)
{
	static const char *const names[] = { "l1i", "l1d", "l2", NULL };
	struct lcpu *lc;
	struct mmu_cpu *c = lc_check(L, 1, &lc);
	int which = luaL_checkoption(L, 2, NULL, names);
	const struct cache *k;
	bool lines = false;
	char geom[64];

	if (!lua_isnoneornil(L, 3)) {
		luaL_checktype(L, 3, LUA_TTABLE);
		lua_getfield(L, 3, "lines");
		lines = lua_toboolean(L, -1);
		lua_pop(L, 1);
	}
	if (!c->has_caches)
		return luaL_error(L, "cache: cpu %d has no caches", lc->cpu);
	k = which == 0 ? &c->l1i : which == 1 ? &c->l1d : c->l2;
	lua_createtable(L, 0, 24);
	set_str(L, "name", names[which]);
	cache_geom_format(&k->g, geom, sizeof(geom));
	set_str(L, "geometry", geom);
	set_int(L, "size", k->g.size_bytes);
	set_int(L, "assoc", k->g.assoc);
	set_int(L, "line", k->g.line_bytes);
	set_int(L, "sets", k->nsets);
	set_str(L, "policy", cache_policy_name(k->g.policy));
	set_bool(L, "shared", which == 2 && c->l2 != &c->l2_own);
	{
		const struct cache_counters *cc = &k->c;
		uint64_t acc = 0, miss = 0;

		for (int o = 0; o < CACHE_NOPS; o++) {
			acc += cc->access[o];
			miss += cc->miss[o];
		}
		set_int(L, "accesses", (lua_Integer)acc);
		set_int(L, "misses", (lua_Integer)miss);
		set_int(L, "hits", (lua_Integer)(acc - miss));
		set_int(L, "reads", (lua_Integer)cc->access[CACHE_READ]);
		set_int(L, "read_misses", (lua_Integer)cc->miss[CACHE_READ]);
		set_int(L, "writes", (lua_Integer)cc->access[CACHE_WRITE]);
		set_int(L, "write_misses", (lua_Integer)cc->miss[CACHE_WRITE]);
		set_int(L, "fetches", (lua_Integer)cc->access[CACHE_FETCH]);
		set_int(L, "fetch_misses", (lua_Integer)cc->miss[CACHE_FETCH]);
		set_int(L, "evictions", (lua_Integer)(cc->evict[0] + cc->evict[1] + cc->evict[2]));
		set_int(L, "writebacks", (lua_Integer)cc->writebacks);
		set_int(L, "stale_fetches", (lua_Integer)cc->stale_fetches);
		set_int(L, "invalidated", (lua_Integer)cc->invalidated);
		set_int(L, "mem_reads", (lua_Integer)k->mem_reads);
		set_int(L, "mem_writes", (lua_Integer)k->mem_writes);
	}
	{
		uint64_t nways = (uint64_t)k->nsets << k->assoc_shift, valid = 0, dirty = 0,
		    stale = 0;
		int n = 0;

		if (lines)
			lua_newtable(L);
		for (uint64_t i = 0; i < nways; i++) {
			uint64_t tag = k->tags[i];

			if (!(tag & CACHE_TAG_VALID))
				continue;
			valid++;
			dirty += (tag & CACHE_TAG_DIRTY) != 0;
			stale += (tag & CACHE_TAG_STALE) != 0;
			if (!lines)
				continue;
			lua_createtable(L, 0, 5);
			set_int(L, "set", (lua_Integer)(i >> k->assoc_shift));
			set_int(L, "way", (lua_Integer)(i & ((1u << k->assoc_shift) - 1)));
			set_int(L, "pa", (lua_Integer)((tag >> CACHE_TAG_SHIFT) << k->line_shift));
			set_bool(L, "dirty", (tag & CACHE_TAG_DIRTY) != 0);
			set_bool(L, "stale", (tag & CACHE_TAG_STALE) != 0);
			lua_rawseti(L, -2, ++n);
		}
		if (lines)
			lua_setfield(L, -2, "lines");
		set_int(L, "valid_lines", (lua_Integer)valid);
		set_int(L, "dirty_lines", (lua_Integer)dirty);
		set_int(L, "stale_lines", (lua_Integer)stale);
	}
	return 1;
}

static int
c_stats(lua_State *L)
{
	struct lcpu *lc;
	uint64_t v[MACHINE_NCTR];
	struct lmachine *lm;

	(void)lc_check(L, 1, &lc);
	lua_getiuservalue(L, 1, 1);
	lm = lm_check(L, -1);
	machine_counters_cpu(lm->m, lc->cpu, v);
	push_counters(L, v);
	return 1;
}

static int
c_describe_tlb(lua_State *L)
{
	struct lcpu *lc;
	struct lmachine *lm;
	char *buf = NULL;
	size_t len = 0;
	FILE *f;

	(void)lc_check(L, 1, &lc);
	lua_getiuservalue(L, 1, 1);
	lm = lm_check(L, -1);
	f = open_memstream(&buf, &len);
	if (f == NULL)
		return luaL_error(L, "out of memory");
	(void)machine_describe_tlb(lm->m, lc->cpu, f);
	fclose(f);
	lua_pushlstring(L, buf, len);
	free(buf);
	return 1;
}

static int
c_index(lua_State *L)
{
	struct lcpu *lc = luaL_checkudata(L, 1, MT_CPU);
	const char *k = lua_tostring(L, 2);

	luaL_getmetatable(L, MT_CPU);
	lua_getfield(L, -1, "methods");
	lua_pushvalue(L, 2);
	if (lua_rawget(L, -2) != LUA_TNIL)
		return 1;
	if (k != NULL && strcmp(k, "id") == 0) {
		lua_pushinteger(L, lc->cpu);
		return 1;
	}
	if (k != NULL && strcmp(k, "cycles") == 0) {
		lua_pushinteger(L, (lua_Integer)lc_check(L, 1, NULL)->cycles);
		return 1;
	}
	lua_pushnil(L);
	return 1;
}

static const luaL_Reg cpu_methods[] = {
	{ "tlb", c_tlb },
	{ "cache", c_cache },
	{ "stats", c_stats },
	{ "describe_tlb", c_describe_tlb },
	{ NULL, NULL }
};

/* ---- module functions ------------------------------------------------------ */

/* The directory of guest programs: $VMSIM_GUEST_DIR, else the build's
 * guest/ next to the vmsim executable's sim/. */
static int
guest_dir(char *buf, size_t len)
{
	const char *env = getenv("VMSIM_GUEST_DIR");
	char exe[PATH_MAX];
	ssize_t n;
	char *slash;

	if (env != NULL && env[0] != '\0') {
		snprintf(buf, len, "%s", env);
		return 0;
	}
	n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	if (n <= 0)
		return -1;
	exe[n] = '\0';
	for (int i = 0; i < 2; i++) {
		slash = strrchr(exe, '/');
		if (slash == NULL)
			return -1;
		*slash = '\0';
	}
	return (size_t)snprintf(buf, len, "%s/guest", exe) < len ? 0 : -1;
}

static int
l_program(lua_State *L)
{
	static const char *const arches[] = { "mips", "mipsel", "amd64", NULL };
	const char *arch = arches[luaL_checkoption(L, 1, NULL, arches)];
	const char *name = luaL_checkstring(L, 2);
	char dir[PATH_MAX];

	luaL_argcheck(L, strchr(name, '/') == NULL && name[0] != '\0', 2,
	    "a program name, not a path");
	if (guest_dir(dir, sizeof(dir)) != 0)
		return luaL_error(L, "cannot find the guest programs (set VMSIM_GUEST_DIR)");
	lua_pushfstring(L, "%s/%s-%s", dir, arch, name);
	return 1;
}

static int
l_program_exists(lua_State *L)
{
	struct stat st;

	lua_settop(L, 2);
	l_program(L);
	lua_pushboolean(L, stat(lua_tostring(L, -1), &st) == 0 && S_ISREG(st.st_mode));
	return 1;
}

static int
l_parse_size(lua_State *L)
{
	uint64_t v;

	if (to_size(L, 1, &v) != 0 || v > (uint64_t)LUA_MAXINTEGER)
		return luaL_argerror(L, 1, "expected a size like \"32M\"");
	lua_pushinteger(L, (lua_Integer)v);
	return 1;
}

/* Does this build's machine support n CPUs?  Probed once, when no machine
 * is open (machine_create refuses what it cannot build). */
static bool
probe_smp(void)
{
	struct machine_config c;
	struct machine *m;
	char err[256];

	machine_config_defaults(&c, ARCH_MIPS);
	c.ncpus = 2;
	c.mem_bytes = 1u << 20;
	if (machine_create(&m, &c, err, sizeof(err)) != 0)
		return false;
	machine_destroy(m);
	return true;
}

static void
push_features(lua_State *L)
{
	char dir[PATH_MAX], path[PATH_MAX + 32];
	struct stat st;
	bool fork_prog;

	lua_createtable(L, 0, 8);
	set_bool(L, "smp", probe_smp());
	fork_prog = guest_dir(dir, sizeof(dir)) == 0 &&
	    snprintf(path, sizeof(path), "%s/mips-fork_cow", dir) > 0 &&
	    stat(path, &st) == 0;
	set_bool(L, "fork", fork_prog);
	set_bool(L, "swap", true);	/* machine{swap=, overcommit=} */
	set_bool(L, "lowmem", true);	/* m:lowmem(), m:pageout() */
	set_bool(L, "uid", true);	/* machine{uid=}, spawn(..., {uid=}) */
	set_bool(L, "ptrace", true);	/* the ptrace system call; p:poke into text */
	set_bool(L, "bugs", true);	/* machine{bugs = {...}} */
}

int
luaopen_vmsim(lua_State *L)
{
	static const luaL_Reg funcs[] = {
		{ "machine", l_machine },
		{ "program", l_program },
		{ "program_exists", l_program_exists },
		{ "parse_size", l_parse_size },
		{ NULL, NULL }
	};

	luaL_newmetatable(L, MT_MACHINE);
	luaL_setfuncs(L, machine_meta, 0);
	luaL_newlib(L, machine_methods);
	lua_pushcclosure(L, m_index, 1);
	lua_setfield(L, -2, "__index");
	lua_pop(L, 1);

	luaL_newmetatable(L, MT_PROCESS);
	lua_pushcfunction(L, p_index);
	lua_setfield(L, -2, "__index");
	lua_pushcfunction(L, p_tostring);
	lua_setfield(L, -2, "__tostring");
	lua_pushcfunction(L, p_eq);
	lua_setfield(L, -2, "__eq");
	luaL_newlib(L, process_methods);
	lua_setfield(L, -2, "methods");
	lua_pop(L, 1);

	luaL_newmetatable(L, MT_CPU);
	lua_pushcfunction(L, c_index);
	lua_setfield(L, -2, "__index");
	luaL_newlib(L, cpu_methods);
	lua_setfield(L, -2, "methods");
	lua_pop(L, 1);

	luaL_newmetatable(L, MT_ASSERT);
	lua_pushcfunction(L, assert_tostring);
	lua_setfield(L, -2, "__tostring");
	lua_pop(L, 1);
	luaL_newmetatable(L, MT_STOP);
	lua_pop(L, 1);

	luaL_newlib(L, funcs);
	set_str(L, "version", VMSIM_VERSION);
	lua_createtable(L, EV_KIND_COUNT, 0);
	for (int i = 0; i < EV_KIND_COUNT; i++) {
		lua_pushstring(L, ev_kind_name((enum ev_kind)i));
		lua_rawseti(L, -2, i + 1);
	}
	lua_setfield(L, -2, "kinds");
	lua_createtable(L, MACHINE_NCTR, 0);
	for (int i = 0; i < MACHINE_NCTR; i++) {
		lua_pushstring(L, machine_counter_names[i]);
		lua_rawseti(L, -2, i + 1);
	}
	lua_setfield(L, -2, "counters");
	set_bool(L, "tty", isatty(1) != 0);
	push_features(L);
	lua_setfield(L, -2, "features");
	return 1;
}

/* ---- require: modules next to the script (recorded in the trace) -------- */

static int
searcher(lua_State *L)
{
	struct scenario *sc = scn_get(L);
	const char *name = luaL_checkstring(L, 1);
	char rel[256], path[PATH_MAX + 300], *src = NULL;
	size_t len = 0;
	const char *dirs[3];
	int ndirs = 0;

	if (strlen(name) >= sizeof(rel) - 5 || strstr(name, "..") != NULL ||
	    name[0] == '/' || name[0] == '.') {
		lua_pushfstring(L, "\n\tno module '%s' (a name like \"lib.labkit\")", name);
		return 1;
	}
	snprintf(rel, sizeof(rel), "%s.lua", name);
	for (char *c = rel; *c != '\0' && c < rel + strlen(name); c++)
		if (*c == '.')
			*c = '/';
	if (sc != NULL && sc->replay != NULL) {
		if (sc->replay->module(sc->replay->arg, name, &src, &len) != 0) {
			lua_pushfstring(L, "\n\tno module '%s' in the trace", name);
			return 1;
		}
		snprintf(path, sizeof(path), "%s", rel);
	} else {
		const char *env = getenv("VMSIM_LUA_PATH");

		if (sc != NULL) {
			dirs[ndirs++] = sc->dir;
			dirs[ndirs++] = "..";	/* the script's parent: below */
		}
		if (env != NULL && env[0] != '\0')
			dirs[ndirs++] = env;
		for (int i = 0; i < ndirs && src == NULL; i++) {
			if (strcmp(dirs[i], "..") == 0)
				snprintf(path, sizeof(path), "%s/../%s", sc->dir, rel);
			else
				snprintf(path, sizeof(path), "%s/%s", dirs[i], rel);
			src = (char *)run_read_file(path, &len);
		}
		if (src == NULL) {
			lua_pushfstring(L, "\n\tno file '%s' next to the script or in its "
			    "parent directory (or VMSIM_LUA_PATH)", rel);
			return 1;
		}
	}
	lua_pushfstring(L, "@%s", path);
	if (luaL_loadbufferx(L, src, len, lua_tostring(L, -1), "t") != LUA_OK) {
		free(src);
		return lua_error(L);
	}
	{
		char key[300];

		snprintf(key, sizeof(key), "require:%s", name);
		if (sc != NULL && sc->replay == NULL)
			scn_add_source(sc, key, src, len);
	}
	free(src);
	lua_pushstring(L, path);
	return 2;
}

/* ---- running a scenario ------------------------------------------------------ */

/* A fresh state with the libraries a scenario may use. */
static lua_State *
scn_state(struct scenario *sc)
{
	static const luaL_Reg libs[] = {
		{ LUA_GNAME, luaopen_base }, { LUA_LOADLIBNAME, luaopen_package },
		{ LUA_COLIBNAME, luaopen_coroutine }, { LUA_TABLIBNAME, luaopen_table },
		{ LUA_IOLIBNAME, luaopen_io }, { LUA_STRLIBNAME, luaopen_string },
		{ LUA_MATHLIBNAME, luaopen_math }, { LUA_UTF8LIBNAME, luaopen_utf8 },
		{ LUA_DBLIBNAME, luaopen_debug }, { NULL, NULL }
	};
	lua_State *L = luaL_newstate();

	if (L == NULL)
		return NULL;
	for (const luaL_Reg *l = libs; l->func != NULL; l++) {
		luaL_requiref(L, l->name, l->func, 1);
		lua_pop(L, 1);
	}
	lua_pushlightuserdata(L, sc);
	lua_setfield(L, LUA_REGISTRYINDEX, REG_SCENARIO);
	/* Determinism: no host clock (os is not opened), no files the trace
	 * would not hold (dofile, loadfile), a seeded math.random. */
	lua_pushnil(L);
	lua_setglobal(L, "dofile");
	lua_pushnil(L);
	lua_setglobal(L, "loadfile");
	lua_getglobal(L, "math");
	lua_getfield(L, -1, "randomseed");
	lua_pushinteger(L, 0);
	lua_call(L, 1, 0);
	lua_pop(L, 1);
	/* require: preload, then files next to the script. */
	lua_getglobal(L, "package");
	lua_pushliteral(L, "");
	lua_setfield(L, -2, "path");
	lua_pushliteral(L, "");
	lua_setfield(L, -2, "cpath");
	lua_getfield(L, -1, "searchers");
	lua_rawgeti(L, -1, 1);
	lua_createtable(L, 2, 0);
	lua_insert(L, -2);
	lua_rawseti(L, -2, 1);
	lua_pushcfunction(L, searcher);
	lua_rawseti(L, -2, 2);
	lua_setfield(L, -3, "searchers");
	lua_pop(L, 2);
	luaL_requiref(L, "vmsim", luaopen_vmsim, 1);
	lua_pop(L, 1);
	lua_pushcfunction(L, lua_vmsim_assert);
	lua_setglobal(L, "assert");
	return L;
}

/*
 * Run src as the scenario sc with args: 0 (ran to its end, or stopped by
 * replay), 1 (an assert failed), 2 (an error).  Messages on stderr.
 */
static int
scn_run(struct scenario *sc, const char *src, size_t len, int argc, char *const *argv)
{
	lua_State *L = scn_state(sc);
	char chunk[PATH_MAX + 2];
	int status = 0, rc;

	if (L == NULL) {
		fprintf(stderr, "vmsim: cannot create a Lua state (out of memory)\n");
		return 2;
	}
	/* arg, as the lua interpreter sets it: arg[0] the script. */
	lua_createtable(L, argc, 1);
	lua_pushstring(L, sc->name);
	lua_rawseti(L, -2, 0);
	for (int i = 0; i < argc; i++) {
		lua_pushstring(L, argv[i]);
		lua_rawseti(L, -2, i + 1);
	}
	lua_setglobal(L, "arg");
	lua_pushcfunction(L, lua_msgh);
	snprintf(chunk, sizeof(chunk), "@%s", sc->name);
	rc = luaL_loadbufferx(L, src, len, chunk, "t");
	if (rc != LUA_OK) {
		fprintf(stderr, "vmsim: %s\n", lua_tostring(L, -1));
		status = 2;
		goto out;
	}
	for (int i = 0; i < argc; i++)
		lua_pushstring(L, argv[i]);
	rc = lua_pcall(L, argc, 0, 1);
	fflush(stdout);
	if (rc != LUA_OK && sc->replay != NULL) {
		/* The scenario's own ending is not the replay's verdict. */
		if (luaL_testudata(L, -1, MT_STOP) == NULL && sc->replay->stop != NULL &&
		    !sc->replay->stop(sc->replay->arg))
			fprintf(stderr, "vmsim: replay: note: the scenario itself ended with "
			    "an error (as it did when recorded): %s\n",
			    luaL_tolstring(L, -1, NULL));
	} else if (rc != LUA_OK) {
		if (luaL_testudata(L, -1, MT_STOP) != NULL) {
			status = 0;
		} else if (lua_istable(L, -1) && lua_getmetatable(L, -1)) {
			luaL_getmetatable(L, MT_ASSERT);
			status = lua_rawequal(L, -1, -2) ? 1 : 2;
			lua_pop(L, 2);
			lua_getfield(L, -1, "traceback");
			fprintf(stderr, "vmsim: %s\n", lua_tostring(L, -1) ?
			    lua_tostring(L, -1) : "error");
		} else {
			const char *msg = lua_tostring(L, -1);

			fprintf(stderr, "vmsim: %s\n", msg != NULL ? msg : "(error object "
			    "is not a string)");
			status = 2;
		}
	}
out:
	if (sc->open != NULL)
		lm_close(sc->open);
	lua_close(L);
	if (sc->trace_error)
		status = 2;
	return status;
}

static void
scn_free(struct scenario *sc)
{
	for (int i = 0; i < sc->nsrcs; i++) {
		free(sc->srcs[i].name);
		free(sc->srcs[i].src);
	}
	free(sc->dir);
}

static char *
dir_of(const char *path)
{
	const char *slash = strrchr(path, '/');

	if (slash == NULL)
		return strdup(".");
	if (slash == path)
		return strdup("/");
	return strndup(path, (size_t)(slash - path));
}

int
scenario_parse_args(int argc, char *const *argv, struct scenario_opts *o,
    char *err, size_t errlen)
{
	int i;

	o->trace = NULL;
	o->sample_cycles = RUN_SAMPLE_DEFAULT;
	for (i = 2; i < argc && argv[i][0] == '-'; i++) {
		const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;

		if (strcmp(a, "--") == 0)
			return i + 1 < argc ? i + 1 : (snprintf(err, errlen, "which script?"), -1);
		if (v == NULL) {
			snprintf(err, errlen, "%s needs a value", a);
			return -1;
		}
		if (strcmp(a, "--trace") == 0) {
			o->trace = v;
		} else if (strcmp(a, "--sample-cycles") == 0) {
			if (parse_u64(v, &o->sample_cycles) != 0) {
				snprintf(err, errlen, "--sample-cycles %s: not a number", v);
				return -1;
			}
		} else {
			snprintf(err, errlen, "unknown option %s", a);
			return -1;
		}
		i++;
	}
	if (i >= argc) {
		snprintf(err, errlen, "which script?");
		return -1;
	}
	return i;
}

int
cmd_run(int argc, char **argv)
{
	struct scenario sc;
	struct scenario_opts o;
	char err[256], *src, *cmd;
	size_t len = 0;
	int i, status;

	i = scenario_parse_args(argc, argv, &o, err, sizeof(err));
	if (i < 0) {
		fprintf(stderr, "vmsim run: %s\nusage: vmsim run [--trace FILE] "
		    "[--sample-cycles K] SCRIPT.lua [ARGS...]\n", err);
		return 2;
	}
	src = (char *)run_read_file(argv[i], &len);
	if (src == NULL) {
		fprintf(stderr, "vmsim: %s: %s\n", argv[i], strerror(errno));
		return 2;
	}
	/* Lua's output and the guest's (write(2) on fd 1) in order. */
	setvbuf(stdout, NULL, _IOLBF, 0);
	memset(&sc, 0, sizeof(sc));
	sc.name = argv[i];
	sc.dir = dir_of(argv[i]);
	sc.trace_path = o.trace;
	sc.sample_cycles = o.sample_cycles;
	cmd = run_json_argv(argc, argv);
	sc.cmdline_json = cmd;
	if (sc.dir == NULL || cmd == NULL) {
		fprintf(stderr, "vmsim: out of memory\n");
		free(src);
		free(cmd);
		scn_free(&sc);
		return 2;
	}
	scn_add_source(&sc, argv[i], src, len);
	status = scn_run(&sc, src, len, argc - i - 1, argv + i + 1);
	if (o.trace != NULL && !sc.traced) {
		fprintf(stderr, "vmsim: --trace %s: the scenario built no machine: "
		    "nothing was recorded\n", o.trace);
		if (status == 0)
			status = 2;
	}
	free(src);
	free(cmd);
	scn_free(&sc);
	return status;
}

int
scenario_replay(const char *name, const char *src, size_t len, int argc,
    char *const *argv, const struct scenario_replay *rp)
{
	struct scenario sc;
	int status;

	memset(&sc, 0, sizeof(sc));
	sc.name = name;
	sc.dir = dir_of(name);
	sc.replay = rp;
	if (sc.dir == NULL) {
		fprintf(stderr, "vmsim: out of memory\n");
		return 2;
	}
	status = scn_run(&sc, src, len, argc, (char *const *)argv);
	scn_free(&sc);
	if (!sc.traced) {
		fprintf(stderr, "vmsim: replay: the scenario built no machine\n");
		return 2;
	}
	/* The scenario's own verdict (0, 1 or 2) is not the replay's. */
	(void)status;
	return 0;
}
