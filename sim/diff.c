/*
 * sim/diff.c — `vmsim diff A.db B.db`: compare the counts of two runs
 * (DESIGN.md section 7), for regression checks in CI and what-if studies.
 *
 * Metrics, each a count read from both traces (0 where a trace has none):
 *   total.NAME                 run totals: every machine counter
 *   events.KIND[.TYPE]         events by kind and subtype (faults by type)
 *   proc.PROGRAM#N.NAME        final counters of the Nth process (in pid
 *                              order) running PROGRAM (its base name)
 *   region.LABEL.KIND[.TYPE]   events by the region they fell in (the
 *                              event table's region: file:PATH+0xOFF,
 *                              bss:PATH, heap, stack, anon@0xSTART)
 * A metric is within tolerance when |B - A| is at most the tolerance:
 * "N%" of A (A = 0: only B = 0 is within) or an absolute "N".  The
 * first --threshold whose pattern (fnmatch(3)) matches the metric's name
 * sets its tolerance; otherwise --tolerance (default 0).
 *
 * Exit status: 0 every metric within, 1 some beyond, 2 an error.
 */
#include "sim/tools.h"

#include <fnmatch.h>
#include <inttypes.h>
#include <math.h>
#include <sqlite3.h>
#include <stdlib.h>
#include <string.h>

#define DIFF_MAX_THRESHOLDS	32

struct metric {
	char *name;
	uint64_t v[2];
	bool have[2];
};

struct metrics {
	struct metric *m;
	int n, cap;
	bool nomem;
};

struct tolerance {
	bool relative;
	double value;		/* percent, or an absolute count */
	const char *text;
};

enum diff_format { FMT_TEXT, FMT_MARKDOWN, FMT_JSON, FMT_CSV };

static void
metric_add(struct metrics *ms, int side, const char *name, uint64_t v)
{
	struct metric *m = NULL;

	for (int i = ms->n - 1; i >= 0; i--)
		if (strcmp(ms->m[i].name, name) == 0) {
			m = &ms->m[i];
			break;
		}
	if (m == NULL) {
		if (ms->n == ms->cap) {
			int cap = ms->cap ? ms->cap * 2 : 256;
			struct metric *nm = realloc(ms->m, (size_t)cap * sizeof(*nm));

			if (nm == NULL) {
				ms->nomem = true;
				return;
			}
			ms->m = nm;
			ms->cap = cap;
		}
		m = &ms->m[ms->n];
		memset(m, 0, sizeof(*m));
		m->name = strdup(name);
		if (m->name == NULL) {
			ms->nomem = true;
			return;
		}
		ms->n++;
	}
	m->v[side] += v;
	m->have[side] = true;
}

static const char *
base_name(const char *path)
{
	const char *s = strrchr(path, '/');

	return s != NULL ? s + 1 : path;
}

