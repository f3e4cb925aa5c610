/*
 * tests/sys/test_exec.c — system tests of `vmsim exec` (first light):
 * guest output on every arch, the fault accounting of touch_pages seen in
 * the trace (VAs and the disassembled faulting instruction), byte-identical
 * event streams for equal seeds, bad ELF files and wild pointers.
 *
 * usage: test_exec VMSIM GUEST_DIR EXPECTED_DIR  (EXPECTED_DIR/root is a guest root)
 */
#include "tests/tap.h"
#include "tests/sys/systest.h"
#include "sim/base/base.h"
#include "sim/kern/elf.h"

#include <capstone/capstone.h>
#include <fcntl.h>
#include <spawn.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

static const char *vmsim, *guest_dir, *expected_dir;
static const char *const arches[] = { "mips", "mipsel", "amd64" };

/* vmsim exec [--trace T] [--seed S] PROG ARGS... */
static struct run
vmsim_exec(const char *trace, const char *seed, const char *prog, const char *arg1,
    const char *arg2)
{
	char *argv[16];
	int n = 0;

	argv[n++] = (char *)vmsim;
	argv[n++] = "exec";
	argv[n++] = "--quiet";
	if (trace) {
		argv[n++] = "--trace";
		argv[n++] = (char *)trace;
	}
	if (seed) {
		argv[n++] = "--seed";
		argv[n++] = (char *)seed;
	}
	argv[n++] = (char *)prog;
	if (arg1)
		argv[n++] = (char *)arg1;
	if (arg2)
		argv[n++] = (char *)arg2;
	argv[n] = NULL;
	return systest_run(NULL, argv);
}

static void
guest_path(char *buf, size_t len, const char *arch, const char *prog)
{
	snprintf(buf, len, "%s/%s-%s", guest_dir, arch, prog);
}

/* ---- 1. output on every arch ------------------------------------------ */

static void
test_output(void)
{
	const char *progs[] = { "hello", "glibc_hello" };

	for (size_t p = 0; p < nitems(progs); p++) {
		char exp_path[300], prog[300];
		size_t explen;
		char *exp;

		snprintf(exp_path, sizeof(exp_path), "%s/%s.out", expected_dir, progs[p]);
		exp = systest_slurp(exp_path, &explen);
		ok(exp != NULL, "expected output %s exists", exp_path);
		if (exp == NULL)
			continue;
		for (size_t a = 0; a < nitems(arches); a++) {
			struct run r;

			guest_path(prog, sizeof(prog), arches[a], progs[p]);
			r = vmsim_exec(NULL, NULL, prog, NULL, NULL);
			ok(r.status == 0 && r.outlen == explen && memcmp(r.out, exp, explen) == 0,
			    "%s on %s: exit 0 and the expected %zu bytes (got status %d, %zu bytes)",
			    progs[p], arches[a], explen, r.status, r.outlen);
			systest_run_free(&r);
		}
		/* amd64: the same bytes as the host itself prints. */
		guest_path(prog, sizeof(prog), "amd64", progs[p]);
		{
			char *argv[] = { prog, NULL };
			struct run host = systest_run(NULL, argv);
			struct run sim = vmsim_exec(NULL, NULL, prog, NULL, NULL);

			ok(host.status == sim.status && host.outlen == sim.outlen &&
			    memcmp(host.out, sim.out, host.outlen) == 0,
			    "%s: vmsim prints what the host prints (amd64)", progs[p]);
			systest_run_free(&host);
			systest_run_free(&sim);
		}
		free(exp);
	}
}

/* ---- 2. touch_pages: faults in the trace ------------------------------ */

struct fault_row {
	uint64_t va, pc;
};

/* The zero_fill page_fault rows of a trace. */
static int
trace_zero_fills(const char *path, struct fault_row **rows)
{
	sqlite3 *db;
	sqlite3_stmt *st;
	int n = 0, cap = 0;

	*rows = NULL;
	if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK)
		return -1;
	if (sqlite3_prepare_v2(db, "SELECT va, pc FROM event WHERE kind = 'page_fault' "
	    "AND type = 'zero_fill' ORDER BY seq", -1, &st, NULL) != SQLITE_OK) {
		sqlite3_close(db);
		return -1;
	}
	while (sqlite3_step(st) == SQLITE_ROW) {
		if (n == cap) {
			cap = cap ? cap * 2 : 256;
			*rows = realloc(*rows, (size_t)cap * sizeof(**rows));
		}
		(*rows)[n].va = (uint64_t)sqlite3_column_int64(st, 0);
		(*rows)[n].pc = (uint64_t)sqlite3_column_int64(st, 1);
		n++;
	}
	sqlite3_finalize(st);
	sqlite3_close(db);
	return n;
}

