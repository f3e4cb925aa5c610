/*
 * sim/machine.h — the simulated machine: physical memory, CPUs (MMU state
 * + cycle counters), the kernel, and one execution engine per address
 * space; the deterministic slice loop that runs them.
 */
#ifndef SIM_MACHINE_H
#define SIM_MACHINE_H

#include "mmu/cost.h"
#include "sim/base/base.h"

struct machine;
struct proc;

#define MACHINE_MAX_CPUS 64

struct machine_config {
	enum sim_arch arch;
	uint64_t mem_bytes;		/* physical memory, multiple of 4 KiB */
	uint64_t seed;
	unsigned ncpus;			/* 1 for now */
	unsigned tlb_entries;		/* 0: the arch default */
	unsigned tlb_wired;		/* MIPS */
	uint64_t slice_insns;		/* instructions per scheduling slice */
	uint64_t max_insns;		/* stop the run after this many (0: no limit) */
	struct cost_table cost;
	const char *root;		/* host directory the guest sees as /, or NULL */
};

/* Defaults for arch (64 MiB, seed 1, 1 CPU, default TLB, 10000-insn slices). */
void machine_config_defaults(struct machine_config *c, enum sim_arch arch);
/* The configuration as a JSON object (malloc'ed), for the trace. */
char *machine_config_json(const struct machine_config *c);

/* 0, or -1 with a message (bad config, host out of resources). */
int machine_create(struct machine **out, const struct machine_config *c,
    char *err, size_t errlen);
void machine_destroy(struct machine *m);
/* Called with every file the guest reads in (for the trace). */
void machine_set_file_hook(struct machine *m,
    void (*fn)(void *arg, const char *path, const void *data, size_t len), void *arg);

/* Load and start a program.  0, or -1 with a message (malformed ELF...). */
int machine_spawn(struct machine *m, const char *path, const uint8_t *image,
    size_t len, int argc, char *const *argv, struct proc **out,
    char *err, size_t errlen);

/* Run until every process has exited (or max_insns).  Returns 0, or -1
 * with a message when the simulator itself failed. */
int machine_run(struct machine *m, char *err, size_t errlen);

/* The shell-style exit status of p: its exit code, or 128 + signal. */
int machine_exit_status(const struct proc *p);

/* Totals for the summary and the trace. */
struct machine_totals {
	uint64_t insns, cycles;
	uint64_t tlb_hits, tlb_misses, refills, tlb_invalid, tlb_modified;
	uint64_t walks, walk_loads, page_faults;
	uint64_t loads, stores, fetches;
	uint64_t pf_zero_fill, pf_file, pf_cow_copy, pf_soft, pf_failed;
	uint64_t syscalls, syscalls_unimplemented, signals;
};
void machine_totals(const struct machine *m, struct machine_totals *t);
/* The totals as a JSON object (malloc'ed). */
char *machine_totals_json(const struct machine_totals *t);

#endif
