/*
 * sim/main.c — the vmsim command line.
 *
 *   vmsim exec [options] PROGRAM [ARGS...]   run a static Linux program
 *   vmsim config [--arch A] [options]        print the machine configuration
 *   vmsim version
 *
 * Exit status of `exec`: the program's (its exit code, or 128 + the
 * signal that killed it); 2 for a usage error, an unloadable program or a
 * simulator failure.
 */
#include "mmu/cost.h"
#include "sim/base/event.h"
#include "sim/kern/kern.h"
#include "sim/machine.h"
#include "sim/trace.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define VMSIM_VERSION "0.1.0"

static void
usage(FILE *f)
{
	fprintf(f,
	    "usage: vmsim exec [options] PROGRAM [ARGS...]\n"
	    "       vmsim config [options]\n"
	    "       vmsim version\n"
	    "options:\n"
	    "  --arch auto|mips|mipsel|amd64   guest architecture (default: from the ELF)\n"
	    "  --mem SIZE         physical memory, e.g. 64M (default 64M)\n"
	    "  --seed N           seed of the machine's random generator (default 1)\n"
	    "  --trace FILE       record faults and TLB exceptions in an SQLite trace\n"
	    "  --root DIR         the host directory the guest sees as / (read-only)\n"
	    "  --tlb-entries N    TLB entries (MIPS default 48, amd64 64)\n"
	    "  --tlb-wired N      MIPS wired TLB entries (default 0)\n"
	    "  --slice N          instructions per scheduling slice (default 10000)\n"
	    "  --max-insns N      stop after N instructions (default: no limit)\n"
	    "  --cost NAME=VALUE  set one cycle cost (see `vmsim config`)\n"
	    "  --quiet            no summary on stderr\n");
}

struct options {
	const char *arch;
	const char *trace;
	const char *root;
	bool quiet;
	struct machine_config cfg;
	bool set_mem, set_seed, set_tlb, set_wired, set_slice, set_max;
	uint64_t mem, seed, slice, max_insns;
	unsigned tlb, wired;
	const char *costs[64];
	int ncosts;
};

/* "64M", "1G", "4096", "512K". */
static int
parse_size(const char *s, uint64_t *out)
{
	char *end;
	unsigned long long v;

	errno = 0;
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

static int
parse_u64(const char *s, uint64_t *out)
{
	char *end;

	errno = 0;
	*out = strtoull(s, &end, 0);
	return (errno || end == s || *end != '\0' || s[0] == '-') ? -1 : 0;
}

static int
arch_from_name(const char *s, enum sim_arch *a)
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

/* The architecture an ELF file is for, from its identification bytes. */
static int
arch_from_elf(const uint8_t *b, size_t len, enum sim_arch *a)
{
	unsigned machine;

	if (len < 20 || memcmp(b, "\177ELF", 4) != 0)
		return -1;
	machine = b[5] == 2 ? (unsigned)(b[18] << 8 | b[19]) : (unsigned)(b[19] << 8 | b[18]);
	if (b[4] == 1 && machine == 8)
		*a = b[5] == 2 ? ARCH_MIPS : ARCH_MIPSEL;
	else if (b[4] == 2 && b[5] == 1 && machine == 62)
		*a = ARCH_AMD64;
	else
		return -1;
	return 0;
}

/* Parse options up to the first non-option; returns its index or -1. */
static int
parse_options(int argc, char **argv, int i, struct options *o)
{
	for (; i < argc && argv[i][0] == '-'; i++) {
		const char *a = argv[i];
		const char *v = i + 1 < argc ? argv[i + 1] : NULL;
		uint64_t n;

		if (strcmp(a, "--") == 0)
			return i + 1;
		if (strcmp(a, "--quiet") == 0) {
			o->quiet = true;
			continue;
		}
		if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
			usage(stdout);
			exit(0);
		}
		if (v == NULL) {
			fprintf(stderr, "vmsim: %s needs a value\n", a);
			return -1;
		}
		i++;
		if (strcmp(a, "--arch") == 0) {
			o->arch = v;
		} else if (strcmp(a, "--trace") == 0) {
			o->trace = v;
		} else if (strcmp(a, "--root") == 0) {
			o->root = v;
		} else if (strcmp(a, "--mem") == 0) {
			if (parse_size(v, &o->mem) != 0) {
				fprintf(stderr, "vmsim: --mem %s: not a size (e.g. 64M)\n", v);
				return -1;
			}
			o->set_mem = true;
		} else if (strcmp(a, "--seed") == 0) {
			if (parse_u64(v, &o->seed) != 0) {
				fprintf(stderr, "vmsim: --seed %s: not a number\n", v);
				return -1;
			}
			o->set_seed = true;
		} else if (strcmp(a, "--tlb-entries") == 0 || strcmp(a, "--tlb-wired") == 0) {
			if (parse_u64(v, &n) != 0 || n > 4096) {
				fprintf(stderr, "vmsim: %s %s: not a number of entries\n", a, v);
				return -1;
			}
			if (a[6] == 'e') {
				o->tlb = (unsigned)n;
				o->set_tlb = true;
			} else {
				o->wired = (unsigned)n;
				o->set_wired = true;
			}
		} else if (strcmp(a, "--slice") == 0) {
			if (parse_u64(v, &o->slice) != 0) {
				fprintf(stderr, "vmsim: --slice %s: not a number\n", v);
				return -1;
			}
			o->set_slice = true;
		} else if (strcmp(a, "--max-insns") == 0) {
			if (parse_u64(v, &o->max_insns) != 0) {
				fprintf(stderr, "vmsim: --max-insns %s: not a number\n", v);
				return -1;
			}
			o->set_max = true;
		} else if (strcmp(a, "--cost") == 0) {
			if (o->ncosts == (int)nitems(o->costs)) {
				fprintf(stderr, "vmsim: too many --cost options\n");
				return -1;
			}
			o->costs[o->ncosts++] = v;
		} else {
			fprintf(stderr, "vmsim: unknown option %s\n", a);
			return -1;
		}
	}
	return i;
}

