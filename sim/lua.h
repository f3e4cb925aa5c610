/*
 * sim/lua.h — Lua 5.4 scenarios (DESIGN.md section 8): `vmsim run
 * SCRIPT.lua`, the vmsim module the scripts use (luaopen_vmsim, described
 * in docs/lua-api.md), and the entry replay uses to run a recorded
 * scenario again.
 *
 * Only sim/ includes lua.h; this header does not, so sim/replay.c and
 * sim/main.c need no Lua.
 */
#ifndef SIM_LUA_H
#define SIM_LUA_H

#include "sim/machine.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct lua_State;
struct proc;

/* The vmsim module: one table (Lua's luaopen_* convention). */
int luaopen_vmsim(struct lua_State *L);

/*
 * `vmsim run [--trace FILE] [--sample-cycles K] SCRIPT.lua [ARGS...]`
 * (argv[1] is "run").  Exit status: 0 the script ran to its end, 1 an
 * assert in it failed, 2 any other error (a syntax or runtime error, a
 * bad argument or machine configuration, a trace that could not be
 * written), with file:line and a traceback on stderr.
 */
int cmd_run(int argc, char **argv);

/* The options of `vmsim run` before the script. */
struct scenario_opts {
	const char *trace;		/* --trace FILE, or NULL */
	uint64_t sample_cycles;		/* --sample-cycles K */
};

/*
 * Parse the options of a `vmsim run` command line (argv[0] "vmsim",
 * argv[1] "run"): the index of the script in argv, or -1 with a message
 * in err.
 */
int scenario_parse_args(int argc, char *const *argv, struct scenario_opts *o,
    char *err, size_t errlen);

/*
 * Replaying a scenario trace (sim/replay.c): the scenario runs again,
 * its first machine (the one --trace recorded) is handed to the replay,
 * which checks it; the scenario stops when that machine is closed or a
 * second machine is built, or when stop() says so.
 */
struct scenario_replay {
	void *arg;
	/* The traced machine was just built: check it against the trace and
	 * install the verifying sink, the file provider and the sampler.
	 * 0, or -1 with a message (the replay fails). */
	int (*machine)(void *arg, struct machine *m, char *err, size_t errlen);
	/* The program of the nth (from 0) spawn on that machine: malloc'ed
	 * bytes.  0, or -1 with a message. */
	int (*binary)(void *arg, int nth, const char *path, uint8_t **image,
	    size_t *len, char *err, size_t errlen);
	/* The source of a module the scenario requires (malloc'ed): 0, or -1
	 * when the trace has none of that name. */
	int (*module)(void *arg, const char *name, char **src, size_t *len);
	/* The traced machine is about to be destroyed: compare the ends.
	 * first_status: the shell-style exit status of its first process, or
	 * INT64_MIN (none, or still running); failed: a run of it failed
	 * with err. */
	void (*done)(void *arg, struct machine *m, int64_t first_status, bool failed,
	    const char *err);
	/* True once the replay needs no more (a divergence, --until). */
	bool (*stop)(void *arg);
};

/*
 * Run the scenario name (its source src[0, len)) with the script
 * arguments argv[0, argc) under rp.  Returns 0 when the scenario ended
 * (however it ended: its own assertions are not the replay's business)
 * or was stopped by rp; 2 when it could not be run (message on stderr).
 */
int scenario_replay(const char *name, const char *src, size_t len, int argc,
    char *const *argv, const struct scenario_replay *rp);

#endif
