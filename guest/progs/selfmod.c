/*
 * selfmod.c — code written at run time, then executed: the I-cache lab.
 *
 * usage: selfmod nosync|synci|cacheflush
 * Writes a tiny function (return 1) into an RWX page, calls it, patches it
 * to return 2, calls it again.  MIPS I-caches do not see stores, so a
 * program must make the new bytes visible to instruction fetch: SYNCI on
 * each line, or the cacheflush system call; "nosync" skips that (vmsim
 * logs stale_ifetch events).  amd64 I-caches are coherent: the mode makes
 * no difference there (synci and cacheflush are no-ops).
 * Prints "selfmod MODE: 1 2" (the emulator always runs the new bytes;
 * staleness is the model's verdict, in the trace).
 */
#include "rt.h"


typedef int (*fn_t)(void);

static void
emit(unsigned char *code, int value)
{
#ifdef __mips__
	unsigned *w = (unsigned *)code;

	w[0] = 0x24020000u | (unsigned)value;	/* li   v0, value */
	w[1] = 0x03e00008u;			/* jr   ra */
	w[2] = 0x00000000u;			/* nop  (delay slot) */
#else
	code[0] = 0xb8;				/* mov  eax, value */
	code[1] = (unsigned char)value;
	code[2] = code[3] = code[4] = 0;
	code[5] = 0xc3;				/* ret */
#endif
}

static void
sync_icache(const char *mode, unsigned char *code, unsigned long len)
{
	if (strcmp(mode, "cacheflush") == 0) {
		cacheflush(code, len, BCACHE);
	} else if (strcmp(mode, "synci") == 0) {
#ifdef __mips__
		for (unsigned long off = 0; off < len; off += 16)
			__asm__ volatile("synci 0(%0)" : : "r"(code + off) : "memory");
		__asm__ volatile("sync" : : : "memory");
#endif
	}
}

int
main(int argc, char **argv)
{
	unsigned char *code;
	int first, second;

	if (argc != 2 || (strcmp(argv[1], "nosync") != 0 && strcmp(argv[1], "synci") != 0 &&
	    strcmp(argv[1], "cacheflush") != 0)) {
		dprintf(2, "usage: selfmod nosync|synci|cacheflush\n");
		return 2;
	}
	code = mmap(0, 4096, PROT_READ | PROT_WRITE | PROT_EXEC, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (SYS_IS_ERR(code)) {
		dprintf(2, "selfmod: mmap failed\n");
		return 1;
	}
	emit(code, 1);
	sync_icache(argv[1], code, 16);
	first = ((fn_t)(void *)code)();
	emit(code, 2);
	sync_icache(argv[1], code, 16);
	second = ((fn_t)(void *)code)();
	printf("selfmod %s: %d %d\n", argv[1], first, second);
	return 0;
}
