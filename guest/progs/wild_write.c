/*
 * wild_write.c - freestanding guest: write(1, (void *)0x10, 5) from an
 * unmapped buffer; prints "wild_write ret=<raw result>" (expect -14,
 * -EFAULT) and exits 0.
 */
#include "rt.h"

int main(int argc, char **argv, char **envp)
{
	long r;

	(void)argc; (void)argv; (void)envp;
	r = write(1, (const void *)0x10, 5);
	printf("wild_write ret=%ld\n", r);
	return 0;
}
