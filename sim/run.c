/*
 * sim/run.c — one run of a program on a new machine, with or without a
 * trace: what `vmsim exec` does and what `vmsim replay --set` does with
 * the inputs of an old trace.  The trace gets the run row (configuration
 * and command line), every input by SHA-256 (the program, each file the
 * guest reads), every event with its region label, counter samples every
 * sample_cycles cycles of CPU 0 and the final totals per machine, CPU and
 * process, and the process table (docs/trace.md).
 */
#include "sim/tools.h"
#include "sim/kern/kern.h"
#include "sim/trace.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int
parse_size(const char *s, uint64_t *out)
{
	char *end;
	unsigned long long v;

	errno = 0;
	if (s[0] == '-')
		return -1;
	v = strtoull(s, &end, 0);
	if (errno || end == s)
		return -1;
	switch (*end) {
	case 'k': case 'K': v <<= 10; end++; break;
	case 'm': case 'M': v <<= 20; end++; break;
	case 'g': case 'G': v <<= 30; end++; break;
	default: break;
	}
	if (*end != '\0')
		return -1;
	*out = v;
	return 0;
}

int
parse_u64(const char *s, uint64_t *out)
{
	char *end;

	errno = 0;
	*out = strtoull(s, &end, 0);
	return (errno || end == s || *end != '\0' || s[0] == '-') ? -1 : 0;
}

uint8_t *
run_read_file(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	uint8_t *buf = NULL;
	size_t cap = 0, n = 0;

	if (f == NULL)
		return NULL;
	for (;;) {
		size_t got;

		if (n == cap) {
			uint8_t *nb;

			cap = cap ? cap * 2 : 65536;
			if (cap > (256u << 20) || (nb = realloc(buf, cap)) == NULL) {
				free(buf);
				fclose(f);
				errno = EFBIG;
				return NULL;
			}
			buf = nb;
		}
		got = fread(buf + n, 1, cap - n, f);
		n += got;
		if (got == 0)
			break;
	}
	if (ferror(f)) {
		free(buf);
		fclose(f);
		errno = EIO;
		return NULL;
	}
	fclose(f);
	*len = n;
	return buf;
}

/* A JSON string literal of s appended at *p (room: 6 bytes per char + 3). */
static char *
json_str_put(char *p, const char *s)
{
	*p++ = '"';
	for (; *s; s++) {
		unsigned char ch = (unsigned char)*s;

		if (ch == '"' || ch == '\\') {
			*p++ = '\\';
			*p++ = (char)ch;
		} else if (ch < 0x20) {
			p += sprintf(p, "\\u%04x", ch);
		} else {
			*p++ = (char)ch;
		}
	}
	*p++ = '"';
	*p = '\0';
	return p;
}

char *
run_json_argv(int argc, char *const *argv)
{
	size_t cap = 3;
	char *s, *p;

	for (int i = 0; i < argc; i++)
		cap += strlen(argv[i]) * 6 + 3;
	s = malloc(cap);
	if (s == NULL)
		return NULL;
	p = s;
	*p++ = '[';
	for (int i = 0; i < argc; i++) {
		if (i)
			*p++ = ',';
		p = json_str_put(p, argv[i]);
	}
	*p++ = ']';
	*p = '\0';
	return s;
}

void
run_region_label(void *machine, const struct event *ev, char *buf, size_t len)
{
	if (ev->va == 0) {
		buf[0] = '\0';
		return;
	}
	machine_region_label(machine, ev->pid, ev->va, buf, len);
}

static void
run_counter_scope(const uint64_t *v, uint64_t cycle, bool final, const char *scope,
    int64_t id, run_counter_fn *row, void *arg)
{
	for (int i = 0; i < MACHINE_NCTR; i++)
		row(arg, cycle, final, scope, id, machine_counter_names[i], v[i]);
}

void
run_counters(struct machine *m, uint64_t cycle, bool final, run_counter_fn *row,
    void *arg)
{
	uint64_t v[MACHINE_NCTR];
	int pids[64], n;

	if (final) {
		machine_counters(m, v);
		run_counter_scope(v, cycle, final, "machine", 0, row, arg);
	}
	for (int c = 0; c < machine_ncpus(m); c++) {
		machine_counters_cpu(m, c, v);
		run_counter_scope(v, cycle, final, "cpu", c, row, arg);
	}
	n = machine_pids(m, pids, (int)nitems(pids));
	for (int i = 0; i < n; i++)
		if (machine_counters_proc(m, pids[i], v) == 0)
			run_counter_scope(v, cycle, final, "process", pids[i], row, arg);
}

/* Files the guest reads go into the trace, so it replays without them. */
static void
run_file_hook(void *arg, const char *path, const void *data, size_t len)
{
	(void)trace_add_blob(arg, "file", path, data, len, NULL);
}

static void
run_counter_write(void *arg, uint64_t cycle, bool final, const char *scope,
    int64_t id, const char *name, uint64_t value)
{
	/* Failures are sticky in the trace and reported at its end. */
	(void)trace_counter_row(arg, cycle, final, scope, id, name, value);
}

