/*
 * tests/sys/test_kmem.c — system tests of the kernel's malloc(9) in
 * simulated memory and of memguard (issue 8, acceptance 2), on mips,
 * mipsel and amd64, with the pipe_uaf guest (a child writes 100 lines
 * into a pipe, the parent reads them and closes the last end):
 *
 *  1. --bug pipe-use-after-free --memguard pipe: the kernel's read of the
 *     pipe's freed counters is caught: exit 3 (kernel panic), one
 *     memguard event of type use_after_free whose detail names the type
 *     (type=pipe), the allocation site (pipe.c) and the size (16), with a
 *     non-zero PC; one panic event; the trace complete (status failed)
 *     and replayable (vmsim replay: the memguard configuration is in the
 *     trace's config);
 *  2. --bug pipe-use-after-free alone: the run completes silently (exit
 *     0, the program's output, no memguard event, no panic) — the
 *     teaching point;
 *  3. --memguard pipe without the bug: exit 0, no memguard event; the
 *     pipe's pages are mapped and unmapped page by page (the guarded
 *     allocations' kernel shootdowns), more than without memguard;
 *  4. a 20000-line minish pipeline (the pipe fills, the writer sleeps)
 *     right with --memguard pipe, and forkexec right with --memguard
 *     exec (execve's argument strings in guarded memory);
 *  5. bad --memguard specs are refused with a message (exit 2).
 *
 * usage: test_kmem VMSIM GUEST_DIR
 */
#include "tests/tap.h"
#include "tests/sys/systest.h"
#include "sim/base/base.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

static const char *vmsim, *guest_dir;
static const char *const arches[] = { "mips", "mipsel", "amd64" };

static void
prog_path(char *buf, size_t len, const char *arch, const char *name)
{
	snprintf(buf, len, "%s/%s-%s", guest_dir, arch, name);
}

static const char *const pipe_out = "pipe_uaf: 100 lines, 792 bytes\n";

/* 1: the bug caught. */
static void
test_caught(const char *arch)
{
	char prog[512], t[512], *s;
	struct run r;

	prog_path(prog, sizeof(prog), arch, "pipe_uaf");
	snprintf(t, sizeof(t), "%s/uaf-mg-%s.db", systest_tmpdir, arch);
	r = systest_vmsim(vmsim, NULL, "exec", "--quiet", "--bug", "pipe-use-after-free",
	    "--memguard", "pipe", "--trace", t, prog, NULL);
	ok(r.status == 3 && strstr(r.err, "memguard: use_after_free") != NULL,
	    "%s: --bug pipe-use-after-free --memguard pipe: a kernel panic, exit 3 "
	    "(%d: %s)", arch, r.status, systest_line1(r.err));
	systest_run_free(&r);
	ok(systest_sql_intf(t, "SELECT count(*) FROM event WHERE kind = 'memguard'") == 1 &&
	    systest_sql_intf(t, "SELECT count(*) FROM event WHERE kind = 'memguard' AND "
	    "type = 'use_after_free' AND detail LIKE 'type=pipe site=pipe.c:%% size=16 "
	    "pc=0x%%' AND pc != 0 AND va != 0") == 1,
	    "%s: ... one memguard event: use_after_free, type=pipe, the site, size 16, "
	    "a PC", arch);
	s = systest_sql_text(t, "SELECT printf('%s va=%x pc=%x', detail, va, pc) FROM event "
	    "WHERE kind = 'memguard'");
	printf("# %s: %s\n", arch, s != NULL ? s : "(none)");
	free(s);
	ok(systest_sql_intf(t, "SELECT count(*) FROM event WHERE kind = 'panic' AND detail LIKE "
	    "'memguard: use_after_free%%'") == 1 &&
	    systest_sql_intf(t, "SELECT max(seq) FROM event WHERE kind = 'panic'") >
	    systest_sql_intf(t, "SELECT max(seq) FROM event WHERE kind = 'memguard'"),
	    "%s: ... then one panic event", arch);
	s = systest_sql_text(t, "SELECT status FROM run");
	ok(s != NULL && strcmp(s, "failed") == 0 &&
	    systest_sql_intf(t, "SELECT json_extract(config, '$.memguard.desc') = 'pipe' AND "
	    "json_extract(config, '$.bugs') = 4 FROM run") == 1,
	    "%s: ... the trace is complete (status %s) with the memguard and bug settings",
	    arch, s != NULL ? s : "?");
	free(s);
	r = systest_vmsim(vmsim, NULL, "replay", t, NULL);
	ok(r.status == 0, "%s: ... and replays (exit %d: %s)", arch, r.status, systest_line1(r.err));
	systest_run_free(&r);
}

