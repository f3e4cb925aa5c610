/*
 * shm_anon.c — shared anonymous memory across fork.
 *
 * The parent maps one MAP_SHARED|MAP_ANONYMOUS page and one
 * MAP_PRIVATE|MAP_ANONYMOUS page, writes 1 into both, and forks; the
 * child writes 42 into both and exits; the parent waits and prints what
 * it sees: "shm_anon shared=42 private=1" (the shared page is one object
 * for both processes, the private one was copied on write).
 */
#include "rt.h"

int
main(void)
{
	volatile int *shared, *priv;
	int status = 0;
	long pid;

	shared = mmap(0, 4096, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	priv = mmap(0, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (SYS_IS_ERR(shared) || SYS_IS_ERR(priv)) {
		dprintf(2, "shm_anon: mmap failed\n");
		return 1;
	}
	*shared = 1;
	*priv = 1;
	pid = fork();
	if (pid == 0) {
		*shared = 42;
		*priv = 42;
		return 0;
	}
	if (pid < 0 || wait4(pid, &status, 0, 0) != pid || status != 0) {
		dprintf(2, "shm_anon: fork/wait failed\n");
		return 1;
	}
	printf("shm_anon shared=%d private=%d\n", *shared, *priv);
	return 0;
}
