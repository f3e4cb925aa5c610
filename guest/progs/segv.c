/*
 * segv.c - freestanding guest: prints one line, then stores a word to the
 * never-mapped address 0x1000 so the process dies with SIGSEGV.
 * If it survives, it says so and exits 1.
 */
#include "rt.h"

int main(int argc, char **argv, char **envp)
{
	(void)argc; (void)argv; (void)envp;
	printf("segv: storing to 0x1000\n");
	*(volatile unsigned int *)0x1000 = 0x5e9f;
	printf("segv: still alive\n");
	return 1;
}
