/*
 * sim/machine.h — the simulated machine: physical memory, CPUs (MMU state
 * + cycle counters), the kernel, and one execution engine per address
 * space; the deterministic slice loop that runs them.
 */
#ifndef SIM_MACHINE_H
#define SIM_MACHINE_H

#include "mmu/cache.h"
#include "mmu/cost.h"
#include "mmu/mmu.h"
#include "sim/base/base.h"
#include "vm/memguard.h"

struct machine;
struct proc;

#define MACHINE_MAX_CPUS 64

struct machine_config {
	enum sim_arch arch;
	uint64_t mem_bytes;		/* physical memory, multiple of 4 KiB */
	uint64_t seed;
	unsigned ncpus;			/* 1..MACHINE_MAX_CPUS */
	unsigned tlb_entries;		/* 0: the arch default */
	unsigned tlb_wired;		/* MIPS: at least the kernel's (1 UP, 2 SMP; 0 = that) */
	uint64_t slice_insns;		/* instructions per scheduling slice */
	uint64_t max_insns;		/* stop the run after this many (0: no limit) */
	struct cost_table cost;
	const char *root;		/* host directory the guest sees as /, or NULL */
	int bench_hooks;		/* enum cpu_hooks; not FULL only in the speed benchmark */
	struct cache_geom l1i, l1d, l2;	/* per CPU (L2 per CPU unless l2_shared) */
	unsigned l2_shared;		/* 0/1: one L2 for every CPU */
	/* amd64: the TLB levels' 4 KiB arrays (--itlb/--dtlb/--stlb);
	 * --tlb-entries N sets both L1s to N fully associative entries. */
	struct tlb_amd64_array_geom itlb, dtlb, stlb;
	uint64_t swap_bytes;		/* the swap device (--swap; 0: none), page multiple */
	unsigned overcommit;		/* swap accounting bits (--overcommit;
					   vm/swap_pager.h SWAP_RESERVE_*) */
	uint32_t uid;			/* the user id the first program runs as (--uid) */
	unsigned bugs;			/* teaching knobs, MACHINE_BUG_* (--bug NAME) */
	struct memguard_config memguard;	/* --memguard DESC[,KEY=N...]: which
					   kmalloc requests memguard takes */
};

/* Teaching knobs: deliberate kernel bugs whose effect a lab shows. */
#define MACHINE_BUG_SKIP_SHOOTDOWN	0x1	/* "skip-shootdown": no remote TLB invalidation */
#define MACHINE_BUG_KSTACK_OVERFLOW	0x2	/* "kstack-overflow": write(2) puts a
						   12 KiB buffer on the kernel stack */
#define MACHINE_BUG_PIPE_UAF		0x4	/* "pipe-use-after-free": the last close of a
						   pipe reads its counters after freeing them */
#define MACHINE_BUG_ALL			0x7
/* The bit of a knob's name, or 0; the name of one bit. */
unsigned machine_bug_bit(const char *name);
const char *machine_bug_name(unsigned bit);

/* Defaults for arch (64 MiB, seed 1, 1 CPU, default TLB, 10000-insn slices). */
void machine_config_defaults(struct machine_config *c, enum sim_arch arch);
/* The configuration as a JSON object (malloc'ed), for the trace. */
char *machine_config_json(const struct machine_config *c);

/* 0, or -1 with a message naming the bad setting. */
int machine_config_check(const struct machine_config *c, char *err, size_t errlen);
/* 0, or -1 with a message (bad config, host out of resources). */
int machine_create(struct machine **out, const struct machine_config *c,
    char *err, size_t errlen);
void machine_destroy(struct machine *m);
/*
 * --din: send every CPU's physical reference stream (guest loads, stores,
 * instruction fetches, page-table loads, kernel page copies) to flush in
 * Dinero IV's din format, one record per smallest-L1-line granule.
 * 0, or -1 (no memory).  machine_din_finish flushes the rest: 0 or the
 * first flush error.
 */
int machine_set_din(struct machine *m, int (*flush)(void *arg, const char *buf, size_t n),
    void *arg);
int machine_din_finish(struct machine *m);
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

/* The machine's kernel (for the Lua API's kernel table, sim/lua_kernel.c). */
struct kern *machine_kernel(struct machine *m);

/* The kernel panicked (machine_run returned -1 "kernel panic: ..."). */
bool machine_panicked(const struct machine *m);

/* The shell-style exit status of p: its exit code, or 128 + signal. */
int machine_exit_status(const struct proc *p);

/*
 * Counters: one vector of named monotonic values — cycles, the MMU
 * counters (mmu_ctr_names), page faults by kind, system calls, swap
 * reservation refusals — kept for the whole machine, per CPU and per
 * process.  One is a level, not a count: swap_reserved, the bytes of swap
 * reserved now, which every scope shows as the machine's value.  Work is attributed to the
 * CPU and process that ran the slice (and its system call) in which it
 * happened; program loading before the first slice counts for the machine
 * only.
 */
#define MACHINE_NCTR	(1 + MMU_NCTR + 10)
extern const char *const machine_counter_names[MACHINE_NCTR];
/* Index of a counter by name, or -1. */
int machine_counter_index(const char *name);
void machine_counters(const struct machine *m, uint64_t vals[MACHINE_NCTR]);
void machine_counters_cpu(const struct machine *m, int cpu, uint64_t vals[MACHINE_NCTR]);
/* 0, or -1 if pid is unknown. */
int machine_counters_proc(const struct machine *m, int pid, uint64_t vals[MACHINE_NCTR]);
/* The pids of every process of the run, in creation order. */
int machine_pids(const struct machine *m, int *pids, int max);
int machine_ncpus(const struct machine *m);

