/*
 * tests/sys/systest.h — what the system tests share: reading and writing
 * whole files, and running a program (vmsim, a guest natively) with its
 * stdout and stderr captured, in a per-test temporary directory.
 */
#ifndef TESTS_SYS_SYSTEST_H
#define TESTS_SYS_SYSTEST_H

#include <stddef.h>

struct run {
	int status;		/* exit status, or -1 if killed by a signal */
	char *out, *err;	/* stdout and stderr, NUL-terminated */
	size_t outlen;
};

/* The temporary directory of this test (made by systest_init). */
extern char systest_tmpdir[256];

/* Make the temporary directory; 0 or -1 (message printed). */
int systest_init(void);
/* Remove it. */
void systest_cleanup(void);

/* A whole file, NUL-terminated (malloc'ed; *len without the NUL), or NULL. */
char *systest_slurp(const char *path, size_t *len);
/* Write data as the whole file: 0 or -1. */
int systest_spit(const char *path, const void *data, size_t len);
/* Run argv (NULL-terminated; argv[0] a path) in directory cwd (NULL: ours),
 * capturing stdout and stderr. */
struct run systest_run(const char *cwd, char *const argv[]);
/* Run the vmsim binary with the arguments a0... (NULL-terminated, at most
 * 30) in cwd (NULL: ours). */
struct run systest_vmsim(const char *vmsim, const char *cwd, const char *a0, ...);
void systest_run_free(struct run *r);

/* One value of an SQL query on the SQLite file at path (read-only): the
 * first column of the first row; -1 / NULL when there is none. */
long long systest_sql_int(const char *path, const char *sql);
char *systest_sql_text(const char *path, const char *sql);	/* malloc'ed */
/* systest_sql_int with the query made by printf from fmt. */
long long systest_sql_intf(const char *path, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* The first line of s (cut there; "" for NULL), for a TAP message. */
const char *systest_line1(char *s);

#endif
