/*
 * sim/trace.c — the trace store over SQLite (the only layer that includes
 * sqlite3.h is sim/).  Follows the SQLite C interface documentation
 * (prepared statements, sqlite3_exec, result codes) and "Pragma
 * statements supported by SQLite" for application_id and user_version.
 *
 * Workload: one writer, millions of small rows (events, counters) per
 * run, read later by replay/diff.  Rows are inserted through prepared
 * statements inside transactions of TRACE_BATCH rows, events
 * TRACE_EVENT_ROWS to a statement; the file is opened without a
 * connection mutex, with synchronous=OFF, journal_mode=MEMORY and
 * locking_mode=EXCLUSIVE for speed (vmsim bench trace: about 1.6 million
 * events per second on the development machine, where one row per
 * statement made 1.1 million).
 *
 * Reading (trace_read_open) checks a trace before the tools use it:
 * PRAGMA quick_check, the SHA-256 of every blob, and the event and
 * counter digests that trace_finish() stored in the run row.
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
    "-- together and bump user_version for any incompatible change.  The\n"
    "-- format is described in docs/trace.md.\n"
    "--\n"
    "-- The simulator's cycle counts, addresses and counter values are unsigned\n"
    "-- 64-bit numbers; SQLite INTEGER is signed 64-bit, so values of 2^63 and\n"
    "-- above (amd64 kernel addresses) are stored as their two's complement:\n"
    "-- readers convert them back to unsigned.\n"
    "PRAGMA application_id = 1986884401; -- 0x766d7331, 'vms1': a vmsim trace\n"
    "PRAGMA user_version = 1;            -- the schema version\n"
    "\n"
    "-- The run: one row, written when the run starts (status 'running') and\n"
    "-- updated when the trace is closed ('complete' or 'failed').  config is\n"
    "-- the whole machine configuration with its cost table (the JSON of\n"
    "-- machine_config_json); replay rebuilds the machine from it alone.\n"
    "CREATE TABLE run (\n"
    "\tid INTEGER PRIMARY KEY CHECK (id = 1),\n"
    "\ttool_version TEXT NOT NULL,\n"
    "\tarch TEXT NOT NULL,          -- mips, mipsel, amd64\n"
    "\tseed INTEGER NOT NULL,\n"
    "\tconfig TEXT CHECK (config IS NULL OR json_valid(config)),\n"
    "\tcommand_line TEXT CHECK (command_line IS NULL OR\n"
    "\t    json_valid(command_line)),           -- JSON array of strings\n"
    "\tsample_cycles INTEGER NOT NULL DEFAULT 0, -- counter period, 0: none\n"
    "\tstatus TEXT NOT NULL CHECK (status IN ('running', 'complete', 'failed')),\n"
    "\tstatus_detail TEXT,          -- why a run failed\n"
    "\texit_status INTEGER,         -- of the first process, or NULL\n"
    "\ttotals TEXT CHECK (totals IS NULL OR json_valid(totals)),\n"
    "\tevents INTEGER,              -- event rows, set when the trace closes\n"
    "\tdigest TEXT,                 -- hash of every event row (docs/trace.md)\n"
    "\tcounter_digest TEXT          -- hash of every counter row\n"
    ");\n"
    "\n"
    "-- Every input, by content: guest binaries, files the guest read, the\n"
    "-- scenario.  role says what it was (binary, file, scenario), name where\n"
    "-- it came from; a second input with the same content keeps the first row\n"
    "-- (the input table lists every one).\n"
    "CREATE TABLE blob (\n"
    "\tsha256 TEXT PRIMARY KEY,     -- lowercase hex SHA-256 of data\n"
    "\trole TEXT NOT NULL,\n"
    "\tname TEXT,\n"
    "\tsize INTEGER NOT NULL,\n"
    "\tdata BLOB NOT NULL\n"
    ");\n"
    "\n"
    "-- Every input by name, in the order the run took them in: the program\n"
    "-- as it was given (role binary) and each guest path read from the root\n"
    "-- (role file).  Replay serves these names from the blobs.\n"
    "CREATE TABLE input (\n"
    "\tid INTEGER PRIMARY KEY,\n"
    "\trole TEXT NOT NULL,\n"
    "\tname TEXT,\n"
    "\tsha256 TEXT NOT NULL REFERENCES blob (sha256)\n"
    ");\n"
    "\n"
    "-- Every event, in emission order (sim/base/event.h).  kind is the\n"
    "-- ev_kind name (page_fault, tlb_refill, ...), type its subtype or NULL.\n"
    "-- region names the mapping va fell in when the event happened:\n"
    "-- file:PATH+0xOFFSET, bss:PATH, heap, stack, anon@0xSTART, or NULL.\n"
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
    "\tdetail TEXT,                 -- NULL when empty\n"
    "\tregion TEXT\n"
    ");\n"
    "\n"
    "-- Counter samples: periodic (final = 0: every run.sample_cycles cycles\n"
    "-- and at the end) and final totals (final = 1), per scope (machine, cpu,\n"
    "-- process).\n"
    "CREATE TABLE counter (\n"
    "\tid INTEGER PRIMARY KEY,\n"
    "\tcycle INTEGER NOT NULL,\n"
    "\tfinal INTEGER NOT NULL DEFAULT 0 CHECK (final IN (0, 1)),\n"
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

struct trace_evrow {
	struct event ev;
	size_t dlen, rlen;		/* detail and region lengths, 0: NULL */
	char region[TRACE_REGION_MAX];
};

