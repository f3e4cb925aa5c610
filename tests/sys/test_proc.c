/*
 * tests/sys/test_proc.c — system tests of processes and signals (issue 3,
 * "Processes"): fork with copy-on-write (acceptance 1: exactly N cow_copy
 * faults in the child beyond the N = 0 baseline, the parent's data
 * unchanged, on every arch), fork + execve + waitpid + kill + handlers in
 * a static-glibc program (the host's output on amd64, the same text on
 * MIPS), SIGSEGV handlers that read si_addr and return, wait status
 * words, the signal and exit events in the trace, deadlock detection,
 * and byte-identical traces for equal runs.
 *
 * usage: test_proc VMSIM GUEST_DIR
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

/* vmsim exec --quiet [--trace T] PROG [ARG] */
static struct run
vm_exec(const char *trace, const char *prog, const char *arg)
{
	char *argv[10];
	int n = 0;

	argv[n++] = (char *)vmsim;
	argv[n++] = "exec";
	argv[n++] = "--quiet";
	if (trace != NULL) {
		argv[n++] = "--trace";
		argv[n++] = (char *)trace;
	}
	argv[n++] = (char *)prog;
	if (arg != NULL)
		argv[n++] = (char *)arg;
	argv[n] = NULL;
	return systest_run(NULL, argv);
}

static void
guest_path(char *buf, size_t len, const char *arch, const char *prog)
{
	snprintf(buf, len, "%s/%s-%s", guest_dir, arch, prog);
}

/* ---- 1. fork_cow: acceptance 1 ---------------------------------------- */

#define COW_PAGES 8

static void
test_fork_cow(void)
{
	static const char *const sql_child_cow =
	    "SELECT count(*) FROM event WHERE kind = 'page_fault' AND type = 'cow_copy' "
	    "AND pid = 2";

	for (size_t a = 0; a < nitems(arches); a++) {
		char prog[300], t0[300], tn[300], n[16];
		struct run r0, rn;
		long long c0, cn, fork_exit;

		guest_path(prog, sizeof(prog), arches[a], "fork_cow");
		snprintf(t0, sizeof(t0), "%s/cow0-%s.db", systest_tmpdir, arches[a]);
		snprintf(tn, sizeof(tn), "%s/cowN-%s.db", systest_tmpdir, arches[a]);
		snprintf(n, sizeof(n), "%d", COW_PAGES);
		r0 = vm_exec(t0, prog, "0");
		rn = vm_exec(tn, prog, n);
		ok(r0.status == 0 && strstr(r0.out, "0 pages") != NULL &&
		    strstr(r0.out, "parent data unchanged, child status 0") != NULL,
		    "%s: fork_cow 0 runs (%s)", arches[a], r0.out);
		ok(rn.status == 0 && strstr(rn.out, "parent data unchanged, child status 0") != NULL,
		    "%s: fork_cow %d: the parent's data is unchanged and the child exited 0 (%s)",
		    arches[a], COW_PAGES, rn.out);
		c0 = systest_sql_int(t0, sql_child_cow);
		cn = systest_sql_int(tn, sql_child_cow);
		ok(c0 >= 0 && cn - c0 == COW_PAGES,
		    "%s: exactly %d cow_copy faults in the child beyond the baseline "
		    "(baseline %lld, with pages %lld)", arches[a], COW_PAGES, c0, cn);
		/* The child's pages are copied, the parent's left alone: no
		 * cow_copy of the parent touches the N pages (it only reads). */
		fork_exit = systest_sql_int(tn, "SELECT count(*) FROM event WHERE kind = 'exit' AND "
		    "pid = 2 AND detail = 'exit 0'");
		ok(fork_exit == 1, "%s: the child's exit event (pid 2, exit 0)", arches[a]);
		systest_run_free(&r0);
		systest_run_free(&rn);
	}
}

/* ---- 2. forkexec: static glibc, fork/execve/waitpid/kill ---------------- */