/* Apply the options to a config for arch; 0 or -1 (message printed). */
static int
build_config(struct options *o, enum sim_arch arch)
{
	struct machine_config *c = &o->cfg;

	machine_config_defaults(c, arch);
	if (o->set_mem)
		c->mem_bytes = o->mem;
	if (o->set_seed)
		c->seed = o->seed;
	if (o->set_tlb)
		c->tlb_entries = o->tlb;
	if (o->set_wired)
		c->tlb_wired = o->wired;
	if (o->set_slice)
		c->slice_insns = o->slice;
	if (o->set_max)
		c->max_insns = o->max_insns;
	c->root = o->root;
	for (int i = 0; i < o->ncosts; i++) {
		char name[64];
		const char *eq = strchr(o->costs[i], '=');
		uint64_t v;

		if (eq == NULL || (size_t)(eq - o->costs[i]) >= sizeof(name) ||
		    parse_u64(eq + 1, &v) != 0 || v > UINT32_MAX) {
			fprintf(stderr, "vmsim: --cost %s: expected NAME=CYCLES\n", o->costs[i]);
			return -1;
		}
		memcpy(name, o->costs[i], (size_t)(eq - o->costs[i]));
		name[eq - o->costs[i]] = '\0';
		if (cost_set(&c->cost, name, (uint32_t)v) != 0) {
			fprintf(stderr, "vmsim: --cost %s: no such cost (see `vmsim config`)\n", name);
			return -1;
		}
	}
	return 0;
}

static uint8_t *
read_file(const char *path, size_t *len)
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

/* A JSON string literal of s (malloc'ed). */
static char *
json_str(const char *s)
{
	size_t n = strlen(s);
	char *o = malloc(n * 6 + 3), *p = o;

	if (o == NULL)
		return NULL;
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
	return o;
}

static char *
json_argv(int argc, char **argv)
{
	size_t cap = 16, used = 0;
	char *s = malloc(cap);

	if (s == NULL)
		return NULL;
	s[used++] = '[';
	for (int i = 0; i < argc; i++) {
		char *q = json_str(argv[i]);
		size_t need;

		if (q == NULL) {
			free(s);
			return NULL;
		}
		need = used + strlen(q) + 4;
		if (need > cap) {
			char *ns;

			cap = need * 2;
			ns = realloc(s, cap);
			if (ns == NULL) {
				free(q);
				free(s);
				return NULL;
			}
			s = ns;
		}
		used += (size_t)sprintf(s + used, "%s%s", i ? "," : "", q);
		free(q);
	}
	s[used++] = ']';
	s[used] = '\0';
	return s;
}

