-- Lab 1: TLB reach and page size.
--
--   vmsim run scripts/lua/labs/tlb_reach.lua
--
-- The guest program `stride STRIDE SIZE REPS` maps SIZE bytes, writes
-- every word once, then reads one word every STRIDE bytes, REPS times.
-- Each run is done twice, with 1 and with 5 passes, so the difference is
-- the TLB misses of 4 passes over a buffer that is already mapped: what
-- the TLB costs in the steady state, without the page faults of the
-- first touch.
--
-- What to look at
--   Table 1 (MIPS, random replacement): TLB refills of 4 passes by working
--   set (rows) and TLB size (columns).  A MIPS TLB entry maps an even/odd
--   PAIR of 4 KiB pages, so N entries reach N * 8 KiB (the "reach" row).
--   Table 2 (amd64, LRU, second-level TLB switched off): the same, with
--   one 4 KiB page per entry (reach N * 4 KiB).
--   Table 3: one working set larger than the reach, read with different
--   strides: refills per pass hardly change, refills per access do.
--
-- Questions
--   1. Where does each column of table 1 start to climb?  Compare with
--      the reach row.  Why is the climb gradual on MIPS but a cliff on
--      amd64 (table 2)?  (Think about which entry a miss evicts.)
--   2. The program's own code and stack need TLB entries too.  Find
--      their effect in the tables.
--   3. In table 3, what does the refill count per pass correspond to?
--      What would 16 KiB pages (or 2 MiB superpages) change?
--
-- What to change
--   The sizes, strides and TLB sizes below; tlb = { wired = N } on MIPS
--   (wired entries are never replaced: fewer entries for the sweep);
--   the cost table (costs = { refill_insns = 40 }) and watch m:stats().cycles.

local kit = require "lib.labkit"

local KB = 1024

-- TLB misses of 4 extra passes of stride over size.
local function steady_misses(cfg, stride, size)
	local one = kit.run(cfg, "stride", { stride, size, 1 })
	local five = kit.run(cfg, "stride", { stride, size, 5 })
	assert(five.exit_status == 0, "stride failed: " .. tostring(five.output))
	assert(five.output:match("reps=5"), "unexpected output: " .. five.output)
	return five.stats.tlb_misses - one.stats.tlb_misses
end

local sizes = { 64 * KB, 128 * KB, 256 * KB, 512 * KB, 1024 * KB }
local entries = { 16, 32, 48, 64 }

local function sweep(arch, extra, page_per_entry)
	local rows, res = {}, {}
	local reach = { "reach" }
	for j, e in ipairs(entries) do
		reach[j + 1] = string.format("%dK", e * page_per_entry // KB)
	end
	rows[1] = reach
	for _, size in ipairs(sizes) do
		local row = { string.format("%dK", size // KB) }
		res[size] = {}
		for j, e in ipairs(entries) do
			local cfg = { arch = arch, tlb = { entries = e } }
			for k, v in pairs(extra) do cfg.tlb[k] = v end
			local n = steady_misses(cfg, 4096, size)
			res[size][e] = n
			row[j + 1] = n
		end
		rows[#rows + 1] = row
	end
	local headers = { "working set" }
	for j, e in ipairs(entries) do headers[j + 1] = e .. " entries" end
	kit.print_table(headers, rows)
	return res
end

print("Table 1: MIPS, TLB refills in 4 passes (stride 4096), by TLB size")
local mips = sweep("mips", {}, 8 * KB)
print()
print("Table 2: amd64 (STLB off), TLB misses in 4 passes (stride 4096), by L1 TLB size")
local amd64 = sweep("amd64", { stlb = "0" }, 4 * KB)
print()

print("Table 3: MIPS, 48 entries, 1 MiB working set, by stride")
local rows, per_pass = {}, {}
for _, stride in ipairs{ 4, 64, 1024, 4096 } do
	local n = steady_misses({ arch = "mips", tlb = { entries = 48 } }, stride, 1024 * KB)
	local accesses = 4 * (1024 * KB // stride)
	per_pass[stride] = n / 4
	rows[#rows + 1] = { stride, accesses, n, string.format("%.1f", n / 4),
	    string.format("%.3f", 1000 * n / accesses) }
end
kit.print_table({ "stride", "accesses", "refills", "per pass", "per 1000 accesses" }, rows)

-- The expected outcome.
for _, e in ipairs(entries) do
	-- 64 KiB is 8 TLB pairs: it fits every TLB here.
	assert(mips[64 * KB][e] <= 8, "64K should fit a TLB of " .. e .. " entries")
	-- 1 MiB is 128 pairs: beyond every reach, refills every pass.
	assert(mips[1024 * KB][e] >= 300, "1M should thrash a TLB of " .. e .. " entries")
end
-- More entries, fewer refills (256 KiB = 32 pairs).
assert(mips[256 * KB][16] > 4 * mips[256 * KB][64], "256K: 16 entries should refill far more than 64")
assert(mips[256 * KB][16] >= mips[256 * KB][32] and mips[256 * KB][32] >= mips[256 * KB][64],
    "256K: refills should fall as the TLB grows")
-- LRU: a sweep one page larger than the TLB misses on every access.
assert(amd64[256 * KB][16] == 4 * 64, "amd64, 16 entries, 64 pages: every access misses")
assert(amd64[256 * KB][64] == 0, "amd64, 64 entries, 64 pages: no misses")
-- The cost is per page, not per access.
assert(per_pass[4] > 0.5 * per_pass[4096] and per_pass[4] < 2 * per_pass[4096],
    "refills per pass should not depend on the stride")
print()
print("lab tlb_reach: all expected outcomes hold")