static bool
has_va(const struct fault_row *r, int n, uint64_t va)
{
	for (int i = 0; i < n; i++)
		if (r[i].va == va)
			return true;
	return false;
}

/* Disassemble the instruction at pc of the ELF file: its mnemonic. */
static int
disasm_pc(const char *arch, const char *path, uint64_t pc, char *mn, size_t mnlen)
{
	size_t len;
	uint8_t *img = (uint8_t *)systest_slurp(path, &len);
	struct elf_limits lim = { .user_max = UINT64_MAX };
	struct elf_image ei;
	char err[200];
	csh cs;
	cs_insn *insn;
	int rv = -1;

	if (img == NULL)
		return -1;
	if (elf_parse(img, len, &lim, &ei, err, sizeof(err)) != 0) {
		free(img);
		return -1;
	}
	for (int i = 0; i < ei.nsegs; i++) {
		const struct elf_seg *s = &ei.segs[i];

		if (pc < s->vaddr || pc >= s->vaddr + s->filesz)
			continue;
		if (strcmp(arch, "amd64") == 0)
			cs_open(CS_ARCH_X86, CS_MODE_64, &cs);
		else
			cs_open(CS_ARCH_MIPS, CS_MODE_MIPS32 | (strcmp(arch, "mips") == 0 ?
			    CS_MODE_BIG_ENDIAN : CS_MODE_LITTLE_ENDIAN), &cs);
		if (cs_disasm(cs, img + s->offset + (pc - s->vaddr), 16, pc, 1, &insn) == 1) {
			snprintf(mn, mnlen, "%s %s", insn[0].mnemonic, insn[0].op_str);
			cs_free(insn, 1);
			rv = 0;
		}
		cs_close(&cs);
	}
	free(img);
	return rv;
}

static bool
is_byte_store(const char *arch, const char *insn)
{
	if (strcmp(arch, "amd64") == 0)
		return strncmp(insn, "mov byte ptr [", 14) == 0;
	return strncmp(insn, "sb ", 3) == 0;
}

static void
diag_insn(const char *arch, uint64_t pc, const char *insn)
{
	printf("# %s: fault pc %#llx is \"%s\", not a byte store\n", arch,
	    (unsigned long long)pc, insn);
}

static void
test_touch_pages(void)
{
	for (size_t a = 0; a < nitems(arches); a++) {
		char prog[300], t0[300], t100[300], insn[256];
		struct fault_row *r0, *r100;
		struct run ra, rb;
		int n0, n100, extra = 0, stores = 0;
		uint64_t lo = UINT64_MAX, hi = 0;

		guest_path(prog, sizeof(prog), arches[a], "touch_pages");
		snprintf(t0, sizeof(t0), "%s/tp0-%s.db", systest_tmpdir, arches[a]);
		snprintf(t100, sizeof(t100), "%s/tp100-%s.db", systest_tmpdir, arches[a]);
		ra = vmsim_exec(t0, NULL, prog, "0", NULL);
		rb = vmsim_exec(t100, NULL, prog, "100", NULL);
		ok(ra.status == 0 && rb.status == 0, "touch_pages 0 and 100 on %s exit 0",
		    arches[a]);
		ok(strstr(rb.out, "checksum=e62324c7") != NULL,
		    "touch_pages 100 on %s: checksum as on the host", arches[a]);
		n0 = trace_zero_fills(t0, &r0);
		n100 = trace_zero_fills(t100, &r100);
		ok(n0 > 0 && n100 - n0 == 100,
		    "%s: exactly 100 more zero_fill faults (%d vs %d)", arches[a], n100, n0);
		for (int i = 0; i < n100; i++) {
			if (has_va(r0, n0, r100[i].va))
				continue;
			extra++;
			lo = MIN(lo, r100[i].va);
			hi = MAX(hi, r100[i].va);
			if (disasm_pc(arches[a], prog, r100[i].pc, insn, sizeof(insn)) == 0 &&
			    is_byte_store(arches[a], insn))
				stores++;
			else if (stores == extra - 1)
				diag_insn(arches[a], r100[i].pc, insn);
		}
		ok(extra == 100 && hi - lo == 99 * PAGE_SIZE && (lo & PAGE_MASK) == 0,
		    "%s: the 100 new faults are at 100 consecutive page VAs (%#llx..%#llx)",
		    arches[a], (unsigned long long)lo, (unsigned long long)hi);
		ok(stores == 100, "%s: each new fault's PC disassembles to a byte store (%d/100)",
		    arches[a], stores);
		free(r0);
		free(r100);
		systest_run_free(&ra);
		systest_run_free(&rb);
	}
}

