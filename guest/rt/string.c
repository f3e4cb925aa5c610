/*
 * string.c - memset/memcpy/strlen/strcmp (gcc may emit calls to the first
 * two) and a decimal parser for the guest runtime.  Built with
 * -fno-tree-loop-distribute-patterns so memset does not become a call
 * to itself.
 */
#include "rt.h"

void *memset(void *s, int c, unsigned long n)
{
	unsigned char *p = s;

	while (n--)
		*p++ = (unsigned char)c;
	return s;
}

void *memcpy(void *dst, const void *src, unsigned long n)
{
	unsigned char *d = dst;
	const unsigned char *s = src;

	while (n--)
		*d++ = *s++;
	return dst;
}

unsigned long strlen(const char *s)
{
	const char *p = s;

	while (*p)
		p++;
	return (unsigned long)(p - s);
}

int strcmp(const char *a, const char *b)
{
	while (*a && *a == *b) {
		a++;
		b++;
	}
	return (unsigned char)*a - (unsigned char)*b;
}

int parse_ulong(const char *s, unsigned long *out)
{
	unsigned long v = 0;

	if (!s || !*s)
		return -1;
	for (; *s; s++) {
		if (*s < '0' || *s > '9')
			return -1;
		if (v > ((unsigned long)-1 - 9) / 10)
			return -1;      /* overflow */
		v = v * 10 + (unsigned long)(*s - '0');
	}
	*out = v;
	return 0;
}
