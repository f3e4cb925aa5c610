/*
 * sim/trace.c — the trace store over SQLite (the only layer that includes
 * sqlite3.h is sim/).  Follows the SQLite C interface documentation
 * (prepared statements, sqlite3_exec, result codes) and "Pragma
 * statements supported by SQLite" for application_id and user_version.
 *
 * Workload: one writer, millions of small rows (events, counters) per
 * run, read later by replay/diff.  Rows are inserted through prepared
 * statements inside transactions of TRACE_BATCH rows; the file is opened
 * with synchronous=OFF and journal_mode=MEMORY for speed.
 *
 * XXX: with journal_mode=MEMORY a process killed in the middle of a
 * commit can leave a damaged file.  The run row is committed first with
 * status 'running', so a trace interrupted between commits says so, and
 * trace_check_file() reports a damaged one as TRACE_ECORRUPT; nothing is
 * lost that a finished trace would have had.
 */
#include "sim/trace.h"
#include "sim/base/base.h"

#include <errno.h>
#include <sqlite3.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* traces/schema.sql, byte for byte (checked by the unit test). */
const char trace_schema_sql[] =
    "-- traces/schema.sql: the vmsim trace format, schema version 1.\n"
    "--\n"
    "-- One SQLite file per run.  sim/trace.c embeds this text byte for byte\n"
    "-- (tests/unit/kern/test_trace.c checks that they agree); change both\n"
    "-- together and bump user_version for any incompatible change.\n"
    "--\n"
    "-- The simulator's cycle counts, addresses and counter values are unsigned\n"
    "-- 64-bit numbers; SQLite INTEGER is signed 64-bit, so values of 2^63 and\n"
    "-- above (amd64 kernel addresses) are stored as their two's complement:\n"
    "-- readers convert them back to unsigned.\n"
    "PRAGMA application_id = 1986884401; -- 0x766d7331, 'vms1': a vmsim trace\n"
    "PRAGMA user_version = 1;            -- the schema version\n"
    "\n"
    "-- The run: one row, written when the run starts (status 'running') and\n"
    "-- updated when the trace is closed ('complete' or 'failed').\n"
    "CREATE TABLE run (\n"
    "\tid INTEGER PRIMARY KEY CHECK (id = 1),\n"
    "\ttool_version TEXT NOT NULL,\n"
    "\tarch TEXT NOT NULL,          -- mips, mipsel, amd64\n"
    "\tseed INTEGER NOT NULL,\n"
    "\tconfig TEXT CHECK (config IS NULL OR json_valid(config)),\n"
    "\tcommand_line TEXT CHECK (command_line IS NULL OR\n"
    "\t    json_valid(command_line)),           -- JSON array of strings\n"
    "\tstatus TEXT NOT NULL CHECK (status IN ('running', 'complete', 'failed')),\n"
    "\tstatus_detail TEXT,          -- why a run failed\n"
    "\texit_status INTEGER,         -- of the first process, or NULL\n"
    "\ttotals TEXT CHECK (totals IS NULL OR json_valid(totals))\n"
    ");\n"
    "\n"
    "-- Every input, by content: guest binaries, files the guest read, the\n"
    "-- scenario.  role says what it was (binary, file, scenario), name where\n"
    "-- it came from; a second input with the same content keeps the first row.\n"
    "CREATE TABLE blob (\n"
    "\tsha256 TEXT PRIMARY KEY,     -- lowercase hex SHA-256 of data\n"
    "\trole TEXT NOT NULL,\n"
    "\tname TEXT,\n"
    "\tsize INTEGER NOT NULL,\n"
    "\tdata BLOB NOT NULL\n"
    ");\n"
    "\n"
    "-- Every event, in emission order (sim/base/event.h).  kind is the\n"
    "-- ev_kind name (page_fault, tlb_refill, ...), type its subtype or NULL.\n"
    "CREATE TABLE event (\n"
    "\tseq INTEGER PRIMARY KEY,\n"
    "\tcycle INTEGER NOT NULL,\n"
    "\tcpu INTEGER NOT NULL,\n"
    "\tpid INTEGER NOT NULL,\n"
    "\ttid INTEGER NOT NULL,\n"
    "\tkind TEXT NOT NULL,\n"
    "\ttype TEXT,\n"
    "\tva INTEGER NOT NULL,\n"
    "\tpa INTEGER NOT NULL,\n"
    "\tpc INTEGER NOT NULL,\n"
    "\tdetail TEXT                  -- NULL when empty\n"
    ");\n"
    "\n"
    "-- Counter samples: periodic and final, per scope (machine, cpu, process).\n"
    "CREATE TABLE counter (\n"
    "\tid INTEGER PRIMARY KEY,\n"
    "\tcycle INTEGER NOT NULL,\n"
    "\tscope TEXT NOT NULL,\n"
    "\tscope_id INTEGER NOT NULL,\n"
    "\tname TEXT NOT NULL,\n"
    "\tvalue INTEGER NOT NULL\n"
    ");\n"
    "\n"
    "-- The processes of the run; exit_status is NULL until the process exits.\n"
    "CREATE TABLE process (\n"
    "\tpid INTEGER PRIMARY KEY,\n"
    "\tppid INTEGER NOT NULL,\n"
    "\tprogram TEXT NOT NULL,\n"
    "\targv TEXT CHECK (argv IS NULL OR json_valid(argv)),  -- JSON array\n"
    "\texit_status INTEGER\n"
    ");\n";

