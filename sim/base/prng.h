/*
 * sim/base/prng.h — the machine's one seeded pseudo-random generator
 * (xoshiro256**, seeded through splitmix64).  Everything random in a run
 * (the MIPS Random register, getrandom, AT_RANDOM) draws from a prng
 * seeded from --seed, so runs are reproducible byte for byte.
 */
#ifndef SIM_BASE_PRNG_H
#define SIM_BASE_PRNG_H

#include <stdint.h>

struct prng {
	uint64_t s[4];
};

void prng_seed(struct prng *r, uint64_t seed);
uint64_t prng_next(struct prng *r);
/* A uniform value in [0, n); n > 0. */
uint64_t prng_below(struct prng *r, uint64_t n);

#endif
