/*
 * fork_cow.c - freestanding guest: copy-on-write after fork.
 *
 * usage: fork_cow N
 * The parent maps N private anonymous pages, fills them, and forks.  The
 * child writes one word into each of the N pages (N copy-on-write faults
 * in the child) and exits 0; the parent waits for it, checks that its own
 * pages still hold what it wrote, and prints a checksum.  With N = 0 the
 * child does the same work minus the pages (the baseline of faults).
 */
#include "rt.h"

#define PAGE 4096

static unsigned long
checksum(const unsigned char *p, unsigned long n)
{
	unsigned long h = 5381;

	for (unsigned long i = 0; i < n; i++)
		h = (h * 33) ^ p[i];
	return h & 0xffffffffUL;
}

int main(int argc, char **argv, char **envp)
{
	unsigned long n = 0, before = 0, after = 0;
	unsigned char *buf = 0;
	int status = -1;
	long pid, r;

	(void)envp;
	if (argc != 2 || parse_ulong(argv[1], &n) != 0) {
		printf("usage: fork_cow N\n");
		return 2;
	}
	if (n > 0) {
		buf = mmap(0, n * PAGE, PROT_READ | PROT_WRITE,
			   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (SYS_IS_ERR(buf)) {
			printf("fork_cow: mmap failed (%ld)\n", (long)buf);
			return 1;
		}
		for (unsigned long i = 0; i < n * PAGE; i++)
			buf[i] = (unsigned char)(i * 7 + i / PAGE);
		before = checksum(buf, n * PAGE);
	}
	pid = fork();
	if (pid < 0) {
		printf("fork_cow: fork failed (%ld)\n", pid);
		return 1;
	}
	if (pid == 0) {
		/* The child: one store per shared page. */
		for (unsigned long i = 0; i < n; i++)
			*(volatile unsigned int *)(buf + i * PAGE) = 0xc0ffee00u + (unsigned)i;
		exit_group(getppid() > 0 ? 0 : 1);
	}
	r = wait4(pid, &status, 0, 0);
	if (r != pid) {
		printf("fork_cow: wait4 returned %ld\n", r);
		return 1;
	}
	if (n > 0)
		after = checksum(buf, n * PAGE);
	printf("fork_cow: %lu pages, checksum %lx, parent data %s, child status %x\n",
	       n, after, after == before ? "unchanged" : "CHANGED", status);
	return after == before && status == 0 ? 0 : 1;
}
