-- Lab 7: swap accounting, RLIMIT_SWAP and mlock limits.
--
--   vmsim run scripts/lua/labs/swap_accounting.lua
--
-- FreeBSD (since 8.0) can refuse memory up front instead of killing a
-- process later: every private writable mapping reserves swap for its
-- whole size when it is made (mmap, brk, mprotect to writable, fork), and
-- the reservation is checked against two limits chosen by the overcommit
-- bits (sysctl vm.overcommit; here machine{overcommit = N}, VM-SPEC.md
-- "Swap accounting"):
--   bit 0 (1)  the machine's total may not exceed the swap size
--   bit 1 (2)  a user's total may not exceed his RLIMIT_SWAP
--   bit 2 (4)  with bit 0: the total may also use the non-wired memory
-- uid 0 is never refused.  A refused reservation is a swap_reserve_fail
-- event (type global or rlimit; detail: bytes and uid), and the call
-- fails with ENOMEM.  RLIMIT_SWAP is vmsim's resource 16 (Linux has
-- none): spawn(..., {rlimits = {swap = BYTES}}) or setrlimit(16, ...).
-- The machine's counter swap_reserved is what is reserved now.
--
-- Memory locking (mlock, mlockall) wires pages: they are never paged
-- out, and RLIMIT_MEMLOCK caps how much one process may lock.
--
-- What to look at
--   Table 1: vm_swap N (map N MiB, write it twice, read it back) on 8 MiB
--   of memory with 8 MiB of swap under four policies: it runs, its mmap
--   is refused (ENOMEM, exit 1), or it is killed when memory and swap
--   are both full (SIGKILL, 137).
--   Table 2: RLIMIT_SWAP for uid 1000 (overcommit = 2), and for root.
--   The vm_acct run (uid 1000, overcommit = 2): the swap_reserved level
--   around its forks and its mlock, the swap_reserve_fail events its
--   bisection provokes (it measures the room left under its limit by
--   trying mappings of decreasing size).
--   The vm_lock runs: the wire and unwire events with the machine's count
--   of wired pages, and which of vm_lock's checks fail when
--   RLIMIT_MEMLOCK is 4 pages.
--
-- Questions
--   1. Table 1, overcommit = 0: nothing is refused.  What happens to the
--      24 MiB run, and when?  Which policy turns that late kill into an
--      early, clean ENOMEM?  Why is root's run still killed?
--   2. Why does a read-only private mapping reserve nothing, and
--      mprotect to writable reserve its size (vm_acct's checks)?  Why
--      does touching the pages reserve nothing more?
--   3. fork: why is a copy-on-write object charged for both sides?  Why
--      are the parent's mlocked pages charged to the child at once?
--   4. With bit 2 (overcommit = 5) the 12 MiB run is allowed although
--      swap is only 8 MiB.  What is the risk?  What does FreeBSD's
--      default (vm.overcommit = 0) say about who pays for overcommit?
--   5. With RLIMIT_MEMLOCK at 4 pages, why does "mlock again (unaligned
--      start)" of 2 pages wire 3 pages, and still pass?  Why does
--      mlockall(MCL_CURRENT) fail?
--
-- What to change
--   SWAP, the sizes of table 1, overcommit = 3 (both limits), a larger
--   RLIMIT_SWAP; uid = 0 for vm_acct (its checks of the limit fail: why?);
--   RLIMIT_MEMLOCK of 8 or 16 pages.

local kit = require "lib.labkit"

local MiB = 1 << 20
local MEMORY, SWAP = "8M", "8M"

