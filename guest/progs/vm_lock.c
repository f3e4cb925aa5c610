/*
 * vm_lock.c — memory locking and msync as a Linux program sees them
 * (static glibc): mlock/munlock of anonymous memory and its errors
 * (unmapped ENOMEM, wrap EINVAL, over RLIMIT_MEMLOCK ENOMEM), mlockall
 * (MCL_CURRENT | MCL_FUTURE: later mappings work and are usable) and its
 * EINVAL, munlockall, msync (anonymous: nothing to do; EINVAL for an
 * unaligned address or MS_ASYNC|MS_SYNC; ENOMEM for unmapped memory),
 * locked read-only mappings made writable (anonymous; and a private file
 * mapping — VM-SPEC: the pages are copied at once, the data stays, the
 * file is untouched), and fork of a locked region (the child gets a copy;
 * neither sees the other's writes).
 *
 * Prints one line per check (and "region ADDR", the locked private file
 * mapping, whose write faults the system test counts in the trace);
 * exits 0 when every check held, 1 otherwise.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#define PG 4096

static int failures;

static void
check(int cond, const char *what)
{
	printf("%s: %s\n", cond ? "ok" : "FAILED", what);
	fflush(stdout);
	if (!cond)
		failures++;
}

static char *
anon(size_t pages, int prot)
{
	void *p = mmap(NULL, pages * PG, prot, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	return (p == MAP_FAILED ? NULL : p);
}

int
main(void)
{
	static char page[PG];
	struct rlimit rl, small;
	char *a, *b, *c, *f, *hole;
	int i, good, status, fd;
	pid_t pid;

	a = anon(8, PROT_READ | PROT_WRITE);
	check(a != NULL, "mmap 8 pages");
	check(mlock(a, 8 * PG) == 0, "mlock 8 pages");
	for (i = 0; i < 8; i++)
		a[i * PG] = (char)('a' + i);
	check(mlock(a + 100, 2 * PG) == 0, "mlock again (unaligned start)");
	check(munlock(a, 8 * PG) == 0, "munlock");
	check(munlock(a, 8 * PG) == 0, "munlock of unlocked memory (Linux: 0)");
	good = 1;
	for (i = 0; i < 8; i++)
		good &= a[i * PG] == 'a' + i;
	check(good, "data intact after lock/unlock");

	hole = anon(3, PROT_READ | PROT_WRITE);
	munmap(hole + PG, PG);
	errno = 0;
	check(mlock(hole, 3 * PG) == -1 && errno == ENOMEM,
	    "mlock over an unmapped page: ENOMEM");
	errno = 0;
	check(munlock(hole, 3 * PG) == -1 && errno == ENOMEM,
	    "munlock over an unmapped page: ENOMEM");
	errno = 0;
	check(mlock((void *)(~(unsigned long)0 - PG), 4 * PG) == -1 &&
	    errno == EINVAL, "mlock of a wrapping range: EINVAL");

	check(getrlimit(RLIMIT_MEMLOCK, &rl) == 0, "getrlimit(RLIMIT_MEMLOCK)");
	small.rlim_cur = 2 * PG;
	small.rlim_max = rl.rlim_max;
	check(setrlimit(RLIMIT_MEMLOCK, &small) == 0, "RLIMIT_MEMLOCK = 2 pages");
	errno = 0;
	check(mlock(a, 4 * PG) == -1 && errno == ENOMEM,
	    "mlock of 4 pages over the limit: ENOMEM");
	check(mlock(a, 2 * PG) == 0 && munlock(a, 2 * PG) == 0,
	    "2 pages fit the limit");
	check(setrlimit(RLIMIT_MEMLOCK, &rl) == 0, "limit restored");

	/* The same with anonymous memory: the entry is not copy-on-write,
	 * the pages are simply made writable. */
	b = anon(2, PROT_READ | PROT_WRITE);
	b[0] = 'x';
	b[PG] = 'y';
	check(mprotect(b, 2 * PG, PROT_READ) == 0 && mlock(b, 2 * PG) == 0,
	    "read-only anonymous mapping locked");
	check(mprotect(b, 2 * PG, PROT_READ | PROT_WRITE) == 0,
	    "mprotect RW of the locked anonymous mapping");
	b[0]++;
	b[PG]++;
	check(b[0] == 'y' && b[PG] == 'z', "written through, data kept");
	check(munlock(b, 2 * PG) == 0, "unlocked");

	/* VM-SPEC: mlock a read-only private (file) mapping, mprotect it RW:
	 * the pages are copied at once, stay wired, no write fault follows. */
	memset(page, 'f', sizeof(page));
	fd = open("/vm_lock.dat", O_CREAT | O_TRUNC | O_RDWR, 0644);
	check(fd >= 0 && write(fd, page, PG) == PG && write(fd, page, PG) == PG,
	    "a 2-page file");
	f = mmap(NULL, 2 * PG, PROT_READ, MAP_PRIVATE, fd, 0);
	check(f != MAP_FAILED && f[0] == 'f' && f[PG] == 'f',
	    "mapped private read-only");
	printf("region %lx\n", (unsigned long)f);	/* for the trace query */
	check(mlock(f, 2 * PG) == 0, "locked");
	check(mprotect(f, 2 * PG, PROT_READ | PROT_WRITE) == 0,
	    "mprotect RW of the locked private file mapping");
	f[0] = 'F';
	f[PG + 1] = 'G';
	check(f[0] == 'F' && f[1] == 'f' && f[PG + 1] == 'G',
	    "written: the private copy holds the file's data and the writes");
	check(pread(fd, page, 2, 0) == 2 && page[0] == 'f',
	    "the file is unchanged");
	check(munlock(f, 2 * PG) == 0 && munmap(f, 2 * PG) == 0 && close(fd) == 0,
	    "unlocked and unmapped");

	/* fork of a locked region: the child has a copy. */
	check(mlock(a, 8 * PG) == 0, "lock 8 pages again");
	pid = fork();
	if (pid == 0) {
		int ok = a[3 * PG] == 'd';

		a[3 * PG] = 'C';
		_exit(ok && a[3 * PG] == 'C' ? 0 : 1);
	}
	check(pid > 0 && waitpid(pid, &status, 0) == pid &&
	    WIFEXITED(status) && WEXITSTATUS(status) == 0,
	    "fork: the child reads the locked data and writes its copy");
	check(a[3 * PG] == 'd', "fork: the parent's locked page unchanged");
	a[4 * PG] = 'P';
	check(munlock(a, 8 * PG) == 0 && a[4 * PG] == 'P', "parent writes, unlocks");

	/* mlockall. */
	errno = 0;
	check(mlockall(0) == -1 && errno == EINVAL, "mlockall(0): EINVAL");
	errno = 0;
	check(mlockall(0x40) == -1 && errno == EINVAL, "mlockall(bad bit): EINVAL");
	check(mlockall(MCL_CURRENT | MCL_FUTURE) == 0,
	    "mlockall(MCL_CURRENT | MCL_FUTURE)");
	c = anon(4, PROT_READ | PROT_WRITE);
	good = c != NULL;
	for (i = 0; good && i < 4; i++) {
		c[i * PG] = (char)i;
		good = c[i * PG] == i;
	}
	check(good, "a mapping made after MCL_FUTURE works");
	check(munlockall() == 0, "munlockall");
	c[0] = 9;
	check(c[0] == 9 && a[0] == 'a', "memory still usable after munlockall");

	/* msync. */
	check(msync(a, 8 * PG, MS_SYNC) == 0, "msync of anonymous memory: 0");
	check(msync(a, PG, MS_ASYNC | MS_INVALIDATE) == 0, "msync MS_ASYNC|MS_INVALIDATE");
	errno = 0;
	check(msync(a + 1, PG, MS_SYNC) == -1 && errno == EINVAL,
	    "msync unaligned: EINVAL");
	errno = 0;
	check(msync(a, PG, MS_SYNC | MS_ASYNC) == -1 && errno == EINVAL,
	    "msync MS_SYNC|MS_ASYNC: EINVAL");
	errno = 0;
	check(msync(hole, 3 * PG, MS_SYNC) == -1 && errno == ENOMEM,
	    "msync over an unmapped page: ENOMEM");

	printf("vm_lock: %s\n", failures == 0 ? "all checks passed" : "FAILED");
	return (failures != 0);
}
