/*
 * tests/sys/test_trace_tools.c — system tests of the trace tools (issue
 * 6): `vmsim replay` verifies every guest test program on every arch,
 * also with the program and the guest root gone; a tampered binary blob
 * is caught; --until prints the machine's state; --set writes a what-if
 * trace; `vmsim diff` sees a TLB-size change, passes identical runs and
 * honours tolerances; show/stats/dump work; truncated, corrupted,
 * foreign, newer-schema and non-SQLite files get exit 2 and a message
 * from every command; fresh runs match the golden dumps in traces/golden.
 *
 * usage: test_trace_tools VMSIM GUEST_DIR EXPECTED_DIR GOLDEN_DIR
 */
#include "tests/tap.h"
#include "tests/sys/systest.h"
#include "sim/base/base.h"
#include "sim/sha256.h"

#include <fcntl.h>
#include <spawn.h>
#include <stdarg.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

/* Paths here are a short temporary directory plus short names; GCC
 * cannot know that, and snprintf truncates safely anyway. */
#pragma GCC diagnostic ignored "-Wformat-truncation"


static const char *vmsim, *guest_dir, *expected_dir, *golden_dir;
static const char *const arches[] = { "mips", "mipsel", "amd64" };




static int
copy_file(const char *from, const char *to)
{
	size_t len;
	char *d = systest_slurp(from, &len);
	int rv;

	if (d == NULL)
		return -1;
	rv = systest_spit(to, d, len);
	free(d);
	return rv;
}

/* Run argv (NULL-terminated) in directory cwd (or ours), capturing
 * stdout and stderr. */

/* The first line of s, for a one-line TAP message. */
static const char *
line1(const char *s, char *buf, size_t len)
{
	size_t n = strcspn(s, "\n");

	snprintf(buf, len, "%.*s", (int)MIN(n, len - 1), s);
	return buf;
}

static void
tpath(char *buf, size_t len, const char *name)
{
	snprintf(buf, len, "%s/%s", systest_tmpdir, name);
}

static void
gpath(char *buf, size_t len, const char *arch, const char *prog)
{
	snprintf(buf, len, "%s/%s-%s", guest_dir, arch, prog);
}

/* Execute sql on path (read-write). */
static int
q_exec(const char *path, const char *sql)
{
	sqlite3 *db;
	int rc;

	if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE, NULL) != SQLITE_OK) {
		sqlite3_close(db);
		return -1;
	}
	rc = sqlite3_exec(db, sql, NULL, NULL, NULL);
	sqlite3_close(db);
	return rc == SQLITE_OK ? 0 : -1;
}

/* ---- 1. replay of every test program on every arch ----------------------- */

static void
test_replay_clean(void)
{
	static const struct {
		const char *prog, *arg;
		bool root;
	} progs[] = {
		{ "hello", NULL, false }, { "touch_pages", "10", false },
		{ "glibc_hello", NULL, false }, { "file_mmap", "/data.txt", true },
	};
	char root[300];

	snprintf(root, sizeof(root), "%s/root", expected_dir);
	for (size_t a = 0; a < nitems(arches); a++) {
		for (size_t p = 0; p < nitems(progs); p++) {
			char prog[300], t[300], name[64], l[200];
			struct run r;

			gpath(prog, sizeof(prog), arches[a], progs[p].prog);
			snprintf(name, sizeof(name), "clean-%s-%s.db", arches[a], progs[p].prog);
			tpath(t, sizeof(t), name);
			if (progs[p].root)
				r = systest_vmsim(vmsim, NULL, "exec", "--quiet", "--root", root, "--trace", t, prog,
				    progs[p].arg, NULL);
			else
				r = systest_vmsim(vmsim, NULL, "exec", "--quiet", "--trace", t, prog, progs[p].arg,
				    NULL);
			if (!ok(r.status == 0, "%s %s: exec with a trace (status %d)", arches[a],
			    progs[p].prog, r.status)) {
				systest_run_free(&r);
				continue;
			}
			systest_run_free(&r);
			r = systest_vmsim(vmsim, NULL, "replay", t, NULL);
			ok(r.status == 0 && strncmp(r.out, "replay: ", 8) == 0 &&
			    strstr(r.out, " events identical\n") != NULL &&
			    strchr(r.out, '\n')[1] == '\0',
			    "%s %s: replay is clean: %s%s", arches[a], progs[p].prog,
			    line1(r.out, l, sizeof(l)), r.status ? r.err : "");
			systest_run_free(&r);
		}
	}
}

