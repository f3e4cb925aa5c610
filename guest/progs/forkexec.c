/*
 * forkexec.c - static glibc guest: fork, execve of itself, waitpid and
 * signals, printing lines that do not depend on the machine (no pids,
 * paths or signal numbers), so vmsim's output can be compared with the
 * host's (amd64) and with one expected file on every arch.
 *
 *   forkexec          the parent: signal handlers (SA_SIGINFO, blocked
 *                     and pending), then four children: two exec
 *                     "forkexec child" (after fork and after vfork), one
 *                     is killed by SIGTERM, one waits for SIGUSR1 from
 *                     the parent; SIGCHLD counted.
 *   forkexec child    the exec'd image: its own SIGUSR1 handler, exit 7.
 */
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;

static volatile sig_atomic_t usr1_hits, chld_hits, info_ok;

static void
on_usr1(int sig)
{
	if (sig == SIGUSR1)
		usr1_hits++;
}

static void
on_usr1_info(int sig, siginfo_t *si, void *uc)
{
	(void)uc;
	info_ok = sig == SIGUSR1 && si->si_signo == SIGUSR1 && si->si_code == SI_USER &&
	    si->si_pid == getpid();
	usr1_hits++;
}

static void
on_chld(int sig)
{
	if (sig == SIGCHLD)
		chld_hits++;
}

static void
report(const char *who, int status)
{
	if (WIFEXITED(status))
		printf("%s: exited with %d\n", who, WEXITSTATUS(status));
	else if (WIFSIGNALED(status))
		printf("%s: killed by %s\n", who, WTERMSIG(status) == SIGTERM ? "SIGTERM" :
		    WTERMSIG(status) == SIGKILL ? "SIGKILL" : "another signal");
	else
		printf("%s: status %#x\n", who, status);
}

static int
child_main(int argc, char **argv)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_usr1;
	sa.sa_flags = SA_RESTART;
	sigaction(SIGUSR1, &sa, NULL);
	kill(getpid(), SIGUSR1);
	printf("child: exec'd with %d arguments, argv[1] = %s, handler ran %d time(s)\n",
	    argc, argv[1], (int)usr1_hits);
	fflush(stdout);
	return 7;
}

int
main(int argc, char **argv)
{
	struct sigaction sa;
	sigset_t set, pend;
	int status;
	pid_t pid;

	if (argc > 1 && strcmp(argv[1], "child") == 0)
		return child_main(argc, argv);

	/* A SA_SIGINFO handler, sent to ourselves with kill. */
	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = on_usr1_info;
	sa.sa_flags = SA_SIGINFO | SA_RESTART;
	sigaction(SIGUSR1, &sa, NULL);
	kill(getpid(), SIGUSR1);
	printf("parent: SIGUSR1 handler ran %d time(s), siginfo %s\n", (int)usr1_hits,
	    info_ok ? "right" : "WRONG");

	/* Blocked: pending until unblocked. */
	sigemptyset(&set);
	sigaddset(&set, SIGUSR1);
	sigprocmask(SIG_BLOCK, &set, NULL);
	kill(getpid(), SIGUSR1);
	sigpending(&pend);
	printf("parent: blocked SIGUSR1 pending: %s, handler ran %d time(s)\n",
	    sigismember(&pend, SIGUSR1) ? "yes" : "no", (int)usr1_hits);
	sigprocmask(SIG_UNBLOCK, &set, NULL);
	printf("parent: unblocked, handler ran %d time(s)\n", (int)usr1_hits);

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_chld;
	sa.sa_flags = SA_RESTART;
	sigaction(SIGCHLD, &sa, NULL);

	/* 1. fork + execve of ourselves. */
	fflush(stdout);
	pid = fork();
	if (pid == 0) {
		char *args[] = { argv[0], "child", NULL };

		execve(argv[0], args, environ);
		printf("child: execve failed\n");
		_exit(127);
	}
	if (waitpid(pid, &status, 0) != pid)
		printf("parent: waitpid failed\n");
	report("parent: exec'd child", status);

	/* 1b. vfork + execve (the parent waits until the child has exec'd). */
	fflush(stdout);
	pid = vfork();
	if (pid == 0) {
		char *args[] = { argv[0], "child", NULL };

		execve(argv[0], args, environ);
		_exit(127);
	}
	if (waitpid(pid, &status, 0) != pid)
		printf("parent: waitpid failed\n");
	report("parent: vfork'd child", status);

	/* 2. a child killed by SIGTERM (default action). */
	fflush(stdout);
	pid = fork();
	if (pid == 0) {
		signal(SIGTERM, SIG_DFL);
		kill(getpid(), SIGTERM);
		_exit(1);
	}
	waitpid(pid, &status, 0);
	report("parent: second child", status);

	/* 3. SIGUSR1 from the parent to a child that waits for it (blocked
	 * since before fork, so it cannot be lost). */
	sigprocmask(SIG_BLOCK, &set, NULL);
	usr1_hits = 0;
	fflush(stdout);
	pid = fork();
	if (pid == 0) {
		sa.sa_handler = on_usr1;
		sa.sa_flags = SA_RESTART;
		sigaction(SIGUSR1, &sa, NULL);
		for (;;) {
			sigpending(&pend);
			if (sigismember(&pend, SIGUSR1))
				break;
			sched_yield();
		}
		sigprocmask(SIG_UNBLOCK, &set, NULL);
		printf("third child: SIGUSR1 from the parent, handler ran %d time(s), "
		    "parent is %s\n", (int)usr1_hits, getppid() > 1 || getppid() == 1 ?
		    "known" : "unknown");
		fflush(stdout);
		_exit(usr1_hits == 1 ? 3 : 4);
	}
	kill(pid, SIGUSR1);
	waitpid(pid, &status, 0);
	report("parent: third child", status);
	sigprocmask(SIG_UNBLOCK, &set, NULL);

	printf("parent: SIGCHLD handler ran: %s; no children left: %s\n",
	    chld_hits > 0 ? "yes" : "no", waitpid(-1, &status, 0) < 0 ? "yes" : "no");
	return 0;
}
