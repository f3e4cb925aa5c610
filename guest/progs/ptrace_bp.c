/*
 * ptrace_bp.c - static glibc guest: a debugger's breakpoint (issue 5,
 * acceptance 3; VM-SPEC "Debugger access and I-cache sync").
 *
 *   ptrace_bp             the tracer (prints every step, no pids or
 *                         addresses, so the output is the same everywhere)
 *   ptrace_bp bystander N another process running the same binary: waits
 *                         for a byte on fd N, then calls victim()
 *
 * The tracer forks a tracee (PTRACE_TRACEME, then SIGSTOP to itself),
 * writes a breakpoint over the first instruction of victim() with
 * PTRACE_POKETEXT (MIPS `break`, amd64 int3 in the low byte of the word
 * it read with PEEKTEXT), lets a bystander (fork + execve of this
 * program) and itself call victim() - both get the right answer, since
 * the tracee's text page is a private copy - then continues the tracee,
 * which traps at the breakpoint (MIPS epc == victim, amd64 rip ==
 * victim + 1).  The tracer puts the word back, moves the PC to victim
 * (SETREGS) and continues: the tracee prints the right answer and exits
 * 0.  Then PTRACE_ATTACH/DETACH of a process asleep in read() (and
 * CONT of a process not traced: ESRCH); a sibling that attaches,
 * continues and exits without DETACH (the tracee goes on and handles a
 * later SIGUSR1); and the errors: TRACEME twice
 * (EPERM), PEEKTEXT/POKEDATA of an unmapped address (EIO), a bad
 * signal (EIO), PTRACE_KILL, a pid that does not exist (ESRCH), ATTACH
 * to oneself (EPERM).  Prints "ptrace_bp: all ok" and exits 0 when
 * every check passed.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ptrace.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;

#ifdef __mips__
/* Linux arch/mips/include/uapi/asm/ptrace.h: PTRACE_GETREGS's layout. */
struct mips_regs {
	unsigned long long regs[32];
	unsigned long long lo, hi, epc, badvaddr, status, cause;
};
#define BREAK_INSN	0x0000000dUL	/* break 0 */
#else
#include <sys/user.h>
#endif

static int failures;

static void
check(int cond, const char *what)
{
	printf("%s: %s\n", what, cond ? "ok" : "FAILED");
	if (!cond)
		failures++;
}

__attribute__((noinline)) int
victim(int x)
{
	volatile int y = x;

	return y * 3 + 1;
}

static int
bystander(int fd)
{
	char c;

	if (read(fd, &c, 1) != 1)
		return 2;
	printf("bystander: victim(5) = %d\n", victim(5));
	return 0;
}

/* The tracee's PC (regs from PTRACE_GETREGS) and setting it. */
#ifdef __mips__
typedef struct mips_regs regs_t;
static unsigned long reg_pc(const regs_t *r) { return (unsigned long)r->epc; }
static void reg_set_pc(regs_t *r, unsigned long pc) { r->epc = (long)pc; }
#else
typedef struct user_regs_struct regs_t;
static unsigned long reg_pc(const regs_t *r) { return r->rip; }
static void reg_set_pc(regs_t *r, unsigned long pc) { r->rip = pc; }
#endif

static int
wait_stop(pid_t pid, int sig)
{
	int status;

	if (waitpid(pid, &status, 0) != pid)
		return 0;
	return WIFSTOPPED(status) && WSTOPSIG(status) == sig;
}