/* ---- 2. replay with the program and the root gone -------------------- */

static void
test_replay_alone(void)
{
	char gone[300], root[300], prog[300], data[300], src[300], t[300], away[300];
	char l[200];
	struct run r;

	tpath(gone, sizeof(gone), "gone");
	snprintf(root, sizeof(root), "%s/root", gone);
	snprintf(prog, sizeof(prog), "%s/amd64-file_mmap", gone);
	snprintf(data, sizeof(data), "%s/data.txt", root);
	tpath(away, sizeof(away), "elsewhere");
	tpath(t, sizeof(t), "gone.db");
	mkdir(gone, 0755);
	mkdir(root, 0755);
	mkdir(away, 0755);
	gpath(src, sizeof(src), "amd64", "file_mmap");
	copy_file(src, prog);
	snprintf(src, sizeof(src), "%s/root/data.txt", expected_dir);
	copy_file(src, data);
	chmod(prog, 0755);
	r = systest_vmsim(vmsim, NULL, "exec", "--quiet", "--root", root, "--trace", t, prog, "/data.txt", NULL);
	ok(r.status == 0 && strstr(r.out, "file_mmap: 0 failures") != NULL,
	    "file_mmap from a temporary copy with a temporary root");
	systest_run_free(&r);
	/* The trace moves; the program, its root and guest/ are not there. */
	{
		char moved[300];

		snprintf(moved, sizeof(moved), "%s/moved.db", away);
		rename(t, moved);
		unlink(data);
		rmdir(root);
		unlink(prog);
		rmdir(gone);
		r = systest_vmsim(vmsim, away, "replay", "moved.db", NULL);
		ok(r.status == 0 && strstr(r.out, "events identical") != NULL,
		    "replay works from the trace alone (no program, no root, no guest/): %s%s",
		    line1(r.out, l, sizeof(l)), r.status ? r.err : "");
		systest_run_free(&r);
		ok(systest_sql_int(moved, "SELECT count(*) FROM input WHERE role = 'file' AND "
		    "name = '/data.txt'") == 1, "the root file is an input of the trace");
	}
}

/* ---- 3. tampering ------------------------------------------------------ */

/* Rewrite the binary blob of trace path: flip byte off, or (fix_sha) also
 * store it under its new SHA-256, as a consistent forgery would. */
static int
tamper_binary(const char *path, long off, uint8_t xor, bool fix_sha, long *entry_off)
{
	sqlite3 *db;
	sqlite3_stmt *st;
	uint8_t *data = NULL;
	int len = 0, rv = -1;
	char old[SHA256_HEX], hex[SHA256_HEX];

	if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE, NULL) != SQLITE_OK)
		goto out;
	if (sqlite3_prepare_v2(db, "SELECT sha256, data FROM blob WHERE role = 'binary'",
	    -1, &st, NULL) != SQLITE_OK)
		goto out;
	if (sqlite3_step(st) == SQLITE_ROW) {
		snprintf(old, sizeof(old), "%s", sqlite3_column_text(st, 0));
		len = sqlite3_column_bytes(st, 1);
		data = malloc((size_t)len);
		memcpy(data, sqlite3_column_blob(st, 1), (size_t)len);
	}
	sqlite3_finalize(st);
	if (data == NULL)
		goto out;
	if (entry_off != NULL) {
		/* e_entry: offset 24 in ELF32 and ELF64; low byte first (LE)
		 * or last (BE, ELF32: 4 bytes). */
		off = data[5] == 2 ? 24 + 3 : 24;
		*entry_off = off;
	}
	if (off < 0 || off >= len)
		goto out;
	data[off] ^= xor;
	sha256_hex(data, (size_t)len, hex);
	if (sqlite3_prepare_v2(db, "UPDATE blob SET data = ?1, sha256 = ?2 WHERE sha256 = ?3",
	    -1, &st, NULL) != SQLITE_OK)
		goto out;
	sqlite3_bind_blob(st, 1, data, len, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, fix_sha ? hex : old, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, old, -1, SQLITE_STATIC);
	if (sqlite3_step(st) == SQLITE_DONE)
		rv = 0;
	sqlite3_finalize(st);
	if (rv == 0 && fix_sha) {
		char sql[300];

		snprintf(sql, sizeof(sql), "UPDATE input SET sha256 = '%s' WHERE sha256 = '%s'",
		    hex, old);
		rv = sqlite3_exec(db, sql, NULL, NULL, NULL) == SQLITE_OK ? 0 : -1;
	}
