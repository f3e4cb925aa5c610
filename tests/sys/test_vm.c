/*
 * tests/sys/test_vm.c — system tests of the VM's system calls (issue 3,
 * "Wiring and accounting"): the vm_lock guest program (mlock, munlock,
 * mlockall, munlockall, msync and their errors, RLIMIT_MEMLOCK, fork of
 * locked memory) passes every check on every arch, runs without any
 * VM system call unimplemented, and — the VM-SPEC scenario "mlock a
 * read-only private mapping, mprotect it RW: pages copied, still wired,
 * no later write fault" — its locked private file mapping takes no write
 * fault at all (its faults are the reads and the wiring; the address is
 * reused later by an anonymous mapping, hence the region filter).
 *
 * The vm_acct guest program (VM-SPEC "Swap accounting", "Address
 * spaces", the growable stack), run as uid 1000 (--uid) with RLIMIT_SWAP
 * enforced (--overcommit 2) on every arch, and once more on amd64 as
 * root so that it makes itself uid 1000 with setuid: every check of the
 * program holds (a 10-page RW anonymous mmap reserves 40 KiB and munmap
 * gives it back; a fork with 4 mlocked pages and an 8-page charged
 * object more is charged 4 + 2x8 pages more; a recursion through 1 MiB of
 * stack works; beyond RLIMIT_STACK it is SIGSEGV), and the trace shows it
 * from the kernel's side: the stack grew (faults in the stack region
 * below its initial 128 KiB), the refused reservations are
 * swap_reserve_fail events for uid 1000, fork/wire/unwire events, the
 * machine's swap_reserved level is back to 0 at the end (nothing leaked),
 * no id or limit call is unimplemented, and the trace replays.
 *
 * Kept at unit level (they need kernel-internal calls, and exist there):
 * vslock + mlock of one range, munlock, still wired until vsunlock
 * (tests/unit/vm/test_vm_wire.c; no system call path uses vslock);
 * vm_fault_quick_hold_pages failure cleanup (test_vm_wire.c);
 * vmspace_acquire_ref on an exiting process (tests/unit/kern/
 * test_vmspace.c).
 *
 * usage: test_vm VMSIM GUEST_DIR
 */
#include "tests/tap.h"
#include "tests/sys/systest.h"
#include "sim/base/base.h"

#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *vmsim, *guest_dir;
static const char *const arches[] = { "mips", "mipsel", "amd64" };

static long long
trace_int(const char *path, const char *sql)
{
	sqlite3 *db;
	sqlite3_stmt *st;
	long long v = -1;

	if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK)
		return -1;
	if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) == SQLITE_OK) {
		if (sqlite3_step(st) == SQLITE_ROW)
			v = sqlite3_column_int64(st, 0);
		sqlite3_finalize(st);
	}
	sqlite3_close(db);
	return v;
}

static void
test_vm_lock(const char *arch)
{
	char prog[512], trace[512], sql[512];
	char *argv[8];
	const char *p;
	unsigned long long region = 0;
	long long nall, nwrite;
	struct run r;

	snprintf(prog, sizeof(prog), "%s/%s-vm_lock", guest_dir, arch);
	snprintf(trace, sizeof(trace), "%s/vm_lock-%s.db", systest_tmpdir, arch);
	argv[0] = (char *)vmsim;
	argv[1] = "exec";
	argv[2] = "--quiet";
	argv[3] = "--trace";
	argv[4] = trace;
	argv[5] = prog;
	argv[6] = NULL;
	r = systest_run(NULL, argv);
	ok(r.status == 0 && strstr(r.out, "vm_lock: all checks passed") != NULL &&
	    strstr(r.out, "FAILED") == NULL,
	    "%s: vm_lock passes every check (status %d)", arch, r.status);
	if (r.status != 0)
		printf("# stdout:\n%s# stderr:\n%s", r.out, r.err);
	p = strstr(r.out, "region ");
	if (p != NULL)
		region = strtoull(p + 7, NULL, 16);
	ok(trace_int(trace, "SELECT count(*) FROM event WHERE kind = "
	    "'syscall_unimplemented' AND type IN ('mlock', 'munlock', "
	    "'mlockall', 'munlockall', 'msync')") == 0,
	    "%s: every VM system call is implemented", arch);
	snprintf(sql, sizeof(sql), "SELECT count(*) FROM event WHERE kind = "
	    "'page_fault' AND va >= %llu AND va < %llu AND region LIKE 'file:%%'",
	    region, region + 2 * 4096);
	nall = trace_int(trace, sql);
	snprintf(sql, sizeof(sql), "SELECT count(*) FROM event WHERE kind = "
	    "'page_fault' AND va >= %llu AND va < %llu AND region LIKE 'file:%%' "
	    "AND (detail LIKE 'write%%' OR type = 'cow_copy')", region,
	    region + 2 * 4096);
	nwrite = trace_int(trace, sql);
	ok(region != 0 && nall >= 2 && nwrite == 0,
	    "%s: the mlocked private file mapping made writable takes no write "
	    "fault (%lld faults there, %lld for writes)", arch, nall, nwrite);
	systest_run_free(&r);
}

/* The initial stack pointer's region top, per arch (sim/kern/proc.c). */
static unsigned long long
stack_top(const char *arch)
{
	return strcmp(arch, "amd64") == 0 ? 0x7ffffff000ull : 0x7fff8000ull;
}

