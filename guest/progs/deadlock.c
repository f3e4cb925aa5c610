/*
 * deadlock.c - freestanding guest: a parent waits for a child that
 * pauses for a signal nobody will send.  Every process is asleep, so
 * vmsim ends the run as a deadlock (status 2).
 */
#include "rt.h"

int main(int argc, char **argv, char **envp)
{
	int status;
	long pid;

	(void)argc; (void)argv; (void)envp;
	printf("deadlock: forking\n");
	pid = fork();
	if (pid == 0) {
		pause();
		exit_group(0);
	}
	wait4(pid, &status, 0, 0);
	printf("deadlock: not reached\n");
	return 1;
}
