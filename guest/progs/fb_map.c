/*
 * fb_map.c — map the simulated devices (static glibc; VM-SPEC "Devices
 * and fictitious pages", sim/kern/dev.c).
 *
 * usage: fb_map              map /dev/fb0 shared read/write, write the
 *                            pattern (byte i = i * 7 + (i >> 8) * 13),
 *                            read it back, munmap, exit
 *        fb_map exit         the same, but exit with the mapping in place
 *        fb_map errors       the refusals: a private mapping of fb0
 *                            (EINVAL), an unaligned and an out-of-range
 *                            offset (EINVAL), PROT_WRITE on the read-only
 *                            /dev/mmio (EACCES), fb0 opened read-only
 *                            mapped for writing (EACCES)
 *        fb_map mmio N       map /dev/mmio read-only and load its eight
 *                            registers N times in all (uncached: none of
 *                            these loads may hit in a cache)
 * Prints one line per check; exits 0 when every check held, 1 otherwise.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#define FB_BYTES	65536
#define MMIO_MAGIC	0x766d6d31u	/* register 0 (sim/kern/dev.h) */

static int failures;

static void
check(int cond, const char *what)
{
	printf("fb_map %s: %s\n", cond ? "ok" : "FAILED", what);
	if (!cond)
		failures++;
}

static unsigned char
pattern(unsigned i)
{
	return (unsigned char)(i * 7 + (i >> 8) * 13);
}

static int
fb_write(int unmap)
{
	int fd = open("/dev/fb0", O_RDWR);
	unsigned char *fb;
	unsigned i, bad = 0;

	check(fd >= 0, "open /dev/fb0");
	if (fd < 0)
		return 1;
	fb = mmap(NULL, FB_BYTES, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	check(fb != MAP_FAILED, "fb0 mapped shared read/write");
	if (fb == MAP_FAILED)
		return 1;
	for (i = 0; i < FB_BYTES; i++)
		fb[i] = pattern(i);
	for (i = 0; i < FB_BYTES; i++)
		bad += fb[i] != pattern(i);
	check(bad == 0, "the pattern reads back");
	close(fd);
	if (unmap)
		check(munmap(fb, FB_BYTES) == 0, "munmap");
	printf("fb_map: %d failures\n", failures);
	return failures != 0;
}

static int
errors(void)
{
	int fb = open("/dev/fb0", O_RDWR), fbro = open("/dev/fb0", O_RDONLY);
	int mm = open("/dev/mmio", O_RDWR);
	void *p;

	check(fb >= 0 && fbro >= 0 && mm >= 0, "open the devices");
	p = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE, fb, 0);
	check(p == MAP_FAILED && errno == EINVAL, "private mapping: EINVAL");
	p = mmap(NULL, 4096, PROT_READ, MAP_PRIVATE, fb, 0);
	check(p == MAP_FAILED && errno == EINVAL, "private read-only mapping: EINVAL");
	p = mmap(NULL, 4096, PROT_READ, MAP_SHARED, fb, 100);
	check(p == MAP_FAILED && errno == EINVAL, "unaligned offset: EINVAL");
	p = mmap(NULL, 4096, PROT_READ, MAP_SHARED, fb, FB_BYTES);
	check(p == MAP_FAILED && errno == EINVAL, "offset beyond the device: EINVAL");
	p = mmap(NULL, 2 * FB_BYTES, PROT_READ, MAP_SHARED, fb, 0);
	check(p == MAP_FAILED && errno == EINVAL, "length beyond the device: EINVAL");
	p = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, mm, 0);
	check(p == MAP_FAILED && errno == EACCES, "mmio for writing: EACCES");
	p = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, fbro, 0);
	check(p == MAP_FAILED && errno == EACCES, "fb0 read-only, for writing: EACCES");
	p = mmap(NULL, 4096, PROT_READ, MAP_SHARED, mm, 0);
	check(p != MAP_FAILED, "mmio for reading");
	if (p != MAP_FAILED)
		check(mprotect(p, 4096, PROT_READ | PROT_WRITE) == -1 && errno == EACCES,
		    "mprotect mmio writable: EACCES");
	printf("fb_map: %d failures\n", failures);
	return failures != 0;
}

static int
mmio(long n)
{
	int fd = open("/dev/mmio", O_RDONLY);
	volatile uint32_t *r;
	uint32_t sum = 0;
	long i;

	check(fd >= 0, "open /dev/mmio");
	if (fd < 0)
		return 1;
	r = mmap(NULL, 4096, PROT_READ, MAP_SHARED, fd, 0);
	check(r != MAP_FAILED, "mmio mapped read-only");
	if (r == MAP_FAILED)
		return 1;
	check(r[0] == MMIO_MAGIC && r[1] == 1 && r[4] == FB_BYTES && r[5] == 128 &&
	    r[6] == 128 && r[7] == 32, "the registers describe fb0");
	for (i = 0; i < n; i++)
		sum += r[i & 7];
	printf("fb_map: mmio sum %u\n", (unsigned)sum);
	printf("fb_map: %d failures\n", failures);
	return failures != 0;
}

int
main(int argc, char **argv)
{
	if (argc > 1 && strcmp(argv[1], "errors") == 0)
		return errors();
	if (argc > 2 && strcmp(argv[1], "mmio") == 0)
		return mmio(atol(argv[2]));
	if (argc > 1 && strcmp(argv[1], "exit") == 0)
		return fb_write(0);
	return fb_write(1);
}
