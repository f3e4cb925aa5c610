/*
 * tests/unit/kern/test_trace.c — the trace store: the embedded schema
 * equals traces/schema.sql; a trace written through the API reads back
 * row for row with plain SQLite (batches crossing TRACE_BATCH, unsigned
 * 64-bit values, blob de-duplication, process updates, the event_sink
 * adapter); write errors are sticky and end as status 'failed'; and
 * trace_check_file() tells apart a finished trace, a missing file, a
 * non-SQLite file, a foreign SQLite database, a newer schema, a
 * truncated file, a run left 'running' and a failed run; and the same
 * run written twice gives the same bytes.
 *
 * Usage: test_trace [path/to/traces/schema.sql]
 */
#include "sim/base/base.h"
#include "sim/base/event.h"
#include "sim/sha256.h"
#include "sim/trace.h"
#include "tests/tap.h"

#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#define NEVENTS	25003		/* crosses two batch commits */

static char dir[256];

/* dir/name in one of 8 rotating buffers: copy it to keep it longer. */
static const char *
tmp_path(const char *name)
{
	static char bufs[8][512];
	static int next;
	char *p = bufs[next++ % 8];

	snprintf(p, 512, "%s/%s", dir, name);
	return (p);
}

/* Read a whole file; NULL on error.  *len gets its size. */
static char *
slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *b;
	long n;

	if (f == NULL)
		return (NULL);
	if (fseek(f, 0, SEEK_END) != 0 || (n = ftell(f)) < 0 ||
	    fseek(f, 0, SEEK_SET) != 0) {
		fclose(f);
		return (NULL);
	}
	b = malloc((size_t)n + 1);
	if (b == NULL || fread(b, 1, (size_t)n, f) != (size_t)n) {
		free(b);
		fclose(f);
		return (NULL);
	}
	b[n] = '\0';
	fclose(f);
	*len = (size_t)n;
	return (b);
}

static int
spew(const char *path, const void *data, size_t len)
{
	FILE *f = fopen(path, "wb");
	int rv = 0;

	if (f == NULL)
		return (-1);
	if (fwrite(data, 1, len, f) != len)
		rv = -1;
	if (fclose(f) != 0)
		rv = -1;
	return (rv);
}

/* One integer from a query on path, or INT64_MIN on error. */
static int64_t
q_int(sqlite3 *db, const char *sql)
{
	sqlite3_stmt *st;
	int64_t v = INT64_MIN;

	if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK)
		return (v);
	if (sqlite3_step(st) == SQLITE_ROW)
		v = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return (v);
}

/* One text value (copied into buf), or "<error>" / "<null>". */
static const char *
q_text(sqlite3 *db, const char *sql, char *buf, size_t len)
{
	sqlite3_stmt *st;
	const unsigned char *s;

	snprintf(buf, len, "<error>");
	if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK)
		return (buf);
	if (sqlite3_step(st) == SQLITE_ROW) {
		s = sqlite3_column_text(st, 0);
		snprintf(buf, len, "%s", s != NULL ? (const char *)s :
		    "<null>");
	}
	sqlite3_finalize(st);
	return (buf);
}

/* Run sql on a fresh database file at path (for the foreign cases). */
static int
make_db(const char *path, const char *sql)
{
	sqlite3 *db;
	int rc;

	unlink(path);
	if (sqlite3_open(path, &db) != SQLITE_OK)
		return (-1);
	rc = sqlite3_exec(db, sql, NULL, NULL, NULL);
	sqlite3_close(db);
	return (rc == SQLITE_OK ? 0 : -1);
}

static void
test_schema_file(const char *schema_path)
{
	size_t len = 0;
	char *text = slurp(schema_path, &len);

	ok(text != NULL, "read %s", schema_path);
	ok(text != NULL && len == strlen(trace_schema_sql) &&
	    memcmp(text, trace_schema_sql, len) == 0,
	    "traces/schema.sql equals the schema embedded in sim/trace.c");
	free(text);
}

static struct event
mkevent(uint64_t i)
{
	struct event ev = event_make(i % 3 == 0 ? EV_PAGE_FAULT :
	    EV_TLB_REFILL, i % 3 == 0 ? "zero_fill" : NULL, 0x400000 + i * 8);

	ev.seq = i;
	ev.cycle = 1000 + i * 7;
	ev.cpu = (int32_t)(i % 2);
	ev.pid = 1;
	ev.tid = 1;
	ev.pa = 0x100000 + i;
	ev.pc = 0x400100;
	if (i % 5 == 0)
		snprintf(ev.detail, sizeof(ev.detail), "event %ju",
		    (uintmax_t)i);
	return (ev);
}

