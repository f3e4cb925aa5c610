/*
 * tests/sys/test_files.c — system tests of the file system (issue 3,
 * "Files"): the file system calls of guest/progs/file_rw.c on every arch
 * (the overlay takes every change and the host root is never written;
 * directory listings are sorted), replay of such a run from the trace
 * alone (files and directory listings come back from the trace; so do
 * the programs a pipeline runs), a two-stage pipeline run by the mini shell (acceptance 5: fork, execve,
 * pipe, dup2, wait4; also one that fills the pipe so the writer sleeps),
 * and a file mapped by two processes (acceptance 2: MAP_SHARED stores are
 * seen by the other process and the file, MAP_PRIVATE stores are not).
 *
 * usage: test_files VMSIM GUEST_DIR
 */
#include "tests/tap.h"
#include "tests/sys/systest.h"
#include "sim/base/base.h"

#include <dirent.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* Paths are a short temporary directory plus short names. */
#pragma GCC diagnostic ignored "-Wformat-truncation"

static const char *vmsim, *guest_dir;
static const char *const arches[] = { "mips", "mipsel", "amd64" };

/* Print text as TAP comments (after a failed test point). */
static void
diag(const char *text)
{
	while (text != NULL && *text != '\0') {
		size_t n = strcspn(text, "\n");

		printf("# %.*s\n", (int)n, text);
		text += n;
		if (*text == '\n')
			text++;
	}
}

static void
gpath(char *buf, size_t len, const char *arch, const char *prog)
{
	snprintf(buf, len, "%s/%s-%s", guest_dir, arch, prog);
}

static int
copy_file(const char *from, const char *to, mode_t mode)
{
	size_t len;
	char *d = systest_slurp(from, &len);
	int rv;

	if (d == NULL)
		return -1;
	rv = systest_spit(to, d, len);
	free(d);
	chmod(to, mode);
	return rv;
}

/* A fresh guest root under the temporary directory: /data.txt and
 * /sub/f.  Its path goes to root. */
static void
make_root(char *root, size_t len, const char *name)
{
	char p[400];

	snprintf(root, len, "%s/%s", systest_tmpdir, name);
	mkdir(root, 0755);
	snprintf(p, sizeof(p), "%s/data.txt", root);
	systest_spit(p, "some data\n", 10);
	snprintf(p, sizeof(p), "%s/sub", root);
	mkdir(p, 0755);
	snprintf(p, sizeof(p), "%s/sub/f", root);
	systest_spit(p, "f\n", 2);
}

/* The names in host directory dir, sorted, space separated. */
static void
host_listing(const char *dir, char *out, size_t len)
{
	struct dirent **ents;
	int n = scandir(dir, &ents, NULL, alphasort);

	out[0] = '\0';
	for (int i = 0; i < n; i++) {
		if (ents[i]->d_name[0] != '.') {
			strncat(out, out[0] ? " " : "", len - strlen(out) - 1);
			strncat(out, ents[i]->d_name, len - strlen(out) - 1);
		}
		free(ents[i]);
	}
	if (n >= 0)
		free(ents);
}

/* The line of out that starts with prefix, with " <self>" taken out (the
 * program's own name differs per arch), or "". */
static const char *
out_line(const char *out, const char *prefix, char *buf, size_t len)
{
	const char *l = strstr(out, prefix);
	size_t n;
	char *self;

	buf[0] = '\0';
	if (l == NULL)
		return buf;
	n = strcspn(l, "\n");
	snprintf(buf, len, "%.*s", (int)n, l);
	if ((self = strstr(buf, " <self>")) != NULL)
		memmove(self, self + 7, strlen(self + 7) + 1);
	return buf;
}

/* ---- 1. the file system calls on every arch ----------------------------- */

