/* hello.c - freestanding guest: prints "hello, world" and exits 0. */
#include "rt.h"

int main(int argc, char **argv, char **envp)
{
	(void)argc; (void)argv; (void)envp;
	write(1, "hello, world\n", 13);
	return 0;
}
