/*
 * tests/bench/speed.c — the speed benchmark of the memory model (issue 4).
 *
 * usage: speed PROGRAM [ARGS...]
 *
 * Runs the static guest PROGRAM in three modes, each in a fresh machine,
 * best of SPEED_REPS runs (default 3) per mode, and prints guest
 * instructions per second for
 *   (a) Unicorn with no per-access hooks (pages prefaulted),
 *   (b) our block and memory hooks with empty bodies (pages prefaulted),
 *   (c) the full model (TLB, caches, faults, cycle accounting),
 * and the ratios (c)/(b) and (c)/(a), all measured in this one process.
 * The instruction count is the one the full model counted (the program
 * is deterministic, so it is the same in every mode).  Host time is used
 * here and only here: benchmarks are not part of the test suite.
 */
#include "cpu/cpu.h"
#include "sim/machine.h"
#include "tests/sys/systest.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static int
arch_of(const uint8_t *b, size_t len, enum sim_arch *a)
{
	if (len < 20 || memcmp(b, "\177ELF", 4) != 0)
		return -1;
	if (b[4] == 2)
		*a = ARCH_AMD64;
	else
		*a = b[5] == 2 ? ARCH_MIPS : ARCH_MIPSEL;
	return 0;
}

/* Seconds spent in machine_run; *insns from the machine's counters. */
static uint64_t full_ctr[MACHINE_NCTR];	/* the full model's counters */

static double
run_mode(enum sim_arch arch, int hooks, const char *path, const uint8_t *img,
    size_t len, int argc, char **argv, uint64_t *insns, int *status)
{
	struct machine_config cfg;
	struct machine *m;
	struct proc *p;
	struct timespec t0, t1;
	uint64_t v[MACHINE_NCTR];
	char err[256];

	machine_config_defaults(&cfg, arch);
	cfg.bench_hooks = hooks;
	if (machine_create(&m, &cfg, err, sizeof(err)) != 0 ||
	    machine_spawn(m, path, img, len, argc, argv, &p, err, sizeof(err)) != 0) {
		fprintf(stderr, "speed: %s\n", err);
		exit(2);
	}
	clock_gettime(CLOCK_MONOTONIC, &t0);
	if (machine_run(m, err, sizeof(err)) != 0) {
		fprintf(stderr, "speed: %s\n", err);
		exit(2);
	}
	clock_gettime(CLOCK_MONOTONIC, &t1);
	machine_counters(m, v);
	*insns = v[machine_counter_index("insns")];
	if (hooks == CPU_HOOKS_FULL)
		memcpy(full_ctr, v, sizeof(v));
	*status = machine_exit_status(p);
	machine_destroy(m);
	return (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
}

int
main(int argc, char **argv)
{
	static const char *const names[] = {
		"(a) Unicorn, no hooks", "(b) empty hooks", "(c) full model",
	};
	static const int modes[] = { CPU_HOOKS_NONE, CPU_HOOKS_EMPTY, CPU_HOOKS_FULL };
	double secs[3];
	uint64_t insns = 0, n;
	enum sim_arch arch;
	size_t len;
	uint8_t *img;
	int status, reps = 3;

	if (argc < 2) {
		fprintf(stderr, "usage: speed PROGRAM [ARGS...]   (SPEED_REPS=N: best of N, default 3)\n");
		return 2;
	}
	if (getenv("SPEED_REPS") != NULL && atoi(getenv("SPEED_REPS")) > 0)
		reps = atoi(getenv("SPEED_REPS"));
	img = (uint8_t *)systest_slurp(argv[1], &len);
	if (img == NULL || arch_of(img, len, &arch) != 0) {
		fprintf(stderr, "speed: %s: not a guest program\n", argv[1]);
		return 2;
	}
	/* Best of `reps` runs per mode (this machine is shared: the
	 * minimum is the least disturbed), the modes interleaved so that a
	 * slow spell hits all three alike.  The full model runs first: it
	 * counts the instructions. */
	for (int i = 0; i < 3; i++)
		secs[i] = 1e30;
	for (int rep = 0; rep < reps; rep++) {
		for (int i = 2; i >= 0; i--) {
			double t = run_mode(arch, modes[i], argv[1], img, len, argc - 1,
			    argv + 1, &n, &status);

			if (i == 2)
				insns = n;
			if (status != 0) {
				fprintf(stderr, "speed: the guest exited with status %d\n", status);
				return 2;
			}
			if (t < secs[i])
				secs[i] = t;
		}
	}
	printf("speed: %s (%s), %llu guest instructions, best of %d runs per mode\n",
	    argv[1], sim_arch_name(arch), (unsigned long long)insns, reps);
	for (int i = 0; i < 3; i++)
		printf("  %-24s %7.3f s  %7.1f guest MIPS\n", names[i], secs[i],
		    (double)insns / secs[i] / 1e6);
#define C(n) ((unsigned long long)full_ctr[machine_counter_index(n)])
	printf("  model: %llu cycles; loads %llu stores %llu; TLB misses %llu; "
	    "L1D %llu accesses %llu misses; L1I %llu / %llu; L2 %llu / %llu\n",
	    C("cycles"), C("loads"), C("stores"), C("tlb_misses"), C("l1d_accesses"),
	    C("l1d_misses"), C("l1i_accesses"), C("l1i_misses"), C("l2_accesses"),
	    C("l2_misses"));
#undef C
	printf("  ratio (c)/(b) = %.2f   ratio (c)/(a) = %.2f   (speed of c relative to b, a)\n",
	    secs[1] / secs[2], secs[0] / secs[2]);
	free(img);
	return 0;
}