struct trace {
	sqlite3 *db;
	sqlite3_stmt *st_event, *st_counter, *st_blob, *st_process;
	bool in_txn;		/* a BEGIN is open */
	unsigned pending;	/* rows written since that BEGIN */
	bool have_run;		/* trace_set_run() succeeded */
	int failed;		/* sticky: 0 or the first error */
	char errmsg[256];
};

static void __attribute__((format(printf, 3, 4)))
msg_set(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	if (err == NULL || errlen == 0)
		return;
	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
}

/* Record an SQLite failure of the operation what; the first one sticks. */
static int
trace_fail(struct trace *t, const char *what)
{
	if (t->failed == 0) {
		snprintf(t->errmsg, sizeof(t->errmsg), "trace: %s: %s", what,
		    sqlite3_errmsg(t->db));
		t->failed = TRACE_ERR;
	}
	return (TRACE_ERR);
}

static int
trace_exec(struct trace *t, const char *sql, const char *what)
{
	if (sqlite3_exec(t->db, sql, NULL, NULL, NULL) != SQLITE_OK)
		return (trace_fail(t, what));
	return (0);
}

static int
trace_commit(struct trace *t)
{
	if (!t->in_txn)
		return (0);
	t->in_txn = false;
	t->pending = 0;
	if (trace_exec(t, "COMMIT", "committing") != 0) {
		/* Leave no transaction open behind a failed commit. */
		if (!sqlite3_get_autocommit(t->db))
			(void)sqlite3_exec(t->db, "ROLLBACK", NULL, NULL, NULL);
		return (TRACE_ERR);
	}
	return (0);
}

/* Before a row: open the batch's transaction if needed. */
static int
trace_row_begin(struct trace *t)
{
	if (t->failed != 0)
		return (t->failed);
	if (!t->in_txn) {
		if (trace_exec(t, "BEGIN", "starting a transaction") != 0)
			return (TRACE_ERR);
		t->in_txn = true;
	}
	return (0);
}

/* Run a bound insert statement and count it into the batch. */
static int
trace_row_step(struct trace *t, sqlite3_stmt *st, const char *what)
{
	int rc;

	rc = sqlite3_step(st);
	if (rc != SQLITE_DONE) {
		trace_fail(t, what);
		(void)sqlite3_reset(st);
		(void)sqlite3_clear_bindings(st);
		return (TRACE_ERR);
	}
	/* Drop the bindings: they point at the caller's memory. */
	if (sqlite3_reset(st) != SQLITE_OK ||
	    sqlite3_clear_bindings(st) != SQLITE_OK)
		return (trace_fail(t, what));
	if (++t->pending >= TRACE_BATCH)
		return (trace_commit(t));
	return (0);
}

/* Bind helpers: each returns the SQLite code; the caller ORs the checks. */
static int
bind_text(sqlite3_stmt *st, int i, const char *s)
{
	if (s == NULL)
		return (sqlite3_bind_null(st, i));
	return (sqlite3_bind_text(st, i, s, -1, SQLITE_STATIC));
}

static int
bind_u64(sqlite3_stmt *st, int i, uint64_t v)
{
	/* Two's complement: see traces/schema.sql. */
	return (sqlite3_bind_int64(st, i, (sqlite3_int64)v));
}

static int
bind_status(sqlite3_stmt *st, int i, int64_t v)
{
	if (v == TRACE_NO_STATUS)
		return (sqlite3_bind_null(st, i));
	return (sqlite3_bind_int64(st, i, v));
}