static const char forkexec_expected[] =
    "parent: SIGUSR1 handler ran 1 time(s), siginfo right\n"
    "parent: blocked SIGUSR1 pending: yes, handler ran 1 time(s)\n"
    "parent: unblocked, handler ran 2 time(s)\n"
    "child: exec'd with 2 arguments, argv[1] = child, handler ran 1 time(s)\n"
    "parent: exec'd child: exited with 7\n"
    "child: exec'd with 2 arguments, argv[1] = child, handler ran 1 time(s)\n"
    "parent: vfork'd child: exited with 7\n"
    "parent: second child: killed by SIGTERM\n"
    "third child: SIGUSR1 from the parent, handler ran 1 time(s), parent is known\n"
    "parent: third child: exited with 3\n"
    "parent: SIGCHLD handler ran: yes; no children left: yes\n";

static void
test_forkexec(void)
{
	char prog[300], t[300];

	for (size_t a = 0; a < nitems(arches); a++) {
		struct run r;

		guest_path(prog, sizeof(prog), arches[a], "forkexec");
		snprintf(t, sizeof(t), "%s/fe-%s.db", systest_tmpdir, arches[a]);
		r = vm_exec(t, prog, NULL);
		ok(r.status == 0 && strcmp(r.out, forkexec_expected) == 0,
		    "%s: forkexec prints the expected lines (status %d)", arches[a], r.status);
		if (strcmp(r.out, forkexec_expected) != 0)
			printf("# got:\n# %s\n", r.out);
		ok(systest_sql_int(t, "SELECT count(*) FROM event WHERE kind = 'exec' AND pid = 2") == 1,
		    "%s: the exec'd child has its exec event", arches[a]);
		ok(systest_sql_int(t, "SELECT count(*) FROM event WHERE kind = 'exec' AND pid = 3") == 1,
		    "%s: the vfork'd child has its exec event", arches[a]);
		ok(systest_sql_int(t, "SELECT count(*) FROM event WHERE kind = 'exit' AND pid = 4 "
		    "AND detail = 'killed by SIGTERM'") == 1,
		    "%s: the second child's exit event says SIGTERM", arches[a]);
		ok(systest_sql_int(t, "SELECT count(*) FROM event WHERE kind = 'signal' AND "
		    "type = 'SIGUSR1' AND pid = 5 AND detail LIKE 'handler %'") == 1,
		    "%s: the parent's kill reached the third child's handler", arches[a]);
		systest_run_free(&r);
	}
	/* amd64: what the host itself prints. */
	guest_path(prog, sizeof(prog), "amd64", "forkexec");
	{
		char *argv[] = { prog, NULL };
		struct run host = systest_run(NULL, argv);
		struct run sim = vm_exec(NULL, prog, NULL);

		ok(host.status == sim.status && host.outlen == sim.outlen &&
		    memcmp(host.out, sim.out, host.outlen) == 0,
		    "forkexec: vmsim prints what the host prints (amd64)");
		systest_run_free(&host);
		systest_run_free(&sim);
	}
}

/* ---- 3. sigtest: handlers, si_addr, wait status words ------------------ */

static const char sigtest_expected[] =
    "sigtest: store fault: sig 11, si_addr ok, code 2, result 43768, value 3461\n"
    "sigtest: load fault: sig 11, si_addr ok, code 1, result 1185\n"
    "sigtest: blocked: pending yes, handler ran 0 times\n"
    "sigtest: unblocked: handler ran 1 times\n"
    "sigtest: exit(3): wait4 ok, status 300\n"
    "sigtest: SIGTERM: wait4 ok, status f\n"
    "sigtest: SIGSEGV: wait4 ok, status b\n"
    "sigtest: WNOHANG on a running child: 0\n"
    "sigtest: SIGKILL: wait4 ok, status 9\n"
    "sigtest: getppid: wait4 ok, status 0\n"
    "sigtest: no children left: wait4 -10\n"
    "sigtest: execve of a missing file: -2\n"
    "sigtest: ignored SIGUSR2 survived; resethand: ran 1, then SIG_DFL\n";