/* Files the guest reads go into the trace, so it replays without them. */
static void
trace_file_hook(void *arg, const char *path, const void *data, size_t len)
{
	(void)trace_add_blob(arg, "file", path, data, len, NULL);
}

static void
print_summary(const uint64_t *v, const char *prog, int status)
{
#define C(name) ((unsigned long long)v[machine_counter_index(name)])
	fprintf(stderr,
	    "--- vmsim: %s exited with status %d\n"
	    "instructions %llu  cycles %llu  syscalls %llu (%llu unimplemented)\n"
	    "page faults: zero_fill %llu  file %llu  cow_copy %llu  soft %llu  failed %llu\n"
	    "TLB: hits %llu  misses %llu  refills %llu  invalid %llu  modified %llu  "
	    "walks %llu (%llu loads)\n"
	    "accesses: loads %llu  stores %llu  fetch pages %llu\n",
	    prog, status, C("insns"), C("cycles"), C("syscalls"),
	    C("syscalls_unimplemented"), C("pf_zero_fill"), C("pf_file"),
	    C("pf_cow_copy"), C("pf_soft"), C("pf_failed"), C("tlb_hits"),
	    C("tlb_misses"), C("tlb_refills"), C("tlb_invalid"), C("tlb_modified"),
	    C("walks"), C("walk_loads"), C("loads"), C("stores"), C("fetches"));
#undef C
}

static int
cmd_exec(int argc, char **argv)
{
	struct options o;
	struct machine *m = NULL;
	struct trace *tr = NULL;
	struct proc *p = NULL;
	uint64_t tot[MACHINE_NCTR];
	enum sim_arch arch;
	uint8_t *image;
	size_t len = 0;
	char err[512];
	int i, status = 2, runrv;
	char *json_cfg = NULL, *json_cmd = NULL, *json_tot = NULL, *json_args = NULL;

	memset(&o, 0, sizeof(o));
	o.arch = "auto";
	i = parse_options(argc, argv, 2, &o);
	if (i < 0)
		return 2;
	if (i >= argc) {
		usage(stderr);
		return 2;
	}
	if (o.root != NULL) {
		struct stat st;

		if (stat(o.root, &st) != 0 || !S_ISDIR(st.st_mode)) {
			fprintf(stderr, "vmsim: --root %s: not a directory\n", o.root);
			return 2;
		}
	}
	image = read_file(argv[i], &len);
	if (image == NULL) {
		fprintf(stderr, "vmsim: %s: %s\n", argv[i], strerror(errno));
		return 2;
	}
	if (strcmp(o.arch, "auto") == 0) {
		if (arch_from_elf(image, len, &arch) != 0) {
			fprintf(stderr, "vmsim: %s: not an ELF executable for mips, mipsel "
			    "or amd64 (use --arch to force one)\n", argv[i]);
			free(image);
			return 2;
		}
	} else if (arch_from_name(o.arch, &arch) != 0) {
		fprintf(stderr, "vmsim: --arch %s: expected auto, mips, mipsel or amd64\n", o.arch);
		free(image);
		return 2;
	}
	if (build_config(&o, arch) != 0) {
		free(image);
		return 2;
	}
	if (machine_create(&m, &o.cfg, err, sizeof(err)) != 0) {
		fprintf(stderr, "vmsim: %s\n", err);
		free(image);
		return 2;
	}
	if (o.trace != NULL) {
		if (trace_open(&tr, o.trace, err, sizeof(err)) != 0) {
			fprintf(stderr, "vmsim: %s\n", err);
			goto out;
		}
		json_cfg = machine_config_json(&o.cfg);
		json_cmd = json_argv(argc, argv);
		if (trace_set_run(tr, VMSIM_VERSION, sim_arch_name(arch), o.cfg.seed,
		    json_cfg, json_cmd) != 0 ||
		    trace_add_blob(tr, "binary", argv[i], image, len, NULL) != 0) {
			fprintf(stderr, "vmsim: %s: %s\n", o.trace, trace_errmsg(tr));
			goto out;
		}
		struct event_sink sink = trace_event_sink(tr);
		event_sink_add(&sink);
		machine_set_file_hook(m, trace_file_hook, tr);
	}
	if (machine_spawn(m, argv[i], image, len, argc - i, argv + i, &p, err, sizeof(err)) != 0) {
		fprintf(stderr, "vmsim: %s\n", err);
		goto out;
	}
	json_args = json_argv(argc - i, argv + i);
	if (tr != NULL)
		trace_process(tr, p->pid, p->ppid, argv[i], json_args, TRACE_NO_STATUS);
	runrv = machine_run(m, err, sizeof(err));
	status = machine_exit_status(p);
	if (runrv != 0) {
		fprintf(stderr, "vmsim: %s\n", err);
		status = 2;
	}
	machine_counters(m, tot);
	if (!o.quiet)
		print_summary(tot, argv[i], status);
	if (tr != NULL) {
		trace_process(tr, p->pid, p->ppid, argv[i], json_args, machine_exit_status(p));
		json_tot = machine_counters_json(tot);
		event_sinks_clear();
		if (trace_finish(tr, runrv == 0 ? TRACE_COMPLETE : TRACE_FAILED,
		    runrv == 0 ? "" : err, status, json_tot, err, sizeof(err)) != 0) {
			fprintf(stderr, "vmsim: %s: %s\n", o.trace, err);
			status = 2;
		}
		tr = NULL;
	}
out:
	if (tr != NULL) {
		event_sinks_clear();
		trace_finish(tr, TRACE_FAILED, "could not start the program",
		    TRACE_NO_STATUS, NULL, err, sizeof(err));
	}
	machine_destroy(m);
	free(image);
	free(json_cfg);
	free(json_cmd);
	free(json_tot);
	free(json_args);
	return status;
}

