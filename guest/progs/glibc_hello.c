/*
 * glibc_hello.c - ordinary hosted C program, linked statically against
 * glibc.  Exercises printf formats, malloc/free (including one block
 * > 128 KiB, which glibc serves with mmap), strlen and snprintf.  All
 * output is deterministic: no times, pids or addresses.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int main(void)
{
	const char *words[] = { "alpha", "beta", "gamma" };
	size_t sizes[] = { 16, 1000, 200 * 1024 };
	unsigned long sum = 0;
	char buf[64], small[8];
	int i, n;

	printf("glibc_hello: start\n");
	printf("ints: %d %u %x %05d %-4d| %ld\n", -42, 42u, 0xbeefu, 7, 3, 123456789L);
	printf("chars: %c%c%c %s %.3s\n", 'a', 'b', 'c', "str", "truncate");

	for (i = 0; i < 3; i++) {
		unsigned char *p = malloc(sizes[i]);
		size_t j;

		if (!p) {
			printf("malloc(%zu) failed\n", sizes[i]);
			return 1;
		}
		for (j = 0; j < sizes[i]; j++)
			p[j] = (unsigned char)(j * 31 + i);
		for (j = 0; j < sizes[i]; j += 7)
			sum += p[j];
		free(p);
		printf("block %d: size=%zu ok\n", i, sizes[i]);
	}
	printf("malloc sum=%lu\n", sum);

	for (i = 0; i < 3; i++)
		printf("strlen(%s)=%zu\n", words[i], strlen(words[i]));

	n = snprintf(buf, sizeof buf, "%s-%d-%04x", words[1], 99, 0xab);
	printf("snprintf: \"%s\" n=%d\n", buf, n);
	n = snprintf(small, sizeof small, "%s/%s", buf, words[2]);
	printf("snprintf truncated: \"%s\" n=%d\n", small, n);

	printf("glibc_hello: done\n");
	return 0;
}
