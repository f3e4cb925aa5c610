/*
 * sim/bench.c — `vmsim bench trace`: the trace store's throughput and the
 * cost of tracing a run.  Not part of the test suite (it measures host
 * time, which nothing else in vmsim may look at).
 *
 *   1. events per second through trace_event() alone: N synthetic events
 *      shaped like the default event set (TLB refills and page faults
 *      with their detail and region), batched as in a real run;
 *   2. if a program is given: its run time untraced and traced (best of
 *      R runs each), and the overhead of the trace in percent.
 */
#include "sim/tools.h"
#include "sim/trace.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <sqlite3.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static double
now_sec(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* A region label as the machine gives it: most events have one. */
static void
bench_region(void *arg, const struct event *ev, char *buf, size_t len)
{
	(void)arg;
	if (ev->kind == EV_PAGE_FAULT)
		snprintf(buf, len, "stack");
	else
		snprintf(buf, len, "file:/prog+0x0");
}

static int
bench_events(const char *path, uint64_t n)
{
	struct trace *t;
	struct event ev;
	char err[512];
	double t0, t1, t2;

	if (trace_open(&t, path, err, sizeof(err)) != 0 ||
	    trace_set_run(t, VMSIM_VERSION, "mips", 1, "{}", "[]") != 0) {
		fprintf(stderr, "vmsim bench: %s\n", t ? trace_errmsg(t) : err);
		return 2;
	}
	trace_set_region_fn(t, bench_region, NULL);
	memset(&ev, 0, sizeof(ev));
	t0 = now_sec();
	for (uint64_t i = 0; i < n; i++) {
		ev.seq = i;
		ev.cycle = i * 37;
		ev.pid = ev.tid = 1;
		ev.va = 0x400000 + (i & 0xffff) * 4096;
		ev.pc = 0x400120 + (i & 0xff) * 4;
		if (i % 4 == 0) {
			ev.kind = EV_PAGE_FAULT;
			ev.type = "zero_fill";
			ev.pa = 0x100000 + (i & 0x3fff) * 4096;
			memcpy(ev.detail, "write", 6);
		} else {
			ev.kind = EV_TLB_REFILL;
			ev.type = NULL;
			ev.pa = 0;
			memcpy(ev.detail, i % 3 ? "read" : "exec", 5);
		}
		if (trace_event(t, &ev) != 0) {
			fprintf(stderr, "vmsim bench: %s\n", trace_errmsg(t));
			trace_finish(t, TRACE_FAILED, "bench", TRACE_NO_STATUS, NULL, err,
			    sizeof(err));
			return 2;
		}
	}
	t1 = now_sec();
	if (trace_finish(t, TRACE_COMPLETE, "", 0, "{}", err, sizeof(err)) != 0) {
		fprintf(stderr, "vmsim bench: %s\n", err);
		return 2;
	}
	t2 = now_sec();
	printf("trace_event: %" PRIu64 " events in %.3f s (+ %.3f s to finish): "
	    "%.2f million events/s (%.0f ns/event)\n", n, t1 - t0, t2 - t1,
	    (double)n / (t2 - t0) / 1e6, (t2 - t0) * 1e9 / (double)n);
	return 0;
}

/* Best wall time of rounds runs of the program, traced or not. */
static double
bench_run(struct run_spec *spec, int rounds)
{
	double best = 1e30;

	for (int r = 0; r < rounds; r++) {
		double t0 = now_sec();
		int st = run_program(spec, NULL);

		if (st != 0) {
			fprintf(stderr, "vmsim bench: the program exited with status %d\n", st);
			return -1;
		}
		best = MIN(best, now_sec() - t0);
	}
	return best;
}

int
cmd_bench(int argc, char **argv)
{
	uint64_t n = 2000000, rounds = 3;
	char path[512];
	const char *tmp = getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp";
	int i, rv;

	if (argc < 3 || strcmp(argv[2], "trace") != 0) {
		fprintf(stderr, "usage: vmsim bench trace [--events N] [--rounds R] "
		    "[PROGRAM ARGS...]\n");
		return 2;
	}
	for (i = 3; i < argc && argv[i][0] == '-'; i += 2) {
		if (i + 1 >= argc || (strcmp(argv[i], "--events") == 0 ?
		    parse_u64(argv[i + 1], &n) : strcmp(argv[i], "--rounds") == 0 ?
		    parse_u64(argv[i + 1], &rounds) : -1) != 0 || rounds == 0) {
			fprintf(stderr, "vmsim bench: bad option %s\n", argv[i]);
			return 2;
		}
	}
	snprintf(path, sizeof(path), "%s/vmsim-bench-%d.db", tmp, (int)getpid());
	rv = bench_events(path, n);
	if (rv == 0 && i < argc) {
		struct run_spec spec;
		uint8_t *image;
		size_t len;
		double plain, traced;
		enum sim_arch arch;
		int saved, null;

		image = run_read_file(argv[i], &len);
		if (image == NULL || len < 20) {
			fprintf(stderr, "vmsim bench: %s: %s\n", argv[i], strerror(errno));
			free(image);
			unlink(path);
			return 2;
		}
		/* The ELF header says the arch (e_ident, e_machine). */
		arch = image[4] == 2 ? ARCH_AMD64 : image[5] == 2 ? ARCH_MIPS : ARCH_MIPSEL;
		memset(&spec, 0, sizeof(spec));
		machine_config_defaults(&spec.cfg, arch);
		spec.program = argv[i];
		spec.image = image;
		spec.len = len;
		spec.argc = argc - i;
		spec.argv = argv + i;
		spec.quiet = true;
		spec.sample_cycles = RUN_SAMPLE_DEFAULT;
		spec.cmdline_json = "[]";
		fflush(stdout);
		saved = dup(1);
		null = open("/dev/null", O_WRONLY);
		dup2(null, 1);
		close(null);
		plain = bench_run(&spec, (int)rounds);
		spec.trace_path = path;
		traced = plain < 0 ? -1 : bench_run(&spec, (int)rounds);
		fflush(stdout);
		dup2(saved, 1);
		close(saved);
		free(image);
		if (plain < 0 || traced < 0) {
			rv = 2;
		} else {
			sqlite3 *db;
			sqlite3_stmt *st;
			char err[512];
			long long nev = -1, nctr = -1;

			if (trace_read_open(path, TRACE_READ_NO_VERIFY, &db, err,
			    sizeof(err)) == TRACE_OK) {
				if (sqlite3_prepare_v2(db, "SELECT events, (SELECT count(*) "
				    "FROM counter) FROM run", -1, &st, NULL) == SQLITE_OK) {
					if (sqlite3_step(st) == SQLITE_ROW) {
						nev = sqlite3_column_int64(st, 0);
						nctr = sqlite3_column_int64(st, 1);
					}
					sqlite3_finalize(st);
				}
				sqlite3_close(db);
			}
			printf("%s (%s): untraced %.3f s, traced %.3f s (best of %" PRIu64 "; "
			    "%lld events, %lld counter rows): tracing overhead %+.1f%%\n",
			    argv[i], sim_arch_name(arch), plain, traced, rounds, nev, nctr,
			    100.0 * (traced - plain) / plain);
		}
	}
	unlink(path);
	return rv;
}
