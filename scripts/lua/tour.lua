-- The vmsim tour: one MIPS machine, several programs at once, and what
-- the memory hardware and the VM system did for them.
--
--   vmsim run scripts/lua/tour.lua
--
-- Programs (round-robin on the machine's CPUs):
--   touch_pages 64          maps 64 pages and writes one byte in each:
--                           zero-fill page faults, TLB refills
--   stride 4096 262144 3    sweeps 256 KiB three times: TLB refills
--                           beyond the TLB's reach, L1/L2 misses
--   selfmod nosync          rewrites its own code without an I-cache
--                           sync: stale instruction fetches
--   selfmod synci           the same with SYNCI: I-cache syncs
--   fork_cow 8              (when the kernel has fork) copy-on-write faults
-- With SMP (when the machine supports more than one CPU) it runs on two
-- CPUs: a page table change (the COW faults after fork, munmap, exit)
-- must then invalidate the other CPU's TLB too, and TLB shootdowns, each
-- with an IPI to the other CPU, show up among the events.
--
-- It prints a table of event counts, the processes, the caches and the
-- TLB, and the five most interesting events with the instruction at their
-- PC, and asserts what must have happened.  Every event kind the machine
-- reports is counted, so new kinds (shootdown, ipi, ...) appear here as
-- soon as the simulator emits them.

local kit = require "lib.labkit"

local cfg = { arch = "mips", memory = "32M", seed = 7, tlb = { entries = 32 },
    output = "capture" }
local smp = kit.supports("smp")
if smp then cfg.cpus = 2 end
local m = vmsim.machine(cfg)

-- Event counts, and the first event of each kind/type with its code.
-- The code at an event's PC is read through the process's page tables;
-- when that page is not mapped yet (the event is the fault that maps it),
-- it is read again at the process's next events.
local counts, first, pending = {}, {}, {}
m:on("*", function(e)
	local key = e.type and (e.kind .. "/" .. e.type) or e.kind
	counts[key] = (counts[key] or 0) + 1
	for k, f in pairs(pending) do
		if f.e.pid == e.pid then
			local code = m:disasm(f.e.pid, f.e.pc, 1)
			if code then f.insn, pending[k] = code[1], nil end
		end
	end
	if first[key] == nil then
		local code = e.pc ~= 0 and m:disasm(e.pid, e.pc, 1) or nil
		first[key] = { e = e, insn = code and code[1] }
		if code == nil and e.pc ~= 0 then pending[key] = first[key] end
	end
end)

local progs = {
	{ "touch_pages", { "64" } },
	{ "stride", { "4096", "262144", "3" } },
	{ "selfmod", { "nosync" } },
	{ "selfmod", { "synci" } },
}
local fork = kit.supports("fork") and vmsim.program_exists("mips", "fork_cow")
if fork then progs[#progs + 1] = { "fork_cow", { "8" } } end

local procs = {}
for _, pr in ipairs(progs) do
	procs[#procs + 1] = { name = pr[1] .. " " .. table.concat(pr[2], " "),
	    p = m:spawn(vmsim.program("mips", pr[1]), pr[2]) }
end
assert(m:run() == "exited")
for _, f in pairs(first) do
	if f.insn == nil then
		f.insn = f.e.pc == 0 and "(no user pc: the kernel loading the program)" or
		    "(the page was never mapped)"
	end
end
-- Counts by kind alone too (icache_sync/synci also counts as icache_sync).
local function count(kind)
	local n = 0
	for k, v in pairs(counts) do
		if k == kind or k:sub(1, #kind + 1) == kind .. "/" then n = n + v end
	end
	return n
end

print(string.format("vmsim tour: MIPS, %d CPU(s), %s TLB entries, L1I %s, L1D %s, L2 %s",
    m:config().cpus, m:config().tlb.entries, m:config().l1i, m:config().l1d, m:config().l2))
print()
print("Events")
local rows = {}
for _, k in ipairs(kit.sorted_keys(counts)) do rows[#rows + 1] = { k, counts[k] } end
kit.print_table({ "kind/type", "count" }, rows)
print()

print("Processes")
rows = {}
for _, pr in ipairs(procs) do
	local s = pr.p:stats()
	rows[#rows + 1] = { pr.p.pid, pr.name, pr.p.exit_status, s.insns, s.cycles,
	    s.page_faults, s.tlb_refills, s.l1d_misses }
end
kit.print_table({ "pid", "program", "exit", "insns", "cycles", "faults", "refills",
    "L1D misses" }, rows)
local children = #m:processes() - #procs
if children > 0 then
	print(string.format("  (and %d forked child process(es))", children))
end
print()

print("Caches")
rows = {}
for cpu = 0, m:config().cpus - 1 do
	for _, name in ipairs{ "l1i", "l1d", "l2" } do
		local c = m:cpu(cpu):cache(name)
		rows[#rows + 1] = { cpu, name, c.geometry, c.accesses, c.misses,
		    string.format("%.1f%%", c.accesses > 0 and 100 * c.misses / c.accesses or 0),
		    c.writebacks, c.stale_fetches }
	end
end
kit.print_table({ "cpu", "cache", "geometry", "accesses", "misses", "miss rate", "writebacks",
    "stale fetches" }, rows)
local tlb = m:cpu(0):tlb()
print(string.format("TLB of cpu 0: %d entries (%d wired), %d holding a valid pair at the end",
    tlb.entries, tlb.wired, tlb.valid))
print()

-- The five most interesting events: the rarer and the more telling first,
-- one per entry of this list (the first event of the first kind/type
-- listed that happened; a shootdown of a COW fault tells the most).
local interest = { { "shootdown/cow", "shootdown/munmap", "shootdown" }, { "page_fault/cow_copy" },
    { "stale_ifetch" }, { "icache_sync" }, { "page_fault/file" }, { "page_fault/zero_fill" },
    { "tlb_modified" }, { "tlb_invalid" }, { "tlb_refill" }, { "signal" }, { "exit" } }
print("Five interesting events (the first of each kind)")
local shown, shown_kinds = 0, {}
for _, keys in ipairs(interest) do
	local pick
	for _, key in ipairs(keys) do
		for _, k in ipairs(kit.sorted_keys(first)) do
			if pick == nil and (k == key or k:sub(1, #key + 1) == key .. "/") and
			    not first[k].shown then
				pick = k
			end
		end
	end
	if shown < 5 and pick then
		local f = first[pick]
		f.shown = true
		shown = shown + 1
		shown_kinds[f.e.kind] = true
		print(string.format("  #%d seq %d cycle %d cpu %d pid %d  %s  va %#x  %s",
		    shown, f.e.seq, f.e.cycle, f.e.cpu, f.e.pid, pick, f.e.va,
		    f.e.region ~= "" and f.e.region or f.e.detail))
		if f.e.kind == "shootdown" then
			print("      " .. f.e.detail .. (count("ipi") > 0 and
			    string.format("  (%d IPIs in the run)", count("ipi")) or ""))
		end
		print("      " .. f.insn)
	end
end
print()

-- What must have happened.
for _, pr in ipairs(procs) do
	assert(pr.p.exit_status == 0, pr.name .. " exited with " .. tostring(pr.p.exit_status))
end
assert(procs[3].p.output == "selfmod nosync: 1 2\n")
assert(count("page_fault/zero_fill") >= 64, "touch_pages takes a zero-fill fault per page")
assert(count("tlb_refill") > 0, "MIPS TLB refills")
assert(count("stale_ifetch") > 0, "selfmod nosync fetches stale lines")
assert(count("icache_sync") > 0, "selfmod synci syncs")
if fork then assert(count("page_fault/cow_copy") >= 8, "fork_cow takes COW faults") end
if smp then
	assert(count("shootdown") > 0 and count("ipi") > 0, "two CPUs: shootdowns with IPIs")
	assert(shown_kinds.shootdown, "a shootdown among the interesting events")
end
assert(shown_kinds.icache_sync, "an I-cache sync among the interesting events")
assert(shown == 5)
m:close()
print("tour: all expected outcomes hold")
