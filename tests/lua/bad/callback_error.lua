-- an error in an event callback (line 4) comes out of m:run (line 6)
local m = vmsim.machine{ arch = "mips", output = "capture" }
m:on("page_fault", function(e)
	error("callback failed at seq " .. e.seq)
end)
m:spawn(vmsim.program("mips", "touch_pages"), { 4 })
m:run()