/* ---- 3. determinism ---------------------------------------------------- */

/* Every event row of a trace, as text. */
static char *
trace_events_text(const char *path)
{
	sqlite3 *db;
	sqlite3_stmt *st;
	size_t cap = 1 << 16, used = 0;
	char *s = malloc(cap);

	s[0] = '\0';
	if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK)
		return s;
	if (sqlite3_prepare_v2(db, "SELECT seq, cycle, cpu, pid, tid, kind, type, va, pa, "
	    "pc, detail FROM event ORDER BY seq", -1, &st, NULL) == SQLITE_OK) {
		while (sqlite3_step(st) == SQLITE_ROW) {
			char line[512];
			int n = snprintf(line, sizeof(line), "%lld|%lld|%d|%d|%d|%s|%s|%lld|%lld|%lld|%s\n",
			    sqlite3_column_int64(st, 0), sqlite3_column_int64(st, 1),
			    sqlite3_column_int(st, 2), sqlite3_column_int(st, 3),
			    sqlite3_column_int(st, 4), (const char *)sqlite3_column_text(st, 5),
			    sqlite3_column_text(st, 6) ? (const char *)sqlite3_column_text(st, 6) : "",
			    sqlite3_column_int64(st, 7), sqlite3_column_int64(st, 8),
			    sqlite3_column_int64(st, 9),
			    sqlite3_column_text(st, 10) ? (const char *)sqlite3_column_text(st, 10) : "");

			if (used + (size_t)n + 1 > cap) {
				cap *= 2;
				s = realloc(s, cap);
			}
			memcpy(s + used, line, (size_t)n + 1);
			used += (size_t)n;
		}
		sqlite3_finalize(st);
	}
	sqlite3_close(db);
	return s;
}

static void
test_determinism(void)
{
	for (size_t a = 0; a < nitems(arches); a++) {
		char prog[300], ta[300], tb[300], tc[300];
		struct run r1, r2, r3;
		char *e1, *e2, *e3;

		guest_path(prog, sizeof(prog), arches[a], "glibc_hello");
		snprintf(ta, sizeof(ta), "%s/det-a.db", systest_tmpdir);
		snprintf(tb, sizeof(tb), "%s/det-b.db", systest_tmpdir);
		snprintf(tc, sizeof(tc), "%s/det-c.db", systest_tmpdir);
		r1 = vmsim_exec(ta, "7", prog, NULL, NULL);
		r2 = vmsim_exec(tb, "7", prog, NULL, NULL);
		r3 = vmsim_exec(tc, "8", prog, NULL, NULL);
		e1 = trace_events_text(ta);
		e2 = trace_events_text(tb);
		e3 = trace_events_text(tc);
		ok(r1.status == 0 && strlen(e1) > 1000 && strcmp(e1, e2) == 0,
		    "%s: same program, same seed: byte-identical event rows (%zu bytes)",
		    arches[a], strlen(e1));
		/* The seed reaches the guest (AT_RANDOM, the MIPS TLB's Random
		 * register): a different seed is allowed to change the rows. */
		ok(r3.status == 0 && strlen(e3) > 1000, "%s: another seed runs too", arches[a]);
		free(e1);
		free(e2);
		free(e3);
		systest_run_free(&r1);
		systest_run_free(&r2);
		systest_run_free(&r3);
	}
}

/* ---- 4. bad input -------------------------------------------------------- */

static uint64_t
rd(const uint8_t *p, int n, bool be)
{
	uint64_t v = 0;

	for (int i = 0; i < n; i++)
		v |= (uint64_t)p[be ? n - 1 - i : i] << (8 * i);
	return v;
}

static void
wr(uint8_t *p, int n, bool be, uint64_t v)
{
	for (int i = 0; i < n; i++)
		p[be ? n - 1 - i : i] = (uint8_t)(v >> (8 * i));
}

/* Run a damaged copy of a good image; expect exit 2 and a message. */
static void
expect_refused(const char *what, const char *arch, const uint8_t *img, size_t len,
    const char *word)
{
	char path[300];
	struct run r;

	snprintf(path, sizeof(path), "%s/bad-%s", systest_tmpdir, arch);
	systest_spit(path, img, len);
	r = vmsim_exec(NULL, NULL, path, NULL, NULL);
	for (char *c = r.err; *c; c++)	/* one TAP line */
		if (*c == '\n')
			*c = ' ';
	ok(r.status == 2 && strstr(r.err, word) != NULL,
	    "%s %s: exit 2 with a message naming it (status %d: %.120s)", arch, what,
	    r.status, r.err);
	systest_run_free(&r);
}