/* Remove path+suffix; a missing file is fine. */
static int
remove_file(const char *path, const char *suffix, char *err, size_t errlen)
{
	char name[4096];
	int n;

	n = snprintf(name, sizeof(name), "%s%s", path, suffix);
	if (n < 0 || (size_t)n >= sizeof(name)) {
		msg_set(err, errlen, "trace: %s: path too long", path);
		return (TRACE_ERR);
	}
	if (unlink(name) != 0 && errno != ENOENT) {
		msg_set(err, errlen, "trace: cannot replace %s: %s", name,
		    strerror(errno));
		return (TRACE_ERR);
	}
	return (0);
}

static int
trace_prepare(struct trace *t, sqlite3_stmt **st, const char *sql)
{
	if (sqlite3_prepare_v3(t->db, sql, -1, SQLITE_PREPARE_PERSISTENT, st,
	    NULL) != SQLITE_OK)
		return (trace_fail(t, "preparing a statement"));
	return (0);
}

/* Finalize the statements and close the database. */
static void
trace_close_db(struct trace *t)
{
	int rc;

	sqlite3_finalize(t->st_event);
	sqlite3_finalize(t->st_counter);
	sqlite3_finalize(t->st_blob);
	sqlite3_finalize(t->st_process);
	t->st_event = t->st_counter = t->st_blob = t->st_process = NULL;
	/* Every statement is finalized, so close cannot be busy. */
	rc = sqlite3_close(t->db);
	KASSERT(rc == SQLITE_OK, ("trace: sqlite3_close: %s",
	    sqlite3_errstr(rc)));
	t->db = NULL;
}

int
trace_open(struct trace **tp, const char *path, char *err, size_t errlen)
{
	static const char *const suffixes[] = { "", "-journal", "-wal",
	    "-shm" };
	struct trace *t;
	size_t i;
	int rc;

	*tp = NULL;
	for (i = 0; i < nitems(suffixes); i++)
		if (remove_file(path, suffixes[i], err, errlen) != 0)
			return (TRACE_ERR);
	t = calloc(1, sizeof(*t));
	if (t == NULL) {
		msg_set(err, errlen, "trace: %s: out of memory", path);
		return (TRACE_ERR);
	}
	rc = sqlite3_open_v2(path, &t->db, SQLITE_OPEN_READWRITE |
	    SQLITE_OPEN_CREATE, NULL);
	if (rc != SQLITE_OK) {
		msg_set(err, errlen, "trace: cannot create %s: %s", path,
		    t->db != NULL ? sqlite3_errmsg(t->db) : sqlite3_errstr(rc));
		sqlite3_close(t->db);
		free(t);
		return (TRACE_ERR);
	}
	if (trace_exec(t, "PRAGMA journal_mode = MEMORY",
	    "setting journal_mode") != 0 ||
	    trace_exec(t, "PRAGMA synchronous = OFF",
	    "setting synchronous") != 0 ||
	    trace_exec(t, "BEGIN", "starting a transaction") != 0)
		goto fail;
	if (trace_exec(t, trace_schema_sql, "creating the schema") != 0 ||
	    trace_exec(t, "COMMIT", "committing the schema") != 0)
		goto fail;
	if (trace_prepare(t, &t->st_event, "INSERT INTO event (seq, cycle, "
	    "cpu, pid, tid, kind, type, va, pa, pc, detail) VALUES "
	    "(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)") != 0 ||
	    trace_prepare(t, &t->st_counter, "INSERT INTO counter (cycle, "
	    "scope, scope_id, name, value) VALUES (?, ?, ?, ?, ?)") != 0 ||
	    trace_prepare(t, &t->st_blob, "INSERT OR IGNORE INTO blob "
	    "(sha256, role, name, size, data) VALUES (?, ?, ?, ?, ?)") != 0 ||
	    trace_prepare(t, &t->st_process, "INSERT OR REPLACE INTO process "
	    "(pid, ppid, program, argv, exit_status) VALUES "
	    "(?, ?, ?, ?, ?)") != 0)
		goto fail;
	*tp = t;
	return (0);

fail:
	msg_set(err, errlen, "%s (creating %s)", t->errmsg, path);
	trace_close_db(t);
	free(t);
	(void)unlink(path);
	return (TRACE_ERR);
}

const char *
trace_errmsg(const struct trace *t)
{
	return (t->errmsg);
}

