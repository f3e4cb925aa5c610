-- Lab 5: the instruction cache and self-modifying code.
--
--   vmsim run scripts/lua/labs/icache.lua
--
-- The guest program `selfmod MODE` writes a tiny function (return 1) into
-- an RWX page, calls it, rewrites it to return 2, and calls it again.
-- MODE says how it makes the new bytes visible to instruction fetch:
--   nosync      not at all
--   synci       the MIPS32 SYNCI instruction on each line, then SYNC
--   cacheflush  the cacheflush(2) system call (the kernel syncs the range)
-- Unicorn always executes the new bytes; the cache model decides whether
-- a real CPU would have: a fetch from an I-cache line that memory changed
-- under is a `stale_ifetch` event, a sync an `icache_sync` event.
--
-- What to look at
--   The table: stale fetches and syncs for each mode on MIPS and amd64.
--   The first stale fetch on MIPS, with the instruction at its PC and
--   the I-cache line state (m:cpu(0):cache("l1i", {lines = true})).
--
-- Questions
--   1. Why does MIPS report stale fetches without a sync, and amd64 never?
--      (MIPS32 Vol. II, SYNCI; the Intel SDM on self-modifying code.)
--   2. selfmod syncs once after each write.  Which writes would still be
--      stale if it synced only before the FIRST call?
--   3. Why does the D-cache matter for an I-cache sync?  (Look at what
--      mmu_icache_sync does with dirty D-cache lines.)
--   4. A debugger that plants a breakpoint writes into another process's
--      text.  Who must sync the I-cache then?  (ptrace comes later: see
--      docs/labs.md.)
--
-- What to change
--   The L1 geometry (l1i = "8K/2/16"), the architecture (mipsel), and the
--   modes; read the events with m:on("stale_ifetch", ...).

local kit = require "lib.labkit"

local results, first_stale = {}, nil
local rows = {}
for _, arch in ipairs{ "mips", "amd64" } do
	results[arch] = {}
	for _, mode in ipairs{ "nosync", "synci", "cacheflush" } do
		local on = {}
		if arch == "mips" and mode == "nosync" then
			on.stale_ifetch = function(e, m)
				if first_stale == nil then
					local l1i = m:cpu(0):cache("l1i", { lines = true })
					local stale_lines = 0
					for _, line in ipairs(l1i.lines) do
						if line.stale then stale_lines = stale_lines + 1 end
					end
					first_stale = {
						event = e,
						insn = (m:disasm(e.pid, e.pc, 1) or { "?" })[1],
						stale_lines = stale_lines,
						geometry = l1i.geometry,
					}
				end
			end
		end
		local r = kit.run({ arch = arch }, "selfmod", { mode }, { on = on })
		assert(r.exit_status == 0, arch .. " selfmod " .. mode .. " failed")
		assert(r.output == "selfmod " .. mode .. ": 1 2\n",
		    "unexpected output: " .. tostring(r.output))
		local stale = r.events.stale_ifetch or 0
		local syncs = r.events.icache_sync or 0
		results[arch][mode] = { stale = stale, syncs = syncs }
		rows[#rows + 1] = { arch, mode, stale, syncs, r.stats.stale_ifetch,
		    r.stats.icache_syncs }
	end
end

print("stale instruction fetches and I-cache syncs, by architecture and mode")
kit.print_table({ "arch", "mode", "stale_ifetch events", "icache_sync events",
    "stale counter", "sync counter" }, rows)
print()
if first_stale ~= nil then
	local e = first_stale.event
	print(string.format("first stale fetch on MIPS: event seq %d, cycle %d, pid %d, pc %#x: %s",
	    e.seq, e.cycle, e.pid, e.pc, e.detail))
	print("  " .. first_stale.insn)
	print(string.format("  L1I %s: %d stale line(s) at that moment",
	    first_stale.geometry, first_stale.stale_lines))
	print()
end

-- The expected outcome.
assert(results.mips.nosync.stale > 0, "MIPS without a sync must fetch stale lines")
assert(results.mips.synci.stale == 0 and results.mips.synci.syncs > 0,
    "MIPS with SYNCI: synced, nothing stale")
assert(results.mips.cacheflush.stale == 0 and results.mips.cacheflush.syncs > 0,
    "MIPS with cacheflush(2): synced, nothing stale")
for _, mode in ipairs{ "nosync", "synci", "cacheflush" } do
	assert(results.amd64[mode].stale == 0, "amd64 I-caches are coherent: never stale")
end
assert(first_stale ~= nil and first_stale.stale_lines > 0,
    "the stale line should be visible in the I-cache")
print("lab icache: all expected outcomes hold")