static void
test_bad_elf(void)
{
	for (size_t a = 0; a < nitems(arches); a++) {
		char prog[300];
		size_t len;
		uint8_t *img, *bad;
		bool e64 = strcmp(arches[a], "amd64") == 0;
		bool be = strcmp(arches[a], "mips") == 0;
		uint64_t phoff;
		int phentsize, load1 = -1, load2 = -1, phnum;

		guest_path(prog, sizeof(prog), arches[a], "hello");
		img = (uint8_t *)systest_slurp(prog, &len);
		if (!ok(img != NULL, "read %s", prog))
			continue;
		bad = malloc(len);

		expect_refused("truncated to 40 bytes", arches[a], img, 40, "malformed ELF");
		expect_refused("truncated to half", arches[a], img, len / 2, "malformed ELF");

		memcpy(bad, img, len);
		phoff = rd(bad + (e64 ? 32 : 28), e64 ? 8 : 4, be);
		wr(bad + (e64 ? 32 : 28), e64 ? 8 : 4, be, len + 4096);
		expect_refused("with e_phoff beyond the file", arches[a], bad, len, "malformed ELF");

		/* Overlapping segments: another program header becomes a
		 * PT_LOAD that starts inside the first PT_LOAD. */
		memcpy(bad, img, len);
		phentsize = (int)rd(bad + (e64 ? 54 : 42), 2, be);
		phnum = (int)rd(bad + (e64 ? 56 : 44), 2, be);
		for (int i = 0; i < phnum; i++) {
			uint8_t *ph = bad + phoff + (uint64_t)i * (uint64_t)phentsize;

			if (rd(ph, 4, be) == 1 /* PT_LOAD */ && load1 < 0)
				load1 = i;
			else if (load2 < 0)
				load2 = i;
		}
		if (ok(load1 >= 0 && load2 >= 0, "%s hello has a PT_LOAD and another header",
		    arches[a])) {
			uint8_t *p1 = bad + phoff + (uint64_t)load1 * (uint64_t)phentsize;
			uint8_t *p2 = bad + phoff + (uint64_t)load2 * (uint64_t)phentsize;

			memcpy(p2, p1, (size_t)phentsize);	/* a second copy of it */
			expect_refused("with overlapping segments", arches[a], bad, len,
			    "malformed ELF");
		}
		memcpy(bad, img, len);
		bad[0] = 'X';
		expect_refused("with a bad magic number", arches[a], bad, len, "not an ELF");
		free(bad);
		free(img);
	}
	{
		char path[300];
		struct run r;

		snprintf(path, sizeof(path), "%s/does-not-exist", systest_tmpdir);
		r = vmsim_exec(NULL, NULL, path, NULL, NULL);
		ok(r.status == 2 && strstr(r.err, "No such file") != NULL,
		    "a missing program: exit 2 with a message");
		systest_run_free(&r);
	}
}

static void
test_wild_pointers(void)
{
	for (size_t a = 0; a < nitems(arches); a++) {
		char prog[300];
		struct run r;

		guest_path(prog, sizeof(prog), arches[a], "wild_write");
		r = vmsim_exec(NULL, NULL, prog, NULL, NULL);
		ok(r.status == 0 && strstr(r.out, "wild_write ret=-14") != NULL,
		    "%s: write(2) of a wild pointer returns -EFAULT to the guest", arches[a]);
		systest_run_free(&r);
		guest_path(prog, sizeof(prog), arches[a], "segv");
		r = vmsim_exec(NULL, NULL, prog, NULL, NULL);
		ok(r.status == 128 + 11 && strstr(r.out, "storing to 0x1000") != NULL,
		    "%s: a store to an unmapped page kills the guest with SIGSEGV (status %d)",
		    arches[a], r.status);
		systest_run_free(&r);
	}
}

/* ---- 5. files from the guest root --------------------------------------- */

