-- tests/lua/api.lua — every function of the vmsim module with good
-- arguments, and its documented result (docs/lua-api.md).
local n = 0
local function check(cond, what)
	n = n + 1
	assert(cond, what)
end

-- Module fields.
check(type(vmsim.version) == "string", "version")
check(#vmsim.kinds >= 10 and vmsim.kinds[1] == "page_fault", "kinds")
check(vmsim.counters[1] == "cycles", "counters")
check(type(vmsim.features) == "table" and vmsim.features.swap == true and
    vmsim.features.lowmem == true and vmsim.features.uid == true, "features")
check(vmsim.parse_size("32M") == 32 * 1024 * 1024 and vmsim.parse_size(4096) == 4096, "parse_size")
check(vmsim.program("mips", "hello"):match("/mips%-hello$"), "program")
check(vmsim.program_exists("mips", "hello") and not vmsim.program_exists("mips", "nonesuch"),
    "program_exists")

-- A machine and its configuration.
local m = vmsim.machine{ arch = "mips", memory = "16M", seed = 3, tlb = { entries = 32, wired = 2 },
    l1d = "16K/2/32", costs = { refill_insns = 20 }, output = "capture", slice = 5000 }
check(tostring(m):match("vmsim.machine %(mips"), "tostring")
local c = m:config()
check(c.arch == "mips" and c.memory == 16 * 1024 * 1024 and c.seed == 3 and c.cpus == 1, "config")
check(c.tlb.entries == 32 and c.tlb.wired == 2 and c.l1d == "16K/2/32/lru", "config tlb/l1d")
check(c.costs.refill_insns == 20 and c.slice == 5000, "config costs")

-- Events: every kind by name, and "*".
local seen, all = {}, {}
m:on("page_fault", function(e) seen[#seen + 1] = e end)
m:on("*", function(e) all[#all + 1] = e end)

local p = m:spawn(vmsim.program("mips", "touch_pages"), { 20 })
check(p.pid == 1 and p.exit_status == nil and not p.exited, "spawned")
check(p.program:match("mips%-touch_pages$") and p.comm ~= nil, "program/comm")
check(m:process(1) == p and m:processes()[1] == p and m:process(99) == nil, "process lookup")
check(#all >= 1 and all[#all].kind == "exec", "exec event at spawn")

-- Step a little: paused, still running.
check(m:step(100) == "paused", "step pauses")
local insns = m:stats().insns
check(insns >= 100 and insns < 5000, "step ran about 100 instructions: " .. insns)

-- Inspection while it runs.
local maps = p:maps()
check(#maps >= 2, "maps")
local text
for _, e in ipairs(maps) do
	check(e["end"] > e.start and #e.prot == 3 and type(e.label) == "string", "map entry")
	if e.prot:sub(3, 3) == "x" then text = e end
end
check(text ~= nil and text.label:match("^file:"), "a text mapping")
check(p:describe():match("^vm_map of pid 1"), "describe")
check(p:region(text.start):match("^file:"), "region")
local pc_pte = p:pte(text.start)
check(pc_pte.va == text.start, "pte va")
local code = p:peek(text.start, 8)
check(code == nil or #code == 8, "peek text")

-- Disassembly of the code that ran (mapped now).
local d = m:disasm(p.pid, text.start + 0x2b0, 3)
check(type(d) == "table" and #d == 3 and d[1]:match("^0x4002b0: "), "disasm")
local nd, err = m:disasm(p.pid, 0x10, 1)
check(nd == nil and err:match("not mapped"), "disasm unmapped")

-- run{until}: called between slices.
local calls = 0
check(m:run{ ["until"] = function(mm) calls = calls + 1; return mm:stats().page_faults >= 5 end } == "paused",
    "until stops the run")
check(calls >= 1 and m:stats().page_faults >= 5, "until was called")
check(m:run{ cycles = 1000 } ~= nil, "cycles")

-- Finish.
check(m:run() == "exited", "run to the end")
check(p.exit_status == 0 and p.exited, "exit status")
check(p.output:match("^touch_pages N=20 checksum="), "captured output")
check(#seen > 0 and seen[1].kind == "page_fault" and seen[1].type ~= nil, "page_fault events")
for _, e in ipairs(all) do
	check(type(e.seq) == "number" and type(e.cycle) == "number" and e.cpu == 0 and
	    type(e.pid) == "number" and type(e.tid) == "number" and type(e.va) == "number" and
	    type(e.pa) == "number" and type(e.pc) == "number" and type(e.detail) == "string" and
	    type(e.region) == "string", "event fields")
end
for i = 2, #all do check(all[i].seq == all[i - 1].seq + 1, "seq increments") end
-- The exit event is the last but for the kernel reaping the thread's
-- kernel stack (kstack events, between slices).
local last = #all
while all[last].kind == "kstack" do last = last - 1 end
check(all[last].kind == "exit", "exit event last (but kstack reaping)")
check(m:stats().events == #all, "stats.events")

-- Stats.
local s, ps, cs = m:stats(), p:stats(), m:cpu(0):stats()
check(s.insns > 0 and ps.insns > 0 and cs.insns > 0 and s.pf_zero_fill >= 20, "stats")

-- CPU: TLB and caches.
local cpu = m:cpu(0)
check(cpu.id == 0 and cpu.cycles > 0, "cpu fields")
local t = cpu:tlb()
check(t.arch == "mips" and t.entries == 32 and t.wired == 2 and #t.slots >= 2, "tlb")
check(t.slots[1].wired and t.slots[1].even ~= nil and t.slots[1].odd ~= nil, "wired slot")
check(#cpu:tlb{ all = true }.slots == 32, "tlb all")
check(cpu:describe_tlb():match("TLB of cpu 0"), "describe_tlb")
local l1d = cpu:cache("l1d", { lines = true })
check(l1d.geometry == "16K/2/32/lru" and l1d.sets == 256 and l1d.accesses > 0 and
    l1d.hits + l1d.misses == l1d.accesses and #l1d.lines == l1d.valid_lines, "cache")
check(cpu:cache("l2").size == 256 * 1024 and cpu:cache("l1i").fetches > 0, "l2/l1i")

m:close()
check(tostring(m) == "vmsim.machine (closed)", "closed")
check(p.exit_status == 0, "exit status after close")
check(not pcall(m.run, m), "run after close fails")

-- peek/poke through the translations of a live process.
local m2 = vmsim.machine{ arch = "mipsel", output = "capture" }
local q = m2:spawn(vmsim.program("mipsel", "stride"), { 4096, 65536, 2 })
check(m2:step(3000) == "paused", "stride paused")
local anon
for _, e in ipairs(q:maps()) do
	if e.label:match("^anon@") and e.prot == "rw-" then anon = e end
end
check(anon ~= nil, "the stride buffer")
check(q:poke(anon.start, "\1\2\3\4") == true, "poke")
check(q:peek(anon.start, 4) == "\1\2\3\4", "peek what was poked")
local pte = q:pte(anon.start)
check(pte.mapped and pte.write and pte.page ~= nil and pte.page.dirty, "pte after poke")
local bad, why = q:poke(0x10, "x")
check(bad == nil and why:match("not writable"), "poke unmapped")
m2:close()

-- The amd64 TLB arrays.
local m3 = vmsim.machine{ arch = "amd64", tlb = { entries = 16, stlb = "0" }, output = "capture" }
local r = m3:spawn(vmsim.program("amd64", "hello"))
check(m3:run() == "exited" and r.exit_status == 0, "amd64 hello")
local at = m3:cpu(0):tlb()
check(at.arch == "amd64" and #at.arrays >= 2, "amd64 tlb")
m3:close()

-- Swap, overcommit, uid and limits; the page daemon by hand.
local m4 = vmsim.machine{ arch = "mips", memory = "4M", swap = "8M", overcommit = 2, uid = 7,
    output = "capture" }
local c4 = m4:config()
check(c4.swap == 8 * 1024 * 1024 and c4.overcommit == 2 and c4.uid == 7, "config swap/uid")
local po = m4:pageout()
check(po.swap_slots == 2048 and po.swap_used == 0 and po.runs == 0 and po.free > 0 and
    po.target_free > po.min_free, "pageout")
-- Each raise is one "request" event, and one "handler" event per
-- registered handler (kstack cache, malloc zones) saying what it freed.
local lowmem, handlers = {}, {}
m4:on("lowmem", function(e)
	if e.type == "handler" then handlers[#handlers + 1] = e
	else lowmem[#lowmem + 1] = e end
end)
local lr = m4:lowmem{ pageout = false }
check(#lowmem == 1 and lowmem[1].type == "request" and lowmem[1].pid == 0 and
    lr.lowmem == 1 and lr.runs == 0 and lr.reclaimed == 0, "lowmem{pageout = false}")
check(#handlers >= 2 and handlers[1].detail:match("^kstack: freed %d+ pages$"),
    "lowmem handlers report what they freed")
lr = m4:lowmem()
check(#lowmem == 2 and lowmem[2].type == "request" and lr.runs == 1, "lowmem()")
local q4 = m4:spawn(vmsim.program("mips", "vm_swap"), { 6 }, { uid = 1000,
    rlimits = { swap = 16 * 1024 * 1024, memlock = 4096 } })
check(m4:run() == "exited" and q4.exit_status == 0, "vm_swap 6 on 4M + 8M swap as uid 1000")
po = m4:pageout()
check(po.swapped_out > 0 and po.runs > 1 and m4:stats().swap_reserved == 0, "it paged")
local q5 = m4:spawn(vmsim.program("mips", "vm_swap"), { 4 }, { rlimits = { swap = 1 << 20 } })
local fails = 0
m4:on("swap_reserve_fail", function(e) fails = fails + 1; check(e.detail:match("uid 7$"), "uid 7") end)
check(m4:run() == "exited" and q5.exit_status == 1 and fails == 1, "RLIMIT_SWAP refuses (machine uid)")
m4:close()

print(string.format("api: %d checks passed", n))
