/*
 * stride.c - freestanding guest: `stride STRIDE_BYTES SIZE_BYTES [REPS]`.
 *
 * mmaps SIZE bytes, writes i to 32-bit word i, then REPS times (default 1)
 * walks the buffer from offset 0 in steps of STRIDE bytes, summing the
 * word at each offset.  Prints
 *   stride stride=<s> size=<n> reps=<r> sum=<hex>
 * STRIDE must be a positive multiple of 4, SIZE a positive multiple of 4.
 * Exit 0; bad arguments -> usage on stderr, exit 2; mmap failure -> 1.
 */
#include "rt.h"

int main(int argc, char **argv, char **envp)
{
	unsigned long stride, size, reps = 1, i, off, r;
	unsigned int *words;
	unsigned long long sum = 0;
	void *p;

	(void)envp;
	if (argc < 3 || argc > 4 ||
	    parse_ulong(argv[1], &stride) || parse_ulong(argv[2], &size) ||
	    (argc == 4 && parse_ulong(argv[3], &reps)) ||
	    stride == 0 || stride % 4 || size == 0 || size % 4) {
		dprintf(2, "usage: stride STRIDE_BYTES SIZE_BYTES [REPS]"
			   "  (STRIDE, SIZE: positive multiples of 4)\n");
		return 2;
	}
	p = mmap(0, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS,
		 -1, 0);
	if (SYS_IS_ERR(p)) {
		dprintf(2, "stride: mmap failed: %d\n", (int)(long)p);
		return 1;
	}
	words = p;
	for (i = 0; i < size / 4; i++)
		words[i] = (unsigned int)i;
	for (r = 0; r < reps; r++)
		for (off = 0; off < size; off += stride)
			sum += ((volatile unsigned int *)words)[off / 4];
	printf("stride stride=%lu size=%lu reps=%lu sum=%llx\n",
	       stride, size, reps, sum);
	return 0;
}