static void
test_file_rw(void)
{
	for (size_t a = 0; a < nitems(arches); a++) {
		char root[300], prog[300], name[64], l[512], hl[512], p[400];
		struct run r;
		char *data;

		snprintf(name, sizeof(name), "root-%s", arches[a]);
		make_root(root, sizeof(root), name);
		gpath(prog, sizeof(prog), arches[a], "file_rw");
		r = systest_vmsim(vmsim, NULL, "exec", "--quiet", "--root", root, prog, "/data.txt", NULL);
		if (!ok(r.status == 0 && strstr(r.out, "file_rw: 0 failures") != NULL,
		    "%s: file_rw: every check holds (status %d)", arches[a], r.status))
			diag(r.out);
		ok(strcmp(out_line(r.out, "listing /: ", l, sizeof(l)),
		    "listing /: ./ ../ data.txt dev/ new.txt sub/ y") == 0,
		    "%s: getdents64 of /: root and overlay entries, sorted (%s)", arches[a], l);
		ok(strcmp(out_line(r.out, "listing / after unlink: ", l, sizeof(l)),
		    "listing / after unlink: ./ ../ dev/ new.txt sub/") == 0,
		    "%s: an unlinked root file leaves the listing (%s)", arches[a], l);
		ok(strcmp(out_line(r.out, "listing /dev: ", l, sizeof(l)),
		    "listing /dev: ./ ../ fb0 mmio null tty zero") == 0,
		    "%s: /dev lists the devices (%s)", arches[a], l);
		/* The host root is untouched. */
		host_listing(root, hl, sizeof(hl));
		snprintf(p, sizeof(p), "%s/data.txt", root);
		data = systest_slurp(p, NULL);
		ok(strcmp(hl, "data.txt sub") == 0 && data != NULL &&
		    strcmp(data, "some data\n") == 0,
		    "%s: the host root is never written (%s)", arches[a], hl);
		free(data);
		systest_run_free(&r);
	}
}

/* ---- 2. replay from the trace alone ------------------------------------- */

static void
test_replay(void)
{
	const char *const sets[][2] = { { "amd64", "file_rw" }, { "mips", "file_rw" } };

	for (size_t s = 0; s < nitems(sets); s++) {
		char root[300], away[300], prog[300], src[300], t[300], name[64];
		struct run r, r2;

		snprintf(name, sizeof(name), "rp-%s", sets[s][0]);
		make_root(root, sizeof(root), name);
		snprintf(prog, sizeof(prog), "%s/rp-%s-prog", systest_tmpdir, sets[s][0]);
		gpath(src, sizeof(src), sets[s][0], sets[s][1]);
		copy_file(src, prog, 0755);
		snprintf(t, sizeof(t), "%s/rp-%s.db", systest_tmpdir, sets[s][0]);
		r = systest_vmsim(vmsim, NULL, "exec", "--quiet", "--root", root, "--trace", t, prog, "/data.txt",
		    NULL);
		r2 = systest_vmsim(vmsim, NULL, "exec", "--quiet", "--root", root, prog, "/data.txt", NULL);
		ok(r.status == 0 && r2.status == 0 && strcmp(r.out, r2.out) == 0,
		    "%s: two runs print the same", sets[s][0]);
		systest_run_free(&r2);
		systest_run_free(&r);
		/* The root and the program go away; the trace has them. */
		snprintf(away, sizeof(away), "%s.away", root);
		rename(root, away);
		unlink(prog);
		r = systest_vmsim(vmsim, NULL, "replay", t, NULL);
		if (!ok(r.status == 0 && strstr(r.out, "events identical") != NULL,
		    "%s: replay without the root: files and listings from the trace",
		    sets[s][0]))
			diag(r.err);
		systest_run_free(&r);
	}
}

/* A pipeline of programs from the root, replayed without the root. */
static void
test_replay_pipeline(void)
{
	char root[300], away[300], src[300], dst[300], prog[300], t[300];
	struct run r;

	make_root(root, sizeof(root), "rp-sh");
	gpath(src, sizeof(src), "mipsel", "file_gen");
	snprintf(dst, sizeof(dst), "%s/file_gen", root);
	copy_file(src, dst, 0755);
	gpath(src, sizeof(src), "mipsel", "file_count");
	snprintf(dst, sizeof(dst), "%s/file_count", root);
	copy_file(src, dst, 0755);
	gpath(prog, sizeof(prog), "mipsel", "minish");
	snprintf(t, sizeof(t), "%s/rp-sh.db", systest_tmpdir);
	r = systest_vmsim(vmsim, NULL, "exec", "--quiet", "--root", root, "--trace", t, prog, "/file_gen",
	    "9000", "|", "/file_count", NULL);
	ok(r.status == 0 && strstr(r.out, "lines=9000 ") != NULL,
	    "mipsel: a traced pipeline of programs from the root");
	systest_run_free(&r);
	snprintf(away, sizeof(away), "%s.away", root);
	rename(root, away);
	r = systest_vmsim(vmsim, NULL, "replay", t, NULL);
	if (!ok(r.status == 0 && strstr(r.out, "events identical") != NULL,
	    "mipsel: its replay without the root (the programs come from the trace)"))
		diag(r.err);
	systest_run_free(&r);
}

