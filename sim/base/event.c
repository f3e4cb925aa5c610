/*
 * sim/base/event.c — event fan-out to the installed sinks.
 *
 * XXX: sinks and context are process-global: vmsim runs one machine per
 * process.  A second concurrent machine would need them in the machine.
 */
#include "event.h"
#include "base.h"

#include <string.h>

#define EVENT_SINKS_MAX 8

static struct event_sink sinks[EVENT_SINKS_MAX];
static int nsinks;
static uint64_t next_seq;
static struct event_context ctx;

static const char *const kind_names[EV_KIND_COUNT] = {
	[EV_PAGE_FAULT] = "page_fault",
	[EV_TLB_REFILL] = "tlb_refill",
	[EV_TLB_INVALID] = "tlb_invalid",
	[EV_TLB_MODIFIED] = "tlb_modified",
	[EV_SIGNAL] = "signal",
	[EV_SYSCALL_UNIMPLEMENTED] = "syscall_unimplemented",
	[EV_EXEC] = "exec",
	[EV_EXIT] = "exit",
	[EV_STALE_IFETCH] = "stale_ifetch",
	[EV_ICACHE_SYNC] = "icache_sync",
	[EV_SWAP_OUT] = "swap_out",
	[EV_LOWMEM] = "lowmem",
	[EV_FORK] = "fork",
	[EV_WIRE] = "wire",
	[EV_UNWIRE] = "unwire",
	[EV_SWAP_RESERVE_FAIL] = "swap_reserve_fail",
	[EV_SHOOTDOWN] = "shootdown",
	[EV_IPI] = "ipi",
	[EV_STALE_TLB] = "stale_tlb",
	[EV_KSTACK] = "kstack",
	[EV_THREAD] = "thread",
	[EV_PTRACE] = "ptrace",
	[EV_MACHINE_CHECK] = "machine_check",
	[EV_PANIC] = "panic",
	[EV_MEMGUARD] = "memguard",
	[EV_DEVICE] = "device",
	[EV_KMEM] = "kmem",
};

const char *
ev_kind_name(enum ev_kind k)
{
	return (unsigned)k < EV_KIND_COUNT ? kind_names[k] : "?";
}

void
event_sink_add(const struct event_sink *sink)
{
	KASSERT(nsinks < EVENT_SINKS_MAX, ("too many event sinks"));
	sinks[nsinks++] = *sink;
}

void
event_sinks_clear(void)
{
	nsinks = 0;
}

struct event_context *
event_context(void)
{
	return &ctx;
}

void
event_reset(void)
{
	next_seq = 0;
}

struct event
event_make(enum ev_kind k, const char *type, uint64_t va)
{
	struct event ev;

	memset(&ev, 0, sizeof(ev));
	ev.kind = k;
	ev.type = type;
	ev.va = va;
	return ev;
}

void
event_emit(struct event *ev, int has_pc)
{
	ev->seq = next_seq++;
	ev->cpu = ctx.cpu;
	ev->pid = ctx.pid;
	ev->tid = ctx.tid;
	ev->cycle = ctx.cycles != NULL ? *ctx.cycles : 0;
	if (!has_pc)
		ev->pc = ctx.pc != NULL ? ctx.pc(ctx.pc_arg) : 0;
	for (int i = 0; i < nsinks; i++)
		sinks[i].emit(sinks[i].ctx, ev);
}
