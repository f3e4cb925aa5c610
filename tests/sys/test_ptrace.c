/*
 * tests/sys/test_ptrace.c — issue 5, acceptance 3: a debugger's
 * breakpoint through ptrace and proc_rwmem (VM-SPEC "Debugger access and
 * I-cache sync").  On mips, mipsel and amd64, guest/progs/ptrace_bp.c:
 *  - the tracer POKETEXTs a breakpoint (MIPS break, amd64 int3) over
 *    victim()'s first word and continues; the tracee stops with SIGTRAP at
 *    the breakpoint (MIPS epc == the address, amd64 rip == address + 1);
 *    the tracer puts the word back, moves the PC back, continues, and the
 *    tracee prints the right answer and exits 0;
 *  - a bystander (fork + execve of the same binary) calls victim() after
 *    the poke and prints its normal result, and so does the tracer: the
 *    tracee's text page is a private copy (one cow_copy page fault of the
 *    tracee at that page, "write of file page");
 *  - the trace: two POKETEXTs (set and restore) give exactly two
 *    icache_sync events from pmap_sync_icache at the poked address on
 *    MIPS, and no icache_sync at all on amd64; the SIGTRAP stop event's
 *    PC; the ptrace events;
 *  - a tracer that is not the parent sees its tracee's stop and resumes
 *    it with SIGUSR1 (the handler runs); when it exits without DETACH
 *    the tracee is detached and handles the next SIGUSR1;
 *  - errors as Linux: PEEKTEXT/POKEDATA of an unmapped address EIO, a
 *    pid that does not exist ESRCH, ATTACH to oneself EPERM, TRACEME
 *    twice EPERM, CONT of an untraced process ESRCH, a bad signal EIO;
 *    ATTACH/DETACH of a sleeping process, PTRACE_KILL;
 *  - equal runs give equal traces; on amd64 the host prints the same
 *    lines (when the host allows ptrace);
 *  - a Lua p:poke into read-only program text works (proc_rwmem) and
 *    leaves the page read-only for the process.
 *
 * usage: test_ptrace VMSIM GUEST_DIR
 */
#include "tests/tap.h"
#include "tests/sys/systest.h"
#include "sim/base/base.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *vmsim, *guest_dir;
static const char *const arches[] = { "mips", "mipsel", "amd64" };

static const char ptrace_expected[] =
    "tracee stopped with SIGSTOP after PTRACE_TRACEME: ok\n"
    "PEEKTEXT reads victim's first word: ok\n"
    "POKETEXT writes the breakpoint: ok\n"
    "PEEKTEXT reads the breakpoint back: ok\n"
    "the tracer's own text is unchanged: ok\n"
    "bystander: victim(5) = 16\n"
    "the bystander ran victim and exited 0: ok\n"
    "tracer: victim(6) = 19\n"
    "CONT: ok\n"
    "the tracee stopped with SIGTRAP: ok\n"
    "GETREGS: ok\n"
    "%s\n"
    "POKETEXT puts the word back: ok\n"
    "SETREGS moves the PC back: ok\n"
    "tracee: victim(7) = 22\n"
    "the tracee finished and exited 0: ok\n"
    "CONT again: ok\n"
    "CONT of a process not traced: ESRCH: ok\n"
    "ATTACH to a sleeping child: ok\n"
    "it stopped with SIGSTOP: ok\n"
    "ATTACH twice: EPERM: ok\n"
    "PEEKDATA of a global: ok\n"
    "DETACH: ok\n"
    "attached child: read 'x', victim(8) = 25\n"
    "the detached child finished and exited 0: ok\n"
    "sibling tracer: ATTACH: ok\n"
    "sibling tracer: its wait sees the stop: ok\n"
    "sibling tracer: CONT with SIGUSR1: ok\n"
    "the sibling tracer exited without DETACH: ok\n"
    "SIGUSR1 to the tracee it left: ok\n"
    "orphaned tracee: read 'y', SIGUSR1 handled 2 times\n"
    "the tracee left behind finished and exited 0: ok\n"
    "second tracee stopped (its second TRACEME was EPERM): ok\n"
    "PEEKTEXT of an unmapped address: EIO: ok\n"
    "POKEDATA of an unmapped address: EIO: ok\n"
    "CONT with a bad signal: EIO: ok\n"
    "KILL: ok\n"
    "the killed tracee: killed by SIGKILL: ok\n"
    "ATTACH to a pid that does not exist: ESRCH: ok\n"
    "PEEKDATA of a pid that does not exist: ESRCH: ok\n"
    "ATTACH to oneself: EPERM: ok\n"
    "ptrace_bp: all ok\n";

static struct run
vm_exec(const char *trace, const char *prog)
{
	char *argv[8];
	int n = 0;

	argv[n++] = (char *)vmsim;
	argv[n++] = "exec";
	argv[n++] = "--quiet";
	if (trace != NULL) {
		argv[n++] = "--trace";
		argv[n++] = (char *)trace;
	}
	argv[n++] = (char *)prog;
	argv[n] = NULL;
	return systest_run(NULL, argv);
}

