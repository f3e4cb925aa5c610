/*
 * sim/main.c — the vmsim command line.
 *
 *   vmsim exec [options] PROGRAM [ARGS...]   run a static Linux program
 *   vmsim run [--trace FILE] SCRIPT.lua [ARGS...]   run a Lua scenario (sim/lua.c)
 *   vmsim config [--arch A] [options]        print the machine configuration
 *   vmsim replay|diff|show|stats|dump ...    the trace tools (sim/tools.h)
 *   vmsim bench trace                        the trace store's speed
 *   vmsim version
 *
 * Exit status of `exec`: the program's (its exit code, or 128 + the
 * signal that killed it); 2 for a usage error, an unloadable program or a
 * simulator failure; 3 when the simulated kernel panicked (a teaching
 * knob's kernel-stack overflow...: the trace is complete, status failed).  Of `run`: 0, 1 (an assert in the script failed),
 * 2 (any other error).  The trace tools: 0, 1 (a difference), 2 (error).
 */
#include "mmu/cost.h"
#include "sim/base/event.h"
#include "sim/kern/kern.h"
#include "sim/lua.h"
#include "sim/machine.h"
#include "sim/tools.h"
#include "sim/trace.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

static void
usage(FILE *f)
{
	fprintf(f,
	    "usage: vmsim exec [options] PROGRAM [ARGS...]\n"
	    "       vmsim run [--trace FILE] [--sample-cycles K] SCRIPT.lua [ARGS...]\n"
	    "                 (a Lua scenario: docs/lua-api.md, labs in scripts/lua/labs)\n"
	    "       vmsim config [options]\n"
	    "       vmsim replay T.db [--until SEQ] [--set KEY=VALUE... --trace OUT]\n"
	    "       vmsim diff A.db B.db [--format text|markdown|json|csv] [--all]\n"
	    "                  [--tolerance PCT%%|N] [--threshold METRIC=PCT%%|N]...\n"
	    "       vmsim show T.db [--kind K] [--pid P] [--va LO-HI] [--cycles LO-HI] [--limit N]\n"
	    "       vmsim stats T.db\n"
	    "       vmsim dump T.db          (canonical text, as in traces/golden/)\n"
	    "       vmsim bench trace [--events N] [PROGRAM ARGS...]\n"
	    "       vmsim version\n"
	    "options:\n"
	    "  --arch auto|mips|mipsel|amd64   guest architecture (default: from the ELF)\n"
	    "  --mem SIZE         physical memory, e.g. 64M (default 64M)\n"
	    "  --swap SIZE        the swap device, e.g. 64M (default: none)\n"
	    "  --overcommit N     swap accounting: 0 count only (default), 1 enforce the\n"
	    "                     swap size, 2 enforce RLIMIT_SWAP, 4 (with 1) add RAM\n"
	    "  --uid N            the user id the program runs as (default 0, root)\n"
	    "  --seed N           seed of the machine's random generator (default 1)\n"
	    "  --trace FILE       record faults and TLB exceptions in an SQLite trace\n"
	    "  --sample-cycles K  trace: counter samples every K cycles (default 1000000, 0: final only)\n"
	    "  --root DIR         the host directory the guest sees as / (read-only)\n"
	    "  --tlb-entries N    TLB entries (MIPS default 48, amd64 64)\n"
	    "  --tlb-wired N      MIPS wired TLB entries (at least the kernel's: 1, 2 on SMP)\n"
	    "  --cpus N           CPUs, 1 to 64 (default 1)\n"
	    "  --bug NAME         a teaching knob (a deliberate kernel bug): skip-shootdown,\n"
	    "                     kstack-overflow, pipe-use-after-free; may be repeated\n"
	    "  --memguard SPEC    memguard kernel malloc requests; SPEC is TYPE[,frequency=N]\n"
	    "                     [,minsize=N][,options=alllarge|guard|none][,divisor=N]\n"
	    "                     (TYPE: pipe, exec, temp...; frequency: N in 100000 at random)\n"
	    "  --slice N          instructions per scheduling slice (default 10000)\n"
	    "  --max-insns N      stop after N instructions (default: no limit)\n"
	    "  --l1i G, --l1d G, --l2 G   cache geometry SIZE/ASSOC/LINE[/lru|plru|fifo],\n"
	    "                     e.g. 32K/8/64 (see `vmsim config` for the defaults)\n"
	    "  --l2-shared        one L2 for every CPU (default: one per CPU)\n"
	    "  --itlb E/W, --dtlb E/W, --stlb E/W   amd64 TLB levels: ENTRIES/WAYS\n"
	    "                     (WAYS may be full; --stlb 0 switches the STLB off)\n"
	    "  --din FILE         write the physical reference stream in Dinero IV din format\n"
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
	uint64_t mem, seed, slice, max_insns, sample_cycles;
	uint64_t swap, overcommit, uid, cpus;
	unsigned bugs;
	struct memguard_config memguard;
	bool set_memguard;
	unsigned tlb, wired;
	const char *costs[64];
	int ncosts;
	const char *l1i, *l1d, *l2;	/* cache geometries, parsed once arch is known */
	const char *itlb, *dtlb, *stlb;
	bool l2_shared;
	const char *din;
};

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
		if (strcmp(a, "--l2-shared") == 0) {
			o->l2_shared = true;
			continue;
		}
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
		} else if (strcmp(a, "--swap") == 0) {
			if (parse_size(v, &o->swap) != 0 || (o->swap & 4095) != 0) {
				fprintf(stderr, "vmsim: --swap %s: not a size in whole pages "
				    "(e.g. 64M)\n", v);
				return -1;
			}
		} else if (strcmp(a, "--overcommit") == 0) {
			if (parse_u64(v, &o->overcommit) != 0 || o->overcommit > 7) {
				fprintf(stderr, "vmsim: --overcommit %s: expected 0 to 7 "
				    "(bits 1, 2, 4)\n", v);
				return -1;
			}
		} else if (strcmp(a, "--cpus") == 0) {
			if (parse_u64(v, &o->cpus) != 0 || o->cpus < 1 || o->cpus > MACHINE_MAX_CPUS) {
				fprintf(stderr, "vmsim: --cpus %s: expected 1 to %d\n", v,
				    MACHINE_MAX_CPUS);
				return -1;
			}
		} else if (strcmp(a, "--bug") == 0) {
			if (machine_bug_bit(v) == 0) {
				fprintf(stderr, "vmsim: --bug %s: unknown (skip-shootdown, "
				    "kstack-overflow, pipe-use-after-free)\n", v);
				return -1;
			}
			o->bugs |= machine_bug_bit(v);
		} else if (strcmp(a, "--memguard") == 0) {
			char err[160];

			if (memguard_config_parse(&o->memguard, v, err, sizeof(err)) != 0) {
				fprintf(stderr, "vmsim: --%s\n", err);	/* "memguard: ..." */
				return -1;
			}
			o->set_memguard = true;
		} else if (strcmp(a, "--uid") == 0) {
			if (parse_u64(v, &o->uid) != 0 || o->uid >= 0xffffffffull) {
				fprintf(stderr, "vmsim: --uid %s: not a user id\n", v);
				return -1;
			}
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
		} else if (strcmp(a, "--sample-cycles") == 0) {
			if (parse_u64(v, &o->sample_cycles) != 0) {
				fprintf(stderr, "vmsim: --sample-cycles %s: not a number\n", v);
				return -1;
			}
		} else if (strcmp(a, "--max-insns") == 0) {
			if (parse_u64(v, &o->max_insns) != 0) {
				fprintf(stderr, "vmsim: --max-insns %s: not a number\n", v);
				return -1;
			}
			o->set_max = true;
		} else if (strcmp(a, "--l1i") == 0) {
			o->l1i = v;
		} else if (strcmp(a, "--l1d") == 0) {
			o->l1d = v;
		} else if (strcmp(a, "--l2") == 0) {
			o->l2 = v;
		} else if (strcmp(a, "--itlb") == 0) {
			o->itlb = v;
		} else if (strcmp(a, "--dtlb") == 0) {
			o->dtlb = v;
		} else if (strcmp(a, "--stlb") == 0) {
			o->stlb = v;
		} else if (strcmp(a, "--din") == 0) {
			o->din = v;
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
	c->swap_bytes = o->swap;
	c->overcommit = (unsigned)o->overcommit;
	c->uid = (uint32_t)o->uid;
	if (o->cpus != 0)
		c->ncpus = (unsigned)o->cpus;
	c->bugs = o->bugs;
	if (o->set_memguard)
		c->memguard = o->memguard;
	if (o->set_seed)
		c->seed = o->seed;
	if (o->set_tlb)
		c->tlb_entries = o->tlb;
	if (o->set_wired)
		c->tlb_wired = o->wired;
	c->l2_shared = o->l2_shared;
	{
		const struct { const char *opt, *val; struct cache_geom *g; } cg[] = {
			{ "--l1i", o->l1i, &c->l1i }, { "--l1d", o->l1d, &c->l1d },
			{ "--l2", o->l2, &c->l2 },
		};
		const struct { const char *opt, *val; struct tlb_amd64_array_geom *g; } tg[] = {
			{ "--itlb", o->itlb, &c->itlb }, { "--dtlb", o->dtlb, &c->dtlb },
			{ "--stlb", o->stlb, &c->stlb },
		};
		char err[200];

		for (size_t i = 0; i < nitems(cg); i++)
			if (cg[i].val != NULL && cache_geom_parse(cg[i].val, cg[i].g, err,
			    sizeof(err)) != 0) {
				fprintf(stderr, "vmsim: %s: %s\n", cg[i].opt, err);
				return -1;
			}
		for (size_t i = 0; i < nitems(tg); i++) {
			if (tg[i].val == NULL)
				continue;
			if (arch != ARCH_AMD64) {
				fprintf(stderr, "vmsim: %s: only amd64 has that TLB level "
				    "(MIPS: --tlb-entries, --tlb-wired)\n", tg[i].opt);
				return -1;
			}
			if (tlb_amd64_geom_parse(tg[i].val, tg[i].g, err, sizeof(err)) != 0) {
				fprintf(stderr, "vmsim: %s: %s\n", tg[i].opt, err);
				return -1;
			}
		}
	}
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

static int
cmd_exec(int argc, char **argv)
{
	struct options o;
	struct run_spec spec;
	enum sim_arch arch;
	uint8_t *image;
	size_t len = 0;
	int i, status;
	char *json_cmd;

	memset(&o, 0, sizeof(o));
	o.arch = "auto";
	o.sample_cycles = RUN_SAMPLE_DEFAULT;
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
	image = run_read_file(argv[i], &len);
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
	} else if (tool_arch(o.arch, &arch) != 0) {
		fprintf(stderr, "vmsim: --arch %s: expected auto, mips, mipsel or amd64\n", o.arch);
		free(image);
		return 2;
	}
	if (build_config(&o, arch) != 0) {
		free(image);
		return 2;
	}
	json_cmd = run_json_argv(argc, argv);
	memset(&spec, 0, sizeof(spec));
	spec.cfg = o.cfg;
	spec.program = argv[i];
	spec.image = image;
	spec.len = len;
	spec.argc = argc - i;
	spec.argv = argv + i;
	spec.trace_path = o.trace;
	spec.din_path = o.din;
	spec.cmdline_json = json_cmd;
	spec.sample_cycles = o.sample_cycles;
	spec.quiet = o.quiet;
	status = run_program(&spec, NULL);
	free(json_cmd);
	free(image);
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
	if (tool_arch(o.arch, &arch) != 0) {
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
	{
		char g1[64], g2[64], g3[64];

		cache_geom_format(&o.cfg.l1i, g1, sizeof(g1));
		cache_geom_format(&o.cfg.l1d, g2, sizeof(g2));
		cache_geom_format(&o.cfg.l2, g3, sizeof(g3));
		printf("caches (SIZE/ASSOC/LINE/POLICY): L1I %s, L1D %s, L2 %s (%s)\n",
		    g1, g2, g3, o.cfg.l2_shared ? "shared" : "one per CPU");
	}
	if (arch == ARCH_AMD64)
		printf("TLBs (ENTRIES/WAYS, 4 KiB pages): ITLB %u/%u, DTLB %u/%u, STLB %u/%u%s\n",
		    o.cfg.itlb.entries, o.cfg.itlb.ways, o.cfg.dtlb.entries, o.cfg.dtlb.ways,
		    o.cfg.stlb.entries, o.cfg.stlb.ways, o.cfg.tlb_entries ?
		    " (--tlb-entries overrides both L1s: fully associative)" : "");
	else
		printf("TLB: JTLB %u entries (even/odd pairs), %u wired, random replacement\n",
		    o.cfg.tlb_entries ? o.cfg.tlb_entries : 48, o.cfg.tlb_wired);
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
	if (strcmp(argv[1], "run") == 0)
		return cmd_run(argc, argv);
	if (strcmp(argv[1], "config") == 0)
		return cmd_config(argc, argv);
	if (strcmp(argv[1], "replay") == 0)
		return cmd_replay(argc, argv);
	if (strcmp(argv[1], "diff") == 0)
		return cmd_diff(argc, argv);
	if (strcmp(argv[1], "show") == 0)
		return cmd_show(argc, argv);
	if (strcmp(argv[1], "stats") == 0)
		return cmd_stats(argc, argv);
	if (strcmp(argv[1], "dump") == 0)
		return cmd_dump(argc, argv);
	if (strcmp(argv[1], "bench") == 0)
		return cmd_bench(argc, argv);
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
