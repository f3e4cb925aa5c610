/*
 * sim/show.c — reading a trace back: `vmsim show` (events with the
 * disassembly of each PC), `vmsim stats` (the summary), `vmsim dump` (the
 * canonical text of traces/golden/), and what the trace tools share for
 * reading: opening a trace with its checks, and code maps, which find the
 * bytes behind a guest PC in the program image stored in the trace (ELF
 * program headers, System V gABI "Program Header"; the load bias of a
 * static-PIE program is the exec event's entry point minus e_entry).
 */
#include "sim/tools.h"
#include "cpu/cpu.h"
#include "sim/kern/elf.h"
#include "sim/trace.h"

#include <errno.h>
#include <inttypes.h>
#include <sqlite3.h>
#include <stdlib.h>
#include <string.h>

int
tool_arch(const char *s, enum sim_arch *a)
{
	if (strcmp(s, "mips") == 0)
		*a = ARCH_MIPS;
	else if (strcmp(s, "mipsel") == 0)
		*a = ARCH_MIPSEL;
	else if (strcmp(s, "amd64") == 0 || strcmp(s, "x86_64") == 0)
		*a = ARCH_AMD64;
	else
		return -1;
	return 0;
}

sqlite3 *
tool_open(const char *path)
{
	sqlite3 *db;
	char err[512];
	int rc;

	rc = trace_read_open(path, TRACE_READ_FAILED_OK, &db, err, sizeof(err));
	if (rc != TRACE_OK && rc != TRACE_EFAILED) {
		fprintf(stderr, "vmsim: %s\n", err);
		return NULL;
	}
	return db;
}

int
tool_sqlerr(sqlite3 *db, const char *path, const char *what)
{
	int code = sqlite3_errcode(db) & 0xff;

	fprintf(stderr, "vmsim: %s: %s: %s%s\n", path, what, sqlite3_errmsg(db),
	    code == SQLITE_CORRUPT || code == SQLITE_NOTADB ?
	    " (the trace file is damaged)" : "");
	return 2;
}

/* Text of a column, or def when NULL. */
static const char *
col_text(sqlite3_stmt *st, int i, const char *def)
{
	const unsigned char *s = sqlite3_column_text(st, i);

	return s != NULL ? (const char *)s : def;
}

static uint64_t
col_u64(sqlite3_stmt *st, int i)
{
	return (uint64_t)sqlite3_column_int64(st, i);
}

/* ---- code maps ------------------------------------------------------- */

int
code_map_load(sqlite3 *db, enum sim_arch arch, const char *program,
    struct code_map *cm, char *err, size_t errlen)
{
	struct elf_limits lim = { .user_max = UINT64_MAX };
	struct elf_image img;
	sqlite3_stmt *st;
	char perr[200];
	int rc;