out:
	free(data);
	sqlite3_close(db);
	return rv;
}

static void
test_tampered(void)
{
	for (size_t a = 0; a < nitems(arches); a++) {
		char prog[300], t[300], t2[300], l[300];
		struct run r;
		long eoff = 0;

		gpath(prog, sizeof(prog), arches[a], "hello");
		tpath(t, sizeof(t), "tamper.db");
		tpath(t2, sizeof(t2), "tamper2.db");
		r = systest_vmsim(vmsim, NULL, "exec", "--quiet", "--trace", t, prog, NULL);
		systest_run_free(&r);
		copy_file(t, t2);

		/* One byte of the stored binary changed: a hash error. */
		ok(tamper_binary(t, 1000, 0x01, false, NULL) == 0, "%s: flip one byte of the "
		    "binary blob", arches[a]);
		r = systest_vmsim(vmsim, NULL, "replay", t, NULL);
		ok(r.status == 2 && strstr(r.err, "does not match its SHA-256") != NULL,
		    "%s: replay of a tampered blob: exit 2, hash error (%d: %s)", arches[a],
		    r.status, line1(r.err, l, sizeof(l)));
		systest_run_free(&r);

		/* A consistent forgery (new SHA-256) that moves the entry point
		 * by 4 bytes: replay diverges at the exec event, seq of exec. */
		ok(tamper_binary(t2, 0, 0x04, true, &eoff) == 0, "%s: forge the entry point "
		    "(byte %ld) and re-hash", arches[a], eoff);
		{
			long long seq = systest_sql_int(t2, "SELECT seq FROM event WHERE kind = 'exec'");
			char want[80];

			snprintf(want, sizeof(want), "divergence at event seq %lld ", seq);
			r = systest_vmsim(vmsim, NULL, "replay", t2, NULL);
			ok(r.status == 1 && strstr(r.out, want) != NULL &&
			    strstr(r.out, "differs in: va") != NULL &&
			    strstr(r.out, "=> 0x") != NULL,
			    "%s: replay of the forged binary diverges at the exec event (seq %lld) "
			    "and shows the code (%d: %s)", arches[a], seq, r.status,
			    line1(r.out, l, sizeof(l)));
			systest_run_free(&r);
		}
		/* A damaged event row: the digest says so. */
		copy_file(t2, t);
		r = systest_vmsim(vmsim, NULL, "exec", "--quiet", "--trace", t, prog, NULL);
		systest_run_free(&r);
		q_exec(t, "UPDATE event SET va = va + 4096 WHERE seq = 2");
		r = systest_vmsim(vmsim, NULL, "replay", t, NULL);
		ok(r.status == 2 && strstr(r.err, "digest") != NULL,
		    "%s: an altered event row is reported as damage (%d: %s)", arches[a],
		    r.status, line1(r.err, l, sizeof(l)));
		systest_run_free(&r);
	}
}

/* ---- 4. --until and --set ----------------------------------------------- */

