/*
 * file_mmap.c — files from the guest root, read and mapped (static glibc).
 *
 * usage: file_mmap PATH
 * Reads PATH, maps it MAP_PRIVATE and writes into the private copy (the
 * file must not change), maps it MAP_SHARED read-only and compares, checks
 * that a writable shared mapping of a read-only descriptor and a missing
 * file are refused, and that the file opens for writing.  Prints
 * what it saw; exits 0 when every check held, 1 otherwise.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

static int failures;

static void
check(int cond, const char *what)
{
	printf("%s: %s\n", cond ? "ok" : "FAILED", what);
	if (!cond)
		failures++;
}

int
main(int argc, char **argv)
{
	char buf[256], again[256];
	struct stat st;
	ssize_t n;
	char *priv, *shared;
	int fd;

	if (argc != 2) {
		fprintf(stderr, "usage: file_mmap PATH\n");
		return 2;
	}
	fd = open(argv[1], O_RDONLY);
	if (fd < 0) {
		printf("open %s: %s\n", argv[1], strerror(errno));
		return 1;
	}
	check(fstat(fd, &st) == 0 && S_ISREG(st.st_mode), "fstat: a regular file");
	n = read(fd, buf, sizeof(buf) - 1);
	check(n > 0 && n == st.st_size, "read the whole file");
	buf[n > 0 ? n : 0] = '\0';
	printf("contents: %s", buf);

	priv = mmap(NULL, (size_t)st.st_size, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
	check(priv != MAP_FAILED && memcmp(priv, buf, (size_t)n) == 0,
	    "MAP_PRIVATE mapping shows the file");
	if (priv != MAP_FAILED) {
		memcpy(priv, "PRIVATE", 7);
		check(memcmp(priv, "PRIVATE", 7) == 0, "the private copy takes a write");
	}
	check(pread(fd, again, (size_t)n, 0) == n && memcmp(again, buf, (size_t)n) == 0,
	    "the file is unchanged by the private write");

	shared = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_SHARED, fd, 0);
	check(shared != MAP_FAILED && memcmp(shared, buf, (size_t)n) == 0,
	    "MAP_SHARED read-only mapping shows the file");
	check(mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0) == MAP_FAILED &&
	    errno == EACCES, "a writable shared mapping of a read-only file: EACCES");
	check(lseek(fd, 5, SEEK_SET) == 5 && read(fd, again, 3) == 3 &&
	    memcmp(again, buf + 5, 3) == 0, "lseek and read");
	check(close(fd) == 0 && close(fd) == -1 && errno == EBADF, "close, then EBADF");
	check(open("/no/such/file", O_RDONLY) == -1 && errno == ENOENT,
	    "a missing file: ENOENT");
	fd = open(argv[1], O_WRONLY);
	check(fd >= 0 && close(fd) == 0,
	    "opening for writing works (the overlay takes the writes)");
	if (shared != MAP_FAILED)
		check(munmap(shared, (size_t)st.st_size) == 0, "munmap");
	printf("file_mmap: %d failures\n", failures);
	return failures != 0;
}