static void
test_breakpoint(const char *self)
{
	unsigned long addr = (unsigned long)victim, pc;
	long orig, bp, got, cont;
	int fds[2], status;
	pid_t tracee, by;
	regs_t regs;

	tracee = fork();
	if (tracee == 0) {
		if (ptrace(PTRACE_TRACEME, 0, NULL, NULL) != 0)
			_exit(10);
		raise(SIGSTOP);
		printf("tracee: victim(7) = %d\n", victim(7));
		_exit(0);
	}
	check(wait_stop(tracee, SIGSTOP), "tracee stopped with SIGSTOP after PTRACE_TRACEME");
	errno = 0;
	orig = ptrace(PTRACE_PEEKTEXT, tracee, (void *)addr, NULL);
	check(errno == 0 && memcmp(&orig, (void *)addr, sizeof(orig)) == 0,
	    "PEEKTEXT reads victim's first word");
#ifdef __mips__
	bp = (long)BREAK_INSN;
#else
	bp = (orig & ~0xffL) | 0xcc;
#endif
	check(ptrace(PTRACE_POKETEXT, tracee, (void *)addr, (void *)bp) == 0,
	    "POKETEXT writes the breakpoint");
	errno = 0;
	got = ptrace(PTRACE_PEEKTEXT, tracee, (void *)addr, NULL);
	check(errno == 0 && got == bp, "PEEKTEXT reads the breakpoint back");
	check(memcmp(&orig, (void *)addr, sizeof(orig)) == 0,
	    "the tracer's own text is unchanged");

	/* Another process running the same binary, after the poke. */
	if (pipe(fds) != 0)
		exit(3);
	by = fork();
	if (by == 0) {
		char fdarg[16];
		char *args[] = { (char *)self, "bystander", fdarg, NULL };

		close(fds[1]);
		snprintf(fdarg, sizeof(fdarg), "%d", fds[0]);
		execve(self, args, environ);
		_exit(11);
	}
	close(fds[0]);
	if (write(fds[1], "g", 1) != 1)
		exit(4);
	close(fds[1]);
	check(waitpid(by, &status, 0) == by && WIFEXITED(status) &&
	    WEXITSTATUS(status) == 0, "the bystander ran victim and exited 0");
	printf("tracer: victim(6) = %d\n", victim(6));

	check(ptrace(PTRACE_CONT, tracee, NULL, NULL) == 0, "CONT");
	check(wait_stop(tracee, SIGTRAP), "the tracee stopped with SIGTRAP");
	check(ptrace(PTRACE_GETREGS, tracee, NULL, &regs) == 0, "GETREGS");
	pc = reg_pc(&regs);
#ifdef __mips__
	check(pc == addr, "the PC is the breakpoint's address (epc)");
#else
	check(pc == addr + 1, "the PC is just past the int3 (rip)");
#endif
	check(ptrace(PTRACE_POKETEXT, tracee, (void *)addr, (void *)orig) == 0,
	    "POKETEXT puts the word back");
	reg_set_pc(&regs, addr);
	check(ptrace(PTRACE_SETREGS, tracee, NULL, &regs) == 0, "SETREGS moves the PC back");
	/* The tracee prints as soon as it runs: report after the wait, so
	 * the order of the lines does not depend on the scheduler. */
	cont = ptrace(PTRACE_CONT, tracee, NULL, NULL);
	check(waitpid(tracee, &status, 0) == tracee && WIFEXITED(status) &&
	    WEXITSTATUS(status) == 0, "the tracee finished and exited 0");
	check(cont == 0, "CONT again");
}

static volatile sig_atomic_t usr1_seen;

static void
on_usr1(int sig)
{
	if (sig == SIGUSR1)
		usr1_seen++;
}

/*
 * A tracer that is not the parent (a sibling) attaches, continues its
 * tracee with SIGUSR1 (delivered to the handler) and exits: the tracee
 * is detached, so a later SIGUSR1 reaches its handler too instead of
 * stopping it for a tracer that is gone.
 */
static void
test_tracer_exit(void)
{
	int fds[2], ready[2], status;
	pid_t child, tracer;
	char c;

	if (pipe(fds) != 0 || pipe(ready) != 0)
		exit(7);
	child = fork();
	if (child == 0) {
		signal(SIGUSR1, on_usr1);
		close(fds[1]);
		close(ready[0]);
		if (write(ready[1], "r", 1) != 1)	/* the handler is in place */
			_exit(14);
		if (read(fds[0], &c, 1) != 1)
			_exit(12);
		printf("orphaned tracee: read '%c', SIGUSR1 handled %d times\n", c,
		    (int)usr1_seen);
		_exit(0);
	}
	close(fds[0]);
	close(ready[1]);
	if (read(ready[0], &c, 1) != 1)
		exit(9);
	close(ready[0]);
	tracer = fork();
	if (tracer == 0) {
		failures = 0;
		check(ptrace(PTRACE_ATTACH, child, NULL, NULL) == 0,
		    "sibling tracer: ATTACH");
		check(wait_stop(child, SIGSTOP), "sibling tracer: its wait sees the stop");
		check(ptrace(PTRACE_CONT, child, NULL, (void *)SIGUSR1) == 0,
		    "sibling tracer: CONT with SIGUSR1");
		_exit(failures);
	}
	check(waitpid(tracer, &status, 0) == tracer && WIFEXITED(status) &&
	    WEXITSTATUS(status) == 0, "the sibling tracer exited without DETACH");
	check(kill(child, SIGUSR1) == 0, "SIGUSR1 to the tracee it left");
	if (write(fds[1], "y", 1) != 1)
		exit(8);
	close(fds[1]);
	check(waitpid(child, &status, 0) == child && WIFEXITED(status) &&
	    WEXITSTATUS(status) == 0, "the tracee left behind finished and exited 0");
}

