-- tests/lua/events.lua OUT — what event callbacks see, written in the
-- format of `vmsim dump` (its "event" lines), so that a test can compare
-- it with the trace this run records (vmsim run --trace T.db events.lua OUT).
-- The run has events from m:spawn, m:step, p:poke (outside any run) and
-- m:run, from three processes.
local out = assert(io.open(arg[1], "w"))
local m = vmsim.machine{ arch = "mips", memory = "16M", seed = 11, tlb = { entries = 16 },
    output = "capture" }
local n = 0
m:on("*", function(e)
	n = n + 1
	out:write(string.format("event %d cycle=%d cpu=%d pid=%d tid=%d %s%s va=0x%x pa=0x%x "
	    .. "pc=0x%x region=%s detail=%s\n", e.seq, e.cycle, e.cpu, e.pid, e.tid, e.kind,
	    e.type and ("/" .. e.type) or "", e.va, e.pa, e.pc,
	    e.region ~= "" and e.region or "-", e.detail ~= "" and e.detail or "-"))
end)
local a = m:spawn(vmsim.program("mips", "stride"), { 4096, 131072, 2 })
local b = m:spawn(vmsim.program("mips", "selfmod"), { "nosync" })
assert(m:step(20000) == "paused")
-- a write through a's translations: a copy-on-write or zero-fill fault
for _, e in ipairs(a:maps()) do
	if e.label:match("^anon@") and e.prot == "rw-" then
		assert(a:poke(e["end"] - 4, "poke"))
	end
end
local c = m:spawn(vmsim.program("mips", "touch_pages"), { 10 })
assert(m:run() == "exited")
assert(a.exit_status == 0 and b.exit_status == 0 and c.exit_status == 0)
out:close()
print(string.format("events: %d events seen by the callback", n))