static void
test_sigtest(void)
{
	for (size_t a = 0; a < nitems(arches); a++) {
		char prog[300], t1[300], t2[300];
		struct run r1, r2;
		char *d1, *d2;

		guest_path(prog, sizeof(prog), arches[a], "sigtest");
		snprintf(t1, sizeof(t1), "%s/sig1-%s.db", systest_tmpdir, arches[a]);
		snprintf(t2, sizeof(t2), "%s/sig2-%s.db", systest_tmpdir, arches[a]);
		r1 = vm_exec(t1, prog, NULL);
		ok(r1.status == 0 && strcmp(r1.out, sigtest_expected) == 0,
		    "%s: sigtest: SIGSEGV handlers see si_addr and return, wait statuses "
		    "(status %d)", arches[a], r1.status);
		if (strcmp(r1.out, sigtest_expected) != 0)
			printf("# got:\n# %s\n", r1.out);
		ok(systest_sql_int(t1, "SELECT count(*) FROM event WHERE kind = 'signal' AND "
		    "type = 'SIGSEGV' AND pid = 1 AND detail LIKE 'handler %'") == 2,
		    "%s: two SIGSEGVs went to the handler", arches[a]);
		ok(systest_sql_int(t1, "SELECT count(*) FROM event WHERE kind = 'exit' AND "
		    "detail = 'killed by SIGKILL'") == 1 &&
		    systest_sql_int(t1, "SELECT count(*) FROM event WHERE kind = 'exit' AND "
		    "detail = 'killed by SIGSEGV'") == 1,
		    "%s: the killed children's exit events", arches[a]);
		/* Equal runs, equal traces (the scheduler is deterministic). */
		r2 = vm_exec(t2, prog, NULL);
		d1 = systest_sql_text(t1, "SELECT digest FROM run");
		d2 = systest_sql_text(t2, "SELECT digest FROM run");
		ok(d1 != NULL && d2 != NULL && strcmp(d1, d2) == 0,
		    "%s: two runs give the same event digest (%s, %s)", arches[a],
		    d1 ? d1 : "-", d2 ? d2 : "-");
		free(d1);
		free(d2);
		systest_run_free(&r1);
		systest_run_free(&r2);
	}
}

/* ---- 4. deadlock ---------------------------------------------------------- */

static void
test_deadlock(void)
{
	for (size_t a = 0; a < nitems(arches); a++) {
		char prog[300];
		struct run r;

		guest_path(prog, sizeof(prog), arches[a], "deadlock");
		r = vm_exec(NULL, prog, NULL);
		r.err[strcspn(r.err, "\n")] = '\0';	/* one TAP line */
		ok(r.status == 2 && strcmp(r.out, "deadlock: forking\n") == 0 &&
		    strstr(r.err, "deadlock: every process is asleep: pid 1 (wait4) pid 2 "
		    "(pause)") != NULL,
		    "%s: a deadlock ends the run with status 2 and says who waits (%s)",
		    arches[a], r.err);
		systest_run_free(&r);
	}
}

/* ---- 5. shared anonymous memory, protection faults ------------------------ */

static void
test_shared_anon(void)
{
	for (size_t a = 0; a < nitems(arches); a++) {
		char prog[300], t[300];
		struct run r;

		guest_path(prog, sizeof(prog), arches[a], "shm_anon");
		r = vm_exec(NULL, prog, NULL);
		ok(r.status == 0 && strcmp(r.out, "shm_anon shared=42 private=1\n") == 0,
		    "%s: MAP_SHARED|MAP_ANONYMOUS is shared with the child, MAP_PRIVATE copied",
		    arches[a]);
		systest_run_free(&r);
		/* sigtest stores to a read-only page: a protection fault. */
		guest_path(prog, sizeof(prog), arches[a], "sigtest");
		snprintf(t, sizeof(t), "%s/prot-%s.db", systest_tmpdir, arches[a]);
		r = vm_exec(t, prog, NULL);
		ok(systest_sql_int(t, "SELECT count(*) FROM event WHERE kind = 'page_fault' "
		    "AND type = 'protection'") >= 1 &&
		    systest_sql_int(t, "SELECT count(*) FROM event WHERE kind = 'page_fault' "
		    "AND type = 'segv'") >= 1,
		    "%s: a store to a read-only page is a protection fault, an unmapped "
		    "load a segv fault", arches[a]);
		systest_run_free(&r);
	}
}

int
main(int argc, char **argv)
{
	if (argc != 3) {
		fprintf(stderr, "usage: test_proc VMSIM GUEST_DIR\n");
		return 2;
	}
	vmsim = argv[1];
	guest_dir = argv[2];
	if (systest_init() != 0)
		return 2;
	test_fork_cow();
	test_forkexec();
	test_sigtest();
	test_deadlock();
	test_shared_anon();
	systest_cleanup();
	return tap_done();
}