static void
test_errors(void)
{
	long v;
	pid_t child;
	int status;

	child = fork();
	if (child == 0) {
		if (ptrace(PTRACE_TRACEME, 0, NULL, NULL) != 0)
			_exit(10);
		errno = 0;
		if (ptrace(PTRACE_TRACEME, 0, NULL, NULL) != -1 || errno != EPERM)
			_exit(13);
		raise(SIGSTOP);
		_exit(0);
	}
	check(wait_stop(child, SIGSTOP),
	    "second tracee stopped (its second TRACEME was EPERM)");
	errno = 0;
	v = ptrace(PTRACE_PEEKTEXT, child, (void *)16, NULL);
	check(v == -1 && errno == EIO, "PEEKTEXT of an unmapped address: EIO");
	errno = 0;
	v = ptrace(PTRACE_POKEDATA, child, (void *)16, (void *)1);
	check(v == -1 && errno == EIO, "POKEDATA of an unmapped address: EIO");
	errno = 0;
	v = ptrace(PTRACE_CONT, child, NULL, (void *)1000);
	check(v == -1 && errno == EIO, "CONT with a bad signal: EIO");
	check(ptrace(PTRACE_KILL, child, NULL, NULL) == 0, "KILL");
	check(waitpid(child, &status, 0) == child && WIFSIGNALED(status) &&
	    WTERMSIG(status) == SIGKILL, "the killed tracee: killed by SIGKILL");

	errno = 0;
	v = ptrace(PTRACE_ATTACH, 30000, NULL, NULL);
	check(v == -1 && errno == ESRCH, "ATTACH to a pid that does not exist: ESRCH");
	errno = 0;
	v = ptrace(PTRACE_PEEKDATA, 30000, (void *)16, NULL);
	check(v == -1 && errno == ESRCH, "PEEKDATA of a pid that does not exist: ESRCH");
	errno = 0;
	v = ptrace(PTRACE_ATTACH, getpid(), NULL, NULL);
	check(v == -1 && errno == EPERM, "ATTACH to oneself: EPERM");
}

static void
test_attach(void)
{
	int fds[2], status;
	pid_t child;
	long v;

	if (pipe(fds) != 0)
		exit(5);
	child = fork();
	if (child == 0) {
		char c;

		close(fds[1]);
		if (read(fds[0], &c, 1) != 1)
			_exit(12);
		printf("attached child: read '%c', victim(8) = %d\n", c, victim(8));
		_exit(0);
	}
	close(fds[0]);
	errno = 0;
	v = ptrace(PTRACE_CONT, child, NULL, NULL);
	check(v == -1 && errno == ESRCH, "CONT of a process not traced: ESRCH");
	check(ptrace(PTRACE_ATTACH, child, NULL, NULL) == 0, "ATTACH to a sleeping child");
	check(wait_stop(child, SIGSTOP), "it stopped with SIGSTOP");
	errno = 0;
	v = ptrace(PTRACE_ATTACH, child, NULL, NULL);
	check(v == -1 && errno == EPERM, "ATTACH twice: EPERM");
	errno = 0;
	v = ptrace(PTRACE_PEEKDATA, child, (void *)&failures, NULL);
	check(errno == 0 && (int)v == failures, "PEEKDATA of a global");
	check(ptrace(PTRACE_DETACH, child, NULL, NULL) == 0, "DETACH");
	if (write(fds[1], "x", 1) != 1)
		exit(6);
	close(fds[1]);
	check(waitpid(child, &status, 0) == child && WIFEXITED(status) &&
	    WEXITSTATUS(status) == 0, "the detached child finished and exited 0");
}

int
main(int argc, char **argv)
{
	setvbuf(stdout, NULL, _IONBF, 0);
	if (argc == 3 && strcmp(argv[1], "bystander") == 0)
		return bystander(atoi(argv[2]));
	test_breakpoint(argv[0]);
	test_attach();
	test_tracer_exit();
	test_errors();
	printf("ptrace_bp: %s\n", failures == 0 ? "all ok" : "FAILED");
	return failures == 0 ? 0 : 1;
}
