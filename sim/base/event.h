/*
 * sim/base/event.h — the event sink.  Lower layers (mmu, vm, sim/kern)
 * report what happens — faults, TLB exceptions, signals, unimplemented
 * system calls — by filling a struct event and calling event_emit().  They
 * never print.  sim/ installs the sink (the trace recorder, the summary
 * counters, later the Lua callbacks).
 *
 * Who/when fields (seq, cycle, cpu, pid, tid, pc) are filled by
 * event_emit() from the current context, which the machine's run loop
 * keeps up to date; the caller fills kind, type, va, pa and detail.
 */
#ifndef SIM_BASE_EVENT_H
#define SIM_BASE_EVENT_H

#include <stdint.h>

enum ev_kind {
	EV_PAGE_FAULT,		/* vm_fault ran: type zero_fill/file/cow/segv... */
	EV_TLB_REFILL,		/* MIPS TLB Refill exception */
	EV_TLB_INVALID,		/* MIPS TLB Invalid exception */
	EV_TLB_MODIFIED,	/* MIPS TLB Modified exception */
	EV_SIGNAL,		/* a signal was delivered (type = its name) */
	EV_SYSCALL_UNIMPLEMENTED, /* guest called a syscall we lack (-ENOSYS) */
	EV_EXEC,		/* a program image was loaded */
	EV_EXIT,		/* a process exited (detail: status) */
	EV_STALE_IFETCH,	/* MIPS: fetched an I-cache line memory changed under */
	EV_ICACHE_SYNC,		/* an I-cache sync: SYNCI, cacheflush, pmap_sync_icache */
	EV_SWAP_OUT,		/* the page daemon wrote a page to swap (pa; detail: object, pindex, slot) */
	EV_LOWMEM,		/* vm_lowmem: the page daemon ran (detail: what it freed) */
	EV_FORK,		/* a process forked (type fork/vfork; detail: child pid) */
	EV_WIRE,		/* memory was wired (type mlock/mlockall/vslock; va, detail: size) */
	EV_UNWIRE,		/* memory was unwired (type munlock/munlockall/vsunlock) */
	EV_SWAP_RESERVE_FAIL,	/* a swap reservation was refused (detail: bytes, uid, why) */
	/* SMP, kernel stacks, debugger (issue 5): */
	EV_SHOOTDOWN,		/* a pmap invalidation (type = reason: munmap, mprotect,
				   cow, pageout, exit...; cpu = initiator; va = start;
				   detail: "page|range|all end=0x.. targets=0x..") */
	EV_IPI,			/* one shootdown IPI (type = reason; detail: "to=N") */
	EV_STALE_TLB,		/* an access used a TLB entry a skipped shootdown left
				   (--bug skip-shootdown; va; pa = the stale frame;
				   detail: entry and the frame the tables give) */
	EV_KSTACK,		/* kernel stack (type new/reuse/cache/free; va = base) */
	EV_THREAD,		/* a thread was created or exited (type new/exit;
				   detail: tid) */
	EV_PTRACE,		/* a ptrace request (type = request; detail: target pid) */
	EV_MACHINE_CHECK,	/* MIPS: a kernel-stack access missed the wired entry */
	EV_PANIC,		/* kernel panic: the run stops (detail: why) */
	/* Kernel memory (issue 8): */
	EV_MEMGUARD,		/* memguard caught a bad access or free (type
				   use_after_free/overrun/double_free; va; detail: the
				   malloc type, the allocation site, size) */
	EV_DEVICE,		/* device memory: mmap of a device, removal (type) */
	EV_KMEM,		/* kernel memory: kmem_alloc_attr/contig failures and
				   retries, kmem_alloc_wait sleeps (type; detail) */
	EV_KIND_COUNT
};

const char *ev_kind_name(enum ev_kind k);

#define EV_DETAIL_MAX 96

struct event {
	uint64_t seq;		/* 0, 1, 2... in emission order */
	uint64_t cycle;		/* the emitting CPU's cycle counter */
	int32_t cpu, pid, tid;
	enum ev_kind kind;
	const char *type;	/* static string, or NULL: fault type, signal */
	uint64_t va, pa, pc;
	char detail[EV_DETAIL_MAX];
};

/* The receiver of every event. */
struct event_sink {
	void (*emit)(void *ctx, const struct event *ev);
	void *ctx;
};

/*
 * The current context: which CPU runs which thread, and how to read the
 * exact PC of the instruction being executed (cpu/ knows; computed only
 * when an event needs it).
 */
struct event_context {
	int32_t cpu, pid, tid;
	const uint64_t *cycles;		/* the running CPU's counter */
	uint64_t (*pc)(void *arg);	/* exact PC now, or NULL */
	void *pc_arg;
};

void event_sink_add(const struct event_sink *sink);
void event_sinks_clear(void);
struct event_context *event_context(void);
/* Reset the sequence counter (a new run). */
void event_reset(void);
/* Fill the who/when fields from the context and deliver to every sink.
 * A caller that already knows the PC sets ev->pc and passes has_pc. */
void event_emit(struct event *ev, int has_pc);
/* Convenience: an event of kind k, all other fields zero. */
struct event event_make(enum ev_kind k, const char *type, uint64_t va);

#endif