static void
test_vm_acct(const char *arch, bool as_root)
{
	char prog[512], trace[512], sql[512], *argv[16];
	const char *who = as_root ? " (started as root)" : "";
	long long n;
	struct run r;
	int argc = 0;

	snprintf(prog, sizeof(prog), "%s/%s-vm_acct", guest_dir, arch);
	snprintf(trace, sizeof(trace), "%s/vm_acct-%s%s.db", systest_tmpdir, arch,
	    as_root ? "-root" : "");
	argv[argc++] = (char *)vmsim;
	argv[argc++] = "exec";
	argv[argc++] = "--quiet";
	argv[argc++] = "--overcommit";
	argv[argc++] = "2";
	if (!as_root) {
		argv[argc++] = "--uid";
		argv[argc++] = "1000";
	}
	argv[argc++] = "--trace";
	argv[argc++] = trace;
	argv[argc++] = prog;
	argv[argc] = NULL;
	r = systest_run(NULL, argv);
	ok(r.status == 0 && strstr(r.out, "vm_acct: all checks passed") != NULL &&
	    strstr(r.out, "FAILED") == NULL,
	    "%s%s: vm_acct passes every check (status %d)", arch, who, r.status);
	if (r.status != 0)
		printf("# stdout:\n%s# stderr:\n%s", r.out, r.err);
	systest_run_free(&r);
	if (as_root)
		return;
	snprintf(sql, sizeof(sql), "SELECT count(*) FROM event WHERE kind = "
	    "'page_fault' AND pid = 1 AND region = 'stack' AND type != 'segv' AND "
	    "va < %llu", stack_top(arch) - 128 * 1024);
	n = trace_int(trace, sql);
	ok(n >= 200, "%s: the stack grew below its initial 128 KiB (%lld faults "
	    "there)", arch, n);
	ok(trace_int(trace, "SELECT count(*) FROM event WHERE kind = 'page_fault' "
	    "AND type = 'segv' AND pid != 1 AND detail LIKE '%no mapping'") == 1 &&
	    trace_int(trace, "SELECT count(*) FROM event WHERE kind = 'signal' AND "
	    "type = 'SIGSEGV' AND pid != 1") == 1 &&
	    trace_int(trace, "SELECT count(*) FROM event WHERE type = 'segv' AND "
	    "pid = 1") == 0,
	    "%s: the child beyond RLIMIT_STACK got one SIGSEGV; the parent none", arch);
	n = trace_int(trace, "SELECT count(*) FROM event WHERE kind = "
	    "'swap_reserve_fail' AND type = 'rlimit' AND detail LIKE '% uid 1000'");
	ok(n > 0 && n == trace_int(trace, "SELECT count(*) FROM event WHERE kind = "
	    "'swap_reserve_fail'") && n == trace_int(trace, "SELECT value FROM counter "
	    "WHERE final = 1 AND scope = 'machine' AND name = 'swap_reserve_fail'"),
	    "%s: every refused reservation is a swap_reserve_fail event for uid 1000 "
	    "and counted (%lld)", arch, n);
	ok(trace_int(trace, "SELECT count(*) FROM event WHERE kind = 'fork' AND "
	    "type = 'fork' AND pid = 1 AND detail LIKE 'child %'") == 4 &&
	    trace_int(trace, "SELECT count(*) FROM event WHERE kind = 'wire' AND "
	    "type = 'mlock' AND detail = '16384 bytes'") == 1 &&
	    trace_int(trace, "SELECT count(*) FROM event WHERE kind = 'unwire' AND "
	    "type = 'munlock' AND detail = '16384 bytes'") == 1,
	    "%s: four fork events, one wire (mlock) and one unwire (munlock)", arch);
	ok(trace_int(trace, "SELECT value FROM counter WHERE final = 1 AND scope = "
	    "'machine' AND name = 'swap_reserved'") == 0 &&
	    trace_int(trace, "SELECT max(value) FROM counter WHERE name = "
	    "'swap_reserved'") > 0,
	    "%s: the swap reservation is back to 0 at the end", arch);
	ok(trace_int(trace, "SELECT count(*) FROM event WHERE kind = "
	    "'syscall_unimplemented' AND type IN ('setuid', 'getresuid', 'setrlimit', "
	    "'getrlimit', 'prlimit64', 'mlock', 'munlock')") == 0,
	    "%s: the id and limit calls are implemented", arch);
	argv[0] = (char *)vmsim;
	argv[1] = "replay";
	argv[2] = trace;
	argv[3] = NULL;
	r = systest_run(NULL, argv);
	ok(r.status == 0, "%s: the trace (uid, overcommit in its config) replays "
	    "(status %d)", arch, r.status);
	if (r.status != 0)
		printf("# stdout:\n%s# stderr:\n%s", r.out, r.err);
	systest_run_free(&r);
}

int
main(int argc, char **argv)
{
	if (argc != 3) {
		fprintf(stderr, "usage: test_vm VMSIM GUEST_DIR\n");
		return 2;
	}
	vmsim = argv[1];
	guest_dir = argv[2];
	if (systest_init() != 0)
		return 1;
	for (size_t a = 0; a < nitems(arches); a++)
		test_vm_lock(arches[a]);
	for (size_t a = 0; a < nitems(arches); a++)
		test_vm_acct(arches[a], false);
	test_vm_acct("amd64", true);
	systest_cleanup();
	return tap_done();
}