static void
test_write_read(const char *path)
{
	static const char bin[] = "\177ELF fake binary\0with a NUL";
	char err[512], hex[SHA256_HEX], want_hex[SHA256_HEX], tbuf[256];
	char sql[256];
	struct trace *t;
	struct event ev;
	struct event_sink sink;
	sqlite3 *db;
	sqlite3_stmt *st;
	uint64_t i;
	int rc, allok;

	rc = trace_open(&t, path, err, sizeof(err));
	ok(rc == 0, "trace_open %s (%s)", path, rc == 0 ? "" : err);
	if (rc != 0)
		return;
	ok(trace_set_run(t, "0.1.0", "mips", 7,
	    "{\"cpus\":2,\"memory\":\"32M\"}", "[\"vmsim\",\"run\",\"x\"]") ==
	    0, "trace_set_run");
	ok(trace_add_blob(t, "binary", "guest/mips/hello", bin,
	    sizeof(bin) - 1, hex) == 0, "trace_add_blob");
	sha256_hex(bin, sizeof(bin) - 1, want_hex);
	ok(strcmp(hex, want_hex) == 0, "blob key is the SHA-256 (%s)", hex);
	ok(trace_add_blob(t, "file", "/etc/copy", bin, sizeof(bin) - 1,
	    NULL) == 0, "same content again is accepted");
	ok(trace_add_blob(t, "scenario", "empty.lua", NULL, 0, NULL) == 0,
	    "an empty blob");

	allok = 1;
	for (i = 0; i < NEVENTS - 1; i++) {
		ev = mkevent(i);
		if (trace_event(t, &ev) != 0) {
			allok = 0;
			break;
		}
	}
	ok(allok, "%d events written (%s)", NEVENTS - 1, trace_errmsg(t));
	/* The last one through the event_sink adapter, high addresses. */
	ev = mkevent(NEVENTS - 1);
	ev.va = 0xffff800000001000ull;
	ev.pa = UINT64_MAX;
	sink = trace_event_sink(t);
	sink.emit(sink.ctx, &ev);
	ok(trace_errmsg(t)[0] == '\0', "event through trace_event_sink");
	ok(trace_counter(t, 5000, "cpu", 0, "tlb_miss", 42) == 0 &&
	    trace_counter(t, 5000, "cpu", 1, "tlb_miss", 43) == 0 &&
	    trace_counter(t, 9000, "machine", 0, "cycles",
	    UINT64_MAX - 1) == 0, "trace_counter x3");
	ok(trace_process(t, 1, 0, "guest/mips/hello", "[\"hello\"]",
	    TRACE_NO_STATUS) == 0, "trace_process at spawn");
	ok(trace_process(t, 2, 1, "guest/mips/hello", "[\"child\"]", 3) == 0,
	    "trace_process of an exited child");
	ok(trace_process(t, 1, 0, "guest/mips/hello", "[\"hello\"]", 0) == 0,
	    "trace_process update at exit");
	rc = trace_finish(t, TRACE_COMPLETE, NULL, 0, "{\"faults\":9}",
	    err, sizeof(err));
	ok(rc == 0, "trace_finish complete (%s)", rc == 0 ? "" : err);

	/* Read it back with plain SQLite. */
	if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL) !=
	    SQLITE_OK) {
		ok(0, "reopen with sqlite3");
		sqlite3_close(db);
		return;
	}
	ok(q_int(db, "PRAGMA application_id") == TRACE_APPLICATION_ID,
	    "application_id is 'vms1'");
	ok(q_int(db, "PRAGMA user_version") == 1, "user_version is 1");
	ok(strcmp(q_text(db, "SELECT tool_version || '|' || arch || '|' || "
	    "seed || '|' || config || '|' || command_line || '|' || status || "
	    "'|' || exit_status || '|' || totals FROM run", tbuf,
	    sizeof(tbuf)), "0.1.0|mips|7|{\"cpus\":2,\"memory\":\"32M\"}|"
	    "[\"vmsim\",\"run\",\"x\"]|complete|0|{\"faults\":9}") == 0,
	    "run row: %s", tbuf);
	ok(q_int(db, "SELECT count(*) FROM run") == 1, "one run row");
	ok(q_int(db, "SELECT count(*) FROM blob") == 2,
	    "duplicate blob stored once (2 rows)");
	snprintf(sql, sizeof(sql), "SELECT role || '|' || name || '|' || "
	    "size FROM blob WHERE sha256 = '%s'", want_hex);
	ok(strcmp(q_text(db, sql, tbuf, sizeof(tbuf)),
	    "binary|guest/mips/hello|27") == 0, "first role/name kept: %s",
	    tbuf);
	rc = sqlite3_prepare_v2(db, "SELECT data FROM blob WHERE size = 27",
	    -1, &st, NULL);
	ok(rc == SQLITE_OK && sqlite3_step(st) == SQLITE_ROW &&
	    sqlite3_column_bytes(st, 0) == 27 &&
	    memcmp(sqlite3_column_blob(st, 0), bin, 27) == 0,
	    "blob data round-trips (with its NUL)");
	sqlite3_finalize(st);
	ok(q_int(db, "SELECT size FROM blob WHERE name = 'empty.lua'") == 0 &&
	    strcmp(q_text(db, "SELECT sha256 FROM blob WHERE name = "
	    "'empty.lua'", tbuf, sizeof(tbuf)), "e3b0c44298fc1c149afbf4c8996f"
	    "b92427ae41e4649b934ca495991b7852b855") == 0, "empty blob");

	ok(q_int(db, "SELECT count(*) FROM event") == NEVENTS,
	    "%d event rows", NEVENTS);
	ok(q_int(db, "SELECT max(seq) FROM event") == NEVENTS - 1,
	    "seq runs to %d", NEVENTS - 1);
	ok(strcmp(q_text(db, "SELECT cycle || '|' || cpu || '|' || kind || "
	    "'|' || type || '|' || va || '|' || pa || '|' || pc || '|' || "
	    "detail FROM event WHERE seq = 15", tbuf, sizeof(tbuf)),
	    "1105|1|page_fault|zero_fill|4194424|1048591|4194560|event 15")
	    == 0, "event 15: %s", tbuf);
	ok(q_int(db, "SELECT count(*) FROM event WHERE seq = 16 AND "
	    "kind = 'tlb_refill' AND type IS NULL AND detail IS NULL") == 1,
	    "event 16: no type, no detail -> NULLs");
	ok(q_int(db, "SELECT count(*) FROM event WHERE detail IS NOT NULL")
	    == (NEVENTS + 4) / 5, "details only where set");
	ok((uint64_t)q_int(db, "SELECT va FROM event ORDER BY seq DESC "
	    "LIMIT 1") == 0xffff800000001000ull &&
	    (uint64_t)q_int(db, "SELECT pa FROM event ORDER BY seq DESC "
	    "LIMIT 1") == UINT64_MAX, "64-bit addresses round-trip");
	ok(q_int(db, "SELECT count(*) FROM counter") == 3 &&
	    q_int(db, "SELECT value FROM counter WHERE scope = 'cpu' AND "
	    "scope_id = 1") == 43 &&
	    (uint64_t)q_int(db, "SELECT value FROM counter WHERE name = "
	    "'cycles'") == UINT64_MAX - 1, "counter rows");
	ok(q_int(db, "SELECT count(*) FROM process") == 2 &&
	    q_int(db, "SELECT exit_status FROM process WHERE pid = 1") == 0 &&
	    q_int(db, "SELECT exit_status FROM process WHERE pid = 2") == 3,
	    "process rows (pid 1 updated at exit)");
	sqlite3_close(db);

	ok(trace_check_file(path, err, sizeof(err)) == TRACE_OK,
	    "trace_check_file: finished trace is OK");
}

