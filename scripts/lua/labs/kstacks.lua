-- Lab 3: MIPS wired TLB entries and TLB-aligned kernel stacks.
--
--   vmsim run scripts/lua/labs/kstacks.lua
--
-- Every thread has a kernel stack: KSTACK_PAGES = 2 pages of kernel
-- virtual memory (kseg2, 0xc0000000 and up, on MIPS) above
-- KSTACK_GUARD_PAGES = 2 unmapped guard pages.  An exception saves the
-- user registers (the trapframe) on it.  On MIPS the TLB refill handler
-- itself runs on that stack, so a TLB miss on the kernel stack could never
-- be served: the stack must always be in the TLB.  MIPS keeps it in a
-- *wired* entry (one the Random register never replaces): at every context
-- switch the kernel writes the new thread's stack into wired entry 0.  A
-- MIPS TLB entry maps an even/odd PAIR of pages, so one entry holds the
-- whole 2-page stack only if the stack starts on an even page: the kernel
-- allocates stack KVA "TLB-aligned" (pmap_align_tlb,
-- VMFS_TLB_ALIGNED_SPACE).  With several CPUs, wired entry 1 holds the
-- pair with the CPU's per-CPU page.  Stacks of exited threads are kept
-- in a cache for the next thread; vm_lowmem (memory is short) drains it.
--
-- The guest program `thread_churn N` creates and joins N threads one after
-- the other; `pthread_sum T N` runs T threads at once; `hello` calls
-- write(2), which with the teaching knob bugs = {"kstack-overflow"} puts
-- a 12 KiB buffer on the 8 KiB kernel stack.
--
-- What to look at
--   Table 1: the wired entries of both CPUs of a 2-CPU MIPS machine at
--   the moment a thread exits: entry 0 is that CPU's running thread's
--   stack (an even/odd pair, global, valid, dirty), entry 1 the per-CPU
--   pages.  Compare with the kstack events: the same VA and frame.
--   Table 2: kstack events (new, reuse, cache, free) per run, the most
--   stacks in use at once, the stacks cached at the end and the frees
--   m:lowmem() caused, and whether every stack starts on an even page.
--   The kstack events of thread_churn 10: one new stack, then the same
--   one again and again (cache, reuse).
--   The kernel panic of the kstack-overflow knob: which address, which
--   guard page.
--
-- Questions
--   1. Why can the MIPS kernel not take a TLB miss on its own stack?
--      What would the refill handler need to save its registers?  (MIPS32
--      Vol. III, the TLB refill exception; FreeBSD mips/mips/exception.S.)
--   2. A stack at an odd page would need two TLB entries.  Why is that a
--      problem for the wired scheme?  What does "TLB-aligned" cost in
--      kernel virtual address space?
--   3. Why are the guard pages NOT mapped, rather than mapped read-only?
--      Why a panic and not a signal to the process?
--   4. thread_churn makes 10 threads but only 2 stacks.  Why?  Why does
--      the cache hold one stack more than the threads ever had at once
--      at the end?  (Which thread owned the last one?)  pthread_sum 4
--      runs 4 threads "at once": why may it still need fewer than 5?
--   5. Why does amd64 need no wired entry for its kernel stacks?  (It
--      walks page tables in hardware; what does it need instead when the
--      stack is missing from the TLB?)
--
-- What to change
--   tlb = { entries = 16 } (fewer entries for user pages: the wired ones
--   stay), cpus = 4, thread_churn with more threads or pthread_sum with
--   more at once, m:lowmem{pageout = false} (vm_lowmem only); arch =
--   "amd64" for the table of wired entries (there are none).

local kit = require "lib.labkit"

local smp = kit.supports("smp")
local PAGE = 4096

-- ---- 1. The wired entries, and every thread's stack in wired entry 0 ----