static void
test_until_set(void)
{
	for (size_t a = 0; a < nitems(arches); a++) {
		char prog[300], t[300], w[300], seq[32], l[200];
		struct run r;
		long long n;

		gpath(prog, sizeof(prog), arches[a], "touch_pages");
		tpath(t, sizeof(t), "until.db");
		tpath(w, sizeof(w), "whatif.db");
		r = systest_vmsim(vmsim, NULL, "exec", "--quiet", "--trace", t, prog, "10", NULL);
		systest_run_free(&r);
		n = systest_sql_int(t, "SELECT max(seq) FROM event WHERE kind = 'page_fault' AND "
		    "type = 'zero_fill'");
		snprintf(seq, sizeof(seq), "%lld", n);
		r = systest_vmsim(vmsim, NULL, "replay", t, "--until", seq, NULL);
		ok(r.status == 0 && strstr(r.out, "stopped at event seq") != NULL &&
		    strstr(r.out, "vm_map of pid 1") != NULL &&
		    strstr(r.out, "stack") != NULL &&
		    strstr(r.out, strcmp(arches[a], "amd64") == 0 ? "PCID" : "MIPS JTLB") != NULL &&
		    strstr(r.out, "page tables of pid 1") != NULL && strstr(r.out, "=> ") != NULL,
		    "%s: replay --until %s prints the vm_map, the TLB and the PTEs (%d: %s)",
		    arches[a], seq, r.status, line1(r.out, l, sizeof(l)));
		systest_run_free(&r);
		r = systest_vmsim(vmsim, NULL, "replay", t, "--until", "999999", NULL);
		ok(r.status == 2 && strstr(r.err, "only") != NULL,
		    "%s: --until beyond the end: exit 2", arches[a]);
		systest_run_free(&r);

		r = systest_vmsim(vmsim, NULL, "replay", t, "--set", "tlb_entries=4", "--set", "cost.syscall=70",
		    "--trace", w, NULL);
		ok(r.status == 0 && systest_sql_int(w, "SELECT json_extract(config, '$.tlb_entries') "
		    "FROM run") == 4 && systest_sql_int(w, "SELECT json_extract(config, "
		    "'$.cost.syscall') FROM run") == 70,
		    "%s: replay --set tlb_entries=4 --set cost.syscall=70 writes a new trace (%d %s)",
		    arches[a], r.status, r.err);
		systest_run_free(&r);
		ok(systest_sql_int(w, "SELECT count(*) FROM event") > 0 &&
		    systest_sql_int(w, "SELECT json_extract(totals, '$.cycles') FROM run") !=
		    systest_sql_int(t, "SELECT json_extract(totals, '$.cycles') FROM run"),
		    "%s: the what-if trace differs (cycles %lld vs %lld)", arches[a],
		    systest_sql_int(w, "SELECT json_extract(totals, '$.cycles') FROM run"),
		    systest_sql_int(t, "SELECT json_extract(totals, '$.cycles') FROM run"));
		r = systest_vmsim(vmsim, NULL, "replay", w, NULL);
		ok(r.status == 0 && strstr(r.out, "events identical") != NULL,
		    "%s: the what-if trace replays clean", arches[a]);
		systest_run_free(&r);
		r = systest_vmsim(vmsim, NULL, "replay", t, "--set", "no_such=1", "--trace", w, NULL);
		ok(r.status == 2 && strstr(r.err, "no such setting") != NULL,
		    "%s: --set of an unknown key: exit 2 (%s)", arches[a],
		    line1(r.err, l, sizeof(l)));
		systest_run_free(&r);
		r = systest_vmsim(vmsim, NULL, "replay", t, "--set", "tlb_entries=4", NULL);
		ok(r.status == 2 && strstr(r.err, "--trace") != NULL,
		    "%s: --set without --trace: exit 2", arches[a]);
		systest_run_free(&r);
	}
}

/* ---- 5. diff --------------------------------------------------------------- */

