/*
 * cpu/cpu.h — guest instruction execution on Unicorn Engine.
 *
 * One Unicorn engine per address space (struct cpu_as).  Its memory
 * regions mirror the address space's map entries (cpu_as_set_regions) and
 * are mapped onto the space's host view (mmu/view.h), whose pages show
 * simulated physical frames.  Per-access hooks call mmu_access() on the
 * simulated CPU that runs the engine; a block hook charges instructions,
 * checks instruction fetch through the MMU and ends slices
 * deterministically with uc_emu_stop (never uc_emu_start's count).
 *
 * A thread is a saved register context (struct cpu_ctx); a simulated CPU
 * runs a slice of a thread by loading its context into its address
 * space's engine.
 */
#ifndef CPU_CPU_H
#define CPU_CPU_H

#include "sim/base/base.h"
#include "sim/base/guest_reg.h"

struct cpu_as;
struct cpu_ctx;
struct mmu_cpu;
struct mmu_view;
struct physmem;

struct cpu_region {
	vm_offset_t start, end;
	vm_prot_t prot;
};

enum cpu_stop_reason {
	CPU_STOP_BUDGET,	/* the instruction budget ran out */
	CPU_STOP_SYSCALL,	/* guest executed syscall; PC is past it */
	CPU_STOP_FAULT,		/* an access the MMU or the region map refused */
	CPU_STOP_TRAP,		/* break/illegal instruction/divide error... */
	CPU_STOP_ERROR,		/* Unicorn failed: a simulator bug */
};

enum cpu_fault_kind {
	CPU_FAULT_REFUSED,	/* the MMU/kernel refused (signal posted) */
	CPU_FAULT_UNMAPPED,	/* no region: no map entry */
	CPU_FAULT_PROT,		/* region forbids the access */
};

struct cpu_stop {
	enum cpu_stop_reason reason;
	enum cpu_fault_kind fault;
	vm_offset_t addr;	/* FAULT: the address */
	int access;		/* FAULT: enum mmu_access_kind */
	int trapno;		/* TRAP: Unicorn interrupt number */
	uint64_t pc;		/* exact PC of the faulting/trapping insn when known */
	char msg[96];		/* ERROR: Unicorn's message */
};

/*
 * Which per-access hooks an engine has.  CPU_HOOKS_FULL is the simulator;
 * the other two exist for the speed benchmark (tests/bench/speed.c) and
 * need every page shown in the view before it is touched (the machine
 * prefaults): NONE runs Unicorn with only the system-call hooks, EMPTY
 * adds block and memory hooks whose bodies return at once.
 */
enum cpu_hooks { CPU_HOOKS_FULL, CPU_HOOKS_EMPTY, CPU_HOOKS_NONE };

/* A new engine for arch over physical memory pm, user space [0, user_max).
 * 0, or -1 with a message. */
int cpu_as_create(struct cpu_as **out, enum sim_arch arch, struct physmem *pm,
    vm_offset_t user_max, enum cpu_hooks hooks, char *err, size_t errlen);
void cpu_as_destroy(struct cpu_as *as);
struct mmu_view *cpu_as_view(struct cpu_as *as);
enum sim_arch cpu_as_arch(const struct cpu_as *as);

/* Make the engine's regions equal to r[0..n) (sorted, non-overlapping,
 * page aligned; entries with no access are left unmapped).  Pages that
 * stay covered keep what the view shows.  0, or -1 with a message. */
int cpu_as_set_regions(struct cpu_as *as, const struct cpu_region *r, int n,
    char *err, size_t errlen);

/* The kernel wrote instructions at [va, va + len) behind the engine's
 * back (a signal trampoline): translated code there is dropped before
 * the next run. */
void cpu_code_changed(struct cpu_as *as, vm_offset_t va, size_t len);

/*
 * Precise data faults (off by default; they cost a register snapshot per
 * instruction).  On: after an access the MMU refused, the registers are
 * those before the faulting instruction (MIPS: before its branch when it
 * sits in a delay slot), so a signal handler may return and have it run
 * again.  Off: the rest of the faulting block has run (its accesses sunk)
 * and the registers show it; fine when the fault kills the process.
 */
void cpu_set_precise(struct cpu_as *as, bool on);

/* Register access on the engine's current context. */
uint64_t cpu_reg_get(struct cpu_as *as, enum guest_reg r);
void cpu_reg_set(struct cpu_as *as, enum guest_reg r, uint64_t v);

/*
 * The general registers as one vector, in the order of Linux's signal
 * context (sim/kern's KERN_NGREGS uses the same): MIPS $0..$31, hi, lo,
 * pc (35 values); amd64 r8..r15, rdi, rsi, rbp, rbx, rdx, rax, rcx, rsp,
 * rip, eflags (18 values, the rest of the vector is zero).
 */
#define CPU_NGREGS		35
#define CPU_NGREGS_MIPS		35
#define CPU_NGREGS_AMD64	18
void cpu_gregs_get(struct cpu_as *as, uint64_t v[CPU_NGREGS]);
void cpu_gregs_set(struct cpu_as *as, const uint64_t v[CPU_NGREGS]);

/* Thread contexts: allocate (from the engine's current state), save the
 * engine's registers into one, load one into the engine.  A context is
 * the whole CPU state (FPU/SSE, TLS registers, flags), not the memory
 * map; one saved from an engine may be loaded into another engine of the
 * same arch (fork does: tests/sys/test_proc.c runs fork on every arch). */
struct cpu_ctx *cpu_ctx_alloc(struct cpu_as *as);
void cpu_ctx_free(struct cpu_ctx *ctx);
void cpu_ctx_save(struct cpu_as *as, struct cpu_ctx *ctx);
void cpu_ctx_load(struct cpu_as *as, const struct cpu_ctx *ctx);

/*
 * Run the engine's current context on simulated CPU mcpu for at most
 * budget instructions (whole blocks: a slice may overshoot by the rest of
 * the block in which the budget ran out).  Returns the instructions
 * executed; *stop says why it stopped.
 */
uint64_t cpu_run(struct cpu_as *as, struct mmu_cpu *mcpu, uint64_t budget,
    struct cpu_stop *stop);

/* The exact PC of the instruction now executing (inside a hook), for
 * events; outside a run, the context's PC. */
uint64_t cpu_exact_pc(struct cpu_as *as);

/*
 * Disassemble n instructions of arch at pc from code[0..len), one per
 * line ("0x...: mnemonic operands"), into out.  Returns the number of
 * instructions decoded, or -1 if Capstone is unavailable.
 */
int cpu_disasm(enum sim_arch arch, const uint8_t *code, size_t len, uint64_t pc,
    int n, char *out, size_t outlen);
/* Disassemble the one instruction at va of the address space (through
 * its host view).  "" if not readable. */
int cpu_disasm_at(struct cpu_as *as, vm_offset_t va, char *out, size_t outlen);

#endif
