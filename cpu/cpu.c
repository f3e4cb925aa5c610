/*
 * cpu/cpu.c — the Unicorn adapter (see cpu.h).  Facts about Unicorn 2.0.1
 * this relies on are in shared/UNICORN-NOTES.md: hooks run before each
 * access with the virtual address; uc_emu_stop from a block hook keeps
 * that block from running; x86 reports exact PCs in memory hooks, MIPS
 * reports the block start (we recover the exact PC by counting accesses
 * since the block began and decoding the block); a MIPS syscall is
 * interrupt 17 with the PC already past it; the x86 syscall hook leaves
 * RIP past the instruction once the engine stops.
 */
#include "cpu/cpu.h"
#include "mmu/mmu.h"
#include "mmu/view.h"

#include <capstone/capstone.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unicorn/unicorn.h>

#define CPU_MAX_REGIONS		1024	/* far below Unicorn's 4095 abort */
#define CPU_MAX_FLUSH		256	/* pending code-cache removals */
#define BLOCK_CACHE_SIZE	4096	/* decoded blocks (cpu_block) */

/* MIPS exception codes as Unicorn reports them (UNICORN-NOTES.md). */
#define MIPS_INTR_SYSCALL	17

struct block_info {
	uint64_t addr;
	uint32_t size;
	uint32_t icount;	/* instructions (0: slot empty) */
	uint32_t cycles;	/* base cycles of those instructions */
	uint32_t flags;
};
#define BLOCK_SYNCI	0x1	/* MIPS: the block holds a SYNCI */
#define CPU_MAX_SYNCI	64	/* distinct SYNCI instructions hooked */

struct cpu_as {
	uc_engine *uc;
	enum sim_arch arch;
	struct mmu_view view;
	csh cs;				/* Capstone handle for this arch */

	struct cpu_region *regions;	/* what Unicorn has mapped now */
	int nregions;

	/* State of the slice being run (valid inside cpu_run). */
	struct mmu_cpu *mcpu;
	struct cpu_stop *stop;
	int64_t budget_left;
	uint64_t executed;
	bool stopping;			/* a stop is requested; sink further accesses */
	bool running;
	uint64_t block_addr;		/* MIPS exact-PC recovery */
	uint32_t block_size;
	uint32_t block_accesses;

	/* Pages whose translated code must be dropped (view re-pointed). */
	vm_offset_t flush[CPU_MAX_FLUSH];
	int nflush;
	bool flush_overflow;

	struct block_info *blocks;	/* per-block decode cache */
	struct block_info *last_block;	/* the slot used last */
	uint64_t synci_pc[CPU_MAX_SYNCI];	/* SYNCIs with a code hook */
	int nsynci;
	bool synci_new;			/* a hook was just added: retranslate */
	enum cpu_hooks hooks;

	/* Precise data faults (cpu_set_precise): the general registers
	 * before each instruction, the last two (MIPS: a branch and its
	 * delay slot). */
	bool precise;
	uc_hook code_hook;
	uint64_t pre_regs[2][CPU_NGREGS];
	int pre_cur;			/* the newer of the two */
	int pre_n;			/* snapshots taken this run (0..2+) */
	bool data_refused;		/* this run stopped on a refused data access */
	uint64_t resume_pc;		/* stopped before a block: resume there */
	bool resume_pc_valid;
};

struct cpu_ctx {
	uc_context *uc_ctx;
};

static const int mips_regs[GREG_COUNT] = {
	[GREG_PC] = UC_MIPS_REG_PC, [GREG_SP] = UC_MIPS_REG_SP,
	[GREG_MIPS_V0] = UC_MIPS_REG_V0, [GREG_MIPS_V1] = UC_MIPS_REG_V1,
	[GREG_MIPS_A0] = UC_MIPS_REG_A0, [GREG_MIPS_A1] = UC_MIPS_REG_A1,
	[GREG_MIPS_A2] = UC_MIPS_REG_A2, [GREG_MIPS_A3] = UC_MIPS_REG_A3,
	[GREG_MIPS_RA] = UC_MIPS_REG_RA, [GREG_MIPS_T9] = UC_MIPS_REG_T9,
	[GREG_MIPS_USERLOCAL] = UC_MIPS_REG_CP0_USERLOCAL,
};

static const int x86_regs[GREG_COUNT] = {
	[GREG_PC] = UC_X86_REG_RIP, [GREG_SP] = UC_X86_REG_RSP,
	[GREG_X86_RAX] = UC_X86_REG_RAX, [GREG_X86_RDI] = UC_X86_REG_RDI,
	[GREG_X86_RSI] = UC_X86_REG_RSI, [GREG_X86_RDX] = UC_X86_REG_RDX,
	[GREG_X86_R10] = UC_X86_REG_R10, [GREG_X86_R8] = UC_X86_REG_R8,
	[GREG_X86_R9] = UC_X86_REG_R9, [GREG_X86_RCX] = UC_X86_REG_RCX,
	[GREG_X86_R11] = UC_X86_REG_R11, [GREG_X86_FS_BASE] = UC_X86_REG_FS_BASE,
};

static int
uc_reg_id(const struct cpu_as *as, enum guest_reg r)
{
	int id = as->arch == ARCH_AMD64 ? x86_regs[r] : mips_regs[r];

	KASSERT(id != 0 || r == GREG_PC,
	    ("cpu: register %d does not exist on %s", r, sim_arch_name(as->arch)));
	return id;
}

uint64_t
cpu_reg_get(struct cpu_as *as, enum guest_reg r)
{
	uint64_t v = 0;
	uc_err e = uc_reg_read(as->uc, uc_reg_id(as, r), &v);

	KASSERT(e == UC_ERR_OK, ("uc_reg_read(%d): %s", r, uc_strerror(e)));
	if (as->arch != ARCH_AMD64)
		v &= 0xffffffffu;
	return v;
}