static long long
sql_int(const char *trace, const char *fmt, const char *arg)
{
	char sql[1024];

	snprintf(sql, sizeof(sql), fmt, arg);
	return systest_sql_int(trace, sql);
}

/* The poked address: the va of the first poketext event. */
#define POKE_VA "(SELECT va FROM event WHERE kind = 'ptrace' AND type = 'poketext' " \
	"ORDER BY seq LIMIT 1)"

static void
test_arch(const char *arch)
{
	bool mips = strcmp(arch, "amd64") != 0;
	char prog[512], t1[512], t2[512], expected[sizeof(ptrace_expected) + 64];
	struct run r1, r2;
	char *d1, *d2;

	snprintf(prog, sizeof(prog), "%s/%s-ptrace_bp", guest_dir, arch);
	snprintf(t1, sizeof(t1), "%s/pt1-%s.db", systest_tmpdir, arch);
	snprintf(t2, sizeof(t2), "%s/pt2-%s.db", systest_tmpdir, arch);
	snprintf(expected, sizeof(expected), ptrace_expected, mips ?
	    "the PC is the breakpoint's address (epc): ok" :
	    "the PC is just past the int3 (rip): ok");
	r1 = vm_exec(t1, prog);
	ok(r1.status == 0 && strcmp(r1.out, expected) == 0,
	    "%s: ptrace_bp: breakpoint, bystander, attach/detach, errors (status %d)",
	    arch, r1.status);
	if (strcmp(r1.out, expected) != 0)
		printf("# got:\n%s\n# stderr:\n%s\n", r1.out, r1.err);

	/* The ptrace requests that change something, as events. */
	ok(sql_int(t1, "SELECT count(*) FROM event WHERE kind = 'ptrace' AND "
	    "type = 'poketext' AND pid = 1 AND detail LIKE 'pid 2 %%'%s", "") == 2,
	    "%s: two poketext events (set and restore) by the tracer for pid 2", arch);
	ok(sql_int(t1, "SELECT count(*) FROM event WHERE kind = 'ptrace' AND "
	    "type = 'traceme'%s", "") == 2 &&
	    sql_int(t1, "SELECT count(*) FROM event WHERE kind = 'ptrace' AND "
	    "type = 'cont'%s", "") == 3 &&
	    sql_int(t1, "SELECT count(*) FROM event WHERE kind = 'ptrace' AND "
	    "type = 'setregs'%s", "") == 1 &&
	    sql_int(t1, "SELECT count(*) FROM event WHERE kind = 'ptrace' AND "
	    "type = 'attach'%s", "") == 2 &&
	    sql_int(t1, "SELECT count(*) FROM event WHERE kind = 'ptrace' AND "
	    "type = 'detach'%s", "") == 2 &&
	    sql_int(t1, "SELECT count(*) FROM event WHERE kind = 'ptrace' AND "
	    "type = 'kill'%s", "") == 1,
	    "%s: traceme x2, cont x3, setregs, attach x2, detach x2, kill events", arch);
	/* The sibling tracer's exit detached its tracee. */
	ok(sql_int(t1, "SELECT count(*) FROM event WHERE kind = 'ptrace' AND "
	    "type = 'detach' AND detail LIKE '%% the tracer exited'%s", "") == 1 &&
	    sql_int(t1, "SELECT count(*) FROM event WHERE kind = 'signal' AND "
	    "type = 'SIGUSR1' AND detail LIKE 'handler %%'%s", "") == 2,
	    "%s: CONT with SIGUSR1 runs the handler; a tracer's exit detaches its "
	    "tracee, whose next SIGUSR1 reaches the handler", arch);

	/* The private copy: the tracee's first poke copied the text page. */
	ok(sql_int(t1, "SELECT count(*) FROM event WHERE kind = 'page_fault' AND "
	    "type = 'cow_copy' AND pid = 2 AND detail = 'write of file page' AND "
	    "va = (" POKE_VA " & ~4095)%s", "") == 1,
	    "%s: one cow_copy of the tracee's text page (a private copy)", arch);

	/* The stop at the breakpoint. */
	ok(sql_int(t1, "SELECT count(*) FROM event WHERE kind = 'signal' AND "
	    "type = 'SIGTRAP' AND pid = 2 AND detail LIKE 'stopped for the tracer%%' "
	    "AND pc = %s", mips ? POKE_VA : POKE_VA " + 1") == 1,
	    "%s: the tracee stopped with SIGTRAP at %s", arch,
	    mips ? "the breakpoint (epc)" : "the breakpoint + 1 (rip)");

	/* The I-cache: MIPS syncs once per text poke, amd64 never. */
	if (mips) {
		ok(sql_int(t1, "SELECT count(*) FROM event WHERE kind = 'icache_sync' AND "
		    "(type = 'pmap_sync_icache' OR detail LIKE '%%pmap_sync_icache%%')%s",
		    "") == 2,
		    "%s: exactly two icache_sync events from pmap_sync_icache (two "
		    "POKETEXTs)", arch);
		ok(sql_int(t1, "SELECT count(*) FROM event WHERE kind = 'icache_sync' AND "
		    "(type = 'pmap_sync_icache' OR detail LIKE '%%pmap_sync_icache%%') AND "
		    "va = %s", POKE_VA) == 2,
		    "%s: both at the poked address", arch);
	} else {
		ok(sql_int(t1, "SELECT count(*) FROM event WHERE kind = 'icache_sync'%s",
		    "") == 0, "%s: no icache_sync event (coherent I-cache)", arch);
	}
	ok(sql_int(t1, "SELECT count(*) FROM event WHERE kind = 'exit' AND pid = 2 AND "
	    "detail = 'exit 0'%s", "") == 1 &&
	    sql_int(t1, "SELECT count(*) FROM event WHERE kind = 'exit' AND pid = 3 AND "
	    "detail = 'exit 0'%s", "") == 1,
	    "%s: the tracee and the bystander exit 0", arch);

	/* Equal runs, equal traces. */
	r2 = vm_exec(t2, prog);
	d1 = systest_sql_text(t1, "SELECT digest FROM run");
	d2 = systest_sql_text(t2, "SELECT digest FROM run");
	ok(d1 != NULL && d2 != NULL && strcmp(d1, d2) == 0,
	    "%s: two runs give the same event digest", arch);
	free(d1);
	free(d2);
	systest_run_free(&r1);
	systest_run_free(&r2);
}

