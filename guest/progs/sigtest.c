/*
 * sigtest.c - freestanding guest: signal handlers, sigreturn and wait
 * status words, printed so a test can compare them.
 *
 *  1. SIGSEGV handler (SA_SIGINFO) on a store to a read-only page: it
 *     reads si_addr and si_code (SEGV_ACCERR), makes the page writable and
 *     returns; the store is retried and succeeds.  Values the code keeps
 *     in registers across the fault must survive (sigreturn restores
 *     every register).
 *  2. The same for a load from an unmapped page (SEGV_MAPERR): the
 *     handler maps it.
 *  3. kill(getpid(), SIGUSR1) while SIGUSR1 is blocked: it stays pending
 *     (sigpending) until unblocked, then the handler runs once.
 *  4. wait4 status words: exit(3), SIGTERM (default: terminate), an
 *     unhandled SIGSEGV, SIGKILL sent by the parent after WNOHANG found
 *     the child still running; then ECHILD.  getppid in a child.  execve
 *     of a missing file fails with ENOENT and the program goes on.
 *  5. A SIG_IGN'd SIGUSR2 and a SA_RESETHAND handler.
 */
#include "rt.h"

#define PAGE 4096
#define FAULT_VA 0x10000000UL

static volatile unsigned long seen_addr, seen_code, seen_sig, usr1_count;
static volatile unsigned long fault_page;
static volatile int *volatile page0_ptr = (volatile int *)8;	/* never mapped */

static void
on_segv(int sig, struct ksiginfo *si, void *uc)
{
	(void)uc;
	seen_sig = (unsigned long)sig;
	seen_addr = (unsigned long)si->u.si_addr;
	seen_code = (unsigned long)si->si_code;
	if (si->si_code == SEGV_ACCERR)
		mprotect((void *)fault_page, PAGE, PROT_READ | PROT_WRITE);
	else
		mmap((void *)FAULT_VA, PAGE, PROT_READ | PROT_WRITE,
		     MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
}

static void
on_usr1(int sig)
{
	(void)sig;
	usr1_count++;
}

/* Work that keeps values live in registers across the faulting access. */
static unsigned long __attribute__((noinline))
mix(volatile unsigned int *p, unsigned long a, unsigned long b, int store)
{
	unsigned long x = a * 3 + b, y = a ^ (b << 3), z = a + b * 5;

	if (store)
		*p = (unsigned int)(x + y);	/* faults once */
	else
		x += *p;			/* faults once */
	return x * 7 + y * 11 + z * 13;
}

static void
child_status(const char *what, long pid)
{
	int status = -1;
	long r = wait4(pid, &status, 0, 0);

	if (r == pid)
		printf("sigtest: %s: wait4 ok, status %x\n", what, status);
	else
		printf("sigtest: %s: wait4 FAILED (%ld for pid %ld), status %x\n", what,
		       r, pid, status);
}

int main(int argc, char **argv, char **envp)
{
	unsigned long long pend = 0, old = 0;
	unsigned long r1, r2;
	void *oldh = 0;
	long pid, r;

	(void)argc; (void)argv; (void)envp;

	/* 1. store to a read-only page */
	fault_page = (unsigned long)mmap(0, PAGE, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	sigaction_raw(SIGSEGV, (void *)on_segv, SA_SIGINFO | SA_RESTART, 0, 0);
	r1 = mix((volatile unsigned int *)(fault_page + 8), 1000, 77, 1);
	printf("sigtest: store fault: sig %lu, si_addr %s, code %lu, result %lu, value %u\n",
	       seen_sig, seen_addr == fault_page + 8 ? "ok" : "WRONG", seen_code, r1,
	       *(unsigned int *)(fault_page + 8));

	/* 2. load from an unmapped page */
	seen_sig = seen_addr = seen_code = 0;
	r2 = mix((volatile unsigned int *)(FAULT_VA + 12), 5, 6, 0);
	printf("sigtest: load fault: sig %lu, si_addr %s, code %lu, result %lu\n",
	       seen_sig, seen_addr == FAULT_VA + 12 ? "ok" : "WRONG", seen_code, r2);

	/* 3. blocked, pending, delivered on unblock */
	sigaction_raw(SIGUSR1, (void *)on_usr1, SA_RESTART, 0, 0);
	sigprocmask_raw(SIG_BLOCK, 1ULL << (SIGUSR1 - 1), &old);
	kill(getpid(), SIGUSR1);
	kill(getpid(), SIGUSR1);
	sigpending_raw(&pend);
	printf("sigtest: blocked: pending %s, handler ran %lu times\n",
	       pend & (1ULL << (SIGUSR1 - 1)) ? "yes" : "no", usr1_count);
	sigprocmask_raw(SIG_SETMASK, old, 0);
	printf("sigtest: unblocked: handler ran %lu times\n", usr1_count);

	/* 4. wait status words */
	pid = fork();
	if (pid == 0)
		exit_group(3);
	child_status("exit(3)", pid);
	pid = fork();
	if (pid == 0) {
		kill(getpid(), SIGTERM);
		exit_group(99);
	}
	child_status("SIGTERM", pid);
	pid = fork();
	if (pid == 0) {
		sigaction_raw(SIGSEGV, (void *)SIG_DFL, 0, 0, 0);
		*page0_ptr = 1;
		exit_group(98);
	}
	child_status("SIGSEGV", pid);
	pid = fork();
	if (pid == 0) {
		for (;;)
			sched_yield();
	}
	r = wait4(pid, 0, WNOHANG, 0);
	printf("sigtest: WNOHANG on a running child: %ld\n", r);
	kill(pid, SIGKILL);
	child_status("SIGKILL", pid);
	pid = fork();
	if (pid == 0)
		exit_group(getppid() == 1 ? 0 : 1);	/* the parent is pid 1 */
	child_status("getppid", pid);
	printf("sigtest: no children left: wait4 %ld\n", wait4(-1, 0, 0, 0));

	{
		char *args[] = { "/no/such/file", 0 };

		printf("sigtest: execve of a missing file: %ld\n",
		       execve("/no/such/file", args, args + 1));
	}

	/* 5. SIG_IGN and SA_RESETHAND */
	sigaction_raw(SIGUSR2, (void *)SIG_IGN, 0, 0, 0);
	kill(getpid(), SIGUSR2);
	usr1_count = 0;
	sigaction_raw(SIGUSR1, (void *)on_usr1, SA_RESETHAND, 0, 0);
	kill(getpid(), SIGUSR1);
	sigaction_raw(SIGUSR1, (void *)on_usr1, 0, 0, &oldh);
	printf("sigtest: ignored SIGUSR2 survived; resethand: ran %lu, then %s\n",
	       usr1_count, oldh == (void *)SIG_DFL ? "SIG_DFL" : "still set");
	return 0;
}
