/*
 * smp_stale.c — static glibc: what a missed TLB shootdown lets a thread
 * see (the teaching program for `vmsim exec --bug skip-shootdown`).
 *
 * usage: smp_stale   (run with --cpus 2 to see anything interesting)
 *
 * Two threads share the address space.  Thread A is the main thread
 * (meant to run on CPU0); thread B is started by it (meant to run on
 * CPU1).  They synchronise only by spinning on atomic flags (calling
 * sched_yield every few checks, so a single CPU is not wasted):
 *
 *  1. A maps a page P and writes "OLD data" into it.
 *  2. B reads P (a TLB miss on B's CPU: its TLB now holds P -> frame F)
 *     and publishes what it read.
 *  3. A unmaps P.  The kernel frees F and must remove P's translation from
 *     every CPU's TLB (a shootdown) before F can be used again.
 *  4. A maps a new page Q and writes a secret into it.  Its zero-fill
 *     fault takes the lowest free frame, which is F (vmsim's allocator
 *     hands out the lowest free frame, and F is the only hole; most
 *     kernels reuse recently freed frames first).
 *  5. A tells B to go on; B reads P again, with a SIGSEGV handler armed.
 *
 * Correct: B's read of P faults, the handler siglongjmps back, and the
 * program prints "B: P unmapped (SIGSEGV) - correct" and exits 0.  With
 * the shootdown skipped, B's CPU still holds P -> F, the read succeeds and
 * returns Q's secret: "B: read stale data through P: SECRET..." and exit
 * status 3.  If both threads share one CPU, A's own (local) invalidation
 * removes the entry and the outcome is the correct one.  Exit 1 if the
 * set-up fails.  The output has no addresses and depends on nothing but
 * the outcome.
 *
 * Care is taken that nothing else allocates a frame between step 3 and
 * step 4 (which would take F first): every page the program writes is
 * touched before, the code paths of step 3-4 (mmap, munmap, fill) run
 * once before, nothing is printed until B is done, and Q is placed (by an
 * mmap hint) in a free slot right after P and its neighbour K, which
 * stays mapped and touched, so that Q needs no new page-table page.  B is
 * started before the mapping holding P is made, so that its stack does
 * not take that slot.
 */
#include <pthread.h>
#include <sched.h>
#include <setjmp.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>

#define PG	4096
#define BLOCK	8	/* pages mapped to find a window for P, K, Q */
#define SPIN	32	/* flag checks between two sched_yield calls */
#define TEXTLEN	48

enum outcome { NOT_YET, FAULTED, READ_DATA };

/*
 * Everything the threads write, in one place that is touched (memset)
 * before the experiment, so no store in it faults in a new frame.
 */
static struct shared {
	atomic_int	b_ready;	/* B is running */
	atomic_int	p_ready;	/* P is filled; S.p is valid */
	atomic_int	b_seen;		/* B has read P once */
	atomic_int	go;		/* Q is filled: B reads P again */
	volatile char	*p;
	char		old_text[TEXTLEN];
	char		secret_text[TEXTLEN];
	char		first[TEXTLEN];	/* what B read the first time */
	char		second[TEXTLEN]; /* ... and the second time */
	volatile int	outcome;
	volatile sig_atomic_t armed;	/* B's read of P may fault */
	sigjmp_buf	jb;
} S;

/* B's fault on P lands here: back to B's sigsetjmp.  Any other SIGSEGV
 * is a real crash: restore the default action and let it happen again. */
static void
on_segv(int sig)
{
	if (S.armed) {
		S.armed = 0;
		siglongjmp(S.jb, 1);
	}
	signal(sig, SIG_DFL);
}

/* Wait (spinning, yielding now and then) until *flag is nonzero. */
static void
wait_for(atomic_int *flag)
{
	unsigned int n = 0;

	while (atomic_load_explicit(flag, memory_order_acquire) == 0)
		if (++n % SPIN == 0)
			sched_yield();
}

static void
fill(volatile char *page, const char *text)
{
	size_t i;

	for (i = 0; text[i] != '\0'; i++)
		page[i] = text[i];
	page[i] = '\0';
}

/* Copy the string at the start of page into buf, one load at a time. */
static void
copy_from(volatile const char *page, char *buf)
{
	size_t i;

	for (i = 0; i < TEXTLEN - 1; i++)
		if ((buf[i] = page[i]) == '\0')
			break;
	buf[i] = '\0';
}

/* buf made printable: non-printing bytes as '.', all zeros as <zeros>. */
static const char *
printable(char *buf)
{
	size_t i;

	if (buf[0] == '\0')
		return ("<zeros>");
	for (i = 0; buf[i] != '\0'; i++)
		if ((unsigned char)buf[i] < 0x20 || (unsigned char)buf[i] > 0x7e)
			buf[i] = '.';
	return (buf);
}