static void
test_diff(void)
{
	char prog[300], a[300], b[300], c[300], d[300], l[200];
	struct run r;

	gpath(prog, sizeof(prog), "mips", "touch_pages");
	tpath(a, sizeof(a), "diff-a.db");
	tpath(b, sizeof(b), "diff-b.db");
	tpath(c, sizeof(c), "diff-c.db");
	tpath(d, sizeof(d), "diff-d.db");
	systest_run_free((r = systest_vmsim(vmsim, NULL, "exec", "--quiet", "--trace", a, prog, "100", NULL), &r));
	systest_run_free((r = systest_vmsim(vmsim, NULL, "exec", "--quiet", "--trace", b, prog, "100", NULL), &r));
	systest_run_free((r = systest_vmsim(vmsim, NULL, "exec", "--quiet", "--tlb-entries", "8", "--trace", c, prog,
	    "100", NULL), &r));
	systest_run_free((r = systest_vmsim(vmsim, NULL, "exec", "--quiet", "--cost", "syscall=51", "--trace", d, prog,
	    "100", NULL), &r));

	r = systest_vmsim(vmsim, NULL, "diff", a, b, NULL);
	ok(r.status == 0 && strstr(r.out, " 0 differ, 0 beyond") != NULL,
	    "diff of two identical runs: exit 0 (%d)", r.status);
	systest_run_free(&r);

	r = systest_vmsim(vmsim, NULL, "diff", a, c, NULL);
	ok(r.status == 1 && strstr(r.out, "config: tlb_entries 0 -> 8") != NULL &&
	    strstr(r.out, "total.tlb_misses") != NULL &&
	    strstr(r.out, "events.tlb_refill") != NULL && strstr(r.out, "region.") != NULL &&
	    strstr(r.out, "proc.mips-touch_pages#0.tlb_misses") != NULL,
	    "diff of 48 vs 8 TLB entries: exit 1, the miss difference in totals, events, "
	    "regions and the process (%d)", r.status);
	systest_run_free(&r);
	r = systest_vmsim(vmsim, NULL, "diff", a, c, "--tolerance", "100000000", NULL);
	ok(r.status == 0, "an absolute tolerance larger than any change: exit 0 (%d)",
	    r.status);
	systest_run_free(&r);
	r = systest_vmsim(vmsim, NULL, "diff", a, c, "--tolerance", "100000000", "--threshold",
	    "total.tlb_miss*=0", NULL);
	ok(r.status == 1 && strstr(r.out, "BEYOND") != NULL,
	    "a per-metric threshold overrides it: exit 1 (%d)", r.status);
	systest_run_free(&r);

	r = systest_vmsim(vmsim, NULL, "diff", a, d, NULL);
	ok(r.status == 1, "syscall cost 50 vs 51: cycles differ, exit 1 (%d)", r.status);
	systest_run_free(&r);
	r = systest_vmsim(vmsim, NULL, "diff", a, d, "--tolerance", "2%", NULL);
	ok(r.status == 0 && strstr(r.out, "total.cycles") != NULL,
	    "... within --tolerance 2%%: exit 0 (%d: %s)", r.status, line1(r.err, l, sizeof(l)));
	systest_run_free(&r);
	r = systest_vmsim(vmsim, NULL, "diff", a, d, "--tolerance", "0.0001%", NULL);
	ok(r.status == 1, "... beyond --tolerance 0.0001%%: exit 1 (%d)", r.status);
	systest_run_free(&r);

	r = systest_vmsim(vmsim, NULL, "diff", a, c, "--format", "json", NULL);
	ok(r.status == 1 && r.out[0] == '{' && strstr(r.out, "\"metric\":\"total.tlb_misses\"") &&
	    strstr(r.out, "\"beyond\":") != NULL && strstr(r.out, "\"config_changes\":[{") != NULL,
	    "--format json");
	systest_run_free(&r);
	r = systest_vmsim(vmsim, NULL, "diff", a, c, "--format", "csv", NULL);
	ok(r.status == 1 && strncmp(r.out, "metric,a,b,delta,change_pct,within\n", 35) == 0 &&
	    strstr(r.out, "\ntotal.tlb_misses,") != NULL, "--format csv");
	systest_run_free(&r);
	r = systest_vmsim(vmsim, NULL, "diff", a, c, "--format", "markdown", NULL);
	ok(r.status == 1 && strstr(r.out, "| metric | A | B |") != NULL &&
	    strstr(r.out, "| `total.tlb_misses` |") != NULL, "--format markdown");
	systest_run_free(&r);
	r = systest_vmsim(vmsim, NULL, "diff", a, c, "--tolerance", "lots", NULL);
	ok(r.status == 2, "a bad --tolerance: exit 2");
	systest_run_free(&r);
}

/* ---- 6. show, stats ----------------------------------------------------- */

static void
test_show_stats(void)
{
	for (size_t a = 0; a < nitems(arches); a++) {
		char prog[300], t[300];
		struct run r;

		gpath(prog, sizeof(prog), arches[a], "touch_pages");
		tpath(t, sizeof(t), "show.db");
		systest_run_free((r = systest_vmsim(vmsim, NULL, "exec", "--quiet", "--trace", t, prog, "10", NULL), &r));
		r = systest_vmsim(vmsim, NULL, "show", t, "--kind", "page_fault/zero_fill", "--limit", "5", NULL);
		{
			int lines = 0, insns = 0;

			for (char *p = r.out; (p = strchr(p, '\n')) != NULL; p++)
				lines++;
			for (char *p = r.out; (p = strstr(p, "write | ")) != NULL; p++)
				insns++;
			ok(r.status == 0 && lines == 6 && insns >= 4,
			    "%s: show --kind page_fault/zero_fill --limit 5: 5 rows with the "
			    "faulting instruction (%d rows, %d disassembled)", arches[a], lines - 1,
			    insns);
		}
		systest_run_free(&r);
		r = systest_vmsim(vmsim, NULL, "show", t, "--va", "0x1000-0x2000", "--cycles", "0-1", NULL);
		ok(r.status == 0 && strchr(r.out, '\n')[1] == '\0',
		    "%s: show with an empty VA range: only the header", arches[a]);
		systest_run_free(&r);
		r = systest_vmsim(vmsim, NULL, "stats", t, NULL);
		ok(r.status == 0 && strstr(r.out, "totals:") && strstr(r.out, "events by kind:") &&
		    strstr(r.out, "page_fault/zero_fill") && strstr(r.out, "processes:") &&
		    strstr(r.out, "events by region:"), "%s: stats prints the summary", arches[a]);
		systest_run_free(&r);
	}
}

