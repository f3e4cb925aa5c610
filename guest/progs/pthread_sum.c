/*
 * pthread_sum.c — static glibc: several POSIX threads sum one array.
 *
 * usage: pthread_sum [NTHREADS [N]]   (defaults 4 and 100000)
 * Maps an array of N 32-bit values (anonymous mmap) and starts NTHREADS
 * pthreads (1..64).  Thread t owns the slice [t*N/NTHREADS,
 * (t+1)*N/NTHREADS): it fills it with value(i) (a fixed formula, so the
 * page faults of the array come from every thread) and sums it into its
 * own slot.  The main thread joins them all, adds the partial sums and
 * compares the total with the serial sum of value(i) computed without the
 * array.  Prints
 *     pthread_sum: threads=T n=N total=<decimal>
 *     ok                     (or "WRONG: expected <decimal>")
 * and exits 0 iff the totals agree; 1 on a mismatch or a failed call; 2
 * on bad arguments.  Output depends only on the arguments.
 */
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#define MAXTHREADS	64
#define MAXN		(1UL << 24)

struct slice {
	pthread_t	tid;
	unsigned long	lo, hi;		/* [lo, hi) of the array */
	uint64_t	sum;
};

static uint32_t *array;
static struct slice slices[MAXTHREADS];

/* The i-th value: a multiplicative hash, so the sum exercises all bits. */
static uint32_t
value(unsigned long i)
{
	return ((uint32_t)i * 2654435761u) ^ ((uint32_t)i >> 3);
}

static void *
worker(void *arg)
{
	struct slice *s = arg;
	uint64_t sum = 0;
	unsigned long i;

	for (i = s->lo; i < s->hi; i++)
		array[i] = value(i);
	for (i = s->lo; i < s->hi; i++)
		sum += array[i];
	s->sum = sum;
	return (NULL);
}

static int
parse(const char *s, unsigned long lo, unsigned long hi, unsigned long *out)
{
	char *end;
	unsigned long v;

	if (*s < '0' || *s > '9')
		return (-1);
	v = strtoul(s, &end, 10);
	if (*end != '\0' || v < lo || v > hi)
		return (-1);
	*out = v;
	return (0);
}

int
main(int argc, char **argv)
{
	unsigned long nthreads = 4, n = 100000, i, t;
	uint64_t total = 0, expect = 0;
	int err;

	if (argc > 3 || (argc > 1 && parse(argv[1], 1, MAXTHREADS, &nthreads)) ||
	    (argc > 2 && parse(argv[2], 1, MAXN, &n))) {
		fprintf(stderr, "usage: pthread_sum [NTHREADS (1..%d) [N (1..%lu)]]\n",
		    MAXTHREADS, MAXN);
		return (2);
	}
	array = mmap(NULL, n * sizeof(*array), PROT_READ | PROT_WRITE,
	    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (array == MAP_FAILED) {
		printf("pthread_sum: mmap failed\n");
		return (1);
	}
	for (t = 0; t < nthreads; t++) {
		slices[t].lo = t * n / nthreads;
		slices[t].hi = (t + 1) * n / nthreads;
		err = pthread_create(&slices[t].tid, NULL, worker, &slices[t]);
		if (err != 0) {
			printf("pthread_sum: pthread_create %lu failed: %s\n",
			    t, strerror(err));
			return (1);
		}
	}
	for (t = 0; t < nthreads; t++) {
		err = pthread_join(slices[t].tid, NULL);
		if (err != 0) {
			printf("pthread_sum: pthread_join %lu failed: %s\n",
			    t, strerror(err));
			return (1);
		}
		total += slices[t].sum;
	}
	for (i = 0; i < n; i++)
		expect += value(i);
	printf("pthread_sum: threads=%lu n=%lu total=%llu\n", nthreads, n,
	    (unsigned long long)total);
	if (total != expect) {
		printf("WRONG: expected %llu\n", (unsigned long long)expect);
		return (1);
	}
	printf("ok\n");
	return (0);
}
