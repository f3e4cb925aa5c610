/*
 * vm_acct.c — user ids, the growable stack and swap accounting as a
 * Linux program sees them under vmsim (static glibc; VM-SPEC.md "Swap
 * accounting", "Wiring", "Address spaces").  Run it with
 * `vmsim exec --overcommit 2 [--uid 1000] vm_acct`:
 *
 *  - ids: started as root it becomes uid 1000 with setuid; as uid 1000
 *    it cannot become root again (EPERM); getresuid says 1000 three times;
 *  - stack: a recursion through 1 MiB of stack succeeds (the stack is
 *    mapped 128 KiB deep at exec and grows on faults); a child that
 *    lowers RLIMIT_STACK to 256 KiB and recurses deeper dies of SIGSEGV;
 *  - swap accounting with RLIMIT_SWAP enforced (--overcommit 2) and set
 *    to 16 MiB through vmsim's resource 16: the program cannot see its
 *    uid's reservation, but it can measure the room left under the limit
 *    (the largest RW anonymous mapping it can make, by bisection), which
 *    goes down by exactly what a mapping reserves.  A 10-page RW
 *    anonymous mmap takes 10 pages (40 KiB), touching it takes nothing
 *    more, munmap gives them back; a read-only one takes nothing until
 *    mprotect makes it writable;
 *  - fork: the room a child sees at once, compared with the parent's
 *    just before, is the fork's charge.  With 4 mlocked pages and an
 *    8-page charged object more in the parent, the charge is 4 + 2x8
 *    pages more (the wired pages are copied into a new charged object;
 *    a copy-on-write object needs a charge for each side).  The parent
 *    must write to the same memory between the two measured forks as
 *    before the first: an entry it wrote since the last fork is charged
 *    for both sides again (which is why no check is printed between
 *    them: stdio's buffers would count).
 *
 * Prints one line per check; exits 0 when every check held, 1 otherwise.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#define PG		4096
#define VMSIM_RLIMIT_SWAP 16		/* vmsim-private (Linux has none) */
#define SWAP_LIMIT	(16u << 20)

static int failures;

static void
check(int cond, const char *what)
{
	printf("%s: %s\n", cond ? "ok" : "FAILED", what);
	fflush(stdout);
	if (!cond)
		failures++;
}

/* Recurse n frames of about 4 KiB each; returns n. */
static int __attribute__((noinline))
deep(int n)
{
	volatile char buf[4000];

	buf[0] = 1;
	buf[sizeof(buf) - 1] = 1;
	if (n == 0)
		return 0;
	return deep(n - 1) + (buf[0] & buf[sizeof(buf) - 1]);
}

