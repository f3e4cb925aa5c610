/*
 * tests/sys/test_smp.c — system tests of SMP (issue 5): threads on
 * several CPUs, shootdowns and IPIs, the skip-shootdown teaching knob,
 * kernel stacks, on mips, mipsel and amd64.
 *
 *  1. smp_munmap on 2 CPUs, one thread (so it runs only on CPU0): amd64
 *     logs its munmap shootdown with an empty remote target set, MIPS
 *     logs 3 rendezvous (one per page); with a second thread spinning on
 *     CPU1, amd64's munmap shootdown targets CPU1 (an ipi event to 1).
 *  2. smp_stale: correct ("SIGSEGV") without the knob, stale data with
 *     --bug skip-shootdown; the trace's stale_tlb event names CPU 1, the
 *     page and the stale frame, and the knob is in the trace's config.
 *  4. thread_churn 10: kernel stacks new once per concurrent thread and
 *     reused from the cache after; every MIPS kstack starts on an even
 *     page; no machine check ever (trapframes always hit wired entry 0).
 *     The lowmem drain is tested by lab 3 (scripts/lua/labs/kstacks.lua)
 *     and tests/unit/vm/test_vm_kern.c.
 *  5. pthread_sum (static glibc, 4 threads) right on 1, 2 and 4 CPUs;
 *     two runs with the same seed write byte-identical traces.
 *  Also: the kstack-overflow knob ends the run with a kernel panic
 *  (exit 3, trace complete with a panic event), and bad --cpus values
 *  are refused.
 *
 * usage: test_smp VMSIM GUEST_DIR
 */
#include "tests/tap.h"
#include "tests/sys/systest.h"
#include "sim/base/base.h"


#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *vmsim, *guest_dir;
static const char *const arches[] = { "mips", "mipsel", "amd64" };

static void
prog_path(char *buf, size_t len, const char *arch, const char *name)
{
	snprintf(buf, len, "%s/%s-%s", guest_dir, arch, name);
}

static void
test_munmap(const char *arch)
{
	char prog[512], t1[512], t2[512];
	struct run r;
	bool mips = strncmp(arch, "mips", 4) == 0;

	prog_path(prog, sizeof(prog), arch, "smp_munmap");
	snprintf(t1, sizeof(t1), "%s/munmap1-%s.db", systest_tmpdir, arch);
	snprintf(t2, sizeof(t2), "%s/munmap2-%s.db", systest_tmpdir, arch);
	r = systest_vmsim(vmsim, NULL, "exec", "--quiet", "--cpus", "2", "--trace", t1,
	    prog, NULL);
	ok(r.status == 0, "%s: smp_munmap on 2 CPUs, one thread: exit 0 (got %d: %s)",
	    arch, r.status, systest_line1(r.err));
	systest_run_free(&r);
	ok(systest_sql_intf(t1, "SELECT count(DISTINCT cpu) FROM event WHERE pid = 1") == 1,
	    "%s: a one-thread process runs on one CPU", arch);
	if (mips) {
		ok(systest_sql_intf(t1, "SELECT count(*) FROM event WHERE kind = 'shootdown' AND "
		    "type = 'munmap'") == 3,
		    "%s: munmap of 3 pages = 3 rendezvous (got %lld)", arch,
		    systest_sql_intf(t1, "SELECT count(*) FROM event WHERE kind = 'shootdown' AND "
		    "type = 'munmap'"));
		ok(systest_sql_intf(t1, "SELECT count(*) FROM event WHERE kind = 'ipi' AND type = 'munmap'") == 3,
		    "%s: each rendezvous interrupts CPU1 (3 ipi events)", arch);
	} else {
		ok(systest_sql_intf(t1, "SELECT count(*) FROM event WHERE kind = 'shootdown' AND "
		    "type = 'munmap'") >= 1, "%s: munmap logs a shootdown", arch);
		ok(systest_sql_intf(t1, "SELECT count(*) FROM event WHERE kind = 'shootdown' AND "
		    "type = 'munmap' AND detail NOT LIKE '%%targets=0x0%%'") == 0,
		    "%s: ... with an empty remote target set", arch);
		ok(systest_sql_intf(t1, "SELECT count(*) FROM event WHERE kind = 'ipi' AND type = 'munmap'") == 0,
		    "%s: ... and no IPI", arch);
	}
	r = systest_vmsim(vmsim, NULL, "exec", "--quiet", "--cpus", "2", "--trace", t2,
	    prog, "2", NULL);
	ok(r.status == 0, "%s: smp_munmap 2 (two threads): exit 0 (got %d: %s)", arch,
	    r.status, systest_line1(r.err));
	systest_run_free(&r);
	ok(systest_sql_intf(t2, "SELECT count(DISTINCT cpu) FROM event WHERE kind = 'thread' OR "
	    "kind = 'page_fault'") == 2, "%s: the two threads ran on both CPUs", arch);
	if (!mips)
		ok(systest_sql_intf(t2, "SELECT count(*) FROM event WHERE kind = 'shootdown' AND "
		    "type = 'munmap' AND detail LIKE '%%targets=0x2%%'") >= 1 &&
		    systest_sql_intf(t2, "SELECT count(*) FROM event WHERE kind = 'ipi' AND "
		    "type = 'munmap' AND detail LIKE '%%to=1%%'") >= 1,
		    "%s: with a thread on CPU1 the munmap shootdown targets CPU1", arch);
	ok(systest_sql_intf(t2, "SELECT count(*) FROM event WHERE kind = 'machine_check'") == 0,
	    "%s: no machine check", arch);
}