void
cpu_reg_set(struct cpu_as *as, enum guest_reg r, uint64_t v)
{
	uc_err e;

	if (as->arch != ARCH_AMD64)
		v &= 0xffffffffu;
	e = uc_reg_write(as->uc, uc_reg_id(as, r), &v);
	KASSERT(e == UC_ERR_OK, ("uc_reg_write(%d): %s", r, uc_strerror(e)));
}

static const int mips_gregs[CPU_NGREGS_MIPS] = {
	UC_MIPS_REG_0, UC_MIPS_REG_1, UC_MIPS_REG_2, UC_MIPS_REG_3,
	UC_MIPS_REG_4, UC_MIPS_REG_5, UC_MIPS_REG_6, UC_MIPS_REG_7,
	UC_MIPS_REG_8, UC_MIPS_REG_9, UC_MIPS_REG_10, UC_MIPS_REG_11,
	UC_MIPS_REG_12, UC_MIPS_REG_13, UC_MIPS_REG_14, UC_MIPS_REG_15,
	UC_MIPS_REG_16, UC_MIPS_REG_17, UC_MIPS_REG_18, UC_MIPS_REG_19,
	UC_MIPS_REG_20, UC_MIPS_REG_21, UC_MIPS_REG_22, UC_MIPS_REG_23,
	UC_MIPS_REG_24, UC_MIPS_REG_25, UC_MIPS_REG_26, UC_MIPS_REG_27,
	UC_MIPS_REG_28, UC_MIPS_REG_29, UC_MIPS_REG_30, UC_MIPS_REG_31,
	UC_MIPS_REG_HI, UC_MIPS_REG_LO, UC_MIPS_REG_PC,
};

static const int x86_gregs[CPU_NGREGS_AMD64] = {
	UC_X86_REG_R8, UC_X86_REG_R9, UC_X86_REG_R10, UC_X86_REG_R11,
	UC_X86_REG_R12, UC_X86_REG_R13, UC_X86_REG_R14, UC_X86_REG_R15,
	UC_X86_REG_RDI, UC_X86_REG_RSI, UC_X86_REG_RBP, UC_X86_REG_RBX,
	UC_X86_REG_RDX, UC_X86_REG_RAX, UC_X86_REG_RCX, UC_X86_REG_RSP,
	UC_X86_REG_RIP, UC_X86_REG_EFLAGS,
};

void
cpu_gregs_get(struct cpu_as *as, uint64_t v[CPU_NGREGS])
{
	bool mips = as->arch != ARCH_AMD64;
	const int *ids = mips ? mips_gregs : x86_gregs;
	int n = mips ? CPU_NGREGS_MIPS : CPU_NGREGS_AMD64;

	memset(v, 0, CPU_NGREGS * sizeof(v[0]));
	for (int i = 0; i < n; i++) {
		uc_err e = uc_reg_read(as->uc, ids[i], &v[i]);

		KASSERT(e == UC_ERR_OK, ("uc_reg_read(greg %d): %s", i, uc_strerror(e)));
		if (mips)
			v[i] &= 0xffffffffu;
	}
}

void
cpu_gregs_set(struct cpu_as *as, const uint64_t v[CPU_NGREGS])
{
	bool mips = as->arch != ARCH_AMD64;
	const int *ids = mips ? mips_gregs : x86_gregs;
	int n = mips ? CPU_NGREGS_MIPS : CPU_NGREGS_AMD64;

	/* $0 is hard-wired to zero: never written. */
	for (int i = mips ? 1 : 0; i < n; i++) {
		uint64_t x = mips ? v[i] & 0xffffffffu : v[i];
		uc_err e = uc_reg_write(as->uc, ids[i], &x);

		KASSERT(e == UC_ERR_OK, ("uc_reg_write(greg %d): %s", i, uc_strerror(e)));
	}
}

/* ---- code-cache coherence ------------------------------------------ */

/* The view re-pointed a page: translated blocks of it may be stale. */
static void
cpu_view_repointed(void *arg, vm_offset_t va)
{
	struct cpu_as *as = arg;

	for (int i = 0; i < as->nflush; i++)
		if (as->flush[i] == va)
			return;
	if (as->nflush == CPU_MAX_FLUSH) {
		as->flush_overflow = true;
		return;
	}
	as->flush[as->nflush++] = va;
}

void
cpu_code_changed(struct cpu_as *as, vm_offset_t va, size_t len)
{
	for (vm_offset_t pg = trunc_page(va); len > 0 && pg < va + len; pg += PAGE_SIZE)
		cpu_view_repointed(as, pg);
}

/* Drop translated code of the queued pages (outside uc_emu_start only). */
static void
cpu_flush_code(struct cpu_as *as)
{
	if (as->flush_overflow) {
		/* Region by region: Unicorn's invalidation translates its
		 * start address, so a range starting at an unmapped page
		 * (such as page 0) would invalidate nothing. */
		for (int i = 0; i < as->nregions; i++)
			uc_ctl_remove_cache(as->uc, as->regions[i].start, as->regions[i].end);
		as->flush_overflow = false;
	} else {
		for (int i = 0; i < as->nflush; i++)
			uc_ctl_remove_cache(as->uc, as->flush[i],
			    as->flush[i] + PAGE_SIZE);
	}
	as->nflush = 0;
	memset(as->blocks, 0, BLOCK_CACHE_SIZE * sizeof(as->blocks[0]));
}

static unsigned mips_insn_accesses(const cs_insn *in);
static void cpu_fault(struct cpu_as *as, enum cpu_fault_kind kind, vm_offset_t addr,
    int access);
