/*
 * file_rw.c — the file system calls in one process (static glibc): create,
 * write, read back, append, seek, pread/pwrite, truncate, stat, directories
 * (mkdir, getdents64, chdir, getcwd, openat, rmdir), rename and unlink in
 * the overlay over the read-only root, the devices, dup2 onto stdout, fcntl,
 * a pipe to itself, and a writable MAP_SHARED mapping kept coherent with
 * read(2) and write(2).
 *
 * usage: file_rw [ROOTFILE]  (ROOTFILE: a file of the root, e.g. /data.txt,
 * which is changed and removed in the overlay)
 * Prints one line per check and the listing of /; exits 0 when every check
 * held, 1 otherwise.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

static int failures;

static void
check(int cond, const char *what)
{
	printf("%s: %s\n", cond ? "ok" : "FAILED", what);
	if (!cond) {
		printf("  (errno %d: %s)\n", errno, strerror(errno));
		failures++;
	}
	fflush(stdout);
}

/* The whole file path as a string (static buffer), or "" */
static const char *
slurp(const char *path)
{
	static char buf[4096];
	int fd = open(path, O_RDONLY);
	ssize_t n;

	buf[0] = '\0';
	if (fd < 0)
		return buf;
	n = read(fd, buf, sizeof(buf) - 1);
	buf[n > 0 ? n : 0] = '\0';
	close(fd);
	return buf;
}

/* Names in directory path, space separated, as getdents64 gives them
 * (the program's own name shown as <self>). */
static const char *
listing(const char *path, const char *self)
{
	static char out[2048];
	char buf[512];
	int fd = open(path, O_RDONLY | O_DIRECTORY);
	long n;

	out[0] = '\0';
	if (fd < 0)
		return "(open failed)";
	/* A small buffer: several calls are needed. */
	while ((n = syscall(SYS_getdents64, fd, buf, sizeof(buf))) > 0) {
		for (long off = 0; off < n; ) {
			struct dirent64 *d = (struct dirent64 *)(buf + off);
			const char *name = strcmp(d->d_name, self) == 0 ? "<self>" : d->d_name;

			if (strlen(out) + strlen(name) + 4 < sizeof(out)) {
				strcat(out, out[0] ? " " : "");
				strcat(out, name);
				if (d->d_type == DT_DIR)
					strcat(out, "/");
			}
			off += d->d_reclen;
		}
	}
	close(fd);
	return out;
}