-- A kit.run "on" table that follows kernel stacks: which thread owns
-- which stack (the kstack new/reuse event comes just before the thread
-- new event, in the creating thread), and at every thread exit, that
-- CPU's wired entry 0 compared with the exiting thread's stack.
local function follower(snapshot)
	local st = { owner = { [1] = nil }, pending = nil, checked = 0, mismatches = {} }
	st.on = {
		kstack = function(e)
			if e.type == "new" or e.type == "reuse" then
				if e.tid == 0 then
					st.owner[1] = e	-- the first thread's, made at spawn
				else
					st.pending = e
				end
			end
		end,
		thread = function(e, m)
			if e.type == "new" then
				local tid = tonumber(e.detail:match("tid (%d+)"))
				st.owner[tid], st.pending = st.pending, nil
			elseif e.type == "exit" then
				local ks = st.owner[e.tid]
				local tlb = m:cpu(e.cpu):tlb()
				local w0 = tlb.slots[1]
				st.checked = st.checked + 1
				if ks == nil or not w0.wired or w0.index ~= 0 or w0.vpn2 ~= ks.va or
				    w0.even.pa ~= ks.pa or not (w0.even.valid and w0.odd.valid) or
				    not w0.global then
					st.mismatches[#st.mismatches + 1] = e.tid
				end
				if snapshot and st.snap == nil then
					st.snap = { event = e, cpus = {} }
					for c = 0, m:config().cpus - 1 do
						st.snap.cpus[c] = m:cpu(c):tlb()
					end
				end
			end
		end,
	}
	return st
end

local cpus = smp and 2 or 1
local follow = follower(true)
local churn = kit.run({ arch = "mips", cpus = cpus }, "thread_churn", { 10 },
    { on = follow.on, keep = { kstack = true, machine_check = true } })
assert(churn.exit_status == 0 and churn.output == "thread_churn: n=10 sum=45\n",
    "thread_churn 10 failed: " .. tostring(churn.output))

local snap = follow.snap
assert(snap ~= nil, "no thread exited")
print(string.format("Table 1: the wired TLB entries of a %d-CPU MIPS machine when tid %d " ..
    "exits on cpu %d (event seq %d)", cpus, snap.event.tid, snap.event.cpu, snap.event.seq))
local rows = {}
local function owner_of(va)
	for tid, ks in pairs(follow.owner) do
		if ks.va == va then return tid end
	end
end
local wired_seen = {}
for c = 0, cpus - 1 do
	local tlb = snap.cpus[c]
	wired_seen[c] = tlb.wired
	for _, s in ipairs(tlb.slots) do
		if s.wired then
			local what
			if s.index == 0 then
				local tid = owner_of(s.vpn2)
				what = tid and string.format("kernel stack of tid %d", tid) or "?"
			else
				what = "per-CPU pages"
			end
			rows[#rows + 1] = { c, s.index, kit.hex(s.vpn2), s.asid, s.global and "G" or "-",
			    string.format("%s%s %#x", s.even.valid and "V" or "-", s.even.dirty and "D" or "-",
			        s.even.pa),
			    string.format("%s%s %#x", s.odd.valid and "V" or "-", s.odd.dirty and "D" or "-",
			        s.odd.pa),
			    what }
		end
	end
end
kit.print_table({ "cpu", "slot", "VPN2 (even page)", "ASID", "global", "even: pa",
    "odd: pa", "holds" }, rows)
if cpus > 1 then
	print("  (one pair holds every CPU's per-CPU page: cpu 0's is the even page, cpu 1's the odd one)")
end
print(string.format("  every thread exit checked: %d exits, wired entry 0 held the exiting " ..
    "thread's stack pair in %d", follow.checked, follow.checked - #follow.mismatches))
print()

-- ---- 2. kstack events per run, and the lowmem drain ----

-- One run: kstack events by type, the most in use, the cache at the end,
-- what m:lowmem() freed, the stack bases.
local function kstacks(arch, ncpu, prog, args)
	local st = { bases = {}, nbases = 0, maxuse = 0, cached = 0, frees = 0, freed_cached = 0,
	    odd = 0, list = {} }
	local r = kit.run({ arch = arch, cpus = ncpu }, prog, args, {
		on = { kstack = function(e)
			local f = kit.fields(e.detail)
			st.list[#st.list + 1] = e
			if not st.bases[e.va] then
				st.bases[e.va] = true
				st.nbases = st.nbases + 1
				if (e.va // PAGE) % 2 ~= 0 then st.odd = st.odd + 1 end
			end
			st.maxuse = math.max(st.maxuse, f.inuse or 0)
			if e.type == "free" then
				st.frees = st.frees + 1
			elseif not st.drained then
				st.cached = f.cached or st.cached
			end
			st.last_cached = f.cached
		end },
		after = function(m)
			st.drained = true
			m:lowmem()
		end,
	})
	assert(r.exit_status == 0 and (prog ~= "pthread_sum" or r.output:match("\nok\n$")),
	    string.format("%s %s failed: %s", arch, prog, tostring(r.output)))
	st.r = r
	return st
end

local runs = {
	{ "mips", 1, "thread_churn", { 10 } },
	{ "mips", cpus, "thread_churn", { 10 } },
	{ "mips", cpus, "pthread_sum", { 4, 20000 } },
	{ "amd64", cpus, "thread_churn", { 10 } },
}
if cpus == 1 then table.remove(runs, 2) end
rows = {}
local results = {}
for _, run in ipairs(runs) do
	local arch, ncpu, prog, args = run[1], run[2], run[3], run[4]
	local st = kstacks(arch, ncpu, prog, args)
	results[#results + 1] = { arch = arch, cpus = ncpu, prog = prog, st = st }
	local ev = st.r.events
	rows[#rows + 1] = { arch, ncpu, prog .. " " .. table.concat(args, " "),
	    ev["kstack/new"] or 0, ev["kstack/reuse"] or 0, ev["kstack/cache"] or 0, st.maxuse,
	    st.cached, st.frees, st.last_cached, st.nbases,
	    arch == "amd64" and "(n/a)" or (st.odd == 0 and "yes" or "NO"),
	    ev.machine_check or 0 }
end
print("Table 2: kernel stacks per run (free: the kstack free events of m:lowmem() after the run)")
kit.print_table({ "arch", "cpus", "program", "new", "reuse", "cache", "max in use",
    "cached at end", "free", "cached after", "bases", "even pages", "machine checks" }, rows)
print()

print(string.format("The kstack events of thread_churn 10 on %d CPU(s) (MIPS):", cpus))
rows = {}
local list = results[cpus == 1 and 1 or 2].st.list
for i, e in ipairs(list) do
	if i <= 7 or i > #list - 4 then
		local f = kit.fields(e.detail)
		rows[#rows + 1] = { e.seq, e.cpu, e.tid, e.type, kit.hex(e.va), kit.hex(e.pa),
		    f.cached, f.inuse }
	elseif i == 8 then
		rows[#rows + 1] = { "...", "", "", "", "", "", "", "" }
	end
end
kit.print_table({ "seq", "cpu", "tid", "type", "va (stack base)", "pa", "cached", "in use" },
    rows)
print("  (the last frees are m:lowmem()'s, pid 0: vm_lowmem drained the cache)")
print()

-- ---- 3. Stack overflow into the guard page ----

local overflow = kit.run({ arch = "mips", bugs = { "kstack-overflow" } }, "hello", {},
    { outcome = "panic", keep = { kstack = true, panic = true, machine_check = true } })
local stack, panic_ev
for _, e in ipairs(overflow.kept) do
	if e.kind == "kstack" and stack == nil then stack = e end
	if e.kind == "panic" then panic_ev = e end
end
local bad = panic_ev and tonumber(panic_ev.detail:match("to (0x%x+)"))
print("The kstack-overflow knob (MIPS, hello's write(2) puts 12 KiB on the stack):")
print("  m:run() -> " .. overflow.how .. ", " .. tostring(overflow.why))
if stack and bad then
	print(string.format("  guard pages %#x-%#x, stack %#x-%#x, the store: %#x (%d bytes below " ..
	    "the stack's base)", stack.va - 2 * PAGE, stack.va - 1, stack.va, stack.va + 2 * PAGE - 1, bad,
	    stack.va - bad))
	print(string.format("  the program: exit status %s (killed), output %q",
	    tostring(overflow.exit_status), overflow.output or ""))
end
print()

-- ---- The expected outcome ----

-- Every thread's stack was in wired entry 0 whenever it ran (checked at
-- each exit), and both wired entries exist on SMP.
assert(follow.checked == 10 and #follow.mismatches == 0,
    "wired entry 0 must hold the running thread's kernel stack pair")
assert(wired_seen[0] == (cpus > 1 and 2 or 1), "MIPS: 1 wired entry, 2 on SMP")
for c = 0, cpus - 1 do
	local w = snap.cpus[c].slots
	assert(w[1].wired and w[1].index == 0 and w[1].global, "wired entry 0: a global pair")
	if cpus > 1 then
		assert(w[2].wired and w[2].index == 1 and w[2].even.valid, "wired entry 1: the per-CPU page")
	end
end
for _, res in ipairs(results) do
	local st, ev = res.st, res.st.r.events
	local what = res.arch .. " " .. res.prog .. " on " .. res.cpus
	-- No trapframe ever missed wired entry 0.
	assert((ev.machine_check or 0) == 0, what .. ": a machine check")
	-- The cache: stacks are made once and reused; the drain frees them all.
	assert(st.frees == st.cached and st.cached >= 2 and st.last_cached == 0,
	    what .. ": m:lowmem() must free every cached stack")
	assert((ev["kstack/new"] or 0) == st.nbases, what .. ": one new per distinct stack")
	if res.prog == "thread_churn" then
		-- One stack for the main thread, one for the 10 threads in turn.
		assert(ev["kstack/new"] == 2 and ev["kstack/reuse"] == 9 and ev["kstack/cache"] == 11,
		    what .. ": new 2, reuse 9, cache 11")
	else
		assert(st.maxuse >= 3, what .. ": several threads at once")
	end
	-- TLB-aligned: every MIPS stack starts on an even page.
	if res.arch ~= "amd64" then assert(st.odd == 0, what .. ": a stack on an odd page") end
end
-- The overflow: a panic that names the guard page, and the address is in it.
assert(overflow.how == "panic" and overflow.why:match("kernel stack overflow") and
    overflow.why:match("guard page"), "the overflow must be a kernel panic naming the guard page")
assert(stack and bad and bad >= stack.va - 2 * PAGE and bad < stack.va,
    "the faulting store must be in the guard pages below the stack")
assert(overflow.exit_status == 137 and (overflow.events.machine_check or 0) == 0)
print("lab kstacks: all expected outcomes hold")
