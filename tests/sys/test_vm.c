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
	systest_cleanup();
	return tap_done();
}