static char *
anon(size_t pages, int prot)
{
	void *p = mmap(NULL, pages * PG, prot, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	return (p == MAP_FAILED ? NULL : p);
}

/* The largest RW anonymous mapping (pages) the swap limit allows now. */
static long
room(void)
{
	long lo = 0, hi = SWAP_LIMIT / PG + 1;

	while (hi - lo > 1) {
		long mid = (lo + hi) / 2;
		char *p = anon((size_t)mid, PROT_READ | PROT_WRITE);

		if (p != NULL) {
			munmap(p, (size_t)mid * PG);
			lo = mid;
		} else {
			hi = mid;
		}
	}
	return lo;
}

/* The charge of a fork now: the room before it less the child's. */
static long
fork_charge(void)
{
	long before, child = -1;
	int fd[2], status;
	pid_t pid;

	if (pipe(fd) != 0)
		return -1;
	before = room();
	pid = fork();
	if (pid == 0) {
		long r = room();

		(void)!write(fd[1], &r, sizeof(r));
		_exit(0);
	}
	if (pid < 0 || read(fd[0], &child, sizeof(child)) != sizeof(child))
		child = -1;
	waitpid(pid, &status, 0);
	close(fd[0]);
	close(fd[1]);
	return child < 0 ? -1 : before - child;
}

int
main(void)
{
	struct rlimit rl;
	uid_t r, e, s;
	char msg[160], *a, *w, *o;
	long r0, r1, c0, c1;
	int status, i, locked;
	pid_t pid;

	/* ---- ids ---- */
	if (getuid() == 0)
		check(setuid(1000) == 0 && getuid() == 1000 && geteuid() == 1000,
		    "root: setuid(1000)");
	errno = 0;
	check(setuid(0) == -1 && errno == EPERM, "uid 1000: setuid(0) is EPERM");
	check(setuid(1000) == 0, "uid 1000: setuid(1000) (no change) is allowed");
	check(getresuid(&r, &e, &s) == 0 && r == 1000 && e == 1000 && s == 1000,
	    "getresuid: 1000 1000 1000");

	/* ---- the growable stack ---- */
	check(deep(256) == 256, "recursion through 1 MiB of stack succeeds");
	pid = fork();
	if (pid == 0) {
		rl.rlim_cur = rl.rlim_max = 256 << 10;
		if (setrlimit(RLIMIT_STACK, &rl) != 0)
			_exit(2);
		deep(512);
		_exit(0);		/* not reached: SIGSEGV */
	}
	check(pid > 0 && waitpid(pid, &status, 0) == pid && WIFSIGNALED(status) &&
	    WTERMSIG(status) == SIGSEGV,
	    "a recursion beyond RLIMIT_STACK (256 KiB) dies of SIGSEGV");

	/* ---- swap accounting ---- */
	rl.rlim_cur = rl.rlim_max = SWAP_LIMIT;
	check(setrlimit(VMSIM_RLIMIT_SWAP, &rl) == 0, "setrlimit(RLIMIT_SWAP, 16 MiB)");
	check(getrlimit(VMSIM_RLIMIT_SWAP, &rl) == 0 && rl.rlim_cur == SWAP_LIMIT,
	    "getrlimit(RLIMIT_SWAP) reads it back");
	r0 = room();
	check(r0 > 10 && r0 < SWAP_LIMIT / PG, "the limit is in force: some room, "
	    "less than the limit");
	a = anon(10, PROT_READ | PROT_WRITE);
	r1 = room();
	snprintf(msg, sizeof(msg), "a 10-page RW anonymous mmap reserves 40 KiB "
	    "(room %ld -> %ld pages)", r0, r1);
	check(a != NULL && r1 == r0 - 10, msg);
	for (i = 0; a != NULL && i < 10; i++)
		a[i * PG] = (char)i;
	check(room() == r0 - 10, "touching its pages reserves nothing more");
	check(a != NULL && munmap(a, 10 * PG) == 0 && room() == r0,
	    "munmap gives the 40 KiB back");
	a = anon(10, PROT_READ);
	check(a != NULL && room() == r0, "a read-only private mapping reserves nothing");
	check(a != NULL && mprotect(a, 10 * PG, PROT_READ | PROT_WRITE) == 0 &&
	    room() == r0 - 10, "mprotect RW reserves its 10 pages");
	check(a != NULL && munmap(a, 10 * PG) == 0 && room() == r0,
	    "munmap gives them back");

	/* ---- fork ---- */
	(void)fork_charge();		/* the first fork settles the parent */
	c0 = fork_charge();
	w = anon(4, PROT_READ | PROT_WRITE);
	o = anon(8, PROT_READ | PROT_WRITE);
	for (i = 0; w != NULL && i < 4; i++)
		w[i * PG] = (char)(30 + i);
	for (i = 0; o != NULL && i < 8; i++)
		o[i * PG] = (char)(50 + i);
	locked = w != NULL && mlock(w, 4 * PG) == 0;
	c1 = fork_charge();
	check(locked, "mlock 4 pages");
	snprintf(msg, sizeof(msg), "fork with 4 mlocked pages and an 8-page charged "
	    "object more is charged 4 + 2x8 pages more (%ld -> %ld)", c0, c1);
	check(c0 >= 0 && c1 - c0 == 4 + 2 * 8, msg);
	check(w != NULL && munlock(w, 4 * PG) == 0, "munlock");

	if (failures == 0)
		printf("vm_acct: all checks passed\n");
	return failures == 0 ? 0 : 1;
}