static void cpu_synci_hook(struct cpu_as *as, uint64_t pc);

/* ---- hooks ----------------------------------------------------------- */

/*
 * SYNCI offset(base) (MIPS32 r2): make the I-cache line of base + offset
 * coherent with the D-cache.  Unicorn executes it as a no-op; this code
 * hook, set on each SYNCI the block decoder finds, performs it in the
 * model.  Encoding: REGIMM (000001) | base << 21 | 11111 << 16 | offset.
 */
static void
hook_synci(uc_engine *uc, uint64_t address, uint32_t size, void *arg)
{
	struct cpu_as *as = arg;
	uint8_t b[4];
	uint32_t insn;
	uint64_t base = 0;
	vm_paddr_t pa;
	vm_offset_t va;

	(void)size;
	if (as->mcpu == NULL || uc_mem_read(uc, address, b, 4) != UC_ERR_OK)
		return;
	insn = as->arch == ARCH_MIPS ? (uint32_t)b[0] << 24 | b[1] << 16 | b[2] << 8 | b[3] :
	    (uint32_t)b[3] << 24 | b[2] << 16 | b[1] << 8 | b[0];
	if ((insn >> 26) != 1 || ((insn >> 16) & 0x1f) != 0x1f)
		return;		/* no longer a SYNCI (code changed) */
	uc_reg_read(uc, UC_MIPS_REG_0 + (int)((insn >> 21) & 0x1f), &base);
	va = (uint32_t)(base + (uint64_t)(int64_t)(int16_t)(insn & 0xffff));
	if (mmu_translate(as->mcpu, va, MMU_LOAD, &pa) != 0) {
		cpu_fault(as, CPU_FAULT_REFUSED, va, MMU_LOAD);
		return;
	}
	mmu_icache_sync(as->mcpu, va, pa & ~(vm_paddr_t)(as->mcpu->l1i.g.line_bytes - 1),
	    as->mcpu->l1i.g.line_bytes, "synci");
}

/* Give the SYNCI at pc a code hook (once); the caller retranslates. */
static void
cpu_synci_hook(struct cpu_as *as, uint64_t pc)
{
	uc_hook h;

	for (int i = 0; i < as->nsynci; i++)
		if (as->synci_pc[i] == pc)
			return;
	if (as->nsynci == CPU_MAX_SYNCI)
		return;		/* XXX: later SYNCIs act as no-ops in the model */
	if (uc_hook_add(as->uc, &h, UC_HOOK_CODE, (void *)hook_synci, as, pc, pc) != UC_ERR_OK)
		return;
	as->synci_pc[as->nsynci++] = pc;
	as->synci_new = true;
}

static void
cpu_request_stop(struct cpu_as *as, enum cpu_stop_reason why)
{
	if (as->stopping)
		return;
	as->stopping = true;
	as->stop->reason = why;
	uc_emu_stop(as->uc);
}

static void
cpu_fault(struct cpu_as *as, enum cpu_fault_kind kind, vm_offset_t addr, int access)
{
	if (as->stopping)
		return;
	as->stop->fault = kind;
	as->stop->addr = addr;
	as->stop->access = access;
	as->stop->pc = cpu_exact_pc(as);
	cpu_request_stop(as, CPU_STOP_FAULT);
}

/*
 * The cost class of one decoded instruction (mmu/cost.h).  MIPS by
 * mnemonic (Capstone 4's MIPS groups do not separate these), x86 by
 * instruction id and group.
 */
static uint32_t
insn_cycles(const struct cpu_as *as, const cs_insn *in, const struct cost_table *c)
{
	if (as->arch == ARCH_AMD64) {
		const cs_detail *d = in->detail;

		switch (in->id) {
		case X86_INS_MUL: case X86_INS_IMUL: return c->insn_mul;
		case X86_INS_DIV: case X86_INS_IDIV: return c->insn_div;
		default: break;
		}
		for (int g = 0; g < d->groups_count; g++) {
			switch (d->groups[g]) {
			case X86_GRP_JUMP: case X86_GRP_CALL: case X86_GRP_RET:
			case X86_GRP_BRANCH_RELATIVE:
				return c->insn_branch;
			case X86_GRP_SSE1: case X86_GRP_SSE2: case X86_GRP_SSE3:
			case X86_GRP_SSSE3: case X86_GRP_SSE41: case X86_GRP_SSE42:
			case X86_GRP_AVX: case X86_GRP_AVX2: case X86_GRP_FPU:
				return c->insn_fp;
			default:
				break;
			}
		}
		for (int i = 0; i < d->x86.op_count; i++)
			if (d->x86.operands[i].type == X86_OP_MEM && in->id != X86_INS_LEA &&
			    in->id != X86_INS_NOP)
				return c->insn_mem;
		return c->insn_alu;
	}
	const char *mn = in->mnemonic;

	if (strncmp(mn, "mul", 3) == 0 || strncmp(mn, "madd", 4) == 0 ||
	    strncmp(mn, "msub", 4) == 0)
		return strchr(mn, '.') ? c->insn_fp : c->insn_mul;
	if (strncmp(mn, "div", 3) == 0)
		return strchr(mn, '.') ? c->insn_fp : c->insn_div;
	if (strchr(mn, '.') != NULL || strncmp(mn, "cvt", 3) == 0 ||
	    strcmp(mn, "mfc1") == 0 || strcmp(mn, "mtc1") == 0)
		return c->insn_fp;
	if (mn[0] == 'b' || mn[0] == 'j')
		return c->insn_branch;
	if (mips_insn_accesses(in) > 0)
		return c->insn_mem;
	return c->insn_alu;
}