int
main(int argc, char **argv)
{
	const char *rootfile = argc > 1 ? argv[1] : NULL;
	char exe[256], self[256], buf[256], cwd[256];
	struct stat st;
	ssize_t n;
	int fd, fd2, saved, p[2];

	n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	check(n > 1 && exe[0] == '/', "readlink /proc/self/exe");
	exe[n > 0 ? n : 0] = '\0';
	snprintf(self, sizeof(self), "%s", exe + 1);

	/* Create, write, read back. */
	fd = open("/new.txt", O_CREAT | O_EXCL | O_WRONLY, 0644);
	check(fd >= 0, "O_CREAT|O_EXCL creates /new.txt");
	check(write(fd, "hello\n", 6) == 6, "write 6 bytes");
	check(read(fd, buf, 1) == -1 && errno == EBADF, "read on O_WRONLY: EBADF");
	check(close(fd) == 0, "close");
	check(open("/new.txt", O_CREAT | O_EXCL | O_WRONLY, 0644) == -1 && errno == EEXIST,
	    "O_CREAT|O_EXCL again: EEXIST");
	check(strcmp(slurp("/new.txt"), "hello\n") == 0, "read back what was written");
	check(stat("/new.txt", &st) == 0 && S_ISREG(st.st_mode) && st.st_size == 6 &&
	    (st.st_mode & 0777) == 0644, "stat: regular, 6 bytes, mode 0644");

	/* Append, seek, pread, pwrite. */
	fd = open("/new.txt", O_WRONLY | O_APPEND);
	check(fd >= 0 && lseek(fd, 0, SEEK_SET) == 0 && write(fd, "world\n", 6) == 6,
	    "O_APPEND write after lseek 0");
	close(fd);
	check(strcmp(slurp("/new.txt"), "hello\nworld\n") == 0, "the append went to the end");
	fd = open("/new.txt", O_RDWR);
	check(fd >= 0 && lseek(fd, 0, SEEK_END) == 12, "lseek SEEK_END: 12");
	check(pwrite(fd, "J", 1, 6) == 1 && pread(fd, buf, 5, 6) == 5 &&
	    memcmp(buf, "Jorld", 5) == 0, "pwrite then pread");
	check(lseek(fd, 0, SEEK_CUR) == 12, "pread/pwrite leave the offset");
	check(lseek(fd, 20, SEEK_SET) == 20 && write(fd, "!", 1) == 1 &&
	    fstat(fd, &st) == 0 && st.st_size == 21, "a write past the end: size 21");
	check(pread(fd, buf, 8, 12) == 8 && memcmp(buf, "\0\0\0\0\0\0\0\0", 8) == 0,
	    "the gap reads as zeros");
	check(ftruncate(fd, 5) == 0 && fstat(fd, &st) == 0 && st.st_size == 5,
	    "ftruncate to 5");
	check(pread(fd, buf, 100, 0) == 5 && memcmp(buf, "hello", 5) == 0,
	    "the truncated file");
	check(ftruncate(fd, 8) == 0 && pread(fd, buf, 100, 0) == 8 &&
	    memcmp(buf, "hello\0\0\0", 8) == 0, "ftruncate up: zeros");
	close(fd);
	fd = open("/new.txt", O_WRONLY | O_TRUNC);
	check(fd >= 0 && fstat(fd, &st) == 0 && st.st_size == 0, "O_TRUNC empties it");
	close(fd);

	/* Errors. */
	check(open("/new.txt", O_RDONLY | O_DIRECTORY) == -1 && errno == ENOTDIR,
	    "O_DIRECTORY on a file: ENOTDIR");
	check(open("/", O_WRONLY) == -1 && errno == EISDIR, "/ for writing: EISDIR");
	check(open("/nodir/x", O_CREAT | O_WRONLY, 0644) == -1 && errno == ENOENT,
	    "creating in a missing directory: ENOENT");
	check(open("/new.txt/x", O_RDONLY) == -1 && errno == ENOTDIR,
	    "a file as a directory: ENOTDIR");
	check(read(99, buf, 1) == -1 && errno == EBADF, "read on a bad fd: EBADF");

	/* Directories. */
	check(mkdir("/d", 0755) == 0, "mkdir /d");
	check(mkdir("/d", 0755) == -1 && errno == EEXIST, "mkdir again: EEXIST");
	fd = open("/d/x", O_CREAT | O_WRONLY, 0600);
	check(fd >= 0 && write(fd, "in d\n", 5) == 5, "create /d/x");
	close(fd);
	check(chdir("/d") == 0 && getcwd(cwd, sizeof(cwd)) != NULL && strcmp(cwd, "/d") == 0,
	    "chdir /d, getcwd");
	check(strcmp(slurp("x"), "in d\n") == 0, "a relative open in the cwd");
	check(chdir("..") == 0 && getcwd(cwd, sizeof(cwd)) != NULL && strcmp(cwd, "/") == 0,
	    "chdir ..");
	fd = open("/d", O_RDONLY | O_DIRECTORY);
	fd2 = fd >= 0 ? openat(fd, "x", O_RDONLY) : -1;
	check(fd2 >= 0 && read(fd2, buf, 5) == 5 && memcmp(buf, "in d\n", 5) == 0,
	    "openat relative to a directory fd");
	check(fstatat(fd, "x", &st, 0) == 0 && st.st_size == 5, "fstatat relative to it");
	close(fd2);
	close(fd);
	check(rmdir("/d") == -1 && errno == ENOTEMPTY, "rmdir of a full directory: ENOTEMPTY");
	check(rename("/d/x", "/y") == 0 && strcmp(slurp("/y"), "in d\n") == 0 &&
	    access("/d/x", F_OK) == -1, "rename /d/x to /y");
	check(rmdir("/d") == 0 && access("/d", F_OK) == -1 && errno == ENOENT, "rmdir /d");
	check(stat("/", &st) == 0 && S_ISDIR(st.st_mode), "stat /: a directory");
	printf("listing /: %s\n", listing("/", self));
	check(unlink("/y") == 0 && unlink("/y") == -1 && errno == ENOENT, "unlink /y");
	check(unlink("/dev") == -1 && errno == EISDIR, "unlink a directory: EISDIR");

	/* The root file, changed and removed in the overlay. */
	if (rootfile != NULL) {
		char before[256];

		snprintf(before, sizeof(before), "%s", slurp(rootfile));
		fd = open(rootfile, O_WRONLY | O_APPEND);
		check(fd >= 0 && write(fd, "more\n", 5) == 5, "append to a root file");
		close(fd);
		check(strlen(slurp(rootfile)) == strlen(before) + 5, "the overlay copy grew");
		check(unlink(rootfile) == 0 && access(rootfile, F_OK) == -1 && errno == ENOENT,
		    "unlink a root file");
		printf("listing / after unlink: %s\n", listing("/", self));
	}

	/* Devices. */
	fd = open("/dev/null", O_RDWR);
	check(fd >= 0 && read(fd, buf, 10) == 0 && write(fd, "x", 1) == 1,
	    "/dev/null: EOF, writes vanish");
	close(fd);
	fd = open("/dev/zero", O_RDONLY);
	memset(buf, 'x', 16);
	check(fd >= 0 && read(fd, buf, 16) == 16 && buf[0] == 0 && buf[15] == 0,
	    "/dev/zero: zeros");
	close(fd);
	printf("listing /dev: %s\n", listing("/dev", self));
	check(isatty(1) == 0 && errno == ENOTTY, "stdout is not a terminal");

	/* dup2 onto stdout. */
	fd = open("/out.txt", O_CREAT | O_RDWR | O_TRUNC, 0644);
	saved = dup(1);
	check(fd >= 0 && saved >= 0, "open /out.txt, save stdout");
	fflush(stdout);
	n = dup2(fd, 1);
	printf("to the file\n");
	fflush(stdout);
	dup2(saved, 1);
	close(saved);
	check(n == 1, "dup2 onto stdout");
	check(strcmp(slurp("/out.txt"), "to the file\n") == 0, "printf went to the file");
	check(lseek(fd, 0, SEEK_CUR) == 12, "the description's offset is shared by dup2");
	close(fd);

	/* fcntl. */
	fd = open("/out.txt", O_RDONLY | O_CLOEXEC);
	check(fcntl(fd, F_GETFD) == FD_CLOEXEC, "O_CLOEXEC: F_GETFD");
	check(fcntl(fd, F_SETFD, 0) == 0 && fcntl(fd, F_GETFD) == 0, "F_SETFD 0");
	check((fcntl(fd, F_GETFL) & O_ACCMODE) == O_RDONLY, "F_GETFL: O_RDONLY");
	check(fcntl(fd, F_SETFL, O_APPEND | O_NONBLOCK) == 0 &&
	    (fcntl(fd, F_GETFL) & (O_APPEND | O_NONBLOCK)) == (O_APPEND | O_NONBLOCK),
	    "F_SETFL O_APPEND|O_NONBLOCK");
	fd2 = fcntl(fd, F_DUPFD, 10);
	check(fd2 == 10, "F_DUPFD 10");
	check(fcntl(fd, F_DUPFD_CLOEXEC, 10) == 11 && fcntl(11, F_GETFD) == FD_CLOEXEC,
	    "F_DUPFD_CLOEXEC");
	check(dup3(fd, fd, 0) == -1 && errno == EINVAL, "dup3 onto itself: EINVAL");
	close(fd);
	close(10);
	close(11);

	/* A pipe to itself. */
	check(pipe(p) == 0, "pipe");
	check(write(p[1], "abc", 3) == 3 && read(p[0], buf, 10) == 3 &&
	    memcmp(buf, "abc", 3) == 0, "through the pipe");
	check(fstat(p[0], &st) == 0 && S_ISFIFO(st.st_mode), "fstat: a FIFO");
	check(lseek(p[0], 0, SEEK_SET) == -1 && errno == ESPIPE, "lseek on a pipe: ESPIPE");
	fcntl(p[0], F_SETFL, O_NONBLOCK);
	check(read(p[0], buf, 10) == -1 && errno == EAGAIN, "O_NONBLOCK empty pipe: EAGAIN");
	close(p[1]);
	check(read(p[0], buf, 10) == 0, "no writers left: EOF");
	close(p[0]);
	check(pipe2(p, O_CLOEXEC | O_NONBLOCK) == 0 && fcntl(p[0], F_GETFD) == FD_CLOEXEC &&
	    (fcntl(p[1], F_GETFL) & O_NONBLOCK), "pipe2 O_CLOEXEC|O_NONBLOCK");
	{
		static char big[70000];
		ssize_t w = write(p[1], big, sizeof(big));

		check(w == 65536, "a 70000-byte write into an empty pipe takes 65536");
		check(write(p[1], "x", 1) == -1 && errno == EAGAIN, "a full pipe: EAGAIN");
	}
	close(p[0]);
	signal(SIGPIPE, SIG_IGN);
	check(write(p[1], "x", 1) == -1 && errno == EPIPE, "no readers: EPIPE");
	close(p[1]);

	/* A writable shared mapping, coherent with read and write. */
	fd = open("/m.bin", O_CREAT | O_RDWR, 0644);
	check(fd >= 0 && ftruncate(fd, 8192) == 0, "/m.bin of 8192 bytes");
	{
		char *m = mmap(NULL, 8192, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);

		check(m != MAP_FAILED, "mmap MAP_SHARED PROT_WRITE of an O_RDWR file");
		if (m != MAP_FAILED) {
			memcpy(m + 4096, "via the map", 11);
			check(pread(fd, buf, 11, 4096) == 11 && memcmp(buf, "via the map", 11) == 0,
			    "read(2) sees a store through the mapping");
			check(pwrite(fd, "via write", 9, 100) == 9 && memcmp(m + 100, "via write", 9) == 0,
			    "the mapping sees write(2)");
			check(msync(m, 8192, MS_SYNC) == 0, "msync");
			check(munmap(m, 8192) == 0, "munmap");
			m = mmap(NULL, 8192, PROT_READ, MAP_SHARED, fd, 0);
			check(m != MAP_FAILED && memcmp(m + 4096, "via the map", 11) == 0,
			    "a new mapping sees the store after munmap");
		}
	}
	close(fd);
	fd = open("/m.bin", O_RDONLY);
	check(mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0) == MAP_FAILED &&
	    errno == EACCES, "MAP_SHARED PROT_WRITE of an O_RDONLY fd: EACCES");
	close(fd);

	printf("file_rw: %d failures\n", failures);
	return failures != 0;
}
