-- Lab 8: kernel memory — memguard catching bugs, and physically
-- constrained allocations.
--
--   vmsim run scripts/lua/labs/kmem.lua
--
-- The simulated kernel's memory lives in simulated RAM behind kernel
-- virtual addresses (kernel_map), and the kernel touches it through the
-- same TLB and caches as the programs.  m.kernel lets a script drive the
-- kernel's allocators the way OS/161's km1-km5 tests do.
--
-- Part 1, memguard.  With memguard guarding a malloc type, each
-- allocation of that type gets pages of its own: a small one is put at the
-- END of its page (a 100-byte request at page offset 3984, rounded to 16),
-- the page after it is left unmapped (the guard), and free unmaps the
-- pages at once.  So an overrun, a use after free and a double free each
-- fault at once — a memguard event and a kernel panic — instead of
-- corrupting memory silently.
--
-- Part 2, a real bug.  The knob bugs = {"pipe-use-after-free"} makes the
-- kernel's pipe code read a counter after freeing it.  Without memguard
-- nothing visible happens (the teaching point: most use-after-free bugs
-- are silent); with memguard on "pipe" the run stops at the bad access,
-- naming the malloc type, the allocation site and the guest PC.
--
-- Part 3, constrained allocations.  kmem_alloc_attr gives pages anywhere
-- in [low, high] (not contiguous) with a memory attribute (here UC:
-- uncached); kmem_alloc_contig gives one physically contiguous run,
-- aligned and not crossing a boundary.  Both fail cleanly when impossible.
--
-- What to look at
--   The addresses each part prints, the panic messages, the page frames.
-- Questions
--   1. Why does memguard place a small allocation at the end of its page
--      and not at the start?  What kind of bug would the start catch?
--   2. Why must memguard reuse virtual addresses as late as possible?
--   3. Why can kmem_alloc_attr succeed where kmem_alloc_contig fails?
--      Which devices need contiguous memory (DMA without an IOMMU)?
-- What to change
--   The type guarded (memguard{desc=...}), frequency = N (per 100000)
--   to guard a random share of all allocations, the sizes in part 1, the
--   range and boundary in part 3.

local function hex(v) return string.format("%#x", v) end