/* ---- 7. bad input -------------------------------------------------------- */

static void
expect_bad(const char *what, const char *path, const char *word)
{
	static const char *const cmds[] = { "replay", "show", "stats", "dump", "diff" };
	char good[300], l[200];

	tpath(good, sizeof(good), "good.db");
	for (size_t c = 0; c < nitems(cmds); c++) {
		struct run r;

		if (strcmp(cmds[c], "diff") == 0)
			r = systest_vmsim(vmsim, NULL, "diff", good, path, NULL);
		else
			r = systest_vmsim(vmsim, NULL, cmds[c], path, NULL);
		ok(r.status == 2 && strncmp(r.err, "vmsim: ", 7) == 0 &&
		    strstr(r.err, word) != NULL,
		    "%s %s: exit 2 with a message (%d: %s)", cmds[c], what, r.status,
		    line1(r.err, l, sizeof(l)));
		systest_run_free(&r);
	}
}

static void
test_bad_input(void)
{
	char prog[300], good[300], p[300];
	size_t len;
	char *img;
	struct run r;

	gpath(prog, sizeof(prog), "mips", "glibc_hello");
	tpath(good, sizeof(good), "good.db");
	r = systest_vmsim(vmsim, NULL, "exec", "--quiet", "--trace", good, prog, NULL);
	systest_run_free(&r);
	img = systest_slurp(good, &len);
	if (!ok(img != NULL && len > 8 * 4096, "a good trace of %zu bytes", len))
		return;

	tpath(p, sizeof(p), "truncated.db");
	systest_spit(p, img, len / 2);
	expect_bad("of a truncated trace", p, "damaged or truncated");

	/* Overwrite pages in the middle (page-aligned, 4 KiB pages). */
	for (int k = 0; k < 3; k++) {
		char *bad = malloc(len);
		size_t off = ((len / 4096) * (size_t)(k + 1) / 4) * 4096;
		char what[64];

		memcpy(bad, img, len);
		memset(bad + off, 0xa5, 4096);
		tpath(p, sizeof(p), "corrupt.db");
		systest_spit(p, bad, len);
		snprintf(what, sizeof(what), "of a trace with page %zu overwritten", off / 4096);
		expect_bad(what, p, "damaged");
		free(bad);
	}

	/* Small overwrites anywhere: whatever they hit, never a crash; a
	 * failure is exit 2 with a message. */
	{
		int crashes = 0, caught = 0, n = 0;

		for (size_t off = 1000; off < len; off += len / 9 + 777) {
			char *bad = malloc(len);

			memcpy(bad, img, len);
			memset(bad + off, 0x5a, MIN((size_t)24, len - off));
			tpath(p, sizeof(p), "smash.db");
			systest_spit(p, bad, len);
			free(bad);
			for (int c = 0; c < 2; c++) {
				struct run r = systest_vmsim(vmsim, NULL, c ? "stats" : "replay", p, NULL);

				n++;
				if (r.status < 0 || r.status > 2 ||
				    (r.status == 2 && strncmp(r.err, "vmsim: ", 7) != 0))
					crashes++;
				caught += r.status == 2;
				systest_run_free(&r);
			}
		}
		ok(crashes == 0, "24-byte overwrites at %d places: no crash, no unexplained "
		    "failure (%d runs, %d reported damage)", n / 2, n, caught);
	}
	tpath(p, sizeof(p), "counters.db");
	copy_file(good, p);
	q_exec(p, "UPDATE counter SET value = value + 1 WHERE id = 3");
	{
		struct run r = systest_vmsim(vmsim, NULL, "stats", p, NULL);
		char l[200];

		ok(r.status == 2 && strstr(r.err, "counter digest") != NULL,
		    "an altered counter row is reported as damage (%d: %s)", r.status,
		    line1(r.err, l, sizeof(l)));
		systest_run_free(&r);
	}

	tpath(p, sizeof(p), "foreign.db");
	unlink(p);
	{
		sqlite3 *db;

		sqlite3_open(p, &db);
		sqlite3_exec(db, "CREATE TABLE t (x); INSERT INTO t VALUES (1);", NULL, NULL, NULL);
		sqlite3_close(db);
	}
	expect_bad("of a foreign SQLite file", p, "not a vmsim trace");

	tpath(p, sizeof(p), "newer.db");
	copy_file(good, p);
	q_exec(p, "PRAGMA user_version = 2");
	expect_bad("of a newer-schema trace", p, "newer");

	tpath(p, sizeof(p), "text.db");
	systest_spit(p, "this is not a database at all, just some text\n", 47);
	expect_bad("of a text file", p, "not an SQLite database");

	tpath(p, sizeof(p), "missing.db");
	unlink(p);
	expect_bad("of a missing file", p, "cannot open");
	free(img);
}