/*
 * What the block at addr costs: its instruction count and base cycles,
 * decoded once with Capstone and cached until its page's code is
 * dropped.  The bytes are read through Unicorn, i.e. the view, which
 * shows the page (its fetch was translated before this is called).
 */
static const struct block_info *
cpu_block(struct cpu_as *as, uint64_t addr, uint32_t size)
{
	struct block_info *b = as->last_block;
	uint8_t buf[1024];
	cs_insn *insn;
	size_t n;

	/* Loops run the same block again and again. */
	if (b != NULL && b->addr == addr && b->size == size && b->icount != 0)
		return b;
	b = &as->blocks[(addr ^ (addr >> 12)) % BLOCK_CACHE_SIZE];
	as->last_block = b;
	if (b->addr == addr && b->size == size && b->icount != 0)
		return b;
	b->addr = addr;
	b->size = size;
	b->flags = 0;
	if (size == 0 || size > sizeof(buf) ||
	    uc_mem_read(as->uc, addr, buf, size) != UC_ERR_OK) {
		b->icount = as->arch == ARCH_AMD64 ? 1 : MAX(size / 4, 1);
		b->cycles = b->icount * as->mcpu->cost.insn_alu;
		return b;
	}
	n = cs_disasm(as->cs, buf, size, addr, 0, &insn);
	b->icount = n > 0 ? (uint32_t)n : 1;
	b->cycles = n > 0 ? 0 : as->mcpu->cost.insn_alu;
	for (size_t i = 0; i < n; i++) {
		b->cycles += insn_cycles(as, &insn[i], &as->mcpu->cost);
		if (as->arch != ARCH_AMD64 && insn[i].id == MIPS_INS_SYNCI) {
			b->flags |= BLOCK_SYNCI;
			cpu_synci_hook(as, insn[i].address);
		}
	}
	if (n > 0)
		cs_free(insn, n);
	return b;
}

/*
 * Stop before the block at addr runs.  The engine is resumed at addr: in
 * precise mode (a code hook per instruction) Unicorn exits here with the
 * PC of the last instruction hooked before (e.g. a branch's delay slot),
 * not the block's.
 */
static void
cpu_stop_before_block(struct cpu_as *as, uint64_t addr, enum cpu_stop_reason why)
{
	if (as->stopping)
		return;
	cpu_request_stop(as, why);
	as->resume_pc = addr;
	as->resume_pc_valid = true;
}

/*
 * Unicorn 2.0.1 sometimes reports an x86 block as longer than what it
 * translated (seen: a 9-byte _fini ending in ret, 0x148 bytes before a
 * page end, reported as 334 bytes), so its fetch would reach into the
 * next page, which may not be executable.  For a block that seems to
 * cross a page, the part in its first page (already fetched, so the
 * view shows its bytes) is decoded, and the block ends after its first
 * control transfer there.  qemu ends every block at one, so a block
 * that really crosses the page has none there and keeps its size.
 */
static uint32_t
cpu_block_clamp(struct cpu_as *as, uint64_t addr, uint32_t size, uint32_t first)
{
	static uint8_t buf[PAGE_SIZE];
	const uint8_t *code = buf;
	size_t left = first;
	uint64_t pc = addr;
	cs_insn *insn;
	uint32_t r = size;

	if (uc_mem_read(as->uc, addr, buf, first) != UC_ERR_OK)
		return size;
	insn = cs_malloc(as->cs);
	if (insn == NULL)
		return size;
	while (cs_disasm_iter(as->cs, &code, &left, &pc, insn)) {
		if (cs_insn_group(as->cs, insn, CS_GRP_JUMP) ||
		    cs_insn_group(as->cs, insn, CS_GRP_CALL) ||
		    cs_insn_group(as->cs, insn, CS_GRP_RET) ||
		    cs_insn_group(as->cs, insn, CS_GRP_INT) ||
		    cs_insn_group(as->cs, insn, CS_GRP_IRET)) {
			r = (uint32_t)(insn->address + insn->size - addr);
			break;
		}
	}
	cs_free(insn, 1);
	return r;
}

static void
hook_block(uc_engine *uc, uint64_t addr, uint32_t size, void *arg)
{
	struct cpu_as *as = arg;
	struct mmu_cpu *mcpu = as->mcpu;
	const struct block_info *b;

	(void)uc;
	if (as->stopping)
		return;
	if (as->budget_left <= 0) {
		cpu_stop_before_block(as, addr, CPU_STOP_BUDGET);
		return;
	}
	as->block_addr = addr;
	as->block_size = size;
	as->block_accesses = 0;
	/* Instruction fetch of the whole block through the MMU: each page
	 * translated, each I-cache line crossed looked up. */
	{
		uint32_t first = (uint32_t)(PAGE_SIZE - (addr & PAGE_MASK)), done = 0;
		int rv = 0;

		if (size == 0)
			size = 1;
		if (as->arch == ARCH_AMD64 && size > first) {
			rv = mmu_fetch(mcpu, addr, first);
			if (rv == 0)
				size = cpu_block_clamp(as, addr, size, first);
			done = first;
		}
		if (rv == 0 && size > done)
			rv = mmu_fetch(mcpu, addr + done, size - done);
		if (rv != 0) {
			cpu_fault(as, CPU_FAULT_REFUSED, addr, MMU_FETCH);
			as->resume_pc = addr;
			as->resume_pc_valid = true;
			return;
		}
	}
	as->block_size = size;
	/* A re-pointed page may hold this very block, translated from what
	 * the page showed before: drop the code and run the block afresh. */
	if (as->nflush > 0 || as->flush_overflow) {
		cpu_stop_before_block(as, addr, CPU_STOP_BUDGET);
		return;
	}
	b = cpu_block(as, addr, size);
	if (as->synci_new) {
		/* The block was translated before its SYNCI had a code hook:
		 * drop it and run it again, hooked. */
		as->synci_new = false;
		cpu_view_repointed(as, trunc_page(addr));
		cpu_stop_before_block(as, addr, CPU_STOP_BUDGET);
		return;
	}
	as->budget_left -= b->icount;
	as->executed += b->icount;
	mcpu->c[CTR_INSNS] += b->icount;
	mcpu->cycles += b->cycles;
}