static void
test_sticky_error(const char *path)
{
	char err[512], tbuf[256];
	struct trace *t;
	struct event ev;
	sqlite3 *db;
	int rc;

	if (trace_open(&t, path, err, sizeof(err)) != 0) {
		ok(0, "trace_open: %s", err);
		return;
	}
	ok(trace_set_run(t, "0.1.0", "amd64", 1, "{not json", NULL) != 0 &&
	    strstr(trace_errmsg(t), "CHECK") != NULL,
	    "invalid config JSON refused: %s", trace_errmsg(t));
	rc = trace_finish(t, TRACE_COMPLETE, NULL, 0, NULL, err, sizeof(err));
	ok(rc != 0 && strstr(err, "run row") != NULL,
	    "trace_finish reports it: %s", err);
	ok(trace_check_file(path, err, sizeof(err)) == TRACE_EINCOMPLETE,
	    "no run row -> incomplete: %s", err);

	if (trace_open(&t, path, err, sizeof(err)) != 0) {
		ok(0, "trace_open: %s", err);
		return;
	}
	ok(trace_set_run(t, "0.1.0", "amd64", 1, NULL, NULL) == 0,
	    "trace_set_run");
	ev = mkevent(1);
	ok(trace_event(t, &ev) == 0, "event 1");
	ok(trace_event(t, &ev) != 0 &&
	    strstr(trace_errmsg(t), "UNIQUE") != NULL,
	    "duplicate seq refused: %s", trace_errmsg(t));
	ev = mkevent(2);
	ok(trace_event(t, &ev) != 0, "the error is sticky");
	ok(trace_counter(t, 1, "cpu", 0, "x", 1) != 0,
	    "sticky for counters too");
	rc = trace_finish(t, TRACE_COMPLETE, NULL, 0, "{}", err, sizeof(err));
	ok(rc != 0 && strstr(err, "UNIQUE") != NULL,
	    "trace_finish returns the first error: %s", err);
	ok(trace_check_file(path, err, sizeof(err)) == TRACE_EFAILED &&
	    strstr(err, "trace write failed") != NULL,
	    "the run is recorded as failed: %s", err);
	if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL) ==
	    SQLITE_OK)
		ok(q_int(db, "SELECT count(*) FROM event") == 1 &&
		    strcmp(q_text(db, "SELECT status FROM run", tbuf,
		    sizeof(tbuf)), "failed") == 0,
		    "rows written before the error are kept");
	else
		ok(0, "reopen");
	sqlite3_close(db);

	ok(trace_open(&t, tmp_path("no/such/dir/t.db"), err,
	    sizeof(err)) != 0 && t == NULL, "trace_open in a missing "
	    "directory fails: %s", err);
}