	memset(cm, 0, sizeof(*cm));
	cm->arch = arch;
	rc = sqlite3_prepare_v2(db, "SELECT b.data FROM input i JOIN blob b "
	    "ON b.sha256 = i.sha256 WHERE i.role = 'binary' AND i.name = ?1 "
	    "ORDER BY i.id LIMIT 1", -1, &st, NULL);
	if (rc != SQLITE_OK) {
		snprintf(err, errlen, "reading the program: %s", sqlite3_errmsg(db));
		return -1;
	}
	sqlite3_bind_text(st, 1, program, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	if (rc != SQLITE_ROW) {
		snprintf(err, errlen, rc == SQLITE_DONE ? "the trace holds no binary "
		    "named %s" : "reading the program %s: %s", program, sqlite3_errmsg(db));
		sqlite3_finalize(st);
		return -1;
	}
	cm->len = (size_t)sqlite3_column_bytes(st, 0);
	cm->image = malloc(cm->len ? cm->len : 1);
	cm->program = strdup(program);
	if (cm->image == NULL || cm->program == NULL) {
		sqlite3_finalize(st);
		code_map_free(cm);
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	if (cm->len)
		memcpy(cm->image, sqlite3_column_blob(st, 0), cm->len);
	sqlite3_finalize(st);
	if (elf_parse(cm->image, cm->len, &lim, &img, perr, sizeof(perr)) != 0) {
		snprintf(err, errlen, "%s: malformed ELF: %s", program, perr);
		code_map_free(cm);
		return -1;
	}
	if (img.is_pie) {
		rc = sqlite3_prepare_v2(db, "SELECT va FROM event WHERE kind = 'exec' "
		    "AND detail = substr(?1, 1, ?2) ORDER BY seq LIMIT 1", -1, &st, NULL);
		if (rc == SQLITE_OK) {
			sqlite3_bind_text(st, 1, program, -1, SQLITE_STATIC);
			sqlite3_bind_int(st, 2, EV_DETAIL_MAX - 1);
			if (sqlite3_step(st) == SQLITE_ROW)
				cm->bias = col_u64(st, 0) - img.entry;
			sqlite3_finalize(st);
		}
	}
	for (int i = 0; i < img.nsegs && i < (int)nitems(cm->segs); i++) {
		cm->segs[cm->nsegs].va = img.segs[i].vaddr + cm->bias;
		cm->segs[cm->nsegs].filesz = img.segs[i].filesz;
		cm->segs[cm->nsegs].offset = img.segs[i].offset;
		cm->nsegs++;
	}
	return 0;
}

void
code_map_free(struct code_map *cm)
{
	free(cm->image);
	free(cm->program);
	cm->image = NULL;
	cm->program = NULL;
}

/* The segment holding pc, or NULL. */
static const struct code_seg *
code_map_seg(const struct code_map *cm, uint64_t pc)
{
	for (int i = 0; i < cm->nsegs; i++)
		if (pc >= cm->segs[i].va && pc - cm->segs[i].va < cm->segs[i].filesz)
			return &cm->segs[i];
	return NULL;
}

int
code_map_insn(const struct code_map *cm, uint64_t pc, char *out, size_t len)
{
	const struct code_seg *s = code_map_seg(cm, pc);
	char buf[256];
	char *p;

	out[0] = '\0';
	if (s == NULL || cm->image == NULL)
		return -1;
	if (cpu_disasm(cm->arch, cm->image + s->offset + (pc - s->va),
	    MIN(16, s->filesz - (pc - s->va)), pc, 1, buf, sizeof(buf)) != 1)
		return -1;
	p = strchr(buf, ':');
	snprintf(out, len, "%s", p != NULL ? p + 2 : buf);
	return 0;
}

/*
 * Decode from start (inside s) up to n instructions: their addresses go
 * to addr[], their text to lines[] (pointers into text).  Returns the
 * count.
 */
static int
code_map_decode(const struct code_map *cm, const struct code_seg *s, uint64_t start,
    int n, char *text, size_t textlen, uint64_t *addr, char **lines)
{
	uint64_t off = start - s->va;
	int got, k = 0;
	char *p = text;

	got = cpu_disasm(cm->arch, cm->image + s->offset + off, s->filesz - off,
	    start, n, text, textlen);
	for (int i = 0; i < got && p != NULL && *p; i++) {
		char *nl = strchr(p, '\n');

		if (nl != NULL)
			*nl = '\0';
		addr[k] = strtoull(p, NULL, 0);
		lines[k++] = p;
		p = nl != NULL ? nl + 1 : NULL;
	}
	return k;
}

void
code_map_print_around(const struct code_map *cm, uint64_t pc, int before, int after,
    const char *indent, FILE *f)
{
	const struct code_seg *s = code_map_seg(cm, pc);
	static char text[16384];
	uint64_t addr[128], start = pc;
	char *lines[128];
	int n, at = -1;

	if (s == NULL || cm->image == NULL) {
		fprintf(f, "%s(pc %#" PRIx64 " is not in the program image%s%s)\n", indent, pc,
		    cm->program ? " of " : "", cm->program ? cm->program : "");
		return;
	}
	if (sim_arch_is_mips(cm->arch)) {
		uint64_t back = (uint64_t)before * 4;

		start = pc - s->va >= back ? pc - back : s->va;
	} else {
		/* Variable length: find a start some bytes back from which
		 * decoding lands on pc (x86 decoding resynchronises fast). */
		for (uint64_t back = (uint64_t)before * 8 + 8; back > 0; back--) {
			if (pc - s->va < back)
				continue;
			n = code_map_decode(cm, s, pc - back, (int)back + 1, text, sizeof(text),
			    addr, lines);
			for (int i = 0; i < n; i++)
				if (addr[i] == pc) {
					start = pc - back;
					back = 1;	/* found: stop */
					break;
				}
		}
	}
	n = code_map_decode(cm, s, start, (int)((pc - start) + (uint64_t)after + 1),
	    text, sizeof(text), addr, lines);
	for (int i = 0; i < n; i++)
		if (addr[i] == pc)
			at = i;
	if (at < 0) {
		fprintf(f, "%s(cannot disassemble at %#" PRIx64 ")\n", indent, pc);
		return;
	}
	for (int i = MAX(0, at - before); i < n && i <= at + after; i++)
		fprintf(f, "%s%s %s\n", indent, i == at ? "=>" : "  ", lines[i]);
}

/* ---- show ---------------------------------------------------------- */

/* The code maps of one trace, by program, loaded when first needed. */
struct code_maps {
	sqlite3 *db;
	enum sim_arch arch;
	int n;
	struct code_map m[8];
	bool failed[8];
};

static const struct code_map *
code_maps_get(struct code_maps *cms, const char *program)
{
	char err[256];
	int i;

	for (i = 0; i < cms->n; i++)
		if (strcmp(cms->m[i].program, program) == 0)
			return cms->failed[i] ? NULL : &cms->m[i];
	if (cms->n == (int)nitems(cms->m))
		return NULL;
	i = cms->n++;
	if (code_map_load(cms->db, cms->arch, program, &cms->m[i], err, sizeof(err)) != 0) {
		cms->failed[i] = true;
		cms->m[i].program = strdup(program);
		if (cms->m[i].program == NULL)
			cms->n--;
		return NULL;
	}
	return &cms->m[i];
}

static void
code_maps_free(struct code_maps *cms)
{
	for (int i = 0; i < cms->n; i++)
		code_map_free(&cms->m[i]);
	cms->n = 0;
}

/* "LO-HI" (hex or decimal, either may be empty): 0 or -1. */
static int
parse_range(const char *s, uint64_t *lo, uint64_t *hi)
{
	const char *dash = strchr(s, '-');
	char a[64];

	*lo = 0;
	*hi = UINT64_MAX;
	if (dash == NULL || (size_t)(dash - s) >= sizeof(a))
		return -1;
	memcpy(a, s, (size_t)(dash - s));
	a[dash - s] = '\0';
	if (a[0] != '\0' && parse_u64(a, lo) != 0)
		return -1;
	if (dash[1] != '\0' && parse_u64(dash + 1, hi) != 0)
		return -1;
	return *lo <= *hi ? 0 : -1;
}

/* The trace's arch: 0 or 2 (message printed). */
static int
trace_arch(sqlite3 *db, const char *path, enum sim_arch *arch)
{
	sqlite3_stmt *st;
	int rv = 2;

	if (sqlite3_prepare_v2(db, "SELECT arch FROM run", -1, &st, NULL) != SQLITE_OK)
		return tool_sqlerr(db, path, "reading the run");
	if (sqlite3_step(st) != SQLITE_ROW)
		tool_sqlerr(db, path, "reading the run");
	else if (tool_arch(col_text(st, 0, ""), arch) != 0)
		fprintf(stderr, "vmsim: %s: unknown arch '%s' in the run row\n", path,
		    col_text(st, 0, ""));
	else
		rv = 0;
	sqlite3_finalize(st);
	return rv;
}

int
cmd_show(int argc, char **argv)
{
	const char *path = NULL, *kind = NULL;
	uint64_t va_lo = 0, va_hi = UINT64_MAX, cy_lo = 0, cy_hi = UINT64_MAX;
	uint64_t limit = UINT64_MAX, pid = 0, shown = 0;
	bool have_pid = false;
	struct code_maps cms;
	sqlite3 *db;
	sqlite3_stmt *st;
	char sql[512];
	int rc, rv = 0;

	for (int i = 2; i < argc; i++) {
		const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;

		if (a[0] != '-') {
			if (path != NULL)
				goto usage;
			path = a;
			continue;
		}
		if (v == NULL)
			goto usage;
		i++;
		if (strcmp(a, "--kind") == 0)
			kind = v;
		else if (strcmp(a, "--pid") == 0 && parse_u64(v, &pid) == 0)
			have_pid = true;
		else if (strcmp(a, "--va") == 0 && parse_range(v, &va_lo, &va_hi) == 0)
			continue;
		else if (strcmp(a, "--cycles") == 0 && parse_range(v, &cy_lo, &cy_hi) == 0)
			continue;
		else if (strcmp(a, "--limit") == 0 && parse_u64(v, &limit) == 0)
			continue;
		else {
			fprintf(stderr, "vmsim show: bad option %s %s\n", a, v);
			return 2;
		}
	}
	if (path == NULL)
		goto usage;
	if ((db = tool_open(path)) == NULL)
		return 2;
	memset(&cms, 0, sizeof(cms));
	cms.db = db;
	if (trace_arch(db, path, &cms.arch) != 0) {
		sqlite3_close(db);
		return 2;
	}
	/* kind may be "page_fault" or "page_fault/zero_fill". */
	snprintf(sql, sizeof(sql), "SELECT e.seq, e.cycle, e.cpu, e.pid, e.kind, e.type, "
	    "e.va, e.pa, e.pc, e.region, e.detail, coalesce(p.program, "
	    "(SELECT program FROM process ORDER BY pid LIMIT 1)) FROM event e "
	    "LEFT JOIN process p ON p.pid = e.pid WHERE 1 %s %s ORDER BY e.seq",
	    kind == NULL ? "" : strchr(kind, '/') != NULL ?
	    "AND e.kind || '/' || coalesce(e.type, '') = ?1" : "AND e.kind = ?1",
	    have_pid ? "AND e.pid = ?2" : "");
	if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK) {
		rv = tool_sqlerr(db, path, "reading events");
		goto out;
	}
	if (kind != NULL)
		sqlite3_bind_text(st, 1, kind, -1, SQLITE_STATIC);
	if (have_pid)
		sqlite3_bind_int64(st, 2, (sqlite3_int64)pid);
	printf("%8s %12s %3s %4s %-22s %-18s %-18s %-18s %-26s %s\n", "seq", "cycle", "cpu",
	    "pid", "kind/type", "va", "pa", "pc", "region", "detail | instruction");
	while (shown < limit && (rc = sqlite3_step(st)) == SQLITE_ROW) {
		uint64_t cycle = col_u64(st, 1), va = col_u64(st, 6), pc = col_u64(st, 8);
		const struct code_map *cm;
		char kt[64], insn[160] = "";

		if (va < va_lo || va > va_hi || cycle < cy_lo || cycle > cy_hi)
			continue;
		snprintf(kt, sizeof(kt), "%s%s%s", col_text(st, 4, "?"),
		    sqlite3_column_type(st, 5) == SQLITE_NULL ? "" : "/", col_text(st, 5, ""));
		cm = code_maps_get(&cms, col_text(st, 11, ""));
		if (cm != NULL && pc != 0)
			code_map_insn(cm, pc, insn, sizeof(insn));
		printf("%8" PRIu64 " %12" PRIu64 " %3d %4d %-22s %#-18" PRIx64 " %#-18" PRIx64
		    " %#-18" PRIx64 " %-26s %s%s%s\n", col_u64(st, 0), cycle,
		    sqlite3_column_int(st, 2), sqlite3_column_int(st, 3), kt, va,
		    col_u64(st, 7), pc, col_text(st, 9, "-"), col_text(st, 10, ""),
		    insn[0] ? " | " : "", insn);
		shown++;
	}
	if (shown < limit && rc != SQLITE_DONE)
		rv = tool_sqlerr(db, path, "reading events");
	sqlite3_finalize(st);
out:
	code_maps_free(&cms);
	sqlite3_close(db);
	return rv;
usage:
	fprintf(stderr, "usage: vmsim show T.db [--kind K[/TYPE]] [--pid P] [--va LO-HI] "
	    "[--cycles LO-HI] [--limit N]\n");
	return 2;
}

/* ---- stats ------------------------------------------------------------ */

/* Run sql and print each row's columns joined by sep after prefix;
 * 0 or 2. */
static int
print_rows(sqlite3 *db, const char *path, const char *sql, const char *fmt, int ncols)
{
	sqlite3_stmt *st;
	int rc;

	if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK)
		return tool_sqlerr(db, path, "reading the trace");
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		const char *c[6] = { "", "", "", "", "", "" };