/* The Unicorn address an access to va really touches: on MIPS the engine
 * runs in kernel mode, where kseg0/kseg1 alias the low 512 MiB. */
static vm_offset_t
cpu_host_alias(const struct cpu_as *as, vm_offset_t va)
{
	if (as->arch != ARCH_AMD64 && va >= 0x80000000u && va < 0xc0000000u)
		va &= 0x1fffffffu;
	return trunc_page(va);
}

static void
hook_mem(uc_engine *uc, uc_mem_type type, uint64_t addr, int size, int64_t value,
    void *arg)
{
	struct cpu_as *as = arg;
	enum mmu_access_kind kind = type == UC_MEM_WRITE ? MMU_STORE : MMU_LOAD;

	(void)uc;
	(void)value;
	as->block_accesses++;
	if (as->stopping) {
		/* The rest of a block after a refused access still runs in
		 * qemu; keep it off every real frame. */
		(void)mmu_view_sink(&as->view, cpu_host_alias(as, addr));
		return;
	}
	if (mmu_access(as->mcpu, addr, (unsigned)size, kind) != 0) {
		as->data_refused = true;
		cpu_fault(as, CPU_FAULT_REFUSED, addr, kind);
	}
}

/*
 * Precise mode: before every instruction, keep the general registers
 * (two snapshots, alternating).  After a refused data access the engine
 * goes back to the snapshot of the faulting instruction, so the state is
 * as if it had never started (the rest of its block, run into the sink,
 * is undone too).
 */
static void
hook_code_precise(uc_engine *uc, uint64_t addr, uint32_t size, void *arg)
{
	struct cpu_as *as = arg;

	(void)uc;
	(void)addr;
	(void)size;
	if (as->stopping)
		return;
	as->pre_cur ^= 1;
	cpu_gregs_get(as, as->pre_regs[as->pre_cur]);
	as->pre_n++;
}

/* Is the instruction at pc a branch or jump with a delay slot (MIPS)? */
static bool
mips_has_delay_slot(struct cpu_as *as, uint64_t pc)
{
	uint8_t b[4];
	cs_insn *insn;
	bool r = false;

	if (uc_mem_read(as->uc, pc, b, 4) != UC_ERR_OK)
		return false;
	if (cs_disasm(as->cs, b, 4, pc, 1, &insn) == 1) {
		r = cs_insn_group(as->cs, &insn[0], CS_GRP_JUMP) ||
		    cs_insn_group(as->cs, &insn[0], CS_GRP_CALL) ||
		    cs_insn_group(as->cs, &insn[0], CS_GRP_RET) ||
		    insn[0].mnemonic[0] == 'b' || insn[0].mnemonic[0] == 'j';
		cs_free(insn, 1);
	}
	return r;
}

/* After a refused data access in precise mode: back to the registers
 * before the faulting instruction (MIPS: before its branch, when it sat
 * in a delay slot: the branch runs again). */
static void
cpu_precise_restore(struct cpu_as *as, struct cpu_stop *stop)
{
	const uint64_t *cur = as->pre_regs[as->pre_cur];
	const uint64_t *prev = as->pre_regs[as->pre_cur ^ 1];
	int pci = as->arch == ARCH_AMD64 ? 16 : 34;

	if (as->pre_n == 0)
		return;
	if (as->arch != ARCH_AMD64 && as->pre_n >= 2 && cur[pci] == prev[pci] + 4 &&
	    mips_has_delay_slot(as, prev[pci]))
		cur = prev;
	cpu_gregs_set(as, cur);
	stop->pc = cur[pci];
}

void
cpu_set_precise(struct cpu_as *as, bool on)
{
	if (as->precise == on || as->hooks != CPU_HOOKS_FULL)
		return;
	if (on) {
		if (uc_hook_add(as->uc, &as->code_hook, UC_HOOK_CODE,
		    (void *)hook_code_precise, as, 1, 0) != UC_ERR_OK)
			return;
	} else {
		uc_hook_del(as->uc, as->code_hook);
	}
	as->precise = on;
	/* Blocks translated before call (or skip) the hook: drop them all. */
	as->flush_overflow = true;
}

static bool
hook_mem_invalid(uc_engine *uc, uc_mem_type type, uint64_t addr, int size,
    int64_t value, void *arg)
{
	struct cpu_as *as = arg;
	int access;
	enum cpu_fault_kind kind;

	(void)uc;
	(void)size;
	(void)value;
	switch (type) {
	case UC_MEM_WRITE_UNMAPPED: access = MMU_STORE; kind = CPU_FAULT_UNMAPPED; break;
	case UC_MEM_FETCH_UNMAPPED: access = MMU_FETCH; kind = CPU_FAULT_UNMAPPED; break;
	case UC_MEM_READ_UNMAPPED: access = MMU_LOAD; kind = CPU_FAULT_UNMAPPED; break;
	case UC_MEM_WRITE_PROT: access = MMU_STORE; kind = CPU_FAULT_PROT; break;
	case UC_MEM_FETCH_PROT: access = MMU_FETCH; kind = CPU_FAULT_PROT; break;
	default: access = MMU_LOAD; kind = CPU_FAULT_PROT; break;
	}
	as->block_accesses++;
	cpu_fault(as, kind, addr, access);
	return false;
}