static void
test_stale(const char *arch)
{
	char prog[512], t1[512], t2[512];
	struct run r;

	prog_path(prog, sizeof(prog), arch, "smp_stale");
	snprintf(t1, sizeof(t1), "%s/stale-ok-%s.db", systest_tmpdir, arch);
	snprintf(t2, sizeof(t2), "%s/stale-bug-%s.db", systest_tmpdir, arch);
	r = systest_vmsim(vmsim, NULL, "exec", "--quiet", "--cpus", "2", "--trace", t1,
	    prog, NULL);
	ok(r.status == 0 && strstr(r.out, "correct") != NULL,
	    "%s: smp_stale without the knob: correct (exit %d)", arch, r.status);
	systest_run_free(&r);
	ok(systest_sql_intf(t1, "SELECT count(*) FROM event WHERE kind = 'stale_tlb'") == 0,
	    "%s: ... no stale_tlb event", arch);
	r = systest_vmsim(vmsim, NULL, "exec", "--quiet", "--cpus", "2", "--bug",
	    "skip-shootdown", "--trace", t2, prog, NULL);
	ok(r.status == 3 && strstr(r.out, "stale") != NULL,
	    "%s: with --bug skip-shootdown the reader sees stale data (exit %d)", arch,
	    r.status);
	systest_run_free(&r);
	ok(systest_sql_intf(t2, "SELECT count(*) FROM event WHERE kind = 'stale_tlb' AND cpu = 1 "
	    "AND pa != 0") >= 1, "%s: ... a stale_tlb event on CPU 1 names the stale frame",
	    arch);
	ok(systest_sql_intf(t2, "SELECT count(*) FROM event WHERE kind = 'shootdown' AND "
	    "detail LIKE '%%skipped%%'") >= 1, "%s: ... and the skipped shootdown", arch);
	ok(systest_sql_intf(t2, "SELECT json_extract(config, '$.bugs') FROM run") == 1,
	    "%s: the knob is in the trace's config", arch);
	r = systest_vmsim(vmsim, NULL, "replay", t2, NULL);
	ok(r.status == 0, "%s: the buggy run replays (exit %d: %s)", arch, r.status, systest_line1(r.err));
	systest_run_free(&r);
}

static void
test_kstacks(const char *arch)
{
	char prog[512], t[512];
	struct run r;

	prog_path(prog, sizeof(prog), arch, "thread_churn");
	snprintf(t, sizeof(t), "%s/churn-%s.db", systest_tmpdir, arch);
	r = systest_vmsim(vmsim, NULL, "exec", "--quiet", "--trace", t, prog, "10", NULL);
	ok(r.status == 0, "%s: thread_churn 10: exit 0 (%d: %s)", arch, r.status, systest_line1(r.err));
	systest_run_free(&r);
	ok(systest_sql_intf(t, "SELECT count(*) FROM event WHERE kind = 'thread' AND type = 'new'") == 10,
	    "%s: 10 threads created", arch);
	ok(systest_sql_intf(t, "SELECT count(*) FROM event WHERE kind = 'kstack' AND type = 'reuse'") >= 9,
	    "%s: their kernel stacks come from the cache (reuse %lld)", arch,
	    systest_sql_intf(t, "SELECT count(*) FROM event WHERE kind = 'kstack' AND type = 'reuse'"));
	ok(systest_sql_intf(t, "SELECT count(*) FROM event WHERE kind = 'kstack' AND type = 'new'") <= 2,
	    "%s: at most 2 fresh stacks (main thread + 1)", arch);
	if (strncmp(arch, "mips", 4) == 0)
		ok(systest_sql_intf(t, "SELECT count(*) FROM event WHERE kind = 'kstack' AND "
		    "(va / 4096) %% 2 != 0") == 0, "%s: every kstack starts on an even page", arch);
	ok(systest_sql_intf(t, "SELECT count(*) FROM event WHERE kind = 'machine_check'") == 0,
	    "%s: trapframes never miss the wired entry", arch);
}