/* amd64: the host's ptrace gives the same lines (if it lets us trace). */
static void
test_host(void)
{
	char prog[512];
	char *argv[] = { prog, NULL };
	struct run host, sim;

	snprintf(prog, sizeof(prog), "%s/amd64-ptrace_bp", guest_dir);
	host = systest_run(NULL, argv);
	if (host.status != 0) {
		ok(1, "# SKIP the host does not allow ptrace here (status %d)", host.status);
		systest_run_free(&host);
		return;
	}
	sim = vm_exec(NULL, prog);
	ok(sim.status == 0 && host.outlen == sim.outlen &&
	    memcmp(host.out, sim.out, host.outlen) == 0,
	    "amd64: vmsim prints what the host prints");
	systest_run_free(&host);
	systest_run_free(&sim);
}

/* A Lua poke into read-only text goes through proc_rwmem. */
static const char lua_poke[] =
    "local m = vmsim.machine{ arch = '%s', output = 'capture' }\n"
    "local q = m:spawn('%s/%s-stride', { 4096, 65536, 2 })\n"
    "assert(m:step(3000) == 'paused')\n"
    "local va\n"
    "for _, e in ipairs(q:maps()) do\n"
    "  if e.prot == 'r-x' then\n"
    "    for pg = e.start, e['end'] - 4096, 4096 do\n"
    "      if va == nil and q:pte(pg).mapped then va = pg + 64 end\n"
    "    end\n"
    "  end\n"
    "end\n"
    "assert(va ~= nil, 'no resident text page')\n"
    "local old = q:peek(va, 4)\n"
    "assert(q:poke(va, '\\1\\2\\3\\4') == true, 'poke into text')\n"
    "assert(q:peek(va, 4) == '\\1\\2\\3\\4', 'peek what was poked')\n"
    "assert(not q:pte(va).write, 'the text page stays read-only')\n"
    "assert(q:poke(va, old) == true, 'poke back')\n"
    "local r = m:run()\n"
    "assert(q.exit_status == 0, 'stride finished')\n"
    "print('lua poke ok')\n";

static void
test_lua(void)
{
	for (size_t a = 0; a < nitems(arches); a++) {
		char script[4096], path[512];
		struct run r;

		snprintf(script, sizeof(script), lua_poke, arches[a], guest_dir, arches[a]);
		snprintf(path, sizeof(path), "%s/poke-%s.lua", systest_tmpdir, arches[a]);
		if (systest_spit(path, script, strlen(script)) != 0) {
			ok(0, "write %s", path);
			continue;
		}
		r = systest_vmsim(vmsim, NULL, "run", path, NULL);
		ok(r.status == 0 && strstr(r.out, "lua poke ok") != NULL,
		    "%s: a Lua poke into read-only text works and stays read-only "
		    "(status %d)", arches[a], r.status);
		if (r.status != 0)
			printf("# %s\n", r.err);
		systest_run_free(&r);
	}
}

int
main(int argc, char **argv)
{
	if (argc != 3) {
		fprintf(stderr, "usage: test_ptrace VMSIM GUEST_DIR\n");
		return 2;
	}
	vmsim = argv[1];
	guest_dir = argv[2];
	if (systest_init() != 0)
		return 2;
	for (size_t a = 0; a < nitems(arches); a++)
		test_arch(arches[a]);
	test_host();
	test_lua();
	systest_cleanup();
	return tap_done();
}