/* Call fn every `every` cycles of CPU 0 (checked between slices), and
 * once more at the end of the run.  every = 0 disables sampling. */
void machine_set_sampler(struct machine *m, uint64_t every,
    void (*fn)(void *arg, struct machine *m, uint64_t cycle), void *arg);

/* The counters as a JSON object {"name":value,...} (malloc'ed). */
char *machine_counters_json(const uint64_t vals[MACHINE_NCTR]);

/* ---- control and inspection for the trace tools (sim/replay.c) ---- */

#include <stdio.h>

/* End the run early: machine_run returns (-1, "instruction limit")
 * before the next slice, after the current one.  Callable from an event
 * sink. */
void machine_stop(struct machine *m);

/*
 * Serve guest files from fetch instead of the host root (replay reads
 * them from the trace): fetch returns 0 with a malloc'ed copy of the
 * file's bytes (the kernel frees it), or -ENOENT.  The file hook still
 * sees every file read.
 */
void machine_set_file_provider(struct machine *m,
    int (*fetch)(void *arg, const char *path, uint8_t **data, size_t *len),
    void *arg);

/* Longest region label, with its NUL. */
#define MACHINE_REGION_MAX	128

/*
 * The region of pid's address space that va falls in, as a label that is
 * the same in every run of the same program: "file:PATH+0xOFF" (a mapping
 * of the file at guest PATH from file offset OFF), "bss:PATH" (the
 * zero-filled part of an ELF segment of PATH), "heap" (brk), "stack",
 * "anon@0xSTART" (another anonymous mapping, by its start address); ""
 * when va is in no mapping or pid is unknown.
 */
void machine_region_label(struct machine *m, int pid, uint64_t va,
    char *buf, size_t len);

/* Print pid's vm_map (entries, protections, region labels and objects
 * with their shadow chains), cpu's TLB (MIPS pairs and wired entries,
 * amd64 entries with PCID and flags), or the page-table translations of
 * the 2 * radius + 1 pages around va.  0, or -1 for an unknown pid/cpu. */
int machine_describe_map(struct machine *m, int pid, FILE *f);
int machine_describe_tlb(struct machine *m, int cpu, FILE *f);
int machine_describe_ptes(struct machine *m, int pid, uint64_t va,
    int radius, FILE *f);

/* ---- stepping, inspection and memory access for the Lua API (sim/lua.c) ---- */

struct mmu_cpu;

/*
 * machine_run returns 1 (instead of 0 or -1) when it paused: before a
 * slice, machine_pause had been called (from an event sink, a sampler or
 * between runs), or machine_step's budget was used up.  Processes stay
 * runnable; the next machine_run or machine_step continues where it
 * stopped (the round-robin position is kept).
 */
void machine_pause(struct machine *m);
/* Call fn after every slice (NULL: none); fn may call machine_pause. */
void machine_set_slice_hook(struct machine *m, void (*fn)(void *arg, struct machine *m),
    void *arg);
/* Send guest output (fd 1 and 2 of the console) to fn instead of the
 * host's stdout/stderr; pid is the writer.  NULL: back to the host. */
void machine_set_console(struct machine *m,
    void (*fn)(void *arg, int pid, int fd, const void *buf, size_t len), void *arg);
/* Run at most about insns more instructions (whole blocks: a slice is cut
 * to the budget), then pause.  0 (every process exited), 1 (paused) or
 * -1 with a message, as machine_run. */
int machine_step(struct machine *m, uint64_t insns, char *err, size_t errlen);
/* Instructions executed by every CPU so far. */
uint64_t machine_insns_total(const struct machine *m);
/* Processes that have not exited. */
int machine_nlive(const struct machine *m);
/* The pids of the processes the kernel holds now (running, sleeping, or
 * exited and not reaped yet), in pid order. */
int machine_kern_pids(const struct machine *m, int *pids, int max);
/* The process pid (exited ones included while the kernel keeps them), or NULL. */
struct proc *machine_proc(struct machine *m, int pid);
const struct machine_config *machine_config_of(const struct machine *m);
/* CPU cpu's memory hardware (TLB, caches, counters), or NULL. */
struct mmu_cpu *machine_cpu(struct machine *m, int cpu);
/* The pid whose thread is current on cpu (its address space is the one
 * the CPU translates with), or 0. */
int machine_cpu_pid(const struct machine *m, int cpu);
/*
 * Read len bytes at va of pid's address space through its page tables,
 * as they are: no fault is taken, so nothing changes.  0; -ESRCH (no such
 * live process); -EFAULT with *bad the first address that is not mapped
 * readable.
 */
int machine_peek(struct machine *m, int pid, uint64_t va, void *buf, size_t len,
    uint64_t *bad);
/*
 * Write len bytes at va of pid's address space as a debugger does
 * (proc_rwmem, ptrace's POKE): a page that is absent or not writable yet
 * (copy-on-write) is faulted in for writing first (events are the
 * process's); read-only text whose entry is private (or may be made
 * writable) gets a private copy that stays read-only for the process,
 * and an executable range is synced for the I-cache; a page the map
 * does not let the process read, or that can never be written, is
 * refused.  0, -ESRCH or -EFAULT with *bad.
 */
int machine_poke(struct machine *m, int pid, uint64_t va, const void *buf, size_t len,
    uint64_t *bad);

#endif