static void
test_pthread_sum(const char *arch)
{
	static const char *const cpus[] = { "1", "2", "4" };
	char prog[512], t1[512], t2[512];
	struct run r;

	prog_path(prog, sizeof(prog), arch, "pthread_sum");
	for (size_t i = 0; i < nitems(cpus); i++) {
		r = systest_vmsim(vmsim, NULL, "exec", "--quiet", "--cpus", cpus[i], prog,
		    NULL);
		ok(r.status == 0 && strstr(r.out, "ok") != NULL,
		    "%s: pthread_sum on %s CPU(s): right answer (exit %d)", arch, cpus[i],
		    r.status);
		systest_run_free(&r);
	}
	/* The same command line twice (the trace records it): the first
	 * trace is moved aside before the second run writes its own. */
	snprintf(t1, sizeof(t1), "%s/sum-%s.db", systest_tmpdir, arch);
	snprintf(t2, sizeof(t2), "%s/sum-%s.first", systest_tmpdir, arch);
	r = systest_vmsim(vmsim, NULL, "exec", "--quiet", "--cpus", "2", "--seed", "7",
	    "--trace", t1, prog, NULL);
	systest_run_free(&r);
	if (rename(t1, t2) != 0)
		perror(t2);
	r = systest_vmsim(vmsim, NULL, "exec", "--quiet", "--cpus", "2", "--seed", "7",
	    "--trace", t1, prog, NULL);
	systest_run_free(&r);
	{
		size_t n1 = 0, n2 = 0;
		char *a = systest_slurp(t1, &n1), *b = systest_slurp(t2, &n2);

		ok(a != NULL && b != NULL && n1 == n2 && memcmp(a, b, n1) == 0,
		    "%s: same seed, 2 CPUs: byte-identical traces (%zu, %zu bytes)", arch, n1, n2);
		free(a);
		free(b);
	}
	ok(systest_sql_intf(t1, "SELECT count(DISTINCT cpu) FROM event WHERE kind = 'thread'") == 2,
	    "%s: the threads ran on both CPUs", arch);
	ok(systest_sql_intf(t1, "SELECT count(*) FROM event WHERE kind = 'syscall_unimplemented' AND "
	    "type != 'rseq'") == 0, "%s: pthreads need no unimplemented system call "
	    "(clone3, futex, set_robust_list...)", arch);
}

static void
test_overflow(const char *arch)
{
	char prog[512], t[512];
	struct run r;

	prog_path(prog, sizeof(prog), arch, "hello");
	snprintf(t, sizeof(t), "%s/overflow-%s.db", systest_tmpdir, arch);
	r = systest_vmsim(vmsim, NULL, "exec", "--quiet", "--bug", "kstack-overflow",
	    "--trace", t, prog, NULL);
	ok(r.status == 3 && strstr(r.err, "kernel stack overflow") != NULL,
	    "%s: --bug kstack-overflow: a kernel panic, exit 3 (%d: %s)", arch, r.status, systest_line1(r.err));
	systest_run_free(&r);
	ok(systest_sql_intf(t, "SELECT count(*) FROM event WHERE kind = 'panic' AND "
	    "detail LIKE '%%guard page%%'") == 1, "%s: ... one panic event (guard page)", arch);
	{
		char *st = systest_sql_text(t, "SELECT status FROM run");

		ok(st != NULL && strcmp(st, "failed") == 0, "%s: ... the trace is complete "
		    "(status %s)", arch, st ? st : "?");
		free(st);
	}
}

static void
test_bad_cpus(void)
{
	static const char *const bad[] = { "0", "65", "x" };
	char prog[512];

	prog_path(prog, sizeof(prog), "amd64", "hello");
	for (size_t i = 0; i < nitems(bad); i++) {
		struct run r = systest_vmsim(vmsim, NULL, "exec", "--cpus", bad[i], prog, NULL);

		ok(r.status == 2 && strstr(r.err, "--cpus") != NULL,
		    "--cpus %s refused with a message (exit %d)", bad[i], r.status);
		systest_run_free(&r);
	}
	{
		struct run r = systest_vmsim(vmsim, NULL, "exec", "--bug", "nonsense", prog, NULL);

		ok(r.status == 2 && strstr(r.err, "--bug") != NULL,
		    "--bug nonsense refused with a message (exit %d)", r.status);
		systest_run_free(&r);
	}
}

int
main(int argc, char **argv)
{
	if (argc != 3) {
		fprintf(stderr, "usage: test_smp VMSIM GUEST_DIR\n");
		return 2;
	}
	vmsim = argv[1];
	guest_dir = argv[2];
	if (systest_init() != 0)
		return 1;
	for (size_t i = 0; i < nitems(arches); i++) {
		test_munmap(arches[i]);
		test_stale(arches[i]);
		test_kstacks(arches[i]);
		test_pthread_sum(arches[i]);
		test_overflow(arches[i]);
	}
	test_bad_cpus();
	systest_cleanup();
	return tap_done();
}
