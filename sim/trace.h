/*
 * sim/trace.h — the trace store: one SQLite file per run holding the run
 * record, every input (blob), every event, counter samples and the
 * process table.  The format is traces/schema.sql (schema version 1,
 * PRAGMA user_version), marked as ours by PRAGMA application_id.
 *
 * Writing is append-only and batched: rows go through prepared statements
 * inside a transaction committed every TRACE_BATCH rows and at
 * trace_finish().  A trace whose run.status is not 'complete' did not
 * finish normally, and trace_check_file() says so.  Reading goes through
 * trace_read_open(), which also checks the contents (docs/trace.md).
 *
 * Errors: every function returns 0, or a negative value with a message
 * (trace_errmsg() while the trace is open; err/errlen for trace_open,
 * trace_finish and trace_check_file).  Nothing here prints.  The first
 * write error is sticky: later writes fail at once with the same message,
 * and trace_finish() records the run as 'failed'.
 */
#ifndef SIM_TRACE_H
#define SIM_TRACE_H

#include "sim/base/event.h"
#include "sim/sha256.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct sqlite3;

#define TRACE_APPLICATION_ID	0x766d7331	/* 'vms1' */
#define TRACE_SCHEMA_VERSION	1		/* PRAGMA user_version */
#define TRACE_BATCH		10000		/* rows per transaction */
#define TRACE_EVENT_ROWS	32		/* events per INSERT statement */
#define TRACE_NO_STATUS		INT64_MIN	/* exit status not known */

/* trace_check_file() results (and trace_* failures: TRACE_ERR). */
#define TRACE_OK		0
#define TRACE_ERR		(-1)	/* cannot open, I/O or SQLite error */
#define TRACE_ENOTDB		(-2)	/* not an SQLite database */
#define TRACE_EFOREIGN		(-3)	/* SQLite, but not a vmsim trace */
#define TRACE_ENEWER		(-4)	/* schema newer than this build */
#define TRACE_ECORRUPT		(-5)	/* damaged or truncated */
#define TRACE_EINCOMPLETE	(-6)	/* run never finished ('running') */
#define TRACE_EFAILED		(-7)	/* finished, but the run failed */

enum trace_status {
	TRACE_COMPLETE,		/* the run ended normally */
	TRACE_FAILED,		/* the run stopped on an error */
};

struct trace;

/* The schema text executed by trace_open(); traces/schema.sql is a copy. */
extern const char trace_schema_sql[];

/*
 * trace_open: create a new trace at path, replacing any file (and stale
 * -journal/-wal/-shm companions) already there, and write the schema.
 * Returns 0 with *tp set, or TRACE_ERR with a message in err.
 */
int trace_open(struct trace **tp, const char *path, char *err,
    size_t errlen);

/* The message of the last failure on t ("" when none). */
const char *trace_errmsg(const struct trace *t);

/*
 * trace_set_run: insert the run row with status 'running' and commit it,
 * so an interrupted run leaves a trace that says so.  config_json and
 * cmdline_json must be valid JSON (object / array of strings) or NULL.
 * Call once, before the other writers.
 */
int trace_set_run(struct trace *t, const char *tool_version,
    const char *arch, uint64_t seed, const char *config_json,
    const char *cmdline_json);

/*
 * trace_add_blob: store an input by content.  role says what it is
 * ("binary", "file", "scenario"), name where it came from.  Content
 * already stored is not stored again (the first role/name stay).  If
 * sha_out is not NULL it receives the lowercase hex SHA-256 key.
 */
int trace_add_blob(struct trace *t, const char *role, const char *name,
    const void *data, size_t len, char sha_out[SHA256_HEX]);

/*
 * trace_event: append one event (seqs must increase within the run), with
 * its region label from the function set by trace_set_region_fn, and fold
 * it into the run's event digest.  Events are buffered and written
 * TRACE_EVENT_ROWS at a time (at the latest when the batch commits or
 * the trace finishes), so an SQLite error in writing one is reported by
 * a later call or by trace_finish(); a seq out of order fails at once.
 */
int trace_event(struct trace *t, const struct event *ev);

/* Longest region label (with its NUL). */
#define TRACE_REGION_MAX	128

/*
 * trace_set_region_fn: fn labels the mapping an event's va falls in (see
 * the event table in traces/schema.sql), writing "" when there is none.
 * It is called for every event from then on.
 */
void trace_set_region_fn(struct trace *t, void (*fn)(void *arg,
    const struct event *ev, char *buf, size_t len), void *arg);

/* trace_set_sampling: record the counter sample period (run.sample_cycles). */
int trace_set_sampling(struct trace *t, uint64_t every_cycles);

/* trace_counter: append one counter sample; scope is "machine", "cpu" or
 * "process", scope_id the CPU number or pid. */
int trace_counter(struct trace *t, uint64_t cycle, const char *scope,
    int64_t scope_id, const char *name, uint64_t value);
/* The same, marked as a final total (final) or a periodic sample. */
int trace_counter_row(struct trace *t, uint64_t cycle, bool final,
    const char *scope, int64_t scope_id, const char *name, uint64_t value);

/*
 * trace_process: record a process (or update it: a second call with the
 * same pid replaces the row, e.g. to add the exit status).  argv_json is
 * a JSON array or NULL; exit_status is TRACE_NO_STATUS while running.
 */
int trace_process(struct trace *t, int32_t pid, int32_t ppid,
    const char *program, const char *argv_json, int64_t exit_status);

/*
 * trace_finish: set run.status (and its detail, the exit status or
 * TRACE_NO_STATUS, the totals JSON or NULL), commit everything and close
 * the file.  t is freed whatever happens.  If an earlier write failed the
 * run is recorded as 'failed' with that message, and TRACE_ERR is
 * returned with the message in err; likewise if this final write fails.
 */
int trace_finish(struct trace *t, enum trace_status status,
    const char *detail, int64_t exit_status, const char *totals_json,
    char *err, size_t errlen);

/*
 * trace_check_file: open path read-only and check that it is a finished
 * vmsim trace this build can read.  Returns TRACE_OK, or one of
 * TRACE_ERR / ENOTDB / EFOREIGN / ENEWER / ECORRUPT / EINCOMPLETE /
 * EFAILED with a message naming the file and what is wrong.
 */
int trace_check_file(const char *path, char *err, size_t errlen);

/* trace_read_open() flags. */
#define TRACE_READ_FAILED_OK	0x1	/* accept a run that failed */
#define TRACE_READ_NO_VERIFY	0x2	/* skip the blob and event checks */

/*
 * trace_read_open: trace_check_file(), then open path read-only and check
 * its contents: PRAGMA quick_check; unless TRACE_READ_NO_VERIFY, the
 * SHA-256 of every blob and the event rows against run.events and
 * run.digest.  Returns TRACE_OK (or TRACE_EFAILED for a failed run when
 * TRACE_READ_FAILED_OK) with *dbp open, which the caller closes with
 * sqlite3_close; else one of the trace_check_file() codes with a message
 * and *dbp NULL.
 */
int trace_read_open(const char *path, unsigned flags, struct sqlite3 **dbp,
    char *err, size_t errlen);

/* The event_sink adapter: ctx is the struct trace.  Write errors are
 * kept (sticky) and reported by trace_finish(). */
void trace_sink_emit(void *t, const struct event *ev);
/* A sink for event_sink_add() that records into t. */
struct event_sink trace_event_sink(struct trace *t);

#endif
