-- an error in the exec callback (line 4) comes out of m:spawn (line 6)
local m = vmsim.machine{ arch = "mips", output = "capture" }
m:on("exec", function(e)
	error("no exec please")
end)
m:spawn(vmsim.program("mips", "hello"))