/* ---- 8. golden traces ---------------------------------------------------- */

static void
test_golden(void)
{
	static const struct {
		const char *prog, *a1, *a2;
	} progs[] = {
		{ "hello", NULL, NULL }, { "touch_pages", "10", NULL },
		{ "stride", "4096", "65536" }, { "glibc_hello", NULL, NULL },
	};

	for (size_t a = 0; a < nitems(arches); a++) {
		for (size_t p = 0; p < nitems(progs); p++) {
			char prog[64], t[300], gold[300];
			char *want;
			struct run r;

			snprintf(prog, sizeof(prog), "%s-%s", arches[a], progs[p].prog);
			snprintf(gold, sizeof(gold), "%s/%s.txt", golden_dir, prog);
			tpath(t, sizeof(t), "golden.db");
			/* In the guest directory, named as scripts/update-goldens does. */
			r = systest_vmsim(vmsim, guest_dir, "exec", "--quiet", "--trace", t, prog, progs[p].a1,
			    progs[p].a2, NULL);
			systest_run_free(&r);
			r = systest_vmsim(vmsim, NULL, "dump", t, NULL);
			want = systest_slurp(gold, NULL);
			if (want != NULL && r.status == 0 && strcmp(want, r.out) == 0) {
				ok(1, "%s: the fresh trace matches traces/golden/%s.txt", prog, prog);
			} else {
				int line = 1;
				const char *x = want ? want : "", *y = r.out;

				while (*x && *x == *y) {
					if (*x == '\n')
						line++;
					x++;
					y++;
				}
				ok(0, "%s: the fresh trace matches traces/golden/%s.txt (%s; first "
				    "difference at line %d; run scripts/update-goldens if the change "
				    "is intended)", prog, prog, want ? "differs" : "no golden", line);
				if (want != NULL) {
					char e[200], g[200];

					while (x > want && x[-1] != '\n')
						x--;
					while (y > r.out && y[-1] != '\n')
						y--;
					printf("#   golden: %s\n#   fresh:  %s\n", line1(x, e, sizeof(e)),
					    line1(y, g, sizeof(g)));
				}
			}
			free(want);
			systest_run_free(&r);
		}
	}
}

int
main(int argc, char **argv)
{
	if (argc != 5) {
		fprintf(stderr, "usage: test_trace_tools VMSIM GUEST_DIR EXPECTED_DIR "
		    "GOLDEN_DIR\n");
		return 2;
	}
	vmsim = realpath(argv[1], NULL);	/* some runs are in other directories */
	if (vmsim == NULL) {
		perror(argv[1]);
		return 2;
	}
	guest_dir = argv[2];
	expected_dir = argv[3];
	golden_dir = argv[4];
	if (systest_init() != 0)
		return 2;
	test_replay_clean();
	test_replay_alone();
	test_tampered();
	test_until_set();
	test_diff();
	test_show_stats();
	test_bad_input();
	test_golden();
	systest_cleanup();
	free((char *)vmsim);
	return tap_done();
}