/* 2 and 3: silent without memguard; no event without the bug. */
static void
test_silent(const char *arch)
{
	char prog[512], t1[512], t2[512], t3[512];
	struct run r;

	prog_path(prog, sizeof(prog), arch, "pipe_uaf");
	snprintf(t1, sizeof(t1), "%s/uaf-%s.db", systest_tmpdir, arch);
	r = systest_vmsim(vmsim, NULL, "exec", "--quiet", "--bug", "pipe-use-after-free",
	    "--trace", t1, prog, NULL);
	ok(r.status == 0 && strcmp(r.out, pipe_out) == 0 &&
	    systest_sql_intf(t1, "SELECT count(*) FROM event WHERE kind IN ('memguard', 'panic')") == 0,
	    "%s: --bug pipe-use-after-free without memguard: completes silently (exit %d)",
	    arch, r.status);
	systest_run_free(&r);

	snprintf(t2, sizeof(t2), "%s/mg-%s.db", systest_tmpdir, arch);
	r = systest_vmsim(vmsim, NULL, "exec", "--quiet", "--memguard", "pipe",
	    "--trace", t2, prog, NULL);
	ok(r.status == 0 && strcmp(r.out, pipe_out) == 0 &&
	    systest_sql_intf(t2, "SELECT count(*) FROM event WHERE kind IN ('memguard', 'panic')") == 0,
	    "%s: --memguard pipe without the bug: exit %d, no memguard event", arch,
	    r.status);
	systest_run_free(&r);

	snprintf(t3, sizeof(t3), "%s/plain-%s.db", systest_tmpdir, arch);
	r = systest_vmsim(vmsim, NULL, "exec", "--quiet", "--trace", t3, prog, NULL);
	ok(r.status == 0 && strcmp(r.out, pipe_out) == 0, "%s: pipe_uaf alone: exit %d",
	    arch, r.status);
	systest_run_free(&r);
	/* Guarded: the counters get a page of their own (unmapped at the
	 * free, one shootdown more), and the buffer its 16. */
	ok(systest_sql_intf(t2, "SELECT count(*) FROM event WHERE kind = 'shootdown' AND type = 'kernel'") >
	    systest_sql_intf(t3, "SELECT count(*) FROM event WHERE kind = 'shootdown' AND type = 'kernel'"),
	    "%s: ... guarded, the pipe's pages are unmapped page by page (%lld kernel "
	    "shootdowns, %lld without)", arch,
	    systest_sql_intf(t2, "SELECT count(*) FROM event WHERE kind = 'shootdown' AND type = 'kernel'"),
	    systest_sql_intf(t3, "SELECT count(*) FROM event WHERE kind = 'shootdown' AND type = 'kernel'"));
}

/* Copy the guest program name of arch to dir/name, executable. */
static int
install(const char *dir, const char *arch, const char *name)
{
	char src[512], dst[512];
	size_t len;
	char *data;
	int rv;

	prog_path(src, sizeof(src), arch, name);
	snprintf(dst, sizeof(dst), "%s/%s", dir, name);
	if ((data = systest_slurp(src, &len)) == NULL)
		return -1;
	rv = systest_spit(dst, data, len);
	free(data);
	return rv == 0 ? chmod(dst, 0755) : -1;
}

/* 4: guarded pipes and exec arguments under load. */
static void
test_load(const char *arch)
{
	char root[512], prog[512];
	struct run r;

	snprintf(root, sizeof(root), "%s/root-%s", systest_tmpdir, arch);
	if (mkdir(root, 0755) != 0 || install(root, arch, "file_gen") != 0 ||
	    install(root, arch, "file_count") != 0) {
		ok(0, "%s: cannot make the guest root %s", arch, root);
		return;
	}
	prog_path(prog, sizeof(prog), arch, "minish");
	r = systest_vmsim(vmsim, NULL, "exec", "--quiet", "--memguard", "pipe", "--root", root,
	    prog, "/file_gen", "20000", "|", "/file_count", "-s", NULL);
	ok(r.status == 20000 % 256 &&
	    strstr(r.out, "lines=20000 bytes=208894 sum=200010000\n") != NULL,
	    "%s: --memguard pipe: minish /file_gen 20000 | /file_count -s is right "
	    "(exit %d)", arch, r.status);
	systest_run_free(&r);
	prog_path(prog, sizeof(prog), arch, "forkexec");
	{
		struct run plain = systest_vmsim(vmsim, NULL, "exec", "--quiet", prog, NULL);

		r = systest_vmsim(vmsim, NULL, "exec", "--quiet", "--memguard", "exec", prog,
		    NULL);
		ok(r.status == plain.status && r.status == 0 && strcmp(r.out, plain.out) == 0,
		    "%s: --memguard exec: forkexec's execve arguments in guarded memory, "
		    "the same output (exit %d)", arch, r.status);
		systest_run_free(&plain);
	}
	systest_run_free(&r);
}

/* 5: bad specs. */
static void
test_bad_specs(void)
{
	static const char *const bad[] = { "pipe,frequency=100001", "pipe,options=fast",
	    "pipe,divisor=0", "pipe,what=1", "pipe,minsize" };
	char prog[512];

	prog_path(prog, sizeof(prog), "amd64", "hello");
	for (size_t i = 0; i < nitems(bad); i++) {
		struct run r = systest_vmsim(vmsim, NULL, "exec", "--memguard", bad[i], prog,
		    NULL);

		ok(r.status == 2 && strstr(r.err, "memguard") != NULL,
		    "--memguard %s refused with a message (exit %d: %s)", bad[i], r.status,
		    systest_line1(r.err));
		systest_run_free(&r);
	}
}

int
main(int argc, char **argv)
{
	if (argc != 3) {
		fprintf(stderr, "usage: test_kmem VMSIM GUEST_DIR\n");
		return 2;
	}
	vmsim = argv[1];
	guest_dir = argv[2];
	if (systest_init() != 0)
		return 1;
	for (size_t i = 0; i < nitems(arches); i++) {
		test_caught(arches[i]);
		test_silent(arches[i]);
		test_load(arches[i]);
	}
	test_bad_specs();
	systest_cleanup();
	return tap_done();
}
