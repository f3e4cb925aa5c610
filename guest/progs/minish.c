/*
 * minish.c — a minimal shell (static glibc): runs a two-stage pipeline
 * given on the command line with fork, execve, pipe, dup2 and wait4, and
 * prints each member's exit status, as a shell would report it.
 *
 * usage: minish PROG_A [ARGS...] '|' PROG_B [ARGS...]
 * (or a single command without '|').  Exits with the last member's status.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;

/* Run argv with stdin from in and stdout to out (-1: inherit); close
 * closefd in the child.  The pid, or -1. */
static pid_t
spawn(char **argv, int in, int out, int closefd)
{
	pid_t pid = fork();

	if (pid != 0)
		return pid;
	if (in >= 0) {
		dup2(in, 0);
		close(in);
	}
	if (out >= 0) {
		dup2(out, 1);
		close(out);
	}
	if (closefd >= 0)
		close(closefd);
	execve(argv[0], argv, environ);
	fprintf(stderr, "minish: %s: cannot execute\n", argv[0]);
	_exit(127);
}

static int
report(const char *name, pid_t pid)
{
	struct rusage ru;
	int status = 0;

	if (wait4(pid, &status, 0, &ru) != pid) {
		printf("minish: wait4 %s failed\n", name);
		return 255;
	}
	if (WIFEXITED(status)) {
		printf("minish: %s exited %d\n", name, WEXITSTATUS(status));
		return WEXITSTATUS(status);
	}
	printf("minish: %s killed by signal %d\n", name, WTERMSIG(status));
	return 128 + WTERMSIG(status);
}

int
main(int argc, char **argv)
{
	char **a = argv + 1, **b = NULL;
	int p[2], st;
	pid_t pa, pb;

	if (argc < 2) {
		fprintf(stderr, "usage: minish PROG_A [ARGS...] '|' PROG_B [ARGS...]\n");
		return 2;
	}
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "|") == 0) {
			argv[i] = NULL;
			b = argv + i + 1;
		}
	}
	fflush(stdout);
	if (b == NULL || b[0] == NULL) {
		pa = spawn(a, -1, -1, -1);
		return pa < 0 ? 255 : report(a[0], pa);
	}
	if (pipe(p) != 0) {
		perror("minish: pipe");
		return 255;
	}
	pa = spawn(a, -1, p[1], p[0]);
	pb = spawn(b, p[0], -1, p[1]);
	close(p[0]);
	close(p[1]);
	if (pa < 0 || pb < 0) {
		perror("minish: fork");
		return 255;
	}
	report(a[0], pa);
	st = report(b[0], pb);
	return st;
}
