/*
 * smp_munmap.c — static glibc: munmap of 3 pages, with the process active
 * on one CPU or on two (the shootdown targeting test).
 *
 * usage: smp_munmap [THREADS]   (1, the default, or 2)
 * Maps 4 anonymous pages and stores to each, so all 4 have translations.
 * With THREADS = 2 it then starts a second thread that spins, reading the
 * 4th page and a shared "stop" flag, so that the process is active on a
 * second CPU; the main thread waits until the spinner is running.  Then
 * ONE munmap call removes the first 3 pages (the 4th stays mapped, so the
 * page-table page stays too).  Afterwards the main thread sets "stop",
 * joins the spinner and checks the 4th page.  Prints
 *     smp_munmap threads=T: done
 * and exits 0; 1 if a call fails; 2 on bad arguments.
 *
 * Between the spinner's start and the munmap nothing else unmaps memory
 * (no printf, no malloc, no thread exit), so every shootdown with reason
 * munmap in that stretch of the trace comes from this one call.
 *
 * Spinning loops call sched_yield every 32 checks, so that with one CPU
 * the waiting thread gives the CPU to the other instead of burning its
 * whole slice.
 */
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#define PG	4096
#define NPAGES	4	/* mapped */
#define NUNMAP	3	/* unmapped in one call */
#define SPIN	32	/* flag checks between two sched_yield calls */

static atomic_int running, stop;
static char *region;
static volatile unsigned long spins_sink;

/* Wait (spinning, yielding now and then) until *flag is nonzero. */
static void
wait_for(atomic_int *flag)
{
	unsigned int n = 0;

	while (atomic_load_explicit(flag, memory_order_acquire) == 0)
		if (++n % SPIN == 0)
			sched_yield();
}

static void *
spinner(void *arg)
{
	volatile char *keep = (volatile char *)region + (NPAGES - 1) * PG;
	unsigned long sum = 0;
	unsigned int n = 0;

	(void)arg;
	atomic_store_explicit(&running, 1, memory_order_release);
	while (atomic_load_explicit(&stop, memory_order_acquire) == 0) {
		sum += keep[0];		/* the mapping stays in use on this CPU */
		if (++n % SPIN == 0)
			sched_yield();
	}
	spins_sink = sum;
	return (NULL);
}

int
main(int argc, char **argv)
{
	pthread_t tid;
	int threads = 1, i, err;

	if (argc > 2 || (argc == 2 && strcmp(argv[1], "1") != 0 &&
	    strcmp(argv[1], "2") != 0)) {
		fprintf(stderr, "usage: smp_munmap [1|2]\n");
		return (2);
	}
	if (argc == 2)
		threads = argv[1][0] - '0';
	region = mmap(NULL, NPAGES * PG, PROT_READ | PROT_WRITE,
	    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (region == MAP_FAILED) {
		printf("smp_munmap: mmap failed\n");
		return (1);
	}
	for (i = 0; i < NPAGES; i++)
		region[i * PG] = (char)('a' + i);
	if (threads == 2) {
		err = pthread_create(&tid, NULL, spinner, NULL);
		if (err != 0) {
			printf("smp_munmap: pthread_create failed: %s\n",
			    strerror(err));
			return (1);
		}
		wait_for(&running);
	}
	/* The measured operation: exactly one call, exactly 3 pages. */
	if (munmap(region, NUNMAP * PG) != 0) {
		printf("smp_munmap: munmap failed\n");
		return (1);
	}
	if (threads == 2) {
		atomic_store_explicit(&stop, 1, memory_order_release);
		err = pthread_join(tid, NULL);
		if (err != 0) {
			printf("smp_munmap: pthread_join failed: %s\n",
			    strerror(err));
			return (1);
		}
	}
	if (region[(NPAGES - 1) * PG] != 'a' + NPAGES - 1) {
		printf("smp_munmap: the page kept lost its data\n");
		return (1);
	}
	printf("smp_munmap threads=%d: done\n", threads);
	return (0);
}
