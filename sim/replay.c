/*
 * sim/replay.c — `vmsim replay T.db`: rebuild the machine from the trace
 * alone and run it again (DESIGN.md section 7).
 *
 * Everything comes from the trace: the configuration and cost table from
 * run.config (parsed with SQLite's JSON functions, then turned back into
 * JSON with machine_config_json and required to be identical, so a
 * setting this build cannot apply is an error, not a silent change), the
 * program and its argv from the process table and the binary blob, and
 * every file the guest reads from the file blobs (the VFS provider hook:
 * the host root is never looked at).
 *
 * Verifying: a sink compares every event, as the machine produces it,
 * with the stored row of the same seq; the sampler compares the periodic
 * counter samples; at the end the final counters, the totals, the exit
 * status and the run status are compared.  The first difference is a
 * divergence: its seq, the expected and actual rows, the disassembly
 * around the PC; exit 1.  --until SEQ stops at that event and prints the
 * machine's state there (vm_map, TLB, page tables around the VA).
 *
 * What-if (--set KEY=VALUE, --trace OUT): the same inputs under a changed
 * configuration, recorded as a new trace instead of verified.
 *
 * A trace of `vmsim run SCRIPT.lua` (it has a "scenario" input) is
 * replayed by running the stored script again (scenario_replay, sim/lua.c)
 * with the script arguments of the stored command line: its first machine
 * is checked against the trace's configuration and verified as above;
 * its programs and modules come from the trace.
 */
#include "sim/tools.h"
#include "sim/kern/kern.h"
#include "sim/lua.h"
#include "sim/trace.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <sqlite3.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define REPLAY_MAX_SETS	32
#define REPLAY_NFIELDS	12

/* What the trace's run row says. */
struct replay_run {
	enum sim_arch arch;
	char *config;			/* JSON */
	uint64_t sample_cycles;
	bool complete;
	char *status_detail;
	int64_t exit_status;		/* TRACE_NO_STATUS when NULL */
	char *totals;			/* JSON or NULL */
	int pid;			/* the first process */
	char *program;
	int argc;
	char **argv;
	uint8_t *image;
	size_t len;
	bool scenario;			/* a `vmsim run` trace */
};

struct replay {
	sqlite3 *db;
	const char *path;
	struct machine *m;
	FILE *out;			/* the report (the real stdout) */
	struct code_map cm;
	bool have_cm;
	sqlite3_stmt *ev;		/* stored events, by seq */
	sqlite3_stmt *samples;		/* stored periodic samples, by id */
	sqlite3_stmt *finals;		/* stored final counters, by id */
	uint64_t nevents;		/* identical so far */
	bool diverged;			/* a difference was reported */
	bool stopped;			/* the sink stopped the machine */
	bool have_until;
	uint64_t until;
	bool until_hit;
	int err;			/* a read error met in a callback: 2 */
};

static void
replay_run_free(struct replay_run *r)
{
	free(r->config);
	free(r->status_detail);
	free(r->totals);
	free(r->program);
	for (int i = 0; i < r->argc; i++)
		free(r->argv[i]);
	free(r->argv);
	free(r->image);
}

static char *
dup_col(sqlite3_stmt *st, int i)
{
	const unsigned char *s = sqlite3_column_text(st, i);

	return s != NULL ? strdup((const char *)s) : NULL;
}

/* ---- the configuration ------------------------------------------------ */

/*
 * Build *cfg from the JSON of machine_config_json, and check that this
 * build writes the same JSON back.  0, or -1 with a message in err.
 */
