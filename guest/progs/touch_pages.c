/*
 * touch_pages.c - freestanding guest: `touch_pages N`.
 *
 * mmaps N anonymous private RW pages (no mmap at all for N=0), stores one
 * byte per page in page order - byte (i*7+1)&0xff at offset (i*13)%4096
 * of page i - then reads them back and prints
 *   touch_pages N=<n> checksum=<8 hex digits>
 * The checksum is 32-bit FNV-1a over, for each page i, the 4 bytes of its
 * offset (least significant first) followed by the byte read back.
 * Exit 0; bad argument -> usage on stderr, exit 2; mmap failure -> exit 1.
 */
#include "rt.h"

#define PAGE 4096UL

static unsigned int fnv1a(unsigned int h, unsigned char b)
{
	return (h ^ b) * 16777619u;
}

int main(int argc, char **argv, char **envp)
{
	unsigned long arg, n, i;
	volatile unsigned char *mem = 0;
	unsigned int h = 2166136261u;

	(void)envp;
	if (argc != 2 || parse_ulong(argv[1], &arg) != 0 ||
	    arg > (unsigned long)-1 / PAGE) {
		dprintf(2, "usage: touch_pages N  (N = number of pages)\n");
		return 2;
	}
	n = arg;        /* copy: keeps n in a register, off the stack */
	if (n > 0) {
		void *p = mmap(0, n * PAGE, PROT_READ | PROT_WRITE,
			       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (SYS_IS_ERR(p)) {
			dprintf(2, "touch_pages: mmap failed: %d\n", (int)(long)p);
			return 1;
		}
		mem = p;
	}

	/* One plain byte store per page, in page order. */
	for (i = 0; i < n; i++)
		mem[i * PAGE + (i * 13) % PAGE] = (unsigned char)((i * 7 + 1) & 0xff);

	for (i = 0; i < n; i++) {
		unsigned long off = (i * 13) % PAGE;

		h = fnv1a(h, off & 0xff);
		h = fnv1a(h, (off >> 8) & 0xff);
		h = fnv1a(h, 0);
		h = fnv1a(h, 0);
		h = fnv1a(h, mem[i * PAGE + off]);
	}
	printf("touch_pages N=%lu checksum=%08x\n", n, h);
	return 0;
}
