/*
 * tests/sys/test_swap.c — issue 3, acceptance 3: the swap pager and the
 * page daemon under a real program.  On every arch, `vm_swap 16` (touch
 * 16 MiB twice, read it back, print a checksum) on an 8 MiB machine:
 *  - with --swap 32M: exits 0 with the checksum of a run on a 64 MiB
 *    machine (no paging), reports no wrong word, and its trace holds
 *    swap_out events, swap_in page faults and lowmem events; the run is
 *    made with the invariant checkers on (the default build), which panic
 *    on any violation, so a complete trace means they stayed green;
 *  - without swap: killed cleanly by SIGKILL (status 137), the trace
 *    complete (the simulator did not crash) with the SIGKILL in it.
 * And the swap run is reproducible: a second run's trace has the same
 * events (digest); on amd64 the host's run of the same binary prints the
 * same checksum.
 */
#include "tests/tap.h"
#include "tests/sys/systest.h"
#include "sim/base/base.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *vmsim, *guest_dir;
static const char *const arches[] = { "mips", "mipsel", "amd64" };

/* Run vm_swap 16 on arch with mem and swap ("" for none), traced. */
static struct run
run_swap(const char *arch, const char *mem, const char *swap, const char *trace)
{
	char prog[512];
	char *argv[16];
	int n = 0;

	snprintf(prog, sizeof(prog), "%s/%s-vm_swap", guest_dir, arch);
	argv[n++] = (char *)vmsim;
	argv[n++] = "exec";
	argv[n++] = "--quiet";
	argv[n++] = "--mem";
	argv[n++] = (char *)mem;
	if (swap[0] != '\0') {
		argv[n++] = "--swap";
		argv[n++] = (char *)swap;
	}
	argv[n++] = "--trace";
	argv[n++] = (char *)trace;
	argv[n++] = prog;
	argv[n++] = "16";
	argv[n] = NULL;
	return systest_run(NULL, argv);
}

/* The "checksum=XXXXXXXX" of vm_swap's output, or "" */
static void
checksum_of(const char *out, char *buf, size_t len)
{
	const char *p = out != NULL ? strstr(out, "checksum=") : NULL;

	buf[0] = '\0';
	if (p != NULL)
		snprintf(buf, len, "%.8s", p + 9);
}

static long long
count(const char *trace, const char *kind, const char *type)
{
	char sql[256];

	if (type != NULL)
		snprintf(sql, sizeof(sql), "SELECT count(*) FROM event WHERE "
		    "kind = '%s' AND type = '%s'", kind, type);
	else
		snprintf(sql, sizeof(sql), "SELECT count(*) FROM event WHERE "
		    "kind = '%s'", kind);
	return systest_sql_int(trace, sql);
}

static void
test_arch(const char *arch)
{
	char t_big[512], t_swap[512], t_swap2[512], t_none[512];
	char sum_big[16], sum_swap[16];
	long long so, si, lm, so2, si2, lm2;
	char *status, *d1, *d2;
	struct run r;

	snprintf(t_big, sizeof(t_big), "%s/%s-big.db", systest_tmpdir, arch);
	snprintf(t_swap, sizeof(t_swap), "%s/%s-swap.db", systest_tmpdir, arch);
	snprintf(t_swap2, sizeof(t_swap2), "%s/%s-swap2.db", systest_tmpdir, arch);
	snprintf(t_none, sizeof(t_none), "%s/%s-none.db", systest_tmpdir, arch);

	r = run_swap(arch, "64M", "", t_big);
	checksum_of(r.out, sum_big, sizeof(sum_big));
	ok(r.status == 0 && sum_big[0] != '\0' && strstr(r.out, "bad=0") != NULL,
	    "%s: vm_swap 16 on 64 MiB: exit 0, checksum %s", arch, sum_big);
	systest_run_free(&r);

	r = run_swap(arch, "8M", "32M", t_swap);
	checksum_of(r.out, sum_swap, sizeof(sum_swap));
	ok(r.status == 0 && strcmp(sum_swap, sum_big) == 0 &&
	    strstr(r.out, "bad=0") != NULL,
	    "%s: on 8 MiB with 32 MiB of swap: exit 0, same checksum (%s)", arch,
	    sum_swap);
	if (r.status != 0)
		printf("# stderr: %.300s\n", r.err != NULL ? r.err : "");
	systest_run_free(&r);
	so = count(t_swap, "swap_out", NULL);
	si = count(t_swap, "page_fault", "swap_in");
	lm = count(t_swap, "lowmem", NULL);
	ok(so >= 2048 && si >= 2048 && lm > 0,
	    "%s: the trace logs paging: %lld swap_out, %lld swap_in faults, "
	    "%lld lowmem", arch, so, si, lm);
	status = systest_sql_text(t_swap, "SELECT status FROM run");
	ok(status != NULL && strcmp(status, "complete") == 0,
	    "%s: the swap run's trace is complete (checkers green)", arch);
	free(status);

	r = run_swap(arch, "8M", "32M", t_swap2);
	systest_run_free(&r);
	so2 = count(t_swap2, "swap_out", NULL);
	si2 = count(t_swap2, "page_fault", "swap_in");
	lm2 = count(t_swap2, "lowmem", NULL);
	d1 = systest_sql_text(t_swap, "SELECT digest FROM run");
	d2 = systest_sql_text(t_swap2, "SELECT digest FROM run");
	ok(so2 == so && si2 == si && lm2 == lm && d1 != NULL && d2 != NULL &&
	    strcmp(d1, d2) == 0,
	    "%s: a second run pages exactly the same (event digest %s)", arch,
	    d1 != NULL ? d1 : "?");
	free(d1);
	free(d2);

	if (strcmp(arch, "amd64") == 0) {
		/* The freestanding amd64 program runs on the host too. */
		char prog[512], sum_host[16];
		char *hargv[3];

		snprintf(prog, sizeof(prog), "%s/amd64-vm_swap", guest_dir);
		hargv[0] = prog;
		hargv[1] = "16";
		hargv[2] = NULL;
		r = systest_run(NULL, hargv);
		checksum_of(r.out, sum_host, sizeof(sum_host));
		ok(r.status == 0 && strcmp(sum_host, sum_swap) == 0,
		    "amd64: the host's run prints the same checksum (%s)", sum_host);
		systest_run_free(&r);
	}

	r = run_swap(arch, "8M", "", t_none);
	ok(r.status == 137, "%s: without swap: killed, status 137 (got %d)", arch,
	    r.status);
	systest_run_free(&r);
	status = systest_sql_text(t_none, "SELECT status FROM run");
	ok(status != NULL && strcmp(status, "complete") == 0 &&
	    count(t_none, "signal", "SIGKILL") == 1 &&
	    count(t_none, "swap_out", NULL) == 0,
	    "%s: without swap: the trace is complete, one SIGKILL, no swap_out",
	    arch);
	free(status);
}

int
main(int argc, char **argv)
{
	if (argc != 3) {
		fprintf(stderr, "usage: test_swap VMSIM GUEST_DIR\n");
		return 2;
	}
	vmsim = argv[1];
	guest_dir = argv[2];
	if (systest_init() != 0)
		return 1;
	for (size_t a = 0; a < nitems(arches); a++)
		test_arch(arches[a]);
	systest_cleanup();
	return tap_done();
}