static void *
thread_b(void *arg)
{
	int tries;

	(void)arg;
	atomic_store_explicit(&S.b_ready, 1, memory_order_release);
	wait_for(&S.p_ready);
	/* Read P until the data is there (at once, in practice): from now on
	 * this CPU's TLB holds P's translation. */
	for (tries = 0; tries < 1000; tries++) {
		copy_from(S.p, S.first);
		if (strcmp(S.first, S.old_text) == 0)
			break;
	}
	atomic_store_explicit(&S.b_seen, 1, memory_order_release);
	/* Wait without touching P (only the flag's page). */
	wait_for(&S.go);
	if (sigsetjmp(S.jb, 1) == 0) {
		S.armed = 1;
		copy_from(S.p, S.second);
		S.armed = 0;
		S.outcome = READ_DATA;
	} else
		S.outcome = FAULTED;
	return (NULL);
}

int
main(void)
{
	struct sigaction sa;
	pthread_t tid;
	char *base, *p, *k, *q, *slot;
	int w, err;

	memset(&S, 0, sizeof(S));
	strcpy(S.old_text, "OLD data");
	strcpy(S.secret_text, "SECRET: the launch code is 0000");
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_segv;
	sigemptyset(&sa.sa_mask);
	if (sigaction(SIGSEGV, &sa, NULL) != 0) {
		printf("smp_stale: sigaction failed\n");
		return (1);
	}
	printf("smp_stale: thread A (main) and thread B share one address space\n");
	fflush(stdout);

	err = pthread_create(&tid, NULL, thread_b, NULL);
	if (err != 0) {
		printf("smp_stale: pthread_create failed: %s\n", strerror(err));
		return (1);
	}
	wait_for(&S.b_ready);

	/* P, K and Q's slot: 3 consecutive pages of one page-table page
	 * (no 2 MiB boundary among them); the rest of the block goes. */
	base = mmap(NULL, BLOCK * PG, PROT_READ | PROT_WRITE,
	    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (base == MAP_FAILED) {
		printf("smp_stale: mmap failed\n");
		return (1);
	}
	for (w = 0; w + 3 <= BLOCK; w++)
		if (((uintptr_t)base + w * PG) >> 21 ==
		    ((uintptr_t)base + (w + 2) * PG) >> 21)
			break;
	if (w + 3 > BLOCK)	/* cannot happen: 2 MiB is 512 pages */
		w = 0;
	if ((w > 0 && munmap(base, w * PG) != 0) ||
	    munmap(base + (w + 2) * PG, (BLOCK - w - 2) * PG) != 0) {
		printf("smp_stale: munmap failed\n");
		return (1);
	}
	p = base + w * PG;
	k = p + PG;
	slot = p + 2 * PG;
	fill(k, "K keeps the page table");
	fill(p, S.old_text);
	S.p = p;
	atomic_store_explicit(&S.p_ready, 1, memory_order_release);
	wait_for(&S.b_seen);

	/* The window: no frame may be allocated between these two steps
	 * other than Q's. */
	if (munmap(p, PG) != 0) {
		printf("smp_stale: munmap of P failed\n");
		return (1);
	}
	q = mmap(slot, PG, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS,
	    -1, 0);
	if (q == MAP_FAILED || q == p) {
		printf("smp_stale: mmap of Q failed or reused P's address\n");
		return (1);
	}
	fill(q, S.secret_text);
	atomic_store_explicit(&S.go, 1, memory_order_release);

	err = pthread_join(tid, NULL);
	if (err != 0) {
		printf("smp_stale: pthread_join failed: %s\n", strerror(err));
		return (1);
	}
	printf("A: wrote \"%s\" into page P\n", S.old_text);
	printf("B: read P: \"%s\" (B's CPU now caches P's translation in its TLB)\n",
	    printable(S.first));
	printf("A: unmapped P: every CPU's TLB entry for P must be shot down "
	    "before P's frame is used again\n");
	printf("A: mapped a new page Q and wrote \"%s\" into it "
	    "(the kernel reuses P's freed frame for Q)\n", S.secret_text);
	printf("B: reads P again\n");
	if (S.outcome == FAULTED) {
		printf("B: P unmapped (SIGSEGV) - correct\n");
		printf("smp_stale: no CPU kept a translation for P, so P's old "
		    "frame could not be reached through P\n");
		return (0);
	}
	printf("B: read stale data through P: %s\n", printable(S.second));
	printf("smp_stale: BUG: B's CPU still held P's old TLB entry (the "
	    "shootdown was skipped), which points at P's freed frame\n");
	if (strcmp(S.second, S.secret_text) == 0)
		printf("smp_stale: that frame now holds Q, so B read another "
		    "mapping's data\n");
	else
		printf("smp_stale: that frame was not (only) Q's: B read "
		    "whatever it holds now\n");
	return (3);
}