struct trace {
	sqlite3 *db;
	sqlite3_stmt *st_event, *st_counter, *st_blob, *st_process, *st_input;
	sqlite3_stmt *st_events;	/* TRACE_EVENT_ROWS rows at once */
	struct trace_evrow evbuf[TRACE_EVENT_ROWS];
	int nevbuf;			/* rows in evbuf, not yet written */
	bool have_seq;			/* an event was written: last_seq is set */
	uint64_t last_seq;
	bool in_txn;		/* a BEGIN is open */
	unsigned pending;	/* rows written since that BEGIN */
	bool have_run;		/* trace_set_run() succeeded */
	int failed;		/* sticky: 0 or the first error */
	uint64_t nevents;	/* event rows written */
	uint64_t digest;	/* digest_* over those rows */
	uint64_t cdigest;	/* and over the counter rows */
	bool digest_lost;	/* a write failed: rows and digest disagree */
	void (*region)(void *arg, const struct event *ev, char *buf,
	    size_t len);	/* labels an event's region, or NULL */
	void *region_arg;
	char errmsg[256];
};

/*
 * The event digest: a 64-bit hash over every event row in seq order,
 * column by column (integers as their 64-bit two's complement, text as
 * its bytes and length, NULL as a marker), so that a reader can tell a
 * damaged row from a good one.  Not cryptographic: it detects damage,
 * not tampering (the blobs, which are the run's inputs, have SHA-256).
 */
#define DIGEST_SEED	0xcbf29ce484222325ull	/* FNV-1a offset basis */
#define DIGEST_PRIME	0x100000001b3ull	/* FNV-1a 64-bit prime */
#define DIGEST_NULL	0xfffffffffffffff1ull	/* marks a NULL column */

static inline uint64_t
digest_u64(uint64_t h, uint64_t v)
{
	h = (h ^ v) * DIGEST_PRIME;
	return (h ^ (h >> 32));
}

static inline uint64_t
digest_text(uint64_t h, const char *s, size_t len)
{
	if (s == NULL)
		return (digest_u64(h, DIGEST_NULL));
	for (size_t i = 0; i < len; i++)
		h = (h ^ (uint8_t)s[i]) * DIGEST_PRIME;
	return (digest_u64(h, len));
}

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

static int trace_events_flush(struct trace *t);