int
trace_set_run(struct trace *t, const char *tool_version, const char *arch,
    uint64_t seed, const char *config_json, const char *cmdline_json)
{
	sqlite3_stmt *st;
	int rc;

	if (t->failed != 0)
		return (t->failed);
	if (trace_commit(t) != 0)
		return (TRACE_ERR);
	if (sqlite3_prepare_v2(t->db, "INSERT INTO run (id, tool_version, "
	    "arch, seed, config, command_line, status) VALUES "
	    "(1, ?, ?, ?, ?, ?, 'running')", -1, &st, NULL) != SQLITE_OK)
		return (trace_fail(t, "preparing the run row"));
	rc = bind_text(st, 1, tool_version) | bind_text(st, 2, arch) |
	    bind_u64(st, 3, seed) | bind_text(st, 4, config_json) |
	    bind_text(st, 5, cmdline_json);
	if (rc != SQLITE_OK || sqlite3_step(st) != SQLITE_DONE) {
		trace_fail(t, "writing the run row");
		sqlite3_finalize(st);
		return (TRACE_ERR);
	}
	if (sqlite3_finalize(st) != SQLITE_OK)
		return (trace_fail(t, "writing the run row"));
	t->have_run = true;
	return (0);
}

int
trace_add_blob(struct trace *t, const char *role, const char *name,
    const void *data, size_t len, char sha_out[SHA256_HEX])
{
	char hex[SHA256_HEX];
	int rc;

	sha256_hex(data, len, hex);
	if (sha_out != NULL)
		memcpy(sha_out, hex, SHA256_HEX);
	if (trace_row_begin(t) != 0)
		return (TRACE_ERR);
	rc = bind_text(t->st_blob, 1, hex) | bind_text(t->st_blob, 2, role) |
	    bind_text(t->st_blob, 3, name) |
	    sqlite3_bind_int64(t->st_blob, 4, (sqlite3_int64)len) |
	    sqlite3_bind_blob64(t->st_blob, 5, len != 0 ? data : "",
	    (sqlite3_uint64)len, SQLITE_STATIC);
	if (rc != SQLITE_OK)
		return (trace_fail(t, "binding a blob"));
	return (trace_row_step(t, t->st_blob, "writing a blob"));
}

int
trace_event(struct trace *t, const struct event *ev)
{
	sqlite3_stmt *st = t->st_event;
	size_t dlen;
	int rc;

	if (trace_row_begin(t) != 0)
		return (TRACE_ERR);
	dlen = strnlen(ev->detail, sizeof(ev->detail));
	rc = bind_u64(st, 1, ev->seq) | bind_u64(st, 2, ev->cycle) |
	    sqlite3_bind_int(st, 3, ev->cpu) |
	    sqlite3_bind_int(st, 4, ev->pid) |
	    sqlite3_bind_int(st, 5, ev->tid) |
	    bind_text(st, 6, ev_kind_name(ev->kind)) |
	    bind_text(st, 7, ev->type) |
	    bind_u64(st, 8, ev->va) | bind_u64(st, 9, ev->pa) |
	    bind_u64(st, 10, ev->pc);
	if (dlen == 0)
		rc |= sqlite3_bind_null(st, 11);
	else
		rc |= sqlite3_bind_text(st, 11, ev->detail, (int)dlen,
		    SQLITE_STATIC);
	if (rc != SQLITE_OK)
		return (trace_fail(t, "binding an event"));
	return (trace_row_step(t, st, "writing an event"));
}

int
trace_counter(struct trace *t, uint64_t cycle, const char *scope,
    int64_t scope_id, const char *name, uint64_t value)
{
	sqlite3_stmt *st = t->st_counter;
	int rc;

	if (trace_row_begin(t) != 0)
		return (TRACE_ERR);
	rc = bind_u64(st, 1, cycle) | bind_text(st, 2, scope) |
	    sqlite3_bind_int64(st, 3, scope_id) | bind_text(st, 4, name) |
	    bind_u64(st, 5, value);
	if (rc != SQLITE_OK)
		return (trace_fail(t, "binding a counter"));
	return (trace_row_step(t, st, "writing a counter"));
}

