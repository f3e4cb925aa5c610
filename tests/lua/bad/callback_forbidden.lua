-- a callback may not run the machine (line 4)
local m = vmsim.machine{ arch = "mips", output = "capture" }
m:on("page_fault", function(e)
	m:run()
end)
m:spawn(vmsim.program("mips", "touch_pages"), { 4 })
m:run()