/* Read one trace's metrics into side.  0, or 2 (message printed). */
static int
diff_load(sqlite3 *db, const char *path, struct metrics *ms, int side)
{
	sqlite3_stmt *st;
	char name[512], prev_prog[256] = "";
	int rc, prev_pid = -1, nth = 0;
	struct {
		int pid;
		char prog[200];
		int n;
	} seen[64];
	int nseen = 0;

	/* Totals. */
	if (sqlite3_prepare_v2(db, "SELECT key, value FROM run, json_each(run.totals)",
	    -1, &st, NULL) != SQLITE_OK)
		return tool_sqlerr(db, path, "reading totals");
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		snprintf(name, sizeof(name), "total.%s", sqlite3_column_text(st, 0));
		metric_add(ms, side, name, (uint64_t)sqlite3_column_int64(st, 1));
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE)
		return tool_sqlerr(db, path, "reading totals");

	/* Events by kind and type. */
	if (sqlite3_prepare_v2(db, "SELECT kind, type, count(*) FROM event "
	    "GROUP BY kind, type ORDER BY kind, type", -1, &st, NULL) != SQLITE_OK)
		return tool_sqlerr(db, path, "reading events");
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		uint64_t n = (uint64_t)sqlite3_column_int64(st, 2);

		snprintf(name, sizeof(name), "events.%s", sqlite3_column_text(st, 0));
		metric_add(ms, side, name, n);
		if (sqlite3_column_type(st, 1) != SQLITE_NULL) {
			snprintf(name, sizeof(name), "events.%s.%s", sqlite3_column_text(st, 0),
			    sqlite3_column_text(st, 1));
			metric_add(ms, side, name, n);
		}
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE)
		return tool_sqlerr(db, path, "reading events");

	/* Per process: matched by program and creation order. */
	if (sqlite3_prepare_v2(db, "SELECT p.pid, p.program, c.name, c.value FROM process p "
	    "JOIN counter c ON c.scope = 'process' AND c.scope_id = p.pid AND c.final = 1 "
	    "ORDER BY p.pid, c.id", -1, &st, NULL) != SQLITE_OK)
		return tool_sqlerr(db, path, "reading processes");
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		int pid = sqlite3_column_int(st, 0);
		const char *prog = base_name((const char *)sqlite3_column_text(st, 1));

		if (pid != prev_pid) {
			nth = 0;
			for (int i = 0; i < nseen; i++)
				if (strcmp(seen[i].prog, prog) == 0)
					nth = ++seen[i].n;
			if (nth == 0 && nseen < (int)nitems(seen)) {
				seen[nseen].pid = pid;
				snprintf(seen[nseen].prog, sizeof(seen[0].prog), "%s", prog);
				seen[nseen++].n = 0;
			}
			prev_pid = pid;
			snprintf(prev_prog, sizeof(prev_prog), "%s", prog);
		}
		snprintf(name, sizeof(name), "proc.%s#%d.%s", prev_prog, nth,
		    sqlite3_column_text(st, 2));
		metric_add(ms, side, name, (uint64_t)sqlite3_column_int64(st, 3));
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE)
		return tool_sqlerr(db, path, "reading processes");

	/* Per region. */
	if (sqlite3_prepare_v2(db, "SELECT region, kind, type, count(*) FROM event "
	    "WHERE region IS NOT NULL GROUP BY region, kind, type ORDER BY region, kind, type",
	    -1, &st, NULL) != SQLITE_OK)
		return tool_sqlerr(db, path, "reading regions");
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (sqlite3_column_type(st, 2) == SQLITE_NULL)
			snprintf(name, sizeof(name), "region.%s.%s", sqlite3_column_text(st, 0),
			    sqlite3_column_text(st, 1));
		else
			snprintf(name, sizeof(name), "region.%s.%s.%s",
			    sqlite3_column_text(st, 0), sqlite3_column_text(st, 1),
			    sqlite3_column_text(st, 2));
		metric_add(ms, side, name, (uint64_t)sqlite3_column_int64(st, 3));
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE)
		return tool_sqlerr(db, path, "reading regions");
	if (ms->nomem) {
		fprintf(stderr, "vmsim: diff: out of memory\n");
		return 2;
	}
	return 0;
}

/* "2%", "0.5%" (relative) or "10" (absolute): 0 or -1. */
static int
parse_tolerance(const char *s, struct tolerance *t)
{
	char *end;
	double v;

	v = strtod(s, &end);
	if (end == s || v < 0 || isnan(v))
		return -1;
	t->relative = *end == '%';
	if (t->relative)
		end++;
	if (*end != '\0')
		return -1;
	t->value = v;
	t->text = s;
	return 0;
}

/* The configuration settings (flattened) of a trace: "key value" lines. */
struct setting {
	char key[96];
	char value[64];
};

static int
diff_settings(sqlite3 *db, const char *path, struct setting *out, int max)
{
	sqlite3_stmt *st;
	int n = 0, rc;

	if (sqlite3_prepare_v2(db, "SELECT CASE path WHEN '$' THEN key ELSE "
	    "replace(substr(path, 3), '\"', '') || '.' || key END, value FROM run, "
	    "json_tree(run.config) WHERE type NOT IN ('object', 'array')",
	    -1, &st, NULL) != SQLITE_OK)
		return tool_sqlerr(db, path, "reading the configuration"), -1;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW && n < max) {
		snprintf(out[n].key, sizeof(out[n].key), "%s", sqlite3_column_text(st, 0));
		snprintf(out[n].value, sizeof(out[n].value), "%s", sqlite3_column_text(st, 1));
		n++;
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE && rc != SQLITE_ROW)
		return tool_sqlerr(db, path, "reading the configuration"), -1;
	return n;
}

static void
json_string(FILE *f, const char *s)
{
	fputc('"', f);
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;

		if (c == '"' || c == '\\')
			fprintf(f, "\\%c", c);
		else if (c < 0x20)
			fprintf(f, "\\u%04x", c);
		else
			fputc(c, f);
	}
	fputc('"', f);
}

static void
csv_field(FILE *f, const char *s)
{
	if (strpbrk(s, ",\"\n") == NULL) {
		fputs(s, f);
		return;
	}
	fputc('"', f);
	for (; *s; s++) {
		if (*s == '"')
			fputc('"', f);
		fputc(*s, f);
	}
	fputc('"', f);
}