/* A child writes a trace and dies without trace_finish(). */
static int
write_interrupted(const char *path)
{
	struct trace *t;
	struct event ev;
	char err[256];
	pid_t pid;
	int status, i;

	pid = fork();
	if (pid < 0)
		return (-1);
	if (pid == 0) {
		if (trace_open(&t, path, err, sizeof(err)) != 0 ||
		    trace_set_run(t, "0.1.0", "mipsel", 3, NULL, NULL) != 0)
			_exit(1);
		for (i = 0; i < 100; i++) {
			ev = mkevent((uint64_t)i);
			if (trace_event(t, &ev) != 0)
				_exit(1);
		}
		_exit(0);	/* no trace_finish: a crash */
	}
	if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status) ||
	    WEXITSTATUS(status) != 0)
		return (-1);
	return (0);
}

static void
test_check_file(const char *good_path)
{
	char err[512], good[512];
	char *data;
	size_t len = 0;
	struct trace *t;
	int rc;

	snprintf(good, sizeof(good), "%s", good_path);
	rc = trace_check_file(tmp_path("missing.db"), err, sizeof(err));
	ok(rc == TRACE_ERR && strstr(err, "cannot open") != NULL,
	    "missing file: %d %s", rc, err);

	spew(tmp_path("text.db"), "this is not a database, just text that "
	    "is long enough to have a header...........................\n"
	    "................................................................",
	    130);
	rc = trace_check_file(tmp_path("text.db"), err, sizeof(err));
	ok(rc == TRACE_ENOTDB && strstr(err, "not an SQLite") != NULL,
	    "non-SQLite file: %d %s", rc, err);

	make_db(tmp_path("foreign.db"), "CREATE TABLE t(x); "
	    "INSERT INTO t VALUES (1);");
	rc = trace_check_file(tmp_path("foreign.db"), err, sizeof(err));
	ok(rc == TRACE_EFOREIGN && strstr(err, "not a vmsim trace") != NULL,
	    "SQLite without our application_id: %d %s", rc, err);

	make_db(tmp_path("newer.db"), "PRAGMA application_id = 1986884401; "
	    "PRAGMA user_version = 2; CREATE TABLE run(id, status);");
	rc = trace_check_file(tmp_path("newer.db"), err, sizeof(err));
	ok(rc == TRACE_ENEWER && strstr(err, "newer") != NULL,
	    "user_version 2: %d %s", rc, err);

	data = slurp(good, &len);
	if (data != NULL && len > 100000) {
		spew(tmp_path("half.db"), data, len / 2);
		rc = trace_check_file(tmp_path("half.db"), err, sizeof(err));
		ok(rc == TRACE_ECORRUPT && strstr(err, "truncated") != NULL,
		    "first half of a trace (%zu of %zu bytes): %d %s",
		    len / 2, len, rc, err);
	} else
		ok(0, "read %s", good);
	free(data);

	ok(write_interrupted(tmp_path("running.db")) == 0,
	    "child wrote a trace and died");
	rc = trace_check_file(tmp_path("running.db"), err, sizeof(err));
	ok(rc == TRACE_EINCOMPLETE && strstr(err, "running") != NULL,
	    "trace left 'running': %d %s", rc, err);

	if (trace_open(&t, tmp_path("failed.db"), err, sizeof(err)) == 0) {
		trace_set_run(t, "0.1.0", "mips", 1, NULL, NULL);
		rc = trace_finish(t, TRACE_FAILED, "guest ELF is malformed",
		    TRACE_NO_STATUS, NULL, err, sizeof(err));
		ok(rc == 0, "trace_finish failed-run");
	} else
		ok(0, "trace_open: %s", err);
	rc = trace_check_file(tmp_path("failed.db"), err, sizeof(err));
	ok(rc == TRACE_EFAILED && strstr(err, "malformed") != NULL,
	    "trace of a failed run: %d %s", rc, err);

	/* trace_open replaces what is there, a stale journal included. */
	spew(tmp_path("failed.db-journal"), "junk", 4);
	if (trace_open(&t, tmp_path("failed.db"), err, sizeof(err)) == 0) {
		trace_set_run(t, "0.1.0", "mips", 1, NULL, NULL);
		rc = trace_finish(t, TRACE_COMPLETE, NULL, 0, NULL, err,
		    sizeof(err));
		ok(rc == 0 && trace_check_file(tmp_path("failed.db"), err,
		    sizeof(err)) == TRACE_OK && access(tmp_path(
		    "failed.db-journal"), F_OK) != 0,
		    "trace_open overwrites an old trace and its journal");
	} else
		ok(0, "trace_open over an old trace: %s", err);
}

