/*
 * pipe_uaf.c — a pipe between a parent and a child (static glibc), for
 * the memguard lab and tests: the child writes COUNT lines into the
 * pipe and exits; the parent reads them all, closes its end (the last
 * one: the kernel frees the pipe's memory) and waits.  Prints
 * "pipe_uaf: L lines, B bytes" and exits 0.
 *
 * With --bug pipe-use-after-free the kernel touches the pipe's freed
 * counters at that last close; --memguard pipe catches it.
 *
 * usage: pipe_uaf [COUNT]   (default 100)
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

int
main(int argc, char **argv)
{
	long count = argc > 1 ? atol(argv[1]) : 100, lines = 0, bytes = 0;
	char buf[512];
	int fd[2], status;
	ssize_t n;
	pid_t pid;

	if (pipe(fd) != 0) {
		perror("pipe_uaf: pipe");
		return 1;
	}
	if ((pid = fork()) < 0) {
		perror("pipe_uaf: fork");
		return 1;
	}
	if (pid == 0) {
		close(fd[0]);
		for (long i = 1; i <= count; i++) {
			int len = snprintf(buf, sizeof(buf), "line %ld\n", i);

			if (write(fd[1], buf, (size_t)len) != len)
				_exit(2);
		}
		close(fd[1]);
		_exit(0);
	}
	close(fd[1]);
	while ((n = read(fd[0], buf, sizeof(buf))) > 0) {
		for (ssize_t i = 0; i < n; i++)
			lines += buf[i] == '\n';
		bytes += n;
	}
	close(fd[0]);
	if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status) ||
	    WEXITSTATUS(status) != 0) {
		printf("pipe_uaf: the writer failed\n");
		return 1;
	}
	printf("pipe_uaf: %ld lines, %ld bytes\n", lines, bytes);
	return 0;
}
