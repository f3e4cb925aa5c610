/*
 * sim/tools.h — the vmsim commands built on the trace store, and what
 * they share: running a program with a trace (exec, replay --set), the
 * counter samples, reading a trace back (program images, disassembly
 * around a PC), small parsing helpers.
 *
 *   sim/run.c      run_program(): one traced (or untraced) run
 *   sim/replay.c   vmsim replay
 *   sim/diff.c     vmsim diff
 *   sim/show.c     vmsim show, stats, dump; code maps and disassembly
 *   sim/bench.c    vmsim bench trace
 *
 * Exit statuses of the trace commands: 0 success (replay identical, diff
 * within tolerance), 1 a difference found, 2 an error (bad trace file,
 * usage), with a message on stderr.
 */
#ifndef SIM_TOOLS_H
#define SIM_TOOLS_H

#include "sim/base/event.h"
#include "sim/machine.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

struct sqlite3;
struct trace;

#define VMSIM_VERSION		"0.1.0"
#define RUN_SAMPLE_DEFAULT	1000000	/* cycles between counter samples */

/* ---- running a program (sim/run.c) ---- */

struct run_spec {
	struct machine_config cfg;
	const char *program;		/* the program as given (argv[0] source) */
	const uint8_t *image;		/* its bytes */
	size_t len;
	int argc;			/* guest argv */
	char *const *argv;
	const char *trace_path;		/* write a trace here, or NULL */
	const char *din_path;		/* write the din reference stream here, or NULL */
	const char *cmdline_json;	/* the vmsim command line, for the run row */
	uint64_t sample_cycles;		/* counter sample period (0: final only) */
	bool quiet;			/* no summary on stderr */
	/* Files come from here instead of the host root (replay --set). */
	int (*fetch)(void *arg, const char *path, uint8_t **data, size_t *len);
	void *fetch_arg;
};

/*
 * Run spec's program to the end.  Returns its shell-style exit status
 * (exit code or 128 + signal), or 2 when the program could not be loaded,
 * the simulator failed or the trace could not be written (message on
 * stderr).  *traced_ok (if not NULL) says whether a trace was written
 * and finished as 'complete'.
 */
int run_program(struct run_spec *spec, bool *traced_ok);

/* The region label of an event (trace_set_region_fn), arg = machine. */
void run_region_label(void *machine, const struct event *ev, char *buf,
    size_t len);

/*
 * Emit the counter rows of one sample through row(): with final, the
 * machine totals (scope "machine", id 0), each CPU and each process (in
 * creation order); else each CPU and each process.  Every counter of
 * machine_counter_names, in that order.
 */
typedef void run_counter_fn(void *arg, uint64_t cycle, bool final,
    const char *scope, int64_t scope_id, const char *name, uint64_t value);
void run_counters(struct machine *m, uint64_t cycle, bool final,
    run_counter_fn *row, void *arg);

/* JSON array of strings (malloc'ed, or NULL when out of memory). */
char *run_json_argv(int argc, char *const *argv);

/* Whole file into memory (malloc'ed); NULL with errno. */
uint8_t *run_read_file(const char *path, size_t *len);

/* "64M", "1G", "4096", "512K" / decimal or 0x numbers: 0 or -1. */
int parse_size(const char *s, uint64_t *out);
int parse_u64(const char *s, uint64_t *out);

/* ---- reading traces (sim/show.c) ---- */

/*
 * Open a trace for reading (trace_read_open, accepting failed runs); on
 * error print "vmsim: MESSAGE" on stderr and return NULL.
 */
struct sqlite3 *tool_open(const char *path);
/* Print "vmsim: PATH: what: SQLite's message" on stderr; returns 2. */
int tool_sqlerr(struct sqlite3 *db, const char *path, const char *what);

/*
 * A program image for disassembly: the guest binary's bytes from the
 * trace and where its segments were loaded.
 */
struct code_map {
	enum sim_arch arch;
	char *program;			/* the program as the run named it */
	uint8_t *image;
	size_t len;
	uint64_t bias;			/* load bias (PIE), from the exec event */
	int nsegs;
	struct code_seg {
		uint64_t va, filesz, offset;
	} segs[16];
};

/* Load program's image from the trace: 0, or -1 (message in err). */
int code_map_load(struct sqlite3 *db, enum sim_arch arch, const char *program,
    struct code_map *cm, char *err, size_t errlen);
void code_map_free(struct code_map *cm);
/* The one instruction at pc ("mnemonic operands") into out; "" if pc is
 * not in the image.  Returns 0 or -1. */
int code_map_insn(const struct code_map *cm, uint64_t pc, char *out, size_t len);
/* Print up to before / after instructions around pc, pc marked "=>",
 * each line prefixed with indent. */
void code_map_print_around(const struct code_map *cm, uint64_t pc, int before,
    int after, const char *indent, FILE *f);

/* The arch named s (mips, mipsel, amd64): 0 or -1. */
int tool_arch(const char *s, enum sim_arch *a);

/* ---- the commands ---- */

int cmd_replay(int argc, char **argv);
int cmd_diff(int argc, char **argv);
int cmd_show(int argc, char **argv);
int cmd_stats(int argc, char **argv);
int cmd_dump(int argc, char **argv);
int cmd_bench(int argc, char **argv);

#endif