static void
hook_intr(uc_engine *uc, uint32_t intno, void *arg)
{
	struct cpu_as *as = arg;

	(void)uc;
	if (as->arch != ARCH_AMD64 && intno == MIPS_INTR_SYSCALL) {
		cpu_request_stop(as, CPU_STOP_SYSCALL);
		return;
	}
	if (as->stopping)
		return;
	as->stop->trapno = (int)intno;
	as->stop->pc = as->block_addr;	/* XXX: block start, not the exact insn */
	cpu_request_stop(as, CPU_STOP_TRAP);
}

static void
hook_syscall(uc_engine *uc, void *arg)
{
	(void)uc;
	cpu_request_stop(arg, CPU_STOP_SYSCALL);
}

static bool
hook_insn_invalid(uc_engine *uc, void *arg)
{
	struct cpu_as *as = arg;

	(void)uc;
	as->stop->trapno = -1;		/* invalid opcode */
	as->stop->pc = cpu_exact_pc(as);
	cpu_request_stop(as, CPU_STOP_TRAP);
	return false;
}

/* ---- exact PC ---------------------------------------------------------- */

/* How many memory hooks a MIPS instruction fires (UNICORN-NOTES.md). */
static unsigned
mips_insn_accesses(const cs_insn *in)
{
	const cs_mips *m = &in->detail->mips;

	for (int i = 0; i < m->op_count; i++)
		if (m->operands[i].type == MIPS_OP_MEM)
			return in->id == MIPS_INS_SC ? 2 : 1;
	return 0;
}

uint64_t
cpu_exact_pc(struct cpu_as *as)
{
	uint8_t buf[1024];
	cs_insn *insn;
	uint64_t pc = as->block_addr;
	uint32_t seen = 0;
	size_t n;

	if (!as->running || as->arch == ARCH_AMD64)
		return cpu_reg_get(as, GREG_PC);
	/* MIPS: the memory hook's PC is the block start.  Walk the block's
	 * instructions to the one that made access number block_accesses. */
	if (as->block_size == 0 || as->block_size > sizeof(buf) ||
	    uc_mem_read(as->uc, as->block_addr, buf, as->block_size) != UC_ERR_OK)
		return as->block_addr;
	n = cs_disasm(as->cs, buf, as->block_size, as->block_addr, 0, &insn);
	for (size_t i = 0; i < n; i++) {
		seen += mips_insn_accesses(&insn[i]);
		if (seen >= as->block_accesses && as->block_accesses > 0) {
			pc = insn[i].address;
			break;
		}
	}
	if (n > 0)
		cs_free(insn, n);
	return pc;
}

/* ---- engine ------------------------------------------------------------ */

#define UC_OK(call, what) do {						\
	uc_err e_ = (call);						\
	if (e_ != UC_ERR_OK) {						\
		snprintf(err, errlen, "%s: %s", what, uc_strerror(e_));	\
		goto fail;						\
	}								\
} while (0)

/* The benchmark's "our hooks with empty bodies". */
static void
hook_block_empty(uc_engine *uc, uint64_t addr, uint32_t size, void *arg)
{
	(void)uc;
	(void)addr;
	(void)size;
	(void)arg;
}

static void
hook_mem_empty(uc_engine *uc, uc_mem_type type, uint64_t addr, int size,
    int64_t value, void *arg)
{
	(void)uc;
	(void)type;
	(void)addr;
	(void)size;
	(void)value;
	(void)arg;
}

int
cpu_as_create(struct cpu_as **out, enum sim_arch arch, struct physmem *pm,
    vm_offset_t user_max, enum cpu_hooks hooks, char *err, size_t errlen)
{
	struct cpu_as *as = calloc(1, sizeof(*as));
	uc_hook h;
	int rv;

	*out = NULL;
	if (as == NULL) {
		snprintf(err, errlen, "out of host memory");
		return -1;
	}
	as->arch = arch;
	as->regions = calloc(CPU_MAX_REGIONS, sizeof(as->regions[0]));
	if (as->regions == NULL) {
		snprintf(err, errlen, "out of host memory");
		free(as);
		return -1;
	}
	if ((rv = mmu_view_init(&as->view, pm, user_max)) != 0) {
		snprintf(err, errlen, "cannot reserve %llu bytes of host address space: %s",
		    (unsigned long long)user_max, strerror(-rv));
		free(as->regions);
		free(as);
		return -1;
	}
	as->view.repointed = cpu_view_repointed;
	as->view.repointed_arg = as;

	if (arch == ARCH_AMD64) {
		UC_OK(uc_open(UC_ARCH_X86, UC_MODE_64, &as->uc), "uc_open(x86-64)");
		if (cs_open(CS_ARCH_X86, CS_MODE_64, &as->cs) != CS_ERR_OK) {
			snprintf(err, errlen, "cs_open(x86-64) failed");
			goto fail;
		}
	} else {
		int endian = arch == ARCH_MIPS ? UC_MODE_BIG_ENDIAN : UC_MODE_LITTLE_ENDIAN;
		int csend = arch == ARCH_MIPS ? CS_MODE_BIG_ENDIAN : CS_MODE_LITTLE_ENDIAN;

		UC_OK(uc_open(UC_ARCH_MIPS, UC_MODE_MIPS32 | endian, &as->uc), "uc_open(mips32)");
		if (cs_open(CS_ARCH_MIPS, CS_MODE_MIPS32 | csend, &as->cs) != CS_ERR_OK) {
			snprintf(err, errlen, "cs_open(mips32) failed");
			goto fail;
		}
	}
	cs_option(as->cs, CS_OPT_DETAIL, CS_OPT_ON);
	as->blocks = calloc(BLOCK_CACHE_SIZE, sizeof(as->blocks[0]));
	if (as->blocks == NULL) {
		snprintf(err, errlen, "out of host memory");
		goto fail;
	}
	/* Every hook before the first uc_emu_start (blocks translated
	 * earlier would not call hooks added later). */
	as->hooks = hooks;
	if (hooks != CPU_HOOKS_NONE) {
		bool full = hooks == CPU_HOOKS_FULL;

		UC_OK(uc_hook_add(as->uc, &h, UC_HOOK_BLOCK,
		    full ? (void *)hook_block : (void *)hook_block_empty, as, 1, 0),
		    "uc_hook_add(block)");
		UC_OK(uc_hook_add(as->uc, &h, UC_HOOK_MEM_READ | UC_HOOK_MEM_WRITE,
		    full ? (void *)hook_mem : (void *)hook_mem_empty, as, 1, 0),
		    "uc_hook_add(mem)");
	}
	UC_OK(uc_hook_add(as->uc, &h, UC_HOOK_MEM_INVALID,
	    (void *)hook_mem_invalid, as, 1, 0), "uc_hook_add(mem invalid)");
	UC_OK(uc_hook_add(as->uc, &h, UC_HOOK_INTR, (void *)hook_intr, as, 1, 0),
	    "uc_hook_add(intr)");
	if (arch == ARCH_AMD64) {
		UC_OK(uc_hook_add(as->uc, &h, UC_HOOK_INSN, (void *)hook_syscall, as,
		    1, 0, UC_X86_INS_SYSCALL), "uc_hook_add(syscall)");
		UC_OK(uc_hook_add(as->uc, &h, UC_HOOK_INSN_INVALID,
		    (void *)hook_insn_invalid, as, 1, 0), "uc_hook_add(invalid insn)");
	}
	*out = as;
	return 0;
fail:
	cpu_as_destroy(as);
	return -1;
}