/* Write the same small run to path; 0 on success. */
static int
write_small(const char *path)
{
	struct trace *t;
	struct event ev;
	char err[256];
	uint64_t i;

	if (trace_open(&t, path, err, sizeof(err)) != 0)
		return (-1);
	trace_set_run(t, "0.1.0", "amd64", 99, "{}", "[]");
	trace_add_blob(t, "binary", "a", "abc", 3, NULL);
	for (i = 0; i < 3000; i++) {
		ev = mkevent(i);
		trace_event(t, &ev);
	}
	trace_counter(t, 1, "machine", 0, "cycles", 1);
	return (trace_finish(t, TRACE_COMPLETE, NULL, 0, NULL, err,
	    sizeof(err)));
}

static void
test_deterministic(void)
{
	char a[512], b[512];
	char *da, *db;
	size_t la = 0, lb = 0;

	snprintf(a, sizeof(a), "%s", tmp_path("d1.db"));
	snprintf(b, sizeof(b), "%s", tmp_path("d2.db"));
	ok(write_small(a) == 0 && write_small(b) == 0, "two identical runs");
	da = slurp(a, &la);
	db = slurp(b, &lb);
	ok(da != NULL && db != NULL && la == lb && memcmp(da, db, la) == 0,
	    "identical runs give byte-identical trace files (%zu bytes)",
	    la);
	free(da);
	free(db);
}

int
main(int argc, char **argv)
{
	const char *tmpdir = getenv("TMPDIR");
	const char *names[] = { "t.db", "sticky.db", "text.db", "foreign.db",
	    "newer.db", "half.db", "running.db", "failed.db", "d1.db",
	    "d2.db" };
	size_t i;

	test_schema_file(argc > 1 ? argv[1] : "traces/schema.sql");
	snprintf(dir, sizeof(dir), "%s/vmsim-trace-XXXXXX",
	    tmpdir != NULL && tmpdir[0] != '\0' ? tmpdir : "/tmp");
	if (mkdtemp(dir) == NULL) {
		ok(0, "mkdtemp %s", dir);
		return (tap_done());
	}
	test_write_read(tmp_path("t.db"));
	test_sticky_error(tmp_path("sticky.db"));
	test_check_file(tmp_path("t.db"));
	test_deterministic();
	for (i = 0; i < nitems(names); i++)
		unlink(tmp_path(names[i]));
	ok(rmdir(dir) == 0, "temporary directory cleaned up");
	return (tap_done());
}
