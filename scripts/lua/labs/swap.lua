-- Lab 6: swap and page reclaim.
--
--   vmsim run scripts/lua/labs/swap.lua
--
-- The guest program `vm_swap N` maps N MiB of private anonymous memory,
-- writes every page (pass 1), writes every page again (pass 2), then
-- reads everything back and prints a checksum (pass 3).  Here N = 16 on a
-- machine with 8 MiB of memory: the program touches twice as much memory
-- as the machine has.  With a 32 MiB swap device the page daemon makes
-- room by writing pages to swap (swap_out events) and the faults bring
-- them back (page faults of type swap_in); without swap there is nowhere
-- to put a dirty anonymous page and the kernel kills the process.
--
-- What to look at
--   Table 1: what the run costs on MIPS and amd64 — page faults by type,
--   swap_out events, lowmem events (one per page-daemon run: type
--   pagedaemon when free pages fell below the threshold at a fault,
--   pagedaemon_alloc when an allocation found no free page at all), and
--   the daemon's own counters (m:pageout()): pages moved from the active
--   to the inactive queue, pages given a second chance (reactivated).
--   The checksum is the one of a run on a 64 MiB machine: paging never
--   changes what the program computes.
--   Table 2: the same program on machines with more memory.  (The cycles
--   hardly change: vmsim charges no time for swap I/O — there is no disk
--   model — so count the swap_in faults and think of a few milliseconds
--   each.)
--   The paused run: the anonymous entry's object has become a swap object
--   (only part of it is resident); a page on swap has no PTE
--   (p:pte(va).mapped is false); m:lowmem() runs the page daemon by hand.
--   Without swap: the lowmem events say the daemon freed nothing, the
--   process is killed with SIGKILL (exit status 137).
--
-- Questions
--   1. Why are there more swap_out events than swap_in faults?  (Where
--      are the pages that went out and never came back?  What does
--      swap_pager_getpage do with the page's slot, and why must a page
--      that was only read in pass 3 be written to swap again?)
--   2. MIPS has no referenced bit in its TLB entries or PTEs.  What does
--      pmap_ts_referenced answer on MIPS (vm/pmap.h), and what does the
--      page daemon's active queue become?  Table 1's deactivated and
--      reactivated columns are nearly the same for MIPS and amd64: why
--      can a sequential sweep not tell them apart?  Which program would?
--   3. Why is there one zero_fill fault per page, once, but two swap_in
--      faults per page?  In table 2, why does the swap_in count not fall
--      at all between 8 and 16 MiB, and then drop to 0?  (The program
--      sweeps its pages in order: what does LRU-like reclaim do with a
--      cyclic sweep larger than memory?  Compare lab 1's amd64 cliff.)
--   4. Without swap, which pages could the daemon still free?  Why does
--      it not help?  Why SIGKILL, not SIGSEGV?
--
-- What to change
--   MEMORY, SWAP and N below; a swap device smaller than N (what happens
--   when swap is full?); tlb = { entries = 16 } (does paging cost TLB
--   refills?); the pause point, to look at the queues (m:pageout()) at
--   other moments.

local kit = require "lib.labkit"

local MEMORY, SWAP, N = "8M", "32M", 16
local PAGES = N * 256

-- Run vm_swap N on a fresh machine: its events by kind and kind/type, the
-- page daemon's counters (m:pageout()) and the machine's counters.
local function run_full(arch, memory, swap)
	local m = vmsim.machine{ arch = arch, memory = memory, swap = swap, output = "capture" }
	local r = { events = {} }
	m:on("*", function(e)
		r.events[e.kind] = (r.events[e.kind] or 0) + 1
		if e.type then
			local k = e.kind .. "/" .. e.type
			r.events[k] = (r.events[k] or 0) + 1
		end
	end)
	local p = m:spawn(vmsim.program(arch, "vm_swap"), { N })
	assert(m:run() == "exited")
	r.exit_status, r.output = p.exit_status, p.output
	r.pageout = m:pageout()
	r.stats = m:stats()
	m:close()
	r.checksum = r.output:match("checksum=(%x+)")
	return r
end

local function ev(r, k) return r.events[k] or 0 end

-- Table 1: MIPS and amd64, 8 MiB + 32 MiB of swap.
local rows, res = {}, {}
for _, arch in ipairs{ "mips", "amd64" } do
	local big = run_full(arch, "64M", false)
	local r = run_full(arch, MEMORY, SWAP)
	assert(r.exit_status == 0 and r.output:match("bad=0"), arch .. ": vm_swap failed: " .. r.output)
	assert(r.checksum == big.checksum, arch .. ": paging changed the checksum")
	assert(ev(big, "swap_out") == 0 and ev(big, "page_fault/swap_in") == 0,
	    arch .. ": 64 MiB should not page")
	res[arch] = r
	rows[#rows + 1] = { arch, ev(r, "page_fault/zero_fill"), ev(r, "page_fault/swap_in"),
	    ev(r, "page_fault/file"), ev(r, "swap_out"), ev(r, "lowmem/pagedaemon"),
	    ev(r, "lowmem/pagedaemon_alloc"), r.pageout.deactivated, r.pageout.reactivated,
	    r.checksum }
end
print(string.format("Table 1: vm_swap %d (%d pages) on %s of memory with %s of swap", N, PAGES,
    MEMORY, SWAP))
kit.print_table({ "arch", "zero_fill", "swap_in", "file", "swap_out", "lowmem",
    "lowmem_alloc", "deactivated", "reactivated", "checksum" }, rows)
print()

-- Table 2: more memory, same program (MIPS).
rows = {}
local by_mem = {}
for _, mem in ipairs{ "8M", "12M", "16M", "32M" } do
	local r = run_full("mips", mem, SWAP)
	assert(r.exit_status == 0 and r.checksum == res.mips.checksum)
	by_mem[mem] = r
	rows[#rows + 1] = { mem, ev(r, "page_fault/swap_in"), ev(r, "swap_out"), ev(r, "lowmem"),
	    r.pageout.runs, r.stats.cycles }
end
print(string.format("Table 2: vm_swap %d on MIPS with %s of swap, by memory size", N, SWAP))
kit.print_table({ "memory", "swap_in", "swap_out", "lowmem", "daemon runs", "cycles" }, rows)
print()

-- A paused run: the swap object, a page on swap, the daemon by hand.
local m = vmsim.machine{ arch = "mips", memory = MEMORY, swap = SWAP, output = "capture" }
local swap_in, swap_out, request, left_on_swap = 0, 0, 0, nil
m:on("page_fault", function(e) if e.type == "swap_in" then swap_in = swap_in + 1 end end)
m:on("swap_out", function() swap_out = swap_out + 1 end)
m:on("lowmem", function(e) if e.type == "request" then request = request + 1 end end)
m:on("exit", function() left_on_swap = m:pageout().swap_used end)
local p = m:spawn(vmsim.program("mips", "vm_swap"), { N })
assert(m:run{ ["until"] = function() return swap_in >= 1000 end } == "paused")
local anon
for _, e in ipairs(p:maps()) do
	if e.size == PAGES * 4096 then anon = e end
end
assert(anon ~= nil, "the 16 MiB mapping")
local obj = anon.objects[1]
print(string.format("Paused after %d swap_in faults: the %d MiB entry %#x-%#x", swap_in, N,
    anon.start, anon["end"]))
print(string.format("  its object: obj#%d type %s, %d of %d pages resident", obj.id, obj.type,
    obj.resident, obj.size))
local on_swap, mapped = nil, 0
for i = 0, PAGES - 1 do
	local pte = p:pte(anon.start + i * 4096)
	if pte.mapped then mapped = mapped + 1 elseif on_swap == nil then on_swap = anon.start + i * 4096 end
end
print(string.format("  %d of its pages have a PTE; the first that has none: %#x (mapped = %s)",
    mapped, on_swap, tostring(p:pte(on_swap).mapped)))
local q = m:pageout()
print(string.format("  queues: %d free (daemon runs below %d, stops at %d), %d active, "
    .. "%d inactive; swap: %d of %d slots used", q.free, q.min_free, q.target_free, q.active,
    q.inactive, q.swap_used, q.swap_slots))
local after = m:lowmem()
print(string.format("  m:lowmem(): the daemon reclaimed %d pages; now %d free, %d on swap",
    after.reclaimed, after.free, after.swap_used))
assert(obj.type == "swap" and obj.resident < obj.size, "part of the object is on swap")
assert(on_swap ~= nil and mapped < PAGES, "some pages have no PTE")
assert(q.swap_used > 0 and after.free >= q.free and request == 1, "m:lowmem ran the daemon")
assert(m:run() == "exited" and p.exit_status == 0 and p.output:match("checksum=(%x+)") ==
    res.mips.checksum, "m:lowmem changed nothing the program sees")
m:close()
print(string.format("  pages still on swap when the program exited: %s "
    .. "(this run: %d swap_out - %d swap_in = %d)", tostring(left_on_swap), swap_out, swap_in,
    swap_out - swap_in))
print()

-- Without swap.
local killed
do
	local mm = vmsim.machine{ arch = "mips", memory = MEMORY, output = "capture" }
	local sig, lowmem = {}, 0
	mm:on("signal", function(e) sig[#sig + 1] = e.type end)
	mm:on("lowmem", function() lowmem = lowmem + 1 end)
	local pp = mm:spawn(vmsim.program("mips", "vm_swap"), { N })
	assert(mm:run() == "exited")
	local po = mm:pageout()
	print(string.format("Without swap: exit status %d, signals: %s; %d lowmem events, "
	    .. "%d times a dirty page could not be cleaned, %d swap_out", pp.exit_status,
	    table.concat(sig, " "), lowmem, po.clean_failed, po.swapped_out))
	killed = pp.exit_status == 137 and sig[#sig] == "SIGKILL" and po.swapped_out == 0 and
	    po.clean_failed > 0
	mm:close()
end
print()

-- The expected outcomes.
for _, arch in ipairs{ "mips", "amd64" } do
	local r = res[arch]
	assert(ev(r, "page_fault/zero_fill") >= PAGES, arch .. ": every page is zero-filled once")
	assert(ev(r, "swap_out") >= PAGES // 2 and ev(r, "page_fault/swap_in") >= PAGES,
	    arch .. ": 2x memory pages out and back in")
	assert(ev(r, "swap_out") > ev(r, "page_fault/swap_in"), arch .. ": more swap_out than swap_in")
	assert(ev(r, "lowmem") > 0, arch .. ": the page daemon ran")
	assert(r.pageout.swapped_out == ev(r, "swap_out"), arch .. ": every swap_out is an event")
end
assert(left_on_swap == swap_out - swap_in, "swap_out - swap_in = the pages left on swap at exit")
assert(ev(by_mem["32M"], "swap_out") == 0 and ev(by_mem["32M"], "page_fault/swap_in") == 0,
    "32 MiB holds the working set: no paging")
assert(ev(by_mem["12M"], "swap_out") < ev(by_mem["8M"], "swap_out"), "more memory, less paging")
assert(killed, "without swap the process is killed by SIGKILL (137) and nothing is swapped")
print("lab swap: all expected outcomes hold")