void
cpu_as_destroy(struct cpu_as *as)
{
	if (as == NULL)
		return;
	if (as->uc != NULL)
		uc_close(as->uc);
	if (as->cs != 0)
		cs_close(&as->cs);
	mmu_view_fini(&as->view);
	free(as->blocks);
	free(as->regions);
	free(as);
}

struct mmu_view *
cpu_as_view(struct cpu_as *as)
{
	return &as->view;
}

enum sim_arch
cpu_as_arch(const struct cpu_as *as)
{
	return as->arch;
}

static uint32_t
region_uc_prot(enum sim_arch arch, vm_prot_t p)
{
	uint32_t u = 0;

	if (p & VM_PROT_READ)
		u |= UC_PROT_READ;
	if (p & VM_PROT_WRITE)
		u |= UC_PROT_WRITE;
	/*
	 * Readable is executable for the engine on both arches.  MIPS32 has
	 * no execute inhibit; on amd64 the MMU model enforces NX (every
	 * block's fetch is translated by the block hook, and the walker
	 * faults on an NX page), while qemu's x86 translator may read a few
	 * bytes past the end of the last block of an executable segment: an
	 * engine-level fetch fault there would kill a correct program
	 * (static glibc's _fini at the end of .fini, next to a read-only
	 * segment).
	 */
	(void)arch;
	if (p & (VM_PROT_EXECUTE | VM_PROT_READ))
		u |= UC_PROT_EXEC;
	return u;
}

static bool
region_in(const struct cpu_region *r, const struct cpu_region *set, int n)
{
	for (int i = 0; i < n; i++)
		if (set[i].start == r->start && set[i].end == r->end &&
		    set[i].prot == r->prot)
			return true;
	return false;
}

/* Is page va covered by set[0..n)? (sorted) */
static bool
covered(vm_offset_t va, const struct cpu_region *set, int n)
{
	int lo = 0, hi = n;

	while (lo < hi) {
		int mid = (lo + hi) / 2;

		if (set[mid].end <= va)
			lo = mid + 1;
		else if (set[mid].start > va)
			hi = mid;
		else
			return true;
	}
	return false;
}