static void
test_files(void)
{
	char root[300];

	snprintf(root, sizeof(root), "%s/root", expected_dir);
	for (size_t a = 0; a < nitems(arches); a++) {
		char prog[300], tr[300];
		char *argv[] = { (char *)vmsim, "exec", "--quiet", "--root", root, "--trace", tr,
		    prog, "/data.txt", NULL };
		struct run r;
		sqlite3 *db;
		sqlite3_stmt *st;
		int blobs = -1;

		guest_path(prog, sizeof(prog), arches[a], "file_mmap");
		snprintf(tr, sizeof(tr), "%s/files-%s.db", systest_tmpdir, arches[a]);
		r = systest_run(NULL, argv);
		ok(r.status == 0 && strstr(r.out, "file_mmap: 0 failures") != NULL &&
		    strstr(r.out, "contents: The quick brown fox") != NULL,
		    "%s: open/read/pread/lseek/fstat and private+shared mmap of a root file",
		    arches[a]);
		if (sqlite3_open_v2(tr, &db, SQLITE_OPEN_READONLY, NULL) == SQLITE_OK) {
			if (sqlite3_prepare_v2(db, "SELECT count(*) FROM blob WHERE role = 'file' "
			    "AND name = '/data.txt' AND size = 45", -1, &st, NULL) == SQLITE_OK) {
				if (sqlite3_step(st) == SQLITE_ROW)
					blobs = sqlite3_column_int(st, 0);
				sqlite3_finalize(st);
			}
			sqlite3_close(db);
		}
		ok(blobs == 1, "%s: the file read from the root is stored in the trace", arches[a]);
		systest_run_free(&r);
	}
	{
		char prog[300];
		char *argv[] = { (char *)vmsim, "exec", "--root", "/nonexistent-root", prog, NULL };
		struct run r;

		guest_path(prog, sizeof(prog), "mips", "hello");
		r = systest_run(NULL, argv);
		ok(r.status == 2 && strstr(r.err, "--root /nonexistent-root: not a directory"),
		    "a missing --root: exit 2 with a message");
		systest_run_free(&r);
	}
}

/* ---- 6. I-cache coherence (issue 4, acceptance 4) --------------------- */

/* Events of kind in a trace. */
static int
trace_count(const char *path, const char *kind)
{
	sqlite3 *db;
	sqlite3_stmt *st;
	int n = -1;

	if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK)
		return -1;
	if (sqlite3_prepare_v2(db, "SELECT count(*) FROM event WHERE kind = ?1", -1, &st,
	    NULL) == SQLITE_OK) {
		sqlite3_bind_text(st, 1, kind, -1, SQLITE_STATIC);
		if (sqlite3_step(st) == SQLITE_ROW)
			n = sqlite3_column_int(st, 0);
		sqlite3_finalize(st);
	}
	sqlite3_close(db);
	return n;
}

static void
test_icache(void)
{
	static const char *const modes[] = { "nosync", "synci", "cacheflush" };

	for (size_t a = 0; a < nitems(arches); a++) {
		bool mips = strcmp(arches[a], "amd64") != 0;

		for (size_t mo = 0; mo < nitems(modes); mo++) {
			char prog[300], tr[300], want[64];
			struct run r;
			int stale, syncs;

			guest_path(prog, sizeof(prog), arches[a], "selfmod");
			snprintf(tr, sizeof(tr), "%s/selfmod.db", systest_tmpdir);
			r = vmsim_exec(tr, NULL, prog, modes[mo], NULL);
			snprintf(want, sizeof(want), "selfmod %s: 1 2", modes[mo]);
			stale = trace_count(tr, "stale_ifetch");
			syncs = trace_count(tr, "icache_sync");
			if (!mips)
				ok(r.status == 0 && strstr(r.out, want) && stale == 0 && syncs == 0,
				    "amd64 selfmod %s: coherent I-cache, no stale_ifetch, no sync "
				    "(%d, %d)", modes[mo], stale, syncs);
			else if (mo == 0)
				ok(r.status == 0 && strstr(r.out, want) && stale > 0 && syncs == 0,
				    "%s selfmod without a sync: stale_ifetch logged (%d)",
				    arches[a], stale);
			else
				ok(r.status == 0 && strstr(r.out, want) && stale == 0 && syncs > 0,
				    "%s selfmod with %s: icache_sync logged (%d), no stale_ifetch",
				    arches[a], modes[mo], syncs);
			systest_run_free(&r);
		}
	}
}

int
main(int argc, char **argv)
{
	if (argc != 4) {
		fprintf(stderr, "usage: test_exec VMSIM GUEST_DIR EXPECTED_DIR\n");
		return 2;
	}
	vmsim = argv[1];
	guest_dir = argv[2];
	expected_dir = argv[3];
	if (systest_init() != 0)
		return 2;
	test_output();
	test_touch_pages();
	test_determinism();
	test_bad_elf();
	test_wild_pointers();
	test_files();
	test_icache();
	systest_cleanup();
	return tap_done();
}