-- Run prog on a fresh machine cfg with spawn options opts.  Returns the
-- exit status, the output, events by kind and by kind/type, the
-- swap_reserve_fail events, the peak of swap_reserved, and the machine's
-- final counters.
local function run(cfg, prog, args, opts, on)
	local c = { output = "capture" }
	for k, v in pairs(cfg) do c[k] = v end
	local m = vmsim.machine(c)
	local r = { events = {}, fails = {}, peak = 0 }
	m:on("*", function(e)
		r.events[e.kind] = (r.events[e.kind] or 0) + 1
		if e.type then
			local k = e.kind .. "/" .. e.type
			r.events[k] = (r.events[k] or 0) + 1
		end
		if e.kind == "swap_reserve_fail" then r.fails[#r.fails + 1] = e end
		r.peak = math.max(r.peak, m:stats().swap_reserved)
		if on and on[e.kind] then on[e.kind](e, m) end
	end)
	local p = m:spawn(vmsim.program(c.arch or "mips", prog), args, opts)
	assert(m:run() == "exited")
	r.exit_status, r.output, r.stats = p.exit_status, p.output, m:stats()
	m:close()
	return r
end

local function outcome(r)
	if r.exit_status == 0 then return "runs" end
	if r.exit_status == 137 then return "SIGKILL" end
	if r.output:match("mmap failed") then
		return "ENOMEM (" .. (r.fails[1] and r.fails[1].type or "?") .. ")"
	end
	return "exit " .. r.exit_status
end

-- Table 1: four policies, three sizes.
local policies = {
	{ overcommit = 0, uid = 1000 },
	{ overcommit = 1, uid = 0 },
	{ overcommit = 1, uid = 1000 },
	{ overcommit = 5, uid = 1000 },
}
local sizes = { 4, 12, 24 }
local t1, rows = {}, {}
for i, pol in ipairs(policies) do
	local row = { pol.overcommit, pol.uid }
	t1[i] = {}
	for j, n in ipairs(sizes) do
		local r = run({ memory = MEMORY, swap = SWAP, overcommit = pol.overcommit, uid = pol.uid },
		    "vm_swap", { n })
		t1[i][n] = r
		row[2 + j] = outcome(r)
	end
	rows[#rows + 1] = row
end
print(string.format("Table 1: vm_swap N on %s of memory, %s of swap", MEMORY, SWAP))
kit.print_table({ "overcommit", "uid", "N = 4", "N = 12", "N = 24" }, rows)
print(string.format("  the refused 24 MiB reservation: %s %s", t1[3][24].fails[1].type,
    t1[3][24].fails[1].detail))
print()

-- Table 2: RLIMIT_SWAP (overcommit = 2: only the per-user limit).
rows = {}
local t2 = {}
for _, c in ipairs{ { 1000, 4 }, { 1000, 16 }, { 0, 4 } } do
	local uid, lim = c[1], c[2]
	t2[uid .. "/" .. lim] = {}
	for _, n in ipairs{ 2, 8 } do
		local r = run({ memory = "32M", swap = "32M", overcommit = 2 }, "vm_swap", { n },
		    { uid = uid, rlimits = { swap = lim * MiB } })
		t2[uid .. "/" .. lim][n] = r
		rows[#rows + 1] = { uid, lim .. "M", n .. "M", outcome(r),
		    string.format("%.2fM", r.peak / MiB), #r.fails }
	end
end
print("Table 2: RLIMIT_SWAP, overcommit = 2 (32 MiB of memory and of swap)")
kit.print_table({ "uid", "RLIMIT_SWAP", "vm_swap N", "outcome", "peak reserved",
    "refusals" }, rows)
print()

-- vm_acct as uid 1000: the reservation level around forks and mlock.
local marks = {}
local acct = run({ overcommit = 2 }, "vm_acct", {}, { uid = 1000 }, {
	fork = function(e, m)
		marks[#marks + 1] = string.format("fork event (pid %d, %s): %d KiB reserved", e.pid,
		    e.detail, m:stats().swap_reserved // 1024)
	end,
	wire = function(e, m)
		marks[#marks + 1] = string.format("%s %s at %#x: %d KiB reserved, %d pages wired",
		    e.type, e.detail, e.va, m:stats().swap_reserved // 1024, m:pageout().wired)
	end,
	exit = function(e, m)
		if e.pid == 1 then
			marks[#marks + 1] = string.format("exit event of pid 1: %d KiB reserved",
			    m:stats().swap_reserved // 1024)
		end
	end,
})
print("vm_acct as uid 1000 with overcommit = 2:")
for line in acct.output:gmatch("[^\n]+") do
	if line:match("reserves") or line:match("charged") or line:match("all checks") then
		print("  | " .. line)
	end
end
for _, s in ipairs(marks) do print("  " .. s) end
local by_type = {}
for _, e in ipairs(acct.fails) do by_type[e.type] = (by_type[e.type] or 0) + 1 end
print(string.format("  %d swap_reserve_fail events (%s); the counter says %d; peak reserved "
    .. "%d KiB, %d KiB at the end", #acct.fails, acct.fails[1].detail,
    acct.stats.swap_reserve_fail, acct.peak // 1024, acct.stats.swap_reserved // 1024))
print()

-- vm_lock: wiring, with the default RLIMIT_MEMLOCK and with 4 pages.
local function lock_run(rlimits)
	local wires = {}
	local r = run({}, "vm_lock", {}, { rlimits = rlimits }, {
		wire = function(e, m) wires[#wires + 1] = { e.type, e.detail, m:pageout().wired } end,
	})
	local failed = {}
	for line in r.output:gmatch("[^\n]+") do
		local what = line:match("^FAILED: (.*)")
		if what then failed[#failed + 1] = what end
	end
	r.failed, r.wires = failed, wires
	return r
end
local lk_def = lock_run(nil)
local lk_4 = lock_run({ memlock = 4 * 4096 })
for _, c in ipairs{ { "default", lk_def }, { "4 pages", lk_4 } } do
	local r = c[2]
	local w = {}
	for _, x in ipairs(r.wires) do w[#w + 1] = string.format("%s %s (%d wired)", x[1], x[2], x[3]) end
	print(string.format("vm_lock, RLIMIT_MEMLOCK %s: exit %d, %d mlock events, %d munlock",
	    c[1], r.exit_status, r.events["wire/mlock"] or 0, r.events["unwire/munlock"] or 0))
	print("  wired: " .. table.concat(w, ", "))
	for _, f in ipairs(r.failed) do print("  FAILED: " .. f) end
end
print()

-- The expected outcomes.
local function is(i, n, want)
	local got = outcome(t1[i][n])
	assert(got == want, string.format("table 1, overcommit %d uid %d, N = %d: %s, expected %s",
	    policies[i].overcommit, policies[i].uid, n, got, want))
end
for i = 1, 4 do is(i, 4, "runs") end
is(1, 12, "runs"); is(1, 24, "SIGKILL")		-- no limit: killed late
is(2, 12, "runs"); is(2, 24, "SIGKILL")		-- root is never refused
is(3, 12, "ENOMEM (global)"); is(3, 24, "ENOMEM (global)")
is(4, 12, "runs"); is(4, 24, "ENOMEM (global)")	-- swap + non-wired memory
assert(#t1[1][24].fails == 0 and (t1[1][24].events["signal/SIGKILL"] or 0) == 1)
assert(t1[3][24].fails[1].detail == string.format("%d bytes uid 1000", 24 * MiB))
assert(outcome(t2["1000/4"][2]) == "runs" and outcome(t2["1000/4"][8]) == "ENOMEM (rlimit)")
assert(outcome(t2["1000/16"][8]) == "runs" and outcome(t2["0/4"][8]) == "runs")
assert(t2["1000/16"][8].peak >= 8 * MiB and t2["1000/4"][2].peak < 4 * MiB)
assert(acct.exit_status == 0 and acct.output:match("vm_acct: all checks passed"),
    "vm_acct's checks hold")
assert(#acct.fails > 0 and #acct.fails == acct.stats.swap_reserve_fail and by_type.rlimit ==
    #acct.fails and acct.fails[1].detail:match(" uid 1000$"),
    "every refusal is an rlimit swap_reserve_fail event for uid 1000, and counted")
assert(acct.stats.swap_reserved == 0 and acct.peak > 0, "everything reserved is given back")
assert((acct.events["fork/fork"] or 0) == 4 and (acct.events["wire/mlock"] or 0) == 1)
assert(lk_def.exit_status == 0 and #lk_def.failed == 0, "vm_lock passes with the default limit")
assert(lk_4.exit_status == 1 and table.concat(lk_4.failed, "|") ==
    "mlock 8 pages|lock 8 pages again|mlockall(MCL_CURRENT | MCL_FUTURE)",
    "exactly the locks over 4 pages fail")
for _, x in ipairs(lk_4.wires) do
	assert(tonumber(x[2]:match("^(%d+) bytes")) <= 4 * 4096, "nothing over the limit is wired")
end
print("lab swap_accounting: all expected outcomes hold")
