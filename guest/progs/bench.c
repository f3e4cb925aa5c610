/*
 * bench.c — the compute-bound workload of the speed benchmark: integer
 * matrix multiplication and a quicksort of pseudo-random numbers, in
 * static arrays (no system calls but the final write and exit).
 *
 * usage: bench [ROUNDS]   (default 10; about 10M guest instructions each)
 * Prints "bench rounds=R checksum=X", the same on every architecture.
 */
#include "rt.h"

#define N	64
#define NSORT	40000

static int a[N][N], b[N][N], c[N][N];
static unsigned sortbuf[NSORT];

static unsigned
lcg(unsigned *s)
{
	*s = *s * 1103515245u + 12345u;
	return *s >> 8;
}

static void
matmul(void)
{
	for (int i = 0; i < N; i++)
		for (int j = 0; j < N; j++) {
			int sum = 0;
			for (int k = 0; k < N; k++)
				sum += a[i][k] * b[k][j];
			c[i][j] = sum;
		}
}

static void
quicksort(unsigned *v, int lo, int hi)
{
	while (lo < hi) {
		unsigned pivot = v[(lo + hi) / 2];
		int i = lo, j = hi;

		while (i <= j) {
			while (v[i] < pivot)
				i++;
			while (v[j] > pivot)
				j--;
			if (i <= j) {
				unsigned t = v[i];
				v[i] = v[j];
				v[j] = t;
				i++;
				j--;
			}
		}
		/* Recurse into the smaller half: bounded stack. */
		if (j - lo < hi - i) {
			quicksort(v, lo, j);
			lo = i;
		} else {
			quicksort(v, i, hi);
			hi = j;
		}
	}
}

int
main(int argc, char **argv)
{
	unsigned long rounds = 10;
	unsigned seed = 1, sum = 0;

	if (argc > 1 && parse_ulong(argv[1], &rounds) != 0) {
		dprintf(2, "usage: bench [ROUNDS]\n");
		return 2;
	}
	for (unsigned long r = 0; r < rounds; r++) {
		for (int i = 0; i < N; i++)
			for (int j = 0; j < N; j++) {
				a[i][j] = (int)(lcg(&seed) & 0xff);
				b[i][j] = (int)(lcg(&seed) & 0xff);
			}
		matmul();
		for (int i = 0; i < N; i++)
			sum = sum * 31u + (unsigned)c[i][(i * 7) % N];
		for (int i = 0; i < NSORT; i++)
			sortbuf[i] = lcg(&seed);
		quicksort(sortbuf, 0, NSORT - 1);
		for (int i = 0; i < NSORT; i += 997)
			sum = sum * 31u + sortbuf[i];
	}
	printf("bench rounds=%lu checksum=%x\n", rounds, sum);
	return 0;
}
