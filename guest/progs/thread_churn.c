/*
 * thread_churn.c — static glibc: create and reap threads one at a time.
 *
 * usage: thread_churn [N]   (default 10, at most 100000)
 * N times: pthread_create a thread, which does a little work (a short
 * loop over a buffer on its own stack) and returns its index, then
 * pthread_join it before the next one starts.  So at most two threads
 * exist at once and the kernel stack of each reaped thread can be reused
 * (the kstack cache).  Prints
 *     thread_churn: n=N sum=<sum of the returned indices>
 * and exits 0; 1 if a call fails or a thread returns the wrong value
 * (the sum is then not printed); 2 on bad arguments.
 */
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static volatile uint32_t sink;

static void *
worker(void *arg)
{
	uintptr_t index = (uintptr_t)arg;
	volatile uint32_t buf[64];
	uint32_t h = 0;
	unsigned int i;

	for (i = 0; i < 64; i++)
		buf[i] = (uint32_t)(index * 64 + i);
	for (i = 0; i < 64; i++)
		h = h * 31 + buf[i];
	sink = h;		/* keeps the work from being optimised away */
	return ((void *)index);
}

int
main(int argc, char **argv)
{
	unsigned long n = 10, i;
	unsigned long long sum = 0;
	pthread_t tid;
	void *ret;
	char *end;
	int err;

	if (argc > 2 || (argc == 2 && (argv[1][0] < '0' || argv[1][0] > '9'))) {
		fprintf(stderr, "usage: thread_churn [N]\n");
		return (2);
	}
	if (argc == 2) {
		n = strtoul(argv[1], &end, 10);
		if (*end != '\0' || n > 100000) {
			fprintf(stderr, "usage: thread_churn [N (0..100000)]\n");
			return (2);
		}
	}
	for (i = 0; i < n; i++) {
		err = pthread_create(&tid, NULL, worker, (void *)(uintptr_t)i);
		if (err != 0) {
			printf("thread_churn: pthread_create %lu failed: %s\n",
			    i, strerror(err));
			return (1);
		}
		err = pthread_join(tid, &ret);
		if (err != 0) {
			printf("thread_churn: pthread_join %lu failed: %s\n",
			    i, strerror(err));
			return (1);
		}
		if ((uintptr_t)ret != i) {
			printf("thread_churn: thread %lu returned %lu\n", i,
			    (unsigned long)(uintptr_t)ret);
			return (1);
		}
		sum += (uintptr_t)ret;
	}
	printf("thread_churn: n=%lu sum=%llu\n", n, sum);
	return (0);
}
