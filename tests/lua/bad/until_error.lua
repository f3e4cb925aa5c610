-- an error in until() (line 5) comes out of m:run
local m = vmsim.machine{ arch = "mips", output = "capture" }
m:spawn(vmsim.program("mips", "stride"), { 4, 65536, 3 })
m:run{ ["until"] = function()
	return nil + 1
end }
