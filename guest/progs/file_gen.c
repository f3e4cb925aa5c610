/*
 * file_gen.c — a pipeline source (static glibc): prints N numbered lines,
 * "line 1" to "line N", on stdout.
 *
 * usage: file_gen N
 */
#include <stdio.h>
#include <stdlib.h>

int
main(int argc, char **argv)
{
	long n = argc > 1 ? strtol(argv[1], NULL, 10) : 10;

	for (long i = 1; i <= n; i++)
		printf("line %ld\n", i);
	return 0;
}
