/*
 * file_mshare.c — one file mapped by two processes (static glibc): stores
 * through a MAP_SHARED mapping are seen by the other process (through its
 * inherited mapping and through one it made itself) and by read(2);
 * stores to a MAP_PRIVATE mapping are seen neither by the other process
 * nor in the file.  The processes take turns through two pipes.
 *
 * usage: file_mshare [PATH]  (default /shared.bin; created)
 * Prints one line per check; exits 0 when every check held, 1 otherwise.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#define PG 4096

static int failures;
static const char *who = "parent";

static void
check(int cond, const char *what)
{
	printf("%s %s: %s\n", who, cond ? "ok" : "FAILED", what);
	fflush(stdout);
	if (!cond)
		failures++;
}

int
main(int argc, char **argv)
{
	const char *path = argc > 1 ? argv[1] : "/shared.bin";
	int c2p[2], p2c[2], fd, status = -1;
	char *ms, *mp, buf[64], tok;
	pid_t pid;

	fd = open(path, O_CREAT | O_RDWR | O_TRUNC, 0644);
	check(fd >= 0 && ftruncate(fd, 2 * PG) == 0 && pwrite(fd, "page zero", 9, 0) == 9 &&
	    pwrite(fd, "page one", 8, PG) == 8, "a two-page file");
	ms = mmap(NULL, 2 * PG, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	mp = mmap(NULL, 2 * PG, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
	check(ms != MAP_FAILED && mp != MAP_FAILED, "mapped shared and private");
	if (ms == MAP_FAILED || mp == MAP_FAILED)
		return 1;
	check(memcmp(mp + PG, "page one", 8) == 0, "the private mapping shows the file");
	if (pipe(c2p) != 0 || pipe(p2c) != 0)
		return 1;
	pid = fork();
	if (pid == 0) {
		int fd2 = open(path, O_RDWR);
		char *m2 = fd2 >= 0 ? mmap(NULL, 2 * PG, PROT_READ | PROT_WRITE, MAP_SHARED,
		    fd2, 0) : MAP_FAILED;

		who = "child";
		check(m2 != MAP_FAILED, "its own shared mapping");
		if (m2 == MAP_FAILED)
			_exit(1);
		strcpy(m2, "child own map");
		strcpy(ms + 64, "child inherited map");
		strcpy(mp + PG, "child private");
		check(write(c2p[1], "1", 1) == 1, "its turn done");
		check(read(p2c[0], &tok, 1) == 1, "the parent's turn done");
		check(strcmp(m2 + 200, "parent shared") == 0,
		    "sees the parent's shared store");
		check(strcmp(mp + PG, "child private") == 0,
		    "its private page is its own");
		_exit(failures != 0);
	}
	check(pid > 0, "fork");
	/* The read sleeps until the child has written (a blocking pipe). */
	check(read(c2p[0], &tok, 1) == 1, "the child's turn done");
	check(strcmp(ms, "child own map") == 0,
	    "sees the child's store through the child's own mapping");
	check(strcmp(ms + 64, "child inherited map") == 0,
	    "sees the child's store through the inherited mapping");
	check(pread(fd, buf, 13, 0) == 13 && memcmp(buf, "child own map", 13) == 0,
	    "read(2) sees the child's shared store");
	check(memcmp(mp + PG, "page one", 8) == 0, "the child's private store is not seen");
	check(pread(fd, buf, 8, PG) == 8 && memcmp(buf, "page one", 8) == 0,
	    "nor in the file");
	strcpy(mp + PG, "parent private");
	check(pread(fd, buf, 8, PG) == 8 && memcmp(buf, "page one", 8) == 0 &&
	    memcmp(ms + PG, "page one", 8) == 0, "its own private store stays private");
	strcpy(ms + 200, "parent shared");
	check(write(p2c[1], "1", 1) == 1, "its turn done");
	check(waitpid(pid, &status, 0) == pid && WIFEXITED(status) &&
	    WEXITSTATUS(status) == 0, "the child's checks held");
	check(msync(ms, 2 * PG, MS_SYNC) == 0 && munmap(ms, 2 * PG) == 0, "msync, munmap");
	check(pread(fd, buf, 13, 200) == 13 && memcmp(buf, "parent shared", 13) == 0,
	    "the file keeps the shared stores");
	printf("file_mshare: %d failures\n", failures);
	return failures != 0;
}
