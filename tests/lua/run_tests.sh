#!/bin/sh
# tests/lua/run_tests.sh VMSIM SRCDIR GUESTDIR — TAP: `vmsim run` error
# handling (exit statuses and messages with file:line), event callbacks
# against the recorded trace, and replay of a scenario trace.
set -u
vmsim=$1
dir=$2
VMSIM_GUEST_DIR=$3
export VMSIM_GUEST_DIR
case $vmsim in /*) ;; *) vmsim=$PWD/$vmsim ;; esac
case $dir in /*) ;; *) dir=$PWD/$dir ;; esac
tmp=$(mktemp -d "${TMPDIR:-/tmp}/vmsim-lua.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
n=0
fail=0

ok() {
	n=$((n + 1))
	if [ "$1" = 0 ]; then
		echo "ok $n - $2"
	else
		echo "not ok $n - $2"
		fail=1
	fi
}

# expect STATUS PATTERN SCRIPT [ARGS...]: exit status and a line of stderr.
expect() {
	want=$1
	pat=$2
	shift 2
	"$vmsim" run "$@" >"$tmp/out" 2>"$tmp/err"
	rc=$?
	if [ "$rc" = "$want" ] && { [ -z "$pat" ] || grep -q -- "$pat" "$tmp/err"; }; then
		ok 0 "$* -> exit $want, '$pat'"
	else
		ok 1 "$* -> exit $want, '$pat' (got exit $rc)"
		sed 's/^/# /' "$tmp/err" | head -20
	fi
}

b=$dir/bad
expect 2 "bad/syntax.lua:3: unexpected symbol" "$b/syntax.lua"
expect 2 "bad/runtime.lua:3: attempt to index a nil value" "$b/runtime.lua"
expect 2 "stack traceback:" "$b/runtime.lua"
expect 2 "bad/badarg.lua:3: bad argument #1 to 'spawn' (string expected, got table)" "$b/badarg.lua"
for c in arch memory memsize cpus tlb l1d cost key root swap overcommit uid; do
	expect 2 "bad/badconfig.lua:13: vmsim.machine: " "$b/badconfig.lua" "$c"
done
expect 2 'arch: "sparc": expected "mips", "mipsel" or "amd64"' "$b/badconfig.lua" arch
expect 2 "cpus: expected an integer from 1 to 64, got 100" "$b/badconfig.lua" cpus
expect 2 "unknown key colour" "$b/badconfig.lua" key
expect 2 "costs: nonesuch: no such cost" "$b/badconfig.lua" cost
expect 2 "swap: expected a size in whole 4 KiB pages" "$b/badconfig.lua" swap
expect 2 "overcommit: expected an integer from 0 to 7, got 8" "$b/badconfig.lua" overcommit
expect 1 "bad/assert.lua:3: assertion failed: arithmetic" "$b/assert.lua"
expect 2 "bad/callback_error.lua:4: callback failed at seq" "$b/callback_error.lua"
expect 1 "bad/callback_assert.lua:4: assertion failed: unexpected exit 0" "$b/callback_assert.lua"
expect 2 "bad/callback_forbidden.lua:4: run: not allowed inside an event callback" \
    "$b/callback_forbidden.lua"
expect 2 "bad/callback_spawn.lua:4: no exec please" "$b/callback_spawn.lua"
expect 2 "bad/until_error.lua:5: attempt to perform arithmetic" "$b/until_error.lua"
expect 2 "bad/uid.lua:3: spawn: uid: expected an integer from 0 to 4294967294" "$b/uid.lua"
expect 2 "bad/two_machines.lua:4: vmsim.machine: another machine is still open" \
    "$b/two_machines.lua"
expect 0 "" "$b/gc_machines.lua"
expect 2 "nonexistent.lua: No such file" "$tmp/nonexistent.lua"
"$vmsim" run >/dev/null 2>&1
ok $(( $? == 2 ? 0 : 1 )) "vmsim run without a script -> exit 2"

# Event callbacks see exactly the events of the trace.
"$vmsim" run --trace "$tmp/ev.db" "$dir/events.lua" "$tmp/callback.txt" >"$tmp/out" 2>"$tmp/err"
ok $? "events.lua with --trace"
"$vmsim" dump "$tmp/ev.db" | grep '^event ' >"$tmp/trace.txt"
if [ -s "$tmp/trace.txt" ] && cmp -s "$tmp/callback.txt" "$tmp/trace.txt"; then
	ok 0 "callback events == trace events ($(wc -l <"$tmp/trace.txt") events)"
else
	ok 1 "callback events == trace events"
	diff "$tmp/callback.txt" "$tmp/trace.txt" | head -10 | sed 's/^/# /'
fi

# Replay of a scenario trace needs nothing but the trace: run it from
# another directory with the guest programs hidden.
cp "$tmp/ev.db" "$tmp/copy.db"
(cd "$tmp" && VMSIM_GUEST_DIR=/nonexistent "$vmsim" replay copy.db) >"$tmp/out" 2>"$tmp/err"
rc=$?
ok $(( rc == 0 ? 0 : 1 )) "vmsim replay of the scenario trace (exit $rc)"
grep -q "events identical (scenario" "$tmp/out"
ok $? "replay reports identical events"
(cd "$tmp" && "$vmsim" replay copy.db --until 5) >"$tmp/out" 2>&1
ok $? "vmsim replay --until 5"
grep -q "stopped at event seq 5" "$tmp/out"
ok $? "--until prints the state"
"$vmsim" replay "$tmp/ev.db" --set tlb_entries=32 --trace "$tmp/w.db" >/dev/null 2>"$tmp/err"
ok $(( $? == 2 ? 0 : 1 )) "what-if replay of a scenario trace is refused"
"$vmsim" dump "$tmp/ev.db" | grep -q '^input scenario .*events.lua'
ok $? "the script is in the trace (input role scenario)"

# A lab with a module, traced and replayed.
"$vmsim" run --trace "$tmp/lab.db" "$dir/../../scripts/lua/labs/icache.lua" >"$tmp/out" 2>"$tmp/err"
ok $? "icache lab with --trace"
"$vmsim" dump "$tmp/lab.db" | grep -q '^input scenario require:lib.labkit'
ok $? "the lab's module is in the trace"
(cd "$tmp" && VMSIM_GUEST_DIR=/nonexistent "$vmsim" replay lab.db) >"$tmp/out" 2>"$tmp/err"
ok $? "the lab's trace replays (its first machine)"

echo "1..$n"
exit $fail