static int
cmd_config(int argc, char **argv)
{
	struct options o;
	enum sim_arch arch = ARCH_MIPS;
	char *json;

	memset(&o, 0, sizeof(o));
	o.arch = "mips";
	if (parse_options(argc, argv, 2, &o) != argc) {
		usage(stderr);
		return 2;
	}
	if (arch_from_name(o.arch, &arch) != 0) {
		fprintf(stderr, "vmsim: --arch %s: expected mips, mipsel or amd64\n", o.arch);
		return 2;
	}
	if (build_config(&o, arch) != 0)
		return 2;
	printf("machine: arch %s, memory %llu bytes, %u cpu(s), seed %llu, "
	    "TLB %u entries (0 = default), %u wired, slice %llu instructions\n",
	    sim_arch_name(arch), (unsigned long long)o.cfg.mem_bytes, o.cfg.ncpus,
	    (unsigned long long)o.cfg.seed, o.cfg.tlb_entries, o.cfg.tlb_wired,
	    (unsigned long long)o.cfg.slice_insns);
	printf("cycle costs (--cost NAME=CYCLES):\n");
	for (size_t i = 0; i < cost_nfields; i++)
		printf("  %-14s %6u  %s\n", cost_fields[i].name,
		    cost_get(&o.cfg.cost, &cost_fields[i]), cost_fields[i].doc);
	json = machine_config_json(&o.cfg);
	if (json != NULL)
		printf("json: %s\n", json);
	free(json);
	return 0;
}

int
main(int argc, char **argv)
{
	if (argc < 2) {
		usage(stderr);
		return 2;
	}
	if (strcmp(argv[1], "exec") == 0)
		return cmd_exec(argc, argv);
	if (strcmp(argv[1], "config") == 0)
		return cmd_config(argc, argv);
	if (strcmp(argv[1], "version") == 0) {
		printf("vmsim %s\n", VMSIM_VERSION);
		return 0;
	}
	if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "help") == 0) {
		usage(stdout);
		return 0;
	}
	fprintf(stderr, "vmsim: unknown command %s\n", argv[1]);
	usage(stderr);
	return 2;
}