		for (int i = 0; i < ncols && i < 6; i++)
			c[i] = col_text(st, i, "-");
		printf(fmt, c[0], c[1], c[2], c[3], c[4], c[5]);
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE)
		return tool_sqlerr(db, path, "reading the trace");
	return 0;
}

int
cmd_stats(int argc, char **argv)
{
	const char *path;
	sqlite3 *db;
	int rv;

	if (argc != 3 || argv[2][0] == '-') {
		fprintf(stderr, "usage: vmsim stats T.db\n");
		return 2;
	}
	path = argv[2];
	if ((db = tool_open(path)) == NULL)
		return 2;
	printf("trace %s\n", path);
	rv = print_rows(db, path, "SELECT 'vmsim ' || tool_version || ', ' || arch || ', seed ' "
	    "|| seed || ', samples every ' || sample_cycles || ' cycles', status || "
	    "coalesce(' (' || nullif(status_detail, '') || ')', '') || ', exit status ' || "
	    "coalesce(exit_status, '-') || ', ' || coalesce(events, '?') || ' events', "
	    "coalesce(config, '-'), coalesce(command_line, '-') FROM run",
	    "run:      %s\nstatus:   %s\nconfig:   %s\ncommand:  %s\n", 4);
	if (rv == 0) {
		printf("inputs:\n");
		rv = print_rows(db, path, "SELECT i.role, coalesce(i.name, '-'), "
		    "substr(i.sha256, 1, 16), b.size FROM input i JOIN blob b USING (sha256) "
		    "ORDER BY i.id", "  %-8s %-40s sha256 %s... %s bytes\n", 4);
	}
	if (rv == 0) {
		printf("totals:\n");
		rv = print_rows(db, path, "SELECT key, value FROM run, json_each(run.totals)",
		    "  %-28s %s\n", 2);
	}
	if (rv == 0) {
		printf("events by kind:\n");
		rv = print_rows(db, path, "SELECT kind || coalesce('/' || type, ''), count(*) "
		    "FROM event GROUP BY kind, type ORDER BY kind, type", "  %-28s %s\n", 2);
	}
	if (rv == 0) {
		printf("processes:\n");
		rv = print_rows(db, path, "SELECT pid, ppid, program, coalesce(argv, '-'), "
		    "coalesce(exit_status, 'running'), (SELECT group_concat(name || ' ' || "
		    "value, ', ') FROM counter c WHERE c.final = 1 AND c.scope = 'process' "
		    "AND c.scope_id = p.pid AND c.value != 0) FROM process p ORDER BY pid",
		    "  pid %s (ppid %s) %s %s: exit status %s\n    %s\n", 6);
	}
	if (rv == 0) {
		printf("events by region:\n");
		rv = print_rows(db, path, "SELECT coalesce(region, '(none)'), group_concat(k, ', ') "
		    "FROM (SELECT region, kind || coalesce('/' || type, '') || ' ' || count(*) "
		    "AS k FROM event GROUP BY region, kind, type ORDER BY region, kind, type) "
		    "GROUP BY region ORDER BY region", "  %-32s %s\n", 2);
	}
	sqlite3_close(db);
	return rv;
}

