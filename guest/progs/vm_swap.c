/*
 * vm_swap.c - freestanding guest: `vm_swap N`.
 *
 * mmaps N MiB of anonymous private RW memory and touches all of it
 * twice, then reads it back: more memory than the machine has makes the
 * page daemon swap pages out and the faults swap them back in.
 *   pass 1: in every page, the 32-bit word at each 256-byte step k gets
 *           p1(i, k) = i * 2654435761 + k * 40503 + 1;
 *   pass 2: again in page order, each of those words is xored with
 *           p2(i, k) = (i + 7) * 97 + k, and the page's last word is set
 *           to ~i;
 *   check:  every word written is read back and compared with what was
 *           written (wrong words are counted), and a 32-bit FNV-1a
 *           checksum is taken over them (least significant byte first).
 * Prints
 *   vm_swap N=<n> pages=<pages> checksum=<8 hex digits> bad=<count>
 * and exits 0 (1 if a word was wrong or mmap failed; 2: bad argument).
 */
#include "rt.h"

#define PAGE	4096UL
#define STEP	256UL		/* bytes between the words written */

static unsigned int
fnv_word(unsigned int h, unsigned int w)
{
	int b;

	for (b = 0; b < 4; b++) {
		h = (h ^ (w & 0xff)) * 16777619u;
		w >>= 8;
	}
	return h;
}

static unsigned int
p1(unsigned long i, unsigned long k)
{
	return (unsigned int)(i * 2654435761UL + k * 40503UL + 1);
}

static unsigned int
p2(unsigned long i, unsigned long k)
{
	return (unsigned int)((i + 7) * 97 + k);
}

int
main(int argc, char **argv, char **envp)
{
	unsigned long arg, npages, i, k, bad = 0;
	volatile unsigned int *w;
	unsigned int h = 2166136261u, v, want;
	void *p;

	(void)envp;
	if (argc != 2 || parse_ulong(argv[1], &arg) != 0 || arg == 0 ||
	    arg > 1024) {
		dprintf(2, "usage: vm_swap N  (N = MiB to touch, 1..1024)\n");
		return 2;
	}
	npages = arg * (1UL << 20) / PAGE;
	p = mmap(0, npages * PAGE, PROT_READ | PROT_WRITE,
	    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (SYS_IS_ERR(p)) {
		dprintf(2, "vm_swap: mmap failed: %d\n", (int)(long)p);
		return 1;
	}
	w = p;
	for (i = 0; i < npages; i++)
		for (k = 0; k < PAGE / STEP; k++)
			w[(i * PAGE + k * STEP) / 4] = p1(i, k);
	for (i = 0; i < npages; i++) {
		for (k = 0; k < PAGE / STEP; k++)
			w[(i * PAGE + k * STEP) / 4] ^= p2(i, k);
		w[(i * PAGE + PAGE - 4) / 4] = ~(unsigned int)i;
	}
	for (i = 0; i < npages; i++) {
		for (k = 0; k < PAGE / STEP; k++) {
			v = w[(i * PAGE + k * STEP) / 4];
			want = p1(i, k) ^ p2(i, k);
			if (v != want)
				bad++;
			h = fnv_word(h, v);
		}
		v = w[(i * PAGE + PAGE - 4) / 4];
		if (v != ~(unsigned int)i)
			bad++;
		h = fnv_word(h, v);
	}
	printf("vm_swap N=%lu pages=%lu checksum=%08x bad=%lu\n", arg, npages,
	    h, bad);
	return bad != 0;
}
