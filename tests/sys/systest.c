/*
 * tests/sys/systest.c — the system tests' shared helpers (systest.h).
 */
#include "tests/sys/systest.h"

#include <fcntl.h>
#include <stdarg.h>
#include <spawn.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;

char systest_tmpdir[256];

int
systest_init(void)
{
	snprintf(systest_tmpdir, sizeof(systest_tmpdir), "%s/vmsim-test-XXXXXX",
	    getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
	if (mkdtemp(systest_tmpdir) == NULL) {
		perror("mkdtemp");
		return -1;
	}
	return 0;
}

void
systest_cleanup(void)
{
	char cmd[400];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", systest_tmpdir);
	if (system(cmd) != 0)
		printf("# could not remove %s\n", systest_tmpdir);
}

char *
systest_slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *buf;
	long n;

	if (f == NULL)
		return NULL;
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	fseek(f, 0, SEEK_SET);
	buf = n >= 0 ? malloc((size_t)n + 1) : NULL;
	if (buf == NULL || fread(buf, 1, (size_t)n, f) != (size_t)n) {
		free(buf);
		fclose(f);
		return NULL;
	}
	buf[n] = '\0';
	fclose(f);
	if (len)
		*len = (size_t)n;
	return buf;
}

int
systest_spit(const char *path, const void *data, size_t len)
{
	FILE *f = fopen(path, "wb");
	int rv = 0;

	if (f == NULL)
		return -1;
	if (fwrite(data, 1, len, f) != len)
		rv = -1;
	if (fclose(f) != 0)
		rv = -1;
	return rv;
}

struct run
systest_run(const char *cwd, char *const argv[])
{
	struct run r = { .status = -1 };
	char outp[300], errp[300];
	posix_spawn_file_actions_t fa;
	pid_t pid;
	int st;

	snprintf(outp, sizeof(outp), "%s/out", systest_tmpdir);
	snprintf(errp, sizeof(errp), "%s/err", systest_tmpdir);
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_addopen(&fa, 1, outp, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	posix_spawn_file_actions_addopen(&fa, 2, errp, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	if (cwd != NULL)
		posix_spawn_file_actions_addchdir_np(&fa, cwd);
	if (posix_spawn(&pid, argv[0], &fa, NULL, argv, environ) != 0) {
		posix_spawn_file_actions_destroy(&fa);
		r.out = strdup("");
		r.err = strdup("spawn failed");
		return r;
	}
	posix_spawn_file_actions_destroy(&fa);
	waitpid(pid, &st, 0);
	r.status = WIFEXITED(st) ? WEXITSTATUS(st) : -1;
	r.out = systest_slurp(outp, &r.outlen);
	r.err = systest_slurp(errp, NULL);
	if (r.out == NULL)
		r.out = strdup("");
	if (r.err == NULL)
		r.err = strdup("");
	return r;
}

struct run
systest_vmsim(const char *vmsim, const char *cwd, const char *a0, ...)
{
	char *argv[32];
	va_list ap;
	int n = 0;

	argv[n++] = (char *)vmsim;
	argv[n++] = (char *)a0;
	va_start(ap, a0);
	while (n < 31 && (argv[n] = va_arg(ap, char *)) != NULL)
		n++;
	va_end(ap);
	argv[n] = NULL;
	return systest_run(cwd, argv);
}

void
systest_run_free(struct run *r)
{
	free(r->out);
	free(r->err);
}

/* Run sql on path; the first row's first column goes to *i or *t. */
static int
systest_sql(const char *path, const char *sql, long long *i, char **t)
{
	sqlite3 *db = NULL;
	sqlite3_stmt *st;
	int found = 0;

	if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL) == SQLITE_OK &&
	    sqlite3_prepare_v2(db, sql, -1, &st, NULL) == SQLITE_OK) {
		if (sqlite3_step(st) == SQLITE_ROW) {
			if (i != NULL)
				*i = sqlite3_column_int64(st, 0);
			if (t != NULL && sqlite3_column_text(st, 0) != NULL)
				*t = strdup((const char *)sqlite3_column_text(st, 0));
			found = 1;
		}
		sqlite3_finalize(st);
	}
	sqlite3_close(db);
	return found;
}

long long
systest_sql_int(const char *path, const char *sql)
{
	long long v = -1;

	systest_sql(path, sql, &v, NULL);
	return v;
}

char *
systest_sql_text(const char *path, const char *sql)
{
	char *v = NULL;

	systest_sql(path, sql, NULL, &v);
	return v;
}

long long
systest_sql_intf(const char *path, const char *fmt, ...)
{
	char sql[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(sql, sizeof(sql), fmt, ap);
	va_end(ap);
	return systest_sql_int(path, sql);
}

const char *
systest_line1(char *s)
{
	char *nl = s != NULL ? strchr(s, '\n') : NULL;

	if (nl != NULL)
		*nl = '\0';
	return s != NULL ? s : "";
}