int
cmd_diff(int argc, char **argv)
{
	const char *paths[2] = { NULL, NULL };
	const char *thr_pat[DIFF_MAX_THRESHOLDS];
	struct tolerance thr[DIFF_MAX_THRESHOLDS], tol = { false, 0, "0" };
	enum diff_format fmt = FMT_TEXT;
	struct metrics ms = { 0 };
	struct setting set[2][128];
	int nset[2] = { 0, 0 };
	int nthr = 0, npaths = 0, rv = 2, ndiffer = 0, nbeyond = 0, nrows = 0;
	bool all = false;
	sqlite3 *db[2] = { NULL, NULL };
	FILE *f = stdout;

	for (int i = 2; i < argc; i++) {
		const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;

		if (a[0] != '-') {
			if (npaths == 2)
				goto usage;
			paths[npaths++] = a;
			continue;
		}
		if (strcmp(a, "--all") == 0) {
			all = true;
			continue;
		}
		if (v == NULL)
			goto usage;
		i++;
		if (strcmp(a, "--format") == 0) {
			if (strcmp(v, "text") == 0)
				fmt = FMT_TEXT;
			else if (strcmp(v, "markdown") == 0 || strcmp(v, "md") == 0)
				fmt = FMT_MARKDOWN;
			else if (strcmp(v, "json") == 0)
				fmt = FMT_JSON;
			else if (strcmp(v, "csv") == 0)
				fmt = FMT_CSV;
			else {
				fprintf(stderr, "vmsim diff: --format %s: expected text, markdown, "
				    "json or csv\n", v);
				return 2;
			}
		} else if (strcmp(a, "--tolerance") == 0) {
			if (parse_tolerance(v, &tol) != 0) {
				fprintf(stderr, "vmsim diff: --tolerance %s: expected N%% or N\n", v);
				return 2;
			}
		} else if (strcmp(a, "--threshold") == 0) {
			const char *eq = strrchr(v, '=');

			if (eq == NULL || eq == v || nthr == DIFF_MAX_THRESHOLDS ||
			    parse_tolerance(eq + 1, &thr[nthr]) != 0) {
				fprintf(stderr, "vmsim diff: --threshold %s: expected METRIC=N%% or "
				    "METRIC=N (METRIC may be a pattern: 'total.tlb_*')\n", v);
				return 2;
			}
			thr_pat[nthr] = strndup(v, (size_t)(eq - v));
			if (thr_pat[nthr] == NULL)
				return 2;
			nthr++;
		} else {
			fprintf(stderr, "vmsim diff: unknown option %s\n", a);
			goto usage;
		}
	}
	if (npaths != 2)
		goto usage;
	for (int s = 0; s < 2; s++) {
		if ((db[s] = tool_open(paths[s])) == NULL)
			goto out;
		if (diff_load(db[s], paths[s], &ms, s) != 0)
			goto out;
		if ((nset[s] = diff_settings(db[s], paths[s], set[s], 128)) < 0)
			goto out;
	}

	/* Header. */
	if (fmt == FMT_TEXT || fmt == FMT_MARKDOWN) {
		fprintf(f, "%sdiff: A = %s, B = %s\n", fmt == FMT_MARKDOWN ? "" : "",
		    paths[0], paths[1]);
		for (int i = 0; i < nset[0]; i++)
			for (int j = 0; j < nset[1]; j++)
				if (strcmp(set[0][i].key, set[1][j].key) == 0 &&
				    strcmp(set[0][i].value, set[1][j].value) != 0)
					fprintf(f, "config: %s %s -> %s\n", set[0][i].key,
					    set[0][i].value, set[1][j].value);
		if (fmt == FMT_MARKDOWN)
			fprintf(f, "\n| metric | A | B | delta | change | within |\n"
			    "|---|---:|---:|---:|---:|---|\n");
		else
			fprintf(f, "%-48s %14s %14s %14s %9s\n", "metric", "A", "B", "delta",
			    "change");
	} else if (fmt == FMT_JSON) {
		fprintf(f, "{\"a\":");
		json_string(f, paths[0]);
		fprintf(f, ",\"b\":");
		json_string(f, paths[1]);
		fprintf(f, ",\"tolerance\":");
		json_string(f, tol.text);
		fprintf(f, ",\"config_changes\":[");
		{
			int k = 0;

			for (int i = 0; i < nset[0]; i++)
				for (int j = 0; j < nset[1]; j++)
					if (strcmp(set[0][i].key, set[1][j].key) == 0 &&
					    strcmp(set[0][i].value, set[1][j].value) != 0) {
						fprintf(f, "%s{\"key\":", k++ ? "," : "");
						json_string(f, set[0][i].key);
						fprintf(f, ",\"a\":%s,\"b\":%s}", set[0][i].value,
						    set[1][j].value);
					}
		}
		fprintf(f, "],\"metrics\":[");
	} else {
		fprintf(f, "metric,a,b,delta,change_pct,within\n");
	}

	for (int i = 0; i < ms.n; i++) {
		const struct metric *m = &ms.m[i];
		const struct tolerance *t = &tol;
		uint64_t a = m->v[0], b = m->v[1];
		uint64_t d = a > b ? a - b : b - a;
		double pct = a != 0 ? 100.0 * (double)d / (double)a : (d == 0 ? 0 : INFINITY);
		bool within;
		char delta[32], change[32];

		for (int k = 0; k < nthr; k++)
			if (fnmatch(thr_pat[k], m->name, 0) == 0) {
				t = &thr[k];
				break;
			}
		within = t->relative ? (d == 0 || (a != 0 && pct <= t->value)) :
		    (double)d <= t->value;
		if (d != 0)
			ndiffer++;
		if (!within)
			nbeyond++;
		if (d == 0 && !all)
			continue;
		nrows++;
		snprintf(delta, sizeof(delta), "%s%" PRIu64, b >= a ? (d ? "+" : "") : "-", d);
		if (isinf(pct))
			snprintf(change, sizeof(change), "new");
		else
			snprintf(change, sizeof(change), "%s%.1f%%", b >= a ? (d ? "+" : "") : "-",
			    pct);
		switch (fmt) {
		case FMT_TEXT:
			fprintf(f, "%-48s %14" PRIu64 " %14" PRIu64 " %14s %9s%s\n", m->name, a, b,
			    delta, change, within ? "" : "  BEYOND");
			break;
		case FMT_MARKDOWN:
			fprintf(f, "| `%s` | %" PRIu64 " | %" PRIu64 " | %s | %s | %s |\n", m->name,
			    a, b, delta, change, within ? "yes" : "**no**");
			break;
		case FMT_JSON:
			fprintf(f, "%s{\"metric\":", nrows > 1 ? "," : "");
			json_string(f, m->name);
			fprintf(f, ",\"a\":%" PRIu64 ",\"b\":%" PRIu64 ",\"delta\":%s%" PRIu64
			    ",\"change_pct\":", a, b, b >= a ? "" : "-", d);
			if (isinf(pct))
				fprintf(f, "null");
			else
				fprintf(f, "%.3f", b >= a ? pct : -pct);
			fprintf(f, ",\"within\":%s}", within ? "true" : "false");
			break;
		case FMT_CSV:
			csv_field(f, m->name);
			fprintf(f, ",%" PRIu64 ",%" PRIu64 ",%s%" PRIu64 ",", a, b,
			    b >= a ? "" : "-", d);
			if (!isinf(pct))
				fprintf(f, "%.3f", b >= a ? pct : -pct);
			fprintf(f, ",%s\n", within ? "yes" : "no");
			break;
		}
	}
	if (fmt == FMT_JSON)
		fprintf(f, "],\"compared\":%d,\"differ\":%d,\"beyond\":%d}\n", ms.n, ndiffer,
		    nbeyond);
	else if (fmt != FMT_CSV)
		fprintf(f, "%sdiff: %d metrics compared, %d differ, %d beyond tolerance "
		    "(tolerance %s%s)\n", fmt == FMT_MARKDOWN ? "\n" : "", ms.n, ndiffer,
		    nbeyond, tol.text, nthr ? ", with per-metric thresholds" : "");
	rv = fflush(f) != 0 ? 2 : nbeyond > 0 ? 1 : 0;
out:
	for (int s = 0; s < 2; s++)
		sqlite3_close(db[s]);
	for (int i = 0; i < ms.n; i++)
		free(ms.m[i].name);
	free(ms.m);
	for (int k = 0; k < nthr; k++)
		free((char *)thr_pat[k]);
	return rv;
usage:
	fprintf(stderr, "usage: vmsim diff A.db B.db [--format text|markdown|json|csv] [--all]\n"
	    "                  [--tolerance N%%|N] [--threshold METRIC=N%%|N]...\n");
	for (int k = 0; k < nthr; k++)
		free((char *)thr_pat[k]);
	return 2;
}