int
cpu_as_set_regions(struct cpu_as *as, const struct cpu_region *want_in, int nin,
    char *err, size_t errlen)
{
	struct cpu_region *want = calloc((size_t)nin + 1, sizeof(*want));
	struct cpu_region *old = as->regions;
	int nwant = 0, nold = as->nregions, rv = -1;

	if (want == NULL) {
		snprintf(err, errlen, "out of host memory");
		return -1;
	}
	/* Coalesce adjacent regions of equal protection; drop no-access. */
	for (int i = 0; i < nin; i++) {
		const struct cpu_region *r = &want_in[i];

		if (r->prot == VM_PROT_NONE || r->start >= r->end)
			continue;
		if (r->end > as->view.size) {
			snprintf(err, errlen, "region %#llx-%#llx beyond user space",
			    (unsigned long long)r->start, (unsigned long long)r->end);
			goto out;
		}
		if (nwant > 0 && want[nwant - 1].end == r->start &&
		    region_uc_prot(as->arch, want[nwant - 1].prot) == region_uc_prot(as->arch, r->prot))
			want[nwant - 1].end = r->end;
		else
			want[nwant++] = *r;
	}
	if (nwant > CPU_MAX_REGIONS) {
		snprintf(err, errlen, "%d regions: more than the %d supported",
		    nwant, CPU_MAX_REGIONS);
		goto out;
	}
	/* Unicorn: unmap what changed, then map what is new.  The host
	 * memory under a region is the view's, so it survives. */
	for (int i = 0; i < nold; i++) {
		if (region_in(&old[i], want, nwant))
			continue;
		UC_OK(uc_mem_unmap(as->uc, old[i].start, old[i].end - old[i].start),
		    "uc_mem_unmap");
	}
	/* The view: pages that lose coverage become inaccessible; pages that
	 * gain it show zeros until first translated. */
	for (int i = 0; i < nold; i++)
		for (vm_offset_t a = old[i].start; a < old[i].end; a += PAGE_SIZE)
			if (!covered(a, want, nwant))
				(void)mmu_view_reset(&as->view, a, PAGE_SIZE, false);
	for (int i = 0; i < nwant; i++) {
		vm_offset_t a = want[i].start;

		while (a < want[i].end) {
			vm_offset_t b = a;

			while (b < want[i].end && !covered(b, old, nold))
				b += PAGE_SIZE;
			if (b > a) {
				int e = mmu_view_reset(&as->view, a, b - a, true);
				if (e != 0) {
					snprintf(err, errlen, "host view: %s", strerror(-e));
					goto out;
				}
				a = b;
			} else {
				a += PAGE_SIZE;
			}
		}
	}
	for (int i = 0; i < nwant; i++) {
		if (region_in(&want[i], old, nold))
			continue;
		UC_OK(uc_mem_map_ptr(as->uc, want[i].start, want[i].end - want[i].start,
		    region_uc_prot(as->arch, want[i].prot), mmu_view_host(&as->view, want[i].start)),
		    "uc_mem_map_ptr");
	}
	memcpy(as->regions, want, (size_t)nwant * sizeof(*want));
	as->nregions = nwant;
	rv = 0;
	goto out;
fail:
	/* Unicorn refused a change: the region list no longer describes it. */
	as->nregions = 0;
out:
	free(want);
	return rv;
}

/* ---- contexts ---------------------------------------------------------- */

struct cpu_ctx *
cpu_ctx_alloc(struct cpu_as *as)
{
	struct cpu_ctx *c = calloc(1, sizeof(*c));

	if (c == NULL)
		return NULL;
	if (uc_context_alloc(as->uc, &c->uc_ctx) != UC_ERR_OK) {
		free(c);
		return NULL;
	}
	cpu_ctx_save(as, c);
	return c;
}

void
cpu_ctx_free(struct cpu_ctx *c)
{
	if (c == NULL)
		return;
	uc_context_free(c->uc_ctx);
	free(c);
}

void
cpu_ctx_save(struct cpu_as *as, struct cpu_ctx *c)
{
	uc_err e = uc_context_save(as->uc, c->uc_ctx);

	KASSERT(e == UC_ERR_OK, ("uc_context_save: %s", uc_strerror(e)));
}

void
cpu_ctx_load(struct cpu_as *as, const struct cpu_ctx *c)
{
	uc_err e = uc_context_restore(as->uc, c->uc_ctx);

	KASSERT(e == UC_ERR_OK, ("uc_context_restore: %s", uc_strerror(e)));
}

/* ---- running ----------------------------------------------------------- */

uint64_t
cpu_run(struct cpu_as *as, struct mmu_cpu *mcpu, uint64_t budget, struct cpu_stop *stop)
{
	/* Never executed: kseg2 top on MIPS, the non-canonical hole on x86. */
	uint64_t until = as->arch == ARCH_AMD64 ? 0xfffff00000000000ull : 0xfffffff0ull;
	uc_err e;

	memset(stop, 0, sizeof(*stop));
	if (mcpu->view != &as->view)
		mmu_set_view(mcpu, &as->view);
	as->mcpu = mcpu;
	as->stop = stop;
	as->budget_left = (int64_t)budget;
	as->executed = 0;
	for (;;) {
		uint64_t pc;

		if (as->nflush > 0 || as->flush_overflow)
			cpu_flush_code(as);
		as->stopping = false;
		as->running = true;
		as->data_refused = false;
		as->resume_pc_valid = false;
		as->pre_n = 0;
		stop->reason = CPU_STOP_BUDGET;
		pc = cpu_reg_get(as, GREG_PC);
		e = uc_emu_start(as->uc, pc, until, 0, 0);
		as->running = false;
		if (as->resume_pc_valid && as->precise)
			cpu_reg_set(as, GREG_PC, as->resume_pc);
		if (e != UC_ERR_OK && stop->reason == CPU_STOP_BUDGET) {
			/* An error no hook explained. */
			stop->reason = CPU_STOP_ERROR;
			stop->pc = cpu_reg_get(as, GREG_PC);
			snprintf(stop->msg, sizeof(stop->msg), "%s", uc_strerror(e));
		}
		if (stop->reason == CPU_STOP_FAULT || stop->reason == CPU_STOP_TRAP) {
			/* Pages sunk after the refusal must be re-translated. */
			mmu_utlb_flush(mcpu);
		}
		if (stop->reason == CPU_STOP_FAULT && as->data_refused && as->precise)
			cpu_precise_restore(as, stop);
		/* A block hook that found re-pointed pages asked for a restart. */
		if (stop->reason == CPU_STOP_BUDGET && (as->nflush > 0 || as->flush_overflow) &&
		    as->budget_left > 0)
			continue;
		if (stop->reason == CPU_STOP_BUDGET && as->budget_left > 0 && e == UC_ERR_OK &&
		    as->stopping == false && as->hooks == CPU_HOOKS_FULL) {
			/* uc_emu_start returned on its own (reached `until`?). */
			stop->reason = CPU_STOP_ERROR;
			snprintf(stop->msg, sizeof(stop->msg), "emulation ended at %#llx",
			    (unsigned long long)cpu_reg_get(as, GREG_PC));
		}
		break;
	}
	if (as->nflush > 0 || as->flush_overflow)
		cpu_flush_code(as);
	as->mcpu = NULL;
	return as->executed;
}