-- Part 1: the VM-SPEC memguard scenario, one machine per bug (a panic
-- stops the machine).
local outcomes = {}
for _, case in ipairs{ "overrun", "use_after_free", "double_free" } do
	local m = vmsim.machine{ arch = "mips", memory = "16M" }
	local k = m.kernel
	k.memguard{ desc = "temp" }
	local a = assert(k.malloc("temp", 100))
	assert(a % 4096 == 3984, "a 100-byte guarded allocation sits at page offset 3984")
	assert(k.poke(a, "hello") and k.peek(a, 5) == "hello", "inside it, memory works")
	local ok, msg
	if case == "overrun" then
		ok, msg = k.poke(a + 112, "x")		-- 3984 + 112 = 4096: the guard page
	elseif case == "use_after_free" then
		assert(k.free(a, "temp"))
		ok, msg = k.peek(a, 1)
	else
		assert(k.free(a, "temp"))
		ok, msg = k.free(a, "temp")
	end
	local want = case == "double_free" and "memguard: double free" or "memguard: " .. case
	assert(not ok and msg:find(want, 1, true),
	    case .. ": expected a memguard panic, got " .. tostring(msg))
	outcomes[#outcomes + 1] = { case, hex(a), msg }
	m:close()
end
print("Part 1: memguard on type \"temp\", a 100-byte allocation")
for _, o in ipairs(outcomes) do print(string.format("  %-15s at %s: %s", o[1], o[2], o[3])) end
print()

-- Part 2: the pipe bug, with and without memguard.
print("Part 2: --bug pipe-use-after-free (pipe_uaf on amd64)")
local function pipe_run(guard, bug)
	local m = vmsim.machine{ arch = "amd64", output = "capture",
	    bugs = bug and { "pipe-use-after-free" } or nil }
	local events = {}
	m:on("memguard", function(e) events[#events + 1] = e end)
	if guard then m.kernel.memguard{ desc = "pipe" } end
	local p = m:spawn(vmsim.program("amd64", "pipe_uaf"), { 20 })
	local how, why = m:run()
	m:close()
	return how, why, events, p.exit_status
end
local how, why, ev = pipe_run(true, true)
assert(how == "panic" and #ev == 1 and ev[1].type == "use_after_free" and
    ev[1].detail:find("type=pipe", 1, true) and ev[1].pc ~= 0,
    "memguard on pipe catches the bug: " .. tostring(why))
print("  bug, memguard on pipe: " .. how .. " — " .. ev[1].type .. " at " .. hex(ev[1].va) ..
    " (" .. ev[1].detail .. ")")
local how2, _, ev2, st2 = pipe_run(false, true)
assert(how2 == "exited" and #ev2 == 0 and st2 == 0, "without memguard the bug is silent")
print("  bug, no memguard:      the run completes, exit " .. st2 .. ", nothing noticed")
local how3, _, ev3, st3 = pipe_run(true, false)
assert(how3 == "exited" and #ev3 == 0 and st3 == 0, "no bug, no memguard event")
print("  no bug, memguard:      exit " .. st3 .. ", no memguard event")
print()

-- Part 3: attribute-constrained vs contiguous allocations (16 MiB machine).
print("Part 3: kmem_alloc_attr vs kmem_alloc_contig (16 MiB of RAM)")
local m = vmsim.machine{ arch = "amd64", memory = "16M" }
local k = m.kernel
local half = 8 << 20
local va = assert(k.kmem_alloc_attr{ size = 8 * 4096, low = half, high = (16 << 20) - 1,
    memattr = "UC" })
local frames = {}
for i = 0, 7 do
	local pa, ma = k.pa(va + i * 4096)
	assert(pa >= half and ma == "UC", "attr: every page in the upper half, uncached")
	frames[#frames + 1] = hex(pa)
end
print("  attr  [8M, 16M) UC, 8 pages at " .. hex(va) .. ": frames " .. table.concat(frames, " "))
local vc = assert(k.kmem_alloc_contig{ size = 3 * 4096, align = 64 * 1024,
    boundary = 16 * 1024 * 4 })
local pc = k.pa(vc)
assert(pc % (64 * 1024) == 0, "contig: aligned")
for i = 1, 2 do assert(k.pa(vc + i * 4096) == pc + i * 4096, "contig: contiguous") end
print("  contig 3 pages, 64K aligned, within 64K: frames " .. hex(pc) .. "-" ..
    hex(pc + 3 * 4096 - 1))
local none, err = k.kmem_alloc_contig{ size = 3 * 4096, low = 0, high = 2 * 4096 - 1 }
assert(none == nil and err == "no memory", "an impossible contig request fails cleanly")
print("  contig 3 pages below 8 KiB: " .. err .. " (fails cleanly)")
k.kmem_free(va, 8 * 4096)
k.kmem_free(vc, 3 * 4096)
m:close()
print()

-- Part 4: the kernel's own variable-size data lives there too.
print("Part 4: what the kernel itself mallocs (file_rw, then pipe_uaf 50)")
local mm = vmsim.machine{ arch = "mips", output = "capture" }
local p1 = mm:spawn(vmsim.program("mips", "file_rw"), {})
assert(mm:run() == "exited" and p1.exit_status == 0, "file_rw runs")
local p2 = mm:spawn(vmsim.program("mips", "pipe_uaf"), { 50 })
assert(mm:run() == "exited" and p2.exit_status == 0, "pipe_uaf runs")
local rows = {}
for _, t in ipairs{ "pipe", "filebuf", "temp" } do
	local st = mm.kernel.malloc_stats()[t]
	rows[#rows + 1] = string.format("  %-8s requests %4d  frees %4d  in use %6d  high water %6d",
	    t, st.requests, st.frees, st.bytes_inuse, st.high_water)
end
print(table.concat(rows, "\n"))
local st = mm.kernel.malloc_stats()
assert(st.pipe.requests > 0 and st.filebuf.requests > 0 and st.temp.requests > 0,
    "pipe buffers, file data and getdents buffers come from malloc(9)")
mm:close()
print()
print("lab kmem: all expected outcomes hold")
