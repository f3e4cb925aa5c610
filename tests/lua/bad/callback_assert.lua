-- a failed assert in an event callback (line 4): exit 1
local m = vmsim.machine{ arch = "mips", output = "capture" }
m:on("exit", function(e)
	assert(e.detail == "exit 7", "unexpected " .. e.detail)
end)
m:spawn(vmsim.program("mips", "touch_pages"), { 4 })
m:run()