int
trace_process(struct trace *t, int32_t pid, int32_t ppid,
    const char *program, const char *argv_json, int64_t exit_status)
{
	sqlite3_stmt *st = t->st_process;
	int rc;

	if (trace_row_begin(t) != 0)
		return (TRACE_ERR);
	rc = sqlite3_bind_int(st, 1, pid) | sqlite3_bind_int(st, 2, ppid) |
	    bind_text(st, 3, program) | bind_text(st, 4, argv_json) |
	    bind_status(st, 5, exit_status);
	if (rc != SQLITE_OK)
		return (trace_fail(t, "binding a process"));
	return (trace_row_step(t, st, "writing a process"));
}

/*
 * Commit the pending rows, then set the run status (one statement, so
 * atomic by itself): a failure here loses no row written before.
 */
static int
trace_write_status(struct trace *t, const char *status, const char *detail,
    int64_t exit_status, const char *totals_json)
{
	sqlite3_stmt *st;
	int rc;

	if (trace_commit(t) != 0)
		return (TRACE_ERR);
	if (sqlite3_prepare_v2(t->db, "UPDATE run SET status = ?, "
	    "status_detail = ?, exit_status = ?, totals = ? WHERE id = 1",
	    -1, &st, NULL) != SQLITE_OK)
		return (trace_fail(t, "preparing the run status"));
	rc = bind_text(st, 1, status) | bind_text(st, 2, detail) |
	    bind_status(st, 3, exit_status) | bind_text(st, 4, totals_json);
	if (rc != SQLITE_OK || sqlite3_step(st) != SQLITE_DONE) {
		trace_fail(t, "writing the run status");
		sqlite3_finalize(st);
		return (TRACE_ERR);
	}
	if (sqlite3_finalize(st) != SQLITE_OK)
		return (trace_fail(t, "writing the run status"));
	if (sqlite3_changes(t->db) != 1) {
		if (t->failed == 0) {
			snprintf(t->errmsg, sizeof(t->errmsg), "trace: no run "
			    "row to finish (trace_set_run was not called)");
			t->failed = TRACE_ERR;
		}
		return (TRACE_ERR);
	}
	return (0);
}

int
trace_finish(struct trace *t, enum trace_status status, const char *detail,
    int64_t exit_status, const char *totals_json, char *err, size_t errlen)
{
	char why[sizeof(t->errmsg) + 32];
	int rv = 0;

	KASSERT(status == TRACE_COMPLETE || status == TRACE_FAILED,
	    ("trace_finish: bad status %d", (int)status));
	if (t->failed == 0)
		(void)trace_write_status(t, status == TRACE_COMPLETE ?
		    "complete" : "failed", detail, exit_status, totals_json);
	if (t->failed != 0) {
		/*
		 * An earlier write, or the status itself, failed.  Keep the
		 * rows that can be kept and record the run as failed (the
		 * totals may be what failed, so they are left out).  If even
		 * that fails, the file still says 'running'.
		 */
		rv = TRACE_ERR;
		msg_set(err, errlen, "%s", t->errmsg);
		if (!sqlite3_get_autocommit(t->db) &&
		    sqlite3_exec(t->db, "COMMIT", NULL, NULL, NULL) !=
		    SQLITE_OK && !sqlite3_get_autocommit(t->db))
			(void)sqlite3_exec(t->db, "ROLLBACK", NULL, NULL,
			    NULL);
		t->in_txn = false;
		snprintf(why, sizeof(why), "trace write failed: %s",
		    t->errmsg);
		t->failed = 0;
		(void)trace_write_status(t, "failed", why, exit_status, NULL);
	}
	trace_close_db(t);
	free(t);
	return (rv);
}

/* ---- reading: trace_check_file ---- */

/* Map an SQLite read error to our codes, with a message. */
static int
check_fail(sqlite3 *db, int rc, const char *path, char *err, size_t errlen)
{
	switch (rc & 0xff) {
	case SQLITE_NOTADB:
		msg_set(err, errlen, "%s: not an SQLite database, so not a "
		    "vmsim trace", path);
		return (TRACE_ENOTDB);
	case SQLITE_CORRUPT:
		msg_set(err, errlen, "%s: trace file is damaged or truncated "
		    "(%s)", path, sqlite3_errmsg(db));
		return (TRACE_ECORRUPT);
	default:
		msg_set(err, errlen, "%s: cannot read trace: %s", path,
		    sqlite3_errmsg(db));
		return (TRACE_ERR);
	}
}

