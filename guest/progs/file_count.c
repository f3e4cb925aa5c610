/*
 * file_count.c — a pipeline sink (static glibc): reads stdin to the end
 * and prints "lines=L bytes=B sum=S" (S: the sum of the numbers found at
 * the ends of the lines), like wc -lc.  Exits with L % 256 when given
 * "-s" (so a shell can see a status), else 0.
 *
 * usage: file_count [-s]
 */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

int
main(int argc, char **argv)
{
	char buf[1000];
	long lines = 0, bytes = 0, sum = 0, num = 0;
	ssize_t n;

	/* read(2) directly: small reads exercise the pipe's blocking. */
	while ((n = read(0, buf, sizeof(buf))) > 0) {
		for (ssize_t i = 0; i < n; i++) {
			if (buf[i] >= '0' && buf[i] <= '9') {
				num = num * 10 + (buf[i] - '0');
			} else {
				if (buf[i] == '\n') {
					lines++;
					sum += num;
				}
				num = 0;
			}
		}
		bytes += n;
	}
	printf("lines=%ld bytes=%ld sum=%ld\n", lines, bytes, sum);
	return argc > 1 && strcmp(argv[1], "-s") == 0 ? (int)(lines % 256) : 0;
}