static int
replay_config(sqlite3 *db, const char *json, enum sim_arch arch,
    struct machine_config *cfg, char *err, size_t errlen)
{
	static const struct {
		const char *key;
		size_t off;
		int size;
	} fields[] = {
		{ "mem_bytes", offsetof(struct machine_config, mem_bytes), 8 },
		{ "seed", offsetof(struct machine_config, seed), 8 },
		{ "cpus", offsetof(struct machine_config, ncpus), 4 },
		{ "tlb_entries", offsetof(struct machine_config, tlb_entries), 4 },
		{ "tlb_wired", offsetof(struct machine_config, tlb_wired), 4 },
		{ "slice_insns", offsetof(struct machine_config, slice_insns), 8 },
		{ "max_insns", offsetof(struct machine_config, max_insns), 8 },
		{ "swap_bytes", offsetof(struct machine_config, swap_bytes), 8 },
		{ "overcommit", offsetof(struct machine_config, overcommit), 4 },
		{ "uid", offsetof(struct machine_config, uid), 4 },
		{ "bugs", offsetof(struct machine_config, bugs), 4 },
		/* memguard.desc is a string: below. */
		{ "memguard.frequency", offsetof(struct machine_config, memguard.frequency), 4 },
		{ "memguard.minsize", offsetof(struct machine_config, memguard.minsize), 8 },
		{ "memguard.options", offsetof(struct machine_config, memguard.options), 4 },
		{ "memguard.divisor", offsetof(struct machine_config, memguard.divisor), 4 },
#define GEOM(n) \
		{ #n ".size_bytes", offsetof(struct machine_config, n.size_bytes), 4 }, \
		{ #n ".assoc", offsetof(struct machine_config, n.assoc), 4 }, \
		{ #n ".line_bytes", offsetof(struct machine_config, n.line_bytes), 4 }, \
		{ #n ".policy", offsetof(struct machine_config, n.policy), 4 }
		GEOM(l1i), GEOM(l1d), GEOM(l2),
#undef GEOM
		{ "l2_shared", offsetof(struct machine_config, l2_shared), 4 },
#define TLBG(n) \
		{ #n ".entries", offsetof(struct machine_config, n.entries), 4 }, \
		{ #n ".ways", offsetof(struct machine_config, n.ways), 4 }
		TLBG(itlb), TLBG(dtlb), TLBG(stlb),
#undef TLBG
	};
	sqlite3_stmt *st;
	char *back;
	int rc, same = 0;

	machine_config_defaults(cfg, arch);
	/* full: the dotted name ("tlb_entries", "cost.syscall"); json_tree
	 * quotes some keys in its paths, so it is built from path and key. */
	rc = sqlite3_prepare_v2(db, "SELECT key, value, type, CASE path WHEN '$' THEN key "
	    "ELSE replace(substr(path, 3), '\"', '') || '.' || key END FROM json_tree(?1) "
	    "WHERE type NOT IN ('object', 'array')", -1, &st, NULL);
	if (rc != SQLITE_OK) {
		snprintf(err, errlen, "reading the configuration: %s", sqlite3_errmsg(db));
		return -1;
	}
	sqlite3_bind_text(st, 1, json, -1, SQLITE_STATIC);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		const char *key = (const char *)sqlite3_column_text(st, 0);
		const char *full = (const char *)sqlite3_column_text(st, 3);
		uint64_t v = (uint64_t)sqlite3_column_int64(st, 1);

		if (key == NULL || full == NULL)
			continue;
		if (strcmp(full, "memguard.desc") == 0) {
			const char *d = (const char *)sqlite3_column_text(st, 1);

			snprintf(cfg->memguard.desc, sizeof(cfg->memguard.desc), "%s",
			    d != NULL ? d : "");
			continue;
		}
		if (strncmp(full, "cost.", 5) == 0) {
			if (v > UINT32_MAX || cost_set(&cfg->cost, key, (uint32_t)v) != 0) {
				snprintf(err, errlen, "the trace's cost %s=%llu is not a "
				    "cost of this build (see `vmsim config`)", key,
				    (unsigned long long)v);
				sqlite3_finalize(st);
				return -1;
			}
			continue;
		}
		for (size_t i = 0; i < nitems(fields); i++) {
			if (strcmp(full, fields[i].key) != 0)
				continue;
			if (fields[i].size == 8)
				memcpy((char *)cfg + fields[i].off, &v, 8);
			else {
				unsigned u = (unsigned)v;

				memcpy((char *)cfg + fields[i].off, &u, sizeof(u));
			}
		}
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE) {
		snprintf(err, errlen, "reading the configuration: %s", sqlite3_errmsg(db));
		return -1;
	}
	back = machine_config_json(cfg);
	if (back == NULL) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	rc = sqlite3_prepare_v2(db, "SELECT json(?1) = json(?2)", -1, &st, NULL);
	if (rc == SQLITE_OK) {
		sqlite3_bind_text(st, 1, json, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 2, back, -1, SQLITE_STATIC);
		if (sqlite3_step(st) == SQLITE_ROW)
			same = sqlite3_column_int(st, 0);
		sqlite3_finalize(st);
	}
	if (!same) {
		snprintf(err, errlen, "this build cannot rebuild the trace's machine: "
		    "its configuration %s reads back as %s", json, back);
		free(back);
		return -1;
	}
	free(back);
	return 0;
}

/*
 * Apply KEY=VALUE to the configuration JSON *json (replaced): KEY is a
 * key of the JSON ("tlb_entries", "cost.refill_insns").  0 or -1.
 */
static int
replay_set(sqlite3 *db, char **json, const char *kv, char *err, size_t errlen)
{
	const char *eq = strchr(kv, '=');
	char jpath[128];
	sqlite3_stmt *st;
	uint64_t v;
	int rc;

	if (eq == NULL || eq == kv || (size_t)(eq - kv) + 3 > sizeof(jpath) ||
	    parse_size(eq + 1, &v) != 0) {
		snprintf(err, errlen, "--set %s: expected KEY=NUMBER (e.g. tlb_entries=16, "
		    "mem_bytes=32M, cost.refill_insns=20)", kv);
		return -1;
	}
	snprintf(jpath, sizeof(jpath), "$.%.*s", (int)(eq - kv), kv);
	rc = sqlite3_prepare_v2(db, "SELECT json_type(?1, ?2), json_set(?1, ?2, ?3), "
	    "(SELECT group_concat(CASE path WHEN '$' THEN key ELSE "
	    "replace(substr(path, 3), '\"', '') || '.' || key END, ', ') FROM json_tree(?1) "
	    "WHERE type NOT IN ('object', 'array') AND key != 'arch')", -1, &st, NULL);
	if (rc != SQLITE_OK) {
		snprintf(err, errlen, "--set: %s", sqlite3_errmsg(db));
		return -1;
	}
	sqlite3_bind_text(st, 1, *json, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, jpath, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 3, (sqlite3_int64)v);
	if (sqlite3_step(st) != SQLITE_ROW) {
		snprintf(err, errlen, "--set %s: %s", kv, sqlite3_errmsg(db));
		sqlite3_finalize(st);
		return -1;
	}
	if (sqlite3_column_type(st, 0) == SQLITE_NULL ||
	    strcmp((const char *)sqlite3_column_text(st, 0), "integer") != 0) {
		snprintf(err, errlen, "--set %s: no such setting (settings: %s)", kv,
		    (const char *)sqlite3_column_text(st, 2));
		sqlite3_finalize(st);
		return -1;
	}
	free(*json);
	*json = dup_col(st, 1);
	sqlite3_finalize(st);
	if (*json == NULL) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	return 0;
}

/* ---- loading the run ------------------------------------------------- */

static int
replay_load(sqlite3 *db, struct replay_run *r, char *err, size_t errlen)
{
	sqlite3_stmt *st;
	int rc;

	memset(r, 0, sizeof(*r));
	r->exit_status = TRACE_NO_STATUS;
	if (sqlite3_prepare_v2(db, "SELECT arch, config, sample_cycles, status, "
	    "status_detail, exit_status, totals FROM run", -1, &st, NULL) != SQLITE_OK ||
	    sqlite3_step(st) != SQLITE_ROW) {
		snprintf(err, errlen, "reading the run: %s", sqlite3_errmsg(db));
		sqlite3_finalize(st);
		return -1;
	}
	if (tool_arch((const char *)sqlite3_column_text(st, 0) ?
	    (const char *)sqlite3_column_text(st, 0) : "", &r->arch) != 0 ||
	    sqlite3_column_type(st, 1) == SQLITE_NULL) {
		snprintf(err, errlen, "the run row has no usable arch or configuration");
		sqlite3_finalize(st);
		return -1;
	}
	r->config = dup_col(st, 1);
	r->sample_cycles = (uint64_t)sqlite3_column_int64(st, 2);
	r->complete = strcmp((const char *)sqlite3_column_text(st, 3), "complete") == 0;
	r->status_detail = dup_col(st, 4);
	if (sqlite3_column_type(st, 5) != SQLITE_NULL)
		r->exit_status = sqlite3_column_int64(st, 5);
	r->totals = dup_col(st, 6);
	sqlite3_finalize(st);

	if (sqlite3_prepare_v2(db, "SELECT count(*) FROM input WHERE role = 'scenario'",
	    -1, &st, NULL) != SQLITE_OK || sqlite3_step(st) != SQLITE_ROW) {
		snprintf(err, errlen, "reading the inputs: %s", sqlite3_errmsg(db));
		sqlite3_finalize(st);
		return -1;
	}
	r->scenario = sqlite3_column_int(st, 0) > 0;
	sqlite3_finalize(st);
	if (r->scenario) {
		/* The program (for disassembly) is the first process's, if any. */
		if (sqlite3_prepare_v2(db, "SELECT program FROM process ORDER BY pid LIMIT 1",
		    -1, &st, NULL) == SQLITE_OK && sqlite3_step(st) == SQLITE_ROW)
			r->program = dup_col(st, 0);
		sqlite3_finalize(st);
		return 0;
	}

	if (sqlite3_prepare_v2(db, "SELECT pid, program, argv FROM process ORDER BY pid "
	    "LIMIT 1", -1, &st, NULL) != SQLITE_OK || sqlite3_step(st) != SQLITE_ROW) {
		snprintf(err, errlen, "the trace has no process: %s", sqlite3_errmsg(db));
		sqlite3_finalize(st);
		return -1;
	}
	r->pid = sqlite3_column_int(st, 0);
	r->program = dup_col(st, 1);
	sqlite3_finalize(st);
	if (r->program == NULL) {
		snprintf(err, errlen, "the first process has no program");
		return -1;
	}

	rc = sqlite3_prepare_v2(db, "SELECT value FROM process, json_each(process.argv) "
	    "WHERE pid = ?1 ORDER BY key", -1, &st, NULL);
	if (rc != SQLITE_OK) {
		snprintf(err, errlen, "reading argv: %s", sqlite3_errmsg(db));
		return -1;
	}
	sqlite3_bind_int(st, 1, r->pid);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		char **nv = realloc(r->argv, (size_t)(r->argc + 2) * sizeof(*nv));

		if (nv == NULL)
			break;
		r->argv = nv;
		r->argv[r->argc] = dup_col(st, 0);
		if (r->argv[r->argc] == NULL)
			break;
		r->argv[++r->argc] = NULL;
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE || r->argc == 0) {
		snprintf(err, errlen, "the first process has no usable argv");
		return -1;
	}

	if (sqlite3_prepare_v2(db, "SELECT b.data FROM input i JOIN blob b USING (sha256) "
	    "WHERE i.role = 'binary' AND i.name = ?1 ORDER BY i.id LIMIT 1", -1, &st,
	    NULL) != SQLITE_OK) {
		snprintf(err, errlen, "reading the binary: %s", sqlite3_errmsg(db));
		return -1;
	}
	sqlite3_bind_text(st, 1, r->program, -1, SQLITE_STATIC);
	if (sqlite3_step(st) != SQLITE_ROW) {
		snprintf(err, errlen, "the trace holds no binary for %s", r->program);
		sqlite3_finalize(st);
		return -1;
	}
	r->len = (size_t)sqlite3_column_bytes(st, 0);
	r->image = malloc(r->len ? r->len : 1);
	if (r->image != NULL && r->len)
		memcpy(r->image, sqlite3_column_blob(st, 0), r->len);
	sqlite3_finalize(st);
	if (r->image == NULL) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	return 0;
}

/* The VFS provider: guest files from the trace's file blobs. */
static int
replay_fetch(void *arg, const char *path, uint8_t **data, size_t *len)
{
	sqlite3 *db = arg;
	sqlite3_stmt *st;
	int rv = -ENOENT;

	if (sqlite3_prepare_v2(db, "SELECT b.data FROM input i JOIN blob b USING (sha256) "
	    "WHERE i.role = 'file' AND i.name = ?1 ORDER BY i.id LIMIT 1", -1, &st,
	    NULL) != SQLITE_OK)
		return -EIO;
	sqlite3_bind_text(st, 1, path, -1, SQLITE_STATIC);
	if (sqlite3_step(st) == SQLITE_ROW) {
		*len = (size_t)sqlite3_column_bytes(st, 0);
		*data = malloc(*len ? *len : 1);
		if (*data == NULL)
			rv = -ENOMEM;
		else {
			if (*len)
				memcpy(*data, sqlite3_column_blob(st, 0), *len);
			rv = 0;
		}
	}
	sqlite3_finalize(st);
	/* XXX: a path the original run could not open for another reason
	 * (a directory, no permission) is ENOENT here. */
	return rv;
}

/* ---- comparing ---------------------------------------------------------- */

static const char *const field_names[REPLAY_NFIELDS] = {
	"seq", "cycle", "cpu", "pid", "tid", "kind", "type", "va", "pa", "pc",
	"detail", "region",
};

/* An event as REPLAY_NFIELDS strings in f[] (each 128 bytes). */
static void
fields_of_event(const struct event *ev, const char *region, char f[][128])
{
	snprintf(f[0], 128, "%" PRIu64, ev->seq);
	snprintf(f[1], 128, "%" PRIu64, ev->cycle);
	snprintf(f[2], 128, "%d", ev->cpu);
	snprintf(f[3], 128, "%d", ev->pid);
	snprintf(f[4], 128, "%d", ev->tid);
	snprintf(f[5], 128, "%s", ev_kind_name(ev->kind));
	snprintf(f[6], 128, "%s", ev->type != NULL ? ev->type : "-");
	snprintf(f[7], 128, "%#" PRIx64, ev->va);
	snprintf(f[8], 128, "%#" PRIx64, ev->pa);
	snprintf(f[9], 128, "%#" PRIx64, ev->pc);
	snprintf(f[10], 128, "%.*s", EV_DETAIL_MAX, ev->detail[0] ? ev->detail : "-");
	snprintf(f[11], 128, "%s", region[0] ? region : "-");
}

static void
fields_of_row(sqlite3_stmt *st, char f[][128])
{
	for (int i = 0; i < REPLAY_NFIELDS; i++) {
		const unsigned char *s = sqlite3_column_text(st, i);

		if (i == 7 || i == 8 || i == 9)
			snprintf(f[i], 128, "%#" PRIx64, (uint64_t)sqlite3_column_int64(st, i));
		else if (i <= 1)
			snprintf(f[i], 128, "%" PRIu64, (uint64_t)sqlite3_column_int64(st, i));
		else
			snprintf(f[i], 128, "%s", s != NULL ? (const char *)s : "-");
	}
}

static void
print_fields(FILE *f, const char *label, char fl[][128])
{
	fprintf(f, "  %s", label);
	for (int i = 0; i < REPLAY_NFIELDS; i++)
		fprintf(f, " %s=%s", field_names[i], fl[i]);
	fprintf(f, "\n");
}

static void
replay_code(struct replay *r, uint64_t pc, const char *which)
{
	if (!r->have_cm || pc == 0)
		return;
	fprintf(r->out, "  code around the %s pc %#" PRIx64 " (%s):\n", which, pc,
	    r->cm.program);
	code_map_print_around(&r->cm, pc, 4, 3, "    ", r->out);
}

static void
replay_diverge(struct replay *r, uint64_t seq, char exp[][128], char act[][128],
    bool have_exp, bool have_act, uint64_t exp_pc, uint64_t act_pc)
{
	fprintf(r->out, "replay: divergence at event seq %" PRIu64 " (%" PRIu64
	    " events identical before it)\n", seq, r->nevents);
	if (have_exp)
		print_fields(r->out, "expected:", exp);
	else
		fprintf(r->out, "  expected: (the trace has no more events)\n");
	if (have_act)
		print_fields(r->out, "actual:  ", act);
	else
		fprintf(r->out, "  actual:   (the run ended)\n");
	if (have_exp && have_act) {
		fprintf(r->out, "  differs in:");
		for (int i = 0; i < REPLAY_NFIELDS; i++)
			if (strcmp(exp[i], act[i]) != 0)
				fprintf(r->out, " %s", field_names[i]);
		fprintf(r->out, "\n");
	}
	if (have_act)
		replay_code(r, act_pc, "actual");
	if (have_exp && (!have_act || exp_pc != act_pc))
		replay_code(r, exp_pc, "expected");
	r->diverged = true;
}

/* The state at event ev: the --until report. */
static void
replay_state(struct replay *r, const struct event *ev, char act[][128])
{
	fprintf(r->out, "replay: stopped at event seq %" PRIu64 " (identical to the trace "
	    "up to here)\n", ev->seq);
	print_fields(r->out, "event:", act);
	replay_code(r, ev->pc, "event's");
	if (machine_describe_map(r->m, ev->pid, r->out) != 0)
		fprintf(r->out, "vm_map: no process %d at this event\n", ev->pid);
	if (machine_describe_tlb(r->m, ev->cpu, r->out) != 0)
		fprintf(r->out, "TLB: no cpu %d\n", ev->cpu);
	if (machine_describe_ptes(r->m, ev->pid, ev->va, 4, r->out) != 0)
		fprintf(r->out, "page tables: no process %d at this event\n", ev->pid);
	fflush(r->out);
}

static void
replay_sink(void *arg, const struct event *ev)
{
	struct replay *r = arg;
	char act[REPLAY_NFIELDS][128], exp[REPLAY_NFIELDS][128];
	char region[MACHINE_REGION_MAX];
	bool have_exp;
	int rc;

	if (r->diverged || r->stopped)
		return;
	run_region_label(r->m, ev, region, sizeof(region));
	fields_of_event(ev, region, act);
	rc = sqlite3_step(r->ev);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE) {
		tool_sqlerr(r->db, r->path, "reading events");
		r->err = 2;
		r->stopped = true;
		machine_stop(r->m);
		return;
	}
	have_exp = rc == SQLITE_ROW;
	if (have_exp)
		fields_of_row(r->ev, exp);
	for (int i = 0; i < REPLAY_NFIELDS; i++) {
		if (have_exp && strcmp(exp[i], act[i]) == 0)
			continue;
		replay_diverge(r, ev->seq, exp, act, have_exp, true,
		    have_exp ? (uint64_t)sqlite3_column_int64(r->ev, 9) : 0, ev->pc);
		machine_stop(r->m);
		return;
	}
	r->nevents++;
	if (r->have_until && ev->seq == r->until) {
		r->until_hit = true;
		r->stopped = true;
		replay_state(r, ev, act);
		machine_stop(r->m);
	}
}

/* Compare one counter row with the next stored one of st. */
static void
replay_counter_cmp(struct replay *r, sqlite3_stmt *st, uint64_t cycle, bool final,
    const char *scope, int64_t id, const char *name, uint64_t value)
{
	int rc;

	if (r->diverged || r->stopped)
		return;
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW && (uint64_t)sqlite3_column_int64(st, 0) == cycle &&
	    strcmp((const char *)sqlite3_column_text(st, 1), scope) == 0 &&
	    sqlite3_column_int64(st, 2) == id &&
	    strcmp((const char *)sqlite3_column_text(st, 3), name) == 0 &&
	    (uint64_t)sqlite3_column_int64(st, 4) == value)
		return;
	if (rc != SQLITE_ROW && rc != SQLITE_DONE) {
		tool_sqlerr(r->db, r->path, "reading counters");
		r->err = 2;
		r->stopped = true;
		machine_stop(r->m);
		return;
	}
	fprintf(r->out, "replay: divergence in the %s counters (after %" PRIu64
	    " identical events)\n", final ? "final" : "sampled", r->nevents);
	if (rc == SQLITE_ROW)
		fprintf(r->out, "  expected: cycle=%" PRIu64 " %s %lld %s=%" PRIu64 "\n",
		    (uint64_t)sqlite3_column_int64(st, 0), sqlite3_column_text(st, 1),
		    sqlite3_column_int64(st, 2), sqlite3_column_text(st, 3),
		    (uint64_t)sqlite3_column_int64(st, 4));
	else
		fprintf(r->out, "  expected: (no more %s counter rows in the trace)\n",
		    final ? "final" : "sampled");
	fprintf(r->out, "  actual:   cycle=%" PRIu64 " %s %lld %s=%" PRIu64 "\n", cycle,
	    scope, (long long)id, name, value);
	r->diverged = true;
	machine_stop(r->m);
}

static void
replay_sample_row(void *arg, uint64_t cycle, bool final, const char *scope,
    int64_t id, const char *name, uint64_t value)
{
	struct replay *r = arg;

	replay_counter_cmp(r, final ? r->finals : r->samples, cycle, final, scope, id,
	    name, value);
}

static void
replay_sampler(void *arg, struct machine *m, uint64_t cycle)
{
	run_counters(m, cycle, false, replay_sample_row, arg);
}

/* After the run: nothing stored may be left over, and the ends agree. */
static void
replay_finish(struct replay *r, const struct replay_run *run, int64_t status,
    int runrv, const char *runerr)
{
	uint64_t tot[MACHINE_NCTR];
	char *json;
	int rc;

	if (!r->diverged && !r->stopped) {
		rc = sqlite3_step(r->ev);
		if (rc == SQLITE_ROW) {
			char exp[REPLAY_NFIELDS][128];

			fields_of_row(r->ev, exp);
			replay_diverge(r, (uint64_t)sqlite3_column_int64(r->ev, 0), exp, NULL,
			    true, false, (uint64_t)sqlite3_column_int64(r->ev, 9), 0);
		} else if (rc != SQLITE_DONE) {
			r->err = tool_sqlerr(r->db, r->path, "reading events");
		}
	}
	if (!r->diverged && !r->stopped && r->err == 0) {
		rc = sqlite3_step(r->samples);
		if (rc == SQLITE_ROW) {
			fprintf(r->out, "replay: divergence in the sampled counters: the trace "
			    "has a sample at cycle %" PRIu64 " that the run did not take\n",
			    (uint64_t)sqlite3_column_int64(r->samples, 0));
			r->diverged = true;
		}
	}
	if (r->diverged || r->stopped || r->err != 0)
		return;
	machine_counters(r->m, tot);
	run_counters(r->m, tot[0], true, replay_sample_row, r);
	if (!r->diverged && sqlite3_step(r->finals) == SQLITE_ROW) {
		fprintf(r->out, "replay: divergence in the final counters: the trace has "
		    "more (%s %lld %s)\n", sqlite3_column_text(r->finals, 1),
		    sqlite3_column_int64(r->finals, 2), sqlite3_column_text(r->finals, 3));
		r->diverged = true;
	}
	if (r->diverged)
		return;
	json = machine_counters_json(tot);
	if (json != NULL && (run->totals == NULL || strcmp(json, run->totals) != 0)) {
		fprintf(r->out, "replay: divergence in the totals\n  expected: %s\n"
		    "  actual:   %s\n", run->totals ? run->totals : "(none)", json);
		r->diverged = true;
	}
	free(json);
	if (!r->diverged && run->exit_status != TRACE_NO_STATUS &&
	    run->exit_status != status) {
		fprintf(r->out, "replay: divergence in the exit status: expected %lld, "
		    "actual %lld\n", (long long)run->exit_status, (long long)status);
		r->diverged = true;
	}
	if (!r->diverged && (runrv == 0) != run->complete) {
		fprintf(r->out, "replay: divergence in how the run ended: expected %s%s%s, "
		    "actual %s%s\n", run->complete ? "complete" : "failed: ",
		    run->complete ? "" : run->status_detail ? run->status_detail : "",
		    "", runrv == 0 ? "complete" : "failed: ", runrv == 0 ? "" : runerr);
		r->diverged = true;
	}
}

static int
replay_prepare(struct replay *r)
{
	if (sqlite3_prepare_v2(r->db, "SELECT seq, cycle, cpu, pid, tid, kind, type, va, "
	    "pa, pc, detail, region FROM event ORDER BY seq", -1, &r->ev, NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(r->db, "SELECT cycle, scope, scope_id, name, value FROM "
	    "counter WHERE final = 0 ORDER BY id", -1, &r->samples, NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(r->db, "SELECT cycle, scope, scope_id, name, value FROM "
	    "counter WHERE final = 1 ORDER BY id", -1, &r->finals, NULL) != SQLITE_OK)
		return tool_sqlerr(r->db, r->path, "reading the trace");
	return 0;
}

/* Redirect the guest's stdout (fd 1) to /dev/null; *out = the real one. */
static int
replay_quiet_guest(int *saved, FILE **out)
{
	int null;

	fflush(stdout);
	*saved = dup(1);
	null = open("/dev/null", O_WRONLY | O_CLOEXEC);
	if (*saved < 0 || null < 0 || dup2(null, 1) < 0) {
		if (null >= 0)
			close(null);
		return -1;
	}
	close(null);
	*out = fdopen(dup(*saved), "w");
	return *out != NULL ? 0 : -1;
}

static void
replay_restore_guest(int saved, FILE *out)
{
	fflush(stdout);
	if (out != NULL)
		fclose(out);
	if (saved >= 0) {
		dup2(saved, 1);
		close(saved);
	}
}

static int
replay_verify(struct replay *r, struct replay_run *run, const struct machine_config *cfg,
    bool show_output)
{
	struct event_sink sink = { .emit = replay_sink, .ctx = r };
	struct proc *p = NULL;
	char err[512];
	int saved = -1, runrv = 0, rv;
	FILE *out = NULL;

	if (replay_prepare(r) != 0)
		return 2;
	if (!show_output && replay_quiet_guest(&saved, &out) == 0)
		r->out = out;
	else
		r->out = stdout;
	if (machine_create(&r->m, cfg, err, sizeof(err)) != 0) {
		replay_restore_guest(saved, out);
		fprintf(stderr, "vmsim: %s: %s\n", r->path, err);
		return 2;
	}
	machine_set_file_provider(r->m, replay_fetch, r->db);
	machine_set_sampler(r->m, run->sample_cycles, replay_sampler, r);
	event_sink_add(&sink);
	if (machine_spawn(r->m, run->program, run->image, run->len, run->argc, run->argv,
	    &p, err, sizeof(err)) != 0) {
		event_sinks_clear();
		replay_restore_guest(saved, out);
		fprintf(stderr, "vmsim: %s: replaying: %s\n", r->path, err);
		machine_destroy(r->m);
		return 2;
	}
	if (!r->diverged && !r->stopped)
		runrv = machine_run(r->m, err, sizeof(err));
	if (r->err == 0)
		replay_finish(r, run, machine_exit_status(p), runrv, err);
	event_sinks_clear();
	fflush(r->out);
	replay_restore_guest(saved, out);
	r->out = stdout;
	machine_destroy(r->m);
	r->m = NULL;
	if (r->err != 0)
		return r->err;
	if (r->diverged)
		return 1;
	if (r->have_until) {
		if (r->until_hit)
			return 0;
		fprintf(stderr, "vmsim: %s: --until %" PRIu64 ": the run has only %" PRIu64
		    " events\n", r->path, r->until, r->nevents);
		return 2;
	}
	rv = printf("replay: %" PRIu64 " events identical\n", r->nevents);
	return rv < 0 ? 2 : 0;
}

/* ---- scenarios: a `vmsim run` trace --------------------------------------- */

struct replay_scn {
	struct replay *r;
	struct replay_run *run;
	const struct machine_config *cfg;
	struct event_sink sink;
	bool done;			/* the traced machine was closed */
};

/* The scenario built its first machine: it must be the trace's. */
static int
rs_machine(void *arg, struct machine *m, char *err, size_t errlen)
{
	struct replay_scn *rs = arg;
	struct replay *r = rs->r;
	char *want = machine_config_json(rs->cfg);
	char *got = machine_config_json(machine_config_of(m));
	bool same = want != NULL && got != NULL && strcmp(want, got) == 0;

	if (!same)
		snprintf(err, errlen, "the scenario built a machine %s, the trace's is %s",
		    got != NULL ? got : "?", want != NULL ? want : "?");
	free(want);
	free(got);
	if (!same)
		return -1;
	r->m = m;
	machine_set_file_provider(m, replay_fetch, r->db);
	machine_set_sampler(m, rs->run->sample_cycles, replay_sampler, r);
	rs->sink.emit = replay_sink;
	rs->sink.ctx = r;
	event_sink_add(&rs->sink);
	return 0;
}

/* The nth program the scenario spawned: the nth binary input. */
static int
rs_binary(void *arg, int nth, const char *path, uint8_t **image, size_t *len,
    char *err, size_t errlen)
{
	struct replay_scn *rs = arg;
	sqlite3_stmt *st;
	int rv = -1;

	if (sqlite3_prepare_v2(rs->r->db, "SELECT b.data FROM input i JOIN blob b "
	    "USING (sha256) WHERE i.role = 'binary' ORDER BY i.id LIMIT 1 OFFSET ?1", -1,
	    &st, NULL) != SQLITE_OK) {
		snprintf(err, errlen, "reading the binaries: %s", sqlite3_errmsg(rs->r->db));
		return -1;
	}
	sqlite3_bind_int(st, 1, nth);
	if (sqlite3_step(st) == SQLITE_ROW) {
		*len = (size_t)sqlite3_column_bytes(st, 0);
		*image = malloc(*len ? *len : 1);
		if (*image != NULL) {
			if (*len)
				memcpy(*image, sqlite3_column_blob(st, 0), *len);
			rv = 0;
		} else {
			snprintf(err, errlen, "out of memory");
		}
	} else {
		snprintf(err, errlen, "%s: the trace holds no program for spawn %d", path,
		    nth + 1);
	}
	sqlite3_finalize(st);
	return rv;
}

static int
rs_module(void *arg, const char *name, char **src, size_t *len)
{
	struct replay_scn *rs = arg;
	sqlite3_stmt *st;
	int rv = -1;

	if (sqlite3_prepare_v2(rs->r->db, "SELECT b.data FROM input i JOIN blob b "
	    "USING (sha256) WHERE i.role = 'scenario' AND i.name = 'require:' || ?1 "
	    "ORDER BY i.id LIMIT 1", -1, &st, NULL) != SQLITE_OK)
		return -1;
	sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
	if (sqlite3_step(st) == SQLITE_ROW) {
		*len = (size_t)sqlite3_column_bytes(st, 0);
		*src = malloc(*len ? *len : 1);
		if (*src != NULL) {
			if (*len)
				memcpy(*src, sqlite3_column_blob(st, 0), *len);
			rv = 0;
		}
	}
	sqlite3_finalize(st);
	return rv;
}

static void
rs_done(void *arg, struct machine *m, int64_t first_status, bool failed, const char *err)
{
	struct replay_scn *rs = arg;
	struct replay *r = rs->r;

	(void)m;
	rs->done = true;
	if (r->err == 0)
		replay_finish(r, rs->run, first_status == INT64_MIN ? TRACE_NO_STATUS :
		    first_status, failed ? -1 : 0, err);
	event_sinks_clear();
	r->m = NULL;
}

static bool
rs_stop(void *arg)
{
	struct replay_scn *rs = arg;

	return rs->r->diverged || rs->r->stopped || rs->r->err != 0;
}

/* Run the trace's scenario again and verify its first machine. */
static int
replay_scenario(struct replay *r, struct replay_run *run, const struct machine_config *cfg,
    bool show_output)
{
	struct replay_scn rs;
	struct scenario_replay hooks = {
		.arg = &rs, .machine = rs_machine, .binary = rs_binary, .module = rs_module,
		.done = rs_done, .stop = rs_stop,
	};
	struct scenario_opts o;
	sqlite3_stmt *st = NULL;
	char **argv = NULL, *name = NULL, *src = NULL, err[256];
	size_t len = 0;
	int argc = 0, i, rv = 2, saved = -1;
	FILE *out = NULL;

	memset(&rs, 0, sizeof(rs));
	rs.r = r;
	rs.run = run;
	rs.cfg = cfg;
	if (replay_prepare(r) != 0)
		return 2;
	/* The script: the first scenario input. */
	if (sqlite3_prepare_v2(r->db, "SELECT i.name, b.data FROM input i JOIN blob b USING "
	    "(sha256) WHERE i.role = 'scenario' ORDER BY i.id LIMIT 1", -1, &st,
	    NULL) != SQLITE_OK || sqlite3_step(st) != SQLITE_ROW) {
		rv = tool_sqlerr(r->db, r->path, "reading the scenario");
		goto out;
	}
	name = dup_col(st, 0);
	len = (size_t)sqlite3_column_bytes(st, 1);
	src = malloc(len ? len : 1);
	if (name == NULL || src == NULL) {
		fprintf(stderr, "vmsim: out of memory\n");
		goto out;
	}
	if (len)
		memcpy(src, sqlite3_column_blob(st, 1), len);
	sqlite3_finalize(st);
	/* Its arguments: what followed it on the recorded command line. */
	if (sqlite3_prepare_v2(r->db, "SELECT j.value FROM run, json_each(run.command_line) j "
	    "ORDER BY j.key", -1, &st, NULL) != SQLITE_OK) {
		rv = tool_sqlerr(r->db, r->path, "reading the command line");
		st = NULL;
		goto out;
	}
	while (sqlite3_step(st) == SQLITE_ROW) {
		char **nv = realloc(argv, (size_t)(argc + 2) * sizeof(*nv));

		if (nv == NULL || (nv[argc] = dup_col(st, 0)) == NULL) {
			if (nv != NULL)
				argv = nv;
			fprintf(stderr, "vmsim: out of memory\n");
			goto out;
		}
		argv = nv;
		argv[++argc] = NULL;
	}
	sqlite3_finalize(st);
	st = NULL;
	if ((i = scenario_parse_args(argc, argv, &o, err, sizeof(err))) < 0) {
		fprintf(stderr, "vmsim: %s: the recorded command line is not a `vmsim run` "
		    "command line: %s\n", r->path, err);
		goto out;
	}
	if (!show_output && replay_quiet_guest(&saved, &out) == 0)
		r->out = out;
	else
		r->out = stdout;
	rv = scenario_replay(name, src, len, argc - i - 1, argv + i + 1, &hooks);
	fflush(r->out);
	replay_restore_guest(saved, out);
	r->out = stdout;
	if (rv != 0)
		goto out;
	if (r->err != 0) {
		rv = r->err;
	} else if (r->diverged) {
		rv = 1;
	} else if (r->have_until) {
		rv = r->until_hit ? 0 : 2;
		if (!r->until_hit)
			fprintf(stderr, "vmsim: %s: --until %" PRIu64 ": the run has only %"
			    PRIu64 " events\n", r->path, r->until, r->nevents);
	} else if (!rs.done) {
		fprintf(stderr, "vmsim: %s: the scenario never built its machine\n", r->path);
		rv = 2;
	} else {
		rv = printf("replay: %" PRIu64 " events identical (scenario %s)\n",
		    r->nevents, name) < 0 ? 2 : 0;
	}
out:
	sqlite3_finalize(st);
	for (int k = 0; k < argc; k++)
		free(argv[k]);
	free(argv);
	free(name);
	free(src);
	return rv;
}

int
cmd_replay(int argc, char **argv)
{
	const char *path = NULL, *out_path = NULL, *sets[REPLAY_MAX_SETS];
	struct replay r;
	struct replay_run run;
	struct machine_config cfg;
	bool show_output = false, have_sample = false;
	uint64_t sample = 0;
	int nsets = 0, rv = 2;
	char err[1024];

	memset(&r, 0, sizeof(r));
	memset(&run, 0, sizeof(run));
	for (int i = 2; i < argc; i++) {
		const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;

		if (a[0] != '-') {
			if (path != NULL)
				goto usage;
			path = a;
		} else if (strcmp(a, "--show-output") == 0) {
			show_output = true;
		} else if (v == NULL) {
			goto usage;
		} else if (strcmp(a, "--until") == 0 && parse_u64(v, &r.until) == 0) {
			r.have_until = true;
			i++;
		} else if (strcmp(a, "--set") == 0 && nsets < REPLAY_MAX_SETS) {
			sets[nsets++] = v;
			i++;
		} else if (strcmp(a, "--trace") == 0) {
			out_path = v;
			i++;
		} else if (strcmp(a, "--sample-cycles") == 0 && parse_u64(v, &sample) == 0) {
			have_sample = true;
			i++;
		} else {
			fprintf(stderr, "vmsim replay: bad option %s %s\n", a, v);
			goto usage;
		}
	}
	if (path == NULL || (nsets > 0 && out_path == NULL) ||
	    (out_path != NULL && r.have_until)) {
		fprintf(stderr, "vmsim replay: %s\n", path == NULL ? "which trace?" :
		    r.have_until ? "--until verifies; it does not go with --trace" :
		    "--set needs --trace OUT: a what-if run writes a new trace");
		goto usage;
	}
	r.path = path;
	if ((r.db = tool_open(path)) == NULL)
		return 2;
	if (replay_load(r.db, &run, err, sizeof(err)) != 0) {
		fprintf(stderr, "vmsim: %s: %s\n", path, err);
		goto out;
	}
	for (int i = 0; i < nsets; i++)
		if (replay_set(r.db, &run.config, sets[i], err, sizeof(err)) != 0) {
			fprintf(stderr, "vmsim: %s\n", err);
			goto out;
		}
	if (replay_config(r.db, run.config, run.arch, &cfg, err, sizeof(err)) != 0) {
		fprintf(stderr, "vmsim: %s: %s\n", path, err);
		goto out;
	}
	if (run.program != NULL &&
	    code_map_load(r.db, run.arch, run.program, &r.cm, err, sizeof(err)) == 0)
		r.have_cm = true;
	if (run.scenario) {
		if (out_path != NULL) {
			fprintf(stderr, "vmsim: %s: --set/--trace (a what-if run) is not "
			    "supported for a scenario trace: run the script again with "
			    "another machine{} instead\n", path);
			goto out;
		}
		rv = replay_scenario(&r, &run, &cfg, show_output);
		goto out;
	}
	if (out_path != NULL) {
		struct run_spec spec;
		char *cmd = run_json_argv(argc, argv);
		bool ok = false;
		int saved = -1;
		FILE *out = NULL;

		memset(&spec, 0, sizeof(spec));
		spec.cfg = cfg;
		spec.program = run.program;
		spec.image = run.image;
		spec.len = run.len;
		spec.argc = run.argc;
		spec.argv = run.argv;
		spec.trace_path = out_path;
		spec.cmdline_json = cmd;
		spec.sample_cycles = have_sample ? sample : run.sample_cycles;
		spec.quiet = true;
		spec.fetch = replay_fetch;
		spec.fetch_arg = r.db;
		if (!show_output)
			(void)replay_quiet_guest(&saved, &out);
		(void)run_program(&spec, &ok);
		replay_restore_guest(saved, out);
		free(cmd);
		if (ok) {
			printf("replay: what-if run of %s written to %s\n", path, out_path);
			rv = 0;
		}
		goto out;
	}
	rv = replay_verify(&r, &run, &cfg, show_output);
out:
	sqlite3_finalize(r.ev);
	sqlite3_finalize(r.samples);
	sqlite3_finalize(r.finals);
	if (r.have_cm)
		code_map_free(&r.cm);
	replay_run_free(&run);
	sqlite3_close(r.db);
	return rv;
usage:
	fprintf(stderr, "usage: vmsim replay T.db [--until SEQ] [--show-output]\n"
	    "       vmsim replay T.db --set KEY=VALUE... --trace OUT [--sample-cycles K]\n");
	return 2;
}