static int
trace_commit(struct trace *t)
{
	if (!t->in_txn)
		return (0);
	if (trace_events_flush(t) != 0)
		return (TRACE_ERR);
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
	sqlite3_finalize(t->st_input);
	sqlite3_finalize(t->st_events);
	t->st_event = t->st_counter = t->st_blob = t->st_process = NULL;
	t->st_input = t->st_events = NULL;
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
	/* Memory statistics cost a global mutex per allocation; this works
	 * only before SQLite is first used (else SQLITE_MISUSE: ignored). */
	(void)sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
	for (i = 0; i < nitems(suffixes); i++)
		if (remove_file(path, suffixes[i], err, errlen) != 0)
			return (TRACE_ERR);
	t = calloc(1, sizeof(*t));
	if (t == NULL) {
		msg_set(err, errlen, "trace: %s: out of memory", path);
		return (TRACE_ERR);
	}
	/* One writer on one thread: no per-connection mutex. */
	rc = sqlite3_open_v2(path, &t->db, SQLITE_OPEN_READWRITE |
	    SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, NULL);
	if (rc != SQLITE_OK) {
		msg_set(err, errlen, "trace: cannot create %s: %s", path,
		    t->db != NULL ? sqlite3_errmsg(t->db) : sqlite3_errstr(rc));
		sqlite3_close(t->db);
		free(t);
		return (TRACE_ERR);
	}
	if (trace_exec(t, "PRAGMA journal_mode = MEMORY",
	    "setting journal_mode") != 0 ||
	    trace_exec(t, "PRAGMA locking_mode = EXCLUSIVE",
	    "setting locking_mode") != 0 ||
	    trace_exec(t, "PRAGMA synchronous = OFF",
	    "setting synchronous") != 0 ||
	    trace_exec(t, "BEGIN", "starting a transaction") != 0)
		goto fail;
	if (trace_exec(t, trace_schema_sql, "creating the schema") != 0 ||
	    trace_exec(t, "COMMIT", "committing the schema") != 0)
		goto fail;
	t->digest = t->cdigest = DIGEST_SEED;
	{
		static const char row[] = "(?,?,?,?,?,?,?,?,?,?,?,?)";
		static const char head[] = "INSERT INTO event (seq, cycle, cpu, "
		    "pid, tid, kind, type, va, pa, pc, detail, region) VALUES ";
		char sql[sizeof(head) + TRACE_EVENT_ROWS * sizeof(row)];
		size_t used = sizeof(head) - 1;

		memcpy(sql, head, used);
		for (int r = 0; r < TRACE_EVENT_ROWS; r++) {
			if (r)
				sql[used++] = ',';
			memcpy(sql + used, row, sizeof(row) - 1);
			used += sizeof(row) - 1;
		}
		sql[used] = '\0';
		if (trace_prepare(t, &t->st_events, sql) != 0)
			goto fail;
	}
	if (trace_prepare(t, &t->st_event, "INSERT INTO event (seq, cycle, "
	    "cpu, pid, tid, kind, type, va, pa, pc, detail, region) VALUES "
	    "(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)") != 0 ||
	    trace_prepare(t, &t->st_counter, "INSERT INTO counter (cycle, "
	    "final, scope, scope_id, name, value) VALUES "
	    "(?, ?, ?, ?, ?, ?)") != 0 ||
	    trace_prepare(t, &t->st_input, "INSERT INTO input (role, name, "
	    "sha256) VALUES (?, ?, ?)") != 0 ||
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
	if (trace_row_step(t, t->st_blob, "writing a blob") != 0)
		return (TRACE_ERR);
	rc = bind_text(t->st_input, 1, role) | bind_text(t->st_input, 2, name) |
	    bind_text(t->st_input, 3, hex);
	if (rc != SQLITE_OK)
		return (trace_fail(t, "binding an input"));
	return (trace_row_step(t, t->st_input, "writing an input"));
}

/* Bind buffered row r to the 12 parameters from base + 1. */
static int
trace_bind_event(sqlite3_stmt *st, int base, const struct trace_evrow *r)
{
	const struct event *ev = &r->ev;
	int rc;

	/* Every column is bound each time, so no clear_bindings. */
	rc = bind_u64(st, base + 1, ev->seq) | bind_u64(st, base + 2, ev->cycle) |
	    sqlite3_bind_int(st, base + 3, ev->cpu) |
	    sqlite3_bind_int(st, base + 4, ev->pid) |
	    sqlite3_bind_int(st, base + 5, ev->tid) |
	    sqlite3_bind_text(st, base + 6, ev_kind_name(ev->kind), -1,
	    SQLITE_STATIC) |
	    bind_text(st, base + 7, ev->type) |
	    bind_u64(st, base + 8, ev->va) | bind_u64(st, base + 9, ev->pa) |
	    bind_u64(st, base + 10, ev->pc);
	if (r->dlen == 0)
		rc |= sqlite3_bind_null(st, base + 11);
	else
		rc |= sqlite3_bind_text(st, base + 11, ev->detail, (int)r->dlen,
		    SQLITE_STATIC);
	if (r->rlen == 0)
		rc |= sqlite3_bind_null(st, base + 12);
	else
		rc |= sqlite3_bind_text(st, base + 12, r->region, (int)r->rlen,
		    SQLITE_STATIC);
	return (rc);
}

/* Run st (bound) once; 0 or the sticky error. */
static int
trace_step_event(struct trace *t, sqlite3_stmt *st)
{
	int rc = sqlite3_step(st);

	if (rc != SQLITE_DONE) {
		trace_fail(t, "writing an event");
		(void)sqlite3_reset(st);
		return (TRACE_ERR);
	}
	if (sqlite3_reset(st) != SQLITE_OK)
		return (trace_fail(t, "writing an event"));
	return (0);
}

/*
 * Write the buffered events (inside the open transaction): a full buffer
 * with one multi-row INSERT, a partial one row by row.
 */
static int
trace_events_flush(struct trace *t)
{
	int n = t->nevbuf;

	if (n == 0)
		return (0);
	t->nevbuf = 0;
	if (t->failed != 0)
		return (t->failed);
	if (n == TRACE_EVENT_ROWS) {
		int rc = 0;

		for (int r = 0; r < n; r++)
			rc |= trace_bind_event(t->st_events, r * 12, &t->evbuf[r]);
		if (rc != SQLITE_OK)
			return (trace_fail(t, "binding events"));
		if (trace_step_event(t, t->st_events) != 0)
			return (TRACE_ERR);
	} else {
		for (int r = 0; r < n; r++) {
			if (trace_bind_event(t->st_event, 0, &t->evbuf[r]) !=
			    SQLITE_OK)
				return (trace_fail(t, "binding an event"));
			if (trace_step_event(t, t->st_event) != 0)
				return (TRACE_ERR);
		}
	}
	t->pending += (unsigned)n;
	return (0);
}

int
trace_event(struct trace *t, const struct event *ev)
{
	struct trace_evrow *r;
	const char *kind = ev_kind_name(ev->kind);
	uint64_t h;

	if (trace_row_begin(t) != 0)
		return (TRACE_ERR);
	/* Buffered rows meet the UNIQUE constraint on seq only later, so
	 * the order is checked here (seqs come from a counter). */
	if (t->have_seq && ev->seq <= t->last_seq) {
		(void)trace_events_flush(t);	/* keep the good rows */
		if (t->failed == 0) {
			snprintf(t->errmsg, sizeof(t->errmsg), "trace: writing an "
			    "event: seq %llu after %llu (UNIQUE constraint on "
			    "event.seq: seqs must increase)",
			    (unsigned long long)ev->seq,
			    (unsigned long long)t->last_seq);
			t->failed = TRACE_ERR;
		}
		return (TRACE_ERR);
	}
	t->have_seq = true;
	t->last_seq = ev->seq;
	r = &t->evbuf[t->nevbuf++];
	r->ev = *ev;
	r->dlen = strnlen(ev->detail, sizeof(ev->detail));
	r->rlen = 0;
	if (t->region != NULL) {
		r->region[0] = '\0';
		t->region(t->region_arg, ev, r->region, sizeof(r->region));
		r->rlen = strnlen(r->region, sizeof(r->region));
	}
	h = t->digest;
	h = digest_u64(h, ev->seq);
	h = digest_u64(h, ev->cycle);
	h = digest_u64(h, (uint64_t)(int64_t)ev->cpu);
	h = digest_u64(h, (uint64_t)(int64_t)ev->pid);
	h = digest_u64(h, (uint64_t)(int64_t)ev->tid);
	h = digest_text(h, kind, strlen(kind));
	h = digest_text(h, ev->type, ev->type != NULL ? strlen(ev->type) : 0);
	h = digest_u64(h, ev->va);
	h = digest_u64(h, ev->pa);
	h = digest_u64(h, ev->pc);
	h = digest_text(h, r->dlen ? ev->detail : NULL, r->dlen);
	h = digest_text(h, r->rlen ? r->region : NULL, r->rlen);
	t->digest = h;
	t->nevents++;
	if (t->nevbuf < TRACE_EVENT_ROWS)
		return (0);
	if (trace_events_flush(t) != 0)
		return (TRACE_ERR);
	if (t->pending >= TRACE_BATCH)
		return (trace_commit(t));
	return (0);
}

void
trace_set_region_fn(struct trace *t, void (*fn)(void *arg,
    const struct event *ev, char *buf, size_t len), void *arg)
{
	t->region = fn;
	t->region_arg = arg;
}

int
trace_counter(struct trace *t, uint64_t cycle, const char *scope,
    int64_t scope_id, const char *name, uint64_t value)
{
	return (trace_counter_row(t, cycle, false, scope, scope_id, name,
	    value));
}

int
trace_counter_row(struct trace *t, uint64_t cycle, bool final,
    const char *scope, int64_t scope_id, const char *name, uint64_t value)
{
	sqlite3_stmt *st = t->st_counter;
	int rc;

	if (trace_row_begin(t) != 0)
		return (TRACE_ERR);
	rc = bind_u64(st, 1, cycle) | sqlite3_bind_int(st, 2, final) |
	    bind_text(st, 3, scope) | sqlite3_bind_int64(st, 4, scope_id) |
	    bind_text(st, 5, name) | bind_u64(st, 6, value);
	if (rc != SQLITE_OK)
		return (trace_fail(t, "binding a counter"));
	/* Folded in before the write: a failed write loses the digest. */
	t->cdigest = digest_u64(t->cdigest, cycle);
	t->cdigest = digest_u64(t->cdigest, final);
	t->cdigest = digest_text(t->cdigest, scope, scope ? strlen(scope) : 0);
	t->cdigest = digest_u64(t->cdigest, (uint64_t)scope_id);
	t->cdigest = digest_text(t->cdigest, name, name ? strlen(name) : 0);
	t->cdigest = digest_u64(t->cdigest, value);
	return (trace_row_step(t, st, "writing a counter"));
}

int
trace_set_sampling(struct trace *t, uint64_t every_cycles)
{
	sqlite3_stmt *st;
	int rc;

	if (t->failed != 0)
		return (t->failed);
	if (sqlite3_prepare_v2(t->db, "UPDATE run SET sample_cycles = ? "
	    "WHERE id = 1", -1, &st, NULL) != SQLITE_OK)
		return (trace_fail(t, "preparing the sample period"));
	rc = bind_u64(st, 1, every_cycles);
	if (rc != SQLITE_OK || sqlite3_step(st) != SQLITE_DONE) {
		trace_fail(t, "writing the sample period");
		sqlite3_finalize(st);
		return (TRACE_ERR);
	}
	if (sqlite3_finalize(st) != SQLITE_OK)
		return (trace_fail(t, "writing the sample period"));
	return (0);
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
	char digest[17], cdigest[17];
	int rc;

	if (trace_commit(t) != 0)
		return (TRACE_ERR);
	snprintf(digest, sizeof(digest), "%016llx",
	    (unsigned long long)t->digest);
	snprintf(cdigest, sizeof(cdigest), "%016llx",
	    (unsigned long long)t->cdigest);
	if (sqlite3_prepare_v2(t->db, "UPDATE run SET status = ?, "
	    "status_detail = ?, exit_status = ?, totals = ?, events = ?, "
	    "digest = ?, counter_digest = ? WHERE id = 1", -1, &st, NULL) !=
	    SQLITE_OK)
		return (trace_fail(t, "preparing the run status"));
	rc = bind_text(st, 1, status) | bind_text(st, 2, detail) |
	    bind_status(st, 3, exit_status) | bind_text(st, 4, totals_json);
	if (t->digest_lost)
		rc |= sqlite3_bind_null(st, 5) | sqlite3_bind_null(st, 6) |
		    sqlite3_bind_null(st, 7);
	else
		rc |= bind_u64(st, 5, t->nevents) | bind_text(st, 6, digest) |
		    bind_text(st, 7, cdigest);
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
		t->digest_lost = true;
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

/* ---- reading: trace_read_open ---- */

/* The message for an SQLite error met while checking path's contents. */
static int
read_fail(sqlite3 *db, int rc, const char *path, const char *what,
    char *err, size_t errlen)
{
	int code = rc & 0xff;

	if (code == SQLITE_CORRUPT || code == SQLITE_NOTADB ||
	    code == SQLITE_ERROR || code == SQLITE_MISMATCH ||
	    code == SQLITE_RANGE) {
		/* A missing table or column is damage too: ours have them. */
		msg_set(err, errlen, "%s: trace file is damaged or truncated "
		    "(%s: %s)", path, what, sqlite3_errmsg(db));
		return (TRACE_ECORRUPT);
	}
	msg_set(err, errlen, "%s: cannot read trace (%s: %s)", path, what,
	    sqlite3_errmsg(db));
	return (TRACE_ERR);
}

/* PRAGMA quick_check: the b-trees, their pages and records are sound. */
static int
read_quick_check(sqlite3 *db, const char *path, char *err, size_t errlen)
{
	sqlite3_stmt *st;
	const unsigned char *res;
	int rc;

	rc = sqlite3_prepare_v2(db, "PRAGMA quick_check(1)", -1, &st, NULL);
	if (rc != SQLITE_OK)
		return (read_fail(db, rc, path, "quick_check", err, errlen));
	rc = sqlite3_step(st);
	if (rc != SQLITE_ROW) {
		rc = read_fail(db, rc, path, "quick_check", err, errlen);
		sqlite3_finalize(st);
		return (rc);
	}
	res = sqlite3_column_text(st, 0);
	if (res == NULL || strcmp((const char *)res, "ok") != 0) {
		const char *what = res != NULL ? (const char *)res : "?";

		/* "*** in database main ***\nPage 7: ...": the second line. */
		if (strncmp(what, "*** ", 4) == 0 && strchr(what, '\n') != NULL)
			what = strchr(what, '\n') + 1;
		msg_set(err, errlen, "%s: trace file is damaged or truncated "
		    "(%.*s)", path, (int)strcspn(what, "\n"), what);
		sqlite3_finalize(st);
		return (TRACE_ECORRUPT);
	}
	sqlite3_finalize(st);
	return (TRACE_OK);
}

/* Every blob's content has the SHA-256 it is stored under, and every
 * input names a stored blob. */
static int
read_check_blobs(sqlite3 *db, const char *path, char *err, size_t errlen)
{
	sqlite3_stmt *st;
	char hex[SHA256_HEX];
	int rc;

	rc = sqlite3_prepare_v2(db, "SELECT sha256, role, name, size, data "
	    "FROM blob", -1, &st, NULL);
	if (rc != SQLITE_OK)
		return (read_fail(db, rc, path, "blobs", err, errlen));
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		const char *key = (const char *)sqlite3_column_text(st, 0);
		const char *name = (const char *)sqlite3_column_text(st, 2);
		const void *data = sqlite3_column_blob(st, 4);
		int len = sqlite3_column_bytes(st, 4);

		sha256_hex(data != NULL ? data : "", (size_t)len, hex);
		if (key == NULL || strcmp(key, hex) != 0 ||
		    sqlite3_column_int64(st, 3) != len) {
			msg_set(err, errlen, "%s: the stored %s %s does not "
			    "match its SHA-256 (stored %.16s..., content "
			    "%.16s...): the trace was damaged or altered",
			    path, (const char *)sqlite3_column_text(st, 1),
			    name != NULL ? name : "(unnamed)",
			    key != NULL ? key : "NULL", hex);
			sqlite3_finalize(st);
			return (TRACE_ECORRUPT);
		}
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE)
		return (read_fail(db, rc, path, "blobs", err, errlen));
	rc = sqlite3_prepare_v2(db, "SELECT count(*) FROM input WHERE sha256 "
	    "NOT IN (SELECT sha256 FROM blob)", -1, &st, NULL);
	if (rc != SQLITE_OK)
		return (read_fail(db, rc, path, "inputs", err, errlen));
	rc = sqlite3_step(st);
	if (rc != SQLITE_ROW) {
		rc = read_fail(db, rc, path, "inputs", err, errlen);
		sqlite3_finalize(st);
		return (rc);
	}
	if (sqlite3_column_int64(st, 0) != 0) {
		msg_set(err, errlen, "%s: damaged trace: %lld inputs name no "
		    "stored blob", path, sqlite3_column_int64(st, 0));
		sqlite3_finalize(st);
		return (TRACE_ECORRUPT);
	}
	sqlite3_finalize(st);
	return (TRACE_OK);
}

static uint64_t
digest_column(uint64_t h, sqlite3_stmt *st, int col, bool text)
{
	if (sqlite3_column_type(st, col) == SQLITE_NULL)
		return (digest_u64(h, DIGEST_NULL));
	if (text)
		return (digest_text(h, (const char *)sqlite3_column_text(st,
		    col), (size_t)sqlite3_column_bytes(st, col)));
	return (digest_u64(h, (uint64_t)sqlite3_column_int64(st, col)));
}

/* The event rows hash to run.digest and there are run.events of them. */
static int
read_check_events(sqlite3 *db, const char *path, char *err, size_t errlen)
{
	static const bool is_text[12] = { [5] = true, [6] = true,
	    [10] = true, [11] = true };
	sqlite3_stmt *st;
	const char *want;
	char got[17], cwant[17], hex[17];
	uint64_t h = DIGEST_SEED, n = 0;
	int64_t nwant;
	int rc;

	rc = sqlite3_prepare_v2(db, "SELECT events, digest, counter_digest FROM "
	    "run", -1, &st, NULL);
	if (rc != SQLITE_OK || (rc = sqlite3_step(st)) != SQLITE_ROW) {
		rc = read_fail(db, rc, path, "run", err, errlen);
		sqlite3_finalize(st);
		return (rc);
	}
	if (sqlite3_column_type(st, 1) == SQLITE_NULL) {
		/* A run whose trace writes failed: nothing to check. */
		sqlite3_finalize(st);
		return (TRACE_OK);
	}
	nwant = sqlite3_column_int64(st, 0);
	want = (const char *)sqlite3_column_text(st, 1);
	snprintf(got, sizeof(got), "%s", want != NULL ? want : "");
	want = (const char *)sqlite3_column_text(st, 2);
	snprintf(cwant, sizeof(cwant), "%s", want != NULL ? want : "");
	sqlite3_finalize(st);
	want = got;
	rc = sqlite3_prepare_v2(db, "SELECT seq, cycle, cpu, pid, tid, kind, "
	    "type, va, pa, pc, detail, region FROM event ORDER BY seq", -1,
	    &st, NULL);
	if (rc != SQLITE_OK)
		return (read_fail(db, rc, path, "events", err, errlen));
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		for (int c = 0; c < 12; c++)
			h = digest_column(h, st, c, is_text[c]);
		n++;
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE)
		return (read_fail(db, rc, path, "events", err, errlen));
	snprintf(hex, sizeof(hex), "%016llx", (unsigned long long)h);
	if ((int64_t)n != nwant || strcmp(hex, want) != 0) {
		msg_set(err, errlen, "%s: damaged trace: the %llu event rows "
		    "(run says %lld) do not match the run's digest", path,
		    (unsigned long long)n, (long long)nwant);
		return (TRACE_ECORRUPT);
	}
	rc = sqlite3_prepare_v2(db, "SELECT cycle, final, scope, scope_id, name, "
	    "value FROM counter ORDER BY id", -1, &st, NULL);
	if (rc != SQLITE_OK)
		return (read_fail(db, rc, path, "counters", err, errlen));
	h = DIGEST_SEED;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW)
		for (int c = 0; c < 6; c++)
			h = digest_column(h, st, c, c == 2 || c == 4);
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE)
		return (read_fail(db, rc, path, "counters", err, errlen));
	snprintf(hex, sizeof(hex), "%016llx", (unsigned long long)h);
	if (strcmp(hex, cwant) != 0) {
		msg_set(err, errlen, "%s: damaged trace: the counter rows do "
		    "not match the run's counter digest", path);
		return (TRACE_ECORRUPT);
	}
	return (TRACE_OK);
}

int
trace_read_open(const char *path, unsigned flags, struct sqlite3 **dbp,
    char *err, size_t errlen)
{
	sqlite3 *db = NULL;
	int rv, rc;

	*dbp = NULL;
	rv = trace_check_file(path, err, errlen);
	if (rv != TRACE_OK && !(rv == TRACE_EFAILED &&
	    (flags & TRACE_READ_FAILED_OK)))
		return (rv);
	rc = sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL);
	if (rc != SQLITE_OK) {
		msg_set(err, errlen, "%s: cannot open trace: %s", path,
		    db != NULL ? sqlite3_errmsg(db) : sqlite3_errstr(rc));
		sqlite3_close(db);
		return (TRACE_ERR);
	}
	if ((rc = read_quick_check(db, path, err, errlen)) != TRACE_OK ||
	    ((flags & TRACE_READ_NO_VERIFY) == 0 &&
	    ((rc = read_check_blobs(db, path, err, errlen)) != TRACE_OK ||
	    (rc = read_check_events(db, path, err, errlen)) != TRACE_OK))) {
		sqlite3_close(db);
		return (rc);
	}
	*dbp = db;
	return (rv);
}