/* Run a one-integer query (a PRAGMA); 0 or the SQLite error code. */
static int
check_int(sqlite3 *db, const char *sql, int64_t *out)
{
	sqlite3_stmt *st;
	int rc;

	rc = sqlite3_prepare_v2(db, sql, -1, &st, NULL);
	if (rc != SQLITE_OK)
		return (rc);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		*out = sqlite3_column_int64(st, 0);
		rc = SQLITE_OK;
	}
	sqlite3_finalize(st);
	return (rc);
}

int
trace_check_file(const char *path, char *err, size_t errlen)
{
	sqlite3 *db = NULL;
	sqlite3_stmt *st = NULL;
	const unsigned char *status, *detail;
	int64_t appid = 0, version = 0;
	int rc, rv;

	rc = sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL);
	if (rc != SQLITE_OK) {
		msg_set(err, errlen, "%s: cannot open trace: %s", path,
		    db != NULL ? sqlite3_errmsg(db) : sqlite3_errstr(rc));
		sqlite3_close(db);
		return (TRACE_ERR);
	}
	/* Any error inside gets out through check_fail(). */
	rc = check_int(db, "PRAGMA application_id", &appid);
	if (rc != SQLITE_OK) {
		rv = check_fail(db, rc, path, err, errlen);
		goto out;
	}
	if ((uint64_t)(uint32_t)appid != TRACE_APPLICATION_ID) {
		msg_set(err, errlen, "%s: an SQLite database but not a vmsim "
		    "trace (application_id 0x%08x, expected 0x%08x)", path,
		    (unsigned)(uint32_t)appid, TRACE_APPLICATION_ID);
		rv = TRACE_EFOREIGN;
		goto out;
	}
	rc = check_int(db, "PRAGMA user_version", &version);
	if (rc != SQLITE_OK) {
		rv = check_fail(db, rc, path, err, errlen);
		goto out;
	}
	if (version > TRACE_SCHEMA_VERSION) {
		msg_set(err, errlen, "%s: written by a newer vmsim (trace "
		    "schema version %jd; this build reads version %d)", path,
		    (intmax_t)version, TRACE_SCHEMA_VERSION);
		rv = TRACE_ENEWER;
		goto out;
	}
	if (version < TRACE_SCHEMA_VERSION) {
		msg_set(err, errlen, "%s: damaged trace (schema version %jd)",
		    path, (intmax_t)version);
		rv = TRACE_ECORRUPT;
		goto out;
	}
	rc = sqlite3_prepare_v2(db, "SELECT status, status_detail FROM run "
	    "WHERE id = 1", -1, &st, NULL);
	if (rc == SQLITE_OK)
		rc = sqlite3_step(st);
	if (rc == SQLITE_DONE) {
		msg_set(err, errlen, "%s: trace has no run record: the run "
		    "stopped before it started", path);
		rv = TRACE_EINCOMPLETE;
		goto out;
	}
	if (rc != SQLITE_ROW) {
		rv = check_fail(db, rc, path, err, errlen);
		if (rv == TRACE_ERR) {
			/* A schema without our tables is damage too. */
			msg_set(err, errlen, "%s: damaged trace: %s", path,
			    sqlite3_errmsg(db));
			rv = TRACE_ECORRUPT;
		}
		goto out;
	}
	status = sqlite3_column_text(st, 0);
	detail = sqlite3_column_text(st, 1);
	if (status != NULL && strcmp((const char *)status, "complete") == 0)
		rv = TRACE_OK;
	else if (status != NULL && strcmp((const char *)status, "failed") == 0) {
		msg_set(err, errlen, "%s: trace of a failed run: %s", path,
		    detail != NULL ? (const char *)detail : "(no detail)");
		rv = TRACE_EFAILED;
	} else {
		msg_set(err, errlen, "%s: trace was not finished (status "
		    "'%s'): the run was interrupted", path,
		    status != NULL ? (const char *)status : "NULL");
		rv = TRACE_EINCOMPLETE;
	}
out:
	sqlite3_finalize(st);
	if (sqlite3_close(db) != SQLITE_OK && rv == TRACE_OK) {
		msg_set(err, errlen, "%s: closing trace: %s", path,
		    sqlite3_errmsg(db));
		rv = TRACE_ERR;
	}
	return (rv);
}

/* ---- the event sink ---- */

void
trace_sink_emit(void *t, const struct event *ev)
{
	/* Failures are sticky in t and reported by trace_finish(). */
	(void)trace_event(t, ev);
}

struct event_sink
trace_event_sink(struct trace *t)
{
	struct event_sink s = { .emit = trace_sink_emit, .ctx = t };

	return (s);
}