/* ---- dump: the canonical text ------------------------------------------- */

int
cmd_dump(int argc, char **argv)
{
	const char *path;
	sqlite3 *db;
	sqlite3_stmt *st;
	int rc, rv = 0;

	if (argc != 3 || argv[2][0] == '-') {
		fprintf(stderr, "usage: vmsim dump T.db\n");
		return 2;
	}
	path = argv[2];
	if ((db = tool_open(path)) == NULL)
		return 2;
	printf("# vmsim trace dump (canonical text, docs/replay.md)\n");
	rv = print_rows(db, path, "SELECT tool_version, arch, seed, sample_cycles, status || "
	    "coalesce(' ' || nullif(status_detail, ''), ''), coalesce(exit_status, '-') "
	    "FROM run", "run version=%s arch=%s seed=%s sample_cycles=%s status=%s "
	    "exit_status=%s\n", 6);
	if (rv == 0)
		rv = print_rows(db, path, "SELECT coalesce(config, '-'), coalesce(totals, '-'), "
		    "coalesce(events, '-'), coalesce(digest, '-') FROM run",
		    "config %s\ntotals %s\nevents %s digest %s\n", 4);
	if (rv == 0)
		rv = print_rows(db, path, "SELECT i.role, coalesce(i.name, '-'), i.sha256, "
		    "b.size FROM input i JOIN blob b USING (sha256) ORDER BY i.id",
		    "input %s %s sha256=%s size=%s\n", 4);
	if (rv == 0)
		rv = print_rows(db, path, "SELECT pid, ppid, program, coalesce(argv, '-'), "
		    "coalesce(exit_status, '-') FROM process ORDER BY pid",
		    "process %s ppid=%s program=%s argv=%s exit_status=%s\n", 5);
	if (rv != 0)
		goto out;
	if (sqlite3_prepare_v2(db, "SELECT seq, cycle, cpu, pid, tid, kind, type, va, pa, pc, "
	    "region, detail FROM event ORDER BY seq", -1, &st, NULL) != SQLITE_OK) {
		rv = tool_sqlerr(db, path, "reading events");
		goto out;
	}
	while ((rc = sqlite3_step(st)) == SQLITE_ROW)
		printf("event %" PRIu64 " cycle=%" PRIu64 " cpu=%d pid=%d tid=%d %s%s%s "
		    "va=0x%" PRIx64 " pa=0x%" PRIx64 " pc=0x%" PRIx64 " region=%s detail=%s\n",
		    col_u64(st, 0), col_u64(st, 1), sqlite3_column_int(st, 2),
		    sqlite3_column_int(st, 3), sqlite3_column_int(st, 4), col_text(st, 5, "?"),
		    sqlite3_column_type(st, 6) == SQLITE_NULL ? "" : "/", col_text(st, 6, ""),
		    col_u64(st, 7), col_u64(st, 8), col_u64(st, 9), col_text(st, 10, "-"),
		    col_text(st, 11, "-"));
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE) {
		rv = tool_sqlerr(db, path, "reading events");
		goto out;
	}
	rv = print_rows(db, path, "SELECT CASE final WHEN 1 THEN 'final' ELSE 'sample' END, "
	    "cycle, scope, scope_id, name, value FROM counter ORDER BY id",
	    "counter %s cycle=%s %s %s %s=%s\n", 6);
out:
	sqlite3_close(db);
	return rv;
}