static void
run_sampler(void *arg, struct machine *m, uint64_t cycle)
{
	run_counters(m, cycle, false, run_counter_write, arg);
}

static void
run_summary(const uint64_t *v, const char *prog, int status)
{
	fprintf(stderr, "--- vmsim: %s exited with status %d\n", prog, status);
	/* Every counter, whatever this build has: name value, 6 a line. */
	for (int i = 0; i < MACHINE_NCTR; i++)
		fprintf(stderr, "%s%s %llu", i == 0 ? "" : i % 6 ? "  " : "\n",
		    machine_counter_names[i], (unsigned long long)v[i]);
	fprintf(stderr, "\n");
}

/* The din sink's output: a FILE. */
static int
run_din_flush(void *arg, const char *buf, size_t n)
{
	return fwrite(buf, 1, n, arg) == n ? 0 : -EIO;
}

int
run_program(struct run_spec *s, bool *traced_ok)
{
	FILE *din = NULL;
	struct machine *m = NULL;
	struct trace *tr = NULL;
	struct proc *p = NULL;
	uint64_t tot[MACHINE_NCTR];
	char err[512];
	int status = 2, runrv;
	char *json_cfg = NULL, *json_tot = NULL, *json_args = NULL;

	if (traced_ok != NULL)
		*traced_ok = false;
	if (machine_create(&m, &s->cfg, err, sizeof(err)) != 0) {
		fprintf(stderr, "vmsim: %s\n", err);
		return 2;
	}
	if (s->fetch != NULL)
		machine_set_file_provider(m, s->fetch, s->fetch_arg);
	if (s->trace_path != NULL) {
		struct event_sink sink;

		if (trace_open(&tr, s->trace_path, err, sizeof(err)) != 0) {
			fprintf(stderr, "vmsim: %s\n", err);
			goto out;
		}
		json_cfg = machine_config_json(&s->cfg);
		if (json_cfg == NULL ||
		    trace_set_run(tr, VMSIM_VERSION, sim_arch_name(s->cfg.arch),
		    s->cfg.seed, json_cfg, s->cmdline_json) != 0 ||
		    trace_set_sampling(tr, s->sample_cycles) != 0 ||
		    trace_add_blob(tr, "binary", s->program, s->image, s->len, NULL) != 0) {
			fprintf(stderr, "vmsim: %s: %s\n", s->trace_path,
			    json_cfg == NULL ? "out of memory" : trace_errmsg(tr));
			goto out;
		}
		trace_set_region_fn(tr, run_region_label, m);
		sink = trace_event_sink(tr);
		event_sink_add(&sink);
		machine_set_file_hook(m, run_file_hook, tr);
		machine_set_sampler(m, s->sample_cycles, run_sampler, tr);
	}
	if (s->din_path != NULL) {
		din = fopen(s->din_path, "w");
		if (din == NULL || machine_set_din(m, run_din_flush, din) != 0) {
			fprintf(stderr, "vmsim: --din %s: %s\n", s->din_path, strerror(errno));
			goto out;
		}
	}
	if (machine_spawn(m, s->program, s->image, s->len, s->argc, s->argv, &p,
	    err, sizeof(err)) != 0) {
		fprintf(stderr, "vmsim: %s\n", err);
		goto out;
	}
	json_args = run_json_argv(s->argc, s->argv);
	if (tr != NULL)
		trace_process(tr, p->pid, p->ppid, s->program, json_args, TRACE_NO_STATUS);
	runrv = machine_run(m, err, sizeof(err));
	status = machine_exit_status(p);
	if (runrv != 0) {
		fprintf(stderr, "vmsim: %s\n", err);
		status = machine_panicked(m) ? 3 : 2;
	}
	machine_counters(m, tot);
	if (!s->quiet)
		run_summary(tot, s->program, status);
	if (tr != NULL) {
		run_counters(m, tot[0], true, run_counter_write, tr);
		trace_process(tr, p->pid, p->ppid, s->program, json_args,
		    machine_exit_status(p));
		json_tot = machine_counters_json(tot);
		event_sinks_clear();
		if (trace_finish(tr, runrv == 0 ? TRACE_COMPLETE : TRACE_FAILED,
		    runrv == 0 ? "" : err, machine_exit_status(p), json_tot, err,
		    sizeof(err)) != 0) {
			fprintf(stderr, "vmsim: %s: %s\n", s->trace_path, err);
			status = 2;
		} else if (traced_ok != NULL) {
			*traced_ok = runrv == 0;
		}
		tr = NULL;
	}
out:
	if (din != NULL) {
		if (machine_din_finish(m) != 0 || fclose(din) != 0) {
			fprintf(stderr, "vmsim: --din %s: write error\n", s->din_path);
			status = 2;
		}
		din = NULL;
	}
	if (tr != NULL) {
		event_sinks_clear();
		trace_finish(tr, TRACE_FAILED, "could not start the program",
		    TRACE_NO_STATUS, NULL, err, sizeof(err));
	}
	machine_destroy(m);
	free(json_cfg);
	free(json_tot);
	free(json_args);
	return status;
}
