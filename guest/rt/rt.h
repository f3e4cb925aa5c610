/*
 * rt.h - everything a freestanding vmsim guest program may use:
 * syscall wrappers, a small printf, and a few string helpers.
 */
#ifndef GUEST_RT_RT_H
#define GUEST_RT_RT_H

#include <stdarg.h>
#include "syscall.h"

/* printf.c: %d %u %x %lx %llx %s %c %p %% (also %i %X %ld %lu %llu; width, flags 0 and -) */
int printf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
int dprintf(int fd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
int vdprintf(int fd, const char *fmt, va_list ap);

/* string.c */
void *memset(void *s, int c, unsigned long n);
void *memcpy(void *dst, const void *src, unsigned long n);
unsigned long strlen(const char *s);
int strcmp(const char *a, const char *b);
/* Parse a non-empty decimal string; returns 0 on success, -1 if malformed. */
int parse_ulong(const char *s, unsigned long *out);

#endif
