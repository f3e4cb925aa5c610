/*
 * sim/base/base.c — panic and the architecture names.
 */
#include "base.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#ifdef VMSIM_INVARIANTS
bool sim_invariants = true;
#else
bool sim_invariants = false;
#endif

_Noreturn void
panic(const char *fmt, ...)
{
	va_list ap;

	fflush(stdout);
	fputs("vmsim: panic: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	abort();
}

const char *
sim_arch_name(enum sim_arch a)
{
	switch (a) {
	case ARCH_MIPS: return "mips";
	case ARCH_MIPSEL: return "mipsel";
	case ARCH_AMD64: return "amd64";
	}
	return "?";
}