/* ---- 3. a pipeline run by the mini shell (acceptance 5) ----------------- */

/* Bytes of "line 1\n" .. "line n\n". */
static long
gen_bytes(long n)
{
	long b = 0;

	for (long i = 1; i <= n; i++) {
		char s[32];

		b += snprintf(s, sizeof(s), "line %ld\n", i);
	}
	return b;
}

static void
test_pipeline(void)
{
	static const long counts[] = { 1000, 20000 };

	for (size_t a = 0; a < nitems(arches); a++) {
		char root[300], prog[300], src[300], dst[300], name[64];

		snprintf(name, sizeof(name), "sh-%s", arches[a]);
		make_root(root, sizeof(root), name);
		gpath(src, sizeof(src), arches[a], "file_gen");
		snprintf(dst, sizeof(dst), "%s/file_gen", root);
		copy_file(src, dst, 0755);
		gpath(src, sizeof(src), arches[a], "file_count");
		snprintf(dst, sizeof(dst), "%s/file_count", root);
		copy_file(src, dst, 0755);
		gpath(prog, sizeof(prog), arches[a], "minish");
		for (size_t c = 0; c < nitems(counts); c++) {
			char n[32];
			struct run r;
			char count[64], st_gen[64], st_count[64];

			snprintf(n, sizeof(n), "%ld", counts[c]);
			snprintf(count, sizeof(count), "lines=%ld bytes=%ld sum=%ld\n",
			    counts[c], gen_bytes(counts[c]), counts[c] * (counts[c] + 1) / 2);
			snprintf(st_gen, sizeof(st_gen), "minish: /file_gen exited 0\n");
			snprintf(st_count, sizeof(st_count), "minish: /file_count exited %ld\n",
			    counts[c] % 256);
			r = systest_vmsim(vmsim, NULL, "exec", "--quiet", "--root", root, prog, "/file_gen", n, "|",
			    "/file_count", "-s", NULL);
			/* Three lines, in an order the scheduler decides. */
			if (!ok(strstr(r.out, count) != NULL && strstr(r.out, st_gen) != NULL &&
			    strstr(r.out, st_count) != NULL &&
			    strlen(r.out) == strlen(count) + strlen(st_gen) + strlen(st_count) &&
			    r.status == counts[c] % 256,
			    "%s: minish /file_gen %ld | /file_count -s: the count and both "
			    "statuses%s", arches[a], counts[c],
			    gen_bytes(counts[c]) > 65536 ? " (the pipe fills: the writer sleeps)" : ""))
				diag(r.out);
			systest_run_free(&r);
		}
	}
}

/* ---- 4. a file mapped by two processes (acceptance 2) ------------------- */

static void
test_mshare(void)
{
	for (size_t a = 0; a < nitems(arches); a++) {
		char root[300], prog[300], name[64];
		struct run r;

		snprintf(name, sizeof(name), "ms-%s", arches[a]);
		make_root(root, sizeof(root), name);
		gpath(prog, sizeof(prog), arches[a], "file_mshare");
		r = systest_vmsim(vmsim, NULL, "exec", "--quiet", "--root", root, prog, NULL);
		if (!ok(r.status == 0 && strstr(r.out, "file_mshare: 0 failures") != NULL &&
		    strstr(r.out, "child ok: sees the parent's shared store") != NULL,
		    "%s: MAP_SHARED stores seen by the other process and the file; "
		    "MAP_PRIVATE ones by neither", arches[a]))
			diag(r.out);
		systest_run_free(&r);
	}
}

int
main(int argc, char **argv)
{
	if (argc != 3) {
		fprintf(stderr, "usage: test_files VMSIM GUEST_DIR\n");
		return 2;
	}
	vmsim = argv[1];
	guest_dir = argv[2];
	if (systest_init() != 0)
		return 2;
	test_file_rw();
	test_replay();
	test_replay_pipeline();
	test_pipeline();
	test_mshare();
	systest_cleanup();
	return tap_done();
}
